//! Payload suite: build + serialise + zip a 2,000-device agent payload with fleetwire-payload,
//! side by side with flate2's raw deflate of the same XML bytes (the floor: our path does all
//! of that work plus building, serialising, SHA-256 and the zip framing). Target: >= 50% of the
//! raw deflate throughput. Also reports the peak heap of one package write, measured by a
//! counting global allocator, against the payload's XML size ("never twice in memory"); the
//! sizes and peak heap also go to `fleetwire-payload.json` under criterion's directory, for
//! `bench-report`.
//!
//! Groups: `payload/agent-2000` with functions `fleetwire` (devices -> zip, streamed:
//! `add_agent_stream`, serializing on this thread while a second thread hashes and deflates),
//! `fleetwire-serial` (the same bytes all on one thread: `AgentPayloadWriter` over
//! `PackageWriter::start_entry`, for comparison) and `flate2-raw` (deflate of the same XML,
//! level 6 like the package). Throughput is the XML size, so every MB/s figure is of the same
//! bytes.
//!
//! `cargo bench -p fleetwire-benches --bench payload -- --quick` (or `--test` for one pass).
//! The counting allocator needs `unsafe impl GlobalAlloc` (see benches/Cargo.toml).
#![allow(unsafe_code)] // counting GlobalAlloc wrapper around `System`; see benches/Cargo.toml
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic,
    missing_docs
)]

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::io::{Cursor, Read, Write};
use std::sync::atomic::{AtomicUsize, Ordering::Relaxed};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use fleetwire_benches::package::{agent_package, sample_devices};
use fleetwire_benches::{PAYLOAD_FILE, write_result_file};
use fleetwire_payload::internal::{sample_agent, sample_time};
use fleetwire_payload::{
    AgentPayload, AgentPayloadWriter, BuildPolicy, DeviceRecord, Document, Limits, PackageReader,
    PackageWriter, PayloadKind,
};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

fn grew(size: usize) {
    let live = LIVE.fetch_add(size, Relaxed) + size;
    PEAK.fetch_max(live, Relaxed);
}

// SAFETY: every method forwards to `System` with the caller's arguments unchanged, so
// `System`'s guarantees carry over; the counters are plain atomics and never allocate.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        grew(layout.size());
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Relaxed);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_sub(layout.size(), Relaxed);
        grew(new_size);
        // SAFETY: forwarded unchanged (see above).
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const DEVICES: u32 = 2_000;

/// Our whole path: device records -> policy -> XML -> SHA-256 -> deflate -> zip + manifest.
fn package(devices: &[DeviceRecord]) -> Vec<u8> {
    agent_package(devices).unwrap()
}

/// The same package on one thread: what `add_agent_stream` did before it was pipelined.
fn package_serial(devices: &[DeviceRecord]) -> Vec<u8> {
    let mut w = PackageWriter::new(Cursor::new(Vec::new()), sample_time());
    let entry = w.start_entry("agent.xml", PayloadKind::Agent).unwrap();
    let mut a = AgentPayloadWriter::start(
        entry,
        sample_time(),
        sample_agent(devices.len() as u64),
        &BuildPolicy::default(),
    )
    .unwrap();
    for d in devices {
        a.push_device(d).unwrap();
    }
    a.finish(vec![], vec![]).unwrap().finish().unwrap();
    w.finish().unwrap().0.into_inner()
}

/// The peer floor: raw deflate of the same XML bytes at the same level.
fn raw_deflate(xml: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::DeflateEncoder::new(
        Vec::with_capacity(xml.len() / 8),
        flate2::Compression::new(6),
    );
    e.write_all(xml).unwrap();
    e.finish().unwrap()
}

/// Peak heap above the baseline while `f` runs, in bytes.
fn peak_during<T>(f: impl FnOnce() -> T) -> (T, usize) {
    let base = LIVE.load(Relaxed);
    PEAK.store(base, Relaxed);
    let out = f();
    (out, PEAK.load(Relaxed).saturating_sub(base))
}

fn mb_per_s(bytes: usize, iters: u32, f: impl Fn()) -> f64 {
    f();
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    bytes as f64 * f64::from(iters) / start.elapsed().as_secs_f64() / 1e6
}

