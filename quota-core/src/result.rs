//! Result codes and command outcomes: a domain refusal is a result, stored and replayed like a
//! success, never an error or a panic.

/// Every answer a command can get. The numeric codes are persisted (snapshots store outcomes)
/// and must never change.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ResultCode {
    Ok = 0,
    AlreadyExists = 1,
    BucketTableFull = 2,
    BucketNotFound = 3,
    InsufficientFunds = 4,
    InvalidAmount = 5,
    OperationConflict = 6,
    OperationTableFull = 7,
    SlotOverflow = 8,
}

impl ResultCode {
    /// Every variant, in code order.
    pub const ALL: &'static [ResultCode] = &[
        Self::Ok,
        Self::AlreadyExists,
        Self::BucketTableFull,
        Self::BucketNotFound,
        Self::InsufficientFunds,
        Self::InvalidAmount,
        Self::OperationConflict,
        Self::OperationTableFull,
        Self::SlotOverflow,
    ];

    /// The stable name (the variant name), used by goldens and traces.
    #[must_use]
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Ok => "Ok",
            Self::AlreadyExists => "AlreadyExists",
            Self::BucketTableFull => "BucketTableFull",
            Self::BucketNotFound => "BucketNotFound",
            Self::InsufficientFunds => "InsufficientFunds",
            Self::InvalidAmount => "InvalidAmount",
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

/// What a command returned: the code, plus the bucket balance after an `Ok` or
/// `InsufficientFunds` debit (refill included).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct CommandOutcome {
    pub result_code: ResultCode,
    pub balance: Option<u64>,
}

impl CommandOutcome {
    /// An outcome with only a code.
    #[must_use]
    pub const fn code(result_code: ResultCode) -> Self {
        Self {
            result_code,
            balance: None,
        }
    }

    /// A debit outcome (`Ok` or `InsufficientFunds`) with the balance after it.
    #[must_use]
    pub const fn debit(result_code: ResultCode, balance: u64) -> Self {
        Self {
            result_code,
            balance: Some(balance),
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
        assert_eq!(ResultCode::ALL.len(), 9);
        for (index, code) in ResultCode::ALL.iter().enumerate() {
            assert_eq!(usize::from(code.to_u8()), index);
            assert_eq!(ResultCode::from_u8(code.to_u8()), Some(*code));
            assert_eq!(format!("{code:?}"), code.as_str());
            assert_eq!(code.to_string(), code.as_str());
        }
        assert_eq!(ResultCode::from_u8(9), None);
    }

    #[test]
    fn outcome_constructors_fill_the_right_fields() {
        let debit = CommandOutcome::debit(ResultCode::Ok, 4);
        assert!(debit.is_ok());
        assert_eq!(debit.balance, Some(4));
        let refused = CommandOutcome::code(ResultCode::BucketNotFound);
        assert!(!refused.is_ok());
        assert_eq!(refused.balance, None);
    }
}
