//! The bounds-checked little-endian reader every decoder here uses (WAL payloads and
//! snapshots), and its typed errors. Reading never panics and never allocates.

use std::fmt;

/// Why a payload could not be decoded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DecodeError {
    /// `field` needs `needed` bytes but only `remaining` are left.
    Truncated {
        field: &'static str,
        needed: usize,
        remaining: usize,
    },
    UnsupportedVersion {
        found: u8,
    },
    UnknownCommandTag {
        found: u8,
    },
    UnknownInternalTag {
        found: u8,
    },
    /// The payload continues after a complete command.
    TrailingBytes {
        count: usize,
    },
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Truncated {
                field,
                needed,
                remaining,
            } => {
                write!(f, "{field} needs {needed} bytes, {remaining} left")
            }
            Self::UnsupportedVersion { found } => write!(f, "unsupported codec version {found}"),
            Self::UnknownCommandTag { found } => write!(f, "unknown command tag {found}"),
            Self::UnknownInternalTag { found } => write!(f, "unknown internal command tag {found}"),
            Self::TrailingBytes { count } => write!(f, "{count} trailing bytes after the command"),
        }
    }
}

impl std::error::Error for DecodeError {}

/// A bounds-checked little-endian reader over a byte slice.
#[derive(Debug)]
pub struct Reader<'a> {
    bytes: &'a [u8],
    position: usize,
}

impl<'a> Reader<'a> {
    #[must_use]
    pub fn new(bytes: &'a [u8]) -> Self {
        Self { bytes, position: 0 }
    }

    #[must_use]
    pub fn remaining(&self) -> usize {
        self.bytes.len() - self.position
    }

    /// Takes the next `len` bytes.
    ///
    /// # Errors
    /// [`DecodeError::Truncated`] naming `field` when fewer bytes are left.
    pub fn take(&mut self, field: &'static str, len: usize) -> Result<&'a [u8], DecodeError> {
        let remaining = self.remaining();
        if len > remaining {
            return Err(DecodeError::Truncated {
                field,
                needed: len,
                remaining,
            });
        }
        let taken = &self.bytes[self.position..self.position + len];
        self.position += len;
        Ok(taken)
    }

    fn array<const N: usize>(&mut self, field: &'static str) -> Result<[u8; N], DecodeError> {
        let mut raw = [0; N];
        raw.copy_from_slice(self.take(field, N)?);
        Ok(raw)
    }

    /// # Errors
    /// Truncated input.
    pub fn u8(&mut self, field: &'static str) -> Result<u8, DecodeError> {
        Ok(self.array::<1>(field)?[0])
    }

    /// # Errors
    /// Truncated input.
    pub fn u32(&mut self, field: &'static str) -> Result<u32, DecodeError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }

    /// # Errors
    /// Truncated input.
    pub fn u64(&mut self, field: &'static str) -> Result<u64, DecodeError> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    /// # Errors
    /// Truncated input.
    pub fn u128(&mut self, field: &'static str) -> Result<u128, DecodeError> {
        Ok(u128::from_le_bytes(self.array(field)?))
    }

    /// Succeeds only when every byte was consumed.
    ///
    /// # Errors
    /// [`DecodeError::TrailingBytes`].
    pub fn finish(&self) -> Result<(), DecodeError> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(DecodeError::TrailingBytes { count }),
        }
    }
}
