//! `fleetwire demo`: the whole family working, on loopback, in one process, in seconds.
//!
//! 1. Simulated printers from the project's fixture recordings (embedded in the binary):
//!    half of them answer SNMPv2c only, the other half also an SNMPv3 authPriv user, on
//!    consecutive UDP ports of 127.0.0.1 ([`crate::simulate::fleet`]).
//! 2. The embedded HTTPS remote-services server (a CA generated at start, client
//!    certificate required), which validates every payload and queues signed actions.
//! 3. A raw print listener (TCP, standing in for port 9100) that records the jobs it gets.
//! 4. The real agent ([`crate::agent`]) configured from TOML text: discovery over the port
//!    range (the v3 credential first, then v2c), collection, office/production/agent payloads
//!    and site information, zip, spool, upload, action poll, a signed "print test page" and
//!    "get status", results uploaded.
//! 5. A summary (devices found, meters, supplies low, payloads accepted, actions) and an HTML
//!    report.

use std::io::Write;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use fleetwire_payload::{PayloadKind, Snapshot};
use fleetwire_snmp::snmprec::Recording;
use fleetwire_transport::action::ActionKind;
use tokio::io::AsyncReadExt as _;
use tokio::net::TcpListener;

use crate::agent::{AgentConfig, Step};
use crate::server::RemoteServices;
use crate::simulate::SimRecording;
use crate::simulate::fleet::{Fleet, FleetConfig, Layout};

/// The fixture recordings, embedded (community = name).
pub const RECORDINGS: [(&str, &str); 4] = [
    (
        "mailing_system",
        include_str!("../fixtures/recordings/mailing_system.snmprec"),
    ),
    (
        "office_colour_mfp",
        include_str!("../fixtures/recordings/office_colour_mfp.snmprec"),
    ),
    (
        "office_mono_printer",
        include_str!("../fixtures/recordings/office_mono_printer.snmprec"),
    ),
    (
        "production_colour_press",
        include_str!("../fixtures/recordings/production_colour_press.snmprec"),
    ),
];

/// The demo's SNMPv3 user (documented test credentials, loopback only).
pub const DEMO_V3_USER: (&str, &str, &str, &str, &str) = (
    "fleet",
    "SHA-256",
    "demo-auth-pass",
    "AES",
    "demo-priv-pass",
);

/// Arguments of `fleetwire demo`.
#[derive(Debug, Clone, clap::Args)]
pub struct DemoArgs {
    /// Simulated printers (at least 2: half v2c only, half with the v3 user too).
    #[arg(long, default_value_t = 4, value_parser = clap::value_parser!(u32).range(2..=1000))]
    pub devices: u32,
    /// Where to write the HTML report.
    #[arg(
        long,
        value_name = "FILE",
        default_value = "fleetwire-demo-report.html"
    )]
    pub report: PathBuf,
    /// Keep the agent's state (spool, snapshots, certificates) in this directory instead of a
    /// temporary one removed at the end.
    #[arg(long, value_name = "DIR")]
    pub keep: Option<PathBuf>,
}

/// Why the demo failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DemoError {
    /// Setting something up failed (what, and why).
    #[error("{what}: {why}")]
    Setup {
        /// What was being set up.
        what: &'static str,
        /// Why it failed.
        why: String,
    },
    /// The agent failed.
    #[error(transparent)]
    Agent(#[from] crate::agent::AgentError),
    /// The run finished but did not do everything it should (what is missing).
    #[error("the demo ran but {0}")]
    Incomplete(String),
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

fn setup<E: std::fmt::Display>(what: &'static str) -> impl Fn(E) -> DemoError {
    move |e| DemoError::Setup {
        what,
        why: e.to_string(),
    }
}

/// One device in the summary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceLine {
    /// Serial number or address.
    pub id: String,
    /// Model (or sysDescr).
    pub model: String,
    /// The credential that worked.
    pub credential: String,
    /// Sum of the marker life counts (pages or impressions).
    pub pages: u64,
    /// Low supplies: description and percent.
    pub low: Vec<(String, u32)>,
}

