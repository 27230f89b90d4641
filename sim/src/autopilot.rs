//! The flight logic of one aircraft, modelled on ArduCopter: flight modes, arming rules, mission
//! execution in AUTO (nav items, DO_JUMP, DO_CHANGE_SPEED, end-of-mission hold), RTL and LAND
//! sequences, auto-disarm, and the battery, GCS and fence failsafes. It drives the [`Airframe`]
//! and [`Battery`] and reports through STATUSTEXT and mission messages in the [`Outbox`].

use mavlink::dialects::ardupilotmega::{MavCmd, MavResult, MavSeverity};

use crate::battery::{Battery, Load};
use crate::config::HOME_ALT_AMSL_M;
use crate::geo::Origin;
use crate::mission::{self, frame, Item, MissionStore};
use crate::outbox::Outbox;
use crate::params::{Params, P};
use crate::physics::{Airframe, Guidance, Limits};

mod failsafe;
mod mission_exec;

/// Flight modes the simulator flies, with ArduCopter's custom_mode numbers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// 0: manual; with no RC input it holds like LOITER.
    Stabilize,
    /// 2: altitude hold; with no RC input it holds like LOITER.
    AltHold,
    /// 3: fly the uploaded mission.
    Auto,
    /// 4: fly to GCS-given targets.
    Guided,
    /// 5: hold position.
    Loiter,
    /// 6: return to launch and land.
    Rtl,
    /// 9: land here.
    Land,
    /// 17: stop as fast as possible and hold.
    Brake,
}

impl Mode {
    /// Every mode.
    pub const ALL: [Mode; 8] = [
        Mode::Stabilize,
        Mode::AltHold,
        Mode::Auto,
        Mode::Guided,
        Mode::Loiter,
        Mode::Rtl,
        Mode::Land,
        Mode::Brake,
    ];

    /// The mode with ArduCopter number `n`.
    pub fn from_custom(n: u32) -> Option<Mode> {
        Self::ALL.into_iter().find(|m| m.custom() == n)
    }

    /// ArduCopter custom_mode number.
    pub fn custom(self) -> u32 {
        match self {
            Mode::Stabilize => 0,
            Mode::AltHold => 2,
            Mode::Auto => 3,
            Mode::Guided => 4,
            Mode::Loiter => 5,
            Mode::Rtl => 6,
            Mode::Land => 9,
            Mode::Brake => 17,
        }
    }

    /// Name as GCSs show it.
    pub fn name(self) -> &'static str {
        match self {
            Mode::Stabilize => "STABILIZE",
            Mode::AltHold => "ALT_HOLD",
            Mode::Auto => "AUTO",
            Mode::Guided => "GUIDED",
            Mode::Loiter => "LOITER",
            Mode::Rtl => "RTL",
            Mode::Land => "LAND",
            Mode::Brake => "BRAKE",
        }
    }

    /// Whether ArduCopter allows arming in this mode.
    pub fn armable(self) -> bool {
        matches!(
            self,
            Mode::Stabilize | Mode::AltHold | Mode::Guided | Mode::Loiter
        )
    }

    /// HEARTBEAT base_mode bits ArduCopter sets for this mode (without the armed bit):
    /// CUSTOM_MODE_ENABLED | STABILIZE_ENABLED | MANUAL_INPUT_ENABLED, plus GUIDED_ENABLED in
    /// the autonomous modes.
    pub fn base_mode(self) -> u8 {
        let guided = matches!(
            self,
            Mode::Auto | Mode::Guided | Mode::Loiter | Mode::Rtl | Mode::Brake
        );
        1 | 16 | 64 | if guided { 8 } else { 0 }
    }
}

/// MISSION_CURRENT mission_state values.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MissionState {
    /// No mission items beyond home.
    NoMission = 1,
    /// Uploaded, never flown.
    NotStarted = 2,
    /// Flying it in AUTO.
    Active = 3,
    /// Started, then left AUTO.
    Paused = 4,
    /// Flown to the end.
    Complete = 5,
}

