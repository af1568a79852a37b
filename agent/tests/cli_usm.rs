//! `fleetwire decode -u USER -a AUTH -A PASS -x PRIV -X PASS`: SNMPv3 messages built with the
//! library's USM (every auth protocol, the privacy protocols in both AES key-extension forms),
//! as hex and in pcap captures holding several engines, users and versions; wrong passwords
//! and protocols; usage errors; and a real net-snmp `snmpget` captured through a relay.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;

use common::{addr, fleetwire, json_lines, stderr, stdout, write_temp};
use fleetwire::decode::{Input, Options, run_with_usm};
use fleetwire::pcap::PcapWriter;
use fleetwire::usm::UsmDecoder;
use fleetwire_snmp::crypto::Deterministic;
use fleetwire_snmp::usm::{
    self, AlgorithmPolicy, AuthProtocol, Outgoing, PrivProtocol, SaltCounter, SecurityLevel,
    Session, UsmUser,
};
use fleetwire_snmp::{
    CommunityMessage, GenericPdu, HeaderData, Message, MsgFlags, Oid, Pdu, ScopedPdu,
    ScopedPduData, SecurityParameters, UsmSecurityParameters, V3Message, Value, VarBind,
};
use fleetwire_testkit as tk;
use serde_json::{Value as Json, json};

const AUTH_PASS: &str = "fleet-auth-secret";
const PRIV_PASS: &str = "fleet-priv-secret";
const ENGINE_A: &[u8] = b"\x80\x00\x1f\x88\x04printer-a";
const ENGINE_B: &[u8] = b"\x80\x00\x1f\x88\x04printer-b";
const CRYPTO: Deterministic = Deterministic::new(7);

fn oid(s: &str) -> Oid<'static> {
    s.parse().unwrap()
}

fn hex(bytes: &[u8]) -> String {
    fleetwire::hex::encode(bytes)
}

fn usm_user(name: &str, auth: AuthProtocol, privacy: Option<PrivProtocol>) -> UsmUser {
    let u = UsmUser::new(name.as_bytes())
        .unwrap()
        .with_auth_password(&CRYPTO, auth, AUTH_PASS.as_bytes())
        .unwrap();
    match privacy {
        Some(p) => u
            .with_priv_password(&CRYPTO, p, PRIV_PASS.as_bytes())
            .unwrap(),
        None => u,
    }
}

/// net-snmp's options for a user: `-u NAME -a AUTH -A PASS [-x PRIV -X PASS]`.
fn flags(name: &str, auth: AuthProtocol, privacy: Option<PrivProtocol>) -> Vec<String> {
    let mut v = vec![
        "-u".to_owned(),
        name.to_owned(),
        "-a".to_owned(),
        auth.algorithm().net_snmp_name.to_owned(),
        "-A".to_owned(),
        AUTH_PASS.to_owned(),
    ];
    if let Some(p) = privacy {
        v.extend([
            "-x".to_owned(),
            p.algorithm().net_snmp_name.to_owned(),
            "-X".to_owned(),
            PRIV_PASS.to_owned(),
        ]);
    }
    v
}

fn run(args: &[String]) -> std::process::Output {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    fleetwire(&args)
}

/// A Response with one varbind of most types.
fn response(request_id: i32) -> Pdu<'static> {
    Pdu::Response(GenericPdu::new(
        request_id,
        vec![
            VarBind::new(
                oid("1.3.6.1.2.1.1.1.0"),
                Value::OctetString(b"Acme LaserPro 4200dn"[..].into()),
            ),
            VarBind::new(
                oid("1.3.6.1.2.1.1.2.0"),
                Value::ObjectIdentifier(oid("1.3.6.1.4.1.99.4200")),
            ),
            VarBind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(8_646_000)),
            VarBind::new(oid("1.3.6.1.2.1.25.3.2.1.5.1"), Value::Integer(-2)),
            VarBind::new(
                oid("1.3.6.1.2.1.43.10.2.1.4.1.1"),
                Value::Counter64(u64::MAX),
            ),
            VarBind::new(
                oid("1.3.6.1.2.1.4.20.1.1.1"),
                Value::IpAddress([192, 0, 2, 7]),
            ),
            VarBind::new(
                oid("1.3.6.1.4.1.99.1"),
                Value::OctetString(b"\x00\xff"[..].into()),
            ),
        ],
    ))
}

