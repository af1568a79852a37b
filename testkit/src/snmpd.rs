//! A private net-snmp agent (`snmpd`) on loopback.

use std::net::{Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::fail::{fatal, log_tail};
use crate::ports::{free_udp_port, ipv6_loopback_available};
use crate::process::Daemon;
use crate::tools::{find_tool, run_tool_with_timeout, stderr_text};
use crate::usm::{SecurityLevel, UsmUser};

/// How many fresh ports to try when the agent cannot open its endpoint.
const PORT_ATTEMPTS: usize = 3;

/// Builder for [`Snmpd`]; see [`Snmpd::builder`].
#[derive(Debug, Clone)]
pub struct SnmpdBuilder {
    ro_communities: Vec<String>,
    rw_communities: Vec<String>,
    engine_id: Option<String>,
    users: Vec<UsmUser>,
    access: Vec<(bool, String, SecurityLevel)>,
    extra: Vec<String>,
    ipv6: bool,
    startup_timeout: Duration,
}

/// A running net-snmp `snmpd` with a private configuration, listening on
/// `udp:127.0.0.1:PORT` (and `udp6:[::1]:PORT` when the machine has an IPv6
/// loopback). Stopped (SIGTERM, then SIGKILL after 3 s; always reaped) when
/// dropped; its temp dir is removed then too.
/// (Drop also runs when a test panics. Only if the test process itself is
/// SIGKILLed does the agent outlive it: `#![forbid(unsafe_code)]` rules out a
/// `pre_exec` parent-death signal.)
///
/// It runs as
/// `snmpd -f -Lo -C -c DIR/snmpd.conf -p DIR/snmpd.pid -m '' -M /nonexistent`
/// with `SNMP_PERSISTENT_DIR=DIR/persist`, stdout and stderr going to
/// `DIR/snmpd.log`: in the foreground, with no system configuration and no
/// MIBs (Debian ships none; without `-m '' -M /nonexistent` it prints
/// hundreds of MIB errors). The listen address is only in the config file:
/// giving it on the command line as well fails with "Error opening specified
/// endpoint".
///
/// Start-up is complete when the agent answers a poll
/// (`snmpget -v2c -c COMMUNITY -t 0.2 -r 0 127.0.0.1:PORT 1.3.6.1.2.1.1.1.0`
/// with the first configured community; without one, a v3 get as the first
/// user with read access; without that, a v3 noAuthNoPriv get as an unknown
/// user, whose `unknownUserName` report also proves the agent is up). The
/// default overall deadline is 10 s; snmpd is normally ready in 0.1–0.6 s.
///
/// ```no_run
/// use fleetwire_testkit::{AuthProtocol, PrivProtocol, SecurityLevel, Snmpd, UsmUser};
/// let alice = UsmUser::new("alice")
///     .auth(AuthProtocol::Sha256, "authpass123")
///     .privacy(PrivProtocol::Aes128, "privpass123");
/// let agent = Snmpd::builder()
///     .ro_community("public")
///     .rw_community("private")
///     .engine_id("fleetwire-test")
///     .user(alice)
///     .ro_user("alice", SecurityLevel::AuthPriv)
///     .config_line("sysLocation Lab 1")
///     .start();
/// println!("agent on {}", agent.target());
/// ```
#[derive(Debug)]
pub struct Snmpd {
    port: u16,
    ipv6: bool,
    engine_id: Option<String>,
    daemon: Daemon,
    config: String,
    // Last field: removed after the daemon has been stopped.
    dir: TempDir,
}

impl Default for SnmpdBuilder {
    fn default() -> Self {
        Self {
            ro_communities: Vec::new(),
            rw_communities: Vec::new(),
            engine_id: None,
            users: Vec::new(),
            access: Vec::new(),
            extra: Vec::new(),
            ipv6: ipv6_loopback_available(),
            startup_timeout: Duration::from_secs(10),
        }
    }
}

impl SnmpdBuilder {
    /// A read-only community for `127.0.0.1` (and `::1`):
    /// `rocommunity NAME 127.0.0.1` + `rocommunity6 NAME ::1`.
    #[must_use]
    pub fn ro_community(mut self, name: &str) -> Self {
        self.ro_communities.push(name.to_owned());
        self
    }

    /// A read-write community for `127.0.0.1` (and `::1`):
    /// `rwcommunity NAME 127.0.0.1` + `rwcommunity6 NAME ::1`.
    #[must_use]
    pub fn rw_community(mut self, name: &str) -> Self {
        self.rw_communities.push(name.to_owned());
        self
    }

    /// The agent's engine ID as text (`engineID TEXT`); the resulting engine
    /// ID is [`crate::text_engine_id_hex`]`(TEXT)`. Without it, net-snmp
    /// derives one from the host and stores it in the persistent dir.
    #[must_use]
    pub fn engine_id(mut self, text: &str) -> Self {
        self.engine_id = Some(text.to_owned());
        self
    }

    /// A USM user (`createUser …`). Give it access with
    /// [`SnmpdBuilder::ro_user`] or [`SnmpdBuilder::rw_user`].
    #[must_use]
    pub fn user(mut self, user: UsmUser) -> Self {
        self.users.push(user);
        self
    }

    /// Read-only access for a user at a minimum level (`rouser NAME LEVEL`).
    /// Note: a user listed under both `rouser` and `rwuser` gets only the
    /// first line's access; use a separate user for SET tests.
    #[must_use]
    pub fn ro_user(mut self, name: &str, min_level: SecurityLevel) -> Self {
        self.access.push((false, name.to_owned(), min_level));
        self
    }

    /// Read-write access for a user at a minimum level (`rwuser NAME LEVEL`).
    #[must_use]
    pub fn rw_user(mut self, name: &str, min_level: SecurityLevel) -> Self {
        self.access.push((true, name.to_owned(), min_level));
        self
    }

    /// Any further snmpd.conf line, written verbatim after the generated ones.
    #[must_use]
    pub fn config_line(mut self, line: &str) -> Self {
        self.extra.push(line.to_owned());
        self
    }

    /// Whether to listen on `udp6:[::1]:PORT` too (default: when the machine
    /// has an IPv6 loopback).
    #[must_use]
    pub fn ipv6(mut self, on: bool) -> Self {
        self.ipv6 = on && ipv6_loopback_available();
        self
    }

    /// Overall start-up deadline (default 10 s).
    #[must_use]
    pub fn startup_timeout(mut self, t: Duration) -> Self {
        self.startup_timeout = t;
        self
    }

    /// The snmpd.conf text for a given port.
    pub fn config_text(&self, port: u16) -> String {
        let mut c = String::new();
        c.push_str("# generated by fleetwire-testkit\n");
        if self.ipv6 {
            c.push_str(&format!(
                "agentaddress udp:127.0.0.1:{port},udp6:[::1]:{port}\n"
            ));
        } else {
            c.push_str(&format!("agentaddress udp:127.0.0.1:{port}\n"));
        }
        for name in &self.ro_communities {
            c.push_str(&format!("rocommunity {name} 127.0.0.1\n"));
            if self.ipv6 {
                c.push_str(&format!("rocommunity6 {name} ::1\n"));
            }
        }
        for name in &self.rw_communities {
            c.push_str(&format!("rwcommunity {name} 127.0.0.1\n"));
            if self.ipv6 {
                c.push_str(&format!("rwcommunity6 {name} ::1\n"));
            }
        }
        if let Some(e) = &self.engine_id {
            c.push_str(&format!("engineID {e}\n"));
        }
        for u in &self.users {
            c.push_str(&u.create_user_line());
            c.push('\n');
        }
        for (rw, name, level) in &self.access {
            let kw = if *rw { "rwuser" } else { "rouser" };
            c.push_str(&format!("{kw} {name} {}\n", level.access_keyword()));
        }
        for line in &self.extra {
            c.push_str(line);
            c.push('\n');
        }
        c
    }

    /// Tool arguments (before the target) for the readiness poll.
    fn probe_args(&self) -> Vec<String> {
        if let Some(c) = self.ro_communities.first().or(self.rw_communities.first()) {
            return vec!["-v2c".into(), "-c".into(), c.clone()];
        }
        for (_, name, _) in &self.access {
            if let Some(u) = self.users.iter().find(|u| &u.name == name) {
                return u.tool_args();
            }
        }
        vec![
            "-v3".into(),
            "-u".into(),
            "fleetwire-probe".into(),
            "-l".into(),
            "noAuthNoPriv".into(),
        ]
    }

    /// Starts the agent and waits until it answers; panics (with the tail of
    /// its log) if it does not within the start-up deadline.
    #[track_caller]
    pub fn start(self) -> Snmpd {
        let Some(program) = find_tool("snmpd") else {
            fatal("snmpd is not installed (gate the test with require_tool(\"snmpd\"))");
        };
        let mut last_log = String::new();
        for _ in 0..PORT_ATTEMPTS {
            match self.try_start(&program) {
                Ok(agent) => return agent,
                Err(StartError::PortTaken(log)) => last_log = log,
                Err(StartError::Fatal(msg)) => fatal(msg),
            }
        }
        fatal(format!(
            "snmpd could not open its endpoint on {PORT_ATTEMPTS} fresh ports; last log:\n{last_log}"
        ))
    }

    fn try_start(&self, program: &Path) -> Result<Snmpd, StartError> {
        let dir = tempfile::Builder::new()
            .prefix("fleetwire-snmpd-")
            .tempdir()
            .map_err(|e| StartError::Fatal(format!("cannot create temp dir: {e}")))?;
        let port = free_udp_port();
        let config = self.config_text(port);
        let conf = dir.path().join("snmpd.conf");
        let persist = dir.path().join("persist");
        let log = dir.path().join("snmpd.log");
        let pid = dir.path().join("snmpd.pid");
        std::fs::create_dir_all(&persist)
            .and_then(|()| std::fs::write(&conf, &config))
            .map_err(|e| StartError::Fatal(format!("cannot write snmpd config: {e}")))?;
        let mut cmd = Command::new(program);
        cmd.arg("-f")
            .arg("-Lo")
            .arg("-C")
            .arg("-c")
            .arg(&conf)
            .arg("-p")
            .arg(&pid)
            .args(["-m", "", "-M", "/nonexistent"])
            .env("SNMP_PERSISTENT_DIR", &persist)
            .env("SNMPCONFPATH", &persist)
            .env("MIBS", "")
            .env("MIBDIRS", "/nonexistent");
        let daemon = Daemon::spawn(cmd, &log)
            .map_err(|e| StartError::Fatal(format!("cannot start snmpd: {e}")))?;
        let mut agent = Snmpd {
            port,
            ipv6: self.ipv6,
            engine_id: self.engine_id.clone(),
            daemon,
            config,
            dir,
        };
        agent.wait_ready(&self.probe_args(), self.startup_timeout)?;
        Ok(agent)
    }
}

/// Why one start attempt failed.
enum StartError {
    /// The endpoint could not be opened (port race); try another port.
    PortTaken(String),
    /// Anything else: give up.
    Fatal(String),
}

impl Snmpd {
    /// A builder with no communities, users or extra lines.
    pub fn builder() -> SnmpdBuilder {
        SnmpdBuilder::default()
    }

    fn wait_ready(&mut self, probe: &[String], timeout: Duration) -> Result<(), StartError> {
        let start = Instant::now();
        let deadline = start + timeout;
        let target = self.target();
        loop {
            if let Some(status) = self.daemon.exited() {
                let tail = log_tail(self.daemon.log_path(), 40);
                if port_taken(&tail, self.port) {
                    return Err(StartError::PortTaken(tail));
                }
                return Err(StartError::Fatal(format!(
                    "snmpd exited during start-up ({status}); config:\n{}\nlog tail:\n{tail}",
                    self.config
                )));
            }
            let mut args: Vec<String> = probe.to_vec();
            args.extend(
                ["-t", "0.2", "-r", "0", "-On", &target, "1.3.6.1.2.1.1.1.0"].map(String::from),
            );
            let out = run_tool_with_timeout("snmpget", &args, Duration::from_secs(5));
            if answered(&out) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let tail = log_tail(self.daemon.log_path(), 40);
                return Err(StartError::Fatal(format!(
                    "snmpd on {target} did not answer within {timeout:?} (last poll: {}); \
                     config:\n{}\nlog tail:\n{tail}",
                    stderr_text(&out).trim(),
                    self.config
                )));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The UDP port (the same on `127.0.0.1` and `[::1]`).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// `[::1]:PORT`, if the agent listens on IPv6.
    pub fn addr_v6(&self) -> Option<SocketAddr> {
        self.ipv6
            .then(|| SocketAddr::from((Ipv6Addr::LOCALHOST, self.port)))
    }

    /// The IPv4 target in net-snmp tool syntax: `127.0.0.1:PORT`.
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The IPv6 target in net-snmp tool syntax: `udp6:[::1]:PORT`, if the
    /// agent listens on IPv6.
    pub fn target_v6(&self) -> Option<String> {
        self.ipv6.then(|| format!("udp6:[::1]:{}", self.port))
    }

    /// The engine ID as `0x…` hex, if it was set with
    /// [`SnmpdBuilder::engine_id`].
    pub fn engine_id_hex(&self) -> Option<String> {
        self.engine_id
            .as_deref()
            .map(crate::usm::text_engine_id_hex)
    }

    /// The agent's PID.
    pub fn pid(&self) -> u32 {
        self.daemon.pid()
    }

    /// The private directory (config, pid file, log, persistent state).
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The log file (snmpd's stdout and stderr).
    pub fn log_path(&self) -> PathBuf {
        self.daemon.log_path().to_path_buf()
    }

    /// The whole log so far.
    pub fn log(&self) -> String {
        std::fs::read(self.daemon.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The generated snmpd.conf.
    pub fn config(&self) -> &str {
        &self.config
    }

    /// Stops the agent now (as dropping does) and returns its log.
    pub fn stop(mut self) -> String {
        self.daemon.stop();
        self.log()
    }
}

/// Whether a peer's log says that *our* endpoint could not be opened (a port
/// race, so a retry on a fresh port can help), as opposed to a broken config.
/// Verified messages: snmpd `Error opening specified endpoint "udp6:[::1]:PORT"`,
/// snmptrapd `couldn't open udp:127.0.0.1:PORT -- errno 98 ("Address already in use")`.
pub(crate) fn port_taken(log: &str, port: u16) -> bool {
    let ours = [
        format!("udp:127.0.0.1:{port}"),
        format!("udp6:[::1]:{port}"),
    ];
    log.lines().any(|l| {
        (l.contains("Error opening specified endpoint") || l.contains("couldn't open"))
            && ours.iter().any(|o| l.contains(o.as_str()))
    })
}

/// Whether a poll got any answer from the agent: a varbind on stdout, or an
/// error that only a response can cause (a report, an error-status).
pub(crate) fn answered(out: &std::process::Output) -> bool {
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    if stdout.contains(" = ") {
        return true;
    }
    !stderr.contains("Timeout")
        && !stderr.contains("TIMEOUT")
        && (stderr.contains("Error in packet")
            || stderr.contains("Unknown user name")
            || stderr.contains("Authentication failure")
            || stderr.contains("Unsupported security level")
            || stderr.contains("Unknown Engine ID")
            || stderr.contains("Decryption error")
            || stderr.contains("Reason:"))
}

#[cfg(test)]
mod tests {
    use super::port_taken;

    #[test]
    fn recognizes_our_endpoint_failures_only() {
        assert!(port_taken(
            "Created directory: x\nError opening specified endpoint \"udp6:[::1]:17171\"\nServer Exiting with code 1",
            17171
        ));
        assert!(port_taken(
            "couldn't open udp:127.0.0.1:17172 -- errno 98 (\"Address already in use\")",
            17172
        ));
        assert!(!port_taken(
            "Error opening specified endpoint \"udp:192.0.2.77:161\"",
            17171
        ));
        assert!(!port_taken("NET-SNMP version 5.9.3", 17171));
    }
}
