//! Tests of the contract file parser.

use super::*;

const MINIMAL: &str = "schema = 1\nengines = [\"e\"]\nruntime = \"r\"\n[modules]\nruntime = []\nextracted = []\n[budget]\nmax_runtime_duplicated_lines = 0\n";

fn with_layers(rest: &str) -> String {
    format!(
        "{MINIMAL}[[layers]]\nname = \"top\"\ncrates = [\"t\"]\n[[layers]]\nname = \"mid\"\ncrates = [\"e\"]\n[[layers]]\nname = \"low\"\ncrates = [\"r\"]\n{rest}"
    )
}

fn error_of(text: &str) -> String {
    ContractFile::parse(text, "c.toml").unwrap_err().to_string()
}

#[test]
fn the_repository_contract_parses() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../contracts/runtime-contract.toml");
    let contract = ContractFile::load(&path).unwrap();
    assert_eq!(
        contract.engines,
        [
            "allocdb-core",
            "quota-core",
            "queue-core",
            "reservation-core"
        ]
    );
    assert!(contract.modules.runtime.contains(&"wal".to_owned()));
    assert!(
        contract
            .rules
            .iter()
            .all(|r| !r.get_ref().reason.get_ref().is_empty())
    );
}

#[test]
fn malformed_contract_names_the_line() {
    let text = "schema = 1\nengines = [\"a\"]\nruntime = 3\n";
    let error = error_of(text);
    assert!(error.starts_with("c.toml:3: malformed contract"), "{error}");
}

#[test]
fn a_toml_syntax_error_is_one_line_naming_the_line() {
    // toml's message for a broken table header spans two lines ("invalid table header" and
    // what it expected); the error stays one line.
    let text = format!("{MINIMAL}\n[[rules]\nname = 3\n");
    assert_eq!(
        error_of(&text),
        "c.toml:10: malformed contract: invalid table header; expected `.`, `]]`"
    );
}

#[test]
fn unknown_schema_is_rejected() {
    let text = MINIMAL.replace("schema = 1", "schema = 2");
    let error = error_of(&text);
    assert!(error.contains("unsupported contract schema 2"), "{error}");
}

#[test]
fn the_module_map_alone_is_a_valid_contract() {
    let contract = ContractFile::parse(MINIMAL, "c.toml").unwrap();
    assert!(contract.rules.is_empty() && contract.layers.is_empty());
}

#[test]
fn rules_expand_layers_and_layers_rules_skip_the_top() {
    let text = with_layers(
        "[[rules]]\nname = \"a\"\nkind = \"layers\"\nreason = \"down only\"\n[[rules]]\nname = \"b\"\nkind = \"independence\"\nlayers = [\"mid\"]\ncrates = [\"r\"]\nreason = \"x\"\n",
    );
    let contract = ContractFile::parse(&text, "c.toml").unwrap();
    let rules: Vec<&Rule> = contract.rules.iter().map(Spanned::get_ref).collect();
    assert_eq!(contract.rule_crates(rules[0]), ["e", "r"]);
    assert_eq!(contract.rule_crates(rules[1]), ["r", "e"]);
    assert_eq!(contract.layer_of("t"), Some(0));
    assert!(rules[0].include_tests());
}

#[test]
fn semantic_errors_name_the_line() {
    let cases = [
        (
            "[[rules]]\nname = \"a\"\nkind = \"layers\"\nreason = \"\"\n",
            21,
            "reason",
        ),
        (
            "[[rules]]\nname = \"a\"\nkind = \"bogus\"\nreason = \"r\"\n",
            20,
            "unknown variant",
        ),
        (
            "[[rules]]\nname = \"a\"\nkind = \"max-file-lines\"\nlayers = [\"mid\"]\nwords = [\"x\"]\nreason = \"r\"\n",
            22,
            "takes no `words`",
        ),
        (
            "[[rules]]\nname = \"a\"\nkind = \"forbidden-import\"\nlayers = [\"mid\"]\nreason = \"r\"\n",
            20,
            "needs `paths`",
        ),
        (
            "[[rules]]\nname = \"a\"\nkind = \"independence\"\nlayers = [\"nope\"]\nreason = \"r\"\n",
            21,
            "unknown layer",
        ),
        (
            "[[rules]]\nname = \"a\"\nkind = \"independence\"\nreason = \"r\"\n",
            20,
            "needs `crates` or `layers`",
        ),
        (
            "[[rules]]\nname = \"a\"\nkind = \"independence\"\ncrates = [\"e\"]\nreason = \"r\"\nsurprise = 1\n",
            23,
            "unknown field",
        ),
        (
            "[[rules]]\nname = \"a\"\nkind = \"layers\"\nreason = \"r\"\n[[suppressions]]\nrule = \"a\"\nfile = \"f.rs\"\nline = 3\n",
            22,
            "missing field `reason`",
        ),
        (
            "[[rules]]\nname = \"a\"\nkind = \"layers\"\nreason = \"r\"\n[[suppressions]]\nrule = \"b\"\nfile = \"f.rs\"\nline = 3\nreason = \"r\"\n",
            23,
            "unknown rule `b`",
        ),
        (
            "[[pending]]\ncrate = \"q\"\nreason = \"later\"\n",
            19,
            "pending crate `q`",
        ),
    ];
    for (rest, line, needle) in cases {
        let error = error_of(&with_layers(rest));
        assert!(
            error.starts_with(&format!("c.toml:{line}: malformed contract"))
                && error.contains(needle),
            "{rest}: {error}"
        );
    }
}

