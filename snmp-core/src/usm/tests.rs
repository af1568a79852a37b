#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use alloc::format;
use alloc::vec;
use alloc::vec::Vec;
use core::time::Duration;

use super::*;
use crate::crypto::{Deterministic, HashAlgorithm};
use crate::pdu::{GenericPdu, Pdu, VarBind};
use crate::usm::key::{apply_key_change, key_change_value, localize_key, password_to_key};

const CRYPTO: Deterministic = Deterministic::new(0x0123_4567_89ab_cdef);
const RFC_ENGINE: [u8; 12] = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

fn hex(s: &str) -> Vec<u8> {
    let s: alloc::string::String = s.chars().filter(|c| !c.is_whitespace()).collect();
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn rfc3414_a3_md5_and_sha1() {
    let ku = password_to_key(&CRYPTO, HashAlgorithm::Md5, b"maplesyrup").unwrap();
    assert_eq!(
        ku.as_bytes(),
        hex("9f af 32 83 88 4e 92 83 4e bc 98 47 d8 ed d9 63")
    );
    let kul = localize_key(&CRYPTO, HashAlgorithm::Md5, &ku, &RFC_ENGINE).unwrap();
    assert_eq!(
        kul.as_bytes(),
        hex("52 6f 5e ed 9f cc e2 6f 89 64 c2 93 07 87 d8 2b")
    );
    let ku = password_to_key(&CRYPTO, HashAlgorithm::Sha1, b"maplesyrup").unwrap();
    assert_eq!(
        ku.as_bytes(),
        hex("9f b5 cc 03 81 49 7b 37 93 52 89 39 ff 78 8d 5d 79 14 52 11")
    );
    let kul = localize_key(&CRYPTO, HashAlgorithm::Sha1, &ku, &RFC_ENGINE).unwrap();
    assert_eq!(
        kul.as_bytes(),
        hex("66 95 fe bc 92 88 e3 62 82 23 5f c7 15 1f 12 84 97 b3 8f 3f")
    );
    // Through the user API.
    let user = UsmUser::new(b"u")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Md5, b"maplesyrup")
        .unwrap();
    let local = user.localize(&CRYPTO, &RFC_ENGINE).unwrap();
    assert_eq!(
        local.keys().auth.as_ref().unwrap().1.as_bytes(),
        hex("526f5eed9fcce26f8964c2930787d82b")
    );
}

#[test]
fn rfc3414_a5_key_change() {
    for (hash, old, new, delta) in [
        (
            HashAlgorithm::Md5,
            "526f5eed9fcce26f8964c2930787d82b",
            "87021d7bd9d101ba05ea6e3bf9d9bd4a",
            "8805615141676cc9196174e742a32551",
        ),
        (
            HashAlgorithm::Sha1,
            "6695febc9288e36282235fc7151f128497b38f3f",
            "78e2dcce79d59403b58c1bbaa5bff46391f1cd25",
            "9c1017f4fd483d2de8d5fadbf84392cb06457051",
        ),
    ] {
        // The new key is the RFC's localized "newsyrup".
        let ku = password_to_key(&CRYPTO, hash, b"newsyrup").unwrap();
        let new_key = localize_key(&CRYPTO, hash, &ku, &RFC_ENGINE).unwrap();
        assert_eq!(new_key.as_bytes(), hex(new));
        let old_key = SecretKey::from_bytes(&hex(old)).unwrap();
        let random = vec![0u8; old_key.len()];
        let value = key_change_value(&CRYPTO, hash, &old_key, &new_key, &random).unwrap();
        assert_eq!(value[..random.len()], random[..]);
        assert_eq!(value[random.len()..], hex(delta)[..], "{hash} delta");
        let applied = apply_key_change(&CRYPTO, hash, &old_key, &value).unwrap();
        assert_eq!(applied, new_key);
        // A longer key than one digest (two rounds of the key stream) round-trips too.
        let old32 = SecretKey::from_bytes(&[7u8; 32]).unwrap();
        let new32 = SecretKey::from_bytes(&[9u8; 32]).unwrap();
        let v = key_change_value(&CRYPTO, hash, &old32, &new32, &[1u8; 32]).unwrap();
        assert_eq!(apply_key_change(&CRYPTO, hash, &old32, &v).unwrap(), new32);
    }
}

#[test]
fn short_passwords_are_refused() {
    let err = UsmUser::new(b"u")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha256, b"1234567")
        .unwrap_err();
    assert_eq!(err, UsmError::PasswordTooShort { len: 7 });
    assert!(format!("{err}").contains("at least 8"));
}

#[test]
fn secrets_are_never_printed() {
    let user = UsmUser::new(b"alice")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha1, b"maplesyrup")
        .unwrap()
        .with_priv_password(&CRYPTO, PrivProtocol::Aes128, b"maplesyrup")
        .unwrap();
    let local = user.localize(&CRYPTO, &RFC_ENGINE).unwrap();
    for text in [
        format!("{user:?}"),
        format!("{local:?}"),
        format!("{:?}", local.keys()),
    ] {
        for needle in ["66", "9f", "102, 149"] {
            // No key byte sequences: only lengths and names.
            assert!(!text.contains(&format!("{needle}, ")), "{text}");
        }
        assert!(!text.to_lowercase().contains("6695fe"), "{text}");
    }
    assert!(format!("{local:?}").contains("redacted"));
}

