//! Wireshark's SNMP dissector (tshark) as a conformance oracle.
//!
//! [`tshark_dissect`] wraps raw SNMP messages into a pcap file (written here,
//! no capture, no root) and asks tshark 4.0 how it dissects each one.
//!
//! # The judging rule
//!
//! A message is accepted by Wireshark ([`Dissection::is_clean`]) when
//!
//! 1. `frame.protocols` ends in `udp:snmp`, optionally followed by one more
//!    `:snmp` (the sub-dissector for a varbind's string value). A trailing
//!    `:data` means trailing garbage after the message; `udp:data` alone
//!    means the SNMP dissector refused the datagram altogether (verified: a
//!    message cut short by one byte dissects as `raw:ip:udp:data`);
//! 2. `_ws.malformed` is absent (verified: an overrunning inner length gives
//!    `[Malformed Packet: SNMP]` with severity error; a wrong tag inside a
//!    SEQUENCE gives `_ws.malformed` with severity warning — both count);
//! 3. the highest `_ws.expert.severity` is below [`SEVERITY_WARN`]
//!    (6291456). Notes are fine: e.g. the exception values noSuchObject,
//!    noSuchInstance and endOfMibView each raise a note (4194304).
//!
//! Wireshark does **not** flag non-minimal INTEGER encodings or long-form
//! lengths; check those separately.
//!
//! # What tshark prints (verified, tshark 4.0.17)
//!
//! With `-T fields -E occurrence=a`, a field that occurs several times is
//! joined by the aggregator; this module uses the unit separator `\x1f` as
//! aggregator (not `,`), because expert messages can contain commas. Severity
//! values are the numbers of Wireshark's `PI_*` constants: chat 2097152,
//! note 4194304, warn 6291456, error 8388608. `_ws.malformed` prints as
//! `[Malformed Packet: SNMP]` or `_ws.malformed` (any non-empty text means
//! present). tshark prints "Running as user "root" and group "root". This
//! could be dangerous." on stderr when run as root; it is ignored.
//!
//! # SNMPv3
//!
//! Pass `["-e", "snmp.v3.auth", "-o", &user.tshark_uat()?]` as `extra_args`
//! (see [`crate::UsmUser::tshark_uat`]); a verified authentication shows
//! `snmp.v3.auth = 1` ([`Dissection::field`]). One `-o` per user.

use std::io::Write;
use std::path::Path;
use std::time::Duration;

use crate::fail::fatal;
use crate::tools::{run_tool_with_timeout, stderr_text, stdout_text};

/// Expert severity "chat" (`PI_CHAT`).
pub const SEVERITY_CHAT: u32 = 0x0020_0000;
/// Expert severity "note" (`PI_NOTE`).
pub const SEVERITY_NOTE: u32 = 0x0040_0000;
/// Expert severity "warning" (`PI_WARN`); a clean message stays below it.
pub const SEVERITY_WARN: u32 = 0x0060_0000;
/// Expert severity "error" (`PI_ERROR`).
pub const SEVERITY_ERROR: u32 = 0x0080_0000;

/// The aggregator for repeated field occurrences (ASCII unit separator).
const AGGREGATOR: char = '\u{1f}';

/// The base fields, in column order.
const BASE_FIELDS: [&str; 5] = [
    "frame.number",
    "frame.protocols",
    "_ws.malformed",
    "_ws.expert.severity",
    "_ws.expert.message",
];

/// Source port in the generated pcap.
const SRC_PORT: u16 = 40000;

/// tshark's verdict on one message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Dissection {
    /// The frame number (1-based; frame `i + 1` is `messages[i]`).
    pub frame: u32,
    /// `frame.protocols`, e.g. `raw:ip:udp:snmp`.
    pub protocols: String,
    /// Whether `_ws.malformed` was present.
    pub malformed: bool,
    /// The highest `_ws.expert.severity`, if there was any expert info.
    pub max_expert_severity: Option<u32>,
    /// Every `_ws.expert.severity`, in order.
    pub expert_severities: Vec<u32>,
    /// Every `_ws.expert.message`, in order.
    pub expert_messages: Vec<String>,
    /// The fields requested with `-e` in `extra_args`, in order, each with
    /// all its occurrences (empty when absent).
    pub extra: Vec<(String, Vec<String>)>,
}

impl Dissection {
    /// Whether Wireshark accepted the message (the module's judging rule).
    pub fn is_clean(&self) -> bool {
        self.verdict().is_ok()
    }

