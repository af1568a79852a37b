//! `fleetwire payload build / inspect / validate`, run as the real binary.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{stderr, stdout};

fn payload(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetwire"))
        .arg("payload")
        .args(args)
        .output()
        .expect("run fleetwire")
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

fn snapshot(i: u32) -> String {
    format!(
        r#"{{
  "identity": {{"sys_descr": "Xerox VersaLink C405", "sys_object_id": "1.3.6.1.4.1.253.8.62.1.35.1.1.1",
               "sys_name": "prn-{i}.corp.example", "sys_location": "Floor {i}", "sys_contact": null,
               "serial_number": "3TB{i:06}", "vendor": "Xerox", "model": "VersaLink C405"}},
  "network": {{"mac_addresses": ["9c:93:4e:00:00:{i:02x}"], "ipv4": [{{"address": "10.0.0.{i}", "netmask": "255.255.255.0"}}]}},
  "status": {{"device_status": "running", "printer_status": "idle", "detected_errors": ["lowToner"], "alerts": []}},
  "counters": {{"marker_life": [{{"marker": 1, "unit": "impressions", "value": {}}}], "pwg": [], "vendor": []}},
  "supplies": [{{"index": 1, "description": "Black Toner", "type": "toner", "class": "supplyThatIsConsumed",
                "unit": "percent", "max_capacity": 100, "level": null, "level_kind": "some_remaining"}}]
}}"#,
        1000 + i
    )
}

fn snapshots(dir: &Path, n: u32) -> Vec<PathBuf> {
    (1..=n)
        .map(|i| {
            let p = dir.join(format!("snap-{i}.json"));
            std::fs::write(&p, snapshot(i)).unwrap();
            p
        })
        .collect()
}

fn build(dir: &Path, kind: &str, extra: &[&str], snaps: &[PathBuf]) -> PathBuf {
    let zip = dir.join(format!("{kind}.zip"));
    let mut args = vec![
        "build",
        "--out",
        s(&zip),
        "--kind",
        kind,
        "--generated",
        "2027-01-15T08:00:00Z",
    ];
    args.extend_from_slice(extra);
    args.extend(snaps.iter().map(|p| s(p)));
    let out = payload(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("+ manifest.xml"), "{}", stdout(&out));
    zip
}

#[test]
fn build_inspect_validate() {
    let dir = tempfile::tempdir().unwrap();
    let snaps = snapshots(dir.path(), 3);
    for kind in ["office", "production", "agent"] {
        let zip = build(dir.path(), kind, &[], &snaps);
        let out = payload(&["inspect", s(&zip), "--json"]);
        assert!(out.status.success(), "{}", stderr(&out));
        let lines: Vec<serde_json::Value> = stdout(&out)
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        let expected = if kind == "agent" { 1 } else { 3 };
        assert_eq!(lines.len(), expected, "{kind}");
        assert!(
            lines
                .iter()
                .all(|l| l["kind"] == kind && l["verified"] == true)
        );
        assert_eq!(lines[0]["sha256"].as_str().unwrap().len(), 64);
        if kind == "office" {
            assert_eq!(lines[0]["name"], "office-3TB000001.xml");
        }
        let table = stdout(&payload(&["inspect", s(&zip)]));
        assert!(table.contains("sha256 (verified)"), "{table}");

        let mut args = vec!["validate", s(&zip)];
        if fleetwire_testkit::require_tool("xmllint") {
            args.push("--require-xsd");
        }
        let out = payload(&args);
        assert!(out.status.success(), "{}", stderr(&out));
        assert_eq!(
            stdout(&out).matches(": ok (").count(),
            expected,
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn locked_down_build_has_no_addresses() {
    let dir = tempfile::tempdir().unwrap();
    let snaps = snapshots(dir.path(), 2);
    let zip = build(dir.path(), "agent", &["--locked-down"], &snaps);
    let bytes = std::fs::read(&zip).unwrap();
    let mut reader =
        fleetwire_payload::PackageReader::open(std::io::Cursor::new(bytes), Default::default())
            .unwrap();
    let xml = String::from_utf8(reader.read_entry("agent.xml").unwrap()).unwrap();
    assert!(xml.contains("securityMode=\"locked-down\""));
    for needle in ["10.0.0.", "corp.example", "<hostName>", "<ipv4>"] {
        assert!(!xml.contains(needle), "{needle}");
    }
}

#[test]
fn validate_reports_what_is_wrong() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xml");
    std::fs::write(
        &bad,
        r#"<officeDevice xmlns="urn:fleetwire:payload:1" schemaVersion="1.0" securityMode="locked-down">
<generated>2027-01-15T08:00:00Z</generated><device><identity/><network><dnsName>x.example</dnsName></network></device>
</officeDevice>"#,
    )
    .unwrap();
    let garbage = dir.path().join("garbage.xml");
    std::fs::write(&garbage, "<nope/>").unwrap();
    let out = payload(&["validate", s(&bad), s(&garbage)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(
        err.contains("bad.xml: breaks rules") && err.contains("locked-down"),
        "{err}"
    );
    assert!(
        err.contains("garbage.xml: invalid") && err.contains("nope"),
        "{err}"
    );
    assert!(err.contains("2 of the documents are invalid"), "{err}");

    // A newer minor version with an element we do not know: valid, and reported.
    let newer = dir.path().join("newer.xml");
    std::fs::write(
        &newer,
        r#"<registration xmlns="urn:fleetwire:payload:1" schemaVersion="1.4"><agentId>a</agentId>
<appVersion>1</appVersion><registered>2027-01-15T08:00:00Z</registered><location>here</location>
<contactEmail>ops@example.com</contactEmail><badge>new</badge></registration>"#,
    )
    .unwrap();
    let out = payload(&["validate", s(&newer)]);
    // Our checks pass; the 1.0 XSD (if xmllint is there) rejects the unknown element.
    if fleetwire_testkit::require_tool("xmllint") {
        assert_eq!(out.status.code(), Some(1), "{}", stdout(&out));
        assert!(
            stderr(&out).contains("registration.xsd"),
            "{}",
            stderr(&out)
        );
    } else {
        assert!(
            stdout(&out).contains("unknown (tolerated): badge"),
            "{}",
            stdout(&out)
        );
    }
}

#[test]
fn bad_inputs_fail_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let snap = dir.path().join("bad.json");
    std::fs::write(&snap, r#"{"supplies": [{"index": 1}]}"#).unwrap();
    let zip = dir.path().join("x.zip");
    let out = payload(&["build", "--out", s(&zip), s(&snap)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("not a snapshot"), "{}", stderr(&out));
    let out = payload(&["build", "--out", s(&zip), "--kind", "manifest", s(&snap)]);
    assert_eq!(out.status.code(), Some(2));
    let out = payload(&["inspect", s(&snap)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("zip"), "{}", stderr(&out));
    // Limits from the command line.
    let snaps = snapshots(dir.path(), 2);
    let zip = build(dir.path(), "office", &[], &snaps);
    let out = payload(&["inspect", s(&zip), "--max-entries", "2"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("3 entries; the limit is 2"),
        "{}",
        stderr(&out)
    );
}
