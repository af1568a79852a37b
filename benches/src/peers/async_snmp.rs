//! async-snmp 0.18 (lukeod/async-snmp), built with `default-features = false` plus
//! `crypto-rustcrypto` (its USM crypto backend, needed by the USM suite; the codec paths
//! timed here do not touch it; tokio is a hard dependency either way).
//!
//! Decode: `async_snmp::message::Message::decode(Bytes, DecodeConfig::DEFAULT)`
//! decodes any version into owned types (`Oid` = arcs in a SmallVec, values as
//! `Value`, strings as `Bytes` slices of the input). For v3 the USM parameters
//! are only kept as raw `Bytes` on the message (they are decoded internally for
//! validation and thrown away), so a user wanting the engine id / user name
//! must decode them again with `UsmSecurityParams::decode`, which we do.
//!
//! Encode: `CommunityMessage::encode()` / `V3Message::encode()` return `Bytes`;
//! both validate the outbound message first (for v3 that re-decodes the USM
//! parameters).

use async_snmp::message::{
    CommunityMessage, Message, MsgFlags, MsgGlobalData, ScopedPdu, SecurityLevel, V3Message,
};
use async_snmp::pdu::{Pdu, PduBody, StandardPduType};
use async_snmp::v3::UsmSecurityParams;
use async_snmp::{DecodeConfig, MessageSize, Oid, Value, VarBind};
use bytes::Bytes;

use super::failed;
use crate::fixtures::{Envelope, Fixture, MessageSpec};
use crate::normalized::{CollectSink, Decoded, Field, NormalizedValue, Sink, ValueRef};
use crate::{PeerError, PreparedEncode};

const CONFIG: DecodeConfig = DecodeConfig::DEFAULT;

/// Decodes `fixture.wire_bytes` and reports everything to `sink`.
pub fn decode<S: Sink>(fixture: &Fixture, sink: &mut S) -> Result<(), PeerError> {
    let outcome =
        Message::decode(fixture.wire_bytes.clone(), CONFIG).map_err(failed("Message::decode"))?;
    match outcome.value {
        Message::Community(m) => {
            sink.int_field(Field::Version, i64::from(m.version().as_i32()));
            sink.bytes_field(Field::Community, m.community().as_bytes());
            let pdu = m
                .pdu()
                .standard()
                .ok_or_else(|| PeerError::Failed("not a standard PDU".into()))?;
            walk_pdu(pdu, sink);
        }
        Message::V3(m) => {
            sink.int_field(Field::Version, 3);
            let g = m.global_data();
            sink.int_field(Field::MsgId, i64::from(g.msg_id()));
            sink.int_field(Field::MsgMaxSize, i64::from(g.msg_max_size().as_i32()));
            sink.int_field(Field::MsgFlags, i64::from(g.msg_flags().to_byte()));
            sink.int_field(
                Field::MsgSecurityModel,
                i64::from(g.msg_security_model().as_i32()),
            );
            let usm = UsmSecurityParams::decode(m.security_params().clone(), CONFIG)
                .map_err(failed("UsmSecurityParams::decode"))?
                .value;
            sink.bytes_field(Field::EngineId, usm.engine_id());
            sink.int_field(Field::EngineBoots, i64::from(usm.engine_boots()));
            sink.int_field(Field::EngineTime, i64::from(usm.engine_time()));
            sink.bytes_field(Field::UserName, usm.username());
            sink.bytes_field(Field::AuthParams, usm.auth_params());
            sink.bytes_field(Field::PrivParams, usm.priv_params());
            let scoped = m
                .scoped_pdu()
                .ok_or_else(|| PeerError::Failed("encrypted scoped PDU".into()))?;
            sink.bytes_field(Field::ContextEngineId, &scoped.context_engine_id);
            sink.bytes_field(Field::ContextName, &scoped.context_name);
            walk_pdu(&scoped.pdu, sink);
        }
    }
    Ok(())
}

