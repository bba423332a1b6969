//! One file through the front end: read it (from the disk, or as a git blob's bytes for
//! `dup-report --history`), refuse it when not UTF-8 or nested too deeply, then parse it part
//! by part ([`super::parts`]), in one pass or, for an analysis that needs a context of the
//! whole file, in two ([`super::analyze_parts_in_context`]).

use std::path::PathBuf;

use anyhow::Context;

use super::errors::{not_utf8, parse_message};
use super::parts::{self, PartStart};
use super::test_files::declared_modules;
use super::{FileInput, ParseError, Part, nesting};

/// What one file gave: its physical lines, one `T` per part (or where it failed), and the
/// files it declares (for [`super::test_file_set`]).
#[derive(Clone, Debug)]
pub(crate) struct PerFile<T> {
    pub(crate) lines: usize,
    pub(crate) result: Result<Vec<T>, ParseError>,
    /// Paths of files this one declares as out-of-line `mod name;`, and whether the
    /// declaration is test code (`#[cfg(test)]` or a test feature).
    pub(crate) modules: Vec<(PathBuf, bool)>,
}

/// Where a part failed to parse, in the file: line, column, message.
type PartError = (usize, usize, String);

/// Reads `file` from the disk and hands it to [`process_bytes`].
///
/// # Errors
/// A file that cannot be read.
pub(super) fn process<C, T, G, F>(
    file: &FileInput,
    test_features: &[String],
    max_part_bytes: usize,
    gather: Option<&G>,
    analyze_part: &F,
) -> anyhow::Result<PerFile<T>>
where
    C: Default,
    G: Fn(&mut C, &Part<'_>),
    F: Fn(&FileInput, Part<'_>, &C) -> T,
{
    let bytes =
        std::fs::read(&file.path).with_context(|| format!("reading {}", file.path.display()))?;
    Ok(process_bytes(
        file,
        test_features,
        bytes,
        max_part_bytes,
        gather,
        analyze_part,
    ))
}

/// Checks one file's bytes and hands its parts to `gather` and `analyze_part`; the bytes come
/// from the disk ([`process`]) or from a git object (`dup-report --history`). A module it
/// declares under one of `test_features` (its root's) is test code.
pub(crate) fn process_bytes<C, T, G, F>(
    file: &FileInput,
    test_features: &[String],
    bytes: Vec<u8>,
    max_part_bytes: usize,
    gather: Option<&G>,
    analyze_part: &F,
) -> PerFile<T>
where
    C: Default,
    G: Fn(&mut C, &Part<'_>),
    F: Fn(&FileInput, Part<'_>, &C) -> T,
{
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(error) => {
            return not_utf8(file, error.as_bytes(), error.utf8_error().valid_up_to());
        }
    };
    let lines = text.lines().count();
    let failed = |(line, column, message): PartError| PerFile {
        lines,
        result: Err(ParseError {
            file: file.display.clone(),
            line,
            column,
            message,
        }),
        modules: Vec::new(),
    };
    // Checked before syn sees the file: a file nested too deeply would overflow the stack of
    // this thread and abort the whole process.
    if let Some(deep) = nesting::find_too_deep(&text, nesting::MAX_NESTING_DEPTH) {
        let message = nesting::too_deep_message(nesting::MAX_NESTING_DEPTH);
        return failed((deep.line, deep.column, message));
    }
    let starts = parts::part_starts(&text, max_part_bytes);
    let single = starts.len() == 1;
    let mut context = C::default();
    if let Some(gather) = gather.filter(|_| !single)
        && let Err(error) = each_part(&text, &starts, |part| gather(&mut context, &part))
    {
        return failed(error);
    }
    let mut results = Vec::with_capacity(starts.len());
    let mut modules = Vec::new();
    let walked = each_part(&text, &starts, |part| {
        if let Some(gather) = gather.filter(|_| single) {
            gather(&mut context, &part);
        }
        modules.extend(declared_modules(&file.path, part.syntax, test_features));
        results.push(analyze_part(file, part, &context));
    });
    if let Err(error) = walked {
        return failed(error);
    }
    PerFile {
        lines,
        result: Ok(results),
        modules,
    }
}

/// Parses the parts of `text` that start at `starts` one at a time and hands each to `each`;
/// a part's tree is dropped before the next is parsed. The first part that does not parse
/// ends the walk with its error, at its place in the file.
fn each_part(
    text: &str,
    starts: &[PartStart],
    mut each: impl FnMut(Part<'_>),
) -> Result<(), PartError> {
    for (index, start) in starts.iter().enumerate() {
        let end = starts.get(index + 1).map_or(text.len(), |next| next.offset);
        let part = &text[start.offset..end];
        let parsed = syn::parse_file(part);
        let outcome = match &parsed {
            Ok(syntax) => {
                each(Part {
                    text: part,
                    syntax,
                    first_line: start.line,
                    first_column: start.column,
                });
                None
            }
            Err(error) => {
                let at = error.span().start();
                // Lines count from the part's first line, which starts `column` characters
                // into the file's line.
                let column = at.column + 1 + if at.line <= 1 { start.column } else { 0 };
                let line = at.line.max(1) + start.line as usize - 1;
                Some((line, column, parse_message(error)))
            }
        };
        drop(parsed);
        // proc-macro2 keeps every parsed text in a thread-local source map and finds a span's
        // file by a linear search over it: without this, span lookups on a thread that parsed
        // thousands of files get slower with every file (quadratic in the tree), and the map
        // would hold every part of a large file. The tree and its spans are gone by now; only
        // plain data leaves this function.
        proc_macro2::extra::invalidate_current_thread_spans();
        if let Some(error) = outcome {
            return Err(error);
        }
    }
    Ok(())
}
