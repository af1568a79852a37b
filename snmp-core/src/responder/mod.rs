//! The command responder (an SNMP agent), sans-IO: request bytes and `now` in, a Response,
//! a Report, or nothing out.
//!
//! - [`MibHandler`] is what answers for a subtree; [`MibTree`] is a ready in-memory one;
//!   [`Mib`] routes requests to handlers registered at disjoint subtrees.
//! - [`Responder::handle`] implements the RFC 3416 operations: Get, GetNext, GetBulk
//!   (non-repeaters, max-repetitions, truncation to the size limit) and a two-phase Set, with
//!   noSuchObject/noSuchInstance/endOfMibView, tooBig, and the RFC 3584 mapping to SNMPv1
//!   errors (noSuchName, badValue, genErr; Counter64 is skipped by GetNext and refused by Get).
//! - Access control is [VACM](crate::vacm): communities map to security names
//!   ([`Responder::add_community`]), v3 users are USM principals; both get their views from the
//!   same tables.
//! - SNMPv3 runs as an authoritative engine ([`Responder::enable_v3`]): engine ID, boots from
//!   a [`BootsStore`], time from `now`; security is [`usm::LocalEngine`](crate::usm::LocalEngine)'s
//!   (usmStats and Reports).
//! - Work per packet is bounded ([`ResponderLimits`]): varbinds per response, handler calls per
//!   request, response size.
//!
//! The tokio UDP server is [`server`] (feature `tokio`).
//!
//! ```
//! use std::sync::Arc;
//! use std::time::Duration;
//! use fleetwire_snmp::crypto::RustCrypto;
//! use fleetwire_snmp::responder::{Handled, MibTree, Responder};
//! use fleetwire_snmp::{CommunityMessage, GenericPdu, Message, Oid, Pdu, Value, VarBind};
//!
//! let sys_descr: Oid = "1.3.6.1.2.1.1.1.0".parse()?;
//! let tree: MibTree = [(sys_descr.clone(), Value::OctetString(b"printer"[..].into()))].into_iter().collect();
//! let mut responder = Responder::new(Arc::new(RustCrypto::new()));
//! responder.mib_mut().register("1.3.6.1.2.1".parse()?, tree)?;
//! responder.allow_community(b"public", "1.3.6.1".parse()?, false)?;
//!
//! let request = Message::V2c(CommunityMessage {
//!     community: b"public"[..].into(),
//!     pdu: Pdu::GetRequest(GenericPdu::new(1, vec![VarBind::null(sys_descr.clone())])),
//! });
//! let mut out = Vec::new();
//! assert_eq!(responder.handle(Duration::ZERO, &request.to_vec(), &mut out), Handled::Response);
//! let response = Message::decode(&out)?;
//! let vb = response.pdu().unwrap().varbinds().iter().next().unwrap();
//! assert_eq!(vb.value, Value::OctetString(b"printer"[..].into()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::borrow::Cow;
use alloc::collections::BTreeMap;
use alloc::string::String;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Bound;
use core::time::Duration;

use crate::crypto::CryptoProvider;
use crate::error::DecodeError;
use crate::message::{CommunityMessage, Message};
use crate::oid::Oid;
use crate::options::DecodeOptions;
use crate::pdu::{BulkPdu, ErrorStatus, GenericPdu, Pdu, PduType, VarBind, VarBindList};
use crate::usm::{LocalEngine, RequestContext, SecurityLevel, UsmError, UsmUser};
use crate::vacm::{FamilyType, SecurityModel, Skip, Vacm, VacmError, View, ViewType};
use crate::value::Value;

mod mib;
#[cfg(feature = "tokio")]
#[cfg_attr(docsrs, doc(cfg(feature = "tokio")))]
pub mod server;

use mib::Exhausted;
pub use mib::{Mib, MibError, MibHandler, MibTree, Undo};

/// snmpUnknownContexts.0 (RFC 3413), the counter of the Report for an unknown contextName.
const SNMP_UNKNOWN_CONTEXTS: [u32; 10] = [1, 3, 6, 1, 6, 3, 12, 1, 5, 0];