/// What the demo did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// Devices discovery found (in scope).
    pub devices: Vec<DeviceLine>,
    /// Addresses that answered but are out of scope.
    pub out_of_scope: usize,
    /// Device payloads the server accepted (validated).
    pub accepted: usize,
    /// Packages the server refused.
    pub rejected: usize,
    /// Action results the server received: (kind, status, detail).
    pub results: Vec<(String, String, String)>,
    /// Raw print jobs received.
    pub print_jobs: usize,
    /// The HTML report.
    pub report: PathBuf,
    /// Wall time.
    pub elapsed: Duration,
}

fn device_line(snapshot: &Snapshot, id: String, credential: String) -> DeviceLine {
    let model = snapshot
        .identity
        .model
        .clone()
        .or_else(|| snapshot.identity.sys_descr.clone())
        .unwrap_or_default();
    DeviceLine {
        id,
        model,
        credential,
        pages: snapshot
            .counters
            .marker_life
            .iter()
            .map(|m| m.value)
            .fold(0u64, u64::saturating_add),
        low: snapshot
            .supplies
            .iter()
            .filter(|s| crate::report::is_low(s))
            .map(|s| {
                let p = s.level.percent_of(s.max_capacity).map(u32::from);
                (s.description.clone(), p.unwrap_or(0))
            })
            .collect(),
    }
}

/// The recordings as the simulator serves them.
pub fn recordings() -> Result<Vec<Arc<SimRecording>>, DemoError> {
    RECORDINGS
        .iter()
        .map(|(name, text)| {
            let rec = Recording::parse(text.as_bytes()).map_err(setup("fixture recording"))?;
            Ok(Arc::new(SimRecording::new((*name).to_owned(), rec)))
        })
        .collect()
}

/// The recorded raw print jobs.
#[derive(Debug, Clone, Default)]
pub struct PrintJobs(Arc<Mutex<Vec<Vec<u8>>>>);

impl PrintJobs {
    /// The jobs received so far.
    pub fn jobs(&self) -> Vec<Vec<u8>> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

/// Starts a raw print listener on loopback: every connection's bytes become one job (at most
/// 64 MiB each; connections that send nothing are not jobs).
pub async fn print_listener()
-> Result<(SocketAddr, PrintJobs, tokio::task::JoinHandle<()>), DemoError> {
    let listener = TcpListener::bind((Ipv4Addr::LOCALHOST, 0))
        .await
        .map_err(setup("raw print listener"))?;
    let addr = listener.local_addr().map_err(setup("raw print listener"))?;
    let jobs = PrintJobs::default();
    let store = jobs.clone();
    let task = tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            let store = store.clone();
            tokio::spawn(async move {
                let mut job = Vec::new();
                let mut limited = stream.take(64 << 20);
                // A connection that sends nothing (a reachability check) is not a job.
                if limited.read_to_end(&mut job).await.is_ok() && !job.is_empty() {
                    store
                        .0
                        .lock()
                        .unwrap_or_else(PoisonError::into_inner)
                        .push(job);
                }
            });
        }
    });
    Ok((addr, jobs, task))
}

