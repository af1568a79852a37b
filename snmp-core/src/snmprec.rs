//! snmpsim's `.snmprec` recording format: one `OID|TYPE|VALUE` record per line.
//!
//! The grammar follows snmpsim 0.4.5 (`snmpsim/grammar/snmprec.py`,
//! `snmpsim/record/snmprec.py`, `snmpsim/record/search/file.py`), so a file parses here exactly
//! when snmpsimd would serve it, to the same values:
//!
//! - Lines end at `\n`. Each line is stripped of Python whitespace (space, `\t`, `\n`, `\v`, `\f`,
//!   `\r`, `\x1c`-`\x1f`, `\x85`, `\xa0`: snmpsim decodes lines as ISO-8859-1); blank lines and
//!   lines starting with `#` are skipped.
//! - A record is split at the first two `|`: the value may itself contain `|`. The OID and the
//!   type must not be empty; the value may be.
//! - The type is the sum of the BER tag's class, form and number: `2` INTEGER, `4` OCTET STRING,
//!   `5` NULL, `6` OBJECT IDENTIFIER, `64` IpAddress, `65` Counter32, `66` Gauge32,
//!   `67` TimeTicks, `68` Opaque, `70` Counter64, and `128`/`129`/`130` for the exceptions
//!   noSuchObject/noSuchInstance/endOfMibView. A suffix `x` means the value is hex (`4x`, `64x`,
//!   `68x`: an odd digit count is padded with a trailing `0` nibble, as pyasn1 does); a suffix
//!   `e` means a Python-escaped string (`\\`, `\'`, `\"`, `\a`, `\b`, `\f`, `\n`, `\r`, `\t`, `\v`,
//!   `\xHH`). A type containing `:` names a snmpsim variation module, which is not supported.
//! - Numbers follow Python's `int()`: surrounding whitespace, an optional sign, leading zeros
//!   and single `_` between digits are accepted. OIDs (the record's and `6` values) are dotted
//!   numbers in the same syntax; empty parts are skipped (`.1.3.6.`, `1.3..6` and `1.3.6` are
//!   the same OID), as pyasn1 does.
//! - NULL and the exceptions take an empty value.
//!
//! Where pyasn1 accepts more than is useful, the parser here is stricter and says so with an
//! error: hex values must be hex digits only (pyasn1 pairs up any two characters `int(x, 16)`
//! accepts, so `"0a 0b"` becomes `0a 00 b0`), and OID values must be OIDs SNMP can encode (at
//! least two arcs, RFC 2578 section 3.5), which pyasn1 only finds out when it sends them.
//!
//! snmpsimd answers GETNEXT by a binary search of the file, so it serves a recording correctly
//! only if the OIDs ascend strictly; for GET it keeps the last of two records with the same OID
//! text. [`Recording::parse`] therefore refuses records out of order or repeated (naming both
//! lines), and [`Recording::parse_unordered`] sorts and keeps the last of each OID, which is the
//! value snmpsimd's GET answers.
//!
//! ```
//! use fleetwire_snmp::snmprec::Recording;
//! use fleetwire_snmp::{Oid, Value};
//!
//! let text = b"# an office printer\n\
//!     1.3.6.1.2.1.1.1.0|4|Example Printer 9000\n\
//!     1.3.6.1.2.1.2.2.1.6.1|4x|0200c0a80001\n\
//!     1.3.6.1.2.1.43.10.2.1.4.1.1|65|123456\n";
//! let recording = Recording::parse(text)?;
//! let mac: Oid = "1.3.6.1.2.1.2.2.1.6.1".parse()?;
//! assert_eq!(
//!     recording.get(&mac),
//!     Some(&Value::OctetString(vec![2, 0, 0xc0, 0xa8, 0, 1].into()))
//! );
//! let mut out = Vec::new();
//! recording.write(&mut out)?;
//! assert_eq!(Recording::parse(&out)?, recording);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt::{self, Write as _};

use crate::error::OidError;
use crate::oid::Oid;
use crate::value::Value;

/// The part of a `.snmprec` record an error is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SnmprecField {
    /// The record as a whole (its `|` separators, its place in the file).
    Record,
    /// The first field, the OID.
    Oid,
    /// The second field, the type tag.
    Type,
    /// The third field, the value.
    Value,
}

impl fmt::Display for SnmprecField {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Record => "record",
            Self::Oid => "OID",
            Self::Type => "type",
            Self::Value => "value",
        })
    }
}

