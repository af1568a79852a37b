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

use std::io::Write;
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::notification::{
    Acknowledged, Notification, NotificationBody, NotificationKind, NotificationListener,
    NotificationReceiver, NotificationSender, Outcome, RetrySchedule, Security, SendError, V1Trap,
};
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel, UsmError, UsmUser};
use fleetwire_snmp::{GenericTrap, Oid, VarBind, Version};
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

/// net-snmp's default `enterprise` for an empty ENTERPRISE argument of an SNMPv1 trap
/// (`.1.3.6.1.4.1.3.1.1`).
pub const DEFAULT_ENTERPRISE: &str = "1.3.6.1.4.1.3.1.1";

/// What the positional arguments after HOST describe.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum NotificationArgs {
    /// SNMPv1: `ENTERPRISE AGENT-ADDR GENERIC SPECIFIC UPTIME [OID TYPE VALUE]...`.
    V1 {
        /// The Trap-PDU header fields.
        trap: V1Trap,
        /// `time-stamp`.
        time_stamp: u32,
        /// The varbinds.
        varbinds: Vec<VarBind<'static>>,
    },
    /// SNMPv2c/v3: `UPTIME TRAP-OID [OID TYPE VALUE]...`.
    V2(NotificationBody),
}

/// Why the positional arguments do not describe a notification.
#[derive(Debug, Error, PartialEq, Eq)]
#[non_exhaustive]
pub enum PositionalError {
    /// Fewer arguments than the form needs.
    #[error("expected {expected} after HOST")]
    Missing {
        /// The form.
        expected: &'static str,
    },
    /// `OID TYPE VALUE` triples with a piece missing.
    #[error("varbinds come as OID TYPE VALUE triples; {0} argument(s) left over")]
    Incomplete(usize),
    /// An argument that does not parse.
    #[error("{what}: {text:?} is not valid ({reason})")]
    Invalid {
        /// Which argument.
        what: &'static str,
        /// The text given.
        text: String,
        /// Why.
        reason: String,
    },
}

fn invalid(what: &'static str, text: &str, reason: impl std::fmt::Display) -> PositionalError {
    PositionalError::Invalid {
        what,
        text: text.to_owned(),
        reason: reason.to_string(),
    }
}

fn parse_uptime(text: &str, default: impl FnOnce() -> u32) -> Result<u32, PositionalError> {
    if text.is_empty() {
        return Ok(default());
    }
    text.parse().map_err(|e| invalid("UPTIME", text, e))
}

fn parse_oid(what: &'static str, text: &str) -> Result<Oid<'static>, PositionalError> {
    text.parse().map_err(|e| invalid(what, text, e))
}

/// Parses the positional arguments of `fleetwire trap`/`inform` after HOST, in net-snmp's
/// forms: SNMPv1 `ENTERPRISE AGENT-ADDR GENERIC SPECIFIC UPTIME [OID TYPE VALUE]...`,
/// otherwise `UPTIME TRAP-OID [OID TYPE VALUE]...`. An empty UPTIME is `uptime()`, an empty
/// ENTERPRISE is [`DEFAULT_ENTERPRISE`], an empty AGENT-ADDR is `agent_addr()`. Each varbind
/// triple goes through `varbind(OID, TYPE, VALUE)`.
pub fn parse_positional(
    version: Version,
    args: &[String],
    uptime: impl FnOnce() -> u32,
    agent_addr: impl FnOnce() -> Ipv4Addr,
    mut varbind: impl FnMut(&str, &str, &str) -> Result<VarBind<'static>, PositionalError>,
) -> Result<NotificationArgs, PositionalError> {
    let mut triples = |rest: &[String]| -> Result<Vec<VarBind<'static>>, PositionalError> {
        let chunks = rest.chunks_exact(3);
        if !chunks.remainder().is_empty() {
            return Err(PositionalError::Incomplete(chunks.remainder().len()));
        }
        chunks
            .map(|c| match c {
                [o, t, v] => varbind(o, t, v),
                _ => Err(PositionalError::Incomplete(c.len())),
            })
            .collect()
    };
    if version == Version::V1 {
        let [enterprise, agent, generic, specific, up, rest @ ..] = args else {
            return Err(PositionalError::Missing {
                expected: "ENTERPRISE AGENT-ADDR GENERIC SPECIFIC UPTIME",
            });
        };
        let enterprise = if enterprise.is_empty() {
            parse_oid("ENTERPRISE", DEFAULT_ENTERPRISE)?
        } else {
            parse_oid("ENTERPRISE", enterprise)?
        };
        let agent_addr = if agent.is_empty() {
            agent_addr()
        } else {
            agent.parse().map_err(|e| invalid("AGENT-ADDR", agent, e))?
        };
        let generic_trap = parse_generic_trap(generic)
            .ok_or_else(|| invalid("GENERIC", generic, "expected 0 to 6"))?;
        let specific_trap = specific
            .parse()
            .map_err(|e| invalid("SPECIFIC", specific, e))?;
        let time_stamp = parse_uptime(up, uptime)?;
        return Ok(NotificationArgs::V1 {
            trap: V1Trap {
                enterprise,
                agent_addr: agent_addr.octets(),
                generic_trap,
                specific_trap,
            },
            time_stamp,
            varbinds: triples(rest)?,
        });
    }
    let [up, trap_oid, rest @ ..] = args else {
        return Err(PositionalError::Missing {
            expected: "UPTIME TRAP-OID",
        });
    };
    let uptime = parse_uptime(up, uptime)?;
    let trap_oid = parse_oid("TRAP-OID", trap_oid)?;
    Ok(NotificationArgs::V2(NotificationBody::new(
        uptime,
        trap_oid,
        triples(rest)?,
    )))
}

