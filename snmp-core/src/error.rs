//! Typed decode errors: what was wrong, in which field, at which byte offset.

use core::fmt;

use crate::pdu::PduType;

/// The field of an SNMP message in which a decode error occurred.
///
/// Names follow the ASN.1 modules of RFC 3416 (PDUs), RFC 3412 (v3 header) and RFC 3414 (USM).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Field {
    /// The outer `Message` SEQUENCE.
    Message,
    /// `version` / `msgVersion`.
    Version,
    /// `community` (v1/v2c).
    Community,
    /// The PDU itself (its tag and SEQUENCE).
    Pdu,
    /// `request-id`.
    RequestId,
    /// `error-status`.
    ErrorStatus,
    /// `error-index`.
    ErrorIndex,
    /// `non-repeaters` (GetBulkRequest).
    NonRepeaters,
    /// `max-repetitions` (GetBulkRequest).
    MaxRepetitions,
    /// `variable-bindings`.
    VarBindList,
    /// One `VarBind` SEQUENCE.
    VarBind,
    /// A `VarBind` name (OBJECT IDENTIFIER).
    Name,
    /// A `VarBind` value.
    Value,
    /// Trap-PDU `enterprise`.
    Enterprise,
    /// Trap-PDU `agent-addr`.
    AgentAddr,
    /// Trap-PDU `generic-trap`.
    GenericTrap,
    /// Trap-PDU `specific-trap`.
    SpecificTrap,
    /// Trap-PDU `time-stamp`.
    TimeStamp,
    /// v3 `msgGlobalData` (HeaderData).
    HeaderData,
    /// v3 `msgID`.
    MsgId,
    /// v3 `msgMaxSize`.
    MsgMaxSize,
    /// v3 `msgFlags`.
    MsgFlags,
    /// v3 `msgSecurityModel`.
    MsgSecurityModel,
    /// v3 `msgSecurityParameters`.
    SecurityParameters,
    /// USM `msgAuthoritativeEngineID`.
    EngineId,
    /// USM `msgAuthoritativeEngineBoots`.
    EngineBoots,
    /// USM `msgAuthoritativeEngineTime`.
    EngineTime,
    /// USM `msgUserName`.
    UserName,
    /// USM `msgAuthenticationParameters`.
    AuthParameters,
    /// USM `msgPrivacyParameters`.
    PrivParameters,
    /// v3 `msgData` (ScopedPduData).
    ScopedPduData,
    /// `ScopedPDU` SEQUENCE.
    ScopedPdu,
    /// ScopedPDU `contextEngineID`.
    ContextEngineId,
    /// ScopedPDU `contextName`.
    ContextName,
    /// The encrypted scoped PDU (`encryptedPDU`).
    EncryptedPdu,
    /// The contents of an Opaque value (net-snmp float/double/64-bit wrappers).
    OpaqueContent,
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = match self {
            Self::Message => "Message",
            Self::Version => "version",
            Self::Community => "community",
            Self::Pdu => "PDU",
            Self::RequestId => "request-id",
            Self::ErrorStatus => "error-status",
            Self::ErrorIndex => "error-index",
            Self::NonRepeaters => "non-repeaters",
            Self::MaxRepetitions => "max-repetitions",
            Self::VarBindList => "variable-bindings",
            Self::VarBind => "VarBind",
            Self::Name => "VarBind name",
            Self::Value => "VarBind value",
            Self::Enterprise => "enterprise",
            Self::AgentAddr => "agent-addr",
            Self::GenericTrap => "generic-trap",
            Self::SpecificTrap => "specific-trap",
            Self::TimeStamp => "time-stamp",
            Self::HeaderData => "msgGlobalData",
            Self::MsgId => "msgID",
            Self::MsgMaxSize => "msgMaxSize",
            Self::MsgFlags => "msgFlags",
            Self::MsgSecurityModel => "msgSecurityModel",
            Self::SecurityParameters => "msgSecurityParameters",
            Self::EngineId => "msgAuthoritativeEngineID",
            Self::EngineBoots => "msgAuthoritativeEngineBoots",
            Self::EngineTime => "msgAuthoritativeEngineTime",
            Self::UserName => "msgUserName",
            Self::AuthParameters => "msgAuthenticationParameters",
            Self::PrivParameters => "msgPrivacyParameters",
            Self::ScopedPduData => "msgData",
            Self::ScopedPdu => "ScopedPDU",
            Self::ContextEngineId => "contextEngineID",
            Self::ContextName => "contextName",
            Self::EncryptedPdu => "encryptedPDU",
            Self::OpaqueContent => "Opaque contents",
        };
        f.write_str(s)
    }
}

/// A limit from [`Limits`](crate::Limits) that the input exceeded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Limit {
    /// [`Limits::max_message_size`](crate::Limits::max_message_size).
    MessageSize,
    /// [`Limits::max_varbinds`](crate::Limits::max_varbinds).
    VarBinds,
    /// [`Limits::max_oid_arcs`](crate::Limits::max_oid_arcs).
    OidArcs,
}

impl fmt::Display for Limit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::MessageSize => "message size",
            Self::VarBinds => "varbind count",
            Self::OidArcs => "OID arc count",
        })
    }
}

