//! The agent's TOML configuration: parsed with serde + `toml`, then validated into an
//! [`AgentConfig`]. Every error names the key (`server.url`, `credentials[1].auth_password`,
//! `targets.ranges[0]`) and never contains a secret.
//!
//! ```toml
//! [targets]
//! hosts = ["192.0.2.10", "192.0.2.11:1161"]
//! ranges = ["10.0.0.0/28"]
//! port = 161                # default port of hosts and ranges
//! exclude = ["10.0.0.5"]    # answer, but are out of scope
//! timeout_ms = 1000
//! retries = 1
//!
//! [[credentials]]           # tried in this order; the first that answers is remembered
//! version = "2c"
//! community = "public"
//!
//! [[credentials]]
//! version = "3"
//! user = "fleet"
//! auth = "SHA-256"
//! auth_password = "..."
//! privacy = "AES"
//! privacy_password = "..."
//!
//! [schedule]
//! daily_at = "02:30"
//! idle_minutes = 10
//!
//! [server]
//! url = "https://rs.example.com/fleetwire"   # upload = {url}/upload, actions = {url}/actions, results = {url}/actions/results
//! ca = "/etc/fleetwire/ca.pem"
//! client_cert = "/etc/fleetwire/agent.pem"
//! client_key = "/etc/fleetwire/agent.key"
//! action_keys = [{ id = "rs-1", pem = "/etc/fleetwire/actions.pub.pem" }]
//!
//! [agent]
//! state_dir = "/var/lib/fleetwire"
//! security_mode = "normal"  # or "locked-down"
//!
//! [actions]
//! reboot = false            # every kind is enabled unless switched off here
//!
//! [[alerts]]                # low supplies and detected errors, once each
//! kind = "smtp"             # or "log" (standard error)
//! relay = "mail.example.com:25"
//! from = "fleetwire@example.com"
//! to = ["keyop@example.com"]
//! ```

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use fleetwire_payload::{BuildPolicy, Consent, SecurityMode};
use fleetwire_snmp::manager::{Security, UsmSecurity};
use fleetwire_transport::action::{ActionKind, ActionPolicy, TrustedKeys};
use fleetwire_transport::schedule::{ScheduleConfig, TimeOfDay};
use fleetwire_transport::tls::{ClientIdentity, Roots};
use fleetwire_transport::{Allowlist, ClientOptions, Credentials, ProxyConfig};
use serde::Deserialize;
use zeroize::Zeroizing;

use crate::upload::Secret;
use crate::usm::{Password, UsmArgs, UsmArgsError};

/// Largest number of addresses all `targets.ranges` together may expand to.
pub const MAX_TARGETS: usize = 1 << 20;

/// Largest configuration file, and largest certificate or key file it names (1 MiB).
pub const MAX_CONFIG_FILE: u64 = 1 << 20;

/// Where the files a configuration names are read from: the configuration itself, CA
/// certificates, the client certificate and key, action-signing keys.
///
/// [`FileSystem`] is the real one; tests and the fuzz target give files from memory.
pub trait ConfigFiles {
    /// The whole file at `path` (relative paths already resolved against the
    /// configuration's directory).
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>>;
}

/// The file system: regular files only (a FIFO or device named by mistake is an error, not
/// a hang), at most [`MAX_CONFIG_FILE`] bytes each.
#[derive(Debug, Default, Clone, Copy)]
pub struct FileSystem;

impl ConfigFiles for FileSystem {
    fn read(&self, path: &Path) -> std::io::Result<Vec<u8>> {
        fleetwire_transport::tls::read_pem_file(path, MAX_CONFIG_FILE)
    }
}

/// Why a configuration is not usable. Messages name the key; secrets never appear.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// The file could not be read.
    #[error("{}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Not valid TOML, or a key of the wrong type or unknown (toml names the key and line).
    #[error("{}: {message}", path.display())]
    Syntax {
        /// The file.
        path: PathBuf,
        /// toml's message, with the key and the line.
        message: String,
    },
    /// A value is present and well-typed but not usable.
    #[error("{key}: {reason}")]
    Invalid {
        /// The key, as a TOML path (`server.url`, `credentials[0].community`).
        key: String,
        /// What is wrong.
        reason: String,
    },
}

/// The most device documents the agent puts in one package: what a package reader with the
/// default limits ([`fleetwire_payload::package::Limits::DEFAULT`], which the server's intake
/// reads with) accepts, less the entries every package also has (`manifest.xml`, `agent.xml`,
/// `site.xml`). A fleet larger than this is uploaded as several packages.
pub const MAX_DEVICES_PER_PACKAGE: usize =
    fleetwire_payload::package::Limits::DEFAULT.max_entries - 3;

fn invalid(key: impl Into<String>, reason: impl Into<String>) -> ConfigError {
    ConfigError::Invalid {
        key: key.into(),
        reason: reason.into(),
    }
}

fn secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
    let s = Zeroizing::new(String::deserialize(d)?);
    s.parse().map_err(|e: std::convert::Infallible| match e {})
}

fn opt_secret<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
    secret(d).map(Some)
}

