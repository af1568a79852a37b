//! The async manager over UDP (feature `tokio`): the IO shell around [`crate::manager`].
//!
//! One [`Client`] owns at most two sockets, one per address family, and multiplexes every
//! request to every target over them: each exchange registers its key (request-id for
//! v1/v2c, msgID for v3) and a task per socket hands each datagram to the exchange waiting
//! for it. A semaphore bounds the requests in flight. [`Session`] is one target (address +
//! [`Security`]), with the SNMPv3 discovery and time synchronisation cached in it;
//! [`Client::poll`] queries a whole fleet concurrently, reporting progress.
//!
//! ```no_run
//! use fleetwire_snmp::client::Client;
//! use fleetwire_snmp::manager::Security;
//!
//! # async fn demo() -> Result<(), fleetwire_snmp::client::Error> {
//! let client = Client::builder().timeout(std::time::Duration::from_millis(500)).retries(2).build().await?;
//! let printer = client.session("192.0.2.10:161".parse().unwrap(), Security::v2c("public"))?;
//! let name = printer.get(&["1.3.6.1.2.1.1.5.0".parse().unwrap()]).await?;
//! println!("{:?}", name[0].value);
//! for vb in printer.bulk_walk("1.3.6.1.2.1.43.11".parse().unwrap(), 25).await? {
//!     println!("{} = {:?}", vb.name, vb.value);
//! }
//! # Ok(()) }
//! ```
//!
//! A complete run against a tiny agent on loopback:
//!
//! ```
//! use fleetwire_snmp::client::Client;
//! use fleetwire_snmp::manager::Security;
//! use fleetwire_snmp::{CommunityMessage, Message, Pdu, Value, VarBind};
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! // A one-shot agent: answers one GetRequest with sysName.0 = "lobby".
//! let agent = tokio::net::UdpSocket::bind("127.0.0.1:0").await?;
//! let agent_addr = agent.local_addr()?;
//! tokio::spawn(async move {
//!     let mut buf = vec![0u8; 1500];
//!     let (n, from) = agent.recv_from(&mut buf).await.unwrap();
//!     let Message::V2c(req) = Message::decode(&buf[..n]).unwrap() else { return };
//!     let Pdu::GetRequest(mut pdu) = req.pdu else { return };
//!     let oid = pdu.varbinds.iter().next().unwrap().name.into_owned();
//!     pdu.varbinds = vec![VarBind::new(oid, Value::OctetString(b"lobby"[..].into()))].into();
//!     let answer = Message::V2c(CommunityMessage { community: req.community, pdu: Pdu::Response(pdu) });
//!     agent.send_to(&answer.to_vec(), from).await.unwrap();
//! });
//!
//! let client = Client::builder().build().await?;
//! let session = client.session(agent_addr, Security::v2c("public"))?;
//! let varbinds = session.get(&["1.3.6.1.2.1.1.5.0".parse()?]).await?;
//! assert_eq!(varbinds[0].value, Value::OctetString(b"lobby"[..].into()));
//! # Ok(()) }
//! ```

use std::collections::HashMap;
use std::io;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::net::UdpSocket;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinHandle;
use tokio::time::Instant;

use crate::crypto::{CryptoProvider, RustCrypto};
use crate::manager::{
    self, Exchange, IdAllocator, Outcome, Request, Response, RetryPolicy, Security, TargetState,
    Walk, WalkMode, WalkStep,
};
use crate::oid::Oid;
use crate::pdu::{ErrorStatus, VarBind};
use crate::usm::{EngineTime, KeyCache};

mod poll;

pub use poll::{PollResult, PollSpec, PollTarget, Progress};

/// The largest datagram the client receives.
const RECV_BUFFER: usize = 65_535;
/// The default socket receive buffer (`SO_RCVBUF`): room for a burst of about 3,000 answers
/// of 1.4 KB (the kernel caps it at `net.core.rmem_max`).
pub const DEFAULT_SOCKET_RECV_BUFFER: usize = 4 * 1024 * 1024;
/// Datagrams queued for one exchange before further ones are dropped.
const PER_EXCHANGE_QUEUE: usize = 8;

