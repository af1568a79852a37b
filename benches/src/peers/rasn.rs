//! rasn-snmp 0.30 on rasn 0.30 (BER codec generated from the ASN.1 modules).
//!
//! Decode: `rasn::ber::decode::<v2c::Message<v2::Pdus>>` for v1/v2c and
//! `rasn::ber::decode::<v3::Message>` for v3, followed for v3 by
//! `Message::decode_security_parameters::<USMSecurityParameters>` (the USM
//! parameters are an OCTET STRING holding a nested BER encoding). There is no
//! version-dispatching entry point, so the caller must know or peek the version;
//! the adapter dispatches on the fixture's known version. Everything is owned:
//! OIDs become `Cow<[u32]>` (allocated), OCTET STRINGs become `Bytes` (copied),
//! INTEGERs become `rasn::types::Integer`.
//!
//! Encode: `rasn::ber::encode_buf` into a reused `Vec<u8>` (rasn's
//! buffer-reusing entry point).

use rasn::types::{Integer, ObjectIdentifier, OctetString};
use rasn_snmp::v2::{ObjectSyntax, Pdu as V2Pdu, Pdus, Response, TimeTicks, VarBind, VarBindValue};
use rasn_snmp::{v2c, v3};

use super::failed;
use crate::fixtures::{Envelope, Fixture, MessageSpec};
use crate::normalized::{CollectSink, Decoded, Field, NormalizedValue, Sink, ValueRef};
use crate::{PeerError, PreparedEncode};

use rasn_smi::v2::{ApplicationSyntax as App, SimpleSyntax as Simple};

fn int(i: &Integer) -> Result<i64, PeerError> {
    i64::try_from(i).map_err(|_| PeerError::Failed(format!("INTEGER {i} beyond i64")))
}

fn arcs(oid: &ObjectIdentifier) -> impl Iterator<Item = u64> + '_ {
    oid.iter().map(|a| u64::from(*a))
}

/// Decodes `fixture.wire` and reports everything to `sink`.
pub fn decode<S: Sink>(fixture: &Fixture, sink: &mut S) -> Result<(), PeerError> {
    if fixture.spec.version() == 3 {
        let msg: v3::Message =
            rasn::ber::decode(&fixture.wire).map_err(failed("ber::decode v3::Message"))?;
        sink.int_field(Field::Version, int(&msg.version)?);
        let g = &msg.global_data;
        sink.int_field(Field::MsgId, int(&g.message_id)?);
        sink.int_field(Field::MsgMaxSize, int(&g.max_size)?);
        let flags = match &g.flags[..] {
            [f] => *f,
            _ => return Err(PeerError::Failed("msgFlags is not one octet".into())),
        };
        sink.int_field(Field::MsgFlags, i64::from(flags));
        sink.int_field(Field::MsgSecurityModel, int(&g.security_model)?);
        let usm: v3::USMSecurityParameters = msg
            .decode_security_parameters(rasn::Codec::Ber)
            .map_err(|e| PeerError::Failed(format!("decode_security_parameters: {e}")))?;
        sink.bytes_field(Field::EngineId, &usm.authoritative_engine_id);
        sink.int_field(Field::EngineBoots, int(&usm.authoritative_engine_boots)?);
        sink.int_field(Field::EngineTime, int(&usm.authoritative_engine_time)?);
        sink.bytes_field(Field::UserName, &usm.user_name);
        sink.bytes_field(Field::AuthParams, &usm.authentication_parameters);
        sink.bytes_field(Field::PrivParams, &usm.privacy_parameters);
        let scoped = match &msg.scoped_data {
            v3::ScopedPduData::CleartextPdu(p) => p,
            v3::ScopedPduData::EncryptedPdu(_) => {
                return Err(PeerError::Failed("encrypted scoped PDU".into()));
            }
        };
        sink.bytes_field(Field::ContextEngineId, &scoped.engine_id);
        sink.bytes_field(Field::ContextName, &scoped.name);
        walk_pdus(&scoped.data, sink)
    } else {
        let msg: v2c::Message<Pdus> =
            rasn::ber::decode(&fixture.wire).map_err(failed("ber::decode v2c::Message"))?;
        sink.int_field(Field::Version, int(&msg.version)?);
        sink.bytes_field(Field::Community, &msg.community);
        walk_pdus(&msg.data, sink)
    }
}

