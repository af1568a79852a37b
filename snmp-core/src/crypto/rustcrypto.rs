//! The default provider: the RustCrypto crates (`no_std`, no C code).

use alloc::boxed::Box;
use core::sync::atomic::{AtomicUsize, Ordering};

use cipher::{
    BlockCipherDecrypt, BlockCipherEncrypt, BlockModeDecrypt, BlockModeEncrypt, InnerIvInit,
    KeyInit, KeyIvInit,
};
use hmac::{EagerHash, Hmac, Mac};
use sha2::Digest;

use super::{
    CipherAlgorithm, CipherDirection, CipherKey, CryptoError, CryptoProvider, HashAlgorithm,
    HashContext, MacKey,
};

const NAME: &str = "RustCrypto";

/// The RustCrypto backend: md-5, sha1, sha2, hmac, des, aes, cbc and cfb-mode.
///
/// With the `std` feature the salt seed comes from the operating system's randomness (via
/// `std`'s hash-map seeds). Without `std` there is no entropy source: build the provider with
/// [`RustCrypto::with_salt_seed`] from a random value of your platform, or
/// [`CryptoProvider::salt_seed`] fails with [`CryptoError::NoRandomness`].
///
/// ```
/// use fleetwire_snmp::crypto::{CryptoProvider, HashAlgorithm, RustCrypto};
///
/// let crypto = RustCrypto::new();
/// let mut out = [0u8; 64];
/// // SHA-256("abc") (FIPS 180-2), fed in two parts.
/// let n = crypto.digest(HashAlgorithm::Sha256, &[b"a", b"bc"], &mut out)?;
/// assert_eq!(n, 32);
/// assert_eq!(out[..4], [0xba, 0x78, 0x16, 0xbf]);
/// # Ok::<(), fleetwire_snmp::crypto::CryptoError>(())
/// ```
#[derive(Debug, Default)]
pub struct RustCrypto {
    seed: Option<u64>,
    calls: AtomicUsize,
}

impl RustCrypto {
    /// The provider (salt seeds from the OS with `std`).
    pub const fn new() -> Self {
        Self {
            seed: None,
            calls: AtomicUsize::new(0),
        }
    }

    /// A provider whose salt seeds are derived from `seed` (for `no_std` targets: pass a
    /// random value). Successive seeds differ.
    pub const fn with_salt_seed(seed: u64) -> Self {
        Self {
            seed: Some(seed),
            calls: AtomicUsize::new(0),
        }
    }
}

