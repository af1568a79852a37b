//! The tokio shell around the sans-IO notification code: UDP over IPv4 and IPv6.
//!
//! - [`NotificationSender`]: v1/v2c/v3 Traps (fire and forget).
//! - [`inform`]: a v2c/v3 Inform through a [`client::Session`], the manager's IO shell: a
//!   confirmed request with its retries (keeping the request-id), acknowledgement matching,
//!   answers only from the receiver's address, and SNMPv3 discovery cached in the session.
//! - [`NotificationListener`]: a socket and a [`NotificationReceiver`]; [`recv`] yields the
//!   next typed [`Notification`], answering Informs and discovery probes on the way and
//!   counting (never failing on) bad input.
//!
//! The clocks the sans-IO code needs are `tokio::time::Instant`s since the sender or
//! listener was created, so a paused tokio clock drives them in tests.
//!
//! [`recv`]: NotificationListener::recv

use alloc::boxed::Box;
use alloc::sync::Arc;
use alloc::vec::Vec;
use core::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use core::time::Duration;
use std::io;

use tokio::net::UdpSocket;
use tokio::time::Instant;

use super::originator::{inform_request, trap_pdu, v1_trap_pdu};
use super::{Notification, NotificationBody, NotificationReceiver, Outcome, V1Trap};
use crate::client;
use crate::crypto::{CryptoProvider, RustCrypto};
use crate::message::{CommunityMessage, Message};
use crate::pdu::VarBind;
use crate::usm::{LocalEngine, SecurityLevel, UsmError, UsmUser};

/// The largest datagram read (the largest UDP payload).
const MAX_DATAGRAM: usize = 65_535;

