//! One confirmed notification (InformRequest-PDU) in flight, sans-IO.
//!
//! An [`Inform`] owns the bytes to send and the next deadline; the caller moves datagrams
//! and time in and out, in the style of quinn-proto:
//!
//! 1. [`poll_transmit`](Inform::poll_transmit): bytes to send to the receiver, if any;
//! 2. [`poll_timeout`](Inform::poll_timeout): when to call
//!    [`handle_timeout`](Inform::handle_timeout) if nothing arrives;
//! 3. [`handle_datagram`](Inform::handle_datagram) for every datagram from the receiver's
//!    address, until it returns the [`Acknowledged`] or an [`InformError`].
//!
//! Retransmissions follow a [`RetrySchedule`] (net-snmp's `-t` and `-r`) and keep the
//! request-id, so a late answer to any attempt acknowledges the Inform. SNMPv2c answers are
//! matched by community and request-id; SNMPv3 answers by msgID (each transmission gets a
//! fresh one, as net-snmp does) and request-id, after USM verified them.
//!
//! SNMPv3: the receiver of an Inform is the authoritative engine, so the sender is the
//! non-authoritative side: a [`Session`] that is not yet discovered first sends the discovery
//! probe (with the same schedule), then the Inform; a notInTimeWindow Report resynchronises
//! the clock and resends. Pass a discovered session back in (see
//! [`into_session`](Inform::into_session)) to skip discovery for the next Inform.
//!
//! ```
//! use core::time::Duration;
//! use fleetwire_snmp::notification::{Inform, InformError, NotificationBody, RetrySchedule};
//!
//! let body = NotificationBody::new(0, "1.3.6.1.6.3.1.1.5.1".parse()?, vec![]);
//! let schedule = RetrySchedule { timeout: Duration::from_secs(1), retries: 1 };
//! let mut inform = Inform::v2c(b"public", 42, body, schedule, Duration::ZERO);
//! let first = inform.poll_transmit().unwrap().to_vec();
//! assert_eq!(inform.poll_timeout(), Some(Duration::from_secs(1)));
//! // No answer: one retry with the same bytes (and so the same request-id), then a timeout.
//! inform.handle_timeout(&fleetwire_snmp::crypto::RustCrypto::new(), Duration::from_secs(1))?;
//! assert_eq!(inform.poll_transmit().unwrap(), &first[..]);
//! let err = inform.handle_timeout(&fleetwire_snmp::crypto::RustCrypto::new(), Duration::from_secs(2));
//! assert!(matches!(err, Err(InformError::Timeout { request_id: 42, attempts: 2, .. })));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::time::Duration;

use super::NotificationBody;
use super::originator::inform_pdu;
use crate::crypto::CryptoProvider;
use crate::message::{CommunityMessage, Message};
use crate::options::DecodeOptions;
use crate::pdu::{ErrorStatus, Pdu};
use crate::usm::{self, KeyCache, Received, SecurityLevel, Session, UsmError};

/// How many notInTimeWindow resynchronisations (or repeated discoveries) one Inform accepts
/// before giving up.
const MAX_RESYNCS: u32 = 2;

/// Timeout and retries of a confirmed request, as net-snmp's `-t TIMEOUT -r RETRIES`: each
/// attempt waits `timeout`; after `retries` retransmissions without an answer the request
/// fails. The default is net-snmp's: 1 second, 5 retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RetrySchedule {
    /// How long each attempt waits for the answer.
    pub timeout: Duration,
    /// Retransmissions after the first attempt.
    pub retries: u32,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(1),
            retries: 5,
        }
    }
}

impl RetrySchedule {
    /// Transmissions in total: `retries + 1`.
    pub fn attempts(&self) -> u32 {
        self.retries.saturating_add(1)
    }
}

/// Why an Inform failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum InformError {
    /// No acknowledgement within the schedule.
    #[error(
        "timeout: no {} for inform request-id {request_id} after {attempts} attempts",
        if *.discovery { "SNMPv3 engine discovery answer" } else { "acknowledgement" }
    )]
    Timeout {
        /// The Inform's request-id.
        request_id: i32,
        /// Transmissions made in the phase that timed out.
        attempts: u32,
        /// True when the receiver never answered the SNMPv3 discovery probe.
        discovery: bool,
    },
    /// The receiver answered with an error-status.
    #[error("the receiver answered {status} (error-index {index})")]
    ErrorStatus {
        /// `error-status`.
        status: ErrorStatus,
        /// `error-index`.
        index: u32,
    },
    /// SNMPv3: encoding failed, the receiver answered with a Report (unknown user, wrong
    /// digest, ...), or its clock could not be synchronised.
    #[error("{0}")]
    Usm(#[from] UsmError),
    /// The Inform was already acknowledged or has failed.
    #[error("the inform has already completed")]
    Completed,
}

/// A successful Inform.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Acknowledged {
    /// The request-id the Response carried.
    pub request_id: i32,
    /// Transmissions of the Inform itself (1 when the first was answered).
    pub attempts: u32,
    /// SNMPv3: the level the Response was protected with.
    pub level: Option<SecurityLevel>,
}

