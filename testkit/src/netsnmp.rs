//! How net-snmp prints varbinds, and a parser for it.
//!
//! # Verified facts (net-snmp 5.9.3, Debian 12, no MIBs loaded)
//!
//! Observed with `snmpget`/`snmpbulkwalk` against a private [`crate::Snmpd`],
//! `snmptrap` to a private [`crate::Snmptrapd`] (same printing code), and
//! hand-crafted messages sent to snmptrapd. With `-On` each varbind is printed
//! as `OID = TYPE: VALUE`, the OID numeric with a leading dot:
//!
//! | type (BER tag) | `-On` | with `-Ox` added |
//! | --- | --- | --- |
//! | OCTET STRING, printable (0x04) | `STRING: "vm"` | `Hex-STRING: 76 6D ` |
//! | OCTET STRING, otherwise | `Hex-STRING: 80 00 1F 88 ` | same |
//! | OCTET STRING, empty | `""` — **no type label at all** | same |
//! | INTEGER (0x02) | `INTEGER: -5`, `INTEGER: 2147483647` | same |
//! | OBJECT IDENTIFIER (0x06) | `OID: .1.3.6.1.4.1.8072.3.2.10`, `OID: .0.0` | same |
//! | NULL (0x05) | `NULL` (no colon) | same |
//! | IpAddress (0x40) | `IpAddress: 10.1.2.3` | same |
//! | Counter32 (0x41) | `Counter32: 4294967295` | same |
//! | Gauge32 (0x42) | `Gauge32: 4294967295` | same |
//! | TimeTicks (0x43) | `Timeticks: (123456) 0:20:34.56`, `Timeticks: (4294967295) 497 days, 2:27:52.95` | same |
//! | Opaque (0x44), raw | `OPAQUE: 01 02 03 ` (upper case label) | same |
//! | Opaque Float (0x44 wrapping 9F 78 04 …) | `Opaque: Float: 1.500000` (`%f`, 6 decimals) | same |
//! | Opaque Double (0x44 wrapping 9F 79 08 …) | `Opaque: Float: 2.250000` — **"Float", not "Double"** | same |
//! | Opaque UInt64 / Int64 (9F 7B / 9F 7A) | `Opaque: UInt64: 18446744073709551615`, `Opaque: Int64: -9` | same |
//! | Counter64 (0x46) | `Counter64: 18446744073709551615` (decimal) | same |
//! | NsapAddress (0x45) | `Variable has bad type` | same |
//! | UInteger32 (0x47) | `258` — no type label | same |
//! | noSuchObject (0x80) | `No Such Object available on this agent at this OID` | same |
//! | noSuchInstance (0x81) | `No Such Instance currently exists at this OID` | same |
//! | endOfMibView (0x82) | `No more variables left in this MIB View (It is past the end of the MIB tree)` | same |
//!
//! More details:
//!
//! * **STRING vs Hex-STRING** is net-snmp's guess: printable ASCII plus
//!   whitespace (`\t`, `\n`, …) prints as `STRING`, anything else (a NUL, a
//!   BEL, any byte ≥ 0x80, e.g. UTF-8 `héllo`) as `Hex-STRING`. A trailing
//!   `\n` still gives `STRING`, `"ABC\0"` gives `Hex-STRING`. BITS values
//!   print as strings too when no MIB is loaded (`b '1 3'` → `STRING: "P"`).
//! * In `STRING: "…"` a `"` is printed as `\"` and a `\` as `\\`; tabs and
//!   newlines are printed **raw**, so one value can span several lines.
//! * **Hex-STRING** prints upper-case bytes each followed by a space (so the
//!   value ends in a space) and, by default, **breaks the line after every 16
//!   bytes** (continuation lines start with the next byte; the snmp.conf token
//!   `hexOutputLength`, default 16). `--hexOutputLength=0` on the command line
//!   disables the breaks.
//! * `-Ot` prints TimeTicks as the bare number **without the `Timeticks:`
//!   label** (`.1.3.6.1.2.1.1.3.0 = 1180`), which makes the type ambiguous;
//!   it is therefore *not* part of [`NETSNMP_MACHINE_OPTIONS`]. The raw tick
//!   count is in the parentheses of the default form anyway.
//! * `-Oe` (enums as numbers) and `-OU` change nothing without MIBs.
//! * `-Oq` drops the ` = ` and the labels (`.1.3.6.1.2.1.1.3.0 0:0:00:34.06`),
//!   `-OQ` drops only the labels, `-Ov` drops the OID: all lose information.
//! * A v1 `snmpget` of a missing object prints `Error in packet` /
//!   `Reason: (noSuchName) …` / `Failed object: .1.3…` on stderr and exits 2.
//!   Over v2c the same OID prints a `No Such …` line on stdout and exits 0.
//! * A v2c/v3 `snmpget` of a missing object prints the `No Such …` line on
//!   stdout and **exits 0**; a wrong community is silently dropped by the
//!   agent: `Timeout: No Response from 127.0.0.1:PORT.` on stderr, exit 1.
//! * `snmpbulkwalk … .1` that runs to the end of the agent's tree prints a
//!   final line with the **last OID repeated** and the endOfMibView text; a
//!   walk of a subtree stops silently at the subtree's end.
//! * In the snmptrapd `%v` list the varbinds are separated by a tab (no other
//!   tab can occur with `-Ox`); see [`crate::Snmptrapd`].
//!
//! # The options to use: [`NETSNMP_MACHINE_OPTIONS`]
//!
//! For comparing net-snmp's view of a message with ours, run the tools with
//! `-On -Ox --hexOutputLength=0`: every OCTET STRING then prints as
//! `Hex-STRING: ..` on a single line (no printable-or-not guess, no escapes,
//! no raw newlines), every other type keeps its label, and each varbind is
//! exactly one line. Only the empty string remains special (`""`).
//! [`parse_netsnmp_output`] still copes with the default `-On` output,
//! joining continuation lines, but a STRING value containing a newline
//! followed by something that looks like `.1.3 = …` is inherently ambiguous
//! there.

