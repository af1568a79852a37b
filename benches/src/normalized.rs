//! Library-neutral description of a decoded SNMP message.
//!
//! Every adapter (one per library) walks the library's decoded representation
//! and reports what it finds to a [`Sink`]. Two sinks exist:
//!
//! * [`CollectSink`] materializes a [`Decoded`] (header fields plus
//!   `(dotted OID string, NormalizedValue)` pairs) and is used to *verify*
//!   each library against the fixture's expected description;
//! * [`DigestSink`] folds everything into a `u64` and is what the timed
//!   benchmarks use, so that every library pays the same (small) cost for
//!   "looking at" each arc, integer and byte string, without formatting
//!   strings or allocating.
//!
//! Because both sinks are driven by the *same* generic adapter function, the
//! code path that is timed is exactly the code path that was verified.

use std::collections::BTreeMap;
use std::fmt::Write as _;

/// A header field of an SNMP message (everything outside the varbind list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Field {
    /// msgVersion (0 = v1, 1 = v2c, 3 = v3).
    Version,
    /// v1/v2c community string.
    Community,
    /// v3 msgID.
    MsgId,
    /// v3 msgMaxSize.
    MsgMaxSize,
    /// v3 msgFlags (the single flags octet).
    MsgFlags,
    /// v3 msgSecurityModel.
    MsgSecurityModel,
    /// USM msgAuthoritativeEngineID.
    EngineId,
    /// USM msgAuthoritativeEngineBoots.
    EngineBoots,
    /// USM msgAuthoritativeEngineTime.
    EngineTime,
    /// USM msgUserName.
    UserName,
    /// USM msgAuthenticationParameters.
    AuthParams,
    /// USM msgPrivacyParameters.
    PrivParams,
    /// ScopedPDU contextEngineID.
    ContextEngineId,
    /// ScopedPDU contextName.
    ContextName,
    /// PDU type as its context tag number (2 = Response, 5 = GetBulkRequest, ...).
    PduType,
    /// request-id.
    RequestId,
    /// error-status (or non-repeaters for GetBulkRequest).
    ErrorStatus,
    /// error-index (or max-repetitions for GetBulkRequest).
    ErrorIndex,
}

/// Value of a header [`Field`].
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum HeaderValue {
    /// An INTEGER field.
    Int(i64),
    /// An OCTET STRING field.
    Bytes(Vec<u8>),
}

