//! `fleetwire simulate`: a fleet of simulated printers serving `.snmprec` recordings.
//!
//! Recordings are snmpsim-format files ([`fleetwire_snmp::snmprec`]); as with snmpsim, a
//! recording's community is its file basename. The project's own recordings are in
//! `agent/fixtures/recordings/`.
//!
//! | module | what |
//! |---|---|
//! | [`drift`] | page counters rise and supply levels fall, deterministically, between polls |
//! | [`device`] | one device's MIB handler: a shared recording plus drift |
//! | [`fleet`] | responders, sockets and routing (one shared port, or one port per device) |
//!
//! ```text
//! fleetwire simulate --recordings agent/fixtures/recordings --listen 127.0.0.1:1161
//! snmpwalk -v2c -c office_mono_printer 127.0.0.1:1161 1.3.6.1.2.1.43.11
//! fleetwire simulate --recordings agent/fixtures/recordings --devices 2000 --base-port 30000 \
//!     --v3-user fleet:SHA-256:authpass123:AES:privpass123 --drift 7
//! ```

pub mod device;
pub mod drift;
pub mod fleet;

use std::io::Write;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetwire_snmp::snmprec::{Recording, SnmprecError};
use fleetwire_snmp::usm::UsmUser;

use self::device::Step;
use self::drift::{Drift, DriftPlan};
use self::fleet::{Fleet, FleetConfig, FleetError, Layout};
use crate::usm::{Password, UsmArgs, UsmArgsError};

/// Why the simulator could not start.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
    /// A `--v3-user` is not `NAME[:AUTH:PASS[:PRIV:PASS]]` with known protocols and
    /// acceptable passwords. The message names the user, never a password.
    #[error("--v3-user {name}: {reason}")]
    V3User {
        /// The user name.
        name: String,
        /// What is wrong.
        reason: String,
    },
    /// The fleet could not start.
    #[error(transparent)]
    Fleet(#[from] FleetError),
    /// Writing the start-up summary failed.
    #[error("writing output: {0}")]
    Output(std::io::Error),
    /// A directory or file could not be read.
    #[error("{}: {source}", path.display())]
    Io {
        /// The path being read.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
    /// A recording is not a valid, ordered `.snmprec` file.
    #[error("{}: {source}", path.display())]
    Recording {
        /// The file.
        path: PathBuf,
        /// The line, field and problem.
        source: SnmprecError,
    },
    /// A recording's file name is not valid UTF-8, so it cannot be a community.
    #[error("{}: the file name is not UTF-8", path.display())]
    FileName {
        /// The file.
        path: PathBuf,
    },
    /// The directory holds no `.snmprec` file.
    #[error("{}: no .snmprec recordings", path.display())]
    NoRecordings {
        /// The directory.
        path: PathBuf,
    },
}

/// One recording as the simulator serves it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SimRecording {
    /// The community that selects it: the file basename.
    pub community: String,
    /// The records.
    pub recording: Recording,
    /// Which records drift, and how.
    pub plan: DriftPlan,
}

impl SimRecording {
    /// Wraps a parsed recording, computing its drift plan.
    pub fn new(community: String, recording: Recording) -> Self {
        let plan = DriftPlan::new(&recording);
        Self {
            community,
            recording,
            plan,
        }
    }
}

/// Loads every `*.snmprec` file of `dir` (not its subdirectories), sorted by community.
/// Each file must parse with [`Recording::parse`]: valid records in ascending OID order.
pub fn load_recordings(dir: &Path) -> Result<Vec<SimRecording>, SimulateError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| SimulateError::Io { path, source }
    };
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(io(dir))? {
        let path = entry.map_err(io(dir))?.path();
        if path.extension().is_none_or(|e| e != "snmprec") || !path.is_file() {
            continue;
        }
        let Some(community) = path.file_stem().and_then(|s| s.to_str()) else {
            return Err(SimulateError::FileName { path });
        };
        let community = community.to_owned();
        let text = std::fs::read(&path).map_err(io(&path))?;
        let recording = Recording::parse(&text).map_err(|source| SimulateError::Recording {
            path: path.clone(),
            source,
        })?;
        out.push(SimRecording::new(community, recording));
    }
    if out.is_empty() {
        return Err(SimulateError::NoRecordings {
            path: dir.to_path_buf(),
        });
    }
    out.sort_by(|a, b| a.community.cmp(&b.community));
    Ok(out)
}

