//! Where map tiles come from: OpenStreetMap, any XYZ URL template (`{z}`, `{x}`, `{y}`, `{-y}` for
//! TMS rows, `{s}` or `{s:0123}` for server subdomains — e.g. Tianditu with its key), or an
//! offline MBTiles or PMTiles pack. This is what the settings store and what the pilot picks.

use std::path::PathBuf;

use super::TileKey;

/// OpenStreetMap's standard tile server.
pub const OSM_URL: &str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png";

/// A tile source as configured (and saved in the settings).
#[derive(Debug, Clone, Default, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case", tag = "type")]
pub enum TileSourceConfig {
    /// OpenStreetMap, online, cached on disk.
    #[default]
    OpenStreetMap,
    /// Any XYZ server, online, cached on disk.
    Xyz {
        /// Shown in the status bar and settings.
        name: String,
        /// The URL template.
        url: String,
    },
    /// An offline MBTiles pack (SQLite).
    MbTiles {
        /// The `.mbtiles` file.
        path: PathBuf,
    },
    /// An offline PMTiles pack.
    PmTiles {
        /// The `.pmtiles` file.
        path: PathBuf,
    },
    /// No base map: a neutral grid only (no network use at all).
    Grid,
}

impl TileSourceConfig {
    /// A short name for the status bar.
    pub fn label(&self) -> String {
        match self {
            TileSourceConfig::OpenStreetMap => "OpenStreetMap".into(),
            TileSourceConfig::Xyz { name, url } => {
                if name.trim().is_empty() {
                    url.clone()
                } else {
                    name.clone()
                }
            }
            TileSourceConfig::MbTiles { path } | TileSourceConfig::PmTiles { path } => path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| path.display().to_string()),
            TileSourceConfig::Grid => "grid".into(),
        }
    }

    /// The attribution the map must show.
    pub fn attribution(&self) -> &'static str {
        match self {
            TileSourceConfig::OpenStreetMap => "© OpenStreetMap contributors",
            _ => "",
        }
    }

    /// Whether tiles come over the network.
    pub fn is_online(&self) -> bool {
        matches!(
            self,
            TileSourceConfig::OpenStreetMap | TileSourceConfig::Xyz { .. }
        )
    }

    /// Checks the configuration before it is used, with an error that says what to fix.
    pub fn validate(&self) -> Result<(), String> {
        match self {
            TileSourceConfig::Xyz { url, .. } => XyzTemplate::parse(url).map(|_| ()),
            TileSourceConfig::MbTiles { path } | TileSourceConfig::PmTiles { path } => {
                if path.is_file() {
                    Ok(())
                } else {
                    Err(format!("offline pack {} does not exist", path.display()))
                }
            }
            TileSourceConfig::OpenStreetMap | TileSourceConfig::Grid => Ok(()),
        }
    }

    /// A source from what a user typed: `osm`, `grid`, an `http(s)://` template, or a path to a
    /// `.mbtiles` / `.pmtiles` file.
    pub fn from_user(input: &str) -> Result<Self, String> {
        let s = input.trim();
        let lower = s.to_ascii_lowercase();
        let source = if lower == "osm" || lower == "openstreetmap" {
            TileSourceConfig::OpenStreetMap
        } else if lower == "grid" || lower == "none" {
            TileSourceConfig::Grid
        } else if lower.starts_with("http://") || lower.starts_with("https://") {
            TileSourceConfig::Xyz {
                name: String::new(),
                url: s.to_string(),
            }
        } else if lower.ends_with(".mbtiles") {
            TileSourceConfig::MbTiles { path: s.into() }
        } else if lower.ends_with(".pmtiles") {
            TileSourceConfig::PmTiles { path: s.into() }
        } else {
            return Err(format!(
                "'{s}' is not a tile source; use osm, grid, an http(s):// URL template with {{z}}/{{x}}/{{y}}, or a .mbtiles or .pmtiles file"
            ));
        };
        source.validate()?;
        Ok(source)
    }
}

/// A parsed XYZ URL template.
#[derive(Debug, Clone, PartialEq)]
pub struct XyzTemplate {
    template: String,
    subdomains: Vec<String>,
}

