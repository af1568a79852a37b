//! OBJECT IDENTIFIER: stored as its validated BER contents, borrowed or owned.
//!
//! Keeping the BER form means decoding copies nothing and encoding is a memcpy. Equality and
//! hashing use the bytes (BER OIDs have one valid encoding, so equal bytes are equal OIDs);
//! ordering decodes arcs, because byte order is not arc order (`16383` encodes as `ff 7f`,
//! `16384` as `81 80 00`).

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::cmp::Ordering;
use core::fmt;
use core::str::FromStr;

use crate::error::OidError;
use crate::options::Limits;

/// An SNMP OBJECT IDENTIFIER: 2 to 128 arcs, each at most 2^32-1 (RFC 2578 section 3.5).
///
/// `Oid<'a>` borrows its BER contents from a decoded message; `Oid<'static>` owns them.
///
/// ```
/// use fleetwire_snmp::Oid;
/// let sys_descr: Oid = "1.3.6.1.2.1.1.1.0".parse()?;
/// let system: Oid = ".1.3.6.1.2.1.1".parse()?;
/// assert!(sys_descr.starts_with(&system));
/// assert!(system < sys_descr);
/// assert_eq!(sys_descr.to_string(), "1.3.6.1.2.1.1.1.0");
/// assert_eq!(sys_descr.as_ber(), &[0x2b, 6, 1, 2, 1, 1, 1, 0]);
/// # Ok::<(), fleetwire_snmp::OidError>(())
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Oid<'a>(Cow<'a, [u8]>);

/// The BER contents of `0.0`, the value net-snmp substitutes for a zero-length OID.
pub(crate) const ZERO_DOT_ZERO: &[u8] = &[0];

impl<'a> Oid<'a> {
    /// Validates BER contents (the bytes after tag and length) and borrows them.
    pub fn from_ber(bytes: &'a [u8]) -> Result<Self, OidError> {
        validate_ber(bytes, Limits::RFC_MAX_OID_ARCS)?;
        Ok(Self(Cow::Borrowed(bytes)))
    }

    /// Validates BER contents against a custom arc limit (at most 128).
    #[inline]
    pub(crate) fn from_ber_limited(bytes: &'a [u8], max_arcs: usize) -> Result<Self, OidError> {
        validate_ber(bytes, max_arcs.min(Limits::RFC_MAX_OID_ARCS))?;
        Ok(Self(Cow::Borrowed(bytes)))
    }

    /// Builds an OID from its arcs.
    ///
    /// ```
    /// use fleetwire_snmp::Oid;
    /// let oid = Oid::from_arcs(&[1, 3, 6, 1, 4, 1, 253, 8, 53, 13, 2, 1])?;
    /// assert_eq!(oid.to_string(), "1.3.6.1.4.1.253.8.53.13.2.1");
    /// # Ok::<(), fleetwire_snmp::OidError>(())
    /// ```
    pub fn from_arcs(arcs: &[u32]) -> Result<Oid<'static>, OidError> {
        let (first, second, rest) = match arcs {
            [] => return Err(OidError::Empty),
            [_] => return Err(OidError::TooFewArcs),
            [a, b, rest @ ..] => (*a, *b, rest),
        };
        if arcs.len() > Limits::RFC_MAX_OID_ARCS {
            return Err(OidError::TooManyArcs {
                max: Limits::RFC_MAX_OID_ARCS,
            });
        }
        if first > 2 || (first < 2 && second >= 40) {
            return Err(OidError::InvalidFirstArcs);
        }
        let mut bytes = Vec::with_capacity(arcs.len() + 4);
        push_subidentifier(&mut bytes, u64::from(first) * 40 + u64::from(second));
        for &arc in rest {
            push_subidentifier(&mut bytes, u64::from(arc));
        }
        Ok(Oid(Cow::Owned(bytes)))
    }

    /// The BER contents (no tag or length).
    pub fn as_ber(&self) -> &[u8] {
        &self.0
    }

    /// The arcs, decoded on the fly.
    #[inline]
    pub fn arcs(&self) -> Arcs<'_> {
        Arcs::new(&self.0)
    }

    /// The number of arcs.
    pub fn len(&self) -> usize {
        // Every sub-identifier ends with a byte below 0x80; the first holds two arcs.
        self.0.iter().filter(|&&b| b < 0x80).count() + 1
    }

    /// Always false: an OID has at least two arcs. Present for API symmetry with `len`.
    pub fn is_empty(&self) -> bool {
        false
    }

    /// True when `prefix`'s arcs are the first arcs of `self` (an OID is its own prefix).
    pub fn starts_with(&self, prefix: &Oid<'_>) -> bool {
        // Sub-identifier boundaries end in a byte < 0x80, so a byte prefix that ends at a
        // boundary is an arc prefix, and vice versa (for OIDs of two or more arcs).
        self.0.starts_with(&prefix.0)
    }

    /// This OID with one more arc.
    pub fn child(&self, arc: u32) -> Result<Oid<'static>, OidError> {
        if self.len() >= Limits::RFC_MAX_OID_ARCS {
            return Err(OidError::TooManyArcs {
                max: Limits::RFC_MAX_OID_ARCS,
            });
        }
        let mut bytes = Vec::with_capacity(self.0.len() + 5);
        bytes.extend_from_slice(&self.0);
        push_subidentifier(&mut bytes, u64::from(arc));
        Ok(Oid(Cow::Owned(bytes)))
    }

    /// A borrowed view of this OID.
    pub fn borrowed(&self) -> Oid<'_> {
        Oid(Cow::Borrowed(&self.0))
    }

    /// An owned copy (no copy if already owned).
    pub fn into_owned(self) -> Oid<'static> {
        Oid(Cow::Owned(self.0.into_owned()))
    }

    /// A trusted constructor for bytes already validated by the decoder.
    pub(crate) fn from_validated(bytes: &'a [u8]) -> Self {
        Self(Cow::Borrowed(bytes))
    }
}

