//! Recording UDP endpoints: a forwarder ([`UdpRelay`]) and a sink ([`UdpSink`]).
//!
//! Capturing on `lo` needs root (and ~0.5 s for tshark to start); putting a
//! relay between a client and a peer captures the exact datagrams without
//! either. Both bind `127.0.0.1:0`, so there is no port race, and stop (and
//! join their threads) when dropped.

use std::collections::HashMap;
use std::io::ErrorKind;
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::fail::{fatal, lock};

/// How often the background threads look at the stop flag.
const POLL: Duration = Duration::from_millis(20);

/// Largest datagram accepted.
const MAX_DATAGRAM: usize = 65_536;

/// Which way a recorded datagram went.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// From the client to the target (for a [`UdpSink`]: received).
    ToTarget,
    /// From the target back to the client.
    FromTarget,
}

/// One recorded datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Datagram {
    /// Which way it went.
    pub direction: Direction,
    /// The client's address (for a [`UdpSink`]: the sender's).
    pub client: SocketAddr,
    /// The UDP payload.
    pub bytes: Vec<u8>,
    /// Time since the relay or sink started.
    pub at: Duration,
    /// Whether the relay dropped it on purpose instead of forwarding it
    /// (see [`UdpRelay::drop_next_requests`]).
    pub dropped: bool,
}

#[derive(Debug)]
struct Shared {
    stop: AtomicBool,
    log: Mutex<Vec<Datagram>>,
    started: Instant,
    drop_requests: AtomicUsize,
    drop_responses: AtomicUsize,
}

impl Shared {
    fn new() -> Arc<Self> {
        Arc::new(Self {
            stop: AtomicBool::new(false),
            log: Mutex::new(Vec::new()),
            started: Instant::now(),
            drop_requests: AtomicUsize::new(0),
            drop_responses: AtomicUsize::new(0),
        })
    }

    fn record(&self, direction: Direction, client: SocketAddr, bytes: &[u8], dropped: bool) {
        lock(&self.log).push(Datagram {
            direction,
            client,
            bytes: bytes.to_vec(),
            at: self.started.elapsed(),
            dropped,
        });
    }

    /// Consumes one "drop" token if any is left.
    fn take_drop(counter: &AtomicUsize) -> bool {
        counter
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok()
    }

    fn snapshot(&self) -> Vec<Datagram> {
        lock(&self.log).clone()
    }

    fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Datagram> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.snapshot();
            if got.len() >= n || Instant::now() >= deadline {
                return got;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
    }
}

fn is_timeout(e: &std::io::Error) -> bool {
    matches!(e.kind(), ErrorKind::WouldBlock | ErrorKind::TimedOut)
}

fn loopback_for(target: SocketAddr) -> SocketAddr {
    if target.is_ipv6() {
        SocketAddr::from((Ipv6Addr::LOCALHOST, 0))
    } else {
        SocketAddr::from((Ipv4Addr::LOCALHOST, 0))
    }
}

