//! # fleetwire-snmp
//!
//! A zero-copy SNMP v1/v2c/v3 message codec: strict by default, with named leniency options
//! for the encoding quirks of real devices, `no_std` + `alloc`, and no `unsafe`.
//!
//! - [`Message::decode`] borrows everything from the input and allocates nothing: strings,
//!   OIDs and the varbind list are views over the input bytes, validated once and walked
//!   lazily. [`Message::into_owned`] copies out when you need to keep a message.
//! - [`Message::encode`] appends to a caller-supplied `Vec<u8>`, which can be reused across
//!   messages.
//! - Every decode error is a [`DecodeError`] naming what was wrong ([`ErrorKind`]), in which
//!   field ([`Field`]) and at which byte offset.
//! - [`DecodeOptions`] carries [`Limits`] and [`Leniency`]; tolerated deviations come back as
//!   [`Anomalies`]. The [manual] explains each leniency option and why it exists.
//!
//! ```
//! use fleetwire_snmp::{CommunityMessage, GenericPdu, Message, Oid, Pdu, Value, VarBind};
//!
//! // Build and encode a v2c GetRequest for sysDescr.0.
//! let oid: Oid = "1.3.6.1.2.1.1.1.0".parse()?;
//! let request = Message::V2c(CommunityMessage {
//!     community: b"public"[..].into(),
//!     pdu: Pdu::GetRequest(GenericPdu::new(42, vec![VarBind::null(oid.clone())])),
//! });
//! let mut buf = Vec::with_capacity(484);
//! request.encode(&mut buf);
//!
//! // Decode it again: a borrowed view, no allocation.
//! let decoded = Message::decode(&buf)?;
//! assert_eq!(decoded, request);
//! let pdu = decoded.pdu().expect("plaintext");
//! for vb in pdu.varbinds() {
//!     assert_eq!(vb.name, oid);
//!     assert_eq!(vb.value, Value::Null);
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [`snmprec`] reads and writes snmpsim's `.snmprec` recordings (`OID|TYPE|VALUE` lines) as
//! OID/value pairs, for simulators and test fixtures.
//!
//! ## Features
//! - `std` (default): nothing beyond `core` + `alloc` is needed; the feature exists so that
//!   future std-only helpers can be added without breaking `no_std` users.
//! - `rasn`: conversions to and from [rasn-snmp](https://docs.rs/rasn-snmp) 0.30 message types.
//! - `fips`: `crypto::AwsLcFips`, a USM crypto provider on the aws-lc-rs FIPS 140-3 module
//!   (building it needs `cmake` and `golang-go`).
//! - `tokio`: the UDP shells (IPv4 and IPv6) around the sans-IO code: `client`, the async
//!   manager around [`manager`]; `notification::NotificationSender` and
//!   `notification::NotificationListener`; `responder::server`, the command responder's
//!   UDP server.
//!
//! ## SNMPv3 security
//! [`usm`] implements the User-based Security Model (RFC 3414, RFC 3826, RFC 7860) sans-IO,
//! over the [`crypto`] provider interface; see the [manual](crate::manual::usm).
//!
//! ## Notifications
//! [`notification`] builds, sends and receives SNMPv1/v2c Traps, SNMPv2c/v3 Informs and
//! SNMPv3 Traps (RFC 3413, RFC 3416), sans-IO, with a tokio shell behind the `tokio` feature.
#![cfg_attr(not(feature = "std"), no_std)]
#![cfg_attr(docsrs, feature(doc_cfg))]
#![forbid(unsafe_code)]
#![deny(missing_docs)]

extern crate alloc;

mod ber;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod client;
pub mod crypto;
mod error;
pub mod manager;
mod message;
pub mod notification;
mod oid;
mod options;
mod pdu;
pub mod responder;
pub mod snmprec;
pub mod usm;
pub mod vacm;
mod value;

#[doc(hidden)]
pub mod internal;
pub mod manual;
#[cfg(feature = "rasn")]
pub mod rasn_interop;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;

#[cfg(test)]
mod arbitrary;
#[cfg(test)]
mod tests;

pub use error::{DecodeError, ErrorKind, Field, Limit, OidError};
pub use message::{
    CommunityMessage, HeaderData, Message, MsgFlags, SECURITY_MODEL_USM, ScopedPdu, ScopedPduData,
    SecurityParameters, UsmSecurityParameters, V3Message, Version,
};
pub use oid::{Arcs, Oid};
pub use options::{Anomalies, Anomaly, AnomalyKind, DecodeOptions, Leniency, Limits};
pub use pdu::{
    BulkPdu, ErrorStatus, GenericPdu, GenericTrap, Pdu, PduType, TrapPdu, VarBind, VarBindIter,
    VarBindList,
};
pub use value::{OpaqueValue, Value};
