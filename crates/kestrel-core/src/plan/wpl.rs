//! QGroundControl WPL 110 text files (`.waypoints`, `.txt`): Mission Planner's and QGC's plain
//! mission format. Line 0 is home; each line is
//! `seq current frame command p1 p2 p3 p4 x y z autocontinue`, tab separated.

use super::mission::{MissionItem, MissionPlan};
use super::PlanFileError;

/// The first line every WPL file starts with.
pub const HEADER: &str = "QGC WPL 110";

/// Reads a WPL 110 file's text into a plan (mission only; line 0 becomes home).
pub fn parse(text: &str) -> Result<MissionPlan, PlanFileError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    match lines.next() {
        Some((_, l)) if l.trim().starts_with(HEADER) => {}
        _ => {
            return Err(PlanFileError::Format(format!(
                "not a waypoint file: the first line must be '{HEADER}'"
            )))
        }
    }
    let mut items = Vec::new();
    for (lineno, line) in lines {
        let n = lineno + 1;
        let fields: Vec<&str> = line.split_whitespace().collect();
        if fields.len() != 12 {
            return Err(PlanFileError::Format(format!(
                "line {n}: expected 12 fields (seq current frame command p1 p2 p3 p4 x y z autocontinue), found {}",
                fields.len()
            )));
        }
        let num = |i: usize, what: &str| -> Result<f64, PlanFileError> {
            fields[i].parse::<f64>().map_err(|_| {
                PlanFileError::Format(format!("line {n}: {what} '{}' is not a number", fields[i]))
            })
        };
        let int = |i: usize, what: &str, max: f64| -> Result<f64, PlanFileError> {
            let v = num(i, what)?;
            if v < 0.0 || v > max || v.fract() != 0.0 {
                return Err(PlanFileError::Format(format!(
                    "line {n}: {what} '{}' must be a whole number 0..{max}",
                    fields[i]
                )));
            }
            Ok(v)
        };
        let seq = int(0, "sequence number", 65535.0)? as usize;
        if seq != items.len() {
            return Err(PlanFileError::Format(format!(
                "line {n}: sequence number {seq}, expected {}",
                items.len()
            )));
        }
        items.push(MissionItem {
            frame: int(2, "frame", 255.0)? as u8,
            command: int(3, "command", 65535.0)? as u16,
            params: [
                num(4, "param1")? as f32,
                num(5, "param2")? as f32,
                num(6, "param3")? as f32,
                num(7, "param4")? as f32,
            ],
            x: num(8, "latitude/x")?,
            y: num(9, "longitude/y")?,
            z: num(10, "altitude/z")? as f32,
            autocontinue: int(11, "autocontinue", 1.0)? != 0.0,
        });
    }
    let mut plan = MissionPlan::default();
    plan.set_from_wire(super::mission::MissionKind::Mission, items);
    plan.validate().map_err(PlanFileError::Invalid)?;
    Ok(plan)
}

/// Writes a plan's mission (with home as line 0) as WPL 110 text.
pub fn write(plan: &MissionPlan) -> String {
    let mut out = String::from(HEADER);
    out.push('\n');
    for (seq, it) in plan
        .wire_items(super::mission::MissionKind::Mission)
        .iter()
        .enumerate()
    {
        out.push_str(&format!(
            "{seq}\t{}\t{}\t{}\t{}\t{}\t{}\t{}\t{:.8}\t{:.8}\t{:.6}\t{}\n",
            u8::from(seq == 0),
            it.frame,
            it.command,
            it.params[0],
            it.params[1],
            it.params[2],
            it.params[3],
            it.x,
            it.y,
            it.z,
            u8::from(it.autocontinue)
        ));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "QGC WPL 110\n\
0\t1\t0\t16\t0\t0\t0\t0\t36.456\t115.985\t35.0\t1\n\
1\t0\t3\t22\t0\t0\t0\t0\t0\t0\t30\t1\n\
2\t0\t3\t16\t0\t0\t0\t0\t36.457\t115.986\t30\t1\n";

    #[test]
    fn reads_home_and_items_and_writes_them_back() {
        let plan = parse(SAMPLE).unwrap();
        assert_eq!(plan.home, Some((36.456, 115.985, 35.0)));
        assert_eq!(plan.mission.len(), 2);
        assert_eq!(plan.mission[0].command, 22);
        let again = parse(&write(&plan)).unwrap();
        assert_eq!(again.mission.len(), 2);
        assert!(again.mission[1].same_as(&plan.mission[1]));
    }

    #[test]
    fn broken_lines_say_where() {
        let e = parse("QGC WPL 110\n0\t1\t0\t16\t0\n").unwrap_err();
        assert!(e.to_string().contains("line 2"), "{e}");
        let e = parse("hello").unwrap_err();
        assert!(e.to_string().contains("QGC WPL 110"), "{e}");
        let e = parse("QGC WPL 110\n0\t1\t0\t16\t0\t0\t0\t0\tabc\t115\t35\t1\n").unwrap_err();
        assert!(e.to_string().contains("abc"), "{e}");
    }
}
