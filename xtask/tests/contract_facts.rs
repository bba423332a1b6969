//! Facts from single files: how paths resolve, what is test code, what is public.

use xtask::contract::facts::{FileFacts, collect};
use xtask::contract::imports::RefKind;

fn facts(text: &str) -> FileFacts {
    collect(text, &syn::parse_file(text).unwrap(), &[])
}

/// `(path, kind, from_alias, test)` of every path.
fn paths(text: &str) -> Vec<(String, RefKind, usize, bool)> {
    facts(text)
        .paths
        .into_iter()
        .map(|p| (p.segments.join("::"), p.kind, p.from_alias, p.test))
        .collect()
}

#[test]
fn relative_and_local_paths_are_never_reported() {
    let found = paths(
        "use crate::wal::Frame;\nuse super::x;\nuse self::y::*;\nmod quota_core { pub fn f() {} }\nfn g() { quota_core::f(); Self::h(); }\n",
    );
    assert!(found.is_empty(), "{found:?}");
}

#[test]
fn use_trees_flatten_with_groups_self_and_renames() {
    let found = paths("use a::{b::{self, c as d}, e::*};\nuse ::f;\n");
    let names: Vec<&str> = found.iter().map(|(p, ..)| p.as_str()).collect();
    assert_eq!(names, ["a::b", "a::b::c", "a::e", "f"]);
    assert!(
        found
            .iter()
            .all(|(_, kind, alias, _)| *kind == RefKind::Use && *alias == 0)
    );
}

#[test]
fn aliases_expand_in_code_and_remember_what_the_alias_supplied() {
    let found = paths("use a::b as c;\nfn f() { c::d::e(); }\n");
    assert_eq!(found[1], ("a::b::d::e".to_owned(), RefKind::Code, 2, false));
}

#[test]
fn macro_bodies_yield_paths_but_not_strings_or_dollar_crate() {
    let found = paths("fn f() { m!(x::y(1), \"p::q\", $crate::z::w); }\n");
    let names: Vec<&str> = found.iter().map(|(p, ..)| p.as_str()).collect();
    // A one-segment path in code (`m!`, a local variable) is never a crate reference.
    assert_eq!(names, ["x::y"]);
    assert_eq!(found[0].1, RefKind::Macro);
}

#[test]
fn test_code_is_marked_in_paths_and_tokens() {
    let text =
        "fn live() { a::b(); }\n#[cfg(test)]\nmod tests {\n    fn t() { c::d(); unsafe {} }\n}\n";
    let found = paths(text);
    assert_eq!(
        found,
        [
            ("a::b".to_owned(), RefKind::Code, 0, false),
            ("c::d".to_owned(), RefKind::Code, 0, true),
        ]
    );
    let facts = facts(text);
    let unsafe_token = facts.tokens.iter().find(|t| t.text == "unsafe").unwrap();
    assert!(unsafe_token.test);
    assert_eq!((unsafe_token.pos.line, unsafe_token.pos.column), (4, 22));
}

#[test]
fn public_names_cover_items_fields_variants_methods_and_trait_items() {
    let text = "pub struct S { pub a: u8, b: u8 }\npub enum E { V }\nimpl S { pub fn m(&self) {} fn n(&self) {} }\npub trait T { fn t(&self); }\npub(crate) fn hidden() {}\npub mod m {}\npub use a::{b as c, d};\n";
    let names: Vec<(&str, String)> = facts(text)
        .pub_names
        .into_iter()
        .map(|n| (n.what, n.name))
        .collect();
    let expected = [
        ("struct", "S"),
        ("field", "a"),
        ("enum", "E"),
        ("variant", "V"),
        ("fn", "m"),
        ("trait", "T"),
        ("fn", "t"),
        ("mod", "m"),
        ("use", "c"),
    ];
    let expected: Vec<(&str, String)> = expected
        .iter()
        .map(|(w, n)| (*w, (*n).to_owned()))
        .collect();
    assert_eq!(names, expected);
}

#[test]
fn doc_comments_and_comments_leave_no_tokens() {
    let facts = facts("//! unsafe\n/// unsafe\n// unsafe\n/* unsafe */\nfn f() {}\n");
    assert!(
        facts
            .tokens
            .iter()
            .all(|t| t.text != "unsafe" && t.text != "doc")
    );
}

#[test]
fn public_fields_of_unions_and_enum_variants_are_public_names() {
    let found: Vec<(&str, String)> = facts(
        "pub union U {\n    pub lease_id: u32,\n    slot: u32,\n}\npub enum E {\n    Held { hold_count: u8 },\n    Tuple(u8),\n}\nenum Private { A { lease: u8 } }\n",
    )
    .pub_names
    .into_iter()
    .map(|n| (n.what, n.name))
    .collect();
    // Variant fields of a public enum are public: `E::Held { hold_count }` is part of its API.
    assert_eq!(
        found,
        [
            ("union", "U".to_owned()),
            ("field", "lease_id".to_owned()),
            ("enum", "E".to_owned()),
            ("variant", "Held".to_owned()),
            ("field", "hold_count".to_owned()),
            ("variant", "Tuple".to_owned()),
        ]
    );
}
