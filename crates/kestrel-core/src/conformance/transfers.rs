//! The mission protocol: a mission, a geofence and rally points uploaded and read back, what
//! ArduPilot changes on storing them, and what it refuses and keeps after a refusal.

use super::ardupilot;
use super::probe::{offset, Probe, Stop};
use crate::geo::GeoPoint;
use crate::plan::mission::{cmd, command_label, frame, MissionItem, MissionKind};
use crate::protocol::mission::{TransferError, TransferPolicy};

/// Where the suite's lists lie: the aircraft's home (or where it stands).
fn home_of(p: &Probe<'_>) -> Result<GeoPoint, Stop> {
    let a = p.on_the_ground()?;
    a.home
        .map(|h| h.position)
        .or(a.position)
        .ok_or_else(|| Stop::Skip("the aircraft reports no position yet".into()))
}

/// The home slot (item 0) a mission upload starts with; ArduPilot overwrites it.
fn home_slot(home: GeoPoint) -> MissionItem {
    let mut item = MissionItem::waypoint(home.lat, home.lon, 0.0);
    item.frame = frame::GLOBAL;
    item
}

fn with_params(mut item: MissionItem, params: [f32; 4]) -> MissionItem {
    item.params = params;
    item
}

fn position_less(command: u16, frame: u8, params: [f32; 4]) -> MissionItem {
    let mut item = MissionItem::nav(command, 0.0, 0.0, 0.0);
    item.frame = frame;
    item.params = params;
    item
}

async fn upload(
    p: &mut Probe<'_>,
    kind: MissionKind,
    items: &[MissionItem],
) -> Result<(), TransferError> {
    let result = p
        .station
        .upload_items(p.sysid, kind, items, TransferPolicy::default())
        .await;
    match &result {
        Ok(stats) => p.saw(format!(
            "upload {} of {} items: accepted ({} ms, {} resends)",
            kind.name(),
            items.len(),
            (stats.seconds * 1000.0).round(),
            stats.resends
        )),
        Err(e) => p.saw(format!(
            "upload {} of {} items: {e}",
            kind.name(),
            items.len()
        )),
    }
    result.map(|_| ())
}

async fn download(p: &mut Probe<'_>, kind: MissionKind) -> Result<Vec<MissionItem>, Stop> {
    let (items, _) = p
        .station
        .download_items(p.sysid, kind, TransferPolicy::default())
        .await
        .map_err(|e| Stop::Fail(format!("download {}: {e}", kind.name())))?;
    p.saw(format!("download {}: {} items", kind.name(), items.len()));
    Ok(items)
}

async fn clear(p: &mut Probe<'_>, kind: MissionKind) -> Result<(), Stop> {
    p.station
        .clear_items(p.sysid, kind, TransferPolicy::default())
        .await
        .map_err(|e| Stop::Fail(format!("clear {}: {e}", kind.name())))?;
    p.saw(format!("clear {}: accepted", kind.name()));
    Ok(())
}

/// Compares what the aircraft holds (`held`, from `from` on) with what it should (`expected`).
fn compare(
    kind: MissionKind,
    held: &[MissionItem],
    expected: &[MissionItem],
    from: usize,
) -> Result<(), Stop> {
    if held.len() != expected.len() {
        return Err(Stop::Fail(format!(
            "the {} holds {} items, expected {}",
            kind.name(),
            held.len(),
            expected.len()
        )));
    }
    for (seq, (h, e)) in held.iter().zip(expected).enumerate().skip(from) {
        if !h.same_as(e) {
            return Err(Stop::Fail(format!(
                "{} item {seq} ({}) is stored as {:?}, ArduPilot stores {:?}",
                kind.name(),
                command_label(e.command),
                h,
                e
            )));
        }
    }
    Ok(())
}

