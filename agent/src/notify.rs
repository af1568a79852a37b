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
//! # Ok::<(), fleetwire::notify::UserSpecError>(())
//! ```

use std::io::{self, Write};
use std::net::{Ipv4Addr, SocketAddr};
use std::time::Duration;

use fleetwire_snmp::client::{self, Client};
use fleetwire_snmp::crypto::{CryptoProvider as _, RustCrypto};
use fleetwire_snmp::manager::Security;
use fleetwire_snmp::notification::Security as Sender;
use fleetwire_snmp::notification::originator::notification_varbinds;
use fleetwire_snmp::notification::{
    Notification, NotificationBody, NotificationKind, NotificationListener, NotificationReceiver,
    NotificationSender, Outcome, SendError, V1Trap, inform,
};
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, UsmError, UsmUser};
use fleetwire_snmp::{GenericTrap, Oid, VarBind, Version};
use serde_json::{Map, Value as Json};
use thiserror::Error;

use crate::hex;
use crate::json::{octets_to_json, printable_text, varbind_to_json};
use crate::query::describe;
use crate::snmp_args::{
    EngineIdArg, SNMP_TRAP_PORT, SnmpArgs, SnmpArgsError, Target, TargetError, ValueError,
    parse_engine_id, parse_varbind_triples,
};
use crate::varbind_fmt::netsnmp_line;

