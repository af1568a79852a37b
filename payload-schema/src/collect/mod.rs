//! The printer data collector (feature `snmp`): reads one device with the
//! [`fleetwire_snmp::client`] and fills a [`Snapshot`] (and the [`Details`] the snapshot's
//! JSON has no keys for), which become a [`DeviceRecord`].
//!
//! What is read (OIDs and names in [`tables`]):
//!
//! - SNMPv2-MIB `system`; the vendor from `sysObjectID` ([`tables::vendor`]);
//! - HOST-RESOURCES-MIB: the printer's `hrDeviceStatus` and `hrDeviceDescr` (the model),
//!   `hrPrinterStatus`, `hrPrinterDetectedErrorState` (bits decoded to names), `hrMemorySize`,
//!   `hrStorageTable`;
//! - Printer-MIB (RFC 3805): `prtGeneralTable` (serial number), covers, input and output
//!   trays, markers (life counts), supplies with their colorants, console display lines and
//!   lights, the alert table;
//! - IF-MIB `ifPhysAddress` (MAC addresses), IP-MIB `ipAddrTable` (addresses with netmasks);
//! - PWG-IMAGING-COUNTER-MIB service, image, impression, two-sided and sheet counters;
//! - Xerox `xcmHrDevDetail` lifetime-usage (billing) meters, from any device that has them.
//!
//! How: the `system` group is walked first with GETNEXT (every agent answers it; a device
//! that does not answer fails here, once, with [`CollectError::Timeout`] or
//! [`CollectError::Security`]). One GETBULK probe then decides how the other subtrees are
//! walked: with GETBULK, or with GETNEXT for SNMPv1 and for agents that do not answer
//! GETBULK. The other subtrees are walked concurrently ([`Collector::concurrency`] at a
//! time). A subtree the device does not have is simply empty; a subtree whose walk fails
//! with an error status or a looping agent keeps what was read before the failure and is
//! noted in [`Collected::notes`]. Only a device that stops answering, or SNMPv3 security,
//! fails a collection.
//!
//! The interpretation ([`Collected::from_view`]) is sans-IO: it takes the [`MibView`] of
//! everything read.

mod read;
pub mod tables;
mod view;

use std::net::SocketAddr;

use fleetwire_snmp::client::{self, Session};
use fleetwire_snmp::manager::{self, Walk, WalkMode};
use fleetwire_snmp::usm::UsmError;
use fleetwire_snmp::{Oid, OidError, VarBind};
use tokio::task::JoinSet;

use crate::device::{DeviceRecord, Property};
use crate::mib::{
    Capacity, ConsoleColor, CoverStatus, InputType, OutputType, SubUnitStatus, SupplyLevel,
    SupplyUnit,
};
use crate::snapshot::Snapshot;
use crate::text::Text;

pub use self::tables::Subtree;
pub use self::view::{MibView, Row};

/// What one collection found.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Collected {
    /// The snapshot (`fleetwire collect --json`).
    pub snapshot: Snapshot,
    /// What the snapshot's JSON has no keys for.
    pub details: Details,
    /// Tables that could not be read completely, and rows left out.
    pub notes: Vec<Note>,
}

/// A table that could not be read completely, or rows left out of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Note {
    /// The MIB table or group.
    pub table: &'static str,
    /// What happened.
    pub reason: String,
}

/// Device details beyond the snapshot: hardware configuration, paper path, console.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Details {
    /// `sysUpTime` (hundredths of a second).
    pub uptime_ticks: Option<u32>,
    /// `hrMemorySize` (KiB).
    pub memory_kib: Option<u64>,
    /// `hrStorageTable`.
    pub storage: Vec<Storage>,
    /// `prtGeneralPrinterName`.
    pub printer_name: Option<String>,
    /// `prtAlertCriticalEvents`.
    pub alert_critical_events: Option<u64>,
    /// `prtAlertAllEvents`.
    pub alert_all_events: Option<u64>,
    /// `prtCoverTable`.
    pub covers: Vec<Cover>,
    /// `prtInputTable`.
    pub inputs: Vec<InputTray>,
    /// `prtOutputTable`.
    pub outputs: Vec<OutputTray>,
    /// `prtConsoleDisplayBufferText`, line by line.
    pub console: Vec<String>,
    /// `prtConsoleLightTable`.
    pub lights: Vec<ConsoleLight>,
    /// Supply index → colorant name (`prtMarkerColorantValue` of the supply's colorant).
    pub supply_colorants: Vec<(u32, String)>,
}

