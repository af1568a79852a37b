//! A private snmpsim (`snmpsimd`) serving `.snmprec` recordings on loopback.

use std::net::{Ipv4Addr, SocketAddr};
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::fail::{fatal, log_tail};
use crate::ports::free_udp_port;
use crate::process::Daemon;
use crate::snmpd::answered;
use crate::tools::{find_tool, run_tool_with_timeout, stderr_text};

/// How many fresh ports to try when the simulator cannot bind its endpoint.
const PORT_ATTEMPTS: usize = 3;

/// How long snmpsimd gets to index its recordings and answer (it is Python:
/// ~1–2 s on these machines).
const STARTUP_TIMEOUT: Duration = Duration::from_secs(20);

/// A running snmpsim 0.4.5 `snmpsimd` serving copies of some `.snmprec` files on
/// `udp:127.0.0.1:PORT`, SNMPv1/v2c only (`--v2c-arch`). As with snmpsim, the
/// community selects the recording: it is the file's basename
/// (`office_mono_printer.snmprec` → community `office_mono_printer`).
/// Stopped (SIGTERM, then SIGKILL after 3 s; always reaped) when dropped; its temp
/// dir is removed then too.
///
/// It runs as
/// `snmpsimd --data-dir=DIR/data --cache-dir=DIR/cache
/// --agent-udpv4-endpoint=127.0.0.1:PORT --v2c-arch --process-user=nobody
/// --process-group=nogroup --logging-method=file:DIR/snmpsimd.log`. As root the
/// process-user/group flags are required (it drops privileges before serving, and
/// then reads the data and writes its index as `nobody`), so the private directory
/// is made world-readable and the cache directory world-writable; as any other user
/// snmpsimd ignores them.
///
/// ```no_run
/// use fleetwire_testkit::{Snmpsimd, require_tools, snmpwalk};
/// if !require_tools(&["snmpsimd", "snmpwalk"]) {
///     return;
/// }
/// let sim = Snmpsimd::start(&["agent/fixtures/recordings/office_mono_printer.snmprec"]);
/// let out = snmpwalk(&["-v2c", "-c", "office_mono_printer", "-On", &sim.target(), "1.3.6.1.2.1.1"]);
/// assert!(out.status.success());
/// ```
#[derive(Debug)]
pub struct Snmpsimd {
    port: u16,
    daemon: Daemon,
    communities: Vec<String>,
    dir: TempDir,
}

impl Snmpsimd {
    /// Copies the recordings into a private data directory, starts snmpsimd and
    /// waits until it answers a GET with the first recording's community; panics
    /// (with the tail of its log) if it does not.
    #[track_caller]
    pub fn start<P: AsRef<Path>>(recordings: &[P]) -> Snmpsimd {
        let Some(program) = find_tool("snmpsimd") else {
            fatal("snmpsimd is not installed (gate the test with require_tool(\"snmpsimd\"))");
        };
        if recordings.is_empty() {
            fatal("Snmpsimd::start needs at least one recording");
        }
        let mut last_log = String::new();
        for _ in 0..PORT_ATTEMPTS {
            match Self::try_start(&program, recordings) {
                Ok(sim) => return sim,
                Err(Some(log)) => last_log = log,
                Err(None) => {}
            }
        }
        fatal(format!(
            "snmpsimd did not start on {PORT_ATTEMPTS} fresh ports; last log:\n{last_log}"
        ))
    }

