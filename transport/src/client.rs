//! The HTTPS client: ureq 3 over Fleetwire's own rustls configuration, an allowlist check before
//! every request, credentials, proxies and typed errors.
//!
//! Secrets: passwords, tokens and proxy URLs are held in [`Zeroizing`] buffers and redacted
//! from `Debug` output and errors; nothing is logged. Copies that ureq makes internally (the
//! `Authorization` header value per request, the parsed proxy credentials) are outside our
//! control and are not zeroized.

use std::fmt;
use std::io::{Read, Write};
use std::sync::Arc;
use std::time::Duration;

use rustls::pki_types::ServerName;
use rustls::{AlertDescription, CertificateError, ClientConnection, StreamOwned};
use ureq::unversioned::resolver::DefaultResolver;
use ureq::unversioned::transport::{
    Buffers, ConnectProxyConnector, ConnectionDetails, Connector, Either, LazyBuffers, NextTimeout,
    TcpConnector, Transport, TransportAdapter,
};
use zeroize::Zeroizing;

use crate::allowlist::Allowlist;
use crate::error::{ConfigError, TransportError};
use crate::tls::TlsOptions;

/// How the device authenticates to the server at the HTTP layer (a client certificate, if any,
/// is in [`TlsOptions::identity`]).
#[derive(Clone, Default)]
pub enum Credentials {
    /// No HTTP authentication.
    #[default]
    None,
    /// `Authorization: Basic` (only ever sent over TLS).
    Basic {
        /// User name.
        user: String,
        /// Password, zeroized on drop.
        password: Zeroizing<String>,
    },
    /// `Authorization: Bearer` token, zeroized on drop.
    Bearer(Zeroizing<String>),
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::Basic { user, .. } => {
                write!(f, "Basic {{ user: {user:?}, password: <redacted> }}")
            }
            Self::Bearer(_) => f.write_str("Bearer(<redacted>)"),
        }
    }
}

impl Credentials {
    fn header(&self) -> Option<Zeroizing<String>> {
        use base64::Engine as _;
        match self {
            Self::None => None,
            Self::Basic { user, password } => {
                let raw = Zeroizing::new(format!("{user}:{}", password.as_str()));
                Some(Zeroizing::new(format!(
                    "Basic {}",
                    base64::engine::general_purpose::STANDARD.encode(raw.as_bytes())
                )))
            }
            Self::Bearer(token) => Some(Zeroizing::new(format!("Bearer {}", token.as_str()))),
        }
    }
}

/// Which web proxy to use.
#[derive(Clone, Default)]
pub enum ProxyConfig {
    /// Connect directly.
    #[default]
    None,
    /// `HTTPS_PROXY` / `ALL_PROXY` (and lower-case forms), honouring `NO_PROXY`.
    FromEnv,
    /// An explicit `http://[user:pass@]host:port` proxy; HTTPS goes through `CONNECT`, with
    /// `Proxy-Authorization: Basic` when credentials are given. Zeroized on drop.
    Url(Zeroizing<String>),
}

impl fmt::Debug for ProxyConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::None => f.write_str("None"),
            Self::FromEnv => f.write_str("FromEnv"),
            Self::Url(u) => write!(f, "Url({:?})", redact_url(u)),
        }
    }
}

/// Replaces the user information of a URL by `***`.
pub(crate) fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => format!(
            "{}***{}",
            url.get(..s + 3).unwrap_or_default(),
            url.get(at..).unwrap_or_default()
        ),
        _ => url.to_owned(),
    }
}

/// Everything a [`Client`] needs.
#[derive(Debug, Clone)]
pub struct ClientOptions {
    /// TLS trust, pins, client certificate and versions.
    pub tls: TlsOptions,
    /// HTTP credentials.
    pub credentials: Credentials,
    /// Web proxy.
    pub proxy: ProxyConfig,
    /// Request URLs that may be contacted; an empty list refuses everything.
    pub allowlist: Allowlist,
    /// Time limit for one whole request (connect, send, receive).
    pub timeout: Duration,
    /// `User-Agent` header.
    pub user_agent: String,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            tls: TlsOptions::default(),
            credentials: Credentials::None,
            proxy: ProxyConfig::None,
            allowlist: Allowlist::default(),
            timeout: Duration::from_secs(60),
            user_agent: concat!("fleetwire-transport/", env!("CARGO_PKG_VERSION")).to_owned(),
        }
    }
}