/// The local IPv4 address that routes to `target` (no packet is sent): net-snmp's default
/// SNMPv1 agent-addr. `0.0.0.0` for IPv6 targets or when there is no route.
pub fn local_ipv4_toward(target: SocketAddr) -> Ipv4Addr {
    let SocketAddr::V4(t) = target else {
        return Ipv4Addr::UNSPECIFIED;
    };
    let probe = || -> std::io::Result<Ipv4Addr> {
        let sock = std::net::UdpSocket::bind((Ipv4Addr::UNSPECIFIED, 0))?;
        sock.connect(t)?;
        match sock.local_addr()? {
            SocketAddr::V4(a) => Ok(*a.ip()),
            SocketAddr::V6(_) => Ok(Ipv4Addr::UNSPECIFIED),
        }
    };
    probe().unwrap_or(Ipv4Addr::UNSPECIFIED)
}

/// Seconds from the Unix epoch to 2020-01-01T00:00:00Z: the origin of the snmpEngineTime of
/// our SNMPv3 Traps (see [`trap_engine_time`]).
const ENGINE_TIME_EPOCH: u64 = 1_577_836_800;

/// The snmpEngineTime our SNMPv3 Traps carry, with snmpEngineBoots 1: seconds since
/// 2020-01-01 UTC. A Trap receiver refuses a time more than 150 s behind the latest it saw
/// from our engine ID with the same boots; a clock that keeps running across invocations
/// (unlike net-snmp's, which needs a persistent boots counter) keeps every run in the window.
pub fn trap_engine_time() -> u32 {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    u32::try_from(now.saturating_sub(ENGINE_TIME_EPOCH))
        .unwrap_or(u32::MAX)
        .min(2_147_483_647)
}

/// As whom a notification is sent.
#[derive(Debug, Clone)]
pub enum SendSecurity {
    /// SNMPv1 or SNMPv2c with a community.
    Community {
        /// `-v 1` or `-v 2c`.
        version: Version,
        /// `-c`.
        community: Vec<u8>,
    },
    /// SNMPv3 with USM.
    Usm {
        /// `-u` with `-a -A -x -X`.
        user: Box<UsmUser>,
        /// `-l`.
        level: SecurityLevel,
        /// `-e`: our engine ID for a Trap; the receiver's (skipping discovery) for an Inform.
        engine_id: Option<Vec<u8>>,
        /// `-n`.
        context_name: Vec<u8>,
    },
}

impl SendSecurity {
    /// The message version.
    pub fn version(&self) -> Version {
        match self {
            Self::Community { version, .. } => *version,
            Self::Usm { .. } => Version::V3,
        }
    }
}

