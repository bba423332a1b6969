//! Tests of the ownership table reader and of the three-way comparison.

use super::*;

const NOTE: &str = "\
# Title

```
## What the runtime owns
| `runtime::fenced` | a heading in a code block is not the heading |
```

## What the runtime owns

Some prose.

| module | public items |
|---|---|
| `runtime::wal` | `Magic` |
|`runtime::storage`| `Storage` |

| `runtime::second_table` | only the first table counts |
|---|---|

## Next section

| `runtime::elsewhere` | x |
|---|---|
";

fn modules(table: &Table) -> Vec<(&str, usize)> {
    table
        .rows
        .iter()
        .map(|r| (r.module.as_str(), r.line))
        .collect()
}

#[test]
fn the_first_table_under_the_heading_outside_code_blocks_is_read() {
    let table = parse_table(NOTE, "What the runtime owns");
    assert_eq!(table.heading_line, 8);
    assert_eq!(modules(&table), [("wal", 14), ("storage", 15)]);
    assert!(table.problems.is_empty(), "{:?}", table.problems);
}

#[test]
fn a_section_ends_at_a_heading_of_its_level_not_a_deeper_one() {
    let text = "## Owns\n### Detail\n| m | x |\n|---|---|\n| `runtime::wal` | y |\n";
    assert_eq!(modules(&parse_table(text, "Owns")), [("wal", 5)]);
    let text = "## Owns\n## Other\n| m | x |\n|---|---|\n| `runtime::wal` | y |\n";
    let table = parse_table(text, "Owns");
    assert!(table.rows.is_empty());
    assert_eq!(
        table.problems,
        [Problem {
            line: 1,
            message: "no markdown table (header and `|---|` line) under `Owns`".into()
        }]
    );
}

#[test]
fn a_missing_heading_or_table_is_a_problem() {
    let table = parse_table("# Title\n\ntext\n", "What the runtime owns");
    assert_eq!(table.problems.len(), 1);
    assert_eq!(table.problems[0].line, 1);
    assert!(
        table.problems[0]
            .message
            .contains("no heading `What the runtime owns`")
    );
    // A table without its delimiter line is no table.
    let table = parse_table("## Owns\n| `runtime::wal` | x |\n", "Owns");
    assert_eq!(table.problems[0].line, 1);
    assert!(table.rows.is_empty());
}

#[test]
fn rows_of_another_shape_and_repeated_rows_are_problems() {
    let text = "## Owns\n| m | x |\n|:--|--:|\n| `runtime::wal` | a |\n| wal | b |\n\
                | `runtime::Wal` | c |\n| `std::wal` | d |\n| `runtime::wal` | e |\n";
    let table = parse_table(text, "Owns");
    assert_eq!(modules(&table), [("wal", 4)]);
    let problems: Vec<(usize, &str)> = table
        .problems
        .iter()
        .map(|p| (p.line, p.message.as_str()))
        .collect();
    let shape = "an ownership-table row must start with a `runtime::<module>` cell (lowercase \
                 snake_case), found";
    assert_eq!(
        problems,
        [
            (5, format!("{shape} \"wal\"").as_str()),
            (6, format!("{shape} \"`runtime::Wal`\"").as_str()),
            (7, format!("{shape} \"`std::wal`\"").as_str()),
            (8, "the ownership table has a second row for `runtime::wal`"),
        ]
    );
}

fn at(line: usize) -> Pos {
    Pos { line, column: 9 }
}

const NAMES: Names = Names {
    note: "docs/note.md",
    heading: "Owns",
    lib_rs: "runtime/src/lib.rs",
};

fn table(rows: &[(&str, usize)]) -> Table {
    Table {
        found: true,
        heading_line: 3,
        rows: rows
            .iter()
            .map(|(m, line)| Row {
                module: (*m).to_owned(),
                line: *line,
            })
            .collect(),
        problems: Vec::new(),
    }
}

#[test]
fn three_sides_that_agree_have_no_drift() {
    let listed = [("wal", "extracted"), ("storage", "support")];
    let public = [("storage", at(2)), ("wal", at(3))];
    let rows = table(&[("storage", 5), ("wal", 6)]);
    assert_eq!(compare(&listed, &rows, &public, &NAMES), []);
}

#[test]
fn without_a_table_only_the_public_modules_are_compared() {
    // The table's own problem says it is missing; one finding per listed module would repeat it.
    let listed = [("wal", "extracted"), ("storage", "support")];
    let public = [("wal", at(2))];
    let drifts = compare(&listed, &Table::default(), &public, &NAMES);
    let found: Vec<(&str, Place)> = drifts
        .iter()
        .map(|d| (d.module.as_str(), d.place))
        .collect();
    assert_eq!(
        found,
        [("storage", Place::LibRs(Pos { line: 1, column: 1 }))]
    );
}

#[test]
fn each_drift_names_the_module_and_the_side_it_is_missing_from() {
    // `wal`: listed and public, no row. `testkit`: listed, with a row, not public.
    // `extra`: public only. `ghost`: a row only.
    let listed = [("wal", "extracted"), ("testkit", "support")];
    let public = [("wal", at(2)), ("extra", at(4))];
    let rows = table(&[("testkit", 7), ("ghost", 8)]);
    let drifts = compare(&listed, &rows, &public, &NAMES);
    let found: Vec<(&str, Place, &str)> = drifts
        .iter()
        .map(|d| (d.module.as_str(), d.place, d.message.as_str()))
        .collect();
    assert_eq!(
        found,
        [
            (
                "wal",
                Place::Note(3),
                "runtime module `wal` (`[modules] extracted`) has no row in the ownership table \
                 of docs/note.md (under `Owns`)"
            ),
            (
                "testkit",
                Place::LibRs(Pos { line: 1, column: 1 }),
                "runtime module `testkit` (`[modules] support`) is not a public module of the \
                 runtime: runtime/src/lib.rs has no `pub mod testkit`"
            ),
            (
                "extra",
                Place::LibRs(at(4)),
                "runtime/src/lib.rs declares `pub mod extra`, which is in neither \
                 `[modules] extracted` nor `[modules] support`"
            ),
            (
                "ghost",
                Place::Note(8),
                "the ownership table of docs/note.md has a row for `runtime::ghost`, which is in \
                 neither `[modules] extracted` nor `[modules] support`"
            ),
        ]
    );
}
