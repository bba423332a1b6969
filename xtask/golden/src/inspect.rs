//! `golden inspect DIR`: what a database directory holds, for an operator, without changing it.
//!
//! Read-only by construction: every file is opened for reading only (`std::fs::read`,
//! `File::open`), nothing is created, written, renamed, truncated or removed, and the `LOCK`
//! file is never created. The one effect on the system is the lock probe: a shared lock taken
//! on a read-only handle of an existing `LOCK` file and released at once; an engine `open`
//! racing with that instant may see `Locked` and can simply retry. Works on a locked, corrupt or
//! foreign directory: every finding is part of the report, never an error; only a directory
//! that cannot be listed is one.
//!
//! The WAL is listed with the engine's own decoding ([`crate::engine_files`], shared with the
//! golden traces). The payload bound belongs to the engine's `Config`, which inspect does not
//! know: it scans with `u32::MAX` unless told otherwise. The snapshot's lsn is read from its
//! header (magic and version checked) after the footer check; a full decode would need the
//! config's capacities.

use std::fs::{File, TryLockError};
use std::path::Path;

use runtime::snapshot_file::split_footer;
use runtime::wal::{HEADER_LEN, ScanStopReason, TailKind};
use runtime::wal_file::LOCK_FILE_NAME;
use serde::Serialize;

use crate::engine_files::{self, EngineFiles, kind_name, snapshot_header, wal_rows};

/// The report, serialized as the JSON document (`"schema": 1`; see `docs/inspect.md`).
#[derive(Debug, Serialize)]
pub struct Report {
    pub schema: u32,
    pub dir: String,
    /// The engine the directory belongs to, when its WAL magic or its file names say so.
    pub engine: Option<&'static str>,
    /// What identified the engine: `wal_magic`, `file_names` (both when they agree).
    pub matched_by: Vec<&'static str>,
    /// The first four bytes of the WAL file, when there are four.
    pub wal_magic: Option<MagicSeen>,
    /// Every directory entry, sorted by name.
    pub files: Vec<FileEntry>,
    /// `absent`, `free`, `held`, or `unknown` (with `lock_error`).
    pub lock: &'static str,
    pub lock_error: Option<String>,
    /// Leftover `*.tmp` files (an interrupted checkpoint or WAL rewrite).
    pub temp_files: Vec<String>,
    pub snapshot: Option<SnapshotReport>,
    pub wal: Option<WalReport>,
}

#[derive(Debug, Serialize)]
pub struct MagicSeen {
    /// As the frame header stores it: little-endian `u32`, in hex.
    pub hex: String,
    /// The four bytes as text, non-printable bytes as `.`.
    pub text: String,
    /// The engine with this WAL magic, if any.
    pub engine: Option<&'static str>,
}

#[derive(Debug, Serialize)]
pub struct FileEntry {
    pub name: String,
    /// Size in bytes (`null` when it cannot be read).
    pub bytes: Option<u64>,
    /// `wal`, `snapshot`, `lock`, `temp`, `dir` or `other`.
    pub role: &'static str,
}

