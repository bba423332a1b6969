//! Class formation and overlap merging on small in-memory files.

use std::fmt::Write as _;

use super::*;
use crate::dup::units::file_units;

fn units(sources: &[&str]) -> Vec<Vec<Unit>> {
    sources
        .iter()
        .map(|s| file_units(s, &syn::parse_file(s).unwrap(), false))
        .collect()
}

/// `(kind, [(file, item)])` of each class.
fn found(files: &[Vec<Unit>], options: &Options) -> Vec<(Kind, Vec<(usize, String)>)> {
    let lists: Vec<&[Unit]> = files.iter().map(Vec::as_slice).collect();
    let (classes, _) = find_clones(&lists, options);
    classes
        .iter()
        .map(|c| {
            let copies = c
                .copies
                .iter()
                .map(|r| (r.file, files[r.file][r.unit].item.clone()));
            (c.kind, copies.collect())
        })
        .collect()
}

const METHODS: &str = "
    fn first(&self) -> u64 {
        let mut total = 0;
        for value in &self.values {
            total += value;
        }
        assert!(total >= 0);
        total
    }

    fn second(&mut self, extra: u64) {
        self.values.push(extra);
        self.values.sort_unstable();
        self.values.dedup();
        assert!(!self.values.is_empty());
        self.count += 1;
    }
";

#[test]
fn a_renamed_impl_is_one_clone_and_its_methods_are_not_counted_again() {
    let a = format!("impl Alpha {{{METHODS}}}");
    let b = format!("impl Beta {{{METHODS}}}");
    let classes = found(&units(&[&a, &b]), &Options::default());
    assert_eq!(classes.len(), 1);
    assert_eq!(classes[0].0, Kind::Renamed);
    let expected = vec![(0, "impl Alpha".to_owned()), (1, "impl Beta".to_owned())];
    assert_eq!(classes[0].1, expected);
}

#[test]
fn a_near_impl_around_exact_methods_is_listed_but_counts_only_those_methods() {
    let a = format!("impl Alpha {{{METHODS}\n    fn third(&self) -> u64 {{ 3 }}\n}}");
    let b = format!(
        "impl Alpha {{{METHODS}\n    fn fourth(&self) -> bool {{\n        self.count > 4\n    }}\n}}"
    );
    let files = units(&[&a, &b]);
    let counts: Vec<(Kind, u32, String)> = counted(&files)
        .into_iter()
        .map(|(kind, lines, items)| (kind, lines, items[0].clone()))
        .collect();
    // The impl blocks are near copies, listed; their lines are the exact methods', counted
    // there (what is left, the header and the odd method, is below `min_lines`).
    assert_eq!(
        counts,
        [
            (Kind::Near, 0, "0:impl Alpha".to_owned()),
            (Kind::Exact, 8, "0:fn Alpha::first".to_owned()),
            (Kind::Exact, 7, "0:fn Alpha::second".to_owned()),
        ]
    );
}

#[test]
fn three_copies_are_one_class_whatever_the_order() {
    let f = "fn f(x: u64) -> u64 {\n    let mut y = x;\n    y += 1;\n    y *= 2;\n    y -= 3;\n    y\n}\n";
    let g = f.replace('y', "z");
    let files = units(&[&g, f, f]);
    let classes = found(&files, &Options::default());
    assert_eq!(classes.len(), 1);
    assert_eq!(classes[0].0, Kind::Renamed);
    assert_eq!(classes[0].1.len(), 3);
    // Same file twice: one copy per file, so no clone.
    let same = format!(
        "{f}\nfn g(x: u64) -> u64 {{\n    let mut y = x;\n    y += 1;\n    y *= 2;\n    y -= 3;\n    y\n}}\n"
    );
    assert!(found(&units(&[&same]), &Options::default()).is_empty());
}

#[test]
fn near_needs_the_threshold_and_min_lines() {
    let a = "fn f(v: &mut Vec<u64>) {\n    v.push(1);\n    v.push(2);\n    v.sort();\n    v.dedup();\n    v.reverse();\n    v.truncate(9);\n    v.shrink_to_fit();\n}\n";
    let b = a.replace(
        "    v.reverse();\n",
        "    let n = v.len();\n    v.rotate_left(n / 2);\n",
    );
    let files = units(&[a, &b]);
    assert_eq!(found(&files, &Options::default())[0].0, Kind::Near);
    let strict = Options {
        similarity: 0.9,
        ..Options::default()
    };
    assert!(found(&files, &strict).is_empty());
    let long = Options {
        min_lines: 10,
        ..Options::default()
    };
    assert!(found(&files, &long).is_empty());
}

#[test]
fn same_shape_without_shared_names_is_not_a_clone() {
    let a = "enum A {\n    One,\n    Two,\n    Three,\n    Four,\n    Five,\n}\n";
    let b = "enum B {\n    Red,\n    Green,\n    Blue,\n    Cyan,\n    Pink,\n}\n";
    assert!(found(&units(&[a, b]), &Options::default()).is_empty());
}

