//! The report's serialization and summary.

use super::*;

fn json(value: impl Serialize) -> String {
    serde_json::to_string(&value).unwrap()
}

#[test]
fn pairs_count_every_pair_of_copies_but_those_counted_elsewhere() {
    let location = |root: &str, counted: bool| Location {
        root: root.to_owned(),
        file: format!("{root}/src/x.rs"),
        item: "fn f".to_owned(),
        start_line: 1,
        end_line: 9,
        matched: Vec::new(),
        path: PathBuf::new(),
        module: "x".to_owned(),
        counted,
    };
    // a: two counted copies and one counted elsewhere; b: one of each.
    let clone = CloneEntry {
        id: "C1".to_owned(),
        kind: Kind::Exact,
        similarity: 1.0,
        lines: 10,
        duplicated_lines: 30,
        category: Category::Domain,
        module: "x".to_owned(),
        copies: None,
        locations: vec![
            location("a", true),
            location("a", true),
            location("a", false),
            location("b", true),
            location("b", false),
        ],
    };
    let roots = ["a".to_owned(), "b".to_owned()];
    let clone_copy = clone.clone();
    let summary = summarize(&[clone], &roots, None);
    let pairs: Vec<(&str, &str, u64)> = summary
        .by_pair
        .iter()
        .map(|p| (p.a.as_str(), p.b.as_str(), p.duplicated_lines))
        .collect();
    // Within a: 3 pairs, all with a counted copy; across: 6 pairs less the one of two
    // copies counted elsewhere; within b: 1.
    assert_eq!(pairs, [("a", "a", 30), ("a", "b", 50), ("b", "b", 10)]);
    // A class too large to list keeps its first copies, and says how many it has; a class
    // within the bound has no `copies` key.
    let mut huge = clone_copy;
    huge.locations = (0..MAX_LISTED_COPIES + 5)
        .map(|_| location("a", true))
        .collect();
    let small = json(huge.clone());
    huge.cut_listed_copies();
    assert_eq!(huge.locations.len(), MAX_LISTED_COPIES);
    assert_eq!(
        (huge.copies, huge.copy_count()),
        (Some(MAX_LISTED_COPIES + 5), MAX_LISTED_COPIES + 5)
    );
    assert!(json(&huge).contains(&format!("\"copies\":{}", MAX_LISTED_COPIES + 5)));
    assert!(!small.contains("\"copies\""));
}

#[test]
fn kinds_and_categories_serialize_to_the_schema_1_strings() {
    assert_eq!(json(Kind::Exact), "\"exact\"");
    assert_eq!(json(Kind::Renamed), "\"renamed\"");
    assert_eq!(json(Kind::Near), "\"near\"");
    assert_eq!(json(Category::Runtime), "\"runtime\"");
    assert_eq!(json(Category::Domain), "\"domain\"");
    assert_eq!(Kind::Near.to_string(), "near");
    assert_eq!(Category::Domain.to_string(), "domain");
}