/// [`response`] as the JSON PDU object.
fn response_json(request_id: i32) -> Json {
    json!({
        "type": "Response",
        "request_id": request_id,
        "error_status": 0,
        "error_index": 0,
        "varbinds": [
            {"oid": "1.3.6.1.2.1.1.1.0", "type": "OCTET STRING",
             "value": hex(b"Acme LaserPro 4200dn"), "text": "Acme LaserPro 4200dn"},
            {"oid": "1.3.6.1.2.1.1.2.0", "type": "OBJECT IDENTIFIER", "value": "1.3.6.1.4.1.99.4200"},
            {"oid": "1.3.6.1.2.1.1.3.0", "type": "TimeTicks", "value": 8_646_000},
            {"oid": "1.3.6.1.2.1.25.3.2.1.5.1", "type": "INTEGER", "value": -2},
            {"oid": "1.3.6.1.2.1.43.10.2.1.4.1.1", "type": "Counter64", "value": u64::MAX},
            {"oid": "1.3.6.1.2.1.4.20.1.1.1", "type": "IpAddress", "value": "192.0.2.7"},
            {"oid": "1.3.6.1.4.1.99.1", "type": "OCTET STRING", "value": "00ff"},
        ],
    })
}

/// A v3 message of `user`, localized to `engine`, at `level`.
fn v3_message(
    user: &UsmUser,
    engine: &[u8],
    level: SecurityLevel,
    msg_id: u32,
    pdu: Pdu<'static>,
) -> Vec<u8> {
    let localized = user.localize(&CRYPTO, engine).unwrap();
    let scoped = ScopedPdu {
        context_engine_id: engine.to_vec().into(),
        context_name: b""[..].into(),
        pdu,
    };
    let out = Outgoing {
        msg_id,
        max_size: 65507,
        level,
        reportable: false,
        engine_boots: 3,
        engine_time: 86_400 + msg_id,
    };
    let mut wire = Vec::new();
    usm::generate_message(
        &CRYPTO,
        &localized,
        &out,
        &scoped,
        &mut SaltCounter::new(u64::from(msg_id)),
        &mut wire,
    )
    .unwrap();
    wire
}

/// Decodes `--hex` with `--json` and the flags; returns the exit code, the JSON lines and
/// stderr.
fn decode_hex(message: &[u8], extra: &[String]) -> (Option<i32>, Vec<Json>, String) {
    let mut args = vec![
        "decode".to_owned(),
        "--json".to_owned(),
        "--hex".to_owned(),
        hex(message),
    ];
    args.extend_from_slice(extra);
    let out = run(&args);
    (out.status.code(), json_lines(&out), stderr(&out))
}

/// The combinations the hex tests cover: every auth protocol, every privacy protocol, both
/// AES key extensions with digests shorter than the key (where they differ), and authNoPriv.
const COMBINATIONS: [(AuthProtocol, Option<PrivProtocol>); 11] = [
    (AuthProtocol::Md5, Some(PrivProtocol::Des)),
    (AuthProtocol::Sha512, Some(PrivProtocol::Aes256Reeder)),
    (AuthProtocol::Sha1, Some(PrivProtocol::Aes128)),
    (AuthProtocol::Sha1, Some(PrivProtocol::TripleDes)),
    (AuthProtocol::Md5, Some(PrivProtocol::Aes256Reeder)),
    (AuthProtocol::Md5, Some(PrivProtocol::Aes256Blumenthal)),
    (AuthProtocol::Sha1, Some(PrivProtocol::Aes192Reeder)),
    (AuthProtocol::Sha224, Some(PrivProtocol::Aes192Blumenthal)),
    (AuthProtocol::Sha384, Some(PrivProtocol::Aes256Blumenthal)),
    (AuthProtocol::Sha256, None),
    (AuthProtocol::Sha512, None),
];

