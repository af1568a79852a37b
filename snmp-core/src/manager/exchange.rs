//! One request/response exchange with a target, sans-IO.
//!
//! The caller owns the socket and the clock. It calls [`Exchange::start`], sends
//! [`Exchange::wire`] to the target and waits for a datagram whose [`peek_key`](super::peek_key)
//! is [`Exchange::key`], or for [`Exchange::deadline`]:
//!
//! - a datagram goes to [`Exchange::on_datagram`]: `Ok(None)` means "not the answer, keep
//!   waiting"; [`Outcome::Send`] means "send [`Exchange::wire`] now" (SNMPv3 discovery or time
//!   synchronisation happened, and the key may have changed); [`Outcome::Response`] ends the
//!   exchange;
//! - at the deadline, [`Exchange::on_timeout`] either asks for a retransmission of the same
//!   bytes (same request-id, same msgID) or fails with [`Error::Timeout`].

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::time::Duration;

use crate::crypto::CryptoProvider;
use crate::message::{CommunityMessage, Message, Version};
use crate::options::DecodeOptions;
use crate::pdu::Pdu;
use crate::usm::{
    AlgorithmPolicy, EngineTime, KeyCache, Received, ReportKind, Session, UsmError, UsmStat,
};

use super::config::Security;
use super::request::Request;
use super::{Error, Response};

/// How often one exchange may resynchronise with the agent's clock before giving up.
pub const MAX_RESYNCS: u32 = 3;

/// What a manager keeps per target between requests: the security settings and, for
/// SNMPv3, the USM session (the discovered engine ID, localized keys, and the agent's boots
/// and time), so discovery and time synchronisation happen once, not per request.
#[derive(Debug, Clone)]
pub struct TargetState {
    security: Security,
    session: Option<Session>,
    opts: DecodeOptions,
}

impl TargetState {
    /// State for a target secured by `security`. For SNMPv3 the user must support the
    /// level (else [`Error::Usm`]).
    pub fn new(provider: &dyn CryptoProvider, security: Security) -> Result<Self, Error> {
        Self::with_policy(provider, security, AlgorithmPolicy::Any)
    }

    /// [`TargetState::new`] under an algorithm policy (FIPS refuses MD5, DES and 3DES users).
    pub fn with_policy(
        provider: &dyn CryptoProvider,
        security: Security,
        policy: AlgorithmPolicy,
    ) -> Result<Self, Error> {
        let session = match &security {
            Security::V3(usm) => Some(Session::new(provider, usm.user.clone(), usm.level, policy)?),
            _ => None,
        };
        Ok(Self {
            security,
            session,
            opts: DecodeOptions::default(),
        })
    }

    /// Decodes answers with these options (e.g. with leniency for quirky devices).
    #[must_use]
    pub fn with_decode_options(mut self, opts: DecodeOptions) -> Self {
        self.opts = opts;
        if let Some(s) = self.session.take() {
            self.session = Some(s.with_decode_options(opts));
        }
        self
    }

    /// The security settings.
    pub fn security(&self) -> &Security {
        &self.security
    }

    /// The agent's engine ID, once discovered (SNMPv3).
    pub fn engine_id(&self) -> Option<&[u8]> {
        self.session.as_ref().and_then(Session::engine_id)
    }

    /// The agent's boots and estimated time at `now`, once discovered (SNMPv3).
    pub fn engine_time(&self, now: Duration) -> Option<EngineTime> {
        self.session.as_ref().and_then(|s| s.engine_time(now))
    }

    /// Forgets the discovered engine: the next request discovers it again.
    pub fn forget_engine(&mut self) {
        if let Some(s) = &mut self.session {
            s.reset();
        }
    }
}

/// What [`Exchange::on_datagram`] asks the caller to do.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Send [`Exchange::wire`] now, and wait for [`Exchange::key`] (it may have changed).
    Send,
    /// The exchange is complete.
    Response(Response),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Idle,
    Discovery,
    Request,
}

/// One request/response exchange (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Exchange {
    request: Request,
    request_id: i32,
    policy: super::RetryPolicy,
    phase: Phase,
    key: u32,
    attempts: u32,
    deadline: Option<Duration>,
    resyncs: u32,
    wire: Vec<u8>,
    scratch: Vec<u8>,
}

impl Exchange {
    /// An exchange for `request` with `request_id` (positive; a v1/v2c exchange is matched
    /// by it).
    pub fn new(request: Request, request_id: u32, policy: super::RetryPolicy) -> Self {
        let request_id = i32::try_from(request_id & 0x7fff_ffff).unwrap_or(1);
        Self {
            request,
            request_id,
            policy,
            phase: Phase::Idle,
            key: u32::try_from(request_id).unwrap_or(1),
            attempts: 0,
            deadline: None,
            resyncs: 0,
            wire: Vec::new(),
            scratch: Vec::new(),
        }
    }

    /// The request.
    pub fn request(&self) -> &Request {
        &self.request
    }

    /// The request, taken back (e.g. to split it after a tooBig answer).
    pub fn into_request(self) -> Request {
        self.request
    }

