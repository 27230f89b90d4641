//! `kestrel sighting`: add, list, edit and correct sightings in the console's queue
//! (`DATA_DIR/sightings.db`). `kestrel sync` sends them to dispatch.

use std::path::PathBuf;

use uuid::Uuid;

use super::{parse_sysid, Context};
use crate::audit::AuditLog;
use crate::sightings::{audited::ROOM_PER_CHANGE, keep_with_audit};
use crate::sightings::{
    Category, DeliveryState, LocatedBy, NewSighting, Position, Priority, Sighting, SightingEdit,
    SightingRecord, SightingStore, SnapshotData, Timestamp,
};
use crate::storage::ensure_room;

/// Arguments of `kestrel sighting`.
#[derive(Debug, clap::Args)]
pub struct SightingArgs {
    /// What to do with sightings.
    #[command(subcommand)]
    pub command: SightingCmd,
}

/// What to do with sightings.
#[derive(Debug, clap::Subcommand)]
pub enum SightingCmd {
    /// Save a new sighting (durably) and queue it for dispatch.
    Add(AddArgs),
    /// List sightings with their delivery state.
    List(ListArgs),
    /// Change a sighting that has not been sent yet.
    Edit(EditArgs),
    /// Append a correction to a sighting that was already sent.
    Correct(EditArgs),
}

/// Arguments of `kestrel sighting add`.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    /// Latitude, degrees north.
    #[arg(long, allow_negative_numbers = true)]
    pub lat: f64,
    /// Longitude, degrees east.
    #[arg(long, allow_negative_numbers = true)]
    pub lon: f64,
    /// person, vehicle, crowd, traffic_incident, fire, rescue or other.
    #[arg(long)]
    pub category: Category,
    /// What was seen.
    #[arg(long, default_value = "")]
    pub note: String,
    /// A JPEG snapshot to attach.
    #[arg(long, value_name = "FILE")]
    pub photo: Option<PathBuf>,
    /// Altitude above mean sea level, metres.
    #[arg(long, allow_negative_numbers = true)]
    pub alt: Option<f64>,
    /// Horizontal accuracy, metres.
    #[arg(long)]
    pub accuracy: Option<f64>,
    /// System id of the aircraft it was seen from.
    #[arg(long, value_name = "SYSID", value_parser = parse_sysid)]
    pub aircraft: Option<u8>,
    /// The aircraft's radio callsign.
    #[arg(long)]
    pub callsign: Option<String>,
    /// Sortie it belongs to.
    #[arg(long)]
    pub sortie: Option<String>,
    /// Crew that made it.
    #[arg(long)]
    pub crew: Option<String>,
    /// low, normal, high or urgent.
    #[arg(long, default_value = "normal")]
    pub priority: Priority,
    /// When it was seen (UTC, e.g. 2025-05-01T12:00:00Z; default: now).
    #[arg(long)]
    pub time: Option<Timestamp>,
}

/// Arguments of `kestrel sighting list`.
#[derive(Debug, clap::Args)]
pub struct ListArgs {
    /// Only sightings in this state: queued, delivered or acknowledged.
    #[arg(long)]
    pub state: Option<DeliveryState>,
}

/// Arguments of `kestrel sighting edit` and `kestrel sighting correct`.
#[derive(Debug, clap::Args)]
pub struct EditArgs {
    /// The sighting's id (from `kestrel sighting list`).
    pub id: Uuid,
    /// New latitude (give --lon too).
    #[arg(long, allow_negative_numbers = true, requires = "lon")]
    pub lat: Option<f64>,
    /// New longitude (give --lat too).
    #[arg(long, allow_negative_numbers = true, requires = "lat")]
    pub lon: Option<f64>,
    /// New altitude, metres above mean sea level.
    #[arg(long, allow_negative_numbers = true)]
    pub alt: Option<f64>,
    /// New accuracy, metres.
    #[arg(long)]
    pub accuracy: Option<f64>,
    /// New category.
    #[arg(long)]
    pub category: Option<Category>,
    /// New priority.
    #[arg(long)]
    pub priority: Option<Priority>,
    /// New note.
    #[arg(long)]
    pub note: Option<String>,
}

impl EditArgs {
    fn edit(&self, current: &Sighting) -> SightingEdit {
        let moved = self.lat.is_some() || self.alt.is_some() || self.accuracy.is_some();
        SightingEdit {
            position: moved.then(|| Position {
                lat: self.lat.unwrap_or(current.position.lat),
                lon: self.lon.unwrap_or(current.position.lon),
                alt_m: self.alt.or(current.position.alt_m),
                accuracy_m: self.accuracy.or(current.position.accuracy_m),
            }),
            located_by: self.lat.map(|_| LocatedBy::Manual),
            category: self.category,
            priority: self.priority,
            note: self.note.clone(),
        }
    }
}

