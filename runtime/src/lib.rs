//! runtime: the substrate the engines share, grown only by measured extraction (M12).
//!
//! It owns mechanisms: bounded collections with capacity fixed at construction, and (as the
//! extraction proceeds) frame codecs, checksums, durable files and their rewrite discipline.
//! It never owns meanings: no command schema, result code, snapshot schema, state-machine
//! semantics or recovery entry point lives here, and no public item carries an engine's or a
//! domain's name (`cargo xtask contract`, rule `runtime-vocabulary`). Every module was first
//! the same code in several engines; `docs/extraction-log.md` records each move and its proof.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod fixed_map;
pub mod frame_order;
pub mod retire_queue;
pub mod snapshot_file;
pub mod storage;
#[cfg(any(test, feature = "testkit"))]
pub mod testkit;
pub mod wal;
pub mod wal_file;

/// The runnable examples of the engine-authoring guide (`docs/authoring-an-engine.md`),
/// compiled and run as this crate's doctests so that the guide cannot drift from the code.
#[cfg(doctest)]
#[doc = include_str!("../../docs/authoring-an-engine.md")]
pub struct AuthoringGuide;
