//! The simulator's workload for allocdb-core (a child of `sim.rs`): every call drawn from the
//! seed and the model, so that a rerun of a seed draws the same calls.
//!
//! Requests are mostly fresh (an operation id from a range wide enough to rarely collide),
//! sometimes an exact retry of a request the operation table still holds (its stored outcome,
//! no frame), sometimes a conflict (a held operation id with another command). Commands aim at
//! resources from a range wider than the table (`AlreadyExists`, `ResourceTableFull`,
//! `ResourceNotFound`) and at leases the model holds, with the right holder and epoch mostly
//! and a wrong one sometimes; lease ids are also drawn below the next lsn (`LeaseRetired`,
//! `LeaseNotFound`). Bundles are mostly valid, sometimes empty, repeated, one too large
//! (`BundleTooLarge`) or two too large (`CommandTooLarge`); ttls sometimes out of range.

use runtime::testkit::sim::SimRng;

use super::Call;
use crate::model::Model;
use crate::{
    ClientId, ClientRequest, Command, Config, HolderId, InternalCommand, LeaseId, OperationId,
    ResourceId, Slot,
};

/// Resource ids are drawn below this: two more than the table holds.
const RESOURCE_IDS: u64 = 8;
/// Fresh operation ids are drawn up to this.
const OPERATION_IDS: u64 = 1 << 20;

/// The next call: submits, batches, ticks, internal commands and checkpoints.
pub(super) fn next_call(config: &Config, model: &Model, rng: &mut SimRng) -> Call {
    match rng.below(100) {
        0..=49 => Call::Submit(request(config, model, rng), slot(model, rng)),
        50..=64 => {
            let max = u64::from(config.max_batch_commands);
            // One batch in twenty is one request too many: BatchTooLarge.
            let len = if rng.chance(50) {
                max + 1
            } else {
                rng.between(1, max)
            };
            let requests = (0..len).map(|_| request(config, model, rng)).collect();
            Call::Batch(requests, slot(model, rng))
        }
        65..=76 => Call::Tick(slot(model, rng)),
        77..=82 => Call::Internal(expire(config, model, rng), slot(model, rng)),
        83..=86 => Call::InternalUntimed(expire(config, model, rng), slot(model, rng)),
        _ => Call::Checkpoint,
    }
}

/// The slot of the next call: mostly the model's or one after it, sometimes a few after, and
/// one time in twenty one below (a regression the engine must refuse).
fn slot(model: &Model, rng: &mut SimRng) -> u64 {
    let last = model.slot().get();
    match rng.below(100) {
        0..=4 if last > 0 => last - 1,
        0..=49 => last,
        50..=89 => last + 1,
        _ => last + rng.between(2, 5),
    }
}

/// A fresh request, an exact retry of a held one, or a conflict under a held operation id.
fn request(config: &Config, model: &Model, rng: &mut SimRng) -> ClientRequest {
    let held: Vec<&ClientRequest> = model.requests().collect();
    let roll = rng.below(100);
    if !held.is_empty() && roll < 20 {
        let index = usize::try_from(rng.below(held.len() as u64)).expect("a small table");
        let mut request = held[index].clone();
        if roll >= 14 {
            // A conflict: the same operation id, another command or another client.
            if rng.chance(500) {
                request.client_id = ClientId(request.client_id.get() % 2 + 1);
            } else {
                request.command = command(config, model, rng);
            }
        }
        return request;
    }
    ClientRequest {
        operation_id: OperationId(u128::from(rng.between(1, OPERATION_IDS))),
        client_id: ClientId(u128::from(rng.between(1, 2))),
        command: command(config, model, rng),
    }
}

fn resource(rng: &mut SimRng) -> ResourceId {
    ResourceId(u128::from(rng.below(RESOURCE_IDS)))
}

