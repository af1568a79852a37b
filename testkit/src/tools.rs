//! Finding peer binaries and running net-snmp's command-line tools.

use std::ffi::OsStr;
use std::io::Read;
use std::os::unix::fs::PermissionsExt;
use std::os::unix::process::ExitStatusExt;
use std::path::{Path, PathBuf};
use std::process::{Command, ExitStatus, Output, Stdio};
use std::time::{Duration, Instant};

use crate::fail::fatal;

/// Timeout used by [`run_tool`] and the `snmp*` helpers.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(30);

/// Directories searched after `$PATH`: the daemons live in `/usr/sbin`, which
/// is not on an ordinary user's `PATH`.
const SBIN_DIRS: &[&str] = &["/usr/local/sbin", "/usr/sbin", "/sbin"];

/// The full path of the executable `name`, searched on `$PATH` and then in
/// `/usr/local/sbin`, `/usr/sbin` and `/sbin`.
pub fn find_tool(name: &str) -> Option<PathBuf> {
    if name.contains('/') {
        let p = PathBuf::from(name);
        return is_executable(&p).then_some(p);
    }
    let path = std::env::var_os("PATH").unwrap_or_default();
    std::env::split_paths(&path)
        .chain(SBIN_DIRS.iter().map(PathBuf::from))
        .map(|dir| dir.join(name))
        .find(|p| is_executable(p))
}

fn is_executable(p: &Path) -> bool {
    std::fs::metadata(p).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
}

/// Whether the peer binary `name` is installed; the gate at the top of every
/// test that needs it.
///
/// * Installed: returns `true`.
/// * Missing and the environment variable `CI` is set to a non-empty value:
///   **panics** — CI must install every peer (`.ci/install-peers`), and a
///   silently skipped interoperability test would hide that.
/// * Missing otherwise: prints a loud
///   `SKIPPED: <tool> not installed; run .ci/install-peers` line to stderr and
///   returns `false`, so the test can `return` early.
///
/// Binaries and their Debian packages: `snmpd` (snmpd), `snmpget`,
/// `snmpbulkwalk`, `snmptrap`, `snmpinform`, `snmpset` (snmp), `snmptrapd`
/// (snmptrapd), `tshark` (tshark), `xmllint` (libxml2-utils).
#[track_caller]
pub fn require_tool(name: &str) -> bool {
    if find_tool(name).is_some() {
        return true;
    }
    if std::env::var_os("CI").is_some_and(|v| !v.is_empty()) {
        fatal(format!(
            "required tool `{name}` is not installed, and CI is set: CI must install it \
             (run .ci/install-peers, which apt-installs snmpd snmp snmptrapd tshark libxml2-utils)"
        ));
    }
    eprintln!(
        "\n==================================================================\n\
         SKIPPED: {name} not installed; run .ci/install-peers\n\
         ==================================================================\n"
    );
    false
}

/// [`require_tool`] for several tools; reports every missing one (locally)
/// and returns `true` only if all are installed.
#[track_caller]
pub fn require_tools(names: &[&str]) -> bool {
    // Check every tool (no short-circuit), so all missing ones are reported.
    let found: Vec<bool> = names.iter().map(|n| require_tool(n)).collect();
    found.iter().all(|ok| *ok)
}

/// Runs `cmd args…` with [`DEFAULT_TOOL_TIMEOUT`]; see [`run_tool_with_timeout`].
#[track_caller]
pub fn run_tool<S: AsRef<OsStr>>(cmd: &str, args: &[S]) -> Output {
    run_tool_with_timeout(cmd, args, DEFAULT_TOOL_TIMEOUT)
}

