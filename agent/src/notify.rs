//! `fleetwire trap`, `fleetwire inform` and `fleetwire listen`: sending and receiving SNMP
//! notifications with net-snmp's conventions, over [`fleetwire_snmp::notification`].
//!
//! `listen` takes its SNMPv3 users in snmptrapd.conf's `createUser` syntax
//! ([`ListenUser::parse`]): a user with `-e ENGINEID` is a Trap user bound to that sender's
//! engine, one without is an Inform user of our own engine.
//!
//! ```
//! use fleetwire::notify::ListenUser;
//! let trap_user = ListenUser::parse("-e 0x80001f8804747261 bob SHA-256 bobpass123 AES")?;
//! assert_eq!(trap_user.sender_engine_id.as_deref(), Some(&b"\x80\x00\x1f\x88\x04tra"[..]));
//! let inform_user = ListenUser::parse("alice MD5 alicepass1 DES alicepriv1")?;
//! assert!(inform_user.sender_engine_id.is_none());
//! assert_eq!(inform_user.user.name(), b"alice");
//! # Ok::<(), fleetwire::notify::NotifyError>(())
//! ```

use std::net::Ipv4Addr;

use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::notification::{Notification, NotificationKind, Security, V1Trap};
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, UsmError, UsmUser};
use fleetwire_snmp::{GenericTrap, Version};
use serde_json::{Map, Value as Json};
use thiserror::Error;

use crate::hex;
use crate::json::{octets_to_json, varbind_to_json};

/// Why a `trap`, `inform` or `listen` command line cannot run. The messages name the
/// argument and never contain a password.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// A `listen` user is not in `createUser` syntax.
    #[error("user {index}: {reason}")]
    UserSpec {
        /// 1-based position among the users.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// A user's name or password is not acceptable.
    #[error("user {name:?}: {source}")]
    User {
        /// The user name.
        name: String,
        /// Why.
        #[source]
        source: UsmError,
    },
    /// An engine ID that is not 5 to 32 bytes of hex.
    #[error("{option}: engine ID must be 5 to 32 bytes of hex (e.g. 0x80001f8804...)")]
    EngineId {
        /// Where it was given.
        option: &'static str,
    },
}

/// Parses an engine ID given as hex (`0x` optional): 5 to 32 bytes.
pub fn parse_engine_id(text: &str, option: &'static str) -> Result<Vec<u8>, NotifyError> {
    match hex::parse(text) {
        Ok(id) if (5..=32).contains(&id.len()) => Ok(id),
        _ => Err(NotifyError::EngineId { option }),
    }
}

/// One SNMPv3 user for `fleetwire listen`.
#[derive(Debug, Clone)]
pub struct ListenUser {
    /// `-e ENGINEID`: a Trap user bound to this sender engine; `None`: an Inform user of our
    /// engine.
    pub sender_engine_id: Option<Vec<u8>>,
    /// The user, with master keys derived from the passwords.
    pub user: UsmUser,
}

impl ListenUser {
    /// Parses snmptrapd.conf's `createUser` arguments (the words after `createUser`):
    /// `[-e ENGINEID] NAME [AUTH AUTHPASS [PRIV [PRIVPASS]]]`, where AUTH is MD5, SHA,
    /// SHA-224, SHA-256, SHA-384 or SHA-512 and PRIV is DES, 3DES, AES, AES-192, AES-256,
    /// AES-192-C or AES-256-C; PRIVPASS defaults to AUTHPASS as in net-snmp. `index` numbers
    /// the user in error messages.
    pub fn parse(spec: &str) -> Result<Self, NotifyError> {
        Self::parse_numbered(spec, 1)
    }

    /// [`parse`](Self::parse) for the `index`-th user of a list.
    pub fn parse_numbered(spec: &str, index: usize) -> Result<Self, NotifyError> {
        let bad = |reason| NotifyError::UserSpec { index, reason };
        let mut words: Vec<&str> = spec.split_whitespace().collect();
        let mut sender_engine_id = None;
        if words.first() == Some(&"-e") {
            let id = words.get(1).ok_or(bad("-e needs an engine ID"))?;
            sender_engine_id = Some(parse_engine_id(id, "-e")?);
            words.drain(..2);
        }
        let (name, rest) = words.split_first().ok_or(bad("no user name"))?;
        let crypto = RustCrypto::new();
        let user_err = |source| NotifyError::User {
            name: (*name).to_owned(),
            source,
        };
        let mut user = UsmUser::new(name.as_bytes()).map_err(user_err)?;
        match rest {
            [] => {}
            [auth, auth_pass, privacy @ ..] => {
                let auth = AuthProtocol::from_name(auth).ok_or(bad(
                    "unknown authentication protocol (MD5, SHA, SHA-224, SHA-256, SHA-384, SHA-512)",
                ))?;
                user = user
                    .with_auth_password(&crypto, auth, auth_pass.as_bytes())
                    .map_err(user_err)?;
                let (protocol, priv_pass) = match privacy {
                    [] => (None, None),
                    [p] => (Some(p), Some(auth_pass)),
                    [p, pass] => (Some(p), Some(pass)),
                    _ => return Err(bad("too many words")),
                };
                if let (Some(p), Some(pass)) = (protocol, priv_pass) {
                    let p = PrivProtocol::from_name(p).ok_or(bad(
                        "unknown privacy protocol (DES, 3DES, AES, AES-192, AES-256, AES-192-C, AES-256-C)",
                    ))?;
                    user = user
                        .with_priv_password(&crypto, p, pass.as_bytes())
                        .map_err(user_err)?;
                }
            }
            [_] => return Err(bad("an authentication protocol needs its password")),
        }
        Ok(Self {
            sender_engine_id,
            user,
        })
    }
}