/// A response with its body read (bounded).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// HTTP status.
    pub status: u16,
    /// The `Retry-After` header, if any.
    pub retry_after: Option<String>,
    /// The `Content-Type` header, if any.
    pub content_type: Option<String>,
    /// The body.
    pub body: Vec<u8>,
}

/// Largest response body [`Client::post`] and [`Client::get`] read into memory.
pub const MAX_RESPONSE_BODY: u64 = 1024 * 1024;

/// The blocking HTTPS client. Cheap to clone; connections are kept alive and reused.
///
/// A device certificate, a private CA and an authenticating proxy (HTTPS goes through
/// `CONNECT`; TLS and the client certificate stay end to end with the server):
///
/// ```no_run
/// use fleetwire_transport::tls::{ClientIdentity, Roots};
/// use fleetwire_transport::{Allowlist, Client, ClientOptions, ProxyConfig};
/// use zeroize::Zeroizing;
///
/// let mut options = ClientOptions::default();
/// options.tls.roots = Roots::from_pem_file("/etc/fleetwire/ca.pem")?;
/// options.tls.identity = Some(ClientIdentity::from_pem_files(
///     "/etc/fleetwire/device.pem",
///     "/etc/fleetwire/device.key",
/// )?);
/// options.proxy = ProxyConfig::Url(Zeroizing::new("http://fleet:secret@proxy:3128".into()));
/// options.allowlist = Allowlist::new(["https://rs.example.com/upload"])?;
/// let client = Client::new(&options)?;
/// let response = client.post("https://rs.example.com/upload", "application/zip", &[], b"...")?;
/// assert_eq!(response.status, 200);
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
///
/// URLs are checked before any connection is made:
///
/// ```
/// use fleetwire_transport::{Allowlist, Client, ClientOptions, TransportError};
///
/// let mut options = ClientOptions::default();
/// options.allowlist = Allowlist::new(["https://rs.example.com/upload"])?;
/// let client = Client::new(&options)?;
/// let err = client.get("http://rs.example.com/upload").unwrap_err();
/// assert!(matches!(err, TransportError::NotHttps { .. }), "{err}");
/// let err = client.get("https://elsewhere.example.com/").unwrap_err();
/// assert!(matches!(err, TransportError::NotAllowed { .. }), "{err}");
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
#[derive(Clone)]
pub struct Client {
    direct: ureq::Agent,
    proxied: Option<(ureq::Agent, String)>,
    no_proxy: Vec<String>,
    tls: Arc<rustls::ClientConfig>,
    allowlist: Allowlist,
    auth_header: Option<Arc<Zeroizing<String>>>,
    has_identity: bool,
    timeout: Duration,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("allowlist", &self.allowlist)
            .field("proxy", &self.proxied.as_ref().map(|(_, name)| name))
            .field("no_proxy", &self.no_proxy)
            .field("fips", &self.fips())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// Builds a client. Certificates, keys and the proxy URL are checked here.
    pub fn new(options: &ClientOptions) -> Result<Self, ConfigError> {
        let tls = Arc::new(options.tls.build()?);
        let (proxy_url, no_proxy) = match &options.proxy {
            ProxyConfig::None => (None, Vec::new()),
            ProxyConfig::Url(url) => (Some(url.clone()), Vec::new()),
            ProxyConfig::FromEnv => {
                let var = |names: &[&str]| {
                    names
                        .iter()
                        .filter_map(|n| std::env::var(n).ok())
                        .find(|v| !v.trim().is_empty())
                };
                let url = var(&["HTTPS_PROXY", "https_proxy", "ALL_PROXY", "all_proxy"]);
                let no_proxy = var(&["NO_PROXY", "no_proxy"])
                    .map(|v| parse_no_proxy(&v))
                    .unwrap_or_default();
                (url.map(|u| Zeroizing::new(u.trim().to_owned())), no_proxy)
            }
        };
        let proxy = match &proxy_url {
            None => None,
            Some(url) => {
                let bad = |reason: String| ConfigError::Proxy {
                    redacted_url: redact_url(url),
                    reason,
                };
                if !url.starts_with("http://") {
                    return Err(bad(
                        "only http:// proxies (CONNECT) are supported".to_owned()
                    ));
                }
                let p = ureq::Proxy::new(url).map_err(|e| bad(e.to_string()))?;
                let name = format!("{}:{}", p.host(), p.port());
                Some((p, name))
            }
        };
        let agent = |proxy: Option<ureq::Proxy>| {
            let config = ureq::Agent::config_builder()
                .https_only(true)
                .max_redirects(0)
                .http_status_as_error(false)
                .timeout_global(Some(options.timeout))
                .user_agent(options.user_agent.as_str())
                .proxy(proxy)
                .build();
            let connector =
                ().chain(ConnectProxyConnector::default())
                    .chain(TcpConnector::default())
                    .chain(TlsConnector {
                        config: tls.clone(),
                    });
            ureq::Agent::with_parts(config, connector, DefaultResolver::default())
        };
        let direct = agent(None);
        let proxied = proxy.map(|(p, name)| (agent(Some(p)), name));
        Ok(Self {
            direct,
            proxied,
            no_proxy,
            tls,
            allowlist: options.allowlist.clone(),
            auth_header: options.credentials.header().map(Arc::new),
            has_identity: options.tls.identity.is_some(),
            timeout: options.timeout,
        })
    }

