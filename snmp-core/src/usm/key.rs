//! Keys (RFC 3414 section 2.6 and appendix A.2): password-to-key, localization, the
//! AES-192/256 and 3DES key extensions, the KeyChange algorithm (RFC 3414 section 5), users,
//! and a cache of localized keys.
//!
//! Secrets live in [`SecretKey`]: zeroized on drop, compared in constant time, never printed.

use alloc::boxed::Box;
use alloc::collections::BTreeMap;
use alloc::sync::Arc;
use alloc::vec;
use alloc::vec::Vec;
use core::fmt;

use subtle::ConstantTimeEq;
use zeroize::Zeroize;

use crate::crypto::{CipherKey, CryptoProvider, HashAlgorithm, MAX_DIGEST_LEN, MacKey};
use crate::usm::auth::{AuthKey, AuthProtocol};
use crate::usm::privacy::{self, KeyExtension, PrivKey, PrivProtocol};
use crate::usm::{AlgorithmPolicy, SecurityLevel, UsmError};

/// The longest key this crate holds: a SHA-512 digest.
pub const MAX_KEY_LEN: usize = MAX_DIGEST_LEN;

/// RFC 3414 section 11.2: passwords shorter than 8 characters are refused.
pub const MIN_PASSWORD_LEN: usize = 8;

/// Password-to-key hashes the password repeated to this many bytes (RFC 3414 A.2).
pub const PASSWORD_EXPANSION_LEN: usize = 1_048_576;

/// The size of the chunks password-to-key feeds the hash: large enough that the hash runs at
/// full speed, small enough to stay in L1 cache.
const EXPANSION_CHUNK: usize = 16 * 1024;

/// Key material: a master key (Ku), a localized key (Kul) or an extended privacy key.
/// Zeroized on drop; `Debug` shows only the length; `==` is constant-time.
#[derive(Clone)]
pub struct SecretKey {
    bytes: [u8; MAX_KEY_LEN],
    len: usize,
}

impl SecretKey {
    /// A key from raw bytes (at most [`MAX_KEY_LEN`]), e.g. a localized key from a config file.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self, UsmError> {
        let mut key = Self {
            bytes: [0; MAX_KEY_LEN],
            len: bytes.len(),
        };
        key.bytes
            .get_mut(..bytes.len())
            .ok_or(UsmError::KeyTooLong { len: bytes.len() })?
            .copy_from_slice(bytes);
        Ok(key)
    }

    /// The key bytes. Handle with care.
    pub fn as_bytes(&self) -> &[u8] {
        self.bytes.get(..self.len).unwrap_or_default()
    }

    /// The key length in bytes.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True for an empty key.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn truncate(&mut self, len: usize) {
        if len < self.len {
            if let Some(tail) = self.bytes.get_mut(len..) {
                tail.zeroize();
            }
            self.len = len;
        }
    }

    fn append(&mut self, more: &[u8]) {
        let room = self.bytes.get_mut(self.len..).unwrap_or_default();
        let n = room.len().min(more.len());
        if let (Some(dst), Some(src)) = (room.get_mut(..n), more.get(..n)) {
            dst.copy_from_slice(src);
        }
        self.len += n;
    }
}

impl Drop for SecretKey {
    fn drop(&mut self) {
        self.bytes.zeroize();
    }
}

impl zeroize::ZeroizeOnDrop for SecretKey {}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && bool::from(self.as_bytes().ct_eq(other.as_bytes()))
    }
}

impl Eq for SecretKey {}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey({} bytes, redacted)", self.len)
    }
}

fn digest_key(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    parts: &[&[u8]],
) -> Result<SecretKey, UsmError> {
    let mut key = SecretKey {
        bytes: [0; MAX_KEY_LEN],
        len: 0,
    };
    key.len = provider.digest(hash, parts, &mut key.bytes)?;
    Ok(key)
}