#[test]
fn hex_authpriv_and_authnopriv_every_protocol() {
    for (i, (auth, privacy)) in COMBINATIONS.into_iter().enumerate() {
        let what = format!("{auth:?}/{privacy:?}");
        let user = usm_user("fleet", auth, privacy);
        let level = if privacy.is_some() {
            SecurityLevel::AuthPriv
        } else {
            SecurityLevel::AuthNoPriv
        };
        let msg_id = 100 + u32::try_from(i).unwrap();
        let wire = v3_message(&user, ENGINE_A, level, msg_id, response(5000 + i as i32));
        let (code, lines, err) = decode_hex(&wire, &flags("fleet", auth, privacy));
        assert_eq!(code, Some(0), "{what}: {err}");
        assert_eq!(err, "", "{what}");
        assert_eq!(lines.len(), 1, "{what}");
        let got = &lines[0];
        assert_eq!(got["pdu"], response_json(5000 + i as i32), "{what}");
        assert_eq!(
            got["security"],
            json!({"status": "ok", "verified": true, "decrypted": privacy.is_some()}),
            "{what}"
        );
        assert_eq!(got["context_engine_id"], hex(ENGINE_A), "{what}");
        assert_eq!(got["context_name"], "", "{what}");
        assert_eq!(got["msg_id"], msg_id, "{what}");
        assert_eq!(
            got["usm"],
            json!({"engine_id": hex(ENGINE_A), "engine_boots": 3, "engine_time": 86_400 + msg_id, "user": "fleet"}),
            "{what}"
        );
        assert_eq!(
            got["flags"],
            json!({"auth": true, "priv": privacy.is_some(), "reportable": false}),
            "{what}"
        );
        // encrypted_pdu_len stays for encrypted messages, next to the decrypted PDU.
        assert_eq!(
            got.get("encrypted_pdu_len").is_some(),
            privacy.is_some(),
            "{what}"
        );

        // Without -u: unchanged, so no PDU for an encrypted message and no "security".
        let (code, plain, _) = decode_hex(&wire, &[]);
        assert_eq!(code, Some(0));
        assert!(plain[0].get("security").is_none());
        assert_eq!(plain[0].get("pdu").is_none(), privacy.is_some(), "{what}");
        if privacy.is_some() {
            assert_eq!(got["encrypted_pdu_len"], plain[0]["encrypted_pdu_len"]);
        }
    }
}

#[test]
fn text_output_of_a_decrypted_message() {
    let (auth, privacy) = (AuthProtocol::Md5, Some(PrivProtocol::Des));
    let user = usm_user("fleet", auth, privacy);
    let wire = v3_message(&user, ENGINE_A, SecurityLevel::AuthPriv, 9, response(9));
    let mut args = vec!["decode".to_owned(), "--hex".to_owned(), hex(&wire)];
    args.extend(flags("fleet", auth, privacy));
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert!(lines[0].starts_with("SNMPv3  msg-id 9 "), "{text}");
    assert!(lines[1].starts_with("USM  engine-id 0x"), "{text}");
    assert!(
        lines[2].starts_with("security: verified (HMAC-MD5-96), decrypted (CBC-DES, "),
        "{text}"
    );
    assert!(lines[3].starts_with("context-engine-id 0x"), "{text}");
    assert!(lines[4].starts_with("Response  request-id 9 "), "{text}");
    assert_eq!(
        lines[5],
        "  1.3.6.1.2.1.1.1.0 = OCTET STRING: \"Acme LaserPro 4200dn\""
    );
    assert!(!text.contains("encrypted PDU"), "{text}");
    assert!(!text.contains(AUTH_PASS) && !text.contains(PRIV_PASS));
}

/// A plaintext v3 message (discovery Reports and the like).
fn v3_plain(user: &[u8], engine: &[u8], pdu: Pdu<'static>) -> Vec<u8> {
    Message::V3(V3Message {
        header: HeaderData {
            msg_id: 77,
            max_size: 65507,
            flags: MsgFlags::default(),
            security_model: 3,
        },
        security_parameters: SecurityParameters::Usm(UsmSecurityParameters {
            engine_id: engine.to_vec().into(),
            engine_boots: 3,
            engine_time: 86_400,
            user_name: user.to_vec().into(),
            ..UsmSecurityParameters::default()
        }),
        data: ScopedPduData::Plaintext(ScopedPdu {
            context_engine_id: engine.to_vec().into(),
            context_name: b""[..].into(),
            pdu,
        }),
    })
    .to_vec()
}

fn get_request(request_id: i32) -> Pdu<'static> {
    Pdu::GetRequest(GenericPdu::new(
        request_id,
        vec![VarBind::null(oid("1.3.6.1.2.1.1.1.0"))],
    ))
}

