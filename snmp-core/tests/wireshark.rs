//! Conformance against Wireshark's SNMP dissector: a corpus of messages produced by our encoder
//! (every PDU type in every version that has it, every value type, v3 in its forms) is dissected
//! by tshark, which must find nothing malformed and no expert item at warning or above.
//! tshark does not check INTEGER minimality or length forms; `canonical_forms` checks those.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::borrow::Cow;

use fleetwire_snmp::{
    BulkPdu, CommunityMessage, ErrorStatus, GenericPdu, GenericTrap, HeaderData, Message, MsgFlags,
    OpaqueValue, Pdu, SECURITY_MODEL_USM, ScopedPdu, ScopedPduData, SecurityParameters, TrapPdu,
    UsmSecurityParameters, V3Message, Value, VarBind, VarBindList,
};

fn oid(s: &str) -> fleetwire_snmp::Oid<'static> {
    s.parse().unwrap()
}

/// One varbind per value type allowed in the version.
fn all_values(v1: bool) -> VarBindList<'static> {
    let mut values = vec![
        Value::Integer(-2_147_483_648),
        Value::Integer(3),
        Value::OctetString(Cow::Borrowed(
            b"Xerox AltaLink C8170 v1 Multifunction System",
        )),
        Value::OctetString(Cow::Borrowed(&[0x00, 0x00, 0xaa, 0x12, 0x34, 0x56])),
        Value::Null,
        Value::ObjectIdentifier(oid("1.3.6.1.4.1.253.8.62.1.24.2.2.1")),
        Value::IpAddress([192, 0, 2, 17]),
        Value::Counter32(u32::MAX),
        Value::Gauge32(75),
        Value::TimeTicks(123_456_789),
        Value::Opaque(Cow::Owned(OpaqueValue::Float(3.5).encode())),
        Value::Opaque(Cow::Owned(OpaqueValue::Double(-0.25).encode())),
        Value::NsapAddress(Cow::Borrowed(&[0x47, 0x00, 0x05, 0x80])),
        Value::UInteger32(4_000_000_000),
    ];
    if !v1 {
        values.extend([
            Value::Counter64(u64::MAX),
            Value::Counter64(1 << 63),
            Value::NoSuchObject,
            Value::NoSuchInstance,
            Value::EndOfMibView,
        ]);
    }
    values
        .into_iter()
        .enumerate()
        .map(|(i, value)| VarBind::new(oid(&format!("1.3.6.1.2.1.43.11.1.1.9.1.{}", i + 1)), value))
        .collect()
}

fn requests() -> VarBindList<'static> {
    [
        "1.3.6.1.2.1.1.1.0",
        "1.3.6.1.2.1.25.3.2.1.5.1",
        "1.3.6.1.2.1.43.10.2.1.4.1.1",
    ]
    .into_iter()
    .map(|s| VarBind::null(oid(s)))
    .collect()
}

fn generic(request_id: i32, varbinds: impl Into<VarBindList<'static>>) -> GenericPdu<'static> {
    GenericPdu::new(request_id, varbinds)
}

fn v2_pdus() -> Vec<Pdu<'static>> {
    let mut err = generic(7, requests());
    err.error_status = ErrorStatus::NotWritable;
    err.error_index = 2;
    vec![
        Pdu::GetRequest(generic(1, requests())),
        Pdu::GetNextRequest(generic(2, requests())),
        Pdu::GetBulkRequest(BulkPdu {
            request_id: 3,
            non_repeaters: 1,
            max_repetitions: 25,
            varbinds: requests(),
        }),
        Pdu::SetRequest(generic(
            4,
            vec![VarBind::new(
                oid("1.3.6.1.2.1.1.6.0"),
                Value::OctetString(Cow::Borrowed(b"Room 101")),
            )],
        )),
        Pdu::Response(generic(5, all_values(false))),
        Pdu::Response(err),
        Pdu::InformRequest(generic(
            6,
            vec![
                VarBind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(4200)),
                VarBind::new(
                    oid("1.3.6.1.6.3.1.1.4.1.0"),
                    Value::ObjectIdentifier(oid("1.3.6.1.2.1.43.18.2.0.1")),
                ),
            ],
        )),
        Pdu::SnmpV2Trap(generic(
            8,
            vec![
                VarBind::new(oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(4200)),
                VarBind::new(
                    oid("1.3.6.1.6.3.1.1.4.1.0"),
                    Value::ObjectIdentifier(oid("1.3.6.1.6.3.1.1.5.1")),
                ),
            ],
        )),
        Pdu::Report(generic(
            9,
            vec![VarBind::new(
                oid("1.3.6.1.6.3.15.1.1.4.0"),
                Value::Counter32(12),
            )],
        )),
    ]
}

