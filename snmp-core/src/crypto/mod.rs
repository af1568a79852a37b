//! The crypto provider interface the User-based Security Model talks to.
//!
//! USM needs four primitives: a hash (password-to-key and key localization, RFC 3414
//! section 2.6), HMAC (authentication, RFC 3414 section 6 and RFC 7860), block ciphers in
//! CBC and CFB mode (privacy, RFC 3414 section 8, RFC 3826 and the AES-192/256 and 3DES
//! drafts), and a random start for the salt counter. [`CryptoProvider`] abstracts them, so
//! the USM code never names a crypto library; the codec modules never call crypto at all.
//!
//! Backends:
//! - [`RustCrypto`] (default, `no_std`): the RustCrypto crates.
//! - `AwsLcFips` (feature `fips`): the aws-lc-rs FIPS 140-3 module. It has no MD5, DES or
//!   3DES; users configured with those fail with a clear [`CryptoError::Unsupported`].
//! - [`Deterministic`]: RustCrypto with a fixed salt seed, for tests and fuzzing.
//!
//! Whatever the backend, the FIPS *policy* ([`crate::usm::AlgorithmPolicy::Fips`]) is a
//! separate run-time switch that refuses the non-approved algorithms when a user is
//! configured.

use alloc::boxed::Box;
use core::fmt;

#[cfg(feature = "fips")]
mod aws_lc;
mod rustcrypto;

#[cfg(feature = "fips")]
pub use aws_lc::AwsLcFips;
pub use rustcrypto::{Deterministic, RustCrypto};

/// The largest digest any [`HashAlgorithm`] produces (SHA-512), in bytes.
pub const MAX_DIGEST_LEN: usize = 64;

/// A hash function USM uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HashAlgorithm {
    /// MD5 (RFC 1321). Not FIPS-approved.
    Md5,
    /// SHA-1.
    Sha1,
    /// SHA-224.
    Sha224,
    /// SHA-256.
    Sha256,
    /// SHA-384.
    Sha384,
    /// SHA-512.
    Sha512,
}

impl HashAlgorithm {
    /// The digest length in bytes.
    pub const fn output_len(self) -> usize {
        match self {
            Self::Md5 => 16,
            Self::Sha1 => 20,
            Self::Sha224 => 28,
            Self::Sha256 => 32,
            Self::Sha384 => 48,
            Self::Sha512 => 64,
        }
    }

    /// The usual name: `MD5`, `SHA-1`, `SHA-224`, ...
    pub const fn name(self) -> &'static str {
        match self {
            Self::Md5 => "MD5",
            Self::Sha1 => "SHA-1",
            Self::Sha224 => "SHA-224",
            Self::Sha256 => "SHA-256",
            Self::Sha384 => "SHA-384",
            Self::Sha512 => "SHA-512",
        }
    }
}

impl fmt::Display for HashAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A block cipher and mode USM privacy uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CipherAlgorithm {
    /// DES in CBC mode (RFC 3414 section 8). Not FIPS-approved.
    DesCbc,
    /// Triple DES (EDE, three keys) in CBC mode (draft-reeder-snmpv3-usm-3desede).
    /// Not FIPS-approved for encryption.
    TripleDesCbc,
    /// AES-128 in 128-bit CFB mode (RFC 3826).
    Aes128Cfb,
    /// AES-192 in 128-bit CFB mode (draft-blumenthal-aes-usm).
    Aes192Cfb,
    /// AES-256 in 128-bit CFB mode (draft-blumenthal-aes-usm).
    Aes256Cfb,
}

impl CipherAlgorithm {
    /// The key length in bytes.
    pub const fn key_len(self) -> usize {
        match self {
            Self::DesCbc => 8,
            Self::TripleDesCbc | Self::Aes192Cfb => 24,
            Self::Aes128Cfb => 16,
            Self::Aes256Cfb => 32,
        }
    }

    /// The IV length in bytes.
    pub const fn iv_len(self) -> usize {
        match self {
            Self::DesCbc | Self::TripleDesCbc => 8,
            Self::Aes128Cfb | Self::Aes192Cfb | Self::Aes256Cfb => 16,
        }
    }

    /// The unit the data length must be a multiple of: the block size for CBC, 1 for CFB.
    pub const fn data_unit(self) -> usize {
        match self {
            Self::DesCbc | Self::TripleDesCbc => 8,
            Self::Aes128Cfb | Self::Aes192Cfb | Self::Aes256Cfb => 1,
        }
    }

    /// The usual name: `DES-CBC`, `3DES-EDE-CBC`, `AES-128-CFB`, ...
    pub const fn name(self) -> &'static str {
        match self {
            Self::DesCbc => "DES-CBC",
            Self::TripleDesCbc => "3DES-EDE-CBC",
            Self::Aes128Cfb => "AES-128-CFB",
            Self::Aes192Cfb => "AES-192-CFB",
            Self::Aes256Cfb => "AES-256-CFB",
        }
    }
}

impl fmt::Display for CipherAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Whether a cipher call encrypts or decrypts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CipherDirection {
    /// Plaintext to ciphertext.
    Encrypt,
    /// Ciphertext to plaintext.
    Decrypt,
}