/// Guided-velocity commands expire after this long, like ArduCopter's 3 s timeout.
const VELOCITY_TIMEOUT_S: f64 = 3.0;
/// Voltage must stay below BATT_LOW_VOLT this long to trigger the failsafe (BATT_LOW_TIMER).
const LOW_VOLT_TIME_S: f64 = 5.0;
/// Remaining percentage that triggers the low-battery failsafe when BATT_LOW_MAH is 0.
pub const LOW_BATTERY_PCT: f64 = 20.0;
/// Altitude below which LAND_SPEED applies, m (LAND_ALT_LOW).
const LAND_ALT_LOW: f64 = 10.0;
/// Fastest horizontal speed any setting can ask for, m/s (WPNAV_SPEED's upper limit).
const MAX_SPEED: f64 = 20.0;
/// Default circle radius when a LOITER_TURNS item has none, m (CIRCLE_RADIUS).
const DEFAULT_CIRCLE_RADIUS: f64 = 5.0;

#[derive(Clone, Copy, Debug, PartialEq)]
struct Circle {
    center: [f64; 2],
    radius: f64,
    alt: f64,
    /// +1 clockwise seen from above, -1 counter-clockwise.
    dir: f64,
    angle: f64,
    travelled: f64,
    total: f64,
    started: bool,
}

impl Circle {
    fn point(&self, angle: f64) -> [f64; 2] {
        [
            self.center[0] + self.radius * angle.cos(),
            self.center[1] + self.radius * angle.sin(),
        ]
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum RtlPhase {
    Climb { at: [f64; 2], alt: f64 },
    Return { alt: f64 },
    Loiter { alt: f64, until: f64 },
}

/// What the aircraft is doing right now, independent of the mode that asked for it.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Nav {
    /// On the ground (or falling): nothing to fly.
    Idle,
    /// Fly to and hold a point; with an altitude above ground this also takes off.
    Hold { target: [f64; 2], alt: f64 },
    /// Fly a velocity until a deadline (GUIDED velocity setpoints).
    Velocity { v: [f64; 3], until: f64 },
    /// Orbit (LOITER_TURNS).
    Circle(Circle),
    /// Return to launch, before the final descent.
    Rtl(RtlPhase),
    /// Fly to `target` at the present altitude, then descend and land.
    Land { target: [f64; 2], descending: bool },
}

/// When the current mission item is done.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Goal {
    None,
    Reach {
        target: [f64; 2],
        alt: f64,
        hold: f64,
        reached_at: Option<f64>,
    },
    Altitude(f64),
    Turns,
    Landed,
    Until(f64),
    Forever,
}

#[derive(Clone, Debug)]
struct MissionExec {
    current: u16,
    state: MissionState,
    goal: Goal,
    /// Times each DO_JUMP item (by seq) has jumped.
    jumps: Vec<i16>,
}

#[derive(Clone, Debug, Default)]
struct Failsafes {
    battery: bool,
    gcs: bool,
    fence: bool,
    last_gcs_heartbeat: Option<f64>,
    low_volt_since: Option<f64>,
    forced_fence: bool,
}

/// What the autopilot reads and writes besides its own state during one call.
pub struct Env<'a> {
    /// Simulated time, s.
    pub now: f64,
    /// Parameters.
    pub params: &'a Params,
    /// Mission, fence and rally.
    pub store: &'a MissionStore,
    /// Where messages go.
    pub out: &'a mut Outbox,
}

/// The autopilot of one aircraft and the airframe and battery it flies.
#[derive(Clone, Debug)]
pub struct Autopilot {
    /// Flight mode.
    pub mode: Mode,
    /// Motors armed.
    pub armed: bool,
    /// On the ground (ArduCopter's land_complete).
    pub landed: bool,
    /// Position, velocity, attitude.
    pub body: Airframe,
    /// Battery.
    pub battery: Battery,
    /// Home, metres north/east of the origin (valid once `home_set`).
    pub home: [f64; 2],
    /// Whether home has been set (first position fix).
    pub home_set: bool,
    /// Whether the position estimate is ready.
    pub gps_ok: bool,
    origin: Origin,
    nav: Nav,
    mission: MissionExec,
    speed_override: Option<f64>,
    fs: Failsafes,
    landed_since: Option<f64>,
}

