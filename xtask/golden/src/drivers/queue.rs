//! The queue-core driver.

use queue_core::command::{ClientRequest, Command, InternalCommand};
use queue_core::command_codec::{decode_internal, decode_request};
use queue_core::config::Config;
use queue_core::engine::{QueueEngine, SubmitError};
use queue_core::ids::{ClientId, JobId, OperationId, QueueId, Slot, WorkerId};
use queue_core::result::{CommandOutcome, ResultCode};
use queue_core::snapshot::decode_snapshot;
use queue_core::state_machine::{JobRecord, OperationRecord, QueueRecord, StateMachine};
use runtime::snapshot_file::split_footer;

use super::common::{
    client_text_fn, driver_struct, durable_methods, expiry_lines, fields, opt, outcome_helpers,
    retire_line, scenario_config,
};
use crate::engine_files::EngineFiles;
use crate::runner::{Driver, Outcome, Seam, Ticked};
use crate::scenario::Args;

driver_struct!(QueueDriver, QueueEngine, "queue-core");

/// This engine's files, for the WAL listing and `golden inspect`.
pub(crate) const FILES: EngineFiles = EngineFiles {
    name: QueueDriver::ENGINE_NAME,
    wal_file_name: queue_core::recovery::WAL_FILE_NAME,
    snapshot_file_name: queue_core::recovery::SNAPSHOT_FILE_NAME,
    wal_magic: queue_core::recovery::WAL_MAGIC,
    snapshot_footer_magic: queue_core::recovery::SNAPSHOT_FOOTER_MAGIC,
    snapshot_magic: queue_core::snapshot::SNAPSHOT_MAGIC,
    snapshot_version: queue_core::snapshot::SNAPSHOT_VERSION,
    legacy_snapshot_version: None,
    client_text,
    internal_text,
};

client_text_fn!();

const DEFAULTS: Config = Config {
    max_queues: 4,
    max_jobs: 8,
    max_operations: 32,
    max_delay_slots: 100,
    max_visibility_slots: 100,
    max_client_retry_window_slots: 50,
    job_history_window_slots: 20,
    max_expiration_bucket_len: 4,
    max_wal_payload_bytes: 1024,
    max_snapshot_bytes: 1 << 20,
    max_batch_commands: 16,
};

scenario_config!(
    Config,
    DEFAULTS,
    [
        max_queues,
        max_jobs,
        max_operations,
        max_delay_slots,
        max_visibility_slots,
        max_client_retry_window_slots,
        job_history_window_slots,
        max_expiration_bucket_len,
        max_wal_payload_bytes,
        max_snapshot_bytes,
        max_batch_commands,
    ]
);

fn outcome_text(outcome: &CommandOutcome) -> String {
    format!(
        "{}{}",
        outcome.result_code,
        fields(&[
            ("job", outcome.job_id.map(|j| j.to_string())),
            ("epoch", outcome.claim_epoch.map(|e| e.to_string())),
            ("deadline", outcome.deadline_slot.map(|s| s.to_string())),
        ])
    )
}

outcome_helpers!();

fn client_command(name: &str, args: &Args) -> Result<Command, String> {
    let job_id = || args.u128("job").map(JobId::new);
    let queue_id = || args.u128("queue").map(QueueId::new);
    let worker_id = || args.u128("worker").map(WorkerId::new);
    let epoch = || args.u64("epoch");
    match name {
        "create_queue" => {
            args.only(&["op", "client", "queue", "max_attempts"])?;
            let max_attempts = u32::try_from(args.u64("max_attempts")?)
                .map_err(|_| "argument `max_attempts`: does not fit a u32".to_owned())?;
            Ok(Command::CreateQueue {
                queue_id: queue_id()?,
                max_attempts,
            })
        }
        "enqueue" => {
            args.only(&["op", "client", "queue", "delay"])?;
            Ok(Command::Enqueue {
                queue_id: queue_id()?,
                delay_slots: args.u64_or("delay", 0)?,
            })
        }
        "claim" => {
            args.only(&["op", "client", "queue", "worker", "visibility"])?;
            Ok(Command::Claim {
                queue_id: queue_id()?,
                worker_id: worker_id()?,
                visibility_slots: args.u64("visibility")?,
            })
        }
        "ack" => {
            args.only(&["op", "client", "job", "worker", "epoch"])?;
            Ok(Command::Ack {
                job_id: job_id()?,
                worker_id: worker_id()?,
                claim_epoch: epoch()?,
            })
        }
        "nack" => {
            args.only(&["op", "client", "job", "worker", "epoch", "delay"])?;
            Ok(Command::Nack {
                job_id: job_id()?,
                worker_id: worker_id()?,
                claim_epoch: epoch()?,
                delay_slots: args.u64_or("delay", 0)?,
            })
        }
        "extend" => {
            args.only(&["op", "client", "job", "worker", "epoch", "visibility"])?;
            Ok(Command::Extend {
                job_id: job_id()?,
                worker_id: worker_id()?,
                claim_epoch: epoch()?,
                visibility_slots: args.u64("visibility")?,
            })
        }
        "cancel" => {
            args.only(&["op", "client", "job"])?;
            Ok(Command::Cancel { job_id: job_id()? })
        }
        other => Err(format!("unknown queue-core command `{other}`")),
    }
}

