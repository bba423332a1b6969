use super::*;
use crate::command::Command;
use crate::ids::ClientId;
use ResultCode as R;

/// Drives the state machine the way the handle does: every due expiry first, then the
/// command, each at the next lsn; invariants checked after every step.
struct Harness {
    sm: StateMachine,
    lsn: u64,
    slot: u64,
    next_op: u128,
}

impl Harness {
    fn new(config: Config) -> Self {
        Self {
            sm: StateMachine::new(config),
            lsn: 0,
            slot: 0,
            next_op: 1,
        }
    }

    fn ctx(&mut self) -> CommandContext {
        self.lsn += 1;
        CommandContext {
            lsn: Lsn(self.lsn),
            request_slot: Slot(self.slot),
        }
    }

    fn tick(&mut self, slot: u64) -> Vec<CommandOutcome> {
        self.slot = slot;
        let mut outcomes = Vec::new();
        for command in self.sm.due_expirations(Slot(slot), usize::MAX) {
            let ctx = self.ctx();
            outcomes.push(self.sm.apply_internal(ctx, &command));
        }
        self.sm.validate_invariants().unwrap();
        outcomes
    }

    fn request(&mut self, command: Command) -> ClientRequest {
        self.next_op += 1;
        ClientRequest {
            operation_id: OperationId(self.next_op),
            client_id: ClientId(1),
            command,
        }
    }

    fn send(&mut self, request: &ClientRequest) -> CommandOutcome {
        self.tick(self.slot);
        if let Some(outcome) = self.sm.lookup_operation(request, Slot(self.slot)) {
            return outcome;
        }
        let ctx = self.ctx();
        let outcome = self.sm.apply_client(ctx, request);
        self.sm.validate_invariants().unwrap();
        outcome
    }

    fn run(&mut self, command: Command) -> CommandOutcome {
        let request = self.request(command);
        self.send(&request)
    }

    fn code(&mut self, command: Command) -> ResultCode {
        self.run(command).result_code
    }

    fn create(&mut self, ids: &[u128]) {
        for id in ids {
            assert_eq!(self.code(create(*id)), R::Ok);
        }
    }

    /// Reserves `ids` for holder 1 with ttl 5 and returns the lease id.
    fn lease(&mut self, ids: &[u128]) -> LeaseId {
        let outcome = self.run(reserve(ids, 1, 5));
        assert_eq!(outcome.result_code, R::Ok);
        outcome.lease_id.unwrap()
    }
}

fn create(id: u128) -> Command {
    Command::CreateResource {
        resource_id: ResourceId(id),
    }
}

fn reserve(ids: &[u128], holder: u128, ttl: u64) -> Command {
    Command::ReserveBundle {
        resource_ids: ids.iter().copied().map(ResourceId).collect(),
        holder_id: HolderId(holder),
        ttl_slots: ttl,
    }
}

fn activate(lease: LeaseId, holder: u128, epoch: u64) -> Command {
    Command::Activate {
        lease_id: lease,
        holder_id: HolderId(holder),
        lease_epoch: epoch,
    }
}

fn release(lease: LeaseId, holder: u128, epoch: u64) -> Command {
    Command::Release {
        lease_id: lease,
        holder_id: HolderId(holder),
        lease_epoch: epoch,
    }
}

fn revoke(lease: LeaseId) -> Command {
    Command::Revoke { lease_id: lease }
}

fn reclaim(lease: LeaseId) -> Command {
    Command::Reclaim { lease_id: lease }
}

fn small() -> Harness {
    Harness::new(Config::small())
}

#[test]
fn create_resource_codes() {
    let mut config = Config::small();
    config.max_resources = 4;
    let mut h = Harness::new(config);
    h.create(&[1, 2, 3, 4]);
    assert_eq!(
        h.code(create(1)),
        R::AlreadyExists,
        "AlreadyExists is checked before room"
    );
    assert_eq!(h.code(create(5)), R::ResourceTableFull);
    let resource = h.sm.get_resource(ResourceId(1)).unwrap();
    assert_eq!(resource.state, ResourceState::Available);
    assert_eq!((resource.current_lease_id, resource.version), (None, 0));
}

