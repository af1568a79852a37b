//! TLS client configuration: trust roots, SPKI pinning, client certificates, protocol versions.
//!
//! rustls never speaks anything older than TLS 1.2; [`TlsVersions`] narrows that further when a
//! deployment needs it. The server certificate is always validated (chain, validity period,
//! host name); there is no switch to turn validation off.
//!
//! ```
//! use fleetwire_transport::tls::{Roots, TlsOptions, TlsVersions};
//!
//! let options = TlsOptions {
//!     roots: Roots::WebPki,
//!     versions: TlsVersions::Tls13Only,
//!     ..TlsOptions::default()
//! };
//! let config = options.build()?;
//! assert_eq!(config.alpn_protocols, vec![b"http/1.1".to_vec()]);
//! # Ok::<(), fleetwire_transport::ConfigError>(())
//! ```

use std::fmt;
use std::path::Path;
use std::sync::Arc;

use rustls::client::WebPkiServerVerifier;
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::crypto::CryptoProvider;
use rustls::pki_types::pem::PemObject;
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use sha2::{Digest, Sha256};
use zeroize::Zeroize;

use crate::error::ConfigError;

/// Largest certificate or key file [`read_pem_file`] reads (1 MiB: PEM bundles of hundreds
/// of CA certificates fit many times over).
pub const MAX_PEM_FILE: u64 = 1 << 20;

/// Reads a small file named in a configuration (PEM certificates and keys): regular files
/// only, so a FIFO or device named by mistake is an error instead of a hang or an endless
/// read, and at most `limit` bytes.
pub fn read_pem_file(path: &Path, limit: u64) -> std::io::Result<Vec<u8>> {
    use std::io::{Error, ErrorKind, Read};
    if !std::fs::metadata(path)?.is_file() {
        return Err(Error::new(ErrorKind::InvalidInput, "not a regular file"));
    }
    let mut out = Vec::new();
    std::fs::File::open(path)?
        .take(limit.saturating_add(1))
        .read_to_end(&mut out)?;
    if out.len() as u64 > limit {
        return Err(Error::new(
            ErrorKind::InvalidData,
            format!("larger than {limit} bytes"),
        ));
    }
    Ok(out)
}

/// The crypto provider every Fleetwire TLS connection uses.
///
/// `ring` by default; with the `fips` feature, the aws-lc-rs FIPS provider (rustls'
/// [`default_fips_provider`](https://docs.rs/rustls/0.23/rustls/crypto/fn.default_fips_provider.html),
/// which exists only when rustls is built with its `fips` feature).
pub fn crypto_provider() -> Arc<CryptoProvider> {
    #[cfg(feature = "fips")]
    {
        Arc::new(rustls::crypto::default_fips_provider())
    }
    #[cfg(not(feature = "fips"))]
    {
        Arc::new(rustls::crypto::ring::default_provider())
    }
}

/// Where trusted CA certificates come from.
#[derive(Clone, Default)]
pub enum Roots {
    /// Mozilla's root program, compiled in (crate `webpki-roots`).
    #[default]
    WebPki,
    /// The operating system's store (`/etc/ssl/certs` and friends, crate `rustls-native-certs`).
    Platform,
    /// Exactly these CA certificates (parsed from PEM with [`Roots::from_pem`]).
    Certificates(Vec<CertificateDer<'static>>),
}

impl fmt::Debug for Roots {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::WebPki => f.write_str("WebPki"),
            Self::Platform => f.write_str("Platform"),
            Self::Certificates(c) => write!(f, "Certificates({} certificates)", c.len()),
        }
    }
}

impl Roots {
    /// Parses one or more PEM `CERTIFICATE` blocks. `source_name` is used in errors.
    pub fn from_pem(pem: &[u8], source_name: &str) -> Result<Self, ConfigError> {
        let bad = |reason: String| ConfigError::CaCertificates {
            source_name: source_name.to_owned(),
            reason,
        };
        let certs = CertificateDer::pem_slice_iter(pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| bad(e.to_string()))?;
        if certs.is_empty() {
            return Err(bad("no PEM CERTIFICATE block found".to_owned()));
        }
        let mut store = RootCertStore::empty();
        for (i, c) in certs.iter().enumerate() {
            store
                .add(c.clone())
                .map_err(|e| bad(format!("certificate #{}: {e}", i + 1)))?;
        }
        Ok(Self::Certificates(certs))
    }

