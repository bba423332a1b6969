//! The write-ahead-log frame codec and scanner.
//!
//! A frame is a 35-byte little-endian header followed by an opaque payload:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic (the engine's four bytes, [`Magic`]) |
//! | 4 | 2 | format version (1) |
//! | 6 | 8 | lsn |
//! | 14 | 8 | request slot |
//! | 22 | 1 | record type: 1 external, 2 internal, 3 marker ([`RecordType`]) |
//! | 23 | 4 | payload length |
//! | 27 | 4 | CRC32C of the payload |
//! | 31 | 4 | CRC32C of bytes 0..31 (header checksum) |
//!
//! The header checksum is verified before the length is trusted, so a flipped bit anywhere in
//! a complete frame is reported as corruption and never as a torn tail.
//!
//! This module frames bytes; the engine names them. It knows bytes and checksums only: the
//! magic is the engine's (passed in as a [`Magic`]), payloads are opaque, what each record type
//! means is the engine's, and lsn and slot monotonicity are the caller's business. Reading
//! never panics on any input and never allocates; a complete frame that fails a check is
//! [`ScanStopReason::Corruption`] with its offset; an incomplete one, or zero bytes only from a
//! frame boundary to the end, is a [`ScanStopReason::TornTail`] ([`TailKind`]).

use std::fmt;

mod read;

pub(crate) use read::read_frame_in;
pub use read::{FrameRead, Frames, Scan, ScanStopReason, TailKind, frames, read_frame, scan};

/// The four bytes that open every frame of one engine's WAL, chosen by the engine (a frame
/// written by another engine is [`CorruptionReason::BadMagic`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Magic(u32);

impl Magic {
    /// The magic whose on-disk bytes are `bytes` (stored as `u32::from_le_bytes(bytes)`).
    #[must_use]
    pub const fn new(bytes: [u8; 4]) -> Self {
        Self(u32::from_le_bytes(bytes))
    }

    /// The magic as the little-endian `u32` the header stores.
    #[must_use]
    pub const fn get(self) -> u32 {
        self.0
    }
}

/// The only frame format version this code reads and writes.
pub const VERSION: u16 = 1;

/// Header offset of the magic (4 bytes).
pub const MAGIC_OFFSET: usize = 0;
/// Header offset of the format version (2 bytes).
pub const VERSION_OFFSET: usize = 4;
/// Header offset of the lsn (8 bytes).
pub const LSN_OFFSET: usize = 6;
/// Header offset of the request slot (8 bytes).
pub const REQUEST_SLOT_OFFSET: usize = 14;
/// Header offset of the record type (1 byte).
pub const RECORD_TYPE_OFFSET: usize = 22;
/// Header offset of the payload length (4 bytes).
pub const PAYLOAD_LEN_OFFSET: usize = 23;
/// Header offset of the payload's CRC32C (4 bytes).
pub const PAYLOAD_CRC_OFFSET: usize = 27;
/// Header offset of the CRC32C of the header bytes before it (4 bytes).
pub const HEADER_CRC_OFFSET: usize = 31;
/// Bytes in a frame header; the payload starts here.
pub const HEADER_LEN: usize = 35;

const _: () = assert!(VERSION_OFFSET == MAGIC_OFFSET + 4);
const _: () = assert!(LSN_OFFSET == VERSION_OFFSET + 2);
const _: () = assert!(REQUEST_SLOT_OFFSET == LSN_OFFSET + 8);
const _: () = assert!(RECORD_TYPE_OFFSET == REQUEST_SLOT_OFFSET + 8);
const _: () = assert!(PAYLOAD_LEN_OFFSET == RECORD_TYPE_OFFSET + 1);
const _: () = assert!(PAYLOAD_CRC_OFFSET == PAYLOAD_LEN_OFFSET + 4);
const _: () = assert!(HEADER_CRC_OFFSET == PAYLOAD_CRC_OFFSET + 4);
const _: () = assert!(HEADER_LEN == HEADER_CRC_OFFSET + 4);
const _: () = assert!(HEADER_LEN == 35);

/// Which of the three kinds of frame this is. The runtime names the mechanism only; the
/// engine decides what each kind carries (and maps its own names onto these).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordType {
    /// Byte 1: a frame written on behalf of a caller outside the engine.
    External = 1,
    /// Byte 2: a frame the engine writes on its own initiative.
    Internal = 2,
    /// Byte 3: a position marker (the engine gives it meaning, e.g. "state saved up to here").
    Marker = 3,
}

impl RecordType {
    /// The header byte.
    #[must_use]
    #[inline]
    pub fn to_byte(self) -> u8 {
        self as u8
    }

    /// The record type of a header byte; `None` for any byte but 1, 2 and 3.
    #[must_use]
    #[inline]
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::External),
            2 => Some(Self::Internal),
            3 => Some(Self::Marker),
            _ => None,
        }
    }
}

