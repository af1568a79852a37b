//! SNMPv3 USM, side by side: fleetwire-snmp next to async-snmp 0.18 (and, for
//! password-to-key, next to the raw hash of the same bytes).
//!
//! Used by `benches/usm.rs` (criterion) and by this crate's tests; `bench-report`
//! reads [`describe`], [`target`] and [`notes`] for its tables.
//!
//! # Scenarios (criterion groups `usm/<scenario>`)
//!
//! * `password-to-key-sha1`, `password-to-key-sha256`: RFC 3414 A.2 over the 10-byte
//!   password `maplesyrup` (1 MiB hashed). Functions: `fleetwire`
//!   (`usm::key::password_to_key`), `async-snmp` (`MasterKey::from_password`), `raw-hash`
//!   (one `sha1`/`sha2` 0.11 digest of the expanded 1 MiB, already in memory: the floor,
//!   same crate and build that fleetwire's RustCrypto provider uses). Target: fleetwire
//!   ≤ 1.1 × raw-hash.
//! * `receive-authpriv-sha256-aes128`: the manager's full receive path of a
//!   usmHMAC192SHA256AuthProtocol / usmAesCfb128Protocol Response carrying 20 Counter32
//!   varbinds: decode the message, check user/engine/level, verify the HMAC over the wire
//!   bytes with the authentication parameters zeroed, check timeliness (RFC 3414 3.2
//!   step 7b), decrypt, decode the scoped PDU, correlate (msgID, request-id, PDU type,
//!   context) and walk every varbind (OID arcs and value, into a [`DigestSink`]). Both
//!   libraries get the *same* wire bytes, produced by fleetwire's `LocalEngine`.
//! * `send-authpriv-sha256-aes128`: the matching GetRequest (20 NULL varbinds, PDU built
//!   ahead of time for both): build and encode the scoped PDU, encrypt, encode the
//!   message, sign. Target for both message paths: fleetwire ≤ 0.5 × async-snmp.
//!
//! Same user (`alice`), passwords, engine ID, boots/time, msgID, request-id and varbinds
//! for both libraries; keys are localized once, outside the timed loops, with each
//! library's own derivation (fleetwire: `Session::set_engine` through a `KeyCache`;
//! async-snmp: `UsmConfig::derive_keys`, what its client caches after discovery).
//!
//! # async-snmp's paths, rebuilt from its public API
//!
//! async-snmp's client runs these paths inside `Client::send_v3_and_recv`
//! (`client/v3.rs`: `build_v3_message` → `v3::encode::encode_v3_message`, and
//! `validate_v3_candidate` → `verify_response_security` + `decrypt_scoped_pdu`), which
//! need a transport and a discovered engine. [`AsyncSnmpClient`] performs the same
//! steps, in the same order, with the same public functions, except where a step is not
//! public:
//!
//! * `v3::encode::encode_v3_message` (send) lives in a `pub(crate)` module: its body is
//!   replicated step by step with public calls (`ScopedPdu::new` with a clone of the PDU,
//!   `ScopedPdu::encode_to_bytes`, `PrivKey::encrypt_aes` (what the crate-private
//!   `encrypt_with_context` does for AES), `UsmSecurityParams::new` /
//!   `with_auth_placeholder` / `with_priv_params` / `encode`, `MsgGlobalData::new`,
//!   `V3Message::new_with_opaque_encrypted_scoped_pdu`, `V3Message::encode`,
//!   `UsmSecurityParams::find_auth_params_offset`, `v3::auth::authenticate_message`).
//! * `RawV3Message::decode_bounded_with_target` and `UsmSecurityParams::decode_with_context`
//!   (receive) are `pub(crate)`: the public `RawV3Message::decode` /
//!   `UsmSecurityParams::decode` run the same parser (they differ only in the peer address
//!   and base offset recorded in errors).
//! * `message::decode_scoped_pdu` (after decryption) is `pub(crate)`: replaced by what it
//!   wraps, `ScopedPdu::decode` on a public `ber::Decoder` plus its trailing-data check
//!   (without the crate-private anomaly sink and error origin).
//! * `EngineState::check_and_update_timeliness` (step 7b) and `estimated_boots_time`
//!   (the boots/time a request carries) are `pub(crate)`: replicated ([`EngineClock`]:
//!   the same `Instant::now()` read and arithmetic), applied to a clone of a public
//!   `EngineState` (obtained from `EngineCache::seed_authenticated`) as the client clones
//!   its state.
//! * Not replicated (client plumbing, not USM work): the `RwLock` reads of the engine
//!   state, the engine-cache refresh, tracing spans, the retry loop and the transport.
//!
//! On our side the timed calls are the public `Session::receive` and
//! `Session::encode_request`, preceded by one clock read (`now` for the sans-IO API), the
//! same correlation checks and the same varbind walk. Each library keeps its own buffer
//! conventions: fleetwire appends into a caller buffer and decrypts into a caller scratch
//! buffer (both reused), async-snmp returns fresh `Vec`/`Bytes`; each uses its client's
//! default decode settings (fleetwire strict, async-snmp `DecodeConfig::DEFAULT`).
//!
//! [`verify`] runs before anything is timed: both password-to-key implementations must
//! equal the raw hash (and RFC 3414 A.3.2 for SHA-1); async-snmp must decode our Response
//! to exactly what we decode (20 Counter32 values, header, context); our `LocalEngine` must
//! accept async-snmp's request and decode it to the same header, USM parameters and scoped
//! PDU as ours, at the same length; and both receive paths must reject a Response with one
//! MAC byte flipped.

use std::net::{Ipv4Addr, SocketAddr};
use std::time::{Duration, Instant};