    /// Reads and parses a PEM file of CA certificates.
    pub fn from_pem_file(path: impl AsRef<Path>) -> Result<Self, ConfigError> {
        let path = path.as_ref();
        let name = path.display().to_string();
        let pem = read_pem_file(path, MAX_PEM_FILE).map_err(|e| ConfigError::CaCertificates {
            source_name: name.clone(),
            reason: e.to_string(),
        })?;
        Self::from_pem(&pem, &name)
    }

    fn store(&self) -> Result<RootCertStore, ConfigError> {
        let mut store = RootCertStore::empty();
        match self {
            Self::WebPki => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            Self::Platform => {
                let loaded = rustls_native_certs::load_native_certs();
                let (added, _) = store.add_parsable_certificates(loaded.certs);
                if added == 0 {
                    return Err(ConfigError::CaCertificates {
                        source_name: "the platform store".to_owned(),
                        reason: format!("no usable certificate ({} errors)", loaded.errors.len()),
                    });
                }
            }
            Self::Certificates(certs) => {
                for c in certs {
                    store
                        .add(c.clone())
                        .map_err(|e| ConfigError::CaCertificates {
                            source_name: "configured certificates".to_owned(),
                            reason: e.to_string(),
                        })?;
                }
            }
        }
        Ok(store)
    }
}

/// Which TLS protocol versions may be negotiated.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum TlsVersions {
    /// TLS 1.2 and TLS 1.3 (the default).
    #[default]
    Tls12And13,
    /// TLS 1.2 only.
    Tls12Only,
    /// TLS 1.3 only.
    Tls13Only,
}

impl TlsVersions {
    fn list(self) -> &'static [&'static rustls::SupportedProtocolVersion] {
        static BOTH: [&rustls::SupportedProtocolVersion; 2] =
            [&rustls::version::TLS13, &rustls::version::TLS12];
        static TLS12: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS12];
        static TLS13: [&rustls::SupportedProtocolVersion; 1] = [&rustls::version::TLS13];
        match self {
            Self::Tls12And13 => &BOTH,
            Self::Tls12Only => &TLS12,
            Self::Tls13Only => &TLS13,
        }
    }
}

/// A SHA-256 digest of a DER `SubjectPublicKeyInfo` (the HPKP / `curl --pinnedpubkey` pin).
#[derive(Clone, Copy, PartialEq, Eq)]
pub struct SpkiPin(pub [u8; 32]);

impl fmt::Debug for SpkiPin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SpkiPin(sha256/{})", self.to_base64())
    }
}

impl SpkiPin {
    /// Parses `sha256//BASE64`, `sha256/BASE64`, plain base64 (44 characters) or 64 hex digits.
    pub fn parse(pin: &str) -> Result<Self, ConfigError> {
        use base64::Engine as _;
        let bad = |reason: &str| ConfigError::Pin {
            pin: pin.to_owned(),
            reason: reason.to_owned(),
        };
        let s = pin
            .strip_prefix("sha256//")
            .or_else(|| pin.strip_prefix("sha256/"))
            .unwrap_or(pin)
            .trim();
        let bytes = if s.len() == 64 && s.bytes().all(|b| b.is_ascii_hexdigit()) {
            crate::hex_decode(s).ok_or_else(|| bad("invalid hex"))?
        } else {
            base64::engine::general_purpose::STANDARD
                .decode(s)
                .map_err(|_| bad("neither 64 hex digits nor base64"))?
        };
        let arr: [u8; 32] = bytes
            .try_into()
            .map_err(|_| bad("a SHA-256 pin is 32 bytes"))?;
        Ok(Self(arr))
    }

    /// The pin of a certificate's public key.
    pub fn of_certificate(cert: &CertificateDer<'_>) -> Result<Self, ConfigError> {
        let ee = webpki::EndEntityCert::try_from(cert).map_err(|e| ConfigError::Pin {
            pin: "<certificate>".to_owned(),
            reason: format!("certificate does not parse: {e}"),
        })?;
        Ok(Self(
            Sha256::digest(ee.subject_public_key_info().as_ref()).into(),
        ))
    }

