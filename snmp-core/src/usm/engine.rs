//! The two USM state machines, sans-IO: bytes and `now` in, bytes out.
//!
//! - [`Session`]: the non-authoritative side (a manager talking to one agent as one user).
//!   It discovers the agent's engine ID with the unknownEngineID Report (RFC 3414 section 4),
//!   accepts a discovery answered with unknownUserName when it carries the engine parameters
//!   (seen on Dell EMC devices), tracks the agent's boots and time (never backwards), and
//!   resynchronises when a notInTimeWindow Report says the agent rebooted.
//! - [`LocalEngine`]: the authoritative side (an agent, or an Inform receiver). It checks
//!   incoming requests in RFC 3414 section 3.2 order, counts failures in usmStats and
//!   answers them with Reports that carry the request's msgID and request-id.

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::vec::Vec;
use core::time::Duration;

use crate::ber::{Writer, tag};
use crate::crypto::CryptoProvider;
use crate::message::{
    HeaderData, Message, MsgFlags, SECURITY_MODEL_USM, ScopedPdu, ScopedPduData,
    SecurityParameters, UsmSecurityParameters, V3Message,
};
use crate::options::DecodeOptions;
use crate::pdu::{GenericPdu, Pdu, PduType, VarBind, VarBindList};
use crate::usm::key::{KeyCache, LocalizedKeys, LocalizedUser, UsmUser};
use crate::usm::privacy::SaltCounter;
use crate::usm::stats::{UsmStat, UsmStats};
use crate::usm::timeliness::{EngineTime, LocalClock, RemoteClock, in_authoritative_window};
use crate::usm::{
    AlgorithmPolicy, Incoming, Outgoing, ReportKind, SecurityLevel, UsmError, authenticate,
    check_level, generate_raw, open_data, parse, usm_parameters,
};
use crate::value::Value;

/// The `msgMaxSize` this crate advertises by default: the largest UDP payload over IPv4.
pub const DEFAULT_MAX_SIZE: u32 = 65507;

/// Encodes a ScopedPDU from its parts, without cloning the PDU.
fn encode_scoped(context_engine_id: &[u8], context_name: &[u8], pdu: &Pdu<'_>, buf: &mut Vec<u8>) {
    Writer::new(buf).nested(tag::SEQUENCE, |w| {
        w.primitive(tag::OCTET_STRING, context_engine_id);
        w.primitive(tag::OCTET_STRING, context_name);
        pdu.encode(w);
    });
}

fn report_kind(pdu: &Pdu<'_>) -> ReportKind {
    let first = pdu.varbinds().iter().next();
    match first {
        Some(vb) => match UsmStat::from_oid(&vb.name) {
            Some(stat) => ReportKind::Usm(stat),
            None => ReportKind::Other(vb.name.into_owned()),
        },
        None => ReportKind::Empty,
    }
}

/// What [`Session::receive`] made of a message.
// The common case is the large variant: boxing it would allocate for every message.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received<'a> {
    /// A verified, decrypted message for the application (a Response, or a Report that is
    /// not about USM, e.g. snmpUnknownContexts, is returned as an error instead).
    Message(Incoming<'a>),
    /// Discovery completed: the engine ID is known and keys are localized. Encode the
    /// pending request again with [`Session::encode_request`] and send it.
    Discovered,
    /// An authenticated notInTimeWindow Report resynchronised the clock (time sync after
    /// discovery, or the agent rebooted). Encode the pending request again and send it.
    TimeSynchronized,
}

#[derive(Debug, Clone)]
struct Remote {
    user: LocalizedUser,
    clock: RemoteClock,
}

/// The non-authoritative side of USM for one (agent, user) pair: discovery, time
/// synchronisation, request encoding and response processing.
///
/// Typical flow: [`encode_discovery`](Self::encode_discovery) and send; feed the answer to
/// [`receive`](Self::receive) (→ [`Received::Discovered`]); then
/// [`encode_request`](Self::encode_request) for each request and [`receive`](Self::receive)
/// each answer. Whenever `receive` says [`Received::Discovered`] or
/// [`Received::TimeSynchronized`], re-encode and resend the pending request.
#[derive(Debug, Clone)]
pub struct Session {
    user: UsmUser,
    level: SecurityLevel,
    opts: DecodeOptions,
    max_size: u32,
    salt: SaltCounter,
    remote: Option<Remote>,
}