/// SplitMix64: spreads a seed and a counter over 64 bits.
fn splitmix64(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

struct Hasher<D>(D);

impl<D: Digest> HashContext for Hasher<D> {
    fn update(&mut self, data: &[u8]) {
        Digest::update(&mut self.0, data);
    }

    fn finish(self: Box<Self>, out: &mut [u8]) -> Result<usize, CryptoError> {
        let digest = self.0.finalize();
        let len = digest.len();
        let found = out.len();
        let dst = out.get_mut(..len).ok_or(CryptoError::OutputLength {
            algorithm: "hash",
            max: len,
            found,
        })?;
        dst.copy_from_slice(&digest);
        Ok(len)
    }
}

fn hmac_key<D: EagerHash>(key: &[u8]) -> Result<Hmac<D>, CryptoError>
where
    Hmac<D>: KeyInit,
{
    <Hmac<D> as KeyInit>::new_from_slice(key).map_err(|_| CryptoError::Backend {
        provider: NAME,
        operation: "HMAC key setup",
    })
}

/// Feeds `data` to a keyed HMAC and writes the first `out.len()` bytes of the MAC.
fn hmac_finish<M: Mac>(mut mac: M, data: &[&[u8]], out: &mut [u8]) -> Result<(), CryptoError> {
    for part in data {
        Mac::update(&mut mac, part);
    }
    let tag = mac.finalize().into_bytes();
    let found = out.len();
    let src = tag.get(..found).ok_or(CryptoError::OutputLength {
        algorithm: "HMAC",
        max: tag.len(),
        found,
    })?;
    out.copy_from_slice(src);
    Ok(())
}

fn hmac_with<D: EagerHash>(key: &[u8], data: &[&[u8]], out: &mut [u8]) -> Result<(), CryptoError>
where
    Hmac<D>: KeyInit + Mac,
{
    hmac_finish(hmac_key::<D>(key)?, data, out)
}

/// A keyed HMAC whose inner and outer states are cloned per message (the hash cores
/// zeroize on drop).
struct PreparedHmac<D: EagerHash>(Hmac<D>);

impl<D: EagerHash> MacKey for PreparedHmac<D>
where
    Hmac<D>: Mac + Clone + Send + Sync,
{
    fn mac(&self, data: &[&[u8]], out: &mut [u8]) -> Result<(), CryptoError> {
        hmac_finish(self.0.clone(), data, out)
    }
}

fn prepare_hmac<D: EagerHash + 'static>(key: &[u8]) -> Result<Box<dyn MacKey>, CryptoError>
where
    Hmac<D>: KeyInit + Mac + Clone + Send + Sync,
{
    Ok(Box::new(PreparedHmac(hmac_key::<D>(key)?)))
}

fn prepare_mac_impl(alg: HashAlgorithm, key: &[u8]) -> Result<Box<dyn MacKey>, CryptoError> {
    match alg {
        HashAlgorithm::Md5 => prepare_hmac::<md5::Md5>(key),
        HashAlgorithm::Sha1 => prepare_hmac::<sha1::Sha1>(key),
        HashAlgorithm::Sha224 => prepare_hmac::<sha2::Sha224>(key),
        HashAlgorithm::Sha256 => prepare_hmac::<sha2::Sha256>(key),
        HashAlgorithm::Sha384 => prepare_hmac::<sha2::Sha384>(key),
        HashAlgorithm::Sha512 => prepare_hmac::<sha2::Sha512>(key),
    }
}

/// A block cipher with its key schedule expanded, cloned into the mode per message (the
/// schedules zeroize on drop).
struct PreparedCipher<C> {
    alg: CipherAlgorithm,
    cipher: C,
}

impl<C> CipherKey for PreparedCipher<C>
where
    C: BlockCipherEncrypt + BlockCipherDecrypt + Clone + Send + Sync,
    cfb_mode::Encryptor<C>: InnerIvInit<Inner = C>,
    cfb_mode::Decryptor<C>: InnerIvInit<Inner = C>,
    cbc::Encryptor<C>: InnerIvInit<Inner = C> + BlockModeEncrypt,
    cbc::Decryptor<C>: InnerIvInit<Inner = C> + BlockModeDecrypt,
{
    fn apply(
        &self,
        direction: CipherDirection,
        iv: &[u8],
        data: &mut [u8],
    ) -> Result<(), CryptoError> {
        check_iv_and_data(self.alg, iv, data)?;
        let c = self.cipher.clone();
        match (self.alg.data_unit() > 1, direction) {
            (false, CipherDirection::Encrypt) => {
                cfb_mode::Encryptor::<C>::inner_iv_slice_init(c, iv)
                    .map_err(setup_failed)?
                    .encrypt(data)
            }
            (false, CipherDirection::Decrypt) => {
                cfb_mode::Decryptor::<C>::inner_iv_slice_init(c, iv)
                    .map_err(setup_failed)?
                    .decrypt(data)
            }
            (true, CipherDirection::Encrypt) => cbc_blocks(
                cbc::Encryptor::<C>::inner_iv_slice_init(c, iv).map_err(setup_failed)?,
                data,
                |m, b| m.encrypt_block(b),
            )?,
            (true, CipherDirection::Decrypt) => cbc_blocks(
                cbc::Decryptor::<C>::inner_iv_slice_init(c, iv).map_err(setup_failed)?,
                data,
                |m, b| m.decrypt_block(b),
            )?,
        }
        Ok(())
    }
}

fn prepare_cipher_with<C>(
    alg: CipherAlgorithm,
    key: &[u8],
) -> Result<Box<dyn CipherKey>, CryptoError>
where
    C: KeyInit + 'static,
    PreparedCipher<C>: CipherKey,
{
    check_key(alg, key)?;
    let cipher = C::new_from_slice(key).map_err(setup_failed)?;
    Ok(Box::new(PreparedCipher { alg, cipher }))
}

fn prepare_cipher_impl(
    alg: CipherAlgorithm,
    key: &[u8],
) -> Result<Box<dyn CipherKey>, CryptoError> {
    match alg {
        CipherAlgorithm::DesCbc => prepare_cipher_with::<des::Des>(alg, key),
        CipherAlgorithm::TripleDesCbc => prepare_cipher_with::<des::TdesEde3>(alg, key),
        CipherAlgorithm::Aes128Cfb => prepare_cipher_with::<aes::Aes128>(alg, key),
        CipherAlgorithm::Aes192Cfb => prepare_cipher_with::<aes::Aes192>(alg, key),
        CipherAlgorithm::Aes256Cfb => prepare_cipher_with::<aes::Aes256>(alg, key),
    }
}

fn check_key(alg: CipherAlgorithm, key: &[u8]) -> Result<(), CryptoError> {
    if key.len() != alg.key_len() {
        return Err(CryptoError::KeyLength {
            algorithm: alg.name(),
            expected: alg.key_len(),
            found: key.len(),
        });
    }
    Ok(())
}

fn check_iv_and_data(alg: CipherAlgorithm, iv: &[u8], data: &[u8]) -> Result<(), CryptoError> {
    if iv.len() != alg.iv_len() {
        return Err(CryptoError::IvLength {
            algorithm: alg.name(),
            expected: alg.iv_len(),
            found: iv.len(),
        });
    }
    if !data.len().is_multiple_of(alg.data_unit()) {
        return Err(CryptoError::DataLength {
            algorithm: alg.name(),
            len: data.len(),
            unit: alg.data_unit(),
        });
    }
    Ok(())
}

fn setup_failed(_: impl core::fmt::Debug) -> CryptoError {
    CryptoError::Backend {
        provider: NAME,
        operation: "cipher key setup",
    }
}

/// CBC over a whole number of 8-byte blocks (DES, 3DES).
/// Runs a CBC mode over whole 8-byte blocks.
fn cbc_blocks<M>(
    mut mode: M,
    data: &mut [u8],
    mut step: impl FnMut(&mut M, &mut cipher::Block<M>),
) -> Result<(), CryptoError>
where
    M: cipher::BlockSizeUser,
{
    for chunk in data.chunks_exact_mut(8) {
        let block = chunk.try_into().map_err(setup_failed)?;
        step(&mut mode, block);
    }
    Ok(())
}

fn cbc8<C>(
    direction: CipherDirection,
    key: &[u8],
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), CryptoError>
where
    C: BlockCipherEncrypt + BlockCipherDecrypt + KeyInit,
    cbc::Encryptor<C>: KeyIvInit + BlockModeEncrypt,
    cbc::Decryptor<C>: KeyIvInit + BlockModeDecrypt,
{
    match direction {
        CipherDirection::Encrypt => cbc_blocks(
            cbc::Encryptor::<C>::new_from_slices(key, iv).map_err(setup_failed)?,
            data,
            |m, b| m.encrypt_block(b),
        ),
        CipherDirection::Decrypt => cbc_blocks(
            cbc::Decryptor::<C>::new_from_slices(key, iv).map_err(setup_failed)?,
            data,
            |m, b| m.decrypt_block(b),
        ),
    }
}

fn cfb<C>(
    direction: CipherDirection,
    key: &[u8],
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), CryptoError>
where
    C: BlockCipherEncrypt + KeyInit,
    cfb_mode::Encryptor<C>: KeyIvInit,
    cfb_mode::Decryptor<C>: KeyIvInit,
{
    match direction {
        CipherDirection::Encrypt => {
            cfb_mode::Encryptor::<C>::new_from_slices(key, iv)
                .map_err(setup_failed)?
                .encrypt(data);
        }
        CipherDirection::Decrypt => {
            cfb_mode::Decryptor::<C>::new_from_slices(key, iv)
                .map_err(setup_failed)?
                .decrypt(data);
        }
    }
    Ok(())
}

fn hash_impl(alg: HashAlgorithm) -> Box<dyn HashContext> {
    match alg {
        HashAlgorithm::Md5 => Box::new(Hasher(md5::Md5::new())),
        HashAlgorithm::Sha1 => Box::new(Hasher(sha1::Sha1::new())),
        HashAlgorithm::Sha224 => Box::new(Hasher(sha2::Sha224::new())),
        HashAlgorithm::Sha256 => Box::new(Hasher(sha2::Sha256::new())),
        HashAlgorithm::Sha384 => Box::new(Hasher(sha2::Sha384::new())),
        HashAlgorithm::Sha512 => Box::new(Hasher(sha2::Sha512::new())),
    }
}

fn hmac_impl(
    alg: HashAlgorithm,
    key: &[u8],
    data: &[&[u8]],
    out: &mut [u8],
) -> Result<(), CryptoError> {
    match alg {
        HashAlgorithm::Md5 => hmac_with::<md5::Md5>(key, data, out),
        HashAlgorithm::Sha1 => hmac_with::<sha1::Sha1>(key, data, out),
        HashAlgorithm::Sha224 => hmac_with::<sha2::Sha224>(key, data, out),
        HashAlgorithm::Sha256 => hmac_with::<sha2::Sha256>(key, data, out),
        HashAlgorithm::Sha384 => hmac_with::<sha2::Sha384>(key, data, out),
        HashAlgorithm::Sha512 => hmac_with::<sha2::Sha512>(key, data, out),
    }
}

fn cipher_impl(
    alg: CipherAlgorithm,
    direction: CipherDirection,
    key: &[u8],
    iv: &[u8],
    data: &mut [u8],
) -> Result<(), CryptoError> {
    check_key(alg, key)?;
    check_iv_and_data(alg, iv, data)?;
    match alg {
        CipherAlgorithm::DesCbc => cbc8::<des::Des>(direction, key, iv, data),
        CipherAlgorithm::TripleDesCbc => cbc8::<des::TdesEde3>(direction, key, iv, data),
        CipherAlgorithm::Aes128Cfb => cfb::<aes::Aes128>(direction, key, iv, data),
        CipherAlgorithm::Aes192Cfb => cfb::<aes::Aes192>(direction, key, iv, data),
        CipherAlgorithm::Aes256Cfb => cfb::<aes::Aes256>(direction, key, iv, data),
    }
}

/// The provider methods [`RustCrypto`] and [`Deterministic`] share (they differ only in
/// name and salt seed).
macro_rules! rustcrypto_operations {
    () => {
        fn hash(&self, alg: HashAlgorithm) -> Result<Box<dyn HashContext>, CryptoError> {
            Ok(hash_impl(alg))
        }

        fn hmac(
            &self,
            alg: HashAlgorithm,
            key: &[u8],
            data: &[&[u8]],
            out: &mut [u8],
        ) -> Result<(), CryptoError> {
            hmac_impl(alg, key, data, out)
        }

        fn cipher(
            &self,
            alg: CipherAlgorithm,
            direction: CipherDirection,
            key: &[u8],
            iv: &[u8],
            data: &mut [u8],
        ) -> Result<(), CryptoError> {
            cipher_impl(alg, direction, key, iv, data)
        }

        fn prepare_mac(
            &self,
            alg: HashAlgorithm,
            key: &[u8],
        ) -> Result<Option<Box<dyn MacKey>>, CryptoError> {
            prepare_mac_impl(alg, key).map(Some)
        }

        fn prepare_cipher(
            &self,
            alg: CipherAlgorithm,
            key: &[u8],
        ) -> Result<Option<Box<dyn CipherKey>>, CryptoError> {
            prepare_cipher_impl(alg, key).map(Some)
        }
    };
}

impl CryptoProvider for RustCrypto {
    fn name(&self) -> &'static str {
        NAME
    }

    rustcrypto_operations!();

    fn salt_seed(&self) -> Result<u64, CryptoError> {
        let n = self.calls.fetch_add(1, Ordering::Relaxed) as u64;
        if let Some(seed) = self.seed {
            return Ok(splitmix64(seed ^ splitmix64(n)));
        }
        os_seed(n)
    }
}

#[cfg(feature = "std")]
fn os_seed(n: u64) -> Result<u64, CryptoError> {
    use std::hash::{BuildHasher, Hasher as _};
    // Each RandomState carries fresh keys from the OS's randomness.
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u64(n);
    Ok(h.finish())
}

#[cfg(not(feature = "std"))]
fn os_seed(_: u64) -> Result<u64, CryptoError> {
    Err(CryptoError::NoRandomness { provider: NAME })
}

/// RustCrypto with a fixed salt seed: every run produces the same salts and so the same bytes.
/// For tests, known-answer vectors and fuzzing; never for real traffic.
#[derive(Debug, Clone, Copy, Default)]
pub struct Deterministic {
    seed: u64,
}

impl Deterministic {
    /// A provider whose [`salt_seed`](CryptoProvider::salt_seed) is always `seed`.
    pub const fn new(seed: u64) -> Self {
        Self { seed }
    }
}

impl CryptoProvider for Deterministic {
    fn name(&self) -> &'static str {
        "deterministic RustCrypto"
    }

    rustcrypto_operations!();

    fn salt_seed(&self) -> Result<u64, CryptoError> {
        Ok(self.seed)
    }
}
