//! The collector against our fixture recordings, served on loopback by our own command
//! responder (in-process, v1, v2c and v3 authPriv) and by snmpsim's snmpsimd.
//!
//! Expectations are read from the recording text here, line by line, never from the
//! collector: every supply row, counter, serial number, MAC, IP address with netmask and
//! error bit must come out exactly as recorded.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use fleetwire_payload::collect::{CollectError, Collected, Collector};
use fleetwire_payload::snapshot::Snapshot;
use fleetwire_payload::{
    AlertGroup, AlertSeverity, BuildPolicy, CounterUnit, Document, OfficeDevicePayload,
    PayloadKind, SupplyClass, SupplyType, SupplyUnit, Timestamp, validate,
};
use fleetwire_snmp::client::Client;
use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::manager::Security;
use fleetwire_snmp::responder::server::ServerHandle;
use fleetwire_snmp::responder::{MemoryBoots, MibTree, Responder};
use fleetwire_snmp::snmprec::Recording;
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel, UsmUser};
use fleetwire_snmp::vacm::{FamilyType, SecurityModel};
use fleetwire_testkit as tk;
use serde_json::{Value, json};

const DEVICES: [&str; 4] = [
    "office_colour_mfp",
    "office_mono_printer",
    "production_colour_press",
    "mailing_system",
];

fn recording_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../agent/fixtures/recordings")
        .join(format!("{name}.snmprec"))
}

/// The recording's lines as OID → (type, value text), straight from the file.
fn lines(name: &str) -> BTreeMap<String, (String, String)> {
    let text = std::fs::read_to_string(recording_path(name)).unwrap();
    text.lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
        .map(|l| {
            let mut parts = l.splitn(3, '|');
            let oid = parts.next().unwrap().to_owned();
            let ty = parts.next().unwrap().to_owned();
            let value = parts.next().unwrap().to_owned();
            (oid, (ty, value))
        })
        .collect()
}

/// The rows under `prefix.` as (suffix after the prefix, value text), in OID order.
fn under<'a>(
    rec: &'a BTreeMap<String, (String, String)>,
    prefix: &str,
) -> impl Iterator<Item = (&'a str, &'a str)> + 'a {
    let mut rows: Vec<(&str, &str)> = rec
        .iter()
        .filter_map(|(oid, (_, v))| {
            oid.strip_prefix(prefix)
                .and_then(|rest| rest.strip_prefix('.'))
                .map(|rest| (rest, v.as_str()))
        })
        .collect();
    let arcs = |s: &str| -> Vec<u32> { s.split('.').map(|a| a.parse().unwrap()).collect() };
    rows.sort_by_key(|(rest, _)| arcs(rest));
    rows.into_iter()
}

fn value<'a>(rec: &'a BTreeMap<String, (String, String)>, oid: &str) -> &'a str {
    &rec.get(oid)
        .unwrap_or_else(|| panic!("{oid} not in the recording"))
        .1
}

fn int(s: &str) -> i64 {
    s.parse().unwrap()
}

