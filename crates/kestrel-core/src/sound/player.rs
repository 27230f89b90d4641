//! Playing cues through GStreamer, off the caller's thread: [`Chime`] is the console's sound,
//! shared by the services that call the crew (the seat for call-outs, tasks, alerts). A cue is
//! played once ([`Chime::play`]) or held ([`Chime::hold`]): sounded at once and again at its
//! repeat interval until released, which is how a call-out keeps sounding until the pilot
//! acknowledges it. A new cue cuts short the one playing. A machine without a sound device
//! loses nothing but the sound: the failure is kept for the status bar, never a panic.

use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use gstreamer as gst;
use gstreamer::prelude::*;
use gstreamer_app as gst_app;

use super::cue::{Cue, RATE};

/// How the console sounds: on or off, how loud, and through which GStreamer sink.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(default)]
pub struct SoundSettings {
    /// Sounds on.
    pub enabled: bool,
    /// Loudness, 0..1.
    pub volume: f32,
    /// The GStreamer sink the cues play through (`autoaudiosink`, `pulsesink`,
    /// `alsasink device=hw:1` …).
    pub output: String,
}

impl Default for SoundSettings {
    fn default() -> Self {
        Self {
            enabled: true,
            volume: 0.7,
            output: "autoaudiosink".into(),
        }
    }
}

impl SoundSettings {
    /// Whether the settings can be used.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..=1.0).contains(&self.volume) {
            return Err(format!("the volume must be 0-1, not {}", self.volume));
        }
        if self.output.trim().is_empty() {
            return Err("no sound output named (e.g. autoaudiosink)".into());
        }
        if self.output.contains('!') {
            return Err("the sound output is one sink, not a pipeline".into());
        }
        Ok(())
    }
}

/// What the sound did so far.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ChimeStatus {
    /// Cues started.
    pub started: u64,
    /// Cues played to their end.
    pub finished: u64,
    /// The latest cue started.
    pub last: Option<Cue>,
    /// What is held (sounding until released), by key.
    pub held: Vec<(String, Cue)>,
    /// Why the latest cue could not play, if it could not.
    pub error: Option<String>,
}

struct Held {
    cue: Cue,
    next: Instant,
}

#[derive(Default)]
struct Shared {
    started: AtomicU64,
    finished: AtomicU64,
    last: Mutex<Option<Cue>>,
    error: Mutex<Option<String>>,
    /// The pipeline playing now, stopped when the next cue starts.
    playing: Mutex<Option<gst::Pipeline>>,
}

/// The console's sound. Cheap to clone; every clone is the same sound.
#[derive(Clone)]
pub struct Chime {
    settings: Arc<Mutex<SoundSettings>>,
    held: Arc<Mutex<BTreeMap<String, Held>>>,
    shared: Arc<Shared>,
}

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

impl Chime {
    /// A sound with `settings` (the defaults when they cannot be used).
    pub fn new(settings: SoundSettings) -> Self {
        let settings = if settings.validate().is_ok() {
            settings
        } else {
            SoundSettings::default()
        };
        Self {
            settings: Arc::new(Mutex::new(settings)),
            held: Default::default(),
            shared: Default::default(),
        }
    }

    /// The settings in use.
    pub fn settings(&self) -> SoundSettings {
        lock(&self.settings).clone()
    }

    /// Uses `settings` from now on (refused when they cannot be used).
    pub fn set_settings(&self, settings: SoundSettings) -> Result<(), String> {
        settings.validate()?;
        *lock(&self.settings) = settings;
        Ok(())
    }

    /// Plays `cue` once, now.
    pub fn play(&self, cue: Cue) {
        let settings = self.settings();
        if !settings.enabled {
            return;
        }
        self.shared.started.fetch_add(1, Ordering::Relaxed);
        *lock(&self.shared.last) = Some(cue);
        let shared = self.shared.clone();
        let spawned = std::thread::Builder::new()
            .name("kestrel-sound".into())
            .spawn(move || {
                if let Err(e) = play_to_end(&shared, cue, &settings) {
                    *lock(&shared.error) = Some(e);
                }
            });
        if let Err(e) = spawned {
            *lock(&self.shared.error) = Some(format!("cannot start the sound's thread: {e}"));
        }
    }

