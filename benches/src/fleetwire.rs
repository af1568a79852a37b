//! Adapter for our own codec, `fleetwire-snmp`.
//!
//! Decode: `Message::decode` (zero-copy, strict), then the PDU's lazily validated varbind list
//! is walked as a user would: OID arcs iterated, each value matched. Encode: the message is
//! built from owned parts ahead of time and `Message::encode` appends into a reused buffer.

use std::borrow::Cow;

use fleetwire_snmp::{
    CommunityMessage, ErrorStatus, GenericPdu, HeaderData, Message, MsgFlags, Pdu, ScopedPdu,
    ScopedPduData, SecurityParameters, UsmSecurityParameters, V3Message, Value, VarBind,
};

use crate::fixtures::{Envelope, Fixture, MessageSpec};
use crate::normalized::{CollectSink, Decoded, Field, NormalizedValue, Sink, ValueRef};
use crate::peers::failed;
use crate::{PeerError, PreparedEncode};

/// Decodes `fixture.wire` with fleetwire-snmp and reports everything to `sink`.
pub fn decode<S: Sink>(fixture: &Fixture, sink: &mut S) -> Result<(), PeerError> {
    let msg = Message::decode(&fixture.wire).map_err(failed("Message::decode"))?;
    sink.int_field(Field::Version, msg.version().code());
    let pdu = match &msg {
        Message::V1(m) | Message::V2c(m) => {
            sink.bytes_field(Field::Community, &m.community);
            &m.pdu
        }
        Message::V3(m) => {
            let h = &m.header;
            sink.int_field(Field::MsgId, i64::from(h.msg_id));
            sink.int_field(Field::MsgMaxSize, i64::from(h.max_size));
            sink.int_field(Field::MsgFlags, i64::from(h.flags.bits()));
            sink.int_field(Field::MsgSecurityModel, i64::from(h.security_model));
            let SecurityParameters::Usm(usm) = &m.security_parameters else {
                return Err(PeerError::Failed("not USM".into()));
            };
            sink.bytes_field(Field::EngineId, &usm.engine_id);
            sink.int_field(Field::EngineBoots, i64::from(usm.engine_boots));
            sink.int_field(Field::EngineTime, i64::from(usm.engine_time));
            sink.bytes_field(Field::UserName, &usm.user_name);
            sink.bytes_field(Field::AuthParams, &usm.auth_parameters);
            sink.bytes_field(Field::PrivParams, &usm.priv_parameters);
            let ScopedPduData::Plaintext(scoped) = &m.data else {
                return Err(PeerError::Failed("encrypted scoped PDU".into()));
            };
            sink.bytes_field(Field::ContextEngineId, &scoped.context_engine_id);
            sink.bytes_field(Field::ContextName, &scoped.context_name);
            &scoped.pdu
        }
    };
    walk_pdu(pdu, sink)
}

/// Reports a PDU (type, request-id, error fields, then every varbind) to `sink`, as a user
/// would walk it: OID arcs iterated, each value matched. Shared with the USM suite.
pub(crate) fn walk_pdu<S: Sink>(pdu: &Pdu<'_>, sink: &mut S) -> Result<(), PeerError> {
    sink.int_field(Field::PduType, i64::from(pdu.pdu_type().tag() & 0x1f));
    match pdu {
        Pdu::GetBulkRequest(b) => {
            sink.int_field(Field::RequestId, i64::from(b.request_id));
            sink.int_field(Field::ErrorStatus, i64::from(b.non_repeaters));
            sink.int_field(Field::ErrorIndex, i64::from(b.max_repetitions));
        }
        other => {
            let g = other
                .generic()
                .ok_or_else(|| PeerError::Unsupported("v1 Trap-PDU".into()))?;
            sink.int_field(Field::RequestId, i64::from(g.request_id));
            sink.int_field(Field::ErrorStatus, i64::from(g.error_status.code()));
            sink.int_field(Field::ErrorIndex, i64::from(g.error_index));
        }
    }
    for vb in pdu.varbinds() {
        sink.name(vb.name.arcs().map(u64::from));
        match &vb.value {
            Value::Integer(v) => sink.value(ValueRef::Int(i64::from(*v))),
            Value::OctetString(s) => sink.value(ValueRef::Str(s)),
            Value::ObjectIdentifier(o) => sink.oid_value(o.arcs().map(u64::from)),
            Value::IpAddress(a) => sink.value(ValueRef::Ip(*a)),
            Value::Counter32(v) => sink.value(ValueRef::Counter32(*v)),
            Value::Gauge32(v) | Value::UInteger32(v) => sink.value(ValueRef::Gauge32(*v)),
            Value::TimeTicks(v) => sink.value(ValueRef::TimeTicks(*v)),
            Value::Opaque(b) | Value::NsapAddress(b) => sink.value(ValueRef::Opaque(b)),
            Value::Counter64(v) => sink.value(ValueRef::Counter64(*v)),
            Value::Null => sink.value(ValueRef::Null),
            Value::NoSuchObject => sink.value(ValueRef::NoSuchObject),
            Value::NoSuchInstance => sink.value(ValueRef::NoSuchInstance),
            Value::EndOfMibView => sink.value(ValueRef::EndOfMibView),
        }
    }
    Ok(())
}

