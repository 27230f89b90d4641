//! Two pieces the recorder, the relay and dispatch's ingest share: hanging a branch on a
//! running pipeline's `rec` tee, and playing a pipeline of their own until it fails or ends.

use gstreamer as gst;
use gstreamer::prelude::*;
use tokio::sync::{mpsc, watch};

/// Adds `bin` next to `tee` (which may sit inside a decoding bin), brings it to the pipeline's
/// state and requests the tee pad for it. `what` names the branch in errors.
pub fn hang_on_tee(
    pipeline: &gst::Pipeline,
    tee: &gst::Element,
    bin: &gst::Bin,
    what: &str,
) -> Result<(gst::Bin, gst::Pad), String> {
    let parent = tee
        .parent()
        .and_then(|p| p.downcast::<gst::Bin>().ok())
        .unwrap_or_else(|| pipeline.clone().upcast());
    parent.add(bin).map_err(|e| e.to_string())?;
    bin.sync_state_with_parent().map_err(|e| e.to_string())?;
    let tee_pad = tee
        .request_pad_simple("src_%u")
        .ok_or_else(|| format!("the tee refused a {what}"))?;
    Ok((parent, tee_pad))
}

/// Plays `pipeline` until it posts an error or ends (`Err` with the reason; `ended` says what an
/// end means) or `stop` changes (`Ok`); `on_playing` runs once it plays. Then stops it off the
/// async threads.
pub async fn play_until_stopped(
    pipeline: gst::Pipeline,
    stop: &mut watch::Receiver<bool>,
    ended: &'static str,
    cannot_start: String,
    on_playing: impl FnOnce(),
) -> Result<(), String> {
    let (bus_tx, mut bus_rx) = mpsc::unbounded_channel::<String>();
    if let Some(bus) = pipeline.bus() {
        bus.set_sync_handler(move |_, msg| {
            match msg.view() {
                gst::MessageView::Error(e) => {
                    let _ = bus_tx.send(e.error().to_string());
                }
                gst::MessageView::Eos(_) => {
                    let _ = bus_tx.send(ended.to_string());
                }
                _ => {}
            }
            gst::BusSyncReply::Drop
        });
    }
    let result = match pipeline.set_state(gst::State::Playing) {
        Err(_) => Err(cannot_start),
        Ok(_) => {
            on_playing();
            tokio::select! {
                why = bus_rx.recv() => Err(why.unwrap_or_else(|| "the pipeline went away".into())),
                _ = stop.changed() => Ok(()),
            }
        }
    };
    let _ = tokio::task::spawn_blocking(move || {
        let _ = pipeline.set_state(gst::State::Null);
        if let Some(bus) = pipeline.bus() {
            bus.unset_sync_handler();
        }
    })
    .await;
    result
}
