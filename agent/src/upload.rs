//! `fleetwire upload`: queue payloads in a durable spool and upload them over HTTPS, with
//! [`fleetwire_transport`].
//!
//! | Command | What |
//! |---|---|
//! | `upload enqueue --spool DIR FILE...` | copies each file into the spool (durable once the command returns) |
//! | `upload flush --spool DIR --url URL ...` | uploads everything pending with `POST`, in order, each with its `Idempotency-Key` |
//! | `upload status --spool DIR` | lists the pending payloads (key, size, age) and the dead letters with their reasons |
//!
//! Each command is a function writing to any [`Write`], so it can be run and tested without a
//! process; [`run`] dispatches one parsed [`UploadCommand`].
//!
//! # The allowlist
//!
//! Every request URL is checked against an allowlist before any connection is made (see
//! [`fleetwire_transport::allowlist`]). With `--allow`, the rules are exactly the ones given.
//! Without, the only rule is the `--url` itself, without its query: its origin (`https`, host,
//! port) and its path as a prefix on a segment boundary. `--url https://rs.example.com/upload`
//! therefore allows `https://rs.example.com/upload` and `https://rs.example.com/upload/...`,
//! and nothing else. `flush` checks `--url` against the allowlist before opening the spool.
//!
//! # Secrets
//!
//! The password (`--password`) and a proxy URL with credentials (`--proxy`) are held in
//! zeroized memory and never printed: not in output, not in error messages, not in `Debug`.
//! `--url` may not carry credentials (`https://user:pass@...`); use `--user` and `--password`.
//!
//! ```
//! use fleetwire::upload::{EnqueueArgs, StatusArgs, enqueue, status};
//!
//! let dir = tempfile::tempdir()?;
//! let file = dir.path().join("meters.xml");
//! std::fs::write(&file, "<meters/>")?;
//! let spool = dir.path().join("spool");
//!
//! let mut out = Vec::new();
//! enqueue(&EnqueueArgs { spool: spool.clone(), files: vec![file] }, &mut out)?;
//! let mut out = Vec::new();
//! status(&StatusArgs { spool }, std::time::SystemTime::now(), &mut out)?;
//! let text = String::from_utf8(out)?;
//! assert!(text.contains("1 pending (9 bytes"), "{text}");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fmt;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::{Duration, SystemTime};

use fleetwire_transport::tls::{ClientIdentity, Roots};
use fleetwire_transport::{
    Allowlist, Client, ClientOptions, ConfigError, Credentials, FlushOptions, Progress,
    ProxyConfig, Spool, SpoolError, SpoolOptions, TransportError, Uploader,
};
use thiserror::Error;
use zeroize::Zeroizing;

/// The `fleetwire upload` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum UploadCommand {
    /// Queue files for upload. Each file is copied into the spool; once the command returns,
    /// the copy survives a crash or power loss.
    Enqueue(EnqueueArgs),
    /// Upload everything pending with POST. Exit status 0 when nothing is pending afterwards.
    Flush(FlushArgs),
    /// List the pending payloads (key, size, age) and the dead letters with their reasons.
    Status(StatusArgs),
}

/// Arguments of `fleetwire upload enqueue`.
#[derive(Debug, Clone, clap::Args)]
pub struct EnqueueArgs {
    /// The spool directory (created if needed).
    #[arg(long, value_name = "DIR")]
    pub spool: PathBuf,
    /// The files to queue, in upload order.
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,
}

/// Arguments of `fleetwire upload status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// The spool directory (it must exist).
    #[arg(long, value_name = "DIR")]
    pub spool: PathBuf,
}

