//! The reference agent: `fleetwire agent run | sync-now | status`.
//!
//! | Module | What |
//! |---|---|
//! | [`config`] | the TOML configuration, validated with errors naming the key |
//! | [`discovery`] | which targets are printers, with which credential, in or out of scope |
//! | [`sync`] | one sync: collection → payloads → zip → spool → upload → actions → results |
//! | [`actions`] | running verified actions (status, reboot, test page, upgrade, troubleshoot, start managing) |
//! | [`state`] | what is persisted across restarts |
//!
//! [`run`] is the long-running loop: the transport's sans-IO
//! [`Scheduler`] decides when to sync (daily slot,
//! idle trigger, `sync-now`), and a shutdown signal ends it with a last flush of the spools
//! bounded by `schedule.shutdown_flush_secs`. `sync-now` talks to a running agent through a
//! request file in the state directory (or syncs in-process when no agent runs); `status`
//! reads the persisted state.

pub mod actions;
pub mod config;
pub mod discovery;
pub mod state;
pub mod sync;

use std::future::Future;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use fleetwire_transport::schedule::{LocalTime, Scheduler, SyncReason};

pub use self::config::{AgentConfig, ConfigError};
pub use self::state::AgentState;
pub use self::sync::{Agent, DeviceCollector, Reading, Step, SyncError, snmp_collector};

/// The `fleetwire agent` subcommands.
#[derive(Debug, Clone, clap::Subcommand)]
pub enum AgentCommand {
    /// Run the agent: discover, collect and upload on schedule; run signed actions.
    Run(ConfigArg),
    /// Ask the running agent to sync now (or sync in-process when none runs).
    #[command(name = "sync-now")]
    SyncNow(SyncNowArgs),
    /// Last device poll, last server contact, next scheduled sync.
    Status(StatusArgs),
}

/// `--config FILE`.
#[derive(Debug, Clone, clap::Args)]
pub struct ConfigArg {
    /// The agent's TOML configuration.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
}

/// Arguments of `fleetwire agent sync-now`.
#[derive(Debug, Clone, clap::Args)]
pub struct SyncNowArgs {
    /// The agent's TOML configuration.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// Seconds to wait for the running agent to finish the sync (0: do not wait).
    #[arg(long, value_name = "SECS", default_value_t = 120)]
    pub wait: u64,
}

/// Arguments of `fleetwire agent status`.
#[derive(Debug, Clone, clap::Args)]
pub struct StatusArgs {
    /// The agent's TOML configuration.
    #[arg(long, value_name = "FILE")]
    pub config: PathBuf,
    /// One JSON object instead of text.
    #[arg(long)]
    pub json: bool,
}

/// Why an agent command failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AgentError {
    /// The configuration is not usable (exit status 2).
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// A sync or the agent's setup failed.
    #[error(transparent)]
    Sync(#[from] SyncError),
    /// The state could not be read or written.
    #[error(transparent)]
    State(#[from] state::StateError),
    /// The running agent did not finish the requested sync in time.
    #[error("the running agent (pid {pid}) did not finish a sync within {secs} s")]
    Timeout {
        /// The agent's PID.
        pid: u32,
        /// Seconds waited.
        secs: u64,
    },
    /// Writing the output failed.
    #[error("writing output: {0}")]
    Output(#[from] std::io::Error),
}

impl AgentError {
    /// The process exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            Self::Config(_) => 2,
            _ => 1,
        }
    }
}

/// The request file `sync-now` writes for a running agent.
pub fn sync_request_path(state_dir: &Path) -> PathBuf {
    state_dir.join("sync-now")
}

/// The local time the scheduler sees (UTC: daily slots are UTC times of day).
pub fn local_now() -> LocalTime {
    LocalTime::new(sync::unix_now(), 0)
}

/// The recorded reason of the on-demand sync that resumes a sync a previous run left unfinished.
const RESUME: &str = "resume";

fn reason_name(r: SyncReason) -> &'static str {
    match r {
        SyncReason::Daily => "daily",
        SyncReason::CatchUp => "catch-up",
        SyncReason::Idle => "idle",
        SyncReason::OnDemand => "on-demand",
    }
}

/// True when a process with this PID is alive (Linux: `/proc/PID`).
pub fn pid_alive(pid: u32) -> bool {
    Path::new(&format!("/proc/{pid}")).exists()
}

