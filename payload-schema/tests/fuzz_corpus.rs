//! Replays the committed fuzz corpora (fuzz/corpus/payload_xml, fuzz/corpus/zip_read) on
//! stable through the entry points the cargo-fuzz targets call, and checks the committed seeds
//! are what the sample builders make (`FLEETWIRE_WRITE_CORPUS=1` rewrites them).
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};

use fleetwire_payload::internal;

fn dir(target: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target)
}

fn check_seeds(target: &str, seeds: &[Vec<u8>]) {
    let dir = dir(target);
    for (i, seed) in seeds.iter().enumerate() {
        let path = dir.join(format!("seed-{i:03}"));
        if std::env::var_os("FLEETWIRE_WRITE_CORPUS").is_some() {
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(&path, seed).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        assert!(
            committed == *seed,
            "{} is stale: rerun with FLEETWIRE_WRITE_CORPUS=1",
            path.display()
        );
    }
}

fn replay(target: &str, check: fn(&[u8]), min: usize) {
    let mut files: Vec<_> = std::fs::read_dir(dir(target))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    assert!(
        files.len() >= min,
        "{target}: corpus has only {} inputs",
        files.len()
    );
    for path in files {
        let data = std::fs::read(&path).unwrap();
        let result = std::panic::catch_unwind(|| check(&data));
        assert!(result.is_ok(), "{target}: {} fails", path.display());
    }
}

#[test]
fn payload_xml() {
    let seeds = internal::xml_seeds().unwrap();
    assert!(seeds.len() >= 20);
    check_seeds("payload_xml", &seeds);
    replay("payload_xml", internal::fuzz_payload_xml, 20);
}

#[test]
fn zip_read() {
    let seeds = internal::zip_seeds().unwrap();
    check_seeds("zip_read", &seeds);
    replay("zip_read", internal::fuzz_zip_read, 5);
}