/// Password-to-key (RFC 3414 A.2): the digest of the password repeated to 1 MiB. The result
/// is the master key Ku. Passwords shorter than [`MIN_PASSWORD_LEN`] bytes are refused.
///
/// The repeated password is fed to the hash in 16 KiB chunks, so this runs at the hash's
/// full throughput (RFC 3414's sample code feeds 64 bytes at a time, 2-3x slower).
///
/// RFC 3414 A.3.1 and A.3.2: "maplesyrup", localized to engine `00...02` with
/// [`localize_key`]:
///
/// ```
/// use fleetwire_snmp::crypto::{HashAlgorithm, RustCrypto};
/// use fleetwire_snmp::usm::key::{localize_key, password_to_key};
///
/// let crypto = RustCrypto::new();
/// let engine_id = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];
/// let ku = password_to_key(&crypto, HashAlgorithm::Md5, b"maplesyrup")?;
/// let kul = localize_key(&crypto, HashAlgorithm::Md5, &ku, &engine_id)?;
/// assert_eq!(
///     kul.as_bytes(),
///     [0x52, 0x6f, 0x5e, 0xed, 0x9f, 0xcc, 0xe2, 0x6f, 0x89, 0x64, 0xc2, 0x93, 0x07, 0x87, 0xd8, 0x2b]
/// );
/// let ku = password_to_key(&crypto, HashAlgorithm::Sha1, b"maplesyrup")?;
/// let kul = localize_key(&crypto, HashAlgorithm::Sha1, &ku, &engine_id)?;
/// assert_eq!(kul.as_bytes()[..4], [0x66, 0x95, 0xfe, 0xbc]);
/// // Keys never show in Debug output.
/// assert_eq!(format!("{kul:?}"), "SecretKey(20 bytes, redacted)");
/// // Passwords under 8 bytes are refused (RFC 3414 section 11.2).
/// assert!(password_to_key(&crypto, HashAlgorithm::Md5, b"short").is_err());
/// # Ok::<(), fleetwire_snmp::usm::UsmError>(())
/// ```
pub fn password_to_key(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    password: &[u8],
) -> Result<SecretKey, UsmError> {
    if password.len() < MIN_PASSWORD_LEN {
        return Err(UsmError::PasswordTooShort {
            len: password.len(),
        });
    }
    expand_and_hash(provider, hash, password)
}

fn expand_and_hash(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    password: &[u8],
) -> Result<SecretKey, UsmError> {
    if password.is_empty() {
        return Err(UsmError::PasswordTooShort { len: 0 });
    }
    // A whole number of passwords per chunk, so every chunk starts at the password's start.
    let reps = EXPANSION_CHUNK.div_ceil(password.len());
    let mut chunk = vec![0u8; reps * password.len()];
    for dst in chunk.chunks_exact_mut(password.len()) {
        dst.copy_from_slice(password);
    }
    let mut h = provider.hash(hash)?;
    let mut left = PASSWORD_EXPANSION_LEN;
    while left > 0 {
        let n = left.min(chunk.len());
        h.update(chunk.get(..n).unwrap_or_default());
        left -= n;
    }
    chunk.zeroize();
    let mut key = SecretKey {
        bytes: [0; MAX_KEY_LEN],
        len: 0,
    };
    key.len = h.finish(&mut key.bytes)?;
    Ok(key)
}

/// Key localization (RFC 3414 section 2.6): `Kul = H(Ku || engineID || Ku)`.
pub fn localize_key(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    master: &SecretKey,
    engine_id: &[u8],
) -> Result<SecretKey, UsmError> {
    digest_key(
        provider,
        hash,
        &[master.as_bytes(), engine_id, master.as_bytes()],
    )
}

