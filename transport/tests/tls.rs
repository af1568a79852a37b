//! The TLS matrix against a real rustls HTTPS server with certificates made at test time.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use fleetwire_transport::tls::{ClientIdentity, Roots, SpkiPin, TlsVersions};
use fleetwire_transport::{
    Allowlist, Client, ClientOptions, ConfigError, Credentials, TransportError,
};
use support::{HttpsServer, Leaf, Pki, Reply, ServerSpec};
use zeroize::Zeroizing;

fn ok_handler() -> support::Handler {
    Arc::new(|_req| Reply::ok().with_body("accepted"))
}

fn options_for(pki: &Pki, server: &HttpsServer) -> ClientOptions {
    ClientOptions {
        allowlist: Allowlist::new([server.url("/")]).unwrap(),
        timeout: Duration::from_secs(10),
        tls: fleetwire_transport::tls::TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "test CA").unwrap(),
            ..Default::default()
        },
        ..ClientOptions::default()
    }
}

fn post(
    options: &ClientOptions,
    url: &str,
) -> Result<fleetwire_transport::Response, TransportError> {
    Client::new(options)
        .unwrap()
        .post(url, "application/octet-stream", &[], b"hello")
}

fn server_with(pki: &Pki, leaf: &Leaf, f: impl FnOnce(&mut ServerSpec)) -> HttpsServer {
    let mut spec = ServerSpec::new(leaf);
    f(&mut spec);
    let _ = pki;
    HttpsServer::start(spec, ok_handler()).unwrap()
}

#[test]
fn tls13_server_succeeds() {
    let pki = Pki::new("ca").unwrap();
    let server = server_with(&pki, &pki.server().unwrap(), |s| {
        s.versions = &support::TLS13_ONLY
    });
    let resp = post(&options_for(&pki, &server), &server.url("/upload")).unwrap();
    assert_eq!(resp.status, 200);
    assert_eq!(resp.body, b"accepted");
    let reqs = server.requests();
    assert_eq!(reqs.len(), 1);
    assert_eq!(reqs[0].method, "POST");
    assert_eq!(reqs[0].path, "/upload");
    assert_eq!(reqs[0].body, b"hello");
}

#[test]
fn tls12_only_server_succeeds_and_tls13_only_client_is_refused() {
    let pki = Pki::new("ca").unwrap();
    let server = server_with(&pki, &pki.server().unwrap(), |s| {
        s.versions = &support::TLS12_ONLY
    });
    let mut options = options_for(&pki, &server);
    assert_eq!(post(&options, &server.url("/")).unwrap().status, 200);
    options.tls.versions = TlsVersions::Tls13Only;
    let err = post(&options, &server.url("/")).unwrap_err();
    assert!(matches!(err, TransportError::Tls { .. }), "{err:?}");
}

#[test]
fn wrong_hostname_is_refused() {
    let pki = Pki::new("ca").unwrap();
    let server = server_with(
        &pki,
        &pki.server_for(&["rs.example.com"], false).unwrap(),
        |_| {},
    );
    let err = post(&options_for(&pki, &server), &server.url("/")).unwrap_err();
    assert!(
        matches!(err, TransportError::HostnameMismatch { .. }),
        "{err:?}"
    );
    assert!(server.requests().is_empty());
}

#[test]
fn unknown_ca_is_refused() {
    let pki = Pki::new("ca").unwrap();
    let other = Pki::new("other ca").unwrap();
    let server = server_with(&pki, &pki.server().unwrap(), |_| {});
    let err = post(&options_for(&other, &server), &server.url("/")).unwrap_err();
    assert!(
        matches!(err, TransportError::UnknownIssuer { .. }),
        "{err:?}"
    );
    // The platform and WebPKI roots do not know the test CA either.
    let mut options = options_for(&pki, &server);
    options.tls.roots = Roots::WebPki;
    let err = post(&options, &server.url("/")).unwrap_err();
    assert!(
        matches!(err, TransportError::UnknownIssuer { .. }),
        "{err:?}"
    );
    options.tls.roots = Roots::Platform;
    match Client::new(&options) {
        Ok(client) => {
            let err = client.get(&server.url("/")).unwrap_err();
            assert!(
                matches!(err, TransportError::UnknownIssuer { .. }),
                "{err:?}"
            );
        }
        // Only acceptable on a machine without a CA bundle.
        Err(e) => assert!(
            !std::path::Path::new("/etc/ssl/certs/ca-certificates.crt").exists(),
            "{e}"
        ),
    }
}

