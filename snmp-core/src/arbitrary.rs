//! proptest strategies for every message kind, shared by the round-trip and differential tests.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use alloc::borrow::Cow;
use alloc::vec::Vec;

use proptest::collection::vec;
use proptest::prelude::*;

use crate::{
    BulkPdu, CommunityMessage, ErrorStatus, GenericPdu, GenericTrap, HeaderData, Message, MsgFlags,
    Oid, Pdu, SECURITY_MODEL_USM, ScopedPdu, ScopedPduData, SecurityParameters, TrapPdu,
    UsmSecurityParameters, V3Message, Value, VarBind, VarBindList,
};

fn arc() -> impl Strategy<Value = u32> {
    prop_oneof![
        4 => 0u32..128,
        2 => 128u32..16384,
        1 => any::<u32>(),
        1 => Just(u32::MAX),
    ]
}

/// Any valid OID (2 to 128 arcs; biased towards realistic lengths).
pub(crate) fn oid() -> impl Strategy<Value = Oid<'static>> {
    let first = prop_oneof![
        (0u32..2, 0u32..40).prop_map(|(a, b)| (a, b)),
        (Just(2u32), arc()).prop_map(|(a, b)| (a, b)),
    ];
    let tail = prop_oneof![8 => vec(arc(), 0..16), 1 => vec(arc(), 0..126)];
    (first, tail).prop_map(|((a, b), tail)| {
        let mut arcs = alloc::vec![a, b];
        arcs.extend(tail);
        Oid::from_arcs(&arcs).expect("valid arcs")
    })
}

fn bytes(max: usize) -> impl Strategy<Value = Cow<'static, [u8]>> {
    vec(any::<u8>(), 0..max).prop_map(Cow::Owned)
}

fn bytes_between(min: usize, max: usize) -> impl Strategy<Value = Cow<'static, [u8]>> {
    vec(any::<u8>(), min..=max).prop_map(Cow::Owned)
}

/// Any value allowed in the given version.
pub(crate) fn value(v1: bool) -> BoxedStrategy<Value<'static>> {
    let common = prop_oneof![
        any::<i32>().prop_map(Value::Integer),
        bytes(80).prop_map(Value::OctetString),
        Just(Value::Null),
        oid().prop_map(Value::ObjectIdentifier),
        any::<[u8; 4]>().prop_map(Value::IpAddress),
        any::<u32>().prop_map(Value::Counter32),
        any::<u32>().prop_map(Value::Gauge32),
        any::<u32>().prop_map(Value::TimeTicks),
        bytes(20).prop_map(Value::Opaque),
        bytes(21).prop_map(Value::NsapAddress),
        any::<u32>().prop_map(Value::UInteger32),
    ];
    if v1 {
        common.boxed()
    } else {
        prop_oneof![
            11 => common,
            2 => any::<u64>().prop_map(Value::Counter64),
            1 => Just(Value::NoSuchObject),
            1 => Just(Value::NoSuchInstance),
            1 => Just(Value::EndOfMibView),
        ]
        .boxed()
    }
}

fn varbinds(v1: bool) -> impl Strategy<Value = VarBindList<'static>> {
    vec(
        (oid(), value(v1)).prop_map(|(name, value)| VarBind { name, value }),
        0..8,
    )
    .prop_map(VarBindList::from)
}

fn error_status() -> impl Strategy<Value = ErrorStatus> {
    (0i64..=18).prop_map(|c| ErrorStatus::from_code(c).expect("0..=18"))
}

fn non_negative() -> impl Strategy<Value = u32> {
    prop_oneof![0u32..100, 0u32..=(i32::MAX as u32)]
}

fn generic(v1: bool) -> impl Strategy<Value = GenericPdu<'static>> {
    (any::<i32>(), error_status(), non_negative(), varbinds(v1)).prop_map(
        |(request_id, error_status, error_index, varbinds)| GenericPdu {
            request_id,
            error_status,
            error_index,
            varbinds,
        },
    )
}

