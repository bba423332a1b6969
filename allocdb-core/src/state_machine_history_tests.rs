//! Retirement, dedupe, dumps, allocations and invariant reporting.

use super::*;
use crate::state_machine_invariants::InvariantError;

#[test]
fn lease_history_retires_after_its_window() {
    let mut h = small();
    h.create(&[1, 2]);
    let old = h.lease(&[1]);
    let newer = h.lease(&[2]);
    h.slot = 3;
    assert_eq!(h.code(release(newer, 1, 1)), R::Ok);
    let retire_after = h.sm.get_lease(newer).unwrap().retire_after_slot.unwrap();
    assert_eq!(retire_after, Slot(3 + 4));
    h.slot = 7;
    assert_eq!(h.code(create(10)), R::Ok);
    assert!(
        h.sm.get_lease(newer).is_ok(),
        "readable through retire_after_slot"
    );
    h.slot = 8;
    assert_eq!(h.code(create(11)), R::Ok);
    assert_eq!(h.sm.get_lease(newer), Err(LeaseLookupError::LeaseRetired));
    assert_eq!(h.sm.retired_lease_watermark(), Some(newer));
    assert_eq!(
        h.sm.lease_members(newer),
        Err(LeaseLookupError::LeaseRetired)
    );
    assert_eq!(h.code(release(newer, 1, 2)), R::LeaseRetired);
    assert_eq!(h.code(activate(newer, 1, 2)), R::LeaseRetired);
    assert_eq!(h.code(revoke(newer)), R::LeaseRetired);
    assert_eq!(h.code(reclaim(newer)), R::LeaseRetired);
    assert_eq!(
        h.code(activate(old, 1, 1)),
        R::StaleEpoch,
        "old expired at slot 5"
    );
    assert_eq!(
        h.code(revoke(LeaseId(newer.get() + 1_000))),
        R::LeaseNotFound
    );
    assert_eq!(h.table_lens_members(), 1);
}

impl Harness {
    fn table_lens_members(&self) -> usize {
        self.sm.table_lens()[2]
    }
}

#[test]
fn history_window_saturates_at_the_end_of_time() {
    let mut h = small();
    h.create(&[1]);
    h.slot = u64::MAX - 9;
    let lease = h.run(reserve(&[1], 1, 5)).lease_id.unwrap();
    assert_eq!(
        h.tick(u64::MAX - 1).len(),
        1,
        "an expiry near the end of time is never refused"
    );
    let record = h.sm.get_lease(lease).unwrap();
    assert_eq!(record.state, LeaseState::Expired);
    assert_eq!(record.retire_after_slot, Some(Slot(u64::MAX)));
}

#[test]
fn operations_dedupe_conflict_and_retire() {
    let mut h = small();
    let request = h.request(create(1));
    assert_eq!(h.send(&request).result_code, R::Ok);
    assert_eq!(
        h.send(&request).result_code,
        R::Ok,
        "stored outcome, not AlreadyExists"
    );
    let lsn = h.lsn;
    let mut other = request.clone();
    other.command = create(2);
    assert_eq!(h.send(&other).result_code, R::OperationConflict);
    let mut other_client = request.clone();
    other_client.client_id = ClientId(2);
    assert_eq!(h.send(&other_client).result_code, R::OperationConflict);
    assert_eq!(h.lsn, lsn, "duplicates and conflicts apply nothing");
    let stored = h.sm.get_operation(request.operation_id).unwrap();
    assert_eq!(
        (stored.applied_lsn, stored.retire_after_slot),
        (Lsn(1), Slot(8))
    );
    h.slot = 8;
    assert_eq!(
        h.send(&request).result_code,
        R::Ok,
        "still inside the window"
    );
    h.slot = 9;
    assert_eq!(
        h.send(&request).result_code,
        R::AlreadyExists,
        "retired: applied again"
    );
    assert_eq!(
        h.sm.get_operation(request.operation_id)
            .unwrap()
            .applied_lsn,
        Lsn(h.lsn)
    );
}

#[test]
fn apply_without_the_handle_still_answers_duplicates() {
    let mut h = small();
    let request = h.request(create(1));
    let ctx = h.ctx();
    assert_eq!(h.sm.apply_client(ctx, &request).result_code, R::Ok);
    let ctx = h.ctx();
    assert_eq!(h.sm.apply_client(ctx, &request).result_code, R::Ok);
    let mut conflicting = request.clone();
    conflicting.command = create(2);
    let ctx = h.ctx();
    assert_eq!(
        h.sm.apply_client(ctx, &conflicting).result_code,
        R::OperationConflict
    );
    assert_eq!(h.sm.table_lens()[0], 1);
}

#[test]
fn full_operation_table_and_retry_window_overflow_are_not_stored() {
    let mut config = Config::small();
    config.max_operations = 2;
    let mut h = Harness::new(config);
    h.create(&[1, 2]);
    let request = h.request(create(3));
    assert_eq!(h.send(&request).result_code, R::OperationTableFull);
    assert_eq!(
        h.sm.get_resource(ResourceId(3)),
        None,
        "nothing was executed"
    );
    assert_eq!(h.sm.get_operation(request.operation_id), None);
    h.slot = 9;
    assert_eq!(h.send(&request).result_code, R::Ok, "room after retirement");
    h.slot = u64::MAX - 7;
    let overflow = h.request(create(4));
    assert_eq!(h.send(&overflow).result_code, R::SlotOverflow);
    assert_eq!(h.sm.get_operation(overflow.operation_id), None);
    assert_eq!(h.sm.get_resource(ResourceId(4)), None);
}