/// Why a client operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The SNMP exchange failed: timeout, error status, SNMPv3 security, walk safeguards, ...
    #[error(transparent)]
    Snmp(#[from] manager::Error),
    /// A socket operation failed.
    #[error("{context}: {source}")]
    Io {
        /// What was being done.
        context: &'static str,
        /// The error.
        #[source]
        source: io::Error,
    },
    /// The client has no socket of the target's address family (e.g. IPv6 unavailable).
    #[error("no {0} socket: the client could not bind one")]
    NoSocket(&'static str),
}

impl Error {
    /// The manager error, if this is one.
    pub fn snmp(&self) -> Option<&manager::Error> {
        match self {
            Self::Snmp(e) => Some(e),
            _ => None,
        }
    }
}

/// Counters of a client's sockets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Stats {
    /// Datagrams received.
    pub received: u64,
    /// Datagrams that matched no exchange in flight (late, duplicate, or not SNMP).
    pub unmatched: u64,
    /// Datagrams that matched an exchange but came from another address than the target's
    /// (dropped unless the session is lenient).
    pub wrong_source: u64,
}

#[derive(Debug, Default)]
struct Counters {
    received: AtomicU64,
    unmatched: AtomicU64,
    wrong_source: AtomicU64,
}

type Datagram = (Vec<u8>, SocketAddr);
type Waiters = Mutex<HashMap<u32, mpsc::Sender<Datagram>>>;

fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panic while holding one of these locks cannot leave the data inconsistent (every
    // critical section is a single map or counter update), so a poisoned lock is used as is.
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

/// Configures a [`Client`].
#[derive(Debug, Clone)]
pub struct ClientBuilder {
    retry: RetryPolicy,
    max_in_flight: usize,
    lenient_source: bool,
    walk_limit: usize,
    bind_v4: Option<SocketAddr>,
    bind_v6: Option<SocketAddr>,
    socket_recv_buffer: usize,
}

impl Default for ClientBuilder {
    fn default() -> Self {
        Self {
            retry: RetryPolicy::default(),
            max_in_flight: 1024,
            lenient_source: false,
            walk_limit: Walk::DEFAULT_LIMIT,
            bind_v4: Some(SocketAddr::from((Ipv4Addr::UNSPECIFIED, 0))),
            bind_v6: Some(SocketAddr::from((Ipv6Addr::UNSPECIFIED, 0))),
            socket_recv_buffer: DEFAULT_SOCKET_RECV_BUFFER,
        }
    }
}

impl ClientBuilder {
    /// Timeout and retries of every session (default: net-snmp's 1 s and 5 retries).
    #[must_use]
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The timeout per attempt.
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.retry.timeout = timeout;
        self
    }

    /// Retransmissions after the first attempt.
    #[must_use]
    pub fn retries(mut self, retries: u32) -> Self {
        self.retry.retries = retries;
        self
    }

    /// At most this many requests in flight at once (default 1024; at least 1).
    #[must_use]
    pub fn max_in_flight(mut self, n: usize) -> Self {
        self.max_in_flight = n.max(1);
        self
    }

    /// Accept answers from any address, not only the one asked (multihomed agents that
    /// answer from another interface). Default: strict.
    #[must_use]
    pub fn lenient_source(mut self, lenient: bool) -> Self {
        self.lenient_source = lenient;
        self
    }

    /// The most varbinds one walk may return (default [`Walk::DEFAULT_LIMIT`]).
    #[must_use]
    pub fn walk_limit(mut self, limit: usize) -> Self {
        self.walk_limit = limit;
        self
    }

    /// The IPv4 socket's local address (default `0.0.0.0:0`); `None`: no IPv4 socket.
    #[must_use]
    pub fn bind_v4(mut self, addr: Option<SocketAddr>) -> Self {
        self.bind_v4 = addr;
        self
    }

    /// The IPv6 socket's local address (default `[::]:0`); `None`: no IPv6 socket.
    #[must_use]
    pub fn bind_v6(mut self, addr: Option<SocketAddr>) -> Self {
        self.bind_v6 = addr;
        self
    }

    /// The sockets' receive buffer size in bytes (`SO_RCVBUF`; default
    /// [`DEFAULT_SOCKET_RECV_BUFFER`], capped by the kernel). Answers that arrive while the
    /// buffer is full are dropped by the kernel and cost a retry.
    #[must_use]
    pub fn socket_recv_buffer(mut self, bytes: usize) -> Self {
        self.socket_recv_buffer = bytes;
        self
    }

    /// Binds the sockets and starts their receive tasks (on the current tokio runtime). An
    /// IPv6 socket that cannot be bound (no IPv6 on the host) is left out; an IPv4 socket
    /// that cannot be bound is an error, and so is having no socket at all.
    pub async fn build(self) -> Result<Client, Error> {
        let io_err = |context| move |source| Error::Io { context, source };
        let crypto = RustCrypto::new();
        let seed = crypto.salt_seed().map(|s| s as u32).unwrap_or(0x1f2e_3d4c);
        let waiters: Arc<Waiters> = Arc::default();
        let counters: Arc<Counters> = Arc::default();
        let mut tasks = Vec::new();
        let v4 = match self.bind_v4 {
            Some(addr) => Some(Arc::new(
                bind(addr, self.socket_recv_buffer).map_err(io_err("binding the IPv4 socket"))?,
            )),
            None => None,
        };
        let v6 = match self.bind_v6 {
            Some(addr) => bind(addr, self.socket_recv_buffer).ok().map(Arc::new),
            None => None,
        };
        if v4.is_none() && v6.is_none() {
            return Err(Error::NoSocket("IPv4 or IPv6"));
        }
        for socket in [&v4, &v6].into_iter().flatten() {
            tasks.push(tokio::spawn(receive_loop(
                Arc::clone(socket),
                Arc::clone(&waiters),
                Arc::clone(&counters),
            )));
        }
        Ok(Client {
            inner: Arc::new(Inner {
                v4,
                v6,
                waiters,
                counters,
                ids: Mutex::new(IdAllocator::new(seed)),
                keys: Mutex::new(KeyCache::new()),
                crypto,
                permits: Semaphore::new(self.max_in_flight),
                epoch: Instant::now(),
                config: self,
                tasks,
            }),
        })
    }
}

