//! `fleetwire get | getnext | getbulk | set | walk | bulkwalk` against net-snmp: the same
//! command line given to net-snmp's tool and to ours must print the same bytes.
//!
//! - A canned agent in this test serves one value of every SMI type (and the exceptions);
//!   `snmpget -On` and `fleetwire get` print them identically.
//! - A private snmpd: each command over v1, v2c, v3 (several auth/priv users, IPv4 and
//!   IPv6 target syntaxes) prints what the net-snmp tool prints, and a full bulkwalk of `.1`
//!   returns the same OIDs and values as snmpbulkwalk (walks interleaved, so that values
//!   which change between walks are told apart from differences).
//! - `--json`, and failures: one line on stderr, a non-zero exit.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::collections::{BTreeMap, BTreeSet};
use std::net::UdpSocket;
use std::process::Output;
use std::thread;
use std::time::Duration;

use common::{fleetwire, json_lines, stderr, stdout};
use fleetwire_snmp::{CommunityMessage, Message, Oid, OpaqueValue, Pdu, Value, VarBind};
use fleetwire_testkit as tk;

const AUTH_PASS: &str = "fleetwire-auth";
const PRIV_PASS: &str = "fleetwire-priv";

/// The values the canned agent serves under 1.3.6.1.4.1.99999.1.N.
fn canned_values() -> Vec<Value<'static>> {
    let mut long = Vec::new();
    for i in 0u8..40 {
        long.push(i.wrapping_mul(37));
    }
    vec![
        Value::OctetString(b"printer \"lobby\" \\ 1"[..].into()),
        Value::OctetString(b"two\nlines\tand tab"[..].into()),
        Value::OctetString(b""[..].into()),
        Value::OctetString(b"\x00\x1a\xff"[..].into()),
        Value::OctetString((0u8..16).collect::<Vec<u8>>().into()),
        Value::OctetString(long.into()),
        Value::OctetString("h\u{e9}llo".as_bytes().to_vec().into()),
        Value::OctetString(b"ABC\0"[..].into()),
        Value::Integer(-5),
        Value::Integer(i32::MAX),
        Value::ObjectIdentifier("1.3.6.1.4.1.8072.3.2.10".parse().unwrap()),
        Value::ObjectIdentifier("0.0".parse().unwrap()),
        Value::Null,
        Value::IpAddress([10, 1, 2, 3]),
        Value::Counter32(u32::MAX),
        Value::Gauge32(42),
        Value::TimeTicks(0),
        Value::TimeTicks(123_456),
        Value::TimeTicks(8_640_000),
        Value::TimeTicks(u32::MAX),
        Value::Opaque(OpaqueValue::Float(1.5).encode().into()),
        Value::Opaque(OpaqueValue::Double(-2.25).encode().into()),
        Value::Opaque(OpaqueValue::I64(-9).encode().into()),
        Value::Opaque(OpaqueValue::U64(u64::MAX).encode().into()),
        Value::Opaque(b"\x01\x02\x03"[..].into()),
        Value::Counter64(u64::MAX),
        Value::UInteger32(258),
        Value::NsapAddress(b"\x47\x00"[..].into()),
        Value::NoSuchObject,
        Value::NoSuchInstance,
        Value::EndOfMibView,
    ]
}

fn canned_oid(i: usize) -> String {
    format!("1.3.6.1.4.1.99999.1.{}", i + 1)
}

/// A v2c agent on 127.0.0.1 that answers every GetRequest with the canned values.
fn canned_agent() -> u16 {
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    let port = socket.local_addr().unwrap().port();
    let values: BTreeMap<Oid<'static>, Value<'static>> = canned_values()
        .into_iter()
        .enumerate()
        .map(|(i, v)| (canned_oid(i).parse().unwrap(), v))
        .collect();
    thread::spawn(move || {
        let mut buf = vec![0u8; 65536];
        loop {
            let Ok((n, from)) = socket.recv_from(&mut buf) else {
                return;
            };
            let Ok(Message::V2c(req)) = Message::decode(&buf[..n]) else {
                continue;
            };
            let Pdu::GetRequest(pdu) = &req.pdu else {
                continue;
            };
            let varbinds: Vec<VarBind<'static>> = pdu
                .varbinds
                .iter()
                .map(|vb| {
                    let name = vb.name.into_owned();
                    let value = values.get(&name).cloned().unwrap_or(Value::NoSuchObject);
                    VarBind::new(name, value)
                })
                .collect();
            let mut answer = pdu.clone();
            answer.varbinds = varbinds.into();
            let msg = Message::V2c(CommunityMessage {
                community: req.community.clone(),
                pdu: Pdu::Response(answer),
            });
            let _ = socket.send_to(&msg.to_vec(), from);
        }
    });
    port
}