#[test]
fn key_cache_localizes_once_per_engine() {
    let user = UsmUser::new(b"alice")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha256, b"authpass123")
        .unwrap();
    let mut cache = KeyCache::new();
    let a = cache.localize(&CRYPTO, &user, b"engine-one").unwrap();
    let b = cache.localize(&CRYPTO, &user, b"engine-one").unwrap();
    let c = cache.localize(&CRYPTO, &user, b"engine-two").unwrap();
    assert_eq!(cache.derivations(), 2);
    assert_eq!(a.keys(), b.keys());
    assert_ne!(a.keys(), c.keys());
    // Another user with the same password shares the entry.
    let bob = UsmUser::new(b"bob")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha256, b"authpass123")
        .unwrap();
    let d = cache.localize(&CRYPTO, &bob, b"engine-one").unwrap();
    assert_eq!(cache.derivations(), 2);
    assert_eq!(d.name(), b"bob");
    let mut small = KeyCache::with_max_entries(1);
    small.localize(&CRYPTO, &user, b"engine-one").unwrap();
    small.localize(&CRYPTO, &user, b"engine-two").unwrap();
    assert_eq!(small.len(), 1);
}

#[test]
fn fips_policy_refuses_md5_des_3des() {
    let md5 = UsmUser::new(b"u")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Md5, b"authpass123")
        .unwrap();
    let err = Session::new(
        &CRYPTO,
        md5.clone(),
        SecurityLevel::AuthNoPriv,
        AlgorithmPolicy::Fips,
    )
    .unwrap_err();
    assert_eq!(
        err,
        UsmError::RefusedByPolicy {
            algorithm: "HMAC-MD5-96",
            policy: AlgorithmPolicy::Fips
        }
    );
    assert_eq!(
        format!("{err}"),
        "HMAC-MD5-96 is not allowed by the FIPS 140-3 policy"
    );
    for p in [PrivProtocol::Des, PrivProtocol::TripleDes] {
        let u = UsmUser::new(b"u")
            .unwrap()
            .with_auth_password(&CRYPTO, AuthProtocol::Sha256, b"authpass123")
            .unwrap()
            .with_priv_password(&CRYPTO, p, b"privpass123")
            .unwrap();
        let mut engine = LocalEngine::new(&CRYPTO, b"\x80\0\0\0\x01", 1, Duration::ZERO)
            .unwrap()
            .with_policy(AlgorithmPolicy::Fips);
        assert!(matches!(
            engine.add_user(&CRYPTO, &u),
            Err(UsmError::RefusedByPolicy { .. })
        ));
        assert!(Session::new(&CRYPTO, u, SecurityLevel::AuthPriv, AlgorithmPolicy::Any).is_ok());
    }
    let ok = UsmUser::new(b"u")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha1, b"authpass123")
        .unwrap()
        .with_priv_password(&CRYPTO, PrivProtocol::Aes256Reeder, b"privpass123")
        .unwrap();
    assert!(Session::new(&CRYPTO, ok, SecurityLevel::AuthPriv, AlgorithmPolicy::Fips).is_ok());
}

#[test]
fn names_are_unambiguous() {
    assert_eq!(
        PrivProtocol::from_name("AES-256"),
        Some(PrivProtocol::Aes256Blumenthal)
    );
    assert_eq!(
        PrivProtocol::from_name("aes-256-c"),
        Some(PrivProtocol::Aes256Reeder)
    );
    assert_eq!(
        PrivProtocol::from_name("AES-192-C"),
        Some(PrivProtocol::Aes192Reeder)
    );
    assert_eq!(PrivProtocol::from_name("AES"), Some(PrivProtocol::Aes128));
    assert_eq!(PrivProtocol::from_name("AES256"), None);
    assert_eq!(AuthProtocol::from_name("SHA"), Some(AuthProtocol::Sha1));
    assert_eq!(
        AuthProtocol::from_name("sha-512"),
        Some(AuthProtocol::Sha512)
    );
    for p in PrivProtocol::ALL {
        assert_eq!(PrivProtocol::from_oid(p.algorithm().oid), Some(p));
        assert_eq!(
            PrivProtocol::from_name(p.algorithm().net_snmp_name),
            Some(p)
        );
    }
    for a in AuthProtocol::ALL {
        assert_eq!(AuthProtocol::from_oid(a.algorithm().oid), Some(a));
        assert_eq!(a.algorithm().key_len, a.algorithm().hash.output_len());
    }
}

#[test]
fn blumenthal_and_reeder_agree_only_for_long_digests() {
    for auth in AuthProtocol::ALL {
        let user = |p| {
            UsmUser::new(b"u")
                .unwrap()
                .with_auth_password(&CRYPTO, auth, b"authpass123")
                .unwrap()
                .with_priv_password(&CRYPTO, p, b"privpass123")
                .unwrap()
                .localize(&CRYPTO, b"\x80\0\0\0\x01")
                .unwrap()
        };
        for (b, r, len) in [
            (
                PrivProtocol::Aes192Blumenthal,
                PrivProtocol::Aes192Reeder,
                24,
            ),
            (
                PrivProtocol::Aes256Blumenthal,
                PrivProtocol::Aes256Reeder,
                32,
            ),
        ] {
            let kb = user(b).keys().privacy.clone().unwrap().1;
            let kr = user(r).keys().privacy.clone().unwrap().1;
            assert_eq!(kb.len(), len);
            assert_eq!(kb == kr, auth.algorithm().key_len >= len, "{auth} {b}");
            // The first digest-length bytes are the localized key in both.
            let n = auth.algorithm().key_len.min(len);
            assert_eq!(kb.as_bytes()[..n], kr.as_bytes()[..n]);
        }
    }
}

fn all_users(engine_id: &[u8]) -> Vec<(UsmUser, LocalizedUser)> {
    let mut out = Vec::new();
    for auth in AuthProtocol::ALL {
        let base = UsmUser::new(format!("{auth}").as_bytes())
            .unwrap()
            .with_auth_password(&CRYPTO, auth, b"authpass123")
            .unwrap();
        out.push((base.clone(), base.localize(&CRYPTO, engine_id).unwrap()));
        for p in PrivProtocol::ALL {
            let u = base
                .clone()
                .with_priv_password(&CRYPTO, p, b"privpass123")
                .unwrap();
            let l = u.localize(&CRYPTO, engine_id).unwrap();
            out.push((u, l));
        }
    }
    out
}

