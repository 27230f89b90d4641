//! `kestrel plan route|check|schedule|areas`: patrol routes from key areas, checks of `.plan`
//! files, the shift schedule, and the key-area store.

use std::path::{Path, PathBuf};

use anyhow::{bail, Context};

use crate::crew::{eligibility, CrewStore};
use crate::geo::GeoPoint;
use crate::plan::areas::{geojson, AreaStore, Category, KeyArea};
use crate::plan::routes::{
    export, no_fly_from_fence, plan_route, route_from_plan, PatrolRoute, Pattern, Performance,
    RouteOptions, RouteRequest,
};
use crate::plan::schedule::{schedule, EventOverride, Schedule, ScheduleRequest};

use crate::plan::{self as planfiles, MissionPlan};
use crate::time::{parse_utc, DateTime};

/// Arguments of `kestrel plan`.
#[derive(Debug, clap::Args)]
pub struct PlanArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: PlanAction,
}

/// Planning actions.
#[derive(Debug, clap::Subcommand)]
pub enum PlanAction {
    /// Generate a patrol route from key areas and write it as a QGroundControl .plan.
    Route(RouteArgs),
    /// Measure and check a .plan file: length, flight time, battery, no-fly zones, ceiling.
    Check(CheckArgs),
    /// Plan a shift: sorties for the teams so every key area is visited within its interval.
    Schedule(ScheduleArgs),
    /// Import, export, list or remove key areas.
    Areas(AreasArgs),
}

/// A latitude,longitude pair on the command line.
#[derive(Debug, Clone, Copy)]
pub struct LatLon(pub GeoPoint);

impl std::str::FromStr for LatLon {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        let (a, b) = s
            .split_once(',')
            .ok_or_else(|| format!("'{s}' is not LAT,LON (e.g. 36.4563,115.9852)"))?;
        let lat: f64 = a
            .trim()
            .parse()
            .map_err(|_| format!("latitude '{a}' is not a number"))?;
        let lon: f64 = b
            .trim()
            .parse()
            .map_err(|_| format!("longitude '{b}' is not a number"))?;
        if !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            return Err(format!(
                "'{s}' is outside latitude -90..90 / longitude -180..180"
            ));
        }
        Ok(LatLon(GeoPoint { lat, lon }))
    }
}

/// Aircraft and route settings shared by `route`, `check` and `schedule`.
#[derive(Debug, Clone, clap::Args)]
pub struct FlightArgs {
    /// Patrol altitude above home, metres (an area's own alt_m wins).
    #[arg(long, default_value_t = 60.0)]
    pub alt: f64,
    /// Altitude ceiling above home, metres.
    #[arg(long, default_value_t = 120.0)]
    pub ceiling: f64,
    /// Distance kept from no-fly zones, metres.
    #[arg(long, default_value_t = 10.0)]
    pub margin: f64,
    /// Share of the battery kept in reserve (0.2 = 20 %).
    #[arg(long, default_value_t = 0.2)]
    pub reserve: f64,
    /// Registered aircraft to plan for (its endurance, speed and camera); default: a 25-min,
    /// 10 m/s quadcopter with a 70° camera.
    #[arg(long, value_name = "CALLSIGN")]
    pub aircraft: Option<String>,
}

impl FlightArgs {
    fn performance(&self, data_dir: &Path) -> anyhow::Result<Performance> {
        let mut p = match &self.aircraft {
            Some(cs) => {
                let store = CrewStore::open_to_read_in(data_dir)?;
                let a = store.aircraft_by_callsign(cs)?;
                if let Some(note) = &a.maintenance {
                    eprintln!("note: aircraft {cs} is under maintenance ({note})");
                }
                a.performance()
            }
            None => Performance::default(),
        };
        p.reserve = self.reserve;
        Ok(p)
    }

    fn options(&self) -> RouteOptions {
        RouteOptions {
            alt_m: self.alt,
            ceiling_m: self.ceiling,
            nofly_margin_m: self.margin,
            ..RouteOptions::default()
        }
    }
}

