//! From a captured frame to a UDP datagram: link layer, IPv4/IPv6, UDP.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use thiserror::Error;

/// A pcap/pcapng link-layer header type (`LINKTYPE_*`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u16);

impl LinkType {
    /// `LINKTYPE_NULL`: BSD loopback, a 4-byte address family in the capturing host's byte
    /// order.
    pub const NULL: Self = Self(0);
    /// `LINKTYPE_ETHERNET`.
    pub const ETHERNET: Self = Self(1);
    /// `LINKTYPE_RAW`: a bare IPv4 or IPv6 packet.
    pub const RAW: Self = Self(101);
    /// `LINKTYPE_LINUX_SLL`: Linux "cooked" capture, version 1.
    pub const LINUX_SLL: Self = Self(113);
    /// `LINKTYPE_IPV4`.
    pub const IPV4: Self = Self(228);
    /// `LINKTYPE_IPV6`.
    pub const IPV6: Self = Self(229);
    /// `LINKTYPE_LINUX_SLL2`: Linux "cooked" capture, version 2.
    pub const LINUX_SLL2: Self = Self(276);

    /// The `LINKTYPE_` name without its prefix, for the types [`udp_datagram`] understands.
    pub fn name(self) -> Option<&'static str> {
        Some(match self {
            Self::NULL => "NULL",
            Self::ETHERNET => "ETHERNET",
            Self::RAW => "RAW",
            Self::LINUX_SLL => "LINUX_SLL",
            Self::IPV4 => "IPV4",
            Self::IPV6 => "IPV6",
            Self::LINUX_SLL2 => "LINUX_SLL2",
            _ => return None,
        })
    }
}

impl fmt::Display for LinkType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.name() {
            Some(name) => write!(f, "{name} ({})", self.0),
            None => write!(f, "link type {}", self.0),
        }
    }
}

/// What was wrong with a captured frame. See [`PacketError`] for where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PacketErrorKind {
    /// A header or the data it announces runs past the end of the captured bytes.
    #[error("truncated {layer}: needs {needed} bytes, {available} available")]
    Truncated {
        /// The header or packet that was cut short.
        layer: &'static str,
        /// Bytes it needs.
        needed: usize,
        /// Bytes that were captured.
        available: usize,
    },
    /// A link type this dissector does not know.
    #[error("unsupported {0}")]
    UnsupportedLinkType(LinkType),
    /// The IP version nibble does not match what the link layer announced (or is neither 4
    /// nor 6 for `LINKTYPE_RAW`).
    #[error("IP version {0} where IPv4 or IPv6 was expected")]
    BadIpVersion(u8),
    /// An IPv4 header length (IHL) below 5 words.
    #[error("invalid IPv4 header length {0} (in 32-bit words, at least 5)")]
    BadIpv4HeaderLength(u8),
    /// An IPv4 total length shorter than its own header.
    #[error("invalid IPv4 total length {total} (header is {header} bytes)")]
    BadIpv4TotalLength {
        /// The total length field.
        total: u16,
        /// The header length in bytes.
        header: usize,
    },
    /// A UDP length field below 8 (the header's own size).
    #[error("invalid UDP length {0}")]
    BadUdpLength(u16),
    /// The first fragment of a fragmented UDP datagram: reassembly is not supported.
    #[error("fragmented UDP datagram (reassembly is not supported)")]
    Fragmented,
}

/// A malformed frame: what was wrong, at which byte offset of the frame's data.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{kind} at byte {offset} of the frame")]
pub struct PacketError {
    /// What was wrong.
    pub kind: PacketErrorKind,
    /// Byte offset in the frame of the header that failed.
    pub offset: usize,
}

/// A UDP datagram found in a frame.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct UdpDatagram<'a> {
    /// Source address and port.
    pub src: SocketAddr,
    /// Destination address and port.
    pub dst: SocketAddr,
    /// The UDP payload (trimmed to the UDP length, so link-layer padding is not included).
    pub payload: &'a [u8],
    /// Byte offset of the payload in the frame.
    pub payload_offset: usize,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Network {
    V4,
    V6,
    /// Decide by the version nibble.
    Ip,
}

const ETHERTYPE_IPV4: u16 = 0x0800;
const ETHERTYPE_IPV6: u16 = 0x86dd;
const ETHERTYPE_VLAN: [u16; 3] = [0x8100, 0x88a8, 0x9100];

