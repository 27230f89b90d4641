//! `kestrel crew …`: the roster, the aircraft registry, teams, and sorties — create, list,
//! upload to the aircraft, follow from telemetry, abort, and export the sortie log as CSV.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::{bail, Context};

use crate::crew::{
    log, tracking, upload, AircraftRecord, CrewStore, Person, Role, Sortie, SortieDraft,
    SortieState,
};
use crate::plan::routes::{route_from_plan, RouteOptions};
use crate::protocol::TransferPolicy;
use crate::time::{now_unix, parse_utc, DateTime};

use super::{wait_for, LinkArgs};

/// Arguments of `kestrel crew`.
#[derive(Debug, clap::Args)]
pub struct CrewArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: CrewAction,
}

/// Crew actions.
#[derive(Debug, clap::Subcommand)]
pub enum CrewAction {
    /// The roster of officers and auxiliaries.
    Person {
        /// What to do.
        #[command(subcommand)]
        action: PersonAction,
    },
    /// The aircraft registry.
    Aircraft {
        /// What to do.
        #[command(subcommand)]
        action: AircraftAction,
    },
    /// Teams: one officer, two auxiliaries, one aircraft.
    Team {
        /// What to do.
        #[command(subcommand)]
        action: TeamAction,
    },
    /// Sorties: plan, upload, follow, abort, log.
    Sortie {
        /// What to do.
        #[command(subcommand)]
        action: SortieAction,
    },
    /// Everything at a glance: roster, aircraft and teams.
    List,
}

/// Roster actions.
#[derive(Debug, clap::Subcommand)]
pub enum PersonAction {
    /// Add a person.
    Add {
        /// Name (unique).
        name: String,
        /// officer or auxiliary.
        #[arg(long)]
        role: Role,
        /// Badge or service number.
        #[arg(long)]
        badge: Option<String>,
    },
    /// List the roster.
    List,
    /// Remove a person who is on no team.
    Remove {
        /// Name.
        name: String,
    },
}

/// Registry actions.
#[derive(Debug, clap::Subcommand)]
pub enum AircraftAction {
    /// Register an aircraft.
    Add {
        /// Callsign (unique).
        callsign: String,
        /// Make and model.
        #[arg(long)]
        model: String,
        /// Serial number.
        #[arg(long)]
        serial: String,
        /// Flight time on a full battery, minutes.
        #[arg(long)]
        endurance: f64,
        /// Cruise speed, m/s.
        #[arg(long, default_value_t = 10.0)]
        speed: f64,
        /// Camera horizontal field of view, degrees.
        #[arg(long, default_value_t = 70.0)]
        hfov: f64,
        /// MAVLink system id it flies with.
        #[arg(long)]
        sysid: Option<u8>,
    },
    /// List the registry.
    List,
    /// Put an aircraft under maintenance (--note) or back in service (--done).
    Maintenance {
        /// Callsign.
        callsign: String,
        /// What is being done.
        #[arg(long, conflicts_with = "done", required_unless_present = "done")]
        note: Option<String>,
        /// Back in service.
        #[arg(long)]
        done: bool,
    },
    /// Change a registered aircraft (only the values given; the callsign is its key).
    Edit {
        /// Callsign.
        callsign: String,
        /// Make and model.
        #[arg(long)]
        model: Option<String>,
        /// Serial number.
        #[arg(long)]
        serial: Option<String>,
        /// Flight time on a full battery, minutes.
        #[arg(long)]
        endurance: Option<f64>,
        /// Cruise speed, m/s.
        #[arg(long)]
        speed: Option<f64>,
        /// Camera horizontal field of view, degrees.
        #[arg(long)]
        hfov: Option<f64>,
        /// MAVLink system id it flies with.
        #[arg(long)]
        sysid: Option<u8>,
    },
    /// Remove an aircraft no team flies and no open sortie uses.
    Remove {
        /// Callsign.
        callsign: String,
    },
}

