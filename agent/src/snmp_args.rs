//! net-snmp's command-line conventions, shared by the SNMP commands (`get`, `getnext`,
//! `getbulk`, `set`, `walk`, `bulkwalk`, and the notification commands).
//!
//! - [`SnmpArgs`]: `-v 1|2c|3 -c COMMUNITY -u USER -l LEVEL -a AUTH -A PASS -x PRIV -X PASS
//!   -e ENGINEID -E CONTEXTENGINEID -n CONTEXT -r RETRIES -t TIMEOUT`, `-On` (the only output
//!   form) and `--json`; [`SnmpArgs::security`] and [`SnmpArgs::retry_policy`] turn them into
//!   the manager's [`Security`] and [`RetryPolicy`].
//! - [`Target`]: `HOST[:PORT]`, `[::1]:PORT`, `udp:HOST[:PORT]`, `udp6:[::1]:PORT`.
//! - [`BulkOptions`]: `-Cn N -Cr N` (also written `-Cn5`, `-Cr10`, `-Cn1r5`), after
//!   [`normalize_argv`] joined the separated forms.
//! - [`parse_oid`] (dotted, leading dot optional) and [`parse_typed_value`] /
//!   [`parse_varbind_triples`] for `OID TYPE VALUE` with net-snmp's type letters.
//!
//! ```
//! use fleetwire::snmp_args::{Target, parse_typed_value};
//! use fleetwire_snmp::Value;
//!
//! let t: Target = "udp6:[::1]:1161".parse()?;
//! assert_eq!(t.port, 1161);
//! assert_eq!(t.to_string(), "udp6:[::1]:1161");
//! assert_eq!(parse_typed_value('u', "5")?, Value::Gauge32(5));
//! assert_eq!(parse_typed_value('x', "00 1a")?, Value::OctetString(vec![0, 0x1a].into()));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::ffi::OsString;
use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr, ToSocketAddrs};
use std::str::FromStr;
use std::time::Duration;

use fleetwire_snmp::manager::{RetryPolicy, Security, UsmSecurity};
use fleetwire_snmp::usm::SecurityLevel;
use fleetwire_snmp::{Oid, OidError, OpaqueValue, Value, VarBind};
use thiserror::Error;

use crate::hex;
use crate::usm::{UsmArgs, UsmArgsError};
use crate::varbind_fmt::Format;

/// The default SNMP port.
pub const SNMP_PORT: u16 = 161;

/// The default port of notification receivers (snmptrap, snmpinform, snmptrapd).
pub const SNMP_TRAP_PORT: u16 = 162;

/// `-v`: the SNMP version.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SnmpVersion {
    /// `-v 1`.
    V1,
    /// `-v 2c`.
    V2c,
    /// `-v 3` (net-snmp's default).
    #[default]
    V3,
}

impl FromStr for SnmpVersion {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, String> {
        match s {
            "1" => Ok(Self::V1),
            "2c" | "2C" => Ok(Self::V2c),
            "3" => Ok(Self::V3),
            _ => Err(format!("invalid version {s:?}; expected 1, 2c or 3")),
        }
    }
}

/// `-l`: net-snmp's spellings of the security levels (`noAuthNoPriv`/`1`/`nanp`,
/// `authNoPriv`/`2`/`anp`, `authPriv`/`3`/`ap`, any case).
pub fn parse_level(s: &str) -> Result<SecurityLevel, String> {
    match s.to_ascii_lowercase().as_str() {
        "noauthnopriv" | "1" | "nanp" | "noauth" => Ok(SecurityLevel::NoAuthNoPriv),
        "authnopriv" | "2" | "anp" | "auth" => Ok(SecurityLevel::AuthNoPriv),
        "authpriv" | "3" | "ap" | "priv" => Ok(SecurityLevel::AuthPriv),
        _ => Err(format!(
            "invalid security level {s:?}; expected noAuthNoPriv, authNoPriv or authPriv"
        )),
    }
}

/// An SNMP engine ID given in hex on the command line (`-e`, `-E`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EngineIdArg(pub Vec<u8>);

/// `-e`, `-E`: hex, `0x` optional, 5 to 32 bytes (RFC 3411 SnmpEngineID).
pub fn parse_engine_id(s: &str) -> Result<EngineIdArg, String> {
    let bytes = hex::parse(s).map_err(|e| format!("engine ID: {e}"))?;
    if !(5..=32).contains(&bytes.len()) {
        return Err(format!(
            "engine ID is {} bytes; SNMP engine IDs are 5 to 32 bytes",
            bytes.len()
        ));
    }
    Ok(EngineIdArg(bytes))
}

