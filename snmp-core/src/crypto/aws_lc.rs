//! The aws-lc-rs FIPS 140-3 provider (feature `fips`).
//!
//! AWS-LC's FIPS module has SHA-1, SHA-2, HMAC and AES-CFB128, but no MD5, DES or 3DES:
//! users configured with those fail with [`CryptoError::Unsupported`] naming the algorithm.
//! Building it needs `cmake` and `golang-go`.

use alloc::boxed::Box;

use aws_lc_rs::cipher::{
    AES_128, AES_192, AES_256, DecryptingKey, DecryptionContext, EncryptingKey, EncryptionContext,
    UnboundCipherKey,
};
use aws_lc_rs::{digest, hmac, iv::FixedLength, rand};

use super::{
    CipherAlgorithm, CipherDirection, CryptoError, CryptoProvider, HashAlgorithm, HashContext,
    MacKey,
};

const NAME: &str = "aws-lc-rs FIPS";

/// The aws-lc-rs backend built on the AWS-LC FIPS 140-3 module.
#[derive(Debug, Clone, Copy, Default)]
pub struct AwsLcFips;

impl AwsLcFips {
    /// The provider.
    pub const fn new() -> Self {
        Self
    }
}

fn unsupported(algorithm: &'static str) -> CryptoError {
    CryptoError::Unsupported {
        algorithm,
        provider: NAME,
    }
}

fn backend(operation: &'static str) -> CryptoError {
    CryptoError::Backend {
        provider: NAME,
        operation,
    }
}

fn digest_alg(alg: HashAlgorithm) -> Result<&'static digest::Algorithm, CryptoError> {
    Ok(match alg {
        HashAlgorithm::Md5 => return Err(unsupported("MD5")),
        HashAlgorithm::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha224 => &digest::SHA224,
        HashAlgorithm::Sha256 => &digest::SHA256,
        HashAlgorithm::Sha384 => &digest::SHA384,
        HashAlgorithm::Sha512 => &digest::SHA512,
    })
}

struct Hasher(digest::Context);

impl HashContext for Hasher {
    fn update(&mut self, data: &[u8]) {
        self.0.update(data);
    }

    fn finish(self: Box<Self>, out: &mut [u8]) -> Result<usize, CryptoError> {
        let d = self.0.finish();
        let d = d.as_ref();
        let found = out.len();
        out.get_mut(..d.len())
            .ok_or(CryptoError::OutputLength {
                algorithm: "hash",
                max: d.len(),
                found,
            })?
            .copy_from_slice(d);
        Ok(d.len())
    }
}

fn hmac_alg(alg: HashAlgorithm) -> Result<hmac::Algorithm, CryptoError> {
    Ok(match alg {
        HashAlgorithm::Md5 => return Err(unsupported("HMAC-MD5")),
        HashAlgorithm::Sha1 => hmac::HMAC_SHA1_FOR_LEGACY_USE_ONLY,
        HashAlgorithm::Sha224 => hmac::HMAC_SHA224,
        HashAlgorithm::Sha256 => hmac::HMAC_SHA256,
        HashAlgorithm::Sha384 => hmac::HMAC_SHA384,
        HashAlgorithm::Sha512 => hmac::HMAC_SHA512,
    })
}

/// HMAC under `key` over the concatenation of `data`; the first `out.len()` bytes to `out`.
fn hmac_sign(key: &hmac::Key, data: &[&[u8]], out: &mut [u8]) -> Result<(), CryptoError> {
    let mut ctx = hmac::Context::with_key(key);
    for part in data {
        ctx.update(part);
    }
    let tag = ctx.sign();
    let tag = tag.as_ref();
    let found = out.len();
    let src = tag.get(..found).ok_or(CryptoError::OutputLength {
        algorithm: "HMAC",
        max: tag.len(),
        found,
    })?;
    out.copy_from_slice(src);
    Ok(())
}

struct PreparedHmac(hmac::Key);

impl MacKey for PreparedHmac {
    fn mac(&self, data: &[&[u8]], out: &mut [u8]) -> Result<(), CryptoError> {
        hmac_sign(&self.0, data, out)
    }
}

