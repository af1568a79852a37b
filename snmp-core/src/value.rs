//! SMI values (RFC 2578 / RFC 3416 `ObjectSyntax`, plus the v2 exceptions) and the net-snmp
//! Opaque wrappers for floats and 64-bit integers.

use alloc::borrow::Cow;
use alloc::vec::Vec;

use crate::ber::{self, Ctx, Reader, Tlv, Writer, tag};
use crate::error::{DecodeError, ErrorKind, Field};
use crate::oid::{Oid, ZERO_DOT_ZERO};
use crate::options::AnomalyKind;

/// A varbind value. Borrowed from the input after decoding; `Value<'static>` owns its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum Value<'a> {
    /// INTEGER / Integer32 (range-checked to -2^31..2^31-1).
    Integer(i32),
    /// OCTET STRING.
    OctetString(Cow<'a, [u8]>),
    /// NULL (the value of every varbind in a request).
    Null,
    /// OBJECT IDENTIFIER.
    ObjectIdentifier(Oid<'a>),
    /// IpAddress (IPv4 only, 4 bytes).
    IpAddress([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// Gauge32, also known as Unsigned32 (the same tag).
    Gauge32(u32),
    /// TimeTicks, in hundredths of a second.
    TimeTicks(u32),
    /// Opaque: arbitrary BER wrapped in an OCTET STRING. See [`OpaqueValue`] for net-snmp's
    /// float, double and 64-bit encodings.
    Opaque(Cow<'a, [u8]>),
    /// NsapAddress (RFC 1442, obsolete but still seen).
    NsapAddress(Cow<'a, [u8]>),
    /// Counter64 (not in SNMPv1).
    Counter64(u64),
    /// UInteger32 (RFC 1442, obsolete but still seen).
    UInteger32(u32),
    /// noSuchObject exception (not in SNMPv1).
    NoSuchObject,
    /// noSuchInstance exception (not in SNMPv1).
    NoSuchInstance,
    /// endOfMibView exception (not in SNMPv1).
    EndOfMibView,
}

impl<'a> Value<'a> {
    /// The SMI name of the type, as used in the `fleetwire decode --json` output: `INTEGER`,
    /// `OCTET STRING`, `NULL`, `OBJECT IDENTIFIER`, `IpAddress`, `Counter32`, `Gauge32`,
    /// `TimeTicks`, `Opaque`, `NsapAddress`, `Counter64`, `UInteger32`, `noSuchObject`,
    /// `noSuchInstance`, `endOfMibView`.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::Integer(_) => "INTEGER",
            Self::OctetString(_) => "OCTET STRING",
            Self::Null => "NULL",
            Self::ObjectIdentifier(_) => "OBJECT IDENTIFIER",
            Self::IpAddress(_) => "IpAddress",
            Self::Counter32(_) => "Counter32",
            Self::Gauge32(_) => "Gauge32",
            Self::TimeTicks(_) => "TimeTicks",
            Self::Opaque(_) => "Opaque",
            Self::NsapAddress(_) => "NsapAddress",
            Self::Counter64(_) => "Counter64",
            Self::UInteger32(_) => "UInteger32",
            Self::NoSuchObject => "noSuchObject",
            Self::NoSuchInstance => "noSuchInstance",
            Self::EndOfMibView => "endOfMibView",
        }
    }

    /// The BER tag of this value.
    pub fn tag(&self) -> u8 {
        match self {
            Self::Integer(_) => tag::INTEGER,
            Self::OctetString(_) => tag::OCTET_STRING,
            Self::Null => tag::NULL,
            Self::ObjectIdentifier(_) => tag::OBJECT_IDENTIFIER,
            Self::IpAddress(_) => tag::IP_ADDRESS,
            Self::Counter32(_) => tag::COUNTER32,
            Self::Gauge32(_) => tag::GAUGE32,
            Self::TimeTicks(_) => tag::TIMETICKS,
            Self::Opaque(_) => tag::OPAQUE,
            Self::NsapAddress(_) => tag::NSAP_ADDRESS,
            Self::Counter64(_) => tag::COUNTER64,
            Self::UInteger32(_) => tag::UINTEGER32,
            Self::NoSuchObject => tag::NO_SUCH_OBJECT,
            Self::NoSuchInstance => tag::NO_SUCH_INSTANCE,
            Self::EndOfMibView => tag::END_OF_MIB_VIEW,
        }
    }

    /// True for noSuchObject, noSuchInstance and endOfMibView.
    pub fn is_exception(&self) -> bool {
        matches!(
            self,
            Self::NoSuchObject | Self::NoSuchInstance | Self::EndOfMibView
        )
    }

    /// The value as an unsigned or signed integer, for every integer-like type.
    pub fn as_i128(&self) -> Option<i128> {
        match *self {
            Self::Integer(v) => Some(i128::from(v)),
            Self::Counter32(v) | Self::Gauge32(v) | Self::TimeTicks(v) | Self::UInteger32(v) => {
                Some(i128::from(v))
            }
            Self::Counter64(v) => Some(i128::from(v)),
            _ => None,
        }
    }

    /// The bytes of an OCTET STRING, Opaque or NsapAddress.
    pub fn as_bytes(&self) -> Option<&[u8]> {
        match self {
            Self::OctetString(b) | Self::Opaque(b) | Self::NsapAddress(b) => Some(b),
            _ => None,
        }
    }

    /// Decodes an Opaque value's net-snmp wrapper, if it is one.
    pub fn opaque(&self) -> Option<Result<OpaqueValue, DecodeError>> {
        match self {
            Self::Opaque(b) => Some(OpaqueValue::decode(b)),
            _ => None,
        }
    }

    /// A borrowed view of this value.
    pub fn borrowed(&self) -> Value<'_> {
        match self {
            Self::OctetString(b) => Value::OctetString(Cow::Borrowed(b)),
            Self::Opaque(b) => Value::Opaque(Cow::Borrowed(b)),
            Self::NsapAddress(b) => Value::NsapAddress(Cow::Borrowed(b)),
            Self::ObjectIdentifier(o) => Value::ObjectIdentifier(o.borrowed()),
            Self::Integer(v) => Value::Integer(*v),
            Self::Null => Value::Null,
            Self::IpAddress(a) => Value::IpAddress(*a),
            Self::Counter32(v) => Value::Counter32(*v),
            Self::Gauge32(v) => Value::Gauge32(*v),
            Self::TimeTicks(v) => Value::TimeTicks(*v),
            Self::Counter64(v) => Value::Counter64(*v),
            Self::UInteger32(v) => Value::UInteger32(*v),
            Self::NoSuchObject => Value::NoSuchObject,
            Self::NoSuchInstance => Value::NoSuchInstance,
            Self::EndOfMibView => Value::EndOfMibView,
        }
    }

    /// An owned copy.
    pub fn into_owned(self) -> Value<'static> {
        match self {
            Self::OctetString(b) => Value::OctetString(Cow::Owned(b.into_owned())),
            Self::Opaque(b) => Value::Opaque(Cow::Owned(b.into_owned())),
            Self::NsapAddress(b) => Value::NsapAddress(Cow::Owned(b.into_owned())),
            Self::ObjectIdentifier(o) => Value::ObjectIdentifier(o.into_owned()),
            Self::Integer(v) => Value::Integer(v),
            Self::Null => Value::Null,
            Self::IpAddress(a) => Value::IpAddress(a),
            Self::Counter32(v) => Value::Counter32(v),
            Self::Gauge32(v) => Value::Gauge32(v),
            Self::TimeTicks(v) => Value::TimeTicks(v),
            Self::Counter64(v) => Value::Counter64(v),
            Self::UInteger32(v) => Value::UInteger32(v),
            Self::NoSuchObject => Value::NoSuchObject,
            Self::NoSuchInstance => Value::NoSuchInstance,
            Self::EndOfMibView => Value::EndOfMibView,
        }
    }

    /// Decodes one value element. `v1` forbids the types SNMPv1 lacks.
    pub(crate) fn decode(tlv: &Tlv<'a>, ctx: &mut Ctx, v1: bool) -> Result<Self, DecodeError> {
        let f = Field::Value;
        if tlv.tag & tag::CONSTRUCTED != 0 {
            return Err(tlv.err(ErrorKind::WrongForm, f));
        }
        let value = match tlv.tag {
            tag::INTEGER => {
                let v = ber::signed(tlv, f, ctx)?;
                Value::Integer(
                    i32::try_from(v).map_err(|_| tlv.err(ErrorKind::IntegerOutOfRange, f))?,
                )
            }
            tag::OCTET_STRING => Value::OctetString(Cow::Borrowed(tlv.content)),
            tag::NULL => {
                empty(tlv)?;
                Value::Null
            }
            tag::OBJECT_IDENTIFIER => Value::ObjectIdentifier(decode_oid(tlv, f, ctx, true)?),
            tag::IP_ADDRESS => Value::IpAddress(tlv.content.try_into().map_err(|_| {
                tlv.err(
                    ErrorKind::InvalidLength {
                        expected: "4",
                        found: tlv.content.len(),
                    },
                    f,
                )
            })?),
            tag::COUNTER32 => Value::Counter32(u32_of(tlv, ctx)?),
            tag::GAUGE32 => Value::Gauge32(u32_of(tlv, ctx)?),
            tag::TIMETICKS => Value::TimeTicks(u32_of(tlv, ctx)?),
            tag::UINTEGER32 => Value::UInteger32(u32_of(tlv, ctx)?),
            tag::OPAQUE => Value::Opaque(Cow::Borrowed(tlv.content)),
            tag::NSAP_ADDRESS => Value::NsapAddress(Cow::Borrowed(tlv.content)),
            tag::COUNTER64 if !v1 => Value::Counter64(ber::unsigned(tlv, f, ctx, 64)?),
            tag::NO_SUCH_OBJECT | tag::NO_SUCH_INSTANCE | tag::END_OF_MIB_VIEW if !v1 => {
                empty(tlv)?;
                match tlv.tag {
                    tag::NO_SUCH_OBJECT => Value::NoSuchObject,
                    tag::NO_SUCH_INSTANCE => Value::NoSuchInstance,
                    _ => Value::EndOfMibView,
                }
            }
            tag::COUNTER64 | tag::NO_SUCH_OBJECT | tag::NO_SUCH_INSTANCE | tag::END_OF_MIB_VIEW => {
                return Err(tlv.err(ErrorKind::ValueNotInV1, f));
            }
            other => return Err(tlv.err(ErrorKind::UnknownTag(other), f)),
        };
        Ok(value)
    }

    /// Appends this value's BER encoding.
    /// The size of this value's encoding (what [`encode`](Self::encode) appends).
    pub(crate) fn encoded_len(&self) -> usize {
        ber::tlv_len(match self {
            Self::Integer(v) => ber::integer_len(i64::from(*v)),
            Self::OctetString(b) | Self::Opaque(b) | Self::NsapAddress(b) => b.len(),
            Self::ObjectIdentifier(o) => o.as_ber().len(),
            Self::IpAddress(a) => a.len(),
            Self::Counter32(v) | Self::Gauge32(v) | Self::TimeTicks(v) | Self::UInteger32(v) => {
                ber::unsigned_len(u64::from(*v))
            }
            Self::Counter64(v) => ber::unsigned_len(*v),
            Self::Null | Self::NoSuchObject | Self::NoSuchInstance | Self::EndOfMibView => 0,
        })
    }

    pub(crate) fn encode(&self, w: &mut Writer<'_>) {
        let t = self.tag();
        match self {
            Self::Integer(v) => w.integer(t, i64::from(*v)),
            Self::OctetString(b) | Self::Opaque(b) | Self::NsapAddress(b) => w.primitive(t, b),
            Self::ObjectIdentifier(o) => w.primitive(t, o.as_ber()),
            Self::IpAddress(a) => w.primitive(t, a),
            Self::Counter32(v) | Self::Gauge32(v) | Self::TimeTicks(v) | Self::UInteger32(v) => {
                w.unsigned(t, u64::from(*v));
            }
            Self::Counter64(v) => w.unsigned(t, *v),
            Self::Null | Self::NoSuchObject | Self::NoSuchInstance | Self::EndOfMibView => {
                w.primitive(t, &[]);
            }
        }
    }
}

fn empty(tlv: &Tlv<'_>) -> Result<(), DecodeError> {
    if tlv.content.is_empty() {
        Ok(())
    } else {
        Err(tlv.err(
            ErrorKind::InvalidLength {
                expected: "0",
                found: tlv.content.len(),
            },
            Field::Value,
        ))
    }
}

fn u32_of(tlv: &Tlv<'_>, ctx: &mut Ctx) -> Result<u32, DecodeError> {
    let v = ber::unsigned(tlv, Field::Value, ctx, 32)?;
    u32::try_from(v).map_err(|_| tlv.err(ErrorKind::IntegerOutOfRange, Field::Value))
}

/// Decodes an OBJECT IDENTIFIER element's contents under the configured limits; `value` says
/// whether the zero-length leniency applies (it does for varbind values only).
pub(crate) fn decode_oid<'a>(
    tlv: &Tlv<'a>,
    field: Field,
    ctx: &mut Ctx,
    value: bool,
) -> Result<Oid<'a>, DecodeError> {
    if tlv.content.is_empty() && value && ctx.opts.leniency.zero_length_oid {
        ctx.anomalies.record(AnomalyKind::ZeroLengthOid, tlv.offset);
        return Ok(Oid::from_validated(ZERO_DOT_ZERO));
    }
    if ctx.trusted {
        return Ok(Oid::from_validated(tlv.content));
    }
    let max = ctx.opts.limits.max_oid_arcs;
    Oid::from_ber_limited(tlv.content, max).map_err(|e| match e {
        crate::error::OidError::TooManyArcs { max } => tlv.err(
            ErrorKind::LimitExceeded {
                limit: crate::error::Limit::OidArcs,
                max,
            },
            field,
        ),
        other => tlv.err(ErrorKind::Oid(other), field),
    })
}

