//! The scenario language: a small line-oriented text format shared by the three engines.
//!
//! The parser is engine-neutral: it knows the directives every engine shares (`config`,
//! `slot`, `expect`, `dump`, `checkpoint`, `crash`, `recover`, `internal`) and hands every other
//! line to the engine's driver as a command name with `key=value` arguments. See
//! `docs/scenarios.md`. A malformed line is an error naming the file and the line.

use std::fmt;

/// A parse or run error at one line of one scenario file.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct ScenarioError {
    pub file: String,
    pub line: usize,
    pub message: String,
    /// For a run error, the trace up to and including the failing line's command (for a
    /// failed `expect`, the command it checks); empty for a parse error.
    pub trace: String,
}

impl ScenarioError {
    /// An error at `line` of `file`, without a trace.
    #[must_use]
    pub fn new(file: &str, line: usize, message: String) -> ScenarioError {
        ScenarioError {
            file: file.to_owned(),
            line,
            message,
            trace: String::new(),
        }
    }

    /// The trace so far, then `error: FILE:LINE: MESSAGE`: what a failed run prints.
    #[must_use]
    pub fn report(&self) -> String {
        format!("{}error: {self}\n", self.trace)
    }
}

impl fmt::Display for ScenarioError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}: {}", self.file, self.line, self.message)
    }
}

impl std::error::Error for ScenarioError {}

/// `key=value` arguments of a line, in the order written.
#[derive(Clone, Debug, Default, Eq, PartialEq)]
pub struct Args {
    pairs: Vec<(String, String)>,
}

impl Args {
    /// Parses `key=value` words; a word without `=` or a repeated key is an error. The value
    /// may be empty (`resources=`: the empty list).
    ///
    /// # Errors
    /// A word that is not `key=value`, an empty key, or a key given twice.
    pub fn parse(words: &[&str]) -> Result<Args, String> {
        let mut pairs: Vec<(String, String)> = Vec::with_capacity(words.len());
        for word in words {
            let Some((key, value)) = word.split_once('=') else {
                return Err(format!("expected key=value, found `{word}`"));
            };
            if key.is_empty() {
                return Err(format!("expected key=value, found `{word}`"));
            }
            if pairs.iter().any(|(k, _)| k == key) {
                return Err(format!("argument `{key}` given twice"));
            }
            pairs.push((key.to_owned(), value.to_owned()));
        }
        Ok(Args { pairs })
    }

    #[must_use]
    pub fn pairs(&self) -> &[(String, String)] {
        &self.pairs
    }

    /// Checks that every key is one of `allowed`.
    ///
    /// # Errors
    /// The first unknown key, with the allowed list.
    pub fn only(&self, allowed: &[&str]) -> Result<(), String> {
        match self
            .pairs
            .iter()
            .find(|(k, _)| !allowed.contains(&k.as_str()))
        {
            Some((key, _)) => Err(format!(
                "unknown argument `{key}` (expected one of: {})",
                allowed.join(", ")
            )),
            None => Ok(()),
        }
    }

