//! The embedded remote-services server against fleetwire-transport's real client: uploads
//! verified and validated per device, idempotency, refusals dead-lettered, Retry-After,
//! required client certificates, signed actions and their results, files for another process.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{Cursor, Write as _};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use fleetwire::server::{ACTION_KEY_ID, RemoteServices, ServerOptions};
use fleetwire_payload::*;
use fleetwire_transport::action::{
    ActionChannel, ActionKind, ActionPolicy, ActionResult, ActionVerifier, Polled, TrustedKeys,
};
use fleetwire_transport::download::{SignedFile, download_verified};
use fleetwire_transport::tls::{ClientIdentity, Roots, TlsOptions};
use fleetwire_transport::{
    Allowlist, Client, ClientOptions, FlushOptions, Spool, SpoolOptions, Uploader,
};

const AT: i64 = 1_800_000_000;

fn snapshot(serial: &str, ip: &str) -> Snapshot {
    serde_json::from_value(serde_json::json!({
        "identity": {"sys_descr": "Xerox VersaLink C405", "serial_number": serial,
                     "vendor": "Xerox", "model": "VersaLink C405"},
        "network": {"mac_addresses": ["9c:93:4e:01:02:03"],
                    "ipv4": [{"address": ip, "netmask": "255.255.255.0"}]},
        "supplies": [{"index": 1, "description": "Black Toner", "type": "toner",
                      "class": "supplyThatIsConsumed", "unit": "percent",
                      "max_capacity": 100, "level": 80, "level_kind": "actual"}]
    }))
    .unwrap()
}

fn office(serial: &str, mode: SecurityMode) -> Document {
    let policy = BuildPolicy {
        mode,
        consent: Consent::NONE,
    };
    let at = Timestamp::from_unix(AT).unwrap();
    let record = snapshot(serial, "10.0.0.7").to_device_record();
    Document::Office(Box::new(OfficeDevicePayload::build(
        at,
        record,
        None,
        vec![],
        &policy,
    )))
}

fn package(docs: &[(&str, Document)]) -> Vec<u8> {
    let mut w = PackageWriter::new(Cursor::new(Vec::new()), Timestamp::from_unix(AT).unwrap());
    for (name, doc) in docs {
        w.add_document(name, doc).unwrap();
    }
    w.finish().unwrap().0.into_inner()
}

/// A package whose one entry is `xml` as given (the writer's own rule checks bypassed).
fn raw_package(name: &str, kind: PayloadKind, xml: &str) -> Vec<u8> {
    let mut w = PackageWriter::new(Cursor::new(Vec::new()), Timestamp::from_unix(AT).unwrap());
    let mut e = w.start_entry(name, kind).unwrap();
    e.write_all(xml.as_bytes()).unwrap();
    e.finish().unwrap();
    w.finish().unwrap().0.into_inner()
}

fn no_sleep() -> impl FnMut(Duration) {
    |_| {}
}

fn flush(server: &RemoteServices, spool: &mut Spool) -> fleetwire_transport::FlushReport {
    let client = Client::new(&server.client_options("agent-1.fleetwire.test").unwrap()).unwrap();
    Uploader::new(client, server.upload_url())
        .flush_with(
            spool,
            &FlushOptions::default(),
            &mut |_| {},
            &mut no_sleep(),
        )
        .unwrap()
}

