//! Hand-written little-endian encoding of requests (WAL payloads), and the request
//! fingerprint.
//!
//! Client payload (record type 1): `version u8 = 1`, `operation_id u128`, `client_id u128`,
//! then the command encoding. Command encodings start with a tag byte:
//!
//! | tag | command | fields after the tag |
//! |---|---|---|
//! | 1 | `CreateBucket` | `bucket_id u128`, `limit u64`, `initial_balance u64`, `refill_rate_per_slot u64` |
//! | 2 | `Debit` | `bucket_id u128`, `amount u64` |
//!
//! quota-core has no internal commands, so it has no internal payload encoding.
//!
//! The fingerprint is FNV-1a 128 (offset basis `0x6c62272e07bb014262b821756295c58d`, prime
//! `0x0000000001000000000000000000013b`) over `client_id` as 16 little-endian bytes followed by
//! the command encoding (tag and fields). It is persisted and must never change. Decoding
//! never panics.

use std::fmt;

use crate::command::{ClientRequest, Command};
use crate::ids::{BucketId, ClientId, OperationId};

/// The payload format version.
pub const CODEC_VERSION: u8 = 1;

const TAG_CREATE_BUCKET: u8 = 1;
const TAG_DEBIT: u8 = 2;

/// Bytes before the command in a client payload: version, operation id, client id.
pub const CLIENT_PREFIX_LEN: usize = 1 + 16 + 16;
/// Bytes of a `CreateBucket` encoding.
pub const CREATE_BUCKET_LEN: usize = 1 + 16 + 8 + 8 + 8;
/// Bytes of a `Debit` encoding.
pub const DEBIT_LEN: usize = 1 + 16 + 8;
/// The largest client payload (a `CreateBucket`).
pub const MAX_CLIENT_PAYLOAD_LEN: usize = CLIENT_PREFIX_LEN + CREATE_BUCKET_LEN;
const _: () = assert!(CLIENT_PREFIX_LEN == 33);
const _: () = assert!(CREATE_BUCKET_LEN > DEBIT_LEN);
const _: () = assert!(MAX_CLIENT_PAYLOAD_LEN == 74);

/// Where encoded bytes go: a buffer, or a running hash.
pub trait Sink {
    fn put(&mut self, bytes: &[u8]);
}

impl Sink for Vec<u8> {
    fn put(&mut self, bytes: &[u8]) {
        self.extend_from_slice(bytes);
    }
}

/// FNV-1a 128 state, fed byte by byte.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Fnv1a128(pub u128);

impl Fnv1a128 {
    pub const OFFSET_BASIS: u128 = 0x6c62_272e_07bb_0142_62b8_2175_6295_c58d;
    pub const PRIME: u128 = 0x0000_0000_0100_0000_0000_0000_0000_013b;

    #[must_use]
    pub const fn new() -> Self {
        Self(Self::OFFSET_BASIS)
    }
}

const _: () = assert!(Fnv1a128::PRIME == (1 << 88) + 0x13b);

impl Default for Fnv1a128 {
    fn default() -> Self {
        Self::new()
    }
}

impl Sink for Fnv1a128 {
    fn put(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 ^= u128::from(*byte);
            // `PRIME` is 2^88 + 0x13b: the same product as `wrapping_mul(PRIME)`, as one
            // shift and one small multiply (this runs for every byte of every command).
            self.0 = (self.0 << 88).wrapping_add(self.0.wrapping_mul(0x13b));
        }
    }
}

/// Writes the canonical command encoding (tag and fields) into `sink`.
pub fn encode_command(command: &Command, sink: &mut impl Sink) {
    match command {
        Command::CreateBucket {
            bucket_id,
            limit,
            initial_balance,
            refill_rate_per_slot,
        } => {
            sink.put(&[TAG_CREATE_BUCKET]);
            sink.put(&bucket_id.get().to_le_bytes());
            sink.put(&limit.to_le_bytes());
            sink.put(&initial_balance.to_le_bytes());
            sink.put(&refill_rate_per_slot.to_le_bytes());
        }
        Command::Debit { bucket_id, amount } => {
            sink.put(&[TAG_DEBIT]);
            sink.put(&bucket_id.get().to_le_bytes());
            sink.put(&amount.to_le_bytes());
        }
    }
}

/// Length of the command encoding, without encoding it.
#[must_use]
pub fn command_len(command: &Command) -> usize {
    match command {
        Command::CreateBucket { .. } => CREATE_BUCKET_LEN,
        Command::Debit { .. } => DEBIT_LEN,
    }
}

/// Length of a client payload carrying `command`.
#[must_use]
pub fn client_payload_len(command: &Command) -> usize {
    CLIENT_PREFIX_LEN + command_len(command)
}

/// Appends the client payload for `request` to `sink`.
pub fn encode_request(request: &ClientRequest, sink: &mut impl Sink) {
    sink.put(&[CODEC_VERSION]);
    sink.put(&request.operation_id.get().to_le_bytes());
    sink.put(&request.client_id.get().to_le_bytes());
    encode_command(&request.command, sink);
}

/// The persisted request fingerprint: FNV-1a 128 of `client_id` (16 LE bytes) followed by the
/// command encoding. The operation id is not part of it (it is the table key).
#[must_use]
pub fn fingerprint(client_id: ClientId, command: &Command) -> u128 {
    let mut hash = Fnv1a128::new();
    hash.put(&client_id.get().to_le_bytes());
    encode_command(command, &mut hash);
    hash.0
}

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

fn decode_version(reader: &mut Reader<'_>) -> Result<(), DecodeError> {
    match reader.u8("version")? {
        CODEC_VERSION => Ok(()),
        found => Err(DecodeError::UnsupportedVersion { found }),
    }
}

fn decode_command(reader: &mut Reader<'_>) -> Result<Command, DecodeError> {
    let command = match reader.u8("command tag")? {
        TAG_CREATE_BUCKET => Command::CreateBucket {
            bucket_id: BucketId(reader.u128("bucket_id")?),
            limit: reader.u64("limit")?,
            initial_balance: reader.u64("initial_balance")?,
            refill_rate_per_slot: reader.u64("refill_rate_per_slot")?,
        },
        TAG_DEBIT => Command::Debit {
            bucket_id: BucketId(reader.u128("bucket_id")?),
            amount: reader.u64("amount")?,
        },
        found => return Err(DecodeError::UnknownCommandTag { found }),
    };
    Ok(command)
}

/// Decodes a client payload.
///
/// # Errors
/// Any [`DecodeError`]; never panics.
pub fn decode_request(payload: &[u8]) -> Result<ClientRequest, DecodeError> {
    let mut reader = Reader::new(payload);
    decode_version(&mut reader)?;
    let operation_id = OperationId(reader.u128("operation_id")?);
    let client_id = ClientId(reader.u128("client_id")?);
    let command = decode_command(&mut reader)?;
    reader.finish()?;
    Ok(ClientRequest {
        operation_id,
        client_id,
        command,
    })
}

#[cfg(test)]
#[path = "command_codec_tests.rs"]
mod tests;
