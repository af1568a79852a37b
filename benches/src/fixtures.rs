//! The benchmark scenarios: wire bytes built once, deterministically, by a
//! small hand-written BER/DER writer that shares no code with any library
//! under test, plus a library-neutral description of what each message says.
//!
//! | id | message |
//! |----|---------|
//! | `v2c-get-1` | v2c Response, 1 varbind: sysDescr.0 = 60-byte OCTET STRING |
//! | `v2c-mixed-20` | v2c Response, 20 mixed Printer-MIB varbinds (537 bytes) |
//! | `v2c-bulk-50` | v2c Response to a GetBulk walk of prtMarkerSuppliesTable, 50 varbinds |
//! | `v3-noauth-10` | v3 noAuthNoPriv Response, USM header, plaintext scoped PDU, 10 varbinds |

use std::collections::BTreeMap;

use crate::normalized::{Decoded, Field, HeaderValue, NormalizedValue, parse_dotted};

/// One of the benchmark scenarios.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ScenarioId {
    /// (a) v2c Response, sysDescr.0 = 60-byte string.
    V2cGet1,
    /// (b) v2c Response, 20 mixed Printer-MIB varbinds, ~537 bytes.
    V2cMixed20,
    /// (c) v2c Response to a GetBulk table walk, 50 varbinds.
    V2cBulk50,
    /// (d) v3 noAuthNoPriv Response with a plaintext scoped PDU, 10 varbinds.
    V3NoAuth10,
}

impl ScenarioId {
    /// All scenarios, in report order.
    pub const ALL: [ScenarioId; 4] = [
        ScenarioId::V2cGet1,
        ScenarioId::V2cMixed20,
        ScenarioId::V2cBulk50,
        ScenarioId::V3NoAuth10,
    ];

    /// Short name, used in criterion group names (`decode/<slug>`).
    pub fn slug(self) -> &'static str {
        match self {
            ScenarioId::V2cGet1 => "v2c-get-1",
            ScenarioId::V2cMixed20 => "v2c-mixed-20",
            ScenarioId::V2cBulk50 => "v2c-bulk-50",
            ScenarioId::V3NoAuth10 => "v3-noauth-10",
        }
    }

    /// One-line human description.
    pub fn description(self) -> &'static str {
        match self {
            ScenarioId::V2cGet1 => "v2c Response, 1 varbind (sysDescr.0, 60-byte string)",
            ScenarioId::V2cMixed20 => {
                "v2c Response, 20 mixed Printer-MIB varbinds (Counter32/64 incl. >= 2^63, Gauge32, strings, OIDs, TimeTicks, INTEGER)"
            }
            ScenarioId::V2cBulk50 => {
                "v2c Response to GetBulk (max-repetitions 50) walking prtMarkerSuppliesTable, 50 varbinds"
            }
            ScenarioId::V3NoAuth10 => {
                "v3 noAuthNoPriv Response (USM engine id/boots/time/user), plaintext scoped PDU, 10 varbinds"
            }
        }
    }

    /// Looks a scenario up by its slug.
    pub fn from_slug(slug: &str) -> Option<ScenarioId> {
        Self::ALL.into_iter().find(|s| s.slug() == slug)
    }
}

/// The message envelope (everything around the PDU).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Envelope {
    /// SNMPv1/v2c: version and community.
    Community {
        /// 0 = v1, 1 = v2c.
        version: i64,
        /// Community string.
        community: Vec<u8>,
    },
    /// SNMPv3 with USM security parameters and a plaintext scoped PDU.
    V3 {
        /// msgID.
        msg_id: i64,
        /// msgMaxSize.
        max_size: i64,
        /// msgFlags octet.
        flags: u8,
        /// msgSecurityModel (3 = USM).
        security_model: i64,
        /// msgAuthoritativeEngineID.
        engine_id: Vec<u8>,
        /// msgAuthoritativeEngineBoots.
        engine_boots: i64,
        /// msgAuthoritativeEngineTime.
        engine_time: i64,
        /// msgUserName.
        user_name: Vec<u8>,
        /// msgAuthenticationParameters (empty for noAuth).
        auth_params: Vec<u8>,
        /// msgPrivacyParameters (empty for noPriv).
        priv_params: Vec<u8>,
        /// contextEngineID.
        context_engine_id: Vec<u8>,
        /// contextName.
        context_name: Vec<u8>,
    },
}