fn push_subidentifier(out: &mut Vec<u8>, mut value: u64) {
    let mut tmp = [0u8; 10];
    let mut i = tmp.len();
    loop {
        i -= 1;
        let continuation = if i == tmp.len() - 1 { 0 } else { 0x80 };
        if let Some(slot) = tmp.get_mut(i) {
            *slot = (value & 0x7f) as u8 | continuation;
        }
        value >>= 7;
        if value == 0 || i == 0 {
            break;
        }
    }
    out.extend_from_slice(tmp.get(i..).unwrap_or_default());
}

/// Checks BER OID contents: minimal sub-identifiers, complete last sub-identifier, arc range and
/// count.
/// Whether no byte has its high bit set, a word at a time.
#[inline]
fn all_single_byte(bytes: &[u8]) -> bool {
    let mut words = bytes.chunks_exact(8);
    let mut high = 0u64;
    for w in &mut words {
        let mut word = [0u8; 8];
        word.copy_from_slice(w);
        high |= u64::from_le_bytes(word);
    }
    let tail = words.remainder().iter().fold(0u8, |acc, b| acc | b);
    high & 0x8080_8080_8080_8080 == 0 && tail < 0x80
}

#[inline]
fn validate_ber(bytes: &[u8], max_arcs: usize) -> Result<(), OidError> {
    if bytes.is_empty() {
        return Err(OidError::Empty);
    }
    // Fast path: every sub-identifier is one byte (most MIB OIDs), so each is minimal and in
    // range, and the arc count is the byte count plus one.
    if all_single_byte(bytes) {
        return if bytes.len() < max_arcs {
            Ok(())
        } else {
            Err(OidError::TooManyArcs { max: max_arcs })
        };
    }
    validate_multi_byte(bytes, max_arcs)
}

/// [`validate_ber`] for OIDs with multi-byte sub-identifiers: minimal, in range, bounded.
fn validate_multi_byte(bytes: &[u8], max_arcs: usize) -> Result<(), OidError> {
    let mut arcs = 1usize; // the first sub-identifier holds two arcs
    let mut value: u64 = 0;
    let mut start = true;
    for (position, &b) in bytes.iter().enumerate() {
        if start && b == 0x80 {
            return Err(OidError::NonMinimalArc { position });
        }
        value = (value << 7) | u64::from(b & 0x7f);
        let limit = if arcs == 1 {
            u64::from(u32::MAX) + 80
        } else {
            u64::from(u32::MAX)
        };
        if value > limit {
            return Err(OidError::ArcTooLarge { index: arcs });
        }
        if b & 0x80 == 0 {
            arcs += 1;
            if arcs > max_arcs {
                return Err(OidError::TooManyArcs { max: max_arcs });
            }
            value = 0;
            start = true;
        } else {
            start = false;
        }
    }
    if !start {
        return Err(OidError::TruncatedArc);
    }
    Ok(())
}

