//! The video views: the selected aircraft's camera in a corner of the map (picture in picture),
//! full size with a flight HUD over it and the map in the corner (click the small one to swap),
//! or a grid of every aircraft's camera. Frames come from the core's [`VideoFeed`]s: each repaint
//! looks at the newest-frame slot and uploads a texture only when a new frame arrived (newest
//! wins, nothing queues, the UI thread never waits). The streams themselves are started and
//! stopped by the core as these views ask for them ([`VideoIntent::Watch`]).
//!
//! A click on a video picture is reported as a [`VideoClick`] (aircraft, normalised position in
//! the displayed frame) to the hook set with [`VideoPanel::on_click`] and kept for
//! [`VideoPanel::take_clicks`]; a click in the full-size video is also offered for marking a
//! sighting there ([`VideoPanel::take_marks`]).

mod strings;

use std::collections::{BTreeMap, BTreeSet, HashMap, VecDeque};
use std::time::{Duration, Instant, SystemTime};

use eframe::egui::{
    self, pos2, vec2, Align2, Color32, FontId, Rect, RichText, Sense, Stroke, UiBuilder,
};

use kestrel_core::console::video::{VideoFeed, VideoIntent, VideoNotice};
use kestrel_core::console::Event;
use kestrel_core::video::stream_info::SourceOrigin;
use kestrel_core::video::{StreamState, VideoEvent};

use crate::context::{Action, Actions, ViewCtx};
use crate::i18n::Tr;
use crate::panel::Panel;
use crate::theme;
use strings::S;

/// Draws the map into a `Ui`; `true` for the small inset beside the full-size video.
pub type DrawMap<'a> = dyn FnMut(&mut egui::Ui, bool) + 'a;

/// How long a video notice (snapshot saved, recording finished) stays on screen.
const NOTICE_KEEP: Duration = Duration::from_secs(15);
/// Clicks kept for [`VideoPanel::take_clicks`] when nobody takes them.
const CLICKS_KEEP: usize = 64;

/// Which view fills the centre of the window.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum VideoLayout {
    /// The map, with the selected aircraft's video small in a corner.
    #[default]
    MapMain,
    /// The selected aircraft's video with its HUD, with the map small in a corner.
    VideoMain,
    /// Every aircraft's video side by side.
    Grid,
}

/// A click on an aircraft's video picture. `nx`, `ny` are 0..1 across the displayed frame from
/// its top-left corner (letterbox bars excluded), so they do not depend on the window size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct VideoClick {
    /// The aircraft whose camera the picture is from.
    pub sysid: u8,
    /// Horizontal position, 0 = left edge of the frame, 1 = right edge.
    pub nx: f32,
    /// Vertical position, 0 = top edge of the frame, 1 = bottom edge.
    pub ny: f32,
    /// Frame number of the picture shown when clicked (0 if none).
    pub frame_seq: u64,
    /// When the shown picture arrived (wall clock), to look up the aircraft's pose then.
    pub frame_time: Option<SystemTime>,
}

/// The function told about clicks on video pictures.
type ClickHook = Box<dyn FnMut(&VideoClick)>;

/// A texture holding one aircraft's newest frame.
struct Tex {
    handle: egui::TextureHandle,
    seq: u64,
    generation: u64,
    size: [usize; 2],
    arrived: SystemTime,
    uploads: u64,
}

/// The video views: the centre of the window when video plays, and their state.
#[derive(Default)]
pub struct VideoPanel {
    layout: VideoLayout,
    show_stats: bool,
    textures: HashMap<u8, Tex>,
    /// Generation of each feed whose repaint notifier is armed.
    armed: HashMap<u8, u64>,
    /// The set last sent to the core.
    watching: Option<BTreeSet<u8>>,
    /// Sources last sent to the core.
    configured: Option<BTreeMap<u8, String>>,
    clicks: VecDeque<VideoClick>,
    /// Clicks in the full-size video, to mark a sighting there.
    marks: Vec<VideoClick>,
    on_click: Option<ClickHook>,
    notices: VecDeque<(Instant, bool, String)>,
    /// The source being typed in the source editor (aircraft, text, error).
    source_edit: Option<(u8, String, Option<String>)>,
}

/// Fits a `w`×`h` picture into `rect`, centred, keeping its aspect ratio.
fn letterbox(rect: Rect, size: [usize; 2]) -> Rect {
    let (w, h) = (size[0].max(1) as f32, size[1].max(1) as f32);
    let scale = (rect.width() / w).min(rect.height() / h);
    Rect::from_center_size(rect.center(), vec2(w * scale, h * scale))
}

