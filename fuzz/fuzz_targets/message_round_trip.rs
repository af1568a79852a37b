#![no_main]
//! Fuzz target `message_round_trip`: runs `fleetwire_snmp::internal::message_round_trip`, the same check the stable corpus
//! replay test (snmp-core/tests/fuzz_corpus.rs) runs over fuzz/corpus/message_round_trip/.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| fleetwire_snmp::internal::message_round_trip(data));