    fn raw(&self, key: &str) -> Option<&str> {
        self.pairs
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    /// A required unsigned integer (decimal, or hex with `0x`; `max` means the type's maximum).
    ///
    /// # Errors
    /// Missing or not a number of that width.
    pub fn u128(&self, key: &str) -> Result<u128, String> {
        let value = self
            .raw(key)
            .ok_or_else(|| format!("missing argument `{key}=`"))?;
        parse_u128(value)
            .ok_or_else(|| format!("argument `{key}`: `{value}` is not an unsigned integer"))
    }

    /// Like [`Args::u128`], with a default when absent.
    ///
    /// # Errors
    /// Present but not a number.
    pub fn u128_or(&self, key: &str, default: u128) -> Result<u128, String> {
        if self.raw(key).is_some() {
            self.u128(key)
        } else {
            Ok(default)
        }
    }

    /// A required `u64`.
    ///
    /// # Errors
    /// Missing, not a number, or above `u64::MAX`.
    pub fn u64(&self, key: &str) -> Result<u64, String> {
        let value = self
            .raw(key)
            .ok_or_else(|| format!("missing argument `{key}=`"))?;
        let parsed = if value == "max" {
            Some(u128::from(u64::MAX))
        } else {
            parse_u128(value)
        };
        parsed
            .and_then(|v| u64::try_from(v).ok())
            .ok_or_else(|| format!("argument `{key}`: `{value}` is not a u64"))
    }

    /// Like [`Args::u64`], with a default when absent.
    ///
    /// # Errors
    /// Present but not a `u64`.
    pub fn u64_or(&self, key: &str, default: u64) -> Result<u64, String> {
        if self.raw(key).is_some() {
            self.u64(key)
        } else {
            Ok(default)
        }
    }

    /// A comma-separated list of unsigned integers (`1,2,3`); an empty value (`key=`) is the
    /// empty list.
    ///
    /// # Errors
    /// Missing or an element that is not a number (`1,,2` has an empty one).
    pub fn u128_list(&self, key: &str) -> Result<Vec<u128>, String> {
        let value = self
            .raw(key)
            .ok_or_else(|| format!("missing argument `{key}=`"))?;
        if value.is_empty() {
            return Ok(Vec::new());
        }
        value
            .split(',')
            .map(|part| {
                parse_u128(part)
                    .ok_or_else(|| format!("argument `{key}`: `{part}` is not an unsigned integer"))
            })
            .collect()
    }
}

fn parse_u128(text: &str) -> Option<u128> {
    if text == "max" {
        return Some(u128::MAX);
    }
    let clean = text.replace('_', "");
    match clean.strip_prefix("0x") {
        Some(hex) => u128::from_str_radix(hex, 16).ok(),
        None => clean.parse().ok(),
    }
}

/// One directive of a scenario.
#[derive(Clone, Debug, Eq, PartialEq)]
pub enum Directive {
    /// `config key=value ...`: overrides of the engine's scenario defaults; only before the
    /// first other directive.
    Config(Args),
    /// `slot N`: advance logical time through the handle's `tick(N)`; later commands are
    /// submitted at slot N.
    Slot(u64),
    /// `expect CODE`: the previous call's result code must be `CODE` (after `slot`: `Ok`, or
    /// the error that refused the tick, such as `SlotRegression`).
    Expect(String),
    /// `expect frames=N`: the previous call (command, read, internal or `slot`) wrote exactly
    /// `N` WAL frames, its own and those of its implicit tick.
    ExpectFrames(u64),
    /// `dump`: print the sorted state.
    Dump,
    /// `checkpoint`: snapshot + WAL rewrite.
    Checkpoint,
    /// `crash` / `crash torn=K` / `crash zeros=Z`: drop the handle (and cut the last K bytes
    /// of the WAL, then append Z zero bytes to it).
    Crash { torn_bytes: u64, zero_bytes: u64 },
    /// `recover`: reopen the database from its files.
    Recover,
    /// `internal NAME key=value ...`: an internal command written through the WAL test seam,
    /// after the seam's tick.
    Internal { name: String, args: Args },
    /// `internal_untimed NAME key=value ... [slot=N]`: exactly that one internal frame,
    /// through the untimed seam (no tick first, so other expiries due at the slot stay due).
    /// With `slot=N` the scenario's clock first moves to `N` without a tick.
    InternalUntimed {
        name: String,
        args: Args,
        slot: Option<u64>,
    },
    /// `NAME key=value ...`: an engine command or read.
    Command { name: String, args: Args },
}

/// A directive with its 1-based line number.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Line {
    pub number: usize,
    pub directive: Directive,
}

/// A parsed scenario file.
#[derive(Clone, Debug, Eq, PartialEq)]
pub struct Scenario {
    pub file: String,
    pub lines: Vec<Line>,
}

