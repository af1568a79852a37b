//! Classic pcap and pcapng parsing over a byte slice.

use std::time::Duration;

use thiserror::Error;

use super::packet::LinkType;

/// The byte order of a capture file (or of one pcapng section).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ByteOrder {
    /// Little-endian.
    Little,
    /// Big-endian.
    Big,
}

/// Which kind of capture file a [`CaptureReader`] is reading.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CaptureFormat {
    /// Classic libpcap format.
    Pcap {
        /// The file's byte order.
        byte_order: ByteOrder,
        /// True for the nanosecond-resolution magic `0xa1b23c4d`.
        nanosecond: bool,
        /// The file's single link type.
        link_type: LinkType,
    },
    /// pcapng (each section has its own byte order and interfaces).
    PcapNg,
}

/// What was wrong with a capture file. See [`PcapError`] for where.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum PcapErrorKind {
    /// The file starts with neither a pcap magic number nor a pcapng Section Header Block.
    #[error("not a pcap or pcapng capture (magic number 0x{0:08x})")]
    UnknownMagic(u32),
    /// A structure runs past the end of the file or of its enclosing block.
    #[error("truncated {what}: needs {needed} bytes, {available} available")]
    Truncated {
        /// The structure that was cut short.
        what: &'static str,
        /// Bytes it needs.
        needed: u64,
        /// Bytes that were left.
        available: u64,
    },
    /// A classic pcap file whose major version is not 2, or a pcapng section whose major
    /// version is not 1.
    #[error("unsupported format version {major}.{minor}")]
    UnsupportedVersion {
        /// Major version.
        major: u16,
        /// Minor version.
        minor: u16,
    },
    /// A pcapng Section Header Block whose byte-order magic is neither `0x1a2b3c4d` nor its
    /// byte swap.
    #[error("invalid pcapng byte-order magic 0x{0:08x}")]
    BadByteOrderMagic(u32),
    /// A pcapng block whose total length is below 12 or not a multiple of 4.
    #[error("invalid length {length} for pcapng block type 0x{block_type:08x}")]
    BadBlockLength {
        /// The block type.
        block_type: u32,
        /// The declared total length.
        length: u32,
    },
    /// A pcapng block whose trailing length differs from its leading length.
    #[error("pcapng block length mismatch: {leading} at the start, {trailing} at the end")]
    BlockLengthMismatch {
        /// The length at the start of the block.
        leading: u32,
        /// The length at the end of the block.
        trailing: u32,
    },
    /// A pcapng packet block naming an interface its section has not described.
    #[error("packet refers to interface {id}, but the section describes {count} interfaces")]
    UnknownInterface {
        /// The interface ID in the packet block.
        id: u32,
        /// How many Interface Description Blocks the section has so far.
        count: usize,
    },
}

/// A malformed capture file: what was wrong, at which byte offset of the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Error)]
#[error("{kind} at byte {offset}")]
pub struct PcapError {
    /// What was wrong.
    pub kind: PcapErrorKind,
    /// Byte offset in the file of the structure that failed.
    pub offset: u64,
}

impl PcapError {
    fn new(kind: PcapErrorKind, offset: usize) -> Self {
        Self {
            kind,
            offset: to_u64(offset),
        }
    }

    fn truncated(what: &'static str, needed: usize, available: usize, offset: usize) -> Self {
        Self::new(
            PcapErrorKind::Truncated {
                what,
                needed: to_u64(needed),
                available: to_u64(available),
            },
            offset,
        )
    }
}

fn to_u64(n: usize) -> u64 {
    u64::try_from(n).unwrap_or(u64::MAX)
}

fn to_usize(n: u32) -> usize {
    usize::try_from(n).unwrap_or(usize::MAX)
}