/// Full decode, materialized for verification.
pub fn decode_fleetwire(fixture: &Fixture) -> Result<Decoded, PeerError> {
    let mut sink = CollectSink::default();
    decode(fixture, &mut sink)?;
    sink.finish().map_err(PeerError::Failed)
}

fn value(v: &NormalizedValue) -> Result<Value<'static>, PeerError> {
    Ok(match v {
        NormalizedValue::Int(x) => Value::Integer(i32::try_from(*x).map_err(failed("Integer32"))?),
        NormalizedValue::Str(x) => Value::OctetString(Cow::Owned(x.clone())),
        NormalizedValue::Oid(x) => Value::ObjectIdentifier(x.parse().map_err(failed("OID"))?),
        NormalizedValue::Ip(x) => Value::IpAddress(*x),
        NormalizedValue::Counter32(x) => Value::Counter32(*x),
        NormalizedValue::Gauge32(x) => Value::Gauge32(*x),
        NormalizedValue::TimeTicks(x) => Value::TimeTicks(*x),
        NormalizedValue::Opaque(x) => Value::Opaque(Cow::Owned(x.clone())),
        NormalizedValue::Counter64(x) => Value::Counter64(*x),
        NormalizedValue::Null => Value::Null,
        NormalizedValue::NoSuchObject => Value::NoSuchObject,
        NormalizedValue::NoSuchInstance => Value::NoSuchInstance,
        NormalizedValue::EndOfMibView => Value::EndOfMibView,
    })
}

fn pdu(spec: &MessageSpec) -> Result<Pdu<'static>, PeerError> {
    if spec.pdu_tag != 2 {
        return Err(PeerError::Unsupported(
            "only Response PDUs are built".into(),
        ));
    }
    let varbinds = spec
        .varbinds
        .iter()
        .map(|(name, v)| {
            Ok(VarBind::new(
                name.parse().map_err(failed("OID"))?,
                value(v)?,
            ))
        })
        .collect::<Result<Vec<_>, PeerError>>()?;
    Ok(Pdu::Response(GenericPdu {
        request_id: spec.request_id,
        error_status: ErrorStatus::from_code(spec.error_status)
            .ok_or_else(|| PeerError::Failed("error-status".into()))?,
        error_index: u32::try_from(spec.error_index).map_err(failed("error-index"))?,
        varbinds: varbinds.into(),
    }))
}

fn u32_of(v: i64, what: &'static str) -> Result<u32, PeerError> {
    u32::try_from(v).map_err(failed(what))
}

/// Prepared fleetwire encoder: the message and a reused output buffer.
#[derive(Debug)]
pub struct FleetwireEncode {
    msg: Message<'static>,
    buf: Vec<u8>,
}

impl PreparedEncode for FleetwireEncode {
    fn encode_len(&mut self) -> Result<usize, PeerError> {
        self.buf.clear();
        self.msg.encode(&mut self.buf);
        Ok(self.buf.len())
    }

    fn encode_vec(&mut self) -> Result<Vec<u8>, PeerError> {
        self.encode_len()?;
        Ok(self.buf.clone())
    }
}

/// Builds the fleetwire message for `fixture` (untimed).
pub fn prepare_encode(fixture: &Fixture) -> Result<Box<dyn PreparedEncode>, PeerError> {
    let spec = &fixture.spec;
    let pdu = pdu(spec)?;
    let msg = match &spec.envelope {
        Envelope::Community { version, community } => {
            let body = CommunityMessage {
                community: Cow::Owned(community.clone()),
                pdu,
            };
            match version {
                0 => Message::V1(body),
                1 => Message::V2c(body),
                v => return Err(PeerError::Failed(format!("version {v}"))),
            }
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
        } => Message::V3(V3Message {
            header: HeaderData {
                msg_id: u32_of(*msg_id, "msgID")?,
                max_size: u32_of(*max_size, "msgMaxSize")?,
                flags: MsgFlags::from_bits(*flags)
                    .ok_or_else(|| PeerError::Failed("msgFlags".into()))?,
                security_model: u32_of(*security_model, "msgSecurityModel")?,
            },
            security_parameters: SecurityParameters::Usm(UsmSecurityParameters {
                engine_id: Cow::Owned(engine_id.clone()),
                engine_boots: u32_of(*engine_boots, "engine boots")?,
                engine_time: u32_of(*engine_time, "engine time")?,
                user_name: Cow::Owned(user_name.clone()),
                auth_parameters: Cow::Owned(auth_params.clone()),
                priv_parameters: Cow::Owned(priv_params.clone()),
            }),
            data: ScopedPduData::Plaintext(ScopedPdu {
                context_engine_id: Cow::Owned(context_engine_id.clone()),
                context_name: Cow::Owned(context_name.clone()),
                pdu,
            }),
        }),
    };
    Ok(Box::new(FleetwireEncode {
        msg,
        buf: Vec::with_capacity(2048),
    }))
}

/// Encodes `fixture` with fleetwire into a fresh `Vec` (verification helper).
pub fn encode_fleetwire(fixture: &Fixture) -> Result<Vec<u8>, PeerError> {
    prepare_encode(fixture)?.encode_vec()
}
