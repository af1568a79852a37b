#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use alloc::vec;
use alloc::vec::Vec;
use core::net::SocketAddr;
use core::time::Duration;

use super::originator::{inform_pdu, inform_request, trap_pdu, v1_trap_pdu};
use super::*;
use crate::crypto::Deterministic;
use crate::manager::{self, Exchange, RetryPolicy, TargetState};
use crate::message::CommunityMessage;
use crate::pdu::{ErrorStatus, GenericPdu, Pdu};
use crate::usm::{AuthProtocol, KeyCache, LocalEngine, PrivProtocol, UsmError, UsmStat, UsmUser};
use crate::value::Value;
use crate::{Message, Oid, VarBind};

const CRYPTO: Deterministic = Deterministic::new(11);
const OUR_ENGINE: &[u8] = b"\x80\x00\x1f\x88\x04receiver";
const SENDER_ENGINE: &[u8] = b"\x80\x00\x1f\x88\x04sender";
const S: fn(u64) -> Duration = Duration::from_secs;

fn source() -> SocketAddr {
    "127.0.0.1:40000".parse().unwrap()
}

fn oid(s: &str) -> Oid<'static> {
    s.parse().unwrap()
}

fn body() -> NotificationBody {
    NotificationBody::new(
        4242,
        oid("1.3.6.1.4.1.99999.0.1"),
        vec![VarBind::new(
            oid("1.3.6.1.2.1.1.5.0"),
            Value::OctetString(b"lobby"[..].into()),
        )],
    )
}

fn user(name: &str, auth: AuthProtocol, privacy: Option<PrivProtocol>, pass: &str) -> UsmUser {
    let u = UsmUser::new(name.as_bytes())
        .unwrap()
        .with_auth_password(&CRYPTO, auth, pass.as_bytes())
        .unwrap();
    match privacy {
        Some(p) => u.with_priv_password(&CRYPTO, p, pass.as_bytes()).unwrap(),
        None => u,
    }
}

fn receiver() -> NotificationReceiver {
    NotificationReceiver::new(&CRYPTO, OUR_ENGINE, 3, S(0)).unwrap()
}

fn v2c(community: &[u8], pdu: Pdu<'_>) -> Vec<u8> {
    let mut out = Vec::new();
    Message::V2c(CommunityMessage {
        community: community.into(),
        pdu,
    })
    .encode(&mut out);
    out
}

fn expect_notification(o: Outcome) -> Notification {
    match o {
        Outcome::Notification(n) => *n,
        other => panic!("expected a notification, got {other:?}"),
    }
}

fn expect_drop(o: Outcome, reason: DropReason) {
    match o {
        Outcome::Dropped(e) => assert_eq!(e.reason(), reason, "{e}"),
        other => panic!("expected a drop ({reason}), got {other:?}"),
    }
}

#[test]
fn v1_trap_maps_to_snmp_trap_oid() {
    let trap = V1Trap {
        enterprise: oid("1.3.6.1.4.1.99999"),
        agent_addr: [127, 0, 0, 9],
        generic_trap: crate::GenericTrap::EnterpriseSpecific,
        specific_trap: 17,
    };
    let mut wire = Vec::new();
    Message::V1(CommunityMessage {
        community: b"public"[..].into(),
        pdu: v1_trap_pdu(&trap, 77, body().varbinds.clone()),
    })
    .encode(&mut wire);
    let mut r = receiver();
    let mut reply = Vec::new();
    let n = expect_notification(r.receive(&CRYPTO, S(0), source(), &wire, &mut reply));
    assert!(reply.is_empty());
    assert_eq!(n.version, Version::V1);
    assert_eq!(n.kind, NotificationKind::Trap);
    assert_eq!(n.request_id, None);
    assert_eq!(n.v1.as_ref(), Some(&trap));
    assert_eq!(n.body.uptime, 77);
    assert_eq!(n.body.trap_oid, oid("1.3.6.1.4.1.99999.0.17"));
    assert_eq!(n.body.varbinds, body().varbinds);
    assert_eq!(n.security, Security::Community(b"public".to_vec()));
    assert_eq!(r.stats().traps(), 1);
}

