//! `fleetwire get | getnext | getbulk | set | walk | bulkwalk`: net-snmp's manager commands
//! over [`fleetwire_snmp::client`].
//!
//! The options are net-snmp's ([`SnmpArgs`]); the output is net-snmp's `-On` text or, with
//! `--json`, one JSON object per varbind ([`crate::varbind_fmt`]). Walks print as they go,
//! and like `snmpwalk`/`snmpbulkwalk`:
//!
//! - the exception that ends a walk inside the subtree (endOfMibView at the end of the
//!   agent's MIB) is printed as its own line;
//! - a walk that finds nothing under its root GETs the root itself and prints that;
//! - an OID that does not increase stops the walk with an error.
//!
//! Failures print one line on stderr and exit non-zero: 1 for timeouts, SNMPv3 security
//! failures and walk errors, 2 for an error status in the agent's answer (as net-snmp).

use std::io::{self, Write};

use fleetwire_snmp::client::{self, Client, Session};
use fleetwire_snmp::manager::{self, Walk, WalkMode};
use fleetwire_snmp::usm::{ReportKind, UsmError, UsmStat};
use fleetwire_snmp::{ErrorStatus, Oid, VarBind};
use thiserror::Error;

use crate::snmp_args::{
    BulkOptions, SnmpArgs, SnmpArgsError, Subtree, Target, TargetError, ValueError, parse_c_value,
    parse_oid, parse_varbind_triples,
};
use crate::varbind_fmt::{Format, write_varbind};

/// The root `walk` and `bulkwalk` use without an OID: mib-2, as net-snmp.
pub const DEFAULT_WALK_ROOT: &str = "1.3.6.1.2.1";

/// What every manager command starts with: net-snmp's options, then the agent.
#[derive(Debug, Clone, clap::Args)]
pub struct AgentArgs {
    /// net-snmp's options.
    #[command(flatten)]
    pub snmp: SnmpArgs,
    /// The agent: `HOST[:PORT]`, `[IPv6]:PORT`, `udp:HOST[:PORT]` or `udp6:[IPv6]:PORT`.
    #[arg(
        value_name = "HOST[:PORT]",
        help = "The agent: HOST[:PORT], [IPv6]:PORT, udp:HOST[:PORT] or udp6:[IPv6]:PORT"
    )]
    pub target: Target,
}

/// `get` and `getnext`: `[OPTIONS] HOST[:PORT] OID...`.
#[derive(Debug, Clone, clap::Args)]
pub struct GetArgs {
    /// The options and the agent.
    #[command(flatten)]
    pub agent: AgentArgs,
    /// OIDs in dotted form.
    #[arg(value_name = "OID", required = true, value_parser = parse_oid)]
    pub oids: Vec<Oid<'static>>,
}

/// `getbulk`: `[OPTIONS] [-Cn N] [-Cr N] HOST[:PORT] OID...`.
#[derive(Debug, Clone, clap::Args)]
pub struct GetBulkArgs {
    /// The options and the agent.
    #[command(flatten)]
    pub agent: AgentArgs,
    /// -Cn N: non-repeaters (default 0); -Cr N: max-repetitions (default 10).
    #[arg(short = 'C', value_name = "n<N>|r<N>", value_parser = parse_c_value)]
    pub bulk: Vec<String>,
    /// OIDs in dotted form.
    #[arg(value_name = "OID", required = true, value_parser = parse_oid)]
    pub oids: Vec<Oid<'static>>,
}

/// `set`: `[OPTIONS] HOST[:PORT] OID TYPE VALUE...`.
#[derive(Debug, Clone, clap::Args)]
pub struct SetArgs {
    /// The options and the agent.
    #[command(flatten)]
    pub agent: AgentArgs,
    /// OID TYPE VALUE triples; TYPE is one of i u t a o s x d n c C U.
    #[arg(value_name = "OID TYPE VALUE", required = true, num_args = 3.., allow_hyphen_values = true)]
    pub assignments: Vec<String>,
}

/// `walk`: `[OPTIONS] HOST[:PORT] [OID]`.
#[derive(Debug, Clone, clap::Args)]
pub struct WalkArgs {
    /// The options and the agent.
    #[command(flatten)]
    pub agent: AgentArgs,
    /// The subtree to walk (`.1` walks everything).
    #[arg(value_name = "OID", default_value = DEFAULT_WALK_ROOT)]
    pub root: Subtree,
}

/// `bulkwalk`: `[OPTIONS] [-Cr N] HOST[:PORT] [OID]`.
#[derive(Debug, Clone, clap::Args)]
pub struct BulkWalkArgs {
    /// The options and the agent.
    #[command(flatten)]
    pub agent: AgentArgs,
    /// -Cr N: max-repetitions (default 10); -Cn is accepted and must be 0.
    #[arg(short = 'C', value_name = "n<N>|r<N>", value_parser = parse_c_value)]
    pub bulk: Vec<String>,
    /// The subtree to walk (`.1` walks everything).
    #[arg(value_name = "OID", default_value = DEFAULT_WALK_ROOT)]
    pub root: Subtree,
}

