//! A minimal HTTPS upload endpoint for the `fleetwire upload` tests: a CA, server and client
//! certificates made by rcgen at test time, and a rustls server on 127.0.0.1 that records
//! every request and counts TCP connections. (A fuller server with TLS-version and handler
//! options lives in `transport/tests/support`.)
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

/// A certificate and its key.
pub(crate) struct Issued {
    pub(crate) der: CertificateDer<'static>,
    pub(crate) pem: String,
    pub(crate) key_der: Vec<u8>,
    pub(crate) key_pem: String,
}

/// A throw-away certificate authority.
pub(crate) struct TestCa(CertifiedIssuer<'static, KeyPair>);

impl TestCa {
    pub(crate) fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        Self(CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap())
    }

    pub(crate) fn pem(&self) -> String {
        self.0.pem()
    }

    pub(crate) fn der(&self) -> CertificateDer<'static> {
        self.0.der().clone()
    }

    fn issue(&self, names: &[&str], usage: ExtendedKeyUsagePurpose) -> Issued {
        let names = names.iter().map(|n| n.to_string()).collect::<Vec<_>>();
        let mut params = CertificateParams::new(names).unwrap();
        params.extended_key_usages = vec![usage];
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.0).unwrap();
        Issued {
            der: cert.der().clone(),
            pem: cert.pem(),
            key_der: key.serialize_der(),
            key_pem: key.serialize_pem(),
        }
    }

    /// A server certificate for `localhost` and `127.0.0.1`.
    pub(crate) fn server(&self) -> Issued {
        self.issue(
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
        )
    }

    pub(crate) fn client(&self) -> Issued {
        self.issue(
            &["printer-7.fleetwire.test"],
            ExtendedKeyUsagePurpose::ClientAuth,
        )
    }
}

/// Writes `text` to `dir/name` and returns the path.
pub(crate) fn write_pem(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// One request the server received.
#[derive(Debug, Clone)]
pub(crate) struct Received {
    pub(crate) method: String,
    pub(crate) path: String,
    pub(crate) headers: Vec<(String, String)>,
    pub(crate) body: Vec<u8>,
    pub(crate) client_cert: bool,
}

impl Received {
    pub(crate) fn header(&self, name: &str) -> Option<&str> {
        let name = name.to_ascii_lowercase();
        self.headers
            .iter()
            .find(|(k, _)| *k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// An HTTPS server on 127.0.0.1 answering every request with `status` and `body`. It runs until the
/// test process exits.
pub(crate) struct UploadServer {
    pub(crate) port: u16,
    received: Arc<Mutex<Vec<Received>>>,
    connections: Arc<AtomicUsize>,
}

impl UploadServer {
    /// `client_ca`: when set, a client certificate issued by it is required.
    pub(crate) fn start(
        server: &Issued,
        client_ca: Option<CertificateDer<'static>>,
        status: u16,
        body: &'static str,
    ) -> Self {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_safe_default_protocol_versions()
            .unwrap();
        let builder = match client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                roots.add(ca).unwrap();
                let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .unwrap();
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(server.key_der.clone()));
        let config = Arc::new(
            builder
                .with_single_cert(vec![server.der.clone()], key)
                .unwrap(),
        );
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let received = Arc::new(Mutex::new(Vec::new()));
        let connections = Arc::new(AtomicUsize::new(0));
        let (rx, conns) = (received.clone(), connections.clone());
        std::thread::spawn(move || {
            for tcp in listener.incoming().flatten() {
                conns.fetch_add(1, Ordering::SeqCst);
                let (config, rx) = (config.clone(), rx.clone());
                std::thread::spawn(move || serve(tcp, config, rx, (status, body)));
            }
        });
        Self {
            port,
            received,
            connections,
        }
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.port)
    }

    pub(crate) fn received(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// TCP connections accepted so far (including failed handshakes).
    pub(crate) fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

type Reply = (u16, &'static str);

fn serve(tcp: TcpStream, config: Arc<ServerConfig>, rx: Arc<Mutex<Vec<Received>>>, reply: Reply) {
    tcp.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let conn = ServerConnection::new(config).unwrap();
    let mut stream = BufReader::new(StreamOwned::new(conn, tcp));
    if requests(&mut stream, &rx, reply).is_err() {
        // Send the pending TLS alert and drain the client's bytes, so that it reads the
        // alert rather than a connection reset.
        let s = stream.get_mut();
        let _ = s.conn.write_tls(&mut s.sock);
        let _ = s.sock.shutdown(Shutdown::Write);
        let mut sink = [0u8; 1024];
        while matches!(s.sock.read(&mut sink), Ok(n) if n > 0) {}
    }
}

type Tls = BufReader<StreamOwned<ServerConnection, TcpStream>>;

fn requests(stream: &mut Tls, rx: &Mutex<Vec<Received>>, reply: Reply) -> std::io::Result<()> {
    loop {
        let mut start = String::new();
        if stream.read_line(&mut start)? == 0 {
            return Ok(());
        }
        let mut words = start.split_whitespace().map(str::to_owned);
        let (method, path) = (
            words.next().unwrap_or_default(),
            words.next().unwrap_or_default(),
        );
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            stream.read_line(&mut line)?;
            match line.trim_end().split_once(':') {
                Some((k, v)) => headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned())),
                None => break,
            }
        }
        let len = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .map_or(0, |(_, v)| v.parse().unwrap());
        let mut body = vec![0; len];
        stream.read_exact(&mut body)?;
        let client_cert = stream.get_ref().conn.peer_certificates().is_some();
        rx.lock().unwrap().push(Received {
            method,
            path,
            headers,
            body,
            client_cert,
        });
        let s = stream.get_mut();
        let (status, body) = reply;
        let len = body.len();
        write!(
            s,
            "HTTP/1.1 {status} X\r\nContent-Length: {len}\r\n\r\n{body}"
        )?;
        s.flush()?;
    }
}
