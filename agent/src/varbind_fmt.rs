//! Printing varbinds the way the SNMP commands do: net-snmp's `-On` text (the default) or one
//! JSON object per line (`--json`).
//!
//! The text form is byte-identical to what net-snmp 5.9's tools print with `-On` and no MIBs
//! loaded (`snmpget -On`, `snmpwalk -On`, snmptrapd's varbinds): `.OID = TYPE: VALUE`.
//!
//! | Value | Text after `= ` |
//! |---|---|
//! | OCTET STRING of printable ASCII or whitespace | `STRING: "text"` (`"` and `\` escaped with `\`, whitespace raw) |
//! | other OCTET STRING | `Hex-STRING: 00 1A ` (upper case, a space after every byte, a line break after every 16 bytes when more follow) |
//! | empty OCTET STRING | `""` |
//! | INTEGER | `INTEGER: -5` |
//! | OBJECT IDENTIFIER | `OID: .1.3.6.1` |
//! | NULL | `NULL` |
//! | IpAddress | `IpAddress: 10.1.2.3` |
//! | Counter32, Gauge32, Counter64 | `Counter32: 5`, `Gauge32: 5`, `Counter64: 5` |
//! | TimeTicks | `Timeticks: (12345) 0:02:03.45`, `Timeticks: (8640000) 1 day, 0:00:00.00` |
//! | Opaque (net-snmp float, double, 64-bit wrappers) | `Opaque: Float: 1.500000`, `Opaque: Int64: -9`, `Opaque: UInt64: 9`, `Opaque: Counter64: 9` |
//! | Opaque (anything else) | `OPAQUE: 01 02 ` |
//! | UInteger32 | the bare number |
//! | NsapAddress | `Variable has bad type` |
//! | noSuchObject | `No Such Object available on this agent at this OID` |
//! | noSuchInstance | `No Such Instance currently exists at this OID` |
//! | endOfMibView | `No more variables left in this MIB View (It is past the end of the MIB tree)` |
//!
//! The JSON form is [`crate::json::varbind_to_json`], the varbind object of
//! `fleetwire decode --json`.
//!
//! ```
//! use fleetwire::varbind_fmt::{Format, netsnmp_line, write_varbind};
//! use fleetwire_snmp::{Value, VarBind};
//!
//! let vb = VarBind::new("1.3.6.1.2.1.1.3.0".parse()?, Value::TimeTicks(12345));
//! assert_eq!(netsnmp_line(&vb), ".1.3.6.1.2.1.1.3.0 = Timeticks: (12345) 0:02:03.45");
//!
//! let mut out = Vec::new();
//! write_varbind(&mut out, Format::Json, &vb)?;
//! assert_eq!(
//!     String::from_utf8(out)?,
//!     "{\"oid\":\"1.3.6.1.2.1.1.3.0\",\"type\":\"TimeTicks\",\"value\":12345}\n"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt::Write as _;
use std::io;

use fleetwire_snmp::{OpaqueValue, Value, VarBind};

use crate::json::varbind_to_json;

/// How many bytes net-snmp prints on one line of a Hex-STRING (its `hexOutputLength`
/// default).
pub const HEX_LINE_BYTES: usize = 16;

/// net-snmp's text for noSuchObject.
pub const NO_SUCH_OBJECT: &str = "No Such Object available on this agent at this OID";
/// net-snmp's text for noSuchInstance.
pub const NO_SUCH_INSTANCE: &str = "No Such Instance currently exists at this OID";
/// net-snmp's text for endOfMibView.
pub const END_OF_MIB_VIEW: &str =
    "No more variables left in this MIB View (It is past the end of the MIB tree)";

/// The output format of the SNMP commands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Format {
    /// net-snmp's `-On` text, one varbind per line (a line may wrap inside a long
    /// Hex-STRING, or contain a string's own line breaks, exactly as net-snmp prints it).
    #[default]
    NetSnmp,
    /// One JSON object per line: `{"oid", "type", "value"}` (plus `"text"` for printable
    /// strings), as in `fleetwire decode --json`.
    Json,
}

impl Format {
    /// [`Format::Json`] when `json` is set, else [`Format::NetSnmp`].
    pub fn from_json_flag(json: bool) -> Self {
        if json { Self::Json } else { Self::NetSnmp }
    }
}

/// Writes one varbind in `format`, followed by a line feed.
pub fn write_varbind(
    out: &mut (impl io::Write + ?Sized),
    format: Format,
    vb: &VarBind<'_>,
) -> io::Result<()> {
    match format {
        Format::NetSnmp => {
            let mut line = netsnmp_line(vb);
            line.push('\n');
            out.write_all(line.as_bytes())
        }
        Format::Json => writeln!(out, "{}", varbind_to_json(vb)),
    }
}