/// Why sending failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SendFailure {
    /// SNMPv1 has no Inform.
    #[error("SNMPv1 has no InformRequest: use -v 2c or -v 3")]
    InformInV1,
    /// An SNMPv3 Trap is sent from our engine, whose ID `-e` gives.
    #[error("an SNMPv3 trap needs our engine ID: -e ENGINEID (the receiver binds the user to it)")]
    TrapNeedsEngineId,
    /// The positional arguments are of the other version's form.
    #[error("the arguments after HOST do not match -v {0}")]
    FormMismatch(&'static str),
    /// The library failed.
    #[error("{0}")]
    Send(#[from] SendError),
    /// SNMPv3 user setup failed.
    #[error("{0}")]
    Usm(#[from] UsmError),
}

/// Sends one notification: a Trap (returns `None`) or an Inform (returns its
/// acknowledgement).
pub async fn send_notification(
    kind: NotificationKind,
    target: SocketAddr,
    security: &SendSecurity,
    what: &NotificationArgs,
    schedule: RetrySchedule,
) -> Result<Option<Acknowledged>, SendFailure> {
    let mut sender = NotificationSender::new()?;
    match (security, what) {
        (
            SendSecurity::Community { version, community },
            NotificationArgs::V1 {
                trap,
                time_stamp,
                varbinds,
            },
        ) => {
            if *version != Version::V1 {
                return Err(SendFailure::FormMismatch(version.name()));
            }
            if kind == NotificationKind::Inform {
                return Err(SendFailure::InformInV1);
            }
            sender
                .send_v1_trap(target, community, trap, *time_stamp, varbinds)
                .await?;
            Ok(None)
        }
        (_, NotificationArgs::V1 { .. }) => Err(SendFailure::FormMismatch("3")),
        (SendSecurity::Community { version, community }, NotificationArgs::V2(body)) => {
            if *version == Version::V1 {
                return Err(SendFailure::FormMismatch("1"));
            }
            match kind {
                NotificationKind::Trap => {
                    sender.send_v2c_trap(target, community, body).await?;
                    Ok(None)
                }
                NotificationKind::Inform => Ok(Some(
                    sender.inform_v2c(target, community, body, schedule).await?,
                )),
            }
        }
        (
            SendSecurity::Usm {
                user,
                level,
                engine_id,
                context_name,
            },
            NotificationArgs::V2(body),
        ) => match kind {
            NotificationKind::Trap => {
                let engine_id = engine_id.as_deref().ok_or(SendFailure::TrapNeedsEngineId)?;
                let mut sender = sender.with_engine(engine_id, 1, trap_engine_time())?;
                sender.add_trap_user(user)?;
                sender
                    .send_v3_trap(target, user.name(), *level, context_name, body)
                    .await?;
                Ok(None)
            }
            NotificationKind::Inform => {
                if let Some(id) = engine_id {
                    sender.set_receiver_engine(target, user, *level, id)?;
                }
                Ok(Some(
                    sender
                        .inform_v3(target, user, *level, context_name, body, schedule)
                        .await?,
                ))
            }
        },
    }
}

/// What `fleetwire listen` listens as.
#[derive(Debug, Clone)]
pub struct ListenConfig {
    /// `--listen ADDR:PORT`.
    pub addr: SocketAddr,
    /// Our engine ID (Inform senders discover it).
    pub engine_id: Vec<u8>,
    /// Our snmpEngineBoots.
    pub engine_boots: u32,
    /// Accepted communities (empty: any).
    pub communities: Vec<Vec<u8>>,
    /// SNMPv3 users.
    pub users: Vec<ListenUser>,
    /// Stop after this many notifications.
    pub count: Option<u64>,
}

/// Binds the listener `config` describes (the users' keys are localized here).
pub async fn bind_listener(config: &ListenConfig) -> Result<NotificationListener, ListenFailure> {
    let crypto = RustCrypto::new();
    let mut receiver = NotificationReceiver::new(
        &crypto,
        &config.engine_id,
        config.engine_boots,
        Duration::ZERO,
    )?;
    for c in &config.communities {
        receiver.accept_community(c);
    }
    for u in &config.users {
        match &u.sender_engine_id {
            Some(engine) => receiver.add_trap_user(&crypto, &u.user, engine)?,
            None => receiver.add_inform_user(&crypto, &u.user)?,
        }
    }
    NotificationListener::bind(config.addr, receiver)
        .await
        .map_err(|source| ListenFailure::Bind {
            addr: config.addr,
            source,
        })
}

/// Why `fleetwire listen` stopped.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ListenFailure {
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The socket failed.
    #[error("receiving: {0}")]
    Receive(#[source] std::io::Error),
    /// Writing the output failed.
    #[error("output: {0}")]
    Output(#[source] std::io::Error),
    /// A user could not be set up.
    #[error("{0}")]
    Usm(#[from] UsmError),
}

/// Receives notifications and writes one line per notification (`render`) to `out`,
/// flushing each; bad input is counted and, when `verbose`, reported on `err`. Returns after
/// `count` notifications, or never.
pub async fn run_listener(
    listener: &mut NotificationListener,
    count: Option<u64>,
    render: &dyn Fn(&Notification) -> String,
    out: &mut dyn Write,
    err: &mut dyn Write,
    verbose: bool,
) -> Result<(), ListenFailure> {
    let mut seen = 0u64;
    while count.is_none_or(|c| seen < c) {
        let (source, outcome) = listener
            .recv_outcome()
            .await
            .map_err(ListenFailure::Receive)?;
        match outcome {
            Outcome::Notification(n) => {
                seen += 1;
                writeln!(out, "{}", render(&n))
                    .and_then(|()| out.flush())
                    .map_err(ListenFailure::Output)?;
            }
            Outcome::Dropped(e) if verbose => {
                // Diagnostics only: a full stderr never stops the listener.
                let _ = writeln!(err, "dropped datagram from {source}: {e} [{}]", e.reason());
            }
            Outcome::Dropped(_) | Outcome::Discovery => {}
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic)]

    use fleetwire_snmp::Value;

    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
    }

    /// A varbind parser for the tests: `s` strings only.
    fn strings_only(o: &str, t: &str, v: &str) -> Result<VarBind<'static>, PositionalError> {
        if t != "s" {
            return Err(invalid("TYPE", t, "tests take s only"));
        }
        Ok(VarBind::new(
            parse_oid("OID", o)?,
            Value::OctetString(v.as_bytes().to_vec().into()),
        ))
    }

    #[test]
    fn v2_form_with_defaults_and_triples() {
        let parsed = parse_positional(
            Version::V2c,
            &args(&[
                "",
                ".1.3.6.1.6.3.1.1.5.1",
                "1.3.6.1.2.1.1.5.0",
                "s",
                "lobby",
            ]),
            || 99,
            || panic!("v2 has no agent-addr"),
            strings_only,
        )
        .unwrap();
        let NotificationArgs::V2(body) = parsed else {
            panic!()
        };
        assert_eq!(body.uptime, 99);
        assert_eq!(body.trap_oid.to_string(), "1.3.6.1.6.3.1.1.5.1");
        assert_eq!(body.varbinds.len(), 1);
    }

    #[test]
    fn v1_form_with_defaults() {
        let parsed = parse_positional(
            Version::V1,
            &args(&["", "", "6", "17", "4242"]),
            || panic!("uptime was given"),
            || Ipv4Addr::new(10, 1, 2, 3),
            strings_only,
        )
        .unwrap();
        let NotificationArgs::V1 {
            trap, time_stamp, ..
        } = parsed
        else {
            panic!()
        };
        assert_eq!(trap.enterprise.to_string(), DEFAULT_ENTERPRISE);
        assert_eq!(trap.agent_addr, [10, 1, 2, 3]);
        assert_eq!(trap.generic_trap, GenericTrap::EnterpriseSpecific);
        assert_eq!(trap.specific_trap, 17);
        assert_eq!(time_stamp, 4242);
    }

    #[test]
    fn positional_errors_say_what() {
        let p = |v, a: &[&str]| {
            parse_positional(v, &args(a), || 0, || Ipv4Addr::LOCALHOST, strings_only).unwrap_err()
        };
        assert_eq!(
            p(Version::V2c, &["0"]),
            PositionalError::Missing {
                expected: "UPTIME TRAP-OID"
            }
        );
        assert_eq!(
            p(Version::V2c, &["0", "1.3.6", "1.3.6.1", "s"]),
            PositionalError::Incomplete(2)
        );
        assert!(matches!(
            p(Version::V1, &["1.3.6", "1.2.3.4", "7", "0", "0"]),
            PositionalError::Invalid {
                what: "GENERIC",
                ..
            }
        ));
        assert!(matches!(
            p(Version::V2c, &["x", "1.3.6"]),
            PositionalError::Invalid { what: "UPTIME", .. }
        ));
        assert!(matches!(
            p(Version::V2c, &["1", "1.3.x"]),
            PositionalError::Invalid {
                what: "TRAP-OID",
                ..
            }
        ));
    }

    #[test]
    fn listen_user_specs() {
        let u = ListenUser::parse("carol SHA-512 carolpass1 AES-256").unwrap();
        assert_eq!(u.user.priv_protocol(), Some(PrivProtocol::Aes256Blumenthal));
        let u = ListenUser::parse("dave").unwrap();
        assert_eq!(u.user.auth_protocol(), None);
        for (spec, want) in [
            ("", "no user name"),
            ("-e", "-e needs an engine ID"),
            ("eve SHA", "an authentication protocol needs its password"),
            ("eve SHA pass12345 AES p1234567 extra", "too many words"),
        ] {
            let e = ListenUser::parse(spec).unwrap_err();
            assert!(e.to_string().contains(want), "{spec:?}: {e}");
        }
        let e = ListenUser::parse("eve SHA short").unwrap_err();
        assert!(e.to_string().contains("at least 8"), "{e}");
        assert!(
            !e.to_string().contains("short"),
            "no password in messages: {e}"
        );
        assert!(ListenUser::parse("-e 0x01 eve").is_err());
    }
}
