//! What a part of the window is: a [`Panel`] owns its own state, draws from a [`ViewCtx`], and
//! returns what it wants done as [`Actions`]. Every hook has a default that does nothing, so a
//! panel implements only the places it appears in. [`MapLayer`] is the same for what a feature
//! draws on the map and takes from it.

use eframe::egui;
use walkers::Projector;

use kestrel_core::console::Event;
use kestrel_core::fleet::Aircraft;
use kestrel_core::geo::GeoPoint;

use crate::context::{Actions, ViewCtx};

/// One part of the window. The app calls every panel's hooks each frame, in the order of its
/// panel list.
pub trait Panel {
    /// Takes an event from the core (every panel sees every event).
    fn on_event(&mut self, _event: &Event, _cx: &ViewCtx, _actions: &mut Actions) {}

    /// Its buttons in the top bar.
    fn top_bar(&mut self, _ui: &mut egui::Ui, _cx: &ViewCtx, _actions: &mut Actions) {}

    /// Its part of the status bar.
    fn status(&mut self, _ui: &mut egui::Ui, _cx: &ViewCtx) {}

    /// Rows of its own in the selected aircraft's details (a two-column grid: call
    /// `ui.end_row()` after each row).
    fn aircraft_rows(
        &mut self,
        _ui: &mut egui::Ui,
        _aircraft: &Aircraft,
        _cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
    }

    /// Its windows, dialogs and keyboard shortcuts, over everything.
    fn windows(&mut self, _ctx: &egui::Context, _cx: &ViewCtx, _actions: &mut Actions) {}
}

/// Where a layer draws: the map's area, its response (clicks, drags) and its projection.
pub struct MapCanvas<'a> {
    /// The map's response this frame.
    pub response: &'a egui::Response,
    /// Geographic ↔ screen.
    pub projector: &'a Projector<'a>,
    /// The map is a small inset (beside the full-size video): no controls of its own.
    pub inset: bool,
}

impl MapCanvas<'_> {
    /// Where a geographic point is on screen.
    pub fn screen(&self, p: GeoPoint) -> egui::Pos2 {
        self.projector
            .project(walkers::lat_lon(p.lat, p.lon))
            .to_pos2()
    }

    /// The geographic point at a screen position.
    pub fn geo(&self, p: egui::Pos2) -> GeoPoint {
        let g = self.projector.unproject(p.to_vec2());
        GeoPoint {
            lat: g.y(),
            lon: g.x(),
        }
    }
}

/// What a feature draws on the map and takes from it. The map draws its tiles, then every
/// layer's [`MapLayer::draw_below_fleet`], the trails and routes, every layer's
/// [`MapLayer::draw_above_routes`], and the aircraft on top.
pub trait MapLayer {
    /// Draws under the fleet, and handles the layer's own drags (e.g. key areas, the route being
    /// planned).
    fn draw_below_fleet(
        &mut self,
        _ui: &mut egui::Ui,
        _canvas: &MapCanvas<'_>,
        _cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
    }

    /// Draws over the trails and routes, under the aircraft (e.g. sightings).
    fn draw_above_routes(
        &mut self,
        _painter: &egui::Painter,
        _canvas: &MapCanvas<'_>,
        _cx: &ViewCtx,
    ) {
    }

    /// A click on the map that no aircraft took: whether this layer took it.
    fn click(
        &mut self,
        _at: egui::Pos2,
        _canvas: &MapCanvas<'_>,
        _cx: &ViewCtx,
        _actions: &mut Actions,
    ) -> bool {
        false
    }

    /// Its entries in the map's right-click menu at `at`.
    fn context_menu(
        &mut self,
        _ui: &mut egui::Ui,
        _at: GeoPoint,
        _cx: &ViewCtx,
        _actions: &mut Actions,
    ) {
    }

    /// Whether a double-click belongs to the layer (e.g. finishing a drawing) rather than
    /// zooming the map.
    fn wants_double_click(&self) -> bool {
        false
    }
}
