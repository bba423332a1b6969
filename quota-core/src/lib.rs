//! quota-core: token buckets refilled in logical time (see `docs/quota-core.md`).
#![forbid(unsafe_code)]