/// An `hrStorageTable` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// `hrStorageIndex`.
    pub index: u32,
    /// `hrStorageDescr`.
    pub description: String,
    /// `hrStorageSize` × `hrStorageAllocationUnits`.
    pub size_bytes: u64,
    /// `hrStorageUsed` × `hrStorageAllocationUnits`.
    pub used_bytes: Option<u64>,
}

/// A `prtCoverTable` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cover {
    /// `prtCoverIndex`.
    pub index: u32,
    /// `prtCoverDescription`.
    pub description: Option<String>,
    /// `prtCoverStatus`.
    pub status: Option<CoverStatus>,
}

/// A `prtInputTable` row (a paper tray).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InputTray {
    /// `prtInputIndex`.
    pub index: u32,
    /// `prtInputName`.
    pub name: Option<String>,
    /// `prtInputDescription`.
    pub description: Option<String>,
    /// `prtInputType`.
    pub input_type: Option<InputType>,
    /// `prtInputCapacityUnit`.
    pub unit: Option<SupplyUnit>,
    /// `prtInputMaxCapacity`.
    pub max_capacity: Option<Capacity>,
    /// `prtInputCurrentLevel` (-1 other, -2 unknown, -3 at least one unit).
    pub level: Option<SupplyLevel>,
    /// `prtInputStatus`.
    pub status: Option<SubUnitStatus>,
    /// `prtInputMediaName`.
    pub media_name: Option<String>,
    /// `prtInputMediaType`.
    pub media_type: Option<String>,
    /// `prtInputMediaColor`.
    pub media_color: Option<String>,
}

/// A `prtOutputTable` row (an output bin).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OutputTray {
    /// `prtOutputIndex`.
    pub index: u32,
    /// `prtOutputName`.
    pub name: Option<String>,
    /// `prtOutputDescription`.
    pub description: Option<String>,
    /// `prtOutputType`.
    pub output_type: Option<OutputType>,
    /// `prtOutputCapacityUnit`.
    pub unit: Option<SupplyUnit>,
    /// `prtOutputMaxCapacity`.
    pub max_capacity: Option<Capacity>,
    /// `prtOutputRemainingCapacity` (-1 other, -2 unknown, -3 at least one unit).
    pub remaining: Option<SupplyLevel>,
    /// `prtOutputStatus`.
    pub status: Option<SubUnitStatus>,
}

/// A `prtConsoleLightTable` row.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsoleLight {
    /// `prtConsoleLightIndex`.
    pub index: u32,
    /// `prtConsoleDescription`.
    pub description: Option<String>,
    /// `prtConsoleColor`.
    pub color: Option<ConsoleColor>,
    /// From `prtConsoleOnTime` and `prtConsoleOffTime`.
    pub state: Option<LightState>,
}

/// A console light's state (RFC 3805 `prtConsoleOnTime`/`prtConsoleOffTime`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LightState {
    /// On time 0.
    Off,
    /// On time non-zero, off time 0.
    On,
    /// Both non-zero.
    Blinking,
}

impl Collected {
    /// The payloads' device record: [`Snapshot::to_device_record`], plus the hardware
    /// configuration (memory, storage, trays, covers) as properties, console lines,
    /// uptime and supply colorants.
    pub fn to_device_record(&self) -> DeviceRecord {
        let mut d = self.snapshot.to_device_record();
        let details = &self.details;
        d.properties.hardware = details.properties();
        d.status.console_message = details
            .console
            .iter()
            .filter_map(|l| Text::sanitize(l))
            .collect();
        d.status.uptime_seconds = details.uptime_ticks.map(|t| u64::from(t / 100));
        for c in &mut d.consumable {
            c.colorant = details
                .supply_colorants
                .iter()
                .find(|(i, _)| *i == c.index)
                .and_then(|(_, name)| Text::sanitize(name));
        }
        d
    }
}