/// Team actions.
#[derive(Debug, clap::Subcommand)]
pub enum TeamAction {
    /// Form a team from exactly one officer, two auxiliaries and one aircraft.
    Add {
        /// Team name.
        name: String,
        /// A member (repeat for each of the three people).
        #[arg(long = "member", value_name = "NAME")]
        members: Vec<String>,
        /// The aircraft's callsign.
        #[arg(long = "aircraft", value_name = "CALLSIGN")]
        aircraft: Vec<String>,
    },
    /// List teams.
    List,
    /// Dissolve a team.
    Remove {
        /// Team name.
        name: String,
    },
}

/// Sortie actions.
#[derive(Debug, clap::Subcommand)]
pub enum SortieAction {
    /// Plan a sortie: a team, a route (.plan file) and a start time.
    Create {
        /// The team.
        #[arg(long)]
        team: String,
        /// The mission (.plan or .waypoints).
        #[arg(long, value_name = "FILE")]
        plan: PathBuf,
        /// Planned start, e.g. 2025-06-01T08:00Z.
        #[arg(long)]
        start: String,
        /// Planned minutes (default: the route's estimated flight time).
        #[arg(long)]
        minutes: Option<f64>,
        /// Route name for the log (default: the file name).
        #[arg(long)]
        name: Option<String>,
    },
    /// List sorties.
    List {
        /// Only sorties ending after this time.
        #[arg(long)]
        from: Option<String>,
        /// Only sorties starting before this time.
        #[arg(long)]
        until: Option<String>,
    },
    /// Upload a sortie's mission to its aircraft and mark it uploaded.
    Upload {
        /// Sortie id.
        id: i64,
        /// The links to the aircraft.
        #[command(flatten)]
        link: LinkArgs,
        /// Seconds to wait for the aircraft to be heard.
        #[arg(long, default_value_t = 10.0)]
        wait: f64,
    },
    /// Follow uploaded and flying sorties from telemetry, advancing their state.
    Track {
        /// The links to the aircraft.
        #[command(flatten)]
        link: LinkArgs,
        /// Stop after this many seconds (default: when no sortie is uploaded or flying).
        #[arg(long)]
        seconds: Option<f64>,
    },
    /// Cancel a sortie (or record that it was broken off).
    Abort {
        /// Sortie id.
        id: i64,
        /// Why.
        #[arg(long)]
        reason: String,
    },
    /// The sortie log for compliance.
    Log {
        /// Write CSV to this file ("-" for standard output).
        #[arg(long, value_name = "FILE")]
        csv: Option<PathBuf>,
    },
}

fn print_json<T: serde::Serialize>(v: &T) -> anyhow::Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

