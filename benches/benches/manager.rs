//! Criterion suite: the SNMP manager (issue 4's benchmark requirement), measured next to its
//! peers in the same run.
//!
//! * `manager/bulkwalk-v2c-snmpd`: a full v2c bulkwalk (`.1`, max-repetitions 25) of a
//!   private snmpd on loopback, wall time of one process run each: our CLI
//!   (`fleetwire bulkwalk -v2c -c public -Cr25 HOST .1`, release build) and net-snmp's
//!   `snmpbulkwalk -On` with the same arguments, output discarded. Target: fleetwire ≤ 1.0 ×
//!   snmpbulkwalk.
//! * `manager/fleet-poll-v2c-60`: N targets (default 10,000; `FLEETWIRE_FLEET_TARGETS`),
//!   each a UDP socket on 127.0.0.1 served by a minimal responder in this bench (another OS
//!   thread and tokio runtime), each polled with one GET of 60 printer OIDs. One iteration
//!   polls every target; criterion's throughput is targets per second. `fleetwire` uses one
//!   `Client` (one socket) with 1024 requests in flight; `async-snmp` uses one shared
//!   `UdpTransport` with a client handle per target and the same 1024-request bound (a
//!   semaphore), both with 4 MiB socket receive buffers, `max_oids_per_request(60)` so that both send one request per target; both use a 2 s
//!   timeout and 1 retry. Target:
//!   10,000 targets in under 10 s on 2 cores.
//!
//! Before timing, both pollers' results are checked to be the 60 expected values for every
//! target, and the two walks to give the same OIDs; any failure aborts.
//!
//! The release `fleetwire` binary is built first if `target/release/fleetwire` is missing.
//! Run: `cargo bench -p fleetwire-benches --bench manager` (about a minute), or with
//! `-- --quick`.
#![forbid(unsafe_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::net::SocketAddr;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use fleetwire_benches::process::{fleetwire_binary, run_timed};
use fleetwire_snmp::client::{Client, PollSpec, PollTarget};
use fleetwire_snmp::manager::Security;
use fleetwire_snmp::{CommunityMessage, Message, Oid, Pdu, Value, VarBind};
use fleetwire_testkit as tk;
use tokio::net::UdpSocket;
use tokio::sync::Semaphore;

const VARBINDS: u32 = 60;
const IN_FLIGHT: usize = 1024;

/// prtMarkerSuppliesLevel.1.1 ..= .1.60: the 60 OIDs every target is asked for.
fn fleet_oids() -> Vec<Vec<u32>> {
    (1..=VARBINDS)
        .map(|i| vec![1, 3, 6, 1, 2, 1, 43, 11, 1, 1, 9, 1, i])
        .collect()
}

/// The value a responder gives for arc `i` of the table.
fn fleet_value(last_arc: u32) -> Value<'static> {
    match last_arc % 3 {
        0 => Value::Integer(i32::try_from(last_arc).unwrap() * 7),
        1 => Value::Counter32(last_arc * 1000),
        _ => Value::OctetString(format!("supply-{last_arc}").into_bytes().into()),
    }
}

/// N v2c responders on 127.0.0.1, one socket each, in their own thread and runtime.
fn start_fleet(n: usize) -> Vec<SocketAddr> {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut addrs = Vec::with_capacity(n);
            for _ in 0..n {
                let socket = UdpSocket::bind("127.0.0.1:0").await.unwrap();
                addrs.push(socket.local_addr().unwrap());
                tokio::spawn(respond(socket));
            }
            tx.send(addrs).unwrap();
            std::future::pending::<()>().await;
        });
    });
    rx.recv().unwrap()
}

async fn respond(socket: UdpSocket) {
    let mut buf = vec![0u8; 65536];
    let mut out = Vec::with_capacity(4096);
    loop {
        let Ok((n, from)) = socket.recv_from(&mut buf).await else {
            continue;
        };
        let Ok(Message::V2c(req)) = Message::decode(&buf[..n]) else {
            continue;
        };
        let Pdu::GetRequest(pdu) = &req.pdu else {
            continue;
        };
        let vbs: Vec<VarBind<'_>> = pdu
            .varbinds
            .iter()
            .map(|vb| {
                let last = vb.name.arcs().last().unwrap_or(0);
                VarBind::new(vb.name, fleet_value(last))
            })
            .collect();
        let mut answer = pdu.clone();
        answer.varbinds = vbs.into();
        out.clear();
        Message::V2c(CommunityMessage {
            community: req.community.clone(),
            pdu: Pdu::Response(answer),
        })
        .encode(&mut out);
        let _ = socket.send_to(&out, from).await;
    }
}

