//! The nesting bound checked before a file is parsed: syn's parser, the drop of the tree it
//! builds and the analyses' visitors all recurse once or more per delimiter level, so a file
//! nested deeply enough overflows the parser thread's stack and aborts the process (a stack
//! overflow cannot be caught). A bigger stack only moves that depth; this scanner walks the text
//! once, iteratively, and refuses a file nested deeper than [`MAX_NESTING_DEPTH`] before syn
//! sees it.
//!
//! It counts the delimiter tokens of the shared lexer ([`super::lexer`]), which skips comments
//! and literals (strings, raw strings, byte and C strings, char literals, told apart from
//! lifetimes and labels). It never panics; input that does not lex is left for syn to report.

use super::lexer::{Class, tokens_of};

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

/// The first opening delimiter nested deeper than `limit`, if any. Walks the shared lexer's
/// tokens (so a delimiter in a comment or a literal never counts), allocating nothing.
#[must_use]
pub fn find_too_deep(text: &str, limit: usize) -> Option<TooDeep> {
    let mut depth = 0usize;
    for token in tokens_of(text) {
        if token.class != Class::Punct {
            continue;
        }
        let start = token.start as usize;
        match text.as_bytes()[start] {
            b'(' | b'[' | b'{' => {
                depth += 1;
                if depth > limit {
                    let line_start = text[..start].rfind('\n').map_or(0, |newline| newline + 1);
                    return Some(TooDeep {
                        line: token.line as usize,
                        column: text[line_start..start].chars().count() + 1,
                    });
                }
            }
            b')' | b']' | b'}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    None
}

#[cfg(test)]
#[path = "nesting_tests.rs"]
mod tests;
