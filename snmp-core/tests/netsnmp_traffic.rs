//! Real traffic: net-snmp's tools talk to a private snmpd (or send traps to a sink) on loopback
//! through a recording relay; every captured datagram must decode strictly, and the varbinds
//! must be the values net-snmp printed for the same bytes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::time::Duration;

use fleetwire_snmp::{Message, OpaqueValue, Pdu, ScopedPduData, Value, VarBind};
use fleetwire_testkit::{
    AuthProtocol, NETSNMP_MACHINE_OPTIONS, NetSnmpValue, NetSnmpVarBind, PrivProtocol,
    SecurityLevel, Snmpd, UdpRelay, UdpSink, UsmUser, parse_netsnmp_output, require_tools,
    snmpbulkwalk, snmpget, snmptrap, stderr_text, stdout_text,
};

const WAIT: Duration = Duration::from_secs(5);

/// Whether our decoded value is what net-snmp printed for it.
fn same_value(ours: &Value<'_>, theirs: &NetSnmpValue) -> bool {
    match (ours, theirs) {
        (Value::Integer(a), NetSnmpValue::Integer(b)) => i64::from(*a) == *b,
        (Value::OctetString(a), NetSnmpValue::OctetString(b)) => a.as_ref() == b.as_slice(),
        (Value::ObjectIdentifier(a), NetSnmpValue::Oid(b)) => a.to_string() == *b,
        (Value::Null, NetSnmpValue::Null) => true,
        (Value::IpAddress(a), NetSnmpValue::IpAddress(b)) => *a == b.octets(),
        (Value::Counter32(a), NetSnmpValue::Counter32(b))
        | (Value::Gauge32(a), NetSnmpValue::Gauge32(b))
        | (Value::TimeTicks(a), NetSnmpValue::TimeTicks(b)) => a == b,
        (Value::Counter64(a), NetSnmpValue::Counter64(b)) => a == b,
        (Value::Opaque(a), theirs) => match (OpaqueValue::decode(a), theirs) {
            (Ok(OpaqueValue::Float(f)), NetSnmpValue::OpaqueFloat(s)) => format!("{f:.6}") == *s,
            (Ok(OpaqueValue::Double(f)), NetSnmpValue::OpaqueFloat(s)) => format!("{f:.6}") == *s,
            (Ok(OpaqueValue::I64(v)), NetSnmpValue::OpaqueInt64(w)) => v == *w,
            (Ok(OpaqueValue::U64(v)), NetSnmpValue::OpaqueUInt64(w)) => v == *w,
            (_, NetSnmpValue::Opaque(raw)) => a.as_ref() == raw.as_slice(),
            _ => false,
        },
        (Value::UInteger32(a), NetSnmpValue::Other(s)) => a.to_string() == *s,
        (Value::NoSuchObject, NetSnmpValue::NoSuchObject)
        | (Value::NoSuchInstance, NetSnmpValue::NoSuchInstance)
        | (Value::EndOfMibView, NetSnmpValue::EndOfMibView) => true,
        _ => false,
    }
}

fn decode_all(datagrams: &[Vec<u8>]) -> Vec<Message<'_>> {
    datagrams
        .iter()
        .map(|d| {
            Message::decode(d).unwrap_or_else(|e| {
                let hex: String = d.iter().map(|b| format!("{b:02x}")).collect();
                panic!("net-snmp datagram does not decode: {e}\n{hex}")
            })
        })
        .collect()
}

fn response_varbinds<'a>(messages: &'a [Message<'a>]) -> Vec<VarBind<'a>> {
    messages
        .iter()
        .filter_map(|m| match m.pdu() {
            Some(Pdu::Response(p)) => Some(p.varbinds.iter()),
            _ => None,
        })
        .flatten()
        .collect()
}

fn assert_same(ours: &[VarBind<'_>], printed: &[NetSnmpVarBind]) {
    assert_eq!(ours.len(), printed.len(), "varbind counts differ");
    for (o, p) in ours.iter().zip(printed) {
        assert_eq!(o.name.to_string(), p.oid);
        let theirs = p
            .value()
            .unwrap_or_else(|| panic!("unparsed net-snmp value {p:?}"));
        assert!(
            same_value(&o.value, &theirs),
            "{}: ours {:?}, net-snmp {:?}",
            p.oid,
            o.value,
            p
        );
    }
}

fn peers() -> bool {
    require_tools(&["snmpd", "snmpget", "snmpbulkwalk", "snmptrap"])
}

fn args<'a>(pre: &[&'a str], target: &'a str, oids: &[&'a str]) -> Vec<&'a str> {
    let mut v: Vec<&str> = pre.to_vec();
    v.extend_from_slice(NETSNMP_MACHINE_OPTIONS);
    v.push(target);
    v.extend_from_slice(oids);
    v
}

