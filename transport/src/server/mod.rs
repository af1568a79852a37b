//! The server half of the protocol (feature `server`): a small HTTPS/1.1 server for loopback
//! use — the embedded remote-services server of `fleetwire demo` and the test servers of this
//! workspace — and [`pki`], a certificate authority generated at start.
//!
//! rustls `ServerConnection` over a std `TcpListener`, one thread per connection, keep-alive,
//! TLS 1.2 and 1.3 only, with the same crypto provider as the client
//! ([`crate::tls::crypto_provider`]). With [`ServerSpec::client_ca`] set, a client certificate
//! issued by that CA is required (`WebPkiClientVerifier`). Requests are bounded (request line and
//! header lines, header count, body size); anything else gets `400`/`413` and the connection is
//! closed. What to answer is the [`Handler`]'s business.
//!
//! ```
//! use std::sync::Arc;
//! use fleetwire_transport::server::{HttpsServer, Reply, ServerSpec, pki::Pki};
//! use fleetwire_transport::tls::{ClientIdentity, Roots, TlsOptions};
//! use fleetwire_transport::{Allowlist, Client, ClientOptions};
//!
//! let pki = Pki::new("example CA")?;
//! let server_leaf = pki.server()?;
//! let client_leaf = pki.client("device-1.example")?;
//! let mut spec = ServerSpec::new(&server_leaf);
//! spec.client_ca = Some(pki.ca_der());
//! let server = HttpsServer::start(spec, Arc::new(|_req| Reply::ok().with_body("hello")))?;
//!
//! let mut options = ClientOptions::default();
//! options.tls = TlsOptions {
//!     roots: Roots::from_pem(pki.ca_pem().as_bytes(), "example CA")?,
//!     identity: Some(ClientIdentity::from_pem(
//!         client_leaf.cert_pem.as_bytes(),
//!         client_leaf.key_pem.as_bytes(),
//!     )?),
//!     ..TlsOptions::default()
//! };
//! options.allowlist = Allowlist::new([server.url("/")])?;
//! let resp = Client::new(&options)?.get(&server.url("/"))?;
//! assert_eq!(resp.body, b"hello");
//! assert!(server.requests()[0].client_cert);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread::JoinHandle;
use std::time::Duration;

use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::server::WebPkiClientVerifier;
use rustls::{RootCertStore, ServerConfig, ServerConnection, StreamOwned};

pub mod pki;

/// TLS 1.2 only, for [`ServerSpec::versions`].
pub static TLS12_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
/// TLS 1.3 only, for [`ServerSpec::versions`].
pub static TLS13_ONLY: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];

/// Longest request line or header line accepted (bytes).
pub const MAX_LINE: u64 = 8 * 1024;
/// Most header lines in one request.
pub const MAX_HEADERS: usize = 100;

/// The server could not be set up.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ServerError {
    /// Generating keys or certificates failed.
    #[error("certificate authority: {0}")]
    Pki(#[from] rcgen::Error),
    /// The TLS configuration was refused (certificate, key, client CA).
    #[error("TLS server configuration: {0}")]
    Tls(String),
    /// Binding the listener failed.
    #[error("listening on {addr}: {source}")]
    Bind {
        /// The address.
        addr: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// One received request.
#[derive(Clone, PartialEq, Eq)]
pub struct Request {
    /// `GET`, `POST`, ...
    pub method: String,
    /// The request target (`/upload?x=1`).
    pub path: String,
    /// Header names in lower case, values trimmed, in arrival order.
    pub headers: Vec<(String, String)>,
    /// The body (`Content-Length` bytes).
    pub body: Vec<u8>,
    /// True when the client presented a certificate (verified against the client CA).
    pub client_cert: bool,
    /// The subject alternative DNS names of the client certificate, if any.
    pub client_names: Vec<String>,
    /// Which TCP connection it came on (1, 2, ... in accept order): keep-alive is visible.
    pub connection_id: u64,
}

impl fmt::Debug for Request {
    // Authorization headers carry secrets: names only.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Request")
            .field("method", &self.method)
            .field("path", &self.path)
            .field(
                "headers",
                &self.headers.iter().map(|(k, _)| k).collect::<Vec<_>>(),
            )
            .field("body_len", &self.body.len())
            .field("client_cert", &self.client_cert)
            .field("connection_id", &self.connection_id)
            .finish()
    }
}

impl Request {
    /// The first value of header `name` (any case).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The path without its query string.
    pub fn route(&self) -> &str {
        self.path.split('?').next().unwrap_or_default()
    }
}

/// What a handler answers.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// HTTP status.
    pub status: u16,
    /// Extra headers (`Content-Length` is always written by the server).
    pub headers: Vec<(String, String)>,
    /// The body.
    pub body: Vec<u8>,
}