/// Arguments of `fleetwire upload flush`.
#[derive(Debug, Clone, clap::Args)]
pub struct FlushArgs {
    /// The spool directory (it must exist).
    #[arg(long, value_name = "DIR")]
    pub spool: PathBuf,
    /// Where to POST each payload: an https URL without credentials.
    #[arg(long, value_name = "URL")]
    pub url: String,
    /// CA certificates (PEM) to validate the server with, instead of the Mozilla roots.
    #[arg(long, value_name = "PEM")]
    pub ca: Option<PathBuf>,
    /// Client certificate chain (PEM) for TLS client authentication.
    #[arg(long, value_name = "PEM", requires = "client_key")]
    pub client_cert: Option<PathBuf>,
    /// The client certificate's private key (PEM).
    #[arg(long, value_name = "PEM", requires = "client_cert")]
    pub client_key: Option<PathBuf>,
    /// User name for HTTP Basic authentication.
    #[arg(long, value_name = "USER", requires = "password")]
    pub user: Option<String>,
    /// Password for HTTP Basic authentication (never printed).
    #[arg(
        long,
        value_name = "PASSWORD",
        requires = "user",
        allow_hyphen_values = true
    )]
    pub password: Option<Secret>,
    /// An explicit `http://[user:pass@]host:port` proxy (HTTPS goes through CONNECT). Without
    /// it, HTTPS_PROXY / ALL_PROXY and NO_PROXY are honoured.
    #[arg(long, value_name = "URL", allow_hyphen_values = true)]
    pub proxy: Option<Secret>,
    /// Allow requests to URLs under this `https://host[:port][/path-prefix]` (repeatable).
    /// Default: the --url itself (its origin and path, as a prefix).
    #[arg(long = "allow", value_name = "URL-PREFIX")]
    pub allow: Vec<String>,
}

/// A secret option value (a password, a proxy URL with credentials): zeroized on drop, and
/// `Debug` never shows it.
#[derive(Clone)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// The secret itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl FromStr for Secret {
    type Err = std::convert::Infallible;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Self(Zeroizing::new(s.to_owned())))
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

/// Why an upload command failed.
#[derive(Debug, Error)]
pub enum UploadError {
    /// The arguments do not make sense together (exit status 2).
    #[error("{0}")]
    Usage(String),
    /// `--url` is not allowed by the allowlist, or not https (exit status 2).
    #[error("{0}; no connection was made")]
    Refused(TransportError),
    /// A certificate, key, proxy or allowlist rule could not be used (exit status 2).
    #[error("{0}")]
    Config(#[from] ConfigError),
    /// `flush` or `status` on a directory that does not exist.
    #[error("no spool at {0}: the directory does not exist")]
    NoSpool(PathBuf),
    /// A file to enqueue is missing or not a regular file; nothing was queued.
    #[error("{path}: {reason}; nothing was queued")]
    Input {
        /// The file as given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A spool operation failed.
    #[error("{source}{}", queued_note(*.queued))]
    Spool {
        /// Files queued by this command before the failure (`enqueue`).
        queued: usize,
        /// The spool error.
        #[source]
        source: SpoolError,
    },
    /// `flush` ended with payloads still pending.
    #[error("{reason}; {remaining} payload{} still pending in {} ({uploaded} uploaded)", plural(*.remaining), .spool.display())]
    Incomplete {
        /// Why the flush stopped (the transport error, with a hint when there is one).
        reason: String,
        /// Payloads uploaded before it stopped.
        uploaded: u64,
        /// Payloads still pending.
        remaining: usize,
        /// The spool directory.
        spool: PathBuf,
    },
    /// Writing to stdout or stderr failed.
    #[error("writing output: {0}")]
    Output(#[from] io::Error),
}

impl UploadError {
    /// The process exit status for this error: 2 for usage and configuration errors (fix
    /// the command line), 1 for the rest.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Usage(_) | Self::Refused(_) | Self::Config(_) => 2,
            _ => 1,
        }
    }
}

fn queued_note(queued: usize) -> String {
    if queued == 0 {
        String::new()
    } else {
        format!(" ({queued} file{} before it queued)", plural(queued))
    }
}

fn plural(n: usize) -> &'static str {
    if n == 1 { "" } else { "s" }
}

fn spool_err(source: SpoolError) -> UploadError {
    UploadError::Spool { queued: 0, source }
}