const SYSTEM: [&str; 5] = [
    "1.3.6.1.2.1.1.1.0",
    "1.3.6.1.2.1.1.2.0",
    "1.3.6.1.2.1.1.3.0",
    "1.3.6.1.2.1.1.5.0",
    "1.3.6.1.2.1.1.99.0",
];

#[test]
fn snmpget_v1_and_v2c() {
    if !peers() {
        return;
    }
    let agent = Snmpd::builder().ro_community("public").start();
    for version in ["-v1", "-v2c"] {
        let relay = UdpRelay::start(agent.addr());
        let target = relay.target();
        // v1 refuses a missing OID with noSuchName for the whole request: ask only real ones.
        let oids = if version == "-v1" {
            &SYSTEM[..4]
        } else {
            &SYSTEM[..]
        };
        let out = snmpget(&args(&[version, "-c", "public"], &target, oids));
        assert!(out.status.success(), "{}", stderr_text(&out));
        let printed = parse_netsnmp_output(&stdout_text(&out));
        let datagrams: Vec<Vec<u8>> = relay
            .wait_for(2, WAIT)
            .into_iter()
            .map(|d| d.bytes)
            .collect();
        let messages = decode_all(&datagrams);
        assert_eq!(messages[0].version().name(), &version[2..]);
        let Some(Pdu::GetRequest(req)) = messages[0].pdu() else {
            panic!("not a GetRequest")
        };
        assert_eq!(req.varbinds.len(), oids.len());
        assert!(req.varbinds.iter().all(|vb| vb.value == Value::Null));
        assert_eq!(
            messages[1].pdu().unwrap().request_id(),
            Some(req.request_id)
        );
        assert_same(&response_varbinds(&messages), &printed);
        if version == "-v2c" {
            assert!(
                printed
                    .iter()
                    .any(|p| p.value() == Some(NetSnmpValue::NoSuchObject))
            );
        }
    }
}

#[test]
fn snmpbulkwalk_whole_tree_v2c() {
    if !peers() {
        return;
    }
    let agent = Snmpd::builder().ro_community("public").start();
    let relay = UdpRelay::start(agent.addr());
    let target = relay.target();
    let out = snmpbulkwalk(&args(&["-v2c", "-c", "public", "-Cr25"], &target, &[".1"]));
    assert!(out.status.success(), "{}", stderr_text(&out));
    let mut printed = parse_netsnmp_output(&stdout_text(&out));
    // The walk ends with the last OID repeated and the endOfMibView text.
    assert_eq!(
        printed.last().and_then(NetSnmpVarBind::value),
        Some(NetSnmpValue::EndOfMibView)
    );
    printed.pop();
    assert!(
        printed.len() > 500,
        "only {} varbinds walked",
        printed.len()
    );
    let datagrams: Vec<Vec<u8>> = relay.datagrams().into_iter().map(|d| d.bytes).collect();
    let messages = decode_all(&datagrams);
    for m in &messages {
        if let Some(Pdu::GetBulkRequest(b)) = m.pdu() {
            assert_eq!((b.non_repeaters, b.max_repetitions), (0, 25));
        }
    }
    let ours: Vec<_> = response_varbinds(&messages)
        .into_iter()
        .filter(|vb| !vb.value.is_exception())
        .collect();
    assert_same(&ours, &printed);
    let types: std::collections::BTreeSet<_> = ours.iter().map(|vb| vb.value.type_name()).collect();
    for t in [
        "OCTET STRING",
        "INTEGER",
        "OBJECT IDENTIFIER",
        "TimeTicks",
        "Counter32",
        "Gauge32",
    ] {
        assert!(types.contains(t), "walk saw no {t}: {types:?}");
    }
}

