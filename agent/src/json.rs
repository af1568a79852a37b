//! The `fleetwire decode --json` format: one SNMP message as a JSON object.
//!
//! This is a public interface: scripts parse it, and other `fleetwire` commands emit the same
//! objects. Fields are only ever added, never renamed or retyped, within a major version.
//! Key order carries no meaning (serde_json emits keys sorted).
//!
//! # Message object
//!
//! | Key | When | JSON type |
//! |---|---|---|
//! | `version` | always | `"1"`, `"2c"` or `"3"` |
//! | `community` | v1, v2c | [octets](#octets-community-user-context-name) |
//! | `msg_id`, `max_size`, `security_model` | v3 | number |
//! | `flags` | v3 | `{"auth": bool, "priv": bool, "reportable": bool}` |
//! | `usm` | v3 with security model 3 (USM) | `{"engine_id": hex, "engine_boots": n, "engine_time": n, "user": octets}` |
//! | `security_parameters` | v3 with another security model | hex of the undecoded `msgSecurityParameters` |
//! | `context_engine_id` (hex), `context_name` (octets) | v3, plaintext or decrypted | |
//! | `encrypted_pdu_len` | v3, encrypted (privFlag set) | number of bytes of `encryptedPDU` |
//! | `pdu` | v1, v2c, v3 plaintext or decrypted | [PDU object](#pdu-object) |
//!
//! `fleetwire decode` adds `frame`, `src` and `dst` with `--pcap`, `anomalies` with
//! `--lenient` (see [`anomalies_to_json`]), and `security` to SNMPv3 USM messages with `-u`
//! (see [`security_to_json`]). A message it decrypted has both `encrypted_pdu_len` and the
//! plaintext fields.
//!
//! # PDU object
//!
//! `type` is one of `GetRequest`, `GetNextRequest`, `GetBulkRequest`, `SetRequest`,
//! `Response`, `Trap`, `SNMPv2-Trap`, `InformRequest`, `Report`
//! ([`PduType::name`](fleetwire_snmp::PduType::name)), and `varbinds` is an array of
//! [varbind objects](#varbind-object). The other keys depend on the type:
//!
//! - GetBulkRequest: `request_id`, `non_repeaters`, `max_repetitions`.
//! - Trap (SNMPv1): `enterprise` (dotted OID), `agent_addr` (dotted quad), `generic_trap`
//!   and `specific_trap` (numbers), `time_stamp` (TimeTicks, number). No `request_id`.
//! - Every other type: `request_id`, `error_status` (the numeric code) and `error_index`.
//!
//! # Varbind object
//!
//! `{"oid": "1.3.6.1.2.1.1.5.0", "type": T, "value": V}` where `T` is
//! [`Value::type_name`](fleetwire_snmp::Value::type_name) and `V` is:
//!
//! | Type | `value` |
//! |---|---|
//! | INTEGER | number (signed 32-bit) |
//! | Counter32, Gauge32, TimeTicks, UInteger32, Counter64 | number (unsigned integer, never a float; Counter64 up to 2^64-1) |
//! | OCTET STRING, Opaque, NsapAddress | lowercase hex string without separators; the varbind object also gets `"text"` when the bytes are [printable](printable_text) |
//! | IpAddress | dotted quad string |
//! | OBJECT IDENTIFIER | dotted decimal string |
//! | NULL, noSuchObject, noSuchInstance, endOfMibView | `null` |
//!
//! # Octets (community, user, context name)
//!
//! A JSON string when the bytes are [printable](printable_text) UTF-8, otherwise an object
//! `{"hex": "..."}` holding lowercase hex. Engine IDs are always plain hex strings.
//!
//! ```
//! use fleetwire_snmp::{CommunityMessage, GenericPdu, Message, Oid, Pdu, Value, VarBind};
//! let sys_name: Oid = "1.3.6.1.2.1.1.5.0".parse()?;
//! let msg = Message::V2c(CommunityMessage {
//!     community: b"public"[..].into(),
//!     pdu: Pdu::Response(GenericPdu::new(7, vec![
//!         VarBind::new(sys_name, Value::OctetString(b"lobby-printer"[..].into())),
//!     ])),
//! });
//! assert_eq!(
//!     fleetwire::json::message_to_json(&msg).to_string(),
//!     r#"{"community":"public","pdu":{"error_index":0,"error_status":0,"request_id":7,"#.to_owned()
//!         + r#""type":"Response","varbinds":[{"oid":"1.3.6.1.2.1.1.5.0","text":"lobby-printer","#
//!         + r#""type":"OCTET STRING","value":"6c6f6262792d7072696e746572"}]},"version":"2c"}"#
//! );
//! # Ok::<(), fleetwire_snmp::OidError>(())
//! ```