/// Runs one upload command. `progress` writes a progress line to `err` after each payload
/// (pass `true` only when `err` is a terminal).
pub fn run(
    command: &UploadCommand,
    out: &mut dyn Write,
    err: &mut dyn Write,
    progress: bool,
) -> Result<(), UploadError> {
    match command {
        UploadCommand::Enqueue(args) => enqueue(args, out),
        UploadCommand::Status(args) => status(args, SystemTime::now(), out),
        UploadCommand::Flush(args) => flush(args, out, err, progress),
    }
}

/// `fleetwire upload enqueue`: checks that every file is a readable regular file, then queues
/// them in order, printing `FILE: queued as KEY (N bytes)` for each.
pub fn enqueue(args: &EnqueueArgs, out: &mut dyn Write) -> Result<(), UploadError> {
    if args.files.is_empty() {
        return Err(UploadError::Usage(
            "enqueue needs at least one FILE".to_owned(),
        ));
    }
    // A typo in the last of several files should not leave the first ones queued.
    for path in &args.files {
        match std::fs::metadata(path) {
            Ok(m) if m.is_file() => {}
            Ok(_) => {
                return Err(UploadError::Input {
                    path: path.clone(),
                    reason: "not a regular file".to_owned(),
                });
            }
            Err(e) => {
                return Err(UploadError::Input {
                    path: path.clone(),
                    reason: e.to_string(),
                });
            }
        }
    }
    let mut spool = Spool::open(&args.spool, SpoolOptions::default()).map_err(spool_err)?;
    for (queued, path) in args.files.iter().enumerate() {
        let entry = spool
            .enqueue_file(path)
            .map_err(|source| UploadError::Spool { queued, source })?;
        writeln!(
            out,
            "{}: queued as {} ({} bytes)",
            path.display(),
            entry.key,
            entry.size
        )?;
    }
    Ok(())
}

fn open_existing(dir: &Path) -> Result<Spool, UploadError> {
    if !dir.is_dir() {
        return Err(UploadError::NoSpool(dir.to_owned()));
    }
    Spool::open(dir, SpoolOptions::default()).map_err(spool_err)
}

/// `fleetwire upload status`: a summary line, then the pending payloads in upload order
/// (key, size in bytes, age) and the dead letters (key, size, age, reason). Ages are counted
/// from `now` to the time the payload was queued.
pub fn status(args: &StatusArgs, now: SystemTime, out: &mut dyn Write) -> Result<(), UploadError> {
    let spool = open_existing(&args.spool)?;
    let dead = spool.dead_letters().map_err(spool_err)?;
    let st = spool.status();
    let dir = args.spool.display();
    if st.pending.is_empty() && dead.is_empty() {
        writeln!(out, "spool {dir}: nothing pending, no dead letters")?;
        return Ok(());
    }
    writeln!(
        out,
        "spool {dir}: {} pending ({} bytes of a {}-byte cap), {} dead letter{}",
        st.pending.len(),
        st.pending_bytes,
        st.max_bytes,
        dead.len(),
        plural(dead.len())
    )?;
    if !st.pending.is_empty() {
        writeln!(out, "pending, in upload order:")?;
        writeln!(out, "  {:<32}  {:>10}  {:>6}", "KEY", "BYTES", "AGE")?;
        let pending_dir = spool.dir().join("pending");
        for e in &st.pending {
            let age = age(&pending_dir.join(&e.file_name), now);
            writeln!(out, "  {:<32}  {:>10}  {:>6}", e.key, e.size, age)?;
        }
    }
    if !dead.is_empty() {
        writeln!(out, "dead letters (not retried):")?;
        writeln!(
            out,
            "  {:<32}  {:>10}  {:>6}  REASON",
            "KEY", "BYTES", "AGE"
        )?;
        for d in &dead {
            let name = d
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            // `<seq>-<key>-<sha256>.fwp`; anything else was moved here as unrecognised.
            let key = match name.split('-').nth(1) {
                Some(k) if k.len() == 32 => k.to_owned(),
                _ => name.clone(),
            };
            let size = std::fs::metadata(&d.path).map(|m| m.len()).unwrap_or(0);
            writeln!(
                out,
                "  {:<32}  {:>10}  {:>6}  {}",
                key,
                size,
                age(&d.path, now),
                one_line(&d.reason)
            )?;
        }
    }
    Ok(())
}

