//! Notifications against net-snmp, on loopback:
//!
//! - our `NotificationSender` → a private snmptrapd: v1 Trap, v2c Trap (IPv4 and IPv6), v2c
//!   Inform, v3 Informs (SHA-512/AES-256 and MD5/DES users, discovering snmptrapd's engine)
//!   and a v3 Trap from our own engine ID to a user bound to it; snmptrapd's printed lines
//!   are checked field by field;
//! - net-snmp's `snmptrap` / `snmpinform` → our `NotificationListener`: v1, v2c and v3 (both
//!   users, trap and inform), each notification typed and checked;
//! - bad input to the listener (garbage, wrong password, unknown user, a wrong-password
//!   Inform) is counted per reason and the listener keeps working;
//! - an unanswered Inform (to a silent UDP sink) is retried with the same request-id and
//!   ends in a typed timeout, for v2c and for v3 discovery.
//!
//! Informs go through the manager client (`notification::inform` on a `client::Session`).
#![cfg(feature = "tokio")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::{SocketAddr, UdpSocket};
use std::time::Duration;

use fleetwire_snmp::client::Client;
use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::manager::{self, RetryPolicy, Security, UsmSecurity};
use fleetwire_snmp::notification::{
    self, DropReason, Notification, NotificationBody, NotificationKind, NotificationListener,
    NotificationReceiver, NotificationSender, Outcome, V1Trap,
};
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel, UsmStat, UsmUser};
use fleetwire_snmp::{GenericTrap, Message, Oid, PduType, Value, VarBind, Version};
use fleetwire_testkit as tk;

const AUTH_PASS: &str = "fleetwire-auth";
const PRIV_PASS: &str = "fleetwire-priv";
/// Our engine ID when we send v3 Traps.
const OUR_ENGINE: &[u8] = b"\x80\x00\x1f\x88\x04fleetwire-sender";
/// Our listener's engine ID (the one net-snmp's snmpinform discovers).
const LISTENER_ENGINE: &[u8] = b"\x80\x00\x1f\x88\x04fleetwire-listener";
/// The engine ID net-snmp's snmptrap sends v3 Traps from (`-e`).
const NETSNMP_ENGINE: &str = "0x80001f880474726170";
const ENTERPRISE: &str = "1.3.6.1.4.1.99999";

static CRYPTO: RustCrypto = RustCrypto::new();

fn hex(bytes: &[u8]) -> String {
    let mut s = String::from("0x");
    for b in bytes {
        s.push_str(&format!("{b:02x}"));
    }
    s
}

fn unhex(s: &str) -> Vec<u8> {
    let s = s.trim_start_matches("0x");
    (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
        .collect()
}

fn oid(s: &str) -> Oid<'static> {
    s.parse().unwrap()
}

/// The two v3 users of the issue: SHA-512/AES-256 and MD5/DES, as the testkit (net-snmp)
/// and our library know them.
fn users(prefix: &str) -> [(tk::UsmUser, UsmUser); 2] {
    let make = |name: String, a: tk::AuthProtocol, p: tk::PrivProtocol| {
        let theirs = tk::UsmUser::new(&name)
            .auth(a, AUTH_PASS)
            .privacy(p, PRIV_PASS);
        let ours = UsmUser::new(name.as_bytes())
            .unwrap()
            .with_auth_password(
                &CRYPTO,
                AuthProtocol::from_name(a.net_snmp()).unwrap(),
                AUTH_PASS.as_bytes(),
            )
            .unwrap()
            .with_priv_password(
                &CRYPTO,
                PrivProtocol::from_name(p.net_snmp()).unwrap(),
                PRIV_PASS.as_bytes(),
            )
            .unwrap();
        (theirs, ours)
    };
    [
        make(
            format!("{prefix}-sha512"),
            tk::AuthProtocol::Sha512,
            tk::PrivProtocol::Aes256Blumenthal,
        ),
        make(
            format!("{prefix}-md5"),
            tk::AuthProtocol::Md5,
            tk::PrivProtocol::Des,
        ),
    ]
}

