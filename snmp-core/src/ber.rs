//! The BER subset SNMP uses (RFC 3417 section 8): a borrowed reader and an appending writer.
//!
//! Only what SNMP needs is here: low-tag-number identifiers, definite lengths (long form with up
//! to four octets; RFC 3417 allows more length octets than the minimum, so we accept them),
//! INTEGER in minimal two's complement, and primitive/constructed TLVs. The reader hands out
//! bounded sub-readers for constructed contents, so no element can read past its parent, and
//! every error carries the absolute byte offset of the element that failed.

use alloc::vec::Vec;

use crate::error::{DecodeError, ErrorKind, Field};
use crate::options::{Anomalies, AnomalyKind, DecodeOptions};

/// Universal and SNMP application/context tags (single identifier octet).
pub(crate) mod tag {
    pub(crate) const INTEGER: u8 = 0x02;
    pub(crate) const OCTET_STRING: u8 = 0x04;
    pub(crate) const NULL: u8 = 0x05;
    pub(crate) const OBJECT_IDENTIFIER: u8 = 0x06;
    pub(crate) const SEQUENCE: u8 = 0x30;
    pub(crate) const IP_ADDRESS: u8 = 0x40;
    pub(crate) const COUNTER32: u8 = 0x41;
    pub(crate) const GAUGE32: u8 = 0x42;
    pub(crate) const TIMETICKS: u8 = 0x43;
    pub(crate) const OPAQUE: u8 = 0x44;
    pub(crate) const NSAP_ADDRESS: u8 = 0x45;
    pub(crate) const COUNTER64: u8 = 0x46;
    pub(crate) const UINTEGER32: u8 = 0x47;
    pub(crate) const NO_SUCH_OBJECT: u8 = 0x80;
    pub(crate) const NO_SUCH_INSTANCE: u8 = 0x81;
    pub(crate) const END_OF_MIB_VIEW: u8 = 0x82;
    /// Bit 6 of the identifier octet: constructed encoding.
    pub(crate) const CONSTRUCTED: u8 = 0x20;
}

/// Decoding state shared by one decode: the options and the anomalies seen so far.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ctx {
    pub(crate) opts: DecodeOptions,
    pub(crate) anomalies: Anomalies,
    /// Set when re-reading bytes that a decode with the same options already validated (the
    /// lazy varbind iterator): OID contents are then taken as they are instead of being
    /// validated again. Everything else is still parsed with full bounds checks.
    pub(crate) trusted: bool,
}

impl Ctx {
    pub(crate) fn new(opts: DecodeOptions) -> Self {
        Self {
            opts,
            anomalies: Anomalies::default(),
            trusted: false,
        }
    }

    /// A context for re-reading bytes already validated with `opts`.
    pub(crate) fn trusted(opts: DecodeOptions) -> Self {
        Self {
            trusted: true,
            ..Self::new(opts)
        }
    }
}

/// One tag-length-value element, borrowed from the input.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Tlv<'a> {
    pub(crate) tag: u8,
    pub(crate) content: &'a [u8],
    /// Absolute offset of the identifier octet.
    pub(crate) offset: usize,
    /// Absolute offset of the first content octet.
    pub(crate) content_offset: usize,
}

impl<'a> Tlv<'a> {
    /// A reader over this element's contents.
    pub(crate) fn reader(&self) -> Reader<'a> {
        Reader::new(self.content, self.content_offset)
    }

    pub(crate) fn err(&self, kind: ErrorKind, field: Field) -> DecodeError {
        DecodeError::new(kind, field, self.offset)
    }
}

