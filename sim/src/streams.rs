//! Telemetry an aircraft streams on its own: which messages, how often (ArduCopter-like defaults,
//! changed by SET_MESSAGE_INTERVAL or the legacy REQUEST_DATA_STREAM), and how each is built from
//! a [`Telemetry`] view of the aircraft. Times are simulated seconds.

use mavlink::dialects::ardupilotmega::*;

/// A message the aircraft can stream or send on request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stream {
    /// HEARTBEAT, 1 Hz.
    Heartbeat,
    /// SYS_STATUS, 1 Hz.
    SysStatus,
    /// GLOBAL_POSITION_INT, 4 Hz.
    GlobalPositionInt,
    /// ATTITUDE, 4 Hz.
    Attitude,
    /// VFR_HUD, 4 Hz.
    VfrHud,
    /// GPS_RAW_INT, 1 Hz.
    GpsRawInt,
    /// BATTERY_STATUS, 1 Hz.
    BatteryStatus,
    /// HOME_POSITION, 0.2 Hz (once home is known).
    HomePosition,
    /// MISSION_CURRENT, 1 Hz.
    MissionCurrent,
    /// EXTENDED_SYS_STATE (landed state), 1 Hz.
    ExtendedSysState,
}

/// Every stream, in table order.
pub const ALL: [Stream; 10] = [
    Stream::Heartbeat,
    Stream::SysStatus,
    Stream::GlobalPositionInt,
    Stream::Attitude,
    Stream::VfrHud,
    Stream::GpsRawInt,
    Stream::BatteryStatus,
    Stream::HomePosition,
    Stream::MissionCurrent,
    Stream::ExtendedSysState,
];

impl Stream {
    /// MAVLink message id.
    pub fn msg_id(self) -> u32 {
        match self {
            Stream::Heartbeat => 0,
            Stream::SysStatus => 1,
            Stream::GlobalPositionInt => 33,
            Stream::Attitude => 30,
            Stream::VfrHud => 74,
            Stream::GpsRawInt => 24,
            Stream::BatteryStatus => 147,
            Stream::HomePosition => 242,
            Stream::MissionCurrent => 42,
            Stream::ExtendedSysState => 245,
        }
    }

    /// The stream carrying message `id`.
    pub fn from_msg_id(id: u32) -> Option<Self> {
        ALL.into_iter().find(|s| s.msg_id() == id)
    }

    /// Default interval, s.
    pub fn default_interval(self) -> f64 {
        match self {
            Stream::GlobalPositionInt | Stream::Attitude | Stream::VfrHud => 0.25,
            Stream::HomePosition => 5.0,
            _ => 1.0,
        }
    }

    /// Streams of a legacy MAV_DATA_STREAM group (as ArduPilot groups them).
    pub fn group(id: MavDataStream) -> &'static [Stream] {
        match id {
            MavDataStream::MAV_DATA_STREAM_ALL => &ALL,
            MavDataStream::MAV_DATA_STREAM_EXTENDED_STATUS => &[
                Stream::SysStatus,
                Stream::GpsRawInt,
                Stream::MissionCurrent,
                Stream::BatteryStatus,
                Stream::ExtendedSysState,
            ],
            MavDataStream::MAV_DATA_STREAM_POSITION => &[Stream::GlobalPositionInt],
            MavDataStream::MAV_DATA_STREAM_EXTRA1 => &[Stream::Attitude],
            MavDataStream::MAV_DATA_STREAM_EXTRA2 => &[Stream::VfrHud],
            _ => &[],
        }
    }
}

/// Interval and next due time of every stream of one aircraft.
#[derive(Clone, Debug)]
pub struct Streams {
    /// Interval per stream (s); 0 = disabled.
    interval: [f64; ALL.len()],
    next: [f64; ALL.len()],
}

