//! The cues: short tone patterns, each its own so the crew knows what it is without looking —
//! rising beeps for an observer's call-out, faster and higher for an urgent one ("land now",
//! "lost visual"), a two-tone chime for a new task from dispatch, low double beeps for an
//! alert. Synthesised here as PCM, so nothing depends on sound files being installed.

use std::time::Duration;

/// Sample rate of the cues, Hz.
pub const RATE: u32 = 48_000;

/// One kind of sound.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Cue {
    /// An observer's or payload operator's call-out waits for the pilot.
    CallOut,
    /// An urgent call-out (land now, lost visual).
    UrgentCallOut,
    /// A new task from dispatch waits for the crew's answer.
    Task,
    /// A warning or critical alert waits to be acknowledged.
    Alert,
}

impl Cue {
    /// Every cue.
    pub const ALL: [Cue; 4] = [Cue::CallOut, Cue::UrgentCallOut, Cue::Task, Cue::Alert];

    /// Its name on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Cue::CallOut => "call-out",
            Cue::UrgentCallOut => "urgent-call-out",
            Cue::Task => "task",
            Cue::Alert => "alert",
        }
    }

    /// The tones: (frequency in Hz, or 0 for silence; length in ms).
    fn tones(self) -> &'static [(f32, u32)] {
        match self {
            Cue::CallOut => &[
                (880.0, 120),
                (0.0, 60),
                (1100.0, 120),
                (0.0, 60),
                (1320.0, 160),
            ],
            Cue::UrgentCallOut => &[
                (1320.0, 90),
                (0.0, 40),
                (1320.0, 90),
                (0.0, 40),
                (1320.0, 90),
                (0.0, 40),
                (1760.0, 200),
            ],
            Cue::Task => &[(660.0, 200), (0.0, 40), (990.0, 260)],
            Cue::Alert => &[(440.0, 250), (0.0, 120), (440.0, 250)],
        }
    }

    /// How often it sounds again while what it calls for is not answered.
    pub fn repeat_every(self) -> Duration {
        match self {
            Cue::CallOut => Duration::from_secs(4),
            Cue::UrgentCallOut => Duration::from_secs(3),
            Cue::Task => Duration::from_secs(20),
            Cue::Alert => Duration::from_secs(10),
        }
    }

    /// How long it lasts.
    pub fn length(self) -> Duration {
        Duration::from_millis(self.tones().iter().map(|(_, ms)| u64::from(*ms)).sum())
    }

    /// The cue as 16-bit mono samples at [`RATE`], at `volume` (0..1). Each tone fades in and
    /// out over 5 ms so it does not click.
    pub fn samples(self, volume: f32) -> Vec<i16> {
        let amplitude = f32::from(i16::MAX) * volume.clamp(0.0, 1.0) * 0.8;
        let fade = (RATE / 200) as usize;
        let mut out = Vec::new();
        for &(freq, ms) in self.tones() {
            let n = (RATE * ms / 1000) as usize;
            for i in 0..n {
                if freq == 0.0 {
                    out.push(0);
                    continue;
                }
                let edge = i.min(n - 1 - i).min(fade) as f32 / fade as f32;
                let t = i as f32 / RATE as f32;
                let s = (std::f32::consts::TAU * freq * t).sin() * amplitude * edge;
                out.push(s as i16);
            }
        }
        out
    }
}

impl std::fmt::Display for Cue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for Cue {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        Cue::ALL.into_iter().find(|c| c.name() == s).ok_or_else(|| {
            let names: Vec<&str> = Cue::ALL.iter().map(|c| c.name()).collect();
            format!("'{s}' is not a sound; the sounds are {}", names.join(", "))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_cue_is_as_long_as_its_tones_audible_and_starts_and_ends_silent() {
        for cue in Cue::ALL {
            let s = cue.samples(1.0);
            let want = (cue.length().as_secs_f64() * f64::from(RATE)).round() as usize;
            assert!(s.len().abs_diff(want) <= cue.tones().len(), "{cue}");
            let loudest = s.iter().map(|x| x.unsigned_abs()).max().unwrap();
            assert!(loudest > 20_000, "{cue}: {loudest}");
            assert!(
                s[0].unsigned_abs() < 200 && s[s.len() - 1].unsigned_abs() < 200,
                "{cue}"
            );
        }
        assert!(Cue::Task.samples(0.0).iter().all(|x| *x == 0));
    }

    #[test]
    fn cues_differ_from_each_other_and_names_parse_back() {
        for a in Cue::ALL {
            assert_eq!(a.name().parse::<Cue>(), Ok(a));
            for b in Cue::ALL {
                if a != b {
                    assert_ne!(a.tones(), b.tones());
                }
            }
        }
        assert!("siren".parse::<Cue>().unwrap_err().contains("call-out"));
    }
}