/// The host's uptime in hundredths of a second, from `/proc/uptime`, as net-snmp's tools use
/// for an empty UPTIME argument; `None` where it cannot be read.
pub fn system_uptime() -> Option<u32> {
    let text = std::fs::read_to_string("/proc/uptime").ok()?;
    let seconds: f64 = text.split_whitespace().next()?.parse().ok()?;
    // TimeTicks wrap at 2^32 hundredths (497 days), as sysUpTime does.
    let ticks = (seconds * 100.0) as u64;
    Some((ticks % (1u64 << 32)) as u32)
}

/// The PDU name net-snmp's snmptrapd prints: `TRAP` (v1), `TRAP2`, `INFORM`.
pub fn pdu_label(n: &Notification) -> &'static str {
    match (n.kind, n.version) {
        (NotificationKind::Inform, _) => "INFORM",
        (NotificationKind::Trap, Version::V1) => "TRAP",
        (NotificationKind::Trap, _) => "TRAP2",
    }
}

fn v1_to_json(obj: &mut Map<String, Json>, v1: &V1Trap) {
    obj.insert("enterprise".into(), Json::from(v1.enterprise.to_string()));
    obj.insert(
        "agent_addr".into(),
        Json::from(Ipv4Addr::from(v1.agent_addr).to_string()),
    );
    obj.insert("generic_trap".into(), Json::from(v1.generic_trap.code()));
    obj.insert("specific_trap".into(), Json::from(v1.specific_trap));
}

/// One received notification as a JSON object (`fleetwire listen --json`):
///
/// | Key | When | Value |
/// |---|---|---|
/// | `pdu` | always | `TRAP`, `TRAP2` or `INFORM` ([`pdu_label`]) |
/// | `version` | always | `"1"`, `"2c"`, `"3"` |
/// | `source` | always | `"127.0.0.1:40000"`, `"[::1]:40000"` |
/// | `community` | v1, v2c | octets (as in `decode --json`) |
/// | `user`, `level`, `engine_id`, `context_engine_id`, `context_name` | v3 | octets, `authPriv`…, hex, hex, octets |
/// | `request_id` | v2c, v3 | number |
/// | `enterprise`, `agent_addr`, `generic_trap`, `specific_trap` | v1 | as in `decode --json` |
/// | `uptime` | always | sysUpTime.0 (v1: time-stamp), TimeTicks |
/// | `trap_oid` | always | snmpTrapOID.0 (v1: mapped per RFC 3584) |
/// | `varbinds` | always | the varbinds after the first two, as `decode --json` prints them |
pub fn notification_to_json(n: &Notification) -> Json {
    let mut obj = Map::new();
    obj.insert("pdu".into(), Json::from(pdu_label(n)));
    obj.insert("version".into(), Json::from(n.version.name()));
    obj.insert("source".into(), Json::from(n.source.to_string()));
    match &n.security {
        Security::Community(c) => {
            obj.insert("community".into(), octets_to_json(c));
        }
        Security::Usm(u) => {
            obj.insert("user".into(), octets_to_json(&u.user_name));
            obj.insert("level".into(), Json::from(u.level.name()));
            obj.insert("engine_id".into(), Json::from(hex::encode(&u.engine_id)));
            obj.insert(
                "context_engine_id".into(),
                Json::from(hex::encode(&u.context_engine_id)),
            );
            obj.insert("context_name".into(), octets_to_json(&u.context_name));
        }
    }
    if let Some(id) = n.request_id {
        obj.insert("request_id".into(), Json::from(id));
    }
    if let Some(v1) = &n.v1 {
        v1_to_json(&mut obj, v1);
    }
    obj.insert("uptime".into(), Json::from(n.body.uptime));
    obj.insert("trap_oid".into(), Json::from(n.body.trap_oid.to_string()));
    let varbinds = n.body.varbinds.iter().map(varbind_to_json).collect();
    obj.insert("varbinds".into(), Json::Array(varbinds));
    Json::Object(obj)
}

/// net-snmp's `generic-trap` argument: a number 0 to 6.
pub fn parse_generic_trap(text: &str) -> Option<GenericTrap> {
    GenericTrap::from_code(text.trim().parse().ok()?)
}