/// Iterator over an OID's arcs. See [`Oid::arcs`].
#[derive(Debug, Clone)]
pub struct Arcs<'o> {
    /// Sub-identifiers not yet read (after the first, which `first`/`second` hold split in
    /// two). Scalar fields, not an array, so a caller's loop keeps them in registers.
    bytes: &'o [u8],
    /// The first two arcs, and how many of them are still to be returned.
    first: u32,
    second: u32,
    head_left: u8,
}

impl<'o> Arcs<'o> {
    #[inline]
    fn new(bytes: &'o [u8]) -> Self {
        let mut arcs = Arcs {
            bytes,
            first: 0,
            second: 0,
            head_left: 0,
        };
        let first = match bytes {
            // Hot path: a one-byte first sub-identifier (every OID under 1.3 and 0.x).
            [b, rest @ ..] if *b < 0x80 => {
                arcs.bytes = rest;
                Some(u64::from(*b))
            }
            _ => arcs.subidentifier(),
        };
        if let Some(value) = first {
            let (a, b) = match value {
                0..=39 => (0, value),
                40..=79 => (1, value - 40),
                _ => (2, value - 80),
            };
            arcs.first = a;
            arcs.second = u32::try_from(b).unwrap_or(u32::MAX);
            arcs.head_left = 2;
        }
        arcs
    }

    /// Reads one sub-identifier (validated input: at most five bytes, so it fits a u64).
    fn subidentifier(&mut self) -> Option<u64> {
        let mut value: u64 = 0;
        for (i, &b) in self.bytes.iter().enumerate() {
            value = (value << 7) | u64::from(b & 0x7f);
            if b & 0x80 == 0 {
                self.bytes = self.bytes.get(i + 1..).unwrap_or_default();
                return Some(value);
            }
        }
        self.bytes = &[];
        None
    }
}

impl Iterator for Arcs<'_> {
    type Item = u32;

    #[inline]
    fn next(&mut self) -> Option<u32> {
        if self.head_left > 0 {
            let arc = if self.head_left == 2 {
                self.first
            } else {
                self.second
            };
            self.head_left -= 1;
            return Some(arc);
        }
        // Hot path: a one-byte sub-identifier.
        match self.bytes {
            [] => return None,
            [b, rest @ ..] if *b < 0x80 => {
                self.bytes = rest;
                return Some(u32::from(*b));
            }
            _ => {}
        }
        self.subidentifier()
            .map(|v| u32::try_from(v).unwrap_or(u32::MAX))
    }
}

impl Ord for Oid<'_> {
    fn cmp(&self, other: &Self) -> Ordering {
        if self.0 == other.0 {
            return Ordering::Equal;
        }
        self.arcs().cmp(other.arcs())
    }
}

impl PartialOrd for Oid<'_> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl fmt::Display for Oid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut first = true;
        for arc in self.arcs() {
            if !first {
                f.write_str(".")?;
            }
            first = false;
            write!(f, "{arc}")?;
        }
        Ok(())
    }
}

impl fmt::Debug for Oid<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Oid({self})")
    }
}

impl FromStr for Oid<'static> {
    type Err = OidError;

    /// Parses dotted decimal text, with or without a leading dot.
    fn from_str(s: &str) -> Result<Self, OidError> {
        let text = s.strip_prefix('.').unwrap_or(s);
        if text.is_empty() {
            return Err(OidError::Empty);
        }
        let offset = s.len() - text.len();
        let mut arcs = [0u32; Limits::RFC_MAX_OID_ARCS];
        let mut n = 0usize;
        let mut position = offset;
        for part in text.split('.') {
            if part.is_empty() || part.len() > 10 || !part.bytes().all(|b| b.is_ascii_digit()) {
                return Err(OidError::InvalidText { position });
            }
            let value: u64 = part
                .bytes()
                .fold(0, |acc, b| acc * 10 + u64::from(b - b'0'));
            let arc = u32::try_from(value).map_err(|_| OidError::ArcTooLarge { index: n })?;
            let slot = arcs.get_mut(n).ok_or(OidError::TooManyArcs {
                max: Limits::RFC_MAX_OID_ARCS,
            })?;
            *slot = arc;
            n += 1;
            position += part.len() + 1;
        }
        Oid::from_arcs(arcs.get(..n).unwrap_or_default())
    }
}

