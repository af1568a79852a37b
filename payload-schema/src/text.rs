//! Validated scalar types shared by every payload: XML-safe text, e-mail addresses, MAC
//! addresses, UTC timestamps, SHA-256 digests and the schema version.
//!
//! Each type checks its invariant when it is built and when it is read, so a payload that
//! holds one can always be written as XML that reads back to the same value.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValueError;

/// Longest [`Text`] accepted, in bytes: generous for any device string, small enough that a
/// single field can never be a memory problem on its own.
pub const MAX_TEXT_LEN: usize = 16 * 1024;

fn is_xml_space(c: char) -> bool {
    matches!(c, ' ' | '\t' | '\n' | '\r')
}

fn is_allowed_char(c: char) -> bool {
    // XML 1.0 `Char`, minus CR (parsers normalise it away) and other C0 controls.
    matches!(c, '\t' | '\n' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

/// Non-empty text that survives an XML round trip unchanged: only XML 1.0 characters (no C0
/// controls other than tab and line feed, no carriage return), no leading or trailing
/// whitespace, at most [`MAX_TEXT_LEN`] bytes.
///
/// ```
/// use fleetwire_payload::Text;
/// assert_eq!(Text::new("HP LaserJet").unwrap().as_str(), "HP LaserJet");
/// assert!(Text::new(" padded").is_err());
/// // Device strings are often messy: `sanitize` cleans them up (or gives `None` if nothing is left).
/// assert_eq!(Text::sanitize(" Xerox\u{0} \r\n").unwrap().as_str(), "Xerox");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Text(String);

impl Text {
    /// Checks `s` and wraps it.
    pub fn new(s: impl Into<String>) -> Result<Self, ValueError> {
        let s = s.into();
        if s.is_empty() {
            return Err(ValueError::EmptyText);
        }
        if s.len() > MAX_TEXT_LEN {
            return Err(ValueError::TextTooLong { len: s.len() });
        }
        if let Some((at, c)) = s.char_indices().find(|&(_, c)| !is_allowed_char(c)) {
            return Err(ValueError::TextChar {
                at,
                code: u32::from(c),
            });
        }
        if s.starts_with(is_xml_space) || s.ends_with(is_xml_space) {
            return Err(ValueError::TextWhitespace);
        }
        Ok(Self(s))
    }

    /// Makes text from a device string: drops characters XML cannot carry, turns CR into LF,
    /// trims, truncates to [`MAX_TEXT_LEN`] on a character boundary; `None` if nothing is left.
    pub fn sanitize(s: &str) -> Option<Self> {
        let mut out = String::with_capacity(s.len().min(MAX_TEXT_LEN));
        for c in s.chars() {
            let c = if c == '\r' { '\n' } else { c };
            if !is_allowed_char(c) {
                continue;
            }
            if out.len() + c.len_utf8() > MAX_TEXT_LEN {
                break;
            }
            out.push(c);
        }
        let trimmed = out.trim_matches(is_xml_space);
        if trimmed.is_empty() {
            None
        } else {
            Some(Self(trimmed.to_owned()))
        }
    }

    /// The text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a literal the crate knows to be valid (checked in debug builds).
    pub(crate) fn literal(s: &'static str) -> Self {
        debug_assert!(Self::new(s).is_ok(), "{s:?}");
        Self(s.to_owned())
    }
}

impl TryFrom<String> for Text {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        Self::new(s)
    }
}

impl From<Text> for String {
    fn from(t: Text) -> String {
        t.0
    }
}

impl FromStr for Text {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        Self::new(s)
    }
}

impl fmt::Display for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Text {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Text {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let s: String = u.arbitrary()?;
        // Keep the awkward characters XML must escape in play.
        let s = if u.arbitrary()? {
            format!("{s}<&>\"'")
        } else {
            s
        };
        Ok(Self::sanitize(&s).unwrap_or_else(|| Self("x".to_owned())))
    }
}

/// An e-mail address (PII: wrap it in [`crate::Pii`] in payloads): `local@domain`, one `@`,
/// both parts non-empty, no whitespace, at most 254 bytes.
///
/// ```
/// use fleetwire_payload::Email;
/// assert!(Email::new("ops@example.com").is_ok());
/// assert!(Email::new("no-at-sign").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Email(String);

