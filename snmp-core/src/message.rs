//! SNMP messages: v1 and v2c (RFC 1157, RFC 1901) and v3 (RFC 3412 section 6, with the USM
//! security parameters of RFC 3414 section 2.4).

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use crate::ber::{Ctx, Reader, Writer, tag};
use crate::error::{DecodeError, ErrorKind, Field, Limit};
use crate::options::{Anomalies, AnomalyKind, DecodeOptions};
use crate::pdu::Pdu;

/// The SNMP message versions this crate speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Version {
    /// SNMPv1 (version 0).
    V1,
    /// Community-based SNMPv2c (version 1).
    V2c,
    /// SNMPv3 (version 3).
    V3,
}

impl Version {
    /// The `version` field's value on the wire.
    pub fn code(self) -> i64 {
        match self {
            Self::V1 => 0,
            Self::V2c => 1,
            Self::V3 => 3,
        }
    }

    /// The name used by net-snmp's `-v` flag and `fleetwire decode --json`: `1`, `2c`, `3`.
    pub fn name(self) -> &'static str {
        match self {
            Self::V1 => "1",
            Self::V2c => "2c",
            Self::V3 => "3",
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// An SNMP message.
///
/// ```
/// use fleetwire_snmp::{Message, Pdu, Value};
/// // snmpget -v2c -c public ... sysDescr.0, answered
/// let bytes = [
///     0x30, 0x29, 0x02, 0x01, 0x01, 0x04, 0x06, b'p', b'u', b'b', b'l', b'i', b'c',
///     0xa2, 0x1c, 0x02, 0x04, 0x12, 0x34, 0x56, 0x78, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00,
///     0x30, 0x0e, 0x30, 0x0c, 0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00,
///     0x04, 0x00,
/// ];
/// let msg = Message::decode(&bytes)?;
/// assert_eq!(msg.community(), Some(&b"public"[..]));
/// let pdu = msg.pdu().unwrap();
/// assert_eq!(pdu.request_id(), Some(0x12345678));
/// let vb = pdu.varbinds().iter().next().unwrap();
/// assert_eq!(vb.name.to_string(), "1.3.6.1.2.1.1.1.0");
/// assert_eq!(vb.value, Value::OctetString(b""[..].into()));
///
/// let mut out = Vec::new();
/// msg.encode(&mut out);
/// assert_eq!(out, bytes);
/// # Ok::<(), fleetwire_snmp::DecodeError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message<'a> {
    /// SNMPv1.
    V1(CommunityMessage<'a>),
    /// SNMPv2c.
    V2c(CommunityMessage<'a>),
    /// SNMPv3.
    V3(V3Message<'a>),
}

/// The body of a v1 or v2c message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommunityMessage<'a> {
    /// The community string.
    pub community: Cow<'a, [u8]>,
    /// The PDU.
    pub pdu: Pdu<'a>,
}

/// An SNMPv3 message (RFC 3412 section 6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct V3Message<'a> {
    /// `msgGlobalData`.
    pub header: HeaderData,
    /// `msgSecurityParameters`, decoded when the security model is USM.
    pub security_parameters: SecurityParameters<'a>,
    /// `msgData`.
    pub data: ScopedPduData<'a>,
}

/// `HeaderData` of an SNMPv3 message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct HeaderData {
    /// `msgID` (0..2147483647).
    pub msg_id: u32,
    /// `msgMaxSize` (484..2147483647): the largest message the sender can receive.
    pub max_size: u32,
    /// `msgFlags`.
    pub flags: MsgFlags,
    /// `msgSecurityModel` (1..2147483647); see [`SECURITY_MODEL_USM`].
    pub security_model: u32,
}

/// The User-based Security Model's number in `msgSecurityModel`.
pub const SECURITY_MODEL_USM: u32 = 3;

/// `msgFlags`: the security level and whether a Report may be sent back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct MsgFlags {
    /// authFlag.
    pub auth: bool,
    /// privFlag (requires `auth`).
    pub privacy: bool,
    /// reportableFlag.
    pub reportable: bool,
}

impl MsgFlags {
    /// The flags octet.
    pub fn bits(self) -> u8 {
        u8::from(self.auth) | (u8::from(self.privacy) << 1) | (u8::from(self.reportable) << 2)
    }

    /// Parses the flags octet: reserved bits must be zero, and privacy needs authentication
    /// (RFC 3412 section 7.2 step 5).
    pub fn from_bits(bits: u8) -> Option<Self> {
        if bits & !0x07 != 0 || bits & 0x03 == 0x02 {
            return None;
        }
        Some(Self {
            auth: bits & 1 != 0,
            privacy: bits & 2 != 0,
            reportable: bits & 4 != 0,
        })
    }
}

