//! The tokio shell around [`Responder`]: UDP sockets (IPv4 and IPv6), one task per socket,
//! and a [`ServerHandle`] that stops them.
//!
//! The responder is shared as `Arc<Mutex<Responder>>`, locked only while one datagram is
//! handled, so the application can update MIB values between requests through
//! [`ServerHandle::responder`]. Nothing a peer sends can stop a task: undecodable or refused
//! datagrams are dropped, and receive or send errors (ICMP port unreachable, a full send
//! buffer) are skipped.
//!
//! ```
//! use std::ops::Bound;
//! use std::sync::Arc;
//! use fleetwire_snmp::crypto::RustCrypto;
//! use fleetwire_snmp::responder::{MibHandler, Responder, server::ServerHandle};
//! use fleetwire_snmp::{Oid, Value, VarBind};
//!
//! /// prtMarkerLifeCount.1.1, counting up by one page per poll.
//! struct Pages { oid: Oid<'static>, count: std::sync::atomic::AtomicU32 }
//!
//! impl MibHandler for Pages {
//!     fn get<'s>(&'s self, name: &Oid<'_>) -> Value<'s> {
//!         if *name != self.oid {
//!             return Value::NoSuchInstance;
//!         }
//!         let n = self.count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
//!         Value::Counter32(n)
//!     }
//!     fn get_next<'s>(&'s self, from: Bound<&Oid<'_>>) -> Option<VarBind<'s>> {
//!         let past = match from {
//!             Bound::Included(o) => *o > self.oid,
//!             Bound::Excluded(o) => *o >= self.oid,
//!             Bound::Unbounded => false,
//!         };
//!         (!past).then(|| VarBind::new(self.oid.borrowed(), self.get(&self.oid)))
//!     }
//! }
//!
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let mut responder = Responder::new(Arc::new(RustCrypto::new()));
//! let oid: Oid = "1.3.6.1.2.1.43.10.2.1.4.1.1".parse()?;
//! responder.mib_mut().register("1.3.6.1.2.1.43".parse()?, Pages { oid, count: 0.into() })?;
//! responder.allow_community(b"public", "1.3.6.1.2.1".parse()?, false)?;
//! let server = ServerHandle::bind(&["127.0.0.1:0".parse()?], responder).await?;
//! let addr = server.local_addrs()[0];
//! // ... managers poll `addr` ...
//! server.shutdown().await;
//! # Ok(()) }
//! ```

use std::io;
use std::net::SocketAddr;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::Responder;

/// The largest datagram read (the largest UDP payload).
const MAX_DATAGRAM: usize = 65535;

/// A running responder: its sockets' tasks and the way to stop them.
#[derive(Debug)]
pub struct ServerHandle {
    responder: Arc<Mutex<Responder>>,
    addrs: Vec<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl ServerHandle {
    /// Binds a UDP socket to each address (port 0 picks a free port) and serves `responder`
    /// on all of them, one task per socket, on the current tokio runtime.
    pub async fn bind(addrs: &[SocketAddr], responder: Responder) -> io::Result<Self> {
        Self::bind_shared(addrs, Arc::new(Mutex::new(responder))).await
    }

    /// [`bind`](Self::bind) for a responder the caller keeps a handle to.
    pub async fn bind_shared(
        addrs: &[SocketAddr],
        responder: Arc<Mutex<Responder>>,
    ) -> io::Result<Self> {
        let mut sockets = Vec::with_capacity(addrs.len());
        for addr in addrs {
            sockets.push(UdpSocket::bind(addr).await?);
        }
        let (stop, _) = watch::channel(false);
        let start = Instant::now();
        let mut bound = Vec::with_capacity(sockets.len());
        let mut tasks = Vec::with_capacity(sockets.len());
        for socket in sockets {
            bound.push(socket.local_addr()?);
            let stopped = stop.subscribe();
            let responder = Arc::clone(&responder);
            tasks.push(tokio::spawn(serve(socket, responder, start, stopped)));
        }
        Ok(Self {
            responder,
            addrs: bound,
            stop,
            tasks,
        })
    }

    /// The bound addresses, in the order given to [`bind`](Self::bind).
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// The shared responder (lock it to update handlers, VACM, users; requests wait meanwhile).
    pub fn responder(&self) -> &Arc<Mutex<Responder>> {
        &self.responder
    }

    /// Stops every task and waits for them to finish.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

async fn serve(
    socket: UdpSocket,
    responder: Arc<Mutex<Responder>>,
    start: Instant,
    mut stopped: watch::Receiver<bool>,
) {
    let mut buf = vec![0u8; MAX_DATAGRAM];
    let mut out = Vec::with_capacity(1500);
    loop {
        let (len, peer) = tokio::select! {
            _ = stopped.changed() => return,
            received = socket.recv_from(&mut buf) => match received {
                Ok(r) => r,
                // ICMP errors from earlier sends surface here on some platforms: not fatal.
                Err(_) => continue,
            },
        };
        let request = buf.get(..len).unwrap_or_default();
        let answered = {
            // A panic elsewhere while holding the lock must not stop the responder.
            let mut r = responder.lock().unwrap_or_else(PoisonError::into_inner);
            !matches!(
                r.handle(start.elapsed(), request, &mut out),
                super::Handled::Dropped(_)
            )
        };
        if answered {
            let _ = socket.send_to(&out, peer).await;
        }
    }
}