impl Email {
    /// Checks `s` and wraps it.
    pub fn new(s: impl Into<String>) -> Result<Self, ValueError> {
        let s = s.into();
        let ok = s.len() <= 254
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && !domain.is_empty() && !domain.contains('@')
            })
            && s.chars()
                .all(|c| c.is_ascii_graphic() || (!c.is_ascii() && is_allowed_char(c)))
            && !s.contains(['<', '>', '&', '"', '\'']);
        if ok {
            Ok(Self(s))
        } else {
            Err(ValueError::Email)
        }
    }

    /// The address.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Wraps a literal the crate knows to be valid (checked in debug builds).
    pub(crate) fn literal(s: &'static str) -> Self {
        debug_assert!(Self::new(s).is_ok(), "{s:?}");
        Self(s.to_owned())
    }
}

impl TryFrom<String> for Email {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        Self::new(s)
    }
}

impl From<Email> for String {
    fn from(e: Email) -> String {
        e.0
    }
}

impl fmt::Debug for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Email {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        let n: u16 = u.arbitrary()?;
        Ok(Self(format!("user{n}@site{}.example", n % 7)))
    }
}

/// An IEEE 802 MAC-48 address, written lower-case and colon-separated (`00:00:74:a1:b2:c3`).
///
/// ```
/// use fleetwire_payload::MacAddress;
/// let mac: MacAddress = "00:00:74:A1:B2:C3".parse().unwrap();
/// assert_eq!(mac.to_string(), "00:00:74:a1:b2:c3");
/// assert_eq!(MacAddress::from_octets(&[0, 0, 0x74, 0xa1, 0xb2, 0xc3]), Some(mac));
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct MacAddress([u8; 6]);

impl MacAddress {
    /// The address from its six octets.
    pub const fn new(octets: [u8; 6]) -> Self {
        Self(octets)
    }

    /// The address from an `ifPhysAddress` value: `None` unless it is exactly six octets.
    pub fn from_octets(octets: &[u8]) -> Option<Self> {
        <[u8; 6]>::try_from(octets).ok().map(Self)
    }

    /// The six octets.
    pub const fn octets(&self) -> [u8; 6] {
        self.0
    }
}

impl FromStr for MacAddress {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let mut out = [0u8; 6];
        let mut parts = s.split([':', '-']);
        for slot in &mut out {
            let part = parts.next().ok_or(ValueError::Mac)?;
            if part.len() != 2 {
                return Err(ValueError::Mac);
            }
            *slot = u8::from_str_radix(part, 16).map_err(|_| ValueError::Mac)?;
        }
        if parts.next().is_some() {
            return Err(ValueError::Mac);
        }
        Ok(Self(out))
    }
}

impl TryFrom<String> for MacAddress {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        s.parse()
    }
}

impl From<MacAddress> for String {
    fn from(m: MacAddress) -> String {
        m.to_string()
    }
}

impl fmt::Display for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c, d, e, g] = self.0;
        write!(f, "{a:02x}:{b:02x}:{c:02x}:{d:02x}:{e:02x}:{g:02x}")
    }
}