/// A complete message, described independently of any library.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageSpec {
    /// Version-specific envelope.
    pub envelope: Envelope,
    /// PDU context tag number (2 = Response).
    pub pdu_tag: u8,
    /// request-id.
    pub request_id: i32,
    /// error-status.
    pub error_status: i64,
    /// error-index.
    pub error_index: i64,
    /// Varbinds as `(dotted OID, value)`.
    pub varbinds: Vec<(String, NormalizedValue)>,
}

impl MessageSpec {
    /// The SNMP version number on the wire.
    pub fn version(&self) -> i64 {
        match &self.envelope {
            Envelope::Community { version, .. } => *version,
            Envelope::V3 { .. } => 3,
        }
    }

    /// The normalized description every library must decode this message to.
    pub fn expected(&self) -> Decoded {
        let mut header = BTreeMap::new();
        let int = HeaderValue::Int;
        let bytes = |b: &Vec<u8>| HeaderValue::Bytes(b.clone());
        header.insert(Field::Version, int(self.version()));
        match &self.envelope {
            Envelope::Community { community, .. } => {
                header.insert(Field::Community, bytes(community));
            }
            Envelope::V3 {
                msg_id,
                max_size,
                flags,
                security_model,
                engine_id,
                engine_boots,
                engine_time,
                user_name,
                auth_params,
                priv_params,
                context_engine_id,
                context_name,
            } => {
                header.insert(Field::MsgId, int(*msg_id));
                header.insert(Field::MsgMaxSize, int(*max_size));
                header.insert(Field::MsgFlags, int(i64::from(*flags)));
                header.insert(Field::MsgSecurityModel, int(*security_model));
                header.insert(Field::EngineId, bytes(engine_id));
                header.insert(Field::EngineBoots, int(*engine_boots));
                header.insert(Field::EngineTime, int(*engine_time));
                header.insert(Field::UserName, bytes(user_name));
                header.insert(Field::AuthParams, bytes(auth_params));
                header.insert(Field::PrivParams, bytes(priv_params));
                header.insert(Field::ContextEngineId, bytes(context_engine_id));
                header.insert(Field::ContextName, bytes(context_name));
            }
        }
        header.insert(Field::PduType, int(i64::from(self.pdu_tag)));
        header.insert(Field::RequestId, int(i64::from(self.request_id)));
        header.insert(Field::ErrorStatus, int(self.error_status));
        header.insert(Field::ErrorIndex, int(self.error_index));
        Decoded {
            header,
            varbinds: self.varbinds.clone(),
        }
    }

    /// Encodes the message with the hand-written DER writer.
    pub fn to_ber(&self) -> Result<Vec<u8>, String> {
        let mut list = Vec::new();
        for (name, value) in &self.varbinds {
            let mut vb = ber::oid(&parse_dotted(name)?)?;
            vb.extend(ber::value(value)?);
            list.extend(ber::tlv(0x30, &vb));
        }
        let mut pdu = ber::int(i64::from(self.request_id));
        pdu.extend(ber::int(self.error_status));
        pdu.extend(ber::int(self.error_index));
        pdu.extend(ber::tlv(0x30, &list));
        let pdu = ber::tlv(0xA0 | self.pdu_tag, &pdu);

        let mut msg = ber::int(self.version());
        match &self.envelope {
            Envelope::Community { community, .. } => {
                msg.extend(ber::tlv(0x04, community));
                msg.extend(pdu);
            }
            Envelope::V3 {
                msg_id,
                max_size,
                flags,
                security_model,
                engine_id,
                engine_boots,
                engine_time,
                user_name,
                auth_params,
                priv_params,
                context_engine_id,
                context_name,
            } => {
                let mut global = ber::int(*msg_id);
                global.extend(ber::int(*max_size));
                global.extend(ber::tlv(0x04, &[*flags]));
                global.extend(ber::int(*security_model));
                msg.extend(ber::tlv(0x30, &global));

                let mut usm = ber::tlv(0x04, engine_id);
                usm.extend(ber::int(*engine_boots));
                usm.extend(ber::int(*engine_time));
                usm.extend(ber::tlv(0x04, user_name));
                usm.extend(ber::tlv(0x04, auth_params));
                usm.extend(ber::tlv(0x04, priv_params));
                msg.extend(ber::tlv(0x04, &ber::tlv(0x30, &usm)));

                let mut scoped = ber::tlv(0x04, context_engine_id);
                scoped.extend(ber::tlv(0x04, context_name));
                scoped.extend(pdu);
                msg.extend(ber::tlv(0x30, &scoped));
            }
        }
        Ok(ber::tlv(0x30, &msg))
    }
}