/// The file as written (before validation).
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConfig {
    /// `[targets]`.
    #[serde(default)]
    pub targets: RawTargets,
    /// `[[credentials]]`.
    #[serde(default)]
    pub credentials: Vec<RawCredential>,
    /// `[schedule]`.
    #[serde(default)]
    pub schedule: RawSchedule,
    /// `[server]`.
    pub server: Option<RawServer>,
    /// `[agent]`.
    #[serde(default)]
    pub agent: RawAgent,
    /// `[consent]`.
    #[serde(default)]
    pub consent: RawConsent,
    /// `[actions]`.
    #[serde(default)]
    pub actions: RawActions,
    /// `[site]`.
    pub site: Option<RawSite>,
    /// `[[alerts]]`.
    #[serde(default)]
    pub alerts: Vec<RawAlertSink>,
}

/// `[targets]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawTargets {
    /// Single hosts: `ADDRESS` or `ADDRESS:PORT` (`[v6]:PORT`).
    #[serde(default)]
    pub hosts: Vec<String>,
    /// IPv4 CIDR ranges (`10.0.0.0/24`), optionally with a port range (`127.0.0.1/32:20000-20003`).
    #[serde(default)]
    pub ranges: Vec<String>,
    /// Default SNMP port (161).
    pub port: Option<u16>,
    /// Addresses that answer but are out of scope.
    #[serde(default)]
    pub exclude: Vec<String>,
    /// Timeout per attempt, milliseconds (default 1000).
    pub timeout_ms: Option<u64>,
    /// Retries after the first attempt (default 1).
    pub retries: Option<u32>,
    /// Requests in flight at once (default 512).
    pub concurrency: Option<usize>,
}

/// One `[[credentials]]` entry.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCredential {
    /// `1`, `2c` or `3`.
    pub version: String,
    /// v1/v2c community.
    #[serde(default, deserialize_with = "opt_secret")]
    pub community: Option<Secret>,
    /// v3 user name.
    pub user: Option<String>,
    /// v3 authentication protocol (`SHA`, `SHA-256`, ...).
    pub auth: Option<String>,
    /// v3 authentication password.
    #[serde(default, deserialize_with = "opt_secret")]
    pub auth_password: Option<Secret>,
    /// v3 privacy protocol (`AES`, `DES`, ...).
    pub privacy: Option<String>,
    /// v3 privacy password.
    #[serde(default, deserialize_with = "opt_secret")]
    pub privacy_password: Option<Secret>,
}

impl std::fmt::Debug for RawCredential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawCredential")
            .field("version", &self.version)
            .field("user", &self.user)
            .finish_non_exhaustive()
    }
}

/// `[schedule]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSchedule {
    /// Daily sync time, `HH:MM` local.
    pub daily_at: Option<String>,
    /// Idle trigger, minutes (default 10).
    pub idle_minutes: Option<u64>,
    /// One catch-up sync for a missed slot, also at start (default true).
    pub catch_up: Option<bool>,
    /// Sync once at start (default true; with `daily_at` and `catch_up`, only when the last
    /// slot was missed).
    pub sync_at_start: Option<bool>,
    /// Deadline of the last flush at shutdown, seconds (default 10).
    pub shutdown_flush_secs: Option<u64>,
}

/// `[server]`.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawServer {
    /// Base URL (https).
    pub url: String,
    /// Overrides of the derived URLs.
    pub upload_url: Option<String>,
    /// Where actions are polled (default `{url}/actions`).
    pub actions_url: Option<String>,
    /// Where action results are posted (default `{url}/actions/results`).
    pub results_url: Option<String>,
    /// CA certificates (PEM); default the Mozilla roots.
    pub ca: Option<PathBuf>,
    /// Client certificate chain (PEM).
    pub client_cert: Option<PathBuf>,
    /// Client key (PEM).
    pub client_key: Option<PathBuf>,
    /// HTTP Basic user.
    pub user: Option<String>,
    /// HTTP Basic password.
    #[serde(default, deserialize_with = "opt_secret")]
    pub password: Option<Secret>,
    /// Bearer token.
    #[serde(default, deserialize_with = "opt_secret")]
    pub token: Option<Secret>,
    /// Explicit proxy `http://[user:pass@]host:port`.
    #[serde(default, deserialize_with = "opt_secret")]
    pub proxy: Option<Secret>,
    /// Allowlist rules; default the base URL.
    #[serde(default)]
    pub allowlist: Vec<String>,
    /// Pinned keys that sign actions.
    #[serde(default)]
    pub action_keys: Vec<RawActionKey>,
}

impl std::fmt::Debug for RawServer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawServer")
            .field("url", &self.url)
            .finish_non_exhaustive()
    }
}

/// A pinned action-signing key.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActionKey {
    /// Key id as in the envelopes.
    pub id: String,
    /// Public key (PEM file).
    pub pem: PathBuf,
}

/// `[agent]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAgent {
    /// State directory (device list, sync journal, replay cache, results).
    pub state_dir: Option<PathBuf>,
    /// Spool directory (default `{state_dir}/spool`).
    pub spool_dir: Option<PathBuf>,
    /// `normal` or `locked-down`.
    pub security_mode: Option<String>,
    /// Models (substring of sysDescr) sent as production payloads (default `["Press"]`).
    pub production_models: Option<Vec<String>>,
    /// Device documents in one package (default and most: [`MAX_DEVICES_PER_PACKAGE`]); a
    /// larger fleet is uploaded as several packages.
    pub devices_per_package: Option<usize>,
}

/// `[consent]`.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawConsent {
    /// Engineering/debug data.
    #[serde(default)]
    pub engineering_debug: bool,
    /// Customer-job data.
    #[serde(default)]
    pub customer_jobs: bool,
}

