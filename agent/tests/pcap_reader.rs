//! The capture reader on hand-built pcapng/pcap files: structure errors with their offsets,
//! and a property test that truncated or mutated captures never panic the reader, the
//! dissector, the codec or the renderers.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;

use std::time::Duration;

use common::{PcapNg, classic_pcap, ethernet, ip_udp, null_loopback, sll, sll2};
use fleetwire::pcap::{
    ByteOrder, CaptureFormat, CaptureReader, Frame, LinkType, PcapErrorKind, udp_datagram,
};
use fleetwire_snmp::{CommunityMessage, GenericPdu, Message, Oid, Pdu, VarBind};
use proptest::prelude::*;

fn snmp(id: i32) -> Vec<u8> {
    let oid: Oid<'static> = "1.3.6.1.2.1.1.1.0".parse().unwrap();
    Message::V2c(CommunityMessage {
        community: b"public"[..].into(),
        pdu: Pdu::GetRequest(GenericPdu::new(id, vec![VarBind::null(oid)])),
    })
    .to_vec()
}

fn frames(file: &[u8]) -> Vec<Frame<'_>> {
    CaptureReader::new(file)
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn simple_ng(big: bool) -> Vec<u8> {
    let mut ng = PcapNg::new(big);
    ng.interface(101, 0, Some(3)); // milliseconds
    ng.epb(
        0,
        1_700_000_000_123,
        &ip_udp("10.0.0.1:1", "10.0.0.2:161", &snmp(1)),
    );
    ng.finish()
}

#[test]
fn pcapng_frames_timestamps_and_formats() {
    for big in [false, true] {
        let file = simple_ng(big);
        let reader = CaptureReader::new(&file).unwrap();
        assert_eq!(reader.format(), CaptureFormat::PcapNg);
        let f = frames(&file);
        assert_eq!(f.len(), 1);
        assert_eq!(f[0].number, 1);
        assert_eq!(f[0].link_type, LinkType::RAW);
        assert_eq!(
            f[0].timestamp,
            Some(Duration::from_millis(1_700_000_000_123))
        );
        let d = udp_datagram(f[0].link_type, f[0].data).unwrap().unwrap();
        assert_eq!(d.payload, snmp(1));
        // The offset points at the frame's bytes in the file.
        let at = f[0].offset as usize;
        assert_eq!(&file[at..at + f[0].data.len()], f[0].data);
    }
    let classic = classic_pcap(
        true,
        true,
        1,
        &[(
            5,
            7,
            &ethernet(&ip_udp("10.0.0.1:1", "10.0.0.2:161", b"x"), 0)[..],
        )],
    );
    let reader = CaptureReader::new(&classic).unwrap();
    assert_eq!(
        reader.format(),
        CaptureFormat::Pcap {
            byte_order: ByteOrder::Big,
            nanosecond: true,
            link_type: LinkType::ETHERNET
        }
    );
    let f = frames(&classic);
    assert_eq!(f[0].timestamp, Some(Duration::new(5, 7)));
    assert_eq!(f[0].original_len as usize, f[0].data.len() + 4);
}

#[test]
fn pcapng_simple_packet_block_respects_snaplen() {
    let packet = ip_udp("10.0.0.1:1", "10.0.0.2:161", &snmp(1));
    let mut ng = PcapNg::new(false);
    ng.interface(101, 30, None);
    ng.spb(&packet);
    let file = ng.finish();
    let f = frames(&file);
    assert_eq!(f[0].data.len(), 30);
    assert_eq!(f[0].original_len as usize, packet.len());
    assert_eq!(f[0].timestamp, None);
    // The dissector reports the snapped packet as truncated.
    assert!(matches!(
        udp_datagram(f[0].link_type, f[0].data).unwrap_err().kind,
        fleetwire::pcap::PacketErrorKind::Truncated { .. }
    ));
}

fn first_error(file: &[u8]) -> fleetwire::pcap::PcapError {
    match CaptureReader::new(file) {
        Err(e) => e,
        Ok(mut r) => r.find_map(Result::err).expect("an error"),
    }
}