impl Session {
    /// A session for `user` at `level`, checked against `policy`.
    pub fn new(
        provider: &dyn CryptoProvider,
        user: UsmUser,
        level: SecurityLevel,
        policy: AlgorithmPolicy,
    ) -> Result<Self, UsmError> {
        let supported = user.max_level();
        if level > supported {
            return Err(UsmError::UnsupportedSecurityLevel {
                requested: level,
                supported,
            });
        }
        user.check_policy(policy)?;
        Ok(Self {
            user,
            level,
            opts: DecodeOptions::default(),
            max_size: DEFAULT_MAX_SIZE,
            salt: SaltCounter::new(provider.salt_seed()?),
            remote: None,
        })
    }

    /// Decodes incoming messages with these options.
    #[must_use]
    pub fn with_decode_options(mut self, opts: DecodeOptions) -> Self {
        self.opts = opts;
        self
    }

    /// Advertises this `msgMaxSize` (default 65507).
    #[must_use]
    pub fn with_max_size(mut self, max_size: u32) -> Self {
        self.max_size = max_size;
        self
    }

    /// Uses a known engine ID instead of discovery (e.g. from configuration), with a
    /// tentative boots/time that the first authenticated message replaces.
    pub fn set_engine(
        &mut self,
        provider: &dyn CryptoProvider,
        keys: &mut KeyCache,
        engine_id: &[u8],
        time: EngineTime,
        now: Duration,
    ) -> Result<(), UsmError> {
        let user = keys.localize(provider, &self.user, engine_id)?;
        self.remote = Some(Remote {
            user,
            clock: RemoteClock::tentative(time, now),
        });
        Ok(())
    }

    /// Forgets the engine: the next request needs discovery again.
    pub fn reset(&mut self) {
        self.remote = None;
    }

    /// Whether the engine ID is known.
    pub fn is_discovered(&self) -> bool {
        self.remote.is_some()
    }

    /// The agent's engine ID, once discovered.
    pub fn engine_id(&self) -> Option<&[u8]> {
        self.remote.as_ref().map(|r| r.user.engine_id())
    }

    /// The agent's boots and estimated time at `now`, once discovered.
    pub fn engine_time(&self, now: Duration) -> Option<EngineTime> {
        self.remote.as_ref().map(|r| r.clock.estimate(now))
    }

    /// Whether an authenticated message has confirmed the agent's boots and time.
    pub fn is_time_synchronized(&self) -> bool {
        self.remote
            .as_ref()
            .is_some_and(|r| r.clock.is_authenticated())
    }

    /// The security level requests are sent at.
    pub fn level(&self) -> SecurityLevel {
        self.level
    }

    /// The discovery probe (RFC 3414 section 4): a reportable noAuthNoPriv GetRequest with an
    /// empty engine ID, user name and varbind list, as net-snmp sends it.
    pub fn encode_discovery(&self, msg_id: u32, request_id: i32, buf: &mut Vec<u8>) {
        let msg = Message::V3(V3Message {
            header: HeaderData {
                msg_id,
                max_size: self.max_size,
                flags: MsgFlags {
                    auth: false,
                    privacy: false,
                    reportable: true,
                },
                security_model: SECURITY_MODEL_USM,
            },
            security_parameters: SecurityParameters::Usm(UsmSecurityParameters::default()),
            data: ScopedPduData::Plaintext(ScopedPdu {
                context_engine_id: Cow::Borrowed(&[]),
                context_name: Cow::Borrowed(&[]),
                pdu: Pdu::GetRequest(GenericPdu::new(request_id, VarBindList::new())),
            }),
        });
        msg.encode(buf);
    }

    /// Encodes a request (or an Inform, or a trap sent to this engine) at the session's level,
    /// with the agent's engine ID as contextEngineID. Fails with
    /// [`UsmError::DiscoveryNeeded`] before discovery.
    pub fn encode_request(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
        msg_id: u32,
        context_name: &[u8],
        pdu: &Pdu<'_>,
        buf: &mut Vec<u8>,
    ) -> Result<(), UsmError> {
        self.encode_request_in_context(provider, now, msg_id, None, context_name, pdu, buf)
    }

