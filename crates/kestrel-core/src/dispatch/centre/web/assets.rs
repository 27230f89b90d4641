//! The page's files, built into the binary (`assets/web/` at compile time): the command centre
//! works in a closed police network with nothing to fetch from a CDN, and a server binary
//! cannot lose its page.

/// One embedded file.
pub struct Asset {
    /// Its path under `/assets/`.
    pub path: &'static str,
    /// Its content type.
    pub content_type: &'static str,
    /// Its bytes.
    pub bytes: &'static [u8],
}

macro_rules! assets {
    ($($path:literal => $type:literal,)*) => {
        /// Every file the page uses.
        pub const ASSETS: &[Asset] = &[
            $(Asset {
                path: $path,
                content_type: $type,
                bytes: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/../../assets/web/", $path)),
            },)*
        ];
    };
}

assets! {
    "index.html" => "text/html; charset=utf-8",
    "app.js" => "text/javascript; charset=utf-8",
    "i18n.js" => "text/javascript; charset=utf-8",
    "app.css" => "text/css; charset=utf-8",
    "vendor/leaflet/leaflet.js" => "text/javascript; charset=utf-8",
    "vendor/leaflet/leaflet.css" => "text/css; charset=utf-8",
    "vendor/leaflet/LICENSE" => "text/plain; charset=utf-8",
    "vendor/leaflet/images/layers.png" => "image/png",
    "vendor/leaflet/images/layers-2x.png" => "image/png",
    "vendor/leaflet/images/marker-icon.png" => "image/png",
    "vendor/leaflet/images/marker-icon-2x.png" => "image/png",
    "vendor/leaflet/images/marker-shadow.png" => "image/png",
}

/// The embedded file at `path` (relative to `/assets/`).
pub fn find(path: &str) -> Option<&'static Asset> {
    ASSETS.iter().find(|a| a.path == path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_and_its_map_library_are_built_in() {
        let index = std::str::from_utf8(find("index.html").unwrap().bytes).unwrap();
        assert!(index.contains("/assets/app.js"));
        assert!(index.contains("/assets/vendor/leaflet/leaflet.js"));
        assert!(!index.contains("http://") && !index.contains("https://"));
        assert!(find("vendor/leaflet/leaflet.js").unwrap().bytes.len() > 100_000);
        assert!(find("../Cargo.toml").is_none());
    }
}