/// `msgSecurityParameters`: decoded for USM, kept as bytes for any other security model.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SecurityParameters<'a> {
    /// USM's `UsmSecurityParameters`.
    Usm(UsmSecurityParameters<'a>),
    /// Another model's parameters, undecoded.
    Other(Cow<'a, [u8]>),
}

/// `UsmSecurityParameters` (RFC 3414 section 2.4).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct UsmSecurityParameters<'a> {
    /// `msgAuthoritativeEngineID`: empty (discovery) or 5 to 32 bytes.
    pub engine_id: Cow<'a, [u8]>,
    /// `msgAuthoritativeEngineBoots` (0..2147483647).
    pub engine_boots: u32,
    /// `msgAuthoritativeEngineTime` (0..2147483647), seconds.
    pub engine_time: u32,
    /// `msgUserName`: 0 to 32 bytes.
    pub user_name: Cow<'a, [u8]>,
    /// `msgAuthenticationParameters`: the truncated HMAC, or empty.
    pub auth_parameters: Cow<'a, [u8]>,
    /// `msgPrivacyParameters`: the salt, or empty.
    pub priv_parameters: Cow<'a, [u8]>,
}

/// `msgData`: a plaintext scoped PDU or the encrypted one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ScopedPduData<'a> {
    /// A plaintext `ScopedPDU`.
    Plaintext(ScopedPdu<'a>),
    /// `encryptedPDU`: to be decrypted by the security model.
    Encrypted(Cow<'a, [u8]>),
}

/// `ScopedPDU` (RFC 3412 section 6.8).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ScopedPdu<'a> {
    /// `contextEngineID`: empty or 5 to 32 bytes.
    pub context_engine_id: Cow<'a, [u8]>,
    /// `contextName` (SnmpAdminString, at most 255 bytes).
    pub context_name: Cow<'a, [u8]>,
    /// The PDU.
    pub pdu: Pdu<'a>,
}

fn engine_id_ok(id: &[u8]) -> bool {
    id.is_empty() || (5..=32).contains(&id.len())
}

fn bytes_with_len<'a>(
    r: &mut Reader<'a>,
    field: Field,
    ctx: &mut Ctx,
    expected: &'static str,
    ok: impl Fn(&[u8]) -> bool,
) -> Result<&'a [u8], DecodeError> {
    let offset = r.offset();
    let bytes = r.octet_string(field, ctx)?;
    if !ok(bytes) {
        return Err(DecodeError::new(
            ErrorKind::InvalidLength {
                expected,
                found: bytes.len(),
            },
            field,
            offset,
        ));
    }
    Ok(bytes)
}

impl<'a> ScopedPdu<'a> {
    /// Decodes a plaintext scoped PDU that starts at the beginning of `bytes` (for example the
    /// output of decryption) and returns it with the number of bytes it occupied, so the caller
    /// can check what follows (privacy padding).
    pub fn decode_prefix(
        bytes: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<(Self, usize, Anomalies), DecodeError> {
        let mut ctx = Ctx::new(*opts);
        if let Some(fast) = fast::scoped_pdu_prefix(bytes, &mut ctx) {
            return fast.map(|(pdu, used)| (pdu, used, ctx.anomalies));
        }
        Self::decode_prefix_general(bytes, &mut ctx).map(|(pdu, used)| (pdu, used, ctx.anomalies))
    }

    /// The general decoder of [`decode_prefix`](Self::decode_prefix).
    #[inline(never)]
    fn decode_prefix_general(bytes: &'a [u8], ctx: &mut Ctx) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes, 0);
        let mut seq = r.sequence(Field::ScopedPdu, ctx)?;
        let pdu = Self::decode_body(&mut seq, ctx)?;
        Ok((pdu, r.offset()))
    }

    /// Both decoders of [`decode_prefix`](Self::decode_prefix) separately, for testing.
    #[cfg(test)]
    #[allow(clippy::type_complexity)]
    pub(crate) fn decode_prefix_paths_for_test(
        bytes: &'a [u8],
        opts: &DecodeOptions,
    ) -> (
        Option<Result<(Self, usize), DecodeError>>,
        Result<(Self, usize), DecodeError>,
    ) {
        let fast = fast::scoped_pdu_prefix(bytes, &mut Ctx::new(*opts));
        (
            fast,
            Self::decode_prefix_general(bytes, &mut Ctx::new(*opts)),
        )
    }

    fn decode_body(r: &mut Reader<'a>, ctx: &mut Ctx) -> Result<Self, DecodeError> {
        let context_engine_id =
            bytes_with_len(r, Field::ContextEngineId, ctx, "0 or 5..=32", engine_id_ok)?;
        let context_name =
            bytes_with_len(r, Field::ContextName, ctx, "0..=255", |b| b.len() <= 255)?;
        let pdu = Pdu::decode(r, ctx, false)?;
        r.finish(Field::ScopedPdu)?;
        Ok(Self {
            context_engine_id: Cow::Borrowed(context_engine_id),
            context_name: Cow::Borrowed(context_name),
            pdu,
        })
    }

    /// Appends this scoped PDU's encoding (the plaintext that privacy encrypts).
    pub fn encode(&self, buf: &mut Vec<u8>) {
        self.encode_into(&mut Writer::new(buf));
    }

    fn encode_into(&self, w: &mut Writer<'_>) {
        w.nested(tag::SEQUENCE, |w| {
            w.primitive(tag::OCTET_STRING, &self.context_engine_id);
            w.primitive(tag::OCTET_STRING, &self.context_name);
            self.pdu.encode(w);
        });
    }

    /// An owned copy.
    pub fn into_owned(self) -> ScopedPdu<'static> {
        ScopedPdu {
            context_engine_id: Cow::Owned(self.context_engine_id.into_owned()),
            context_name: Cow::Owned(self.context_name.into_owned()),
            pdu: self.pdu.into_owned(),
        }
    }
}

