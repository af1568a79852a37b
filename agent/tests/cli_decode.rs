//! `fleetwire decode` end to end: the built binary on hex, raw-file, pcap and pcapng input,
//! checking the JSON format field by field, the text output, exit codes and error messages.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::borrow::Cow;

use common::{
    PcapNg, classic_pcap, ethernet, fleetwire, ip_udp, json_lines, null_loopback, sll, sll2,
    stderr, stdout, write_temp,
};
use fleetwire_snmp::{
    BulkPdu, CommunityMessage, ErrorStatus, GenericPdu, GenericTrap, HeaderData, Message, MsgFlags,
    Oid, Pdu, ScopedPdu, ScopedPduData, SecurityParameters, TrapPdu, UsmSecurityParameters,
    V3Message, Value, VarBind,
};
use serde_json::{Value as Json, json};

fn oid(s: &str) -> Oid<'static> {
    s.parse().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    fleetwire::hex::encode(bytes)
}

fn community(version_1: bool, community: &'static [u8], pdu: Pdu<'static>) -> Message<'static> {
    let body = CommunityMessage {
        community: Cow::Borrowed(community),
        pdu,
    };
    if version_1 {
        Message::V1(body)
    } else {
        Message::V2c(body)
    }
}

/// Decodes one message given as hex with `--json`, expecting success and exactly one line.
fn decode_json(msg: &Message<'_>) -> Json {
    let out = fleetwire(&["decode", "--json", "--hex", &hex(&msg.to_vec())]);
    assert_eq!(out.status.code(), Some(0), "stderr: {}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let mut lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    lines.remove(0)
}

fn sys_descr_null() -> Vec<VarBind<'static>> {
    vec![VarBind::null(oid("1.3.6.1.2.1.1.1.0"))]
}

#[test]
fn every_generic_pdu_type_json() {
    type MakePdu = fn(GenericPdu<'static>) -> Pdu<'static>;
    let cases: [(MakePdu, &str); 6] = [
        (Pdu::GetRequest, "GetRequest"),
        (Pdu::GetNextRequest, "GetNextRequest"),
        (Pdu::SetRequest, "SetRequest"),
        (Pdu::Response, "Response"),
        (Pdu::InformRequest, "InformRequest"),
        (Pdu::SnmpV2Trap, "SNMPv2-Trap"),
    ];
    for (make, name) in cases {
        let pdu = make(GenericPdu::new(-7, sys_descr_null()));
        let got = decode_json(&community(false, b"public", pdu));
        assert_eq!(
            got,
            json!({
                "version": "2c",
                "community": "public",
                "pdu": {
                    "type": name,
                    "request_id": -7,
                    "error_status": 0,
                    "error_index": 0,
                    "varbinds": [{"oid": "1.3.6.1.2.1.1.1.0", "type": "NULL", "value": null}],
                },
            }),
            "{name}"
        );
    }
}

#[test]
fn v1_response_with_error_and_values() {
    let mut pdu = GenericPdu::new(
        2_147_483_647,
        vec![
            VarBind::new(
                oid("1.3.6.1.2.1.1.5.0"),
                Value::OctetString(b"lab-mfp"[..].into()),
            ),
            VarBind::new(
                oid("1.3.6.1.2.1.4.20.1.1.10.0.0.9"),
                Value::IpAddress([10, 0, 0, 9]),
            ),
            VarBind::new(
                oid("1.3.6.1.2.1.1.2.0"),
                Value::ObjectIdentifier(oid("1.3.6.1.4.1.11.2.3.9.1")),
            ),
            VarBind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(4_294_967_295)),
            VarBind::new(oid("1.3.6.1.2.1.2.2.1.10.1"), Value::Counter32(7)),
            VarBind::new(oid("1.3.6.1.2.1.2.2.1.5.1"), Value::Gauge32(100_000_000)),
            VarBind::new(
                oid("1.3.6.1.4.1.2021.4.5.0"),
                Value::OctetString(b"\x00\x01\xfe"[..].into()),
            ),
        ],
    );
    pdu.error_status = ErrorStatus::NoSuchName;
    pdu.error_index = 2;
    let got = decode_json(&community(true, b"private", Pdu::Response(pdu)));
    assert_eq!(
        got,
        json!({
            "version": "1",
            "community": "private",
            "pdu": {
                "type": "Response",
                "request_id": 2_147_483_647,
                "error_status": 2,
                "error_index": 2,
                "varbinds": [
                    {"oid": "1.3.6.1.2.1.1.5.0", "type": "OCTET STRING", "value": "6c61622d6d6670", "text": "lab-mfp"},
                    {"oid": "1.3.6.1.2.1.4.20.1.1.10.0.0.9", "type": "IpAddress", "value": "10.0.0.9"},
                    {"oid": "1.3.6.1.2.1.1.2.0", "type": "OBJECT IDENTIFIER", "value": "1.3.6.1.4.1.11.2.3.9.1"},
                    {"oid": "1.3.6.1.2.1.1.3.0", "type": "TimeTicks", "value": 4_294_967_295u64},
                    {"oid": "1.3.6.1.2.1.2.2.1.10.1", "type": "Counter32", "value": 7},
                    {"oid": "1.3.6.1.2.1.2.2.1.5.1", "type": "Gauge32", "value": 100_000_000},
                    {"oid": "1.3.6.1.4.1.2021.4.5.0", "type": "OCTET STRING", "value": "0001fe"},
                ],
            },
        })
    );
}

