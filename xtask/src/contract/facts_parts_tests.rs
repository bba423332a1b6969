//! A file's facts collected in parts equal those collected from the file parsed whole.

use std::fmt::Write as _;

use super::*;
use crate::contract::facts::{PubName, collect};
use crate::source::parts::part_starts;

/// About 200 KiB: a glob and an alias at the top, used in every later part; two items per
/// line, so that cuts fall inside lines; public items, inline modules, a test module and a
/// module gated by the test feature `model`.
fn generated() -> String {
    let mut text = String::from("use std::collections::*;\nuse std::cell as c;\n");
    for i in 0..1_500 {
        let _ = writeln!(
            text,
            "pub fn f{i}() -> usize {{ HashSet::<u8>::new().len() + {i} }} fn g{i}() -> c::Cell<u8> {{ c::Cell::new(0) }}"
        );
        if i % 400 == 7 {
            let _ = writeln!(
                text,
                "pub mod m{i} {{\n    pub struct S{i} {{ pub x: u8 }}\n    mac!(std::rc::Rc);\n}}\n#[cfg(test)]\nmod tests{i} {{\n    use std::collections::HashMap;\n    fn t() {{ let _ = HashMap::<u8, u8>::new(); }}\n}}\n#[cfg(feature = \"model\")]\npub mod model{i} {{\n    pub fn m{i}() {{}}\n}}"
            );
        }
    }
    text
}

#[test]
fn facts_joined_from_parts_equal_the_facts_of_the_whole_file() {
    let text = generated();
    let features = ["model".to_owned()];
    let whole = collect(&text, &syn::parse_file(&text).unwrap(), &features);
    let starts = part_starts(&text, 16 << 10);
    assert!(starts.len() > 8, "{} parts", starts.len());
    assert!(
        starts.iter().any(|s| s.column > 0),
        "a cut must fall inside a line"
    );
    // The two passes of `source::analyze_parts_in_context`.
    let each_part = |each: &mut dyn FnMut(&Part<'_>)| {
        for (index, start) in starts.iter().enumerate() {
            let end = starts.get(index + 1).map_or(text.len(), |next| next.offset);
            let part_text = &text[start.offset..end];
            let syntax = syn::parse_file(part_text).unwrap();
            each(&Part {
                text: part_text,
                syntax: &syntax,
                first_line: start.line,
                first_column: start.column,
            });
        }
    };
    let mut scope = FileScope::default();
    each_part(&mut |part| gather_scope(&mut scope, part));
    let mut parts = Vec::new();
    each_part(&mut |part| parts.push(collect_part(part, &scope, &features)));
    let joined = join(parts);
    assert_eq!(joined.lines, whole.lines);
    assert_eq!(joined.tokens, whole.tokens);
    assert_eq!(joined.pub_names, whole.pub_names);
    assert_eq!(joined.mods, whole.mods);
    assert_eq!(joined.paths, whole.paths);
    // The `model` modules are test code in every part: none of their names is public, and
    // their tokens are marked; without the feature they are production code.
    let model_names = |facts: &FileFacts| {
        let names = facts.pub_names.iter();
        let model =
            |n: &&PubName| n.name.starts_with("model") || n.what == "fn" && n.name.starts_with('m');
        names.filter(model).count()
    };
    assert_eq!(model_names(&joined), 0);
    assert!(joined.tokens.iter().any(|t| t.test && t.text == "m1207"));
    let without = collect(&text, &syn::parse_file(&text).unwrap(), &[]);
    assert_eq!(model_names(&without), 8, "{:?}", without.pub_names);
    // The glob and the alias of the first part resolve paths in the last one.
    let last_line = text.lines().count() - 1;
    let resolved = |segments: &[&str; 3]| {
        joined.paths.iter().any(|p| {
            p.segments.len() > segments.len()
                && p.segments.iter().zip(segments).all(|(a, b)| a == b)
                && p.positions[0].line >= last_line
        })
    };
    assert!(resolved(&["std", "collections", "HashSet"]));
    assert!(resolved(&["std", "cell", "Cell"]));
}
