//! Where Kestrel keeps its files: the data directory (SQLite databases, telemetry logs,
//! recordings) and the config directory (settings), following each platform's convention.
//! `--data-dir DIR` overrides the data directory for every subcommand.

use std::path::{Path, PathBuf};

/// Application folder name inside the platform directories.
const APP: &str = "kestrel";

fn home() -> PathBuf {
    std::env::var_os("HOME")
        .or_else(|| std::env::var_os("USERPROFILE"))
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("."))
}

fn platform_dir(xdg_var: &str, xdg_default: &str) -> PathBuf {
    if cfg!(target_os = "windows") {
        if let Some(appdata) = std::env::var_os("APPDATA") {
            return PathBuf::from(appdata).join(APP);
        }
    }
    if cfg!(target_os = "macos") {
        return home().join("Library/Application Support").join(APP);
    }
    match std::env::var_os(xdg_var) {
        Some(dir) if !dir.is_empty() => PathBuf::from(dir).join(APP),
        _ => home().join(xdg_default).join(APP),
    }
}

/// The data directory: `override_dir` if given, else the platform's (e.g. `~/.local/share/kestrel`).
pub fn data_dir(override_dir: Option<&Path>) -> PathBuf {
    match override_dir {
        Some(d) => d.to_path_buf(),
        None => platform_dir("XDG_DATA_HOME", ".local/share"),
    }
}

/// The config directory (e.g. `~/.config/kestrel`), where console settings live.
pub fn config_dir() -> PathBuf {
    platform_dir("XDG_CONFIG_HOME", ".config")
}

/// The cache directory (e.g. `~/.cache/kestrel`), for things that can be fetched again (map tiles).
pub fn cache_dir() -> PathBuf {
    if cfg!(target_os = "windows") {
        if let Some(local) = std::env::var_os("LOCALAPPDATA") {
            return PathBuf::from(local).join(APP).join("cache");
        }
    }
    if cfg!(target_os = "macos") {
        return home().join("Library/Caches").join(APP);
    }
    platform_dir("XDG_CACHE_HOME", ".cache")
}

/// Creates `dir` (and parents) if needed, with an error that names it.
pub fn ensure_dir(dir: &Path) -> std::io::Result<PathBuf> {
    std::fs::create_dir_all(dir).map_err(|e| {
        std::io::Error::new(
            e.kind(),
            format!("cannot create directory {}: {e}", dir.display()),
        )
    })?;
    Ok(dir.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn override_wins() {
        assert_eq!(data_dir(Some(Path::new("/x/y"))), PathBuf::from("/x/y"));
        assert!(data_dir(None).ends_with(APP));
    }
}