/// One `--v3-user NAME[:AUTH:PASS[:PRIV:PASS]]` value. Its `Debug` output is redacted (it
/// holds passwords) and it is parsed only when the simulator starts, so a mistake is reported
/// with the user name and never echoes a password.
#[derive(Clone, PartialEq, Eq)]
pub struct V3UserSpec(Password);

impl std::fmt::Debug for V3UserSpec {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("V3UserSpec(<redacted>)")
    }
}

impl std::str::FromStr for V3UserSpec {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(Password::new(s)))
    }
}

impl V3UserSpec {
    /// The user, with master keys derived from the passwords (net-snmp protocol names: `MD5`,
    /// `SHA`, `SHA-224` ... `SHA-512`; `DES`, `AES`, `AES-192`, `AES-256`, `AES-192-C`,
    /// `AES-256-C`). The last password may contain `:`.
    pub fn user(&self) -> Result<UsmUser, SimulateError> {
        let text = String::from_utf8_lossy(self.0.as_bytes()).into_owned();
        let parts: Vec<&str> = text.splitn(5, ':').collect();
        let name = parts.first().copied().unwrap_or_default().to_owned();
        let fail = |reason: String| SimulateError::V3User {
            name: name.clone(),
            reason,
        };
        let (auth, priv_) = match parts.as_slice() {
            [_] => (None, None),
            [_, a, p] => (Some((*a, *p)), None),
            [_, a, p, x, q] => (Some((*a, *p)), Some((*x, *q))),
            _ => {
                return Err(fail(
                    "expected NAME, NAME:AUTH:PASS or NAME:AUTH:PASS:PRIV:PASS".to_owned(),
                ));
            }
        };
        let mut args = UsmArgs {
            user: Some(name.clone()),
            ..UsmArgs::default()
        };
        if let Some((protocol, password)) = auth {
            args.auth_protocol = Some(crate::usm::parse_auth(protocol).map_err(fail)?);
            args.auth_password = Some(Password::new(password));
        }
        if let Some((protocol, password)) = priv_ {
            args.priv_protocol = Some(crate::usm::parse_priv(protocol).map_err(fail)?);
            args.priv_password = Some(Password::new(password));
        }
        match args.user() {
            Ok(Some(user)) => Ok(user),
            Ok(None) => Err(fail("no user name".to_owned())),
            Err(e) => Err(fail(match e {
                UsmArgsError::AuthPassword(e) => format!("authentication password: {e}"),
                UsmArgsError::PrivPassword(e) => format!("privacy password: {e}"),
                other => other.to_string(),
            })),
        }
    }
}

/// `fleetwire simulate`: serve recordings as simulated printers on loopback.
#[derive(Debug, Clone, clap::Args)]
pub struct SimulateArgs {
    /// Directory of `.snmprec` recordings (community = file basename).
    #[arg(long, value_name = "DIR")]
    pub recordings: PathBuf,
    /// Address to serve every recording on; the community selects one. With --devices, the
    /// address the devices bind (its port is not used).
    #[arg(long, value_name = "ADDR:PORT", default_value = "127.0.0.1:1161")]
    pub listen: SocketAddr,
    /// Serve N devices on N consecutive ports instead, cycling through the recordings, each
    /// with its own engine ID, answering its recording's community and `public`.
    #[arg(long, value_name = "N", requires = "base_port")]
    pub devices: Option<u32>,
    /// The first device's port (with --devices).
    #[arg(long, value_name = "PORT", requires = "devices")]
    pub base_port: Option<u16>,
    /// An SNMPv3 user every device accepts (read-only), e.g. `fleet:SHA-256:authpass:AES:privpass`.
    /// Repeatable.
    #[arg(long = "v3-user", value_name = "NAME:AUTH:PASS:PRIV:PASS")]
    pub v3_users: Vec<V3UserSpec>,
    /// Drift: page counters rise and supply levels fall, deterministically from SEED.
    #[arg(long, value_name = "SEED")]
    pub drift: Option<u64>,
    /// Seconds per drift step.
    #[arg(long, value_name = "SECONDS", default_value_t = 60, requires = "drift")]
    pub drift_interval: u64,
}

