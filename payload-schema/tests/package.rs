//! Zip packages: streaming write, manifest digests, and the limits that refuse zip bombs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Cursor, Write};

use fleetwire_payload::internal::{
    sample_agent, sample_device, sample_documents, sample_package, sample_time,
};
use fleetwire_payload::package::{EntryInfo, add_agent_stream};
use fleetwire_payload::*;
use zip::write::SimpleFileOptions;

fn open(bytes: Vec<u8>) -> Result<PackageReader<Cursor<Vec<u8>>>, PackageError> {
    PackageReader::open(Cursor::new(bytes), Limits::default())
}

#[test]
fn package_round_trip() {
    let bytes = sample_package().unwrap();
    let mut r = open(bytes.clone()).unwrap();
    let docs: Vec<Document> = sample_documents()
        .into_iter()
        .filter(|d| d.kind() != PayloadKind::Manifest)
        .collect();
    assert_eq!(r.manifest().entry.len(), docs.len());
    let infos: Vec<EntryInfo> = r.verify().unwrap();
    for (info, doc) in infos.iter().zip(&docs) {
        assert_eq!(info.entry.kind, doc.kind());
        let xml = doc.to_xml().unwrap();
        assert_eq!(info.entry.size, xml.len() as u64);
        assert_eq!(info.entry.sha256, Sha256::digest(xml.as_bytes()));
        assert!(info.compressed_size < info.entry.size);
        assert_eq!(
            r.read_document(info.entry.name.as_str()).unwrap().document,
            *doc
        );
    }
    // Deterministic: the same documents give the same bytes.
    assert_eq!(sample_package().unwrap(), bytes);
}

#[test]
fn streamed_agent_entry_reads_back() {
    let mut w = PackageWriter::new(Cursor::new(Vec::new()), sample_time());
    let policy = BuildPolicy::default();
    let entry = add_agent_stream(
        &mut w,
        "agent.xml",
        sample_time(),
        sample_agent(50),
        (0..50).map(sample_device),
        &policy,
    )
    .unwrap();
    let (zip, manifest) = w.finish().unwrap();
    assert_eq!(manifest.entry, [entry]);
    let mut r = open(zip.into_inner()).unwrap();
    let Document::Agent(agent) = r.read_document("agent.xml").unwrap().document else {
        panic!()
    };
    assert_eq!(agent.device.len(), 50);
    assert_eq!(agent.device[49], sample_device(49));
}

#[test]
fn writer_refuses_bad_names_and_rule_breakers() {
    let mut w = PackageWriter::new(Cursor::new(Vec::new()), sample_time());
    for bad in [
        "",
        "../x.xml",
        "/abs.xml",
        "dir/x.xml",
        ".hidden",
        "manifest.xml",
        "a b.xml",
    ] {
        assert!(w.start_entry(bad, PayloadKind::Office).is_err(), "{bad}");
    }
    let doc = &sample_documents()[0];
    w.add_document("a.xml", doc).unwrap();
    assert!(matches!(
        w.add_document("a.xml", doc),
        Err(PackageError::DuplicateEntry(_))
    ));
    let Document::Office(mut p) = doc.clone() else {
        panic!()
    };
    p.consent = Consent::NONE;
    assert!(matches!(
        w.add_document("b.xml", &Document::Office(p)),
        Err(PackageError::Write {
            source: WriteError::Rules(_),
            ..
        })
    ));
}

/// A zip written with the zip crate directly (so it can break our rules).
fn raw_zip(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (name, data) in entries {
        z.start_file(
            *name,
            SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated),
        )
        .unwrap();
        z.write_all(data).unwrap();
    }
    z.finish().unwrap().into_inner()
}

fn manifest_for(entries: &[(&str, &[u8])]) -> Vec<u8> {
    let m = Manifest {
        namespace: Namespace,
        schema_version: SchemaVersion::CURRENT,
        created: sample_time(),
        entry: entries
            .iter()
            .map(|(n, d)| ManifestEntry {
                name: n.parse().unwrap(),
                kind: PayloadKind::Office,
                size: d.len() as u64,
                sha256: Sha256::digest(d),
            })
            .collect(),
    };
    Document::Manifest(Box::new(m))
        .to_xml()
        .unwrap()
        .into_bytes()
}