/// An impl of twenty short accessors (each below `--min-lines`) and one longer method.
fn impl_with(name: &str, method: &str) -> String {
    let mut text = format!("impl {name} {{\n");
    for i in 1..=20 {
        let _ = writeln!(
            text,
            "    fn s{i}(&self) -> u32 {{\n        self.v + {i}\n    }}\n"
        );
    }
    text.push_str(method);
    text.push_str("}\n");
    text
}

const M_ONE: &str = "    fn m(&self, q: u32) -> u32 {
        let mut acc = 0;
        while acc < q {
            acc += self.v;
        }
        if acc > 7 { acc -= 1; }
        acc * 2
    }
";

const M_TWO: &str = "    fn m(&self, items: &[u8]) -> usize {
        let total = items.len();
        match total {
            0 => 1,
            n => n - 1,
        };
        let _ = items.iter().map(|x| x + 1).count();
        total
    }
";

/// `(kind, lines, [item])` of each class.
fn counted(files: &[Vec<Unit>]) -> Vec<(Kind, u32, Vec<String>)> {
    let lists: Vec<&[Unit]> = files.iter().map(Vec::as_slice).collect();
    let (classes, _) = find_clones(&lists, &Options::default());
    classes
        .iter()
        .map(|c| {
            let items = c.copies.iter().map(|r| {
                let u = &files[r.file][r.unit];
                format!("{}:{}", r.file, u.item)
            });
            (c.kind, c.lines, items.collect())
        })
        .collect()
}

#[test]
fn a_method_counted_as_exact_is_not_counted_again_inside_a_near_impl() {
    // Files 0 and 1 hold near impls (their `m` differ); file 1's `m` is an exact copy of
    // file 2's. The nine lines of file 1's `m` are counted once, in the exact class: the near
    // class counts only what is left of file 1's impl (71 - 9 = 62 lines, file 0's has 70).
    let files = units(&[&impl_with("W", M_ONE), &impl_with("W", M_TWO)]);
    let a_impl = files[0][0].lines;
    let b_impl = files[1][0].lines;
    assert_eq!((a_impl, b_impl), (70, 71));
    assert_eq!(
        counted(&files),
        [(Kind::Near, 70, vec!["0:impl W".into(), "1:impl W".into()])]
    );
    let three = [
        files[0].clone(),
        files[1].clone(),
        units(&[&format!("impl Z {{\n{M_TWO}}}\n")])[0].clone(),
    ];
    assert_eq!(
        counted(&three),
        [
            (Kind::Near, 62, vec!["0:impl W".into(), "1:impl W".into()]),
            (Kind::Exact, 9, vec!["1:fn W::m".into(), "2:fn Z::m".into()]),
        ]
    );
}

#[test]
fn a_near_impl_keeps_the_lines_its_exact_methods_do_not_cover() {
    // Same pair: the exact `m` counts its 9 lines, the near impl the other 62 lines of its
    // copies (it is not dropped for holding an exact method).
    let files = units(&[
        &impl_with("W", M_TWO),
        &impl_with("W", M_TWO).replace("self.v + 20", "self.v - 20"),
    ]);
    assert_eq!(files[0][0].lines, 71);
    let mut found = counted(&files);
    found.sort_by_key(|c| c.0);
    assert_eq!(
        found,
        [
            (Kind::Exact, 9, vec!["0:fn W::m".into(), "1:fn W::m".into()]),
            (Kind::Near, 62, vec!["0:impl W".into(), "1:impl W".into()]),
        ]
    );
}

#[test]
fn a_bijection_links_functions_without_shared_names_but_not_other_items() {
    let helper = |names: [&str; 9]| {
        let [name, table, put, error, map, key, before, len, full] = names;
        format!(
            "fn {name}({map}: &mut {table}, {key}: {table}Id) -> Result<(), {error}> {{\n    let {before} = {map}.{len}();\n    {map}.{put}({key}).map_err(|_| {error}::{full})?;\n    assert!({map}.{len}() == {before} + 1);\n    assert!({key} > 0);\n    Ok(())\n}}\n"
        )
    };
    let a = helper([
        "insert_hold",
        "HoldTable",
        "put",
        "HoldError",
        "holds",
        "id",
        "before",
        "len",
        "TableFull",
    ]);
    let b = helper([
        "insert_operation",
        "OperationLog",
        "append",
        "LogError",
        "log",
        "key",
        "count",
        "size",
        "Exhausted",
    ]);
    let files = units(&[&a, &b]);
    let (first, second) = (&files[0][0], &files[1][0]);
    assert_eq!(first.renamed, second.renamed);
    assert!(
        !shares_vocabulary(first, second),
        "the fixture must fail the vocabulary rule"
    );
    assert!(renamed_link(first, second));
    assert_eq!(found(&files, &Options::default())[0].0, Kind::Renamed);
    // Two enums of six variants, every name different: no clone.
    let enumeration = |name: &str, prefix: &str| {
        let variants: Vec<String> = (0..6).map(|i| format!("    {prefix}{i},")).collect();
        format!("pub enum {name} {{\n{}\n}}\n", variants.join("\n"))
    };
    assert!(
        found(
            &units(&[&enumeration("Colour", "C"), &enumeration("Shape", "S")]),
            &Options::default()
        )
        .is_empty()
    );
}