/// A varbind value, independent of any library's types.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum NormalizedValue {
    /// INTEGER (Integer32).
    Int(i64),
    /// OCTET STRING.
    Str(Vec<u8>),
    /// OBJECT IDENTIFIER, dotted.
    Oid(String),
    /// IpAddress.
    Ip([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// Gauge32 / Unsigned32 (same tag on the wire).
    Gauge32(u32),
    /// TimeTicks.
    TimeTicks(u32),
    /// Opaque (raw contents).
    Opaque(Vec<u8>),
    /// Counter64.
    Counter64(u64),
    /// NULL (unSpecified).
    Null,
    /// noSuchObject exception.
    NoSuchObject,
    /// noSuchInstance exception.
    NoSuchInstance,
    /// endOfMibView exception.
    EndOfMibView,
}

/// A borrowed scalar varbind value, as reported by an adapter to a [`Sink`].
/// OBJECT IDENTIFIER values are reported through [`Sink::oid_value`] instead.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueRef<'a> {
    /// INTEGER.
    Int(i64),
    /// OCTET STRING.
    Str(&'a [u8]),
    /// IpAddress.
    Ip([u8; 4]),
    /// Counter32.
    Counter32(u32),
    /// Gauge32 / Unsigned32.
    Gauge32(u32),
    /// TimeTicks.
    TimeTicks(u32),
    /// Opaque.
    Opaque(&'a [u8]),
    /// Counter64.
    Counter64(u64),
    /// NULL.
    Null,
    /// noSuchObject.
    NoSuchObject,
    /// noSuchInstance.
    NoSuchInstance,
    /// endOfMibView.
    EndOfMibView,
}

/// Receives the contents of a decoded message from a library adapter.
///
/// Adapters report header fields (in any order), then for each varbind, in
/// wire order: its name via [`Sink::name`], then its value via either
/// [`Sink::value`] or [`Sink::oid_value`].
pub trait Sink {
    /// An INTEGER header field.
    fn int_field(&mut self, field: Field, value: i64);
    /// An OCTET STRING header field.
    fn bytes_field(&mut self, field: Field, value: &[u8]);
    /// The name of the next varbind, arc by arc.
    fn name<I: IntoIterator<Item = u64>>(&mut self, arcs: I);
    /// The (non-OID) value of the current varbind.
    fn value(&mut self, value: ValueRef<'_>);
    /// The OBJECT IDENTIFIER value of the current varbind, arc by arc.
    fn oid_value<I: IntoIterator<Item = u64>>(&mut self, arcs: I);
}

/// The fully materialized, library-neutral result of decoding a message.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Decoded {
    /// Header fields that were present.
    pub header: BTreeMap<Field, HeaderValue>,
    /// The varbinds, in wire order, as `(dotted OID, value)`.
    pub varbinds: Vec<(String, NormalizedValue)>,
}

impl Decoded {
    /// Feeds this description to a sink, exactly as an adapter would.
    pub fn replay<S: Sink>(&self, sink: &mut S) -> Result<(), String> {
        for (field, value) in &self.header {
            match value {
                HeaderValue::Int(v) => sink.int_field(*field, *v),
                HeaderValue::Bytes(v) => sink.bytes_field(*field, v),
            }
        }
        for (name, value) in &self.varbinds {
            sink.name(parse_dotted(name)?);
            match value {
                NormalizedValue::Int(v) => sink.value(ValueRef::Int(*v)),
                NormalizedValue::Str(v) => sink.value(ValueRef::Str(v)),
                NormalizedValue::Oid(v) => sink.oid_value(parse_dotted(v)?),
                NormalizedValue::Ip(v) => sink.value(ValueRef::Ip(*v)),
                NormalizedValue::Counter32(v) => sink.value(ValueRef::Counter32(*v)),
                NormalizedValue::Gauge32(v) => sink.value(ValueRef::Gauge32(*v)),
                NormalizedValue::TimeTicks(v) => sink.value(ValueRef::TimeTicks(*v)),
                NormalizedValue::Opaque(v) => sink.value(ValueRef::Opaque(v)),
                NormalizedValue::Counter64(v) => sink.value(ValueRef::Counter64(*v)),
                NormalizedValue::Null => sink.value(ValueRef::Null),
                NormalizedValue::NoSuchObject => sink.value(ValueRef::NoSuchObject),
                NormalizedValue::NoSuchInstance => sink.value(ValueRef::NoSuchInstance),
                NormalizedValue::EndOfMibView => sink.value(ValueRef::EndOfMibView),
            }
        }
        Ok(())
    }

    /// The digest a [`DigestSink`] computes for this description.
    pub fn digest(&self) -> Result<u64, String> {
        let mut sink = DigestSink::default();
        self.replay(&mut sink)?;
        sink.finish()
    }

    /// Describes the first difference from `expected`, if any.
    pub fn diff(&self, expected: &Decoded) -> Option<String> {
        let mut out = String::new();
        for (field, want) in &expected.header {
            match self.header.get(field) {
                Some(got) if got == want => {}
                got => {
                    let _ = writeln!(out, "  header {field:?}: expected {want:?}, got {got:?}");
                }
            }
        }
        for (field, got) in &self.header {
            if !expected.header.contains_key(field) {
                let _ = writeln!(out, "  header {field:?}: unexpected {got:?}");
            }
        }
        if self.varbinds.len() != expected.varbinds.len() {
            let _ = writeln!(
                out,
                "  varbind count: expected {}, got {}",
                expected.varbinds.len(),
                self.varbinds.len()
            );
        }
        for (i, (want, got)) in expected.varbinds.iter().zip(&self.varbinds).enumerate() {
            if want != got {
                let _ = writeln!(out, "  varbind #{i}: expected {want:?}, got {got:?}");
            }
        }
        if out.is_empty() { None } else { Some(out) }
    }
}

/// Parses a dotted OID string (`"1.3.6.1.2.1.1.1.0"`) into arcs.
pub fn parse_dotted(s: &str) -> Result<Vec<u64>, String> {
    s.split('.')
        .map(|arc| {
            arc.parse::<u64>()
                .map_err(|e| format!("bad OID {s:?}: {e}"))
        })
        .collect()
}

fn dotted<I: IntoIterator<Item = u64>>(arcs: I) -> String {
    let mut s = String::new();
    for (i, arc) in arcs.into_iter().enumerate() {
        if i > 0 {
            s.push('.');
        }
        let _ = write!(s, "{arc}");
    }
    s
}

/// A sink that materializes a [`Decoded`]. Used for verification only.
#[derive(Debug, Default)]
pub struct CollectSink {
    decoded: Decoded,
    pending_name: Option<String>,
    errors: Vec<String>,
}

impl CollectSink {
    fn push_value(&mut self, value: NormalizedValue) {
        match self.pending_name.take() {
            Some(name) => self.decoded.varbinds.push((name, value)),
            None => self
                .errors
                .push(format!("value {value:?} reported without a name")),
        }
    }

    fn set_field(&mut self, field: Field, value: HeaderValue) {
        if let Some(old) = self.decoded.header.insert(field, value) {
            self.errors.push(format!(
                "header field {field:?} reported twice (first {old:?})"
            ));
        }
    }

    /// The collected message, or the adapter protocol errors that occurred.
    pub fn finish(mut self) -> Result<Decoded, String> {
        if let Some(name) = self.pending_name.take() {
            self.errors
                .push(format!("name {name} reported without a value"));
        }
        if self.errors.is_empty() {
            Ok(self.decoded)
        } else {
            Err(self.errors.join("; "))
        }
    }
}

impl Sink for CollectSink {
    fn int_field(&mut self, field: Field, value: i64) {
        self.set_field(field, HeaderValue::Int(value));
    }

    fn bytes_field(&mut self, field: Field, value: &[u8]) {
        self.set_field(field, HeaderValue::Bytes(value.to_vec()));
    }

    fn name<I: IntoIterator<Item = u64>>(&mut self, arcs: I) {
        let name = dotted(arcs);
        if let Some(prev) = self.pending_name.replace(name) {
            self.errors
                .push(format!("name {prev} reported without a value"));
        }
    }

    fn value(&mut self, value: ValueRef<'_>) {
        let value = match value {
            ValueRef::Int(v) => NormalizedValue::Int(v),
            ValueRef::Str(v) => NormalizedValue::Str(v.to_vec()),
            ValueRef::Ip(v) => NormalizedValue::Ip(v),
            ValueRef::Counter32(v) => NormalizedValue::Counter32(v),
            ValueRef::Gauge32(v) => NormalizedValue::Gauge32(v),
            ValueRef::TimeTicks(v) => NormalizedValue::TimeTicks(v),
            ValueRef::Opaque(v) => NormalizedValue::Opaque(v.to_vec()),
            ValueRef::Counter64(v) => NormalizedValue::Counter64(v),
            ValueRef::Null => NormalizedValue::Null,
            ValueRef::NoSuchObject => NormalizedValue::NoSuchObject,
            ValueRef::NoSuchInstance => NormalizedValue::NoSuchInstance,
            ValueRef::EndOfMibView => NormalizedValue::EndOfMibView,
        };
        self.push_value(value);
    }

    fn oid_value<I: IntoIterator<Item = u64>>(&mut self, arcs: I) {
        let value = NormalizedValue::Oid(dotted(arcs));
        self.push_value(value);
    }
}

/// A cheap, allocation-free sink for the timed benchmarks.
///
/// It looks at every arc, integer and byte of the message once (byte strings
/// eight bytes at a time) and folds them into a Fletcher-style pair of sums
/// (`a += x; b += a`: one-cycle adds, position-sensitive), so the sink adds
/// only a few nanoseconds per varbind and every library pays the same. Header
/// fields, which libraries expose in different orders, are mixed and combined
/// commutatively. The digest is a cross-check that the timed path saw the
/// same data as the verified one; the exact check is [`CollectSink`].
#[derive(Debug, Clone, Default)]
pub struct DigestSink {
    a: u64,
    b: u64,
    header: u64,
    error: bool,
    expecting_value: bool,
}

/// A stronger mix for the (few) header fields, combined by addition.
fn mix(field: Field, x: u64) -> u64 {
    let mut z = x ^ ((field as u64) << 56) ^ 0x9E37_79B9_7F4A_7C15;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

fn word(bytes: &[u8]) -> u64 {
    let mut word = [0u8; 8];
    for (dst, src) in word.iter_mut().zip(bytes) {
        *dst = *src;
    }
    u64::from_le_bytes(word)
}

impl DigestSink {
    /// The digest, or an error if the adapter broke the name/value protocol.
    pub fn finish(self) -> Result<u64, String> {
        if self.error || self.expecting_value {
            return Err("adapter reported names and values out of order".to_owned());
        }
        Ok(self.a ^ self.b.rotate_left(21) ^ self.header.rotate_left(42))
    }

    #[inline(always)]
    fn add(&mut self, x: u64) {
        self.a = self.a.wrapping_add(x);
        self.b = self.b.wrapping_add(self.a);
    }

    #[inline(always)]
    fn add_bytes(&mut self, bytes: &[u8]) {
        self.add(bytes.len() as u64);
        let mut chunks = bytes.chunks_exact(8);
        for chunk in &mut chunks {
            self.add(word(chunk));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            self.add(word(rest));
        }
    }

    #[inline(always)]
    fn start_value(&mut self, tag: u64) {
        if !self.expecting_value {
            self.error = true;
        }
        self.expecting_value = false;
        self.add(tag << 48);
    }
}

impl Sink for DigestSink {
    fn int_field(&mut self, field: Field, value: i64) {
        self.header = self.header.wrapping_add(mix(field, value as u64));
    }

    fn bytes_field(&mut self, field: Field, value: &[u8]) {
        let mut h = 0x5151_u64;
        for chunk in value.chunks(8) {
            h = mix(field, h ^ word(chunk));
        }
        self.header = self.header.wrapping_add(mix(field, h ^ value.len() as u64));
    }

    #[inline(always)]
    fn name<I: IntoIterator<Item = u64>>(&mut self, arcs: I) {
        if self.expecting_value {
            self.error = true;
        }
        self.expecting_value = true;
        self.add(1 << 60);
        for arc in arcs {
            self.add(arc);
        }
    }

    #[inline(always)]
    fn value(&mut self, value: ValueRef<'_>) {
        match value {
            ValueRef::Int(v) => {
                self.start_value(1);
                self.add(v as u64);
            }
            ValueRef::Str(v) => {
                self.start_value(2);
                self.add_bytes(v);
            }
            ValueRef::Ip(v) => {
                self.start_value(3);
                self.add(u64::from(u32::from_be_bytes(v)));
            }
            ValueRef::Counter32(v) => {
                self.start_value(4);
                self.add(u64::from(v));
            }
            ValueRef::Gauge32(v) => {
                self.start_value(5);
                self.add(u64::from(v));
            }
            ValueRef::TimeTicks(v) => {
                self.start_value(6);
                self.add(u64::from(v));
            }
            ValueRef::Opaque(v) => {
                self.start_value(7);
                self.add_bytes(v);
            }
            ValueRef::Counter64(v) => {
                self.start_value(8);
                self.add(v);
            }
            ValueRef::Null => self.start_value(9),
            ValueRef::NoSuchObject => self.start_value(10),
            ValueRef::NoSuchInstance => self.start_value(11),
            ValueRef::EndOfMibView => self.start_value(12),
        }
    }

    #[inline(always)]
    fn oid_value<I: IntoIterator<Item = u64>>(&mut self, arcs: I) {
        self.start_value(13);
        for arc in arcs {
            self.add(arc);
        }
    }
}
