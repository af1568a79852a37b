//! Tests of the testkit against the real peers (net-snmp, tshark).
//!
//! Each test is gated with `require_tool`: skipped locally when a peer is
//! missing, a failure in CI.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::UdpSocket;
use std::time::{Duration, Instant};

use fleetwire_testkit::{
    AuthProtocol, Direction, NETSNMP_MACHINE_OPTIONS, NetSnmpValue, PrivProtocol, SecurityLevel,
    Snmpd, Snmptrapd, UdpRelay, UdpSink, UsmUser, free_udp_port, parse_netsnmp_output,
    require_tools, run_tool_with_timeout, snmpbulkwalk, snmpget, snmpinform, snmptrap, stderr_text,
    stdout_text, text_engine_id_hex, tshark_dissect,
};

const SYS_DESCR: &str = "1.3.6.1.2.1.1.1.0";
const SNMP_ENGINE_ID: &str = "1.3.6.1.6.3.10.2.1.1.0";

// ---- a minimal BER builder for hand-assembled messages ----

fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut v = vec![tag];
    let n = content.len();
    if n < 128 {
        v.push(n as u8);
    } else if n < 256 {
        v.extend([0x81, n as u8]);
    } else {
        v.extend([0x82, (n >> 8) as u8, n as u8]);
    }
    v.extend_from_slice(content);
    v
}

fn oid(dotted: &str) -> Vec<u8> {
    let arcs: Vec<u64> = dotted.split('.').map(|a| a.parse().unwrap()).collect();
    let mut out = vec![(arcs[0] * 40 + arcs[1]) as u8];
    for &arc in &arcs[2..] {
        let mut groups = vec![(arc & 0x7f) as u8];
        let mut rest = arc >> 7;
        while rest > 0 {
            groups.push(0x80 | (rest & 0x7f) as u8);
            rest >>= 7;
        }
        groups.reverse();
        out.extend(groups);
    }
    tlv(0x06, &out)
}

fn varbind(o: &str, value: &[u8]) -> Vec<u8> {
    tlv(0x30, &[oid(o), value.to_vec()].concat())
}

/// A v2c message with the given PDU tag, request-id 1 and varbinds.
fn v2c_message(community: &str, pdu_tag: u8, varbinds: &[Vec<u8>]) -> Vec<u8> {
    let pdu = tlv(
        pdu_tag,
        &[
            tlv(0x02, &[1]),
            tlv(0x02, &[0]),
            tlv(0x02, &[0]),
            tlv(0x30, &varbinds.concat()),
        ]
        .concat(),
    );
    tlv(
        0x30,
        &[tlv(0x02, &[1]), tlv(0x04, community.as_bytes()), pdu].concat(),
    )
}

// ---- tests ----

#[test]
fn snmpget_through_relay_records_request_and_response() {
    if !require_tools(&["snmpd", "snmpget", "tshark"]) {
        return;
    }
    let agent = Snmpd::builder()
        .ro_community("public")
        .engine_id("fleetwire-test")
        .start();
    let relay = UdpRelay::start(agent.addr());
    let out = snmpget(&["-v2c", "-c", "public", "-On", &relay.target(), SYS_DESCR]);
    assert!(out.status.success(), "{}", stderr_text(&out));
    let vbs = parse_netsnmp_output(&stdout_text(&out));
    assert_eq!(vbs.len(), 1);
    assert_eq!(vbs[0].oid, SYS_DESCR);
    assert_eq!(vbs[0].type_label, "STRING");

    let datagrams = relay.wait_for(2, Duration::from_secs(5));
    assert_eq!(datagrams.len(), 2, "{datagrams:?}");
    assert_eq!(datagrams[0].direction, Direction::ToTarget);
    assert_eq!(datagrams[1].direction, Direction::FromTarget);
    assert_eq!(datagrams[0].bytes[0], 0x30);
    // The response carries the very string snmpget printed.
    let Some(NetSnmpValue::OctetString(descr)) = vbs[0].value() else {
        panic!("{vbs:?}")
    };
    assert!(
        datagrams[1]
            .bytes
            .windows(descr.len())
            .any(|w| w == descr.as_slice())
    );

    // Wireshark accepts both net-snmp messages.
    let msgs: Vec<Vec<u8>> = datagrams.iter().map(|d| d.bytes.clone()).collect();
    for d in tshark_dissect(&msgs, 161, &["-e", "snmp.name"]) {
        assert!(d.is_clean(), "{d:?}");
        assert_eq!(d.field("snmp.name"), Some(SYS_DESCR));
    }
    assert!(agent.log().contains("NET-SNMP version"));
}

