//! The collector's snapshot: exactly the `fleetwire collect --json` keys, and its conversion
//! into a device record.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use fleetwire_payload::snapshot::*;
use fleetwire_payload::*;
use serde_json::{Value, json};

fn sample() -> Snapshot {
    Snapshot {
        identity: SnapshotIdentity {
            sys_descr: Some("Xerox VersaLink C405\r\n".into()),
            sys_object_id: Some("1.3.6.1.4.1.253.8.62.1.35.1.1.1".into()),
            sys_name: Some("prn-7".into()),
            sys_location: Some("".into()),
            sys_contact: Some("carol@example.com".into()),
            serial_number: Some("3TB123456".into()),
            vendor: Some("Xerox".into()),
            model: Some("VersaLink C405".into()),
        },
        network: SnapshotNetwork {
            mac_addresses: vec!["9C:93:4E:01:02:03".parse().unwrap()],
            ipv4: vec![SnapshotIpv4 {
                address: "10.0.0.7".parse().unwrap(),
                netmask: None,
            }],
        },
        status: SnapshotStatus {
            device_status: Some(DeviceStatus::Warning),
            printer_status: Some(PrinterStatus::Idle),
            detected_errors: DetectedError::from_bits(&[0x04]), // bit 5
            alerts: vec![SnapshotAlert {
                index: 3,
                severity: AlertSeverity::Warning,
                group: AlertGroup::MarkerSupplies,
                code: 1104,
                description: Some("Toner low".into()),
                time_ticks: Some(100),
            }],
        },
        counters: SnapshotCounters {
            marker_life: vec![MarkerLife {
                marker: 1,
                unit: CounterUnit::Impressions,
                value: 123_456,
            }],
            pwg: vec![NamedCounter {
                name: "TotalImpressions".into(),
                unit: None,
                value: 5,
            }],
            vendor: vec![NamedCounter {
                name: "Black Printed Impressions".into(),
                unit: Some("impressions".into()),
                value: u64::MAX,
            }],
        },
        supplies: vec![
            SnapshotSupply {
                index: 1,
                description: "Black Toner".into(),
                supply_type: SupplyType::Toner,
                class: SupplyClass::Consumed,
                unit: SupplyUnit::Percent,
                max_capacity: Capacity::Actual(100),
                level: SupplyLevel::Actual(12),
            },
            SnapshotSupply {
                index: 2,
                description: "Waste".into(),
                supply_type: SupplyType::from_mib(77),
                class: SupplyClass::Filled,
                unit: SupplyUnit::Other,
                max_capacity: Capacity::Other,
                level: SupplyLevel::SomeRemaining,
            },
        ],
    }
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[test]
fn json_has_exactly_the_documented_keys() {
    let v = serde_json::to_value(sample()).unwrap();
    assert_eq!(
        keys(&v),
        ["counters", "identity", "network", "status", "supplies"]
    );
    assert_eq!(
        keys(&v["identity"]),
        [
            "model",
            "serial_number",
            "sys_contact",
            "sys_descr",
            "sys_location",
            "sys_name",
            "sys_object_id",
            "vendor"
        ]
    );
    assert_eq!(keys(&v["network"]), ["ipv4", "mac_addresses"]);
    assert_eq!(v["network"]["mac_addresses"], json!(["9c:93:4e:01:02:03"]));
    assert_eq!(
        v["network"]["ipv4"],
        json!([{"address": "10.0.0.7", "netmask": null}])
    );
    assert_eq!(
        keys(&v["status"]),
        [
            "alerts",
            "detected_errors",
            "device_status",
            "printer_status"
        ]
    );
    assert_eq!(v["status"]["detected_errors"], json!(["jammed"]));
    assert_eq!(v["status"]["device_status"], json!("warning"));
    assert_eq!(keys(&v["counters"]), ["marker_life", "pwg", "vendor"]);
    assert_eq!(
        v["counters"]["marker_life"],
        json!([{"marker": 1, "unit": "impressions", "value": 123_456}])
    );
    assert_eq!(v["counters"]["vendor"][0]["value"], json!(u64::MAX));
    assert_eq!(
        v["supplies"],
        json!([
            {"index": 1, "description": "Black Toner", "type": "toner", "class": "supplyThatIsConsumed",
             "unit": "percent", "max_capacity": 100, "level": 12, "level_kind": "actual"},
            {"index": 2, "description": "Waste", "type": "77", "class": "receptacleThatIsFilled",
             "unit": "other", "max_capacity": -1, "level": null, "level_kind": "some_remaining"}
        ])
    );
    let back: Snapshot = serde_json::from_value(v).unwrap();
    assert_eq!(back, sample());
}

#[test]
fn inconsistent_levels_are_refused() {
    let mut v = serde_json::to_value(sample()).unwrap();
    v["supplies"][0]["level_kind"] = json!("unknown");
    assert!(serde_json::from_value::<Snapshot>(v.clone()).is_err());
    v["supplies"][0]["level_kind"] = json!("actual");
    v["supplies"][0]["max_capacity"] = json!(-3);
    assert!(serde_json::from_value::<Snapshot>(v).is_err());
    // Missing sections are normal (a device without the tables).
    let empty: Snapshot = serde_json::from_str("{}").unwrap();
    assert_eq!(empty, Snapshot::default());
}

#[test]
fn snapshot_becomes_a_device_record() {
    let d = sample().to_device_record();
    assert_eq!(
        d.identity.description.as_ref().unwrap().as_str(),
        "Xerox VersaLink C405"
    );
    assert_eq!(d.identity.location, None, "empty strings are dropped");
    assert_eq!(d.network.dns_name.as_ref().unwrap().as_str(), "prn-7");
    assert_eq!(d.status.detected_error, [DetectedError::Jammed]);
    assert_eq!(d.counters.meter.len(), 3);
    assert_eq!(d.counters.meter[0].category, MeterCategory::MarkerLife);
    assert_eq!(d.consumable[1].level, SupplyLevel::SomeRemaining);
    let doc = Document::Office(Box::new(OfficeDevicePayload::build(
        internal::sample_time(),
        d,
        None,
        vec![],
        &BuildPolicy::default(),
    )));
    common::assert_xsd_valid(&[&doc]);
    let xml = doc.to_xml().unwrap();
    assert!(!xml.contains("carol"), "sysContact stays home");
    validate(xml.as_bytes()).unwrap();
}
