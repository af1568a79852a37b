//! Crash safety: a child process enqueueing and flushing a spool is killed with SIGKILL at
//! random moments, again and again; afterwards the server has every payload, and duplicates
//! only ever carry the same idempotency key.
//!
//! The child is this test binary itself, running the ignored test `crash_child`.
//! `FLEETWIRE_CRASH_KILLS` overrides the number of kills (default 50).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::collections::{BTreeMap, BTreeSet};
use std::io::Read;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetwire_transport::tls::{Roots, TlsOptions};
use fleetwire_transport::{
    Allowlist, Client, ClientOptions, FlushOptions, Spool, SpoolOptions, Uploader,
};
use support::{Reply, simple_server};

const INITIAL: usize = 600;
const PER_ROUND: usize = 2;

fn uploader(ca_pem: &[u8], url: &str) -> Uploader {
    let options = ClientOptions {
        allowlist: Allowlist::new([url]).unwrap(),
        timeout: Duration::from_secs(10),
        tls: TlsOptions {
            roots: Roots::from_pem(ca_pem, "test CA").unwrap(),
            ..Default::default()
        },
        ..ClientOptions::default()
    };
    Uploader::new(Client::new(&options).unwrap(), url)
}

/// The child: enqueue a few payloads (reporting each after `enqueue` returned), then flush.
#[test]
#[ignore = "child process of crash_safety_under_repeated_sigkill"]
fn crash_child() {
    let Ok(dir) = std::env::var("FW_CRASH_SPOOL") else {
        return;
    };
    let url = std::env::var("FW_CRASH_URL").unwrap();
    let ca = std::fs::read(std::env::var("FW_CRASH_CA").unwrap()).unwrap();
    let round: usize = std::env::var("FW_CRASH_ROUND").unwrap().parse().unwrap();
    let mut spool = Spool::open(&dir, SpoolOptions::default()).unwrap();
    for i in 0..PER_ROUND {
        spool
            .enqueue(format!("round {round} payload {i}").as_bytes())
            .unwrap();
        println!("ENQ round {round} payload {i}");
    }
    let report = uploader(&ca, &url).flush(&mut spool).unwrap();
    println!("DONE {report:?}");
}

#[test]
fn crash_safety_under_repeated_sigkill() {
    let kills: usize = std::env::var("FLEETWIRE_CRASH_KILLS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(50);
    let (pki, server) = simple_server(Arc::new(|_| {
        std::thread::sleep(Duration::from_millis(1));
        Reply::ok()
    }));
    let dir = tempfile::tempdir().unwrap();
    let spool_dir = dir.path().join("spool");
    let ca_path = dir.path().join("ca.pem");
    std::fs::write(&ca_path, pki.ca_pem()).unwrap();
    let url = server.url("/upload");

    let mut expected: BTreeSet<Vec<u8>> = BTreeSet::new();
    let mut maybe: BTreeSet<Vec<u8>> = BTreeSet::new();
    {
        let mut spool = Spool::open(&spool_dir, SpoolOptions::default()).unwrap();
        for i in 0..INITIAL {
            let body = format!("initial payload {i} {}", "x".repeat(i % 97)).into_bytes();
            spool.enqueue(&body).unwrap();
            expected.insert(body);
        }
    }

    let mut seed = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos() as u64
        | 1;
    eprintln!("crash test seed {seed:#x}, {kills} kills");
    let mut rand = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let exe = std::env::current_exe().unwrap();
    let started = Instant::now();
    let mut killed_mid_run = 0;
    let mut window = Duration::from_millis(200);
    for round in 0..kills {
        for i in 0..PER_ROUND {
            maybe.insert(format!("round {round} payload {i}").into_bytes());
        }
        let mut child = Command::new(&exe)
            .args([
                "--exact",
                "crash_child",
                "--ignored",
                "--nocapture",
                "--test-threads=1",
            ])
            .env("FW_CRASH_SPOOL", &spool_dir)
            .env("FW_CRASH_URL", &url)
            .env("FW_CRASH_CA", &ca_path)
            .env("FW_CRASH_ROUND", round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        // Kill at a random moment within how long a child runs on this machine: `window`
        // starts generous and shrinks to the runtime of any child that finishes first, so the
        // kills land mid-run on a fast idle machine as well as on a loaded one.
        let spawned = Instant::now();
        let delay = Duration::from_micros(1_000 + rand() % window.as_micros().max(1) as u64);
        loop {
            if child.try_wait().unwrap().is_some() {
                window = (spawned.elapsed() * 9 / 10).max(Duration::from_millis(2));
                break;
            }
            if spawned.elapsed() >= delay {
                killed_mid_run += 1;
                break;
            }
            std::thread::sleep(Duration::from_micros(300));
        }
        child.kill().unwrap(); // SIGKILL (a no-op if the child already exited)
        child.wait().unwrap();
        let mut out = String::new();
        child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        for line in out.lines() {
            if let Some(rest) = line.strip_prefix("ENQ ") {
                expected.insert(rest.as_bytes().to_vec());
            }
        }
    }
    let kill_phase = started.elapsed();
    let received_during_kills = server.requests().len();

    // Restart: whatever survived is uploaded by a clean run.
    let mut spool = Spool::open(&spool_dir, SpoolOptions::default()).unwrap();
    let report = uploader(&pki.ca_pem().into_bytes(), &url)
        .flush_with(
            &mut spool,
            &FlushOptions::default(),
            &mut |_| {},
            &mut std::thread::sleep,
        )
        .unwrap();
    assert_eq!(report.remaining, 0, "{report:?}");
    assert!(spool.dead_letters().unwrap().is_empty());
    assert_eq!(std::fs::read_dir(spool_dir.join("tmp")).unwrap().count(), 0);

    let mut keys: BTreeMap<Vec<u8>, BTreeSet<String>> = BTreeMap::new();
    let mut received = 0;
    for req in server.requests() {
        received += 1;
        let key = req.header("idempotency-key").unwrap().to_owned();
        keys.entry(req.body.clone()).or_default().insert(key);
    }
    for body in &expected {
        assert!(
            keys.contains_key(body),
            "lost: {}",
            String::from_utf8_lossy(body)
        );
    }
    for (body, k) in &keys {
        assert!(
            expected.contains(body) || maybe.contains(body),
            "unknown payload {}",
            String::from_utf8_lossy(body)
        );
        assert_eq!(
            k.len(),
            1,
            "duplicate with different keys: {}",
            String::from_utf8_lossy(body)
        );
    }
    let duplicates = received - keys.len();
    eprintln!(
        "crash test: {kills} SIGKILLs ({killed_mid_run} while running) in {:.1} s; {} distinct payloads received, \
         {duplicates} duplicates (same key), {received_during_kills} requests served while killing, \
         {} uploaded after restart",
        kill_phase.as_secs_f64(),
        keys.len(),
        report.uploaded
    );
    assert!(
        killed_mid_run >= kills / 2,
        "too few kills landed while the child ran"
    );
    assert!(
        received_during_kills >= kills / 2,
        "children hardly uploaded: the kills missed the flush"
    );
}
