//! The server half (feature `server`) with a raw TLS client: keep-alive, `Connection: close`,
//! and the limits on request lines, headers and bodies answered with a status and a close.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::io::{Read, Write};
use std::net::TcpStream;
use std::sync::Arc;

use fleetwire_transport::tls::{ClientIdentity, Roots, TlsOptions};
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};
use support::{HttpsServer, Pki, Reply, ServerSpec};

type Tls = StreamOwned<ClientConnection, TcpStream>;

fn connect(pki: &Pki, server: &HttpsServer, identity: Option<ClientIdentity>) -> Tls {
    let options = TlsOptions {
        roots: Roots::from_pem(pki.ca_pem().as_bytes(), "ca").unwrap(),
        identity,
        ..TlsOptions::default()
    };
    let config = Arc::new(options.build().unwrap());
    let name = ServerName::try_from("localhost").unwrap();
    let conn = ClientConnection::new(config, name).unwrap();
    StreamOwned::new(conn, TcpStream::connect(server.addr()).unwrap())
}

/// Sends `request` and reads one response head and its body (by Content-Length).
fn exchange(tls: &mut Tls, request: &[u8]) -> (String, Vec<u8>) {
    tls.write_all(request).unwrap();
    tls.flush().unwrap();
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        tls.read_exact(&mut byte).unwrap();
        head.push(byte[0]);
    }
    let head = String::from_utf8(head).unwrap();
    let len: usize = head
        .lines()
        .find_map(|l| l.strip_prefix("Content-Length: "))
        .unwrap()
        .parse()
        .unwrap();
    let mut body = vec![0; len];
    tls.read_exact(&mut body).unwrap();
    (head, body)
}

fn echo_server(max_body: usize) -> (Pki, HttpsServer) {
    let pki = Pki::new("ca").unwrap();
    let mut spec = ServerSpec::new(&pki.server().unwrap());
    spec.max_body = max_body;
    spec.client_ca = None;
    let server = HttpsServer::start(
        spec,
        Arc::new(|req| {
            Reply::ok()
                .with_header("X-Path", &req.path)
                .with_header("X-Evil", "a\r\nSet-Cookie: x=1")
                .with_body(req.body.clone())
        }),
    )
    .unwrap();
    (pki, server)
}

#[test]
fn keep_alive_then_close() {
    let (pki, server) = echo_server(1000);
    let mut tls = connect(&pki, &server, None);
    let (head, body) = exchange(
        &mut tls,
        b"POST /a?x=1 HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello",
    );
    assert!(head.starts_with("HTTP/1.1 200 OK\r\n"), "{head}");
    assert!(head.contains("X-Path: /a?x=1\r\n"));
    // A handler's header that would split the response is dropped.
    assert!(
        !head.contains("Set-Cookie") && !head.contains("X-Evil"),
        "{head}"
    );
    assert_eq!(body, b"hello");
    let (head, _) = exchange(
        &mut tls,
        b"GET /b HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n",
    );
    assert!(head.contains("Connection: close\r\n"), "{head}");
    let mut rest = Vec::new();
    let _ = tls.read_to_end(&mut rest);
    assert!(rest.is_empty());
    let reqs = server.requests();
    assert_eq!(reqs.len(), 2);
    assert_eq!(reqs[0].connection_id, reqs[1].connection_id);
    assert_eq!((reqs[0].route(), reqs[1].route()), ("/a", "/b"));
    assert!(!reqs[0].client_cert);
    // Debug shows header names, never values (Authorization may be among them).
    assert!(!format!("{:?}", reqs[0]).contains("localhost"));
}

#[test]
fn limits_are_answered_and_the_connection_closed() {
    let long_line = format!("GET /{} HTTP/1.1\r\n\r\n", "a".repeat(9000));
    let many_headers = format!("GET / HTTP/1.1\r\n{}\r\n", "X-A: 1\r\n".repeat(101));
    let cases: [(&[u8], &str); 5] = [
        (long_line.as_bytes(), "431"),
        (many_headers.as_bytes(), "431"),
        (b"POST / HTTP/1.1\r\nContent-Length: 1001\r\n\r\n", "413"),
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n",
            "411",
        ),
        (b"POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", "400"),
    ];
    let (pki, server) = echo_server(1000);
    for (request, status) in cases {
        let mut tls = connect(&pki, &server, None);
        let (head, _) = exchange(&mut tls, request);
        assert!(
            head.starts_with(&format!("HTTP/1.1 {status} ")),
            "{status}: {head}"
        );
        assert!(head.contains("Connection: close\r\n"));
    }
    assert!(server.requests().is_empty(), "no handler ran");
}

#[test]
fn client_certificates_are_required_and_their_names_recorded() {
    let pki = Pki::new("ca").unwrap();
    let mut spec = ServerSpec::new(&pki.server().unwrap());
    spec.client_ca = Some(pki.ca_der());
    let server = HttpsServer::start(spec, Arc::new(|_| Reply::status(204))).unwrap();
    let leaf = pki.client("printer-9.fleetwire.test").unwrap();
    let identity =
        ClientIdentity::from_pem(leaf.cert_pem.as_bytes(), leaf.key_pem.as_bytes()).unwrap();
    let mut tls = connect(&pki, &server, Some(identity));
    let (head, _) = exchange(&mut tls, b"GET / HTTP/1.1\r\n\r\n");
    assert!(head.starts_with("HTTP/1.1 204 No Content\r\n"), "{head}");
    let reqs = server.requests();
    assert!(reqs[0].client_cert);
    assert_eq!(reqs[0].client_names, ["printer-9.fleetwire.test"]);
    // The key never shows in Debug.
    assert!(!format!("{leaf:?}").contains("PRIVATE KEY"));

    let mut anonymous = connect(&pki, &server, None);
    anonymous.write_all(b"GET / HTTP/1.1\r\n\r\n").unwrap();
    let mut buf = Vec::new();
    let err = anonymous.read_to_end(&mut buf).unwrap_err();
    assert!(err.to_string().contains("CertificateRequired"), "{err}");
    assert_eq!(server.requests().len(), 1);
    assert_eq!(server.connections(), 2);
}