/// A capture holding v1, v2c, an engine discovery, the `fleet` user's messages to two
/// engines (authPriv and authNoPriv), and another user's: `(pcap bytes, what each frame
/// is)`.
fn mixed_capture() -> (Vec<u8>, Vec<&'static str>) {
    let (auth, privacy) = (AuthProtocol::Sha512, Some(PrivProtocol::Aes256Reeder));
    let fleet = usm_user("fleet", auth, privacy);
    let bob = usm_user("bob", AuthProtocol::Md5, Some(PrivProtocol::Des));
    let manager = addr("192.0.2.10:40000");
    let printer_a = addr("192.0.2.20:161");
    let printer_b = addr("[2001:db8::30]:161");
    let manager6 = addr("[2001:db8::10]:40000");
    let v2c = Message::V2c(CommunityMessage {
        community: Cow::Borrowed(b"public"),
        pdu: response(1),
    })
    .to_vec();
    let v1 = Message::V1(CommunityMessage {
        community: Cow::Borrowed(b"public"),
        pdu: get_request(1),
    })
    .to_vec();
    let mut discovery = Vec::new();
    Session::new(
        &CRYPTO,
        fleet.clone(),
        SecurityLevel::AuthPriv,
        AlgorithmPolicy::Any,
    )
    .unwrap()
    .encode_discovery(70, 2, &mut discovery);
    let report = v3_plain(
        b"",
        ENGINE_A,
        Pdu::Report(GenericPdu::new(
            2,
            vec![VarBind::new(
                oid("1.3.6.1.6.3.15.1.1.4.0"),
                Value::Counter32(1),
            )],
        )),
    );
    let authpriv = SecurityLevel::AuthPriv;
    let frames: Vec<(&str, SocketAddr, SocketAddr, Vec<u8>)> = vec![
        ("v1", manager, printer_a, v1),
        ("v2c", printer_a, manager, v2c),
        ("discovery", manager, printer_a, discovery),
        ("report", printer_a, manager, report),
        (
            "fleet A request",
            manager,
            printer_a,
            v3_message(&fleet, ENGINE_A, authpriv, 71, get_request(3)),
        ),
        (
            "fleet A response",
            printer_a,
            manager,
            v3_message(&fleet, ENGINE_A, authpriv, 71, response(3)),
        ),
        (
            "fleet B response",
            printer_b,
            manager6,
            v3_message(&fleet, ENGINE_B, authpriv, 72, response(4)),
        ),
        (
            "bob B response",
            printer_b,
            manager6,
            v3_message(&bob, ENGINE_B, authpriv, 73, response(5)),
        ),
        (
            "fleet B authNoPriv",
            printer_b,
            manager6,
            v3_message(&fleet, ENGINE_B, SecurityLevel::AuthNoPriv, 74, response(6)),
        ),
    ];
    let mut w = PcapWriter::new(Vec::new()).unwrap();
    for (i, (_, src, dst, payload)) in frames.iter().enumerate() {
        let t = Duration::from_secs(1_717_236_000) + Duration::from_millis(i as u64);
        w.write_udp(t, *src, *dst, payload).unwrap();
    }
    let names = frames.iter().map(|f| f.0).collect();
    (w.into_inner().unwrap(), names)
}

fn fleet_flags() -> Vec<String> {
    flags(
        "fleet",
        AuthProtocol::Sha512,
        Some(PrivProtocol::Aes256Reeder),
    )
}

#[test]
fn pcap_with_several_engines_users_and_versions() {
    let (pcap, names) = mixed_capture();
    let path = write_temp("usm-mixed.pcap", &pcap);
    let path = path.to_str().unwrap().to_owned();
    let base = vec![
        "decode".to_owned(),
        "--json".to_owned(),
        "--pcap".to_owned(),
        path.clone(),
    ];
    let before = run(&base);
    assert_eq!(before.status.code(), Some(0), "{}", stderr(&before));
    let before = json_lines(&before);
    let mut args = base.clone();
    args.extend(fleet_flags());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let after = json_lines(&out);
    assert_eq!(after.len(), names.len());
    assert_eq!(before.len(), names.len());
    for ((name, b), a) in names.iter().zip(&before).zip(&after) {
        assert_eq!(a["frame"], b["frame"], "{name}");
        let mut stripped = a.clone();
        let security = stripped.as_object_mut().unwrap().remove("security");
        match *name {
            // v1 and v2c: exactly as before.
            "v1" | "v2c" => assert_eq!(a, b, "{name}"),
            // Other users (the discovery's empty user too): as before, plus "security".
            "discovery" | "report" | "bob B response" => {
                assert_eq!(&stripped, b, "{name}");
                assert_eq!(
                    security,
                    Some(json!({"status": "other_user", "verified": false, "decrypted": false})),
                    "{name}"
                );
            }
            "fleet A request" => {
                assert_eq!(a["pdu"]["type"], "GetRequest");
                assert_eq!(a["pdu"]["varbinds"][0]["oid"], "1.3.6.1.2.1.1.1.0");
                assert_eq!(a["security"]["decrypted"], true);
            }
            "fleet A response" | "fleet B response" => {
                let id = if name.contains('A') { 3 } else { 4 };
                assert_eq!(a["pdu"], response_json(id), "{name}");
                assert_eq!(
                    security,
                    Some(json!({"status": "ok", "verified": true, "decrypted": true})),
                    "{name}"
                );
                assert!(b.get("pdu").is_none(), "{name}");
            }
            "fleet B authNoPriv" => {
                assert_eq!(a["pdu"], response_json(6));
                assert_eq!(a["pdu"], b["pdu"]);
                assert_eq!(
                    security,
                    Some(json!({"status": "ok", "verified": true, "decrypted": false}))
                );
            }
            other => panic!("{other}"),
        }
    }
    assert_eq!(after[6]["context_engine_id"], hex(ENGINE_B));
    assert_eq!(after[6]["src"], "[2001:db8::30]:161");

    // Text: the other user is reported as such.
    let mut args = vec!["decode".to_owned(), "--pcap".to_owned(), path];
    args.extend(fleet_flags());
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    assert!(
        text.contains("security: not verified: the message is for user \"bob\", not \"fleet\"\n"),
        "{text}"
    );
    assert!(
        text.contains("security: not verified: the message is for user \"\", not \"fleet\"\n"),
        "{text}"
    );
    assert_eq!(
        text.matches("security: verified (HMAC-SHA-512-384), decrypted (CFB128-AES-256 (Reeder key extension), ")
            .count(),
        3,
        "{text}"
    );
    assert_eq!(
        text.matches("security: verified (HMAC-SHA-512-384), not encrypted\n")
            .count(),
        1,
        "{text}"
    );
}