/// One captured frame, borrowed from the file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Frame<'a> {
    /// 1-based frame number, counting every packet record or packet block in the file (the
    /// numbering Wireshark shows).
    pub number: u64,
    /// Byte offset of the frame's data in the file.
    pub offset: u64,
    /// The link type of the interface the frame was captured on.
    pub link_type: LinkType,
    /// pcapng interface ID (0 in classic pcap).
    pub interface: u32,
    /// Capture time since the Unix epoch, when the record has one (a pcapng Simple Packet
    /// Block does not) and it is representable.
    pub timestamp: Option<Duration>,
    /// The frame's length on the wire (`data` may be shorter when the capture was
    /// truncated to a snapshot length).
    pub original_len: u32,
    /// The captured bytes, starting with the link-layer header.
    pub data: &'a [u8],
}

#[derive(Debug, Clone, Copy)]
struct Interface {
    link_type: LinkType,
    snaplen: u32,
    /// `if_tsresol`: bit 7 clear means 10^-n seconds, set means 2^-n.
    tsresol: u8,
    /// `if_tsoffset`, seconds.
    tsoffset: i64,
}

#[derive(Debug, Clone)]
enum State {
    Pcap {
        order: ByteOrder,
        nanosecond: bool,
        link_type: LinkType,
    },
    PcapNg {
        order: ByteOrder,
        interfaces: Vec<Interface>,
    },
}

const PCAP_MAGIC_US: u32 = 0xa1b2_c3d4;
const PCAP_MAGIC_NS: u32 = 0xa1b2_3c4d;
const PCAP_HEADER_LEN: usize = 24;
const PCAP_RECORD_LEN: usize = 16;

const BLOCK_SHB: u32 = 0x0a0d_0d0a;
const BLOCK_IDB: u32 = 0x0000_0001;
const BLOCK_PB: u32 = 0x0000_0002;
const BLOCK_SPB: u32 = 0x0000_0003;
const BLOCK_EPB: u32 = 0x0000_0006;
const BYTE_ORDER_MAGIC: u32 = 0x1a2b_3c4d;

const OPT_END: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;

/// Reads the frames of a classic pcap or pcapng file held in memory.
///
/// Iterating yields each frame in file order; after the first error the iterator ends, so
/// everything before a damaged spot is still available. Blocks a reader does not need (name
/// resolution, statistics, custom, ...) are skipped.
#[derive(Debug, Clone)]
pub struct CaptureReader<'a> {
    data: &'a [u8],
    pos: usize,
    state: State,
    next_number: u64,
    done: bool,
}

fn read_u16(data: &[u8], at: usize, order: ByteOrder) -> Option<u16> {
    let bytes: [u8; 2] = data.get(at..at.checked_add(2)?)?.try_into().ok()?;
    Some(match order {
        ByteOrder::Little => u16::from_le_bytes(bytes),
        ByteOrder::Big => u16::from_be_bytes(bytes),
    })
}

fn read_u32(data: &[u8], at: usize, order: ByteOrder) -> Option<u32> {
    let bytes: [u8; 4] = data.get(at..at.checked_add(4)?)?.try_into().ok()?;
    Some(match order {
        ByteOrder::Little => u32::from_le_bytes(bytes),
        ByteOrder::Big => u32::from_be_bytes(bytes),
    })
}

fn read_u64(data: &[u8], at: usize, order: ByteOrder) -> Option<u64> {
    let bytes: [u8; 8] = data.get(at..at.checked_add(8)?)?.try_into().ok()?;
    Some(match order {
        ByteOrder::Little => u64::from_le_bytes(bytes),
        ByteOrder::Big => u64::from_be_bytes(bytes),
    })
}

/// A parsed pcapng block: its type, its body and the offsets needed for errors.
struct Block<'a> {
    block_type: u32,
    /// Absolute offset of the block.
    start: usize,
    /// The body (between the leading length and the trailing length).
    body: &'a [u8],
}

impl Block<'_> {
    /// Absolute file offset of a body position.
    fn at(&self, body_offset: usize) -> usize {
        self.start.saturating_add(8).saturating_add(body_offset)
    }

    /// The body, or a truncation error if it is shorter than `needed`.
    fn require(&self, needed: usize, what: &'static str) -> Result<(), PcapError> {
        if self.body.len() < needed {
            return Err(PcapError::truncated(
                what,
                needed,
                self.body.len(),
                self.at(0),
            ));
        }
        Ok(())
    }
}