use async_snmp as asnmp;
use bytes::Bytes;
use fleetwire_snmp as fw;
use fw::crypto::{HashAlgorithm, RustCrypto};
use fw::usm::{
    AlgorithmPolicy, EngineTime, KeyCache, LocalEngine, Received, SecurityLevel, Session, UsmUser,
};
use sha2::Digest as _;

use crate::PeerError;
use crate::normalized::{CollectSink, Decoded, DigestSink, Field, HeaderValue, NormalizedValue};
use crate::peers::failed;

/// The RFC 3414 A.3 password.
pub const PASSWORD: &[u8] = b"maplesyrup";
/// RFC 3414 A.3.2: SHA-1 password-to-key of `maplesyrup`.
const MAPLESYRUP_SHA1_KU: [u8; 20] = [
    0x9f, 0xb5, 0xcc, 0x03, 0x81, 0x49, 0x7b, 0x37, 0x93, 0x52, 0x89, 0x39, 0xff, 0x78, 0x8d, 0x5d,
    0x79, 0x14, 0x52, 0x11,
];
/// Bytes hashed by password-to-key.
pub const EXPANDED_LEN: usize = 1 << 20;

/// The agent's engine ID.
pub const ENGINE_ID: &[u8] = b"\x80\x00\x1f\x88\x04fleetwire";
/// The USM user.
pub const USER: &[u8] = b"alice";
/// The user's authentication password (HMAC-SHA-256-192).
pub const AUTH_PASSWORD: &[u8] = b"authpass123";
/// The user's privacy password (AES-128-CFB).
pub const PRIV_PASSWORD: &[u8] = b"privpass123";
/// snmpEngineBoots of the agent.
pub const ENGINE_BOOTS: u32 = 3;
/// snmpEngineTime of the agent when the Response is made (and when the clocks start).
pub const ENGINE_TIME: u32 = 10;
/// msgID of the request (echoed by the Response).
pub const MSG_ID: u32 = 5;
/// request-id of the request (echoed by the Response).
pub const REQUEST_ID: i32 = 1;
/// Varbinds in the request and the Response.
pub const VARBINDS: u32 = 20;
/// msgMaxSize both managers advertise (fleetwire's default).
pub const MAX_SIZE: u32 = 65507;

/// Name of the `i`-th varbind (ifInOctets.i), `i` in `1..=VARBINDS`.
pub fn varbind_name(i: u32) -> String {
    format!("1.3.6.1.2.1.2.2.1.10.{i}")
}

/// Counter32 value of the `i`-th varbind of the Response.
pub fn varbind_value(i: u32) -> u32 {
    1_000_000u32.wrapping_add(i.wrapping_mul(7919))
}

/// Criterion function id of the raw-hash floor.
pub const RAW_HASH: &str = "raw-hash";

/// The hash of a password-to-key scenario.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KeyHash {
    /// SHA-1 (usmHMACSHAAuthProtocol).
    Sha1,
    /// SHA-256 (usmHMAC192SHA256AuthProtocol).
    Sha256,
}

impl KeyHash {
    /// Both.
    pub const ALL: [KeyHash; 2] = [KeyHash::Sha1, KeyHash::Sha256];

    /// The scenario name (`password-to-key-sha1`, ...).
    pub fn scenario(self) -> &'static str {
        match self {
            KeyHash::Sha1 => "password-to-key-sha1",
            KeyHash::Sha256 => "password-to-key-sha256",
        }
    }

    fn fleetwire(self) -> HashAlgorithm {
        match self {
            KeyHash::Sha1 => HashAlgorithm::Sha1,
            KeyHash::Sha256 => HashAlgorithm::Sha256,
        }
    }

    fn async_snmp(self) -> asnmp::AuthProtocol {
        match self {
            KeyHash::Sha1 => asnmp::AuthProtocol::Sha1,
            KeyHash::Sha256 => asnmp::AuthProtocol::Sha256,
        }
    }

    /// The raw hash of `data` (the floor), with the same crates fleetwire hashes with.
    pub fn raw_hash(self, data: &[u8]) -> Vec<u8> {
        match self {
            KeyHash::Sha1 => sha1::Sha1::digest(data).to_vec(),
            KeyHash::Sha256 => sha2::Sha256::digest(data).to_vec(),
        }
    }

    /// fleetwire's password-to-key (master key Ku).
    pub fn fleetwire_password_to_key(
        self,
        crypto: &RustCrypto,
        password: &[u8],
    ) -> Result<fw::usm::SecretKey, PeerError> {
        fw::usm::key::password_to_key(crypto, self.fleetwire(), password)
            .map_err(failed("fleetwire password_to_key"))
    }

    /// async-snmp's password-to-key (master key Ku).
    pub fn async_snmp_password_to_key(
        self,
        password: &[u8],
    ) -> Result<asnmp::MasterKey, PeerError> {
        asnmp::MasterKey::from_password(self.async_snmp(), password)
            .map_err(failed("async-snmp MasterKey::from_password"))
    }
}

/// The password repeated to [`EXPANDED_LEN`] bytes: exactly what password-to-key hashes.
pub fn expanded_password(password: &[u8]) -> Vec<u8> {
    password
        .iter()
        .copied()
        .cycle()
        .take(EXPANDED_LEN)
        .collect()
}

/// Scenario name of the receive path.
pub const RECEIVE: &str = "receive-authpriv-sha256-aes128";
/// Scenario name of the send path.
pub const SEND: &str = "send-authpriv-sha256-aes128";

