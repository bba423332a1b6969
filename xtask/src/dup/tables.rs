//! Tables: functions whose body is one `match` (`Command::name`, an error's result code, a
//! decoder of a byte onto an enum). A table maps the types of its signature, so two tables
//! over different types are not copies however alike their arms (see [`tables_apart`]); and
//! a unit of few distinct shape lines is a table for the near search's name rule
//! ([`is_table`]).

use super::hash::{fnv, mix};
use super::units::Unit;
use crate::source::lexer::{Class, Lexeme};

/// A unit with fewer distinct shape lines than this is table-like for the near search's name
/// rule: a `match` whose arms have one shape, a struct literal of one field shape.
pub const TABLE_DISTINCT_LINES: usize = 5;

/// True when `unit` is a table (see [`TABLE_DISTINCT_LINES`]).
#[must_use]
pub fn is_table(unit: &Unit) -> bool {
    let mut lines = unit.shape.clone();
    lines.sort_unstable();
    lines.dedup();
    lines.len() < TABLE_DISTINCT_LINES
}

/// True when `a` and `b` are tables (functions whose body is one `match`) with different
/// signatures ([`Unit::table_signature`]: owner type and signature names, the function's own
/// name aside). A table is a mapping between its signature's types: its arms are data about
/// them. Two tables over differently named types (`LeaseLookupError::result_code` and
/// `HoldLookupError::result_code`, `resource_state(u8) -> ResourceState` and
/// `hold_state(u8) -> HoldState`) map different enums, each engine its own: parallel by
/// nature, however alike their arms. No link of any kind joins them.
#[must_use]
pub fn tables_apart(a: &Unit, b: &Unit) -> bool {
    a.table_signature != 0 && b.table_signature != 0 && a.table_signature != b.table_signature
}

/// True when `body` is a table: one `match`, alone or as the one argument of a call, whose
/// every arm maps its pattern to one expression without statements (a path, a literal, a
/// call, `return Err(..)`; not a block, `if`, `match` or loop): a mapping, not code.
pub(super) fn is_match_table(body: &syn::Block) -> bool {
    let [syn::Stmt::Expr(expr, None)] = body.stmts.as_slice() else {
        return false;
    };
    let inner = match expr {
        syn::Expr::Call(call) if call.args.len() == 1 => call.args.first(),
        _ => Some(expr),
    };
    let Some(syn::Expr::Match(table)) = inner else {
        return false;
    };
    table.arms.iter().all(|arm| {
        !matches!(
            *arm.body,
            syn::Expr::Block(_)
                | syn::Expr::If(_)
                | syn::Expr::Match(_)
                | syn::Expr::Loop(_)
                | syn::Expr::While(_)
                | syn::Expr::ForLoop(_)
                | syn::Expr::Unsafe(_)
        )
    })
}

/// A table's signature, as [`Unit::table_signature`] hashes it.
pub(super) struct Signature<'a> {
    /// The impl block's type, empty for a free function.
    pub(super) owner: &'a str,
    pub(super) name: &'a syn::Ident,
    /// Byte offset just past the body's `{`.
    pub(super) body: usize,
}

/// [`Unit::table_signature`]: the owner and the identifiers of `head` (a function's tokens before
/// its body) outside attributes, less the function's own name (`name`, hashed).
pub(super) fn signature_hash(
    head: &[Lexeme],
    hashes: &[u64],
    text: &str,
    owner: &str,
    name: u64,
) -> u64 {
    let mut signature = mix(0x5167, fnv(owner.as_bytes()));
    let (mut depth, mut attribute_depth, mut after_pound) = (0u32, None::<u32>, false);
    for (token, &hash) in head.iter().zip(hashes) {
        let bytes = &text.as_bytes()[token.start as usize..token.end as usize];
        if bytes == b"[" && after_pound {
            attribute_depth = attribute_depth.or(Some(depth));
        }
        if token.class == Class::Ident && attribute_depth.is_none() && hash != name {
            signature = mix(signature, hash);
        }
        match bytes {
            b"[" | b"(" | b"{" => depth += 1,
            b"]" | b")" | b"}" => depth = depth.saturating_sub(1),
            _ => {}
        }
        if bytes == b"]" && attribute_depth == Some(depth) {
            attribute_depth = None;
        }
        after_pound = bytes == b"#" || (after_pound && bytes == b"!");
    }
    signature
}
