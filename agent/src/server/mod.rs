//! The embedded remote-services server: what `fleetwire demo` and the tests upload to.
//!
//! HTTPS on 127.0.0.1 ([`fleetwire_transport::server`]): a CA generated at start issues the
//! server certificate and the client certificates, and a client certificate from that CA is
//! required (TLS 1.2 and 1.3 only). It speaks exactly the protocol of
//! [`fleetwire_transport`]'s client:
//!
//! | request | what | answer |
//! |---|---|---|
//! | `POST /upload` | a payload package (zip) with `Idempotency-Key` and `X-Fleetwire-Sha256` ([`fleetwire_transport::Uploader`]) | `200` JSON `{"accepted": KEY, "documents": N}`; the same key again: `200`, recorded once; the same key with other bytes: `409`; a package that does not verify or validate: `422` with the reason (the uploader dead-letters it); a missing key or a wrong SHA-256: `400`; while [`RemoteServices::answer_busy`] is in force: `503` with `Retry-After` |
//! | `POST /register` | JSON [`Registration`](fleetwire_transport::register::Registration) | `200` `{"token": "..."}` |
//! | `GET /actions` | poll ([`ActionChannel::poll`](fleetwire_transport::action::ActionChannel::poll)) | JSON array of the signed envelopes queued since the last poll |
//! | `POST /actions/results` | one [`ActionResult`](fleetwire_transport::action::ActionResult) as JSON | `200` |
//! | `GET /files/NAME` | a file published with [`RemoteServices::publish_file`] (firmware) | its bytes |
//! | `GET /summary` | what arrived, as JSON ([`Summary`]) — for a test in another process | `200` |
//!
//! `fleetwire serve` ([`serve`]) runs it as a process of its own.
//!
//! Actions are signed with an Ed25519 key generated at start; the agent pins its public key
//! ([`RemoteServices::trusted_keys`], or [`RemoteServices::action_key_pem`] in a file) and
//! verifies every envelope with [`fleetwire_transport::action::ActionVerifier`].
//!
//! ```
//! use fleetwire::server::RemoteServices;
//! use fleetwire_transport::action::ActionKind;
//!
//! let server = RemoteServices::start()?;
//! let nonce = server.queue_action(ActionKind::GetStatus, serde_json::json!({}))?;
//! let options = server.client_options("agent-1.fleetwire.test")?;
//! let client = fleetwire_transport::Client::new(&options)?;
//! let resp = client.get(&server.url("/actions"))?;
//! assert_eq!(resp.status, 200);
//! assert!(String::from_utf8_lossy(&resp.body).contains("ed25519"));
//! assert_eq!(server.summary().actions_queued, 1);
//! # let _ = nonce;
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod intake;
pub mod serve;

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use ed25519_dalek::Signer as _;
use fleetwire_payload::PayloadKind;
use fleetwire_transport::action::{ActionKind, Envelope, TrustedKeys};
use fleetwire_transport::server::pki::{Leaf, Pki};
use fleetwire_transport::server::{HttpsServer, Reply, Request, ServerError, ServerSpec};
use fleetwire_transport::tls::{ClientIdentity, Roots, TlsOptions};
use fleetwire_transport::{Allowlist, ClientOptions, ConfigError};
use serde::{Deserialize, Serialize};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

pub use intake::{AcceptedDocument, IntakeError, check_package, device_key};

/// The key id under which actions are signed.
pub const ACTION_KEY_ID: &str = "fleetwire-demo-rs";

/// How long a queued action stays valid.
pub const ACTION_LIFETIME: Duration = Duration::from_secs(600);

/// Starting or using the server failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RemoteServicesError {
    /// The HTTPS server or its certificates.
    #[error(transparent)]
    Server(#[from] ServerError),
    /// Issuing a certificate.
    #[error("issuing a client certificate: {0}")]
    Issue(String),
    /// Building client options from the server's own certificates.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// No randomness for the signing key or a nonce.
    #[error("no randomness from the operating system: {0}")]
    Random(String),
    /// Writing the credentials files.
    #[error("writing {path}: {source}")]
    Write {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
}

/// A package the server accepted.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedPackage {
    /// Its `Idempotency-Key`.
    pub idempotency_key: String,
    /// SHA-256 of the zip, hex.
    pub sha256: String,
    /// The DNS names of the client certificate it came with.
    pub client: Vec<String>,
    /// Its documents, validated.
    pub documents: Vec<AcceptedDocument>,
}

/// An upload the server refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RejectedUpload {
    /// Its `Idempotency-Key`, if any.
    pub idempotency_key: Option<String>,
    /// The status answered.
    pub status: u16,
    /// Why.
    pub reason: String,
}

