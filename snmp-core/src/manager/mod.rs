//! The manager (command generator) side of SNMP, sans-IO: what to send to a target, and
//! what its answers mean. No sockets, no clocks: bytes and `now` go in, bytes and deadlines
//! come out. The `client` module (feature `tokio`) is the IO shell around it.
//!
//! - [`config`]: how a target is secured ([`Security`]: a community, or a USM user) and how
//!   long to wait ([`RetryPolicy`]).
//! - [`request`]: the requests ([`Request`]: GET, GETNEXT, GETBULK, SET), and how a tooBig
//!   answer is recovered from ([`Request::split_for_too_big`]: GET batches are split in
//!   halves, GETBULK max-repetitions halved).
//! - [`exchange`]: one request/response exchange with a target ([`Exchange`]): encoding for
//!   v1, v2c or v3, retransmission with the same request-id (and msgID), matching the
//!   answer, and for SNMPv3 the engine discovery and time synchronisation of the target's
//!   [`TargetState`] (cached, and redone after an agent reboot or a notInTimeWindow Report).
//! - [`walk`]: the walk state machine ([`Walk`]) for GETNEXT and GETBULK walks, with its
//!   safeguards: an OID that does not increase ends the walk with an error, and so does
//!   exceeding the result limit.
//!
//! Every datagram of a manager is matched to its exchange by one number, [`Exchange::key`]:
//! the request-id for v1/v2c and the msgID for v3 (the only id readable before
//! decryption). [`peek_key`] reads it from a received datagram without decoding the rest,
//! which is what a socket shared by thousands of exchanges needs.
//!
//! ```
//! use core::time::Duration;
//! use fleetwire_snmp::crypto::RustCrypto;
//! use fleetwire_snmp::manager::{Exchange, Outcome, Request, RetryPolicy, Security, TargetState, peek_key};
//! use fleetwire_snmp::usm::KeyCache;
//! use fleetwire_snmp::{CommunityMessage, GenericPdu, Message, Pdu, Value, VarBind};
//!
//! let crypto = RustCrypto::new();
//! let mut keys = KeyCache::new();
//! let mut target = TargetState::new(&crypto, Security::v2c("public"))?;
//! let sys_name = "1.3.6.1.2.1.1.5.0".parse()?;
//! let request = Request::Get(vec![sys_name]);
//! let now = Duration::ZERO;
//! let mut exchange = Exchange::new(request, 7, RetryPolicy::default());
//! exchange.start(&crypto, &mut keys, &mut target, now, &mut || 8)?;
//! // Send exchange.wire() to the agent, then wait for a datagram with exchange.key().
//! assert_eq!(exchange.deadline(), Some(Duration::from_secs(1)));
//!
//! // The agent's answer, as it would arrive on the socket.
//! let answer = Message::V2c(CommunityMessage {
//!     community: b"public"[..].into(),
//!     pdu: Pdu::Response(GenericPdu::new(7, vec![VarBind::new(
//!         "1.3.6.1.2.1.1.5.0".parse()?,
//!         Value::OctetString(b"lobby"[..].into()),
//!     )])),
//! })
//! .to_vec();
//! assert_eq!(peek_key(&answer), Some(exchange.key()));
//! match exchange.on_datagram(&crypto, &mut keys, &mut target, now, &answer, &mut || 9)? {
//!     Some(Outcome::Response(r)) => assert_eq!(r.varbinds[0].value, Value::OctetString(b"lobby"[..].into())),
//!     other => panic!("{other:?}"),
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::vec::Vec;

use crate::ber::{Ctx, Reader};
use crate::error::{DecodeError, Field};
use crate::oid::Oid;
use crate::options::DecodeOptions;
use crate::pdu::{ErrorStatus, PduType, VarBind};
use crate::usm::UsmError;

pub mod config;
pub mod exchange;
pub mod request;
pub mod walk;

pub use config::{RetryPolicy, Security, UsmSecurity};
pub use exchange::{Exchange, Outcome, TargetState};
pub use request::Request;
pub use walk::{Walk, WalkMode, WalkStep};

/// An answer to a request: the Response PDU's error status and varbinds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// `error-status`.
    pub error_status: ErrorStatus,
    /// `error-index` (1-based; 0 for none).
    pub error_index: u32,
    /// The varbinds, owned.
    pub varbinds: Vec<VarBind<'static>>,
}

