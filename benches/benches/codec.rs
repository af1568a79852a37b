//! Criterion suite: decode and encode speed of Fleetwire and its peers, side
//! by side, in one run.
//!
//! Groups are `decode/<scenario>` and `encode/<scenario>`, functions are named
//! by library (`fleetwire`, `async-snmp`, `rasn-snmp`, `snmp-parser`, `snmp2`).
//! Before anything is timed every (library, scenario, op) is verified against
//! the fixture's expected contents; unsupported pairs are listed and skipped,
//! any unexpected failure aborts. The verification matrix is written to
//! `<criterion home>/fleetwire-support.json` for `bench-report`.
//!
//! Defaults: 1 s warm-up, 2 s measurement per benchmark (the full suite takes
//! about two minutes on 2 cores). Override on the command line, e.g.
//! `cargo bench -p fleetwire-benches --bench codec -- --measurement-time 5 decode/v2c-mixed-20`.
//! `-- --test` runs every benchmark once (a smoke test).
#![forbid(unsafe_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use fleetwire_benches::fixtures::Fixture;
use fleetwire_benches::verify::{self, Check, Op};
use fleetwire_benches::{LibraryId, SUPPORT_FILE, write_result_file};

fn verified(checks: &[Check], op: Op, fixture: &Fixture, library: LibraryId) -> bool {
    checks.iter().any(|c| {
        c.op == op && c.scenario == fixture.id && c.library == library && c.status.is_verified()
    })
}

fn bench(c: &mut Criterion, fixtures: &[Fixture], checks: &[Check]) {
    for fixture in fixtures {
        let mut group = c.benchmark_group(format!("decode/{}", fixture.id.slug()));
        group.throughput(Throughput::Bytes(fixture.wire.len() as u64));
        for library in LibraryId::ALL {
            if !verified(checks, Op::Decode, fixture, library) {
                continue;
            }
            let decode = library.digest_fn();
            group.bench_function(library.name(), |b| {
                b.iter(|| decode(black_box(fixture)).unwrap());
            });
        }
        group.finish();
    }
    for fixture in fixtures {
        let mut group = c.benchmark_group(format!("encode/{}", fixture.id.slug()));
        group.throughput(Throughput::Bytes(fixture.wire.len() as u64));
        for library in LibraryId::ALL {
            if !verified(checks, Op::Encode, fixture, library) {
                continue;
            }
            let mut encoder = library.prepare_encode(fixture).unwrap();
            group.bench_function(library.name(), |b| {
                b.iter(|| black_box(encoder.encode_len().unwrap()));
            });
        }
        group.finish();
    }
}

fn main() {
    let fixtures = Fixture::all().unwrap_or_else(|e| panic!("building fixtures: {e}"));
    let checks = verify::verify_all(&fixtures)
        .unwrap_or_else(|e| panic!("verification failed, refusing to time wrong work:\n{e}"));

    let verified_count = checks.iter().filter(|c| c.status.is_verified()).count();
    println!(
        "verification: {verified_count}/{} (library, scenario, op) triples verified; skipped:",
        checks.len()
    );
    for check in checks.iter().filter(|c| !c.status.is_verified()) {
        println!("  {check}");
    }
    for fixture in &fixtures {
        println!(
            "fixture {:<13} {:>4} bytes, {:>2} varbinds: {}",
            fixture.id.slug(),
            fixture.wire.len(),
            fixture.spec.varbinds.len(),
            fixture.id.description()
        );
    }

    if let Err(e) = write_result_file(SUPPORT_FILE, &verify::to_json(&checks)) {
        eprintln!("warning: {e}");
    }

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(2))
        .configure_from_args();
    bench(&mut c, &fixtures, &checks);
    c.final_summary();
}
