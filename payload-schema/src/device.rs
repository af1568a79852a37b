//! The parts of a device record shared by the office, production and device-management
//! payloads (Tables 1-3 of the remote-services white paper): identity, network, properties,
//! status, counters, consumables and detailed usage, plus the consent-gated engineering/debug
//! and customer-job data.
//!
//! Every optional element is left out when absent; lists are repeated elements, empty when
//! absent.

use std::net::Ipv4Addr;

use serde::{Deserialize, Serialize};

use crate::mib::{
    AlertGroup, AlertSeverity, Capacity, DetectedError, DeviceStatus, PrinterStatus, SupplyClass,
    SupplyLevel, SupplyType, SupplyUnit,
};
use crate::pii::Pii;
use crate::text::{MacAddress, Text, Timestamp};

/// One device: what every device payload carries about it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DeviceRecord {
    /// Who the device is.
    pub identity: Identity,
    /// How it is reached (addresses are dropped in Locked Down mode).
    #[serde(default)]
    pub network: Network,
    /// Hardware, software and features.
    #[serde(default)]
    pub properties: Properties,
    /// Current state, faults and history.
    #[serde(default)]
    pub status: Status,
    /// Billing and usage meters.
    #[serde(default)]
    pub counters: Counters,
    /// Supplies (toner, drums, waste bins ...), one per `prtMarkerSuppliesIndex`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub consumable: Vec<Consumable>,
    /// Detailed machine usage, when the device reports it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub usage: Option<Usage>,
}

/// Identity: model, serial, firmware per module, licences, location.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Identity {
    /// Manufacturer (vendor) name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<Text>,
    /// Model name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Text>,
    /// Device serial number (`prtGeneralSerialNumber`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<Text>,
    /// Customer asset tag.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub asset_tag: Option<Text>,
    /// Print queue name on the customer's server.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_name: Option<Text>,
    /// `sysDescr`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// `sysObjectID` in dotted form.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub object_id: Option<Text>,
    /// Physical location (`sysLocation`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub location: Option<Text>,
    /// Modules with firmware levels, serials and install dates.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub module: Vec<Module>,
    /// Licensed features.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub license: Vec<License>,
}

/// A hardware or software module of the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Module {
    /// Module name (controller, engine, finisher ...).
    pub name: Text,
    /// Firmware level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub firmware: Option<Text>,
    /// Module serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<Text>,
    /// When it was installed.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub installed: Option<Timestamp>,
}

/// A licensed feature.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct License {
    /// Feature name.
    pub feature: Text,
    /// Expiry, if it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
}

/// Network identity. In Locked Down mode only the MAC addresses remain.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Network {
    /// MAC addresses of the interfaces.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub mac: Vec<MacAddress>,
    /// IPv4 addresses with their subnet masks.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub ipv4: Vec<Ipv4Interface>,
    /// DNS name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dns_name: Option<Text>,
    /// Default gateway.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gateway: Option<Ipv4Addr>,
    /// IPX network number (legacy fleets).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipx_network: Option<Text>,
    /// IPX node address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ipx_node: Option<Text>,
}

impl Network {
    /// Drops every IP address and DNS name (Locked Down mode). IPX addresses go too: they are
    /// network addresses of the same kind.
    pub fn strip_addresses(&mut self) {
        self.ipv4.clear();
        self.dns_name = None;
        self.gateway = None;
        self.ipx_network = None;
        self.ipx_node = None;
    }

    /// Whether any address Locked Down mode forbids is present.
    pub fn has_addresses(&self) -> bool {
        !self.ipv4.is_empty()
            || self.dns_name.is_some()
            || self.gateway.is_some()
            || self.ipx_network.is_some()
            || self.ipx_node.is_some()
    }
}

/// An IPv4 address and its subnet mask.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Ipv4Interface {
    /// The address.
    pub address: Ipv4Addr,
    /// The subnet mask.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub netmask: Option<Ipv4Addr>,
}

/// Hardware and software configuration and features.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Properties {
    /// Hardware configuration (memory, disk, trays, finisher ...).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hardware: Vec<Property>,
    /// Software configuration.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub software: Vec<Property>,
    /// Enabled features.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub feature: Vec<Text>,
}

/// A named configuration value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Property {
    /// Name.
    pub name: Text,
    /// Value.
    pub value: Text,
}

/// Status: the MIB states, detected errors, alerts, and the histories the device keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Status {
    /// `hrDeviceStatus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_status: Option<DeviceStatus>,
    /// `hrPrinterStatus`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub printer_status: Option<PrinterStatus>,
    /// Bits set in `hrPrinterDetectedErrorState`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub detected_error: Vec<DetectedError>,
    /// Active alerts (`prtAlertTable`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub alert: Vec<Alert>,
    /// Console display lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub console_message: Vec<Text>,
    /// Fault counts by fault code (fault history).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fault_count: Vec<FaultCount>,
    /// Device event log.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event: Vec<Event>,
    /// Transmission history (data sent to the remote-services server).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub transmission: Vec<Transmission>,
    /// How and when the agent discovered the device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discovery: Option<Discovery>,
    /// `sysUpTime` in seconds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uptime_seconds: Option<u64>,
    /// Traps received from the device.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub trap: Vec<TrapRecord>,
}

/// A row of `prtAlertTable`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Alert {
    /// `prtAlertIndex`.
    pub index: u32,
    /// `prtAlertSeverityLevel`.
    pub severity: AlertSeverity,
    /// `prtAlertGroup`.
    pub group: AlertGroup,
    /// `prtAlertCode` (`PrtAlertCodeTC` integer).
    pub code: i32,
    /// `prtAlertDescription`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// `prtAlertTime` (sysUpTime ticks when it was raised).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_ticks: Option<u32>,
}