/// `[actions]`: each kind on or off (default on), and the raw print port.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawActions {
    /// `get_status`.
    pub get_status: Option<bool>,
    /// `reboot`.
    pub reboot: Option<bool>,
    /// `upgrade`.
    pub upgrade: Option<bool>,
    /// `troubleshoot`.
    pub troubleshoot: Option<bool>,
    /// `print_test_page`.
    pub print_test_page: Option<bool>,
    /// `start_managing`.
    pub start_managing: Option<bool>,
    /// Raw print port (9100).
    pub print_port: Option<u16>,
    /// Largest firmware image accepted, bytes (default 256 MiB).
    pub max_firmware_bytes: Option<u64>,
}

/// `[site]`: the site information record.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSite {
    /// Site id issued by the server.
    pub id: String,
    /// Company.
    pub company: String,
    /// City.
    pub city: String,
    /// Country.
    pub country: String,
    /// Street lines.
    #[serde(default)]
    pub address: Vec<String>,
    /// IANA time zone.
    pub time_zone: Option<String>,
}

/// One `[[alerts]]` sink.
#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawAlertSink {
    /// `smtp` or `log`.
    pub kind: String,
    /// SMTP relay `host:port`.
    pub relay: Option<String>,
    /// Sender address.
    pub from: Option<String>,
    /// Recipients.
    #[serde(default)]
    pub to: Vec<String>,
    /// `STARTTLS` (the relay must offer it; its certificate is verified).
    #[serde(default)]
    pub starttls: bool,
    /// CA certificates (PEM) for the relay's certificate; default the Mozilla roots.
    pub ca: Option<PathBuf>,
}

/// Where to find devices.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Targets {
    /// Every address to probe, in order, without duplicates.
    pub addrs: Vec<SocketAddr>,
    /// Addresses that are out of scope even when they answer.
    pub exclude: Vec<IpAddr>,
    /// Per-request timeout.
    pub timeout: Duration,
    /// Retries.
    pub retries: u32,
    /// Requests in flight.
    pub concurrency: usize,
}

/// One credential to try.
#[derive(Clone)]
pub struct Credential {
    /// For logs and state: `v2c community #1`, `v3 user fleet`.
    pub label: String,
    /// The security to use.
    pub security: Security,
}

impl std::fmt::Debug for Credential {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.label)
    }
}

/// The server side of the configuration.
#[derive(Clone)]
pub struct ServerConfig {
    /// Where payload packages are POSTed.
    pub upload_url: String,
    /// Where actions are polled.
    pub actions_url: String,
    /// Where results are POSTed.
    pub results_url: String,
    /// TLS, credentials, proxy, allowlist.
    pub client: ClientOptions,
    /// Pinned action-signing keys.
    pub action_keys: TrustedKeys,
}

impl std::fmt::Debug for ServerConfig {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerConfig")
            .field("upload_url", &self.upload_url)
            .field("actions_url", &self.actions_url)
            .field("results_url", &self.results_url)
            .finish_non_exhaustive()
    }
}

/// An alert sink as configured.
#[derive(Debug, Clone)]
pub enum AlertSinkConfig {
    /// One line per alert on the standard error.
    Log,
    /// Alerts by e-mail through an SMTP relay.
    Smtp(Box<crate::alert::smtp::SmtpConfig>),
}

/// The validated configuration.
#[derive(Debug, Clone)]
pub struct AgentConfig {
    /// Devices to look for.
    pub targets: Targets,
    /// Credentials in the order to try them.
    pub credentials: Vec<Credential>,
    /// The sync schedule.
    pub schedule: ScheduleConfig,
    /// Sync once right after start.
    pub sync_at_start: bool,
    /// Deadline of the shutdown flush.
    pub shutdown_flush: Duration,
    /// The server (None: collect and spool only).
    pub server: Option<ServerConfig>,
    /// State directory.
    pub state_dir: PathBuf,
    /// Spool directory.
    pub spool_dir: PathBuf,
    /// Security mode and consent.
    pub policy: BuildPolicy,
    /// Which actions may run (Locked Down: none, never polled).
    pub actions: ActionPolicy,
    /// Raw print port.
    pub print_port: u16,
    /// Largest firmware image.
    pub max_firmware_bytes: u64,
    /// sysDescr substrings of production devices.
    pub production_models: Vec<String>,
    /// Device documents in one package (1 ..= [`MAX_DEVICES_PER_PACKAGE`]).
    pub devices_per_package: usize,
    /// Site information, sent with every sync.
    pub site: Option<fleetwire_payload::SiteInformation>,
    /// Alert sinks.
    pub alerts: Vec<AlertSinkConfig>,
}

