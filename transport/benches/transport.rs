//! Spool enqueue throughput (fsync on) and upload throughput over loopback TLS with
//! keep-alive, against a plain `curl` loop (one process and one TLS handshake per upload),
//! in the same run and against the same server.
//!
//! `cargo bench -p fleetwire-transport --bench transport`
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(missing_docs)]

#[path = "../tests/support/mod.rs"]
mod support;

use std::hint::black_box;
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use fleetwire_transport::tls::{Roots, TlsOptions};
use fleetwire_transport::{Allowlist, Client, ClientOptions, Spool, SpoolOptions};
use support::{Reply, simple_server};

fn spool_enqueue(c: &mut Criterion) {
    let mut group = c.benchmark_group("spool_enqueue_fsync");
    for size in [1024usize, 64 * 1024] {
        let dir = tempfile::tempdir().unwrap();
        let options = SpoolOptions {
            max_bytes: u64::MAX,
            ..SpoolOptions::default()
        };
        let mut spool = Spool::open(dir.path(), options).unwrap();
        let payload = vec![0x5au8; size];
        group.throughput(Throughput::Bytes(size as u64));
        group.bench_function(BenchmarkId::from_parameter(size), |b| {
            b.iter(|| black_box(spool.enqueue(&payload).unwrap()));
        });
    }
    group.finish();
}

fn upload(c: &mut Criterion) {
    let (pki, server) = simple_server(Arc::new(|_| Reply::ok()));
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pki.ca_pem()).unwrap();
    let url = server.url("/upload");
    let client = Client::new(&ClientOptions {
        allowlist: Allowlist::new([url.as_str()]).unwrap(),
        tls: TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "ca").unwrap(),
            ..Default::default()
        },
        ..ClientOptions::default()
    })
    .unwrap();
    let mut group = c.benchmark_group("upload_loopback_tls_1KiB");
    let payload = vec![0x5au8; 1024];
    let payload_file = dir.path().join("payload.bin");
    std::fs::write(&payload_file, &payload).unwrap();
    group.throughput(Throughput::Elements(1));
    group.bench_function("fleetwire_keepalive", |b| {
        b.iter(|| {
            let r = client
                .post(
                    &url,
                    "application/octet-stream",
                    &[("Idempotency-Key", "bench")],
                    &payload,
                )
                .unwrap();
            assert_eq!(r.status, 200);
        });
    });
    let curl_ok = Command::new("curl")
        .arg("--version")
        .stdout(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if curl_ok {
        group.bench_function("curl_process_loop", |b| {
            b.iter_custom(|iters| {
                let start = Instant::now();
                for _ in 0..iters {
                    let status = Command::new("curl")
                        .args(["-sS", "-o", "/dev/null", "--fail", "--cacert"])
                        .arg(&ca)
                        .args(["-H", "Idempotency-Key: bench", "--data-binary"])
                        .arg(format!("@{}", payload_file.display()))
                        .arg(&url)
                        .status()
                        .unwrap();
                    assert!(status.success());
                }
                start.elapsed()
            });
        });
    } else {
        eprintln!("SKIPPED: curl not installed; no curl comparison");
    }
    group.finish();
}

fn config() -> Criterion {
    Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
}

criterion_group! { name = benches; config = config(); targets = spool_enqueue, upload }
criterion_main!(benches);