#[test]
fn zip_bomb_is_refused_before_inflating() {
    let zeros = vec![0u8; 20 << 20];
    let manifest = manifest_for(&[("bomb.xml", &zeros)]);
    let bytes = raw_zip(&[("bomb.xml", &zeros), ("manifest.xml", &manifest)]);
    assert!(bytes.len() < 100_000);
    let err = open(bytes).unwrap_err();
    assert!(
        matches!(err, PackageError::CompressionRatio { ref entry, ratio, max: 200 } if entry == "bomb.xml" && ratio > 500),
        "{err}"
    );
    assert!(err.to_string().contains("zip bomb"));
}

#[test]
fn limits_on_count_and_total_size() {
    let data = b"<x/>".to_vec();
    let names: Vec<String> = (0..5).map(|i| format!("e{i}.xml")).collect();
    let mut entries: Vec<(&str, &[u8])> = names.iter().map(|n| (n.as_str(), &data[..])).collect();
    let manifest = manifest_for(&entries);
    entries.push(("manifest.xml", &manifest));
    let bytes = raw_zip(&entries);
    let few = Limits {
        max_entries: 5,
        ..Limits::default()
    };
    assert!(matches!(
        PackageReader::open(Cursor::new(bytes.clone()), few),
        Err(PackageError::TooManyEntries { count: 6, max: 5 })
    ));
    let small = Limits {
        max_total_size: 16,
        ..Limits::default()
    };
    assert!(matches!(
        PackageReader::open(Cursor::new(bytes.clone()), small),
        Err(PackageError::TooLarge { .. })
    ));
    let mut r = open(bytes).unwrap();
    assert_eq!(r.verify().unwrap().len(), 5);
}

#[test]
fn manifest_mismatches_are_refused() {
    let a: &[u8] = b"<a/>";
    let b: &[u8] = b"<b/>";
    // Digest: the manifest describes b's bytes (same size) under a's name.
    let manifest = manifest_for(&[("a.xml", b)]);
    let mut r = open(raw_zip(&[("a.xml", a), ("manifest.xml", &manifest)])).unwrap();
    assert!(matches!(r.verify(), Err(PackageError::Digest { .. })));
    assert!(matches!(
        r.read_entry("a.xml"),
        Err(PackageError::Digest { .. })
    ));
    // Unlisted, missing, no manifest.
    let m = manifest_for(&[("a.xml", a)]);
    assert!(matches!(
        open(raw_zip(&[("a.xml", a), ("b.xml", b), ("manifest.xml", &m)])),
        Err(PackageError::UnlistedEntry(n)) if n == "b.xml"
    ));
    let m = manifest_for(&[("a.xml", a), ("c.xml", a)]);
    assert!(
        matches!(open(raw_zip(&[("a.xml", a), ("manifest.xml", &m)])), Err(PackageError::MissingEntry(n)) if n == "c.xml")
    );
    assert!(matches!(
        open(raw_zip(&[("a.xml", a)])),
        Err(PackageError::MissingManifest)
    ));
    // Path traversal.
    let m = manifest_for(&[]);
    assert!(matches!(
        open(raw_zip(&[("../a.xml", a), ("manifest.xml", &m)])),
        Err(PackageError::EntryName(_))
    ));
    // Not a zip.
    assert!(matches!(
        open(b"not a zip".to_vec()),
        Err(PackageError::Zip(_))
    ));
}

#[test]
fn an_entry_larger_than_declared_is_refused() {
    let data = vec![b'x'; 4000];
    let m = manifest_for(&[("a.xml", &data)]);
    let mut bytes = raw_zip(&[("a.xml", &data), ("manifest.xml", &m)]);
    // Shrink the declared uncompressed size of a.xml (local header offset 22, central
    // directory offset 24) from 4000 to 100.
    let patch = |bytes: &mut Vec<u8>, sig: [u8; 4], off: usize| {
        let pos = bytes.windows(4).position(|w| w == sig).unwrap();
        bytes[pos + off..pos + off + 4].copy_from_slice(&100u32.to_le_bytes());
    };
    patch(&mut bytes, [0x50, 0x4b, 0x03, 0x04], 22);
    patch(&mut bytes, [0x50, 0x4b, 0x01, 0x02], 24);
    let mut r = open(bytes).unwrap();
    let err = r.read_entry("a.xml").unwrap_err();
    // The zip crate notices first (and our own cap stands behind it).
    assert!(
        matches!(&err, PackageError::SizeMismatch { declared: 100, .. })
            || matches!(&err, PackageError::Inflate { entry, source } if entry == "a.xml" && source.to_string().contains("larger")),
        "{err}"
    );
    assert!(r.verify().is_err());
}