/// Stretches a localized privacy key to `len` bytes with `extension` (see
/// [`KeyExtension`]); a key that is long enough is only truncated.
pub fn extend_key(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    localized: &SecretKey,
    engine_id: &[u8],
    extension: KeyExtension,
    len: usize,
) -> Result<SecretKey, UsmError> {
    let mut key = localized.clone();
    let mut last = localized.clone();
    while key.len() < len {
        let before = key.len();
        match extension {
            KeyExtension::None => {
                return Err(UsmError::PrivKeyLength {
                    expected: len,
                    found: key.len(),
                });
            }
            KeyExtension::Blumenthal => {
                let more = digest_key(provider, hash, &[key.as_bytes()])?;
                key.append(more.as_bytes());
            }
            KeyExtension::Reeder => {
                let ku = expand_and_hash(provider, hash, last.as_bytes())?;
                last = localize_key(provider, hash, &ku, engine_id)?;
                key.append(last.as_bytes());
            }
        }
        if key.len() == before {
            return Err(UsmError::PrivKeyLength {
                expected: len,
                found: key.len(),
            });
        }
    }
    key.truncate(len);
    Ok(key)
}

/// The KeyChange value (RFC 3414 section 5) that changes `old` into `new`: `random || delta`.
/// `random` must be as long as the keys.
pub fn key_change_value(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    old: &SecretKey,
    new: &SecretKey,
    random: &[u8],
) -> Result<Vec<u8>, UsmError> {
    let len = old.len();
    if new.len() != len || random.len() != len {
        return Err(UsmError::KeyChangeLength {
            expected: 2 * len,
            found: new.len() + random.len(),
        });
    }
    let mut out = Vec::with_capacity(2 * len);
    out.extend_from_slice(random);
    let delta = key_change_stream(provider, hash, old, random, new.as_bytes())?;
    out.extend_from_slice(delta.as_bytes());
    Ok(out)
}

/// Applies a KeyChange value (`random || delta`, RFC 3414 section 5) to `old`; returns the
/// new key.
pub fn apply_key_change(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    old: &SecretKey,
    value: &[u8],
) -> Result<SecretKey, UsmError> {
    let len = old.len();
    if value.len() != 2 * len {
        return Err(UsmError::KeyChangeLength {
            expected: 2 * len,
            found: value.len(),
        });
    }
    let (random, delta) = value.split_at(len);
    key_change_stream(provider, hash, old, random, delta)
}

/// XORs `input` with the KeyChange key stream: `H(old || random)`, `H(prev || random)`, ...
fn key_change_stream(
    provider: &dyn CryptoProvider,
    hash: HashAlgorithm,
    old: &SecretKey,
    random: &[u8],
    input: &[u8],
) -> Result<SecretKey, UsmError> {
    let mut temp = old.clone();
    let mut out = SecretKey::from_bytes(input)?;
    let dlen = hash.output_len();
    for chunk in out
        .bytes
        .get_mut(..input.len())
        .unwrap_or_default()
        .chunks_mut(dlen)
    {
        temp = digest_key(provider, hash, &[temp.as_bytes(), random])?;
        for (b, t) in chunk.iter_mut().zip(temp.as_bytes()) {
            *b ^= t;
        }
    }
    Ok(out)
}

/// A USM user as configured on a manager or agent: a name and master keys (Ku), not yet
/// bound to an engine. Derive it from passwords once (password-to-key is the expensive part)
/// and localize it per engine, ideally through a [`KeyCache`].
///
/// ```
/// use fleetwire_snmp::crypto::RustCrypto;
/// use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel, UsmUser};
///
/// let crypto = RustCrypto::new();
/// let user = UsmUser::new(b"fleet")?
///     .with_auth_password(&crypto, AuthProtocol::Sha256, b"fleet-auth-pass")?
///     .with_priv_password(&crypto, PrivProtocol::Aes128, b"fleet-priv-pass")?;
/// assert_eq!(user.max_level(), SecurityLevel::AuthPriv);
/// // Bound to one engine: the keys a manager uses with that agent.
/// let localized = user.localize(&crypto, b"\x80\x00\x1f\x88\x04printer")?;
/// assert_eq!(localized.engine_id(), b"\x80\x00\x1f\x88\x04printer");
/// assert_eq!(localized.priv_protocol(), Some(PrivProtocol::Aes128));
/// // Debug shows the protocols, never the keys.
/// assert!(!format!("{user:?}").contains("fleet-auth-pass"));
/// # Ok::<(), fleetwire_snmp::usm::UsmError>(())
/// ```
#[derive(Clone)]
pub struct UsmUser {
    name: Vec<u8>,
    auth: Option<(AuthProtocol, SecretKey)>,
    privacy: Option<(PrivProtocol, SecretKey)>,
    fingerprint: [u8; MAX_DIGEST_LEN],
}

