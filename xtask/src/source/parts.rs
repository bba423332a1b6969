//! Parts of a large file, parsed one at a time: syn's tree takes about a hundred bytes of memory
//! per byte of source (a token stream, then an AST whose every identifier is its own
//! allocation), so parsing a 50 MB file whole holds gigabytes at once. Cut between top-level
//! items into parts of about [`MAX_PART_BYTES`], each parsed, analyzed and dropped before the
//! next, a file costs what a file of one part costs, whatever its size.
//!
//! A part ends after a `}` or `;` at delimiter depth 0 that is followed by the start of an
//! item (`fn`, `pub`, `#`, `impl`, ...): at the top level of valid Rust only an item ends
//! there, so every part of a valid file is a valid file. One top-level item larger than the
//! limit (a module or an impl block of a million lines) is one part: memory then follows the
//! largest item, not the file. Like the nesting scan, this walks the shared lexer's tokens and
//! never panics.

use super::lexer::{Class, tokens_of};

/// The size a part grows to before it may end. A file up to this size is one part, parsed
/// as before; 64 KiB parts keep the tree of each part near 6 MiB.
pub const MAX_PART_BYTES: usize = 64 << 10;

/// Where a part starts: its byte offset in the file, its 1-based first line and the column (in
/// characters, 0-based) its first byte has on that line.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct PartStart {
    pub offset: usize,
    pub line: u32,
    pub column: usize,
}

/// Words that start an item after a finished one.
fn starts_item(word: &[u8]) -> bool {
    matches!(
        word,
        b"#" | b"pub"
            | b"fn"
            | b"const"
            | b"static"
            | b"struct"
            | b"enum"
            | b"union"
            | b"trait"
            | b"impl"
            | b"mod"
            | b"use"
            | b"extern"
            | b"type"
            | b"unsafe"
            | b"async"
            | b"macro_rules"
    )
}

/// The starts of the parts of `text` (the first is always offset 0), each part at least
/// `max_part_bytes` long except the last.
#[must_use]
pub fn part_starts(text: &str, max_part_bytes: usize) -> Vec<PartStart> {
    let mut starts = vec![PartStart {
        offset: 0,
        line: 1,
        column: 0,
    }];
    if text.len() <= max_part_bytes {
        return starts;
    }
    let bytes = text.as_bytes();
    let mut depth = 0usize;
    // The end of the last depth-0 `}` or `;` and its line, while no token has followed it.
    let mut ended: Option<(usize, u32)> = None;
    let mut part_start = 0usize;
    for token in tokens_of(text) {
        let word = &bytes[token.start as usize..token.end as usize];
        if let Some((end, line)) = ended.take()
            && end - part_start >= max_part_bytes
            && starts_item(word)
        {
            let line_start = text[..end].rfind('\n').map_or(0, |newline| newline + 1);
            starts.push(PartStart {
                offset: end,
                line,
                column: text[line_start..end].chars().count(),
            });
            part_start = end;
        }
        if token.class != Class::Punct {
            continue;
        }
        match word {
            b"(" | b"[" | b"{" => depth += 1,
            b")" | b"]" => depth = depth.saturating_sub(1),
            b"}" | b";" => {
                if word == b"}" {
                    depth = depth.saturating_sub(1);
                }
                if depth == 0 {
                    ended = Some((token.end as usize, token.end_line));
                }
            }
            _ => {}
        }
    }
    starts
}

#[cfg(test)]
mod tests {
    use std::fmt::Write as _;

    use super::*;

    fn cut(text: &str, max: usize) -> Vec<&str> {
        let starts = part_starts(text, max);
        let mut parts = Vec::new();
        for (i, start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(text.len(), |s| s.offset);
            parts.push(&text[start.offset..end]);
        }
        parts
    }

    #[test]
    fn parts_end_between_top_level_items_only() {
        let text = "fn a() { x; }\nconst C: S = S { x: 1 };\nstruct T;\nmod m { fn b() {} fn c() {} }\n/* } fn */ fn d() {}";
        assert_eq!(
            cut(text, 1),
            [
                "fn a() { x; }",
                "\nconst C: S = S { x: 1 };",
                "\nstruct T;",
                "\nmod m { fn b() {} fn c() {} }",
                "\n/* } fn */ fn d() {}",
            ]
        );
        assert_eq!(cut(text, 1000), [text]);
        let starts = part_starts(text, 1);
        assert_eq!(
            (starts[1].line, starts[1].column, starts[4].line),
            (1, 13, 4)
        );
    }

    #[test]
    fn every_part_of_a_valid_file_parses_and_units_add_up() {
        let mut text = String::from("#![allow(dead_code)]\n");
        for i in 0..200 {
            let _ = write!(
                text,
                "/// doc\n#[inline]\npub fn f{i}(x: u64) -> u64 {{\n    x + {i}\n}}\nimpl S{i} {{ fn g(&self) {{}} }}\nconst K{i}: S = S {{ a: [0; 3] }};\n"
            );
        }
        let whole = syn::parse_file(&text).unwrap().items.len();
        let starts = part_starts(&text, 1000);
        assert!(starts.len() > 10, "{}", starts.len());
        let mut items = 0;
        for (i, start) in starts.iter().enumerate() {
            let end = starts.get(i + 1).map_or(text.len(), |s| s.offset);
            items += syn::parse_file(&text[start.offset..end])
                .unwrap()
                .items
                .len();
        }
        assert_eq!(items, whole);
    }

    #[test]
    fn text_that_does_not_lex_or_balance_is_cut_without_panic() {
        for text in [
            "}}}}; fn",
            "fn a() { \"unterminated }; fn b",
            ";;;;;;;;fn;fn;#",
        ] {
            let starts = part_starts(text, 1);
            assert!(starts.windows(2).all(|w| w[0].offset < w[1].offset));
            assert!(starts.iter().all(|s| text.is_char_boundary(s.offset)));
        }
    }
}