/// Limits that bound the work and memory per request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ResponderLimits {
    /// The largest response message this responder sends (a v3 requester's smaller
    /// msgMaxSize wins). Default 65507, the largest UDP payload over IPv4.
    pub max_message_size: usize,
    /// The most varbinds in a GetBulk response. Default 2048.
    pub max_bulk_varbinds: usize,
    /// The most handler calls one request may make (GetNext and GetBulk walks, including
    /// objects skipped because they are outside the view). Default 100,000.
    pub max_handler_calls: usize,
}

impl Default for ResponderLimits {
    fn default() -> Self {
        Self {
            max_message_size: 65507,
            max_bulk_varbinds: 2048,
            max_handler_calls: 100_000,
        }
    }
}

/// The SNMP group counters (RFC 3418 `snmp` group) this responder keeps.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ResponderStats {
    /// snmpInPkts: every message handed to [`Responder::handle`].
    pub in_pkts: u32,
    /// snmpInBadVersions: v3 messages while v3 is not enabled.
    pub in_bad_versions: u32,
    /// snmpInBadCommunityNames.
    pub in_bad_community_names: u32,
    /// snmpInASNParseErrs.
    pub in_asn_parse_errs: u32,
    /// snmpSilentDrops: requests whose tooBig response would not fit either.
    pub silent_drops: u32,
    /// snmpUnknownContexts (RFC 3413).
    pub unknown_contexts: u32,
    /// snmpUnknownPDUHandlers (RFC 3412): v3 requests for another contextEngineID, and PDUs
    /// that are not requests.
    pub unknown_pdu_handlers: u32,
}

/// What [`Responder::handle`] did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Handled {
    /// A Response is in the output buffer.
    Response,
    /// A Report is in the output buffer (USM refused the request, or the context is unknown).
    Report,
    /// Nothing to send.
    Dropped(Dropped),
}

/// Why a message got no answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Dropped {
    /// The message does not decode.
    #[error("malformed message: {0}")]
    Malformed(DecodeError),
    /// An SNMPv3 message, and v3 is not enabled.
    #[error("SNMPv3 is not enabled")]
    V3Disabled,
    /// A community that is not configured.
    #[error("unknown community")]
    UnknownCommunity,
    /// A PDU a command responder does not answer (Response, Trap, Inform, Report).
    #[error("{0} is not a request a command responder answers")]
    NotARequest(PduType),
    /// A v3 request for another contextEngineID.
    #[error("contextEngineID is not this engine's")]
    UnknownContextEngineId,
    /// USM refused the message and no Report is due (not reportable, or not a usmStats
    /// failure).
    #[error("refused by USM: {0}")]
    Usm(UsmError),
    /// Even the tooBig response exceeds the size limit (snmpSilentDrops).
    #[error("even a tooBig response exceeds {0} bytes")]
    TooBig(usize),
    /// Encoding the answer failed in USM.
    #[error("encoding the answer failed: {0}")]
    Encode(UsmError),
}