#[test]
fn keys_are_localized_once_per_engine() {
    let (pcap, _) = mixed_capture();
    let path = write_temp("usm-keys.pcap", &pcap);
    let user = usm_user(
        "fleet",
        AuthProtocol::Sha512,
        Some(PrivProtocol::Aes256Reeder),
    );
    let mut usm = UsmDecoder::new(user);
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let summary = run_with_usm(
        &Input::Capture(path),
        Options {
            json: true,
            lenient: false,
        },
        &mut usm,
        &mut out,
        &mut err,
    )
    .unwrap();
    assert!(summary.success(), "{}", String::from_utf8_lossy(&err));
    assert_eq!(summary.decoded, 9);
    assert_eq!(summary.verified, 4);
    assert_eq!(summary.decrypted, 3);
    assert_eq!(usm.messages_for_user(), 4);
    // Two engines (A and B), four messages: two localizations.
    assert_eq!(usm.keys().derivations(), 2);
}

#[test]
fn wrong_auth_password_or_protocol() {
    for (auth, privacy) in [
        (AuthProtocol::Sha512, Some(PrivProtocol::Aes256Reeder)),
        (AuthProtocol::Md5, Some(PrivProtocol::Des)),
        (AuthProtocol::Sha256, None),
    ] {
        let what = format!("{auth:?}/{privacy:?}");
        let user = usm_user("fleet", auth, privacy);
        let level = if privacy.is_some() {
            SecurityLevel::AuthPriv
        } else {
            SecurityLevel::AuthNoPriv
        };
        let wire = v3_message(&user, ENGINE_A, level, 5, response(5));
        let mut f = flags("fleet", auth, privacy);
        f[5] = "not-the-auth-password".to_owned();
        let (code, lines, err) = decode_hex(&wire, &f);
        assert_eq!(code, Some(1), "{what}");
        assert_eq!(
            err, "error: authentication failed for user \"fleet\": wrong digest; check -A and -a\n",
            "{what}"
        );
        // Still printed, as without -u, and marked.
        assert_eq!(lines.len(), 1);
        assert_eq!(
            lines[0]["security"],
            json!({"status": "failed", "verified": false, "decrypted": false,
                   "error": "authentication failed for user \"fleet\": wrong digest; check -A and -a"}),
            "{what}"
        );
        assert_eq!(lines[0].get("pdu").is_none(), privacy.is_some(), "{what}");
        let all = format!("{lines:?}{err}");
        assert!(!all.contains("not-the-auth-password") && !all.contains(PRIV_PASS));
    }

    // The wrong protocol: the digest length tells.
    let user = usm_user("fleet", AuthProtocol::Sha256, Some(PrivProtocol::Aes128));
    let wire = v3_message(&user, ENGINE_A, SecurityLevel::AuthPriv, 5, response(5));
    let (code, _, err) = decode_hex(
        &wire,
        &flags("fleet", AuthProtocol::Sha1, Some(PrivProtocol::Aes128)),
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "error: authentication failed for user \"fleet\": wrong digest: the message has a \
         24-byte digest, -a SHA makes 12-byte digests; check -a\n"
    );

    // In a capture: the frame and its addresses, and the other frames still decode.
    let (pcap, names) = mixed_capture();
    let path = write_temp("usm-wrong-auth.pcap", &pcap);
    let mut args = vec![
        "decode".to_owned(),
        "--json".to_owned(),
        "--pcap".to_owned(),
        path.to_str().unwrap().to_owned(),
    ];
    let mut f = fleet_flags();
    f[5] = "not-the-auth-password".to_owned();
    args.extend(f);
    let out = run(&args);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    let lines: Vec<&str> = err.lines().collect();
    assert_eq!(lines.len(), 4, "{err}");
    assert_eq!(
        lines[0],
        "error: frame 5 (192.0.2.10:40000 -> 192.0.2.20:161): authentication failed for user \
         \"fleet\": wrong digest; check -A and -a"
    );
    assert!(lines[2].starts_with(
        "error: frame 7 ([2001:db8::30]:161 -> [2001:db8::10]:40000): authentication failed"
    ));
    assert_eq!(json_lines(&out).len(), names.len());
}