#[test]
fn reserve_success_fills_the_outcome_and_reserves_every_member() {
    let mut h = small();
    h.create(&[1, 2]);
    h.slot = 10;
    let outcome = h.run(reserve(&[2, 1], 7, 3));
    let lease_id = LeaseId::for_lsn(1, Lsn(h.lsn));
    assert_eq!(
        outcome,
        CommandOutcome {
            result_code: R::Ok,
            lease_id: Some(lease_id),
            lease_epoch: Some(1),
            deadline_slot: Some(Slot(13)),
        }
    );
    let lease = h.sm.get_lease(lease_id).unwrap();
    assert_eq!(
        (lease.state, lease.member_count, lease.holder_id),
        (LeaseState::Reserved, 2, HolderId(7))
    );
    assert_eq!(
        h.sm.lease_members(lease_id).unwrap(),
        vec![ResourceId(2), ResourceId(1)]
    );
    for id in [1, 2] {
        let resource = h.sm.get_resource(ResourceId(id)).unwrap();
        assert_eq!(resource.state, ResourceState::Reserved);
        assert_eq!(
            (resource.current_lease_id, resource.version),
            (Some(lease_id), 1)
        );
    }
}

#[test]
fn reserve_validation_codes_in_order() {
    let mut h = small();
    h.create(&[1, 2, 3, 4, 5]);
    let busy = h.lease(&[5]);
    let cases: Vec<(Command, ResultCode)> = vec![
        (reserve(&[], 1, 0), R::InvalidRequest),
        (reserve(&[1, 1, 2, 3, 4, 5], 1, 0), R::InvalidRequest),
        (reserve(&[1, 2, 3, 4, 9], 1, 0), R::BundleTooLarge),
        (reserve(&[1], 1, 0), R::TtlOutOfRange),
        (reserve(&[9], 1, 17), R::TtlOutOfRange),
        (reserve(&[9, 5], 1, 16), R::ResourceNotFound),
        (reserve(&[5, 9], 1, 16), R::ResourceBusy),
        (reserve(&[1, 5], 1, 1), R::ResourceBusy),
    ];
    for (command, code) in cases {
        assert_eq!(h.code(command.clone()), code, "{command:?}");
    }
    assert_eq!(h.sm.get_lease(busy).unwrap().state, LeaseState::Reserved);
    assert_eq!(
        h.sm.get_resource(ResourceId(1)).unwrap().state,
        ResourceState::Available
    );
}

#[test]
fn reserve_deadline_overflow_is_slot_overflow() {
    let mut h = small();
    h.create(&[1]);
    h.slot = u64::MAX - 8;
    assert_eq!(
        h.code(reserve(&[9], 1, 9)),
        R::SlotOverflow,
        "checked before members"
    );
    assert_eq!(h.code(reserve(&[1], 1, 8)), R::Ok);
    assert_eq!(
        h.sm.get_lease(LeaseId::for_lsn(1, Lsn(h.lsn)))
            .unwrap()
            .deadline_slot,
        Slot(u64::MAX)
    );
}

#[test]
fn reserve_room_codes_in_order() {
    let mut config = Config::small();
    config.max_leases = 2;
    config.max_lease_members = 5;
    config.max_expiration_bucket_len = 1;
    let mut h = Harness::new(config);
    h.create(&[1, 2, 3, 4, 5, 6, 7, 8]);
    assert_eq!(h.code(reserve(&[1, 2, 3, 4], 1, 5)), R::Ok);
    assert_eq!(h.code(reserve(&[5], 1, 5)), R::ExpirationIndexFull);
    assert_eq!(h.code(reserve(&[5, 6], 1, 6)), R::LeaseMemberTableFull);
    assert_eq!(h.code(reserve(&[5], 1, 6)), R::Ok);
    assert_eq!(h.code(reserve(&[6], 1, 7)), R::LeaseTableFull);
    assert_eq!(
        h.sm.get_resource(ResourceId(6)).unwrap().state,
        ResourceState::Available
    );
}