fn get_request(request_id: i32, engine_id: &[u8]) -> ScopedPdu<'static> {
    ScopedPdu {
        context_engine_id: Cow::Owned(engine_id.to_vec()),
        context_name: Cow::Borrowed(b""),
        pdu: Pdu::GetRequest(GenericPdu::new(
            request_id,
            vec![
                VarBind::null("1.3.6.1.2.1.1.1.0".parse().unwrap()),
                VarBind::null("1.3.6.1.2.1.1.5.0".parse().unwrap()),
            ],
        )),
    }
}

/// Prepared keys (HMAC states, cipher key schedules) give exactly the bytes the provider's
/// one-shot operations give, for every combination, in both directions.
#[test]
fn prepared_keys_agree_with_unprepared() {
    let engine_id = b"\x80\x00\x1f\x88\x04fleet";
    let scoped = get_request(7, engine_id);
    for (_, prepared) in all_users(engine_id) {
        let level = prepared.max_level();
        assert_eq!(
            prepared
                .auth_key(&CRYPTO)
                .and_then(|k| k.prepared)
                .is_some(),
            level >= SecurityLevel::AuthNoPriv
        );
        assert_eq!(
            prepared
                .priv_key(&CRYPTO)
                .and_then(|k| k.prepared)
                .is_some(),
            level == SecurityLevel::AuthPriv
        );
        let plain =
            LocalizedUser::from_keys(prepared.name(), engine_id, prepared.keys().clone()).unwrap();
        assert!(plain.auth_key(&CRYPTO).and_then(|k| k.prepared).is_none());
        assert!(plain.priv_key(&CRYPTO).and_then(|k| k.prepared).is_none());
        // Prepared by another provider: not used.
        let other = crate::crypto::RustCrypto::new();
        assert!(prepared.auth_key(&other).and_then(|k| k.prepared).is_none());
        let out = Outgoing {
            msg_id: 3,
            max_size: 1500,
            level,
            reportable: true,
            engine_boots: 2,
            engine_time: 900,
        };
        let encode = |user: &LocalizedUser| {
            let mut wire = Vec::new();
            let mut salt = SaltCounter::new(0x5eed);
            generate_message(&CRYPTO, user, &out, &scoped, &mut salt, &mut wire).unwrap();
            wire
        };
        let (a, b) = (encode(&prepared), encode(&plain));
        assert_eq!(
            a,
            b,
            "{:?} {:?}",
            prepared.auth_protocol(),
            prepared.priv_protocol()
        );
        for (receiver, wire) in [(&prepared, &b), (&plain, &a)] {
            let mut scratch = Vec::new();
            let got = process_incoming(
                &CRYPTO,
                receiver,
                wire,
                &DecodeOptions::default(),
                &mut scratch,
            )
            .unwrap();
            assert_eq!(got.scoped_pdu, scoped);
        }
        // And a prepared key still rejects a wrong MAC.
        if level >= SecurityLevel::AuthNoPriv {
            let range = V3Message::locate_auth_parameters(&a).unwrap();
            let mut bad = a.clone();
            bad[range.start] ^= 0x80;
            let mut scratch = Vec::new();
            let err = process_incoming(
                &CRYPTO,
                &prepared,
                &bad,
                &DecodeOptions::default(),
                &mut scratch,
            )
            .unwrap_err();
            assert!(matches!(err, UsmError::WrongDigest), "{err:?}");
        }
    }
}

#[test]
fn generate_and_process_every_combination() {
    let engine_id = b"\x80\x00\x1f\x88\x04fleet";
    let scoped = get_request(42, engine_id);
    let mut salt = SaltCounter::new(u64::MAX - 1);
    for (_, user) in all_users(engine_id) {
        let level = user.max_level();
        let out = Outgoing {
            msg_id: 9,
            max_size: 1500,
            level,
            reportable: true,
            engine_boots: 4,
            engine_time: 77,
        };
        let mut wire = Vec::new();
        generate_message(&CRYPTO, &user, &out, &scoped, &mut salt, &mut wire).unwrap();
        let mut scratch = Vec::new();
        let got = process_incoming(
            &CRYPTO,
            &user,
            &wire,
            &DecodeOptions::default(),
            &mut scratch,
        )
        .unwrap();
        assert_eq!(got.scoped_pdu, scoped, "{:?}", user.priv_protocol());
        assert_eq!(got.level, level);
        assert_eq!(got.header.msg_id, 9);
        // Any flipped byte is caught: by the digest, or by the decoder before it.
        for i in (0..wire.len()).step_by(7) {
            let mut bad = wire.clone();
            bad[i] ^= 0x01;
            let mut scratch = Vec::new();
            assert!(
                process_incoming(
                    &CRYPTO,
                    &user,
                    &bad,
                    &DecodeOptions::default(),
                    &mut scratch
                )
                .is_err(),
                "byte {i}"
            );
        }
        let range = V3Message::locate_auth_parameters(&wire).unwrap();
        assert_eq!(
            range.len(),
            user.auth_protocol().unwrap().algorithm().mac_len
        );
        // Bytes after the message, tolerated by a lenient decode, are not part of the MAC.
        let mut padded = wire.clone();
        padded.extend_from_slice(&[0, 0, 0]);
        let lenient = DecodeOptions::default().with_leniency(crate::Leniency {
            trailing_bytes: true,
            ..Default::default()
        });
        let mut scratch = Vec::new();
        let got = process_incoming(&CRYPTO, &user, &padded, &lenient, &mut scratch).unwrap();
        assert_eq!(got.scoped_pdu, scoped);
        assert_eq!(got.anomalies.count(crate::AnomalyKind::TrailingBytes), 1);
    }
}

