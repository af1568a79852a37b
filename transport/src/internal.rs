//! Entry points for fuzzing (not a stable API).
//!
//! `fuzz/fuzz_targets/action_envelope.rs` and `tests/fuzz_corpus.rs` call these, so the
//! corpus replay on stable exercises exactly what the fuzzer does.

use crate::action::{ActionPolicy, ActionVerifier, Envelope, TrustedKeys};

/// Unix time at which the fuzzing verifier runs.
pub const FUZZ_NOW: i64 = 1_800_000_000;

/// Key id of the fuzzing key.
pub const FUZZ_KEY_ID: &str = "fuzz-ed25519";

/// The fuzzing verifier: one Ed25519 key pinned under [`FUZZ_KEY_ID`], derived from the
/// published test seed `[1; 32]` (never use it for anything else).
pub fn fuzz_verifier() -> ActionVerifier {
    let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
    let mut keys = TrustedKeys::default();
    // A valid 32-byte point: cannot fail.
    let _ = keys.add_ed25519(FUZZ_KEY_ID, &key.verifying_key().to_bytes());
    ActionVerifier::new(keys, ActionPolicy::default())
}

/// Parses and fully verifies `data` as an action envelope; must never panic. Returns whether
/// it verified.
pub fn fuzz_action_envelope(data: &[u8]) -> bool {
    let _ = Envelope::parse(data);
    fuzz_verifier().verify(data, FUZZ_NOW).is_ok()
}