/// Polls every target with fleetwire's client; returns the targets answered in full.
async fn poll_fleetwire(client: &Client, targets: &[SocketAddr]) -> usize {
    let oids: Vec<Oid<'static>> = fleet_oids()
        .iter()
        .map(|a| Oid::from_arcs(a).unwrap())
        .collect();
    let spec = PollSpec::new(oids, Vec::new());
    let list: Vec<PollTarget> = targets
        .iter()
        .map(|&addr| PollTarget {
            addr,
            security: Security::v2c("public"),
        })
        .collect();
    let results = client.poll(list, &spec, |_, _| {}).await;
    results
        .iter()
        .filter(|r| {
            r.result.as_ref().is_ok_and(|vbs| {
                vbs.len() == VARBINDS as usize
                    && vbs
                        .iter()
                        .all(|vb| vb.value == fleet_value(vb.name.arcs().last().unwrap_or(0)))
            })
        })
        .count()
}

/// The same poll with async-snmp: one shared transport, one client handle per target.
async fn poll_async_snmp(transport: &async_snmp::UdpTransport, targets: &[SocketAddr]) -> usize {
    let oids: Vec<async_snmp::Oid> = fleet_oids()
        .iter()
        .map(|a| async_snmp::Oid::from_slice(a))
        .collect();
    let oids = Arc::new(oids);
    let permits = Arc::new(Semaphore::new(IN_FLIGHT));
    let mut tasks = tokio::task::JoinSet::new();
    for &addr in targets {
        let client = async_snmp::Client::builder(addr, async_snmp::Auth::v2c("public"))
            .max_oids_per_request(VARBINDS as usize)
            .request_timeout(Duration::from_secs(2))
            .retry(async_snmp::Retry::fixed(1, Duration::ZERO).unwrap())
            .build_with(transport)
            .await
            .unwrap();
        let (oids, permits) = (Arc::clone(&oids), Arc::clone(&permits));
        tasks.spawn(async move {
            let _permit = permits.acquire().await.unwrap();
            let response = client.get_many(&oids).await.ok()?;
            let ok = response.varbinds.len() == VARBINDS as usize
                && response.varbinds.iter().all(|vb| {
                    let last = vb.oid.arcs().last().copied().unwrap_or(0);
                    match (fleet_value(last), &vb.value) {
                        (Value::Integer(a), async_snmp::Value::Integer(b)) => a == *b,
                        (Value::Counter32(a), async_snmp::Value::Counter32(b)) => a == *b,
                        (Value::OctetString(a), async_snmp::Value::OctetString(b)) => {
                            a.as_ref() == b.as_ref()
                        }
                        _ => false,
                    }
                });
            ok.then_some(())
        });
    }
    let mut answered = 0;
    while let Some(r) = tasks.join_next().await {
        if matches!(r, Ok(Some(()))) {
            answered += 1;
        }
    }
    answered
}