/// A scenario, ready to benchmark.
#[derive(Debug, Clone)]
pub struct Fixture {
    /// Which scenario.
    pub id: ScenarioId,
    /// The structured message (used to build each library's native message
    /// for the encode benchmarks).
    pub spec: MessageSpec,
    /// The wire bytes.
    pub wire: Vec<u8>,
    /// The same bytes as a `bytes::Bytes`, for libraries that decode from
    /// `Bytes` (async-snmp): cloning it is a reference-count bump, as when a
    /// receive buffer is frozen, not a copy.
    pub wire_bytes: bytes::Bytes,
    /// What every library must decode `wire` to.
    pub expected: Decoded,
    /// `expected.digest()`, what the timed decode path must return.
    pub expected_digest: u64,
}

impl Fixture {
    /// Builds one scenario.
    pub fn build(id: ScenarioId) -> Result<Fixture, String> {
        let spec = match id {
            ScenarioId::V2cGet1 => v2c_get_1(),
            ScenarioId::V2cMixed20 => v2c_mixed_20(),
            ScenarioId::V2cBulk50 => v2c_bulk_50(),
            ScenarioId::V3NoAuth10 => v3_noauth_10(),
        };
        Fixture::from_spec(id, spec)
    }

    /// Builds a fixture from an arbitrary message (for tests and experiments).
    pub fn from_spec(id: ScenarioId, spec: MessageSpec) -> Result<Fixture, String> {
        let wire = spec.to_ber()?;
        let expected = spec.expected();
        let expected_digest = expected.digest()?;
        Ok(Fixture {
            id,
            wire_bytes: bytes::Bytes::from(wire.clone()),
            wire,
            expected,
            expected_digest,
            spec,
        })
    }

    /// Builds all scenarios.
    pub fn all() -> Result<Vec<Fixture>, String> {
        ScenarioId::ALL.into_iter().map(Fixture::build).collect()
    }
}

fn s(v: &str) -> NormalizedValue {
    NormalizedValue::Str(v.as_bytes().to_vec())
}

fn vb(oid: &str, value: NormalizedValue) -> (String, NormalizedValue) {
    (oid.to_owned(), value)
}

const PRT: &str = "1.3.6.1.2.1.43";

fn prt(suffix: &str, value: NormalizedValue) -> (String, NormalizedValue) {
    (format!("{PRT}.{suffix}"), value)
}

fn community(request_id: i32, varbinds: Vec<(String, NormalizedValue)>) -> MessageSpec {
    MessageSpec {
        envelope: Envelope::Community {
            version: 1,
            community: b"public".to_vec(),
        },
        pdu_tag: 2,
        request_id,
        error_status: 0,
        error_index: 0,
        varbinds,
    }
}

fn v2c_get_1() -> MessageSpec {
    // 60 bytes exactly (checked by a test).
    let descr = "Fleetwire Virtual MFP 9000, firmware 4.2.1 (build 20241103).";
    community(0x1234_5678, vec![vb("1.3.6.1.2.1.1.1.0", s(descr))])
}