/// The contents of an Opaque value as net-snmp encodes floats and 64-bit integers
/// (`draft-perkins-opaque-01`): an inner BER element with a two-byte application tag
/// `9f 78..7b` inside the Opaque's OCTET STRING.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum OpaqueValue {
    /// `opaque float` (9f 78, 4 bytes IEEE 754 big-endian).
    Float(f32),
    /// `opaque double` (9f 79, 8 bytes IEEE 754 big-endian).
    Double(f64),
    /// `opaque counter64` (9f 76).
    Counter64(u64),
    /// `opaque int64` (9f 7a).
    I64(i64),
    /// `opaque uint64` (9f 7b).
    U64(u64),
}

const OPAQUE_COUNTER64: u8 = 0x76;
const OPAQUE_FLOAT: u8 = 0x78;
const OPAQUE_DOUBLE: u8 = 0x79;
const OPAQUE_I64: u8 = 0x7a;
const OPAQUE_U64: u8 = 0x7b;

impl OpaqueValue {
    /// Decodes the contents of an Opaque value (the bytes of [`Value::Opaque`]).
    pub fn decode(bytes: &[u8]) -> Result<Self, DecodeError> {
        let f = Field::OpaqueContent;
        // After the 0x9f escape octet, the kind octet (0x76..0x7b) reads as a one-octet tag.
        let inner = match bytes {
            [0x9f, inner @ ..] => inner,
            [other, ..] => return Err(DecodeError::new(ErrorKind::UnknownTag(*other), f, 0)),
            [] => {
                return Err(DecodeError::new(
                    ErrorKind::Truncated {
                        needed: 3,
                        available: 0,
                    },
                    f,
                    0,
                ));
            }
        };
        let mut ctx = Ctx::default();
        let mut r = Reader::new(inner, 1);
        let tlv = r.read(f, &mut ctx)?;
        r.finish(f)?;
        let kind = tlv.tag;
        let content = tlv.content;
        let wrong_len = |expected| {
            DecodeError::new(
                ErrorKind::InvalidLength {
                    expected,
                    found: content.len(),
                },
                f,
                2,
            )
        };
        Ok(match kind {
            OPAQUE_FLOAT => Self::Float(f32::from_be_bytes(
                content.try_into().map_err(|_| wrong_len("4"))?,
            )),
            OPAQUE_DOUBLE => Self::Double(f64::from_be_bytes(
                content.try_into().map_err(|_| wrong_len("8"))?,
            )),
            OPAQUE_I64 => {
                let v = ber::signed(&tlv, f, &mut ctx)?;
                Self::I64(i64::try_from(v).map_err(|_| tlv.err(ErrorKind::IntegerOutOfRange, f))?)
            }
            OPAQUE_COUNTER64 => Self::Counter64(ber::unsigned(&tlv, f, &mut ctx, 64)?),
            OPAQUE_U64 => Self::U64(ber::unsigned(&tlv, f, &mut ctx, 64)?),
            other => return Err(DecodeError::new(ErrorKind::UnknownTag(other), f, 1)),
        })
    }

