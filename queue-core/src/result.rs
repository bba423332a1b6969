//! Result codes and command outcomes: a domain refusal is a result, stored and replayed like a
//! success, never an error or a panic.

use crate::ids::{JobId, Slot};

/// Every answer a command can get. The numeric codes are persisted (snapshots store outcomes)
/// and must never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResultCode {
    Ok = 0,
    Noop = 1,
    AlreadyExists = 2,
    InvalidRequest = 3,
    QueueTableFull = 4,
    QueueNotFound = 5,
    JobTableFull = 6,
    JobNotFound = 7,
    JobRetired = 8,
    QueueEmpty = 9,
    InvalidState = 10,
    WorkerMismatch = 11,
    StaleEpoch = 12,
    DelayOutOfRange = 13,
    VisibilityOutOfRange = 14,
    ExpirationIndexFull = 15,
    OperationTableFull = 16,
    OperationConflict = 17,
    SlotOverflow = 18,
}

impl ResultCode {
    /// Every variant, in code order.
    pub const ALL: &'static [ResultCode] = &[
        Self::Ok,
        Self::Noop,
        Self::AlreadyExists,
        Self::InvalidRequest,
        Self::QueueTableFull,
        Self::QueueNotFound,
        Self::JobTableFull,
        Self::JobNotFound,
        Self::JobRetired,
        Self::QueueEmpty,
        Self::InvalidState,
        Self::WorkerMismatch,
        Self::StaleEpoch,
        Self::DelayOutOfRange,
        Self::VisibilityOutOfRange,
        Self::ExpirationIndexFull,
        Self::OperationTableFull,
        Self::OperationConflict,
        Self::SlotOverflow,
    ];

    /// The stable name (the variant name), used by goldens and traces.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "Ok",
            Self::Noop => "Noop",
            Self::AlreadyExists => "AlreadyExists",
            Self::InvalidRequest => "InvalidRequest",
            Self::QueueTableFull => "QueueTableFull",
            Self::QueueNotFound => "QueueNotFound",
            Self::JobTableFull => "JobTableFull",
            Self::JobNotFound => "JobNotFound",
            Self::JobRetired => "JobRetired",
            Self::QueueEmpty => "QueueEmpty",
            Self::InvalidState => "InvalidState",
            Self::WorkerMismatch => "WorkerMismatch",
            Self::StaleEpoch => "StaleEpoch",
            Self::DelayOutOfRange => "DelayOutOfRange",
            Self::VisibilityOutOfRange => "VisibilityOutOfRange",
            Self::ExpirationIndexFull => "ExpirationIndexFull",
            Self::OperationTableFull => "OperationTableFull",
            Self::OperationConflict => "OperationConflict",
            Self::SlotOverflow => "SlotOverflow",
        }
    }

    /// The persisted code.
    #[must_use]
    pub const fn to_u8(self) -> u8 {
        self as u8
    }

    /// The variant with persisted code `code`, if any.
    #[must_use]
    pub fn from_u8(code: u8) -> Option<Self> {
        Self::ALL.get(usize::from(code)).copied()
    }
}

impl std::fmt::Display for ResultCode {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a command returned: the code, plus the job fields of a successful job command
/// (`job_id`; `claim_epoch` and `deadline_slot` for a claim or an extension).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommandOutcome {
    pub result_code: ResultCode,
    pub job_id: Option<JobId>,
    pub claim_epoch: Option<u64>,
    pub deadline_slot: Option<Slot>,
}

impl CommandOutcome {
    /// An outcome with only a code.
    #[must_use]
    pub const fn code(result_code: ResultCode) -> Self {
        Self {
            result_code,
            job_id: None,
            claim_epoch: None,
            deadline_slot: None,
        }
    }

    /// A successful command on `job_id`.
    #[must_use]
    pub const fn job(job_id: JobId) -> Self {
        Self {
            result_code: ResultCode::Ok,
            job_id: Some(job_id),
            claim_epoch: None,
            deadline_slot: None,
        }
    }

    /// A successful claim or extension: the job, its epoch and its deadline.
    #[must_use]
    pub const fn claim(job_id: JobId, claim_epoch: u64, deadline_slot: Slot) -> Self {
        Self {
            result_code: ResultCode::Ok,
            job_id: Some(job_id),
            claim_epoch: Some(claim_epoch),
            deadline_slot: Some(deadline_slot),
        }
    }

    #[must_use]
    pub const fn is_ok(&self) -> bool {
        matches!(self.result_code, ResultCode::Ok)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn all_lists_every_code_in_order() {
        assert_eq!(ResultCode::ALL.len(), 19);
        for (index, code) in ResultCode::ALL.iter().enumerate() {
            assert_eq!(usize::from(code.to_u8()), index);
            assert_eq!(ResultCode::from_u8(code.to_u8()), Some(*code));
            assert_eq!(format!("{code:?}"), code.as_str());
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ResultCode::from_u8(19), None);
    }

    #[test]
    fn outcome_constructors_fill_the_right_fields() {
        let job = CommandOutcome::job(JobId(4));
        assert!(job.is_ok());
        assert_eq!(
            (job.job_id, job.claim_epoch, job.deadline_slot),
            (Some(JobId(4)), None, None)
        );
        let claim = CommandOutcome::claim(JobId(4), 2, Slot(9));
        assert_eq!(
            (claim.claim_epoch, claim.deadline_slot),
            (Some(2), Some(Slot(9)))
        );
        let refused = CommandOutcome::code(ResultCode::StaleEpoch);
        assert!(!refused.is_ok());
        assert_eq!(refused.job_id, None);
    }
}
