//! Each invariant violation is reported by its own variant (the state is corrupted by hand).

use super::*;
use crate::command::{ClientRequest, Command, CommandContext};
use crate::config::Config;
use crate::ids::{ClientId, JobId, Lsn, OperationId, QueueId, Slot, WorkerId};

/// Queue 1 with job 2 claimed by worker 5 (deadline 12), job 3 ready, job 5 cancelled.
fn state() -> StateMachine {
    let mut sm = StateMachine::new(Config::small());
    let q = QueueId(1);
    let steps = [
        Command::CreateQueue {
            queue_id: q,
            max_attempts: 3,
        },
        Command::Enqueue {
            queue_id: q,
            delay_slots: 0,
        },
        Command::Enqueue {
            queue_id: q,
            delay_slots: 0,
        },
        Command::Claim {
            queue_id: q,
            worker_id: WorkerId(5),
            visibility_slots: 10,
        },
        Command::Enqueue {
            queue_id: q,
            delay_slots: 0,
        },
        Command::Cancel { job_id: JobId(5) },
    ];
    for (lsn, command) in (1_u64..).zip(steps) {
        let request = ClientRequest {
            operation_id: OperationId(u128::from(lsn)),
            client_id: ClientId(1),
            command,
        };
        sm.apply_client(
            CommandContext {
                lsn: Lsn(lsn),
                request_slot: Slot(2),
            },
            &request,
        );
    }
    sm.validate_invariants().unwrap();
    sm
}

fn broken(change: impl FnOnce(&mut StateMachine)) -> InvariantError {
    let mut sm = state();
    change(&mut sm);
    let error = sm.validate_invariants().unwrap_err();
    assert!(!error.to_string().is_empty());
    error
}

fn job(sm: &mut StateMachine, id: u128) -> &mut crate::state_machine::JobRecord {
    sm.jobs.get_mut(JobId(id)).unwrap()
}

#[test]
fn queue_and_job_violations_have_their_variants() {
    let q = QueueId(1);
    let counts = InvariantError::QueueCounts { queue_id: q };
    assert_eq!(
        broken(|sm| sm.queues.get_mut(q).unwrap().ready_jobs += 1),
        counts
    );
    assert_eq!(
        broken(|sm| sm.queues.get_mut(q).unwrap().max_attempts = 0),
        counts
    );
    let (ready, claimed, cancelled) = (JobId(3), JobId(2), JobId(5));
    let unknown = InvariantError::UnknownQueue { job_id: ready };
    assert_eq!(broken(|sm| job(sm, 3).queue_id = QueueId(9)), unknown);
    let fields = InvariantError::JobFields { job_id: claimed };
    assert_eq!(broken(|sm| job(sm, 2).claim_epoch = 2), fields);
    let fields = InvariantError::JobFields { job_id: ready };
    assert_eq!(broken(|sm| job(sm, 3).ready_lsn = Lsn(99)), fields);
    let terminal = InvariantError::TerminalFields { job_id: ready };
    assert_eq!(
        broken(|sm| job(sm, 3).retire_after_slot = Some(Slot(3))),
        terminal
    );
    let terminal = InvariantError::TerminalFields { job_id: cancelled };
    assert_eq!(
        broken(|sm| job(sm, 5).retire_after_slot = Some(Slot(99))),
        terminal
    );
    assert_eq!(
        broken(|sm| sm.retired_job_watermark = JobId(99)),
        InvariantError::Watermark
    );
    let error = broken(|sm| {
        let record = *sm.jobs.get(ready).unwrap();
        sm.jobs.remove(ready);
        sm.jobs.insert(JobId(6), record).unwrap();
    });
    assert_eq!(
        error,
        InvariantError::KeyMismatch {
            table: "job",
            id: 6
        }
    );
}

#[test]
fn index_and_queue_violations_have_their_variants() {
    let (ready, claimed) = (JobId(3), JobId(2));
    let index = InvariantError::ReadyIndex { job_id: ready };
    assert_eq!(broken(|sm| job(sm, 3).available_slot = Slot(1)), index);
    let claim = InvariantError::ClaimNotIndexed { job_id: claimed };
    assert_eq!(broken(|sm| job(sm, 2).deadline_slot = Slot(13)), claim);
    let error = broken(|sm| sm.deadlines.insert(Slot(11), ready));
    assert_eq!(error, InvariantError::StrayDeadline { job_id: ready });
    let op = OperationId(1);
    let error = broken(|sm| sm.operations.get_mut(op).unwrap().applied_lsn = Lsn(99));
    assert_eq!(error, InvariantError::OperationRecord { operation_id: op });
    let error = broken(|sm| {
        sm.operations.get_mut(op).unwrap().retire_after_slot = Slot(3);
    });
    assert_eq!(error, InvariantError::OperationQueue);
    let error = broken(|sm| {
        sm.job_retire.pop_due(u64::MAX);
    });
    assert_eq!(error, InvariantError::JobQueue);
    let error = broken(|sm| {
        sm.ready.remove(ready);
    });
    assert_eq!(error, InvariantError::ReadyIndex { job_id: ready });
    let error = broken(|sm| sm.ready.insert(QueueId(1), JobId(77), (0, 77)));
    assert!(
        matches!(error, InvariantError::Table { table: "ready", .. }),
        "{error}"
    );
}
