//! The map's tile layer for walkers: asks the core's tile service for tiles, turns the pixels that
//! come back into textures, retries failed tiles with backoff (through [`TileBook`]), and draws a
//! stand-in for every missing tile — a coarser tile scaled up if one is loaded, else a neutral
//! grid — so the map never has holes and never waits.

use std::path::PathBuf;
use std::time::Instant;

use eframe::egui::{self, pos2, Color32, ColorImage, Rect, TextureHandle, TextureOptions};
use walkers::sources::Attribution;
use walkers::{Tile, TileId, TilePiece, Tiles};

use kestrel_core::tiles::{TileBook, TileClient, TileKey, TileService, TileSourceConfig, Want};

/// Loaded tiles kept as textures (256×256×4 bytes each).
const TEXTURE_CAPACITY: usize = 192;
/// New textures made per frame at most, so that a burst of tiles does not stall a frame.
const UPLOADS_PER_FRAME: usize = 12;
/// How many zoom levels up a stand-in may come from.
const STAND_IN_LEVELS: u8 = 6;

/// What the status bar says about the map.
#[derive(Debug, Clone, PartialEq)]
pub struct TilesState {
    /// Name of the source; `None` when drawing the grid only.
    pub source: Option<String>,
    /// The network looks unreachable: the map is drawn from the cache and the grid.
    pub offline: bool,
    /// Tiles on their way.
    pub loading: usize,
    /// The last error, for the tooltip.
    pub last_error: Option<String>,
}

/// Where the layer gets tiles from, until it is first drawn.
struct Pending {
    source: TileSourceConfig,
    runtime: Option<tokio::runtime::Handle>,
    cache_root: Option<PathBuf>,
}

/// The tile layer of the map.
pub struct MapTiles {
    ctx: Option<egui::Context>,
    pending: Option<Pending>,
    client: Option<TileClient>,
    book: TileBook<TextureHandle>,
    grid: Option<TextureHandle>,
    max_zoom: u8,
    was_offline: bool,
    attribution: &'static str,
}

impl MapTiles {
    /// A layer for `source`, fetching on `runtime` (none: grid only), caching under `cache_root`.
    /// Nothing starts until the layer is first polled with the window's context.
    pub fn new(
        source: &TileSourceConfig,
        runtime: Option<&tokio::runtime::Handle>,
        cache_root: Option<PathBuf>,
    ) -> Self {
        Self {
            ctx: None,
            pending: Some(Pending {
                source: source.clone(),
                runtime: runtime.cloned(),
                cache_root,
            }),
            client: None,
            book: TileBook::new(TEXTURE_CAPACITY),
            grid: None,
            max_zoom: 19,
            was_offline: false,
            attribution: source.attribution(),
        }
    }

    fn start(&mut self, ctx: &egui::Context) {
        let Some(p) = self.pending.take() else { return };
        self.ctx = Some(ctx.clone());
        self.grid = Some(grid_texture(ctx));
        self.client = match (p.runtime, &p.source) {
            (_, TileSourceConfig::Grid) | (None, _) => None,
            (Some(rt), source) => {
                let repaint = ctx.clone();
                Some(TileService::start(
                    &rt,
                    source.clone(),
                    p.cache_root,
                    std::sync::Arc::new(move || repaint.request_repaint()),
                ))
            }
        };
    }

    /// Takes in the tiles that arrived; call once per frame before drawing the map.
    pub fn poll(&mut self, ctx: &egui::Context) {
        self.start(ctx);
        self.book.begin_frame();
        let Some(client) = &self.client else { return };
        let now = Instant::now();
        let mut uploaded = 0;
        while uploaded < UPLOADS_PER_FRAME {
            let Some(r) = client.results().next() else {
                break;
            };
            let result = r.result.map(|t| {
                let image = ColorImage::from_rgba_unmultiplied(
                    [t.width as usize, t.height as usize],
                    &t.pixels,
                );
                ctx.load_texture(format!("tile-{}", r.key), image, TextureOptions::LINEAR)
            });
            if result.is_ok() {
                uploaded += 1;
            }
            self.book.delivered(r.key, result, now);
        }
        if uploaded == UPLOADS_PER_FRAME {
            ctx.request_repaint();
        }
        let offline = client.status().offline();
        if self.was_offline && !offline {
            // The network is back: do not make failed tiles wait out their backoff.
            self.book.retry_failed_now(now);
        }
        self.was_offline = offline;
    }

