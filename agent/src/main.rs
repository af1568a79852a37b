//! The `fleetwire` command-line tool.
#![forbid(unsafe_code)]

use std::io::{self, IsTerminal as _, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fleetwire::agent::{self as fw_agent, AgentCommand, AgentError};
use fleetwire::collect::{self, CollectArgs};
use fleetwire::decode::{self, DecodeArgs, DecodeCommandError};
use fleetwire::demo::{self, DemoArgs};
use fleetwire::notify::{self, ListenArgs, NotifyArgs};
use fleetwire::payload::{self, PayloadCommand, PayloadError};
use fleetwire::query::{
    self, BulkWalkArgs, GetArgs, GetBulkArgs, QueryCommand, QueryError, SetArgs, WalkArgs,
};
use fleetwire::report::{self, ReportArgs};
use fleetwire::server::serve::{self, ServeArgs};
use fleetwire::simulate::{self, SimulateArgs};
use fleetwire::snmp_args::normalize_argv;
use fleetwire::upload::{self, UploadCommand, UploadError};
use fleetwire::usm::UsmDecoder;
use fleetwire_snmp::notification::NotificationKind;

/// Fleetwire: SNMP tooling and upload for print fleets.
#[derive(Debug, Parser)]
#[command(name = "fleetwire", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Decode SNMP messages from hex, a raw file or a pcap/pcapng capture.
    Decode(DecodeArgs),
    /// Queue payloads in a durable spool and upload them over HTTPS.
    #[command(subcommand)]
    Upload(UploadCommand),
    /// SNMP GET, with net-snmp's options and output (snmpget).
    Get(GetArgs),
    /// SNMP GETNEXT (snmpgetnext).
    #[command(name = "getnext")]
    GetNext(GetArgs),
    /// SNMP GETBULK (snmpbulkget).
    #[command(name = "getbulk")]
    GetBulk(GetBulkArgs),
    /// SNMP SET: OID TYPE VALUE... (snmpset).
    Set(SetArgs),
    /// Walk a subtree with GETNEXT (snmpwalk).
    Walk(WalkArgs),
    /// Walk a subtree with GETBULK (snmpbulkwalk).
    #[command(name = "bulkwalk")]
    BulkWalk(BulkWalkArgs),
    /// Send a Trap (snmptrap): -v 1 HOST ENTERPRISE AGENT-ADDR GENERIC SPECIFIC UPTIME
    /// [OID TYPE VALUE]..., -v 2c/3 HOST UPTIME TRAP-OID [OID TYPE VALUE]...
    Trap(NotifyArgs),
    /// Send an Inform and wait for its acknowledgement (snmpinform): -v 2c/3 HOST UPTIME
    /// TRAP-OID [OID TYPE VALUE]...
    Inform(NotifyArgs),
    /// Receive Traps and Informs (v1, v2c, v3) and print one line (or JSON object) each.
    Listen(ListenArgs),
    /// Read one printer (system, host resources, Printer-MIB, PWG and vendor counters) and
    /// print its snapshot: a summary, --json, or --xml KIND.
    Collect(CollectArgs),
    /// Build, inspect and validate payload packages (typed XML + zip).
    #[command(subcommand)]
    Payload(PayloadCommand),
    /// Serve .snmprec recordings as simulated printers (one port, or one port per device).
    Simulate(SimulateArgs),
    /// The fleet audit (HTML or CSV) from a directory of collector snapshots.
    Report(ReportArgs),
    /// The reference agent: discovery, collection, payloads, upload, signed actions.
    #[command(subcommand)]
    Agent(AgentCommand),
    /// Everything on loopback in one process: simulated printers, the embedded HTTPS server,
    /// a raw print listener and the agent, end to end; prints a summary, writes a report.
    Demo(DemoArgs),
    /// Run the embedded remote-services server (HTTPS, client certificates) until stopped.
    Serve(ServeArgs),
}