impl<'a> UsmSecurityParameters<'a> {
    /// Decodes the contents of `msgSecurityParameters` for USM. `base` is the absolute offset
    /// of `bytes` in the message, for error offsets.
    fn decode(bytes: &'a [u8], base: usize, ctx: &mut Ctx) -> Result<Self, DecodeError> {
        let mut outer = Reader::new(bytes, base);
        let mut r = outer.sequence(Field::SecurityParameters, ctx)?;
        outer.finish(Field::SecurityParameters)?;
        let engine_id = bytes_with_len(&mut r, Field::EngineId, ctx, "0 or 5..=32", engine_id_ok)?;
        let engine_boots = r.non_negative_i32(Field::EngineBoots, ctx)?;
        let engine_time = r.non_negative_i32(Field::EngineTime, ctx)?;
        let user_name = bytes_with_len(&mut r, Field::UserName, ctx, "0..=32", |b| b.len() <= 32)?;
        let auth_parameters = r.octet_string(Field::AuthParameters, ctx)?;
        let priv_parameters = r.octet_string(Field::PrivParameters, ctx)?;
        r.finish(Field::SecurityParameters)?;
        Ok(Self {
            engine_id: Cow::Borrowed(engine_id),
            engine_boots,
            engine_time,
            user_name: Cow::Borrowed(user_name),
            auth_parameters: Cow::Borrowed(auth_parameters),
            priv_parameters: Cow::Borrowed(priv_parameters),
        })
    }

    /// Appends the `UsmSecurityParameters` SEQUENCE (the contents of msgSecurityParameters).
    pub fn encode(&self, buf: &mut Vec<u8>) {
        self.encode_into(&mut Writer::new(buf));
    }

    fn encode_into(&self, w: &mut Writer<'_>) {
        w.nested(tag::SEQUENCE, |w| {
            w.primitive(tag::OCTET_STRING, &self.engine_id);
            w.integer(tag::INTEGER, i64::from(self.engine_boots));
            w.integer(tag::INTEGER, i64::from(self.engine_time));
            w.primitive(tag::OCTET_STRING, &self.user_name);
            w.primitive(tag::OCTET_STRING, &self.auth_parameters);
            w.primitive(tag::OCTET_STRING, &self.priv_parameters);
        });
    }

    /// An owned copy.
    pub fn into_owned(self) -> UsmSecurityParameters<'static> {
        UsmSecurityParameters {
            engine_id: Cow::Owned(self.engine_id.into_owned()),
            engine_boots: self.engine_boots,
            engine_time: self.engine_time,
            user_name: Cow::Owned(self.user_name.into_owned()),
            auth_parameters: Cow::Owned(self.auth_parameters.into_owned()),
            priv_parameters: Cow::Owned(self.priv_parameters.into_owned()),
        }
    }
}

impl<'a> Message<'a> {
    /// Decodes a message strictly, with default limits, borrowing from `bytes`.
    pub fn decode(bytes: &'a [u8]) -> Result<Self, DecodeError> {
        Self::decode_in(bytes, &mut Ctx::new(DecodeOptions::default()))
    }