/// What `bench-report` prints under a `usm/<scenario>` heading.
pub fn describe(scenario: &str) -> Option<&'static str> {
    Some(match scenario {
        "password-to-key-sha1" => {
            "Password-to-key (RFC 3414 A.2), SHA-1, password `maplesyrup`: 1 MiB hashed. `raw-hash` is one SHA-1 of the same 1 MiB already in memory."
        }
        "password-to-key-sha256" => {
            "Password-to-key (RFC 3414 A.2), SHA-256, password `maplesyrup`: 1 MiB hashed. `raw-hash` is one SHA-256 of the same 1 MiB already in memory."
        }
        RECEIVE => {
            "Manager receive path of an authPriv (HMAC-SHA-256-192 / AES-128-CFB) Response with 20 Counter32 varbinds: decode, verify the HMAC over the wire bytes, timeliness, decrypt, decode the scoped PDU, correlate, walk every varbind. Same wire bytes for both."
        }
        SEND => {
            "Manager send path of the matching authPriv GetRequest (20 varbinds, PDU built ahead of time): build + encode the scoped PDU, encrypt, encode the message, sign."
        }
        _ => return None,
    })
}

/// A performance target: `fleetwire`'s median ≤ `max_ratio` × `versus`'s.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Target {
    /// The function compared with.
    pub versus: &'static str,
    /// The largest acceptable ratio fleetwire / `versus`.
    pub max_ratio: f64,
}

/// The target for a scenario.
pub fn target(scenario: &str) -> Option<Target> {
    match scenario {
        "password-to-key-sha1" | "password-to-key-sha256" => Some(Target {
            versus: RAW_HASH,
            max_ratio: 1.1,
        }),
        RECEIVE | SEND => Some(Target {
            versus: "async-snmp",
            max_ratio: 0.5,
        }),
        _ => None,
    }
}

/// Footnotes for a scenario's async-snmp row.
pub fn notes(scenario: &str) -> &'static [&'static str] {
    match scenario {
        RECEIVE => &[
            "async-snmp's client receive path (`validate_v3_candidate`) rebuilt from its public API in the same order: `RawV3Message::decode` and `UsmSecurityParams::decode` stand for the crate-private `decode_bounded_with_target` / `decode_with_context` (same parser); after `PrivKey::decrypt`, the crate-private `decode_scoped_pdu` is replaced by what it wraps (`ScopedPdu::decode` on a `ber::Decoder` + trailing-data check); the crate-private step-7b check `EngineState::check_and_update_timeliness` is replicated (clock read + arithmetic on a cloned public `EngineState`). Not included: the client's `RwLock` reads, tracing and transport.",
        ],
        SEND => &[
            "async-snmp's client send path (`build_v3_message` → `encode_v3_message`, a `pub fn` in a crate-private module) replicated step by step with its public calls (`ScopedPdu::new` with a PDU clone, `encode_to_bytes`, `PrivKey::encrypt_aes`, `UsmSecurityParams` builder + `encode`, `V3Message::new_with_opaque_encrypted_scoped_pdu` + `encode`, `find_auth_params_offset`, `authenticate_message`); the crate-private `estimated_boots_time` is replicated (clock read + arithmetic). Not included: the client's `RwLock` reads, engine-cache refresh, tracing and transport.",
        ],
        _ => &[],
    }
}

// ---------------------------------------------------------------------------------------
// fleetwire

/// `now` of the clocks when they are (re)started: the agent's engine time then is
/// [`ENGINE_TIME`].
const START: Duration = Duration::from_secs(ENGINE_TIME as u64);

/// fleetwire's manager: a [`Session`] with the engine set and keys localized.
#[derive(Debug)]
pub struct FleetwireClient {
    crypto: RustCrypto,
    keys: KeyCache,
    session: Session,
    epoch: Instant,
    scratch: Vec<u8>,
    /// The GetRequest PDU (built ahead of time).
    pub request: fw::Pdu<'static>,
}

impl FleetwireClient {
    /// The session for `alice` at authPriv, engine ID/boots/time set (keys localized).
    pub fn new() -> Result<Self, PeerError> {
        let crypto = RustCrypto::new();
        let session = Session::new(
            &crypto,
            fleetwire_user(&crypto)?,
            SecurityLevel::AuthPriv,
            AlgorithmPolicy::Any,
        )
        .map_err(failed("Session::new"))?;
        let names = (1..=VARBINDS)
            .map(|i| varbind_name(i).parse())
            .collect::<Result<Vec<fw::Oid<'static>>, _>>()
            .map_err(failed("OID"))?;
        let request = fw::Pdu::GetRequest(fw::GenericPdu::new(
            REQUEST_ID,
            names.into_iter().map(fw::VarBind::null).collect::<Vec<_>>(),
        ));
        let mut client = Self {
            crypto,
            keys: KeyCache::new(),
            session,
            epoch: Instant::now(),
            scratch: Vec::with_capacity(2048),
            request,
        };
        client.restart_clock()?;
        Ok(client)
    }

    /// Restarts the clock: the agent's time is [`ENGINE_TIME`] now (call before each
    /// timed run, so that the fixed Response stays within the 150 s window).
    pub fn restart_clock(&mut self) -> Result<(), PeerError> {
        self.epoch = Instant::now();
        let time = EngineTime {
            boots: ENGINE_BOOTS,
            time: ENGINE_TIME,
        };
        self.session
            .set_engine(&self.crypto, &mut self.keys, ENGINE_ID, time, START)
            .map_err(failed("Session::set_engine"))
    }

    /// The sans-IO API's `now`: a clock read.
    fn now(&self) -> Duration {
        START + self.epoch.elapsed()
    }

    /// The send path: appends the encoded, encrypted, signed GetRequest to `out`.
    pub fn send(&mut self, out: &mut Vec<u8>) -> Result<(), PeerError> {
        let now = self.now();
        self.session
            .encode_request(&self.crypto, now, MSG_ID, b"", &self.request, out)
            .map_err(failed("Session::encode_request"))
    }