/// Text on a dark translucent plate, anchored at `pos`.
fn plate(
    painter: &egui::Painter,
    pos: egui::Pos2,
    anchor: Align2,
    text: String,
    size: f32,
    colour: Color32,
) -> Rect {
    let galley = painter.layout_no_wrap(text, FontId::proportional(size), colour);
    let r = anchor.anchor_size(pos, galley.size());
    painter.rect_filled(r.expand(4.0), 3.0, Color32::from_black_alpha(150));
    painter.galley(r.min, galley, colour);
    r.expand(4.0)
}

fn origin_name(tr: Tr, o: SourceOrigin) -> &'static str {
    match o {
        SourceOrigin::Configured => tr.s(S::VideoOriginConfigured),
        SourceOrigin::Announced => tr.s(S::VideoOriginAnnounced),
        SourceOrigin::Default => tr.s(S::VideoOriginDefault),
    }
}

impl Panel for VideoPanel {
    fn on_event(&mut self, event: &Event, cx: &ViewCtx, _actions: &mut Actions) {
        if let Event::Video(notice) = event {
            self.notice(notice, cx);
        }
    }

    /// The aircraft whose video goes to dispatch: the crew knows the command centre is
    /// watching (and that its uplink carries the stream).
    fn status(&mut self, ui: &mut egui::Ui, cx: &ViewCtx) {
        let watched: Vec<String> = cx
            .view
            .video
            .feeds
            .iter()
            .filter(|(_, f)| f.status.relaying_to.is_some())
            .map(|(sysid, _)| cx.callsign(*sysid))
            .collect();
        if !watched.is_empty() {
            ui.separator();
            ui.label(
                RichText::new(cx.tr.f(S::VideoDispatchStatusFmt, &[&watched.join(", ")]))
                    .color(theme::WARN),
            );
        }
    }

    fn aircraft_rows(
        &mut self,
        ui: &mut egui::Ui,
        a: &kestrel_core::fleet::Aircraft,
        cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
        let Some(to) = cx
            .view
            .video
            .feeds
            .get(&a.sysid)
            .and_then(|f| f.status.relaying_to.as_ref())
        else {
            return;
        };
        ui.label(cx.tr.s(S::VideoDispatch));
        ui.label(RichText::new(cx.tr.f(S::VideoDispatchRowFmt, &[to])).color(theme::WARN));
        ui.end_row();
    }
}

impl VideoPanel {
    /// Sets the function called with every click on a video picture (replacing any earlier
    /// one).
    pub fn on_click(&mut self, hook: impl FnMut(&VideoClick) + 'static) {
        self.on_click = Some(Box::new(hook));
    }

    /// The clicks on video pictures since the last call, oldest first (the last 64 are kept).
    pub fn take_clicks(&mut self) -> Vec<VideoClick> {
        self.clicks.drain(..).collect()
    }

    /// The clicks in the full-size video since the last call: places to mark a sighting.
    pub fn take_marks(&mut self) -> Vec<VideoClick> {
        std::mem::take(&mut self.marks)
    }

    /// Which view fills the centre.
    pub fn layout(&self) -> VideoLayout {
        self.layout
    }

    /// Switches the centre view (map, video, grid).
    pub fn set_layout(&mut self, layout: VideoLayout) {
        self.layout = layout;
    }

    /// Shows or hides the stats overlay on the videos.
    pub fn set_stats(&mut self, on: bool) {
        self.show_stats = on;
    }

    /// Size in pixels of the texture showing `sysid`'s video, once a frame was uploaded.
    pub fn texture_size(&self, sysid: u8) -> Option<[usize; 2]> {
        self.textures.get(&sysid).map(|t| t.size)
    }

    /// How many frames of `sysid`'s video were uploaded to its texture.
    pub fn uploads(&self, sysid: u8) -> u64 {
        self.textures.get(&sysid).map_or(0, |t| t.uploads)
    }

    /// The aircraft whose video the current view shows.
    fn watched(&self, cx: &ViewCtx) -> BTreeSet<u8> {
        match self.layout {
            VideoLayout::Grid => cx.view.fleet.aircraft.iter().map(|a| a.sysid).collect(),
            _ => cx.selection.primary.into_iter().collect(),
        }
    }

    /// Tells the core which streams to play and with which sources, when that changed.
    fn sync_intents(&mut self, cx: &ViewCtx, actions: &mut Actions) {
        let watched = self.watched(cx);
        if self.watching.as_ref() != Some(&watched) {
            self.watching = Some(watched.clone());
            actions.send(VideoIntent::Watch(watched));
        }
        let sources = &cx.settings.video_sources;
        if self.configured.as_ref() != Some(sources) {
            self.configured = Some(sources.clone());
            actions.send(VideoIntent::Configure {
                sources: sources.clone(),
            });
        }
    }

