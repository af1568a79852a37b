//! Draining a [`Spool`] to the server: the thin IO shell around [`crate::retry`].

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use crate::client::Client;
use crate::error::SpoolError;
use crate::retry::{Decision, Outcome, RetryPolicy};
use crate::spool::{Entry, Spool};

/// Limits of one [`Uploader::flush_with`] run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FlushOptions {
    /// Stop (payloads stay pending) rather than wait past this instant.
    pub deadline: Option<Instant>,
    /// Stop after this many failed attempts of the same payload (the payload stays pending).
    pub max_attempts: u32,
}

impl Default for FlushOptions {
    fn default() -> Self {
        Self {
            deadline: None,
            max_attempts: 8,
        }
    }
}

/// Progress of a flush, passed to the progress callback after each payload.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Progress {
    /// Payloads finished (uploaded or dead-lettered) so far.
    pub done: usize,
    /// Payloads pending when the flush started.
    pub total: usize,
    /// Bytes finished so far.
    pub bytes_done: u64,
    /// Bytes pending when the flush started.
    pub bytes_total: u64,
}

/// What a flush did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FlushReport {
    /// Payloads acknowledged (2xx) and deleted.
    pub uploaded: usize,
    /// Payloads refused for good and moved to the dead-letter folder.
    pub dead_lettered: usize,
    /// Failed attempts that were retried.
    pub retries: u32,
    /// Payloads still pending when the flush ended.
    pub remaining: usize,
    /// Why the flush ended early, if it did (deadline, attempts exhausted).
    pub stopped: Option<String>,
}

/// Uploads spool entries with `POST`, one at a time, in order.
///
/// Each request carries `Idempotency-Key` (the entry's key, the same on every retry and after
/// a crash) and `X-Fleetwire-Sha256`. See [`crate::retry`] for what each answer leads to.
#[derive(Debug, Clone)]
pub struct Uploader {
    client: Client,
    url: String,
    policy: RetryPolicy,
    content_type: String,
}

impl Uploader {
    /// An uploader posting to `url` (which must pass the client's allowlist).
    pub fn new(client: Client, url: impl Into<String>) -> Self {
        Self {
            client,
            url: url.into(),
            policy: RetryPolicy::default(),
            content_type: "application/octet-stream".to_owned(),
        }
    }

    /// Replaces the retry policy.
    pub fn with_policy(mut self, policy: RetryPolicy) -> Self {
        self.policy = policy;
        self
    }

    /// Sets the `Content-Type` of uploads (default `application/octet-stream`).
    pub fn with_content_type(mut self, content_type: impl Into<String>) -> Self {
        self.content_type = content_type.into();
        self
    }

    /// The client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// Uploads everything pending with the default [`FlushOptions`], sleeping between retries.
    pub fn flush(&self, spool: &mut Spool) -> Result<FlushReport, SpoolError> {
        self.flush_with(
            spool,
            &FlushOptions::default(),
            &mut |_| {},
            &mut std::thread::sleep,
        )
    }

    /// Uploads everything pending. `progress` is called after each payload; `sleep` waits
    /// between retries (inject a fake one in tests).
    ///
    /// Errors that retrying cannot fix (allowlist, certificates, pins, proxy credentials) end
    /// the flush with [`SpoolError::Transport`]; payloads stay pending.
    pub fn flush_with(
        &self,
        spool: &mut Spool,
        options: &FlushOptions,
        progress: &mut dyn FnMut(Progress),
        sleep: &mut dyn FnMut(Duration),
    ) -> Result<FlushReport, SpoolError> {
        let Some(_lock) = spool.try_lock_flush()? else {
            spool.rescan()?;
            return Ok(FlushReport {
                remaining: spool.pending().len(),
                stopped: Some("another flush of this spool is running".to_owned()),
                ..FlushReport::default()
            });
        };
        spool.rescan()?;
        let entries: Vec<Entry> = spool.pending().to_vec();
        let mut report = FlushReport::default();
        let mut prog = Progress {
            done: 0,
            total: entries.len(),
            bytes_done: 0,
            bytes_total: entries.iter().map(|e| e.size).sum(),
        };
        'entries: for entry in &entries {
            let payload = match spool.read(entry) {
                Ok(p) => p,
                Err(SpoolError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::NotFound =>
                {
                    continue; // uploaded by another process meanwhile
                }
                Err(SpoolError::Io { source, .. })
                    if source.kind() == std::io::ErrorKind::InvalidData =>
                {
                    spool.dead_letter(entry, "checksum mismatch: content changed on disk")?;
                    report.dead_lettered += 1;
                    continue;
                }
                Err(e) => return Err(e),
            };
            let mut attempt = 0u32;
            loop {
                let budget = options
                    .deadline
                    .map(|d| d.saturating_duration_since(Instant::now()));
                if budget.is_some_and(|b| b.is_zero()) {
                    report.stopped = Some("deadline reached".to_owned());
                    break 'entries;
                }
                match self.attempt(entry, &payload, attempt, budget)? {
                    Decision::Done => {
                        spool.complete(entry)?;
                        report.uploaded += 1;
                        break;
                    }
                    Decision::DeadLetter { reason } => {
                        spool.dead_letter(entry, &reason)?;
                        report.dead_lettered += 1;
                        break;
                    }
                    Decision::Retry { after } => {
                        attempt += 1;
                        if attempt >= options.max_attempts {
                            report.stopped = Some(format!(
                                "{} failed {attempt} times; giving up for now",
                                entry.file_name
                            ));
                            break 'entries;
                        }
                        if let Some(deadline) = options.deadline
                            && Instant::now() + after > deadline
                        {
                            report.stopped = Some("deadline reached".to_owned());
                            break 'entries;
                        }
                        report.retries += 1;
                        sleep(after);
                    }
                }
            }
            prog.done += 1;
            prog.bytes_done += entry.size;
            progress(prog);
        }
        spool.rescan()?;
        report.remaining = spool.pending().len();
        Ok(report)
    }

    /// One attempt at one entry: the request and the [`RetryPolicy`] decision.
    fn attempt(
        &self,
        entry: &Entry,
        payload: &[u8],
        attempt: u32,
        budget: Option<Duration>,
    ) -> Result<Decision, SpoolError> {
        let sha = entry.sha256_hex();
        let headers = [
            ("Idempotency-Key", entry.key.as_str()),
            ("X-Fleetwire-Sha256", sha.as_str()),
        ];
        let now_unix = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs() as i64)
            .unwrap_or(0);
        let mut random = [0u8; 8];
        let random = getrandom::fill(&mut random)
            .map(|()| u64::from_le_bytes(random))
            .unwrap_or(u64::from(attempt).wrapping_mul(0x9e37_79b9_7f4a_7c15));
        match self
            .client
            .post_within(&self.url, &self.content_type, &headers, payload, budget)
        {
            Ok(resp) => Ok(self.policy.decide(
                attempt,
                &Outcome::Status {
                    status: resp.status,
                    retry_after: resp.retry_after.as_deref(),
                    body: &resp.body,
                },
                now_unix,
                random,
            )),
            Err(e) if e.is_transient() => {
                Ok(self
                    .policy
                    .decide(attempt, &Outcome::TransientError, now_unix, random))
            }
            Err(source) => Err(SpoolError::Transport {
                entry: entry.file_name.clone(),
                source,
            }),
        }
    }
}
