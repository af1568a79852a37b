//! `fleetwire report --format html|csv [--from SNAPSHOTS_DIR] [-o FILE]`: the fleet audit.
//!
//! Input: a directory of collector snapshots, one JSON file per device, each a
//! [`fleetwire_payload::Snapshot`] (the `fleetwire collect --json` format). Files are read in
//! name order; files not ending in `.json` are ignored; a file that does not parse is an error
//! naming the file.
//!
//! Output: every device with identity, status, meters and supplies —
//! - [`html`]: one self-contained XHTML page (well-formed XML served as HTML): supply-level bars
//!   and meter charts as inline SVG, no script, no external asset, every device string escaped;
//! - [`csv`]: RFC 4180, one row per device, per supply and per meter, with the stable columns of
//!   [`csv::COLUMNS`].

pub mod csv;
pub mod html;

use std::io::Write;
use std::path::{Path, PathBuf};

use fleetwire_payload::{Snapshot, SupplyClass, SupplyLevel};

use crate::server::device_key;

/// The largest snapshot file read (bytes).
pub const MAX_SNAPSHOT_FILE: u64 = 16 * 1024 * 1024;

/// The most snapshot files read from one directory.
pub const MAX_DEVICES: usize = 100_000;

/// A supply at or below this percentage of its capacity counts as low.
pub const LOW_PERCENT: u8 = 10;

/// Output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// One self-contained XHTML page with inline SVG.
    Html,
    /// RFC 4180 CSV, one row per device, supply and meter.
    Csv,
}

/// `fleetwire report` arguments.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportArgs {
    /// Output format.
    #[arg(long, value_enum)]
    pub format: Format,
    /// Directory of snapshot JSON files, one per device.
    #[arg(long, value_name = "SNAPSHOTS_DIR", default_value = "snapshots")]
    pub from: PathBuf,
    /// Write here instead of standard output.
    #[arg(short = 'o', long = "output", value_name = "FILE")]
    pub output: Option<PathBuf>,
}

/// `fleetwire report` failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ReportError {
    /// The snapshot directory or a file in it could not be read.
    #[error("reading {path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A snapshot file is too large.
    #[error("{path}: more than {MAX_SNAPSHOT_FILE} bytes")]
    TooLarge {
        /// The file.
        path: PathBuf,
    },
    /// Too many snapshot files.
    #[error("{dir}: more than {MAX_DEVICES} snapshot files")]
    TooMany {
        /// The directory.
        dir: PathBuf,
    },
    /// A snapshot file is not a snapshot.
    #[error("{path}: not a snapshot: {source}")]
    Parse {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// Writing the report failed.
    #[error("writing the report: {0}")]
    Output(#[source] std::io::Error),
}

impl ReportError {
    /// The process exit status: 2 for unreadable input, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Output(_) => 1,
            _ => 2,
        }
    }
}

/// One device of the report.
#[derive(Debug, Clone, PartialEq)]
pub struct Device {
    /// The device's name in the report: [`device_key`] (serial number, else MAC, else model),
    /// or the file name without `.json` when the snapshot has none of them.
    pub key: String,
    /// The file it came from.
    pub source: String,
    /// The snapshot.
    pub snapshot: Snapshot,
}

impl Device {
    /// A device from a snapshot read from `source` (a file name).
    pub fn new(source: &str, snapshot: Snapshot) -> Self {
        let key = match device_key(&snapshot.to_device_record()) {
            k if k == "unidentified" => source.trim_end_matches(".json").to_owned(),
            k => k,
        };
        Self {
            key,
            source: source.to_owned(),
            snapshot,
        }
    }

    /// MAC addresses, lower-case colon-separated.
    pub fn mac_addresses(&self) -> Vec<String> {
        let n = &self.snapshot.network;
        n.mac_addresses.iter().map(|m| m.to_string()).collect()
    }

    /// IPv4 addresses.
    pub fn ipv4_addresses(&self) -> Vec<String> {
        let n = &self.snapshot.network;
        n.ipv4.iter().map(|i| i.address.to_string()).collect()
    }

    /// `hrPrinterDetectedErrorState` bits by name.
    pub fn detected_errors(&self) -> Vec<String> {
        let st = &self.snapshot.status;
        st.detected_errors.iter().map(|e| e.to_string()).collect()
    }

