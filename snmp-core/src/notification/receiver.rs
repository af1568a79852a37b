//! The notification receiver (RFC 3413 section 3.4), sans-IO.
//!
//! [`NotificationReceiver::receive`] takes one datagram and returns an [`Outcome`]: a typed
//! [`Notification`], an answered SNMPv3 discovery probe, or a drop with its
//! [`ReceiveError`]. Drops are counted per [`DropReason`] in [`ReceiverStats`]; no input is
//! fatal. When the outcome needs an answer (the Response to an Inform, a discovery or
//! usmStats Report) it is written to the `reply` buffer, to be sent back to the source.
//!
//! - SNMPv1 Trap-PDU, SNMPv2c SNMPv2-Trap-PDU and InformRequest-PDU: accepted for the
//!   configured communities (any community when none is configured, like snmptrapd's
//!   `disableAuthorization yes`).
//! - SNMPv3: a message whose msgAuthoritativeEngineID is ours (or empty: discovery) goes to
//!   our authoritative engine (a [`LocalEngine`] holding the *Inform users*, localized to our
//!   engine ID): it answers discovery with the unknownEngineID Report, checks the time
//!   window, and counts usmStats. Any other engine ID is a Trap sender's own: the *Trap
//!   users* are bound to it (RFC 3414 section 4: the sender is authoritative for a Trap),
//!   and the receiver tracks that engine's boots and time as the non-authoritative side.
//!
//! Every SNMPv2 notification must start with `sysUpTime.0` (TimeTicks) and `snmpTrapOID.0`
//! (OBJECT IDENTIFIER) (RFC 3416 section 4.2.6); one that does not is dropped as
//! [`DropReason::BadNotification`], and an Inform is then not acknowledged.

use alloc::boxed::Box;
use alloc::collections::{BTreeMap, BTreeSet};
use alloc::vec::Vec;
use core::fmt;
use core::net::SocketAddr;
use core::time::Duration;

use super::{
    Notification, NotificationBody, NotificationKind, SNMP_TRAP_OID_0, SYS_UPTIME_0, Security,
    UsmSecurity, V1Trap,
};
use crate::crypto::CryptoProvider;
use crate::error::DecodeError;
use crate::message::{CommunityMessage, Message, Version};
use crate::options::DecodeOptions;
use crate::pdu::{GenericPdu, Pdu, PduType, VarBind};
use crate::usm::timeliness::{EngineTime, RemoteClock};
use crate::usm::{
    self, Incoming, LocalEngine, LocalizedUser, SecurityLevel, UsmError, UsmStat, UsmUser,
    check_level,
};
use crate::value::Value;

/// Why a datagram was dropped: the counter [`ReceiverStats`] increments.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DropReason {
    /// Not a decodable SNMP message (snmpInASNParseErrs, snmpInBadVersions).
    Malformed,
    /// A community that is not accepted (snmpInBadCommunityNames).
    UnknownCommunity,
    /// SNMPv3 with a security model other than USM (snmpUnknownSecurityModels).
    UnknownSecurityModel,
    /// A USM check failed (the usmStats counter).
    Usm(UsmStat),
    /// A PDU that is not a notification (a request, a Response, a Report).
    NotANotification,
    /// A notification without `sysUpTime.0` and `snmpTrapOID.0` first, or an SNMPv1 trap
    /// that maps to no `snmpTrapOID`.
    BadNotification,
    /// Anything else (a crypto backend failure, an answer that could not be encoded).
    Other,
}

impl DropReason {
    /// Every reason, in counter order.
    pub const ALL: [Self; 12] = [
        Self::Malformed,
        Self::UnknownCommunity,
        Self::UnknownSecurityModel,
        Self::Usm(UsmStat::UnsupportedSecLevels),
        Self::Usm(UsmStat::NotInTimeWindows),
        Self::Usm(UsmStat::UnknownUserNames),
        Self::Usm(UsmStat::UnknownEngineIds),
        Self::Usm(UsmStat::WrongDigests),
        Self::Usm(UsmStat::DecryptionErrors),
        Self::NotANotification,
        Self::BadNotification,
        Self::Other,
    ];

