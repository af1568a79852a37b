#![no_main]
//! Fuzz target `responder`: runs `fleetwire_snmp::internal::responder` (arbitrary request
//! bytes into the command responder with a fixed MIB, communities and v3 users), the same check
//! the stable corpus replay test (snmp-core/tests/fuzz_corpus.rs) runs over
//! fuzz/corpus/responder/.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fleetwire_snmp::internal::responder(data));