fn hex(s: &str) -> Vec<u8> {
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

/// hrPrinterDetectedErrorState bit names (HOST-RESOURCES-MIB; bit 0 = MSB of octet 1).
const ERROR_BITS: [&str; 15] = [
    "lowPaper",
    "noPaper",
    "lowToner",
    "noToner",
    "doorOpen",
    "jammed",
    "offline",
    "serviceRequested",
    "inputTrayMissing",
    "outputTrayMissing",
    "markerSupplyMissing",
    "outputNearFull",
    "outputFull",
    "inputTrayEmpty",
    "overduePreventMaint",
];

/// What `collect --json` must print for the recording, derived from its text.
fn expected_json(name: &str) -> Value {
    let rec = lines(name);
    let sys = |n: u32| json!(value(&rec, &format!("1.3.6.1.2.1.1.{n}.0")));
    let mac = under(&rec, "1.3.6.1.2.1.2.2.1.6")
        .filter(|(_, v)| v.len() == 12)
        .map(|(_, v)| {
            let b = hex(v);
            b.iter()
                .map(|o| format!("{o:02x}"))
                .collect::<Vec<_>>()
                .join(":")
        })
        .collect::<Vec<_>>();
    let mut ipv4 = under(&rec, "1.3.6.1.2.1.4.20.1.1")
        .map(|(idx, addr)| {
            let mask = value(&rec, &format!("1.3.6.1.2.1.4.20.1.3.{idx}"));
            let key: Vec<u8> = addr.split('.').map(|p| p.parse().unwrap()).collect();
            (key, json!({"address": addr, "netmask": mask}))
        })
        .collect::<Vec<_>>();
    ipv4.sort_by(|a, b| a.0.cmp(&b.0));
    let bits = hex(value(&rec, "1.3.6.1.2.1.25.3.5.1.2.1"));
    let errors: Vec<&str> = (0..15)
        .filter(|i| bits.get(i / 8).is_some_and(|o| o & (0x80 >> (i % 8)) != 0))
        .map(|i| ERROR_BITS[i])
        .collect();
    let supply_rows: Vec<u32> = under(&rec, "1.3.6.1.2.1.43.11.1.1.6.1")
        .map(|(i, _)| i.parse().unwrap())
        .collect();
    let supplies: Vec<Value> = supply_rows
        .iter()
        .map(|i| {
            let col = |c: u32| value(&rec, &format!("1.3.6.1.2.1.43.11.1.1.{c}.1.{i}"));
            let level = int(col(9));
            let (level, kind) = match level {
                -1 => (Value::Null, "other"),
                -2 => (Value::Null, "unknown"),
                -3 => (Value::Null, "some_remaining"),
                n => (json!(n), "actual"),
            };
            json!({
                "index": i,
                "description": col(6),
                "type": SupplyType::from_mib(int(col(5)) as i32).to_string(),
                "class": SupplyClass::from_mib(int(col(4)) as i32).to_string(),
                "unit": SupplyUnit::from_mib(int(col(7)) as i32).to_string(),
                "max_capacity": int(col(8)),
                "level": level,
                "level_kind": kind,
            })
        })
        .collect();
    let alerts: Vec<Value> = under(&rec, "1.3.6.1.2.1.43.18.1.1.2.1")
        .map(|(i, _)| {
            let col = |c: u32| value(&rec, &format!("1.3.6.1.2.1.43.18.1.1.{c}.1.{i}"));
            json!({
                "index": int(i),
                "severity": AlertSeverity::from_mib(int(col(2)) as i32).to_string(),
                "group": AlertGroup::from_mib(int(col(4)) as i32).to_string(),
                "code": int(col(7)),
                "description": col(8),
                "time_ticks": int(col(9)),
            })
        })
        .collect();
    let marker_life: Vec<Value> = under(&rec, "1.3.6.1.2.1.43.10.2.1.4.1")
        .map(|(m, v)| {
            let unit = value(&rec, &format!("1.3.6.1.2.1.43.10.2.1.3.1.{m}"));
            json!({
                "marker": int(m),
                "unit": CounterUnit::from_mib(int(unit) as i32).to_string(),
                "value": int(v),
            })
        })
        .collect();
    let vendor: Vec<Value> = under(&rec, "1.3.6.1.4.1.253.8.53.13.2.1.6")
        .map(|(idx, v)| {
            let desc = value(&rec, &format!("1.3.6.1.4.1.253.8.53.13.2.1.9.{idx}"));
            let unit = value(&rec, &format!("1.3.6.1.4.1.253.8.53.13.2.1.5.{idx}"));
            json!({"name": desc, "unit": SupplyUnit::from_mib(int(unit) as i32).to_string(), "value": int(v)})
        })
        .collect();
    let descr = value(&rec, "1.3.6.1.2.1.25.3.2.1.3.1");
    let object_id = value(&rec, "1.3.6.1.2.1.1.2.0");
    let vendor_name = object_id.starts_with("1.3.6.1.4.1.253.").then_some("Xerox");
    let device_status = ["", "unknown", "running", "warning", "testing", "down"]
        [int(value(&rec, "1.3.6.1.2.1.25.3.2.1.5.1")) as usize];
    let printer_status = ["", "other", "unknown", "idle", "printing", "warmup"]
        [int(value(&rec, "1.3.6.1.2.1.25.3.5.1.1.1")) as usize];
    json!({
        "identity": {
            "sys_descr": sys(1),
            "sys_object_id": object_id,
            "sys_name": sys(5),
            "sys_location": sys(6),
            "sys_contact": sys(4),
            "serial_number": value(&rec, "1.3.6.1.2.1.43.5.1.1.17.1"),
            "vendor": vendor_name,
            "model": descr.strip_prefix("Xerox ").unwrap_or(descr),
        },
        "network": {"mac_addresses": mac, "ipv4": ipv4.into_iter().map(|(_, v)| v).collect::<Vec<_>>()},
        "status": {
            "device_status": device_status,
            "printer_status": printer_status,
            "detected_errors": errors,
            "alerts": alerts,
        },
        "counters": {"marker_life": marker_life, "vendor": vendor},
        "supplies": supplies,
    })
}

/// The PWG counters of the recording: (service name, table, column, value) for every
/// workTotals/lifetime row.
fn expected_pwg(name: &str) -> Vec<(String, u64)> {
    let rec = lines(name);
    let service_types: BTreeMap<&str, &str> = under(&rec, "1.3.6.1.4.1.2699.1.3.1.3.1.1.1")
        .map(|(key, ty)| {
            let n = match ty {
                "3" => "systemTotals",
                "4" => "copy",
                "7" => "faxIn",
                "11" => "print",
                "12" => "scan",
                other => panic!("service type {other} not in this test"),
            };
            (key, n)
        })
        .collect();
    let objects = [
        (
            "7",
            [
                "icImageTotalImages",
                "icImageMonochromeImages",
                "icImageFullColorImages",
                "",
                "",
            ],
        ),
        (
            "8",
            [
                "icImpressionTotalImps",
                "icImpressionMonochromeImps",
                "icImpressionBlankImps",
                "icImpressionFullColorImps",
                "icImpressionHighlightColorImps",
            ],
        ),
        (
            "9",
            [
                "icTwoSidedTotalImps",
                "icTwoSidedMonochromeImps",
                "icTwoSidedBlankImps",
                "icTwoSidedFullColorImps",
                "icTwoSidedHighlightColorImps",
            ],
        ),
        (
            "10",
            [
                "icSheetTotalSheets",
                "icSheetMonochromeSheets",
                "icSheetBlankSheets",
                "icSheetFullColorSheets",
                "icSheetHighlightColorSheets",
            ],
        ),
    ];
    let mut out = Vec::new();
    for (table, names) in objects {
        for (rest, v) in under(&rec, &format!("1.3.6.1.4.1.2699.1.3.1.{table}.1.1")) {
            let parts: Vec<&str> = rest.split('.').collect();
            let [column, key, "3", "3"] = parts[..] else {
                panic!("unexpected PWG row {rest}");
            };
            let object = names[column.parse::<usize>().unwrap() - 4];
            out.push((
                format!("{}.{object}.workTotals.lifetime", service_types[key]),
                v.parse().unwrap(),
            ));
        }
    }
    out.sort();
    out
}

fn check(name: &str, collected: &Collected) {
    let got = serde_json::to_value(&collected.snapshot).unwrap();
    let mut want = expected_json(name);
    // PWG names are checked separately (sorted), everything else as is.
    let mut pwg: Vec<(String, u64)> = collected
        .snapshot
        .counters
        .pwg
        .iter()
        .map(|c| (c.name.clone(), c.value))
        .collect();
    pwg.sort();
    assert_eq!(pwg, expected_pwg(name), "{name}: PWG counters");
    assert!(
        !pwg.is_empty(),
        "{name}: the fixtures all have PWG counters"
    );
    want["counters"]["pwg"] = got["counters"]["pwg"].clone();
    for section in ["identity", "network", "status", "counters", "supplies"] {
        assert_eq!(got[section], want[section], "{name}: {section}");
    }
    assert_eq!(got, want, "{name}");
    assert!(collected.notes.is_empty(), "{name}: {:?}", collected.notes);
}

/// A responder serving `name`'s recording to community `name` (v1, v2c) and, when given, to
/// a v3 user.
fn responder(name: &str, user: Option<&UsmUser>) -> Responder {
    let text = std::fs::read(recording_path(name)).unwrap();
    responder_for(Recording::parse(&text).unwrap(), name, user)
}

fn responder_for(recording: Recording, community: &str, user: Option<&UsmUser>) -> Responder {
    let oid = |s: &str| s.parse::<fleetwire_snmp::Oid<'static>>().unwrap();
    let tree: MibTree = recording.into_entries().into_iter().collect();
    let mut r = Responder::new(Arc::new(RustCrypto::new()));
    r.mib_mut().register(oid("1.3.6.1"), tree).unwrap();
    r.allow_community(community.as_bytes(), oid("1.3.6.1"), false)
        .unwrap();
    if let Some(user) = user {
        r.enable_v3(
            b"fleetwire-collect-test",
            &mut MemoryBoots(0),
            Duration::ZERO,
        )
        .unwrap();
        let vacm = r.vacm_mut();
        vacm.add_view_family(b"all", oid("1.3"), &[], FamilyType::Included)
            .unwrap();
        vacm.grant(
            SecurityModel::Usm,
            user.name(),
            SecurityLevel::AuthPriv,
            b"all",
            b"",
        );
        r.add_user(user).unwrap();
    }
    r
}

async fn serve(r: Responder) -> (ServerHandle, SocketAddr) {
    let server = ServerHandle::bind(&["127.0.0.1:0".parse().unwrap()], r)
        .await
        .unwrap();
    let addr = server.local_addrs()[0];
    (server, addr)
}

async fn client(timeout: Duration, retries: u32) -> Client {
    Client::builder()
        .timeout(timeout)
        .retries(retries)
        .bind_v6(None)
        .build()
        .await
        .unwrap()
}

async fn collect(addr: SocketAddr, security: Security) -> Result<Collected, CollectError> {
    let client = client(Duration::from_millis(500), 2).await;
    let session = client.session(addr, security).unwrap();
    Collector::default().collect(&session).await
}

fn user(auth_pass: &str) -> UsmUser {
    let crypto = RustCrypto::new();
    UsmUser::new(b"collector")
        .unwrap()
        .with_auth_password(&crypto, AuthProtocol::Sha256, auth_pass.as_bytes())
        .unwrap()
        .with_priv_password(&crypto, PrivProtocol::Aes128, b"collect-priv-pass")
        .unwrap()
}

#[tokio::test]
async fn every_fixture_over_v2c_and_v1_comes_out_exactly() {
    for name in DEVICES {
        let (server, addr) = serve(responder(name, None)).await;
        let v2c = collect(addr, Security::v2c(name)).await.unwrap();
        check(name, &v2c);
        // SNMPv1 has no GETBULK: the collector walks with GETNEXT and reads the same.
        let v1 = collect(addr, Security::v1(name)).await.unwrap();
        assert_eq!(v1, v2c, "{name}: v1 and v2c differ");
        server.shutdown().await;
    }
}

#[tokio::test]
async fn fixture_details_and_payload() {
    let name = "office_colour_mfp";
    let (server, addr) = serve(responder(name, None)).await;
    let c = collect(addr, Security::v2c(name)).await.unwrap();
    server.shutdown().await;
    let rec = lines(name);
    let d = &c.details;
    assert_eq!(
        d.memory_kib,
        Some(int(value(&rec, "1.3.6.1.2.1.25.2.2.0")) as u64)
    );
    assert_eq!(
        d.uptime_ticks,
        Some(int(value(&rec, "1.3.6.1.2.1.1.3.0")) as u32)
    );
    assert_eq!(
        d.printer_name.as_deref(),
        Some(value(&rec, "1.3.6.1.2.1.43.5.1.1.16.1"))
    );
    let storage: Vec<(String, u64)> = d
        .storage
        .iter()
        .map(|s| (s.description.clone(), s.size_bytes))
        .collect();
    let want: Vec<(String, u64)> = under(&rec, "1.3.6.1.2.1.25.2.3.1.3")
        .map(|(i, descr)| {
            let units = int(value(&rec, &format!("1.3.6.1.2.1.25.2.3.1.4.{i}")));
            let size = int(value(&rec, &format!("1.3.6.1.2.1.25.2.3.1.5.{i}")));
            (descr.to_owned(), (units * size) as u64)
        })
        .collect();
    assert_eq!(storage, want);
    let inputs: Vec<(Option<String>, Option<String>)> = d
        .inputs
        .iter()
        .map(|i| (i.name.clone(), i.level.map(|l| l.to_string())))
        .collect();
    let want: Vec<(Option<String>, Option<String>)> = under(&rec, "1.3.6.1.2.1.43.8.2.1.13.1")
        .map(|(i, n)| {
            let level = value(&rec, &format!("1.3.6.1.2.1.43.8.2.1.10.1.{i}"));
            let level = match level {
                "-1" => "other".to_owned(),
                "-2" => "unknown".to_owned(),
                "-3" => "some-remaining".to_owned(),
                n => n.to_owned(),
            };
            (Some(n.to_owned()), Some(level))
        })
        .collect();
    assert_eq!(inputs, want);
    assert_eq!(
        d.outputs.len(),
        under(&rec, "1.3.6.1.2.1.43.9.2.1.7.1").count()
    );
    let covers: Vec<Option<String>> = d.covers.iter().map(|c| c.description.clone()).collect();
    let want: Vec<Option<String>> = under(&rec, "1.3.6.1.2.1.43.6.1.1.2.1")
        .map(|(_, v)| Some(v.to_owned()))
        .collect();
    assert_eq!(covers, want);
    assert!(
        d.covers
            .iter()
            .all(|c| c.status.map(|s| s.to_string()).as_deref() == Some("coverClosed"))
    );
    let console: Vec<&str> = under(&rec, "1.3.6.1.2.1.43.16.5.1.2.1")
        .map(|(_, v)| v)
        .collect();
    assert_eq!(d.console, console);
    assert_eq!(
        d.lights.len(),
        under(&rec, "1.3.6.1.2.1.43.17.6.1.5.1").count()
    );
    // Supply colorants: the four toners name theirs, the rest have none.
    let colorants: Vec<(u32, &str)> = d
        .supply_colorants
        .iter()
        .map(|(i, c)| (*i, c.as_str()))
        .collect();
    assert_eq!(
        colorants,
        [(1, "black"), (2, "cyan"), (3, "magenta"), (4, "yellow")]
    );

    // The device record validates as an office payload (and with xmllint, against the XSD).
    let record = c.to_device_record();
    assert!(
        record
            .properties
            .hardware
            .iter()
            .any(|p| p.name.as_str() == "memory")
    );
    assert_eq!(record.status.console_message.len(), 2);
    let at = Timestamp::from_unix(1_800_000_000).unwrap();
    let doc = Document::Office(Box::new(OfficeDevicePayload::build(
        at,
        record,
        None,
        vec![],
        &BuildPolicy::default(),
    )));
    let xml = doc.to_xml().unwrap();
    assert_eq!(validate(xml.as_bytes()).unwrap().kind, PayloadKind::Office);
    assert!(xml.contains("FWMFP240117"));
    if tk::require_tool("xmllint") {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("office.xml");
        std::fs::write(&file, &xml).unwrap();
        let xsd = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("xsd/office.xsd");
        let out = std::process::Command::new("xmllint")
            .args(["--noout", "--schema"])
            .arg(&xsd)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// A UDP proxy in front of `upstream` that drops every GetBulkRequest, like agents that do
/// not implement GETBULK and never answer it.
async fn without_getbulk(upstream: SocketAddr) -> SocketAddr {
    let front = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let back = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = front.local_addr().unwrap();
    tokio::spawn(async move {
        let mut manager = None;
        let (mut a, mut b) = (vec![0u8; 65535], vec![0u8; 65535]);
        loop {
            tokio::select! {
                Ok((n, from)) = front.recv_from(&mut a) => {
                    let bulk = fleetwire_snmp::Message::decode(&a[..n])
                        .ok()
                        .and_then(|m| m.pdu().map(|p| p.pdu_type()))
                        == Some(fleetwire_snmp::PduType::GetBulkRequest);
                    if !bulk {
                        manager = Some(from);
                        back.send_to(&a[..n], upstream).await.unwrap();
                    }
                }
                Ok((n, _)) = back.recv_from(&mut b) => {
                    if let Some(to) = manager {
                        front.send_to(&b[..n], to).await.unwrap();
                    }
                }
            }
        }
    });
    addr
}

#[tokio::test]
async fn an_agent_without_getbulk_is_walked_with_getnext() {
    let name = "office_mono_printer";
    let (server, addr) = serve(responder(name, None)).await;
    let proxy = without_getbulk(addr).await;
    let c = collect(proxy, Security::v2c(name)).await.unwrap();
    check(name, &c);
    server.shutdown().await;
}

#[tokio::test]
async fn v3_auth_priv_collection() {
    let name = "production_colour_press";
    let ours = user("collect-auth-pass");
    let (server, addr) = serve(responder(name, Some(&ours))).await;
    let v3 = collect(addr, Security::v3(ours.clone(), SecurityLevel::AuthPriv))
        .await
        .unwrap();
    check(name, &v3);
    // The wrong authentication password is a typed security failure, not a timeout.
    let wrong = user("not-the-auth-pass");
    let err = collect(addr, Security::v3(wrong, SecurityLevel::AuthPriv))
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            CollectError::Security {
                table: "system",
                ..
            }
        ),
        "{err}"
    );
    server.shutdown().await;
}

#[tokio::test]
async fn a_device_without_printer_tables_is_not_an_error() {
    // Only the system group, interfaces and the host-resources device table: no Printer-MIB,
    // no PWG counters, no vendor meters, no IP table.
    let text = std::fs::read(recording_path("office_mono_printer")).unwrap();
    let full = Recording::parse(&text).unwrap();
    let keep = ["1.3.6.1.2.1.1.", "1.3.6.1.2.1.2.", "1.3.6.1.2.1.25.3.2."];
    let entries: Vec<_> = full
        .into_entries()
        .into_iter()
        .filter(|(oid, _)| keep.iter().any(|k| oid.to_string().starts_with(k)))
        .collect();
    let (server, addr) = serve(responder_for(
        Recording::from_entries(entries),
        "bare",
        None,
    ))
    .await;
    let c = collect(addr, Security::v2c("bare")).await.unwrap();
    server.shutdown().await;
    let s = &c.snapshot;
    assert!(c.notes.is_empty(), "{:?}", c.notes);
    assert_eq!(s.identity.sys_name.as_deref(), Some("prn-b2-accounts"));
    assert_eq!(s.identity.serial_number, None);
    assert_eq!(s.identity.vendor.as_deref(), Some("Xerox"));
    assert_eq!(s.identity.model.as_deref(), Some("VersaLink B7190"));
    assert_eq!(s.network.mac_addresses.len(), 1);
    assert!(s.network.ipv4.is_empty());
    assert_eq!(s.status.printer_status, None);
    assert!(s.status.detected_errors.is_empty() && s.status.alerts.is_empty());
    assert!(s.supplies.is_empty());
    assert_eq!(s.counters, Default::default());
    assert!(c.details.inputs.is_empty() && c.details.storage.is_empty());
    // The empty snapshot still makes a valid payload.
    let json = serde_json::to_value(s).unwrap();
    assert_eq!(json["supplies"], json!([]));
    let back: Snapshot = serde_json::from_value(json).unwrap();
    assert_eq!(&back, s);
}

#[tokio::test]
async fn a_silent_device_is_a_timeout() {
    // A bound socket that never answers.
    let silent = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    let addr = silent.local_addr().unwrap();
    let client = client(Duration::from_millis(100), 1).await;
    let session = client.session(addr, Security::v2c("public")).unwrap();
    let err = Collector::default().collect(&session).await.unwrap_err();
    match err {
        CollectError::Timeout {
            target,
            table,
            attempts,
        } => {
            assert_eq!((target, table, attempts), (addr, "system", 2));
        }
        other => panic!("{other}"),
    }
}

#[tokio::test]
async fn snmpsimd_serves_the_same_device() {
    if !tk::require_tool("snmpsimd") {
        return;
    }
    let name = "office_colour_mfp";
    let path = recording_path(name);
    let sim = tokio::task::spawn_blocking(move || tk::Snmpsimd::start(&[path]))
        .await
        .unwrap();
    let addr = sim.addr();
    let client = client(Duration::from_secs(2), 2).await;
    for security in [Security::v2c(name), Security::v1(name)] {
        let session = client.session(addr, security).unwrap();
        let c = Collector::default().collect(&session).await.unwrap();
        check(name, &c);
    }
    drop(sim);
}