use fleetwire_snmp::{
    Anomalies, Anomaly, Message, Pdu, ScopedPduData, SecurityParameters, Value, VarBind,
};
use serde_json::{Map, Value as Json, json};

use crate::hex;
use crate::usm::Security;

/// The bytes as text when they are "printable": valid UTF-8 with no control characters
/// (Unicode category Cc: U+0000..U+001F, U+007F..U+009F) other than tab, carriage return and
/// line feed. The empty string is printable.
///
/// ```
/// use fleetwire::json::printable_text;
/// assert_eq!(printable_text(b"Toner low\r\n"), Some("Toner low\r\n"));
/// assert_eq!(printable_text("Pr\u{fc}fung".as_bytes()), Some("Pr\u{fc}fung"));
/// assert_eq!(printable_text(b"\x00\x1b"), None);
/// assert_eq!(printable_text(b"\xff"), None);
/// ```
pub fn printable_text(bytes: &[u8]) -> Option<&str> {
    let text = std::str::from_utf8(bytes).ok()?;
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\r' | '\n'))
        .then_some(text)
}

/// Community, user name or context name: a string when [printable](printable_text), else
/// `{"hex": "..."}`.
pub fn octets_to_json(bytes: &[u8]) -> Json {
    match printable_text(bytes) {
        Some(text) => Json::from(text),
        None => json!({ "hex": hex::encode(bytes) }),
    }
}

/// One varbind: `{"oid", "type", "value"}`, plus `"text"` for printable OCTET STRING,
/// Opaque and NsapAddress values.
pub fn varbind_to_json(vb: &VarBind<'_>) -> Json {
    let mut obj = Map::new();
    obj.insert("oid".into(), Json::from(vb.name.to_string()));
    obj.insert("type".into(), Json::from(vb.value.type_name()));
    let value = match &vb.value {
        Value::Integer(v) => Json::from(*v),
        Value::Counter32(v) | Value::Gauge32(v) | Value::TimeTicks(v) | Value::UInteger32(v) => {
            Json::from(u64::from(*v))
        }
        Value::Counter64(v) => Json::from(*v),
        Value::OctetString(b) | Value::Opaque(b) | Value::NsapAddress(b) => {
            if let Some(text) = printable_text(b) {
                obj.insert("text".into(), Json::from(text));
            }
            Json::from(hex::encode(b))
        }
        Value::IpAddress(a) => Json::from(std::net::Ipv4Addr::from(*a).to_string()),
        Value::ObjectIdentifier(oid) => Json::from(oid.to_string()),
        Value::Null | Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView => {
            Json::Null
        }
    };
    obj.insert("value".into(), value);
    Json::Object(obj)
}