#[derive(Debug, Serialize)]
pub struct SnapshotReport {
    pub file: String,
    pub bytes: u64,
    /// `ok`, `legacy` (a version written before the footer existed) or `error`.
    pub footer: &'static str,
    /// The `SnapshotFileError` text when `footer` is `error` (or the read error).
    pub footer_error: Option<String>,
    pub version: Option<u16>,
    pub lsn: Option<u64>,
    /// Why there is no lsn, when the footer is fine but the header is not.
    pub lsn_error: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct WalReport {
    pub file: String,
    pub bytes: u64,
    /// The payload bound the scan used (`u32::MAX` unless `--max-wal-payload-bytes`).
    pub max_payload_bytes: u32,
    /// The read error, when the file could not be read (then nothing below is meaningful).
    pub read_error: Option<String>,
    pub frames: Vec<FrameReport>,
    pub stop: StopReport,
    /// Length of the prefix of whole valid frames (where recovery would cut a torn tail).
    pub valid_bytes: u64,
}

#[derive(Debug, Serialize)]
pub struct FrameReport {
    pub offset: u64,
    pub lsn: u64,
    pub slot: u64,
    /// `client`, `internal` or `marker`.
    pub record_type: &'static str,
    pub header_bytes: usize,
    pub payload_bytes: usize,
    /// Always `ok`: only frames whose header and payload checksums match are listed.
    pub checksums: &'static str,
    /// The payload decoded by the engine's codec (`null` for a marker).
    pub decoded: Option<String>,
}

#[derive(Debug, Serialize)]
pub struct StopReport {
    /// `clean_end`, `torn_tail` or `corruption`.
    pub kind: &'static str,
    /// For a torn tail: `partial` or `zero_filled`.
    pub tail: Option<&'static str>,
    pub offset: Option<u64>,
    /// For corruption: the first check the frame failed.
    pub reason: Option<String>,
    /// The stop reason as recovery prints it.
    pub text: String,
    /// For corruption: the failed frame's header fields, as stored (not verified).
    pub unverified_header: Option<RawHeader>,
}

#[derive(Debug, Serialize)]
pub struct RawHeader {
    pub lsn: u64,
    pub slot: u64,
    pub record_type: u8,
    pub payload_bytes: u32,
}

/// Inspects `dir`; `shown` is how the report names it.
///
/// # Errors
/// The directory cannot be listed (missing, not a directory, no permission): a message.
pub fn inspect(dir: &Path, shown: &str, max_payload_bytes: u32) -> Result<Report, String> {
    let files = list(dir).map_err(|e| format!("{shown}: cannot read the directory: {e}"))?;
    let has = |name: &str| files.iter().any(|f| f.name == name);
    let by_name = engine_files::ALL
        .into_iter()
        .find(|e| has(e.wal_file_name) || has(e.snapshot_file_name));
    let wal_name = engine_files::ALL
        .into_iter()
        .map(|e| e.wal_file_name)
        .find(|name| has(name));
    let wal_bytes = wal_name.map(|name| std::fs::read(dir.join(name)));
    let wal_magic = match &wal_bytes {
        Some(Ok(bytes)) => bytes.get(..4).map(magic_seen),
        _ => None,
    };
    let by_magic = wal_magic
        .as_ref()
        .and_then(|m| m.engine)
        .and_then(|name| engine_files::ALL.into_iter().find(|e| e.name == name));
    let engine = by_magic.or(by_name);
    let mut matched_by = Vec::new();
    if by_magic.is_some() {
        matched_by.push("wal_magic");
    }
    if by_name.is_some_and(|n| engine.is_some_and(|e| e.name == n.name)) {
        matched_by.push("file_names");
    }
    let (lock, lock_error) = lock_state(dir, has(LOCK_FILE_NAME));
    let wal = match (engine, wal_name, wal_bytes) {
        (Some(files), Some(name), Some(read)) => {
            Some(wal_report(files, name, read, max_payload_bytes))
        }
        _ => None,
    };
    let snapshot = engine
        .filter(|e| has(e.snapshot_file_name))
        .map(|e| snapshot_report(e, &dir.join(e.snapshot_file_name)));
    Ok(Report {
        schema: 1,
        dir: shown.to_owned(),
        engine: engine.map(|e| e.name),
        matched_by,
        wal_magic,
        temp_files: files
            .iter()
            .filter(|f| f.role == "temp")
            .map(|f| f.name.clone())
            .collect(),
        files,
        lock,
        lock_error,
        snapshot,
        wal,
    })
}

fn list(dir: &Path) -> std::io::Result<Vec<FileEntry>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let metadata = entry.metadata().ok();
        let role = role(
            &name,
            metadata.as_ref().is_some_and(std::fs::Metadata::is_dir),
        );
        files.push(FileEntry {
            bytes: metadata.filter(std::fs::Metadata::is_file).map(|m| m.len()),
            name,
            role,
        });
    }
    files.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(files)
}

fn role(name: &str, is_dir: bool) -> &'static str {
    let known = |pick: fn(&EngineFiles) -> &'static str| {
        engine_files::ALL.into_iter().any(|e| pick(e) == name)
    };
    if is_dir {
        "dir"
    } else if Path::new(name).extension().is_some_and(|e| e == "tmp") {
        // Exactly what `runtime::wal_file::temp_path` appends (lowercase).
        "temp"
    } else if name == LOCK_FILE_NAME {
        "lock"
    } else if known(|e| e.wal_file_name) {
        "wal"
    } else if known(|e| e.snapshot_file_name) {
        "snapshot"
    } else {
        "other"
    }
}

fn magic_seen(bytes: &[u8]) -> MagicSeen {
    let value = u32::from_le_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
    MagicSeen {
        hex: format!("{value:#010x}"),
        text: bytes
            .iter()
            .map(|&b| {
                if b.is_ascii_graphic() {
                    char::from(b)
                } else {
                    '.'
                }
            })
            .collect(),
        engine: engine_files::by_wal_magic(value).map(|e| e.name),
    }
}

/// Probes the lock without taking its place: a shared lock on a read-only handle, released at
/// once. Never creates the file.
fn lock_state(dir: &Path, exists: bool) -> (&'static str, Option<String>) {
    if !exists {
        return ("absent", None);
    }
    let file = match File::open(dir.join(LOCK_FILE_NAME)) {
        Ok(file) => file,
        Err(error) => return ("unknown", Some(error.to_string())),
    };
    match file.try_lock_shared() {
        Ok(()) => match file.unlock() {
            Ok(()) => ("free", None),
            Err(error) => ("unknown", Some(format!("releasing the probe: {error}"))),
        },
        Err(TryLockError::WouldBlock) => ("held", None),
        Err(TryLockError::Error(error)) => ("unknown", Some(error.to_string())),
    }
}