impl AgentConfig {
    /// Reads and validates a TOML file. Relative paths in it are relative to the file's
    /// directory.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let read_error = |source| ConfigError::Read {
            path: path.to_owned(),
            source,
        };
        let bytes = FileSystem.read(path).map_err(read_error)?;
        let text = String::from_utf8(bytes)
            .map_err(|e| read_error(std::io::Error::new(std::io::ErrorKind::InvalidData, e)))?;
        let base = path.parent().unwrap_or(Path::new("."));
        Self::parse(&text, base).map_err(|e| match e {
            ConfigError::Syntax { message, .. } => ConfigError::Syntax {
                path: path.to_owned(),
                message,
            },
            other => other,
        })
    }

    /// Parses and validates TOML text; relative paths are resolved against `base`.
    pub fn parse(text: &str, base: &Path) -> Result<Self, ConfigError> {
        Self::parse_with(text, base, &FileSystem)
    }

    /// [`AgentConfig::parse`], reading the files the configuration names from `files`.
    pub fn parse_with(
        text: &str,
        base: &Path,
        files: &dyn ConfigFiles,
    ) -> Result<Self, ConfigError> {
        let raw: RawConfig = toml::from_str(text).map_err(|e| ConfigError::Syntax {
            path: PathBuf::from("<config>"),
            message: e.to_string().trim_end().to_owned(),
        })?;
        Self::validate_with(raw, base, files)
    }

    /// Validates a parsed file.
    pub fn validate(raw: RawConfig, base: &Path) -> Result<Self, ConfigError> {
        Self::validate_with(raw, base, &FileSystem)
    }

    /// [`AgentConfig::validate`], reading the files the configuration names from `files`.
    pub fn validate_with(
        raw: RawConfig,
        base: &Path,
        files: &dyn ConfigFiles,
    ) -> Result<Self, ConfigError> {
        let rel = |p: &Path| -> PathBuf {
            if p.is_absolute() {
                p.to_owned()
            } else {
                base.join(p)
            }
        };
        let targets = targets(&raw.targets)?;
        if raw.credentials.is_empty() {
            return Err(invalid(
                "credentials",
                "at least one [[credentials]] entry is needed",
            ));
        }
        let credentials = raw
            .credentials
            .iter()
            .enumerate()
            .map(|(i, c)| credential(i, c))
            .collect::<Result<Vec<_>, _>>()?;
        let schedule = schedule(&raw.schedule)?;
        let mode = match raw.agent.security_mode.as_deref() {
            None | Some("normal") => SecurityMode::Normal,
            Some("locked-down") => SecurityMode::LockedDown,
            Some(other) => {
                return Err(invalid(
                    "agent.security_mode",
                    format!("{other:?}: expected \"normal\" or \"locked-down\""),
                ));
            }
        };
        let policy = BuildPolicy {
            mode,
            consent: Consent {
                engineering_debug: raw.consent.engineering_debug,
                customer_jobs: raw.consent.customer_jobs,
            },
        };
        let actions = action_policy(&raw.actions, mode);
        let read = |key: &str, p: &Path| -> Result<(Vec<u8>, String), ConfigError> {
            let path = rel(p);
            let name = path.display().to_string();
            files
                .read(&path)
                .map(|bytes| (bytes, name))
                .map_err(|e| invalid(key, format!("{}: {e}", p.display())))
        };
        let server = raw.server.as_ref().map(|s| server(s, &read)).transpose()?;
        let state_dir = rel(raw.agent.state_dir.as_deref().ok_or_else(|| {
            invalid(
                "agent.state_dir",
                "missing: where the agent keeps its state",
            )
        })?);
        let spool_dir = raw
            .agent
            .spool_dir
            .as_deref()
            .map_or_else(|| state_dir.join("spool"), rel);
        let devices_per_package = match raw.agent.devices_per_package {
            None => MAX_DEVICES_PER_PACKAGE,
            Some(n @ 1..=MAX_DEVICES_PER_PACKAGE) => n,
            Some(n) => {
                return Err(invalid(
                    "agent.devices_per_package",
                    format!(
                        "{n}: expected 1 to {MAX_DEVICES_PER_PACKAGE} (a package holds at most {} entries)",
                        fleetwire_payload::package::Limits::DEFAULT.max_entries
                    ),
                ));
            }
        };
        let site = raw.site.as_ref().map(site).transpose()?;
        let alerts = raw
            .alerts
            .iter()
            .enumerate()
            .map(|(i, a)| alert(i, a, &read))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self {
            targets,
            credentials,
            schedule,
            sync_at_start: raw.schedule.sync_at_start.unwrap_or(true),
            shutdown_flush: Duration::from_secs(raw.schedule.shutdown_flush_secs.unwrap_or(10)),
            server,
            state_dir,
            spool_dir,
            policy,
            actions,
            print_port: raw.actions.print_port.unwrap_or(9100),
            max_firmware_bytes: raw.actions.max_firmware_bytes.unwrap_or(256 << 20),
            production_models: raw
                .agent
                .production_models
                .clone()
                .unwrap_or_else(|| vec!["Press".to_owned()]),
            devices_per_package,
            site,
            alerts,
        })
    }

    /// True in Locked Down mode.
    pub fn locked_down(&self) -> bool {
        self.policy.mode == SecurityMode::LockedDown
    }
}

/// `HOST` or `HOST:PORT` (`[v6]:PORT`), an IP address (names are not resolved: targets are
/// addresses, so discovery never leaks a query to a resolver).
fn host(key: &str, s: &str, default_port: u16) -> Result<SocketAddr, ConfigError> {
    if let Ok(ip) = s.parse::<IpAddr>() {
        return Ok(SocketAddr::new(ip, default_port));
    }
    s.parse::<SocketAddr>()
        .map_err(|_| invalid(key, format!("{s:?} is not ADDRESS or ADDRESS:PORT")))
}

