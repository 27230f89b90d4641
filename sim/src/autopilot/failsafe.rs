//! The three failsafes ArduCopter flies a patrol with: low battery, lost GCS heartbeat and fence
//! breach (altitude, radius, uploaded polygons and circles), each with its STATUSTEXT and mode
//! change.

use super::*;

impl Autopilot {
    pub(super) fn check_failsafes(&mut self, env: &mut Env) {
        let p = env.params;
        let now = env.now;
        let flying = self.armed && !self.landed;

        // Low battery: capacity (BATT_LOW_MAH, or 20 %) or sustained low voltage.
        if flying && !self.fs.battery {
            let low_mah = p.f(P::BattLowMah);
            let cap_low = if low_mah > 0.0 {
                self.battery.remaining_mah() <= low_mah
            } else {
                self.battery.remaining_pct() <= LOW_BATTERY_PCT
            };
            let low_volt = p.f(P::BattLowVolt);
            if low_volt > 0.0 && self.battery.voltage < low_volt {
                self.fs.low_volt_since.get_or_insert(now);
            } else {
                self.fs.low_volt_since = None;
            }
            let volt_low = self
                .fs
                .low_volt_since
                .is_some_and(|t| now - t >= LOW_VOLT_TIME_S);
            if cap_low || volt_low {
                self.fs.battery = true;
                env.out.text(
                    MavSeverity::MAV_SEVERITY_CRITICAL,
                    &format!(
                        "Failsafe: Battery low {:.2}V used {:.0} mAh",
                        self.battery.voltage, self.battery.consumed_mah
                    ),
                );
                match p.get(P::BattFsLowAct) as i32 {
                    0 => {}
                    1 => self.failsafe_mode(Mode::Land, env),
                    _ => self.failsafe_mode(Mode::Rtl, env),
                }
            }
        }

        // GCS heartbeat lost.
        if let Some(last) = self.fs.last_gcs_heartbeat {
            let enable = p.get(P::FsGcsEnable) as i32;
            let timeout = p.f(P::FsGcsTimeout).max(0.1);
            if enable != 0 && self.armed && !self.fs.gcs && now - last > timeout {
                self.fs.gcs = true;
                env.out
                    .text(MavSeverity::MAV_SEVERITY_CRITICAL, "Failsafe: GCS");
                if self.landed {
                    self.disarm_now(env.out);
                } else if !(enable == 2 && self.mode == Mode::Auto) {
                    let mode = if enable == 5 { Mode::Land } else { Mode::Rtl };
                    self.failsafe_mode(mode, env);
                }
            }
        }

        // Fence.
        if p.get(P::FenceEnable) != 0.0 {
            let breach = if flying { self.fence_breach(env) } else { None };
            match breach {
                Some(kind) if !self.fs.fence => {
                    self.fs.fence = true;
                    env.out.text(
                        MavSeverity::MAV_SEVERITY_CRITICAL,
                        &format!("Fence breach: {kind}"),
                    );
                    match p.get(P::FenceAction) as i32 {
                        0 => {}
                        2 => self.failsafe_mode(Mode::Land, env),
                        4 => self.failsafe_mode(Mode::Brake, env),
                        _ => self.failsafe_mode(Mode::Rtl, env),
                    }
                }
                Some(_) => {}
                None => self.fs.fence = false,
            }
        } else {
            self.fs.fence = false;
        }
        self.fs.forced_fence = false;
    }

    pub(super) fn fence_breach(&self, env: &Env) -> Option<&'static str> {
        let p = env.params;
        let kinds = p.get(P::FenceType) as i32;
        if self.fs.forced_fence {
            Some("forced")
        } else if kinds & 1 != 0 && self.body.alt() > p.f(P::FenceAltMax) {
            Some("altitude")
        } else if kinds & 2 != 0 && self.body.distance_to(self.home) > p.f(P::FenceRadius) {
            Some("radius")
        } else if kinds & 4 != 0
            && env
                .store
                .zone_breached([self.body.pos[0], self.body.pos[1]])
                .is_some()
        {
            Some("polygon")
        } else {
            None
        }
    }

    /// Switches mode for a failsafe unless already returning or landing.
    pub(super) fn failsafe_mode(&mut self, mode: Mode, env: &mut Env) {
        if matches!(self.mode, Mode::Rtl | Mode::Land) || self.mode == mode {
            return;
        }
        // RTL can always be entered here (position is known in flight).
        let _ = self.set_mode(mode, env);
    }
}
