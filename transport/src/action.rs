//! Signed actions from the server, and the local policy that decides which ones run.
//!
//! # Envelope format (version 1)
//!
//! The server queues actions; a poll returns a JSON array of envelopes:
//!
//! ```json
//! {
//!   "v": 1,
//!   "alg": "ed25519",
//!   "key_id": "rs-2026",
//!   "payload": "<base64 of the signed bytes>",
//!   "signature": "<base64>"
//! }
//! ```
//!
//! - `alg` is `ed25519` (RFC 8032 signature, 64 bytes) or `ecdsa-p256-sha256` (ECDSA over
//!   SHA-256 of the bytes, as 64 bytes `r‖s` or DER). It must be the algorithm of the pinned
//!   key named by `key_id`; the key, not the envelope, decides the algorithm.
//! - The signature covers the exact `payload` bytes (after base64 decoding); nothing is
//!   re-serialised before verification.
//! - Only after the signature verifies is `payload` parsed, as JSON:
//!   `{"nonce": "...", "expires": <unix seconds>, "kind": "<kind>", "args": {...}}` where
//!   `kind` is one of `get_status`, `reboot`, `upgrade`, `troubleshoot`, `print_test_page`,
//!   `start_managing`. `nonce` is 1–128 printable ASCII characters.
//! - An envelope is refused when it is unsigned, signed by an unknown key, tampered with
//!   (bad signature), expired, valid for longer than [`ActionVerifier::max_lifetime`], or
//!   replayed (its nonce was accepted before and has not expired yet; see [`ReplayCache`]).
//! - A valid action whose kind is disabled by [`ActionPolicy`] is not run; it is answered
//!   [`ActionStatus::RefusedByPolicy`].
//!
//! ```
//! use ed25519_dalek::{Signer, SigningKey};
//! use fleetwire_transport::action::{ActionKind, ActionPolicy, ActionVerifier, TrustedKeys};
//!
//! let server_key = SigningKey::from_bytes(&[7; 32]);
//! let mut keys = TrustedKeys::default();
//! keys.add_ed25519("rs-1", &server_key.verifying_key().to_bytes())?;
//! let mut verifier = ActionVerifier::new(keys, ActionPolicy::default());
//!
//! let payload = br#"{"nonce":"n-1","expires":2000,"kind":"get_status","args":{}}"#;
//! let envelope = fleetwire_transport::action::Envelope::sign_ed25519("rs-1", payload, |b| {
//!     server_key.sign(b).to_bytes().to_vec()
//! });
//! let action = verifier.verify(envelope.as_bytes(), 1000)?;
//! assert_eq!(action.kind, ActionKind::GetStatus);
//! assert!(verifier.verify(envelope.as_bytes(), 1001).is_err()); // replayed
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::path::Path;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use serde::{Deserialize, Serialize};

use crate::client::Client;
use crate::error::{ActionError, SpoolError, TransportError};

/// Largest envelope accepted by the parser (bytes of JSON).
pub const MAX_ENVELOPE_LEN: usize = 64 * 1024;

/// The kinds of action a server may queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionKind {
    /// Report the device status now.
    GetStatus,
    /// Reboot the device.
    Reboot,
    /// Install a firmware or software upgrade (see [`crate::download`]).
    Upgrade,
    /// Collect troubleshooting data.
    Troubleshoot,
    /// Print a test page.
    PrintTestPage,
    /// Start managing a newly discovered device.
    StartManaging,
}

impl ActionKind {
    /// Every kind.
    pub const ALL: [ActionKind; 6] = [
        Self::GetStatus,
        Self::Reboot,
        Self::Upgrade,
        Self::Troubleshoot,
        Self::PrintTestPage,
        Self::StartManaging,
    ];

    /// The wire name (`get_status`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::GetStatus => "get_status",
            Self::Reboot => "reboot",
            Self::Upgrade => "upgrade",
            Self::Troubleshoot => "troubleshoot",
            Self::PrintTestPage => "print_test_page",
            Self::StartManaging => "start_managing",
        }
    }
}

