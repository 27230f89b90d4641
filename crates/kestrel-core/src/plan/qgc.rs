//! QGroundControl `.plan` files (JSON): mission, geofence (polygons and circles) and rally points,
//! read and written so plans move between Kestrel and QGroundControl both ways.

use serde_json::{json, Value};

use super::mission::{cmd, deg_e7, frame, MissionItem, MissionPlan};
use super::PlanFileError;
use crate::terrain::{Terrain, TileId};

/// QGroundControl's AltitudeMode for "calculated above terrain": the item's `Altitude` is
/// metres above the ground and the file carries the AMSL altitude QGroundControl computed from
/// its terrain server (or null when it had none).
const ALT_MODE_CALC_ABOVE_TERRAIN: u64 = 3;

/// A mission item whose AMSL altitude has to come from terrain.
struct AboveTerrain {
    /// Index in the mission list.
    index: usize,
    /// Item number as the file counts them (1-based).
    n: usize,
    /// Metres above the ground.
    height_m: f64,
}

fn err(msg: impl Into<String>) -> PlanFileError {
    PlanFileError::Format(msg.into())
}

fn num(v: &Value) -> Option<f64> {
    match v {
        Value::Null => Some(f64::NAN),
        Value::Number(n) => n.as_f64(),
        _ => None,
    }
}

fn latlon(v: &Value, what: &str) -> Result<(f64, f64), PlanFileError> {
    let a = v
        .as_array()
        .filter(|a| a.len() >= 2)
        .ok_or_else(|| err(format!("{what}: expected [latitude, longitude]")))?;
    let lat = a[0]
        .as_f64()
        .ok_or_else(|| err(format!("{what}: latitude is not a number")))?;
    let lon = a[1]
        .as_f64()
        .ok_or_else(|| err(format!("{what}: longitude is not a number")))?;
    Ok((lat, lon))
}

/// Reads a `.plan` file's JSON text (items calculated above terrain without their altitude are
/// refused: see [`parse_with_terrain`]).
pub fn parse(text: &str) -> Result<MissionPlan, PlanFileError> {
    parse_with_terrain(text, None)
}

/// Reads a `.plan` file's JSON text; items in QGroundControl's "calculated above terrain" mode
/// (AltitudeMode 3) whose AMSL altitude the file does not carry get it from `terrain` (ground
/// height + their altitude above it), or are refused with the tile that is missing.
pub fn parse_with_terrain(
    text: &str,
    terrain: Option<&dyn Terrain>,
) -> Result<MissionPlan, PlanFileError> {
    let root: Value =
        serde_json::from_str(text).map_err(|e| err(format!("not valid JSON ({e})")))?;
    if root.get("fileType").and_then(Value::as_str) != Some("Plan") {
        return Err(err(
            "not a QGroundControl plan: \"fileType\" must be \"Plan\"",
        ));
    }
    let mut plan = MissionPlan::default();
    if let Some(mission) = root.get("mission") {
        if let Some(home) = mission.get("plannedHomePosition").and_then(Value::as_array) {
            if home.len() >= 3 {
                let f = |i: usize| home[i].as_f64().unwrap_or(0.0);
                plan.home = Some((f(0), f(1), f(2) as f32));
            }
        }
        let items = mission
            .get("items")
            .and_then(Value::as_array)
            .ok_or_else(|| err("mission: \"items\" must be a list"))?;
        let mut above_terrain = Vec::new();
        for (i, item) in items.iter().enumerate() {
            read_item(item, i + 1, &mut plan.mission, &mut above_terrain)?;
        }
        for t in above_terrain {
            resolve_above_terrain(&mut plan.mission[t.index], &t, terrain)?;
        }
    }
    if let Some(fence) = root.get("geoFence") {
        read_fence(fence, &mut plan.fence)?;
    }
    if let Some(rally) = root.get("rallyPoints") {
        let points = rally
            .get("points")
            .and_then(Value::as_array)
            .ok_or_else(|| err("rallyPoints: \"points\" must be a list"))?;
        for (i, p) in points.iter().enumerate() {
            let a = p
                .as_array()
                .filter(|a| a.len() >= 3)
                .ok_or_else(|| err(format!("rally point {}: expected [lat, lon, alt]", i + 1)))?;
            let v: Vec<f64> = a.iter().map(|x| x.as_f64().unwrap_or(f64::NAN)).collect();
            plan.rally
                .push(MissionItem::nav(cmd::RALLY_POINT, v[0], v[1], v[2] as f32));
        }
    }
    plan.validate().map_err(PlanFileError::Invalid)?;
    Ok(plan)
}

