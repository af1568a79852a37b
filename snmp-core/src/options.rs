//! Decoder configuration: limits, named leniency options, and the anomalies they report.
//!
//! The decoder is strict by default. Each leniency option tolerates one deviation seen on real
//! devices; when an option lets a deviation through, the decoder counts it in [`Anomalies`] so
//! the caller can log or alert on it. The [manual](crate::manual::leniency) explains each quirk.

use core::fmt;

/// Size and count limits applied while decoding untrusted input.
///
/// Decoding never allocates, so the limits bound work rather than memory. Nesting needs no
/// limit: the decoder follows the fixed SNMP grammar (at most [`Limits::MAX_NESTING`] levels)
/// and never recurses on input-controlled structure.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Limits {
    /// Largest message accepted, in bytes. Default 65535 (the largest UDP payload over IPv6
    /// jumbograms aside; SNMP's `msgMaxSize` is commonly at most this).
    pub max_message_size: usize,
    /// Most varbinds accepted in one PDU. Default 65535.
    pub max_varbinds: usize,
    /// Most arcs accepted in one OID. Default and maximum 128 (RFC 2578 section 3.5).
    pub max_oid_arcs: usize,
}

impl Limits {
    /// The deepest nesting of constructed elements in any SNMP message this crate decodes
    /// (Message, ScopedPDU, PDU, VarBindList, VarBind, Opaque contents).
    pub const MAX_NESTING: usize = 6;
    /// RFC 2578's limit on OID arcs.
    pub const RFC_MAX_OID_ARCS: usize = 128;
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            max_message_size: 65535,
            max_varbinds: 65535,
            max_oid_arcs: Self::RFC_MAX_OID_ARCS,
        }
    }
}

/// Opt-in tolerance for specific real-device encoding quirks. All off by default.
///
/// Each field names the quirk it tolerates; see [`crate::manual::leniency`] for the devices and
/// reports behind each one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct Leniency {
    /// Accept a zero-length OBJECT IDENTIFIER value and read it as `0.0` (net-snmp does).
    pub zero_length_oid: bool,
    /// Accept a zero-length INTEGER (or unsigned type) and read it as 0.
    pub zero_length_integer: bool,
    /// Accept Counter32, Gauge32, TimeTicks, UInteger32 or Counter64 encoded without the
    /// leading 0x00 (so it reads as negative) and take the bytes as unsigned.
    pub unsigned_missing_leading_zero: bool,
    /// Accept an OCTET STRING whose length runs exactly one byte past the end of its
    /// enclosing element, and keep the bytes that are there.
    pub octet_string_overrun: bool,
    /// Accept INTEGERs with redundant leading 0x00 or 0xff bytes (value must still fit).
    pub non_minimal_integer: bool,
    /// Ignore bytes after the end of the outer Message SEQUENCE.
    pub trailing_bytes: bool,
}

impl Leniency {
    /// Every leniency option switched on: for capture analysis tools that must show what they
    /// can of a broken device's traffic.
    pub const fn all() -> Self {
        Self {
            zero_length_oid: true,
            zero_length_integer: true,
            unsigned_missing_leading_zero: true,
            octet_string_overrun: true,
            non_minimal_integer: true,
            trailing_bytes: true,
        }
    }
}

/// Everything that configures one decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Limits on size and counts.
    pub limits: Limits,
    /// Quirks to tolerate.
    pub leniency: Leniency,
}

impl DecodeOptions {
    /// Strict decoding with default limits (the same as `Default`).
    pub fn strict() -> Self {
        Self::default()
    }

    /// These options with the given leniency.
    pub fn with_leniency(mut self, leniency: Leniency) -> Self {
        self.leniency = leniency;
        self
    }

    /// These options with the given limits.
    pub fn with_limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }
}

