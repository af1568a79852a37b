//! Free UDP ports on loopback.

use std::collections::HashSet;
use std::collections::hash_map::RandomState;
use std::hash::{BuildHasher, Hasher};
use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr, UdpSocket};
use std::sync::{Mutex, OnceLock};

use crate::fail::{fatal, lock};

/// Ports already handed out by this process; never handed out twice.
static HANDED_OUT: Mutex<Option<HashSet<u16>>> = Mutex::new(None);

/// Whether a UDP socket can be bound to `[::1]` on this machine (cached).
///
/// Some containers run without an IPv6 loopback; the peers then listen on
/// `127.0.0.1` only.
pub fn ipv6_loopback_available() -> bool {
    static AVAILABLE: OnceLock<bool> = OnceLock::new();
    *AVAILABLE.get_or_init(|| UdpSocket::bind((Ipv6Addr::LOCALHOST, 0)).is_ok())
}

/// A UDP port that is currently free on `127.0.0.1` and, when the machine has
/// an IPv6 loopback, also on `[::1]`.
///
/// The port is chosen at random *below* the kernel's ephemeral range (read
/// from `/proc/sys/net/ipv4/ip_local_port_range`, normally 32768–60999; with
/// that range the port comes from 16384–32767), because the kernel never
/// assigns ports there to the unbound client sockets that concurrently running
/// tests create by the hundred. A port is never handed out twice by the same
/// process.
///
/// # The race
///
/// The port is probed by binding it and then released, so the peer that is
/// told to use it binds it a little later. In between, another process may
/// take it. The choice above makes that unlikely, and [`crate::Snmpd`] and
/// [`crate::Snmptrapd`] retry with a fresh port when their peer reports that
/// it could not open its endpoint. Code that can keep the socket open (like
/// [`crate::UdpRelay`] and [`crate::UdpSink`]) binds port 0 instead and has no
/// race at all.
pub fn free_udp_port() -> u16 {
    let v6 = ipv6_loopback_available();
    let (lo, hi) = candidate_range();
    let span = u32::from(hi.saturating_sub(lo)).max(1);
    let mut seed = random_seed();
    for _ in 0..2000 {
        seed = seed
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        let offset = u16::try_from((seed >> 33) % u64::from(span)).unwrap_or(0);
        let port = lo.saturating_add(offset);
        if try_claim(port, v6) {
            return port;
        }
    }
    // Fall back to kernel-chosen ports (inside the ephemeral range).
    for _ in 0..200 {
        let Ok(sock) = UdpSocket::bind((Ipv4Addr::LOCALHOST, 0)) else {
            continue;
        };
        let port = match sock.local_addr() {
            Ok(SocketAddr::V4(a)) => a.port(),
            _ => continue,
        };
        drop(sock);
        if try_claim(port, v6) {
            return port;
        }
    }
    fatal("could not find a free UDP port on loopback")
}

/// Binds `port` on the loopback addresses to check that it is free, and
/// records it as handed out.
fn try_claim(port: u16, v6: bool) -> bool {
    if port < 1024 {
        return false;
    }
    let mut guard = lock(&HANDED_OUT);
    let set = guard.get_or_insert_with(HashSet::new);
    if set.contains(&port) {
        return false;
    }
    let Ok(s4) = UdpSocket::bind((Ipv4Addr::LOCALHOST, port)) else {
        return false;
    };
    let s6 = if v6 {
        match UdpSocket::bind((Ipv6Addr::LOCALHOST, port)) {
            Ok(s) => Some(s),
            Err(_) => return false,
        }
    } else {
        None
    };
    drop(s4);
    drop(s6);
    set.insert(port);
    true
}

/// The range to draw ports from: the half below the ephemeral range.
fn candidate_range() -> (u16, u16) {
    let ephemeral_low = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .next()
                .and_then(|w| w.parse::<u16>().ok())
        })
        .unwrap_or(32768);
    if ephemeral_low >= 4096 {
        (ephemeral_low / 2, ephemeral_low - 1)
    } else {
        // Unusual configuration: the ephemeral range starts low; use a high band.
        (40000, 60000)
    }
}

fn random_seed() -> u64 {
    let mut h = RandomState::new().build_hasher();
    h.write_u32(std::process::id());
    if let Ok(d) = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH) {
        h.write_u128(d.as_nanos());
    }
    h.finish()
}