/// Reports a PDU (type, request-id, error fields, then every varbind) to `sink`. Shared
/// with the USM suite.
pub(crate) fn walk_pdu<S: Sink>(pdu: &Pdu, sink: &mut S) {
    sink.int_field(Field::PduType, i64::from(pdu.pdu_type().tag() & 0x1F));
    sink.int_field(Field::RequestId, i64::from(pdu.request_id()));
    match pdu.raw_body() {
        PduBody::Standard {
            error_status,
            error_index,
            ..
        } => {
            sink.int_field(Field::ErrorStatus, i64::from(*error_status));
            sink.int_field(Field::ErrorIndex, i64::from(*error_index));
        }
        PduBody::GetBulk {
            non_repeaters,
            max_repetitions,
        } => {
            sink.int_field(Field::ErrorStatus, i64::from(*non_repeaters));
            sink.int_field(Field::ErrorIndex, i64::from(*max_repetitions));
        }
    }
    for vb in pdu.varbinds() {
        sink.name(vb.oid.arcs().iter().map(|a| u64::from(*a)));
        match &vb.value {
            Value::Integer(v) => sink.value(ValueRef::Int(i64::from(*v))),
            Value::OctetString(v) => sink.value(ValueRef::Str(v)),
            Value::Null => sink.value(ValueRef::Null),
            Value::ObjectIdentifier(o) => sink.oid_value(o.arcs().iter().map(|a| u64::from(*a))),
            Value::IpAddress(v) => sink.value(ValueRef::Ip(*v)),
            Value::Counter32(v) => sink.value(ValueRef::Counter32(*v)),
            Value::Gauge32(v) | Value::UInteger32(v) => sink.value(ValueRef::Gauge32(*v)),
            Value::TimeTicks(v) => sink.value(ValueRef::TimeTicks(*v)),
            Value::Opaque(v) => sink.value(ValueRef::Opaque(v)),
            Value::Counter64(v) => sink.value(ValueRef::Counter64(*v)),
            Value::NoSuchObject => sink.value(ValueRef::NoSuchObject),
            Value::NoSuchInstance => sink.value(ValueRef::NoSuchInstance),
            Value::EndOfMibView => sink.value(ValueRef::EndOfMibView),
            // Nsap / Unknown: report as opaque bytes of nothing recognizable so
            // verification fails loudly rather than silently skipping.
            _ => sink.value(ValueRef::Opaque(b"<unrepresentable>")),
        }
    }
}

/// Full decode, materialized for verification.
pub fn decode_async_snmp(fixture: &Fixture) -> Result<Decoded, PeerError> {
    let mut sink = CollectSink::default();
    decode(fixture, &mut sink)?;
    sink.finish().map_err(PeerError::Failed)
}

fn oid(dotted: &str) -> Result<Oid, PeerError> {
    Oid::parse(dotted).map_err(failed("Oid::parse"))
}

fn value(v: &NormalizedValue) -> Result<Value, PeerError> {
    Ok(match v {
        NormalizedValue::Int(x) => Value::Integer(
            i32::try_from(*x).map_err(|_| PeerError::Unsupported("INTEGER beyond i32".into()))?,
        ),
        NormalizedValue::Str(x) => Value::OctetString(Bytes::copy_from_slice(x)),
        NormalizedValue::Oid(x) => Value::ObjectIdentifier(oid(x)?),
        NormalizedValue::Ip(x) => Value::IpAddress(*x),
        NormalizedValue::Counter32(x) => Value::Counter32(*x),
        NormalizedValue::Gauge32(x) => Value::Gauge32(*x),
        NormalizedValue::TimeTicks(x) => Value::TimeTicks(*x),
        NormalizedValue::Opaque(x) => Value::Opaque(Bytes::copy_from_slice(x)),
        NormalizedValue::Counter64(x) => Value::Counter64(*x),
        NormalizedValue::Null => Value::Null,
        NormalizedValue::NoSuchObject => Value::NoSuchObject,
        NormalizedValue::NoSuchInstance => Value::NoSuchInstance,
        NormalizedValue::EndOfMibView => Value::EndOfMibView,
    })
}

