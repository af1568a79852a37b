//! PDUs (RFC 3416 section 3, RFC 1157 section 4.1 for the v1 Trap-PDU) and variable bindings.

use alloc::vec::Vec;
use core::fmt;

use crate::ber::{Ctx, Reader, Writer, tag};
use crate::error::{DecodeError, ErrorKind, Field, Limit};
use crate::oid::Oid;
use crate::options::{DecodeOptions, Leniency};
use crate::value::{Value, decode_oid};

/// The fast path for one varbind in canonical form (short-form lengths, minimal integers,
/// single-byte OID arcs). It accepts a strict subset of what the general decoder accepts and
/// returns the same values; anything else (long lengths, multi-byte arcs, leniency cases, and
/// every error) returns `None` so the general path can decide and report precisely. The
/// `fast_path_agrees_with_general_path` test checks the two against each other.
pub(crate) mod fast {
    use alloc::borrow::Cow;

    use crate::ber::{small_signed, tag};
    use crate::oid::Oid;
    use crate::pdu::VarBind;
    use crate::value::Value;

    #[inline]
    fn oid(bytes: &[u8], max_arcs: usize, trusted: bool) -> Option<Oid<'_>> {
        // Empty contents go to the general path, which knows the zero-length-OID leniency;
        // invalid ones too, for its precise error.
        if bytes.is_empty() {
            return None;
        }
        if trusted {
            return Some(Oid::from_validated(bytes));
        }
        Oid::from_ber_limited(bytes, max_arcs).ok()
    }

    /// The magnitude octets of a minimal, non-negative INTEGER encoding of at most `max` bytes
    /// (a leading zero octet that only clears the sign is dropped).
    #[inline]
    fn non_negative_digits(c: &[u8], max: usize) -> Option<&[u8]> {
        let digits = match c {
            [0, rest @ ..] if rest.first().is_some_and(|b| *b >= 0x80) => rest,
            [b, ..] if *b < 0x80 && (c.len() == 1 || *b != 0) => c,
            _ => return None,
        };
        (digits.len() <= max).then_some(digits)
    }

    /// Big-endian magnitude of a minimal, non-negative INTEGER encoding of at most `max` bytes.
    #[inline]
    fn non_negative(c: &[u8], max: usize) -> Option<u64> {
        non_negative_digits(c, max).map(be_u64)
    }

    /// A big-endian number of at most 8 bytes, assembled in registers (writing bytes into a
    /// buffer and reading it back as a word stalls store-to-load forwarding).
    #[inline]
    fn be_u64(d: &[u8]) -> u64 {
        match *d {
            [a] => u64::from(a),
            [a, b] => u64::from(u16::from_be_bytes([a, b])),
            [a, b, c] => u64::from(u32::from_be_bytes([0, a, b, c])),
            [a, b, c, e] => u64::from(u32::from_be_bytes([a, b, c, e])),
            _ => d.iter().fold(0, |v, b| (v << 8) | u64::from(*b)),
        }
    }

    /// A varbind's framing in short form: `30 L 06 L name T L content`, exactly filling `L`.
    struct Frame<'b> {
        name: &'b [u8],
        tag: u8,
        content: &'b [u8],
        used: usize,
    }

    #[inline]
    fn frame(rest: &[u8]) -> Option<Frame<'_>> {
        let [tag::SEQUENCE, len, body @ ..] = rest else {
            return None;
        };
        let body = body.get(..usize::from(*len)).filter(|_| *len < 0x80)?;
        let [tag::OBJECT_IDENTIFIER, name_len, tail @ ..] = body else {
            return None;
        };
        if *name_len >= 0x80 {
            return None;
        }
        let (name, tail) = tail.split_at_checked(usize::from(*name_len))?;
        let [t, value_len, content @ ..] = tail else {
            return None;
        };
        if *value_len >= 0x80 || content.len() != usize::from(*value_len) {
            return None;
        }
        Some(Frame {
            name,
            tag: *t,
            content,
            used: 2 + usize::from(*len),
        })
    }

    /// Whether [`varbind`] would accept the start of `rest`, and how many bytes it would use,
    /// without building the varbind.
    #[inline]
    pub(crate) fn check(rest: &[u8], v1: bool, max_arcs: usize) -> Option<usize> {
        let Frame {
            name,
            tag: t,
            content: c,
            used,
        } = frame(rest)?;
        oid(name, max_arcs, false)?;
        let ok = match t {
            tag::INTEGER => small_signed(c).is_some(),
            tag::OCTET_STRING | tag::OPAQUE | tag::NSAP_ADDRESS => true,
            tag::NULL => c.is_empty(),
            tag::OBJECT_IDENTIFIER => oid(c, max_arcs, false).is_some(),
            tag::IP_ADDRESS => c.len() == 4,
            tag::COUNTER32 | tag::GAUGE32 | tag::TIMETICKS | tag::UINTEGER32 => {
                non_negative_digits(c, 4).is_some()
            }
            tag::COUNTER64 => !v1 && non_negative_digits(c, 8).is_some(),
            tag::NO_SUCH_OBJECT | tag::NO_SUCH_INSTANCE | tag::END_OF_MIB_VIEW => {
                !v1 && c.is_empty()
            }
            _ => false,
        };
        ok.then_some(used)
    }

    #[inline]
    pub(crate) fn varbind(
        rest: &[u8],
        v1: bool,
        max_arcs: usize,
        trusted: bool,
    ) -> Option<(VarBind<'_>, usize)> {
        let Frame {
            name,
            tag: t,
            content: c,
            used,
        } = frame(rest)?;
        let name = oid(name, max_arcs, trusted)?;
        let value = match t {
            tag::INTEGER => Value::Integer(i32::try_from(small_signed(c)?).ok()?),
            tag::OCTET_STRING => Value::OctetString(Cow::Borrowed(c)),
            tag::NULL if c.is_empty() => Value::Null,
            tag::OBJECT_IDENTIFIER => Value::ObjectIdentifier(oid(c, max_arcs, trusted)?),
            tag::IP_ADDRESS => Value::IpAddress(c.try_into().ok()?),
            tag::COUNTER32 => Value::Counter32(non_negative(c, 4)? as u32),
            tag::GAUGE32 => Value::Gauge32(non_negative(c, 4)? as u32),
            tag::TIMETICKS => Value::TimeTicks(non_negative(c, 4)? as u32),
            tag::UINTEGER32 => Value::UInteger32(non_negative(c, 4)? as u32),
            tag::OPAQUE => Value::Opaque(Cow::Borrowed(c)),
            tag::NSAP_ADDRESS => Value::NsapAddress(Cow::Borrowed(c)),
            tag::COUNTER64 if !v1 => Value::Counter64(non_negative(c, 8)?),
            tag::NO_SUCH_OBJECT if !v1 && c.is_empty() => Value::NoSuchObject,
            tag::NO_SUCH_INSTANCE if !v1 && c.is_empty() => Value::NoSuchInstance,
            tag::END_OF_MIB_VIEW if !v1 && c.is_empty() => Value::EndOfMibView,
            _ => return None,
        };
        Some((VarBind { name, value }, used))
    }
}