/// Runs the agent until `shutdown` resolves: syncs when the scheduler says so or when a
/// `sync-now` request appears, then flushes the spools within the configured deadline.
pub async fn run(
    config: Arc<AgentConfig>,
    collector: Arc<dyn DeviceCollector>,
    shutdown: impl Future<Output = ()>,
) -> Result<(), AgentError> {
    let mut agent = Agent::open(Arc::clone(&config), collector).await?;
    agent.set_pid(Some(std::process::id()))?;
    let now = local_now();
    let mut scheduler = Scheduler::new(config.schedule, now, agent.state().last_server_contact);
    let resume = agent.interrupted_sync();
    if resume {
        tracing::warn!("the previous run stopped in the middle of a sync: running it again");
    }
    // With a daily slot and catch-up, the scheduler itself syncs at start when the last slot
    // was missed; a start sync on top of that would run twice.
    let catch_up = config.schedule.catch_up && config.schedule.daily_at.is_some();
    if resume || (config.sync_at_start && !catch_up) {
        scheduler.request_sync();
    }
    tracing::info!(state_dir = %config.state_dir.display(), targets = config.targets.addrs.len(), locked_down = config.locked_down(), "agent started");
    tokio::pin!(shutdown);
    let request = sync_request_path(&config.state_dir);
    loop {
        if request.exists() {
            let _ = std::fs::remove_file(&request);
            tracing::info!("sync requested (sync-now)");
            scheduler.request_sync();
        }
        let now = local_now();
        if let Some(reason) = scheduler.poll(now) {
            let name = if resume && reason == SyncReason::OnDemand {
                RESUME
            } else {
                reason_name(reason)
            };
            tracing::info!(reason = name, "sync started");
            let mut quiet = |_: Step| {};
            let result = tokio::select! {
                r = agent.sync(name, &mut quiet) => r,
                () = &mut shutdown => {
                    tracing::info!("shutdown during a sync; the spool keeps what was packaged");
                    break;
                }
            };
            let ok = match &result {
                Ok(r) => {
                    tracing::info!(
                        collected = r.collected,
                        failed = r.failed,
                        uploaded = r.uploaded,
                        pending = r.pending,
                        actions = r.actions,
                        "sync finished"
                    );
                    if r.pending > 0 {
                        // Packages left in the spool: the idle trigger retries the upload.
                        scheduler.record_activity(local_now());
                    }
                    r.error.is_none()
                }
                Err(e) => {
                    tracing::error!(error = %e, "sync failed");
                    false
                }
            };
            scheduler.sync_finished(local_now(), ok);
            continue;
        }
        let next = scheduler.next_wakeup(now);
        if agent.state().next_sync != next {
            agent.set_next_sync(next)?;
        }
        // Wake at the next slot, or within a second to notice sync-now requests.
        let until = next.map_or(1, |t| (t - now.unix).clamp(0, 1));
        tokio::select! {
            () = tokio::time::sleep(Duration::from_secs(until.unsigned_abs().max(1))) => {}
            () = &mut shutdown => break,
        }
    }
    tracing::info!(
        deadline_secs = config.shutdown_flush.as_secs(),
        "shutting down: flushing the spools"
    );
    match agent.flush_within(config.shutdown_flush).await {
        Ok(0) => tracing::info!("spools empty"),
        Ok(n) => tracing::warn!(
            pending = n,
            "payloads still pending; they are uploaded at the next start"
        ),
        Err(e) => tracing::error!(error = %e, "shutdown flush"),
    }
    agent.set_pid(None)?;
    Ok(())
}

