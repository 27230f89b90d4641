//! Mission execution in AUTO: starting or resuming the mission, running DO items (DO_JUMP,
//! DO_CHANGE_SPEED, DO_SET_HOME) on the way to the next nav item, turning each nav item into a
//! flight behaviour with a completion goal, and the end-of-mission hold.

use mavlink::dialects::ardupilotmega::{MavMessage, MISSION_ITEM_REACHED_DATA};

use super::*;

impl Autopilot {
    pub(super) fn first_nav_is_takeoff(&self, store: &MissionStore) -> bool {
        store
            .mission
            .iter()
            .skip(1)
            .find(|i| mission::is_nav(i.command))
            .is_some_and(|i| i.command == MavCmd::MAV_CMD_NAV_TAKEOFF)
    }

    pub(super) fn mission_start_or_resume(&mut self, env: &mut Env) {
        let n = env.store.mission.len();
        if n <= 1 {
            self.mission_end(env);
            return;
        }
        let cur = usize::from(self.mission.current);
        let resume = self.mission.state != MissionState::Complete && (1..n).contains(&cur);
        if !resume || self.mission.jumps.len() != n {
            self.mission.jumps = vec![0; n];
        }
        let seq = if resume { self.mission.current } else { 1 };
        self.mission.state = MissionState::Active;
        self.start_item(seq, env);
    }

    /// Starts mission item `seq`, running DO items on the way to the next nav item.
    pub(super) fn start_item(&mut self, mut seq: u16, env: &mut Env) {
        let store: &MissionStore = env.store;
        let items = &store.mission;
        let mut guard = 0;
        loop {
            guard += 1;
            let Some(it) = items.get(usize::from(seq)) else {
                self.mission_end(env);
                return;
            };
            if guard > items.len() + 1 {
                // Only DO items left in a jump loop: nothing to fly.
                self.mission_end(env);
                return;
            }
            if !self.armed {
                self.mission.current = seq;
                self.mission.state = MissionState::Paused;
                return;
            }
            match it.command {
                MavCmd::MAV_CMD_DO_JUMP => {
                    let target = it.param1.max(0.0) as u16;
                    let repeat = it.param2 as i16;
                    let i = usize::from(seq);
                    let done = self.mission.jumps.get(i).copied().unwrap_or(0);
                    if repeat < 0 || done < repeat {
                        if let Some(d) = self.mission.jumps.get_mut(i) {
                            *d = d.saturating_add(1);
                        }
                        env.out.text(
                            MavSeverity::MAV_SEVERITY_INFO,
                            &format!("Mission: {seq} Jump to {target}"),
                        );
                        seq = target.max(1);
                    } else {
                        seq += 1;
                    }
                }
                MavCmd::MAV_CMD_DO_CHANGE_SPEED => {
                    if self.set_speed(f64::from(it.param2)) {
                        env.out.text(
                            MavSeverity::MAV_SEVERITY_INFO,
                            &format!("Mission: {seq} ChangeSpeed {:.1}", it.param2),
                        );
                    }
                    seq += 1;
                }
                MavCmd::MAV_CMD_DO_SET_HOME => {
                    if it.param1 >= 1.0 {
                        self.set_home([self.body.pos[0], self.body.pos[1]]);
                    } else if let Some((target, _)) = self.item_position(it) {
                        self.set_home(target);
                    }
                    seq += 1;
                }
                cmd if !mission::is_nav(cmd) => seq += 1,
                _ => {
                    let it = it.clone();
                    self.start_nav(seq, &it, env);
                    return;
                }
            }
        }
    }

    /// Position (north, east) and altitude above home of a global item; lat/lon 0 means "here"
    /// and altitude 0 "the present altitude", as in ArduCopter.
    pub(super) fn item_position(&self, it: &Item) -> Option<([f64; 2], f64)> {
        let f = mission::frame_of(it);
        if !frame::is_global(f) {
            return None;
        }
        let target = if it.x == 0 && it.y == 0 {
            [self.body.pos[0], self.body.pos[1]]
        } else {
            let (n, e) = self.origin.to_local_e7(it.x, it.y);
            [n, e]
        };
        let z = f64::from(it.z);
        let alt = if z == 0.0 || !z.is_finite() {
            self.body.alt()
        } else if frame::is_amsl(f) {
            z - HOME_ALT_AMSL_M
        } else {
            z
        };
        Some((target, alt))
    }