    /// The receive path: verifies, decrypts and decodes `bytes`, correlates it with the
    /// request and reports it to `sink`.
    pub fn receive<S: crate::normalized::Sink>(
        &mut self,
        bytes: &[u8],
        sink: &mut S,
    ) -> Result<(), PeerError> {
        let now = self.now();
        let received = self
            .session
            .receive(&self.crypto, &mut self.keys, now, bytes, &mut self.scratch)
            .map_err(failed("Session::receive"))?;
        let Received::Message(m) = received else {
            return Err(PeerError::Failed(format!(
                "expected a message, got {received:?}"
            )));
        };
        let scoped = &m.scoped_pdu;
        if m.header.msg_id != MSG_ID
            || m.level != SecurityLevel::AuthPriv
            || !matches!(scoped.pdu, fw::Pdu::Response(_))
            || scoped.pdu.request_id() != Some(REQUEST_ID)
            || *scoped.context_engine_id != *ENGINE_ID
            || !scoped.context_name.is_empty()
        {
            return Err(PeerError::Failed(
                "Response does not match the request".into(),
            ));
        }
        sink.int_field(Field::MsgId, i64::from(m.header.msg_id));
        sink.int_field(Field::EngineBoots, i64::from(m.security.engine_boots));
        sink.int_field(Field::EngineTime, i64::from(m.security.engine_time));
        sink.bytes_field(Field::ContextEngineId, &scoped.context_engine_id);
        sink.bytes_field(Field::ContextName, &scoped.context_name);
        crate::fleetwire::walk_pdu(&scoped.pdu, sink)
    }
}

fn fleetwire_user(crypto: &RustCrypto) -> Result<UsmUser, PeerError> {
    UsmUser::new(USER)
        .and_then(|u| u.with_auth_password(crypto, fw::usm::AuthProtocol::Sha256, AUTH_PASSWORD))
        .and_then(|u| u.with_priv_password(crypto, fw::usm::PrivProtocol::Aes128, PRIV_PASSWORD))
        .map_err(failed("UsmUser"))
}

/// fleetwire's agent: the authoritative engine that answers the request (setup and
/// verification only, never timed).
#[derive(Debug)]
pub struct FleetwireAgent {
    crypto: RustCrypto,
    engine: LocalEngine,
}

impl FleetwireAgent {
    /// The engine [`ENGINE_ID`], boots [`ENGINE_BOOTS`], time 0 at `now` = 0, knowing
    /// `alice`.
    pub fn new() -> Result<Self, PeerError> {
        let crypto = RustCrypto::new();
        let mut engine = LocalEngine::new(&crypto, ENGINE_ID, ENGINE_BOOTS, Duration::ZERO)
            .map_err(failed("LocalEngine::new"))?;
        engine
            .add_user(&crypto, &fleetwire_user(&crypto)?)
            .map_err(failed("LocalEngine::add_user"))?;
        Ok(Self { crypto, engine })
    }

    /// Accepts `request` and encodes the Response (20 Counter32 varbinds), at engine time
    /// [`ENGINE_TIME`].
    pub fn respond(&mut self, request: &[u8]) -> Result<Vec<u8>, PeerError> {
        let mut scratch = Vec::new();
        let (ctx, _) = self
            .engine
            .receive(&self.crypto, START, request, &mut scratch)
            .map_err(|r| PeerError::Failed(format!("LocalEngine::receive: {}", r.error)))?;
        let varbinds = (1..=VARBINDS)
            .map(|i| {
                Ok(fw::VarBind::new(
                    varbind_name(i).parse().map_err(failed("OID"))?,
                    fw::Value::Counter32(varbind_value(i)),
                ))
            })
            .collect::<Result<Vec<_>, PeerError>>()?;
        let response = fw::Pdu::Response(fw::GenericPdu::new(REQUEST_ID, varbinds));
        let mut out = Vec::new();
        self.engine
            .encode_response(&self.crypto, START, &ctx, &response, &mut out)
            .map_err(failed("LocalEngine::encode_response"))?;
        Ok(out)
    }

    /// What the agent sees in a request: header, USM parameters (without the MAC and
    /// salt), level and scoped PDU, as text (for comparing two requests).
    pub fn accept(&mut self, request: &[u8]) -> Result<String, PeerError> {
        let mut scratch = Vec::new();
        let (ctx, m) = self
            .engine
            .receive(&self.crypto, START, request, &mut scratch)
            .map_err(|r| PeerError::Failed(format!("LocalEngine::receive: {}", r.error)))?;
        let s = &m.security;
        Ok(format!(
            "{:?}\nengine {:02x?} boots {} user {:02x?} auth {} bytes priv {} bytes\nlevel {:?} anomalies {:?}\n{:?}\n{:?}",
            m.header,
            &*s.engine_id,
            s.engine_boots,
            &*s.user_name,
            s.auth_parameters.len(),
            s.priv_parameters.len(),
            m.level,
            m.anomalies,
            m.scoped_pdu,
            ctx,
        ))
    }
}

// ---------------------------------------------------------------------------------------
// async-snmp

/// Replica of async-snmp's crate-private authenticated engine clock
/// (`AuthenticatedEngineTime` + `EngineState::check_and_update_timeliness_at` /
/// `estimated_boots_time_at`, `v3/engine.rs`).
#[derive(Debug, Clone)]
pub struct EngineClock {
    boots: u32,
    received_time_base: u32,
    received_at: Instant,
    latest_received_time: u32,
}

impl EngineClock {
    fn new(boots: u32, time: u32, now: Instant) -> Self {
        Self {
            boots,
            received_time_base: time,
            received_at: now,
            latest_received_time: time,
        }
    }

