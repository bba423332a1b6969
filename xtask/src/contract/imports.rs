//! The paths a file refers to, resolved from syn rather than grep: `use` trees (groups,
//! renames, globs, `self`), `extern crate`, paths in expressions, types, patterns and
//! attributes, and path-shaped token runs inside macro invocations.
//!
//! Resolution is file-local and lexical: a path starting with a `use` alias is expanded to the
//! alias's target (`use std::collections as c; c::HashMap` is `std::collections::HashMap`), a
//! path after an external glob import is also tried below the glob's prefix, and a path that
//! starts with `crate`, `self`, `super`, `Self` or a name defined in the file is local and
//! never reported.

use syn::visit::Visit;

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
pub(super) struct UseEntry {
    pub(super) segments: Vec<(String, Pos)>,
    /// The name it brings into scope; `None` for a glob.
    alias: Option<String>,
    extern_crate: bool,
    leading_colon: bool,
    test: bool,
}

const LOCAL_ROOTS: &[&str] = &["crate", "self", "super", "Self"];

/// A path in code (or in macro tokens) before resolution.
pub(super) struct RawRef {
    pub(super) segments: Vec<String>,
    pub(super) positions: Vec<Pos>,
    pub(super) leading_colon: bool,
    pub(super) kind: RefKind,
    pub(super) test: bool,
}

/// The paths of a file (or of a part of it, see [`super::facts_parts`]) before resolution,
/// which needs the whole file's `use` entries and local names.
#[derive(Default)]
pub(super) struct RawPaths {
    pub(super) uses: Vec<UseEntry>,
    pub(super) code: Vec<RawRef>,
}

/// Collects every path of `syntax`; `local_names` are the items the file defines and
/// `test_ranges` the spans of its test code.
#[must_use]
pub fn collect(
    syntax: &syn::File,
    local_names: &[String],
    test_ranges: &[(Pos, Pos)],
) -> Vec<PathRef> {
    let raw = gather(syntax, test_ranges);
    let (mut paths, code) = resolve(&raw, &raw.uses, local_names);
    paths.extend(code);
    paths
}

/// The `use` entries of `syntax` (for resolving the paths of other parts of its file; their
/// `test` flags are not set).
pub(super) fn use_entries(syntax: &syn::File) -> Vec<UseEntry> {
    let mut uses = UseVisitor {
        entries: Vec::new(),
        in_test: &|_| false,
    };
    uses.visit_file(syntax);
    uses.entries
}

/// The `use` entries and code paths of `syntax`, unresolved.
pub(super) fn gather(syntax: &syn::File, test_ranges: &[(Pos, Pos)]) -> RawPaths {
    let in_test = |pos: Pos| test_ranges.iter().any(|(a, b)| *a <= pos && pos <= *b);
    let mut uses = UseVisitor {
        entries: Vec::new(),
        in_test: &in_test,
    };
    uses.visit_file(syntax);
    RawPaths {
        uses: uses.entries,
        code: super::imports_code::code_paths(syntax, &in_test),
    }
}

/// Resolves `raw` with the `use` entries and local names of its whole file (aliases and globs
/// expanded, local paths dropped): the paths of its `use` entries, then those of its code.
pub(super) fn resolve(
    raw: &RawPaths,
    uses: &[UseEntry],
    local_names: &[String],
) -> (Vec<PathRef>, Vec<PathRef>) {
    let resolver = Resolver::new(uses, local_names);
    let mut out = Vec::new();
    for entry in &raw.uses {
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
    let mut code = Vec::new();
    for path in &raw.code {
        resolver.emit(
            &path.segments,
            &path.positions,
            path.leading_colon,
            path.kind,
            path.test,
            &mut code,
        );
    }
    (out, code)
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