use std::net::Ipv4Addr;

/// net-snmp output options that make every varbind one unambiguous line:
/// numeric OIDs (`-On`), all OCTET STRINGs as hex (`-Ox`), and no line breaks
/// in hex values (`--hexOutputLength=0`). Put them before the target address.
pub const NETSNMP_MACHINE_OPTIONS: &[&str] = &["-On", "-Ox", "--hexOutputLength=0"];

/// One varbind as net-snmp printed it with `-On`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NetSnmpVarBind {
    /// The OID without the leading dot: `1.3.6.1.2.1.1.1.0`.
    pub oid: String,
    /// The type label before `": "`: `STRING`, `Hex-STRING`, `INTEGER`,
    /// `OID`, `Timeticks`, `Counter32`, `Counter64`, `Gauge32`, `IpAddress`,
    /// `Opaque`, `OPAQUE`, … Empty when net-snmp prints no label (`""` for an
    /// empty string, `NULL`, the three `No …` exceptions, a bare number for
    /// UInteger32 or `-Ot` TimeTicks, `Variable has bad type`).
    pub type_label: String,
    /// The text after the label, trimmed at both ends. Hex-STRING and OPAQUE
    /// values are normalized to single-space-separated upper-case bytes
    /// without a trailing space, even if they spanned several lines. STRING
    /// values keep their quotes and backslash escapes (see
    /// [`NetSnmpVarBind::value`] for the decoded bytes).
    pub value: String,
}