/// An action result as received (`POST /actions/results`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReceivedResult {
    /// The action's nonce, when the agent could read it.
    pub nonce: Option<String>,
    /// The kind, when the agent could read it.
    pub kind: Option<ActionKind>,
    /// `done`, `failed`, `refused_by_policy` or `rejected`.
    pub status: String,
    /// Human-readable detail.
    #[serde(default)]
    pub detail: String,
    /// Kind-specific output.
    #[serde(default)]
    pub output: serde_json::Value,
    /// True when the nonce is one this server issued.
    #[serde(default)]
    pub issued_here: bool,
}

/// What arrived, in numbers (also served as JSON at `GET /summary`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Summary {
    /// Accepted packages.
    pub packages: usize,
    /// Accepted documents by kind name (`office`, `agent`, ...).
    pub documents: BTreeMap<String, usize>,
    /// Accepted documents per device key ([`device_key`]).
    pub devices: BTreeMap<String, usize>,
    /// Refused uploads.
    pub rejected: usize,
    /// Actions queued so far (delivered or not).
    pub actions_queued: usize,
    /// Actions waiting for the next poll.
    pub actions_pending: usize,
    /// Action results received, by status.
    pub results: BTreeMap<String, usize>,
    /// Registrations received.
    pub registrations: usize,
}

#[derive(Default)]
struct State {
    /// Idempotency key → (SHA-256 hex, index in `accepted`).
    keys: BTreeMap<String, (String, usize)>,
    accepted: Vec<AcceptedPackage>,
    rejected: Vec<RejectedUpload>,
    queue: VecDeque<String>,
    issued: BTreeMap<String, ActionKind>,
    results: Vec<ReceivedResult>,
    registrations: Vec<serde_json::Value>,
    files: BTreeMap<String, Arc<Vec<u8>>>,
    busy: Option<(usize, u64)>,
    next_nonce: u64,
}

fn lock(state: &Mutex<State>) -> std::sync::MutexGuard<'_, State> {
    state.lock().unwrap_or_else(PoisonError::into_inner)
}

/// How the server behaves.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ServerOptions {
    /// Keep every accepted entry's bytes ([`AcceptedDocument::xml`]), e.g. to check them with
    /// `xmllint --schema`. Off by default: a large sync would be held twice.
    pub keep_xml: bool,
}

/// The running server. Stops on drop.
pub struct RemoteServices {
    https: HttpsServer,
    pki: Pki,
    state: Arc<Mutex<State>>,
    signing: Arc<ed25519_dalek::SigningKey>,
}

impl fmt::Debug for RemoteServices {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RemoteServices")
            .field("url", &self.url("/"))
            .finish_non_exhaustive()
    }
}

fn random<const N: usize>() -> Result<[u8; N], RemoteServicesError> {
    let mut bytes = [0u8; N];
    getrandom::fill(&mut bytes).map_err(|e| RemoteServicesError::Random(e.to_string()))?;
    Ok(bytes)
}

fn unix_now() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

fn hex(bytes: &[u8]) -> String {
    crate::hex::encode(bytes)
}

impl RemoteServices {
    /// [`RemoteServices::start_with`] the default options.
    pub fn start() -> Result<Self, RemoteServicesError> {
        Self::start_with(ServerOptions::default())
    }

    /// Generates the CA, the server certificate and the action-signing key, and listens on
    /// `127.0.0.1` on a free port.
    pub fn start_with(options: ServerOptions) -> Result<Self, RemoteServicesError> {
        let pki = Pki::new("Fleetwire embedded remote services CA").map_err(ServerError::from)?;
        let leaf = pki.server().map_err(ServerError::from)?;
        let seed = Zeroizing::new(random::<32>()?);
        let signing = Arc::new(ed25519_dalek::SigningKey::from_bytes(&seed));
        let state = Arc::new(Mutex::new(State::default()));
        let mut spec = ServerSpec::new(&leaf);
        spec.client_ca = Some(pki.ca_der());
        // The state keeps what matters; raw requests would double the memory of a big sync.
        spec.record_requests = false;
        let handler_state = state.clone();
        let https = HttpsServer::start(
            spec,
            Arc::new(move |req| handle(&handler_state, options, req)),
        )?;
        Ok(Self {
            https,
            pki,
            state,
            signing,
        })
    }

    /// `https://localhost:PORT{path}`.
    pub fn url(&self, path: &str) -> String {
        self.https.url(path)
    }