/// Arguments of `kestrel plan route`.
#[derive(Debug, clap::Args)]
pub struct RouteArgs {
    /// GeoJSON or KML file of key areas (default: the stored key areas).
    #[arg(long, value_name = "FILE")]
    pub areas: Option<PathBuf>,
    /// Patrol only these areas (repeatable; default: every area that is not a no-fly zone).
    #[arg(long = "area", value_name = "NAME")]
    pub only: Vec<String>,
    /// How to patrol: perimeter, coverage, tour or orbit.
    #[arg(long)]
    pub pattern: Pattern,
    /// Aircraft and altitude settings.
    #[command(flatten)]
    pub flight: FlightArgs,
    /// Launch point (default: inside the first area).
    #[arg(long, value_name = "LAT,LON")]
    pub home: Option<LatLon>,
    /// Coverage: side overlap between lanes (0.2 = 20 %).
    #[arg(long, default_value_t = 0.2)]
    pub overlap: f64,
    /// Orbit: seconds over the point.
    #[arg(long, default_value_t = 120.0)]
    pub orbit_s: f64,
    /// Orbit: circle radius in metres (0 = hover).
    #[arg(long, default_value_t = 0.0)]
    pub radius: f64,
    /// Tour: seconds to hold over each area.
    #[arg(long, default_value_t = 0.0)]
    pub dwell_s: f64,
    /// Visit areas in the order given instead of the shortest order.
    #[arg(long)]
    pub keep_order: bool,
    /// Rally (safe landing) point for the plan (repeatable).
    #[arg(long, value_name = "LAT,LON")]
    pub rally: Vec<LatLon>,
    /// Write the mission here (.plan, or .waypoints); a split route gets FILE-2.plan, … too.
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// Also write the route as GeoJSON.
    #[arg(long, value_name = "FILE")]
    pub geojson: Option<PathBuf>,
    /// Also write the route as KML.
    #[arg(long, value_name = "FILE")]
    pub kml: Option<PathBuf>,
}

/// Arguments of `kestrel plan check`.
#[derive(Debug, clap::Args)]
pub struct CheckArgs {
    /// The .plan or .waypoints file.
    pub file: PathBuf,
    /// Aircraft and altitude settings.
    #[command(flatten)]
    pub flight: FlightArgs,
    /// Warn where the route passes closer than this to the ground, metres (needs the terrain
    /// tiles under the route: `kestrel terrain import`).
    #[arg(long, default_value_t = 30.0, value_name = "M")]
    pub min_clearance: f64,
}

/// Arguments of `kestrel plan schedule`.
#[derive(Debug, clap::Args)]
pub struct ScheduleArgs {
    /// Shift start, e.g. 2025-06-01T08:00Z or 2025-06-01T16:00+08:00.
    #[arg(long)]
    pub start: String,
    /// Shift end.
    #[arg(long)]
    pub end: String,
    /// Launch point of every team.
    #[arg(long, value_name = "LAT,LON")]
    pub home: LatLon,
    /// Teams on duty (repeatable; default: every team whose aircraft is in service).
    #[arg(long = "team", value_name = "NAME")]
    pub teams: Vec<String>,
    /// GeoJSON or KML file of key areas (default: the stored key areas).
    #[arg(long, value_name = "FILE")]
    pub areas: Option<PathBuf>,
    /// Battery change and checks between two sorties of a team, minutes.
    #[arg(long, default_value_t = 10.0)]
    pub turnaround: f64,
    /// Event mode: AREA=MINUTES, or AREA=MINUTES@FROM/UNTIL for part of the shift (repeatable).
    #[arg(long = "event", value_name = "AREA=MIN[@FROM/UNTIL]")]
    pub events: Vec<String>,
    /// Patrol altitude above home, metres.
    #[arg(long, default_value_t = 60.0)]
    pub alt: f64,
    /// Altitude ceiling, metres.
    #[arg(long, default_value_t = 120.0)]
    pub ceiling: f64,
    /// Distance kept from no-fly zones, metres.
    #[arg(long, default_value_t = 10.0)]
    pub margin: f64,
    /// Create the sorties (with their routes) in the crew database.
    #[arg(long)]
    pub create: bool,
}