/// Runs `cmd args…`, collecting stdout and stderr, and kills it when it has
/// not finished after `timeout`.
///
/// The command is looked up with [`find_tool`]. It runs with stdin closed and
/// an isolated net-snmp environment, so that no system or user configuration
/// changes what the tools send or print:
///
/// * `SNMPCONFPATH` = an empty private directory (no `/etc/snmp/snmp.conf`, no
///   `~/.snmp`),
/// * `SNMP_PERSISTENT_DIR` = a private directory (nothing written to
///   `/var/lib/snmp`),
/// * `MIBS` = empty and `MIBDIRS=/nonexistent` (no MIBs, so `-On` output is
///   purely numeric and there are no MIB warnings). Command-line `-m`/`-M`
///   still override these.
///
/// On timeout the child is SIGKILLed; the returned status then reports signal
/// 9 and stderr ends with a line `[fleetwire-testkit] TIMEOUT after …`.
/// Panics only if the command cannot be started at all.
#[track_caller]
pub fn run_tool_with_timeout<S: AsRef<OsStr>>(cmd: &str, args: &[S], timeout: Duration) -> Output {
    let program = find_tool(cmd).unwrap_or_else(|| PathBuf::from(cmd));
    let dir = tempfile::Builder::new()
        .prefix("fleetwire-tool-")
        .tempdir()
        .unwrap_or_else(|e| fatal(format!("cannot create a temp dir for {cmd}: {e}")));
    let confdir = dir.path().join("conf");
    let persist = dir.path().join("persist");
    for d in [&confdir, &persist] {
        if let Err(e) = std::fs::create_dir_all(d) {
            fatal(format!("cannot create {}: {e}", d.display()));
        }
    }
    let mut command = Command::new(&program);
    command
        .args(args)
        .env("SNMPCONFPATH", &confdir)
        .env("SNMP_PERSISTENT_DIR", &persist)
        .env("MIBS", "")
        .env("MIBDIRS", "/nonexistent")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command
        .spawn()
        .unwrap_or_else(|e| fatal(format!("cannot start {}: {e}", program.display())));
    let out_reader = child.stdout.take().map(spawn_reader);
    let err_reader = child.stderr.take().map(spawn_reader);

    let deadline = Instant::now() + timeout;
    let mut timed_out = false;
    let status: ExitStatus = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() >= deadline => {
                timed_out = true;
                let _ = child.kill();
                break child.wait().unwrap_or_else(|_| ExitStatus::from_raw(9));
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(5)),
            Err(e) => fatal(format!("waiting for {cmd} failed: {e}")),
        }
    };
    let stdout = out_reader.map(join_reader).unwrap_or_default();
    let mut stderr = err_reader.map(join_reader).unwrap_or_default();
    if timed_out {
        stderr.extend_from_slice(
            format!("\n[fleetwire-testkit] TIMEOUT after {timeout:?}: {cmd} was killed\n")
                .as_bytes(),
        );
    }
    Output {
        status,
        stdout,
        stderr,
    }
}

fn spawn_reader<R: Read + Send + 'static>(mut r: R) -> std::thread::JoinHandle<Vec<u8>> {
    std::thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = r.read_to_end(&mut buf);
        buf
    })
}

fn join_reader(h: std::thread::JoinHandle<Vec<u8>>) -> Vec<u8> {
    h.join().unwrap_or_default()
}

/// `snmpget args…` via [`run_tool`].
#[track_caller]
pub fn snmpget<S: AsRef<OsStr>>(args: &[S]) -> Output {
    run_tool("snmpget", args)
}

/// `snmpgetnext args…` via [`run_tool`].
#[track_caller]
pub fn snmpgetnext<S: AsRef<OsStr>>(args: &[S]) -> Output {
    run_tool("snmpgetnext", args)
}

/// `snmpbulkwalk args…` via [`run_tool`].
#[track_caller]
pub fn snmpbulkwalk<S: AsRef<OsStr>>(args: &[S]) -> Output {
    run_tool("snmpbulkwalk", args)
}

/// `snmpwalk args…` via [`run_tool`].
#[track_caller]
pub fn snmpwalk<S: AsRef<OsStr>>(args: &[S]) -> Output {
    run_tool("snmpwalk", args)
}

/// `snmpset args…` via [`run_tool`].
#[track_caller]
pub fn snmpset<S: AsRef<OsStr>>(args: &[S]) -> Output {
    run_tool("snmpset", args)
}

/// `snmptrap args…` via [`run_tool`] (for example
/// `["-v2c", "-c", "public", &sink.target(), "", "1.3.6.1.4.1.99999.0.1"]`).
#[track_caller]
pub fn snmptrap<S: AsRef<OsStr>>(args: &[S]) -> Output {
    run_tool("snmptrap", args)
}

/// `snmpinform args…` via [`run_tool`] (`snmpinform` waits for the
/// acknowledgement; against a [`crate::UdpSink`] it times out after its own
/// retries).
#[track_caller]
pub fn snmpinform<S: AsRef<OsStr>>(args: &[S]) -> Output {
    run_tool("snmpinform", args)
}

/// The tool's stdout as (lossy) UTF-8.
pub fn stdout_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// The tool's stderr as (lossy) UTF-8.
pub fn stderr_text(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}
