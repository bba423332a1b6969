//! The golden check's bookkeeping, kept here (not in the test file) so that it is unit-tested:
//! result codes no golden shows, and snapshots no scenario produces.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// One failure line per variant of `engine`'s `ResultCode` that `seen` lacks.
#[must_use]
pub fn missing_codes(engine: &str, all: &[&str], seen: &BTreeSet<String>) -> Vec<String> {
    all.iter()
        .filter(|code| !seen.contains(**code))
        .map(|code| format!("{engine}: no golden shows ResultCode::{code}"))
        .collect()
}

/// One failure line per `<stem>.snap` in `snapshots` whose stem is not in `stems`; with
/// `remove`, the stale files are deleted instead (`--bless`).
///
/// # Errors
/// A stale snapshot that cannot be removed.
pub fn stale_snapshots(
    snapshots: &Path,
    stems: &BTreeSet<String>,
    remove: bool,
) -> std::io::Result<Vec<String>> {
    let Ok(entries) = std::fs::read_dir(snapshots) else {
        return Ok(Vec::new());
    };
    let mut paths: Vec<PathBuf> = entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
    paths.sort();
    let mut stale = Vec::new();
    for path in paths {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let Some(stem) = name.strip_suffix(".snap") else {
            continue;
        };
        if stems.contains(stem) {
            continue;
        }
        if remove {
            std::fs::remove_file(&path)?;
        } else {
            stale.push(format!(
                "{}: stale snapshot, no scenario {stem}.scn produces it",
                path.display()
            ));
        }
    }
    Ok(stale)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_missing_code_is_named() {
        let seen: BTreeSet<String> = ["Ok".to_owned()].into();
        assert_eq!(
            missing_codes("e", &["Ok", "Noop", "StaleEpoch"], &seen),
            [
                "e: no golden shows ResultCode::Noop",
                "e: no golden shows ResultCode::StaleEpoch"
            ]
        );
        assert!(missing_codes("e", &["Ok"], &seen).is_empty());
    }

    #[test]
    fn stale_snapshots_fail_the_check_and_bless_removes_them() {
        let dir = tempfile::tempdir().unwrap();
        for name in ["kept.snap", "gone.snap", "notes.txt"] {
            std::fs::write(dir.path().join(name), "x").unwrap();
        }
        let stems: BTreeSet<String> = ["kept".to_owned()].into();
        let stale = stale_snapshots(dir.path(), &stems, false).unwrap();
        assert_eq!(stale.len(), 1);
        assert!(
            stale[0].ends_with("gone.snap: stale snapshot, no scenario gone.scn produces it"),
            "{}",
            stale[0]
        );
        assert!(
            stale_snapshots(dir.path(), &stems, true)
                .unwrap()
                .is_empty()
        );
        assert!(!dir.path().join("gone.snap").exists());
        assert!(dir.path().join("kept.snap").exists() && dir.path().join("notes.txt").exists());
        assert!(
            stale_snapshots(&dir.path().join("missing"), &stems, false)
                .unwrap()
                .is_empty()
        );
    }
}