    fn index(self) -> usize {
        match self {
            Self::Malformed => 0,
            Self::UnknownCommunity => 1,
            Self::UnknownSecurityModel => 2,
            Self::Usm(s) => 3 + s as usize,
            Self::NotANotification => 9,
            Self::BadNotification => 10,
            Self::Other => 11,
        }
    }

    /// A short name: `malformed`, `unknownCommunity`, `unknownSecurityModel`, the usmStats
    /// counter's MIB name, `notANotification`, `badNotification`, `other`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Malformed => "malformed",
            Self::UnknownCommunity => "unknownCommunity",
            Self::UnknownSecurityModel => "unknownSecurityModel",
            Self::Usm(s) => s.name(),
            Self::NotANotification => "notANotification",
            Self::BadNotification => "badNotification",
            Self::Other => "other",
        }
    }
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Why a datagram was dropped, in detail.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ReceiveError {
    /// The bytes are not an SNMP message.
    #[error("malformed message: {0}")]
    Decode(#[from] DecodeError),
    /// The community is not accepted.
    #[error("unknown community")]
    UnknownCommunity,
    /// SNMPv3 security processing refused the message.
    #[error("{0}")]
    Usm(#[from] UsmError),
    /// A PDU that a notification receiver does not take.
    #[error("{0} is not a notification")]
    NotANotification(PduType),
    /// The varbinds do not make an SNMPv2 notification.
    #[error("not a well-formed notification: {0}")]
    BadNotification(&'static str),
}

impl ReceiveError {
    /// The counter this drop increments.
    pub fn reason(&self) -> DropReason {
        match self {
            Self::Decode(_) => DropReason::Malformed,
            Self::UnknownCommunity => DropReason::UnknownCommunity,
            Self::Usm(e) => match e {
                UsmError::Decode(_) | UsmError::NotV3(_) | UsmError::AuthParametersNotFound => {
                    DropReason::Malformed
                }
                UsmError::NotUsm(_) => DropReason::UnknownSecurityModel,
                other => other.stat().map_or(DropReason::Other, DropReason::Usm),
            },
            Self::NotANotification(_) => DropReason::NotANotification,
            Self::BadNotification(_) => DropReason::BadNotification,
        }
    }
}

/// What [`NotificationReceiver::receive`] made of a datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// A notification; for an Inform the Response is in `reply`.
    Notification(Box<Notification>),
    /// An SNMPv3 discovery probe (a sender about to send an Inform); the Report with our
    /// engine ID, boots and time is in `reply`.
    Discovery,
    /// Dropped and counted; `reply` may hold a usmStats Report (RFC 3414 section 3.2).
    Dropped(ReceiveError),
}

/// Counters of a [`NotificationReceiver`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct ReceiverStats {
    traps: u64,
    informs: u64,
    discoveries: u64,
    dropped: [u64; 12],
}

impl ReceiverStats {
    /// Traps accepted (v1, v2c, v3).
    pub fn traps(&self) -> u64 {
        self.traps
    }

    /// Informs accepted and answered.
    pub fn informs(&self) -> u64 {
        self.informs
    }

    /// SNMPv3 discovery probes answered.
    pub fn discoveries(&self) -> u64 {
        self.discoveries
    }

    /// Datagrams dropped for `reason`.
    pub fn dropped(&self, reason: DropReason) -> u64 {
        self.dropped
            .get(reason.index())
            .copied()
            .unwrap_or_default()
    }

    /// Datagrams dropped for any reason.
    pub fn total_dropped(&self) -> u64 {
        self.dropped.iter().sum()
    }

    pub(super) fn count_drop(&mut self, reason: DropReason) {
        if let Some(c) = self.dropped.get_mut(reason.index()) {
            *c = c.saturating_add(1);
        }
    }
}

/// A Trap sender's engine: the users bound to it and its clock.
#[derive(Debug, Clone)]
struct TrapEngine {
    users: BTreeMap<Vec<u8>, LocalizedUser>,
    clock: Option<RemoteClock>,
}

/// The notification receiver: see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct NotificationReceiver {
    communities: BTreeSet<Vec<u8>>,
    engine: LocalEngine,
    trap_engines: BTreeMap<Vec<u8>, TrapEngine>,
    stats: ReceiverStats,
    opts: DecodeOptions,
}