    /// [`encode_request`](Self::encode_request) with an explicit contextEngineID (net-snmp's
    /// `-E`, e.g. to reach a proxied engine); `None` uses the agent's engine ID.
    #[allow(clippy::too_many_arguments)]
    pub fn encode_request_in_context(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
        msg_id: u32,
        context_engine_id: Option<&[u8]>,
        context_name: &[u8],
        pdu: &Pdu<'_>,
        buf: &mut Vec<u8>,
    ) -> Result<(), UsmError> {
        let remote = self.remote.as_ref().ok_or(UsmError::DiscoveryNeeded)?;
        let time = remote.clock.estimate(now);
        let mut data = Vec::with_capacity(256);
        let context_engine_id = context_engine_id.unwrap_or(remote.user.engine_id());
        encode_scoped(context_engine_id, context_name, pdu, &mut data);
        let reportable = !matches!(
            pdu.pdu_type(),
            PduType::Response | PduType::Report | PduType::SnmpV2Trap | PduType::Trap
        );
        let out = Outgoing {
            msg_id,
            max_size: self.max_size,
            level: self.level,
            reportable,
            engine_boots: time.boots,
            engine_time: time.time,
        };
        generate_raw(provider, &remote.user, &out, &mut data, &mut self.salt, buf)
    }

    /// Processes a message from the agent. Reports that USM handles (discovery, time sync)
    /// come back as [`Received::Discovered`] / [`Received::TimeSynchronized`]; other
    /// Reports as [`UsmError::ReportReceived`]; security failures as the matching
    /// [`UsmError`]. Match `incoming.header.msg_id` and the request-id to your request.
    pub fn receive<'a>(
        &mut self,
        provider: &dyn CryptoProvider,
        keys: &mut KeyCache,
        now: Duration,
        bytes: &'a [u8],
        scratch: &'a mut Vec<u8>,
    ) -> Result<Received<'a>, UsmError> {
        let (msg, anomalies) = parse(bytes, &self.opts)?;
        let usm = usm_parameters(&msg)?;
        let level = SecurityLevel::from_flags(msg.header.flags);
        if level == SecurityLevel::NoAuthNoPriv
            && let ScopedPduData::Plaintext(s) = &msg.data
            && matches!(s.pdu, Pdu::Report(_))
        {
            let kind = report_kind(&s.pdu);
            let engine_id: &[u8] = &usm.engine_id;
            let known = self.remote.as_ref().map(|r| r.user.engine_id());
            let discovery = !engine_id.is_empty()
                && match kind {
                    // The answer to discovery, or the engine ID changed.
                    ReportKind::Usm(UsmStat::UnknownEngineIds) => known != Some(engine_id),
                    // Dell EMC: discovery answered with unknownUserName plus engine parameters.
                    ReportKind::Usm(UsmStat::UnknownUserNames) => known.is_none(),
                    _ => false,
                };
            if discovery {
                let time = EngineTime {
                    boots: usm.engine_boots,
                    time: usm.engine_time,
                };
                let user = keys.localize(provider, &self.user, engine_id)?;
                self.remote = Some(Remote {
                    user,
                    clock: RemoteClock::tentative(time, now),
                });
                return Ok(Received::Discovered);
            }
            return Err(UsmError::ReportReceived { kind });
        }
        let remote = self.remote.as_mut().ok_or(UsmError::DiscoveryNeeded)?;
        if *usm.engine_id != *remote.user.engine_id() {
            return Err(UsmError::UnknownEngineId {
                len: usm.engine_id.len(),
            });
        }
        if *usm.user_name != *remote.user.name() {
            return Err(UsmError::UnknownUserName);
        }
        check_level(&remote.user, level)?;
        authenticate(provider, &remote.user, bytes, usm, level)?;
        if level >= SecurityLevel::AuthNoPriv {
            let received = EngineTime {
                boots: usm.engine_boots,
                time: usm.engine_time,
            };
            remote
                .clock
                .update_and_check(received, now)
                .map_err(|local| UsmError::NotInTimeWindow { received, local })?;
        }
        let incoming = open_data(provider, &remote.user, msg, anomalies, &self.opts, scratch)?;
        if let Pdu::Report(_) = &incoming.scoped_pdu.pdu {
            let kind = report_kind(&incoming.scoped_pdu.pdu);
            if kind == ReportKind::Usm(UsmStat::NotInTimeWindows)
                && level >= SecurityLevel::AuthNoPriv
            {
                return Ok(Received::TimeSynchronized);
            }
            return Err(UsmError::ReportReceived { kind });
        }
        if incoming.level < self.level {
            return Err(UsmError::SecurityLevelMismatch {
                expected: self.level,
                received: incoming.level,
            });
        }
        Ok(Received::Message(incoming))
    }
}

