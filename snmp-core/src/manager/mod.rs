//! The manager (command generator) side of SNMP, sans-IO: what to send to a target, and
//! what its answers mean. No sockets, no clocks: bytes and `now` go in, bytes and deadlines
//! come out. The `client` module (feature `tokio`) is the IO shell around it.
//!
//! - [`config`]: how a target is secured ([`Security`]: a community, or a USM user) and how
//!   long to wait ([`RetryPolicy`]).

pub mod config;

pub use config::{RetryPolicy, Security, UsmSecurity};
