//! Facts about one Rust file, as plain data: the paths it refers to (see [`super::imports`]),
//! the names of its public items, its module declarations and its tokens. Built on the thread
//! that parsed the file (syn trees and span locations do not cross threads).
//!
//! Comments never reach these facts (the lexer drops them; doc comments become `#[doc]`
//! attributes, which are skipped), and string literals are literal tokens that no path, word or
//! pattern matches.

use proc_macro2::{Delimiter, Span, TokenStream, TokenTree};
use quote::ToTokens;
use syn::spanned::Spanned;
use syn::visit::{self, Visit};

use crate::source::{is_test_code_with, item_attrs};

use super::imports::{self, PathRef};

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, Default, Eq, PartialEq, Ord, PartialOrd)]
pub struct Pos {
    pub line: usize,
    pub column: usize,
}

impl Pos {
    #[must_use]
    pub fn of(span: Span) -> Pos {
        let start = span.start();
        Pos {
            line: start.line.max(1),
            column: start.column + 1,
        }
    }
}

/// The name of a public item: `what` is `fn`, `struct`, `field`, `variant`, `mod`, ...
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PubName {
    pub what: &'static str,
    pub name: String,
    pub pos: Pos,
}

/// A `mod name` item, inline (`mod name { .. }`) or out of line (`mod name;`).
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ModDecl {
    pub name: String,
    pub pos: Pos,
    /// For an inline module (`mod name { .. }`), the line of its closing brace; `None` for a
    /// declaration of a module file (`mod name;`).
    pub inline_end_line: Option<usize>,
    pub test: bool,
    /// Declared `pub` (not `pub(crate)`).
    pub public: bool,
    /// Declared inside another module of the file (not at the file's top level).
    pub nested: bool,
}

#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum TokenKind {
    Ident,
    Punct,
    Literal,
    Open(char),
    Close(char),
}

/// One token of the file, with groups flattened into open and close tokens.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Token {
    pub kind: TokenKind,
    pub text: String,
    pub pos: Pos,
    pub test: bool,
}

/// Everything the rules need from one file.
#[derive(Clone, Debug, Default)]
pub struct FileFacts {
    pub paths: Vec<PathRef>,
    pub pub_names: Vec<PubName>,
    pub mods: Vec<ModDecl>,
    pub tokens: Vec<Token>,
    /// The source lines, for the snippets under each diagnostic.
    pub lines: Vec<String>,
    /// The dup-report's units of the file (non-test code), filled only when a `no-local-copy`
    /// rule needs them.
    pub units: Vec<crate::dup::Unit>,
    /// Where the contract's forbidden patterns occur. `cargo xtask contract` finds them on the
    /// parsing thread and keeps these instead of `tokens` (empty then), so that a file's facts
    /// stay small whatever its size; [`collect`] leaves them empty.
    pub pattern_hits: Vec<super::patterns::PatternHit>,
}

/// Collects the facts of a file parsed whole (a large file is parsed in parts:
/// [`super::facts_parts`]); code gated by one of `test_features` is test code.
#[must_use]
pub fn collect(text: &str, syntax: &syn::File, test_features: &[String]) -> FileFacts {
    use super::facts_parts::{FileScope, collect_part, gather_scope, join};
    let part = crate::source::Part {
        text,
        syntax,
        first_line: 1,
        first_column: 0,
    };
    let mut scope = FileScope::default();
    gather_scope(&mut scope, &part);
    join(vec![collect_part(&part, &scope, test_features)])
}

/// What resolving a path needs of a file, from one parsed text: its `use` entries and the
/// names of the items it defines.
pub(super) fn scope_of(syntax: &syn::File) -> (Vec<imports::UseEntry>, Vec<String>) {
    let mut items = ItemVisitor::default();
    items.visit_file(syntax);
    (imports::use_entries(syntax), items.local_names)
}

/// The facts of one parsed text, positions in that text, with its paths resolved with the
/// `use` entries and local names of its whole file (`uses`, `local_names`): the paths of its
/// `use` entries, and those of its code, apart (see [`super::facts_parts::join`]). Code gated
/// by one of `test_features` is test code.
pub(super) fn collect_text(
    text: &str,
    syntax: &syn::File,
    uses: &[imports::UseEntry],
    local_names: &[String],
    test_features: &[String],
) -> (FileFacts, Vec<imports::PathRef>, Vec<imports::PathRef>) {
    let mut items = ItemVisitor {
        test_features: test_features.to_vec(),
        ..ItemVisitor::default()
    };
    items.visit_file(syntax);
    let raw = imports::gather(syntax, &items.test_ranges);
    let (use_paths, code_paths) = imports::resolve(&raw, uses, local_names);
    let mut tokens = Vec::new();
    flatten(syntax.to_token_stream(), &items.test_ranges, &mut tokens);
    let facts = FileFacts {
        paths: Vec::new(),
        pub_names: items.pub_names,
        mods: items.mods,
        tokens,
        lines: text.lines().map(str::to_owned).collect(),
        units: Vec::new(),
        pattern_hits: Vec::new(),
    };
    (facts, use_paths, code_paths)
}