#[test]
fn the_copied_lines_budget_defaults_to_zero_and_parses() {
    let minimal = ContractFile::parse(MINIMAL, "c.toml").unwrap();
    assert_eq!(minimal.budget.max_runtime_copied_lines, 0);
    let set = MINIMAL.replace(
        "max_runtime_duplicated_lines = 0\n",
        "max_runtime_duplicated_lines = 0\nmax_runtime_copied_lines = 7\n",
    );
    let contract = ContractFile::parse(&set, "c.toml").unwrap();
    assert_eq!(contract.budget.max_runtime_copied_lines, 7);
}

#[test]
fn support_modules_parse_and_may_not_repeat_or_be_extracted() {
    assert!(
        ContractFile::parse(MINIMAL, "c.toml")
            .unwrap()
            .modules
            .support()
            .is_empty()
    );
    let with = |support: &str| {
        MINIMAL.replace(
            "extracted = []\n",
            &format!("extracted = [\"wal\"]\nsupport = {support}\n"),
        )
    };
    let contract = ContractFile::parse(&with("[\"storage\", \"testkit\"]"), "c.toml").unwrap();
    assert_eq!(contract.modules.support(), ["storage", "testkit"]);
    assert_eq!(contract.modules.owned(), ["wal", "storage", "testkit"]);
    assert_eq!(
        error_of(&with("[\"storage\", \"wal\"]")),
        "c.toml:7: malformed contract: module `wal` is in both `[modules] extracted` and \
         `[modules] support`: a support module is one never extracted from an engine"
    );
    assert_eq!(
        error_of(&with("[\"storage\", \"storage\"]")),
        "c.toml:7: malformed contract: module `storage` is listed twice in `[modules] support`"
    );
    assert!(error_of(&with("[\"\"]")).contains("must not be empty"));
}

#[test]
fn ownership_table_rules_take_a_note_and_a_heading_and_no_scope() {
    let rule = |rest: &str| {
        with_layers(&format!(
            "[[rules]]\nname = \"o\"\nkind = \"ownership-table\"\nreason = \"r\"\n{rest}"
        ))
    };
    let contract = ContractFile::parse(
        &rule("note = \"docs/n.md\"\nheading = \"Owns\"\n"),
        "c.toml",
    )
    .unwrap();
    let parsed = contract.rules[0].get_ref();
    assert_eq!(parsed.note_and_heading(), ("docs/n.md", "Owns"));
    assert_eq!(contract.rule_crates(parsed), ["r"]);
    let cases = [
        ("heading = \"Owns\"\n", "rule `o` needs `note`"),
        ("note = \"n.md\"\n", "rule `o` needs `heading`"),
        (
            "note = \"n.md\"\nheading = \" \"\n",
            "`note` and `heading` must not be empty",
        ),
        (
            "note = \"n.md\"\nheading = \"h\"\nlayers = [\"low\"]\n",
            "takes no `layers`",
        ),
    ];
    for (rest, needle) in cases {
        let error = error_of(&rule(rest));
        assert!(error.contains(needle), "{rest}: {error}");
    }
    let nested = with_layers(
        "[[rules]]\nname = \"n\"\nkind = \"no-nested-crate\"\nlayers = [\"mid\"]\nreason = \"r\"\nnote = \"x\"\n",
    );
    assert!(error_of(&nested).contains("rule `n` of kind `no-nested-crate` takes no `note`"));
}
