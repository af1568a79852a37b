//! SNMPv3 for `fleetwire decode`: net-snmp's `-u USER -a AUTH -A PASS -x PRIV -X PASS`
//! options, and verifying and decrypting the messages of that user.
//!
//! [`UsmArgs`] are the options; [`UsmArgs::user`] turns them into a
//! [`UsmUser`] (running password-to-key once per password). A [`UsmDecoder`] then processes
//! each decoded message: messages of the user are verified and decrypted with keys localized
//! to the message's own msgAuthoritativeEngineID (through one [`KeyCache`], so a capture
//! holding several engines derives each engine's keys once); everything else is left alone.
//! Timeliness is not checked: captures are old.
//!
//! Passwords are never printed: [`Password`]'s `Debug` is redacted, and no error message
//! contains one.
//!
//! ```
//! use fleetwire::usm::{Password, UsmArgs};
//! use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel};
//!
//! let args = UsmArgs {
//!     user: Some("fleet".into()),
//!     auth_protocol: Some(AuthProtocol::Sha256),
//!     auth_password: Some(Password::new("auth-secret")),
//!     priv_protocol: Some(PrivProtocol::Aes128),
//!     priv_password: Some(Password::new("priv-secret")),
//! };
//! let user = args.user()?.expect("-u was given");
//! assert_eq!(user.max_level(), SecurityLevel::AuthPriv);
//! assert!(!format!("{args:?}").contains("secret"));
//! # Ok::<(), fleetwire::usm::UsmArgsError>(())
//! ```

use std::convert::Infallible;
use std::fmt;

use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::usm::{
    self, AUTH_ALGORITHMS, AuthProtocol, Incoming, KeyCache, PRIV_ALGORITHMS, PrivProtocol,
    SecurityLevel, UsmError, UsmUser,
};
use fleetwire_snmp::{
    DecodeOptions, Message, ScopedPduData, SecurityParameters, UsmSecurityParameters,
};
use thiserror::Error;

use crate::text::octets_to_text;

/// A password given on the command line. Its `Debug` output is redacted, and its bytes are
/// overwritten (best effort) when it is dropped.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    /// Wraps a password.
    pub fn new(password: impl Into<String>) -> Self {
        Self(password.into())
    }

    /// The password's bytes.
    pub fn as_bytes(&self) -> &[u8] {
        self.0.as_bytes()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password(<redacted>)")
    }
}

impl Drop for Password {
    fn drop(&mut self) {
        let mut bytes = std::mem::take(&mut self.0).into_bytes();
        bytes.fill(0);
        std::hint::black_box(&bytes);
    }
}

/// clap's parser for `-A` and `-X`: any text (it never fails, so clap never echoes a
/// password in an error message).
fn parse_password(s: &str) -> Result<Password, Infallible> {
    Ok(Password::new(s))
}

/// clap's parser for `-a`: [`AuthProtocol::from_name`].
pub(crate) fn parse_auth(s: &str) -> Result<AuthProtocol, String> {
    AuthProtocol::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = AUTH_ALGORITHMS.iter().map(|a| a.net_snmp_name).collect();
        format!(
            "unknown authentication protocol; expected one of {}",
            names.join(", ")
        )
    })
}

/// clap's parser for `-x`: [`PrivProtocol::from_name`].
pub(crate) fn parse_priv(s: &str) -> Result<PrivProtocol, String> {
    PrivProtocol::from_name(s).ok_or_else(|| {
        let names: Vec<&str> = PRIV_ALGORITHMS.iter().map(|a| a.net_snmp_name).collect();
        let mut msg = format!(
            "unknown privacy protocol; expected one of {}",
            names.join(", ")
        );
        if s.eq_ignore_ascii_case("AES192") || s.eq_ignore_ascii_case("AES256") {
            msg.push_str(
                " (AES192/AES256 are ambiguous: AES-192/AES-256 use the Blumenthal key \
                 extension, AES-192-C/AES-256-C the Reeder one, as Cisco and Wireshark do)",
            );
        }
        msg
    })
}

