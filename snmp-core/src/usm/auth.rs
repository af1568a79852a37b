//! Authentication protocols (RFC 3414 sections 6 and 7, RFC 7860): HMAC over the whole
//! message with `msgAuthenticationParameters` zeroed, truncated.
//!
//! Incoming messages are verified over the exact received bytes: the parameters are located
//! in the wire bytes (never re-encoded) and the HMAC is fed the bytes before them, zeros, and
//! the bytes after them, so nothing is copied. The comparison is constant-time.

use core::fmt;
use core::ops::Range;

use subtle::ConstantTimeEq;

use crate::crypto::{CryptoProvider, HashAlgorithm, MAX_DIGEST_LEN, MacKey};
use crate::usm::UsmError;
use crate::usm::key::SecretKey;

/// A USM authentication protocol. [`AuthProtocol::algorithm`] gives its row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum AuthProtocol {
    /// HMAC-MD5-96 (RFC 3414 section 6), usmHMACMD5AuthProtocol. Not FIPS-approved.
    Md5,
    /// HMAC-SHA-96 (RFC 3414 section 7), usmHMACSHAAuthProtocol.
    Sha1,
    /// HMAC-SHA-224 truncated to 128 bits (RFC 7860), usmHMAC128SHA224AuthProtocol.
    Sha224,
    /// HMAC-SHA-256 truncated to 192 bits (RFC 7860), usmHMAC192SHA256AuthProtocol.
    Sha256,
    /// HMAC-SHA-384 truncated to 256 bits (RFC 7860), usmHMAC256SHA384AuthProtocol.
    Sha384,
    /// HMAC-SHA-512 truncated to 384 bits (RFC 7860), usmHMAC384SHA512AuthProtocol.
    Sha512,
}

/// One row of the authentication protocol table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AuthAlgorithm {
    /// The protocol.
    pub protocol: AuthProtocol,
    /// The RFC's name, e.g. `HMAC-SHA-96`, `HMAC-SHA-256-192`.
    pub name: &'static str,
    /// net-snmp's name (`-a`, `createUser`): `MD5 SHA SHA-224 SHA-256 SHA-384 SHA-512`.
    pub net_snmp_name: &'static str,
    /// The protocol's OBJECT IDENTIFIER (usmUserAuthProtocol value).
    pub oid: &'static str,
    /// The hash (also used for password-to-key and localization).
    pub hash: HashAlgorithm,
    /// Localized key length: the digest length.
    pub key_len: usize,
    /// Length of `msgAuthenticationParameters`: the truncated MAC.
    pub mac_len: usize,
    /// Whether FIPS 140-3 allows it (see [`AlgorithmPolicy`](crate::usm::AlgorithmPolicy)).
    pub fips_approved: bool,
}

const fn row(
    protocol: AuthProtocol,
    name: &'static str,
    net_snmp_name: &'static str,
    oid: &'static str,
    hash: HashAlgorithm,
    mac_len: usize,
) -> AuthAlgorithm {
    AuthAlgorithm {
        protocol,
        name,
        net_snmp_name,
        oid,
        hash,
        key_len: hash.output_len(),
        mac_len,
        fips_approved: !matches!(hash, HashAlgorithm::Md5),
    }
}

/// The authentication protocol table, weakest first.
pub const AUTH_ALGORITHMS: [AuthAlgorithm; 6] = [
    row(
        AuthProtocol::Md5,
        "HMAC-MD5-96",
        "MD5",
        "1.3.6.1.6.3.10.1.1.2",
        HashAlgorithm::Md5,
        12,
    ),
    row(
        AuthProtocol::Sha1,
        "HMAC-SHA-96",
        "SHA",
        "1.3.6.1.6.3.10.1.1.3",
        HashAlgorithm::Sha1,
        12,
    ),
    row(
        AuthProtocol::Sha224,
        "HMAC-SHA-224-128",
        "SHA-224",
        "1.3.6.1.6.3.10.1.1.4",
        HashAlgorithm::Sha224,
        16,
    ),
    row(
        AuthProtocol::Sha256,
        "HMAC-SHA-256-192",
        "SHA-256",
        "1.3.6.1.6.3.10.1.1.5",
        HashAlgorithm::Sha256,
        24,
    ),
    row(
        AuthProtocol::Sha384,
        "HMAC-SHA-384-256",
        "SHA-384",
        "1.3.6.1.6.3.10.1.1.6",
        HashAlgorithm::Sha384,
        32,
    ),
    row(
        AuthProtocol::Sha512,
        "HMAC-SHA-512-384",
        "SHA-512",
        "1.3.6.1.6.3.10.1.1.7",
        HashAlgorithm::Sha512,
        48,
    ),
];

/// The longest MAC any protocol uses (HMAC-SHA-512-384).
pub const MAX_MAC_LEN: usize = 48;