/// A mission of take-off, waypoints (one with its yaw unset), a timed loiter, a speed change
/// sent in MAV_FRAME_MISSION and a return-to-launch comes back item for item, positions to the
/// 1e-7 degree, stored as ArduPilot stores them; then it is cleared.
pub async fn mission_round_trip(p: &mut Probe<'_>) -> Result<(), Stop> {
    let home = home_of(p)?;
    let at = |n: f64, e: f64| offset(home, n, e);
    let items = vec![
        home_slot(home),
        MissionItem::nav(cmd::NAV_TAKEOFF, home.lat, home.lon, 15.0),
        with_params(
            MissionItem::waypoint(at(60.0, 0.0).lat, at(60.0, 0.0).lon, 20.0),
            [0.0, 0.0, 0.0, f32::NAN],
        ),
        with_params(
            MissionItem::nav(
                cmd::NAV_LOITER_TIME,
                at(60.0, 60.0).lat,
                at(60.0, 60.0).lon,
                20.0,
            ),
            [10.0, 0.0, 0.0, 0.0],
        ),
        position_less(cmd::DO_CHANGE_SPEED, frame::MISSION, [1.0, 6.0, -1.0, 0.0]),
        MissionItem::waypoint(at(0.0, 60.0).lat, at(0.0, 60.0).lon, 20.0),
        position_less(
            cmd::NAV_RETURN_TO_LAUNCH,
            frame::GLOBAL_RELATIVE_ALT,
            [0.0; 4],
        ),
    ];
    upload(p, MissionKind::Mission, &items)
        .await
        .map_err(|e| Stop::Fail(e.to_string()))?;
    let held = download(p, MissionKind::Mission).await?;
    let expected: Vec<MissionItem> = items.iter().map(ardupilot::as_stored).collect();
    for (seq, (sent, stored)) in items.iter().zip(&held).enumerate().skip(1) {
        let changes = ardupilot::changes(sent, stored);
        if !changes.is_empty() {
            p.saw(format!(
                "item {seq} {} stored with {}",
                command_label(sent.command),
                changes.join(", ")
            ));
        }
    }
    let result = compare(MissionKind::Mission, &held, &expected, 1);
    clear(p, MissionKind::Mission).await?;
    result
}

/// Over a mission of six waypoints, a new one of four items whose third (a timed loiter) has NaN
/// in param 4 is refused at that item with INVALID_PARAM4, and the aircraft holds the two new
/// items before it and the old mission's items 3-4: ArduPilot cuts the old mission to the new
/// count when the upload starts.
pub async fn mission_refusal(p: &mut Probe<'_>) -> Result<(), Stop> {
    let home = home_of(p)?;
    let wp = |n: f64, e: f64| {
        let pt = offset(home, n, e);
        MissionItem::waypoint(pt.lat, pt.lon, 25.0)
    };
    let mut old = vec![home_slot(home)];
    old.extend((1..=6).map(|i| wp(0.0, 40.0 * f64::from(i))));
    upload(p, MissionKind::Mission, &old)
        .await
        .map_err(|e| Stop::Fail(format!("the first mission: {e}")))?;
    let bad = with_params(
        MissionItem::nav(
            cmd::NAV_LOITER_TIME,
            offset(home, 80.0, 80.0).lat,
            offset(home, 80.0, 80.0).lon,
            25.0,
        ),
        [10.0, 0.0, 0.0, f32::NAN],
    );
    let new = vec![
        home_slot(home),
        wp(80.0, 0.0),
        wp(80.0, 40.0),
        bad,
        wp(80.0, 120.0),
    ];
    let refused = upload(p, MissionKind::Mission, &new).await;
    let outcome = match refused {
        Ok(()) => Err(Stop::Fail(
            "a timed loiter with NaN in param 4 was accepted: ArduPilot refuses it \
             (INVALID_PARAM4)"
                .into(),
        )),
        Err(TransferError::Refused { item, result, .. }) => {
            if result != "INVALID_PARAM4" {
                Err(Stop::Fail(format!(
                    "refused with {result}, ArduPilot says INVALID_PARAM4"
                )))
            } else if item.is_some_and(|(seq, _)| seq != 3) {
                Err(Stop::Fail(format!(
                    "refused at item {item:?}, the bad item is 3"
                )))
            } else {
                let held = download(p, MissionKind::Mission).await?;
                let mut expected = vec![home_slot(home), new[1].clone(), new[2].clone()];
                expected.extend(old[3..new.len()].iter().cloned());
                let expected: Vec<MissionItem> =
                    expected.iter().map(ardupilot::as_stored).collect();
                let kept = compare(MissionKind::Mission, &held, &expected, 1);
                if kept.is_ok() {
                    p.saw(format!(
                        "it holds items 1-2 from the refused upload and 3-{} from the mission before",
                        new.len() - 1
                    ));
                }
                kept
            }
        }
        Err(e) => Err(Stop::Fail(e.to_string())),
    };
    clear(p, MissionKind::Mission).await?;
    outcome
}