fn main() -> ExitCode {
    // clap exits with status 2 on usage errors.
    // net-snmp's `-Cn 5` is joined into `-Cn5` first.
    let cli = Cli::parse_from(normalize_argv(std::env::args_os()));
    match cli.command {
        Command::Decode(args) => run_decode(&args),
        Command::Upload(command) => run_upload(&command),
        Command::Get(a) => run_query(&QueryCommand::Get(a)),
        Command::GetNext(a) => run_query(&QueryCommand::GetNext(a)),
        Command::GetBulk(a) => run_query(&QueryCommand::GetBulk(a)),
        Command::Set(a) => run_query(&QueryCommand::Set(a)),
        Command::Walk(a) => run_query(&QueryCommand::Walk(a)),
        Command::BulkWalk(a) => run_query(&QueryCommand::BulkWalk(a)),
        Command::Trap(a) => run_notify(NotificationKind::Trap, &a),
        Command::Inform(a) => run_notify(NotificationKind::Inform, &a),
        Command::Listen(a) => run_listen(&a),
        Command::Payload(command) => run_payload(&command),
        Command::Simulate(args) => run_simulate(&args),
        Command::Collect(args) => run_collect(&args),
        Command::Report(args) => run_report(&args),
        Command::Agent(command) => run_agent(&command),
        Command::Demo(args) => run_demo(&args),
        Command::Serve(args) => run_serve(&args),
    }
}

/// What `main` needs of a command's error: its exit status, and whether it was standard
/// output going away (`fleetwire walk ... | head`), which ends the command successfully.
trait CommandError: std::fmt::Display {
    fn exit_code(&self) -> u8;
    fn output_error(&self) -> Option<&io::Error>;
}

/// `CommandError` for error enums with an `exit_code` method and an `Output(io::Error)`
/// variant.
macro_rules! command_error {
    ($($ty:ty),* $(,)?) => {$(
        impl CommandError for $ty {
            fn exit_code(&self) -> u8 {
                <$ty>::exit_code(self)
            }
            fn output_error(&self) -> Option<&io::Error> {
                match self {
                    Self::Output(e) => Some(e),
                    _ => None,
                }
            }
        }
    )*};
}

command_error!(
    QueryError,
    PayloadError,
    UploadError,
    collect::CollectCommandError,
    report::ReportError,
    notify::ListenError,
);

/// The exit status of a command's result; the error, if any, goes to standard error after
/// `prefix`.
fn finish<E: CommandError>(result: Result<(), E>, prefix: &str) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if e.output_error().map(io::Error::kind) == Some(io::ErrorKind::BrokenPipe) => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{prefix}: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run_simulate(args: &SimulateArgs) -> ExitCode {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: starting the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let mut out = io::stdout();
    let shutdown = async {
        // Serve until Ctrl-C (or SIGTERM's default action ends the process).
        let _ = tokio::signal::ctrl_c().await;
    };
    match runtime.block_on(simulate::run(args, &mut out, shutdown)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_notify(kind: NotificationKind, args: &NotifyArgs) -> ExitCode {
    match notify::run_notify(kind, args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleetwire {}: {e}", kind.name());
            ExitCode::from(e.exit_code())
        }
    }
}

fn run_listen(args: &ListenArgs) -> ExitCode {
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    finish(
        notify::run_listen(args, &mut out, &mut err),
        "fleetwire listen",
    )
}

fn run_collect(args: &CollectArgs) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = collect::run(args, &mut out);
    let flushed = out.flush().map_err(collect::CollectCommandError::Output);
    finish(result.and(flushed), "fleetwire collect")
}

fn run_query(command: &QueryCommand) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = query::run(command, &mut out);
    let flushed = out.flush().map_err(QueryError::Output);
    finish(
        result.and(flushed),
        &format!("fleetwire {}", command.name()),
    )
}

fn run_payload(command: &PayloadCommand) -> ExitCode {
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let result = payload::run(command, &mut out, &mut err);
    let flushed = out.flush().map_err(PayloadError::Output);
    finish(result.and(flushed), "error")
}