/// A non-blocking UDP socket bound to `addr` with a `recv_buffer`-byte receive buffer.
fn bind(addr: SocketAddr, recv_buffer: usize) -> io::Result<UdpSocket> {
    use socket2::{Domain, Protocol, Socket, Type};
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))?;
    if addr.is_ipv6() {
        // One socket per family: the IPv6 socket does not take IPv4-mapped traffic.
        socket.set_only_v6(true)?;
    }
    // Best effort: the kernel caps the size, and a refusal leaves the default.
    let _ = socket.set_recv_buffer_size(recv_buffer);
    socket.set_nonblocking(true)?;
    socket.bind(&addr.into())?;
    UdpSocket::from_std(socket.into())
}

async fn receive_loop(socket: Arc<UdpSocket>, waiters: Arc<Waiters>, counters: Arc<Counters>) {
    let mut buf = vec![0u8; RECV_BUFFER];
    loop {
        let (n, from) = match socket.recv_from(&mut buf).await {
            Ok(r) => r,
            // ICMP errors (port unreachable) surface here on some platforms: not fatal.
            Err(_) => continue,
        };
        counters.received.fetch_add(1, Ordering::Relaxed);
        let bytes = buf.get(..n).unwrap_or_default();
        let waiter = manager::peek_key(bytes).and_then(|key| lock(&waiters).get(&key).cloned());
        match waiter {
            Some(tx) => {
                // A full queue means a flood for one exchange: drop the excess.
                let _ = tx.try_send((bytes.to_vec(), from));
            }
            None => {
                counters.unmatched.fetch_add(1, Ordering::Relaxed);
            }
        }
    }
}

#[derive(Debug)]
struct Inner {
    v4: Option<Arc<UdpSocket>>,
    v6: Option<Arc<UdpSocket>>,
    waiters: Arc<Waiters>,
    counters: Arc<Counters>,
    ids: Mutex<IdAllocator>,
    keys: Mutex<KeyCache>,
    crypto: RustCrypto,
    permits: Semaphore,
    epoch: Instant,
    config: ClientBuilder,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        for t in &self.tasks {
            t.abort();
        }
    }
}

impl Inner {
    fn next_id(&self) -> u32 {
        lock(&self.ids).next()
    }

    fn now(&self) -> Duration {
        self.epoch.elapsed()
    }

    fn socket_for(&self, addr: &SocketAddr) -> Result<&Arc<UdpSocket>, Error> {
        match addr {
            SocketAddr::V4(_) => self.v4.as_ref().ok_or(Error::NoSocket("IPv4")),
            SocketAddr::V6(_) => self.v6.as_ref().ok_or(Error::NoSocket("IPv6")),
        }
    }
}

/// An SNMP manager: sockets, the localized-key cache, and the request-id space shared by all
/// its [`Session`]s. Cheap to clone (clones share everything).
#[derive(Debug, Clone)]
pub struct Client {
    inner: Arc<Inner>,
}

impl Client {
    /// A builder with net-snmp's defaults.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A session with the target at `addr` secured by `security`, with the client's
    /// retry policy and source check. SNMPv3 users are checked here (the level must be
    /// supported by the user's keys).
    pub fn session(&self, addr: SocketAddr, security: Security) -> Result<Session, Error> {
        let state = TargetState::new(&self.inner.crypto, security)?;
        Ok(Session {
            client: self.clone(),
            addr,
            state: Arc::new(Mutex::new(state)),
            retry: self.inner.config.retry,
            lenient_source: self.inner.config.lenient_source,
            walk_limit: self.inner.config.walk_limit,
        })
    }

