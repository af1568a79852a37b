//! A deterministic printer conversation, encoded with `fleetwire-snmp`: the source of the
//! capture bundled as `agent/examples/data/printer-session.pcap` (regenerate it with
//! `cargo run -p fleetwire --example make-sample-capture`).
//!
//! The conversation runs on loopback between a manager and a simulated printer:
//!
//! | # | From -> to | Message |
//! |---|---|---|
//! | 1 | manager -> printer:161 | v2c GetRequest: sysDescr.0, sysName.0, hrDeviceStatus.1, prtMarkerLifeCount.1.1 |
//! | 2 | printer -> manager | v2c Response with the four values |
//! | 3 | manager -> printer:161 | v2c GetBulkRequest (non-repeaters 0, max-repetitions 4) over prtMarkerSuppliesLevel.1 |
//! | 4 | printer -> manager | v2c Response: prtMarkerSuppliesLevel.1.1 .. .1.4 |
//! | 5 | printer -> manager:162 | v1 Trap: printerV1Alert (black toner low) |
//! | 6 | printer -> manager:162 | v2c SNMPv2-Trap: printerV2Alert (tray 2 empty) |
//! | 7 | manager -> printer:161 (IPv6) | v3 engine discovery: empty engine ID and user, reportable |
//! | 8 | printer -> manager (IPv6) | v3 Report: usmStatsUnknownEngineIDs.0 = Counter32 1 |

use std::borrow::Cow;
use std::net::SocketAddr;
use std::time::Duration;

use fleetwire_snmp::{
    BulkPdu, CommunityMessage, GenericPdu, GenericTrap, HeaderData, Message, MsgFlags, Oid,
    OidError, Pdu, SECURITY_MODEL_USM, ScopedPdu, ScopedPduData, SecurityParameters, TrapPdu,
    UsmSecurityParameters, V3Message, Value, VarBind,
};
use thiserror::Error;

use crate::pcap::{PcapWriter, WriteError};

/// Path of the bundled capture, relative to the `fleetwire` package directory (`agent/`).
pub const PRINTER_SESSION_PATH: &str = "examples/data/printer-session.pcap";

/// One datagram of the sample conversation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SampleDatagram {
    /// Capture time since the Unix epoch.
    pub timestamp: Duration,
    /// Sender.
    pub src: SocketAddr,
    /// Receiver.
    pub dst: SocketAddr,
    /// The SNMP message.
    pub message: Message<'static>,
}

