//! Typed errors, one per layer: configuration, transport (TLS, proxy, HTTP), spool, actions.
//!
//! Every variant names what failed and where (a host, a path, a URL). Secrets (passwords,
//! tokens, private keys, proxy credentials) never appear in an error message.

use std::path::PathBuf;

/// A configuration value (certificate, key, pin, proxy, allowlist rule) could not be used.
///
/// Returned when a [`Client`](crate::Client) is built, before any connection is made.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A CA certificate bundle could not be read or parsed.
    #[error("CA certificates from {source_name}: {reason}")]
    CaCertificates {
        /// Where the certificates came from (a path, or `inline PEM`).
        source_name: String,
        /// What is wrong with them.
        reason: String,
    },
    /// The client certificate chain could not be read or parsed.
    #[error("client certificate from {source_name}: {reason}")]
    ClientCertificate {
        /// Where the certificate came from.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client private key could not be read or parsed (its bytes are never shown).
    #[error("client private key from {source_name}: {reason}")]
    ClientKey {
        /// Where the key came from.
        source_name: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The client private key does not belong to the client certificate.
    #[error(
        "client private key does not match the public key of client certificate {subject_hint}"
    )]
    ClientKeyMismatch {
        /// A short description of the certificate (first bytes of its SHA-256, hex).
        subject_hint: String,
    },
    /// The client certificate is outside its validity period (checked against the system
    /// clock before use, as the server would refuse it anyway).
    #[error(
        "client certificate from {source_name} is not valid now: valid from {not_before} to {not_after} (Unix seconds), now {now}"
    )]
    ClientCertificateNotValidNow {
        /// Where the certificate came from.
        source_name: String,
        /// Start of validity (Unix seconds).
        not_before: i64,
        /// End of validity (Unix seconds).
        not_after: i64,
        /// The current time (Unix seconds).
        now: i64,
    },
    /// A SPKI pin is not 32 bytes of base64 or hex.
    #[error("SPKI pin {pin:?}: {reason}")]
    Pin {
        /// The pin as given.
        pin: String,
        /// What is wrong with it.
        reason: String,
    },
    /// The proxy URL is not `http://[user:pass@]host:port`.
    #[error("proxy URL {redacted_url:?}: {reason}")]
    Proxy {
        /// The proxy URL with any credentials replaced by `***`.
        redacted_url: String,
        /// What is wrong with it.
        reason: String,
    },
    /// An allowlist rule is not an `https://host[:port][/path-prefix]` URL.
    #[error("allowlist rule {rule:?}: {reason}")]
    AllowRule {
        /// The rule as given.
        rule: String,
        /// What is wrong with it.
        reason: String,
    },
    /// rustls refused the configuration (for example no usable protocol version).
    #[error("TLS configuration: {0}")]
    Tls(#[from] rustls::Error),
}

/// A request could not be made or did not complete.
///
/// Each refusal of a certificate has its own variant, so a host application can tell the user
/// what to fix; other TLS failures are in [`TransportError::Tls`].
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TransportError {
    /// The URL does not parse.
    #[error("URL {url:?} is invalid: {reason}")]
    InvalidUrl {
        /// The URL as given.
        url: String,
        /// Why it does not parse.
        reason: String,
    },
    /// The URL is not `https`: plain HTTP is never used, whatever the allowlist says.
    #[error("refusing {url}: scheme {scheme:?} is not https")]
    NotHttps {
        /// The URL.
        url: String,
        /// Its scheme.
        scheme: String,
    },
    /// The URL is not matched by any allowlist rule; no connection was made.
    #[error("refusing {url}: not on the allowlist")]
    NotAllowed {
        /// The URL.
        url: String,
    },
    /// The server's certificate chain does not lead to a trusted CA.
    #[error("TLS to {host}: server certificate is issued by an unknown CA")]
    UnknownIssuer {
        /// The server host.
        host: String,
    },
    /// The server's certificate is not valid for the host name that was asked for.
    #[error("TLS to {host}: server certificate is not valid for this host name")]
    HostnameMismatch {
        /// The server host.
        host: String,
    },
    /// The server's certificate has expired.
    #[error("TLS to {host}: server certificate has expired")]
    CertificateExpired {
        /// The server host.
        host: String,
    },
    /// The server's certificate is not valid yet.
    #[error("TLS to {host}: server certificate is not valid yet")]
    CertificateNotYetValid {
        /// The server host.
        host: String,
    },
    /// The server's certificate is valid but its public key matches none of the SPKI pins.
    #[error("TLS to {host}: server public key matches no configured SPKI pin")]
    PinMismatch {
        /// The server host.
        host: String,
    },
    /// The server requires a client certificate and none was configured.
    #[error("TLS to {host}: server requires a client certificate")]
    ClientCertificateRequired {
        /// The server host.
        host: String,
    },
    /// The server rejected the client certificate that was sent.
    #[error("TLS to {host}: server rejected the client certificate ({alert})")]
    ClientCertificateRejected {
        /// The server host.
        host: String,
        /// The TLS alert the server sent.
        alert: String,
    },
    /// Any other TLS failure (protocol version, cipher suites, alerts).
    #[error("TLS to {host}: {source}")]
    Tls {
        /// The server host.
        host: String,
        /// The rustls error.
        #[source]
        source: rustls::Error,
    },
    /// The proxy refused the credentials (or demanded some) on CONNECT.
    #[error("proxy {proxy} refused CONNECT authentication (HTTP {status})")]
    ProxyAuthentication {
        /// The proxy host and port (never its credentials).
        proxy: String,
        /// The status the proxy answered (401 or 407).
        status: u16,
    },
    /// The proxy could not be reached or refused the tunnel for another reason.
    #[error("proxy {proxy}: {reason}")]
    Proxy {
        /// The proxy host and port.
        proxy: String,
        /// What happened.
        reason: String,
    },
    /// The TCP connection to the server could not be made.
    #[error("connecting to {host}: {reason}")]
    Connect {
        /// The server host (and port).
        host: String,
        /// What happened.
        reason: String,
    },
    /// The request or response did not complete in time.
    #[error("request to {url} timed out")]
    Timeout {
        /// The URL.
        url: String,
    },
    /// A response body was larger than allowed.
    #[error("response from {url} is larger than {limit} bytes")]
    TooLarge {
        /// The URL.
        url: String,
        /// The limit in bytes.
        limit: u64,
    },
    /// An I/O or protocol error during the exchange.
    #[error("request to {url}: {reason}")]
    Http {
        /// The URL.
        url: String,
        /// What happened.
        reason: String,
    },
    /// A local file could not be written (downloads).
    #[error("{op} {path}: {source}")]
    Io {
        /// The operation (`creating`, `writing`, ...).
        op: &'static str,
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
}

impl TransportError {
    /// True when the failure is about this connection attempt only and a later retry may work
    /// (connection refused, timeout, I/O error, proxy unreachable); false for refusals that
    /// need a configuration change (allowlist, certificates, pins, proxy credentials).
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            Self::Connect { .. } | Self::Timeout { .. } | Self::Http { .. } | Self::Proxy { .. }
        )
    }
}

