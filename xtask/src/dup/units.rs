//! Units of comparison and their fingerprints.
//!
//! A unit is a syn item: free function, method (inside an impl block), whole impl block,
//! struct, enum, trait, const, static, `macro_rules!`. `syn` gives the item tree and the end of
//! each item; the tokens between the end of the previous sibling and the end of the item are
//! the item's tokens (attributes included, comments and doc comments not), cut by the fast
//! [`lexer`](super::lexer). Everything is turned into plain data here, on the thread that
//! parsed the file.

use std::collections::HashMap;
use std::hash::BuildHasherDefault;

use proc_macro2::{LineColumn, Span};

use super::hash::{IdHasher, fnv, mix};
use super::items::{delimiter_close, impl_label, item_end, item_label, type_name};
use super::tables::{Signature, is_match_table, signature_hash};
use crate::source::lexer::{Class, Lexeme, tokenize};
use crate::source::{is_test_code, item_attrs};

/// One unit of comparison, as plain data.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Unit {
    /// How reports name it: `fn scan`, `fn Wal::scan`, `impl Wal`, `struct Wal`, ...
    pub item: String,
    /// First and last source line (1-based, inclusive), doc comments excluded.
    pub start_line: u32,
    pub end_line: u32,
    /// Source lines holding code (blank and comment lines excluded).
    pub lines: u32,
    /// Hash of the token texts: equal for `exact` copies.
    pub exact: u64,
    /// Hash after consistent renaming of identifiers (numbered by first occurrence) and
    /// abstraction of literals: equal exactly when a bijection maps one copy onto the other.
    pub renamed: u64,
    /// One hash per source line after erasing identifiers and literals: the sequence that the
    /// `near` similarity compares.
    pub shape: Vec<u64>,
    /// The source line of each shape line (for the matched ranges of gapped copies).
    pub shape_lines: Vec<u32>,
    /// The distinct identifiers (hashes, sorted): copies that share too few of them are not
    /// clones however alike their shapes (two enums of six variants are not copies).
    pub vocabulary: Vec<u64>,
    /// Nesting depth: 0 for top-level items, 1 for methods of a top-level impl, ...
    pub depth: u32,
    /// For a table, a function whose body is one `match` (alone or as the one argument of a
    /// call, `Ok(match x { .. })`): a hash of what it maps, its owner type (for a method) and
    /// the names of its signature (parameters, their types, the return type), its own name and
    /// attributes aside. 0 for every other unit. Two tables with different signatures map
    /// different types (see [`super::classes::tables_apart`]).
    pub table_signature: u64,
}

/// Turns a parsed file into units. Test code (`#[cfg(test)]` modules, `#[test]` functions) is
/// skipped unless `include_tests`.
#[must_use]
pub fn file_units(text: &str, syntax: &syn::File, include_tests: bool) -> Vec<Unit> {
    part_units(text, syntax, include_tests, 1)
}

/// [`file_units`] of one part of a file (see [`crate::source::analyze_parts`]) whose first
/// line is line `first_line` of the file: units carry the file's line numbers.
#[must_use]
pub fn part_units(
    text: &str,
    syntax: &syn::File,
    include_tests: bool,
    first_line: u32,
) -> Vec<Unit> {
    let tokens = tokenize(text);
    let hashes: Vec<u64> = tokens
        .iter()
        .map(|t| fnv(&text.as_bytes()[t.start as usize..t.end as usize]))
        .collect();
    let mut cx = Context {
        text,
        lines: LineIndex::new(text),
        tokens: &tokens,
        hashes: &hashes,
        include_tests,
        lines_before: first_line.saturating_sub(1),
        units: Vec::new(),
        numbering: HashMap::default(),
    };
    // Inner attributes (`#![...]`) precede the first item; inner doc comments make no tokens.
    let begin = syntax
        .attrs
        .iter()
        .rfind(|attr| !attr.path().is_ident("doc"))
        .map_or(0, |attr| cx.offset_after(attr.bracket_token.span.close()));
    cx.items(&syntax.items, begin, 0);
    cx.units
}

struct Context<'a> {
    text: &'a str,
    lines: LineIndex,
    tokens: &'a [Lexeme],
    hashes: &'a [u64],
    include_tests: bool,
    /// Lines of the file before the part's first line.
    lines_before: u32,
    units: Vec<Unit>,
    numbering: HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
}

