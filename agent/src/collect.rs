//! `fleetwire collect HOST[:PORT] [OPTIONS] [--json | --xml KIND]`: reads one printer with
//! [`fleetwire_payload::collect`] and prints its snapshot.
//!
//! The SNMP options are `get`'s ([`SnmpArgs`]: `-v -c -u -l -a -A -x -X -e -E -n -r -t`).
//! Output:
//!
//! - default: a short human-readable summary;
//! - `--json`: the [`Snapshot`](fleetwire_payload::Snapshot) as one JSON object on one line
//!   (as every `--json` of this tool), with the
//!   top-level keys `identity`, `network`, `status`, `counters` and `supplies`;
//! - `--xml office|production|agent`: the payload XML of that kind built from what was read
//!   ([`crate::payload::device_document`]); `--locked-down` leaves out IP addresses and DNS
//!   names.
//!
//! Failures print one line on stderr: exit status 1 when the device does not answer or
//! SNMPv3 security fails, 2 for unusable options.

use std::io::{self, Write};

use fleetwire_payload::collect::{CollectError, Collected, Collector};
use fleetwire_payload::{BuildPolicy, Consent, PayloadKind, SecurityMode, Timestamp, WriteError};
use fleetwire_snmp::client::{self, Client};
use thiserror::Error;

use crate::payload::{PayloadError, device_document, parse_device_kind};
use crate::snmp_args::{SnmpArgs, SnmpArgsError, Target, TargetError};

/// `collect`: `[OPTIONS] HOST[:PORT] [--json | --xml KIND]`.
#[derive(Debug, Clone, clap::Args)]
#[command(
    mut_arg("json", |a| a
        .help("Print the device snapshot as JSON (keys identity, network, status, counters, supplies)")
        .conflicts_with("xml")),
    // -On is about printing varbinds, which collect does not do.
    mut_arg("output", |a| a.hide(true)),
)]
pub struct CollectArgs {
    /// net-snmp's options.
    #[command(flatten)]
    pub snmp: SnmpArgs,
    /// Print the payload XML of this kind built from the snapshot: office, production or agent.
    #[arg(long, value_name = "KIND", value_parser = parse_device_kind)]
    pub xml: Option<PayloadKind>,
    /// With --xml: Corporation Security Mode "Locked Down" (no IP address or DNS name).
    #[arg(long, requires = "xml")]
    pub locked_down: bool,
    /// The printer: HOST[:PORT], [IPv6]:PORT, udp:HOST[:PORT] or udp6:[IPv6]:PORT.
    #[arg(value_name = "HOST[:PORT]")]
    pub target: Target,
}