#[test]
fn v2c_exceptions_counter64_and_binary_community() {
    let pdu = Pdu::Response(GenericPdu::new(
        1,
        vec![
            VarBind::new(oid("1.3.6.1.2.1.31.1.1.1.6.1"), Value::Counter64(u64::MAX)),
            VarBind::new(oid("1.3.6.1.2.1.1.9.0"), Value::NoSuchObject),
            VarBind::new(oid("1.3.6.1.2.1.1.9.1"), Value::NoSuchInstance),
            VarBind::new(oid("1.3.6.1.2.1.1.9.2"), Value::EndOfMibView),
        ],
    ));
    let msg = community(false, b"\x00pub\xff", pdu);
    let out = fleetwire(&["decode", "--json", "--hex", &hex(&msg.to_vec())]);
    // Counter64 must be an exact integer in the text, not a float.
    assert!(
        stdout(&out).contains("\"value\":18446744073709551615"),
        "{}",
        stdout(&out)
    );
    assert_eq!(
        json_lines(&out)[0],
        json!({
            "version": "2c",
            "community": {"hex": "00707562ff"},
            "pdu": {
                "type": "Response", "request_id": 1, "error_status": 0, "error_index": 0,
                "varbinds": [
                    {"oid": "1.3.6.1.2.1.31.1.1.1.6.1", "type": "Counter64", "value": u64::MAX},
                    {"oid": "1.3.6.1.2.1.1.9.0", "type": "noSuchObject", "value": null},
                    {"oid": "1.3.6.1.2.1.1.9.1", "type": "noSuchInstance", "value": null},
                    {"oid": "1.3.6.1.2.1.1.9.2", "type": "endOfMibView", "value": null},
                ],
            },
        })
    );
}

#[test]
fn get_bulk_json() {
    let pdu = Pdu::GetBulkRequest(BulkPdu {
        request_id: 99,
        non_repeaters: 1,
        max_repetitions: 25,
        varbinds: vec![
            VarBind::null(oid("1.3.6.1.2.1.1.3.0")),
            VarBind::null(oid("1.3.6.1.2.1.43.11.1.1.9")),
        ]
        .into(),
    });
    assert_eq!(
        decode_json(&community(false, b"public", pdu)),
        json!({
            "version": "2c",
            "community": "public",
            "pdu": {
                "type": "GetBulkRequest",
                "request_id": 99,
                "non_repeaters": 1,
                "max_repetitions": 25,
                "varbinds": [
                    {"oid": "1.3.6.1.2.1.1.3.0", "type": "NULL", "value": null},
                    {"oid": "1.3.6.1.2.1.43.11.1.1.9", "type": "NULL", "value": null},
                ],
            },
        })
    );
}

