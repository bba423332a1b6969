//! Result codes and command outcomes: a domain refusal is a result, stored and replayed like a
//! success, never an error or a panic.

use crate::ids::{LeaseId, Slot};

/// Every answer a command can get. The numeric codes are persisted (snapshots store outcomes)
/// and must never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResultCode {
    Ok = 0,
    Noop = 1,
    AlreadyExists = 2,
    InvalidRequest = 3,
    ResourceTableFull = 4,
    ResourceNotFound = 5,
    ResourceBusy = 6,
    BundleTooLarge = 7,
    TtlOutOfRange = 8,
    LeaseTableFull = 9,
    LeaseMemberTableFull = 10,
    LeaseNotFound = 11,
    LeaseRetired = 12,
    ExpirationIndexFull = 13,
    OperationTableFull = 14,
    OperationConflict = 15,
    InvalidState = 16,
    HolderMismatch = 17,
    StaleEpoch = 18,
    SlotOverflow = 19,
}

impl ResultCode {
    /// Every variant, in code order.
    pub const ALL: &'static [ResultCode] = &[
        Self::Ok,
        Self::Noop,
        Self::AlreadyExists,
        Self::InvalidRequest,
        Self::ResourceTableFull,
        Self::ResourceNotFound,
        Self::ResourceBusy,
        Self::BundleTooLarge,
        Self::TtlOutOfRange,
        Self::LeaseTableFull,
        Self::LeaseMemberTableFull,
        Self::LeaseNotFound,
        Self::LeaseRetired,
        Self::ExpirationIndexFull,
        Self::OperationTableFull,
        Self::OperationConflict,
        Self::InvalidState,
        Self::HolderMismatch,
        Self::StaleEpoch,
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
            Self::ResourceTableFull => "ResourceTableFull",
            Self::ResourceNotFound => "ResourceNotFound",
            Self::ResourceBusy => "ResourceBusy",
            Self::BundleTooLarge => "BundleTooLarge",
            Self::TtlOutOfRange => "TtlOutOfRange",
            Self::LeaseTableFull => "LeaseTableFull",
            Self::LeaseMemberTableFull => "LeaseMemberTableFull",
            Self::LeaseNotFound => "LeaseNotFound",
            Self::LeaseRetired => "LeaseRetired",
            Self::ExpirationIndexFull => "ExpirationIndexFull",
            Self::OperationTableFull => "OperationTableFull",
            Self::OperationConflict => "OperationConflict",
            Self::InvalidState => "InvalidState",
            Self::HolderMismatch => "HolderMismatch",
            Self::StaleEpoch => "StaleEpoch",
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

/// What a command returned: the code, plus the lease fields of a successful lease command
/// (`lease_id` and the epoch after the command; `deadline_slot` for a reservation).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommandOutcome {
    pub result_code: ResultCode,
    pub lease_id: Option<LeaseId>,
    pub lease_epoch: Option<u64>,
    pub deadline_slot: Option<Slot>,
}

impl CommandOutcome {
    /// An outcome with only a code.
    #[must_use]
    pub const fn code(result_code: ResultCode) -> Self {
        Self {
            result_code,
            lease_id: None,
            lease_epoch: None,
            deadline_slot: None,
        }
    }

    /// A successful lease command: the lease and its epoch after the command.
    #[must_use]
    pub const fn lease(lease_id: LeaseId, lease_epoch: u64) -> Self {
        Self {
            result_code: ResultCode::Ok,
            lease_id: Some(lease_id),
            lease_epoch: Some(lease_epoch),
            deadline_slot: None,
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
        assert_eq!(ResultCode::ALL.len(), 20);
        for (index, code) in ResultCode::ALL.iter().enumerate() {
            assert_eq!(usize::from(code.to_u8()), index);
            assert_eq!(ResultCode::from_u8(code.to_u8()), Some(*code));
            assert_eq!(format!("{code:?}"), code.as_str());
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ResultCode::from_u8(20), None);
    }

    #[test]
    fn outcome_constructors_fill_the_right_fields() {
        let lease = CommandOutcome::lease(LeaseId(4), 2);
        assert!(lease.is_ok());
        assert_eq!(lease.lease_id, Some(LeaseId(4)));
        assert_eq!(lease.deadline_slot, None);
        let refused = CommandOutcome::code(ResultCode::StaleEpoch);
        assert!(!refused.is_ok());
        assert_eq!(refused.lease_epoch, None);
    }
}