    /// The agent for `url` and the proxy it goes through, if any.
    fn route(&self, url: &str) -> (&ureq::Agent, Option<&str>) {
        match &self.proxied {
            Some((agent, name)) if !no_proxy_matches(&self.no_proxy, host_of(url)) => {
                (agent, Some(name.as_str()))
            }
            _ => (&self.direct, None),
        }
    }

    /// True when the TLS configuration is in FIPS mode (feature `fips`, aws-lc-rs FIPS module).
    pub fn fips(&self) -> bool {
        self.tls.fips()
    }

    /// The allowlist this client enforces.
    pub fn allowlist(&self) -> &Allowlist {
        &self.allowlist
    }

    /// `POST`s `body` with extra headers and reads the response (body up to
    /// [`MAX_RESPONSE_BODY`]). Non-2xx statuses are responses, not errors.
    pub fn post(
        &self,
        url: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: &[u8],
    ) -> Result<Response, TransportError> {
        self.post_within(url, content_type, headers, body, None)
    }

    /// [`Client::post`] with a time limit for this request that replaces
    /// [`ClientOptions::timeout`] when shorter (the shutdown flush uses it to keep its deadline).
    pub fn post_within(
        &self,
        url: &str,
        content_type: &str,
        headers: &[(&str, &str)],
        body: &[u8],
        timeout: Option<Duration>,
    ) -> Result<Response, TransportError> {
        self.allowlist.check(url)?;
        let (agent, proxy) = self.route(url);
        let mut req = agent.post(url).header("Content-Type", content_type);
        if let Some(t) = timeout.filter(|t| *t < self.timeout) {
            req = req.config().timeout_global(Some(t)).build();
        }
        if let Some(auth) = &self.auth_header {
            req = req.header("Authorization", auth.as_str());
        }
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let resp = req.send(body).map_err(|e| self.map_err(e, url, proxy))?;
        self.read_response(resp, url)
    }

    /// `GET`s `url` and reads the response (body up to [`MAX_RESPONSE_BODY`]).
    pub fn get(&self, url: &str) -> Result<Response, TransportError> {
        let resp = self.get_streaming(url)?;
        self.read_response(resp, url)
    }