    /// Uploads new frames of the shown streams to their textures (only when a frame is new)
    /// and arms each stream's repaint notifier.
    fn upload_frames(&mut self, ctx: &egui::Context, cx: &ViewCtx) {
        let shown = self.watched(cx);
        self.textures.retain(|s, _| shown.contains(s));
        for sysid in shown {
            let Some(feed) = cx.view.video.feeds.get(&sysid) else {
                continue;
            };
            if self.armed.get(&sysid) != Some(&feed.generation) {
                let c = ctx.clone();
                feed.latest.set_notify(move || c.request_repaint());
                self.armed.insert(sysid, feed.generation);
            }
            let tex = self.textures.get(&sysid);
            let last = match tex {
                Some(t) if t.generation == feed.generation => t.seq,
                _ => 0,
            };
            let Some(frame) = feed.latest.newer_than(last) else {
                continue;
            };
            let size = [frame.width as usize, frame.height as usize];
            let bytes = frame.rgba();
            if bytes.len() != size[0] * size[1] * 4 {
                continue;
            }
            // Video is opaque, so straight and premultiplied alpha are the same: the bytes are
            // the pixels, copied once.
            let image = match bytemuck::try_cast_slice::<u8, Color32>(bytes) {
                Ok(pixels) => egui::ColorImage::new(size, pixels.to_vec()),
                Err(_) => egui::ColorImage::from_rgba_premultiplied(size, bytes),
            };
            match self.textures.get_mut(&sysid) {
                Some(t) => {
                    t.handle.set(image, egui::TextureOptions::LINEAR);
                    t.seq = frame.seq;
                    t.generation = feed.generation;
                    t.size = size;
                    t.arrived = frame.received_wall;
                    t.uploads += 1;
                }
                None => {
                    let handle = ctx.load_texture(
                        format!("kestrel-video-{sysid}"),
                        image,
                        egui::TextureOptions::LINEAR,
                    );
                    self.textures.insert(
                        sysid,
                        Tex {
                            handle,
                            seq: frame.seq,
                            generation: feed.generation,
                            size,
                            arrived: frame.received_wall,
                            uploads: 1,
                        },
                    );
                }
            }
        }
    }

    /// Takes a video event of the core.
    fn notice(&mut self, notice: &VideoNotice, cx: &ViewCtx) {
        let tr = cx.tr;
        let now = Instant::now();
        let entry = match notice {
            VideoNotice::SnapshotSaved { sysid, summary } => Some((
                true,
                tr.f(
                    S::VideoSnapshotSavedFmt,
                    &[&cx.callsign(*sysid), &summary.path.display()],
                ),
            )),
            VideoNotice::Failed { sysid, error } => Some((
                false,
                tr.f(S::VideoFailedFmt, &[&cx.callsign(*sysid), error]),
            )),
            VideoNotice::Stream { sysid, event } => match event {
                VideoEvent::RecordingStarted { path, .. } => Some((
                    true,
                    tr.f(
                        S::VideoRecordingStartedFmt,
                        &[&cx.callsign(*sysid), &path.display()],
                    ),
                )),
                VideoEvent::RecordingFinished(s) => Some((
                    true,
                    tr.f(
                        S::VideoRecordingSavedFmt,
                        &[&cx.callsign(*sysid), &s.path.display(), &s.sha256],
                    ),
                )),
                VideoEvent::RecordingFailed { message } => Some((
                    false,
                    tr.f(S::VideoFailedFmt, &[&cx.callsign(*sysid), message]),
                )),
                _ => None,
            },
            VideoNotice::Recovered(report) => {
                self.recovered(report, now, cx);
                None
            }
        };
        if let Some((ok, text)) = entry {
            self.notices.push_back((now, ok, text));
            while self.notices.len() > 6 {
                self.notices.pop_front();
            }
        }
    }

    /// Tells the operator once which unfinished recordings were recovered at start-up.
    fn recovered(
        &mut self,
        report: &kestrel_core::video::recovery::RecoveryReport,
        now: Instant,
        cx: &ViewCtx,
    ) {
        let tr = cx.tr;
        let mut aircraft: Vec<&str> = report
            .recovered
            .iter()
            .map(|r| r.aircraft.as_str())
            .collect();
        aircraft.dedup();
        let times: Vec<String> = report
            .recovered
            .iter()
            .map(|r| {
                // 2026-11-29T09:59:25Z: to the second is enough to find it.
                let iso = kestrel_core::time::DateTime::utc(r.started).rfc3339_millis();
                format!("{}Z", iso.get(..19).unwrap_or(&iso))
            })
            .collect();
        if !report.recovered.is_empty() {
            let text = tr.f(
                S::VideoRecoveredFmt,
                &[
                    &report.recovered.len(),
                    &aircraft.join(", "),
                    &times.join(", "),
                ],
            );
            self.notices.push_back((now, true, text));
        }
        if !report.problems.is_empty() {
            let text = tr.f(
                S::VideoRecoverFailedFmt,
                &[&report.problems.len(), &report.problems.join("; ")],
            );
            self.notices.push_back((now, false, text));
        }
    }