fn payload() -> Vec<VarBind<'static>> {
    vec![
        VarBind::new(
            oid("1.3.6.1.2.1.1.5.0"),
            Value::OctetString(b"lobby"[..].into()),
        ),
        VarBind::new(oid("1.3.6.1.4.1.99999.1.2.0"), Value::Counter32(77)),
    ]
}

fn body(n: u32) -> NotificationBody {
    NotificationBody::new(100 + n, oid(&format!("{ENTERPRISE}.0.{n}")), payload())
}

/// snmptrapd's line for the notification whose snmpTrapOID ends in `.0.n`.
fn line(got: &[tk::Notification], n: u32) -> &tk::Notification {
    let want = format!("{ENTERPRISE}.0.{n}");
    got.iter()
        .find(|x| x.trap_oid() == Some(want.as_str()))
        .unwrap_or_else(|| panic!("no notification with snmpTrapOID {want} in {got:#?}"))
}

fn check_v2_line(n: &tk::Notification, k: u32, pdu: &str, version: &str, security: &str) {
    assert_eq!(n.pdu_type(), pdu, "{}", n.line);
    assert_eq!(n.version, version, "{}", n.line);
    assert_eq!(n.security_name, security, "{}", n.line);
    let uptime = n.varbind("1.3.6.1.2.1.1.3.0").unwrap();
    assert_eq!(
        uptime.value(),
        Some(tk::NetSnmpValue::TimeTicks(100 + k)),
        "{}",
        n.line
    );
    assert_eq!(
        n.varbind("1.3.6.1.2.1.1.5.0").unwrap().value(),
        Some(tk::NetSnmpValue::OctetString(b"lobby".to_vec()))
    );
    assert_eq!(
        n.varbind("1.3.6.1.4.1.99999.1.2.0").unwrap().value(),
        Some(tk::NetSnmpValue::Counter32(77))
    );
    // sysUpTime.0 and snmpTrapOID.0 come first (RFC 3416 section 4.2.6).
    assert_eq!(n.varbinds[0].oid, "1.3.6.1.2.1.1.3.0");
    assert_eq!(n.varbinds[1].oid, "1.3.6.1.6.3.1.1.4.1.0");
}

