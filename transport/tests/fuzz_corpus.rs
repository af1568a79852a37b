//! Replays the committed fuzz corpus of `fuzz/fuzz_targets/action_envelope.rs` through the
//! same entry point, on stable, as part of the normal test run.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use fleetwire_transport::internal::fuzz_action_envelope;

#[test]
fn action_envelope_corpus_replays_without_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/action_envelope");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 7, "corpus missing in {}", dir.display());
    let mut verified = Vec::new();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        if fuzz_action_envelope(&data) {
            verified.push(f.file_name().unwrap().to_string_lossy().into_owned());
        }
        // Every prefix too: truncated input must be refused, not panic.
        for cut in (0..data.len()).step_by(7) {
            assert!(!fuzz_action_envelope(&data[..cut]) || cut == data.len());
        }
    }
    // The seeds named valid-* verify; every other seed is refused.
    verified.sort();
    let expected: Vec<String> = files
        .iter()
        .map(|f| f.file_name().unwrap().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("valid-"))
        .collect();
    assert_eq!(verified, expected);
}