fn snapshot_report(files: &EngineFiles, path: &Path) -> SnapshotReport {
    let file = files.snapshot_file_name.to_owned();
    let bytes = match std::fs::read(path) {
        Ok(bytes) => bytes,
        Err(error) => {
            return SnapshotReport {
                file,
                bytes: 0,
                footer: "error",
                footer_error: Some(format!("cannot read: {error}")),
                version: None,
                lsn: None,
                lsn_error: None,
            };
        }
    };
    // As recovery decides: the header's version, never the absence of a footer, selects the
    // footerless legacy format.
    let legacy = files
        .legacy_snapshot_version
        .is_some_and(|v| snapshot_header(files, &bytes).is_ok_and(|header| header.version == v));
    let (footer, footer_error, payload) = if legacy {
        ("legacy", None, Some(&bytes[..]))
    } else {
        match split_footer(&bytes, files.snapshot_footer_magic) {
            Ok(payload) => ("ok", None, Some(payload)),
            Err(error) => ("error", Some(error.to_string()), None),
        }
    };
    let header = payload.map(|payload| snapshot_header(files, payload));
    let (version, lsn, lsn_error) = match header {
        Some(Ok(h)) if legacy || h.version == files.snapshot_version => {
            (Some(h.version), Some(h.lsn), None)
        }
        Some(Ok(h)) => (
            Some(h.version),
            None,
            Some(format!("unsupported version {}", h.version)),
        ),
        Some(Err(error)) => (None, None, Some(error)),
        None => (None, None, None),
    };
    SnapshotReport {
        file,
        bytes: bytes.len() as u64,
        footer,
        footer_error,
        version,
        lsn,
        lsn_error,
    }
}

fn wal_report(
    files: &EngineFiles,
    name: &str,
    read: std::io::Result<Vec<u8>>,
    max_payload_bytes: u32,
) -> WalReport {
    let (bytes, read_error) = match read {
        Ok(bytes) => (bytes, None),
        Err(error) => (Vec::new(), Some(format!("cannot read: {error}"))),
    };
    let scanned = wal_rows(files, &bytes, max_payload_bytes);
    let frames = scanned
        .rows
        .iter()
        .map(|row| FrameReport {
            offset: row.frame.offset,
            lsn: row.frame.lsn,
            slot: row.frame.request_slot,
            record_type: kind_name(row.frame.record_type),
            header_bytes: row.header.len(),
            payload_bytes: row.frame.payload.len(),
            checksums: "ok",
            decoded: row.decoded(files),
        })
        .collect();
    WalReport {
        file: name.to_owned(),
        bytes: bytes.len() as u64,
        max_payload_bytes,
        read_error,
        frames,
        stop: stop_report(scanned.stop, &bytes),
        valid_bytes: scanned.valid_len,
    }
}

fn stop_report(stop: ScanStopReason, bytes: &[u8]) -> StopReport {
    let text = stop.to_string();
    match stop {
        ScanStopReason::CleanEof => StopReport {
            kind: "clean_end",
            tail: None,
            offset: None,
            reason: None,
            text,
            unverified_header: None,
        },
        ScanStopReason::TornTail { offset, kind } => StopReport {
            kind: "torn_tail",
            tail: Some(match kind {
                TailKind::Partial => "partial",
                TailKind::ZeroFilled => "zero_filled",
            }),
            offset: Some(offset),
            reason: None,
            text,
            unverified_header: None,
        },
        ScanStopReason::Corruption { offset, reason } => StopReport {
            kind: "corruption",
            tail: None,
            offset: Some(offset),
            reason: Some(reason.to_string()),
            text,
            unverified_header: raw_header(bytes, offset),
        },
    }
}

/// The header fields of the frame at `offset`, as stored; `None` without a whole header.
fn raw_header(bytes: &[u8], offset: u64) -> Option<RawHeader> {
    use runtime::wal::{LSN_OFFSET, PAYLOAD_LEN_OFFSET, RECORD_TYPE_OFFSET, REQUEST_SLOT_OFFSET};
    let start = usize::try_from(offset).ok()?;
    let header = bytes.get(start..start.checked_add(HEADER_LEN)?)?;
    let u64_at = |at: usize| {
        let mut raw = [0; 8];
        raw.copy_from_slice(&header[at..at + 8]);
        u64::from_le_bytes(raw)
    };
    let mut len = [0; 4];
    len.copy_from_slice(&header[PAYLOAD_LEN_OFFSET..PAYLOAD_LEN_OFFSET + 4]);
    Some(RawHeader {
        lsn: u64_at(LSN_OFFSET),
        slot: u64_at(REQUEST_SLOT_OFFSET),
        record_type: header[RECORD_TYPE_OFFSET],
        payload_bytes: u32::from_le_bytes(len),
    })
}
