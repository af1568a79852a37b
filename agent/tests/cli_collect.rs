//! `fleetwire collect`, run as the real binary against a fixture recording served on loopback
//! by our command responder (in this test process).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use common::{fleetwire, json_lines, stderr, stdout};
use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::responder::server::ServerHandle;
use fleetwire_snmp::responder::{MibTree, Responder};
use fleetwire_snmp::snmprec::Recording;
use fleetwire_testkit as tk;
use serde_json::{Value, json};

const DEVICE: &str = "office_colour_mfp";

fn recording_text() -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("fixtures/recordings")
        .join(format!("{DEVICE}.snmprec"));
    std::fs::read_to_string(path).unwrap()
}

/// The recorded value text of `oid`.
fn recorded(oid: &str) -> String {
    recording_text()
        .lines()
        .find_map(|l| l.strip_prefix(&format!("{oid}|")))
        .and_then(|rest| rest.split_once('|'))
        .map(|(_, v)| v.to_owned())
        .unwrap_or_else(|| panic!("{oid} is not recorded"))
}

/// Serves the recording (community = its name) until the runtime is dropped.
fn serve(rt: &tokio::runtime::Runtime) -> (ServerHandle, SocketAddr) {
    let recording = Recording::parse(recording_text().as_bytes()).unwrap();
    let tree: MibTree = recording.into_entries().into_iter().collect();
    let mut responder = Responder::new(Arc::new(RustCrypto::new()));
    let root: fleetwire_snmp::Oid<'static> = "1.3.6.1".parse().unwrap();
    responder.mib_mut().register(root.clone(), tree).unwrap();
    responder
        .allow_community(DEVICE.as_bytes(), root, false)
        .unwrap();
    let server = rt
        .block_on(ServerHandle::bind(
            &["127.0.0.1:0".parse().unwrap()],
            responder,
        ))
        .unwrap();
    let addr = server.local_addrs()[0];
    (server, addr)
}

fn collect(addr: SocketAddr, extra: &[&str]) -> std::process::Output {
    let target = addr.to_string();
    let mut args = vec!["collect", "-v", "2c", "-c", DEVICE, "-t", "1", "-r", "1"];
    args.extend_from_slice(extra);
    args.push(&target);
    fleetwire(&args)
}

fn keys(v: &Value) -> Vec<&str> {
    let mut k: Vec<&str> = v.as_object().unwrap().keys().map(String::as_str).collect();
    k.sort_unstable();
    k
}

#[test]
fn json_has_the_documented_keys_and_the_recorded_values() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_server, addr) = serve(&rt);
    let out = collect(addr, &["--json"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1, "one object on one line");
    let v = &lines[0];
    // The documented keys, section by section (issue 6).
    let documented = [
        ("", "counters identity network status supplies"),
        (
            "identity",
            "model serial_number sys_contact sys_descr sys_location sys_name sys_object_id vendor",
        ),
        ("network", "ipv4 mac_addresses"),
        (
            "status",
            "alerts detected_errors device_status printer_status",
        ),
        ("counters", "marker_life pwg vendor"),
    ];
    for (section, want) in documented {
        let part = if section.is_empty() { v } else { &v[section] };
        assert_eq!(keys(part).join(" "), want, "{section}");
    }
    for s in v["supplies"].as_array().unwrap() {
        assert_eq!(
            keys(s).join(" "),
            "class description index level level_kind max_capacity type unit"
        );
    }

    let id = &v["identity"];
    assert_eq!(id["sys_descr"], json!(recorded("1.3.6.1.2.1.1.1.0")));
    assert_eq!(id["sys_object_id"], json!(recorded("1.3.6.1.2.1.1.2.0")));
    assert_eq!(id["sys_name"], json!(recorded("1.3.6.1.2.1.1.5.0")));
    assert_eq!(
        id["serial_number"],
        json!(recorded("1.3.6.1.2.1.43.5.1.1.17.1"))
    );
    assert_eq!(id["vendor"], json!("Xerox"));
    // 4x|00005e005321
    let mac = recorded("1.3.6.1.2.1.2.2.1.6.1");
    let mac: Vec<String> = (0..6).map(|i| mac[2 * i..2 * i + 2].to_owned()).collect();
    assert_eq!(v["network"]["mac_addresses"], json!([mac.join(":")]));
    assert_eq!(
        v["network"]["ipv4"],
        json!([
            {"address": "127.0.0.1", "netmask": recorded("1.3.6.1.2.1.4.20.1.3.127.0.0.1")},
            {"address": "192.0.2.21", "netmask": recorded("1.3.6.1.2.1.4.20.1.3.192.0.2.21")},
        ])
    );
    // a0 04: bits 0, 2 and 13.
    assert_eq!(recorded("1.3.6.1.2.1.25.3.5.1.2.1"), "a004");
    assert_eq!(
        v["status"]["detected_errors"],
        json!(["lowPaper", "lowToner", "inputTrayEmpty"])
    );
    assert_eq!(v["status"]["device_status"], json!("warning"));
    assert_eq!(v["status"]["printer_status"], json!("idle"));
    let supplies = v["supplies"].as_array().unwrap();
    for s in supplies {
        let i = s["index"].as_u64().unwrap();
        let level: i64 = recorded(&format!("1.3.6.1.2.1.43.11.1.1.9.1.{i}"))
            .parse()
            .unwrap();
        let max: i64 = recorded(&format!("1.3.6.1.2.1.43.11.1.1.8.1.{i}"))
            .parse()
            .unwrap();
        assert_eq!(
            s["description"],
            json!(recorded(&format!("1.3.6.1.2.1.43.11.1.1.6.1.{i}")))
        );
        assert_eq!(s["max_capacity"], json!(max));
        let (want_level, want_kind) = match level {
            -1 => (Value::Null, "other"),
            -2 => (Value::Null, "unknown"),
            -3 => (Value::Null, "some_remaining"),
            n => (json!(n), "actual"),
        };
        assert_eq!(
            (&s["level"], &s["level_kind"]),
            (&want_level, &json!(want_kind))
        );
    }
    assert_eq!(supplies.len(), 8);
    assert_eq!(
        v["counters"]["marker_life"],
        json!([{"marker": 1, "unit": "impressions",
                "value": recorded("1.3.6.1.2.1.43.10.2.1.4.1.1").parse::<u64>().unwrap()}])
    );
    assert_eq!(v["counters"]["vendor"].as_array().unwrap().len(), 7);
    assert!(
        v["counters"]["pwg"]
            .as_array()
            .unwrap()
            .contains(&json!({"name": "systemTotals.icImpressionTotalImps.workTotals.lifetime",
                              "unit": "impressions",
                              "value": recorded("1.3.6.1.4.1.2699.1.3.1.8.1.1.4.1.3.3").parse::<u64>().unwrap()}))
    );
}