/// What is wrong with a `.snmprec` record.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum SnmprecErrorKind {
    /// Fewer than two `|` separators.
    #[error("expected OID|TYPE|VALUE")]
    MissingSeparator,
    /// An empty OID or type field.
    #[error("empty")]
    Empty,
    /// An OID (the record's, or a type-6 value) that is not a valid OBJECT IDENTIFIER.
    #[error("invalid OBJECT IDENTIFIER: {0}")]
    Oid(OidError),
    /// A type tag snmpsim does not define.
    #[error("unknown type (expected 2, 4, 5, 6, 64, 65, 66, 67, 68, 70, 128, 129 or 130)")]
    UnknownType,
    /// A snmpsim variation module (`TYPE:MODULE`), which this parser does not run.
    #[error("snmpsim variation modules are not supported")]
    VariationModule,
    /// An encoding suffix (`x` hex, `e` escaped) on a type that cannot take it.
    #[error("encoding suffix '{0}' is not allowed for this type")]
    EncodingNotAllowed(char),
    /// Not a decimal integer (Python `int()` syntax).
    #[error("not a decimal integer")]
    InvalidInteger,
    /// A number outside the type's range.
    #[error("out of range {min}..={max}")]
    OutOfRange {
        /// Smallest allowed value.
        min: i64,
        /// Largest allowed value.
        max: u64,
    },
    /// A character that is not a hex digit, at this byte offset of the value.
    #[error("invalid hex digit at offset {position}")]
    InvalidHex {
        /// Byte offset within the value field.
        position: usize,
    },
    /// An unknown escape or a bad `\x` digit, at this byte offset of the value.
    #[error("invalid escape at offset {position}")]
    InvalidEscape {
        /// Byte offset within the value field.
        position: usize,
    },
    /// An IpAddress that is not four octets.
    #[error("IpAddress needs 4 octets, found {0}")]
    IpAddressLength(usize),
    /// A NULL or exception record with a value.
    #[error("must be empty for this type")]
    NotEmpty,
    /// A record whose OID does not follow the previous record's (snmpsimd's GETNEXT binary
    /// search needs ascending OIDs).
    #[error("OID is below the one on line {previous_line} (records must ascend)")]
    OutOfOrder {
        /// The line of the record with the larger OID.
        previous_line: usize,
    },
    /// A record with the same OID as an earlier one.
    #[error("OID repeats the one on line {previous_line}")]
    Duplicate {
        /// The line of the earlier record.
        previous_line: usize,
    },
    /// A value type the format has no tag for (written records only).
    #[error("{0} has no snmprec type")]
    Unrepresentable(&'static str),
}

/// A `.snmprec` error: what ([`SnmprecErrorKind`]), in which field, on which line (1-based;
/// for [`Recording::write`], the line the record would have had).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[error("line {line}: {field}: {kind}")]
pub struct SnmprecError {
    /// 1-based line number.
    pub line: usize,
    /// The field at fault.
    pub field: SnmprecField,
    /// What was wrong.
    pub kind: SnmprecErrorKind,
}

/// One parsed record and the line it came from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Record {
    /// 1-based line number in the input.
    pub line: usize,
    /// The record's OID.
    pub oid: Oid<'static>,
    /// The record's value.
    pub value: Value<'static>,
}

/// The records of a `.snmprec` text, in file order, skipping blank and comment lines.
///
/// Each item is one record or the error of one line; iteration can continue past an error.
pub fn records(text: &[u8]) -> Records<'_> {
    Records {
        rest: text,
        line: 0,
    }
}

/// Iterator returned by [`records`].
#[derive(Debug, Clone)]
pub struct Records<'a> {
    rest: &'a [u8],
    line: usize,
}

impl Iterator for Records<'_> {
    type Item = Result<Record, SnmprecError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.rest.is_empty() {
            let (raw, rest) = match self.rest.iter().position(|&b| b == b'\n') {
                Some(end) => (
                    self.rest.get(..end).unwrap_or_default(),
                    self.rest.get(end + 1..).unwrap_or_default(),
                ),
                None => (self.rest, &[][..]),
            };
            self.rest = rest;
            self.line += 1;
            let line = py_strip(raw);
            if line.is_empty() || line.first() == Some(&b'#') {
                continue;
            }
            let n = self.line;
            return Some(
                parse_record(line)
                    .map(|(oid, value)| Record {
                        line: n,
                        oid,
                        value,
                    })
                    .map_err(|(field, kind)| SnmprecError {
                        line: n,
                        field,
                        kind,
                    }),
            );
        }
        None
    }
}

/// A whole recording: records sorted by OID, one per OID.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Default)]
pub struct Recording {
    entries: Vec<(Oid<'static>, Value<'static>)>,
}

impl Recording {
    /// Parses a recording that snmpsimd serves correctly: every record valid and the OIDs
    /// strictly ascending. The first bad line is the error.
    pub fn parse(text: &[u8]) -> Result<Self, SnmprecError> {
        let mut entries: Vec<(Oid<'static>, Value<'static>)> = Vec::new();
        let mut previous_line = 0;
        for record in records(text) {
            let record = record?;
            if let Some((last, _)) = entries.last() {
                let kind = match record.oid.cmp(last) {
                    core::cmp::Ordering::Greater => None,
                    core::cmp::Ordering::Equal => {
                        Some(SnmprecErrorKind::Duplicate { previous_line })
                    }
                    core::cmp::Ordering::Less => {
                        Some(SnmprecErrorKind::OutOfOrder { previous_line })
                    }
                };
                if let Some(kind) = kind {
                    return Err(SnmprecError {
                        line: record.line,
                        field: SnmprecField::Oid,
                        kind,
                    });
                }
            }
            previous_line = record.line;
            entries.push((record.oid, record.value));
        }
        Ok(Self { entries })
    }

