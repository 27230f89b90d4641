//! Kinematic point-mass multicopter in local metres (north, east, up) around the EKF origin: a
//! position controller with speed and acceleration limits, a constant wind that the controller
//! fights, yaw that follows the direction of travel, attitude derived from the acceleration the
//! airframe needs, and a slowly wandering GPS error for what the aircraft reports.

/// Gravity, m/s/s.
const G: f64 = 9.80665;
/// Vertical acceleration limit, m/s/s.
const ACCEL_Z: f64 = 2.5;
/// Linear drag used to turn airspeed into lean angle (1/s): ~10° lean at 5 m/s airspeed.
const DRAG: f64 = 0.35;
/// Fraction of the wind that leaks into ground speed while cruising (the controller's tracking
/// error): ground speed is "slightly affected".
const WIND_LEAK: f64 = 0.08;
/// Yaw rate limit, rad/s.
const YAW_RATE: f64 = std::f64::consts::FRAC_PI_2;
/// Position controller gain, 1/s.
const KP_XY: f64 = 1.0;
/// Altitude controller gain, 1/s.
const KP_Z: f64 = 1.0;

/// What the autopilot asks of the airframe for one step.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Guidance {
    /// Horizontal position to reach and hold, metres (north, east).
    pub target: [f64; 2],
    /// Velocity feed-forward (m/s north, east), e.g. along a circle.
    pub vel_ff: [f64; 2],
    /// Altitude above origin to reach and hold, m.
    pub alt: f64,
    /// Vertical speed to fly instead of holding `alt` (m/s, up positive), e.g. landing.
    pub climb: Option<f64>,
    /// Horizontal velocity to fly instead of going to `target` (m/s north, east).
    pub velocity: Option<[f64; 2]>,
    /// Horizontal speed limit, m/s.
    pub speed: f64,
}

/// Airframe limits, from parameters.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Limits {
    /// Horizontal acceleration, m/s/s.
    pub accel: f64,
    /// Climb speed, m/s.
    pub speed_up: f64,
    /// Descent speed, m/s (positive).
    pub speed_dn: f64,
    /// Maximum lean angle, rad.
    pub angle_max: f64,
}

/// Position, velocity and attitude of one aircraft.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Airframe {
    /// Metres north, east, up of the origin (up is above ground/home level).
    pub pos: [f64; 3],
    /// Ground velocity, m/s north, east, up.
    pub vel: [f64; 3],
    /// Velocity the controller commands (air-relative intent), m/s north, east.
    vel_cmd: [f64; 2],
    /// Heading, rad, 0 = north, clockwise positive, in [0, 2π).
    pub yaw: f64,
    /// Yaw rate, rad/s.
    pub yaw_rate: f64,
    /// Roll, rad (right wing down positive).
    pub roll: f64,
    /// Pitch, rad (nose up positive).
    pub pitch: f64,
    /// Wind velocity (where the air moves to), m/s north, east.
    pub wind: [f64; 2],
}

impl Airframe {
    /// An airframe on the ground at (north, east), facing north.
    pub fn on_ground(north: f64, east: f64) -> Self {
        Self {
            pos: [north, east, 0.0],
            ..Default::default()
        }
    }

    /// Sets the wind from a speed (m/s) and the direction it blows from (degrees).
    pub fn set_wind(&mut self, speed: f64, from_deg: f64) {
        let to = (from_deg + 180.0).to_radians();
        self.wind = [speed * to.cos(), speed * to.sin()];
    }

    /// Altitude above ground, m.
    pub fn alt(&self) -> f64 {
        self.pos[2]
    }

    /// Horizontal ground speed, m/s.
    pub fn ground_speed(&self) -> f64 {
        self.vel[0].hypot(self.vel[1])
    }

    /// Airspeed, m/s (ground velocity minus wind; zero on the ground).
    pub fn airspeed(&self) -> f64 {
        if self.pos[2] <= 0.0 {
            return 0.0;
        }
        (self.vel[0] - self.wind[0]).hypot(self.vel[1] - self.wind[1])
    }

