//! Forbidden patterns (`Rc<RefCell`, `Instant::now`) as token sequences, matched on the thread
//! that parsed a file: the contract keeps where a pattern occurs, not every token of the file.

use super::facts::{Pos, Token, TokenKind, pattern_tokens};

/// One place `pattern` occurs.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PatternHit {
    pub pattern: String,
    pub pos: Pos,
    /// Characters from the first token to the end of the last (on one line), or the first
    /// token's width when the tokens span lines.
    pub width: usize,
    /// The first token is test code.
    pub test: bool,
}

/// Every place the tokens of `pattern` occur in `tokens`, in order: the same kinds and texts
/// (a literal never matches, and comments and strings are no tokens).
#[must_use]
pub fn pattern_hits(tokens: &[Token], pattern: &str) -> Vec<PatternHit> {
    let wanted = pattern_tokens(pattern);
    if wanted.is_empty() {
        return Vec::new();
    }
    let mut hits = Vec::new();
    for window in tokens.windows(wanted.len()) {
        let hit = window.iter().zip(&wanted).all(|(got, want)| {
            got.kind == want.kind && got.text == want.text && want.kind != TokenKind::Literal
        });
        if hit {
            let (first, last) = (&window[0], &window[window.len() - 1]);
            let width = if last.pos.line == first.pos.line {
                (last.pos.column + last.text.chars().count()).saturating_sub(first.pos.column)
            } else {
                first.text.chars().count()
            };
            hits.push(PatternHit {
                pattern: pattern.to_owned(),
                pos: first.pos,
                width,
                test: first.test,
            });
        }
    }
    hits
}
