//! Hand-written little-endian encoding of requests and internal commands (WAL payloads), and
//! the request fingerprint.
//!
//! Client payload (record type 1): `version u8 = 1`, `operation_id u128`, `client_id u128`,
//! then the command encoding. Internal payload (record type 2): `version u8 = 1`, then the
//! internal command encoding. Command encodings start with a tag byte:
//!
//! | tag | command | fields after the tag |
//! |---|---|---|
//! | 1 | `CreateQueue` | `queue_id u128`, `max_attempts u32` |
//! | 2 | `Enqueue` | `queue_id u128`, `delay_slots u64` |
//! | 3 | `Claim` | `queue_id u128`, `worker_id u128`, `visibility_slots u64` |
//! | 4 | `Ack` | `job_id u128`, `worker_id u128`, `claim_epoch u64` |
//! | 5 | `Nack` | `job_id u128`, `worker_id u128`, `claim_epoch u64`, `delay_slots u64` |
//! | 6 | `Extend` | `job_id u128`, `worker_id u128`, `claim_epoch u64`, `visibility_slots u64` |
//! | 7 | `Cancel` | `job_id u128` |
//! | 1 (internal) | `ClaimTimeout` | `job_id u128`, `deadline_slot u64` |
//!
//! The fingerprint is FNV-1a 128 (offset basis `0x6c62272e07bb014262b821756295c58d`, prime
//! `0x0000000001000000000000000000013b`) over `client_id` as 16 little-endian bytes followed by
//! the command encoding (tag and fields). It is persisted and must never change. Decoding never
//! panics; every command has a fixed length, so nothing is allocated from a count read off
//! the wire.

use crate::command::{ClientRequest, Command, InternalCommand};
pub use crate::command_codec_reader::{DecodeError, Reader};
use crate::ids::{ClientId, JobId, OperationId, QueueId, Slot, WorkerId};

/// The payload format version.
pub const CODEC_VERSION: u8 = 1;

const TAG_CREATE_QUEUE: u8 = 1;
const TAG_ENQUEUE: u8 = 2;
const TAG_CLAIM: u8 = 3;
const TAG_ACK: u8 = 4;
const TAG_NACK: u8 = 5;
const TAG_EXTEND: u8 = 6;
const TAG_CANCEL: u8 = 7;
const TAG_CLAIM_TIMEOUT: u8 = 1;

/// Bytes before the command in a client payload: version, operation id, client id.
pub const CLIENT_PREFIX_LEN: usize = 1 + 16 + 16;
const CREATE_QUEUE_LEN: usize = 1 + 16 + 4;
const ENQUEUE_LEN: usize = 1 + 16 + 8;
const FENCED_LEN: usize = 1 + 16 + 16 + 8;
const FENCED_WITH_SLOTS_LEN: usize = FENCED_LEN + 8;
const CANCEL_LEN: usize = 1 + 16;
/// The largest client payload (a `Nack` or an `Extend`).
pub const MAX_CLIENT_PAYLOAD_LEN: usize = CLIENT_PREFIX_LEN + FENCED_WITH_SLOTS_LEN;
/// Length of every internal payload.
pub const INTERNAL_PAYLOAD_LEN: usize = 1 + 1 + 16 + 8;
const _: () = assert!(CLIENT_PREFIX_LEN == 33);
const _: () = assert!(MAX_CLIENT_PAYLOAD_LEN == 82);

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

/// The tag and fields of a command, in encoding order (`u128` ids, then `u64` numbers).
fn put_fenced(sink: &mut impl Sink, tag: u8, job_id: JobId, worker_id: WorkerId, numbers: &[u64]) {
    sink.put(&[tag]);
    sink.put(&job_id.get().to_le_bytes());
    sink.put(&worker_id.get().to_le_bytes());
    for number in numbers {
        sink.put(&number.to_le_bytes());
    }
}