    pub(super) fn start_nav(&mut self, seq: u16, it: &Item, env: &mut Env) {
        self.mission.current = seq;
        let here = [self.body.pos[0], self.body.pos[1]];
        let (target, alt) = self.item_position(it).unwrap_or((here, self.body.alt()));
        let p1 = f64::from(it.param1);
        let name;
        (self.nav, self.mission.goal) = match it.command {
            MavCmd::MAV_CMD_NAV_TAKEOFF => {
                name = "Takeoff";
                let alt = if it.z > 0.0 { alt } else { 1.0 }.max(1.0);
                let target = if self.landed { here } else { target };
                (Nav::Hold { target, alt }, Goal::Altitude(alt))
            }
            MavCmd::MAV_CMD_NAV_LOITER_TIME => {
                name = "LoitTime";
                (
                    Nav::Hold { target, alt },
                    Goal::Reach {
                        target,
                        alt,
                        hold: p1.max(0.0),
                        reached_at: None,
                    },
                )
            }
            MavCmd::MAV_CMD_NAV_LOITER_UNLIM => {
                name = "LoitUnlim";
                (Nav::Hold { target, alt }, Goal::Forever)
            }
            MavCmd::MAV_CMD_NAV_DELAY => {
                name = "Delay";
                (
                    Nav::Hold {
                        target: here,
                        alt: self.body.alt(),
                    },
                    Goal::Until(env.now + p1.max(0.0)),
                )
            }
            MavCmd::MAV_CMD_NAV_LOITER_TURNS => {
                name = "LoitTurns";
                let r = f64::from(it.param3);
                let radius = if r.abs() >= 0.5 {
                    r.abs()
                } else {
                    DEFAULT_CIRCLE_RADIUS
                };
                let angle = (here[1] - target[1]).atan2(here[0] - target[0]);
                let c = Circle {
                    center: target,
                    radius,
                    alt,
                    dir: if r < 0.0 { -1.0 } else { 1.0 },
                    angle,
                    travelled: 0.0,
                    total: p1.max(0.0) * std::f64::consts::TAU,
                    started: false,
                };
                (Nav::Circle(c), Goal::Turns)
            }
            MavCmd::MAV_CMD_NAV_RETURN_TO_LAUNCH => {
                name = "RTL";
                self.start_rtl(env);
                (self.nav, Goal::Landed)
            }
            MavCmd::MAV_CMD_NAV_LAND => {
                name = "Land";
                let given = it.x != 0 || it.y != 0;
                self.start_land(if given { target } else { here }, !given);
                (self.nav, Goal::Landed)
            }
            _ => {
                name = "WP";
                (
                    Nav::Hold { target, alt },
                    Goal::Reach {
                        target,
                        alt,
                        hold: p1.max(0.0),
                        reached_at: None,
                    },
                )
            }
        };
        env.out.text(
            MavSeverity::MAV_SEVERITY_INFO,
            &format!("Mission: {seq} {name}"),
        );
        self.send_mission_current(env);
    }

    pub(super) fn check_mission_goal(&mut self, env: &mut Env) {
        let seq = self.mission.current;
        let radius = (env.params.f(P::WpnavRadius) / 100.0).max(0.5);
        let done = match self.mission.goal {
            Goal::None | Goal::Forever | Goal::Landed => false,
            Goal::Reach {
                target,
                alt,
                hold,
                reached_at,
            } => {
                let reached_at = reached_at.or_else(|| {
                    let arrived = self.body.distance_to(target) <= radius
                        && (self.body.alt() - alt).abs() <= 1.0;
                    arrived.then(|| {
                        // ArduCopter reports arrival at once, then holds.
                        self.item_reached(seq, env);
                        env.now
                    })
                });
                self.mission.goal = Goal::Reach {
                    target,
                    alt,
                    hold,
                    reached_at,
                };
                reached_at.is_some_and(|t| env.now - t >= hold)
            }
            Goal::Altitude(alt) => self.body.alt() >= alt - 0.3,
            Goal::Turns => {
                matches!(self.nav, Nav::Circle(c) if c.started && c.travelled >= c.total)
            }
            Goal::Until(t) => env.now >= t,
        };
        if done {
            if !matches!(self.mission.goal, Goal::Reach { .. }) {
                self.item_reached(seq, env);
            }
            self.start_item(seq + 1, env);
        }
    }

    pub(super) fn item_reached(&self, seq: u16, env: &mut Env) {
        env.out.text(
            MavSeverity::MAV_SEVERITY_INFO,
            &format!("Reached command #{seq}"),
        );
        env.out.broadcast(MavMessage::MISSION_ITEM_REACHED(
            MISSION_ITEM_REACHED_DATA { seq },
        ));
    }

    /// End of mission: hold at the last waypoint in LOITER (or disarm if on the ground).
    pub(super) fn mission_end(&mut self, env: &mut Env) {
        self.mission.state = if env.store.mission.len() > 1 {
            MissionState::Complete
        } else {
            MissionState::NoMission
        };
        self.mission.goal = Goal::None;
        self.send_mission_current(env);
        if self.mode != Mode::Auto {
            return;
        }
        if !self.landed && self.armed {
            env.out
                .text(MavSeverity::MAV_SEVERITY_INFO, "Mission complete, LOITER");
            let hold = match self.nav {
                Nav::Hold { target, alt } => Nav::Hold { target, alt },
                _ => Nav::Hold {
                    target: self.body.stopping_point(self.limits(env.params).accel),
                    alt: self.body.alt(),
                },
            };
            self.mode = Mode::Loiter;
            self.nav = hold;
            env.out.text(MavSeverity::MAV_SEVERITY_INFO, "Mode LOITER");
        } else if self.armed {
            self.disarm_now(env.out);
        }
    }

    pub(super) fn send_mission_current(&self, env: &mut Env) {
        env.out.broadcast(crate::streams::mission_current(
            self.mission.current,
            env.store.mission.len() as u16,
            self.mission.state as u8,
            self.mode == Mode::Auto,
        ));
    }
}
