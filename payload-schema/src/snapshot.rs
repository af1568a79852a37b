//! The device snapshot the collector fills: what one SNMP read of a printer found.
//!
//! Its JSON form is the output of `fleetwire collect --json`, with exactly these top-level keys:
//! `identity`, `network`, `status`, `counters`, `supplies` (field names below). Absent values are
//! `null` or empty lists; strings are kept as the device sent them (the payload builder cleans
//! them up). [`Snapshot::to_device_record`] turns a snapshot into the payloads' device record.
//!
//! Supplies carry `level` (a number or `null`) and `level_kind` (`actual`, `other`, `unknown`,
//! `some_remaining`); `max_capacity` is the Printer-MIB integer (-1 other, -2 unknown).

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::device::{Alert, Consumable, DeviceRecord, Ipv4Interface, Meter, MeterCategory};
use crate::error::ValueError;
use crate::mib::{
    AlertGroup, AlertSeverity, Capacity, CounterUnit, DetectedError, DeviceStatus, PrinterStatus,
    SupplyClass, SupplyLevel, SupplyType, SupplyUnit,
};
use crate::text::{MacAddress, Text};

/// One device as read over SNMP.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Snapshot {
    /// System group, serial number, vendor and model.
    pub identity: SnapshotIdentity,
    /// MAC and IPv4 addresses.
    pub network: SnapshotNetwork,
    /// Device and printer status, detected errors, alerts.
    pub status: SnapshotStatus,
    /// Marker life counts, PWG imaging counters, vendor meters.
    pub counters: SnapshotCounters,
    /// `prtMarkerSuppliesTable`.
    pub supplies: Vec<SnapshotSupply>,
}

/// `identity` of the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotIdentity {
    /// `sysDescr`.
    pub sys_descr: Option<String>,
    /// `sysObjectID`, dotted.
    pub sys_object_id: Option<String>,
    /// `sysName`.
    pub sys_name: Option<String>,
    /// `sysLocation`.
    pub sys_location: Option<String>,
    /// `sysContact`.
    pub sys_contact: Option<String>,
    /// `prtGeneralSerialNumber`.
    pub serial_number: Option<String>,
    /// Vendor detected from `sysObjectID`.
    pub vendor: Option<String>,
    /// Model (`hrDeviceDescr` or vendor MIB).
    pub model: Option<String>,
}

/// `network` of the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotNetwork {
    /// `ifPhysAddress` values of six octets, lower-case colon-separated.
    pub mac_addresses: Vec<MacAddress>,
    /// `ipAddrTable` rows.
    pub ipv4: Vec<SnapshotIpv4>,
}

/// An IPv4 address row.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotIpv4 {
    /// `ipAdEntAddr`.
    pub address: Ipv4Addr,
    /// `ipAdEntNetMask`.
    pub netmask: Option<Ipv4Addr>,
}

/// `status` of the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotStatus {
    /// `hrDeviceStatus` of the printer's `hrDeviceEntry`.
    pub device_status: Option<DeviceStatus>,
    /// `hrPrinterStatus`.
    pub printer_status: Option<PrinterStatus>,
    /// `hrPrinterDetectedErrorState` bits by name ([`DetectedError::from_bits`]).
    pub detected_errors: Vec<DetectedError>,
    /// `prtAlertTable` rows.
    pub alerts: Vec<SnapshotAlert>,
}

/// A `prtAlertTable` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SnapshotAlert {
    /// `prtAlertIndex`.
    pub index: u32,
    /// `prtAlertSeverityLevel`.
    pub severity: AlertSeverity,
    /// `prtAlertGroup`.
    pub group: AlertGroup,
    /// `prtAlertCode`.
    pub code: i32,
    /// `prtAlertDescription`.
    pub description: Option<String>,
    /// `prtAlertTime` (ticks).
    pub time_ticks: Option<u32>,
}

/// `counters` of the snapshot.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct SnapshotCounters {
    /// `prtMarkerLifeCount` per marker.
    pub marker_life: Vec<MarkerLife>,
    /// PWG imaging counters.
    pub pwg: Vec<NamedCounter>,
    /// Vendor meters (e.g. Xerox `xcmHrDevDetail` billing meters).
    pub vendor: Vec<NamedCounter>,
}

/// One marker's life count.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MarkerLife {
    /// `prtMarkerIndex`.
    pub marker: u32,
    /// `prtMarkerCounterUnit`.
    pub unit: CounterUnit,
    /// `prtMarkerLifeCount`.
    pub value: u64,
}

/// A named meter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NamedCounter {
    /// Meter name.
    pub name: String,
    /// Unit, when known.
    pub unit: Option<String>,
    /// Reading.
    pub value: u64,
}