impl<'a> CaptureReader<'a> {
    /// Checks the file header (pcap) or the first Section Header Block (pcapng) and returns a
    /// reader positioned at the first record.
    pub fn new(data: &'a [u8]) -> Result<Self, PcapError> {
        let magic = read_u32(data, 0, ByteOrder::Little)
            .ok_or_else(|| PcapError::truncated("file header", 4, data.len(), 0))?;
        let pcap = match magic {
            PCAP_MAGIC_US => Some((ByteOrder::Little, false)),
            PCAP_MAGIC_NS => Some((ByteOrder::Little, true)),
            m if m == PCAP_MAGIC_US.swap_bytes() => Some((ByteOrder::Big, false)),
            m if m == PCAP_MAGIC_NS.swap_bytes() => Some((ByteOrder::Big, true)),
            _ => None,
        };
        if let Some((order, nanosecond)) = pcap {
            if data.len() < PCAP_HEADER_LEN {
                return Err(PcapError::truncated(
                    "pcap file header",
                    PCAP_HEADER_LEN,
                    data.len(),
                    0,
                ));
            }
            let major = read_u16(data, 4, order).unwrap_or_default();
            let minor = read_u16(data, 6, order).unwrap_or_default();
            if major != 2 {
                return Err(PcapError::new(
                    PcapErrorKind::UnsupportedVersion { major, minor },
                    4,
                ));
            }
            // The link type is the low 16 bits; the upper bits carry FCS information.
            let network = read_u32(data, 20, order).unwrap_or_default();
            let link_type = LinkType(u16::try_from(network & 0xffff).unwrap_or_default());
            return Ok(Self {
                data,
                pos: PCAP_HEADER_LEN,
                state: State::Pcap {
                    order,
                    nanosecond,
                    link_type,
                },
                next_number: 1,
                done: false,
            });
        }
        if magic != BLOCK_SHB {
            return Err(PcapError::new(
                PcapErrorKind::UnknownMagic(magic.swap_bytes()),
                0,
            ));
        }
        let mut reader = Self {
            data,
            pos: 0,
            state: State::PcapNg {
                order: ByteOrder::Little,
                interfaces: Vec::new(),
            },
            next_number: 1,
            done: false,
        };
        // Parse the first SHB now so that a broken header fails `new`.
        let block = reader.next_block()?;
        reader.section_header(&block)?;
        Ok(reader)
    }

    /// The file's format.
    pub fn format(&self) -> CaptureFormat {
        match self.state {
            State::Pcap {
                order,
                nanosecond,
                link_type,
            } => CaptureFormat::Pcap {
                byte_order: order,
                nanosecond,
                link_type,
            },
            State::PcapNg { .. } => CaptureFormat::PcapNg,
        }
    }

