//! Build + serialise + zip a 2,000-device agent payload (issue 6), against flate2's raw
//! deflate of the same XML at the same level (6) in the same run; then the peak memory of
//! one build in a fresh process (`payload-peak`).
//!
//! Target: our throughput (uncompressed XML bytes per second) at least 50% of flate2's, so
//! building and serialising the typed payload costs no more than compressing it.
#![allow(clippy::unwrap_used, clippy::expect_used, missing_docs)]

use std::hint::black_box;
use std::io::{Cursor, Write};
use std::time::Duration;

use criterion::{Criterion, Throughput};
use flate2::Compression;
use flate2::write::DeflateEncoder;
use fleetwire_benches::payload::{FLEET, agent_xml, write_agent_package};

fn main() {
    let xml = agent_xml(FLEET).expect("build the payload");
    let mut c = Criterion::default()
        .sample_size(10)
        .measurement_time(Duration::from_secs(10))
        .configure_from_args();
    let mut group = c.benchmark_group(format!("payload/agent-{FLEET}"));
    group.throughput(Throughput::Bytes(xml.len() as u64));
    group.bench_function("fleetwire build+serialise+zip", |b| {
        b.iter(|| {
            let out = Cursor::new(Vec::with_capacity(xml.len() / 8));
            black_box(write_agent_package(out, FLEET).expect("package"))
        });
    });
    group.bench_function("flate2 raw deflate (level 6)", |b| {
        b.iter(|| {
            let mut enc =
                DeflateEncoder::new(Vec::with_capacity(xml.len() / 8), Compression::new(6));
            enc.write_all(black_box(&xml)).expect("deflate");
            black_box(enc.finish().expect("deflate"))
        });
    });
    group.finish();
    c.final_summary();

    let peak = std::process::Command::new(env!("CARGO_BIN_EXE_payload-peak"))
        .output()
        .expect("run payload-peak");
    println!(
        "payload/agent-{FLEET} peak memory: {}",
        String::from_utf8_lossy(&peak.stdout).trim()
    );
}