/// Starts `count` simulated devices on consecutive ports from a free base: the first half
/// v2c only, the second half with the demo's v3 user too. Returns the fleets and the first
/// port.
pub async fn start_fleets(count: u32) -> Result<(Vec<Fleet>, u16), DemoError> {
    let recs = recordings()?;
    let (name, auth, auth_pass, privacy, priv_pass) = DEMO_V3_USER;
    let spec: crate::simulate::V3UserSpec =
        format!("{name}:{auth}:{auth_pass}:{privacy}:{priv_pass}")
            .parse()
            .unwrap_or_else(|e: std::convert::Infallible| match e {});
    let user = spec.user().map_err(setup("demo v3 user"))?;
    let v2c_only = count / 2;
    let with_v3 = count - v2c_only;
    // Try a few bases: another program may hold a port of the range.
    let mut last_err = String::new();
    for attempt in 0..20u32 {
        let base = 20_000 + ((std::process::id() * 7 + attempt * 1_543) % 40_000) as u16;
        let start = |offset: u16, n: u32, users: Vec<_>, first: usize| {
            let mut rotated = recs.clone();
            rotated.rotate_left(first % recs.len());
            FleetConfig {
                recordings: rotated,
                layout: Layout::Devices {
                    ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
                    base_port: base + offset,
                    count: n,
                },
                v3_users: users,
                drift: None,
            }
        };
        let a = Fleet::start(start(0, v2c_only, Vec::new(), 0)).await;
        let a = match a {
            Ok(f) => f,
            Err(e) => {
                last_err = e.to_string();
                continue;
            }
        };
        match Fleet::start(start(
            v2c_only as u16,
            with_v3,
            vec![user.clone()],
            v2c_only as usize,
        ))
        .await
        {
            Ok(b) => return Ok((vec![a, b], base)),
            Err(e) => {
                last_err = e.to_string();
                a.shutdown().await;
            }
        }
    }
    Err(DemoError::Setup {
        what: "simulated printers",
        why: last_err,
    })
}

/// The `[server]` section of an agent configuration for `server`, with the file names
/// [`RemoteServices::write_agent_files`] writes next to the configuration.
pub fn server_section(server: &RemoteServices) -> String {
    format!(
        r#"[server]
url = "{url}"
upload_url = "{upload}"
actions_url = "{actions}"
results_url = "{results}"
ca = "ca.pem"
client_cert = "client.pem"
client_key = "client-key.pem"
action_keys = [{{ id = "{key_id}", pem = "action-key.pem" }}]
"#,
        url = server.url(""),
        upload = server.upload_url(),
        actions = server.actions_url(),
        results = server.results_url(),
        key_id = crate::server::ACTION_KEY_ID,
    )
}

/// The agent configuration the demo runs with, as TOML.
pub fn demo_config_toml(
    base_port: u16,
    count: u32,
    print_port: u16,
    server: &RemoteServices,
) -> String {
    let (name, auth, auth_pass, privacy, priv_pass) = DEMO_V3_USER;
    let last = u32::from(base_port) + count - 1;
    let server = server_section(server);
    format!(
        r#"# fleetwire demo: every address is on loopback.
[targets]
ranges = ["127.0.0.1/32:{base_port}-{last}"]
timeout_ms = 300
retries = 1

[[credentials]]
version = "3"
user = "{name}"
auth = "{auth}"
auth_password = "{auth_pass}"
privacy = "{privacy}"
privacy_password = "{priv_pass}"

[[credentials]]
version = "2c"
community = "public"

[schedule]
idle_minutes = 10

{server}
[agent]
state_dir = "state"

[actions]
print_port = {print_port}
reboot = false
upgrade = false

[site]
id = "DEMO-0001"
company = "Fleetwire demo"
city = "Loopback"
country = "ZZ"
"#
    )
}

/// Runs the demo against `server`; `progress` draws a progress line on `err` (TTY only).
pub async fn run(
    args: &DemoArgs,
    err: &mut (dyn Write + Send),
    progress: bool,
) -> Result<(DemoSummary, RemoteServices), DemoError> {
    let started = Instant::now();
    let server = RemoteServices::start().map_err(setup("embedded remote-services server"))?;
    let (fleets, base) = start_fleets(args.devices).await?;
    let (print_addr, jobs, print_task) = print_listener().await?;
    let (dir, temporary) = match &args.keep {
        Some(d) => (d.clone(), false),
        None => (
            std::env::temp_dir().join(format!("fleetwire-demo-{}", std::process::id())),
            true,
        ),
    };
    let result = run_in(args, &server, &dir, base, print_addr.port(), err, progress).await;
    for f in fleets {
        f.shutdown().await;
    }
    print_task.abort();
    if temporary {
        let _ = std::fs::remove_dir_all(&dir);
    }
    let mut summary = result?;
    summary.print_jobs = jobs.jobs().len();
    summary.elapsed = started.elapsed();
    if summary.print_jobs == 0 {
        return Err(DemoError::Incomplete(
            "the raw print listener received no test page".to_owned(),
        ));
    }
    Ok((summary, server))
}