    fn next_pcap_record(
        &mut self,
        order: ByteOrder,
        nanosecond: bool,
        link_type: LinkType,
    ) -> Result<Option<Frame<'a>>, PcapError> {
        let start = self.pos;
        let rest = self.data.get(start..).unwrap_or_default();
        if rest.is_empty() {
            return Ok(None);
        }
        if rest.len() < PCAP_RECORD_LEN {
            return Err(PcapError::truncated(
                "packet record header",
                PCAP_RECORD_LEN,
                rest.len(),
                start,
            ));
        }
        let secs = read_u32(rest, 0, order).unwrap_or_default();
        let frac = read_u32(rest, 4, order).unwrap_or_default();
        let incl_len = read_u32(rest, 8, order).unwrap_or_default();
        let original_len = read_u32(rest, 12, order).unwrap_or_default();
        let body = rest.get(PCAP_RECORD_LEN..).unwrap_or_default();
        let captured = to_usize(incl_len);
        let data = body.get(..captured).ok_or_else(|| {
            PcapError::truncated(
                "packet data",
                captured,
                body.len(),
                start.saturating_add(PCAP_RECORD_LEN),
            )
        })?;
        let nanos = if nanosecond {
            u64::from(frac)
        } else {
            u64::from(frac).saturating_mul(1000)
        };
        let timestamp =
            Duration::from_secs(u64::from(secs)).saturating_add(Duration::from_nanos(nanos));
        self.pos = start
            .saturating_add(PCAP_RECORD_LEN)
            .saturating_add(captured);
        Ok(Some(self.frame(
            start.saturating_add(PCAP_RECORD_LEN),
            link_type,
            0,
            Some(timestamp),
            original_len,
            data,
        )))
    }

    fn frame(
        &mut self,
        offset: usize,
        link_type: LinkType,
        interface: u32,
        timestamp: Option<Duration>,
        original_len: u32,
        data: &'a [u8],
    ) -> Frame<'a> {
        let number = self.next_number;
        self.next_number = self.next_number.saturating_add(1);
        Frame {
            number,
            offset: to_u64(offset),
            link_type,
            interface,
            timestamp,
            original_len,
            data,
        }
    }

    fn order(&self) -> ByteOrder {
        match &self.state {
            State::Pcap { order, .. } | State::PcapNg { order, .. } => *order,
        }
    }

    /// Reads the block at the current position, checking its framing, and advances past it.
    /// A Section Header Block's byte-order magic is read first, since it decides how the
    /// block's own length is read.
    fn next_block(&mut self) -> Result<Block<'a>, PcapError> {
        let start = self.pos;
        let rest = self.data.get(start..).unwrap_or_default();
        if rest.len() < 8 {
            return Err(PcapError::truncated(
                "pcapng block header",
                8,
                rest.len(),
                start,
            ));
        }
        let mut order = self.order();
        let block_type = read_u32(rest, 0, order).unwrap_or_default();
        if block_type == BLOCK_SHB {
            let bom = read_u32(rest, 8, ByteOrder::Little).ok_or_else(|| {
                PcapError::truncated("section header block", 12, rest.len(), start)
            })?;
            order = if bom == BYTE_ORDER_MAGIC {
                ByteOrder::Little
            } else if bom == BYTE_ORDER_MAGIC.swap_bytes() {
                ByteOrder::Big
            } else {
                return Err(PcapError::new(
                    PcapErrorKind::BadByteOrderMagic(bom),
                    start.saturating_add(8),
                ));
            };
        }
        let length = read_u32(rest, 4, order).unwrap_or_default();
        if length < 12 || !length.is_multiple_of(4) {
            return Err(PcapError::new(
                PcapErrorKind::BadBlockLength { block_type, length },
                start.saturating_add(4),
            ));
        }
        let total = to_usize(length);
        let block = rest
            .get(..total)
            .ok_or_else(|| PcapError::truncated("pcapng block", total, rest.len(), start))?;
        let trailing = read_u32(block, total.saturating_sub(4), order).unwrap_or_default();
        if trailing != length {
            return Err(PcapError::new(
                PcapErrorKind::BlockLengthMismatch {
                    leading: length,
                    trailing,
                },
                start.saturating_add(total).saturating_sub(4),
            ));
        }
        self.pos = start.saturating_add(total);
        Ok(Block {
            block_type,
            start,
            body: block.get(8..total.saturating_sub(4)).unwrap_or_default(),
        })
    }

    /// Starts a new section: byte order from the block, no interfaces yet.
    fn section_header(&mut self, block: &Block<'a>) -> Result<(), PcapError> {
        block.require(16, "section header block")?;
        let order = if read_u32(block.body, 0, ByteOrder::Little) == Some(BYTE_ORDER_MAGIC) {
            ByteOrder::Little
        } else {
            ByteOrder::Big
        };
        let major = read_u16(block.body, 4, order).unwrap_or_default();
        let minor = read_u16(block.body, 6, order).unwrap_or_default();
        if major != 1 {
            return Err(PcapError::new(
                PcapErrorKind::UnsupportedVersion { major, minor },
                block.at(4),
            ));
        }
        self.state = State::PcapNg {
            order,
            interfaces: Vec::new(),
        };
        Ok(())
    }

    fn interface_description(block: &Block<'a>, order: ByteOrder) -> Result<Interface, PcapError> {
        block.require(8, "interface description block")?;
        let mut iface = Interface {
            link_type: LinkType(read_u16(block.body, 0, order).unwrap_or_default()),
            snaplen: read_u32(block.body, 4, order).unwrap_or_default(),
            tsresol: 6,
            tsoffset: 0,
        };
        let mut at = 8usize;
        while let Some(code) = read_u16(block.body, at, order) {
            let len = to_usize(u32::from(read_u16(block.body, at + 2, order).ok_or_else(
                || {
                    PcapError::truncated(
                        "interface option header",
                        4,
                        block.body.len().saturating_sub(at),
                        block.at(at),
                    )
                },
            )?));
            if code == OPT_END {
                break;
            }
            let value_at = at + 4;
            let value = block
                .body
                .get(value_at..value_at.saturating_add(len))
                .ok_or_else(|| {
                    PcapError::truncated(
                        "interface option",
                        len,
                        block.body.len().saturating_sub(value_at),
                        block.at(value_at),
                    )
                })?;
            match (code, value) {
                (OPT_IF_TSRESOL, [resol]) => iface.tsresol = *resol,
                (OPT_IF_TSOFFSET, v) if v.len() == 8 => {
                    let raw = read_u64(v, 0, order).unwrap_or_default();
                    iface.tsoffset = i64::from_ne_bytes(raw.to_ne_bytes());
                }
                _ => {}
            }
            at = value_at.saturating_add(len.next_multiple_of(4));
        }
        Ok(iface)
    }

    fn interface(&self, id: u32, block: &Block<'a>) -> Result<Interface, PcapError> {
        let interfaces = match &self.state {
            State::PcapNg { interfaces, .. } => interfaces.as_slice(),
            State::Pcap { .. } => &[],
        };
        interfaces.get(to_usize(id)).copied().ok_or_else(|| {
            PcapError::new(
                PcapErrorKind::UnknownInterface {
                    id,
                    count: interfaces.len(),
                },
                block.at(0),
            )
        })
    }

    fn next_pcapng_frame(&mut self) -> Result<Option<Frame<'a>>, PcapError> {
        loop {
            if self.pos >= self.data.len() {
                return Ok(None);
            }
            let block = self.next_block()?;
            let order = self.order();
            match block.block_type {
                BLOCK_SHB => self.section_header(&block)?,
                BLOCK_IDB => {
                    let iface = Self::interface_description(&block, order)?;
                    if let State::PcapNg { interfaces, .. } = &mut self.state {
                        interfaces.push(iface);
                    }
                }
                BLOCK_EPB | BLOCK_PB => {
                    let epb = block.block_type == BLOCK_EPB;
                    block.require(
                        20,
                        if epb {
                            "enhanced packet block"
                        } else {
                            "packet block"
                        },
                    )?;
                    let id = if epb {
                        read_u32(block.body, 0, order)
                    } else {
                        read_u16(block.body, 0, order).map(u32::from)
                    }
                    .unwrap_or_default();
                    let iface = self.interface(id, &block)?;
                    let high = read_u32(block.body, 4, order).unwrap_or_default();
                    let low = read_u32(block.body, 8, order).unwrap_or_default();
                    let captured = to_usize(read_u32(block.body, 12, order).unwrap_or_default());
                    let original_len = read_u32(block.body, 16, order).unwrap_or_default();
                    let packet = block.body.get(20..).unwrap_or_default();
                    let data = packet.get(..captured).ok_or_else(|| {
                        PcapError::truncated("packet data", captured, packet.len(), block.at(20))
                    })?;
                    let ts = (u64::from(high) << 32) | u64::from(low);
                    let timestamp = timestamp(ts, iface.tsresol, iface.tsoffset);
                    return Ok(Some(self.frame(
                        block.at(20),
                        iface.link_type,
                        id,
                        timestamp,
                        original_len,
                        data,
                    )));
                }
                BLOCK_SPB => {
                    block.require(4, "simple packet block")?;
                    let iface = self.interface(0, &block)?;
                    let original_len = read_u32(block.body, 0, order).unwrap_or_default();
                    let packet = block.body.get(4..).unwrap_or_default();
                    // The captured length is implied: the original length, cut to the
                    // interface's snapshot length (0 means unlimited) and to the block.
                    let mut captured = to_usize(original_len).min(packet.len());
                    if iface.snaplen != 0 {
                        captured = captured.min(to_usize(iface.snaplen));
                    }
                    let data = packet.get(..captured).unwrap_or_default();
                    return Ok(Some(self.frame(
                        block.at(4),
                        iface.link_type,
                        0,
                        None,
                        original_len,
                        data,
                    )));
                }
                _ => {}
            }
        }
    }
}