/// A cursor over borrowed bytes, positioned at an absolute offset of the original input.
#[derive(Debug, Clone)]
pub(crate) struct Reader<'a> {
    data: &'a [u8],
    pos: usize,
    base: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(data: &'a [u8], base: usize) -> Self {
        Self { data, pos: 0, base }
    }

    /// Absolute offset of the next unread byte.
    pub(crate) fn offset(&self) -> usize {
        self.base + self.pos
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.pos >= self.data.len()
    }

    /// The unread bytes.
    #[inline]
    pub(crate) fn rest(&self) -> &'a [u8] {
        self.data.get(self.pos..).unwrap_or_default()
    }

    /// Skips `n` bytes that a caller parsed from [`rest`](Self::rest).
    #[inline]
    pub(crate) fn advance(&mut self, n: usize) {
        self.pos = self.pos.saturating_add(n).min(self.data.len());
    }

    fn err(&self, kind: ErrorKind, field: Field) -> DecodeError {
        DecodeError::new(kind, field, self.offset())
    }

    /// Reads one element. `field` names it in errors.
    #[inline]
    pub(crate) fn read(&mut self, field: Field, ctx: &mut Ctx) -> Result<Tlv<'a>, DecodeError> {
        // Fast path: low tag number, short-form length, contents present. Most elements of an
        // SNMP message (everything inside a varbind) take it.
        if let [tag, len @ 0..=0x7f, tail @ ..] = self.rest()
            && tag & 0x1f != 0x1f
            && let Some(content) = tail.get(..usize::from(*len))
        {
            let offset = self.offset();
            self.pos += 2 + content.len();
            return Ok(Tlv {
                tag: *tag,
                content,
                offset,
                content_offset: offset + 2,
            });
        }
        self.read_general(field, ctx)
    }

    /// Every other case of [`read`](Self::read): long-form lengths, leniency, and errors.
    #[inline(never)]
    fn read_general(&mut self, field: Field, ctx: &mut Ctx) -> Result<Tlv<'a>, DecodeError> {
        let offset = self.offset();
        let rest = self.rest();
        let (&tag, after_tag) = rest.split_first().ok_or(DecodeError::new(
            ErrorKind::Truncated {
                needed: 2,
                available: 0,
            },
            field,
            offset,
        ))?;
        if tag & 0x1f == 0x1f {
            return Err(self.err(ErrorKind::HighTagNumber, field));
        }
        let (&first, mut after_len) = after_tag.split_first().ok_or(DecodeError::new(
            ErrorKind::Truncated {
                needed: 1,
                available: 0,
            },
            field,
            offset,
        ))?;
        let len = if first < 0x80 {
            usize::from(first)
        } else if first == 0x80 {
            return Err(DecodeError::new(ErrorKind::IndefiniteLength, field, offset));
        } else {
            let n = first & 0x7f;
            if n > 4 {
                return Err(DecodeError::new(ErrorKind::LengthTooLong(n), field, offset));
            }
            let n = usize::from(n);
            let (len_bytes, tail) = after_len.split_at_checked(n).ok_or(DecodeError::new(
                ErrorKind::Truncated {
                    needed: n,
                    available: after_len.len(),
                },
                field,
                offset,
            ))?;
            after_len = tail;
            len_bytes
                .iter()
                .fold(0usize, |acc, &b| (acc << 8) | usize::from(b))
        };
        let header_len = rest.len() - after_len.len();
        let content_offset = offset + header_len;
        let content = match after_len.get(..len) {
            Some(content) => content,
            None if tag == tag::OCTET_STRING
                && ctx.opts.leniency.octet_string_overrun
                && len == after_len.len() + 1 =>
            {
                ctx.anomalies
                    .record(AnomalyKind::OctetStringOverrun, offset);
                after_len
            }
            None => {
                return Err(DecodeError::new(
                    ErrorKind::Truncated {
                        needed: len,
                        available: after_len.len(),
                    },
                    field,
                    offset,
                ));
            }
        };
        self.pos += header_len + content.len();
        Ok(Tlv {
            tag,
            content,
            offset,
            content_offset,
        })
    }

    /// Reads one element that must carry `expected` as its tag.
    #[inline]
    pub(crate) fn expect(
        &mut self,
        expected: u8,
        field: Field,
        ctx: &mut Ctx,
    ) -> Result<Tlv<'a>, DecodeError> {
        // The tag first: input that is not this element at all says so, rather than failing
        // on whatever its second byte claims as a length.
        if let Some(&found) = self.rest().first()
            && found != expected
        {
            return Err(self.err(ErrorKind::UnexpectedTag { expected, found }, field));
        }
        let tlv = self.read(field, ctx)?;
        if tlv.tag != expected {
            return Err(tlv.err(
                ErrorKind::UnexpectedTag {
                    expected,
                    found: tlv.tag,
                },
                field,
            ));
        }
        Ok(tlv)
    }

    /// Reads a SEQUENCE and returns a reader over its contents.
    #[inline]
    pub(crate) fn sequence(
        &mut self,
        field: Field,
        ctx: &mut Ctx,
    ) -> Result<Reader<'a>, DecodeError> {
        Ok(self.expect(tag::SEQUENCE, field, ctx)?.reader())
    }

    /// Reads an OCTET STRING and returns its contents.
    pub(crate) fn octet_string(
        &mut self,
        field: Field,
        ctx: &mut Ctx,
    ) -> Result<&'a [u8], DecodeError> {
        Ok(self.expect(tag::OCTET_STRING, field, ctx)?.content)
    }

    /// Reads an INTEGER that must fit in `min..=max`.
    #[inline]
    pub(crate) fn integer_in(
        &mut self,
        field: Field,
        ctx: &mut Ctx,
        min: i64,
        max: i64,
    ) -> Result<i64, DecodeError> {
        let tlv = self.expect(tag::INTEGER, field, ctx)?;
        // Fast path: a minimal encoding of one to four bytes (every header INTEGER in practice).
        if let Some(v) = small_signed(tlv.content)
            && (min..=max).contains(&v)
        {
            return Ok(v);
        }
        integer_general(&tlv, field, ctx, min, max)
    }

    /// Reads an Integer32.
    pub(crate) fn i32(&mut self, field: Field, ctx: &mut Ctx) -> Result<i32, DecodeError> {
        let v = self.integer_in(field, ctx, i64::from(i32::MIN), i64::from(i32::MAX))?;
        Ok(i32::try_from(v).unwrap_or_default())
    }

    /// Reads an INTEGER (0..2147483647), the range RFC 3416 and RFC 3412 use for counts and ids.
    pub(crate) fn non_negative_i32(
        &mut self,
        field: Field,
        ctx: &mut Ctx,
    ) -> Result<u32, DecodeError> {
        let v = self.integer_in(field, ctx, 0, i64::from(i32::MAX))?;
        Ok(u32::try_from(v).unwrap_or_default())
    }

    /// Fails when bytes remain.
    pub(crate) fn finish(&self, field: Field) -> Result<(), DecodeError> {
        let left = self.data.len().saturating_sub(self.pos);
        if left > 0 {
            return Err(self.err(ErrorKind::TrailingBytes(left), field));
        }
        Ok(())
    }
}

