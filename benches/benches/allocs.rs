//! Allocations per decode / encode, per library and scenario.
//!
//! `cargo bench -p fleetwire-benches --bench allocs` prints markdown tables and
//! writes `<criterion home>/fleetwire-allocs.json` (picked up by
//! `bench-report`). Only pairs that pass verification are measured.
//!
//! The counting global allocator below needs `unsafe impl GlobalAlloc`; it is
//! the only `unsafe` in the crate. The workspace forbids `unsafe_code`, and a
//! `forbid` cannot be overridden by an inner `allow`, so `benches/Cargo.toml`
//! re-declares the workspace lints with `unsafe_code = "deny"` for this crate
//! only, and this file opts out below.
#![allow(unsafe_code)] // counting GlobalAlloc wrapper around `System`; see above
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use fleetwire_benches::fixtures::{Fixture, ScenarioId};
use fleetwire_benches::verify::{self, Op};
use fleetwire_benches::{ALLOCS_FILE, LibraryId, SUPPORT_FILE, write_result_file};

struct Counting;

static ALLOCS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every method forwards to `System` with the caller's arguments
// unchanged, so `System`'s guarantees carry over; the counters are plain
// atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(layout.size() as u64, Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        // A realloc is counted as one allocation of the new size.
        ALLOCS.fetch_add(1, Relaxed);
        BYTES.fetch_add(new_size as u64, Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

#[derive(Clone, Copy)]
struct Count {
    allocs: f64,
    bytes: f64,
}

/// Runs `f` once to warm up (lazy statics, first-use buffers), then `iters`
/// times, and returns the average allocations and bytes per call.
fn measure(iters: u64, mut f: impl FnMut()) -> Count {
    f();
    let (a0, b0) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    for _ in 0..iters {
        f();
    }
    let (a1, b1) = (ALLOCS.load(Relaxed), BYTES.load(Relaxed));
    Count {
        allocs: (a1 - a0) as f64 / iters as f64,
        bytes: (b1 - b0) as f64 / iters as f64,
    }
}

fn main() {
    let test_mode = std::env::args().any(|a| a == "--test");
    let iters = if test_mode { 3 } else { 1_000 };

    let fixtures = Fixture::all().unwrap_or_else(|e| panic!("building fixtures: {e}"));
    let checks =
        verify::verify_all(&fixtures).unwrap_or_else(|e| panic!("verification failed:\n{e}"));

    let mut results: BTreeMap<(Op, ScenarioId, LibraryId), Count> = BTreeMap::new();
    for check in &checks {
        if !check.status.is_verified() {
            continue;
        }
        let fixture = fixtures.iter().find(|f| f.id == check.scenario).unwrap();
        let count = match check.op {
            Op::Decode => {
                let decode = check.library.digest_fn();
                measure(iters, || {
                    black_box(decode(black_box(fixture)).unwrap());
                })
            }
            Op::Encode => {
                let mut enc = check.library.prepare_encode(fixture).unwrap();
                measure(iters, || {
                    black_box(enc.encode_len().unwrap());
                })
            }
        };
        results.insert((check.op, check.scenario, check.library), count);
    }

    for op in Op::ALL {
        println!("\n### Allocations per {} (count / bytes)\n", op.name());
        let mut header = String::from("| scenario |");
        let mut rule = String::from("|---|");
        for lib in LibraryId::ALL {
            header.push_str(&format!(" {} |", lib.name()));
            rule.push_str("---:|");
        }
        println!("{header}\n{rule}");
        for scenario in ScenarioId::ALL {
            let mut row = format!("| {} |", scenario.slug());
            for lib in LibraryId::ALL {
                let cell = match results.get(&(op, scenario, lib)) {
                    Some(c) => format!(" {:.1} / {:.0} B |", c.allocs, c.bytes),
                    None => {
                        let status = checks
                            .iter()
                            .find(|c| c.op == op && c.scenario == scenario && c.library == lib)
                            .map_or("?", |c| c.status.label());
                        format!(" {status} |")
                    }
                };
                row.push_str(&cell);
            }
            println!("{row}");
        }
    }

    if test_mode {
        println!(
            "\nallocs: {} pairs measured (test mode, not saved)",
            results.len()
        );
        return;
    }
    let json: Vec<serde_json::Value> = results
        .iter()
        .map(|((op, scenario, lib), c)| {
            serde_json::json!({
                "op": op.name(),
                "scenario": scenario.slug(),
                "library": lib.name(),
                "allocs": c.allocs,
                "bytes": c.bytes,
            })
        })
        .collect();
    let path = write_result_file(ALLOCS_FILE, &serde_json::Value::Array(json)).unwrap();
    write_result_file(SUPPORT_FILE, &verify::to_json(&checks)).unwrap();
    println!("\nwrote {}", path.display());
}