/// Why the sample could not be built (only possible through a bug in this module).
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SampleError {
    /// An OID constant in this module is invalid.
    #[error("invalid sample OID: {0}")]
    Oid(#[from] OidError),
    /// The capture could not be written.
    #[error(transparent)]
    Write(#[from] WriteError),
}

/// The simulated printer's SNMPv3 engine ID: enterprise 32473 (RFC 5612's documentation
/// number), format 3 (MAC address), MAC 00:00:5e:00:53:01 (RFC 7042's documentation range).
pub const PRINTER_ENGINE_ID: [u8; 11] = [
    0x80, 0x00, 0x7e, 0xd9, 0x03, 0x00, 0x00, 0x5e, 0x00, 0x53, 0x01,
];

fn oid(text: &str) -> Result<Oid<'static>, OidError> {
    text.parse()
}

fn vb(name: &str, value: Value<'static>) -> Result<VarBind<'static>, OidError> {
    Ok(VarBind::new(oid(name)?, value))
}

fn text(s: &'static str) -> Value<'static> {
    Value::OctetString(Cow::Borrowed(s.as_bytes()))
}

fn v2c(pdu: Pdu<'static>) -> Message<'static> {
    Message::V2c(CommunityMessage {
        community: Cow::Borrowed(b"public"),
        pdu,
    })
}

fn v3(
    flags: MsgFlags,
    usm: UsmSecurityParameters<'static>,
    context_engine_id: &'static [u8],
    pdu: Pdu<'static>,
) -> Message<'static> {
    Message::V3(V3Message {
        header: HeaderData {
            msg_id: 821_641_027,
            max_size: 65_507,
            flags,
            security_model: SECURITY_MODEL_USM,
        },
        security_parameters: SecurityParameters::Usm(usm),
        data: ScopedPduData::Plaintext(ScopedPdu {
            context_engine_id: Cow::Borrowed(context_engine_id),
            context_name: Cow::Borrowed(b""),
            pdu,
        }),
    })
}

const SYS_DESCR: &str = "1.3.6.1.2.1.1.1.0";
const SYS_NAME: &str = "1.3.6.1.2.1.1.5.0";
const HR_DEVICE_STATUS_1: &str = "1.3.6.1.2.1.25.3.2.1.5.1";
const PRT_MARKER_LIFE_COUNT_1_1: &str = "1.3.6.1.2.1.43.10.2.1.4.1.1";
const PRT_MARKER_SUPPLIES_LEVEL_1: &str = "1.3.6.1.2.1.43.11.1.1.9.1";
const PRT_ALERT_ENTRY: &str = "1.3.6.1.2.1.43.18.1.1";

/// The conversation, in capture order.
pub fn printer_session() -> Result<Vec<SampleDatagram>, SampleError> {
    let manager: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 47_001));
    let printer: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 161));
    let printer_trap_source: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 38_211));
    let trap_receiver: SocketAddr = SocketAddr::from(([127, 0, 0, 1], 162));
    let manager6: SocketAddr = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 47_002));
    let printer6: SocketAddr = SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, 161));
    let start = Duration::from_secs(1_717_236_000); // 2024-06-01T10:00:00Z
    let at = |millis: u64, micros: u64| {
        start + Duration::from_millis(millis) + Duration::from_micros(micros)
    };
    let alert = |column: u32, index: u32| format!("{PRT_ALERT_ENTRY}.{column}.1.{index}");

    let get_names = [
        SYS_DESCR,
        SYS_NAME,
        HR_DEVICE_STATUS_1,
        PRT_MARKER_LIFE_COUNT_1_1,
    ];
    let get = v2c(Pdu::GetRequest(GenericPdu::new(
        27_301,
        get_names
            .iter()
            .map(|n| oid(n).map(VarBind::null))
            .collect::<Result<Vec<_>, _>>()?,
    )));
    let get_response = v2c(Pdu::Response(GenericPdu::new(
        27_301,
        vec![
            vb(
                SYS_DESCR,
                text("Acme LaserPro 4200dn; firmware 3.1.4; engine 1.8"),
            )?,
            vb(SYS_NAME, text("printer-3f-east"))?,
            // hrDeviceStatus running(2)
            vb(HR_DEVICE_STATUS_1, Value::Integer(2))?,
            vb(PRT_MARKER_LIFE_COUNT_1_1, Value::Counter32(48_213))?,
        ],
    )));
    let bulk = v2c(Pdu::GetBulkRequest(BulkPdu {
        request_id: 27_302,
        non_repeaters: 0,
        max_repetitions: 4,
        varbinds: vec![VarBind::null(oid(PRT_MARKER_SUPPLIES_LEVEL_1)?)].into(),
    }));
    let levels = [62, 45, 80, 12];
    let bulk_response = v2c(Pdu::Response(GenericPdu::new(
        27_302,
        levels
            .iter()
            .zip(1u32..)
            .map(|(&level, i)| {
                vb(
                    &format!("{PRT_MARKER_SUPPLIES_LEVEL_1}.{i}"),
                    Value::Integer(level),
                )
            })
            .collect::<Result<Vec<_>, _>>()?,
    )));
    // RFC 3805 printerV1Alert: enterprise printerV2AlertPrefix, enterpriseSpecific 1.
    let v1_trap = Message::V1(CommunityMessage {
        community: Cow::Borrowed(b"public"),
        pdu: Pdu::Trap(TrapPdu {
            enterprise: oid("1.3.6.1.2.1.43.18.2")?,
            agent_addr: [127, 0, 0, 1],
            generic_trap: GenericTrap::EnterpriseSpecific,
            specific_trap: 1,
            time_stamp: 8_646_000,
            varbinds: vec![
                // prtAlertSeverityLevel warning(4), prtAlertGroup markerSupplies(11),
                // prtAlertCode markerTonerAlmostEmpty(1104), prtAlertDescription.
                vb(&alert(2, 5), Value::Integer(4))?,
                vb(&alert(4, 5), Value::Integer(11))?,
                vb(&alert(7, 5), Value::Integer(1104))?,
                vb(&alert(8, 5), text("Black toner low"))?,
            ]
            .into(),
        }),
    });
    let v2_trap = v2c(Pdu::SnmpV2Trap(GenericPdu::new(
        27_303,
        vec![
            vb("1.3.6.1.2.1.1.3.0", Value::TimeTicks(8_652_000))?,
            // snmpTrapOID.0 = printerV2Alert
            vb(
                "1.3.6.1.6.3.1.1.4.1.0",
                Value::ObjectIdentifier(oid("1.3.6.1.2.1.43.18.2.0.1")?),
            )?,
            // critical(3), input(8), inputMediaSupplyEmpty(808)
            vb(&alert(2, 6), Value::Integer(3))?,
            vb(&alert(4, 6), Value::Integer(8))?,
            vb(&alert(7, 6), Value::Integer(808))?,
            vb(&alert(8, 6), text("Tray 2 empty"))?,
        ],
    )));
    let discovery = v3(
        MsgFlags {
            auth: false,
            privacy: false,
            reportable: true,
        },
        UsmSecurityParameters::default(),
        b"",
        Pdu::GetRequest(GenericPdu::new(1_407, Vec::new())),
    );
    let report = v3(
        MsgFlags::default(),
        UsmSecurityParameters {
            engine_id: Cow::Borrowed(&PRINTER_ENGINE_ID),
            engine_boots: 7,
            engine_time: 86_412,
            ..UsmSecurityParameters::default()
        },
        &PRINTER_ENGINE_ID,
        Pdu::Report(GenericPdu::new(
            1_407,
            vec![vb("1.3.6.1.6.3.15.1.1.4.0", Value::Counter32(1))?],
        )),
    );

    let d = |timestamp, src, dst, message| SampleDatagram {
        timestamp,
        src,
        dst,
        message,
    };
    Ok(vec![
        d(at(0, 0), manager, printer, get),
        d(at(4, 127), printer, manager, get_response),
        d(at(1_250, 0), manager, printer, bulk),
        d(at(1_253, 518), printer, manager, bulk_response),
        d(at(60_000, 0), printer_trap_source, trap_receiver, v1_trap),
        d(at(120_000, 0), printer_trap_source, trap_receiver, v2_trap),
        d(at(180_000, 0), manager6, printer6, discovery),
        d(at(180_001, 944), printer6, manager6, report),
    ])
}

/// The conversation as a classic pcap file ([`PcapWriter`]: `LINKTYPE_RAW`, microseconds).
pub fn printer_session_pcap() -> Result<Vec<u8>, SampleError> {
    let mut writer = PcapWriter::new(Vec::new())?;
    let mut buf = Vec::with_capacity(512);
    for d in printer_session()? {
        buf.clear();
        d.message.encode(&mut buf);
        writer.write_udp(d.timestamp, d.src, d.dst, &buf)?;
    }
    Ok(writer.into_inner()?)
}