/// `-t`: seconds, fractions allowed (`0.5`).
fn parse_timeout(s: &str) -> Result<Duration, String> {
    let secs: f64 = s
        .parse()
        .map_err(|_| format!("invalid timeout {s:?}; expected seconds"))?;
    if !secs.is_finite() || secs <= 0.0 || secs > 3600.0 {
        return Err(format!(
            "invalid timeout {s:?}; expected more than 0 and at most 3600 seconds"
        ));
    }
    Ok(Duration::from_secs_f64(secs))
}

/// `-O`: output options. Output is always numeric (`-On`), so only `n` is accepted.
fn parse_output_options(s: &str) -> Result<String, String> {
    if !s.is_empty() && s.chars().all(|c| c == 'n') {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "unsupported output option -O{s}; output is always -On (or --json)"
        ))
    }
}

/// net-snmp's common options for the SNMP commands.
#[derive(Debug, Clone, clap::Args)]
#[command(
    mut_arg("user", |a| a.help("SNMPv3 security name (USM user)")),
    mut_arg("auth_protocol", |a| a.help(
        "SNMPv3 authentication protocol: MD5, SHA, SHA-224, SHA-256, SHA-384 or SHA-512")),
    mut_arg("priv_protocol", |a| a.help(
        "SNMPv3 privacy protocol: DES, 3DES, AES, AES-192, AES-256 (Blumenthal key extension), \
         AES-192-C or AES-256-C (Reeder key extension)")),
)]
pub struct SnmpArgs {
    /// SNMP version: 1, 2c or 3.
    #[arg(short = 'v', value_name = "1|2c|3", default_value = "3")]
    pub version: SnmpVersion,
    /// Community string (SNMPv1, SNMPv2c).
    #[arg(short = 'c', value_name = "COMMUNITY")]
    pub community: Option<String>,
    /// SNMPv3 user and keys.
    #[command(flatten)]
    pub usm: UsmArgs,
    /// SNMPv3 security level: noAuthNoPriv, authNoPriv or authPriv.
    #[arg(short = 'l', value_name = "LEVEL", value_parser = parse_level)]
    pub level: Option<SecurityLevel>,
    /// SNMPv3 authoritative engine ID in hex (skips discovery).
    #[arg(short = 'e', value_name = "ENGINEID", value_parser = parse_engine_id)]
    pub engine_id: Option<EngineIdArg>,
    /// SNMPv3 contextEngineID in hex (default: the agent's engine ID).
    #[arg(short = 'E', value_name = "ENGINEID", value_parser = parse_engine_id)]
    pub context_engine_id: Option<EngineIdArg>,
    /// SNMPv3 context name (default: empty).
    #[arg(short = 'n', value_name = "CONTEXT")]
    pub context: Option<String>,
    /// Retries after the first attempt.
    #[arg(short = 'r', value_name = "RETRIES", default_value_t = 5)]
    pub retries: u32,
    /// Timeout per attempt, in seconds.
    #[arg(short = 't', value_name = "TIMEOUT", default_value = "1", value_parser = parse_timeout)]
    pub timeout: Duration,
    /// Output options: only `n` (numeric OIDs, the default and only text form).
    #[arg(short = 'O', value_name = "n", value_parser = parse_output_options)]
    pub output: Option<String>,
    /// Print one JSON object per varbind: {"oid", "type", "value"} (as `decode --json`).
    #[arg(long = "json")]
    pub json: bool,
}

