//! The crew database: one SQLite file in the data directory (`crew.sqlite`) with the roster,
//! the aircraft registry, teams and sorties. Every change goes through the rules in this
//! module's siblings, inside a transaction, so two planners never slip an overlap past each
//! other.

use std::path::Path;
use std::time::Duration;

use rusqlite::{params, Connection, OptionalExtension};

use crate::db::{Db, FileSpec};

use super::sortie::{advance, find_overlap};
use super::{
    AircraftRecord, CrewError, FlightObservation, Person, Role, Sortie, SortieDraft,
    SortieProgress, SortieState, Team,
};

/// File name of the crew database inside the data directory.
pub const FILE_NAME: &str = "crew.sqlite";

const SCHEMA: &str = "
CREATE TABLE IF NOT EXISTS people (
    name  TEXT PRIMARY KEY,
    role  TEXT NOT NULL,
    badge TEXT
);
CREATE TABLE IF NOT EXISTS aircraft (
    callsign      TEXT PRIMARY KEY,
    model         TEXT NOT NULL,
    serial        TEXT NOT NULL,
    endurance_min REAL NOT NULL,
    cruise_ms     REAL NOT NULL,
    hfov_deg      REAL NOT NULL,
    sysid         INTEGER,
    maintenance   TEXT
);
CREATE TABLE IF NOT EXISTS teams (
    name     TEXT PRIMARY KEY,
    officer  TEXT NOT NULL,
    aux1     TEXT NOT NULL,
    aux2     TEXT NOT NULL,
    aircraft TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS sorties (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    team       TEXT NOT NULL,
    officer    TEXT NOT NULL,
    aux1       TEXT NOT NULL,
    aux2       TEXT NOT NULL,
    aircraft   TEXT NOT NULL,
    route_name TEXT NOT NULL,
    plan       TEXT,
    start      INTEGER NOT NULL,
    end        INTEGER NOT NULL,
    state      TEXT NOT NULL,
    progress   TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS sorties_time ON sorties (start, end);
PRAGMA user_version = 1;
";

/// The file: SQLite's rollback journal, waiting up to 5 s for another process holding the lock.
const SPEC: FileSpec = FileSpec {
    what: "crew database",
    schema: SCHEMA,
    wal: false,
    foreign_keys: false,
    busy_timeout: Duration::from_secs(5),
    create_folder: false,
};

/// A record that cannot be written as JSON (it cannot happen for these types; kept as a
/// refusal rather than a panic).
fn unwritable(e: serde_json::Error) -> CrewError {
    CrewError::Damaged(format!("cannot write a record: {e}"))
}

/// The crew database.
#[derive(Debug)]
pub struct CrewStore {
    db: Db,
}

const SORTIE_COLS: &str =
    "id, team, officer, aux1, aux2, aircraft, route_name, plan, start, end, progress";

fn sortie_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<Result<Sortie, CrewError>> {
    let id: i64 = r.get(0)?;
    let plan: Option<String> = r.get(7)?;
    let progress: String = r.get(10)?;
    let team = Team {
        name: r.get(1)?,
        officer: r.get(2)?,
        auxiliaries: [r.get(3)?, r.get(4)?],
        aircraft: r.get(5)?,
    };
    let route_name: String = r.get(6)?;
    let (start, end): (i64, i64) = (r.get(8)?, r.get(9)?);
    let damaged = |what: &str, e: serde_json::Error| {
        CrewError::Damaged(format!("sortie {id} has a damaged {what}: {e}"))
    };
    Ok((|| {
        Ok(Sortie {
            id,
            team,
            route_name,
            plan: plan
                .map(|p| serde_json::from_str(&p))
                .transpose()
                .map_err(|e| damaged("mission", e))?,
            start,
            end,
            progress: serde_json::from_str(&progress).map_err(|e| damaged("progress record", e))?,
        })
    })())
}

fn aircraft_row(r: &rusqlite::Row<'_>) -> rusqlite::Result<AircraftRecord> {
    Ok(AircraftRecord {
        callsign: r.get(0)?,
        model: r.get(1)?,
        serial: r.get(2)?,
        endurance_min: r.get(3)?,
        cruise_ms: r.get(4)?,
        hfov_deg: r.get(5)?,
        sysid: r.get(6)?,
        maintenance: r.get(7)?,
    })
}

impl CrewStore {
    /// Opens (creating if needed) the crew database in `data_dir`, creating the folder if
    /// needed.
    pub fn open_in(data_dir: &Path) -> Result<Self, CrewError> {
        let spec = FileSpec {
            create_folder: true,
            ..SPEC
        };
        Ok(Self {
            db: Db::open(&data_dir.join(FILE_NAME), &spec)?,
        })
    }

    /// Opens (creating if needed) a crew database file.
    pub fn open(path: &Path) -> Result<Self, CrewError> {
        Ok(Self {
            db: Db::open(path, &SPEC)?,
        })
    }

    /// Opens the crew database in `data_dir` to read it, also on a full disk (see
    /// [`Db::open_to_read`]): a one-shot command lists what is stored even when the disk has no
    /// room left; changes through it are refused as the disk refuses them.
    pub fn open_to_read_in(data_dir: &Path) -> Result<Self, CrewError> {
        let spec = FileSpec {
            create_folder: true,
            ..SPEC
        };
        Ok(Self {
            db: Db::open_to_read(&data_dir.join(FILE_NAME), &spec)?,
        })
    }

    /// Where the database lives.
    pub fn path(&self) -> &Path {
        self.db.path()
    }

    /// Adds a person to the roster.
    pub fn add_person(&mut self, p: &Person) -> Result<(), CrewError> {
        p.validate()?;
        let n = self.db.sql(|c| {
            c.execute(
                "INSERT OR IGNORE INTO people (name, role, badge) VALUES (?1, ?2, ?3)",
                params![p.name, p.role.as_str(), p.badge],
            )
        })?;
        if n == 0 {
            return Err(CrewError::Exists {
                kind: "person",
                name: p.name.clone(),
            });
        }
        Ok(())
    }

    /// The roster, by name.
    pub fn people(&self) -> Result<Vec<Person>, CrewError> {
        let rows: Vec<(String, String, Option<String>)> = self.db.sql(|c| {
            let mut st = c.prepare("SELECT name, role, badge FROM people ORDER BY name")?;
            let rows = st.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
            rows.collect()
        })?;
        rows.into_iter()
            .map(|(name, role, badge)| {
                let role: Role = role.parse().map_err(CrewError::Damaged)?;
                Ok(Person { name, role, badge })
            })
            .collect()
    }

    /// Sorties not finished yet (planned, uploaded or flying): people, aircraft and teams on one
    /// cannot be removed, or the sortie would lose its crew.
    fn open_sorties(&self) -> Result<Vec<Sortie>, CrewError> {
        self.db
            .with(|c| sorties_where(c, "WHERE state IN ('planned', 'uploaded', 'flying')", &[]))
    }

    /// Removes a person who is on no team and on no sortie not finished yet.
    pub fn remove_person(&mut self, name: &str) -> Result<(), CrewError> {
        if let Some(t) = self
            .teams()?
            .into_iter()
            .find(|t| t.members().contains(&name))
        {
            return Err(CrewError::Invalid(format!(
                "{name} is on team {}; remove the team or form it without {name} first",
                t.name
            )));
        }
        self.refuse_if_on_open_sortie(name, |s| s.team.members().contains(&name))?;
        self.delete_one("DELETE FROM people WHERE name = ?1", name, "person")
    }

    /// Refuses with the sortie's id, team and state when `who` is on a sortie not finished yet.
    fn refuse_if_on_open_sortie(
        &self,
        who: &str,
        on: impl Fn(&Sortie) -> bool,
    ) -> Result<(), CrewError> {
        match self.open_sorties()?.into_iter().find(|s| on(s)) {
            Some(s) => Err(CrewError::Invalid(format!(
                "{who} is on sortie {} ({}, {}); abort it or let it finish first",
                s.id,
                s.team.name,
                s.state()
            ))),
            None => Ok(()),
        }
    }

    /// Runs a one-row DELETE; `NotFound` (of `kind`) when there was no such row.
    fn delete_one(&self, sql: &str, key: &str, kind: &'static str) -> Result<(), CrewError> {
        let n = self.db.sql(|c| c.execute(sql, [key]))?;
        if n == 0 {
            return Err(CrewError::NotFound {
                kind,
                name: key.into(),
            });
        }
        Ok(())
    }

    /// Registers an aircraft.
    pub fn add_aircraft(&mut self, a: &AircraftRecord) -> Result<(), CrewError> {
        a.validate()?;
        let n = self.db.sql(|c| {
            c.execute(
                "INSERT OR IGNORE INTO aircraft (callsign, model, serial, endurance_min, cruise_ms, hfov_deg, sysid, maintenance)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                params![a.callsign, a.model, a.serial, a.endurance_min, a.cruise_ms, a.hfov_deg, a.sysid, a.maintenance],
            )
        })?;
        if n == 0 {
            return Err(CrewError::Exists {
                kind: "aircraft",
                name: a.callsign.clone(),
            });
        }
        Ok(())
    }

    /// The registry, by callsign.
    pub fn aircraft(&self) -> Result<Vec<AircraftRecord>, CrewError> {
        Ok(self.db.sql(|c| {
            let mut st = c.prepare("SELECT callsign, model, serial, endurance_min, cruise_ms, hfov_deg, sysid, maintenance FROM aircraft ORDER BY callsign")?;
            let rows = st.query_map([], aircraft_row)?;
            rows.collect()
        })?)
    }

    /// One aircraft by callsign.
    pub fn aircraft_by_callsign(&self, callsign: &str) -> Result<AircraftRecord, CrewError> {
        self.db
            .sql(|c| {
                c.query_row(
                    "SELECT callsign, model, serial, endurance_min, cruise_ms, hfov_deg, sysid, maintenance FROM aircraft WHERE callsign = ?1",
                    [callsign],
                    aircraft_row,
                )
                .optional()
            })?
            .ok_or_else(|| CrewError::NotFound {
                kind: "aircraft",
                name: callsign.into(),
            })
    }

    /// Puts an aircraft under maintenance (`Some(note)`) or back in service (`None`).
    pub fn set_maintenance(&mut self, callsign: &str, note: Option<&str>) -> Result<(), CrewError> {
        let n = self.db.sql(|c| {
            c.execute(
                "UPDATE aircraft SET maintenance = ?2 WHERE callsign = ?1",
                params![callsign, note],
            )
        })?;
        if n == 0 {
            return Err(CrewError::NotFound {
                kind: "aircraft",
                name: callsign.into(),
            });
        }
        Ok(())
    }

    /// Changes an aircraft's model, serial, performance and system id (the callsign is its key;
    /// the maintenance state changes only through [`CrewStore::set_maintenance`]).
    pub fn update_aircraft(&mut self, a: &AircraftRecord) -> Result<(), CrewError> {
        a.validate()?;
        let n = self.db.sql(|c| {
            c.execute(
                "UPDATE aircraft SET model = ?2, serial = ?3, endurance_min = ?4, cruise_ms = ?5, hfov_deg = ?6, sysid = ?7
                 WHERE callsign = ?1",
                params![a.callsign, a.model, a.serial, a.endurance_min, a.cruise_ms, a.hfov_deg, a.sysid],
            )
        })?;
        if n == 0 {
            return Err(CrewError::NotFound {
                kind: "aircraft",
                name: a.callsign.clone(),
            });
        }
        Ok(())
    }

    /// Removes an aircraft that no team flies and no sortie not finished yet uses.
    pub fn remove_aircraft(&mut self, callsign: &str) -> Result<(), CrewError> {
        if let Some(t) = self.teams()?.into_iter().find(|t| t.aircraft == callsign) {
            return Err(CrewError::Invalid(format!(
                "aircraft {callsign} is flown by team {}; disband the team first",
                t.name
            )));
        }
        self.refuse_if_on_open_sortie(&format!("aircraft {callsign}"), |s| {
            s.team.aircraft == callsign
        })?;
        self.delete_one(
            "DELETE FROM aircraft WHERE callsign = ?1",
            callsign,
            "aircraft",
        )
    }

    /// Forms and stores a team (see [`Team::form`] for the rules).
    pub fn add_team(
        &mut self,
        name: &str,
        members: &[String],
        aircraft: &[String],
    ) -> Result<Team, CrewError> {
        let team = Team::form(name, members, aircraft, &self.people()?, &self.aircraft()?)?;
        let n = self.db.sql(|c| {
            c.execute(
                "INSERT OR IGNORE INTO teams (name, officer, aux1, aux2, aircraft) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![team.name, team.officer, team.auxiliaries[0], team.auxiliaries[1], team.aircraft],
            )
        })?;
        if n == 0 {
            return Err(CrewError::Exists {
                kind: "team",
                name: name.into(),
            });
        }
        Ok(team)
    }

    /// Every team, by name.
    pub fn teams(&self) -> Result<Vec<Team>, CrewError> {
        Ok(self.db.sql(|c| {
            let mut st =
                c.prepare("SELECT name, officer, aux1, aux2, aircraft FROM teams ORDER BY name")?;
            let rows = st.query_map([], |r| {
                Ok(Team {
                    name: r.get(0)?,
                    officer: r.get(1)?,
                    auxiliaries: [r.get(2)?, r.get(3)?],
                    aircraft: r.get(4)?,
                })
            })?;
            rows.collect()
        })?)
    }

    /// One team by name.
    pub fn team(&self, name: &str) -> Result<Team, CrewError> {
        self.teams()?
            .into_iter()
            .find(|t| t.name == name)
            .ok_or_else(|| CrewError::NotFound {
                kind: "team",
                name: name.into(),
            })
    }

    /// Dissolves a team (its finished sorties keep their crew); refused while it has a sortie
    /// planned, uploaded or flying.
    pub fn remove_team(&mut self, name: &str) -> Result<(), CrewError> {
        if let Some(s) = self
            .open_sorties()?
            .into_iter()
            .find(|s| s.team.name == name)
        {
            return Err(CrewError::Invalid(format!(
                "team {name} has sortie {} {}; abort it or let it finish before disbanding the team",
                s.id,
                s.state()
            )));
        }
        self.delete_one("DELETE FROM teams WHERE name = ?1", name, "team")
    }

    /// Plans a sortie for a team, refusing an aircraft under maintenance and any person or
    /// aircraft already on an overlapping sortie.
    pub fn create_sortie(&mut self, draft: &SortieDraft) -> Result<Sortie, CrewError> {
        if draft.end <= draft.start {
            return Err(CrewError::Invalid(
                "a sortie must end after it starts".into(),
            ));
        }
        let team = self.team(&draft.team)?;
        let aircraft = self.aircraft_by_callsign(&team.aircraft)?;
        if let Some(note) = aircraft.maintenance {
            return Err(CrewError::InMaintenance {
                callsign: aircraft.callsign,
                note,
            });
        }
        let progress = SortieProgress {
            state: Some(SortieState::Planned),
            ..Default::default()
        };
        let plan = draft
            .plan
            .as_ref()
            .map(serde_json::to_string)
            .transpose()
            .map_err(unwritable)?;
        let progress = serde_json::to_string(&progress).map_err(unwritable)?;
        let id = self.db.transaction(|tx| {
            let existing = sorties_where(
                tx,
                "WHERE end > ?1 AND start < ?2",
                &[&draft.start, &draft.end],
            )?;
            if let Some(e) = find_overlap(&team, draft.start, draft.end, &existing) {
                return Err(e);
            }
            tx.execute(
                "INSERT INTO sorties (team, officer, aux1, aux2, aircraft, route_name, plan, start, end, state, progress)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
                params![
                    team.name,
                    team.officer,
                    team.auxiliaries[0],
                    team.auxiliaries[1],
                    team.aircraft,
                    draft.route_name,
                    plan,
                    draft.start,
                    draft.end,
                    SortieState::Planned.as_str(),
                    progress
                ],
            )?;
            Ok(tx.last_insert_rowid())
        })?;
        self.sortie(id)
    }

    /// Every sortie, by planned start.
    pub fn sorties(&self) -> Result<Vec<Sortie>, CrewError> {
        self.db.with(|c| sorties_where(c, "", &[]))
    }

    /// Sorties overlapping a time window (Unix seconds).
    pub fn sorties_between(&self, from: i64, until: i64) -> Result<Vec<Sortie>, CrewError> {
        self.db
            .with(|c| sorties_where(c, "WHERE end > ?1 AND start < ?2", &[&from, &until]))
    }

    /// One sortie by id.
    pub fn sortie(&self, id: i64) -> Result<Sortie, CrewError> {
        self.db
            .with(|c| sorties_where(c, "WHERE id = ?1", &[&id]))?
            .pop()
            .ok_or_else(|| CrewError::NotFound {
                kind: "sortie",
                name: id.to_string(),
            })
    }

    fn change(
        &mut self,
        id: i64,
        f: impl FnOnce(&Sortie) -> Result<SortieProgress, CrewError>,
    ) -> Result<Sortie, CrewError> {
        self.db.transaction(|tx| {
            let s = sorties_where(tx, "WHERE id = ?1", &[&id])?
                .pop()
                .ok_or_else(|| CrewError::NotFound {
                    kind: "sortie",
                    name: id.to_string(),
                })?;
            let p = f(&s)?;
            if p != s.progress {
                tx.execute(
                    "UPDATE sorties SET state = ?2, progress = ?3 WHERE id = ?1",
                    params![
                        id,
                        p.state().as_str(),
                        serde_json::to_string(&p).map_err(unwritable)?
                    ],
                )?;
            }
            Ok(Sortie { progress: p, ..s })
        })
    }

    /// Records that the sortie's mission is on the aircraft.
    pub fn mark_uploaded(&mut self, id: i64) -> Result<Sortie, CrewError> {
        self.change(id, |s| match s.state() {
            SortieState::Planned | SortieState::Uploaded => Ok(SortieProgress {
                state: Some(SortieState::Uploaded),
                ..s.progress.clone()
            }),
            other => Err(CrewError::BadState {
                id,
                state: other.to_string(),
                action: "uploaded again",
            }),
        })
    }

    /// Cancels a sortie (or records that it was broken off), with the reason.
    pub fn abort(&mut self, id: i64, reason: &str) -> Result<Sortie, CrewError> {
        self.change(id, |s| {
            if s.state().is_final() {
                return Err(CrewError::BadState {
                    id,
                    state: s.state().to_string(),
                    action: "aborted",
                });
            }
            Ok(SortieProgress {
                state: Some(SortieState::Aborted),
                note: Some(reason.to_string()),
                ..s.progress.clone()
            })
        })
    }

    /// Applies one telemetry observation of the sortie's aircraft (see [`advance`]).
    pub fn observe(&mut self, id: i64, obs: &FlightObservation) -> Result<Sortie, CrewError> {
        self.change(id, |s| Ok(advance(&s.progress, obs, s.last_item())))
    }

    /// Writes something down on the sortie aircraft `sysid` is flying or about to fly, in the
    /// crew database of `data_dir` if there is one (none is created); returns that sortie's
    /// number, or `None` when there is no database or no such sortie.
    pub fn record_on_active_sortie(
        data_dir: &Path,
        sysid: u8,
        record: impl FnOnce(&mut CrewStore, i64) -> Result<Sortie, CrewError>,
    ) -> Result<Option<i64>, CrewError> {
        if !data_dir.join(FILE_NAME).exists() {
            return Ok(None);
        }
        let mut store = CrewStore::open_in(data_dir)?;
        let Some(sortie) = store.active_sortie_for(sysid)? else {
            return Ok(None);
        };
        record(&mut store, sortie.id)?;
        Ok(Some(sortie.id))
    }

    /// Records the pre-flight checklist as it stood when the sortie's aircraft armed.
    pub fn record_checklist(&mut self, id: i64, summary: &str) -> Result<Sortie, CrewError> {
        self.change(id, |s| {
            Ok(SortieProgress {
                checklist: Some(summary.to_string()),
                ..s.progress.clone()
            })
        })
    }

    /// Records who sat in which crew seat when the sortie's aircraft armed.
    pub fn record_seats(&mut self, id: i64, seats: &str) -> Result<Sortie, CrewError> {
        self.change(id, |s| {
            Ok(SortieProgress {
                seats: Some(seats.to_string()),
                ..s.progress.clone()
            })
        })
    }

    /// Counts sightings reported during a sortie.
    pub fn add_sightings(&mut self, id: i64, n: u32) -> Result<Sortie, CrewError> {
        self.change(id, |s| {
            Ok(SortieProgress {
                sightings: s.progress.sightings + n,
                ..s.progress.clone()
            })
        })
    }

    /// The sortie an aircraft (by MAVLink system id) is flying or about to fly: flying first,
    /// then the uploaded one planned earliest.
    pub fn active_sortie_for(&self, sysid: u8) -> Result<Option<Sortie>, CrewError> {
        let callsigns: Vec<String> = self
            .aircraft()?
            .into_iter()
            .filter(|a| a.sysid == Some(sysid))
            .map(|a| a.callsign)
            .collect();
        let mut active: Vec<Sortie> = self
            .db
            .with(|c| sorties_where(c, "WHERE state IN ('uploaded', 'flying')", &[]))?
            .into_iter()
            .filter(|s| callsigns.contains(&s.team.aircraft))
            .collect();
        active.sort_by_key(|s| (s.state() != SortieState::Flying, s.start));
        Ok(active.into_iter().next())
    }
}

/// The sorties `filter` selects (a `WHERE` clause over `args`), by planned start.
fn sorties_where(
    conn: &Connection,
    filter: &str,
    args: &[&dyn rusqlite::ToSql],
) -> Result<Vec<Sortie>, CrewError> {
    let sql = format!("SELECT {SORTIE_COLS} FROM sorties {filter} ORDER BY start, id");
    let mut st = conn.prepare(&sql)?;
    let rows = st.query_map(args, sortie_row)?;
    rows.map(|r| r?).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn person(n: &str, role: Role) -> Person {
        Person {
            name: n.into(),
            role,
            badge: None,
        }
    }

    fn craft(c: &str, sysid: u8) -> AircraftRecord {
        AircraftRecord {
            callsign: c.into(),
            model: "Quad X".into(),
            serial: format!("SN-{c}"),
            endurance_min: 30.0,
            cruise_ms: 10.0,
            hfov_deg: 70.0,
            sysid: Some(sysid),
            maintenance: None,
        }
    }

    fn names(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| s.to_string()).collect()
    }

    fn draft(team: &str, start: i64, end: i64) -> SortieDraft {
        SortieDraft {
            team: team.into(),
            route_name: "square perimeter".into(),
            plan: None,
            start,
            end,
        }
    }

    fn seeded(dir: &Path) -> CrewStore {
        let mut s = CrewStore::open_in(dir).unwrap();
        for (n, r) in [
            ("Li", Role::Officer),
            ("Wang", Role::Officer),
            ("Zhao", Role::Auxiliary),
            ("Chen", Role::Auxiliary),
            ("Sun", Role::Auxiliary),
            ("Zhou", Role::Auxiliary),
        ] {
            s.add_person(&person(n, r)).unwrap();
        }
        s.add_aircraft(&craft("K1", 1)).unwrap();
        s.add_aircraft(&craft("K2", 2)).unwrap();
        s.add_team("Alpha", &names(&["Li", "Zhao", "Chen"]), &names(&["K1"]))
            .unwrap();
        s
    }

    #[test]
    fn overlap_and_maintenance_are_refused_and_nothing_is_stored() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = seeded(dir.path());
        // Bravo shares Zhao with Alpha.
        s.add_team("Bravo", &names(&["Wang", "Zhao", "Sun"]), &names(&["K2"]))
            .unwrap();
        let first = s.create_sortie(&draft("Alpha", 1000, 2000)).unwrap();
        assert_eq!(first.state(), SortieState::Planned);
        let e = s.create_sortie(&draft("Bravo", 1500, 2500)).unwrap_err();
        assert!(e.to_string().contains("Zhao is already on sortie"), "{e}");
        s.create_sortie(&draft("Bravo", 2000, 2500)).unwrap();
        s.set_maintenance("K1", Some("motor 3 replaced, needs test flight"))
            .unwrap();
        let e = s.create_sortie(&draft("Alpha", 5000, 6000)).unwrap_err();
        assert!(matches!(e, CrewError::InMaintenance { .. }), "{e}");
        assert_eq!(s.sorties().unwrap().len(), 2);
        // An aborted sortie frees its crew.
        s.abort(first.id, "weather").unwrap();
        s.set_maintenance("K1", None).unwrap();
        s.create_sortie(&draft("Alpha", 1200, 1900)).unwrap();
    }

    #[test]
    fn sortie_follows_the_aircraft_and_survives_reopening() {
        let dir = tempfile::tempdir().unwrap();
        let id = {
            let mut s = seeded(dir.path());
            let mut d = draft("Alpha", 0, 1800);
            d.plan = Some(crate::plan::mission::MissionPlan {
                mission: vec![crate::plan::mission::MissionItem::waypoint(36.0, 116.0, 50.0); 3],
                ..Default::default()
            });
            let id = s.create_sortie(&d).unwrap().id;
            assert!(
                s.active_sortie_for(1).unwrap().is_none(),
                "planned is not active yet"
            );
            s.mark_uploaded(id).unwrap();
            assert_eq!(s.active_sortie_for(1).unwrap().unwrap().id, id);
            let o = |at: f64, armed: bool, alt: f64, item: u16| FlightObservation {
                at,
                armed,
                mode: "AUTO".into(),
                rel_alt_m: alt,
                position: Some(crate::geo::GeoPoint {
                    lat: 36.0,
                    lon: 116.0,
                }),
                mission_current: Some(item),
                alert_times: vec![],
            };
            assert_eq!(
                s.observe(id, &o(10.0, true, 20.0, 1)).unwrap().state(),
                SortieState::Flying
            );
            s.observe(id, &o(100.0, true, 50.0, 3)).unwrap();
            s.add_sightings(id, 2).unwrap();
            id
        };
        let mut s = CrewStore::open_in(dir.path()).unwrap();
        let done = s
            .observe(
                id,
                &FlightObservation {
                    at: 200.0,
                    armed: false,
                    mode: "LAND".into(),
                    rel_alt_m: 0.0,
                    position: None,
                    mission_current: Some(3),
                    alert_times: vec![],
                },
            )
            .unwrap();
        assert_eq!(done.state(), SortieState::Completed);
        let rows = super::super::log::rows(&s.sorties().unwrap(), &s.aircraft().unwrap());
        assert_eq!(rows[0].serial, "SN-K1");
        assert_eq!(rows[0].sightings, 2);
        assert_eq!(rows[0].flight_min, Some(3.2));
        let csv = super::super::log::to_csv(&rows);
        assert!(csv.starts_with("sortie,team,officer"));
        assert!(csv.contains(
            ",Alpha,Li,Zhao,Chen,K1,SN-K1,square perimeter,1970-01-01T00:00:00Z,completed,"
        ));
        assert!(s.mark_uploaded(id).is_err());
    }

    #[test]
    fn nothing_on_an_open_sortie_can_be_removed_and_finished_ones_free_it() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = seeded(dir.path());
        let id = s.create_sortie(&draft("Alpha", 1000, 2000)).unwrap().id;
        let e = s.remove_team("Alpha").unwrap_err().to_string();
        assert!(
            e.contains("team Alpha has sortie") && e.contains("planned"),
            "{e}"
        );
        let e = s.remove_aircraft("K1").unwrap_err().to_string();
        assert!(e.contains("flown by team Alpha"), "{e}");
        // A team disbanded before this rule leaves its planned sortie: still protected.
        s.db.sql(|c| c.execute("DELETE FROM teams WHERE name = 'Alpha'", []))
            .unwrap();
        let e = s.remove_person("Zhao").unwrap_err().to_string();
        assert!(e.contains(&format!("Zhao is on sortie {id}")), "{e}");
        let e = s.remove_aircraft("K1").unwrap_err().to_string();
        assert!(e.contains(&format!("K1 is on sortie {id}")), "{e}");
        assert_eq!(s.people().unwrap().len(), 6);
        s.abort(id, "weather").unwrap();
        s.remove_person("Zhao").unwrap();
        s.remove_aircraft("K1").unwrap();
        assert!(matches!(
            s.remove_aircraft("K1"),
            Err(CrewError::NotFound { .. })
        ));
        // The log keeps the crew of the aborted sortie.
        assert_eq!(s.sortie(id).unwrap().team.auxiliaries[0], "Zhao");
    }

    #[test]
    fn a_team_without_open_sorties_is_disbanded_and_an_aircraft_edited() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = seeded(dir.path());
        let mut k2 = craft("K2", 7);
        k2.endurance_min = 42.0;
        k2.maintenance = Some("ignored".into());
        s.update_aircraft(&k2).unwrap();
        let got = s.aircraft_by_callsign("K2").unwrap();
        assert_eq!((got.endurance_min, got.sysid), (42.0, Some(7)));
        assert!(got.in_service(), "editing does not change maintenance");
        k2.cruise_ms = -1.0;
        assert!(s.update_aircraft(&k2).is_err());
        assert!(matches!(
            s.update_aircraft(&craft("K9", 9)),
            Err(CrewError::NotFound { .. })
        ));
        s.remove_team("Alpha").unwrap();
        s.remove_person("Li").unwrap();
        s.remove_aircraft("K1").unwrap();
    }

    #[test]
    fn people_on_a_team_cannot_be_removed() {
        let dir = tempfile::tempdir().unwrap();
        let mut s = seeded(dir.path());
        assert!(s
            .remove_person("Li")
            .unwrap_err()
            .to_string()
            .contains("team Alpha"));
        s.remove_person("Sun").unwrap();
        assert!(matches!(
            s.add_person(&person("Li", Role::Officer)),
            Err(CrewError::Exists { .. })
        ));
    }
}
