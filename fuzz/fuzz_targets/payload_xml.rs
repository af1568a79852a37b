//! Fuzz the payload XML reader of fleetwire-payload: any kind, any bytes. Must never panic;
//! whatever reads and keeps the rules must write and read back to the same document.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fleetwire_payload::internal::fuzz_payload_xml(data);
});
