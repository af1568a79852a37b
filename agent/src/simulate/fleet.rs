//! The simulator's network side: one [`Responder`] per served device, UDP sockets on
//! loopback, and requests routed to the device they are for.
//!
//! Two layouts, as `fleetwire simulate` offers them:
//!
//! - [`Layout::Shared`]: one port serves every recording, like snmpsim: the community of a
//!   v1/v2c request selects the recording (its file basename). SNMPv3 requests go to the
//!   first recording (by community), whose engine ID is device 0's: a v3 request carries no
//!   community, and its contextName is encrypted under authPriv, so it cannot choose.
//! - [`Layout::Devices`]: N devices on N consecutive ports, device `i` serving recording
//!   `i mod len` under its own engine ID ([`engine_id`]), answering its recording's
//!   community and `public`.
//!
//! The sockets are served by this module rather than by
//! [`responder::server`](fleetwire_snmp::responder::server), which serves one responder per
//! socket with a 64 KiB receive buffer per socket: the shared layout routes by community
//! between responders, and a fleet of 10,000 devices receives into one buffer per worker
//! thread instead of 10,000 buffers.

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::AtomicU64;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use fleetwire_snmp::crypto::{CryptoProvider, RustCrypto};
use fleetwire_snmp::responder::{
    Handled, MemoryBoots, MibError, Responder, ResponderError, ResponderLimits,
};
use fleetwire_snmp::usm::UsmUser;
use fleetwire_snmp::vacm::{FamilyType, SecurityModel};
use fleetwire_snmp::{Message, Oid, OidError};
use tokio::net::UdpSocket;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::SimRecording;
use super::device::{DeviceMib, Step};
use super::drift::Drift;

/// The largest UDP payload: every request fits the shared receive buffer.
const MAX_DATAGRAM: usize = 65535;

/// The community every device in the [`Layout::Devices`] layout also answers.
pub const PUBLIC: &str = "public";

/// Where and how the devices listen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// One socket for all recordings; the community selects one.
    Shared(SocketAddr),
    /// `count` devices on `ip`, ports `base_port ..= base_port + count - 1`.
    Devices {
        /// The address every device binds.
        ip: IpAddr,
        /// The first device's port.
        base_port: u16,
        /// How many devices.
        count: u32,
    },
}

/// What a fleet serves.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    /// The recordings, in device order (sorted by community, as
    /// [`load_recordings`](super::load_recordings) returns them).
    pub recordings: Vec<Arc<SimRecording>>,
    /// Where the devices listen.
    pub layout: Layout,
    /// SNMPv3 users every device accepts (read-only, at the user's highest security level).
    pub v3_users: Vec<UsmUser>,
    /// Drift, if any, and where its step comes from.
    pub drift: Option<(Drift, Step)>,
}

/// Why a fleet could not start.
#[derive(Debug, thiserror::Error)]
pub enum FleetError {
    /// No recordings to serve.
    #[error("no recordings to serve")]
    NoRecordings,
    /// `--devices 0`, or devices past port 65535.
    #[error("{count} devices from port {base_port} do not fit in 1..=65535")]
    PortRange {
        /// The first port.
        base_port: u16,
        /// How many devices.
        count: u32,
    },
    /// The MIB handler could not be registered.
    #[error("device {device}: {source}")]
    Mib {
        /// The device number.
        device: u32,
        /// What the MIB registry said.
        source: MibError,
    },
    /// The served subtree is not an OID (a bug).
    #[error("subtree: {0}")]
    Oid(OidError),
    /// A responder could not be configured.
    #[error("device {device}: {source}")]
    Responder {
        /// The device number.
        device: u32,
        /// What the responder said.
        source: ResponderError,
    },
    /// A socket could not be bound.
    #[error("binding {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// The I/O error.
        source: std::io::Error,
    },
}

/// Device `device`'s SNMPv3 engine ID (RFC 3411 `SnmpEngineID`): enterprise 32473 (RFC 5612,
/// for documentation), format 4 (text), then `fleetwire-sim-DEVICE`.
pub fn engine_id(device: u32) -> Vec<u8> {
    let mut id = vec![0x80, 0x00, 0x7e, 0xd9, 0x04];
    id.extend_from_slice(format!("fleetwire-sim-{device}").as_bytes());
    id
}