    /// The port.
    pub fn port(&self) -> u16 {
        self.https.port()
    }

    /// The upload URL (`/upload`).
    pub fn upload_url(&self) -> String {
        self.url("/upload")
    }

    /// The action poll URL (`/actions`).
    pub fn actions_url(&self) -> String {
        self.url("/actions")
    }

    /// The action results URL (`/actions/results`).
    pub fn results_url(&self) -> String {
        self.url("/actions/results")
    }

    /// The registration URL (`/register`).
    pub fn register_url(&self) -> String {
        self.url("/register")
    }

    /// The CA certificate (PEM) clients trust.
    pub fn ca_pem(&self) -> String {
        self.pki.ca_pem()
    }

    /// Issues a client certificate for the DNS name `name`.
    pub fn issue_client(&self, name: &str) -> Result<Leaf, RemoteServicesError> {
        self.pki
            .client(name)
            .map_err(|e| RemoteServicesError::Issue(e.to_string()))
    }

    /// Client options for an agent called `name`: this CA as the only root, a fresh client
    /// certificate, and an allowlist of exactly this server's origin.
    pub fn client_options(&self, name: &str) -> Result<ClientOptions, RemoteServicesError> {
        let leaf = self.issue_client(name)?;
        Ok(ClientOptions {
            tls: TlsOptions {
                roots: Roots::from_pem(self.ca_pem().as_bytes(), "embedded remote services CA")?,
                identity: Some(ClientIdentity::from_pem(
                    leaf.cert_pem.as_bytes(),
                    leaf.key_pem.as_bytes(),
                )?),
                ..TlsOptions::default()
            },
            allowlist: Allowlist::new([self.url("/")])?,
            ..ClientOptions::default()
        })
    }

    /// The public key agents pin to verify actions, under [`ACTION_KEY_ID`].
    pub fn trusted_keys(&self) -> TrustedKeys {
        let mut keys = TrustedKeys::default();
        // A key from a valid signing key: always 32 bytes and a valid point.
        let _ = keys.add_ed25519(ACTION_KEY_ID, &self.signing.verifying_key().to_bytes());
        keys
    }

    /// The action-signing public key as a PEM `PUBLIC KEY` (for a config file; read it back
    /// with [`TrustedKeys::add_pem`]).
    pub fn action_key_pem(&self) -> String {
        use ed25519_dalek::pkcs8::EncodePublicKey as _;
        self.signing
            .verifying_key()
            .to_public_key_pem(ed25519_dalek::pkcs8::spki::der::pem::LineEnding::LF)
            .unwrap_or_default()
    }

    /// Writes what an agent in another process needs into `dir`: `ca.pem`, `client.pem`,
    /// `client-key.pem` (mode 0600), `action-key.pem`, and `server.json` with the URLs and the
    /// action key id. Returns the paths in that order.
    pub fn write_agent_files(
        &self,
        dir: &Path,
        client_name: &str,
    ) -> Result<Vec<PathBuf>, RemoteServicesError> {
        let leaf = self.issue_client(client_name)?;
        let urls = serde_json::json!({
            "upload_url": self.upload_url(),
            "actions_url": self.actions_url(),
            "results_url": self.results_url(),
            "register_url": self.register_url(),
            "summary_url": self.url("/summary"),
            "action_key_id": ACTION_KEY_ID,
        });
        let files: [(&str, Zeroizing<Vec<u8>>, bool); 5] = [
            ("ca.pem", Zeroizing::new(self.ca_pem().into_bytes()), false),
            (
                "client.pem",
                Zeroizing::new(leaf.cert_pem.clone().into_bytes()),
                false,
            ),
            (
                "client-key.pem",
                Zeroizing::new(leaf.key_pem.as_bytes().to_vec()),
                true,
            ),
            (
                "action-key.pem",
                Zeroizing::new(self.action_key_pem().into_bytes()),
                false,
            ),
            (
                "server.json",
                Zeroizing::new(urls.to_string().into_bytes()),
                false,
            ),
        ];
        let mut paths = Vec::new();
        for (name, bytes, secret) in files {
            let path = dir.join(name);
            write_file(&path, &bytes, secret).map_err(|source| RemoteServicesError::Write {
                path: path.clone(),
                source,
            })?;
            paths.push(path);
        }
        Ok(paths)
    }

