//! Privacy protocols: CBC-DES (RFC 3414 section 8), 3DES-EDE (draft-reeder-snmpv3-usm-3desede),
//! CFB128-AES-128 (RFC 3826) and CFB128-AES-192/256 in both key-extension forms.
//!
//! # The AES-192/256 naming trap
//! A localized key is as long as the auth digest; AES-192/256 may need more. Two incompatible
//! ways of stretching it are deployed (see [`KeyExtension`]), and products call both of them
//! "AES-256". This crate never uses a bare name: the protocols are
//! [`PrivProtocol::Aes192Blumenthal`]/[`PrivProtocol::Aes256Blumenthal`] (net-snmp `AES-192`,
//! `AES-256`) and [`PrivProtocol::Aes192Reeder`]/[`PrivProtocol::Aes256Reeder`] (net-snmp
//! `AES-192-C`, `AES-256-C`, Cisco, Wireshark's `AES192`/`AES256`, pysnmp's plain
//! `usmAesCfb256Protocol`). They produce the same key only when the auth digest is at least
//! as long as the key (SHA-256 and up for AES-256; SHA-224 and up for AES-192).

use alloc::vec::Vec;
use core::fmt;

use crate::crypto::{CipherAlgorithm, CipherDirection, CipherKey, CryptoProvider};
use crate::usm::key::SecretKey;
use crate::usm::{DecryptionFailure, UsmError};

/// How a localized key is stretched to the length a privacy protocol needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum KeyExtension {
    /// The localized key is long enough (DES, AES-128).
    None,
    /// draft-blumenthal-aes-usm-04 section 3.1.2.1: append `H(key so far)` until long enough.
    Blumenthal,
    /// draft-reeder-snmpv3-usm-3desede section 2.1: append the key obtained by running
    /// password-to-key and localization on the previous key block, until long enough.
    Reeder,
}

/// A USM privacy protocol. [`PrivProtocol::algorithm`] gives its row of the table.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PrivProtocol {
    /// CBC-DES (RFC 3414 section 8), usmDESPrivProtocol. Not FIPS-approved.
    Des,
    /// 3DES-EDE in CBC mode (draft-reeder-snmpv3-usm-3desede), usm3DESEDEPrivProtocol.
    /// Not FIPS-approved.
    TripleDes,
    /// CFB128-AES-128 (RFC 3826), usmAesCfb128Protocol.
    Aes128,
    /// CFB128-AES-192 with the Blumenthal key extension (net-snmp `AES-192`).
    Aes192Blumenthal,
    /// CFB128-AES-256 with the Blumenthal key extension (net-snmp `AES-256`).
    Aes256Blumenthal,
    /// CFB128-AES-192 with the Reeder ("Cisco") key extension (net-snmp `AES-192-C`).
    Aes192Reeder,
    /// CFB128-AES-256 with the Reeder ("Cisco") key extension (net-snmp `AES-256-C`).
    Aes256Reeder,
}

/// One row of the privacy protocol table.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrivAlgorithm {
    /// The protocol.
    pub protocol: PrivProtocol,
    /// An unambiguous descriptive name, e.g. `CFB128-AES-256 (Reeder key extension)`.
    pub name: &'static str,
    /// net-snmp's name (`-x`, `createUser`): `DES 3DES AES AES-192 AES-256 AES-192-C AES-256-C`.
    pub net_snmp_name: &'static str,
    /// The protocol's OBJECT IDENTIFIER (usmUserPrivProtocol value).
    pub oid: &'static str,
    /// The cipher and mode.
    pub cipher: CipherAlgorithm,
    /// Bytes of key material needed: the cipher key plus, for DES and 3DES, the pre-IV.
    pub secret_len: usize,
    /// How a shorter localized key is stretched to `secret_len`.
    pub extension: KeyExtension,
    /// Whether FIPS 140-3 allows it (see [`AlgorithmPolicy`](crate::usm::AlgorithmPolicy)).
    pub fips_approved: bool,
}