fn resolve_above_terrain(
    it: &mut MissionItem,
    t: &AboveTerrain,
    terrain: Option<&dyn Terrain>,
) -> Result<(), PlanFileError> {
    let n = t.n;
    let what = format!(
        "mission item {n}: its altitude is {:.0} m calculated above terrain (QGroundControl AltitudeMode 3) and the file does not carry it",
        t.height_m
    );
    let ground = match terrain {
        Some(terrain) => terrain
            .height_amsl(it.x, it.y)
            .map_err(|e| PlanFileError::Terrain(format!("{what}: {e}")))?,
        None => {
            let tile = TileId::containing(it.x, it.y)
                .map(|t| t.file_name())
                .unwrap_or_else(|_| "for this position".into());
            return Err(PlanFileError::Terrain(format!(
                "{what}; terrain data is needed: import the SRTM tile {tile} with `kestrel terrain import`"
            )));
        }
    };
    it.z = (ground + t.height_m) as f32;
    it.frame = frame::GLOBAL;
    Ok(())
}

fn read_item(
    item: &Value,
    n: usize,
    out: &mut Vec<MissionItem>,
    above_terrain: &mut Vec<AboveTerrain>,
) -> Result<(), PlanFileError> {
    match item.get("type").and_then(Value::as_str) {
        Some("SimpleItem") => {
            let command = item
                .get("command")
                .and_then(Value::as_u64)
                .filter(|c| *c <= u64::from(u16::MAX))
                .ok_or_else(|| {
                    err(format!(
                        "mission item {n}: \"command\" must be a MAV_CMD number"
                    ))
                })?;
            let frame = item
                .get("frame")
                .and_then(Value::as_u64)
                .filter(|f| *f <= 255)
                .ok_or_else(|| {
                    err(format!(
                        "mission item {n}: \"frame\" must be a MAV_FRAME number"
                    ))
                })?;
            let params = item
                .get("params")
                .and_then(Value::as_array)
                .filter(|p| p.len() == 7)
                .ok_or_else(|| {
                    err(format!(
                        "mission item {n}: \"params\" must be a list of 7 values"
                    ))
                })?;
            let p: Vec<f64> = params
                .iter()
                .map(num)
                .collect::<Option<_>>()
                .ok_or_else(|| err(format!("mission item {n}: a parameter is not a number")))?;
            let calc_above_terrain = item.get("AltitudeMode").and_then(Value::as_u64)
                == Some(ALT_MODE_CALC_ABOVE_TERRAIN);
            if calc_above_terrain && p[6].is_nan() {
                let height_m = item
                    .get("Altitude")
                    .and_then(Value::as_f64)
                    .filter(|h| h.is_finite())
                    .ok_or_else(|| {
                        err(format!(
                            "mission item {n}: altitude above terrain (\"Altitude\") is not a number"
                        ))
                    })?;
                above_terrain.push(AboveTerrain {
                    index: out.len(),
                    n,
                    height_m,
                });
            }
            out.push(MissionItem {
                command: command as u16,
                frame: frame as u8,
                params: [p[0] as f32, p[1] as f32, p[2] as f32, p[3] as f32],
                x: if p[4].is_nan() { 0.0 } else { p[4] },
                y: if p[5].is_nan() { 0.0 } else { p[5] },
                z: p[6] as f32,
                autocontinue: item
                    .get("autoContinue")
                    .and_then(Value::as_bool)
                    .unwrap_or(true),
            });
            Ok(())
        }
        Some("ComplexItem") => {
            // Surveys and corridor scans carry their generated items; fly those.
            let inner = item
                .get("TransectStyleComplexItem")
                .and_then(|t| t.get("Items"))
                .and_then(Value::as_array)
                .ok_or_else(|| {
                    err(format!(
                        "mission item {n}: complex item '{}' has no generated items; open and save it in QGroundControl first",
                        item.get("complexItemType").and_then(Value::as_str).unwrap_or("?")
                    ))
                })?;
            for sub in inner {
                read_item(sub, n, out, above_terrain)?;
            }
            Ok(())
        }
        other => Err(err(format!(
            "mission item {n}: unknown item type {}",
            other
                .map(|s| format!("'{s}'"))
                .unwrap_or_else(|| "(missing)".into())
        ))),
    }
}

