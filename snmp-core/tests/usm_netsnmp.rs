//! SNMPv3 USM against net-snmp: a private snmpd on loopback with one user per combination
//! (6 auth protocols x {none, DES, AES, AES-192, AES-256, AES-192-C, AES-256-C}, plus
//! noAuthNoPriv: 43 users). For every user our sans-IO code discovers the engine, builds a
//! GetRequest, sends it over a plain UDP socket, and verifies, decrypts and decodes the
//! Response. snmpd accepting our requests and our code accepting its responses cross-checks
//! the SHA-2 keys and MACs (RFC 7860 has no test vectors) and both AES key extensions.
//! Then Wireshark verifies and decrypts our authPriv messages, and the negative matrix runs
//! against snmpd.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::usm::{
    AlgorithmPolicy, EngineTime, KeyCache, Received, ReportKind, SecurityLevel, Session, UsmError,
    UsmStat, UsmUser,
};
use fleetwire_snmp::{GenericPdu, Pdu, Value, VarBind};
use fleetwire_testkit as tk;

mod common;
use common::{ours_auth, ours_priv};

const AUTH_PASS: &str = "fleetwire-auth";
const PRIV_PASS: &str = "fleetwire-priv";
const SYS_DESCR: &str = "1.3.6.1.2.1.1.1.0";
const SYS_OBJECT_ID: &str = "1.3.6.1.2.1.1.2.0";

static CRYPTO: RustCrypto = RustCrypto::new();

/// The 43 users: (testkit user for snmpd and tshark, our user).
fn users() -> Vec<(tk::UsmUser, UsmUser)> {
    let v: Vec<_> = tk::usm::matrix_users(AUTH_PASS, PRIV_PASS)
        .into_iter()
        .map(|theirs| {
            let ours = common::our_user(&CRYPTO, &theirs);
            (theirs, ours)
        })
        .collect();
    assert_eq!(v.len(), 43);
    v
}

fn agent(users: &[(tk::UsmUser, UsmUser)]) -> tk::Snmpd {
    let mut b = tk::Snmpd::builder().engine_id("fleetwire-usm").ipv6(false);
    for (u, _) in users {
        b = b.user(u.clone()).ro_user(&u.name, u.level());
    }
    b.start()
}

fn level(u: &tk::UsmUser) -> SecurityLevel {
    common::our_level(u)
}

/// A plain UDP socket to the agent.
struct Link {
    socket: UdpSocket,
    start: Instant,
}

impl Link {
    fn new(to: SocketAddr) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket.connect(to).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(1500)))
            .unwrap();
        Self {
            socket,
            start: Instant::now(),
        }
    }

    fn now(&self) -> Duration {
        self.start.elapsed()
    }

    /// Sends and waits for one datagram; `None` on timeout.
    fn round_trip(&self, request: &[u8]) -> Option<Vec<u8>> {
        self.socket.send(request).unwrap();
        let mut buf = vec![0u8; 65536];
        match self.socket.recv(&mut buf) {
            Ok(n) => Some(buf[..n].to_vec()),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) =>
            {
                None
            }
            Err(e) => panic!("recv: {e}"),
        }
    }
}

