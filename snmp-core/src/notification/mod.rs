//! Notifications (RFC 3413 section 3, RFC 3416 sections 4.2.6 and 4.2.7, RFC 3584 section 3),
//! sans-IO: bytes and `now` in, bytes and deadlines out.
//!
//! - [`originator`]: building what a *notification originator* sends: the SNMPv1 Trap-PDU,
//!   and SNMPv2 Trap and Inform PDUs whose first two varbinds are `sysUpTime.0` and
//!   `snmpTrapOID.0`. An SNMPv3 Trap is encoded by [`LocalEngine::encode_notification`]
//!   (our own engine ID, boots and time).
//! - An Inform is a confirmed request: [`originator::inform_request`] makes it a
//!   [`manager::Request`], and the manager's [`Exchange`] sends it: retries that keep the
//!   request-id, acknowledgement (Response) matching, and for SNMPv3 the discovery of and
//!   time synchronisation with the receiver's engine (the receiver of an Inform is
//!   authoritative).
//! - [`receiver`]: the *notification receiver*: accepts v1/v2c/v3 Traps and Informs, answers
//!   Informs, holds the USM users (Trap users bound to the sender's engine ID, Inform users
//!   to ours), and turns every datagram into a typed [`Notification`], a discovery answer, or
//!   a counted drop. Nothing it receives is fatal.
//!
//! With the `tokio` feature, `NotificationSender` (Traps), `inform` (an Inform through a
//! `client::Session`) and `NotificationListener` are thin UDP shells (IPv4 and IPv6) around
//! these.
//!
//! ```
//! use core::time::Duration;
//! use fleetwire_snmp::crypto::Deterministic;
//! use fleetwire_snmp::notification::{
//!     originator, NotificationBody, NotificationKind, NotificationReceiver, Outcome,
//! };
//! use fleetwire_snmp::{CommunityMessage, Message, Oid, Value, VarBind};
//!
//! let crypto = Deterministic::new(1);
//! // A v2c Trap: sysUpTime.0 and snmpTrapOID.0 come first.
//! let trap_oid: Oid = "1.3.6.1.4.1.99999.0.1".parse()?;
//! let extra = VarBind::new("1.3.6.1.2.1.1.5.0".parse()?, Value::OctetString(b"lobby"[..].into()));
//! let body = NotificationBody::new(4242, trap_oid.clone(), vec![extra.clone()]);
//! let pdu = originator::trap_pdu(1, &body);
//! let mut wire = Vec::new();
//! Message::V2c(CommunityMessage { community: b"public"[..].into(), pdu }).encode(&mut wire);
//!
//! // The receiver turns the datagram into a typed notification.
//! let mut receiver = NotificationReceiver::new(&crypto, b"\x80\x00\x1f\x88\x04receiver", 1, Duration::ZERO)?;
//! let mut reply = Vec::new();
//! let source = "127.0.0.1:40000".parse()?;
//! match receiver.receive(&crypto, Duration::ZERO, source, &wire, &mut reply) {
//!     Outcome::Notification(n) => {
//!         assert_eq!(n.kind, NotificationKind::Trap);
//!         assert_eq!(n.body, body);
//!     }
//!     other => panic!("unexpected {other:?}"),
//! }
//! assert!(reply.is_empty(), "a Trap is not answered");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::vec::Vec;
use core::fmt;
use core::net::SocketAddr;

#[cfg(doc)]
use crate::manager::{self, Exchange};
use crate::message::Version;
use crate::oid::Oid;
use crate::pdu::{GenericTrap, VarBind};
#[cfg(doc)]
use crate::usm::LocalEngine;
use crate::usm::SecurityLevel;

pub mod originator;
pub mod receiver;
#[cfg(feature = "tokio")]
mod udp;

pub use receiver::{DropReason, NotificationReceiver, Outcome, ReceiveError, ReceiverStats};
#[cfg(feature = "tokio")]
pub use udp::{NotificationListener, NotificationSender, SendError, inform};

/// BER contents of `sysUpTime.0` (1.3.6.1.2.1.1.3.0).
const SYS_UPTIME_0: &[u8] = &[0x2b, 6, 1, 2, 1, 1, 3, 0];
/// BER contents of `snmpTrapOID.0` (1.3.6.1.6.3.1.1.4.1.0).
const SNMP_TRAP_OID_0: &[u8] = &[0x2b, 6, 1, 6, 3, 1, 1, 4, 1, 0];
/// BER contents of `snmpTraps` (1.3.6.1.6.3.1.1.5): the generic traps are its children.
const SNMP_TRAPS: [u8; 8] = [0x2b, 6, 1, 6, 3, 1, 1, 5];

/// `sysUpTime.0` (1.3.6.1.2.1.1.3.0), the first varbind of every SNMPv2 notification.
pub fn sys_uptime_0() -> Oid<'static> {
    Oid::from_validated(SYS_UPTIME_0)
}

/// `snmpTrapOID.0` (1.3.6.1.6.3.1.1.4.1.0), the second varbind of every SNMPv2 notification.
pub fn snmp_trap_oid_0() -> Oid<'static> {
    Oid::from_validated(SNMP_TRAP_OID_0)
}