    /// Parses a recording in any order: records are sorted by OID and, of records with the same
    /// OID, the last one is kept (the value snmpsimd's GET answers). Every record must be valid.
    pub fn parse_unordered(text: &[u8]) -> Result<Self, SnmprecError> {
        let entries = records(text)
            .map(|r| r.map(|r| (r.oid, r.value)))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Self::from_entries(entries))
    }

    /// Builds a recording from pairs in any order; of pairs with the same OID, the last wins.
    pub fn from_entries(entries: impl IntoIterator<Item = (Oid<'static>, Value<'static>)>) -> Self {
        let mut entries: Vec<_> = entries.into_iter().collect();
        // A stable sort keeps equal OIDs in input order; keep the last of each run.
        entries.sort_by(|a, b| a.0.cmp(&b.0));
        let mut out: Vec<(Oid<'static>, Value<'static>)> = Vec::with_capacity(entries.len());
        for entry in entries {
            match out.last_mut() {
                Some(last) if last.0 == entry.0 => *last = entry,
                _ => out.push(entry),
            }
        }
        Self { entries: out }
    }

    /// The records, sorted by OID, one per OID.
    pub fn entries(&self) -> &[(Oid<'static>, Value<'static>)] {
        &self.entries
    }

    /// The records, sorted by OID, one per OID.
    pub fn into_entries(self) -> Vec<(Oid<'static>, Value<'static>)> {
        self.entries
    }

    /// The value recorded for exactly this OID.
    pub fn get(&self, oid: &Oid<'_>) -> Option<&Value<'static>> {
        self.entries
            .binary_search_by(|(o, _)| o.borrowed().cmp(&oid.borrowed()))
            .ok()
            .and_then(|i| self.entries.get(i))
            .map(|(_, v)| v)
    }

    /// The number of records.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when there are no records.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Appends the recording as `.snmprec` text, one record per line (see [`write_record`]).
    pub fn write(&self, out: &mut Vec<u8>) -> Result<(), SnmprecError> {
        for (i, (oid, value)) in self.entries.iter().enumerate() {
            write_record(out, oid, value).map_err(|kind| SnmprecError {
                line: i + 1,
                field: SnmprecField::Value,
                kind,
            })?;
        }
        Ok(())
    }
}

/// Appends one record and its newline.
///
/// OCTET STRINGs are written as text (type `4`) when every byte is printable ASCII and the last
/// is not a space (snmpsim strips trailing whitespace), otherwise as hex (`4x`); Opaque is
/// always hex (`68x`). NsapAddress and UInteger32 have no snmprec type: that is an error, and
/// nothing is appended.
pub fn write_record(
    out: &mut Vec<u8>,
    oid: &Oid<'_>,
    value: &Value<'_>,
) -> Result<(), SnmprecErrorKind> {
    let (tag, hex): (&str, bool) = match value {
        Value::Integer(_) => ("2", false),
        Value::OctetString(b) => ("4", !is_plain_text(b)),
        Value::Null => ("5", false),
        Value::ObjectIdentifier(_) => ("6", false),
        Value::IpAddress(_) => ("64", false),
        Value::Counter32(_) => ("65", false),
        Value::Gauge32(_) => ("66", false),
        Value::TimeTicks(_) => ("67", false),
        Value::Opaque(_) => ("68", true),
        Value::Counter64(_) => ("70", false),
        Value::NoSuchObject => ("128", false),
        Value::NoSuchInstance => ("129", false),
        Value::EndOfMibView => ("130", false),
        Value::NsapAddress(_) | Value::UInteger32(_) => {
            return Err(SnmprecErrorKind::Unrepresentable(value.type_name()));
        }
    };
    let mut text = alloc::string::String::new();
    // Writing into a String cannot fail.
    let _ = write!(text, "{oid}|{tag}{}|", if hex { "x" } else { "" });
    let _ = match value {
        Value::Integer(v) => write!(text, "{v}"),
        Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) => write!(text, "{v}"),
        Value::Counter64(v) => write!(text, "{v}"),
        Value::ObjectIdentifier(o) => write!(text, "{o}"),
        Value::IpAddress([a, b, c, d]) => write!(text, "{a}.{b}.{c}.{d}"),
        Value::OctetString(b) | Value::Opaque(b) if hex => {
            b.iter().try_for_each(|byte| write!(text, "{byte:02x}"))
        }
        _ => Ok(()),
    };
    out.extend_from_slice(text.as_bytes());
    if let (Value::OctetString(b), false) = (value, hex) {
        out.extend_from_slice(b);
    }
    out.push(b'\n');
    Ok(())
}

/// True when snmpsim reads these bytes back unchanged as a plain type-4 value.
fn is_plain_text(bytes: &[u8]) -> bool {
    bytes.iter().all(|&b| (0x20..0x7f).contains(&b)) && bytes.last() != Some(&b' ')
}

/// The type tags of the format, named by the BER tag they stand for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Tag {
    Integer,
    OctetString,
    Null,
    ObjectIdentifier,
    IpAddress,
    Counter32,
    Gauge32,
    TimeTicks,
    Opaque,
    Counter64,
    NoSuchObject,
    NoSuchInstance,
    EndOfMibView,
}

impl Tag {
    fn from_text(text: &[u8]) -> Option<Self> {
        Some(match text {
            b"2" => Self::Integer,
            b"4" => Self::OctetString,
            b"5" => Self::Null,
            b"6" => Self::ObjectIdentifier,
            b"64" => Self::IpAddress,
            b"65" => Self::Counter32,
            b"66" => Self::Gauge32,
            b"67" => Self::TimeTicks,
            b"68" => Self::Opaque,
            b"70" => Self::Counter64,
            b"128" => Self::NoSuchObject,
            b"129" => Self::NoSuchInstance,
            b"130" => Self::EndOfMibView,
            _ => return None,
        })
    }
}