fn walk_pdus<S: Sink>(pdus: &Pdus, sink: &mut S) -> Result<(), PeerError> {
    let (tag, pdu) = match pdus {
        Pdus::GetRequest(p) => (0, &p.0),
        Pdus::GetNextRequest(p) => (1, &p.0),
        Pdus::Response(p) => (2, &p.0),
        Pdus::SetRequest(p) => (3, &p.0),
        Pdus::GetBulkRequest(p) => {
            let b = &p.0;
            sink.int_field(Field::PduType, 5);
            sink.int_field(Field::RequestId, i64::from(b.request_id));
            sink.int_field(Field::ErrorStatus, i64::from(b.non_repeaters));
            sink.int_field(Field::ErrorIndex, i64::from(b.max_repetitions));
            return walk_varbinds(&b.variable_bindings, sink);
        }
        Pdus::InformRequest(p) => (6, &p.0),
        Pdus::Trap(p) => (7, &p.0),
        Pdus::Report(p) => (8, &p.0),
    };
    sink.int_field(Field::PduType, tag);
    sink.int_field(Field::RequestId, i64::from(pdu.request_id));
    sink.int_field(Field::ErrorStatus, i64::from(pdu.error_status));
    sink.int_field(Field::ErrorIndex, i64::from(pdu.error_index));
    walk_varbinds(&pdu.variable_bindings, sink)
}

fn walk_varbinds<S: Sink>(list: &[VarBind], sink: &mut S) -> Result<(), PeerError> {
    for vb in list {
        sink.name(arcs(&vb.name));
        match &vb.value {
            VarBindValue::Value(ObjectSyntax::Simple(s)) => match s {
                Simple::Integer(i) => sink.value(ValueRef::Int(int(i)?)),
                Simple::String(s) => sink.value(ValueRef::Str(s)),
                Simple::ObjectId(o) => sink.oid_value(arcs(o)),
            },
            VarBindValue::Value(ObjectSyntax::ApplicationWide(a)) => match a {
                App::Address(ip) => {
                    let b: &[u8] = &ip.0[..];
                    let ip: [u8; 4] = b
                        .try_into()
                        .map_err(|_| PeerError::Failed("IpAddress not 4 bytes".into()))?;
                    sink.value(ValueRef::Ip(ip));
                }
                App::Counter(c) => sink.value(ValueRef::Counter32(c.0)),
                App::Ticks(t) => sink.value(ValueRef::TimeTicks(t.0)),
                App::Arbitrary(o) => sink.value(ValueRef::Opaque(o.as_ref())),
                App::BigCounter(c) => sink.value(ValueRef::Counter64(c.0)),
                App::Unsigned(g) => sink.value(ValueRef::Gauge32(g.0)),
            },
            VarBindValue::Unspecified => sink.value(ValueRef::Null),
            VarBindValue::NoSuchObject => sink.value(ValueRef::NoSuchObject),
            VarBindValue::NoSuchInstance => sink.value(ValueRef::NoSuchInstance),
            VarBindValue::EndOfMibView => sink.value(ValueRef::EndOfMibView),
        }
    }
    Ok(())
}

/// Full decode, materialized for verification.
pub fn decode_rasn(fixture: &Fixture) -> Result<Decoded, PeerError> {
    let mut sink = CollectSink::default();
    decode(fixture, &mut sink)?;
    sink.finish().map_err(PeerError::Failed)
}

fn oid(dotted: &str) -> Result<ObjectIdentifier, PeerError> {
    let arcs = dotted
        .split('.')
        .map(|a| a.parse::<u32>())
        .collect::<Result<Vec<u32>, _>>()
        .map_err(failed("OID arc"))?;
    ObjectIdentifier::new(arcs).ok_or_else(|| PeerError::Failed(format!("bad OID {dotted}")))
}

fn octets(b: &[u8]) -> OctetString {
    OctetString::from_slice(b)
}