impl AuthProtocol {
    /// Every protocol, weakest first.
    pub const ALL: [Self; 6] = [
        Self::Md5,
        Self::Sha1,
        Self::Sha224,
        Self::Sha256,
        Self::Sha384,
        Self::Sha512,
    ];

    /// This protocol's row of [`AUTH_ALGORITHMS`].
    pub const fn algorithm(self) -> &'static AuthAlgorithm {
        match self {
            Self::Md5 => &AUTH_ALGORITHMS[0],
            Self::Sha1 => &AUTH_ALGORITHMS[1],
            Self::Sha224 => &AUTH_ALGORITHMS[2],
            Self::Sha256 => &AUTH_ALGORITHMS[3],
            Self::Sha384 => &AUTH_ALGORITHMS[4],
            Self::Sha512 => &AUTH_ALGORITHMS[5],
        }
    }

    /// The protocol with this net-snmp name (`MD5`, `SHA`, `SHA-224`, ...; `SHA1` and
    /// `SHA-1` are accepted too), ignoring ASCII case: what `fleetwire decode -a` parses.
    pub fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("SHA1") || name.eq_ignore_ascii_case("SHA-1") {
            return Some(Self::Sha1);
        }
        AUTH_ALGORITHMS
            .iter()
            .find(|a| {
                a.net_snmp_name.eq_ignore_ascii_case(name) || a.name.eq_ignore_ascii_case(name)
            })
            .map(|a| a.protocol)
    }

    /// The protocol with this OBJECT IDENTIFIER (dotted).
    pub fn from_oid(oid: &str) -> Option<Self> {
        AUTH_ALGORITHMS
            .iter()
            .find(|a| a.oid == oid)
            .map(|a| a.protocol)
    }
}

impl fmt::Display for AuthProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algorithm().name)
    }
}

/// A user's authentication key as message processing uses it: the protocol, the secret,
/// and its prepared form when the provider made one.
#[derive(Clone, Copy)]
pub(crate) struct AuthKey<'k> {
    pub(crate) provider: &'k dyn CryptoProvider,
    pub(crate) protocol: AuthProtocol,
    pub(crate) secret: &'k SecretKey,
    pub(crate) prepared: Option<&'k dyn MacKey>,
}

/// The truncated MAC of `bytes` with the `params` range replaced by zeros.
fn mac(
    key: AuthKey<'_>,
    bytes: &[u8],
    params: Range<usize>,
    out: &mut [u8],
) -> Result<(), UsmError> {
    let (before, rest) = bytes
        .split_at_checked(params.start)
        .ok_or(UsmError::AuthParametersNotFound)?;
    let after = rest
        .get(params.len()..)
        .ok_or(UsmError::AuthParametersNotFound)?;
    let zeros = [0u8; MAX_MAC_LEN];
    let zeros = zeros
        .get(..params.len())
        .ok_or(UsmError::AuthParametersNotFound)?;
    let data = [before, zeros, after];
    match key.prepared {
        Some(k) => k.mac(&data, out)?,
        None => {
            let hash = key.protocol.algorithm().hash;
            key.provider.hmac(hash, key.secret.as_bytes(), &data, out)?;
        }
    }
    Ok(())
}

/// Signs an encoded message in place: `params` is the byte range of its (zeroed)
/// `msgAuthenticationParameters` contents, which receives the MAC.
pub(crate) fn sign(
    key: AuthKey<'_>,
    message: &mut [u8],
    params: Range<usize>,
) -> Result<(), UsmError> {
    let mac_len = key.protocol.algorithm().mac_len;
    if params.len() != mac_len {
        return Err(UsmError::AuthParametersLength {
            expected: mac_len,
            found: params.len(),
        });
    }
    let mut tag = [0u8; MAX_DIGEST_LEN];
    let tag = tag
        .get_mut(..mac_len)
        .ok_or(UsmError::AuthParametersNotFound)?;
    mac(key, message, params.clone(), tag)?;
    message
        .get_mut(params)
        .ok_or(UsmError::AuthParametersNotFound)?
        .copy_from_slice(tag);
    Ok(())
}

/// Verifies the MAC of a received message: `params` is the byte range of
/// `msgAuthenticationParameters` in `bytes`. A wrong length or a wrong MAC is
/// [`UsmError::WrongDigest`].
pub(crate) fn verify(key: AuthKey<'_>, bytes: &[u8], params: Range<usize>) -> Result<(), UsmError> {
    let mac_len = key.protocol.algorithm().mac_len;
    if params.len() != mac_len {
        return Err(UsmError::WrongDigest);
    }
    let received = bytes
        .get(params.clone())
        .ok_or(UsmError::AuthParametersNotFound)?;
    let mut tag = [0u8; MAX_DIGEST_LEN];
    let tag = tag
        .get_mut(..mac_len)
        .ok_or(UsmError::AuthParametersNotFound)?;
    mac(key, bytes, params, tag)?;
    if bool::from(tag.ct_eq(received)) {
        Ok(())
    } else {
        Err(UsmError::WrongDigest)
    }
}
