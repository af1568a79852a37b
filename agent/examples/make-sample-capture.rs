//! Regenerates the bundled capture `agent/examples/data/printer-session.pcap` from
//! [`fleetwire::sample`], or writes it to the path given as the first argument.
//!
//! ```text
//! cargo run -p fleetwire --example make-sample-capture [-- OUTPUT.pcap]
//! ```

use std::path::{Path, PathBuf};
use std::process::ExitCode;

fn main() -> ExitCode {
    let path = std::env::args_os().nth(1).map_or_else(
        || Path::new(env!("CARGO_MANIFEST_DIR")).join(fleetwire::sample::PRINTER_SESSION_PATH),
        PathBuf::from,
    );
    let bytes = match fleetwire::sample::printer_session_pcap() {
        Ok(bytes) => bytes,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    if let Err(e) = std::fs::write(&path, &bytes) {
        eprintln!("error: cannot write {}: {e}", path.display());
        return ExitCode::FAILURE;
    }
    println!("wrote {} ({} bytes)", path.display(), bytes.len());
    ExitCode::SUCCESS
}
