//! The quota-core driver. quota-core has no internal commands: `slot N` only advances time.

use quota_core::command::{ClientRequest, Command};
use quota_core::command_codec::decode_request;
use quota_core::config::Config;
use quota_core::engine::{QuotaEngine, SubmitError};
use quota_core::ids::{BucketId, ClientId, OperationId, Slot};
use quota_core::result::{CommandOutcome, ResultCode};
use quota_core::snapshot::decode_snapshot;
use quota_core::state_machine::{BucketRecord, OperationRecord, StateMachine};
use runtime::snapshot_file::split_footer;

use super::common::{
    client_text_fn, driver_struct, durable_methods, fields, outcome_helpers, retire_line,
    scenario_config,
};
use crate::engine_files::EngineFiles;
use crate::runner::{Driver, Outcome, Seam, Ticked};
use crate::scenario::Args;

driver_struct!(QuotaDriver, QuotaEngine, "quota-core");

/// This engine's files, for the WAL listing and `golden inspect`.
pub(crate) const FILES: EngineFiles = EngineFiles {
    name: QuotaDriver::ENGINE_NAME,
    wal_file_name: quota_core::recovery::WAL_FILE_NAME,
    snapshot_file_name: quota_core::recovery::SNAPSHOT_FILE_NAME,
    wal_magic: quota_core::recovery::WAL_MAGIC,
    snapshot_footer_magic: quota_core::recovery::SNAPSHOT_FOOTER_MAGIC,
    snapshot_magic: quota_core::snapshot::SNAPSHOT_MAGIC,
    snapshot_version: quota_core::snapshot::SNAPSHOT_VERSION,
    legacy_snapshot_version: None,
    client_text,
    internal_text,
};

client_text_fn!();

const DEFAULTS: Config = Config {
    max_buckets: 4,
    max_operations: 16,
    max_client_retry_window_slots: 50,
    max_wal_payload_bytes: 1024,
    max_snapshot_bytes: 1 << 20,
    max_batch_commands: 256,
};

scenario_config!(
    Config,
    DEFAULTS,
    [
        max_buckets,
        max_operations,
        max_client_retry_window_slots,
        max_wal_payload_bytes,
        max_snapshot_bytes,
    ]
);

fn outcome_text(outcome: &CommandOutcome) -> String {
    format!(
        "{}{}",
        outcome.result_code,
        fields(&[("balance", outcome.balance.map(|b| b.to_string()))])
    )
}

outcome_helpers!();

fn client_command(name: &str, args: &Args) -> Result<Command, String> {
    let bucket_id = || args.u128("bucket").map(BucketId::new);
    match name {
        "create_bucket" => {
            args.only(&["op", "client", "bucket", "limit", "balance", "rate"])?;
            Ok(Command::CreateBucket {
                bucket_id: bucket_id()?,
                limit: args.u64("limit")?,
                initial_balance: args.u64("balance")?,
                refill_rate_per_slot: args.u64("rate")?,
            })
        }
        "debit" => {
            args.only(&["op", "client", "bucket", "amount"])?;
            Ok(Command::Debit {
                bucket_id: bucket_id()?,
                amount: args.u64("amount")?,
            })
        }
        other => Err(format!("unknown quota-core command `{other}`")),
    }
}

fn bucket_line(b: &BucketRecord) -> String {
    format!(
        "bucket {} limit={} balance={} rate={} last_refill={}",
        b.bucket_id, b.limit, b.balance, b.refill_rate_per_slot, b.last_refill_slot
    )
}

/// quota-core has no internal commands: a frame of that record type shows its bytes.
fn internal_text(payload: &[u8]) -> String {
    format!("unknown payload={}", crate::runner::hex(payload))
}

fn dump_lines(state: &StateMachine) -> Vec<String> {
    let dump = state.dump();
    let mut lines = vec![format!(
        "last_lsn={} last_slot={}",
        dump.last_applied_lsn, dump.last_request_slot
    )];
    lines.extend(dump.buckets.iter().map(bucket_line));
    lines.extend(dump.operations.iter().map(operation_line));
    let operations = state.operation_retire_queue();
    lines.extend(operations.map(|e| retire_line("operation", e.key, e.retire_after_slot)));
    lines
}

impl Driver for QuotaDriver {
    const ENGINE: &'static str = Self::ENGINE_NAME;

    fn result_codes() -> Vec<&'static str> {
        ResultCode::ALL.iter().map(|code| code.as_str()).collect()
    }

    fn tick(&mut self, slot: u64) -> Result<Ticked, String> {
        let result = self.engine()?.tick(Slot::new(slot));
        Ok(ticked(result.map(|()| Vec::new())))
    }

    fn command(&mut self, name: &str, args: &Args, slot: u64) -> Result<Outcome, String> {
        if name == "get_bucket" {
            args.only(&["bucket"])?;
            let text = match self
                .engine()?
                .get_bucket(BucketId::new(args.u128("bucket")?))
            {
                Some(bucket) => format!("Found {}", bucket_line(&bucket)),
                None => "BucketNotFound".to_owned(),
            };
            return Ok(Outcome::read(text));
        }
        let command = client_command(name, args)?;
        let request = ClientRequest {
            operation_id: OperationId::new(args.u128("op")?),
            client_id: ClientId::new(args.u128_or("client", 1)?),
            command,
        };
        Ok(command_outcome(
            self.engine()?.submit(&request, Slot::new(slot)),
        ))
    }

    fn internal(&mut self, name: &str, _args: &Args, _seam: Seam) -> Result<Outcome, String> {
        Err(format!(
            "quota-core has no internal commands (found `internal {name}`)"
        ))
    }

    durable_methods!(QuotaEngine);

    fn snapshot_lsn(&self, bytes: &[u8]) -> Option<u64> {
        let payload = split_footer(bytes, quota_core::recovery::SNAPSHOT_FOOTER_MAGIC).ok()?;
        decode_snapshot(payload, &self.config)
            .ok()
            .map(|state| state.last_applied_lsn().get())
    }
}