impl Scenario {
    /// Parses scenario text. `file` names the file in errors.
    ///
    /// # Errors
    /// The first malformed line.
    pub fn parse(file: &str, text: &str) -> Result<Scenario, ScenarioError> {
        let mut lines = Vec::new();
        for (index, raw) in text.lines().enumerate() {
            let number = index + 1;
            let content = raw.split_once('#').map_or(raw, |(before, _)| before).trim();
            if content.is_empty() {
                continue;
            }
            let error = |message: String| ScenarioError::new(file, number, message);
            let directive = parse_directive(content).map_err(error)?;
            if matches!(directive, Directive::Config(_))
                && lines
                    .iter()
                    .any(|l: &Line| !matches!(l.directive, Directive::Config(_)))
            {
                return Err(error(
                    "`config` must come before every other directive".to_owned(),
                ));
            }
            if matches!(directive, Directive::Expect(_) | Directive::ExpectFrames(_))
                && !lines.last().is_some_and(|l: &Line| is_call(&l.directive))
            {
                return Err(error(
                    "`expect` must follow a command, a read or `slot`".to_owned(),
                ));
            }
            lines.push(Line { number, directive });
        }
        Ok(Scenario {
            file: file.to_owned(),
            lines,
        })
    }
}

/// A line that `expect` may follow: a call (or another `expect` of the same call).
fn is_call(directive: &Directive) -> bool {
    matches!(
        directive,
        Directive::Command { .. }
            | Directive::Internal { .. }
            | Directive::InternalUntimed { .. }
            | Directive::Slot(_)
            | Directive::Expect(_)
            | Directive::ExpectFrames(_)
    )
}

fn parse_directive(content: &str) -> Result<Directive, String> {
    let words: Vec<&str> = content.split_whitespace().collect();
    let (head, rest) = words
        .split_first()
        .expect("a non-empty line has a first word");
    let no_args = |directive: Directive| {
        if rest.is_empty() {
            Ok(directive)
        } else {
            Err(format!("`{head}` takes no arguments"))
        }
    };
    match *head {
        "config" => {
            if rest.is_empty() {
                return Err("`config` needs key=value arguments".to_owned());
            }
            Ok(Directive::Config(Args::parse(rest)?))
        }
        "slot" => match rest {
            [value] => {
                let args = Args::parse(&[&format!("slot={value}")])?;
                Ok(Directive::Slot(args.u64("slot")?))
            }
            _ => Err("`slot` takes one number: `slot N`".to_owned()),
        },
        "expect" => match rest {
            [frames] if frames.starts_with("frames=") => {
                Ok(Directive::ExpectFrames(Args::parse(rest)?.u64("frames")?))
            }
            [code] if code.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Ok(Directive::Expect((*code).to_owned()))
            }
            _ => Err(
                "`expect` takes one result code or a frame count: `expect Ok`, `expect frames=1`"
                    .to_owned(),
            ),
        },
        "dump" => no_args(Directive::Dump),
        "checkpoint" => no_args(Directive::Checkpoint),
        "recover" => no_args(Directive::Recover),
        "crash" => {
            let args = Args::parse(rest)?;
            args.only(&["torn", "zeros"])?;
            Ok(Directive::Crash {
                torn_bytes: args.u64_or("torn", 0)?,
                zero_bytes: args.u64_or("zeros", 0)?,
            })
        }
        "internal" | "internal_untimed" => parse_internal(head, rest),
        name if is_name(name) => Ok(Directive::Command {
            name: name.to_owned(),
            args: Args::parse(rest)?,
        }),
        other => Err(format!("unknown directive `{other}`")),
    }
}

/// `internal NAME ...` and `internal_untimed NAME ... [slot=N]`.
fn parse_internal(head: &str, rest: &[&str]) -> Result<Directive, String> {
    let Some((name, args)) = rest.split_first().filter(|(name, _)| is_name(name)) else {
        return Err(format!(
            "`{head}` needs a command name: `{head} expire ...`"
        ));
    };
    let (name, mut args) = ((*name).to_owned(), Args::parse(args)?);
    if head == "internal" {
        return Ok(Directive::Internal { name, args });
    }
    let slot = match args.raw("slot") {
        Some(_) => Some(args.u64("slot")?),
        None => None,
    };
    args.pairs.retain(|(key, _)| key != "slot");
    Ok(Directive::InternalUntimed { name, args, slot })
}

fn is_name(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
#[path = "scenario_tests.rs"]
mod tests;
