//! quota-core's standard workload: 10,000 `CreateBucket` (limit and balance 1,000,000,
//! refill 1 per slot), then `Debit 1` round-robin over the buckets. Every command is expected
//! to return `Ok`.

use quota_core::command::{ClientRequest, Command};
use quota_core::config::Config;
use quota_core::ids::{BucketId, ClientId, OperationId};
use quota_core::snapshot::max_snapshot_file_len;

use crate::subject::{Generator, Subject, common_methods};

pub const BUCKETS: u64 = 10_000;

pub struct Quota;

impl Subject for Quota {
    const NAME: &'static str = "quota-core";
    type Config = Config;
    type Request = ClientRequest;
    type Gen = QuotaGen;

    fn config(scale: u32) -> Config {
        let mut config = Config {
            max_buckets: 10_000 * scale,
            max_operations: 4_096 * scale,
            max_client_retry_window_slots: 2_048,
            max_wal_payload_bytes: 1_024,
            max_snapshot_bytes: 0,
            // The largest durable batch of the plan (`engines::Plan`): 4,096 requests.
            max_batch_commands: 4_096,
        };
        config.max_snapshot_bytes = max_snapshot_file_len(&config);
        config
    }

    common_methods!(quota_core, QuotaEngine);
}

pub struct QuotaGen {
    request: ClientRequest,
}

impl Generator for QuotaGen {
    type Request = ClientRequest;

    fn new() -> Self {
        Self {
            request: ClientRequest {
                operation_id: OperationId(0),
                client_id: ClientId(1),
                command: Command::Debit {
                    bucket_id: BucketId(0),
                    amount: 1,
                },
            },
        }
    }

    fn get(&mut self, index: u64) -> &ClientRequest {
        let lsn = index + 1;
        self.request.operation_id = OperationId(u128::from(lsn));
        self.request.command = if index < BUCKETS {
            Command::CreateBucket {
                bucket_id: BucketId(u128::from(lsn)),
                limit: 1_000_000,
                initial_balance: 1_000_000,
                refill_rate_per_slot: 1,
            }
        } else {
            Command::Debit {
                bucket_id: BucketId(u128::from((index - BUCKETS) % BUCKETS + 1)),
                amount: 1,
            }
        };
        &self.request
    }
}