    /// `GET`s `url` and returns the response with its body unread, for streaming downloads.
    pub(crate) fn get_streaming(
        &self,
        url: &str,
    ) -> Result<ureq::http::Response<ureq::Body>, TransportError> {
        self.allowlist.check(url)?;
        let (agent, proxy) = self.route(url);
        let mut req = agent.get(url);
        if let Some(auth) = &self.auth_header {
            req = req.header("Authorization", auth.as_str());
        }
        req.call().map_err(|e| self.map_err(e, url, proxy))
    }

    fn read_response(
        &self,
        mut resp: ureq::http::Response<ureq::Body>,
        url: &str,
    ) -> Result<Response, TransportError> {
        let header = |name: &str| {
            resp.headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        let retry_after = header("retry-after");
        let content_type = header("content-type");
        let status = resp.status().as_u16();
        let body = resp
            .body_mut()
            .with_config()
            .limit(MAX_RESPONSE_BODY)
            .read_to_vec()
            .map_err(|e| self.map_err(e, url, None))?;
        Ok(Response {
            status,
            retry_after,
            content_type,
            body,
        })
    }

    pub(crate) fn map_err(&self, e: ureq::Error, url: &str, proxy: Option<&str>) -> TransportError {
        let host = host_of(url);
        match e {
            ureq::Error::Rustls(e) => map_rustls(e, host, self.has_identity),
            ureq::Error::Io(io) => self.map_io(io, url, host, proxy),
            ureq::Error::Timeout(_) => TransportError::Timeout {
                url: url.to_owned(),
            },
            ureq::Error::ConnectProxyFailed(reason) => {
                let proxy = proxy.unwrap_or_default().to_owned();
                let status = reason
                    .strip_prefix("proxy server responded ")
                    .and_then(|s| s.get(..3))
                    .and_then(|s| s.parse::<u16>().ok());
                match status {
                    Some(status @ (401 | 407)) => {
                        TransportError::ProxyAuthentication { proxy, status }
                    }
                    _ => TransportError::Proxy { proxy, reason },
                }
            }
            ureq::Error::HostNotFound | ureq::Error::ConnectionFailed => match proxy {
                Some(proxy) => TransportError::Proxy {
                    proxy: proxy.to_owned(),
                    reason: e.to_string(),
                },
                None => TransportError::Connect {
                    host: host.to_owned(),
                    reason: e.to_string(),
                },
            },
            ureq::Error::BodyExceedsLimit(limit) => TransportError::TooLarge {
                url: url.to_owned(),
                limit,
            },
            ureq::Error::RequireHttpsOnly(_) => TransportError::NotHttps {
                url: url.to_owned(),
                scheme: url.split(':').next().unwrap_or("").to_owned(),
            },
            other => TransportError::Http {
                url: url.to_owned(),
                reason: other.to_string(),
            },
        }
    }

    fn map_io(
        &self,
        io: std::io::Error,
        url: &str,
        host: &str,
        proxy: Option<&str>,
    ) -> TransportError {
        use std::io::ErrorKind as K;
        if let Some(tls) = io.get_ref().and_then(|i| i.downcast_ref::<rustls::Error>()) {
            return map_rustls(tls.clone(), host, self.has_identity);
        }
        match io.kind() {
            K::TimedOut | K::WouldBlock => TransportError::Timeout {
                url: url.to_owned(),
            },
            K::ConnectionRefused
            | K::AddrNotAvailable
            | K::HostUnreachable
            | K::NetworkUnreachable => match proxy {
                Some(proxy) => TransportError::Proxy {
                    proxy: proxy.to_owned(),
                    reason: io.to_string(),
                },
                None => TransportError::Connect {
                    host: host.to_owned(),
                    reason: io.to_string(),
                },
            },
            _ => TransportError::Http {
                url: url.to_owned(),
                reason: io.to_string(),
            },
        }
    }
}

/// `NO_PROXY` entries: host names or IP addresses, optionally with a port; a leading `.` or
/// `*.` is dropped (an entry always matches its subdomains); `*` matches everything.
fn parse_no_proxy(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|e| e.trim().trim_start_matches("*.").trim_start_matches('.'))
        .filter(|e| !e.is_empty())
        .map(str::to_ascii_lowercase)
        .collect()
}

