//! The command responder against net-snmp's manager tools on loopback: snmpget, snmpgetnext,
//! snmpbulkwalk and snmpset over v1, v2c and v3 with every user of the 43-user matrix (one
//! responder shared by all tests); the Reports net-snmp expects for an unknown user, a wrong
//! password and a stale time; a VACM-restricted view; the v1 error mapping; tooBig and GetBulk
//! truncation.
#![cfg(feature = "tokio")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};
use std::time::Duration;

use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::responder::server::ServerHandle;
use fleetwire_snmp::responder::{MemoryBoots, MibTree, Responder, ResponderLimits};
use fleetwire_snmp::usm::SecurityLevel;
use fleetwire_snmp::vacm::{FamilyType, SecurityModel};
use fleetwire_snmp::{Oid, Value};
use fleetwire_testkit as tk;

mod common;

const AUTH_PASS: &str = "responder-auth";
const PRIV_PASS: &str = "responder-priv";
const ENGINE_TEXT: &str = "fleetwire-responder";

static CRYPTO: RustCrypto = RustCrypto::new();

fn oid(s: &str) -> Oid<'static> {
    s.parse().unwrap()
}

/// The MIB every responder here serves: the system group, a 60-row interface table with
/// Counter64 columns, and printer marker counters.
fn printer_mib() -> MibTree {
    let mut items: Vec<(Oid<'static>, Value<'static>)> = vec![
        (
            oid("1.3.6.1.2.1.1.1.0"),
            Value::OctetString(b"Fleetwire test MFP"[..].into()),
        ),
        (
            oid("1.3.6.1.2.1.1.2.0"),
            Value::ObjectIdentifier(oid("1.3.6.1.4.1.253.8.62.1.20")),
        ),
        (oid("1.3.6.1.2.1.1.3.0"), Value::TimeTicks(123_456)),
        (
            oid("1.3.6.1.2.1.1.4.0"),
            Value::OctetString(b"facilities@example.com"[..].into()),
        ),
        (
            oid("1.3.6.1.2.1.1.5.0"),
            Value::OctetString(b"mfp-3f"[..].into()),
        ),
        (
            oid("1.3.6.1.2.1.1.6.0"),
            Value::OctetString(b"3rd floor"[..].into()),
        ),
        (
            oid("1.3.6.1.2.1.4.20.1.1.192.0.2.7"),
            Value::IpAddress([192, 0, 2, 7]),
        ),
        (
            oid("1.3.6.1.2.1.43.10.2.1.4.1.1"),
            Value::Counter32(182_733),
        ),
        (oid("1.3.6.1.2.1.43.11.1.1.9.1.1"), Value::Integer(-3)),
    ];
    for i in 1..=60u32 {
        items.push((
            oid(&format!("1.3.6.1.2.1.2.2.1.2.{i}")),
            Value::OctetString(
                format!("interface {i} with a longish description")
                    .into_bytes()
                    .into(),
            ),
        ));
        items.push((
            oid(&format!("1.3.6.1.2.1.31.1.1.1.6.{i}")),
            Value::Counter64(u64::from(i) << 33),
        ));
    }
    items.into_iter().collect::<MibTree>().writable(true)
}

struct Running {
    v4: SocketAddr,
    v6: Option<SocketAddr>,
}

/// Serves `responder` on 127.0.0.1 (and ::1 when available) from a background runtime that
/// lives as long as the test process.
fn serve(responder: Responder) -> Running {
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let mut addrs: Vec<SocketAddr> = vec!["127.0.0.1:0".parse().unwrap()];
            if tk::ipv6_loopback_available() {
                addrs.push("[::1]:0".parse().unwrap());
            }
            let server = ServerHandle::bind(&addrs, responder).await.unwrap();
            tx.send(server.local_addrs().to_vec()).unwrap();
            std::future::pending::<()>().await;
        });
    });
    let addrs = rx.recv_timeout(Duration::from_secs(10)).unwrap();
    Running {
        v4: addrs[0],
        v6: addrs.get(1).copied(),
    }
}

fn target(addr: SocketAddr) -> String {
    match addr {
        SocketAddr::V4(a) => format!("udp:{a}"),
        SocketAddr::V6(a) => format!("udp6:{a}"),
    }
}

