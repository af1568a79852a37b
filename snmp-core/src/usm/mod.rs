//! The User-based Security Model for SNMPv3 (RFC 3414, RFC 3826, RFC 7860), sans-IO.
//!
//! No sockets and no clocks: messages go in and out as bytes, and time is passed in as a
//! monotonic `now: Duration`. Crypto goes through a [`CryptoProvider`].
//!
//! - [`key`]: password-to-key, localization, key extension, KeyChange, [`UsmUser`],
//!   [`LocalizedUser`], [`KeyCache`].
//! - [`auth`]: HMAC-MD5-96, HMAC-SHA-96, HMAC-SHA-2 ([`AuthProtocol`], one table).
//! - [`privacy`]: DES, 3DES, AES-128/192/256 in both key-extension forms ([`PrivProtocol`],
//!   one table).
//! - [`timeliness`]: the 150-second window and both sides' clocks.
//! - [`stats`]: usmStats counters and Reports.
//! - [`engine`]: the two state machines: [`Session`] (non-authoritative: a manager talking
//!   to an agent; discovery, time synchronisation, reboots) and [`LocalEngine`]
//!   (authoritative: an agent answering requests, with usmStats and Reports).
//!
//! One-shot message functions, for tools that hold the keys already:
//! [`generate_message`] (encode + encrypt + sign into a caller buffer) and
//! [`process_incoming`] (verify + decrypt + decode).
//!
//! ```
//! use fleetwire_snmp::crypto::Deterministic;
//! use fleetwire_snmp::usm::{self, AuthProtocol, Outgoing, PrivProtocol, SaltCounter, SecurityLevel, UsmUser};
//! use fleetwire_snmp::{DecodeOptions, GenericPdu, Pdu, ScopedPdu, VarBind};
//!
//! let crypto = Deterministic::new(1);
//! let engine_id = b"\x80\x00\x1f\x88\x04fleetwire";
//! let user = UsmUser::new(b"alice")?
//!     .with_auth_password(&crypto, AuthProtocol::Sha256, b"authpass123")?
//!     .with_priv_password(&crypto, PrivProtocol::Aes128, b"privpass123")?
//!     .localize(&crypto, engine_id)?;
//! let scoped = ScopedPdu {
//!     context_engine_id: engine_id[..].into(),
//!     context_name: b""[..].into(),
//!     pdu: Pdu::GetRequest(GenericPdu::new(7, vec![VarBind::null("1.3.6.1.2.1.1.1.0".parse()?)])),
//! };
//! let mut wire = Vec::new();
//! let out = Outgoing { msg_id: 1, max_size: 65507, level: SecurityLevel::AuthPriv, reportable: true,
//!     engine_boots: 3, engine_time: 1000 };
//! usm::generate_message(&crypto, &user, &out, &scoped, &mut SaltCounter::new(0), &mut wire)?;
//!
//! let mut scratch = Vec::new();
//! let incoming = usm::process_incoming(&crypto, &user, &wire, &DecodeOptions::default(), &mut scratch)?;
//! assert_eq!(incoming.scoped_pdu, scoped);
//! assert_eq!(incoming.level, SecurityLevel::AuthPriv);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::borrow::Cow;
use alloc::vec::Vec;
use core::fmt;

use crate::crypto::{CryptoError, CryptoProvider};
use crate::error::DecodeError;
use crate::message::{
    HeaderData, Message, MsgFlags, SECURITY_MODEL_USM, ScopedPdu, ScopedPduData,
    SecurityParameters, UsmSecurityParameters, V3Message,
};
use crate::oid::Oid;
use crate::options::{Anomalies, DecodeOptions};

pub mod auth;
pub mod engine;
pub mod key;
pub mod privacy;
pub mod stats;
pub mod timeliness;

pub use auth::{AUTH_ALGORITHMS, AuthAlgorithm, AuthProtocol};
pub use engine::{LocalEngine, Received, Rejection, RequestContext, Session};
pub use key::{KeyCache, LocalizedKeys, LocalizedUser, SecretKey, UsmUser};
pub use privacy::{KeyExtension, PRIV_ALGORITHMS, PrivAlgorithm, PrivProtocol, SaltCounter};
pub use stats::{UsmStat, UsmStats};
pub use timeliness::EngineTime;

