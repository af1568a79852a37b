//! `fleetwire simulate`: a fleet of simulated printers serving `.snmprec` recordings.
//!
//! Recordings are snmpsim-format files ([`fleetwire_snmp::snmprec`]); as with snmpsim, a
//! recording's community is its file basename. The project's own recordings are in
//! `agent/fixtures/recordings/`. [`drift`] makes page counters rise and supply levels fall
//! deterministically between polls.

pub mod drift;

use std::path::{Path, PathBuf};

use fleetwire_snmp::snmprec::{Recording, SnmprecError};

use self::drift::DriftPlan;

/// Why recordings could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum SimulateError {
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