    /// `Err(Some(log))`: this attempt failed (maybe a port race); try again.
    fn try_start<P: AsRef<Path>>(
        program: &Path,
        recordings: &[P],
    ) -> Result<Snmpsimd, Option<String>> {
        let dir = tempfile::Builder::new()
            .prefix("fleetwire-snmpsimd-")
            .tempdir()
            .unwrap_or_else(|e| fatal(format!("cannot create temp dir: {e}")));
        let data = dir.path().join("data");
        let cache = dir.path().join("cache");
        let mut communities = Vec::new();
        let prepared = (|| -> std::io::Result<()> {
            std::fs::create_dir_all(&data)?;
            std::fs::create_dir_all(&cache)?;
            for src in recordings {
                let src = src.as_ref();
                let name = src.file_name().ok_or_else(|| {
                    std::io::Error::other(format!("{}: no file name", src.display()))
                })?;
                let dst = data.join(name);
                std::fs::copy(src, &dst)?;
                std::fs::set_permissions(&dst, std::fs::Permissions::from_mode(0o644))?;
                if let Some(stem) = Path::new(name).file_stem() {
                    communities.push(stem.to_string_lossy().into_owned());
                }
            }
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o755))?;
            std::fs::set_permissions(&data, std::fs::Permissions::from_mode(0o755))?;
            std::fs::set_permissions(&cache, std::fs::Permissions::from_mode(0o777))?;
            Ok(())
        })();
        if let Err(e) = prepared {
            fatal(format!("cannot prepare snmpsimd data dir: {e}"));
        }
        let port = free_udp_port();
        let log = dir.path().join("snmpsimd.log");
        // snmpsimd opens its own log file (as `nobody` when started as root);
        // its stdout/stderr (start-up tracebacks) go to a second file.
        let console = dir.path().join("snmpsimd.console");
        let mut cmd = Command::new(program);
        cmd.arg(format!("--data-dir={}", data.display()))
            .arg(format!("--cache-dir={}", cache.display()))
            .arg(format!("--agent-udpv4-endpoint=127.0.0.1:{port}"))
            .arg("--v2c-arch")
            .arg("--process-user=nobody")
            .arg("--process-group=nogroup")
            .arg(format!("--logging-method=file:{}", log.display()));
        let daemon = Daemon::spawn(cmd, &console)
            .unwrap_or_else(|e| fatal(format!("cannot start snmpsimd: {e}")));
        let mut sim = Snmpsimd {
            port,
            daemon,
            communities,
            dir,
        };
        sim.wait_ready()?;
        Ok(sim)
    }

    fn wait_ready(&mut self) -> Result<(), Option<String>> {
        let deadline = Instant::now() + STARTUP_TIMEOUT;
        let target = self.target();
        let community = self.communities.first().cloned().unwrap_or_default();
        loop {
            if let Some(status) = self.daemon.exited() {
                let tail = self.log_tail();
                if tail.contains("Address already in use") {
                    return Err(Some(tail));
                }
                fatal(format!(
                    "snmpsimd exited during start-up ({status}); log tail:\n{tail}"
                ));
            }
            let args = [
                "-v2c",
                "-c",
                &community,
                "-t",
                "0.3",
                "-r",
                "0",
                "-On",
                &target,
                "1.3.6.1.2.1.1.1.0",
            ];
            let out = run_tool_with_timeout("snmpget", &args, Duration::from_secs(5));
            if answered(&out) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                fatal(format!(
                    "snmpsimd on {target} did not answer within {STARTUP_TIMEOUT:?} (last poll: {}); \
                     log tail:\n{}",
                    stderr_text(&out).trim(),
                    self.log_tail()
                ));
            }
            std::thread::sleep(Duration::from_millis(100));
        }
    }

    fn log_tail(&self) -> String {
        format!(
            "{}\n{}",
            log_tail(self.daemon.log_path(), 20),
            log_tail(&self.log_path(), 20)
        )
    }

    /// The UDP port on `127.0.0.1`.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The target in net-snmp tool syntax: `127.0.0.1:PORT`.
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The communities served: one per recording, its file basename.
    pub fn communities(&self) -> &[String] {
        &self.communities
    }

    /// The simulator's PID.
    pub fn pid(&self) -> u32 {
        self.daemon.pid()
    }

    /// The private directory (data, cache, logs).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// snmpsimd's own log file (one line per request and response).
    pub fn log_path(&self) -> PathBuf {
        self.dir.path().join("snmpsimd.log")
    }

    /// Stops the simulator now (as dropping does) and returns its log.
    pub fn stop(mut self) -> String {
        self.daemon.stop();
        std::fs::read(self.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }
}
