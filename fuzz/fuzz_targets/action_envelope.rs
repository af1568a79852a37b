//! Fuzz the signed action envelope parser and verifier of fleetwire-transport (parse, base64,
//! signature, signed-payload parse, expiry, replay, policy). Must never panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = fleetwire_transport::internal::fuzz_action_envelope(data);
});
