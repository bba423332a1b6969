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
    /// Parses `key=value` words; a word without `=` or a repeated key is an error.
    ///
    /// # Errors
    /// A word that is not `key=value`, an empty key, or a key given twice.
    pub fn parse(words: &[&str]) -> Result<Args, String> {
        let mut pairs: Vec<(String, String)> = Vec::with_capacity(words.len());
        for word in words {
            let Some((key, value)) = word.split_once('=') else {
                return Err(format!("expected key=value, found `{word}`"));
            };
            if key.is_empty() || value.is_empty() {
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

    /// A comma-separated list of unsigned integers (`1,2,3`).
    ///
    /// # Errors
    /// Missing or an element that is not a number.
    pub fn u128_list(&self, key: &str) -> Result<Vec<u128>, String> {
        let value = self
            .raw(key)
            .ok_or_else(|| format!("missing argument `{key}=`"))?;
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
    /// `expect CODE`: the previous command's result code must be `CODE`.
    Expect(String),
    /// `dump`: print the sorted state.
    Dump,
    /// `checkpoint`: snapshot + WAL rewrite.
    Checkpoint,
    /// `crash` / `crash torn=K`: drop the handle (and cut the last K bytes of the WAL).
    Crash { torn_bytes: u64 },
    /// `recover`: reopen the database from its files.
    Recover,
    /// `internal NAME key=value ...`: an internal command written through the WAL test seam.
    Internal { name: String, args: Args },
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
            let error = |message: String| ScenarioError {
                file: file.to_owned(),
                line: number,
                message,
            };
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
            if matches!(directive, Directive::Expect(_))
                && !lines
                    .last()
                    .is_some_and(|l: &Line| is_command(&l.directive))
            {
                return Err(error("`expect` must follow a command".to_owned()));
            }
            lines.push(Line { number, directive });
        }
        Ok(Scenario {
            file: file.to_owned(),
            lines,
        })
    }
}

fn is_command(directive: &Directive) -> bool {
    matches!(
        directive,
        Directive::Command { .. } | Directive::Internal { .. } | Directive::Expect(_)
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
            [code] if code.chars().all(|c| c.is_ascii_alphanumeric()) => {
                Ok(Directive::Expect((*code).to_owned()))
            }
            _ => Err("`expect` takes one result code: `expect Ok`".to_owned()),
        },
        "dump" => no_args(Directive::Dump),
        "checkpoint" => no_args(Directive::Checkpoint),
        "recover" => no_args(Directive::Recover),
        "crash" => {
            let args = Args::parse(rest)?;
            args.only(&["torn"])?;
            let torn_bytes = if rest.is_empty() {
                0
            } else {
                args.u64("torn")?
            };
            Ok(Directive::Crash { torn_bytes })
        }
        "internal" => match rest.split_first() {
            Some((name, args)) if is_name(name) => Ok(Directive::Internal {
                name: (*name).to_owned(),
                args: Args::parse(args)?,
            }),
            _ => Err("`internal` needs a command name: `internal expire ...`".to_owned()),
        },
        name if is_name(name) => Ok(Directive::Command {
            name: name.to_owned(),
            args: Args::parse(rest)?,
        }),
        other => Err(format!("unknown directive `{other}`")),
    }
}

fn is_name(word: &str) -> bool {
    word.chars().next().is_some_and(|c| c.is_ascii_lowercase())
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_directive_parses() {
        let text = "# a comment\nconfig max_leases=4\n\nslot 3\nreserve op=1 resource=7 # trailing\nexpect Ok\ndump\ncheckpoint\ncrash torn=5\nrecover\ninternal expire lease=1 deadline=9\ncrash\n";
        let scenario = Scenario::parse("a.scn", text).unwrap();
        let directives: Vec<&Directive> = scenario.lines.iter().map(|l| &l.directive).collect();
        assert_eq!(directives.len(), 10);
        assert_eq!(scenario.lines[0].number, 2);
        assert_eq!(*directives[1], Directive::Slot(3));
        match directives[2] {
            Directive::Command { name, args } => {
                assert_eq!(name, "reserve");
                assert_eq!(args.u128("op").unwrap(), 1);
                assert_eq!(args.u64("resource").unwrap(), 7);
            }
            other => panic!("unexpected {other:?}"),
        }
        assert_eq!(*directives[3], Directive::Expect("Ok".to_owned()));
        assert_eq!(*directives[6], Directive::Crash { torn_bytes: 5 });
        assert_eq!(*directives[9], Directive::Crash { torn_bytes: 0 });
    }

    #[test]
    fn malformed_lines_name_file_and_line() {
        let cases = [
            ("slot\n", 1, "`slot` takes one number"),
            ("slot x\n", 1, "is not a u64"),
            ("dump now\n", 1, "takes no arguments"),
            ("reserve op\n", 1, "expected key=value"),
            ("reserve op=1 op=2\n", 1, "given twice"),
            ("Reserve op=1\n", 1, "unknown directive"),
            ("\nexpect Ok\n", 2, "must follow a command"),
            ("dump\nconfig a=1\n", 2, "must come before"),
            ("crash torn=x\n", 1, "is not a u64"),
            ("crash hard=1\n", 1, "unknown argument"),
            ("internal\n", 1, "needs a command name"),
        ];
        for (text, line, message) in cases {
            let error = Scenario::parse("f.scn", text).unwrap_err();
            assert_eq!(
                (error.file.as_str(), error.line),
                ("f.scn", line),
                "{text:?}"
            );
            assert!(
                error.message.contains(message),
                "{text:?}: {}",
                error.message
            );
            assert!(error.to_string().starts_with(&format!("f.scn:{line}: ")));
        }
    }

    #[test]
    fn numbers_accept_hex_underscores_and_max() {
        let args = Args::parse(&["a=0x10", "b=1_000", "c=max", "d=1,2,0x3"]).unwrap();
        assert_eq!(args.u128("a").unwrap(), 16);
        assert_eq!(args.u64("b").unwrap(), 1000);
        assert_eq!(args.u64("c").unwrap(), u64::MAX);
        assert_eq!(args.u128_list("d").unwrap(), [1, 2, 3]);
        assert!(
            args.u64("missing")
                .unwrap_err()
                .contains("missing argument")
        );
        assert_eq!(args.u128_or("missing", 9).unwrap(), 9);
        assert!(args.only(&["a", "b", "c"]).unwrap_err().contains("`d`"));
    }
}
