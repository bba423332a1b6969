//! The nesting bound checked before a file is parsed: syn's parser, the drop of the tree it
//! builds and the analyses' visitors all recurse once or more per delimiter level, so a file
//! nested deeply enough overflows the parser thread's stack and aborts the process (a stack
//! overflow cannot be caught). A bigger stack only moves that depth; this scanner walks the text
//! once, iteratively, and refuses a file nested deeper than [`MAX_NESTING_DEPTH`] before syn
//! sees it.
//!
//! It lexes just enough Rust not to count delimiters that are not tokens: line comments, nested
//! block comments, string, byte string and C string literals with escapes, raw strings
//! (`r#"..."#`, `br"..."`, `cr##"..."##`), char and byte literals (`'('`, `b'{'`, `'\''`), which
//! it tells apart from lifetimes and labels (`'a`, `'static`). It never panics; input that does
//! not lex is left for syn to report.

/// The deepest delimiter nesting (`(`, `[`, `{` together) a file may have. Measured on the
/// 8 MiB parser threads ([`super::WORKER_STACK_BYTES`]), the shallowest construct that crashed
/// is a closure whose body is a block (`|| { || { ..`) at 777 levels; plain blocks crashed at
/// 1,606, parentheses at 2,739 (see `docs/dup-report.md`), so 256 leaves a factor of three.
/// Real code stays far below: this repository nests 10 levels at most, the 7,208 files of the
/// local cargo registry 45.
pub const MAX_NESTING_DEPTH: usize = 256;

/// Where a file first nests deeper than the limit: the 1-based line and column (in
/// characters, like syn's) of the opening delimiter at depth `limit + 1`.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct TooDeep {
    pub line: usize,
    pub column: usize,
}

/// The message a too-deep file is reported with.
#[must_use]
pub fn too_deep_message(limit: usize) -> String {
    format!(
        "delimiters nested more than {limit} deep: xtask does not parse a file nested beyond \
         this limit, which keeps the recursive parser within its stack"
    )
}

/// The first opening delimiter nested deeper than `limit`, if any.
#[must_use]
pub fn find_too_deep(text: &str, limit: usize) -> Option<TooDeep> {
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    let mut line = 1usize;
    let mut line_start = 0usize;
    let mut pos = 0usize;
    while pos < bytes.len() {
        let byte = bytes[pos];
        let end = match byte {
            b'\n' => {
                line += 1;
                line_start = pos + 1;
                pos + 1
            }
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    let column = text[line_start..pos].chars().count() + 1;
                    return Some(TooDeep { line, column });
                }
                pos + 1
            }
            b')' | b']' | b'}' => {
                depth = depth.saturating_sub(1);
                pos + 1
            }
            b'/' if bytes.get(pos + 1) == Some(&b'/') => line_end(bytes, pos),
            b'/' if bytes.get(pos + 1) == Some(&b'*') => block_comment_end(bytes, pos),
            b'"' => quoted_end(bytes, pos, b'"'),
            b'\'' => char_or_lifetime_end(bytes, pos),
            _ if is_word_byte(byte) => word_end(bytes, pos),
            _ => pos + 1,
        };
        // Literals and comments may span lines: count the newlines they hold.
        if end > pos + 1 {
            for (offset, &skipped) in bytes[pos..end].iter().enumerate() {
                if skipped == b'\n' {
                    line += 1;
                    line_start = pos + offset + 1;
                }
            }
        }
        pos = end;
    }
    None
}

/// The end of the identifier, keyword or number at `start`, or of the literal it prefixes
/// (`r"..."`, `b'x'`, `br#"..."#`, `c"..."`).
fn word_end(bytes: &[u8], start: usize) -> usize {
    let mut end = start;
    while end < bytes.len() && is_word_byte(bytes[end]) {
        end += 1;
    }
    let next = bytes.get(end).copied();
    match (&bytes[start..end], next) {
        (b"r" | b"br" | b"cr", Some(b'"' | b'#')) => raw_string_end(bytes, end).unwrap_or(end),
        (b"b" | b"c", Some(b'"')) => quoted_end(bytes, end, b'"'),
        (b"b", Some(b'\'')) => char_end(bytes, end).unwrap_or(end + 1),
        _ => end,
    }
}