/// Why `collect` failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum CollectCommandError {
    /// The options do not make a security configuration.
    #[error(transparent)]
    Args(#[from] SnmpArgsError),
    /// The host is unusable.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The tokio runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
    /// The client could not be set up (sockets, SNMPv3 user).
    #[error("{0}")]
    Client(#[from] client::Error),
    /// Reading the device failed.
    #[error(transparent)]
    Collect(#[from] CollectError),
    /// The payload could not be built.
    #[error(transparent)]
    Payload(Box<PayloadError>),
    /// The payload could not be written as XML.
    #[error("building the payload XML: {0}")]
    Xml(#[from] WriteError),
    /// Writing the output failed.
    #[error("writing the output: {0}")]
    Output(#[source] io::Error),
}

impl CollectCommandError {
    /// The exit status: 2 for unusable options, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Args(_) | Self::Target(_) => 2,
            _ => 1,
        }
    }
}

/// Runs `collect`, printing to `out`.
pub fn run(args: &CollectArgs, out: &mut impl Write) -> Result<(), CollectCommandError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(CollectCommandError::Runtime)?;
    let collected = runtime.block_on(collect(args))?;
    let o = CollectCommandError::Output;
    if args.snmp.json {
        serde_json::to_writer(&mut *out, &collected.snapshot).map_err(|e| o(e.into()))?;
        writeln!(out).map_err(o)
    } else if let Some(kind) = args.xml {
        let policy = BuildPolicy {
            mode: if args.locked_down {
                SecurityMode::LockedDown
            } else {
                SecurityMode::Normal
            },
            consent: Consent::NONE,
        };
        let doc = device_document(
            kind,
            Timestamp::now(),
            collected.to_device_record(),
            &policy,
        )
        .map_err(|e| CollectCommandError::Payload(Box::new(e)))?;
        let xml = doc.to_xml()?;
        out.write_all(xml.as_bytes()).map_err(o)?;
        if !xml.ends_with('\n') {
            writeln!(out).map_err(o)?;
        }
        Ok(())
    } else {
        write_summary(out, &collected).map_err(o)
    }
}

/// Reads the device `args` name.
pub async fn collect(args: &CollectArgs) -> Result<Collected, CollectCommandError> {
    let security = args.snmp.security()?;
    let addr = args.target.resolve()?;
    let client = Client::builder()
        .retry_policy(args.snmp.retry_policy())
        .build()
        .await?;
    let session = client.session(addr, security)?;
    Ok(Collector::default().collect(&session).await?)
}

/// The human-readable summary.
fn write_summary(out: &mut impl Write, c: &Collected) -> io::Result<()> {
    let s = &c.snapshot;
    let id = &s.identity;
    let or_dash = |v: &Option<String>| v.clone().unwrap_or_else(|| "-".into());
    let [vendor, model, serial, name, location, contact] = [
        &id.vendor,
        &id.model,
        &id.serial_number,
        &id.sys_name,
        &id.sys_location,
        &id.sys_contact,
    ]
    .map(or_dash);
    writeln!(out, "{vendor} {model} (serial {serial})")?;
    writeln!(out, "  name {name}, location {location}, contact {contact}")?;
    writeln!(out, "  sysObjectID {}", or_dash(&id.sys_object_id))?;
    let status = &s.status;
    let errors: Vec<&str> = status.detected_errors.iter().map(|e| e.name()).collect();
    writeln!(
        out,
        "  status: device {}, printer {}; detected errors: {}",
        status.device_status.map_or("-".into(), |v| v.to_string()),
        status.printer_status.map_or("-".into(), |v| v.to_string()),
        if errors.is_empty() {
            "none".into()
        } else {
            errors.join(", ")
        }
    )?;
    for mac in &s.network.mac_addresses {
        writeln!(out, "  MAC {mac}")?;
    }
    for ip in &s.network.ipv4 {
        match ip.netmask {
            Some(mask) => writeln!(out, "  IPv4 {} netmask {mask}", ip.address)?,
            None => writeln!(out, "  IPv4 {}", ip.address)?,
        }
    }
    for a in &status.alerts {
        writeln!(
            out,
            "  alert {}: {} {} code {}: {}",
            a.index,
            a.severity,
            a.group,
            a.code,
            a.description.as_deref().unwrap_or("")
        )?;
    }
    for sup in &s.supplies {
        writeln!(
            out,
            "  supply {}: {} ({}) level {} of {} {}",
            sup.index, sup.description, sup.supply_type, sup.level, sup.max_capacity, sup.unit
        )?;
    }
    let counters = &s.counters;
    for m in &counters.marker_life {
        writeln!(
            out,
            "  marker {} life count: {} {}",
            m.marker, m.value, m.unit
        )?;
    }
    for (kind, list) in [("pwg", &counters.pwg), ("meter", &counters.vendor)] {
        for n in list {
            writeln!(
                out,
                "  {kind} {}: {}{}",
                n.name,
                n.value,
                n.unit
                    .as_deref()
                    .map(|u| format!(" {u}"))
                    .unwrap_or_default()
            )?;
        }
    }
    for note in &c.notes {
        writeln!(out, "  note: {}: {}", note.table, note.reason)?;
    }
    Ok(())
}