fn read_fence(fence: &Value, out: &mut Vec<MissionItem>) -> Result<(), PlanFileError> {
    if let Some(polys) = fence.get("polygons").and_then(Value::as_array) {
        for (i, p) in polys.iter().enumerate() {
            let inclusion = p.get("inclusion").and_then(Value::as_bool).unwrap_or(true);
            let verts = p.get("polygon").and_then(Value::as_array).ok_or_else(|| {
                err(format!(
                    "geofence polygon {}: \"polygon\" must be a list",
                    i + 1
                ))
            })?;
            if verts.len() < 3 {
                return Err(err(format!(
                    "geofence polygon {} has {} vertices; at least 3 are needed",
                    i + 1,
                    verts.len()
                )));
            }
            let command = if inclusion {
                cmd::FENCE_POLYGON_VERTEX_INCLUSION
            } else {
                cmd::FENCE_POLYGON_VERTEX_EXCLUSION
            };
            for v in verts {
                let (lat, lon) = latlon(v, &format!("geofence polygon {}", i + 1))?;
                let mut it = MissionItem::nav(command, lat, lon, 0.0);
                it.frame = frame::GLOBAL;
                it.params[0] = verts.len() as f32;
                out.push(it);
            }
        }
    }
    if let Some(circles) = fence.get("circles").and_then(Value::as_array) {
        for (i, c) in circles.iter().enumerate() {
            let inclusion = c.get("inclusion").and_then(Value::as_bool).unwrap_or(true);
            let circle = c
                .get("circle")
                .ok_or_else(|| err(format!("geofence circle {}: missing \"circle\"", i + 1)))?;
            let (lat, lon) = latlon(
                circle.get("center").unwrap_or(&Value::Null),
                &format!("geofence circle {} center", i + 1),
            )?;
            let radius = circle
                .get("radius")
                .and_then(Value::as_f64)
                .filter(|r| *r > 0.0)
                .ok_or_else(|| {
                    err(format!(
                        "geofence circle {}: radius must be a positive number",
                        i + 1
                    ))
                })?;
            let command = if inclusion {
                cmd::FENCE_CIRCLE_INCLUSION
            } else {
                cmd::FENCE_CIRCLE_EXCLUSION
            };
            let mut it = MissionItem::nav(command, lat, lon, 0.0);
            it.frame = frame::GLOBAL;
            it.params[0] = radius as f32;
            out.push(it);
        }
    }
    Ok(())
}

fn param(v: f32) -> Value {
    if v.is_nan() {
        Value::Null
    } else {
        json!(v)
    }
}

/// An item's x/y as written: latitude/longitude at the wire's 1e-7 degree precision.
fn xy(it: &MissionItem) -> (f64, f64) {
    if it.is_global() {
        (deg_e7(it.x), deg_e7(it.y))
    } else {
        (it.x, it.y)
    }
}