fn value(v: &NormalizedValue) -> Result<VarBindValue, PeerError> {
    use rasn_smi::v2::{Counter32, Counter64, Unsigned32};
    let syntax: ObjectSyntax = match v {
        NormalizedValue::Int(x) => Simple::Integer(Integer::from(*x)).into(),
        NormalizedValue::Str(x) => Simple::String(octets(x)).into(),
        NormalizedValue::Oid(x) => Simple::ObjectId(oid(x)?).into(),
        NormalizedValue::Ip(x) => App::Address(rasn_smi::v1::IpAddress((*x).into())).into(),
        NormalizedValue::Counter32(x) => App::Counter(Counter32 { 0: *x }).into(),
        NormalizedValue::Gauge32(x) => App::Unsigned(Unsigned32 { 0: *x }).into(),
        NormalizedValue::TimeTicks(x) => App::Ticks(TimeTicks { 0: *x }).into(),
        NormalizedValue::Opaque(_) => {
            // rasn-smi's `Opaque` can only be built by BER-encoding a value.
            return Err(PeerError::Unsupported("raw Opaque values".into()));
        }
        NormalizedValue::Counter64(x) => App::BigCounter(Counter64(*x)).into(),
        NormalizedValue::Null => return Ok(VarBindValue::Unspecified),
        NormalizedValue::NoSuchObject => return Ok(VarBindValue::NoSuchObject),
        NormalizedValue::NoSuchInstance => return Ok(VarBindValue::NoSuchInstance),
        NormalizedValue::EndOfMibView => return Ok(VarBindValue::EndOfMibView),
    };
    Ok(VarBindValue::Value(syntax))
}

fn pdus(spec: &MessageSpec) -> Result<Pdus, PeerError> {
    if spec.pdu_tag != 2 {
        return Err(PeerError::Unsupported(
            "only Response PDUs are built".into(),
        ));
    }
    let variable_bindings = spec
        .varbinds
        .iter()
        .map(|(name, v)| {
            Ok(VarBind {
                name: oid(name)?,
                value: value(v)?,
            })
        })
        .collect::<Result<Vec<_>, PeerError>>()?;
    Ok(Pdus::Response(Response(V2Pdu {
        request_id: spec.request_id,
        error_status: u32::try_from(spec.error_status).map_err(failed("error_status"))?,
        error_index: u32::try_from(spec.error_index).map_err(failed("error_index"))?,
        variable_bindings,
    })))
}

#[derive(Debug)]
enum Native {
    Community(v2c::Message<Pdus>),
    V3(v3::Message),
}

/// Prepared rasn encoder: the native message and a reused output buffer.
#[derive(Debug)]
pub struct RasnEncode {
    msg: Native,
    buf: Vec<u8>,
}

impl RasnEncode {
    fn encode(&mut self) -> Result<(), PeerError> {
        match &self.msg {
            Native::Community(m) => rasn::ber::encode_buf(m, &mut self.buf),
            Native::V3(m) => rasn::ber::encode_buf(m, &mut self.buf),
        }
        .map_err(failed("ber::encode_buf"))
    }
}

impl PreparedEncode for RasnEncode {
    fn encode_len(&mut self) -> Result<usize, PeerError> {
        self.encode()?;
        Ok(self.buf.len())
    }

    fn encode_vec(&mut self) -> Result<Vec<u8>, PeerError> {
        self.encode()?;
        Ok(self.buf.clone())
    }
}

/// Builds the rasn message for `fixture` (untimed).
pub fn prepare_encode(fixture: &Fixture) -> Result<Box<dyn PreparedEncode>, PeerError> {
    let spec = &fixture.spec;
    let data = pdus(spec)?;
    let msg = match &spec.envelope {
        Envelope::Community { version, community } => Native::Community(v2c::Message {
            version: Integer::from(*version),
            community: octets(community),
            data,
        }),
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
            let mut msg = v3::Message {
                version: Integer::from(3),
                global_data: v3::HeaderData {
                    message_id: Integer::from(*msg_id),
                    max_size: Integer::from(*max_size),
                    flags: octets(&[*flags]),
                    security_model: Integer::from(*security_model),
                },
                security_parameters: OctetString::from_static(b""),
                scoped_data: v3::ScopedPduData::CleartextPdu(v3::ScopedPdu {
                    engine_id: octets(context_engine_id),
                    name: octets(context_name),
                    data,
                }),
            };
            let usm = v3::USMSecurityParameters {
                authoritative_engine_id: octets(engine_id),
                authoritative_engine_boots: Integer::from(*engine_boots),
                authoritative_engine_time: Integer::from(*engine_time),
                user_name: octets(user_name),
                authentication_parameters: octets(auth_params),
                privacy_parameters: octets(priv_params),
            };
            msg.encode_security_parameters(rasn::Codec::Ber, &usm)
                .map_err(|e| PeerError::Failed(format!("encode_security_parameters: {e}")))?;
            Native::V3(msg)
        }
    };
    Ok(Box::new(RasnEncode {
        msg,
        buf: Vec::new(),
    }))
}

/// Encodes `fixture` with rasn into a fresh `Vec` (verification helper).
pub fn encode_rasn(fixture: &Fixture) -> Result<Vec<u8>, PeerError> {
    prepare_encode(fixture)?.encode_vec()
}