fn run_serve(args: &ServeArgs) -> ExitCode {
    match serve::start(args, &mut io::stdout()) {
        // Serves on its own threads until the process is stopped.
        Ok(_server) => loop {
            std::thread::park();
        },
        Err(e) => {
            eprintln!("fleetwire serve: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_report(args: &ReportArgs) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = report::run(args, &mut out);
    let flushed = out.flush().map_err(report::ReportError::Output);
    finish(result.and(flushed).map(|_| ()), "fleetwire report")
}

fn run_upload(command: &UploadCommand) -> ExitCode {
    let stdout = io::stdout();
    let stderr = io::stderr();
    // Progress only for people watching: never into a log file or a pipe.
    let progress = stderr.is_terminal();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let result = upload::run(command, &mut out, &mut err, progress);
    let flushed = out.flush().map_err(UploadError::Output);
    finish(result.and(flushed), "error")
}

fn run_decode(args: &DecodeArgs) -> ExitCode {
    let Some(input) = args.input.input() else {
        eprintln!("error: one of --hex, --file or --pcap is required");
        return ExitCode::from(2);
    };
    // Password-to-key runs here, once per password. The messages name the option, never
    // the password.
    let user = match args.usm.user() {
        Ok(user) => user,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let result = match user {
        Some(user) => {
            let mut usm = UsmDecoder::new(user);
            decode::run_with_usm(&input, args.options(), &mut usm, &mut out, &mut err)
        }
        None => decode::run(&input, args.options(), &mut out, &mut err),
    };
    let flushed = out.flush();
    match result.and_then(|summary| {
        flushed
            .map(|()| summary)
            .map_err(DecodeCommandError::Output)
    }) {
        Ok(summary) if summary.success() => ExitCode::SUCCESS,
        Ok(_) => ExitCode::FAILURE,
        // `fleetwire decode ... | head`: the reader went away; not an error worth a message.
        Err(DecodeCommandError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Logs to standard error (`RUST_LOG`, default `info`; `warn` for the demo's quiet output).
fn init_tracing(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(io::stderr)
        .with_ansi(io::stderr().is_terminal())
        .try_init();
}

fn runtime() -> Result<tokio::runtime::Runtime, ExitCode> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| {
            eprintln!("error: starting the runtime: {e}");
            ExitCode::FAILURE
        })
}

/// Resolves on Ctrl-C or SIGTERM.
async fn shutdown_signal() {
    let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()).ok();
    let term = async {
        match term.as_mut() {
            Some(t) => {
                t.recv().await;
            }
            None => std::future::pending::<()>().await,
        }
    };
    tokio::select! {
        _ = tokio::signal::ctrl_c() => {}
        () = term => {}
    }
}

fn run_agent(command: &AgentCommand) -> ExitCode {
    let path = match command {
        AgentCommand::Run(a) => &a.config,
        AgentCommand::SyncNow(a) => &a.config,
        AgentCommand::Status(a) => &a.config,
    };
    let config = match fw_agent::AgentConfig::load(path) {
        Ok(c) => std::sync::Arc::new(c),
        Err(e) => {
            eprintln!("fleetwire agent: {e}");
            return ExitCode::from(2);
        }
    };
    let stdout = io::stdout();
    let mut out = stdout.lock();
    let result: Result<(), AgentError> = match command {
        AgentCommand::Status(a) => fw_agent::status(&config, a.json, &mut out),
        AgentCommand::Run(_) => {
            init_tracing("info");
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(code) => return code,
            };
            let result = rt.block_on(fw_agent::run(
                config,
                fw_agent::snmp_collector(),
                shutdown_signal(),
            ));
            // An upload cut short by the shutdown may still be sleeping in a blocking task:
            // what it had not sent stays in the spool.
            rt.shutdown_timeout(std::time::Duration::from_secs(1));
            result
        }
        AgentCommand::SyncNow(a) => {
            init_tracing("warn");
            let rt = match runtime() {
                Ok(rt) => rt,
                Err(code) => return code,
            };
            rt.block_on(fw_agent::sync_now(
                config,
                fw_agent::snmp_collector(),
                std::time::Duration::from_secs(a.wait),
                &mut out,
            ))
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleetwire agent: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run_demo(args: &DemoArgs) -> ExitCode {
    init_tracing("warn");
    let rt = match runtime() {
        Ok(rt) => rt,
        Err(code) => return code,
    };
    let mut err = io::stderr();
    let progress = err.is_terminal();
    match rt.block_on(demo::run(args, &mut err, progress)) {
        Ok((summary, _server)) => {
            let stdout = io::stdout();
            let mut out = stdout.lock();
            match demo::print_summary(&summary, &mut out) {
                Ok(()) => ExitCode::SUCCESS,
                Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("fleetwire demo: writing output: {e}");
                    ExitCode::FAILURE
                }
            }
        }
        Err(e) => {
            eprintln!("fleetwire demo: {e}");
            ExitCode::FAILURE
        }
    }
}
