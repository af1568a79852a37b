//! A private net-snmp notification receiver (`snmptrapd`) on loopback.

use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use tempfile::TempDir;

use crate::fail::{fatal, log_tail, tail_of};
use crate::netsnmp::{NetSnmpVarBind, parse_netsnmp_line};
use crate::ports::{free_udp_port, ipv6_loopback_available};
use crate::process::Daemon;
use crate::tools::{find_tool, run_tool_with_timeout, stderr_text};
use crate::usm::UsmUser;

/// The marker at the start of each notification line.
const MARKER: &str = "FWNOTIF";

/// The community of the readiness probe; its notification is filtered out.
const PROBE_COMMUNITY: &str = "fleetwire-probe";

/// How many fresh ports to try when snmptrapd cannot open its endpoint.
const PORT_ATTEMPTS: usize = 3;

/// `format1` (SNMPv1 TRAP) line: one tab-separated line per notification.
const FORMAT1: &str = "format1 FWNOTIF\\tver=%s\\tfrom=%b\\tsec=%u\\tpdu=%P\\tenterprise=%N\\tagent=%a\\tgeneric=%w\\tspecific=%q\\tuptime=%T\\t%v\\n";
/// `format2` (SNMPv2c/v3 TRAP2 and INFORM) line.
const FORMAT2: &str = "format2 FWNOTIF\\tver=%s\\tfrom=%b\\tsec=%u\\tpdu=%P\\t%v\\n";

/// Builder for [`Snmptrapd`]; see [`Snmptrapd::builder`].
#[derive(Debug, Clone)]
pub struct SnmptrapdBuilder {
    engine_id: Option<String>,
    users: Vec<UsmUser>,
    extra: Vec<String>,
    ipv6: bool,
    disable_authorization: bool,
    startup_timeout: Duration,
}

/// A running net-snmp `snmptrapd` with a private configuration that prints
/// each received notification as one line, parsed into a [`Notification`].
///
/// It runs as `snmptrapd -f -Lo -C -c DIR/snmptrapd.conf -p DIR/snmptrapd.pid
/// -X -n -On -Ox --hexOutputLength=0 -m '' -M /nonexistent` with
/// `SNMP_PERSISTENT_DIR=DIR/persist`; stdout and stderr go to
/// `DIR/snmptrapd.log`. `-n` disables host name look-ups, and the output
/// options are [`crate::NETSNMP_MACHINE_OPTIONS`], so every varbind is one
/// tab-free, newline-free field. The config is
///
/// ```text
/// snmpTrapdAddr udp:127.0.0.1:PORT[,udp6:[::1]:PORT]
/// disableAuthorization yes
/// engineID TEXT                       (if set)
/// createUser [-e 0xENGINEID] NAME …   (per user)
/// format1 FWNOTIF\tver=%s\tfrom=%b\tsec=%u\tpdu=%P\tenterprise=%N\tagent=%a\tgeneric=%w\tspecific=%q\tuptime=%T\t%v\n
/// format2 FWNOTIF\tver=%s\tfrom=%b\tsec=%u\tpdu=%P\t%v\n
/// extra lines
/// ```
///
/// Verified output forms: `ver=` is `0` for v1, `1` for v2c and **`3`** for
/// v3 (the manual says 2); `pdu=` is e.g. `TRAP, SNMP v1, community public`,
/// `TRAP2, SNMP v2c, community public`, `INFORM, SNMP v3, user carol,
/// context `; v1 `specific=` is printed with a leading dot (`.17`) and
/// `uptime=` is the raw TimeTicks value of the v1 time-stamp.
///
/// Readiness: an SNMPv2c INFORM with community `fleetwire-probe` is sent
/// until it is acknowledged (10 s default deadline); that notification is
/// left out of [`Snmptrapd::notifications`].
///
/// v3: INFORM users need no engine ID; TRAP users must be created with the
/// *sender's* engine ID ([`UsmUser::engine_id`]), else the trap is dropped
/// silently.
#[derive(Debug)]
pub struct Snmptrapd {
    port: u16,
    ipv6: bool,
    engine_id: Option<String>,
    daemon: Daemon,
    config: String,
    // Last field: removed after the daemon has been stopped.
    dir: TempDir,
}

