//! The human-readable output of `fleetwire decode`.
//!
//! Not a stable interface (use [`crate::json`] for scripts). A message renders as:
//!
//! ```text
//! SNMPv2c  community "public"
//! Response  request-id 1001  error-status noError(0)  error-index 0
//!   1.3.6.1.2.1.1.5.0 = OCTET STRING: "printer-3f-east"
//!   1.3.6.1.2.1.25.3.2.1.5.1 = INTEGER: 2
//! ```
//!
//! Byte strings print as quoted text when [printable](crate::json::printable_text) and as
//! `0x`-prefixed hex otherwise; engine IDs always as hex.

use std::fmt::Write as _;

use fleetwire_snmp::{
    Anomalies, Anomaly, Message, OpaqueValue, Pdu, ScopedPduData, SecurityParameters, Value,
    VarBind,
};

use crate::hex;
use crate::json::printable_text;
use crate::usm::Security;

/// Quoted text when printable, else `0x` + hex.
pub fn octets_to_text(bytes: &[u8]) -> String {
    match printable_text(bytes) {
        Some(text) => format!("{text:?}"),
        None => format!("0x{}", hex::encode(bytes)),
    }
}

fn engine_id(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "(empty)".to_owned()
    } else {
        format!("0x{}", hex::encode(bytes))
    }
}

/// TimeTicks as `[Nd ]H:MM:SS.cc`.
fn ticks(t: u32) -> String {
    let (days, rest) = (t / 8_640_000, t % 8_640_000);
    let (hours, rest) = (rest / 360_000, rest % 360_000);
    let (minutes, rest) = (rest / 6_000, rest % 6_000);
    let (seconds, centis) = (rest / 100, rest % 100);
    let clock = format!("{hours}:{minutes:02}:{seconds:02}.{centis:02}");
    if days > 0 {
        format!("{days}d {clock}")
    } else {
        clock
    }
}

/// A value as `TYPE: value` (`NULL` and the exceptions print just their type name).
pub fn value_to_text(value: &Value<'_>) -> String {
    let t = value.type_name();
    match value {
        Value::Integer(v) => format!("{t}: {v}"),
        Value::Counter32(v) | Value::Gauge32(v) | Value::UInteger32(v) => format!("{t}: {v}"),
        Value::Counter64(v) => format!("{t}: {v}"),
        Value::TimeTicks(v) => format!("{t}: {v} ({})", ticks(*v)),
        Value::OctetString(b) | Value::NsapAddress(b) => format!("{t}: {}", octets_to_text(b)),
        Value::Opaque(b) => {
            let decoded = match OpaqueValue::decode(b) {
                Ok(OpaqueValue::Float(v)) => format!(" (Float: {v})"),
                Ok(OpaqueValue::Double(v)) => format!(" (Double: {v})"),
                Ok(OpaqueValue::Counter64(v)) => format!(" (Counter64: {v})"),
                Ok(OpaqueValue::I64(v)) => format!(" (I64: {v})"),
                Ok(OpaqueValue::U64(v)) => format!(" (U64: {v})"),
                Err(_) => String::new(),
            };
            format!("{t}: 0x{}{decoded}", hex::encode(b))
        }
        Value::IpAddress(a) => format!("{t}: {}", std::net::Ipv4Addr::from(*a)),
        Value::ObjectIdentifier(oid) => format!("{t}: {oid}"),
        Value::Null | Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => {
            t.to_owned()
        }
    }
}

/// One varbind as `OID = TYPE: value`.
pub fn varbind_to_text(vb: &VarBind<'_>) -> String {
    format!("{} = {}", vb.name, value_to_text(&vb.value))
}

/// A PDU: a header line, then one indented line per varbind.
pub fn pdu_to_text(pdu: &Pdu<'_>) -> String {
    let mut out = String::from(pdu.pdu_type().name());
    match pdu {
        Pdu::GetBulkRequest(p) => {
            let _ = write!(
                out,
                "  request-id {}  non-repeaters {}  max-repetitions {}",
                p.request_id, p.non_repeaters, p.max_repetitions
            );
        }
        Pdu::Trap(p) => {
            let _ = write!(
                out,
                "  enterprise {}  agent-addr {}  generic-trap {}({})  specific-trap {}  \
                 time-stamp {} ({})",
                p.enterprise,
                std::net::Ipv4Addr::from(p.agent_addr),
                p.generic_trap.name(),
                p.generic_trap.code(),
                p.specific_trap,
                p.time_stamp,
                ticks(p.time_stamp)
            );
        }
        Pdu::GetRequest(p)
        | Pdu::GetNextRequest(p)
        | Pdu::Response(p)
        | Pdu::SetRequest(p)
        | Pdu::InformRequest(p)
        | Pdu::SnmpV2Trap(p)
        | Pdu::Report(p) => {
            let _ = write!(
                out,
                "  request-id {}  error-status {}({})  error-index {}",
                p.request_id,
                p.error_status.name(),
                p.error_status.code(),
                p.error_index
            );
        }
    }
    out.push('\n');
    let varbinds = pdu.varbinds();
    if varbinds.is_empty() {
        out.push_str("  (no varbinds)\n");
    }
    for vb in varbinds {
        let _ = writeln!(out, "  {}", varbind_to_text(&vb));
    }
    out
}

