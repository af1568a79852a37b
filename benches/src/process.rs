//! Command-line tools as benchmark subjects: the release `fleetwire` binary, and one timed run
//! of a program with its output discarded (the manager suite's `fleetwire bulkwalk` vs
//! `snmpbulkwalk`, the upload suite's `fleetwire upload flush` vs `curl`).

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// The `fleetwire` binary next to the running bench executable (`target/release/deps/X` →
/// `target/release/fleetwire`), built with `cargo build --release -p fleetwire` first when it
/// is missing.
pub fn fleetwire_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current executable: {e}"))?;
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .ok_or_else(|| format!("{} is not under a target directory", exe.display()))?;
    let bin = dir.join("fleetwire");
    if !bin.exists() {
        let status = Command::new(env!("CARGO"))
            .args([
                "build",
                "--release",
                "-p",
                "fleetwire",
                "--bin",
                "fleetwire",
            ])
            .status()
            .map_err(|e| format!("running cargo build: {e}"))?;
        if !status.success() || !bin.exists() {
            return Err(format!("building {} failed ({status})", bin.display()));
        }
    }
    Ok(bin)
}

/// Runs `command` with stdout and stderr discarded; its wall time, or an error when it could
/// not start or exited unsuccessfully.
pub fn run_timed(command: &mut Command) -> Result<Duration, String> {
    let started = Instant::now();
    let status = command
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map_err(|e| format!("{command:?}: {e}"))?;
    let took = started.elapsed();
    if !status.success() {
        return Err(format!("{command:?}: {status}"));
    }
    Ok(took)
}