/// One PDU: see [the PDU object](self#pdu-object).
pub fn pdu_to_json(pdu: &Pdu<'_>) -> Json {
    let mut obj = Map::new();
    obj.insert("type".into(), Json::from(pdu.pdu_type().name()));
    match pdu {
        Pdu::GetBulkRequest(p) => {
            obj.insert("request_id".into(), Json::from(p.request_id));
            obj.insert("non_repeaters".into(), Json::from(p.non_repeaters));
            obj.insert("max_repetitions".into(), Json::from(p.max_repetitions));
        }
        Pdu::Trap(p) => {
            obj.insert("enterprise".into(), Json::from(p.enterprise.to_string()));
            obj.insert(
                "agent_addr".into(),
                Json::from(std::net::Ipv4Addr::from(p.agent_addr).to_string()),
            );
            obj.insert("generic_trap".into(), Json::from(p.generic_trap.code()));
            obj.insert("specific_trap".into(), Json::from(p.specific_trap));
            obj.insert("time_stamp".into(), Json::from(p.time_stamp));
        }
        Pdu::GetRequest(p)
        | Pdu::GetNextRequest(p)
        | Pdu::Response(p)
        | Pdu::SetRequest(p)
        | Pdu::InformRequest(p)
        | Pdu::SnmpV2Trap(p)
        | Pdu::Report(p) => {
            obj.insert("request_id".into(), Json::from(p.request_id));
            obj.insert("error_status".into(), Json::from(p.error_status.code()));
            obj.insert("error_index".into(), Json::from(p.error_index));
        }
    }
    let varbinds: Vec<Json> = pdu
        .varbinds()
        .iter()
        .map(|vb| varbind_to_json(&vb))
        .collect();
    obj.insert("varbinds".into(), Json::Array(varbinds));
    Json::Object(obj)
}

/// One message: see [the message object](self#message-object). Always a JSON object.
pub fn message_to_json(msg: &Message<'_>) -> Json {
    let mut obj = Map::new();
    obj.insert("version".into(), Json::from(msg.version().name()));
    match msg {
        Message::V1(m) | Message::V2c(m) => {
            obj.insert("community".into(), octets_to_json(&m.community));
            obj.insert("pdu".into(), pdu_to_json(&m.pdu));
        }
        Message::V3(m) => {
            let h = &m.header;
            obj.insert("msg_id".into(), Json::from(h.msg_id));
            obj.insert("max_size".into(), Json::from(h.max_size));
            obj.insert(
                "flags".into(),
                json!({
                    "auth": h.flags.auth,
                    "priv": h.flags.privacy,
                    "reportable": h.flags.reportable,
                }),
            );
            obj.insert("security_model".into(), Json::from(h.security_model));
            match &m.security_parameters {
                SecurityParameters::Usm(usm) => {
                    obj.insert(
                        "usm".into(),
                        json!({
                            "engine_id": hex::encode(&usm.engine_id),
                            "engine_boots": usm.engine_boots,
                            "engine_time": usm.engine_time,
                            "user": octets_to_json(&usm.user_name),
                        }),
                    );
                }
                SecurityParameters::Other(bytes) => {
                    obj.insert("security_parameters".into(), Json::from(hex::encode(bytes)));
                }
            }
            match &m.data {
                ScopedPduData::Plaintext(scoped) => {
                    obj.insert(
                        "context_engine_id".into(),
                        Json::from(hex::encode(&scoped.context_engine_id)),
                    );
                    obj.insert("context_name".into(), octets_to_json(&scoped.context_name));
                    obj.insert("pdu".into(), pdu_to_json(&scoped.pdu));
                }
                ScopedPduData::Encrypted(bytes) => {
                    obj.insert("encrypted_pdu_len".into(), Json::from(bytes.len()));
                }
            }
        }
    }
    Json::Object(obj)
}

/// The outcome of `fleetwire decode -u` for one SNMPv3 USM message, as the `security`
/// object: `{"status": "ok" | "other_user" | "failed", "verified": bool, "decrypted": bool}`,
/// plus `"error"` (text) when the status is `failed`.
pub fn security_to_json(security: &Security) -> Json {
    let mut obj = Map::new();
    obj.insert("status".into(), Json::from(security.status.name()));
    obj.insert("verified".into(), Json::from(security.verified));
    obj.insert("decrypted".into(), Json::from(security.decrypted));
    if let Some(error) = &security.error {
        obj.insert("error".into(), Json::from(error.as_str()));
    }
    Json::Object(obj)
}

/// The deviations a lenient decode tolerated, as the `anomalies` array:
/// `[{"kind": name, "count": n, "first_offset": byte}]`, one entry per kind that occurred
/// (kinds named by `AnomalyKind::name`; `first_offset` is a byte offset in the message).
pub fn anomalies_to_json(anomalies: &Anomalies) -> Json {
    anomaly_list_to_json(anomalies.iter())
}