fn v2c_mixed_20() -> MessageSpec {
    use NormalizedValue::*;
    community(
        31_337,
        vec![
            // prtGeneralConfigChanges.1
            prt("5.1.1.1.1", Counter32(17)),
            // prtGeneralPrinterName.1 / prtGeneralSerialNumber.1 (20-byte strings)
            prt("5.1.1.16.1", s("Fleetwire-Lab-MFP-01")),
            prt("5.1.1.17.1", s("FWX-2024-0000-123456")),
            // prtGeneral... OID-valued (vendor product id)
            prt("5.1.1.2.1", Oid("1.3.6.1.4.1.2435".to_owned())),
            // prtInputCurrentLevel / prtInputMaxCapacity
            prt("8.2.1.10.1.1", Int(25)),
            prt("8.2.1.9.1.1", Int(100)),
            // prtMarkerLifeCount (>= 2^31: 5-byte encoding) / prtMarkerPowerOnCount
            prt("10.2.1.4.1.1", Counter32(3_000_000_000)),
            prt("10.2.1.5.1.1", Counter32(123)),
            // 64-bit page/impression counters, one of them >= 2^63 (9-byte encoding)
            prt("10.2.1.4.1.2", Counter64(5_000_000_000)),
            prt("10.2.1.4.1.3", Counter64(0x8000_0000_0000_1234)),
            // prtMarkerSuppliesLevel (-3 = "some remaining") / MaxCapacity
            prt("11.1.1.9.1.1", Int(-3)),
            prt("11.1.1.8.1.1", Int(20_000)),
            // prtMarkerSuppliesDescription (20-byte strings)
            prt("11.1.1.6.1.1", s("Black Toner TN-3480A")),
            prt("11.1.1.6.1.2", s("Drum Unit DR-3400 BK")),
            // another OID-valued column (enterprises.hp). Not zeroDotZero
            // (0.0): asn1-rs, under snmp-parser and snmp2, decodes it as "0".
            prt("12.1.1.4.1.1", Oid("1.3.6.1.4.1.11".to_owned())),
            // gauges (>= 2^31 and small)
            prt("5.1.1.3.1", Gauge32(4_000_000_000)),
            prt("5.1.1.4.1", Gauge32(7)),
            // prtInputMediaWeight (g/m^2)
            prt("8.2.1.17.1.1", Int(80)),
            // prtAlertDescription (20-byte string)
            prt("18.1.1.8.1.1", s("Toner Low: Black 10%")),
            // prtAlertTime (TimeStamp = TimeTicks)
            prt("18.1.1.5.1.1", TimeTicks(8_640_123)),
        ],
    )
}

fn v2c_bulk_50() -> MessageSpec {
    use NormalizedValue::*;
    // snmpbulkwalk -Cr50 of prtMarkerSuppliesTable (5 supplies x 8 columns),
    // running on into prtMarkerColorantTable, cut at max-repetitions = 50.
    let supplies: [(&str, i64, i64, i64, i64); 5] = [
        // description, colorant index, type, max capacity, level
        ("Black Toner Cartridge TN-3480", 1, 3, 8_000, 5_200),
        ("Cyan Toner Cartridge TN-3480C", 2, 3, 6_000, -3),
        ("Magenta Toner Cartridge TN-3480M", 3, 3, 6_000, 1_150),
        ("Yellow Toner Cartridge TN-3480Y", 4, 3, 6_000, 0),
        ("Waste Toner Box WT-300CL", 0, 4, 50_000, -3),
    ];
    let mut varbinds = Vec::new();
    let col = |c: u32, i: usize| format!("{PRT}.11.1.1.{c}.1.{}", i + 1);
    for (i, _) in supplies.iter().enumerate() {
        varbinds.push((col(2, i), Int(1))); // prtMarkerSuppliesMarkerIndex
    }
    for (i, sup) in supplies.iter().enumerate() {
        varbinds.push((col(3, i), Int(sup.1))); // ColorantIndex
    }
    for (i, _) in supplies.iter().enumerate() {
        varbinds.push((col(4, i), Int(3))); // Class: supplyThatIsConsumed
    }
    for (i, sup) in supplies.iter().enumerate() {
        varbinds.push((col(5, i), Int(sup.2))); // Type: toner / wasteToner
    }
    for (i, sup) in supplies.iter().enumerate() {
        varbinds.push((col(6, i), s(sup.0))); // Description
    }
    for (i, _) in supplies.iter().enumerate() {
        varbinds.push((col(7, i), Int(13))); // SupplyUnit: impressions
    }
    for (i, sup) in supplies.iter().enumerate() {
        varbinds.push((col(8, i), Int(sup.3))); // MaxCapacity
    }
    for (i, sup) in supplies.iter().enumerate() {
        varbinds.push((col(9, i), Int(sup.4))); // Level
    }
    // prtMarkerColorantTable: MarkerIndex, Role, then Value cut after 2 rows.
    let colorant = |c: u32, i: u32| format!("{PRT}.12.1.1.{c}.1.{i}");
    for i in 1..=4 {
        varbinds.push((colorant(2, i), Int(1)));
    }
    for i in 1..=4 {
        varbinds.push((colorant(3, i), Int(3))); // process
    }
    varbinds.push((colorant(4, 1), s("black")));
    varbinds.push((colorant(4, 2), s("cyan")));
    community(77_001, varbinds)
}