#[test]
fn v1_trap_json() {
    let pdu = Pdu::Trap(TrapPdu {
        enterprise: oid("1.3.6.1.4.1.11.2.3.9.1"),
        agent_addr: [192, 0, 2, 10],
        generic_trap: GenericTrap::LinkDown,
        specific_trap: 0,
        time_stamp: 123_456,
        varbinds: vec![VarBind::new(
            oid("1.3.6.1.2.1.2.2.1.1.1"),
            Value::Integer(1),
        )]
        .into(),
    });
    assert_eq!(
        decode_json(&community(true, b"public", pdu)),
        json!({
            "version": "1",
            "community": "public",
            "pdu": {
                "type": "Trap",
                "enterprise": "1.3.6.1.4.1.11.2.3.9.1",
                "agent_addr": "192.0.2.10",
                "generic_trap": 2,
                "specific_trap": 0,
                "time_stamp": 123_456,
                "varbinds": [{"oid": "1.3.6.1.2.1.2.2.1.1.1", "type": "INTEGER", "value": 1}],
            },
        })
    );
}

const ENGINE: &[u8] = &[0x80, 0x00, 0x1f, 0x88, 0x80, 0x12, 0x34, 0x56, 0x78];

fn v3(
    flags: MsgFlags,
    security_model: u32,
    security: SecurityParameters<'static>,
    data: ScopedPduData<'static>,
) -> Message<'static> {
    Message::V3(V3Message {
        header: HeaderData {
            msg_id: 4242,
            max_size: 1500,
            flags,
            security_model,
        },
        security_parameters: security,
        data,
    })
}

#[test]
fn v3_plaintext_report_json() {
    let usm = UsmSecurityParameters {
        engine_id: ENGINE.into(),
        engine_boots: 3,
        engine_time: 1234,
        user_name: b"fleet"[..].into(),
        ..UsmSecurityParameters::default()
    };
    let scoped = ScopedPdu {
        context_engine_id: ENGINE.into(),
        context_name: b"\x01ctx"[..].into(),
        pdu: Pdu::Report(GenericPdu::new(
            77,
            vec![VarBind::new(
                oid("1.3.6.1.6.3.15.1.1.4.0"),
                Value::Counter32(5),
            )],
        )),
    };
    let flags = MsgFlags {
        auth: true,
        privacy: false,
        reportable: false,
    };
    let msg = v3(
        flags,
        3,
        SecurityParameters::Usm(usm),
        ScopedPduData::Plaintext(scoped),
    );
    assert_eq!(
        decode_json(&msg),
        json!({
            "version": "3",
            "msg_id": 4242,
            "max_size": 1500,
            "flags": {"auth": true, "priv": false, "reportable": false},
            "security_model": 3,
            "usm": {"engine_id": "80001f888012345678", "engine_boots": 3, "engine_time": 1234, "user": "fleet"},
            "context_engine_id": "80001f888012345678",
            "context_name": {"hex": "01637478"},
            "pdu": {
                "type": "Report", "request_id": 77, "error_status": 0, "error_index": 0,
                "varbinds": [{"oid": "1.3.6.1.6.3.15.1.1.4.0", "type": "Counter32", "value": 5}],
            },
        })
    );
}

