#![no_main]
//! Fuzz target `agent_config`: runs `fleetwire::internal::fuzz_agent_config` (TOML text into
//! the agent's configuration parser and validator, with the files it names served from
//! memory), the same check the stable corpus replay test (agent/tests/fuzz_corpus.rs) runs
//! over fuzz/corpus/agent_config/.
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    fleetwire::internal::fuzz_agent_config(data);
});