fn v3_noauth_10() -> MessageSpec {
    use NormalizedValue::*;
    // RFC 3411 format: enterprise 8072 (net-snmp), format 128 + 8 random bytes.
    let engine_id = vec![
        0x80, 0x00, 0x1F, 0x88, 0x80, 0x59, 0xDC, 0x48, 0x61, 0x45, 0xA2, 0x6A, 0x7C,
    ];
    MessageSpec {
        envelope: Envelope::V3 {
            msg_id: 914_004,
            max_size: 65_507,
            flags: 0x00,
            security_model: 3,
            engine_id: engine_id.clone(),
            engine_boots: 7,
            engine_time: 1_234_567,
            user_name: b"fleetwire-ro".to_vec(),
            auth_params: Vec::new(),
            priv_params: Vec::new(),
            context_engine_id: engine_id,
            context_name: Vec::new(),
        },
        pdu_tag: 2,
        request_id: 914_005,
        error_status: 0,
        error_index: 0,
        varbinds: vec![
            vb("1.3.6.1.2.1.1.3.0", TimeTicks(123_456_789)),
            vb("1.3.6.1.2.1.1.5.0", s("mfp-3f-east.example.net")),
            vb(
                "1.3.6.1.2.1.1.2.0",
                Oid("1.3.6.1.4.1.2435.2.3.9.1".to_owned()),
            ),
            vb("1.3.6.1.2.1.4.20.1.1.192.168.1.20", Ip([192, 168, 1, 20])),
            vb("1.3.6.1.2.1.25.3.2.1.5.1", Int(2)), // hrDeviceStatus: running
            prt("10.2.1.4.1.1", Counter32(184_532)),
            vb("1.3.6.1.2.1.31.1.1.1.6.1", Counter64(98_765_432_109)), // ifHCInOctets
            vb("1.3.6.1.2.1.31.1.1.1.15.1", Gauge32(1_000)),           // ifHighSpeed
            prt("11.1.1.9.1.1", Int(42)),
            prt("11.1.1.9.1.9", NoSuchInstance),
        ],
    }
}

/// A minimal DER writer, shared with no library under test.
pub mod ber {
    use crate::normalized::{NormalizedValue, parse_dotted};

