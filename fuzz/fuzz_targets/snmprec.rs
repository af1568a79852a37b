#![no_main]
//! Fuzz target `snmprec`: runs `fleetwire_snmp::internal::snmprec`, the same check the stable corpus
//! replay test (snmp-core/tests/fuzz_corpus.rs) runs over fuzz/corpus/snmprec/.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fleetwire_snmp::internal::snmprec(data));
