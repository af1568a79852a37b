//! Criterion suite: SNMPv3 USM, fleetwire-snmp side by side with async-snmp 0.18 in one
//! run (issue 3's benchmark requirement).
//!
//! Groups (`usm/<scenario>`, functions named by library):
//!
//! * `usm/password-to-key-sha1`, `usm/password-to-key-sha256`: RFC 3414 A.2 (1 MiB
//!   hashed) by `fleetwire` and `async-snmp`, next to `raw-hash`, one digest of the same
//!   1 MiB already in memory (the floor). Target: fleetwire ≤ 1.1 × raw-hash.
//! * `usm/receive-authpriv-sha256-aes128`: the full receive path of an authPriv
//!   (HMAC-SHA-256-192, AES-128-CFB) Response with 20 Counter32 varbinds (decode, verify,
//!   timeliness, decrypt, decode the scoped PDU, correlate, walk the varbinds).
//! * `usm/send-authpriv-sha256-aes128`: the full send path of the matching GetRequest
//!   (build + encode the scoped PDU, encrypt, encode, sign). Target for both message
//!   paths: fleetwire ≤ 0.5 × async-snmp.
//!
//! Like-for-like: same user, passwords, keys (localized once, before timing, by each
//! library), engine, msgID, request-id and varbinds; both receive the same wire bytes.
//! async-snmp's message paths are its client's (`client/v3.rs`), rebuilt from its public
//! API. Steps that are not public and what is timed instead:
//! `v3::encode::encode_v3_message` (crate-private module: replicated call by call with the
//! public functions it uses); `RawV3Message::decode_bounded_with_target` and
//! `UsmSecurityParams::decode_with_context` (the public `decode`s run the same parser);
//! `message::decode_scoped_pdu` (replaced by the `ScopedPdu::decode` it wraps, plus its
//! trailing-data check); `EngineState::check_and_update_timeliness` and
//! `estimated_boots_time` (replicated: clock read + the same arithmetic, on a cloned
//! public `EngineState`). The client's `RwLock` reads, tracing and transport are left
//! out. Details: `fleetwire_benches::usm`.
//!
//! Before anything is timed `fleetwire_benches::usm::verify` checks that both libraries'
//! keys equal the raw hash, that async-snmp decodes our Response to the same 20 values as
//! we do, that our agent decodes async-snmp's request exactly as ours, and that both
//! reject a forged MAC; any failure aborts.
//!
//! Defaults: 1 s warm-up, 3 s measurement per function (password-to-key: 5 s, 40
//! samples); the suite takes about 1.5 minutes. Filter as usual, e.g.
//! `cargo bench -p fleetwire-benches --bench usm -- usm/receive`. `bench-report`
//! prints the tables (ratios to fleetwire, and to the raw hash for password-to-key).
#![forbid(unsafe_code)]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, Throughput};
use fleetwire_benches::LibraryId;
use fleetwire_benches::normalized::DigestSink;
use fleetwire_benches::usm::{
    self, EXPANDED_LEN, KeyHash, MessageScenario, PASSWORD, RAW_HASH, RECEIVE, SEND,
};
use fleetwire_snmp::crypto::RustCrypto;

fn password_to_key(c: &mut Criterion) {
    let crypto = RustCrypto::new();
    let expanded = usm::expanded_password(PASSWORD);
    for hash in KeyHash::ALL {
        let mut g = c.benchmark_group(format!("usm/{}", hash.scenario()));
        // ~1 ms per call: 40 samples over 5 s, so that the medians hold on a loaded machine.
        g.sample_size(40);
        g.measurement_time(Duration::from_secs(5));
        g.throughput(Throughput::Bytes(EXPANDED_LEN as u64));
        g.bench_function(LibraryId::Fleetwire.name(), |b| {
            b.iter(|| {
                black_box(
                    hash.fleetwire_password_to_key(&crypto, black_box(PASSWORD))
                        .unwrap(),
                )
            })
        });
        g.bench_function(LibraryId::AsyncSnmp.name(), |b| {
            b.iter(|| {
                black_box(
                    hash.async_snmp_password_to_key(black_box(PASSWORD))
                        .unwrap(),
                )
            })
        });
        g.bench_function(RAW_HASH, |b| {
            b.iter(|| black_box(hash.raw_hash(black_box(&expanded))))
        });
        g.finish();
    }
}

fn messages(c: &mut Criterion, s: &mut MessageScenario) {
    let mut g = c.benchmark_group(format!("usm/{RECEIVE}"));
    g.throughput(Throughput::Bytes(s.response.len() as u64));
    s.fleetwire.restart_clock().unwrap();
    g.bench_function(LibraryId::Fleetwire.name(), |b| {
        b.iter(|| {
            let mut sink = DigestSink::default();
            s.fleetwire
                .receive(black_box(&s.response), &mut sink)
                .unwrap();
            black_box(sink.finish().unwrap())
        })
    });
    s.async_snmp.restart_clock();
    g.bench_function(LibraryId::AsyncSnmp.name(), |b| {
        b.iter(|| {
            let mut sink = DigestSink::default();
            s.async_snmp
                .receive(black_box(&s.response_bytes), &mut sink)
                .unwrap();
            black_box(sink.finish().unwrap())
        })
    });
    g.finish();

    let mut g = c.benchmark_group(format!("usm/{SEND}"));
    g.throughput(Throughput::Bytes(s.request.len() as u64));
    s.fleetwire.restart_clock().unwrap();
    let mut out = Vec::with_capacity(2048);
    g.bench_function(LibraryId::Fleetwire.name(), |b| {
        b.iter(|| {
            out.clear();
            s.fleetwire.send(&mut out).unwrap();
            black_box(out.len())
        })
    });
    s.async_snmp.restart_clock();
    g.bench_function(LibraryId::AsyncSnmp.name(), |b| {
        b.iter(|| {
            black_box(
                s.async_snmp
                    .send(black_box(&s.async_snmp.request))
                    .unwrap()
                    .len(),
            )
        })
    });
    g.finish();
}

fn main() {
    let mut scenario = usm::verify()
        .unwrap_or_else(|e| panic!("verification failed, refusing to time wrong work:\n{e}"));
    println!(
        "verification: password-to-key = raw hash (SHA-1, SHA-256); Response {} bytes decoded identically by both; async-snmp's request ({} bytes) accepted by our agent as ours; forged MACs rejected",
        scenario.response.len(),
        scenario.request.len(),
    );

    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    password_to_key(&mut c);
    messages(&mut c, &mut scenario);
    c.final_summary();
}