/// The nine SNMP PDU types, with their context-specific tags.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PduType {
    /// GetRequest-PDU, `[0]`.
    GetRequest = 0xa0,
    /// GetNextRequest-PDU, `[1]`.
    GetNextRequest = 0xa1,
    /// Response-PDU (GetResponse in v1), `[2]`.
    Response = 0xa2,
    /// SetRequest-PDU, `[3]`.
    SetRequest = 0xa3,
    /// Trap-PDU (SNMPv1 only), `[4]`.
    Trap = 0xa4,
    /// GetBulkRequest-PDU (not in v1), `[5]`.
    GetBulkRequest = 0xa5,
    /// InformRequest-PDU (not in v1), `[6]`.
    InformRequest = 0xa6,
    /// SNMPv2-Trap-PDU (not in v1), `[7]`.
    SnmpV2Trap = 0xa7,
    /// Report-PDU (not in v1), `[8]`.
    Report = 0xa8,
}

impl PduType {
    /// The name used in `fleetwire decode --json`: `GetRequest`, `GetNextRequest`,
    /// `GetBulkRequest`, `SetRequest`, `Response`, `Trap`, `SNMPv2-Trap`, `InformRequest`,
    /// `Report`.
    pub fn name(self) -> &'static str {
        match self {
            Self::GetRequest => "GetRequest",
            Self::GetNextRequest => "GetNextRequest",
            Self::Response => "Response",
            Self::SetRequest => "SetRequest",
            Self::Trap => "Trap",
            Self::GetBulkRequest => "GetBulkRequest",
            Self::InformRequest => "InformRequest",
            Self::SnmpV2Trap => "SNMPv2-Trap",
            Self::Report => "Report",
        }
    }

    /// The identifier octet.
    pub fn tag(self) -> u8 {
        self as u8
    }

    /// The type with this identifier octet.
    pub fn from_tag(t: u8) -> Option<Self> {
        Some(match t {
            0xa0 => Self::GetRequest,
            0xa1 => Self::GetNextRequest,
            0xa2 => Self::Response,
            0xa3 => Self::SetRequest,
            0xa4 => Self::Trap,
            0xa5 => Self::GetBulkRequest,
            0xa6 => Self::InformRequest,
            0xa7 => Self::SnmpV2Trap,
            0xa8 => Self::Report,
            _ => return None,
        })
    }

    /// Whether SNMPv1 has this PDU type (RFC 3584 section 2.1).
    pub fn in_v1(self) -> bool {
        matches!(
            self,
            Self::GetRequest
                | Self::GetNextRequest
                | Self::Response
                | Self::SetRequest
                | Self::Trap
        )
    }
}