    /// `sha256/` + base64, the format accepted by [`SpkiPin::parse`].
    pub fn to_base64(&self) -> String {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.encode(self.0)
    }
}

/// A client certificate chain and its private key, checked to belong together.
///
/// The key bytes are zeroized when the identity is dropped and never printed.
pub struct ClientIdentity {
    certs: Vec<CertificateDer<'static>>,
    key: PrivateKeyDer<'static>,
}

impl fmt::Debug for ClientIdentity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientIdentity")
            .field("certificates", &self.certs.len())
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Clone for ClientIdentity {
    fn clone(&self) -> Self {
        Self {
            certs: self.certs.clone(),
            key: self.key.clone_key(),
        }
    }
}

impl Drop for ClientIdentity {
    fn drop(&mut self) {
        self.key.zeroize();
    }
}

impl ClientIdentity {
    /// Parses a PEM certificate chain (leaf first) and a PEM private key (PKCS#8, PKCS#1 or
    /// SEC1), and checks that the key is usable and matches the leaf certificate.
    ///
    /// A wrong pair is [`ConfigError::ClientKeyMismatch`], never a panic at handshake time.
    pub fn from_pem(cert_pem: &[u8], key_pem: &[u8]) -> Result<Self, ConfigError> {
        Self::from_pem_named(cert_pem, "inline PEM", key_pem, "inline PEM")
    }

    /// Reads and checks a certificate chain file and a key file (see [`ClientIdentity::from_pem`]).
    pub fn from_pem_files(
        cert_path: impl AsRef<Path>,
        key_path: impl AsRef<Path>,
    ) -> Result<Self, ConfigError> {
        let (cp, kp) = (cert_path.as_ref(), key_path.as_ref());
        let cert_name = cp.display().to_string();
        let key_name = kp.display().to_string();
        let cert_pem =
            read_pem_file(cp, MAX_PEM_FILE).map_err(|e| ConfigError::ClientCertificate {
                source_name: cert_name.clone(),
                reason: e.to_string(),
            })?;
        let key_pem = zeroize::Zeroizing::new(read_pem_file(kp, MAX_PEM_FILE).map_err(|e| {
            ConfigError::ClientKey {
                source_name: key_name.clone(),
                reason: e.to_string(),
            }
        })?);
        Self::from_pem_named(&cert_pem, &cert_name, &key_pem, &key_name)
    }

    /// [`ClientIdentity::from_pem`] with the names errors use for the two sources (file
    /// paths, say).
    pub fn from_pem_named(
        cert_pem: &[u8],
        cert_name: &str,
        key_pem: &[u8],
        key_name: &str,
    ) -> Result<Self, ConfigError> {
        let cert_err = |reason: String| ConfigError::ClientCertificate {
            source_name: cert_name.to_owned(),
            reason,
        };
        let key_err = |reason: String| ConfigError::ClientKey {
            source_name: key_name.to_owned(),
            reason,
        };
        let certs = CertificateDer::pem_slice_iter(cert_pem)
            .collect::<Result<Vec<_>, _>>()
            .map_err(|e| cert_err(e.to_string()))?;
        let Some(leaf) = certs.first() else {
            return Err(cert_err("no PEM CERTIFICATE block found".to_owned()));
        };
        webpki::EndEntityCert::try_from(leaf)
            .map_err(|e| cert_err(format!("leaf certificate does not parse: {e}")))?;
        let (not_before, not_after) = validity(leaf.as_ref())
            .ok_or_else(|| cert_err("leaf certificate validity does not parse".to_owned()))?;
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        if now < not_before || now > not_after {
            return Err(ConfigError::ClientCertificateNotValidNow {
                source_name: cert_name.to_owned(),
                not_before,
                not_after,
                now,
            });
        }
        // The PEM parser's error never contains key material, only structure.
        let key = PrivateKeyDer::from_pem_slice(key_pem).map_err(|e| key_err(e.to_string()))?;
        let signing = crypto_provider()
            .key_provider
            .load_private_key(key.clone_key())
            .map_err(|e| key_err(format!("unsupported or invalid key: {e}")))?;
        let certified = rustls::sign::CertifiedKey::new(certs.clone(), signing);
        match certified.keys_match() {
            Ok(()) => Ok(Self { certs, key }),
            Err(rustls::Error::InconsistentKeys(rustls::InconsistentKeys::Unknown)) => Err(
                key_err("cannot check that the key matches the certificate".to_owned()),
            ),
            Err(_) => Err(ConfigError::ClientKeyMismatch {
                subject_hint: crate::hex_encode(
                    Sha256::digest(leaf.as_ref()).get(..8).unwrap_or_default(),
                ),
            }),
        }
    }
}

