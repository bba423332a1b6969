//! `--rev GIT_REV`: the baseline computed from another revision, in a temporary
//! `git worktree` ([`crate::worktree`]) that is removed afterwards, also after an error.

use anyhow::{Context, bail};

use super::report::BaselineFigures;
use super::{ScanInput, scan};
use crate::source::Root;
use crate::worktree::Worktree;

/// Scans the same roots as `input` at revision `rev` and returns its figures, and the detector
/// version that revision carries when it holds this tool (`xtask/src/dup.rs`): figures
/// recorded at `rev` were measured by that version.
///
/// # Errors
/// Not inside a git repository, a root outside it, an unknown revision, a failing scan.
pub fn baseline_at(
    rev: &str,
    input: &ScanInput<'_>,
) -> anyhow::Result<(BaselineFigures, Option<u32>)> {
    let Some(repo_root) = input.repo_root else {
        bail!("--rev {rev}: not inside a repository");
    };
    let mut relative = Vec::new();
    for root in input.roots {
        let Ok(inside) = root.path.strip_prefix(repo_root) else {
            bail!(
                "--rev {rev}: root {} is outside the repository {}",
                root.path.display(),
                repo_root.display()
            );
        };
        relative.push((
            root.name.clone(),
            inside.to_path_buf(),
            root.test_features.clone(),
        ));
    }
    let worktree = Worktree::add(repo_root, rev).with_context(|| format!("--rev {rev}"))?;
    // Roots that did not exist at `rev` contribute nothing to the baseline.
    let roots: Vec<Root> = relative
        .into_iter()
        .map(|(name, inside, test_features)| Root {
            name,
            path: worktree.path().join(inside),
            test_features,
        })
        .filter(|root| root.path.is_dir())
        .collect();
    let at_rev = ScanInput {
        roots: &roots,
        repo_root: Some(worktree.path()),
        cwd: worktree.path(),
        ..input.clone()
    };
    let (report, _) = scan(&at_rev).with_context(|| format!("scanning revision {rev}"))?;
    let recorded = std::fs::read_to_string(worktree.path().join("xtask/src/dup.rs"))
        .ok()
        .map(|text| recorded_version(&text));
    drop(worktree);
    Ok((BaselineFigures::of(&report.summary), recorded))
}

/// The `DETECTOR_VERSION` a revision's `xtask/src/dup.rs` declares; 1 when it predates the
/// constant.
fn recorded_version(text: &str) -> u32 {
    text.lines()
        .find_map(|line| {
            let value = line
                .trim()
                .strip_prefix("pub const DETECTOR_VERSION: u32 = ")?;
            value.strip_suffix(';')?.parse().ok()
        })
        .unwrap_or(1)
}

#[cfg(test)]
mod tests {
    use super::recorded_version;

    #[test]
    fn the_recorded_version_is_read_from_the_constant_or_is_1() {
        assert_eq!(
            recorded_version("x\npub const DETECTOR_VERSION: u32 = 7;\n"),
            7
        );
        assert_eq!(recorded_version("pub const DETECTOR_VERSION: u32 = x;"), 1);
        assert_eq!(recorded_version("//! no constant\n"), 1);
    }
}