/// Why [`SnmpArgs`] do not describe a usable security configuration. The messages name the
/// options and never contain a password.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum SnmpArgsError {
    /// SNMPv1/v2c without `-c`.
    #[error("no community name specified (-c) for -v {0}")]
    NoCommunity(&'static str),
    /// SNMPv3 without `-u`.
    #[error("no security name specified (-u) for -v 3")]
    NoUser,
    /// An SNMPv3-only option with `-v 1` or `-v 2c`.
    #[error("{0} is only used with -v 3")]
    V3Only(&'static str),
    /// The USM options do not make a user.
    #[error(transparent)]
    Usm(#[from] UsmArgsError),
    /// `-l` asks for more than the keys given allow.
    #[error("-l {requested} needs {needs}")]
    LevelNeedsKeys {
        /// The level asked for.
        requested: SecurityLevel,
        /// The options it needs.
        needs: &'static str,
    },
}

impl SnmpArgs {
    /// The security settings: a community for `-v 1`/`-v 2c`, a USM user for `-v 3`.
    /// Password-to-key runs here (once per password).
    pub fn security(&self) -> Result<Security, SnmpArgsError> {
        match self.version {
            SnmpVersion::V1 | SnmpVersion::V2c => {
                let name = if self.version == SnmpVersion::V1 {
                    "1"
                } else {
                    "2c"
                };
                let v3_only = [
                    ("-u", self.usm.user.is_some()),
                    ("-l", self.level.is_some()),
                    ("-e", self.engine_id.is_some()),
                    ("-E", self.context_engine_id.is_some()),
                    ("-n", self.context.is_some()),
                ];
                if let Some((option, _)) = v3_only.iter().find(|(_, given)| *given) {
                    return Err(SnmpArgsError::V3Only(option));
                }
                let community = self
                    .community
                    .as_deref()
                    .ok_or(SnmpArgsError::NoCommunity(name))?;
                Ok(if self.version == SnmpVersion::V1 {
                    Security::v1(community)
                } else {
                    Security::v2c(community)
                })
            }
            SnmpVersion::V3 => {
                let user = self.usm.user()?.ok_or(SnmpArgsError::NoUser)?;
                let level = self.level.unwrap_or(SecurityLevel::NoAuthNoPriv);
                if level > user.max_level() {
                    return Err(SnmpArgsError::LevelNeedsKeys {
                        requested: level,
                        needs: if level == SecurityLevel::AuthPriv {
                            "-a, -A, -x and -X"
                        } else {
                            "-a and -A"
                        },
                    });
                }
                let mut usm = UsmSecurity::new(user, level);
                usm.engine_id = self.engine_id.as_ref().map(|e| e.0.clone());
                usm.context_engine_id = self.context_engine_id.as_ref().map(|e| e.0.clone());
                usm.context_name = self
                    .context
                    .as_deref()
                    .unwrap_or_default()
                    .as_bytes()
                    .to_vec();
                Ok(Security::V3(Box::new(usm)))
            }
        }
    }

    /// `-t` and `-r`.
    pub fn retry_policy(&self) -> RetryPolicy {
        RetryPolicy::new(self.timeout, self.retries)
    }

    /// `--json` or the default net-snmp text.
    pub fn format(&self) -> Format {
        Format::from_json_flag(self.json)
    }
}

/// The transport a [`Target`] names (`udp:` or `udp6:`), or none.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// No prefix: IPv4 or IPv6, whatever the host is.
    Any,
    /// `udp:`: IPv4.
    Udp,
    /// `udp6:` (also `udpv6:`, `udpipv6:`): IPv6.
    Udp6,
}

/// `[udp:|udp6:]HOST[:PORT]`, as net-snmp's tools take it: `127.0.0.1`, `printer:1161`,
/// `[::1]:1161`, `udp6:[::1]:1161`, `udp6:::1` (a bare IPv6 address needs `udp6:` or
/// brackets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    /// The transport prefix.
    pub transport: Transport,
    /// The host: an address literal or a name.
    pub host: String,
    /// The port (161 when not given).
    pub port: u16,
}

/// Why a `HOST[:PORT]` argument is not usable.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum TargetError {
    /// Empty host.
    #[error("empty host in {0:?}")]
    EmptyHost(String),
    /// A transport prefix other than `udp:` and `udp6:`.
    #[error("unsupported transport {0:?}; expected udp: or udp6:")]
    Transport(String),
    /// A port that is not a number from 1 to 65535.
    #[error("invalid port in {0:?}")]
    Port(String),
    /// `[` without `]`, or text after `]` other than `:PORT`.
    #[error("invalid bracketed IPv6 address in {0:?}")]
    Brackets(String),
    /// An IPv6 address with the `udp:` transport, or an IPv4 address with `udp6:`.
    #[error("{host} is not an address of the {transport} transport")]
    Family {
        /// The host.
        host: String,
        /// The prefix given.
        transport: &'static str,
    },
    /// The name does not resolve (to an address of the right family).
    #[error("unknown host {host}: {reason}")]
    Resolve {
        /// The host.
        host: String,
        /// What the resolver said.
        reason: String,
    },
}