/// The privacy protocol table.
pub const PRIV_ALGORITHMS: [PrivAlgorithm; 7] = [
    PrivAlgorithm {
        protocol: PrivProtocol::Des,
        name: "CBC-DES",
        net_snmp_name: "DES",
        oid: "1.3.6.1.6.3.10.1.2.2",
        cipher: CipherAlgorithm::DesCbc,
        secret_len: 16,
        extension: KeyExtension::None,
        fips_approved: false,
    },
    PrivAlgorithm {
        protocol: PrivProtocol::TripleDes,
        name: "3DES-EDE (Reeder key extension)",
        net_snmp_name: "3DES",
        oid: "1.3.6.1.6.3.10.1.2.3",
        cipher: CipherAlgorithm::TripleDesCbc,
        secret_len: 32,
        extension: KeyExtension::Reeder,
        fips_approved: false,
    },
    PrivAlgorithm {
        protocol: PrivProtocol::Aes128,
        name: "CFB128-AES-128",
        net_snmp_name: "AES",
        oid: "1.3.6.1.6.3.10.1.2.4",
        cipher: CipherAlgorithm::Aes128Cfb,
        secret_len: 16,
        extension: KeyExtension::None,
        fips_approved: true,
    },
    PrivAlgorithm {
        protocol: PrivProtocol::Aes192Blumenthal,
        name: "CFB128-AES-192 (Blumenthal key extension)",
        net_snmp_name: "AES-192",
        oid: "1.3.6.1.4.1.14832.1.3",
        cipher: CipherAlgorithm::Aes192Cfb,
        secret_len: 24,
        extension: KeyExtension::Blumenthal,
        fips_approved: true,
    },
    PrivAlgorithm {
        protocol: PrivProtocol::Aes256Blumenthal,
        name: "CFB128-AES-256 (Blumenthal key extension)",
        net_snmp_name: "AES-256",
        oid: "1.3.6.1.4.1.14832.1.4",
        cipher: CipherAlgorithm::Aes256Cfb,
        secret_len: 32,
        extension: KeyExtension::Blumenthal,
        fips_approved: true,
    },
    PrivAlgorithm {
        protocol: PrivProtocol::Aes192Reeder,
        name: "CFB128-AES-192 (Reeder key extension)",
        net_snmp_name: "AES-192-C",
        oid: "1.3.6.1.4.1.9.12.6.1.1",
        cipher: CipherAlgorithm::Aes192Cfb,
        secret_len: 24,
        extension: KeyExtension::Reeder,
        fips_approved: true,
    },
    PrivAlgorithm {
        protocol: PrivProtocol::Aes256Reeder,
        name: "CFB128-AES-256 (Reeder key extension)",
        net_snmp_name: "AES-256-C",
        oid: "1.3.6.1.4.1.9.12.6.1.2",
        cipher: CipherAlgorithm::Aes256Cfb,
        secret_len: 32,
        extension: KeyExtension::Reeder,
        fips_approved: true,
    },
];

/// Length of `msgPrivacyParameters` (the salt) for every protocol.
pub const PRIV_PARAMETERS_LEN: usize = 8;

impl PrivProtocol {
    /// Every protocol.
    pub const ALL: [Self; 7] = [
        Self::Des,
        Self::TripleDes,
        Self::Aes128,
        Self::Aes192Blumenthal,
        Self::Aes256Blumenthal,
        Self::Aes192Reeder,
        Self::Aes256Reeder,
    ];

    /// This protocol's row of [`PRIV_ALGORITHMS`].
    pub const fn algorithm(self) -> &'static PrivAlgorithm {
        match self {
            Self::Des => &PRIV_ALGORITHMS[0],
            Self::TripleDes => &PRIV_ALGORITHMS[1],
            Self::Aes128 => &PRIV_ALGORITHMS[2],
            Self::Aes192Blumenthal => &PRIV_ALGORITHMS[3],
            Self::Aes256Blumenthal => &PRIV_ALGORITHMS[4],
            Self::Aes192Reeder => &PRIV_ALGORITHMS[5],
            Self::Aes256Reeder => &PRIV_ALGORITHMS[6],
        }
    }

    /// The protocol with this net-snmp name, ignoring ASCII case: `DES`, `3DES`, `AES`
    /// (also `AES-128`, `AES128`), `AES-192`, `AES-256` (Blumenthal), `AES-192-C`, `AES-256-C`
    /// (Reeder). What `fleetwire decode -x` parses. `AES192`/`AES256` without a dash are
    /// refused: Wireshark uses them for Reeder and other tools for Blumenthal.
    pub fn from_name(name: &str) -> Option<Self> {
        if name.eq_ignore_ascii_case("AES-128") || name.eq_ignore_ascii_case("AES128") {
            return Some(Self::Aes128);
        }
        PRIV_ALGORITHMS
            .iter()
            .find(|a| a.net_snmp_name.eq_ignore_ascii_case(name))
            .map(|a| a.protocol)
    }

    /// The protocol with this OBJECT IDENTIFIER (dotted).
    pub fn from_oid(oid: &str) -> Option<Self> {
        PRIV_ALGORITHMS
            .iter()
            .find(|a| a.oid == oid)
            .map(|a| a.protocol)
    }
}

impl fmt::Display for PrivProtocol {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.algorithm().name)
    }
}

/// The local salt source: a 64-bit counter started at a random value (RFC 3826 section
/// 3.1.2.1; RFC 3414 section 8.1.1.1 uses its low 32 bits after engineBoots).
#[derive(Debug, Clone)]
pub struct SaltCounter(u64);

impl SaltCounter {
    /// A counter starting at `start` (take it from [`CryptoProvider::salt_seed`]).
    pub const fn new(start: u64) -> Self {
        Self(start)
    }

    /// The next value.
    pub fn next_salt(&mut self) -> u64 {
        let v = self.0;
        self.0 = self.0.wrapping_add(1);
        v
    }
}

pub(crate) fn split_key(
    protocol: PrivProtocol,
    key: &SecretKey,
) -> Result<(&[u8], &[u8]), UsmError> {
    let alg = protocol.algorithm();
    let secret = key
        .as_bytes()
        .get(..alg.secret_len)
        .ok_or(UsmError::PrivKeyLength {
            expected: alg.secret_len,
            found: key.len(),
        })?;
    Ok(secret.split_at(alg.cipher.key_len()))
}

