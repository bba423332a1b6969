//! allocdb-core's standard workload: 10,000 `CreateResource`, then cycles of `Reserve`
//! (ttl 1,000 slots) / `Activate` / `Release` round-robin over the resources.
//!
//! Lease ids are `LeaseId::for_lsn(shard_id, lsn of the Reserve)`, so the whole workload is a
//! function of the command index, also inside a group-commit batch (no outcome is needed to
//! build the next request). Every command is expected to return `Ok`; a `LeaseTableFull` or
//! a `StaleEpoch` would mean the workload is not doing what it claims.

use allocdb_core::command::{ClientRequest, Command};
use allocdb_core::config::Config;
use allocdb_core::ids::{ClientId, HolderId, LeaseId, Lsn, OperationId, ResourceId};
use allocdb_core::snapshot::max_snapshot_file_len;

use crate::subject::{Generator, Subject, common_methods};

pub const RESOURCES: u64 = 10_000;
const SHARD_ID: u64 = 1;
const TTL_SLOTS: u64 = 1_000;

pub struct AllocDb;

impl Subject for AllocDb {
    const NAME: &'static str = "allocdb-core";
    type Config = Config;
    type Request = ClientRequest;
    type Gen = AllocGen;

    fn config(scale: u32) -> Config {
        let mut config = Config {
            shard_id: SHARD_ID,
            max_resources: 10_000 * scale,
            max_leases: 4_096 * scale,
            max_lease_members: 4_096 * scale,
            max_bundle_size: 1,
            max_operations: 4_096 * scale,
            max_ttl_slots: 1_024,
            max_client_retry_window_slots: 1_024,
            lease_history_window_slots: 1_024,
            max_expiration_bucket_len: 16 * scale,
            max_wal_payload_bytes: 1_024,
            max_snapshot_bytes: 0,
            // The largest durable batch of the plan (`engines::Plan`): 4,096 requests.
            max_batch_commands: 4_096,
        };
        config.max_snapshot_bytes = max_snapshot_file_len(&config);
        config
    }

    common_methods!(allocdb_core, AllocEngine);
}

/// Builds the requests of the allocdb-core workload in place (no allocation per request).
pub struct AllocGen {
    request: ClientRequest,
    reserve: ClientRequest,
}

impl Generator for AllocGen {
    type Request = ClientRequest;

    fn new() -> Self {
        let blank = ClientRequest {
            operation_id: OperationId(0),
            client_id: ClientId(1),
            command: Command::CreateResource {
                resource_id: ResourceId(0),
            },
        };
        let reserve = ClientRequest {
            command: Command::reserve(ResourceId(0), HolderId(0), TTL_SLOTS),
            ..blank.clone()
        };
        Self {
            request: blank,
            reserve,
        }
    }

    fn get(&mut self, index: u64) -> &ClientRequest {
        let lsn = index + 1;
        if index < RESOURCES {
            self.request.operation_id = OperationId(u128::from(lsn));
            self.request.command = Command::CreateResource {
                resource_id: ResourceId(u128::from(lsn)),
            };
            return &self.request;
        }
        let step = index - RESOURCES;
        let cycle = step / 3;
        let resource = u128::from(cycle % RESOURCES + 1);
        let holder_id = HolderId(resource);
        if step.is_multiple_of(3) {
            self.reserve.operation_id = OperationId(u128::from(lsn));
            if let Command::ReserveBundle {
                resource_ids,
                holder_id: holder,
                ..
            } = &mut self.reserve.command
            {
                resource_ids[0] = ResourceId(resource);
                *holder = holder_id;
            }
            return &self.reserve;
        }
        let reserve_lsn = lsn - step % 3;
        let lease_id = LeaseId::for_lsn(SHARD_ID, Lsn(reserve_lsn));
        self.request.operation_id = OperationId(u128::from(lsn));
        self.request.command = if step % 3 == 1 {
            Command::confirm(lease_id, holder_id, 1)
        } else {
            Command::Release {
                lease_id,
                holder_id,
                lease_epoch: 1,
            }
        };
        &self.request
    }
}