impl Streams {
    /// Default rates, first sends offset by `phase` s so a fleet does not burst in step.
    pub fn new(phase: f64) -> Self {
        Self {
            interval: ALL.map(Stream::default_interval),
            next: ALL.map(|s| phase.rem_euclid(s.default_interval())),
        }
    }

    /// Applies SET_MESSAGE_INTERVAL: `us` -1 disables, 0 restores the default, > 0 sets it.
    /// Returns false for values that mean nothing.
    pub fn set_interval_us(&mut self, s: Stream, us: f32, now: f64) -> bool {
        let interval = if us == -1.0 {
            0.0
        } else if us == 0.0 {
            s.default_interval()
        } else if us > 0.0 && us.is_finite() {
            (f64::from(us) / 1e6).max(0.001)
        } else {
            return false;
        };
        self.set(s, interval, now);
        true
    }

    /// Applies REQUEST_DATA_STREAM for one stream: `hz` 0 or `start` false disables.
    pub fn set_rate_hz(&mut self, s: Stream, hz: u16, start: bool, now: f64) {
        let interval = if start && hz > 0 {
            1.0 / f64::from(hz)
        } else {
            0.0
        };
        // ArduPilot keeps the heartbeat at 1 Hz whatever the stream requests.
        if s != Stream::Heartbeat {
            self.set(s, interval, now);
        }
    }

    /// Present interval of `s`, s (0 = disabled).
    pub fn interval(&self, s: Stream) -> f64 {
        self.interval[s as usize]
    }

    fn set(&mut self, s: Stream, interval: f64, now: f64) {
        self.interval[s as usize] = interval;
        self.next[s as usize] = now + interval.min(0.02);
    }

    /// Calls `f` for every stream due at `now` and schedules its next send.
    pub fn due(&mut self, now: f64, mut f: impl FnMut(Stream)) {
        for (i, s) in ALL.into_iter().enumerate() {
            let interval = self.interval[i];
            if interval <= 0.0 || now < self.next[i] {
                continue;
            }
            f(s);
            self.next[i] += interval;
            if self.next[i] <= now {
                self.next[i] = now + interval;
            }
        }
    }
}

/// Snapshot of everything the streamed messages report.
#[derive(Clone, Debug, Default)]
pub struct Telemetry {
    /// Simulated ms since boot.
    pub time_boot_ms: u32,
    /// ArduCopter mode number.
    pub custom_mode: u32,
    /// HEARTBEAT base_mode.
    pub base_mode: u8,
    /// HEARTBEAT system_status.
    pub system_status: u8,
    /// Whether the position estimate is ready (else lat/lon are reported as 0).
    pub gps_ok: bool,
    /// Reported (noisy) position, degrees * 1e7.
    pub lat_e7: i32,
    /// Reported (noisy) position, degrees * 1e7.
    pub lon_e7: i32,
    /// Altitude above mean sea level, m.
    pub alt_amsl: f64,
    /// Altitude above home, m.
    pub rel_alt: f64,
    /// Ground velocity, m/s north, east, up.
    pub vel: [f64; 3],
    /// Heading, degrees 0..360.
    pub heading_deg: f64,
    /// Roll, pitch, yaw, rad.
    pub attitude: [f64; 3],
    /// Roll, pitch, yaw rates, rad/s.
    pub rates: [f64; 3],
    /// Airspeed, m/s.
    pub airspeed: f64,
    /// Throttle, %.
    pub throttle: u16,
    /// Battery voltage, V.
    pub voltage: f64,
    /// Battery current, A.
    pub current: f64,
    /// Remaining charge, %.
    pub remaining: f64,
    /// Charge used, mAh.
    pub consumed_mah: f64,
    /// Energy used, J.
    pub consumed_j: f64,
    /// Seconds of flight left at the present current.
    pub time_remaining_s: f64,
    /// Low-battery failsafe has triggered.
    pub battery_low: bool,
    /// Home (lat e7, lon e7, alt AMSL m, local north, east) once known.
    pub home: Option<(i32, i32, f64, f64, f64)>,
    /// Current mission item.
    pub mission_seq: u16,
    /// Number of mission items (including home).
    pub mission_count: u16,
    /// Mission progress.
    pub mission_state: u8,
    /// Whether the aircraft is in AUTO.
    pub in_auto: bool,
    /// Landed state.
    pub landed_state: u8,
    /// Fence enabled.
    pub fence_enabled: bool,
    /// Fence breached now.
    pub fence_breached: bool,
    /// Pre-arm checks pass.
    pub prearm_ok: bool,
}

