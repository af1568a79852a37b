//! `fleetwire payload`: build payload packages from collector snapshots, inspect them, and
//! validate payload XML, with [`fleetwire_payload`].
//!
//! | Command | What |
//! |---|---|
//! | `payload build --out FILE.zip [--kind office\|production\|agent] SNAPSHOT.json...` | one XML entry per snapshot (office, production) or one fleet entry (agent), plus the manifest |
//! | `payload inspect FILE.zip [--json]` | lists the entries with kind, sizes and SHA-256, each verified against the manifest |
//! | `payload validate FILE...` | checks `.xml` files (and every entry of `.zip` files) with our structural checks and, when xmllint is installed, against the shipped XSDs |
//!
//! `build` honours `--locked-down` (no IP addresses or DNS names in any payload) and the consent
//! flags (`--consent engineering-debug,customer-jobs`). The agent payload is streamed: each
//! snapshot is read, written into the zip and dropped before the next one is read.
//!
//! ```
//! use fleetwire::payload::{BuildArgs, InspectArgs, build, inspect};
//! use fleetwire_payload::PayloadKind;
//!
//! let dir = tempfile::tempdir()?;
//! let snapshot = dir.path().join("printer.json");
//! std::fs::write(&snapshot, r#"{"identity": {"serial_number": "3TB123456"}}"#)?;
//! let zip = dir.path().join("out.zip");
//! let args = BuildArgs {
//!     out: zip.clone(),
//!     kind: PayloadKind::Office,
//!     locked_down: false,
//!     consent: vec![],
//!     generated: None,
//!     snapshots: vec![snapshot],
//! };
//! build(&args, &mut Vec::new())?;
//! let mut out = Vec::new();
//! inspect(&InspectArgs { file: zip, json: false, max_entries: None, max_size: None, max_ratio: None }, &mut out)?;
//! assert!(String::from_utf8(out)?.contains("office-3TB123456.xml"));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::File;
use std::io::{self, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::process::Command;

use fleetwire_payload::package::{EntryInfo, add_agent_stream};
use fleetwire_payload::validate::ValidateError;
use fleetwire_payload::{
    AgentIdentity, AgentPayload, BuildPolicy, Consent, DeviceRecord, Document, Limits,
    OfficeDevicePayload, PackageError, PackageReader, PackageWriter, PayloadKind, ProductionData,
    ProductionDevicePayload, SecurityMode, Snapshot, Text, Timestamp, validate, xsd,
};
use thiserror::Error;

/// The `fleetwire payload` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum PayloadCommand {
    /// Build a zip package from collector snapshots (`fleetwire collect --json` output).
    Build(BuildArgs),
    /// List a package's entries with kind, sizes and SHA-256, verifying each.
    Inspect(InspectArgs),
    /// Validate payload XML files (or every entry of zip packages) against our checks and XSDs.
    Validate(ValidateArgs),
}

/// A consent flag on the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum ConsentFlag {
    /// Engineering/debug data may be included.
    EngineeringDebug,
    /// Customer-job data (user names, e-mail addresses, job names) may be included.
    CustomerJobs,
}

/// Arguments of `fleetwire payload build`.
#[derive(Debug, Clone, clap::Args)]
pub struct BuildArgs {
    /// The zip to write.
    #[arg(long, value_name = "FILE")]
    pub out: PathBuf,
    /// Payload kind: office, production (one entry per snapshot) or agent (one fleet entry).
    #[arg(long, default_value = "office", value_parser = parse_device_kind)]
    pub kind: PayloadKind,
    /// Corporation Security Mode "Locked Down": no IP address or DNS name leaves the site.
    #[arg(long)]
    pub locked_down: bool,
    /// Consent flags (comma-separated).
    #[arg(long, value_enum, value_delimiter = ',')]
    pub consent: Vec<ConsentFlag>,
    /// Collection time (YYYY-MM-DDThh:mm:ssZ); default now.
    #[arg(long, value_name = "TIME", value_parser = parse_timestamp)]
    pub generated: Option<Timestamp>,
    /// Snapshot JSON files.
    #[arg(value_name = "SNAPSHOT", required = true)]
    pub snapshots: Vec<PathBuf>,
}

/// Arguments of `fleetwire payload inspect`.
#[derive(Debug, Clone, clap::Args)]
pub struct InspectArgs {
    /// The package.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// One JSON object per entry instead of a table.
    #[arg(long)]
    pub json: bool,
    /// Most entries accepted (default 1000).
    #[arg(long, value_name = "N")]
    pub max_entries: Option<usize>,
    /// Most uncompressed bytes accepted (default 1 GiB).
    #[arg(long, value_name = "BYTES")]
    pub max_size: Option<u64>,
    /// Highest compression ratio accepted (default 200).
    #[arg(long, value_name = "RATIO")]
    pub max_ratio: Option<u64>,
}