#[derive(Debug, Clone)]
enum Security {
    Community(Vec<u8>),
    Usm {
        session: Box<Session>,
        context_name: Vec<u8>,
        msg_ids: Vec<u32>,
        next_msg_id: u32,
        resyncs: u32,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Phase {
    Discovery,
    Inform,
    Done,
}

/// One Inform in flight: see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Inform {
    security: Security,
    body: NotificationBody,
    request_id: i32,
    schedule: RetrySchedule,
    phase: Phase,
    /// Transmissions in the current phase.
    sent: u32,
    deadline: Option<Duration>,
    transmit: Vec<u8>,
    transmit_ready: bool,
}

impl Inform {
    /// An SNMPv2c Inform with `community`; the first transmission is ready at once.
    pub fn v2c(
        community: &[u8],
        request_id: i32,
        body: NotificationBody,
        schedule: RetrySchedule,
        now: Duration,
    ) -> Self {
        let mut inform = Self {
            security: Security::Community(community.to_vec()),
            body,
            request_id,
            schedule,
            phase: Phase::Inform,
            sent: 0,
            deadline: None,
            transmit: Vec::new(),
            transmit_ready: false,
        };
        inform.encode_v2c(now);
        inform
    }

    /// An SNMPv3 Inform through `session` (its user and level), with `context_name`; msgIDs
    /// count up from `first_msg_id`. A session that is not yet discovered sends the discovery
    /// probe first.
    #[allow(clippy::too_many_arguments)]
    pub fn v3(
        provider: &dyn CryptoProvider,
        session: Session,
        context_name: &[u8],
        request_id: i32,
        first_msg_id: u32,
        body: NotificationBody,
        schedule: RetrySchedule,
        now: Duration,
    ) -> Result<Self, InformError> {
        let phase = if session.is_discovered() {
            Phase::Inform
        } else {
            Phase::Discovery
        };
        let mut inform = Self {
            security: Security::Usm {
                session: Box::new(session),
                context_name: context_name.to_vec(),
                msg_ids: Vec::new(),
                next_msg_id: first_msg_id & 0x7fff_ffff,
                resyncs: 0,
            },
            body,
            request_id,
            schedule,
            phase,
            sent: 0,
            deadline: None,
            transmit: Vec::new(),
            transmit_ready: false,
        };
        inform.encode_v3(provider, now)?;
        Ok(inform)
    }

    /// The Inform's request-id (kept by every retransmission).
    pub fn request_id(&self) -> i32 {
        self.request_id
    }

    /// Whether the Inform was acknowledged or failed.
    pub fn is_done(&self) -> bool {
        self.phase == Phase::Done
    }

    /// Bytes to send to the receiver now, once per transmission.
    pub fn poll_transmit(&mut self) -> Option<&[u8]> {
        if !self.transmit_ready || self.phase == Phase::Done {
            return None;
        }
        self.transmit_ready = false;
        Some(&self.transmit)
    }

    /// When [`handle_timeout`](Self::handle_timeout) is due (`None` once done).
    pub fn poll_timeout(&self) -> Option<Duration> {
        if self.phase == Phase::Done {
            return None;
        }
        self.deadline
    }

    /// Retransmits when the deadline has passed and attempts remain; fails with
    /// [`InformError::Timeout`] when they are used up. Does nothing before the deadline.
    pub fn handle_timeout(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
    ) -> Result<(), InformError> {
        if self.phase == Phase::Done {
            return Err(InformError::Completed);
        }
        if self.deadline.is_some_and(|d| now < d) {
            return Ok(());
        }
        if self.sent >= self.schedule.attempts() {
            let discovery = self.phase == Phase::Discovery;
            self.phase = Phase::Done;
            return Err(InformError::Timeout {
                request_id: self.request_id,
                attempts: self.sent,
                discovery,
            });
        }
        match self.security {
            // The same bytes: the same request-id.
            Security::Community(_) => {
                self.sent += 1;
                self.transmit_ready = true;
                self.deadline = Some(now.saturating_add(self.schedule.timeout));
                Ok(())
            }
            Security::Usm { .. } => self.encode_v3(provider, now),
        }
    }