/// Builds the message of stream `s` (None when there is nothing to report yet, e.g. home).
pub fn build(s: Stream, t: &Telemetry) -> Option<MavMessage> {
    let (lat, lon) = if t.gps_ok {
        (t.lat_e7, t.lon_e7)
    } else {
        (0, 0)
    };
    let cdeg = |deg: f64| ((deg.rem_euclid(360.0)) * 100.0).round() as u16 % 36000;
    Some(match s {
        Stream::Heartbeat => MavMessage::HEARTBEAT(HEARTBEAT_DATA {
            custom_mode: t.custom_mode,
            mavtype: MavType::MAV_TYPE_QUADROTOR,
            autopilot: MavAutopilot::MAV_AUTOPILOT_ARDUPILOTMEGA,
            base_mode: MavModeFlag::from_bits_retain(t.base_mode),
            system_status: num_state(t.system_status),
            mavlink_version: 3,
        }),
        Stream::SysStatus => {
            use mavlink::dialects::ardupilotmega::MavSysStatusSensor as S;
            let mut present = S::MAV_SYS_STATUS_SENSOR_3D_GYRO
                | S::MAV_SYS_STATUS_SENSOR_3D_ACCEL
                | S::MAV_SYS_STATUS_SENSOR_3D_MAG
                | S::MAV_SYS_STATUS_SENSOR_ABSOLUTE_PRESSURE
                | S::MAV_SYS_STATUS_SENSOR_GPS
                | S::MAV_SYS_STATUS_SENSOR_ANGULAR_RATE_CONTROL
                | S::MAV_SYS_STATUS_SENSOR_ATTITUDE_STABILIZATION
                | S::MAV_SYS_STATUS_SENSOR_YAW_POSITION
                | S::MAV_SYS_STATUS_SENSOR_Z_ALTITUDE_CONTROL
                | S::MAV_SYS_STATUS_SENSOR_XY_POSITION_CONTROL
                | S::MAV_SYS_STATUS_SENSOR_MOTOR_OUTPUTS
                | S::MAV_SYS_STATUS_AHRS
                | S::MAV_SYS_STATUS_SENSOR_BATTERY
                | S::MAV_SYS_STATUS_PREARM_CHECK;
            if t.fence_enabled {
                present |= S::MAV_SYS_STATUS_GEOFENCE;
            }
            let mut health = present;
            if !t.gps_ok {
                health -= S::MAV_SYS_STATUS_SENSOR_GPS | S::MAV_SYS_STATUS_AHRS;
            }
            if !t.prearm_ok {
                health -= S::MAV_SYS_STATUS_PREARM_CHECK;
            }
            if t.fence_breached {
                health -= S::MAV_SYS_STATUS_GEOFENCE;
            }
            if t.battery_low {
                health -= S::MAV_SYS_STATUS_SENSOR_BATTERY;
            }
            MavMessage::SYS_STATUS(SYS_STATUS_DATA {
                onboard_control_sensors_present: present,
                onboard_control_sensors_enabled: present,
                onboard_control_sensors_health: health,
                load: 250,
                voltage_battery: (t.voltage * 1000.0).round().clamp(0.0, 65534.0) as u16,
                current_battery: (t.current * 100.0).round().clamp(0.0, 32767.0) as i16,
                battery_remaining: t.remaining.round().clamp(0.0, 100.0) as i8,
                ..Default::default()
            })
        }
        Stream::GlobalPositionInt => MavMessage::GLOBAL_POSITION_INT(GLOBAL_POSITION_INT_DATA {
            time_boot_ms: t.time_boot_ms,
            lat,
            lon,
            alt: (t.alt_amsl * 1000.0).round() as i32,
            relative_alt: (t.rel_alt * 1000.0).round() as i32,
            vx: (t.vel[0] * 100.0).round() as i16,
            vy: (t.vel[1] * 100.0).round() as i16,
            vz: (-t.vel[2] * 100.0).round() as i16,
            hdg: cdeg(t.heading_deg),
        }),
        Stream::Attitude => MavMessage::ATTITUDE(ATTITUDE_DATA {
            time_boot_ms: t.time_boot_ms,
            roll: t.attitude[0] as f32,
            pitch: t.attitude[1] as f32,
            yaw: wrap_pi(t.attitude[2]) as f32,
            rollspeed: t.rates[0] as f32,
            pitchspeed: t.rates[1] as f32,
            yawspeed: t.rates[2] as f32,
        }),
        Stream::VfrHud => MavMessage::VFR_HUD(VFR_HUD_DATA {
            airspeed: t.airspeed as f32,
            groundspeed: t.vel[0].hypot(t.vel[1]) as f32,
            alt: t.alt_amsl as f32,
            climb: t.vel[2] as f32,
            heading: (t.heading_deg.rem_euclid(360.0)).round() as i16 % 360,
            throttle: t.throttle,
        }),
        Stream::GpsRawInt => MavMessage::GPS_RAW_INT(GPS_RAW_INT_DATA {
            time_usec: u64::from(t.time_boot_ms) * 1000,
            lat,
            lon,
            alt: if t.gps_ok {
                (t.alt_amsl * 1000.0).round() as i32
            } else {
                0
            },
            eph: if t.gps_ok { 121 } else { u16::MAX },
            epv: if t.gps_ok { 200 } else { u16::MAX },
            vel: (t.vel[0].hypot(t.vel[1]) * 100.0).round() as u16,
            cog: cdeg(t.vel[1].atan2(t.vel[0]).to_degrees()),
            fix_type: if t.gps_ok {
                GpsFixType::GPS_FIX_TYPE_3D_FIX
            } else {
                GpsFixType::GPS_FIX_TYPE_NO_GPS
            },
            satellites_visible: if t.gps_ok { 14 } else { 0 },
            alt_ellipsoid: 0,
            h_acc: if t.gps_ok { 700 } else { 0 },
            v_acc: if t.gps_ok { 1200 } else { 0 },
            vel_acc: if t.gps_ok { 150 } else { 0 },
            hdg_acc: 0,
            yaw: 0,
        }),
        Stream::BatteryStatus => {
            let mut voltages = [u16::MAX; 10];
            voltages[0] = (t.voltage * 1000.0).round().clamp(0.0, 65534.0) as u16;
            MavMessage::BATTERY_STATUS(BATTERY_STATUS_DATA {
                current_consumed: t.consumed_mah.round() as i32,
                energy_consumed: (t.consumed_j / 100.0).round() as i32,
                temperature: i16::MAX,
                voltages,
                current_battery: (t.current * 100.0).round().clamp(0.0, 32767.0) as i16,
                id: 0,
                battery_function: MavBatteryFunction::MAV_BATTERY_FUNCTION_ALL,
                mavtype: MavBatteryType::MAV_BATTERY_TYPE_LIPO,
                battery_remaining: t.remaining.round().clamp(0.0, 100.0) as i8,
                time_remaining: t.time_remaining_s.round() as i32,
                charge_state: if t.remaining <= 10.0 {
                    MavBatteryChargeState::MAV_BATTERY_CHARGE_STATE_CRITICAL
                } else if t.battery_low {
                    MavBatteryChargeState::MAV_BATTERY_CHARGE_STATE_LOW
                } else {
                    MavBatteryChargeState::MAV_BATTERY_CHARGE_STATE_OK
                },
                ..Default::default()
            })
        }
        Stream::HomePosition => {
            let (hlat, hlon, halt, hn, he) = t.home?;
            MavMessage::HOME_POSITION(HOME_POSITION_DATA {
                latitude: hlat,
                longitude: hlon,
                altitude: (halt * 1000.0).round() as i32,
                x: hn as f32,
                y: he as f32,
                z: 0.0,
                q: [1.0, 0.0, 0.0, 0.0],
                approach_x: 0.0,
                approach_y: 0.0,
                approach_z: 0.0,
                time_usec: u64::from(t.time_boot_ms) * 1000,
            })
        }
        Stream::MissionCurrent => {
            mission_current(t.mission_seq, t.mission_count, t.mission_state, t.in_auto)
        }
        Stream::ExtendedSysState => MavMessage::EXTENDED_SYS_STATE(EXTENDED_SYS_STATE_DATA {
            vtol_state: MavVtolState::MAV_VTOL_STATE_UNDEFINED,
            landed_state: match t.landed_state {
                1 => MavLandedState::MAV_LANDED_STATE_ON_GROUND,
                2 => MavLandedState::MAV_LANDED_STATE_IN_AIR,
                3 => MavLandedState::MAV_LANDED_STATE_TAKEOFF,
                4 => MavLandedState::MAV_LANDED_STATE_LANDING,
                _ => MavLandedState::MAV_LANDED_STATE_UNDEFINED,
            },
        }),
    })
}

