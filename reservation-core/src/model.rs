//! The reference model of reservation-core (cargo feature `model`; never in the production
//! build): the spec, written as plainly as possible with plain vectors and linear scans. It
//! imports the engine's types, never its logic. The model tests (`tests/model.rs`) and the
//! simulator drive it beside the engine: [`Model::submit`], [`Model::internal`] and
//! [`Model::tick`] return the outcomes the engine must return, and [`Model::projection`] must
//! equal [`project`] of the engine's `StateDump` after every step.

use crate::command::{ClientRequest, Command};
use crate::config::Config;
use crate::ids::{ClientId, HoldId, Lsn, OperationId, PoolId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine::{HoldRecord, HoldState, PoolRecord, StateDump};

#[derive(Clone, Debug)]
struct ModelOp {
    operation_id: OperationId,
    client_id: ClientId,
    command: Command,
    outcome: CommandOutcome,
    applied_lsn: u64,
    retire_after_slot: u64,
}

/// The reference model: the spec, written as plainly as possible.
#[derive(Clone, Debug)]
pub struct Model {
    config: Config,
    lsn: u64,
    slot: u64,
    pools: Vec<PoolRecord>,
    holds: Vec<HoldRecord>,
    ops: Vec<ModelOp>,
}

/// The comparable part of the state: the dump without fingerprints (the model keeps the
/// client id and command instead of hashing them).
pub type Projection = (
    Lsn,
    Slot,
    Vec<PoolRecord>,
    Vec<HoldRecord>,
    Vec<(OperationId, CommandOutcome, Lsn, Slot)>,
);

/// The engine's dump as the model sees it.
#[must_use]
pub fn project(dump: &StateDump) -> Projection {
    let ops = dump
        .operations
        .iter()
        .map(|o| {
            (
                o.operation_id,
                o.outcome,
                o.applied_lsn,
                o.retire_after_slot,
            )
        })
        .collect();
    (
        dump.last_applied_lsn,
        dump.last_request_slot,
        dump.pools.clone(),
        dump.holds.clone(),
        ops,
    )
}

fn refuse(code: ResultCode) -> CommandOutcome {
    CommandOutcome::code(code)
}

impl Model {
    /// An empty model: no pools, holds or operations, slot 0, lsn 0.
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self {
            config,
            lsn: 0,
            slot: 0,
            pools: Vec::new(),
            holds: Vec::new(),
            ops: Vec::new(),
        }
    }

    /// The last request slot the model has seen (0 before the first frame).
    #[must_use]
    pub fn slot(&self) -> u64 {
        self.slot
    }

    /// The model's whole state; compare it with [`project`] of the engine's dump.
    #[must_use]
    pub fn projection(&self) -> Projection {
        let mut pools = self.pools.clone();
        pools.sort_by_key(|p| p.pool_id);
        let mut holds = self.holds.clone();
        holds.sort_by_key(|h| h.hold_id);
        let mut ops: Vec<_> = self
            .ops
            .iter()
            .map(|o| {
                let retire = Slot(o.retire_after_slot);
                (o.operation_id, o.outcome, Lsn(o.applied_lsn), retire)
            })
            .collect();
        ops.sort_by_key(|o| o.0);
        (Lsn(self.lsn), Slot(self.slot), pools, holds, ops)
    }

    /// Starts a frame at `slot`: next lsn, then everything due retires.
    fn begin(&mut self, slot: u64) {
        self.lsn += 1;
        self.slot = slot;
        self.ops.retain(|o| o.retire_after_slot >= slot);
        self.holds
            .retain(|h| h.retire_after_slot.is_none_or(|r| r.get() >= slot));
    }

    /// Every held hold with `deadline <= slot` expires, deadline then id order.
    pub fn tick(&mut self, slot: u64) -> Vec<CommandOutcome> {
        let mut due: Vec<(Slot, HoldId)> = self
            .holds
            .iter()
            .filter(|h| h.state == HoldState::Held && h.deadline_slot.get() <= slot)
            .map(|h| (h.deadline_slot, h.hold_id))
            .collect();
        due.sort();
        due.into_iter()
            .map(|(_, id)| self.expire(id, slot))
            .collect()
    }

    /// An `ExpireHold` frame at `slot`.
    pub fn expire(&mut self, hold_id: HoldId, slot: u64) -> CommandOutcome {
        self.begin(slot);
        match self.holds.iter().position(|h| h.hold_id == hold_id) {
            Some(i)
                if self.holds[i].state == HoldState::Held
                    && self.holds[i].deadline_slot.get() <= slot =>
            {
                self.finish(i, HoldState::Expired)
            }
            _ => refuse(ResultCode::Noop),
        }
    }

    /// The handle's `submit_internal`: tick, then the frame.
    pub fn internal(&mut self, hold_id: HoldId, slot: u64) -> CommandOutcome {
        self.tick(slot);
        self.expire(hold_id, slot)
    }

    /// The handle's `submit`; `None` for `SlotRegression`.
    pub fn submit(&mut self, request: &ClientRequest, slot: u64) -> Option<CommandOutcome> {
        if slot < self.slot {
            return None;
        }
        self.tick(slot);
        if let Some(op) = self
            .ops
            .iter()
            .find(|o| o.operation_id == request.operation_id && o.retire_after_slot >= slot)
        {
            let same = op.client_id == request.client_id && op.command == request.command;
            return Some(if same {
                op.outcome
            } else {
                refuse(ResultCode::OperationConflict)
            });
        }
        self.begin(slot);
        if self.ops.len() >= self.config.max_operations as usize {
            return Some(refuse(ResultCode::OperationTableFull));
        }
        let Some(retire_after_slot) = slot.checked_add(self.config.max_client_retry_window_slots)
        else {
            return Some(refuse(ResultCode::SlotOverflow));
        };
        let outcome = self.execute(request.command, slot);
        self.ops.push(ModelOp {
            operation_id: request.operation_id,
            client_id: request.client_id,
            command: request.command,
            outcome,
            applied_lsn: self.lsn,
            retire_after_slot,
        });
        Some(outcome)
    }

    fn execute(&mut self, command: Command, slot: u64) -> CommandOutcome {
        match command {
            Command::CreatePool {
                pool_id,
                total_capacity,
            } => {
                if self.pools.iter().any(|p| p.pool_id == pool_id) {
                    return refuse(ResultCode::AlreadyExists);
                }
                if self.pools.len() >= self.config.max_pools as usize {
                    return refuse(ResultCode::PoolTableFull);
                }
                self.pools.push(PoolRecord {
                    pool_id,
                    total_capacity,
                    held_capacity: 0,
                    consumed_capacity: 0,
                });
                refuse(ResultCode::Ok)
            }
            Command::PlaceHold {
                hold_id,
                pool_id,
                quantity,
                ttl_slots,
            } => self.place(hold_id, pool_id, quantity, ttl_slots, slot),
            Command::ConfirmHold { hold_id } | Command::ReleaseHold { hold_id } => {
                let confirm = matches!(command, Command::ConfirmHold { .. });
                let Some(i) = self.holds.iter().position(|h| h.hold_id == hold_id) else {
                    return refuse(ResultCode::HoldNotFound);
                };
                let hold = self.holds[i];
                let late = hold.state == HoldState::Expired
                    || (hold.state == HoldState::Held && slot >= hold.deadline_slot.get());
                if confirm && late {
                    return refuse(ResultCode::HoldExpired);
                }
                if hold.state != HoldState::Held {
                    return refuse(ResultCode::InvalidState);
                }
                let state = if confirm {
                    HoldState::Confirmed
                } else {
                    HoldState::Released
                };
                self.finish(i, state)
            }
        }
    }

    fn place(
        &mut self,
        hold_id: HoldId,
        pool_id: PoolId,
        q: u64,
        ttl: u64,
        slot: u64,
    ) -> CommandOutcome {
        if q == 0 {
            return refuse(ResultCode::InvalidAmount);
        }
        if ttl == 0 || ttl > self.config.max_ttl_slots {
            return refuse(ResultCode::TtlOutOfRange);
        }
        let Some(deadline) = slot.checked_add(ttl) else {
            return refuse(ResultCode::SlotOverflow);
        };
        let Some(p) = self.pools.iter().position(|p| p.pool_id == pool_id) else {
            return refuse(ResultCode::PoolNotFound);
        };
        if self.holds.iter().any(|h| h.hold_id == hold_id) {
            return refuse(ResultCode::AlreadyExists);
        }
        let pool = self.pools[p];
        if q > pool.total_capacity - pool.held_capacity - pool.consumed_capacity {
            return refuse(ResultCode::InsufficientCapacity);
        }
        if self.holds.len() >= self.config.max_holds as usize {
            return refuse(ResultCode::HoldTableFull);
        }
        let same_deadline = self
            .holds
            .iter()
            .filter(|h| h.state == HoldState::Held && h.deadline_slot.get() == deadline)
            .count();
        if same_deadline >= self.config.max_expiration_bucket_len as usize {
            return refuse(ResultCode::ExpirationIndexFull);
        }
        self.pools[p].held_capacity += q;
        self.holds.push(HoldRecord {
            hold_id,
            pool_id,
            quantity: q,
            deadline_slot: Slot(deadline),
            state: HoldState::Held,
            retire_after_slot: None,
        });
        CommandOutcome {
            result_code: ResultCode::Ok,
            hold_id: Some(hold_id),
            deadline_slot: Some(Slot(deadline)),
        }
    }

    fn finish(&mut self, i: usize, state: HoldState) -> CommandOutcome {
        let hold = self.holds[i];
        let pool = self
            .pools
            .iter_mut()
            .find(|p| p.pool_id == hold.pool_id)
            .unwrap();
        pool.held_capacity -= hold.quantity;
        if state == HoldState::Confirmed {
            pool.consumed_capacity += hold.quantity;
        }
        let retire = self
            .slot
            .saturating_add(self.config.hold_history_window_slots);
        self.holds[i].state = state;
        self.holds[i].retire_after_slot = Some(Slot(retire));
        CommandOutcome::hold(hold.hold_id)
    }
}
