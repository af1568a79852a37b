//! Peak memory of one build of the 2,000-device agent payload package, in a fresh process:
//! prints one JSON line `{"devices", "xml_bytes", "zip_bytes", "baseline_kib", "peak_kib"}`
//! (resident set high-water marks from `/proc/self/status`, Linux only; `null` elsewhere).
//!
//! The package is written to a temporary file, so the only payload bytes in memory are the
//! ones the streaming writer holds: the peak over the baseline is what a build costs.

use std::error::Error;
use std::fs::File;
use std::io::BufWriter;

use fleetwire_benches::payload::{FLEET, write_agent_package};

/// `VmHWM` of this process in KiB.
fn high_water_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    line.split_whitespace().nth(1)?.parse().ok()
}

fn main() -> Result<(), Box<dyn Error>> {
    let devices = std::env::args()
        .nth(1)
        .map(|n| n.parse::<u32>())
        .transpose()?
        .unwrap_or(FLEET);
    let dir = std::env::temp_dir().join(format!("fleetwire-payload-peak-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("agent.zip");
    let baseline = high_water_kib();
    let (out, xml_bytes) = write_agent_package(BufWriter::new(File::create(&path)?), devices)?;
    out.into_inner().map_err(|e| e.into_error())?.sync_all()?;
    let peak = high_water_kib();
    let zip_bytes = std::fs::metadata(&path)?.len();
    std::fs::remove_dir_all(&dir)?;
    println!(
        "{}",
        serde_json::json!({
            "devices": devices,
            "xml_bytes": xml_bytes,
            "zip_bytes": zip_bytes,
            "baseline_kib": baseline,
            "peak_kib": peak,
        })
    );
    Ok(())
}