    /// Every meter: marker life counts, then PWG counters, then vendor meters.
    pub fn meters(&self) -> Vec<MeterRow> {
        let c = &self.snapshot.counters;
        let named = |source, m: &fleetwire_payload::snapshot::NamedCounter| MeterRow {
            source,
            name: match &m.unit {
                Some(unit) => format!("{} ({unit})", m.name),
                None => m.name.clone(),
            },
            value: m.value,
        };
        c.marker_life
            .iter()
            .map(|m| MeterRow {
                source: "marker_life",
                name: format!("marker {} ({})", m.marker, m.unit),
                value: m.value,
            })
            .chain(c.pwg.iter().map(|m| named("pwg", m)))
            .chain(c.vendor.iter().map(|m| named("vendor", m)))
            .collect()
    }

    /// The supplies that are low: a consumed supply at or below [`LOW_PERCENT`] of its
    /// capacity, or a filled one (waste) at or above `100 - LOW_PERCENT`.
    pub fn low_supplies(
        &self,
    ) -> impl Iterator<Item = &fleetwire_payload::snapshot::SnapshotSupply> {
        self.snapshot.supplies.iter().filter(|s| is_low(s))
    }
}

/// One meter of [`Device::meters`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MeterRow {
    /// `marker_life`, `pwg` or `vendor`.
    pub source: &'static str,
    /// `marker N (unit)`, `name (unit)` or `name`.
    pub name: String,
    /// The count.
    pub value: u64,
}

/// See [`Device::low_supplies`].
pub fn is_low(s: &fleetwire_payload::snapshot::SnapshotSupply) -> bool {
    low_word(s).is_some()
}

/// How a low supply is described: `low` for one that is consumed, `nearly full` for a
/// receptacle that fills (waste toner); `None` when it is not low.
pub fn low_word(s: &fleetwire_payload::snapshot::SnapshotSupply) -> Option<&'static str> {
    let filled = s.class == SupplyClass::Filled;
    let low = match s.level.percent_of(s.max_capacity) {
        Some(p) if filled => p >= 100 - LOW_PERCENT,
        Some(p) => p <= LOW_PERCENT,
        None => !filled && s.level == SupplyLevel::Actual(0),
    };
    match (low, filled) {
        (false, _) => None,
        (true, true) => Some("nearly full"),
        (true, false) => Some("low"),
    }
}

/// Reads every `*.json` snapshot in `dir`, in file-name order.
pub fn load_snapshots(dir: &Path) -> Result<Vec<Device>, ReportError> {
    let read_err = |path: &Path| {
        let path = path.to_owned();
        move |source| ReportError::Read { path, source }
    };
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).map_err(read_err(dir))? {
        let path = entry.map_err(read_err(dir))?.path();
        if path.extension().is_some_and(|e| e == "json") && path.is_file() {
            if files.len() >= MAX_DEVICES {
                return Err(ReportError::TooMany {
                    dir: dir.to_owned(),
                });
            }
            files.push(path);
        }
    }
    files.sort();
    let mut devices = Vec::with_capacity(files.len());
    for path in files {
        let size = std::fs::metadata(&path).map_err(read_err(&path))?.len();
        if size > MAX_SNAPSHOT_FILE {
            return Err(ReportError::TooLarge { path });
        }
        let bytes = std::fs::read(&path).map_err(read_err(&path))?;
        let snapshot: Snapshot =
            serde_json::from_slice(&bytes).map_err(|source| ReportError::Parse {
                path: path.clone(),
                source,
            })?;
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        devices.push(Device::new(&name, snapshot));
    }
    Ok(devices)
}

/// Writes the report of `devices` in `format`.
pub fn write(format: Format, devices: &[Device], out: &mut dyn Write) -> std::io::Result<()> {
    match format {
        Format::Html => html::write_html(devices, out),
        Format::Csv => csv::write_csv(devices, out),
    }
}

/// Runs `fleetwire report`: reads the snapshots, writes the report to `-o FILE` (replaced
/// atomically) or to `stdout`. Returns the number of devices.
pub fn run(args: &ReportArgs, stdout: &mut dyn Write) -> Result<usize, ReportError> {
    let devices = load_snapshots(&args.from)?;
    match &args.output {
        None => write(args.format, &devices, stdout).map_err(ReportError::Output)?,
        Some(path) => {
            let mut buf = Vec::new();
            write(args.format, &devices, &mut buf).map_err(ReportError::Output)?;
            crate::agent::state::write_atomic(path, &buf).map_err(|e| match e {
                crate::agent::state::StateError::Io { source, .. } => ReportError::Output(source),
                other => ReportError::Output(std::io::Error::other(other.to_string())),
            })?;
        }
    }
    Ok(devices.len())
}