/// What was wrong with an OBJECT IDENTIFIER, in BER or in dotted text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum OidError {
    /// The BER contents or the text were empty.
    #[error("empty OBJECT IDENTIFIER")]
    Empty,
    /// Fewer than two arcs (BER cannot encode a one-arc OID).
    #[error("an OBJECT IDENTIFIER needs at least two arcs")]
    TooFewArcs,
    /// More arcs than allowed (RFC 2578: at most 128).
    #[error("more than {max} arcs")]
    TooManyArcs {
        /// The limit in force.
        max: usize,
    },
    /// An arc above 2^32-1 (RFC 2578 section 3.5).
    #[error("arc {index} exceeds 4294967295")]
    ArcTooLarge {
        /// Zero-based arc index.
        index: usize,
    },
    /// A sub-identifier with a leading 0x80 byte (X.690 8.19.2 forbids it).
    #[error("sub-identifier at byte {position} has a non-minimal encoding")]
    NonMinimalArc {
        /// Byte position within the OID contents.
        position: usize,
    },
    /// The last sub-identifier has its continuation bit set.
    #[error("last sub-identifier is truncated")]
    TruncatedArc,
    /// The first arc is not 0, 1 or 2, or the second is 40 or more under 0 or 1.
    #[error("first arcs must be 0.0-39, 1.0-39 or 2.x")]
    InvalidFirstArcs,
    /// Dotted text that is not a sequence of decimal arcs.
    #[error("invalid character or empty arc at text position {position}")]
    InvalidText {
        /// Byte position within the text.
        position: usize,
    },
}

/// What was wrong with the input. See [`DecodeError`] for where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input ended early.
    #[error("truncated: needs {needed} more bytes, {available} available")]
    Truncated {
        /// Bytes the element declared or required.
        needed: usize,
        /// Bytes that were left.
        available: usize,
    },
    /// A different tag was required here.
    #[error("expected tag 0x{expected:02x}, found 0x{found:02x}")]
    UnexpectedTag {
        /// The tag required by the grammar.
        expected: u8,
        /// The tag found in the input.
        found: u8,
    },
    /// A tag that SNMP does not define at this position.
    #[error("unknown tag 0x{0:02x}")]
    UnknownTag(u8),
    /// High-tag-number form (low bits 0x1f): SNMP never uses it outside Opaque contents.
    #[error("high-tag-number form is not used by SNMP")]
    HighTagNumber,
    /// The indefinite length form (0x80): RFC 3417 section 8 forbids it.
    #[error("indefinite length is not allowed (RFC 3417)")]
    IndefiniteLength,
    /// A long-form length with more than four length octets, or the reserved 0xff.
    #[error("length uses {0} octets; at most 4 are supported")]
    LengthTooLong(u8),
    /// An INTEGER whose first nine bits are all zeros or all ones (X.690 8.3.2).
    #[error("non-minimal INTEGER encoding")]
    NonMinimalInteger,
    /// A zero-length INTEGER.
    #[error("zero-length INTEGER")]
    EmptyInteger,
    /// An INTEGER that does not fit the type's range.
    #[error("INTEGER out of range")]
    IntegerOutOfRange,
    /// An unsigned type (Counter32, Gauge32, TimeTicks, Counter64...) encoded as a negative number.
    #[error("unsigned value encoded as negative (missing leading 0x00)")]
    NegativeUnsigned,
    /// A value outside the range the RFC allows for this field.
    #[error("value {value} outside {min}..={max}")]
    OutOfRange {
        /// The value found.
        value: i64,
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: i64,
    },
    /// A primitive with a length the type forbids (NULL, IpAddress, exceptions, msgFlags...).
    #[error("length {found} is invalid here (expected {expected})")]
    InvalidLength {
        /// Human-readable description of the allowed lengths.
        expected: &'static str,
        /// The length found.
        found: usize,
    },
    /// A constructed encoding where a primitive is required, or the other way round.
    #[error("wrong primitive/constructed form")]
    WrongForm,
    /// An OBJECT IDENTIFIER that is not valid.
    #[error("invalid OBJECT IDENTIFIER: {0}")]
    Oid(OidError),
    /// Bytes left over after a complete element.
    #[error("{0} trailing bytes")]
    TrailingBytes(usize),
    /// A message version this crate does not speak.
    #[error("unsupported SNMP version {0}")]
    UnsupportedVersion(i64),
    /// A PDU type that the message's version does not allow (RFC 3584 section 2).
    #[error("{0:?} is not allowed in this SNMP version")]
    PduNotAllowed(PduType),
    /// A value type that SNMPv1 does not have (Counter64, exceptions).
    #[error("this value type does not exist in SNMPv1")]
    ValueNotInV1,
    /// msgFlags with privacy but no authentication, or reserved bits set.
    #[error("invalid msgFlags 0x{0:02x}")]
    InvalidMsgFlags(u8),
    /// A limit from [`Limits`](crate::Limits) was exceeded.
    #[error("{limit} limit of {max} exceeded")]
    LimitExceeded {
        /// Which limit.
        limit: Limit,
        /// Its configured value.
        max: usize,
    },
}

/// A decode error: what was wrong ([`ErrorKind`]), in which [`Field`], at which byte offset of
/// the input given to the decoder.
///
/// ```
/// use fleetwire_snmp::{ErrorKind, Field, Message};
///
/// // A v2c GetRequest cut off after its request-id: the message claims 28 content bytes.
/// let truncated = [0x30, 0x1c, 0x02, 0x01, 0x01, 0x04, 0x01, b'p', 0xa0, 0x14, 0x02, 0x01];
/// let err = Message::decode(&truncated).unwrap_err();
/// assert_eq!(err.kind, ErrorKind::Truncated { needed: 28, available: 10 });
/// assert_eq!((err.field, err.offset), (Field::Message, 0));
/// println!("{err}"); // what, in which field, at which byte
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("{kind} in {field} at byte {offset}")]
pub struct DecodeError {
    /// What was wrong.
    pub kind: ErrorKind,
    /// Where in the message structure.
    pub field: Field,
    /// Byte offset (from the start of the input) of the element that failed.
    pub offset: usize,
}

impl DecodeError {
    pub(crate) const fn new(kind: ErrorKind, field: Field, offset: usize) -> Self {
        Self {
            kind,
            field,
            offset,
        }
    }
}