/// `fleetwire agent sync-now`: asks the running agent for a sync and waits for it to finish
/// (up to `wait`), or runs one sync in this process when no agent runs.
pub async fn sync_now(
    config: Arc<AgentConfig>,
    collector: Arc<dyn DeviceCollector>,
    wait: Duration,
    out: &mut dyn Write,
) -> Result<(), AgentError> {
    let state = AgentState::load(&config.state_dir)?;
    if let Some(pid) = state
        .pid
        .filter(|&p| pid_alive(p) && p != std::process::id())
    {
        let asked = sync::unix_now();
        state::write_atomic(&sync_request_path(&config.state_dir), b"")?;
        writeln!(out, "sync requested from the running agent (pid {pid})")?;
        if wait.is_zero() {
            return Ok(());
        }
        let end = std::time::Instant::now() + wait;
        while std::time::Instant::now() < end {
            tokio::time::sleep(Duration::from_millis(200)).await;
            let s = AgentState::load(&config.state_dir)?;
            // The sync this request asked for: a scheduled sync (a catch-up, say) that started
            // in the same second, or that the request came in during, is not it; the running
            // agent runs the requested one right after.
            if let Some(last) = s.last_sync.filter(|l| {
                l.started >= asked
                    && l.finished > 0
                    && (l.reason == reason_name(SyncReason::OnDemand) || l.reason == RESUME)
            }) {
                return print_sync(&last, out);
            }
        }
        return Err(AgentError::Timeout {
            pid,
            secs: wait.as_secs(),
        });
    }
    let mut agent = Agent::open(config, collector).await?;
    let mut quiet = |_: Step| {};
    let record = agent.sync("on-demand", &mut quiet).await?;
    print_sync(&record, out)
}

fn print_sync(r: &state::SyncRecord, out: &mut dyn Write) -> Result<(), AgentError> {
    writeln!(
        out,
        "sync ({}) finished: {} devices collected, {} failed, {} packages uploaded, {} pending, {} actions{}",
        r.reason,
        r.collected,
        r.failed,
        r.uploaded,
        r.pending,
        r.actions,
        r.error
            .as_deref()
            .map(|e| format!("; {e}"))
            .unwrap_or_default()
    )?;
    Ok(())
}

fn time(t: Option<i64>, now: i64) -> String {
    match t.and_then(|t| fleetwire_payload::Timestamp::from_unix(t).map(|ts| (t, ts))) {
        Some((t, ts)) => {
            let d = now - t;
            let rel = if d >= 0 {
                format!(
                    "{} ago",
                    crate::upload::format_age(Duration::from_secs(d.unsigned_abs()))
                )
            } else {
                format!(
                    "in {}",
                    crate::upload::format_age(Duration::from_secs(d.unsigned_abs()))
                )
            };
            format!("{ts} ({rel})")
        }
        None => "never".to_owned(),
    }
}

/// `fleetwire agent status`.
pub fn status(config: &AgentConfig, json: bool, out: &mut dyn Write) -> Result<(), AgentError> {
    let s = AgentState::load(&config.state_dir)?;
    let now = sync::unix_now();
    let running = s.pid.filter(|&p| pid_alive(p));
    let pending = fleetwire_transport::Spool::open(&config.spool_dir, Default::default())
        .map(|sp| sp.pending().len())
        .unwrap_or(0);
    let in_scope = s.in_scope().count();
    if json {
        let v = serde_json::json!({
            "running": running,
            "last_device_poll": s.last_device_poll,
            "last_server_contact": s.last_server_contact,
            "next_sync": if running.is_some() { s.next_sync } else { None },
            "sync_in_progress": s.sync_started,
            "devices_in_scope": in_scope,
            "devices_out_of_scope": s.devices.len() - in_scope,
            "pending_packages": pending,
            "last_sync": s.last_sync,
            "security_mode": config.policy.mode.to_string(),
        });
        writeln!(out, "{v}")?;
        return Ok(());
    }
    match running {
        Some(pid) => writeln!(out, "agent: running (pid {pid})")?,
        None => writeln!(out, "agent: not running")?,
    }
    writeln!(out, "security mode: {}", config.policy.mode)?;
    writeln!(out, "last device poll: {}", time(s.last_device_poll, now))?;
    writeln!(
        out,
        "last server contact: {}",
        time(s.last_server_contact, now)
    )?;
    let next = if running.is_some() {
        time(s.next_sync, now)
    } else {
        "none (the agent is not running)".to_owned()
    };
    writeln!(out, "next scheduled sync: {next}")?;
    if let Some(started) = s.sync_started {
        writeln!(out, "sync in progress since {}", time(Some(started), now))?;
    }
    writeln!(
        out,
        "devices: {in_scope} in scope, {} out of scope; {pending} package(s) pending upload",
        s.devices.len() - in_scope
    )?;
    if let Some(l) = &s.last_sync {
        write!(out, "last ")?;
        print_sync(l, out)?;
    }
    Ok(())
}