#[test]
fn pcapng_structure_errors_carry_offsets() {
    let good = simple_ng(false);
    // SHB is 28 + 24 bytes of options... find the IDB: the second block.
    let shb_len = u32::from_le_bytes(good[4..8].try_into().unwrap()) as usize;

    // Bad byte-order magic.
    let mut f = good.clone();
    f[8] = 0x00;
    let e = first_error(&f);
    assert_eq!(
        (e.kind, e.offset),
        (PcapErrorKind::BadByteOrderMagic(0x1a2b_3c00), 8)
    );

    // Unsupported SHB major version.
    let mut f = good.clone();
    f[12] = 2;
    assert_eq!(
        first_error(&f).kind,
        PcapErrorKind::UnsupportedVersion { major: 2, minor: 0 }
    );

    // Block length not a multiple of 4, and below 12.
    for bad in [13u32, 8] {
        let mut f = good.clone();
        f[shb_len + 4..shb_len + 8].copy_from_slice(&bad.to_le_bytes());
        let e = first_error(&f);
        assert_eq!(
            (e.kind, e.offset),
            (
                PcapErrorKind::BadBlockLength {
                    block_type: 1,
                    length: bad
                },
                (shb_len + 4) as u64
            )
        );
    }

    // Trailing length differs.
    let mut f = good.clone();
    let idb_len = u32::from_le_bytes(f[shb_len + 4..shb_len + 8].try_into().unwrap()) as usize;
    let trailer = shb_len + idb_len - 4;
    f[trailer] ^= 0x40;
    let e = first_error(&f);
    assert!(matches!(e.kind, PcapErrorKind::BlockLengthMismatch { .. }));
    assert_eq!(e.offset, trailer as u64);

    // Block length larger than the file: truncated, capped to what is there.
    let mut f = good.clone();
    f[shb_len + 4..shb_len + 8].copy_from_slice(&0xffff_fff0u32.to_le_bytes());
    let e = first_error(&f);
    assert_eq!(
        (e.kind, e.offset),
        (
            PcapErrorKind::Truncated {
                what: "pcapng block",
                needed: 0xffff_fff0,
                available: (good.len() - shb_len) as u64
            },
            shb_len as u64
        )
    );

    // A packet on an interface the section has not described.
    let mut ng = PcapNg::new(true);
    ng.interface(101, 0, None);
    ng.epb(1, 0, b"x");
    let e = first_error(&ng.finish());
    assert_eq!(e.kind, PcapErrorKind::UnknownInterface { id: 1, count: 1 });

    // A simple packet block before any interface.
    let mut ng = PcapNg::new(false);
    ng.spb(b"x");
    assert_eq!(
        first_error(&ng.finish()).kind,
        PcapErrorKind::UnknownInterface { id: 0, count: 0 }
    );

    // An EPB whose captured length exceeds its block.
    let mut f = good.clone();
    let epb = shb_len + idb_len;
    f[epb + 20..epb + 24].copy_from_slice(&1000u32.to_le_bytes());
    let e = first_error(&f);
    assert!(
        matches!(
            e.kind,
            PcapErrorKind::Truncated {
                what: "packet data",
                needed: 1000,
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.offset, (epb + 28) as u64);

    // Frames before the damage are still read.
    let mut ng = PcapNg::new(false);
    ng.interface(101, 0, None);
    ng.epb(0, 0, &ip_udp("10.0.0.1:1", "10.0.0.2:161", &snmp(1)));
    let mut file = ng.finish();
    file.extend_from_slice(&[6, 0, 0, 0, 0xff]);
    let results: Vec<_> = CaptureReader::new(&file).unwrap().collect();
    assert_eq!(results.len(), 2);
    assert!(results[0].is_ok());
    assert!(
        matches!(results[1], Err(ref e) if matches!(e.kind, PcapErrorKind::Truncated { what: "pcapng block header", .. }))
    );
}

#[test]
fn classic_pcap_errors() {
    let mut f = classic_pcap(false, false, 101, &[]);
    f[4] = 3;
    assert_eq!(
        first_error(&f).kind,
        PcapErrorKind::UnsupportedVersion { major: 3, minor: 4 }
    );
    let f = classic_pcap(false, false, 101, &[(0, 0, &[1, 2, 3][..])]);
    let e = first_error(&f[..f.len() - 1]);
    assert_eq!(
        (e.kind, e.offset),
        (
            PcapErrorKind::Truncated {
                what: "packet data",
                needed: 3,
                available: 2
            },
            40
        )
    );
    let e = first_error(&f[..30]);
    assert_eq!(
        (e.kind, e.offset),
        (
            PcapErrorKind::Truncated {
                what: "packet record header",
                needed: 16,
                available: 6
            },
            24
        )
    );
    // An empty capture has no frames and no error.
    assert_eq!(CaptureReader::new(&f[..24]).unwrap().count(), 0);
}

/// Captures covering every format and link type the reader handles.
fn corpus() -> Vec<Vec<u8>> {
    let v4 = ip_udp("192.0.2.1:40000", "192.0.2.2:161", &snmp(1));
    let v6 = ip_udp("[2001:db8::1]:40001", "[2001:db8::2]:162", &snmp(2));
    let mut out = vec![
        std::fs::read(
            std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
                .join(fleetwire::sample::PRINTER_SESSION_PATH),
        )
        .unwrap(),
    ];
    for big in [false, true] {
        let mut ng = PcapNg::new(big);
        ng.interface(1, 0, Some(9));
        ng.interface(276, 128, Some(0x83));
        ng.interface(0, 0, None);
        ng.interface(113, 0, None);
        ng.epb(0, 1, &ethernet(&v4, 2));
        ng.epb(1, 2, &sll2(&v6));
        ng.epb(2, 3, &null_loopback(&v4, big));
        ng.epb(3, 4, &sll(&v6));
        ng.spb(&ethernet(&v6, 1));
        ng.pb(0, 5, &ethernet(&v4, 0));
        ng.section(!big);
        ng.interface(229, 0, None);
        ng.epb(0, 6, &v6);
        out.push(ng.finish());
        out.push(classic_pcap(
            big,
            big,
            1,
            &[(1, 2, &ethernet(&v4, 1)[..]), (3, 4, &ethernet(&v6, 0))],
        ));
    }
    out
}

/// Everything `fleetwire decode --pcap` does with a capture, minus the file I/O.
fn full_pipeline(file: &[u8]) {
    let Ok(reader) = CaptureReader::new(file) else {
        return;
    };
    let mut count = 0usize;
    for frame in reader {
        let Ok(frame) = frame else { break };
        count += 1;
        assert!(
            count <= file.len() / 12 + 1,
            "the reader must always make progress"
        );
        assert!(frame.offset as usize + frame.data.len() <= file.len());
        let Ok(Some(d)) = udp_datagram(frame.link_type, frame.data) else {
            continue;
        };
        assert!(d.payload_offset + d.payload.len() <= frame.data.len());
        for lenient in [false, true] {
            if let Ok((msg, anomalies)) = fleetwire::decode::decode_message(d.payload, lenient) {
                let _ = fleetwire::json::message_to_json(&msg).to_string();
                let _ = fleetwire::text::message_to_text(&msg);
                let _ = fleetwire::json::anomalies_to_json(&anomalies);
            }
        }
    }
}

#[test]
fn corpus_decodes_cleanly() {
    let corpus = corpus();
    for file in &corpus[1..] {
        let n = CaptureReader::new(file)
            .unwrap()
            .map(Result::unwrap)
            .filter(|f| udp_datagram(f.link_type, f.data).unwrap().is_some())
            .count();
        assert!(n >= 2);
    }
    for file in &corpus {
        full_pipeline(file);
    }
}

#[test]
fn every_truncation_of_the_corpus_is_handled() {
    for file in corpus() {
        for cut in 0..file.len() {
            full_pipeline(&file[..cut]);
            // Errors always point inside the file.
            if let Err(e) = CaptureReader::new(&file[..cut]) {
                assert!(e.offset as usize <= cut);
            } else if let Some(e) = CaptureReader::new(&file[..cut])
                .unwrap()
                .find_map(Result::err)
            {
                assert!(e.offset as usize <= cut, "{e} (cut {cut})");
            }
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn mutated_captures_never_panic(
        which in 0usize..5,
        cut in any::<prop::sample::Index>(),
        mutations in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 0..12),
    ) {
        let corpus = corpus();
        let mut file = corpus[which % corpus.len()].clone();
        for (at, byte) in mutations {
            let i = at.index(file.len());
            file[i] = byte;
        }
        let len = cut.index(file.len() + 1);
        full_pipeline(&file[..len]);
    }

    #[test]
    fn random_bytes_after_a_magic_never_panic(
        magic in prop::sample::select(vec![
            0xa1b2_c3d4u32.to_le_bytes(), 0xa1b2_c3d4u32.to_be_bytes(),
            0xa1b2_3c4du32.to_le_bytes(), 0x0a0d_0d0au32.to_le_bytes(),
        ]),
        rest in prop::collection::vec(any::<u8>(), 0..400),
    ) {
        let mut file = magic.to_vec();
        file.extend_from_slice(&rest);
        full_pipeline(&file);
    }

    #[test]
    fn random_frames_never_panic_the_dissector(
        link in prop::sample::select(vec![0u16, 1, 101, 113, 228, 229, 276, 147]),
        data in prop::collection::vec(any::<u8>(), 0..200),
    ) {
        let _ = udp_datagram(LinkType(link), &data);
    }
}