    /// Decodes a message with the given limits and leniency; returns the deviations tolerated.
    ///
    /// ```
    /// use fleetwire_snmp::{AnomalyKind, DecodeOptions, Leniency, Message};
    /// // A v2c message followed by two stray bytes, as some devices send.
    /// let mut bytes = vec![0x30, 0x1c, 0x02, 0x01, 0x01, 0x04, 0x01, b'p', 0xa0, 0x14,
    ///     0x02, 0x01, 0x01, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x09, 0x30, 0x07,
    ///     0x06, 0x03, 0x2b, 0x06, 0x01, 0x05, 0x00];
    /// bytes.extend_from_slice(&[0, 0]);
    /// assert!(Message::decode(&bytes).is_err());
    /// let mut leniency = Leniency::default();
    /// leniency.trailing_bytes = true;
    /// let opts = DecodeOptions::default().with_leniency(leniency);
    /// let (_msg, anomalies) = Message::decode_with(&bytes, &opts)?;
    /// assert_eq!(anomalies.count(AnomalyKind::TrailingBytes), 1);
    /// # Ok::<(), fleetwire_snmp::DecodeError>(())
    /// ```
    pub fn decode_with(
        bytes: &'a [u8],
        opts: &DecodeOptions,
    ) -> Result<(Self, Anomalies), DecodeError> {
        let mut ctx = Ctx::new(*opts);
        let msg = Self::decode_in(bytes, &mut ctx)?;
        Ok((msg, ctx.anomalies))
    }

    fn decode_in(bytes: &'a [u8], ctx: &mut Ctx) -> Result<Self, DecodeError> {
        let opts = ctx.opts;
        if bytes.len() > opts.limits.max_message_size {
            return Err(DecodeError::new(
                ErrorKind::LimitExceeded {
                    limit: Limit::MessageSize,
                    max: opts.limits.max_message_size,
                },
                Field::Message,
                0,
            ));
        }
        if let Some(result) = Self::decode_fast(bytes, ctx) {
            return result;
        }
        Self::decode_general(bytes, ctx)
    }

    /// The fast path: see [`fast`].
    #[inline]
    fn decode_fast(bytes: &'a [u8], ctx: &mut Ctx) -> Option<Result<Self, DecodeError>> {
        fast::message(bytes, ctx)
    }

    /// Both decoders separately, for testing the fast path against the general one.
    #[cfg(test)]
    pub(crate) fn decode_paths_for_test(
        bytes: &'a [u8],
        opts: &DecodeOptions,
    ) -> (Option<Result<Self, DecodeError>>, Result<Self, DecodeError>) {
        let fast = Self::decode_fast(bytes, &mut Ctx::new(*opts));
        (fast, Self::decode_general(bytes, &mut Ctx::new(*opts)))
    }

    /// The general decoder: every form the options allow, with precise errors.
    #[inline(never)]
    fn decode_general(bytes: &'a [u8], ctx: &mut Ctx) -> Result<Self, DecodeError> {
        let opts = ctx.opts;
        let mut outer = Reader::new(bytes, 0);
        let mut r = outer.sequence(Field::Message, ctx)?;
        if !outer.is_empty() {
            if opts.leniency.trailing_bytes {
                ctx.anomalies
                    .record(AnomalyKind::TrailingBytes, outer.offset());
            } else {
                outer.finish(Field::Message)?;
            }
        }
        let version_offset = r.offset();
        let version = r.integer_in(Field::Version, ctx, i64::MIN, i64::MAX)?;
        let msg = match version {
            0 | 1 => {
                let community = r.octet_string(Field::Community, ctx)?;
                let pdu = Pdu::decode(&mut r, ctx, version == 0)?;
                let body = CommunityMessage {
                    community: Cow::Borrowed(community),
                    pdu,
                };
                if version == 0 {
                    Message::V1(body)
                } else {
                    Message::V2c(body)
                }
            }
            3 => Message::V3(V3Message::decode_body(&mut r, ctx)?),
            other => {
                return Err(DecodeError::new(
                    ErrorKind::UnsupportedVersion(other),
                    Field::Version,
                    version_offset,
                ));
            }
        };
        r.finish(Field::Message)?;
        Ok(msg)
    }

    /// Appends this message's BER encoding to `buf` (which the caller may reuse).
    pub fn encode(&self, buf: &mut Vec<u8>) {
        let mut w = Writer::new(buf);
        w.nested(tag::SEQUENCE, |w| {
            w.integer(tag::INTEGER, self.version().code());
            match self {
                Self::V1(m) | Self::V2c(m) => {
                    w.primitive(tag::OCTET_STRING, &m.community);
                    m.pdu.encode(w);
                }
                Self::V3(m) => m.encode_body(w),
            }
        });
    }

    /// The encoding in a new buffer.
    pub fn to_vec(&self) -> Vec<u8> {
        let mut buf = Vec::new();
        self.encode(&mut buf);
        buf
    }

    /// This message's version.
    pub fn version(&self) -> Version {
        match self {
            Self::V1(_) => Version::V1,
            Self::V2c(_) => Version::V2c,
            Self::V3(_) => Version::V3,
        }
    }

