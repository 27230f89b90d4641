//! Saving what the crew marks: a sighting at an aircraft, at a map point or at a pixel of the
//! video (projected to the ground with the gimbal's attitude), with its snapshot, sortie and
//! crew, durably before answering; edits and corrections; the audit trail and CoT for each.

use std::time::Duration;

use uuid::Uuid;

use super::{MarkRequest, SightingEvent, SightingPlace, SightingsService, VideoSnapshot};
use crate::dispatch::cot;
use crate::sightings::audited::ROOM_PER_CHANGE;
use crate::sightings::from_video::{sighting_from_video, VideoCamera};
use crate::sightings::{
    keep_with_audit, LocatedBy, NewSighting, Position, Sighting, SightingEdit, SnapshotData,
    Timestamp,
};
use crate::video::exif::GeoTag;
use crate::video::frame::VideoFrame;
use crate::video::snapshot::{self as video_snapshot, SnapshotMeta};

/// A gimbal attitude older than this is not trusted for a video pick (the fixed pitch is used).
const GIMBAL_FRESH: Duration = Duration::from_secs(5);

/// The line written to the audit trail for a sighting (the same as `kestrel sighting` writes).
pub fn audit_detail(s: &Sighting) -> String {
    format!(
        "{} {} ({}) at {:.6}, {:.6}: {}",
        s.id, s.category, s.priority, s.position.lat, s.position.lon, s.note
    )
}

impl SightingsService {
    /// The sighting a request describes, from the latest fleet snapshot, and the video frame to
    /// encode with its metadata.
    fn resolve(
        &self,
        mut request: MarkRequest,
    ) -> Result<(NewSighting, Option<(VideoSnapshot, SnapshotMeta)>), String> {
        let frame = request.video_frame.take();
        let snap = self.station.snapshot();
        let aircraft = |sysid: u8| {
            snap.get(sysid)
                .ok_or_else(|| format!("aircraft {sysid} is not heard on any link"))
        };
        let mut new = match request.place {
            SightingPlace::Aircraft(sysid) => {
                let a = aircraft(sysid)?;
                NewSighting::at_aircraft(a, request.category).ok_or_else(|| {
                    format!("aircraft {sysid} has no position yet; mark the sighting on the map")
                })?
            }
            SightingPlace::Map {
                lat,
                lon,
                accuracy_m,
                sysid,
            } => {
                let mut s = NewSighting::new(
                    request.category,
                    Position {
                        accuracy_m,
                        ..Position::new(lat, lon)
                    },
                );
                s.located_by = LocatedBy::Map;
                s.aircraft.sysid = sysid;
                s
            }
            SightingPlace::Video { sysid, x, y } => {
                let a = aircraft(sysid)?;
                let gimbal = a.gimbal_within(snap.taken_at, GIMBAL_FRESH);
                let c = self.settings.camera;
                // The live field of view follows the zoom; the configured one is for cameras
                // that do not report it.
                let hfov = a
                    .camera_fov_within(snap.taken_at, GIMBAL_FRESH)
                    .map_or(c.hfov_deg, |(h, _)| h);
                let camera = VideoCamera {
                    hfov_deg: hfov,
                    aspect: c.aspect,
                    fixed_pitch_deg: c.fixed_pitch_deg,
                };
                sighting_from_video(a, gimbal, &camera, x, y, request.category)
                    .map_err(|e| e.to_string())?
            }
        };
        new.priority = request.priority;
        new.note = request.note;
        if let Some(sysid) = new.aircraft.sysid {
            new.aircraft.callsign = self.callsigns.get(sysid);
        }
        if let Some(jpeg) = request.snapshot_jpeg {
            let name = format!("video-{}.jpg", Timestamp::now().millis());
            new.snapshot = Some(SnapshotData::from_jpeg(name, jpeg).map_err(|e| e.to_string())?);
            return Ok((new, None));
        }
        let video = frame.map(|f| {
            let a = new.aircraft.sysid.and_then(|id| snap.get(id));
            let meta = SnapshotMeta {
                aircraft: new
                    .aircraft
                    .callsign
                    .clone()
                    .or_else(|| new.aircraft.sysid.map(|id| format!("aircraft {id}")))
                    .unwrap_or_default(),
                time: None,
                position: a.and_then(|a| {
                    a.position.map(|p| GeoTag {
                        lat: p.lat,
                        lon: p.lon,
                        alt_m: Some(f64::from(a.alt_amsl_m)),
                        heading_deg: Some(f64::from(a.heading_deg)),
                    })
                }),
                source: String::new(),
            };
            (f, meta)
        });
        Ok((new, video))
    }