impl NotificationReceiver {
    /// A receiver whose own (Inform) engine is `engine_id` with `boots` (persist it and add one
    /// at every start), its clock starting at `now`. It accepts every community until
    /// [`accept_community`](Self::accept_community) is called, and no SNMPv3 user until some
    /// are added.
    pub fn new(
        provider: &dyn CryptoProvider,
        engine_id: &[u8],
        boots: u32,
        now: Duration,
    ) -> Result<Self, UsmError> {
        Ok(Self {
            communities: BTreeSet::new(),
            engine: LocalEngine::new(provider, engine_id, boots, now)?,
            trap_engines: BTreeMap::new(),
            stats: ReceiverStats::default(),
            opts: DecodeOptions::default(),
        })
    }

    /// Decodes incoming messages with these options (limits and leniency).
    #[must_use]
    pub fn with_decode_options(mut self, opts: DecodeOptions) -> Self {
        self.opts = opts;
        self.engine = self.engine.with_decode_options(opts);
        self
    }

    /// Accepts v1/v2c notifications with this community; once one is configured, others are
    /// dropped as [`DropReason::UnknownCommunity`].
    pub fn accept_community(&mut self, community: &[u8]) {
        self.communities.insert(community.to_vec());
    }

    /// Adds a user for SNMPv3 Informs (and Traps sent to our engine ID), localized to our
    /// engine ID.
    pub fn add_inform_user(
        &mut self,
        provider: &dyn CryptoProvider,
        user: &UsmUser,
    ) -> Result<(), UsmError> {
        self.engine.add_user(provider, user)
    }

    /// Adds a user for SNMPv3 Traps from the engine `sender_engine_id` (the Trap sender is
    /// authoritative: its keys are localized to the sender's engine ID).
    pub fn add_trap_user(
        &mut self,
        provider: &dyn CryptoProvider,
        user: &UsmUser,
        sender_engine_id: &[u8],
    ) -> Result<(), UsmError> {
        if !(5..=32).contains(&sender_engine_id.len()) {
            return Err(UsmError::UnknownEngineId {
                len: sender_engine_id.len(),
            });
        }
        let localized = user.localize(provider, sender_engine_id)?;
        self.trap_engines
            .entry(sender_engine_id.to_vec())
            .or_insert_with(|| TrapEngine {
                users: BTreeMap::new(),
                clock: None,
            })
            .users
            .insert(user.name().to_vec(), localized);
        Ok(())
    }

    /// Our engine ID (the one Inform senders discover).
    pub fn engine_id(&self) -> &[u8] {
        self.engine.engine_id()
    }

    /// Our engine's boots and time at `now`.
    pub fn engine_time(&mut self, now: Duration) -> EngineTime {
        self.engine.engine_time(now)
    }

    /// The counters.
    pub fn stats(&self) -> &ReceiverStats {
        &self.stats
    }