impl CryptoProvider for AwsLcFips {
    fn name(&self) -> &'static str {
        NAME
    }

    fn is_fips_module(&self) -> bool {
        aws_lc_rs::try_fips_mode().is_ok()
    }

    fn hash(&self, alg: HashAlgorithm) -> Result<Box<dyn HashContext>, CryptoError> {
        Ok(Box::new(Hasher(digest::Context::new(digest_alg(alg)?))))
    }

    fn hmac(
        &self,
        alg: HashAlgorithm,
        key: &[u8],
        data: &[&[u8]],
        out: &mut [u8],
    ) -> Result<(), CryptoError> {
        hmac_sign(&hmac::Key::new(hmac_alg(alg)?, key), data, out)
    }

    fn prepare_mac(
        &self,
        alg: HashAlgorithm,
        key: &[u8],
    ) -> Result<Option<Box<dyn MacKey>>, CryptoError> {
        // aws-lc keeps the keyed HMAC_CTX in the Key; each Context starts from a copy.
        Ok(Some(Box::new(PreparedHmac(hmac::Key::new(
            hmac_alg(alg)?,
            key,
        )))))
    }

    fn cipher(
        &self,
        alg: CipherAlgorithm,
        direction: CipherDirection,
        key: &[u8],
        iv: &[u8],
        data: &mut [u8],
    ) -> Result<(), CryptoError> {
        let a = match alg {
            CipherAlgorithm::DesCbc => return Err(unsupported("DES")),
            CipherAlgorithm::TripleDesCbc => return Err(unsupported("3DES")),
            CipherAlgorithm::Aes128Cfb => &AES_128,
            CipherAlgorithm::Aes192Cfb => &AES_192,
            CipherAlgorithm::Aes256Cfb => &AES_256,
        };
        if key.len() != alg.key_len() {
            return Err(CryptoError::KeyLength {
                algorithm: alg.name(),
                expected: alg.key_len(),
                found: key.len(),
            });
        }
        let iv: [u8; 16] = iv.try_into().map_err(|_| CryptoError::IvLength {
            algorithm: alg.name(),
            expected: 16,
            found: iv.len(),
        })?;
        if data.is_empty() {
            return Ok(());
        }
        let unbound = UnboundCipherKey::new(a, key).map_err(|_| backend("AES key setup"))?;
        match direction {
            CipherDirection::Encrypt => {
                let k = EncryptingKey::cfb128(unbound).map_err(|_| backend("AES-CFB setup"))?;
                k.less_safe_encrypt(data, EncryptionContext::Iv128(FixedLength::from(iv)))
                    .map_err(|_| backend("AES-CFB encrypt"))?;
            }
            CipherDirection::Decrypt => {
                let k = DecryptingKey::cfb128(unbound).map_err(|_| backend("AES-CFB setup"))?;
                k.decrypt(data, DecryptionContext::Iv128(FixedLength::from(iv)))
                    .map_err(|_| backend("AES-CFB decrypt"))?;
            }
        }
        Ok(())
    }

    fn salt_seed(&self) -> Result<u64, CryptoError> {
        let mut b = [0u8; 8];
        rand::fill(&mut b).map_err(|_| backend("random"))?;
        Ok(u64::from_be_bytes(b))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use crate::crypto::RustCrypto;

    /// The two backends agree on every algorithm the FIPS module has.
    #[test]
    fn agrees_with_rustcrypto() {
        let fips = AwsLcFips::new();
        let rc = RustCrypto::new();
        assert!(fips.is_fips_module());
        let data: alloc::vec::Vec<u8> = (0..1000u32).map(|i| (i * 7) as u8).collect();
        for h in [
            HashAlgorithm::Sha1,
            HashAlgorithm::Sha224,
            HashAlgorithm::Sha256,
            HashAlgorithm::Sha384,
            HashAlgorithm::Sha512,
        ] {
            let (mut a, mut b) = ([0u8; 64], [0u8; 64]);
            assert_eq!(
                fips.digest(h, &[&data, b"x"], &mut a).unwrap(),
                rc.digest(h, &[&data, b"x"], &mut b).unwrap()
            );
            assert_eq!(a, b);
            let (mut a, mut b) = ([0u8; 24], [0u8; 24]);
            let n = h.output_len().min(24);
            fips.hmac(h, b"key", &[&data], &mut a[..n]).unwrap();
            rc.hmac(h, b"key", &[&data], &mut b[..n]).unwrap();
            assert_eq!(a, b);
            let prepared = fips.prepare_mac(h, b"key").unwrap().unwrap();
            let mut c = [0u8; 24];
            prepared
                .mac(&[&data[..10], &data[10..]], &mut c[..n])
                .unwrap();
            assert_eq!(a, c);
        }
        for c in [
            CipherAlgorithm::Aes128Cfb,
            CipherAlgorithm::Aes192Cfb,
            CipherAlgorithm::Aes256Cfb,
        ] {
            let key = [5u8; 32];
            let (mut a, mut b) = (data.clone(), data.clone());
            fips.cipher(
                c,
                CipherDirection::Encrypt,
                &key[..c.key_len()],
                &[9; 16],
                &mut a,
            )
            .unwrap();
            rc.cipher(
                c,
                CipherDirection::Encrypt,
                &key[..c.key_len()],
                &[9; 16],
                &mut b,
            )
            .unwrap();
            assert_eq!(a, b);
            fips.cipher(
                c,
                CipherDirection::Decrypt,
                &key[..c.key_len()],
                &[9; 16],
                &mut a,
            )
            .unwrap();
            assert_eq!(a, data);
        }
        assert_eq!(
            fips.hash(HashAlgorithm::Md5).err(),
            Some(unsupported("MD5"))
        );
        let mut d = [0u8; 8];
        assert_eq!(
            fips.cipher(
                CipherAlgorithm::DesCbc,
                CipherDirection::Encrypt,
                &[0; 8],
                &[0; 8],
                &mut d
            ),
            Err(unsupported("DES"))
        );
    }
}