/// Converts a pcapng timestamp in interface units to a time since the epoch.
fn timestamp(units: u64, tsresol: u8, tsoffset: i64) -> Option<Duration> {
    const NANOS: u128 = 1_000_000_000;
    let units = u128::from(units);
    let exponent = u32::from(tsresol & 0x7f);
    let nanos = if tsresol & 0x80 == 0 {
        if exponent <= 9 {
            units.checked_mul(10u128.checked_pow(9 - exponent)?)?
        } else {
            // A divisor beyond u128 exceeds any u64 count of units: the result is 0.
            units / 10u128.checked_pow(exponent - 9).unwrap_or(u128::MAX)
        }
    } else {
        units.checked_mul(NANOS)?.checked_shr(exponent)?
    };
    let total = i128::try_from(nanos)
        .ok()?
        .checked_add(i128::from(tsoffset).checked_mul(1_000_000_000)?)?;
    let total = u128::try_from(total).ok()?;
    let secs = u64::try_from(total / NANOS).ok()?;
    let subsec = u32::try_from(total % NANOS).ok()?;
    Some(Duration::new(secs, subsec))
}

impl<'a> Iterator for CaptureReader<'a> {
    type Item = Result<Frame<'a>, PcapError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        let result = match self.state {
            State::Pcap {
                order,
                nanosecond,
                link_type,
            } => self.next_pcap_record(order, nanosecond, link_type),
            State::PcapNg { .. } => self.next_pcapng_frame(),
        };
        match result {
            Ok(Some(frame)) => Some(Ok(frame)),
            Ok(None) => {
                self.done = true;
                None
            }
            Err(e) => {
                self.done = true;
                Some(Err(e))
            }
        }
    }
}