#[test]
fn agent_listens_on_ipv6_too() {
    if !require_tools(&["snmpd", "snmpget"]) {
        return;
    }
    let agent = Snmpd::builder().ro_community("public").start();
    let Some(target) = agent.target_v6() else {
        eprintln!("no IPv6 loopback on this machine");
        return;
    };
    let out = snmpget(&["-v2c", "-c", "public", "-On", &target, SYS_DESCR]);
    assert!(out.status.success(), "{}", stderr_text(&out));
}

#[test]
fn v3_user_agent_and_tshark_verifies_auth() {
    if !require_tools(&["snmpd", "snmpget", "tshark"]) {
        return;
    }
    let alice = UsmUser::new("alice")
        .auth(AuthProtocol::Sha256, "authpass123")
        .privacy(PrivProtocol::Aes128, "privpass123");
    // No community: the readiness poll uses alice.
    let agent = Snmpd::builder()
        .engine_id("fleetwire-v3")
        .user(alice.clone())
        .ro_user("alice", SecurityLevel::AuthPriv)
        .start();
    let relay = UdpRelay::start(agent.addr());
    let mut args = alice.tool_args();
    args.extend(NETSNMP_MACHINE_OPTIONS.iter().map(|s| (*s).to_owned()));
    args.extend([relay.target(), SNMP_ENGINE_ID.to_owned()]);
    let out = snmpget(&args);
    assert!(out.status.success(), "{}", stderr_text(&out));
    let vbs = parse_netsnmp_output(&stdout_text(&out));
    let expected_engine = hex_to_bytes(&agent.engine_id_hex().unwrap());
    assert_eq!(
        vbs[0].value(),
        Some(NetSnmpValue::OctetString(expected_engine))
    );

    // Discovery (2 datagrams) then the authenticated, encrypted get (2).
    let msgs: Vec<Vec<u8>> = relay
        .wait_for(4, Duration::from_secs(5))
        .into_iter()
        .map(|d| d.bytes)
        .collect();
    assert_eq!(msgs.len(), 4);
    let uat = alice.tshark_uat().unwrap();
    let dissections = tshark_dissect(&msgs, 161, &["-e", "snmp.v3.auth", "-o", &uat]);
    for d in &dissections {
        assert!(d.is_clean(), "{d:?}");
    }
    assert_eq!(dissections[2].field("snmp.v3.auth"), Some("1"));
    assert_eq!(dissections[3].field("snmp.v3.auth"), Some("1"));
}

#[test]
fn readiness_probe_works_without_any_access() {
    if !require_tools(&["snmpd", "snmpget"]) {
        return;
    }
    // Neither a community nor a user with access: the unknownUserName report
    // proves the agent is up.
    let t = Instant::now();
    let agent = Snmpd::builder().config_line("sysLocation nowhere").start();
    assert!(t.elapsed() < Duration::from_secs(10));
    assert!(agent.config().contains("sysLocation nowhere"));
    let pid = agent.pid();
    let log = agent.stop();
    assert!(log.contains("NET-SNMP version"), "{log}");
    // Stopped and reaped: the PID is gone.
    assert!(!std::path::Path::new(&format!("/proc/{pid}")).exists());
}