    /// Holds `cue` under `key`: sounded now and again at its repeat interval until released
    /// with `None`. Holding the same cue again changes nothing.
    pub fn hold(&self, key: &str, cue: Option<Cue>) {
        let start = {
            let mut held = lock(&self.held);
            match cue {
                None => {
                    held.remove(key);
                    None
                }
                Some(c) if held.get(key).is_some_and(|h| h.cue == c) => None,
                Some(c) => {
                    held.insert(
                        key.to_string(),
                        Held {
                            cue: c,
                            next: Instant::now() + c.repeat_every(),
                        },
                    );
                    Some(c)
                }
            }
        };
        if let Some(c) = start {
            self.play(c);
        }
    }

    /// Sounds again what is held and due: the most urgent first, one cue per call.
    pub fn tick(&self, now: Instant) {
        let due = {
            let mut held = lock(&self.held);
            let mut due: Option<(&String, &mut Held)> = None;
            for (k, h) in held.iter_mut() {
                if h.next <= now
                    && due
                        .as_ref()
                        .is_none_or(|(_, d)| urgency(h.cue) > urgency(d.cue))
                {
                    due = Some((k, h));
                }
            }
            due.map(|(_, h)| {
                h.next = now + h.cue.repeat_every();
                h.cue
            })
        };
        if let Some(c) = due {
            self.play(c);
        }
    }

    /// What the sound did so far.
    pub fn status(&self) -> ChimeStatus {
        ChimeStatus {
            started: self.shared.started.load(Ordering::Relaxed),
            finished: self.shared.finished.load(Ordering::Relaxed),
            last: *lock(&self.shared.last),
            held: lock(&self.held)
                .iter()
                .map(|(k, h)| (k.clone(), h.cue))
                .collect(),
            error: lock(&self.shared.error).clone(),
        }
    }

    /// Stops what is playing (the console is closing).
    pub fn stop(&self) {
        lock(&self.held).clear();
        if let Some(p) = lock(&self.shared.playing).take() {
            let _ = p.set_state(gst::State::Null);
        }
    }
}

fn urgency(c: Cue) -> u8 {
    match c {
        Cue::UrgentCallOut => 3,
        Cue::CallOut => 2,
        Cue::Alert => 1,
        Cue::Task => 0,
    }
}

/// Plays one cue through its own pipeline and waits for its end (or for the next cue to cut it
/// short).
fn play_to_end(shared: &Shared, cue: Cue, settings: &SoundSettings) -> Result<(), String> {
    crate::video::init().map_err(|e| e.to_string())?;
    let sink = gst::parse::bin_from_description(&settings.output, true)
        .map_err(|e| format!("sound output '{}': {e}", settings.output))?;
    let caps = gst::Caps::builder("audio/x-raw")
        .field("format", "S16LE")
        .field("rate", RATE as i32)
        .field("channels", 1i32)
        .field("layout", "interleaved")
        .build();
    let src = gst_app::AppSrc::builder()
        .caps(&caps)
        .format(gst::Format::Time)
        .build();
    let convert = gst::ElementFactory::make("audioconvert")
        .build()
        .map_err(|e| e.to_string())?;
    let resample = gst::ElementFactory::make("audioresample")
        .build()
        .map_err(|e| e.to_string())?;
    let pipeline = gst::Pipeline::with_name("kestrel-sound");
    pipeline
        .add_many([src.upcast_ref(), &convert, &resample, sink.upcast_ref()])
        .map_err(|e| e.to_string())?;
    gst::Element::link_many([src.upcast_ref(), &convert, &resample, sink.upcast_ref()])
        .map_err(|e| e.to_string())?;

    let samples = cue.samples(settings.volume);
    let bytes: Vec<u8> = samples.iter().flat_map(|s| s.to_le_bytes()).collect();
    let mut buffer = gst::Buffer::from_mut_slice(bytes);
    {
        let b = buffer.get_mut().expect("a new buffer is writable");
        b.set_pts(gst::ClockTime::ZERO);
        b.set_duration(gst::ClockTime::from_nseconds(cue.length().as_nanos() as u64));
    }
    src.push_buffer(buffer).map_err(|e| e.to_string())?;
    let _ = src.end_of_stream();

    if let Some(before) = lock(&shared.playing).replace(pipeline.clone()) {
        let _ = before.set_state(gst::State::Null);
    }
    let result = match pipeline.set_state(gst::State::Playing) {
        Err(_) => Err(format!(
            "no sound: the output '{}' did not start (is there a sound device?)",
            settings.output
        )),
        Ok(_) => wait_for_end(&pipeline, cue.length() + Duration::from_secs(3)),
    };
    let _ = pipeline.set_state(gst::State::Null);
    let mut playing = lock(&shared.playing);
    if playing.as_ref() == Some(&pipeline) {
        *playing = None;
    }
    if result.is_ok() {
        shared.finished.fetch_add(1, Ordering::Relaxed);
    }
    result
}

