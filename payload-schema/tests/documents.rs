//! Every sample document: writes, reads back equal, validates with our checks and with
//! xmllint against the shipped XSDs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::path::Path;
use std::process::Command;

use fleetwire_payload::internal::sample_documents;
use fleetwire_payload::{Document, PayloadKind, validate, xsd};

/// Runs xmllint on `xml` against `kind`'s XSD; returns its stderr on failure.
pub fn xmllint(dir: &Path, kind: PayloadKind, name: &str, xml: &[u8]) -> Result<(), String> {
    let schema = xsd::write_all(dir, kind).unwrap();
    let file = dir.join(name);
    std::fs::write(&file, xml).unwrap();
    let out = Command::new("xmllint")
        .arg("--noout")
        .arg("--schema")
        .arg(&schema)
        .arg(&file)
        .output()
        .unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn samples_cover_every_kind() {
    let docs = sample_documents();
    for kind in PayloadKind::ALL {
        assert!(docs.iter().any(|d| d.kind() == kind), "no sample of {kind}");
    }
}

#[test]
fn samples_round_trip() {
    for doc in sample_documents() {
        let xml = doc.to_xml().unwrap();
        let parsed = Document::from_xml(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
        assert!(parsed.unknown.is_empty(), "{:?}", parsed.unknown);
        assert_eq!(parsed.document, doc, "{xml}");
        assert_eq!(parsed.document.to_xml().unwrap(), xml);
        let report = validate(xml.as_bytes()).unwrap();
        assert_eq!(report.kind, doc.kind());
    }
}

#[test]
fn samples_validate_with_xmllint() {
    if !fleetwire_testkit::require_tool("xmllint") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (i, doc) in sample_documents().iter().enumerate() {
        let xml = doc.to_xml().unwrap();
        if let Err(e) = xmllint(dir.path(), doc.kind(), &format!("{i}.xml"), xml.as_bytes()) {
            panic!("{} sample {i} fails its XSD:\n{e}\n{xml}", doc.kind());
        }
    }
}
