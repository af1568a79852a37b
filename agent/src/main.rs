//! The `fleetwire` command-line tool.
#![forbid(unsafe_code)]

use std::io::{self, IsTerminal as _, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fleetwire::decode::{self, DecodeArgs, DecodeCommandError};
use fleetwire::notify::{self, ListenArgs, NotifyArgs};
use fleetwire::payload::{self, PayloadCommand, PayloadError};
use fleetwire::query::{
    self, BulkWalkArgs, GetArgs, GetBulkArgs, QueryCommand, QueryError, SetArgs, WalkArgs,
};
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
    /// Build, inspect and validate payload packages (typed XML + zip).
    #[command(subcommand)]
    Payload(PayloadCommand),
    /// Serve .snmprec recordings as simulated printers (one port, or one port per device).
    Simulate(SimulateArgs),
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
    match notify::run_listen(args, &mut out, &mut err) {
        Ok(()) => ExitCode::SUCCESS,
        Err(notify::ListenError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => {
            ExitCode::SUCCESS
        }
        Err(e) => {
            let _ = writeln!(err, "fleetwire listen: {e}");
            ExitCode::from(e.exit_code())
        }
    }
}

fn run_query(command: &QueryCommand) -> ExitCode {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    let result = query::run(command, &mut out);
    let flushed = out.flush().map_err(QueryError::Output);
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(QueryError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("fleetwire {}: {e}", command.name());
            ExitCode::from(e.exit_code())
        }
    }
}

fn run_payload(command: &PayloadCommand) -> ExitCode {
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let result = payload::run(command, &mut out, &mut err);
    let flushed = out.flush().map_err(PayloadError::Output);
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(PayloadError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
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
    match result.and(flushed) {
        Ok(()) => ExitCode::SUCCESS,
        Err(UploadError::Output(e)) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
        Err(e) => {
            let _ = writeln!(err, "error: {e}");
            ExitCode::from(e.exit_code())
        }
    }
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
