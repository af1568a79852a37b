#![no_main]
//! Fuzz target `oid_text`: runs `fleetwire_snmp::internal::oid_text`, the same check the stable corpus
//! replay test (snmp-core/tests/fuzz_corpus.rs) runs over fuzz/corpus/oid_text/.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fleetwire_snmp::internal::oid_text(data));