/// Arguments of `kestrel plan areas`.
#[derive(Debug, clap::Args)]
pub struct AreasArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: AreasAction,
}

/// Key-area actions.
#[derive(Debug, clap::Subcommand)]
pub enum AreasAction {
    /// Import a GeoJSON FeatureCollection, a KML/KMZ file (Google Earth, GIS), or the no-fly
    /// zones (geofence exclusions) of a .plan.
    Import {
        /// The file.
        file: PathBuf,
        /// Remove stored areas that are not in the file.
        #[arg(long)]
        replace: bool,
    },
    /// Export every stored area as GeoJSON, or KML when FILE ends in .kml (standard output: GeoJSON).
    Export {
        /// Where to write; standard output when absent.
        file: Option<PathBuf>,
    },
    /// List stored areas.
    List,
    /// Remove a stored area.
    Remove {
        /// Its name.
        name: String,
    },
}

/// Runs `kestrel plan`.
pub async fn run(args: PlanArgs, json: bool, data_dir: &Path) -> anyhow::Result<()> {
    match args.action {
        PlanAction::Route(a) => route(a, json, data_dir),
        PlanAction::Check(a) => check(a, json, data_dir),
        PlanAction::Schedule(a) => run_schedule(a, json, data_dir),
        PlanAction::Areas(a) => areas(a, json, data_dir),
    }
}

fn load_areas(file: Option<&Path>, data_dir: &Path) -> anyhow::Result<Vec<KeyArea>> {
    match file {
        Some(f) => {
            let bytes = std::fs::read(f).with_context(|| format!("cannot read {}", f.display()))?;
            crate::plan::areas::parse_file(f, &bytes).with_context(|| f.display().to_string())
        }
        None => {
            let list = AreaStore::open_to_read_in(data_dir)?.list()?;
            if list.is_empty() {
                bail!("no key areas stored; import some with `kestrel plan areas import FILE.geojson` or pass --areas FILE.geojson");
            }
            Ok(list)
        }
    }
}

fn route(a: RouteArgs, json: bool, data_dir: &Path) -> anyhow::Result<()> {
    let all = load_areas(a.areas.as_deref(), data_dir)?;
    let no_fly: Vec<KeyArea> = all
        .iter()
        .filter(|x| x.category == Category::NoFly)
        .cloned()
        .collect();
    let mut targets: Vec<KeyArea> = all
        .iter()
        .filter(|x| x.category != Category::NoFly)
        .cloned()
        .collect();
    if !a.only.is_empty() {
        for name in &a.only {
            if !all.iter().any(|x| &x.name == name) {
                bail!("no key area named '{name}'");
            }
        }
        targets = a
            .only
            .iter()
            .filter_map(|n| all.iter().find(|x| &x.name == n).cloned())
            .collect();
    }
    let home = match a.home {
        Some(h) => h.0,
        None => {
            let first = targets.first().context("no key areas to patrol")?;
            let h = first.anchor();
            if !json {
                eprintln!(
                    "note: no --home given; launching from inside '{}' at {:.6},{:.6}",
                    first.name, h.lat, h.lon
                );
            }
            h
        }
    };
    let req = RouteRequest {
        pattern: a.pattern,
        targets,
        no_fly,
        home,
        aircraft: a.flight.performance(data_dir)?,
        options: RouteOptions {
            side_overlap: a.overlap,
            orbit_s: a.orbit_s,
            orbit_radius_m: a.radius,
            dwell_s: a.dwell_s,
            keep_order: a.keep_order,
            ..a.flight.options()
        },
        rally: a.rally.iter().map(|r| r.0).collect(),
    };
    let route = plan_route(&req)?;
    let mut written = Vec::new();
    if let Some(out) = &a.out {
        for (i, plan) in route.mission_plans().iter().enumerate() {
            let path = numbered(out, i);
            planfiles::save(&path, plan)?;
            written.push(path);
        }
    }
    if let Some(p) = &a.geojson {
        std::fs::write(p, export::to_geojson(&route))
            .with_context(|| format!("cannot write {}", p.display()))?;
        written.push(p.clone());
    }
    if let Some(p) = &a.kml {
        std::fs::write(p, export::to_kml(&route))
            .with_context(|| format!("cannot write {}", p.display()))?;
        written.push(p.clone());
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "route": route, "totals": route.totals(), "files": written })
            )?
        );
    } else {
        print_route(&route);
        for p in &written {
            println!("wrote {}", p.display());
        }
    }
    Ok(())
}