/// A typed interpretation of a [`NetSnmpVarBind`].
#[derive(Debug, Clone, PartialEq)]
pub enum NetSnmpValue {
    /// `STRING: "…"`, `Hex-STRING: …` or `""`: the octets.
    OctetString(Vec<u8>),
    /// `INTEGER: n`.
    Integer(i64),
    /// `OID: .1.3…` (without the leading dot).
    Oid(String),
    /// `NULL`.
    Null,
    /// `IpAddress: a.b.c.d`.
    IpAddress(Ipv4Addr),
    /// `Counter32: n`.
    Counter32(u32),
    /// `Gauge32: n`.
    Gauge32(u32),
    /// `Timeticks: (n) …`.
    TimeTicks(u32),
    /// `Counter64: n`.
    Counter64(u64),
    /// `OPAQUE: ..`: the raw content octets of an Opaque.
    Opaque(Vec<u8>),
    /// `Opaque: Float: x`: an Opaque-wrapped float **or double** (net-snmp
    /// prints both as "Float"), as printed (`%f`: six decimals).
    OpaqueFloat(String),
    /// `Opaque: Int64: n`.
    OpaqueInt64(i64),
    /// `Opaque: UInt64: n`.
    OpaqueUInt64(u64),
    /// `No Such Object available on this agent at this OID`.
    NoSuchObject,
    /// `No Such Instance currently exists at this OID`.
    NoSuchInstance,
    /// `No more variables left in this MIB View …`.
    EndOfMibView,
    /// Anything else, e.g. `Variable has bad type` or a bare number.
    Other(String),
}

const NO_SUCH_OBJECT: &str = "No Such Object available on this agent at this OID";
const NO_SUCH_INSTANCE: &str = "No Such Instance currently exists at this OID";
const END_OF_MIB_VIEW: &str =
    "No more variables left in this MIB View (It is past the end of the MIB tree)";

impl NetSnmpVarBind {
    /// The value, interpreted according to its type label; `None` when the
    /// text does not fit the label (e.g. a number out of range).
    pub fn value(&self) -> Option<NetSnmpValue> {
        let v = self.value.as_str();
        Some(match self.type_label.as_str() {
            "STRING" => NetSnmpValue::OctetString(unquote(v)?),
            "Hex-STRING" => NetSnmpValue::OctetString(parse_hex(v)?),
            "INTEGER" => NetSnmpValue::Integer(v.parse().ok()?),
            "OID" => NetSnmpValue::Oid(v.trim_start_matches('.').to_owned()),
            "IpAddress" => NetSnmpValue::IpAddress(v.parse().ok()?),
            "Counter32" => NetSnmpValue::Counter32(v.parse().ok()?),
            "Gauge32" => NetSnmpValue::Gauge32(v.parse().ok()?),
            "Counter64" => NetSnmpValue::Counter64(v.parse().ok()?),
            "Timeticks" => {
                let inner = v.strip_prefix('(')?.split(')').next()?;
                NetSnmpValue::TimeTicks(inner.parse().ok()?)
            }
            "OPAQUE" => NetSnmpValue::Opaque(parse_hex(v)?),
            "Opaque" => {
                if let Some(f) = v.strip_prefix("Float: ") {
                    NetSnmpValue::OpaqueFloat(f.to_owned())
                } else if let Some(f) = v.strip_prefix("Double: ") {
                    NetSnmpValue::OpaqueFloat(f.to_owned())
                } else if let Some(n) = v.strip_prefix("Int64: ") {
                    NetSnmpValue::OpaqueInt64(n.parse().ok()?)
                } else if let Some(n) = v.strip_prefix("UInt64: ") {
                    NetSnmpValue::OpaqueUInt64(n.parse().ok()?)
                } else {
                    NetSnmpValue::Other(v.to_owned())
                }
            }
            "" => match v {
                "\"\"" => NetSnmpValue::OctetString(Vec::new()),
                "NULL" => NetSnmpValue::Null,
                NO_SUCH_OBJECT => NetSnmpValue::NoSuchObject,
                NO_SUCH_INSTANCE => NetSnmpValue::NoSuchInstance,
                END_OF_MIB_VIEW => NetSnmpValue::EndOfMibView,
                other => NetSnmpValue::Other(other.to_owned()),
            },
            _ => NetSnmpValue::Other(v.to_owned()),
        })
    }
}

