#![allow(clippy::panic)]
//! Entry points shared by the fuzz targets (`fuzz/`) and the corpus replay test, so that both
//! run exactly the same checks. Not part of the stable API.

use alloc::vec::Vec;

use crate::{DecodeOptions, Leniency, Message, Oid};

/// Decodes arbitrary bytes strictly and leniently; whatever decodes must encode, and the
/// encoding must decode strictly to an equal message that encodes to the same bytes.
pub fn message_round_trip(data: &[u8]) {
    let lenient = DecodeOptions::default().with_leniency(Leniency::all());
    for opts in [DecodeOptions::default(), lenient] {
        let Ok((msg, anomalies)) = Message::decode_with(data, &opts) else {
            continue;
        };
        let mut first = Vec::new();
        msg.encode(&mut first);
        let again = match Message::decode(&first) {
            Ok(m) => m,
            Err(e) => panic!("re-encoding of a decoded message does not decode: {e}"),
        };
        assert_eq!(again, msg, "decode(encode(m)) != m");
        let mut second = Vec::new();
        again.encode(&mut second);
        assert_eq!(first, second, "encoding is not stable");
        if anomalies.is_empty() && opts == DecodeOptions::default() {
            // A strict decode accepts only canonical encodings, except that RFC 3417 allows
            // long-form lengths with extra octets; with none of those, bytes must match.
            if first.len() == data.len() {
                assert_eq!(
                    first, data,
                    "strictly decoded message re-encodes differently"
                );
            }
        }
    }
}

/// Parses arbitrary text as a dotted OID; whatever parses must print back to an OID that
/// parses to the same value, and its BER form must validate.
pub fn oid_text(data: &[u8]) {
    let Ok(text) = core::str::from_utf8(data) else {
        return;
    };
    let Ok(oid) = text.parse::<Oid<'static>>() else {
        return;
    };
    let printed = alloc::format!("{oid}");
    assert_eq!(printed.parse::<Oid<'static>>().ok().as_ref(), Some(&oid));
    assert_eq!(Oid::from_ber(oid.as_ber()).ok().as_ref(), Some(&oid));
    assert_eq!(
        Oid::from_arcs(&oid.arcs().collect::<Vec<_>>()).ok(),
        Some(oid.clone())
    );
}

/// Decodes arbitrary bytes with every option set, walks every varbind and formats every OID
/// and value, as a capture tool would. Decoding must never panic.
pub fn message_decode(data: &[u8]) {
    use core::fmt::Write;
    let lenient = DecodeOptions::default().with_leniency(Leniency::all());
    for opts in [DecodeOptions::default(), lenient] {
        let Ok((msg, anomalies)) = Message::decode_with(data, &opts) else {
            continue;
        };
        let mut sink = alloc::string::String::new();
        let _ = write!(sink, "{msg:?}");
        for a in anomalies.iter() {
            let _ = write!(sink, "{} {} {}", a.kind, a.count, a.first_offset);
        }
        if let Some(pdu) = msg.pdu() {
            for vb in pdu.varbinds() {
                let _ = write!(
                    sink,
                    "{} {} {:?}",
                    vb.name,
                    vb.value.type_name(),
                    vb.value.opaque()
                );
            }
        }
    }
}