#[test]
fn uploads_are_verified_validated_and_recorded_per_device_once() {
    let server = RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    spool
        .enqueue(&package(&[
            ("office-A1.xml", office("A1", SecurityMode::Normal)),
            ("office-B2.xml", office("B2", SecurityMode::LockedDown)),
        ]))
        .unwrap();
    spool
        .enqueue(&package(&[(
            "office-C3.xml",
            office("C3", SecurityMode::Normal),
        )]))
        .unwrap();
    let report = flush(&server, &mut spool);
    assert_eq!(
        (report.uploaded, report.remaining, report.dead_lettered),
        (2, 0, 0)
    );

    let accepted = server.accepted();
    assert_eq!(accepted.len(), 2);
    assert_eq!(
        accepted[0].client,
        vec!["agent-1.fleetwire.test".to_owned()]
    );
    assert_eq!(accepted[0].documents[0].entry, "office-A1.xml");
    assert_eq!(server.documents_of_kind(PayloadKind::Office).len(), 3);
    for serial in ["A1", "B2", "C3"] {
        let docs = server.documents_for_device(serial);
        assert_eq!(docs.len(), 1, "{serial}");
        assert_eq!(docs[0].kind, PayloadKind::Office);
    }
    // The Locked Down document arrived without its IP address.
    let Document::Office(b2) = &server.documents_for_device("B2")[0].document else {
        panic!("office");
    };
    assert!(b2.device.network.ipv4.is_empty());
    let summary = server.summary();
    assert_eq!(summary.packages, 2);
    assert_eq!(summary.documents["office"], 3);
    assert_eq!(summary.devices.len(), 3);

    // The same package under the same key again (a retry after a lost answer): accepted, once.
    let options = server.client_options("agent-1.fleetwire.test").unwrap();
    let client = Client::new(&options).unwrap();
    let body = package(&[("office-D4.xml", office("D4", SecurityMode::Normal))]);
    for _ in 0..2 {
        let resp = client
            .post(
                &server.upload_url(),
                "application/zip",
                &[("Idempotency-Key", "k-1")],
                &body,
            )
            .unwrap();
        assert_eq!(resp.status, 200);
    }
    assert_eq!(server.summary().packages, 3);
    // The same key with other bytes is a conflict.
    let other = package(&[("office-E5.xml", office("E5", SecurityMode::Normal))]);
    let resp = client
        .post(
            &server.upload_url(),
            "application/zip",
            &[("Idempotency-Key", "k-1")],
            &other,
        )
        .unwrap();
    assert_eq!(resp.status, 409);
    // No key, or a digest that does not match: 400.
    let resp = client
        .post(&server.upload_url(), "application/zip", &[], &body)
        .unwrap();
    assert_eq!(resp.status, 400);
    let resp = client
        .post(
            &server.upload_url(),
            "application/zip",
            &[
                ("Idempotency-Key", "k-2"),
                ("X-Fleetwire-Sha256", &"0".repeat(64)),
            ],
            &body,
        )
        .unwrap();
    assert_eq!(resp.status, 400);
    assert_eq!(server.summary().packages, 3);
}