/// An Inform sent through the manager's exchange to `r`, datagrams moved by hand: the
/// answer, or the error.
fn exchange_inform(
    r: &mut NotificationReceiver,
    security: manager::Security,
    now: Duration,
) -> (Result<manager::Response, manager::Error>, Vec<Notification>) {
    let mut keys = KeyCache::new();
    let mut target = TargetState::new(&CRYPTO, security).unwrap();
    let mut exchange = Exchange::new(inform_request(&body()), 1234, RetryPolicy::default());
    let mut ids = 500u32;
    let mut next_id = move || {
        ids += 1;
        ids
    };
    let mut got = Vec::new();
    if let Err(e) = exchange.start(&CRYPTO, &mut keys, &mut target, now, &mut next_id) {
        return (Err(e), got);
    }
    for _ in 0..6 {
        let mut reply = Vec::new();
        let outcome = r.receive(&CRYPTO, now, source(), exchange.wire(), &mut reply);
        if let Outcome::Notification(n) = outcome {
            got.push(*n);
        }
        assert!(
            !reply.is_empty(),
            "an Inform (or a probe) is always answered"
        );
        assert_eq!(manager::peek_key(&reply), Some(exchange.key()));
        match exchange.on_datagram(&CRYPTO, &mut keys, &mut target, now, &reply, &mut next_id) {
            Ok(Some(manager::Outcome::Response(response))) => return (Ok(response), got),
            Ok(Some(manager::Outcome::Send)) => {}
            Ok(None) => panic!("the receiver's answer was not taken"),
            Err(e) => return (Err(e), got),
        }
    }
    panic!("no acknowledgement after six round trips")
}

#[test]
fn v2c_inform_is_answered_and_acknowledged() {
    let mut r = receiver();
    let (answer, got) = exchange_inform(&mut r, manager::Security::v2c("public"), S(0));
    let answer = answer.unwrap();
    let [n] = &got[..] else { panic!("{got:?}") };
    assert_eq!(n.kind, NotificationKind::Inform);
    assert_eq!(n.request_id, Some(1234));
    assert_eq!(n.body, body());
    // The Response: noError, the Inform's varbinds.
    assert_eq!(answer.error_status, ErrorStatus::NoError);
    assert_eq!(
        answer.varbinds,
        inform_request(&body()).to_pdu(1).varbinds().to_vec()
    );
    assert_eq!(r.stats().informs(), 1);
}

#[test]
fn informs_need_v2c_or_v3_and_retries_keep_the_request_id() {
    let mut r = receiver();
    let (answer, got) = exchange_inform(&mut r, manager::Security::v1("public"), S(0));
    assert_eq!(
        answer,
        Err(manager::Error::NotInV1(crate::PduType::InformRequest))
    );
    assert!(got.is_empty());

    let mut keys = KeyCache::new();
    let mut target = TargetState::new(&CRYPTO, manager::Security::v2c("public")).unwrap();
    let policy = RetryPolicy::new(Duration::from_millis(500), 1);
    let mut exchange = Exchange::new(inform_request(&body()), 77, policy);
    exchange
        .start(&CRYPTO, &mut keys, &mut target, S(0), &mut || 1)
        .unwrap();
    let first = exchange.wire().to_vec();
    exchange.on_timeout(Duration::from_millis(500)).unwrap();
    assert_eq!(exchange.wire(), &first[..], "a retry is the same message");
    let Message::V2c(m) = Message::decode(&first).unwrap() else {
        panic!()
    };
    assert_eq!(m.pdu.pdu_type(), crate::PduType::InformRequest);
    assert_eq!(m.pdu.request_id(), Some(77));
    assert_eq!(
        exchange.on_timeout(S(1)),
        Err(manager::Error::Timeout { attempts: 2 })
    );
}

fn v3_security(user: &UsmUser, level: SecurityLevel) -> manager::Security {
    manager::Security::v3(user.clone(), level)
}