/// What an authoritative engine needs to answer an accepted request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestContext {
    /// The request's `msgID` (the response carries it back).
    pub msg_id: u32,
    /// The requester's `msgMaxSize`.
    pub max_size: u32,
    /// The user (securityName).
    pub user_name: Vec<u8>,
    /// The level the request was protected with (the response uses it too).
    pub level: SecurityLevel,
    /// The request's contextEngineID (the response carries it back: RFC 3412 section 7.1
    /// step 3; net-snmp's managers and Inform senders check it).
    pub context_engine_id: Vec<u8>,
    /// The request's contextName.
    pub context_name: Vec<u8>,
    /// The request's request-id.
    pub request_id: Option<i32>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PendingReport {
    stat: UsmStat,
    value: u32,
    msg_id: u32,
    request_id: i32,
    user_name: Vec<u8>,
    level: SecurityLevel,
    context_name: Vec<u8>,
}

/// A refused incoming message: the error, and the Report to send back when RFC 3412 asks
/// for one (reportableFlag set, confirmed-class PDU or encrypted, a usmStats failure).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// Why the message was refused.
    pub error: UsmError,
    report: Option<PendingReport>,
}

impl Rejection {
    /// The counter the Report carries, when one is due.
    pub fn report_stat(&self) -> Option<UsmStat> {
        self.report.as_ref().map(|r| r.stat)
    }
}

impl From<UsmError> for Rejection {
    fn from(error: UsmError) -> Self {
        Self {
            error,
            report: None,
        }
    }
}

/// The authoritative side of USM: an engine ID, a clock, localized users, usmStats.
#[derive(Debug, Clone)]
pub struct LocalEngine {
    engine_id: Vec<u8>,
    clock: LocalClock,
    users: BTreeMap<Vec<u8>, LocalizedUser>,
    stats: UsmStats,
    salt: SaltCounter,
    policy: AlgorithmPolicy,
    opts: DecodeOptions,
    max_size: u32,
}

impl LocalEngine {
    /// An engine with `engine_id` whose `snmpEngineBoots` is `boots` (persist it and add one
    /// at every start) and whose time starts at `now`.
    pub fn new(
        provider: &dyn CryptoProvider,
        engine_id: &[u8],
        boots: u32,
        now: Duration,
    ) -> Result<Self, UsmError> {
        Ok(Self {
            engine_id: engine_id.to_vec(),
            clock: LocalClock::new(boots, now),
            users: BTreeMap::new(),
            stats: UsmStats::default(),
            salt: SaltCounter::new(provider.salt_seed()?),
            policy: AlgorithmPolicy::Any,
            opts: DecodeOptions::default(),
            max_size: DEFAULT_MAX_SIZE,
        })
    }

