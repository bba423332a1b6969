//! `--format sarif`: the report as a SARIF 2.1.0 log (the shared writer, [`crate::sarif`]), so
//! that code-scanning views annotate copies in review. One result per clone class: rule
//! `dup/<kind>/<category>`, the first copy as the location, the other copies as related
//! locations; runtime classes are warnings (the contract forbids them), domain classes notes.

use serde_json::{Value, json};

use super::classes::Kind;
use super::report::{Category, CloneEntry, Report};
use crate::sarif::{lines, log};

const KINDS: [Kind; 3] = [Kind::Exact, Kind::Renamed, Kind::Near];
const CATEGORIES: [Category; 2] = [Category::Runtime, Category::Domain];

/// The rule id of a kind and category, and its index in the rule list.
fn rule(kind: Kind, category: Category) -> (String, usize) {
    let k = KINDS.iter().position(|&x| x == kind).unwrap_or(0);
    let c = CATEGORIES.iter().position(|&x| x == category).unwrap_or(0);
    (format!("dup/{kind}/{category}"), k * CATEGORIES.len() + c)
}

fn level(category: Category) -> &'static str {
    match category {
        Category::Runtime => "warning",
        Category::Domain => "note",
    }
}

/// The SARIF log as pretty JSON.
#[must_use]
pub fn sarif(report: &Report) -> String {
    let mut rules = Vec::new();
    for kind in KINDS {
        for category in CATEGORIES {
            let (id, index) = rule(kind, category);
            assert_eq!(index, rules.len(), "rules are listed in index order");
            let what = match kind {
                Kind::Exact => "identical token streams",
                Kind::Renamed => {
                    "identical after a consistent renaming of identifiers and literals"
                }
                Kind::Near => "the same shape with edits (similar normalized lines)",
            };
            let place = match category {
                Category::Runtime => "every copy in a runtime module (substrate still copied)",
                Category::Domain => "domain code",
            };
            rules.push(json!({
                "id": id,
                "name": format!("{kind}-{category}-clone"),
                "shortDescription": {"text": format!("{kind} clone, {category}")},
                "fullDescription": {"text": format!("Code copied between files: {what}; {place}.")},
                "defaultConfiguration": {"level": level(category)},
                "properties": {"kind": kind.as_str(), "category": category.to_string()},
            }));
        }
    }
    let results: Vec<Value> = report.clones.iter().map(result).collect();
    log("cargo xtask dup-report", &rules, &results)
}

fn result(clone: &CloneEntry) -> Value {
    let (id, index) = rule(clone.kind, clone.category);
    let first = &clone.locations[0];
    let message = format!(
        "{} {} clone `{}` ({}): {} lines x {} copies, {} duplicated lines, similarity {:.3}; also at {}",
        clone.id,
        clone.kind,
        first.item,
        clone.module,
        clone.lines,
        clone.copy_count(),
        clone.duplicated_lines,
        clone.similarity,
        clone.locations[1..]
            .iter()
            .map(|l| format!("{}:{}", l.file, l.start_line))
            .collect::<Vec<_>>()
            .join(", ")
    );
    let related: Vec<Value> = clone.locations[1..]
        .iter()
        .enumerate()
        .map(|(i, l)| {
            let mut location = lines(&l.file, l.start_line, l.end_line);
            location["id"] = json!(i + 1);
            location["message"] =
                json!({"text": format!("copy of `{}`: `{}`", first.item, l.item)});
            location
        })
        .collect();
    json!({
        "ruleId": id,
        "ruleIndex": index,
        "level": level(clone.category),
        "message": {"text": message},
        "locations": [lines(&first.file, first.start_line, first.end_line)],
        "relatedLocations": related,
        "properties": {"clone": clone.id, "module": clone.module},
    })
}