/// Any PDU allowed in the given version.
pub(crate) fn pdu(v1: bool) -> BoxedStrategy<Pdu<'static>> {
    if v1 {
        let trap = (
            oid(),
            any::<[u8; 4]>(),
            (0i64..=6).prop_map(|c| GenericTrap::from_code(c).expect("0..=6")),
            any::<i32>(),
            any::<u32>(),
            varbinds(true),
        )
            .prop_map(
                |(enterprise, agent_addr, generic_trap, specific_trap, time_stamp, varbinds)| {
                    Pdu::Trap(TrapPdu {
                        enterprise,
                        agent_addr,
                        generic_trap,
                        specific_trap,
                        time_stamp,
                        varbinds,
                    })
                },
            );
        prop_oneof![
            generic(true).prop_map(Pdu::GetRequest),
            generic(true).prop_map(Pdu::GetNextRequest),
            generic(true).prop_map(Pdu::Response),
            generic(true).prop_map(Pdu::SetRequest),
            trap,
        ]
        .boxed()
    } else {
        let bulk = (
            any::<i32>(),
            non_negative(),
            non_negative(),
            varbinds(false),
        )
            .prop_map(|(request_id, non_repeaters, max_repetitions, varbinds)| {
                Pdu::GetBulkRequest(BulkPdu {
                    request_id,
                    non_repeaters,
                    max_repetitions,
                    varbinds,
                })
            });
        prop_oneof![
            generic(false).prop_map(Pdu::GetRequest),
            generic(false).prop_map(Pdu::GetNextRequest),
            generic(false).prop_map(Pdu::Response),
            generic(false).prop_map(Pdu::SetRequest),
            bulk,
            generic(false).prop_map(Pdu::InformRequest),
            generic(false).prop_map(Pdu::SnmpV2Trap),
            generic(false).prop_map(Pdu::Report),
        ]
        .boxed()
    }
}

fn engine_id() -> impl Strategy<Value = Cow<'static, [u8]>> {
    prop_oneof![1 => Just(Cow::Borrowed(&[][..])), 4 => bytes_between(5, 32)]
}

fn flags() -> impl Strategy<Value = MsgFlags> {
    (any::<bool>(), any::<bool>(), any::<bool>()).prop_map(|(auth, p, reportable)| MsgFlags {
        auth,
        privacy: auth && p,
        reportable,
    })
}

fn usm() -> impl Strategy<Value = UsmSecurityParameters<'static>> {
    (
        engine_id(),
        non_negative(),
        non_negative(),
        bytes_between(0, 32),
        prop_oneof![Just(Cow::Borrowed(&[][..])), bytes_between(12, 48)],
        prop_oneof![Just(Cow::Borrowed(&[][..])), bytes_between(8, 8)],
    )
        .prop_map(
            |(
                engine_id,
                engine_boots,
                engine_time,
                user_name,
                auth_parameters,
                priv_parameters,
            )| {
                UsmSecurityParameters {
                    engine_id,
                    engine_boots,
                    engine_time,
                    user_name,
                    auth_parameters,
                    priv_parameters,
                }
            },
        )
}

/// Any plaintext scoped PDU.
pub(crate) fn scoped_pdu() -> impl Strategy<Value = ScopedPdu<'static>> {
    (engine_id(), bytes_between(0, 32), pdu(false)).prop_map(
        |(context_engine_id, context_name, pdu)| ScopedPdu {
            context_engine_id,
            context_name,
            pdu,
        },
    )
}

/// Any SNMPv3 message (USM or another security model; plaintext or encrypted scoped PDU).
pub(crate) fn v3_message() -> impl Strategy<Value = V3Message<'static>> {
    let security = prop_oneof![
        4 => usm().prop_map(|p| (SECURITY_MODEL_USM, SecurityParameters::Usm(p))),
        1 => ((1u32..=(i32::MAX as u32)).prop_filter("not USM", |m| *m != SECURITY_MODEL_USM), bytes(40))
            .prop_map(|(m, b)| (m, SecurityParameters::Other(b))),
    ];
    (
        non_negative(),
        484u32..=(i32::MAX as u32),
        flags(),
        security,
        scoped_pdu(),
        bytes(120),
    )
        .prop_map(
            |(
                msg_id,
                max_size,
                flags,
                (security_model, security_parameters),
                scoped,
                encrypted,
            )| {
                V3Message {
                    header: HeaderData {
                        msg_id,
                        max_size,
                        flags,
                        security_model,
                    },
                    security_parameters,
                    data: if flags.privacy {
                        ScopedPduData::Encrypted(encrypted)
                    } else {
                        ScopedPduData::Plaintext(scoped)
                    },
                }
            },
        )
}

/// Any message of any version.
pub(crate) fn message() -> impl Strategy<Value = Message<'static>> {
    let community = |v1: bool| {
        (bytes(24), pdu(v1)).prop_map(|(community, pdu)| CommunityMessage { community, pdu })
    };
    prop_oneof![
        community(true).prop_map(Message::V1),
        community(false).prop_map(Message::V2c),
        v3_message().prop_map(Message::V3),
    ]
}

/// Encodes `m` and returns the bytes.
pub(crate) fn encoded(m: &Message<'_>) -> Vec<u8> {
    let mut buf = Vec::new();
    m.encode(&mut buf);
    buf
}