/// The responder shared by the whole matrix: communities public (read), private (write),
/// restricted (a view without sysContact and the interface table); v3 with the 43 matrix
/// users (read) and `writer` (read-write).
fn shared() -> &'static Running {
    static SHARED: OnceLock<Running> = OnceLock::new();
    SHARED.get_or_init(|| {
        let mut r = Responder::new(Arc::new(RustCrypto::new()));
        r.mib_mut()
            .register(oid("1.3.6.1.2.1"), printer_mib())
            .unwrap();
        r.allow_community(b"public", oid("1.3.6.1"), false).unwrap();
        r.allow_community(b"private", oid("1.3.6.1"), true).unwrap();
        let vacm = r.vacm_mut();
        let v = b"restricted";
        vacm.add_view_family(v, oid("1.3.6.1.2.1"), &[], FamilyType::Included)
            .unwrap();
        vacm.add_view_family(v, oid("1.3.6.1.2.1.1.4"), &[], FamilyType::Excluded)
            .unwrap();
        vacm.add_view_family(v, oid("1.3.6.1.2.1.2"), &[], FamilyType::Excluded)
            .unwrap();
        for model in [SecurityModel::V1, SecurityModel::V2c] {
            vacm.grant(model, v, SecurityLevel::NoAuthNoPriv, v, b"");
        }
        r.add_community(v, v);
        let engine_id = engine_id();
        r.enable_v3(&engine_id, &mut MemoryBoots(0), Duration::ZERO)
            .unwrap();
        let vacm = r.vacm_mut();
        vacm.add_view_family(b"all", oid("1.3"), &[], FamilyType::Included)
            .unwrap();
        for u in tk::usm::matrix_users(AUTH_PASS, PRIV_PASS) {
            vacm.grant(
                SecurityModel::Usm,
                u.name.as_bytes(),
                SecurityLevel::NoAuthNoPriv,
                b"all",
                b"",
            );
        }
        vacm.grant(
            SecurityModel::Usm,
            b"writer",
            SecurityLevel::AuthPriv,
            b"all",
            b"all",
        );
        for u in tk::usm::matrix_users(AUTH_PASS, PRIV_PASS)
            .iter()
            .chain([&writer()])
        {
            r.add_user(&common::our_user(&CRYPTO, u)).unwrap();
        }
        serve(r)
    })
}

fn writer() -> tk::UsmUser {
    tk::UsmUser::new("writer")
        .auth(tk::AuthProtocol::Sha256, AUTH_PASS)
        .privacy(tk::PrivProtocol::Aes128, PRIV_PASS)
}

fn engine_id() -> Vec<u8> {
    let hex = tk::text_engine_id_hex(ENGINE_TEXT);
    let hex = hex.trim_start_matches("0x");
    (0..hex.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap())
        .collect()
}

fn tools() -> bool {
    tk::require_tools(&["snmpget", "snmpgetnext", "snmpbulkwalk", "snmpset"])
}

fn args(version: &[&str], addr: SocketAddr, rest: &[&str]) -> Vec<String> {
    let mut v: Vec<String> = version.iter().map(|s| s.to_string()).collect();
    v.extend(["-On", "-t", "2", "-r", "1"].map(String::from));
    v.push(target(addr));
    v.extend(rest.iter().map(|s| s.to_string()));
    v
}

/// The varbinds a walk printed, without the endOfMibView line net-snmp adds when the walk
/// reaches the end of the MIB inside the requested subtree.
fn objects(walk: &str) -> Vec<tk::NetSnmpVarBind> {
    tk::parse_netsnmp_output(walk)
        .into_iter()
        .filter(|vb| {
            !vb.value
                .starts_with("No more variables left in this MIB View")
        })
        .collect()
}

#[track_caller]
fn ok(out: std::process::Output) -> String {
    let stdout = tk::stdout_text(&out);
    assert!(
        out.status.success(),
        "status {:?}\nstdout:\n{stdout}\nstderr:\n{}",
        out.status,
        tk::stderr_text(&out)
    );
    stdout
}