/// How the value field is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Encoding {
    Plain,
    Hex,
    Escaped,
}

type FieldError = (SnmprecField, SnmprecErrorKind);

/// Parses one stripped, non-comment line.
fn parse_record(line: &[u8]) -> Result<(Oid<'static>, Value<'static>), FieldError> {
    let mut parts = line.splitn(3, |&b| b == b'|');
    let (Some(oid), Some(tag), Some(value)) = (parts.next(), parts.next(), parts.next()) else {
        return Err((SnmprecField::Record, SnmprecErrorKind::MissingSeparator));
    };
    if oid.is_empty() {
        return Err((SnmprecField::Oid, SnmprecErrorKind::Empty));
    }
    if tag.is_empty() {
        return Err((SnmprecField::Type, SnmprecErrorKind::Empty));
    }
    let oid = parse_oid(oid).map_err(|kind| (SnmprecField::Oid, kind))?;
    let (tag, encoding) = parse_tag(tag).map_err(|kind| (SnmprecField::Type, kind))?;
    let value = parse_value(tag, encoding, value).map_err(|kind| (SnmprecField::Value, kind))?;
    Ok((oid, value))
}

fn parse_tag(text: &[u8]) -> Result<(Tag, Encoding), SnmprecErrorKind> {
    if text.contains(&b':') {
        return Err(SnmprecErrorKind::VariationModule);
    }
    let (number, encoding) = match text.split_last() {
        Some((b'x', number)) => (number, Encoding::Hex),
        Some((b'e', number)) => (number, Encoding::Escaped),
        _ => (text, Encoding::Plain),
    };
    let tag = Tag::from_text(number).ok_or(SnmprecErrorKind::UnknownType)?;
    let allowed = match tag {
        // pyasn1 builds these from bytes (hexValue= or a list of octets).
        Tag::OctetString | Tag::IpAddress | Tag::Opaque => true,
        // These take no value at all, so any encoding of the empty value works.
        Tag::Null | Tag::NoSuchObject | Tag::NoSuchInstance | Tag::EndOfMibView => true,
        _ => encoding == Encoding::Plain,
    };
    if !allowed {
        let suffix = if encoding == Encoding::Hex { 'x' } else { 'e' };
        return Err(SnmprecErrorKind::EncodingNotAllowed(suffix));
    }
    Ok((tag, encoding))
}

fn parse_value(
    tag: Tag,
    encoding: Encoding,
    text: &[u8],
) -> Result<Value<'static>, SnmprecErrorKind> {
    let bytes = |text: &[u8]| -> Result<Vec<u8>, SnmprecErrorKind> {
        match encoding {
            Encoding::Plain => Ok(text.to_vec()),
            Encoding::Hex => unhex(text),
            Encoding::Escaped => unescape(text),
        }
    };
    Ok(match tag {
        Tag::Integer => {
            let v = py_int_in(text, i64::from(i32::MIN), i32::MAX.unsigned_abs().into())?;
            Value::Integer(i32::try_from(v).map_err(|_| SnmprecErrorKind::InvalidInteger)?)
        }
        Tag::Counter32 => Value::Counter32(py_u32(text)?),
        Tag::Gauge32 => Value::Gauge32(py_u32(text)?),
        Tag::TimeTicks => Value::TimeTicks(py_u32(text)?),
        Tag::Counter64 => {
            let v = py_int_in(text, 0, u64::MAX)?;
            Value::Counter64(u64::try_from(v).map_err(|_| SnmprecErrorKind::InvalidInteger)?)
        }
        Tag::OctetString => Value::OctetString(Cow::Owned(bytes(text)?)),
        Tag::Opaque => Value::Opaque(Cow::Owned(bytes(text)?)),
        Tag::IpAddress => {
            let octets = if encoding == Encoding::Plain {
                dotted_quad(text)?
            } else {
                bytes(text)?
            };
            let len = octets.len();
            Value::IpAddress(
                octets
                    .try_into()
                    .map_err(|_| SnmprecErrorKind::IpAddressLength(len))?,
            )
        }
        Tag::ObjectIdentifier => Value::ObjectIdentifier(parse_oid(text)?),
        Tag::Null | Tag::NoSuchObject | Tag::NoSuchInstance | Tag::EndOfMibView => {
            if !text.is_empty() {
                return Err(SnmprecErrorKind::NotEmpty);
            }
            match tag {
                Tag::Null => Value::Null,
                Tag::NoSuchObject => Value::NoSuchObject,
                Tag::NoSuchInstance => Value::NoSuchInstance,
                _ => Value::EndOfMibView,
            }
        }
    })
}

/// Python's `str.isspace()` for an ISO-8859-1 character.
fn is_py_space(b: u8) -> bool {
    matches!(b, b'\t'..=b'\r' | 0x1c..=0x20 | 0x85 | 0xa0)
}

/// Python's `str.strip()` on ISO-8859-1 text.
fn py_strip(mut s: &[u8]) -> &[u8] {
    while let [first, rest @ ..] = s
        && is_py_space(*first)
    {
        s = rest;
    }
    while let [rest @ .., last] = s
        && is_py_space(*last)
    {
        s = rest;
    }
    s
}