/// `patrol.plan` for the first sortie, `patrol-2.plan`, `patrol-3.plan`… for the next.
fn numbered(path: &Path, i: usize) -> PathBuf {
    if i == 0 {
        return path.to_path_buf();
    }
    let stem = path.file_stem().and_then(|s| s.to_str()).unwrap_or("route");
    let name = match path.extension().and_then(|e| e.to_str()) {
        Some(ext) => format!("{stem}-{}.{ext}", i + 1),
        None => format!("{stem}-{}", i + 1),
    };
    path.with_file_name(name)
}

fn print_route(route: &PatrolRoute) {
    println!(
        "{} route over {} from {:.6},{:.6}",
        route.pattern,
        route.areas.join(", "),
        route.home.lat,
        route.home.lon
    );
    println!(
        "{:>6} {:>7} {:>10} {:>9} {:>9} {:>8}",
        "SORTIE", "POINTS", "LENGTH_KM", "TIME_MIN", "BATTERY%", "FITS"
    );
    for (i, s) in route.sorties.iter().enumerate() {
        println!(
            "{:>6} {:>7} {:>10.2} {:>9.1} {:>9.0} {:>8}",
            i + 1,
            s.points.len(),
            s.stats.length_m / 1000.0,
            s.stats.flight_time_s / 60.0,
            s.stats.battery_pct,
            if s.stats.fits { "yes" } else { "NO" }
        );
    }
    let t = route.totals();
    if route.sorties.len() > 1 {
        println!(
            "{:>6} {:>7} {:>10.2} {:>9.1}",
            "total",
            "",
            t.length_m / 1000.0,
            t.flight_time_s / 60.0
        );
    }
    for w in &route.warnings {
        println!("warning: {w}");
    }
}

fn check(a: CheckArgs, json: bool, data_dir: &Path) -> anyhow::Result<()> {
    let plan: MissionPlan = super::terrain::load_plan(&a.file, data_dir)?;
    let route = route_from_plan(&plan, a.flight.performance(data_dir)?, a.flight.options());
    let issues = route.check();
    let terrain = super::terrain::clearance(&plan, data_dir, a.min_clearance);
    let into_ground = terrain.into_ground();
    let refused = crate::plan::acceptance::refusals(&plan);
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(&serde_json::json!({
                "route": route,
                "issues": issues,
                "terrain": terrain,
                "autopilot_refuses": refused,
            }))?
        );
    } else {
        terrain.print();
        print_route(&route);
        println!(
            "{} no-fly zones in the geofence, {} rally points",
            route.no_fly.len(),
            route.rally.len()
        );
        if issues.is_empty() && into_ground.is_none() && refused.is_empty() {
            println!("no problems found");
        }
        for r in &refused {
            println!("problem: {r}");
        }
        for i in &issues {
            println!("problem: {i}");
        }
        if let Some(p) = &into_ground {
            println!("problem: {p}");
        }
    }
    let problems = issues.len() + usize::from(into_ground.is_some()) + refused.len();
    if problems > 0 {
        bail!("{problems} problem(s) in {}", a.file.display());
    }
    Ok(())
}