impl fmt::Debug for UsmUser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("UsmUser")
            .field("name", &alloc::string::String::from_utf8_lossy(&self.name))
            .field("auth", &self.auth.as_ref().map(|(p, _)| p))
            .field("privacy", &self.privacy.as_ref().map(|(p, _)| p))
            .finish_non_exhaustive()
    }
}

impl UsmUser {
    /// A noAuthNoPriv user. Names are at most 32 bytes (RFC 3414 `SnmpAdminString (SIZE(1..32))`).
    pub fn new(name: &[u8]) -> Result<Self, UsmError> {
        if name.len() > 32 {
            return Err(UsmError::UserNameTooLong { len: name.len() });
        }
        Ok(Self {
            name: name.to_vec(),
            auth: None,
            privacy: None,
            fingerprint: [0; MAX_DIGEST_LEN],
        })
    }

    /// Adds authentication from a password (runs password-to-key).
    pub fn with_auth_password(
        self,
        provider: &dyn CryptoProvider,
        protocol: AuthProtocol,
        password: &[u8],
    ) -> Result<Self, UsmError> {
        let ku = password_to_key(provider, protocol.algorithm().hash, password)?;
        self.with_auth_key(provider, protocol, ku)
    }

    /// Adds authentication from a master key Ku.
    pub fn with_auth_key(
        mut self,
        provider: &dyn CryptoProvider,
        protocol: AuthProtocol,
        master: SecretKey,
    ) -> Result<Self, UsmError> {
        let expected = protocol.algorithm().key_len;
        if master.len() != expected {
            return Err(UsmError::AuthKeyLength {
                expected,
                found: master.len(),
            });
        }
        self.auth = Some((protocol, master));
        self.privacy = None;
        self.refresh_fingerprint(provider)?;
        Ok(self)
    }

    /// Adds privacy from a password (password-to-key with the auth protocol's hash, as RFC
    /// 3414 and RFC 3826 specify). Authentication must be set first.
    pub fn with_priv_password(
        self,
        provider: &dyn CryptoProvider,
        protocol: PrivProtocol,
        password: &[u8],
    ) -> Result<Self, UsmError> {
        let (auth, _) = self.auth.as_ref().ok_or(UsmError::PrivacyWithoutAuth)?;
        let ku = password_to_key(provider, auth.algorithm().hash, password)?;
        self.with_priv_key(provider, protocol, ku)
    }

    /// Adds privacy from a master key Ku (derived with the auth protocol's hash).
    pub fn with_priv_key(
        mut self,
        provider: &dyn CryptoProvider,
        protocol: PrivProtocol,
        master: SecretKey,
    ) -> Result<Self, UsmError> {
        let (auth, _) = self.auth.as_ref().ok_or(UsmError::PrivacyWithoutAuth)?;
        let expected = auth.algorithm().key_len;
        if master.len() != expected {
            return Err(UsmError::PrivKeyLength {
                expected,
                found: master.len(),
            });
        }
        self.privacy = Some((protocol, master));
        self.refresh_fingerprint(provider)?;
        Ok(self)
    }