/// A `prtMarkerSuppliesTable` row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "SupplyJson", into = "SupplyJson")]
pub struct SnapshotSupply {
    /// `prtMarkerSuppliesIndex`.
    pub index: u32,
    /// `prtMarkerSuppliesDescription`.
    pub description: String,
    /// `prtMarkerSuppliesType`.
    pub supply_type: SupplyType,
    /// `prtMarkerSuppliesClass`.
    pub class: SupplyClass,
    /// `prtMarkerSuppliesSupplyUnit`.
    pub unit: SupplyUnit,
    /// `prtMarkerSuppliesMaxCapacity`.
    pub max_capacity: Capacity,
    /// `prtMarkerSuppliesLevel`.
    pub level: SupplyLevel,
}

/// The JSON shape of a supply row.
#[derive(Serialize, Deserialize)]
struct SupplyJson {
    index: u32,
    description: String,
    #[serde(rename = "type")]
    supply_type: SupplyType,
    class: SupplyClass,
    unit: SupplyUnit,
    max_capacity: i32,
    level: Option<u32>,
    level_kind: String,
}

impl TryFrom<SupplyJson> for SnapshotSupply {
    type Error = ValueError;
    fn try_from(j: SupplyJson) -> Result<Self, ValueError> {
        Ok(Self {
            index: j.index,
            description: j.description,
            supply_type: j.supply_type,
            class: j.class,
            unit: j.unit,
            max_capacity: Capacity::from_mib(j.max_capacity)
                .ok_or_else(|| ValueError::Level(j.max_capacity.to_string()))?,
            level: SupplyLevel::from_kind(&j.level_kind, j.level)?,
        })
    }
}

impl From<SnapshotSupply> for SupplyJson {
    fn from(s: SnapshotSupply) -> Self {
        Self {
            index: s.index,
            description: s.description,
            supply_type: s.supply_type,
            class: s.class,
            unit: s.unit,
            max_capacity: match s.max_capacity {
                Capacity::Actual(n) => i32::try_from(n).unwrap_or(i32::MAX),
                Capacity::Other => -1,
                Capacity::Unknown => -2,
            },
            level: s.level.actual(),
            level_kind: s.level.kind().to_owned(),
        }
    }
}

impl Snapshot {
    /// The payloads' device record for this snapshot. Device strings are cleaned into
    /// [`Text`] (empty ones dropped); `sysName` becomes the DNS name (so Locked Down mode strips
    /// it); `sysContact` is left out (it often names a person).
    pub fn to_device_record(&self) -> DeviceRecord {
        let t = |s: &Option<String>| s.as_deref().and_then(Text::sanitize);
        let id = &self.identity;
        let mut d = DeviceRecord::default();
        d.identity.manufacturer = t(&id.vendor);
        d.identity.model = t(&id.model);
        d.identity.serial_number = t(&id.serial_number);
        d.identity.description = t(&id.sys_descr);
        d.identity.object_id = t(&id.sys_object_id);
        d.identity.location = t(&id.sys_location);
        d.network.mac = self.network.mac_addresses.clone();
        d.network.ipv4 = self
            .network
            .ipv4
            .iter()
            .map(|i| Ipv4Interface {
                address: i.address,
                netmask: i.netmask,
            })
            .collect();
        d.network.dns_name = t(&id.sys_name);
        d.status.device_status = self.status.device_status;
        d.status.printer_status = self.status.printer_status;
        d.status.detected_error = self.status.detected_errors.clone();
        d.status.alert = self
            .status
            .alerts
            .iter()
            .map(|a| Alert {
                index: a.index,
                severity: a.severity,
                group: a.group,
                code: a.code,
                description: t(&a.description),
                time_ticks: a.time_ticks,
            })
            .collect();
        let c = &self.counters;
        let marker = c.marker_life.iter().map(|m| Meter {
            category: MeterCategory::MarkerLife,
            name: Text::sanitize(&format!("marker {}", m.marker)).unwrap_or_else(fallback_name),
            unit: Text::sanitize(&m.unit.to_string()),
            value: m.value,
        });
        let named = |category: MeterCategory| {
            move |n: &NamedCounter| Meter {
                category,
                name: Text::sanitize(&n.name).unwrap_or_else(fallback_name),
                unit: n.unit.as_deref().and_then(Text::sanitize),
                value: n.value,
            }
        };
        d.counters.meter = marker
            .chain(c.pwg.iter().map(named(MeterCategory::Pwg)))
            .chain(c.vendor.iter().map(named(MeterCategory::Vendor)))
            .collect();
        d.consumable = self
            .supplies
            .iter()
            .map(|s| {
                let name = Text::sanitize(&s.description)
                    .or_else(|| Text::sanitize(&format!("supply {}", s.index)))
                    .unwrap_or_else(fallback_name);
                Consumable::new(
                    s.index,
                    name,
                    s.supply_type,
                    s.class,
                    s.unit,
                    s.max_capacity,
                    s.level,
                )
            })
            .collect();
        d
    }
}

fn fallback_name() -> Text {
    Text::literal("unnamed")
}