#[tokio::test]
async fn our_notifications_arrive_at_snmptrapd() {
    if !tk::require_tools(&["snmptrapd", "snmpinform"]) {
        return;
    }
    let [(inf512, inf512_ours), (infmd5, infmd5_ours)] = users("inform");
    let [(trap512, trap512_ours), _] = users("trap");
    let trapd = tk::Snmptrapd::builder()
        .engine_id("fleetwire-trapd")
        .user(inf512)
        .user(infmd5)
        .user(trap512.engine_id(&hex(OUR_ENGINE)))
        .start();
    let target = trapd.addr();
    let mut sender = NotificationSender::new()
        .unwrap()
        .with_engine(OUR_ENGINE, 1, 1000)
        .unwrap();
    sender.add_trap_user(&trap512_ours).unwrap();
    let client = Client::builder()
        .retry_policy(RetryPolicy::new(Duration::from_secs(1), 3))
        .build()
        .await
        .unwrap();
    let v3 = |user: &UsmUser| Security::v3(user.clone(), SecurityLevel::AuthPriv);

    let v1 = V1Trap {
        enterprise: oid(ENTERPRISE),
        agent_addr: [127, 0, 0, 9],
        generic_trap: GenericTrap::EnterpriseSpecific,
        specific_trap: 17,
    };
    sender
        .send_v1_trap(target, b"public", &v1, 4242, &payload())
        .await
        .unwrap();
    sender
        .send_v2c_trap(target, b"public", &body(2))
        .await
        .unwrap();
    let v2c = client.session(target, Security::v2c("public")).unwrap();
    notification::inform(&v2c, &body(3)).await.unwrap();
    for (k, user) in [(4, &inf512_ours), (5, &infmd5_ours)] {
        let session = client.session(target, v3(user)).unwrap();
        notification::inform(&session, &body(k)).await.unwrap();
        if k == 4 {
            // Again through the same session: the discovered engine is reused.
            assert_eq!(
                session.engine_id(),
                Some(unhex(&tk::text_engine_id_hex("fleetwire-trapd")))
            );
            notification::inform(&session, &body(6)).await.unwrap();
        }
    }
    sender
        .send_v3_trap(
            target,
            trap512_ours.name(),
            SecurityLevel::AuthPriv,
            b"",
            &body(7),
        )
        .await
        .unwrap();
    // With snmptrapd's engine ID given (snmpinform -e): no discovery, the clock is learnt
    // from its notInTimeWindow Report.
    let trapd_engine = unhex(&tk::text_engine_id_hex("fleetwire-trapd"));
    let mut known = UsmSecurity::new(infmd5_ours.clone(), SecurityLevel::AuthPriv);
    known.engine_id = Some(trapd_engine);
    let session = client
        .session(target, Security::V3(Box::new(known)))
        .unwrap();
    notification::inform(&session, &body(9)).await.unwrap();
    let mut expected = 8;
    if let Some(v6) = trapd.target_v6() {
        let v6: SocketAddr = v6.trim_start_matches("udp6:").parse().unwrap();
        sender.send_v2c_trap(v6, b"public", &body(8)).await.unwrap();
        expected += 1;
    }
    let got = trapd.wait_for_notifications(expected, Duration::from_secs(10));
    assert_eq!(got.len(), expected, "{got:#?}");

    let v1_line = got.iter().find(|n| n.v1.is_some()).unwrap();
    let info = v1_line.v1.as_ref().unwrap();
    assert_eq!(v1_line.pdu_type(), "TRAP");
    assert_eq!(v1_line.version, "0");
    assert_eq!(v1_line.security_name, "public");
    assert_eq!(info.enterprise.trim_start_matches('.'), ENTERPRISE);
    assert_eq!(info.agent_addr, "127.0.0.9");
    assert_eq!(info.generic_trap, "6");
    assert_eq!(info.specific_trap, "17");
    assert_eq!(info.time_stamp, "4242");
    assert_eq!(
        v1_line.varbind("1.3.6.1.2.1.1.5.0").unwrap().value(),
        Some(tk::NetSnmpValue::OctetString(b"lobby".to_vec()))
    );

    check_v2_line(line(&got, 2), 2, "TRAP2", "1", "public");
    check_v2_line(line(&got, 3), 3, "INFORM", "1", "public");
    check_v2_line(line(&got, 4), 4, "INFORM", "3", "inform-sha512");
    check_v2_line(line(&got, 5), 5, "INFORM", "3", "inform-md5");
    check_v2_line(line(&got, 6), 6, "INFORM", "3", "inform-sha512");
    check_v2_line(line(&got, 7), 7, "TRAP2", "3", "trap-sha512");
    check_v2_line(line(&got, 9), 9, "INFORM", "3", "inform-md5");
    if expected == 9 {
        let n = line(&got, 8);
        check_v2_line(n, 8, "TRAP2", "1", "public");
        assert!(n.transport.contains("::1"), "{}", n.line);
    }
}

/// Runs net-snmp tools in order on a blocking thread; returns their outputs.
fn run_tools(
    runs: Vec<(&'static str, Vec<String>)>,
) -> tokio::task::JoinHandle<Vec<std::process::Output>> {
    tokio::task::spawn_blocking(move || {
        runs.into_iter()
            .map(|(tool, args)| tk::run_tool_with_timeout(tool, &args, Duration::from_secs(15)))
            .collect()
    })
}

fn strings(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| (*s).to_owned()).collect()
}

/// A listener with the two users for Informs (our engine) and for Traps (bound to net-snmp's
/// engine ID), accepting the community `public`.
async fn listener() -> (NotificationListener, [(tk::UsmUser, UsmUser); 2]) {
    let mut receiver =
        NotificationReceiver::new(&CRYPTO, LISTENER_ENGINE, 1, Duration::ZERO).unwrap();
    receiver.accept_community(b"public");
    let users = users("fleet");
    for (_, ours) in &users {
        receiver.add_inform_user(&CRYPTO, ours).unwrap();
        receiver
            .add_trap_user(&CRYPTO, ours, &unhex(NETSNMP_ENGINE))
            .unwrap();
    }
    let listener = NotificationListener::bind("127.0.0.1:0".parse().unwrap(), receiver)
        .await
        .unwrap();
    (listener, users)
}