#[test]
fn what_arrived_validates_against_the_xsds() {
    if !fleetwire_testkit::require_tool("xmllint") {
        return;
    }
    let server = RemoteServices::start_with(ServerOptions { keep_xml: true }).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path().join("spool"), SpoolOptions::default()).unwrap();
    spool
        .enqueue(&package(&[
            ("office-A1.xml", office("A1", SecurityMode::Normal)),
            ("office-B2.xml", office("B2", SecurityMode::LockedDown)),
        ]))
        .unwrap();
    assert_eq!(flush(&server, &mut spool).uploaded, 1);
    let xsd = fleetwire_payload::xsd::write_all(dir.path(), PayloadKind::Office).unwrap();
    let docs = server.documents_of_kind(PayloadKind::Office);
    assert_eq!(docs.len(), 2);
    for doc in docs {
        assert!(!doc.xml.is_empty());
        let path = dir.path().join(&doc.entry);
        std::fs::write(&path, &doc.xml).unwrap();
        let out = fleetwire_testkit::run_tool(
            "xmllint",
            &[
                "--noout",
                "--schema",
                xsd.to_str().unwrap(),
                path.to_str().unwrap(),
            ],
        );
        assert!(
            out.status.success(),
            "{}: {}",
            doc.entry,
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // By default nothing is kept twice.
    let plain = RemoteServices::start().unwrap();
    spool
        .enqueue(&package(&[(
            "office-C3.xml",
            office("C3", SecurityMode::Normal),
        )]))
        .unwrap();
    assert_eq!(flush(&plain, &mut spool).uploaded, 1);
    assert!(plain.documents_for_device("C3")[0].xml.is_empty());
}

#[test]
fn invalid_packages_are_refused_and_dead_lettered() {
    let server = RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    // Not a zip.
    spool.enqueue(b"PK\x03\x04 not really a zip").unwrap();
    // A Locked Down document that carries an IP address breaks the build rules.
    let locked_with_ip = r#"<officeDevice xmlns="urn:fleetwire:payload:1" schemaVersion="1.0"
      securityMode="locked-down"><generated>2027-01-15T08:00:00Z</generated>
      <device><identity/><network><ipv4><address>10.1.2.3</address></ipv4></network></device>
      </officeDevice>"#;
    spool
        .enqueue(&raw_package(
            "office.xml",
            PayloadKind::Office,
            locked_with_ip,
        ))
        .unwrap();
    // Not one of our documents at all.
    spool
        .enqueue(&raw_package("office.xml", PayloadKind::Office, "<html/>"))
        .unwrap();
    // A valid one, after the refused ones.
    spool
        .enqueue(&package(&[(
            "office.xml",
            office("OK1", SecurityMode::Normal),
        )]))
        .unwrap();
    let report = flush(&server, &mut spool);
    assert_eq!(
        (report.uploaded, report.dead_lettered, report.remaining),
        (1, 3, 0)
    );
    let rejected = server.rejected();
    assert_eq!(rejected.len(), 3);
    assert!(rejected.iter().all(|r| r.status == 422), "{rejected:?}");
    assert!(
        rejected[0].reason.starts_with("package:"),
        "{}",
        rejected[0].reason
    );
    assert!(
        rejected[1].reason.contains("office.xml"),
        "{}",
        rejected[1].reason
    );
    assert_eq!(server.summary().devices.keys().collect::<Vec<_>>(), ["OK1"]);
}

#[test]
fn busy_answers_carry_retry_after_and_the_upload_waits_for_it() {
    let server = RemoteServices::start().unwrap();
    server.answer_busy(2, 7);
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    spool
        .enqueue(&package(&[(
            "office.xml",
            office("R1", SecurityMode::Normal),
        )]))
        .unwrap();
    let client = Client::new(&server.client_options("agent").unwrap()).unwrap();
    let slept = Arc::new(AtomicU64::new(0));
    let s = slept.clone();
    let report = Uploader::new(client, server.upload_url())
        .flush_with(
            &mut spool,
            &FlushOptions::default(),
            &mut |_| {},
            &mut |d| {
                s.fetch_add(d.as_secs(), Ordering::SeqCst);
            },
        )
        .unwrap();
    assert_eq!((report.uploaded, report.retries), (1, 2));
    assert_eq!(slept.load(Ordering::SeqCst), 14);
    assert_eq!(server.summary().packages, 1);
}

#[test]
fn a_client_certificate_from_the_servers_ca_is_required() {
    let server = RemoteServices::start().unwrap();
    let mut options = ClientOptions::default();
    options.tls.roots = Roots::from_pem(server.ca_pem().as_bytes(), "ca").unwrap();
    options.allowlist = Allowlist::new([server.url("/")]).unwrap();
    let err = Client::new(&options)
        .unwrap()
        .get(&server.url("/summary"))
        .unwrap_err();
    assert!(err.to_string().contains("certificate"), "{err}");

    // A certificate from another CA is refused as well.
    let stranger = RemoteServices::start().unwrap();
    let leaf = stranger.issue_client("stranger").unwrap();
    options.tls.identity =
        Some(ClientIdentity::from_pem(leaf.cert_pem.as_bytes(), leaf.key_pem.as_bytes()).unwrap());
    assert!(
        Client::new(&options)
            .unwrap()
            .get(&server.url("/summary"))
            .is_err()
    );

    // TLS 1.2 works (1.3 is the default).
    let mut options = server.client_options("agent").unwrap();
    options.tls.versions = fleetwire_transport::tls::TlsVersions::Tls12Only;
    let resp = Client::new(&options)
        .unwrap()
        .get(&server.url("/summary"))
        .unwrap();
    assert_eq!(resp.status, 200);
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs() as i64
}

#[test]
fn signed_actions_round_trip_and_results_arrive() {
    let server = RemoteServices::start().unwrap();
    let print = server
        .queue_action(
            ActionKind::PrintTestPage,
            serde_json::json!({"device": "A1"}),
        )
        .unwrap();
    let status = server
        .queue_action(ActionKind::GetStatus, serde_json::json!({"device": "A1"}))
        .unwrap();
    let reboot = server
        .queue_action(ActionKind::Reboot, serde_json::json!({}))
        .unwrap();
    assert_eq!(server.summary().actions_pending, 3);

    let client = Client::new(&server.client_options("agent").unwrap()).unwrap();
    let channel = ActionChannel::new(client, server.actions_url(), server.results_url());
    let mut policy = ActionPolicy::default();
    policy.disable(ActionKind::Reboot);
    let mut verifier = ActionVerifier::new(server.trusted_keys(), policy);
    let polled = channel.poll(&mut verifier, now()).unwrap();
    assert_eq!(polled.len(), 3);
    for p in &polled {
        let result = match p {
            Polled::Run(action) => {
                assert_eq!(action.args["device"], "A1");
                ActionResult::finished(action, true, "ok", serde_json::json!({"pages": 1}))
            }
            Polled::Answered(result) => result.clone(),
        };
        assert_eq!(channel.report(&result).unwrap(), 200);
    }
    // Delivered once: the next poll is empty.
    assert!(channel.poll(&mut verifier, now()).unwrap().is_empty());

    let results = server.action_results();
    assert_eq!(results.len(), 3);
    assert!(results.iter().all(|r| r.issued_here));
    let by_nonce = |n: &str| {
        results
            .iter()
            .find(|r| r.nonce.as_deref() == Some(n))
            .unwrap()
    };
    assert_eq!(by_nonce(&print).status, "done");
    assert_eq!(by_nonce(&print).kind, Some(ActionKind::PrintTestPage));
    assert_eq!(by_nonce(&status).output["pages"], 1);
    assert_eq!(by_nonce(&reboot).status, "refused_by_policy");
    let summary = server.summary();
    assert_eq!(
        (
            summary.results["done"],
            summary.results["refused_by_policy"]
        ),
        (2, 1)
    );

    // An agent pinning another key rejects the server's actions.
    server
        .queue_action(ActionKind::GetStatus, serde_json::json!({}))
        .unwrap();
    let mut keys = TrustedKeys::default();
    keys.add_ed25519(ACTION_KEY_ID, &[9; 32]).unwrap_or(());
    let mut wrong = ActionVerifier::new(keys, ActionPolicy::default());
    let polled = channel.poll(&mut wrong, now()).unwrap();
    assert!(matches!(&polled[..], [Polled::Answered(r)] if r.detail.starts_with("rejected")));
}

#[test]
fn published_files_download_verified_and_registration_answers_a_token() {
    let server = RemoteServices::start().unwrap();
    let firmware = b"firmware image \x00\x01\x02".repeat(1000);
    let args = server.publish_file("fw-1.bin", firmware.clone());
    let options = server.client_options("agent").unwrap();
    let client = Client::new(&options).unwrap();
    let file: SignedFile = serde_json::from_value(args).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let dest = download_verified(&client, &file, &dir.path().join("fw.bin"), 1 << 20).unwrap();
    assert_eq!(std::fs::read(dest).unwrap(), firmware);

    let registration = fleetwire_transport::register::Registration {
        device_id: "agent-1".into(),
        location: "Building 2".into(),
        contact_email: "ops@example.com".into(),
    };
    let credentials =
        fleetwire_transport::register::register(&client, &server.register_url(), &registration)
            .unwrap();
    assert!(format!("{credentials:?}").starts_with("Bearer"));
    assert_eq!(server.registrations()[0]["location"], "Building 2");
}

#[test]
fn agent_files_let_another_process_connect() {
    let server = RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let paths = server.write_agent_files(dir.path(), "agent-9").unwrap();
    assert_eq!(paths.len(), 5);
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        let mode = std::fs::metadata(&paths[2]).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let urls: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&paths[4]).unwrap()).unwrap();
    let options = ClientOptions {
        tls: TlsOptions {
            roots: Roots::from_pem_file(&paths[0]).unwrap(),
            identity: Some(ClientIdentity::from_pem_files(&paths[1], &paths[2]).unwrap()),
            ..TlsOptions::default()
        },
        allowlist: Allowlist::new([server.url("/")]).unwrap(),
        ..ClientOptions::default()
    };
    let client = Client::new(&options).unwrap();
    server
        .queue_action(ActionKind::GetStatus, serde_json::json!({}))
        .unwrap();
    let mut keys = TrustedKeys::default();
    keys.add_pem(
        urls["action_key_id"].as_str().unwrap(),
        &std::fs::read_to_string(&paths[3]).unwrap(),
    )
    .unwrap();
    let channel = ActionChannel::new(
        client.clone(),
        urls["actions_url"].as_str().unwrap(),
        urls["results_url"].as_str().unwrap(),
    );
    let polled = channel
        .poll(
            &mut ActionVerifier::new(keys, ActionPolicy::default()),
            now(),
        )
        .unwrap();
    assert!(matches!(&polled[..], [Polled::Run(a)] if a.kind == ActionKind::GetStatus));
    let summary: fleetwire::server::Summary = serde_json::from_slice(
        &client
            .get(urls["summary_url"].as_str().unwrap())
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(summary.actions_queued, 1);
    assert_eq!(summary.actions_pending, 0);
}

