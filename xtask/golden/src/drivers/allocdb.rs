//! The allocdb-core driver.

use allocdb_core::command::{ClientRequest, Command, InternalCommand};
use allocdb_core::command_codec::{decode_internal, decode_request};
use allocdb_core::config::Config;
use allocdb_core::engine::{AllocEngine, SubmitError};
use allocdb_core::ids::{ClientId, HolderId, LeaseId, OperationId, ResourceId, Slot};
use allocdb_core::result::{CommandOutcome, ResultCode};
use allocdb_core::snapshot::decode_snapshot;
use allocdb_core::state_machine::{LeaseDump, OperationRecord, StateMachine};
use runtime::snapshot_file::split_footer;

use super::common::{
    client_text_fn, driver_struct, durable_methods, expiry_lines, fields, opt, outcome_helpers,
    retire_line, scenario_config,
};
use crate::engine_files::EngineFiles;
use crate::runner::{Driver, Outcome, Seam, Ticked};
use crate::scenario::Args;

driver_struct!(AllocDriver, AllocEngine, "allocdb-core");

/// This engine's files, for the WAL listing and `golden inspect`.
pub(crate) const FILES: EngineFiles = EngineFiles {
    name: AllocDriver::ENGINE_NAME,
    wal_file_name: allocdb_core::recovery::WAL_FILE_NAME,
    snapshot_file_name: allocdb_core::recovery::SNAPSHOT_FILE_NAME,
    wal_magic: allocdb_core::recovery::WAL_MAGIC,
    snapshot_footer_magic: allocdb_core::recovery::SNAPSHOT_FOOTER_MAGIC,
    snapshot_magic: allocdb_core::snapshot::SNAPSHOT_MAGIC,
    snapshot_version: allocdb_core::snapshot::SNAPSHOT_VERSION,
    legacy_snapshot_version: Some(allocdb_core::snapshot::LEGACY_SNAPSHOT_VERSION),
    client_text,
    internal_text,
};

client_text_fn!();

/// Small tables, so that scenarios reach every limit in a few lines.
const DEFAULTS: Config = Config {
    shard_id: 0,
    max_resources: 8,
    max_leases: 8,
    max_lease_members: 16,
    max_bundle_size: 4,
    max_operations: 32,
    max_ttl_slots: 100,
    max_client_retry_window_slots: 50,
    lease_history_window_slots: 20,
    max_expiration_bucket_len: 4,
    max_wal_payload_bytes: 1024,
    max_snapshot_bytes: 1 << 16,
    max_batch_commands: 256,
};

scenario_config!(
    Config,
    DEFAULTS,
    [
        shard_id,
        max_resources,
        max_leases,
        max_lease_members,
        max_bundle_size,
        max_operations,
        max_ttl_slots,
        max_client_retry_window_slots,
        lease_history_window_slots,
        max_expiration_bucket_len,
        max_wal_payload_bytes,
        max_snapshot_bytes,
    ]
);

fn outcome_text(outcome: &CommandOutcome) -> String {
    format!(
        "{}{}",
        outcome.result_code,
        fields(&[
            ("lease", outcome.lease_id.map(|l| l.to_string())),
            ("epoch", outcome.lease_epoch.map(|e| e.to_string())),
            ("deadline", outcome.deadline_slot.map(|s| s.to_string())),
        ])
    )
}

outcome_helpers!();

fn client_command(name: &str, args: &Args) -> Result<Command, String> {
    let lease = || args.u128("lease").map(LeaseId::new);
    let holder = || args.u128("holder").map(HolderId::new);
    let command = match name {
        "create_resource" => {
            args.only(&["op", "client", "resource"])?;
            Command::CreateResource {
                resource_id: ResourceId::new(args.u128("resource")?),
            }
        }
        "reserve" => {
            args.only(&["op", "client", "resource", "holder", "ttl"])?;
            Command::reserve(
                ResourceId::new(args.u128("resource")?),
                holder()?,
                args.u64("ttl")?,
            )
        }
        "reserve_bundle" => {
            args.only(&["op", "client", "resources", "holder", "ttl"])?;
            let resource_ids = args
                .u128_list("resources")?
                .into_iter()
                .map(ResourceId::new)
                .collect();
            Command::ReserveBundle {
                resource_ids,
                holder_id: holder()?,
                ttl_slots: args.u64("ttl")?,
            }
        }
        "activate" | "confirm" | "release" => {
            args.only(&["op", "client", "lease", "holder", "epoch"])?;
            let (lease_id, holder_id, lease_epoch) = (lease()?, holder()?, args.u64("epoch")?);
            if name == "release" {
                Command::Release {
                    lease_id,
                    holder_id,
                    lease_epoch,
                }
            } else {
                Command::confirm(lease_id, holder_id, lease_epoch)
            }
        }
        "revoke" => {
            args.only(&["op", "client", "lease"])?;
            Command::Revoke { lease_id: lease()? }
        }
        "reclaim" => {
            args.only(&["op", "client", "lease"])?;
            Command::Reclaim { lease_id: lease()? }
        }
        other => return Err(format!("unknown allocdb-core command `{other}`")),
    };
    Ok(command)
}

