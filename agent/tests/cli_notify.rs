//! `fleetwire trap`, `fleetwire inform` and `fleetwire listen` against net-snmp on loopback:
//! our CLI's v1/v2c Traps, v2c/v3 Informs and a v3 Trap from our engine ID arrive at a
//! private snmptrapd; net-snmp's snmptrap/snmpinform (v1, v2c, v3 SHA-512/AES-256 and
//! MD5/DES) arrive at `fleetwire listen`, printed one per line (text and `--json`); errors
//! exit non-zero with one line.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::io::{BufRead, BufReader, Read};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{fleetwire, stderr, stdout};
use fleetwire_testkit as tk;
use serde_json::Value as Json;

const AUTH_PASS: &str = "fleetwire-auth";
const PRIV_PASS: &str = "fleetwire-priv";
const ENTERPRISE: &str = "1.3.6.1.4.1.99999";
/// Our engine ID for v3 Traps sent by the CLI (`-e`).
const OUR_ENGINE: &str = "0x80001f880466772d636c69";
/// The engine ID net-snmp's snmptrap uses (`-e`) towards `fleetwire listen`.
const NETSNMP_ENGINE: &str = "0x80001f880474726170";
/// `fleetwire listen`'s own engine ID.
const LISTEN_ENGINE: &str = "0x80001f88046c697374656e";

fn trap_oid(k: u32) -> String {
    format!("{ENTERPRISE}.0.{k}")
}

fn sha512(name: &str) -> tk::UsmUser {
    tk::UsmUser::new(name)
        .auth(tk::AuthProtocol::Sha512, AUTH_PASS)
        .privacy(tk::PrivProtocol::Aes256Blumenthal, PRIV_PASS)
}

fn md5(name: &str) -> tk::UsmUser {
    tk::UsmUser::new(name)
        .auth(tk::AuthProtocol::Md5, AUTH_PASS)
        .privacy(tk::PrivProtocol::Des, PRIV_PASS)
}

/// `fleetwire ARGS`, asserting success.
fn ok(args: &[String]) {
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = fleetwire(&args);
    assert!(
        out.status.success(),
        "fleetwire {args:?} failed:\n{}",
        stderr(&out)
    );
    assert_eq!(
        stdout(&out),
        "",
        "traps and acknowledged informs print nothing"
    );
}

fn v(args: &[&str]) -> Vec<String> {
    args.iter().map(|s| (*s).to_owned()).collect()
}

#[test]
fn cli_notifications_arrive_at_snmptrapd() {
    if !tk::require_tools(&["snmptrapd", "snmpinform"]) {
        return;
    }
    let trapd = tk::Snmptrapd::builder()
        .user(sha512("inf512"))
        .user(md5("infmd5"))
        .user(sha512("trap512").engine_id(OUR_ENGINE))
        .start();
    let target = trapd.target();
    let vars = [
        "1.3.6.1.2.1.1.5.0",
        "s",
        "lobby",
        "1.3.6.1.4.1.99999.1.2.0",
        "c",
        "77",
    ];
    let with_vars = |head: &[&str]| [v(head), v(&vars)].concat();
    ok(&with_vars(&[
        "trap",
        "-v",
        "1",
        "-c",
        "public",
        &target,
        ENTERPRISE,
        "127.0.0.9",
        "6",
        "17",
        "4242",
    ]));
    ok(&with_vars(&[
        "trap",
        "-v",
        "2c",
        "-c",
        "public",
        &target,
        "102",
        &trap_oid(2),
    ]));
    ok(&with_vars(&[
        "inform",
        "-v",
        "2c",
        "-c",
        "public",
        &target,
        "103",
        &trap_oid(3),
    ]));
    for (k, user) in [(4, sha512("inf512")), (5, md5("infmd5"))] {
        let mut args = v(&["inform"]);
        args.extend(user.tool_args());
        args.extend(with_vars(&[&target, &(100 + k).to_string(), &trap_oid(k)]));
        ok(&args);
    }
    let mut args = v(&["trap"]);
    args.extend(sha512("trap512").engine_id(OUR_ENGINE).tool_args());
    args.extend(with_vars(&[&target, "106", &trap_oid(6)]));
    ok(&args);
    // An empty UPTIME is ours (the host's uptime, as net-snmp does).
    ok(&v(&[
        "trap",
        "-v",
        "2c",
        "-c",
        "public",
        &target,
        "",
        &trap_oid(7),
    ]));

    let got = trapd.wait_for_notifications(7, Duration::from_secs(10));
    assert_eq!(got.len(), 7, "{got:#?}");
    let v1 = got.iter().find(|n| n.v1.is_some()).unwrap();
    let info = v1.v1.as_ref().unwrap();
    assert_eq!((v1.pdu_type(), v1.version.as_str()), ("TRAP", "0"));
    assert_eq!(info.enterprise.trim_start_matches('.'), ENTERPRISE);
    assert_eq!(info.agent_addr, "127.0.0.9");
    assert_eq!(
        (info.generic_trap.as_str(), info.specific_trap.as_str()),
        ("6", "17")
    );
    assert_eq!(info.time_stamp, "4242");
    let find = |k: u32| {
        got.iter()
            .find(|n| n.trap_oid() == Some(trap_oid(k).as_str()))
            .unwrap_or_else(|| panic!("no {} in {got:#?}", trap_oid(k)))
    };
    for (k, pdu, version, who) in [
        (2, "TRAP2", "1", "public"),
        (3, "INFORM", "1", "public"),
        (4, "INFORM", "3", "inf512"),
        (5, "INFORM", "3", "infmd5"),
        (6, "TRAP2", "3", "trap512"),
    ] {
        let n = find(k);
        assert_eq!(
            (n.pdu_type(), n.version.as_str(), n.security_name.as_str()),
            (pdu, version, who),
            "{}",
            n.line
        );
        assert_eq!(
            n.varbind("1.3.6.1.2.1.1.3.0").unwrap().value(),
            Some(tk::NetSnmpValue::TimeTicks(100 + k))
        );
        assert_eq!(
            n.varbind("1.3.6.1.2.1.1.5.0").unwrap().value(),
            Some(tk::NetSnmpValue::OctetString(b"lobby".to_vec()))
        );
        assert_eq!(
            n.varbind("1.3.6.1.4.1.99999.1.2.0").unwrap().value(),
            Some(tk::NetSnmpValue::Counter32(77))
        );
    }
    let Some(tk::NetSnmpValue::TimeTicks(uptime)) =
        find(7).varbind("1.3.6.1.2.1.1.3.0").unwrap().value()
    else {
        panic!("{}", find(7).line)
    };
    assert!(uptime > 0, "the host has been up for a while");
}