fn xsd(kind: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../payload-schema/xsd")
        .join(format!("{kind}.xsd"))
}

#[test]
fn xml_of_each_kind_validates_against_the_shipped_xsd() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_server, addr) = serve(&rt);
    let dir = tempfile::tempdir().unwrap();
    let serial = recorded("1.3.6.1.2.1.43.5.1.1.17.1");
    for kind in ["office", "production", "agent"] {
        let out = collect(addr, &["--xml", kind]);
        assert!(out.status.success(), "{kind}: {}", stderr(&out));
        let xml = stdout(&out);
        assert!(xml.starts_with("<?xml"), "{kind}: {xml}");
        assert!(xml.contains(&serial), "{kind}");
        assert!(
            xml.contains("192.0.2.21"),
            "{kind}: addresses in normal mode"
        );
        let file = dir.path().join(format!("{kind}.xml"));
        std::fs::write(&file, &xml).unwrap();
        if tk::require_tool("xmllint") {
            let check = std::process::Command::new("xmllint")
                .args(["--noout", "--schema"])
                .arg(xsd(kind))
                .arg(&file)
                .output()
                .unwrap();
            assert!(
                check.status.success(),
                "{kind}: {}",
                String::from_utf8_lossy(&check.stderr)
            );
        }
    }
    // Locked Down: no IP address and no DNS name (sysName) leave the site.
    let out = collect(addr, &["--xml", "office", "--locked-down"]);
    assert!(out.status.success(), "{}", stderr(&out));
    let xml = stdout(&out);
    assert!(!xml.contains("192.0.2.21") && !xml.contains("mfp-a3-copyroom"));
    assert!(xml.contains("00:00:5e:00:53:21"), "MACs stay");
}

#[test]
fn summary_and_failures() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let (_server, addr) = serve(&rt);
    let out = collect(addr, &[]);
    assert!(out.status.success(), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with("Xerox AltaLink C8190 (serial FWMFP240117)"),
        "{text}"
    );
    assert!(text.contains("supply 2: Cyan Toner Cartridge (toner) level 12 of 100 percent"));

    // --json and --xml exclude each other; -v 2c needs -c: usage errors, status 2.
    let out = collect(addr, &["--json", "--xml", "office"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    let out = fleetwire(&["collect", "-v", "2c", &addr.to_string()]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("-c"), "{}", stderr(&out));

    // A wrong community is never answered: one line on stderr, status 1.
    let silent = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    let target = silent.local_addr().unwrap().to_string();
    let out = fleetwire(&[
        "collect", "-v", "2c", "-c", "public", "-t", "0.2", "-r", "0", &target,
    ]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("no response"), "{err}");
}