impl AllocDriver {
    fn read(&mut self, name: &str, args: &Args) -> Result<Option<Outcome>, String> {
        let engine = self.engine()?;
        let outcome = match name {
            "get_resource" => {
                args.only(&["resource"])?;
                Outcome::read(
                    match engine.get_resource(ResourceId::new(args.u128("resource")?)) {
                        Some(r) => format!(
                            "Found {:?} lease={} version={}",
                            r.state,
                            opt(r.current_lease_id),
                            r.version
                        ),
                        None => "ResourceNotFound".to_owned(),
                    },
                )
            }
            "get_lease" => {
                args.only(&["lease"])?;
                match engine.get_lease(LeaseId::new(args.u128("lease")?)) {
                    Ok(_) => {
                        let lease = LeaseId::new(args.u128("lease")?);
                        let dump = engine.dump();
                        let record = dump
                            .leases
                            .iter()
                            .find(|l| l.record.lease_id == lease)
                            .ok_or("lease vanished")?;
                        Outcome::read(format!("Found {}", lease_line(record)))
                    }
                    Err(error) => Outcome::read(error.to_string()),
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(outcome))
    }
}

fn lease_line(lease: &LeaseDump) -> String {
    let r = &lease.record;
    let members: Vec<String> = lease.members.iter().map(ToString::to_string).collect();
    format!(
        "lease {} holder={} {:?} epoch={} created_lsn={} deadline={} released_lsn={} retire_after={} members={}",
        r.lease_id,
        r.holder_id,
        r.state,
        r.lease_epoch,
        r.created_lsn,
        r.deadline_slot,
        opt(r.released_lsn),
        opt(r.retire_after_slot),
        members.join(",")
    )
}

/// An internal frame's payload in scenario syntax.
fn internal_text(payload: &[u8]) -> String {
    match decode_internal(payload) {
        Ok(InternalCommand::Expire {
            lease_id,
            deadline_slot,
        }) => format!("expire lease={lease_id} deadline={deadline_slot}"),
        Err(error) => format!("undecodable ({error:?})"),
    }
}

fn dump_lines(state: &StateMachine) -> Vec<String> {
    let dump = state.dump();
    let mut lines = vec![format!(
        "last_lsn={} last_slot={} retired_watermark={}",
        dump.last_applied_lsn,
        dump.last_request_slot,
        opt(dump.retired_lease_watermark)
    )];
    for r in &dump.resources {
        lines.push(format!(
            "resource {} {:?} lease={} version={}",
            r.resource_id,
            r.state,
            opt(r.current_lease_id),
            r.version
        ));
    }
    lines.extend(dump.leases.iter().map(lease_line));
    lines.extend(dump.operations.iter().map(operation_line));
    lines.extend(expiry_lines("lease", &state.expiry_index()));
    let operations = state.operation_retire_queue();
    lines.extend(operations.map(|e| retire_line("operation", e.key, e.retire_after_slot)));
    let history = state.lease_retire_queue();
    lines.extend(history.map(|e| retire_line("lease", e.key, e.retire_after_slot)));
    lines
}

impl Driver for AllocDriver {
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
        if name != "expire" {
            return Err(format!(
                "unknown allocdb-core internal command `{name}` (expected `expire`)"
            ));
        }
        args.only(&["lease", "deadline"])?;
        let command = InternalCommand::Expire {
            lease_id: LeaseId::new(args.u128("lease")?),
            deadline_slot: Slot::new(args.u64("deadline")?),
        };
        let (engine, slot) = (self.engine()?, Slot::new(seam.slot));
        Ok(command_outcome(if seam.timed {
            engine.submit_internal(&command, slot)
        } else {
            engine.submit_internal_untimed(&command, slot)
        }))
    }

    durable_methods!(AllocEngine);

    fn snapshot_lsn(&self, bytes: &[u8]) -> Option<u64> {
        let payload = split_footer(bytes, allocdb_core::recovery::SNAPSHOT_FOOTER_MAGIC).ok()?;
        decode_snapshot(payload, &self.config)
            .ok()
            .map(|state| state.last_applied_lsn().get())
    }
}
