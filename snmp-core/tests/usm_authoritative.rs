//! Our authoritative side (`LocalEngine`) against net-snmp as the manager: a loopback agent
//! built on the sans-IO engine answers `snmpget` for all 43 users (discovery, time sync,
//! every auth and privacy protocol), and the negative matrix shows that net-snmp
//! understands each of our Reports.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::usm::{AuthProtocol, LocalEngine, PrivProtocol, UsmStat, UsmStats, UsmUser};
use fleetwire_snmp::{GenericPdu, Pdu, Value, VarBind};
use fleetwire_testkit as tk;

const AUTH_PASS: &str = "fleetwire-auth";
const PRIV_PASS: &str = "fleetwire-priv";
const ENGINE_ID: &[u8] = b"\x80\x00\x1f\x88\x04fleetwire-agent";

static CRYPTO: RustCrypto = RustCrypto::new();

/// A UDP agent thread around a `LocalEngine`; answers every request with the requested
/// names bound to a fixed string.
struct Agent {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    stats: Arc<Mutex<UsmStats>>,
    thread: Option<JoinHandle<()>>,
}

impl Agent {
    fn start(users: &[(tk::UsmUser, UsmUser)]) -> Self {
        let start = Instant::now();
        let mut engine = LocalEngine::new(&CRYPTO, ENGINE_ID, 7, start.elapsed()).unwrap();
        for (_, u) in users {
            engine.add_user(&CRYPTO, u).unwrap();
        }
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let stop = Arc::new(AtomicBool::new(false));
        let stats = Arc::new(Mutex::new(UsmStats::default()));
        let (stop2, stats2) = (stop.clone(), stats.clone());
        let thread = std::thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            let mut scratch = Vec::new();
            let mut out = Vec::new();
            while !stop2.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let now = start.elapsed();
                out.clear();
                match engine.receive(&CRYPTO, now, &buf[..n], &mut scratch) {
                    Ok((ctx, incoming)) => {
                        let p = &incoming.scoped_pdu.pdu;
                        let vbs: Vec<VarBind<'_>> = p
                            .varbinds()
                            .iter()
                            .map(|vb| {
                                VarBind::new(
                                    vb.name,
                                    Value::OctetString(b"fleetwire agent"[..].into()),
                                )
                            })
                            .collect();
                        let response =
                            Pdu::Response(GenericPdu::new(p.request_id().unwrap_or(0), vbs));
                        engine
                            .encode_response(&CRYPTO, now, &ctx, &response, &mut out)
                            .unwrap();
                    }
                    Err(rejection) => {
                        engine
                            .encode_report(&CRYPTO, now, &rejection, &mut out)
                            .unwrap();
                    }
                }
                *stats2.lock().unwrap() = *engine.stats();
                if !out.is_empty() {
                    socket.send_to(&out, from).unwrap();
                }
            }
        });
        Self {
            addr,
            stop,
            stats,
            thread: Some(thread),
        }
    }

    fn target(&self) -> String {
        format!("127.0.0.1:{}", self.addr.port())
    }

    fn stat(&self, s: UsmStat) -> u32 {
        self.stats.lock().unwrap().get(s)
    }
}

impl Drop for Agent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

fn users() -> Vec<(tk::UsmUser, UsmUser)> {
    let mut v = vec![(tk::UsmUser::new("noauth"), UsmUser::new(b"noauth").unwrap())];
    for a in tk::AuthProtocol::ALL {
        let ours_a = AuthProtocol::from_name(a.net_snmp()).unwrap();
        for p in std::iter::once(None).chain(tk::PrivProtocol::ALL.map(Some)) {
            let name =
                format!("{}-{}", a.net_snmp(), p.map_or("none", |p| p.net_snmp())).to_lowercase();
            let mut theirs = tk::UsmUser::new(&name).auth(a, AUTH_PASS);
            let mut ours = UsmUser::new(name.as_bytes())
                .unwrap()
                .with_auth_password(&CRYPTO, ours_a, AUTH_PASS.as_bytes())
                .unwrap();
            if let Some(p) = p {
                theirs = theirs.privacy(p, PRIV_PASS);
                let ours_p = PrivProtocol::from_name(p.net_snmp()).unwrap();
                ours = ours
                    .with_priv_password(&CRYPTO, ours_p, PRIV_PASS.as_bytes())
                    .unwrap();
            }
            v.push((theirs, ours));
        }
    }
    v
}

