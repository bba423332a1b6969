//! Reading a repository's objects without a checkout and without a git library: one
//! long-lived `git cat-file --batch` process answers every request (commits, trees, blobs) over
//! a pipe, and the two object formats this needs (a commit's header and message, a tree's
//! entries) are parsed here. Used by `dup-report --history`.

use std::fmt::Write as _;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};

use anyhow::{Context, bail};

/// An object id as git prints it (40 or 64 lowercase hex digits).
pub(crate) type Oid = String;

/// A running `git cat-file --batch`, ended (stdin closed, process waited for) on drop.
pub(crate) struct ObjectReader {
    child: Child,
    input: Option<ChildStdin>,
    output: BufReader<ChildStdout>,
    /// Objects read so far (for the timings).
    pub(crate) reads: usize,
}

/// One entry of a tree object.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct TreeEntry {
    pub(crate) mode: String,
    pub(crate) name: String,
    pub(crate) oid: Oid,
}

impl TreeEntry {
    /// A subtree (mode `40000`).
    pub(crate) fn is_tree(&self) -> bool {
        self.mode == "40000"
    }

    /// A regular file (`100644` or `100755`), not a symlink or a submodule.
    pub(crate) fn is_file(&self) -> bool {
        self.mode.starts_with("100")
    }
}

/// What a commit object says that the history needs.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(crate) struct CommitInfo {
    pub(crate) tree: Oid,
    pub(crate) parents: Vec<Oid>,
    /// The first line of the message.
    pub(crate) subject: String,
}

impl ObjectReader {
    /// Starts `git cat-file --batch` in the repository at `repo`.
    ///
    /// # Errors
    /// git cannot be started.
    pub(crate) fn start(repo: &Path) -> anyhow::Result<ObjectReader> {
        let mut child = Command::new("git")
            .arg("-C")
            .arg(repo)
            .args(["cat-file", "--batch"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .context("starting git cat-file --batch")?;
        let input = child.stdin.take().context("git cat-file: no stdin")?;
        let output = child.stdout.take().context("git cat-file: no stdout")?;
        Ok(ObjectReader {
            child,
            input: Some(input),
            output: BufReader::new(output),
            reads: 0,
        })
    }

    /// The object named `name` (an id, or any `rev:path` git understands) as (type, bytes);
    /// `None` when it does not exist.
    ///
    /// # Errors
    /// The pipe breaks or git answers in an unexpected format.
    pub(crate) fn read(&mut self, name: &str) -> anyhow::Result<Option<(String, Vec<u8>)>> {
        assert!(
            !name.contains('\n'),
            "an object name must be one line for the batch protocol"
        );
        let input = self.input.as_mut().context("git cat-file: closed")?;
        writeln!(input, "{name}").context("writing to git cat-file")?;
        input.flush().context("writing to git cat-file")?;
        let mut header = String::new();
        self.output
            .read_line(&mut header)
            .context("reading from git cat-file")?;
        let header = header.trim_end();
        if header.ends_with(" missing") || header.ends_with(" ambiguous") || header.is_empty() {
            return Ok(None);
        }
        // `<oid> SP <type> SP <size> LF <contents> LF`
        let fields: Vec<&str> = header.split(' ').collect();
        let [_, kind, size] = fields[..] else {
            bail!("git cat-file: unexpected header `{header}`");
        };
        let size: usize = size
            .parse()
            .with_context(|| format!("git cat-file: bad size in `{header}`"))?;
        let mut bytes = vec![0; size + 1];
        self.output
            .read_exact(&mut bytes)
            .context("reading an object from git cat-file")?;
        assert_eq!(
            bytes.pop(),
            Some(b'\n'),
            "git cat-file ends an object with LF"
        );
        self.reads += 1;
        Ok(Some((kind.to_owned(), bytes)))
    }

    /// The object `name`, which must be of type `kind`.
    ///
    /// # Errors
    /// As [`ObjectReader::read`]; the object is missing or of another type.
    pub(crate) fn read_kind(&mut self, name: &str, kind: &str) -> anyhow::Result<Vec<u8>> {
        match self.read(name)? {
            Some((found, bytes)) if found == kind => Ok(bytes),
            Some((found, _)) => bail!("{name}: a {found}, not a {kind}"),
            None => bail!("{name}: no such object"),
        }
    }

    /// The commit `oid`, parsed.
    ///
    /// # Errors
    /// As [`ObjectReader::read_kind`]; a commit without a tree line.
    pub(crate) fn commit(&mut self, oid: &str) -> anyhow::Result<CommitInfo> {
        parse_commit(&self.read_kind(oid, "commit")?).with_context(|| format!("commit {oid}"))
    }

    /// The entries of the tree `oid`, in git's order.
    ///
    /// # Errors
    /// As [`ObjectReader::read_kind`]; a malformed tree.
    pub(crate) fn tree(&mut self, oid: &str) -> anyhow::Result<Vec<TreeEntry>> {
        parse_tree(&self.read_kind(oid, "tree")?).with_context(|| format!("tree {oid}"))
    }
}

impl Drop for ObjectReader {
    fn drop(&mut self) {
        // Closing stdin ends the batch; git exits at once.
        drop(self.input.take());
        let _ = self.child.wait();
    }
}

/// A commit object's tree, parents and subject.
///
/// # Errors
/// No `tree` header line.
pub(crate) fn parse_commit(bytes: &[u8]) -> anyhow::Result<CommitInfo> {
    let text = String::from_utf8_lossy(bytes);
    let (headers, message) = text.split_once("\n\n").unwrap_or((&text, ""));
    let mut tree = None;
    let mut parents = Vec::new();
    for line in headers.lines() {
        if let Some(oid) = line.strip_prefix("tree ") {
            tree = Some(oid.to_owned());
        } else if let Some(oid) = line.strip_prefix("parent ") {
            parents.push(oid.to_owned());
        }
    }
    let tree = tree.context("no tree line")?;
    let subject = message.lines().next().unwrap_or("").trim().to_owned();
    Ok(CommitInfo {
        tree,
        parents,
        subject,
    })
}

/// A tree object's entries: `<mode> SP <name> NUL <raw id>` each; the raw id is 20 bytes
/// (SHA-1) or 32 (SHA-256), told apart by the total length.
///
/// # Errors
/// A truncated entry.
pub(crate) fn parse_tree(bytes: &[u8]) -> anyhow::Result<Vec<TreeEntry>> {
    let width = tree_id_width(bytes).context("malformed tree object")?;
    let mut entries = Vec::new();
    let mut rest = bytes;
    while !rest.is_empty() {
        let nul = rest
            .iter()
            .position(|&b| b == 0)
            .context("tree entry without NUL")?;
        let head = String::from_utf8_lossy(&rest[..nul]);
        let (mode, name) = head.split_once(' ').context("tree entry without mode")?;
        let id = rest
            .get(nul + 1..nul + 1 + width)
            .context("truncated tree entry")?;
        entries.push(TreeEntry {
            mode: mode.to_owned(),
            name: name.to_owned(),
            oid: id.iter().fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            }),
        });
        rest = &rest[nul + 1 + width..];
    }
    Ok(entries)
}