/// [`Reader::integer_in`] for everything but short minimal encodings: leniency, range errors.
#[cold]
#[inline(never)]
fn integer_general(
    tlv: &Tlv<'_>,
    field: Field,
    ctx: &mut Ctx,
    min: i64,
    max: i64,
) -> Result<i64, DecodeError> {
    let value = signed(tlv, field, ctx)?;
    if value < i128::from(min) || value > i128::from(max) {
        let clamped = i64::try_from(value).unwrap_or(if value < 0 { i64::MIN } else { i64::MAX });
        return Err(tlv.err(
            ErrorKind::OutOfRange {
                value: clamped,
                min,
                max,
            },
            field,
        ));
    }
    Ok(i64::try_from(value).unwrap_or_default())
}

/// The value of a minimal INTEGER encoding of one to four bytes, or `None` for anything else
/// (which the general path then decides).
#[inline]
pub(crate) fn small_signed(c: &[u8]) -> Option<i64> {
    let v = match *c {
        [a] => i64::from(a as i8),
        [a, b] if !redundant_sign(a, b) => i64::from(i16::from_be_bytes([a, b])),
        [a, b, d] if !redundant_sign(a, b) => i64::from(i32::from_be_bytes([a, b, d, 0]) >> 8),
        [a, b, d, e] if !redundant_sign(a, b) => i64::from(i32::from_be_bytes([a, b, d, e])),
        _ => return None,
    };
    Some(v)
}

