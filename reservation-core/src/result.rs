//! Result codes and command outcomes: a domain refusal is a result, stored and replayed like a
//! success, never an error or a panic.

use crate::ids::{HoldId, Slot};

/// Every answer a command can get, in the spec's order. The numeric codes are persisted
/// (snapshots store outcomes) and must never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResultCode {
    Ok = 0,
    Noop = 1,
    AlreadyExists = 2,
    PoolTableFull = 3,
    PoolNotFound = 4,
    HoldTableFull = 5,
    HoldNotFound = 6,
    InsufficientCapacity = 7,
    HoldExpired = 8,
    InvalidState = 9,
    InvalidAmount = 10,
    TtlOutOfRange = 11,
    ExpirationIndexFull = 12,
    OperationConflict = 13,
    OperationTableFull = 14,
    SlotOverflow = 15,
}

impl ResultCode {
    /// Every variant, in code order.
    pub const ALL: &'static [ResultCode] = &[
        Self::Ok,
        Self::Noop,
        Self::AlreadyExists,
        Self::PoolTableFull,
        Self::PoolNotFound,
        Self::HoldTableFull,
        Self::HoldNotFound,
        Self::InsufficientCapacity,
        Self::HoldExpired,
        Self::InvalidState,
        Self::InvalidAmount,
        Self::TtlOutOfRange,
        Self::ExpirationIndexFull,
        Self::OperationConflict,
        Self::OperationTableFull,
        Self::SlotOverflow,
    ];

    /// The stable name (the variant name), used by goldens and traces.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "Ok",
            Self::Noop => "Noop",
            Self::AlreadyExists => "AlreadyExists",
            Self::PoolTableFull => "PoolTableFull",
            Self::PoolNotFound => "PoolNotFound",
            Self::HoldTableFull => "HoldTableFull",
            Self::HoldNotFound => "HoldNotFound",
            Self::InsufficientCapacity => "InsufficientCapacity",
            Self::HoldExpired => "HoldExpired",
            Self::InvalidState => "InvalidState",
            Self::InvalidAmount => "InvalidAmount",
            Self::TtlOutOfRange => "TtlOutOfRange",
            Self::ExpirationIndexFull => "ExpirationIndexFull",
            Self::OperationConflict => "OperationConflict",
            Self::OperationTableFull => "OperationTableFull",
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

/// What a command returned: the code, plus the hold fields of a successful hold command
/// (`hold_id`; `deadline_slot` for a placed hold).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommandOutcome {
    pub result_code: ResultCode,
    pub hold_id: Option<HoldId>,
    pub deadline_slot: Option<Slot>,
}

impl CommandOutcome {
    /// An outcome with only a code.
    #[must_use]
    pub const fn code(result_code: ResultCode) -> Self {
        Self {
            result_code,
            hold_id: None,
            deadline_slot: None,
        }
    }

    /// A successful hold command on `hold_id`.
    #[must_use]
    pub const fn hold(hold_id: HoldId) -> Self {
        Self {
            result_code: ResultCode::Ok,
            hold_id: Some(hold_id),
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
        assert_eq!(ResultCode::ALL.len(), 16);
        for (index, code) in ResultCode::ALL.iter().enumerate() {
            assert_eq!(usize::from(code.to_u8()), index);
            assert_eq!(ResultCode::from_u8(code.to_u8()), Some(*code));
            assert_eq!(format!("{code:?}"), code.as_str());
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ResultCode::from_u8(16), None);
    }

    #[test]
    fn outcome_constructors_fill_the_right_fields() {
        let hold = CommandOutcome::hold(HoldId(4));
        assert!(hold.is_ok());
        assert_eq!(hold.hold_id, Some(HoldId(4)));
        assert_eq!(hold.deadline_slot, None);
        let refused = CommandOutcome::code(ResultCode::HoldExpired);
        assert!(!refused.is_ok());
        assert_eq!(refused.hold_id, None);
    }
}
