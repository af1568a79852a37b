//! Side-by-side benchmarks of Fleetwire's SNMP codec and its peers.
//!
//! * [`fixtures`]: the four scenarios, wire bytes built deterministically by a
//!   tiny independent DER writer, plus their expected library-neutral contents.
//! * [`normalized`]: the library-neutral description and the [`normalized::Sink`]
//!   that adapters report into.
//! * [`peers`]: one adapter per peer library (async-snmp, rasn-snmp,
//!   snmp-parser, snmp2); [`fleetwire`]: ours (to be filled in).
//! * [`verify`]: checks that every library decodes (and, where it can,
//!   encodes) every fixture correctly before anything is timed, and decides
//!   which (library, scenario, operation) triples are benchmarked.
//! * [`usm`]: the SNMPv3 USM suite (password-to-key, authPriv receive and send
//!   paths) against async-snmp, with its own verification.
//!
//! * [`package`]: the agent payload package (zip) the payload and upload suites time.
//! * [`process`]: the release `fleetwire` binary and timed runs of command-line tools (the
//!   manager and upload suites compare our CLI with net-snmp's tools and curl).
//!
//! Binaries: `benches/codec.rs`, `usm.rs`, `responder.rs`, `manager.rs`, `payload.rs` and
//! `upload.rs` (criterion), `benches/allocs.rs` (allocation counts), `benches/agent_sync.rs`
//! (one whole agent sync), `src/bin/bench-report.rs` (markdown tables from their output);
//! `benches/run-all.sh` runs them all and writes the report.

#![forbid(unsafe_code)] // only benches/allocs.rs may use `unsafe` (see Cargo.toml)

pub mod fixtures;
pub mod fleetwire;
pub mod normalized;
pub mod package;
pub mod peers;
pub mod process;
pub mod usm;
pub mod verify;

use fixtures::Fixture;
use normalized::{Decoded, DigestSink};

/// Why a library could not do something.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PeerError {
    /// The library cannot represent this scenario or has no API for it.
    Unsupported(String),
    /// The library returned an error or wrong data.
    Failed(String),
    /// The adapter has not been written yet (fleetwire, until wired).
    Pending(String),
}

impl std::fmt::Display for PeerError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PeerError::Unsupported(s) => write!(f, "unsupported: {s}"),
            PeerError::Failed(s) => write!(f, "failed: {s}"),
            PeerError::Pending(s) => write!(f, "pending: {s}"),
        }
    }
}

impl std::error::Error for PeerError {}

/// A library's native message, built ahead of time, ready to be encoded.
pub trait PreparedEncode: std::fmt::Debug {
    /// Encodes the message with the library's usual API and returns the
    /// encoded length (this is what the encode benchmarks time).
    fn encode_len(&mut self) -> Result<usize, PeerError>;
    /// Encodes the message and returns the bytes (verification).
    fn encode_vec(&mut self) -> Result<Vec<u8>, PeerError>;
}

/// The libraries compared.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LibraryId {
    /// Our own `fleetwire-snmp`.
    Fleetwire,
    /// async-snmp 0.18.
    AsyncSnmp,
    /// rasn-snmp 0.30.
    RasnSnmp,
    /// snmp-parser 0.11.
    SnmpParser,
    /// snmp2 0.5.
    Snmp2,
}

/// Signature of a timed decode: full decode + walk, folded to a digest.
pub type DigestFn = fn(&Fixture) -> Result<u64, PeerError>;

fn digest_with(
    fixture: &Fixture,
    decode: fn(&Fixture, &mut DigestSink) -> Result<(), PeerError>,
) -> Result<u64, PeerError> {
    let mut sink = DigestSink::default();
    decode(fixture, &mut sink)?;
    sink.finish().map_err(PeerError::Failed)
}

impl LibraryId {
    /// All libraries, in report order (ours first).
    pub const ALL: [LibraryId; 5] = [
        LibraryId::Fleetwire,
        LibraryId::AsyncSnmp,
        LibraryId::RasnSnmp,
        LibraryId::SnmpParser,
        LibraryId::Snmp2,
    ];