    /// Encodes as the contents of an Opaque value; wrap the result in [`Value::Opaque`].
    ///
    /// ```
    /// use fleetwire_snmp::{OpaqueValue, Value};
    /// let v = Value::Opaque(OpaqueValue::Float(1.5).encode().into());
    /// assert_eq!(v.opaque(), Some(Ok(OpaqueValue::Float(1.5))));
    /// ```
    pub fn encode(&self) -> Vec<u8> {
        let mut inner = Vec::with_capacity(12);
        let mut w = Writer::new(&mut inner);
        match *self {
            Self::Float(v) => w.primitive(OPAQUE_FLOAT, &v.to_be_bytes()),
            Self::Double(v) => w.primitive(OPAQUE_DOUBLE, &v.to_be_bytes()),
            Self::Counter64(v) => w.unsigned(OPAQUE_COUNTER64, v),
            Self::I64(v) => w.integer(OPAQUE_I64, v),
            Self::U64(v) => w.unsigned(OPAQUE_U64, v),
        }
        let mut out = Vec::with_capacity(inner.len() + 1);
        out.push(0x9f);
        out.extend_from_slice(&inner);
        out
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn opaque_wrappers_round_trip() {
        for v in [
            OpaqueValue::Float(-2.25),
            OpaqueValue::Double(1e300),
            OpaqueValue::Counter64(u64::MAX),
            OpaqueValue::I64(i64::MIN),
            OpaqueValue::U64(1 << 63),
        ] {
            assert_eq!(OpaqueValue::decode(&v.encode()), Ok(v));
        }
        // net-snmp's encoding of float 3.5: 9f 78 04 40 60 00 00
        assert_eq!(
            OpaqueValue::decode(&[0x9f, 0x78, 0x04, 0x40, 0x60, 0, 0]),
            Ok(OpaqueValue::Float(3.5))
        );
        assert!(OpaqueValue::decode(&[0x9f, 0x78, 0x03, 0x40, 0x60, 0]).is_err());
        assert!(OpaqueValue::decode(&[0x04, 0x00]).is_err());
        assert!(OpaqueValue::decode(&[]).is_err());
    }
}
