//! The async manager (`client`, feature `tokio`) against a private net-snmp snmpd on loopback:
//! get, getnext, getbulk, set, walk and bulkwalk over SNMPv1, SNMPv2c and SNMPv3 for all 43
//! users of the interop matrix (every auth/priv combination plus noAuthNoPriv), all at once
//! through one client (one socket per address family), over IPv4 and IPv6; then the SNMPv3
//! failures that must come back as typed errors.
#![cfg(feature = "tokio")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::SocketAddr;
use std::time::Duration;

use fleetwire_snmp::client::{Client, Session};
use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::manager::{self, Security, UsmSecurity};
use fleetwire_snmp::usm::{AuthProtocol, ReportKind, SecurityLevel, UsmError, UsmStat, UsmUser};
use fleetwire_snmp::{Oid, Value, VarBind};
use fleetwire_testkit as tk;

mod common;

const AUTH_PASS: &str = "fleetwire-auth";
const PRIV_PASS: &str = "fleetwire-priv";
const SYSTEM: &str = "1.3.6.1.2.1.1";
const SYS_DESCR: &str = "1.3.6.1.2.1.1.1.0";
const SYS_OBJECT_ID: &str = "1.3.6.1.2.1.1.2.0";
const SYS_CONTACT: &str = "1.3.6.1.2.1.1.4.0";

static CRYPTO: RustCrypto = RustCrypto::new();

fn oid(s: &str) -> Oid<'static> {
    s.parse().unwrap()
}

fn level(u: &tk::UsmUser) -> SecurityLevel {
    common::our_level(u)
}

/// Our user for a testkit user.
fn ours(u: &tk::UsmUser) -> UsmUser {
    common::our_user(&CRYPTO, u)
}