fn main() {
    let devices = sample_devices(DEVICES);
    // The same payload as one document: its XML is what the package entry holds.
    let doc = Document::Agent(Box::new(AgentPayload::build(
        sample_time(),
        sample_agent(u64::from(DEVICES)),
        devices.clone(),
        vec![],
        vec![],
        &BuildPolicy::default(),
    )));
    let xml = doc.to_xml().unwrap().into_bytes();

    // Verify before timing: the package holds exactly that XML, and the raw deflate inflates
    // back to it.
    let zip = package(&devices);
    let mut reader = PackageReader::open(Cursor::new(zip.clone()), Limits::default()).unwrap();
    assert_eq!(
        reader.read_entry("agent.xml").unwrap(),
        xml,
        "package entry differs"
    );
    assert_eq!(package_serial(&devices), zip, "the two paths differ");
    let raw = raw_deflate(&xml);
    let mut inflated = Vec::new();
    flate2::read::DeflateDecoder::new(&raw[..])
        .read_to_end(&mut inflated)
        .unwrap();
    assert_eq!(inflated, xml, "raw deflate does not round trip");

    let (_, peak) = peak_during(|| black_box(package(&devices)));
    let (_, peak_serial) = peak_during(|| black_box(package_serial(&devices)));
    let test_mode = std::env::args().any(|a| a == "--test");
    let iters = if test_mode { 1 } else { 5 };
    let ours = mb_per_s(xml.len(), iters, || {
        black_box(package(black_box(&devices)));
    });
    let serial = mb_per_s(xml.len(), iters, || {
        black_box(package_serial(black_box(&devices)));
    });
    let floor = mb_per_s(xml.len(), iters, || {
        black_box(raw_deflate(black_box(&xml)));
    });
    println!(
        "payload/agent-{DEVICES}: XML {:.1} MB, zip {:.2} MB (ratio {:.1}x), peak heap during one \
         package write {:.2} MB ({:.2}x the XML; devices held by the caller not counted), \
         single-threaded {:.2} MB",
        xml.len() as f64 / 1e6,
        zip.len() as f64 / 1e6,
        xml.len() as f64 / zip.len() as f64,
        peak as f64 / 1e6,
        peak as f64 / xml.len() as f64,
        peak_serial as f64 / 1e6,
    );
    // Where the time goes: serialising alone (to a sink) and hashing alone.
    let serialise = mb_per_s(xml.len(), iters, || {
        doc.write_xml(std::io::sink()).unwrap();
    });
    let hash = mb_per_s(xml.len(), iters, || {
        black_box(fleetwire_payload::Sha256::digest(black_box(&xml)));
    });
    println!(
        "payload/agent-{DEVICES}: fleetwire {ours:.1} MB/s, flate2-raw {floor:.1} MB/s: {:.0}% \
         (target >= 50%); single-threaded {serial:.1} MB/s: {:.0}%; parts: serialise \
         {serialise:.1} MB/s, sha256 {hash:.1} MB/s",
        ours / floor * 100.0,
        serial / floor * 100.0,
    );
    let figures = serde_json::json!({
        "group": format!("payload/agent-{DEVICES}"),
        "devices": DEVICES,
        "xml_bytes": xml.len(),
        "zip_bytes": zip.len(),
        "peak_heap_bytes": peak,
        "peak_heap_serial_bytes": peak_serial,
    });
    if let Err(e) = write_result_file(PAYLOAD_FILE, &figures) {
        eprintln!("warning: {e}");
    }

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(10)
        .configure_from_args();
    let mut group = c.benchmark_group(format!("payload/agent-{DEVICES}"));
    group.throughput(Throughput::Bytes(xml.len() as u64));
    group.bench_function("fleetwire", |b| {
        b.iter(|| black_box(package(black_box(&devices))))
    });
    group.bench_function("fleetwire-serial", |b| {
        b.iter(|| black_box(package_serial(black_box(&devices))))
    });
    group.bench_function("flate2-raw", |b| {
        b.iter(|| black_box(raw_deflate(black_box(&xml))))
    });
    group.finish();
    c.final_summary();
}