/// A definite length in short form or in one or two long-form octets: `(length, octets
/// used)`. Anything else is left to the general path.
#[inline]
pub(crate) fn small_length(b: &[u8]) -> Option<(usize, usize)> {
    match *b {
        [l, ..] if l < 0x80 => Some((usize::from(l), 1)),
        [0x81, l, ..] => Some((usize::from(l), 2)),
        [0x82, h, l, ..] => Some((usize::from(u16::from_be_bytes([h, l])), 3)),
        _ => None,
    }
}

/// Whether `a` is a redundant sign octet in front of `b` (X.690 8.3.2).
#[inline]
fn redundant_sign(a: u8, b: u8) -> bool {
    (a == 0x00 && b & 0x80 == 0) || (a == 0xff && b & 0x80 != 0)
}

/// Drops redundant leading sign octets, recording (or refusing) each non-minimal encoding.
fn minimal_content<'a>(
    tlv: &Tlv<'a>,
    field: Field,
    ctx: &mut Ctx,
) -> Result<&'a [u8], DecodeError> {
    let mut c = tlv.content;
    let mut stripped = false;
    while let [a, b, ..] = c {
        if redundant_sign(*a, *b) {
            if !ctx.opts.leniency.non_minimal_integer {
                return Err(tlv.err(ErrorKind::NonMinimalInteger, field));
            }
            stripped = true;
            c = c.get(1..).unwrap_or_default();
        } else {
            break;
        }
    }
    if stripped {
        ctx.anomalies
            .record(AnomalyKind::NonMinimalInteger, tlv.offset);
    }
    Ok(c)
}

fn empty_integer(tlv: &Tlv<'_>, field: Field, ctx: &mut Ctx) -> Result<(), DecodeError> {
    if ctx.opts.leniency.zero_length_integer {
        ctx.anomalies
            .record(AnomalyKind::ZeroLengthInteger, tlv.offset);
        Ok(())
    } else {
        Err(tlv.err(ErrorKind::EmptyInteger, field))
    }
}

/// The two's complement value of an INTEGER-encoded element (any tag).
pub(crate) fn signed(tlv: &Tlv<'_>, field: Field, ctx: &mut Ctx) -> Result<i128, DecodeError> {
    if tlv.content.is_empty() {
        empty_integer(tlv, field, ctx)?;
        return Ok(0);
    }
    let c = minimal_content(tlv, field, ctx)?;
    if c.len() > 9 {
        return Err(tlv.err(ErrorKind::IntegerOutOfRange, field));
    }
    let negative = c.first().is_some_and(|b| b & 0x80 != 0);
    let init: i128 = if negative { -1 } else { 0 };
    Ok(c.iter().fold(init, |acc, &b| (acc << 8) | i128::from(b)))
}

/// The value of an unsigned application type (Counter32, Gauge32, TimeTicks, UInteger32,
/// Counter64) that must fit in `bits` bits.
pub(crate) fn unsigned(
    tlv: &Tlv<'_>,
    field: Field,
    ctx: &mut Ctx,
    bits: u32,
) -> Result<u64, DecodeError> {
    if tlv.content.is_empty() {
        empty_integer(tlv, field, ctx)?;
        return Ok(0);
    }
    let max_bytes = (bits / 8) as usize;
    if tlv.content.first().is_some_and(|b| b & 0x80 != 0) {
        // Negative in two's complement: a device that dropped the leading 0x00. Checked before
        // minimality, so `41 04 ff ff ff ff` is this quirk (4294967295), not a padded -1.
        if !ctx.opts.leniency.unsigned_missing_leading_zero || tlv.content.len() > max_bytes {
            return Err(tlv.err(ErrorKind::NegativeUnsigned, field));
        }
        ctx.anomalies
            .record(AnomalyKind::UnsignedMissingLeadingZero, tlv.offset);
        return Ok(tlv
            .content
            .iter()
            .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)));
    }
    let c = minimal_content(tlv, field, ctx)?;
    let magnitude = match c {
        [0, rest @ ..] => rest,
        _ => c,
    };
    if magnitude.len() > max_bytes {
        return Err(tlv.err(ErrorKind::IntegerOutOfRange, field));
    }
    Ok(magnitude
        .iter()
        .fold(0u64, |acc, &b| (acc << 8) | u64::from(b)))
}