#[test]
fn cli_errors_are_one_line_and_non_zero() {
    let sink = tk::UdpSink::start();
    let target = sink.target();
    let started = Instant::now();
    let out = fleetwire(&[
        "inform",
        "-v",
        "2c",
        "-c",
        "public",
        "-r",
        "1",
        "-t",
        "0.2",
        &target,
        "0",
        "1.3.6.1.4.1.99999.0.1",
    ]);
    assert!(!out.status.success());
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("Timeout") || err.contains("timeout"), "{err}");
    assert!(started.elapsed() < Duration::from_secs(5));
    // The retry kept the request-id.
    let sent = sink.wait_for(2, Duration::from_secs(2));
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[0].bytes, sent[1].bytes);

    for (args, want) in [
        (
            vec![
                "inform", "-v", "1", "-c", "public", &target, "", "", "6", "1", "0",
            ],
            "SNMPv1",
        ),
        (
            vec![
                "trap",
                "-v",
                "3",
                "-u",
                "bob",
                "-l",
                "noAuthNoPriv",
                &target,
                "0",
                "1.3.6.1.4.1.1",
            ],
            "-e",
        ),
        (
            vec!["trap", "-v", "2c", "-c", "public", &target, "0"],
            "TRAP-OID",
        ),
        (
            vec![
                "trap",
                "-v",
                "2c",
                "-c",
                "public",
                &target,
                "0",
                "1.3.6.1",
                "1.3.6.1.2",
                "i",
            ],
            "OID TYPE VALUE",
        ),
    ] {
        let out = fleetwire(&args);
        assert!(!out.status.success(), "{args:?}");
        let err = stderr(&out);
        assert!(err.contains(want), "{args:?}: {err}");
    }
}

/// A running `fleetwire listen`, ready (it printed its address).
struct Listener {
    child: Child,
    addr: String,
}

fn start_listen(extra: &[&str]) -> Listener {
    let port = tk::free_udp_port();
    let addr = format!("127.0.0.1:{port}");
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleetwire"))
        .arg("listen")
        .args(["--listen", &addr, "--engine-id", LISTEN_ENGINE])
        .args(extra)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut err = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    err.read_line(&mut line).unwrap();
    assert!(line.contains("listening on"), "{line}");
    // Keep draining stderr so the listener never blocks on it.
    std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = err.read_to_string(&mut rest);
    });
    Listener { child, addr }
}

