//! A commit's contract as `--history` reads it: leniently, for the keys it needs, so
//! that contracts of older commits (other keys, no `budget` yet) are still read.

use crate::contract_file::one_line;
use crate::workspace::CONTRACT_FILE;

/// What the history needs of a commit's contract; read leniently (older contracts had other
/// keys), so only `engines`, `runtime` and `[modules] runtime` must be there.
#[derive(Clone, Debug, Eq, PartialEq)]
pub(super) struct Contract {
    pub(super) engines: Vec<String>,
    pub(super) runtime: String,
    pub(super) runtime_modules: Vec<String>,
    pub(super) extracted: Vec<String>,
    /// `[modules] test_features`: code gated by these cargo features is test code.
    pub(super) test_features: Vec<String>,
}

pub(super) fn parse_contract(text: &str) -> Result<Contract, String> {
    let table: toml::Table = text.parse().map_err(|e: toml::de::Error| {
        format!("{CONTRACT_FILE}: not TOML: {}", one_line(e.message()))
    })?;
    let strings = |value: Option<&toml::Value>, key: &str| -> Result<Vec<String>, String> {
        value
            .and_then(toml::Value::as_array)
            .and_then(|list| list.iter().map(|v| v.as_str().map(str::to_owned)).collect())
            .ok_or_else(|| format!("{CONTRACT_FILE}: `{key}` missing or not a list of strings"))
    };
    let modules = table.get("modules");
    let runtime = table
        .get("runtime")
        .and_then(toml::Value::as_str)
        .ok_or_else(|| format!("{CONTRACT_FILE}: `runtime` missing or not a string"))?;
    let extracted = modules.and_then(|m| m.get("extracted"));
    Ok(Contract {
        engines: strings(table.get("engines"), "engines")?,
        runtime: runtime.to_owned(),
        runtime_modules: strings(modules.and_then(|m| m.get("runtime")), "modules.runtime")?,
        // Contracts before the first extraction had no list: nothing extracted yet.
        extracted: extracted.map_or(Ok(Vec::new()), |v| strings(Some(v), "modules.extracted"))?,
        test_features: modules
            .and_then(|m| m.get("test_features"))
            .map_or(Ok(Vec::new()), |v| {
                strings(Some(v), "modules.test_features")
            })?,
    })
}

#[cfg(test)]
mod tests {
    use super::parse_contract;

    #[test]
    fn a_contract_is_read_for_its_four_keys_only() {
        let text = "schema = 9\nengines = [\"a\", \"b\"]\nruntime = \"rt\"\nother = 1\n\
                    [modules]\nruntime = [\"wal\"]\nextracted = [\"fixed_map\"]\n";
        let contract = parse_contract(text).unwrap();
        assert_eq!(contract.engines, ["a", "b"]);
        assert_eq!(contract.runtime, "rt");
        assert_eq!(contract.runtime_modules, ["wal"]);
        assert_eq!(contract.extracted, ["fixed_map"]);
        assert!(contract.test_features.is_empty());
        let featured = format!("{text}test_features = [\"model\"]\n");
        assert_eq!(parse_contract(&featured).unwrap().test_features, ["model"]);
        let before = "engines = []\nruntime = \"rt\"\n[modules]\nruntime = []\n";
        assert!(parse_contract(before).unwrap().extracted.is_empty());
        for (bad, says) in [
            ("engines = [", "not TOML"),
            ("runtime = \"rt\"\n[modules]\nruntime = []\n", "`engines`"),
            ("engines = [1]\nruntime = \"rt\"\n", "`engines`"),
            ("engines = []\n[modules]\nruntime = []\n", "`runtime`"),
            ("engines = []\nruntime = \"rt\"\n", "`modules.runtime`"),
            (
                "engines = []\nruntime = \"rt\"\n[modules]\nruntime = []\ntest_features = 1\n",
                "`modules.test_features`",
            ),
        ] {
            let error = parse_contract(bad).unwrap_err();
            assert!(error.contains(says), "{bad}: {error}");
        }
    }
}