impl Autopilot {
    /// A disarmed aircraft on the ground at (north, east) of `origin`, in STABILIZE like a
    /// freshly booted ArduCopter.
    pub fn new(origin: Origin, north: f64, east: f64, battery: Battery) -> Self {
        Self {
            mode: Mode::Stabilize,
            armed: false,
            landed: true,
            body: Airframe::on_ground(north, east),
            battery,
            home: [north, east],
            home_set: false,
            gps_ok: false,
            origin,
            nav: Nav::Idle,
            mission: MissionExec {
                current: 0,
                state: MissionState::NoMission,
                goal: Goal::None,
                jumps: Vec::new(),
            },
            speed_override: None,
            fs: Failsafes::default(),
            landed_since: None,
        }
    }

    /// Marks the position estimate ready and sets home where the aircraft stands.
    pub fn position_ready(&mut self, out: &mut Outbox) {
        if self.gps_ok {
            return;
        }
        self.gps_ok = true;
        self.home = [self.body.pos[0], self.body.pos[1]];
        self.home_set = true;
        out.text(MavSeverity::MAV_SEVERITY_INFO, "EKF3 IMU0 is using GPS");
    }

    /// Home as a mission item (mission slot 0, AMSL altitude).
    pub fn home_item(&self) -> Option<Item> {
        if !self.home_set {
            return None;
        }
        let (lat, lon) = self.origin.to_global(self.home[0], self.home[1]);
        Some(mission::item(
            0,
            MavCmd::MAV_CMD_NAV_WAYPOINT,
            mavlink::dialects::ardupilotmega::MavFrame::MAV_FRAME_GLOBAL,
            crate::geo::deg_to_e7(lat),
            crate::geo::deg_to_e7(lon),
            HOME_ALT_AMSL_M as f32,
        ))
    }

    /// The local frame's origin.
    pub fn origin(&self) -> Origin {
        self.origin
    }

    /// Moves home (DO_SET_HOME).
    pub fn set_home(&mut self, ne: [f64; 2]) {
        self.home = ne;
        self.home_set = true;
    }

    /// Current mission item and MISSION_CURRENT state.
    pub fn mission_status(&self) -> (u16, MissionState) {
        (self.mission.current, self.mission.state)
    }

    /// Whether a failsafe (battery or GCS) is active: HEARTBEAT reports CRITICAL.
    pub fn in_failsafe(&self) -> bool {
        self.fs.battery || self.fs.gcs
    }

    /// Whether the low-battery failsafe has triggered.
    pub fn battery_failsafe(&self) -> bool {
        self.fs.battery
    }

    /// Whether the GCS failsafe is active.
    pub fn gcs_failsafe(&self) -> bool {
        self.fs.gcs
    }

    /// Whether the aircraft is outside its fence now.
    pub fn fence_breached(&self) -> bool {
        self.fs.fence
    }

    /// HEARTBEAT system_status: STANDBY on the ground, ACTIVE flying, CRITICAL in failsafe.
    pub fn system_status(&self) -> u8 {
        if self.in_failsafe() {
            5
        } else if self.landed {
            3
        } else {
            4
        }
    }

    /// HEARTBEAT base_mode.
    pub fn base_mode(&self) -> u8 {
        self.mode.base_mode() | if self.armed { 128 } else { 0 }
    }

    /// MAV_LANDED_STATE: 1 on ground, 2 in air, 3 taking off, 4 landing.
    pub fn landed_state(&self) -> u8 {
        match (self.landed, self.nav) {
            (true, _) => 1,
            (
                false,
                Nav::Land {
                    descending: true, ..
                },
            ) => 4,
            (false, Nav::Hold { alt, .. })
                if self.body.alt() < alt - 1.0 && self.body.vel[2] > 0.2 =>
            {
                3
            }
            _ => 2,
        }
    }