#[test]
fn tshark_judges_hand_assembled_messages() {
    if !require_tools(&["tshark"]) {
        return;
    }
    let good = v2c_message("public", 0xa0, &[varbind(SYS_DESCR, &[0x05, 0x00])]);
    assert_eq!(
        hex(&good),
        "302602010104067075626c6963a019020101020100020100300e300c06082b060102010101000500"
    );
    let truncated = good[..good.len() - 1].to_vec();
    // The varbind's OID claims 9 bytes: it overruns into the NULL.
    let mut overrun = good.clone();
    overrun[29] = 0x09;
    let trailing = [good.clone(), vec![0xff, 0xff]].concat();
    let exceptions = v2c_message(
        "public",
        0xa2,
        &[
            varbind("1.3.6.1.2.1.99.0", &[0x80, 0x00]),
            varbind("1.3.6.1.2.1.1.1.1", &[0x81, 0x00]),
            varbind("1.3.6.1.2.1.1.1.2", &[0x82, 0x00]),
        ],
    );
    let msgs = vec![good, truncated, overrun, trailing, exceptions];
    let d = tshark_dissect(&msgs, 16100, &["-e", "snmp.name"]);
    assert_eq!(d.len(), 5);
    assert!(d[0].is_clean(), "{:?}", d[0]);
    assert_eq!(d[0].protocols, "raw:ip:udp:snmp");
    assert_eq!(d[0].field_all("snmp.name"), [SYS_DESCR]);
    assert_eq!(d[0].max_expert_severity, None);

    assert!(!d[1].is_clean());
    assert!(d[1].protocols.ends_with("udp:data"), "{:?}", d[1]);

    assert!(!d[2].is_clean());
    assert!(d[2].malformed, "{:?}", d[2]);
    assert_eq!(
        d[2].max_expert_severity,
        Some(fleetwire_testkit::SEVERITY_ERROR)
    );

    assert!(!d[3].is_clean());
    assert!(d[3].protocols.ends_with("snmp:data"), "{:?}", d[3]);

    // Exception values are notes: still clean.
    assert!(d[4].is_clean(), "{:?}", d[4]);
    assert_eq!(
        d[4].expert_severities,
        vec![fleetwire_testkit::SEVERITY_NOTE; 3]
    );
    assert_eq!(
        d[4].expert_messages,
        ["noSuchObject", "noSuchInstance", "endOfMibView"]
    );
}

#[test]
fn snmptrap_to_sink_is_recorded() {
    if !require_tools(&["snmptrap", "tshark"]) {
        return;
    }
    let sink = UdpSink::start();
    let out = snmptrap(&[
        "-v2c",
        "-c",
        "public",
        &sink.target(),
        "",
        "1.3.6.1.4.1.99999.0.1",
        "1.3.6.1.4.1.99999.1",
        "s",
        "hello",
    ]);
    assert!(out.status.success(), "{}", stderr_text(&out));
    let got = sink.wait_for(1, Duration::from_secs(5));
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].direction, Direction::ToTarget);
    let d = tshark_dissect(&[got[0].bytes.clone()], sink.port(), &[]);
    assert!(d[0].is_clean(), "{:?}", d[0]);
}