/// MISSION_CURRENT for item `seq` of a mission of `count` items (home included), with the
/// MISSION_STATE number `state` (1 none, 2 not started, 3 active, 4 paused, 5 complete).
pub fn mission_current(seq: u16, count: u16, state: u8, in_auto: bool) -> MavMessage {
    MavMessage::MISSION_CURRENT(MISSION_CURRENT_DATA {
        seq,
        total: count.saturating_sub(1),
        mission_state: match state {
            1 => MissionState::MISSION_STATE_NO_MISSION,
            2 => MissionState::MISSION_STATE_NOT_STARTED,
            3 => MissionState::MISSION_STATE_ACTIVE,
            4 => MissionState::MISSION_STATE_PAUSED,
            5 => MissionState::MISSION_STATE_COMPLETE,
            _ => MissionState::MISSION_STATE_UNKNOWN,
        },
        mission_mode: u8::from(in_auto),
        ..Default::default()
    })
}

/// AUTOPILOT_VERSION as ArduCopter 4.7-dev reports its capabilities (sent on request).
pub fn autopilot_version(sysid: u8) -> MavMessage {
    use mavlink::dialects::ardupilotmega::MavProtocolCapability as C;
    MavMessage::AUTOPILOT_VERSION(AUTOPILOT_VERSION_DATA {
        capabilities: C::MAV_PROTOCOL_CAPABILITY_MISSION_FLOAT
            | C::MAV_PROTOCOL_CAPABILITY_MISSION_INT
            | C::MAV_PROTOCOL_CAPABILITY_COMMAND_INT
            | C::MAV_PROTOCOL_CAPABILITY_SET_POSITION_TARGET_GLOBAL_INT
            | C::MAV_PROTOCOL_CAPABILITY_MAVLINK2
            | C::MAV_PROTOCOL_CAPABILITY_MISSION_FENCE
            | C::MAV_PROTOCOL_CAPABILITY_MISSION_RALLY
            | C::MAV_PROTOCOL_CAPABILITY_PARAM_ENCODE_C_CAST,
        uid: 0x4b45_5354_0000_0000 | u64::from(sysid),
        // 4.7.0-dev: major.minor.patch.type (type 0 = dev)
        flight_sw_version: (4 << 24) | (7 << 16),
        middleware_sw_version: 0,
        os_sw_version: 0,
        board_version: 0,
        vendor_id: 0,
        product_id: 0,
        flight_custom_version: *b"kestrel\0",
        middleware_custom_version: [0; 8],
        os_custom_version: [0; 8],
        uid2: [0; 18],
    })
}