/// Python's `int(text)` in base 10: surrounding whitespace, an optional sign, ASCII digits with
/// single underscores between them. Returns the sign and the magnitude (saturated).
fn py_int(text: &[u8]) -> Result<(bool, u128), SnmprecErrorKind> {
    let text = py_strip(text);
    let (negative, digits) = match text {
        [b'-', rest @ ..] => (true, rest),
        [b'+', rest @ ..] => (false, rest),
        _ => (false, text),
    };
    if digits.is_empty()
        || digits.first() == Some(&b'_')
        || digits.last() == Some(&b'_')
        || digits.windows(2).any(|w| w == b"__")
    {
        return Err(SnmprecErrorKind::InvalidInteger);
    }
    let mut magnitude: u128 = 0;
    for &b in digits {
        match b {
            b'0'..=b'9' => {
                magnitude = magnitude
                    .saturating_mul(10)
                    .saturating_add(u128::from(b - b'0'));
            }
            b'_' => {}
            _ => return Err(SnmprecErrorKind::InvalidInteger),
        }
    }
    Ok((negative, magnitude))
}

/// [`py_int`] checked against `min..=max`, as an `i128`.
fn py_int_in(text: &[u8], min: i64, max: u64) -> Result<i128, SnmprecErrorKind> {
    let (negative, magnitude) = py_int(text)?;
    let out_of_range = SnmprecErrorKind::OutOfRange { min, max };
    let magnitude = i128::try_from(magnitude).map_err(|_| out_of_range)?;
    let value = if negative { -magnitude } else { magnitude };
    if value < i128::from(min) || value > i128::from(max) {
        return Err(out_of_range);
    }
    Ok(value)
}

fn py_u32(text: &[u8]) -> Result<u32, SnmprecErrorKind> {
    let v = py_int_in(text, 0, u32::MAX.into())?;
    u32::try_from(v).map_err(|_| SnmprecErrorKind::InvalidInteger)
}

/// A dotted OID in pyasn1's syntax: Python integers between dots; empty parts (a leading or
/// trailing dot, two dots in a row) are skipped.
fn parse_oid(text: &[u8]) -> Result<Oid<'static>, SnmprecErrorKind> {
    let mut arcs = [0u32; crate::Limits::RFC_MAX_OID_ARCS];
    let mut n = 0usize;
    // pyasn1 skips empty parts: `.1.3.`, `1..3` and `1.3` are the same OID.
    for part in text.split(|&b| b == b'.').filter(|p| !p.is_empty()) {
        let arc = py_int_in(part, 0, u32::MAX.into()).map_err(|kind| match kind {
            SnmprecErrorKind::OutOfRange { .. } => {
                SnmprecErrorKind::Oid(OidError::ArcTooLarge { index: n })
            }
            other => other,
        })?;
        let slot = arcs
            .get_mut(n)
            .ok_or(SnmprecErrorKind::Oid(OidError::TooManyArcs {
                max: crate::Limits::RFC_MAX_OID_ARCS,
            }))?;
        *slot = u32::try_from(arc).map_err(|_| SnmprecErrorKind::InvalidInteger)?;
        n += 1;
    }
    if n == 0 {
        return Err(SnmprecErrorKind::Oid(OidError::Empty));
    }
    Oid::from_arcs(arcs.get(..n).unwrap_or_default()).map_err(SnmprecErrorKind::Oid)
}

/// An IpAddress in dotted-quad text: four Python integers 0..=255.
fn dotted_quad(text: &[u8]) -> Result<Vec<u8>, SnmprecErrorKind> {
    let parts: Vec<&[u8]> = text.split(|&b| b == b'.').collect();
    if parts.len() != 4 {
        return Err(SnmprecErrorKind::IpAddressLength(parts.len()));
    }
    parts
        .into_iter()
        .map(|p| py_int_in(p, 0, 255).map(|v| u8::try_from(v).unwrap_or_default()))
        .collect()
}

fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Hex digits to bytes; an odd count gets a trailing `0` nibble, as pyasn1's `hexValue` does.
fn unhex(text: &[u8]) -> Result<Vec<u8>, SnmprecErrorKind> {
    let mut out = Vec::with_capacity(text.len().div_ceil(2));
    for (i, pair) in text.chunks(2).enumerate() {
        let mut byte = 0u8;
        for (j, &c) in pair.iter().enumerate() {
            let d = hex_digit(c).ok_or(SnmprecErrorKind::InvalidHex {
                position: 2 * i + j,
            })?;
            byte |= d << (4 * (1 - j));
        }
        out.push(byte);
    }
    Ok(out)
}