impl Details {
    /// The hardware configuration as named properties.
    fn properties(&self) -> Vec<Property> {
        let mut out: Vec<(String, String)> = Vec::new();
        if let Some(kib) = self.memory_kib {
            out.push(("memory".into(), format!("{kib} KiB")));
        }
        for s in &self.storage {
            let used = s
                .used_bytes
                .map(|u| format!(", {u} bytes used"))
                .unwrap_or_default();
            out.push((
                format!("storage {}", label(&s.description, s.index)),
                format!("{} bytes{used}", s.size_bytes),
            ));
        }
        for i in &self.inputs {
            let mut v = vec![];
            push(&mut v, i.input_type.map(|t| t.to_string()));
            push(&mut v, level_text(i.level, i.max_capacity, i.unit));
            let media = [&i.media_name, &i.media_type, &i.media_color]
                .into_iter()
                .flatten()
                .cloned()
                .collect::<Vec<_>>()
                .join(" ");
            push(&mut v, Some(media).filter(|m| !m.is_empty()));
            push(&mut v, i.status.map(|s| s.to_string()));
            let name = i.name.as_deref().or(i.description.as_deref()).unwrap_or("");
            out.push((format!("input {}", label(name, i.index)), v.join(", ")));
        }
        for o in &self.outputs {
            let mut v = vec![];
            push(&mut v, o.output_type.map(|t| t.to_string()));
            push(
                &mut v,
                level_text(o.remaining, o.max_capacity, o.unit).map(|l| format!("{l} free")),
            );
            push(&mut v, o.status.map(|s| s.to_string()));
            let name = o.name.as_deref().or(o.description.as_deref()).unwrap_or("");
            out.push((format!("output {}", label(name, o.index)), v.join(", ")));
        }
        for c in &self.covers {
            let name = c.description.as_deref().unwrap_or("");
            let status = c.status.map(|s| s.to_string()).unwrap_or_default();
            out.push((format!("cover {}", label(name, c.index)), status));
        }
        out.into_iter()
            .filter_map(|(name, value)| {
                Some(Property {
                    name: Text::sanitize(&name)?,
                    value: Text::sanitize(&value)?,
                })
            })
            .collect()
    }
}

fn push(v: &mut Vec<String>, s: Option<String>) {
    v.extend(s);
}

fn label(name: &str, index: u32) -> String {
    let name = name.trim();
    if name.is_empty() {
        index.to_string()
    } else {
        name.to_owned()
    }
}

fn level_text(
    level: Option<SupplyLevel>,
    max: Option<Capacity>,
    unit: Option<SupplyUnit>,
) -> Option<String> {
    let level = level?;
    let max = max.map(|m| format!(" of {m}")).unwrap_or_default();
    let unit = unit.map(|u| format!(" {u}")).unwrap_or_default();
    Some(format!("{level}{max}{unit}"))
}

/// Why a collection failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum CollectError {
    /// The device did not answer (wrong community, wrong privacy password, or not there).
    #[error("{target}: no response to {table} after {attempts} attempts")]
    Timeout {
        /// The device.
        target: SocketAddr,
        /// What was being read.
        table: &'static str,
        /// Transmissions made.
        attempts: u32,
    },
    /// SNMPv3 security failed: unknown user, wrong authentication password, unsupported
    /// security level, a response that does not verify or decrypt.
    #[error("{target}: SNMPv3 security failure reading {table}: {source}")]
    Security {
        /// The device.
        target: SocketAddr,
        /// What was being read.
        table: &'static str,
        /// The USM error.
        #[source]
        source: UsmError,
    },
    /// Any other failure of the exchange (socket errors, time synchronisation that does not
    /// settle, an error status in the first walk).
    #[error("{target}: reading {table}: {source}")]
    Snmp {
        /// The device.
        target: SocketAddr,
        /// What was being read.
        table: &'static str,
        /// The client error.
        #[source]
        source: client::Error,
    },
    /// A table OID of [`tables`] is not encodable (a bug in this crate).
    #[error("the OID of {table} is invalid: {source}")]
    Oid {
        /// The table.
        table: &'static str,
        /// Why.
        #[source]
        source: OidError,
    },
    /// A walk task ended abnormally (it panicked or the runtime is shutting down).
    #[error("a collection task failed: {0}")]
    Task(#[source] tokio::task::JoinError),
}

impl CollectError {
    fn from_client(target: SocketAddr, table: &'static str, error: client::Error) -> Self {
        match error {
            client::Error::Snmp(manager::Error::Timeout { attempts }) => Self::Timeout {
                target,
                table,
                attempts,
            },
            client::Error::Snmp(manager::Error::Usm(source)) => Self::Security {
                target,
                table,
                source,
            },
            source => Self::Snmp {
                target,
                table,
                source,
            },
        }
    }
}