    /// Refuses users whose algorithms `policy` does not allow (set before adding users).
    #[must_use]
    pub fn with_policy(mut self, policy: AlgorithmPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Decodes incoming messages with these options.
    #[must_use]
    pub fn with_decode_options(mut self, opts: DecodeOptions) -> Self {
        self.opts = opts;
        self
    }

    /// Adds (or replaces) a user, localizing its keys to this engine.
    pub fn add_user(
        &mut self,
        provider: &dyn CryptoProvider,
        user: &UsmUser,
    ) -> Result<(), UsmError> {
        user.check_policy(self.policy)?;
        let localized = user.localize(provider, &self.engine_id)?;
        self.users.insert(user.name().to_vec(), localized);
        Ok(())
    }

    /// Adds (or replaces) a user configured with localized keys for this engine.
    pub fn add_localized_user(&mut self, user: LocalizedUser) -> Result<(), UsmError> {
        if user.engine_id() != self.engine_id.as_slice() {
            return Err(UsmError::UnknownEngineId {
                len: user.engine_id().len(),
            });
        }
        if let Some(p) = user.auth_protocol() {
            self.policy.check_auth(p)?;
        }
        if let Some(p) = user.priv_protocol() {
            self.policy.check_priv(p)?;
        }
        self.users.insert(user.name().to_vec(), user);
        Ok(())
    }

    /// Removes a user.
    pub fn remove_user(&mut self, name: &[u8]) {
        self.users.remove(name);
    }

    /// This engine's ID.
    pub fn engine_id(&self) -> &[u8] {
        &self.engine_id
    }

    /// `snmpEngineBoots` and `snmpEngineTime` at `now`.
    pub fn engine_time(&mut self, now: Duration) -> EngineTime {
        self.clock.now(now)
    }

    /// A restart: boots + 1, time from 0.
    pub fn reboot(&mut self, now: Duration) {
        self.clock.reboot(now);
    }

    /// The usmStats counters.
    pub fn stats(&self) -> &UsmStats {
        &self.stats
    }

    /// Processes an incoming message (RFC 3414 section 3.2): engine ID, user, security level,
    /// digest, time window, decryption, in that order. On success, the request and what is
    /// needed to answer it; on failure, a [`Rejection`] whose Report
    /// [`encode_report`](Self::encode_report) produces.
    pub fn receive<'a>(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
        bytes: &'a [u8],
        scratch: &'a mut Vec<u8>,
    ) -> Result<(RequestContext, Incoming<'a>), Rejection> {
        let (msg, anomalies) = parse(bytes, &self.opts)?;
        let usm = usm_parameters(&msg)?;
        let level = SecurityLevel::from_flags(msg.header.flags);
        let plain = match &msg.data {
            ScopedPduData::Plaintext(s) => Some(s),
            ScopedPduData::Encrypted(_) => None,
        };
        let confirmed = plain.is_none_or(|s| {
            matches!(
                s.pdu.pdu_type(),
                PduType::GetRequest
                    | PduType::GetNextRequest
                    | PduType::GetBulkRequest
                    | PduType::SetRequest
                    | PduType::InformRequest
            )
        });
        let mut report = PendingReport {
            stat: UsmStat::UnknownEngineIds,
            value: 0,
            msg_id: msg.header.msg_id,
            request_id: plain.and_then(|s| s.pdu.request_id()).unwrap_or(0),
            user_name: usm.user_name.to_vec(),
            level: SecurityLevel::NoAuthNoPriv,
            context_name: plain.map(|s| s.context_name.to_vec()).unwrap_or_default(),
        };
        let reportable = msg.header.flags.reportable && confirmed;
        let stats = &mut self.stats;
        let mut reject = |error: UsmError, report_level: SecurityLevel, report: PendingReport| {
            let Some(stat) = error.stat() else {
                return Rejection {
                    error,
                    report: None,
                };
            };
            let value = stats.increment(stat);
            Rejection {
                error,
                report: reportable.then_some(PendingReport {
                    stat,
                    value,
                    level: report_level,
                    ..report
                }),
            }
        };
        if *usm.engine_id != *self.engine_id {
            let e = UsmError::UnknownEngineId {
                len: usm.engine_id.len(),
            };
            return Err(reject(e, SecurityLevel::NoAuthNoPriv, report));
        }
        let Some(user) = self.users.get(&*usm.user_name) else {
            return Err(reject(
                UsmError::UnknownUserName,
                SecurityLevel::NoAuthNoPriv,
                report,
            ));
        };
        if let Err(e) = check_level(user, level) {
            return Err(reject(e, SecurityLevel::NoAuthNoPriv, report));
        }
        if let Err(e) = authenticate(provider, user, bytes, usm, level) {
            return Err(reject(e, SecurityLevel::NoAuthNoPriv, report));
        }
        if level >= SecurityLevel::AuthNoPriv {
            let local = self.clock.now(now);
            let received = EngineTime {
                boots: usm.engine_boots,
                time: usm.engine_time,
            };
            if !in_authoritative_window(local, received) {
                // Authenticated so that the requester can trust the boots and time it carries.
                let e = UsmError::NotInTimeWindow { received, local };
                return Err(reject(e, SecurityLevel::AuthNoPriv, report));
            }
        }
        let header = msg.header;
        let user_name = usm.user_name.to_vec();
        match open_data(provider, user, msg, anomalies, &self.opts, scratch) {
            Ok(incoming) => {
                let ctx = RequestContext {
                    msg_id: header.msg_id,
                    max_size: header.max_size,
                    user_name,
                    level,
                    context_engine_id: incoming.scoped_pdu.context_engine_id.to_vec(),
                    context_name: incoming.scoped_pdu.context_name.to_vec(),
                    request_id: incoming.scoped_pdu.pdu.request_id(),
                };
                Ok((ctx, incoming))
            }
            Err(e) => {
                report.request_id = 0;
                Err(reject(e, SecurityLevel::NoAuthNoPriv, report))
            }
        }
    }