impl Reply {
    /// `200` with an empty body.
    pub fn ok() -> Self {
        Self::status(200)
    }

    /// `status` with an empty body.
    pub fn status(status: u16) -> Self {
        Self {
            status,
            headers: vec![],
            body: vec![],
        }
    }

    /// `200` with a JSON body.
    pub fn json(value: &serde_json::Value) -> Self {
        Self::ok()
            .with_header("Content-Type", "application/json")
            .with_body(value.to_string())
    }

    /// Replaces the body.
    pub fn with_body(mut self, body: impl Into<Vec<u8>>) -> Self {
        self.body = body.into();
        self
    }

    /// Adds a header.
    pub fn with_header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }
}

/// Answers one request. Runs on the connection's thread.
pub type Handler = Arc<dyn Fn(&Request) -> Reply + Send + Sync>;

/// How the server is set up.
pub struct ServerSpec {
    /// TLS versions offered (default: 1.2 and 1.3).
    pub versions: &'static [&'static rustls::SupportedProtocolVersion],
    /// The server certificate chain, leaf first.
    pub chain: Vec<CertificateDer<'static>>,
    /// The server key.
    pub key: PrivateKeyDer<'static>,
    /// When set, a client certificate issued by this CA is required.
    pub client_ca: Option<CertificateDer<'static>>,
    /// Largest request body accepted; larger ones get `413` (default 64 MiB).
    pub max_body: usize,
    /// Keep every request for [`HttpsServer::requests`] (default true; tests rely on it).
    pub record_requests: bool,
    /// Address to listen on (default `127.0.0.1:0`).
    pub bind: SocketAddr,
}

impl fmt::Debug for ServerSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerSpec")
            .field("chain", &self.chain.len())
            .field("client_ca", &self.client_ca.is_some())
            .field("max_body", &self.max_body)
            .field("bind", &self.bind)
            .finish_non_exhaustive()
    }
}

impl ServerSpec {
    /// A spec serving `leaf`, no client certificate required, on `127.0.0.1:0`.
    pub fn new(leaf: &pki::Leaf) -> Self {
        Self {
            versions: rustls::ALL_VERSIONS,
            chain: vec![leaf.cert_der.clone()],
            key: leaf.key(),
            client_ca: None,
            max_body: 64 * 1024 * 1024,
            record_requests: true,
            bind: SocketAddr::from(([127, 0, 0, 1], 0)),
        }
    }

    fn tls_config(self) -> Result<ServerConfig, ServerError> {
        let provider = crate::tls::crypto_provider();
        let tls = |e: rustls::Error| ServerError::Tls(e.to_string());
        let builder = ServerConfig::builder_with_provider(provider.clone())
            .with_protocol_versions(self.versions)
            .map_err(tls)?;
        let builder = match self.client_ca {
            Some(ca) => {
                let mut roots = RootCertStore::empty();
                roots.add(ca).map_err(tls)?;
                let verifier = WebPkiClientVerifier::builder_with_provider(roots.into(), provider)
                    .build()
                    .map_err(|e| ServerError::Tls(e.to_string()))?;
                builder.with_client_cert_verifier(verifier)
            }
            None => builder.with_no_client_auth(),
        };
        builder.with_single_cert(self.chain, self.key).map_err(tls)
    }
}

#[derive(Default)]
struct Shared {
    requests: Mutex<Vec<Request>>,
    connections: AtomicU64,
    stop: AtomicBool,
}

/// A running server. Stops (and joins its accept thread) on [`HttpsServer::stop`] or drop;
/// connections in progress finish on their own threads.
pub struct HttpsServer {
    addr: SocketAddr,
    shared: Arc<Shared>,
    accept: Option<JoinHandle<()>>,
}

impl fmt::Debug for HttpsServer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpsServer")
            .field("addr", &self.addr)
            .field("connections", &self.connections())
            .finish_non_exhaustive()
    }
}