/// Why the responder could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ResponderError {
    /// USM refused the engine or a user.
    #[error(transparent)]
    Usm(#[from] UsmError),
    /// A view could not be added.
    #[error(transparent)]
    Vacm(#[from] VacmError),
    /// A user was added before [`Responder::enable_v3`].
    #[error("SNMPv3 is not enabled: call enable_v3 first")]
    V3Disabled,
    /// The boots store failed.
    #[error("engine boots store: {0}")]
    Boots(String),
}

/// Where `snmpEngineBoots` survives restarts (RFC 3414 section 2.2): each start reads the
/// stored value, stores it plus one, and runs with the new value.
pub trait BootsStore {
    /// Increments the stored boots (saturating at 2147483647) and returns the new value.
    fn increment(&mut self) -> Result<u32, ResponderError>;
}

/// The largest `snmpEngineBoots` (RFC 3414: it then stays there).
pub const MAX_ENGINE_BOOTS: u32 = 2_147_483_647;

/// A [`BootsStore`] in memory (tests, and engines that never restart).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct MemoryBoots(pub u32);

impl BootsStore for MemoryBoots {
    fn increment(&mut self) -> Result<u32, ResponderError> {
        self.0 = self.0.saturating_add(1).min(MAX_ENGINE_BOOTS);
        Ok(self.0)
    }
}

/// A [`BootsStore`] in a text file holding the decimal value (written to a temporary file and
/// renamed, so a crash never leaves it half-written). A missing file counts as 0.
#[cfg(feature = "std")]
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileBoots(pub std::path::PathBuf);

#[cfg(feature = "std")]
impl BootsStore for FileBoots {
    fn increment(&mut self) -> Result<u32, ResponderError> {
        let err = |what: &str, e: std::io::Error| {
            ResponderError::Boots(alloc::format!("{what} {}: {e}", self.0.display()))
        };
        let old = match std::fs::read_to_string(&self.0) {
            Ok(text) => text
                .trim()
                .parse::<u32>()
                .map_err(|e| ResponderError::Boots(alloc::format!("{}: {e}", self.0.display())))?,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => 0,
            Err(e) => return Err(err("reading", e)),
        };
        let new = old.saturating_add(1).min(MAX_ENGINE_BOOTS);
        let mut tmp = self.0.clone().into_os_string();
        tmp.push(".tmp");
        std::fs::write(&tmp, alloc::format!("{new}\n")).map_err(|e| err("writing", e))?;
        std::fs::rename(&tmp, &self.0).map_err(|e| err("renaming to", e))?;
        Ok(new)
    }
}

/// The principal a request runs as, for VACM.
struct Principal<'p> {
    model: SecurityModel,
    name: &'p [u8],
    level: SecurityLevel,
    context: &'p [u8],
}

/// A command responder: MIB handlers, VACM, communities, and optionally a v3 engine.
#[derive(Debug)]
pub struct Responder {
    crypto: Arc<dyn CryptoProvider>,
    mib: Mib,
    vacm: Vacm,
    communities: BTreeMap<Vec<u8>, Vec<u8>>,
    engine: Option<LocalEngine>,
    limits: ResponderLimits,
    decode: DecodeOptions,
    stats: ResponderStats,
    scratch: Vec<u8>,
}

impl Responder {
    /// A responder with no handlers, no communities and v3 disabled.
    pub fn new(crypto: Arc<dyn CryptoProvider>) -> Self {
        Self {
            crypto,
            mib: Mib::new(),
            vacm: Vacm::new(),
            communities: BTreeMap::new(),
            engine: None,
            limits: ResponderLimits::default(),
            decode: DecodeOptions::default(),
            stats: ResponderStats::default(),
            scratch: Vec::new(),
        }
    }

    /// Uses these limits.
    #[must_use]
    pub fn with_limits(mut self, limits: ResponderLimits) -> Self {
        self.limits = limits;
        self
    }

    /// Decodes v1/v2c requests with these options (leniency for quirky managers; v3 uses the
    /// engine's).
    #[must_use]
    pub fn with_decode_options(mut self, opts: DecodeOptions) -> Self {
        self.decode = opts;
        self
    }

    /// The MIB handlers.
    pub fn mib(&self) -> &Mib {
        &self.mib
    }

    /// The MIB handlers, to register handlers or update their values.
    pub fn mib_mut(&mut self) -> &mut Mib {
        &mut self.mib
    }

    /// The VACM tables.
    pub fn vacm(&self) -> &Vacm {
        &self.vacm
    }

    /// The VACM tables, to add groups, access entries and views.
    pub fn vacm_mut(&mut self) -> &mut Vacm {
        &mut self.vacm
    }

    /// The counters.
    pub fn stats(&self) -> &ResponderStats {
        &self.stats
    }

    /// Maps `community` to `security_name` for SNMPv1 and SNMPv2c (RFC 3584
    /// `snmpCommunityTable`); VACM then decides what the security name may do.
    pub fn add_community(&mut self, community: &[u8], security_name: &[u8]) {
        self.communities
            .insert(community.to_vec(), security_name.to_vec());
    }

    /// Removes a community.
    pub fn remove_community(&mut self, community: &[u8]) {
        self.communities.remove(community);
    }

