//! Fuzz the zip package reader of fleetwire-payload under its default limits (open, verify
//! every entry against the manifest, parse each). Must never panic nor inflate past the limits.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fleetwire_payload::internal::fuzz_zip_read(data);
});