/// The subtree every device serves and every view includes: 1.3 (every object a recording
/// holds in practice).
const ROOT: [u32; 2] = [1, 3];

/// How requests arriving on one socket find their responder.
enum Route {
    /// One device.
    Device(Box<Mutex<Responder>>),
    /// Responders by community; SNMPv3 goes to `v3`.
    Communities {
        by_community: BTreeMap<Vec<u8>, Arc<Mutex<Responder>>>,
        v3: Arc<Mutex<Responder>>,
    },
}

impl Route {
    fn responder(&self, request: &[u8]) -> Option<&Mutex<Responder>> {
        match self {
            Self::Device(r) => Some(r),
            Self::Communities { by_community, v3 } => match Message::decode(request).ok()? {
                Message::V1(cm) | Message::V2c(cm) => {
                    by_community.get(&*cm.community).map(|r| &**r)
                }
                Message::V3(_) => Some(&**v3),
            },
        }
    }
}

/// A running fleet.
#[derive(Debug)]
pub struct Fleet {
    addrs: Vec<SocketAddr>,
    stop: watch::Sender<bool>,
    tasks: Vec<JoinHandle<()>>,
}

impl std::fmt::Debug for Route {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Device(_) => f.write_str("Route::Device"),
            Self::Communities { by_community, .. } => f
                .debug_struct("Route::Communities")
                .field("communities", &by_community.len())
                .finish_non_exhaustive(),
        }
    }
}

fn responder(
    crypto: &Arc<dyn CryptoProvider>,
    root: &Oid<'static>,
    mib: DeviceMib,
    communities: &[&[u8]],
    device: u32,
    users: &[UsmUser],
    now: Duration,
) -> Result<Responder, FleetError> {
    let err = |source| FleetError::Responder { device, source };
    let mut r = Responder::new(Arc::clone(crypto)).with_limits(ResponderLimits {
        // GetBulk as snmpsim (pysnmp) answers it: at most 64 varbinds, and repetitions go on
        // past the end of the MIB.
        max_bulk_varbinds: 64,
        bulk_repeats_past_end: true,
        ..ResponderLimits::default()
    });
    r.mib_mut()
        .register(root.clone(), mib)
        .map_err(|source| FleetError::Mib { device, source })?;
    for community in communities {
        r.allow_community(community, root.clone(), false)
            .map_err(err)?;
    }
    if !users.is_empty() {
        r.enable_v3(&engine_id(device), &mut MemoryBoots(0), now)
            .map_err(err)?;
        r.vacm_mut()
            .add_view_family(b"all", root.clone(), &[], FamilyType::Included)
            .map_err(|e| err(e.into()))?;
        for user in users {
            r.add_user(user).map_err(err)?;
            r.vacm_mut().grant(
                SecurityModel::Usm,
                user.name(),
                user.max_level(),
                b"all",
                b"",
            );
        }
    }
    Ok(r)
}

