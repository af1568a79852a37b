//! The package writer's output is pinned: serialization and compression run on two threads,
//! and the zip must still be byte for byte what the single-threaded writer produced.
//!
//! Two pins: SHA-256 digests of whole packages recorded from the single-threaded writer
//! (commit 83e802a) before the pipeline existed, and an independent reconstruction with a bare
//! `zip::ZipWriter` fed the XML in arbitrary chunk sizes.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{self, Cursor, Seek, SeekFrom, Write};

use fleetwire_payload::internal::{sample_agent, sample_device, sample_package, sample_time};
use fleetwire_payload::package::add_agent_stream;
use fleetwire_payload::*;
use proptest::prelude::*;
use zip::write::SimpleFileOptions;

fn agent_package(devices: u32, policy: &BuildPolicy) -> Vec<u8> {
    let mut w = PackageWriter::new(Cursor::new(Vec::new()), sample_time());
    add_agent_stream(
        &mut w,
        "agent.xml",
        sample_time(),
        sample_agent(u64::from(devices)),
        (0..devices).map(sample_device),
        policy,
    )
    .unwrap();
    w.finish().unwrap().0.into_inner()
}

fn locked_down() -> BuildPolicy {
    BuildPolicy {
        mode: SecurityMode::LockedDown,
        consent: Consent::NONE,
    }
}

/// Digests of packages written by the single-threaded writer at commit 83e802a.
#[test]
fn packages_are_byte_identical_to_the_single_threaded_writer() {
    let cases: [(&str, Vec<u8>, &str); 5] = [
        (
            "agent-0",
            agent_package(0, &BuildPolicy::default()),
            "7cc63075713a3d8d976393560249a749904b26deb28be30ddeaf2b5606e5e9a0",
        ),
        (
            "agent-1",
            agent_package(1, &BuildPolicy::default()),
            "ece7f4550e2e4c2c1240ef9d7505e2bc3d681a985ab28f3ddaa5f185dca00487",
        ),
        (
            "agent-2000 (the bench payload)",
            agent_package(2000, &BuildPolicy::default()),
            "06741013fa9a24b30287bbb83af92176eef0b074197303661c301d562a8ab777",
        ),
        (
            "agent-300 locked down",
            agent_package(300, &locked_down()),
            "93c59e94413a4806b4b01dabe2abc5e82ceebe4eb9b1169efa5dd02d61106da4",
        ),
        (
            "sample_package (every document kind)",
            sample_package().unwrap(),
            "c6c2a0d633fc2115934ced3fc07767160f12b6f84de4381229ec6297118d66cd",
        ),
    ];
    for (what, zip, expected) in cases {
        assert_eq!(Sha256::digest(&zip).to_string(), expected, "{what}");
    }
}

/// The same package written with a bare `zip::ZipWriter` (the options `PackageWriter`
/// documents: deflate level 6, fixed 1980 timestamps), the XML fed in `chunk`-byte writes.
fn reference_package(xml: &[u8], chunk: usize) -> Vec<u8> {
    let options = SimpleFileOptions::default()
        .compression_method(zip::CompressionMethod::Deflated)
        .compression_level(Some(6));
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    zip.start_file("agent.xml", options).unwrap();
    for part in xml.chunks(chunk.max(1)) {
        zip.write_all(part).unwrap();
    }
    let manifest = Document::Manifest(Box::new(Manifest {
        namespace: Namespace,
        schema_version: SchemaVersion::CURRENT,
        created: sample_time(),
        entry: vec![ManifestEntry {
            name: "agent.xml".parse().unwrap(),
            kind: PayloadKind::Agent,
            size: xml.len() as u64,
            sha256: Sha256::digest(xml),
        }],
    }));
    zip.start_file(MANIFEST, options).unwrap();
    zip.write_all(manifest.to_xml().unwrap().as_bytes())
        .unwrap();
    zip.finish().unwrap().into_inner()
}

const MANIFEST: &str = fleetwire_payload::package::MANIFEST_NAME;

fn agent_xml(devices: u32, policy: &BuildPolicy) -> Vec<u8> {
    let doc = Document::Agent(Box::new(AgentPayload::build(
        sample_time(),
        sample_agent(u64::from(devices)),
        (0..devices).map(sample_device).collect(),
        vec![],
        vec![],
        policy,
    )));
    doc.to_xml().unwrap().into_bytes()
}

#[test]
fn bench_payload_matches_a_bare_zip_writer() {
    let xml = agent_xml(2000, &BuildPolicy::default());
    assert_eq!(
        agent_package(2000, &BuildPolicy::default()),
        reference_package(&xml, xml.len())
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(24))]

    /// Any fleet size, either mode, and however the reference splits its writes: the
    /// package is the bare zip writer's bytes.
    #[test]
    fn agent_packages_match_a_bare_zip_writer(
        devices in 0u32..120,
        locked in any::<bool>(),
        chunk in 1usize..200_000,
    ) {
        let policy = if locked { locked_down() } else { BuildPolicy::default() };
        let xml = agent_xml(devices, &policy);
        prop_assert_eq!(agent_package(devices, &policy), reference_package(&xml, chunk));
    }
}

/// A writer that fails once `budget` bytes have been written.
struct Failing {
    inner: Cursor<Vec<u8>>,
    budget: usize,
}

impl Write for Failing {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if self.inner.get_ref().len() + buf.len() > self.budget {
            return Err(io::Error::other("disk full"));
        }
        self.inner.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Seek for Failing {
    fn seek(&mut self, pos: SeekFrom) -> io::Result<u64> {
        self.inner.seek(pos)
    }
}

/// A failing sink stops the write with its error (no hang, no panic), wherever it fails.
#[test]
fn sink_errors_come_back_as_errors() {
    for budget in [0, 10, 100, 5_000, 40_000, 200_000] {
        let mut w = PackageWriter::new(
            Failing {
                inner: Cursor::new(Vec::new()),
                budget,
            },
            sample_time(),
        );
        let result = add_agent_stream(
            &mut w,
            "agent.xml",
            sample_time(),
            sample_agent(2000),
            (0..2000).map(sample_device),
            &BuildPolicy::default(),
        )
        .and_then(|_| w.finish().map(|_| ()));
        let err = result.expect_err("the sink is full");
        assert!(err.to_string().contains("disk full"), "{budget}: {err}");
    }
}