    /// The centre of the window: map or video, with the other in a corner, or the grid; `map`
    /// draws the map where the layout puts it.
    pub fn show_central(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCtx,
        actions: &mut Actions,
        map: &mut DrawMap<'_>,
    ) {
        if !cx.view.video.enabled && cx.view.video.feeds.is_empty() {
            // No video in this console (headless core without video): the map alone.
            map(ui, false);
            return;
        }
        if cx.view.video.enabled {
            self.sync_intents(cx, actions);
        }
        let ctx = ui.ctx().clone();
        self.upload_frames(&ctx, cx);
        let rect = ui.max_rect();
        match self.layout {
            VideoLayout::MapMain => {
                map(ui, false);
                if let Some(sysid) = cx
                    .selection
                    .primary
                    .filter(|s| cx.view.video.feeds.contains_key(s))
                {
                    let pip = pip_rect(rect, Align2::LEFT_BOTTOM);
                    let resp = self.picture(ui, sysid, pip, false, cx);
                    if resp.clicked() {
                        self.layout = VideoLayout::VideoMain;
                    }
                    resp.on_hover_text(cx.tr.s(S::VideoSwap));
                }
                // Over the map's bottom right, clear of its toolbar and the attribution.
                let area = Rect::from_min_max(
                    pos2(rect.right() - 240.0, rect.bottom() - 58.0),
                    pos2(rect.right() - 8.0, rect.bottom() - 26.0),
                );
                ui.scope_builder(
                    UiBuilder::new()
                        .max_rect(area)
                        .layout(egui::Layout::right_to_left(egui::Align::Center)),
                    |ui| {
                        egui::Frame::popup(ui.style())
                            .inner_margin(egui::Margin::same(3))
                            .show(ui, |ui| {
                                ui.horizontal(|ui| self.layout_buttons(ui, cx));
                            });
                    },
                );
            }
            VideoLayout::VideoMain | VideoLayout::Grid => {
                let body = self.strip(ui, rect, cx, actions);
                if self.layout == VideoLayout::Grid {
                    self.grid(ui, body, cx, actions);
                } else {
                    self.main(ui, body, cx, actions, map);
                }
            }
        }
        self.notices(ui, rect);
        // A stream with a "since" clock or a recording timer needs a repaint now and then even
        // without frames.
        if !cx.view.video.feeds.is_empty() {
            ui.ctx().request_repaint_after(Duration::from_millis(500));
        }
    }

    /// The selected aircraft's video full size, the map small in the top right corner.
    fn main(
        &mut self,
        ui: &mut egui::Ui,
        body: Rect,
        cx: &ViewCtx,
        actions: &mut Actions,
        map: &mut DrawMap<'_>,
    ) {
        match cx.selection.primary {
            Some(sysid) => {
                let resp = self.picture(ui, sysid, body, true, cx);
                self.report_click(&resp, sysid, body);
            }
            None => {
                ui.painter().rect_filled(body, 0.0, Color32::from_gray(16));
                plate(
                    ui.painter(),
                    body.center(),
                    Align2::CENTER_CENTER,
                    cx.tr.s(S::VideoSelectAircraft).into(),
                    16.0,
                    Color32::WHITE,
                );
            }
        }
        let pip = pip_rect(body, Align2::RIGHT_TOP);
        ui.scope_builder(UiBuilder::new().max_rect(pip), |ui| {
            ui.set_clip_rect(pip);
            // Small: the map without its toolbar (zoom with the wheel, swap to use it).
            map(ui, true);
        });
        ui.painter().rect_stroke(
            pip,
            2.0,
            Stroke::new(2.0, Color32::WHITE),
            egui::StrokeKind::Outside,
        );
        let swap = Rect::from_min_size(pip.right_bottom() - vec2(34.0, 30.0), vec2(28.0, 24.0));
        if ui
            .put(swap, egui::Button::new("⇄"))
            .on_hover_text(cx.tr.s(S::VideoSwap))
            .clicked()
        {
            self.layout = VideoLayout::MapMain;
        }
        if let Some(sysid) = cx.selection.primary {
            if self
                .source_edit
                .as_ref()
                .is_some_and(|(s, _, _)| *s == sysid)
            {
                let feed = cx.view.video.feeds.get(&sysid).cloned();
                self.source_editor(ui, sysid, body, feed.as_ref(), cx, actions);
            }
        }
    }

