//! Decodes a captured SNMP message and prints it.
//!
//! ```text
//! cargo run -p fleetwire-snmp --example decode              # the message embedded below
//! cargo run -p fleetwire-snmp --example decode -- msg.bin   # one raw message from a file
//! ```
//!
//! The embedded message is a printer's SNMPv2c Response (frame 2 of the `fleetwire` crate's
//! `examples/data/printer-session.pcap`): sysDescr.0, sysName.0, hrDeviceStatus.1 and
//! prtMarkerLifeCount.1.1. The message is decoded leniently (every [`Leniency`] option on),
//! so a message from a quirky device decodes too, with each tolerated quirk listed.

use std::fmt::Write as _;

use fleetwire_snmp::{DecodeError, DecodeOptions, Leniency, Message, Value};

/// The captured UDP payload.
const CAPTURED: &[u8] = &[
    0x30, 0x81, 0x9d, 0x02, 0x01, 0x01, 0x04, 0x06, 0x70, 0x75, 0x62, 0x6c, 0x69, 0x63, 0xa2, 0x81,
    0x8f, 0x02, 0x02, 0x6a, 0xa5, 0x02, 0x01, 0x00, 0x02, 0x01, 0x00, 0x30, 0x81, 0x82, 0x30, 0x3c,
    0x06, 0x08, 0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x01, 0x00, 0x04, 0x30, 0x41, 0x63, 0x6d, 0x65,
    0x20, 0x4c, 0x61, 0x73, 0x65, 0x72, 0x50, 0x72, 0x6f, 0x20, 0x34, 0x32, 0x30, 0x30, 0x64, 0x6e,
    0x3b, 0x20, 0x66, 0x69, 0x72, 0x6d, 0x77, 0x61, 0x72, 0x65, 0x20, 0x33, 0x2e, 0x31, 0x2e, 0x34,
    0x3b, 0x20, 0x65, 0x6e, 0x67, 0x69, 0x6e, 0x65, 0x20, 0x31, 0x2e, 0x38, 0x30, 0x1b, 0x06, 0x08,
    0x2b, 0x06, 0x01, 0x02, 0x01, 0x01, 0x05, 0x00, 0x04, 0x0f, 0x70, 0x72, 0x69, 0x6e, 0x74, 0x65,
    0x72, 0x2d, 0x33, 0x66, 0x2d, 0x65, 0x61, 0x73, 0x74, 0x30, 0x10, 0x06, 0x0b, 0x2b, 0x06, 0x01,
    0x02, 0x01, 0x19, 0x03, 0x02, 0x01, 0x05, 0x01, 0x02, 0x01, 0x02, 0x30, 0x13, 0x06, 0x0c, 0x2b,
    0x06, 0x01, 0x02, 0x01, 0x2b, 0x0a, 0x02, 0x01, 0x04, 0x01, 0x01, 0x41, 0x03, 0x00, 0xbc, 0x55,
];

/// One line per field and varbind; the part of the example a test checks.
fn describe(bytes: &[u8]) -> Result<String, DecodeError> {
    let opts = DecodeOptions::default().with_leniency(Leniency::all());
    let (message, anomalies) = Message::decode_with(bytes, &opts)?;
    let mut out = String::new();
    let _ = writeln!(out, "version: SNMPv{}", message.version());
    if let Some(community) = message.community() {
        let _ = writeln!(out, "community: {:?}", String::from_utf8_lossy(community));
    }
    match message.pdu() {
        Some(pdu) => {
            let _ = writeln!(out, "pdu: {}", pdu.pdu_type());
            if let Some(id) = pdu.request_id() {
                let _ = writeln!(out, "request-id: {id}");
            }
            for vb in pdu.varbinds() {
                let value = match &vb.value {
                    Value::OctetString(s) => format!("{:?}", String::from_utf8_lossy(s)),
                    Value::Integer(n) => n.to_string(),
                    Value::Counter32(n)
                    | Value::Gauge32(n)
                    | Value::TimeTicks(n)
                    | Value::UInteger32(n) => n.to_string(),
                    Value::Counter64(n) => n.to_string(),
                    Value::ObjectIdentifier(oid) => oid.to_string(),
                    other => format!("{other:?}"),
                };
                let _ = writeln!(out, "  {} = {}: {value}", vb.name, vb.value.type_name());
            }
        }
        // SNMPv3 with privacy: the scoped PDU needs the user's keys (see `usm`).
        None => out.push_str("encrypted scoped PDU\n"),
    }
    for anomaly in anomalies.iter() {
        let _ = writeln!(
            out,
            "tolerated: {} x{} (first at byte {})",
            anomaly.kind.name(),
            anomaly.count,
            anomaly.first_offset
        );
    }
    Ok(out)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let bytes = match std::env::args_os().nth(1) {
        Some(path) => std::fs::read(path)?,
        None => CAPTURED.to_vec(),
    };
    print!("{}", describe(&bytes)?);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn describes_the_captured_response() -> Result<(), DecodeError> {
        let text = describe(CAPTURED)?;
        let expected = "version: SNMPv2c\n\
            community: \"public\"\n\
            pdu: Response\n\
            request-id: 27301\n  \
            1.3.6.1.2.1.1.1.0 = OCTET STRING: \"Acme LaserPro 4200dn; firmware 3.1.4; engine 1.8\"\n  \
            1.3.6.1.2.1.1.5.0 = OCTET STRING: \"printer-3f-east\"\n  \
            1.3.6.1.2.1.25.3.2.1.5.1 = INTEGER: 2\n  \
            1.3.6.1.2.1.43.10.2.1.4.1.1 = Counter32: 48213\n";
        assert_eq!(text, expected);
        Ok(())
    }

    #[test]
    fn reports_a_tolerated_quirk_and_rejects_garbage() -> Result<(), DecodeError> {
        let mut quirky = CAPTURED.to_vec();
        quirky.extend_from_slice(&[0, 0]); // stray bytes after the message
        assert!(describe(&quirky)?.ends_with("tolerated: trailing_bytes x1 (first at byte 160)\n"));
        assert!(describe(b"not snmp").is_err());
        Ok(())
    }
}