/// One notification as snmptrapd printed it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notification {
    /// The raw line (without the newline).
    pub line: String,
    /// `%s`: `0` (v1), `1` (v2c), `3` (v3).
    pub version: String,
    /// `%b`: e.g. `UDP: [127.0.0.1]:41673->[127.0.0.1]:16162`.
    pub transport: String,
    /// `%u`: the community (v1/v2c) or USM user name (v3).
    pub security_name: String,
    /// `%P`: e.g. `TRAP2, SNMP v2c, community public`.
    pub pdu: String,
    /// The SNMPv1 TRAP fields; `None` for v2c/v3 notifications.
    pub v1: Option<V1TrapInfo>,
    /// The varbinds (for v2c/v3 including sysUpTime.0 and snmpTrapOID.0).
    pub varbinds: Vec<NetSnmpVarBind>,
}

/// The SNMPv1 TRAP-PDU fields as snmptrapd printed them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V1TrapInfo {
    /// `%N`: the enterprise OID, e.g. `.1.3.6.1.4.1.99999`.
    pub enterprise: String,
    /// `%a`: the agent-addr field, e.g. `127.0.0.9`.
    pub agent_addr: String,
    /// `%w`: generic-trap, e.g. `6`.
    pub generic_trap: String,
    /// `%q` without net-snmp's leading dot: specific-trap, e.g. `17`.
    pub specific_trap: String,
    /// `%T`: the time-stamp (TimeTicks), e.g. `4242`.
    pub time_stamp: String,
}

impl Notification {
    /// Parses a `FWNOTIF\t…` line; `None` for any other line.
    pub fn parse(line: &str) -> Option<Self> {
        let line = line.strip_suffix('\n').unwrap_or(line);
        let mut fields = line.split('\t');
        if fields.next()? != MARKER {
            return None;
        }
        let mut header: Vec<(&str, &str)> = Vec::new();
        let mut varbinds = Vec::new();
        for f in fields {
            if f.is_empty() {
                continue;
            }
            if f.starts_with('.') {
                varbinds.push(parse_netsnmp_line(f)?);
            } else if let Some((k, v)) = f.split_once('=') {
                header.push((k, v));
            }
        }
        let get = |k: &str| {
            header
                .iter()
                .find(|(key, _)| *key == k)
                .map(|(_, v)| (*v).to_owned())
        };
        let v1 = get("enterprise").map(|enterprise| V1TrapInfo {
            enterprise,
            agent_addr: get("agent").unwrap_or_default(),
            generic_trap: get("generic").unwrap_or_default(),
            specific_trap: get("specific")
                .unwrap_or_default()
                .trim_start_matches('.')
                .to_owned(),
            time_stamp: get("uptime").unwrap_or_default(),
        });
        Some(Self {
            line: line.to_owned(),
            version: get("ver")?,
            transport: get("from").unwrap_or_default(),
            security_name: get("sec").unwrap_or_default(),
            pdu: get("pdu").unwrap_or_default(),
            v1,
            varbinds,
        })
    }

    /// The PDU type as printed first in `%P`: `TRAP`, `TRAP2` or `INFORM`.
    pub fn pdu_type(&self) -> &str {
        self.pdu.split(',').next().unwrap_or_default().trim()
    }

    /// The value of snmpTrapOID.0 (without the leading dot), for v2c/v3.
    pub fn trap_oid(&self) -> Option<&str> {
        self.varbinds
            .iter()
            .find(|vb| vb.oid == "1.3.6.1.6.3.1.1.4.1.0")
            .map(|vb| vb.value.trim_start_matches('.'))
    }

    /// The varbind with this OID (no leading dot).
    pub fn varbind(&self, oid: &str) -> Option<&NetSnmpVarBind> {
        self.varbinds.iter().find(|vb| vb.oid == oid)
    }
}

impl Default for SnmptrapdBuilder {
    fn default() -> Self {
        Self {
            engine_id: None,
            users: Vec::new(),
            extra: Vec::new(),
            ipv6: ipv6_loopback_available(),
            disable_authorization: true,
            startup_timeout: Duration::from_secs(10),
        }
    }
}

impl SnmptrapdBuilder {
    /// The receiver's engine ID as text (`engineID TEXT`); relevant for v3
    /// INFORMs, where the receiver is authoritative.
    #[must_use]
    pub fn engine_id(mut self, text: &str) -> Self {
        self.engine_id = Some(text.to_owned());
        self
    }