#[test]
fn wrong_keys_give_typed_errors() {
    let engine_id = b"\x80\x00\x1f\x88\x04fleet";
    let mk = |auth_pass: &[u8], priv_pass: &[u8]| {
        UsmUser::new(b"alice")
            .unwrap()
            .with_auth_password(&CRYPTO, AuthProtocol::Sha256, auth_pass)
            .unwrap()
            .with_priv_password(&CRYPTO, PrivProtocol::Aes128, priv_pass)
            .unwrap()
            .localize(&CRYPTO, engine_id)
            .unwrap()
    };
    let good = mk(b"authpass123", b"privpass123");
    let out = Outgoing {
        msg_id: 1,
        max_size: 1500,
        level: SecurityLevel::AuthPriv,
        reportable: true,
        engine_boots: 1,
        engine_time: 1,
    };
    let mut wire = Vec::new();
    generate_message(
        &CRYPTO,
        &good,
        &out,
        &get_request(1, engine_id),
        &mut SaltCounter::new(5),
        &mut wire,
    )
    .unwrap();
    let mut s = Vec::new();
    let opts = DecodeOptions::default();
    assert_eq!(
        process_incoming(
            &CRYPTO,
            &mk(b"wrongpass1", b"privpass123"),
            &wire,
            &opts,
            &mut s
        )
        .unwrap_err(),
        UsmError::WrongDigest
    );
    let err = process_incoming(
        &CRYPTO,
        &mk(b"authpass123", b"wrongpass1"),
        &wire,
        &opts,
        &mut s,
    )
    .unwrap_err();
    assert!(matches!(err, UsmError::Decryption(_)), "{err:?}");
    assert_eq!(err.stat(), Some(UsmStat::DecryptionErrors));
    let other_engine = UsmUser::new(b"alice")
        .unwrap()
        .localize(&CRYPTO, b"\x80\0\0\0\x09")
        .unwrap();
    assert!(matches!(
        process_incoming(&CRYPTO, &other_engine, &wire, &opts, &mut s),
        Err(UsmError::UnknownEngineId { .. })
    ));
    let noauth = UsmUser::new(b"alice")
        .unwrap()
        .localize(&CRYPTO, engine_id)
        .unwrap();
    assert!(matches!(
        process_incoming(&CRYPTO, &noauth, &wire, &opts, &mut s),
        Err(UsmError::UnsupportedSecurityLevel {
            requested: SecurityLevel::AuthPriv,
            supported: SecurityLevel::NoAuthNoPriv
        })
    ));
}

/// A manager session against our own authoritative engine, in memory.
struct Pair {
    agent: LocalEngine,
    session: Session,
    keys: KeyCache,
    now: Duration,
    rejections: Vec<Rejection>,
    msg_id: u32,
}

const AGENT_ENGINE: &[u8] = b"\x80\x00\x1f\x88\x04agent";

impl Pair {
    fn new(agent_user: &UsmUser, manager_user: UsmUser, level: SecurityLevel) -> Self {
        let mut agent =
            LocalEngine::new(&CRYPTO, AGENT_ENGINE, 5, Duration::from_secs(1000)).unwrap();
        agent.add_user(&CRYPTO, agent_user).unwrap();
        let session = Session::new(&CRYPTO, manager_user, level, AlgorithmPolicy::Any).unwrap();
        Self {
            agent,
            session,
            keys: KeyCache::new(),
            now: Duration::from_secs(1500),
            rejections: Vec::new(),
            msg_id: 100,
        }
    }

    /// The agent's answer to `request` (a response, a report, or nothing).
    fn agent_answer(&mut self, request: &[u8]) -> Option<Vec<u8>> {
        let mut scratch = Vec::new();
        let mut out = Vec::new();
        match self.agent.receive(&CRYPTO, self.now, request, &mut scratch) {
            Ok((ctx, incoming)) => {
                let p = &incoming.scoped_pdu.pdu;
                let pdu = Pdu::Response(GenericPdu::new(
                    p.request_id().unwrap(),
                    p.varbinds().to_vec(),
                ));
                self.agent
                    .encode_response(&CRYPTO, self.now, &ctx, &pdu, &mut out)
                    .unwrap();
                Some(out)
            }
            Err(rejection) => {
                let wrote = self
                    .agent
                    .encode_report(&CRYPTO, self.now, &rejection, &mut out)
                    .unwrap();
                self.rejections.push(rejection);
                wrote.then_some(out)
            }
        }
    }

    /// Runs a GetRequest to completion the way a manager would: discovery, then the
    /// request, resending after Discovered/TimeSynchronized. Returns the response's
    /// request-id.
    fn get(&mut self, request_id: i32) -> Result<i32, UsmError> {
        let pdu = get_request(request_id, b"").pdu;
        for _ in 0..4 {
            self.msg_id += 1;
            let mut wire = Vec::new();
            if self.session.is_discovered() {
                self.session.encode_request(
                    &CRYPTO,
                    self.now,
                    self.msg_id,
                    b"",
                    &pdu,
                    &mut wire,
                )?;
            } else {
                self.session
                    .encode_discovery(self.msg_id, request_id, &mut wire);
            }
            let Some(answer) = self.agent_answer(&wire) else {
                return Err(UsmError::DiscoveryNeeded);
            };
            let mut scratch = Vec::new();
            match self
                .session
                .receive(&CRYPTO, &mut self.keys, self.now, &answer, &mut scratch)?
            {
                Received::Message(m) => {
                    assert_eq!(m.header.msg_id, self.msg_id);
                    return Ok(m.scoped_pdu.pdu.request_id().unwrap());
                }
                Received::Discovered | Received::TimeSynchronized => continue,
            }
        }
        panic!("no answer after 4 rounds");
    }
}