impl Listener {
    /// Waits for the listener to exit (after `--count`) and returns its stdout.
    fn output(mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                assert!(status.success(), "fleetwire listen exited with {status}");
                break;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                let _ = self.child.wait();
                let mut out = String::new();
                self.child
                    .stdout
                    .take()
                    .unwrap()
                    .read_to_string(&mut out)
                    .unwrap();
                panic!("fleetwire listen did not finish; output so far:\n{out}");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        out
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn run(tool: &str, args: Vec<String>) {
    let out = tk::run_tool(tool, &args);
    assert!(
        out.status.success(),
        "{tool} {args:?}: {}",
        tk::stderr_text(&out)
    );
}

#[test]
fn cli_listen_receives_net_snmp_notifications() {
    if !tk::require_tools(&["snmptrap", "snmpinform"]) {
        return;
    }
    let users = [
        format!("-e {NETSNMP_ENGINE} t512 SHA-512 {AUTH_PASS} AES-256 {PRIV_PASS}"),
        format!("-e {NETSNMP_ENGINE} tmd5 MD5 {AUTH_PASS} DES {PRIV_PASS}"),
        format!("i512 SHA-512 {AUTH_PASS} AES-256 {PRIV_PASS}"),
        format!("imd5 MD5 {AUTH_PASS} DES {PRIV_PASS}"),
    ];
    let mut extra = vec!["--json", "--count", "7", "-c", "public"];
    extra.extend(users.iter().map(String::as_str));
    let listener = start_listen(&extra);
    let target = listener.addr.clone();
    let vars = v(&["1.3.6.1.2.1.1.5.0", "s", "lobby"]);
    run(
        "snmptrap",
        [
            v(&[
                "-v1",
                "-c",
                "public",
                &target,
                ENTERPRISE,
                "127.0.0.9",
                "6",
                "17",
                "4242",
            ]),
            vars.clone(),
        ]
        .concat(),
    );
    run(
        "snmptrap",
        [
            v(&["-v2c", "-c", "public", &target, "102", &trap_oid(2)]),
            vars.clone(),
        ]
        .concat(),
    );
    run(
        "snmpinform",
        [
            v(&["-v2c", "-c", "public", &target, "103", &trap_oid(3)]),
            vars.clone(),
        ]
        .concat(),
    );
    let v3 = [
        (4, sha512("t512").engine_id(NETSNMP_ENGINE), "snmptrap"),
        (5, sha512("i512"), "snmpinform"),
        (6, md5("tmd5").engine_id(NETSNMP_ENGINE), "snmptrap"),
        (7, md5("imd5"), "snmpinform"),
    ];
    for (k, user, tool) in &v3 {
        let mut args = user.tool_args();
        args.extend(v(&[&target, &(100 + k).to_string(), &trap_oid(*k)]));
        args.extend(vars.clone());
        run(tool, args);
    }
    let out = listener.output();
    let lines: Vec<Json> = out
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 7, "{out}");
    let v1 = &lines[0];
    assert_eq!(v1["pdu"], "TRAP");
    assert_eq!(v1["version"], "1");
    assert_eq!(v1["community"], "public");
    assert_eq!(v1["enterprise"], ENTERPRISE);
    assert_eq!(v1["agent_addr"], "127.0.0.9");
    assert_eq!(v1["generic_trap"], 6);
    assert_eq!(v1["specific_trap"], 17);
    assert_eq!(v1["uptime"], 4242);
    assert_eq!(v1["trap_oid"], trap_oid(17));
    let expect = [
        (2, "TRAP2", "2c", "public"),
        (3, "INFORM", "2c", "public"),
        (4, "TRAP2", "3", "t512"),
        (5, "INFORM", "3", "i512"),
        (6, "TRAP2", "3", "tmd5"),
        (7, "INFORM", "3", "imd5"),
    ];
    for (line, (k, pdu, version, who)) in lines[1..].iter().zip(expect) {
        assert_eq!(line["pdu"], pdu, "{line}");
        assert_eq!(line["version"], version, "{line}");
        assert_eq!(line["trap_oid"], trap_oid(k), "{line}");
        assert_eq!(line["uptime"], 100 + k, "{line}");
        let key = if version == "3" { "user" } else { "community" };
        assert_eq!(line[key], who, "{line}");
        if version == "3" {
            assert_eq!(line["level"], "authPriv", "{line}");
        }
        assert_eq!(
            line["varbinds"],
            serde_json::json!([{"oid": "1.3.6.1.2.1.1.5.0", "type": "OCTET STRING", "text": "lobby", "value": "6c6f626279"}]),
            "{line}"
        );
    }
}

#[test]
fn cli_listen_text_lines_and_bad_input() {
    if !tk::require_tools(&["snmptrap"]) {
        return;
    }
    let listener = start_listen(&["--count", "1", "-c", "public", "--verbose"]);
    let target = listener.addr.clone();
    // Garbage and a wrong community first: counted and dropped, the listener goes on.
    let sock = std::net::UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.send_to(b"garbage", &target).unwrap();
    run(
        "snmptrap",
        v(&["-v2c", "-c", "wrong", &target, "1", &trap_oid(1)]),
    );
    run(
        "snmptrap",
        v(&[
            "-v2c",
            "-c",
            "public",
            &target,
            "12345",
            &trap_oid(2),
            "1.3.6.1.2.1.1.5.0",
            "s",
            "lobby",
        ]),
    );
    let out = listener.output();
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines.len(), 1, "{out}");
    let line = lines[0];
    assert!(line.starts_with("TRAP2 2c "), "{line}");
    assert!(line.contains("community public"), "{line}");
    assert!(
        line.contains(&format!(".1.3.6.1.6.3.1.1.4.1.0 = OID: .{}", trap_oid(2))),
        "{line}"
    );
    assert!(
        line.contains(".1.3.6.1.2.1.1.3.0 = Timeticks: (12345) 0:02:03.45"),
        "{line}"
    );
    assert!(
        line.contains(".1.3.6.1.2.1.1.5.0 = STRING: \"lobby\""),
        "{line}"
    );
}