fn queue_line(q: &QueueRecord) -> String {
    format!(
        "queue {} max_attempts={} ready={} claimed={} dead={}",
        q.queue_id, q.max_attempts, q.ready_jobs, q.claimed_jobs, q.dead_jobs
    )
}

fn job_line(j: &JobRecord) -> String {
    format!(
        "job {} queue={} {:?} available={} ready_lsn={} attempts={} epoch={} worker={} deadline={} retire_after={}",
        j.job_id,
        j.queue_id,
        j.state,
        j.available_slot,
        j.ready_lsn,
        j.attempts,
        j.claim_epoch,
        j.worker_id,
        j.deadline_slot,
        opt(j.retire_after_slot)
    )
}

/// An internal frame's payload in scenario syntax.
fn internal_text(payload: &[u8]) -> String {
    match decode_internal(payload) {
        Ok(InternalCommand::ClaimTimeout {
            job_id,
            deadline_slot,
        }) => {
            format!("claim_timeout job={job_id} deadline={deadline_slot}")
        }
        Err(error) => format!("undecodable ({error:?})"),
    }
}

fn dump_lines(state: &StateMachine) -> Vec<String> {
    let dump = state.dump();
    let mut lines = vec![format!(
        "last_lsn={} last_slot={} retired_job_watermark={}",
        dump.last_applied_lsn, dump.last_request_slot, dump.retired_job_watermark
    )];
    lines.extend(dump.queues.iter().map(queue_line));
    lines.extend(dump.jobs.iter().map(job_line));
    lines.extend(dump.operations.iter().map(operation_line));
    lines.extend(expiry_lines("job", &state.deadline_index()));
    let operations = state.operation_retire_queue();
    lines.extend(operations.map(|e| retire_line("operation", e.key, e.retire_after_slot)));
    let history = state.job_retire_queue();
    lines.extend(history.map(|e| retire_line("job", e.key, e.retire_after_slot)));
    lines
}

impl QueueDriver {
    fn read(&mut self, name: &str, args: &Args) -> Result<Option<Outcome>, String> {
        let text = match name {
            "get_queue" => {
                args.only(&["queue"])?;
                match self.engine()?.get_queue(QueueId::new(args.u128("queue")?)) {
                    Some(queue) => format!("Found {}", queue_line(&queue)),
                    None => "QueueNotFound".to_owned(),
                }
            }
            "get_job" => {
                args.only(&["job"])?;
                match self.engine()?.get_job(JobId::new(args.u128("job")?)) {
                    Ok(job) => format!("Found {}", job_line(&job)),
                    Err(error) => error.to_string(),
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(Outcome::read(text)))
    }
}

impl Driver for QueueDriver {
    const ENGINE: &'static str = Self::ENGINE_NAME;

    fn result_codes() -> Vec<&'static str> {
        ResultCode::ALL.iter().map(|code| code.as_str()).collect()
    }

    fn tick(&mut self, slot: u64) -> Result<Ticked, String> {
        let result = self.engine()?.tick(Slot::new(slot));
        Ok(ticked(result.map(|o| o.iter().map(outcome_text).collect())))
    }

    fn command(&mut self, name: &str, args: &Args, slot: u64) -> Result<Outcome, String> {
        if let Some(outcome) = self.read(name, args)? {
            return Ok(outcome);
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

    fn internal(&mut self, name: &str, args: &Args, seam: Seam) -> Result<Outcome, String> {
        if name != "claim_timeout" {
            return Err(format!(
                "unknown queue-core internal command `{name}` (expected `claim_timeout`)"
            ));
        }
        args.only(&["job", "deadline"])?;
        let command = InternalCommand::ClaimTimeout {
            job_id: JobId::new(args.u128("job")?),
            deadline_slot: Slot::new(args.u64("deadline")?),
        };
        let (engine, slot) = (self.engine()?, Slot::new(seam.slot));
        Ok(command_outcome(if seam.timed {
            engine.submit_internal(&command, slot)
        } else {
            engine.submit_internal_untimed(&command, slot)
        }))
    }

    durable_methods!(QueueEngine);

    fn snapshot_lsn(&self, bytes: &[u8]) -> Option<u64> {
        let payload = split_footer(bytes, queue_core::recovery::SNAPSHOT_FOOTER_MAGIC).ok()?;
        decode_snapshot(payload, &self.config)
            .ok()
            .map(|state| state.last_applied_lsn().get())
    }
}