/// Turns a pattern such as `Rc<RefCell` into tokens (positions unset).
#[must_use]
pub fn pattern_tokens(pattern: &str) -> Vec<Token> {
    let mut tokens = Vec::new();
    if let Ok(stream) = pattern.parse::<TokenStream>() {
        flatten(stream, &[], &mut tokens);
    }
    tokens
}

fn delimiters(delimiter: Delimiter) -> Option<(char, char)> {
    match delimiter {
        Delimiter::Parenthesis => Some(('(', ')')),
        Delimiter::Brace => Some(('{', '}')),
        Delimiter::Bracket => Some(('[', ']')),
        Delimiter::None => None,
    }
}

fn flatten(stream: TokenStream, test_ranges: &[(Pos, Pos)], out: &mut Vec<Token>) {
    let in_test = |pos: Pos| test_ranges.iter().any(|(a, b)| *a <= pos && pos <= *b);
    let mut tokens = stream.into_iter().peekable();
    while let Some(tree) = tokens.next() {
        // `#[doc = ".."]` (a doc comment) and `#![doc = ".."]` are comments: skip them.
        if let TokenTree::Punct(punct) = &tree
            && punct.as_char() == '#'
        {
            let mut ahead = tokens.clone();
            if matches!(ahead.peek(), Some(TokenTree::Punct(p)) if p.as_char() == '!') {
                ahead.next();
            }
            if let Some(TokenTree::Group(group)) = ahead.next()
                && group.delimiter() == Delimiter::Bracket
                && matches!(group.stream().into_iter().next(), Some(TokenTree::Ident(i)) if i == "doc")
            {
                tokens = ahead;
                continue;
            }
        }
        let pos = Pos::of(tree.span());
        let (kind, text) = match &tree {
            TokenTree::Ident(ident) => (TokenKind::Ident, ident.to_string()),
            TokenTree::Punct(punct) => (TokenKind::Punct, punct.as_char().to_string()),
            TokenTree::Literal(literal) => (TokenKind::Literal, literal.to_string()),
            TokenTree::Group(group) => {
                let pair = delimiters(group.delimiter());
                if let Some((open, _)) = pair {
                    let open_pos = Pos::of(group.span_open());
                    out.push(token(TokenKind::Open(open), open_pos, in_test(open_pos)));
                }
                flatten(group.stream(), test_ranges, out);
                if let Some((_, close)) = pair {
                    let close_pos = Pos::of(group.span_close());
                    out.push(token(
                        TokenKind::Close(close),
                        close_pos,
                        in_test(close_pos),
                    ));
                }
                continue;
            }
        };
        out.push(Token {
            kind,
            text,
            pos,
            test: in_test(pos),
        });
    }
}

fn token(kind: TokenKind, pos: Pos, test: bool) -> Token {
    let delimiter = match kind {
        TokenKind::Open(c) | TokenKind::Close(c) => c.to_string(),
        _ => String::new(),
    };
    Token {
        kind,
        text: delimiter,
        pos,
        test,
    }
}

/// Walks items: test ranges, public names, module declarations, locally defined names.
#[derive(Default)]
struct ItemVisitor {
    /// The root's test features (see [`is_test_code_with`]).
    test_features: Vec<String>,
    test_depth: usize,
    test_ranges: Vec<(Pos, Pos)>,
    pub_names: Vec<PubName>,
    mods: Vec<ModDecl>,
    local_names: Vec<String>,
    /// How many inline modules enclose the item being visited.
    mod_depth: usize,
}

fn is_pub(vis: &syn::Visibility) -> bool {
    matches!(vis, syn::Visibility::Public(_))
}

impl ItemVisitor {
    fn public(&mut self, what: &'static str, ident: &syn::Ident) {
        if self.test_depth == 0 {
            self.pub_names.push(PubName {
                what,
                name: ident.to_string(),
                pos: Pos::of(ident.span()),
            });
        }
    }