impl Fleet {
    /// Builds every device's responder, binds the sockets and starts serving them on the
    /// current tokio runtime.
    pub async fn start(config: FleetConfig) -> Result<Fleet, FleetError> {
        let crypto: Arc<dyn CryptoProvider> = Arc::new(RustCrypto::new());
        let root = Oid::from_arcs(&ROOT).map_err(FleetError::Oid)?;
        let start = Instant::now();
        let count = u32::try_from(config.recordings.len()).unwrap_or(u32::MAX);
        if count == 0 {
            return Err(FleetError::NoRecordings);
        }
        let mib = |device: u32| {
            let index = usize::try_from(device % count).unwrap_or(0);
            let rec = config.recordings.get(index).cloned();
            rec.map(|rec| {
                let m = DeviceMib::new(rec, device);
                match &config.drift {
                    Some((drift, step)) => m.with_drift(*drift, step.clone()),
                    None => m,
                }
            })
        };
        let mut bound: Vec<(UdpSocket, Route)> = Vec::new();
        match config.layout {
            Layout::Shared(addr) => {
                let mut by_community = BTreeMap::new();
                let mut first = None;
                for device in 0..count {
                    let Some(m) = mib(device) else { continue };
                    let community = m.recording().community.clone().into_bytes();
                    // Only device 0 has v3: one engine ID per port.
                    let users = if device == 0 {
                        &config.v3_users[..]
                    } else {
                        &[]
                    };
                    let r = responder(&crypto, &root, m, &[&community], 0, users, Duration::ZERO)?;
                    let r = Arc::new(Mutex::new(r));
                    first.get_or_insert_with(|| Arc::clone(&r));
                    by_community.insert(community, r);
                }
                let Some(v3) = first else {
                    return Err(FleetError::NoRecordings);
                };
                let socket = UdpSocket::bind(addr)
                    .await
                    .map_err(|source| FleetError::Bind { addr, source })?;
                bound.push((socket, Route::Communities { by_community, v3 }));
            }
            Layout::Devices {
                ip,
                base_port,
                count: devices,
            } => {
                let last = u32::from(base_port).checked_add(devices.saturating_sub(1));
                if devices == 0 || base_port == 0 || last.is_none_or(|l| l > 65535) {
                    return Err(FleetError::PortRange {
                        base_port,
                        count: devices,
                    });
                }
                for device in 0..devices {
                    let Some(m) = mib(device) else { continue };
                    let community = m.recording().community.clone().into_bytes();
                    let r = responder(
                        &crypto,
                        &root,
                        m,
                        &[&community, PUBLIC.as_bytes()],
                        device,
                        &config.v3_users,
                        Duration::ZERO,
                    )?;
                    let port = u16::try_from(u32::from(base_port) + device).unwrap_or(u16::MAX);
                    let addr = SocketAddr::new(ip, port);
                    let socket = UdpSocket::bind(addr)
                        .await
                        .map_err(|source| FleetError::Bind { addr, source })?;
                    bound.push((socket, Route::Device(Box::new(Mutex::new(r)))));
                }
            }
        }
        let (stop, _) = watch::channel(false);
        let mut addrs = Vec::with_capacity(bound.len());
        let mut tasks = Vec::with_capacity(bound.len());
        for (socket, route) in bound {
            addrs.push(socket.local_addr().map_err(|source| FleetError::Bind {
                addr: SocketAddr::new(IpAddr::from([0, 0, 0, 0]), 0),
                source,
            })?);
            tasks.push(tokio::spawn(serve(socket, route, start, stop.subscribe())));
        }
        Ok(Fleet { addrs, stop, tasks })
    }

    /// The bound addresses: one for the shared layout, one per device otherwise.
    pub fn local_addrs(&self) -> &[SocketAddr] {
        &self.addrs
    }

    /// Stops every socket's task and waits for them.
    pub async fn shutdown(self) {
        let _ = self.stop.send(true);
        for task in self.tasks {
            let _ = task.await;
        }
    }
}

/// A new manual step counter for [`Step::Manual`], starting at 0.
pub fn manual_step() -> Arc<AtomicU64> {
    Arc::new(AtomicU64::new(0))
}

thread_local! {
    /// The receive buffer and the answer buffer of this worker thread, shared by every socket
    /// it serves (no await while they are borrowed).
    static BUFFERS: RefCell<(Vec<u8>, Vec<u8>)> =
        RefCell::new((vec![0; MAX_DATAGRAM], Vec::with_capacity(1500)));
}

async fn serve(
    socket: UdpSocket,
    route: Route,
    start: Instant,
    mut stopped: watch::Receiver<bool>,
) {
    loop {
        tokio::select! {
            _ = stopped.changed() => return,
            ready = socket.readable() => if ready.is_err() { continue },
        }
        // Drain what is queued; WouldBlock (or a spurious wake-up) ends the round.
        loop {
            let handled = BUFFERS.with(|buffers| {
                let (buf, out) = &mut *buffers.borrow_mut();
                let (len, peer) = match socket.try_recv_from(buf) {
                    Ok(r) => r,
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => return false,
                    // ICMP errors from earlier sends surface here on some platforms.
                    Err(_) => return true,
                };
                let request = buf.get(..len).unwrap_or_default();
                if let Some(responder) = route.responder(request) {
                    let answered = {
                        let mut r = responder.lock().unwrap_or_else(PoisonError::into_inner);
                        !matches!(r.handle(start.elapsed(), request, out), Handled::Dropped(_))
                    };
                    if answered {
                        // A full send buffer drops the answer, as a busy device would.
                        let _ = socket.try_send_to(out, peer);
                    }
                }
                true
            });
            if !handled {
                break;
            }
        }
    }
}