impl std::iter::FusedIterator for CaptureReader<'_> {}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    #[test]
    fn timestamps_in_every_resolution() {
        assert_eq!(
            timestamp(1_500_000, 6, 0),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(
            timestamp(1_500_000_000, 9, 0),
            Some(Duration::from_millis(1500))
        );
        assert_eq!(timestamp(15, 1, 0), Some(Duration::from_millis(1500)));
        assert_eq!(timestamp(3, 0x81, 0), Some(Duration::from_millis(1500)));
        assert_eq!(
            timestamp(1_500_000, 6, 10),
            Some(Duration::from_millis(11_500))
        );
        assert_eq!(timestamp(1_500_000, 6, -10), None);
        assert_eq!(timestamp(u64::MAX, 127, 0), Some(Duration::ZERO));
        assert_eq!(timestamp(u64::MAX, 0xff, 0), Some(Duration::ZERO));
        assert!(timestamp(u64::MAX, 0, 0).is_some());
    }

    #[test]
    fn rejects_unknown_magic_and_short_files() {
        assert_eq!(
            CaptureReader::new(b"\x30\x29\x02\x01").unwrap_err().kind,
            PcapErrorKind::UnknownMagic(0x3029_0201)
        );
        assert!(matches!(
            CaptureReader::new(b"\xd4\xc3").unwrap_err().kind,
            PcapErrorKind::Truncated { .. }
        ));
        assert!(matches!(
            CaptureReader::new(b"\xd4\xc3\xb2\xa1\x02\x00")
                .unwrap_err()
                .kind,
            PcapErrorKind::Truncated {
                needed: 24,
                available: 6,
                ..
            }
        ));
    }
}