fn ok(out: &Output, what: &str) -> String {
    assert!(
        out.status.success(),
        "{what} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout.clone()).unwrap()
}

/// Runs net-snmp's `tool` and `fleetwire sub` with the same arguments (`-On` added for
/// net-snmp) and requires identical stdout.
fn same_output(tool: &str, sub: &str, args: &[&str]) -> String {
    let mut theirs_args = vec!["-On"];
    theirs_args.extend_from_slice(args);
    let theirs = tk::run_tool(tool, &theirs_args);
    let mut ours_args = vec![sub];
    ours_args.extend_from_slice(args);
    let ours = fleetwire(&ours_args);
    let theirs_text = ok(&theirs, tool);
    let ours_text = ok(&ours, &format!("fleetwire {sub}"));
    assert_eq!(ours_text, theirs_text, "{sub} {args:?}");
    assert!(!ours_text.is_empty());
    ours_text
}

#[test]
fn every_value_type_prints_like_snmpget() {
    if !tk::require_tool("snmpget") {
        return;
    }
    let port = canned_agent();
    let target = format!("127.0.0.1:{port}");
    let oids: Vec<String> = (0..canned_values().len()).map(canned_oid).collect();
    let mut args = vec!["-v2c", "-c", "public", target.as_str()];
    args.extend(oids.iter().map(String::as_str));
    let text = same_output("snmpget", "get", &args);
    // Long hex strings wrap, as net-snmp's do.
    assert!(text.contains(" \n"), "{text}");

    // --json: one object per varbind, in the decode command's conventions.
    let mut json_args = vec!["get", "--json"];
    json_args.extend_from_slice(&args);
    let out = fleetwire(&json_args);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), oids.len());
    assert_eq!(lines[0]["oid"], oids[0]);
    assert_eq!(lines[0]["type"], "OCTET STRING");
    assert_eq!(lines[0]["text"], "printer \"lobby\" \\ 1");
    assert_eq!(lines[8]["value"], -5);
    assert_eq!(lines[25]["type"], "Counter64");
    assert_eq!(lines[25]["value"], u64::MAX);
}

fn agent() -> tk::Snmpd {
    let mut b = tk::Snmpd::builder()
        .engine_id("fleetwire-cli")
        .ro_community("public")
        .rw_community("private")
        // Rows that differ with the process asking (hrSWRun lists the running tools) stay
        // out of the full-walk comparison's view.
        .config_line("view walkable included .1")
        .config_line("view walkable excluded .1.3.6.1.2.1.25.4")
        .config_line("view walkable excluded .1.3.6.1.2.1.25.5")
        .config_line("rocommunity walker 127.0.0.1 -V walkable");
    for u in cli_users() {
        b = b.user(u.clone()).ro_user(&u.name, u.level());
    }
    b.start()
}

/// A few of the matrix users for the CLI (the library test covers all 43).
fn cli_users() -> Vec<tk::UsmUser> {
    tk::matrix_users(AUTH_PASS, PRIV_PASS)
        .into_iter()
        .filter(|u| {
            matches!(
                u.name.as_str(),
                "noauth" | "md5-des" | "sha-none" | "sha-512-aes-256" | "sha-256-aes-192-c"
            )
        })
        .collect()
}

