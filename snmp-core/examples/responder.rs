//! A command responder with a custom MIB handler, on UDP (IPv4 and, when available, IPv6).
//!
//! ```text
//! cargo run -p fleetwire-snmp --features tokio --example responder -- 127.0.0.1:16161 [SECONDS]
//! snmpwalk -v2c -c public -On 127.0.0.1:16161 .1.3.6.1.2.1
//! snmpget -v3 -u admin -l authPriv -a SHA-256 -A admin-auth-pass -x AES -X admin-priv-pass \
//!     127.0.0.1:16161 1.3.6.1.2.1.43.10.2.1.4.1.1
//! ```
//!
//! The MIB: a few system-group objects in a `MibTree`, and a handler that serves the
//! printer's page counter (prtMarkerLifeCount) from a counter that grows by one page per read.
//! It stops after SECONDS (default: runs until killed).

use std::net::SocketAddr;
use std::ops::Bound;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::responder::server::ServerHandle;
use fleetwire_snmp::responder::{MemoryBoots, MibHandler, MibTree, Responder};
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel, UsmUser};
use fleetwire_snmp::vacm::SecurityModel;
use fleetwire_snmp::{Oid, Value, VarBind};

/// prtMarkerLifeCount.1.1: pages printed, one more at every read.
struct PageCounter {
    oid: Oid<'static>,
    pages: AtomicU32,
}

impl MibHandler for PageCounter {
    fn get<'s>(&'s self, name: &Oid<'_>) -> Value<'s> {
        if *name == self.oid {
            Value::Counter32(self.pages.fetch_add(1, Ordering::Relaxed))
        } else {
            Value::NoSuchInstance
        }
    }

    fn get_next<'s>(&'s self, from: Bound<&Oid<'_>>) -> Option<VarBind<'s>> {
        let past = match from {
            Bound::Included(o) => *o > self.oid,
            Bound::Excluded(o) => *o >= self.oid,
            Bound::Unbounded => false,
        };
        (!past).then(|| VarBind::new(self.oid.borrowed(), self.get(&self.oid)))
    }
}

#[tokio::main(flavor = "current_thread")]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let addr: SocketAddr = args
        .next()
        .as_deref()
        .unwrap_or("127.0.0.1:16161")
        .parse()?;
    let seconds: Option<u64> = args.next().map(|s| s.parse()).transpose()?;

    let crypto = Arc::new(RustCrypto::new());
    let mut responder = Responder::new(crypto.clone());
    let system: MibTree = [
        (
            "1.3.6.1.2.1.1.1.0",
            Value::OctetString(b"Fleetwire example printer"[..].into()),
        ),
        (
            "1.3.6.1.2.1.1.5.0",
            Value::OctetString(b"example"[..].into()),
        ),
        (
            "1.3.6.1.2.1.1.6.0",
            Value::OctetString(b"Floor 2"[..].into()),
        ),
    ]
    .into_iter()
    .map(|(o, v)| Ok((o.parse::<Oid<'static>>()?, v)))
    .collect::<Result<_, fleetwire_snmp::OidError>>()?;
    responder
        .mib_mut()
        .register("1.3.6.1.2.1.1".parse()?, system)?;
    let pages = PageCounter {
        oid: "1.3.6.1.2.1.43.10.2.1.4.1.1".parse()?,
        pages: AtomicU32::new(1000),
    };
    responder
        .mib_mut()
        .register("1.3.6.1.2.1.43".parse()?, pages)?;

    // v1/v2c: community "public" reads MIB-2.
    responder.allow_community(b"public", "1.3.6.1.2.1".parse()?, false)?;
    // v3: user "admin" reads everything at authPriv.
    responder.enable_v3(
        b"\x80\x00\x1f\x88\x04fleetwire-example",
        &mut MemoryBoots(0),
        Duration::ZERO,
    )?;
    let admin = UsmUser::new(b"admin")?
        .with_auth_password(&*crypto, AuthProtocol::Sha256, b"admin-auth-pass")?
        .with_priv_password(&*crypto, PrivProtocol::Aes128, b"admin-priv-pass")?;
    responder.add_user(&admin)?;
    let vacm = responder.vacm_mut();
    vacm.add_view_family(
        b"all",
        "1.3".parse()?,
        &[],
        fleetwire_snmp::vacm::FamilyType::Included,
    )?;
    vacm.grant(
        SecurityModel::Usm,
        b"admin",
        SecurityLevel::AuthPriv,
        b"all",
        b"",
    );

    let mut addrs = vec![addr];
    if addr.ip().is_loopback() && addr.is_ipv4() {
        addrs.push(SocketAddr::new("::1".parse()?, addr.port()));
    }
    let shared = Arc::new(Mutex::new(responder));
    let server = match ServerHandle::bind_shared(&addrs, shared.clone()).await {
        Ok(s) => s,
        // No IPv6 loopback on this machine: IPv4 only.
        Err(_) if addrs.len() > 1 => ServerHandle::bind_shared(&[addr], shared).await?,
        Err(e) => return Err(e.into()),
    };
    println!("listening on {:?}", server.local_addrs());
    match seconds {
        Some(s) => tokio::time::sleep(Duration::from_secs(s)).await,
        None => std::future::pending::<()>().await,
    }
    server.shutdown().await;
    Ok(())
}