    /// A USM user (`createUser [-e ENGINEID] …`): for v3 TRAPs set the
    /// sender's engine ID on the user.
    #[must_use]
    pub fn user(mut self, user: UsmUser) -> Self {
        self.users.push(user);
        self
    }

    /// Any further snmptrapd.conf line, written verbatim at the end.
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

    /// Whether to write `disableAuthorization yes` (default `true`: every
    /// community and user may send notifications; with `false` add
    /// `authCommunity`/`authUser` lines yourself).
    #[must_use]
    pub fn disable_authorization(mut self, on: bool) -> Self {
        self.disable_authorization = on;
        self
    }

    /// Overall start-up deadline (default 10 s).
    #[must_use]
    pub fn startup_timeout(mut self, t: Duration) -> Self {
        self.startup_timeout = t;
        self
    }

    /// The snmptrapd.conf text for a given port.
    pub fn config_text(&self, port: u16) -> String {
        let mut c = String::from("# generated by fleetwire-testkit\n");
        if self.ipv6 {
            c.push_str(&format!(
                "snmpTrapdAddr udp:127.0.0.1:{port},udp6:[::1]:{port}\n"
            ));
        } else {
            c.push_str(&format!("snmpTrapdAddr udp:127.0.0.1:{port}\n"));
        }
        if self.disable_authorization {
            c.push_str("disableAuthorization yes\n");
        } else {
            c.push_str(&format!("authCommunity log {PROBE_COMMUNITY}\n"));
        }
        if let Some(e) = &self.engine_id {
            c.push_str(&format!("engineID {e}\n"));
        }
        for u in &self.users {
            c.push_str(&u.create_user_line());
            c.push('\n');
        }
        c.push_str(FORMAT1);
        c.push('\n');
        c.push_str(FORMAT2);
        c.push('\n');
        for line in &self.extra {
            c.push_str(line);
            c.push('\n');
        }
        c
    }

    /// Starts snmptrapd and waits until it acknowledges a probe INFORM;
    /// panics (with the tail of its log) if it does not within the deadline.
    #[track_caller]
    pub fn start(self) -> Snmptrapd {
        let Some(program) = find_tool("snmptrapd") else {
            fatal("snmptrapd is not installed (gate the test with require_tool(\"snmptrapd\"))");
        };
        let mut last_log = String::new();
        for _ in 0..PORT_ATTEMPTS {
            match self.try_start(&program) {
                Ok(d) => return d,
                Err((true, log)) => last_log = log,
                Err((false, msg)) => fatal(msg),
            }
        }
        fatal(format!(
            "snmptrapd could not open its endpoint on {PORT_ATTEMPTS} fresh ports; last log:\n{last_log}"
        ))
    }

    /// `Err((true, log))`: the port was taken, retry; `Err((false, msg))`: give up.
    fn try_start(&self, program: &Path) -> Result<Snmptrapd, (bool, String)> {
        let dir = tempfile::Builder::new()
            .prefix("fleetwire-snmptrapd-")
            .tempdir()
            .map_err(|e| (false, format!("cannot create temp dir: {e}")))?;
        let port = free_udp_port();
        let config = self.config_text(port);
        let conf = dir.path().join("snmptrapd.conf");
        let persist = dir.path().join("persist");
        let log = dir.path().join("snmptrapd.log");
        let pid = dir.path().join("snmptrapd.pid");
        std::fs::create_dir_all(&persist)
            .and_then(|()| std::fs::write(&conf, &config))
            .map_err(|e| (false, format!("cannot write snmptrapd config: {e}")))?;
        let mut cmd = Command::new(program);
        cmd.args(["-f", "-Lo", "-C", "-c"])
            .arg(&conf)
            .arg("-p")
            .arg(&pid)
            .args(["-X", "-n", "-On", "-Ox", "--hexOutputLength=0"])
            .args(["-m", "", "-M", "/nonexistent"])
            .env("SNMP_PERSISTENT_DIR", &persist)
            .env("SNMPCONFPATH", &persist)
            .env("MIBS", "")
            .env("MIBDIRS", "/nonexistent");
        let daemon = Daemon::spawn(cmd, &log)
            .map_err(|e| (false, format!("cannot start snmptrapd: {e}")))?;
        let mut d = Snmptrapd {
            port,
            ipv6: self.ipv6,
            engine_id: self.engine_id.clone(),
            daemon,
            config,
            dir,
        };
        d.wait_ready(self.startup_timeout)?;
        Ok(d)
    }
}