#[test]
fn snmptrapd_receives_v1_v2c_v3_notifications() {
    if !require_tools(&["snmptrapd", "snmptrap", "snmpinform"]) {
        return;
    }
    let sender_engine = "0x8000000001020304";
    let bob = UsmUser::new("bob")
        .auth(AuthProtocol::Sha256, "authpass123")
        .privacy(PrivProtocol::Aes128, "privpass123")
        .engine_id(sender_engine);
    let carol = UsmUser::new("carol")
        .auth(AuthProtocol::Sha1, "authpass123")
        .privacy(PrivProtocol::Des, "privpass123");
    let trapd = Snmptrapd::builder()
        .engine_id("trapd-test")
        .user(bob.clone())
        .user(carol.clone())
        .start();
    assert!(trapd.notifications().is_empty(), "probe must be filtered");
    let target = trapd.target();

    let out = snmptrap(&[
        "-v1",
        "-c",
        "public",
        &target,
        "1.3.6.1.4.1.99999",
        "127.0.0.9",
        "6",
        "17",
        "4242",
        "1.3.6.1.4.1.99999.1",
        "s",
        "tab\there|pipe",
    ]);
    assert!(out.status.success(), "{}", stderr_text(&out));
    trapd.wait_for_notifications(1, Duration::from_secs(5));

    let mut args = bob.tool_args();
    args.extend(
        [
            &target,
            "",
            "1.3.6.1.4.1.99999.0.5",
            "1.3.6.1.4.1.99999.1",
            "i",
            "3",
        ]
        .map(String::from),
    );
    let out = snmptrap(&args);
    assert!(out.status.success(), "{}", stderr_text(&out));
    trapd.wait_for_notifications(2, Duration::from_secs(5));

    let mut args = carol.tool_args();
    args.extend(
        [
            &target,
            "77",
            "1.3.6.1.4.1.99999.0.6",
            "1.3.6.1.4.1.99999.1",
            "x",
            "00FF",
        ]
        .map(String::from),
    );
    let out = snmpinform(&args);
    assert!(out.status.success(), "{}", stderr_text(&out));

    let n = trapd.wait_for_notifications(3, Duration::from_secs(5));
    assert_eq!(n.len(), 3, "{n:?}");

    assert_eq!(n[0].version, "0");
    assert_eq!(n[0].pdu_type(), "TRAP");
    let v1 = n[0].v1.as_ref().unwrap();
    assert_eq!(v1.enterprise, ".1.3.6.1.4.1.99999");
    assert_eq!(v1.agent_addr, "127.0.0.9");
    assert_eq!(v1.generic_trap, "6");
    assert_eq!(v1.specific_trap, "17");
    assert_eq!(v1.time_stamp, "4242");
    assert_eq!(
        n[0].varbind("1.3.6.1.4.1.99999.1").unwrap().value(),
        Some(NetSnmpValue::OctetString(b"tab\there|pipe".to_vec()))
    );

    assert_eq!(n[1].version, "3");
    assert_eq!(n[1].security_name, "bob");
    assert_eq!(n[1].pdu_type(), "TRAP2");
    assert_eq!(n[1].trap_oid(), Some("1.3.6.1.4.1.99999.0.5"));
    assert_eq!(
        n[1].varbind("1.3.6.1.4.1.99999.1").unwrap().value(),
        Some(NetSnmpValue::Integer(3))
    );

    assert_eq!(n[2].pdu_type(), "INFORM");
    assert_eq!(n[2].security_name, "carol");
    assert_eq!(
        n[2].varbind("1.3.6.1.2.1.1.3.0").unwrap().value(),
        Some(NetSnmpValue::TimeTicks(77))
    );
    assert_eq!(
        n[2].varbind("1.3.6.1.4.1.99999.1").unwrap().value(),
        Some(NetSnmpValue::OctetString(vec![0x00, 0xff]))
    );
    assert_eq!(
        trapd.engine_id_hex(),
        Some(text_engine_id_hex("trapd-test"))
    );
}