    /// The common case in one call: `community` (as its own security name) reads, and with
    /// `write` also writes, everything under `subtree`, over v1 and v2c.
    pub fn allow_community(
        &mut self,
        community: &[u8],
        subtree: Oid<'static>,
        write: bool,
    ) -> Result<(), ResponderError> {
        let mut view = b"community:".to_vec();
        view.extend_from_slice(community);
        self.vacm
            .add_view_family(&view, subtree, &[], FamilyType::Included)?;
        let write_view: &[u8] = if write { &view } else { b"" };
        for model in [SecurityModel::V1, SecurityModel::V2c] {
            self.vacm.grant(
                model,
                community,
                SecurityLevel::NoAuthNoPriv,
                &view,
                write_view,
            );
        }
        self.add_community(community, community);
        Ok(())
    }

    /// Enables SNMPv3 as the authoritative engine `engine_id`, with this run's
    /// `snmpEngineBoots` taken from `boots` and `snmpEngineTime` counted from `now`.
    pub fn enable_v3(
        &mut self,
        engine_id: &[u8],
        boots: &mut dyn BootsStore,
        now: Duration,
    ) -> Result<(), ResponderError> {
        let boots = boots.increment()?;
        self.engine = Some(LocalEngine::new(&*self.crypto, engine_id, boots, now)?);
        Ok(())
    }

    /// Uses an engine configured elsewhere (policy, localized users, decode options).
    pub fn set_engine(&mut self, engine: LocalEngine) {
        self.engine = Some(engine);
    }

    /// The v3 engine, when enabled.
    pub fn engine(&self) -> Option<&LocalEngine> {
        self.engine.as_ref()
    }

    /// The v3 engine, when enabled (to add localized users, reboot, read usmStats).
    pub fn engine_mut(&mut self) -> Option<&mut LocalEngine> {
        self.engine.as_mut()
    }

    /// Adds a USM user (keys localized to this engine). VACM access is separate: see
    /// [`Vacm::grant`] with [`SecurityModel::Usm`].
    pub fn add_user(&mut self, user: &UsmUser) -> Result<(), ResponderError> {
        let engine = self.engine.as_mut().ok_or(ResponderError::V3Disabled)?;
        engine.add_user(&*self.crypto, user)?;
        Ok(())
    }