/// A polygon inclusion fence with a circular exclusion and two rally points come back as sent;
/// a polygon of two vertices is refused; both lists clear to nothing.
pub async fn fence_and_rally(p: &mut Probe<'_>) -> Result<(), Stop> {
    let home = home_of(p)?;
    let vertex = |n: f64, e: f64, count: f32| {
        let pt = offset(home, n, e);
        let mut item = MissionItem::nav(cmd::FENCE_POLYGON_VERTEX_INCLUSION, pt.lat, pt.lon, 0.0);
        item.frame = frame::GLOBAL;
        item.params = [count, 0.0, 0.0, 0.0];
        item
    };
    let corners = [
        (-300.0, -300.0),
        (-300.0, 300.0),
        (300.0, 300.0),
        (300.0, -300.0),
    ];
    let mut fence: Vec<MissionItem> = corners.iter().map(|(n, e)| vertex(*n, *e, 4.0)).collect();
    let centre = offset(home, 100.0, 100.0);
    let mut circle = MissionItem::nav(cmd::FENCE_CIRCLE_EXCLUSION, centre.lat, centre.lon, 0.0);
    circle.frame = frame::GLOBAL;
    circle.params = [30.0, 0.0, 0.0, 0.0];
    fence.push(circle);
    let rally: Vec<MissionItem> = [(50.0, -50.0), (-50.0, 50.0)]
        .iter()
        .map(|(n, e)| {
            let pt = offset(home, *n, *e);
            MissionItem::nav(cmd::RALLY_POINT, pt.lat, pt.lon, 30.0)
        })
        .collect();
    upload(p, MissionKind::Fence, &fence)
        .await
        .map_err(|e| Stop::Fail(e.to_string()))?;
    upload(p, MissionKind::Rally, &rally)
        .await
        .map_err(|e| Stop::Fail(e.to_string()))?;
    let held_fence = download(p, MissionKind::Fence).await?;
    let held_rally = download(p, MissionKind::Rally).await?;
    let stored = |items: &[MissionItem]| items.iter().map(ardupilot::as_stored).collect::<Vec<_>>();
    let mut result = compare(MissionKind::Fence, &held_fence, &stored(&fence), 0)
        .and_then(|_| compare(MissionKind::Rally, &held_rally, &stored(&rally), 0));
    if result.is_ok() {
        let two = vec![vertex(-300.0, -300.0, 2.0), vertex(300.0, 300.0, 2.0)];
        result = match upload(p, MissionKind::Fence, &two).await {
            Ok(()) => Err(Stop::Fail(
                "a polygon of two vertices was accepted: ArduPilot refuses it".into(),
            )),
            Err(TransferError::Refused { .. }) => Ok(()),
            Err(e) => Err(Stop::Fail(e.to_string())),
        };
    }
    clear(p, MissionKind::Fence).await?;
    clear(p, MissionKind::Rally).await?;
    let left = (
        download(p, MissionKind::Fence).await?.len(),
        download(p, MissionKind::Rally).await?.len(),
    );
    result?;
    if left != (0, 0) {
        return Err(Stop::Fail(format!(
            "after clearing, {} fence items and {} rally points are left",
            left.0, left.1
        )));
    }
    Ok(())
}