#[test]
fn v1_and_v2c_get_getnext_bulkwalk_set() {
    if !tools() {
        return;
    }
    let s = shared();
    let mut addrs = vec![s.v4];
    addrs.extend(s.v6);
    for addr in addrs {
        for v in ["-v1", "-v2c"] {
            let out = ok(tk::snmpget(&args(
                &[v, "-c", "public"],
                addr,
                &[
                    "1.3.6.1.2.1.1.1.0",
                    "1.3.6.1.2.1.1.2.0",
                    "1.3.6.1.2.1.4.20.1.1.192.0.2.7",
                ],
            )));
            assert_eq!(
                out,
                ".1.3.6.1.2.1.1.1.0 = STRING: \"Fleetwire test MFP\"\n\
                 .1.3.6.1.2.1.1.2.0 = OID: .1.3.6.1.4.1.253.8.62.1.20\n\
                 .1.3.6.1.2.1.4.20.1.1.192.0.2.7 = IpAddress: 192.0.2.7\n"
            );
            let out = ok(tk::snmpgetnext(&args(
                &[v, "-c", "public"],
                addr,
                &["1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.43.11"],
            )));
            assert_eq!(
                out,
                ".1.3.6.1.2.1.1.4.0 = STRING: \"facilities@example.com\"\n\
                 .1.3.6.1.2.1.43.11.1.1.9.1.1 = INTEGER: -3\n"
            );
        }
        // A full walk: v2c GetBulk sees the 60 Counter64s; v1 GetNext walks skip them.
        let walk = ok(tk::snmpbulkwalk(&args(
            &["-v2c", "-c", "public", "-Cr25"],
            addr,
            &["1.3.6.1.2.1"],
        )));
        let vbs = objects(&walk);
        assert_eq!(vbs.len(), 9 + 120, "{walk}");
        assert!(walk.contains(".1.3.6.1.2.1.31.1.1.1.6.60 = Counter64: 515396075520\n"));
        let walk1 = ok(tk::run_tool(
            "snmpwalk",
            &args(&["-v1", "-c", "public"], addr, &["1.3.6.1.2.1"]),
        ));
        assert_eq!(objects(&walk1).len(), 9 + 60, "{walk1}");
        assert!(!walk1.contains("Counter64"));
    }
    // SET over both versions, through the write community; read back.
    for (v, name) in [("-v1", "renamed-v1"), ("-v2c", "renamed-v2c")] {
        let out = ok(tk::snmpset(&args(
            &[v, "-c", "private"],
            s.v4,
            &["1.3.6.1.2.1.1.6.0", "s", name],
        )));
        assert_eq!(out, format!(".1.3.6.1.2.1.1.6.0 = STRING: \"{name}\"\n"));
        let out = ok(tk::snmpget(&args(
            &[v, "-c", "public"],
            s.v4,
            &["1.3.6.1.2.1.1.6.0"],
        )));
        assert!(out.contains(name), "{out}");
    }
}

#[test]
fn v3_matrix_of_43_users() {
    if !tools() {
        return;
    }
    let s = shared();
    let users = tk::usm::matrix_users(AUTH_PASS, PRIV_PASS);
    assert_eq!(users.len(), 43);
    for u in &users {
        let mut v3 = u.tool_args();
        v3.extend(["-On", "-t", "2", "-r", "1"].map(String::from));
        let mut get = v3.clone();
        get.extend([
            target(s.v4),
            "1.3.6.1.2.1.1.5.0".into(),
            "1.3.6.1.2.1.43.10.2.1.4.1.1".into(),
        ]);
        let out = tk::snmpget(&get);
        assert!(
            out.status.success(),
            "{}: {}",
            u.name,
            tk::stderr_text(&out)
        );
        let text = tk::stdout_text(&out);
        assert!(
            text.contains("= STRING: \"") && text.contains("Counter32: 182733"),
            "{}: {text}",
            u.name
        );
        let mut next = v3.clone();
        next.extend([target(s.v4), "1.3.6.1.2.1.43.10".into()]);
        let out = ok(tk::snmpgetnext(&next));
        assert_eq!(
            out, ".1.3.6.1.2.1.43.10.2.1.4.1.1 = Counter32: 182733\n",
            "{}",
            u.name
        );
        let mut walk = v3;
        walk.extend(["-Cr10".into(), target(s.v4), "1.3.6.1.2.1.2".into()]);
        let out = ok(tk::snmpbulkwalk(&walk));
        assert_eq!(objects(&out).len(), 60, "{}: {out}", u.name);
    }
    // SET as the read-write user; the matrix users have no write view.
    let mut set = writer().tool_args();
    set.extend([
        "-On".into(),
        target(s.v4),
        "1.3.6.1.2.1.2.2.1.2.60".into(),
        "s".into(),
        "uplink".into(),
    ]);
    let out = ok(tk::snmpset(&set));
    assert_eq!(out, ".1.3.6.1.2.1.2.2.1.2.60 = STRING: \"uplink\"\n");
    let mut set = users[9].tool_args();
    set.extend([
        "-On".into(),
        target(s.v4),
        "1.3.6.1.2.1.1.4.0".into(),
        "s".into(),
        "x".into(),
    ]);
    let out = tk::snmpset(&set);
    assert!(!out.status.success());
    assert!(
        tk::stderr_text(&out).contains("Reason: authorizationError (access denied to that object)"),
        "{}",
        tk::stderr_text(&out)
    );
}