impl Response {
    /// The varbinds when the agent reported no error, else [`Error::ErrorStatus`] naming the
    /// failing varbind's OID (taken from `request` when the response does not carry it).
    pub fn into_result(self, request: &Request) -> Result<Vec<VarBind<'static>>, Error> {
        if self.error_status == ErrorStatus::NoError {
            return Ok(self.varbinds);
        }
        let index = self.error_index;
        let at = usize::try_from(index).ok().and_then(|i| i.checked_sub(1));
        let oid = at.and_then(|i| {
            self.varbinds
                .get(i)
                .map(|vb| vb.name.clone())
                .or_else(|| request.oids().get(i).cloned())
        });
        Err(Error::ErrorStatus {
            status: self.error_status,
            index,
            oid,
        })
    }
}

/// Why a request failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// No answer within the timeout, after every retry.
    #[error("no response after {attempts} attempts")]
    Timeout {
        /// Transmissions made.
        attempts: u32,
    },
    /// The agent answered with an error status.
    #[error("the agent answered {status} (error-index {index}{})", oid.as_ref().map(|o| alloc::format!(", .{o}")).unwrap_or_default())]
    ErrorStatus {
        /// `error-status`.
        status: ErrorStatus,
        /// `error-index`.
        index: u32,
        /// The OID of the varbind `error-index` points at, when there is one.
        oid: Option<Oid<'static>>,
    },
    /// SNMPv3 security: a Report (unknown user, wrong digest, unsupported level, ...), or a
    /// response that fails verification or decryption.
    #[error("SNMPv3: {0}")]
    Usm(#[from] UsmError),
    /// The answer matched the request but does not decode.
    #[error("response does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// The answer matched the request but is not a Response.
    #[error("the agent answered with a {0} PDU, not a Response")]
    UnexpectedPdu(PduType),
    /// tooBig, and the request cannot be made smaller (one varbind, a SET, or a GETBULK
    /// with max-repetitions 1).
    #[error("the agent answered tooBig and the request cannot be split further")]
    TooBig,
    /// The request needs another SNMP version (GETBULK or an Inform over SNMPv1).
    #[error("{0} is not available in SNMPv1")]
    NotInV1(PduType),
    /// SNMPv3: the agent kept asking for time synchronisation.
    #[error("SNMPv3: time synchronisation with the agent did not settle after {0} attempts")]
    ResyncLoop(u32),
    /// A walk received an OID that is not after the previous one.
    #[error("walk: OID not increasing: .{previous} then .{next}")]
    NotIncreasing {
        /// The previous OID.
        previous: Oid<'static>,
        /// The OID received after it.
        next: Oid<'static>,
    },
    /// A walk received the same OID twice in a row.
    #[error("walk: OID .{0} repeated")]
    RepeatedOid(Oid<'static>),
    /// A walk returned more varbinds than its limit.
    #[error("walk: more than {0} varbinds")]
    ResultLimit(usize),
}

/// The number a received datagram is matched by: the request-id of a v1/v2c message, the
/// msgID of a v3 message (see [`Exchange::key`]). `None` when the bytes are not an SNMP
/// message of a known version (such datagrams are dropped).
pub fn peek_key(bytes: &[u8]) -> Option<u32> {
    peek(bytes).ok().flatten()
}

fn peek(bytes: &[u8]) -> Result<Option<u32>, DecodeError> {
    let mut ctx = Ctx::new(DecodeOptions::default());
    let mut r = Reader::new(bytes, 0);
    let mut msg = r.sequence(Field::Message, &mut ctx)?;
    let version = msg.integer_in(Field::Version, &mut ctx, 0, 3)?;
    match version {
        0 | 1 => {
            msg.octet_string(Field::Community, &mut ctx)?;
            let pdu = msg.read(Field::Pdu, &mut ctx)?;
            if pdu.tag != PduType::Response.tag() && pdu.tag != PduType::Report.tag() {
                return Ok(None);
            }
            let id = pdu.reader().i32(Field::RequestId, &mut ctx)?;
            Ok(u32::try_from(id).ok())
        }
        3 => {
            let mut header = msg.sequence(Field::HeaderData, &mut ctx)?;
            let id = header.integer_in(Field::MsgId, &mut ctx, 0, i64::from(i32::MAX))?;
            Ok(u32::try_from(id).ok())
        }
        _ => Ok(None),
    }
}

/// Allocates request-ids and msgIDs: positive, never 0, wrapping below 2^31.
#[derive(Debug, Clone)]
pub struct IdAllocator {
    next: u32,
}

impl IdAllocator {
    /// Starts at `seed` (use a random seed so that ids do not repeat across runs).
    pub fn new(seed: u32) -> Self {
        Self {
            next: (seed & 0x7fff_ffff).max(1),
        }
    }

    /// The next id.
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> u32 {
        let id = self.next;
        self.next = if self.next >= 0x7fff_ffff {
            1
        } else {
            self.next + 1
        };
        id
    }
}
