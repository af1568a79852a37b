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

#[test]
fn responder() {
    replay("responder", fleetwire_snmp::internal::responder);
}

/// Checks that `target`'s committed `seed-NNN` files are exactly `seeds` (so they stay valid
/// for the fixture's keys and clock); `FLEETWIRE_WRITE_CORPUS=1` rewrites them.
fn seeds_are_committed(target: &str, seeds: &[Vec<u8>], check: fn(&[u8])) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
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
        check(seed);
    }
}

#[test]
fn usm_seeds_are_committed() {
    let seeds = fleetwire_snmp::internal::usm_seeds();
    assert!(seeds.len() >= 20, "only {} seeds", seeds.len());
    seeds_are_committed("usm_process", &seeds, fleetwire_snmp::internal::usm_process);
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

/// The responder seeds reach every operation: most are answered with a Response.
#[test]
fn responder_seeds_are_committed() {
    use fleetwire_snmp::internal::{responder_fixture, usm_fixture};
    use fleetwire_snmp::responder::Handled;
    let seeds = fleetwire_snmp::internal::responder_seeds();
    assert!(seeds.len() >= 30, "only {} seeds", seeds.len());
    seeds_are_committed("responder", &seeds, fleetwire_snmp::internal::responder);
    let mut r = responder_fixture::responder().unwrap();
    let mut out = Vec::new();
    let answered = seeds
        .iter()
        .filter(|s| r.handle(usm_fixture::NOW, s, &mut out) == Handled::Response)
        .count();
    assert!(
        answered + 1 >= seeds.len(),
        "only {answered} of {} answered",
        seeds.len()
    );
}