impl fmt::Debug for MacAddress {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A UTC instant with one-second resolution, written as `YYYY-MM-DDThh:mm:ssZ` (an
/// `xs:dateTime`), years 1 to 9999.
///
/// ```
/// use fleetwire_payload::Timestamp;
/// let t = Timestamp::from_unix(1_800_000_000).unwrap();
/// assert_eq!(t.to_string(), "2027-01-15T08:00:00Z");
/// assert_eq!("2027-01-15T08:00:00Z".parse::<Timestamp>().unwrap(), t);
/// ```
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct Timestamp(i64);

/// Unix seconds of 0001-01-01T00:00:00Z.
const MIN_UNIX: i64 = -62_135_596_800;
/// Unix seconds of 9999-12-31T23:59:59Z.
const MAX_UNIX: i64 = 253_402_300_799;

impl Timestamp {
    /// The instant `secs` seconds after 1970-01-01T00:00:00Z; `None` outside years 1..=9999.
    pub fn from_unix(secs: i64) -> Option<Self> {
        (MIN_UNIX..=MAX_UNIX).contains(&secs).then_some(Self(secs))
    }

    /// The current time from the system clock (the shell's helper; the core takes `now` in).
    pub fn now() -> Self {
        let secs = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(MAX_UNIX));
        Self(secs.clamp(MIN_UNIX, MAX_UNIX))
    }

    /// Seconds since 1970-01-01T00:00:00Z.
    pub const fn unix(&self) -> i64 {
        self.0
    }
}

// Howard Hinnant's days-from-civil and civil-from-days (proleptic Gregorian).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let days = self.0.div_euclid(86_400);
        let secs = self.0.rem_euclid(86_400);
        let (y, m, d) = civil_from_days(days);
        write!(
            f,
            "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
            secs / 3600,
            secs / 60 % 60,
            secs % 60
        )
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for Timestamp {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let b = s.as_bytes();
        let num = |r: std::ops::Range<usize>| -> Result<i64, ValueError> {
            let part = b.get(r).ok_or(ValueError::Timestamp)?;
            if !part.iter().all(u8::is_ascii_digit) {
                return Err(ValueError::Timestamp);
            }
            part.iter()
                .try_fold(0i64, |acc, d| Some(acc * 10 + i64::from(d - b'0')))
                .ok_or(ValueError::Timestamp)
        };
        let sep = |i: usize, c: u8| b.get(i) == Some(&c);
        if b.len() != 20
            || !(sep(4, b'-') && sep(7, b'-') && sep(10, b'T'))
            || !(sep(13, b':') && sep(16, b':') && sep(19, b'Z'))
        {
            return Err(ValueError::Timestamp);
        }
        let (y, mo, d) = (num(0..4)?, num(5..7)?, num(8..10)?);
        let (h, mi, se) = (num(11..13)?, num(14..16)?, num(17..19)?);
        let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
        let month_days = match mo {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(ValueError::Timestamp),
        };
        if y < 1 || d < 1 || d > month_days || h > 23 || mi > 59 || se > 59 {
            return Err(ValueError::Timestamp);
        }
        Ok(Self(
            days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se,
        ))
    }
}

impl TryFrom<String> for Timestamp {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        s.parse()
    }
}

impl From<Timestamp> for String {
    fn from(t: Timestamp) -> String {
        t.to_string()
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for Timestamp {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self(u.int_in_range(MIN_UNIX..=MAX_UNIX)?))
    }
}

/// A SHA-256 digest, written as 64 lower-case hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Sha256([u8; 32]);

impl Sha256 {
    /// Wraps a digest.
    pub const fn new(bytes: [u8; 32]) -> Self {
        Self(bytes)
    }

    /// The digest of `data`.
    pub fn digest(data: &[u8]) -> Self {
        use sha2::Digest as _;
        Self(sha2::Sha256::digest(data).into())
    }

    /// The 32 bytes.
    pub const fn bytes(&self) -> &[u8; 32] {
        &self.0
    }
}

impl fmt::Display for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for Sha256 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Sha256({self})")
    }
}

impl FromStr for Sha256 {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        if s.len() != 64 || !s.bytes().all(|c| matches!(c, b'0'..=b'9' | b'a'..=b'f')) {
            return Err(ValueError::Digest);
        }
        let mut out = [0u8; 32];
        for (slot, pair) in out.iter_mut().zip(s.as_bytes().chunks_exact(2)) {
            let hex = std::str::from_utf8(pair).map_err(|_| ValueError::Digest)?;
            *slot = u8::from_str_radix(hex, 16).map_err(|_| ValueError::Digest)?;
        }
        Ok(Self(out))
    }
}

impl TryFrom<String> for Sha256 {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        s.parse()
    }
}

impl From<Sha256> for String {
    fn from(d: Sha256) -> String {
        d.to_string()
    }
}

/// The `schemaVersion` attribute: `MAJOR.MINOR`. Readers accept every minor version of the
/// major they know (newer minors may add elements, which are tolerated and reported) and refuse
/// other majors.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Deserialize)]
#[serde(try_from = "String")]
pub struct SchemaVersion {
    major: u16,
    minor: u16,
}

impl SchemaVersion {
    /// The version this crate writes.
    pub const CURRENT: Self = Self { major: 1, minor: 0 };

    /// The minor version.
    pub const fn minor(&self) -> u16 {
        self.minor
    }

    /// Whether the document is newer than this crate (it may carry elements we do not know).
    pub fn is_newer(&self) -> bool {
        *self > Self::CURRENT
    }
}

