//! Pure tests of the parsers (no peers needed).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::Ipv4Addr;

use fleetwire_testkit::{
    AuthProtocol, NetSnmpValue, Notification, PrivProtocol, UsmUser, parse_netsnmp_line,
    parse_netsnmp_output, text_engine_id_hex,
};

#[test]
fn parses_every_printed_form() {
    let cases: &[(&str, &str, NetSnmpValue)] = &[
        (
            r#".1.3.6.1.2.1.1.1.0 = STRING: "Linux vm 6.1 #1 SMP""#,
            "STRING",
            NetSnmpValue::OctetString(b"Linux vm 6.1 #1 SMP".to_vec()),
        ),
        (
            r#".1.3.6.1.4.1.99999.18 = STRING: "a\"b\\c""#,
            "STRING",
            NetSnmpValue::OctetString(br#"a"b\c"#.to_vec()),
        ),
        (
            ".1.3.6.1.4.1.99999.8 = Hex-STRING: DE AD BE EF 00 ",
            "Hex-STRING",
            NetSnmpValue::OctetString(vec![0xde, 0xad, 0xbe, 0xef, 0]),
        ),
        (
            r#".1.3.6.1.2.1.2.2.1.6.1 = """#,
            "",
            NetSnmpValue::OctetString(vec![]),
        ),
        (
            ".1.3.6.1.4.1.99999.1 = INTEGER: -5",
            "INTEGER",
            NetSnmpValue::Integer(-5),
        ),
        (
            ".1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.8072.3.2.10",
            "OID",
            NetSnmpValue::Oid("1.3.6.1.4.1.8072.3.2.10".into()),
        ),
        (".1.3.6.1.4.1.99999.10 = NULL", "", NetSnmpValue::Null),
        (
            ".1.3.6.1.4.1.99999.5 = IpAddress: 10.1.2.3",
            "IpAddress",
            NetSnmpValue::IpAddress(Ipv4Addr::new(10, 1, 2, 3)),
        ),
        (
            ".1.3.6.1.4.1.99999.3 = Counter32: 4294967295",
            "Counter32",
            NetSnmpValue::Counter32(u32::MAX),
        ),
        (
            ".1.3.6.1.4.1.99999.2 = Gauge32: 4294967295",
            "Gauge32",
            NetSnmpValue::Gauge32(u32::MAX),
        ),
        (
            ".1.3.6.1.4.1.99999.8 = Timeticks: (4294967295) 497 days, 2:27:52.95",
            "Timeticks",
            NetSnmpValue::TimeTicks(u32::MAX),
        ),
        (
            ".1.3.6.1.4.1.99999.12 = Counter64: 18446744073709551615",
            "Counter64",
            NetSnmpValue::Counter64(u64::MAX),
        ),
        (
            ".1.3.6.1.4.1.99999.1 = OPAQUE: 01 02 03 ",
            "OPAQUE",
            NetSnmpValue::Opaque(vec![1, 2, 3]),
        ),
        (
            ".1.3.6.1.4.1.2021.10.1.6.1 = Opaque: Float: 0.125000",
            "Opaque",
            NetSnmpValue::OpaqueFloat("0.125000".into()),
        ),
        (
            ".1.3.6.1.4.1.99999.16 = Opaque: Int64: -9",
            "Opaque",
            NetSnmpValue::OpaqueInt64(-9),
        ),
        (
            ".1.3.6.1.4.1.99999.15 = Opaque: UInt64: 18446744073709551615",
            "Opaque",
            NetSnmpValue::OpaqueUInt64(u64::MAX),
        ),
        (
            ".1.3.6.1.2.1.99.0 = No Such Object available on this agent at this OID",
            "",
            NetSnmpValue::NoSuchObject,
        ),
        (
            ".1.3.6.1.2.1.1.1.1 = No Such Instance currently exists at this OID",
            "",
            NetSnmpValue::NoSuchInstance,
        ),
        (
            ".1.3.6.1.6.3.16.1.5.2.1.6.6.95.110.111.110.101.95.1.2 = No more variables left in this MIB View (It is past the end of the MIB tree)",
            "",
            NetSnmpValue::EndOfMibView,
        ),
        (
            ".1.3.6.1.4.1.99999.15 = 258",
            "",
            NetSnmpValue::Other("258".into()),
        ),
    ];
    for (line, label, value) in cases {
        let vb = parse_netsnmp_line(line).unwrap_or_else(|| panic!("no parse: {line}"));
        assert_eq!(&vb.type_label, label, "{line}");
        assert_eq!(vb.value().as_ref(), Some(value), "{line}");
        assert!(!vb.oid.starts_with('.'), "{line}");
    }
}

#[test]
fn rejects_non_varbind_lines() {
    assert!(parse_netsnmp_line("Timeout: No Response from 127.0.0.1:161").is_none());
    assert!(parse_netsnmp_line("iso.3.6.1.2.1.1.5.0 = STRING: \"vm\"").is_none());
    assert!(parse_netsnmp_line("65 73 74 ").is_none());
    assert!(parse_netsnmp_line("").is_none());
}

#[test]
fn joins_wrapped_hex_and_multiline_strings() {
    let text = ".1.3.6.1.6.3.10.2.1.1.0 = Hex-STRING: 80 00 1F 88 04 66 6C 65 65 74 77 69 72 65 2D 74 \n\
                65 73 74 \n\
                .1.3.6.1.4.1.99999.1 = STRING: \"line1\n\
                line2\"\n\
                .1.3.6.1.2.1.1.3.0 = Timeticks: (100) 0:00:01.00\n";
    let vbs = parse_netsnmp_output(text);
    assert_eq!(vbs.len(), 3);
    assert_eq!(
        vbs[0].value(),
        Some(NetSnmpValue::OctetString(
            [&[0x80, 0x00, 0x1f, 0x88, 0x04][..], b"fleetwire-test"].concat()
        ))
    );
    assert_eq!(
        vbs[0].value,
        "80 00 1F 88 04 66 6C 65 65 74 77 69 72 65 2D 74 65 73 74"
    );
    assert_eq!(
        vbs[1].value(),
        Some(NetSnmpValue::OctetString(b"line1\nline2".to_vec()))
    );
    assert_eq!(vbs[2].value(), Some(NetSnmpValue::TimeTicks(100)));
}

#[test]
fn parses_snmptrapd_lines() {
    let v2 = "FWNOTIF\tver=1\tfrom=UDP: [127.0.0.1]:40968->[127.0.0.1]:16162\tsec=public\tpdu=TRAP2, SNMP v2c, community public\t.1.3.6.1.2.1.1.3.0 = Timeticks: (32227) 0:05:22.27\t.1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.4.1.99999.0.1\t.1.3.6.1.4.1.99999.9 = Hex-STRING: 00 01 ";
    let n = Notification::parse(v2).unwrap();
    assert_eq!(n.version, "1");
    assert_eq!(n.security_name, "public");
    assert_eq!(n.pdu_type(), "TRAP2");
    assert_eq!(n.trap_oid(), Some("1.3.6.1.4.1.99999.0.1"));
    assert_eq!(n.varbinds.len(), 3);
    assert!(n.v1.is_none());
    assert_eq!(
        n.varbind("1.3.6.1.4.1.99999.9").unwrap().value(),
        Some(NetSnmpValue::OctetString(vec![0, 1]))
    );

    let v1 = "FWNOTIF\tver=0\tfrom=UDP: [127.0.0.1]:41673->[127.0.0.1]:16162\tsec=public\tpdu=TRAP, SNMP v1, community public\tenterprise=.1.3.6.1.4.1.99999\tagent=127.0.0.9\tgeneric=6\tspecific=.17\tuptime=4242\t";
    let n = Notification::parse(v1).unwrap();
    let info = n.v1.unwrap();
    assert_eq!(info.enterprise, ".1.3.6.1.4.1.99999");
    assert_eq!(info.agent_addr, "127.0.0.9");
    assert_eq!(info.generic_trap, "6");
    assert_eq!(info.specific_trap, "17");
    assert_eq!(info.time_stamp, "4242");
    assert!(n.varbinds.is_empty());

    assert!(Notification::parse("NET-SNMP version 5.9.3").is_none());
}

#[test]
fn usm_spellings() {
    let u = UsmUser::new("bob")
        .auth(AuthProtocol::Sha1, "authpass123")
        .privacy(PrivProtocol::Aes192Blumenthal, "privpass123")
        .engine_id("8000000001020304");
    assert_eq!(
        u.create_user_line(),
        "createUser -e 0x8000000001020304 bob SHA authpass123 AES-192 privpass123"
    );
    // Wireshark only implements the Reeder key extension.
    assert_eq!(u.tshark_uat(), None);
    let u = UsmUser::new("carol")
        .auth(AuthProtocol::Sha512, "authpass123")
        .privacy(PrivProtocol::Aes256Blumenthal, "privpass123");
    assert_eq!(
        u.tshark_uat().unwrap(),
        r#"uat:snmp_users:"","carol","SHA2-512","authpass123","AES256","privpass123""#
    );
    let u = UsmUser::new("dave").auth(AuthProtocol::Md5, "authpass123");
    assert_eq!(
        u.tshark_uat().unwrap(),
        r#"uat:snmp_users:"","dave","MD5","authpass123","DES","""#
    );
    assert_eq!(
        text_engine_id_hex("fleetwire-test"),
        "0x80001f8804666c656574776972652d74657374"
    );
}

#[test]
fn require_tool_skips_locally_and_fails_in_ci() {
    assert!(fleetwire_testkit::require_tool("sh"));
    let missing = "fleetwire-no-such-tool";
    let in_ci = std::env::var_os("CI").is_some_and(|v| !v.is_empty());
    let result = std::panic::catch_unwind(|| fleetwire_testkit::require_tool(missing));
    if in_ci {
        let msg = result.expect_err("must panic in CI");
        let text = msg.downcast_ref::<String>().cloned().unwrap_or_default();
        assert!(text.contains(missing) && text.contains("CI"), "{text}");
    } else {
        assert_eq!(result.ok(), Some(false));
    }
}