/// How often a fault occurred.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FaultCount {
    /// Vendor fault code.
    pub code: Text,
    /// Occurrences.
    pub count: u64,
}

/// An entry of the device's event log.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Event {
    /// When.
    pub at: Timestamp,
    /// Event code.
    pub code: Text,
    /// What happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
}

/// One past transmission to the remote-services server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Transmission {
    /// When.
    pub at: Timestamp,
    /// What was sent (payload kind).
    pub kind: Text,
    /// Whether the server accepted it.
    pub accepted: bool,
}

/// How the device was found.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Discovery {
    /// When.
    pub at: Timestamp,
    /// Method (`snmp-range`, `snmp-broadcast`, `manual` ...).
    pub method: Text,
}

/// A trap (notification) received from the device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TrapRecord {
    /// When it arrived.
    pub at: Timestamp,
    /// `snmpTrapOID` in dotted form.
    pub trap_oid: Text,
    /// A summary of its varbinds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub summary: Option<Text>,
}

/// Meters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Counters {
    /// Every meter, with its category.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub meter: Vec<Meter>,
}

/// A meter reading.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Meter {
    /// What the meter counts for.
    pub category: MeterCategory,
    /// Meter name (the vendor's or the MIB's).
    pub name: Text,
    /// Unit (`impressions`, `sheets` ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<Text>,
    /// The reading.
    pub value: u64,
}

crate::mib::named_enum! {
    /// Meter categories of Tables 1-3.
    MeterCategory {
        /// A billing meter (the vendor's contract meters).
        Billing => "billing",
        /// Print counter.
        Print => "print",
        /// Copy counter.
        Copy => "copy",
        /// Scan counter.
        Scan => "scan",
        /// Fax counter.
        Fax => "fax",
        /// Large-job counter.
        LargeJob => "largeJob",
        /// `prtMarkerLifeCount` of a marker.
        MarkerLife => "markerLife",
        /// PWG imaging counter (PWG 5106.1).
        Pwg => "pwg",
        /// Another vendor meter.
        Vendor => "vendor",
    }
}

/// A supply (consumable).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Consumable {
    /// `prtMarkerSuppliesIndex`.
    pub index: u32,
    /// Name (`prtMarkerSuppliesDescription`).
    pub name: Text,
    /// `prtMarkerSuppliesType`.
    #[serde(rename = "type")]
    pub supply_type: SupplyType,
    /// `prtMarkerSuppliesClass`.
    pub class: SupplyClass,
    /// `prtMarkerSuppliesSupplyUnit`.
    pub unit: SupplyUnit,
    /// `prtMarkerSuppliesMaxCapacity`.
    pub max_capacity: Capacity,
    /// `prtMarkerSuppliesLevel`.
    pub level: SupplyLevel,
    /// Colorant (`prtMarkerColorantValue`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub colorant: Option<Text>,
    /// Manufacturer.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub manufacturer: Option<Text>,
    /// Model / part number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<Text>,
    /// Serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<Text>,
    /// Status text (ok, low, empty ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<Text>,
    /// Lifetime counter (impressions made with it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub lifetime_count: Option<u64>,
}

impl Consumable {
    /// A supply with the Printer-MIB columns set and the optional details absent.
    pub fn new(
        index: u32,
        name: Text,
        supply_type: SupplyType,
        class: SupplyClass,
        unit: SupplyUnit,
        max_capacity: Capacity,
        level: SupplyLevel,
    ) -> Self {
        Self {
            index,
            name,
            supply_type,
            class,
            unit,
            max_capacity,
            level,
            colorant: None,
            manufacturer: None,
            model: None,
            serial_number: None,
            status: None,
            lifetime_count: None,
        }
    }
}

/// Detailed machine usage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Usage {
    /// High-frequency service items.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub hfsi: Vec<Hfsi>,
    /// Non-volatile memory values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub nvm: Vec<Nvm>,
    /// Parts replaced.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub part_replacement: Vec<PartReplacement>,
    /// Faults and how they were resolved.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub fault_resolution: Vec<FaultResolution>,
}

/// A high-frequency service item counter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Hfsi {
    /// Item name.
    pub name: Text,
    /// Count since the last replacement.
    pub count: u64,
    /// Replacement threshold.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<u64>,
}

/// A non-volatile memory location and its value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Nvm {
    /// Location.
    pub location: Text,
    /// Value.
    pub value: Text,
}

/// A replaced part.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PartReplacement {
    /// Part name or number.
    pub part: Text,
    /// When.
    pub at: Timestamp,
    /// Total impressions at replacement.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impressions: Option<u64>,
}

/// A resolved fault.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct FaultResolution {
    /// Fault code.
    pub code: Text,
    /// When it was resolved.
    pub resolved: Timestamp,
    /// What resolved it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<Text>,
}

/// Engineering/debug data: free-form, may hold PII, needs the engineering consent flag.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Engineering {
    /// Named debug values.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<DebugEntry>,
}

/// A named debug value (PII).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DebugEntry {
    /// Name.
    pub name: Text,
    /// Value; may contain user names, addresses or paths.
    pub value: Pii<Text>,
}

/// A customer job (PII: needs the customer-jobs consent flag).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CustomerJob {
    /// When it was submitted.
    pub submitted: Timestamp,
    /// Job name.
    pub name: Pii<Text>,
    /// Submitting user.
    pub user: Pii<Text>,
    /// The user's e-mail address.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub email: Option<Pii<crate::text::Email>>,
    /// Impressions.
    pub impressions: u64,
    /// Whether it printed in colour.
    pub color: bool,
}