/// Receives until `n` notifications arrived (or 20 s passed), keeping every outcome.
async fn collect(
    listener: &mut NotificationListener,
    n: usize,
) -> (Vec<Notification>, Vec<Outcome>) {
    let mut got = Vec::new();
    let mut all = Vec::new();
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while got.len() < n {
        let Ok(r) = tokio::time::timeout_at(deadline, listener.recv_outcome()).await else {
            break;
        };
        let (_, outcome) = r.unwrap();
        if let Outcome::Notification(x) = &outcome {
            got.push((**x).clone());
        }
        all.push(outcome);
    }
    (got, all)
}

fn find(got: &[Notification], k: u32) -> &Notification {
    let want = oid(&format!("{ENTERPRISE}.0.{k}"));
    got.iter()
        .find(|n| n.body.trap_oid == want)
        .unwrap_or_else(|| panic!("no notification {want} in {got:#?}"))
}

#[tokio::test]
async fn our_listener_receives_net_snmp_notifications() {
    if !tk::require_tools(&["snmptrap", "snmpinform"]) {
        return;
    }
    let (mut listener, users) = listener().await;
    let target = listener.local_addr().unwrap().to_string();
    let trap_oid = |k: u32| format!("{ENTERPRISE}.0.{k}");
    let vars = [
        "1.3.6.1.2.1.1.5.0",
        "s",
        "lobby",
        "1.3.6.1.4.1.99999.1.2.0",
        "c",
        "77",
    ];
    let mut runs = vec![
        (
            "snmptrap",
            strings(&[
                "-v1",
                "-c",
                "public",
                &target,
                ENTERPRISE,
                "127.0.0.9",
                "6",
                "17",
                "4242",
            ])
            .into_iter()
            .chain(strings(&vars))
            .collect(),
        ),
        (
            "snmptrap",
            [
                strings(&["-v2c", "-c", "public", &target, "102", &trap_oid(2)]),
                strings(&vars),
            ]
            .concat(),
        ),
        (
            "snmpinform",
            [
                strings(&["-v2c", "-c", "public", &target, "103", &trap_oid(3)]),
                strings(&vars),
            ]
            .concat(),
        ),
    ];
    for (i, (theirs, _)) in users.iter().enumerate() {
        let k = 4 + 2 * i as u32;
        let trap_user = theirs.clone().engine_id(NETSNMP_ENGINE);
        let mut args = trap_user.tool_args();
        args.extend(strings(&[&target, &(100 + k).to_string(), &trap_oid(k)]));
        args.extend(strings(&vars));
        runs.push(("snmptrap", args));
        let mut args = theirs.tool_args();
        args.extend(strings(&[
            &target,
            &(101 + k).to_string(),
            &trap_oid(k + 1),
        ]));
        args.extend(strings(&vars));
        runs.push(("snmpinform", args));
    }
    let tools = run_tools(runs);
    let (got, outcomes) = collect(&mut listener, 7).await;
    let outputs = tools.await.unwrap();
    for (i, out) in outputs.iter().enumerate() {
        assert!(
            out.status.success(),
            "run {i}: {}\n{outcomes:#?}",
            tk::stderr_text(out)
        );
    }
    assert_eq!(got.len(), 7, "{got:#?}");

    let v1 = got.iter().find(|n| n.version == Version::V1).unwrap();
    assert_eq!(v1.kind, NotificationKind::Trap);
    let fields = v1.v1.as_ref().unwrap();
    assert_eq!(fields.enterprise, oid(ENTERPRISE));
    assert_eq!(fields.agent_addr, [127, 0, 0, 9]);
    assert_eq!(fields.generic_trap, GenericTrap::EnterpriseSpecific);
    assert_eq!(fields.specific_trap, 17);
    assert_eq!(v1.body.uptime, 4242);
    assert_eq!(v1.body.trap_oid, oid(&trap_oid(17)));
    assert_eq!(v1.body.varbinds, payload());

    let expect = [
        (2, NotificationKind::Trap, Version::V2c, "public"),
        (3, NotificationKind::Inform, Version::V2c, "public"),
        (4, NotificationKind::Trap, Version::V3, "fleet-sha512"),
        (5, NotificationKind::Inform, Version::V3, "fleet-sha512"),
        (6, NotificationKind::Trap, Version::V3, "fleet-md5"),
        (7, NotificationKind::Inform, Version::V3, "fleet-md5"),
    ];
    for (k, kind, version, who) in expect {
        let n = find(&got, k);
        assert_eq!((n.kind, n.version), (kind, version), "{n:#?}");
        assert_eq!(n.body.uptime, 100 + k);
        assert_eq!(n.body.varbinds, payload());
        match &n.security {
            fleetwire_snmp::notification::Security::Community(c) => assert_eq!(c, who.as_bytes()),
            fleetwire_snmp::notification::Security::Usm(u) => {
                assert_eq!(u.user_name, who.as_bytes());
                assert_eq!(u.level, SecurityLevel::AuthPriv);
                let engine = match kind {
                    NotificationKind::Trap => unhex(NETSNMP_ENGINE),
                    NotificationKind::Inform => LISTENER_ENGINE.to_vec(),
                };
                assert_eq!(u.engine_id, engine);
            }
        }
    }
    let stats = *listener.receiver().stats();
    assert_eq!((stats.traps(), stats.informs()), (4, 3));
    assert_eq!(
        stats.discoveries(),
        2,
        "each snmpinform -v3 discovers our engine"
    );
    assert_eq!(stats.total_dropped(), 0);
}

