//! The reference model of allocdb-core (cargo feature `model`; never in the production
//! build): the spec's semantics written as plainly as possible, with vectors and linear scans.
//! It shares types with the engine, never logic (requests are compared whole instead of by
//! fingerprint). The model tests (`tests/model.rs`) and the simulator drive it beside the
//! engine: [`Model::submit`], [`Model::submit_internal`] and [`Model::tick`] return the
//! outcomes the engine must return, and [`Model::projection`] must equal [`project`] of the
//! engine's `StateDump` after every step. The lease commands are in `model_leases.rs`.

use crate::{
    ClientRequest, Command, CommandOutcome, Config, InternalCommand, LeaseDump, LeaseId,
    LeaseRecord, LeaseState, Lsn, OperationId, ResourceId, ResourceRecord, ResourceState,
    ResultCode, Slot, StateDump,
};

#[path = "model_leases.rs"]
mod leases;

type Code = ResultCode;

/// A stored operation: the request itself stands in for the engine's fingerprint.
#[derive(Clone, Debug)]
struct StoredOp {
    request: ClientRequest,
    outcome: CommandOutcome,
    applied_lsn: u64,
    retire_after: u64,
}

/// What both sides are compared on (the fingerprint is the engine's business).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Projection {
    lsn: Lsn,
    slot: Slot,
    watermark: Option<LeaseId>,
    resources: Vec<ResourceRecord>,
    leases: Vec<LeaseDump>,
    ops: Vec<(OperationId, CommandOutcome, Lsn, Slot)>,
}

/// The engine's dump as the model sees it: everything but the operations' fingerprints.
#[must_use]
pub fn project(dump: &StateDump) -> Projection {
    Projection {
        lsn: dump.last_applied_lsn,
        slot: dump.last_request_slot,
        watermark: dump.retired_lease_watermark,
        resources: dump.resources.clone(),
        leases: dump.leases.clone(),
        ops: dump
            .operations
            .iter()
            .map(|op| {
                (
                    op.operation_id,
                    op.outcome,
                    op.applied_lsn,
                    op.retire_after_slot,
                )
            })
            .collect(),
    }
}

/// The reference model: plain vectors, one per table of the engine.
#[derive(Clone, Debug)]
pub struct Model {
    config: Config,
    lsn: u64,
    slot: u64,
    watermark: Option<LeaseId>,
    resources: Vec<ResourceRecord>,
    leases: Vec<LeaseDump>,
    ops: Vec<StoredOp>,
}

fn code(code: Code) -> CommandOutcome {
    CommandOutcome {
        result_code: code,
        lease_id: None,
        lease_epoch: None,
        deadline_slot: None,
    }
}

fn ok_lease(lease: &LeaseRecord) -> CommandOutcome {
    CommandOutcome {
        result_code: Code::Ok,
        lease_id: Some(lease.lease_id),
        lease_epoch: Some(lease.lease_epoch),
        deadline_slot: None,
    }
}

impl Model {
    /// An empty model: no resources, leases or operations, slot 0, lsn 0.
    #[must_use]
    pub fn new(config: Config) -> Self {
        Self {
            config,
            lsn: 0,
            slot: 0,
            watermark: None,
            resources: Vec::new(),
            leases: Vec::new(),
            ops: Vec::new(),
        }
    }

    /// The epoch of a live lease, if the model holds it.
    #[must_use]
    pub fn epoch_of(&self, lease_id: LeaseId) -> Option<u64> {
        self.leases
            .iter()
            .find(|l| l.record.lease_id == lease_id)
            .map(|l| l.record.lease_epoch)
    }

    /// The deadline slot of a live lease, if the model holds it.
    #[must_use]
    pub fn deadline_of(&self, lease_id: LeaseId) -> Option<u64> {
        let lease = self.leases.iter().find(|l| l.record.lease_id == lease_id)?;
        Some(lease.record.deadline_slot.get())
    }

    /// What a request at `slot` gets without a new frame: the stored outcome of an exact retry
    /// inside its operation's window, `OperationConflict` for another request under that
    /// operation id, `None` for a request to execute.
    #[must_use]
    pub fn lookup(&self, request: &ClientRequest, slot: Slot) -> Option<CommandOutcome> {
        let op = self.ops.iter().find(|op| {
            op.request.operation_id == request.operation_id && op.retire_after >= slot.get()
        })?;
        let same =
            op.request.client_id == request.client_id && op.request.command == request.command;
        Some(if same {
            op.outcome
        } else {
            code(Code::OperationConflict)
        })
    }

    /// The lsn of the last frame applied.
    #[must_use]
    pub fn lsn(&self) -> Lsn {
        Lsn(self.lsn)
    }

    /// The slot of the last frame applied.
    #[must_use]
    pub fn slot(&self) -> Slot {
        Slot(self.slot)
    }

    /// The leases in the table (live, or terminal and not yet retired), oldest first.
    #[must_use]
    pub fn leases(&self) -> &[LeaseDump] {
        &self.leases
    }

    /// The requests in the operation table, oldest first (a workload repeats them as retries).
    pub fn requests(&self) -> impl Iterator<Item = &ClientRequest> {
        self.ops.iter().map(|op| &op.request)
    }

    /// The model's whole state; compare it with [`project`] of the engine's dump.
    #[must_use]
    pub fn projection(&self) -> Projection {
        let mut resources = self.resources.clone();
        resources.sort_by_key(|r| r.resource_id);
        let mut leases = self.leases.clone();
        leases.sort_by_key(|l| l.record.lease_id);
        let mut ops: Vec<_> = self
            .ops
            .iter()
            .map(|op| {
                (
                    op.request.operation_id,
                    op.outcome,
                    Lsn(op.applied_lsn),
                    Slot(op.retire_after),
                )
            })
            .collect();
        ops.sort_by_key(|op| op.0);
        Projection {
            lsn: Lsn(self.lsn),
            slot: Slot(self.slot),
            watermark: self.watermark,
            resources,
            leases,
            ops,
        }
    }

