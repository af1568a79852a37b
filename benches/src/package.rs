//! The agent payload package (a zip with one agent document and its manifest) that
//! `benches/payload.rs` builds and `benches/upload.rs` uploads: fleetwire-payload's whole path,
//! device records → build policy → XML → SHA-256 → deflate → zip + manifest.

use std::io::Cursor;

use fleetwire_payload::internal::{sample_agent, sample_device, sample_time};
use fleetwire_payload::package::add_agent_stream;
use fleetwire_payload::{BuildPolicy, DeviceRecord, PackageError, PackageWriter};

/// Packages `devices` as `agent.xml` (streamed: `add_agent_stream`), in memory.
pub fn agent_package(devices: &[DeviceRecord]) -> Result<Vec<u8>, PackageError> {
    let mut w = PackageWriter::new(Cursor::new(Vec::new()), sample_time());
    add_agent_stream(
        &mut w,
        "agent.xml",
        sample_time(),
        sample_agent(devices.len() as u64),
        devices,
        &BuildPolicy::default(),
    )?;
    Ok(w.finish()?.0.into_inner())
}

/// `count` sample devices (`fleetwire_payload::internal::sample_device`, numbered from 0).
pub fn sample_devices(count: u32) -> Vec<DeviceRecord> {
    (0..count).map(sample_device).collect()
}

/// The smallest package of sample devices that is at least `min_bytes` long (found by
/// doubling, then bisecting, the device count), with its device count.
pub fn agent_package_of_size(min_bytes: usize) -> Result<(Vec<u8>, u32), PackageError> {
    let build = |n: u32| agent_package(&sample_devices(n));
    let (mut lo, mut hi) = (0u32, 1u32);
    let mut best = build(hi)?;
    while best.len() < min_bytes && hi < 1 << 20 {
        lo = hi;
        hi *= 2;
        best = build(hi)?;
    }
    // Within 1/64 of the smallest: close enough for a size class, and a dozen builds at most.
    while hi - lo > (hi / 64).max(1) {
        let mid = lo + (hi - lo) / 2;
        let zip = build(mid)?;
        if zip.len() >= min_bytes {
            hi = mid;
            best = zip;
        } else {
            lo = mid;
        }
    }
    Ok((best, hi))
}