/// The id width that splits the whole tree into well-formed entries (20 first).
fn tree_id_width(bytes: &[u8]) -> Option<usize> {
    [20, 32].into_iter().find(|&width| {
        let mut rest = bytes;
        while !rest.is_empty() {
            let Some(nul) = rest.iter().position(|&b| b == 0) else {
                return false;
            };
            if !rest[..nul].contains(&b' ') || rest.len() < nul + 1 + width {
                return false;
            }
            rest = &rest[nul + 1 + width..];
        }
        true
    })
}

/// The commits of `range` (anything `git rev-list` takes: `A..B`, or one revision for its
/// whole history) along the first parents, oldest first.
///
/// # Errors
/// git cannot be started or refuses the range (its first line is the message).
pub(crate) fn first_parent_commits(repo: &Path, range: &str) -> anyhow::Result<Vec<Oid>> {
    if range.starts_with('-') {
        bail!("--history {range}: a revision range, not an option");
    }
    let output = Command::new("git")
        .arg("-C")
        .arg(repo)
        .args(["rev-list", "--first-parent", "--reverse", range, "--"])
        .output()
        .context("starting git rev-list")?;
    if !output.status.success() {
        let message = String::from_utf8_lossy(&output.stderr);
        let first = message.lines().next().unwrap_or("git rev-list failed");
        bail!("--history {range}: {first}");
    }
    Ok(String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(str::to_owned)
        .collect())
}

#[cfg(test)]
mod tests {
    use super::{parse_commit, parse_tree};

    #[test]
    fn a_commit_gives_its_tree_parents_and_subject() {
        let text = b"tree aa\nparent bb\nparent cc\nauthor x <x> 1 +0000\n\nsubject line\n\nbody\n";
        let commit = parse_commit(text).unwrap();
        assert_eq!(commit.tree, "aa");
        assert_eq!(commit.parents, ["bb", "cc"]);
        assert_eq!(commit.subject, "subject line");
        assert!(parse_commit(b"parent bb\n\nno tree\n").is_err());
    }

    #[test]
    fn a_tree_lists_modes_names_and_hex_ids() {
        let mut bytes = b"40000 src\0".to_vec();
        bytes.extend([0xab; 20]);
        bytes.extend(b"100644 a b.rs\0");
        bytes.extend([0x01; 20]);
        let entries = parse_tree(&bytes).unwrap();
        assert_eq!(entries.len(), 2);
        assert!(entries[0].is_tree() && !entries[0].is_file());
        assert_eq!(entries[0].oid, "ab".repeat(20));
        assert_eq!(
            (entries[1].name.as_str(), entries[1].is_file()),
            ("a b.rs", true)
        );
        bytes.pop();
        assert!(parse_tree(&bytes).is_err());
    }
}