#[test]
fn snmptrap_v1_and_v2c() {
    if !peers() {
        return;
    }
    let sink = UdpSink::start();
    let target = sink.target();
    let vbs = [
        "1.3.6.1.2.1.43.18.1.1.8.1.1",
        "s",
        "Tray 2 empty",
        "1.3.6.1.2.1.43.18.1.1.2.1.1",
        "i",
        "-5",
        "1.3.6.1.2.1.43.10.2.1.4.1.1",
        "c",
        "4294967295",
        "1.3.6.1.2.1.43.11.1.1.9.1.1",
        "u",
        "75",
        "1.3.6.1.2.1.1.3.0",
        "t",
        "12345",
        "1.3.6.1.2.1.4.20.1.1.1",
        "a",
        "192.0.2.7",
        "1.3.6.1.2.1.1.2.0",
        "o",
        "1.3.6.1.4.1.253.8.62.1",
        "1.3.6.1.2.1.2.2.1.6.1",
        "x",
        "00 00 AA 12 34 56",
    ];
    let out = snmptrap(
        &[
            &[
                "-v1",
                "-c",
                "public",
                &target,
                "1.3.6.1.4.1.253.8.62",
                "127.0.0.1",
                "6",
                "17",
                "360000",
            ][..],
            &vbs[..],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", stderr_text(&out));
    let v2_extra = [
        "1.3.6.1.4.1.2021.100.1",
        "U",
        "18446744073709551615",
        "1.3.6.1.4.1.2021.100.2",
        "F",
        "1.5",
    ];
    let out = snmptrap(
        &[
            &[
                "-v2c",
                "-c",
                "public",
                &target,
                "4200",
                "1.3.6.1.2.1.43.18.2.0.1",
            ][..],
            &vbs[..],
            &v2_extra[..],
        ]
        .concat(),
    );
    assert!(out.status.success(), "{}", stderr_text(&out));
    let datagrams: Vec<Vec<u8>> = sink
        .wait_for(2, WAIT)
        .into_iter()
        .map(|d| d.bytes)
        .collect();
    let messages = decode_all(&datagrams);
    let expected = |vbs: &[VarBind<'_>]| {
        let v: Vec<String> = vbs
            .iter()
            .map(|vb| format!("{}={:?}", vb.name, vb.value))
            .collect();
        v.join("\n")
    };
    let Some(Pdu::Trap(t)) = messages[0].pdu() else {
        panic!("not a v1 Trap")
    };
    assert_eq!(t.enterprise.to_string(), "1.3.6.1.4.1.253.8.62");
    assert_eq!(
        (
            t.agent_addr,
            t.generic_trap.code(),
            t.specific_trap,
            t.time_stamp
        ),
        ([127, 0, 0, 1], 6, 17, 360_000)
    );
    let want = [
        Value::OctetString(b"Tray 2 empty"[..].into()),
        Value::Integer(-5),
        Value::Counter32(u32::MAX),
        Value::Gauge32(75),
        Value::TimeTicks(12345),
        Value::IpAddress([192, 0, 2, 7]),
        Value::ObjectIdentifier("1.3.6.1.4.1.253.8.62.1".parse().unwrap()),
        Value::OctetString(vec![0, 0, 0xaa, 0x12, 0x34, 0x56].into()),
    ];
    let got: Vec<VarBind<'_>> = t.varbinds.iter().collect();
    let got_values: Vec<_> = got.iter().map(|vb| vb.value.clone()).collect();
    assert_eq!(got_values, want, "{}", expected(&got));
    let Some(Pdu::SnmpV2Trap(p)) = messages[1].pdu() else {
        panic!("not an SNMPv2-Trap")
    };
    let got: Vec<VarBind<'_>> = p.varbinds.iter().collect();
    // sysUpTime.0, snmpTrapOID.0, then ours.
    assert_eq!(got[0].value, Value::TimeTicks(4200));
    assert_eq!(
        got[1].value,
        Value::ObjectIdentifier("1.3.6.1.2.1.43.18.2.0.1".parse().unwrap())
    );
    let tail: Vec<_> = got[2..10].iter().map(|vb| vb.value.clone()).collect();
    assert_eq!(tail, want);
    assert_eq!(got[10].value.opaque(), Some(Ok(OpaqueValue::U64(u64::MAX))));
    assert_eq!(got[11].value.opaque(), Some(Ok(OpaqueValue::Float(1.5))));
}

#[test]
fn snmpget_v3_discovery_noauth_and_authpriv() {
    if !peers() {
        return;
    }
    let plain = UsmUser::new("plain");
    let secret = UsmUser::new("secret")
        .auth(AuthProtocol::Sha256, "fleetwire-auth")
        .privacy(PrivProtocol::Aes128, "fleetwire-priv");
    let agent = Snmpd::builder()
        .engine_id("fleetwire-test")
        .user(plain.clone())
        .ro_user("plain", SecurityLevel::NoAuthNoPriv)
        .user(secret.clone())
        .ro_user("secret", SecurityLevel::AuthPriv)
        .start();
    let relay = UdpRelay::start(agent.addr());
    let target = relay.target();
    let user_args = plain.tool_args();
    let mut a: Vec<&str> = vec!["-v3"];
    a.extend(user_args.iter().map(String::as_str));
    let out = snmpget(&args(&a, &target, &SYSTEM[..3]));
    assert!(out.status.success(), "{}", stderr_text(&out));
    let printed = parse_netsnmp_output(&stdout_text(&out));
    let datagrams: Vec<Vec<u8>> = relay
        .wait_for(4, WAIT)
        .into_iter()
        .map(|d| d.bytes)
        .collect();
    let messages = decode_all(&datagrams);
    // Discovery: an empty-engine probe answered by a Report of usmStatsUnknownEngineIDs.
    let Message::V3(probe) = &messages[0] else {
        panic!("not v3")
    };
    let fleetwire_snmp::SecurityParameters::Usm(usm) = &probe.security_parameters else {
        panic!()
    };
    assert!(usm.engine_id.is_empty() && probe.header.flags.reportable);
    let Some(Pdu::Report(report)) = messages[1].pdu() else {
        panic!("no Report")
    };
    let vb = report.varbinds.iter().next().unwrap();
    assert_eq!(vb.name.to_string(), "1.3.6.1.6.3.15.1.1.4.0");
    assert!(matches!(vb.value, Value::Counter32(_)));
    let Message::V3(reply) = &messages[1] else {
        panic!()
    };
    let fleetwire_snmp::SecurityParameters::Usm(usm) = &reply.security_parameters else {
        panic!()
    };
    let engine_hex: String = usm.engine_id.iter().map(|b| format!("{b:02x}")).collect();
    let theirs = agent.engine_id_hex().unwrap();
    assert_eq!(engine_hex, theirs.trim_start_matches("0x"));
    assert_same(&response_varbinds(&messages[2..]), &printed);

    // authPriv: headers and USM parameters decode; the scoped PDU stays encrypted.
    relay.clear();
    let user_args = secret.tool_args();
    let mut a: Vec<&str> = vec!["-v3"];
    a.extend(user_args.iter().map(String::as_str));
    let out = snmpget(&args(&a, &target, &SYSTEM[..1]));
    assert!(out.status.success(), "{}", stderr_text(&out));
    let datagrams: Vec<Vec<u8>> = relay
        .wait_for(4, WAIT)
        .into_iter()
        .map(|d| d.bytes)
        .collect();
    let messages = decode_all(&datagrams);
    let encrypted = messages
        .iter()
        .filter(|m| matches!(m, Message::V3(v) if matches!(v.data, ScopedPduData::Encrypted(_))))
        .count();
    assert!(encrypted >= 2, "expected an encrypted request and response");
    for m in &messages {
        let Message::V3(v) = m else { panic!("not v3") };
        let fleetwire_snmp::SecurityParameters::Usm(usm) = &v.security_parameters else {
            panic!()
        };
        if v.header.flags.auth {
            assert_eq!(
                usm.auth_parameters.len(),
                24,
                "HMAC-SHA-256 truncates to 24 bytes"
            );
            assert_eq!(usm.priv_parameters.len(), 8, "AES salt is 8 bytes");
            assert_eq!(&*usm.user_name, b"secret");
        }
    }
}