const IPPROTO_HOPOPTS: u8 = 0;
const IPPROTO_UDP: u8 = 17;
const IPPROTO_ROUTING: u8 = 43;
const IPPROTO_FRAGMENT: u8 = 44;
const IPPROTO_AH: u8 = 51;
const IPPROTO_DSTOPTS: u8 = 60;

/// `len` bytes of `frame` at `at`, or a truncation error naming `layer`.
fn take<'a>(
    frame: &'a [u8],
    at: usize,
    len: usize,
    layer: &'static str,
) -> Result<&'a [u8], PacketError> {
    let rest = frame.get(at..).unwrap_or_default();
    rest.get(..len).ok_or(PacketError {
        kind: PacketErrorKind::Truncated {
            layer,
            needed: len,
            available: rest.len(),
        },
        offset: at,
    })
}

fn be16(bytes: &[u8], at: usize) -> u16 {
    match bytes.get(at..at.saturating_add(2)) {
        Some([a, b]) => u16::from_be_bytes([*a, *b]),
        _ => 0,
    }
}

fn byte(bytes: &[u8], at: usize) -> u8 {
    bytes.get(at).copied().unwrap_or_default()
}

/// Finds the UDP datagram in one captured frame.
///
/// Returns `Ok(None)` for frames that hold no UDP datagram: other EtherTypes or address
/// families, other IP protocols, non-first IP fragments. Returns an error for a malformed or
/// truncated frame, for the first fragment of a fragmented datagram (fragments are not
/// reassembled) and for a link type it does not understand (see [`LinkType::name`]).
/// Checksums are not verified (captures taken on the sending host often carry checksums the
/// network card would have filled in).
pub fn udp_datagram(
    link_type: LinkType,
    frame: &[u8],
) -> Result<Option<UdpDatagram<'_>>, PacketError> {
    let (network, at) = match link_type {
        LinkType::NULL => {
            let header = take(frame, 0, 4, "loopback header")?;
            let mut family = u32::from_le_bytes([
                byte(header, 0),
                byte(header, 1),
                byte(header, 2),
                byte(header, 3),
            ]);
            // The family is in the capturing host's byte order; real values are small.
            if family > 0xffff {
                family = family.swap_bytes();
            }
            match family {
                2 => (Network::V4, 4),
                // AF_INET6 on Linux, NetBSD/OpenBSD, FreeBSD, macOS.
                10 | 24 | 28 | 30 => (Network::V6, 4),
                _ => return Ok(None),
            }
        }
        LinkType::ETHERNET => {
            let header = take(frame, 0, 14, "Ethernet header")?;
            match ethertype(frame, be16(header, 12), 14)? {
                Some(found) => found,
                None => return Ok(None),
            }
        }
        LinkType::LINUX_SLL => {
            let header = take(frame, 0, 16, "Linux cooked (SLL) header")?;
            match ethertype(frame, be16(header, 14), 16)? {
                Some(found) => found,
                None => return Ok(None),
            }
        }
        LinkType::LINUX_SLL2 => {
            let header = take(frame, 0, 20, "Linux cooked (SLL2) header")?;
            match ethertype(frame, be16(header, 0), 20)? {
                Some(found) => found,
                None => return Ok(None),
            }
        }
        LinkType::RAW => (Network::Ip, 0),
        LinkType::IPV4 => (Network::V4, 0),
        LinkType::IPV6 => (Network::V6, 0),
        other => {
            return Err(PacketError {
                kind: PacketErrorKind::UnsupportedLinkType(other),
                offset: 0,
            });
        }
    };
    let version = byte(take(frame, at, 1, "IP header")?, 0) >> 4;
    match (network, version) {
        (Network::V4 | Network::Ip, 4) => ipv4(frame, at),
        (Network::V6 | Network::Ip, 6) => ipv6(frame, at),
        (_, other) => Err(PacketError {
            kind: PacketErrorKind::BadIpVersion(other),
            offset: at,
        }),
    }
}

/// Follows 802.1Q / 802.1ad tags to the payload's EtherType.
fn ethertype(
    frame: &[u8],
    mut ethertype: u16,
    mut at: usize,
) -> Result<Option<(Network, usize)>, PacketError> {
    while ETHERTYPE_VLAN.contains(&ethertype) {
        let tag = take(frame, at, 4, "802.1Q VLAN tag")?;
        ethertype = be16(tag, 2);
        at = at.saturating_add(4);
    }
    Ok(match ethertype {
        ETHERTYPE_IPV4 => Some((Network::V4, at)),
        ETHERTYPE_IPV6 => Some((Network::V6, at)),
        _ => None,
    })
}