impl Context<'_> {
    fn items(&mut self, items: &[syn::Item], mut begin: usize, depth: u32) {
        for item in items {
            let Some(end) = item_end(item) else { continue };
            let end_offset = self.offset_after(end);
            let range = begin..end_offset;
            begin = end_offset;
            if !self.include_tests && is_test_code(item_attrs(item)) {
                continue;
            }
            match item {
                syn::Item::Impl(block) => {
                    self.unit(impl_label(block), range.clone(), depth);
                    let open = self.offset_after(block.brace_token.span.open());
                    let name = type_name(&block.self_ty);
                    self.methods(&block.items, open, &name, depth + 1);
                }
                syn::Item::Mod(module) => {
                    if let Some((brace, content)) = &module.content {
                        let open = self.offset_after(brace.span.open());
                        self.items(content, open, depth);
                    }
                }
                syn::Item::Fn(f) if is_match_table(&f.block) => {
                    let signature = Signature {
                        owner: "",
                        name: &f.sig.ident,
                        body: self.offset_after(f.block.brace_token.span.open()),
                    };
                    if let Some(label) = item_label(item) {
                        self.table(label, range, depth, &signature);
                    }
                }
                _ => {
                    if let Some(label) = item_label(item) {
                        self.unit(label, range, depth);
                    }
                }
            }
        }
    }

    fn methods(&mut self, items: &[syn::ImplItem], mut begin: usize, owner: &str, depth: u32) {
        for item in items {
            let end = match item {
                syn::ImplItem::Fn(f) => f.block.brace_token.span.close(),
                syn::ImplItem::Const(c) => c.semi_token.spans[0],
                syn::ImplItem::Type(t) => t.semi_token.spans[0],
                syn::ImplItem::Macro(m) => m
                    .semi_token
                    .map_or_else(|| delimiter_close(&m.mac.delimiter), |s| s.spans[0]),
                _ => continue,
            };
            let end_offset = self.offset_after(end);
            let range = begin..end_offset;
            begin = end_offset;
            if let syn::ImplItem::Fn(f) = item
                && (self.include_tests || !is_test_code(&f.attrs))
            {
                let label = format!("fn {owner}::{}", f.sig.ident);
                if is_match_table(&f.block) {
                    let signature = Signature {
                        owner,
                        name: &f.sig.ident,
                        body: self.offset_after(f.block.brace_token.span.open()),
                    };
                    self.table(label, range, depth, &signature);
                } else {
                    self.unit(label, range, depth);
                }
            }
        }
    }

    /// Byte offset just past the one-character token (`}`, `;`, `{`, `]`) at `span`.
    fn offset_after(&self, span: Span) -> usize {
        self.lines.offset(self.text, span.end())
    }

    fn unit(&mut self, item: String, range: std::ops::Range<usize>, depth: u32) {
        self.push_unit(item, range, depth, None);
    }

    fn table(
        &mut self,
        item: String,
        range: std::ops::Range<usize>,
        depth: u32,
        signature: &Signature<'_>,
    ) {
        self.push_unit(item, range, depth, Some(signature));
    }

    fn push_unit(
        &mut self,
        item: String,
        range: std::ops::Range<usize>,
        depth: u32,
        signature: Option<&Signature<'_>>,
    ) {
        let first = self
            .tokens
            .partition_point(|t| (t.start as usize) < range.start);
        let last = self
            .tokens
            .partition_point(|t| (t.start as usize) < range.end);
        let Some(tokens) = self.tokens.get(first..last).filter(|t| !t.is_empty()) else {
            return;
        };
        let hashes = &self.hashes[first..last];
        let fingerprint = fingerprint(tokens, hashes, self.text, &mut self.numbering);
        let table_signature = signature.map_or(0, |s| {
            let name = fnv(s.name.to_string().as_bytes());
            let head = tokens.partition_point(|t| (t.start as usize) < s.body);
            signature_hash(&tokens[..head], &hashes[..head], self.text, s.owner, name)
        });
        self.units.push(Unit {
            item,
            start_line: tokens[0].line.saturating_add(self.lines_before),
            end_line: (tokens[tokens.len() - 1].end_line).saturating_add(self.lines_before),
            lines: fingerprint.lines,
            exact: fingerprint.exact,
            renamed: fingerprint.renamed,
            shape: fingerprint.shape,
            shape_lines: (fingerprint.shape_lines.iter())
                .map(|line| line.saturating_add(self.lines_before))
                .collect(),
            vocabulary: fingerprint.vocabulary,
            depth,
            table_signature,
        });
    }
}

struct Fingerprint {
    lines: u32,
    exact: u64,
    renamed: u64,
    shape: Vec<u64>,
    shape_lines: Vec<u32>,
    vocabulary: Vec<u64>,
}

/// Hash of an abstracted literal: numbers, strings and characters stay apart.
fn literal_kind(text: &[u8]) -> u64 {
    match text.first() {
        Some(b'0'..=b'9') => 0x006e_756d,
        Some(b'\'') => 0x0063_6872,
        Some(b'b') if text.get(1) == Some(&b'\'') => 0x0063_6872,
        _ => 0x0073_7472,
    }
}

