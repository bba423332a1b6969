//! Small helpers the drivers share: how optional fields and submit errors print.

use std::fmt::Display;

/// `-` for `None`, the value otherwise.
pub fn opt<T: Display>(value: Option<T>) -> String {
    value.map_or_else(|| "-".to_owned(), |v| v.to_string())
}

/// The variant name of an error enum's `Debug` text (`SlotRegression { .. }` ->
/// `SlotRegression`).
pub fn variant_name(debug: &str) -> String {
    debug
        .split(|c: char| !c.is_alphanumeric())
        .next()
        .unwrap_or(debug)
        .to_owned()
}

/// Formats `name=value` pairs of an outcome, skipping absent fields.
pub fn fields(pairs: &[(&str, Option<String>)]) -> String {
    pairs
        .iter()
        .filter_map(|(k, v)| v.as_ref().map(|v| format!(" {k}={v}")))
        .collect()
}