    /// Signs and queues an action for the next poll; returns its nonce.
    pub fn queue_action(
        &self,
        kind: ActionKind,
        args: serde_json::Value,
    ) -> Result<String, RemoteServicesError> {
        let salt = hex(&random::<8>()?);
        let mut state = lock(&self.state);
        state.next_nonce += 1;
        let nonce = format!("rs-{}-{salt}", state.next_nonce);
        let expires = unix_now().saturating_add(ACTION_LIFETIME.as_secs() as i64);
        let payload = serde_json::json!({
            "nonce": nonce,
            "expires": expires,
            "kind": kind,
            "args": args,
        })
        .to_string();
        let envelope = Envelope::sign_ed25519(ACTION_KEY_ID, payload.as_bytes(), |bytes| {
            self.signing.sign(bytes).to_bytes().to_vec()
        });
        state.queue.push_back(envelope);
        state.issued.insert(nonce.clone(), kind);
        Ok(nonce)
    }

    /// Serves `bytes` at `/files/NAME` and returns the signed-file arguments of an `upgrade`
    /// action (`{"url", "sha256", "size"}`, see [`fleetwire_transport::download::SignedFile`]).
    pub fn publish_file(&self, name: &str, bytes: Vec<u8>) -> serde_json::Value {
        let args = serde_json::json!({
            "url": self.url(&format!("/files/{name}")),
            "sha256": hex(&Sha256::digest(&bytes)),
            "size": bytes.len(),
        });
        lock(&self.state)
            .files
            .insert(name.to_owned(), Arc::new(bytes));
        args
    }

    /// The next `count` uploads are answered `503` with `Retry-After: retry_after_secs`.
    pub fn answer_busy(&self, count: usize, retry_after_secs: u64) {
        lock(&self.state).busy = (count > 0).then_some((count, retry_after_secs));
    }

    /// Every accepted package, in arrival order.
    pub fn accepted(&self) -> Vec<AcceptedPackage> {
        lock(&self.state).accepted.clone()
    }

    /// Accepted documents of one kind.
    pub fn documents_of_kind(&self, kind: PayloadKind) -> Vec<AcceptedDocument> {
        lock(&self.state)
            .accepted
            .iter()
            .flat_map(|p| p.documents.iter())
            .filter(|d| d.kind == kind)
            .cloned()
            .collect()
    }

    /// Accepted documents that describe the device `key` ([`device_key`]).
    pub fn documents_for_device(&self, key: &str) -> Vec<AcceptedDocument> {
        lock(&self.state)
            .accepted
            .iter()
            .flat_map(|p| p.documents.iter())
            .filter(|d| d.devices.iter().any(|k| k == key))
            .cloned()
            .collect()
    }

    /// Refused uploads.
    pub fn rejected(&self) -> Vec<RejectedUpload> {
        lock(&self.state).rejected.clone()
    }

    /// Action results received, in arrival order.
    pub fn action_results(&self) -> Vec<ReceivedResult> {
        lock(&self.state).results.clone()
    }

    /// Registrations received (their JSON).
    pub fn registrations(&self) -> Vec<serde_json::Value> {
        lock(&self.state).registrations.clone()
    }

    /// What arrived, in numbers.
    pub fn summary(&self) -> Summary {
        summarize(&lock(&self.state))
    }

