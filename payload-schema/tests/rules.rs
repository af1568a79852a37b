//! Reading leniency and strictness, and the build-time rules (Locked Down, consent).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use fleetwire_payload::internal::{sample_agent, sample_device, sample_documents, sample_time};
use fleetwire_payload::validate::ValidateError;
use fleetwire_payload::*;

fn registration_xml(version: &str, extra: &str, ns: &str) -> String {
    format!(
        r#"<?xml version="1.0" encoding="UTF-8"?>
<registration xmlns="{ns}" schemaVersion="{version}" futureAttribute="x">
  <agentId>agent-7</agentId><appVersion>0.1.0</appVersion>
  <registered>2027-01-15T08:00:00Z</registered><location>Building 2</location>
  {extra}<contactEmail>ops@example.com</contactEmail>
</registration>"#
    )
}

#[test]
fn unknown_elements_are_tolerated_and_reported() {
    let xml = registration_xml(
        "1.3",
        "<newThing><deep a='1'>x</deep></newThing>",
        NAMESPACE,
    );
    let parsed = Document::from_xml(xml.as_bytes()).unwrap();
    assert!(parsed.document.schema_version().is_newer());
    // Attributes are marked with `@`.
    assert_eq!(parsed.unknown, ["@futureAttribute", "newThing"]);
    let report = validate(xml.as_bytes()).unwrap();
    assert_eq!(report.unknown.len(), 2);
    // Unknown elements nested in known ones are reported with their path.
    let office = sample_documents().remove(0).to_xml().unwrap();
    let office = office.replacen("<consumable>", "<consumable><tonerChip>v2</tonerChip>", 1);
    let parsed = Document::from_xml(office.as_bytes()).unwrap();
    assert_eq!(parsed.unknown, ["device.consumable.0.tonerChip"]);
}

#[test]
fn strict_where_it_matters() {
    let cases = [
        (registration_xml("2.0", "", NAMESPACE), "schemaVersion"),
        (registration_xml("1.0", "", "urn:other"), "namespace"),
        (
            registration_xml("1.0", "", NAMESPACE).replace("ops@example.com", "nobody"),
            "e-mail",
        ),
        (
            registration_xml("1.0", "", NAMESPACE).replace("2027-01-15T08:00:00Z", "yesterday"),
            "timestamp",
        ),
        (
            registration_xml("1.0", "", NAMESPACE).replace("<agentId>agent-7</agentId>", ""),
            "agentId",
        ),
        (
            "<?xml version=\"1.0\"?><!DOCTYPE r [<!ENTITY a \"b\">]><registration/>".into(),
            "DTD",
        ),
        ("<unknownRoot/>".into(), "unknownRoot"),
        ("<registration><a></b></registration>".into(), "malformed"),
        (
            format!("<registration>{}</registration>", "<a>".repeat(100)),
            "nested",
        ),
        (
            "<registration xmlns=\"urn:fleetwire:payload:1\"/><registration/>".into(),
            "after the root",
        ),
    ];
    for (xml, expect) in cases {
        let err = Document::from_xml(xml.as_bytes()).unwrap_err().to_string();
        assert!(err.contains(expect), "{expect:?} not in {err:?}");
    }
    assert!(matches!(
        Document::from_xml(&[0xff, 0xfe]),
        Err(ReadError::Utf8 { at: 0 })
    ));
    let long: Vec<Fault> = (0..41)
        .map(|_| Fault {
            at: sample_time(),
            code: "x".parse().unwrap(),
            description: None,
            impressions: None,
        })
        .collect();
    assert!(FaultHistory::try_from(long).is_err());
}

#[test]
fn locked_down_strips_every_address() {
    let policy = BuildPolicy {
        mode: SecurityMode::LockedDown,
        consent: Consent::ALL,
    };
    let payload = AgentPayload::build(
        sample_time(),
        sample_agent(3),
        (0..3).map(sample_device).collect(),
        vec![],
        vec![],
        &policy,
    );
    let doc = Document::Agent(Box::new(payload));
    common::assert_xsd_valid(&[&doc]);
    let xml = doc.to_xml().unwrap();
    for needle in [
        "<ipv4>",
        "<dnsName>",
        "<gateway>",
        "<hostName>",
        "<hostAddress>",
        "10.0.",
        "corp.example",
    ] {
        assert!(!xml.contains(needle), "{needle} in locked-down payload");
    }
    assert!(xml.contains("securityMode=\"locked-down\""));
    assert!(xml.contains("<mac>"), "MAC addresses stay");
    validate(xml.as_bytes()).unwrap();

    // A locked-down document that still has an address is never written, and never validates.
    let mut doc =
        OfficeDevicePayload::build(sample_time(), sample_device(1), None, vec![], &policy);
    doc.device.network.dns_name = Some("leak.corp.example".parse().unwrap());
    let doc = Document::Office(Box::new(doc));
    let Err(WriteError::Rules(v)) = doc.to_xml() else {
        panic!("written")
    };
    assert!(
        matches!(&v[..], [RuleViolation::LockedDownAddress { .. }]),
        "{v:?}"
    );
    let normal = doc.to_xml_unchecked_for_tests();
    assert!(matches!(
        validate(normal.as_bytes()),
        Err(ValidateError::Rules(_))
    ));
}