/// `A.B.C.D/LEN` with an optional `:PORT` or `:FIRST-LAST` port range.
fn range(key: &str, s: &str, default_port: u16) -> Result<Vec<SocketAddr>, ConfigError> {
    let bad = |why: &str| invalid(key, format!("{s:?}: {why}"));
    let (cidr, ports) = match s.split_once(':') {
        Some((c, p)) => (c, Some(p)),
        None => (s, None),
    };
    let (first_port, last_port) = match ports {
        None => (default_port, default_port),
        Some(p) => {
            let (a, b) = p.split_once('-').unwrap_or((p, p));
            let a: u16 = a.parse().map_err(|_| bad("bad port"))?;
            let b: u16 = b.parse().map_err(|_| bad("bad port"))?;
            if a > b || a == 0 {
                return Err(bad("empty port range"));
            }
            (a, b)
        }
    };
    let (ip, len) = cidr
        .split_once('/')
        .ok_or_else(|| bad("expected A.B.C.D/LEN"))?;
    let ip: Ipv4Addr = ip.parse().map_err(|_| bad("not an IPv4 address"))?;
    let len: u32 = len.parse().map_err(|_| bad("bad prefix length"))?;
    if !(8..=32).contains(&len) {
        return Err(bad("prefix length must be 8 to 32"));
    }
    let mask = u32::MAX.checked_shl(32 - len).unwrap_or(0);
    let network = u32::from(ip) & mask;
    let count = 1u64 << (32 - len);
    let (first, last) = if len >= 31 {
        (network, network.saturating_add((count - 1) as u32))
    } else {
        // Skip the network and broadcast addresses.
        (network + 1, network + (count - 2) as u32)
    };
    let ports = u64::from(last_port - first_port) + 1;
    if (u64::from(last - first) + 1) * ports > MAX_TARGETS as u64 {
        return Err(bad("range too large"));
    }
    let mut out = Vec::new();
    for a in first..=last {
        for p in first_port..=last_port {
            out.push(SocketAddr::new(IpAddr::V4(Ipv4Addr::from(a)), p));
        }
    }
    Ok(out)
}

fn targets(raw: &RawTargets) -> Result<Targets, ConfigError> {
    let port = raw.port.unwrap_or(161);
    let mut addrs = Vec::new();
    for (i, h) in raw.hosts.iter().enumerate() {
        addrs.push(host(&format!("targets.hosts[{i}]"), h, port)?);
    }
    for (i, r) in raw.ranges.iter().enumerate() {
        addrs.extend(range(&format!("targets.ranges[{i}]"), r, port)?);
        if addrs.len() > MAX_TARGETS {
            return Err(invalid(
                format!("targets.ranges[{i}]"),
                format!("more than {MAX_TARGETS} addresses in all"),
            ));
        }
    }
    if addrs.is_empty() {
        return Err(invalid(
            "targets",
            "no hosts or ranges: nothing to discover",
        ));
    }
    let mut seen = std::collections::HashSet::new();
    addrs.retain(|a| seen.insert(*a));
    let exclude = raw
        .exclude
        .iter()
        .enumerate()
        .map(|(i, e)| {
            e.parse::<IpAddr>().map_err(|_| {
                invalid(
                    format!("targets.exclude[{i}]"),
                    format!("{e:?} is not an IP address"),
                )
            })
        })
        .collect::<Result<_, _>>()?;
    Ok(Targets {
        addrs,
        exclude,
        timeout: Duration::from_millis(raw.timeout_ms.unwrap_or(1000).max(1)),
        retries: raw.retries.unwrap_or(1),
        concurrency: raw.concurrency.unwrap_or(512).max(1),
    })
}

fn credential(i: usize, c: &RawCredential) -> Result<Credential, ConfigError> {
    let key = |k: &str| format!("credentials[{i}].{k}");
    let v3_only = [
        ("user", c.user.is_some()),
        ("auth", c.auth.is_some()),
        ("auth_password", c.auth_password.is_some()),
        ("privacy", c.privacy.is_some()),
        ("privacy_password", c.privacy_password.is_some()),
    ];
    match c.version.as_str() {
        v @ ("1" | "2c") => {
            if let Some((k, _)) = v3_only.iter().find(|(_, set)| *set) {
                return Err(invalid(
                    key(k),
                    format!("only for version \"3\", not {v:?}"),
                ));
            }
            let community = c
                .community
                .as_ref()
                .ok_or_else(|| invalid(key("community"), format!("missing for version {v:?}")))?;
            let security = if v == "1" {
                Security::v1(community.expose())
            } else {
                Security::v2c(community.expose())
            };
            Ok(Credential {
                label: format!("v{v} community #{i}"),
                security,
            })
        }
        "3" => {
            if c.community.is_some() {
                return Err(invalid(
                    key("community"),
                    "only for versions \"1\" and \"2c\"",
                ));
            }
            let name = c
                .user
                .as_deref()
                .ok_or_else(|| invalid(key("user"), "missing for version \"3\""))?;
            // The same user construction as the command line's -u -a -A -x -X.
            let password = |p: &Option<Secret>| p.as_ref().map(|s| Password::new(s.expose()));
            let args = UsmArgs {
                user: Some(name.to_owned()),
                auth_protocol: c
                    .auth
                    .as_deref()
                    .map(crate::usm::parse_auth)
                    .transpose()
                    .map_err(|e| invalid(key("auth"), e))?,
                auth_password: password(&c.auth_password),
                priv_protocol: c
                    .privacy
                    .as_deref()
                    .map(crate::usm::parse_priv)
                    .transpose()
                    .map_err(|e| invalid(key("privacy"), e))?,
                priv_password: password(&c.privacy_password),
            };
            let user = args
                .user()
                .map_err(|e| match e {
                    UsmArgsError::Missing { option, needs } => {
                        let name = |o: &str| match o {
                            "-a" => "auth",
                            "-A" => "auth_password",
                            "-x" => "privacy",
                            "-X" => "privacy_password",
                            _ => "user",
                        };
                        let first = option.split('/').next().unwrap_or(option);
                        let needs = needs
                            .split(" and ")
                            .map(name)
                            .collect::<Vec<_>>()
                            .join(" and ");
                        invalid(key(name(first)), format!("needs {needs}"))
                    }
                    UsmArgsError::User(e) => invalid(key("user"), e.to_string()),
                    UsmArgsError::AuthPassword(e) => invalid(key("auth_password"), e.to_string()),
                    UsmArgsError::PrivPassword(e) => {
                        invalid(key("privacy_password"), e.to_string())
                    }
                })?
                .ok_or_else(|| invalid(key("user"), "missing for version \"3\""))?;
            let level = user.max_level();
            Ok(Credential {
                label: format!("v3 user {name}"),
                security: Security::V3(Box::new(UsmSecurity::new(user, level))),
            })
        }
        other => Err(invalid(
            key("version"),
            format!("{other:?}: expected \"1\", \"2c\" or \"3\""),
        )),
    }
}