    /// Waits until `done(summary)` holds or `timeout` passes; returns the last summary and
    /// whether it held.
    pub fn wait_for(&self, timeout: Duration, done: impl Fn(&Summary) -> bool) -> (Summary, bool) {
        let deadline = std::time::Instant::now() + timeout;
        loop {
            let summary = self.summary();
            if done(&summary) {
                return (summary, true);
            }
            if std::time::Instant::now() >= deadline {
                return (summary, false);
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn write_file(path: &Path, bytes: &[u8], secret: bool) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    if secret {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o600);
    }
    #[cfg(not(unix))]
    let _ = secret;
    let mut f = options.open(path)?;
    f.write_all(bytes)?;
    f.sync_all()
}

fn summarize(state: &State) -> Summary {
    let mut s = Summary {
        packages: state.accepted.len(),
        rejected: state.rejected.len(),
        actions_queued: state.issued.len(),
        actions_pending: state.queue.len(),
        registrations: state.registrations.len(),
        ..Summary::default()
    };
    for doc in state.accepted.iter().flat_map(|p| p.documents.iter()) {
        *s.documents.entry(doc.kind.name().to_owned()).or_default() += 1;
        for device in &doc.devices {
            *s.devices.entry(device.clone()).or_default() += 1;
        }
    }
    for r in &state.results {
        *s.results.entry(r.status.clone()).or_default() += 1;
    }
    s
}

fn text(status: u16, body: &str) -> Reply {
    Reply::status(status)
        .with_header("Content-Type", "text/plain; charset=utf-8")
        .with_body(body.to_owned())
}

fn handle(state: &Mutex<State>, options: ServerOptions, req: &Request) -> Reply {
    let route = req.route();
    match (req.method.as_str(), route) {
        ("POST", "/upload") => upload(state, options, req),
        ("POST", "/register") => register(state, req),
        ("GET", "/actions") => {
            let envelopes: Vec<serde_json::Value> = lock(state)
                .queue
                .drain(..)
                .filter_map(|e| serde_json::from_str(&e).ok())
                .collect();
            Reply::json(&serde_json::Value::Array(envelopes))
        }
        ("POST", "/actions/results") => match serde_json::from_slice::<ReceivedResult>(&req.body) {
            Ok(mut result) => {
                let mut st = lock(state);
                result.issued_here = result
                    .nonce
                    .as_ref()
                    .is_some_and(|n| st.issued.contains_key(n));
                st.results.push(result);
                Reply::ok()
            }
            Err(e) => text(400, &format!("action result: {e}")),
        },
        ("GET", "/summary") => match serde_json::to_value(summarize(&lock(state))) {
            Ok(v) => Reply::json(&v),
            Err(e) => text(500, &e.to_string()),
        },
        ("GET", path) if path.starts_with("/files/") => {
            let name = path.trim_start_matches("/files/");
            match lock(state).files.get(name) {
                Some(bytes) => Reply::ok()
                    .with_header("Content-Type", "application/octet-stream")
                    .with_body(bytes.as_slice()),
                None => text(404, "no such file"),
            }
        }
        (_, "/upload" | "/register" | "/actions" | "/actions/results" | "/summary") => {
            text(405, "method not allowed")
        }
        _ => text(404, "not found"),
    }
}

fn register(state: &Mutex<State>, req: &Request) -> Reply {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(&req.body) else {
        return text(400, "registration is not JSON");
    };
    let ok = ["device_id", "location", "contact_email"].iter().all(|k| {
        value
            .get(k)
            .and_then(|v| v.as_str())
            .is_some_and(|s| !s.is_empty())
    });
    if !ok {
        return text(
            400,
            "registration needs device_id, location and contact_email",
        );
    }
    let token = match random::<16>() {
        Ok(bytes) => hex(&bytes),
        Err(e) => return text(503, &e.to_string()),
    };
    lock(state).registrations.push(value);
    Reply::json(&serde_json::json!({ "token": token }))
}

fn upload(state: &Mutex<State>, options: ServerOptions, req: &Request) -> Reply {
    let key = req.header("idempotency-key").map(str::to_owned);
    let reject = |status: u16, reason: String| {
        lock(state).rejected.push(RejectedUpload {
            idempotency_key: key.clone(),
            status,
            reason: reason.clone(),
        });
        text(status, &reason)
    };
    {
        let mut st = lock(state);
        if let Some((count, after)) = st.busy {
            st.busy = (count > 1).then_some((count - 1, after));
            return text(503, "busy").with_header("Retry-After", &after.to_string());
        }
    }
    let Some(key) = key.clone().filter(|k| !k.is_empty() && k.len() <= 256) else {
        return reject(400, "missing or oversized Idempotency-Key".to_owned());
    };
    let sha = hex(&Sha256::digest(&req.body));
    if let Some(claimed) = req.header("x-fleetwire-sha256")
        && !claimed.eq_ignore_ascii_case(&sha)
    {
        return reject(
            400,
            format!("X-Fleetwire-Sha256 {claimed} does not match the body"),
        );
    }
    let seen = lock(state).keys.get(&key).map(|(seen, _)| seen.clone());
    if let Some(seen) = seen {
        return if seen == sha {
            Reply::json(&serde_json::json!({ "accepted": key, "duplicate": true }))
        } else {
            reject(
                409,
                format!("Idempotency-Key {key} was used for other content"),
            )
        };
    }
    // Checked outside the lock: a large package must not stall polls.
    match check_package(&req.body, options.keep_xml) {
        Ok(documents) => {
            let count = documents.len();
            let mut st = lock(state);
            // Another connection may have delivered the same key meanwhile.
            if st.keys.contains_key(&key) {
                return Reply::json(&serde_json::json!({ "accepted": key, "duplicate": true }));
            }
            let index = st.accepted.len();
            st.keys.insert(key.clone(), (sha.clone(), index));
            st.accepted.push(AcceptedPackage {
                idempotency_key: key.clone(),
                sha256: sha,
                client: req.client_names.clone(),
                documents,
            });
            Reply::json(&serde_json::json!({ "accepted": key, "documents": count }))
        }
        Err(e) => reject(422, e.to_string()),
    }
}