#[allow(clippy::too_many_arguments)]
async fn run_in(
    args: &DemoArgs,
    server: &RemoteServices,
    dir: &Path,
    base: u16,
    print_port: u16,
    err: &mut (dyn Write + Send),
    progress: bool,
) -> Result<DemoSummary, DemoError> {
    std::fs::create_dir_all(dir).map_err(setup("demo directory"))?;
    server
        .write_agent_files(dir, "demo-agent.fleetwire.test")
        .map_err(setup("agent credentials"))?;
    let toml = demo_config_toml(base, args.devices, print_port, server);
    crate::agent::state::write_atomic(&dir.join("agent.toml"), toml.as_bytes())
        .map_err(setup("demo configuration"))?;
    let config = Arc::new(
        AgentConfig::load(&dir.join("agent.toml")).map_err(crate::agent::AgentError::from)?,
    );
    // The server queues the two actions for the first device (by address: the agent knows
    // devices by serial or address).
    let first = format!("127.0.0.1:{base}");
    for kind in [ActionKind::PrintTestPage, ActionKind::GetStatus] {
        server
            .queue_action(kind, serde_json::json!({ "device": first }))
            .map_err(setup("queueing an action"))?;
    }
    let collector = crate::agent::snmp_collector();
    let mut agent = crate::agent::Agent::open(Arc::clone(&config), collector)
        .await
        .map_err(crate::agent::AgentError::from)?;
    let mut draw = |step: Step| {
        if !progress {
            return;
        }
        let (label, done, total) = match step {
            Step::Discovering(d, t) => ("discovering", d, t),
            Step::Collecting(d, t) => ("collecting", d, t),
            Step::Packaging => ("packaging", 1, 1),
            Step::Uploading(d, t) => ("uploading", d, t),
            Step::Actions(n) => ("actions", n, n),
        };
        let width = 30;
        let filled = (done * width)
            .checked_div(total)
            .unwrap_or(width)
            .min(width);
        let _ = write!(
            err,
            "\r{label:<12} [{}{}] {done}/{total}   ",
            "#".repeat(filled),
            " ".repeat(width - filled)
        );
        let _ = err.flush();
    };
    let record = agent
        .sync("demo", &mut draw)
        .await
        .map_err(crate::agent::AgentError::from)?;
    if progress {
        let _ = writeln!(err);
    }
    if let Some(e) = &record.error {
        return Err(DemoError::Incomplete(format!("the sync reported: {e}")));
    }
    let state = agent.state().clone();
    let devices: Vec<DeviceLine> = agent
        .last_collected
        .iter()
        .map(|c| {
            let cred = config
                .credentials
                .get(c.device.credential)
                .map_or_else(String::new, |c| c.label.clone());
            device_line(&c.reading.snapshot, c.device.id(), cred)
        })
        .collect();
    let report: Vec<crate::report::Device> = agent
        .last_collected
        .iter()
        .map(|c| crate::report::Device::new(&c.device.id(), c.reading.snapshot.clone()))
        .collect();
    let mut html = Vec::new();
    crate::report::write(crate::report::Format::Html, &report, &mut html)
        .map_err(setup("HTML report"))?;
    crate::agent::state::write_atomic(&args.report, &html).map_err(setup("HTML report"))?;
    let in_scope = state.in_scope().count();
    // Device payloads (office and production), one per device collected. (With more
    // devices than recordings, serial numbers repeat: the count is of payloads.)
    let accepted: Vec<String> = server
        .documents_of_kind(PayloadKind::Office)
        .into_iter()
        .chain(server.documents_of_kind(PayloadKind::Production))
        .flat_map(|d| d.devices)
        .collect();
    let summary = DemoSummary {
        out_of_scope: state.devices.len() - in_scope,
        accepted: accepted.len(),
        rejected: server.rejected().len(),
        results: server
            .action_results()
            .into_iter()
            .map(|r| {
                let kind = r
                    .kind
                    .map_or_else(|| "?".to_owned(), |k| k.as_str().to_owned());
                (kind, r.status, r.detail)
            })
            .collect(),
        devices,
        print_jobs: 0,
        report: args.report.clone(),
        elapsed: Duration::ZERO,
    };
    if summary.devices.len() != args.devices as usize {
        return Err(DemoError::Incomplete(format!(
            "found {} of {} simulated printers",
            summary.devices.len(),
            args.devices
        )));
    }
    if summary.accepted < summary.devices.len() || summary.rejected > 0 {
        return Err(DemoError::Incomplete(format!(
            "the server accepted {} device payloads and refused {} packages",
            summary.accepted, summary.rejected
        )));
    }
    let done = |kind: &str| {
        summary
            .results
            .iter()
            .any(|(k, s, _)| k == kind && s == "done")
    };
    if !done("print_test_page") || !done("get_status") {
        return Err(DemoError::Incomplete(format!(
            "the action results are {:?}",
            summary.results
        )));
    }
    Ok(summary)
}