/// The last line of a tool's stderr (the first run in a fresh persistent directory also
/// prints "Created directory: ...").
fn last_line(out: &std::process::Output) -> String {
    let err = tk::stderr_text(out);
    err.trim().lines().last().unwrap_or_default().to_string()
}

#[test]
fn v3_errors_give_the_reports_net_snmp_expects() {
    if !tools() {
        return;
    }
    let s = shared();
    let relay = tk::UdpRelay::start(s.v4);
    let run = |user: &tk::UsmUser, extra: &[&str]| {
        let mut a = user.tool_args();
        a.extend(extra.iter().map(|s| s.to_string()));
        a.extend([
            "-On".into(),
            "-t".into(),
            "2".into(),
            "-r".into(),
            "0".into(),
            relay.target(),
            "1.3.6.1.2.1.1.5.0".into(),
        ]);
        tk::snmpget(&a)
    };
    let good = tk::UsmUser::new("sha-256-aes")
        .auth(tk::AuthProtocol::Sha256, AUTH_PASS)
        .privacy(tk::PrivProtocol::Aes128, PRIV_PASS);

    let unknown = tk::UsmUser::new("mallory")
        .auth(tk::AuthProtocol::Sha256, AUTH_PASS)
        .privacy(tk::PrivProtocol::Aes128, PRIV_PASS);
    let out = run(&unknown, &[]);
    assert!(!out.status.success());
    assert_eq!(last_line(&out), "snmpget: Unknown user name");

    let wrong = tk::UsmUser::new("sha-256-aes")
        .auth(tk::AuthProtocol::Sha256, "not-the-password")
        .privacy(tk::PrivProtocol::Aes128, PRIV_PASS);
    let out = run(&wrong, &[]);
    assert!(!out.status.success());
    assert_eq!(
        last_line(&out),
        "snmpget: Authentication failure (incorrect password, community or key)"
    );

    let auth_only = tk::UsmUser::new("sha-none").auth(tk::AuthProtocol::Sha1, AUTH_PASS);
    let mut a = auth_only.tool_args_at(tk::SecurityLevel::AuthPriv);
    a.extend(["-x", "AES", "-X", PRIV_PASS, "-On", "-t", "2", "-r", "0"].map(String::from));
    a.extend([relay.target(), "1.3.6.1.2.1.1.5.0".into()]);
    let out = tk::snmpget(&a);
    assert!(!out.status.success());
    assert_eq!(last_line(&out), "snmpget: Unsupported security level");

    // A stale clock (-Z boots,time with a known engine ID, so no discovery): the responder
    // answers notInTimeWindow with an authenticated Report carrying its real time; net-snmp
    // resynchronises from it and retries, and the request succeeds.
    let engine = tk::text_engine_id_hex(ENGINE_TEXT);
    let out = run(&good, &["-e", &engine, "-Z", "1,50000"]);
    assert_eq!(ok(out), ".1.3.6.1.2.1.1.5.0 = STRING: \"mfp-3f\"\n");
    // Only this request of the test is answered with notInTimeWindow.
    let answers = relay.responses();
    let not_in_time_window = [0x2b, 6, 1, 6, 3, 15, 1, 1, 2, 0];
    assert!(
        answers
            .iter()
            .any(|a| a.windows(10).any(|w| w == not_in_time_window)),
        "no notInTimeWindow Report among {} answers",
        answers.len()
    );
}