fn v1_pdus() -> Vec<Pdu<'static>> {
    vec![
        Pdu::GetRequest(generic(11, requests())),
        Pdu::GetNextRequest(generic(12, requests())),
        Pdu::SetRequest(generic(
            13,
            vec![VarBind::new(
                oid("1.3.6.1.2.1.1.5.0"),
                Value::OctetString(Cow::Borrowed(b"mfp-3")),
            )],
        )),
        Pdu::Response(generic(14, all_values(true))),
        Pdu::Trap(TrapPdu {
            enterprise: oid("1.3.6.1.4.1.253.8.62"),
            agent_addr: [127, 0, 0, 1],
            generic_trap: GenericTrap::EnterpriseSpecific,
            specific_trap: 17,
            time_stamp: 360_000,
            varbinds: all_values(true),
        }),
        Pdu::Trap(TrapPdu {
            enterprise: oid("1.3.6.1.4.1.8072.3.2.10"),
            agent_addr: [10, 1, 2, 3],
            generic_trap: GenericTrap::ColdStart,
            specific_trap: 0,
            time_stamp: 0,
            varbinds: VarBindList::new(),
        }),
    ]
}

fn v3(
    flags: MsgFlags,
    usm: UsmSecurityParameters<'static>,
    data: ScopedPduData<'static>,
) -> Message<'static> {
    Message::V3(V3Message {
        header: HeaderData {
            msg_id: 0x1234_5678,
            max_size: 65507,
            flags,
            security_model: SECURITY_MODEL_USM,
        },
        security_parameters: SecurityParameters::Usm(usm),
        data,
    })
}

fn corpus() -> Vec<(String, Message<'static>)> {
    let mut out = Vec::new();
    for pdu in v1_pdus() {
        let name = format!("v1 {}", pdu.pdu_type());
        out.push((
            name,
            Message::V1(CommunityMessage {
                community: Cow::Borrowed(b"public"),
                pdu,
            }),
        ));
    }
    for pdu in v2_pdus() {
        let name = format!("v2c {}", pdu.pdu_type());
        out.push((
            name,
            Message::V2c(CommunityMessage {
                community: Cow::Borrowed(b"private"),
                pdu,
            }),
        ));
    }
    let engine: &'static [u8] = &[
        0x80, 0x00, 0x1f, 0x88, 0x80, 0x5c, 0x2a, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
    ];
    let user = UsmSecurityParameters {
        engine_id: Cow::Borrowed(engine),
        engine_boots: 3,
        engine_time: 86_400,
        user_name: Cow::Borrowed(b"fleet"),
        ..UsmSecurityParameters::default()
    };
    let noauth = MsgFlags {
        auth: false,
        privacy: false,
        reportable: true,
    };
    for pdu in v2_pdus() {
        let name = format!("v3 noAuthNoPriv {}", pdu.pdu_type());
        let scoped = ScopedPdu {
            context_engine_id: Cow::Borrowed(engine),
            context_name: Cow::Borrowed(b""),
            pdu,
        };
        out.push((
            name,
            v3(noauth, user.clone(), ScopedPduData::Plaintext(scoped)),
        ));
    }
    // Discovery probe: empty USM parameters and empty varbinds, as net-snmp sends it.
    let probe = ScopedPdu {
        context_engine_id: Cow::Borrowed(b""),
        context_name: Cow::Borrowed(b""),
        pdu: Pdu::GetRequest(generic(77, VarBindList::new())),
    };
    out.push((
        "v3 discovery".into(),
        v3(
            noauth,
            UsmSecurityParameters::default(),
            ScopedPduData::Plaintext(probe),
        ),
    ));
    // authPriv with an opaque encrypted PDU: header, USM and encryptedPDU must dissect.
    let authpriv = MsgFlags {
        auth: true,
        privacy: true,
        reportable: true,
    };
    let secured = UsmSecurityParameters {
        auth_parameters: Cow::Owned(vec![0xa5; 24]),
        priv_parameters: Cow::Owned(vec![0, 0, 0, 1, 0x12, 0x34, 0x56, 0x78]),
        ..user
    };
    out.push((
        "v3 authPriv (opaque)".into(),
        v3(
            authpriv,
            secured,
            ScopedPduData::Encrypted(Cow::Owned(vec![0x5a; 64])),
        ),
    ));
    out
}

