//! Property tests over arbitrary payloads of every kind (feature `arbitrary`): XML -> types ->
//! XML is the identity, and what we write validates against the shipped XSDs with xmllint.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeMap;
use std::process::Command;

use arbitrary::Unstructured;
use fleetwire_payload::*;
use proptest::prelude::*;
use proptest::strategy::ValueTree as _;

fn arbitrary_document(u: &mut Unstructured<'_>) -> arbitrary::Result<Document> {
    Ok(match u.choose(&PayloadKind::ALL)? {
        PayloadKind::Office => Document::Office(u.arbitrary()?),
        PayloadKind::Production => Document::Production(u.arbitrary()?),
        PayloadKind::Agent => Document::Agent(u.arbitrary()?),
        PayloadKind::Site => Document::Site(u.arbitrary()?),
        PayloadKind::Registration => Document::Registration(u.arbitrary()?),
        PayloadKind::ActionRequest => Document::ActionRequest(u.arbitrary()?),
        PayloadKind::ActionResult => Document::ActionResult(u.arbitrary()?),
        PayloadKind::Transactions => Document::Transactions(u.arbitrary()?),
        PayloadKind::Threshold => Document::Threshold(u.arbitrary()?),
        PayloadKind::Manifest => Document::Manifest(u.arbitrary()?),
    })
}

/// A document that keeps the rules, from `bytes` (`None` if the bytes run out or the
/// arbitrary document breaks a rule: writing it must then fail).
fn document(bytes: &[u8]) -> Option<Document> {
    let doc = arbitrary_document(&mut Unstructured::new(bytes)).ok()?;
    if doc.check_rules().is_empty() {
        Some(doc)
    } else {
        assert!(matches!(doc.to_xml(), Err(WriteError::Rules(_))));
        None
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 512, ..ProptestConfig::default() })]

    #[test]
    fn xml_round_trip(bytes in proptest::collection::vec(any::<u8>(), 64..4096)) {
        if let Some(doc) = document(&bytes) {
            let xml = doc.to_xml().unwrap();
            let parsed = Document::from_xml(xml.as_bytes()).unwrap_or_else(|e| panic!("{e}\n{xml}"));
            prop_assert!(parsed.unknown.is_empty(), "{:?}", parsed.unknown);
            prop_assert_eq!(&parsed.document, &doc);
            prop_assert_eq!(parsed.document.to_xml().unwrap(), xml);
        }
    }
}

#[test]
fn arbitrary_documents_validate_with_xmllint() {
    if !fleetwire_testkit::require_tool("xmllint") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = proptest::collection::vec(any::<u8>(), 256..4096);
    let mut files: BTreeMap<PayloadKind, Vec<std::path::PathBuf>> = BTreeMap::new();
    let mut written = 0;
    let mut total_len = 0;
    for _attempt in 0..3000 {
        if written == 300 {
            break;
        }
        let bytes = strategy.new_tree(&mut runner).unwrap().current();
        let Some(doc) = document(&bytes) else {
            continue;
        };
        let path = dir.path().join(format!("{written}.xml"));
        let xml = doc.to_xml().unwrap();
        total_len += xml.len();
        std::fs::write(&path, xml).unwrap();
        files.entry(doc.kind()).or_default().push(path);
        written += 1;
    }
    assert_eq!(written, 300, "too few arbitrary documents keep the rules");
    assert!(
        total_len / written > 400,
        "documents are trivial: {} bytes average",
        total_len / written
    );
    assert!(files.len() >= 8, "only {} kinds generated", files.len());
    for (kind, paths) in files {
        let schema = xsd::write_all(dir.path(), kind).unwrap();
        let out = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&schema)
            .args(&paths)
            .output()
            .unwrap();
        assert!(
            out.status.success(),
            "{kind}: {}",
            String::from_utf8_lossy(&out.stderr)
                .chars()
                .take(4000)
                .collect::<String>()
        );
    }
}
