//! Reading the log in bounded chunks: [`FrameReader`] hands out one valid frame at a time while
//! holding at most one chunk plus one whole frame in memory, whatever the log's size.

use crate::wal::{Frame, FrameRead, HEADER_LEN, Magic, ScanStopReason, TailKind, read_frame_in};

use super::{FileError, FileOp, WalFile};

/// The default chunk: 1 MiB per read.
pub const DEFAULT_CHUNK_LEN: usize = 1 << 20;

/// Reads the frames of a [`WalFile`] from its start, a chunk at a time (see
/// [`WalFile::frame_reader`]). Frames are borrowed from the reader's buffer, so each must be
/// dropped before the next call: `while let Some(frame) = reader.next_frame()? { .. }`.
#[derive(Debug)]
pub struct FrameReader<'a> {
    wal: &'a mut WalFile,
    magic: Magic,
    max_payload_bytes: u32,
    chunk_len: usize,
    /// Bytes of the file from `start` on (a window).
    buf: Vec<u8>,
    /// The file offset of `buf[0]`.
    start: u64,
    /// Where the next frame starts, in `buf`.
    pos: usize,
    /// The file's length when reading began.
    file_len: u64,
    stop: Option<ScanStopReason>,
    peak: usize,
}

impl<'a> FrameReader<'a> {
    pub(super) fn new(
        wal: &'a mut WalFile,
        magic: Magic,
        max_payload_bytes: u32,
        chunk_len: usize,
    ) -> Self {
        let file_len = wal.len;
        Self {
            wal,
            magic,
            max_payload_bytes,
            chunk_len: chunk_len.max(1),
            buf: Vec::new(),
            start: 0,
            pos: 0,
            file_len,
            stop: None,
            peak: 0,
        }
    }

    /// The next valid frame (its `offset` is the file offset), or `None` once reading stopped
    /// ([`Self::stop`] says why).
    ///
    /// # Errors
    /// A read failed; the reader must not be used again.
    pub fn next_frame(&mut self) -> Result<Option<Frame<'_>>, FileError> {
        if self.stop.is_some() {
            return Ok(None);
        }
        self.fill()?;
        let at_end = self.end() == self.file_len;
        if !at_end && self.buf[self.pos..].iter().all(|&byte| byte == 0) && self.zeros_to_end()? {
            self.stop = Some(ScanStopReason::TornTail {
                offset: self.valid_len(),
                kind: TailKind::ZeroFilled,
            });
            return Ok(None);
        }
        let start = self.start;
        match read_frame_in(
            &self.buf,
            self.pos,
            self.magic,
            self.max_payload_bytes,
            at_end,
        ) {
            FrameRead::Frame(frame) => {
                self.pos += frame.encoded_len();
                Ok(Some(Frame {
                    offset: start + frame.offset,
                    ..frame
                }))
            }
            FrameRead::Stop(stop) => {
                self.stop = Some(shifted(stop, start));
                Ok(None)
            }
        }
    }

    /// Reads to the end (passing over any frames left) and returns why the frames ended and
    /// the length of the valid prefix, as [`crate::wal::Frames::finish`] does.
    ///
    /// # Errors
    /// A read failed.
    pub fn finish(mut self) -> Result<(ScanStopReason, u64), FileError> {
        loop {
            if let Some(stop) = self.stop {
                return Ok((stop, self.valid_len()));
            }
            self.next_frame()?;
        }
    }

    /// Why reading stopped; `None` while frames remain.
    #[must_use]
    pub fn stop(&self) -> Option<ScanStopReason> {
        self.stop
    }

    /// Length of the prefix of whole valid frames read so far (where a torn tail is cut).
    #[must_use]
    pub fn valid_len(&self) -> u64 {
        self.start + self.pos as u64
    }

    /// The file's length when reading began.
    #[must_use]
    pub fn file_len(&self) -> u64 {
        self.file_len
    }

    /// The most bytes the reader has held at once: at most the chunk length plus one whole
    /// frame (`HEADER_LEN + max_payload_bytes`), whatever the file's size.
    #[must_use]
    pub fn peak_buffer_len(&self) -> usize {
        self.peak
    }

    /// The file offset where the buffer ends.
    fn end(&self) -> u64 {
        self.start + self.buf.len() as u64
    }

    /// The bytes a frame may need past `pos` before its verdict cannot change.
    fn frame_window(&self) -> usize {
        HEADER_LEN.saturating_add(usize::try_from(self.max_payload_bytes).unwrap_or(usize::MAX))
    }

    /// Makes the buffer hold a whole frame's worth of bytes from `pos`, or everything up to the
    /// end of the file: drops the bytes before `pos`, then reads chunks.
    fn fill(&mut self) -> Result<(), FileError> {
        while self.buf.len() - self.pos < self.frame_window() && self.end() < self.file_len {
            self.buf.drain(..self.pos);
            self.start += self.pos as u64;
            self.pos = 0;
            self.read_chunk()?;
        }
        Ok(())
    }

    /// Appends the next chunk of the file (up to its end) to the buffer.
    fn read_chunk(&mut self) -> Result<(), FileError> {
        let remaining = self.file_len - self.end();
        let want = usize::try_from(remaining).map_or(self.chunk_len, |r| r.min(self.chunk_len));
        let old = self.buf.len();
        self.buf.resize(old + want, 0);
        self.peak = self.peak.max(self.buf.len());
        let offset = self.end() - want as u64;
        let read = self
            .wal
            .file
            .read_at(offset, &mut self.buf[old..])
            .map_err(|e| FileError::new(FileOp::Read, &self.wal.path, &e))?;
        self.buf.truncate(old + read);
        if read < want {
            // The file ended early (it shrank under us): read what is there as its end.
            self.file_len = self.end();
        }
        Ok(())
    }

    /// Whether every byte from the end of the buffer to the end of the file is zero. Reads the
    /// rest through the buffer, a chunk at a time; the zeros already in the buffer from `pos`
    /// are kept as they are (only `pos` and the bytes before it matter afterwards).
    fn zeros_to_end(&mut self) -> Result<bool, FileError> {
        let boundary = self.valid_len();
        let kept = self.buf.len() - self.pos;
        let mut all_zero = true;
        while all_zero && self.end() < self.file_len {
            self.start = self.end();
            self.buf.clear();
            self.read_chunk()?;
            all_zero = self.buf.iter().all(|&byte| byte == 0);
        }
        // Put the window back at the boundary: the `kept` zeros that followed it, which is all
        // a frame check there needs (at least a whole header of them).
        self.start = boundary;
        self.buf.clear();
        self.buf.resize(kept, 0);
        self.pos = 0;
        Ok(all_zero)
    }
}

/// `stop` with its offset moved from the buffer's to the file's.
fn shifted(stop: ScanStopReason, start: u64) -> ScanStopReason {
    match stop {
        ScanStopReason::CleanEof => ScanStopReason::CleanEof,
        ScanStopReason::TornTail { offset, kind } => ScanStopReason::TornTail {
            offset: start + offset,
            kind,
        },
        ScanStopReason::Corruption { offset, reason } => ScanStopReason::Corruption {
            offset: start + offset,
            reason,
        },
    }
}

#[cfg(test)]
#[path = "reader_tests.rs"]
mod tests;