fn user(name: &[u8], auth: &[u8], privacy: &[u8]) -> UsmUser {
    UsmUser::new(name)
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha256, auth)
        .unwrap()
        .with_priv_password(&CRYPTO, PrivProtocol::Aes128, privacy)
        .unwrap()
}

#[test]
fn discovery_time_sync_and_reboot() {
    let alice = user(b"alice", b"authpass123", b"privpass123");
    let mut p = Pair::new(&alice, alice.clone(), SecurityLevel::AuthPriv);
    assert_eq!(p.get(7), Ok(7));
    assert_eq!(p.session.engine_id(), Some(AGENT_ENGINE));
    assert!(p.session.is_time_synchronized());
    assert_eq!(p.agent.stats().get(UsmStat::UnknownEngineIds), 1);
    // Keys localized once for the whole conversation.
    assert_eq!(p.keys.derivations(), 1);
    // Later requests go straight through.
    p.now += Duration::from_secs(100);
    assert_eq!(p.get(8), Ok(8));
    assert_eq!(p.agent.stats().get(UsmStat::UnknownEngineIds), 1);
    assert_eq!(
        p.session.engine_time(p.now),
        Some(EngineTime {
            boots: 5,
            time: 600
        })
    );
    // The agent reboots: our next request is out of its window, it answers with an
    // authenticated notInTimeWindow Report, the session takes the new boots and resends.
    p.agent.reboot(p.now);
    p.now += Duration::from_secs(3);
    assert_eq!(p.get(9), Ok(9));
    assert_eq!(p.agent.stats().get(UsmStat::NotInTimeWindows), 1);
    assert_eq!(
        p.session.engine_time(p.now),
        Some(EngineTime { boots: 6, time: 3 })
    );
    assert!(matches!(
        p.rejections.last().unwrap().error,
        UsmError::NotInTimeWindow { .. }
    ));
}

#[test]
fn discovery_answered_with_unknown_user_name() {
    // Devices that answer the probe with usmStatsUnknownUserNames and engine parameters.
    let alice = user(b"alice", b"authpass123", b"privpass123");
    let mut agent = LocalEngine::new(&CRYPTO, AGENT_ENGINE, 2, Duration::ZERO).unwrap();
    agent.add_user(&CRYPTO, &alice).unwrap();
    let mut session = Session::new(
        &CRYPTO,
        alice,
        SecurityLevel::AuthPriv,
        AlgorithmPolicy::Any,
    )
    .unwrap();
    let mut wire = Vec::new();
    session.encode_discovery(1, 1, &mut wire);
    // Forge that device's answer: our own unknownEngineID report, relabelled.
    let mut scratch = Vec::new();
    let rejection = agent
        .receive(&CRYPTO, Duration::ZERO, &wire, &mut scratch)
        .unwrap_err();
    let mut report = Vec::new();
    agent
        .encode_report(&CRYPTO, Duration::ZERO, &rejection, &mut report)
        .unwrap();
    let at = report
        .windows(10)
        .position(|w| w == UsmStat::UnknownEngineIds.oid().as_ber())
        .unwrap();
    report[at + 8] = 3; // usmStatsUnknownUserNames.0
    let mut keys = KeyCache::new();
    let mut scratch = Vec::new();
    assert_eq!(
        session.receive(&CRYPTO, &mut keys, Duration::ZERO, &report, &mut scratch),
        Ok(Received::Discovered)
    );
    assert_eq!(session.engine_id(), Some(AGENT_ENGINE));
    // Once discovered, the same Report is an error, not a loop.
    let mut scratch = Vec::new();
    assert_eq!(
        session.receive(&CRYPTO, &mut keys, Duration::ZERO, &report, &mut scratch),
        Err(UsmError::ReportReceived {
            kind: ReportKind::Usm(UsmStat::UnknownUserNames)
        })
    );
}