    /// Map / Video / Grid buttons.
    fn layout_buttons(&mut self, ui: &mut egui::Ui, cx: &ViewCtx) {
        let tr = cx.tr;
        for (layout, key) in [
            (VideoLayout::MapMain, S::VideoViewMap),
            (VideoLayout::VideoMain, S::VideoViewVideo),
            (VideoLayout::Grid, S::VideoViewGrid),
        ] {
            if ui
                .add(egui::Button::new(tr.s(key)).selected(self.layout == layout))
                .clicked()
            {
                self.layout = layout;
            }
        }
    }

    /// The bar above the videos: view switch, stats, and for the main video record, snapshot
    /// and source. Returns the space left below it.
    fn strip(
        &mut self,
        ui: &mut egui::Ui,
        rect: Rect,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) -> Rect {
        let tr = cx.tr;
        let sysid = cx
            .selection
            .primary
            .filter(|_| self.layout == VideoLayout::VideoMain);
        let feed = sysid.and_then(|s| cx.view.video.feeds.get(&s).cloned());
        let strip = ui
            .scope_builder(UiBuilder::new().max_rect(rect), |ui| {
                egui::Frame::side_top_panel(ui.style())
                    .inner_margin(egui::Margin::symmetric(6, 4))
                    .show(ui, |ui| {
                        ui.set_width(rect.width() - 12.0);
                        ui.horizontal_wrapped(|ui| {
                            self.layout_buttons(ui, cx);
                            ui.separator();
                            if ui
                                .add(
                                    egui::Button::new(tr.s(S::VideoStats))
                                        .selected(self.show_stats),
                                )
                                .clicked()
                            {
                                self.show_stats = !self.show_stats;
                            }
                            let Some(sysid) = sysid else {
                                return;
                            };
                            ui.separator();
                            let playing = feed.is_some();
                            let recording = feed.as_ref().and_then(|f| f.status.recording.clone());
                            if recording.is_some() {
                                let stop =
                                    RichText::new(format!("■ {}", tr.s(S::VideoStopRecording)))
                                        .color(theme::BAD);
                                if ui.add(egui::Button::new(stop)).clicked() {
                                    actions.send(VideoIntent::Record(sysid, false));
                                }
                            } else if ui
                                .add_enabled(
                                    playing,
                                    egui::Button::new(format!("● {}", tr.s(S::VideoRecord))),
                                )
                                .clicked()
                            {
                                actions.send(VideoIntent::Record(sysid, true));
                            }
                            if ui
                                .add_enabled(playing, egui::Button::new(tr.s(S::VideoSnapshot)))
                                .clicked()
                            {
                                actions.send(VideoIntent::Snapshot(sysid));
                            }
                            let editing = self
                                .source_edit
                                .as_ref()
                                .is_some_and(|(s, _, _)| *s == sysid);
                            if ui
                                .add(egui::Button::new(tr.s(S::VideoSource)).selected(editing))
                                .clicked()
                            {
                                self.source_edit = if editing {
                                    None
                                } else {
                                    let current = cx
                                        .settings
                                        .video_sources
                                        .get(&sysid)
                                        .cloned()
                                        .or_else(|| feed.as_ref().map(|f| f.status.source.clone()))
                                        .unwrap_or_default();
                                    Some((sysid, current, None))
                                };
                            }
                        });
                    })
                    .response
                    .rect
            })
            .inner;
        Rect::from_min_max(pos2(rect.left(), strip.bottom()), rect.max)
    }

