//! The payload packaging benchmark's workload (issue 6): a device-management (agent) payload
//! for a fleet of devices, built, serialised and zipped in one stream, exactly as
//! `fleetwire payload build --kind agent` and the agent do it.
//!
//! Used by `benches/payload.rs` (throughput against flate2's raw deflate of the same XML)
//! and `src/bin/payload-peak.rs` (peak memory of one build in a fresh process).

use std::io::{Cursor, Seek, Write};

use fleetwire_payload::internal::{sample_agent, sample_device, sample_time};
use fleetwire_payload::package::add_agent_stream;
use fleetwire_payload::{BuildPolicy, Limits, PackageError, PackageReader, PackageWriter};

/// The fleet size of the benchmark: Xerox Device Agent's documented fleet.
pub const FLEET: u32 = 2_000;

/// The entry name of the agent payload in the package.
pub const ENTRY: &str = "agent.xml";

/// Builds `devices` sample device records one at a time and streams them as one agent
/// payload into a zip package written to `out`; returns the writer and the XML size.
pub fn write_agent_package<W: Write + Seek>(
    out: W,
    devices: u32,
) -> Result<(W, u64), PackageError> {
    let generated = sample_time();
    let mut package = PackageWriter::new(out, generated);
    let entry = add_agent_stream(
        &mut package,
        ENTRY,
        generated,
        sample_agent(u64::from(devices)),
        (0..devices).map(sample_device),
        &BuildPolicy::default(),
    )?;
    let (out, _manifest) = package.finish()?;
    Ok((out, entry.size))
}

/// The uncompressed XML of the benchmark's payload, read back from a package (the bytes the
/// flate2 baseline compresses).
pub fn agent_xml(devices: u32) -> Result<Vec<u8>, PackageError> {
    let (zip, _) = write_agent_package(Cursor::new(Vec::new()), devices)?;
    let mut reader = PackageReader::open(Cursor::new(zip.into_inner()), Limits::default())?;
    reader.read_entry(ENTRY)
}
