//! The commands of the token-bucket state machine, each with its checks in the spec's order
//! (first failure wins). Every value here came from a client or the WAL, so every check
//! returns a result code; only the machine's own bookkeeping is asserted.

use crate::command::{Command, CommandContext};
use crate::ids::{BucketId, Slot};
use crate::result::{CommandOutcome, ResultCode};
use crate::state_machine::{BucketRecord, StateMachine};

fn refuse(code: ResultCode) -> CommandOutcome {
    CommandOutcome::code(code)
}

/// The balance after refilling `bucket` up to `slot`: `min(limit, balance + rate * elapsed)`
/// with saturating arithmetic, so no value a client chose can overflow.
///
/// # Panics
/// If `slot` is below the bucket's `last_refill_slot` (slots never go back: the invariant
/// `last_refill_slot <= last applied request slot` and the caller's slot check).
#[must_use]
pub fn refilled_balance(bucket: &BucketRecord, slot: Slot) -> u64 {
    let elapsed = slot
        .get()
        .checked_sub(bucket.last_refill_slot.get())
        .expect("refill slot must not be after the request slot");
    let refill = bucket.refill_rate_per_slot.saturating_mul(elapsed);
    bucket.balance.saturating_add(refill).min(bucket.limit)
}

impl StateMachine {
    pub(crate) fn execute(&mut self, ctx: CommandContext, command: &Command) -> CommandOutcome {
        match *command {
            Command::CreateBucket {
                bucket_id,
                limit,
                initial_balance,
                refill_rate_per_slot,
            } => {
                let record = BucketRecord {
                    bucket_id,
                    limit,
                    balance: initial_balance,
                    refill_rate_per_slot,
                    last_refill_slot: ctx.request_slot,
                };
                self.create_bucket(record)
            }
            Command::Debit { bucket_id, amount } => self.debit(ctx, bucket_id, amount),
        }
    }

    fn create_bucket(&mut self, record: BucketRecord) -> CommandOutcome {
        if record.balance > record.limit {
            return refuse(ResultCode::InvalidAmount);
        }
        if self.buckets.contains_key(record.bucket_id) {
            return refuse(ResultCode::AlreadyExists);
        }
        if self.buckets.is_full() {
            return refuse(ResultCode::BucketTableFull);
        }
        self.buckets
            .insert(record.bucket_id, record)
            .expect("bucket table has room");
        CommandOutcome::code(ResultCode::Ok)
    }

    fn debit(&mut self, ctx: CommandContext, bucket_id: BucketId, amount: u64) -> CommandOutcome {
        if amount == 0 {
            return refuse(ResultCode::InvalidAmount);
        }
        let Some(bucket) = self.buckets.get_mut(bucket_id) else {
            return refuse(ResultCode::BucketNotFound);
        };
        bucket.balance = refilled_balance(bucket, ctx.request_slot);
        bucket.last_refill_slot = ctx.request_slot;
        if bucket.balance < amount {
            // The refill persists even though the debit is refused.
            return CommandOutcome::debit(ResultCode::InsufficientFunds, bucket.balance);
        }
        bucket.balance -= amount;
        CommandOutcome::debit(ResultCode::Ok, bucket.balance)
    }
}
