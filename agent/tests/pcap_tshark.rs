//! Wireshark's opinion of our captures: the pcap writer's output (with IP and UDP checksum
//! verification on) and the test pcapng writer's fixtures must read as the same SNMP
//! messages in tshark as in `fleetwire decode`. Skipped locally when tshark is missing; CI
//! installs it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use common::{PcapNg, ethernet, fleetwire, ip_udp, json_lines, null_loopback, sll2, write_temp};
use fleetwire_snmp::{CommunityMessage, GenericPdu, Message, Oid, Pdu, VarBind};
use fleetwire_testkit::{require_tool, run_tool, stderr_text, stdout_text};

/// `tshark -r PATH -T fields -e FIELD...`, one row per frame, fields split on `|`.
fn tshark_fields(path: &std::path::Path, prefs: &[&str], fields: &[&str]) -> Vec<Vec<String>> {
    let mut args: Vec<String> = vec!["-n".into(), "-r".into(), path.display().to_string()];
    for p in prefs {
        args.push("-o".into());
        args.push((*p).into());
    }
    args.extend([
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "separator=|".into(),
    ]);
    for f in fields {
        args.push("-e".into());
        args.push((*f).into());
    }
    let out = run_tool("tshark", &args);
    assert!(out.status.success(), "tshark failed: {}", stderr_text(&out));
    stdout_text(&out)
        .lines()
        .map(|l| l.split('|').map(str::to_owned).collect())
        .collect()
}

#[test]
fn tshark_reads_the_sample_capture_with_valid_checksums() {
    if !require_tool("tshark") {
        return;
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join(fleetwire::sample::PRINTER_SESSION_PATH);
    let rows = tshark_fields(
        &path,
        &["ip.check_checksum:TRUE", "udp.check_checksum:TRUE"],
        &[
            "frame.number",
            "ip.checksum.status",
            "udp.checksum.status",
            "snmp.request_id",
            "udp.srcport",
            "udp.dstport",
        ],
    );
    let ours = json_lines(&fleetwire(&[
        "decode",
        "--json",
        "--pcap",
        path.to_str().unwrap(),
    ]));
    assert_eq!(rows.len(), 8);
    assert_eq!(ours.len(), 8);
    for (row, line) in rows.iter().zip(&ours) {
        let frame = &row[0];
        // 1 = "Good" (IPv6 has no header checksum, so the field is empty there).
        assert!(
            row[1] == "1" || row[1].is_empty(),
            "frame {frame}: IP checksum status {}",
            row[1]
        );
        assert_eq!(row[2], "1", "frame {frame}: UDP checksum status");
        if let Some(id) = line["pdu"].get("request_id") {
            assert_eq!(row[3], id.to_string(), "frame {frame}");
        }
        let src_port = line["src"].as_str().unwrap().rsplit(':').next().unwrap();
        assert_eq!(row[4], src_port, "frame {frame}");
    }
}

#[test]
fn tshark_reads_the_pcapng_fixtures_like_we_do() {
    if !require_tool("tshark") {
        return;
    }
    let oid: Oid<'static> = "1.3.6.1.2.1.1.1.0".parse().unwrap();
    let snmp = |id: i32| {
        Message::V2c(CommunityMessage {
            community: b"public"[..].into(),
            pdu: Pdu::GetRequest(GenericPdu::new(id, vec![VarBind::null(oid.clone())])),
        })
        .to_vec()
    };
    for big in [false, true] {
        let v4 = |id| ip_udp("192.0.2.1:40000", "192.0.2.2:161", &snmp(id));
        let v6 = |id| ip_udp("[2001:db8::1]:40001", "[2001:db8::2]:161", &snmp(id));
        let mut ng = PcapNg::new(big);
        ng.interface(1, 0, Some(9));
        ng.interface(276, 0, None);
        ng.interface(0, 0, None);
        ng.epb(0, 1_700_000_000_000_000_000, &ethernet(&v4(11), 2));
        ng.epb(1, 1_700_000_000_000_001, &sll2(&v6(12)));
        ng.epb(2, 1_700_000_000_000_002, &null_loopback(&v4(13), big));
        ng.spb(&ethernet(&v6(14), 1));
        ng.section(!big);
        ng.interface(101, 0, None);
        ng.epb(0, 1_700_000_000_000_003, &v4(15));
        let path = write_temp(&format!("tshark-{big}.pcapng"), &ng.finish());
        let rows = tshark_fields(
            &path,
            &[],
            &["frame.number", "snmp.request_id", "frame.time_epoch"],
        );
        let ids: Vec<&str> = rows.iter().map(|r| r[1].as_str()).collect();
        assert_eq!(ids, ["11", "12", "13", "14", "15"], "big-endian: {big}");
        // Nanosecond resolution on interface 0 of the first section.
        assert!(
            rows[0][2].starts_with("1700000000.000000000"),
            "{:?}",
            rows[0]
        );
        let ours = json_lines(&fleetwire(&[
            "decode",
            "--json",
            "--pcap",
            path.to_str().unwrap(),
        ]));
        let our_ids: Vec<String> = ours
            .iter()
            .map(|l| l["pdu"]["request_id"].to_string())
            .collect();
        assert_eq!(our_ids, ids);
    }
}