    fn estimated_at(&self, now: Instant) -> (u32, u32) {
        use asnmp::v3::MAX_ENGINE_TIME;
        if self.boots == MAX_ENGINE_TIME {
            return (
                MAX_ENGINE_TIME,
                self.received_time_base.min(MAX_ENGINE_TIME),
            );
        }
        let elapsed = now
            .checked_duration_since(self.received_at)
            .unwrap_or_default()
            .as_secs();
        let total_time = u64::from(self.received_time_base).saturating_add(elapsed);
        let cycle = u64::from(MAX_ENGINE_TIME) + 1;
        let additional_boots = total_time / cycle;
        let engine_time = u32::try_from(total_time % cycle).unwrap_or(MAX_ENGINE_TIME);
        let engine_boots = u32::try_from(
            (u64::from(self.boots) + additional_boots).min(u64::from(MAX_ENGINE_TIME)),
        )
        .unwrap_or(MAX_ENGINE_TIME);
        (engine_boots, engine_time)
    }

    fn roll_forward_at(&mut self, now: Instant) {
        let (estimated_boots, estimated_time) = self.estimated_at(now);
        if estimated_boots > self.boots {
            *self = Self::new(estimated_boots, estimated_time, now);
        }
    }

    fn update_at(&mut self, boots: u32, time: u32, now: Instant) {
        self.roll_forward_at(now);
        if boots > self.boots || (boots == self.boots && time > self.latest_received_time) {
            *self = Self::new(boots, time, now);
        }
    }

    /// Step 7(b): updates the notion, then checks the asymmetric window.
    fn check_and_update_timeliness_at(&mut self, boots: u32, time: u32, now: Instant) -> bool {
        use asnmp::v3::{MAX_ENGINE_TIME, TIME_WINDOW};
        self.update_at(boots, time, now);
        let (local_boots, local_time) = self.estimated_at(now);
        local_boots != MAX_ENGINE_TIME
            && boots >= local_boots
            && (boots != local_boots || time >= local_time.saturating_sub(TIME_WINDOW))
    }
}

/// What async-snmp's client holds for a discovered engine: its public `EngineState`
/// (cloned per response, as the client does) and the replicated clock.
#[derive(Debug, Clone)]
struct EngineSnapshot {
    state: asnmp::v3::EngineState,
    clock: EngineClock,
}

/// async-snmp's manager state after discovery: USM config, localized keys, salt counter,
/// engine state, decode config, and the GetRequest PDU (built ahead of time).
pub struct AsyncSnmpClient {
    usm: asnmp::UsmConfig,
    keys: asnmp::v3::DerivedKeys,
    salt: asnmp::v3::SaltCounter,
    engine: EngineSnapshot,
    decode_config: asnmp::DecodeConfig,
    local_capacity: asnmp::MessageSize,
    /// The GetRequest PDU (built ahead of time).
    pub request: asnmp::Pdu,
}

impl std::fmt::Debug for AsyncSnmpClient {
    // `SaltCounter` has no `Debug`.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("AsyncSnmpClient")
            .field("usm", &self.usm)
            .field("keys", &self.keys)
            .field("engine", &self.engine)
            .field("decode_config", &self.decode_config)
            .field("local_capacity", &self.local_capacity)
            .field("request", &self.request)
            .finish_non_exhaustive()
    }
}

fn async_err<E: std::fmt::Display>(context: &'static str) -> impl Fn(E) -> PeerError {
    failed(context)
}

fn reject(what: &str) -> PeerError {
    PeerError::Failed(format!("async-snmp rejected the Response: {what}"))
}

impl AsyncSnmpClient {
    /// The client state for `alice` at authPriv with keys localized to [`ENGINE_ID`].
    pub fn new() -> Result<Self, PeerError> {
        let usm = asnmp::UsmConfig::new(Bytes::from_static(USER))
            .auth_priv(
                asnmp::AuthProtocol::Sha256,
                AUTH_PASSWORD,
                asnmp::PrivProtocol::Aes128,
                PRIV_PASSWORD,
            )
            .map_err(async_err("UsmConfig::auth_priv"))?;
        let keys = usm
            .derive_keys(ENGINE_ID)
            .map_err(async_err("UsmConfig::derive_keys"))?;
        let local_capacity =
            asnmp::MessageSize::try_from(i32::try_from(MAX_SIZE).map_err(async_err("MAX_SIZE"))?)
                .map_err(async_err("MessageSize"))?;
        let oids = (1..=VARBINDS)
            .map(|i| asnmp::Oid::parse(&varbind_name(i)))
            .collect::<Result<Vec<_>, _>>()
            .map_err(async_err("Oid::parse"))?;
        let request = asnmp::pdu::RequestPdu::get(asnmp::Version::V3, REQUEST_ID, &oids)
            .map_err(async_err("RequestPdu::get"))?
            .into_raw();
        let mut client = Self {
            usm,
            keys,
            salt: asnmp::v3::SaltCounter::new().map_err(async_err("SaltCounter::new"))?,
            engine: EngineSnapshot {
                state: engine_state(local_capacity)?,
                clock: EngineClock::new(ENGINE_BOOTS, ENGINE_TIME, Instant::now()),
            },
            decode_config: asnmp::DecodeConfig::DEFAULT,
            local_capacity,
            request,
        };
        client.restart_clock();
        Ok(client)
    }

    /// Restarts the clock: the agent's time is [`ENGINE_TIME`] now.
    pub fn restart_clock(&mut self) {
        self.engine.clock = EngineClock::new(ENGINE_BOOTS, ENGINE_TIME, Instant::now());
    }

