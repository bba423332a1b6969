//! Hand-written little-endian encoding of requests and internal commands (WAL payloads), and
//! the request fingerprint.
//!
//! Client payload (record type 1): `version u8 = 1`, `operation_id u128`, `client_id u128`,
//! then the command encoding. Internal payload (record type 2): `version u8 = 1`, then the
//! internal command encoding. Command encodings start with a tag byte:
//!
//! | tag | command | fields after the tag |
//! |---|---|---|
//! | 1 | `CreateResource` | `resource_id u128` |
//! | 2 | `ReserveBundle` | `holder_id u128`, `ttl_slots u64`, `count u32`, `count` x `resource_id u128` |
//! | 3 | `Activate` | `lease_id u128`, `holder_id u128`, `lease_epoch u64` |
//! | 4 | `Release` | `lease_id u128`, `holder_id u128`, `lease_epoch u64` |
//! | 5 | `Revoke` | `lease_id u128` |
//! | 6 | `Reclaim` | `lease_id u128` |
//! | 1 (internal) | `Expire` | `lease_id u128`, `deadline_slot u64` |
//!
//! The fingerprint is FNV-1a 128 (offset basis `0x6c62272e07bb014262b821756295c58d`, prime
//! `0x0000000001000000000000000000013b`) over `client_id` as 16 little-endian bytes followed by
//! the command encoding (tag and fields, list order kept). It is persisted and must never
//! change. Decoding never panics and checks every count against the bytes left before
//! allocating.

use std::fmt;

use crate::command::{ClientRequest, Command, InternalCommand};
use crate::ids::{ClientId, HolderId, LeaseId, OperationId, ResourceId, Slot};

/// The payload format version.
pub const CODEC_VERSION: u8 = 1;

const TAG_CREATE_RESOURCE: u8 = 1;
const TAG_RESERVE_BUNDLE: u8 = 2;
const TAG_ACTIVATE: u8 = 3;
const TAG_RELEASE: u8 = 4;
const TAG_REVOKE: u8 = 5;
const TAG_RECLAIM: u8 = 6;
const TAG_EXPIRE: u8 = 1;

/// Bytes before the command in a client payload: version, operation id, client id.
pub const CLIENT_PREFIX_LEN: usize = 1 + 16 + 16;
/// Bytes of a `ReserveBundle` encoding before its member list.
const RESERVE_FIXED_LEN: usize = 1 + 16 + 8 + 4;
const _: () = assert!(CLIENT_PREFIX_LEN == 33);

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
        // PRIME is 2^88 + 0x13b, so the product is a shift plus a small multiply (mod 2^128):
        // the same value as `wrapping_mul(PRIME)`, cheaper on the apply path.
        for byte in bytes {
            let hash = self.0 ^ u128::from(*byte);
            self.0 = (hash << 88).wrapping_add(hash.wrapping_mul(0x13b));
        }
    }
}

/// Writes the canonical command encoding (tag and fields) into `sink`.
///
/// # Panics
/// If a bundle has more than `u32::MAX` members (the handle refuses such requests first:
/// they exceed any payload limit).
pub fn encode_command(command: &Command, sink: &mut impl Sink) {
    match command {
        Command::CreateResource { resource_id } => {
            sink.put(&[TAG_CREATE_RESOURCE]);
            sink.put(&resource_id.get().to_le_bytes());
        }
        Command::ReserveBundle {
            resource_ids,
            holder_id,
            ttl_slots,
        } => {
            let count = u32::try_from(resource_ids.len()).expect("bundle length must fit in u32");
            sink.put(&[TAG_RESERVE_BUNDLE]);
            sink.put(&holder_id.get().to_le_bytes());
            sink.put(&ttl_slots.to_le_bytes());
            sink.put(&count.to_le_bytes());
            for resource_id in resource_ids {
                sink.put(&resource_id.get().to_le_bytes());
            }
        }
        Command::Activate {
            lease_id,
            holder_id,
            lease_epoch,
        }
        | Command::Release {
            lease_id,
            holder_id,
            lease_epoch,
        } => {
            let tag = if matches!(command, Command::Activate { .. }) {
                TAG_ACTIVATE
            } else {
                TAG_RELEASE
            };
            sink.put(&[tag]);
            sink.put(&lease_id.get().to_le_bytes());
            sink.put(&holder_id.get().to_le_bytes());
            sink.put(&lease_epoch.to_le_bytes());
        }
        Command::Revoke { lease_id } | Command::Reclaim { lease_id } => {
            let tag = if matches!(command, Command::Revoke { .. }) {
                TAG_REVOKE
            } else {
                TAG_RECLAIM
            };
            sink.put(&[tag]);
            sink.put(&lease_id.get().to_le_bytes());
        }
    }
}

/// Length of the command encoding, without encoding it.
#[must_use]
pub fn command_len(command: &Command) -> usize {
    match command {
        Command::CreateResource { .. } | Command::Revoke { .. } | Command::Reclaim { .. } => 17,
        Command::ReserveBundle { resource_ids, .. } => reserve_len(resource_ids.len()),
        Command::Activate { .. } | Command::Release { .. } => 1 + 16 + 16 + 8,
    }
}

