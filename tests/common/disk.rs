//! A real small filesystem for the tests that fill a disk: a tmpfs mounted for the test (CI
//! runs as root) and unmounted when dropped, with a ballast file to fill it at will.

use std::path::{Path, PathBuf};
use std::process::Command;

/// A mounted tmpfs.
pub struct SmallDisk {
    _dir: tempfile::TempDir,
    /// Where it is mounted.
    pub at: PathBuf,
}

impl SmallDisk {
    /// Mounts a tmpfs of `size` (e.g. "4m"); `None`, with the reason printed, where this
    /// process may not mount filesystems (not root).
    pub fn mount(size: &str) -> Option<Self> {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("disk");
        std::fs::create_dir(&at).unwrap();
        let out = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(&at)
            .output();
        match out {
            Ok(o) if o.status.success() => Some(Self { _dir: dir, at }),
            Ok(o) => {
                eprintln!(
                    "skipped: cannot mount a tmpfs here (run as root): {}",
                    String::from_utf8_lossy(&o.stderr)
                );
                None
            }
            Err(e) => {
                eprintln!("skipped: no mount command: {e}");
                None
            }
        }
    }

    /// Bytes still free.
    pub fn available(&self) -> u64 {
        kestrel::storage::DiskSpace::of(&self.at).unwrap().available
    }

    /// Writes a file (named `name`) that leaves only `left` bytes free (or fills the disk, if
    /// something else writes meanwhile); returns its path.
    pub fn fill_leaving(&self, name: &str, left: u64) -> PathBuf {
        use std::io::Write;
        let path = self.at.join(name);
        let mut f = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 4096];
        loop {
            let room = self.available().saturating_sub(left);
            if room == 0 {
                break;
            }
            let n = room.min(chunk.len() as u64) as usize;
            match f.write_all(&chunk[..n]).and_then(|()| f.sync_data()) {
                Ok(()) => {}
                Err(e) if e.kind() == std::io::ErrorKind::StorageFull => break,
                Err(e) => panic!("filling {}: {e}", path.display()),
            }
        }
        path
    }
}

impl Drop for SmallDisk {
    fn drop(&mut self) {
        // Lazily: a core still closing its files must not leave the mount behind.
        let _ = Command::new("umount").arg("-l").arg(&self.at).status();
    }
}

/// Removes a ballast file.
pub fn free(path: &Path) {
    std::fs::remove_file(path).unwrap();
}