#[tokio::test]
async fn bad_input_is_counted_and_the_listener_keeps_working() {
    if !tk::require_tools(&["snmptrap", "snmpinform"]) {
        return;
    }
    let (mut listener, users) = listener().await;
    let addr = listener.local_addr().unwrap();
    let target = addr.to_string();
    let (sha512, _) = &users[0];
    let wrong = tk::UsmUser::new(&sha512.name)
        .auth(tk::AuthProtocol::Sha512, "not-the-password")
        .privacy(tk::PrivProtocol::Aes256Blumenthal, PRIV_PASS);
    let unknown = tk::UsmUser::new("nobody")
        .auth(tk::AuthProtocol::Sha512, AUTH_PASS)
        .privacy(tk::PrivProtocol::Aes256Blumenthal, PRIV_PASS);
    let tail = |k: u32| strings(&[&target, "1", &format!("{ENTERPRISE}.0.{k}")]);
    let garbage = UdpSocket::bind("127.0.0.1:0").unwrap();
    for bytes in [
        &b"not snmp at all"[..],
        &[0x30, 0x84, 0xff, 0xff, 0xff, 0xff],
        &[],
    ] {
        garbage.send_to(bytes, addr).unwrap();
    }
    let runs = vec![
        (
            "snmptrap",
            [wrong.clone().engine_id(NETSNMP_ENGINE).tool_args(), tail(1)].concat(),
        ),
        (
            "snmptrap",
            [
                unknown.clone().engine_id(NETSNMP_ENGINE).tool_args(),
                tail(2),
            ]
            .concat(),
        ),
        (
            "snmptrap",
            [strings(&["-v2c", "-c", "wrong-community"]), tail(3)].concat(),
        ),
        (
            "snmpinform",
            [wrong.tool_args(), strings(&["-r", "0", "-t", "1"]), tail(4)].concat(),
        ),
        (
            "snmptrap",
            [
                sha512.clone().engine_id(NETSNMP_ENGINE).tool_args(),
                tail(5),
            ]
            .concat(),
        ),
    ];
    let tools = run_tools(runs);
    let (got, outcomes) = collect(&mut listener, 1).await;
    let outputs = tools.await.unwrap();
    assert_eq!(got.len(), 1, "{outcomes:#?}");
    assert_eq!(got[0].body.trap_oid, oid(&format!("{ENTERPRISE}.0.5")));
    // The wrong-password Inform got a usmStatsWrongDigests Report and failed.
    assert!(!outputs[3].status.success());
    let stats = *listener.receiver().stats();
    assert_eq!(stats.dropped(DropReason::Malformed), 3, "{outcomes:#?}");
    assert_eq!(
        stats.dropped(DropReason::Usm(UsmStat::WrongDigests)),
        2,
        "{outcomes:#?}"
    );
    assert_eq!(
        stats.dropped(DropReason::Usm(UsmStat::UnknownUserNames)),
        1,
        "{outcomes:#?}"
    );
    assert_eq!(
        stats.dropped(DropReason::UnknownCommunity),
        1,
        "{outcomes:#?}"
    );
    assert_eq!(stats.traps(), 1);
}

