//! A bounds-checked little-endian reader over a byte slice, shared by the command and
//! snapshot decoders: every read names its field and fails with `DecodeError::Truncated`
//! instead of panicking.

use crate::command_codec::DecodeError;

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
}

/// Little-endian integer readers; each fails with `Truncated` naming `field`.
macro_rules! read_le {
    ($($name:ident: $ty:ty),*) => {
        impl Reader<'_> {
            $(
                /// # Errors
                /// Truncated input.
                pub fn $name(&mut self, field: &'static str) -> Result<$ty, DecodeError> {
                    Ok(<$ty>::from_le_bytes(self.array(field)?))
                }
            )*
        }
    };
}

read_le!(u8: u8, u32: u32, u64: u64, u128: u128);

impl Reader<'_> {
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