impl fmt::Display for ActionKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A pinned public key.
#[derive(Clone, PartialEq, Eq)]
pub enum PinnedKey {
    /// Ed25519.
    Ed25519(ed25519_dalek::VerifyingKey),
    /// ECDSA P-256 with SHA-256.
    P256(p256::ecdsa::VerifyingKey),
}

impl fmt::Debug for PinnedKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.alg())
    }
}

impl PinnedKey {
    fn alg(&self) -> &'static str {
        match self {
            Self::Ed25519(_) => "ed25519",
            Self::P256(_) => "ecdsa-p256-sha256",
        }
    }

    /// Verifies `signature` over the exact `message` bytes.
    pub fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Ed25519(k) => ed25519_dalek::Signature::from_slice(signature)
                .is_ok_and(|s| k.verify_strict(message, &s).is_ok()),
            Self::P256(k) => {
                use p256::ecdsa::signature::Verifier as _;
                let sig = if signature.len() == 64 {
                    p256::ecdsa::Signature::from_slice(signature)
                } else {
                    p256::ecdsa::Signature::from_der(signature)
                };
                sig.is_ok_and(|s| k.verify(message, &s).is_ok())
            }
        }
    }
}

/// The pinned keys, by key id.
#[derive(Debug, Clone, Default)]
pub struct TrustedKeys {
    keys: BTreeMap<String, PinnedKey>,
}

impl TrustedKeys {
    /// Pins a raw 32-byte Ed25519 public key.
    pub fn add_ed25519(&mut self, key_id: &str, public: &[u8]) -> Result<(), ActionError> {
        let bytes: [u8; 32] = public.try_into().map_err(|_| ActionError::Malformed {
            reason: format!("Ed25519 key {key_id:?} is not 32 bytes"),
        })?;
        let key = ed25519_dalek::VerifyingKey::from_bytes(&bytes).map_err(|_| {
            ActionError::Malformed {
                reason: format!("Ed25519 key {key_id:?} is not a valid point"),
            }
        })?;
        self.keys.insert(key_id.to_owned(), PinnedKey::Ed25519(key));
        Ok(())
    }

    /// Pins a P-256 public key in SEC1 form (33 or 65 bytes).
    pub fn add_p256(&mut self, key_id: &str, sec1: &[u8]) -> Result<(), ActionError> {
        let key = p256::ecdsa::VerifyingKey::from_sec1_bytes(sec1).map_err(|_| {
            ActionError::Malformed {
                reason: format!("P-256 key {key_id:?} is not a SEC1 point"),
            }
        })?;
        self.keys.insert(key_id.to_owned(), PinnedKey::P256(key));
        Ok(())
    }

    /// Pins a key from a PEM `PUBLIC KEY` (SubjectPublicKeyInfo), Ed25519 or P-256.
    pub fn add_pem(&mut self, key_id: &str, pem: &str) -> Result<(), ActionError> {
        use ed25519_dalek::pkcs8::DecodePublicKey as _;
        if let Ok(k) = ed25519_dalek::VerifyingKey::from_public_key_pem(pem) {
            self.keys.insert(key_id.to_owned(), PinnedKey::Ed25519(k));
            return Ok(());
        }
        let k = p256::PublicKey::from_public_key_pem(pem).map_err(|_| ActionError::Malformed {
            reason: format!("key {key_id:?}: not an Ed25519 or P-256 PEM public key"),
        })?;
        self.keys.insert(
            key_id.to_owned(),
            PinnedKey::P256(p256::ecdsa::VerifyingKey::from(k)),
        );
        Ok(())
    }

    /// The key with this id.
    pub fn get(&self, key_id: &str) -> Option<&PinnedKey> {
        self.keys.get(key_id)
    }
}