    /// The local address of the client's IPv4 and IPv6 sockets.
    pub fn local_addrs(&self) -> Vec<SocketAddr> {
        [&self.inner.v4, &self.inner.v6]
            .into_iter()
            .flatten()
            .filter_map(|s| s.local_addr().ok())
            .collect()
    }

    /// Socket counters.
    pub fn stats(&self) -> Stats {
        let c = &self.inner.counters;
        Stats {
            received: c.received.load(Ordering::Relaxed),
            unmatched: c.unmatched.load(Ordering::Relaxed),
            wrong_source: c.wrong_source.load(Ordering::Relaxed),
        }
    }
}

/// Removes an exchange's key from the dispatch map when the exchange ends (however it ends).
struct Registration<'a> {
    waiters: &'a Waiters,
    key: u32,
}

impl<'a> Registration<'a> {
    fn new(waiters: &'a Waiters, key: u32, tx: mpsc::Sender<Datagram>) -> Self {
        lock(waiters).insert(key, tx);
        Self { waiters, key }
    }

    fn rekey(&mut self, key: u32) {
        if key != self.key {
            let mut map = lock(self.waiters);
            if let Some(tx) = map.remove(&self.key) {
                map.insert(key, tx);
            }
            self.key = key;
        }
    }
}

impl Drop for Registration<'_> {
    fn drop(&mut self) {
        lock(self.waiters).remove(&self.key);
    }
}

/// One target: its address, security, and (SNMPv3) discovered engine and clock. Cheap to
/// clone; clones share the target state.
#[derive(Debug, Clone)]
pub struct Session {
    client: Client,
    addr: SocketAddr,
    state: Arc<Mutex<TargetState>>,
    retry: RetryPolicy,
    lenient_source: bool,
    walk_limit: usize,
}

impl Session {
    /// This session with another retry policy.
    #[must_use]
    pub fn with_retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// This session accepting answers from any address (multihomed agents).
    #[must_use]
    pub fn with_lenient_source(mut self, lenient: bool) -> Self {
        self.lenient_source = lenient;
        self
    }

    /// This session with another walk result limit.
    #[must_use]
    pub fn with_walk_limit(mut self, limit: usize) -> Self {
        self.walk_limit = limit;
        self
    }

    /// The target's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The agent's engine ID once discovered (SNMPv3).
    pub fn engine_id(&self) -> Option<Vec<u8>> {
        lock(&self.state).engine_id().map(<[u8]>::to_vec)
    }

    /// The agent's boots and estimated time, once discovered (SNMPv3).
    pub fn engine_time(&self) -> Option<EngineTime> {
        lock(&self.state).engine_time(self.client.inner.now())
    }

