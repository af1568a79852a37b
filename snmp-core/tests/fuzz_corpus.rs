//! Replays the committed fuzz corpora (fuzz/corpus/TARGET/*) on stable, through the same entry
//! points the cargo-fuzz targets call, so every input a campaign found interesting stays a
//! regression test.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

fn corpus(target: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .map(|p| {
            let data = std::fs::read(&p).unwrap();
            (p, data)
        })
        .collect();
    files.sort();
    assert!(
        files.len() >= 10,
        "{target}: corpus has only {} inputs",
        files.len()
    );
    files
}

fn replay(target: &str, check: fn(&[u8])) {
    for (path, data) in corpus(target) {
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(result.is_ok(), "{target}: {} fails", path.display());
    }
}

#[test]
fn message_decode() {
    replay("message_decode", fleetwire_snmp::internal::message_decode);
}

#[test]
fn message_round_trip() {
    replay(
        "message_round_trip",
        fleetwire_snmp::internal::message_round_trip,
    );
}

#[test]
fn oid_text() {
    replay("oid_text", fleetwire_snmp::internal::oid_text);
}

#[test]
fn snmprec() {
    replay("snmprec", fleetwire_snmp::internal::snmprec);
}

#[test]
fn usm_process() {
    replay("usm_process", fleetwire_snmp::internal::usm_process);
}

/// The committed seeds are exactly what `usm_seeds` generates (so they stay valid for the
/// fixture's keys and clock); `FLEETWIRE_WRITE_CORPUS=1` rewrites them.
#[test]
fn usm_seeds_are_committed() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/usm_process");
    let seeds = fleetwire_snmp::internal::usm_seeds();
    assert!(seeds.len() >= 20, "only {} seeds", seeds.len());
    for (i, seed) in seeds.iter().enumerate() {
        let path = dir.join(format!("seed-{i:03}"));
        if std::env::var_os("FLEETWIRE_WRITE_CORPUS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, seed).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert_eq!(
            &committed,
            seed,
            "{} is stale: rerun with FLEETWIRE_WRITE_CORPUS=1",
            path.display()
        );
        fleetwire_snmp::internal::usm_process(seed);
    }
    // The seeds reach deep: many pass every USM check of the authoritative engine.
    use fleetwire_snmp::internal::usm_fixture;
    let mut engine = usm_fixture::engine().unwrap();
    let accepted = seeds
        .iter()
        .filter(|s| {
            engine
                .receive(&usm_fixture::CRYPTO, usm_fixture::NOW, s, &mut Vec::new())
                .is_ok()
        })
        .count();
    assert!(accepted >= 10, "only {accepted} seeds accepted");
}