fn no_proxy_matches(entries: &[String], authority: &str) -> bool {
    let authority = authority.to_ascii_lowercase();
    let (host, port) = split_host_port(&authority);
    entries.iter().any(|entry| {
        if entry == "*" {
            return true;
        }
        let (e_host, e_port) = split_host_port(entry);
        if e_port.is_some() && e_port != Some(port.unwrap_or("443")) {
            return false;
        }
        host == e_host
            || host
                .strip_suffix(e_host)
                .is_some_and(|rest| rest.ends_with('.'))
    })
}

fn split_host_port(authority: &str) -> (&str, Option<&str>) {
    if let Some(rest) = authority.strip_prefix('[') {
        // [v6]:port
        let (h, after) = rest.split_once(']').unwrap_or((rest, ""));
        return (h, after.strip_prefix(':'));
    }
    match authority.rsplit_once(':') {
        Some((h, p)) if !h.contains(':') => (h, Some(p)),
        _ => (authority, None),
    }
}

fn host_of(url: &str) -> &str {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let authority = rest.split(['/', '?', '#']).next().unwrap_or(rest);
    authority.rsplit('@').next().unwrap_or(authority)
}

fn map_rustls(e: rustls::Error, host: &str, has_identity: bool) -> TransportError {
    let host = host.to_owned();
    match e {
        rustls::Error::InvalidCertificate(c) => match c {
            CertificateError::UnknownIssuer => TransportError::UnknownIssuer { host },
            CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. } => {
                TransportError::HostnameMismatch { host }
            }
            CertificateError::Expired | CertificateError::ExpiredContext { .. } => {
                TransportError::CertificateExpired { host }
            }
            CertificateError::NotValidYet | CertificateError::NotValidYetContext { .. } => {
                TransportError::CertificateNotYetValid { host }
            }
            CertificateError::ApplicationVerificationFailure => {
                TransportError::PinMismatch { host }
            }
            other => TransportError::Tls {
                host,
                source: rustls::Error::InvalidCertificate(other),
            },
        },
        rustls::Error::AlertReceived(AlertDescription::CertificateRequired) => {
            TransportError::ClientCertificateRequired { host }
        }
        rustls::Error::AlertReceived(
            alert @ (AlertDescription::BadCertificate
            | AlertDescription::UnknownCA
            | AlertDescription::CertificateUnknown
            | AlertDescription::CertificateExpired
            | AlertDescription::CertificateRevoked
            | AlertDescription::AccessDenied
            | AlertDescription::UnsupportedCertificate),
        ) if has_identity => TransportError::ClientCertificateRejected {
            host,
            alert: format!("{alert:?}"),
        },
        other => TransportError::Tls {
            host,
            source: other,
        },
    }
}

/// ureq connector wrapping a chained transport in TLS with our own rustls configuration.
struct TlsConnector {
    config: Arc<rustls::ClientConfig>,
}

impl fmt::Debug for TlsConnector {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsConnector")
    }
}

fn io_to_ureq(e: std::io::Error) -> ureq::Error {
    let rustls_err = e
        .get_ref()
        .and_then(|i| i.downcast_ref::<rustls::Error>())
        .cloned();
    match rustls_err {
        Some(r) => ureq::Error::Rustls(r),
        None => ureq::Error::Io(e),
    }
}

impl<In: Transport> Connector<In> for TlsConnector {
    type Out = Either<In, TlsTransport>;