#[test]
fn commands_print_like_net_snmp_tools() {
    if !tk::require_tools(&["snmpd", "snmpget", "snmpbulkwalk", "snmpset"]) {
        return;
    }
    let agent = agent();
    let t4 = agent.target();
    let mut targets = vec![t4.clone()];
    if let Some(v6) = agent.addr_v6() {
        targets.push(format!("udp6:[::1]:{}", v6.port()));
        targets.push(format!("[::1]:{}", v6.port()));
    }
    let descr = ".1.3.6.1.2.1.1.1.0";
    let object_id = ".1.3.6.1.2.1.1.2.0";
    let or_table = ".1.3.6.1.2.1.1.9";
    let engine_id = ".1.3.6.1.6.3.10.2.1.1.0";
    let mut securities: Vec<Vec<String>> = vec![
        vec!["-v1".into(), "-c".into(), "public".into()],
        vec!["-v2c".into(), "-c".into(), "public".into()],
    ];
    for u in cli_users() {
        securities.push(u.tool_args());
    }
    for (t, target) in targets.iter().enumerate() {
        for (s, sec) in securities.iter().enumerate() {
            // Every security over IPv4; v2c and one v3 user over the IPv6 spellings.
            if t > 0 && s != 1 && s != securities.len() - 1 {
                continue;
            }
            let mut base: Vec<&str> = sec.iter().map(String::as_str).collect();
            base.push(target);
            let with = |more: &[&'static str]| -> Vec<&str> {
                let mut v = base.clone();
                v.extend_from_slice(more);
                v
            };
            same_output("snmpget", "get", &with(&[descr, object_id, engine_id]));
            same_output(
                "snmpgetnext",
                "getnext",
                &with(&[".1.3.6.1.2.1.1", ".1.3.6.1.2.1.1.9.1.2.1"]),
            );
            same_output("snmpwalk", "walk", &with(&[or_table]));
            // A walk of an instance GETs it.
            same_output("snmpwalk", "walk", &with(&[descr]));
            if sec[0] != "-v1" {
                let bulk = same_output(
                    "snmpbulkget",
                    "getbulk",
                    &with(&["-Cn1", "-Cr3", descr, or_table]),
                );
                // net-snmp needs the number attached; we also take `-Cn 1 -Cr 3`.
                let mut spaced = vec!["getbulk", "-Cn", "1", "-Cr", "3"];
                spaced.extend(with(&[descr, or_table]));
                assert_eq!(stdout(&fleetwire(&spaced)), bulk);
                same_output("snmpbulkwalk", "bulkwalk", &with(&["-Cr5", or_table]));
                // A missing object: an exception line, exit 0.
                same_output("snmpget", "get", &with(&[".1.3.6.1.2.1.1.99.0"]));
            }
        }
    }

    // -e (engine ID known, no discovery) and -E (contextEngineID) as net-snmp takes them.
    let engine = agent.engine_id_hex().unwrap();
    let user = cli_users().pop().unwrap();
    for flag in ["-e", "-E"] {
        let mut args: Vec<String> = user.tool_args();
        args.extend([
            flag.to_owned(),
            engine.clone(),
            t4.clone(),
            descr.to_owned(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        same_output("snmpget", "get", &args);
    }

    // set: OID TYPE VALUE, every type letter snmpd's sysContact accepts, and more through
    // the canned agent's parser test (unit tests); the answer prints like snmpset's.
    for (letter, value) in [("s", "room 4"), ("x", "41 42 43"), ("d", "72.105")] {
        same_output(
            "snmpset",
            "set",
            &[
                "-v2c",
                "-c",
                "private",
                &t4,
                ".1.3.6.1.2.1.1.4.0",
                letter,
                value,
            ],
        );
    }
    let out = fleetwire(&[
        "set",
        "-v2c",
        "-c",
        "private",
        &t4,
        ".1.3.6.1.2.1.1.4.0",
        "i",
        "5",
    ]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert_eq!(stderr(&out).lines().count(), 1, "{}", stderr(&out));
    assert!(stderr(&out).contains("wrongType"), "{}", stderr(&out));
}

#[test]
fn full_bulkwalk_matches_snmpbulkwalk() {
    if !tk::require_tools(&["snmpd", "snmpbulkwalk"]) {
        return;
    }
    let agent = agent();
    let t = agent.target();
    let args = ["-v2c", "-c", "walker", "-Cr25", t.as_str(), ".1"];
    let ours = || {
        let mut a = vec!["bulkwalk"];
        a.extend_from_slice(&args);
        ok(&fleetwire(&a), "fleetwire bulkwalk")
    };
    let theirs = || {
        let mut a = vec!["-On"];
        a.extend_from_slice(&args);
        ok(&tk::snmpbulkwalk(&a), "snmpbulkwalk")
    };
    // Interleaved: a value that differs between ours and theirs but not between two runs of
    // the same tool cannot be explained by the agent's own changes.
    let runs = [ours(), theirs(), ours(), theirs()];
    let parsed: Vec<BTreeMap<String, String>> = runs
        .iter()
        .map(|text| {
            let entries = tk::parse_netsnmp_output(text);
            let map: BTreeMap<String, String> = entries
                .iter()
                .map(|vb| (vb.oid.clone(), format!("{}: {}", vb.type_label, vb.value)))
                .collect();
            map
        })
        .collect();
    let all: BTreeSet<&String> = parsed.iter().flat_map(|m| m.keys()).collect();
    let volatile: BTreeSet<&String> = all
        .iter()
        .copied()
        .filter(|oid| {
            let values: Vec<Option<&String>> = parsed.iter().map(|m| m.get(*oid)).collect();
            values[0] != values[2] || values[1] != values[3]
        })
        .collect();
    let stable = all.len() - volatile.len();
    assert!(
        all.len() > 1000,
        "a full walk has thousands of varbinds: {}",
        all.len()
    );
    assert!(
        volatile.len() * 10 < all.len(),
        "{} of {} varbinds changed between runs",
        volatile.len(),
        all.len()
    );
    let mut differences = Vec::new();
    for oid in &all {
        if volatile.contains(oid) {
            continue;
        }
        if parsed[0].get(*oid) != parsed[1].get(*oid) {
            differences.push(format!(
                "{oid}: ours {:?}, snmpbulkwalk {:?}",
                parsed[0].get(*oid),
                parsed[1].get(*oid)
            ));
        }
    }
    assert!(
        differences.is_empty(),
        "{} of {stable} stable varbinds differ:\n{}",
        differences.len(),
        differences.join("\n")
    );
    // The walk ends, as snmpbulkwalk's, with the endOfMibView line.
    assert!(
        runs[0]
            .trim_end()
            .ends_with("(It is past the end of the MIB tree)")
    );
}

#[test]
fn failures_print_one_line_and_exit_non_zero() {
    if !tk::require_tool("snmpd") {
        return;
    }
    let agent = agent();
    let t = agent.target();
    let sink = tk::UdpSink::start();
    let cases: Vec<(Vec<String>, i32, &str)> = vec![
        (
            vec![
                "get",
                "-v2c",
                "-c",
                "public",
                "-t",
                "0.2",
                "-r",
                "1",
                &sink.target(),
                "1.3.6.1.2.1.1.1.0",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
            1,
            "Timeout: No Response from",
        ),
        (
            ["get", "-v1", "-c", "public", &t, "1.3.6.1.2.1.1.99.0"]
                .map(String::from)
                .to_vec(),
            2,
            "noSuchName",
        ),
        (
            [
                "get",
                "-v3",
                "-u",
                "stranger",
                "-l",
                "noAuthNoPriv",
                &t,
                "1.3.6.1.2.1.1.1.0",
            ]
            .map(String::from)
            .to_vec(),
            1,
            "Unknown user name",
        ),
        (
            [
                "get",
                "-v3",
                "-u",
                "sha-none",
                "-l",
                "authNoPriv",
                "-a",
                "SHA",
                "-A",
                "wrong-password",
                &t,
                "1.3.6.1.2.1.1.1.0",
            ]
            .map(String::from)
            .to_vec(),
            1,
            "Authentication failure",
        ),
        (
            ["get", "-v2c", &t, "1.3.6.1.2.1.1.1.0"]
                .map(String::from)
                .to_vec(),
            2,
            "no community name",
        ),
    ];
    for (args, code, text) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let out = fleetwire(&args);
        let err = stderr(&out);
        assert_eq!(out.status.code(), Some(code), "{args:?}: {err}");
        assert_eq!(err.lines().count(), 1, "{args:?}: {err}");
        assert!(err.contains(text), "{args:?}: {err}");
        assert!(stdout(&out).is_empty(), "{args:?}");
        assert!(!err.contains("wrong-password"));
    }
    // The retries kept the request-id: the silent agent saw the same bytes twice.
    let seen = sink.wait_for(2, Duration::from_secs(2));
    assert_eq!(seen.len(), 2);
    assert_eq!(seen[0].bytes, seen[1].bytes);
}