/// A message, several lines, each ending in a newline.
pub fn message_to_text(msg: &Message<'_>) -> String {
    message_to_text_with_security(msg, None)
}

/// The `security:` line of a message processed for `fleetwire decode -u`.
pub fn security_to_text(security: &Security) -> String {
    format!("security: {}\n", security.summary)
}

/// [`message_to_text`], with the [`security_to_text`] line after the USM line of an SNMPv3
/// message when `security` is given.
pub fn message_to_text_with_security(msg: &Message<'_>, security: Option<&Security>) -> String {
    let mut out = String::new();
    match msg {
        Message::V1(m) | Message::V2c(m) => {
            let _ = writeln!(
                out,
                "SNMPv{}  community {}",
                msg.version(),
                octets_to_text(&m.community)
            );
            out.push_str(&pdu_to_text(&m.pdu));
        }
        Message::V3(m) => {
            let h = &m.header;
            let mut flags: Vec<&str> = Vec::new();
            if h.flags.auth {
                flags.push("auth");
            }
            if h.flags.privacy {
                flags.push("priv");
            }
            if h.flags.reportable {
                flags.push("reportable");
            }
            let flags = if flags.is_empty() {
                "none".to_owned()
            } else {
                flags.join("|")
            };
            let model = if h.security_model == fleetwire_snmp::SECURITY_MODEL_USM {
                format!("USM({})", h.security_model)
            } else {
                h.security_model.to_string()
            };
            let _ = writeln!(
                out,
                "SNMPv3  msg-id {}  max-size {}  flags {flags}  security-model {model}",
                h.msg_id, h.max_size
            );
            match &m.security_parameters {
                SecurityParameters::Usm(usm) => {
                    let _ = writeln!(
                        out,
                        "USM  engine-id {}  engine-boots {}  engine-time {}  user {}",
                        engine_id(&usm.engine_id),
                        usm.engine_boots,
                        usm.engine_time,
                        octets_to_text(&usm.user_name)
                    );
                }
                SecurityParameters::Other(bytes) => {
                    let _ = writeln!(out, "security-parameters 0x{}", hex::encode(bytes));
                }
            }
            if let Some(security) = security {
                out.push_str(&security_to_text(security));
            }
            match &m.data {
                ScopedPduData::Plaintext(scoped) => {
                    let _ = writeln!(
                        out,
                        "context-engine-id {}  context-name {}",
                        engine_id(&scoped.context_engine_id),
                        octets_to_text(&scoped.context_name)
                    );
                    out.push_str(&pdu_to_text(&scoped.pdu));
                }
                ScopedPduData::Encrypted(bytes) => {
                    let _ = writeln!(out, "encrypted PDU: {} bytes", bytes.len());
                }
            }
        }
    }
    out
}

/// One line per tolerated deviation: `anomaly: <what> (N times, first at byte B)`.
pub fn anomalies_to_text(anomalies: &Anomalies) -> String {
    anomaly_list_to_text(anomalies.iter())
}

/// [`anomalies_to_text`] for a list of deviations (e.g. those of a decrypted message, whose
/// offsets refer to two buffers).
pub fn anomaly_list_to_text(anomalies: impl IntoIterator<Item = Anomaly>) -> String {
    let mut out = String::new();
    for a in anomalies {
        let _ = writeln!(
            out,
            "anomaly: {} [{}] ({} {}, first at byte {})",
            a.kind,
            a.kind.name(),
            a.count,
            if a.count == 1 { "time" } else { "times" },
            a.first_offset
        );
    }
    out
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn values() {
        assert_eq!(ticks(0), "0:00:00.00");
        assert_eq!(
            ticks(8_640_000 + 360_000 * 2 + 6_000 * 3 + 404),
            "1d 2:03:04.04"
        );
        assert_eq!(value_to_text(&Value::Null), "NULL");
        assert_eq!(
            value_to_text(&Value::OctetString(b"a\"b"[..].into())),
            r#"OCTET STRING: "a\"b""#
        );
        assert_eq!(
            value_to_text(&Value::OctetString(b"\x01\xff"[..].into())),
            "OCTET STRING: 0x01ff"
        );
        assert_eq!(
            value_to_text(&Value::Opaque(OpaqueValue::Float(1.5).encode().into())),
            "Opaque: 0x9f78043fc00000 (Float: 1.5)"
        );
        assert_eq!(
            value_to_text(&Value::IpAddress([10, 0, 0, 1])),
            "IpAddress: 10.0.0.1"
        );
    }
}