    /// The send path (`build_v3_message` + `encode_v3_message`, AES branch): returns the
    /// encoded, encrypted, signed GetRequest.
    pub fn send(&self, pdu: &asnmp::Pdu) -> Result<Vec<u8>, PeerError> {
        use asnmp::message::{MsgFlags, MsgGlobalData, ScopedPdu, V3Message};
        use asnmp::v3::UsmSecurityParams;

        // build_v3_message
        let context_engine_id = self.engine.state.engine_id().clone();
        // Kept by the client (`EncodedV3Request`) to correlate the response.
        let _context_name = self.usm.configured_context_name().clone();
        let (engine_boots, engine_time) = self.engine.clock.estimated_at(Instant::now());
        // encode_v3_message(pdu, msg_id, &context_engine_id, ...)
        let engine_id: &[u8] = &context_engine_id;
        let security_level = self.usm.security_level();
        let priv_key = self
            .keys
            .priv_key
            .as_ref()
            .ok_or_else(|| PeerError::Failed("privacy key not available".into()))?;
        let scoped_pdu = ScopedPdu::new(
            Bytes::copy_from_slice(engine_id),
            self.usm.configured_context_name().clone(),
            pdu.clone(),
        );
        let scoped_pdu_bytes = scoped_pdu
            .encode_to_bytes()
            .map_err(async_err("ScopedPdu::encode_to_bytes"))?;
        let (ciphertext, salt) = priv_key
            .encrypt_aes(&scoped_pdu_bytes, engine_boots, engine_time, &self.salt)
            .map_err(async_err("PrivKey::encrypt_aes"))?;
        let auth_key = self
            .keys
            .auth_key
            .as_ref()
            .ok_or_else(|| PeerError::Failed("auth key not available".into()))?;
        let usm_params = UsmSecurityParams::new(
            Bytes::copy_from_slice(engine_id),
            engine_boots,
            engine_time,
            self.usm.username().clone(),
        )
        .and_then(|p| p.with_auth_placeholder(auth_key.mac_len()))
        .and_then(|p| p.with_priv_params(salt))
        .map_err(async_err("UsmSecurityParams"))?;
        let usm_encoded = usm_params
            .encode()
            .map_err(async_err("UsmSecurityParams::encode"))?;
        let global_data = MsgGlobalData::new(
            i32::try_from(MSG_ID).map_err(async_err("msgID"))?,
            self.local_capacity,
            MsgFlags::new(security_level, true),
        )
        .map_err(async_err("MsgGlobalData::new"))?;
        let msg =
            V3Message::new_with_opaque_encrypted_scoped_pdu(global_data, usm_encoded, ciphertext)
                .map_err(async_err("V3Message::new_with_opaque_encrypted_scoped_pdu"))?;
        let mut encoded = msg
            .encode()
            .map_err(async_err("V3Message::encode"))?
            .to_vec();
        let (offset, len) = UsmSecurityParams::find_auth_params_offset(&encoded)
            .ok_or_else(|| PeerError::Failed("could not find auth params position".into()))?;
        asnmp::v3::auth::authenticate_message(auth_key, &mut encoded, offset, len)
            .map_err(async_err("authenticate_message"))?;
        // build_v3_message: enforce_outbound_size against the engine's msgMaxSize.
        if encoded.len() > self.engine.state.msg_max_size().as_usize() {
            return Err(PeerError::Failed("request exceeds msgMaxSize".into()));
        }
        Ok(encoded)
    }

    /// The receive path (`validate_v3_candidate`): verifies, decrypts and decodes
    /// `response_data`, correlates it with the request and reports it to `sink`.
    pub fn receive<S: crate::normalized::Sink>(
        &self,
        response_data: &Bytes,
        sink: &mut S,
    ) -> Result<(), PeerError> {
        use asnmp::message::{RawMsgData, RawV3Message, ScopedPdu};
        use asnmp::v3::UsmSecurityParams;

        let decoded = RawV3Message::decode(response_data.clone(), self.decode_config)
            .map_err(async_err("RawV3Message::decode"))?;
        let trailing_bytes = decoded
            .anomalies
            .iter()
            .find_map(|anomaly| match anomaly {
                asnmp::DecodeAnomaly::TrailingBytes {
                    original_length, ..
                } => Some(*original_length),
                _ => None,
            })
            .unwrap_or(0);
        let envelope_len = response_data.len().saturating_sub(trailing_bytes);
        let authenticated_message = response_data.slice(..envelope_len);
        let raw = decoded.value;
        let received_level = raw.security_level();
        let usm = UsmSecurityParams::decode(raw.security_params().clone(), self.decode_config)
            .map_err(async_err("UsmSecurityParams::decode"))?
            .value;

        // verify_response_security
        asnmp::v3::validate_engine_id(usm.engine_id()).map_err(|_| reject("engine ID"))?;
        usm.validate_for_security_level(received_level)
            .map_err(|_| reject("security level"))?;
        if usm.username() != self.usm.username() {
            return Err(reject("user name"));
        }
        if self.engine.state.engine_id() != usm.engine_id() {
            return Err(reject("engine"));
        }
        if !received_level.requires_auth() {
            return Err(reject("unauthenticated"));
        }
        let auth_key = self
            .keys
            .auth_key
            .as_ref()
            .ok_or_else(|| reject("no auth key"))?;
        if received_level.requires_priv() && self.keys.priv_key.is_none() {
            return Err(reject("no priv key"));
        }
        let (offset, len) = UsmSecurityParams::find_auth_params_offset(&authenticated_message)
            .ok_or_else(|| reject("auth params not found"))?;
        if !asnmp::v3::auth::verify_message(auth_key, &authenticated_message, offset, len)
            .map_err(async_err("verify_message"))?
        {
            return Err(reject("wrong digest"));
        }

        // Step 7(b), on a clone of the engine state.
        let mut candidate = self.engine.clone();
        if !candidate.clock.check_and_update_timeliness_at(
            usm.engine_boots(),
            usm.engine_time(),
            Instant::now(),
        ) {
            return Err(reject("not in time window"));
        }
        drop(candidate);

        // decrypt_scoped_pdu
        let RawMsgData::Encrypted(ciphertext) = raw.msg_data() else {
            return Err(reject("not encrypted"));
        };
        let priv_key = self
            .keys
            .priv_key
            .as_ref()
            .ok_or_else(|| reject("no priv key"))?;
        let plaintext = priv_key
            .decrypt(
                ciphertext,
                usm.engine_boots(),
                usm.engine_time(),
                usm.priv_params(),
            )
            .map_err(async_err("PrivKey::decrypt"))?;
        // decode_scoped_pdu (AES: nothing may follow the scoped PDU)
        let mut decoder =
            asnmp::ber::Decoder::new(plaintext).with_decode_config(self.decode_config);
        let scoped_pdu = ScopedPdu::decode(&mut decoder).map_err(async_err("ScopedPdu::decode"))?;
        if decoder.remaining() > 0 {
            return Err(reject("trailing data after the scoped PDU"));
        }

        // Correlation.
        if i64::from(raw.msg_id()) != i64::from(MSG_ID)
            || received_level != asnmp::SecurityLevel::AuthPriv
            || scoped_pdu.context_engine_id != *self.engine.state.engine_id()
            || scoped_pdu.context_name != *self.usm.configured_context_name()
            || scoped_pdu.pdu.pdu_type() != asnmp::PduType::Response
            || scoped_pdu.pdu.request_id() != REQUEST_ID
        {
            return Err(reject("does not match the request"));
        }
        sink.int_field(Field::MsgId, i64::from(raw.msg_id()));
        sink.int_field(Field::EngineBoots, i64::from(usm.engine_boots()));
        sink.int_field(Field::EngineTime, i64::from(usm.engine_time()));
        sink.bytes_field(Field::ContextEngineId, &scoped_pdu.context_engine_id);
        sink.bytes_field(Field::ContextName, &scoped_pdu.context_name);
        crate::peers::async_snmp::walk_pdu(&scoped_pdu.pdu, sink);
        Ok(())
    }
}

