//! snmp2 0.5 (roboplc/snmp2), built with `default-features = false` (no tokio,
//! no v3, no crypto).
//!
//! Decode: `snmp2::Pdu::from_bytes(&[u8])` parses the envelope and PDU header
//! eagerly and leaves the varbind list as raw bytes; iterating
//! `pdu.varbinds` (a `Varbinds` iterator) parses each varbind lazily, yielding
//! `(asn1_rs::Oid<'_>, snmp2::Value<'_>)` that borrow the input. Arcs are
//! decoded when the OID is iterated. Nothing is allocated.
//!
//! Unsupported: SNMPv3 messages. `Pdu::from_bytes` returns
//! `UnsupportedVersion` without the `v3` feature, and with it
//! (`Pdu::from_bytes_with_security`) v3 decoding is tied to a mutable client
//! `Security` session state machine (engine discovery, key localization), not a
//! codec entry point.
//!
//! Encode: snmp2 has no public way to build a message from values (its
//! builders are `pub(crate)` and `Pdu` has a private field). The only public
//! encoder is `Pdu::to_bytes()`, which re-encodes a *parsed* `Pdu` (it
//! re-parses the raw varbinds into a `Vec`, then writes them into a 64 KiB
//! zeroed stack buffer and copies the result out). We time that transcode,
//! marked as such in the report. It writes Counter64 values >= 2^63 as
//! negative numbers (it casts `u64` to `i64`), so the mixed-20 scenario is
//! unsupported for encode.

use snmp2::{MessageType, Pdu, Value};

use super::failed;
use crate::fixtures::Fixture;
use crate::normalized::{CollectSink, Decoded, Field, Sink, ValueRef};
use crate::{PeerError, PreparedEncode};

fn check_version(fixture: &Fixture) -> Result<(), PeerError> {
    if fixture.spec.version() == 3 {
        return Err(PeerError::Unsupported(
            "SNMPv3 is only handled inside a client `Security` session (feature `v3`); no codec-level v3 decode/encode".into(),
        ));
    }
    Ok(())
}

fn pdu_tag(t: MessageType) -> i64 {
    match t {
        MessageType::GetRequest => 0,
        MessageType::GetNextRequest => 1,
        MessageType::Response => 2,
        MessageType::SetRequest => 3,
        MessageType::TrapV1 => 4,
        MessageType::GetBulkRequest => 5,
        MessageType::InformRequest => 6,
        MessageType::Trap => 7,
        MessageType::Report => 8,
    }
}

/// Decodes `fixture.wire` and reports everything to `sink`.
pub fn decode<S: Sink>(fixture: &Fixture, sink: &mut S) -> Result<(), PeerError> {
    check_version(fixture)?;
    let pdu = Pdu::from_bytes(&fixture.wire).map_err(failed("Pdu::from_bytes"))?;
    let version = pdu.version().map_err(failed("Pdu::version"))?;
    sink.int_field(Field::Version, version as i64);
    sink.bytes_field(Field::Community, pdu.community);
    sink.int_field(Field::PduType, pdu_tag(pdu.message_type));
    sink.int_field(Field::RequestId, i64::from(pdu.req_id));
    sink.int_field(Field::ErrorStatus, i64::from(pdu.error_status));
    sink.int_field(Field::ErrorIndex, i64::from(pdu.error_index));
    for (name, value) in pdu.varbinds.clone() {
        sink.name(
            name.iter()
                .ok_or_else(|| PeerError::Failed("OID arc beyond u64".into()))?,
        );
        match value {
            Value::Integer(v) => sink.value(ValueRef::Int(v)),
            Value::OctetString(v) => sink.value(ValueRef::Str(v)),
            Value::Null => sink.value(ValueRef::Null),
            Value::ObjectIdentifier(o) => sink.oid_value(
                o.iter()
                    .ok_or_else(|| PeerError::Failed("OID arc beyond u64".into()))?,
            ),
            Value::IpAddress(v) => sink.value(ValueRef::Ip(v)),
            Value::Counter32(v) => sink.value(ValueRef::Counter32(v)),
            Value::Unsigned32(v) => sink.value(ValueRef::Gauge32(v)),
            Value::Timeticks(v) => sink.value(ValueRef::TimeTicks(v)),
            Value::Opaque(v) => sink.value(ValueRef::Opaque(v)),
            Value::Counter64(v) => sink.value(ValueRef::Counter64(v)),
            Value::NoSuchObject => sink.value(ValueRef::NoSuchObject),
            Value::NoSuchInstance => sink.value(ValueRef::NoSuchInstance),
            Value::EndOfMibView => sink.value(ValueRef::EndOfMibView),
            other => {
                return Err(PeerError::Failed(format!("unexpected value {other:?}")));
            }
        }
    }
    Ok(())
}

/// Full decode, materialized for verification.
pub fn decode_snmp2(fixture: &Fixture) -> Result<Decoded, PeerError> {
    let mut sink = CollectSink::default();
    decode(fixture, &mut sink)?;
    sink.finish().map_err(PeerError::Failed)
}

/// A parsed `Pdu` to re-encode (see the module docs).
#[derive(Debug)]
pub struct Snmp2Encode {
    pdu: Pdu<'static>,
}

impl PreparedEncode for Snmp2Encode {
    fn encode_len(&mut self) -> Result<usize, PeerError> {
        self.pdu
            .to_bytes()
            .map(|v| v.len())
            .map_err(failed("Pdu::to_bytes"))
    }

    fn encode_vec(&mut self) -> Result<Vec<u8>, PeerError> {
        self.pdu.to_bytes().map_err(failed("Pdu::to_bytes"))
    }
}

/// Parses the fixture into an snmp2 `Pdu` (untimed) for re-encoding.
pub fn prepare_encode(fixture: &Fixture) -> Result<Box<dyn PreparedEncode>, PeerError> {
    check_version(fixture)?;
    // `Pdu` borrows its input; leak one copy per fixture (a handful of bytes,
    // once per process) to get a self-contained encoder.
    let wire: &'static [u8] = Box::leak(fixture.wire.clone().into_boxed_slice());
    let pdu = Pdu::from_bytes(wire).map_err(failed("Pdu::from_bytes"))?;
    Ok(Box::new(Snmp2Encode { pdu }))
}

/// Re-encodes `fixture` with snmp2 into a fresh `Vec` (verification helper).
pub fn encode_snmp2(fixture: &Fixture) -> Result<Vec<u8>, PeerError> {
    prepare_encode(fixture)?.encode_vec()
}