    /// `Ok(())` if the message is clean, else a one-line explanation
    /// suitable for an assertion message.
    pub fn verdict(&self) -> Result<(), String> {
        let p = self.protocols.as_str();
        if !(p.ends_with("udp:snmp") || p.ends_with("udp:snmp:snmp")) {
            return Err(format!(
                "frame {}: protocols `{p}` do not end in udp:snmp[:snmp]",
                self.frame
            ));
        }
        if self.malformed {
            return Err(format!(
                "frame {}: malformed: {}",
                self.frame,
                self.expert_messages.join(" | ")
            ));
        }
        if let Some(sev) = self.max_expert_severity
            && sev >= SEVERITY_WARN
        {
            return Err(format!(
                "frame {}: expert severity {sev} >= warning: {}",
                self.frame,
                self.expert_messages.join(" | ")
            ));
        }
        Ok(())
    }

    /// The first occurrence of an extra field (requested with `-e NAME`).
    pub fn field(&self, name: &str) -> Option<&str> {
        self.field_all(name).first().map(String::as_str)
    }

    /// All occurrences of an extra field (empty when absent or not requested).
    pub fn field_all(&self, name: &str) -> &[String] {
        self.extra
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_slice())
            .unwrap_or_default()
    }
}

/// Writes `messages` as UDP payloads into a classic pcap file
/// (`LINKTYPE_RAW` = 101: each packet is an IPv4 header, a UDP header with
/// checksum 0, and the message), from `127.0.0.1:40000` to
/// `127.0.0.1:port`, one second apart starting at 2023-11-14T22:13:20Z.
pub fn write_pcap(path: &Path, messages: &[Vec<u8>], port: u16) -> std::io::Result<()> {
    let mut out: Vec<u8> = Vec::new();
    // Global header: magic, version 2.4, thiszone, sigfigs, snaplen, network.
    out.extend_from_slice(&0xa1b2_c3d4_u32.to_le_bytes());
    out.extend_from_slice(&2u16.to_le_bytes());
    out.extend_from_slice(&4u16.to_le_bytes());
    out.extend_from_slice(&0i32.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&262_144u32.to_le_bytes());
    out.extend_from_slice(&101u32.to_le_bytes());
    for (i, msg) in messages.iter().enumerate() {
        let packet = ipv4_udp_packet(msg, SRC_PORT, port)?;
        let len = u32::try_from(packet.len()).map_err(std::io::Error::other)?;
        let secs = 1_700_000_000u32.saturating_add(u32::try_from(i).unwrap_or(u32::MAX));
        out.extend_from_slice(&secs.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&len.to_le_bytes());
        out.extend_from_slice(&packet);
    }
    let mut f = std::fs::File::create(path)?;
    f.write_all(&out)?;
    f.flush()
}

/// An IPv4 (127.0.0.1 → 127.0.0.1) + UDP packet around `payload`.
fn ipv4_udp_packet(payload: &[u8], src: u16, dst: u16) -> std::io::Result<Vec<u8>> {
    let udp_len = u16::try_from(payload.len() + 8)
        .map_err(|_| std::io::Error::other("message too large for one UDP datagram"))?;
    let total = udp_len
        .checked_add(20)
        .ok_or_else(|| std::io::Error::other("message too large for one IPv4 packet"))?;
    let mut ip = [0u8; 20];
    ip[0] = 0x45; // version 4, IHL 5
    ip[2..4].copy_from_slice(&total.to_be_bytes());
    ip[8] = 64; // TTL
    ip[9] = 17; // UDP
    ip[12..16].copy_from_slice(&[127, 0, 0, 1]);
    ip[16..20].copy_from_slice(&[127, 0, 0, 1]);
    let checksum = ipv4_checksum(&ip);
    ip[10..12].copy_from_slice(&checksum.to_be_bytes());
    let mut pkt = Vec::with_capacity(usize::from(total));
    pkt.extend_from_slice(&ip);
    pkt.extend_from_slice(&src.to_be_bytes());
    pkt.extend_from_slice(&dst.to_be_bytes());
    pkt.extend_from_slice(&udp_len.to_be_bytes());
    pkt.extend_from_slice(&0u16.to_be_bytes()); // no UDP checksum
    pkt.extend_from_slice(payload);
    Ok(pkt)
}

fn ipv4_checksum(header: &[u8; 20]) -> u16 {
    let mut sum: u32 = header
        .chunks(2)
        .map(|c| match c {
            [a, b] => u32::from(u16::from_be_bytes([*a, *b])),
            _ => 0,
        })
        .sum();
    while sum > 0xffff {
        sum = (sum & 0xffff) + (sum >> 16);
    }
    !u16::try_from(sum).unwrap_or(0xffff)
}