fn snmpget(args: &[String], target: &str) -> std::process::Output {
    let mut a: Vec<&str> = args.iter().map(String::as_str).collect();
    a.extend(["-t", "1", "-r", "1", "-On", target, "1.3.6.1.2.1.1.1.0"]);
    tk::snmpget(&a)
}

#[test]
fn netsnmp_manager_against_our_agent() {
    if !tk::require_tools(&["snmpget"]) {
        return;
    }
    let users = users();
    let agent = Agent::start(&users);
    let target = agent.target();
    let mut failures = Vec::new();
    for (theirs, _) in &users {
        let out = snmpget(&theirs.tool_args(), &target);
        let stdout = tk::stdout_text(&out);
        if !out.status.success() || !stdout.contains("fleetwire agent") {
            failures.push(format!(
                "{}: {} {}",
                theirs.name,
                stdout.trim(),
                tk::stderr_text(&out).trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} users failed:\n{}",
        failures.len(),
        users.len(),
        failures.join("\n")
    );
    // Each snmpget discovers the engine once.
    assert_eq!(agent.stat(UsmStat::UnknownEngineIds), 43);
    assert_eq!(agent.stat(UsmStat::WrongDigests), 0);
}

#[test]
fn netsnmp_understands_our_reports() {
    if !tk::require_tools(&["snmpget"]) {
        return;
    }
    let users = users();
    let agent = Agent::start(&users);
    let target = agent.target();
    let user = |name: &str| {
        users
            .iter()
            .find(|(u, _)| u.name == name)
            .unwrap()
            .0
            .clone()
    };
    let run = |u: &tk::UsmUser, level: tk::SecurityLevel| {
        let out = snmpget(&u.tool_args_at(level), &target);
        assert!(
            !out.status.success(),
            "{}: {}",
            u.name,
            tk::stdout_text(&out)
        );
        tk::stderr_text(&out)
    };
    let good = user("sha-256-aes");
    let mut wrong_auth = good.clone();
    wrong_auth.auth = Some((tk::AuthProtocol::Sha256, "wrong-password".into()));
    let err = run(&wrong_auth, tk::SecurityLevel::AuthPriv);
    assert!(err.contains("Authentication failure"), "{err}");
    assert_eq!(agent.stat(UsmStat::WrongDigests), 1);

    let mut wrong_priv = good.clone();
    wrong_priv.privacy = Some((tk::PrivProtocol::Aes128, "wrong-password".into()));
    let err = run(&wrong_priv, tk::SecurityLevel::AuthPriv);
    assert!(
        err.contains("Decryption error") || err.contains("Timeout"),
        "{err}"
    );
    assert!(agent.stat(UsmStat::DecryptionErrors) >= 1);

    let mut unknown = good.clone();
    unknown.name = "mallory".into();
    let err = run(&unknown, tk::SecurityLevel::AuthPriv);
    assert!(err.contains("Unknown user name"), "{err}");
    assert!(agent.stat(UsmStat::UnknownUserNames) >= 1);

    let mut auth_only_as_priv = user("sha-none");
    auth_only_as_priv.privacy = Some((tk::PrivProtocol::Aes128, PRIV_PASS.into()));
    let err = run(&auth_only_as_priv, tk::SecurityLevel::AuthPriv);
    assert!(err.contains("Unsupported security level"), "{err}");
    assert_eq!(agent.stat(UsmStat::UnsupportedSecLevels), 1);

    // The wrong key-extension variant: AES-256 (Blumenthal) against an AES-256-C (Reeder)
    // user with SHA-1, where the two differ: decryption fails on our side.
    let mut variant = user("sha-aes-256-c");
    variant.privacy = Some((tk::PrivProtocol::Aes256Blumenthal, PRIV_PASS.into()));
    let err = run(&variant, tk::SecurityLevel::AuthPriv);
    assert!(
        err.contains("Decryption error") || err.contains("Timeout"),
        "{err}"
    );

    // A wrong engine ID given with -e: our agent answers unknownEngineID; net-snmp then
    // reports the failure.
    let mut wrong_engine = good.clone();
    wrong_engine.engine_id = Some("0x80001f8804deadbeef".into());
    let before = agent.stat(UsmStat::UnknownEngineIds);
    let _ = snmpget(&wrong_engine.tool_args(), &target);
    assert!(agent.stat(UsmStat::UnknownEngineIds) > before);

    // And the good user still works after all that.
    let out = snmpget(&good.tool_args(), &target);
    assert!(out.status.success(), "{}", tk::stderr_text(&out));
}

/// v3 traps from our authoritative engine to snmptrapd, which knows the users under our
/// engine ID (`createUser -e`): authNoPriv and authPriv with SHA-512/AES-256-C and
/// SHA-1/AES-192 (Blumenthal).
#[test]
fn v3_traps_to_snmptrapd() {
    if !tk::require_tools(&["snmptrapd"]) {
        return;
    }
    let engine_hex: String = ENGINE_ID.iter().map(|b| format!("{b:02x}")).collect();
    let combos = [
        (
            "trap-sha512-aes256c",
            tk::AuthProtocol::Sha512,
            Some(tk::PrivProtocol::Aes256Reeder),
        ),
        (
            "trap-sha-aes192",
            tk::AuthProtocol::Sha1,
            Some(tk::PrivProtocol::Aes192Blumenthal),
        ),
        ("trap-sha256", tk::AuthProtocol::Sha256, None),
    ];
    let mut builder = tk::Snmptrapd::builder().ipv6(false);
    let mut engine = LocalEngine::new(&CRYPTO, ENGINE_ID, 3, Duration::ZERO).unwrap();
    for (name, a, p) in combos {
        let mut theirs = tk::UsmUser::new(name)
            .auth(a, AUTH_PASS)
            .engine_id(&engine_hex);
        let mut ours = UsmUser::new(name.as_bytes())
            .unwrap()
            .with_auth_password(
                &CRYPTO,
                AuthProtocol::from_name(a.net_snmp()).unwrap(),
                AUTH_PASS.as_bytes(),
            )
            .unwrap();
        if let Some(p) = p {
            theirs = theirs.privacy(p, PRIV_PASS);
            ours = ours
                .with_priv_password(
                    &CRYPTO,
                    PrivProtocol::from_name(p.net_snmp()).unwrap(),
                    PRIV_PASS.as_bytes(),
                )
                .unwrap();
        }
        builder = builder.user(theirs);
        engine.add_user(&CRYPTO, &ours).unwrap();
    }
    let receiver = builder.start();
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    for (i, (name, _, p)) in combos.iter().enumerate() {
        let level = if p.is_some() {
            fleetwire_snmp::usm::SecurityLevel::AuthPriv
        } else {
            fleetwire_snmp::usm::SecurityLevel::AuthNoPriv
        };
        let pdu = Pdu::SnmpV2Trap(GenericPdu::new(
            i as i32 + 1,
            vec![
                VarBind::new("1.3.6.1.2.1.1.3.0".parse().unwrap(), Value::TimeTicks(4200)),
                VarBind::new(
                    "1.3.6.1.6.3.1.1.4.1.0".parse().unwrap(),
                    Value::ObjectIdentifier("1.3.6.1.2.1.43.18.2.0.1".parse().unwrap()),
                ),
                VarBind::new(
                    "1.3.6.1.2.1.43.18.1.1.8.1.1".parse().unwrap(),
                    Value::OctetString(name.as_bytes().into()),
                ),
            ],
        ));
        let mut wire = Vec::new();
        engine
            .encode_notification(
                &CRYPTO,
                Duration::from_secs(5),
                name.as_bytes(),
                level,
                100 + i as u32,
                b"",
                &pdu,
                &mut wire,
            )
            .unwrap();
        socket.send_to(&wire, receiver.addr()).unwrap();
    }
    let got = receiver.wait_for_notifications(combos.len(), Duration::from_secs(10));
    let mut names: Vec<String> = got.iter().map(|n| n.security_name.clone()).collect();
    names.sort();
    let mut want: Vec<String> = combos.iter().map(|c| c.0.to_owned()).collect();
    want.sort();
    assert_eq!(names, want, "{:?}\n{}", got, receiver.log());
    for n in &got {
        assert_eq!(n.trap_oid(), Some("1.3.6.1.2.1.43.18.2.0.1"), "{n:?}");
        assert!(n.varbind("1.3.6.1.2.1.43.18.1.1.8.1.1").is_some(), "{n:?}");
    }
}