fn ipv4(frame: &[u8], at: usize) -> Result<Option<UdpDatagram<'_>>, PacketError> {
    let header = take(frame, at, 20, "IPv4 header")?;
    let ihl = byte(header, 0) & 0x0f;
    if ihl < 5 {
        return Err(PacketError {
            kind: PacketErrorKind::BadIpv4HeaderLength(ihl),
            offset: at,
        });
    }
    let header_len = usize::from(ihl) * 4;
    let header = take(frame, at, header_len, "IPv4 header with options")?;
    let total = be16(header, 2);
    let available = frame.len().saturating_sub(at);
    // A total length of 0 is what captures of TCP/UDP segmentation offload show.
    let packet_len = if total == 0 {
        available
    } else {
        usize::from(total)
    };
    if packet_len < header_len {
        return Err(PacketError {
            kind: PacketErrorKind::BadIpv4TotalLength {
                total,
                header: header_len,
            },
            offset: at,
        });
    }
    let packet = take(frame, at, packet_len, "IPv4 packet")?;
    let fragment = be16(header, 6);
    let more_fragments = fragment & 0x2000 != 0;
    let fragment_offset = fragment & 0x1fff;
    if fragment_offset != 0 || byte(header, 9) != IPPROTO_UDP {
        return Ok(None);
    }
    if more_fragments {
        return Err(PacketError {
            kind: PacketErrorKind::Fragmented,
            offset: at,
        });
    }
    let src = Ipv4Addr::new(
        byte(header, 12),
        byte(header, 13),
        byte(header, 14),
        byte(header, 15),
    );
    let dst = Ipv4Addr::new(
        byte(header, 16),
        byte(header, 17),
        byte(header, 18),
        byte(header, 19),
    );
    udp(
        packet.get(header_len..).unwrap_or_default(),
        at.saturating_add(header_len),
        IpAddr::V4(src),
        IpAddr::V4(dst),
    )
    .map(Some)
}

fn ipv6(frame: &[u8], at: usize) -> Result<Option<UdpDatagram<'_>>, PacketError> {
    let header = take(frame, at, 40, "IPv6 header")?;
    let payload_len = usize::from(be16(header, 4));
    let available = frame.len().saturating_sub(at).saturating_sub(40);
    // A payload length of 0 means a jumbogram (or offload): use what was captured.
    let payload_len = if payload_len == 0 {
        available
    } else {
        payload_len
    };
    let payload_at = at.saturating_add(40);
    let payload = take(frame, payload_at, payload_len, "IPv6 payload")?;
    let address = |from: usize| {
        let mut octets = [0u8; 16];
        if let Some(bytes) = header.get(from..from.saturating_add(16)) {
            octets.copy_from_slice(bytes);
        }
        IpAddr::V6(Ipv6Addr::from(octets))
    };
    let (src, dst) = (address(8), address(24));
    let mut next = byte(header, 6);
    let mut offset = 0usize;
    loop {
        let here = payload_at.saturating_add(offset);
        match next {
            IPPROTO_UDP => {
                return udp(payload.get(offset..).unwrap_or_default(), here, src, dst).map(Some);
            }
            IPPROTO_HOPOPTS | IPPROTO_ROUTING | IPPROTO_DSTOPTS | IPPROTO_AH => {
                let start = take(payload, offset, 2, "IPv6 extension header")
                    .map_err(|e| relocate(e, payload_at))?;
                let len = if next == IPPROTO_AH {
                    (usize::from(byte(start, 1)) + 2) * 4
                } else {
                    (usize::from(byte(start, 1)) + 1) * 8
                };
                take(payload, offset, len, "IPv6 extension header")
                    .map_err(|e| relocate(e, payload_at))?;
                next = byte(start, 0);
                offset = offset.saturating_add(len);
            }
            IPPROTO_FRAGMENT => {
                let fragment = take(payload, offset, 8, "IPv6 fragment header")
                    .map_err(|e| relocate(e, payload_at))?;
                let field = be16(fragment, 2);
                if field >> 3 != 0 {
                    return Ok(None);
                }
                if field & 1 != 0 {
                    return Err(PacketError {
                        kind: PacketErrorKind::Fragmented,
                        offset: here,
                    });
                }
                next = byte(fragment, 0);
                offset = offset.saturating_add(8);
            }
            _ => return Ok(None),
        }
    }
}