#[test]
fn activate_codes() {
    let mut h = small();
    h.create(&[1, 2]);
    let lease = h.lease(&[1, 2]);
    let unknown = LeaseId::for_lsn(1, Lsn(999));
    assert_eq!(h.code(activate(unknown, 1, 1)), R::LeaseNotFound);
    assert_eq!(
        h.code(activate(lease, 2, 9)),
        R::HolderMismatch,
        "holder before epoch"
    );
    assert_eq!(h.code(activate(lease, 1, 2)), R::StaleEpoch);
    assert_eq!(
        h.run(Command::confirm(lease, HolderId(1), 1)),
        CommandOutcome::lease(lease, 1)
    );
    assert_eq!(h.code(activate(lease, 1, 1)), R::InvalidState);
    assert_eq!(h.sm.get_lease(lease).unwrap().state, LeaseState::Active);
    assert_eq!(
        h.sm.get_resource(ResourceId(2)).unwrap().state,
        ResourceState::Active
    );
    assert!(
        h.sm.due_expirations(Slot(u64::MAX), 10).is_empty(),
        "active leases never expire"
    );
}

#[test]
fn release_codes_from_reserved_and_active() {
    let mut h = small();
    h.create(&[1, 2]);
    let reserved = h.lease(&[1]);
    let active = h.lease(&[2]);
    assert_eq!(h.code(activate(active, 1, 1)), R::Ok);
    assert_eq!(h.code(release(reserved, 3, 1)), R::HolderMismatch);
    assert_eq!(h.code(release(reserved, 1, 0)), R::StaleEpoch);
    assert_eq!(
        h.run(release(reserved, 1, 1)),
        CommandOutcome::lease(reserved, 2)
    );
    assert_eq!(
        h.run(release(active, 1, 1)),
        CommandOutcome::lease(active, 2)
    );
    assert_eq!(h.code(release(active, 1, 2)), R::InvalidState);
    assert_eq!(h.code(release(LeaseId(5), 1, 1)), R::LeaseNotFound);
    let record = h.sm.get_lease(active).unwrap();
    assert_eq!(record.state, LeaseState::Released);
    assert_eq!(record.released_lsn, Some(Lsn(h.lsn - 2)));
    assert_eq!(record.retire_after_slot, Some(Slot(4)));
    let resource = h.sm.get_resource(ResourceId(2)).unwrap();
    assert_eq!(
        (resource.state, resource.current_lease_id),
        (ResourceState::Available, None)
    );
    assert_eq!(resource.version, 3);
    assert!(h.sm.due_expirations(Slot(u64::MAX), 10).is_empty());
}

#[test]
fn revoke_and_reclaim_codes() {
    let mut h = small();
    h.create(&[1]);
    let lease = h.lease(&[1]);
    assert_eq!(
        h.code(revoke(lease)),
        R::InvalidState,
        "revoke needs Active"
    );
    assert_eq!(
        h.code(reclaim(lease)),
        R::InvalidState,
        "reclaim needs Revoking"
    );
    assert_eq!(h.code(activate(lease, 1, 1)), R::Ok);
    assert_eq!(h.run(revoke(lease)), CommandOutcome::lease(lease, 2));
    assert_eq!(
        h.sm.get_resource(ResourceId(1)).unwrap().state,
        ResourceState::Revoking
    );
    assert_eq!(
        h.code(reserve(&[1], 2, 3)),
        R::ResourceBusy,
        "revoking is not reusable"
    );
    assert_eq!(
        h.code(release(lease, 1, 1)),
        R::StaleEpoch,
        "the old holder is fenced"
    );
    assert_eq!(h.code(release(lease, 1, 2)), R::InvalidState);
    assert_eq!(h.code(revoke(lease)), R::InvalidState);
    assert_eq!(h.run(reclaim(lease)), CommandOutcome::lease(lease, 2));
    assert_eq!(h.sm.get_lease(lease).unwrap().state, LeaseState::Revoked);
    assert_eq!(h.code(reclaim(lease)), R::InvalidState);
    assert_eq!(h.code(revoke(LeaseId(3))), R::LeaseNotFound);
    assert_eq!(h.code(reclaim(LeaseId(3))), R::LeaseNotFound);
    assert_eq!(h.code(reserve(&[1], 2, 3)), R::Ok);
}