/// A UDP forwarder on `127.0.0.1:<port>` that relays each client's datagrams
/// to a target and the target's replies back, recording every datagram.
///
/// Each client address gets its own upstream socket (like a NAT), so
/// concurrent clients get their own replies. Only loopback targets are
/// accepted.
///
/// ```no_run
/// # use fleetwire_testkit::{UdpRelay, Direction};
/// # let agent_addr: std::net::SocketAddr = "127.0.0.1:16161".parse().unwrap();
/// let relay = UdpRelay::start(agent_addr);
/// // point the client at relay.addr() / relay.target() ...
/// for d in relay.wait_for(2, std::time::Duration::from_secs(5)) {
///     println!("{:?} {} bytes", d.direction, d.bytes.len());
/// }
/// ```
#[derive(Debug)]
pub struct UdpRelay {
    addr: SocketAddr,
    target: SocketAddr,
    shared: Arc<Shared>,
    front: Option<JoinHandle<()>>,
    upstreams: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl UdpRelay {
    /// Starts a relay to `target` (which must be a loopback address).
    #[track_caller]
    pub fn start(target: SocketAddr) -> Self {
        if !target.ip().is_loopback() {
            fatal(format!(
                "UdpRelay only forwards to loopback addresses, not {target}"
            ));
        }
        let front = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0))
            .unwrap_or_else(|e| fatal(format!("UdpRelay cannot bind 127.0.0.1:0: {e}")));
        let addr = front
            .local_addr()
            .unwrap_or_else(|e| fatal(format!("UdpRelay local_addr: {e}")));
        if let Err(e) = front.set_read_timeout(Some(POLL)) {
            fatal(format!("UdpRelay set_read_timeout: {e}"));
        }
        let shared = Shared::new();
        let upstreams: Arc<Mutex<Vec<JoinHandle<()>>>> = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let shared = Arc::clone(&shared);
            let upstreams = Arc::clone(&upstreams);
            std::thread::Builder::new()
                .name("udp-relay-front".into())
                .spawn(move || front_loop(&front, target, &shared, &upstreams))
                .unwrap_or_else(|e| fatal(format!("UdpRelay cannot spawn thread: {e}")))
        };
        Self {
            addr,
            target,
            shared,
            front: Some(thread),
            upstreams,
        }
    }

    /// The relay's own address (`127.0.0.1:<port>`): point the client here.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The relay's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The relay's address in net-snmp tool syntax: `127.0.0.1:PORT`.
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.addr.port())
    }

    /// Where datagrams are forwarded to.
    pub fn upstream(&self) -> SocketAddr {
        self.target
    }

    /// Every datagram recorded so far, in order.
    pub fn datagrams(&self) -> Vec<Datagram> {
        self.shared.snapshot()
    }

    /// The payloads sent by clients (including dropped ones), in order.
    pub fn requests(&self) -> Vec<Vec<u8>> {
        self.by_direction(Direction::ToTarget)
    }

    /// The payloads sent back by the target (including dropped ones), in order.
    pub fn responses(&self) -> Vec<Vec<u8>> {
        self.by_direction(Direction::FromTarget)
    }

    fn by_direction(&self, dir: Direction) -> Vec<Vec<u8>> {
        self.shared
            .snapshot()
            .into_iter()
            .filter(|d| d.direction == dir)
            .map(|d| d.bytes)
            .collect()
    }

    /// Waits until at least `n` datagrams (both directions) are recorded and
    /// returns all of them; at the deadline returns what there is (possibly
    /// fewer: assert on the result).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Datagram> {
        self.shared.wait_for(n, timeout)
    }

    /// Forgets the datagrams recorded so far.
    pub fn clear(&self) {
        lock(&self.shared.log).clear();
    }

    /// Drops (records but does not forward) the next `n` client datagrams;
    /// for retry and timeout tests.
    pub fn drop_next_requests(&self, n: usize) {
        self.shared.drop_requests.store(n, Ordering::SeqCst);
    }

    /// Drops (records but does not forward) the next `n` replies.
    pub fn drop_next_responses(&self, n: usize) {
        self.shared.drop_responses.store(n, Ordering::SeqCst);
    }
}

impl Drop for UdpRelay {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.front.take() {
            let _ = h.join();
        }
        let handles: Vec<JoinHandle<()>> = lock(&self.upstreams).drain(..).collect();
        for h in handles {
            let _ = h.join();
        }
    }
}

fn front_loop(
    front: &UdpSocket,
    target: SocketAddr,
    shared: &Arc<Shared>,
    upstreams: &Arc<Mutex<Vec<JoinHandle<()>>>>,
) {
    let mut per_client: HashMap<SocketAddr, Arc<UdpSocket>> = HashMap::new();
    let mut buf = vec![0u8; MAX_DATAGRAM];
    while !shared.stop.load(Ordering::SeqCst) {
        let (n, client) = match front.recv_from(&mut buf) {
            Ok(x) => x,
            Err(e) if is_timeout(&e) => continue,
            Err(_) => continue,
        };
        let payload = buf.get(..n).unwrap_or_default();
        let dropped = Shared::take_drop(&shared.drop_requests);
        shared.record(Direction::ToTarget, client, payload, dropped);
        if dropped {
            continue;
        }
        let up = match per_client.get(&client) {
            Some(s) => Arc::clone(s),
            None => match new_upstream(front, client, target, shared, upstreams) {
                Some(s) => {
                    per_client.insert(client, Arc::clone(&s));
                    s
                }
                None => continue,
            },
        };
        let _ = up.send(payload);
    }
}