#[test]
fn v3_inform_discovers_our_engine_and_is_acknowledged() {
    let alice = user(
        "alice",
        AuthProtocol::Sha512,
        Some(PrivProtocol::Aes256Blumenthal),
        "alicepass1",
    );
    let mut r = receiver();
    r.add_inform_user(&CRYPTO, &alice).unwrap();
    let (answer, got) = exchange_inform(&mut r, v3_security(&alice, SecurityLevel::AuthPriv), S(5));
    assert_eq!(answer.unwrap().error_status, ErrorStatus::NoError);
    assert_eq!(r.stats().discoveries(), 1);
    assert_eq!(r.stats().informs(), 1);
    let [n] = &got[..] else { panic!("{got:?}") };
    assert_eq!(n.kind, NotificationKind::Inform);
    assert_eq!(n.body, body());
    let Security::Usm(u) = &n.security else {
        panic!()
    };
    assert_eq!(u.user_name, b"alice");
    assert_eq!(u.engine_id, OUR_ENGINE);
    assert_eq!(u.level, SecurityLevel::AuthPriv);
}

#[test]
fn v3_inform_refused_with_a_typed_report() {
    let alice = user(
        "alice",
        AuthProtocol::Md5,
        Some(PrivProtocol::Des),
        "alicepass1",
    );
    let wrong = user(
        "alice",
        AuthProtocol::Md5,
        Some(PrivProtocol::Des),
        "wrongpass1",
    );
    let mallory = user("mallory", AuthProtocol::Md5, None, "mallorypass");
    let mut r = receiver();
    r.add_inform_user(&CRYPTO, &alice).unwrap();
    let report = |stat| {
        Err(manager::Error::Usm(UsmError::ReportReceived {
            kind: crate::usm::ReportKind::Usm(stat),
        }))
    };
    let (res, got) = exchange_inform(&mut r, v3_security(&wrong, SecurityLevel::AuthPriv), S(5));
    assert!(got.is_empty());
    assert_eq!(res, report(UsmStat::WrongDigests));
    let (res, _) = exchange_inform(
        &mut r,
        v3_security(&mallory, SecurityLevel::AuthNoPriv),
        S(5),
    );
    assert_eq!(res, report(UsmStat::UnknownUserNames));
    assert_eq!(r.stats().dropped(DropReason::Usm(UsmStat::WrongDigests)), 1);
    assert_eq!(
        r.stats()
            .dropped(DropReason::Usm(UsmStat::UnknownUserNames)),
        1
    );
    // The receiver still works.
    let (res, _) = exchange_inform(&mut r, v3_security(&alice, SecurityLevel::AuthPriv), S(6));
    assert!(res.is_ok());
}

fn v3_trap(sender: &mut LocalEngine, name: &[u8], level: SecurityLevel, now: Duration) -> Vec<u8> {
    let mut wire = Vec::new();
    let b = body();
    sender
        .encode_notification(
            &CRYPTO,
            now,
            name,
            level,
            77,
            b"",
            &trap_pdu(5, &b),
            &mut wire,
        )
        .unwrap();
    wire
}

#[test]
fn v3_trap_users_are_bound_to_the_sender_engine() {
    let bob = user(
        "bob",
        AuthProtocol::Sha256,
        Some(PrivProtocol::Aes128),
        "bobpass123",
    );
    let mut sender = LocalEngine::new(&CRYPTO, SENDER_ENGINE, 9, S(0)).unwrap();
    sender.add_user(&CRYPTO, &bob).unwrap();
    let mut other = LocalEngine::new(&CRYPTO, b"\x80\x00\x1f\x88\x04other", 1, S(0)).unwrap();
    other.add_user(&CRYPTO, &bob).unwrap();

    let mut r = receiver();
    r.add_trap_user(&CRYPTO, &bob, SENDER_ENGINE).unwrap();
    let mut reply = Vec::new();
    let wire = v3_trap(&mut sender, b"bob", SecurityLevel::AuthPriv, S(100));
    let n = expect_notification(r.receive(&CRYPTO, S(0), source(), &wire, &mut reply));
    assert!(reply.is_empty(), "traps are never answered");
    assert_eq!(n.body, body());
    let Security::Usm(u) = &n.security else {
        panic!()
    };
    assert_eq!(u.engine_id, SENDER_ENGINE);
    assert_eq!(u.level, SecurityLevel::AuthPriv);

    // The same user from another engine: not bound there.
    let wire = v3_trap(&mut other, b"bob", SecurityLevel::AuthPriv, S(0));
    expect_drop(
        r.receive(&CRYPTO, S(0), source(), &wire, &mut reply),
        DropReason::Usm(UsmStat::UnknownEngineIds),
    );
    // Replayed from long ago (the sender's clock went backwards by more than 150 s).
    let wire_old = {
        let mut old = LocalEngine::new(&CRYPTO, SENDER_ENGINE, 9, S(0)).unwrap();
        old.add_user(&CRYPTO, &bob).unwrap();
        v3_trap(&mut old, b"bob", SecurityLevel::AuthNoPriv, S(0))
    };
    let fresh = v3_trap(&mut sender, b"bob", SecurityLevel::AuthNoPriv, S(400));
    expect_notification(r.receive(&CRYPTO, S(300), source(), &fresh, &mut reply));
    expect_drop(
        r.receive(&CRYPTO, S(300), source(), &wire_old, &mut reply),
        DropReason::Usm(UsmStat::NotInTimeWindows),
    );
    assert!(reply.is_empty());
}