/// Pins the printing facts documented in `fleetwire_testkit::netsnmp`: a
/// hand-assembled TRAP2 with one varbind of every type goes to snmptrapd,
/// which prints with the same library code as snmpget.
#[test]
fn netsnmp_printing_facts_hold() {
    if !require_tools(&["snmptrapd", "snmpinform"]) {
        return;
    }
    let trapd = Snmptrapd::builder().start();
    let e = "1.3.6.1.4.1.99999";
    let vbs = vec![
        varbind("1.3.6.1.2.1.1.3.0", &tlv(0x43, &[1])),
        varbind("1.3.6.1.6.3.1.1.4.1.0", &oid("1.3.6.1.4.1.99999.0.3")),
        varbind(&format!("{e}.1"), &tlv(0x44, &[1, 2, 3])),
        varbind(
            &format!("{e}.2"),
            &tlv(0x44, &[0x9f, 0x78, 0x04, 0x3f, 0xc0, 0, 0]),
        ),
        varbind(
            &format!("{e}.3"),
            &tlv(0x44, &[0x9f, 0x79, 0x08, 0x40, 0x02, 0, 0, 0, 0, 0, 0]),
        ),
        varbind(&format!("{e}.4"), &tlv(0x46, &[0])),
        varbind(&format!("{e}.5"), &tlv(0x02, &[0x80, 0, 0, 0])),
        varbind(&format!("{e}.6"), &oid("0.0")),
        varbind(&format!("{e}.7"), &tlv(0x41, &[0, 0xff, 0xff, 0xff, 0xff])),
        varbind(&format!("{e}.8"), &tlv(0x43, &[0, 0xff, 0xff, 0xff, 0xff])),
        varbind(
            &format!("{e}.9"),
            &tlv(0x04, &(0u8..40).collect::<Vec<_>>()),
        ),
        varbind(&format!("{e}.10"), &[0x80, 0x00]),
        varbind(&format!("{e}.11"), &[0x81, 0x00]),
        varbind(&format!("{e}.12"), &[0x82, 0x00]),
        varbind(&format!("{e}.13"), &tlv(0x47, &[1, 2])),
        varbind(&format!("{e}.14"), &tlv(0x04, b"")),
        varbind(&format!("{e}.15"), &tlv(0x04, b"vm")),
        varbind(&format!("{e}.16"), &[0x05, 0x00]),
        varbind(&format!("{e}.17"), &tlv(0x40, &[10, 1, 2, 3])),
        varbind(
            &format!("{e}.18"),
            &tlv(0x42, &[0x00, 0xff, 0xff, 0xff, 0xff]),
        ),
        varbind(&format!("{e}.19"), &tlv(0x44, &[0x9f, 0x7a, 0x01, 0xf7])),
    ];
    let msg = v2c_message("public", 0xa7, &vbs);
    let sock = UdpSocket::bind("127.0.0.1:0").unwrap();
    sock.send_to(&msg, trapd.addr()).unwrap();
    let n = trapd.wait_for_notifications(1, Duration::from_secs(5));
    let printed: Vec<(String, String, String)> = n[0]
        .varbinds
        .iter()
        .map(|v| (v.oid.clone(), v.type_label.clone(), v.value.clone()))
        .collect();
    let expect = |suffix: &str, label: &str, value: &str| {
        let o = format!("{e}.{suffix}");
        let got = printed
            .iter()
            .find(|(oid, _, _)| *oid == o)
            .unwrap_or_else(|| panic!("{o} missing in {printed:?}"));
        assert_eq!(
            (got.1.as_str(), got.2.as_str()),
            (label, value),
            "varbind {o}"
        );
    };
    expect("1", "OPAQUE", "01 02 03");
    expect("2", "Opaque", "Float: 1.500000");
    expect("3", "Opaque", "Float: 2.250000"); // a Double, printed as "Float"
    expect("4", "Counter64", "0");
    expect("5", "INTEGER", "-2147483648");
    expect("6", "OID", ".0.0");
    expect("7", "Counter32", "4294967295");
    expect("8", "Timeticks", "(4294967295) 497 days, 2:27:52.95");
    expect(
        "9",
        "Hex-STRING",
        "00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F 10 11 12 13 14 15 16 17 18 19 1A 1B 1C 1D 1E 1F 20 21 22 23 24 25 26 27",
    );
    expect(
        "10",
        "",
        "No Such Object available on this agent at this OID",
    );
    expect("11", "", "No Such Instance currently exists at this OID");
    expect(
        "12",
        "",
        "No more variables left in this MIB View (It is past the end of the MIB tree)",
    );
    expect("13", "", "258");
    expect("14", "", "\"\"");
    expect("15", "Hex-STRING", "76 6D"); // -Ox: every string is hex
    expect("16", "", "NULL");
    expect("17", "IpAddress", "10.1.2.3");
    expect("18", "Gauge32", "4294967295");
    expect("19", "Opaque", "Int64: -9");
}

