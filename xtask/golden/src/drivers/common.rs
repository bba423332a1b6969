//! Small helpers the drivers share: how optional fields and submit errors print.

use std::fmt::Display;

use crate::scenario::Args;

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

/// One config field from `key=value` arguments, or its default.
pub fn config_field<T>(args: &Args, key: &str, default: T) -> Result<T, String>
where
    T: TryFrom<u128> + Into<u128> + Copy,
{
    let value = args.u128_or(key, default.into())?;
    T::try_from(value).map_err(|_| format!("argument `{key}`: {value} does not fit the field"))
}

/// Defines `config_from(&Args) -> Result<Config, String>` (scenario overrides of the defaults,
/// unknown keys refused) and `config_text(&Config) -> String` (every field, in order) for an
/// engine's `Config` struct of unsigned integer fields.
macro_rules! scenario_config {
    ($config:ident, $defaults:expr, [$($field:ident),* $(,)?]) => {
        fn config_from(args: &crate::scenario::Args) -> Result<$config, String> {
            args.only(&[$(stringify!($field)),*])?;
            let defaults: $config = $defaults;
            Ok($config {
                $($field: super::common::config_field(args, stringify!($field), defaults.$field)?,)*
            })
        }

        fn config_text(config: &$config) -> String {
            let fields: Vec<String> = vec![$(format!("{}={}", stringify!($field), config.$field)),*];
            fields.join(" ")
        }
    };
}

pub(crate) use scenario_config;