    /// Horizontal distance to (north, east), m.
    pub fn distance_to(&self, ne: [f64; 2]) -> f64 {
        (ne[0] - self.pos[0]).hypot(ne[1] - self.pos[1])
    }

    /// Where the aircraft would stop if it braked now at `accel` (BRAKE mode, mode changes).
    pub fn stopping_point(&self, accel: f64) -> [f64; 2] {
        let v = self.ground_speed();
        if v < 0.01 {
            return [self.pos[0], self.pos[1]];
        }
        let d = v * v / (2.0 * accel.max(0.1));
        [
            self.pos[0] + self.vel[0] / v * d,
            self.pos[1] + self.vel[1] / v * d,
        ]
    }

    /// Advances `dt` seconds with motors running, flying `g` within `lim`.
    pub fn fly(&mut self, dt: f64, g: &Guidance, lim: &Limits) {
        // Horizontal: velocity command from the position error along a braking curve, plus
        // feed-forward, limited in speed and acceleration.
        let desired = match g.velocity {
            Some(v) => clamp_norm(v, g.speed),
            None => {
                let err = [g.target[0] - self.pos[0], g.target[1] - self.pos[1]];
                let dist = err[0].hypot(err[1]);
                let approach = if dist > 1e-6 {
                    let v = g
                        .speed
                        .min((2.0 * 0.8 * lim.accel * dist).sqrt())
                        .min(KP_XY * dist + 0.05);
                    [err[0] / dist * v, err[1] / dist * v]
                } else {
                    [0.0, 0.0]
                };
                let ff_speed = g.vel_ff[0].hypot(g.vel_ff[1]);
                clamp_norm(
                    [approach[0] + g.vel_ff[0], approach[1] + g.vel_ff[1]],
                    g.speed.max(ff_speed),
                )
            }
        };
        let dv = clamp_norm(
            [desired[0] - self.vel_cmd[0], desired[1] - self.vel_cmd[1]],
            lim.accel * dt,
        );
        let accel = [dv[0] / dt.max(1e-9), dv[1] / dt.max(1e-9)];
        self.vel_cmd = [self.vel_cmd[0] + dv[0], self.vel_cmd[1] + dv[1]];
        let cmd_speed = self.vel_cmd[0].hypot(self.vel_cmd[1]);
        let leak = WIND_LEAK * (cmd_speed / g.speed.max(0.5)).min(1.0);
        self.vel[0] = self.vel_cmd[0] + self.wind[0] * leak;
        self.vel[1] = self.vel_cmd[1] + self.wind[1] * leak;

        // Vertical: altitude hold along a braking curve, or a commanded rate.
        let vz_des = match g.climb {
            Some(rate) => rate,
            None => {
                let err = g.alt - self.pos[2];
                let v = (KP_Z * err.abs()).min((2.0 * ACCEL_Z * err.abs()).sqrt());
                v.copysign(err)
            }
        }
        .clamp(-lim.speed_dn, lim.speed_up);
        self.vel[2] += (vz_des - self.vel[2]).clamp(-ACCEL_Z * dt, ACCEL_Z * dt);

        for i in 0..3 {
            self.pos[i] += self.vel[i] * dt;
        }
        if self.pos[2] < 0.0 {
            self.pos[2] = 0.0;
            self.vel[2] = self.vel[2].max(0.0);
        }

        self.update_yaw(dt);
        self.update_attitude(accel, lim.angle_max);
    }

    /// Advances `dt` seconds with motors stopped: on the ground nothing moves; in the air the
    /// aircraft falls.
    pub fn coast(&mut self, dt: f64) {
        self.vel_cmd = [0.0, 0.0];
        if self.pos[2] <= 0.0 {
            self.pos[2] = 0.0;
            self.vel = [0.0; 3];
        } else {
            self.vel[2] -= G * dt;
            for i in 0..3 {
                self.pos[i] += self.vel[i] * dt;
            }
            if self.pos[2] <= 0.0 {
                self.pos[2] = 0.0;
                self.vel = [0.0; 3];
            }
        }
        self.yaw_rate = 0.0;
        self.roll = 0.0;
        self.pitch = 0.0;
    }