impl SimulateArgs {
    /// The fleet these arguments describe (recordings loaded, users' keys derived).
    pub fn config(&self) -> Result<FleetConfig, SimulateError> {
        let recordings = load_recordings(&self.recordings)?
            .into_iter()
            .map(Arc::new)
            .collect();
        let v3_users = self
            .v3_users
            .iter()
            .map(V3UserSpec::user)
            .collect::<Result<Vec<_>, _>>()?;
        let layout = match (self.devices, self.base_port) {
            (Some(count), Some(base_port)) => Layout::Devices {
                ip: self.listen.ip(),
                base_port,
                count,
            },
            _ => Layout::Shared(self.listen),
        };
        let drift = self.drift.map(|seed| {
            let step = Step::Clock {
                start: Instant::now(),
                interval: Duration::from_secs(self.drift_interval),
            };
            (Drift::new(seed), step)
        });
        Ok(FleetConfig {
            recordings,
            layout,
            v3_users,
            drift,
        })
    }
}

/// Starts the fleet, prints one line saying where it listens (a script can wait for it), and
/// serves until `shutdown` resolves.
pub async fn run(
    args: &SimulateArgs,
    out: &mut (dyn Write + Send),
    shutdown: impl std::future::Future<Output = ()>,
) -> Result<(), SimulateError> {
    let config = args.config()?;
    let communities: Vec<String> = config
        .recordings
        .iter()
        .map(|r| r.community.clone())
        .collect();
    let layout = config.layout;
    let fleet = Fleet::start(config).await?;
    let line = match layout {
        Layout::Shared(_) => format!(
            "serving {} recordings on {} (communities: {})",
            communities.len(),
            fleet
                .local_addrs()
                .first()
                .map_or_else(String::new, ToString::to_string),
            communities.join(", ")
        ),
        Layout::Devices {
            ip,
            base_port,
            count,
        } => format!(
            "serving {count} devices on {ip} ports {base_port}-{} (recordings: {}; communities: the recording's name and {})",
            u32::from(base_port) + count.saturating_sub(1),
            communities.join(", "),
            fleet::PUBLIC
        ),
    };
    writeln!(out, "{line}")
        .and_then(|()| out.flush())
        .map_err(SimulateError::Output)?;
    shutdown.await;
    fleet.shutdown().await;
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn loads_the_fixtures_by_community() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/recordings");
        let all = load_recordings(&dir).unwrap();
        let names: Vec<&str> = all.iter().map(|r| r.community.as_str()).collect();
        assert_eq!(
            names,
            [
                "mailing_system",
                "office_colour_mfp",
                "office_mono_printer",
                "production_colour_press"
            ]
        );
        assert!(all.iter().all(|r| !r.plan.is_empty()));
    }

    #[test]
    fn v3_user_specs() {
        use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel};
        let spec = |s: &str| s.parse::<V3UserSpec>().unwrap();
        let full = spec("fleet:SHA-256:authpass123:AES-256-C:priv:pass:with:colons")
            .user()
            .unwrap();
        assert_eq!(full.name(), b"fleet");
        assert_eq!(full.auth_protocol(), Some(AuthProtocol::Sha256));
        assert_eq!(full.priv_protocol(), Some(PrivProtocol::Aes256Reeder));
        assert_eq!(full.max_level(), SecurityLevel::AuthPriv);
        let auth = spec("reader:MD5:authpass456").user().unwrap();
        assert_eq!(auth.max_level(), SecurityLevel::AuthNoPriv);
        assert_eq!(
            spec("guest").user().unwrap().max_level(),
            SecurityLevel::NoAuthNoPriv
        );
        for (bad, says) in [
            ("x:SHA", "expected NAME"),
            ("x:SHA-999:authpass123", "unknown authentication protocol"),
            ("x:SHA:authpass123:AES192:privpass123", "ambiguous"),
            ("x:SHA:short", "authentication password"),
        ] {
            let e = spec(bad).user().unwrap_err().to_string();
            assert!(
                e.starts_with("--v3-user x: ") && e.contains(says),
                "{bad}: {e}"
            );
            assert!(!e.contains("short") && !e.contains("pass1"), "{e}");
        }
        assert_eq!(
            format!("{:?}", spec("x:SHA:secretpassword")),
            "V3UserSpec(<redacted>)"
        );
    }

    #[test]
    fn errors_name_the_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        assert!(matches!(
            load_recordings(dir.path()),
            Err(SimulateError::NoRecordings { .. })
        ));
        std::fs::write(dir.path().join("bad.snmprec"), "1.3.6.1|2|1\n1.3.6.1|2|2\n").unwrap();
        let e = load_recordings(dir.path()).unwrap_err();
        assert!(
            e.to_string()
                .ends_with("bad.snmprec: line 2: OID: OID repeats the one on line 1"),
            "{e}"
        );
        assert!(matches!(
            load_recordings(&dir.path().join("missing")),
            Err(SimulateError::Io { .. })
        ));
    }
}