/// One of the manager commands.
#[derive(Debug, Clone)]
pub enum QueryCommand {
    /// `fleetwire get`.
    Get(GetArgs),
    /// `fleetwire getnext`.
    GetNext(GetArgs),
    /// `fleetwire getbulk`.
    GetBulk(GetBulkArgs),
    /// `fleetwire set`.
    Set(SetArgs),
    /// `fleetwire walk`.
    Walk(WalkArgs),
    /// `fleetwire bulkwalk`.
    BulkWalk(BulkWalkArgs),
}

impl QueryCommand {
    /// The command's name (`get`, `getnext`, ...), used as the prefix of error lines.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Get(_) => "get",
            Self::GetNext(_) => "getnext",
            Self::GetBulk(_) => "getbulk",
            Self::Set(_) => "set",
            Self::Walk(_) => "walk",
            Self::BulkWalk(_) => "bulkwalk",
        }
    }

    /// The options and the agent.
    pub fn agent(&self) -> &AgentArgs {
        match self {
            Self::Get(a) | Self::GetNext(a) => &a.agent,
            Self::GetBulk(a) => &a.agent,
            Self::Set(a) => &a.agent,
            Self::Walk(a) => &a.agent,
            Self::BulkWalk(a) => &a.agent,
        }
    }
}