/// net-snmp's USM options, for `fleetwire decode`.
///
/// `-a`/`-A` and `-x`/`-X` come in pairs, all of them need `-u`, and `-x` needs `-a` (USM
/// has no privacy without authentication).
#[derive(Debug, Clone, Default, PartialEq, Eq, clap::Args)]
pub struct UsmArgs {
    /// Verify and decrypt the SNMPv3 messages of this USM user (messages of other users are
    /// decoded as without -u).
    #[arg(short = 'u', long = "user", value_name = "USER")]
    pub user: Option<String>,
    /// Authentication protocol: MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512.
    #[arg(
        short = 'a',
        long = "auth-protocol",
        value_name = "AUTH",
        value_parser = parse_auth,
        requires_all = ["user", "auth_password"],
    )]
    pub auth_protocol: Option<AuthProtocol>,
    /// Authentication password (at least 8 characters).
    #[arg(
        short = 'A',
        long = "auth-password",
        value_name = "PASS",
        value_parser = parse_password,
        requires_all = ["user", "auth_protocol"],
    )]
    pub auth_password: Option<Password>,
    /// Privacy protocol: DES, 3DES, AES, AES-192, AES-256 (Blumenthal key extension),
    /// AES-192-C or AES-256-C (Reeder key extension).
    #[arg(
        short = 'x',
        long = "priv-protocol",
        value_name = "PRIV",
        value_parser = parse_priv,
        requires_all = ["user", "auth_protocol", "priv_password"],
    )]
    pub priv_protocol: Option<PrivProtocol>,
    /// Privacy password (at least 8 characters).
    #[arg(
        short = 'X',
        long = "priv-password",
        value_name = "PASS",
        value_parser = parse_password,
        requires_all = ["user", "priv_protocol"],
    )]
    pub priv_password: Option<Password>,
}

/// Why [`UsmArgs`] do not make a user. The messages name the option and never include a
/// password.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum UsmArgsError {
    /// An option given without the one it needs (clap checks this for the command line).
    #[error("{option} needs {needs}")]
    Missing {
        /// The option given.
        option: &'static str,
        /// What it needs.
        needs: &'static str,
    },
    /// The user name is not acceptable.
    #[error("-u: {0}")]
    User(#[source] UsmError),
    /// The authentication password is not acceptable (too short).
    #[error("-A: {0}")]
    AuthPassword(#[source] UsmError),
    /// The privacy password is not acceptable (too short).
    #[error("-X: {0}")]
    PrivPassword(#[source] UsmError),
}

impl UsmArgs {
    /// The user these options describe (`None` without `-u`), with master keys derived from
    /// the passwords.
    pub fn user(&self) -> Result<Option<UsmUser>, UsmArgsError> {
        let missing = |option, needs| Err(UsmArgsError::Missing { option, needs });
        let Some(name) = &self.user else {
            if self.auth_protocol.is_some() || self.auth_password.is_some() {
                return missing("-a/-A", "-u");
            }
            if self.priv_protocol.is_some() || self.priv_password.is_some() {
                return missing("-x/-X", "-u");
            }
            return Ok(None);
        };
        let crypto = RustCrypto::new();
        let mut user = UsmUser::new(name.as_bytes()).map_err(UsmArgsError::User)?;
        match (self.auth_protocol, &self.auth_password) {
            (Some(protocol), Some(password)) => {
                user = user
                    .with_auth_password(&crypto, protocol, password.as_bytes())
                    .map_err(UsmArgsError::AuthPassword)?;
            }
            (None, None) => {}
            (Some(_), None) => return missing("-a", "-A"),
            (None, Some(_)) => return missing("-A", "-a"),
        }
        match (self.priv_protocol, &self.priv_password) {
            (Some(_), _) | (_, Some(_)) if self.auth_protocol.is_none() => {
                return missing("-x/-X", "-a and -A");
            }
            (Some(protocol), Some(password)) => {
                user = user
                    .with_priv_password(&crypto, protocol, password.as_bytes())
                    .map_err(UsmArgsError::PrivPassword)?;
            }
            (None, None) => {}
            (Some(_), None) => return missing("-x", "-X"),
            (None, Some(_)) => return missing("-X", "-x"),
        }
        Ok(Some(user))
    }
}

/// What the `-u` user's processing made of one SNMPv3 USM message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SecurityStatus {
    /// A message of the user, processed: verified when it was authenticated, decrypted when
    /// it was encrypted.
    Ok,
    /// A message of another user (msgUserName differs): left alone.
    OtherUser,
    /// A message of the user whose verification or decryption failed.
    Failed,
}

impl SecurityStatus {
    /// The JSON name: `ok`, `other_user`, `failed`.
    pub fn name(self) -> &'static str {
        match self {
            Self::Ok => "ok",
            Self::OtherUser => "other_user",
            Self::Failed => "failed",
        }
    }
}

