//! A classic pcap writer for `LINKTYPE_RAW` IPv4/IPv6 + UDP packets.

use std::io::{self, Write};
use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use thiserror::Error;

use super::packet::LinkType;

/// The snapshot length [`PcapWriter`] declares (libpcap's default): larger than any IPv4 or
/// IPv6 packet carrying a UDP datagram.
pub const SNAPLEN: u32 = 262_144;

/// Why a packet could not be built or written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The underlying writer failed.
    #[error("cannot write the capture: {0}")]
    Io(#[from] io::Error),
    /// The source and destination are not both IPv4 or both IPv6.
    #[error("source {src} and destination {dst} are not the same IP version")]
    MixedFamilies {
        /// Source address.
        src: SocketAddr,
        /// Destination address.
        dst: SocketAddr,
    },
    /// The payload does not fit in one UDP datagram over this IP version.
    #[error("UDP payload of {len} bytes exceeds the maximum of {max}")]
    PayloadTooLarge {
        /// The payload length.
        len: usize,
        /// The largest payload that fits.
        max: usize,
    },
    /// A packet larger than [`SNAPLEN`].
    #[error("packet of {len} bytes exceeds the snapshot length {SNAPLEN}")]
    PacketTooLarge {
        /// The packet length.
        len: usize,
    },
    /// A timestamp whose seconds do not fit classic pcap's 32-bit field.
    #[error("timestamp {0:?} after the epoch does not fit in a classic pcap record")]
    TimestampOutOfRange(Duration),
}

/// Writes a classic pcap file: little-endian, microsecond timestamps, `LINKTYPE_RAW` (each
/// frame is a bare IPv4 or IPv6 packet), snapshot length [`SNAPLEN`].
///
/// The file header is written by [`new`](Self::new); each [`write_udp`](Self::write_udp) or
/// [`write_packet`](Self::write_packet) appends one record. Wrap files in a `BufWriter`.
#[derive(Debug)]
pub struct PcapWriter<W: Write> {
    out: W,
}

impl<W: Write> PcapWriter<W> {
    /// Writes the file header.
    pub fn new(mut out: W) -> Result<Self, WriteError> {
        let mut header = Vec::with_capacity(24);
        header.extend_from_slice(&0xa1b2_c3d4u32.to_le_bytes());
        header.extend_from_slice(&2u16.to_le_bytes());
        header.extend_from_slice(&4u16.to_le_bytes());
        header.extend_from_slice(&0i32.to_le_bytes()); // thiszone
        header.extend_from_slice(&0u32.to_le_bytes()); // sigfigs
        header.extend_from_slice(&SNAPLEN.to_le_bytes());
        header.extend_from_slice(&u32::from(LinkType::RAW.0).to_le_bytes());
        out.write_all(&header)?;
        Ok(Self { out })
    }

    /// Appends one record holding `packet` (a raw IPv4 or IPv6 packet), captured at
    /// `timestamp` after the Unix epoch.
    pub fn write_packet(&mut self, timestamp: Duration, packet: &[u8]) -> Result<(), WriteError> {
        let secs = u32::try_from(timestamp.as_secs())
            .map_err(|_| WriteError::TimestampOutOfRange(timestamp))?;
        let len = u32::try_from(packet.len())
            .ok()
            .filter(|&n| n <= SNAPLEN)
            .ok_or(WriteError::PacketTooLarge { len: packet.len() })?;
        let mut record = Vec::with_capacity(16);
        record.extend_from_slice(&secs.to_le_bytes());
        record.extend_from_slice(&timestamp.subsec_micros().to_le_bytes());
        record.extend_from_slice(&len.to_le_bytes());
        record.extend_from_slice(&len.to_le_bytes());
        self.out.write_all(&record)?;
        self.out.write_all(packet)?;
        Ok(())
    }

    /// Appends one record holding a UDP datagram from `src` to `dst` (see [`udp_packet`]).
    pub fn write_udp(
        &mut self,
        timestamp: Duration,
        src: SocketAddr,
        dst: SocketAddr,
        payload: &[u8],
    ) -> Result<(), WriteError> {
        let packet = udp_packet(src, dst, payload)?;
        self.write_packet(timestamp, &packet)
    }

    /// Flushes and returns the underlying writer.
    pub fn into_inner(mut self) -> Result<W, WriteError> {
        self.out.flush()?;
        Ok(self.out)
    }
}