#[tokio::test]
async fn unanswered_informs_are_retried_with_the_same_request_id_then_time_out() {
    let sink = tk::UdpSink::start();
    let client = Client::builder()
        .retry_policy(RetryPolicy::new(Duration::from_millis(200), 2))
        .build()
        .await
        .unwrap();
    let session = client
        .session(sink.addr(), Security::v2c("public"))
        .unwrap();
    let err = notification::inform(&session, &body(1)).await.unwrap_err();
    assert!(
        matches!(err.snmp(), Some(manager::Error::Timeout { attempts: 3 })),
        "{err:?}"
    );
    let sent = sink.wait_for(3, Duration::from_secs(2));
    assert_eq!(sent.len(), 3);
    let request_id = |bytes: &[u8]| match Message::decode(bytes).unwrap() {
        Message::V2c(m) => {
            assert_eq!(m.pdu.pdu_type(), PduType::InformRequest);
            m.pdu.request_id()
        }
        other => panic!("{other:?}"),
    };
    for d in &sent {
        assert_eq!(request_id(&d.bytes), request_id(&sent[0].bytes));
    }

    // SNMPv3: the discovery probe is retried on the same schedule.
    sink.clear();
    let [(_, user), _] = users("silent");
    let session = client
        .session(sink.addr(), Security::v3(user, SecurityLevel::AuthPriv))
        .unwrap();
    let err = notification::inform(&session, &body(1)).await.unwrap_err();
    assert!(
        matches!(err.snmp(), Some(manager::Error::Timeout { attempts: 3 })),
        "{err:?}"
    );
    let probes = sink.wait_for(3, Duration::from_secs(2));
    assert_eq!(probes.len(), 3);
    let ids: Vec<Option<i32>> = probes
        .iter()
        .map(|d| match Message::decode(&d.bytes).unwrap() {
            Message::V3(m) => match m.data {
                fleetwire_snmp::ScopedPduData::Plaintext(s) => s.pdu.request_id(),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert!(
        ids.iter().all(|id| id.is_some() && *id == ids[0]),
        "{ids:?}"
    );
}

#[tokio::test]
async fn ipv6_listener_answers_net_snmp_informs() {
    if !tk::ipv6_loopback_available() || !tk::require_tools(&["snmpinform"]) {
        return;
    }
    let receiver = NotificationReceiver::new(&CRYPTO, LISTENER_ENGINE, 1, Duration::ZERO).unwrap();
    let mut listener = NotificationListener::bind("[::1]:0".parse().unwrap(), receiver)
        .await
        .unwrap();
    let port = listener.local_addr().unwrap().port();
    let target = format!("udp6:[::1]:{port}");
    let trap_oid = format!("{ENTERPRISE}.0.1");
    let tools = run_tools(vec![(
        "snmpinform",
        strings(&["-v2c", "-c", "public", &target, "42", &trap_oid]),
    )]);
    let (got, _) = collect(&mut listener, 1).await;
    let out = &tools.await.unwrap()[0];
    assert!(out.status.success(), "{}", tk::stderr_text(out));
    let [n] = &got[..] else { panic!("{got:#?}") };
    assert!(n.source.is_ipv6());
    assert_eq!((n.kind, n.body.uptime), (NotificationKind::Inform, 42));
    assert_eq!(n.body.trap_oid, oid(&trap_oid));
}