    /// Processes a datagram from the receiver's address: `Ok(Some(..))` when it acknowledges
    /// this Inform, `Ok(None)` when it is not an answer to it (ignored; it may have queued a
    /// transmission: SNMPv3 discovery completed or the clock was resynchronised), `Err` when
    /// the receiver refused the Inform.
    pub fn handle_datagram(
        &mut self,
        provider: &dyn CryptoProvider,
        keys: &mut KeyCache,
        now: Duration,
        bytes: &[u8],
    ) -> Result<Option<Acknowledged>, InformError> {
        if self.phase == Phase::Done {
            return Err(InformError::Completed);
        }
        let result = match &mut self.security {
            Security::Community(community) => {
                let Ok(Message::V2c(CommunityMessage {
                    community: c,
                    pdu: Pdu::Response(p),
                })) = Message::decode(bytes)
                else {
                    return Ok(None);
                };
                if *c != **community || p.request_id != self.request_id {
                    return Ok(None);
                }
                Some((p.error_status, p.error_index, None))
            }
            Security::Usm {
                session,
                msg_ids,
                resyncs,
                ..
            } => {
                // Only answers to our own messages count (a Report carries the msgID too).
                let Ok((msg, _)) = usm::parse(bytes, &DecodeOptions::default()) else {
                    return Ok(None);
                };
                if !msg_ids.contains(&msg.header.msg_id) {
                    return Ok(None);
                }
                let mut scratch = Vec::new();
                match session.receive(provider, keys, now, bytes, &mut scratch) {
                    Ok(Received::Discovered) => {
                        // Discovered again mid-Inform (another engine ID answered): a
                        // restart, within the same budget as resynchronisations.
                        if self.phase == Phase::Inform {
                            *resyncs += 1;
                            if *resyncs > MAX_RESYNCS {
                                self.phase = Phase::Done;
                                return Err(InformError::Usm(UsmError::ReportReceived {
                                    kind: usm::ReportKind::Usm(usm::UsmStat::UnknownEngineIds),
                                }));
                            }
                        }
                        self.phase = Phase::Inform;
                        self.sent = 0;
                        self.encode_v3(provider, now)?;
                        return Ok(None);
                    }
                    Ok(Received::TimeSynchronized) => {
                        *resyncs += 1;
                        if *resyncs > MAX_RESYNCS {
                            self.phase = Phase::Done;
                            return Err(InformError::Usm(UsmError::ReportReceived {
                                kind: usm::ReportKind::Usm(usm::UsmStat::NotInTimeWindows),
                            }));
                        }
                        // A resynchronisation does not use up an attempt.
                        self.sent = self.sent.saturating_sub(1);
                        self.encode_v3(provider, now)?;
                        return Ok(None);
                    }
                    Ok(Received::Message(incoming)) => match incoming.scoped_pdu.pdu {
                        Pdu::Response(p) if p.request_id == self.request_id => {
                            Some((p.error_status, p.error_index, Some(incoming.level)))
                        }
                        _ => None,
                    },
                    Err(e @ UsmError::ReportReceived { .. }) => {
                        self.phase = Phase::Done;
                        return Err(InformError::Usm(e));
                    }
                    // Not authentic, stale, or not decodable: not an answer from the receiver.
                    Err(_) => None,
                }
            }
        };
        let Some((status, index, level)) = result else {
            return Ok(None);
        };
        self.phase = Phase::Done;
        if status != ErrorStatus::NoError {
            return Err(InformError::ErrorStatus { status, index });
        }
        Ok(Some(Acknowledged {
            request_id: self.request_id,
            attempts: self.sent,
            level,
        }))
    }

    /// The SNMPv3 session, with what discovery learnt about the receiver.
    pub fn session(&self) -> Option<&Session> {
        match &self.security {
            Security::Usm { session, .. } => Some(&**session),
            Security::Community(_) => None,
        }
    }

    /// The SNMPv3 session back, to reuse for the next Inform to the same receiver.
    pub fn into_session(self) -> Option<Session> {
        match self.security {
            Security::Usm { session, .. } => Some(*session),
            Security::Community(_) => None,
        }
    }

    fn encode_v2c(&mut self, now: Duration) {
        let Security::Community(community) = &self.security else {
            return;
        };
        self.transmit.clear();
        Message::V2c(CommunityMessage {
            community: community[..].into(),
            pdu: inform_pdu(self.request_id, &self.body),
        })
        .encode(&mut self.transmit);
        self.sent += 1;
        self.transmit_ready = true;
        self.deadline = Some(now.saturating_add(self.schedule.timeout));
    }

    /// Encodes the next SNMPv3 transmission of the current phase with a fresh msgID.
    fn encode_v3(
        &mut self,
        provider: &dyn CryptoProvider,
        now: Duration,
    ) -> Result<(), InformError> {
        let Security::Usm {
            session,
            context_name,
            msg_ids,
            next_msg_id,
            ..
        } = &mut self.security
        else {
            return Ok(());
        };
        let msg_id = *next_msg_id;
        *next_msg_id = (msg_id + 1) & 0x7fff_ffff;
        self.transmit.clear();
        match self.phase {
            Phase::Discovery => {
                session.encode_discovery(msg_id, self.request_id, &mut self.transmit)
            }
            Phase::Inform => {
                let pdu = inform_pdu(self.request_id, &self.body);
                if let Err(e) = session.encode_request(
                    provider,
                    now,
                    msg_id,
                    context_name,
                    &pdu,
                    &mut self.transmit,
                ) {
                    self.phase = Phase::Done;
                    return Err(e.into());
                }
            }
            Phase::Done => return Ok(()),
        }
        msg_ids.push(msg_id);
        self.sent += 1;
        self.transmit_ready = true;
        self.deadline = Some(now.saturating_add(self.schedule.timeout));
        Ok(())
    }
}
