//! Routes for other tools: GeoJSON (one LineString per sortie plus a Point per waypoint) and
//! KML (one Placemark per sortie, altitudes relative to the ground, and the no-fly zones), so a
//! route can be shown in QGIS, Google Earth or a dispatch map.

use serde_json::json;

use super::{Loiter, PatrolRoute, PointRole};
use crate::plan::areas::Shape;
use crate::plan::mission::deg_e7;

fn role_name(r: &PointRole) -> (&'static str, Option<&str>) {
    match r {
        PointRole::Patrol { area } => ("patrol", Some(area.as_str())),
        PointRole::Transit => ("transit", None),
    }
}

/// The route as a GeoJSON FeatureCollection.
pub fn to_geojson(route: &PatrolRoute) -> String {
    let mut features = Vec::new();
    let home = json!([deg_e7(route.home.lon), deg_e7(route.home.lat), 0.0]);
    for (i, s) in route.sorties.iter().enumerate() {
        let mut line = vec![home.clone()];
        line.extend(
            s.points
                .iter()
                .map(|p| json!([deg_e7(p.position.lon), deg_e7(p.position.lat), p.alt_m])),
        );
        line.push(home.clone());
        features.push(json!({
            "type": "Feature",
            "geometry": { "type": "LineString", "coordinates": line },
            "properties": {
                "kind": "sortie",
                "sortie": i + 1,
                "pattern": route.pattern.as_str(),
                "length_m": (s.stats.length_m * 10.0).round() / 10.0,
                "flight_time_s": s.stats.flight_time_s.round(),
                "battery_pct": (s.stats.battery_pct * 10.0).round() / 10.0,
            },
        }));
        for (k, p) in s.points.iter().enumerate() {
            let (role, area) = role_name(&p.role);
            let mut props = json!({ "kind": "waypoint", "sortie": i + 1, "index": k + 1, "role": role, "alt_m": p.alt_m });
            if let Some(a) = area {
                props["area"] = json!(a);
            }
            if let Some(l) = p.loiter {
                props["loiter_s"] = json!(l.duration_s(route.aircraft.cruise_ms).round());
            }
            features.push(json!({
                "type": "Feature",
                "geometry": { "type": "Point", "coordinates": [deg_e7(p.position.lon), deg_e7(p.position.lat), p.alt_m] },
                "properties": props,
            }));
        }
    }
    features.push(json!({
        "type": "Feature",
        "geometry": { "type": "Point", "coordinates": [deg_e7(route.home.lon), deg_e7(route.home.lat)] },
        "properties": { "kind": "home" },
    }));
    serde_json::to_string_pretty(&json!({ "type": "FeatureCollection", "features": features }))
        .unwrap_or_default()
}

fn xml_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// The route as a KML document.
pub fn to_kml(route: &PatrolRoute) -> String {
    let mut k = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<kml xmlns=\"http://www.opengis.net/kml/2.2\">\n<Document>\n",
    );
    k.push_str(&format!("<name>Kestrel {} route</name>\n", route.pattern));
    k.push_str(
        "<Style id=\"route\"><LineStyle><color>ff00a5ff</color><width>3</width></LineStyle></Style>\n\
         <Style id=\"nofly\"><LineStyle><color>ff0000ff</color><width>2</width></LineStyle><PolyStyle><color>400000ff</color></PolyStyle></Style>\n",
    );
    for (i, s) in route.sorties.iter().enumerate() {
        let mut coords = format!("{},{},0", route.home.lon, route.home.lat);
        for p in &s.points {
            coords.push_str(&format!(
                " {},{},{}",
                p.position.lon, p.position.lat, p.alt_m
            ));
        }
        coords.push_str(&format!(" {},{},0", route.home.lon, route.home.lat));
        k.push_str(&format!(
            "<Placemark><name>Sortie {}</name><description>{:.0} m, {:.1} min, {:.0} % battery</description><styleUrl>#route</styleUrl>\
             <LineString><altitudeMode>relativeToGround</altitudeMode><coordinates>{coords}</coordinates></LineString></Placemark>\n",
            i + 1,
            s.stats.length_m,
            s.stats.flight_time_s / 60.0,
            s.stats.battery_pct
        ));
        for (n, p) in s.points.iter().enumerate() {
            if let Some(l) = p.loiter {
                let what = match l {
                    Loiter::Time { seconds, .. } => format!("hold {seconds:.0} s"),
                    Loiter::Turns { turns, .. } => format!("circle {turns:.0} times"),
                };
                k.push_str(&format!(
                    "<Placemark><name>{} {}: {}</name><Point><altitudeMode>relativeToGround</altitudeMode><coordinates>{},{},{}</coordinates></Point></Placemark>\n",
                    i + 1,
                    n + 1,
                    xml_escape(&what),
                    p.position.lon,
                    p.position.lat,
                    p.alt_m
                ));
            }
        }
    }
    for z in &route.no_fly {
        if let Shape::Polygon { outer, .. } = &z.shape {
            let mut coords: Vec<String> = outer
                .iter()
                .map(|p| format!("{},{},0", p.lon, p.lat))
                .collect();
            if let Some(f) = outer.first() {
                coords.push(format!("{},{},0", f.lon, f.lat));
            }
            k.push_str(&format!(
                "<Placemark><name>No-fly: {}</name><styleUrl>#nofly</styleUrl><Polygon><outerBoundaryIs><LinearRing><coordinates>{}</coordinates></LinearRing></outerBoundaryIs></Polygon></Placemark>\n",
                xml_escape(&z.name),
                coords.join(" ")
            ));
        }
    }
    k.push_str(&format!(
        "<Placemark><name>Home</name><Point><coordinates>{},{},0</coordinates></Point></Placemark>\n</Document>\n</kml>\n",
        route.home.lon, route.home.lat
    ));
    k
}
