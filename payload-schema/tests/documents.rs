//! Every sample document: writes, reads back equal, validates with our checks and with
//! xmllint against the shipped XSDs.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use fleetwire_payload::internal::sample_documents;
use fleetwire_payload::{Document, PayloadKind, validate};

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
    let docs = sample_documents();
    common::assert_xsd_valid(&docs.iter().collect::<Vec<_>>());
}