    /// The bytes to send (again).
    pub fn wire(&self) -> &[u8] {
        &self.wire
    }

    /// The number the answer is matched by: the request-id (v1, v2c) or the current msgID
    /// (v3).
    pub fn key(&self) -> u32 {
        self.key
    }

    /// When to call [`on_timeout`](Self::on_timeout); `None` before [`start`](Self::start).
    pub fn deadline(&self) -> Option<Duration> {
        self.deadline
    }

    /// Transmissions so far in the current phase.
    pub fn attempts(&self) -> u32 {
        self.attempts
    }

    /// Encodes the first transmission: the request, or for an SNMPv3 target whose engine is
    /// not known yet, the discovery probe. `next_id` allocates msgIDs.
    pub fn start(
        &mut self,
        provider: &dyn CryptoProvider,
        keys: &mut KeyCache,
        target: &mut TargetState,
        now: Duration,
        next_id: &mut dyn FnMut() -> u32,
    ) -> Result<(), Error> {
        let pdu_type = self.request.pdu_type();
        if target.security.version() == Version::V1 && !pdu_type.in_v1() {
            return Err(Error::NotInV1(pdu_type));
        }
        if let (Some(session), Security::V3(usm)) = (&mut target.session, &target.security)
            && !session.is_discovered()
            && let Some(engine_id) = &usm.engine_id
        {
            // -e: the engine is known; the first authenticated answer (or a notInTimeWindow
            // Report) sets the clock.
            session.set_engine(
                provider,
                keys,
                engine_id,
                EngineTime { boots: 0, time: 0 },
                now,
            )?;
        }
        self.encode(provider, target, now, next_id)?;
        self.arm(now);
        Ok(())
    }

    fn arm(&mut self, now: Duration) {
        self.attempts = 1;
        self.deadline = Some(now.saturating_add(self.policy.timeout));
    }

    fn encode(
        &mut self,
        provider: &dyn CryptoProvider,
        target: &mut TargetState,
        now: Duration,
        next_id: &mut dyn FnMut() -> u32,
    ) -> Result<(), Error> {
        self.wire.clear();
        let pdu = self.request.to_pdu(self.request_id);
        match (&target.security, &mut target.session) {
            (Security::V1 { community } | Security::V2c { community }, _) => {
                let msg = CommunityMessage {
                    community: Cow::Borrowed(community),
                    pdu,
                };
                let msg = if target.security.version() == Version::V1 {
                    Message::V1(msg)
                } else {
                    Message::V2c(msg)
                };
                msg.encode(&mut self.wire);
                self.key = u32::try_from(self.request_id).unwrap_or(1);
                self.phase = Phase::Request;
            }
            (Security::V3(usm), Some(session)) => {
                self.key = next_id() & 0x7fff_ffff;
                if session.is_discovered() {
                    session.encode_request_in_context(
                        provider,
                        now,
                        self.key,
                        usm.context_engine_id.as_deref(),
                        &usm.context_name,
                        &pdu,
                        &mut self.wire,
                    )?;
                    self.phase = Phase::Request;
                } else {
                    session.encode_discovery(self.key, self.request_id, &mut self.wire);
                    self.phase = Phase::Discovery;
                }
            }
            (Security::V3(_), None) => {
                return Err(Error::Usm(crate::usm::UsmError::DiscoveryNeeded));
            }
        }
        Ok(())
    }

    /// The deadline passed without an answer: `Ok(())` asks for a retransmission of
    /// [`wire`](Self::wire) (the same request-id and msgID), until the retries are used up.
    pub fn on_timeout(&mut self, now: Duration) -> Result<(), Error> {
        if self.attempts >= self.policy.attempts() {
            self.deadline = None;
            return Err(Error::Timeout {
                attempts: self.attempts,
            });
        }
        self.attempts += 1;
        self.deadline = Some(now.saturating_add(self.policy.timeout));
        Ok(())
    }

    /// A datagram from the target arrived (matched by [`key`](Self::key)). See the
    /// [module docs](self) for what the result asks of the caller.
    pub fn on_datagram(
        &mut self,
        provider: &dyn CryptoProvider,
        keys: &mut KeyCache,
        target: &mut TargetState,
        now: Duration,
        bytes: &[u8],
        next_id: &mut dyn FnMut() -> u32,
    ) -> Result<Option<Outcome>, Error> {
        if self.phase == Phase::Idle {
            return Ok(None);
        }
        let Some(session) = &mut target.session else {
            return self.community_answer(target.security.version(), &target.opts, bytes);
        };
        let mut scratch = core::mem::take(&mut self.scratch);
        let received = session.receive(provider, keys, now, bytes, &mut scratch);
        let step = match received {
            Ok(Received::Message(incoming)) if incoming.header.msg_id == self.key => {
                self.response_pdu(&incoming.scoped_pdu.pdu)
            }
            Ok(Received::Message(_)) => Ok(Step::Ignore),
            Ok(Received::Discovered) => Ok(Step::Redo),
            Ok(Received::TimeSynchronized) => {
                self.resyncs += 1;
                if self.resyncs > MAX_RESYNCS {
                    Err(Error::ResyncLoop(self.resyncs))
                } else {
                    Ok(Step::Redo)
                }
            }
            // Another exchange of the same target completed discovery first: our probe's
            // answer now names a known engine. Send the request.
            Err(UsmError::ReportReceived {
                kind: ReportKind::Usm(UsmStat::UnknownEngineIds),
            }) if self.phase == Phase::Discovery && session.is_discovered() => Ok(Step::Redo),
            Err(e) => Err(Error::Usm(e)),
        };
        self.scratch = scratch;
        match step? {
            // Discovery or time synchronisation: send the request (again), with a new msgID
            // so that a late answer to the previous transmission cannot be taken for it.
            Step::Redo => {
                self.encode(provider, target, now, next_id)?;
                self.arm(now);
                Ok(Some(Outcome::Send))
            }
            Step::Done(response) => {
                self.deadline = None;
                Ok(Some(Outcome::Response(response)))
            }
            Step::Ignore => Ok(None),
        }
    }