/// Runs tshark over `messages` (UDP payloads sent to `port`, decoded as SNMP
/// via `-d udp.port==PORT,snmp`) and returns one [`Dissection`] per message,
/// in order.
///
/// Command: `tshark -n -r FILE -d udp.port==PORT,snmp -T fields -E
/// separator=/t -E occurrence=a -E aggregator=\x1f -E quote=n -e frame.number
/// -e frame.protocols -e _ws.malformed -e _ws.expert.severity -e
/// _ws.expert.message EXTRA_ARGS…`. Every `-e NAME` pair in `extra_args`
/// becomes an entry of [`Dissection::extra`]; other arguments (e.g.
/// `-o uat:snmp_users:…`) are passed through. `-n` keeps tshark from
/// resolving names. About 0.4 s for a few hundred messages.
///
/// Panics if tshark fails or does not report every frame (gate the test with
/// `require_tool("tshark")`).
#[track_caller]
pub fn tshark_dissect(messages: &[Vec<u8>], port: u16, extra_args: &[&str]) -> Vec<Dissection> {
    if messages.is_empty() {
        return Vec::new();
    }
    let dir = tempfile::Builder::new()
        .prefix("fleetwire-tshark-")
        .tempdir()
        .unwrap_or_else(|e| fatal(format!("cannot create a temp dir for tshark: {e}")));
    let pcap = dir.path().join("messages.pcap");
    if let Err(e) = write_pcap(&pcap, messages, port) {
        fatal(format!("cannot write {}: {e}", pcap.display()));
    }
    let extra_fields: Vec<String> = extra_args
        .windows(2)
        .filter(|w| w.first() == Some(&"-e"))
        .filter_map(|w| w.get(1).map(|s| (*s).to_owned()))
        .collect();
    let mut args: Vec<String> = vec![
        "-n".into(),
        "-r".into(),
        pcap.display().to_string(),
        "-d".into(),
        format!("udp.port=={port},snmp"),
        "-T".into(),
        "fields".into(),
        "-E".into(),
        "separator=/t".into(),
        "-E".into(),
        "occurrence=a".into(),
        "-E".into(),
        format!("aggregator={AGGREGATOR}"),
        "-E".into(),
        "quote=n".into(),
    ];
    for f in BASE_FIELDS {
        args.push("-e".into());
        args.push(f.into());
    }
    args.extend(extra_args.iter().map(|s| (*s).to_owned()));
    let out = run_tool_with_timeout("tshark", &args, Duration::from_secs(300));
    if !out.status.success() {
        fatal(format!(
            "tshark failed ({}): {}\nargs: {args:?}",
            out.status,
            stderr_text(&out)
        ));
    }
    let text = stdout_text(&out);
    let mut result: Vec<Dissection> = text
        .lines()
        .filter(|l| !l.is_empty())
        .map(|l| parse_row(l, &extra_fields))
        .collect();
    result.sort_by_key(|d| d.frame);
    let frames: Vec<u32> = result.iter().map(|d| d.frame).collect();
    let expected: Vec<u32> = (1..=u32::try_from(messages.len()).unwrap_or(u32::MAX)).collect();
    if frames != expected {
        fatal(format!(
            "tshark reported frames {frames:?}, expected 1..={}; stderr: {}",
            messages.len(),
            stderr_text(&out)
        ));
    }
    result
}

fn split_occurrences(col: &str) -> Vec<String> {
    if col.is_empty() {
        Vec::new()
    } else {
        col.split(AGGREGATOR).map(str::to_owned).collect()
    }
}

fn parse_row(line: &str, extra_fields: &[String]) -> Dissection {
    let cols: Vec<&str> = line.split('\t').collect();
    let col = |i: usize| cols.get(i).copied().unwrap_or_default();
    let severities: Vec<u32> = split_occurrences(col(3))
        .iter()
        .filter_map(|s| s.trim().parse().ok())
        .collect();
    let extra = extra_fields
        .iter()
        .enumerate()
        .map(|(i, name)| (name.clone(), split_occurrences(col(BASE_FIELDS.len() + i))))
        .collect();
    Dissection {
        frame: col(0).trim().parse().unwrap_or(0),
        protocols: col(1).to_owned(),
        malformed: !col(2).is_empty(),
        max_expert_severity: severities.iter().copied().max(),
        expert_severities: severities,
        expert_messages: split_occurrences(col(4)),
        extra,
    }
}