    pub(super) fn mark(&self, request_id: u64, request: MarkRequest) {
        let events = self.events.clone();
        let answer = move |result: Result<Sighting, String>| {
            events.emit(SightingEvent::Saved {
                request: request_id,
                result,
            });
        };
        let Some(store) = self.store.clone() else {
            answer(Err(self
                .queue_error
                .clone()
                .unwrap_or_else(|| "the sightings queue is not open".into())));
            return;
        };
        let (mut new, video) = match self.resolve(request) {
            Ok(n) => n,
            Err(e) => {
                answer(Err(e));
                return;
            }
        };
        let station = self.station.clone();
        let crew_db = self
            .data_dir
            .as_ref()
            .map(|d| d.join(crate::crew::store::FILE_NAME));
        let cot = self.cot.as_ref().map(|(c, _)| c.clone());
        let console = self.console_id();
        let data_dir = self.data_dir.clone();
        tokio::spawn(async move {
            let sortie = match (new.aircraft.sysid, crew_db) {
                (Some(sysid), Some(db)) => {
                    tokio::task::spawn_blocking(move || active_sortie(&db, sysid))
                        .await
                        .ok()
                        .flatten()
                }
                _ => None,
            };
            if let Some((id, team)) = &sortie {
                new.sortie = Some(id.to_string());
                new.crew = Some(team.clone());
            }
            if let Some((frame, meta)) = video {
                new.snapshot = tokio::task::spawn_blocking(move || encode_frame(&frame.0, &meta))
                    .await
                    .ok()
                    .flatten();
            }
            let need = ROOM_PER_CHANGE + new.snapshot.as_ref().map_or(0, |s| s.jpeg.len() as u64);
            if let Some(dir) = &data_dir {
                if let Err(e) = crate::storage::ensure_room(dir, need) {
                    answer(Err(e.to_string()));
                    return;
                }
            }
            let result = match store.add(new).await {
                Ok(s) => {
                    let write = station.audit_now(
                        s.aircraft.sysid,
                        "sighting",
                        audit_detail(&s),
                        "saved".into(),
                    );
                    keep_with_audit(&store, s, None, write)
                        .await
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            if let Ok(s) = &result {
                if let Some(c) = &cot {
                    c.send(cot::sighting_event(s, &console));
                }
            }
            answer(result);
        });
    }

    pub(super) fn edit(&self, id: Uuid, edit: SightingEdit, correction: bool) {
        let events = self.events.clone();
        let answer = move |result: Result<Sighting, String>| {
            events.emit(SightingEvent::Edited { id, result });
        };
        let Some(store) = self.store.clone() else {
            answer(Err("the sightings queue is not open".into()));
            return;
        };
        let station = self.station.clone();
        let cot = self.cot.as_ref().map(|(c, _)| c.clone());
        let console = self.console_id();
        let data_dir = self.data_dir.clone();
        tokio::spawn(async move {
            let reader = store.clone();
            let current = tokio::task::spawn_blocking(move || reader.get(id))
                .await
                .ok()
                .and_then(Result::ok)
                .flatten()
                .map(|r| r.sighting);
            if let Some(dir) = &data_dir {
                // A correction copies the picture.
                let picture = current.as_ref().and_then(|s| s.snapshot.as_ref());
                let need = ROOM_PER_CHANGE + picture.filter(|_| correction).map_or(0, |p| p.bytes);
                if let Err(e) = crate::storage::ensure_room(dir, need) {
                    answer(Err(e.to_string()));
                    return;
                }
            }
            let previous = current.filter(|_| !correction);
            let saved = if correction {
                store.correct(id, edit).await
            } else {
                store.edit(id, edit).await
            };
            let action = if correction {
                "sighting_correction"
            } else {
                "sighting_edit"
            };
            let result = match saved {
                Ok(s) => {
                    let write = station.audit_now(
                        s.aircraft.sysid,
                        action,
                        audit_detail(&s),
                        "saved".into(),
                    );
                    keep_with_audit(&store, s, previous, write)
                        .await
                        .map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            if let Ok(s) = &result {
                if let Some(c) = &cot {
                    c.send(cot::sighting_event(s, &console));
                }
            }
            answer(result);
        });
    }
}

/// The frame as a geotagged JPEG; `None` (and a warning: the sighting is saved without it) if it
/// cannot be encoded.
pub(super) fn encode_frame(frame: &VideoFrame, meta: &SnapshotMeta) -> Option<SnapshotData> {
    let time = meta.time.unwrap_or(frame.received_wall);
    let encoded = video_snapshot::encode(frame, meta)
        .map_err(|e| e.to_string())
        .and_then(|(jpeg, _)| {
            SnapshotData::from_jpeg(video_snapshot::file_name(&meta.aircraft, time), jpeg)
                .map_err(|e| e.to_string())
        });
    match encoded {
        Ok(s) => Some(s),
        Err(e) => {
            log::warn!("sighting saved without its video snapshot: {e}");
            None
        }
    }
}

/// The sortie (id, team name) `sysid` is flying, from the crew database if there is one.
fn active_sortie(db: &std::path::Path, sysid: u8) -> Option<(i64, String)> {
    if !db.exists() {
        return None;
    }
    let mut store = crate::crew::CrewStore::open(db).ok()?;
    let sortie = store.active_sortie_for(sysid).ok()??;
    if let Err(e) = store.add_sightings(sortie.id, 1) {
        log::warn!("sortie {}: sighting not counted: {e}", sortie.id);
    }
    Some((sortie.id, sortie.team.name))
}