    /// v1/v2c: a Response with our request-id ends the exchange; anything else is ignored.
    fn community_answer(
        &mut self,
        version: Version,
        opts: &DecodeOptions,
        bytes: &[u8],
    ) -> Result<Option<Outcome>, Error> {
        let Ok((msg, _)) = Message::decode_with(bytes, opts) else {
            return Ok(None);
        };
        if msg.version() != version {
            return Ok(None);
        }
        let Some(pdu) = msg.pdu() else {
            return Ok(None);
        };
        match self.response_pdu(pdu)? {
            Step::Done(response) => {
                self.deadline = None;
                Ok(Some(Outcome::Response(response)))
            }
            Step::Ignore | Step::Redo => Ok(None),
        }
    }

    /// Our Response ends the exchange; another request-id is ignored; another PDU type is
    /// an error.
    fn response_pdu(&self, pdu: &Pdu<'_>) -> Result<Step, Error> {
        match pdu {
            Pdu::Response(p) if p.request_id == self.request_id => Ok(Step::Done(Response {
                error_status: p.error_status,
                error_index: p.error_index,
                varbinds: p.varbinds.to_vec(),
            })),
            Pdu::Response(_) => Ok(Step::Ignore),
            other => Err(Error::UnexpectedPdu(other.pdu_type())),
        }
    }
}

/// What an answer means for the exchange.
enum Step {
    /// Not ours: keep waiting.
    Ignore,
    /// USM discovery or time synchronisation happened: encode and send the request again.
    Redo,
    /// The answer.
    Done(Response),
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]
    use super::*;
    use crate::crypto::Deterministic;
    use crate::manager::{RetryPolicy, UsmSecurity};
    use crate::message::ScopedPduData;
    use crate::usm::{SecurityLevel, UsmUser};

    #[test]
    fn preset_engine_and_context_engine_go_on_the_wire() {
        let crypto = Deterministic::new(3);
        let mut keys = KeyCache::new();
        let mut usm = UsmSecurity::new(UsmUser::new(b"ops").unwrap(), SecurityLevel::NoAuthNoPriv);
        usm.engine_id = Some(b"\x80\x00\x1f\x88\x04agent".to_vec());
        usm.context_engine_id = Some(b"\x80\x00\x1f\x88\x04proxied".to_vec());
        usm.context_name = b"printers".to_vec();
        let mut target =
            TargetState::new(&crypto, Security::V3(alloc::boxed::Box::new(usm))).unwrap();
        let request = Request::Get(alloc::vec!["1.3.6.1.2.1.1.5.0".parse().unwrap()]);
        let mut exchange = Exchange::new(request, 41, RetryPolicy::new(Duration::from_secs(2), 1));
        let mut ids = 100;
        let mut next = || {
            ids += 1;
            ids
        };
        exchange
            .start(&crypto, &mut keys, &mut target, Duration::ZERO, &mut next)
            .unwrap();
        assert_eq!(exchange.key(), 101, "the msgID is the dispatch key");
        assert_eq!(target.engine_id(), Some(&b"\x80\x00\x1f\x88\x04agent"[..]));
        let Message::V3(msg) = Message::decode(exchange.wire()).unwrap() else {
            panic!("not v3");
        };
        let ScopedPduData::Plaintext(scoped) = &msg.data else {
            panic!("encrypted");
        };
        assert_eq!(&*scoped.context_engine_id, b"\x80\x00\x1f\x88\x04proxied");
        assert_eq!(&*scoped.context_name, b"printers");
        let first = exchange.wire().to_vec();
        // A retry resends the same bytes; after the last one, a timeout.
        exchange.on_timeout(Duration::from_secs(2)).unwrap();
        assert_eq!(exchange.wire(), &first[..]);
        assert_eq!(exchange.deadline(), Some(Duration::from_secs(4)));
        assert_eq!(
            exchange.on_timeout(Duration::from_secs(4)),
            Err(Error::Timeout { attempts: 2 })
        );
    }
}