/// The outcome of USM processing for one message: the `security` JSON object and the
/// `security:` text line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Security {
    /// What happened.
    pub status: SecurityStatus,
    /// The message's digest was checked and is right.
    pub verified: bool,
    /// The message was encrypted and its scoped PDU was decrypted.
    pub decrypted: bool,
    /// One line for people: what was done, or why not.
    pub summary: String,
    /// Why processing failed ([`SecurityStatus::Failed`] only).
    pub error: Option<String>,
}

/// What [`UsmDecoder::process`] did with one message.
#[derive(Debug)]
pub enum Processed<'a> {
    /// Not an SNMPv3 USM message (v1, v2c, another security model): nothing to do.
    NotUsm,
    /// A message of another user: not processed.
    OtherUser(Security),
    /// Verified (if authenticated) and decrypted (if encrypted).
    Opened {
        /// The message, with its plaintext scoped PDU.
        incoming: Box<Incoming<'a>>,
        /// What was done.
        security: Security,
    },
    /// A message of the user that failed verification or decryption.
    Failed(Security),
}

/// Verifies and decrypts the messages of one USM user, localizing its keys to each
/// authoritative engine once.
#[derive(Debug)]
pub struct UsmDecoder {
    user: UsmUser,
    keys: KeyCache,
    crypto: RustCrypto,
    matched: u64,
}

impl UsmDecoder {
    /// A decoder for `user`.
    pub fn new(user: UsmUser) -> Self {
        Self {
            user,
            keys: KeyCache::new(),
            crypto: RustCrypto::new(),
            matched: 0,
        }
    }

    /// The user.
    pub fn user(&self) -> &UsmUser {
        &self.user
    }

    /// The localized keys derived so far (one entry per engine seen).
    pub fn keys(&self) -> &KeyCache {
        &self.keys
    }

    /// How many messages of the user were processed (successfully or not).
    pub fn messages_for_user(&self) -> u64 {
        self.matched
    }