    /// The community of a v1/v2c message.
    pub fn community(&self) -> Option<&[u8]> {
        match self {
            Self::V1(m) | Self::V2c(m) => Some(&m.community),
            Self::V3(_) => None,
        }
    }

    /// The PDU, unless it is encrypted.
    pub fn pdu(&self) -> Option<&Pdu<'a>> {
        match self {
            Self::V1(m) | Self::V2c(m) => Some(&m.pdu),
            Self::V3(m) => match &m.data {
                ScopedPduData::Plaintext(s) => Some(&s.pdu),
                ScopedPduData::Encrypted(_) => None,
            },
        }
    }

    /// An owned copy.
    pub fn into_owned(self) -> Message<'static> {
        fn c(m: CommunityMessage<'_>) -> CommunityMessage<'static> {
            CommunityMessage {
                community: Cow::Owned(m.community.into_owned()),
                pdu: m.pdu.into_owned(),
            }
        }
        match self {
            Self::V1(m) => Message::V1(c(m)),
            Self::V2c(m) => Message::V2c(c(m)),
            Self::V3(m) => Message::V3(m.into_owned()),
        }
    }
}

impl V3Message<'_> {
    /// The byte range of the `msgAuthenticationParameters` contents in an encoded SNMPv3 USM
    /// message, found by walking only the header elements (nothing is decoded or copied).
    /// USM authentication zeroes and fills exactly these bytes.
    ///
    /// ```
    /// use std::borrow::Cow;
    /// use fleetwire_snmp::{HeaderData, Message, MsgFlags, SECURITY_MODEL_USM, ScopedPduData,
    ///     SecurityParameters, UsmSecurityParameters, V3Message};
    /// let msg = Message::V3(V3Message {
    ///     header: HeaderData { msg_id: 1, max_size: 1500, flags: MsgFlags::default(),
    ///         security_model: SECURITY_MODEL_USM },
    ///     security_parameters: SecurityParameters::Usm(UsmSecurityParameters {
    ///         auth_parameters: Cow::Borrowed(&[0xaa; 12]),
    ///         ..Default::default()
    ///     }),
    ///     data: ScopedPduData::Encrypted(Cow::Borrowed(b"x")),
    /// });
    /// let bytes = msg.to_vec();
    /// let range = V3Message::locate_auth_parameters(&bytes)?;
    /// assert_eq!(&bytes[range], &[0xaa; 12]);
    /// # Ok::<(), fleetwire_snmp::DecodeError>(())
    /// ```
    pub fn locate_auth_parameters(bytes: &[u8]) -> Result<core::ops::Range<usize>, DecodeError> {
        let mut ctx = Ctx::new(DecodeOptions::default());
        let mut outer = Reader::new(bytes, 0);
        let mut r = outer.sequence(Field::Message, &mut ctx)?;
        r.expect(tag::INTEGER, Field::Version, &mut ctx)?;
        r.expect(tag::SEQUENCE, Field::HeaderData, &mut ctx)?;
        let sp = r.expect(tag::OCTET_STRING, Field::SecurityParameters, &mut ctx)?;
        let mut usm = sp.reader().sequence(Field::SecurityParameters, &mut ctx)?;
        usm.expect(tag::OCTET_STRING, Field::EngineId, &mut ctx)?;
        usm.expect(tag::INTEGER, Field::EngineBoots, &mut ctx)?;
        usm.expect(tag::INTEGER, Field::EngineTime, &mut ctx)?;
        usm.expect(tag::OCTET_STRING, Field::UserName, &mut ctx)?;
        let auth = usm.expect(tag::OCTET_STRING, Field::AuthParameters, &mut ctx)?;
        Ok(auth.content_offset..auth.content_offset + auth.content.len())
    }

    /// The length of the Message element at the start of `bytes` (header and contents): what
    /// a MAC covers when a lenient decode tolerated bytes after the message.
    pub(crate) fn extent(bytes: &[u8]) -> Result<usize, DecodeError> {
        let mut ctx = Ctx::new(DecodeOptions::default());
        let mut outer = Reader::new(bytes, 0);
        outer.sequence(Field::Message, &mut ctx)?;
        Ok(outer.offset())
    }

    /// Appends a v3 message whose `msgData` is already encoded: the BER of a plaintext
    /// ScopedPDU, or (when `encrypted`) the contents of the `encryptedPDU` OCTET STRING.
    pub(crate) fn encode_raw(
        header: &HeaderData,
        usm: &UsmSecurityParameters<'_>,
        data: &[u8],
        encrypted: bool,
        buf: &mut Vec<u8>,
    ) {
        let mut w = Writer::new(buf);
        w.nested(tag::SEQUENCE, |w| {
            w.integer(tag::INTEGER, Version::V3.code());
            w.nested(tag::SEQUENCE, |w| {
                w.integer(tag::INTEGER, i64::from(header.msg_id));
                w.integer(tag::INTEGER, i64::from(header.max_size));
                w.primitive(tag::OCTET_STRING, &[header.flags.bits()]);
                w.integer(tag::INTEGER, i64::from(header.security_model));
            });
            w.nested(tag::OCTET_STRING, |w| usm.encode_into(w));
            if encrypted {
                w.primitive(tag::OCTET_STRING, data);
            } else {
                w.raw(data);
            }
        });
    }
}

