//! The paths a file refers to, resolved from syn rather than grep: `use` trees (groups,
//! renames, globs, `self`), `extern crate`, paths in expressions, types, patterns and
//! attributes, and path-shaped token runs inside macro invocations.
//!
//! Resolution is file-local and lexical: a path starting with a `use` alias is expanded to the
//! alias's target (`use std::collections as c; c::HashMap` is `std::collections::HashMap`), a
//! path after an external glob import is also tried below the glob's prefix, and a path that
//! starts with `crate`, `self`, `super`, `Self` or a name defined in the file is local and
//! never reported.

use proc_macro2::{Spacing, TokenStream, TokenTree};
use syn::visit::{self, Visit};

use super::facts::Pos;

/// How a path was written.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub enum RefKind {
    Use,
    ExternCrate,
    Code,
    Macro,
}

/// One resolved path with the position of each segment.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct PathRef {
    pub segments: Vec<String>,
    pub positions: Vec<Pos>,
    pub kind: RefKind,
    /// Leading segments that came from a `use` alias or glob (whose own `use` is reported).
    pub from_alias: usize,
    pub test: bool,
}

impl PathRef {
    /// Where `prefix` matches this path, if it does and the match reaches past the segments an
    /// alias supplied (else the `use` that made the alias is the place to report).
    #[must_use]
    pub fn matches(&self, prefix: &[&str]) -> Option<Pos> {
        let hit = !prefix.is_empty()
            && prefix.len() <= self.segments.len()
            && prefix.len() > self.from_alias
            && prefix.iter().zip(&self.segments).all(|(a, b)| a == b);
        hit.then(|| self.positions[prefix.len() - 1])
    }
}

/// A flattened `use` entry before resolution.
struct UseEntry {
    segments: Vec<(String, Pos)>,
    /// The name it brings into scope; `None` for a glob.
    alias: Option<String>,
    extern_crate: bool,
    leading_colon: bool,
    test: bool,
}

const LOCAL_ROOTS: &[&str] = &["crate", "self", "super", "Self"];

/// Collects every path of `syntax`; `local_names` are the items the file defines and
/// `test_ranges` the spans of its test code.
#[must_use]
pub fn collect(
    syntax: &syn::File,
    local_names: &[String],
    test_ranges: &[(Pos, Pos)],
) -> Vec<PathRef> {
    let in_test = |pos: Pos| test_ranges.iter().any(|(a, b)| *a <= pos && pos <= *b);
    let mut uses = UseVisitor {
        entries: Vec::new(),
        in_test: &in_test,
    };
    uses.visit_file(syntax);
    let resolver = Resolver::new(&uses.entries, local_names);
    let mut out = Vec::new();
    for entry in &uses.entries {
        let (segments, positions): (Vec<String>, Vec<Pos>) = entry.segments.iter().cloned().unzip();
        let kind = if entry.extern_crate {
            RefKind::ExternCrate
        } else {
            RefKind::Use
        };
        resolver.emit(
            &segments,
            &positions,
            entry.leading_colon,
            kind,
            entry.test,
            &mut out,
        );
    }
    let mut code = CodeVisitor {
        resolver: &resolver,
        in_test: &in_test,
        out: &mut out,
    };
    code.visit_file(syntax);
    out
}

struct UseVisitor<'a> {
    entries: Vec<UseEntry>,
    in_test: &'a dyn Fn(Pos) -> bool,
}

impl UseVisitor<'_> {
    fn flatten(&mut self, tree: &syn::UseTree, prefix: &mut Vec<(String, Pos)>, test: bool) {
        match tree {
            syn::UseTree::Path(path) => {
                prefix.push((path.ident.to_string(), Pos::of(path.ident.span())));
                self.flatten(&path.tree, prefix, test);
                prefix.pop();
            }
            syn::UseTree::Group(group) => {
                for tree in &group.items {
                    self.flatten(tree, prefix, test);
                }
            }
            syn::UseTree::Glob(_) => self.push(prefix.clone(), None, test),
            syn::UseTree::Name(name) => self.leaf(prefix, &name.ident, &name.ident, test),
            syn::UseTree::Rename(rename) => self.leaf(prefix, &rename.ident, &rename.rename, test),
        }
    }

    fn leaf(
        &mut self,
        prefix: &[(String, Pos)],
        ident: &syn::Ident,
        alias: &syn::Ident,
        test: bool,
    ) {
        let mut segments = prefix.to_vec();
        if ident != "self" {
            segments.push((ident.to_string(), Pos::of(ident.span())));
        }
        let alias = if alias == "self" {
            segments.last().map(|(name, _)| name.clone())
        } else {
            Some(alias.to_string())
        };
        if !segments.is_empty() {
            self.push(segments, alias, test);
        }
    }

    fn push(&mut self, segments: Vec<(String, Pos)>, alias: Option<String>, test: bool) {
        self.entries.push(UseEntry {
            segments,
            alias: alias.filter(|a| a != "_"),
            extern_crate: false,
            leading_colon: false,
            test,
        });
    }
}

