//! allocdb-core: leases on scarce resources (see `docs/allocdb-core.md`).
#![forbid(unsafe_code)]