    /// Answers one request: writes a Response or Report to `out` (cleared first) and says
    /// which, or says why nothing is to be sent. Never panics, whatever the bytes.
    pub fn handle(&mut self, now: Duration, request: &[u8], out: &mut Vec<u8>) -> Handled {
        out.clear();
        self.stats.in_pkts = self.stats.in_pkts.wrapping_add(1);
        if sniff_version(request) == Some(3) {
            return self.handle_v3(now, request, out);
        }
        let msg = match Message::decode_with(request, &self.decode) {
            Ok((m, _)) => m,
            Err(e) => {
                self.stats.in_asn_parse_errs += 1;
                return Handled::Dropped(Dropped::Malformed(e));
            }
        };
        let (v1, cm) = match msg {
            Message::V1(cm) => (true, cm),
            Message::V2c(cm) => (false, cm),
            Message::V3(_) => return self.handle_v3(now, request, out),
        };
        let Some(name) = self.communities.get(&*cm.community) else {
            self.stats.in_bad_community_names += 1;
            return Handled::Dropped(Dropped::UnknownCommunity);
        };
        let principal = Principal {
            model: if v1 {
                SecurityModel::V1
            } else {
                SecurityModel::V2c
            },
            name,
            level: SecurityLevel::NoAuthNoPriv,
            context: b"",
        };
        let limit = self.limits.max_message_size;
        let overhead = community_overhead(cm.community.len());
        let reply = match answer(
            &mut self.mib,
            &self.vacm,
            &principal,
            &cm.pdu,
            v1,
            &self.limits,
            limit.saturating_sub(overhead),
        ) {
            Ok(reply) => reply,
            Err(t) => return Handled::Dropped(Dropped::NotARequest(t)),
        };
        let encode = |pdu: GenericPdu<'_>, out: &mut Vec<u8>| {
            let cm = CommunityMessage {
                community: Cow::Borrowed(&*cm.community),
                pdu: Pdu::Response(pdu),
            };
            let msg = if v1 {
                Message::V1(cm)
            } else {
                Message::V2c(cm)
            };
            msg.encode(out);
        };
        encode(reply, out);
        if out.len() <= limit {
            return Handled::Response;
        }
        out.clear();
        encode(too_big(&cm.pdu, v1), out);
        if out.len() <= limit {
            return Handled::Response;
        }
        out.clear();
        self.stats.silent_drops += 1;
        Handled::Dropped(Dropped::TooBig(limit))
    }

    fn handle_v3(&mut self, now: Duration, request: &[u8], out: &mut Vec<u8>) -> Handled {
        let Some(engine) = self.engine.as_mut() else {
            self.stats.in_bad_versions += 1;
            return Handled::Dropped(Dropped::V3Disabled);
        };
        let crypto = &*self.crypto;
        let (ctx, incoming) = match engine.receive(crypto, now, request, &mut self.scratch) {
            Ok(accepted) => accepted,
            Err(rejection) => {
                if let UsmError::Decode(e) = &rejection.error {
                    self.stats.in_asn_parse_errs += 1;
                    if rejection.report_stat().is_none() {
                        return Handled::Dropped(Dropped::Malformed(*e));
                    }
                }
                return match engine.encode_report(crypto, now, &rejection, out) {
                    Ok(true) => Handled::Report,
                    Ok(false) => Handled::Dropped(Dropped::Usm(rejection.error)),
                    Err(e) => Handled::Dropped(Dropped::Encode(e)),
                };
            }
        };
        let scoped = &incoming.scoped_pdu;
        if *scoped.context_engine_id != *engine.engine_id() {
            self.stats.unknown_pdu_handlers += 1;
            return Handled::Dropped(Dropped::UnknownContextEngineId);
        }
        let principal = Principal {
            model: SecurityModel::Usm,
            name: &ctx.user_name,
            level: ctx.level,
            context: &ctx.context_name,
        };
        if self
            .vacm
            .select_view(
                principal.model,
                principal.name,
                principal.level,
                principal.context,
                ViewType::Read,
            )
            .err()
            == Some(VacmError::NoSuchContext)
        {
            self.stats.unknown_contexts += 1;
            return unknown_context_report(
                engine,
                crypto,
                now,
                &ctx,
                self.stats.unknown_contexts,
                out,
            );
        }
        let max = usize::try_from(ctx.max_size).unwrap_or(usize::MAX);
        let limit = self.limits.max_message_size.min(max);
        let overhead = usm_overhead(engine.engine_id().len(), ctx.user_name.len(), &ctx);
        let reply = match answer(
            &mut self.mib,
            &self.vacm,
            &principal,
            &scoped.pdu,
            false,
            &self.limits,
            limit.saturating_sub(overhead),
        ) {
            Ok(reply) => reply,
            Err(t) => {
                self.stats.unknown_pdu_handlers += 1;
                return Handled::Dropped(Dropped::NotARequest(t));
            }
        };
        for pdu in [reply, too_big(&scoped.pdu, false)] {
            out.clear();
            if let Err(e) = engine.encode_response(crypto, now, &ctx, &Pdu::Response(pdu), out) {
                out.clear();
                return Handled::Dropped(Dropped::Encode(e));
            }
            if out.len() <= limit {
                return Handled::Response;
            }
        }
        out.clear();
        self.stats.silent_drops += 1;
        Handled::Dropped(Dropped::TooBig(limit))
    }
}

fn unknown_context_report(
    engine: &mut LocalEngine,
    crypto: &dyn CryptoProvider,
    now: Duration,
    ctx: &RequestContext,
    count: u32,
    out: &mut Vec<u8>,
) -> Handled {
    let Ok(oid) = Oid::from_arcs(&SNMP_UNKNOWN_CONTEXTS) else {
        return Handled::Dropped(Dropped::UnknownContextEngineId);
    };
    let report = Pdu::Report(GenericPdu::new(
        ctx.request_id.unwrap_or(0),
        alloc::vec![VarBind::new(oid, Value::Counter32(count))],
    ));
    match engine.encode_response(crypto, now, ctx, &report, out) {
        Ok(()) => Handled::Report,
        Err(e) => Handled::Dropped(Dropped::Encode(e)),
    }
}