/// Arguments of `fleetwire payload validate`.
#[derive(Debug, Clone, clap::Args)]
pub struct ValidateArgs {
    /// XML files, or zip packages (every entry is validated).
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
    /// Fail if xmllint is not installed (by default the XSD check is then skipped, with a note).
    #[arg(long)]
    pub require_xsd: bool,
}

fn parse_timestamp(s: &str) -> Result<Timestamp, String> {
    s.parse()
        .map_err(|e: fleetwire_payload::ValueError| e.to_string())
}

/// Why a `fleetwire payload` command failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PayloadError {
    /// The arguments do not make sense (exit status 2).
    #[error("{0}")]
    Usage(String),
    /// A file could not be read or written.
    #[error("{path}: {source}")]
    File {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// A snapshot is not valid collector JSON.
    #[error("{path}: not a snapshot: {source}")]
    Snapshot {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: serde_json::Error,
    },
    /// The package could not be written or read.
    #[error("{path}: {source}")]
    Package {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: PackageError,
    },
    /// Some documents are invalid (each was reported on the error stream).
    #[error("{0} of the documents are invalid")]
    Invalid(usize),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Output(#[source] io::Error),
}

impl PayloadError {
    /// The process exit status for this error.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) => 2,
            _ => 1,
        }
    }
}

/// Runs one parsed command.
pub fn run(
    command: &PayloadCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), PayloadError> {
    match command {
        PayloadCommand::Build(args) => build(args, out),
        PayloadCommand::Inspect(args) => inspect(args, out),
        PayloadCommand::Validate(args) => validate_files(args, out, err),
    }
}

fn read_snapshot(path: &Path) -> Result<Snapshot, PayloadError> {
    let file = File::open(path).map_err(|source| PayloadError::File {
        path: path.to_owned(),
        source,
    })?;
    serde_json::from_reader(BufReader::new(file)).map_err(|source| PayloadError::Snapshot {
        path: path.to_owned(),
        source,
    })
}

/// The agent's own identity, from what this process can see of its host (the host name only
/// from `HOSTNAME`, never from the network), with `devices` in scope.
pub fn local_agent(devices: u64) -> Result<AgentIdentity, PayloadError> {
    let text = |s: &str| {
        Text::new(s).map_err(|e| PayloadError::Usage(format!("agent identity {s:?}: {e}")))
    };
    Ok(AgentIdentity {
        host_name: std::env::var("HOSTNAME")
            .ok()
            .as_deref()
            .and_then(Text::sanitize),
        host_address: Vec::new(),
        os: text(&format!(
            "{} {}",
            std::env::consts::OS,
            std::env::consts::ARCH
        ))?,
        cpu: None,
        memory_mib: None,
        disk_free_mib: None,
        app_version: text(env!("CARGO_PKG_VERSION"))?,
        licence_expires: None,
        database: Vec::new(),
        devices_in_scope: devices,
        devices_out_of_scope: 0,
        critical_service: Vec::new(),
    })
}

/// Entry name for a snapshot: `KIND-SERIAL.xml`, or `KIND-N.xml` without a usable serial.
pub fn entry_name(kind: PayloadKind, n: usize, device: &DeviceRecord, taken: &[String]) -> String {
    let serial: String = device
        .identity
        .serial_number
        .as_ref()
        .map(|s| {
            s.as_str()
                .chars()
                .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
                .take(64)
                .collect()
        })
        .unwrap_or_default();
    let name = if serial.is_empty() {
        format!("{kind}-{n}.xml")
    } else {
        format!("{kind}-{serial}.xml")
    };
    if taken.contains(&name) {
        format!("{kind}-{serial}-{n}.xml")
    } else {
        name
    }
}

/// The payload of `kind` about one device, built under `policy`: an office or production
/// device payload, or an agent payload with this host as the agent and the device as its
/// fleet. Other kinds do not describe a device ([`PayloadError::Usage`]).
pub fn device_document(
    kind: PayloadKind,
    generated: Timestamp,
    device: DeviceRecord,
    policy: &BuildPolicy,
) -> Result<Document, PayloadError> {
    Ok(match kind {
        PayloadKind::Office => Document::Office(Box::new(OfficeDevicePayload::build(
            generated,
            device,
            None,
            Vec::new(),
            policy,
        ))),
        PayloadKind::Production => Document::Production(Box::new(ProductionDevicePayload::build(
            generated,
            device,
            ProductionData::default(),
            None,
            Vec::new(),
            policy,
        ))),
        PayloadKind::Agent => Document::Agent(Box::new(AgentPayload::build(
            generated,
            local_agent(1)?,
            vec![device],
            Vec::new(),
            Vec::new(),
            policy,
        ))),
        other => {
            return Err(PayloadError::Usage(format!(
                "{other} is not a device payload; expected office, production or agent"
            )));
        }
    })
}

