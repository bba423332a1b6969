//! What each engine's files look like on disk, and how their bytes read: the one description
//! that both the golden traces (`wal_listing`) and `golden inspect` use, so that a frame is
//! listed and decoded by the same code in both.
//!
//! Each driver module defines its engine's [`EngineFiles`] (names, magics, decode functions
//! over the engine's own codec); this module holds what is engine-neutral: the frame rows of a
//! WAL, the golden listing built from them, and the snapshot header read.

use runtime::wal::{Frame, HEADER_LEN, Magic, RecordType, ScanStopReason, scan};

use crate::driver::{Frame as TraceFrame, WalListing};

/// One engine's database directory, as the tools read it.
pub struct EngineFiles {
    /// The engine's folder name (`quota-core`).
    pub name: &'static str,
    /// The WAL's file name inside a database directory.
    pub wal_file_name: &'static str,
    /// The snapshot's file name inside a database directory.
    pub snapshot_file_name: &'static str,
    /// The four bytes that open every WAL frame.
    pub wal_magic: Magic,
    /// The snapshot file footer's magic.
    pub snapshot_footer_magic: Magic,
    /// The snapshot encoding's own magic (its first four bytes, little-endian `u32`).
    pub snapshot_magic: u32,
    /// The snapshot encoding version written with a footer.
    pub snapshot_version: u16,
    /// A version written before the footer existed (the file is the snapshot bytes alone).
    pub legacy_snapshot_version: Option<u16>,
    /// A client frame's payload decoded by the engine's codec, one line.
    pub client_text: fn(&[u8]) -> String,
    /// An internal frame's payload decoded by the engine's codec, in scenario syntax.
    pub internal_text: fn(&[u8]) -> String,
}

/// Every engine's description, in [`crate::ENGINES`] order.
pub const ALL: [&EngineFiles; 4] = [
    &crate::drivers::allocdb::FILES,
    &crate::drivers::quota::FILES,
    &crate::drivers::queue::FILES,
    &crate::drivers::reservation::FILES,
];

/// The engine whose WAL frames open with `magic`.
#[must_use]
pub fn by_wal_magic(magic: u32) -> Option<&'static EngineFiles> {
    ALL.into_iter().find(|files| files.wal_magic.get() == magic)
}

/// The trace's (and inspect's) name of a record type.
#[must_use]
pub fn kind_name(record_type: RecordType) -> &'static str {
    match record_type {
        RecordType::External => "client",
        RecordType::Internal => "internal",
        RecordType::Marker => "marker",
    }
}

/// One whole, checked frame of a WAL buffer, with its header bytes.
pub struct FrameRow<'a> {
    pub frame: Frame<'a>,
    /// The frame's [`HEADER_LEN`] header bytes.
    pub header: &'a [u8],
}

impl FrameRow<'_> {
    /// The payload decoded by the engine's codec: `None` for a marker.
    #[must_use]
    pub fn decoded(&self, files: &EngineFiles) -> Option<String> {
        match self.frame.record_type {
            RecordType::External => Some((files.client_text)(self.frame.payload)),
            RecordType::Internal => Some((files.internal_text)(self.frame.payload)),
            RecordType::Marker => None,
        }
    }
}

/// A WAL buffer read frame by frame: the whole frames, the stop reason, the valid prefix.
pub struct WalRows<'a> {
    pub rows: Vec<FrameRow<'a>>,
    pub stop: ScanStopReason,
    pub valid_len: u64,
}

/// Scans WAL `bytes` of `files`' engine with the payload bound `max_payload_bytes`.
///
/// # Panics
/// Never: a scanned frame's offset and header lie inside `bytes`.
#[must_use]
pub fn wal_rows<'a>(files: &EngineFiles, bytes: &'a [u8], max_payload_bytes: u32) -> WalRows<'a> {
    let scanned = scan(bytes, files.wal_magic, max_payload_bytes);
    let rows = scanned
        .frames
        .into_iter()
        .map(|frame| {
            let start = usize::try_from(frame.offset).expect("a scanned offset fits in memory");
            FrameRow {
                frame,
                header: &bytes[start..start + HEADER_LEN],
            }
        })
        .collect();
    WalRows {
        rows,
        stop: scanned.stop,
        valid_len: scanned.valid_len,
    }
}

/// The WAL as the golden trace shows it: one line per whole frame (offset, lsn, slot, kind,
/// header and payload hex), then the stop reason.
#[must_use]
pub fn wal_listing(files: &EngineFiles, bytes: &[u8], max_payload_bytes: u32) -> WalListing {
    let scanned = wal_rows(files, bytes, max_payload_bytes);
    let frames = scanned
        .rows
        .iter()
        .map(|row| TraceFrame {
            lsn: row.frame.lsn,
            internal: (row.frame.record_type == RecordType::Internal)
                .then(|| (files.internal_text)(row.frame.payload)),
        })
        .collect();
    let mut lines: Vec<String> = scanned
        .rows
        .iter()
        .map(|row| {
            let f = &row.frame;
            format!(
                "@{} lsn={} slot={} {} header={} payload={}",
                f.offset,
                f.lsn,
                f.request_slot,
                kind_name(f.record_type),
                crate::runner::hex(row.header),
                crate::runner::hex(f.payload)
            )
        })
        .collect();
    lines.push(format!("stop: {}", scanned.stop));
    WalListing {
        lines,
        last_lsn: scanned.rows.last().map(|row| row.frame.lsn),
        frames,
    }
}

/// Bytes of the snapshot header every engine writes first: magic `u32`, version `u16`,
/// `last_applied_lsn` `u64` (then `last_request_slot` `u64`).
const SNAPSHOT_LSN_OFFSET: usize = 6;
const SNAPSHOT_LSN_END: usize = SNAPSHOT_LSN_OFFSET + 8;

/// The header of a snapshot encoding: its version and the lsn it was taken at.
#[derive(Clone, Copy, Debug, Eq, PartialEq)]
pub struct SnapshotHeader {
    pub version: u16,
    pub lsn: u64,
}

/// Reads the snapshot header at the start of `bytes` (a snapshot encoding, without any file
/// footer), checking the magic against `files`. The version is returned, not checked: the
/// caller decides what a version means.
///
/// # Errors
/// Too few bytes, or another magic, as a message.
pub fn snapshot_header(files: &EngineFiles, bytes: &[u8]) -> Result<SnapshotHeader, String> {
    let Some(header) = bytes.get(..SNAPSHOT_LSN_END) else {
        return Err(format!(
            "{} bytes cannot hold a snapshot header ({SNAPSHOT_LSN_END} bytes)",
            bytes.len()
        ));
    };
    let magic = u32::from_le_bytes([header[0], header[1], header[2], header[3]]);
    if magic != files.snapshot_magic {
        return Err(format!("bad snapshot magic {magic:#010x}"));
    }
    let mut lsn = [0; 8];
    lsn.copy_from_slice(&header[SNAPSHOT_LSN_OFFSET..SNAPSHOT_LSN_END]);
    Ok(SnapshotHeader {
        version: u16::from_le_bytes([header[4], header[5]]),
        lsn: u64::from_le_bytes(lsn),
    })
}
