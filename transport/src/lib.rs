//! Outbound-only secure upload client for device data.
//!
//! Everything a device or agent needs to talk to its remote-services server without ever
//! losing a payload:
//!
//! - [`Client`]: blocking HTTPS (ureq 3 + rustls, TLS 1.2/1.3 only), CA PEM or WebPKI/platform
//!   roots, SPKI pinning, client certificates checked before use, Basic or bearer credentials,
//!   explicit or environment proxies, and an [`Allowlist`] checked before every connection.
//! - [`Spool`]: a durable, crash-safe directory of payloads (atomic write + fsync, checksum,
//!   idempotency key), with a byte cap and a dead-letter folder.
//! - [`Uploader`]: drains a spool with `Idempotency-Key`, exponential backoff with full jitter,
//!   `Retry-After`, and permanent-failure classification ([`retry`]).
//! - [`schedule`]: the sans-IO sync scheduler (daily slot, idle trigger, on-demand, shutdown
//!   flush) and the disablement thresholds.
//! - [`register`]: one-time registration (location, contact e-mail) that obtains credentials.
//! - [`action`]: signed server actions (Ed25519 or ECDSA P-256 over the exact bytes, nonce +
//!   expiry, replay cache, local policy) and signed, size-capped downloads.
//!
//! # Example
//!
//! ```no_run
//! use fleetwire_transport::{Allowlist, Client, ClientOptions, Spool, SpoolOptions, Uploader};
//! use fleetwire_transport::tls::Roots;
//!
//! let mut spool = Spool::open("/var/spool/fleetwire", SpoolOptions::default())?;
//! spool.enqueue(b"<payload/>")?;
//!
//! let mut options = ClientOptions::default();
//! options.tls.roots = Roots::from_pem_file("/etc/fleetwire/ca.pem")?;
//! options.allowlist = Allowlist::new(["https://rs.example.com/upload"])?;
//! let client = Client::new(&options)?;
//!
//! let report = Uploader::new(client, "https://rs.example.com/upload").flush(&mut spool)?;
//! println!("{} uploaded, {} pending", report.uploaded, report.remaining);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod action;
pub mod allowlist;
mod client;
pub mod download;
mod error;
pub mod internal;
pub mod register;
pub mod retry;
pub mod schedule;
#[cfg(feature = "server")]
pub mod server;
pub mod spool;
pub mod tls;
mod upload;

pub use allowlist::{AllowRule, Allowlist};
pub use client::{Client, ClientOptions, Credentials, MAX_RESPONSE_BODY, ProxyConfig, Response};
pub use error::{ActionError, ConfigError, SpoolError, TransportError};
pub use spool::{FullPolicy, Spool, SpoolOptions};
pub use upload::{FlushOptions, FlushReport, Progress, Uploader};

/// Lower-case hex of `bytes`.
pub(crate) fn hex_encode(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// Decodes hex (either case); `None` on odd length or a non-hex digit.
pub(crate) fn hex_decode(s: &str) -> Option<Vec<u8>> {
    if !s.len().is_multiple_of(2) {
        return None;
    }
    s.as_bytes()
        .chunks(2)
        .map(|pair| {
            let text = std::str::from_utf8(pair).ok()?;
            u8::from_str_radix(text, 16).ok()
        })
        .collect()
}

/// The crate README's examples, compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