#[test]
fn restricted_view_hides_for_get_getnext_and_bulkwalk() {
    if !tools() {
        return;
    }
    let s = shared();
    let c = ["-v2c", "-c", "restricted"];
    let out = ok(tk::snmpget(&args(
        &c,
        s.v4,
        &[
            "1.3.6.1.2.1.1.4.0",
            "1.3.6.1.2.1.2.2.1.2.1",
            "1.3.6.1.2.1.1.5.0",
        ],
    )));
    assert_eq!(
        out,
        ".1.3.6.1.2.1.1.4.0 = No Such Object available on this agent at this OID\n\
         .1.3.6.1.2.1.2.2.1.2.1 = No Such Object available on this agent at this OID\n\
         .1.3.6.1.2.1.1.5.0 = STRING: \"mfp-3f\"\n"
    );
    let out = ok(tk::snmpgetnext(&args(
        &c,
        s.v4,
        &["1.3.6.1.2.1.1.3.0", "1.3.6.1.2.1.2"],
    )));
    assert_eq!(
        out,
        ".1.3.6.1.2.1.1.5.0 = STRING: \"mfp-3f\"\n\
         .1.3.6.1.2.1.4.20.1.1.192.0.2.7 = IpAddress: 192.0.2.7\n"
    );
    let walk = ok(tk::snmpbulkwalk(&args(&c, s.v4, &["1.3.6.1.2.1"])));
    let names: Vec<String> = objects(&walk).into_iter().map(|vb| vb.oid).collect();
    assert!(
        !names
            .iter()
            .any(|n| n.starts_with(".1.3.6.1.2.1.2.") || n == ".1.3.6.1.2.1.1.4.0"),
        "{walk}"
    );
    // The system group without sysContact, ipAddrTable, the printer objects, ifXTable.
    assert_eq!(names.len(), 5 + 1 + 2 + 60, "{walk}");
    // v1: the hidden object is noSuchName.
    let out = tk::snmpget(&args(
        &["-v1", "-c", "restricted"],
        s.v4,
        &["1.3.6.1.2.1.1.5.0", "1.3.6.1.2.1.1.4.0"],
    ));
    assert!(!out.status.success());
    let err = tk::stderr_text(&out);
    assert!(
        err.contains("Reason: (noSuchName) There is no such variable name in this MIB."),
        "{err}"
    );
    assert!(err.contains("Failed object: .1.3.6.1.2.1.1.4.0"), "{err}");
}

#[test]
fn v1_error_mapping() {
    if !tools() {
        return;
    }
    let s = shared();
    // A Counter64 does not exist for v1: noSuchName on that varbind.
    let out = tk::snmpget(&args(
        &["-v1", "-c", "public"],
        s.v4,
        &["1.3.6.1.2.1.31.1.1.1.6.1"],
    ));
    let err = tk::stderr_text(&out);
    assert!(
        err.contains("Reason: (noSuchName) There is no such variable name in this MIB."),
        "{err}"
    );
    // A SET of the wrong type: badValue.
    let out = tk::snmpset(&args(
        &["-v1", "-c", "private"],
        s.v4,
        &["1.3.6.1.2.1.1.5.0", "i", "5"],
    ));
    let err = tk::stderr_text(&out);
    assert!(
        err.contains("Reason: (badValue) The value given has the wrong type or length."),
        "{err}"
    );
    // A read-only community: noSuchName (authorizationError in v2c).
    let out = tk::snmpset(&args(
        &["-v1", "-c", "public"],
        s.v4,
        &["1.3.6.1.2.1.1.5.0", "s", "x"],
    ));
    let err = tk::stderr_text(&out);
    assert!(
        err.contains("Reason: (noSuchName) There is no such variable name in this MIB."),
        "{err}"
    );
    let out = tk::snmpset(&args(
        &["-v2c", "-c", "private"],
        s.v4,
        &["1.3.6.1.2.1.1.5.0", "i", "5"],
    ));
    let err = tk::stderr_text(&out);
    assert!(
        err.contains(
            "Reason: wrongType (The set datatype does not match the data type the agent expects)"
        ),
        "{err}"
    );
}

#[test]
fn too_big_and_bulk_truncation() {
    if !tools() {
        return;
    }
    let mut r = Responder::new(Arc::new(RustCrypto::new())).with_limits(ResponderLimits {
        max_message_size: 484,
        ..ResponderLimits::default()
    });
    r.mib_mut()
        .register(oid("1.3.6.1.2.1"), printer_mib())
        .unwrap();
    r.allow_community(b"public", oid("1.3.6.1"), false).unwrap();
    let small = serve(r);
    let names: Vec<String> = (1..=20)
        .map(|i| format!("1.3.6.1.2.1.2.2.1.2.{i}"))
        .collect();
    let names: Vec<&str> = names.iter().map(String::as_str).collect();
    let out = tk::snmpget(&args(&["-v2c", "-c", "public"], small.v4, &names));
    let err = tk::stderr_text(&out);
    assert!(
        err.contains("Reason: (tooBig) Response message would have been too large."),
        "{err}"
    );
    // GetBulk asks for 50 rows at a time; each answer is truncated to fit 484 bytes, and the
    // walk still sees every row.
    let relay = tk::UdpRelay::start(small.v4);
    let mut a = args(
        &["-v2c", "-c", "public", "-Cr50"],
        small.v4,
        &["1.3.6.1.2.1.2"],
    );
    let at = a.len() - 2;
    a[at] = relay.target();
    let walk = ok(tk::snmpbulkwalk(&a));
    assert_eq!(objects(&walk).len(), 60);
    let responses = relay.responses();
    assert!(responses.len() > 5, "{} responses", responses.len());
    assert!(responses.iter().all(|r| r.len() <= 484));
}