fn parse_event(s: &str) -> anyhow::Result<EventOverride> {
    let (area, rest) = s.split_once('=').with_context(|| {
        format!("--event '{s}' must be AREA=MINUTES or AREA=MINUTES@FROM/UNTIL")
    })?;
    let (min, window) = match rest.split_once('@') {
        Some((m, w)) => (m, Some(w)),
        None => (rest, None),
    };
    let revisit_min: f64 = min
        .trim()
        .parse()
        .ok()
        .filter(|m: &f64| *m > 0.0)
        .with_context(|| format!("--event '{s}': '{min}' is not a number of minutes"))?;
    let (from, until) = match window {
        Some(w) => {
            let (f, u) = w
                .split_once('/')
                .with_context(|| format!("--event '{s}': the window must be FROM/UNTIL"))?;
            (Some(parse_utc(f)?), Some(parse_utc(u)?))
        }
        None => (None, None),
    };
    Ok(EventOverride {
        area: area.trim().to_string(),
        revisit_min,
        from,
        until,
    })
}

fn run_schedule(a: ScheduleArgs, json: bool, data_dir: &Path) -> anyhow::Result<()> {
    let start = parse_utc(&a.start)
        .map_err(anyhow::Error::msg)
        .context("--start")?;
    let end = parse_utc(&a.end)
        .map_err(anyhow::Error::msg)
        .context("--end")?;
    let areas = load_areas(a.areas.as_deref(), data_dir)?;
    let mut store = CrewStore::open_in(data_dir)?;
    let all_teams = store.teams()?;
    let chosen: Vec<_> = if a.teams.is_empty() {
        all_teams
    } else {
        a.teams
            .iter()
            .map(|n| store.team(n))
            .collect::<Result<_, _>>()?
    };
    let eligible = eligibility::schedule_teams(&chosen, &store.aircraft()?)?;
    let notes: Vec<String> = eligible.left_out.iter().map(|l| l.to_string()).collect();
    let teams = eligible.teams;
    let options = RouteOptions {
        alt_m: a.alt,
        ceiling_m: a.ceiling,
        nofly_margin_m: a.margin,
        ..RouteOptions::default()
    };
    let req = ScheduleRequest {
        shift_start: start,
        shift_end: end,
        home: a.home.0,
        teams,
        areas: areas.clone(),
        turnaround_min: a.turnaround,
        events: a
            .events
            .iter()
            .map(|e| parse_event(e))
            .collect::<Result<_, _>>()?,
        options,
    };
    let sched = schedule(&req)?;
    let mut created = Vec::new();
    if a.create {
        created = create_sorties(&mut store, &sched, &req)?;
    }
    if json {
        println!(
            "{}",
            serde_json::to_string_pretty(
                &serde_json::json!({ "schedule": sched, "created_sorties": created, "notes": notes })
            )?
        );
    } else {
        print_schedule(&sched);
        for n in &notes {
            println!("note: {n}");
        }
        if a.create {
            println!(
                "created sorties {}",
                created
                    .iter()
                    .map(|i: &i64| i.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            );
        }
    }
    Ok(())
}

fn create_sorties(
    store: &mut CrewStore,
    sched: &Schedule,
    req: &ScheduleRequest,
) -> anyhow::Result<Vec<i64>> {
    let drafts = crate::crew::scheduled::sortie_drafts(sched, req)?;
    let mut ids = Vec::new();
    for draft in &drafts {
        ids.push(store.create_sortie(draft)?.id);
    }
    Ok(ids)
}

fn print_schedule(s: &Schedule) {
    println!(
        "{:<12} {:>5} {:>5} {:>8}  AREAS (arrival)",
        "TEAM", "START", "END", "BATTERY%"
    );
    for p in &s.sorties {
        let visits: Vec<String> = p
            .visits
            .iter()
            .map(|v| format!("{} ({})", v.area, DateTime::from_unix_secs(v.at).hm()))
            .collect();
        println!(
            "{:<12} {:>5} {:>5} {:>8.0}  {}",
            p.team,
            DateTime::from_unix_secs(p.start).hm(),
            DateTime::from_unix_secs(p.end).hm(),
            p.battery_pct,
            visits.join(", ")
        );
    }
    println!();
    println!(
        "{:<24} {:>9} {:>9} {:>6} {:>11} {:>4}",
        "AREA", "EVERY_MIN", "EVENT_MIN", "VISITS", "MAX_GAP_MIN", "MET"
    );
    for c in &s.coverage {
        println!(
            "{:<24} {:>9.0} {:>9} {:>6} {:>11.0} {:>4}",
            c.area,
            c.interval_min,
            c.event_min
                .map(|m| format!("{m:.0}"))
                .unwrap_or_else(|| "-".into()),
            c.visits,
            c.max_gap_min,
            if c.met { "yes" } else { "NO" }
        );
    }
    for u in &s.uncovered {
        println!("not covered: '{}': {}", u.area, u.reason);
    }
    if s.uncovered.is_empty() {
        println!("every area is visited within its interval (times in UTC)");
    }
}

fn areas(a: AreasArgs, json: bool, data_dir: &Path) -> anyhow::Result<()> {
    match a.action {
        AreasAction::Import { file, replace } => {
            let bytes =
                std::fs::read(&file).with_context(|| format!("cannot read {}", file.display()))?;
            let text = String::from_utf8_lossy(&bytes);
            let list = if text.contains("\"fileType\"") && text.contains("\"Plan\"") {
                let plan =
                    crate::plan::qgc::parse(&text).with_context(|| file.display().to_string())?;
                let zones = no_fly_from_fence(&plan);
                if zones.is_empty() {
                    bail!(
                        "{} has no exclusion geofence to import as no-fly zones",
                        file.display()
                    );
                }
                zones
            } else {
                crate::plan::areas::parse_file(&file, &bytes)
                    .with_context(|| file.display().to_string())?
            };
            let mut store = AreaStore::open_in(data_dir)?;
            let n = store.import(&list, replace)?;
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "imported": n, "database": store.path() })
                );
            } else {
                println!("imported {n} key areas into {}", store.path().display());
            }
        }
        AreasAction::Export { file } => {
            let list = AreaStore::open_to_read_in(data_dir)?.list()?;
            match file {
                Some(f) => {
                    let text = crate::plan::areas::write_file(&f, &list)?;
                    std::fs::write(&f, text)
                        .with_context(|| format!("cannot write {}", f.display()))?;
                    if !json {
                        println!("wrote {} key areas to {}", list.len(), f.display());
                    }
                }
                None => println!("{}", geojson::write(&list)),
            }
        }
        AreasAction::List => {
            let list = AreaStore::open_to_read_in(data_dir)?.list()?;
            if json {
                println!("{}", serde_json::to_string_pretty(&list)?);
            } else {
                println!(
                    "{:<24} {:<14} {:>3} {:>9} {:>6} {:>10}",
                    "NAME", "CATEGORY", "PRI", "EVERY_MIN", "ALT_M", "AREA_HA"
                );
                for k in &list {
                    println!(
                        "{:<24} {:<14} {:>3} {:>9} {:>6} {:>10}",
                        k.name,
                        k.category.as_str(),
                        k.priority,
                        k.revisit_min
                            .map(|v| format!("{v:.0}"))
                            .unwrap_or_else(|| "-".into()),
                        k.alt_m
                            .map(|v| format!("{v:.0}"))
                            .unwrap_or_else(|| "-".into()),
                        if k.category.is_point() {
                            "-".to_string()
                        } else {
                            format!("{:.1}", k.area_m2() / 10_000.0)
                        }
                    );
                }
            }
        }
        AreasAction::Remove { name } => {
            AreaStore::open_in(data_dir)?.remove(&name)?;
            if !json {
                println!("removed '{name}'");
            }
        }
    }
    Ok(())
}
