//! Replays the committed fuzz corpus of `fuzz/fuzz_targets/agent_config.rs` through the same
//! entry point, on stable, as part of the normal test run; checks that the corpus holds the
//! seeds (`FLEETWIRE_WRITE_CORPUS=1` rewrites them) and that each seed validates or fails as
//! its name says.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;

use fleetwire::internal::{agent_config_seeds, fuzz_agent_config};

#[test]
fn agent_config_corpus_replays_without_panic() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/corpus/agent_config");
    if std::env::var_os("FLEETWIRE_WRITE_CORPUS").is_some() {
        std::fs::create_dir_all(&dir).unwrap();
        for (name, text) in agent_config_seeds() {
            std::fs::write(dir.join(format!("seed-{name}.toml")), text).unwrap();
        }
    }
    let valid = [
        "minimal",
        "full",
        "locked-down",
        "v3-and-server",
        "token-proxy",
    ];
    for (name, text) in agent_config_seeds() {
        let stored = std::fs::read_to_string(dir.join(format!("seed-{name}.toml")))
            .unwrap_or_else(|e| panic!("seed {name} missing from {}: {e}", dir.display()));
        assert_eq!(
            stored, text,
            "seed {name} differs from agent_config_seeds()"
        );
        assert_eq!(
            fuzz_agent_config(text.as_bytes()),
            valid.contains(&name),
            "{name}"
        );
    }
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    for f in &files {
        let data = std::fs::read(f).unwrap();
        fuzz_agent_config(&data);
        // Truncated files fail cleanly too.
        for cut in (0..data.len()).step_by(13) {
            fuzz_agent_config(&data[..cut]);
        }
    }
}
