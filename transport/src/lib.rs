//! Outbound-only secure upload client for device data.
//!
//! This crate is the home of Fleetwire's HTTPS upload client (rustls, proxy, allowlist), the
//! durable spool, the sync scheduler and signed server actions. The implementation arrives with
//! the transport work; until then the crate exports nothing.
#![forbid(unsafe_code)]
#![deny(missing_docs)]
