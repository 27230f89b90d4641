//! A 4S LiPo: current drawn by flight state, charge used, and a loaded voltage that falls from
//! ~16.8 V full to ~14 V at 20 % and faster below. Sized so a full pack gives about 25 minutes of
//! typical patrol flight (hover and cruise).

/// What the aircraft is doing, which sets the current it draws.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Load {
    /// Disarmed: flight controller, GPS, radio.
    Idle,
    /// Armed on the ground, motors at idle.
    ArmedGround,
    /// Flying with this horizontal speed and climb rate (m/s).
    Flying {
        /// Horizontal speed, m/s.
        speed: f64,
        /// Vertical speed, m/s (up positive).
        climb: f64,
    },
}

/// Internal resistance, ohm (voltage sag under load).
const R_INTERNAL: f64 = 0.02;

/// Battery state of one aircraft.
#[derive(Clone, Debug, PartialEq)]
pub struct Battery {
    /// Charge used since full, mAh.
    pub consumed_mah: f64,
    /// Energy used since full, joules.
    pub consumed_j: f64,
    /// Present current, A.
    pub current_a: f64,
    /// Present terminal voltage, V.
    pub voltage: f64,
    /// Pack capacity, mAh.
    capacity_mah: f64,
}

impl Battery {
    /// A full pack of `capacity_mah`.
    pub fn new(capacity_mah: f64) -> Self {
        let mut b = Self {
            consumed_mah: 0.0,
            consumed_j: 0.0,
            current_a: 0.0,
            voltage: 0.0,
            capacity_mah: capacity_mah.max(1.0),
        };
        b.voltage = b.resting_voltage();
        b
    }

    /// Current drawn for `load`, A: ~12.5 A in typical flight (5.2 Ah / 12.5 A ≈ 25 min).
    pub fn current_for(load: Load) -> f64 {
        match load {
            Load::Idle => 0.4,
            Load::ArmedGround => 3.0,
            Load::Flying { speed, climb } => {
                11.8 + 0.15 * speed.abs().min(15.0) + 1.5 * climb.max(0.0) - 0.5 * (-climb).max(0.0)
            }
        }
    }

    /// Changes the capacity (BATT_CAPACITY), keeping the charge used.
    pub fn set_capacity(&mut self, capacity_mah: f64) {
        self.capacity_mah = capacity_mah.max(1.0);
    }

    /// Advances `dt` seconds under `load`.
    pub fn step(&mut self, dt: f64, load: Load) {
        self.current_a = Self::current_for(load);
        self.consumed_mah += self.current_a * dt / 3.6;
        self.voltage = (self.resting_voltage() - self.current_a * R_INTERNAL).max(0.0);
        self.consumed_j += self.voltage * self.current_a * dt;
    }

    /// Remaining charge, 0..=100 %.
    pub fn remaining_pct(&self) -> f64 {
        (100.0 * (1.0 - self.consumed_mah / self.capacity_mah)).clamp(0.0, 100.0)
    }

    /// Sets the remaining charge (test hook for the low-battery failsafe).
    pub fn set_remaining_pct(&mut self, pct: f64) {
        let pct = pct.clamp(0.0, 100.0);
        self.consumed_mah = self.capacity_mah * (1.0 - pct / 100.0);
        self.voltage = (self.resting_voltage() - self.current_a * R_INTERNAL).max(0.0);
    }

    /// Remaining capacity, mAh.
    pub fn remaining_mah(&self) -> f64 {
        (self.capacity_mah - self.consumed_mah).max(0.0)
    }

    /// Seconds of charge left at the present current.
    pub fn time_remaining_s(&self) -> f64 {
        self.remaining_mah() * 3.6 / self.current_a.max(0.1)
    }

    /// Open-circuit voltage for the present state of charge: 16.8 V full, 14.25 V at 20 %
    /// (≈14.0 V loaded in flight), 13.2 V empty.
    fn resting_voltage(&self) -> f64 {
        let soc = self.remaining_pct() / 100.0;
        if soc >= 0.2 {
            14.25 + (soc - 0.2) / 0.8 * 2.55
        } else {
            13.2 + soc / 0.2 * 1.05
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cruise() -> Load {
        Load::Flying {
            speed: 5.0,
            climb: 0.0,
        }
    }

    #[test]
    fn full_to_empty_in_about_25_minutes_of_flight() {
        let mut b = Battery::new(5200.0);
        assert!((b.voltage - 16.8).abs() < 0.01);
        let mut t = 0.0;
        while b.remaining_pct() > 0.0 {
            b.step(0.1, cruise());
            t += 0.1;
        }
        let minutes = t / 60.0;
        assert!((23.0..27.0).contains(&minutes), "{minutes} min");
    }

    #[test]
    fn voltage_is_about_14_at_20_percent_and_drops_below() {
        let mut b = Battery::new(5200.0);
        b.set_remaining_pct(20.0);
        b.step(0.01, cruise());
        assert!((b.voltage - 14.0).abs() < 0.1, "{}", b.voltage);
        b.set_remaining_pct(5.0);
        b.step(0.01, cruise());
        assert!(b.voltage < 13.6, "{}", b.voltage);
    }

    #[test]
    fn drain_depends_on_state() {
        let mut idle = Battery::new(5200.0);
        let mut fly = Battery::new(5200.0);
        for _ in 0..600 {
            idle.step(0.1, Load::Idle);
            fly.step(0.1, cruise());
        }
        // one minute: flight uses ~4 % of 5.2 Ah, idle almost nothing
        assert!(
            fly.remaining_pct() < 96.5 && fly.remaining_pct() > 95.5,
            "{}",
            fly.remaining_pct()
        );
        assert!(idle.remaining_pct() > 99.8);
        assert!(
            (fly.consumed_mah - 12.55 * 1000.0 / 60.0).abs() < 5.0,
            "{}",
            fly.consumed_mah
        );
        assert!(fly.consumed_j > 0.0);
    }
}
