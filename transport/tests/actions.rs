//! Signed actions: valid, tampered, wrong key, expired, replayed, disabled by policy; the poll
//! and report round trip and signed downloads against the real HTTPS test server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::Signer as _;
use fleetwire_transport::action::{
    ActionChannel, ActionKind, ActionPolicy, ActionStatus, ActionVerifier, Envelope, Polled,
    ReplayCache, TrustedKeys,
};
use fleetwire_transport::download::{DownloadError, SignedFile, download_verified};
use fleetwire_transport::tls::{Roots, TlsOptions};
use fleetwire_transport::{ActionError, Allowlist, Client, ClientOptions, TransportError};
use sha2::Digest as _;
use support::{HttpsServer, Pki, Reply, simple_server};

const NOW: i64 = 1_800_000_000;

fn ed_key(seed: u8) -> ed25519_dalek::SigningKey {
    ed25519_dalek::SigningKey::from_bytes(&[seed; 32])
}

fn p256_key(seed: u8) -> p256::ecdsa::SigningKey {
    p256::ecdsa::SigningKey::from_slice(&[seed; 32]).unwrap()
}

fn payload(nonce: &str, expires: i64, kind: &str) -> Vec<u8> {
    format!(r#"{{"nonce":"{nonce}","expires":{expires},"kind":"{kind}","args":{{}}}}"#).into_bytes()
}

fn ed_envelope(key: &ed25519_dalek::SigningKey, key_id: &str, payload: &[u8]) -> String {
    Envelope::sign_ed25519(key_id, payload, |b| key.sign(b).to_bytes().to_vec())
}

fn verifier() -> ActionVerifier {
    let mut keys = TrustedKeys::default();
    keys.add_ed25519("ed-1", &ed_key(1).verifying_key().to_bytes())
        .unwrap();
    keys.add_p256(
        "p256-1",
        p256_key(2)
            .verifying_key()
            .to_encoded_point(false)
            .as_bytes(),
    )
    .unwrap();
    ActionVerifier::new(keys, ActionPolicy::default())
}

#[test]
fn valid_ed25519_and_p256_envelopes_verify() {
    let mut v = verifier();
    let env = ed_envelope(&ed_key(1), "ed-1", &payload("n1", NOW + 60, "reboot"));
    let action = v.verify(env.as_bytes(), NOW).unwrap();
    assert_eq!(
        (action.kind, action.nonce.as_str(), action.expires),
        (ActionKind::Reboot, "n1", NOW + 60)
    );

    let sk = p256_key(2);
    for (i, der) in [false, true].into_iter().enumerate() {
        let p = payload(&format!("p{i}"), NOW + 60, "get_status");
        let env = Envelope::signed("ecdsa-p256-sha256", "p256-1", &p, |b| {
            use p256::ecdsa::signature::Signer as _;
            let sig: p256::ecdsa::Signature = sk.sign(b);
            if der {
                sig.to_der().as_bytes().to_vec()
            } else {
                sig.to_bytes().to_vec()
            }
        });
        assert_eq!(
            v.verify(env.as_bytes(), NOW).unwrap().kind,
            ActionKind::GetStatus
        );
    }
}

#[test]
fn tampered_envelopes_are_refused() {
    let mut v = verifier();
    let good = ed_envelope(&ed_key(1), "ed-1", &payload("n1", NOW + 60, "get_status"));
    let mut env: Envelope = serde_json::from_str(&good).unwrap();
    // Same signature over different bytes: one kind swapped for another.
    env.payload = B64.encode(payload("n1", NOW + 60, "reboot"));
    let err = v
        .verify(serde_json::to_string(&env).unwrap().as_bytes(), NOW)
        .unwrap_err();
    assert_eq!(
        err,
        ActionError::BadSignature {
            key_id: "ed-1".into()
        }
    );
    // A flipped signature bit.
    let mut env: Envelope = serde_json::from_str(&good).unwrap();
    let mut sig = B64.decode(env.signature.unwrap()).unwrap();
    sig[10] ^= 1;
    env.signature = Some(B64.encode(sig));
    let err = v
        .verify(serde_json::to_string(&env).unwrap().as_bytes(), NOW)
        .unwrap_err();
    assert!(matches!(err, ActionError::BadSignature { .. }));
    // Algorithm confusion: the pinned key decides the algorithm.
    let mut env: Envelope = serde_json::from_str(&good).unwrap();
    env.alg = "ecdsa-p256-sha256".into();
    let err = v
        .verify(serde_json::to_string(&env).unwrap().as_bytes(), NOW)
        .unwrap_err();
    assert!(matches!(err, ActionError::BadSignature { .. }));
    // The untouched envelope still verifies (nothing above consumed its nonce).
    assert!(v.verify(good.as_bytes(), NOW).is_ok());
}

#[test]
fn wrong_or_unknown_key_is_refused() {
    let mut v = verifier();
    let env = ed_envelope(&ed_key(9), "ed-1", &payload("n1", NOW + 60, "reboot"));
    assert_eq!(
        v.verify(env.as_bytes(), NOW).unwrap_err(),
        ActionError::BadSignature {
            key_id: "ed-1".into()
        }
    );
    let env = ed_envelope(&ed_key(1), "ed-unknown", &payload("n2", NOW + 60, "reboot"));
    assert_eq!(
        v.verify(env.as_bytes(), NOW).unwrap_err(),
        ActionError::UnknownKey {
            key_id: "ed-unknown".into()
        }
    );
}

#[test]
fn unsigned_and_malformed_are_refused() {
    let mut v = verifier();
    let p = B64.encode(payload("n1", NOW + 60, "reboot"));
    for env in [
        format!(r#"{{"v":1,"alg":"ed25519","key_id":"ed-1","payload":"{p}"}}"#),
        format!(r#"{{"v":1,"alg":"ed25519","key_id":"ed-1","payload":"{p}","signature":""}}"#),
        format!(r#"{{"v":1,"alg":"ed25519","key_id":"ed-1","payload":"{p}","signature":null}}"#),
    ] {
        assert_eq!(
            v.verify(env.as_bytes(), NOW).unwrap_err(),
            ActionError::Unsigned,
            "{env}"
        );
    }
    for bad in [
        &b"not json"[..],
        br#"{"v":2,"alg":"ed25519","key_id":"k","payload":"","signature":"AA=="}"#,
        br#"{"v":1,"alg":"ed25519","key_id":"k","payload":"","signature":"AA==","extra":1}"#,
        br#"[]"#,
    ] {
        assert!(matches!(
            v.verify(bad, NOW),
            Err(ActionError::Malformed { .. })
        ));
    }
    // Signed but not an action (unknown kind, bad nonce): malformed, after the signature.
    let env = ed_envelope(&ed_key(1), "ed-1", &payload("n1", NOW + 60, "format_disk"));
    assert!(matches!(
        v.verify(env.as_bytes(), NOW),
        Err(ActionError::Malformed { .. })
    ));
    let env = ed_envelope(
        &ed_key(1),
        "ed-1",
        &payload("bad nonce", NOW + 60, "reboot"),
    );
    assert!(matches!(
        v.verify(env.as_bytes(), NOW),
        Err(ActionError::Malformed { .. })
    ));
    let huge = vec![b' '; fleetwire_transport::action::MAX_ENVELOPE_LEN + 1];
    assert!(matches!(
        v.verify(&huge, NOW),
        Err(ActionError::Malformed { .. })
    ));
}

#[test]
fn expired_and_overlong_are_refused() {
    let mut v = verifier();
    let env = ed_envelope(&ed_key(1), "ed-1", &payload("n1", NOW - 1, "reboot"));
    assert!(
        matches!(v.verify(env.as_bytes(), NOW), Err(ActionError::Expired { expires, now, .. }) if expires == NOW - 1 && now == NOW)
    );
    v.max_lifetime = Duration::from_secs(3600);
    let env = ed_envelope(&ed_key(1), "ed-1", &payload("n2", NOW + 3601, "reboot"));
    assert!(matches!(
        v.verify(env.as_bytes(), NOW),
        Err(ActionError::LifetimeTooLong { .. })
    ));
    let env = ed_envelope(&ed_key(1), "ed-1", &payload("n3", NOW + 3600, "reboot"));
    assert!(v.verify(env.as_bytes(), NOW).is_ok());
}

#[test]
fn replays_are_refused_also_after_a_restart() {
    let dir = tempfile::tempdir().unwrap();
    let cache_path = dir.path().join("nonces");
    let mut v = verifier();
    let env = ed_envelope(
        &ed_key(1),
        "ed-1",
        &payload("once", NOW + 600, "troubleshoot"),
    );
    v.verify(env.as_bytes(), NOW).unwrap();
    assert_eq!(
        v.verify(env.as_bytes(), NOW + 1).unwrap_err(),
        ActionError::Replayed {
            nonce: "once".into()
        }
    );
    v.replay_cache().save(&cache_path).unwrap();

    let mut restarted = verifier().with_replay_cache(ReplayCache::load(&cache_path).unwrap());
    assert!(matches!(
        restarted.verify(env.as_bytes(), NOW + 2),
        Err(ActionError::Replayed { .. })
    ));
    // Once expired the nonce may be forgotten; the envelope is refused as expired anyway.
    let mut cache = ReplayCache::load(&cache_path).unwrap();
    cache.prune(NOW + 601);
    assert!(cache.is_empty());
    let mut v = verifier().with_replay_cache(cache);
    assert!(matches!(
        v.verify(env.as_bytes(), NOW + 601),
        Err(ActionError::Expired { .. })
    ));
    assert!(
        ReplayCache::load(dir.path().join("missing"))
            .unwrap()
            .is_empty()
    );
}

#[test]
fn disabled_actions_are_refused_by_policy() {
    let mut keys = TrustedKeys::default();
    keys.add_ed25519("ed-1", &ed_key(1).verifying_key().to_bytes())
        .unwrap();
    let mut policy = ActionPolicy::default();
    policy.disable(ActionKind::Reboot);
    let mut v = ActionVerifier::new(keys.clone(), policy);
    let env = ed_envelope(&ed_key(1), "ed-1", &payload("r1", NOW + 60, "reboot"));
    assert_eq!(
        v.verify(env.as_bytes(), NOW).unwrap_err(),
        ActionError::RefusedByPolicy {
            kind: "reboot".into()
        }
    );
    let env = ed_envelope(&ed_key(1), "ed-1", &payload("s1", NOW + 60, "get_status"));
    assert!(v.verify(env.as_bytes(), NOW).is_ok());

    let locked = ActionPolicy {
        locked_down: true,
        ..ActionPolicy::default()
    };
    assert!(!locked.may_poll_actions() && !locked.may_check_for_updates());
    assert!(ActionKind::ALL.iter().all(|k| !locked.allows(*k)));
    let no_updates = ActionPolicy {
        software_update_check: false,
        ..ActionPolicy::default()
    };
    assert!(no_updates.may_poll_actions() && !no_updates.may_check_for_updates());
    assert!(no_updates.allows(ActionKind::Upgrade));
}

#[test]
fn pem_keys() {
    use ed25519_dalek::pkcs8::EncodePublicKey as _;
    let mut keys = TrustedKeys::default();
    let ed_pem = ed_key(1)
        .verifying_key()
        .to_public_key_pem(Default::default())
        .unwrap();
    keys.add_pem("a", &ed_pem).unwrap();
    let p_pem = p256_key(2)
        .verifying_key()
        .to_public_key_pem(Default::default())
        .unwrap();
    keys.add_pem("b", &p_pem).unwrap();
    assert_eq!(format!("{:?}", keys.get("a").unwrap()), "ed25519");
    assert_eq!(format!("{:?}", keys.get("b").unwrap()), "ecdsa-p256-sha256");
    assert!(
        keys.add_pem(
            "c",
            "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n"
        )
        .is_err()
    );
    assert!(keys.add_ed25519("d", &[1, 2, 3]).is_err());
    assert!(keys.add_p256("e", &[4; 65]).is_err());
}

fn client_for(pki: &Pki, server: &HttpsServer) -> Client {
    Client::new(&ClientOptions {
        allowlist: Allowlist::new([server.url("/")]).unwrap(),
        tls: TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "ca").unwrap(),
            ..Default::default()
        },
        ..ClientOptions::default()
    })
    .unwrap()
}

#[test]
fn poll_and_report_round_trip() {
    let good = ed_envelope(&ed_key(1), "ed-1", &payload("g1", NOW + 60, "get_status"));
    let disabled = ed_envelope(
        &ed_key(1),
        "ed-1",
        &payload("d1", NOW + 60, "print_test_page"),
    );
    let forged = ed_envelope(&ed_key(5), "ed-1", &payload("f1", NOW + 60, "reboot"));
    let body = format!("[{good},{disabled},{forged}]");
    let (pki, server) = simple_server(Arc::new(move |req| {
        if req.method == "GET" {
            Reply::ok().with_body(body.clone())
        } else {
            Reply::status(204)
        }
    }));
    let channel = ActionChannel::new(
        client_for(&pki, &server),
        server.url("/actions"),
        server.url("/results"),
    );
    let mut keys = TrustedKeys::default();
    keys.add_ed25519("ed-1", &ed_key(1).verifying_key().to_bytes())
        .unwrap();
    let mut policy = ActionPolicy::default();
    policy.disable(ActionKind::PrintTestPage);
    let mut v = ActionVerifier::new(keys.clone(), policy);
    let polled = channel.poll(&mut v, NOW).unwrap();
    assert_eq!(polled.len(), 3);
    let Polled::Run(action) = &polled[0] else {
        panic!("{:?}", polled[0])
    };
    assert_eq!(action.kind, ActionKind::GetStatus);
    let Polled::Answered(refused) = &polled[1] else {
        panic!()
    };
    assert_eq!(
        (refused.status, refused.detail.as_str()),
        (ActionStatus::RefusedByPolicy, "refused by policy")
    );
    assert_eq!(refused.nonce.as_deref(), Some("d1"));
    let Polled::Answered(rejected) = &polled[2] else {
        panic!()
    };
    assert_eq!(rejected.status, ActionStatus::Rejected);

    let result = fleetwire_transport::action::ActionResult::finished(
        action,
        true,
        "ok",
        serde_json::json!({"state": "idle"}),
    );
    for r in [&result, refused, rejected] {
        assert_eq!(channel.report(r).unwrap(), 204);
    }
    let reqs = server.requests();
    assert_eq!(reqs.len(), 4);
    let sent: serde_json::Value = serde_json::from_slice(&reqs[1].body).unwrap();
    assert_eq!(sent["nonce"], "g1");
    assert_eq!(sent["status"], "done");
    assert_eq!(sent["output"]["state"], "idle");
    let sent: serde_json::Value = serde_json::from_slice(&reqs[2].body).unwrap();
    assert_eq!(sent["status"], "refused_by_policy");

    // Polling again: the accepted nonces are replays now.
    let again = channel.poll(&mut v, NOW + 1).unwrap();
    assert!(matches!(&again[0], Polled::Answered(r) if r.detail.contains("already used")));

    // Locked Down: no request at all.
    let mut locked = ActionVerifier::new(
        keys,
        ActionPolicy {
            locked_down: true,
            ..ActionPolicy::default()
        },
    );
    assert!(channel.poll(&mut locked, NOW).unwrap().is_empty());
    assert_eq!(server.requests().len(), 5);
}

#[test]
fn downloads_are_capped_and_verified_before_use() {
    let firmware: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let fw = firmware.clone();
    let (pki, server) = simple_server(Arc::new(move |req| match req.path.as_str() {
        "/fw.bin" => Reply::ok().with_body(fw.clone()),
        "/evil.bin" => Reply::ok().with_body(vec![0u8; 200_000]),
        "/big.bin" => Reply::ok().with_body(vec![0u8; 300_000]),
        _ => Reply::status(404),
    }));
    let client = client_for(&pki, &server);
    let dir = tempfile::tempdir().unwrap();
    let sha = fleetwire_transport_hex(&sha2::Sha256::digest(&firmware));
    let file = |path: &str, size: u64| SignedFile {
        url: server.url(path),
        sha256: sha.clone(),
        size,
    };

    // The file description comes from a verified upgrade action.
    let mut v = verifier();
    let p = format!(
        r#"{{"nonce":"u1","expires":{},"kind":"upgrade","args":{{"url":"{}","sha256":"{sha}","size":200000}}}}"#,
        NOW + 60,
        server.url("/fw.bin")
    );
    let action = v
        .verify(
            ed_envelope(&ed_key(1), "ed-1", p.as_bytes()).as_bytes(),
            NOW,
        )
        .unwrap();
    let signed = SignedFile::from_action(&action).unwrap();
    assert_eq!(signed, file("/fw.bin", 200_000));

    let dest = dir.path().join("fw.bin");
    download_verified(&client, &signed, &dest, 1 << 20).unwrap();
    assert_eq!(std::fs::read(&dest).unwrap(), firmware);

    let dest = dir.path().join("evil.bin");
    let err = download_verified(&client, &file("/evil.bin", 200_000), &dest, 1 << 20).unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::Verify {
                source: ActionError::DigestMismatch,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(!dest.exists());
    let dest = dir.path().join("big.bin");
    let err = download_verified(&client, &file("/big.bin", 200_000), &dest, 1 << 20).unwrap_err();
    assert!(
        matches!(
            err,
            DownloadError::Transport(TransportError::TooLarge { limit: 200_000, .. })
        ),
        "{err:?}"
    );
    assert!(!dest.exists());
    let requests_before = server.requests().len();
    let err = download_verified(
        &client,
        &file("/fw.bin", 200_000),
        &dir.path().join("x"),
        100_000,
    )
    .unwrap_err();
    assert!(matches!(
        err,
        DownloadError::Transport(TransportError::TooLarge { limit: 100_000, .. })
    ));
    assert_eq!(
        server.requests().len(),
        requests_before,
        "a request was made for a file over the cap"
    );
    let leftovers: Vec<_> = std::fs::read_dir(dir.path())
        .unwrap()
        .map(|e| e.unwrap().file_name())
        .collect();
    assert_eq!(leftovers, vec![std::ffi::OsString::from("fw.bin")]);
    // Unsigned args are refused.
    let mut bad = action.clone();
    bad.args = serde_json::json!({"url": "x", "sha256": "zz", "size": 1});
    assert!(SignedFile::from_action(&bad).is_err());
}

fn fleetwire_transport_hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}