#[test]
fn wrong_priv_password() {
    for (auth, privacy) in [
        (AuthProtocol::Sha512, PrivProtocol::Aes256Reeder),
        (AuthProtocol::Md5, PrivProtocol::Des),
        (AuthProtocol::Sha1, PrivProtocol::TripleDes),
        (AuthProtocol::Sha256, PrivProtocol::Aes128),
    ] {
        let what = format!("{auth:?}/{privacy:?}");
        let user = usm_user("fleet", auth, Some(privacy));
        let wire = v3_message(&user, ENGINE_A, SecurityLevel::AuthPriv, 6, response(6));
        let mut f = flags("fleet", auth, Some(privacy));
        f[9] = "not-the-priv-password".to_owned();
        let (code, lines, err) = decode_hex(&wire, &f);
        assert_eq!(code, Some(1), "{what}");
        assert!(
            err.starts_with("error: decryption failed for user \"fleet\": ")
                && err.ends_with("; check -X and -x\n"),
            "{what}: {err}"
        );
        assert_eq!(err.lines().count(), 1);
        let security = &lines[0]["security"];
        assert_eq!(security["status"], "failed", "{what}");
        assert_eq!(security["verified"], true, "{what}: the digest was right");
        assert_eq!(security["decrypted"], false, "{what}");
        assert!(lines[0].get("pdu").is_none());
        assert!(!format!("{lines:?}{err}").contains("not-the-priv-password"));
    }

    // The wrong privacy protocol (Blumenthal instead of Reeder, which differ for MD5).
    let user = usm_user("fleet", AuthProtocol::Md5, Some(PrivProtocol::Aes256Reeder));
    let wire = v3_message(&user, ENGINE_A, SecurityLevel::AuthPriv, 6, response(6));
    let (code, _, err) = decode_hex(
        &wire,
        &flags(
            "fleet",
            AuthProtocol::Md5,
            Some(PrivProtocol::Aes256Blumenthal),
        ),
    );
    assert_eq!(code, Some(1));
    assert!(
        err.starts_with("error: decryption failed for user \"fleet\": "),
        "{err}"
    );
}

#[test]
fn authpriv_message_without_privacy_options() {
    let user = usm_user("fleet", AuthProtocol::Sha256, Some(PrivProtocol::Aes128));
    let wire = v3_message(&user, ENGINE_A, SecurityLevel::AuthPriv, 8, response(8));
    let (code, lines, err) = decode_hex(&wire, &flags("fleet", AuthProtocol::Sha256, None));
    assert_eq!(code, Some(1));
    assert_eq!(
        err,
        "error: cannot decrypt the message of user \"fleet\": it is authPriv, but no privacy \
         protocol was given (-x, -X)\n"
    );
    assert_eq!(lines[0]["security"]["status"], "failed");

    // -u alone: an authenticated message cannot be verified.
    let (code, _, err) = decode_hex(&wire, &["-u".to_owned(), "fleet".to_owned()]);
    assert_eq!(code, Some(1));
    assert!(
        err.contains("no authentication protocol was given (-a, -A)"),
        "{err}"
    );
}

