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