#[test]
fn bad_input_is_counted_and_dropped() {
    let bob = user("bob", AuthProtocol::Sha1, None, "bobpass123");
    let eve = user("bob", AuthProtocol::Sha1, None, "evepass123");
    let carol = user("carol", AuthProtocol::Sha1, None, "carolpass1");
    let mut sender = LocalEngine::new(&CRYPTO, SENDER_ENGINE, 1, S(0)).unwrap();
    sender.add_user(&CRYPTO, &eve).unwrap();
    sender.add_user(&CRYPTO, &carol).unwrap();
    let mut r = receiver();
    r.add_trap_user(&CRYPTO, &bob, SENDER_ENGINE).unwrap();
    r.accept_community(b"public");
    let mut reply = Vec::new();
    let mut rx = |bytes: &[u8]| r.receive(&CRYPTO, S(0), source(), bytes, &mut reply);

    expect_drop(rx(b"\x30\x03\x02\x01"), DropReason::Malformed);
    expect_drop(rx(&[0xff; 40]), DropReason::Malformed);
    expect_drop(
        rx(&v2c(b"secret", trap_pdu(1, &body()))),
        DropReason::UnknownCommunity,
    );
    expect_drop(
        rx(&v2c(b"public", Pdu::GetRequest(GenericPdu::new(1, vec![])))),
        DropReason::NotANotification,
    );
    let no_uptime = Pdu::SnmpV2Trap(GenericPdu::new(1, body().varbinds));
    expect_drop(rx(&v2c(b"public", no_uptime)), DropReason::BadNotification);
    let wrong_type = Pdu::InformRequest(GenericPdu::new(
        1,
        vec![
            VarBind::new(sys_uptime_0(), Value::Integer(5)),
            VarBind::new(
                snmp_trap_oid_0(),
                Value::ObjectIdentifier(oid("1.3.6.1.6.3.1.1.5.1")),
            ),
        ],
    ));
    expect_drop(rx(&v2c(b"public", wrong_type)), DropReason::BadNotification);
    expect_drop(
        rx(&v3_trap(
            &mut sender,
            b"bob",
            SecurityLevel::AuthNoPriv,
            S(0),
        )),
        DropReason::Usm(UsmStat::WrongDigests),
    );
    expect_drop(
        rx(&v3_trap(
            &mut sender,
            b"carol",
            SecurityLevel::AuthNoPriv,
            S(0),
        )),
        DropReason::Usm(UsmStat::UnknownUserNames),
    );
    // A v3 message with garbage after a valid header start.
    expect_drop(rx(b"\x30\x05\x02\x01\x03\x30\x00"), DropReason::Malformed);
    let n = expect_notification(rx(&v2c(b"public", trap_pdu(2, &body()))));
    assert_eq!(n.request_id, Some(2));
    assert!(reply.is_empty(), "nothing is answered to a dropped trap");
    let stats = r.stats();
    assert_eq!(stats.dropped(DropReason::Malformed), 3);
    assert_eq!(stats.dropped(DropReason::BadNotification), 2);
    assert_eq!(stats.total_dropped(), 9);
    assert_eq!(stats.traps(), 1);
    assert_eq!(DropReason::ALL.len(), 12);
    // Every reason has its own counter.
    let mut fresh = ReceiverStats::default();
    for (i, reason) in DropReason::ALL.iter().enumerate() {
        fresh.count_drop(*reason);
        assert_eq!(fresh.total_dropped(), i as u64 + 1);
        assert_eq!(fresh.dropped(*reason), 1, "{reason}");
    }
}