#[test]
fn fleetwire_serve_runs_the_server_as_its_own_process() {
    use std::io::BufRead as _;
    let dir = tempfile::tempdir().unwrap();
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fleetwire"))
        .args(["serve", "--dir"])
        .arg(dir.path())
        .args(["--action", r#"print_test_page={"device":"A1"}"#])
        .args(["--action", "get_status"])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    struct Kill(std::process::Child);
    impl Drop for Kill {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
    let mut line = String::new();
    std::io::BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let _guard = Kill(child);
    let urls: serde_json::Value = serde_json::from_str(&line).unwrap();
    let url = |k: &str| urls[k].as_str().unwrap().to_owned();
    let origin = url("upload_url").trim_end_matches("/upload").to_owned();
    let options = ClientOptions {
        tls: TlsOptions {
            roots: Roots::from_pem_file(dir.path().join("ca.pem")).unwrap(),
            identity: Some(
                ClientIdentity::from_pem_files(
                    dir.path().join("client.pem"),
                    dir.path().join("client-key.pem"),
                )
                .unwrap(),
            ),
            ..TlsOptions::default()
        },
        allowlist: Allowlist::new([format!("{origin}/")]).unwrap(),
        ..ClientOptions::default()
    };
    let client = Client::new(&options).unwrap();
    let mut keys = TrustedKeys::default();
    keys.add_pem(
        &url("action_key_id"),
        &std::fs::read_to_string(dir.path().join("action-key.pem")).unwrap(),
    )
    .unwrap();
    let channel = ActionChannel::new(client.clone(), url("actions_url"), url("results_url"));
    let polled = channel
        .poll(
            &mut ActionVerifier::new(keys, ActionPolicy::default()),
            now(),
        )
        .unwrap();
    let kinds: Vec<ActionKind> = polled
        .iter()
        .map(|p| match p {
            Polled::Run(a) => a.kind,
            Polled::Answered(r) => panic!("{r:?}"),
        })
        .collect();
    assert_eq!(kinds, [ActionKind::PrintTestPage, ActionKind::GetStatus]);
    for p in &polled {
        if let Polled::Run(a) = p {
            channel
                .report(&ActionResult::finished(
                    a,
                    true,
                    "ok",
                    serde_json::Value::Null,
                ))
                .unwrap();
        }
    }
    let spool_dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(spool_dir.path(), SpoolOptions::default()).unwrap();
    spool
        .enqueue(&package(&[(
            "office.xml",
            office("P1", SecurityMode::Normal),
        )]))
        .unwrap();
    let report = Uploader::new(client.clone(), url("upload_url"))
        .flush(&mut spool)
        .unwrap();
    assert_eq!(report.uploaded, 1);
    let summary: fleetwire::server::Summary =
        serde_json::from_slice(&client.get(&url("summary_url")).unwrap().body).unwrap();
    assert_eq!(summary.devices.keys().collect::<Vec<_>>(), ["P1"]);
    assert_eq!(summary.results["done"], 2);
}
