//! Whole-state invariant checks: `validate_invariants()` returns the first violation,
//! `assert_invariants()` panics on it (debug builds run it at the end of every apply).
//!
//! The checks allocate nothing, so running them after every apply keeps apply
//! allocation-free in debug builds too.

use std::fmt;

use crate::ids::{BucketId, OperationId};
use crate::state_machine::StateMachine;

/// A broken invariant (a bug, or a snapshot that must not be admitted).
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum InvariantError {
    /// A fixed table's own structure is broken (count, reachability, capacity).
    Table { table: &'static str, detail: String },
    /// A bucket is stored under another id.
    BucketIdentity { bucket_id: BucketId },
    /// `balance > limit`.
    BalanceAboveLimit { bucket_id: BucketId },
    /// `last_refill_slot` is after the last applied request slot.
    RefillInFuture { bucket_id: BucketId },
    /// An operation was applied after the last applied lsn, is stored under another id,
    /// should already have retired, or retires later than its retry window allows.
    OperationRecord { operation_id: OperationId },
    /// The operation table and its retire queue disagree, or the queue lists an operation
    /// twice (which would let one debit apply twice after its first entry retired).
    OperationQueue,
}

impl fmt::Display for InvariantError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Table { table, detail } => write!(f, "{table} table: {detail}"),
            Self::BucketIdentity { bucket_id } => {
                write!(f, "bucket {bucket_id} is stored under another id")
            }
            Self::BalanceAboveLimit { bucket_id } => {
                write!(f, "bucket {bucket_id} balance exceeds its limit")
            }
            Self::RefillInFuture { bucket_id } => write!(
                f,
                "bucket {bucket_id} was refilled after the last applied slot"
            ),
            Self::OperationRecord { operation_id } => {
                write!(f, "operation {operation_id} record is inconsistent")
            }
            Self::OperationQueue => write!(f, "operation table and retire queue disagree"),
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
        self.buckets
            .validate()
            .map_err(|detail| table("bucket", detail))?;
        self.operations
            .validate()
            .map_err(|detail| table("operation", detail))?;
        self.validate_buckets()?;
        self.validate_operations()?;
        self.validate_queue()
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

    fn validate_buckets(&self) -> Result<(), InvariantError> {
        for (bucket_id, bucket) in self.buckets.iter_unordered() {
            if bucket.bucket_id != bucket_id {
                return Err(InvariantError::BucketIdentity { bucket_id });
            }
            if bucket.balance > bucket.limit {
                return Err(InvariantError::BalanceAboveLimit { bucket_id });
            }
            if bucket.last_refill_slot > self.last_request_slot {
                return Err(InvariantError::RefillInFuture { bucket_id });
            }
        }
        Ok(())
    }

    fn validate_operations(&self) -> Result<(), InvariantError> {
        // An operation applied at slot `s <= last slot` retires after `s + window`; a later
        // retire slot would put the next push to the retire queue out of order (a panic in
        // apply, repeated by every replay).
        let latest_retire = u128::from(self.last_request_slot.get())
            + u128::from(self.config.max_client_retry_window_slots);
        for (operation_id, record) in self.operations.iter_unordered() {
            // Every stored operation is live at the last applied slot: applying a frame at
            // slot S retires every entry with `retire_after_slot < S` first.
            if record.operation_id != operation_id
                || record.applied_lsn > self.last_applied_lsn
                || record.retire_after_slot < self.last_request_slot
                || u128::from(record.retire_after_slot.get()) > latest_retire
            {
                return Err(InvariantError::OperationRecord { operation_id });
            }
        }
        Ok(())
    }

    fn validate_queue(&self) -> Result<(), InvariantError> {
        self.operation_retire
            .validate()
            .map_err(|_| InvariantError::OperationQueue)?;
        if self.operation_retire.len() != self.operations.len() {
            return Err(InvariantError::OperationQueue);
        }
        // Operations are queued in the order they were applied, one per frame, so their
        // applied lsns strictly increase along the queue. That also proves no operation is
        // queued twice, without allocating a set.
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
        Ok(())
    }
}
