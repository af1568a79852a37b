//! Capture files: a reader for classic pcap and pcapng, the link-layer / IP / UDP dissection
//! that finds UDP datagrams in captured frames, and a classic pcap writer.
//!
//! Everything here is written for untrusted input: the reader works on a byte slice, borrows
//! every frame from it (so a block can never claim more memory than the file has), checks
//! every length against what is really there, and reports malformed input as a typed error
//! carrying the byte offset where it went wrong. It never panics.
//!
//! | Piece | Handles |
//! |---|---|
//! | [`CaptureReader`] | classic pcap (both byte orders, microsecond and nanosecond magic) and pcapng (SHB, IDB, EPB, SPB and the obsolete PB; both byte orders; several sections; per-interface link types and timestamp resolution) |
//! | [`udp_datagram`] | link types NULL/loopback (0), Ethernet (1, with any number of 802.1Q/802.1ad tags), RAW (101), Linux SLL (113), IPv4 (228), IPv6 (229), Linux SLL2 (276); IPv4 with options (later fragments skipped); IPv6 with hop-by-hop, routing, destination-options, fragment and AH extension headers; UDP |
//! | [`PcapWriter`], [`udp_packet`] | classic pcap, little-endian, microseconds, `LINKTYPE_RAW`; IPv4 or IPv6 + UDP packets with valid IP and UDP checksums |
//!
//! ```
//! use std::time::Duration;
//! use fleetwire::pcap::{CaptureReader, PcapWriter, udp_datagram};
//!
//! let mut writer = PcapWriter::new(Vec::new())?;
//! let src = "127.0.0.1:50000".parse()?;
//! let dst = "127.0.0.1:161".parse()?;
//! writer.write_udp(Duration::from_secs(1_700_000_000), src, dst, b"payload")?;
//! let file = writer.into_inner()?;
//!
//! for frame in CaptureReader::new(&file)? {
//!     let frame = frame?;
//!     let datagram = udp_datagram(frame.link_type, frame.data)?.expect("a UDP datagram");
//!     assert_eq!((datagram.src, datagram.dst), (src, dst));
//!     assert_eq!(datagram.payload, b"payload");
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod packet;
mod reader;
mod writer;

pub use packet::{LinkType, PacketError, PacketErrorKind, UdpDatagram, udp_datagram};
pub use reader::{ByteOrder, CaptureFormat, CaptureReader, Frame, PcapError, PcapErrorKind};
pub use writer::{PcapWriter, SNAPLEN, WriteError, udp_packet};