impl FromStr for Target {
    type Err = TargetError;

    fn from_str(s: &str) -> Result<Self, TargetError> {
        Self::parse_with_default_port(s, SNMP_PORT)
    }
}

impl Target {
    /// Parses `[udp:|udp6:]HOST[:PORT]` with `default_port` when no port is given (162 for
    /// the notification commands, as net-snmp's snmptrap and snmpinform).
    pub fn parse_with_default_port(s: &str, default_port: u16) -> Result<Self, TargetError> {
        let lower = s.to_ascii_lowercase();
        let (transport, rest) = if let Some(r) = lower.strip_prefix("udp:") {
            (
                Transport::Udp,
                s.get(s.len() - r.len()..).unwrap_or_default(),
            )
        } else if let Some(p) = ["udp6:", "udpv6:", "udpipv6:"]
            .iter()
            .find(|p| lower.starts_with(*p))
        {
            (Transport::Udp6, s.get(p.len()..).unwrap_or_default())
        } else if let Some((scheme, _)) = s.split_once(':')
            && !scheme.is_empty()
            && scheme.bytes().all(|b| b.is_ascii_alphabetic())
            && s.matches(':').count() == 1
            && scheme.parse::<Ipv4Addr>().is_err()
            && !s.contains('[')
            && is_transport_word(scheme)
        {
            return Err(TargetError::Transport(scheme.to_owned()));
        } else {
            (Transport::Any, s)
        };
        let port_of = |p: &str| -> Result<u16, TargetError> {
            p.parse::<u16>()
                .ok()
                .filter(|&n| n != 0)
                .ok_or_else(|| TargetError::Port(s.to_owned()))
        };
        let (host, port) = if let Some(inner) = rest.strip_prefix('[') {
            let (host, after) = inner
                .split_once(']')
                .ok_or_else(|| TargetError::Brackets(s.to_owned()))?;
            let port = match after {
                "" => default_port,
                _ => port_of(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| TargetError::Brackets(s.to_owned()))?,
                )?,
            };
            (host, port)
        } else if rest.matches(':').count() > 1 {
            // A bare IPv6 address (no port).
            (rest, default_port)
        } else {
            match rest.split_once(':') {
                Some((host, port)) => (host, port_of(port)?),
                None => (rest, default_port),
            }
        };
        if host.is_empty() {
            return Err(TargetError::EmptyHost(s.to_owned()));
        }
        let target = Self {
            transport,
            host: host.to_owned(),
            port,
        };
        match (transport, host.parse::<IpAddr>()) {
            (Transport::Udp, Ok(IpAddr::V6(_))) => Err(TargetError::Family {
                host: host.to_owned(),
                transport: "udp:",
            }),
            (Transport::Udp6, Ok(IpAddr::V4(_))) => Err(TargetError::Family {
                host: host.to_owned(),
                transport: "udp6:",
            }),
            _ => Ok(target),
        }
    }
}

/// Transport names net-snmp knows but we do not serve (so `tcp:host` is refused instead of
/// being taken as host `tcp`, port `host`).
fn is_transport_word(word: &str) -> bool {
    matches!(
        word.to_ascii_lowercase().as_str(),
        "tcp" | "tcp6" | "tcpv6" | "tcpipv6" | "unix" | "ipx" | "aal5pvc" | "dtls" | "tls"
    )
}

impl fmt::Display for Target {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let prefix = match self.transport {
            Transport::Any => "",
            Transport::Udp => "udp:",
            Transport::Udp6 => "udp6:",
        };
        if self.host.contains(':') {
            write!(f, "{prefix}[{}]:{}", self.host, self.port)
        } else {
            write!(f, "{prefix}{}:{}", self.host, self.port)
        }
    }
}

impl Target {
    /// The socket address: an address literal as is, a name through the system resolver
    /// (the first address of the transport's family; IPv4 first without a prefix).
    pub fn resolve(&self) -> Result<SocketAddr, TargetError> {
        let literal = self
            .host
            .parse::<IpAddr>()
            .ok()
            .or_else(|| self.host.parse::<Ipv6Addr>().ok().map(IpAddr::V6));
        if let Some(ip) = literal {
            return Ok(SocketAddr::new(ip, self.port));
        }
        let resolve_err = |reason: String| TargetError::Resolve {
            host: self.host.clone(),
            reason,
        };
        let addrs: Vec<SocketAddr> = (self.host.as_str(), self.port)
            .to_socket_addrs()
            .map_err(|e| resolve_err(e.to_string()))?
            .collect();
        let pick = match self.transport {
            Transport::Udp => addrs.iter().find(|a| a.is_ipv4()),
            Transport::Udp6 => addrs.iter().find(|a| a.is_ipv6()),
            Transport::Any => addrs.iter().find(|a| a.is_ipv4()).or_else(|| addrs.first()),
        };
        pick.copied()
            .ok_or_else(|| resolve_err("no address of the transport's family".into()))
    }
}