/// The age of a file (since its last modification, which for spool files is when the payload
/// was queued), as `42s`, `17m`, `5h` or `3d`; `?` when unknown.
fn age(path: &Path, now: SystemTime) -> String {
    let Ok(modified) = std::fs::metadata(path).and_then(|m| m.modified()) else {
        return "?".to_owned();
    };
    format_age(now.duration_since(modified).unwrap_or(Duration::ZERO))
}

/// `42s`, `17m`, `5h`, `3d` (rounded down).
pub fn format_age(age: Duration) -> String {
    let s = age.as_secs();
    match s {
        0..60 => format!("{s}s"),
        60..3600 => format!("{}m", s / 60),
        3600..86400 => format!("{}h", s / 3600),
        _ => format!("{}d", s / 86400),
    }
}

/// A server-provided reason on one line, without control characters.
fn one_line(reason: &str) -> String {
    let cleaned: String = reason
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect();
    cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The allowlist rule used when no `--allow` is given: the URL without its query or fragment.
pub fn default_allow_rule(url: &str) -> &str {
    let end = url.find(['?', '#']).unwrap_or(url.len());
    url.get(..end).unwrap_or(url)
}

/// True when the URL has user information (`scheme://user[:pass]@host`).
pub fn has_userinfo(url: &str) -> bool {
    let Some(rest) = url.split_once("://").map(|(_, r)| r) else {
        return false;
    };
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    rest.get(..authority_end).is_some_and(|a| a.contains('@'))
}

/// The client options for `flush`, from the arguments. Checks `--url` against the allowlist;
/// no connection is made.
pub fn client_options(args: &FlushArgs) -> Result<ClientOptions, UploadError> {
    if has_userinfo(&args.url) {
        return Err(UploadError::Usage(
            "--url must not contain credentials; use --user and --password".to_owned(),
        ));
    }
    let allowlist = if args.allow.is_empty() {
        Allowlist::new([default_allow_rule(&args.url)])?
    } else {
        Allowlist::new(&args.allow)?
    };
    let mut options = ClientOptions {
        allowlist,
        ..ClientOptions::default()
    };
    options
        .allowlist
        .check(&args.url)
        .map_err(UploadError::Refused)?;
    if let Some(ca) = &args.ca {
        options.tls.roots = Roots::from_pem_file(ca)?;
    }
    match (&args.client_cert, &args.client_key) {
        (Some(cert), Some(key)) => {
            options.tls.identity = Some(ClientIdentity::from_pem_files(cert, key)?);
        }
        (None, None) => {}
        _ => {
            return Err(UploadError::Usage(
                "--client-cert and --client-key go together".to_owned(),
            ));
        }
    }
    match (&args.user, &args.password) {
        (Some(user), Some(password)) => {
            options.credentials = Credentials::Basic {
                user: user.clone(),
                password: password.0.clone(),
            };
        }
        (None, None) => {}
        _ => {
            return Err(UploadError::Usage(
                "--user and --password go together".to_owned(),
            ));
        }
    }
    options.proxy = match &args.proxy {
        Some(p) => ProxyConfig::Url(p.0.clone()),
        None => ProxyConfig::FromEnv,
    };
    Ok(options)
}

/// What to do about a transport error, when there is an obvious fix.
fn hint(e: &TransportError) -> Option<&'static str> {
    Some(match e {
        TransportError::UnknownIssuer { .. } => "check --ca",
        TransportError::HostnameMismatch { .. } => "check the host name in --url",
        TransportError::ClientCertificateRequired { .. } => "give --client-cert and --client-key",
        TransportError::ClientCertificateRejected { .. } => "check --client-cert and --client-key",
        TransportError::ProxyAuthentication { .. } => "check the credentials in --proxy",
        TransportError::NotAllowed { .. } => "add an --allow rule covering it",
        _ => return None,
    })
}

