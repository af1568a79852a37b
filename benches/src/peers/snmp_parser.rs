//! snmp-parser 0.11 (rusticata), a nom/asn1-rs based *parser only* (no encoder).
//!
//! Decode: `parse_snmp_v2c` (v1: `parse_snmp_v1`) / `parse_snmp_v3`, each
//! returning a borrowed message: OIDs are `asn1_rs::Oid<'_>` over the input
//! bytes (arcs decoded when iterated), OCTET STRING values are `&[u8]`, but the
//! varbind list is collected into a `Vec`, and the community and the USM user
//! name are copied into `String`s (so they must be UTF-8). v3 is supported,
//! including USM parameter parsing. Quirks: request-id, msgID and the
//! error fields are parsed as `u32` (negative request ids are rejected);
//! INTEGER values are `i32`.

use snmp_parser::snmp::{ObjectSyntax, SnmpPdu, SnmpVariable, VarBindValue};
use snmp_parser::snmpv3::{ScopedPduData, SecurityParameters};
use snmp_parser::{NetworkAddress, parse_snmp_v1, parse_snmp_v2c, parse_snmp_v3};

use super::failed;
use crate::PeerError;
use crate::fixtures::Fixture;
use crate::normalized::{CollectSink, Decoded, Field, Sink, ValueRef};

/// Decodes `fixture.wire` and reports everything to `sink`.
pub fn decode<S: Sink>(fixture: &Fixture, sink: &mut S) -> Result<(), PeerError> {
    match fixture.spec.version() {
        3 => {
            let (_, msg) = parse_snmp_v3(&fixture.wire).map_err(failed("parse_snmp_v3"))?;
            sink.int_field(Field::Version, i64::from(msg.version));
            let h = &msg.header_data;
            sink.int_field(Field::MsgId, i64::from(h.msg_id));
            sink.int_field(Field::MsgMaxSize, i64::from(h.msg_max_size));
            sink.int_field(Field::MsgFlags, i64::from(h.msg_flags));
            sink.int_field(Field::MsgSecurityModel, i64::from(h.msg_security_model.0));
            let usm = match &msg.security_params {
                SecurityParameters::USM(usm) => usm,
                SecurityParameters::Raw(_) => {
                    return Err(PeerError::Failed("USM parameters not parsed".into()));
                }
            };
            sink.bytes_field(Field::EngineId, usm.msg_authoritative_engine_id);
            sink.int_field(
                Field::EngineBoots,
                i64::from(usm.msg_authoritative_engine_boots),
            );
            sink.int_field(
                Field::EngineTime,
                i64::from(usm.msg_authoritative_engine_time),
            );
            sink.bytes_field(Field::UserName, usm.msg_user_name.as_bytes());
            sink.bytes_field(Field::AuthParams, usm.msg_authentication_parameters);
            sink.bytes_field(Field::PrivParams, usm.msg_privacy_parameters);
            let scoped = match &msg.data {
                ScopedPduData::Plaintext(p) => p,
                ScopedPduData::Encrypted(_) => {
                    return Err(PeerError::Failed("encrypted scoped PDU".into()));
                }
            };
            sink.bytes_field(Field::ContextEngineId, scoped.ctx_engine_id);
            sink.bytes_field(Field::ContextName, scoped.ctx_engine_name);
            walk_pdu(&scoped.data, sink)
        }
        version => {
            let (_, msg) = if version == 0 {
                parse_snmp_v1(&fixture.wire).map_err(failed("parse_snmp_v1"))?
            } else {
                parse_snmp_v2c(&fixture.wire).map_err(failed("parse_snmp_v2c"))?
            };
            sink.int_field(Field::Version, i64::from(msg.version));
            sink.bytes_field(Field::Community, msg.community.as_bytes());
            walk_pdu(&msg.pdu, sink)
        }
    }
}

fn walk_pdu<S: Sink>(pdu: &SnmpPdu<'_>, sink: &mut S) -> Result<(), PeerError> {
    let vars = match pdu {
        SnmpPdu::Generic(p) => {
            sink.int_field(Field::PduType, i64::from(p.pdu_type.0));
            sink.int_field(Field::RequestId, i64::from(p.req_id));
            sink.int_field(Field::ErrorStatus, i64::from(p.err.0));
            sink.int_field(Field::ErrorIndex, i64::from(p.err_index));
            &p.var
        }
        SnmpPdu::Bulk(p) => {
            sink.int_field(Field::PduType, 5);
            sink.int_field(Field::RequestId, i64::from(p.req_id));
            sink.int_field(Field::ErrorStatus, i64::from(p.non_repeaters));
            sink.int_field(Field::ErrorIndex, i64::from(p.max_repetitions));
            &p.var
        }
        SnmpPdu::TrapV1(_) => return Err(PeerError::Unsupported("v1 Trap".into())),
    };
    for var in vars {
        walk_var(var, sink)?;
    }
    Ok(())
}

fn walk_var<S: Sink>(var: &SnmpVariable<'_>, sink: &mut S) -> Result<(), PeerError> {
    let name = var
        .oid
        .iter()
        .ok_or_else(|| PeerError::Failed("OID arc beyond u64".into()))?;
    sink.name(name);
    match &var.val {
        VarBindValue::Value(v) => match v {
            ObjectSyntax::Number(n) => sink.value(ValueRef::Int(i64::from(*n))),
            ObjectSyntax::String(s) => sink.value(ValueRef::Str(s)),
            ObjectSyntax::Object(o) => sink.oid_value(
                o.iter()
                    .ok_or_else(|| PeerError::Failed("OID arc beyond u64".into()))?,
            ),
            ObjectSyntax::IpAddress(NetworkAddress::IPv4(ip)) => {
                sink.value(ValueRef::Ip(ip.octets()));
            }
            ObjectSyntax::Counter32(c) => sink.value(ValueRef::Counter32(*c)),
            ObjectSyntax::Gauge32(g) => sink.value(ValueRef::Gauge32(*g)),
            ObjectSyntax::UInteger32(g) => sink.value(ValueRef::Gauge32(*g)),
            ObjectSyntax::TimeTicks(t) => sink.value(ValueRef::TimeTicks(*t)),
            ObjectSyntax::Opaque(o) => sink.value(ValueRef::Opaque(o)),
            ObjectSyntax::Counter64(c) => sink.value(ValueRef::Counter64(*c)),
            // A zero-length primitive (e.g. an empty OCTET STRING) is reported
            // by snmp-parser as `Empty`, losing the type.
            ObjectSyntax::Empty => sink.value(ValueRef::Null),
            other => {
                return Err(PeerError::Failed(format!("unhandled value {other:?}")));
            }
        },
        VarBindValue::Unspecified => sink.value(ValueRef::Null),
        VarBindValue::NoSuchObject => sink.value(ValueRef::NoSuchObject),
        VarBindValue::NoSuchInstance => sink.value(ValueRef::NoSuchInstance),
        VarBindValue::EndOfMibView => sink.value(ValueRef::EndOfMibView),
    }
    Ok(())
}

/// Full decode, materialized for verification.
pub fn decode_snmp_parser(fixture: &Fixture) -> Result<Decoded, PeerError> {
    let mut sink = CollectSink::default();
    decode(fixture, &mut sink)?;
    sink.finish().map_err(PeerError::Failed)
}
