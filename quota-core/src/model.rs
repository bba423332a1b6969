//! The reference model of quota-core (cargo feature `model`; never in the production build):
//! the spec's rules written as plainly as possible, with vectors and linear scans. It imports
//! the engine's types, never its logic (a stored request is compared whole, not by its
//! fingerprint). The model tests (`tests/model.rs`) and the simulator drive it beside the
//! engine and compare outcomes after every step and [`Model::projection`] with [`project`] of the
//! engine's `StateDump`.

use crate::state_machine::OperationRecord;
use crate::{
    BucketRecord, ClientRequest, Command, CommandOutcome, Config, Lsn, ResultCode, Slot, StateDump,
    SubmitError,
};

/// What the model and the engine are compared on: the engine's dump with fingerprints zeroed
/// (the model keeps the request itself instead of its hash).
pub type Projection = StateDump;

/// The engine's dump as the model sees it.
#[must_use]
pub fn project(dump: &StateDump) -> Projection {
    let mut dump = dump.clone();
    for operation in &mut dump.operations {
        operation.fingerprint = 0;
    }
    dump
}

#[derive(Clone, Debug)]
struct ModelOperation {
    request: ClientRequest,
    outcome: CommandOutcome,
    applied_lsn: u64,
    retire_after_slot: u64,
}

/// The reference model: the spec's rules written as plainly as possible.
#[derive(Clone, Debug)]
pub struct Model {
    config: Config,
    lsn: u64,
    slot: u64,
    buckets: Vec<BucketRecord>,
    operations: Vec<ModelOperation>,
}

fn code(result_code: ResultCode) -> CommandOutcome {
    CommandOutcome {
        result_code,
        balance: None,
    }
}

impl Model {
    /// An empty model: no buckets, no operations, slot 0, lsn 0.
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self {
            config,
            lsn: 0,
            slot: 0,
            buckets: Vec::new(),
            operations: Vec::new(),
        }
    }

    /// The last request slot the model has seen (0 before the first request).
    #[must_use]
    pub fn slot(&self) -> u64 {
        self.slot
    }

    /// A tick at `slot`: quota-core keeps no timers, so a tick only checks the slot.
    ///
    /// # Errors
    /// `slot` is below the last request slot (as `QuotaEngine::tick`).
    pub fn tick(&self, slot: u64) -> Result<(), SubmitError> {
        self.check_slot(slot)
    }

    fn check_slot(&self, slot: u64) -> Result<(), SubmitError> {
        if slot < self.slot {
            return Err(SubmitError::SlotRegression {
                request_slot: Slot(slot),
                last_slot: Slot(self.slot),
            });
        }
        Ok(())
    }

    /// Applies a client request at `slot`, as `QuotaEngine::submit` does (a retry inside the
    /// window returns the stored outcome without a new lsn).
    ///
    /// # Errors
    /// `slot` is below the last request slot.
    pub fn submit(
        &mut self,
        request: &ClientRequest,
        slot: u64,
    ) -> Result<CommandOutcome, SubmitError> {
        self.check_slot(slot)?;
        let live = self.operations.iter().find(|op| {
            op.request.operation_id == request.operation_id && op.retire_after_slot >= slot
        });
        if let Some(op) = live {
            let same =
                op.request.client_id == request.client_id && op.request.command == request.command;
            return Ok(if same {
                op.outcome
            } else {
                code(ResultCode::OperationConflict)
            });
        }
        self.lsn += 1;
        self.slot = slot;
        self.operations.retain(|op| op.retire_after_slot >= slot);
        if self.operations.len() >= self.config.max_operations as usize {
            return Ok(code(ResultCode::OperationTableFull));
        }
        let Some(retire_after_slot) = slot.checked_add(self.config.max_client_retry_window_slots)
        else {
            return Ok(code(ResultCode::SlotOverflow));
        };
        let outcome = self.execute(request.command, slot);
        self.operations.push(ModelOperation {
            request: *request,
            outcome,
            applied_lsn: self.lsn,
            retire_after_slot,
        });
        Ok(outcome)
    }

    fn execute(&mut self, command: Command, slot: u64) -> CommandOutcome {
        match command {
            Command::CreateBucket {
                bucket_id,
                limit,
                initial_balance,
                refill_rate_per_slot,
            } => {
                if initial_balance > limit {
                    return code(ResultCode::InvalidAmount);
                }
                if self.buckets.iter().any(|b| b.bucket_id == bucket_id) {
                    return code(ResultCode::AlreadyExists);
                }
                if self.buckets.len() >= self.config.max_buckets as usize {
                    return code(ResultCode::BucketTableFull);
                }
                self.buckets.push(BucketRecord {
                    bucket_id,
                    limit,
                    balance: initial_balance,
                    refill_rate_per_slot,
                    last_refill_slot: Slot(slot),
                });
                code(ResultCode::Ok)
            }
            Command::Debit { bucket_id, amount } => {
                if amount == 0 {
                    return code(ResultCode::InvalidAmount);
                }
                let Some(bucket) = self.buckets.iter_mut().find(|b| b.bucket_id == bucket_id)
                else {
                    return code(ResultCode::BucketNotFound);
                };
                let elapsed = slot - bucket.last_refill_slot.get();
                let refill = bucket.refill_rate_per_slot.saturating_mul(elapsed);
                bucket.balance = bucket.balance.saturating_add(refill).min(bucket.limit);
                bucket.last_refill_slot = Slot(slot);
                let result_code = if bucket.balance < amount {
                    ResultCode::InsufficientFunds
                } else {
                    bucket.balance -= amount;
                    ResultCode::Ok
                };
                CommandOutcome {
                    result_code,
                    balance: Some(bucket.balance),
                }
            }
        }
    }

    /// The model's whole state; compare it with [`project`] of the engine's dump.
    #[must_use]
    pub fn projection(&self) -> Projection {
        let mut buckets = self.buckets.clone();
        buckets.sort_by_key(|b| b.bucket_id);
        let mut operations: Vec<OperationRecord> = self
            .operations
            .iter()
            .map(|op| OperationRecord {
                operation_id: op.request.operation_id,
                fingerprint: 0,
                outcome: op.outcome,
                applied_lsn: Lsn(op.applied_lsn),
                retire_after_slot: Slot(op.retire_after_slot),
            })
            .collect();
        operations.sort_by_key(|op| op.operation_id);
        StateDump {
            last_applied_lsn: Lsn(self.lsn),
            last_request_slot: Slot(self.slot),
            buckets,
            operations,
        }
    }
}