impl<'a> V3Message<'a> {
    fn decode_body(r: &mut Reader<'a>, ctx: &mut Ctx) -> Result<Self, DecodeError> {
        let mut g = r.sequence(Field::HeaderData, ctx)?;
        let msg_id = g.non_negative_i32(Field::MsgId, ctx)?;
        let max_size = g.integer_in(Field::MsgMaxSize, ctx, 484, i64::from(i32::MAX))?;
        let flags_offset = g.offset();
        let flags = g.octet_string(Field::MsgFlags, ctx)?;
        let flags = match flags {
            [bits] => MsgFlags::from_bits(*bits).ok_or(DecodeError::new(
                ErrorKind::InvalidMsgFlags(*bits),
                Field::MsgFlags,
                flags_offset,
            ))?,
            _ => {
                return Err(DecodeError::new(
                    ErrorKind::InvalidLength {
                        expected: "1",
                        found: flags.len(),
                    },
                    Field::MsgFlags,
                    flags_offset,
                ));
            }
        };
        let security_model = g.integer_in(Field::MsgSecurityModel, ctx, 1, i64::from(i32::MAX))?;
        g.finish(Field::HeaderData)?;
        let header = HeaderData {
            msg_id,
            max_size: u32::try_from(max_size).unwrap_or_default(),
            flags,
            security_model: u32::try_from(security_model).unwrap_or_default(),
        };
        let sp = r.expect(tag::OCTET_STRING, Field::SecurityParameters, ctx)?;
        let security_parameters = if header.security_model == SECURITY_MODEL_USM {
            SecurityParameters::Usm(UsmSecurityParameters::decode(
                sp.content,
                sp.content_offset,
                ctx,
            )?)
        } else {
            SecurityParameters::Other(Cow::Borrowed(sp.content))
        };
        let expected = if flags.privacy {
            tag::OCTET_STRING
        } else {
            tag::SEQUENCE
        };
        let d = r.expect(expected, Field::ScopedPduData, ctx)?;
        let data = if flags.privacy {
            ScopedPduData::Encrypted(Cow::Borrowed(d.content))
        } else {
            ScopedPduData::Plaintext(ScopedPdu::decode_body(&mut d.reader(), ctx)?)
        };
        Ok(Self {
            header,
            security_parameters,
            data,
        })
    }

    fn encode_body(&self, w: &mut Writer<'_>) {
        let h = &self.header;
        w.nested(tag::SEQUENCE, |w| {
            w.integer(tag::INTEGER, i64::from(h.msg_id));
            w.integer(tag::INTEGER, i64::from(h.max_size));
            w.primitive(tag::OCTET_STRING, &[h.flags.bits()]);
            w.integer(tag::INTEGER, i64::from(h.security_model));
        });
        w.nested(tag::OCTET_STRING, |w| match &self.security_parameters {
            SecurityParameters::Usm(p) => p.encode_into(w),
            SecurityParameters::Other(bytes) => w.raw(bytes),
        });
        match &self.data {
            ScopedPduData::Plaintext(s) => s.encode_into(w),
            ScopedPduData::Encrypted(bytes) => w.primitive(tag::OCTET_STRING, bytes),
        }
    }

    /// An owned copy.
    pub fn into_owned(self) -> V3Message<'static> {
        V3Message {
            header: self.header,
            security_parameters: match self.security_parameters {
                SecurityParameters::Usm(p) => SecurityParameters::Usm(p.into_owned()),
                SecurityParameters::Other(b) => {
                    SecurityParameters::Other(Cow::Owned(b.into_owned()))
                }
            },
            data: match self.data {
                ScopedPduData::Plaintext(s) => ScopedPduData::Plaintext(s.into_owned()),
                ScopedPduData::Encrypted(b) => ScopedPduData::Encrypted(Cow::Owned(b.into_owned())),
            },
        }
    }
}

