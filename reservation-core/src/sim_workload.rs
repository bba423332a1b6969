//! The simulator's seeded workload for reservation-core (cargo feature `sim`): which call
//! comes next, drawn from the run's generator and the model at the last acknowledged call.
//!
//! Ids come from small ranges, one above each table's capacity (4 pool ids for 3 pools, 8 hold
//! ids for 4 holds, 12 operation ids for 8 operations), so tables fill and refuse. A request is
//! mostly derived from its operation id and the model's slot window, so an id drawn again in
//! the same window is an exact retry; sometimes it is drawn afresh (a conflict, or a new
//! request once the id has retired). Slots mostly stay or advance a little, so holds expire
//! and retire; sometimes they regress (refused), and rarely they jump to the end of time,
//! where deadlines and retry windows overflow.

use runtime::testkit::sim::SimRng;

use super::{Call, ReservationSim};
use crate::model::Model;
use crate::{ClientId, ClientRequest, Command, HoldId, OperationId, PoolId};

/// Operation ids `1..=OPERATION_IDS`.
const OPERATION_IDS: u64 = 12;
/// Pool ids `1..=POOL_IDS`.
const POOL_IDS: u64 = 4;
/// Hold ids `1..=HOLD_IDS`.
const HOLD_IDS: u64 = 8;
/// Slots per window of derived requests: retries within it repeat the same request.
const WINDOW_SLOTS: u64 = 16;
/// One call in this many jumps to the end of time.
const END_OF_TIME_ONE_IN: u64 = 1500;

fn hold_id(rng: &mut SimRng) -> HoldId {
    HoldId(u128::from(rng.between(1, HOLD_IDS)))
}

/// A quantity: zero one time in twelve (`InvalidAmount`), often more than a pool has left.
fn quantity(rng: &mut SimRng) -> u64 {
    match rng.below(12) {
        0 => 0,
        1..=9 => rng.between(1, 4),
        _ => rng.between(5, 30),
    }
}

/// A ttl: often one shared value (so that deadlines coincide and the expiry index fills),
/// sometimes zero or above `max_ttl_slots` (`TtlOutOfRange`).
fn ttl_slots(rng: &mut SimRng, max_ttl_slots: u64) -> u64 {
    match rng.below(16) {
        0 => 0,
        1 => max_ttl_slots + 1,
        2..=7 => 3.min(max_ttl_slots),
        _ => rng.between(1, max_ttl_slots),
    }
}

fn command(rng: &mut SimRng, max_ttl_slots: u64) -> Command {
    let hold_id = hold_id(rng);
    // Holds mostly go to the first pools, which get created first; the last id only fits the
    // table when an earlier one never came.
    let pool = if rng.chance(125) {
        POOL_IDS
    } else {
        rng.between(1, POOL_IDS - 1)
    };
    let pool_id = PoolId(u128::from(pool));
    match rng.below(20) {
        0..=2 => Command::CreatePool {
            pool_id: PoolId(u128::from(rng.between(1, POOL_IDS))),
            total_capacity: if rng.chance(100) {
                rng.below(3)
            } else {
                rng.between(16, 64)
            },
        },
        3..=11 => Command::PlaceHold {
            hold_id,
            pool_id,
            quantity: quantity(rng),
            ttl_slots: ttl_slots(rng, max_ttl_slots),
        },
        12..=15 => Command::ConfirmHold { hold_id },
        _ => Command::ReleaseHold { hold_id },
    }
}

impl ReservationSim {
    /// The request an operation id stands for in the model's slot window; one in ten is
    /// drawn afresh instead.
    fn request(&self, model: &Model, rng: &mut SimRng) -> ClientRequest {
        let id = rng.between(1, OPERATION_IDS);
        let window = model.slot() / WINDOW_SLOTS;
        let mut derived = SimRng::new(id ^ window.wrapping_mul(0x100));
        let source = if rng.chance(100) { rng } else { &mut derived };
        ClientRequest {
            operation_id: OperationId(u128::from(id)),
            client_id: ClientId(u128::from(source.between(1, 2))),
            command: command(source, self.config.max_ttl_slots),
        }
    }

    /// The slot of the next call: mostly the model's or a little after it, sometimes one
    /// below (`SlotRegression`), rarely near `u64::MAX` (`SlotOverflow`).
    fn slot(model: &Model, rng: &mut SimRng) -> u64 {
        let last = model.slot();
        if last > 0 && rng.chance(30) {
            return last - 1;
        }
        if rng.below(END_OF_TIME_ONE_IN) == 0 {
            return last.max(u64::MAX - rng.below(24));
        }
        let step = match rng.below(10) {
            0..=5 => 0,
            6..=8 => 1,
            _ => rng.between(2, 5),
        };
        last.saturating_add(step)
    }

    /// The next call (see [`runtime::testkit::sim::SimSubject::next_call`]).
    pub(super) fn draw_call(&self, model: &Model, rng: &mut SimRng) -> Call {
        match rng.below(100) {
            0..=49 => Call::Submit(self.request(model, rng), Self::slot(model, rng)),
            50..=64 => {
                let max = u64::from(self.config.max_batch_commands);
                // One batch in twenty is one request too many: BatchTooLarge.
                let len = if rng.chance(50) {
                    max + 1
                } else {
                    rng.below(max + 1)
                };
                let requests = (0..len).map(|_| self.request(model, rng)).collect();
                Call::Batch(requests, Self::slot(model, rng))
            }
            65..=71 => Call::Internal(hold_id(rng), Self::slot(model, rng)),
            72..=74 => Call::Untimed(hold_id(rng), Self::slot(model, rng)),
            75..=89 => Call::Tick(Self::slot(model, rng)),
            _ => Call::Checkpoint,
        }
    }
}