/// The negative matrix against our own authoritative side: each failure is counted in the
/// right usmStats counter, answered with the matching Report, and surfaces on the manager
/// as a typed error.
#[test]
fn negative_matrix() {
    let alice = user(b"alice", b"authpass123", b"privpass123");
    let auth_only = UsmUser::new(b"alice")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha256, b"authpass123")
        .unwrap();
    let cases: [(&str, UsmUser, UsmUser, UsmStat); 4] = [
        (
            "wrong auth password",
            alice.clone(),
            user(b"alice", b"wrongpass123", b"privpass123"),
            UsmStat::WrongDigests,
        ),
        (
            "wrong priv password",
            alice.clone(),
            user(b"alice", b"authpass123", b"wrongpass123"),
            UsmStat::DecryptionErrors,
        ),
        (
            "unknown user",
            alice.clone(),
            user(b"mallory", b"authpass123", b"privpass123"),
            UsmStat::UnknownUserNames,
        ),
        (
            "unsupported level",
            auth_only,
            alice.clone(),
            UsmStat::UnsupportedSecLevels,
        ),
    ];
    for (name, agent_user, manager_user, stat) in cases {
        let mut p = Pair::new(&agent_user, manager_user, SecurityLevel::AuthPriv);
        let err = p.get(11).unwrap_err();
        assert_eq!(
            err,
            UsmError::ReportReceived {
                kind: ReportKind::Usm(stat)
            },
            "{name}"
        );
        assert_eq!(p.agent.stats().get(stat), 1, "{name}");
        let rejection = p.rejections.last().unwrap();
        assert_eq!(rejection.error.stat(), Some(stat), "{name}");
        assert_eq!(rejection.report_stat(), Some(stat), "{name}");
    }

    // Wrong engine ID: a session configured with another engine's ID.
    let mut p = Pair::new(&alice, alice.clone(), SecurityLevel::AuthPriv);
    p.session
        .set_engine(
            &CRYPTO,
            &mut p.keys,
            b"\x80\0\0\0\x07",
            EngineTime::default(),
            p.now,
        )
        .unwrap();
    // The agent refuses it with an unknownEngineID Report; the session takes that as the
    // engine ID having changed, rediscovers, and the request then succeeds.
    assert_eq!(p.get(12), Ok(12));
    assert_eq!(p.agent.stats().get(UsmStat::UnknownEngineIds), 1);
    let rejection = p.rejections.last().unwrap();
    assert!(
        matches!(rejection.error, UsmError::UnknownEngineId { len: 5 }),
        "{rejection:?}"
    );
    assert_eq!(rejection.report_stat(), Some(UsmStat::UnknownEngineIds));
    assert_eq!(p.session.engine_id(), Some(AGENT_ENGINE));

    // Stale time: a captured request replayed 151 s later is refused (and a fresh one works).
    let mut p = Pair::new(&alice, alice.clone(), SecurityLevel::AuthPriv);
    assert_eq!(p.get(13), Ok(13));
    let mut wire = Vec::new();
    let pdu = get_request(14, b"").pdu;
    p.session
        .encode_request(&CRYPTO, p.now, 500, b"", &pdu, &mut wire)
        .unwrap();
    p.now += Duration::from_secs(151);
    let answer = p.agent_answer(&wire).unwrap();
    assert!(matches!(
        p.rejections.last().unwrap().error,
        UsmError::NotInTimeWindow { .. }
    ));
    assert_eq!(p.agent.stats().get(UsmStat::NotInTimeWindows), 1);
    // The Report is authenticated and carries the request's msgID and request-id.
    let mut scratch = Vec::new();
    let (report_msg, _) = parse(&answer, &DecodeOptions::default()).unwrap();
    assert_eq!(report_msg.header.msg_id, 500);
    assert!(
        report_msg.header.flags.auth
            && !report_msg.header.flags.privacy
            && !report_msg.header.flags.reportable
    );
    assert_eq!(
        p.session
            .receive(&CRYPTO, &mut p.keys, p.now, &answer, &mut scratch),
        Ok(Received::TimeSynchronized)
    );
    assert_eq!(p.get(15), Ok(15));

    // Reports answer with the request-id when the request could be read.
    let mut p = Pair::new(
        &alice,
        UsmUser::new(b"nobody").unwrap(),
        SecurityLevel::NoAuthNoPriv,
    );
    assert_eq!(
        p.get(16),
        Err(UsmError::ReportReceived {
            kind: ReportKind::Usm(UsmStat::UnknownUserNames)
        })
    );
    let mut wire = Vec::new();
    p.session
        .encode_request(
            &CRYPTO,
            p.now,
            77,
            b"",
            &get_request(4242, b"").pdu,
            &mut wire,
        )
        .unwrap();
    let answer = p.agent_answer(&wire).unwrap();
    let (m, _) = parse(&answer, &DecodeOptions::default()).unwrap();
    let ScopedPduData::Plaintext(s) = &m.data else {
        panic!()
    };
    assert_eq!((m.header.msg_id, s.pdu.request_id()), (77, Some(4242)));

    // Not reportable (a Response sent to the agent): counted, no Report.
    let mut p = Pair::new(
        &alice,
        user(b"alice", b"wrongpass123", b"privpass123"),
        SecurityLevel::AuthPriv,
    );
    assert!(p.get(17).is_err());
    let mut wire = Vec::new();
    let resp = Pdu::Response(GenericPdu::new(1, Vec::<VarBind<'static>>::new()));
    p.session
        .encode_request(&CRYPTO, p.now, 78, b"", &resp, &mut wire)
        .unwrap();
    assert_eq!(p.agent_answer(&wire), None);
    assert_eq!(p.agent.stats().get(UsmStat::WrongDigests), 2);
}

#[test]
fn garbage_never_panics_either_side() {
    let alice = user(b"alice", b"authpass123", b"privpass123");
    let mut p = Pair::new(&alice, alice.clone(), SecurityLevel::AuthPriv);
    assert_eq!(p.get(1), Ok(1));
    let mut wire = Vec::new();
    p.session
        .encode_request(&CRYPTO, p.now, 3, b"", &get_request(2, b"").pdu, &mut wire)
        .unwrap();
    for cut in 0..wire.len() {
        let _ = p.agent_answer(&wire[..cut]);
        let mut scratch = Vec::new();
        let _ = p
            .session
            .receive(&CRYPTO, &mut p.keys, p.now, &wire[..cut], &mut scratch);
    }
}

/// The aws-lc-rs FIPS backend interoperates with the RustCrypto one on every approved
/// combination, and refuses MD5, DES and 3DES with a clear error.
#[cfg(feature = "fips")]
#[test]
fn fips_backend_end_to_end() {
    use crate::crypto::{AwsLcFips, CryptoError};
    let fips = AwsLcFips::new();
    let engine_id = b"\x80\x00\x1f\x88\x04fips";
    let scoped = get_request(5, engine_id);
    let mut salt = SaltCounter::new(1);
    for auth in [
        AuthProtocol::Sha1,
        AuthProtocol::Sha224,
        AuthProtocol::Sha256,
        AuthProtocol::Sha384,
        AuthProtocol::Sha512,
    ] {
        for p in [
            PrivProtocol::Aes128,
            PrivProtocol::Aes192Blumenthal,
            PrivProtocol::Aes256Blumenthal,
        ] {
            let u = UsmUser::new(b"f")
                .unwrap()
                .with_auth_password(&fips, auth, b"authpass123")
                .unwrap()
                .with_priv_password(&fips, p, b"privpass123")
                .unwrap();
            let ours = u.localize(&fips, engine_id).unwrap();
            let theirs = u.localize(&CRYPTO, engine_id).unwrap();
            assert_eq!(ours.keys(), theirs.keys());
            let out = Outgoing {
                msg_id: 1,
                max_size: 1500,
                level: SecurityLevel::AuthPriv,
                reportable: true,
                engine_boots: 1,
                engine_time: 2,
            };
            let mut wire = Vec::new();
            generate_message(&fips, &ours, &out, &scoped, &mut salt, &mut wire).unwrap();
            let mut s = Vec::new();
            let got = process_incoming(&CRYPTO, &theirs, &wire, &DecodeOptions::default(), &mut s)
                .unwrap();
            assert_eq!(got.scoped_pdu, scoped);
        }
    }
    let err = UsmUser::new(b"f")
        .unwrap()
        .with_auth_password(&fips, AuthProtocol::Md5, b"authpass123")
        .unwrap_err();
    assert_eq!(
        err,
        UsmError::Crypto(CryptoError::Unsupported {
            algorithm: "MD5",
            provider: "aws-lc-rs FIPS"
        })
    );
    assert_eq!(
        format!("{err}"),
        "crypto provider: MD5 is not available in the aws-lc-rs FIPS crypto provider"
    );
    let des = UsmUser::new(b"f")
        .unwrap()
        .with_auth_password(&fips, AuthProtocol::Sha1, b"authpass123")
        .unwrap()
        .with_priv_password(&fips, PrivProtocol::Des, b"privpass123")
        .unwrap()
        .localize(&fips, engine_id)
        .unwrap();
    let out = Outgoing {
        msg_id: 1,
        max_size: 1500,
        level: SecurityLevel::AuthPriv,
        reportable: true,
        engine_boots: 1,
        engine_time: 2,
    };
    let err = generate_message(&fips, &des, &out, &scoped, &mut salt, &mut Vec::new()).unwrap_err();
    assert!(
        matches!(
            err,
            UsmError::Crypto(CryptoError::Unsupported {
                algorithm: "DES",
                ..
            })
        ),
        "{err:?}"
    );
}

#[test]
fn captured_messages_decode_with_passwords() {
    let u = user(b"alice", b"authpass123", b"privpass123");
    let local = u.localize(&CRYPTO, AGENT_ENGINE).unwrap();
    let out = Outgoing {
        msg_id: 3,
        max_size: 1500,
        level: SecurityLevel::AuthPriv,
        reportable: true,
        engine_boots: 9,
        engine_time: 99,
    };
    let mut wire = Vec::new();
    generate_message(
        &CRYPTO,
        &local,
        &out,
        &get_request(5, AGENT_ENGINE),
        &mut SaltCounter::new(0),
        &mut wire,
    )
    .unwrap();
    let mut keys = KeyCache::new();
    let mut scratch = Vec::new();
    let got = process_captured(
        &CRYPTO,
        &u,
        &mut keys,
        &wire,
        &DecodeOptions::default(),
        &mut scratch,
    )
    .unwrap();
    assert_eq!(got.scoped_pdu.pdu.request_id(), Some(5));
    let bob = user(b"bob", b"authpass123", b"privpass123");
    let mut scratch = Vec::new();
    assert_eq!(
        process_captured(
            &CRYPTO,
            &bob,
            &mut keys,
            &wire,
            &DecodeOptions::default(),
            &mut scratch
        ),
        Err(UsmError::UnknownUserName)
    );
}

/// Localized keys net-snmp 5.9.3 computed (its persistent `usmUser` lines after
/// `createUser NAME AUTH maplesyrup PRIV maplesyrup` with `engineID fleetwire-kat`): RFC 7860
/// has no vectors for SHA-2, and the AES-192/256 extensions have none anywhere.
const NETSNMP_USM_USERS: [&str; 11] = [
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x7368612d646573 0x7368612d646573 NULL .1.3.6.1.6.3.10.1.1.3 0x1d764ea325d8097b52140435c029666c738b7b8a .1.3.6.1.6.3.10.1.2.2 0x1d764ea325d8097b52140435c029666c",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x6d64352d616573323536 0x6d64352d616573323536 NULL .1.3.6.1.6.3.10.1.1.2 0x4f06a4c27ea3d84dd0df9a818169459c .1.3.6.1.4.1.14832.1.4 0x4f06a4c27ea3d84dd0df9a818169459c19e86a627e8e62e00fd88e9940c21598",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x7368612d616573313932 0x7368612d616573313932 NULL .1.3.6.1.6.3.10.1.1.3 0x1d764ea325d8097b52140435c029666c738b7b8a .1.3.6.1.4.1.14832.1.3 0x1d764ea325d8097b52140435c029666c738b7b8aa0941615",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x6d64352d61657332353663 0x6d64352d61657332353663 NULL .1.3.6.1.6.3.10.1.1.2 0x4f06a4c27ea3d84dd0df9a818169459c .1.3.6.1.4.1.9.12.6.1.2 0x4f06a4c27ea3d84dd0df9a818169459c66424c0f6c8c53ae0974dabcc608485b",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x7368612d61657331393263 0x7368612d61657331393263 NULL .1.3.6.1.6.3.10.1.1.3 0x1d764ea325d8097b52140435c029666c738b7b8a .1.3.6.1.4.1.9.12.6.1.1 0x1d764ea325d8097b52140435c029666c738b7b8ab1a5f8ce",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x7368613232342d616573313932 0x7368613232342d616573313932 NULL .1.3.6.1.6.3.10.1.1.4 0xf195e2b924347d8790193e4a148909c25c6458a490fac51ab4097dd7 .1.3.6.1.4.1.14832.1.3 0xf195e2b924347d8790193e4a148909c25c6458a490fac51a",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x7368613232342d616573323536 0x7368613232342d616573323536 NULL .1.3.6.1.6.3.10.1.1.4 0xf195e2b924347d8790193e4a148909c25c6458a490fac51ab4097dd7 .1.3.6.1.4.1.14832.1.4 0xf195e2b924347d8790193e4a148909c25c6458a490fac51ab4097dd75beacf98",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x7368613235362d616573323536 0x7368613235362d616573323536 NULL .1.3.6.1.6.3.10.1.1.5 0x9956da101022578ae6b038b282d35e9c01ed1b83676ab349b9da4d21f5410e49 .1.3.6.1.4.1.14832.1.4 0x9956da101022578ae6b038b282d35e9c01ed1b83676ab349b9da4d21f5410e49",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x7368613338342d616573323536 0x7368613338342d616573323536 NULL .1.3.6.1.6.3.10.1.1.6 0x1952b76ca30080ca2e9353ec6ce466a1428a2b20401dd4a4986a06d06a72bc9689d5dffa24a6636c2ec5ebdd8f583126 .1.3.6.1.4.1.14832.1.4 0x1952b76ca30080ca2e9353ec6ce466a1428a2b20401dd4a4986a06d06a72bc96",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x7368613232342d61657332353663 0x7368613232342d61657332353663 NULL .1.3.6.1.6.3.10.1.1.4 0xf195e2b924347d8790193e4a148909c25c6458a490fac51ab4097dd7 .1.3.6.1.4.1.9.12.6.1.2 0xf195e2b924347d8790193e4a148909c25c6458a490fac51ab4097dd7a83365b3",
    "usmUser 1 3 0x80001f8804666c656574776972652d6b6174 0x7368613531322d61657332353663 0x7368613531322d61657332353663 NULL .1.3.6.1.6.3.10.1.1.7 0x19d1b16126e43a302d77a5aa72e66dd319843f3a3ef6c56bc12c81e803fd41cb44d4b66d0397320d0a86b18181daf88ceb2301ab7d475fe4b17368cf529c5949 .1.3.6.1.4.1.9.12.6.1.2 0x19d1b16126e43a302d77a5aa72e66dd319843f3a3ef6c56bc12c81e803fd41cb",
];

#[test]
fn netsnmp_localized_keys() {
    for line in NETSNMP_USM_USERS {
        let f: Vec<&str> = line.split(' ').collect();
        let engine_id = hex(&f[3][2..]);
        let auth = AuthProtocol::from_oid(&f[7][1..]).unwrap();
        let privacy = PrivProtocol::from_oid(&f[9][1..]).unwrap();
        let local = UsmUser::new(b"kat")
            .unwrap()
            .with_auth_password(&CRYPTO, auth, b"maplesyrup")
            .unwrap()
            .with_priv_password(&CRYPTO, privacy, b"maplesyrup")
            .unwrap()
            .localize(&CRYPTO, &engine_id)
            .unwrap();
        let keys = local.keys();
        assert_eq!(
            keys.auth.as_ref().unwrap().1.as_bytes(),
            hex(&f[8][2..]),
            "{auth} key"
        );
        // net-snmp stores the (extended) privacy key; DES and AES-128 use its first 16 bytes.
        let theirs = hex(&f[10][2..]);
        let ours = keys.privacy.as_ref().unwrap().1.as_bytes();
        assert_eq!(ours, &theirs[..ours.len()], "{auth} {privacy} key");
        assert_eq!(
            ours.len(),
            privacy.algorithm().secret_len.min(theirs.len()).max(16)
        );
    }
}

/// 3DES-EDE (draft-reeder-snmpv3-usm-3desede) against pysnmp 4.4.12's `Des3`: the extended
/// key, the salt (boots || 32-bit counter) and the ciphertext, for MD5 and SHA-1.
#[test]
fn pysnmp_3des_vectors() {
    let engine_id = b"\x80\x00\x1f\x88\x04fleetwire-kat";
    let plain = b"fleetwire 3DES-EDE KAT";
    for (auth, key, ct) in [
        (
            AuthProtocol::Md5,
            "4f06a4c27ea3d84dd0df9a818169459c66424c0f6c8c53ae0974dabcc608485b",
            "756af2e0733ca98212d539f24d17fb5caaf4aabee6c02564",
        ),
        (
            AuthProtocol::Sha1,
            "1d764ea325d8097b52140435c029666c738b7b8ab1a5f8ce66230a4e9cbdc2de",
            "496a92e8091da9bf7f611f0d8feeae36cf2ef181b6d36c22",
        ),
    ] {
        let local = UsmUser::new(b"kat")
            .unwrap()
            .with_auth_password(&CRYPTO, auth, b"maplesyrup")
            .unwrap()
            .with_priv_password(&CRYPTO, PrivProtocol::TripleDes, b"maplesyrup")
            .unwrap()
            .localize(&CRYPTO, engine_id)
            .unwrap();
        let (_, k) = local.keys().privacy.as_ref().unwrap();
        assert_eq!(k.as_bytes(), hex(key), "{auth}");
        let mut data = plain.to_vec();
        let salt = privacy::encrypt(
            local.priv_key(&CRYPTO).unwrap(),
            5,
            0,
            &mut SaltCounter::new(0x0102_0304),
            &mut data,
        )
        .unwrap();
        assert_eq!(salt, [0, 0, 0, 5, 1, 2, 3, 4]);
        assert_eq!(data, hex(ct), "{auth}");
        // Decrypt through the provider's one-shot path (no prepared key).
        let unprepared = privacy::PrivKey {
            prepared: None,
            ..local.priv_key(&CRYPTO).unwrap()
        };
        privacy::decrypt(unprepared, 5, 0, &salt, &mut data).unwrap();
        assert_eq!(&data[..plain.len()], plain);
    }
}