    fn connect(
        &self,
        details: &ConnectionDetails<'_>,
        chained: Option<In>,
    ) -> Result<Option<Self::Out>, ureq::Error> {
        let Some(transport) = chained else {
            return Ok(None);
        };
        if !details.needs_tls() || transport.is_tls() {
            return Ok(Some(Either::A(transport)));
        }
        let host = details
            .uri
            .host()
            .ok_or(ureq::Error::Tls("URL has no host"))?
            .trim_start_matches('[')
            .trim_end_matches(']')
            .to_owned();
        let name =
            ServerName::try_from(host).map_err(|_| ureq::Error::Tls("invalid TLS server name"))?;
        let mut conn = ClientConnection::new(self.config.clone(), name)?;
        let mut sock = TransportAdapter::new(transport.boxed(), details.current_time.clone());
        sock.set_timeout(details.timeout);
        while conn.is_handshaking() {
            conn.complete_io(&mut sock).map_err(io_to_ureq)?;
        }
        Ok(Some(Either::B(TlsTransport {
            buffers: LazyBuffers::new(128 * 1024, 128 * 1024),
            stream: StreamOwned { conn, sock },
        })))
    }
}

/// A TLS-wrapped transport for ureq.
struct TlsTransport {
    buffers: LazyBuffers,
    stream: StreamOwned<ClientConnection, TransportAdapter>,
}

impl fmt::Debug for TlsTransport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("TlsTransport")
    }
}

impl Transport for TlsTransport {
    fn buffers(&mut self) -> &mut dyn Buffers {
        &mut self.buffers
    }

    fn transmit_output(&mut self, amount: usize, timeout: NextTimeout) -> Result<(), ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let output = self
            .buffers
            .output()
            .get(..amount)
            .ok_or(ureq::Error::Tls("output amount beyond buffer"))?;
        if let Err(e) = self.stream.write_all(output) {
            // The server may have sent an alert and closed (a TLS 1.3 server rejects a client
            // certificate only after the handshake): report the alert rather than the broken pipe.
            let StreamOwned { conn, sock } = &mut self.stream;
            while matches!(conn.read_tls(sock), Ok(n) if n > 0) {
                if let Err(tls) = conn.process_new_packets() {
                    return Err(ureq::Error::Rustls(tls));
                }
            }
            return Err(io_to_ureq(e));
        }
        Ok(())
    }

    fn await_input(&mut self, timeout: NextTimeout) -> Result<bool, ureq::Error> {
        self.stream.get_mut().set_timeout(timeout);
        let input = self.buffers.input_append_buf();
        let amount = self.stream.read(input).map_err(io_to_ureq)?;
        self.buffers.input_appended(amount);
        Ok(amount > 0)
    }

    fn is_open(&mut self) -> bool {
        self.stream.get_mut().get_mut().is_open()
    }

    fn is_tls(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction() {
        assert_eq!(redact_url("http://u:p@h:3128"), "http://***@h:3128");
        assert_eq!(redact_url("http://h:3128"), "http://h:3128");
        let c = Credentials::Basic {
            user: "dev".into(),
            password: Zeroizing::new("s3cret".into()),
        };
        assert!(!format!("{c:?}").contains("s3cret"));
        let p = ProxyConfig::Url(Zeroizing::new("http://u:pw@h:1".into()));
        assert!(!format!("{p:?}").contains("pw"));
        assert_eq!(host_of("https://a.example:8443/x"), "a.example:8443");
    }

    #[test]
    fn no_proxy() {
        let e = parse_no_proxy(" localhost, .corp.example,*.lab.example , 10.0.0.1:8443,[::1]");
        assert_eq!(
            e,
            [
                "localhost",
                "corp.example",
                "lab.example",
                "10.0.0.1:8443",
                "[::1]"
            ]
        );
        assert!(no_proxy_matches(&e, "localhost:4443"));
        assert!(no_proxy_matches(&e, "LOCALHOST"));
        assert!(no_proxy_matches(&e, "a.b.corp.example"));
        assert!(no_proxy_matches(&e, "corp.example"));
        assert!(!no_proxy_matches(&e, "notcorp.example"));
        assert!(no_proxy_matches(&e, "x.lab.example"));
        assert!(no_proxy_matches(&e, "10.0.0.1:8443"));
        assert!(!no_proxy_matches(&e, "10.0.0.1"));
        assert!(no_proxy_matches(&e, "[::1]:443"));
        assert!(!no_proxy_matches(&e, "rs.example.com"));
        assert!(no_proxy_matches(&parse_no_proxy("*"), "anything"));
    }
}