/// `--kind`/`--xml`: a device payload kind (office, production or agent).
pub fn parse_device_kind(s: &str) -> Result<PayloadKind, String> {
    match PayloadKind::from_name(s) {
        Some(k @ (PayloadKind::Office | PayloadKind::Production | PayloadKind::Agent)) => Ok(k),
        _ => Err("expected office, production or agent".to_owned()),
    }
}

/// `fleetwire payload build`.
pub fn build(args: &BuildArgs, out: &mut dyn Write) -> Result<(), PayloadError> {
    let policy = BuildPolicy {
        mode: if args.locked_down {
            SecurityMode::LockedDown
        } else {
            SecurityMode::Normal
        },
        consent: Consent {
            engineering_debug: args.consent.contains(&ConsentFlag::EngineeringDebug),
            customer_jobs: args.consent.contains(&ConsentFlag::CustomerJobs),
        },
    };
    let generated = args.generated.unwrap_or_else(Timestamp::now);
    let path = &args.out;
    let file = File::create(path).map_err(|source| PayloadError::File {
        path: path.clone(),
        source,
    })?;
    let pkg_err = |source| PayloadError::Package {
        path: path.clone(),
        source,
    };
    let mut package = PackageWriter::new(BufWriter::new(file), generated);
    match args.kind {
        PayloadKind::Agent => {
            // Snapshots are read one at a time while the entry streams; the first bad one stops
            // the build.
            let mut failure = None;
            let devices = args.snapshots.iter().map_while(|p| match read_snapshot(p) {
                Ok(s) => Some(s.to_device_record()),
                Err(e) => {
                    failure = Some(e);
                    None
                }
            });
            let agent = local_agent(args.snapshots.len() as u64)?;
            let result = add_agent_stream(
                &mut package,
                "agent.xml",
                generated,
                agent,
                devices,
                &policy,
            );
            if let Some(e) = failure {
                return Err(e);
            }
            result.map_err(pkg_err)?;
        }
        kind => {
            let mut names = Vec::new();
            for (n, snapshot) in args.snapshots.iter().enumerate() {
                let device = read_snapshot(snapshot)?.to_device_record();
                let name = entry_name(kind, n, &device, &names);
                let doc = device_document(kind, generated, device, &policy)?;
                package.add_document(&name, &doc).map_err(pkg_err)?;
                names.push(name);
            }
        }
    }
    let (writer, manifest) = package.finish().map_err(pkg_err)?;
    writer
        .into_inner()
        .map_err(|e| PayloadError::File {
            path: path.clone(),
            source: e.into_error(),
        })?
        .sync_all()
        .map_err(|source| PayloadError::File {
            path: path.clone(),
            source,
        })?;
    let total: u64 = manifest.entry.iter().map(|e| e.size).sum();
    writeln!(
        out,
        "wrote {}: {} {} payload entr{} ({total} bytes of XML) + manifest.xml",
        path.display(),
        manifest.entry.len(),
        args.kind,
        if manifest.entry.len() == 1 {
            "y"
        } else {
            "ies"
        },
    )
    .map_err(PayloadError::Output)
}

fn open_package(
    path: &Path,
    limits: Limits,
) -> Result<PackageReader<BufReader<File>>, PayloadError> {
    let file = File::open(path).map_err(|source| PayloadError::File {
        path: path.to_owned(),
        source,
    })?;
    PackageReader::open(BufReader::new(file), limits).map_err(|source| PayloadError::Package {
        path: path.to_owned(),
        source,
    })
}

/// `fleetwire payload inspect`.
pub fn inspect(args: &InspectArgs, out: &mut dyn Write) -> Result<(), PayloadError> {
    let d = Limits::default();
    let limits = Limits {
        max_entries: args.max_entries.unwrap_or(d.max_entries),
        max_total_size: args.max_size.unwrap_or(d.max_total_size),
        max_ratio: args.max_ratio.unwrap_or(d.max_ratio),
    };
    let mut reader = open_package(&args.file, limits)?;
    let infos: Vec<EntryInfo> = reader.verify().map_err(|source| PayloadError::Package {
        path: args.file.clone(),
        source,
    })?;
    let o = |r: io::Result<()>| r.map_err(PayloadError::Output);
    if args.json {
        for i in &infos {
            let line = serde_json::json!({
                "name": i.entry.name.as_str(),
                "kind": i.entry.kind.name(),
                "size": i.entry.size,
                "compressed_size": i.compressed_size,
                "sha256": i.entry.sha256.to_string(),
                "verified": true,
            });
            o(writeln!(out, "{line}"))?;
        }
        return Ok(());
    }
    let m = reader.manifest();
    o(writeln!(
        out,
        "{}: {} entries, created {}",
        args.file.display(),
        m.entry.len(),
        m.created
    ))?;
    o(writeln!(
        out,
        "{:<40} {:<14} {:>12} {:>12}  sha256 (verified)",
        "name", "kind", "size", "compressed"
    ))?;
    for i in &infos {
        o(writeln!(
            out,
            "{:<40} {:<14} {:>12} {:>12}  {}",
            i.entry.name, i.entry.kind, i.entry.size, i.compressed_size, i.entry.sha256
        ))?;
    }
    Ok(())
}