/// A USM security level (RFC 3411 `SnmpSecurityLevel`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SecurityLevel {
    /// noAuthNoPriv.
    NoAuthNoPriv,
    /// authNoPriv.
    AuthNoPriv,
    /// authPriv.
    AuthPriv,
}

impl SecurityLevel {
    /// The level `msgFlags` asks for.
    pub fn from_flags(flags: MsgFlags) -> Self {
        match (flags.auth, flags.privacy) {
            (true, true) => Self::AuthPriv,
            (true, false) => Self::AuthNoPriv,
            _ => Self::NoAuthNoPriv,
        }
    }

    /// `msgFlags` for this level.
    pub fn flags(self, reportable: bool) -> MsgFlags {
        MsgFlags {
            auth: self >= Self::AuthNoPriv,
            privacy: self == Self::AuthPriv,
            reportable,
        }
    }

    /// The RFC 3411 name: `noAuthNoPriv`, `authNoPriv`, `authPriv`.
    pub fn name(self) -> &'static str {
        match self {
            Self::NoAuthNoPriv => "noAuthNoPriv",
            Self::AuthNoPriv => "authNoPriv",
            Self::AuthPriv => "authPriv",
        }
    }
}

impl fmt::Display for SecurityLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Which algorithms users may be configured with, chosen at run time with any backend.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub enum AlgorithmPolicy {
    /// Every algorithm in the tables.
    #[default]
    Any,
    /// FIPS 140-3: refuses HMAC-MD5-96, CBC-DES and 3DES-EDE.
    Fips,
}

impl AlgorithmPolicy {
    /// Refuses an authentication protocol the policy does not allow.
    pub fn check_auth(self, protocol: AuthProtocol) -> Result<(), UsmError> {
        let alg = protocol.algorithm();
        if self == Self::Fips && !alg.fips_approved {
            return Err(UsmError::RefusedByPolicy {
                algorithm: alg.name,
                policy: self,
            });
        }
        Ok(())
    }

    /// Refuses a privacy protocol the policy does not allow.
    pub fn check_priv(self, protocol: PrivProtocol) -> Result<(), UsmError> {
        let alg = protocol.algorithm();
        if self == Self::Fips && !alg.fips_approved {
            return Err(UsmError::RefusedByPolicy {
                algorithm: alg.name,
                policy: self,
            });
        }
        Ok(())
    }
}

impl fmt::Display for AlgorithmPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Any => "any-algorithm",
            Self::Fips => "FIPS 140-3",
        })
    }
}

/// Why decryption failed (usmStatsDecryptionErrors).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DecryptionFailure {
    /// `msgPrivacyParameters` is not 8 bytes.
    #[error("msgPrivacyParameters is {0} bytes, expected 8")]
    PrivParametersLength(usize),
    /// A CBC ciphertext that is not a whole number of blocks.
    #[error("encryptedPDU is {0} bytes, not a multiple of the block size")]
    CiphertextLength(usize),
    /// The decrypted bytes are not a ScopedPDU (typically a wrong privacy key or protocol).
    #[error("decrypted data is not a ScopedPDU: {0}")]
    Plaintext(DecodeError),
    /// Bytes after the decrypted ScopedPDU beyond the cipher's padding.
    #[error("{0} bytes after the decrypted ScopedPDU")]
    TrailingBytes(usize),
}

/// What a Report said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ReportKind {
    /// A usmStats counter.
    Usm(UsmStat),
    /// Any other counter (e.g. snmpUnknownContexts).
    Other(Oid<'static>),
    /// A Report without varbinds.
    Empty,
}

impl fmt::Display for ReportKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Usm(s) => write!(f, "{s}"),
            Self::Other(oid) => write!(f, "{oid}"),
            Self::Empty => f.write_str("no varbind"),
        }
    }
}