/// The version of a canonical message header (`30 len 02 01 v`), to route v3 to the engine
/// without decoding twice; anything else goes through the full decoder.
fn sniff_version(b: &[u8]) -> Option<u8> {
    let (&t, rest) = b.split_first()?;
    let (&l, rest) = rest.split_first()?;
    if t != 0x30 {
        return None;
    }
    let rest = if l < 0x80 {
        rest
    } else {
        rest.get(usize::from(l & 0x7f)..)?
    };
    match rest {
        [0x02, 0x01, v, ..] => Some(*v),
        _ => None,
    }
}

/// Room for the length octets of one SEQUENCE/OCTET STRING wrapper (tag + up to 4 length
/// octets, enough for any UDP message).
const WRAPPER: usize = 6;

/// An upper bound on a Response's size without its varbinds: version, community,
/// request-id, error-status, error-index, and the wrappers of message, PDU and list.
fn community_overhead(community: usize) -> usize {
    3 + crate::ber::tlv_len(community) + 6 + 3 + 6 + 3 * WRAPPER
}

/// The same bound for a v3 Response: header data, USM parameters (the longest MAC), the
/// scoped PDU, the encryptedPDU wrapper and a cipher block of padding.
fn usm_overhead(engine_id: usize, user: usize, ctx: &RequestContext) -> usize {
    let header = WRAPPER + 6 + 6 + 3 + 3;
    let usm = 2 * WRAPPER
        + crate::ber::tlv_len(engine_id)
        + 2 * 6
        + crate::ber::tlv_len(user)
        + crate::ber::tlv_len(48)
        + crate::ber::tlv_len(8);
    let scoped = 2 * WRAPPER
        + crate::ber::tlv_len(engine_id)
        + crate::ber::tlv_len(ctx.context_name.len())
        + 8;
    3 + header + usm + scoped + community_overhead(0)
}

/// The tooBig Response to a request: an empty varbind list (RFC 3416), or for SNMPv1 the
/// request's varbinds (RFC 1157 section 4.1.2).
fn too_big<'a>(request: &'a Pdu<'a>, v1: bool) -> GenericPdu<'a> {
    GenericPdu {
        request_id: request.request_id().unwrap_or(0),
        error_status: ErrorStatus::TooBig,
        error_index: 0,
        varbinds: if v1 {
            request.varbinds().clone()
        } else {
            VarBindList::new()
        },
    }
}

/// An error Response: the request's varbinds with error-status and error-index.
fn error_reply<'a>(request: &'a Pdu<'a>, status: ErrorStatus, index: usize) -> GenericPdu<'a> {
    GenericPdu {
        request_id: request.request_id().unwrap_or(0),
        error_status: status,
        error_index: u32::try_from(index).unwrap_or(0),
        varbinds: request.varbinds().clone(),
    }
}

/// RFC 3584 section 4.4: the SNMPv1 error-status for an SNMPv2 one.
fn v1_status(status: ErrorStatus) -> ErrorStatus {
    use ErrorStatus::*;
    match status {
        WrongValue | WrongEncoding | WrongType | WrongLength | InconsistentValue => BadValue,
        NoAccess | NotWritable | NoCreation | InconsistentName | AuthorizationError => NoSuchName,
        ResourceUnavailable | CommitFailed | UndoFailed => GenErr,
        other => other,
    }
}

