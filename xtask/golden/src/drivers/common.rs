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

/// The expiry index of a dump, one line per `(deadline, id)` entry, in the order given (the
/// engines sort it by deadline, then id); `item` names the id (`lease`).
pub fn expiry_lines<S: Display, K: Display>(item: &str, index: &[(S, K)]) -> Vec<String> {
    index
        .iter()
        .map(|(deadline, key)| format!("expiry_index deadline={deadline} {item}={key}"))
        .collect()
}

/// One retire queue entry of a dump (the queues are listed oldest first).
pub fn retire_line(kind: &str, key: impl Display, retire_after_slot: u64) -> String {
    format!("retire_queue {kind}={key} retire_after={retire_after_slot}")
}

/// One config field from `key=value` arguments, or its default.
pub fn config_field<T>(args: &Args, key: &str, default: T) -> Result<T, String>
where
    T: TryFrom<u128> + Into<u128> + Copy,
{
    let value = args.u128_or(key, default.into())?;
    T::try_from(value).map_err(|_| format!("argument `{key}`: {value} does not fit the field"))
}

/// Defines `config_from(&Args) -> Result<Config, String>` (scenario overrides of the listed
/// fields' defaults, unknown keys refused; unlisted fields from the defaults) and
/// `config_text(&Config) -> String` (every listed field, in order) for an engine's `Config`
/// struct of unsigned integer fields.
macro_rules! scenario_config {
    ($config:ident, $defaults:expr, [$($field:ident),* $(,)?]) => {
        fn config_from(args: &crate::scenario::Args) -> Result<$config, String> {
            args.only(&[$(stringify!($field)),*])?;
            let defaults: $config = $defaults;
            // Fields not listed (added after the traces were recorded, such as
            // `max_batch_commands`) keep their defaults, so the traces' `config` line and
            // every recorded byte stay the same. An engine written later lists every field.
            #[allow(clippy::needless_update)]
            Ok($config {
                $($field: super::common::config_field(args, stringify!($field), defaults.$field)?,)*
                ..defaults
            })
        }

        fn config_text(config: &$config) -> String {
            let fields: Vec<String> = vec![$(format!("{}={}", stringify!($field), config.$field)),*];
            fields.join(" ")
        }
    };
}

pub(crate) use scenario_config;

/// The driver struct of an engine and its `engine()` accessor. The three engines mirror one
/// another's handle API (`open`, `dump`, `checkpoint`, `recovery_report`, `WAL_MAGIC`, ...), so
/// the durable half of every driver is written once, here, and expanded per engine crate.
macro_rules! driver_struct {
    ($driver:ident, $engine:ty, $name:literal) => {
        pub struct $driver {
            dir: std::path::PathBuf,
            config: Config,
            engine: Option<$engine>,
        }

        impl $driver {
            pub const ENGINE_NAME: &'static str = $name;

            fn engine(&mut self) -> Result<&mut $engine, String> {
                self.engine
                    .as_mut()
                    .ok_or_else(|| "the database is closed (crashed): `recover` first".to_owned())
            }
        }
    };
}

/// The [`crate::runner::Driver`] methods that only open, crash, recover and list files. The
/// driver module defines `FILES`, its [`crate::engine_files::EngineFiles`] (the WAL listing is
/// the one `golden inspect` shows too).
macro_rules! durable_methods {
    ($engine:ident) => {
        fn open(
            dir: &std::path::Path,
            config: &crate::scenario::Args,
        ) -> Result<(Self, String), String> {
            let config = config_from(config)?;
            let engine = $engine::open(dir, config).map_err(|e| format!("open: {e}"))?;
            let text = config_text(&config);
            Ok((
                Self {
                    dir: dir.to_path_buf(),
                    config,
                    engine: Some(engine),
                },
                text,
            ))
        }

        fn dump(&self) -> Vec<String> {
            self.engine.as_ref().map_or_else(
                || vec!["closed".to_owned()],
                |engine| dump_lines(engine.state()),
            )
        }

        fn last_lsn(&self) -> u64 {
            self.engine
                .as_ref()
                .map_or(0, |engine| engine.state().last_applied_lsn().get())
        }

        fn checkpoint(&mut self) -> Result<(), String> {
            self.engine()?
                .checkpoint()
                .map(|_| ())
                .map_err(|e| format!("checkpoint: {e}"))
        }

        fn crash(&mut self) {
            self.engine = None;
        }

        fn recover(&mut self) -> Result<String, String> {
            self.engine = None;
            let engine =
                $engine::open(&self.dir, self.config).map_err(|e| format!("recover: {e}"))?;
            let r = *engine.recovery_report();
            self.engine = Some(engine);
            Ok(format!(
                "snapshot_lsn={} frames_replayed={} stop=\"{}\" truncated_bytes={}",
                super::common::opt(r.snapshot_lsn),
                r.frames_replayed,
                r.stop_reason,
                r.truncated_bytes
            ))
        }

        fn wal_path(&self) -> std::path::PathBuf {
            self.dir.join(FILES.wal_file_name)
        }

        fn snapshot_path(&self) -> std::path::PathBuf {
            self.dir.join(FILES.snapshot_file_name)
        }

        fn wal_listing(&self, bytes: &[u8]) -> crate::runner::WalListing {
            crate::engine_files::wal_listing(&FILES, bytes, self.config.max_wal_payload_bytes)
        }
    };
}

pub(crate) use {driver_struct, durable_methods};

/// `command_outcome(Result<CommandOutcome, SubmitError>) -> Outcome`, `ticked(tick result
/// as outcome texts) -> Ticked` and `operation_line(&OperationRecord) -> String` for an engine whose `CommandOutcome`, `SubmitError`, `OperationRecord` and
/// `outcome_text` are in scope.
macro_rules! outcome_helpers {
    () => {
        fn command_outcome(result: Result<CommandOutcome, SubmitError>) -> Outcome {
            match result {
                Ok(outcome) => Outcome {
                    code: outcome.result_code.as_str().to_owned(),
                    text: outcome_text(&outcome),
                    kind: crate::runner::OutcomeKind::Command,
                },
                Err(error) => Outcome {
                    code: super::common::variant_name(&format!("{error:?}")),
                    text: format!("error: {error}"),
                    kind: crate::runner::OutcomeKind::Refused,
                },
            }
        }

        fn ticked(result: Result<Vec<String>, SubmitError>) -> crate::runner::Ticked {
            match result {
                Ok(outcomes) => crate::runner::Ticked::Wrote(outcomes),
                Err(error) => crate::runner::Ticked::Refused(command_outcome(Err(error))),
            }
        }

        fn operation_line(o: &OperationRecord) -> String {
            format!(
                "operation {} fingerprint={:032x} -> {} applied_lsn={} retire_after={}",
                o.operation_id,
                o.fingerprint,
                outcome_text(&o.outcome),
                o.applied_lsn,
                o.retire_after_slot
            )
        }
    };
}

pub(crate) use outcome_helpers;

/// `client_text(&[u8]) -> String` for an engine whose `decode_request` is in scope: a client
/// frame's payload decoded by the engine's codec, one line (`op=1 client=1 Debit { .. }`).
macro_rules! client_text_fn {
    () => {
        fn client_text(payload: &[u8]) -> String {
            match decode_request(payload) {
                Ok(request) => format!(
                    "op={} client={} {:?}",
                    request.operation_id, request.client_id, request.command
                ),
                Err(error) => format!("undecodable ({error:?})"),
            }
        }
    };
}

pub(crate) use client_text_fn;