impl HttpsServer {
    /// Binds, then serves in background threads.
    pub fn start(spec: ServerSpec, handler: Handler) -> Result<Self, ServerError> {
        let (bind, max_body, record) = (spec.bind, spec.max_body, spec.record_requests);
        let config = Arc::new(spec.tls_config()?);
        let listener = TcpListener::bind(bind).map_err(|source| ServerError::Bind {
            addr: bind.to_string(),
            source,
        })?;
        let addr = listener.local_addr().map_err(|source| ServerError::Bind {
            addr: bind.to_string(),
            source,
        })?;
        let shared = Arc::new(Shared::default());
        let accept = {
            let shared = shared.clone();
            std::thread::spawn(move || {
                for stream in listener.incoming() {
                    if shared.stop.load(Ordering::SeqCst) {
                        break;
                    }
                    let Ok(stream) = stream else { continue };
                    let id = shared.connections.fetch_add(1, Ordering::SeqCst) + 1;
                    let conn = Connection {
                        config: config.clone(),
                        handler: handler.clone(),
                        shared: shared.clone(),
                        id,
                        max_body,
                        record,
                    };
                    std::thread::spawn(move || conn.serve(stream));
                }
            })
        };
        Ok(Self {
            addr,
            shared,
            accept: Some(accept),
        })
    }

    /// The bound address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The bound port.
    pub fn port(&self) -> u16 {
        self.addr.port()
    }

    /// `https://localhost:PORT{path}` (the certificates of [`pki::Pki::server`] name `localhost`).
    pub fn url(&self, path: &str) -> String {
        format!("https://localhost:{}{path}", self.addr.port())
    }

    /// Every request received so far (when [`ServerSpec::record_requests`]).
    pub fn requests(&self) -> Vec<Request> {
        lock(&self.shared.requests).clone()
    }

    /// TCP connections accepted so far (including failed handshakes).
    pub fn connections(&self) -> u64 {
        self.shared.connections.load(Ordering::SeqCst)
    }

    /// Stops accepting and joins the accept thread.
    pub fn stop(&mut self) {
        if let Some(h) = self.accept.take() {
            self.shared.stop.store(true, Ordering::SeqCst);
            // Wake the blocking accept.
            let _ = TcpStream::connect(self.addr);
            let _ = h.join();
        }
    }
}

impl Drop for HttpsServer {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Locks, ignoring poisoning (a panicking handler must not take the server down).
pub(crate) fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}

type Tls = BufReader<StreamOwned<ServerConnection, TcpStream>>;

struct Connection {
    config: Arc<ServerConfig>,
    handler: Handler,
    shared: Arc<Shared>,
    id: u64,
    max_body: usize,
    record: bool,
}

/// Why a connection ends early.
enum Stop {
    /// The peer closed, or the transport or TLS failed.
    Io,
    /// A malformed or oversized request: answer this status and close.
    Bad(u16, &'static str),
}

impl From<std::io::Error> for Stop {
    fn from(_: std::io::Error) -> Self {
        Self::Io
    }
}

impl Connection {
    fn serve(self, tcp: TcpStream) {
        let _ = tcp.set_read_timeout(Some(Duration::from_secs(20)));
        // A reply is written as two TLS records (head, body): with Nagle's algorithm the body
        // would wait for the client's delayed ACK of the head, 40 ms on Linux, per request.
        let _ = tcp.set_nodelay(true);
        let Ok(conn) = ServerConnection::new(self.config.clone()) else {
            return;
        };
        let mut stream = BufReader::new(StreamOwned::new(conn, tcp));
        match self.requests(&mut stream) {
            Ok(()) => {}
            Err(Stop::Bad(status, why)) => {
                let reply = Reply::status(status).with_body(why);
                let _ = write_reply(stream.get_mut(), &reply, true);
                close(stream.get_mut());
            }
            Err(Stop::Io) => {
                // Lingering close, as real servers do: send any queued alert, stop writing, and
                // drain what the client already sent so the kernel does not answer it with a RST
                // (which would discard the alert before the client reads it).
                let s = stream.get_mut();
                let _ = s.conn.write_tls(&mut s.sock);
                let _ = s.sock.shutdown(Shutdown::Write);
                let _ = s.sock.set_read_timeout(Some(Duration::from_millis(500)));
                let mut sink = [0u8; 4096];
                while matches!(s.sock.read(&mut sink), Ok(n) if n > 0) {}
            }
        }
    }

