//! Test support shared by the integration tests and the benches: certificates made at test
//! time with rcgen, and a small real HTTPS/1.1 server (rustls `ServerConnection` over a std
//! `TcpListener` on 127.0.0.1, one thread per connection, keep-alive).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]
#![allow(missing_docs, unreachable_pub)]

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

pub static TLS12_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
pub static TLS13_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];

pub fn provider() -> Arc<rustls::crypto::CryptoProvider> {
    Arc::new(rustls::crypto::ring::default_provider())
}

/// A test CA that issues server and client certificates.
pub struct Pki {
    pub ca: CertifiedIssuer<'static, KeyPair>,
}

/// A certificate with its key, as DER and PEM.
pub struct Leaf {
    pub cert_der: CertificateDer<'static>,
    pub cert_pem: String,
    pub key_der: Vec<u8>,
    pub key_pem: String,
}

impl Leaf {
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.clone()))
    }
}

impl Pki {
    pub fn new(name: &str) -> Self {
        let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate().unwrap()).unwrap();
        Self { ca }
    }

    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    pub fn ca_der(&self) -> CertificateDer<'static> {
        self.ca.der().clone()
    }

    fn leaf(&self, names: &[&str], eku: ExtendedKeyUsagePurpose, expired: bool) -> Leaf {
        let names: Vec<String> = names.iter().map(|s| s.to_string()).collect();
        let mut params = CertificateParams::new(names).unwrap();
        params
            .distinguished_name
            .push(DnType::CommonName, "fleetwire test leaf");
        params.extended_key_usages = vec![eku];
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate().unwrap();
        let cert = params.signed_by(&key, &self.ca).unwrap();
        Leaf {
            cert_der: cert.der().clone(),
            cert_pem: cert.pem(),
            key_der: key.serialize_der(),
            key_pem: key.serialize_pem(),
        }
    }

    /// A server certificate for `localhost` and `127.0.0.1`.
    pub fn server(&self) -> Leaf {
        self.leaf(
            &["localhost", "127.0.0.1"],
            ExtendedKeyUsagePurpose::ServerAuth,
            false,
        )
    }

    pub fn server_for(&self, names: &[&str], expired: bool) -> Leaf {
        self.leaf(names, ExtendedKeyUsagePurpose::ServerAuth, expired)
    }

    pub fn client(&self) -> Leaf {
        self.leaf(
            &["device-1.fleetwire.test"],
            ExtendedKeyUsagePurpose::ClientAuth,
            false,
        )
    }

    pub fn expired_client(&self) -> Leaf {
        self.leaf(
            &["device-1.fleetwire.test"],
            ExtendedKeyUsagePurpose::ClientAuth,
            true,
        )
    }
}

/// One received request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    pub client_cert: bool,
    pub connection_id: u64,
}

impl Request {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// What the handler answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Reply {
    pub fn ok() -> Self {
        Self::status(200)
    }
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: vec![],
            body: vec![],
        }
    }
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }
    pub fn with_header(mut self, k: &str, v: &str) -> Self {
        self.headers.push((k.to_owned(), v.to_owned()));
        self
    }
}

pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// How the server is set up.
pub struct ServerSpec {
    pub versions: &'static [&'static rustls::SupportedProtocolVersion],
    pub chain: Vec<CertificateDer<'static>>,
    pub key: PrivateKeyDer<'static>,
    /// When set, a client certificate issued by one of these is required.
    pub client_ca: Option<CertificateDer<'static>>,
}

impl ServerSpec {
    pub fn new(leaf: &Leaf) -> Self {
        Self {
            versions: rustls::ALL_VERSIONS,
            chain: vec![leaf.cert_der.clone()],
            key: leaf.key(),
            client_ca: None,
        }
    }
}