impl fmt::Display for PduType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

macro_rules! int_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $v:ident = $n:literal => $s:literal,)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name { $($(#[$vm])* $v = $n,)* }

        impl $name {
            /// The value on the wire.
            pub fn code(self) -> i32 { self as i32 }

            /// The variant with this wire value.
            pub fn from_code(code: i64) -> Option<Self> {
                match code { $($n => Some(Self::$v),)* _ => None }
            }

            /// The name the RFC gives this value.
            pub fn name(self) -> &'static str {
                match self { $(Self::$v => $s,)* }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.name())
            }
        }
    };
}

int_enum! {
    /// `error-status` (RFC 3416 section 3; 0 to 5 are SNMPv1's).
    ErrorStatus {
        /// noError(0)
        NoError = 0 => "noError",
        /// tooBig(1)
        TooBig = 1 => "tooBig",
        /// noSuchName(2), SNMPv1
        NoSuchName = 2 => "noSuchName",
        /// badValue(3), SNMPv1
        BadValue = 3 => "badValue",
        /// readOnly(4), SNMPv1
        ReadOnly = 4 => "readOnly",
        /// genErr(5)
        GenErr = 5 => "genErr",
        /// noAccess(6)
        NoAccess = 6 => "noAccess",
        /// wrongType(7)
        WrongType = 7 => "wrongType",
        /// wrongLength(8)
        WrongLength = 8 => "wrongLength",
        /// wrongEncoding(9)
        WrongEncoding = 9 => "wrongEncoding",
        /// wrongValue(10)
        WrongValue = 10 => "wrongValue",
        /// noCreation(11)
        NoCreation = 11 => "noCreation",
        /// inconsistentValue(12)
        InconsistentValue = 12 => "inconsistentValue",
        /// resourceUnavailable(13)
        ResourceUnavailable = 13 => "resourceUnavailable",
        /// commitFailed(14)
        CommitFailed = 14 => "commitFailed",
        /// undoFailed(15)
        UndoFailed = 15 => "undoFailed",
        /// authorizationError(16)
        AuthorizationError = 16 => "authorizationError",
        /// notWritable(17)
        NotWritable = 17 => "notWritable",
        /// inconsistentName(18)
        InconsistentName = 18 => "inconsistentName",
    }
}

int_enum! {
    /// Trap-PDU `generic-trap` (RFC 1157 section 4.1.6).
    GenericTrap {
        /// coldStart(0)
        ColdStart = 0 => "coldStart",
        /// warmStart(1)
        WarmStart = 1 => "warmStart",
        /// linkDown(2)
        LinkDown = 2 => "linkDown",
        /// linkUp(3)
        LinkUp = 3 => "linkUp",
        /// authenticationFailure(4)
        AuthenticationFailure = 4 => "authenticationFailure",
        /// egpNeighborLoss(5)
        EgpNeighborLoss = 5 => "egpNeighborLoss",
        /// enterpriseSpecific(6)
        EnterpriseSpecific = 6 => "enterpriseSpecific",
    }
}

/// One variable binding: a name and its value.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct VarBind<'a> {
    /// The object instance.
    pub name: Oid<'a>,
    /// Its value (NULL in requests).
    pub value: Value<'a>,
}

impl<'a> VarBind<'a> {
    /// A varbind.
    pub fn new(name: Oid<'a>, value: Value<'a>) -> Self {
        Self { name, value }
    }

