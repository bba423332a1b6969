//! A small, allocation-free Rust lexer, shared by the front end (the nesting bound checked
//! before syn parses a file) and by dup-report's fingerprints.
//!
//! It cuts text into tokens with byte offsets and line numbers, about ten times faster than
//! re-lexing through `proc-macro2`, which allocates a `String` per identifier. Comments (doc
//! comments too) and whitespace produce no tokens; string, raw string, byte and C string
//! literals, char literals and lifetimes are told apart, so a delimiter inside a literal or a
//! comment is never a token. It never panics, valid Rust or not.

/// What a token is, as far as clone detection cares.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum Class {
    /// A keyword (kept by every normalization).
    Keyword,
    /// An identifier or a lifetime (renamed consistently, or erased).
    Ident,
    /// A literal (abstracted by the `renamed` and `near` normalizations).
    Literal,
    /// Punctuation and delimiters (kept by every normalization).
    Punct,
}

/// One token: `text[start..end]`, starting on 1-based `line` and ending on `end_line`.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct Lexeme {
    pub class: Class,
    pub start: u32,
    pub end: u32,
    pub line: u32,
    pub end_line: u32,
}

/// True for the words every normalization keeps.
#[must_use]
pub fn is_keyword(word: &str) -> bool {
    matches!(
        word,
        "Self"
            | "as"
            | "async"
            | "await"
            | "break"
            | "const"
            | "continue"
            | "crate"
            | "dyn"
            | "else"
            | "enum"
            | "extern"
            | "false"
            | "fn"
            | "for"
            | "if"
            | "impl"
            | "in"
            | "let"
            | "loop"
            | "match"
            | "mod"
            | "move"
            | "mut"
            | "pub"
            | "ref"
            | "return"
            | "self"
            | "static"
            | "struct"
            | "super"
            | "trait"
            | "true"
            | "type"
            | "unsafe"
            | "use"
            | "where"
            | "while"
            | "macro_rules"
            | "_"
    )
}

/// Cuts `text` into tokens. Never panics; unknown bytes become one-byte punctuation.
#[must_use]
pub fn tokenize(text: &str) -> Vec<Lexeme> {
    let mut tokens = Vec::with_capacity(text.len() / 4);
    tokens.extend(tokens_of(text));
    tokens
}

/// The tokens of `text`, one at a time (nothing collected).
#[must_use]
pub fn tokens_of(text: &str) -> Tokens<'_> {
    Tokens {
        text,
        lexer: Lexer {
            bytes: text.as_bytes(),
            pos: 0,
            line: 1,
        },
    }
}

/// The iterator [`tokens_of`] returns.
pub struct Tokens<'a> {
    text: &'a str,
    lexer: Lexer<'a>,
}

impl Iterator for Tokens<'_> {
    type Item = Lexeme;

    fn next(&mut self) -> Option<Lexeme> {
        self.lexer.next_token(self.text)
    }
}

struct Lexer<'a> {
    bytes: &'a [u8],
    pos: usize,
    line: u32,
}

impl Lexer<'_> {
    fn peek(&self, offset: usize) -> u8 {
        self.bytes.get(self.pos + offset).copied().unwrap_or(0)
    }

    /// Advances to `to`, counting newlines.
    fn advance_to(&mut self, to: usize) {
        let to = to.min(self.bytes.len());
        let newlines = self.bytes[self.pos..to].iter().filter(|&&b| b == b'\n');
        self.line += u32::try_from(newlines.count()).unwrap_or(u32::MAX);
        self.pos = to;
    }

    fn skip_trivia(&mut self) {
        loop {
            let byte = self.peek(0);
            if byte.is_ascii_whitespace() {
                if byte == b'\n' {
                    self.line += 1;
                }
                self.pos += 1;
            } else if byte == b'/' && self.peek(1) == b'/' {
                let end = memchr_newline(self.bytes, self.pos);
                self.pos = end;
            } else if byte == b'/' && self.peek(1) == b'*' {
                let end = block_comment_end(self.bytes, self.pos);
                self.advance_to(end);
            } else if byte >= 0x80 && self.unicode_whitespace_len() > 0 {
                self.pos += self.unicode_whitespace_len();
            } else {
                return;
            }
        }
    }

    fn unicode_whitespace_len(&self) -> usize {
        let rest = &self.bytes[self.pos..];
        let text = std::str::from_utf8(&rest[..rest.len().min(4)]).unwrap_or_else(|error| {
            std::str::from_utf8(&rest[..error.valid_up_to()]).unwrap_or_default()
        });
        match text.chars().next() {
            Some(c) if c.is_whitespace() => c.len_utf8(),
            _ => 0,
        }
    }

    fn next_token(&mut self, text: &str) -> Option<Lexeme> {
        self.skip_trivia();
        if self.pos >= self.bytes.len() {
            return None;
        }
        let start = self.pos;
        let line = self.line;
        let (class, end) = self.scan(text);
        let end = end.max(start + 1).min(self.bytes.len());
        self.advance_to(end);
        Some(Lexeme {
            class,
            start: u32::try_from(start).unwrap_or(u32::MAX),
            end: u32::try_from(end).unwrap_or(u32::MAX),
            line,
            end_line: self.line,
        })
    }

    /// Classifies the token at `pos` and returns its end offset (without moving).
    fn scan(&self, text: &str) -> (Class, usize) {
        let bytes = self.bytes;
        let start = self.pos;
        let byte = bytes[start];
        match byte {
            b'r' if self.peek(1) == b'#' && is_ident_start(self.peek(2)) => {
                (Class::Ident, ident_end(bytes, start + 2))
            }
            b'r' if matches!(self.peek(1), b'"' | b'#') => {
                (Class::Literal, raw_string_end(bytes, start + 1))
            }
            b'b' | b'c' if self.peek(1) == b'r' && matches!(self.peek(2), b'"' | b'#') => {
                (Class::Literal, raw_string_end(bytes, start + 2))
            }
            b'b' | b'c' if self.peek(1) == b'"' => {
                (Class::Literal, quoted_end(bytes, start + 1, b'"'))
            }
            b'b' if self.peek(1) == b'\'' => (Class::Literal, quoted_end(bytes, start + 1, b'\'')),
            b'"' => (
                Class::Literal,
                suffix_end(bytes, quoted_end(bytes, start, b'"')),
            ),
            b'\'' => char_or_lifetime(bytes, start),
            b'0'..=b'9' => (Class::Literal, number_end(bytes, start)),
            _ if is_ident_start(byte) => {
                let end = ident_end(bytes, start);
                let word = text.get(start..end).unwrap_or_default();
                let class = if is_keyword(word) {
                    Class::Keyword
                } else {
                    Class::Ident
                };
                (class, end)
            }
            _ if byte >= 0x80 => {
                // A non-ASCII identifier: take the whole run of non-ASCII and word bytes.
                let mut end = start;
                while end < bytes.len() && (bytes[end] >= 0x80 || is_ident_continue(bytes[end])) {
                    end += 1;
                }
                (Class::Ident, end)
            }
            _ => (Class::Punct, start + punct_len(&bytes[start..])),
        }
    }
}

