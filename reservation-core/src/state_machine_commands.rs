//! The commands of the reservation state machine, each with its checks in the spec's order
//! (first failure wins). Every value here came from a client or the WAL, so every check
//! returns a result code; only the machine's own bookkeeping is asserted.

use crate::command::{Command, CommandContext};
use crate::ids::{HoldId, PoolId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine::{HoldRecord, HoldState, PoolRecord, StateMachine};

fn refuse(code: ResultCode) -> CommandOutcome {
    CommandOutcome::code(code)
}

impl StateMachine {
    pub(crate) fn execute(&mut self, ctx: CommandContext, command: &Command) -> CommandOutcome {
        match *command {
            Command::CreatePool {
                pool_id,
                total_capacity,
            } => self.create_pool(pool_id, total_capacity),
            Command::PlaceHold {
                hold_id,
                pool_id,
                quantity,
                ttl_slots,
            } => match self.place_hold_checks(ctx, hold_id, pool_id, quantity, ttl_slots) {
                Ok(deadline_slot) => self.place_hold(hold_id, pool_id, quantity, deadline_slot),
                Err(code) => refuse(code),
            },
            Command::ConfirmHold { hold_id } => self.confirm_hold(ctx, hold_id),
            Command::ReleaseHold { hold_id } => self.release_hold(ctx, hold_id),
        }
    }

    fn create_pool(&mut self, pool_id: PoolId, total_capacity: u64) -> CommandOutcome {
        if self.pools.contains_key(pool_id) {
            return refuse(ResultCode::AlreadyExists);
        }
        if self.pools.is_full() {
            return refuse(ResultCode::PoolTableFull);
        }
        let record = PoolRecord {
            pool_id,
            total_capacity,
            held_capacity: 0,
            consumed_capacity: 0,
        };
        self.pools
            .insert(pool_id, record)
            .expect("pool table has room");
        CommandOutcome::code(ResultCode::Ok)
    }

    /// The `PlaceHold` checks in order; returns the deadline.
    fn place_hold_checks(
        &self,
        ctx: CommandContext,
        hold_id: HoldId,
        pool_id: PoolId,
        quantity: u64,
        ttl_slots: u64,
    ) -> Result<Slot, ResultCode> {
        if quantity == 0 {
            return Err(ResultCode::InvalidAmount);
        }
        if ttl_slots == 0 || ttl_slots > self.config.max_ttl_slots {
            return Err(ResultCode::TtlOutOfRange);
        }
        let deadline = ctx
            .request_slot
            .get()
            .checked_add(ttl_slots)
            .ok_or(ResultCode::SlotOverflow)?;
        let Some(pool) = self.pools.get(pool_id) else {
            return Err(ResultCode::PoolNotFound);
        };
        if self.holds.contains_key(hold_id) {
            return Err(ResultCode::AlreadyExists);
        }
        if quantity > pool.available_capacity() {
            return Err(ResultCode::InsufficientCapacity);
        }
        if self.holds.is_full() {
            return Err(ResultCode::HoldTableFull);
        }
        if !self.expiry.has_room(Slot(deadline)) {
            return Err(ResultCode::ExpirationIndexFull);
        }
        Ok(Slot(deadline))
    }

    fn place_hold(
        &mut self,
        hold_id: HoldId,
        pool_id: PoolId,
        quantity: u64,
        deadline_slot: Slot,
    ) -> CommandOutcome {
        let pool = self.pools.get_mut(pool_id).expect("pool was looked up");
        // Cannot overflow: quantity <= total - held - consumed was checked.
        pool.held_capacity += quantity;
        let record = HoldRecord {
            hold_id,
            pool_id,
            quantity,
            deadline_slot,
            state: HoldState::Held,
            retire_after_slot: None,
        };
        self.holds
            .insert(hold_id, record)
            .expect("hold table has room");
        self.expiry.insert(deadline_slot, hold_id);
        CommandOutcome {
            result_code: ResultCode::Ok,
            hold_id: Some(hold_id),
            deadline_slot: Some(deadline_slot),
        }
    }

    fn confirm_hold(&mut self, ctx: CommandContext, hold_id: HoldId) -> CommandOutcome {
        let Some(hold) = self.holds.get(hold_id).copied() else {
            return refuse(ResultCode::HoldNotFound);
        };
        match hold.state {
            HoldState::Expired => return refuse(ResultCode::HoldExpired),
            HoldState::Held if ctx.request_slot >= hold.deadline_slot => {
                return refuse(ResultCode::HoldExpired);
            }
            HoldState::Held => {}
            HoldState::Confirmed | HoldState::Released => {
                return refuse(ResultCode::InvalidState);
            }
        }
        self.finish_hold(ctx, hold, HoldState::Confirmed)
    }

    fn release_hold(&mut self, ctx: CommandContext, hold_id: HoldId) -> CommandOutcome {
        let Some(hold) = self.holds.get(hold_id).copied() else {
            return refuse(ResultCode::HoldNotFound);
        };
        if hold.state != HoldState::Held {
            return refuse(ResultCode::InvalidState);
        }
        self.finish_hold(ctx, hold, HoldState::Released)
    }

    /// `ExpireHold` (internal): a `Held` hold whose deadline is at or below the frame's slot
    /// expires; anything else is `Noop`.
    pub(crate) fn expire_hold(&mut self, ctx: CommandContext, hold_id: HoldId) -> CommandOutcome {
        let Some(hold) = self.holds.get(hold_id).copied() else {
            return refuse(ResultCode::Noop);
        };
        if hold.state != HoldState::Held || hold.deadline_slot > ctx.request_slot {
            return refuse(ResultCode::Noop);
        }
        self.finish_hold(ctx, hold, HoldState::Expired)
    }

    /// Makes a `Held` hold terminal at `ctx`: gives its units back (or consumes them when
    /// confirming), leaves the expiry index, and queues its history for retirement.
    fn finish_hold(
        &mut self,
        ctx: CommandContext,
        hold: HoldRecord,
        state: HoldState,
    ) -> CommandOutcome {
        assert!(state.is_terminal(), "finish_hold must end the hold");
        assert!(hold.state == HoldState::Held, "only a held hold finishes");
        let removed = self.expiry.remove(hold.deadline_slot, hold.hold_id);
        assert!(removed, "a held hold must be in the expiry index");
        let pool = self
            .pools
            .get_mut(hold.pool_id)
            .expect("a hold's pool must exist");
        pool.held_capacity -= hold.quantity;
        if state == HoldState::Confirmed {
            pool.consumed_capacity += hold.quantity;
        }
        let retire_after = ctx
            .request_slot
            .get()
            .saturating_add(self.config.hold_history_window_slots);
        let record = self
            .holds
            .get_mut(hold.hold_id)
            .expect("hold was looked up");
        record.state = state;
        record.retire_after_slot = Some(Slot(retire_after));
        self.hold_retire
            .push(hold.hold_id, retire_after)
            .expect("hold retire queue is as large as the hold table");
        CommandOutcome::hold(hold.hold_id)
    }
}