/// `-Cn N -Cr N`: GETBULK's non-repeaters and max-repetitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct BulkOptions {
    /// non-repeaters (`-Cn`; default 0).
    pub non_repeaters: u32,
    /// max-repetitions (`-Cr`; default 10, as net-snmp).
    pub max_repetitions: u32,
}

impl Default for BulkOptions {
    fn default() -> Self {
        Self {
            non_repeaters: 0,
            max_repetitions: 10,
        }
    }
}

impl BulkOptions {
    /// Applies `-C` values (`n5`, `r10`, `n1r5`) in order.
    pub fn from_c_values<S: AsRef<str>>(values: &[S]) -> Result<Self, String> {
        let mut opts = Self::default();
        for value in values {
            let mut rest = value.as_ref();
            while let Some(letter) = rest.chars().next() {
                let after = rest.get(1..).unwrap_or_default();
                let digits = after.bytes().take_while(u8::is_ascii_digit).count();
                let (number, tail) = after.split_at(digits);
                let parsed = number
                    .parse::<u32>()
                    .ok()
                    .filter(|&n| i32::try_from(n).is_ok());
                match (letter, parsed) {
                    ('n', Some(n)) => opts.non_repeaters = n,
                    ('r', Some(n)) => opts.max_repetitions = n,
                    ('n' | 'r', None) => {
                        return Err(format!("no number given to the -C{letter} option"));
                    }
                    _ => return Err(format!("unknown -C option {letter:?}; expected n or r")),
                }
                rest = tail;
            }
        }
        Ok(opts)
    }
}

/// clap's parser for `-C` values: checks them with [`BulkOptions::from_c_values`].
pub fn parse_c_value(s: &str) -> Result<String, String> {
    BulkOptions::from_c_values(&[s]).map(|_| s.to_owned())
}

/// Joins net-snmp's separated `-Cn 5` / `-Cr 10` forms into `-Cn5` / `-Cr10` so that clap
/// sees one value. Other arguments pass through unchanged. Call it on the whole command line
/// before parsing.
pub fn normalize_argv(args: impl IntoIterator<Item = OsString>) -> Vec<OsString> {
    let mut out: Vec<OsString> = Vec::new();
    let mut args = args.into_iter().peekable();
    while let Some(arg) = args.next() {
        let joinable = matches!(arg.to_str(), Some("-Cn" | "-Cr"));
        let next_is_number = args
            .peek()
            .and_then(|n| n.to_str())
            .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
        if joinable && next_is_number {
            let mut joined = arg;
            if let Some(n) = args.next() {
                joined.push(n);
            }
            out.push(joined);
        } else {
            out.push(arg);
        }
    }
    out
}

/// An OID argument: dotted decimal, leading dot optional (`.1.3.6.1.2.1.1.1.0`).
pub fn parse_oid(s: &str) -> Result<Oid<'static>, ValueError> {
    s.parse().map_err(|source| ValueError::Oid {
        text: s.to_owned(),
        source,
    })
}

/// A walk's subtree argument: dotted decimal like an OID, but a single arc (`.1`, net-snmp's
/// "everything") is allowed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subtree(pub Vec<u32>);

impl FromStr for Subtree {
    type Err = ValueError;

    fn from_str(s: &str) -> Result<Self, ValueError> {
        let oid = parse_oid(s);
        if let Ok(oid) = &oid {
            return Ok(Self(oid.arcs().collect()));
        }
        let text = s.strip_prefix('.').unwrap_or(s);
        match text.parse::<u32>() {
            Ok(arc) if text.bytes().all(|b| b.is_ascii_digit()) => Ok(Self(vec![arc])),
            _ => oid.map(|_| Self(Vec::new())),
        }
    }
}