/// A public `EngineState` for [`ENGINE_ID`], as the client holds after discovery and an
/// authenticated exchange (through `EngineCache::seed_authenticated`).
fn engine_state(msg_max_size: asnmp::MessageSize) -> Result<asnmp::v3::EngineState, PeerError> {
    let cache = asnmp::EngineCache::new();
    let target = SocketAddr::from((Ipv4Addr::LOCALHOST, 161));
    let discovered = asnmp::DiscoveredEngine::new(Bytes::from_static(ENGINE_ID), msg_max_size)
        .map_err(async_err("DiscoveredEngine::new"))?;
    cache
        .seed_authenticated(target, discovered, ENGINE_BOOTS, ENGINE_TIME)
        .map_err(async_err("EngineCache::seed_authenticated"))?;
    cache
        .get(&target)
        .ok_or_else(|| PeerError::Failed("EngineCache::get".into()))
}

// ---------------------------------------------------------------------------------------
// Setup and verification

/// Everything the message benchmarks need, built and verified.
#[derive(Debug)]
pub struct MessageScenario {
    /// Our manager.
    pub fleetwire: FleetwireClient,
    /// async-snmp's manager.
    pub async_snmp: AsyncSnmpClient,
    /// The Response both receive (made by fleetwire's agent).
    pub response: Vec<u8>,
    /// The same bytes as `Bytes` (async-snmp receives into `Bytes`).
    pub response_bytes: Bytes,
    /// Our encoded GetRequest (its length is the send throughput).
    pub request: Vec<u8>,
}

/// The Response's expected contents, as the receive paths report them.
pub fn expected_response() -> Decoded {
    let mut d = Decoded::default();
    let int = |v: i64| HeaderValue::Int(v);
    d.header.insert(Field::MsgId, int(i64::from(MSG_ID)));
    d.header
        .insert(Field::EngineBoots, int(i64::from(ENGINE_BOOTS)));
    d.header
        .insert(Field::EngineTime, int(i64::from(ENGINE_TIME)));
    d.header.insert(
        Field::ContextEngineId,
        HeaderValue::Bytes(ENGINE_ID.to_vec()),
    );
    d.header
        .insert(Field::ContextName, HeaderValue::Bytes(Vec::new()));
    d.header.insert(Field::PduType, int(2));
    d.header
        .insert(Field::RequestId, int(i64::from(REQUEST_ID)));
    d.header.insert(Field::ErrorStatus, int(0));
    d.header.insert(Field::ErrorIndex, int(0));
    d.varbinds = (1..=VARBINDS)
        .map(|i| {
            (
                varbind_name(i),
                NormalizedValue::Counter32(varbind_value(i)),
            )
        })
        .collect();
    d
}

impl MessageScenario {
    /// Builds both managers, our request and the agent's Response to it (unverified: see
    /// [`MessageScenario::verify`]).
    pub fn new() -> Result<Self, PeerError> {
        let mut fleetwire = FleetwireClient::new()?;
        let async_snmp = AsyncSnmpClient::new()?;
        let mut agent = FleetwireAgent::new()?;
        let mut request = Vec::new();
        fleetwire.send(&mut request)?;
        let response = agent.respond(&request)?;
        let response_bytes = Bytes::from(response.clone());
        Ok(Self {
            fleetwire,
            async_snmp,
            response,
            response_bytes,
            request,
        })
    }

    fn check_requests(&self, agent: &mut FleetwireAgent) -> Result<(), PeerError> {
        let ours = agent.accept(&self.request)?;
        let theirs_wire = self.async_snmp.send(&self.async_snmp.request)?;
        let theirs = agent.accept(&theirs_wire)?;
        if ours != theirs {
            return Err(PeerError::Failed(format!(
                "fleetwire's agent decodes async-snmp's request differently from ours:\nours:\n{ours}\nasync-snmp's:\n{theirs}"
            )));
        }
        if self.request.len() != theirs_wire.len() {
            return Err(PeerError::Failed(format!(
                "requests differ in length: fleetwire {} bytes, async-snmp {} bytes",
                self.request.len(),
                theirs_wire.len()
            )));
        }
        Ok(())
    }