/// Parses one varbind printed with `-On`: `.OID = TYPE: VALUE` (or one of the
/// label-less forms listed at [`NetSnmpVarBind::type_label`]).
///
/// The input may be a whole *entry* including continuation lines (as
/// assembled by [`parse_netsnmp_output`]); a trailing newline is ignored.
/// Returns `None` when the text does not start with a numeric OID followed by
/// `" = "`.
///
/// ```
/// use fleetwire_testkit::{parse_netsnmp_line, NetSnmpValue};
/// let vb = parse_netsnmp_line(".1.3.6.1.2.1.1.3.0 = Timeticks: (1177) 0:00:11.77").unwrap();
/// assert_eq!(vb.oid, "1.3.6.1.2.1.1.3.0");
/// assert_eq!(vb.type_label, "Timeticks");
/// assert_eq!(vb.value, "(1177) 0:00:11.77");
/// assert_eq!(vb.value(), Some(NetSnmpValue::TimeTicks(1177)));
/// ```
pub fn parse_netsnmp_line(line: &str) -> Option<NetSnmpVarBind> {
    let line = line.strip_suffix('\n').unwrap_or(line);
    let line = line.strip_suffix('\r').unwrap_or(line);
    let (oid_part, rest) = line.split_once(" = ")?;
    let oid = oid_part.strip_prefix('.').unwrap_or(oid_part);
    if !is_numeric_oid(oid) {
        return None;
    }
    let (type_label, value) = match rest.split_once(": ") {
        Some((label, value)) if is_label(label) => (label, value),
        _ => ("", rest),
    };
    let value = if matches!(type_label, "Hex-STRING" | "OPAQUE") {
        value
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ")
            .to_ascii_uppercase()
    } else {
        value.trim().to_owned()
    };
    Some(NetSnmpVarBind {
        oid: oid.to_owned(),
        type_label: type_label.to_owned(),
        value,
    })
}

/// Parses the stdout of `snmpget`/`snmpwalk`/`snmpbulkwalk … -On …` into
/// varbinds, joining continuation lines (wrapped Hex-STRINGs, STRINGs with
/// raw newlines) to the entry they belong to.
///
/// A new entry starts at every line that begins with a numeric OID followed
/// by `" = "`; any other line continues the previous entry (lines before the
/// first entry are ignored). See the module docs for the one ambiguity and
/// [`NETSNMP_MACHINE_OPTIONS`] for options that avoid it.
pub fn parse_netsnmp_output(text: &str) -> Vec<NetSnmpVarBind> {
    let mut entries: Vec<String> = Vec::new();
    for line in text.lines() {
        if starts_entry(line) {
            entries.push(line.to_owned());
        } else if let Some(last) = entries.last_mut() {
            last.push('\n');
            last.push_str(line);
        }
    }
    entries
        .iter()
        .filter_map(|e| parse_netsnmp_line(e))
        .collect()
}

fn starts_entry(line: &str) -> bool {
    line.split_once(" = ").is_some_and(|(oid, _)| {
        let oid = oid.strip_prefix('.').unwrap_or(oid);
        is_numeric_oid(oid)
    })
}

fn is_numeric_oid(s: &str) -> bool {
    !s.is_empty()
        && s.split('.')
            .all(|arc| !arc.is_empty() && arc.bytes().all(|b| b.is_ascii_digit()))
}

/// A type label: starts with a letter, then letters, digits, `-` or spaces
/// (e.g. `Network Address`), at most 32 characters.
fn is_label(s: &str) -> bool {
    let mut bytes = s.bytes();
    s.len() <= 32
        && bytes.next().is_some_and(|b| b.is_ascii_alphabetic())
        && bytes.all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b' ')
}

/// Decodes `"…"` with net-snmp's escapes (`\"` and `\\`).
fn unquote(v: &str) -> Option<Vec<u8>> {
    let inner = v.strip_prefix('"')?.strip_suffix('"')?;
    let mut out = Vec::with_capacity(inner.len());
    let mut bytes = inner.bytes();
    while let Some(b) = bytes.next() {
        if b == b'\\' {
            out.push(bytes.next()?);
        } else {
            out.push(b);
        }
    }
    Some(out)
}

/// Decodes `DE AD BE EF` (any whitespace between bytes).
fn parse_hex(v: &str) -> Option<Vec<u8>> {
    v.split_whitespace()
        .map(|w| {
            if w.len() == 2 {
                u8::from_str_radix(w, 16).ok()
            } else {
                None
            }
        })
        .collect()
}