    /// A varbind with a NULL value, as requests carry.
    pub fn null(name: Oid<'a>) -> Self {
        Self {
            name,
            value: Value::Null,
        }
    }

    /// A borrowed view.
    pub fn borrowed(&self) -> VarBind<'_> {
        VarBind {
            name: self.name.borrowed(),
            value: self.value.borrowed(),
        }
    }

    /// An owned copy.
    pub fn into_owned(self) -> VarBind<'static> {
        VarBind {
            name: self.name.into_owned(),
            value: self.value.into_owned(),
        }
    }

    /// Checks one varbind without building it (the decode-time validation pass).
    #[inline]
    fn validate(r: &mut Reader<'a>, ctx: &mut Ctx, v1: bool) -> Result<(), DecodeError> {
        let max_arcs = ctx.opts.limits.max_oid_arcs;
        if let Some(used) = fast::check(r.rest(), v1, max_arcs) {
            r.advance(used);
            return Ok(());
        }
        Self::decode_general(r, ctx, v1).map(drop)
    }

    /// The general path alone, for testing the fast path against it.
    #[cfg(test)]
    pub(crate) fn decode_general_for_test(
        bytes: &'a [u8],
        v1: bool,
    ) -> Result<(Self, usize), DecodeError> {
        let mut r = Reader::new(bytes, 0);
        let vb = Self::decode_general(&mut r, &mut Ctx::default(), v1)?;
        Ok((vb, r.offset()))
    }

    /// Appends this varbind's encoding.
    #[cfg(test)]
    pub(crate) fn encode_for_test(&self, buf: &mut Vec<u8>) {
        self.encode(&mut Writer::new(buf));
    }

    #[inline(never)]
    fn decode_general(r: &mut Reader<'a>, ctx: &mut Ctx, v1: bool) -> Result<Self, DecodeError> {
        let mut vb = r.sequence(Field::VarBind, ctx)?;
        let name_tlv = vb.expect(tag::OBJECT_IDENTIFIER, Field::Name, ctx)?;
        let name = decode_oid(&name_tlv, Field::Name, ctx, false)?;
        let value_tlv = vb.read(Field::Value, ctx)?;
        let value = Value::decode(&value_tlv, ctx, v1)?;
        vb.finish(Field::VarBind)?;
        Ok(Self { name, value })
    }

    /// The size of this varbind's encoding (the SEQUENCE with name and value).
    pub(crate) fn encoded_len(&self) -> usize {
        crate::ber::tlv_len(
            crate::ber::tlv_len(self.name.as_ber().len()) + self.value.encoded_len(),
        )
    }

    fn encode(&self, w: &mut Writer<'_>) {
        w.nested(tag::SEQUENCE, |w| {
            w.primitive(tag::OBJECT_IDENTIFIER, self.name.as_ber());
            self.value.encode(w);
        });
    }
}

/// The `variable-bindings` of a PDU.
///
/// After decoding it is a validated view over the input, walked lazily by [`iter`](Self::iter)
/// without allocating; built by hand, it holds a `Vec`. Both compare equal when their varbinds
/// are equal.
#[derive(Clone)]
pub struct VarBindList<'a>(Repr<'a>);

#[derive(Clone)]
enum Repr<'a> {
    Wire {
        bytes: &'a [u8],
        base: usize,
        count: usize,
        /// Iteration re-reads validated bytes, so only the leniency matters (not the limits).
        leniency: Leniency,
        v1: bool,
    },
    Owned(Vec<VarBind<'a>>),
}

impl<'a> VarBindList<'a> {
    /// An empty list.
    pub fn new() -> Self {
        Self(Repr::Owned(Vec::new()))
    }

    /// The number of varbinds.
    pub fn len(&self) -> usize {
        match &self.0 {
            Repr::Wire { count, .. } => *count,
            Repr::Owned(v) => v.len(),
        }
    }