/// The outer, unverified envelope.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Envelope {
    /// Format version, 1.
    pub v: u32,
    /// `ed25519` or `ecdsa-p256-sha256`.
    pub alg: String,
    /// Which pinned key signed it.
    pub key_id: String,
    /// Base64 of the signed bytes.
    pub payload: String,
    /// Base64 of the signature; empty or absent means unsigned.
    #[serde(default)]
    pub signature: Option<String>,
}

impl Envelope {
    /// Parses an envelope (only its shape: nothing is verified here). This is the fuzzing
    /// entry point.
    pub fn parse(bytes: &[u8]) -> Result<Self, ActionError> {
        if bytes.len() > MAX_ENVELOPE_LEN {
            return Err(ActionError::Malformed {
                reason: format!("{} bytes, more than {MAX_ENVELOPE_LEN}", bytes.len()),
            });
        }
        let env: Self = serde_json::from_slice(bytes).map_err(|e| ActionError::Malformed {
            reason: e.to_string(),
        })?;
        if env.v != 1 {
            return Err(ActionError::Malformed {
                reason: format!("unsupported envelope version {}", env.v),
            });
        }
        Ok(env)
    }

    /// Builds the JSON of an Ed25519-signed envelope (servers and tests).
    pub fn sign_ed25519(
        key_id: &str,
        payload: &[u8],
        sign: impl FnOnce(&[u8]) -> Vec<u8>,
    ) -> String {
        Self::signed("ed25519", key_id, payload, sign)
    }

    /// Builds the JSON of an envelope signed with `alg` by `sign` (servers and tests).
    pub fn signed(
        alg: &str,
        key_id: &str,
        payload: &[u8],
        sign: impl FnOnce(&[u8]) -> Vec<u8>,
    ) -> String {
        let env = Self {
            v: 1,
            alg: alg.to_owned(),
            key_id: key_id.to_owned(),
            payload: B64.encode(payload),
            signature: Some(B64.encode(sign(payload))),
        };
        serde_json::to_string(&env).unwrap_or_default()
    }
}

/// The signed content of an envelope.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignedAction {
    nonce: String,
    expires: i64,
    kind: ActionKind,
    #[serde(default)]
    args: serde_json::Value,
}

/// An action whose signature, expiry, nonce and policy were checked.
#[derive(Debug, Clone, PartialEq)]
pub struct VerifiedAction {
    /// Its nonce (echoed in the result).
    pub nonce: String,
    /// What to do.
    pub kind: ActionKind,
    /// Kind-specific arguments (for `upgrade`: see [`crate::download::SignedFile`]).
    pub args: serde_json::Value,
    /// Expiry (Unix seconds).
    pub expires: i64,
}

/// Nonces of accepted actions, remembered until they expire.
///
/// Persist it ([`ReplayCache::save`] / [`ReplayCache::load`]) so a restart does not reopen
/// the replay window.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ReplayCache {
    seen: HashMap<String, i64>,
}

/// Most nonces a [`ReplayCache`] holds.
pub const MAX_REMEMBERED_NONCES: usize = 100_000;

impl ReplayCache {
    /// Forgets nonces that expired before `now`.
    pub fn prune(&mut self, now: i64) {
        self.seen.retain(|_, exp| *exp >= now);
    }

    /// True when `nonce` was accepted before and is remembered.
    pub fn contains(&self, nonce: &str) -> bool {
        self.seen.contains_key(nonce)
    }

    /// Number of remembered nonces.
    pub fn len(&self) -> usize {
        self.seen.len()
    }

    /// True when no nonce is remembered.
    pub fn is_empty(&self) -> bool {
        self.seen.is_empty()
    }

    /// Remembers `nonce` until `expires`; false (and nothing remembered) when full.
    fn insert(&mut self, nonce: &str, expires: i64, now: i64) -> bool {
        if self.seen.len() >= MAX_REMEMBERED_NONCES {
            self.prune(now);
            if self.seen.len() >= MAX_REMEMBERED_NONCES {
                return false;
            }
        }
        self.seen.insert(nonce.to_owned(), expires);
        true
    }

