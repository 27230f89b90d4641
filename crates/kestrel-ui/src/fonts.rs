//! Fonts with Chinese glyphs: egui's built-in fonts have none, so a CJK font is added as a
//! fallback — a system one when present (WenQuanYi on Debian, Microsoft YaHei on Windows, PingFang
//! on macOS), else the subset bundled in `assets/fonts/` that covers every string of the console.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use eframe::egui;
use egui::epaint::text::{FontInsert, FontPriority, InsertFontFamily};

/// System fonts tried in order.
const SYSTEM_CJK_FONTS: &[&str] = &[
    "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
    "C:\\Windows\\Fonts\\msyh.ttc",
    "C:\\Windows\\Fonts\\simhei.ttf",
    "/System/Library/Fonts/PingFang.ttc",
    "/System/Library/Fonts/STHeiti Light.ttc",
];

/// The bundled subset: Latin plus every Chinese character the console's own strings use.
const BUNDLED_CJK: &[u8] = include_bytes!("../../../assets/fonts/kestrel-cjk-subset.ttf");

/// Where the CJK glyphs come from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CjkSource {
    /// A system font file.
    System(PathBuf),
    /// The subset bundled in the binary.
    Bundled,
}

fn cjk_font() -> &'static (Arc<Vec<u8>>, CjkSource) {
    static FONT: OnceLock<(Arc<Vec<u8>>, CjkSource)> = OnceLock::new();
    FONT.get_or_init(|| {
        for path in SYSTEM_CJK_FONTS {
            if let Ok(bytes) = std::fs::read(path) {
                return (Arc::new(bytes), CjkSource::System(PathBuf::from(path)));
            }
        }
        (Arc::new(BUNDLED_CJK.to_vec()), CjkSource::Bundled)
    })
}

/// Adds the CJK font to `ctx` as a fallback of both font families; returns where it came from.
/// Read from disk once per process.
pub fn install(ctx: &egui::Context) -> CjkSource {
    let (bytes, source) = cjk_font();
    let blob: egui::epaint::text::Blob = bytes.clone();
    let data = egui::FontData::from_blob(blob, 0);
    ctx.add_font(FontInsert::new(
        "kestrel-cjk",
        data,
        vec![
            InsertFontFamily {
                family: egui::FontFamily::Proportional,
                priority: FontPriority::Lowest,
            },
            InsertFontFamily {
                family: egui::FontFamily::Monospace,
                priority: FontPriority::Lowest,
            },
        ],
    ));
    source.clone()
}