mod properties {
    use std::sync::LazyLock;

    use proptest::prelude::*;

    use super::*;

    /// Password-to-key once for all cases.
    static BOB: LazyLock<UsmUser> = LazyLock::new(|| {
        user(
            "bob",
            AuthProtocol::Sha256,
            Some(PrivProtocol::Aes128),
            "bobpass123",
        )
    });
    static VALID: LazyLock<Vec<Vec<u8>>> = LazyLock::new(valid_messages);

    /// Valid notifications of every kind the receiver takes, as wire bytes.
    fn valid_messages() -> Vec<Vec<u8>> {
        let mut sender = LocalEngine::new(&CRYPTO, SENDER_ENGINE, 2, S(0)).unwrap();
        sender.add_user(&CRYPTO, &BOB).unwrap();
        let trap = V1Trap {
            enterprise: oid("1.3.6.1.4.1.99999"),
            agent_addr: [10, 0, 0, 1],
            generic_trap: crate::GenericTrap::LinkUp,
            specific_trap: 0,
        };
        let mut v1 = Vec::new();
        Message::V1(CommunityMessage {
            community: b"public"[..].into(),
            pdu: v1_trap_pdu(&trap, 5, body().varbinds.clone()),
        })
        .encode(&mut v1);
        vec![
            v1,
            v2c(b"public", trap_pdu(1, &body())),
            v2c(b"public", inform_pdu(2, &body())),
            v3_trap(&mut sender, b"bob", SecurityLevel::AuthPriv, S(0)),
            v3_trap(&mut sender, b"bob", SecurityLevel::AuthNoPriv, S(0)),
        ]
    }

    fn receiver_with_users() -> NotificationReceiver {
        let mut r = receiver();
        r.add_trap_user(&CRYPTO, &BOB, SENDER_ENGINE).unwrap();
        r.add_inform_user(&CRYPTO, &BOB).unwrap();
        r
    }

    /// Every datagram is counted exactly once: as a notification, a discovery or a drop.
    fn check_counted(r: &NotificationReceiver, datagrams: u64) {
        let s = r.stats();
        assert_eq!(
            s.traps() + s.informs() + s.discoveries() + s.total_dropped(),
            datagrams
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 500, ..ProptestConfig::default() })]

        #[test]
        fn random_bytes_are_dropped_never_fatal(data in proptest::collection::vec(any::<u8>(), 0..400)) {
            let mut r = receiver_with_users();
            let mut reply = Vec::new();
            let outcome = r.receive(&CRYPTO, S(0), source(), &data, &mut reply);
            prop_assert!(!matches!(outcome, Outcome::Notification(_)) || data.len() > 20);
            check_counted(&r, 1);
        }

        #[test]
        fn mutated_notifications_never_panic(
            which in 0usize..5,
            edits in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..6),
        ) {
            let mut msg = VALID[which].clone();
            for (at, byte) in edits {
                let i = at.index(msg.len());
                msg[i] = byte;
            }
            let mut r = receiver_with_users();
            let mut reply = Vec::new();
            r.receive(&CRYPTO, S(0), source(), &msg, &mut reply);
            check_counted(&r, 1);
            // The receiver still takes every valid message afterwards.
            for (k, m) in VALID.iter().enumerate() {
                let outcome = r.receive(&CRYPTO, S(0), source(), m, &mut reply);
                prop_assert!(matches!(outcome, Outcome::Notification(_)), "{k}: {outcome:?}");
            }
            check_counted(&r, 6);
        }
    }
}