#[test]
fn another_user_is_not_verified() {
    let (auth, privacy) = (AuthProtocol::Sha256, Some(PrivProtocol::Aes128));
    let user = usm_user("fleet", auth, privacy);
    let wire = v3_message(&user, ENGINE_A, SecurityLevel::AuthPriv, 8, response(8));
    let (code, lines, err) = decode_hex(&wire, &flags("alice", auth, privacy));
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(
        err,
        "note: no SNMPv3 message of user \"alice\" in the input: nothing was verified or decrypted\n"
    );
    let (_, plain, _) = decode_hex(&wire, &[]);
    let mut got = lines[0].clone();
    let security = got.as_object_mut().unwrap().remove("security");
    assert_eq!(got, plain[0]);
    assert_eq!(
        security,
        Some(json!({"status": "other_user", "verified": false, "decrypted": false}))
    );

    let mut args = vec!["decode".to_owned(), "--hex".to_owned(), hex(&wire)];
    args.extend(flags("alice", auth, privacy));
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0));
    assert!(
        stdout(&out).contains(
            "\nsecurity: not verified: the message is for user \"fleet\", not \"alice\"\n"
        ),
        "{}",
        stdout(&out)
    );
    assert!(stdout(&out).contains("\nencrypted PDU: "));
}

#[test]
fn community_messages_are_unchanged() {
    let v2c = Message::V2c(CommunityMessage {
        community: Cow::Borrowed(b"public"),
        pdu: response(1),
    })
    .to_vec();
    let (_, plain, _) = decode_hex(&v2c, &[]);
    let (code, lines, err) = decode_hex(&v2c, &fleet_flags());
    assert_eq!(code, Some(0));
    assert_eq!(lines, plain);
    assert!(err.starts_with("note: no SNMPv3 message of user \"fleet\""));
}

