//! Whole-state invariant checks: `validate_invariants()` returns the first violation,
//! `assert_invariants()` panics on it (debug builds run it at the end of every apply).

use std::fmt;

use crate::ids::{HoldId, OperationId, PoolId, Slot};
use crate::state_machine::{HoldState, StateMachine};

/// A broken invariant (a bug, or a snapshot that must not be admitted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvariantError {
    /// A fixed table's own structure is broken (count, reachability, capacity).
    Table { table: &'static str, detail: String },
    /// A record is stored under another id than its own.
    KeyMismatch { table: &'static str, id: u128 },
    /// `held + consumed > total`.
    PoolOverCommitted { pool_id: PoolId },
    /// `held` differs from the sum of the pool's live holds' quantities.
    HeldMismatch {
        pool_id: PoolId,
        held: u64,
        live: u128,
    },
    /// The confirmed holds still in the table hold more than the pool has consumed.
    ConsumedBelowConfirmed { pool_id: PoolId },
    /// A hold names a pool that does not exist.
    UnknownPool { hold_id: HoldId },
    /// A hold with quantity 0.
    ZeroQuantity { hold_id: HoldId },
    /// `retire_after_slot` disagrees with the hold state, or lies outside
    /// `[last slot, last slot + hold_history_window_slots]` (saturating).
    TerminalFields { hold_id: HoldId },
    /// A `Held` hold is not in the expiry index exactly once.
    HeldNotIndexed { hold_id: HoldId },
    /// An expiry index entry names something other than a `Held` hold with that deadline,
    /// or lies below the index's scan floor.
    StrayIndexEntry { hold_id: HoldId },
    /// An operation was applied after the last applied lsn, should already have retired, or
    /// retires later than its retry window allows.
    OperationRecord { operation_id: OperationId },
    /// The operation table and its retire queue disagree.
    OperationQueue,
    /// The terminal holds and the hold retire queue disagree.
    HoldQueue,
}

impl fmt::Display for InvariantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Table { table, detail } => write!(f, "{table} table: {detail}"),
            Self::KeyMismatch { table, id } => write!(f, "{table} {id} stored under another id"),
            Self::PoolOverCommitted { pool_id } => {
                write!(f, "pool {pool_id} holds and consumes more than its total")
            }
            Self::HeldMismatch {
                pool_id,
                held,
                live,
            } => write!(f, "pool {pool_id} held {held}, live holds sum to {live}"),
            Self::ConsumedBelowConfirmed { pool_id } => {
                write!(f, "pool {pool_id} consumed less than its confirmed holds")
            }
            Self::UnknownPool { hold_id } => write!(f, "hold {hold_id} names an unknown pool"),
            Self::ZeroQuantity { hold_id } => write!(f, "hold {hold_id} has quantity 0"),
            Self::TerminalFields { hold_id } => {
                write!(f, "hold {hold_id} terminal fields disagree with its state")
            }
            Self::HeldNotIndexed { hold_id } => {
                write!(f, "held hold {hold_id} is not indexed exactly once")
            }
            Self::StrayIndexEntry { hold_id } => {
                write!(f, "expiry index entry for hold {hold_id} is stray")
            }
            Self::OperationRecord { operation_id } => {
                write!(f, "operation {operation_id} record is inconsistent")
            }
            Self::OperationQueue => write!(f, "operation table and retire queue disagree"),
            Self::HoldQueue => write!(f, "terminal holds and hold retire queue disagree"),
        }
    }
}

impl std::error::Error for InvariantError {}

fn table(table: &'static str, detail: String) -> InvariantError {
    InvariantError::Table { table, detail }
}

impl StateMachine {
    /// Checks every invariant over the whole state.
    ///
    /// # Errors
    /// The first violation found.
    pub fn validate_invariants(&self) -> Result<(), InvariantError> {
        self.pools
            .validate()
            .map_err(|detail| table("pool", detail))?;
        self.holds
            .validate()
            .map_err(|detail| table("hold", detail))?;
        self.operations
            .validate()
            .map_err(|detail| table("operation", detail))?;
        self.validate_pools()?;
        self.validate_holds()?;
        self.validate_expiry_index()?;
        self.validate_operations()?;
        self.validate_queues()
    }

    /// Asserts [`Self::validate_invariants`].
    ///
    /// # Panics
    /// On any violation: the state is broken and must not be used.
    pub fn assert_invariants(&self) {
        if let Err(error) = self.validate_invariants() {
            panic!("state machine invariants must hold: {error}");
        }
    }

    /// Pool accounting: `held + consumed <= total`, `held` = sum of live holds, and the
    /// confirmed holds still in the table fit in `consumed`.
    fn validate_pools(&self) -> Result<(), InvariantError> {
        // (pool, total, held, consumed, live sum, confirmed sum), sorted by pool id.
        let mut sums: Vec<(PoolId, u64, u64, u64, u128, u128)> = self
            .pools
            .iter_unordered()
            .map(|(id, pool)| {
                let sums = (
                    id,
                    pool.total_capacity,
                    pool.held_capacity,
                    pool.consumed_capacity,
                    0,
                    0,
                );
                if pool.pool_id == id {
                    Ok(sums)
                } else {
                    Err(InvariantError::KeyMismatch {
                        table: "pool",
                        id: id.get(),
                    })
                }
            })
            .collect::<Result<_, _>>()?;
        sums.sort_unstable_by_key(|entry| entry.0);
        for (hold_id, hold) in self.holds.iter_unordered() {
            let Ok(index) = sums.binary_search_by_key(&hold.pool_id, |entry| entry.0) else {
                return Err(InvariantError::UnknownPool { hold_id });
            };
            match hold.state {
                HoldState::Held => sums[index].4 += u128::from(hold.quantity),
                HoldState::Confirmed => sums[index].5 += u128::from(hold.quantity),
                HoldState::Released | HoldState::Expired => {}
            }
        }
        for (pool_id, total, held, consumed, live, confirmed) in sums {
            if u128::from(held) + u128::from(consumed) > u128::from(total) {
                return Err(InvariantError::PoolOverCommitted { pool_id });
            }
            if u128::from(held) != live {
                return Err(InvariantError::HeldMismatch {
                    pool_id,
                    held,
                    live,
                });
            }
            if confirmed > u128::from(consumed) {
                return Err(InvariantError::ConsumedBelowConfirmed { pool_id });
            }
        }
        Ok(())
    }