/// `fleetwire upload flush`: uploads everything pending, prints one summary line on `out`,
/// and succeeds when nothing is pending afterwards. With `progress`, a progress line is
/// rewritten on `err` after each payload. Payloads the server refused for good (4xx) are moved
/// to the dead letters, reported by a `warning:` on `err`, and do not count as pending.
pub fn flush(
    args: &FlushArgs,
    out: &mut dyn Write,
    err: &mut dyn Write,
    progress: bool,
) -> Result<(), UploadError> {
    let options = client_options(args)?;
    let client = Client::new(&options)?;
    let mut spool = open_existing(&args.spool)?;
    let uploader = Uploader::new(client, args.url.clone());
    let mut progress_failed = None;
    let mut on_progress = |p: Progress| {
        if progress && progress_failed.is_none() {
            let line = write!(
                err,
                "\r{}/{} payloads, {}/{} bytes",
                p.done, p.total, p.bytes_done, p.bytes_total
            )
            .and_then(|()| err.flush());
            progress_failed = line.err();
        }
    };
    let result = uploader.flush_with(
        &mut spool,
        &FlushOptions::default(),
        &mut on_progress,
        &mut std::thread::sleep,
    );
    if progress {
        writeln!(err)?;
    }
    if let Some(e) = progress_failed {
        return Err(UploadError::Output(e));
    }
    let counters = spool.counters();
    let report = match result {
        Ok(report) => report,
        Err(SpoolError::Transport { source, .. }) => {
            let reason = match hint(&source) {
                Some(h) => format!("{source} ({h})"),
                None => source.to_string(),
            };
            let _ = spool.rescan();
            return Err(UploadError::Incomplete {
                reason,
                uploaded: counters.completed,
                remaining: spool.pending().len(),
                spool: args.spool.clone(),
            });
        }
        Err(e) => return Err(spool_err(e)),
    };
    writeln!(
        out,
        "{} uploaded, {} dead-lettered, {} retries, {} pending",
        report.uploaded, report.dead_lettered, report.retries, report.remaining
    )?;
    if report.dead_lettered > 0 {
        writeln!(
            err,
            "warning: the server refused {} payload{} for good; moved to the dead letters (see `fleetwire upload status`)",
            report.dead_lettered,
            plural(report.dead_lettered)
        )?;
    }
    if report.remaining == 0 {
        return Ok(());
    }
    Err(UploadError::Incomplete {
        reason: report
            .stopped
            .unwrap_or_else(|| "flush ended early".to_owned()),
        uploaded: counters.completed,
        remaining: report.remaining,
        spool: args.spool.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_rule_drops_query_and_fragment() {
        assert_eq!(
            default_allow_rule("https://h:8443/up?x=1#f"),
            "https://h:8443/up"
        );
        assert_eq!(default_allow_rule("https://h/up"), "https://h/up");
    }

    #[test]
    fn userinfo_is_detected_in_the_authority_only() {
        assert!(has_userinfo("https://u:p@h/up"));
        assert!(has_userinfo("https://u@h"));
        assert!(!has_userinfo("https://h/up?mail=a@b"));
        assert!(!has_userinfo("https://h/a@b"));
    }

    #[test]
    fn ages() {
        assert_eq!(format_age(Duration::from_secs(59)), "59s");
        assert_eq!(format_age(Duration::from_secs(61)), "1m");
        assert_eq!(format_age(Duration::from_secs(7200)), "2h");
        assert_eq!(format_age(Duration::from_secs(3 * 86400 + 5)), "3d");
    }

    #[test]
    fn reasons_are_one_line() {
        assert_eq!(
            one_line("HTTP 400:\n bad\tpayload\x1b[31m"),
            "HTTP 400: bad payload [31m"
        );
    }

    #[test]
    fn secrets_are_not_in_debug() {
        let s: Secret = "hunter2".parse().unwrap_or_else(|e| match e {});
        assert!(!format!("{s:?}").contains("hunter2"));
        assert_eq!(s.expose(), "hunter2");
    }
}