fn oids(vbs: &[VarBind<'static>]) -> Vec<Oid<'static>> {
    vbs.iter().map(|vb| vb.name.clone()).collect()
}

/// Every operation once; `system` is the reference walk of the system group.
async fn exercise(
    session: Session,
    label: String,
    v1: bool,
    system: Vec<Oid<'static>>,
) -> (String, Session) {
    let got = session
        .get(&[oid(SYS_DESCR), oid(SYS_OBJECT_ID)])
        .await
        .unwrap_or_else(|e| panic!("{label}: get: {e}"));
    assert_eq!(oids(&got), [oid(SYS_DESCR), oid(SYS_OBJECT_ID)], "{label}");
    assert!(matches!(got[0].value, Value::OctetString(_)), "{label}");
    assert!(
        matches!(got[1].value, Value::ObjectIdentifier(_)),
        "{label}"
    );

    let next = session.get_next(&[oid(SYSTEM)]).await.unwrap();
    assert_eq!(oids(&next), [oid(SYS_DESCR)], "{label}");

    let bulk = session.get_bulk(0, 5, &[oid(SYSTEM)]).await;
    if v1 {
        assert!(
            matches!(
                bulk.as_ref().unwrap_err().snmp(),
                Some(manager::Error::NotInV1(_))
            ),
            "{label}: {bulk:?}"
        );
    } else {
        assert_eq!(oids(&bulk.unwrap()), system[..5], "{label}");
    }

    let walked = session.walk(oid(SYSTEM)).await.unwrap();
    assert_eq!(oids(&walked), system, "{label}: walk");
    let bulk_walked = session.bulk_walk(oid(SYSTEM), 7).await;
    if v1 {
        assert!(bulk_walked.is_err(), "{label}: GETBULK over SNMPv1");
    } else {
        assert_eq!(oids(&bulk_walked.unwrap()), system, "{label}: bulkwalk");
    }
    (label, session)
}

/// SET sysContact.0 to the label; the answer echoes it.
async fn set_contact(session: &Session, label: &str) {
    let contact = Value::OctetString(label.as_bytes().to_vec().into());
    let set = session
        .set(&[VarBind::new(oid(SYS_CONTACT), contact.clone())])
        .await
        .unwrap_or_else(|e| panic!("{label}: set: {e}"));
    assert_eq!(set, [VarBind::new(oid(SYS_CONTACT), contact)], "{label}");
}

#[tokio::test]
async fn every_operation_every_version_all_43_users() {
    if !tk::require_tool("snmpd") {
        return;
    }
    let users = tk::matrix_users(AUTH_PASS, PRIV_PASS);
    assert_eq!(users.len(), 43);
    let mut builder = tk::Snmpd::builder()
        .engine_id("fleetwire-manager")
        .ro_community("public")
        .rw_community("private");
    for u in &users {
        builder = builder.user(u.clone()).rw_user(&u.name, u.level());
    }
    let agent = builder.start();
    let client = Client::builder()
        .timeout(Duration::from_millis(1500))
        .retries(2)
        .build()
        .await
        .unwrap();

    let reference = client
        .session(agent.addr(), Security::v2c("public"))
        .unwrap();
    let system = oids(&reference.walk(oid(SYSTEM)).await.unwrap());
    assert!(system.len() > 10, "{system:?}");

    let mut targets: Vec<(String, SocketAddr, Security, bool)> = vec![
        ("v1".into(), agent.addr(), Security::v1("private"), true),
        ("v2c".into(), agent.addr(), Security::v2c("private"), false),
    ];
    for u in &users {
        targets.push((
            format!("v3 {}", u.name),
            agent.addr(),
            Security::v3(ours(u), level(u)),
            false,
        ));
    }
    if let Some(v6) = agent.addr_v6() {
        targets.push(("v2c over IPv6".into(), v6, Security::v2c("private"), false));
        let u = users.last().unwrap();
        targets.push((
            format!("v3 {} over IPv6", u.name),
            v6,
            Security::v3(ours(u), level(u)),
            false,
        ));
    }
    let expected = targets.len();

    let mut tasks = tokio::task::JoinSet::new();
    for (label, addr, security, v1) in targets {
        let session = client.session(addr, security).unwrap();
        tasks.spawn(exercise(session, label, v1, system.clone()));
    }
    let mut done = Vec::new();
    while let Some(r) = tasks.join_next().await {
        done.push(r.unwrap());
    }
    assert_eq!(done.len(), expected);
    // snmpd commits every SET by rewriting its persistent file, which takes ~0.25 s with 43
    // users, one SET at a time: 45 concurrent SETs queue up for longer than the retries
    // wait. So the SETs go one after the other, each session its own (~10 s in all).
    for (label, session) in &done {
        set_contact(session, label).await;
    }

    // The engine was discovered once per session and is snmpd's.
    let u = &users[20];
    let session = client
        .session(agent.addr(), Security::v3(ours(u), level(u)))
        .unwrap();
    assert_eq!(session.engine_id(), None);
    session.get(&[oid(SYS_DESCR)]).await.unwrap();
    let engine_hex = agent.engine_id_hex().unwrap();
    let engine: Vec<u8> = (2..engine_hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&engine_hex[i..i + 2], 16).unwrap())
        .collect();
    assert_eq!(session.engine_id().unwrap(), engine);

    // Concurrent first requests on one fresh SNMPv3 session: every one succeeds, whichever
    // discovery completes first.
    let shared = client
        .session(agent.addr(), Security::v3(ours(u), level(u)))
        .unwrap();
    let mut concurrent = tokio::task::JoinSet::new();
    for _ in 0..5 {
        let s = shared.clone();
        concurrent.spawn(async move { s.get(&[oid(SYS_DESCR)]).await.map(|v| v.len()) });
    }
    while let Some(r) = concurrent.join_next().await {
        assert_eq!(r.unwrap().unwrap(), 1);
    }

    // -e: the engine ID given in advance; no discovery, time synchronisation still works.
    let mut preset = UsmSecurity::new(ours(u), level(u));
    preset.engine_id = Some(engine.clone());
    let session = client
        .session(agent.addr(), Security::V3(Box::new(preset)))
        .unwrap();
    session.get(&[oid(SYS_DESCR)]).await.unwrap();

    // Typed SNMPv3 failures: wrong password, unknown user, a level the user cannot do.
    let wrong = UsmUser::new(u.name.as_bytes())
        .unwrap()
        .with_auth_password(
            &CRYPTO,
            AuthProtocol::from_name(u.auth.as_ref().unwrap().0.net_snmp()).unwrap(),
            b"not-the-password",
        )
        .unwrap();
    let session = client
        .session(agent.addr(), Security::v3(wrong, SecurityLevel::AuthNoPriv))
        .unwrap();
    let e = session.get(&[oid(SYS_DESCR)]).await.unwrap_err();
    assert_eq!(
        e.snmp(),
        Some(&manager::Error::Usm(UsmError::ReportReceived {
            kind: ReportKind::Usm(UsmStat::WrongDigests)
        })),
        "{e}"
    );
    let stranger = UsmUser::new(b"stranger").unwrap();
    let session = client
        .session(
            agent.addr(),
            Security::v3(stranger, SecurityLevel::NoAuthNoPriv),
        )
        .unwrap();
    let e = session.get(&[oid(SYS_DESCR)]).await.unwrap_err();
    assert_eq!(
        e.snmp(),
        Some(&manager::Error::Usm(UsmError::ReportReceived {
            kind: ReportKind::Usm(UsmStat::UnknownUserNames)
        })),
        "{e}"
    );
    assert!(
        client
            .session(
                agent.addr(),
                Security::v3(ours(&users[0]), SecurityLevel::AuthPriv)
            )
            .is_err(),
        "a noAuthNoPriv user cannot be used at authPriv"
    );
    // v1 noSuchName is an error status naming the OID.
    let v1 = client
        .session(agent.addr(), Security::v1("public"))
        .unwrap();
    let e = v1.get(&[oid("1.3.6.1.2.1.1.99.0")]).await.unwrap_err();
    assert!(
        matches!(
            e.snmp(),
            Some(manager::Error::ErrorStatus { oid: Some(o), .. }) if *o == oid("1.3.6.1.2.1.1.99.0")
        ),
        "{e}"
    );
    assert_eq!(client.stats().wrong_source, 0);
}