    /// True when there are no varbinds.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The varbinds, in order.
    pub fn iter(&self) -> VarBindIter<'_> {
        match &self.0 {
            Repr::Wire {
                bytes,
                base,
                leniency,
                v1,
                count,
            } => VarBindIter(IterRepr::Wire {
                reader: Reader::new(bytes, *base),
                leniency: *leniency,
                v1: *v1,
                left: *count,
            }),
            Repr::Owned(v) => VarBindIter(IterRepr::Owned(v.iter())),
        }
    }

    /// Owned varbinds (copies out of the input).
    pub fn to_vec(&self) -> Vec<VarBind<'static>> {
        self.iter().map(VarBind::into_owned).collect()
    }

    /// An owned copy.
    pub fn into_owned(self) -> VarBindList<'static> {
        VarBindList(Repr::Owned(self.to_vec()))
    }

    /// Adds a varbind (a decoded list is copied into a `Vec` first).
    pub fn push(&mut self, vb: VarBind<'a>) {
        if let Repr::Wire { .. } = &self.0 {
            let owned: Vec<VarBind<'a>> = self.iter().map(VarBind::into_owned).collect();
            self.0 = Repr::Owned(owned);
        }
        if let Repr::Owned(v) = &mut self.0 {
            v.push(vb);
        }
    }

    /// Validates the list and keeps a view over it.
    #[inline]
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &mut Ctx, v1: bool) -> Result<Self, DecodeError> {
        let tlv = r.expect(tag::SEQUENCE, Field::VarBindList, ctx)?;
        let mut inner = tlv.reader();
        let max = ctx.opts.limits.max_varbinds;
        let mut count = 0usize;
        while !inner.is_empty() {
            if count == max {
                return Err(DecodeError::new(
                    ErrorKind::LimitExceeded {
                        limit: Limit::VarBinds,
                        max,
                    },
                    Field::VarBindList,
                    inner.offset(),
                ));
            }
            VarBind::validate(&mut inner, ctx, v1)?;
            count += 1;
        }
        Ok(Self(Repr::Wire {
            bytes: tlv.content,
            base: tlv.content_offset,
            count,
            leniency: ctx.opts.leniency,
            v1,
        }))
    }

    pub(crate) fn encode(&self, w: &mut Writer<'_>) {
        w.nested(tag::SEQUENCE, |w| match &self.0 {
            // A decoded list re-encodes its varbinds one by one, so the output is canonical
            // even when the input used lenient or non-minimal forms.
            Repr::Wire { .. } => self.iter().for_each(|vb| vb.encode(w)),
            Repr::Owned(v) => v.iter().for_each(|vb| vb.encode(w)),
        });
    }
}

impl Default for VarBindList<'_> {
    fn default() -> Self {
        Self::new()
    }
}

impl<'a> From<Vec<VarBind<'a>>> for VarBindList<'a> {
    fn from(v: Vec<VarBind<'a>>) -> Self {
        Self(Repr::Owned(v))
    }
}

impl<'a> FromIterator<VarBind<'a>> for VarBindList<'a> {
    fn from_iter<I: IntoIterator<Item = VarBind<'a>>>(iter: I) -> Self {
        Self(Repr::Owned(iter.into_iter().collect()))
    }
}

impl PartialEq for VarBindList<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}

impl Eq for VarBindList<'_> {}

impl fmt::Debug for VarBindList<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<'l> IntoIterator for &'l VarBindList<'_> {
    type Item = VarBind<'l>;
    type IntoIter = VarBindIter<'l>;

    fn into_iter(self) -> Self::IntoIter {
        self.iter()
    }
}

/// Iterator over a [`VarBindList`].
#[derive(Debug, Clone)]
pub struct VarBindIter<'l>(IterRepr<'l>);

#[derive(Debug, Clone)]
enum IterRepr<'l> {
    Wire {
        reader: Reader<'l>,
        /// Only the rare general path needs a decoding context; it is built there.
        leniency: Leniency,
        v1: bool,
        left: usize,
    },
    Owned(core::slice::Iter<'l, VarBind<'l>>),
}

impl<'l> Iterator for VarBindIter<'l> {
    type Item = VarBind<'l>;

    // Inline across crates: a caller's walk then keeps the varbind in registers instead of
    // round-tripping it through the stack (measured in the usm/receive bench).
    #[inline]
    fn next(&mut self) -> Option<VarBind<'l>> {
        match &mut self.0 {
            // The bytes were validated with the same options when the list was decoded, so
            // this cannot fail; if it somehow did, the iteration ends rather than panicking.
            IterRepr::Wire {
                reader,
                leniency,
                v1,
                left,
            } => {
                if *left == 0 {
                    return None;
                }
                *left -= 1;
                if let Some((vb, used)) = fast::varbind(reader.rest(), *v1, 0, true) {
                    reader.advance(used);
                    return Some(vb);
                }
                let mut ctx = Ctx::trusted(DecodeOptions::default().with_leniency(*leniency));
                VarBind::decode_general(reader, &mut ctx, *v1).ok()
            }
            IterRepr::Owned(it) => it.next().map(VarBind::borrowed),
        }
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        let n = match &self.0 {
            IterRepr::Wire { left, .. } => *left,
            IterRepr::Owned(it) => it.len(),
        };
        (n, Some(n))
    }
}