fn num_state(s: u8) -> MavState {
    match s {
        1 => MavState::MAV_STATE_BOOT,
        3 => MavState::MAV_STATE_STANDBY,
        4 => MavState::MAV_STATE_ACTIVE,
        5 => MavState::MAV_STATE_CRITICAL,
        6 => MavState::MAV_STATE_EMERGENCY,
        _ => MavState::MAV_STATE_UNINIT,
    }
}

fn wrap_pi(a: f64) -> f64 {
    (a + std::f64::consts::PI).rem_euclid(std::f64::consts::TAU) - std::f64::consts::PI
}

#[cfg(test)]
mod tests {
    use super::*;

    fn count(streams: &mut Streams, seconds: f64) -> [usize; ALL.len()] {
        let mut n = [0; ALL.len()];
        let mut t = 0.0;
        while t < seconds - 1e-9 {
            streams.due(t, |s| n[s as usize] += 1);
            t += 0.02;
        }
        n
    }

    #[test]
    fn default_rates() {
        let mut s = Streams::new(0.37);
        let n = count(&mut s, 10.0);
        assert_eq!(n[Stream::Heartbeat as usize], 10);
        assert_eq!(n[Stream::GlobalPositionInt as usize], 40);
        assert_eq!(n[Stream::HomePosition as usize], 2);
    }