#[test]
fn expire_codes_and_fencing() {
    let mut h = small();
    h.create(&[1, 2]);
    let lease = h.lease(&[1]);
    let deadline = h.sm.get_lease(lease).unwrap().deadline_slot;
    let ctx = h.ctx();
    let wrong = InternalCommand::Expire {
        lease_id: lease,
        deadline_slot: Slot(deadline.get() + 1),
    };
    assert_eq!(h.sm.apply_internal(ctx, &wrong).result_code, R::Noop);
    let ctx = h.ctx();
    let unknown = InternalCommand::Expire {
        lease_id: LeaseId(77),
        deadline_slot: deadline,
    };
    assert_eq!(h.sm.apply_internal(ctx, &unknown).result_code, R::Noop);
    assert_eq!(h.tick(deadline.get() - 1), vec![]);
    assert_eq!(
        h.tick(deadline.get()),
        vec![CommandOutcome::lease(lease, 2)]
    );
    assert_eq!(h.sm.get_lease(lease).unwrap().state, LeaseState::Expired);
    assert_eq!(
        h.sm.get_resource(ResourceId(1)).unwrap().state,
        ResourceState::Available
    );
    assert_eq!(h.code(activate(lease, 1, 1)), R::StaleEpoch);
    assert_eq!(h.code(activate(lease, 1, 2)), R::InvalidState);
    let ctx = h.ctx();
    let again = InternalCommand::Expire {
        lease_id: lease,
        deadline_slot: deadline,
    };
    assert_eq!(
        h.sm.apply_internal(ctx, &again).result_code,
        R::Noop,
        "terminal leases stay"
    );
}

#[test]
fn due_expirations_are_in_deadline_then_id_order() {
    let mut h = small();
    h.create(&[1, 2, 3, 4]);
    let late = h.run(reserve(&[1], 1, 9)).lease_id.unwrap();
    let early_a = h.run(reserve(&[2], 1, 4)).lease_id.unwrap();
    let early_b = h.run(reserve(&[3], 1, 4)).lease_id.unwrap();
    h.slot = 2;
    let mid = h.run(reserve(&[4], 1, 3)).lease_id.unwrap();
    let due: Vec<LeaseId> =
        h.sm.due_expirations(Slot(100), usize::MAX)
            .iter()
            .map(|InternalCommand::Expire { lease_id, .. }| *lease_id)
            .collect();
    assert_eq!(due, vec![early_a, early_b, mid, late]);
    assert_eq!(h.sm.due_expirations(Slot(4), 2).len(), 2);
    assert_eq!(h.sm.due_expirations(Slot(4), 10).len(), 2);
    assert_eq!(h.sm.due_expirations(Slot(5), 10).len(), 3);
    assert!(h.sm.due_expirations(Slot(3), 10).is_empty());
    assert!(h.sm.due_expirations(Slot(100), 0).is_empty());
    assert_eq!(h.tick(5).len(), 3);
    assert_eq!(h.tick(1_000).len(), 1);
}

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

use crate::state_machine_invariants::InvariantError;