/// A spool operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SpoolError {
    /// A file system operation failed.
    #[error("spool: {op} {path}: {source}")]
    Io {
        /// The operation (`creating`, `fsync`, `renaming`, ...).
        op: &'static str,
        /// The file or directory.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The payload does not fit under the byte cap and the policy is to refuse new payloads.
    #[error("spool {dir} is full: {needed} bytes needed, {used} of {cap} used")]
    Full {
        /// The spool directory.
        dir: PathBuf,
        /// Size of the refused payload.
        needed: u64,
        /// Bytes in use.
        used: u64,
        /// The cap.
        cap: u64,
    },
    /// The payload alone is larger than the byte cap.
    #[error("payload of {size} bytes can never fit the spool cap of {cap} bytes")]
    TooLarge {
        /// Size of the payload.
        size: u64,
        /// The cap.
        cap: u64,
    },
    /// An upload failed in a way retries cannot fix (bad configuration, certificate refused).
    #[error("upload of {entry}: {source}")]
    Transport {
        /// The spool entry's file name.
        entry: String,
        /// The transport error.
        #[source]
        source: TransportError,
    },
}

/// A signed action envelope or signed file was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ActionError {
    /// The envelope is not valid JSON of the documented shape.
    #[error("action envelope is malformed: {reason}")]
    Malformed {
        /// What is wrong.
        reason: String,
    },
    /// The envelope has no signature.
    #[error("action envelope is unsigned")]
    Unsigned,
    /// The envelope names a key that is not pinned.
    #[error("action envelope is signed by unknown key {key_id:?}")]
    UnknownKey {
        /// The key id from the envelope.
        key_id: String,
    },
    /// The signature does not verify over the exact bytes with the pinned key.
    #[error("signature by key {key_id:?} does not verify")]
    BadSignature {
        /// The key id from the envelope.
        key_id: String,
    },
    /// The envelope has expired.
    #[error("action {nonce:?} expired at {expires} (now {now})")]
    Expired {
        /// The envelope nonce.
        nonce: String,
        /// Its expiry (Unix seconds).
        expires: i64,
        /// The current time (Unix seconds).
        now: i64,
    },
    /// The envelope's expiry is further in the future than allowed.
    #[error(
        "action {nonce:?} expires at {expires}, more than {max_lifetime_secs} s after now {now}"
    )]
    LifetimeTooLong {
        /// The envelope nonce.
        nonce: String,
        /// Its expiry (Unix seconds).
        expires: i64,
        /// The current time (Unix seconds).
        now: i64,
        /// The longest accepted lifetime.
        max_lifetime_secs: i64,
    },
    /// The nonce was seen before.
    #[error("action nonce {nonce:?} was already used")]
    Replayed {
        /// The repeated nonce.
        nonce: String,
    },
    /// The action kind is disabled by local policy.
    #[error("action {kind} refused by policy")]
    RefusedByPolicy {
        /// The action kind.
        kind: String,
    },
    /// A downloaded file's digest is not the one the signed action named.
    #[error("downloaded file digest does not match the signed digest")]
    DigestMismatch,
}