/// Moves an error found in a sub-slice to frame offsets.
fn relocate(mut e: PacketError, base: usize) -> PacketError {
    e.offset = e.offset.saturating_add(base);
    e
}

/// Parses a UDP header at the start of `segment` (which starts at frame offset `at` and ends
/// where the IP packet ends).
fn udp(
    segment: &[u8],
    at: usize,
    src: IpAddr,
    dst: IpAddr,
) -> Result<UdpDatagram<'_>, PacketError> {
    let header = take(segment, 0, 8, "UDP header").map_err(|e| relocate(e, at))?;
    let length = be16(header, 4);
    let datagram_len = match length {
        // IPv6 jumbograms carry 0 here.
        0 if src.is_ipv6() => segment.len(),
        0..8 => {
            return Err(PacketError {
                kind: PacketErrorKind::BadUdpLength(length),
                offset: at,
            });
        }
        n => usize::from(n),
    };
    let datagram = take(segment, 0, datagram_len, "UDP datagram").map_err(|e| relocate(e, at))?;
    Ok(UdpDatagram {
        src: SocketAddr::new(src, be16(header, 0)),
        dst: SocketAddr::new(dst, be16(header, 2)),
        payload: datagram.get(8..).unwrap_or_default(),
        payload_offset: at.saturating_add(8),
    })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::pcap::udp_packet;

    fn addrs(v6: bool) -> (SocketAddr, SocketAddr) {
        if v6 {
            (
                "[2001:db8::1]:50000".parse().unwrap(),
                "[::1]:161".parse().unwrap(),
            )
        } else {
            (
                "192.0.2.1:50000".parse().unwrap(),
                "127.0.0.1:161".parse().unwrap(),
            )
        }
    }

    fn check(link: LinkType, frame: &[u8], v6: bool) {
        let (src, dst) = addrs(v6);
        let d = udp_datagram(link, frame).unwrap().unwrap();
        assert_eq!((d.src, d.dst, d.payload), (src, dst, &b"hello"[..]));
        assert_eq!(&frame[d.payload_offset..d.payload_offset + 5], b"hello");
    }

    fn ip(v6: bool) -> Vec<u8> {
        let (src, dst) = addrs(v6);
        udp_packet(src, dst, b"hello").unwrap()
    }

    #[test]
    fn every_link_type() {
        for v6 in [false, true] {
            let packet = ip(v6);
            let ethertype: [u8; 2] = if v6 { [0x86, 0xdd] } else { [0x08, 0x00] };
            check(LinkType::RAW, &packet, v6);
            check(
                if v6 { LinkType::IPV6 } else { LinkType::IPV4 },
                &packet,
                v6,
            );
            // Ethernet, untagged, one tag, two tags; with trailing padding.
            for tags in 0..3 {
                let mut f = vec![0u8; 12];
                for t in 0..tags {
                    f.extend_from_slice(if t == 0 { &[0x88, 0xa8] } else { &[0x81, 0x00] });
                    f.extend_from_slice(&[0x00, 0x07]);
                }
                f.extend_from_slice(&ethertype);
                f.extend_from_slice(&packet);
                f.extend_from_slice(&[0u8; 6]);
                check(LinkType::ETHERNET, &f, v6);
            }
            // NULL, both host byte orders, several AF_INET6 values.
            let families: &[u32] = if v6 { &[10, 24, 28, 30] } else { &[2] };
            for &family in families {
                for bytes in [family.to_le_bytes(), family.to_be_bytes()] {
                    let mut f = bytes.to_vec();
                    f.extend_from_slice(&packet);
                    check(LinkType::NULL, &f, v6);
                }
            }
            let mut sll = vec![0u8; 14];
            sll.extend_from_slice(&ethertype);
            sll.extend_from_slice(&packet);
            check(LinkType::LINUX_SLL, &sll, v6);
            let mut sll2 = ethertype.to_vec();
            sll2.extend_from_slice(&[0u8; 18]);
            sll2.extend_from_slice(&packet);
            check(LinkType::LINUX_SLL2, &sll2, v6);
        }
    }

    #[test]
    fn ipv4_options_and_fragments() {
        let mut p = ip(false);
        // Insert 8 bytes of options (two NOP-padded words): IHL 7, total length + 8.
        let mut with_options = p[..20].to_vec();
        with_options[0] = 0x47;
        let total = u16::from_be_bytes([p[2], p[3]]) + 8;
        with_options[2..4].copy_from_slice(&total.to_be_bytes());
        with_options.extend_from_slice(&[1, 1, 1, 1, 1, 1, 1, 0]);
        with_options.extend_from_slice(&p[20..]);
        check(LinkType::RAW, &with_options, false);
        // Later fragment: skipped. First fragment of several: an error.
        p[6] = 0x00;
        p[7] = 0x10;
        assert_eq!(udp_datagram(LinkType::RAW, &p).unwrap(), None);
        p[6] = 0x20;
        p[7] = 0x00;
        assert_eq!(
            udp_datagram(LinkType::RAW, &p).unwrap_err().kind,
            PacketErrorKind::Fragmented
        );
        // Not UDP: skipped.
        let mut tcp = ip(false);
        tcp[9] = 6;
        assert_eq!(udp_datagram(LinkType::RAW, &tcp).unwrap(), None);
    }

    #[test]
    fn ipv6_extension_headers() {
        let p = ip(true);
        let mut f = p[..40].to_vec();
        f[6] = IPPROTO_HOPOPTS;
        // hop-by-hop (8 bytes) -> routing (16 bytes) -> fragment (atomic) -> dest opts -> UDP
        f.extend_from_slice(&[IPPROTO_ROUTING, 0, 1, 4, 0, 0, 0, 0]);
        f.extend_from_slice(&[
            IPPROTO_FRAGMENT,
            1,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
            0,
        ]);
        f.extend_from_slice(&[IPPROTO_DSTOPTS, 0, 0, 0, 0, 0, 0, 1]);
        f.extend_from_slice(&[IPPROTO_UDP, 0, 1, 4, 0, 0, 0, 0]);
        f.extend_from_slice(&p[40..]);
        let len = u16::try_from(f.len() - 40).unwrap();
        f[4..6].copy_from_slice(&len.to_be_bytes());
        check(LinkType::RAW, &f, true);
        // A later fragment is skipped; a first fragment is an error.
        let frag_at = 40 + 8 + 16;
        f[frag_at + 3] = 0x08;
        assert_eq!(udp_datagram(LinkType::RAW, &f).unwrap(), None);
        f[frag_at + 3] = 0x01;
        assert_eq!(
            udp_datagram(LinkType::RAW, &f).unwrap_err(),
            PacketError {
                kind: PacketErrorKind::Fragmented,
                offset: frag_at
            }
        );
    }

    #[test]
    fn truncation_is_an_error_with_offset() {
        let p = ip(false);
        let err = udp_datagram(LinkType::RAW, &p[..p.len() - 1]).unwrap_err();
        assert_eq!(
            err.kind,
            PacketErrorKind::Truncated {
                layer: "IPv4 packet",
                needed: p.len(),
                available: p.len() - 1
            }
        );
        let err = udp_datagram(LinkType::ETHERNET, &[0u8; 10]).unwrap_err();
        assert_eq!(err.offset, 0);
        let mut eth = vec![0u8; 12];
        eth.extend_from_slice(&[0x08, 0x00, 0x45]);
        let err = udp_datagram(LinkType::ETHERNET, &eth).unwrap_err();
        assert_eq!(err.offset, 14);
        assert_eq!(
            err.to_string(),
            "truncated IPv4 header: needs 20 bytes, 1 available at byte 14 of the frame"
        );
        let err = udp_datagram(LinkType(147), &p).unwrap_err();
        assert_eq!(
            err.kind,
            PacketErrorKind::UnsupportedLinkType(LinkType(147))
        );
        let err = udp_datagram(LinkType::IPV4, &ip(true)).unwrap_err();
        assert_eq!(err.kind, PacketErrorKind::BadIpVersion(6));
        let mut bad_udp = ip(false);
        bad_udp[24..26].copy_from_slice(&[0, 4]);
        assert_eq!(
            udp_datagram(LinkType::RAW, &bad_udp).unwrap_err(),
            PacketError {
                kind: PacketErrorKind::BadUdpLength(4),
                offset: 20
            }
        );
    }
}
