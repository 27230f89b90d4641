//! The shape ARCHITECTURE.md promises, checked on the source: no import circle between the
//! modules of any folder of the core, the window or the command line (so a feature stays in its
//! rooms), no `// --- feature ---` splice fences left anywhere, and the core crate free of the
//! window's toolkit.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// A module path inside one crate, e.g. `["console", "video"]`.
type ModPath = Vec<String>;

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Every `.rs` file under `dir`, with its module path.
fn modules(dir: &Path) -> BTreeMap<ModPath, String> {
    let mut out = BTreeMap::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|e| e != "rs") {
                continue;
            }
            let rel = p.strip_prefix(dir).unwrap().with_extension("");
            let mut path: ModPath = rel
                .components()
                .map(|c| c.as_os_str().to_string_lossy().into_owned())
                .collect();
            if matches!(
                path.last().map(String::as_str),
                Some("mod" | "lib" | "main")
            ) {
                path.pop();
            }
            out.insert(path, std::fs::read_to_string(&p).unwrap());
        }
    }
    out
}

/// The code of a file without comments and without its unit tests.
fn code(text: &str) -> String {
    let text = text.split("#[cfg(test)]").next().unwrap_or("");
    text.lines()
        .map(|l| l.split("//").next().unwrap_or(""))
        .collect::<Vec<_>>()
        .join("\n")
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_'
}

/// The module paths a file names: `crate::a::b…` and `super::…::x`.
fn references(path: &ModPath, text: &str) -> BTreeSet<ModPath> {
    let code = code(text);
    let mut refs = BTreeSet::new();
    let bytes: Vec<char> = code.chars().collect();
    let word_at =
        |i: usize| -> String { bytes[i..].iter().take_while(|c| is_ident(**c)).collect() };
    let mut i = 0;
    while i < bytes.len() {
        let starts_word = i == 0 || !is_ident(bytes[i - 1]);
        if !starts_word {
            i += 1;
            continue;
        }
        let word = word_at(i);
        if word == "crate" || word == "super" {
            let mut base: ModPath = if word == "crate" {
                Vec::new()
            } else {
                path[..path.len().saturating_sub(1)].to_vec()
            };
            let mut j = i + word.len();
            let mut segments = Vec::new();
            while bytes.get(j) == Some(&':') && bytes.get(j + 1) == Some(&':') {
                j += 2;
                let w = word_at(j);
                if w.is_empty() {
                    break;
                }
                j += w.len();
                if w == "super" && segments.is_empty() {
                    base.pop();
                } else {
                    segments.push(w);
                }
            }
            base.extend(segments);
            refs.insert(base);
            i = j;
        } else {
            i += word.len().max(1);
        }
    }
    refs
}

/// Import circles among the direct children of every folder of the crate in `src`.
fn circles(src: &Path) -> Vec<String> {
    let files = modules(src);
    let known: BTreeSet<ModPath> = files.keys().cloned().collect();
    let mut edges: Vec<(ModPath, ModPath)> = Vec::new();
    for (path, text) in &files {
        for r in references(path, text) {
            // The longest prefix of the reference that is a module of this crate.
            let target = (1..=r.len())
                .rev()
                .map(|n| r[..n].to_vec())
                .find(|p| known.contains(p));
            if let Some(t) = target {
                edges.push((path.clone(), t));
            }
        }
    }
    let parents: BTreeSet<ModPath> = known
        .iter()
        .filter(|p| !p.is_empty())
        .map(|p| p[..p.len() - 1].to_vec())
        .collect();
    let mut found = Vec::new();
    for parent in parents {
        let depth = parent.len() + 1;
        let mut graph: BTreeMap<ModPath, BTreeSet<ModPath>> = BTreeMap::new();
        for (from, to) in &edges {
            if from.len() < depth || to.len() < depth {
                continue;
            }
            if from[..parent.len()] != parent[..] || to[..parent.len()] != parent[..] {
                continue;
            }
            let (a, b) = (from[..depth].to_vec(), to[..depth].to_vec());
            if a != b {
                graph.entry(a).or_default().insert(b);
            }
        }
        for start in graph.keys() {
            // A path from one of `start`'s neighbours back to `start` is a circle.
            let mut seen = BTreeSet::new();
            let mut stack: Vec<ModPath> = graph[start].iter().cloned().collect();
            while let Some(n) = stack.pop() {
                if &n == start {
                    found.push(format!("{} is in an import circle", start.join("::")));
                    break;
                }
                if seen.insert(n.clone()) {
                    stack.extend(graph.get(&n).into_iter().flatten().cloned());
                }
            }
        }
    }
    found
}

#[test]
fn no_folder_has_an_import_circle() {
    let mut found = Vec::new();
    for src in ["crates/kestrel-core/src", "crates/kestrel-ui/src", "src"] {
        for c in circles(&root().join(src)) {
            found.push(format!("{src}: {c}"));
        }
    }
    assert!(found.is_empty(), "{}", found.join("\n"));
}

#[test]
fn the_circle_check_finds_a_circle() {
    // Two files that name each other.
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("a")).unwrap();
    std::fs::write(dir.path().join("lib.rs"), "pub mod a;").unwrap();
    std::fs::write(dir.path().join("a/mod.rs"), "mod x; mod y;").unwrap();
    std::fs::write(dir.path().join("a/x.rs"), "use super::y::Y;").unwrap();
    std::fs::write(dir.path().join("a/y.rs"), "use crate::a::x::X; // super::z").unwrap();
    let found = circles(dir.path());
    assert_eq!(found.len(), 2, "{found:?}");
    std::fs::write(dir.path().join("a/y.rs"), "pub struct Y;").unwrap();
    assert!(circles(dir.path()).is_empty());
}

#[test]
fn no_feature_fences_are_left() {
    let mut found = Vec::new();
    let mut stack = vec![root()];
    while let Some(d) = stack.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            let name = p.file_name().unwrap().to_string_lossy().into_owned();
            if p.is_dir() {
                if !name.starts_with('.') && name != "target" {
                    stack.push(p);
                }
                continue;
            }
            let wanted =
                p.extension().is_some_and(|e| e == "rs" || e == "toml") || name == "Makefile";
            if !wanted {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            for (n, line) in text.lines().enumerate() {
                let t = line.trim();
                let fence =
                    (t.contains("// --- ") || t.starts_with("# --- ")) && t.ends_with("---");
                if fence {
                    found.push(format!("{}:{}: {t}", p.display(), n + 1));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "fence comments left:\n{}",
        found.join("\n")
    );
}

#[test]
fn the_core_has_no_window_toolkit_and_the_binary_can_leave_the_window_and_simulator_out() {
    let core = std::fs::read_to_string(root().join("crates/kestrel-core/Cargo.toml")).unwrap();
    for toolkit in ["egui", "eframe", "walkers", "wgpu"] {
        assert!(
            !core.lines().any(|l| l.trim_start().starts_with(toolkit)),
            "kestrel-core depends on {toolkit}"
        );
    }
    let top = std::fs::read_to_string(root().join("Cargo.toml")).unwrap();
    for optional in ["kestrel-ui", "kestrel-sim"] {
        let line = top
            .lines()
            .skip_while(|l| l.trim() != "[dependencies]")
            .find(|l| l.starts_with(optional))
            .unwrap_or_else(|| panic!("{optional} is not a dependency of kestrel"));
        assert!(line.contains("optional = true"), "{line}");
    }
}