#[test]
fn v3_encrypted_json_and_text() {
    let usm = UsmSecurityParameters {
        engine_id: ENGINE.into(),
        engine_boots: 1,
        engine_time: 2,
        user_name: b"admin"[..].into(),
        auth_parameters: vec![0xaa; 12].into(),
        priv_parameters: vec![0x01; 8].into(),
    };
    let flags = MsgFlags {
        auth: true,
        privacy: true,
        reportable: true,
    };
    let msg = v3(
        flags,
        3,
        SecurityParameters::Usm(usm),
        ScopedPduData::Encrypted(vec![0x5a; 48].into()),
    );
    assert_eq!(
        decode_json(&msg),
        json!({
            "version": "3",
            "msg_id": 4242,
            "max_size": 1500,
            "flags": {"auth": true, "priv": true, "reportable": true},
            "security_model": 3,
            "usm": {"engine_id": "80001f888012345678", "engine_boots": 1, "engine_time": 2, "user": "admin"},
            "encrypted_pdu_len": 48,
        })
    );
    let out = fleetwire(&["decode", "--hex", &hex(&msg.to_vec())]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(
        stdout(&out),
        "SNMPv3  msg-id 4242  max-size 1500  flags auth|priv|reportable  security-model USM(3)\n\
         USM  engine-id 0x80001f888012345678  engine-boots 1  engine-time 2  user \"admin\"\n\
         encrypted PDU: 48 bytes\n"
    );
}

#[test]
fn v3_other_security_model_keeps_parameters_as_hex() {
    let scoped = ScopedPdu {
        context_engine_id: Cow::Borrowed(b""),
        context_name: Cow::Borrowed(b""),
        pdu: Pdu::GetRequest(GenericPdu::new(1, Vec::new())),
    };
    let msg = v3(
        MsgFlags::default(),
        4,
        SecurityParameters::Other(vec![4, 0].into()),
        ScopedPduData::Plaintext(scoped),
    );
    let got = decode_json(&msg);
    assert_eq!(got["security_parameters"], "0400");
    assert_eq!(got["security_model"], 4);
    assert!(got.get("usm").is_none());
    assert_eq!(got["pdu"]["varbinds"], json!([]));
}

#[test]
fn hex_accepts_separators_and_text_output() {
    let msg = community(
        false,
        b"public",
        Pdu::Response(GenericPdu::new(
            5,
            vec![
                VarBind::new(
                    oid("1.3.6.1.2.1.1.5.0"),
                    Value::OctetString(b"printer-1"[..].into()),
                ),
                VarBind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(8_640_123)),
                VarBind::new(oid("1.3.6.1.2.1.1.9.0"), Value::NoSuchObject),
            ],
        )),
    );
    let bytes = msg.to_vec();
    let colons = bytes
        .iter()
        .map(|b| format!("{b:02X}"))
        .collect::<Vec<_>>()
        .join(":");
    let spaced = format!(
        "  0x{}\n",
        bytes
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect::<Vec<_>>()
            .join(" \t")
    );
    for text in [colons, spaced] {
        let out = fleetwire(&["decode", "--hex", &text]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        assert_eq!(
            stdout(&out),
            "SNMPv2c  community \"public\"\n\
             Response  request-id 5  error-status noError(0)  error-index 0\n  \
             1.3.6.1.2.1.1.5.0 = OCTET STRING: \"printer-1\"\n  \
             1.3.6.1.2.1.1.3.0 = TimeTicks: 8640123 (1d 0:00:01.23)\n  \
             1.3.6.1.2.1.1.9.0 = noSuchObject\n"
        );
    }
}

#[test]
fn file_input() {
    let msg = community(
        false,
        b"public",
        Pdu::GetRequest(GenericPdu::new(3, sys_descr_null())),
    );
    let path = write_temp("one-message.bin", &msg.to_vec());
    let out = fleetwire(&["decode", "--json", "--file", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(json_lines(&out)[0]["pdu"]["request_id"], 3);

    let missing = fleetwire(&["decode", "--file", "/nonexistent/fleetwire-no-such-file"]);
    assert_eq!(missing.status.code(), Some(1));
    assert!(
        stderr(&missing).starts_with("error: cannot read /nonexistent/fleetwire-no-such-file: "),
        "{}",
        stderr(&missing)
    );

    // A huge file is refused by the message size limit, not read whole.
    let big = write_temp("big.bin", &vec![0x30; 200_000]);
    let out = fleetwire(&["decode", "--file", big.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        "error: message size limit of 65535 exceeded in Message at byte 0\n"
    );
}

#[test]
fn malformed_message_exits_1_with_the_typed_error() {
    let msg = community(
        false,
        b"public",
        Pdu::GetRequest(GenericPdu::new(3, sys_descr_null())),
    );
    let bytes = msg.to_vec();
    let truncated = &bytes[..bytes.len() - 2];
    let expected = Message::decode(truncated).unwrap_err();
    for json_flag in [false, true] {
        let mut args = vec!["decode", "--hex"];
        let h = hex(truncated);
        args.push(&h);
        if json_flag {
            args.push("--json");
        }
        let out = fleetwire(&args);
        assert_eq!(out.status.code(), Some(1));
        assert_eq!(stdout(&out), "");
        assert_eq!(stderr(&out), format!("error: {expected}\n"));
    }
    // The README example: an OCTET STRING value claiming 5 bytes where its varbind has 3.
    let out = fleetwire(&[
        "decode",
        "--hex",
        "30 29 02 01 01 04 06 70 75 62 6c 69 63 a2 1c 02 01 05 02 01 00 02 01 00 \
         30 11 30 0f 06 08 2b 06 01 02 01 01 05 00 04 05 61 62 63",
    ]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(stdout(&out), "");
    assert_eq!(
        stderr(&out),
        "error: truncated: needs 5 more bytes, 3 available in VarBind value at byte 38\n"
    );

    for (bad, message) in [
        (
            "30 0g",
            "error: invalid hex: unexpected character 'g' at position 4\n",
        ),
        ("300", "error: invalid hex: odd number of hex digits (3)\n"),
        ("", "error: invalid hex: no hex digits\n"),
    ] {
        let out = fleetwire(&["decode", "--hex", bad]);
        assert_eq!(out.status.code(), Some(1), "{bad}");
        assert_eq!(stderr(&out), message);
    }
}

#[test]
fn usage_errors_exit_2() {
    for args in [
        &["decode"][..],
        &["decode", "--hex", "30", "--file", "x"],
        &["decode", "--pcap"],
        &["decode", "--hex", "3000", "--bogus"],
        &["frobnicate"],
    ] {
        let out = fleetwire(args);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {}", stderr(&out));
        assert!(!stderr(&out).is_empty());
    }
}

#[test]
fn lenient_reports_anomalies() {
    let mut bytes = community(
        false,
        b"public",
        Pdu::GetRequest(GenericPdu::new(3, sys_descr_null())),
    )
    .to_vec();
    let end = bytes.len();
    bytes.extend_from_slice(&[0, 0]);
    let h = hex(&bytes);
    let strict = fleetwire(&["decode", "--json", "--hex", &h]);
    assert_eq!(strict.status.code(), Some(1));
    assert!(
        stderr(&strict).contains("trailing bytes"),
        "{}",
        stderr(&strict)
    );

    let lenient = fleetwire(&["decode", "--json", "--lenient", "--hex", &h]);
    assert_eq!(lenient.status.code(), Some(0), "{}", stderr(&lenient));
    let line = &json_lines(&lenient)[0];
    assert_eq!(
        line["anomalies"],
        json!([{"kind": "trailing_bytes", "count": 1, "first_offset": end}])
    );
    assert_eq!(line["pdu"]["request_id"], 3);

    let text = fleetwire(&["decode", "--lenient", "--hex", &h]);
    assert_eq!(text.status.code(), Some(0));
    assert!(
        stdout(&text).ends_with(&format!(
            "anomaly: trailing bytes after the message [trailing_bytes] (1 time, first at byte {end})\n"
        )),
        "{}",
        stdout(&text)
    );

    // A clean message under --lenient has an empty array.
    let clean = community(
        false,
        b"public",
        Pdu::GetRequest(GenericPdu::new(3, sys_descr_null())),
    );
    let out = fleetwire(&[
        "decode",
        "--json",
        "--lenient",
        "--hex",
        &hex(&clean.to_vec()),
    ]);
    assert_eq!(json_lines(&out)[0]["anomalies"], json!([]));
}

fn sample_path() -> std::path::PathBuf {
    std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(fleetwire::sample::PRINTER_SESSION_PATH)
}

#[test]
fn bundled_sample_capture_is_up_to_date() {
    let committed = std::fs::read(sample_path()).unwrap();
    let generated = fleetwire::sample::printer_session_pcap().unwrap();
    assert!(
        committed == generated,
        "agent/examples/data/printer-session.pcap is stale: run `cargo run -p fleetwire --example make-sample-capture`"
    );
}

#[test]
fn sample_capture_json() {
    let out = fleetwire(&[
        "decode",
        "--json",
        "--pcap",
        sample_path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let lines = json_lines(&out);
    let summary: Vec<(u64, &str, &str, &str)> = lines
        .iter()
        .map(|l| {
            (
                l["frame"].as_u64().unwrap(),
                l["version"].as_str().unwrap(),
                l["pdu"]["type"].as_str().unwrap(),
                l["src"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            (1, "2c", "GetRequest", "127.0.0.1:47001"),
            (2, "2c", "Response", "127.0.0.1:161"),
            (3, "2c", "GetBulkRequest", "127.0.0.1:47001"),
            (4, "2c", "Response", "127.0.0.1:161"),
            (5, "1", "Trap", "127.0.0.1:38211"),
            (6, "2c", "SNMPv2-Trap", "127.0.0.1:38211"),
            (7, "3", "GetRequest", "[::1]:47002"),
            (8, "3", "Report", "[::1]:161"),
        ]
    );
    assert_eq!(
        lines[3],
        json!({
            "frame": 4, "src": "127.0.0.1:161", "dst": "127.0.0.1:47001",
            "version": "2c", "community": "public",
            "pdu": {
                "type": "Response", "request_id": 27302, "error_status": 0, "error_index": 0,
                "varbinds": [
                    {"oid": "1.3.6.1.2.1.43.11.1.1.9.1.1", "type": "INTEGER", "value": 62},
                    {"oid": "1.3.6.1.2.1.43.11.1.1.9.1.2", "type": "INTEGER", "value": 45},
                    {"oid": "1.3.6.1.2.1.43.11.1.1.9.1.3", "type": "INTEGER", "value": 80},
                    {"oid": "1.3.6.1.2.1.43.11.1.1.9.1.4", "type": "INTEGER", "value": 12},
                ],
            },
        })
    );
    assert_eq!(
        lines[1]["pdu"]["varbinds"][3],
        json!({"oid": "1.3.6.1.2.1.43.10.2.1.4.1.1", "type": "Counter32", "value": 48213})
    );
    assert_eq!(lines[4]["pdu"]["enterprise"], "1.3.6.1.2.1.43.18.2");
    assert_eq!(lines[4]["pdu"]["generic_trap"], 6);
    assert_eq!(lines[4]["dst"], "127.0.0.1:162");
    assert_eq!(
        lines[6],
        json!({
            "frame": 7, "src": "[::1]:47002", "dst": "[::1]:161",
            "version": "3", "msg_id": 821_641_027, "max_size": 65507,
            "flags": {"auth": false, "priv": false, "reportable": true},
            "security_model": 3,
            "usm": {"engine_id": "", "engine_boots": 0, "engine_time": 0, "user": ""},
            "context_engine_id": "", "context_name": "",
            "pdu": {"type": "GetRequest", "request_id": 1407, "error_status": 0, "error_index": 0, "varbinds": []},
        })
    );
    assert_eq!(
        lines[7]["pdu"]["varbinds"],
        json!([{"oid": "1.3.6.1.6.3.15.1.1.4.0", "type": "Counter32", "value": 1}])
    );
    assert_eq!(lines[7]["usm"]["engine_id"], "80007ed90300005e005301");
}

#[test]
fn sample_capture_text() {
    let out = fleetwire(&["decode", "--pcap", sample_path().to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.starts_with(
            "frame 1  2024-06-01T10:00:00.000000Z  127.0.0.1:47001 -> 127.0.0.1:161  (90 bytes)\n\
         SNMPv2c  community \"public\"\n\
         GetRequest  request-id 27301  error-status noError(0)  error-index 0\n  \
         1.3.6.1.2.1.1.1.0 = NULL\n"
        ),
        "{text}"
    );
    assert!(
        text.contains("  1.3.6.1.2.1.43.10.2.1.4.1.1 = Counter32: 48213\n"),
        "{text}"
    );
    assert!(text.contains("Trap  enterprise 1.3.6.1.2.1.43.18.2  agent-addr 127.0.0.1  generic-trap enterpriseSpecific(6)"), "{text}");
    assert!(text.contains("USM  engine-id 0x80007ed90300005e005301  engine-boots 7  engine-time 86412  user \"\"\n"), "{text}");
    assert_eq!(text.matches("\n\nframe ").count(), 7);
}

fn snmp(request_id: i32) -> Vec<u8> {
    community(
        false,
        b"public",
        Pdu::GetRequest(GenericPdu::new(request_id, sys_descr_null())),
    )
    .to_vec()
}

#[test]
fn pcapng_both_byte_orders_and_link_types() {
    let v4 = |id| ip_udp("192.0.2.1:40000", "192.0.2.2:161", &snmp(id));
    let v6 = |id| ip_udp("[2001:db8::1]:40001", "[2001:db8::2]:161", &snmp(id));
    for big in [false, true] {
        let mut ng = PcapNg::new(big);
        ng.interface(1, 0, None); // 0: Ethernet, microseconds
        ng.interface(276, 65_535, Some(9)); // 1: SLL2, nanoseconds
        ng.interface(0, 65_535, None); // 2: NULL
        ng.epb(0, 1_700_000_000_000_000, &ethernet(&v4(1), 0));
        ng.epb(0, 1_700_000_000_000_001, &ethernet(&v6(2), 1));
        ng.epb(0, 1_700_000_000_000_002, &ethernet(&v4(3), 2));
        ng.block(0x0000_0bad, b"custom block, skipped");
        ng.epb(1, 1_700_000_000_000_000_000, &sll2(&v6(4)));
        ng.epb(2, 1, &null_loopback(&v4(5), big));
        ng.epb(2, 2, &null_loopback(&v6(6), !big));
        ng.spb(&ethernet(&v4(7), 0)); // interface 0
        ng.pb(1, 3, &sll2(&v4(8)));
        // A second section in the other byte order, with its own interfaces.
        ng.section(!big);
        ng.interface(113, 0, None);
        ng.interface(101, 0, None);
        ng.epb(0, 4, &sll(&v6(9)));
        ng.epb(1, 5, &v4(10));
        let path = write_temp(&format!("mixed-{big}.pcapng"), &ng.finish());
        let out = fleetwire(&["decode", "--json", "--pcap", path.to_str().unwrap()]);
        assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        let lines = json_lines(&out);
        let ids: Vec<i64> = lines
            .iter()
            .map(|l| l["pdu"]["request_id"].as_i64().unwrap())
            .collect();
        assert_eq!(ids, (1..=10).collect::<Vec<_>>(), "big-endian: {big}");
        let frames: Vec<u64> = lines.iter().map(|l| l["frame"].as_u64().unwrap()).collect();
        assert_eq!(frames, (1..=10).collect::<Vec<_>>());
        for l in &lines {
            let id = l["pdu"]["request_id"].as_i64().unwrap();
            let v6 = [2, 4, 6, 9].contains(&id);
            let (src, dst) = if v6 {
                ("[2001:db8::1]:40001", "[2001:db8::2]:161")
            } else {
                ("192.0.2.1:40000", "192.0.2.2:161")
            };
            assert_eq!(
                (l["src"].as_str().unwrap(), l["dst"].as_str().unwrap()),
                (src, dst),
                "{id}"
            );
        }
    }
}

#[test]
fn classic_pcap_other_byte_order_and_resolution() {
    let v4 = ip_udp("10.1.1.1:1024", "10.1.1.2:162", &snmp(41));
    let v6 = ip_udp("[fe80::1]:1024", "[fe80::2]:162", &snmp(42));
    for (big, nanosecond) in [(true, false), (true, true), (false, true)] {
        let eth_file = classic_pcap(
            big,
            nanosecond,
            1,
            &[(1, 999, &ethernet(&v4, 1)[..]), (2, 0, &ethernet(&v6, 0))],
        );
        let v4_file = classic_pcap(big, nanosecond, 228, &[(1, 0, &v4[..])]);
        let v6_file = classic_pcap(big, nanosecond, 229, &[(1, 0, &v6[..])]);
        for (name, file, ids) in [
            ("eth", eth_file, vec![41, 42]),
            ("ipv4", v4_file, vec![41]),
            ("ipv6", v6_file, vec![42]),
        ] {
            let path = write_temp(&format!("classic-{big}-{nanosecond}-{name}.pcap"), &file);
            let out = fleetwire(&["decode", "--json", "--pcap", path.to_str().unwrap()]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
            let got: Vec<i64> = json_lines(&out)
                .iter()
                .map(|l| l["pdu"]["request_id"].as_i64().unwrap())
                .collect();
            assert_eq!(got, ids, "{name} big={big} ns={nanosecond}");
        }
    }
    // The text header shows the timestamp in the file's resolution.
    let file = classic_pcap(true, true, 101, &[(1_700_000_000, 123_456_789, &v4[..])]);
    let path = write_temp("classic-ns-text.pcap", &file);
    let out = fleetwire(&["decode", "--pcap", path.to_str().unwrap()]);
    assert!(
        stdout(&out)
            .starts_with("frame 1  2023-11-14T22:13:20.123456Z  10.1.1.1:1024 -> 10.1.1.2:162"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn capture_failures_are_reported_per_frame_and_exit_1() {
    let mut w = fleetwire::pcap::PcapWriter::new(Vec::new()).unwrap();
    let t = std::time::Duration::from_secs(1_700_000_000);
    let a = common::addr("127.0.0.1:5000");
    let b = common::addr("127.0.0.1:161");
    w.write_udp(t, a, b, &snmp(1)).unwrap();
    w.write_udp(t, a, b, b"x\x00").unwrap(); // frame 2: not SNMP
    let mut tcp = ip_udp("127.0.0.1:5000", "127.0.0.1:161", b"tcp");
    tcp[9] = 6; // frame 3: TCP, skipped silently
    w.write_packet(t, &tcp).unwrap();
    w.write_packet(t, &[0x45, 0, 0]).unwrap(); // frame 4: truncated IPv4 header
    w.write_udp(t, a, b, &snmp(5)).unwrap();
    let mut file = w.into_inner().unwrap();
    // Frame 6: a record header that promises more data than the file holds.
    file.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 100, 0, 0, 0, 100, 0, 0, 0, 1, 2, 3]);
    let cut_at = file.len() - 3;
    let path = write_temp("failures.pcap", &file);
    let out = fleetwire(&["decode", "--json", "--pcap", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    let ids: Vec<i64> = json_lines(&out)
        .iter()
        .map(|l| l["pdu"]["request_id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, [1, 5]);
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 3, "{err}");
    assert!(lines[0].starts_with("error: frame 2 (127.0.0.1:5000 -> 127.0.0.1:161): expected tag 0x30, found 0x78 in Message at byte 0 of the UDP payload (file byte "), "{err}");
    assert!(lines[1].starts_with("error: frame 4: truncated IPv4 header: needs 20 bytes, 3 available at byte 0 of the frame (file byte "), "{err}");
    assert_eq!(
        lines[2],
        format!(
            "error: {}: truncated packet data: needs 100 bytes, 3 available at byte {cut_at}",
            path.display()
        )
    );

    // Not a capture at all: exit 1, one error.
    let path = write_temp("not-a-capture.pcap", b"hello, world");
    let out = fleetwire(&["decode", "--pcap", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(1));
    assert_eq!(
        stderr(&out),
        format!(
            "error: {}: not a pcap or pcapng capture (magic number 0x68656c6c) at byte 0\n",
            path.display()
        )
    );

    // A capture with no UDP at all succeeds with a note.
    let mut w = fleetwire::pcap::PcapWriter::new(Vec::new()).unwrap();
    w.write_packet(t, &tcp).unwrap();
    let path = write_temp("no-udp.pcap", &w.into_inner().unwrap());
    let out = fleetwire(&["decode", "--pcap", path.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0));
    assert_eq!(stdout(&out), "");
    assert!(
        stderr(&out).starts_with("note: no UDP datagrams found in 1 frames"),
        "{}",
        stderr(&out)
    );
}

#[test]
fn truncated_captures_never_crash_the_binary() {
    let file = std::fs::read(sample_path()).unwrap();
    // Cutting exactly between records leaves a valid, shorter capture.
    let mut boundaries: Vec<usize> = fleetwire::pcap::CaptureReader::new(&file)
        .unwrap()
        .map(|f| f.unwrap().offset as usize - 16)
        .collect();
    boundaries.push(file.len());
    // Every 37th truncation point, plus the interesting edges.
    let mut cuts: Vec<usize> = (0..file.len()).step_by(37).collect();
    cuts.extend([1, 4, 23, 24, 25, 39, 40, file.len() - 1]);
    cuts.extend(&boundaries);
    for cut in cuts {
        let path = write_temp(&format!("cut-{cut}.pcap"), &file[..cut]);
        let out = fleetwire(&["decode", "--json", "--pcap", path.to_str().unwrap()]);
        let expected = if boundaries.contains(&cut) { 0 } else { 1 };
        assert_eq!(
            out.status.code(),
            Some(expected),
            "cut at {cut}: {}",
            stderr(&out)
        );
        if expected == 1 {
            assert!(stderr(&out).contains("error: "), "cut at {cut}");
        }
        assert!(
            !stderr(&out).contains("panicked"),
            "cut at {cut}: {}",
            stderr(&out)
        );
        let _ = json_lines(&out);
        std::fs::remove_file(path).unwrap();
    }
}
