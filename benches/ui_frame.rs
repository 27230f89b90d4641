//! CPU time of one console frame (egui layout of every panel and the map, plus tessellation into
//! triangles), headless, with 10, 50 and 100 aircraft streaming telemetry at 10 Hz. Target: at
//! most 8 ms per frame at 100 aircraft. Rendering on the GPU is not included (it depends on the
//! graphics card, not on Kestrel).
//!
//! Each measured frame follows one 100 ms step of telemetry from every aircraft (applied outside
//! the measurement, as the core does on its own threads), so the window draws a changing fleet
//! with trails, routes, alerts and the selected aircraft's plots, as it does in flight.

use std::time::{Duration, Instant};

use criterion::{criterion_group, criterion_main, Criterion};
use eframe::egui;

use kestrel::console::synthetic::SyntheticFleet;
use kestrel::console::{ConsoleHandle, Language, Settings};
use kestrel::tiles::TileSourceConfig;
use kestrel::ui::{AppOptions, ConsoleApp};

struct Rig {
    ctx: egui::Context,
    app: ConsoleApp,
    fleet: SyntheticFleet,
    t: f64,
    frame: u64,
}

impl Rig {
    fn new(n: usize) -> Self {
        let ctx = egui::Context::default();
        let settings = Settings {
            language: Language::English,
            tile_source: TileSourceConfig::Grid,
            ..Default::default()
        };
        let mut app = ConsoleApp::new(ConsoleHandle::detached(), AppOptions::ephemeral(settings));
        app.select(1);
        let mut rig = Self {
            ctx,
            app,
            fleet: SyntheticFleet::new(n, Instant::now()),
            t: 0.0,
            frame: 0,
        };
        // Five minutes of history for trails and plots.
        for _ in 0..3000 {
            rig.advance();
        }
        // Warm up fonts and caches.
        for _ in 0..5 {
            rig.frame();
        }
        rig
    }

    /// One 100 ms telemetry step of every aircraft, published as the core would.
    fn advance(&mut self) {
        self.t += 0.1;
        self.fleet.step(self.t);
        self.frame += 1;
        self.app
            .handle()
            .set_view(self.fleet.view(self.t, self.frame));
    }

    /// One frame: layout and tessellation.
    fn frame(&mut self) -> usize {
        let input = egui::RawInput {
            screen_rect: Some(egui::Rect::from_min_size(
                egui::Pos2::ZERO,
                egui::vec2(1280.0, 800.0),
            )),
            time: Some(self.t),
            ..Default::default()
        };
        let app = &mut self.app;
        let mut out = self.ctx.run_ui(input, |ui| app.show(ui));
        // Textures would go to the GPU here; there is none.
        out.textures_delta.clear();
        let prims = self.ctx.tessellate(out.shapes, out.pixels_per_point);
        prims.len()
    }
}

fn frames(c: &mut Criterion) {
    let mut group = c.benchmark_group("ui_frame");
    group
        .sample_size(30)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(6));
    for n in [10usize, 50, 100] {
        let mut rig = Rig::new(n);
        group.bench_function(format!("{n}_aircraft"), |b| {
            b.iter_custom(|iters| {
                let mut total = Duration::ZERO;
                for _ in 0..iters {
                    rig.advance();
                    let started = Instant::now();
                    std::hint::black_box(rig.frame());
                    total += started.elapsed();
                }
                total
            })
        });
    }
    group.finish();
}

criterion_group!(benches, frames);
criterion_main!(benches);