/// Appends BER to a caller-supplied buffer. Lengths are patched in after the contents are
/// written, so nothing is measured twice.
#[derive(Debug)]
pub(crate) struct Writer<'b> {
    buf: &'b mut Vec<u8>,
}

impl<'b> Writer<'b> {
    pub(crate) fn new(buf: &'b mut Vec<u8>) -> Self {
        Self { buf }
    }

    #[inline]
    fn length(&mut self, len: usize) {
        if len < 0x80 {
            self.buf.push(len as u8);
        } else {
            let (bytes, n) = length_octets(len);
            self.buf
                .extend_from_slice(bytes.get(..n).unwrap_or_default());
        }
    }

    /// Bytes copied as they are (already-encoded BER).
    pub(crate) fn raw(&mut self, bytes: &[u8]) {
        self.buf.extend_from_slice(bytes);
    }

    /// A primitive element.
    #[inline]
    pub(crate) fn primitive(&mut self, tag: u8, content: &[u8]) {
        self.buf.push(tag);
        self.length(content.len());
        self.buf.extend_from_slice(content);
    }

    /// An element whose contents `f` writes (a constructed SEQUENCE or PDU, or an OCTET STRING that wraps BER).
    pub(crate) fn nested(&mut self, tag: u8, f: impl FnOnce(&mut Writer<'_>)) {
        self.buf.push(tag);
        let len_at = self.buf.len();
        self.buf.push(0);
        let start = self.buf.len();
        f(&mut Writer { buf: self.buf });
        let len = self.buf.len() - start;
        let (bytes, n) = length_octets(len);
        let (first, extra) = bytes
            .get(..n)
            .unwrap_or_default()
            .split_first()
            .unwrap_or((&0, &[]));
        if let Some(slot) = self.buf.get_mut(len_at) {
            *slot = *first;
        }
        if !extra.is_empty() {
            self.buf.splice(start..start, extra.iter().copied());
        }
    }

    /// An INTEGER-encoded element (any tag) holding `value` in minimal two's complement.
    #[inline]
    pub(crate) fn integer(&mut self, tag: u8, value: i64) {
        // Bytes needed: enough for the magnitude plus a sign bit.
        let significant = if value < 0 {
            64 - value.leading_ones()
        } else {
            64 - value.leading_zeros()
        };
        let n = (significant / 8 + 1) as usize;
        let bytes = value.to_be_bytes();
        self.primitive(tag, bytes.get(8 - n.min(8)..).unwrap_or_default());
    }

    /// An INTEGER-encoded element (any tag) holding a non-negative `value`.
    #[inline]
    pub(crate) fn unsigned(&mut self, tag: u8, value: u64) {
        let n = ((64 - value.leading_zeros()) / 8 + 1) as usize;
        self.buf.push(tag);
        self.buf.push(n as u8);
        if n > 8 {
            self.buf.push(0);
        }
        let bytes = value.to_be_bytes();
        self.buf
            .extend_from_slice(bytes.get(8 - n.min(8)..).unwrap_or_default());
    }
}

/// The size of a TLV whose contents are `content_len` bytes (tag, minimal length, contents):
/// what [`Writer`] produces, measured without writing.
#[inline]
pub(crate) fn tlv_len(content_len: usize) -> usize {
    1 + length_octets(content_len).1 + content_len
}

/// The contents size [`Writer::integer`] writes for `value`.
#[inline]
pub(crate) fn integer_len(value: i64) -> usize {
    let significant = if value < 0 {
        64 - value.leading_ones()
    } else {
        64 - value.leading_zeros()
    };
    (significant / 8 + 1) as usize
}

/// The contents size [`Writer::unsigned`] writes for `value`.
#[inline]
pub(crate) fn unsigned_len(value: u64) -> usize {
    ((64 - value.leading_zeros()) / 8 + 1) as usize
}

/// Length octets in minimal definite form; returns the buffer and how many bytes are used.
fn length_octets(len: usize) -> ([u8; 5], usize) {
    let mut out = [0u8; 5];
    if len < 0x80 {
        out[0] = len as u8;
        return (out, 1);
    }
    let be = (len as u32).to_be_bytes();
    let skip = be.iter().take_while(|&&b| b == 0).count();
    let n = be.len() - skip;
    out[0] = 0x80 | n as u8;
    for (dst, src) in out.iter_mut().skip(1).zip(be.iter().skip(skip)) {
        *dst = *src;
    }
    (out, n + 1)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn one(bytes: &[u8], ctx: &mut Ctx) -> Result<i128, DecodeError> {
        let mut r = Reader::new(bytes, 0);
        let tlv = r.read(Field::Value, ctx)?;
        signed(&tlv, Field::Value, ctx)
    }

    #[test]
    fn integers_minimal_and_not() {
        let mut ctx = Ctx::default();
        assert_eq!(one(&[2, 1, 0x7f], &mut ctx), Ok(127));
        assert_eq!(one(&[2, 2, 0x00, 0x80], &mut ctx), Ok(128));
        assert_eq!(one(&[2, 1, 0x80], &mut ctx), Ok(-128));
        let err = one(&[2, 2, 0x00, 0x7f], &mut ctx).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NonMinimalInteger);
        let err = one(&[2, 2, 0xff, 0x80], &mut ctx).unwrap_err();
        assert_eq!(err.kind, ErrorKind::NonMinimalInteger);
        ctx.opts.leniency.non_minimal_integer = true;
        assert_eq!(one(&[2, 3, 0xff, 0xff, 0x80], &mut ctx), Ok(-128));
        assert_eq!(ctx.anomalies.count(AnomalyKind::NonMinimalInteger), 1);
    }

