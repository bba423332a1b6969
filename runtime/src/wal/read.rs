//! Reading frames: one at a time ([`read_frame`]), as a borrowing iterator ([`frames`]) or
//! collected ([`scan`]), and why reading stopped ([`ScanStopReason`]). Never panics on any
//! input; only [`scan`] allocates (its frame list).

use std::fmt;

use super::{
    CorruptionReason, Frame, HEADER_CRC_OFFSET, HEADER_LEN, LSN_OFFSET, MAGIC_OFFSET, Magic,
    PAYLOAD_CRC_OFFSET, PAYLOAD_LEN_OFFSET, RECORD_TYPE_OFFSET, REQUEST_SLOT_OFFSET, RecordType,
    VERSION, VERSION_OFFSET,
};

/// Why a scan stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScanStopReason {
    /// Every byte belonged to a valid frame.
    CleanEof,
    /// The bytes from `offset` to the end are not a whole frame: a crash during the last
    /// append, or a file extended without its data. Cut at `offset`.
    TornTail {
        /// Where the torn tail starts (the length of the valid prefix).
        offset: u64,
        /// What the tail holds.
        kind: TailKind,
    },
    /// The complete frame at `offset` is invalid.
    Corruption {
        /// Where the invalid frame starts.
        offset: u64,
        /// The first check it failed.
        reason: CorruptionReason,
    },
}

/// What a torn tail holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TailKind {
    /// The start of a frame: fewer bytes than a header, or a header whose payload runs past
    /// the end (an interrupted append).
    Partial,
    /// Zero bytes only, from a frame boundary to the end: a file extended without its data
    /// (as some file systems leave after a power loss). A frame that fails its checks stays
    /// corruption even when zeros follow it.
    ZeroFilled,
}

impl fmt::Display for ScanStopReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::CleanEof => write!(f, "clean end of log"),
            Self::TornTail {
                offset,
                kind: TailKind::Partial,
            } => write!(f, "torn tail at offset {offset}"),
            Self::TornTail {
                offset,
                kind: TailKind::ZeroFilled,
            } => write!(f, "zero-filled tail at offset {offset}"),
            Self::Corruption { offset, reason } => {
                write!(f, "corruption at offset {offset}: {reason}")
            }
        }
    }
}

/// The result of scanning a buffer: the valid frames before the stop, and the stop reason.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scan<'a> {
    /// The valid frames, in file order.
    pub frames: Vec<Frame<'a>>,
    /// Why the scan stopped.
    pub stop: ScanStopReason,
    /// Length of the prefix made of whole valid frames (where a torn tail is cut).
    pub valid_len: u64,
}

/// Outcome of reading one frame at an offset.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FrameRead<'a> {
    /// A valid frame starts at the offset.
    Frame(Frame<'a>),
    /// No valid frame starts there, and this is why.
    Stop(ScanStopReason),
}

#[inline]
fn read_u16(bytes: &[u8], at: usize) -> u16 {
    u16::from_le_bytes([bytes[at], bytes[at + 1]])
}

#[inline]
fn read_u32(bytes: &[u8], at: usize) -> u32 {
    let mut raw = [0; 4];
    raw.copy_from_slice(&bytes[at..at + 4]);
    u32::from_le_bytes(raw)
}

#[inline]
fn read_u64(bytes: &[u8], at: usize) -> u64 {
    let mut raw = [0; 8];
    raw.copy_from_slice(&bytes[at..at + 8]);
    u64::from_le_bytes(raw)
}

/// Reads the frame starting at `offset` in `bytes`, which end where the file ends. Checks, in
/// order: end of buffer (clean), zero bytes only to the end (a zero-filled tail), fewer than
/// a header's bytes (torn), header checksum, magic, version, record type, payload length
/// against `max_payload_bytes`, payload running past the end (torn), payload checksum. Never
/// panics, whatever `bytes` and `offset` are; an `offset` past the end of `bytes` (a caller
/// bug: the frame iterator never produces one) reads as a partial torn tail at that offset.
#[must_use]
#[inline]
pub fn read_frame(
    bytes: &[u8],
    offset: usize,
    magic: Magic,
    max_payload_bytes: u32,
) -> FrameRead<'_> {
    read_frame_in(bytes, offset, magic, max_payload_bytes, true)
}

