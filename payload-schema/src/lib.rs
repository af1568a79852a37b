//! Typed XML payloads for print-fleet remote services.
//!
//! One namespaced ([`NAMESPACE`]), versioned (`schemaVersion`) family of documents:
//!
//! | kind | type | root element | XSD |
//! |---|---|---|---|
//! | office device (Table 1) | [`OfficeDevicePayload`] | `officeDevice` | `xsd/office.xsd` |
//! | production device (Table 2) | [`ProductionDevicePayload`] | `productionDevice` | `xsd/production.xsd` |
//! | device-management application (Table 3) | [`AgentPayload`] | `deviceManagement` | `xsd/agent.xsd` |
//! | site information | [`SiteInformation`] | `siteInformation` | `xsd/site.xsd` |
//! | registration | [`Registration`] | `registration` | `xsd/registration.xsd` |
//! | action request / result | [`ActionRequest`], [`ActionResult`] | `actionRequest`, `actionResult` | `xsd/action-request.xsd`, `xsd/action-result.xsd` |
//! | mailing-system transactions | [`TransactionBatch`] | `transactionBatch` | `xsd/transactions.xsd` |
//! | threshold-triggered request | [`ThresholdRequest`] | `thresholdRequest` | `xsd/threshold.xsd` |
//! | zip manifest | [`Manifest`] | `manifest` | `xsd/manifest.xsd` |
//!
//! The types keep invalid states out: text that would not survive XML ([`Text`]), MAC
//! addresses, timestamps, MIB enumerations by name ([`SupplyType`] ...), supply levels with the
//! Printer-MIB special values ([`SupplyLevel`]), a fault history of at most 40 entries
//! ([`FaultHistory`]), personal data marked [`Pii`]. Meters are `u64`.
//!
//! Payloads are built under a [`BuildPolicy`]: Locked Down mode strips every IP address and DNS
//! name; engineering/debug and customer-job data need explicit [`Consent`]. The policy is
//! recorded in the document and checked again before every write ([`Document::check_rules`]).
//!
//! The collector (`collect`, feature `snmp`) reads a printer over SNMP and fills a [`Snapshot`]
//! (its JSON is `fleetwire collect --json`), which becomes a [`DeviceRecord`]. [`package`] writes one or more documents into a zip with a SHA-256
//! manifest, streaming, and reads packages back under limits that refuse zip bombs.
//!
//! ```
//! use fleetwire_payload::*;
//! let snapshot: Snapshot = serde_json::from_str(r#"{
//!   "identity": {"sys_descr": "Xerox VersaLink C405", "serial_number": "3TB123456",
//!                "vendor": "Xerox", "model": "VersaLink C405"},
//!   "network": {"mac_addresses": ["9c:93:4e:01:02:03"],
//!               "ipv4": [{"address": "10.0.0.7", "netmask": "255.255.255.0"}]},
//!   "supplies": [{"index": 1, "description": "Black Toner", "type": "toner",
//!                 "class": "supplyThatIsConsumed", "unit": "percent",
//!                 "max_capacity": 100, "level": 80, "level_kind": "actual"}]
//! }"#).unwrap();
//! let policy = BuildPolicy { mode: SecurityMode::LockedDown, consent: Consent::NONE };
//! let at = Timestamp::from_unix(1_800_000_000).unwrap();
//! let payload = OfficeDevicePayload::build(at, snapshot.to_device_record(), None, vec![], &policy);
//! let xml = Document::Office(Box::new(payload)).to_xml().unwrap();
//! assert!(xml.contains("<mac>9c:93:4e:01:02:03</mac>"));
//! assert!(!xml.contains("10.0.0.7"), "locked down: no IP addresses");
//! let report = validate(xml.as_bytes()).unwrap();
//! assert_eq!(report.kind, PayloadKind::Office);
//! ```
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod agent;
#[cfg(feature = "snmp")]
pub mod collect;
pub mod device;
pub mod document;
pub mod error;
pub mod internal;
pub mod mib;
pub mod office;
pub mod package;
pub mod pii;
pub mod policy;
pub mod records;
pub mod snapshot;
pub mod stream;
pub mod text;
pub mod validate;
pub mod xsd;

pub use agent::{AgentIdentity, AgentPayload, DatabaseSize, JobRecord, PolicyViolation, Service};
pub use device::{
    Alert, Consumable, Counters, CustomerJob, DebugEntry, DeviceRecord, Discovery, Engineering,
    Event, FaultCount, FaultResolution, Hfsi, Identity, Ipv4Interface, License, Meter,
    MeterCategory, Module, Network, Nvm, PartReplacement, Properties, Property, Status,
    Transmission, TrapRecord, Usage,
};
pub use document::{Document, Parsed, PayloadKind};
pub use error::{PackageError, ReadError, RuleViolation, ValueError, WriteError};
pub use mib::{
    AlertGroup, AlertSeverity, Capacity, ConsoleColor, CounterUnit, CoverStatus, DetectedError,
    DeviceStatus, InputType, OutputType, PrinterStatus, SubUnitStatus, SupplyClass, SupplyLevel,
    SupplyType, SupplyUnit,
};
pub use office::{
    Bucket, Coverage, CruFailure, CruReplacement, Distribution, DistributionKind, Fault,
    FaultHistory, Jam, OfficeDevicePayload, PartsPerMillion, PowerState, ProductionData,
    ProductionDevicePayload,
};
pub use package::{Limits, Manifest, ManifestEntry, PackageReader, PackageWriter};
pub use pii::Pii;
pub use policy::{BuildPolicy, Consent, SecurityMode};
pub use records::{
    Action, ActionKind, ActionRequest, ActionResult, Address, Audit, Check, Contact, Failure,
    Outcome, Refill, Registration, SiteInformation, Succeeded, ThresholdRequest, TransactionBatch,
    TransactionRecord, Trigger, Upgrade,
};
pub use snapshot::Snapshot;
pub use stream::AgentPayloadWriter;
pub use text::{Email, MacAddress, Namespace, SchemaVersion, Sha256, Text, Timestamp};
pub use validate::{ValidationReport, validate};

/// The XML namespace of every payload (version 1 of the family; minor versions keep it).
pub const NAMESPACE: &str = "urn:fleetwire:payload:1";

/// The README's example runs as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctests;
