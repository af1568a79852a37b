//! A certificate authority made at start (rcgen): it issues the server certificate and the
//! client certificates that a [`super::HttpsServer`] with [`super::ServerSpec::client_ca`]
//! requires. Keys never leave memory unless the caller writes them out; they are zeroized on
//! drop and never shown by `Debug`.

use std::fmt;

use rcgen::{
    BasicConstraints, CertificateParams, CertifiedIssuer, DnType, ExtendedKeyUsagePurpose, IsCa,
    KeyPair, KeyUsagePurpose,
};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use zeroize::Zeroizing;

/// A certificate authority with a fresh P-256 key.
pub struct Pki {
    ca: CertifiedIssuer<'static, KeyPair>,
}

impl fmt::Debug for Pki {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Pki").finish_non_exhaustive()
    }
}

/// An issued certificate with its key (PKCS#8), as DER and PEM.
#[derive(Clone)]
pub struct Leaf {
    /// The certificate, DER.
    pub cert_der: CertificateDer<'static>,
    /// The certificate, PEM.
    pub cert_pem: String,
    /// The private key, PKCS#8 DER (zeroized on drop).
    pub key_der: Zeroizing<Vec<u8>>,
    /// The private key, PEM (zeroized on drop).
    pub key_pem: Zeroizing<String>,
}

impl fmt::Debug for Leaf {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Leaf")
            .field("names", &dns_names(&self.cert_der))
            .field("key", &"<redacted>")
            .finish()
    }
}

impl Leaf {
    /// The private key for rustls.
    pub fn key(&self) -> PrivateKeyDer<'static> {
        PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(self.key_der.to_vec()))
    }
}

impl Pki {
    /// A new self-signed CA called `name`.
    pub fn new(name: &str) -> Result<Self, rcgen::Error> {
        let mut params = CertificateParams::new(Vec::<String>::new())?;
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.distinguished_name.push(DnType::CommonName, name);
        params.key_usages = vec![
            KeyUsagePurpose::KeyCertSign,
            KeyUsagePurpose::CrlSign,
            KeyUsagePurpose::DigitalSignature,
        ];
        let ca = CertifiedIssuer::self_signed(params, KeyPair::generate()?)?;
        Ok(Self { ca })
    }

    /// The CA certificate, PEM (what clients trust).
    pub fn ca_pem(&self) -> String {
        self.ca.pem()
    }

    /// The CA certificate, DER.
    pub fn ca_der(&self) -> CertificateDer<'static> {
        self.ca.der().clone()
    }

    /// Issues a certificate for `names` (DNS names or IP addresses) with one extended key
    /// usage; `expired` makes it valid only in 2020.
    pub fn issue(
        &self,
        names: &[&str],
        usage: ExtendedKeyUsagePurpose,
        expired: bool,
    ) -> Result<Leaf, rcgen::Error> {
        let names: Vec<String> = names.iter().map(|s| (*s).to_owned()).collect();
        let common_name = names.first().cloned().unwrap_or_default();
        let mut params = CertificateParams::new(names)?;
        params
            .distinguished_name
            .push(DnType::CommonName, common_name);
        params.extended_key_usages = vec![usage];
        if expired {
            params.not_before = rcgen::date_time_ymd(2020, 1, 1);
            params.not_after = rcgen::date_time_ymd(2021, 1, 1);
        }
        let key = KeyPair::generate()?;
        let cert = params.signed_by(&key, &self.ca)?;
        Ok(Leaf {
            cert_der: cert.der().clone(),
            cert_pem: cert.pem(),
            key_der: Zeroizing::new(key.serialize_der()),
            key_pem: Zeroizing::new(key.serialize_pem()),
        })
    }

    /// A server certificate for `localhost` and `127.0.0.1`.
    pub fn server(&self) -> Result<Leaf, rcgen::Error> {
        self.server_for(&["localhost", "127.0.0.1"], false)
    }

    /// A server certificate for other names, possibly expired.
    pub fn server_for(&self, names: &[&str], expired: bool) -> Result<Leaf, rcgen::Error> {
        self.issue(names, ExtendedKeyUsagePurpose::ServerAuth, expired)
    }

    /// A client certificate for the DNS name `name` (the server sees it in
    /// [`super::Request::client_names`]).
    pub fn client(&self, name: &str) -> Result<Leaf, rcgen::Error> {
        self.issue(&[name], ExtendedKeyUsagePurpose::ClientAuth, false)
    }

    /// An expired client certificate for `name`.
    pub fn expired_client(&self, name: &str) -> Result<Leaf, rcgen::Error> {
        self.issue(&[name], ExtendedKeyUsagePurpose::ClientAuth, true)
    }
}

/// The DNS names in a certificate's subject alternative names (empty when it does not parse).
pub fn dns_names(cert: &CertificateDer<'_>) -> Vec<String> {
    webpki::EndEntityCert::try_from(cert)
        .map(|ee| ee.valid_dns_names().map(str::to_owned).collect())
        .unwrap_or_default()
}