#[test]
fn expired_certificate_is_refused() {
    let pki = Pki::new("ca").unwrap();
    let server = server_with(&pki, &pki.server_for(&["localhost"], true).unwrap(), |_| {});
    let err = post(&options_for(&pki, &server), &server.url("/")).unwrap_err();
    assert!(
        matches!(err, TransportError::CertificateExpired { .. }),
        "{err:?}"
    );
}

#[test]
fn missing_client_certificate_is_refused_and_a_valid_one_accepted() {
    for versions in [&support::TLS13_ONLY[..], &support::TLS12_ONLY[..]] {
        let pki = Pki::new("ca").unwrap();
        let server = server_with(&pki, &pki.server().unwrap(), |s| {
            s.versions = versions;
            s.client_ca = Some(pki.ca_der());
        });
        let mut options = options_for(&pki, &server);
        let err = post(&options, &server.url("/")).unwrap_err();
        assert!(
            matches!(err, TransportError::ClientCertificateRequired { .. }),
            "{versions:?}: {err:?}"
        );
        let client = pki.client("device-1.fleetwire.test").unwrap();
        options.tls.identity = Some(
            ClientIdentity::from_pem(client.cert_pem.as_bytes(), client.key_pem.as_bytes())
                .unwrap(),
        );
        assert_eq!(post(&options, &server.url("/")).unwrap().status, 200);
        assert!(server.requests()[0].client_cert);

        // A certificate from a CA the server does not trust is rejected by the server.
        let stranger = Pki::new("stranger")
            .unwrap()
            .client("device-1.fleetwire.test")
            .unwrap();
        options.tls.identity = Some(
            ClientIdentity::from_pem(stranger.cert_pem.as_bytes(), stranger.key_pem.as_bytes())
                .unwrap(),
        );
        let err = post(&options, &server.url("/")).unwrap_err();
        assert!(
            matches!(err, TransportError::ClientCertificateRejected { .. }),
            "{versions:?}: {err:?}"
        );
    }
}

#[test]
fn plain_http_and_unlisted_urls_are_refused_before_connecting() {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let pki = Pki::new("ca").unwrap();
    let options = ClientOptions {
        allowlist: Allowlist::new([format!("https://localhost:{port}/api")]).unwrap(),
        tls: fleetwire_transport::tls::TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "ca").unwrap(),
            ..Default::default()
        },
        ..ClientOptions::default()
    };
    let client = Client::new(&options).unwrap();
    let err = client
        .post(
            &format!("http://localhost:{port}/api"),
            "text/plain",
            &[],
            b"x",
        )
        .unwrap_err();
    assert!(matches!(err, TransportError::NotHttps { .. }), "{err:?}");
    let err = client
        .post(
            &format!("https://localhost:{port}/other"),
            "text/plain",
            &[],
            b"x",
        )
        .unwrap_err();
    assert!(matches!(err, TransportError::NotAllowed { .. }), "{err:?}");
    let err = client
        .get(&format!("https://127.0.0.1:{port}/api"))
        .unwrap_err();
    assert!(matches!(err, TransportError::NotAllowed { .. }), "{err:?}");
    std::thread::sleep(Duration::from_millis(50));
    assert!(listener.accept().is_err(), "a connection was made");
}

