//! The write-ahead-log frame codec and scanner.
//!
//! A frame is a 35-byte little-endian header followed by an opaque payload:
//!
//! | offset | size | field |
//! |---|---|---|
//! | 0 | 4 | magic (`b"RSDB"` read as `u32::from_le_bytes`) |
//! | 4 | 2 | format version (1) |
//! | 6 | 8 | lsn |
//! | 14 | 8 | request slot |
//! | 22 | 1 | record type: 1 client command, 2 internal command, 3 snapshot marker |
//! | 23 | 4 | payload length |
//! | 27 | 4 | CRC32C of the payload |
//! | 31 | 4 | CRC32C of bytes 0..31 (header checksum) |
//!
//! The header checksum is verified before the length is trusted, so a flipped bit anywhere in
//! a complete frame is reported as corruption and never as a torn tail.
//!
//! This module knows bytes and checksums only: payloads are opaque, lsn and slot monotonicity
//! are the caller's business.

use std::fmt;

/// The frame magic: `b"RSDB"` as a little-endian `u32`.
pub const MAGIC: u32 = u32::from_le_bytes(*b"RSDB");
/// The only frame format version this code reads and writes.
pub const VERSION: u16 = 1;

pub const MAGIC_OFFSET: usize = 0;
pub const VERSION_OFFSET: usize = 4;
pub const LSN_OFFSET: usize = 6;
pub const REQUEST_SLOT_OFFSET: usize = 14;
pub const RECORD_TYPE_OFFSET: usize = 22;
pub const PAYLOAD_LEN_OFFSET: usize = 23;
pub const PAYLOAD_CRC_OFFSET: usize = 27;
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

/// What a frame's payload is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RecordType {
    ClientCommand = 1,
    InternalCommand = 2,
    SnapshotMarker = 3,
}

impl RecordType {
    #[must_use]
    pub fn to_byte(self) -> u8 {
        self as u8
    }

    #[must_use]
    pub fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::ClientCommand),
            2 => Some(Self::InternalCommand),
            3 => Some(Self::SnapshotMarker),
            _ => None,
        }
    }
}

/// A decoded frame borrowing its payload from the scanned buffer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Frame<'a> {
    /// Byte offset of the frame's first header byte in the scanned buffer.
    pub offset: u64,
    pub lsn: u64,
    pub request_slot: u64,
    pub record_type: RecordType,
    pub payload: &'a [u8],
}

impl Frame<'_> {
    /// Header plus payload bytes.
    #[must_use]
    pub fn encoded_len(&self) -> usize {
        HEADER_LEN + self.payload.len()
    }
}

/// Why a complete frame was rejected.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CorruptionReason {
    HeaderChecksum { stored: u32, computed: u32 },
    BadMagic { found: u32 },
    BadVersion { found: u16 },
    BadRecordType { found: u8 },
    PayloadTooLarge { len: u32, max: u32 },
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

/// Why a scan stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanStopReason {
    /// Every byte belonged to a valid frame.
    CleanEof,
    /// An incomplete frame starts at `offset` (a crash during the last append).
    TornTail { offset: u64 },
    /// The complete frame at `offset` is invalid.
    Corruption {
        offset: u64,
        reason: CorruptionReason,
    },
}

impl fmt::Display for ScanStopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CleanEof => write!(f, "clean end of log"),
            Self::TornTail { offset } => write!(f, "torn tail at offset {offset}"),
            Self::Corruption { offset, reason } => {
                write!(f, "corruption at offset {offset}: {reason}")
            }
        }
    }
}

/// The result of scanning a buffer: the valid frames before the stop, and the stop reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan<'a> {
    pub frames: Vec<Frame<'a>>,
    pub stop: ScanStopReason,
    /// Length of the prefix made of whole valid frames (where a torn tail is cut).
    pub valid_len: u64,
}

/// Outcome of reading one frame at an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameRead<'a> {
    Frame(Frame<'a>),
    Stop(ScanStopReason),
}

fn read_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut raw = [0; 4];
    raw.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(raw)
}

fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut raw = [0; 8];
    raw.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(raw)
}