fn pdu(spec: &MessageSpec) -> Result<Pdu, PeerError> {
    let varbinds = spec
        .varbinds
        .iter()
        .map(|(name, v)| Ok(VarBind::new(oid(name)?, value(v)?)))
        .collect::<Result<Vec<_>, PeerError>>()?;
    if spec.pdu_tag != 2 {
        return Err(PeerError::Unsupported(
            "only Response PDUs are built".into(),
        ));
    }
    let body = PduBody::Standard {
        pdu_type: StandardPduType::Response,
        error_status: i32::try_from(spec.error_status).map_err(failed("error_status"))?,
        error_index: i32::try_from(spec.error_index).map_err(failed("error_index"))?,
    };
    Ok(Pdu::from_raw_parts(spec.request_id, body, varbinds))
}

/// The native message, ready to encode.
#[derive(Debug)]
enum Native {
    Community(CommunityMessage),
    V3(V3Message),
}

/// Prepared async-snmp encoder.
#[derive(Debug)]
pub struct AsyncSnmpEncode(Native);

impl AsyncSnmpEncode {
    fn encode(&self) -> Result<Bytes, PeerError> {
        match &self.0 {
            Native::Community(m) => m.encode().map_err(failed("CommunityMessage::encode")),
            Native::V3(m) => m.encode().map_err(failed("V3Message::encode")),
        }
    }
}

impl PreparedEncode for AsyncSnmpEncode {
    fn encode_len(&mut self) -> Result<usize, PeerError> {
        self.encode().map(|b| b.len())
    }

    fn encode_vec(&mut self) -> Result<Vec<u8>, PeerError> {
        self.encode().map(|b| b.to_vec())
    }
}

/// Builds the async-snmp message for `fixture` (untimed).
pub fn prepare_encode(fixture: &Fixture) -> Result<Box<dyn PreparedEncode>, PeerError> {
    let spec = &fixture.spec;
    let pdu = pdu(spec)?;
    let native = match &spec.envelope {
        Envelope::Community { version, community } => {
            if *version != 1 {
                return Err(PeerError::Unsupported("only v2c is built".into()));
            }
            Native::Community(
                CommunityMessage::v2c(community.clone(), pdu)
                    .map_err(failed("CommunityMessage::v2c"))?,
            )
        }
        Envelope::V3 {
            msg_id,
            max_size,
            flags,
            security_model,
            engine_id,
            engine_boots,
            engine_time,
            user_name,
            auth_params,
            priv_params,
            context_engine_id,
            context_name,
        } => {
            if *security_model != 3 || !auth_params.is_empty() || !priv_params.is_empty() {
                return Err(PeerError::Unsupported(
                    "only noAuthNoPriv USM is built".into(),
                ));
            }
            let level = SecurityLevel::from_flags(*flags)
                .ok_or_else(|| PeerError::Failed("bad msgFlags".into()))?;
            let global = MsgGlobalData::new(
                i32::try_from(*msg_id).map_err(failed("msg_id"))?,
                MessageSize::try_from(i32::try_from(*max_size).map_err(failed("max_size"))?)
                    .map_err(failed("MessageSize"))?,
                MsgFlags::new(level, flags & 0x04 != 0),
            )
            .map_err(failed("MsgGlobalData::new"))?;
            let usm = UsmSecurityParams::new(
                Bytes::copy_from_slice(engine_id),
                u32::try_from(*engine_boots).map_err(failed("engine_boots"))?,
                u32::try_from(*engine_time).map_err(failed("engine_time"))?,
                Bytes::copy_from_slice(user_name),
            )
            .map_err(failed("UsmSecurityParams::new"))?;
            let usm = usm.encode().map_err(failed("UsmSecurityParams::encode"))?;
            let scoped = ScopedPdu::new(
                Bytes::copy_from_slice(context_engine_id),
                Bytes::copy_from_slice(context_name),
                pdu,
            );
            Native::V3(V3Message::new(global, usm, scoped).map_err(failed("V3Message::new"))?)
        }
    };
    Ok(Box::new(AsyncSnmpEncode(native)))
}

/// Encodes `fixture` with async-snmp into a fresh `Vec` (verification helper).
pub fn encode_async_snmp(fixture: &Fixture) -> Result<Vec<u8>, PeerError> {
    prepare_encode(fixture)?.encode_vec()
}