fn is_ident_start(byte: u8) -> bool {
    byte.is_ascii_alphabetic() || byte == b'_'
}

fn is_ident_continue(byte: u8) -> bool {
    byte.is_ascii_alphanumeric() || byte == b'_'
}

fn ident_end(bytes: &[u8], mut pos: usize) -> usize {
    while pos < bytes.len() && (is_ident_continue(bytes[pos]) || bytes[pos] >= 0x80) {
        pos += 1;
    }
    pos
}

fn memchr_newline(bytes: &[u8], from: usize) -> usize {
    bytes[from..]
        .iter()
        .position(|&b| b == b'\n')
        .map_or(bytes.len(), |offset| from + offset)
}

/// End of a (nested) block comment starting at `from` (which holds `/*`).
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

/// End of a quoted literal whose opening quote is at `open`.
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

/// End of `r#*"..."#*` where `at` points at the first `#` or `"`.
fn raw_string_end(bytes: &[u8], at: usize) -> usize {
    let hashes = bytes[at..].iter().take_while(|&&b| b == b'#').count();
    let open = at + hashes;
    if bytes.get(open) != Some(&b'"') {
        return open.max(at + 1);
    }
    let mut pos = open + 1;
    while pos < bytes.len() {
        if bytes[pos] == b'"'
            && bytes[pos + 1..]
                .iter()
                .take(hashes)
                .filter(|&&b| b == b'#')
                .count()
                == hashes
        {
            return suffix_end(bytes, pos + 1 + hashes);
        }
        pos += 1;
    }
    bytes.len()
}

fn suffix_end(bytes: &[u8], pos: usize) -> usize {
    if pos < bytes.len() && is_ident_start(bytes[pos]) {
        ident_end(bytes, pos)
    } else {
        pos
    }
}

fn char_or_lifetime(bytes: &[u8], start: usize) -> (Class, usize) {
    let next = bytes.get(start + 1).copied().unwrap_or(0);
    if next == b'\\' {
        return (Class::Literal, quoted_end(bytes, start, b'\''));
    }
    // `'a'` is a char; `'a` and `'static` are lifetimes.
    let char_len = std::str::from_utf8(&bytes[start + 1..bytes.len().min(start + 5)])
        .ok()
        .or_else(|| {
            let end = (start + 1..bytes.len().min(start + 5))
                .rev()
                .find(|&end| std::str::from_utf8(&bytes[start + 1..end]).is_ok())?;
            std::str::from_utf8(&bytes[start + 1..end]).ok()
        })
        .and_then(|s| s.chars().next())
        .map_or(1, char::len_utf8);
    if bytes.get(start + 1 + char_len) == Some(&b'\'') {
        return (Class::Literal, start + 2 + char_len);
    }
    if is_ident_start(next) || next >= 0x80 {
        return (Class::Ident, ident_end(bytes, start + 1));
    }
    (Class::Punct, start + 1)
}

fn number_end(bytes: &[u8], start: usize) -> usize {
    let mut pos = start;
    while pos < bytes.len() {
        let byte = bytes[pos];
        let exponent_sign = matches!(byte, b'+' | b'-')
            && matches!(bytes[pos - 1], b'e' | b'E')
            && !(bytes[start..pos].starts_with(b"0x"));
        let fraction = byte == b'.'
            && bytes.get(pos + 1).is_some_and(u8::is_ascii_digit)
            && !bytes[start..pos].contains(&b'.');
        if is_ident_continue(byte) || exponent_sign || fraction {
            pos += 1;
        } else {
            break;
        }
    }
    pos
}

const PUNCT3: &[&[u8]] = &[b"<<=", b">>=", b"...", b"..="];
const PUNCT2: &[&[u8]] = &[
    b"::", b"->", b"=>", b"==", b"!=", b"<=", b">=", b"&&", b"||", b"+=", b"-=", b"*=", b"/=",
    b"%=", b"^=", b"&=", b"|=", b"<<", b">>", b"..",
];

fn punct_len(rest: &[u8]) -> usize {
    if PUNCT3.iter().any(|p| rest.starts_with(p)) {
        3
    } else if PUNCT2.iter().any(|p| rest.starts_with(p)) {
        2
    } else {
        1
    }
}

#[cfg(test)]
#[path = "lexer_tests.rs"]
mod tests;
