//! The paths in a file's code, before resolution (see [`super::imports`]): paths in
//! expressions, types, patterns and attributes, and path-shaped token runs inside macro
//! invocations.

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::visit::{self, Visit};

use super::facts::Pos;
use super::imports::{RawRef, RefKind};

/// Every path in the code of `syntax` (not its `use` items), in order.
pub(super) fn code_paths(syntax: &syn::File, in_test: &dyn Fn(Pos) -> bool) -> Vec<RawRef> {
    let mut code = CodeVisitor {
        in_test,
        out: Vec::new(),
    };
    code.visit_file(syntax);
    code.out
}

struct CodeVisitor<'r> {
    in_test: &'r dyn Fn(Pos) -> bool,
    out: Vec<RawRef>,
}

impl CodeVisitor<'_> {
    fn push(&mut self, segments: Vec<String>, positions: Vec<Pos>, colon: bool, kind: RefKind) {
        let test = (self.in_test)(positions[0]);
        self.out.push(RawRef {
            segments,
            positions,
            leading_colon: colon,
            kind,
            test,
        });
    }

    fn path(&mut self, path: &syn::Path, kind: RefKind) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let positions: Vec<Pos> = path
            .segments
            .iter()
            .map(|s| Pos::of(s.ident.span()))
            .collect();
        if positions.is_empty() {
            return;
        }
        self.push(segments, positions, path.leading_colon.is_some(), kind);
    }

    /// Path-shaped runs (`a::b::c`, `::a::b`) in macro tokens, which syn leaves unparsed.
    fn tokens(&mut self, stream: TokenStream) {
        let trees: Vec<TokenTree> = stream.into_iter().collect();
        let mut i = 0;
        while i < trees.len() {
            if let TokenTree::Group(group) = &trees[i] {
                self.tokens(group.stream());
                i += 1;
                continue;
            }
            let leading = is_path_sep(&trees, i);
            let start = if leading { i + 2 } else { i };
            let preceded =
                i > 0 && matches!(&trees[i - 1], TokenTree::Punct(p) if p.as_char() == '$');
            let (segments, positions, next) = path_run(&trees, start);
            if segments.is_empty() || preceded {
                i = next.max(i + 1);
                continue;
            }
            self.push(segments, positions, leading, RefKind::Macro);
            i = next;
        }
    }
}

fn is_path_sep(trees: &[TokenTree], i: usize) -> bool {
    matches!(
        (trees.get(i), trees.get(i + 1)),
        (Some(TokenTree::Punct(a)), Some(TokenTree::Punct(b)))
            if a.as_char() == ':' && a.spacing() == Spacing::Joint && b.as_char() == ':'
    )
}

/// The run `ident (:: ident)*` starting at `start`: its segments, positions and end index.
fn path_run(trees: &[TokenTree], start: usize) -> (Vec<String>, Vec<Pos>, usize) {
    let mut segments = Vec::new();
    let mut positions = Vec::new();
    let mut i = start;
    while let Some(TokenTree::Ident(ident)) = trees.get(i) {
        segments.push(ident.to_string());
        positions.push(Pos::of(ident.span()));
        i += 1;
        if is_path_sep(trees, i) && matches!(trees.get(i + 2), Some(TokenTree::Ident(_))) {
            i += 2;
        } else {
            break;
        }
    }
    (segments, positions, i)
}

impl<'ast> Visit<'ast> for CodeVisitor<'_> {
    fn visit_path(&mut self, path: &'ast syn::Path) {
        self.path(path, RefKind::Code);
        visit::visit_path(self, path);
    }

    fn visit_item_use(&mut self, _: &'ast syn::ItemUse) {}

    fn visit_macro(&mut self, mac: &'ast syn::Macro) {
        self.path(&mac.path, RefKind::Macro);
        self.tokens(mac.tokens.clone());
    }

    fn visit_attribute(&mut self, attr: &'ast syn::Attribute) {
        match &attr.meta {
            syn::Meta::Path(path) => self.path(path, RefKind::Code),
            syn::Meta::List(list) => {
                self.path(&list.path, RefKind::Code);
                self.tokens(list.tokens.clone());
            }
            // `#[doc = ".."]` and friends: the value is a literal, never a path.
            syn::Meta::NameValue(nv) => self.path(&nv.path, RefKind::Code),
        }
    }
}