pub struct TestServer {
    pub addr: SocketAddr,
    pub requests: Arc<Mutex<Vec<Request>>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl TestServer {
    pub fn start(spec: ServerSpec, handler: Handler) -> Self {
        let builder = ServerConfig::builder_with_provider(provider())
            .with_protocol_versions(spec.versions)
            .unwrap();
        let builder = match spec.client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                roots.add(ca).unwrap();
                let verifier =
                    WebPkiClientVerifier::builder_with_provider(Arc::new(roots), provider())
                        .build()
                        .unwrap();
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        let config = Arc::new(builder.with_single_cert(spec.chain, spec.key).unwrap());
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = listener.local_addr().unwrap();
        let requests = Arc::new(Mutex::new(Vec::new()));
        let stop = Arc::new(AtomicBool::new(false));
        let accept = {
            let (requests, stop) = (requests.clone(), stop.clone());
            std::thread::spawn(move || {
                let mut next_id = 0u64;
                for stream in listener.incoming() {
                    if stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    next_id += 1;
                    let (config, handler, requests) =
                        (config.clone(), handler.clone(), requests.clone());
                    let id = next_id;
                    std::thread::spawn(move || {
                        let _ = serve(stream, config, handler, requests, id);
                    });
                }
            })
        };
        Self {
            addr,
            requests,
            stop,
            accept: Some(accept),
        }
    }

    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }

    pub fn requests(&self) -> Vec<Request> {
        self.requests.lock().unwrap().clone()
    }

    pub fn stop(&mut self) {
        if let Some(h) = self.accept.take() {
            self.stop.store(true, Ordering::SeqCst);
            let _ = TcpStream::connect(self.addr);
            let _ = h.join();
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn serve(
    tcp: TcpStream,
    config: Arc<ServerConfig>,
    handler: Handler,
    requests: Arc<Mutex<Vec<Request>>>,
    id: u64,
) -> std::io::Result<()> {
    tcp.set_read_timeout(Some(Duration::from_secs(20)))?;
    let conn = ServerConnection::new(config).map_err(std::io::Error::other)?;
    let mut stream = BufReader::new(StreamOwned::new(conn, tcp));
    let result = serve_requests(&mut stream, handler, requests, id);
    if result.is_err() {
        // Lingering close, as real servers do: send any queued alert, stop writing, and drain
        // what the client already sent so the kernel does not answer it with a RST (which
        // would discard the alert before the client reads it).
        let s = stream.get_mut();
        let _ = s.conn.write_tls(&mut s.sock);
        let _ = s.sock.shutdown(std::net::Shutdown::Write);
        let _ = s.sock.set_read_timeout(Some(Duration::from_millis(500)));
        let mut sink = [0u8; 4096];
        while matches!(s.sock.read(&mut sink), Ok(n) if n > 0) {}
    }
    result
}

fn serve_requests(
    stream: &mut BufReader<StreamOwned<ServerConnection, TcpStream>>,
    handler: Handler,
    requests: Arc<Mutex<Vec<Request>>>,
    id: u64,
) -> std::io::Result<()> {
    loop {
        let mut line = String::new();
        if stream.read_line(&mut line)? == 0 {
            return Ok(());
        }
        let mut parts = line.split_whitespace();
        let method = parts.next().unwrap_or("").to_owned();
        let path = parts.next().unwrap_or("").to_owned();
        let mut headers = Vec::new();
        loop {
            let mut h = String::new();
            if stream.read_line(&mut h)? == 0 {
                return Ok(());
            }
            let h = h.trim_end();
            if h.is_empty() {
                break;
            }
            if let Some((k, v)) = h.split_once(':') {
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
        }
        let len: usize = headers
            .iter()
            .find(|(k, _)| k == "content-length")
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; len];
        stream.read_exact(&mut body)?;
        let client_cert = stream.get_ref().conn.peer_certificates().is_some();
        let close = headers
            .iter()
            .any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close"));
        let req = Request {
            method,
            path,
            headers,
            body,
            client_cert,
            connection_id: id,
        };
        let reply = handler(&req);
        requests.lock().unwrap().push(req);
        let mut out = format!(
            "HTTP/1.1 {} X\r\nContent-Length: {}\r\n",
            reply.status,
            reply.body.len()
        );
        for (k, v) in &reply.headers {
            out.push_str(&format!("{k}: {v}\r\n"));
        }
        out.push_str("\r\n");
        let s = stream.get_mut();
        s.write_all(out.as_bytes())?;
        s.write_all(&reply.body)?;
        s.flush()?;
        if close {
            s.conn.send_close_notify();
            let _ = s.flush();
            return Ok(());
        }
    }
}

/// A server for `localhost`/`127.0.0.1` signed by a fresh CA, answering with `handler`.
pub fn simple_server(handler: Handler) -> (Pki, TestServer) {
    let pki = Pki::new("fleetwire test CA");
    let leaf = pki.server();
    let server = TestServer::start(ServerSpec::new(&leaf), handler);
    (pki, server)
}