    /// Digest of the protocols and master keys: the cache's "password digest".
    fn refresh_fingerprint(&mut self, provider: &dyn CryptoProvider) -> Result<(), UsmError> {
        let Some((auth, ku)) = &self.auth else {
            return Ok(());
        };
        let (priv_tag, priv_ku): (u8, &[u8]) = match &self.privacy {
            Some((p, k)) => (*p as u8 + 1, k.as_bytes()),
            None => (0, &[]),
        };
        let tags = [*auth as u8, priv_tag];
        provider.digest(
            auth.algorithm().hash,
            &[b"fleetwire usm key cache", &tags, ku.as_bytes(), priv_ku],
            &mut self.fingerprint,
        )?;
        Ok(())
    }

    /// The user name.
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// The authentication protocol, if any.
    pub fn auth_protocol(&self) -> Option<AuthProtocol> {
        self.auth.as_ref().map(|(p, _)| *p)
    }

    /// The privacy protocol, if any.
    pub fn priv_protocol(&self) -> Option<PrivProtocol> {
        self.privacy.as_ref().map(|(p, _)| *p)
    }

    /// The highest security level this user supports.
    pub fn max_level(&self) -> SecurityLevel {
        match (&self.auth, &self.privacy) {
            (Some(_), Some(_)) => SecurityLevel::AuthPriv,
            (Some(_), None) => SecurityLevel::AuthNoPriv,
            _ => SecurityLevel::NoAuthNoPriv,
        }
    }

    /// Checks the user's protocols against a policy.
    pub fn check_policy(&self, policy: AlgorithmPolicy) -> Result<(), UsmError> {
        if let Some(p) = self.auth_protocol() {
            policy.check_auth(p)?;
        }
        if let Some(p) = self.priv_protocol() {
            policy.check_priv(p)?;
        }
        Ok(())
    }

    /// Localizes the keys to `engine_id` (without a cache).
    pub fn localize(
        &self,
        provider: &dyn CryptoProvider,
        engine_id: &[u8],
    ) -> Result<LocalizedUser, UsmError> {
        let keys = Arc::new(self.localize_keys(provider, engine_id)?);
        let prepared = Arc::new(PreparedKeys::new(provider, &keys)?);
        Ok(LocalizedUser {
            name: self.name.clone(),
            engine_id: engine_id.to_vec(),
            keys,
            prepared: Some(prepared),
        })
    }

    fn localize_keys(
        &self,
        provider: &dyn CryptoProvider,
        engine_id: &[u8],
    ) -> Result<LocalizedKeys, UsmError> {
        let Some((auth, auth_ku)) = &self.auth else {
            return Ok(LocalizedKeys::default());
        };
        let hash = auth.algorithm().hash;
        let auth_kul = localize_key(provider, hash, auth_ku, engine_id)?;
        let privacy = match &self.privacy {
            Some((p, priv_ku)) => {
                let kul = localize_key(provider, hash, priv_ku, engine_id)?;
                let alg = p.algorithm();
                Some((
                    *p,
                    extend_key(
                        provider,
                        hash,
                        &kul,
                        engine_id,
                        alg.extension,
                        alg.secret_len,
                    )?,
                ))
            }
            None => None,
        };
        Ok(LocalizedKeys {
            auth: Some((*auth, auth_kul)),
            privacy,
        })
    }
}

/// Localized keys of one user for one engine.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LocalizedKeys {
    /// The authentication protocol and its localized key.
    pub auth: Option<(AuthProtocol, SecretKey)>,
    /// The privacy protocol and its key: localized, extended or truncated to the protocol's
    /// [`secret_len`](crate::usm::PrivAlgorithm::secret_len).
    pub privacy: Option<(PrivProtocol, SecretKey)>,
}

/// The localized keys in the prepared forms of one crypto provider (HMAC states, cipher key
/// schedules), made once when the keys are localized so that no message pays for them.
pub(crate) struct PreparedKeys {
    /// The [`CryptoProvider::name`] of the provider that made them: another provider (a FIPS
    /// module chosen later, say) gets the unprepared path rather than these.
    provider: &'static str,
    mac: Option<Box<dyn MacKey>>,
    cipher: Option<Box<dyn CipherKey>>,
}

