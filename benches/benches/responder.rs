//! Criterion suite: the command responder's throughput next to net-snmp's snmpd in one run
//! (issue 5's benchmark requirement).
//!
//! Groups (`responder/<scenario>`), functions:
//!
//! * `sans-io`: [`Responder::handle`] on the request bytes, nothing else (one core).
//! * `udp-fleetwire`: the same request bytes over loopback UDP to our tokio server
//!   (`responder::server`, a current-thread runtime: one core).
//! * `udp-snmpd`: the same request bytes to a private net-snmp snmpd 5.9.3 on loopback
//!   (single-threaded).
//!
//! Scenarios: `v2c-get-10` (GetRequest for 10 scalars), `v2c-bulk-50` (GetBulk,
//! max-repetitions 50), `v3-get-10` and `v3-bulk-50` (the same PDUs as user SHA-256/AES-128
//! at authPriv). Throughput is one element per request: criterion's elem/s is requests per
//! second. Over UDP the client keeps `WINDOW` requests in flight (send a window, then read
//! the window's answers), so the server, not the round trip, is what is measured.
//!
//! Like-for-like: snmpd is started first; its answers to the 10-scalar Get and the 50-varbind
//! GetBulk are loaded into our `MibTree` (plus 5,000 other objects, so that ours is not a
//! tiny tree), so both agents answer the same varbinds. v2c requests are byte-identical for
//! both; v3 requests are the same PDU encoded for each agent after discovery (both use the
//! same engine ID, but boots and time differ). Before timing, every scenario is checked:
//! both agents answer with the same varbinds (names, and values for the v2c GET).
//!
//! Needs `snmpd` (net-snmp); without it the `udp-snmpd` functions and the comparison are
//! skipped with a message. Defaults: 1 s warm-up, 3 s per function. Smoke run:
//! `cargo bench -p fleetwire-benches --bench responder -- --quick`.
#![forbid(unsafe_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::hint::black_box;
use std::net::{SocketAddr, UdpSocket};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::responder::server::ServerHandle;
use fleetwire_snmp::responder::{Handled, MemoryBoots, MibTree, Responder};
use fleetwire_snmp::usm::{
    AlgorithmPolicy, AuthProtocol, KeyCache, PrivProtocol, Received, SecurityLevel, Session,
    UsmUser,
};
use fleetwire_snmp::vacm::{FamilyType, SecurityModel};
use fleetwire_snmp::{BulkPdu, CommunityMessage, GenericPdu, Message, Oid, Pdu, Value, VarBind};
use fleetwire_testkit as tk;

const COMMUNITY: &str = "public";
const USER: &str = "bench";
const AUTH_PASS: &str = "bench-auth-pass";
const PRIV_PASS: &str = "bench-priv-pass";
const ENGINE_TEXT: &str = "fleetwire-bench";
/// Requests in flight per UDP client batch.
const WINDOW: usize = 16;

static CRYPTO: RustCrypto = RustCrypto::new();

fn oid(s: &str) -> Oid<'static> {
    s.parse().unwrap()
}

/// Ten scalars snmpd always has (system group, ifNumber, ipForwarding, ipDefaultTTL).
const GET_10: [&str; 10] = [
    "1.3.6.1.2.1.1.1.0",
    "1.3.6.1.2.1.1.2.0",
    "1.3.6.1.2.1.1.3.0",
    "1.3.6.1.2.1.1.4.0",
    "1.3.6.1.2.1.1.5.0",
    "1.3.6.1.2.1.1.6.0",
    "1.3.6.1.2.1.1.8.0",
    "1.3.6.1.2.1.2.1.0",
    "1.3.6.1.2.1.4.1.0",
    "1.3.6.1.2.1.4.2.0",
];
const BULK_FROM: &str = "1.3.6.1.2.1.2";

fn get_pdu() -> Pdu<'static> {
    Pdu::GetRequest(GenericPdu::new(
        1,
        GET_10
            .iter()
            .map(|o| VarBind::null(oid(o)))
            .collect::<Vec<_>>(),
    ))
}