    #[test]
    fn set_message_interval_changes_disables_and_restores() {
        let mut s = Streams::new(0.0);
        assert!(s.set_interval_us(Stream::GlobalPositionInt, 100_000.0, 0.0));
        assert!(s.set_interval_us(Stream::Attitude, -1.0, 0.0));
        assert!(!s.set_interval_us(Stream::VfrHud, -5.0, 0.0));
        let n = count(&mut s, 10.0);
        assert!((99..=101).contains(&n[Stream::GlobalPositionInt as usize]));
        assert_eq!(n[Stream::Attitude as usize], 0);
        assert!(s.set_interval_us(Stream::Attitude, 0.0, 0.0));
        assert_eq!(s.interval(Stream::Attitude), 0.25);
        assert_eq!(Stream::from_msg_id(33), Some(Stream::GlobalPositionInt));
        assert_eq!(Stream::from_msg_id(9999), None);
    }

    #[test]
    fn position_is_zero_until_gps_ok_and_home_waits() {
        let t = Telemetry {
            lat_e7: 364_560_000,
            lon_e7: 1_159_850_000,
            ..Default::default()
        };
        let Some(MavMessage::GLOBAL_POSITION_INT(p)) = build(Stream::GlobalPositionInt, &t) else {
            panic!()
        };
        assert_eq!((p.lat, p.lon), (0, 0));
        let Some(MavMessage::GPS_RAW_INT(g)) = build(Stream::GpsRawInt, &t) else {
            panic!()
        };
        assert_eq!(g.fix_type, GpsFixType::GPS_FIX_TYPE_NO_GPS);
        assert!(build(Stream::HomePosition, &t).is_none());
        let t = Telemetry { gps_ok: true, ..t };
        let Some(MavMessage::GLOBAL_POSITION_INT(p)) = build(Stream::GlobalPositionInt, &t) else {
            panic!()
        };
        assert_eq!(p.lat, 364_560_000);
        let Some(MavMessage::GPS_RAW_INT(g)) = build(Stream::GpsRawInt, &t) else {
            panic!()
        };
        assert_eq!(g.fix_type, GpsFixType::GPS_FIX_TYPE_3D_FIX);
        assert_eq!(g.satellites_visible, 14);
    }
}