    /// Loads a cache saved by [`ReplayCache::save`]; a missing file is an empty cache.
    pub fn load(path: impl AsRef<Path>) -> Result<Self, SpoolError> {
        let path = path.as_ref();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Self::default()),
            Err(source) => {
                return Err(SpoolError::Io {
                    op: "reading replay cache",
                    path: path.to_owned(),
                    source,
                });
            }
        };
        let seen = text
            .lines()
            .filter_map(|l| {
                let (exp, nonce) = l.split_once(' ')?;
                Some((nonce.to_owned(), exp.parse().ok()?))
            })
            .collect();
        Ok(Self { seen })
    }

    /// Saves atomically (temporary file, fsync, rename).
    pub fn save(&self, path: impl AsRef<Path>) -> Result<(), SpoolError> {
        use std::io::Write as _;
        let path = path.as_ref();
        let mut tmp = path.as_os_str().to_owned();
        tmp.push(".tmp");
        let tmp = std::path::PathBuf::from(tmp);
        let io = |op: &'static str, p: &Path| {
            let p = p.to_owned();
            move |source| SpoolError::Io {
                op,
                path: p,
                source,
            }
        };
        let mut f = std::fs::File::create(&tmp).map_err(io("creating", &tmp))?;
        let mut entries: Vec<_> = self.seen.iter().collect();
        entries.sort();
        for (nonce, exp) in entries {
            writeln!(f, "{exp} {nonce}").map_err(io("writing", &tmp))?;
        }
        f.sync_all().map_err(io("fsync", &tmp))?;
        std::fs::rename(&tmp, path).map_err(io("renaming", path))
    }
}

/// Local policy: which actions may run, and whether the server is asked at all.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActionPolicy {
    /// Locked Down mode: never poll for actions, never check for updates.
    pub locked_down: bool,
    /// The software-update check (can be switched off on its own).
    pub software_update_check: bool,
    /// Kinds disabled locally: answered "refused by policy".
    pub disabled: BTreeSet<ActionKind>,
}

impl Default for ActionPolicy {
    fn default() -> Self {
        Self {
            locked_down: false,
            software_update_check: true,
            disabled: BTreeSet::new(),
        }
    }
}

impl ActionPolicy {
    /// Disables one kind of action: it is answered "refused by policy".
    pub fn disable(&mut self, kind: ActionKind) {
        self.disabled.insert(kind);
    }

    /// Enables one kind of action again.
    pub fn enable(&mut self, kind: ActionKind) {
        self.disabled.remove(&kind);
    }

    /// True when `kind` may run.
    pub fn allows(&self, kind: ActionKind) -> bool {
        !self.locked_down && !self.disabled.contains(&kind)
    }

    /// True when the server may be polled for actions (false in Locked Down mode).
    pub fn may_poll_actions(&self) -> bool {
        !self.locked_down
    }

    /// True when the software-update check may run.
    pub fn may_check_for_updates(&self) -> bool {
        !self.locked_down && self.software_update_check
    }
}

/// Checks envelopes: signature, expiry, replay, policy.
#[derive(Debug, Clone)]
pub struct ActionVerifier {
    keys: TrustedKeys,
    policy: ActionPolicy,
    replay: ReplayCache,
    /// Longest accepted time between now and an envelope's expiry (default 1 day).
    pub max_lifetime: Duration,
}

impl ActionVerifier {
    /// A verifier with an empty replay cache.
    pub fn new(keys: TrustedKeys, policy: ActionPolicy) -> Self {
        Self {
            keys,
            policy,
            replay: ReplayCache::default(),
            max_lifetime: Duration::from_secs(86_400),
        }
    }

    /// Uses a (loaded) replay cache.
    pub fn with_replay_cache(mut self, cache: ReplayCache) -> Self {
        self.replay = cache;
        self
    }

    /// The replay cache, to persist.
    pub fn replay_cache(&self) -> &ReplayCache {
        &self.replay
    }

    /// The policy.
    pub fn policy(&self) -> &ActionPolicy {
        &self.policy
    }