/// The fast path for messages in canonical form: every element exactly filling its parent,
/// short or one/two-octet lengths, minimal integers of one to four bytes, values inside their
/// RFC ranges, USM as the v3 security model, and a PDU type the version allows (not the v1
/// Trap-PDU). Headers are matched in place; the varbind list is validated by the same code
/// as the general path. It accepts a subset of what the general decoder accepts, with the
/// same result, and returns `None` for everything else (unusual forms, leniency cases, every
/// header error) so the general path decides. The `fast_envelope_agrees_with_general_path`
/// test checks this.
mod fast {
    use alloc::borrow::Cow;

    use super::{
        CommunityMessage, HeaderData, Message, MsgFlags, SECURITY_MODEL_USM, ScopedPdu,
        ScopedPduData, SecurityParameters, UsmSecurityParameters, V3Message, engine_id_ok,
    };
    use crate::ber::{Ctx, Reader, small_length, small_signed, tag};
    use crate::error::DecodeError;
    use crate::pdu::{BulkPdu, ErrorStatus, GenericPdu, Pdu, PduType, VarBindList};

    /// The contents of `b` when its length header exactly covers the rest of `b`.
    #[inline]
    fn exact(b: &[u8]) -> Option<&[u8]> {
        let (len, n) = small_length(b)?;
        let body = b.get(n..)?;
        (body.len() == len).then_some(body)
    }

    /// An element with tag `t` at the start of `b`: its contents and what follows.
    #[inline]
    fn take(b: &[u8], t: u8) -> Option<(&[u8], &[u8])> {
        let [first, rest @ ..] = b else {
            return None;
        };
        if *first != t {
            return None;
        }
        let (len, n) = small_length(rest)?;
        rest.get(n..)?.split_at_checked(len)
    }

    /// An INTEGER (0..2147483647) at the start of `b`.
    #[inline]
    fn non_negative(b: &[u8]) -> Option<(u32, &[u8])> {
        let (c, rest) = take(b, tag::INTEGER)?;
        Some((u32::try_from(small_signed(c)?).ok()?, rest))
    }