    /// Stops all motion on the ground (touchdown).
    pub fn settle(&mut self) {
        self.pos[2] = 0.0;
        self.vel = [0.0; 3];
        self.vel_cmd = [0.0; 2];
        self.roll = 0.0;
        self.pitch = 0.0;
        self.yaw_rate = 0.0;
    }

    fn update_yaw(&mut self, dt: f64) {
        let speed = self.vel_cmd[0].hypot(self.vel_cmd[1]);
        if speed < 1.0 {
            self.yaw_rate = 0.0;
            return;
        }
        let want = self.vel_cmd[1].atan2(self.vel_cmd[0]);
        let tau = std::f64::consts::TAU;
        let err = (want - self.yaw + std::f64::consts::PI).rem_euclid(tau) - std::f64::consts::PI;
        let step = err.clamp(-YAW_RATE * dt, YAW_RATE * dt);
        self.yaw = (self.yaw + step).rem_euclid(tau);
        self.yaw_rate = step / dt.max(1e-9);
    }

    fn update_attitude(&mut self, accel: [f64; 2], angle_max: f64) {
        // Horizontal force per unit mass the rotors must supply: acceleration plus drag of the
        // air-relative velocity (which is what makes a hovering copter lean into the wind).
        let air = [self.vel[0] - self.wind[0], self.vel[1] - self.wind[1]];
        let f = [accel[0] + DRAG * air[0], accel[1] + DRAG * air[1]];
        let (s, c) = self.yaw.sin_cos();
        let fwd = f[0] * c + f[1] * s;
        let right = -f[0] * s + f[1] * c;
        self.pitch = (-fwd / G).atan().clamp(-angle_max, angle_max);
        self.roll = (right / G).atan().clamp(-angle_max, angle_max);
    }
}

fn clamp_norm(v: [f64; 2], max: f64) -> [f64; 2] {
    let n = v[0].hypot(v[1]);
    if n > max && n > 0.0 {
        [v[0] / n * max, v[1] / n * max]
    } else {
        v
    }
}

/// Slowly wandering GPS position error (first-order Gauss-Markov per axis), metres.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct GpsNoise {
    /// Current error, metres north, east, up.
    pub err: [f64; 3],
}

/// Correlation time of the GPS error, s.
const GPS_TAU: f64 = 20.0;

impl GpsNoise {
    /// Advances the error by `dt` seconds with standard deviation `sigma` metres.
    pub fn step(&mut self, dt: f64, sigma: f64, rng: &mut fastrand::Rng) {
        let a = (-dt / GPS_TAU).exp();
        let b = sigma * (1.0 - a * a).sqrt();
        for (i, e) in self.err.iter_mut().enumerate() {
            let s = if i == 2 { b * 1.5 } else { b };
            *e = *e * a + s * gaussian(rng);
        }
    }
}