/// Runs `kestrel sighting`.
pub async fn run(args: SightingArgs, ctx: &Context) -> anyhow::Result<()> {
    if let SightingCmd::List(a) = &args.command {
        // Reading works on a full disk too.
        return list(&SightingStore::open_to_read(&ctx.data_dir)?, a, ctx);
    }
    // On a full disk the database may not even open: say so the way a refused change does.
    ensure_room(&ctx.data_dir, ROOM_PER_CHANGE)?;
    let store = SightingStore::open_in(&ctx.data_dir)?;
    match args.command {
        SightingCmd::Add(a) => add(&store, a, ctx).await,
        SightingCmd::List(a) => list(&store, &a, ctx),
        SightingCmd::Edit(a) => {
            let current = existing(&store, a.id)?;
            let s = store.edit(a.id, a.edit(&current.sighting)).await?;
            audited(ctx, &store, &s, Some(current.sighting), "sighting_edit").await?;
            print_saved(ctx, &store, &s, "edited")
        }
        SightingCmd::Correct(a) => {
            let current = existing(&store, a.id)?;
            ensure_room(&ctx.data_dir, ROOM_PER_CHANGE + snapshot_bytes(&current))?;
            let s = store.correct(a.id, a.edit(&current.sighting)).await?;
            audited(ctx, &store, &s, None, "sighting_correction").await?;
            print_saved(ctx, &store, &s, "correction saved")
        }
    }
}

fn snapshot_bytes(record: &SightingRecord) -> u64 {
    record.sighting.snapshot.as_ref().map_or(0, |s| s.bytes)
}

fn existing(store: &SightingStore, id: Uuid) -> anyhow::Result<SightingRecord> {
    store
        .get(id)?
        .ok_or_else(|| anyhow::anyhow!("no sighting with id {id}; see `kestrel sighting list`"))
}

async fn add(store: &SightingStore, a: AddArgs, ctx: &Context) -> anyhow::Result<()> {
    let mut new = NewSighting::new(
        a.category,
        Position {
            lat: a.lat,
            lon: a.lon,
            alt_m: a.alt,
            accuracy_m: a.accuracy,
        },
    )
    .note(a.note);
    new.time = a.time;
    new.priority = a.priority;
    new.aircraft.sysid = a.aircraft;
    new.aircraft.callsign = a.callsign;
    new.sortie = a.sortie;
    new.crew = a.crew;
    let mut picture = 0;
    if let Some(photo) = &a.photo {
        let data = SnapshotData::from_file(photo)?;
        picture = data.jpeg.len() as u64;
        new.snapshot = Some(data);
    }
    ensure_room(&ctx.data_dir, ROOM_PER_CHANGE + picture)?;
    let s = store.add(new).await?;
    audited(ctx, store, &s, None, "sighting").await?;
    print_saved(ctx, store, &s, "saved")
}

/// Records the change in the audit trail; when that fails the change is taken back
/// (`previous` is what an edit replaced) and the command fails.
async fn audited(
    ctx: &Context,
    store: &SightingStore,
    s: &Sighting,
    previous: Option<Sighting>,
    action: &'static str,
) -> anyhow::Result<()> {
    let (path, operator, sysid) = (ctx.audit_db(), ctx.operator.clone(), s.aircraft.sysid);
    let detail = crate::console::sightings::audit_detail(s);
    let write = async move {
        tokio::task::spawn_blocking(move || {
            AuditLog::open(&path)
                .and_then(|log| log.append(&operator, sysid, action, &detail, "saved"))
                .map(|_| ())
                .map_err(|e| e.to_string())
        })
        .await
        .unwrap_or_else(|e| Err(e.to_string()))
    };
    keep_with_audit(store, s.clone(), previous, write).await?;
    Ok(())
}

fn print_saved(
    ctx: &Context,
    store: &SightingStore,
    s: &Sighting,
    what: &str,
) -> anyhow::Result<()> {
    if ctx.json {
        let rec = existing(store, s.id)?;
        println!("{}", serde_json::to_string_pretty(&rec)?);
    } else {
        println!(
            "{what}: sighting {} ({} at {:.6}, {:.6}), queued for dispatch",
            s.id, s.category, s.position.lat, s.position.lon
        );
    }
    Ok(())
}

fn list(store: &SightingStore, a: &ListArgs, ctx: &Context) -> anyhow::Result<()> {
    let records: Vec<SightingRecord> = store
        .list()?
        .into_iter()
        .filter(|r| a.state.is_none_or(|s| r.state == s))
        .collect();
    if ctx.json {
        println!("{}", serde_json::to_string_pretty(&records)?);
        return Ok(());
    }
    print!("{}", table(&records));
    let c = store.counts()?;
    println!(
        "{} queued, {} delivered, {} acknowledged (console {})",
        c.queued,
        c.delivered,
        c.acknowledged,
        store.console_id()
    );
    Ok(())
}

/// Sightings as a text table.
pub fn table(records: &[SightingRecord]) -> String {
    let mut out = format!(
        "{:<36}  {:<24} {:<16} {:<6} {:>11} {:>11} {:<12} NOTE\n",
        "ID", "TIME", "CATEGORY", "PRIO", "LAT", "LON", "STATE"
    );
    for r in records {
        let s = &r.sighting;
        let mut note: String = s.note.chars().take(40).collect();
        if let Some(c) = s.corrects {
            note = format!("(corrects {}) {note}", &c.to_string()[..8]);
        }
        if r.corrected_by.is_some() {
            note = format!("[corrected] {note}");
        }
        if let Some(d) = &r.dispatcher_ack {
            note = format!("[seen by dispatcher {}] {note}", d.by);
        }
        out.push_str(&format!(
            "{:<36}  {:<24} {:<16} {:<6} {:>11.6} {:>11.6} {:<12} {}\n",
            s.id,
            s.time,
            s.category,
            s.priority,
            s.position.lat,
            s.position.lon,
            r.state,
            note.replace('\n', " ")
        ));
    }
    out
}