    /// The PDU that starts `rest`, a suffix of the `total`-byte message.
    #[inline]
    fn pdu<'a>(
        rest: &'a [u8],
        total: usize,
        ctx: &mut Ctx,
        v1: bool,
    ) -> Option<Result<Pdu<'a>, DecodeError>> {
        let [pdu_tag, rest @ ..] = rest else {
            return None;
        };
        let pdu_type = PduType::from_tag(*pdu_tag)?;
        if pdu_type == PduType::Trap || (v1 && !pdu_type.in_v1()) {
            return None;
        }
        let body = exact(rest)?;
        let (id, rest) = take(body, tag::INTEGER)?;
        let request_id = i32::try_from(small_signed(id)?).ok()?;
        let [tag::INTEGER, 0x01, first, rest @ ..] = rest else {
            return None;
        };
        let (second, list) = non_negative(rest)?;
        let [tag::SEQUENCE, list_rest @ ..] = list else {
            return None;
        };
        exact(list_rest)?;
        // Header values first, in the general path's order, so that a message with several
        // faults reports the same (first) one.
        let (non_repeaters, error_status) = if pdu_type == PduType::GetBulkRequest {
            // non-repeaters in one octet: non-negative below 0x80.
            (
                (*first < 0x80).then_some(u32::from(*first))?,
                ErrorStatus::NoError,
            )
        } else {
            (0, ErrorStatus::from_code(i64::from(*first))?)
        };
        let mut r = Reader::new(list, total - list.len());
        let varbinds = match VarBindList::decode(&mut r, ctx, v1) {
            Ok(v) => v,
            Err(e) => return Some(Err(e)),
        };
        if pdu_type == PduType::GetBulkRequest {
            return Some(Ok(Pdu::GetBulkRequest(BulkPdu {
                request_id,
                non_repeaters,
                max_repetitions: second,
                varbinds,
            })));
        }
        let p = GenericPdu {
            request_id,
            error_status,
            error_index: second,
            varbinds,
        };
        Some(Ok(match pdu_type {
            PduType::GetRequest => Pdu::GetRequest(p),
            PduType::GetNextRequest => Pdu::GetNextRequest(p),
            PduType::Response => Pdu::Response(p),
            PduType::SetRequest => Pdu::SetRequest(p),
            PduType::InformRequest => Pdu::InformRequest(p),
            PduType::SnmpV2Trap => Pdu::SnmpV2Trap(p),
            _ => Pdu::Report(p),
        }))
    }

    /// A whole message; `None` leaves it to the general path.
    #[inline]
    pub(super) fn message<'a>(
        bytes: &'a [u8],
        ctx: &mut Ctx,
    ) -> Option<Result<Message<'a>, DecodeError>> {
        let [tag::SEQUENCE, rest @ ..] = bytes else {
            return None;
        };
        let body = exact(rest)?;
        let total = bytes.len();
        match body {
            [tag::INTEGER, 0x01, version @ (0 | 1), rest @ ..] => {
                let v1 = *version == 0;
                let (community, rest) = take(rest, tag::OCTET_STRING)?;
                let pdu = match pdu(rest, total, ctx, v1)? {
                    Ok(p) => p,
                    Err(e) => return Some(Err(e)),
                };
                let body = CommunityMessage {
                    community: Cow::Borrowed(community),
                    pdu,
                };
                Some(Ok(if v1 {
                    Message::V1(body)
                } else {
                    Message::V2c(body)
                }))
            }
            [tag::INTEGER, 0x01, 0x03, rest @ ..] => v3(rest, total, ctx),
            _ => None,
        }
    }

    /// The contents of a ScopedPDU SEQUENCE that ends the `total`-byte input.
    #[inline]
    fn scoped_body<'a>(
        scoped: &'a [u8],
        total: usize,
        ctx: &mut Ctx,
    ) -> Option<Result<ScopedPdu<'a>, DecodeError>> {
        let (context_engine_id, scoped) = take(scoped, tag::OCTET_STRING)?;
        let (context_name, scoped) = take(scoped, tag::OCTET_STRING)?;
        if !engine_id_ok(context_engine_id) || context_name.len() > 255 {
            return None;
        }
        Some(pdu(scoped, total, ctx, false)?.map(|pdu| ScopedPdu {
            context_engine_id: Cow::Borrowed(context_engine_id),
            context_name: Cow::Borrowed(context_name),
            pdu,
        }))
    }

    /// A plaintext ScopedPDU at the start of `bytes` (decrypted data, perhaps followed by
    /// privacy padding), and the number of bytes it occupies.
    #[inline]
    pub(super) fn scoped_pdu_prefix<'a>(
        bytes: &'a [u8],
        ctx: &mut Ctx,
    ) -> Option<Result<(ScopedPdu<'a>, usize), DecodeError>> {
        let (body, padding) = take(bytes, tag::SEQUENCE)?;
        let used = bytes.len() - padding.len();
        // Offsets count from the start of `bytes`, so the prefix is the whole input here.
        let prefix = bytes.get(..used)?;
        let body_start = used - body.len();
        let body = prefix.get(body_start..)?;
        Some(scoped_body(body, used, ctx)?.map(|s| (s, used)))
    }

    #[inline]
    fn v3<'a>(
        rest: &'a [u8],
        total: usize,
        ctx: &mut Ctx,
    ) -> Option<Result<Message<'a>, DecodeError>> {
        let (global, rest) = take(rest, tag::SEQUENCE)?;
        let (msg_id, g) = non_negative(global)?;
        let (max_size, g) = non_negative(g)?;
        let [tag::OCTET_STRING, 0x01, flags, tag::INTEGER, 0x01, 0x03] = g else {
            return None;
        };
        if max_size < 484 {
            return None;
        }
        let flags = MsgFlags::from_bits(*flags)?;
        let (sp, rest) = take(rest, tag::OCTET_STRING)?;
        let [tag::SEQUENCE, sp_rest @ ..] = sp else {
            return None;
        };
        let usm = exact(sp_rest)?;
        let (engine_id, usm) = take(usm, tag::OCTET_STRING)?;
        let (engine_boots, usm) = non_negative(usm)?;
        let (engine_time, usm) = non_negative(usm)?;
        let (user_name, usm) = take(usm, tag::OCTET_STRING)?;
        let (auth_parameters, usm) = take(usm, tag::OCTET_STRING)?;
        let (priv_parameters, usm) = take(usm, tag::OCTET_STRING)?;
        if !usm.is_empty() || !engine_id_ok(engine_id) || user_name.len() > 32 {
            return None;
        }
        let data = if flags.privacy {
            let [tag::OCTET_STRING, rest @ ..] = rest else {
                return None;
            };
            ScopedPduData::Encrypted(Cow::Borrowed(exact(rest)?))
        } else {
            let [tag::SEQUENCE, rest @ ..] = rest else {
                return None;
            };
            match scoped_body(exact(rest)?, total, ctx)? {
                Ok(s) => ScopedPduData::Plaintext(s),
                Err(e) => return Some(Err(e)),
            }
        };
        Some(Ok(Message::V3(V3Message {
            header: HeaderData {
                msg_id,
                max_size,
                flags,
                security_model: SECURITY_MODEL_USM,
            },
            security_parameters: SecurityParameters::Usm(UsmSecurityParameters {
                engine_id: Cow::Borrowed(engine_id),
                engine_boots,
                engine_time,
                user_name: Cow::Borrowed(user_name),
                auth_parameters: Cow::Borrowed(auth_parameters),
                priv_parameters: Cow::Borrowed(priv_parameters),
            }),
            data,
        })))
    }
}