/// Writes the canonical command encoding (tag and fields) into `sink`.
pub fn encode_command(command: &Command, sink: &mut impl Sink) {
    match *command {
        Command::CreateQueue {
            queue_id,
            max_attempts,
        } => {
            sink.put(&[TAG_CREATE_QUEUE]);
            sink.put(&queue_id.get().to_le_bytes());
            sink.put(&max_attempts.to_le_bytes());
        }
        Command::Enqueue {
            queue_id,
            delay_slots,
        } => {
            sink.put(&[TAG_ENQUEUE]);
            sink.put(&queue_id.get().to_le_bytes());
            sink.put(&delay_slots.to_le_bytes());
        }
        Command::Claim {
            queue_id,
            worker_id,
            visibility_slots,
        } => {
            sink.put(&[TAG_CLAIM]);
            sink.put(&queue_id.get().to_le_bytes());
            sink.put(&worker_id.get().to_le_bytes());
            sink.put(&visibility_slots.to_le_bytes());
        }
        Command::Ack {
            job_id,
            worker_id,
            claim_epoch,
        } => {
            put_fenced(sink, TAG_ACK, job_id, worker_id, &[claim_epoch]);
        }
        Command::Nack {
            job_id,
            worker_id,
            claim_epoch,
            delay_slots,
        } => {
            put_fenced(
                sink,
                TAG_NACK,
                job_id,
                worker_id,
                &[claim_epoch, delay_slots],
            );
        }
        Command::Extend {
            job_id,
            worker_id,
            claim_epoch,
            visibility_slots,
        } => {
            put_fenced(
                sink,
                TAG_EXTEND,
                job_id,
                worker_id,
                &[claim_epoch, visibility_slots],
            );
        }
        Command::Cancel { job_id } => {
            sink.put(&[TAG_CANCEL]);
            sink.put(&job_id.get().to_le_bytes());
        }
    }
}

/// Length of the command encoding, without encoding it.
#[must_use]
pub fn command_len(command: &Command) -> usize {
    match command {
        Command::CreateQueue { .. } => CREATE_QUEUE_LEN,
        Command::Enqueue { .. } => ENQUEUE_LEN,
        Command::Claim { .. } | Command::Ack { .. } => FENCED_LEN,
        Command::Nack { .. } | Command::Extend { .. } => FENCED_WITH_SLOTS_LEN,
        Command::Cancel { .. } => CANCEL_LEN,
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

/// Appends the internal payload for `command` to `sink`.
pub fn encode_internal(command: &InternalCommand, sink: &mut impl Sink) {
    let InternalCommand::ClaimTimeout {
        job_id,
        deadline_slot,
    } = command;
    sink.put(&[CODEC_VERSION, TAG_CLAIM_TIMEOUT]);
    sink.put(&job_id.get().to_le_bytes());
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

fn decode_version(reader: &mut Reader<'_>) -> Result<(), DecodeError> {
    match reader.u8("version")? {
        CODEC_VERSION => Ok(()),
        found => Err(DecodeError::UnsupportedVersion { found }),
    }
}

fn decode_command(reader: &mut Reader<'_>) -> Result<Command, DecodeError> {
    let tag = reader.u8("command tag")?;
    let job_id = |reader: &mut Reader<'_>| reader.u128("job_id").map(JobId);
    let worker_id = |reader: &mut Reader<'_>| reader.u128("worker_id").map(WorkerId);
    let command = match tag {
        TAG_CREATE_QUEUE => Command::CreateQueue {
            queue_id: QueueId(reader.u128("queue_id")?),
            max_attempts: reader.u32("max_attempts")?,
        },
        TAG_ENQUEUE => Command::Enqueue {
            queue_id: QueueId(reader.u128("queue_id")?),
            delay_slots: reader.u64("delay_slots")?,
        },
        TAG_CLAIM => Command::Claim {
            queue_id: QueueId(reader.u128("queue_id")?),
            worker_id: worker_id(reader)?,
            visibility_slots: reader.u64("visibility_slots")?,
        },
        TAG_ACK => Command::Ack {
            job_id: job_id(reader)?,
            worker_id: worker_id(reader)?,
            claim_epoch: reader.u64("claim_epoch")?,
        },
        TAG_NACK => Command::Nack {
            job_id: job_id(reader)?,
            worker_id: worker_id(reader)?,
            claim_epoch: reader.u64("claim_epoch")?,
            delay_slots: reader.u64("delay_slots")?,
        },
        TAG_EXTEND => Command::Extend {
            job_id: job_id(reader)?,
            worker_id: worker_id(reader)?,
            claim_epoch: reader.u64("claim_epoch")?,
            visibility_slots: reader.u64("visibility_slots")?,
        },
        TAG_CANCEL => Command::Cancel {
            job_id: job_id(reader)?,
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
        TAG_CLAIM_TIMEOUT => InternalCommand::ClaimTimeout {
            job_id: JobId(reader.u128("job_id")?),
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