    /// Processes one datagram from `source`. `reply` is cleared; when it is not empty
    /// afterwards, send it back to `source`.
    pub fn receive(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
        source: SocketAddr,
        bytes: &[u8],
        reply: &mut Vec<u8>,
    ) -> Outcome {
        reply.clear();
        let result = match Message::decode_with(bytes, &self.opts) {
            Ok((Message::V1(body), _)) => self.receive_community(Version::V1, body, source, reply),
            Ok((Message::V2c(body), _)) => {
                self.receive_community(Version::V2c, body, source, reply)
            }
            // USM processing decodes again from the exact bytes it authenticates.
            Ok((Message::V3(_), _)) => self.receive_v3(provider, now, source, bytes, reply),
            Err(e) => Err(e.into()),
        };
        match result {
            Ok(Some(n)) => {
                match n.kind {
                    NotificationKind::Trap => self.stats.traps += 1,
                    NotificationKind::Inform => self.stats.informs += 1,
                }
                Outcome::Notification(Box::new(n))
            }
            Ok(None) => {
                self.stats.discoveries += 1;
                Outcome::Discovery
            }
            Err(e) => {
                self.stats.count_drop(e.reason());
                Outcome::Dropped(e)
            }
        }
    }

    fn receive_community(
        &mut self,
        version: Version,
        body: CommunityMessage<'_>,
        source: SocketAddr,
        reply: &mut Vec<u8>,
    ) -> Result<Option<Notification>, ReceiveError> {
        if !self.communities.is_empty() && !self.communities.contains(&*body.community) {
            return Err(ReceiveError::UnknownCommunity);
        }
        let security = Security::Community(body.community.to_vec());
        let n = notification(version, security, source, &body.pdu)?;
        if let Pdu::InformRequest(p) = &body.pdu {
            Message::V2c(CommunityMessage {
                community: body.community,
                pdu: response_to(p),
            })
            .encode(reply);
        }
        Ok(Some(n))
    }

    fn receive_v3(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
        source: SocketAddr,
        bytes: &[u8],
        reply: &mut Vec<u8>,
    ) -> Result<Option<Notification>, ReceiveError> {
        let (msg, anomalies) = usm::parse(bytes, &self.opts)?;
        let params = usm::usm_parameters(&msg)?;
        let engine_id: &[u8] = &params.engine_id;
        if engine_id.is_empty() || engine_id == self.engine.engine_id() {
            return self.receive_authoritative(provider, now, source, bytes, reply);
        }
        // A Trap from its own (authoritative) engine.
        let Some(sender) = self.trap_engines.get_mut(engine_id) else {
            return Err(UsmError::UnknownEngineId {
                len: engine_id.len(),
            }
            .into());
        };
        let user = sender
            .users
            .get(&*params.user_name)
            .ok_or(UsmError::UnknownUserName)?;
        let level = usm::SecurityLevel::from_flags(msg.header.flags);
        check_level(user, level)?;
        usm::authenticate(provider, user, bytes, params, level)?;
        if level >= SecurityLevel::AuthNoPriv {
            let received = EngineTime {
                boots: params.engine_boots,
                time: params.engine_time,
            };
            let clock = sender
                .clock
                .get_or_insert_with(|| RemoteClock::tentative(received, now));
            clock
                .update_and_check(received, now)
                .map_err(|local| UsmError::NotInTimeWindow { received, local })?;
        }
        let user = user.clone();
        let mut scratch = Vec::new();
        let incoming = usm::open_data(provider, &user, msg, anomalies, &self.opts, &mut scratch)?;
        let scoped = &incoming.scoped_pdu;
        if !matches!(scoped.pdu, Pdu::SnmpV2Trap(_)) {
            // An Inform's authoritative engine is the receiver: this one is not for us.
            return Err(ReceiveError::NotANotification(scoped.pdu.pdu_type()));
        }
        let security = usm_security(&incoming);
        Ok(Some(notification(
            Version::V3,
            security,
            source,
            &scoped.pdu,
        )?))
    }