    /// Why arming would be refused now, as ArduCopter's pre-arm text.
    pub fn prearm_failure(&self, params: &Params) -> Option<&'static str> {
        if params.get(P::ArmingCheck) == 0.0 {
            return None;
        }
        if !self.gps_ok {
            Some("PreArm: Need Position Estimate")
        } else if self.battery.remaining_pct() < params.f(P::BattArmPct) {
            Some("PreArm: Battery below minimum arming capacity")
        } else if self.fs.fence {
            Some("PreArm: Vehicle breaching fence")
        } else {
            None
        }
    }

    /// Records a GCS heartbeat (feeds the GCS failsafe and clears it).
    pub fn gcs_heartbeat(&mut self, now: f64, out: &mut Outbox) {
        self.fs.last_gcs_heartbeat = Some(now);
        if self.fs.gcs {
            self.fs.gcs = false;
            out.text(MavSeverity::MAV_SEVERITY_WARNING, "GCS Failsafe Cleared");
        }
    }

    /// Sets the remaining battery percentage (test hook); going back above the failsafe level
    /// re-arms the low-battery failsafe.
    pub fn set_battery_percent(&mut self, pct: f64) {
        self.battery.set_remaining_pct(pct);
        if pct > LOW_BATTERY_PCT {
            self.fs.battery = false;
            self.fs.low_volt_since = None;
        }
    }

    /// Makes the next fence check report a breach (test helper).
    pub fn force_fence_breach(&mut self) {
        self.fs.forced_fence = true;
    }

    /// Arms, or explains why not (`force` skips the checks, like param2 = 21196).
    pub fn arm(&mut self, force: bool, env: &mut Env) -> Result<(), MavResult> {
        if self.armed {
            return Ok(());
        }
        if !force {
            // ArduCopter 4.7's words (seen on its SITL): "Arm: LAND mode not armable".
            let reason = self
                .prearm_failure(env.params)
                .map(str::to_string)
                .or_else(|| {
                    (!self.mode.armable())
                        .then(|| format!("Arm: {} mode not armable", self.mode.name()))
                });
            if let Some(reason) = reason {
                env.out.text(MavSeverity::MAV_SEVERITY_CRITICAL, &reason);
                return Err(MavResult::MAV_RESULT_FAILED);
            }
        }
        self.armed = true;
        self.landed = self.body.alt() <= 0.0;
        self.landed_since = Some(env.now);
        self.speed_override = None;
        if self.gps_ok && self.landed {
            // ArduCopter moves home to where it arms.
            self.home = [self.body.pos[0], self.body.pos[1]];
            self.home_set = true;
        }
        env.out
            .text(MavSeverity::MAV_SEVERITY_INFO, "Arming motors");
        if self.mode == Mode::Auto {
            self.mission_start_or_resume(env);
        }
        Ok(())
    }

    /// Disarms; refused in flight unless forced (then the aircraft falls).
    pub fn disarm(&mut self, force: bool, env: &mut Env) -> Result<(), MavResult> {
        if !self.armed {
            return Ok(());
        }
        if !self.landed && !force {
            env.out
                .text(MavSeverity::MAV_SEVERITY_CRITICAL, "Disarm: not landed");
            return Err(MavResult::MAV_RESULT_FAILED);
        }
        self.disarm_now(env.out);
        Ok(())
    }

    fn disarm_now(&mut self, out: &mut Outbox) {
        self.armed = false;
        self.nav = Nav::Idle;
        self.landed_since = None;
        if self.mission.state == MissionState::Active {
            self.mission.state = MissionState::Paused;
        }
        out.text(MavSeverity::MAV_SEVERITY_INFO, "Disarming motors");
    }

    /// Changes mode, with ArduCopter's entry checks.
    pub fn set_mode(&mut self, mode: Mode, env: &mut Env) -> Result<(), MavResult> {
        // ArduCopter skips the entry checks while disarmed (arming checks the mode instead).
        if mode == Mode::Auto && self.armed {
            if env.store.mission.len() <= 1 {
                env.out.text(
                    MavSeverity::MAV_SEVERITY_WARNING,
                    "Mode change to AUTO failed: no mission",
                );
                return Err(MavResult::MAV_RESULT_FAILED);
            }
            if self.armed && self.landed && !self.first_nav_is_takeoff(env.store) {
                env.out.text(
                    MavSeverity::MAV_SEVERITY_CRITICAL,
                    "Auto: Missing Takeoff Cmd",
                );
                return Err(MavResult::MAV_RESULT_FAILED);
            }
        }
        let old = self.mode;
        if old == Mode::Auto && mode != Mode::Auto && self.mission.state == MissionState::Active {
            self.mission.state = MissionState::Paused;
        }
        self.mode = mode;
        match mode {
            Mode::Auto => {
                if self.armed {
                    self.mission_start_or_resume(env);
                }
            }
            Mode::Guided | Mode::Loiter | Mode::AltHold | Mode::Stabilize => {
                self.hold_here(env.params)
            }
            Mode::Brake => {
                if !self.landed {
                    let stop = self
                        .body
                        .stopping_point(self.limits(env.params).accel * 2.0);
                    self.nav = Nav::Hold {
                        target: stop,
                        alt: self.body.alt(),
                    };
                }
            }
            Mode::Rtl => self.start_rtl(env),
            Mode::Land => {
                let here = [self.body.pos[0], self.body.pos[1]];
                self.start_land(here, true);
            }
        }
        if old != mode {
            env.out.text(
                MavSeverity::MAV_SEVERITY_INFO,
                &format!("Mode {}", mode.name()),
            );
        }
        Ok(())
    }

    /// GUIDED takeoff to `alt` m above home.
    pub fn takeoff(&mut self, alt: f64, env: &mut Env) -> Result<(), MavResult> {
        if self.mode != Mode::Guided || !self.armed || !self.landed || alt.is_nan() || alt <= 0.0 {
            return Err(MavResult::MAV_RESULT_FAILED);
        }
        self.nav = Nav::Hold {
            target: [self.body.pos[0], self.body.pos[1]],
            alt,
        };
        env.out.text(
            MavSeverity::MAV_SEVERITY_INFO,
            &format!("Takeoff to {alt:.1} m"),
        );
        Ok(())
    }

    /// GUIDED: fly to `target` (north, east) at `alt` m above home (None keeps the altitude),
    /// optionally changing the speed.
    pub fn goto(
        &mut self,
        target: [f64; 2],
        alt: Option<f64>,
        speed: Option<f64>,
    ) -> Result<(), MavResult> {
        if self.mode != Mode::Guided || !self.armed || self.landed {
            return Err(MavResult::MAV_RESULT_FAILED);
        }
        if let Some(s) = speed.filter(|s| *s > 0.0) {
            self.speed_override = Some(s);
        }
        let alt = alt.unwrap_or_else(|| self.target_alt());
        self.nav = Nav::Hold {
            target,
            alt: alt.max(0.0),
        };
        Ok(())
    }

    /// GUIDED: fly velocity `v` (m/s north, east, up) for up to 3 s.
    pub fn set_velocity(&mut self, v: [f64; 3], now: f64) -> Result<(), MavResult> {
        if self.mode != Mode::Guided || !self.armed || self.landed {
            return Err(MavResult::MAV_RESULT_FAILED);
        }
        self.nav = Nav::Velocity {
            v,
            until: now + VELOCITY_TIMEOUT_S,
        };
        Ok(())
    }

    /// DO_CHANGE_SPEED: horizontal speed in m/s for the auto modes.
    pub fn set_speed(&mut self, speed: f64) -> bool {
        if speed > 0.0 && speed.is_finite() {
            self.speed_override = Some(speed);
            true
        } else {
            false
        }
    }

    /// MAV_CMD_MISSION_START: AUTO from the current item; only when armed.
    pub fn mission_start(&mut self, env: &mut Env) -> Result<(), MavResult> {
        if !self.armed {
            return Err(MavResult::MAV_RESULT_FAILED);
        }
        if self.mode == Mode::Auto {
            if self.mission.state != MissionState::Active {
                self.mission_start_or_resume(env);
            }
            return Ok(());
        }
        self.set_mode(Mode::Auto, env)
    }

    /// MISSION_SET_CURRENT / DO_SET_MISSION_CURRENT.
    pub fn set_mission_current(&mut self, seq: u16, env: &mut Env) -> bool {
        let n = env.store.mission.len();
        if usize::from(seq) >= n {
            return false;
        }
        let seq = seq.max(1).min(n as u16 - 1);
        self.mission.current = seq;
        if self.mode == Mode::Auto && self.armed && self.mission.state == MissionState::Active {
            self.start_item(seq, env);
        } else if self.mission.state == MissionState::Complete {
            self.mission.state = MissionState::Paused;
        }
        self.send_mission_current(env);
        true
    }

    /// Reacts to an upload or clear of the mission.
    pub fn mission_replaced(&mut self, env: &mut Env) {
        self.mission.current = 0;
        self.mission.jumps = vec![0; env.store.mission.len()];
        self.mission.goal = Goal::None;
        self.mission.state = if env.store.mission.len() > 1 {
            MissionState::NotStarted
        } else {
            MissionState::NoMission
        };
        if self.mode == Mode::Auto && self.armed && !self.landed {
            if env.store.mission.len() > 1 {
                self.mission_start_or_resume(env);
            } else {
                self.mission_end(env);
            }
        }
    }

    /// Advances the autopilot and the airframe by `dt` simulated seconds.
    pub fn step(&mut self, dt: f64, env: &mut Env) {
        if dt <= 0.0 {
            return;
        }
        self.check_failsafes(env);
        self.update_nav(dt, env);
        if self.mode == Mode::Auto && self.mission.state == MissionState::Active {
            self.check_mission_goal(env);
        }

        if self.armed {
            let lifting = matches!(self.nav, Nav::Hold { alt, .. } if alt > 0.3);
            if self.landed && !lifting {
                self.body.settle();
            } else {
                let (g, lim) = self.guidance(env.params);
                self.body.fly(dt, &g, &lim);
            }
        } else {
            self.body.coast(dt);
        }

        // Ground contact.
        if self.armed {
            if self.landed && self.body.alt() > 0.2 {
                self.landed = false;
                self.landed_since = None;
            } else if !self.landed && self.body.alt() <= 0.0 {
                self.touchdown(env);
            }
        } else {
            self.landed = self.body.alt() <= 0.0;
        }

        self.battery.set_capacity(env.params.f(P::BattCapacity));
        let load = if !self.armed {
            Load::Idle
        } else if self.landed {
            Load::ArmedGround
        } else {
            Load::Flying {
                speed: self.body.ground_speed(),
                climb: self.body.vel[2],
            }
        };
        self.battery.step(dt, load);

        // Auto-disarm after sitting armed on the ground.
        if self.armed && self.landed {
            let since = *self.landed_since.get_or_insert(env.now);
            let delay = env.params.f(P::DisarmDelay);
            if delay > 0.0 && env.now - since >= delay {
                self.disarm_now(env.out);
            }
        }
    }

    fn touchdown(&mut self, env: &mut Env) {
        self.landed = true;
        self.landed_since = Some(env.now);
        self.body.settle();
        let landing = matches!(self.nav, Nav::Land { .. });
        self.nav = Nav::Idle;
        if landing {
            env.out
                .text(MavSeverity::MAV_SEVERITY_INFO, "Land complete");
            self.disarm_now(env.out);
        }
        if self.mode == Mode::Auto && self.mission.goal == Goal::Landed {
            let seq = self.mission.current;
            self.item_reached(seq, env);
            self.mission_end(env);
        }
    }

    fn limits(&self, params: &Params) -> Limits {
        Limits {
            accel: (params.f(P::WpnavAccel) / 100.0).max(0.5),
            speed_up: (params.f(P::WpnavSpeedUp) / 100.0).max(0.1),
            speed_dn: (params.f(P::WpnavSpeedDn) / 100.0).max(0.1),
            angle_max: (params.f(P::AngleMax) / 100.0)
                .clamp(10.0, 80.0)
                .to_radians(),
        }
    }

    fn speed(&self, params: &Params) -> f64 {
        self.speed_override
            .unwrap_or(params.f(P::WpnavSpeed) / 100.0)
            .clamp(0.2, MAX_SPEED)
    }

    fn land_rate(&self, params: &Params) -> f64 {
        let high = params.f(P::LandSpeedHigh);
        let rate = if self.body.alt() > LAND_ALT_LOW {
            if high > 0.0 {
                high
            } else {
                params.f(P::WpnavSpeedDn)
            }
        } else {
            params.f(P::LandSpeed)
        };
        (rate / 100.0).max(0.1)
    }

    /// Altitude the aircraft is holding or heading for.
    fn target_alt(&self) -> f64 {
        match self.nav {
            Nav::Hold { alt, .. } => alt,
            Nav::Circle(c) => c.alt,
            Nav::Rtl(
                RtlPhase::Climb { alt, .. }
                | RtlPhase::Return { alt }
                | RtlPhase::Loiter { alt, .. },
            ) => alt,
            _ => self.body.alt(),
        }
    }

    fn hold_here(&mut self, params: &Params) {
        self.nav = if self.landed || !self.armed {
            Nav::Idle
        } else {
            Nav::Hold {
                target: self.body.stopping_point(self.limits(params).accel),
                alt: self.body.alt(),
            }
        };
    }

    fn start_rtl(&mut self, env: &mut Env) {
        if self.landed || !self.armed {
            self.nav = Nav::Idle;
            return;
        }
        let alt = (env.params.f(P::RtlAlt) / 100.0).max(self.body.alt());
        self.nav = Nav::Rtl(RtlPhase::Climb {
            at: self.body.stopping_point(self.limits(env.params).accel),
            alt,
        });
    }

    fn start_land(&mut self, target: [f64; 2], here: bool) {
        if self.landed || !self.armed {
            self.nav = Nav::Idle;
            return;
        }
        self.nav = Nav::Land {
            target,
            descending: here,
        };
    }

    /// Progresses the multi-phase behaviours (RTL, land approach, circle, velocity timeout).
    fn update_nav(&mut self, dt: f64, env: &Env) {
        let now = env.now;
        let alt = self.body.alt();
        let here = [self.body.pos[0], self.body.pos[1]];
        let near = |p: [f64; 2], d: f64| (p[0] - here[0]).hypot(p[1] - here[1]) < d;
        self.nav = match self.nav {
            Nav::Velocity { until, .. } if now > until => Nav::Hold {
                target: self.body.stopping_point(self.limits(env.params).accel),
                alt,
            },
            Nav::Rtl(RtlPhase::Climb { alt: a, .. }) if alt >= a - 0.5 => {
                Nav::Rtl(RtlPhase::Return { alt: a })
            }
            Nav::Rtl(RtlPhase::Return { alt: a }) if near(self.home, 1.0) => {
                let loiter = env.params.f(P::RtlLoitTime).max(0.0) / 1000.0;
                Nav::Rtl(RtlPhase::Loiter {
                    alt: a,
                    until: now + loiter,
                })
            }
            Nav::Rtl(RtlPhase::Loiter { until, .. }) if now >= until => Nav::Land {
                target: self.home,
                descending: true,
            },
            Nav::Land {
                target,
                descending: false,
            } if near(target, 1.0) => Nav::Land {
                target,
                descending: true,
            },
            Nav::Circle(mut c) => {
                if c.started {
                    let omega = self.speed(env.params) / c.radius;
                    c.angle += c.dir * omega * dt;
                    c.travelled += omega * dt;
                } else if near(c.point(c.angle), 1.5) && (alt - c.alt).abs() < 1.0 {
                    c.started = true;
                }
                Nav::Circle(c)
            }
            other => other,
        };
    }

    fn guidance(&self, params: &Params) -> (Guidance, Limits) {
        let mut lim = self.limits(params);
        let speed = self.speed(params);
        let mut g = Guidance {
            target: [self.body.pos[0], self.body.pos[1]],
            vel_ff: [0.0, 0.0],
            alt: self.body.alt(),
            climb: None,
            velocity: None,
            speed,
        };
        match self.nav {
            Nav::Idle => {}
            Nav::Hold { target, alt } => {
                g.target = target;
                g.alt = alt;
            }
            Nav::Velocity { v, .. } => {
                g.velocity = Some([v[0], v[1]]);
                g.climb = Some(v[2]);
                g.speed = v[0].hypot(v[1]).clamp(0.1, 20.0);
            }
            Nav::Circle(c) => {
                g.alt = c.alt;
                if c.started {
                    g.target = c.point(c.angle);
                    let t = c.angle + c.dir * std::f64::consts::FRAC_PI_2;
                    let v = speed.min(c.radius * 2.0);
                    g.vel_ff = [v * t.cos(), v * t.sin()];
                } else {
                    g.target = c.point(c.angle);
                }
            }
            Nav::Rtl(phase) => {
                let rtl_speed = params.f(P::RtlSpeed) / 100.0;
                if rtl_speed > 0.0 {
                    g.speed = rtl_speed.min(MAX_SPEED);
                }
                match phase {
                    RtlPhase::Climb { at, alt } => {
                        g.target = at;
                        g.alt = alt;
                    }
                    RtlPhase::Return { alt } | RtlPhase::Loiter { alt, .. } => {
                        g.target = self.home;
                        g.alt = alt;
                    }
                }
            }
            Nav::Land { target, descending } => {
                g.target = target;
                if descending {
                    let rate = self.land_rate(params);
                    lim.speed_dn = lim.speed_dn.max(rate);
                    g.climb = Some(-rate);
                }
            }
        }
        (g, lim)
    }
}