    /// Processes `msg`, the decoding of `bytes` (decoded with `opts`): a message of the user
    /// is verified and decrypted (into `scratch`).
    pub fn process<'a>(
        &mut self,
        msg: &Message<'_>,
        bytes: &'a [u8],
        opts: &DecodeOptions,
        scratch: &'a mut Vec<u8>,
    ) -> Processed<'a> {
        let Message::V3(v3) = msg else {
            return Processed::NotUsm;
        };
        let SecurityParameters::Usm(params) = &v3.security_parameters else {
            return Processed::NotUsm;
        };
        let name = octets_to_text(self.user.name());
        if *params.user_name != *self.user.name() {
            return Processed::OtherUser(Security {
                status: SecurityStatus::OtherUser,
                verified: false,
                decrypted: false,
                summary: format!(
                    "not verified: the message is for user {}, not {name}",
                    octets_to_text(&params.user_name)
                ),
                error: None,
            });
        }
        self.matched += 1;
        let level = SecurityLevel::from_flags(v3.header.flags);
        let encrypted = match &v3.data {
            ScopedPduData::Encrypted(ct) => Some(ct.len()),
            ScopedPduData::Plaintext(_) => None,
        };
        match usm::process_captured(
            &self.crypto,
            &self.user,
            &mut self.keys,
            bytes,
            opts,
            scratch,
        ) {
            Ok(incoming) => {
                let verified = level >= SecurityLevel::AuthNoPriv;
                let auth = self.user.auth_protocol().map(|p| p.to_string());
                let privacy = self.user.priv_protocol().map(|p| p.to_string());
                let summary = match (verified, auth, encrypted, privacy) {
                    (true, Some(a), Some(len), Some(p)) => {
                        format!("verified ({a}), decrypted ({p}, {len} bytes)")
                    }
                    (true, Some(a), None, _) => format!("verified ({a}), not encrypted"),
                    _ => format!("{level}: nothing to verify"),
                };
                Processed::Opened {
                    incoming: Box::new(incoming),
                    security: Security {
                        status: SecurityStatus::Ok,
                        verified,
                        decrypted: encrypted.is_some(),
                        summary,
                        error: None,
                    },
                }
            }
            Err(e) => {
                // The digest is checked before decryption: a decryption failure comes after a
                // successful verification.
                let verified = matches!(e, UsmError::Decryption(_));
                let error = self.describe(&e, params, &name);
                let auth = self.user.auth_protocol().map(|p| p.to_string());
                let summary = match auth {
                    Some(a) if verified => format!("verified ({a}), not decrypted: {error}"),
                    _ => format!("not verified: {error}"),
                };
                Processed::Failed(Security {
                    status: SecurityStatus::Failed,
                    verified,
                    decrypted: false,
                    summary,
                    error: Some(error),
                })
            }
        }
    }

    /// A failure of the user's message, for people: what failed, and which option to check.
    fn describe(&self, e: &UsmError, params: &UsmSecurityParameters<'_>, name: &str) -> String {
        match e {
            UsmError::WrongDigest => match self.user.auth_protocol() {
                Some(a) if params.auth_parameters.len() != a.algorithm().mac_len => format!(
                    "authentication failed for user {name}: wrong digest: the message has a \
                     {}-byte digest, -a {} makes {}-byte digests; check -a",
                    params.auth_parameters.len(),
                    a.algorithm().net_snmp_name,
                    a.algorithm().mac_len
                ),
                _ => {
                    format!("authentication failed for user {name}: wrong digest; check -A and -a")
                }
            },
            UsmError::Decryption(f) => {
                format!("decryption failed for user {name}: {f}; check -X and -x")
            }
            UsmError::UnsupportedSecurityLevel { requested, .. } => {
                if self.user.auth_protocol().is_none() {
                    format!(
                        "cannot verify the message of user {name}: it is {requested}, but no \
                         authentication protocol was given (-a, -A)"
                    )
                } else {
                    format!(
                        "cannot decrypt the message of user {name}: it is {requested}, but no \
                         privacy protocol was given (-x, -X)"
                    )
                }
            }
            other => format!("USM processing failed for user {name}: {other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn protocol_names() {
        for a in AUTH_ALGORITHMS {
            assert_eq!(parse_auth(a.net_snmp_name), Ok(a.protocol));
        }
        for p in PRIV_ALGORITHMS {
            assert_eq!(parse_priv(p.net_snmp_name), Ok(p.protocol));
        }
        assert_eq!(
            parse_priv("AES-256-C"),
            Ok(PrivProtocol::Aes256Reeder),
            "net-snmp's -C is Reeder"
        );
        assert_eq!(parse_priv("AES-256"), Ok(PrivProtocol::Aes256Blumenthal));
        assert!(parse_auth("SHA-3").unwrap_err().contains("SHA-256"));
        assert!(parse_priv("AES256").unwrap_err().contains("ambiguous"));
    }

    #[test]
    fn args_to_user() {
        assert!(UsmArgs::default().user().unwrap().is_none());
        let mut args = UsmArgs {
            user: Some("fleet".into()),
            ..UsmArgs::default()
        };
        assert_eq!(
            args.user().unwrap().unwrap().max_level(),
            SecurityLevel::NoAuthNoPriv
        );
        args.auth_protocol = Some(AuthProtocol::Md5);
        assert!(matches!(args.user(), Err(UsmArgsError::Missing { .. })));
        args.auth_password = Some(Password::new("short"));
        let e = args.user().unwrap_err();
        assert_eq!(
            e.to_string(),
            "-A: password is 5 characters; USM requires at least 8"
        );
        args.auth_password = Some(Password::new("long enough"));
        args.priv_password = Some(Password::new("long enough too"));
        assert!(matches!(args.user(), Err(UsmArgsError::Missing { .. })));
        args.priv_protocol = Some(PrivProtocol::Des);
        assert_eq!(
            args.user().unwrap().unwrap().max_level(),
            SecurityLevel::AuthPriv
        );
        assert!(!format!("{args:?}").contains("long enough"));
    }
}
