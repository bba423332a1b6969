//! reservation-core's standard workload: 1,000 `CreatePool` (capacity 1,000,000), then cycles
//! of `PlaceHold` / `ConfirmHold` / `PlaceHold` / `ReleaseHold` round-robin over the pools
//! (quantity 1, ttl 1,000 slots; hold ids `2c + 1` and `2c + 2` in cycle `c`). Holds end
//! within the cycle and retire after the history window, so the hold table stays small.
//! Every command is expected to return `Ok`.

use reservation_core::command::{ClientRequest, Command};
use reservation_core::config::Config;
use reservation_core::ids::{ClientId, HoldId, OperationId, PoolId};
use reservation_core::snapshot::max_snapshot_file_len;

use crate::subject::{Generator, Subject, common_methods};

pub const POOLS: u64 = 1_000;
const TTL_SLOTS: u64 = 1_000;

pub struct Reservation;

impl Subject for Reservation {
    const NAME: &'static str = "reservation-core";
    type Config = Config;
    type Request = ClientRequest;
    type Gen = ReservationGen;

    fn config(scale: u32) -> Config {
        let mut config = Config {
            max_pools: 1_000 * scale,
            max_holds: 4_096 * scale,
            max_operations: 4_096 * scale,
            max_ttl_slots: 1_024,
            max_client_retry_window_slots: 1_024,
            hold_history_window_slots: 1_024,
            max_expiration_bucket_len: 16 * scale,
            max_wal_payload_bytes: 1_024,
            max_snapshot_bytes: 0,
            // The largest durable batch of the plan (`engines::Plan`): 4,096 requests.
            max_batch_commands: 4_096,
        };
        config.max_snapshot_bytes = max_snapshot_file_len(&config);
        config
    }

    common_methods!(reservation_core, ReservationEngine);
}

pub struct ReservationGen {
    request: ClientRequest,
}

impl Generator for ReservationGen {
    type Request = ClientRequest;

    fn new() -> Self {
        Self {
            request: ClientRequest {
                operation_id: OperationId(0),
                client_id: ClientId(1),
                command: Command::ConfirmHold { hold_id: HoldId(0) },
            },
        }
    }

    fn get(&mut self, index: u64) -> &ClientRequest {
        let lsn = index + 1;
        self.request.operation_id = OperationId(u128::from(lsn));
        if index < POOLS {
            self.request.command = Command::CreatePool {
                pool_id: PoolId(u128::from(lsn)),
                total_capacity: 1_000_000,
            };
            return &self.request;
        }
        let step = index - POOLS;
        let cycle = step / 4;
        let pool_id = PoolId(u128::from(cycle % POOLS + 1));
        let first = HoldId(u128::from(2 * cycle + 1));
        let second = HoldId(u128::from(2 * cycle + 2));
        self.request.command = match step % 4 {
            0 => Command::PlaceHold {
                hold_id: first,
                pool_id,
                quantity: 1,
                ttl_slots: TTL_SLOTS,
            },
            1 => Command::ConfirmHold { hold_id: first },
            2 => Command::PlaceHold {
                hold_id: second,
                pool_id,
                quantity: 1,
                ttl_slots: TTL_SLOTS,
            },
            _ => Command::ReleaseHold { hold_id: second },
        };
        &self.request
    }
}
