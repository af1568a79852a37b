//! The async manager against a second SNMPv3 implementation: pysnmp 4.4.12's command
//! responder on loopback, with one user per AES-192/256 variant (Blumenthal and Reeder key
//! extension). SHA-1 (20-byte digests) makes the two extensions produce different keys, so a
//! mix-up would fail; one SHA-512 user covers the RFC 7860 side.
#![cfg(feature = "tokio")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fleetwire_snmp::client::Client;
use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::manager::{RetryPolicy, Security};
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel, UsmUser};
use fleetwire_snmp::{Oid, Value};
use fleetwire_testkit as tk;

static CRYPTO: RustCrypto = RustCrypto::new();

const PYTHON: &str = "/usr/bin/python3";
const AUTH_PASS: &str = "fleetwire-auth";
const PRIV_PASS: &str = "fleetwire-priv";

/// (user, pysnmp auth, pysnmp priv, our auth, our priv)
const USERS: &[(&str, &str, &str, AuthProtocol, PrivProtocol)] = &[
    (
        "sha-aes192-blumenthal",
        "usmHMACSHAAuthProtocol",
        "usmAesBlumenthalCfb192Protocol",
        AuthProtocol::Sha1,
        PrivProtocol::Aes192Blumenthal,
    ),
    (
        "sha-aes256-blumenthal",
        "usmHMACSHAAuthProtocol",
        "usmAesBlumenthalCfb256Protocol",
        AuthProtocol::Sha1,
        PrivProtocol::Aes256Blumenthal,
    ),
    (
        "sha-aes192-reeder",
        "usmHMACSHAAuthProtocol",
        "usmAesCfb192Protocol",
        AuthProtocol::Sha1,
        PrivProtocol::Aes192Reeder,
    ),
    (
        "sha-aes256-reeder",
        "usmHMACSHAAuthProtocol",
        "usmAesCfb256Protocol",
        AuthProtocol::Sha1,
        PrivProtocol::Aes256Reeder,
    ),
    (
        "sha512-aes256-reeder",
        "usmHMAC384SHA512AuthProtocol",
        "usmAesCfb256Protocol",
        AuthProtocol::Sha512,
        PrivProtocol::Aes256Reeder,
    ),
];

fn responder_script(port: u16) -> String {
    let mut users = String::new();
    for (name, auth, privacy, _, _) in USERS {
        users.push_str(&format!(
            "config.addV3User(e, '{name}', config.{auth}, '{AUTH_PASS}', config.{privacy}, '{PRIV_PASS}')\n\
             config.addVacmUser(e, 3, '{name}', 'authPriv', (1, 3, 6), (1, 3, 6))\n"
        ));
    }
    format!(
        "from pysnmp.entity import engine, config\n\
         from pysnmp.entity.rfc3413 import cmdrsp, context\n\
         from pysnmp.carrier.asyncore.dgram import udp\n\
         e = engine.SnmpEngine()\n\
         config.addTransport(e, udp.domainName, udp.UdpTransport().openServerMode(('127.0.0.1', {port})))\n\
         {users}\
         c = context.SnmpContext(e)\n\
         cmdrsp.GetCommandResponder(e, c)\n\
         cmdrsp.NextCommandResponder(e, c)\n\
         cmdrsp.BulkCommandResponder(e, c)\n\
         e.transportDispatcher.jobStarted(1)\n\
         e.transportDispatcher.runDispatcher()\n"
    )
}

/// The responder process, killed (by its PID, through the handle) when dropped.
struct Responder(Child);

impl Drop for Responder {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn pysnmp_available() -> bool {
    let ok = Command::new(PYTHON)
        .args(["-c", "import pysnmp.entity.rfc3413.cmdrsp"])
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|s| s.success());
    if !ok && std::env::var("CI").is_ok_and(|v| v == "true") {
        panic!("pysnmp 4.4 is not importable by {PYTHON} (CI=true)");
    }
    ok
}

fn ours(name: &str, auth: AuthProtocol, privacy: PrivProtocol) -> UsmUser {
    UsmUser::new(name.as_bytes())
        .unwrap()
        .with_auth_password(&CRYPTO, auth, AUTH_PASS.as_bytes())
        .unwrap()
        .with_priv_password(&CRYPTO, privacy, PRIV_PASS.as_bytes())
        .unwrap()
}

#[tokio::test]
async fn aes_192_256_both_key_extensions_against_pysnmp() {
    if !pysnmp_available() {
        return;
    }
    let port = tk::free_udp_port();
    let script = std::env::temp_dir().join(format!("fleetwire-pysnmp-{}.py", std::process::id()));
    std::fs::write(&script, responder_script(port)).unwrap();
    let _responder = Responder(
        Command::new(PYTHON)
            .arg(&script)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let addr: SocketAddr = format!("127.0.0.1:{port}").parse().unwrap();
    let client = Client::builder()
        .timeout(Duration::from_millis(500))
        .retries(2)
        .build()
        .await
        .unwrap();
    let sys_descr: Oid<'static> = "1.3.6.1.2.1.1.1.0".parse().unwrap();
    let system: Oid<'static> = "1.3.6.1.2.1.1".parse().unwrap();

    // Wait for the responder (Python starts in about a second).
    let (name, _, _, a, p) = USERS[0];
    let probe = client
        .session(
            addr,
            Security::v3(ours(name, a, p), SecurityLevel::AuthPriv),
        )
        .unwrap()
        .with_retry_policy(RetryPolicy::new(Duration::from_millis(200), 0));
    let deadline = Instant::now() + Duration::from_secs(15);
    while probe.get(std::slice::from_ref(&sys_descr)).await.is_err() {
        assert!(Instant::now() < deadline, "pysnmp responder did not start");
    }
    let _ = std::fs::remove_file(&script);

    let mut descriptions = Vec::new();
    for &(name, _, _, auth, privacy) in USERS {
        let session = client
            .session(
                addr,
                Security::v3(ours(name, auth, privacy), SecurityLevel::AuthPriv),
            )
            .unwrap();
        let got = session
            .get(std::slice::from_ref(&sys_descr))
            .await
            .unwrap_or_else(|e| panic!("{name}: get: {e}"));
        let Value::OctetString(text) = &got[0].value else {
            panic!("{name}: {got:?}");
        };
        descriptions.push(text.to_vec());
        let next = session
            .get_next(std::slice::from_ref(&system))
            .await
            .unwrap();
        assert_eq!(next[0].name, sys_descr, "{name}");
        let walked = session.bulk_walk(system.clone(), 5).await.unwrap();
        assert!(walked.len() >= 7, "{name}: {walked:?}");
        let again = session.walk(system.clone()).await.unwrap();
        let names = |v: &[fleetwire_snmp::VarBind<'static>]| -> Vec<Oid<'static>> {
            v.iter().map(|vb| vb.name.clone()).collect()
        };
        assert_eq!(names(&again), names(&walked), "{name}");
    }
    assert!(descriptions.windows(2).all(|w| w[0] == w[1]));

    // The key extensions are not interchangeable: a Reeder key for a Blumenthal user fails.
    let (name, _, _, a, _) = USERS[0];
    let mixed = client
        .session(
            addr,
            Security::v3(
                ours(name, a, PrivProtocol::Aes192Reeder),
                SecurityLevel::AuthPriv,
            ),
        )
        .unwrap()
        .with_retry_policy(RetryPolicy::new(Duration::from_millis(300), 0));
    assert!(mixed.get(std::slice::from_ref(&sys_descr)).await.is_err());
}