    fn requests(&self, stream: &mut Tls) -> Result<(), Stop> {
        loop {
            let Some(start) = read_line(stream)? else {
                return Ok(());
            };
            let mut parts = start.split_whitespace();
            let (Some(method), Some(path)) = (parts.next(), parts.next()) else {
                return Err(Stop::Bad(400, "bad request line"));
            };
            let (method, path) = (method.to_owned(), path.to_owned());
            let mut headers = Vec::new();
            loop {
                let Some(line) = read_line(stream)? else {
                    return Ok(());
                };
                if line.is_empty() {
                    break;
                }
                if headers.len() >= MAX_HEADERS {
                    return Err(Stop::Bad(431, "too many header lines"));
                }
                let Some((k, v)) = line.split_once(':') else {
                    return Err(Stop::Bad(400, "header line without a colon"));
                };
                headers.push((k.trim().to_ascii_lowercase(), v.trim().to_owned()));
            }
            if headers.iter().any(|(k, _)| k == "transfer-encoding") {
                return Err(Stop::Bad(411, "chunked bodies are not accepted"));
            }
            let len = match headers.iter().find(|(k, _)| k == "content-length") {
                None => 0,
                Some((_, v)) => v
                    .parse::<usize>()
                    .map_err(|_| Stop::Bad(400, "bad Content-Length"))?,
            };
            if len > self.max_body {
                return Err(Stop::Bad(413, "body too large"));
            }
            let mut body = vec![0; len];
            stream.read_exact(&mut body)?;
            let peer = stream.get_ref().conn.peer_certificates();
            let client_cert = peer.is_some();
            let client_names = peer
                .and_then(|c| c.first())
                .map(pki::dns_names)
                .unwrap_or_default();
            let close_after = headers
                .iter()
                .any(|(k, v)| k == "connection" && v.eq_ignore_ascii_case("close"));
            let req = Request {
                method,
                path,
                headers,
                body,
                client_cert,
                client_names,
                connection_id: self.id,
            };
            let reply = (self.handler)(&req);
            if self.record {
                lock(&self.shared.requests).push(req);
            }
            write_reply(stream.get_mut(), &reply, close_after)?;
            if close_after {
                close(stream.get_mut());
                return Ok(());
            }
        }
    }
}

/// One CRLF- or LF-terminated line without its terminator; `None` at end of stream.
fn read_line(stream: &mut Tls) -> Result<Option<String>, Stop> {
    let mut raw = Vec::new();
    let n = stream.by_ref().take(MAX_LINE).read_until(b'\n', &mut raw)?;
    if n == 0 {
        return Ok(None);
    }
    if raw.last() != Some(&b'\n') {
        return Err(Stop::Bad(431, "request line or header line too long"));
    }
    let text = String::from_utf8(raw).map_err(|_| Stop::Bad(400, "header is not UTF-8"))?;
    Ok(Some(text.trim_end_matches(['\r', '\n']).to_owned()))
}

fn reason(status: u16) -> &'static str {
    match status {
        200 => "OK",
        201 => "Created",
        202 => "Accepted",
        204 => "No Content",
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        409 => "Conflict",
        411 => "Length Required",
        413 => "Content Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        431 => "Request Header Fields Too Large",
        500 => "Internal Server Error",
        503 => "Service Unavailable",
        _ => "Status",
    }
}

fn write_reply(
    s: &mut StreamOwned<ServerConnection, TcpStream>,
    reply: &Reply,
    close: bool,
) -> std::io::Result<()> {
    let mut head = format!(
        "HTTP/1.1 {} {}\r\nContent-Length: {}\r\n",
        reply.status,
        reason(reply.status),
        reply.body.len()
    );
    for (k, v) in &reply.headers {
        // A handler's header never splits the response.
        if !k.contains(['\r', '\n', ':']) && !v.contains(['\r', '\n']) {
            head.push_str(&format!("{k}: {v}\r\n"));
        }
    }
    if close {
        head.push_str("Connection: close\r\n");
    }
    head.push_str("\r\n");
    s.write_all(head.as_bytes())?;
    s.write_all(&reply.body)?;
    s.flush()
}

fn close(s: &mut StreamOwned<ServerConnection, TcpStream>) {
    s.conn.send_close_notify();
    let _ = s.flush();
}