    /// Name used as the criterion function id and in reports.
    pub fn name(self) -> &'static str {
        match self {
            LibraryId::Fleetwire => "fleetwire",
            LibraryId::AsyncSnmp => "async-snmp",
            LibraryId::RasnSnmp => "rasn-snmp",
            LibraryId::SnmpParser => "snmp-parser",
            LibraryId::Snmp2 => "snmp2",
        }
    }

    /// Looks a library up by [`LibraryId::name`].
    pub fn from_name(name: &str) -> Option<LibraryId> {
        Self::ALL.into_iter().find(|l| l.name() == name)
    }

    /// Full decode, materialized (verification).
    pub fn decode(self, fixture: &Fixture) -> Result<Decoded, PeerError> {
        match self {
            LibraryId::Fleetwire => fleetwire::decode_fleetwire(fixture),
            LibraryId::AsyncSnmp => peers::async_snmp::decode_async_snmp(fixture),
            LibraryId::RasnSnmp => peers::rasn::decode_rasn(fixture),
            LibraryId::SnmpParser => peers::snmp_parser::decode_snmp_parser(fixture),
            LibraryId::Snmp2 => peers::snmp2::decode_snmp2(fixture),
        }
    }

    /// The timed decode: same adapter as [`LibraryId::decode`], digest sink.
    /// Returned as a plain `fn` so the benchmark loop calls it directly.
    pub fn digest_fn(self) -> DigestFn {
        match self {
            LibraryId::Fleetwire => |f| digest_with(f, fleetwire::decode::<DigestSink>),
            LibraryId::AsyncSnmp => |f| digest_with(f, peers::async_snmp::decode::<DigestSink>),
            LibraryId::RasnSnmp => |f| digest_with(f, peers::rasn::decode::<DigestSink>),
            LibraryId::SnmpParser => |f| digest_with(f, peers::snmp_parser::decode::<DigestSink>),
            LibraryId::Snmp2 => |f| digest_with(f, peers::snmp2::decode::<DigestSink>),
        }
    }

    /// Builds this library's native message for `fixture` (untimed).
    pub fn prepare_encode(self, fixture: &Fixture) -> Result<Box<dyn PreparedEncode>, PeerError> {
        match self {
            LibraryId::Fleetwire => fleetwire::prepare_encode(fixture),
            LibraryId::AsyncSnmp => peers::async_snmp::prepare_encode(fixture),
            LibraryId::RasnSnmp => peers::rasn::prepare_encode(fixture),
            LibraryId::SnmpParser => Err(PeerError::Unsupported(
                "snmp-parser is a parser only (no encoder)".into(),
            )),
            LibraryId::Snmp2 => peers::snmp2::prepare_encode(fixture),
        }
    }

    /// A caveat to print under the report tables, if any.
    pub fn note(self, op: verify::Op) -> Option<&'static str> {
        match (self, op) {
            (LibraryId::Snmp2, verify::Op::Encode) => Some(
                "snmp2 has no public encoder from values; encode/snmp2 times `Pdu::to_bytes()` re-encoding an already parsed Pdu (re-parses the raw varbinds, writes into a zeroed 64 KiB stack buffer, copies out).",
            ),
            (LibraryId::AsyncSnmp, verify::Op::Decode) => Some(
                "async-snmp decodes from `Bytes` (a refcount-bump clone of a frozen buffer, no copy) with `DecodeConfig::DEFAULT`; for v3 the USM parameters are decoded a second time by the adapter since the message keeps them raw.",
            ),
            _ => None,
        }
    }
}

/// Criterion's output directory, found the way criterion finds it:
/// `$CRITERION_HOME`, else `$CARGO_TARGET_DIR/criterion`, else the target
/// directory reported by `$CARGO metadata` joined with `criterion`; then, when
/// not run by cargo, the target directory holding the running executable
/// (recognized by the `CACHEDIR.TAG` cargo writes there), else
/// `./target/criterion`.
pub fn criterion_home() -> std::path::PathBuf {
    use std::path::PathBuf;
    if let Some(home) = std::env::var_os("CRITERION_HOME") {
        return PathBuf::from(home);
    }
    if let Some(target) = std::env::var_os("CARGO_TARGET_DIR") {
        return PathBuf::from(target).join("criterion");
    }
    // What criterion itself asks: `cargo metadata`'s target directory.
    if let Some(cargo) = std::env::var_os("CARGO")
        && let Ok(out) = std::process::Command::new(cargo)
            .args(["metadata", "--format-version", "1", "--no-deps"])
            .stderr(std::process::Stdio::null())
            .output()
        && out.status.success()
        && let Ok(meta) = serde_json::from_slice::<serde_json::Value>(&out.stdout)
        && let Some(target) = meta.get("target_directory").and_then(|t| t.as_str())
    {
        return PathBuf::from(target).join("criterion");
    }
    if let Ok(exe) = std::env::current_exe()
        && let Some(target) = exe
            .ancestors()
            .skip(1)
            .find(|dir| dir.join("CACHEDIR.TAG").is_file())
    {
        return target.join("criterion");
    }
    PathBuf::from("target/criterion")
}

/// File (under [`criterion_home`]) where the benches store the verification
/// matrix for `bench-report`.
pub const SUPPORT_FILE: &str = "fleetwire-support.json";

/// File (under [`criterion_home`]) where the allocation bench stores its counts.
pub const ALLOCS_FILE: &str = "fleetwire-allocs.json";

/// File (under [`criterion_home`]) where `benches/agent_sync.rs` stores its figures.
pub const AGENT_SYNC_FILE: &str = "fleetwire-agent-sync.json";

/// File (under [`criterion_home`]) where `benches/payload.rs` stores its sizes and peak heap.
pub const PAYLOAD_FILE: &str = "fleetwire-payload.json";

/// Writes `value` as pretty JSON to `name` under [`criterion_home`] (created if needed), where
/// `bench-report` reads it; returns the path written.
pub fn write_result_file(
    name: &str,
    value: &serde_json::Value,
) -> Result<std::path::PathBuf, String> {
    let dir = criterion_home();
    let path = dir.join(name);
    let fail = |e: &dyn std::fmt::Display| format!("writing {}: {e}", path.display());
    std::fs::create_dir_all(&dir).map_err(|e| fail(&e))?;
    let json = serde_json::to_string_pretty(value).map_err(|e| fail(&e))?;
    std::fs::write(&path, json).map_err(|e| fail(&e))?;
    Ok(path)
}