/// A USM error: what failed, and for incoming messages the usmStats counter it maps to
/// ([`UsmError::stat`]).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UsmError {
    /// The message does not decode.
    #[error("message does not decode: {0}")]
    Decode(#[from] DecodeError),
    /// Not an SNMPv3 message.
    #[error("not an SNMPv3 message (version {0})")]
    NotV3(&'static str),
    /// An SNMPv3 message for another security model.
    #[error("msgSecurityModel {0} is not USM (3)")]
    NotUsm(u32),
    /// msgAuthoritativeEngineID is not the expected engine (usmStatsUnknownEngineIDs).
    #[error("unknown engine ID ({len} bytes) in msgAuthoritativeEngineID")]
    UnknownEngineId {
        /// Length of the engine ID received.
        len: usize,
    },
    /// msgUserName is not a configured user (usmStatsUnknownUserNames).
    #[error("unknown user name in msgUserName")]
    UnknownUserName,
    /// The user cannot use the requested level (usmStatsUnsupportedSecLevels).
    #[error("security level {requested} is not supported by the user (at most {supported})")]
    UnsupportedSecurityLevel {
        /// The level msgFlags asked for.
        requested: SecurityLevel,
        /// The user's highest level.
        supported: SecurityLevel,
    },
    /// A response at a lower level than the request.
    #[error("response at {received} to a request at {expected}")]
    SecurityLevelMismatch {
        /// The request's level.
        expected: SecurityLevel,
        /// The response's level.
        received: SecurityLevel,
    },
    /// msgAuthenticationParameters does not match (usmStatsWrongDigests).
    #[error("authentication failed: wrong digest in msgAuthenticationParameters")]
    WrongDigest,
    /// Outside the time window (usmStatsNotInTimeWindows).
    #[error("not in time window: message boots {} time {}, local boots {} time {}", received.boots, received.time, local.boots, local.time)]
    NotInTimeWindow {
        /// msgAuthoritativeEngineBoots/Time of the message.
        received: EngineTime,
        /// The local view of the authoritative engine's clock.
        local: EngineTime,
    },
    /// Decryption failed (usmStatsDecryptionErrors).
    #[error("decryption failed: {0}")]
    Decryption(DecryptionFailure),
    /// The peer answered with a Report.
    #[error("the peer answered with a Report: {kind}")]
    ReportReceived {
        /// The counter reported.
        kind: ReportKind,
    },
    /// A request was made before engine discovery completed.
    #[error("engine discovery has not completed: send the discovery request first")]
    DiscoveryNeeded,
    /// msgAuthenticationParameters could not be located in the message bytes.
    #[error("msgAuthenticationParameters not found in the message bytes")]
    AuthParametersNotFound,
    /// msgAuthenticationParameters placeholder of the wrong length (outgoing).
    #[error("msgAuthenticationParameters is {found} bytes, expected {expected}")]
    AuthParametersLength {
        /// The MAC length.
        expected: usize,
        /// The length found.
        found: usize,
    },
    /// A password shorter than 8 characters (RFC 3414 section 11.2).
    #[error("password is {len} characters; USM requires at least 8")]
    PasswordTooShort {
        /// The password's length.
        len: usize,
    },
    /// A user name longer than 32 bytes.
    #[error("user name is {len} bytes; at most 32 allowed")]
    UserNameTooLong {
        /// The name's length.
        len: usize,
    },
    /// Privacy configured without authentication.
    #[error("privacy requires authentication: set the auth protocol first")]
    PrivacyWithoutAuth,
    /// An authentication key of the wrong length.
    #[error("authentication key is {found} bytes, expected {expected}")]
    AuthKeyLength {
        /// The protocol's key length.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// A privacy key of the wrong length.
    #[error("privacy key is {found} bytes, expected {expected}")]
    PrivKeyLength {
        /// The length required.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// Key material longer than any protocol uses.
    #[error("key is {len} bytes; at most 64 allowed")]
    KeyTooLong {
        /// The length given.
        len: usize,
    },
    /// A KeyChange value of the wrong length.
    #[error("KeyChange value is {found} bytes, expected {expected}")]
    KeyChangeLength {
        /// Twice the key length.
        expected: usize,
        /// The length given.
        found: usize,
    },
    /// The algorithm policy refuses a configured algorithm.
    #[error("{algorithm} is not allowed by the {policy} policy")]
    RefusedByPolicy {
        /// The algorithm's name.
        algorithm: &'static str,
        /// The policy in force.
        policy: AlgorithmPolicy,
    },
    /// The crypto provider failed.
    #[error("crypto provider: {0}")]
    Crypto(#[from] CryptoError),
}

impl UsmError {
    /// The usmStats counter an incoming message's failure increments, if any (RFC 3414
    /// section 3.2).
    pub fn stat(&self) -> Option<UsmStat> {
        Some(match self {
            Self::UnknownEngineId { .. } => UsmStat::UnknownEngineIds,
            Self::UnknownUserName => UsmStat::UnknownUserNames,
            Self::UnsupportedSecurityLevel { .. } => UsmStat::UnsupportedSecLevels,
            Self::WrongDigest => UsmStat::WrongDigests,
            Self::NotInTimeWindow { .. } => UsmStat::NotInTimeWindows,
            Self::Decryption(_) => UsmStat::DecryptionErrors,
            _ => return None,
        })
    }
}

/// Header and timeliness values of an outgoing message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Outgoing {
    /// `msgID`.
    pub msg_id: u32,
    /// `msgMaxSize`: the largest message this side accepts.
    pub max_size: u32,
    /// The security level.
    pub level: SecurityLevel,
    /// The reportableFlag (set for requests and Informs).
    pub reportable: bool,
    /// `msgAuthoritativeEngineBoots`.
    pub engine_boots: u32,
    /// `msgAuthoritativeEngineTime`.
    pub engine_time: u32,
}

/// A verified, decrypted and decoded incoming message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Incoming<'a> {
    /// `msgGlobalData`.
    pub header: HeaderData,
    /// The USM parameters as received.
    pub security: UsmSecurityParameters<'a>,
    /// The security level the message was protected with.
    pub level: SecurityLevel,
    /// The plaintext scoped PDU (borrowing the message, or the scratch buffer it was
    /// decrypted into).
    pub scoped_pdu: ScopedPdu<'a>,
    /// Deviations tolerated by a lenient decode (offsets in the scoped PDU refer to the
    /// decrypted plaintext when the message was encrypted).
    pub anomalies: Anomalies,
}

/// Encodes a v3 message for `user` at `out.level`: encodes the scoped PDU, encrypts it
/// (authPriv), encodes the message with zeroed authentication parameters, and signs it in
/// place (authNoPriv, authPriv). Appends to `buf`.
pub fn generate_message(
    provider: &dyn CryptoProvider,
    user: &LocalizedUser,
    out: &Outgoing,
    scoped: &ScopedPdu<'_>,
    salt: &mut SaltCounter,
    buf: &mut Vec<u8>,
) -> Result<(), UsmError> {
    let mut data = Vec::with_capacity(256);
    scoped.encode(&mut data);
    generate_raw(provider, user, out, &mut data, salt, buf)
}

/// [`generate_message`] with the scoped PDU already encoded in `data` (which is encrypted in
/// place for authPriv).
pub(crate) fn generate_raw(
    provider: &dyn CryptoProvider,
    user: &LocalizedUser,
    out: &Outgoing,
    data: &mut Vec<u8>,
    salt: &mut SaltCounter,
    buf: &mut Vec<u8>,
) -> Result<(), UsmError> {
    let supported = user.max_level();
    if out.level > supported {
        return Err(UsmError::UnsupportedSecurityLevel {
            requested: out.level,
            supported,
        });
    }
    let keys = user.keys();
    let mut priv_params = [0u8; privacy::PRIV_PARAMETERS_LEN];
    let encrypted = out.level == SecurityLevel::AuthPriv;
    if encrypted && let Some(key) = user.priv_key(provider) {
        priv_params = privacy::encrypt(key, out.engine_boots, out.engine_time, salt, data)?;
    }
    let zeros = [0u8; auth::MAX_MAC_LEN];
    let auth = keys
        .auth
        .as_ref()
        .filter(|_| out.level >= SecurityLevel::AuthNoPriv);
    let mac_len = auth.map_or(0, |(p, _)| p.algorithm().mac_len);
    let usm = UsmSecurityParameters {
        engine_id: Cow::Borrowed(user.engine_id()),
        engine_boots: out.engine_boots,
        engine_time: out.engine_time,
        user_name: Cow::Borrowed(user.name()),
        auth_parameters: Cow::Borrowed(zeros.get(..mac_len).unwrap_or_default()),
        priv_parameters: Cow::Borrowed(if encrypted { &priv_params[..] } else { &[] }),
    };
    let header = HeaderData {
        msg_id: out.msg_id,
        max_size: out.max_size,
        flags: out.level.flags(out.reportable),
        security_model: SECURITY_MODEL_USM,
    };
    let start = buf.len();
    V3Message::encode_raw(&header, &usm, data, encrypted, buf);
    if let Some(key) = auth.and_then(|_| user.auth_key(provider)) {
        let msg = buf.get_mut(start..).unwrap_or_default();
        let range = V3Message::locate_auth_parameters(msg)?;
        auth::sign(key, msg, range)?;
    }
    Ok(())
}

/// Decodes an SNMPv3 USM message (no security processing).
pub fn parse<'a>(
    bytes: &'a [u8],
    opts: &DecodeOptions,
) -> Result<(V3Message<'a>, Anomalies), UsmError> {
    let (msg, anomalies) = Message::decode_with(bytes, opts)?;
    let msg = match msg {
        Message::V3(m) => m,
        other => return Err(UsmError::NotV3(other.version().name())),
    };
    if !matches!(msg.security_parameters, SecurityParameters::Usm(_)) {
        return Err(UsmError::NotUsm(msg.header.security_model));
    }
    Ok((msg, anomalies))
}

/// The USM parameters of a message [`parse`] accepted.
pub(crate) fn usm_parameters<'m, 'a>(
    msg: &'m V3Message<'a>,
) -> Result<&'m UsmSecurityParameters<'a>, UsmError> {
    match &msg.security_parameters {
        SecurityParameters::Usm(p) => Ok(p),
        SecurityParameters::Other(_) => Err(UsmError::NotUsm(msg.header.security_model)),
    }
}

/// Offset of `inner` within `outer`, when `inner` is a sub-slice of it (computed from the
/// addresses, in safe code).
fn offset_in(outer: &[u8], inner: &[u8]) -> Option<usize> {
    let start = (inner.as_ptr() as usize).checked_sub(outer.as_ptr() as usize)?;
    (start.checked_add(inner.len())? <= outer.len()).then_some(start)
}

/// Checks that `user` supports the level `msgFlags` asks for (RFC 3414 3.2 step 5).
pub(crate) fn check_level(user: &LocalizedUser, level: SecurityLevel) -> Result<(), UsmError> {
    let supported = user.max_level();
    if level > supported {
        return Err(UsmError::UnsupportedSecurityLevel {
            requested: level,
            supported,
        });
    }
    Ok(())
}

/// Verifies the MAC over the exact received bytes (RFC 3414 3.2 step 6), if the message is
/// authenticated.
pub(crate) fn authenticate(
    provider: &dyn CryptoProvider,
    user: &LocalizedUser,
    bytes: &[u8],
    usm: &UsmSecurityParameters<'_>,
    level: SecurityLevel,
) -> Result<(), UsmError> {
    if level == SecurityLevel::NoAuthNoPriv {
        return Ok(());
    }
    let key = user
        .auth_key(provider)
        .ok_or(UsmError::UnsupportedSecurityLevel {
            requested: level,
            supported: user.max_level(),
        })?;
    // The MAC covers the Message element only, not bytes a lenient decode allowed after it.
    let bytes = bytes.get(..V3Message::extent(bytes)?).unwrap_or_default();
    let params: &[u8] = &usm.auth_parameters;
    let start = offset_in(bytes, params).ok_or(UsmError::AuthParametersNotFound)?;
    let range = start..start + params.len();
    auth::verify(key, bytes, range)
}

/// Decrypts and decodes `msgData` (RFC 3414 3.2 step 8) into an [`Incoming`].
pub(crate) fn open_data<'a>(
    provider: &dyn CryptoProvider,
    user: &LocalizedUser,
    msg: V3Message<'a>,
    mut anomalies: Anomalies,
    opts: &DecodeOptions,
    scratch: &'a mut Vec<u8>,
) -> Result<Incoming<'a>, UsmError> {
    let level = SecurityLevel::from_flags(msg.header.flags);
    let SecurityParameters::Usm(security) = msg.security_parameters else {
        return Err(UsmError::NotUsm(msg.header.security_model));
    };
    let scoped_pdu = match msg.data {
        ScopedPduData::Plaintext(s) => s,
        ScopedPduData::Encrypted(ct) => {
            let key = user
                .priv_key(provider)
                .ok_or(UsmError::UnsupportedSecurityLevel {
                    requested: level,
                    supported: user.max_level(),
                })?;
            scratch.clear();
            scratch.extend_from_slice(&ct);
            privacy::decrypt(
                key,
                security.engine_boots,
                security.engine_time,
                &security.priv_parameters,
                scratch,
            )?;
            let plain: &'a Vec<u8> = scratch;
            let (scoped, used, more) = ScopedPdu::decode_prefix(plain, opts)
                .map_err(|e| UsmError::Decryption(DecryptionFailure::Plaintext(e)))?;
            // CBC pads to the block size (pysnmp adds a whole block even when the data is
            // aligned). CFB needs no padding, but pysnmp 4.4 pads AES plaintext to the 16-byte
            // block as well (and net-snmp ignores what follows the ScopedPDU): up to one
            // block (the IV length) of padding is accepted in both modes.
            let allowed = key.protocol.algorithm().cipher.iv_len();
            let trailing = plain.len().saturating_sub(used);
            if trailing > allowed {
                return Err(UsmError::Decryption(DecryptionFailure::TrailingBytes(
                    trailing,
                )));
            }
            anomalies.merge(&more);
            scoped
        }
    };
    Ok(Incoming {
        header: msg.header,
        security,
        level,
        scoped_pdu,
        anomalies,
    })
}