impl XyzTemplate {
    /// Parses and checks a template: it must be http(s) and contain `{z}`, `{x}` and `{y}` (or
    /// `{-y}`).
    pub fn parse(url: &str) -> Result<Self, String> {
        let url = url.trim();
        let lower = url.to_ascii_lowercase();
        if !(lower.starts_with("http://") || lower.starts_with("https://")) {
            return Err(format!(
                "tile URL '{url}' must start with http:// or https://"
            ));
        }
        for needed in ["{z}", "{x}"] {
            if !url.contains(needed) {
                return Err(format!(
                    "tile URL '{url}' has no {needed}; a template looks like https://host/{{z}}/{{x}}/{{y}}.png"
                ));
            }
        }
        if !url.contains("{y}") && !url.contains("{-y}") {
            return Err(format!(
                "tile URL '{url}' has no {{y}} (or {{-y}} for TMS rows)"
            ));
        }
        let (template, subdomains) = match url.find("{s:") {
            Some(start) => {
                let end = url[start..]
                    .find('}')
                    .map(|e| start + e)
                    .ok_or_else(|| format!("tile URL '{url}': unclosed {{s:"))?;
                let list = &url[start + 3..end];
                if list.is_empty() {
                    return Err(format!("tile URL '{url}': {{s:}} lists no subdomains"));
                }
                let subs = list.chars().map(|c| c.to_string()).collect();
                (format!("{}{{s}}{}", &url[..start], &url[end + 1..]), subs)
            }
            None => (
                url.to_string(),
                vec!["a".to_string(), "b".to_string(), "c".to_string()],
            ),
        };
        Ok(Self {
            template,
            subdomains,
        })
    }

    /// The URL of one tile.
    pub fn url(&self, key: TileKey) -> String {
        let flipped = (1u32 << key.z).saturating_sub(1).saturating_sub(key.y);
        let sub = &self.subdomains[(key.x as usize + key.y as usize) % self.subdomains.len()];
        self.template
            .replace("{z}", &key.z.to_string())
            .replace("{x}", &key.x.to_string())
            .replace("{-y}", &flipped.to_string())
            .replace("{y}", &key.y.to_string())
            .replace("{s}", sub)
    }

    /// A stable short name for this template, used as its cache folder.
    pub fn cache_key(&self) -> String {
        // FNV-1a: stable across runs and Rust versions, unlike the std hasher.
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for b in self.template.as_bytes() {
            h ^= u64::from(*b);
            h = h.wrapping_mul(0x0100_0000_01b3);
        }
        let host: String = self
            .template
            .split("://")
            .nth(1)
            .unwrap_or("")
            .split('/')
            .next()
            .unwrap_or("")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
            .take(40)
            .collect();
        format!("{host}-{h:016x}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn templates_expand_and_bad_ones_say_why() {
        let t = XyzTemplate::parse(
            "https://t{s:01234567}.tianditu.gov.cn/DataServer?T=vec_w&x={x}&y={y}&l={z}&tk=KEY",
        )
        .unwrap();
        let k = TileKey::new(3, 5, 2).unwrap();
        assert_eq!(
            t.url(k),
            "https://t7.tianditu.gov.cn/DataServer?T=vec_w&x=5&y=2&l=3&tk=KEY"
        );
        let tms = XyzTemplate::parse("http://h/{z}/{x}/{-y}.png").unwrap();
        assert_eq!(tms.url(k), "http://h/3/5/5.png");
        assert!(XyzTemplate::parse("ftp://h/{z}/{x}/{y}")
            .unwrap_err()
            .contains("http"));
        assert!(XyzTemplate::parse("http://h/{z}/{x}.png")
            .unwrap_err()
            .contains("{y}"));
        assert_ne!(
            XyzTemplate::parse(OSM_URL).unwrap().cache_key(),
            tms.cache_key()
        );
        assert!(XyzTemplate::parse(OSM_URL)
            .unwrap()
            .cache_key()
            .starts_with("tile_openstreetmap_org-"));
    }

    #[test]
    fn user_input_becomes_a_source_or_a_clear_error() {
        assert_eq!(
            TileSourceConfig::from_user("osm").unwrap(),
            TileSourceConfig::OpenStreetMap
        );
        assert!(TileSourceConfig::from_user("/nope/city.mbtiles")
            .unwrap_err()
            .contains("does not exist"));
        assert!(TileSourceConfig::from_user("bing")
            .unwrap_err()
            .contains(".pmtiles"));
    }
}