/// One DER TLV: (tag, content, rest). Definite lengths up to 4 length bytes.
fn der_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first, mut rest) = rest.split_first()?;
    let len = if first < 0x80 {
        usize::from(first)
    } else {
        let n = usize::from(first & 0x7f);
        if n == 0 || n > 4 {
            return None;
        }
        let (bytes, after) = rest.split_at_checked(n)?;
        rest = after;
        bytes
            .iter()
            .fold(0usize, |acc, b| (acc << 8) | usize::from(*b))
    };
    let (content, rest) = rest.split_at_checked(len)?;
    Some((tag, content, rest))
}

/// `notBefore` and `notAfter` (Unix seconds) of a DER X.509 certificate.
fn validity(cert: &[u8]) -> Option<(i64, i64)> {
    const SEQUENCE: u8 = 0x30;
    let (SEQUENCE, cert, _) = der_tlv(cert)? else {
        return None;
    };
    let (SEQUENCE, mut tbs, _) = der_tlv(cert)? else {
        return None;
    };
    if tbs.first() == Some(&0xa0) {
        tbs = der_tlv(tbs)?.2; // [0] version
    }
    let tbs = der_tlv(tbs)?.2; // serialNumber
    let tbs = der_tlv(tbs)?.2; // signature
    let tbs = der_tlv(tbs)?.2; // issuer
    let (SEQUENCE, validity, _) = der_tlv(tbs)? else {
        return None;
    };
    let (t1, nb, rest) = der_tlv(validity)?;
    let (t2, na, _) = der_tlv(rest)?;
    Some((der_time(t1, nb)?, der_time(t2, na)?))
}

/// UTCTime (`YYMMDDHHMMSSZ`) or GeneralizedTime (`YYYYMMDDHHMMSSZ`) → Unix seconds.
fn der_time(tag: u8, bytes: &[u8]) -> Option<i64> {
    let text = std::str::from_utf8(bytes).ok()?.strip_suffix('Z')?;
    let (year, rest) = match tag {
        0x17 => {
            let yy: i64 = text.get(..2)?.parse().ok()?;
            (if yy < 50 { 2000 + yy } else { 1900 + yy }, text.get(2..)?)
        }
        0x18 => (text.get(..4)?.parse().ok()?, text.get(4..)?),
        _ => return None,
    };
    if rest.len() != 10 || !rest.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let num = |r: std::ops::Range<usize>| rest.get(r).and_then(|s| s.parse::<u32>().ok());
    let (mo, d, h, mi, s) = (num(0..2)?, num(2..4)?, num(4..6)?, num(6..8)?, num(8..10)?);
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || s > 60 {
        return None;
    }
    Some(
        crate::retry::days_from_civil(year, mo, d) * 86_400
            + i64::from(h) * 3600
            + i64::from(mi) * 60
            + i64::from(s),
    )
}

/// Everything that decides how the TLS client behaves.
#[derive(Debug, Clone, Default)]
pub struct TlsOptions {
    /// Trusted CA certificates.
    pub roots: Roots,
    /// Protocol versions.
    pub versions: TlsVersions,
    /// When not empty, the server's certificate chain must contain a public key with one of
    /// these pins (in addition to normal validation).
    pub pins: Vec<SpkiPin>,
    /// Client certificate to present when the server asks for one.
    pub identity: Option<ClientIdentity>,
}