/// Why an `OID TYPE VALUE` argument is not usable.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ValueError {
    /// The OID is not dotted decimal.
    #[error("invalid OID {text:?}: {source}")]
    Oid {
        /// The text given.
        text: String,
        /// Why.
        #[source]
        source: OidError,
    },
    /// A type letter net-snmp does not have, or one this tool does not send.
    #[error("unknown type {0:?}; expected one of i u t a o s x d n c C U")]
    Type(String),
    /// The value does not fit the type.
    #[error("bad value {value:?} for type {letter}: {reason}")]
    Value {
        /// The type letter.
        letter: char,
        /// The value text.
        value: String,
        /// What is wrong.
        reason: String,
    },
    /// The arguments are not whole `OID TYPE VALUE` triples.
    #[error("missing {0} after the last OID (expected OID TYPE VALUE)")]
    Incomplete(&'static str),
}

/// A value from net-snmp's `TYPE VALUE` pair (snmpset, snmptrap):
///
/// | Letter | Type | Value text |
/// |---|---|---|
/// | `i` | INTEGER | signed decimal |
/// | `u` | Unsigned32 (Gauge32) | decimal |
/// | `t` | TimeTicks | decimal hundredths of a second |
/// | `a` | IpAddress | dotted quad |
/// | `o` | OBJECT IDENTIFIER | dotted decimal |
/// | `s` | OCTET STRING | the text's bytes |
/// | `x` | OCTET STRING | hex (`00 1A`, `001a`, `0x001a`) |
/// | `d` | OCTET STRING | decimal bytes (`1.2.3` or `1 2 3`) |
/// | `n` | NULL | ignored |
/// | `c` | Counter32 | decimal |
/// | `C` | Counter64 | decimal |
/// | `U` | Opaque UInt64 (net-snmp's wrapper) | decimal |
pub fn parse_typed_value(letter: char, text: &str) -> Result<Value<'static>, ValueError> {
    let bad = |reason: &str| ValueError::Value {
        letter,
        value: text.to_owned(),
        reason: reason.to_owned(),
    };
    let unsigned32 = || {
        text.trim()
            .parse::<u32>()
            .map_err(|_| bad("expected an unsigned 32-bit decimal number"))
    };
    Ok(match letter {
        'i' => Value::Integer(
            text.trim()
                .parse::<i32>()
                .map_err(|_| bad("expected a signed 32-bit decimal number"))?,
        ),
        'u' => Value::Gauge32(unsigned32()?),
        't' => Value::TimeTicks(unsigned32()?),
        'c' => Value::Counter32(unsigned32()?),
        'C' => Value::Counter64(
            text.trim()
                .parse::<u64>()
                .map_err(|_| bad("expected an unsigned 64-bit decimal number"))?,
        ),
        'U' => {
            let v = text
                .trim()
                .parse::<u64>()
                .map_err(|_| bad("expected an unsigned 64-bit decimal number"))?;
            Value::Opaque(OpaqueValue::U64(v).encode().into())
        }
        'a' => Value::IpAddress(
            text.trim()
                .parse::<Ipv4Addr>()
                .map_err(|_| bad("expected an IPv4 address a.b.c.d"))?
                .octets(),
        ),
        'o' => Value::ObjectIdentifier(parse_oid(text.trim())?),
        's' => Value::OctetString(text.as_bytes().to_vec().into()),
        'x' => {
            let bytes = if text.trim().is_empty() {
                Vec::new()
            } else {
                hex::parse(text).map_err(|e| bad(&e.to_string()))?
            };
            Value::OctetString(bytes.into())
        }
        'd' => {
            let bytes = text
                .split(|c: char| c == '.' || c.is_whitespace())
                .filter(|p| !p.is_empty())
                .map(|p| p.parse::<u8>())
                .collect::<Result<Vec<u8>, _>>()
                .map_err(|_| bad("expected decimal bytes 0..255 separated by dots or spaces"))?;
            Value::OctetString(bytes.into())
        }
        'n' => Value::Null,
        other => return Err(ValueError::Type(other.to_string())),
    })
}