impl ExactSizeIterator for VarBindIter<'_> {}

/// The RFC 3416 `PDU` shape shared by Get, GetNext, Response, Set, Inform, SNMPv2-Trap and Report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GenericPdu<'a> {
    /// `request-id`.
    pub request_id: i32,
    /// `error-status`.
    pub error_status: ErrorStatus,
    /// `error-index` (0..2147483647; 1-based index of the failing varbind, 0 for none).
    pub error_index: u32,
    /// `variable-bindings`.
    pub varbinds: VarBindList<'a>,
}

impl<'a> GenericPdu<'a> {
    /// A PDU with noError and the given varbinds.
    pub fn new(request_id: i32, varbinds: impl Into<VarBindList<'a>>) -> Self {
        Self {
            request_id,
            error_status: ErrorStatus::NoError,
            error_index: 0,
            varbinds: varbinds.into(),
        }
    }
}

/// GetBulkRequest-PDU (RFC 3416 section 4.2.3).
///
/// ```
/// use fleetwire_snmp::{BulkPdu, CommunityMessage, Message, Pdu, PduType, VarBind};
///
/// // sysUpTime once, then ten rows of prtMarkerSuppliesLevel.
/// let pdu = Pdu::GetBulkRequest(BulkPdu {
///     request_id: 7,
///     non_repeaters: 1,
///     max_repetitions: 10,
///     varbinds: vec![
///         VarBind::null("1.3.6.1.2.1.1.3".parse()?),
///         VarBind::null("1.3.6.1.2.1.43.11.1.1.9".parse()?),
///     ]
///     .into(),
/// });
/// let wire = Message::V2c(CommunityMessage { community: b"public"[..].into(), pdu }).to_vec();
/// let decoded = Message::decode(&wire)?;
/// let pdu = decoded.pdu().expect("plaintext");
/// assert_eq!((pdu.pdu_type(), pdu.request_id()), (PduType::GetBulkRequest, Some(7)));
/// assert_eq!(pdu.varbinds().iter().count(), 2);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BulkPdu<'a> {
    /// `request-id`.
    pub request_id: i32,
    /// `non-repeaters` (0..2147483647).
    pub non_repeaters: u32,
    /// `max-repetitions` (0..2147483647).
    pub max_repetitions: u32,
    /// `variable-bindings`.
    pub varbinds: VarBindList<'a>,
}

/// SNMPv1 Trap-PDU (RFC 1157 section 4.1.6).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrapPdu<'a> {
    /// `enterprise`: the sysObjectID of the sender.
    pub enterprise: Oid<'a>,
    /// `agent-addr`.
    pub agent_addr: [u8; 4],
    /// `generic-trap`.
    pub generic_trap: GenericTrap,
    /// `specific-trap`.
    pub specific_trap: i32,
    /// `time-stamp`: sysUpTime at the event, in hundredths of a second.
    pub time_stamp: u32,
    /// `variable-bindings`.
    pub varbinds: VarBindList<'a>,
}