impl TlsOptions {
    /// Builds the rustls client configuration.
    pub fn build(&self) -> Result<rustls::ClientConfig, ConfigError> {
        let provider = crypto_provider();
        let roots = Arc::new(self.roots.store()?);
        let webpki = WebPkiServerVerifier::builder_with_provider(roots, provider.clone())
            .build()
            .map_err(|e| ConfigError::CaCertificates {
                source_name: format!("{:?}", self.roots),
                reason: e.to_string(),
            })?;
        let verifier = Arc::new(PinningVerifier {
            inner: webpki,
            pins: self.pins.clone(),
        });
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(self.versions.list())?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match &self.identity {
            Some(id) => builder.with_client_auth_cert(id.certs.clone(), id.key.clone_key())?,
            None => builder.with_no_client_auth(),
        };
        config.alpn_protocols = vec![b"http/1.1".to_vec()];
        Ok(config)
    }
}

/// WebPKI validation (chain, dates, host name), then the SPKI pins if any.
#[derive(Debug)]
struct PinningVerifier {
    inner: Arc<WebPkiServerVerifier>,
    pins: Vec<SpkiPin>,
}

impl ServerCertVerifier for PinningVerifier {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        let verified = self.inner.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        )?;
        if self.pins.is_empty() {
            return Ok(verified);
        }
        let pinned = std::iter::once(end_entity)
            .chain(intermediates)
            .filter_map(|c| SpkiPin::of_certificate(c).ok())
            .any(|p| self.pins.contains(&p));
        if pinned {
            Ok(verified)
        } else {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::ApplicationVerificationFailure,
            ))
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.inner.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.inner.supported_verify_schemes()
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn pin_formats() {
        let hex = "00".repeat(32);
        assert_eq!(SpkiPin::parse(&hex).unwrap().0, [0; 32]);
        let b64 = SpkiPin([7; 32]).to_base64();
        assert_eq!(
            SpkiPin::parse(&format!("sha256//{b64}")).unwrap().0,
            [7; 32]
        );
        assert_eq!(SpkiPin::parse(&b64).unwrap().0, [7; 32]);
        assert!(SpkiPin::parse("abcd").is_err());
        assert!(SpkiPin::parse("!!").is_err());
    }

    #[test]
    fn pem_files_are_small_regular_files() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ca.pem");
        std::fs::write(&path, [b'x'; 100]).unwrap();
        assert_eq!(read_pem_file(&path, 100).unwrap().len(), 100);
        let e = read_pem_file(&path, 99).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidData);
        // A directory and an endless device are refused before reading.
        let e = read_pem_file(dir.path(), MAX_PEM_FILE).unwrap_err();
        assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
        if Path::new("/dev/zero").exists() {
            let e = read_pem_file(Path::new("/dev/zero"), MAX_PEM_FILE).unwrap_err();
            assert_eq!(e.kind(), std::io::ErrorKind::InvalidInput);
            let e = Roots::from_pem_file("/dev/zero").unwrap_err();
            assert!(e.to_string().contains("not a regular file"), "{e}");
        }
    }

    #[test]
    fn der_times() {
        assert_eq!(der_time(0x17, b"700101000000Z"), Some(0));
        assert_eq!(der_time(0x17, b"491231235959Z"), Some(2_524_607_999));
        assert_eq!(der_time(0x18, b"20260310000000Z"), Some(1_773_100_800));
        for bad in [
            &b"700101000000"[..],
            b"7001010000Z",
            b"701301000000Z",
            b"70010100000aZ",
        ] {
            assert_eq!(der_time(0x17, bad), None);
        }
        assert_eq!(der_time(0x02, b"700101000000Z"), None);
        assert_eq!(validity(&[0x30, 0x03, 0x30, 0x01]), None);
        assert_eq!(validity(&[]), None);
    }

    #[test]
    fn bad_pem() {
        assert!(matches!(
            Roots::from_pem(b"nothing here", "x"),
            Err(ConfigError::CaCertificates { .. })
        ));
        assert!(matches!(
            ClientIdentity::from_pem(b"", b""),
            Err(ConfigError::ClientCertificate { .. })
        ));
    }
}
