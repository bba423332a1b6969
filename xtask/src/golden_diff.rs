//! Diffs two folders of golden traces (`<engine>/<name>.trace`) with `similar`.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::Context;

/// One readable unified diff per trace that differs, is missing, or is new.
///
/// # Errors
/// A folder or file that cannot be read.
pub fn diff_trees(old: &Path, new: &Path) -> anyhow::Result<Vec<String>> {
    let names: BTreeSet<String> = list(old)?.into_iter().chain(list(new)?).collect();
    let mut differences = Vec::new();
    for name in names {
        let before = read(&old.join(&name))?;
        let after = read(&new.join(&name))?;
        if before == after {
            continue;
        }
        let diff = similar::TextDiff::from_lines(&before, &after);
        let text = diff
            .unified_diff()
            .context_radius(3)
            .header(&format!("a/{name}"), &format!("b/{name}"))
            .to_string();
        differences.push(text);
    }
    Ok(differences)
}

fn list(dir: &Path) -> anyhow::Result<Vec<String>> {
    let mut names = Vec::new();
    if !dir.is_dir() {
        return Ok(names);
    }
    for engine in std::fs::read_dir(dir).with_context(|| format!("reading {}", dir.display()))? {
        let engine = engine?.path();
        if !engine.is_dir() {
            continue;
        }
        for file in std::fs::read_dir(&engine)? {
            let file = file?.path();
            if let (Some(e), Some(f)) = (engine.file_name(), file.file_name()) {
                names.push(format!("{}/{}", e.to_string_lossy(), f.to_string_lossy()));
            }
        }
    }
    Ok(names)
}

fn read(path: &Path) -> anyhow::Result<String> {
    match std::fs::read_to_string(path) {
        Ok(text) => Ok(text),
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => Ok(String::new()),
        Err(error) => Err(error).with_context(|| format!("reading {}", path.display())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_differing_traces_are_reported_with_a_unified_diff() {
        let dir = std::env::temp_dir().join(format!("golden-diff-{}", std::process::id()));
        let (old, new) = (dir.join("old/e"), dir.join("new/e"));
        std::fs::create_dir_all(&old).unwrap();
        std::fs::create_dir_all(&new).unwrap();
        std::fs::write(old.join("same.trace"), "a\nb\n").unwrap();
        std::fs::write(new.join("same.trace"), "a\nb\n").unwrap();
        std::fs::write(old.join("changed.trace"), "x -> Ok\ny\n").unwrap();
        std::fs::write(new.join("changed.trace"), "x -> StaleEpoch\ny\n").unwrap();
        std::fs::write(new.join("added.trace"), "new\n").unwrap();
        let diffs = diff_trees(&dir.join("old"), &dir.join("new")).unwrap();
        std::fs::remove_dir_all(&dir).unwrap();
        assert_eq!(diffs.len(), 2);
        assert!(diffs[0].contains("+++ b/e/added.trace") && diffs[0].contains("+new"));
        assert!(
            diffs[1].contains("-x -> Ok") && diffs[1].contains("+x -> StaleEpoch"),
            "{}",
            diffs[1]
        );
    }
}