#[test]
fn tshark_finds_nothing_wrong() {
    if !fleetwire_testkit::require_tool("tshark") {
        return;
    }
    let corpus = corpus();
    let messages: Vec<Vec<u8>> = corpus.iter().map(|(_, m)| m.to_vec()).collect();
    let dissections = fleetwire_testkit::tshark_dissect(&messages, 161, &[]);
    assert_eq!(
        dissections.len(),
        corpus.len(),
        "tshark saw a different number of frames"
    );
    let mut failures = Vec::new();
    for ((name, _), (bytes, d)) in corpus.iter().zip(messages.iter().zip(&dissections)) {
        if let Err(why) = d.verdict() {
            failures.push(format!("{name}: {why}\n  {}", hex(bytes)));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} messages rejected by tshark:\n{}",
        failures.len(),
        corpus.len(),
        failures.join("\n")
    );
}

/// What tshark does not check: every length in minimal form and every message decodes
/// strictly back to itself.
#[test]
fn canonical_forms() {
    for (name, m) in corpus() {
        let bytes = m.to_vec();
        assert_eq!(Message::decode(&bytes).unwrap(), m, "{name}");
        assert_minimal_lengths(&bytes, &name);
    }
}

/// Walks every TLV (descending into constructed ones and the v3 OCTET STRINGs that wrap
/// SEQUENCEs) and checks that each length uses the fewest octets.
fn assert_minimal_lengths(bytes: &[u8], name: &str) {
    let mut i = 0;
    while i < bytes.len() {
        let tag = bytes[i];
        let first = bytes[i + 1];
        let (len, header) = if first < 0x80 {
            (first as usize, 2)
        } else {
            let n = (first & 0x7f) as usize;
            let len = bytes[i + 2..i + 2 + n]
                .iter()
                .fold(0usize, |a, &b| a << 8 | b as usize);
            assert!(
                bytes[i + 2] != 0 && len >= 0x80,
                "{name}: non-minimal length at {i}"
            );
            (len, 2 + n)
        };
        let content = &bytes[i + header..i + header + len];
        if tag & 0x20 != 0 || (tag == 0x04 && content.first() == Some(&0x30) && nested_ok(content))
        {
            assert_minimal_lengths(content, name);
        }
        i += header + len;
    }
}

fn nested_ok(content: &[u8]) -> bool {
    Message::decode(content).is_ok() || {
        // msgSecurityParameters: a SEQUENCE filling the whole OCTET STRING.
        content.len() >= 2 && (content[1] as usize + 2 == content.len() || content[1] & 0x80 != 0)
    }
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The oracle must be able to say no: a message cut short, one with an overrunning inner
/// length, and one with trailing garbage are each rejected by the same judging rule.
#[test]
fn tshark_rejects_broken_messages() {
    if !fleetwire_testkit::require_tool("tshark") {
        return;
    }
    let good = corpus()[7].1.to_vec();
    let mut truncated = good.clone();
    truncated.pop();
    // The message ends with the last varbind's NULL, `05 00`: make it claim two bytes.
    let mut overrun = good.clone();
    assert_eq!(overrun[overrun.len() - 2..], [0x05, 0x00]);
    let at = overrun.len() - 1;
    overrun[at] = 0x02;
    let mut trailing = good.clone();
    trailing.extend_from_slice(&[0xde, 0xad]);
    let d = fleetwire_testkit::tshark_dissect(&[good, truncated, overrun, trailing], 161, &[]);
    assert!(d[0].verdict().is_ok(), "{:?}", d[0]);
    for (i, name) in [(1, "truncated"), (2, "overrun"), (3, "trailing")] {
        assert!(
            d[i].verdict().is_err(),
            "tshark accepted the {name} message: {:?}",
            d[i]
        );
    }
}