/// Whether a notification is confirmed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NotificationKind {
    /// An unconfirmed notification: SNMPv1 Trap-PDU or SNMPv2-Trap-PDU.
    Trap,
    /// A confirmed notification: InformRequest-PDU (v2c, v3), answered with a Response.
    Inform,
}

impl NotificationKind {
    /// `trap` or `inform`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Trap => "trap",
            Self::Inform => "inform",
        }
    }
}

impl fmt::Display for NotificationKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// What an SNMPv2 notification says, in the shape of RFC 3416 section 4.2.6: `sysUpTime.0`,
/// `snmpTrapOID.0`, then further varbinds. An SNMPv1 Trap-PDU is mapped to it as RFC 3584
/// section 3.1 describes (its time-stamp is the uptime; see [`V1Trap::trap_oid`]).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct NotificationBody {
    /// `sysUpTime.0`: the sender's uptime in hundredths of a second.
    pub uptime: u32,
    /// `snmpTrapOID.0`: which notification this is.
    pub trap_oid: Oid<'static>,
    /// The varbinds after the first two.
    pub varbinds: Vec<VarBind<'static>>,
}

impl NotificationBody {
    /// A body.
    pub fn new(uptime: u32, trap_oid: Oid<'static>, varbinds: Vec<VarBind<'static>>) -> Self {
        Self {
            uptime,
            trap_oid,
            varbinds,
        }
    }
}

/// The fields of an SNMPv1 Trap-PDU (RFC 1157 section 4.1.6) other than its time-stamp and
/// varbinds.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct V1Trap {
    /// `enterprise`: the sender's sysObjectID (or the enterprise the trap belongs to).
    pub enterprise: Oid<'static>,
    /// `agent-addr`: the sender's IPv4 address.
    pub agent_addr: [u8; 4],
    /// `generic-trap`.
    pub generic_trap: GenericTrap,
    /// `specific-trap` (meaningful for enterpriseSpecific).
    pub specific_trap: i32,
}

impl V1Trap {
    /// The SNMPv2 `snmpTrapOID.0` this trap maps to (RFC 3584 section 3.1 (2)): for the
    /// generic traps `snmpTraps.(generic-trap + 1)` (coldStart is 1.3.6.1.6.3.1.1.5.1), for
    /// enterpriseSpecific `enterprise.0.specific-trap`. `None` for a negative specific-trap,
    /// which no OID arc can carry.
    ///
    /// ```
    /// use fleetwire_snmp::GenericTrap;
    /// use fleetwire_snmp::notification::V1Trap;
    /// let mut trap = V1Trap {
    ///     enterprise: "1.3.6.1.4.1.99999".parse()?,
    ///     agent_addr: [127, 0, 0, 1],
    ///     generic_trap: GenericTrap::EnterpriseSpecific,
    ///     specific_trap: 17,
    /// };
    /// assert_eq!(trap.trap_oid().unwrap().to_string(), "1.3.6.1.4.1.99999.0.17");
    /// trap.generic_trap = GenericTrap::LinkDown;
    /// assert_eq!(trap.trap_oid().unwrap().to_string(), "1.3.6.1.6.3.1.1.5.3");
    /// # Ok::<(), fleetwire_snmp::OidError>(())
    /// ```
    pub fn trap_oid(&self) -> Option<Oid<'static>> {
        if self.generic_trap == GenericTrap::EnterpriseSpecific {
            let specific = u32::try_from(self.specific_trap).ok()?;
            return self.enterprise.child(0).ok()?.child(specific).ok();
        }
        let generic = u32::try_from(self.generic_trap.code()).ok()?;
        Oid::from_validated(&SNMP_TRAPS).child(generic + 1).ok()
    }
}

/// Who sent a notification, as far as the security model says.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Security {
    /// SNMPv1 or SNMPv2c: the community.
    Community(Vec<u8>),
    /// SNMPv3 with USM.
    Usm(UsmSecurity),
}

/// The USM side of a received SNMPv3 notification.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct UsmSecurity {
    /// `msgUserName`.
    pub user_name: Vec<u8>,
    /// The level the message was protected with.
    pub level: SecurityLevel,
    /// `msgAuthoritativeEngineID`: the sender's for a Trap, ours for an Inform.
    pub engine_id: Vec<u8>,
    /// The scoped PDU's `contextEngineID`.
    pub context_engine_id: Vec<u8>,
    /// The scoped PDU's `contextName`.
    pub context_name: Vec<u8>,
}

/// A received notification, owned and typed.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Notification {
    /// Trap or Inform.
    pub kind: NotificationKind,
    /// The message version.
    pub version: Version,
    /// The community or the USM user.
    pub security: Security,
    /// Where the datagram came from.
    pub source: SocketAddr,
    /// The `request-id` (absent for the SNMPv1 Trap-PDU).
    pub request_id: Option<i32>,
    /// `sysUpTime.0`, `snmpTrapOID.0` and the rest.
    pub body: NotificationBody,
    /// The SNMPv1 Trap-PDU fields, for SNMPv1 traps.
    pub v1: Option<V1Trap>,
}

#[cfg(test)]
mod tests;