/// `OID TYPE VALUE [OID TYPE VALUE ...]` into varbinds. The type is one letter (see
/// [`parse_typed_value`]); `=` stands for "the type the MIB says" in net-snmp and needs a
/// MIB, so it is refused.
pub fn parse_varbind_triples<S: AsRef<str>>(
    args: &[S],
) -> Result<Vec<VarBind<'static>>, ValueError> {
    let mut out = Vec::with_capacity(args.len() / 3);
    let mut rest = args;
    while let Some((oid, tail)) = rest.split_first() {
        let (ty, tail) = tail.split_first().ok_or(ValueError::Incomplete("TYPE"))?;
        let (value, tail) = tail.split_first().ok_or(ValueError::Incomplete("VALUE"))?;
        let mut letters = ty.as_ref().chars();
        let letter = match (letters.next(), letters.next()) {
            (Some(l), None) => l,
            _ => return Err(ValueError::Type(ty.as_ref().to_owned())),
        };
        out.push(VarBind::new(
            parse_oid(oid.as_ref())?,
            parse_typed_value(letter, value.as_ref())?,
        ));
        rest = tail;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;
    use clap::Parser;

    #[derive(Debug, Parser)]
    struct Cmd {
        #[command(flatten)]
        snmp: SnmpArgs,
        #[arg(short = 'C', value_parser = parse_c_value)]
        c: Vec<String>,
        target: String,
        oids: Vec<String>,
    }

    fn parse(args: &[&str]) -> Result<Cmd, clap::Error> {
        let argv = normalize_argv(
            std::iter::once("fleetwire")
                .chain(args.iter().copied())
                .map(OsString::from),
        );
        Cmd::try_parse_from(argv)
    }

    #[test]
    fn targets() {
        let cases = [
            ("127.0.0.1", Transport::Any, "127.0.0.1", 161),
            ("127.0.0.1:1161", Transport::Any, "127.0.0.1", 1161),
            ("[::1]:1161", Transport::Any, "::1", 1161),
            ("[::1]", Transport::Any, "::1", 161),
            ("udp6:[::1]:1161", Transport::Udp6, "::1", 1161),
            ("udp6:::1", Transport::Udp6, "::1", 161),
            ("UDP:localhost:99", Transport::Udp, "localhost", 99),
            ("printer", Transport::Any, "printer", 161),
        ];
        for (text, transport, host, port) in cases {
            let t: Target = text.parse().unwrap();
            assert_eq!(
                (t.transport, t.host.as_str(), t.port),
                (transport, host, port),
                "{text}"
            );
        }
        for bad in [
            "",
            ":161",
            "h:0",
            "h:70000",
            "[::1",
            "[::1]x",
            "tcp:h",
            "udp:[::1]",
            "udp6:1.2.3.4",
        ] {
            assert!(bad.parse::<Target>().is_err(), "{bad}");
        }
        assert_eq!(".1".parse::<Subtree>().unwrap(), Subtree(vec![1]));
        assert_eq!("1.3.6".parse::<Subtree>().unwrap(), Subtree(vec![1, 3, 6]));
        assert!("1.x".parse::<Subtree>().is_err());
        let t: Target = "[::1]:1161".parse().unwrap();
        assert_eq!(t.resolve().unwrap(), "[::1]:1161".parse().unwrap());
        assert_eq!(t.to_string(), "[::1]:1161");
    }

    #[test]
    fn net_snmp_flags() {
        let cmd = parse(&[
            "-v",
            "3",
            "-u",
            "fleet",
            "-l",
            "authPriv",
            "-a",
            "SHA-256",
            "-A",
            "authpass1",
            "-x",
            "AES-256-C",
            "-X",
            "privpass1",
            "-e",
            "0x80001f8804616263",
            "-n",
            "ctx",
            "-r",
            "2",
            "-t",
            "0.5",
            "-On",
            "-Cn",
            "1",
            "-Cr5",
            "[::1]:1161",
            ".1.3.6.1",
        ])
        .unwrap();
        assert_eq!(
            cmd.snmp.retry_policy(),
            RetryPolicy::new(Duration::from_millis(500), 2)
        );
        assert_eq!(
            BulkOptions::from_c_values(&cmd.c).unwrap(),
            BulkOptions {
                non_repeaters: 1,
                max_repetitions: 5
            }
        );
        assert_eq!(cmd.target, "[::1]:1161");
        match cmd.snmp.security().unwrap() {
            Security::V3(usm) => {
                assert_eq!(usm.level, SecurityLevel::AuthPriv);
                assert_eq!(usm.engine_id.unwrap(), b"\x80\x00\x1f\x88\x04abc");
                assert_eq!(usm.context_name, b"ctx");
            }
            other => panic!("{other:?}"),
        }
        let v2 = parse(&["-v2c", "-c", "public", "h", "1.3"]).unwrap();
        assert!(
            matches!(v2.snmp.security().unwrap(), Security::V2c { community } if community == b"public")
        );
        assert!(matches!(
            parse(&["-v1", "h"]).unwrap().snmp.security(),
            Err(SnmpArgsError::NoCommunity("1"))
        ));
        assert!(matches!(
            parse(&["-v2c", "-c", "p", "-u", "x", "h"])
                .unwrap()
                .snmp
                .security(),
            Err(SnmpArgsError::V3Only("-u"))
        ));
        assert!(matches!(
            parse(&["-v3", "-u", "x", "-l", "authNoPriv", "h"])
                .unwrap()
                .snmp
                .security(),
            Err(SnmpArgsError::LevelNeedsKeys { .. })
        ));
        assert!(parse(&["-v", "4", "h"]).is_err());
        assert!(parse(&["-Ox", "h"]).is_err());
        assert!(parse(&["-Cx", "h"]).is_err());
        assert!(parse(&["-t", "0", "h"]).is_err());
        // A password never appears in errors or Debug output.
        let e = parse(&[
            "-v3",
            "-u",
            "x",
            "-a",
            "SHA",
            "-A",
            "secretpw1",
            "-x",
            "BOGUS",
            "-X",
            "secretpw2",
            "h",
        ])
        .unwrap_err()
        .to_string();
        assert!(!e.contains("secretpw"), "{e}");
        let ok = parse(&["-v3", "-u", "x", "-a", "SHA", "-A", "secretpw1", "h"]).unwrap();
        assert!(!format!("{ok:?}").contains("secretpw"));
    }

    #[test]
    fn bulk_c_values() {
        assert_eq!(
            BulkOptions::from_c_values(&["n1r5"]).unwrap(),
            BulkOptions {
                non_repeaters: 1,
                max_repetitions: 5
            }
        );
        assert_eq!(
            BulkOptions::from_c_values::<&str>(&[]).unwrap(),
            BulkOptions::default()
        );
        assert!(BulkOptions::from_c_values(&["n"]).is_err());
        assert!(BulkOptions::from_c_values(&["r99999999999"]).is_err());
    }

    #[test]
    fn typed_values() {
        let cases: Vec<(char, &str, Value<'static>)> = vec![
            ('i', "-5", Value::Integer(-5)),
            ('u', "7", Value::Gauge32(7)),
            ('t', "100", Value::TimeTicks(100)),
            ('a', "10.1.2.3", Value::IpAddress([10, 1, 2, 3])),
            (
                'o',
                ".1.3.6.1",
                Value::ObjectIdentifier("1.3.6.1".parse().unwrap()),
            ),
            ('s', "a b", Value::OctetString(b"a b"[..].into())),
            (
                'x',
                "00 1A ff",
                Value::OctetString(vec![0, 0x1a, 0xff].into()),
            ),
            ('x', "", Value::OctetString(Vec::new().into())),
            ('d', "1.2.255", Value::OctetString(vec![1, 2, 255].into())),
            ('n', "", Value::Null),
            ('c', "4294967295", Value::Counter32(u32::MAX)),
            ('C', "18446744073709551615", Value::Counter64(u64::MAX)),
            ('U', "9", Value::Opaque(OpaqueValue::U64(9).encode().into())),
        ];
        for (letter, text, expected) in cases {
            assert_eq!(
                parse_typed_value(letter, text).unwrap(),
                expected,
                "{letter} {text}"
            );
        }
        for (letter, text) in [
            ('i', "2147483648"),
            ('u', "-1"),
            ('a', "1.2.3"),
            ('d', "256"),
            ('x', "abc"),
            ('q', "1"),
        ] {
            assert!(parse_typed_value(letter, text).is_err(), "{letter} {text}");
        }
        let vbs = parse_varbind_triples(&[
            "1.3.6.1.2.1.1.5.0",
            "s",
            "name",
            ".1.3.6.1.2.1.1.6.0",
            "x",
            "41",
        ])
        .unwrap();
        assert_eq!(vbs.len(), 2);
        assert_eq!(vbs[1].value, Value::OctetString(b"A"[..].into()));
        assert!(matches!(
            parse_varbind_triples(&["1.3", "s"]),
            Err(ValueError::Incomplete("VALUE"))
        ));
        assert!(matches!(
            parse_varbind_triples(&["1.3", "=", "v"]),
            Err(ValueError::Type(_))
        ));
    }
}