/// The Response to a request PDU (or the PDU type when it is not a request). `budget` is
/// the room for varbinds within the size limit.
fn answer<'a>(
    mib: &'a mut Mib,
    vacm: &Vacm,
    who: &Principal<'_>,
    pdu: &'a Pdu<'a>,
    v1: bool,
    limits: &ResponderLimits,
    budget: usize,
) -> Result<GenericPdu<'a>, PduType> {
    let view_type = match pdu.pdu_type() {
        PduType::SetRequest => ViewType::Write,
        PduType::GetRequest | PduType::GetNextRequest | PduType::GetBulkRequest => ViewType::Read,
        other => return Err(other),
    };
    let view = vacm.select_view(who.model, who.name, who.level, who.context, view_type);
    let reply = match (pdu, view) {
        // RFC 3413 section 3.2 step 4: any refusal but notInView is an authorizationError.
        (_, Err(_)) => error_reply(pdu, ErrorStatus::AuthorizationError, 0),
        (Pdu::SetRequest(p), Ok(view)) => set(mib, view, pdu, p),
        (Pdu::GetRequest(_), Ok(view)) => get(mib, view, pdu, v1, budget),
        (Pdu::GetNextRequest(_), Ok(view)) => get_next(mib, view, pdu, v1, limits, budget),
        (Pdu::GetBulkRequest(p), Ok(view)) => get_bulk(mib, view, pdu, p, limits, budget),
        (other, Ok(_)) => return Err(other.pdu_type()),
    };
    Ok(if v1 && reply.error_status != ErrorStatus::NoError {
        let index = match reply.error_index {
            0 if reply.error_status == ErrorStatus::AuthorizationError => 1,
            i => i,
        };
        GenericPdu {
            error_status: v1_status(reply.error_status),
            error_index: index.min(u32::try_from(pdu.varbinds().len()).unwrap_or(0)),
            ..reply
        }
    } else {
        reply
    })
}

fn response<'a>(request: &Pdu<'_>, varbinds: Vec<VarBind<'a>>) -> GenericPdu<'a> {
    GenericPdu::new(request.request_id().unwrap_or(0), varbinds)
}

fn get<'a>(mib: &'a Mib, view: &View, pdu: &'a Pdu<'a>, v1: bool, budget: usize) -> GenericPdu<'a> {
    let mut out = Vec::with_capacity(pdu.varbinds().len());
    let mut size = 0usize;
    for (i, vb) in pdu.varbinds().iter().enumerate() {
        let value = if view.contains(&vb.name) {
            mib.get(&vb.name)
        } else {
            Value::NoSuchObject
        };
        if v1 && (value.is_exception() || matches!(value, Value::Counter64(_))) {
            return error_reply(pdu, ErrorStatus::NoSuchName, i + 1);
        }
        let vb = VarBind::new(vb.name, value);
        size = size.saturating_add(vb.encoded_len());
        if size > budget {
            return too_big(pdu, v1);
        }
        out.push(vb);
    }
    response(pdu, out)
}

/// The next object after `from` that is in the view (and, for SNMPv1, not a Counter64).
fn next_visible<'a>(
    mib: &'a Mib,
    view: &View,
    from: Oid<'a>,
    v1: bool,
    calls: &mut usize,
) -> Result<Option<VarBind<'a>>, Exhausted> {
    let mut cursor = Bound::Excluded(from);
    loop {
        let Some(vb) = mib.next(cursor.as_ref(), calls)? else {
            return Ok(None);
        };
        // RFC 3584 section 4.2.2.1: a v1 GetNext steps over Counter64 objects.
        if v1 && matches!(vb.value, Value::Counter64(_)) {
            cursor = Bound::Excluded(vb.name);
            continue;
        }
        if view.contains(&vb.name) {
            return Ok(Some(vb));
        }
        cursor = match view.skip(&vb.name) {
            Skip::Step => Bound::Excluded(vb.name),
            Skip::To(next) => Bound::Included(next),
            Skip::End => return Ok(None),
        };
    }
}

fn get_next<'a>(
    mib: &'a Mib,
    view: &View,
    pdu: &'a Pdu<'a>,
    v1: bool,
    limits: &ResponderLimits,
    budget: usize,
) -> GenericPdu<'a> {
    let mut out = Vec::with_capacity(pdu.varbinds().len());
    let mut calls = limits.max_handler_calls;
    let mut size = 0usize;
    for (i, vb) in pdu.varbinds().iter().enumerate() {
        let next = match next_visible(mib, view, vb.name.clone(), v1, &mut calls) {
            Ok(Some(next)) => next,
            Ok(None) if v1 => return error_reply(pdu, ErrorStatus::NoSuchName, i + 1),
            Ok(None) => VarBind::new(vb.name, Value::EndOfMibView),
            Err(Exhausted) => return error_reply(pdu, ErrorStatus::GenErr, i + 1),
        };
        size = size.saturating_add(next.encoded_len());
        if size > budget {
            return too_big(pdu, v1);
        }
        out.push(next);
    }
    response(pdu, out)
}

