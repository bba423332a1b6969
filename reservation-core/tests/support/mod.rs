//! Shared by the integration tests: the reference model's config, action generators, and
//! temp directories (the model itself is `reservation_core::model`, cargo feature `model`).

#![allow(dead_code)] // each test binary uses a different part

use proptest::prelude::*;
use reservation_core::command::{ClientRequest, Command};
use reservation_core::config::Config;
use reservation_core::ids::{ClientId, HoldId, OperationId, PoolId};

/// Small tables so that every refusal is reachable.
pub fn model_config() -> Config {
    Config {
        max_pools: 3,
        max_holds: 4,
        max_operations: 10,
        max_ttl_slots: 6,
        max_client_retry_window_slots: 4,
        hold_history_window_slots: 3,
        max_expiration_bucket_len: 2,
        max_wal_payload_bytes: 128,
        max_snapshot_bytes: 1 << 16,
        max_batch_commands: 64,
    }
}

/// A temp directory on tmpfs when there is one (durability is not what these tests measure).
pub fn fast_tempdir() -> tempfile::TempDir {
    tempfile::Builder::new()
        .tempdir_in("/dev/shm")
        .or_else(|_| tempfile::tempdir())
        .unwrap()
}

/// One step of a generated workload.
#[derive(Clone, Debug)]
pub enum Action {
    Client {
        op: u128,
        client: u128,
        command: Command,
    },
    /// Group commit of several client requests at one slot.
    Batch(Vec<(u128, u128, Command)>),
    Internal {
        hold: u128,
    },
    Tick,
    Checkpoint,
}

fn command() -> impl Strategy<Value = Command> {
    let hold = || (0..16_u128).prop_map(HoldId);
    let pool = || (0..4_u128).prop_map(PoolId);
    prop_oneof![
        2 => (pool(), prop_oneof![1 => 0..8_u64, 3 => 20..60_u64]).prop_map(|(pool_id, total_capacity)| Command::CreatePool {
            pool_id,
            total_capacity
        }),
        6 => (hold(), pool(), prop_oneof![1 => Just(0_u64), 8 => 1..4_u64, 2 => 4..30_u64], prop_oneof![4 => Just(3_u64), 6 => 0..9_u64]).prop_map(
            |(hold_id, pool_id, quantity, ttl_slots)| Command::PlaceHold {
                hold_id,
                pool_id,
                quantity,
                ttl_slots
            }
        ),
        2 => hold().prop_map(|hold_id| Command::ConfirmHold { hold_id }),
        2 => hold().prop_map(|hold_id| Command::ReleaseHold { hold_id }),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    prop_oneof![
        12 => (0..24_u128, 0..2_u128, command())
            .prop_map(|(op, client, command)| Action::Client { op, client, command }),
        1 => proptest::collection::vec((0..24_u128, 0..2_u128, command()), 0..5)
            .prop_map(Action::Batch),
        1 => (0..16_u128).prop_map(|hold| Action::Internal { hold }),
        1 => Just(Action::Tick),
        1 => Just(Action::Checkpoint),
    ]
}

fn delta() -> impl Strategy<Value = u64> {
    prop_oneof![6 => Just(0_u64), 3 => Just(1_u64), 1 => 2..5_u64]
}

/// A workload: steps of (slot delta, action), then an optional tail near the end of time
/// (where deadlines and retry windows overflow).
/// `(slot delta, action)` steps.
pub type Steps = Vec<(u64, Action)>;

pub fn workload() -> impl Strategy<Value = (Steps, Option<(u64, Steps)>)> {
    let steps = || proptest::collection::vec((delta(), action()), 1..80);
    (
        steps(),
        proptest::option::weighted(
            0.3,
            (
                0..4_u64,
                proptest::collection::vec((delta(), action()), 1..8),
            ),
        ),
    )
}

pub fn request(op: u128, client: u128, command: Command) -> ClientRequest {
    ClientRequest {
        operation_id: OperationId(op),
        client_id: ClientId(client),
        command,
    }
}