/// Any SNMP PDU.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Pdu<'a> {
    /// GetRequest-PDU.
    GetRequest(GenericPdu<'a>),
    /// GetNextRequest-PDU.
    GetNextRequest(GenericPdu<'a>),
    /// Response-PDU.
    Response(GenericPdu<'a>),
    /// SetRequest-PDU.
    SetRequest(GenericPdu<'a>),
    /// GetBulkRequest-PDU (v2c/v3).
    GetBulkRequest(BulkPdu<'a>),
    /// InformRequest-PDU (v2c/v3).
    InformRequest(GenericPdu<'a>),
    /// SNMPv2-Trap-PDU (v2c/v3).
    SnmpV2Trap(GenericPdu<'a>),
    /// Report-PDU (v3).
    Report(GenericPdu<'a>),
    /// Trap-PDU (v1 only).
    Trap(TrapPdu<'a>),
}

impl<'a> Pdu<'a> {
    /// This PDU's type.
    pub fn pdu_type(&self) -> PduType {
        match self {
            Self::GetRequest(_) => PduType::GetRequest,
            Self::GetNextRequest(_) => PduType::GetNextRequest,
            Self::Response(_) => PduType::Response,
            Self::SetRequest(_) => PduType::SetRequest,
            Self::GetBulkRequest(_) => PduType::GetBulkRequest,
            Self::InformRequest(_) => PduType::InformRequest,
            Self::SnmpV2Trap(_) => PduType::SnmpV2Trap,
            Self::Report(_) => PduType::Report,
            Self::Trap(_) => PduType::Trap,
        }
    }

    /// The `request-id`, absent only for the v1 Trap-PDU.
    pub fn request_id(&self) -> Option<i32> {
        match self {
            Self::GetBulkRequest(p) => Some(p.request_id),
            Self::Trap(_) => None,
            other => other.generic().map(|p| p.request_id),
        }
    }

    /// The RFC 3416 `PDU` fields, for every type but GetBulk and the v1 Trap.
    pub fn generic(&self) -> Option<&GenericPdu<'a>> {
        match self {
            Self::GetRequest(p)
            | Self::GetNextRequest(p)
            | Self::Response(p)
            | Self::SetRequest(p)
            | Self::InformRequest(p)
            | Self::SnmpV2Trap(p)
            | Self::Report(p) => Some(p),
            Self::GetBulkRequest(_) | Self::Trap(_) => None,
        }
    }

    /// The variable bindings.
    pub fn varbinds(&self) -> &VarBindList<'a> {
        match self {
            Self::GetBulkRequest(p) => &p.varbinds,
            Self::Trap(p) => &p.varbinds,
            Self::GetRequest(p)
            | Self::GetNextRequest(p)
            | Self::Response(p)
            | Self::SetRequest(p)
            | Self::InformRequest(p)
            | Self::SnmpV2Trap(p)
            | Self::Report(p) => &p.varbinds,
        }
    }

    /// An owned copy.
    pub fn into_owned(self) -> Pdu<'static> {
        fn g(p: GenericPdu<'_>) -> GenericPdu<'static> {
            GenericPdu {
                request_id: p.request_id,
                error_status: p.error_status,
                error_index: p.error_index,
                varbinds: p.varbinds.into_owned(),
            }
        }
        match self {
            Self::GetRequest(p) => Pdu::GetRequest(g(p)),
            Self::GetNextRequest(p) => Pdu::GetNextRequest(g(p)),
            Self::Response(p) => Pdu::Response(g(p)),
            Self::SetRequest(p) => Pdu::SetRequest(g(p)),
            Self::InformRequest(p) => Pdu::InformRequest(g(p)),
            Self::SnmpV2Trap(p) => Pdu::SnmpV2Trap(g(p)),
            Self::Report(p) => Pdu::Report(g(p)),
            Self::GetBulkRequest(p) => Pdu::GetBulkRequest(BulkPdu {
                request_id: p.request_id,
                non_repeaters: p.non_repeaters,
                max_repetitions: p.max_repetitions,
                varbinds: p.varbinds.into_owned(),
            }),
            Self::Trap(p) => Pdu::Trap(TrapPdu {
                enterprise: p.enterprise.into_owned(),
                agent_addr: p.agent_addr,
                generic_trap: p.generic_trap,
                specific_trap: p.specific_trap,
                time_stamp: p.time_stamp,
                varbinds: p.varbinds.into_owned(),
            }),
        }
    }

    /// Decodes one PDU element. `v1` selects SNMPv1's PDU and value sets.
    pub(crate) fn decode(r: &mut Reader<'a>, ctx: &mut Ctx, v1: bool) -> Result<Self, DecodeError> {
        let tlv = r.read(Field::Pdu, ctx)?;
        let pdu_type = PduType::from_tag(tlv.tag)
            .ok_or(tlv.err(ErrorKind::UnknownTag(tlv.tag), Field::Pdu))?;
        let allowed = if v1 {
            pdu_type.in_v1()
        } else {
            pdu_type != PduType::Trap
        };
        if !allowed {
            return Err(tlv.err(ErrorKind::PduNotAllowed(pdu_type), Field::Pdu));
        }
        let mut body = tlv.reader();
        let pdu = match pdu_type {
            PduType::Trap => {
                let e = body.expect(tag::OBJECT_IDENTIFIER, Field::Enterprise, ctx)?;
                let enterprise = decode_oid(&e, Field::Enterprise, ctx, false)?;
                let a = body.expect(tag::IP_ADDRESS, Field::AgentAddr, ctx)?;
                let agent_addr = a.content.try_into().map_err(|_| {
                    a.err(
                        ErrorKind::InvalidLength {
                            expected: "4",
                            found: a.content.len(),
                        },
                        Field::AgentAddr,
                    )
                })?;
                let generic_offset = body.offset();
                let generic = body.integer_in(Field::GenericTrap, ctx, 0, 6)?;
                let generic_trap = GenericTrap::from_code(generic).ok_or(DecodeError::new(
                    ErrorKind::IntegerOutOfRange,
                    Field::GenericTrap,
                    generic_offset,
                ))?;
                let specific_trap = body.i32(Field::SpecificTrap, ctx)?;
                let t = body.expect(tag::TIMETICKS, Field::TimeStamp, ctx)?;
                let time_stamp =
                    u32::try_from(crate::ber::unsigned(&t, Field::TimeStamp, ctx, 32)?)
                        .unwrap_or_default();
                let varbinds = VarBindList::decode(&mut body, ctx, v1)?;
                Pdu::Trap(TrapPdu {
                    enterprise,
                    agent_addr,
                    generic_trap,
                    specific_trap,
                    time_stamp,
                    varbinds,
                })
            }
            PduType::GetBulkRequest => {
                let request_id = body.i32(Field::RequestId, ctx)?;
                let non_repeaters = body.non_negative_i32(Field::NonRepeaters, ctx)?;
                let max_repetitions = body.non_negative_i32(Field::MaxRepetitions, ctx)?;
                let varbinds = VarBindList::decode(&mut body, ctx, v1)?;
                Pdu::GetBulkRequest(BulkPdu {
                    request_id,
                    non_repeaters,
                    max_repetitions,
                    varbinds,
                })
            }
            _ => {
                let request_id = body.i32(Field::RequestId, ctx)?;
                let status_offset = body.offset();
                let status = body.integer_in(Field::ErrorStatus, ctx, 0, 18)?;
                let error_status = ErrorStatus::from_code(status).ok_or(DecodeError::new(
                    ErrorKind::IntegerOutOfRange,
                    Field::ErrorStatus,
                    status_offset,
                ))?;
                let error_index = body.non_negative_i32(Field::ErrorIndex, ctx)?;
                let varbinds = VarBindList::decode(&mut body, ctx, v1)?;
                let p = GenericPdu {
                    request_id,
                    error_status,
                    error_index,
                    varbinds,
                };
                match pdu_type {
                    PduType::GetRequest => Pdu::GetRequest(p),
                    PduType::GetNextRequest => Pdu::GetNextRequest(p),
                    PduType::Response => Pdu::Response(p),
                    PduType::SetRequest => Pdu::SetRequest(p),
                    PduType::InformRequest => Pdu::InformRequest(p),
                    PduType::SnmpV2Trap => Pdu::SnmpV2Trap(p),
                    _ => Pdu::Report(p),
                }
            }
        };
        body.finish(Field::Pdu)?;
        Ok(pdu)
    }

    /// Appends this PDU's BER encoding.
    pub(crate) fn encode(&self, w: &mut Writer<'_>) {
        w.nested(self.pdu_type().tag(), |w| match self {
            Self::Trap(p) => {
                w.primitive(tag::OBJECT_IDENTIFIER, p.enterprise.as_ber());
                w.primitive(tag::IP_ADDRESS, &p.agent_addr);
                w.integer(tag::INTEGER, i64::from(p.generic_trap.code()));
                w.integer(tag::INTEGER, i64::from(p.specific_trap));
                w.unsigned(tag::TIMETICKS, u64::from(p.time_stamp));
                p.varbinds.encode(w);
            }
            Self::GetBulkRequest(p) => {
                w.integer(tag::INTEGER, i64::from(p.request_id));
                w.integer(tag::INTEGER, i64::from(p.non_repeaters));
                w.integer(tag::INTEGER, i64::from(p.max_repetitions));
                p.varbinds.encode(w);
            }
            Self::GetRequest(p)
            | Self::GetNextRequest(p)
            | Self::Response(p)
            | Self::SetRequest(p)
            | Self::InformRequest(p)
            | Self::SnmpV2Trap(p)
            | Self::Report(p) => {
                w.integer(tag::INTEGER, i64::from(p.request_id));
                w.integer(tag::INTEGER, i64::from(p.error_status.code()));
                w.integer(tag::INTEGER, i64::from(p.error_index));
                p.varbinds.encode(w);
            }
        });
    }
}