/// Runs `kestrel crew`.
pub async fn run(args: CrewArgs, ctx: &super::Context) -> anyhow::Result<()> {
    let json = ctx.json;
    // Also on a full disk, so that reading the roster still works there.
    let mut store = CrewStore::open_to_read_in(&ctx.data_dir)?;
    match args.action {
        CrewAction::Person { action } => match action {
            PersonAction::Add { name, role, badge } => {
                store.add_person(&Person {
                    name: name.clone(),
                    role,
                    badge,
                })?;
                if !json {
                    println!("added {role} {name}");
                }
            }
            PersonAction::List => {
                let people = store.people()?;
                if json {
                    print_json(&people)?;
                } else {
                    print_people(&people);
                }
            }
            PersonAction::Remove { name } => {
                store.remove_person(&name)?;
                if !json {
                    println!("removed {name}");
                }
            }
        },
        CrewAction::Aircraft { action } => match action {
            AircraftAction::Add {
                callsign,
                model,
                serial,
                endurance,
                speed,
                hfov,
                sysid,
            } => {
                store.add_aircraft(&AircraftRecord {
                    callsign: callsign.clone(),
                    model,
                    serial,
                    endurance_min: endurance,
                    cruise_ms: speed,
                    hfov_deg: hfov,
                    sysid,
                    maintenance: None,
                })?;
                if !json {
                    println!("registered aircraft {callsign}");
                }
            }
            AircraftAction::List => {
                let list = store.aircraft()?;
                if json {
                    print_json(&list)?;
                } else {
                    print_aircraft(&list);
                }
            }
            AircraftAction::Maintenance {
                callsign,
                note,
                done,
            } => {
                let note = if done { None } else { note };
                store.set_maintenance(&callsign, note.as_deref())?;
                if !json {
                    match note {
                        Some(n) => println!("aircraft {callsign} is under maintenance: {n}"),
                        None => println!("aircraft {callsign} is back in service"),
                    }
                }
            }
            AircraftAction::Edit {
                callsign,
                model,
                serial,
                endurance,
                speed,
                hfov,
                sysid,
            } => {
                let mut a = store.aircraft_by_callsign(&callsign)?;
                a.model = model.unwrap_or(a.model);
                a.serial = serial.unwrap_or(a.serial);
                a.endurance_min = endurance.unwrap_or(a.endurance_min);
                a.cruise_ms = speed.unwrap_or(a.cruise_ms);
                a.hfov_deg = hfov.unwrap_or(a.hfov_deg);
                a.sysid = sysid.or(a.sysid);
                store.update_aircraft(&a)?;
                if json {
                    print_json(&a)?;
                } else {
                    println!("aircraft {callsign} saved");
                }
            }
            AircraftAction::Remove { callsign } => {
                store.remove_aircraft(&callsign)?;
                if !json {
                    println!("removed aircraft {callsign}");
                }
            }
        },
        CrewAction::Team { action } => match action {
            TeamAction::Add {
                name,
                members,
                aircraft,
            } => {
                let t = store.add_team(&name, &members, &aircraft)?;
                if json {
                    print_json(&t)?;
                } else {
                    println!(
                        "team {}: officer {}, auxiliaries {} and {}, aircraft {}",
                        t.name, t.officer, t.auxiliaries[0], t.auxiliaries[1], t.aircraft
                    );
                }
            }
            TeamAction::List => {
                let teams = store.teams()?;
                if json {
                    print_json(&teams)?;
                } else {
                    print_teams(&teams);
                }
            }
            TeamAction::Remove { name } => {
                store.remove_team(&name)?;
                if !json {
                    println!("team {name} dissolved");
                }
            }
        },
        CrewAction::List => {
            let (people, aircraft, teams) = (store.people()?, store.aircraft()?, store.teams()?);
            if json {
                print_json(
                    &serde_json::json!({ "people": people, "aircraft": aircraft, "teams": teams }),
                )?;
            } else {
                print_people(&people);
                println!();
                print_aircraft(&aircraft);
                println!();
                print_teams(&teams);
            }
        }
        CrewAction::Sortie { action } => sortie(action, ctx, &mut store).await?,
    }
    Ok(())
}

fn print_people(people: &[Person]) {
    println!("{:<20} {:<10} BADGE", "NAME", "ROLE");
    for p in people {
        println!(
            "{:<20} {:<10} {}",
            p.name,
            p.role.as_str(),
            p.badge.as_deref().unwrap_or("-")
        );
    }
}

fn print_aircraft(list: &[AircraftRecord]) {
    println!(
        "{:<10} {:<16} {:<12} {:>7} {:>6} {:>5} {:>5}  STATUS",
        "CALLSIGN", "MODEL", "SERIAL", "END_MIN", "SPEED", "HFOV", "SYSID"
    );
    for a in list {
        println!(
            "{:<10} {:<16} {:<12} {:>7.0} {:>6.1} {:>5.0} {:>5}  {}",
            a.callsign,
            a.model,
            a.serial,
            a.endurance_min,
            a.cruise_ms,
            a.hfov_deg,
            a.sysid.map(|s| s.to_string()).unwrap_or_else(|| "-".into()),
            a.maintenance
                .as_deref()
                .map(|n| format!("maintenance: {n}"))
                .unwrap_or_else(|| "in service".into())
        );
    }
}

