//! The `fleetwire` command-line tool.
#![forbid(unsafe_code)]

use std::io::{self, Write};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use fleetwire::decode::{self, DecodeArgs, DecodeCommandError};

/// Fleetwire: SNMP tooling for print fleets.
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
}

fn main() -> ExitCode {
    // clap exits with status 2 on usage errors.
    let cli = Cli::parse();
    match cli.command {
        Command::Decode(args) => run_decode(&args),
    }
}

fn run_decode(args: &DecodeArgs) -> ExitCode {
    let Some(input) = args.input.input() else {
        eprintln!("error: one of --hex, --file or --pcap is required");
        return ExitCode::from(2);
    };
    let stdout = io::stdout();
    let stderr = io::stderr();
    let mut out = stdout.lock();
    let mut err = stderr.lock();
    let result = decode::run(&input, args.options(), &mut out, &mut err);
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
