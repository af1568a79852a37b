//! Shared by the integration tests: checking documents with xmllint against the shipped XSDs.
#![allow(dead_code, clippy::unwrap_used, clippy::panic)]

use std::process::Command;

use fleetwire_payload::{Document, xsd};

/// Checks each document with `xmllint --schema` against its kind's XSD (skipped, loudly, when
/// xmllint is missing outside CI); panics with xmllint's message on the first failure.
pub(crate) fn assert_xsd_valid(docs: &[&Document]) {
    if !fleetwire_testkit::require_tool("xmllint") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (i, doc) in docs.iter().enumerate() {
        let xml = doc.to_xml().unwrap();
        let schema = xsd::write_all(dir.path(), doc.kind()).unwrap();
        let file = dir.path().join(format!("{i}.xml"));
        std::fs::write(&file, &xml).unwrap();
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .arg(&file)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{} document {i} fails its XSD:\n{}\n{xml}",
            doc.kind(),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}