    /// The per-aircraft source override (kept in the settings).
    fn source_editor(
        &mut self,
        ui: &mut egui::Ui,
        sysid: u8,
        rect: Rect,
        feed: Option<&VideoFeed>,
        cx: &ViewCtx,
        actions: &mut Actions,
    ) {
        let tr = cx.tr;
        let area = Rect::from_min_size(
            rect.min + vec2(8.0, 40.0),
            vec2(520.0_f32.min(rect.width() - 16.0), 120.0),
        );
        let mut apply: Option<Option<String>> = None;
        ui.scope_builder(UiBuilder::new().max_rect(area), |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                if let Some(f) = feed {
                    ui.label(tr.f(
                        S::VideoSourceFmt,
                        &[&f.status.source, &origin_name(tr, f.origin)],
                    ));
                    if let Some(e) = &f.source_error {
                        ui.colored_label(theme::BAD, e);
                    }
                }
                let Some((_, text, error)) = self.source_edit.as_mut() else {
                    return;
                };
                ui.add(
                    egui::TextEdit::singleline(text)
                        .hint_text(tr.s(S::VideoSourceHint))
                        .desired_width(480.0),
                );
                if let Some(e) = error {
                    ui.colored_label(theme::BAD, e.as_str());
                }
                ui.horizontal(|ui| {
                    if ui.button(tr.s(S::VideoApply)).clicked() {
                        match text.trim().parse::<kestrel_core::video::VideoSource>() {
                            Ok(s) => apply = Some(Some(s.to_string())),
                            Err(e) => *error = Some(e.to_string()),
                        }
                    }
                    if ui.button(tr.s(S::VideoUseAnnounced)).clicked() {
                        apply = Some(None);
                    }
                });
            });
        });
        if let Some(choice) = apply {
            actions.settings(move |s| {
                match choice {
                    Some(uri) => s.video_sources.insert(sysid, uri),
                    None => s.video_sources.remove(&sysid),
                };
            });
            self.source_edit = None;
        }
    }

    /// Every aircraft's video in a grid; a click on a tile selects the aircraft (and is
    /// reported as a video click), a double click opens it full size.
    fn grid(&mut self, ui: &mut egui::Ui, rect: Rect, cx: &ViewCtx, actions: &mut Actions) {
        ui.painter().rect_filled(rect, 0.0, Color32::from_gray(24));
        let ids: Vec<u8> = cx.view.fleet.aircraft.iter().map(|a| a.sysid).collect();
        if ids.is_empty() {
            return;
        }
        let n = ids.len();
        let cols = (n as f32).sqrt().ceil() as usize;
        let rows = n.div_ceil(cols);
        let top = rect.top();
        let cell = vec2(
            rect.width() / cols as f32,
            (rect.bottom() - top) / rows as f32,
        );
        for (i, sysid) in ids.into_iter().enumerate() {
            let (r, c) = (i / cols, i % cols);
            let tile = Rect::from_min_size(
                pos2(rect.left() + c as f32 * cell.x, top + r as f32 * cell.y),
                cell,
            )
            .shrink(3.0);
            let resp = self.picture(ui, sysid, tile, true, cx);
            if cx.selection.primary == Some(sysid) {
                ui.painter().rect_stroke(
                    tile,
                    0.0,
                    Stroke::new(3.0, theme::team_colour(sysid)),
                    egui::StrokeKind::Inside,
                );
            }
            if resp.double_clicked() {
                actions.push(Action::Select(sysid));
                self.layout = VideoLayout::VideoMain;
            } else if resp.clicked() {
                actions.push(Action::Select(sysid));
                self.report_click(&resp, sysid, tile);
            }
        }
    }

    /// Reports a click on a video picture to the hook (and keeps it).
    fn report_click(&mut self, resp: &egui::Response, sysid: u8, rect: Rect) {
        if !resp.clicked() {
            return;
        }
        let Some(pos) = resp.interact_pointer_pos() else {
            return;
        };
        let tex = self.textures.get(&sysid);
        let Some(t) = tex else {
            return;
        };
        let frame = letterbox(rect, t.size);
        if !frame.contains(pos) {
            return;
        }
        let click = VideoClick {
            sysid,
            nx: ((pos.x - frame.left()) / frame.width()).clamp(0.0, 1.0),
            ny: ((pos.y - frame.top()) / frame.height()).clamp(0.0, 1.0),
            frame_seq: t.seq,
            frame_time: Some(t.arrived),
        };
        if let Some(hook) = self.on_click.as_mut() {
            hook(&click);
        }
        // In the full video, a click marks a sighting at that point on the ground. In the grid
        // a click only selects.
        if self.layout == VideoLayout::VideoMain {
            self.marks.push(click);
        }
        self.clicks.push_back(click);
        while self.clicks.len() > CLICKS_KEEP {
            self.clicks.pop_front();
        }
    }

    /// One aircraft's picture in `rect`: the frame letterboxed, the HUD (full) or a label
    /// (small), "no signal" with the reason, the stats overlay and the REC mark.
    fn picture(
        &mut self,
        ui: &mut egui::Ui,
        sysid: u8,
        rect: Rect,
        full: bool,
        cx: &ViewCtx,
    ) -> egui::Response {
        let tr = cx.tr;
        let resp = ui.interact(
            rect,
            ui.scope_id().with(("kestrel-video", sysid, full)),
            Sense::click(),
        );
        let name = tr.f(S::VideoOfFmt, &[&cx.callsign(sysid)]);
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &name));
        let painter = ui.painter_at(rect);
        painter.rect_filled(rect, 0.0, Color32::from_gray(10));
        let feed = cx.view.video.feeds.get(&sysid);
        let tex = self.textures.get(&sysid);
        if let Some(t) = tex {
            let frame = letterbox(rect, t.size);
            painter.image(
                t.handle.id(),
                frame,
                Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0)),
                Color32::WHITE,
            );
        }
        let colour = theme::team_colour(sysid);
        painter.rect_stroke(
            rect,
            0.0,
            Stroke::new(1.0, colour),
            egui::StrokeKind::Inside,
        );
        let size = if full { 15.0 } else { 12.0 };
        // Small tiles (grid) put the HUD and the stats on two lines.
        let narrow = rect.width() < 460.0;
        let mut above_hud = rect.bottom() - 8.0;
        // Who and how.
        let aircraft = cx.view.fleet.get(sysid);
        let mode = aircraft.map(|a| a.mode_name()).unwrap_or_default();
        plate(
            &painter,
            rect.left_top() + vec2(8.0, 8.0),
            Align2::LEFT_TOP,
            format!("{}  {mode}", cx.callsign(sysid)),
            size,
            Color32::WHITE,
        );
        if full {
            if let Some(a) = aircraft {
                let units = cx.settings.units;
                let (alt, au) = units.altitude(a.alt_rel_m);
                let (spd, su) = units.speed(a.ground_speed_ms);
                let battery = a
                    .battery
                    .percent
                    .map(|p| format!("{p:.0}%"))
                    .unwrap_or_else(|| "—".into());
                let items = [
                    tr.f(S::VideoHudAltFmt, &[&format!("{alt:.0} {au}")]),
                    tr.f(S::VideoHudSpeedFmt, &[&format!("{spd:.1} {su}")]),
                    tr.f(
                        S::VideoHudHeadingFmt,
                        &[&format!("{:03.0}", a.heading_deg.rem_euclid(360.0))],
                    ),
                    tr.f(S::VideoHudBatteryFmt, &[&battery]),
                ];
                let thresholds = cx.settings.alert_thresholds;
                let low = a.battery.percent.is_some_and(|p| {
                    thresholds.battery_level(p) != kestrel_core::alerts::BatteryLevel::Ok
                });
                let text = if narrow {
                    format!("{}   {}\n{}   {}", items[0], items[1], items[2], items[3])
                } else {
                    items.join("   ")
                };
                let hud = plate(
                    &painter,
                    rect.left_bottom() + vec2(8.0, -8.0),
                    Align2::LEFT_BOTTOM,
                    text,
                    size,
                    if low { theme::BAD } else { Color32::WHITE },
                );
                above_hud = hud.top() - 4.0;
            }
            if cx.show_clock {
                // Small tiles have no room beside the HUD: top right instead.
                let (at, anchor) = if narrow {
                    (rect.right_top() + vec2(-8.0, 8.0), Align2::RIGHT_TOP)
                } else {
                    (rect.right_bottom() + vec2(-8.0, -8.0), Align2::RIGHT_BOTTOM)
                };
                plate(
                    &painter,
                    at,
                    anchor,
                    kestrel_core::time::DateTime::local(SystemTime::now()).hms(),
                    size,
                    Color32::WHITE,
                );
            }
        }
        // Recording mark.
        if let Some(rec) = feed.and_then(|f| f.status.recording.as_ref()) {
            let secs = SystemTime::now()
                .duration_since(rec.since)
                .unwrap_or_default()
                .as_secs();
            plate(
                &painter,
                rect.left_top() + vec2(8.0, if full { 36.0 } else { 28.0 }),
                Align2::LEFT_TOP,
                tr.f(
                    S::VideoRecFmt,
                    &[&format!("{:02}:{:02}", secs / 60, secs % 60)],
                ),
                size,
                theme::BAD,
            );
        }
        // Dispatch watching.
        if feed.is_some_and(|f| f.status.relaying_to.is_some()) {
            let y = if full { 36.0 } else { 28.0 };
            plate(
                &painter,
                rect.right_top() + vec2(-8.0, if narrow && cx.show_clock { y + 22.0 } else { y }),
                Align2::RIGHT_TOP,
                tr.s(S::VideoDispatchPlate).to_string(),
                size,
                theme::WARN,
            );
        }
        // Stats.
        if self.show_stats {
            if let Some(f) = feed {
                let s = &f.status.stats;
                let mut text = tr.f(
                    S::VideoStatsFmt,
                    &[
                        &format!("{:.1}", s.fps),
                        &format!("{}×{}", s.width, s.height),
                        &format!("{:.2} Mbit/s", s.bitrate_bps as f64 / 1e6),
                        &s.frames_dropped,
                        &s.latency_ms
                            .map(|l| format!("{l:.1} ms"))
                            .unwrap_or_else(|| "—".into()),
                    ],
                );
                if narrow {
                    // Break after the bitrate.
                    if let Some(at) = text.find("Mbit/s") {
                        text.replace_range(at + 6..at + 8, "\n");
                    }
                }
                plate(
                    &painter,
                    pos2(rect.left() + 8.0, above_hud),
                    Align2::LEFT_BOTTOM,
                    text,
                    if full { 13.0 } else { 11.0 },
                    Color32::from_rgb(0x9a, 0xe6, 0xb4),
                );
            }
        }
        // No signal, and why.
        let banner = match feed.map(|f| &f.status.state) {
            None => Some((
                tr.s(S::VideoConnecting).to_string(),
                tr.s(S::VideoNoStream).to_string(),
            )),
            Some(StreamState::Playing) => None,
            Some(StreamState::Connecting) => Some((
                tr.s(S::VideoConnecting).to_string(),
                feed.map(|f| f.status.source.clone()).unwrap_or_default(),
            )),
            Some(StreamState::NoSignal { since }) => Some((
                tr.s(S::VideoNoSignal).to_string(),
                tr.f(
                    S::VideoNoSignalSinceFmt,
                    &[&kestrel_core::time::DateTime::local(*since).hms()],
                ),
            )),
            Some(StreamState::Error { message }) => Some((
                tr.s(S::VideoNoSignal).to_string(),
                tr.f(S::VideoErrorFmt, &[message]),
            )),
            Some(StreamState::Stopped) => Some((
                tr.s(S::VideoNoSignal).to_string(),
                tr.s(S::VideoStopped).to_string(),
            )),
        };
        if let Some((title, reason)) = banner {
            if tex.is_some() {
                painter.rect_filled(rect, 0.0, Color32::from_black_alpha(140));
            }
            // Labels (not painted text) so that tests and screen readers find them.
            let area = Rect::from_center_size(rect.center(), vec2(rect.width() - 16.0, 60.0));
            ui.scope_builder(
                UiBuilder::new()
                    .max_rect(area)
                    .layout(egui::Layout::top_down(egui::Align::Center)),
                |ui| {
                    ui.label(
                        RichText::new(title)
                            .color(Color32::from_rgb(0xff, 0xcc, 0x00))
                            .size(if full { 22.0 } else { 14.0 })
                            .strong(),
                    );
                    ui.add(
                        egui::Label::new(
                            RichText::new(reason).color(Color32::WHITE).size(if full {
                                13.0
                            } else {
                                10.0
                            }),
                        )
                        .truncate(),
                    );
                },
            );
        }
        resp
    }

    /// Snapshot and recording results, bottom of the centre.
    fn notices(&mut self, ui: &mut egui::Ui, rect: Rect) {
        let now = Instant::now();
        while self
            .notices
            .front()
            .is_some_and(|(t, _, _)| now.duration_since(*t) > NOTICE_KEEP)
        {
            self.notices.pop_front();
        }
        if self.notices.is_empty() {
            return;
        }
        // At most 640 wide, and never wider than the centre (long messages wrap).
        let half = (rect.width() / 2.0 - 8.0).clamp(80.0, 320.0);
        let area = Rect::from_min_max(
            pos2(rect.center().x - half, rect.bottom() - 150.0),
            pos2(rect.center().x + half, rect.bottom() - 36.0),
        );
        ui.scope_builder(
            UiBuilder::new()
                .max_rect(area)
                .layout(egui::Layout::bottom_up(egui::Align::Center)),
            |ui| {
                egui::Frame::popup(ui.style()).show(ui, |ui| {
                    for (_, ok, text) in self.notices.iter().rev() {
                        let colour = if *ok { theme::GOOD } else { theme::BAD };
                        ui.add(egui::Label::new(RichText::new(text).color(colour)).wrap());
                    }
                });
            },
        );
        ui.ctx().request_repaint_after(Duration::from_secs(1));
    }
}

/// Where the small picture goes: the bottom left of `rect` above the map's scale bar, or its
/// top right corner.
fn pip_rect(rect: Rect, corner: Align2) -> Rect {
    let w = (rect.width() * 0.36).clamp(160.0, 380.0);
    let h = w * 9.0 / 16.0;
    let min = if corner == Align2::RIGHT_TOP {
        pos2(rect.right() - 8.0 - w, rect.top() + 8.0)
    } else {
        pos2(rect.left() + 10.0, rect.bottom() - 40.0 - h)
    };
    Rect::from_min_size(min, vec2(w, h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pictures_keep_their_aspect_ratio() {
        let r = Rect::from_min_size(pos2(0.0, 0.0), vec2(400.0, 400.0));
        let f = letterbox(r, [640, 360]);
        assert!((f.width() - 400.0).abs() < 0.01);
        assert!((f.height() - 225.0).abs() < 0.01);
        assert!((f.center().y - 200.0).abs() < 0.01);
    }
}