/// snmpsim's `evaluateRawString`, byte for byte, including its quirks: an escape that yields a
/// backslash (`\\`, `\x5c`) starts another escape, and an escape cut short by the end of the
/// value is dropped.
fn unescape(text: &[u8]) -> Result<Vec<u8>, SnmprecErrorKind> {
    let mut out = Vec::with_capacity(text.len());
    // `Some(None)`: after `\x`; `Some(Some((position, c)))`: after `\xC`. Like snmpsim, the
    // first character is only checked when the second arrives, so a value ending in `\xC`
    // drops it whatever C is.
    let mut hex: Option<Option<(usize, u8)>> = None;
    let mut escape = false;
    for (position, &c) in text.iter().enumerate() {
        let bad = SnmprecErrorKind::InvalidEscape { position };
        let mut number = c;
        match hex {
            Some(None) => {
                hex = Some(Some((position, c)));
                continue;
            }
            Some(Some((first, high))) => {
                let high =
                    hex_digit(high).ok_or(SnmprecErrorKind::InvalidEscape { position: first })?;
                number = (high << 4) | hex_digit(c).ok_or(bad)?;
                hex = None;
            }
            None => {}
        }
        if escape {
            escape = false;
            number = match number {
                b'\\' | b'\'' | b'"' => number,
                b'a' => 7,
                b'b' => 8,
                b'f' => 12,
                b'n' => 10,
                b'r' => 13,
                b't' => 9,
                b'v' => 11,
                b'x' => {
                    hex = Some(None);
                    continue;
                }
                _ => return Err(bad),
            };
        }
        if number == b'\\' {
            escape = true;
            continue;
        }
        out.push(number);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use alloc::string::ToString;
    use alloc::vec;
    use proptest::prelude::*;

    fn one(line: &str) -> Result<Value<'static>, SnmprecError> {
        let recording = Recording::parse(line.as_bytes())?;
        Ok(recording.entries()[0].1.clone())
    }

    fn kind(line: &str) -> (SnmprecField, SnmprecErrorKind) {
        let e = Recording::parse(line.as_bytes()).unwrap_err();
        (e.field, e.kind)
    }

    fn os(b: &[u8]) -> Value<'static> {
        Value::OctetString(Cow::Owned(b.to_vec()))
    }

    #[test]
    fn every_type() {
        assert_eq!(one("1.3.6|2|-2147483648"), Ok(Value::Integer(i32::MIN)));
        assert_eq!(one("1.3.6|2| +1_000 "), Ok(Value::Integer(1000)));
        assert_eq!(one("1.3.6|2|0007"), Ok(Value::Integer(7)));
        assert_eq!(one("1.3.6|4|a|b c"), Ok(os(b"a|b c")));
        assert_eq!(one("1.3.6|4|"), Ok(os(b"")));
        // Bytes pass through unchanged (snmpsim reads the file as ISO-8859-1).
        assert_eq!(
            Recording::parse(b"1.3.6|4|\xe9\xc3\xa9").unwrap().entries()[0].1,
            os(&[0xe9, 0xc3, 0xa9])
        );
        assert_eq!(one("1.3.6|4x|0a0B"), Ok(os(&[10, 11])));
        assert_eq!(one("1.3.6|4x|0a0"), Ok(os(&[10, 0])));
        assert_eq!(one("1.3.6|4e|a\\x41\\n\\t"), Ok(os(b"aA\n\t")));
        assert_eq!(one("1.3.6|5|"), Ok(Value::Null));
        assert_eq!(one("1.3.6|5x|"), Ok(Value::Null));
        assert_eq!(
            one("1.3.6|6|.1.3.6.1.4.1."),
            Ok(Value::ObjectIdentifier("1.3.6.1.4.1".parse().unwrap()))
        );
        assert_eq!(
            one("1.3.6|64|192.0.2.01"),
            Ok(Value::IpAddress([192, 0, 2, 1]))
        );
        assert_eq!(
            one("1.3.6|64x|7f000001"),
            Ok(Value::IpAddress([127, 0, 0, 1]))
        );
        assert_eq!(one("1.3.6|64e|abcd"), Ok(Value::IpAddress(*b"abcd")));
        assert_eq!(one("1.3.6|65|4294967295"), Ok(Value::Counter32(u32::MAX)));
        assert_eq!(one("1.3.6|66|-0"), Ok(Value::Gauge32(0)));
        assert_eq!(one("1.3.6|67|12"), Ok(Value::TimeTicks(12)));
        assert_eq!(
            one("1.3.6|68x|9f780440600000"),
            Ok(Value::Opaque(Cow::Owned(vec![
                0x9f, 0x78, 4, 0x40, 0x60, 0, 0
            ])))
        );
        assert_eq!(
            one("1.3.6|70|18446744073709551615"),
            Ok(Value::Counter64(u64::MAX))
        );
        assert_eq!(one("1.3.6|128|"), Ok(Value::NoSuchObject));
        assert_eq!(one("1.3.6|129x|"), Ok(Value::NoSuchInstance));
        assert_eq!(one("1.3.6|130|"), Ok(Value::EndOfMibView));
    }

    #[test]
    fn errors_name_line_and_field() {
        let text = b"# comment\n\n1.3.6.1|2|1\n1.3.6.2|2|x\n";
        assert_eq!(
            Recording::parse(text),
            Err(SnmprecError {
                line: 4,
                field: SnmprecField::Value,
                kind: SnmprecErrorKind::InvalidInteger
            })
        );
        assert_eq!(
            Recording::parse(text).unwrap_err().to_string(),
            "line 4: value: not a decimal integer"
        );
        use SnmprecErrorKind as K;
        use SnmprecField as F;
        assert_eq!(kind("1.3.6|4"), (F::Record, K::MissingSeparator));
        assert_eq!(kind("|4|x"), (F::Oid, K::Empty));
        assert_eq!(kind("1.3.6||x"), (F::Type, K::Empty));
        assert_eq!(kind("1.3.6|3|x"), (F::Type, K::UnknownType));
        assert_eq!(kind("1.3.6|02|1"), (F::Type, K::UnknownType));
        assert_eq!(kind("1.3.6|2:numeric|x"), (F::Type, K::VariationModule));
        assert_eq!(kind("1.3.6|:sql|x"), (F::Type, K::VariationModule));
        assert_eq!(kind("1.3.6|2x|01"), (F::Type, K::EncodingNotAllowed('x')));
        assert_eq!(kind("1.3.6|6e|1.3"), (F::Type, K::EncodingNotAllowed('e')));
        assert_eq!(
            kind("1.3.6|2|2147483648"),
            (
                F::Value,
                K::OutOfRange {
                    min: -2147483648,
                    max: 2147483647
                }
            )
        );
        assert_eq!(
            kind("1.3.6|65|-1"),
            (
                F::Value,
                K::OutOfRange {
                    min: 0,
                    max: 4294967295
                }
            )
        );
        assert_eq!(
            kind("1.3.6|70|99999999999999999999999999999999999999999999"),
            (
                F::Value,
                K::OutOfRange {
                    min: 0,
                    max: u64::MAX
                }
            )
        );
        for bad in ["", "5.0", "0x10", "_5", "5_", "5__0", "--5", " + 5", "1e3"] {
            assert_eq!(
                kind(&alloc::format!("1.3.6|2|{bad}")),
                (F::Value, K::InvalidInteger),
                "{bad:?}"
            );
        }
        assert_eq!(
            kind("1.3.6|4x|0g"),
            (F::Value, K::InvalidHex { position: 1 })
        );
        assert_eq!(
            kind("1.3.6|4x|0a 0b"),
            (F::Value, K::InvalidHex { position: 2 })
        );
        assert_eq!(
            kind("1.3.6|4e|\\q"),
            (F::Value, K::InvalidEscape { position: 1 })
        );
        assert_eq!(
            kind("1.3.6|4e|\\x1g"),
            (F::Value, K::InvalidEscape { position: 3 })
        );
        assert_eq!(kind("1.3.6|64|1.2.3"), (F::Value, K::IpAddressLength(3)));
        assert_eq!(kind("1.3.6|64x|7f00"), (F::Value, K::IpAddressLength(2)));
        assert_eq!(
            kind("1.3.6|64|256.1.1.1"),
            (F::Value, K::OutOfRange { min: 0, max: 255 })
        );
        assert_eq!(kind("1.3.6|5|x"), (F::Value, K::NotEmpty));
        assert_eq!(kind("1.3.6|128|x"), (F::Value, K::NotEmpty));
        assert_eq!(kind("1|2|1"), (F::Oid, K::Oid(OidError::TooFewArcs)));
        assert_eq!(kind("1.3.6.1a|2|1"), (F::Oid, K::InvalidInteger));
        assert_eq!(kind("1.3. .6|2|1"), (F::Oid, K::InvalidInteger));
        assert_eq!(kind(".|2|1"), (F::Oid, K::Oid(OidError::Empty)));
        assert_eq!(
            Recording::parse(b"1.3..6.|2|1").unwrap().entries()[0].0,
            "1.3.6".parse().unwrap()
        );
        assert_eq!(
            kind("1.3.4294967296|2|1"),
            (F::Oid, K::Oid(OidError::ArcTooLarge { index: 2 }))
        );
        assert_eq!(kind("1.3.6|6|1"), (F::Value, K::Oid(OidError::TooFewArcs)));
        assert_eq!(
            kind("1.3.6|6|1.40"),
            (F::Value, K::Oid(OidError::InvalidFirstArcs))
        );
    }

    #[test]
    fn escapes_match_snmpsim_quirks() {
        // Checked against snmpsim 0.4.5's evaluateRawString.
        assert_eq!(unescape(b"a\\\\nb"), Ok(b"a\nb".to_vec()));
        assert_eq!(unescape(b"a\\x5cnb"), Ok(b"a\nb".to_vec()));
        assert_eq!(unescape(b"\\x5c\\x5c"), Ok(vec![]));
        assert_eq!(unescape(b"a\\"), Ok(b"a".to_vec()));
        assert_eq!(unescape(b"a\\x"), Ok(b"a".to_vec()));
        assert_eq!(unescape(b"ab\\x4"), Ok(b"ab".to_vec()));
        assert_eq!(unescape(b"ab\\x."), Ok(b"ab".to_vec()));
        assert_eq!(unescape(b"\\'\\\""), Ok(b"'\"".to_vec()));
        assert_eq!(
            unescape(b"\\xg1"),
            Err(SnmprecErrorKind::InvalidEscape { position: 2 })
        );
        assert_eq!(
            unescape(b"\\0"),
            Err(SnmprecErrorKind::InvalidEscape { position: 1 })
        );
    }

    #[test]
    fn lines_comments_and_whitespace() {
        let text = b"  # indented comment\r\n\t\r\n \x85 1.3.6.1|4| x y \xa0\r\n1.3.6.2|2|1";
        let recording = Recording::parse(text).unwrap();
        assert_eq!(recording.len(), 2);
        assert_eq!(recording.entries()[0].1, os(b" x y"));
        let lines: Vec<usize> = records(text).map(|r| r.unwrap().line).collect();
        assert_eq!(lines, [3, 4]);
        assert!(Recording::parse(b"").unwrap().is_empty());
    }

    #[test]
    fn order_and_duplicates() {
        let unsorted = b"1.3.6.2|2|1\n1.3.6.10|2|2\n1.3.6.9|2|3\n";
        assert_eq!(
            Recording::parse(unsorted),
            Err(SnmprecError {
                line: 3,
                field: SnmprecField::Oid,
                kind: SnmprecErrorKind::OutOfOrder { previous_line: 2 }
            })
        );
        let dup = b"1.3.6.2|2|1\n# between\n.1.3.6.2|2|2\n";
        assert_eq!(
            Recording::parse(dup),
            Err(SnmprecError {
                line: 3,
                field: SnmprecField::Oid,
                kind: SnmprecErrorKind::Duplicate { previous_line: 1 }
            })
        );
        // Unordered: sorted by arcs (10 after 9), and the last duplicate wins.
        let both = b"1.3.6.10|2|2\n1.3.6.2|2|1\n1.3.6.9|2|3\n1.3.6.2|2|4\n";
        let r = Recording::parse_unordered(both).unwrap();
        let got: Vec<(alloc::string::String, Value<'static>)> = r
            .entries()
            .iter()
            .map(|(o, v)| (o.to_string(), v.clone()))
            .collect();
        assert_eq!(
            got,
            [
                ("1.3.6.2".into(), Value::Integer(4)),
                ("1.3.6.9".into(), Value::Integer(3)),
                ("1.3.6.10".into(), Value::Integer(2)),
            ]
        );
        assert_eq!(r.get(&"1.3.6.9".parse().unwrap()), Some(&Value::Integer(3)));
        assert_eq!(r.get(&"1.3.6.3".parse().unwrap()), None);
    }

    #[test]
    fn writer_chooses_text_or_hex() {
        let oid: Oid<'static> = "1.3.6.1".parse().unwrap();
        let mut out = Vec::new();
        for v in [
            os(b"Office MFP 5 | tray"),
            os(b"trailing "),
            os(b"\x00\x1b\xa9"),
            os(b""),
            Value::Opaque(Cow::Owned(vec![1, 2])),
            Value::IpAddress([192, 0, 2, 7]),
            Value::Integer(-3),
        ] {
            write_record(&mut out, &oid, &v).unwrap();
        }
        assert_eq!(
            core::str::from_utf8(&out).unwrap(),
            "1.3.6.1|4|Office MFP 5 | tray\n1.3.6.1|4x|747261696c696e6720\n\
             1.3.6.1|4x|001ba9\n1.3.6.1|4|\n1.3.6.1|68x|0102\n1.3.6.1|64|192.0.2.7\n\
             1.3.6.1|2|-3\n"
        );
        let mut out = Vec::new();
        assert_eq!(
            write_record(&mut out, &oid, &Value::UInteger32(1)),
            Err(SnmprecErrorKind::Unrepresentable("UInteger32"))
        );
        assert!(out.is_empty());
        let r = Recording::from_entries([(oid, Value::NsapAddress(Cow::Owned(vec![1])))]);
        assert_eq!(
            r.write(&mut out).unwrap_err().to_string(),
            "line 1: value: NsapAddress has no snmprec type"
        );
    }

    fn representable() -> impl Strategy<Value = Value<'static>> {
        crate::arbitrary::value(false).prop_filter("snmprec has a type for it", |v| {
            !matches!(v, Value::NsapAddress(_) | Value::UInteger32(_))
        })
    }

    /// Text built from the format's own pieces, so most lines get past the separators and
    /// exercise the value parsers (random bytes rarely would).
    fn snmprec_like_text() -> impl Strategy<Value = Vec<u8>> {
        let piece = prop_oneof![
            Just(&b"1.3.6.1.2.1.43.11.1.1.9.1."[..]),
            Just(&b"."[..]),
            Just(&b"|"[..]),
            Just(&b"\n"[..]),
            Just(&b"#"[..]),
            Just(&b" "[..]),
            Just(&b"\\"[..]),
            Just(&b"\\x"[..]),
            Just(&b"_"[..]),
            Just(&b"-"[..]),
            Just(&b":"[..]),
            Just(&b"x"[..]),
            Just(&b"e"[..]),
            Just(&b"2"[..]),
            Just(&b"4"[..]),
            Just(&b"64"[..]),
            Just(&b"70"[..]),
            Just(&b"130"[..]),
            Just(&b"4294967296"[..]),
            Just(&b"0a"[..]),
            Just(&b"\xa0"[..]),
        ];
        let chunk = prop_oneof![
            4 => piece.prop_map(<[u8]>::to_vec),
            1 => proptest::collection::vec(any::<u8>(), 0..4),
        ];
        proptest::collection::vec(chunk, 0..40).prop_map(|c| c.concat())
    }

    proptest! {
        #[test]
        fn write_then_parse_round_trips(
            entries in proptest::collection::vec((crate::arbitrary::oid(), representable()), 0..40)
        ) {
            let recording = Recording::from_entries(entries);
            let mut text = Vec::new();
            recording.write(&mut text).unwrap();
            prop_assert_eq!(Recording::parse(&text), Ok(recording));
        }

        #[test]
        fn parse_never_panics_and_reparses(text in snmprec_like_text()) {
            crate::internal::snmprec(&text);
        }
    }
}