#[test]
fn usage_errors() {
    let msg =
        "30 1c 02 01 01 04 01 70 a0 14 02 01 01 02 01 00 02 01 00 30 09 30 07 06 03 2b 06 01 05 00";
    let secret = "secret-password-1";
    let cases: &[(&[&str], &str)] = &[
        (&["-a", "SHA", "-A", secret], "--user"),
        (&["-u", "fleet", "-A", secret], "--auth-protocol"),
        (&["-u", "fleet", "-a", "SHA"], "--auth-password"),
        (
            &["-u", "fleet", "-x", "AES", "-X", secret],
            "--auth-protocol",
        ),
        (
            &["-u", "fleet", "-a", "SHA", "-A", secret, "-X", secret],
            "--priv-protocol",
        ),
        (
            &["-u", "fleet", "-a", "SHA-3", "-A", secret],
            "expected one of MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512",
        ),
        (
            &[
                "-u", "fleet", "-a", "SHA", "-A", secret, "-x", "AES256", "-X", secret,
            ],
            "ambiguous",
        ),
        (
            &["-u", "fleet", "-a", "SHA", "-A", "short"],
            "error: -A: password is 5 characters; USM requires at least 8",
        ),
        (
            &[
                "-u", "fleet", "-a", "SHA", "-A", secret, "-x", "DES", "-X", "short",
            ],
            "error: -X: password is 5 characters; USM requires at least 8",
        ),
        (
            &["-u", "a-user-name-that-is-longer-than-32-bytes"],
            "error: -u: user name is 40 bytes; at most 32 allowed",
        ),
    ];
    for (extra, expected) in cases {
        let mut args = vec!["decode", "--hex", msg];
        args.extend_from_slice(extra);
        let out = fleetwire(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {err}");
        assert!(err.contains(expected), "{extra:?}: {err}");
        assert!(!err.contains(secret), "{extra:?} printed a password: {err}");
        assert_eq!(stdout(&out), "");
    }
    // Every net-snmp name is accepted (and nothing clashes with the other options).
    for a in fleetwire_snmp::usm::AUTH_ALGORITHMS {
        for p in fleetwire_snmp::usm::PRIV_ALGORITHMS {
            let out = fleetwire(&[
                "decode",
                "--json",
                "--hex",
                msg,
                "-u",
                "fleet",
                "-a",
                a.net_snmp_name,
                "-A",
                secret,
                "-x",
                p.net_snmp_name,
                "-X",
                secret,
            ]);
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        }
    }
}

/// A real net-snmp exchange: `snmpget` (SHA-256, AES-128) through a relay to snmpd, written
/// as a pcap; our decode shows the sysDescr net-snmp printed.
#[test]
fn netsnmp_snmpget_capture() {
    if !tk::require_tools(&["snmpd", "snmpget"]) {
        return;
    }
    let theirs = tk::UsmUser::new("fleet")
        .auth(tk::AuthProtocol::Sha256, AUTH_PASS)
        .privacy(tk::PrivProtocol::Aes128, PRIV_PASS);
    let agent = tk::Snmpd::builder()
        .engine_id("fleetwire-decode")
        .ipv6(false)
        .user(theirs.clone())
        .ro_user("fleet", tk::SecurityLevel::AuthPriv)
        .start();
    let relay = tk::UdpRelay::start(agent.addr());
    let mut args = theirs.tool_args();
    args.extend([
        "-On".to_owned(),
        relay.target(),
        "1.3.6.1.2.1.1.1.0".to_owned(),
    ]);
    let got = tk::snmpget(&args);
    let printed = tk::stdout_text(&got);
    assert!(got.status.success(), "{}", tk::stderr_text(&got));
    let vbs = tk::parse_netsnmp_output(&printed);
    assert_eq!(vbs.len(), 1, "{printed}");
    let Some(tk::NetSnmpValue::OctetString(sys_descr)) = vbs[0].value() else {
        panic!("not a string: {printed}")
    };
    assert!(!sys_descr.is_empty());

    // Discovery request, Report, GetRequest, Response (at least).
    let datagrams = relay.wait_for(4, Duration::from_secs(5));
    assert!(datagrams.len() >= 4, "{datagrams:?}");
    let mut w = PcapWriter::new(Vec::new()).unwrap();
    for d in &datagrams {
        let (src, dst) = match d.direction {
            tk::Direction::ToTarget => (d.client, relay.addr()),
            tk::Direction::FromTarget => (relay.addr(), d.client),
        };
        w.write_udp(
            Duration::from_secs(1_717_236_000) + d.at,
            src,
            dst,
            &d.bytes,
        )
        .unwrap();
    }
    let path = write_temp("usm-netsnmp.pcap", &w.into_inner().unwrap());
    let path = path.to_str().unwrap().to_owned();
    let mut args = vec![
        "decode".to_owned(),
        "--json".to_owned(),
        "--pcap".to_owned(),
        path.clone(),
    ];
    args.extend(flags(
        "fleet",
        AuthProtocol::Sha256,
        Some(PrivProtocol::Aes128),
    ));
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    assert_eq!(stderr(&out), "");
    let lines = json_lines(&out);
    let ours: Vec<&Json> = lines
        .iter()
        .filter(|l| l["security"]["status"] == "ok")
        .collect();
    assert_eq!(ours.len(), 2, "{lines:?}");
    for l in &ours {
        assert_eq!(
            l["security"],
            json!({"status": "ok", "verified": true, "decrypted": true})
        );
        assert_eq!(l["context_engine_id"], l["usm"]["engine_id"]);
    }
    assert_eq!(ours[0]["pdu"]["type"], "GetRequest");
    let response = ours[1];
    assert_eq!(response["pdu"]["type"], "Response");
    let vb = &response["pdu"]["varbinds"][0];
    assert_eq!(vb["oid"], "1.3.6.1.2.1.1.1.0");
    assert_eq!(vb["type"], "OCTET STRING");
    assert_eq!(vb["value"], hex(&sys_descr));
    // The discovery exchange (user "") is another user's.
    assert!(
        lines
            .iter()
            .filter(|l| l["security"]["status"] == "other_user")
            .all(|l| l["usm"]["user"] == "")
    );

    // The text output shows the same value.
    let mut args = vec!["decode".to_owned(), "--pcap".to_owned(), path];
    args.extend(flags(
        "fleet",
        AuthProtocol::Sha256,
        Some(PrivProtocol::Aes128),
    ));
    let out = run(&args);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    let text = stdout(&out);
    if let Ok(s) = std::str::from_utf8(&sys_descr) {
        assert!(
            text.contains(&format!("  1.3.6.1.2.1.1.1.0 = OCTET STRING: {s:?}\n")),
            "{text}"
        );
    }
}

/// `--lenient` tolerates bytes after the message; they are not covered by the digest, so the
/// message still verifies, and the anomaly is still reported.
#[test]
fn lenient_trailing_bytes_are_not_signed() {
    let (auth, privacy) = (AuthProtocol::Sha256, Some(PrivProtocol::Aes128));
    let user = usm_user("fleet", auth, privacy);
    let mut wire = v3_message(&user, ENGINE_A, SecurityLevel::AuthPriv, 8, response(8));
    let end = wire.len();
    wire.extend_from_slice(&[0, 0]);
    let mut extra = vec!["--lenient".to_owned()];
    extra.extend(flags("fleet", auth, privacy));
    let (code, lines, err) = decode_hex(&wire, &extra);
    assert_eq!(code, Some(0), "{err}");
    assert_eq!(lines[0]["pdu"], response_json(8));
    assert_eq!(lines[0]["security"]["verified"], true);
    assert_eq!(
        lines[0]["anomalies"],
        json!([{"kind": "trailing_bytes", "count": 1, "first_offset": end}])
    );
}