/// Whether the planted bug `CorruptTailReadAsTorn` (test kit only) turns a failed check of
/// the frame at `offset` into a torn tail: the frame's stated end reaches the file's end.
#[cfg(any(test, feature = "testkit"))]
fn planted_torn_tail(bytes: &[u8], offset: usize, at_end: bool) -> bool {
    use crate::testkit::sim::planted::{Bug, is_planted};
    at_end
        && is_planted(Bug::CorruptTailReadAsTorn)
        && bytes.get(offset..).is_some_and(|rest| {
            let stated = rest.get(PAYLOAD_LEN_OFFSET..PAYLOAD_LEN_OFFSET + 4);
            let stated = stated.map_or(0, |b| read_u32(b, 0));
            HEADER_LEN.saturating_add(stated as usize) >= rest.len()
        })
}

/// Without the test kit, no bug is planted.
#[cfg(not(any(test, feature = "testkit")))]
#[inline]
fn planted_torn_tail(_: &[u8], _: usize, _: bool) -> bool {
    false
}

/// [`read_frame`] on a window of the file: `at_end` says whether `bytes` end where the file
/// does. Only then can a run of zeros be a zero-filled tail; otherwise zeros are read as any
/// other bytes (the caller checks the rest of the file first).
#[inline]
pub(crate) fn read_frame_in(
    bytes: &[u8],
    offset: usize,
    magic: Magic,
    max_payload_bytes: u32,
    at_end: bool,
) -> FrameRead<'_> {
    let at = offset as u64;
    let corrupt_tail_is_torn = planted_torn_tail(bytes, offset, at_end);
    let corrupt = |reason| {
        if corrupt_tail_is_torn {
            return FrameRead::Stop(ScanStopReason::TornTail {
                offset: at,
                kind: TailKind::Partial,
            });
        }
        FrameRead::Stop(ScanStopReason::Corruption { offset: at, reason })
    };
    let torn = |kind| FrameRead::Stop(ScanStopReason::TornTail { offset: at, kind });
    let Some(rest) = bytes.get(offset..) else {
        return torn(TailKind::Partial);
    };
    if rest.is_empty() {
        return FrameRead::Stop(ScanStopReason::CleanEof);
    }
    if at_end && rest.iter().all(|&byte| byte == 0) {
        return torn(TailKind::ZeroFilled);
    }
    if rest.len() < HEADER_LEN {
        return torn(TailKind::Partial);
    }
    let stored = read_u32(rest, HEADER_CRC_OFFSET);
    let computed = crc32c::crc32c(&rest[..HEADER_CRC_OFFSET]);
    if stored != computed {
        return corrupt(CorruptionReason::HeaderChecksum { stored, computed });
    }
    let found = read_u32(rest, MAGIC_OFFSET);
    if found != magic.get() {
        return corrupt(CorruptionReason::BadMagic { found });
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
        return torn(TailKind::Partial);
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
    magic: Magic,
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

    #[inline]
    fn next(&mut self) -> Option<Frame<'a>> {
        if self.stop.is_some() {
            return None;
        }
        match read_frame(self.bytes, self.offset, self.magic, self.max_payload_bytes) {
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
pub fn frames(bytes: &[u8], magic: Magic, max_payload_bytes: u32) -> Frames<'_> {
    Frames {
        bytes,
        offset: 0,
        magic,
        max_payload_bytes,
        stop: None,
    }
}

/// Scans `bytes` from the start: every valid frame (borrowed), then the reason the scan
/// stopped. Never panics and allocates at most one `Frame` per 35 input bytes.
#[must_use]
pub fn scan(bytes: &[u8], magic: Magic, max_payload_bytes: u32) -> Scan<'_> {
    let mut iter = frames(bytes, magic, max_payload_bytes);
    let frames = iter.by_ref().collect();
    let (stop, valid_len) = iter.finish();
    Scan {
        frames,
        stop,
        valid_len,
    }
}

#[cfg(test)]
#[path = "read_tests.rs"]
mod tests;