/// The end of `#*"..."#*` at `at`, or `None` when no `"` follows the hashes (a raw identifier
/// such as `r#match`, whose `#` is then scanned as punctuation).
fn raw_string_end(bytes: &[u8], at: usize) -> Option<usize> {
    let hashes = bytes[at..].iter().take_while(|&&b| b == b'#').count();
    let open = at + hashes;
    if bytes.get(open) != Some(&b'"') {
        return None;
    }
    let mut pos = open + 1;
    while pos < bytes.len() {
        if bytes[pos] == b'"'
            && bytes[pos + 1..].iter().take_while(|&&b| b == b'#').count() >= hashes
        {
            return Some(pos + 1 + hashes);
        }
        pos += 1;
    }
    Some(bytes.len())
}

/// The end of a literal quoted with `quote` that opens at `open`, escapes honoured.
fn quoted_end(bytes: &[u8], open: usize, quote: u8) -> usize {
    let mut pos = open + 1;
    while pos < bytes.len() {
        match bytes[pos] {
            b'\\' => pos += 2,
            b if b == quote => return pos + 1,
            _ => pos += 1,
        }
    }
    bytes.len()
}

/// At a `'`: a char literal (`'('`, `'\n'`, `'\u{7b}'`) is skipped whole; a lifetime or a
/// label (`'a`, `'static`) and a stray quote are skipped one byte, so the word after them is
/// scanned as a word.
fn char_or_lifetime_end(bytes: &[u8], start: usize) -> usize {
    char_end(bytes, start).unwrap_or(start + 1)
}

/// The end of the char literal whose opening quote is at `start`, if it is one.
fn char_end(bytes: &[u8], start: usize) -> Option<usize> {
    let first = *bytes.get(start + 1)?;
    if first == b'\\' {
        // An escape: `\n`, `\'`, `\x7f`, `\u{..}`; it ends at the next quote on the line.
        let mut pos = start + 3;
        while pos < bytes.len() && bytes[pos] != b'\n' {
            if bytes[pos] == b'\'' {
                return Some(pos + 1);
            }
            pos += 1;
        }
        return None;
    }
    if first == b'\n' || first == b'\'' {
        return None;
    }
    // One character, then the closing quote: `'a'` is a char, `'ab` and `'a` are lifetimes.
    let char_len = utf8_len(first);
    (bytes.get(start + 1 + char_len) == Some(&b'\'')).then_some(start + 2 + char_len)
}

/// The length of the UTF-8 sequence that starts with `lead`.
fn utf8_len(lead: u8) -> usize {
    match lead {
        0xf0.. => 4,
        0xe0.. => 3,
        0xc0.. => 2,
        _ => 1,
    }
}

fn line_end(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |offset| from + offset)
}

/// The end of the (nested) block comment that opens at `from`.
fn block_comment_end(bytes: &[u8], from: usize) -> usize {
    let mut depth = 0usize;
    let mut pos = from;
    while pos + 1 < bytes.len() {
        match (bytes[pos], bytes[pos + 1]) {
            (b'/', b'*') => {
                depth += 1;
                pos += 2;
            }
            (b'*', b'/') => {
                depth -= 1;
                pos += 2;
                if depth == 0 {
                    return pos;
                }
            }
            _ => pos += 1,
        }
    }
    bytes.len()
}

/// A byte of an identifier, keyword or number. Identifiers may hold non-ASCII letters, so
/// every non-ASCII byte counts (no delimiter or quote is non-ASCII).
fn is_word_byte(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_' || byte >= 0x80
}

#[cfg(test)]
#[path = "nesting_tests.rs"]
mod tests;