fn schedule(raw: &RawSchedule) -> Result<ScheduleConfig, ConfigError> {
    let daily_at = raw
        .daily_at
        .as_deref()
        .map(TimeOfDay::parse)
        .transpose()
        .map_err(|e| invalid("schedule.daily_at", e))?;
    let idle = raw.idle_minutes.unwrap_or(10);
    if idle == 0 {
        return Err(invalid("schedule.idle_minutes", "must be at least 1"));
    }
    Ok(ScheduleConfig {
        daily_at,
        catch_up: raw.catch_up.unwrap_or(true),
        idle_after: Duration::from_secs(idle * 60),
        ..ScheduleConfig::default()
    })
}

fn action_policy(raw: &RawActions, mode: SecurityMode) -> ActionPolicy {
    let mut policy = ActionPolicy {
        locked_down: mode == SecurityMode::LockedDown,
        ..ActionPolicy::default()
    };
    let switches = [
        (ActionKind::GetStatus, raw.get_status),
        (ActionKind::Reboot, raw.reboot),
        (ActionKind::Upgrade, raw.upgrade),
        (ActionKind::Troubleshoot, raw.troubleshoot),
        (ActionKind::PrintTestPage, raw.print_test_page),
        (ActionKind::StartManaging, raw.start_managing),
    ];
    for (kind, on) in switches {
        if on == Some(false) {
            policy.disable(kind);
        }
    }
    policy
}

fn https_url(key: &str, url: &str) -> Result<(), ConfigError> {
    if !url.starts_with("https://") {
        return Err(invalid(key, format!("{url:?} is not an https:// URL")));
    }
    if crate::upload::has_userinfo(url) {
        return Err(invalid(
            key,
            "must not contain credentials; use server.user and server.password",
        ));
    }
    Ok(())
}

/// Reads a file the configuration names: `(key, path)` to `(bytes, name for errors)`.
type ReadFile<'a> = dyn Fn(&str, &Path) -> Result<(Vec<u8>, String), ConfigError> + 'a;

fn server(raw: &RawServer, read: &ReadFile<'_>) -> Result<ServerConfig, ConfigError> {
    https_url("server.url", &raw.url)?;
    let base = raw.url.trim_end_matches('/');
    let url = |key: &str, o: &Option<String>, suffix: &str| -> Result<String, ConfigError> {
        match o {
            Some(u) => https_url(key, u).map(|()| u.clone()),
            None => Ok(format!("{base}/{suffix}")),
        }
    };
    let upload_url = url("server.upload_url", &raw.upload_url, "upload")?;
    let actions_url = url("server.actions_url", &raw.actions_url, "actions")?;
    let results_url = url("server.results_url", &raw.results_url, "actions/results")?;
    let allowlist = if raw.allowlist.is_empty() {
        Allowlist::new([crate::upload::default_allow_rule(base)])
    } else {
        Allowlist::new(&raw.allowlist)
    }
    .map_err(|e| invalid("server.allowlist", e.to_string()))?;
    for (key, u) in [
        ("server.upload_url", &upload_url),
        ("server.actions_url", &actions_url),
        ("server.results_url", &results_url),
    ] {
        allowlist
            .check(u)
            .map_err(|e| invalid(key, format!("not allowed by server.allowlist: {e}")))?;
    }
    let mut client = ClientOptions {
        allowlist,
        ..ClientOptions::default()
    };
    if let Some(ca) = &raw.ca {
        let (pem, name) = read("server.ca", ca)?;
        client.tls.roots =
            Roots::from_pem(&pem, &name).map_err(|e| invalid("server.ca", e.to_string()))?;
    }
    match (&raw.client_cert, &raw.client_key) {
        (Some(c), Some(k)) => {
            let (cert, cert_name) = read("server.client_cert", c)?;
            let (key, key_name) = read("server.client_key", k)?;
            let key = Zeroizing::new(key);
            client.tls.identity = Some(
                ClientIdentity::from_pem_named(&cert, &cert_name, &key, &key_name)
                    .map_err(|e| invalid("server.client_cert", e.to_string()))?,
            );
        }
        (None, None) => {}
        (Some(_), None) => return Err(invalid("server.client_key", "missing with client_cert")),
        (None, Some(_)) => return Err(invalid("server.client_cert", "missing with client_key")),
    }
    client.credentials = match (&raw.user, &raw.password, &raw.token) {
        (Some(user), Some(password), None) => Credentials::Basic {
            user: user.clone(),
            password: Zeroizing::new(password.expose().to_owned()),
        },
        (None, None, Some(token)) => Credentials::Bearer(Zeroizing::new(token.expose().to_owned())),
        (None, None, None) => Credentials::None,
        (Some(_), None, _) => return Err(invalid("server.password", "missing with server.user")),
        (None, Some(_), _) => return Err(invalid("server.user", "missing with server.password")),
        (_, _, Some(_)) => {
            return Err(invalid(
                "server.token",
                "give either server.token or server.user and server.password",
            ));
        }
    };
    client.proxy = match &raw.proxy {
        Some(p) => ProxyConfig::Url(Zeroizing::new(p.expose().to_owned())),
        None => ProxyConfig::FromEnv,
    };
    let mut action_keys = TrustedKeys::default();
    for (i, k) in raw.action_keys.iter().enumerate() {
        let key = format!("server.action_keys[{i}].pem");
        let (pem, _) = read(&key, &k.pem)?;
        let pem = String::from_utf8(pem)
            .map_err(|_| invalid(&key, format!("{}: not UTF-8 text", k.pem.display())))?;
        action_keys
            .add_pem(&k.id, &pem)
            .map_err(|e| invalid(&key, e.to_string()))?;
    }
    Ok(ServerConfig {
        upload_url,
        actions_url,
        results_url,
        client,
        action_keys,
    })
}

