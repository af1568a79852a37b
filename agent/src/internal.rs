//! Entry points for fuzzing (not a stable API).
//!
//! `fuzz/fuzz_targets/agent_config.rs` and `tests/fuzz_corpus.rs` call these, so the corpus
//! replay on stable exercises exactly what the fuzzer does.

use std::collections::{BTreeMap, HashSet};
use std::io;
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use fleetwire_transport::action::ActionKind;

use crate::agent::config::{ConfigFiles, MAX_TARGETS};
use crate::agent::{AgentConfig, ConfigError};

/// The directory fuzzed configurations are relative to. Nothing is read from the file
/// system: [`fuzz_files`] serves the files below from memory.
pub const FUZZ_BASE: &str = "/fuzz";

/// The files a fuzzed configuration may name (relative to [`FUZZ_BASE`]): a CA certificate,
/// a client certificate and its key, an action-signing public key, and one file that is not
/// PEM. Any other path is "not found".
pub const FUZZ_FILES: [&str; 5] = [
    "ca.pem",
    "client.pem",
    "client-key.pem",
    "action-key.pem",
    "garbage.pem",
];

/// Files served from memory.
#[derive(Debug, Default)]
pub struct MemoryFiles(BTreeMap<PathBuf, Vec<u8>>);

impl ConfigFiles for MemoryFiles {
    fn read(&self, path: &Path) -> io::Result<Vec<u8>> {
        self.0
            .get(path)
            .cloned()
            .ok_or_else(|| io::Error::from(io::ErrorKind::NotFound))
    }
}

/// The fuzzing files (made once per process: a fresh CA and client certificate, and the
/// Ed25519 public key of the published test seed `[1; 32]` that
/// `fleetwire_transport::internal` pins).
pub fn fuzz_files() -> &'static MemoryFiles {
    static FILES: OnceLock<MemoryFiles> = OnceLock::new();
    FILES.get_or_init(|| {
        use ed25519_dalek::pkcs8::EncodePublicKey as _;
        use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
        let mut files = BTreeMap::new();
        let base = Path::new(FUZZ_BASE);
        if let Ok(pki) = fleetwire_transport::server::pki::Pki::new("fleetwire fuzz CA") {
            files.insert(base.join("ca.pem"), pki.ca_pem().into_bytes());
            if let Ok(leaf) = pki.client("fuzz-agent") {
                files.insert(base.join("client.pem"), leaf.cert_pem.clone().into_bytes());
                files.insert(
                    base.join("client-key.pem"),
                    leaf.key_pem.as_bytes().to_vec(),
                );
            }
        }
        let key = ed25519_dalek::SigningKey::from_bytes(&[1; 32]);
        if let Ok(pem) = key.verifying_key().to_public_key_pem(LineEnding::LF) {
            files.insert(base.join("action-key.pem"), pem.into_bytes());
        }
        files.insert(base.join("garbage.pem"), b"-----BEGIN \xff".to_vec());
        MemoryFiles(files)
    })
}

/// Parses and validates `data` as an agent configuration (relative to [`FUZZ_BASE`], files
/// from [`fuzz_files`]); must never panic. Whatever validates keeps the configuration's
/// invariants (checked here); whatever fails names the key. Returns whether it validated.
pub fn fuzz_agent_config(data: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(data) else {
        return false;
    };
    match AgentConfig::parse_with(text, Path::new(FUZZ_BASE), fuzz_files()) {
        Ok(config) => {
            check(&config);
            true
        }
        Err(e) => {
            if let ConfigError::Invalid { key, reason } = &e {
                assert!(!key.is_empty() && !reason.is_empty(), "{e:?}");
            }
            assert!(!e.to_string().is_empty());
            false
        }
    }
}

/// The invariants of a validated configuration.
fn check(c: &AgentConfig) {
    let addrs = &c.targets.addrs;
    assert!(!addrs.is_empty() && addrs.len() <= MAX_TARGETS);
    let mut seen = HashSet::new();
    assert!(addrs.iter().all(|a| seen.insert(*a)), "duplicate targets");
    assert!(c.targets.concurrency >= 1 && !c.targets.timeout.is_zero());
    assert!(!c.credentials.is_empty());
    assert!(c.state_dir.is_absolute() && c.spool_dir.is_absolute());
    assert!(
        (1..=crate::agent::config::MAX_DEVICES_PER_PACKAGE).contains(&c.devices_per_package),
        "devices_per_package {}",
        c.devices_per_package
    );
    if c.locked_down() {
        assert!(!c.actions.may_poll_actions(), "Locked Down polls actions");
        assert!(ActionKind::ALL.iter().all(|k| !c.actions.allows(*k)));
    }
    if let Some(s) = &c.server {
        for url in [&s.upload_url, &s.actions_url, &s.results_url] {
            assert!(url.starts_with("https://"), "{url}");
            assert!(s.client.allowlist.check(url).is_ok(), "{url}");
        }
    }
}