/// One varbind as net-snmp prints it with `-On`: `.OID = VALUE`, without a line feed.
pub fn netsnmp_line(vb: &VarBind<'_>) -> String {
    let mut line = String::with_capacity(64);
    line.push('.');
    // Writing into a String cannot fail.
    let _ = write!(line, "{}", vb.name);
    line.push_str(" = ");
    push_netsnmp_value(&mut line, &vb.value);
    line
}

/// The part of [`netsnmp_line`] after `" = "`: the type label and the value.
pub fn netsnmp_value(value: &Value<'_>) -> String {
    let mut text = String::with_capacity(32);
    push_netsnmp_value(&mut text, value);
    text
}

fn push_netsnmp_value(out: &mut String, value: &Value<'_>) {
    // Writing into a String cannot fail: the results of write! are ignored below.
    match value {
        Value::Integer(v) => {
            let _ = write!(out, "INTEGER: {v}");
        }
        Value::OctetString(bytes) => push_octet_string(out, bytes),
        Value::Null => out.push_str("NULL"),
        Value::ObjectIdentifier(oid) => {
            let _ = write!(out, "OID: .{oid}");
        }
        Value::IpAddress([a, b, c, d]) => {
            let _ = write!(out, "IpAddress: {a}.{b}.{c}.{d}");
        }
        Value::Counter32(v) => {
            let _ = write!(out, "Counter32: {v}");
        }
        Value::Gauge32(v) => {
            let _ = write!(out, "Gauge32: {v}");
        }
        Value::TimeTicks(v) => {
            out.push_str("Timeticks: ");
            push_timeticks(out, *v);
        }
        Value::Counter64(v) => {
            let _ = write!(out, "Counter64: {v}");
        }
        Value::UInteger32(v) => {
            let _ = write!(out, "{v}");
        }
        Value::Opaque(bytes) => match OpaqueValue::decode(bytes) {
            Ok(OpaqueValue::Float(f)) => {
                out.push_str("Opaque: Float: ");
                push_c_float(out, f64::from(f));
            }
            // net-snmp labels doubles "Float" too.
            Ok(OpaqueValue::Double(f)) => {
                out.push_str("Opaque: Float: ");
                push_c_float(out, f);
            }
            Ok(OpaqueValue::Counter64(v)) => {
                let _ = write!(out, "Opaque: Counter64: {v}");
            }
            Ok(OpaqueValue::I64(v)) => {
                let _ = write!(out, "Opaque: Int64: {v}");
            }
            Ok(OpaqueValue::U64(v)) => {
                let _ = write!(out, "Opaque: UInt64: {v}");
            }
            Err(_) => {
                out.push_str("OPAQUE: ");
                push_hex(out, bytes);
            }
        },
        Value::NsapAddress(_) => out.push_str("Variable has bad type"),
        Value::NoSuchObject => out.push_str(NO_SUCH_OBJECT),
        Value::NoSuchInstance => out.push_str(NO_SUCH_INSTANCE),
        Value::EndOfMibView => out.push_str(END_OF_MIB_VIEW),
    }
}

/// C's `isprint() || isspace()` in the C locale: what net-snmp prints as text.
fn is_netsnmp_text(b: u8) -> bool {
    matches!(b, 0x20..=0x7e | b'\t' | b'\n' | 0x0b | 0x0c | b'\r')
}

fn push_octet_string(out: &mut String, bytes: &[u8]) {
    if bytes.is_empty() {
        out.push_str("\"\"");
    } else if bytes.iter().all(|&b| is_netsnmp_text(b)) {
        out.push_str("STRING: \"");
        for &b in bytes {
            if matches!(b, b'"' | b'\\') {
                out.push('\\');
            }
            out.push(char::from(b));
        }
        out.push('"');
    } else {
        out.push_str("Hex-STRING: ");
        push_hex(out, bytes);
    }
}

/// net-snmp's hex dump: `%02X ` per byte, a line feed after each full line of
/// [`HEX_LINE_BYTES`] when more bytes follow.
fn push_hex(out: &mut String, bytes: &[u8]) {
    for (i, &b) in bytes.iter().enumerate() {
        if i > 0 && i % HEX_LINE_BYTES == 0 {
            out.push('\n');
        }
        let _ = write!(out, "{b:02X} ");
    }
}

/// `(ticks) [D day[s], ]H:MM:SS.cc`, as net-snmp's `uptime_string`.
fn push_timeticks(out: &mut String, ticks: u32) {
    let centis = ticks % 100;
    let secs = ticks / 100;
    let (days, hours, minutes, seconds) = (
        secs / 86_400,
        (secs / 3600) % 24,
        (secs / 60) % 60,
        secs % 60,
    );
    let _ = write!(out, "({ticks}) ");
    match days {
        0 => {}
        1 => out.push_str("1 day, "),
        d => {
            let _ = write!(out, "{d} days, ");
        }
    }
    let _ = write!(out, "{hours}:{minutes:02}:{seconds:02}.{centis:02}");
}