/// A decoded frame borrowing its payload from the scanned buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Byte offset of the frame's first header byte in the scanned buffer.
    pub offset: u64,
    /// The lsn the header carries (its order is the caller's business).
    pub lsn: u64,
    /// The request slot the header carries.
    pub request_slot: u64,
    /// The header's record type.
    pub record_type: RecordType,
    /// The payload, checked against its CRC32C, borrowed from the scanned buffer.
    pub payload: &'a [u8],
}

impl Frame<'_> {
    /// Header plus payload bytes.
    #[must_use]
    #[inline]
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN + self.payload.len()
    }
}

/// Why a complete frame was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(missing_docs)] // the fields are what each variant's name says: stored, computed, found
pub enum CorruptionReason {
    /// The header's CRC32C does not match its bytes (checked before anything else in it).
    HeaderChecksum { stored: u32, computed: u32 },
    /// The magic is not the one the reader expects.
    BadMagic { found: u32 },
    /// The format version is not [`VERSION`].
    BadVersion { found: u16 },
    /// The record type byte is not 1, 2 or 3.
    BadRecordType { found: u8 },
    /// The payload length is above the reader's limit.
    PayloadTooLarge { len: u32, max: u32 },
    /// The payload's CRC32C does not match its bytes.
    PayloadChecksum { stored: u32, computed: u32 },
}

impl fmt::Display for CorruptionReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HeaderChecksum { stored, computed } => {
                write!(
                    f,
                    "header checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
                )
            }
            Self::BadMagic { found } => write!(f, "bad magic {found:#010x}"),
            Self::BadVersion { found } => write!(f, "unsupported format version {found}"),
            Self::BadRecordType { found } => write!(f, "unknown record type {found}"),
            Self::PayloadTooLarge { len, max } => {
                write!(f, "payload length {len} above the limit {max}")
            }
            Self::PayloadChecksum { stored, computed } => write!(
                f,
                "payload checksum mismatch (stored {stored:#010x}, computed {computed:#010x})"
            ),
        }
    }
}

/// Reserves a header at the end of `buf` and returns the frame's start; the caller then
/// appends the payload to `buf` and calls [`finish_frame`]. This encodes a frame without
/// copying the payload.
#[inline]
pub fn begin_frame(buf: &mut Vec<u8>) -> usize {
    let start = buf.len();
    buf.resize(start + HEADER_LEN, 0);
    start
}

/// Fills in the header of the frame that starts at `start` in `buf`; its payload is every
/// byte after the header.
///
/// # Panics
/// If `start` does not leave room for a header or the payload length exceeds `u32::MAX`
/// (callers bound their payloads).
#[inline]
pub fn finish_frame(
    buf: &mut [u8],
    start: usize,
    magic: Magic,
    lsn: u64,
    request_slot: u64,
    record_type: RecordType,
) {
    assert!(
        buf.len() >= start + HEADER_LEN,
        "frame must have a reserved header"
    );
    let (header_area, payload) = buf[start..].split_at_mut(HEADER_LEN);
    let payload_len = u32::try_from(payload.len()).expect("frame payload must fit in u32");
    let header = &mut header_area[..HEADER_LEN];
    header[MAGIC_OFFSET..VERSION_OFFSET].copy_from_slice(&magic.get().to_le_bytes());
    header[VERSION_OFFSET..LSN_OFFSET].copy_from_slice(&VERSION.to_le_bytes());
    header[LSN_OFFSET..REQUEST_SLOT_OFFSET].copy_from_slice(&lsn.to_le_bytes());
    header[REQUEST_SLOT_OFFSET..RECORD_TYPE_OFFSET].copy_from_slice(&request_slot.to_le_bytes());
    header[RECORD_TYPE_OFFSET] = record_type.to_byte();
    header[PAYLOAD_LEN_OFFSET..PAYLOAD_CRC_OFFSET].copy_from_slice(&payload_len.to_le_bytes());
    let payload_crc = crc32c::crc32c(payload);
    header[PAYLOAD_CRC_OFFSET..HEADER_CRC_OFFSET].copy_from_slice(&payload_crc.to_le_bytes());
    let header_crc = crc32c::crc32c(&header[..HEADER_CRC_OFFSET]);
    header[HEADER_CRC_OFFSET..HEADER_LEN].copy_from_slice(&header_crc.to_le_bytes());
}

/// Appends one complete frame to `buf` (a reusable buffer).
///
/// # Panics
/// As [`finish_frame`]: if the payload is longer than `u32::MAX` bytes.
#[inline]
pub fn encode_frame(
    buf: &mut Vec<u8>,
    magic: Magic,
    lsn: u64,
    request_slot: u64,
    record_type: RecordType,
    payload: &[u8],
) {
    let start = begin_frame(buf);
    buf.extend_from_slice(payload);
    finish_frame(buf, start, magic, lsn, request_slot, record_type);
}

#[cfg(test)]
#[path = "wal_tests.rs"]
mod tests;