/// One kind of tolerated deviation, matching a [`Leniency`] option.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum AnomalyKind {
    /// See [`Leniency::zero_length_oid`].
    ZeroLengthOid,
    /// See [`Leniency::zero_length_integer`].
    ZeroLengthInteger,
    /// See [`Leniency::unsigned_missing_leading_zero`].
    UnsignedMissingLeadingZero,
    /// See [`Leniency::octet_string_overrun`].
    OctetStringOverrun,
    /// See [`Leniency::non_minimal_integer`].
    NonMinimalInteger,
    /// See [`Leniency::trailing_bytes`].
    TrailingBytes,
}

impl AnomalyKind {
    /// Every kind, in declaration order.
    pub const ALL: [AnomalyKind; 6] = [
        Self::ZeroLengthOid,
        Self::ZeroLengthInteger,
        Self::UnsignedMissingLeadingZero,
        Self::OctetStringOverrun,
        Self::NonMinimalInteger,
        Self::TrailingBytes,
    ];

    /// The name of the matching [`Leniency`] field, e.g. `zero_length_oid`: stable, for
    /// logs and machine-readable output.
    pub const fn name(self) -> &'static str {
        match self {
            Self::ZeroLengthOid => "zero_length_oid",
            Self::ZeroLengthInteger => "zero_length_integer",
            Self::UnsignedMissingLeadingZero => "unsigned_missing_leading_zero",
            Self::OctetStringOverrun => "octet_string_overrun",
            Self::NonMinimalInteger => "non_minimal_integer",
            Self::TrailingBytes => "trailing_bytes",
        }
    }

    const fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for AnomalyKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::ZeroLengthOid => "zero-length OBJECT IDENTIFIER read as 0.0",
            Self::ZeroLengthInteger => "zero-length INTEGER read as 0",
            Self::UnsignedMissingLeadingZero => "unsigned value missing its leading 0x00",
            Self::OctetStringOverrun => "OCTET STRING length one byte past its container",
            Self::NonMinimalInteger => "non-minimal INTEGER encoding",
            Self::TrailingBytes => "trailing bytes after the message",
        })
    }
}

/// A tolerated deviation: its kind, how often it occurred, and the first byte offset.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Anomaly {
    /// Which quirk.
    pub kind: AnomalyKind,
    /// How many times it occurred in the message.
    pub count: u32,
    /// Byte offset of the first occurrence.
    pub first_offset: usize,
}

/// The deviations a lenient decode tolerated, without allocating. Empty after a strict decode.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Anomalies {
    counts: [u32; AnomalyKind::ALL.len()],
    first: [usize; AnomalyKind::ALL.len()],
}

impl Anomalies {
    /// True when nothing was tolerated.
    pub fn is_empty(&self) -> bool {
        self.counts.iter().all(|&c| c == 0)
    }

    /// How often `kind` occurred.
    pub fn count(&self, kind: AnomalyKind) -> u32 {
        self.counts.get(kind.index()).copied().unwrap_or(0)
    }

    /// The tolerated deviations, one entry per kind that occurred.
    pub fn iter(&self) -> impl Iterator<Item = Anomaly> + '_ {
        AnomalyKind::ALL
            .iter()
            .zip(self.counts.iter().zip(self.first.iter()))
            .filter(|(_, (count, _))| **count > 0)
            .map(|(&kind, (&count, &first_offset))| Anomaly {
                kind,
                count,
                first_offset,
            })
    }

    /// Adds the counts of `other` (whose offsets refer to another buffer, e.g. a decrypted
    /// scoped PDU) to these.
    pub fn merge(&mut self, other: &Anomalies) {
        for a in other.iter() {
            let i = a.kind.index();
            if let (Some(count), Some(first)) = (self.counts.get_mut(i), self.first.get_mut(i)) {
                if *count == 0 {
                    *first = a.first_offset;
                }
                *count = count.saturating_add(a.count);
            }
        }
    }

    pub(crate) fn record(&mut self, kind: AnomalyKind, offset: usize) {
        let i = kind.index();
        if let (Some(count), Some(first)) = (self.counts.get_mut(i), self.first.get_mut(i)) {
            if *count == 0 {
                *first = offset;
            }
            *count = count.saturating_add(1);
        }
    }
}