/// Prints the summary.
pub fn print_summary(s: &DemoSummary, out: &mut dyn Write) -> std::io::Result<()> {
    writeln!(
        out,
        "fleetwire demo: {} printers found ({} out of scope) in {:.1} s",
        s.devices.len(),
        s.out_of_scope,
        s.elapsed.as_secs_f64()
    )?;
    for d in &s.devices {
        let low = if d.low.is_empty() {
            "supplies ok".to_owned()
        } else {
            let items: Vec<String> = d.low.iter().map(|(n, p)| format!("{n} {p}%")).collect();
            format!("LOW: {}", items.join(", "))
        };
        writeln!(
            out,
            "  {:<16} {:<44} {:<22} {:>10} pages  {low}",
            d.id, d.model, d.credential, d.pages
        )?;
    }
    let low: usize = s.devices.iter().map(|d| d.low.len()).sum();
    let pages: u64 = s.devices.iter().map(|d| d.pages).sum();
    writeln!(out, "meters: {pages} pages in all; supplies low: {low}")?;
    writeln!(
        out,
        "payloads accepted: {} device payloads ({} packages refused)",
        s.accepted, s.rejected
    )?;
    for (kind, status, detail) in &s.results {
        writeln!(out, "action {kind}: {status} ({detail})")?;
    }
    writeln!(out, "raw print jobs received: {}", s.print_jobs)?;
    writeln!(out, "report: {}", s.report.display())
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn the_demo_config_is_valid() {
        let dir = tempfile::tempdir().unwrap();
        let server = RemoteServices::start().unwrap();
        server.write_agent_files(dir.path(), "t").unwrap();
        let toml = demo_config_toml(20000, 4, 9100, &server);
        let c = AgentConfig::parse(&toml, dir.path()).unwrap();
        assert_eq!(c.targets.addrs.len(), 4);
        assert_eq!(c.credentials.len(), 2);
        assert_eq!(c.print_port, 9100);
        let s = c.server.unwrap();
        assert_eq!(s.upload_url, server.upload_url());
        assert_eq!(s.actions_url, server.actions_url());
        assert_eq!(s.results_url, server.results_url());
    }

    #[test]
    fn recordings_parse() {
        assert_eq!(recordings().unwrap().len(), 4);
    }
}