/// Valid and near-valid configurations: the seed corpus in `fuzz/corpus/agent_config/` is
/// this list (the module documentation's example with the fuzzing files, the demo's
/// configuration, Locked Down, every credential kind, alerts, and a site).
pub fn agent_config_seeds() -> Vec<(&'static str, String)> {
    let min = "[targets]\nranges = [\"127.0.0.1/32:20000-20003\"]\n\n[[credentials]]\nversion = \"2c\"\ncommunity = \"public\"\n\n[agent]\nstate_dir = \"state\"\n";
    let server = "[server]\nurl = \"https://127.0.0.1:8443/rs\"\nca = \"ca.pem\"\nclient_cert = \"client.pem\"\nclient_key = \"client-key.pem\"\nuser = \"agent\"\npassword = \"s3cret-password\"\naction_keys = [{ id = \"fuzz-ed25519\", pem = \"action-key.pem\" }]\n";
    let v3 = "[[credentials]]\nversion = \"3\"\nuser = \"fleet\"\nauth = \"SHA-256\"\nauth_password = \"maplesyrup\"\nprivacy = \"AES\"\nprivacy_password = \"maplesyrup\"\n";
    let full = format!(
        "[targets]\nhosts = [\"192.0.2.10\", \"192.0.2.11:1161\", \"[::1]:16100\"]\nranges = [\"10.0.0.0/28\", \"127.0.0.1/31:20000-20001\"]\nport = 161\nexclude = [\"10.0.0.5\"]\ntimeout_ms = 1000\nretries = 1\nconcurrency = 64\n\n[[credentials]]\nversion = \"1\"\ncommunity = \"public\"\n\n{v3}\n[schedule]\ndaily_at = \"02:30\"\nidle_minutes = 10\ncatch_up = true\nsync_at_start = false\nshutdown_flush_secs = 5\n\n{server}allowlist = [\"https://127.0.0.1:8443/rs/\"]\n\n[agent]\nstate_dir = \"/var/lib/fleetwire\"\nspool_dir = \"spool\"\nsecurity_mode = \"normal\"\nproduction_models = [\"Press\", \"iGen\"]\ndevices_per_package = 500\n\n[consent]\nengineering_debug = true\ncustomer_jobs = false\n\n[actions]\nreboot = false\nupgrade = true\nprint_port = 9100\nmax_firmware_bytes = 1048576\n\n[site]\nid = \"S-1\"\ncompany = \"Example Ltd\"\naddress = [\"1 Main St\"]\ncity = \"Springfield\"\ncountry = \"US\"\ntime_zone = \"UTC\"\n\n[[alerts]]\nkind = \"log\"\n\n[[alerts]]\nkind = \"smtp\"\nrelay = \"127.0.0.1:2525\"\nfrom = \"fleetwire@example.com\"\nto = [\"keyop@example.com\"]\nstarttls = true\nca = \"ca.pem\"\n"
    );
    vec![
        ("minimal", min.to_owned()),
        ("full", full),
        (
            "locked-down",
            min.replace("[agent]\n", "[agent]\nsecurity_mode = \"locked-down\"\n"),
        ),
        ("v3-and-server", format!("{min}\n{v3}\n{server}")),
        (
            "token-proxy",
            format!(
                "{min}\n[server]\nurl = \"https://rs.example.com/fw\"\ntoken = \"s3cret-token\"\nproxy = \"http://127.0.0.1:3128\"\n"
            ),
        ),
        (
            "bad-ca",
            format!("{min}\n[server]\nurl = \"https://rs.example.com\"\nca = \"garbage.pem\"\n"),
        ),
        (
            "missing-key",
            format!(
                "{min}\n[server]\nurl = \"https://rs.example.com\"\nclient_cert = \"client.pem\"\nclient_key = \"nope.pem\"\n"
            ),
        ),
        (
            "no-targets",
            "[[credentials]]\nversion = \"2c\"\ncommunity = \"c\"\n[agent]\nstate_dir = \"s\"\n"
                .to_owned(),
        ),
        (
            "big-range",
            min.replace("127.0.0.1/32:20000-20003", "10.0.0.0/8:161-162"),
        ),
    ]
}