/// Opens the upstream socket for a new client and starts its reply thread.
fn new_upstream(
    front: &UdpSocket,
    client: SocketAddr,
    target: SocketAddr,
    shared: &Arc<Shared>,
    upstreams: &Arc<Mutex<Vec<JoinHandle<()>>>>,
) -> Option<Arc<UdpSocket>> {
    let up = UdpSocket::bind(loopback_for(target)).ok()?;
    up.connect(target).ok()?;
    up.set_read_timeout(Some(POLL)).ok()?;
    let up = Arc::new(up);
    let back = front.try_clone().ok()?;
    let thread_up = Arc::clone(&up);
    let thread_shared = Arc::clone(shared);
    let handle = std::thread::Builder::new()
        .name("udp-relay-back".into())
        .spawn(move || {
            let mut buf = vec![0u8; MAX_DATAGRAM];
            while !thread_shared.stop.load(Ordering::SeqCst) {
                let n = match thread_up.recv(&mut buf) {
                    Ok(n) => n,
                    // Timeouts, and ECONNREFUSED from ICMP when nothing
                    // listens on the target yet.
                    Err(_) => continue,
                };
                let payload = buf.get(..n).unwrap_or_default();
                let dropped = Shared::take_drop(&thread_shared.drop_responses);
                thread_shared.record(Direction::FromTarget, client, payload, dropped);
                if !dropped {
                    let _ = back.send_to(payload, client);
                }
            }
        })
        .ok()?;
    lock(upstreams).push(handle);
    Some(up)
}

/// A UDP endpoint on loopback that records every datagram it receives and
/// never answers (e.g. a trap target, or a black hole for timeout tests).
#[derive(Debug)]
pub struct UdpSink {
    addr: SocketAddr,
    shared: Arc<Shared>,
    thread: Option<JoinHandle<()>>,
}

impl UdpSink {
    /// A sink on `127.0.0.1:<free port>`.
    #[track_caller]
    pub fn start() -> Self {
        Self::bind(SocketAddr::from((Ipv4Addr::LOCALHOST, 0)))
    }

    /// A sink on `[::1]:<free port>`.
    #[track_caller]
    pub fn start_v6() -> Self {
        Self::bind(SocketAddr::from((Ipv6Addr::LOCALHOST, 0)))
    }

    #[track_caller]
    fn bind(at: SocketAddr) -> Self {
        let sock =
            UdpSocket::bind(at).unwrap_or_else(|e| fatal(format!("UdpSink cannot bind {at}: {e}")));
        let addr = sock
            .local_addr()
            .unwrap_or_else(|e| fatal(format!("UdpSink local_addr: {e}")));
        if let Err(e) = sock.set_read_timeout(Some(POLL)) {
            fatal(format!("UdpSink set_read_timeout: {e}"));
        }
        let shared = Shared::new();
        let thread_shared = Arc::clone(&shared);
        let thread = std::thread::Builder::new()
            .name("udp-sink".into())
            .spawn(move || {
                let mut buf = vec![0u8; MAX_DATAGRAM];
                while !thread_shared.stop.load(Ordering::SeqCst) {
                    match sock.recv_from(&mut buf) {
                        Ok((n, from)) => {
                            let payload = buf.get(..n).unwrap_or_default();
                            thread_shared.record(Direction::ToTarget, from, payload, false);
                        }
                        Err(_) => continue,
                    }
                }
            })
            .unwrap_or_else(|e| fatal(format!("UdpSink cannot spawn thread: {e}")));
        Self {
            addr,
            shared,
            thread: Some(thread),
        }
    }

    /// The sink's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The sink's port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// The sink's address in net-snmp tool syntax: `127.0.0.1:PORT` or
    /// `udp6:[::1]:PORT`.
    pub fn target(&self) -> String {
        match self.addr {
            SocketAddr::V4(a) => format!("{}:{}", a.ip(), a.port()),
            SocketAddr::V6(a) => format!("udp6:[{}]:{}", a.ip(), a.port()),
        }
    }

    /// Every datagram received so far, in order.
    pub fn datagrams(&self) -> Vec<Datagram> {
        self.shared.snapshot()
    }

    /// The payloads received so far, in order.
    pub fn payloads(&self) -> Vec<Vec<u8>> {
        self.shared
            .snapshot()
            .into_iter()
            .map(|d| d.bytes)
            .collect()
    }

    /// Waits until at least `n` datagrams have arrived and returns all of
    /// them; at the deadline returns what there is (possibly fewer).
    pub fn wait_for(&self, n: usize, timeout: Duration) -> Vec<Datagram> {
        self.shared.wait_for(n, timeout)
    }

    /// Forgets the datagrams received so far.
    pub fn clear(&self) {
        lock(&self.shared.log).clear();
    }
}

impl Drop for UdpSink {
    fn drop(&mut self) {
        self.shared.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.thread.take() {
            let _ = h.join();
        }
    }
}