fn fleet_poll(c: &mut Criterion) {
    let n: usize = std::env::var("FLEETWIRE_FLEET_TARGETS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(10_000);
    let targets = start_fleet(n);
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let client = rt.block_on(async {
        Client::builder()
            .timeout(Duration::from_secs(2))
            .retries(1)
            .max_in_flight(IN_FLIGHT)
            .bind_v6(None)
            .build()
            .await
            .unwrap()
    });
    let transport = rt.block_on(async {
        async_snmp::UdpTransport::builder()
            .bind("127.0.0.1:0")
            .recv_buffer_size(fleetwire_snmp::client::DEFAULT_SOCKET_RECV_BUFFER)
            .build()
            .await
            .unwrap()
    });

    // Verify (and warm up) before timing; print one full-fleet wall time each.
    let started = Instant::now();
    let ours = rt.block_on(poll_fleetwire(&client, &targets));
    let ours_time = started.elapsed();
    assert_eq!(
        ours, n,
        "fleetwire: every target answers with the 60 values"
    );
    let started = Instant::now();
    let theirs = rt.block_on(poll_async_snmp(&transport, &targets));
    let theirs_time = started.elapsed();
    assert_eq!(
        theirs, n,
        "async-snmp: every target answers with the 60 values"
    );
    eprintln!(
        "fleet poll of {n} targets x {VARBINDS} varbinds: fleetwire {:.2} s ({:.0} targets/s), \
         async-snmp {:.2} s ({:.0} targets/s)",
        ours_time.as_secs_f64(),
        n as f64 / ours_time.as_secs_f64(),
        theirs_time.as_secs_f64(),
        n as f64 / theirs_time.as_secs_f64(),
    );

    let mut g = c.benchmark_group("manager/fleet-poll-v2c-60");
    g.sample_size(10);
    g.warm_up_time(Duration::from_secs(1));
    g.measurement_time(Duration::from_secs(10));
    g.throughput(Throughput::Elements(n as u64));
    g.bench_function("fleetwire", |b| {
        b.iter(|| assert_eq!(rt.block_on(poll_fleetwire(&client, &targets)), n));
    });
    g.bench_function("async-snmp", |b| {
        b.iter(|| assert_eq!(rt.block_on(poll_async_snmp(&transport, &targets)), n));
    });
    g.finish();
}

/// One run of a net-snmp-style tool (MIB loading off, as in the verification), output
/// discarded.
fn run_quiet(program: &std::path::Path, args: &[&str]) -> Duration {
    run_timed(
        Command::new(program)
            .args(args)
            .env("MIBS", "")
            .env("MIBDIRS", "/nonexistent"),
    )
    .unwrap()
}

fn bulkwalk(c: &mut Criterion) {
    if !tk::require_tools(&["snmpd", "snmpbulkwalk"]) {
        return;
    }
    let agent = tk::Snmpd::builder()
        .ro_community("public")
        .ipv6(false)
        .start();
    let target = agent.target();
    let ours = fleetwire_binary().unwrap();
    let theirs = tk::find_tool("snmpbulkwalk").unwrap();
    let ours_args = [
        "bulkwalk",
        "-v2c",
        "-c",
        "public",
        "-Cr25",
        target.as_str(),
        ".1",
    ];
    let theirs_args = [
        "-v2c",
        "-c",
        "public",
        "-Cr25",
        "-On",
        target.as_str(),
        ".1",
    ];

    // Same walk: the same OIDs (values like counters move between runs).
    let walk_oids = |program: &std::path::Path, args: &[&str]| -> Vec<String> {
        let out = Command::new(program)
            .args(args)
            .env("MIBS", "")
            .env("MIBDIRS", "/nonexistent")
            .output()
            .unwrap();
        assert!(out.status.success());
        tk::parse_netsnmp_output(&String::from_utf8_lossy(&out.stdout))
            .into_iter()
            .map(|vb| vb.oid)
            .collect()
    };
    let a = walk_oids(&ours, &ours_args);
    let b = walk_oids(&theirs, &theirs_args);
    assert!(a.len() > 1000, "{} varbinds", a.len());
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert!(
        same * 100 >= a.len().max(b.len()) * 95,
        "the walks differ: {} vs {} varbinds, {same} in step",
        a.len(),
        b.len()
    );
    eprintln!("bulkwalk of snmpd: {} varbinds", a.len());

    let mut g = c.benchmark_group("manager/bulkwalk-v2c-snmpd");
    g.sample_size(20);
    g.measurement_time(Duration::from_secs(8));
    g.bench_function("fleetwire-cli", |bch| {
        bch.iter_custom(|iters| (0..iters).map(|_| run_quiet(&ours, &ours_args)).sum());
    });
    g.bench_function("snmpbulkwalk", |bch| {
        bch.iter_custom(|iters| (0..iters).map(|_| run_quiet(&theirs, &theirs_args)).sum());
    });
    g.finish();
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bulkwalk(&mut c);
    fleet_poll(&mut c);
    c.final_summary();
}