    /// Tag, minimal definite length, contents.
    pub fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(content.len() + 6);
        out.push(tag);
        let len = content.len();
        if len < 0x80 {
            out.push(len as u8);
        } else {
            let be = len.to_be_bytes();
            let skip = be.iter().take_while(|b| **b == 0).count();
            let digits = be.get(skip..).unwrap_or_default();
            out.push(0x80 | digits.len() as u8);
            out.extend_from_slice(digits);
        }
        out.extend_from_slice(content);
        out
    }

    /// Minimal two's-complement contents of a signed integer.
    pub fn int_contents(v: i64) -> Vec<u8> {
        let be = v.to_be_bytes();
        let mut start = 0;
        while start < 7 {
            let (a, b) = (be.get(start), be.get(start + 1));
            match (a, b) {
                (Some(0x00), Some(b)) if b & 0x80 == 0 => start += 1,
                (Some(0xFF), Some(b)) if b & 0x80 != 0 => start += 1,
                _ => break,
            }
        }
        be.get(start..).unwrap_or_default().to_vec()
    }

    /// Minimal contents of an unsigned integer (leading 0x00 if the top bit is set).
    pub fn uint_contents(v: u64) -> Vec<u8> {
        let be = v.to_be_bytes();
        let skip = be.iter().take_while(|b| **b == 0).count().min(7);
        let digits = be.get(skip..).unwrap_or_default();
        let mut out = Vec::with_capacity(9);
        if digits.first().is_some_and(|b| b & 0x80 != 0) {
            out.push(0);
        }
        out.extend_from_slice(digits);
        out
    }

    /// INTEGER.
    pub fn int(v: i64) -> Vec<u8> {
        tlv(0x02, &int_contents(v))
    }

    /// OBJECT IDENTIFIER.
    pub fn oid(arcs: &[u64]) -> Result<Vec<u8>, String> {
        let (first, second, rest) = match arcs {
            [a, b, rest @ ..] if *a <= 2 && (*a == 2 || *b < 40) => (*a, *b, rest),
            _ => return Err(format!("unencodable OID {arcs:?}")),
        };
        let mut content = Vec::new();
        for arc in std::iter::once(first * 40 + second).chain(rest.iter().copied()) {
            let mut groups = Vec::new();
            let mut v = arc;
            loop {
                groups.push((v & 0x7F) as u8);
                v >>= 7;
                if v == 0 {
                    break;
                }
            }
            let n = groups.len();
            for (i, g) in groups.into_iter().rev().enumerate() {
                content.push(if i + 1 < n { g | 0x80 } else { g });
            }
        }
        Ok(tlv(0x06, &content))
    }

    /// A varbind value.
    pub fn value(v: &NormalizedValue) -> Result<Vec<u8>, String> {
        Ok(match v {
            NormalizedValue::Int(x) => int(*x),
            NormalizedValue::Str(x) => tlv(0x04, x),
            NormalizedValue::Oid(x) => oid(&parse_dotted(x)?)?,
            NormalizedValue::Ip(x) => tlv(0x40, x),
            NormalizedValue::Counter32(x) => tlv(0x41, &uint_contents(u64::from(*x))),
            NormalizedValue::Gauge32(x) => tlv(0x42, &uint_contents(u64::from(*x))),
            NormalizedValue::TimeTicks(x) => tlv(0x43, &uint_contents(u64::from(*x))),
            NormalizedValue::Opaque(x) => tlv(0x44, x),
            NormalizedValue::Counter64(x) => tlv(0x46, &uint_contents(*x)),
            NormalizedValue::Null => tlv(0x05, &[]),
            NormalizedValue::NoSuchObject => tlv(0x80, &[]),
            NormalizedValue::NoSuchInstance => tlv(0x81, &[]),
            NormalizedValue::EndOfMibView => tlv(0x82, &[]),
        })
    }
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    #[test]
    fn fixtures_have_the_intended_shape() {
        let all = Fixture::all().unwrap();
        let get1 = &all[0];
        assert_eq!(get1.spec.varbinds.len(), 1);
        match &get1.spec.varbinds[0].1 {
            NormalizedValue::Str(s) => assert_eq!(s.len(), 60),
            other => panic!("{other:?}"),
        }
        assert_eq!(all[1].spec.varbinds.len(), 20);
        assert_eq!(all[1].wire.len(), 537, "mixed-20 should be 537 bytes");
        assert_eq!(all[2].spec.varbinds.len(), 50);
        assert_eq!(all[3].spec.varbinds.len(), 10);
        for f in &all {
            for (_, v) in &f.spec.varbinds {
                if let NormalizedValue::Str(s) = v
                    && f.id == ScenarioId::V2cMixed20
                {
                    assert_eq!(s.len(), 20, "{:?}", String::from_utf8_lossy(s));
                }
            }
        }
    }

    #[test]
    fn ber_integers() {
        assert_eq!(ber::int_contents(0), [0]);
        assert_eq!(ber::int_contents(127), [127]);
        assert_eq!(ber::int_contents(128), [0, 128]);
        assert_eq!(ber::int_contents(-1), [0xFF]);
        assert_eq!(ber::int_contents(-129), [0xFF, 0x7F]);
        assert_eq!(
            ber::uint_contents(u64::MAX),
            [0, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF]
        );
        assert_eq!(ber::uint_contents(0), [0]);
    }
}