impl PreparedKeys {
    fn new(provider: &dyn CryptoProvider, keys: &LocalizedKeys) -> Result<Self, UsmError> {
        let mac = match &keys.auth {
            Some((p, k)) => provider.prepare_mac(p.algorithm().hash, k.as_bytes())?,
            None => None,
        };
        let cipher = match &keys.privacy {
            Some((p, k)) => {
                let (cipher_key, _) = privacy::split_key(*p, k)?;
                provider.prepare_cipher(p.algorithm().cipher, cipher_key)?
            }
            None => None,
        };
        Ok(Self {
            provider: provider.name(),
            mac,
            cipher,
        })
    }

    fn made_by(&self, provider: &dyn CryptoProvider) -> bool {
        self.provider == provider.name()
    }
}

impl fmt::Debug for PreparedKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PreparedKeys")
            .field("provider", &self.provider)
            .field("mac", &self.mac.is_some())
            .field("cipher", &self.cipher.is_some())
            .finish()
    }
}

/// A user bound to one authoritative engine: what message processing needs.
#[derive(Debug, Clone)]
pub struct LocalizedUser {
    name: Vec<u8>,
    engine_id: Vec<u8>,
    keys: Arc<LocalizedKeys>,
    prepared: Option<Arc<PreparedKeys>>,
}

impl LocalizedUser {
    /// A user configured directly with localized keys (e.g. net-snmp's `usmUser` lines, or
    /// `fleetwire decode` given keys instead of passwords). The privacy key must already be
    /// extended to the protocol's `secret_len`.
    pub fn from_keys(name: &[u8], engine_id: &[u8], keys: LocalizedKeys) -> Result<Self, UsmError> {
        if name.len() > 32 {
            return Err(UsmError::UserNameTooLong { len: name.len() });
        }
        if keys.privacy.is_some() && keys.auth.is_none() {
            return Err(UsmError::PrivacyWithoutAuth);
        }
        if let Some((p, k)) = &keys.auth
            && k.len() != p.algorithm().key_len
        {
            return Err(UsmError::AuthKeyLength {
                expected: p.algorithm().key_len,
                found: k.len(),
            });
        }
        if let Some((p, k)) = &keys.privacy
            && k.len() < p.algorithm().secret_len
        {
            return Err(UsmError::PrivKeyLength {
                expected: p.algorithm().secret_len,
                found: k.len(),
            });
        }
        Ok(Self {
            name: name.to_vec(),
            engine_id: engine_id.to_vec(),
            keys: Arc::new(keys),
            prepared: None,
        })
    }

    /// Prepares the keys for `provider` (HMAC states and cipher key schedules computed once),
    /// as users localized from passwords already are. Messages processed with another
    /// provider still work, unprepared.
    pub fn prepare(mut self, provider: &dyn CryptoProvider) -> Result<Self, UsmError> {
        self.prepared = Some(Arc::new(PreparedKeys::new(provider, &self.keys)?));
        Ok(self)
    }

    fn prepared_by(&self, provider: &dyn CryptoProvider) -> Option<&PreparedKeys> {
        self.prepared.as_deref().filter(|p| p.made_by(provider))
    }

    /// The authentication key for processing messages with `provider`.
    pub(crate) fn auth_key<'k>(&'k self, provider: &'k dyn CryptoProvider) -> Option<AuthKey<'k>> {
        let (protocol, secret) = self.keys.auth.as_ref()?;
        Some(AuthKey {
            provider,
            protocol: *protocol,
            secret,
            prepared: self.prepared_by(provider).and_then(|p| p.mac.as_deref()),
        })
    }

    /// The privacy key for processing messages with `provider`.
    pub(crate) fn priv_key<'k>(&'k self, provider: &'k dyn CryptoProvider) -> Option<PrivKey<'k>> {
        let (protocol, secret) = self.keys.privacy.as_ref()?;
        Some(PrivKey {
            provider,
            protocol: *protocol,
            secret,
            prepared: self.prepared_by(provider).and_then(|p| p.cipher.as_deref()),
        })
    }