    #[test]
    fn lengths() {
        let mut ctx = Ctx::default();
        // Long form with more octets than needed is allowed by RFC 3417 section 8.
        let mut r = Reader::new(&[4, 0x82, 0x00, 0x01, b'x'], 0);
        assert_eq!(r.read(Field::Value, &mut ctx).unwrap().content, b"x");
        let mut r = Reader::new(&[4, 0x80, 0, 0], 0);
        assert_eq!(
            r.read(Field::Value, &mut ctx).unwrap_err().kind,
            ErrorKind::IndefiniteLength
        );
        let mut r = Reader::new(&[4, 0x85, 0, 0, 0, 0, 1, 0], 0);
        assert_eq!(
            r.read(Field::Value, &mut ctx).unwrap_err().kind,
            ErrorKind::LengthTooLong(5)
        );
    }

    #[test]
    fn writer_patches_long_lengths() {
        let mut buf = Vec::new();
        let mut w = Writer::new(&mut buf);
        w.nested(tag::SEQUENCE, |w| {
            w.primitive(tag::OCTET_STRING, &[7u8; 300])
        });
        assert_eq!(&buf[..6], &[0x30, 0x82, 0x01, 0x30, 0x04, 0x82]);
        assert_eq!(buf.len(), 4 + 4 + 300);
        let mut buf = Vec::new();
        Writer::new(&mut buf).unsigned(tag::COUNTER64, u64::MAX);
        assert_eq!(
            buf,
            [0x46, 9, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]
        );
        let mut buf = Vec::new();
        Writer::new(&mut buf).integer(tag::INTEGER, -1);
        assert_eq!(buf, [2, 1, 0xff]);
    }
}