/// What one GetRequest ended in.
#[derive(Debug)]
enum Outcome {
    /// The response's varbinds.
    Response(Vec<VarBind<'static>>),
    /// A typed error from our code (including Reports).
    Error(UsmError),
    /// No answer.
    Timeout,
}

/// Runs discovery (if needed) and one GetRequest, resending after Discovered and
/// TimeSynchronized like a manager. Returns the outcome and the answers' kinds.
fn get(
    session: &mut Session,
    keys: &mut KeyCache,
    link: &Link,
    msg_id: &mut u32,
    sent: &mut Vec<Vec<u8>>,
) -> (Outcome, Vec<&'static str>) {
    let pdu = Pdu::GetRequest(GenericPdu::new(
        4242,
        vec![
            VarBind::null(SYS_DESCR.parse().unwrap()),
            VarBind::null(SYS_OBJECT_ID.parse().unwrap()),
        ],
    ));
    let mut steps = Vec::new();
    for _ in 0..4 {
        *msg_id += 1;
        let mut wire = Vec::new();
        if session.is_discovered() {
            if let Err(e) =
                session.encode_request(&CRYPTO, link.now(), *msg_id, b"", &pdu, &mut wire)
            {
                return (Outcome::Error(e), steps);
            }
        } else {
            session.encode_discovery(*msg_id, 1, &mut wire);
        }
        sent.push(wire.clone());
        let Some(answer) = link.round_trip(&wire) else {
            return (Outcome::Timeout, steps);
        };
        let mut scratch = Vec::new();
        match session.receive(&CRYPTO, keys, link.now(), &answer, &mut scratch) {
            Ok(Received::Message(m)) => {
                assert_eq!(m.header.msg_id, *msg_id);
                let Pdu::Response(r) = &m.scoped_pdu.pdu else {
                    panic!("not a Response: {m:?}")
                };
                assert_eq!(r.request_id, 4242);
                return (Outcome::Response(r.varbinds.to_vec()), steps);
            }
            Ok(Received::Discovered) => steps.push("discovered"),
            Ok(Received::TimeSynchronized) => steps.push("time synchronized"),
            Err(e) => return (Outcome::Error(e), steps),
        }
    }
    panic!("no result after 4 rounds: {steps:?}");
}

fn peers() -> bool {
    tk::require_tools(&["snmpd", "snmpget"])
}

#[test]
fn every_user_against_snmpd_and_tshark() {
    if !peers() {
        return;
    }
    let users = users();
    let agent = agent(&users);
    let engine_hex = agent.engine_id_hex().unwrap();
    let link = Link::new(agent.addr());
    let mut keys = KeyCache::new();
    let mut msg_id = 1000;
    let mut authpriv_requests: Vec<(Vec<u8>, tk::UsmUser)> = Vec::new();
    let mut failures = Vec::new();
    for (theirs, ours) in &users {
        let mut session =
            Session::new(&CRYPTO, ours.clone(), level(theirs), AlgorithmPolicy::Any).unwrap();
        let mut sent = Vec::new();
        let (outcome, steps) = get(&mut session, &mut keys, &link, &mut msg_id, &mut sent);
        match outcome {
            Outcome::Response(vbs) => {
                assert_eq!(steps, ["discovered"], "{}", theirs.name);
                assert_eq!(vbs.len(), 2);
                assert!(
                    matches!(&vbs[0].value, Value::OctetString(s) if !s.is_empty()),
                    "{}: {vbs:?}",
                    theirs.name
                );
                assert!(
                    matches!(vbs[1].value, Value::ObjectIdentifier(_)),
                    "{}: {vbs:?}",
                    theirs.name
                );
                let hex: String = session
                    .engine_id()
                    .unwrap()
                    .iter()
                    .map(|b| format!("{b:02x}"))
                    .collect();
                assert_eq!(format!("0x{hex}"), engine_hex);
                if level(theirs) >= SecurityLevel::AuthNoPriv {
                    assert!(session.is_time_synchronized(), "{}", theirs.name);
                }
                if level(theirs) == SecurityLevel::AuthPriv {
                    authpriv_requests.push((sent.pop().unwrap(), theirs.clone()));
                }
            }
            other => failures.push(format!("{}: {other:?} after {steps:?}", theirs.name)),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of 43 users failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
    // Every user localizes once: the cache key is the master-key digest and the engine ID.
    assert_eq!(keys.derivations(), 43);
    assert_eq!(authpriv_requests.len(), 36);

    // Wireshark verifies (snmp.v3.auth = 1) and decrypts (the varbind names appear) our
    // authPriv requests, for every user its dissector can handle.
    if !tk::require_tool("tshark") {
        return;
    }
    let supported: Vec<_> = authpriv_requests
        .iter()
        .filter(|(_, u)| u.tshark_uat().is_some())
        .collect();
    let uats: Vec<String> = supported
        .iter()
        .map(|(_, u)| u.tshark_uat().unwrap())
        .collect();
    let mut args: Vec<&str> = vec!["-e", "snmp.v3.auth", "-e", "snmp.name"];
    for u in &uats {
        args.extend(["-o", u.as_str()]);
    }
    let messages: Vec<Vec<u8>> = supported.iter().map(|(m, _)| m.clone()).collect();
    let dissections = tk::tshark_dissect(&messages, 161, &args);
    // 6 auth x {DES, AES, AES-192-C, AES-256-C} + Blumenthal where it equals Reeder.
    assert!(
        supported.len() >= 24 + 4,
        "only {} users checkable by tshark",
        supported.len()
    );
    let mut bad = Vec::new();
    for ((_, u), d) in supported.iter().zip(&dissections) {
        let verified = d.field("snmp.v3.auth") == Some("1");
        let names = d.field_all("snmp.name");
        if !verified || names != [SYS_DESCR, SYS_OBJECT_ID] || d.verdict().is_err() {
            bad.push(format!(
                "{}: auth={:?} names={names:?} verdict={:?}",
                u.name,
                d.field("snmp.v3.auth"),
                d.verdict()
            ));
        }
    }
    assert!(
        bad.is_empty(),
        "tshark did not verify/decrypt:\n{}",
        bad.join("\n")
    );
}

/// One session for a user with the given passwords, as `name`.
fn session_for(
    name: &str,
    auth: Option<(tk::AuthProtocol, &str)>,
    privacy: Option<(tk::PrivProtocol, &str)>,
) -> Session {
    let mut u = UsmUser::new(name.as_bytes()).unwrap();
    let mut lvl = SecurityLevel::NoAuthNoPriv;
    if let Some((a, pass)) = auth {
        u = u
            .with_auth_password(&CRYPTO, ours_auth(a), pass.as_bytes())
            .unwrap();
        lvl = SecurityLevel::AuthNoPriv;
    }
    if let Some((p, pass)) = privacy {
        u = u
            .with_priv_password(&CRYPTO, ours_priv(p), pass.as_bytes())
            .unwrap();
        lvl = SecurityLevel::AuthPriv;
    }
    Session::new(&CRYPTO, u, lvl, AlgorithmPolicy::Any).unwrap()
}

#[test]
fn negative_matrix_against_snmpd() {
    if !peers() {
        return;
    }
    let alice = tk::UsmUser::new("alice")
        .auth(tk::AuthProtocol::Sha256, AUTH_PASS)
        .privacy(tk::PrivProtocol::Aes128, PRIV_PASS);
    let bob = tk::UsmUser::new("bob").auth(tk::AuthProtocol::Sha1, AUTH_PASS);
    let agent = tk::Snmpd::builder()
        .engine_id("fleetwire-neg")
        .ipv6(false)
        .user(alice)
        .ro_user("alice", tk::SecurityLevel::AuthPriv)
        .user(bob)
        .ro_user("bob", tk::SecurityLevel::AuthNoPriv)
        .start();
    let link = Link::new(agent.addr());
    let mut keys = KeyCache::new();
    let mut msg_id = 1;
    let mut sent = Vec::new();
    let sha256 = tk::AuthProtocol::Sha256;
    let aes = tk::PrivProtocol::Aes128;
    let report = |stat| UsmError::ReportReceived {
        kind: ReportKind::Usm(stat),
    };

    // The control: right passwords work.
    let mut s = session_for("alice", Some((sha256, AUTH_PASS)), Some((aes, PRIV_PASS)));
    assert!(matches!(
        get(&mut s, &mut keys, &link, &mut msg_id, &mut sent).0,
        Outcome::Response(_)
    ));

    // Wrong auth password: snmpd answers usmStatsWrongDigests.
    let mut s = session_for(
        "alice",
        Some((sha256, "wrong-password")),
        Some((aes, PRIV_PASS)),
    );
    match get(&mut s, &mut keys, &link, &mut msg_id, &mut sent).0 {
        Outcome::Error(e) => assert_eq!(e, report(UsmStat::WrongDigests)),
        other => panic!("wrong auth password: {other:?}"),
    }

    // Wrong priv password: snmpd cannot decrypt; it drops the request (net-snmp sends no
    // decryptionError Report for a ScopedPDU that fails to parse).
    let mut s = session_for(
        "alice",
        Some((sha256, AUTH_PASS)),
        Some((aes, "wrong-password")),
    );
    match get(&mut s, &mut keys, &link, &mut msg_id, &mut sent).0 {
        Outcome::Timeout => {}
        Outcome::Error(e) => assert_eq!(e, report(UsmStat::DecryptionErrors)),
        other => panic!("wrong priv password: {other:?}"),
    }

    // Unknown user.
    let mut s = session_for("mallory", Some((sha256, AUTH_PASS)), Some((aes, PRIV_PASS)));
    match get(&mut s, &mut keys, &link, &mut msg_id, &mut sent).0 {
        Outcome::Error(e) => assert_eq!(e, report(UsmStat::UnknownUserNames)),
        other => panic!("unknown user: {other:?}"),
    }

    // Unsupported security level: authPriv for an auth-only user.
    let mut s = session_for(
        "bob",
        Some((tk::AuthProtocol::Sha1, AUTH_PASS)),
        Some((aes, PRIV_PASS)),
    );
    match get(&mut s, &mut keys, &link, &mut msg_id, &mut sent).0 {
        Outcome::Error(e) => assert_eq!(e, report(UsmStat::UnsupportedSecLevels)),
        other => panic!("unsupported level: {other:?}"),
    }

    // Wrong engine ID: snmpd answers unknownEngineID; the session rediscovers and succeeds.
    let mut s = session_for("alice", Some((sha256, AUTH_PASS)), Some((aes, PRIV_PASS)));
    s.set_engine(
        &CRYPTO,
        &mut keys,
        b"\x80\x00\x1f\x88\x04not-it",
        EngineTime::default(),
        link.now(),
    )
    .unwrap();
    let (outcome, steps) = get(&mut s, &mut keys, &link, &mut msg_id, &mut sent);
    assert!(matches!(outcome, Outcome::Response(_)), "{outcome:?}");
    assert_eq!(steps, ["discovered"]);

    // Stale time: the right engine ID with boots/time far off. snmpd answers an
    // authenticated notInTimeWindow Report; the session takes its boots/time and resends.
    let mut good = session_for("alice", Some((sha256, AUTH_PASS)), Some((aes, PRIV_PASS)));
    assert!(matches!(
        get(&mut good, &mut keys, &link, &mut msg_id, &mut sent).0,
        Outcome::Response(_)
    ));
    let engine_id = good.engine_id().unwrap().to_vec();
    let real = good.engine_time(link.now()).unwrap();
    for stale in [
        EngineTime {
            boots: real.boots,
            time: real.time + 1000,
        },
        EngineTime::default(),
    ] {
        let mut s = session_for("alice", Some((sha256, AUTH_PASS)), Some((aes, PRIV_PASS)));
        s.set_engine(&CRYPTO, &mut keys, &engine_id, stale, link.now())
            .unwrap();
        let (outcome, steps) = get(&mut s, &mut keys, &link, &mut msg_id, &mut sent);
        assert!(
            matches!(outcome, Outcome::Response(_)),
            "{stale:?}: {outcome:?}"
        );
        assert_eq!(steps, ["time synchronized"], "{stale:?}");
        assert_eq!(s.engine_time(link.now()).unwrap().boots, real.boots);
    }

    // Garbage and truncations of a real request: snmpd survives, our code never panics.
    let last = sent.last().unwrap().clone();
    for cut in [1, 10, last.len() / 2, last.len() - 1] {
        let _ = link.socket.send(&last[..cut]);
    }
    let mut s = session_for("alice", Some((sha256, AUTH_PASS)), Some((aes, PRIV_PASS)));
    assert!(matches!(
        get(&mut s, &mut keys, &link, &mut msg_id, &mut sent).0,
        Outcome::Response(_)
    ));
}