    /// The state for the status bar.
    pub fn state(&self) -> TilesState {
        match &self.client {
            None => TilesState {
                source: None,
                offline: false,
                loading: 0,
                last_error: None,
            },
            Some(c) => TilesState {
                source: Some(c.source().label()),
                offline: c.status().offline(),
                loading: c.status().in_flight(),
                last_error: c.status().last_error(),
            },
        }
    }

    /// The attribution the source requires.
    pub fn attribution_text(&self) -> &'static str {
        self.attribution
    }

    fn grid_piece(&self) -> Option<TilePiece> {
        self.grid
            .as_ref()
            .map(|g| TilePiece::new(Tile::Raster(g.clone()), full_uv()))
    }

    /// The best stand-in for a tile that is not loaded: a loaded ancestor's part, else the grid.
    fn stand_in(&mut self, key: TileKey) -> Option<TilePiece> {
        let mut ancestor = key;
        for _ in 0..STAND_IN_LEVELS {
            let Some(parent) = ancestor.parent() else {
                break;
            };
            ancestor = parent;
            if let Some(tex) = self.book.loaded(ancestor) {
                return Some(TilePiece::new(
                    Tile::Raster(tex.clone()),
                    uv_in_ancestor(key, ancestor),
                ));
            }
        }
        self.grid_piece()
    }
}

impl Tiles for MapTiles {
    fn at(&mut self, tile_id: TileId) -> Option<TilePiece> {
        let Some(key) = TileKey::new(tile_id.zoom, tile_id.x, tile_id.y) else {
            return self.grid_piece();
        };
        if self.client.is_none() {
            return self.grid_piece();
        }
        // Beyond the source's zoom levels, scale up its deepest tile.
        let mut fetch_key = key;
        while fetch_key.z > self.max_zoom {
            match fetch_key.parent() {
                Some(p) => fetch_key = p,
                None => break,
            }
        }
        let now = Instant::now();
        let piece = match self.book.want(fetch_key, now) {
            Want::Ready(tex) => Some(TilePiece::new(
                Tile::Raster(tex.clone()),
                uv_in_ancestor(key, fetch_key),
            )),
            Want::Fetch => {
                if let Some(c) = &self.client {
                    c.request(fetch_key);
                }
                None
            }
            Want::Wait => None,
        };
        piece.or_else(|| self.stand_in(key))
    }

    fn attribution(&self) -> Attribution {
        Attribution {
            text: self.attribution,
            url: "",
            logo_light: None,
            logo_dark: None,
        }
    }

    fn tile_size(&self) -> u32 {
        256
    }
}

fn full_uv() -> Rect {
    Rect::from_min_max(pos2(0.0, 0.0), pos2(1.0, 1.0))
}

/// The part of `ancestor` (same tile or coarser) that covers `key`, in texture coordinates.
fn uv_in_ancestor(key: TileKey, ancestor: TileKey) -> Rect {
    let dz = key.z.saturating_sub(ancestor.z);
    if dz == 0 {
        return full_uv();
    }
    let n = (1u32 << dz) as f32;
    let (fx, fy) = ((key.x % (1 << dz)) as f32, (key.y % (1 << dz)) as f32);
    Rect::from_min_max(pos2(fx / n, fy / n), pos2((fx + 1.0) / n, (fy + 1.0) / n))
}

/// The neutral grid drawn where no tile is available.
fn grid_texture(ctx: &egui::Context) -> TextureHandle {
    const N: usize = 256;
    let bg = Color32::from_rgb(0xe9, 0xe9, 0xe4);
    let minor = Color32::from_rgb(0xdc, 0xdc, 0xd6);
    let major = Color32::from_rgb(0xc4, 0xc4, 0xbc);
    let mut pixels = vec![bg; N * N];
    for y in 0..N {
        for x in 0..N {
            if x == 0 || y == 0 {
                pixels[y * N + x] = major;
            } else if x % 64 == 0 || y % 64 == 0 {
                pixels[y * N + x] = minor;
            }
        }
    }
    let image = ColorImage::new([N, N], pixels);
    ctx.load_texture("kestrel-grid-tile", image, TextureOptions::NEAREST)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_in_uv_picks_the_right_quarter() {
        let key = TileKey::new(5, 3, 2).unwrap();
        let parent = key.parent().unwrap();
        let uv = uv_in_ancestor(key, parent);
        assert_eq!(uv, Rect::from_min_max(pos2(0.5, 0.0), pos2(1.0, 0.5)));
        assert_eq!(uv_in_ancestor(key, key), full_uv());
    }
}