/// RFC 3416 section 4.2.3, truncated to the size and varbind limits.
fn get_bulk<'a>(
    mib: &'a Mib,
    view: &View,
    pdu: &'a Pdu<'a>,
    bulk: &'a BulkPdu<'a>,
    limits: &ResponderLimits,
    budget: usize,
) -> GenericPdu<'a> {
    let names: Vec<Oid<'a>> = bulk.varbinds.iter().map(|vb| vb.name).collect();
    let n = usize::try_from(bulk.non_repeaters)
        .unwrap_or(usize::MAX)
        .min(names.len());
    let (non_repeaters, repeaters) = names.split_at(n);
    let mut calls = limits.max_handler_calls;
    let mut out: Vec<VarBind<'a>> = Vec::new();
    let mut size = 0usize;
    let mut room = |vb: &VarBind<'_>, out: &Vec<VarBind<'a>>| {
        size = size.saturating_add(vb.encoded_len());
        size <= budget && out.len() < limits.max_bulk_varbinds
    };
    let next = |name: &Oid<'a>, calls: &mut usize| match next_visible(
        mib,
        view,
        name.clone(),
        false,
        calls,
    ) {
        Ok(Some(vb)) => Ok(vb),
        Ok(None) => Ok(VarBind::new(name.clone(), Value::EndOfMibView)),
        Err(e) => Err(e),
    };
    for name in non_repeaters {
        let Ok(vb) = next(name, &mut calls) else {
            return exhausted(pdu, out, n);
        };
        if !room(&vb, &out) {
            return response(pdu, out);
        }
        out.push(vb);
    }
    let mut cursors: Vec<Oid<'a>> = repeaters.to_vec();
    for _ in 0..bulk.max_repetitions {
        if cursors.is_empty() {
            break;
        }
        let mut all_ended = true;
        for (j, cursor) in cursors.iter_mut().enumerate() {
            let Ok(vb) = next(cursor, &mut calls) else {
                return exhausted(pdu, out, n + j);
            };
            all_ended &= vb.value == Value::EndOfMibView;
            if !room(&vb, &out) {
                return response(pdu, out);
            }
            *cursor = vb.name.clone();
            out.push(vb);
        }
        if all_ended {
            break;
        }
    }
    response(pdu, out)
}

/// The handler-call budget ran out during a GetBulk: what was found so far, or genErr when
/// nothing was.
fn exhausted<'a>(pdu: &'a Pdu<'a>, out: Vec<VarBind<'a>>, at: usize) -> GenericPdu<'a> {
    if out.is_empty() {
        error_reply(pdu, ErrorStatus::GenErr, at + 1)
    } else {
        response(pdu, out)
    }
}

/// RFC 3416 section 4.2.5: test every varbind, then commit each, undoing on failure.
fn set<'a>(mib: &mut Mib, view: &View, pdu: &'a Pdu<'a>, p: &'a GenericPdu<'a>) -> GenericPdu<'a> {
    for (i, vb) in p.varbinds.iter().enumerate() {
        if !view.contains(&vb.name) {
            return error_reply(pdu, ErrorStatus::NoAccess, i + 1);
        }
        if let Err(status) = mib.test_set(&vb) {
            return error_reply(pdu, status, i + 1);
        }
    }
    let mut done: Vec<(Oid<'a>, Undo)> = Vec::new();
    for (i, vb) in p.varbinds.iter().enumerate() {
        match mib.commit_set(&vb) {
            Ok(undo) => done.push((vb.name, undo)),
            Err(_) => {
                let undo_failed = done
                    .into_iter()
                    .rev()
                    .map(|(name, undo)| mib.undo_set(&name, undo))
                    .fold(false, |failed, r| failed | r.is_err());
                return if undo_failed {
                    error_reply(pdu, ErrorStatus::UndoFailed, 0)
                } else {
                    error_reply(pdu, ErrorStatus::CommitFailed, i + 1)
                };
            }
        }
    }
    error_reply(pdu, ErrorStatus::NoError, 0)
}

#[cfg(test)]
mod tests;