impl TryFrom<&str> for Oid<'static> {
    type Error = OidError;

    fn try_from(s: &str) -> Result<Self, OidError> {
        s.parse()
    }
}

impl TryFrom<&[u32]> for Oid<'static> {
    type Error = OidError;

    fn try_from(arcs: &[u32]) -> Result<Self, OidError> {
        Oid::from_arcs(arcs)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use alloc::string::ToString;

    /// The word-at-a-time scan finds a high bit at every position of every length.
    #[test]
    fn single_byte_scan_sees_every_position() {
        for len in 0..40usize {
            let clean: alloc::vec::Vec<u8> = (0..len).map(|i| (i as u8) & 0x7f).collect();
            assert!(all_single_byte(&clean));
            for at in 0..len {
                let mut v = clean.clone();
                v[at] |= 0x80;
                assert!(!all_single_byte(&v), "len {len} at {at}");
            }
        }
    }

    #[test]
    fn text_round_trip_and_limits() {
        for s in ["0.0", "1.3.6.1.2.1.1.1.0", "2.999.3", "1.3.6.1.4294967295"] {
            let oid: Oid<'static> = s.parse().unwrap();
            assert_eq!(oid.to_string(), s);
            assert_eq!(Oid::from_ber(oid.as_ber()).unwrap(), oid);
        }
        assert_eq!(
            "2.4294967295".parse::<Oid<'_>>().unwrap().to_string(),
            "2.4294967295"
        );
        assert_eq!(
            "1.3.6.1.4294967296".parse::<Oid<'_>>(),
            Err(OidError::ArcTooLarge { index: 4 })
        );
        assert_eq!("1".parse::<Oid<'_>>(), Err(OidError::TooFewArcs));
        assert_eq!("".parse::<Oid<'_>>(), Err(OidError::Empty));
        assert_eq!(
            "1..3".parse::<Oid<'_>>(),
            Err(OidError::InvalidText { position: 2 })
        );
        assert_eq!("1.40".parse::<Oid<'_>>(), Err(OidError::InvalidFirstArcs));
        assert_eq!("3.1".parse::<Oid<'_>>(), Err(OidError::InvalidFirstArcs));
        let max = alloc::vec![1u32; 128];
        assert!(Oid::from_arcs(&max).is_ok());
        let over = alloc::vec![1u32; 129];
        assert_eq!(
            Oid::from_arcs(&over),
            Err(OidError::TooManyArcs { max: 128 })
        );
    }

    #[test]
    fn ber_validation() {
        assert_eq!(Oid::from_ber(&[]), Err(OidError::Empty));
        assert_eq!(
            Oid::from_ber(&[0x2b, 0x80, 0x01]),
            Err(OidError::NonMinimalArc { position: 1 })
        );
        assert_eq!(Oid::from_ber(&[0x2b, 0x81]), Err(OidError::TruncatedArc));
        assert_eq!(
            Oid::from_ber(&[0x2b, 0x90, 0x80, 0x80, 0x80, 0x00]),
            Err(OidError::ArcTooLarge { index: 2 })
        );
        assert_eq!(
            Oid::from_ber(&[0x2b, 0x8f, 0xff, 0xff, 0xff, 0x7f])
                .unwrap()
                .to_string(),
            "1.3.4294967295"
        );
    }

    #[test]
    fn ordering_is_by_arcs() {
        let a: Oid<'static> = "1.3.6.16383".parse().unwrap();
        let b: Oid<'static> = "1.3.6.16384".parse().unwrap();
        assert!(a < b);
        let c: Oid<'static> = "1.3.6".parse().unwrap();
        assert!(c < a);
        assert!(a.starts_with(&c));
        assert!(!c.starts_with(&a));
        assert_eq!(a.len(), 4);
        assert_eq!(c.child(7).unwrap().to_string(), "1.3.6.7");
    }
}