fn print_teams(teams: &[crate::crew::Team]) {
    println!(
        "{:<12} {:<16} {:<16} {:<16} AIRCRAFT",
        "TEAM", "OFFICER", "AUXILIARY", "AUXILIARY"
    );
    for t in teams {
        println!(
            "{:<12} {:<16} {:<16} {:<16} {}",
            t.name, t.officer, t.auxiliaries[0], t.auxiliaries[1], t.aircraft
        );
    }
}

fn print_sorties(list: &[Sortie]) {
    println!(
        "{:>4} {:<10} {:<9} {:<20} {:<20} {:<10} ROUTE",
        "ID", "TEAM", "AIRCRAFT", "START_UTC", "END_UTC", "STATE"
    );
    for s in list {
        println!(
            "{:>4} {:<10} {:<9} {:<20} {:<20} {:<10} {}",
            s.id,
            s.team.name,
            s.team.aircraft,
            DateTime::from_unix_secs(s.start).rfc3339(),
            DateTime::from_unix_secs(s.end).rfc3339(),
            s.state().as_str(),
            s.route_name
        );
    }
}

async fn sortie(
    action: SortieAction,
    ctx: &super::Context,
    store: &mut CrewStore,
) -> anyhow::Result<()> {
    let json = ctx.json;
    match action {
        SortieAction::Create {
            team,
            plan,
            start,
            minutes,
            name,
        } => {
            let start = parse_utc(&start)
                .map_err(anyhow::Error::msg)
                .context("--start")?;
            let mission = super::terrain::load_plan(&plan, &ctx.data_dir)?;
            let t = store.team(&team)?;
            let perf = store.aircraft_by_callsign(&t.aircraft)?.performance();
            let route = route_from_plan(&mission, perf, RouteOptions::default());
            let stats = route.totals();
            if !stats.fits {
                bail!(
                    "{} needs {:.1} min of flight but aircraft {} has {:.1} min after its reserve; split the route",
                    plan.display(),
                    stats.flight_time_s / 60.0,
                    t.aircraft,
                    stats.usable_s / 60.0
                );
            }
            let issues = route.check();
            if let Some(i) = issues.first() {
                bail!("{}: {i}", plan.display());
            }
            let secs = minutes
                .map(|m| m * 60.0)
                .unwrap_or(stats.flight_time_s)
                .ceil() as i64;
            let s = store.create_sortie(&SortieDraft {
                team,
                route_name: name.unwrap_or_else(|| {
                    plan.file_name()
                        .map(|f| f.to_string_lossy().into_owned())
                        .unwrap_or_default()
                }),
                plan: Some(mission),
                start,
                end: start + secs.max(60),
            })?;
            if json {
                print_json(&s)?;
            } else {
                println!(
                    "sortie {}: team {} with {} from {} to {} ({:.1} km, {:.0} % battery)",
                    s.id,
                    s.team.name,
                    s.team.aircraft,
                    DateTime::from_unix_secs(s.start).rfc3339(),
                    DateTime::from_unix_secs(s.end).rfc3339(),
                    stats.length_m / 1000.0,
                    stats.battery_pct
                );
            }
        }
        SortieAction::List { from, until } => {
            let list = match (from, until) {
                (None, None) => store.sorties()?,
                (f, u) => {
                    let f = f
                        .map(|f| parse_utc(&f))
                        .transpose()
                        .map_err(anyhow::Error::msg)?
                        .unwrap_or(i64::MIN);
                    let u = u
                        .map(|u| parse_utc(&u))
                        .transpose()
                        .map_err(anyhow::Error::msg)?
                        .unwrap_or(i64::MAX);
                    store.sorties_between(f, u)?
                }
            };
            if json {
                print_json(&list)?;
            } else {
                print_sorties(&list);
            }
        }
        SortieAction::Upload { id, link, wait } => {
            let mission = upload::planned_mission(store, id)?;
            let sysid = mission.sysid;
            let station = link.open(ctx).await?;
            wait_for(&station, sysid, Duration::from_secs_f64(wait)).await?;
            let done =
                upload::upload_sortie(store, &station, &mission, TransferPolicy::default()).await?;
            if json {
                print_json(&done.sortie)?;
            } else {
                println!(
                    "sortie {id}: mission uploaded to {} (system id {sysid})",
                    mission.callsign
                );
            }
        }
        SortieAction::Track { link, seconds } => {
            let station = link.open(ctx).await?;
            let started = tokio::time::Instant::now();
            let mut changes = Vec::new();
            loop {
                let tracked = tracking::track(store, &station.snapshot(), now_unix());
                for step in tracked.steps.iter().filter(|s| s.changed_state()) {
                    if !json {
                        println!(
                            "{} sortie {} ({}): {} → {}",
                            DateTime::from_unix_secs(now_unix() as i64).rfc3339(),
                            step.sortie,
                            step.aircraft,
                            step.from,
                            step.to
                        );
                    }
                    changes.push(
                        serde_json::json!({ "sortie": step.sortie, "from": step.from, "to": step.to }),
                    );
                }
                if let Some((_, e)) = tracked.errors.into_iter().next() {
                    return Err(e.into());
                }
                let waiting = store
                    .sorties()?
                    .iter()
                    .any(|s| matches!(s.state(), SortieState::Uploaded | SortieState::Flying));
                match seconds {
                    Some(limit) if started.elapsed().as_secs_f64() >= limit => break,
                    None if !waiting
                        && tracked.active == 0
                        && started.elapsed() > Duration::from_secs(2) =>
                    {
                        break
                    }
                    _ => {}
                }
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
            if json {
                print_json(&changes)?;
            }
        }
        SortieAction::Abort { id, reason } => {
            let s = store.abort(id, &reason)?;
            if json {
                print_json(&s)?;
            } else {
                println!("sortie {id} aborted: {reason}");
            }
        }
        SortieAction::Log { csv } => {
            let rows = log::rows(&store.sorties()?, &store.aircraft()?);
            match csv {
                Some(p) if p.as_os_str() == "-" => print!("{}", log::to_csv(&rows)),
                Some(p) => {
                    std::fs::write(&p, log::to_csv(&rows))
                        .with_context(|| format!("cannot write {}", p.display()))?;
                    if !json {
                        println!("wrote {} sorties to {}", rows.len(), p.display());
                    }
                }
                None if json => print_json(&rows)?,
                None => {
                    println!(
                        "{:>4} {:<10} {:<12} {:<9} {:<10} {:<20} {:>6} {:>8} {:>6} {:>6} {:>9} {:<9}",
                        "ID",
                        "TEAM",
                        "OFFICER",
                        "AIRCRAFT",
                        "STATE",
                        "TAKEOFF_UTC",
                        "MIN",
                        "DIST_M",
                        "MAXALT",
                        "ALERTS",
                        "SIGHTINGS",
                        "CHECKLIST"
                    );
                    for r in &rows {
                        println!(
                            "{:>4} {:<10} {:<12} {:<9} {:<10} {:<20} {:>6} {:>8.0} {:>6.0} {:>6} {:>9} {:<9}",
                            r.sortie,
                            r.team,
                            r.officer,
                            r.aircraft,
                            r.state,
                            if r.takeoff.is_empty() { "-" } else { &r.takeoff },
                            r.flight_min.map(|m| format!("{m:.1}")).unwrap_or_else(|| "-".into()),
                            r.distance_m,
                            r.max_alt_m,
                            r.alerts,
                            r.sightings,
                            checklist_state(&r.checklist)
                        );
                    }
                }
            }
        }
    }
    Ok(())
}

/// The checklist of a sortie in one word for the table: complete, open, or not recorded.
fn checklist_state(summary: &str) -> &'static str {
    if summary.is_empty() {
        "-"
    } else if summary.contains("[OPEN]") {
        "open"
    } else {
        "complete"
    }
}