fn reserve_len(members: usize) -> usize {
    RESERVE_FIXED_LEN.saturating_add(members.saturating_mul(16))
}

/// Length of a client payload carrying `command`.
#[must_use]
pub fn client_payload_len(command: &Command) -> usize {
    CLIENT_PREFIX_LEN.saturating_add(command_len(command))
}

/// The largest client payload a config with bundles of `max_bundle_size` members allows.
#[must_use]
pub fn max_client_payload_len(max_bundle_size: usize) -> usize {
    CLIENT_PREFIX_LEN.saturating_add(reserve_len(max_bundle_size).max(1 + 16 + 16 + 8))
}

/// Length of every internal payload.
pub const INTERNAL_PAYLOAD_LEN: usize = 1 + 1 + 16 + 8;

/// Appends the client payload for `request` to `sink`.
pub fn encode_request(request: &ClientRequest, sink: &mut impl Sink) {
    sink.put(&[CODEC_VERSION]);
    sink.put(&request.operation_id.get().to_le_bytes());
    sink.put(&request.client_id.get().to_le_bytes());
    encode_command(&request.command, sink);
}

/// Appends the internal payload for `command` to `sink`.
pub fn encode_internal(command: &InternalCommand, sink: &mut impl Sink) {
    let InternalCommand::Expire {
        lease_id,
        deadline_slot,
    } = command;
    sink.put(&[CODEC_VERSION, TAG_EXPIRE]);
    sink.put(&lease_id.get().to_le_bytes());
    sink.put(&deadline_slot.get().to_le_bytes());
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

pub use crate::command_codec_reader::Reader;

fn decode_version(reader: &mut Reader<'_>) -> Result<(), DecodeError> {
    match reader.u8("version")? {
        CODEC_VERSION => Ok(()),
        found => Err(DecodeError::UnsupportedVersion { found }),
    }
}

/// The resource ids of a member list (16 LE bytes each; the caller took whole records).
pub(crate) fn resource_ids(bytes: &[u8]) -> impl Iterator<Item = ResourceId> + '_ {
    bytes.chunks_exact(16).map(|chunk| {
        let mut raw = [0; 16];
        raw.copy_from_slice(chunk);
        ResourceId(u128::from_le_bytes(raw))
    })
}

fn decode_reserve(reader: &mut Reader<'_>) -> Result<Command, DecodeError> {
    let holder_id = HolderId(reader.u128("holder_id")?);
    let ttl_slots = reader.u64("ttl_slots")?;
    let count = reader.u32("member count")?;
    // The count is checked against the bytes left before anything is allocated.
    let needed = usize::try_from(count)
        .unwrap_or(usize::MAX)
        .saturating_mul(16);
    let members = reader.take("resource_ids", needed)?;
    let resource_ids = resource_ids(members).collect();
    Ok(Command::ReserveBundle {
        resource_ids,
        holder_id,
        ttl_slots,
    })
}

fn decode_command(reader: &mut Reader<'_>) -> Result<Command, DecodeError> {
    let tag = reader.u8("command tag")?;
    let command = match tag {
        TAG_CREATE_RESOURCE => Command::CreateResource {
            resource_id: ResourceId(reader.u128("resource_id")?),
        },
        TAG_RESERVE_BUNDLE => decode_reserve(reader)?,
        TAG_ACTIVATE | TAG_RELEASE => {
            let lease_id = LeaseId(reader.u128("lease_id")?);
            let holder_id = HolderId(reader.u128("holder_id")?);
            let lease_epoch = reader.u64("lease_epoch")?;
            if tag == TAG_ACTIVATE {
                Command::Activate {
                    lease_id,
                    holder_id,
                    lease_epoch,
                }
            } else {
                Command::Release {
                    lease_id,
                    holder_id,
                    lease_epoch,
                }
            }
        }
        TAG_REVOKE => Command::Revoke {
            lease_id: LeaseId(reader.u128("lease_id")?),
        },
        TAG_RECLAIM => Command::Reclaim {
            lease_id: LeaseId(reader.u128("lease_id")?),
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

/// Decodes an internal payload.
///
/// # Errors
/// Any [`DecodeError`]; never panics.
pub fn decode_internal(payload: &[u8]) -> Result<InternalCommand, DecodeError> {
    let mut reader = Reader::new(payload);
    decode_version(&mut reader)?;
    let command = match reader.u8("internal tag")? {
        TAG_EXPIRE => InternalCommand::Expire {
            lease_id: LeaseId(reader.u128("lease_id")?),
            deadline_slot: Slot(reader.u64("deadline_slot")?),
        },
        found => return Err(DecodeError::UnknownInternalTag { found }),
    };
    reader.finish()?;
    Ok(command)
}

#[cfg(test)]
#[path = "command_codec_tests.rs"]
mod tests;