#[test]
fn spki_pinning() {
    let pki = Pki::new("ca").unwrap();
    let leaf = pki.server().unwrap();
    let server = server_with(&pki, &leaf, |_| {});
    let mut options = options_for(&pki, &server);
    options.tls.pins = vec![SpkiPin::of_certificate(&leaf.cert_der).unwrap()];
    assert_eq!(post(&options, &server.url("/")).unwrap().status, 200);
    options.tls.pins = vec![SpkiPin([0x42; 32])];
    let err = post(&options, &server.url("/")).unwrap_err();
    assert!(matches!(err, TransportError::PinMismatch { .. }), "{err:?}");
}

#[test]
fn client_identity_is_validated_before_use() {
    let pki = Pki::new("ca").unwrap();
    let a = pki.client("device-1.fleetwire.test").unwrap();
    let b = pki.client("device-1.fleetwire.test").unwrap();
    let err = ClientIdentity::from_pem(a.cert_pem.as_bytes(), b.key_pem.as_bytes()).unwrap_err();
    assert!(
        matches!(err, ConfigError::ClientKeyMismatch { .. }),
        "{err:?}"
    );
    let err = ClientIdentity::from_pem(
        a.cert_pem.as_bytes(),
        b"-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n",
    )
    .unwrap_err();
    assert!(matches!(err, ConfigError::ClientKey { .. }), "{err:?}");
    let expired = pki.expired_client("device-1.fleetwire.test").unwrap();
    let err = ClientIdentity::from_pem(expired.cert_pem.as_bytes(), expired.key_pem.as_bytes())
        .unwrap_err();
    assert!(
        matches!(
            err,
            ConfigError::ClientCertificateNotValidNow {
                not_after: 1_609_459_200,
                ..
            }
        ),
        "{err:?}"
    );
    let err = ClientIdentity::from_pem(b"garbage", a.key_pem.as_bytes()).unwrap_err();
    assert!(
        matches!(err, ConfigError::ClientCertificate { .. }),
        "{err:?}"
    );
    let dir = tempfile::tempdir().unwrap();
    let err = ClientIdentity::from_pem_files(dir.path().join("none.pem"), dir.path().join("k.pem"))
        .unwrap_err();
    assert!(
        matches!(err, ConfigError::ClientCertificate { .. }),
        "{err:?}"
    );
    assert!(!format!("{err}").contains("PRIVATE"));
}

#[test]
fn credentials_are_sent_and_connections_kept_alive() {
    let pki = Pki::new("ca").unwrap();
    let server = server_with(&pki, &pki.server().unwrap(), |_| {});
    let mut options = options_for(&pki, &server);
    options.credentials = Credentials::Basic {
        user: "device".into(),
        password: Zeroizing::new("pa:ss".into()),
    };
    let client = Client::new(&options).unwrap();
    for _ in 0..3 {
        client
            .post(
                &server.url("/u"),
                "text/plain",
                &[("Idempotency-Key", "k1")],
                b"x",
            )
            .unwrap();
    }
    options.credentials = Credentials::Bearer(Zeroizing::new("tok-123".into()));
    post(&options, &server.url("/u")).unwrap();
    let reqs = server.requests();
    assert_eq!(
        reqs[0].header("authorization"),
        Some("Basic ZGV2aWNlOnBhOnNz")
    );
    assert_eq!(reqs[0].header("idempotency-key"), Some("k1"));
    assert_eq!(reqs[3].header("authorization"), Some("Bearer tok-123"));
    assert!(
        reqs[..3]
            .iter()
            .all(|r| r.connection_id == reqs[0].connection_id)
    );
    assert_ne!(reqs[3].connection_id, reqs[0].connection_id);
}

#[test]
fn connection_refused_is_a_transient_typed_error() {
    let port = {
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let pki = Pki::new("ca").unwrap();
    let options = ClientOptions {
        allowlist: Allowlist::new([format!("https://127.0.0.1:{port}/")]).unwrap(),
        tls: fleetwire_transport::tls::TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "ca").unwrap(),
            ..Default::default()
        },
        ..ClientOptions::default()
    };
    let err = post(&options, &format!("https://127.0.0.1:{port}/")).unwrap_err();
    assert!(matches!(err, TransportError::Connect { .. }), "{err:?}");
    assert!(err.is_transient());
}