#[test]
fn dump_is_sorted_and_complete() {
    let mut h = small();
    h.create(&[9, 3, 5]);
    let lease = h.lease(&[5, 3]);
    let dump = h.sm.dump();
    let ids: Vec<u128> = dump.resources.iter().map(|r| r.resource_id.get()).collect();
    assert_eq!(ids, vec![3, 5, 9]);
    assert_eq!(dump.leases.len(), 1);
    assert_eq!(dump.leases[0].record.lease_id, lease);
    assert_eq!(dump.leases[0].members, vec![ResourceId(5), ResourceId(3)]);
    assert_eq!(dump.operations.len(), 4);
    assert!(
        dump.operations
            .windows(2)
            .all(|w| w[0].operation_id < w[1].operation_id)
    );
    assert_eq!(dump.last_applied_lsn, Lsn(4));
    assert_eq!(h.sm.last_applied_lsn(), Lsn(4));
    assert_eq!(h.sm.last_request_slot(), Slot(0));
}

#[test]
fn allocations_never_grow_over_a_long_run() {
    let mut h = small();
    let before = h.sm.allocations();
    h.create(&[1, 2, 3]);
    for round in 0..600_u64 {
        h.slot = round;
        let lease = h.run(reserve(&[1 + u128::from(round % 3)], 1, 2)).lease_id;
        if let Some(lease) = lease
            && round % 2 == 0
        {
            h.code(activate(lease, 1, 1));
            h.code(release(lease, 1, 1));
        }
    }
    assert_eq!(h.sm.allocations(), before);
    assert!(h.sm.retired_lease_watermark().is_some());
}

#[test]
fn invariant_errors_describe_themselves() {
    let errors = [
        InvariantError::Table {
            table: "lease",
            detail: "x".into(),
        },
        InvariantError::ResourceLeaseMismatch {
            resource_id: ResourceId(1),
        },
        InvariantError::LiveMemberNotOwned {
            lease_id: LeaseId(1),
            resource_id: ResourceId(1),
        },
        InvariantError::UnknownMember {
            lease_id: LeaseId(1),
            resource_id: ResourceId(1),
        },
        InvariantError::MemberCount {
            lease_id: LeaseId(1),
        },
        InvariantError::MemberPoolUsage { used: 1, listed: 2 },
        InvariantError::OwnedResources {
            owned: 1,
            live_members: 2,
        },
        InvariantError::TerminalFields {
            lease_id: LeaseId(1),
        },
        InvariantError::LeaseIdentity {
            lease_id: LeaseId(1),
        },
        InvariantError::ReservedNotIndexed {
            lease_id: LeaseId(1),
        },
        InvariantError::StrayIndexEntry {
            lease_id: LeaseId(1),
        },
        InvariantError::RepeatedMember {
            lease_id: LeaseId(1),
            resource_id: ResourceId(1),
        },
        InvariantError::DeadlineBeyondTtl {
            lease_id: LeaseId(1),
        },
        InvariantError::Watermark {
            watermark: LeaseId(1),
        },
        InvariantError::OperationRecord {
            operation_id: OperationId(1),
        },
        InvariantError::OperationQueue,
        InvariantError::LeaseQueue,
    ];
    for error in errors {
        assert!(!error.to_string().is_empty());
    }
    assert_eq!(LeaseLookupError::LeaseRetired.to_string(), "LeaseRetired");
}

#[test]
fn broken_state_is_reported_not_accepted() {
    let mut h = small();
    h.create(&[1]);
    let lease = h.lease(&[1]);
    let mut broken = h.sm.clone();
    broken
        .resources
        .get_mut(ResourceId(1))
        .unwrap()
        .current_lease_id = None;
    assert_eq!(
        broken.validate_invariants(),
        Err(InvariantError::ResourceLeaseMismatch {
            resource_id: ResourceId(1)
        })
    );
    let mut broken = h.sm.clone();
    broken.leases.get_mut(lease).unwrap().record.released_lsn = Some(Lsn(1));
    assert_eq!(
        broken.validate_invariants(),
        Err(InvariantError::TerminalFields { lease_id: lease })
    );
    let mut broken = h.sm.clone();
    broken.expiry.remove(Slot(5), lease);
    assert_eq!(
        broken.validate_invariants(),
        Err(InvariantError::ReservedNotIndexed { lease_id: lease })
    );
}

#[test]
fn leases_left_unexpired_by_a_direct_user_are_still_found() {
    let mut h = small();
    h.create(&[1, 2]);
    let first = h.run(reserve(&[1], 1, 2)).lease_id.unwrap();
    let second = h.run(reserve(&[2], 1, 3)).lease_id.unwrap();
    // Apply a command far in the future without expiring first (the handle never does this).
    h.slot = 10_000;
    let request = h.request(create(9));
    let ctx = h.ctx();
    assert_eq!(h.sm.apply_client(ctx, &request).result_code, R::Ok);
    h.sm.validate_invariants().unwrap();
    let due = h.sm.due_expirations(Slot(10_000), 10);
    assert_eq!(
        due,
        vec![
            InternalCommand::Expire {
                lease_id: first,
                deadline_slot: Slot(2)
            },
            InternalCommand::Expire {
                lease_id: second,
                deadline_slot: Slot(3)
            },
        ]
    );
    assert_eq!(h.tick(10_000).len(), 2);
    assert!(h.sm.due_expirations(Slot(u64::MAX), 10).is_empty());
}
