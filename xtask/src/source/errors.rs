//! How a file that cannot be analyzed is reported: not UTF-8, or not parsed by syn.

use super::{FileInput, ParseError, PerFile};

/// A file that is not UTF-8, reported at its first invalid byte (1-based line and column in
/// characters, like syn's positions).
pub(super) fn not_utf8<T>(file: &FileInput, bytes: &[u8], valid_up_to: usize) -> PerFile<T> {
    let valid = std::str::from_utf8(&bytes[..valid_up_to]).unwrap_or_default();
    let line_start = valid.rfind('\n').map_or(0, |i| i + 1);
    PerFile {
        lines: bytes.split(|&b| b == b'\n').count()
            - usize::from(bytes.is_empty() || bytes.ends_with(b"\n")),
        result: Err(ParseError {
            file: file.display.clone(),
            line: valid.matches('\n').count() + 1,
            column: valid[line_start..].chars().count() + 1,
            message: "file is not valid UTF-8".to_owned(),
        }),
        modules: Vec::new(),
    }
}

/// syn's message, except for lexer failures, which proc-macro2 reports without saying why.
pub(super) fn parse_message(error: &syn::Error) -> String {
    let message = error.to_string();
    if message == "cannot parse string into token stream" {
        "cannot lex the file: unbalanced delimiter, unterminated literal or comment, or an invalid token".to_owned()
    } else {
        message
    }
}