/// [`anomalies_to_json`] for a list of deviations (e.g. those of a decrypted message, whose
/// offsets refer to two buffers).
pub fn anomaly_list_to_json(anomalies: impl IntoIterator<Item = Anomaly>) -> Json {
    Json::Array(
        anomalies
            .into_iter()
            .map(|a| {
                json!({
                    "kind": a.kind.name(),
                    "count": a.count,
                    "first_offset": a.first_offset,
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use fleetwire_snmp::{Oid, OpaqueValue};

    fn vb(value: Value<'static>) -> Json {
        varbind_to_json(&VarBind::new(
            "1.3.6.1.4.1.99.1".parse::<Oid<'static>>().unwrap(),
            value,
        ))
    }

    #[test]
    fn every_value_type() {
        let oid = "1.3.6.1.4.1.99.1";
        let cases: Vec<(Value<'static>, Json)> = vec![
            (
                Value::Integer(-5),
                json!({"oid": oid, "type": "INTEGER", "value": -5}),
            ),
            (
                Value::OctetString(b"ok\n"[..].into()),
                json!({"oid": oid, "type": "OCTET STRING", "value": "6f6b0a", "text": "ok\n"}),
            ),
            (
                Value::OctetString(b"\x00\x1b"[..].into()),
                json!({"oid": oid, "type": "OCTET STRING", "value": "001b"}),
            ),
            (
                Value::Null,
                json!({"oid": oid, "type": "NULL", "value": null}),
            ),
            (
                Value::ObjectIdentifier("1.3.6.1".parse().unwrap()),
                json!({"oid": oid, "type": "OBJECT IDENTIFIER", "value": "1.3.6.1"}),
            ),
            (
                Value::IpAddress([192, 0, 2, 7]),
                json!({"oid": oid, "type": "IpAddress", "value": "192.0.2.7"}),
            ),
            (
                Value::Counter32(u32::MAX),
                json!({"oid": oid, "type": "Counter32", "value": 4_294_967_295u64}),
            ),
            (
                Value::Gauge32(3),
                json!({"oid": oid, "type": "Gauge32", "value": 3}),
            ),
            (
                Value::TimeTicks(100),
                json!({"oid": oid, "type": "TimeTicks", "value": 100}),
            ),
            (
                Value::Opaque(OpaqueValue::Float(1.5).encode().into()),
                json!({"oid": oid, "type": "Opaque", "value": "9f78043fc00000"}),
            ),
            (
                Value::NsapAddress(b"\x47\x00"[..].into()),
                json!({"oid": oid, "type": "NsapAddress", "value": "4700"}),
            ),
            (
                Value::Counter64(u64::MAX),
                json!({"oid": oid, "type": "Counter64", "value": u64::MAX}),
            ),
            (
                Value::UInteger32(9),
                json!({"oid": oid, "type": "UInteger32", "value": 9}),
            ),
            (
                Value::NoSuchObject,
                json!({"oid": oid, "type": "noSuchObject", "value": null}),
            ),
            (
                Value::NoSuchInstance,
                json!({"oid": oid, "type": "noSuchInstance", "value": null}),
            ),
            (
                Value::EndOfMibView,
                json!({"oid": oid, "type": "endOfMibView", "value": null}),
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(vb(value.clone()), expected, "{value:?}");
        }
        // Counter64 stays an exact integer in the serialized text.
        assert!(
            vb(Value::Counter64(u64::MAX))
                .to_string()
                .contains("18446744073709551615")
        );
    }

    #[test]
    fn octets() {
        assert_eq!(octets_to_json(b"public"), json!("public"));
        assert_eq!(octets_to_json(b""), json!(""));
        assert_eq!(octets_to_json(b"\xfe\x01"), json!({"hex": "fe01"}));
        assert_eq!(
            octets_to_json("caf\u{e9}\t".as_bytes()),
            json!("caf\u{e9}\t")
        );
        assert_eq!(octets_to_json("\u{85}".as_bytes()), json!({"hex": "c285"}));
    }
}