/// Why a `fleetwire listen` user is not usable. The messages never contain a password.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum UserSpecError {
    /// Not in `createUser` syntax.
    #[error("user {index}: {reason}")]
    Syntax {
        /// 1-based position among the users.
        index: usize,
        /// What is wrong.
        reason: &'static str,
    },
    /// The engine ID after `-e` is not 5 to 32 bytes of hex.
    #[error("user {index}: -e: {reason}")]
    EngineId {
        /// 1-based position among the users.
        index: usize,
        /// What is wrong.
        reason: String,
    },
    /// The user's name or password is not acceptable.
    #[error("user {name:?}: {source}")]
    User {
        /// The user name.
        name: String,
        /// Why.
        #[source]
        source: UsmError,
    },
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
    pub fn parse(spec: &str) -> Result<Self, UserSpecError> {
        Self::parse_numbered(spec, 1)
    }

    /// [`parse`](Self::parse) for the `index`-th user of a list.
    pub fn parse_numbered(spec: &str, index: usize) -> Result<Self, UserSpecError> {
        let bad = |reason| UserSpecError::Syntax { index, reason };
        let mut words: Vec<&str> = spec.split_whitespace().collect();
        let mut sender_engine_id = None;
        if words.first() == Some(&"-e") {
            let id = words.get(1).ok_or(bad("-e needs an engine ID"))?;
            let id =
                parse_engine_id(id).map_err(|reason| UserSpecError::EngineId { index, reason })?;
            sender_engine_id = Some(id.0);
            words.drain(..2);
        }
        let (name, rest) = words.split_first().ok_or(bad("no user name"))?;
        let crypto = RustCrypto::new();
        let user_err = |source| UserSpecError::User {
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
        Sender::Community(c) => {
            obj.insert("community".into(), octets_to_json(c));
        }
        Sender::Usm(u) => {
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
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PositionalError {
    /// Fewer arguments than the form needs.
    #[error("expected {expected} after HOST")]
    Missing {
        /// The form.
        expected: &'static str,
    },
    /// The `OID TYPE VALUE` triples do not parse.
    #[error(transparent)]
    Varbinds(#[from] ValueError),
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
/// otherwise `UPTIME TRAP-OID [OID TYPE VALUE]...` (the triples as `fleetwire set` takes
/// them: [`parse_varbind_triples`]). An empty UPTIME is `uptime()`, an empty ENTERPRISE is
/// [`DEFAULT_ENTERPRISE`], an empty AGENT-ADDR is `agent_addr()`.
pub fn parse_positional(
    version: Version,
    args: &[String],
    uptime: impl FnOnce() -> u32,
    agent_addr: impl FnOnce() -> Ipv4Addr,
) -> Result<NotificationArgs, PositionalError> {
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
            varbinds: parse_varbind_triples(rest)?,
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
        parse_varbind_triples(rest)?,
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

/// `fleetwire trap` and `fleetwire inform`: `[OPTIONS] HOST[:PORT] ARGS...` with net-snmp's
/// options and positional forms (see [`parse_positional`]).
#[derive(Debug, Clone, clap::Args)]
pub struct NotifyArgs {
    /// net-snmp's options. For an SNMPv3 Trap, `-e` is our engine ID (the receiver binds the
    /// user to it); for an SNMPv3 Inform, the receiver's (skipping discovery).
    #[command(flatten)]
    pub snmp: SnmpArgs,
    /// The receiver: `HOST[:PORT]` (port 162 by default), `[IPv6]:PORT`, `udp:HOST[:PORT]`
    /// or `udp6:[IPv6]:PORT`.
    #[arg(
        value_name = "HOST[:PORT]",
        help = "The receiver: HOST[:PORT] (port 162 by default), [IPv6]:PORT, udp:HOST[:PORT] \
                or udp6:[IPv6]:PORT"
    )]
    pub target: String,
    /// -v 1: ENTERPRISE AGENT-ADDR GENERIC SPECIFIC UPTIME [OID TYPE VALUE]...;
    /// -v 2c/3: UPTIME TRAP-OID [OID TYPE VALUE]... (an empty UPTIME is the host's uptime;
    /// TYPE is one of i u t a o s x d n c C U).
    #[arg(value_name = "ARGS", required = true, num_args = 1.., allow_hyphen_values = true)]
    pub args: Vec<String>,
}

/// Why `fleetwire trap` or `fleetwire inform` failed. The messages name the argument and
/// never contain a password.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum NotifyError {
    /// The options do not make a security configuration.
    #[error(transparent)]
    Args(#[from] SnmpArgsError),
    /// The host is unusable.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// The positional arguments are unusable.
    #[error(transparent)]
    Positional(#[from] PositionalError),
    /// SNMPv1 has no Inform.
    #[error("SNMPv1 has no InformRequest: use -v 2c or -v 3")]
    InformInV1,
    /// An SNMPv3 Trap is sent from our engine, whose ID `-e` gives.
    #[error("an SNMPv3 trap needs our engine ID: -e ENGINEID (the receiver binds the user to it)")]
    TrapNeedsEngineId,
    /// Sending a Trap failed.
    #[error(transparent)]
    Send(#[from] SendError),
    /// The Inform was not acknowledged.
    #[error("{}", describe(.error, .target))]
    Inform {
        /// The failure.
        #[source]
        error: client::Error,
        /// The receiver, as printed in messages.
        target: String,
    },
    /// The tokio runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
}

impl NotifyError {
    /// The exit status: 2 for unusable arguments (as clap's usage errors), 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Args(_) | Self::Positional(_) | Self::InformInV1 | Self::TrapNeedsEngineId => 2,
            _ => 1,
        }
    }
}

fn runtime() -> io::Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
}

/// Runs `fleetwire trap` (`kind` Trap) or `fleetwire inform` (`kind` Inform). Prints nothing
/// on success, as net-snmp's tools.
pub fn run_notify(kind: NotificationKind, args: &NotifyArgs) -> Result<(), NotifyError> {
    let security = args.snmp.security()?;
    let target = Target::parse_with_default_port(&args.target, SNMP_TRAP_PORT)?;
    let addr = target.resolve()?;
    let what = parse_positional(
        security.version(),
        &args.args,
        || system_uptime().unwrap_or(0),
        || local_ipv4_toward(addr),
    )?;
    if kind == NotificationKind::Inform && security.version() == Version::V1 {
        return Err(NotifyError::InformInV1);
    }
    let rt = runtime().map_err(NotifyError::Runtime)?;
    rt.block_on(async {
        match (kind, what) {
            (NotificationKind::Trap, what) => send_trap(addr, &security, &what).await,
            (NotificationKind::Inform, NotificationArgs::V2(body)) => {
                let inform_err = |error| NotifyError::Inform {
                    error,
                    target: target.to_string(),
                };
                let client = Client::builder()
                    .retry_policy(args.snmp.retry_policy())
                    .build()
                    .await
                    .map_err(inform_err)?;
                let session = client.session(addr, security).map_err(inform_err)?;
                inform(&session, &body).await.map_err(inform_err)
            }
            (NotificationKind::Inform, NotificationArgs::V1 { .. }) => Err(NotifyError::InformInV1),
        }
    })
}

async fn send_trap(
    addr: SocketAddr,
    security: &Security,
    what: &NotificationArgs,
) -> Result<(), NotifyError> {
    let mut sender = NotificationSender::new().map_err(SendError::from)?;
    match (security, what) {
        (
            Security::V1 { community },
            NotificationArgs::V1 {
                trap,
                time_stamp,
                varbinds,
            },
        ) => {
            sender
                .send_v1_trap(addr, community, trap, *time_stamp, varbinds)
                .await?;
        }
        (Security::V2c { community }, NotificationArgs::V2(body)) => {
            sender.send_v2c_trap(addr, community, body).await?;
        }
        (Security::V3(usm), NotificationArgs::V2(body)) => {
            let engine_id = usm
                .engine_id
                .as_deref()
                .ok_or(NotifyError::TrapNeedsEngineId)?;
            let mut sender = sender
                .with_engine(engine_id, 1, trap_engine_time())
                .map_err(SendError::from)?;
            sender.add_trap_user(&usm.user)?;
            sender
                .send_v3_trap(addr, usm.user.name(), usm.level, &usm.context_name, body)
                .await?;
        }
        // parse_positional chose the form by the same version.
        _ => {
            return Err(NotifyError::Positional(PositionalError::Missing {
                expected: "the form of this -v",
            }));
        }
    }
    Ok(())
}

/// `fleetwire listen`: `[--listen ADDR:PORT] [OPTIONS] [USER...]`.
#[derive(Debug, Clone, clap::Args)]
pub struct ListenArgs {
    /// Where to listen: `ADDR[:PORT]` (port 162 by default), `[IPv6]:PORT`,
    /// `udp6:[IPv6]:PORT`.
    #[arg(
        long = "listen",
        help = "Where to listen: ADDR[:PORT] (port 162 by default), [IPv6]:PORT, udp6:[IPv6]:PORT",
        value_name = "ADDR:PORT",
        default_value = "0.0.0.0:162"
    )]
    pub listen: String,
    /// Our engine ID in hex, the one SNMPv3 Inform senders discover (random when not given).
    #[arg(long = "engine-id", value_name = "ENGINEID", value_parser = parse_engine_id)]
    pub engine_id: Option<EngineIdArg>,
    /// Our snmpEngineBoots (persist it and add one at every start).
    #[arg(long = "engine-boots", value_name = "N", default_value_t = 1)]
    pub engine_boots: u32,
    /// Accept SNMPv1/v2c notifications only with this community (repeatable; default: any).
    #[arg(short = 'c', long = "community", value_name = "COMMUNITY")]
    pub communities: Vec<String>,
    /// Exit after N notifications.
    #[arg(long = "count", value_name = "N")]
    pub count: Option<u64>,
    /// One JSON object per notification (see [`notification_to_json`]).
    #[arg(long = "json", help = "One JSON object per notification")]
    pub json: bool,
    /// Report every dropped datagram (and why) on stderr.
    #[arg(long = "verbose")]
    pub verbose: bool,
    /// SNMPv3 users in snmptrapd.conf's createUser syntax, one argument each:
    /// `"[-e ENGINEID] NAME [AUTH AUTHPASS [PRIV [PRIVPASS]]]"`. With -e: a Trap user bound
    /// to that sender's engine; without: an Inform user of our engine.
    #[arg(
        value_name = "USER",
        allow_hyphen_values = true,
        help = "SNMPv3 users in snmptrapd.conf's createUser syntax, one argument each: \
                \"[-e ENGINEID] NAME [AUTH AUTHPASS [PRIV [PRIVPASS]]]\". With -e: a Trap user \
                bound to that sender's engine; without: an Inform user of our engine"
    )]
    pub users: Vec<String>,
}