/// Reserves a header at the end of `buf` and returns the frame's start; the caller then
/// appends the payload to `buf` and calls [`finish_frame`]. This encodes a frame without
/// copying the payload.
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
/// (callers bound payloads by `max_wal_payload_bytes`).
pub fn finish_frame(
    buf: &mut [u8],
    start: usize,
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
    header[MAGIC_OFFSET..VERSION_OFFSET].copy_from_slice(&MAGIC.to_le_bytes());
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
pub fn encode_frame(
    buf: &mut Vec<u8>,
    lsn: u64,
    request_slot: u64,
    record_type: RecordType,
    payload: &[u8],
) {
    let start = begin_frame(buf);
    buf.extend_from_slice(payload);
    finish_frame(buf, start, lsn, request_slot, record_type);
}

/// Reads the frame starting at `offset` in `bytes`. Checks, in order: end of buffer (clean),
/// fewer than a header's bytes (torn), header checksum, magic, version, record type, payload
/// length against `max_payload_bytes`, payload running past the end (torn), payload checksum.
#[must_use]
pub fn read_frame(bytes: &[u8], offset: usize, max_payload_bytes: u32) -> FrameRead<'_> {
    let at = offset as u64;
    let corrupt = |reason| FrameRead::Stop(ScanStopReason::Corruption { offset: at, reason });
    let Some(rest) = bytes.get(offset..) else {
        return FrameRead::Stop(ScanStopReason::TornTail { offset: at });
    };
    if rest.is_empty() {
        return FrameRead::Stop(ScanStopReason::CleanEof);
    }
    if rest.len() < HEADER_LEN {
        return FrameRead::Stop(ScanStopReason::TornTail { offset: at });
    }
    let stored = read_u32(rest, HEADER_CRC_OFFSET);
    let computed = crc32c::crc32c(&rest[..HEADER_CRC_OFFSET]);
    if stored != computed {
        return corrupt(CorruptionReason::HeaderChecksum { stored, computed });
    }
    let magic = read_u32(rest, MAGIC_OFFSET);
    if magic != MAGIC {
        return corrupt(CorruptionReason::BadMagic { found: magic });
    }
    let version = read_u16(rest, VERSION_OFFSET);
    if version != VERSION {
        return corrupt(CorruptionReason::BadVersion { found: version });
    }
    let Some(record_type) = RecordType::from_byte(rest[RECORD_TYPE_OFFSET]) else {
        return corrupt(CorruptionReason::BadRecordType {
            found: rest[RECORD_TYPE_OFFSET],
        });
    };
    let len = read_u32(rest, PAYLOAD_LEN_OFFSET);
    if len > max_payload_bytes {
        return corrupt(CorruptionReason::PayloadTooLarge {
            len,
            max: max_payload_bytes,
        });
    }
    let Some(payload) = usize::try_from(len)
        .ok()
        .and_then(|len| rest.get(HEADER_LEN..HEADER_LEN.checked_add(len)?))
    else {
        return FrameRead::Stop(ScanStopReason::TornTail { offset: at });
    };
    let stored = read_u32(rest, PAYLOAD_CRC_OFFSET);
    let computed = crc32c::crc32c(payload);
    if stored != computed {
        return corrupt(CorruptionReason::PayloadChecksum { stored, computed });
    }
    FrameRead::Frame(Frame {
        offset: at,
        lsn: read_u64(rest, LSN_OFFSET),
        request_slot: read_u64(rest, REQUEST_SLOT_OFFSET),
        record_type,
        payload,
    })
}

/// The valid frames of `bytes`, one at a time and borrowed, without collecting them (recovery
/// replays each as it is read); once the iterator returns `None`, [`Frames::stop`] says why.
#[derive(Clone, Debug)]
pub struct Frames<'a> {
    bytes: &'a [u8],
    offset: usize,
    max_payload_bytes: u32,
    stop: Option<ScanStopReason>,
}

impl Frames<'_> {
    /// Why the iteration ended; `None` while frames remain.
    #[must_use]
    pub fn stop(&self) -> Option<ScanStopReason> {
        self.stop
    }

    /// Length of the prefix of whole valid frames read so far (where a torn tail is cut).
    #[must_use]
    pub fn valid_len(&self) -> u64 {
        self.offset as u64
    }

    /// Reads to the end (passing over any frames left) and returns why the frames ended and
    /// the length of the valid prefix.
    #[must_use]
    pub fn finish(mut self) -> (ScanStopReason, u64) {
        loop {
            match self.stop {
                Some(stop) => return (stop, self.valid_len()),
                None => {
                    self.next();
                }
            }
        }
    }
}

impl<'a> Iterator for Frames<'a> {
    type Item = Frame<'a>;

    fn next(&mut self) -> Option<Frame<'a>> {
        if self.stop.is_some() {
            return None;
        }
        match read_frame(self.bytes, self.offset, self.max_payload_bytes) {
            FrameRead::Frame(frame) => {
                self.offset += frame.encoded_len();
                Some(frame)
            }
            FrameRead::Stop(stop) => {
                self.stop = Some(stop);
                None
            }
        }
    }
}

/// Iterates the valid frames of `bytes` from the start (see [`Frames`]). Never panics and
/// allocates nothing.
#[must_use]
pub fn frames(bytes: &[u8], max_payload_bytes: u32) -> Frames<'_> {
    Frames {
        bytes,
        offset: 0,
        max_payload_bytes,
        stop: None,
    }
}

/// Scans `bytes` from the start: every valid frame (borrowed), then the reason the scan
/// stopped. Never panics and allocates at most one `Frame` per 35 input bytes.
#[must_use]
pub fn scan(bytes: &[u8], max_payload_bytes: u32) -> Scan<'_> {
    let mut iter = frames(bytes, max_payload_bytes);
    let frames = iter.by_ref().collect();
    let (stop, valid_len) = iter.finish();
    Scan {
        frames,
        stop,
        valid_len,
    }
}

#[cfg(test)]
#[path = "wal_tests.rs"]
mod tests;