/// What a crypto provider could not do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, thiserror::Error)]
#[non_exhaustive]
pub enum CryptoError {
    /// The backend does not implement this algorithm (e.g. MD5 or DES in a FIPS module).
    #[error("{algorithm} is not available in the {provider} crypto provider")]
    Unsupported {
        /// The algorithm asked for.
        algorithm: &'static str,
        /// The provider's name.
        provider: &'static str,
    },
    /// A key of the wrong length.
    #[error("{algorithm}: key is {found} bytes, expected {expected}")]
    KeyLength {
        /// The algorithm.
        algorithm: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// An IV of the wrong length.
    #[error("{algorithm}: IV is {found} bytes, expected {expected}")]
    IvLength {
        /// The algorithm.
        algorithm: &'static str,
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// Data whose length is not a multiple of the cipher's block size.
    #[error("{algorithm}: data length {len} is not a multiple of {unit}")]
    DataLength {
        /// The algorithm.
        algorithm: &'static str,
        /// The length given.
        len: usize,
        /// The required unit.
        unit: usize,
    },
    /// An output buffer of the wrong size.
    #[error("{algorithm}: output buffer is {found} bytes, at most {max} allowed")]
    OutputLength {
        /// The algorithm.
        algorithm: &'static str,
        /// The largest output.
        max: usize,
        /// The buffer given.
        found: usize,
    },
    /// No source of randomness (a `no_std` build without a seed).
    #[error("the {provider} crypto provider has no source of randomness")]
    NoRandomness {
        /// The provider's name.
        provider: &'static str,
    },
    /// The backend reported a failure.
    #[error("{provider} crypto backend failed in {operation}")]
    Backend {
        /// The provider's name.
        provider: &'static str,
        /// What it was doing.
        operation: &'static str,
    },
}

/// An incremental hash computation.
pub trait HashContext {
    /// Feeds more data. Large chunks run at the hash's full throughput.
    fn update(&mut self, data: &[u8]);
    /// Writes the digest to the start of `out` (at least the algorithm's output length) and
    /// returns its length.
    fn finish(self: Box<Self>, out: &mut [u8]) -> Result<usize, CryptoError>;
}

/// An HMAC key prepared once for many messages: the inner and outer hash states after
/// absorbing the padded key (RFC 2104 section 2), so each MAC costs two compression-function
/// calls less than [`CryptoProvider::hmac`]. The states are as secret as the key; backends
/// zeroize them on drop.
pub trait MacKey: Send + Sync {
    /// HMAC over the concatenation of `data`; writes the first `out.len()` bytes of the MAC
    /// (at most the digest length) to `out`.
    fn mac(&self, data: &[&[u8]], out: &mut [u8]) -> Result<(), CryptoError>;
}

impl fmt::Debug for dyn MacKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("MacKey(..)")
    }
}

/// A privacy key whose cipher key schedule is expanded once for many messages. Backends
/// zeroize the schedule on drop.
pub trait CipherKey: Send + Sync {
    /// Encrypts or decrypts `data` in place, as [`CryptoProvider::cipher`] with this key.
    fn apply(
        &self,
        direction: CipherDirection,
        iv: &[u8],
        data: &mut [u8],
    ) -> Result<(), CryptoError>;
}

impl fmt::Debug for dyn CipherKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("CipherKey(..)")
    }
}

/// The crypto operations USM needs. Implementations must be deterministic apart from
/// [`salt_seed`](Self::salt_seed).
pub trait CryptoProvider: fmt::Debug + Send + Sync {
    /// A short name for error messages (`RustCrypto`, `aws-lc-rs FIPS`).
    fn name(&self) -> &'static str;

    /// Whether the backend is a validated FIPS 140-3 module.
    fn is_fips_module(&self) -> bool {
        false
    }

    /// Starts an incremental hash.
    fn hash(&self, alg: HashAlgorithm) -> Result<Box<dyn HashContext>, CryptoError>;

    /// HMAC with `alg` under `key` over the concatenation of `data`; writes the first
    /// `out.len()` bytes of the MAC (at most the digest length) to `out`.
    fn hmac(
        &self,
        alg: HashAlgorithm,
        key: &[u8],
        data: &[&[u8]],
        out: &mut [u8],
    ) -> Result<(), CryptoError>;

    /// Encrypts or decrypts `data` in place. CBC data must be a whole number of blocks.
    fn cipher(
        &self,
        alg: CipherAlgorithm,
        direction: CipherDirection,
        key: &[u8],
        iv: &[u8],
        data: &mut [u8],
    ) -> Result<(), CryptoError>;

    /// A random 64-bit start value for the privacy salt counter (RFC 3826 section 3.1.2.1).
    fn salt_seed(&self) -> Result<u64, CryptoError>;

    /// Prepares `key` for many [`hmac`](Self::hmac) calls with `alg`. `Ok(None)` (the
    /// default) means the backend has no prepared form; USM then calls `hmac` per message.
    /// USM prepares each localized key once, when it is localized.
    fn prepare_mac(
        &self,
        alg: HashAlgorithm,
        key: &[u8],
    ) -> Result<Option<Box<dyn MacKey>>, CryptoError> {
        let _ = (alg, key);
        Ok(None)
    }

    /// Prepares `key` for many [`cipher`](Self::cipher) calls with `alg`; `Ok(None)` (the
    /// default) means USM calls `cipher` per message.
    fn prepare_cipher(
        &self,
        alg: CipherAlgorithm,
        key: &[u8],
    ) -> Result<Option<Box<dyn CipherKey>>, CryptoError> {
        let _ = (alg, key);
        Ok(None)
    }

    /// The digest of the concatenation of `parts`, written to the start of `out`; returns its
    /// length.
    fn digest(
        &self,
        alg: HashAlgorithm,
        parts: &[&[u8]],
        out: &mut [u8],
    ) -> Result<usize, CryptoError> {
        let mut h = self.hash(alg)?;
        for p in parts {
            h.update(p);
        }
        h.finish(out)
    }
}