/// Why a command failed.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum QueryError {
    /// The options do not make a security configuration.
    #[error(transparent)]
    Args(#[from] SnmpArgsError),
    /// The host is unusable.
    #[error(transparent)]
    Target(#[from] TargetError),
    /// An OID TYPE VALUE argument is unusable.
    #[error(transparent)]
    Value(#[from] ValueError),
    /// A -C option is unusable.
    #[error("{0}")]
    Bulk(String),
    /// The tokio runtime could not start.
    #[error("cannot start the runtime: {0}")]
    Runtime(#[source] io::Error),
    /// The request failed.
    #[error("{}", describe(.error, .target))]
    Request {
        /// The failure.
        #[source]
        error: client::Error,
        /// The target, as printed in messages.
        target: String,
    },
    /// Writing the output failed.
    #[error("writing the output: {0}")]
    Output(#[source] io::Error),
}

impl QueryError {
    /// The exit status: 2 for an error status in the agent's answer, 1 otherwise (usage
    /// errors exit 2 through clap before a command runs).
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Request { error, .. }
                if matches!(error.snmp(), Some(manager::Error::ErrorStatus { .. })) =>
            {
                2
            }
            Self::Args(_) | Self::Value(_) | Self::Bulk(_) => 2,
            _ => 1,
        }
    }
}

/// net-snmp's wording where it has one (also for `fleetwire inform`).
pub(crate) fn describe(error: &client::Error, target: &str) -> String {
    let Some(snmp) = error.snmp() else {
        return error.to_string();
    };
    match snmp {
        manager::Error::Timeout { .. } => format!("Timeout: No Response from {target}."),
        manager::Error::ErrorStatus { status, index, oid } => {
            let mut line = format!("Error in packet. Reason: {}", reason(*status));
            if let Some(oid) = oid {
                line.push_str(&format!(" Failed object: .{oid}"));
            } else if *index > 0 {
                line.push_str(&format!(" (error-index {index})"));
            }
            line
        }
        manager::Error::Usm(UsmError::ReportReceived { kind }) => match kind {
            ReportKind::Usm(UsmStat::UnknownUserNames) => "Unknown user name".into(),
            ReportKind::Usm(UsmStat::WrongDigests) => {
                "Authentication failure (incorrect password, community or key)".into()
            }
            ReportKind::Usm(UsmStat::UnsupportedSecLevels) => "Unsupported security level".into(),
            ReportKind::Usm(UsmStat::DecryptionErrors) => "Decryption error".into(),
            ReportKind::Usm(UsmStat::NotInTimeWindows) => "Time synchronization error".into(),
            ReportKind::Usm(UsmStat::UnknownEngineIds) => "Unknown engine ID".into(),
            other => format!("The agent answered with a Report: {other}"),
        },
        manager::Error::Usm(UsmError::WrongDigest) => {
            "Authentication failure (incorrect password, community or key)".into()
        }
        other => other.to_string(),
    }
}

/// net-snmp's `snmp_errstring` reasons for the common statuses, the status name otherwise.
fn reason(status: ErrorStatus) -> String {
    match status {
        ErrorStatus::TooBig => "(tooBig) Response message would have been too large.".into(),
        ErrorStatus::NoSuchName => {
            "(noSuchName) There is no such variable name in this MIB.".into()
        }
        ErrorStatus::BadValue => {
            "(badValue) The value given has the wrong type or length.".into()
        }
        ErrorStatus::ReadOnly => {
            "(readOnly) The two parties used do not have access to use the specified SNMP PDU."
                .into()
        }
        ErrorStatus::GenErr => "(genError) A general failure occured".into(),
        ErrorStatus::WrongType => {
            "wrongType (The set datatype does not match the data type the agent expects)".into()
        }
        ErrorStatus::WrongLength => {
            "wrongLength (The set value has an illegal length from what the agent expects)"
                .into()
        }
        ErrorStatus::WrongValue => {
            "wrongValue (The set value is illegal or unsupported in some way)".into()
        }
        ErrorStatus::NotWritable => "notWritable (That object does not support modification)".into(),
        ErrorStatus::NoCreation => {
            "noCreation (That table does not support row creation or that object can not ever be created)".into()
        }
        other => other.name().into(),
    }
}

/// Runs `command`, printing varbinds to `out`. Errors are returned (the caller prints them
/// as `fleetwire NAME: ERROR` and exits with [`QueryError::exit_code`]).
pub fn run(command: &QueryCommand, out: &mut impl Write) -> Result<(), QueryError> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(QueryError::Runtime)?;
    runtime.block_on(run_async(command, out))
}

async fn run_async(command: &QueryCommand, out: &mut impl Write) -> Result<(), QueryError> {
    let AgentArgs { snmp, target } = command.agent();
    let security = snmp.security()?;
    let addr = target.resolve()?;
    let format = snmp.format();
    let request_err = |error: client::Error| QueryError::Request {
        error,
        target: target.to_string(),
    };
    let client = Client::builder()
        .retry_policy(snmp.retry_policy())
        .build()
        .await
        .map_err(request_err)?;
    let session = client.session(addr, security).map_err(request_err)?;
    let print = |out: &mut dyn Write, vbs: &[VarBind<'static>]| -> Result<(), QueryError> {
        for vb in vbs {
            write_varbind(out, format, vb).map_err(QueryError::Output)?;
        }
        Ok(())
    };
    match command {
        QueryCommand::Get(a) => {
            let vbs = session.get(&a.oids).await.map_err(request_err)?;
            print(out, &vbs)
        }
        QueryCommand::GetNext(a) => {
            let vbs = session.get_next(&a.oids).await.map_err(request_err)?;
            print(out, &vbs)
        }
        QueryCommand::GetBulk(a) => {
            let opts = BulkOptions::from_c_values(&a.bulk).map_err(QueryError::Bulk)?;
            let vbs = session
                .get_bulk(opts.non_repeaters, opts.max_repetitions, &a.oids)
                .await
                .map_err(request_err)?;
            print(out, &vbs)
        }
        QueryCommand::Set(a) => {
            let vbs = parse_varbind_triples(&a.assignments)?;
            let vbs = session.set(&vbs).await.map_err(request_err)?;
            print(out, &vbs)
        }
        QueryCommand::Walk(a) => {
            let walker = Walk::subtree(&a.root.0, WalkMode::GetNext).map_err(|source| {
                QueryError::Value(ValueError::Oid {
                    text: format!("{:?}", a.root.0),
                    source,
                })
            })?;
            walk(&session, walker, format, out)
                .await
                .map_err(|e| flatten_walk_error(e, request_err))
        }
        QueryCommand::BulkWalk(a) => {
            let opts = BulkOptions::from_c_values(&a.bulk).map_err(QueryError::Bulk)?;
            let mode = WalkMode::GetBulk {
                max_repetitions: opts.max_repetitions.max(1),
            };
            let walker = Walk::subtree(&a.root.0, mode).map_err(|source| {
                QueryError::Value(ValueError::Oid {
                    text: format!("{:?}", a.root.0),
                    source,
                })
            })?;
            walk(&session, walker, format, out)
                .await
                .map_err(|e| flatten_walk_error(e, request_err))
        }
    }
}

/// A walk's failure: the request's, or the output's.
enum WalkFailure {
    Request(client::Error),
    Output(io::Error),
}

fn flatten_walk_error(
    e: WalkFailure,
    request_err: impl Fn(client::Error) -> QueryError,
) -> QueryError {
    match e {
        WalkFailure::Request(e) => request_err(e),
        WalkFailure::Output(e) => QueryError::Output(e),
    }
}

/// Runs a walk, printing each answer's varbinds (and a terminating exception) as they come;
/// GETs the root when nothing was printed.
async fn walk(
    session: &Session,
    walk: Walk,
    format: Format,
    out: &mut impl Write,
) -> Result<(), WalkFailure> {
    let root = walk.root().clone();
    let mut printed = 0usize;
    let mut output: io::Result<()> = Ok(());
    let result = session
        .walk_with(walk, |step| {
            for vb in step.varbinds.iter().chain(step.end.as_ref()) {
                printed += 1;
                if output.is_ok() {
                    output = write_varbind(out, format, vb);
                }
            }
        })
        .await;
    output.map_err(WalkFailure::Output)?;
    result.map_err(WalkFailure::Request)?;
    if printed == 0 {
        // Like snmpwalk: the root may be an instance itself.
        match session
            .exchange(manager::Request::Get(vec![root.clone()]))
            .await
        {
            Ok(response) if response.error_status == ErrorStatus::NoError => {
                for vb in &response.varbinds {
                    write_varbind(out, format, vb).map_err(WalkFailure::Output)?;
                }
            }
            Ok(_) => {}
            Err(e) => return Err(WalkFailure::Request(e)),
        }
    }
    Ok(())
}