    /// Named fields that are `pub` (or all of them, for enum variants).
    fn public_fields<'f>(&mut self, fields: impl Iterator<Item = &'f syn::Field>, all: bool) {
        for field in fields {
            if let (true, Some(ident)) = (all || is_pub(&field.vis), &field.ident) {
                self.public("field", ident);
            }
        }
    }

    /// `pub use a::b as name;` makes `name` public.
    fn public_renames(&mut self, tree: &syn::UseTree) {
        match tree {
            syn::UseTree::Path(path) => self.public_renames(&path.tree),
            syn::UseTree::Group(group) => group.items.iter().for_each(|t| self.public_renames(t)),
            syn::UseTree::Rename(rename) => self.public("use", &rename.rename),
            syn::UseTree::Name(_) | syn::UseTree::Glob(_) => {}
        }
    }

    fn enter(&mut self, attrs: &[syn::Attribute], span: Span) -> bool {
        let test = is_test_code_with(attrs, &self.test_features);
        if test {
            let end = span.end();
            let end = Pos {
                line: end.line,
                column: end.column + 1,
            };
            self.test_ranges.push((Pos::of(span), end));
            self.test_depth += 1;
        }
        test
    }

    fn record_item(&mut self, item: &syn::Item) {
        match item {
            syn::Item::Fn(f) if is_pub(&f.vis) => self.public("fn", &f.sig.ident),
            syn::Item::Struct(s) if is_pub(&s.vis) => {
                self.public("struct", &s.ident);
                self.public_fields(s.fields.iter(), false);
            }
            syn::Item::Enum(e) if is_pub(&e.vis) => {
                self.public("enum", &e.ident);
                for variant in &e.variants {
                    self.public("variant", &variant.ident);
                    // A public enum's variant fields are public whatever their (absent) `pub`.
                    self.public_fields(variant.fields.iter(), true);
                }
            }
            syn::Item::Union(u) if is_pub(&u.vis) => {
                self.public("union", &u.ident);
                self.public_fields(u.fields.named.iter(), false);
            }
            syn::Item::Type(t) if is_pub(&t.vis) => self.public("type", &t.ident),
            syn::Item::Const(c) if is_pub(&c.vis) => self.public("const", &c.ident),
            syn::Item::Static(s) if is_pub(&s.vis) => self.public("static", &s.ident),
            syn::Item::Mod(m) if is_pub(&m.vis) => self.public("mod", &m.ident),
            syn::Item::Trait(t) if is_pub(&t.vis) => {
                self.public("trait", &t.ident);
                for inner in &t.items {
                    match inner {
                        syn::TraitItem::Fn(f) => self.public("fn", &f.sig.ident),
                        syn::TraitItem::Const(c) => self.public("const", &c.ident),
                        syn::TraitItem::Type(t) => self.public("type", &t.ident),
                        _ => {}
                    }
                }
            }
            syn::Item::Use(u) if is_pub(&u.vis) => self.public_renames(&u.tree),
            syn::Item::Macro(m) if m.attrs.iter().any(|a| a.path().is_ident("macro_export")) => {
                if let Some(ident) = &m.ident {
                    self.public("macro", ident);
                }
            }
            _ => {}
        }
        if let Some(ident) = item_ident(item) {
            self.local_names.push(ident.to_string());
        }
    }
}

fn item_ident(item: &syn::Item) -> Option<&syn::Ident> {
    match item {
        syn::Item::Fn(f) => Some(&f.sig.ident),
        syn::Item::Struct(s) => Some(&s.ident),
        syn::Item::Enum(e) => Some(&e.ident),
        syn::Item::Union(u) => Some(&u.ident),
        syn::Item::Type(t) => Some(&t.ident),
        syn::Item::Const(c) => Some(&c.ident),
        syn::Item::Static(s) => Some(&s.ident),
        syn::Item::Mod(m) => Some(&m.ident),
        syn::Item::Trait(t) => Some(&t.ident),
        syn::Item::Macro(m) => m.ident.as_ref(),
        _ => None,
    }
}

impl<'ast> Visit<'ast> for ItemVisitor {
    fn visit_item(&mut self, item: &'ast syn::Item) {
        let test = self.enter(item_attrs(item), item.span());
        self.record_item(item);
        let module = if let syn::Item::Mod(m) = item {
            self.mods.push(ModDecl {
                name: m.ident.to_string(),
                pos: Pos::of(m.ident.span()),
                inline_end_line: m.content.is_some().then(|| item.span().end().line),
                test: self.test_depth > 0,
                public: is_pub(&m.vis),
                nested: self.mod_depth > 0,
            });
            true
        } else {
            false
        };
        self.mod_depth += usize::from(module);
        visit::visit_item(self, item);
        self.mod_depth -= usize::from(module);
        self.test_depth -= usize::from(test);
    }

    fn visit_impl_item(&mut self, item: &'ast syn::ImplItem) {
        let (attrs, public) = match item {
            syn::ImplItem::Fn(f) => (&f.attrs[..], is_pub(&f.vis).then_some(("fn", &f.sig.ident))),
            syn::ImplItem::Const(c) => {
                (&c.attrs[..], is_pub(&c.vis).then_some(("const", &c.ident)))
            }
            syn::ImplItem::Type(t) => (&t.attrs[..], None),
            _ => (&[][..], None),
        };
        let test = self.enter(attrs, item.span());
        if let Some((what, ident)) = public {
            self.public(what, ident);
        }
        visit::visit_impl_item(self, item);
        self.test_depth -= usize::from(test);
    }

    fn visit_trait_item(&mut self, item: &'ast syn::TraitItem) {
        let attrs = match item {
            syn::TraitItem::Fn(f) => &f.attrs[..],
            syn::TraitItem::Const(c) => &c.attrs[..],
            _ => &[][..],
        };
        let test = self.enter(attrs, item.span());
        visit::visit_trait_item(self, item);
        self.test_depth -= usize::from(test);
    }
}
