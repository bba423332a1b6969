//! Strongly typed ids: `u128` newtypes for things, `u64` newtypes for log positions and time.
//!
//! One macro makes them all, so every id has the same small surface: `new`, `get`, ordering,
//! `Display`, and a [`FixedKey`] impl for the fixed-capacity tables.

use std::fmt;

use runtime::fixed_map::FixedKey;

macro_rules! id_type {
    ($(#[$doc:meta])* $name:ident($inner:ty)) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(pub $inner);

        impl $name {
            #[must_use]
            pub const fn new(value: $inner) -> Self {
                Self(value)
            }

            #[must_use]
            pub const fn get(self) -> $inner {
                self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }

        impl FixedKey for $name {
            fn key_bits(self) -> u128 {
                u128::from(self.0)
            }
        }
    };
}

id_type!(
    /// A queue: chosen by the client that creates it.
    QueueId(u128)
);
id_type!(
    /// A job: assigned by the engine, the lsn of the `Enqueue` frame that made it.
    JobId(u128)
);
id_type!(
    /// The worker that claims a job (fencing: only it may ack, nack or extend the claim).
    WorkerId(u128)
);
id_type!(
    /// A client's idempotency key for one write.
    OperationId(u128)
);
id_type!(
    /// The client that sent a request (part of the request fingerprint).
    ClientId(u128)
);
id_type!(
    /// Log sequence number: the position of a frame in the WAL (the first is 1).
    Lsn(u64)
);
id_type!(
    /// Logical time; arrives with each command, never read from a clock.
    Slot(u64)
);

impl JobId {
    /// The id of the job an `Enqueue` applied at `lsn` makes.
    #[must_use]
    pub const fn from_lsn(lsn: Lsn) -> Self {
        Self(lsn.0 as u128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_display_and_hash_by_value() {
        assert!(Slot(1) < Slot(2));
        assert_eq!(QueueId::new(9).to_string(), "9");
        assert_eq!(Lsn(5).key_bits(), 5);
        assert_eq!(WorkerId(3).get(), 3);
        assert_eq!(ClientId::default(), ClientId(0));
        assert_eq!(OperationId(u128::MAX).key_bits(), u128::MAX);
    }

    #[test]
    fn a_job_id_is_its_enqueue_lsn() {
        assert_eq!(JobId::from_lsn(Lsn(u64::MAX)), JobId(u128::from(u64::MAX)));
        assert_eq!(JobId::from_lsn(Lsn(1)), JobId(1));
    }
}