/// A standard normal sample (Box–Muller).
pub fn gaussian(rng: &mut fastrand::Rng) -> f64 {
    let u1 = rng.f64().max(1e-12);
    let u2 = rng.f64();
    (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            accel: 2.5,
            speed_up: 2.5,
            speed_dn: 1.5,
            angle_max: 0.5,
        }
    }

    fn goto(n: f64, e: f64, alt: f64) -> Guidance {
        Guidance {
            target: [n, e],
            vel_ff: [0.0, 0.0],
            alt,
            climb: None,
            velocity: None,
            speed: 5.0,
        }
    }

    #[test]
    fn reaches_waypoint_within_speed_and_accel_limits() {
        let mut a = Airframe::on_ground(0.0, 0.0);
        a.set_wind(3.0, 90.0);
        let g = goto(200.0, 100.0, 20.0);
        let dt = 0.02;
        let mut t = 0.0;
        let mut max_speed: f64 = 0.0;
        let mut prev = [0.0f64; 2];
        let mut max_acc: f64 = 0.0;
        let mut cruise_yaw = None;
        while t < 120.0 {
            a.fly(dt, &g, &limits());
            max_speed = max_speed.max(a.ground_speed());
            let acc = (a.vel[0] - prev[0]).hypot(a.vel[1] - prev[1]) / dt;
            max_acc = max_acc.max(acc);
            prev = [a.vel[0], a.vel[1]];
            t += dt;
            if cruise_yaw.is_none() && a.distance_to([200.0, 100.0]) < 100.0 {
                cruise_yaw = Some(a.yaw);
            }
            if a.distance_to([200.0, 100.0]) < 0.5 && (a.alt() - 20.0).abs() < 0.3 {
                break;
            }
        }
        // 224 m at 5 m/s is ~45 s plus acceleration and braking.
        assert!(t > 44.0 && t < 60.0, "took {t}");
        // wind leaks a little into the ground speed
        assert!(max_speed <= 5.0 * (1.0 + WIND_LEAK * 0.7), "{max_speed}");
        assert!(max_speed > 4.8, "{max_speed}");
        assert!(max_acc < 2.5 * 1.3 + 1.0, "{max_acc}");
        // heading follows the direction of travel while cruising
        let brg = 100f64.atan2(200.0);
        let yaw = cruise_yaw.unwrap();
        assert!((yaw - brg).abs() < 0.1, "yaw {yaw} vs {brg}");
    }

    #[test]
    fn hover_holds_position_in_wind_and_leans_into_it() {
        let mut a = Airframe::on_ground(0.0, 0.0);
        a.set_wind(4.0, 0.0); // from the north, blowing south
        let g = goto(0.0, 0.0, 10.0);
        for _ in 0..3000 {
            a.fly(0.02, &g, &limits());
        }
        assert!(a.distance_to([0.0, 0.0]) < 0.1);
        assert!((a.alt() - 10.0).abs() < 0.05);
        // facing north, wind from the north: nose down into it
        assert!(a.pitch < -0.05, "pitch {}", a.pitch);
    }

    #[test]
    fn climb_and_descent_rates_are_limited() {
        let mut a = Airframe::on_ground(0.0, 0.0);
        let mut g = goto(0.0, 0.0, 100.0);
        for _ in 0..500 {
            a.fly(0.02, &g, &limits());
        }
        assert!((a.vel[2] - 2.5).abs() < 1e-6);
        g.climb = Some(-10.0);
        for _ in 0..500 {
            a.fly(0.02, &g, &limits());
        }
        assert!((a.vel[2] + 1.5).abs() < 1e-6);
    }

    #[test]
    fn falls_when_motors_stop() {
        let mut a = Airframe::on_ground(0.0, 0.0);
        a.pos[2] = 20.0;
        let mut t = 0.0;
        while a.alt() > 0.0 {
            a.coast(0.01);
            t += 0.01;
        }
        assert!((t - (2.0 * 20.0 / G).sqrt()).abs() < 0.05, "{t}");
        assert_eq!(a.vel, [0.0; 3]);
    }

    #[test]
    fn gps_noise_is_bounded_and_smooth() {
        let mut n = GpsNoise::default();
        let mut rng = fastrand::Rng::with_seed(3);
        let mut sum2 = 0.0;
        let mut max_jump: f64 = 0.0;
        let steps = 200_000;
        for _ in 0..steps {
            let before = n.err[0];
            n.step(0.02, 0.5, &mut rng);
            max_jump = max_jump.max((n.err[0] - before).abs());
            sum2 += n.err[0] * n.err[0];
        }
        let sd = (sum2 / steps as f64).sqrt();
        assert!(sd > 0.3 && sd < 0.7, "sd {sd}");
        assert!(max_jump < 0.15, "jump {max_jump}");
    }
}
