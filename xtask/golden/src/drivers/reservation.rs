//! The reservation-core driver.

use reservation_core::command::{ClientRequest, Command, InternalCommand};
use reservation_core::command_codec::{decode_internal, decode_request};
use reservation_core::config::Config;
use reservation_core::engine::{ReservationEngine, SubmitError};
use reservation_core::ids::{ClientId, HoldId, OperationId, PoolId, Slot};
use reservation_core::result::{CommandOutcome, ResultCode};
use reservation_core::snapshot::decode_snapshot;
use reservation_core::state_machine::{HoldRecord, OperationRecord, PoolRecord, StateMachine};
use runtime::snapshot_file::split_footer;

use super::common::{
    client_text_fn, driver_struct, durable_methods, expiry_lines, fields, opt, outcome_helpers,
    retire_line, scenario_config,
};
use crate::engine_files::EngineFiles;
use crate::runner::{Driver, Outcome, Seam, Ticked};
use crate::scenario::Args;

driver_struct!(ReservationDriver, ReservationEngine, "reservation-core");

/// This engine's files, for the WAL listing and `golden inspect`.
pub(crate) const FILES: EngineFiles = EngineFiles {
    name: ReservationDriver::ENGINE_NAME,
    wal_file_name: reservation_core::recovery::WAL_FILE_NAME,
    snapshot_file_name: reservation_core::recovery::SNAPSHOT_FILE_NAME,
    wal_magic: reservation_core::recovery::WAL_MAGIC,
    snapshot_footer_magic: reservation_core::recovery::SNAPSHOT_FOOTER_MAGIC,
    snapshot_magic: reservation_core::snapshot::SNAPSHOT_MAGIC,
    snapshot_version: reservation_core::snapshot::SNAPSHOT_VERSION,
    legacy_snapshot_version: None,
    client_text,
    internal_text,
};

client_text_fn!();

const DEFAULTS: Config = Config {
    max_pools: 4,
    max_holds: 8,
    max_operations: 32,
    max_ttl_slots: 100,
    max_client_retry_window_slots: 50,
    hold_history_window_slots: 20,
    max_expiration_bucket_len: 4,
    max_wal_payload_bytes: 1024,
    max_snapshot_bytes: 1 << 20,
    max_batch_commands: 256,
};

scenario_config!(
    Config,
    DEFAULTS,
    [
        max_pools,
        max_holds,
        max_operations,
        max_ttl_slots,
        max_client_retry_window_slots,
        hold_history_window_slots,
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
            ("hold", outcome.hold_id.map(|h| h.to_string())),
            ("deadline", outcome.deadline_slot.map(|s| s.to_string())),
        ])
    )
}

outcome_helpers!();

fn client_command(name: &str, args: &Args) -> Result<Command, String> {
    let hold_id = || args.u128("hold").map(HoldId::new);
    let pool_id = || args.u128("pool").map(PoolId::new);
    match name {
        "create_pool" => {
            args.only(&["op", "client", "pool", "capacity"])?;
            Ok(Command::CreatePool {
                pool_id: pool_id()?,
                total_capacity: args.u64("capacity")?,
            })
        }
        "place_hold" => {
            args.only(&["op", "client", "hold", "pool", "quantity", "ttl"])?;
            Ok(Command::PlaceHold {
                hold_id: hold_id()?,
                pool_id: pool_id()?,
                quantity: args.u64("quantity")?,
                ttl_slots: args.u64("ttl")?,
            })
        }
        "confirm_hold" => {
            args.only(&["op", "client", "hold"])?;
            Ok(Command::ConfirmHold {
                hold_id: hold_id()?,
            })
        }
        "release_hold" => {
            args.only(&["op", "client", "hold"])?;
            Ok(Command::ReleaseHold {
                hold_id: hold_id()?,
            })
        }
        other => Err(format!("unknown reservation-core command `{other}`")),
    }
}

fn pool_line(p: &PoolRecord) -> String {
    format!(
        "pool {} total={} held={} consumed={}",
        p.pool_id, p.total_capacity, p.held_capacity, p.consumed_capacity
    )
}

fn hold_line(h: &HoldRecord) -> String {
    format!(
        "hold {} pool={} quantity={} {:?} deadline={} retire_after={}",
        h.hold_id,
        h.pool_id,
        h.quantity,
        h.state,
        h.deadline_slot,
        opt(h.retire_after_slot)
    )
}

/// An internal frame's payload in scenario syntax.
fn internal_text(payload: &[u8]) -> String {
    match decode_internal(payload) {
        Ok(InternalCommand::ExpireHold { hold_id }) => format!("expire_hold hold={hold_id}"),
        Err(error) => format!("undecodable ({error:?})"),
    }
}

fn dump_lines(state: &StateMachine) -> Vec<String> {
    let dump = state.dump();
    let mut lines = vec![format!(
        "last_lsn={} last_slot={}",
        dump.last_applied_lsn, dump.last_request_slot
    )];
    lines.extend(dump.pools.iter().map(pool_line));
    lines.extend(dump.holds.iter().map(hold_line));
    lines.extend(dump.operations.iter().map(operation_line));
    lines.extend(expiry_lines("hold", &state.expiry_index()));
    let operations = state.operation_retire_queue();
    lines.extend(operations.map(|e| retire_line("operation", e.key, e.retire_after_slot)));
    let history = state.hold_retire_queue();
    lines.extend(history.map(|e| retire_line("hold", e.key, e.retire_after_slot)));
    lines
}

impl ReservationDriver {
    fn read(&mut self, name: &str, args: &Args) -> Result<Option<Outcome>, String> {
        let text = match name {
            "get_pool" => {
                args.only(&["pool"])?;
                match self.engine()?.get_pool(PoolId::new(args.u128("pool")?)) {
                    Some(pool) => format!("Found {}", pool_line(&pool)),
                    None => "PoolNotFound".to_owned(),
                }
            }
            "get_hold" => {
                args.only(&["hold"])?;
                match self.engine()?.get_hold(HoldId::new(args.u128("hold")?)) {
                    Ok(hold) => format!("Found {}", hold_line(&hold)),
                    Err(error) => error.to_string(),
                }
            }
            _ => return Ok(None),
        };
        Ok(Some(Outcome::read(text)))
    }
}

impl Driver for ReservationDriver {
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
        if name != "expire_hold" {
            return Err(format!(
                "unknown reservation-core internal command `{name}` (expected `expire_hold`)"
            ));
        }
        args.only(&["hold"])?;
        let command = InternalCommand::ExpireHold {
            hold_id: HoldId::new(args.u128("hold")?),
        };
        let (engine, slot) = (self.engine()?, Slot::new(seam.slot));
        Ok(command_outcome(if seam.timed {
            engine.submit_internal(&command, slot)
        } else {
            engine.submit_internal_untimed(&command, slot)
        }))
    }

    durable_methods!(ReservationEngine);

    fn snapshot_lsn(&self, bytes: &[u8]) -> Option<u64> {
        let payload =
            split_footer(bytes, reservation_core::recovery::SNAPSHOT_FOOTER_MAGIC).ok()?;
        decode_snapshot(payload, &self.config)
            .ok()
            .map(|state| state.last_applied_lsn().get())
    }
}