    /// Checks that both libraries produce and understand equivalent messages: our agent
    /// decodes async-snmp's request exactly as ours (same length too), both decode the
    /// Response to the expected contents (and the same digest), both reject a forged MAC.
    pub fn verify(&mut self) -> Result<(), PeerError> {
        let mut agent = FleetwireAgent::new()?;
        self.check_requests(&mut agent)?;
        self.fleetwire.restart_clock()?;
        self.async_snmp.restart_clock();

        let expected = expected_response();
        let mut ours = CollectSink::default();
        self.fleetwire.receive(&self.response, &mut ours)?;
        let ours = ours.finish().map_err(PeerError::Failed)?;
        if let Some(diff) = ours.diff(&expected) {
            return Err(PeerError::Failed(format!(
                "fleetwire decodes the Response wrongly:\n{diff}"
            )));
        }
        let mut theirs = CollectSink::default();
        self.async_snmp.receive(&self.response_bytes, &mut theirs)?;
        let theirs = theirs.finish().map_err(PeerError::Failed)?;
        if let Some(diff) = theirs.diff(&ours) {
            return Err(PeerError::Failed(format!(
                "async-snmp decodes our Response differently from fleetwire:\n{diff}"
            )));
        }
        // The digests the timed loops compute agree too.
        let mut a = DigestSink::default();
        self.fleetwire.receive(&self.response, &mut a)?;
        let mut b = DigestSink::default();
        self.async_snmp.receive(&self.response_bytes, &mut b)?;
        let (a, b) = (
            a.finish().map_err(PeerError::Failed)?,
            b.finish().map_err(PeerError::Failed)?,
        );
        if a != b || a != expected.digest().map_err(PeerError::Failed)? {
            return Err(PeerError::Failed(format!(
                "receive digests differ: fleetwire {a:#x}, async-snmp {b:#x}"
            )));
        }

        // A flipped MAC byte must be refused by both (the HMAC is really checked).
        let mut forged = self.response.clone();
        let (offset, len) = asnmp::v3::UsmSecurityParams::find_auth_params_offset(&forged)
            .ok_or_else(|| PeerError::Failed("no auth params in the Response".into()))?;
        if len != 24 {
            return Err(PeerError::Failed(format!(
                "MAC is {len} bytes, expected 24"
            )));
        }
        if let Some(b) = forged.get_mut(offset) {
            *b ^= 1;
        }
        if self
            .fleetwire
            .receive(&forged, &mut DigestSink::default())
            .is_ok()
        {
            return Err(PeerError::Failed("fleetwire accepted a forged MAC".into()));
        }
        if self
            .async_snmp
            .receive(&Bytes::from(forged), &mut DigestSink::default())
            .is_ok()
        {
            return Err(PeerError::Failed("async-snmp accepted a forged MAC".into()));
        }
        Ok(())
    }
}

/// Checks password-to-key: fleetwire and async-snmp both equal the raw hash of the expanded
/// password (and the RFC 3414 A.3.2 vector for SHA-1).
pub fn verify_password_to_key() -> Result<(), PeerError> {
    let crypto = RustCrypto::new();
    let expanded = expanded_password(PASSWORD);
    for hash in KeyHash::ALL {
        let raw = hash.raw_hash(&expanded);
        let ours = hash.fleetwire_password_to_key(&crypto, PASSWORD)?;
        let theirs = hash.async_snmp_password_to_key(PASSWORD)?;
        if ours.as_bytes() != raw.as_slice() || theirs.as_bytes() != raw.as_slice() {
            return Err(PeerError::Failed(format!(
                "{}: password-to-key differs from the raw hash of the expanded password",
                hash.scenario()
            )));
        }
        if hash == KeyHash::Sha1 && raw != MAPLESYRUP_SHA1_KU {
            return Err(PeerError::Failed(
                "SHA-1 password-to-key of maplesyrup is not RFC 3414 A.3.2's".into(),
            ));
        }
    }
    Ok(())
}

/// Every check, before anything is timed.
pub fn verify() -> Result<MessageScenario, PeerError> {
    verify_password_to_key()?;
    let mut scenario = MessageScenario::new()?;
    scenario.verify()?;
    Ok(scenario)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;

    #[test]
    fn usm_scenarios_verify() {
        let mut scenario = verify().unwrap_or_else(|e| panic!("{e}"));
        // The timed closures, once more each.
        let mut out = Vec::new();
        scenario.fleetwire.send(&mut out).unwrap();
        assert_eq!(out.len(), scenario.request.len());
        assert_eq!(
            scenario
                .async_snmp
                .send(&scenario.async_snmp.request)
                .unwrap()
                .len(),
            out.len()
        );
    }

    #[test]
    fn verification_catches_a_different_request() {
        let mut scenario = MessageScenario::new().unwrap();
        scenario.verify().unwrap();
        let oids = (1..=VARBINDS)
            .map(|i| asnmp::Oid::parse(&varbind_name(i)).unwrap())
            .collect::<Vec<_>>();
        // Another request-id: same length, different contents.
        scenario.async_snmp.request =
            asnmp::pdu::RequestPdu::get(asnmp::Version::V3, REQUEST_ID + 1, &oids)
                .unwrap()
                .into_raw();
        let err = scenario.verify().unwrap_err().to_string();
        assert!(err.contains("differently"), "{err}");
        let mut agent = FleetwireAgent::new().unwrap();
        println!("{}", agent.accept(&scenario.request).unwrap());
    }

    #[test]
    fn clock_replica_keeps_the_window() {
        let t0 = Instant::now();
        let mut clock = EngineClock::new(3, 10, t0);
        assert!(clock.clone().check_and_update_timeliness_at(3, 10, t0));
        let later = t0 + Duration::from_secs(200);
        assert!(!clock.clone().check_and_update_timeliness_at(3, 10, later));
        assert!(clock.check_and_update_timeliness_at(4, 0, later));
        assert_eq!(clock.estimated_at(later), (4, 0));
    }
}