    /// GET: the values of `oids`, in order. A tooBig answer splits the batch.
    pub async fn get(&self, oids: &[Oid<'static>]) -> Result<Vec<VarBind<'static>>, Error> {
        self.run(Request::Get(oids.to_vec())).await
    }

    /// GETNEXT: the successor of each of `oids`, in order. A tooBig answer splits the batch.
    pub async fn get_next(&self, oids: &[Oid<'static>]) -> Result<Vec<VarBind<'static>>, Error> {
        self.run(Request::GetNext(oids.to_vec())).await
    }

    /// GETBULK (SNMPv2c, SNMPv3). A tooBig answer halves max-repetitions.
    pub async fn get_bulk(
        &self,
        non_repeaters: u32,
        max_repetitions: u32,
        oids: &[Oid<'static>],
    ) -> Result<Vec<VarBind<'static>>, Error> {
        self.run(Request::GetBulk {
            non_repeaters,
            max_repetitions,
            oids: oids.to_vec(),
        })
        .await
    }

    /// SET: the agent's answer varbinds.
    pub async fn set(&self, varbinds: &[VarBind<'static>]) -> Result<Vec<VarBind<'static>>, Error> {
        self.run(Request::Set(varbinds.to_vec())).await
    }

    /// Walks the subtree under `root` with GETNEXT.
    pub async fn walk(&self, root: Oid<'static>) -> Result<Vec<VarBind<'static>>, Error> {
        self.collect_walk(Walk::new(root, WalkMode::GetNext)).await
    }

    /// Walks the subtree under `root` with GETBULK (`max_repetitions` per request, halved on
    /// tooBig).
    pub async fn bulk_walk(
        &self,
        root: Oid<'static>,
        max_repetitions: u32,
    ) -> Result<Vec<VarBind<'static>>, Error> {
        self.collect_walk(Walk::new(root, WalkMode::GetBulk { max_repetitions }))
            .await
    }

    async fn collect_walk(&self, walk: Walk) -> Result<Vec<VarBind<'static>>, Error> {
        let mut out = Vec::new();
        self.walk_with(walk, |step| out.extend_from_slice(&step.varbinds))
            .await?;
        Ok(out)
    }

    /// Runs `walk` (its limit lowered to the session's), handing each answer's
    /// [`WalkStep`] to `on_step` as it arrives (for printing a long walk as it goes).
    pub async fn walk_with(
        &self,
        walk: Walk,
        mut on_step: impl FnMut(&WalkStep),
    ) -> Result<(), Error> {
        let limit = self.walk_limit;
        let mut walk = walk;
        if limit < Walk::DEFAULT_LIMIT {
            walk = walk.with_limit(limit);
        }
        while let Some(request) = walk.next_request() {
            let response = self.exchange(request).await?;
            let step = walk.on_response(response)?;
            on_step(&step);
        }
        Ok(())
    }

    /// One request, with tooBig recovery: the split parts' answers are concatenated in order.
    pub async fn run(&self, request: Request) -> Result<Vec<VarBind<'static>>, Error> {
        let mut todo = vec![request];
        let mut out = Vec::new();
        while let Some(request) = todo.pop() {
            let (response, request) = self.exchange_returning(request).await?;
            if response.error_status == ErrorStatus::TooBig {
                todo.extend(request.split_for_too_big()?.into_iter().rev());
                continue;
            }
            out.extend(response.into_result(&request)?);
        }
        Ok(out)
    }

    /// One request/response exchange, as is (no tooBig recovery, error status not checked).
    pub async fn exchange(&self, request: Request) -> Result<Response, Error> {
        self.exchange_returning(request).await.map(|(r, _)| r)
    }

    /// [`exchange`](Self::exchange), giving the request back with the answer.
    async fn exchange_returning(&self, request: Request) -> Result<(Response, Request), Error> {
        let inner = &*self.client.inner;
        let _permit = inner
            .permits
            .acquire()
            .await
            .map_err(|_| Error::NoSocket("closed client"))?;
        let socket = inner.socket_for(&self.addr)?;
        let mut exchange = Exchange::new(request, inner.next_id(), self.retry);
        let mut next_id = || inner.next_id();
        {
            let mut state = lock(&self.state);
            let mut keys = lock(&inner.keys);
            exchange.start(
                &inner.crypto,
                &mut keys,
                &mut state,
                inner.now(),
                &mut next_id,
            )?;
        }
        let (tx, mut rx) = mpsc::channel(PER_EXCHANGE_QUEUE);
        let mut registration = Registration::new(&inner.waiters, exchange.key(), tx);
        self.send(socket, exchange.wire()).await?;
        loop {
            let deadline = exchange
                .deadline()
                .map_or_else(Instant::now, |d| inner.epoch + d);
            match tokio::time::timeout_at(deadline, rx.recv()).await {
                Ok(Some((bytes, from))) => {
                    if from != self.addr && !self.lenient_source {
                        inner.counters.wrong_source.fetch_add(1, Ordering::Relaxed);
                        continue;
                    }
                    let outcome = {
                        let mut state = lock(&self.state);
                        let mut keys = lock(&inner.keys);
                        exchange.on_datagram(
                            &inner.crypto,
                            &mut keys,
                            &mut state,
                            inner.now(),
                            &bytes,
                            &mut next_id,
                        )?
                    };
                    match outcome {
                        None => {}
                        Some(Outcome::Send) => {
                            registration.rekey(exchange.key());
                            self.send(socket, exchange.wire()).await?;
                        }
                        Some(Outcome::Response(response)) => {
                            drop(registration);
                            return Ok((response, exchange.into_request()));
                        }
                    }
                }
                // The sender lives in the registration: the channel cannot close first.
                Ok(None) => return Err(Error::NoSocket("closed client")),
                Err(_elapsed) => {
                    exchange.on_timeout(inner.now())?;
                    self.send(socket, exchange.wire()).await?;
                }
            }
        }
    }

    async fn send(&self, socket: &UdpSocket, bytes: &[u8]) -> Result<(), Error> {
        socket
            .send_to(bytes, self.addr)
            .await
            .map(|_| ())
            .map_err(|source| Error::Io {
                context: "sending a request",
                source,
            })
    }
}