fn fingerprint(
    tokens: &[Lexeme],
    hashes: &[u64],
    text: &str,
    numbering: &mut HashMap<u64, u32, BuildHasherDefault<IdHasher>>,
) -> Fingerprint {
    numbering.clear();
    let mut print = Fingerprint {
        lines: 0,
        exact: 0,
        renamed: 0,
        shape: Vec::new(),
        shape_lines: Vec::new(),
        vocabulary: Vec::new(),
    };
    let mut line = Line {
        number: tokens[0].line,
        hash: 0,
        trivial: true,
    };
    let mut counted_to = 0u32;
    // `#[...]` attributes: their names (derive lists) say little about the code.
    let (mut depth, mut attribute_depth, mut after_pound) = (0u32, None::<u32>, false);
    for (token, &hash) in tokens.iter().zip(hashes) {
        let bytes = &text.as_bytes()[token.start as usize..token.end as usize];
        print.exact = mix(print.exact, hash);
        let normalized = match token.class {
            Class::Keyword | Class::Punct => {
                print.renamed = mix(print.renamed, hash);
                hash
            }
            Class::Ident => {
                let next = u32::try_from(numbering.len()).unwrap_or(u32::MAX);
                let number = *numbering.entry(hash).or_insert(next);
                print.renamed = mix(print.renamed, 0x1d00_0000 ^ u64::from(number));
                if number == next && attribute_depth.is_none() {
                    print.vocabulary.push(hash);
                }
                0x1d
            }
            Class::Literal => {
                print.renamed = mix(print.renamed, literal_kind(bytes));
                literal_kind(bytes)
            }
        };
        match bytes {
            b"[" if after_pound => attribute_depth = attribute_depth.or(Some(depth)),
            b"]" if attribute_depth.is_some() && attribute_depth == depth.checked_sub(1) => {
                attribute_depth = None;
            }
            _ => {}
        }
        match bytes {
            b"[" | b"(" | b"{" => depth += 1,
            b"]" | b")" | b"}" => depth = depth.saturating_sub(1),
            _ => {}
        }
        after_pound = bytes == b"#" || (after_pound && bytes == b"!");
        line.add(token, normalized, bytes, &mut print);
        let from = token.line.max(counted_to + 1);
        if token.end_line >= from {
            print.lines += token.end_line - from + 1;
            counted_to = token.end_line;
        }
    }
    line.finish(&mut print);
    print.vocabulary.sort_unstable();
    print
}

/// The shape line being built. Lines of closing delimiters and separators only (`}`, `});`)
/// carry no shape and are left out, so that they cannot make small units look alike.
struct Line {
    number: u32,
    hash: u64,
    trivial: bool,
}

impl Line {
    fn add(&mut self, token: &Lexeme, normalized: u64, bytes: &[u8], print: &mut Fingerprint) {
        if token.line != self.number {
            self.finish(print);
            *self = Line {
                number: token.line,
                hash: 0,
                trivial: true,
            };
        }
        self.hash = mix(self.hash, normalized);
        self.trivial &= matches!(bytes, b"}" | b")" | b"]" | b"," | b";");
    }

    fn finish(&self, print: &mut Fingerprint) {
        if !self.trivial {
            print.shape.push(self.hash);
            print.shape_lines.push(self.number);
        }
    }
}

/// Maps syn's line/column (1-based line, 0-based column in chars) to byte offsets.
struct LineIndex {
    starts: Vec<usize>,
}

impl LineIndex {
    fn new(text: &str) -> LineIndex {
        let mut starts = vec![0];
        starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        LineIndex { starts }
    }

    fn offset(&self, text: &str, at: LineColumn) -> usize {
        let Some(&start) = self.starts.get(at.line.saturating_sub(1)) else {
            return text.len();
        };
        let rest = &text[start..];
        rest.char_indices()
            .nth(at.column)
            .map_or(text.len(), |(i, _)| start + i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn units(source: &str) -> Vec<Unit> {
        file_units(source, &syn::parse_file(source).unwrap(), false)
    }

    #[test]
    fn items_methods_and_impls_are_units_with_lines() {
        let source = "#![allow(x)]\n/// doc\n#[derive(Debug)]\nstruct A {\n\n    x: u8, // c\n}\n\nimpl A {\n    /// d\n    fn get(&self) -> u8 {\n        self.x\n    }\n}\n#[cfg(test)]\nmod tests {\n    fn t() {}\n}\nmod inner {\n    fn deep() {}\n}\n";
        let found: Vec<(String, u32, u32, u32, u32)> = units(source)
            .into_iter()
            .map(|u| (u.item, u.start_line, u.end_line, u.lines, u.depth))
            .collect();
        assert_eq!(
            found,
            [
                ("struct A".to_owned(), 3, 7, 4, 0),
                ("impl A".to_owned(), 9, 14, 5, 0),
                ("fn A::get".to_owned(), 11, 13, 3, 1),
                ("fn deep".to_owned(), 20, 20, 1, 0),
            ]
        );
    }

    #[test]
    fn consistent_renaming_keeps_the_renamed_hash() {
        let a = &units("fn f(a: u32) -> u32 { let b = a + 1; b * a }")[0];
        let b = &units("fn g(x: u64) -> u64 { let y = x + 7; y * x }")[0];
        let c = &units("fn g(x: u64) -> u64 { let y = x + 7; y * y }")[0];
        assert_ne!(a.exact, b.exact);
        assert_eq!(a.renamed, b.renamed);
        assert_ne!(a.renamed, c.renamed);
        assert_eq!(a.shape, c.shape);
    }
}