    /// Encodes the response to an accepted request at the request's level, in the request's
    /// context (contextEngineID and contextName).
    pub fn encode_response(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
        ctx: &RequestContext,
        pdu: &Pdu<'_>,
        buf: &mut Vec<u8>,
    ) -> Result<(), UsmError> {
        let time = self.clock.now(now);
        let user = self
            .users
            .get(&ctx.user_name)
            .ok_or(UsmError::UnknownUserName)?;
        let mut data = Vec::with_capacity(256);
        encode_scoped(&ctx.context_engine_id, &ctx.context_name, pdu, &mut data);
        let out = Outgoing {
            msg_id: ctx.msg_id,
            max_size: self.max_size,
            level: ctx.level,
            reportable: false,
            engine_boots: time.boots,
            engine_time: time.time,
        };
        generate_raw(provider, user, &out, &mut data, &mut self.salt, buf)
    }

    /// Encodes a notification (SNMPv2-Trap) sent by this engine, which is authoritative for
    /// it: the message carries this engine's ID, boots and time, and the user's keys
    /// localized to this engine. (The receiver must know the user under this engine ID.)
    #[allow(clippy::too_many_arguments)]
    pub fn encode_notification(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
        user_name: &[u8],
        level: SecurityLevel,
        msg_id: u32,
        context_name: &[u8],
        pdu: &Pdu<'_>,
        buf: &mut Vec<u8>,
    ) -> Result<(), UsmError> {
        let time = self.clock.now(now);
        let user = self.users.get(user_name).ok_or(UsmError::UnknownUserName)?;
        let mut data = Vec::with_capacity(256);
        encode_scoped(&self.engine_id, context_name, pdu, &mut data);
        let out = Outgoing {
            msg_id,
            max_size: self.max_size,
            level,
            reportable: false,
            engine_boots: time.boots,
            engine_time: time.time,
        };
        generate_raw(provider, user, &out, &mut data, &mut self.salt, buf)
    }

    /// Encodes the Report for a rejection, if one is due; returns whether it wrote one. The
    /// Report carries the request's msgID and request-id (0 when the request could not be
    /// read), this engine's ID, boots and time, and one varbind: the counter and its value.
    /// A notInTimeWindow Report is authenticated (authNoPriv); the others are noAuthNoPriv.
    pub fn encode_report(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
        rejection: &Rejection,
        buf: &mut Vec<u8>,
    ) -> Result<bool, UsmError> {
        let Some(report) = &rejection.report else {
            return Ok(false);
        };
        let time = self.clock.now(now);
        let anonymous;
        let user = match report.level {
            SecurityLevel::NoAuthNoPriv => {
                anonymous = LocalizedUser::from_keys(
                    &report.user_name,
                    &self.engine_id,
                    LocalizedKeys::default(),
                )?;
                &anonymous
            }
            _ => self
                .users
                .get(&report.user_name)
                .ok_or(UsmError::UnknownUserName)?,
        };
        let varbinds = alloc::vec![VarBind::new(
            report.stat.oid(),
            Value::Counter32(report.value)
        )];
        let pdu = Pdu::Report(GenericPdu::new(report.request_id, varbinds));
        let mut data = Vec::with_capacity(128);
        encode_scoped(&self.engine_id, &report.context_name, &pdu, &mut data);
        let out = Outgoing {
            msg_id: report.msg_id,
            max_size: self.max_size,
            level: report.level,
            reportable: false,
            engine_boots: time.boots,
            engine_time: time.time,
        };
        generate_raw(provider, user, &out, &mut data, &mut self.salt, buf)?;
        Ok(true)
    }
}