/// Waits for the end of the cue; an error or a stopped pipeline ends the wait too.
fn wait_for_end(pipeline: &gst::Pipeline, within: Duration) -> Result<(), String> {
    let bus = pipeline.bus().ok_or("the sound's pipeline has no bus")?;
    let msg = bus.timed_pop_filtered(
        gst::ClockTime::from_nseconds(within.as_nanos() as u64),
        &[gst::MessageType::Eos, gst::MessageType::Error],
    );
    match msg.as_ref().map(|m| m.view()) {
        Some(gst::MessageView::Eos(_)) => Ok(()),
        Some(gst::MessageView::Error(e)) => Err(format!("no sound: {}", e.error())),
        _ => Err("the cue was cut short".into()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quiet() -> Chime {
        Chime::new(SoundSettings {
            output: "fakesink sync=true".into(),
            ..Default::default()
        })
    }

    fn wait_finished(chime: &Chime, n: u64) -> ChimeStatus {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let s = chime.status();
            if s.finished >= n || Instant::now() > deadline {
                return s;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    #[test]
    fn a_cue_plays_through_a_real_pipeline_to_its_end_in_real_time() {
        let chime = quiet();
        let t = Instant::now();
        chime.play(Cue::Task);
        let s = wait_finished(&chime, 1);
        assert_eq!((s.started, s.finished, s.error), (1, 1, None));
        assert!(t.elapsed() >= Cue::Task.length(), "{:?}", t.elapsed());
    }

    #[test]
    fn a_held_cue_sounds_at_once_and_again_until_released() {
        let chime = quiet();
        chime.hold("call-outs", Some(Cue::CallOut));
        chime.hold("call-outs", Some(Cue::CallOut));
        assert_eq!(chime.status().started, 1, "holding again does not replay");
        let later = Instant::now() + Cue::CallOut.repeat_every();
        chime.tick(later);
        assert_eq!(chime.status().started, 2);
        chime.tick(later);
        assert_eq!(chime.status().started, 2, "not due again yet");
        chime.hold("call-outs", None);
        chime.tick(later + Duration::from_secs(60));
        assert_eq!(chime.status().started, 2);
        assert!(chime.status().held.is_empty());
    }

    #[test]
    fn a_missing_output_is_reported_and_muting_plays_nothing() {
        let chime = Chime::new(SoundSettings {
            output: "nosuchaudiosink".into(),
            ..Default::default()
        });
        chime.play(Cue::Alert);
        let deadline = Instant::now() + Duration::from_secs(10);
        while chime.status().error.is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let err = chime.status().error.unwrap();
        assert!(err.contains("nosuchaudiosink"), "{err}");
        let muted = quiet();
        muted
            .set_settings(SoundSettings {
                enabled: false,
                ..muted.settings()
            })
            .unwrap();
        muted.play(Cue::Alert);
        assert_eq!(muted.status().started, 0);
        assert!(muted
            .set_settings(SoundSettings {
                output: "a ! b".into(),
                ..Default::default()
            })
            .is_err());
    }
}
