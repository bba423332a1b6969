//! reservation-core: capacity holds on pools (see `docs/reservation-core.md`).
#![forbid(unsafe_code)]
