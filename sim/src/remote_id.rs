//! A Remote ID component on the aircraft, as ArduPilot behaves with DID_ENABLE=1 and
//! DID_OPTIONS=EnforceArming: the ground station must supply the operator's location
//! (OPEN_DRONE_ID_SYSTEM, no older than 3 s) and the operator ID (OPEN_DRONE_ID_OPERATOR_ID); the
//! transponder reports whether it is good to arm (OPEN_DRONE_ID_ARM_STATUS, 1 Hz) and arming is
//! refused with "PreArm: OpenDroneID: …" until it is.

use mavlink::dialects::ardupilotmega::*;

use crate::outbox::Outbox;

/// How old the operator's location may be, seconds (ArduPilot's 3 s).
pub const MAX_AGE_S: f64 = 3.0;

/// What the aircraft's Remote ID holds from the ground station.
#[derive(Clone, Debug, Default)]
pub struct RemoteId {
    operator: Option<(i32, i32)>,
    system_at: Option<f64>,
    operator_id: Option<String>,
    next_status: f64,
}

impl RemoteId {
    /// Takes the station's OPEN_DRONE_ID_SYSTEM and OPEN_DRONE_ID_OPERATOR_ID.
    pub fn handle(&mut self, now: f64, msg: &MavMessage) {
        match msg {
            MavMessage::OPEN_DRONE_ID_SYSTEM(s) => {
                self.operator = Some((s.operator_latitude, s.operator_longitude));
                self.system_at = Some(now);
            }
            MavMessage::OPEN_DRONE_ID_OPERATOR_ID(o) => {
                let id: String = o
                    .operator_id
                    .iter()
                    .take_while(|b| **b != 0)
                    .map(|b| *b as char)
                    .collect();
                self.operator_id = (!id.trim().is_empty()).then_some(id);
            }
            _ => {}
        }
    }

    /// Why arming is refused now, in ArduPilot's words (without the "PreArm: OpenDroneID: ").
    pub fn failure(&self, now: f64) -> Option<&'static str> {
        match (self.operator, self.system_at) {
            (None, _) | (Some((0, 0)), _) => Some("operator location must be set"),
            (_, Some(at)) if now - at > MAX_AGE_S => Some("SYSTEM not available"),
            _ if self.operator_id.is_none() => Some("operator ID missing"),
            _ => None,
        }
    }

    /// The operator's location last received, degrees.
    pub fn operator_location(&self) -> Option<(f64, f64)> {
        self.operator
            .map(|(a, b)| (f64::from(a) * 1e-7, f64::from(b) * 1e-7))
    }

    /// The operator ID last received.
    pub fn operator_id(&self) -> Option<&str> {
        self.operator_id.as_deref()
    }

    /// Once a second: the transponder's OPEN_DRONE_ID_ARM_STATUS.
    pub fn step(&mut self, now: f64, out: &mut Outbox) {
        if now < self.next_status {
            return;
        }
        self.next_status = now + 1.0;
        let (status, error) = match self.failure(now) {
            None => (MavOdidArmStatus::MAV_ODID_ARM_STATUS_GOOD_TO_ARM, ""),
            Some(e) => (
                MavOdidArmStatus::MAV_ODID_ARM_STATUS_PRE_ARM_FAIL_GENERIC,
                e,
            ),
        };
        out.broadcast(MavMessage::OPEN_DRONE_ID_ARM_STATUS(
            OPEN_DRONE_ID_ARM_STATUS_DATA {
                status,
                error: error.into(),
            },
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn needs_a_fresh_operator_location_and_an_operator_id() {
        let mut r = RemoteId::default();
        assert_eq!(r.failure(0.0), Some("operator location must be set"));
        r.handle(
            0.0,
            &MavMessage::OPEN_DRONE_ID_SYSTEM(OPEN_DRONE_ID_SYSTEM_DATA {
                operator_latitude: 364_560_000,
                operator_longitude: 1_159_850_000,
                ..Default::default()
            }),
        );
        assert_eq!(r.failure(1.0), Some("operator ID missing"));
        r.handle(
            1.0,
            &MavMessage::OPEN_DRONE_ID_OPERATOR_ID(OPEN_DRONE_ID_OPERATOR_ID_DATA {
                operator_id: "CHN-OP-0042".into(),
                ..Default::default()
            }),
        );
        assert_eq!(r.failure(2.0), None);
        assert_eq!(r.failure(3.5), Some("SYSTEM not available"));
    }
}
