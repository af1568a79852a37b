//! `fleetwire upload enqueue / flush / status`, run as the real binary against a real HTTPS
//! server on 127.0.0.1 with certificates made at test time: the happy path with idempotency
//! keys, a wrong CA, the allowlist, client certificates, Basic credentials, dead letters and
//! the status of an empty spool.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

mod common;
#[path = "common/https.rs"]
mod https;

use std::collections::HashSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use common::{stderr, stdout};
use https::{HttpsServer, Pki, upload_server, write_pem};

/// Runs `fleetwire upload ARGS...` without any proxy from the environment.
fn upload(args: &[&str]) -> Output {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_fleetwire"));
    cmd.arg("upload").args(args);
    for var in [
        "HTTPS_PROXY",
        "https_proxy",
        "ALL_PROXY",
        "all_proxy",
        "NO_PROXY",
        "no_proxy",
    ] {
        cmd.env_remove(var);
    }
    cmd.output().expect("run fleetwire")
}

/// Runs `fleetwire upload flush --spool SPOOL --url URL MORE...`.
fn flush(spool: &Path, url: &str, more: &[&str]) -> Output {
    upload(&[&["flush", "--spool", s(spool), "--url", url][..], more].concat())
}

fn s(p: &Path) -> &str {
    p.to_str().unwrap()
}

/// A spool holding `payloads` (enqueued with the binary); returns the keys it printed.
fn spool_with(dir: &Path, payloads: &[&str]) -> (PathBuf, Vec<String>) {
    let spool = dir.join("spool");
    let mut args = vec![
        "enqueue".to_owned(),
        "--spool".to_owned(),
        s(&spool).to_owned(),
    ];
    for (i, p) in payloads.iter().enumerate() {
        let file = dir.join(format!("payload-{i}.xml"));
        std::fs::write(&file, p).unwrap();
        args.push(s(&file).to_owned());
    }
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let out = upload(&args);
    assert!(out.status.success(), "{}", stderr(&out));
    let keys: Vec<String> = stdout(&out)
        .lines()
        .map(|l| {
            let key = l.split(" queued as ").nth(1).unwrap();
            key.split_whitespace().next().unwrap().to_owned()
        })
        .collect();
    assert_eq!(keys.len(), payloads.len(), "{}", stdout(&out));
    (spool, keys)
}

fn status(spool: &Path) -> String {
    let out = upload(&["status", "--spool", s(spool)]);
    assert!(out.status.success(), "{}", stderr(&out));
    stdout(&out)
}

/// A server for `localhost` (no client certificate) answering 200, and its CA's PEM file.
fn server(dir: &Path) -> (HttpsServer, PathBuf) {
    let ca = Pki::new("upload test CA").unwrap();
    let server = upload_server(&ca.server().unwrap(), None, 200, "");
    (server, write_pem(dir, "ca.pem", &ca.ca_pem()))
}