    /// The pinned keys.
    pub fn keys(&self) -> &TrustedKeys {
        &self.keys
    }

    /// Verifies an envelope at `now` (Unix seconds) and records its nonce. A kind disabled by
    /// policy is [`ActionError::RefusedByPolicy`] (its nonce is recorded too).
    pub fn verify(&mut self, envelope: &[u8], now: i64) -> Result<VerifiedAction, ActionError> {
        let env = Envelope::parse(envelope)?;
        let sig_b64 = env.signature.as_deref().unwrap_or("");
        if sig_b64.is_empty() {
            return Err(ActionError::Unsigned);
        }
        let key = self
            .keys
            .get(&env.key_id)
            .ok_or_else(|| ActionError::UnknownKey {
                key_id: env.key_id.clone(),
            })?;
        let bad_sig = || ActionError::BadSignature {
            key_id: env.key_id.clone(),
        };
        if key.alg() != env.alg {
            return Err(bad_sig());
        }
        let payload = B64
            .decode(&env.payload)
            .map_err(|_| ActionError::Malformed {
                reason: "payload is not base64".to_owned(),
            })?;
        let signature = B64.decode(sig_b64).map_err(|_| bad_sig())?;
        if !key.verify(&payload, &signature) {
            return Err(bad_sig());
        }
        let action: SignedAction =
            serde_json::from_slice(&payload).map_err(|e| ActionError::Malformed {
                reason: format!("signed payload: {e}"),
            })?;
        if action.nonce.is_empty()
            || action.nonce.len() > 128
            || !action.nonce.bytes().all(|b| b.is_ascii_graphic())
        {
            return Err(ActionError::Malformed {
                reason: "nonce must be 1-128 printable ASCII characters".to_owned(),
            });
        }
        if now > action.expires {
            return Err(ActionError::Expired {
                nonce: action.nonce,
                expires: action.expires,
                now,
            });
        }
        let max = i64::try_from(self.max_lifetime.as_secs()).unwrap_or(i64::MAX);
        if action.expires.saturating_sub(now) > max {
            return Err(ActionError::LifetimeTooLong {
                nonce: action.nonce,
                expires: action.expires,
                now,
                max_lifetime_secs: max,
            });
        }
        if self.replay.contains(&action.nonce) {
            return Err(ActionError::Replayed {
                nonce: action.nonce,
            });
        }
        if !self.replay.insert(&action.nonce, action.expires, now) {
            return Err(ActionError::Malformed {
                reason: "replay cache full".to_owned(),
            });
        }
        if !self.policy.allows(action.kind) {
            return Err(ActionError::RefusedByPolicy {
                kind: action.kind.as_str().to_owned(),
            });
        }
        Ok(VerifiedAction {
            nonce: action.nonce,
            kind: action.kind,
            args: action.args,
            expires: action.expires,
        })
    }
}

/// How an action ended, as reported to the server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ActionStatus {
    /// Ran and succeeded.
    Done,
    /// Ran and failed.
    Failed,
    /// Valid, but this kind is disabled locally.
    RefusedByPolicy,
    /// Refused: unsigned, tampered, wrong key, expired, replayed or malformed.
    Rejected,
}

/// The result of one action, uploaded with [`ActionChannel::report`].
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ActionResult {
    /// The action's nonce, when it could be read.
    pub nonce: Option<String>,
    /// The kind, when it could be read.
    pub kind: Option<ActionKind>,
    /// How it ended.
    pub status: ActionStatus,
    /// Human-readable detail ("refused by policy", the error, or the host's output).
    pub detail: String,
    /// Kind-specific output (for `get_status`, the status document).
    #[serde(skip_serializing_if = "serde_json::Value::is_null")]
    pub output: serde_json::Value,
}