/// How a device is read. [`Default`]: GETBULK with max-repetitions 20, four walks at a time,
/// at most 100,000 varbinds per subtree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Collector {
    /// GETBULK max-repetitions.
    pub max_repetitions: u32,
    /// Subtrees walked at the same time (at least 1).
    pub concurrency: usize,
    /// The most varbinds one subtree may return (a bound on memory for agents that loop).
    pub walk_limit: usize,
}

impl Default for Collector {
    fn default() -> Self {
        Self {
            max_repetitions: 20,
            concurrency: 4,
            walk_limit: 100_000,
        }
    }
}

/// Whether a walk error leaves the device usable: an error status, a looping agent, a
/// response that cannot be used. Timeouts, SNMPv3 security and socket errors are not.
fn is_table_error(e: &client::Error) -> bool {
    matches!(
        e.snmp(),
        Some(
            manager::Error::ErrorStatus { .. }
                | manager::Error::NotIncreasing { .. }
                | manager::Error::RepeatedOid(_)
                | manager::Error::ResultLimit(_)
                | manager::Error::TooBig
                | manager::Error::Decode(_)
                | manager::Error::UnexpectedPdu(_)
        )
    )
}

impl Collector {
    /// Reads the device behind `session` (see the [module docs](self)).
    pub async fn collect(&self, session: &Session) -> Result<Collected, CollectError> {
        let target = session.addr();
        let session = session.clone().with_walk_limit(self.walk_limit);
        let mut view = MibView::new();
        let system = tables::SYSTEM;
        let (varbinds, error) = walk(&session, system, WalkMode::GetNext).await?;
        if let Some(e) = error {
            return Err(CollectError::from_client(target, system.name, e));
        }
        view.extend(&varbinds);
        let mode = self.walk_mode(&session).await?;

        let mut notes = Vec::new();
        let mut pending = tables::SUBTREES.iter();
        let mut running = JoinSet::new();
        loop {
            while running.len() < self.concurrency.max(1) {
                let Some(subtree) = pending.next() else {
                    break;
                };
                let session = session.clone();
                running.spawn(async move { (subtree, walk(&session, *subtree, mode).await) });
            }
            let Some(joined) = running.join_next().await else {
                break;
            };
            let (subtree, result) = joined.map_err(CollectError::Task)?;
            let (varbinds, error) = result?;
            view.extend(&varbinds);
            match error {
                None => {}
                Some(e) if is_table_error(&e) => notes.push(Note {
                    table: subtree.name,
                    reason: format!("walk stopped after {} varbinds: {e}", varbinds.len()),
                }),
                Some(e) => return Err(CollectError::from_client(target, subtree.name, e)),
            }
        }
        let mut collected = Collected::from_view(&view);
        notes.append(&mut collected.notes);
        collected.notes = notes;
        Ok(collected)
    }

    /// GETBULK if the agent answers one, else GETNEXT (SNMPv1; agents without GETBULK).
    async fn walk_mode(&self, session: &Session) -> Result<WalkMode, CollectError> {
        let system = tables::SYSTEM;
        let root = subtree_oid(system)?;
        match session.get_bulk(0, 1, &[root]).await {
            Ok(_) => Ok(WalkMode::GetBulk {
                max_repetitions: self.max_repetitions.max(1),
            }),
            Err(e)
                if is_table_error(&e)
                    || matches!(
                        e.snmp(),
                        Some(manager::Error::NotInV1(_) | manager::Error::Timeout { .. })
                    ) =>
            {
                Ok(WalkMode::GetNext)
            }
            Err(e) => Err(CollectError::from_client(session.addr(), system.name, e)),
        }
    }
}

/// Reads one device with the default [`Collector`].
pub async fn collect(session: &Session) -> Result<Collected, CollectError> {
    Collector::default().collect(session).await
}

fn subtree_oid(subtree: Subtree) -> Result<Oid<'static>, CollectError> {
    Oid::from_arcs(subtree.oid).map_err(|source| CollectError::Oid {
        table: subtree.name,
        source,
    })
}

/// Walks `subtree`, keeping the varbinds read before an error.
async fn walk(
    session: &Session,
    subtree: Subtree,
    mode: WalkMode,
) -> Result<(Vec<VarBind<'static>>, Option<client::Error>), CollectError> {
    let mut out = Vec::new();
    let result = session
        .walk_with(Walk::new(subtree_oid(subtree)?, mode), |step| {
            out.extend_from_slice(&step.varbinds);
        })
        .await;
    Ok((out, result.err()))
}