/// C's `printf("%f")`: six decimals; `inf`, `-inf`, `nan`, `-nan` as glibc prints them.
fn push_c_float(out: &mut String, v: f64) {
    if v.is_nan() {
        out.push_str(if v.is_sign_negative() { "-nan" } else { "nan" });
    } else if v.is_infinite() {
        out.push_str(if v < 0.0 { "-inf" } else { "inf" });
    } else {
        let _ = write!(out, "{v:.6}");
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use fleetwire_snmp::Oid;

    fn line(value: Value<'static>) -> String {
        netsnmp_line(&VarBind::new(
            "1.3.6.1.4.1.99.1".parse::<Oid<'static>>().unwrap(),
            value,
        ))
    }

    #[test]
    fn every_value_type() {
        let p = ".1.3.6.1.4.1.99.1 = ";
        let cases: Vec<(Value<'static>, &str)> = vec![
            (Value::Integer(-5), "INTEGER: -5"),
            (Value::OctetString(b"vm"[..].into()), "STRING: \"vm\""),
            (
                Value::OctetString(b"a\"b\\c\td\n"[..].into()),
                "STRING: \"a\\\"b\\\\c\td\n\"",
            ),
            (Value::OctetString(b""[..].into()), "\"\""),
            (
                Value::OctetString(b"ABC\0"[..].into()),
                "Hex-STRING: 41 42 43 00 ",
            ),
            (
                Value::OctetString("h\u{e9}llo".as_bytes().to_vec().into()),
                "Hex-STRING: 68 C3 A9 6C 6C 6F ",
            ),
            (Value::Null, "NULL"),
            (Value::ObjectIdentifier("0.0".parse().unwrap()), "OID: .0.0"),
            (Value::IpAddress([10, 1, 2, 3]), "IpAddress: 10.1.2.3"),
            (Value::Counter32(u32::MAX), "Counter32: 4294967295"),
            (Value::Gauge32(7), "Gauge32: 7"),
            (Value::TimeTicks(123_456), "Timeticks: (123456) 0:20:34.56"),
            (
                Value::TimeTicks(u32::MAX),
                "Timeticks: (4294967295) 497 days, 2:27:52.95",
            ),
            (
                Value::TimeTicks(8_640_000),
                "Timeticks: (8640000) 1 day, 0:00:00.00",
            ),
            (
                Value::Counter64(u64::MAX),
                "Counter64: 18446744073709551615",
            ),
            (Value::UInteger32(258), "258"),
            (
                Value::Opaque(OpaqueValue::Float(1.5).encode().into()),
                "Opaque: Float: 1.500000",
            ),
            (
                Value::Opaque(OpaqueValue::Double(2.25).encode().into()),
                "Opaque: Float: 2.250000",
            ),
            (
                Value::Opaque(OpaqueValue::I64(-9).encode().into()),
                "Opaque: Int64: -9",
            ),
            (
                Value::Opaque(OpaqueValue::U64(u64::MAX).encode().into()),
                "Opaque: UInt64: 18446744073709551615",
            ),
            (
                Value::Opaque(b"\x01\x02\x03"[..].into()),
                "OPAQUE: 01 02 03 ",
            ),
            (
                Value::NsapAddress(b"\x47"[..].into()),
                "Variable has bad type",
            ),
            (Value::NoSuchObject, NO_SUCH_OBJECT),
            (Value::NoSuchInstance, NO_SUCH_INSTANCE),
            (Value::EndOfMibView, END_OF_MIB_VIEW),
        ];
        for (value, expected) in cases {
            assert_eq!(line(value.clone()), format!("{p}{expected}"), "{value:?}");
        }
    }

    #[test]
    fn hex_wraps_after_sixteen_bytes() {
        let bytes: Vec<u8> = (0u8..17).collect();
        assert_eq!(
            netsnmp_value(&Value::OctetString(bytes.into())),
            "Hex-STRING: 00 01 02 03 04 05 06 07 08 09 0A 0B 0C 0D 0E 0F \n10 "
        );
    }

    #[test]
    fn json_is_the_decode_varbind_object() {
        let vb = VarBind::new(
            "1.3.6.1.2.1.1.5.0".parse::<Oid<'static>>().unwrap(),
            Value::OctetString(b"lobby"[..].into()),
        );
        let mut out = Vec::new();
        write_varbind(&mut out, Format::Json, &vb).unwrap();
        let parsed: serde_json::Value = serde_json::from_slice(&out).unwrap();
        assert_eq!(parsed, varbind_to_json(&vb));
        assert!(out.ends_with(b"}\n"));
    }
}