fn text(key: &str, s: &str) -> Result<fleetwire_payload::Text, ConfigError> {
    fleetwire_payload::Text::new(s).map_err(|e| invalid(key, e.to_string()))
}

fn site(raw: &RawSite) -> Result<fleetwire_payload::SiteInformation, ConfigError> {
    use fleetwire_payload::{Address, Namespace, SchemaVersion, SiteInformation};
    Ok(SiteInformation {
        namespace: Namespace,
        schema_version: SchemaVersion::CURRENT,
        site_id: text("site.id", &raw.id)?,
        company: text("site.company", &raw.company)?,
        customer_number: None,
        address: Address {
            line: raw
                .address
                .iter()
                .enumerate()
                .map(|(i, l)| text(&format!("site.address[{i}]"), l))
                .collect::<Result<_, _>>()?,
            city: text("site.city", &raw.city)?,
            region: None,
            postal_code: None,
            country: text("site.country", &raw.country)?,
        },
        time_zone: raw
            .time_zone
            .as_deref()
            .map(|t| text("site.time_zone", t))
            .transpose()?,
        contact: Vec::new(),
    })
}

fn alert(
    i: usize,
    raw: &RawAlertSink,
    read: &ReadFile<'_>,
) -> Result<AlertSinkConfig, ConfigError> {
    let key = |k: &str| format!("alerts[{i}].{k}");
    match raw.kind.as_str() {
        "log" => Ok(AlertSinkConfig::Log),
        "smtp" => {
            let relay = raw
                .relay
                .as_deref()
                .ok_or_else(|| invalid(key("relay"), "missing for kind \"smtp\""))?;
            let (host, port) = match relay.rsplit_once(':') {
                Some((h, p)) => (
                    h.trim_start_matches('[').trim_end_matches(']'),
                    p.parse::<u16>()
                        .map_err(|_| invalid(key("relay"), format!("{relay:?}: bad port")))?,
                ),
                None => (relay, 25),
            };
            let config = crate::alert::smtp::SmtpConfig {
                host: host.to_owned(),
                port,
                helo: "fleetwire-agent".to_owned(),
                from: raw
                    .from
                    .clone()
                    .ok_or_else(|| invalid(key("from"), "missing for kind \"smtp\""))?,
                to: raw.to.clone(),
                timeout: Duration::from_secs(10),
                starttls: None,
            };
            let mut config = config;
            if raw.starttls {
                let mut tls = fleetwire_transport::tls::TlsOptions::default();
                if let Some(ca) = &raw.ca {
                    let (pem, name) = read(&key("ca"), ca)?;
                    tls.roots = Roots::from_pem(&pem, &name)
                        .map_err(|e| invalid(key("ca"), e.to_string()))?;
                }
                config.starttls = Some(tls);
            } else if raw.ca.is_some() {
                return Err(invalid(key("ca"), "only with starttls = true"));
            }
            config
                .validate()
                .map_err(|e| invalid(key("to"), e.to_string()))?;
            Ok(AlertSinkConfig::Smtp(Box::new(config)))
        }
        other => Err(invalid(
            key("kind"),
            format!("{other:?}: expected \"smtp\" or \"log\""),
        )),
    }
}