/// Builds a raw IPv4 or IPv6 packet carrying one UDP datagram.
///
/// IPv4: 20-byte header, Don't Fragment set, identification 0, TTL 64, header checksum
/// computed. IPv6: no extension headers, hop limit 64, flow label 0. The UDP checksum is
/// computed for both (RFC 768 / RFC 8200 section 8.1), so dissectors that verify checksums
/// accept the packets.
pub fn udp_packet(src: SocketAddr, dst: SocketAddr, payload: &[u8]) -> Result<Vec<u8>, WriteError> {
    let (max, header_len) = match (src.ip(), dst.ip()) {
        (IpAddr::V4(_), IpAddr::V4(_)) => (65_535 - 20 - 8, 20),
        (IpAddr::V6(_), IpAddr::V6(_)) => (65_535 - 8, 40),
        _ => return Err(WriteError::MixedFamilies { src, dst }),
    };
    let udp_len = u16::try_from(payload.len() + 8)
        .ok()
        .filter(|_| payload.len() <= max)
        .ok_or(WriteError::PayloadTooLarge {
            len: payload.len(),
            max,
        })?;
    let mut udp = Vec::with_capacity(payload.len() + 8);
    udp.extend_from_slice(&src.port().to_be_bytes());
    udp.extend_from_slice(&dst.port().to_be_bytes());
    udp.extend_from_slice(&udp_len.to_be_bytes());
    udp.extend_from_slice(&[0, 0]);
    udp.extend_from_slice(payload);

    let mut packet = Vec::with_capacity(header_len + udp.len());
    let mut pseudo = Vec::with_capacity(40);
    match (src.ip(), dst.ip()) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let total = udp_len.saturating_add(20);
            let mut header = Vec::with_capacity(20);
            header.extend_from_slice(&[0x45, 0x00]);
            header.extend_from_slice(&total.to_be_bytes());
            header.extend_from_slice(&[0x00, 0x00, 0x40, 0x00, 64, 17, 0x00, 0x00]);
            header.extend_from_slice(&s.octets());
            header.extend_from_slice(&d.octets());
            let checksum = checksum(0, &header);
            if let Some(slot) = header.get_mut(10..12) {
                slot.copy_from_slice(&checksum.to_be_bytes());
            }
            packet.extend_from_slice(&header);
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&[0, 17]);
            pseudo.extend_from_slice(&udp_len.to_be_bytes());
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            packet.extend_from_slice(&[0x60, 0, 0, 0]);
            packet.extend_from_slice(&udp_len.to_be_bytes());
            packet.extend_from_slice(&[17, 64]);
            packet.extend_from_slice(&s.octets());
            packet.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&s.octets());
            pseudo.extend_from_slice(&d.octets());
            pseudo.extend_from_slice(&u32::from(udp_len).to_be_bytes());
            pseudo.extend_from_slice(&[0, 0, 0, 17]);
        }
        _ => return Err(WriteError::MixedFamilies { src, dst }),
    }
    // A computed UDP checksum of 0 is sent as all ones (0 means "none" over IPv4 and is
    // invalid over IPv6).
    let sum = match checksum(sum(0, &pseudo), &udp) {
        0 => 0xffff,
        n => n,
    };
    if let Some(slot) = udp.get_mut(6..8) {
        slot.copy_from_slice(&sum.to_be_bytes());
    }
    packet.extend_from_slice(&udp);
    Ok(packet)
}

/// Adds `bytes` as big-endian 16-bit words (the last byte padded with zero) to `acc`.
fn sum(acc: u64, bytes: &[u8]) -> u64 {
    bytes.chunks(2).fold(acc, |acc, chunk| {
        let word = match chunk {
            [a, b] => u16::from_be_bytes([*a, *b]),
            [a] => u16::from_be_bytes([*a, 0]),
            _ => 0,
        };
        acc + u64::from(word)
    })
}

/// The Internet checksum (RFC 1071) of `bytes`, starting from a partial sum.
fn checksum(start: u64, bytes: &[u8]) -> u16 {
    let mut acc = sum(start, bytes);
    while acc > 0xffff {
        acc = (acc & 0xffff) + (acc >> 16);
    }
    !u16::try_from(acc).unwrap_or(u16::MAX)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn checksums_verify_to_zero() {
        for (src, dst) in [
            ("10.0.0.1:1234", "10.0.0.2:161"),
            ("[fe80::1]:1234", "[2001:db8::2]:162"),
        ] {
            let src: SocketAddr = src.parse().unwrap();
            let dst: SocketAddr = dst.parse().unwrap();
            for payload in [&b""[..], b"odd", b"even"] {
                let p = udp_packet(src, dst, payload).unwrap();
                let (header_len, pseudo) = if src.is_ipv4() {
                    // The IPv4 header checksum verifies to zero.
                    assert_eq!(checksum(0, &p[..20]), 0);
                    let mut pseudo = p[12..20].to_vec();
                    pseudo.extend_from_slice(&[0, 17]);
                    pseudo.extend_from_slice(&p[24..26]);
                    (20, pseudo)
                } else {
                    let mut pseudo = p[8..40].to_vec();
                    pseudo.extend_from_slice(&[0, 0]);
                    pseudo.extend_from_slice(&p[44..46]);
                    pseudo.extend_from_slice(&[0, 0, 0, 17]);
                    (40, pseudo)
                };
                assert_eq!(checksum(sum(0, &pseudo), &p[header_len..]), 0);
                assert_eq!(&p[header_len + 8..], payload);
            }
        }
    }

    #[test]
    fn rejects_what_does_not_fit() {
        let v4: SocketAddr = "10.0.0.1:1".parse().unwrap();
        let v6: SocketAddr = "[::1]:1".parse().unwrap();
        assert!(matches!(
            udp_packet(v4, v6, b""),
            Err(WriteError::MixedFamilies { .. })
        ));
        assert!(udp_packet(v4, v4, &vec![0; 65_507]).is_ok());
        assert!(matches!(
            udp_packet(v4, v4, &vec![0; 65_508]),
            Err(WriteError::PayloadTooLarge {
                len: 65_508,
                max: 65_507
            })
        ));
        assert!(udp_packet(v6, v6, &vec![0; 65_527]).is_ok());
        let mut w = PcapWriter::new(Vec::new()).unwrap();
        assert!(matches!(
            w.write_packet(Duration::from_secs(1 << 32), b"x"),
            Err(WriteError::TimestampOutOfRange(_))
        ));
    }
}
