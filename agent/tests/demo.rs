//! `fleetwire demo` end to end: the binary exits 0 with its summary and report; in process,
//! the embedded server received a payload for every simulated printer, every document it
//! accepted validates against the shipped XSDs (xmllint), and the signed actions ran (a test
//! page reached the raw print listener) and their results arrived.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::process::Command;

use fleetwire::demo::{self, DemoArgs};
use fleetwire_payload::PayloadKind;
use fleetwire_testkit::require_tool;
use fleetwire_transport::action::ActionKind;

#[test]
fn the_demo_binary_exits_zero_with_a_summary_and_a_report() {
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("report.html");
    let out = Command::new(env!("CARGO_BIN_EXE_fleetwire"))
        .args(["demo", "--report"])
        .arg(&report)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stdout}\n{stderr}");
    assert!(
        stdout.contains("fleetwire demo: 4 printers found"),
        "{stdout}"
    );
    assert!(
        stdout.contains("payloads accepted: 4 device payloads (0 packages refused)"),
        "{stdout}"
    );
    assert!(stdout.contains("action print_test_page: done"), "{stdout}");
    assert!(stdout.contains("action get_status: done"), "{stdout}");
    assert!(stdout.contains("raw print jobs received: 1"), "{stdout}");
    // Not a terminal: no progress bar on stderr.
    assert!(!stderr.contains('\r'), "{stderr}");
    let html = std::fs::read_to_string(&report).unwrap();
    for serial in ["FWMAIL210655", "FWMFP240117", "FWMONO230904", "FWPRS220311"] {
        assert!(stdout.contains(serial), "{stdout}");
        assert!(html.contains(serial), "report lacks {serial}");
    }
    assert!(html.contains("<svg"), "the report has its inline charts");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_device_payload_arrived_validated_and_the_actions_ran() {
    let dir = tempfile::tempdir().unwrap();
    let args = DemoArgs {
        devices: 6,
        report: dir.path().join("report.html"),
        keep: Some(dir.path().join("state")),
    };
    let mut err = Vec::new();
    let (summary, server) = demo::run(&args, &mut err, false).await.unwrap();
    assert_eq!(summary.devices.len(), 6);
    assert_eq!(summary.print_jobs, 1);
    // The credential order: half the devices only answer v2c (the v3 user, tried first, is
    // unknown to them), half answer the v3 authPriv user.
    let v3 = summary
        .devices
        .iter()
        .filter(|d| d.credential.starts_with("v3"))
        .count();
    assert_eq!(v3, 3, "{:?}", summary.devices);
    // A device payload per simulated printer (6 devices cycle through 4 recordings: 4
    // serial numbers), the fleet's agent payload and the site information, all accepted.
    let mut devices: Vec<String> = server
        .documents_of_kind(PayloadKind::Office)
        .into_iter()
        .chain(server.documents_of_kind(PayloadKind::Production))
        .flat_map(|d| d.devices)
        .collect();
    assert_eq!(devices.len(), 6, "{devices:?}");
    devices.sort();
    devices.dedup();
    assert_eq!(devices.len(), 4);
    assert_eq!(server.documents_of_kind(PayloadKind::Production).len(), 1);
    assert_eq!(
        server.documents_of_kind(PayloadKind::Agent)[0]
            .devices
            .len(),
        6
    );
    assert_eq!(server.documents_of_kind(PayloadKind::Site).len(), 1);
    assert!(server.rejected().is_empty());
    // Both actions ran and their results arrived, for actions this server issued.
    let results = server.action_results();
    for kind in [ActionKind::PrintTestPage, ActionKind::GetStatus] {
        let r = results
            .iter()
            .find(|r| r.kind == Some(kind))
            .unwrap_or_else(|| panic!("no {kind} result in {results:?}"));
        assert_eq!(r.status, "done", "{r:?}");
        assert!(r.issued_here);
    }
    let status = results
        .iter()
        .find(|r| r.kind == Some(ActionKind::GetStatus))
        .unwrap();
    assert_eq!(status.output["identity"]["serial_number"], "FWMAIL210655");
    // Every accepted document, written out, passes the XSD check of `payload validate`.
    if !require_tool("xmllint") {
        return;
    }
    let xml_dir = dir.path().join("xml");
    std::fs::create_dir_all(&xml_dir).unwrap();
    let mut files = Vec::new();
    for (p, package) in server.accepted().iter().enumerate() {
        for doc in &package.documents {
            let path = xml_dir.join(format!("{p}-{}", doc.entry));
            std::fs::write(&path, doc.document.to_xml().unwrap()).unwrap();
            files.push(path);
        }
    }
    assert!(files.len() >= 8, "{files:?}");
    let out = Command::new(env!("CARGO_BIN_EXE_fleetwire"))
        .args(["payload", "validate", "--require-xsd"])
        .args(&files)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