    fn validate_holds(&self) -> Result<(), InvariantError> {
        for (hold_id, hold) in self.holds.iter_unordered() {
            if hold.hold_id != hold_id {
                return Err(InvariantError::KeyMismatch {
                    table: "hold",
                    id: hold_id.get(),
                });
            }
            if hold.quantity == 0 {
                return Err(InvariantError::ZeroQuantity { hold_id });
            }
            if hold.retire_after_slot.is_some() != hold.state.is_terminal() {
                return Err(InvariantError::TerminalFields { hold_id });
            }
            // A hold terminal at slot `t <= last slot` retires after `t + window`
            // (saturating), and applying a frame retires what is past; a later retire slot
            // would put the next push to the retire queue out of order (a panic in apply,
            // repeated by every replay).
            let latest_retire = self
                .last_request_slot
                .get()
                .saturating_add(self.config.hold_history_window_slots);
            if hold
                .retire_after_slot
                .is_some_and(|slot| slot < self.last_request_slot || slot.get() > latest_retire)
            {
                return Err(InvariantError::TerminalFields { hold_id });
            }
        }
        Ok(())
    }

    /// Every stored operation is live at the last applied slot (applying a frame at `S`
    /// retires every entry with `retire_after_slot < S` first) and retires no later than
    /// `last slot + max_client_retry_window_slots`.
    fn validate_operations(&self) -> Result<(), InvariantError> {
        let latest_retire = u128::from(self.last_request_slot.get())
            + u128::from(self.config.max_client_retry_window_slots);
        for (operation_id, record) in self.operations.iter_unordered() {
            if record.operation_id != operation_id {
                return Err(InvariantError::KeyMismatch {
                    table: "operation",
                    id: operation_id.get(),
                });
            }
            if record.applied_lsn > self.last_applied_lsn
                || record.retire_after_slot < self.last_request_slot
                || u128::from(record.retire_after_slot.get()) > latest_retire
            {
                return Err(InvariantError::OperationRecord {
                    operation_id: record.operation_id,
                });
            }
        }
        Ok(())
    }

    fn validate_expiry_index(&self) -> Result<(), InvariantError> {
        let mut held = 0;
        for (hold_id, hold) in self.holds.iter_unordered() {
            if hold.state == HoldState::Held {
                held += 1;
                if self.expiry.occurrences(hold.deadline_slot, hold_id) != 1 {
                    return Err(InvariantError::HeldNotIndexed { hold_id });
                }
            }
        }
        for (deadline, hold_id) in self.expiry.iter_unordered() {
            let matches = self.holds.get(hold_id).is_some_and(|hold| {
                hold.state == HoldState::Held && hold.deadline_slot == deadline
            });
            if !matches || deadline.get() < self.expiry.scan_from() {
                return Err(InvariantError::StrayIndexEntry { hold_id });
            }
        }
        if held != self.expiry.len() {
            return Err(table(
                "expiry",
                format!("{} entries, {held} held", self.expiry.len()),
            ));
        }
        Ok(())
    }

    fn validate_queues(&self) -> Result<(), InvariantError> {
        self.operation_retire
            .validate()
            .map_err(|_| InvariantError::OperationQueue)?;
        self.hold_retire
            .validate()
            .map_err(|_| InvariantError::HoldQueue)?;
        if self.operation_retire.len() != self.operations.len() {
            return Err(InvariantError::OperationQueue);
        }
        // Operations are queued in the order they were applied, one per frame, so their
        // applied lsns strictly increase along the queue. That also proves no operation is
        // queued twice (and, with equal lengths, none is missing), without allocating a set.
        let mut previous_lsn = None;
        for entry in self.operation_retire.iter() {
            let Some(record) = self.operations.get(entry.key) else {
                return Err(InvariantError::OperationQueue);
            };
            if record.retire_after_slot.get() != entry.retire_after_slot
                || previous_lsn.is_some_and(|previous| previous >= record.applied_lsn)
            {
                return Err(InvariantError::OperationQueue);
            }
            previous_lsn = Some(record.applied_lsn);
        }
        let terminal = self
            .holds
            .iter_unordered()
            .filter(|(_, hold)| hold.state.is_terminal())
            .count();
        if terminal != self.hold_retire.len() {
            return Err(InvariantError::HoldQueue);
        }
        for entry in self.hold_retire.iter() {
            let matches = self.holds.get(entry.key).is_some_and(|hold| {
                hold.retire_after_slot.map(Slot::get) == Some(entry.retire_after_slot)
            });
            if !matches {
                return Err(InvariantError::HoldQueue);
            }
        }
        Ok(())
    }
}

#[cfg(test)]
#[path = "state_machine_invariants_tests.rs"]
mod tests;