impl Snmptrapd {
    /// A builder with no users or extra lines.
    pub fn builder() -> SnmptrapdBuilder {
        SnmptrapdBuilder::default()
    }

    fn wait_ready(&mut self, timeout: Duration) -> Result<(), (bool, String)> {
        let deadline = Instant::now() + timeout;
        let target = self.target();
        loop {
            if let Some(status) = self.daemon.exited() {
                let tail = log_tail(self.daemon.log_path(), 40);
                let taken = crate::snmpd::port_taken(&tail, self.port);
                return Err((
                    taken,
                    format!(
                        "snmptrapd exited during start-up ({status}); config:\n{}\nlog tail:\n{tail}",
                        self.config
                    ),
                ));
            }
            let out = run_tool_with_timeout(
                "snmpinform",
                &[
                    "-v2c",
                    "-c",
                    PROBE_COMMUNITY,
                    "-t",
                    "0.2",
                    "-r",
                    "0",
                    &target,
                    "0",
                    "1.3.6.1.4.1.8072.9999.9999.0.1",
                ],
                Duration::from_secs(5),
            );
            if out.status.success() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let tail = log_tail(self.daemon.log_path(), 40);
                return Err((
                    false,
                    format!(
                        "snmptrapd on {target} did not acknowledge an INFORM within {timeout:?} \
                         (last probe: {}); config:\n{}\nlog tail:\n{tail}",
                        stderr_text(&out).trim(),
                        self.config
                    ),
                ));
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    /// The UDP port.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// The IPv4 target in net-snmp tool syntax: `127.0.0.1:PORT`.
    pub fn target(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// The IPv6 target in net-snmp tool syntax (`udp6:[::1]:PORT`), if it
    /// listens on IPv6.
    pub fn target_v6(&self) -> Option<String> {
        self.ipv6.then(|| format!("udp6:[::1]:{}", self.port))
    }

    /// The receiver's engine ID as `0x…` hex, if set with
    /// [`SnmptrapdBuilder::engine_id`].
    pub fn engine_id_hex(&self) -> Option<String> {
        self.engine_id
            .as_deref()
            .map(crate::usm::text_engine_id_hex)
    }

    /// The PID.
    pub fn pid(&self) -> u32 {
        self.daemon.pid()
    }

    /// The private directory.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// The log file (snmptrapd's stdout and stderr).
    pub fn log_path(&self) -> PathBuf {
        self.daemon.log_path().to_path_buf()
    }

    /// The whole log so far.
    pub fn log(&self) -> String {
        std::fs::read(self.daemon.log_path())
            .map(|b| String::from_utf8_lossy(&b).into_owned())
            .unwrap_or_default()
    }

    /// The generated snmptrapd.conf.
    pub fn config(&self) -> &str {
        &self.config
    }

    /// All notifications received so far (complete lines only), oldest
    /// first, without the readiness probe.
    pub fn notifications(&self) -> Vec<Notification> {
        let log = self.log();
        // Only lines terminated by '\n' are complete.
        let complete = match log.rfind('\n') {
            Some(i) => log.get(..=i).unwrap_or_default(),
            None => "",
        };
        complete
            .lines()
            .filter_map(Notification::parse)
            .filter(|n| n.security_name != PROBE_COMMUNITY)
            .collect()
    }

    /// Waits until at least `n` notifications have been received and returns
    /// all of them; panics with the log tail when `timeout` passes first.
    #[track_caller]
    pub fn wait_for_notifications(&self, n: usize, timeout: Duration) -> Vec<Notification> {
        let deadline = Instant::now() + timeout;
        loop {
            let got = self.notifications();
            if got.len() >= n {
                return got;
            }
            if Instant::now() >= deadline {
                fatal(format!(
                    "snmptrapd on {} received {} of {n} expected notifications within {timeout:?}; log tail:\n{}",
                    self.target(),
                    got.len(),
                    tail_of(&self.log(), 40)
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops snmptrapd now (as dropping does) and returns its log.
    pub fn stop(mut self) -> String {
        self.daemon.stop();
        self.log()
    }
}