    /// The user name.
    pub fn name(&self) -> &[u8] {
        &self.name
    }

    /// The engine the keys are localized to.
    pub fn engine_id(&self) -> &[u8] {
        &self.engine_id
    }

    /// The localized keys.
    pub fn keys(&self) -> &LocalizedKeys {
        &self.keys
    }

    /// The authentication protocol, if any.
    pub fn auth_protocol(&self) -> Option<AuthProtocol> {
        self.keys.auth.as_ref().map(|(p, _)| *p)
    }

    /// The privacy protocol, if any.
    pub fn priv_protocol(&self) -> Option<PrivProtocol> {
        self.keys.privacy.as_ref().map(|(p, _)| *p)
    }

    /// The highest security level this user supports.
    pub fn max_level(&self) -> SecurityLevel {
        match (&self.keys.auth, &self.keys.privacy) {
            (Some(_), Some(_)) => SecurityLevel::AuthPriv,
            (Some(_), None) => SecurityLevel::AuthNoPriv,
            _ => SecurityLevel::NoAuthNoPriv,
        }
    }
}

/// A [`KeyCache`] entry: the localized keys and their prepared forms.
type CacheEntry = (Arc<LocalizedKeys>, Arc<PreparedKeys>);

/// A cache of localized keys keyed by (digest of the user's master keys, engine ID), so a
/// manager localizes each user once per engine, never per message. Bounded: when full, the
/// entry with the smallest key is dropped.
#[derive(Debug)]
pub struct KeyCache {
    entries: BTreeMap<(Vec<u8>, Vec<u8>), CacheEntry>,
    max_entries: usize,
    derivations: u64,
}

impl Default for KeyCache {
    fn default() -> Self {
        Self::new()
    }
}

impl KeyCache {
    /// An empty cache holding up to 4096 entries.
    pub fn new() -> Self {
        Self::with_max_entries(4096)
    }

    /// An empty cache holding up to `max_entries` entries (at least 1).
    pub fn with_max_entries(max_entries: usize) -> Self {
        Self {
            entries: BTreeMap::new(),
            max_entries: max_entries.max(1),
            derivations: 0,
        }
    }

    /// `user` localized to `engine_id`, derived on the first request only.
    pub fn localize(
        &mut self,
        provider: &dyn CryptoProvider,
        user: &UsmUser,
        engine_id: &[u8],
    ) -> Result<LocalizedUser, UsmError> {
        let len = user
            .auth
            .as_ref()
            .map_or(0, |(p, _)| p.algorithm().hash.output_len());
        let fp = user.fingerprint.get(..len).unwrap_or_default();
        let key = (fp.to_vec(), engine_id.to_vec());
        let (keys, prepared) = match self.entries.get_mut(&key) {
            Some((keys, prepared)) => {
                if !prepared.made_by(provider) {
                    *prepared = Arc::new(PreparedKeys::new(provider, keys)?);
                }
                (keys.clone(), prepared.clone())
            }
            None => {
                let keys = Arc::new(user.localize_keys(provider, engine_id)?);
                let prepared = Arc::new(PreparedKeys::new(provider, &keys)?);
                self.derivations += 1;
                if self.entries.len() >= self.max_entries {
                    self.entries.pop_first();
                }
                self.entries.insert(key, (keys.clone(), prepared.clone()));
                (keys, prepared)
            }
        };
        Ok(LocalizedUser {
            name: user.name.clone(),
            engine_id: engine_id.to_vec(),
            keys,
            prepared: Some(prepared),
        })
    }

    /// Entries held.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many localizations the cache has computed (misses).
    pub fn derivations(&self) -> u64 {
        self.derivations
    }

    /// Drops every entry.
    pub fn clear(&mut self) {
        self.entries.clear();
    }
}