/// Why sending a Trap failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SendError {
    /// The socket failed.
    #[error("network: {0}")]
    Io(#[from] io::Error),
    /// SNMPv3 security: a user or level that cannot be used, or encoding failed.
    #[error("{0}")]
    Usm(#[from] UsmError),
    /// An SNMPv3 Trap needs our engine: see [`NotificationSender::with_engine`].
    #[error("an SNMPv3 trap needs our own engine ID: call with_engine first")]
    NoEngine,
}

/// Request-ids and msgIDs: they count up from a random start (the crypto provider's
/// randomness), so that they differ between runs and senders.
#[derive(Debug)]
struct Ids(u32);

impl Ids {
    fn next(&mut self) -> i32 {
        self.0 = self.0.wrapping_add(1) & 0x7fff_ffff;
        i32::try_from(self.0).unwrap_or_default()
    }
}

/// Our engine for SNMPv3 Traps, and the offset of its clock.
#[derive(Debug)]
struct OwnEngine {
    engine: LocalEngine,
    /// Added to the sender's clock: the engine time at start.
    offset: Duration,
}

/// Sends Traps over UDP (IPv4 and IPv6; one socket per family, bound on first use to an
/// ephemeral port of the unspecified address). Informs go through [`inform`].
///
/// ```no_run
/// # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
/// use fleetwire_snmp::notification::{NotificationBody, NotificationSender};
/// let mut sender = NotificationSender::new()?;
/// let body = NotificationBody::new(sender.uptime(), "1.3.6.1.6.3.1.1.5.1".parse()?, vec![]);
/// sender.send_v2c_trap("127.0.0.1:16200".parse()?, b"public", &body).await?;
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct NotificationSender {
    provider: Box<dyn CryptoProvider>,
    v4: Option<Arc<UdpSocket>>,
    v6: Option<Arc<UdpSocket>>,
    start: Instant,
    ids: Ids,
    engine: Option<OwnEngine>,
    buf: Vec<u8>,
}

impl NotificationSender {
    /// A sender with the default crypto provider ([`RustCrypto`]).
    pub fn new() -> Result<Self, UsmError> {
        Self::with_provider(Box::new(RustCrypto::new()))
    }

    /// A sender with another crypto provider (for example the FIPS module).
    pub fn with_provider(provider: Box<dyn CryptoProvider>) -> Result<Self, UsmError> {
        let seed = provider.salt_seed()?;
        Ok(Self {
            provider,
            v4: None,
            v6: None,
            start: Instant::now(),
            ids: Ids((seed as u32) & 0x7fff_ffff),
            engine: None,
            buf: Vec::with_capacity(512),
        })
    }

    /// Gives the sender its own SNMPv3 engine, the authoritative engine of the Traps it sends:
    /// `engine_id`, `boots`, and `time`, the snmpEngineTime now. A receiver tracks the
    /// sender's boots and time and refuses a time more than 150 s behind what it saw last
    /// with the same boots, so a sender that restarts without incrementing boots should start
    /// `time` from a clock that keeps running (for example seconds since a fixed date).
    pub fn with_engine(
        mut self,
        engine_id: &[u8],
        boots: u32,
        time: u32,
    ) -> Result<Self, UsmError> {
        let engine = LocalEngine::new(&*self.provider, engine_id, boots, Duration::ZERO)?;
        let offset = Duration::from_secs(u64::from(time)).saturating_sub(self.now());
        self.engine = Some(OwnEngine { engine, offset });
        Ok(self)
    }

    /// Adds a user for SNMPv3 Traps, localized to our engine (call
    /// [`with_engine`](Self::with_engine) first).
    pub fn add_trap_user(&mut self, user: &UsmUser) -> Result<(), SendError> {
        let own = self.engine.as_mut().ok_or(SendError::NoEngine)?;
        own.engine.add_user(&*self.provider, user)?;
        Ok(())
    }

    /// Hundredths of a second since the sender was created: a `sysUpTime.0` for senders
    /// without one of their own.
    pub fn uptime(&self) -> u32 {
        u32::try_from(self.now().as_millis() / 10).unwrap_or(u32::MAX)
    }

    fn now(&self) -> Duration {
        Instant::now().saturating_duration_since(self.start)
    }

    async fn socket(&mut self, target: SocketAddr) -> io::Result<Arc<UdpSocket>> {
        let slot = if target.is_ipv4() {
            &mut self.v4
        } else {
            &mut self.v6
        };
        if let Some(s) = slot {
            return Ok(s.clone());
        }
        let local: SocketAddr = if target.is_ipv4() {
            (Ipv4Addr::UNSPECIFIED, 0).into()
        } else {
            (Ipv6Addr::UNSPECIFIED, 0).into()
        };
        let s = Arc::new(UdpSocket::bind(local).await?);
        *slot = Some(s.clone());
        Ok(s)
    }

    async fn send_buf(&mut self, target: SocketAddr) -> Result<(), SendError> {
        let sock = self.socket(target).await?;
        sock.send_to(&self.buf, target).await?;
        Ok(())
    }

    /// Sends an SNMPv1 Trap-PDU.
    pub async fn send_v1_trap(
        &mut self,
        target: SocketAddr,
        community: &[u8],
        trap: &V1Trap,
        time_stamp: u32,
        varbinds: &[VarBind<'_>],
    ) -> Result<(), SendError> {
        self.buf.clear();
        Message::V1(CommunityMessage {
            community: community.into(),
            pdu: v1_trap_pdu(trap, time_stamp, varbinds.iter().map(VarBind::borrowed)),
        })
        .encode(&mut self.buf);
        self.send_buf(target).await
    }

    /// Sends an SNMPv2c Trap.
    pub async fn send_v2c_trap(
        &mut self,
        target: SocketAddr,
        community: &[u8],
        body: &NotificationBody,
    ) -> Result<(), SendError> {
        let request_id = self.ids.next();
        self.buf.clear();
        Message::V2c(CommunityMessage {
            community: community.into(),
            pdu: trap_pdu(request_id, body),
        })
        .encode(&mut self.buf);
        self.send_buf(target).await
    }

    /// Sends an SNMPv3 Trap from our engine (see [`with_engine`](Self::with_engine)) as
    /// `user_name` (added with [`add_trap_user`](Self::add_trap_user)) at `level`.
    pub async fn send_v3_trap(
        &mut self,
        target: SocketAddr,
        user_name: &[u8],
        level: SecurityLevel,
        context_name: &[u8],
        body: &NotificationBody,
    ) -> Result<(), SendError> {
        let request_id = self.ids.next();
        let msg_id = self.ids.next().unsigned_abs();
        let now = self.now();
        let own = self.engine.as_mut().ok_or(SendError::NoEngine)?;
        self.buf.clear();
        own.engine.encode_notification(
            &*self.provider,
            now.saturating_add(own.offset),
            user_name,
            level,
            msg_id,
            context_name,
            &trap_pdu(request_id, body),
            &mut self.buf,
        )?;
        self.send_buf(target).await
    }
}

/// Sends an Inform through `session` (v2c or v3, with its retry policy) and waits for the
/// receiver's acknowledgement: `Ok` once a Response with noError arrived; an error status,
/// a Report (unknown user, wrong digest, ...) or a timeout is the client's typed error.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use core::time::Duration;
/// use fleetwire_snmp::client::Client;
/// use fleetwire_snmp::crypto::RustCrypto;
/// use fleetwire_snmp::manager::Security;
/// use fleetwire_snmp::notification::{self, NotificationBody, NotificationListener, NotificationReceiver};
///
/// let receiver = NotificationReceiver::new(&RustCrypto::new(), b"\x80\x00\x1f\x88\x04doc", 1, Duration::ZERO)?;
/// let mut listener = NotificationListener::bind("127.0.0.1:0".parse()?, receiver).await?;
/// let client = Client::builder().build().await?;
/// let session = client.session(listener.local_addr()?, Security::v2c("public"))?;
/// let body = NotificationBody::new(100, "1.3.6.1.6.3.1.1.5.1".parse()?, vec![]);
/// let (acknowledged, received) = tokio::join!(notification::inform(&session, &body), listener.recv());
/// acknowledged?;
/// assert_eq!(received?.body, body);
/// assert_eq!(listener.receiver().stats().informs(), 1);
/// # Ok(()) }
/// ```
pub async fn inform(
    session: &client::Session,
    body: &NotificationBody,
) -> Result<(), client::Error> {
    session.run(inform_request(body)).await.map(drop)
}

fn is_transient(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionReset
    )
}

/// A UDP socket with a [`NotificationReceiver`]: yields typed notifications.
///
/// The receiver's clock is the listener's: create the receiver with `now =
/// Duration::ZERO` (its engine time then counts from the moment the listener is bound).
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> Result<(), Box<dyn std::error::Error>> {
/// use core::time::Duration;
/// use fleetwire_snmp::crypto::RustCrypto;
/// use fleetwire_snmp::notification::{
///     NotificationBody, NotificationListener, NotificationReceiver, NotificationSender,
/// };
///
/// let receiver = NotificationReceiver::new(&RustCrypto::new(), b"\x80\x00\x1f\x88\x04doc", 1, Duration::ZERO)?;
/// let mut listener = NotificationListener::bind("127.0.0.1:0".parse()?, receiver).await?;
/// let mut sender = NotificationSender::new()?;
/// let body = NotificationBody::new(100, "1.3.6.1.6.3.1.1.5.1".parse()?, vec![]);
/// sender.send_v2c_trap(listener.local_addr()?, b"public", &body).await?;
/// assert_eq!(listener.recv().await?.body, body);
/// assert_eq!(listener.receiver().stats().traps(), 1);
/// # Ok(()) }
/// ```
#[derive(Debug)]
pub struct NotificationListener {
    socket: UdpSocket,
    receiver: NotificationReceiver,
    provider: Box<dyn CryptoProvider>,
    start: Instant,
    buf: Vec<u8>,
    reply: Vec<u8>,
}

impl NotificationListener {
    /// Binds `addr` (IPv4 or IPv6; port 0 picks a free one) with the default crypto provider.
    pub async fn bind(addr: SocketAddr, receiver: NotificationReceiver) -> io::Result<Self> {
        Self::bind_with_provider(addr, receiver, Box::new(RustCrypto::new())).await
    }

    /// Binds `addr` with another crypto provider.
    pub async fn bind_with_provider(
        addr: SocketAddr,
        receiver: NotificationReceiver,
        provider: Box<dyn CryptoProvider>,
    ) -> io::Result<Self> {
        let socket = UdpSocket::bind(addr).await?;
        Ok(Self {
            socket,
            receiver,
            provider,
            start: Instant::now(),
            buf: alloc::vec![0u8; MAX_DATAGRAM],
            reply: Vec::with_capacity(512),
        })
    }

    /// The bound address.
    pub fn local_addr(&self) -> io::Result<SocketAddr> {
        self.socket.local_addr()
    }

    /// The receiver (its counters: [`NotificationReceiver::stats`]).
    pub fn receiver(&self) -> &NotificationReceiver {
        &self.receiver
    }

    /// The receiver, to add users or communities while listening.
    pub fn receiver_mut(&mut self) -> &mut NotificationReceiver {
        &mut self.receiver
    }

    /// Processes the next datagram and returns its source and outcome (a notification, a
    /// discovery, or a counted drop), after sending the answer it needs. Fails only when the
    /// socket does.
    pub async fn recv_outcome(&mut self) -> io::Result<(SocketAddr, Outcome)> {
        loop {
            let (n, source) = match self.socket.recv_from(&mut self.buf).await {
                Ok(r) => r,
                Err(e) if is_transient(&e) => continue,
                Err(e) => return Err(e),
            };
            let now = Instant::now().saturating_duration_since(self.start);
            let bytes = self.buf.get(..n).unwrap_or_default();
            let outcome =
                self.receiver
                    .receive(&*self.provider, now, source, bytes, &mut self.reply);
            if !self.reply.is_empty() {
                // A lost answer is the sender's retry to make; it never stops the listener.
                let _ = self.socket.send_to(&self.reply, source).await;
            }
            return Ok((source, outcome));
        }
    }

    /// The next notification; bad input on the way is counted and skipped.
    pub async fn recv(&mut self) -> io::Result<Notification> {
        loop {
            if let (_, Outcome::Notification(n)) = self.recv_outcome().await? {
                return Ok(*n);
            }
        }
    }
}
