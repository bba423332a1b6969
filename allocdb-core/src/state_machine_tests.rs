use super::*;
use crate::command::Command;
use crate::ids::{ClientId, HolderId};
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

#[path = "state_machine_history_tests.rs"]
mod history;

#[test]
fn a_bundle_as_large_as_the_payload_allows_is_checked_in_near_linear_time() {
    // A valid config may allow a 1 MiB payload: 65,532 members. A quadratic repeat check
    // would stall the single writer for seconds on one request, and again on every replay.
    let mut config = Config::small();
    config.max_wal_payload_bytes = 1 << 20;
    let mut h = Harness::new(config);
    let members = ((1 << 20) - 33 - 29) / 16;
    let mut ids: Vec<u128> = (1..=members).collect();
    let started = std::time::Instant::now();
    assert_eq!(h.code(reserve(&ids, 1, 1)), R::BundleTooLarge);
    ids.push(1);
    assert_eq!(h.code(reserve(&ids, 1, 1)), R::InvalidRequest);
    let elapsed = started.elapsed();
    assert!(elapsed.as_secs() < 2, "two large bundles took {elapsed:?}");
}