#[test]
fn enqueue_status_flush_uploads_each_payload_once_with_its_idempotency_key() {
    let dir = tempfile::tempdir().unwrap();
    let payloads = ["<meters n='1'/>", "<meters n='2'/>", "<supplies/>"];
    let (spool, keys) = spool_with(dir.path(), &payloads);

    let text = status(&spool);
    assert!(text.contains("3 pending (41 bytes"), "{text}");
    assert!(text.contains("0 dead letters"), "{text}");
    for (key, payload) in keys.iter().zip(payloads) {
        let line = text.lines().find(|l| l.contains(key.as_str())).unwrap();
        let cols: Vec<&str> = line.split_whitespace().collect();
        assert_eq!(cols[1], payload.len().to_string(), "{line}");
        assert!(cols[2].ends_with('s'), "age in seconds: {line}");
    }

    let (server, ca) = server(dir.path());
    let url = server.url("/api/upload");
    let out = flush(&spool, &url, &["--ca", s(&ca)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(
        stdout(&out).trim(),
        "3 uploaded, 0 dead-lettered, 0 retries, 0 pending"
    );
    // Not a terminal: no progress output at all.
    assert_eq!(stderr(&out), "");

    let got = server.requests();
    assert_eq!(got.len(), 3);
    for ((req, key), payload) in got.iter().zip(&keys).zip(payloads) {
        assert_eq!(req.method, "POST");
        assert_eq!(req.path, "/api/upload");
        assert_eq!(req.body, payload.as_bytes());
        assert_eq!(req.header("idempotency-key"), Some(key.as_str()));
        assert!(!req.client_cert);
        assert_eq!(req.header("authorization"), None);
    }
    let distinct: HashSet<_> = keys.iter().collect();
    assert_eq!(distinct.len(), 3);

    assert!(status(&spool).contains("nothing pending, no dead letters"));
    // Flushing an empty spool succeeds and uploads nothing.
    let out = flush(&spool, &url, &["--ca", s(&ca)]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 3);
}

#[test]
fn flush_with_the_wrong_ca_fails_clearly_and_keeps_the_spool() {
    let dir = tempfile::tempdir().unwrap();
    let (spool, keys) = spool_with(dir.path(), &["<a/>", "<b/>"]);
    let before = status(&spool);
    let (server, _right_ca) = server(dir.path());
    let other_ca = write_pem(
        dir.path(),
        "other.pem",
        &Pki::new("other CA").unwrap().ca_pem(),
    );

    let url = server.url("/upload");
    let out = flush(&spool, &url, &["--ca", s(&other_ca)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    assert!(
        err.contains("server certificate is issued by an unknown CA"),
        "{err}"
    );
    assert!(err.contains("check --ca"), "{err}");
    assert!(err.contains("2 payloads still pending"), "{err}");
    assert_eq!(stdout(&out), "");

    assert!(server.requests().is_empty());
    let after = status(&spool);
    for key in &keys {
        assert!(after.contains(key.as_str()), "{after}");
    }
    assert!(after.contains("2 pending (8 bytes"), "{after}");
    assert_eq!(before.lines().count(), after.lines().count());
}

#[test]
fn a_url_outside_the_allowlist_is_refused_before_connecting() {
    let dir = tempfile::tempdir().unwrap();
    let (spool, _) = spool_with(dir.path(), &["<a/>"]);
    let (server, ca) = server(dir.path());

    let allow = server.url("/api");
    let url = server.url("/admin/upload");
    let out = flush(&spool, &url, &["--ca", s(&ca), "--allow", &allow]);
    assert_eq!(out.status.code(), Some(2));
    let err = stderr(&out);
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(err.contains("not on the allowlist"), "{err}");
    assert!(err.contains("no connection was made"), "{err}");

    // Plain HTTP is refused too, whatever the allowlist says.
    let plain = format!("http://localhost:{}/api", server.port());
    let out = flush(&spool, &plain, &["--ca", s(&ca)]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("is not https"), "{}", stderr(&out));

    assert_eq!(server.connections(), 0);
    assert!(status(&spool).contains("1 pending"));

    // The same spool goes to an allowed URL under the prefix.
    let ok = server.url("/api/v2/upload");
    let out = flush(&spool, &ok, &["--ca", s(&ca), "--allow", &allow]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn client_certificate_authentication() {
    let dir = tempfile::tempdir().unwrap();
    let (spool, _) = spool_with(dir.path(), &["<a/>"]);
    let server_ca = Pki::new("server CA").unwrap();
    let device_ca = Pki::new("device CA").unwrap();
    let server = upload_server(
        &server_ca.server().unwrap(),
        Some(device_ca.ca_der()),
        200,
        "",
    );
    let ca = write_pem(dir.path(), "ca.pem", &server_ca.ca_pem());
    let device = device_ca.client("printer-7.fleetwire.test").unwrap();
    let cert = write_pem(dir.path(), "device.pem", &device.cert_pem);
    let key = write_pem(dir.path(), "device.key", &device.key_pem);
    let url = server.url("/upload");

    // Without a certificate the server refuses the handshake.
    let out = flush(&spool, &url, &["--ca", s(&ca)]);
    assert_eq!(out.status.code(), Some(1));
    let err = stderr(&out);
    assert!(err.contains("requires a client certificate"), "{err}");
    assert!(err.contains("--client-cert"), "{err}");
    assert!(server.requests().is_empty());

    // --client-cert without --client-key is a usage error.
    let out = flush(&spool, &url, &["--client-cert", s(&cert)]);
    assert_eq!(out.status.code(), Some(2));

    let out = flush(
        &spool,
        &url,
        &[
            "--ca",
            s(&ca),
            "--client-cert",
            s(&cert),
            "--client-key",
            s(&key),
        ],
    );
    assert!(out.status.success(), "{}", stderr(&out));
    let got = server.requests();
    assert_eq!(got.len(), 1);
    assert!(got[0].client_cert);
    assert!(!stdout(&out).contains("PRIVATE KEY") && !stderr(&out).contains("PRIVATE KEY"));
}

#[test]
fn basic_credentials_are_sent_and_never_printed() {
    const PASSWORD: &str = "s3cret-Pa55";
    let dir = tempfile::tempdir().unwrap();
    let (spool, _) = spool_with(dir.path(), &["<a/>"]);
    let (server, ca) = server(dir.path());
    let url = server.url("/upload");

    // A failing flush with credentials: the message does not show the password.
    let other_ca = write_pem(
        dir.path(),
        "other.pem",
        &Pki::new("other CA").unwrap().ca_pem(),
    );
    let creds = |ca| ["--ca", ca, "--user", "fleet", "--password", PASSWORD];
    let out = flush(&spool, &url, &creds(s(&other_ca)));
    assert_eq!(out.status.code(), Some(1));
    assert!(!stderr(&out).contains(PASSWORD) && !stdout(&out).contains(PASSWORD));

    // --password without --user is a usage error, and clap's message does not echo it.
    let out = flush(&spool, &url, &["--password", PASSWORD]);
    assert_eq!(out.status.code(), Some(2));
    assert!(!stderr(&out).contains(PASSWORD), "{}", stderr(&out));

    let out = flush(&spool, &url, &creds(s(&ca)));
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(!stderr(&out).contains(PASSWORD) && !stdout(&out).contains(PASSWORD));
    let got = server.requests();
    assert_eq!(got.len(), 1);
    // base64("fleet:s3cret-Pa55")
    assert_eq!(
        got[0].header("authorization"),
        Some("Basic ZmxlZXQ6czNjcmV0LVBhNTU=")
    );

    // Credentials in the URL are refused without being echoed.
    let with_userinfo = format!(
        "https://fleet:{PASSWORD}@localhost:{}/upload",
        server.port()
    );
    let out = flush(&spool, &with_userinfo, &[]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("--url must not contain credentials"));
    assert!(!stderr(&out).contains(PASSWORD));
}

#[test]
fn refused_payloads_become_dead_letters_listed_with_their_reason() {
    let dir = tempfile::tempdir().unwrap();
    let (spool, keys) = spool_with(dir.path(), &["<bad/>"]);
    let ca = Pki::new("upload test CA").unwrap();
    let server = upload_server(
        &ca.server().unwrap(),
        None,
        422,
        "schema:\n<meters> needs a serial",
    );
    let ca = write_pem(dir.path(), "ca.pem", &ca.ca_pem());
    let url = server.url("/upload");

    let out = flush(&spool, &url, &["--ca", s(&ca)]);
    // Nothing is pending any more, so the flush succeeds, with a warning.
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).contains("1 dead-lettered"));
    assert!(stderr(&out).starts_with("warning: "), "{}", stderr(&out));

    let text = status(&spool);
    assert!(text.contains("0 pending (0 bytes"), "{text}");
    let line = text.lines().find(|l| l.contains(keys[0].as_str())).unwrap();
    assert!(
        line.ends_with("HTTP 422: schema: <meters> needs a serial"),
        "{text}"
    );
}

#[test]
fn status_of_an_empty_spool_and_of_a_missing_one() {
    let dir = tempfile::tempdir().unwrap();
    assert_eq!(
        status(dir.path()).trim(),
        format!("spool {}: nothing pending, no dead letters", s(dir.path()))
    );

    let missing = dir.path().join("missing");
    let out = upload(&["status", "--spool", s(&missing)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr(&out).contains("no spool at"), "{}", stderr(&out));
    assert!(!missing.exists());
}

#[test]
fn enqueue_checks_every_file_before_queuing_any() {
    let dir = tempfile::tempdir().unwrap();
    let spool = dir.path().join("spool");
    let good = write_pem(dir.path(), "good.xml", "<a/>");
    let missing = dir.path().join("missing.xml");
    let out = upload(&["enqueue", "--spool", s(&spool), s(&good), s(&missing)]);
    assert_eq!(out.status.code(), Some(1));
    assert!(
        stderr(&out).contains("nothing was queued"),
        "{}",
        stderr(&out)
    );
    assert!(!spool.exists() || status(&spool).contains("nothing pending"));

    // FILE is required.
    let out = upload(&["enqueue", "--spool", s(&spool)]);
    assert_eq!(out.status.code(), Some(2));
}
