//! `kestrel sound test`: plays a cue through the sound output and waits for its end, to check
//! the speaker before a shift (and that GStreamer can reach it).

use std::time::{Duration, Instant};

use crate::sound::{Chime, Cue, SoundSettings};

/// Arguments of `kestrel sound`.
#[derive(Debug, clap::Args)]
pub struct SoundArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: SoundAction,
}

/// The `kestrel sound` subcommands.
#[derive(Debug, clap::Subcommand)]
pub enum SoundAction {
    /// Play a cue: call-out, urgent-call-out, task or alert.
    Test {
        /// The cue.
        #[arg(default_value = "call-out")]
        cue: Cue,
        /// The GStreamer sink to play through.
        #[arg(long, default_value_t = SoundSettings::default().output)]
        output: String,
        /// Loudness, 0..1.
        #[arg(long, default_value_t = SoundSettings::default().volume)]
        volume: f32,
    },
}

/// Runs `kestrel sound`.
pub fn run(args: SoundArgs) -> anyhow::Result<()> {
    let SoundAction::Test {
        cue,
        output,
        volume,
    } = args.action;
    let settings = SoundSettings {
        enabled: true,
        volume,
        output,
    };
    settings.validate().map_err(anyhow::Error::msg)?;
    let chime = Chime::new(settings.clone());
    chime.play(cue);
    let deadline = Instant::now() + cue.length() + Duration::from_secs(5);
    loop {
        let s = chime.status();
        if s.finished > 0 {
            println!(
                "played {cue} ({:.1} s) through {}",
                cue.length().as_secs_f64(),
                settings.output
            );
            return Ok(());
        }
        if let Some(why) = s.error {
            anyhow::bail!("{why}");
        }
        if Instant::now() > deadline {
            anyhow::bail!(
                "the {cue} cue did not finish playing through {}",
                settings.output
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}