/// A decoder of a `u8` onto `ty` (a table: its body is one `match` inside `Ok(..)`).
fn decoder(name: &str, ty: &str, variants: [&str; 4]) -> String {
    let arms: Vec<String> = (variants.iter().enumerate())
        .map(|(code, variant)| format!("        {code} => {ty}::{variant},"))
        .collect();
    format!(
        "fn {name}(value: u8) -> Result<{ty}, SnapshotError> {{\n    Ok(match value {{\n{}\n        _ => return Err(bad(\"state\", value)),\n    }})\n}}\n",
        arms.join("\n")
    )
}

#[test]
fn tables_over_different_types_are_apart_and_the_same_table_is_a_copy() {
    let lease = decoder(
        "lease_state",
        "LeaseState",
        ["Held", "Active", "Done", "Gone"],
    );
    let hold = decoder(
        "hold_state",
        "HoldState",
        ["Held", "Active", "Done", "Gone"],
    );
    let files = units(&[&lease, &hold]);
    let (a, b) = (&files[0][0], &files[1][0]);
    // Renamed copies by shape, with shared names: linked before the table rule.
    assert_eq!(a.renamed, b.renamed);
    assert!(shares_vocabulary(a, b));
    assert!(a.table_signature != 0 && b.table_signature != 0);
    assert!(tables_apart(a, b));
    assert!(!renamed_link(a, b));
    assert!(found(&files, &Options::default()).is_empty());
    // The same table over the same types, renamed (its own name aside) or with an arm
    // changed, is a copy.
    let same = decoder(
        "lease_state_v2",
        "LeaseState",
        ["Held", "Active", "Done", "Gone"],
    );
    let edited = decoder(
        "lease_state",
        "LeaseState",
        ["Held", "Active", "Done", "Lost"],
    );
    for other in [same, edited] {
        let files = units(&[&lease, &other]);
        assert!(!tables_apart(&files[0][0], &files[1][0]));
        assert_eq!(found(&files, &Options::default()).len(), 1);
    }
}

#[test]
fn a_table_method_of_another_owner_is_apart_and_only_match_bodies_are_tables() {
    let method = |owner: &str, prefix: &str| {
        format!(
            "impl {owner} {{\n    pub const fn result_code(self) -> ResultCode {{\n        match self {{\n            Self::{prefix}NotFound => ResultCode::{prefix}NotFound,\n            Self::{prefix}Retired => ResultCode::{prefix}Retired,\n            Self::{prefix}Expired => ResultCode::{prefix}Expired,\n            Self::{prefix}Revoked => ResultCode::{prefix}Revoked,\n        }}\n    }}\n}}\n"
        )
    };
    let owners = |a: &str, b: &str| {
        let files = units(&[&method(a, "Lease"), &method(b, "Lease")]);
        tables_apart(&files[0][1], &files[1][1])
    };
    assert!(owners("LeaseLookupError", "HoldLookupError"));
    assert!(!owners("LeaseLookupError", "LeaseLookupError"));
    // A body of a statement and a match, of a method chain, or a match with a block arm (code,
    // not a mapping: `encode_option_u64` / `encode_option_u128` stay renamed copies) is not a
    // table.
    let not_tables = units(&[
        "fn f(x: u8) -> u8 {\n    let y = x;\n    match y {\n        0 => 1,\n        _ => 2,\n    }\n}\n",
        "fn g(x: &[u8]) -> usize {\n    x.iter().filter(|v| **v > 0).count()\n}\n",
        "fn h(out: &mut Vec<u8>, x: Option<u8>) {\n    match x {\n        Some(v) => {\n            out.push(v);\n        }\n        None => out.push(0),\n    }\n}\n",
    ]);
    assert!(not_tables.iter().all(|file| file[0].table_signature == 0));
    // Attributes and the function's own name are not part of the signature.
    let named = units(&[
        "#[must_use]\nfn a(x: u8) -> u8 {\n    match x {\n        _ => 0,\n    }\n}\n",
        "fn b(x: u8) -> u8 {\n    match x {\n        _ => 0,\n    }\n}\n",
        "fn b(y: u8) -> u8 {\n    match y {\n        _ => 0,\n    }\n}\n",
    ]);
    assert_eq!(named[0][0].table_signature, named[1][0].table_signature);
    assert_ne!(named[1][0].table_signature, named[2][0].table_signature);
}