/// Verifies, decrypts and decodes a message for a user whose keys are already localized to
/// the message's authoritative engine: checks the engine ID and user name, the security
/// level, the MAC over the exact received bytes, then decrypts. Timeliness is not checked
/// here (the [`engine`] state machines do that); this is what a capture decoder needs.
pub fn process_incoming<'a>(
    provider: &dyn CryptoProvider,
    user: &LocalizedUser,
    bytes: &'a [u8],
    opts: &DecodeOptions,
    scratch: &'a mut Vec<u8>,
) -> Result<Incoming<'a>, UsmError> {
    let (msg, anomalies) = parse(bytes, opts)?;
    let usm = usm_parameters(&msg)?;
    if *usm.engine_id != *user.engine_id() {
        return Err(UsmError::UnknownEngineId {
            len: usm.engine_id.len(),
        });
    }
    if *usm.user_name != *user.name() {
        return Err(UsmError::UnknownUserName);
    }
    let level = SecurityLevel::from_flags(msg.header.flags);
    check_level(user, level)?;
    authenticate(provider, user, bytes, usm, level)?;
    open_data(provider, user, msg, anomalies, opts, scratch)
}

/// [`process_incoming`] for capture decoders (what `fleetwire decode -u -a -A -x -X`
/// needs): localizes `user` to the message's own msgAuthoritativeEngineID through `keys`
/// (so each engine in a capture is derived once), then verifies, decrypts and decodes. A
/// message of another user fails with [`UsmError::UnknownUserName`]; timeliness is not
/// checked (captures are old).
pub fn process_captured<'a>(
    provider: &dyn CryptoProvider,
    user: &UsmUser,
    keys: &mut KeyCache,
    bytes: &'a [u8],
    opts: &DecodeOptions,
    scratch: &'a mut Vec<u8>,
) -> Result<Incoming<'a>, UsmError> {
    let (msg, _) = parse(bytes, opts)?;
    let usm = usm_parameters(&msg)?;
    // Another user's message: refuse before paying for a key derivation.
    if *usm.user_name != *user.name() {
        return Err(UsmError::UnknownUserName);
    }
    let engine_id = usm.engine_id.to_vec();
    let localized = keys.localize(provider, user, &engine_id)?;
    process_incoming(provider, &localized, bytes, opts, scratch)
}

#[cfg(test)]
mod tests;