/// A shared, validated configuration.
pub type SharedConfig = Arc<AgentConfig>;

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    const MIN: &str = r#"
        [targets]
        ranges = ["127.0.0.1/32:20000-20003"]
        [[credentials]]
        version = "2c"
        community = "s3cret-community"
        [agent]
        state_dir = "state"
    "#;

    fn err(text: &str) -> String {
        AgentConfig::parse(text, Path::new("/etc/fw"))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn minimal_config_expands_ranges_and_resolves_paths() {
        let c = AgentConfig::parse(MIN, Path::new("/etc/fw")).unwrap();
        assert_eq!(c.targets.addrs.len(), 4);
        assert_eq!(c.targets.addrs[3], "127.0.0.1:20003".parse().unwrap());
        assert_eq!(c.state_dir, Path::new("/etc/fw/state"));
        assert_eq!(c.spool_dir, Path::new("/etc/fw/state/spool"));
        assert!(!c.locked_down());
        assert!(c.actions.may_poll_actions());
        assert!(!format!("{c:?}").contains("s3cret"));
    }

    #[test]
    fn cidr_skips_network_and_broadcast() {
        let a = range("k", "10.0.0.0/30", 161).unwrap();
        assert_eq!(
            a,
            [
                "10.0.0.1:161".parse().unwrap(),
                "10.0.0.2:161".parse().unwrap()
            ]
        );
        assert!(range("k", "10.0.0.0/4", 161).is_err());
    }

    #[test]
    fn errors_name_the_key() {
        assert_eq!(
            err(&MIN.replace("2c\"", "4\"")),
            "credentials[0].version: \"4\": expected \"1\", \"2c\" or \"3\""
        );
        assert!(err(&MIN.replace("/32:", "/33:")).starts_with("targets.ranges[0]: "));
        let e = err(&format!("{MIN}\n[server]\nurl = \"http://rs.example\"\n"));
        assert!(e.starts_with("server.url: "), "{e}");
        let e = err(&MIN.replace(
            "state_dir = \"state\"",
            "security_mode = \"open\"\nstate_dir = \"s\"",
        ));
        assert!(e.starts_with("agent.security_mode: "), "{e}");
        let e = err(&MIN.replace("[agent]", "[agent]\ncolour = 1"));
        assert!(e.contains("colour"), "{e}");
        let v3 = "[[credentials]]\nversion = \"3\"\nuser = \"u\"\nauth = \"SHA\"\n";
        let e = err(&format!("{MIN}\n{v3}"));
        assert_eq!(e, "credentials[1].auth: needs auth_password");
        let e = err(&format!("{MIN}\n[schedule]\ndaily_at = \"25:00\"\n"));
        assert!(e.starts_with("schedule.daily_at: "), "{e}");
        for bad in [0, MAX_DEVICES_PER_PACKAGE + 1] {
            let e = err(&MIN.replace("[agent]", &format!("[agent]\ndevices_per_package = {bad}")));
            assert!(e.starts_with("agent.devices_per_package: "), "{e}");
        }
    }

    #[test]
    fn devices_per_package_fits_the_default_package_limits() {
        let c = AgentConfig::parse(MIN, Path::new(".")).unwrap();
        assert_eq!(c.devices_per_package, MAX_DEVICES_PER_PACKAGE);
        // manifest.xml, agent.xml and site.xml besides the device documents.
        assert_eq!(
            MAX_DEVICES_PER_PACKAGE + 3,
            fleetwire_payload::package::Limits::default().max_entries
        );
        let c = AgentConfig::parse(
            &MIN.replace("[agent]", "[agent]\ndevices_per_package = 2"),
            Path::new("."),
        )
        .unwrap();
        assert_eq!(c.devices_per_package, 2);
    }

    #[test]
    fn locked_down_never_polls_and_switches_disable_kinds() {
        let c = AgentConfig::parse(
            &MIN.replace(
                "[agent]",
                "[actions]\nreboot = false\n[agent]\nsecurity_mode = \"locked-down\"",
            ),
            Path::new("."),
        )
        .unwrap();
        assert!(c.locked_down());
        assert!(!c.actions.may_poll_actions());
        assert!(c.actions.disabled.contains(&ActionKind::Reboot));
        assert!(!c.actions.disabled.contains(&ActionKind::GetStatus));
    }

    #[test]
    fn v3_credentials_build_users() {
        let v3 = "[[credentials]]\nversion = \"3\"\nuser = \"fleet\"\nauth = \"SHA-256\"\nauth_password = \"authpass1\"\nprivacy = \"AES\"\nprivacy_password = \"privpass1\"\n";
        let c = AgentConfig::parse(&format!("{MIN}\n{v3}"), Path::new(".")).unwrap();
        assert_eq!(c.credentials[1].label, "v3 user fleet");
        assert!(!format!("{:?}", c.credentials).contains("authpass1"));
    }

    #[test]
    fn named_files_are_read_through_the_reader_and_must_be_regular() {
        // A device named as the CA fails at once instead of reading forever.
        let e = err(&format!(
            "{MIN}\n[server]\nurl = \"https://rs.example\"\nca = \"/dev/zero\"\n"
        ));
        assert_eq!(e, "server.ca: /dev/zero: not a regular file");
        // parse_with reads every named file from the reader given, relative to `base`.
        let files = crate::internal::fuzz_files();
        let text = format!(
            "{MIN}\n[server]\nurl = \"https://rs.example\"\nca = \"ca.pem\"\nclient_cert = \"client.pem\"\nclient_key = \"client-key.pem\"\naction_keys = [{{ id = \"k\", pem = \"action-key.pem\" }}]\n"
        );
        let c =
            AgentConfig::parse_with(&text, Path::new(crate::internal::FUZZ_BASE), files).unwrap();
        let server = c.server.unwrap();
        assert!(server.client.tls.identity.is_some());
        assert!(server.action_keys.get("k").is_some());
        let e = AgentConfig::parse_with(&text, Path::new("/elsewhere"), files).unwrap_err();
        assert!(e.to_string().starts_with("server.ca: ca.pem: "), "{e}");
    }
}