/// Why `fleetwire listen` stopped.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ListenError {
    /// A user is not usable.
    #[error(transparent)]
    User(#[from] UserSpecError),
    /// The listen address is unusable.
    #[error("--listen: {0}")]
    Target(#[from] TargetError),
    /// The engine ID or a user cannot be set up.
    #[error("{0}")]
    Usm(#[from] UsmError),
    /// The address cannot be bound.
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        /// The address.
        addr: SocketAddr,
        /// Why.
        #[source]
        source: io::Error,
    },
    /// The socket failed.
    #[error("receiving: {0}")]
    Receive(#[source] io::Error),
    /// Writing the output failed.
    #[error("writing the output: {0}")]
    Output(#[source] io::Error),
    /// The tokio runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
}

impl ListenError {
    /// The exit status: 2 for unusable arguments, 1 otherwise.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::User(_) | Self::Target(_) | Self::Usm(_) => 2,
            _ => 1,
        }
    }
}

/// A random engine ID for a listener without `--engine-id`: RFC 3411 format 5 (octets) under
/// net-snmp's enterprise prefix, with 8 random bytes.
fn random_engine_id(crypto: &RustCrypto) -> Result<Vec<u8>, UsmError> {
    let mut id = vec![0x80, 0x00, 0x1f, 0x88, 0x05];
    id.extend_from_slice(&crypto.salt_seed()?.to_be_bytes());
    Ok(id)
}

/// Runs `fleetwire listen`: prints `listening on ADDR (engine ID 0x...)` on `err`, then one
/// line per notification on `out` ([`notification_to_line`] or, with `--json`,
/// [`notification_to_json`]), until `--count` notifications or Ctrl-C.
pub fn run_listen(
    args: &ListenArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<(), ListenError> {
    let users = args
        .users
        .iter()
        .enumerate()
        .map(|(i, spec)| ListenUser::parse_numbered(spec, i + 1))
        .collect::<Result<Vec<_>, _>>()?;
    let addr = Target::parse_with_default_port(&args.listen, SNMP_TRAP_PORT)?.resolve()?;
    let crypto = RustCrypto::new();
    let engine_id = match &args.engine_id {
        Some(id) => id.0.clone(),
        None => random_engine_id(&crypto)?,
    };
    let mut receiver =
        NotificationReceiver::new(&crypto, &engine_id, args.engine_boots, Duration::ZERO)?;
    for c in &args.communities {
        receiver.accept_community(c.as_bytes());
    }
    for u in &users {
        match &u.sender_engine_id {
            Some(engine) => receiver.add_trap_user(&crypto, &u.user, engine)?,
            None => receiver.add_inform_user(&crypto, &u.user)?,
        }
    }
    let rt = runtime().map_err(ListenError::Runtime)?;
    rt.block_on(async {
        let mut listener = NotificationListener::bind(addr, receiver)
            .await
            .map_err(|source| ListenError::Bind { addr, source })?;
        let local = listener.local_addr().map_err(ListenError::Receive)?;
        writeln!(
            err,
            "listening on {local} (engine ID 0x{})",
            hex::encode(&engine_id)
        )
        .and_then(|()| err.flush())
        .map_err(ListenError::Output)?;
        let json = args.json;
        let render = move |n: &Notification| {
            if json {
                notification_to_json(n).to_string()
            } else {
                notification_to_line(n)
            }
        };
        let run = receive_loop(&mut listener, args.count, &render, out, err, args.verbose);
        tokio::select! {
            r = run => r,
            _ = tokio::signal::ctrl_c() => Ok(()),
        }
    })
}

/// Receives notifications and writes one line per notification (`render`) to `out`,
/// flushing each; bad input is counted and, when `verbose`, reported on `err`. Returns after
/// `count` notifications, or never.
pub async fn receive_loop(
    listener: &mut NotificationListener,
    count: Option<u64>,
    render: &dyn Fn(&Notification) -> String,
    out: &mut dyn Write,
    err: &mut dyn Write,
    verbose: bool,
) -> Result<(), ListenError> {
    let mut seen = 0u64;
    while count.is_none_or(|c| seen < c) {
        let (source, outcome) = listener
            .recv_outcome()
            .await
            .map_err(ListenError::Receive)?;
        match outcome {
            Outcome::Notification(n) => {
                seen += 1;
                writeln!(out, "{}", render(&n))
                    .and_then(|()| out.flush())
                    .map_err(ListenError::Output)?;
            }
            Outcome::Dropped(e) if verbose => {
                // Diagnostics only: a failing stderr never stops the listener.
                let _ = writeln!(err, "dropped datagram from {source}: {e} [{}]", e.reason());
            }
            Outcome::Dropped(_) | Outcome::Discovery => {}
        }
    }
    Ok(())
}

/// Octets for the text line: as is when printable, else `0x` + hex.
fn octets_text(bytes: &[u8]) -> String {
    match printable_text(bytes) {
        Some(t) if !t.contains(['\t', '\n', '\r', ' ']) && !t.is_empty() => t.to_owned(),
        _ => format!("0x{}", hex::encode(bytes)),
    }
}

/// One notification as one text line (`fleetwire listen`): the PDU ([`pdu_label`]), the
/// version, the source, who sent it, for SNMPv1 the Trap-PDU fields, then each varbind as
/// net-snmp prints it with `-On` (for SNMPv2 notifications `sysUpTime.0` and
/// `snmpTrapOID.0` first), tab-separated. Line breaks and tabs inside a value are written as
/// `\n`, `\r` and `\t`, so a notification is always one line.
///
/// ```text
/// TRAP2 2c 127.0.0.1:40000 community public\t.1.3.6.1.2.1.1.3.0 = Timeticks: (100) 0:00:01.00\t.1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.1
/// INFORM 3 127.0.0.1:40001 user alice authPriv engine 0x80001f8804... context ""\t...
/// TRAP 1 127.0.0.1:40002 community public enterprise .1.3.6.1.4.1.99999 agent 127.0.0.9 generic 6 specific 17 uptime 4242\t...
/// ```
pub fn notification_to_line(n: &Notification) -> String {
    let mut line = format!("{} {} {} ", pdu_label(n), n.version.name(), n.source);
    match &n.security {
        Sender::Community(c) => line.push_str(&format!("community {}", octets_text(c))),
        Sender::Usm(u) => line.push_str(&format!(
            "user {} {} engine 0x{} context {}",
            octets_text(&u.user_name),
            u.level,
            hex::encode(&u.engine_id),
            if u.context_name.is_empty() {
                "\"\"".to_owned()
            } else {
                octets_text(&u.context_name)
            },
        )),
    }
    let varbinds: Vec<VarBind<'_>> = match &n.v1 {
        Some(v1) => {
            line.push_str(&format!(
                " enterprise .{} agent {} generic {} specific {} uptime {}",
                v1.enterprise,
                Ipv4Addr::from(v1.agent_addr),
                v1.generic_trap.code(),
                v1.specific_trap,
                n.body.uptime
            ));
            n.body.varbinds.iter().map(VarBind::borrowed).collect()
        }
        None => notification_varbinds(
            n.body.uptime,
            n.body.trap_oid.borrowed(),
            n.body.varbinds.iter().map(VarBind::borrowed),
        )
        .to_vec(),
    };
    for vb in &varbinds {
        line.push('\t');
        for c in netsnmp_line(vb).chars() {
            match c {
                '\n' => line.push_str("\\n"),
                '\r' => line.push_str("\\r"),
                '\t' => line.push_str("\\t"),
                c => line.push(c),
            }
        }
    }
    line
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::panic, clippy::indexing_slicing)]

    use std::net::SocketAddr;

    use fleetwire_snmp::notification::{Notification, UsmSecurity};
    use fleetwire_snmp::usm::SecurityLevel;
    use fleetwire_snmp::{Value, Version};

    use super::*;

    fn args(v: &[&str]) -> Vec<String> {
        v.iter().map(|s| (*s).to_owned()).collect()
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
                "1.3.6.1.2.1.1.7.0",
                "i",
                "-5",
            ]),
            || 99,
            || panic!("v2 has no agent-addr"),
        )
        .unwrap();
        let NotificationArgs::V2(body) = parsed else {
            panic!()
        };
        assert_eq!(body.uptime, 99);
        assert_eq!(body.trap_oid.to_string(), "1.3.6.1.6.3.1.1.5.1");
        assert_eq!(body.varbinds[1].value, Value::Integer(-5));
    }

    #[test]
    fn v1_form_with_defaults() {
        let parsed = parse_positional(
            Version::V1,
            &args(&["", "", "6", "17", "4242"]),
            || panic!("uptime was given"),
            || Ipv4Addr::new(10, 1, 2, 3),
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
            parse_positional(v, &args(a), || 0, || Ipv4Addr::LOCALHOST)
                .unwrap_err()
                .to_string()
        };
        assert!(p(Version::V2c, &["0"]).contains("UPTIME TRAP-OID"));
        assert!(p(Version::V2c, &["0", "1.3.6", "1.3.6.1", "s"]).contains("VALUE"));
        assert!(p(Version::V1, &["1.3.6", "1.2.3.4", "7", "0", "0"]).contains("GENERIC"));
        assert!(p(Version::V2c, &["x", "1.3.6"]).contains("UPTIME"));
        assert!(p(Version::V2c, &["1", "1.3.x"]).contains("TRAP-OID"));
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
            ("-e 0x01 eve", "5 to 32 bytes"),
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
    }

    #[test]
    fn text_lines_are_one_line_each() {
        let source: SocketAddr = "127.0.0.1:40000".parse().unwrap();
        let n = Notification {
            kind: NotificationKind::Inform,
            version: Version::V3,
            security: Sender::Usm(UsmSecurity {
                user_name: b"alice".to_vec(),
                level: SecurityLevel::AuthPriv,
                engine_id: vec![0x80, 0, 0x1f, 0x88, 4, b'x'],
                context_engine_id: vec![],
                context_name: vec![],
            }),
            source,
            request_id: Some(1),
            body: NotificationBody::new(
                100,
                "1.3.6.1.6.3.1.1.5.1".parse().unwrap(),
                vec![VarBind::new(
                    "1.3.6.1.2.1.1.1.0".parse().unwrap(),
                    Value::OctetString(b"two\nlines\tand tab"[..].into()),
                )],
            ),
            v1: None,
        };
        assert_eq!(
            notification_to_line(&n),
            "INFORM 3 127.0.0.1:40000 user alice authPriv engine 0x80001f880478 context \"\"\
             \t.1.3.6.1.2.1.1.3.0 = Timeticks: (100) 0:00:01.00\
             \t.1.3.6.1.6.3.1.1.4.1.0 = OID: .1.3.6.1.6.3.1.1.5.1\
             \t.1.3.6.1.2.1.1.1.0 = STRING: \"two\\nlines\\tand tab\""
        );
        let json = notification_to_json(&n);
        assert_eq!(json["pdu"], "INFORM");
        assert_eq!(json["user"], "alice");
        assert_eq!(json["trap_oid"], "1.3.6.1.6.3.1.1.5.1");
        assert_eq!(json["varbinds"].as_array().unwrap().len(), 1);
    }
}