    /// An SNMPv3 message for our engine: discovery, an Inform, or a Trap sent to us.
    fn receive_authoritative(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
        source: SocketAddr,
        bytes: &[u8],
        reply: &mut Vec<u8>,
    ) -> Result<Option<Notification>, ReceiveError> {
        let mut scratch = Vec::new();
        let (ctx, incoming) = match self.engine.receive(provider, now, bytes, &mut scratch) {
            Ok(accepted) => accepted,
            Err(rejection) => {
                let reported = self
                    .engine
                    .encode_report(provider, now, &rejection, reply)
                    .unwrap_or(false);
                if reported && rejection.report_stat() == Some(UsmStat::UnknownEngineIds) {
                    return Ok(None);
                }
                return Err(rejection.error.into());
            }
        };
        let scoped = &incoming.scoped_pdu;
        let security = usm_security(&incoming);
        let n = notification(Version::V3, security, source, &scoped.pdu)?;
        if let Pdu::InformRequest(p) = &scoped.pdu {
            self.engine
                .encode_response(provider, now, &ctx, &response_to(p), reply)
                .map_err(ReceiveError::Usm)?;
        }
        Ok(Some(n))
    }
}

/// Who sent an SNMPv3 notification that USM accepted.
fn usm_security(incoming: &Incoming<'_>) -> Security {
    Security::Usm(UsmSecurity {
        user_name: incoming.security.user_name.to_vec(),
        level: incoming.level,
        engine_id: incoming.security.engine_id.to_vec(),
        context_engine_id: incoming.scoped_pdu.context_engine_id.to_vec(),
        context_name: incoming.scoped_pdu.context_name.to_vec(),
    })
}

/// The Response to an Inform (RFC 3416 section 4.2.7): same request-id and varbinds.
fn response_to<'a>(p: &GenericPdu<'a>) -> Pdu<'a> {
    Pdu::Response(GenericPdu::new(p.request_id, p.varbinds.clone()))
}

/// The typed notification in `pdu`, or why it is not one.
fn notification(
    version: Version,
    security: Security,
    source: SocketAddr,
    pdu: &Pdu<'_>,
) -> Result<Notification, ReceiveError> {
    let (kind, p) = match pdu {
        Pdu::Trap(t) => {
            let v1 = V1Trap {
                enterprise: t.enterprise.clone().into_owned(),
                agent_addr: t.agent_addr,
                generic_trap: t.generic_trap,
                specific_trap: t.specific_trap,
            };
            let trap_oid = v1.trap_oid().ok_or(ReceiveError::BadNotification(
                "negative specific-trap maps to no snmpTrapOID",
            ))?;
            return Ok(Notification {
                kind: NotificationKind::Trap,
                version,
                security,
                source,
                request_id: None,
                body: NotificationBody::new(t.time_stamp, trap_oid, t.varbinds.to_vec()),
                v1: Some(v1),
            });
        }
        Pdu::SnmpV2Trap(p) => (NotificationKind::Trap, p),
        Pdu::InformRequest(p) => (NotificationKind::Inform, p),
        other => return Err(ReceiveError::NotANotification(other.pdu_type())),
    };
    let mut varbinds = p.varbinds.iter();
    let uptime = match varbinds.next() {
        Some(VarBind {
            name,
            value: Value::TimeTicks(t),
        }) if name.as_ber() == SYS_UPTIME_0 => t,
        _ => {
            return Err(ReceiveError::BadNotification(
                "the first varbind is not sysUpTime.0 (TimeTicks)",
            ));
        }
    };
    let trap_oid = match varbinds.next() {
        Some(VarBind {
            name,
            value: Value::ObjectIdentifier(oid),
        }) if name.as_ber() == SNMP_TRAP_OID_0 => oid.into_owned(),
        _ => {
            return Err(ReceiveError::BadNotification(
                "the second varbind is not snmpTrapOID.0 (OBJECT IDENTIFIER)",
            ));
        }
    };
    Ok(Notification {
        kind,
        version,
        security,
        source,
        request_id: Some(p.request_id),
        body: NotificationBody::new(
            uptime,
            trap_oid,
            varbinds.map(VarBind::into_owned).collect(),
        ),
        v1: None,
    })
}
