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
    /// A leasable resource.
    ResourceId(u128)
);
id_type!(
    /// The party that holds (or asks for) a lease.
    HolderId(u128)
);
id_type!(
    /// A lease: `(shard_id << 64) | lsn` of the command that created it.
    LeaseId(u128)
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

impl LeaseId {
    /// The id of a lease created by the command at `lsn` on shard `shard_id`.
    #[must_use]
    pub const fn for_lsn(shard_id: u64, lsn: Lsn) -> Self {
        Self(((shard_id as u128) << 64) | lsn.0 as u128)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lease_id_puts_the_shard_in_the_high_half() {
        assert_eq!(LeaseId::for_lsn(2, Lsn(7)).get(), (2 << 64) | 7);
        assert_eq!(LeaseId::for_lsn(u64::MAX, Lsn(u64::MAX)).get(), u128::MAX);
    }

    #[test]
    fn ids_order_display_and_hash_by_value() {
        assert!(Slot(1) < Slot(2));
        assert_eq!(ResourceId::new(9).to_string(), "9");
        assert_eq!(Lsn(5).key_bits(), 5);
        assert_eq!(HolderId(3).get(), 3);
        assert_eq!(ClientId::default(), ClientId(0));
        assert_eq!(OperationId(u128::MAX).key_bits(), u128::MAX);
    }
}