#[test]
fn default_and_machine_options_agree_on_a_full_walk() {
    if !require_tools(&["snmpd", "snmpbulkwalk"]) {
        return;
    }
    let agent = Snmpd::builder()
        .ro_community("public")
        .engine_id("fleetwire-test")
        .start();
    // Only the system and snmpEngine subtrees: they are stable during the walk.
    let target = agent.target();
    for subtree in ["1.3.6.1.2.1.1", "1.3.6.1.6.3.10.2.1"] {
        let plain = snmpbulkwalk(&["-v2c", "-c", "public", "-On", &target, subtree]);
        let mut args: Vec<&str> = vec!["-v2c", "-c", "public"];
        args.extend(NETSNMP_MACHINE_OPTIONS);
        args.extend([target.as_str(), subtree]);
        let machine = snmpbulkwalk(&args);
        assert!(plain.status.success() && machine.status.success());
        let machine_text = stdout_text(&machine);
        let a = parse_netsnmp_output(&stdout_text(&plain));
        let b = parse_netsnmp_output(&machine_text);
        // One line per varbind with the machine options.
        assert_eq!(b.len(), machine_text.lines().count());
        assert_eq!(a.len(), b.len());
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.oid, y.oid);
            if x.oid == "1.3.6.1.2.1.1.3.0" {
                continue; // sysUpTime moves between the two walks
            }
            assert_eq!(x.value(), y.value(), "{x:?} vs {y:?}");
        }
    }
    // The engine ID wraps over two lines without --hexOutputLength=0.
    let out = snmpget(&[
        "-v2c",
        "-c",
        "public",
        "-On",
        &agent.target(),
        SNMP_ENGINE_ID,
    ]);
    assert_eq!(stdout_text(&out).lines().count(), 2);
}

#[test]
fn relay_can_drop_requests_to_force_a_retry() {
    if !require_tools(&["snmpd", "snmpget"]) {
        return;
    }
    let agent = Snmpd::builder().ro_community("public").start();
    let relay = UdpRelay::start(agent.addr());
    relay.drop_next_requests(1);
    let out = snmpget(&[
        "-v2c",
        "-c",
        "public",
        "-t",
        "0.3",
        "-r",
        "2",
        &relay.target(),
        SYS_DESCR,
    ]);
    assert!(out.status.success(), "{}", stderr_text(&out));
    let d = relay.wait_for(3, Duration::from_secs(5));
    assert_eq!(d.len(), 3, "{d:?}");
    assert!(d[0].dropped && d[0].direction == Direction::ToTarget);
    assert_eq!(d[0].bytes, d[1].bytes, "a retry resends the same message");
    assert!(!d[2].dropped && d[2].direction == Direction::FromTarget);
}

#[test]
fn free_ports_are_distinct_and_bindable() {
    let ports: Vec<u16> = (0..20).map(|_| free_udp_port()).collect();
    let mut sorted = ports.clone();
    sorted.sort_unstable();
    sorted.dedup();
    assert_eq!(sorted.len(), ports.len());
    for p in ports {
        assert!(p >= 1024);
        UdpSocket::bind(("127.0.0.1", p)).unwrap();
    }
}

#[test]
fn run_tool_kills_on_timeout() {
    let t = Instant::now();
    let out = run_tool_with_timeout("sleep", &["10"], Duration::from_millis(300));
    assert!(t.elapsed() < Duration::from_secs(5));
    assert!(!out.status.success());
    assert!(stderr_text(&out).contains("TIMEOUT"));
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

fn hex_to_bytes(h: &str) -> Vec<u8> {
    let h = h.trim_start_matches("0x");
    (0..h.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&h[i..i + 2], 16).unwrap())
        .collect()
}
