//! The agent's persisted state (`{state_dir}/state.json`): the devices discovery found (with
//! the credential that worked and their scope), the times `fleetwire agent status` shows, a
//! sync in progress, and actions accepted but not finished. Saved atomically (temporary file,
//! fsync, rename, fsync of the directory) after every step that changes it, so a restart
//! resumes where the previous run stopped.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Why state could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StateError {
    /// A file operation failed.
    #[error("{op} {}: {source}", path.display())]
    Io {
        /// What was being done.
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The state file is not what this version writes.
    #[error("{}: not an agent state file: {source}", path.display())]
    Format {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
}

/// Whether the agent manages a device.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// A printer the agent collects and reports.
    InScope,
    /// Answers SNMP but is not a printer, or is excluded by `targets.exclude`.
    OutOfScope,
}

/// A device discovery found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct KnownDevice {
    /// Where it answers.
    pub addr: SocketAddr,
    /// Index into the configured credentials of the one that worked.
    pub credential: usize,
    /// In or out of scope.
    pub scope: Scope,
    /// Why it is in or out of scope.
    pub reason: String,
    /// `sysDescr`.
    pub sys_descr: String,
    /// `prtGeneralSerialNumber`, when present.
    pub serial: Option<String>,
    /// When discovery (or `start_managing`) last saw it (Unix seconds).
    pub last_seen: i64,
}

impl KnownDevice {
    /// The device's name in actions and logs: its serial number, else its address.
    pub fn id(&self) -> String {
        self.serial.clone().unwrap_or_else(|| self.addr.to_string())
    }

    /// True when `target` (serial number or address) names this device.
    pub fn matches(&self, target: &str) -> bool {
        self.serial.as_deref() == Some(target) || self.addr.to_string() == target
    }
}

/// What the last finished sync did.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct SyncRecord {
    /// Why it ran (`daily`, `idle`, `on-demand`, `start`, `resume`).
    pub reason: String,
    /// Start (Unix seconds).
    pub started: i64,
    /// End (Unix seconds).
    pub finished: i64,
    /// Devices collected.
    pub collected: usize,
    /// Devices that failed to answer.
    pub failed: usize,
    /// Payload packages uploaded in this sync.
    pub uploaded: u64,
    /// Packages still pending afterwards.
    pub pending: usize,
    /// Actions run.
    pub actions: usize,
    /// The error that ended it early, if any.
    pub error: Option<String>,
}

/// An action accepted (its nonce is in the replay cache) and not yet answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InFlightAction {
    /// The nonce.
    pub nonce: String,
    /// The kind (wire name).
    pub kind: String,
}

/// Everything persisted.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentState {
    /// Devices found by discovery, in target order.
    #[serde(default)]
    pub devices: Vec<KnownDevice>,
    /// Last time devices were polled (Unix seconds).
    pub last_device_poll: Option<i64>,
    /// Last successful contact with the server (Unix seconds).
    pub last_server_contact: Option<i64>,
    /// Next scheduled sync (Unix seconds), as the running agent computed it.
    pub next_sync: Option<i64>,
    /// A sync started and not finished: a restart runs it again.
    pub sync_started: Option<i64>,
    /// The last finished sync.
    pub last_sync: Option<SyncRecord>,
    /// Accepted actions without a result yet.
    #[serde(default)]
    pub in_flight: Vec<InFlightAction>,
    /// PID of the running agent (cleared at a clean exit).
    pub pid: Option<u32>,
    /// Alerts raised and still standing (`device|subject`): each is sent once, and again
    /// only after it cleared.
    #[serde(default)]
    pub alerted: Vec<String>,
}

impl AgentState {
    /// The state file in `dir`.
    pub fn path(dir: &Path) -> PathBuf {
        dir.join("state.json")
    }

    /// Loads the state; a missing file is the empty state.
    pub fn load(dir: &Path) -> Result<Self, StateError> {
        let path = Self::path(dir);
        match std::fs::read(&path) {
            Ok(bytes) => {
                serde_json::from_slice(&bytes).map_err(|source| StateError::Format { path, source })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::default()),
            Err(source) => Err(StateError::Io {
                op: "reading",
                path,
                source,
            }),
        }
    }

    /// Saves atomically.
    pub fn save(&self, dir: &Path) -> Result<(), StateError> {
        let bytes = serde_json::to_vec_pretty(self).map_err(|source| StateError::Format {
            path: Self::path(dir),
            source,
        })?;
        write_atomic(&Self::path(dir), &bytes)
    }

    /// In-scope devices.
    pub fn in_scope(&self) -> impl Iterator<Item = &KnownDevice> {
        self.devices.iter().filter(|d| d.scope == Scope::InScope)
    }

    /// The device `target` (serial or address) names.
    pub fn device(&self, target: &str) -> Option<&KnownDevice> {
        self.devices.iter().find(|d| d.matches(target))
    }
}

/// Writes `bytes` to `path` atomically: temporary file, fsync, rename, fsync of the directory.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> Result<(), StateError> {
    use std::io::Write as _;
    let io = |op: &'static str, p: &Path| {
        let path = p.to_owned();
        move |source| StateError::Io { op, path, source }
    };
    // A bare file name's parent is the empty path: the current directory.
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(io("creating", dir))?;
    let mut tmp = path.as_os_str().to_owned();
    tmp.push(".tmp");
    let tmp = PathBuf::from(tmp);
    let mut f = std::fs::File::create(&tmp).map_err(io("creating", &tmp))?;
    f.write_all(bytes).map_err(io("writing", &tmp))?;
    f.sync_all().map_err(io("fsync", &tmp))?;
    drop(f);
    std::fs::rename(&tmp, path).map_err(io("renaming", path))?;
    std::fs::File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(io("fsync directory", dir))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    /// A bare file name is written in the current directory (its parent is the empty path).
    #[test]
    fn write_atomic_accepts_a_bare_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let name = format!("write-atomic-{}.txt", std::process::id());
        let previous = std::env::current_dir().unwrap();
        std::env::set_current_dir(dir.path()).unwrap();
        let result = write_atomic(Path::new(&name), b"ok");
        std::env::set_current_dir(previous).unwrap();
        result.unwrap();
        assert_eq!(std::fs::read(dir.path().join(&name)).unwrap(), b"ok");
    }

    #[test]
    fn round_trips_and_missing_is_empty() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(AgentState::load(dir.path()).unwrap(), AgentState::default());
        let mut s = AgentState {
            last_device_poll: Some(5),
            ..AgentState::default()
        };
        s.devices.push(KnownDevice {
            addr: "127.0.0.1:161".parse().unwrap(),
            credential: 1,
            scope: Scope::InScope,
            reason: "Printer-MIB present".into(),
            sys_descr: "x".into(),
            serial: Some("S1".into()),
            last_seen: 5,
        });
        s.save(dir.path()).unwrap();
        let back = AgentState::load(dir.path()).unwrap();
        assert_eq!(back, s);
        assert!(back.device("S1").is_some());
        assert!(back.device("127.0.0.1:161").is_some());
        std::fs::write(AgentState::path(dir.path()), "nope").unwrap();
        assert!(matches!(
            AgentState::load(dir.path()),
            Err(StateError::Format { .. })
        ));
    }
}