/// Serializes a document that breaks a rule, by flipping its mode after writing it in Normal mode.
trait Unchecked {
    fn to_xml_unchecked_for_tests(&self) -> String;
}

impl Unchecked for Document {
    fn to_xml_unchecked_for_tests(&self) -> String {
        let Document::Office(p) = self else {
            unreachable!()
        };
        let mut normal = p.clone();
        normal.security_mode = SecurityMode::Normal;
        Document::Office(normal)
            .to_xml()
            .unwrap()
            .replace("securityMode=\"normal\"", "securityMode=\"locked-down\"")
    }
}

#[test]
fn consent_gates_engineering_and_customer_jobs() {
    let docs = sample_documents();
    let Document::Office(full) = &docs[0] else {
        panic!()
    };
    assert!(full.engineering.is_some() && !full.customer_job.is_empty());
    for consent in [
        Consent::NONE,
        "engineeringDebug".parse().unwrap(),
        "customerJobs".parse().unwrap(),
    ] {
        let policy = BuildPolicy {
            mode: SecurityMode::Normal,
            consent,
        };
        let p = OfficeDevicePayload::build(
            sample_time(),
            full.device.clone(),
            full.engineering.clone(),
            full.customer_job.clone(),
            &policy,
        );
        assert_eq!(p.engineering.is_some(), consent.engineering_debug);
        assert_eq!(!p.customer_job.is_empty(), consent.customer_jobs);
        let xml = Document::Office(Box::new(p)).to_xml().unwrap();
        assert_eq!(
            xml.contains("alice"),
            consent.engineering_debug || consent.customer_jobs
        );
    }
    // Data without consent is refused at write time.
    let mut sneaky = full.clone();
    sneaky.consent = Consent::NONE;
    let Err(WriteError::Rules(v)) = Document::Office(sneaky).to_xml() else {
        panic!("written")
    };
    assert_eq!(v.len(), 2, "{v:?}");
    // PII never shows in Debug output.
    assert!(!format!("{full:?}").contains("alice"));
}

#[test]
fn other_rules() {
    let mut docs = sample_documents();
    let Document::Transactions(batch) = docs
        .iter_mut()
        .find(|d| d.kind() == PayloadKind::Transactions)
        .unwrap()
    else {
        panic!()
    };
    batch.record.swap(0, 1);
    assert!(matches!(
        &Document::Transactions(batch.clone()).check_rules()[..],
        [RuleViolation::SequenceOrder {
            previous: 1002,
            sequence: 1001,
            ..
        }]
    ));
    let mut device = sample_device(1);
    device.consumable[1].index = 1;
    let doc = Document::Office(Box::new(OfficeDevicePayload::build(
        sample_time(),
        device,
        None,
        vec![],
        &BuildPolicy::default(),
    )));
    assert!(matches!(
        &doc.check_rules()[..],
        [RuleViolation::DuplicateIndex { index: 1, .. }]
    ));
}

#[test]
fn streaming_writer_matches_the_document_writer() {
    for consent in [Consent::NONE, Consent::ALL] {
        for mode in [SecurityMode::Normal, SecurityMode::LockedDown] {
            let policy = BuildPolicy { mode, consent };
            let Document::Agent(full) = sample_documents().remove(2) else {
                panic!()
            };
            let doc = AgentPayload::build(
                full.generated,
                sample_agent(3),
                full.device.clone(),
                full.job_record.clone(),
                full.policy_violation.clone(),
                &policy,
            );
            let doc = Document::Agent(Box::new(doc));
            common::assert_xsd_valid(&[&doc]);
            let expected = doc.to_xml().unwrap();
            let mut w =
                AgentPayloadWriter::start(Vec::new(), full.generated, sample_agent(3), &policy)
                    .unwrap();
            // Borrowed records: copied only where Locked Down mode strips them.
            for d in &full.device {
                w.push_device(d).unwrap();
            }
            assert_eq!(w.devices(), 3);
            let streamed = w
                .finish(full.job_record.clone(), full.policy_violation.clone())
                .unwrap();
            assert_eq!(String::from_utf8(streamed).unwrap(), expected, "{policy:?}");
        }
    }
}