fn bulk_pdu() -> Pdu<'static> {
    Pdu::GetBulkRequest(BulkPdu {
        request_id: 2,
        non_repeaters: 0,
        max_repetitions: 50,
        varbinds: vec![VarBind::null(oid(BULK_FROM))].into(),
    })
}

fn v2c(pdu: Pdu<'static>) -> Vec<u8> {
    Message::V2c(CommunityMessage {
        community: COMMUNITY.as_bytes().to_vec().into(),
        pdu,
    })
    .to_vec()
}

fn user() -> UsmUser {
    UsmUser::new(USER.as_bytes())
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha256, AUTH_PASS.as_bytes())
        .unwrap()
        .with_priv_password(&CRYPTO, PrivProtocol::Aes128, PRIV_PASS.as_bytes())
        .unwrap()
}

/// A discovered authPriv session, through `exchange` (one request in, one answer out).
fn v3_requests(mut exchange: impl FnMut(&[u8]) -> Vec<u8>) -> (Vec<u8>, Vec<u8>) {
    let start = Instant::now();
    let mut keys = KeyCache::new();
    let mut s = Session::new(
        &CRYPTO,
        user(),
        SecurityLevel::AuthPriv,
        AlgorithmPolicy::Any,
    )
    .unwrap();
    let mut wire = Vec::new();
    s.encode_discovery(1, 1, &mut wire);
    let answer = exchange(&wire);
    let mut scratch = Vec::new();
    assert_eq!(
        s.receive(&CRYPTO, &mut keys, start.elapsed(), &answer, &mut scratch)
            .unwrap(),
        Received::Discovered
    );
    let mut encode = |id, pdu: &Pdu<'_>| {
        let mut w = Vec::new();
        s.encode_request(&CRYPTO, start.elapsed(), id, b"", pdu, &mut w)
            .unwrap();
        w
    };
    (encode(2, &get_pdu()), encode(3, &bulk_pdu()))
}

/// The varbinds of an answer (decrypted for v3).
fn answer_varbinds(answer: &[u8]) -> Vec<VarBind<'static>> {
    if let Ok(m) = Message::decode(answer)
        && let Some(p) = m.pdu()
    {
        return p.varbinds().to_vec();
    }
    let mut keys = KeyCache::new();
    let (msg, _) = fleetwire_snmp::usm::parse(answer, &Default::default()).unwrap();
    let fleetwire_snmp::SecurityParameters::Usm(usm) = &msg.security_parameters else {
        panic!("not USM")
    };
    let localized = keys.localize(&CRYPTO, &user(), &usm.engine_id).unwrap();
    let mut scratch = Vec::new();
    let incoming = fleetwire_snmp::usm::process_incoming(
        &CRYPTO,
        &localized,
        answer,
        &Default::default(),
        &mut scratch,
    )
    .unwrap();
    incoming.scoped_pdu.pdu.varbinds().to_vec()
}

fn udp_exchange(to: SocketAddr, request: &[u8]) -> Vec<u8> {
    let s = UdpSocket::bind("127.0.0.1:0").unwrap();
    s.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    s.send_to(request, to).unwrap();
    let mut buf = vec![0u8; 65536];
    let n = s.recv(&mut buf).unwrap();
    buf.truncate(n);
    buf
}

fn engine_id() -> Vec<u8> {
    tk::usm::text_engine_id(ENGINE_TEXT)
}

