//! The `fleetwire upload` commands as a small program over the library API (the agent's CLI
//! wires the same calls).
//!
//! ```text
//! cargo run -p fleetwire-transport --example upload -- enqueue --spool DIR FILE...
//! cargo run -p fleetwire-transport --example upload -- status --spool DIR
//! cargo run -p fleetwire-transport --example upload -- flush --spool DIR --url URL [--ca PEM]
//!     [--client-cert PEM --client-key PEM] [--user U --password P] [--proxy URL]
//!     [--allow URL-PREFIX]...
//! ```
//!
//! `flush` exits 0 when the spool is empty afterwards, 1 otherwise. Without `--allow`, the
//! upload URL itself is the only allowlist entry.
//!
//! Upload with a client certificate through an authenticating proxy (HTTPS goes through
//! `CONNECT`; TLS, and the client certificate, stay end to end with the server):
//!
//! ```text
//! cargo run -p fleetwire-transport --example upload -- flush --spool /tmp/spool \
//!     --url https://rs.example.com/upload --ca ca.pem \
//!     --client-cert device.pem --client-key device.key \
//!     --proxy http://fleet:secret@proxy.example.com:3128
//! ```
//!
//! `tests/proxy.rs` (`spool_upload_with_a_client_certificate_through_the_proxy`) runs these
//! same calls against tinyproxy and a server that requires client certificates.

use std::io::IsTerminal as _;
use std::process::ExitCode;

use fleetwire_transport::tls::{ClientIdentity, Roots};
use fleetwire_transport::{
    Allowlist, Client, ClientOptions, Credentials, FlushOptions, ProxyConfig, Spool, SpoolOptions,
    Uploader,
};
use zeroize::Zeroizing;

type Error = Box<dyn std::error::Error>;

#[derive(Default)]
struct Args {
    command: String,
    spool: Option<String>,
    url: Option<String>,
    ca: Option<String>,
    client_cert: Option<String>,
    client_key: Option<String>,
    user: Option<String>,
    password: Option<Zeroizing<String>>,
    proxy: Option<Zeroizing<String>>,
    allow: Vec<String>,
    files: Vec<String>,
}

fn parse(mut it: impl Iterator<Item = String>) -> Result<Args, Error> {
    let mut a = Args {
        command: it
            .next()
            .ok_or("missing command: enqueue, flush or status")?,
        ..Args::default()
    };
    while let Some(arg) = it.next() {
        let mut value = || it.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--spool" => a.spool = Some(value()?),
            "--url" => a.url = Some(value()?),
            "--ca" => a.ca = Some(value()?),
            "--client-cert" => a.client_cert = Some(value()?),
            "--client-key" => a.client_key = Some(value()?),
            "--user" => a.user = Some(value()?),
            "--password" => a.password = Some(Zeroizing::new(value()?)),
            "--proxy" => a.proxy = Some(Zeroizing::new(value()?)),
            "--allow" => a.allow.push(value()?),
            s if s.starts_with("--") => return Err(format!("unknown option {s}").into()),
            _ => a.files.push(arg),
        }
    }
    Ok(a)
}

fn run() -> Result<bool, Error> {
    let args = parse(std::env::args().skip(1))?;
    let dir = args.spool.as_deref().ok_or("--spool DIR is required")?;
    let mut spool = Spool::open(dir, SpoolOptions::default())?;
    match args.command.as_str() {
        "enqueue" => {
            if args.files.is_empty() {
                return Err("enqueue needs at least one FILE".into());
            }
            for f in &args.files {
                let e = spool.enqueue_file(f)?;
                println!("{f}: queued as {} ({} bytes)", e.key, e.size);
            }
            Ok(true)
        }
        "status" => {
            let s = spool.status();
            println!(
                "{} pending, {} bytes (cap {}), {} dead letters",
                s.pending.len(),
                s.pending_bytes,
                s.max_bytes,
                s.dead_letters
            );
            for e in &s.pending {
                println!("  {:>6}  {}  {} bytes", e.seq, e.key, e.size);
            }
            Ok(true)
        }
        "flush" => {
            let url = args.url.ok_or("--url URL is required")?;
            let mut options = ClientOptions::default();
            if let Some(ca) = &args.ca {
                options.tls.roots = Roots::from_pem_file(ca)?;
            }
            match (&args.client_cert, &args.client_key) {
                (Some(c), Some(k)) => {
                    options.tls.identity = Some(ClientIdentity::from_pem_files(c, k)?)
                }
                (None, None) => {}
                _ => return Err("--client-cert and --client-key go together".into()),
            }
            if let (Some(user), Some(password)) = (args.user, args.password) {
                options.credentials = Credentials::Basic { user, password };
            }
            options.proxy = match args.proxy {
                Some(p) => ProxyConfig::Url(p),
                None => ProxyConfig::FromEnv,
            };
            let allow = if args.allow.is_empty() {
                vec![url.clone()]
            } else {
                args.allow
            };
            options.allowlist = Allowlist::new(allow)?;
            let uploader = Uploader::new(Client::new(&options)?, url);
            let tty = std::io::stderr().is_terminal();
            let report = uploader.flush_with(
                &mut spool,
                &FlushOptions::default(),
                &mut |p| {
                    if tty {
                        eprint!(
                            "\r{}/{} payloads, {}/{} bytes",
                            p.done, p.total, p.bytes_done, p.bytes_total
                        );
                    }
                },
                &mut std::thread::sleep,
            )?;
            if tty {
                eprintln!();
            }
            println!(
                "{} uploaded, {} dead-lettered, {} retries, {} pending{}",
                report.uploaded,
                report.dead_lettered,
                report.retries,
                report.remaining,
                report
                    .stopped
                    .map(|s| format!(" ({s})"))
                    .unwrap_or_default()
            );
            Ok(report.remaining == 0)
        }
        other => Err(format!("unknown command {other}").into()),
    }
}

fn main() -> ExitCode {
    match run() {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::FAILURE,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::from(2)
        }
    }
}