fn command(config: &Config, model: &Model, rng: &mut SimRng) -> Command {
    match rng.below(100) {
        0..=19 => Command::CreateResource {
            resource_id: resource(rng),
        },
        20..=49 => reserve(config, rng),
        50..=79 => {
            let (lease_id, holder_id, lease_epoch) = holder_view(config, model, rng);
            if rng.chance(500) {
                Command::Activate {
                    lease_id,
                    holder_id,
                    lease_epoch,
                }
            } else {
                Command::Release {
                    lease_id,
                    holder_id,
                    lease_epoch,
                }
            }
        }
        80..=89 => Command::Revoke {
            lease_id: lease(config, model, rng),
        },
        _ => Command::Reclaim {
            lease_id: lease(config, model, rng),
        },
    }
}

/// A bundle: mostly one or two distinct resources, sometimes empty, repeated, one member too
/// many or two (above the payload bound); a ttl mostly in range, sometimes 0 or one too long.
fn reserve(config: &Config, rng: &mut SimRng) -> Command {
    let max = u64::from(config.max_bundle_size);
    let members = match rng.below(100) {
        0..=84 => {
            let first = resource(rng);
            let second = resource(rng);
            if rng.chance(500) || first == second {
                vec![first]
            } else {
                vec![first, second]
            }
        }
        85..=88 => Vec::new(),
        89..=92 => {
            let repeated = resource(rng);
            vec![repeated, repeated]
        }
        93..=96 => (0..=max).map(|id| ResourceId(u128::from(id))).collect(),
        _ => (0..max + 2).map(|id| ResourceId(u128::from(id))).collect(),
    };
    let ttl_slots = if rng.chance(900) {
        rng.between(1, config.max_ttl_slots)
    } else if rng.chance(500) {
        0
    } else {
        config.max_ttl_slots + 1
    };
    Command::ReserveBundle {
        resource_ids: members,
        holder_id: HolderId(u128::from(rng.between(1, 2))),
        ttl_slots,
    }
}

/// A lease id: mostly one the model holds; otherwise any id this shard has or could have
/// made (below the next lsn: retired, never made, or held).
fn lease(config: &Config, model: &Model, rng: &mut SimRng) -> LeaseId {
    let leases = model.leases();
    if !leases.is_empty() && rng.chance(800) {
        let index = usize::try_from(rng.below(leases.len() as u64)).expect("a small table");
        return leases[index].record.lease_id;
    }
    let lsn = rng.below(model.lsn().get() + 2);
    LeaseId((u128::from(config.shard_id) << 64) | u128::from(lsn))
}

/// A lease with its holder and epoch as the model has them, mostly; one time in six each, the
/// other holder or a stale (or future) epoch.
fn holder_view(config: &Config, model: &Model, rng: &mut SimRng) -> (LeaseId, HolderId, u64) {
    let lease_id = lease(config, model, rng);
    let record = model
        .leases()
        .iter()
        .find(|l| l.record.lease_id == lease_id)
        .map(|l| l.record);
    let (mut holder, mut epoch) = record.map_or((1, 1), |r| (r.holder_id.get(), r.lease_epoch));
    if rng.chance(166) {
        holder = holder % 2 + 1;
    }
    if rng.chance(166) {
        epoch = if rng.chance(500) {
            epoch + 1
        } else {
            epoch.saturating_sub(1)
        };
    }
    (lease_id, HolderId(holder), epoch)
}

/// An `Expire` of a lease (mostly one the model holds) at its deadline, or one slot off (a
/// `Noop`).
fn expire(config: &Config, model: &Model, rng: &mut SimRng) -> InternalCommand {
    let lease_id = lease(config, model, rng);
    let deadline = model
        .leases()
        .iter()
        .find(|l| l.record.lease_id == lease_id)
        .map_or(0, |l| l.record.deadline_slot.get());
    let deadline_slot = Slot(deadline + u64::from(rng.chance(200)));
    InternalCommand::Expire {
        lease_id,
        deadline_slot,
    }
}