    /// Starts a frame at `slot`: next lsn, then retire everything whose window passed.
    fn begin(&mut self, slot: u64) {
        self.lsn += 1;
        self.slot = slot;
        self.ops.retain(|op| op.retire_after >= slot);
        let retired: Vec<LeaseId> = self
            .leases
            .iter()
            .filter(|l| {
                l.record
                    .retire_after_slot
                    .is_some_and(|after| after.get() < slot)
            })
            .map(|l| l.record.lease_id)
            .collect();
        self.leases
            .retain(|l| !retired.contains(&l.record.lease_id));
        for id in retired {
            self.watermark = Some(self.watermark.map_or(id, |mark| mark.max(id)));
        }
    }

    /// A tick at `slot`: expires every reserved lease due by then, oldest deadline first, one
    /// frame each, and returns their outcomes.
    pub fn tick(&mut self, slot: Slot) -> Vec<CommandOutcome> {
        let mut outcomes = Vec::new();
        while let Some(outcome) = self.tick_one(slot) {
            outcomes.push(outcome);
        }
        outcomes
    }

    /// One frame of a tick at `slot`: expires the reserved lease due first (oldest deadline,
    /// then lowest id) and returns its outcome; `None` when nothing is due. The simulator
    /// steps a tick with it, since a crash may keep any whole-frame prefix of a tick's write.
    pub fn tick_one(&mut self, slot: Slot) -> Option<CommandOutcome> {
        let (deadline, lease_id) = self
            .leases
            .iter()
            .filter(|l| l.record.state == LeaseState::Reserved && l.record.deadline_slot <= slot)
            .map(|l| (l.record.deadline_slot, l.record.lease_id))
            .min()?;
        self.begin(slot.get());
        Some(self.expire(lease_id, deadline))
    }

    /// An internal command at `slot`: the tick first, then the command in a frame of its own;
    /// returns the tick's outcomes and the command's.
    pub fn submit_internal(
        &mut self,
        command: InternalCommand,
        slot: Slot,
    ) -> (Vec<CommandOutcome>, CommandOutcome) {
        let ticked = self.tick(slot);
        (ticked, self.submit_internal_untimed(command, slot))
    }

    /// An internal command at `slot` without the tick (the engine's test seam
    /// `submit_internal_untimed`): exactly one frame, even when other expiries are due.
    pub fn submit_internal_untimed(
        &mut self,
        command: InternalCommand,
        slot: Slot,
    ) -> CommandOutcome {
        self.begin(slot.get());
        let InternalCommand::Expire {
            lease_id,
            deadline_slot,
        } = command;
        self.expire(lease_id, deadline_slot)
    }

    /// A client request at `slot`: the tick first, then the request (a retry inside the
    /// window returns the stored outcome without a new frame).
    pub fn submit(&mut self, request: &ClientRequest, slot: Slot) -> CommandOutcome {
        self.tick(slot);
        if let Some(outcome) = self.lookup(request, slot) {
            return outcome;
        }
        let slot = slot.get();
        self.begin(slot);
        if self.ops.len() >= self.config.max_operations as usize {
            return code(Code::OperationTableFull);
        }
        let Some(retire_after) = slot.checked_add(self.config.max_client_retry_window_slots) else {
            return code(Code::SlotOverflow);
        };
        let outcome = self.execute(&request.command);
        self.ops.push(StoredOp {
            request: request.clone(),
            outcome,
            applied_lsn: self.lsn,
            retire_after,
        });
        outcome
    }

    fn execute(&mut self, command: &Command) -> CommandOutcome {
        match command {
            Command::CreateResource { resource_id } => self.create(*resource_id),
            Command::ReserveBundle {
                resource_ids,
                holder_id,
                ttl_slots,
            } => self.reserve(resource_ids, *holder_id, *ttl_slots),
            Command::Activate {
                lease_id,
                holder_id,
                lease_epoch,
            } => self.holder_command(*lease_id, *holder_id, *lease_epoch, true),
            Command::Release {
                lease_id,
                holder_id,
                lease_epoch,
            } => self.holder_command(*lease_id, *holder_id, *lease_epoch, false),
            Command::Revoke { lease_id } => self.revoke(*lease_id),
            Command::Reclaim { lease_id } => self.reclaim(*lease_id),
        }
    }

    fn create(&mut self, resource_id: ResourceId) -> CommandOutcome {
        if self.resources.iter().any(|r| r.resource_id == resource_id) {
            return code(Code::AlreadyExists);
        }
        if self.resources.len() >= self.config.max_resources as usize {
            return code(Code::ResourceTableFull);
        }
        self.resources.push(ResourceRecord {
            resource_id,
            state: ResourceState::Available,
            current_lease_id: None,
            version: 0,
        });
        code(Code::Ok)
    }

    fn resource(&mut self, id: ResourceId) -> &mut ResourceRecord {
        self.resources
            .iter_mut()
            .find(|r| r.resource_id == id)
            .unwrap()
    }

    fn set_resources(
        &mut self,
        members: &[ResourceId],
        state: ResourceState,
        lease: Option<LeaseId>,
    ) {
        for id in members {
            let resource = self.resource(*id);
            resource.state = state;
            resource.current_lease_id = lease;
            resource.version += 1;
        }
    }
}