/// The IV: pre-IV XOR salt for the CBC protocols; boots, time and salt for AES.
fn iv(
    protocol: PrivProtocol,
    pre_iv: &[u8],
    boots: u32,
    time: u32,
    salt: &[u8; 8],
) -> ([u8; 16], usize) {
    let mut iv = [0u8; 16];
    match protocol.algorithm().cipher {
        CipherAlgorithm::DesCbc | CipherAlgorithm::TripleDesCbc => {
            for ((d, p), s) in iv.iter_mut().zip(pre_iv).zip(salt) {
                *d = p ^ s;
            }
            (iv, 8)
        }
        CipherAlgorithm::Aes128Cfb | CipherAlgorithm::Aes192Cfb | CipherAlgorithm::Aes256Cfb => {
            let mut parts = boots
                .to_be_bytes()
                .into_iter()
                .chain(time.to_be_bytes())
                .chain(*salt);
            for d in &mut iv {
                *d = parts.next().unwrap_or_default();
            }
            (iv, 16)
        }
    }
}

/// Encrypts `data` (the encoded scoped PDU) in place, padding it for the CBC protocols, and
/// returns `msgPrivacyParameters` (the salt).
///
/// Salts: AES uses the 64-bit counter (RFC 3826 section 3.1.2.1). DES and 3DES use `boots`
/// followed by the counter's low 32 bits (RFC 3414 section 8.1.1.1). RFC 3414 names the
/// *local* engine's boots there; this is the message's authoritative boots, which is the
/// local one on the authoritative side, and on the manager side an equally valid value (the
/// receiver uses the salt as sent; what matters is that it never repeats under one key).
pub(crate) fn encrypt(
    key: PrivKey<'_>,
    boots: u32,
    time: u32,
    salt: &mut SaltCounter,
    data: &mut Vec<u8>,
) -> Result<[u8; PRIV_PARAMETERS_LEN], UsmError> {
    let protocol = key.protocol;
    let alg = protocol.algorithm();
    let (_, pre_iv) = split_key(protocol, key.secret)?;
    let counter = salt.next_salt();
    let salt_bytes = match alg.cipher {
        CipherAlgorithm::DesCbc | CipherAlgorithm::TripleDesCbc => {
            let mut s = [0u8; 8];
            for (d, b) in s.iter_mut().zip(
                boots
                    .to_be_bytes()
                    .into_iter()
                    .chain((counter as u32).to_be_bytes()),
            ) {
                *d = b;
            }
            s
        }
        _ => counter.to_be_bytes(),
    };
    let unit = alg.cipher.data_unit();
    let padded = data.len().div_ceil(unit) * unit;
    data.resize(padded, 0);
    let (iv, iv_len) = iv(protocol, pre_iv, boots, time, &salt_bytes);
    key.apply(
        CipherDirection::Encrypt,
        iv.get(..iv_len).unwrap_or_default(),
        data,
    )?;
    Ok(salt_bytes)
}

/// Decrypts `data` (the `encryptedPDU` contents) in place.
pub(crate) fn decrypt(
    key: PrivKey<'_>,
    boots: u32,
    time: u32,
    priv_parameters: &[u8],
    data: &mut [u8],
) -> Result<(), UsmError> {
    let protocol = key.protocol;
    let alg = protocol.algorithm();
    let salt: &[u8; 8] = priv_parameters.try_into().map_err(|_| {
        UsmError::Decryption(DecryptionFailure::PrivParametersLength(
            priv_parameters.len(),
        ))
    })?;
    let unit = alg.cipher.data_unit();
    if !data.len().is_multiple_of(unit) {
        return Err(UsmError::Decryption(DecryptionFailure::CiphertextLength(
            data.len(),
        )));
    }
    let (_, pre_iv) = split_key(protocol, key.secret)?;
    let (iv, iv_len) = iv(protocol, pre_iv, boots, time, salt);
    key.apply(
        CipherDirection::Decrypt,
        iv.get(..iv_len).unwrap_or_default(),
        data,
    )
}

/// A user's privacy key as message processing uses it: the protocol, the secret, and its
/// prepared form when the provider made one.
#[derive(Clone, Copy)]
pub(crate) struct PrivKey<'k> {
    pub(crate) provider: &'k dyn CryptoProvider,
    pub(crate) protocol: PrivProtocol,
    pub(crate) secret: &'k SecretKey,
    pub(crate) prepared: Option<&'k dyn CipherKey>,
}

impl PrivKey<'_> {
    /// Runs the cipher with the prepared key when there is one, else through the provider.
    fn apply(
        &self,
        direction: CipherDirection,
        iv: &[u8],
        data: &mut [u8],
    ) -> Result<(), UsmError> {
        match self.prepared {
            Some(k) => k.apply(direction, iv, data)?,
            None => {
                let (cipher_key, _) = split_key(self.protocol, self.secret)?;
                let cipher = self.protocol.algorithm().cipher;
                self.provider
                    .cipher(cipher, direction, cipher_key, iv, data)?;
            }
        }
        Ok(())
    }
}
