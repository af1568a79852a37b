#![no_main]
//! Fuzz target `usm_process`: runs `fleetwire_snmp::internal::usm_process` (decode + USM
//! processing on the authoritative and the non-authoritative side with fixed users and keys),
//! the same check the stable corpus replay test (snmp-core/tests/fuzz_corpus.rs) runs over
//! fuzz/corpus/usm_process/.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fleetwire_snmp::internal::usm_process(data));
