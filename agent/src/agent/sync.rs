//! One sync: discovery → collection → payloads → zip → spool → upload → actions → results.
//!
//! Every step that produces something durable writes it before the next step starts: the
//! package is in the spool (atomic, fsynced) before any upload; an accepted action's nonce
//! (replay cache) and its in-flight record are saved before it runs; its result is in the
//! results spool before it is posted. A sync cut short by a crash or a kill is therefore
//! either re-run from the start at the next start (`sync_started` is still set) or finished
//! by flushing the spools: nothing collected and packaged is lost.

use std::collections::BTreeMap;
use std::future::Future;
use std::io::BufWriter;
use std::path::{Path, PathBuf};
use std::pin::Pin;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fleetwire_payload::package::PackageWriter;
use fleetwire_payload::{
    DeviceRecord, Document, OfficeDevicePayload, PayloadKind, ProductionData,
    ProductionDevicePayload, Snapshot, Timestamp,
};
use fleetwire_snmp::client::{Client, Session};
use fleetwire_transport::action::{
    ActionChannel, ActionResult, ActionVerifier, Polled, ReplayCache,
};
use fleetwire_transport::{
    Client as HttpClient, FlushOptions, FlushReport, Spool, SpoolError, SpoolOptions, Uploader,
};

use super::actions::Executor;
use super::config::AgentConfig;
use super::discovery::{self, Discovered};
use super::state::{AgentState, InFlightAction, KnownDevice, Scope, StateError, SyncRecord};

/// A boxed future, for the collector seam.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// What one collection read: the snapshot (its JSON is `fleetwire collect --json`) and the
/// full device record the payloads carry.
#[derive(Debug, Clone)]
pub struct Reading {
    /// The snapshot.
    pub snapshot: Snapshot,
    /// The device record (the snapshot plus the details it has no keys for).
    pub record: DeviceRecord,
}

/// Reads one device: the seam over the payload crate's collector (tests and benches can
/// count or fail collections through it).
pub trait DeviceCollector: Send + Sync + 'static {
    /// Collects the device behind `session`.
    fn collect<'a>(&'a self, session: &'a Session) -> BoxFuture<'a, Result<Reading, String>>;
}

impl DeviceCollector for fleetwire_payload::collect::Collector {
    fn collect<'a>(&'a self, session: &'a Session) -> BoxFuture<'a, Result<Reading, String>> {
        Box::pin(async move {
            let collected = fleetwire_payload::collect::Collector::collect(self, session)
                .await
                .map_err(|e| e.to_string())?;
            for note in &collected.notes {
                tracing::debug!(addr = %session.addr(), table = note.table, reason = %note.reason, "partial table");
            }
            Ok(Reading {
                record: collected.to_device_record(),
                snapshot: collected.snapshot,
            })
        })
    }
}

/// The payload crate's collector with its defaults.
pub fn snmp_collector() -> Arc<dyn DeviceCollector> {
    Arc::new(fleetwire_payload::collect::Collector::default())
}