impl ActionResult {
    /// The result of running `action`.
    pub fn finished(
        action: &VerifiedAction,
        ok: bool,
        detail: &str,
        output: serde_json::Value,
    ) -> Self {
        Self {
            nonce: Some(action.nonce.clone()),
            kind: Some(action.kind),
            status: if ok {
                ActionStatus::Done
            } else {
                ActionStatus::Failed
            },
            detail: detail.to_owned(),
            output,
        }
    }
}

/// One polled envelope after verification.
#[derive(Debug, Clone, PartialEq)]
pub enum Polled {
    /// Verified: the host runs it and reports an [`ActionResult`].
    Run(VerifiedAction),
    /// Not run; this result is ready to report ("refused by policy" or "rejected: ...").
    Answered(ActionResult),
}

/// Polls the server for queued actions and uploads results.
#[derive(Debug, Clone)]
pub struct ActionChannel {
    client: Client,
    poll_url: String,
    results_url: String,
}

impl ActionChannel {
    /// `GET poll_url` returns a JSON array of envelopes; results are `POST`ed to `results_url`.
    pub fn new(
        client: Client,
        poll_url: impl Into<String>,
        results_url: impl Into<String>,
    ) -> Self {
        Self {
            client,
            poll_url: poll_url.into(),
            results_url: results_url.into(),
        }
    }

    /// Polls once (no request at all in Locked Down mode) and verifies every envelope.
    pub fn poll(
        &self,
        verifier: &mut ActionVerifier,
        now: i64,
    ) -> Result<Vec<Polled>, TransportError> {
        if !verifier.policy().may_poll_actions() {
            return Ok(Vec::new());
        }
        let resp = self.client.get(&self.poll_url)?;
        if !(200..300).contains(&resp.status) {
            return Err(TransportError::Http {
                url: self.poll_url.clone(),
                reason: format!("action poll answered HTTP {}", resp.status),
            });
        }
        let envelopes: Vec<serde_json::Value> =
            serde_json::from_slice(&resp.body).map_err(|e| TransportError::Http {
                url: self.poll_url.clone(),
                reason: format!("action poll body is not a JSON array: {e}"),
            })?;
        Ok(envelopes
            .into_iter()
            .map(|raw| {
                let bytes = serde_json::to_vec(&raw).unwrap_or_default();
                match verifier.verify(&bytes, now) {
                    Ok(action) => Polled::Run(action),
                    Err(err) => {
                        let (nonce, kind) = peek_unverified(&bytes);
                        let status = if matches!(err, ActionError::RefusedByPolicy { .. }) {
                            ActionStatus::RefusedByPolicy
                        } else {
                            ActionStatus::Rejected
                        };
                        Polled::Answered(ActionResult {
                            nonce,
                            kind,
                            status,
                            detail: if status == ActionStatus::RefusedByPolicy {
                                "refused by policy".to_owned()
                            } else {
                                format!("rejected: {err}")
                            },
                            output: serde_json::Value::Null,
                        })
                    }
                }
            })
            .collect())
    }

    /// Uploads one result as JSON.
    pub fn report(&self, result: &ActionResult) -> Result<u16, TransportError> {
        let body = serde_json::to_vec(result).map_err(|e| TransportError::Http {
            url: self.results_url.clone(),
            reason: e.to_string(),
        })?;
        let resp = self
            .client
            .post(&self.results_url, "application/json", &[], &body)?;
        Ok(resp.status)
    }
}

/// Best-effort nonce and kind of an envelope that did not verify (for the rejection report;
/// never trusted for anything else).
fn peek_unverified(bytes: &[u8]) -> (Option<String>, Option<ActionKind>) {
    let Ok(env) = Envelope::parse(bytes) else {
        return (None, None);
    };
    let Ok(payload) = B64.decode(&env.payload) else {
        return (None, None);
    };
    #[derive(Deserialize)]
    struct Peek {
        nonce: Option<String>,
        kind: Option<ActionKind>,
    }
    match serde_json::from_slice::<Peek>(&payload) {
        Ok(p) => (p.nonce.filter(|n| n.len() <= 128), p.kind),
        Err(_) => (None, None),
    }
}