impl<'ast> Visit<'ast> for UseVisitor<'_> {
    fn visit_item_use(&mut self, item: &'ast syn::ItemUse) {
        let test = (self.in_test)(Pos::of(item.use_token.span));
        let first = self.entries.len();
        self.flatten(&item.tree, &mut Vec::new(), test);
        // `use ::name::..` names an extern crate, whatever the file defines.
        for entry in &mut self.entries[first..] {
            entry.leading_colon = item.leading_colon.is_some();
        }
    }

    fn visit_item_extern_crate(&mut self, item: &'ast syn::ItemExternCrate) {
        if item.ident == "self" {
            return;
        }
        let alias = item
            .rename
            .as_ref()
            .map_or(&item.ident, |(_, rename)| rename);
        self.entries.push(UseEntry {
            segments: vec![(item.ident.to_string(), Pos::of(item.ident.span()))],
            alias: Some(alias.to_string()).filter(|a| a != "_"),
            extern_crate: true,
            leading_colon: false,
            test: (self.in_test)(Pos::of(item.ident.span())),
        });
    }
}

/// Expands aliases and globs, and drops local paths.
struct Resolver<'a> {
    aliases: Vec<(String, Vec<String>)>,
    globs: Vec<Vec<String>>,
    local_names: &'a [String],
}

impl<'a> Resolver<'a> {
    fn new(entries: &[UseEntry], local_names: &'a [String]) -> Resolver<'a> {
        let mut aliases = Vec::new();
        let mut globs = Vec::new();
        for entry in entries {
            let segments: Vec<String> = entry.segments.iter().map(|(s, _)| s.clone()).collect();
            let external = segments
                .first()
                .is_some_and(|first| !LOCAL_ROOTS.contains(&first.as_str()));
            match &entry.alias {
                Some(alias) if external && segments.as_slice() != [alias.clone()] => {
                    aliases.push((alias.clone(), segments));
                }
                None if external => globs.push(segments),
                _ => {}
            }
        }
        Resolver {
            aliases,
            globs,
            local_names,
        }
    }

    fn emit(
        &self,
        segments: &[String],
        positions: &[Pos],
        leading_colon: bool,
        kind: RefKind,
        test: bool,
        out: &mut Vec<PathRef>,
    ) {
        let Some(first) = segments.first() else {
            return;
        };
        let mut push = |segments: Vec<String>, positions: Vec<Pos>, from_alias: usize| {
            out.push(PathRef {
                segments,
                positions,
                kind,
                from_alias,
                test,
            });
        };
        if leading_colon {
            push(segments.to_vec(), positions.to_vec(), 0);
            return;
        }
        if LOCAL_ROOTS.contains(&first.as_str()) || self.local_names.contains(first) {
            return;
        }
        let in_code = matches!(kind, RefKind::Code | RefKind::Macro);
        if let Some((_, target)) = self.aliases.iter().find(|(alias, _)| alias == first) {
            let mut full = target.clone();
            full.extend(segments[1..].iter().cloned());
            let mut at = vec![positions[0]; target.len()];
            at.extend(positions[1..].iter().copied());
            // `use alias::x` is itself a `use`, reported where it is written; a use of the
            // alias in code is reported only for what it adds to the alias's own `use`.
            push(full, at, if in_code { target.len() } else { 0 });
            return;
        }
        if segments.len() > 1 || !in_code {
            push(segments.to_vec(), positions.to_vec(), 0);
        }
        if in_code {
            for glob in &self.globs {
                let mut full = glob.clone();
                full.extend(segments.iter().cloned());
                let mut at = vec![positions[0]; glob.len()];
                at.extend(positions.iter().copied());
                push(full, at, glob.len());
            }
        }
    }
}

struct CodeVisitor<'r, 'a> {
    resolver: &'r Resolver<'a>,
    in_test: &'r dyn Fn(Pos) -> bool,
    out: &'r mut Vec<PathRef>,
}

impl CodeVisitor<'_, '_> {
    fn path(&mut self, path: &syn::Path, kind: RefKind) {
        let segments: Vec<String> = path.segments.iter().map(|s| s.ident.to_string()).collect();
        let positions: Vec<Pos> = path
            .segments
            .iter()
            .map(|s| Pos::of(s.ident.span()))
            .collect();
        let Some(first) = positions.first().copied() else {
            return;
        };
        let test = (self.in_test)(first);
        let colon = path.leading_colon.is_some();
        self.resolver
            .emit(&segments, &positions, colon, kind, test, self.out);
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
            let test = (self.in_test)(positions[0]);
            self.resolver.emit(
                &segments,
                &positions,
                leading,
                RefKind::Macro,
                test,
                self.out,
            );
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

impl<'ast> Visit<'ast> for CodeVisitor<'_, '_> {
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