/// `fleetwire payload validate`.
pub fn validate_files(
    args: &ValidateArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), PayloadError> {
    let have_xmllint = find_xmllint();
    if !have_xmllint && args.require_xsd {
        return Err(PayloadError::Usage(
            "--require-xsd: xmllint is not installed (Debian: libxml2-utils)".into(),
        ));
    }
    let xsd_dir = XsdDir::create().map_err(|source| PayloadError::File {
        path: std::env::temp_dir(),
        source,
    })?;
    let mut invalid = 0;
    let o = |r: io::Result<()>| r.map_err(PayloadError::Output);
    for path in &args.files {
        let is_zip = path
            .extension()
            .is_some_and(|e| e.eq_ignore_ascii_case("zip"));
        let docs: Vec<(String, Vec<u8>)> = if is_zip {
            let mut reader = open_package(path, Limits::default())?;
            let names = reader.entry_names();
            let mut docs = Vec::new();
            for name in names {
                let bytes = reader
                    .read_entry(&name)
                    .map_err(|source| PayloadError::Package {
                        path: path.clone(),
                        source,
                    })?;
                docs.push((format!("{}:{name}", path.display()), bytes));
            }
            docs
        } else {
            let bytes = std::fs::read(path).map_err(|source| PayloadError::File {
                path: path.clone(),
                source,
            })?;
            vec![(path.display().to_string(), bytes)]
        };
        for (label, bytes) in docs {
            match validate(&bytes) {
                Ok(report) => {
                    let xsd = if have_xmllint {
                        match xsd_dir.xmllint(report.kind, &bytes) {
                            Ok(()) => "xsd ok".to_owned(),
                            Err(e) => {
                                invalid += 1;
                                o(writeln!(
                                    err,
                                    "{label}: fails {}:\n{e}",
                                    xsd::file_name(report.kind)
                                ))?;
                                continue;
                            }
                        }
                    } else {
                        "xsd skipped: xmllint not installed".to_owned()
                    };
                    let unknown = if report.unknown.is_empty() {
                        String::new()
                    } else {
                        format!(", unknown (tolerated): {}", report.unknown.join(" "))
                    };
                    o(writeln!(
                        out,
                        "{label}: ok ({} {}, {xsd}{unknown})",
                        report.kind, report.schema_version
                    ))?;
                }
                Err(e) => {
                    invalid += 1;
                    let what = match &e {
                        ValidateError::Read(_) => "invalid",
                        _ => "breaks rules",
                    };
                    o(writeln!(err, "{label}: {what}: {e}"))?;
                }
            }
        }
    }
    if invalid > 0 {
        Err(PayloadError::Invalid(invalid))
    } else {
        Ok(())
    }
}

fn find_xmllint() -> bool {
    Command::new("xmllint")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A private temporary directory holding the XSDs, removed on drop.
struct XsdDir(PathBuf);

impl XsdDir {
    fn create() -> io::Result<Self> {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.subsec_nanos());
        let dir =
            std::env::temp_dir().join(format!("fleetwire-xsd-{}-{nanos}", std::process::id()));
        std::fs::create_dir(&dir)?;
        for kind in PayloadKind::ALL {
            xsd::write_all(&dir, kind)?;
        }
        Ok(Self(dir))
    }

    fn xmllint(&self, kind: PayloadKind, xml: &[u8]) -> Result<(), String> {
        let doc = self.0.join("document.xml");
        std::fs::write(&doc, xml).map_err(|e| e.to_string())?;
        let output = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(self.0.join(xsd::file_name(kind)))
            .arg(&doc)
            .output()
            .map_err(|e| e.to_string())?;
        if output.status.success() {
            Ok(())
        } else {
            Err(String::from_utf8_lossy(&output.stderr)
                .trim_end()
                .to_owned())
        }
    }
}

impl Drop for XsdDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