/// Our responder serving `objects` (plus 5,000 filler objects under 1.3.6.1.4.1.99999).
fn responder(objects: &[VarBind<'static>]) -> Responder {
    let filler = (1..=5000u32).map(|i| {
        (
            Oid::from_arcs(&[1, 3, 6, 1, 4, 1, 99999, 1, i]).unwrap(),
            Value::Counter32(i),
        )
    });
    let tree: MibTree = objects
        .iter()
        .filter(|vb| !vb.value.is_exception())
        .map(|vb| (vb.name.clone(), vb.value.clone()))
        .chain(filler)
        .collect();
    let mut r = Responder::new(Arc::new(RustCrypto::new()));
    r.mib_mut().register(oid("1.3.6"), tree).unwrap();
    r.allow_community(COMMUNITY.as_bytes(), oid("1.3.6"), false)
        .unwrap();
    r.enable_v3(&engine_id(), &mut MemoryBoots(0), Duration::ZERO)
        .unwrap();
    r.add_user(&user()).unwrap();
    let vacm = r.vacm_mut();
    vacm.add_view_family(b"all", oid("1.3"), &[], FamilyType::Included)
        .unwrap();
    vacm.grant(
        SecurityModel::Usm,
        USER.as_bytes(),
        SecurityLevel::AuthPriv,
        b"all",
        b"",
    );
    r
}

/// Sends `iters` copies of `request` to `to`, `WINDOW` at a time, and waits for each
/// window's answers; returns the elapsed time. Lost answers are resent in the next window.
fn blast(socket: &UdpSocket, to: SocketAddr, request: &[u8], iters: u64) -> Duration {
    let mut buf = vec![0u8; 65536];
    let start = Instant::now();
    let mut left = iters;
    while left > 0 {
        let n = left.min(WINDOW as u64);
        for _ in 0..n {
            socket.send_to(request, to).unwrap();
        }
        let mut got = 0;
        while got < n {
            match socket.recv(&mut buf) {
                Ok(len) => {
                    black_box(&buf[..len]);
                    got += 1;
                }
                Err(_) => break,
            }
        }
        left -= got;
    }
    start.elapsed()
}

struct Scenario {
    name: &'static str,
    ours: Vec<u8>,
    snmpd: Option<Vec<u8>>,
}

fn bench(c: &mut Criterion) {
    let have_snmpd = tk::find_tool("snmpd").is_some();
    let agent = have_snmpd.then(|| {
        tk::Snmpd::builder()
            .ro_community(COMMUNITY)
            .engine_id(ENGINE_TEXT)
            .ipv6(false)
            .user(
                tk::UsmUser::new(USER)
                    .auth(tk::AuthProtocol::Sha256, AUTH_PASS)
                    .privacy(tk::PrivProtocol::Aes128, PRIV_PASS),
            )
            .ro_user(USER, tk::SecurityLevel::AuthPriv)
            .start()
    });
    if agent.is_none() {
        eprintln!("snmpd not installed: udp-snmpd skipped (run .ci/install-peers)");
    }
    // The objects both agents serve: snmpd's answers, or a synthetic set without snmpd.
    let (get_v2c, bulk_v2c) = (v2c(get_pdu()), v2c(bulk_pdu()));
    let objects: Vec<VarBind<'static>> = match &agent {
        Some(a) => {
            let mut o = answer_varbinds(&udp_exchange(a.addr(), &get_v2c));
            o.extend(answer_varbinds(&udp_exchange(a.addr(), &bulk_v2c)));
            o
        }
        None => GET_10
            .iter()
            .map(|s| VarBind::new(oid(s), Value::OctetString(b"value"[..].into())))
            .chain((1..=50u32).map(|i| {
                VarBind::new(
                    Oid::from_arcs(&[1, 3, 6, 1, 2, 1, 2, 2, 1, 2, i]).unwrap(),
                    Value::OctetString(b"interface"[..].into()),
                )
            }))
            .collect(),
    };

    // Sans-IO core.
    let mut core = responder(&objects);
    let t0 = Instant::now();
    let (get_v3, bulk_v3) = v3_requests(|req| {
        let mut out = Vec::new();
        core.handle(t0.elapsed(), req, &mut out);
        out
    });
    // Through UDP: a current-thread runtime on its own thread.
    let (tx, rx) = std::sync::mpsc::channel();
    let objects_for_server = objects.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let server = ServerHandle::bind(
                &["127.0.0.1:0".parse().unwrap()],
                responder(&objects_for_server),
            )
            .await
            .unwrap();
            tx.send(server.local_addrs()[0]).unwrap();
            std::future::pending::<()>().await;
        });
    });
    let ours_addr: SocketAddr = rx.recv().unwrap();
    let (udp_get_v3, udp_bulk_v3) = v3_requests(|req| udp_exchange(ours_addr, req));
    let snmpd_v3 = agent
        .as_ref()
        .map(|a| v3_requests(|req| udp_exchange(a.addr(), req)));

    let scenarios = [
        Scenario {
            name: "v2c-get-10",
            ours: get_v2c.clone(),
            snmpd: agent.as_ref().map(|_| get_v2c.clone()),
        },
        Scenario {
            name: "v2c-bulk-50",
            ours: bulk_v2c.clone(),
            snmpd: agent.as_ref().map(|_| bulk_v2c.clone()),
        },
        Scenario {
            name: "v3-get-10",
            ours: udp_get_v3.clone(),
            snmpd: snmpd_v3.as_ref().map(|r| r.0.clone()),
        },
        Scenario {
            name: "v3-bulk-50",
            ours: udp_bulk_v3.clone(),
            snmpd: snmpd_v3.as_ref().map(|r| r.1.clone()),
        },
    ];
    let core_requests = [&get_v2c, &bulk_v2c, &get_v3, &bulk_v3];

    // Verify before timing: the same varbinds from both agents, the right counts.
    for (s, core_req) in scenarios.iter().zip(core_requests) {
        let mut out = Vec::new();
        assert!(
            matches!(
                core.handle(t0.elapsed(), core_req, &mut out),
                Handled::Response
            ),
            "{}: sans-IO core did not answer",
            s.name
        );
        let core_vbs = answer_varbinds(&out);
        let udp_vbs = answer_varbinds(&udp_exchange(ours_addr, &s.ours));
        let want = if s.name.contains("bulk") { 50 } else { 10 };
        assert_eq!(core_vbs.len(), want, "{}", s.name);
        let names = |v: &[VarBind<'_>]| v.iter().map(|vb| vb.name.to_string()).collect::<Vec<_>>();
        assert_eq!(names(&core_vbs), names(&udp_vbs), "{}", s.name);
        if let (Some(a), Some(req)) = (&agent, &s.snmpd) {
            let theirs = answer_varbinds(&udp_exchange(a.addr(), req));
            assert_eq!(
                names(&core_vbs),
                names(&theirs),
                "{}: snmpd answers other objects",
                s.name
            );
            if s.name == "v2c-get-10" {
                // sysUpTime moves; compare the other values.
                let values = |v: &[VarBind<'_>]| {
                    v.iter()
                        .filter(|vb| vb.name != oid("1.3.6.1.2.1.1.3.0"))
                        .map(|vb| format!("{:?}", vb.value))
                        .collect::<Vec<_>>()
                };
                assert_eq!(values(&core_vbs), values(&theirs));
            }
        }
    }

    let client = UdpSocket::bind("127.0.0.1:0").unwrap();
    client
        .set_read_timeout(Some(Duration::from_millis(500)))
        .unwrap();
    for (s, core_req) in scenarios.iter().zip(core_requests) {
        let mut g = c.benchmark_group(format!("responder/{}", s.name));
        g.throughput(Throughput::Elements(1));
        g.warm_up_time(Duration::from_secs(1));
        g.measurement_time(Duration::from_secs(3));
        let mut out = Vec::with_capacity(2048);
        g.bench_function("sans-io", |b| {
            b.iter(|| black_box(core.handle(t0.elapsed(), black_box(core_req), &mut out)));
        });
        g.bench_function("udp-fleetwire", |b| {
            b.iter_custom(|iters| blast(&client, ours_addr, &s.ours, iters));
        });
        if let (Some(a), Some(req)) = (&agent, &s.snmpd) {
            g.bench_function("udp-snmpd", |b| {
                b.iter_custom(|iters| blast(&client, a.addr(), req, iters));
            });
        }
        g.finish();
    }
    drop(agent);
}

criterion::criterion_group!(benches, bench);
criterion::criterion_main!(benches);