impl Default for SchemaVersion {
    fn default() -> Self {
        Self::CURRENT
    }
}

impl fmt::Display for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

impl fmt::Debug for SchemaVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl FromStr for SchemaVersion {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let bad = || ValueError::SchemaVersion(s.chars().take(32).collect());
        let (major, minor) = s.split_once('.').ok_or_else(bad)?;
        let digits =
            |p: &str| !p.is_empty() && p.len() <= 5 && p.bytes().all(|c| c.is_ascii_digit());
        if !digits(major) || !digits(minor) {
            return Err(bad());
        }
        let major: u16 = major.parse().map_err(|_| bad())?;
        let minor: u16 = minor.parse().map_err(|_| bad())?;
        if major != Self::CURRENT.major
            || (minor > 0 && s.split_once('.').is_some_and(|(_, m)| m.starts_with('0')))
        {
            return Err(bad());
        }
        Ok(Self { major, minor })
    }
}

impl TryFrom<String> for SchemaVersion {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        s.parse()
    }
}

impl From<SchemaVersion> for String {
    fn from(v: SchemaVersion) -> String {
        v.to_string()
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for SchemaVersion {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self {
            major: 1,
            minor: u.int_in_range(0..=3)?,
        })
    }
}

/// The payload namespace as a value: writes [`crate::NAMESPACE`] as the `xmlns` attribute and
/// refuses any other namespace on read.
#[derive(Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Namespace;

impl TryFrom<String> for Namespace {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        if s == crate::NAMESPACE {
            Ok(Self)
        } else {
            Err(ValueError::Namespace(s.chars().take(200).collect()))
        }
    }
}

impl From<Namespace> for &'static str {
    fn from(_: Namespace) -> &'static str {
        crate::NAMESPACE
    }
}

impl fmt::Debug for Namespace {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(crate::NAMESPACE)
    }
}

impl Serialize for Text {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl Serialize for Email {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.0)
    }
}

impl Serialize for MacAddress {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for Sha256 {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for SchemaVersion {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn timestamps_round_trip_at_the_edges() {
        for secs in [MIN_UNIX, -1, 0, 951_782_400, 1_800_000_000, MAX_UNIX] {
            let t = Timestamp::from_unix(secs).unwrap();
            assert_eq!(t.to_string().parse::<Timestamp>().unwrap(), t, "{t}");
        }
        assert_eq!(
            Timestamp::from_unix(951_782_400).unwrap().to_string(),
            "2000-02-29T00:00:00Z"
        );
        assert!("2001-02-29T00:00:00Z".parse::<Timestamp>().is_err());
        assert!("2001-02-28T24:00:00Z".parse::<Timestamp>().is_err());
        assert!("2001-02-28T00:00:00+01:00".parse::<Timestamp>().is_err());
        assert!(Timestamp::from_unix(MAX_UNIX + 1).is_none());
    }

    #[test]
    fn text_rules() {
        assert!(Text::new("").is_err());
        assert!(Text::new("a\rb").is_err());
        assert!(Text::new("a\u{1}").is_err());
        assert!(Text::new("a\u{FFFE}").is_err());
        assert!(Text::new("x".repeat(MAX_TEXT_LEN + 1)).is_err());
        assert_eq!(
            Text::sanitize("\u{0}\u{1}").as_ref().map(Text::as_str),
            None
        );
        assert_eq!(Text::sanitize("a\r\nb").unwrap().as_str(), "a\n\nb");
    }

    #[test]
    fn versions_and_digests() {
        assert_eq!(
            "1.0".parse::<SchemaVersion>().unwrap(),
            SchemaVersion::CURRENT
        );
        assert!("1.7".parse::<SchemaVersion>().unwrap().is_newer());
        for bad in ["2.0", "1", "1.", "1.01", "a.b", "1.0.0", ""] {
            assert!(bad.parse::<SchemaVersion>().is_err(), "{bad}");
        }
        let d = Sha256::digest(b"abc");
        assert_eq!(
            d.to_string(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert_eq!(d.to_string().parse::<Sha256>().unwrap(), d);
        assert!("BA".repeat(32).parse::<Sha256>().is_err());
        assert!("00:00:74:a1:b2".parse::<MacAddress>().is_err());
        assert!("00:00:74:a1:b2:c3:d4".parse::<MacAddress>().is_err());
    }
}