/// Why a sync (or opening the agent) failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SyncError {
    /// The state could not be read or saved.
    #[error(transparent)]
    State(#[from] StateError),
    /// A spool could not be opened or written.
    #[error(transparent)]
    Spool(#[from] SpoolError),
    /// The SNMP client could not start.
    #[error("SNMP client: {0}")]
    Snmp(#[from] fleetwire_snmp::client::Error),
    /// The package could not be written.
    #[error("package: {0}")]
    Package(String),
    /// The HTTPS client could not be built from the configuration.
    #[error("server: {0}")]
    Server(#[from] fleetwire_transport::ConfigError),
    /// A blocking task died.
    #[error("background task: {0}")]
    Task(String),
}

/// What one step of a sync reports, for progress display.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Step {
    /// Probing addresses: done / total.
    Discovering(usize, usize),
    /// Collecting devices: done / total.
    Collecting(usize, usize),
    /// Writing the package.
    Packaging,
    /// Uploading: payloads done / total.
    Uploading(usize, usize),
    /// Running actions.
    Actions(usize),
}

/// A device's collected snapshot.
#[derive(Debug, Clone)]
pub struct CollectedDevice {
    /// The device as discovery knows it.
    pub device: KnownDevice,
    /// What was read.
    pub reading: Reading,
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// The agent: configuration, SNMP client, collector, persisted state, spools.
pub struct Agent {
    config: Arc<AgentConfig>,
    snmp: Client,
    collector: Arc<dyn DeviceCollector>,
    state: AgentState,
    verifier: ActionVerifier,
    http: Option<HttpClient>,
    executor: Executor,
    sinks: Vec<Box<dyn crate::alert::AlertSink>>,
    /// The last sync's snapshots (for reports and summaries).
    pub last_collected: Vec<CollectedDevice>,
}

impl std::fmt::Debug for Agent {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agent")
            .field("state_dir", &self.config.state_dir)
            .field("devices", &self.state.devices.len())
            .field("alert_sinks", &self.sinks.len())
            .finish_non_exhaustive()
    }
}

impl Agent {
    /// Opens the state directory and the spools, loads the persisted state and replay cache,
    /// and starts the SNMP client. Actions left in flight by a previous run are answered
    /// "failed: interrupted" (they are never run twice).
    pub async fn open(
        config: Arc<AgentConfig>,
        collector: Arc<dyn DeviceCollector>,
    ) -> Result<Self, SyncError> {
        std::fs::create_dir_all(&config.state_dir).map_err(|source| StateError::Io {
            op: "creating",
            path: config.state_dir.clone(),
            source,
        })?;
        let state = AgentState::load(&config.state_dir)?;
        let replay = ReplayCache::load(replay_path(&config.state_dir))?;
        let (keys, policy) = match &config.server {
            Some(s) => (s.action_keys.clone(), config.actions.clone()),
            None => (Default::default(), config.actions.clone()),
        };
        let verifier = ActionVerifier::new(keys, policy).with_replay_cache(replay);
        let http = config
            .server
            .as_ref()
            .map(|s| HttpClient::new(&s.client))
            .transpose()?;
        let snmp = Client::builder()
            .timeout(config.targets.timeout)
            .retries(config.targets.retries)
            .max_in_flight(config.targets.concurrency)
            .build()
            .await?;
        let executor = Executor::new(&config, http.clone());
        let sinks = config
            .alerts
            .iter()
            .map(|a| -> Result<Box<dyn crate::alert::AlertSink>, SyncError> {
                Ok(match a {
                    super::config::AlertSinkConfig::Log => {
                        Box::new(crate::alert::LogSink::new(std::io::stderr()))
                    }
                    super::config::AlertSinkConfig::Smtp(c) => Box::new(
                        crate::alert::smtp::SmtpSink::new((**c).clone())
                            .map_err(|e| SyncError::Package(e.to_string()))?,
                    ),
                })
            })
            .collect::<Result<Vec<_>, _>>()?;
        let mut agent = Self {
            config,
            snmp,
            collector,
            state,
            verifier,
            http,
            executor,
            sinks,
            last_collected: Vec::new(),
        };
        agent.answer_interrupted()?;
        Ok(agent)
    }

    /// The persisted state.
    pub fn state(&self) -> &AgentState {
        &self.state
    }

    /// The collector.
    pub fn collector(&self) -> &dyn DeviceCollector {
        self.collector.as_ref()
    }

    /// The configuration.
    pub fn config(&self) -> &AgentConfig {
        &self.config
    }

    /// Saves the state.
    pub fn save(&self) -> Result<(), StateError> {
        self.state.save(&self.config.state_dir)
    }

    /// Updates the next scheduled sync shown by `fleetwire agent status`.
    pub fn set_next_sync(&mut self, at: Option<i64>) -> Result<(), StateError> {
        self.state.next_sync = at;
        self.save()
    }

    /// Records (or clears) this process as the running agent.
    pub fn set_pid(&mut self, pid: Option<u32>) -> Result<(), StateError> {
        self.state.pid = pid;
        self.save()
    }

    /// True when a previous run stopped in the middle of a sync.
    pub fn interrupted_sync(&self) -> bool {
        self.state.sync_started.is_some()
    }

    fn answer_interrupted(&mut self) -> Result<(), SyncError> {
        if self.state.in_flight.is_empty() {
            return Ok(());
        }
        let mut results = self.results_spool()?;
        for a in std::mem::take(&mut self.state.in_flight) {
            tracing::warn!(nonce = %a.nonce, kind = %a.kind, "action interrupted by a restart; reporting it failed");
            let result = serde_json::json!({
                "nonce": a.nonce,
                "kind": a.kind,
                "status": "failed",
                "detail": "interrupted: the agent stopped while the action ran; it was not run again",
            });
            results.enqueue(result.to_string().as_bytes())?;
        }
        self.save()?;
        Ok(())
    }

    fn spool(&self) -> Result<Spool, SpoolError> {
        Spool::open(&self.config.spool_dir, SpoolOptions::default())
    }

    fn results_spool(&self) -> Result<Spool, SpoolError> {
        Spool::open(
            self.config.state_dir.join("results"),
            SpoolOptions::default(),
        )
    }

    /// Runs one whole sync. `reason` is recorded (`daily`, `on-demand`, ...).
    pub async fn sync(
        &mut self,
        reason: &str,
        progress: &mut (dyn FnMut(Step) + Send),
    ) -> Result<SyncRecord, SyncError> {
        let started = unix_now();
        self.state.sync_started = Some(started);
        self.save()?;
        let mut record = SyncRecord {
            reason: reason.to_owned(),
            started,
            ..SyncRecord::default()
        };
        let result = self.sync_steps(&mut record, progress).await;
        if let Err(e) = &result {
            record.error = Some(e.to_string());
        }
        record.finished = unix_now();
        self.state.sync_started = None;
        self.state.last_sync = Some(record.clone());
        self.save()?;
        result.map(|()| record)
    }

    async fn sync_steps(
        &mut self,
        record: &mut SyncRecord,
        progress: &mut (dyn FnMut(Step) + Send),
    ) -> Result<(), SyncError> {
        // Discovery.
        let now = unix_now();
        let found: Discovered = discovery::discover(&self.snmp, &self.config, now, |p| {
            progress(Step::Discovering(p.done, p.total));
        })
        .await;
        self.merge_discovered(found.devices);
        self.save()?;
        // Collection.
        let collected = self.collect_all(progress).await;
        record.failed = self.state.in_scope().count() - collected.len();
        record.collected = collected.len();
        self.state.last_device_poll = Some(unix_now());
        self.save_snapshots(&collected)?;
        self.alert(&collected).await?;
        self.save()?;
        // Payloads → zip → spool.
        progress(Step::Packaging);
        self.package(&collected)?;
        self.last_collected = collected;
        // Upload.
        let report = self.upload(progress).await?;
        record.uploaded = report.as_ref().map_or(0, |r| r.uploaded as u64);
        record.pending = report.as_ref().map_or_else(
            || self.spool().map(|s| s.pending().len()).unwrap_or(0),
            |r| r.remaining,
        );
        // Actions (never in Locked Down mode: the channel makes no request then).
        record.actions = self.actions(progress).await?;
        self.flush_results().await?;
        if let Some(r) = &report
            && let Some(why) = &r.stopped
        {
            record.error = Some(why.clone());
        }
        Ok(())
    }

    fn merge_discovered(&mut self, found: Vec<KnownDevice>) {
        // Devices a `start_managing` action brought into scope stay in scope.
        let managed: Vec<_> = self
            .state
            .devices
            .iter()
            .filter(|d| d.scope == Scope::InScope && d.reason == super::actions::MANAGED_REASON)
            .map(|d| d.addr)
            .collect();
        let mut devices = found;
        for d in &mut devices {
            if managed.contains(&d.addr) {
                d.scope = Scope::InScope;
                d.reason = super::actions::MANAGED_REASON.to_owned();
            }
        }
        self.state.devices = devices;
    }

    /// A session for a known device, with the credential discovery remembered.
    pub fn session(&self, device: &KnownDevice) -> Result<Session, String> {
        let cred = self
            .config
            .credentials
            .get(device.credential)
            .ok_or_else(|| {
                format!(
                    "credential #{} is no longer configured; the next discovery finds another",
                    device.credential
                )
            })?;
        self.snmp
            .session(device.addr, cred.security.clone())
            .map_err(|e| e.to_string())
    }

    async fn collect_all(&self, progress: &mut (dyn FnMut(Step) + Send)) -> Vec<CollectedDevice> {
        let devices: Vec<KnownDevice> = self.state.in_scope().cloned().collect();
        let total = devices.len();
        let mut set = tokio::task::JoinSet::new();
        for (i, device) in devices.into_iter().enumerate() {
            let session = self.session(&device);
            let collector = Arc::clone(&self.collector);
            set.spawn(async move {
                let result = match session {
                    Ok(s) => collector.collect(&s).await,
                    Err(e) => Err(e),
                };
                (i, device, result)
            });
        }
        let mut out = BTreeMap::new();
        let mut done = 0;
        while let Some(joined) = set.join_next().await {
            done += 1;
            progress(Step::Collecting(done, total));
            match joined {
                Ok((i, device, Ok(reading))) => {
                    tracing::debug!(device = %device.id(), "collected");
                    out.insert(i, CollectedDevice { device, reading });
                }
                Ok((_, device, Err(e))) => {
                    tracing::warn!(device = %device.id(), addr = %device.addr, error = %e, "collection failed");
                }
                Err(e) => tracing::error!(error = %e, "collection task"),
            }
        }
        out.into_values().collect()
    }

    fn save_snapshots(&self, collected: &[CollectedDevice]) -> Result<(), StateError> {
        let dir = self.config.state_dir.join("snapshots");
        for c in collected {
            let name: String = c
                .device
                .id()
                .chars()
                .map(|ch| {
                    if ch.is_ascii_alphanumeric() || ch == '-' {
                        ch
                    } else {
                        '_'
                    }
                })
                .collect();
            let bytes = serde_json::to_vec_pretty(&c.reading.snapshot).map_err(|source| {
                StateError::Format {
                    path: dir.join(&name),
                    source,
                }
            })?;
            super::state::write_atomic(&dir.join(format!("{name}.json")), &bytes)?;
        }
        Ok(())
    }

    /// Raises the alerts the snapshots call for (low supplies, detected errors), each once
    /// until it clears.
    async fn alert(&mut self, collected: &[CollectedDevice]) -> Result<(), SyncError> {
        let now = Timestamp::now();
        let mut standing = Vec::new();
        let mut new = Vec::new();
        for c in collected {
            let device = crate::report::Device::new(&c.device.id(), c.reading.snapshot.clone());
            for alert in crate::alert::alerts_for(&device, now) {
                let key = format!("{}|{}", alert.device, alert.subject);
                if !self.state.alerted.contains(&key) {
                    new.push(alert);
                }
                standing.push(key);
            }
        }
        self.state.alerted = standing;
        if new.is_empty() || self.sinks.is_empty() {
            return Ok(());
        }
        let mut sinks = std::mem::take(&mut self.sinks);
        let sinks_back = tokio::task::spawn_blocking(move || {
            for alert in &new {
                for (sink, e) in crate::alert::deliver(&mut sinks, alert) {
                    tracing::warn!(sink = %sink, error = %e, "alert not delivered");
                }
            }
            sinks
        })
        .await
        .map_err(|e| SyncError::Task(e.to_string()))?;
        self.sinks = sinks_back;
        Ok(())
    }

    fn is_production(&self, device: &KnownDevice) -> bool {
        self.config
            .production_models
            .iter()
            .any(|m| device.sys_descr.contains(m.as_str()))
    }

    /// Writes the collected devices as packages into the spool: at most
    /// `devices_per_package` device documents each (what the server's package reader takes),
    /// every package with its own `agent.xml` (the agent, with the fleet's counts, and the
    /// devices of that package) and `site.xml`, so each one stands on its own. No devices:
    /// one package with the agent and site documents.
    fn package(&self, collected: &[CollectedDevice]) -> Result<(), SyncError> {
        let generated = Timestamp::now();
        let per = self.config.devices_per_package.max(1);
        let batches = collected.len().div_ceil(per).max(1);
        for b in 0..batches {
            let first = b * per;
            let batch = collected
                .get(first..collected.len().min(first + per))
                .unwrap_or_default();
            self.write_package(generated, first, batch)?;
        }
        if batches > 1 {
            tracing::info!(
                devices = collected.len(),
                packages = batches,
                "fleet split into packages"
            );
        }
        Ok(())
    }

    /// One package of [`Self::package`]: `batch` are the devices from index `first` on.
    fn write_package(
        &self,
        generated: Timestamp,
        first: usize,
        batch: &[CollectedDevice],
    ) -> Result<(), SyncError> {
        let policy = self.config.policy;
        let tmp = self.config.state_dir.join("package.zip.tmp");
        let perr = |e: &dyn std::fmt::Display| SyncError::Package(e.to_string());
        let file = std::fs::File::create(&tmp)
            .map_err(|e| perr(&format_args!("{}: {e}", tmp.display())))?;
        let mut package = PackageWriter::new(BufWriter::new(file), generated);
        let mut names = Vec::new();
        for (n, c) in (first..).zip(batch) {
            let device: DeviceRecord = c.reading.record.clone();
            let kind = if self.is_production(&c.device) {
                PayloadKind::Production
            } else {
                PayloadKind::Office
            };
            let name = crate::payload::entry_name(kind, n, &device, &names);
            let doc = if kind == PayloadKind::Production {
                Document::Production(Box::new(ProductionDevicePayload::build(
                    generated,
                    device,
                    ProductionData::default(),
                    None,
                    Vec::new(),
                    &policy,
                )))
            } else {
                Document::Office(Box::new(OfficeDevicePayload::build(
                    generated,
                    device,
                    None,
                    Vec::new(),
                    &policy,
                )))
            };
            package.add_document(&name, &doc).map_err(|e| perr(&e))?;
            names.push(name);
        }
        let in_scope = self.state.in_scope().count() as u64;
        let out_of_scope = self.state.devices.len() as u64 - in_scope;
        let mut agent = crate::payload::local_agent(in_scope).map_err(|e| perr(&e))?;
        agent.devices_out_of_scope = out_of_scope;
        fleetwire_payload::package::add_agent_stream(
            &mut package,
            "agent.xml",
            generated,
            agent,
            batch.iter().map(|c| c.reading.record.clone()),
            &policy,
        )
        .map_err(|e| perr(&e))?;
        if let Some(site) = &self.config.site {
            package
                .add_document("site.xml", &Document::Site(Box::new(site.clone())))
                .map_err(|e| perr(&e))?;
        }
        let (writer, _manifest) = package.finish().map_err(|e| perr(&e))?;
        let file = writer.into_inner().map_err(|e| perr(&e.into_error()))?;
        file.sync_all().map_err(|e| perr(&e))?;
        drop(file);
        let mut spool = self.spool()?;
        let entry = spool.enqueue_file(&tmp)?;
        let _ = std::fs::remove_file(&tmp);
        tracing::info!(key = %entry.key, bytes = entry.size, devices = batch.len(), "package spooled");
        Ok(())
    }

    /// Flushes the payload spool to the server (None without a server).
    async fn upload(
        &mut self,
        progress: &mut (dyn FnMut(Step) + Send),
    ) -> Result<Option<FlushReport>, SyncError> {
        let (Some(server), Some(http)) = (&self.config.server, &self.http) else {
            return Ok(None);
        };
        let uploader = Uploader::new(http.clone(), server.upload_url.clone())
            .with_content_type("application/zip");
        let mut spool = self.spool()?;
        let (tx, mut rx) = tokio::sync::mpsc::unbounded_channel();
        let task = tokio::task::spawn_blocking(move || {
            uploader.flush_with(
                &mut spool,
                &FlushOptions::default(),
                &mut |p| {
                    let _ = tx.send((p.done, p.total));
                },
                &mut std::thread::sleep,
            )
        });
        while let Some((done, total)) = rx.recv().await {
            progress(Step::Uploading(done, total));
        }
        let report = task.await.map_err(|e| SyncError::Task(e.to_string()))??;
        if report.uploaded > 0 || report.remaining == 0 {
            self.state.last_server_contact = Some(unix_now());
            self.save()?;
        }
        tracing::info!(
            uploaded = report.uploaded,
            remaining = report.remaining,
            dead_lettered = report.dead_lettered,
            "upload"
        );
        Ok(Some(report))
    }

    /// Polls the server for signed actions, runs them, and spools their results. Returns how
    /// many were answered.
    async fn actions(
        &mut self,
        progress: &mut (dyn FnMut(Step) + Send),
    ) -> Result<usize, SyncError> {
        let (Some(server), Some(http)) = (&self.config.server, &self.http) else {
            return Ok(0);
        };
        if !self.verifier.policy().may_poll_actions() {
            tracing::debug!("locked down: no action poll");
            return Ok(0);
        }
        let channel = ActionChannel::new(
            http.clone(),
            server.actions_url.clone(),
            server.results_url.clone(),
        );
        let mut verifier = self.verifier.clone();
        let now = unix_now();
        let (polled, verifier) = tokio::task::spawn_blocking(move || {
            let p = channel.poll(&mut verifier, now);
            (p, verifier)
        })
        .await
        .map_err(|e| SyncError::Task(e.to_string()))?;
        self.verifier = verifier;
        let polled = match polled {
            Ok(p) => p,
            Err(e) => {
                tracing::warn!(error = %e, "action poll failed");
                return Ok(0);
            }
        };
        self.state.last_server_contact = Some(unix_now());
        // The nonces are remembered before anything runs: a restart never runs one twice.
        self.verifier
            .replay_cache()
            .save(replay_path(&self.config.state_dir))?;
        let mut results = self.results_spool()?;
        let mut n = 0;
        for p in polled {
            n += 1;
            progress(Step::Actions(n));
            let result: ActionResult = match p {
                Polled::Answered(r) => r,
                Polled::Run(action) => {
                    self.state.in_flight.push(InFlightAction {
                        nonce: action.nonce.clone(),
                        kind: action.kind.as_str().to_owned(),
                    });
                    self.save()?;
                    let outcome = self.executor.run(self, &action).await;
                    if let Some(managed) = outcome.start_managing {
                        self.manage(&managed);
                    }
                    tracing::info!(kind = %action.kind, ok = outcome.ok, detail = %outcome.detail, "action");
                    ActionResult::finished(&action, outcome.ok, &outcome.detail, outcome.output)
                }
            };
            let body =
                serde_json::to_vec(&result).map_err(|e| SyncError::Package(e.to_string()))?;
            results.enqueue(&body)?;
            if let Some(nonce) = &result.nonce {
                self.state.in_flight.retain(|a| &a.nonce != nonce);
            }
            self.save()?;
        }
        Ok(n)
    }

    fn manage(&mut self, target: &str) {
        for d in &mut self.state.devices {
            if d.matches(target) {
                d.scope = Scope::InScope;
                d.reason = super::actions::MANAGED_REASON.to_owned();
            }
        }
    }

    /// Posts the spooled action results.
    async fn flush_results(&mut self) -> Result<(), SyncError> {
        let (Some(server), Some(http)) = (&self.config.server, &self.http) else {
            return Ok(());
        };
        let mut spool = self.results_spool()?;
        if spool.pending().is_empty() {
            return Ok(());
        }
        let uploader = Uploader::new(http.clone(), server.results_url.clone())
            .with_content_type("application/json");
        let report = tokio::task::spawn_blocking(move || uploader.flush(&mut spool))
            .await
            .map_err(|e| SyncError::Task(e.to_string()))??;
        tracing::info!(
            uploaded = report.uploaded,
            remaining = report.remaining,
            "action results"
        );
        if report.uploaded > 0 {
            self.state.last_server_contact = Some(unix_now());
            self.save()?;
        }
        Ok(())
    }

    /// The last flush at shutdown: both spools, bounded by `deadline`.
    pub async fn flush_within(&mut self, deadline: Duration) -> Result<usize, SyncError> {
        let (Some(server), Some(http)) = (&self.config.server, &self.http) else {
            return Ok(self.spool()?.pending().len());
        };
        let options = FlushOptions {
            deadline: Some(std::time::Instant::now() + deadline),
            max_attempts: 2,
        };
        let mut remaining = 0;
        for (spool, url, ct) in [
            (self.spool()?, server.upload_url.clone(), "application/zip"),
            (
                self.results_spool()?,
                server.results_url.clone(),
                "application/json",
            ),
        ] {
            let mut spool = spool;
            let uploader = Uploader::new(http.clone(), url).with_content_type(ct);
            let report = tokio::task::spawn_blocking(move || {
                uploader.flush_with(&mut spool, &options, &mut |_| {}, &mut std::thread::sleep)
            })
            .await
            .map_err(|e| SyncError::Task(e.to_string()))??;
            remaining += report.remaining;
        }
        Ok(remaining)
    }
}

/// Where the replay cache is kept.
pub fn replay_path(state_dir: &Path) -> PathBuf {
    state_dir.join("replay-cache")
}