/// Writes a plan as QGroundControl `.plan` JSON.
pub fn write(plan: &MissionPlan) -> String {
    let items: Vec<Value> = plan
        .mission
        .iter()
        .enumerate()
        .map(|(i, it)| {
            json!({
                "type": "SimpleItem",
                "autoContinue": it.autocontinue,
                "command": it.command,
                "doJumpId": i + 1,
                "frame": it.frame,
                "params": [param(it.params[0]), param(it.params[1]), param(it.params[2]),
                           param(it.params[3]), xy(it).0, xy(it).1, param(it.z)],
            })
        })
        .collect();
    let home = plan.home.unwrap_or((0.0, 0.0, 0.0));
    let mut polygons = Vec::new();
    let mut circles = Vec::new();
    let mut i = 0;
    while i < plan.fence.len() {
        let it = &plan.fence[i];
        match it.command {
            cmd::FENCE_POLYGON_VERTEX_INCLUSION | cmd::FENCE_POLYGON_VERTEX_EXCLUSION => {
                let n = (it.params[0].max(1.0) as usize).min(plan.fence.len() - i);
                let verts: Vec<Value> = plan.fence[i..i + n]
                    .iter()
                    .map(|v| json!([xy(v).0, xy(v).1]))
                    .collect();
                polygons.push(json!({
                    "inclusion": it.command == cmd::FENCE_POLYGON_VERTEX_INCLUSION,
                    "polygon": verts,
                    "version": 1,
                }));
                i += n;
            }
            cmd::FENCE_CIRCLE_INCLUSION | cmd::FENCE_CIRCLE_EXCLUSION => {
                circles.push(json!({
                    "circle": { "center": [xy(it).0, xy(it).1], "radius": it.params[0] },
                    "inclusion": it.command == cmd::FENCE_CIRCLE_INCLUSION,
                    "version": 1,
                }));
                i += 1;
            }
            _ => i += 1,
        }
    }
    let rally: Vec<Value> = plan
        .rally
        .iter()
        .map(|r| json!([xy(r).0, xy(r).1, r.z]))
        .collect();
    let doc = json!({
        "fileType": "Plan",
        "version": 1,
        "groundStation": "Kestrel",
        "mission": {
            "version": 2,
            "firmwareType": 3,
            "vehicleType": 2,
            "cruiseSpeed": 15,
            "hoverSpeed": 5,
            "plannedHomePosition": [deg_e7(home.0), deg_e7(home.1), home.2],
            "items": items,
        },
        "geoFence": { "version": 2, "polygons": polygons, "circles": circles },
        "rallyPoints": { "version": 2, "points": rally },
    });
    serde_json::to_string_pretty(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = r#"{
      "fileType": "Plan", "version": 1, "groundStation": "QGroundControl",
      "mission": { "version": 2, "firmwareType": 3, "vehicleType": 2,
        "plannedHomePosition": [36.456, 115.985, 35],
        "items": [
          {"type": "SimpleItem", "autoContinue": true, "command": 22, "doJumpId": 1, "frame": 3,
           "params": [0, 0, 0, null, 0, 0, 30]},
          {"type": "SimpleItem", "autoContinue": true, "command": 16, "doJumpId": 2, "frame": 3,
           "params": [0, 0, 0, null, 36.457, 115.986, 30]}
        ]},
      "geoFence": { "version": 2,
        "polygons": [{"inclusion": true, "version": 1,
                      "polygon": [[36.45, 115.98], [36.46, 115.98], [36.46, 115.99]]}],
        "circles": [{"circle": {"center": [36.455, 115.985], "radius": 50}, "inclusion": false, "version": 1}]},
      "rallyPoints": { "version": 2, "points": [[36.4565, 115.9855, 20]] }
    }"#;

    #[test]
    fn reads_mission_fence_and_rally() {
        let plan = parse(SAMPLE).unwrap();
        assert_eq!(plan.mission.len(), 2);
        assert!(plan.mission[0].params[3].is_nan());
        assert_eq!(plan.fence.len(), 4);
        assert_eq!(plan.fence[3].command, cmd::FENCE_CIRCLE_EXCLUSION);
        assert_eq!(plan.rally.len(), 1);
    }

    #[test]
    fn write_then_read_is_the_same_plan() {
        let plan = parse(SAMPLE).unwrap();
        let again = parse(&write(&plan)).unwrap();
        assert_eq!(again.fence.len(), plan.fence.len());
        for (a, b) in plan.mission.iter().zip(&again.mission) {
            assert!(a.same_as(b));
        }
        assert_eq!(again.home, plan.home);
    }

    #[test]
    fn broken_files_get_clear_errors() {
        assert!(parse("{").unwrap_err().to_string().contains("JSON"));
        assert!(parse(r#"{"fileType":"X"}"#)
            .unwrap_err()
            .to_string()
            .contains("fileType"));
        let bad = SAMPLE.replace("\"command\": 16", "\"command\": \"x\"");
        assert!(parse(&bad).unwrap_err().to_string().contains("item 2"));
        let far = SAMPLE.replace("36.457", "536.457");
        assert!(parse(&far).unwrap_err().to_string().contains("latitude"));
    }
}
