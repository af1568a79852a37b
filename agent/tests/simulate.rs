//! `fleetwire simulate` against real peers on loopback: net-snmp's tools print the same walk
//! for our simulator as for snmpsim serving the same recording; the devices layout gives each
//! device its own port, recording and engine ID and answers SNMPv3; drift is exactly what
//! `simulate::drift` predicts.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::net::{SocketAddr, UdpSocket};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use fleetwire::simulate::device::Step;
use fleetwire::simulate::drift::Drift;
use fleetwire::simulate::fleet::{self, Fleet, FleetConfig, Layout};
use fleetwire::simulate::load_recordings;
use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::usm::{AlgorithmPolicy, SecurityLevel, Session, UsmUser};
use fleetwire_snmp::{Message, SecurityParameters, Value};
use fleetwire_testkit::{
    NetSnmpValue, Snmpsimd, free_udp_port, parse_netsnmp_output, require_tools, run_tool,
    snmpbulkwalk, snmpget, snmpwalk, stderr_text, stdout_text,
};

fn recordings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/recordings")
}

/// The recordings' files, in the order `load_recordings` returns them.
fn fixture_paths() -> Vec<PathBuf> {
    load_recordings(&recordings_dir())
        .unwrap()
        .iter()
        .map(|r| recordings_dir().join(format!("{}.snmprec", r.community)))
        .collect()
}

/// `fleetwire simulate ARGS`, stopped (killed and reaped) on drop.
struct Simulator(Child);

impl Simulator {
    /// Starts the simulator and waits for its "serving ..." line.
    fn start(args: &[String]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_fleetwire"))
            .arg("simulate")
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let stdout = child.stdout.take().unwrap();
        let mut line = String::new();
        BufReader::new(stdout).read_line(&mut line).unwrap();
        if !line.starts_with("serving ") {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "simulate did not start: {line:?} {}",
                String::from_utf8_lossy(&out.stderr)
            );
        }
        Self(child)
    }
}

impl Drop for Simulator {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn text_of(out: &std::process::Output, what: &str) -> String {
    assert!(out.status.success(), "{what}: {}", stderr_text(out));
    stdout_text(out)
}

/// Same bytes, or a failure naming the first line that differs.
fn assert_same_text(ours: &str, theirs: &str, what: &str) {
    if ours == theirs {
        return;
    }
    let (a, b): (Vec<&str>, Vec<&str>) = (ours.lines().collect(), theirs.lines().collect());
    let i = a
        .iter()
        .zip(&b)
        .position(|(x, y)| x != y)
        .unwrap_or(a.len().min(b.len()));
    panic!(
        "{what}: line {i} differs (ours {} lines, snmpsim {} lines):\n  ours:    {:?}\n  snmpsim: {:?}",
        a.len(),
        b.len(),
        a.get(i),
        b.get(i)
    );
}

#[test]
fn snmpwalk_and_snmpbulkwalk_print_the_same_for_snmpsim_and_us() {
    if !require_tools(&["snmpsimd", "snmpget", "snmpwalk", "snmpbulkwalk"]) {
        return;
    }
    let sim = Snmpsimd::start(&fixture_paths());
    let port = free_udp_port();
    let _ours = Simulator::start(&[
        "--recordings".into(),
        recordings_dir().display().to_string(),
        "--listen".into(),
        format!("127.0.0.1:{port}"),
    ]);
    let ours = format!("127.0.0.1:{port}");
    for community in sim.communities() {
        for (tool, extra) in [
            ("snmpwalk", &[][..]),
            ("snmpbulkwalk", &[][..]),
            ("snmpbulkwalk", &["-Cr7"][..]),
            ("snmpbulkwalk", &["-Cr100"][..]),
        ] {
            for version in ["-v2c", "-v1"] {
                if tool == "snmpbulkwalk" && version == "-v1" {
                    continue;
                }
                let walk = |target: &str| {
                    let mut args: Vec<String> =
                        [version, "-c", community, "-On"].map(String::from).to_vec();
                    args.extend(extra.iter().map(|s| (*s).to_owned()));
                    args.extend([target.to_owned(), ".1".to_owned()]);
                    if tool == "snmpwalk" {
                        snmpwalk(&args)
                    } else {
                        snmpbulkwalk(&args)
                    }
                };
                let what = format!("{tool} {version} {extra:?} -c {community}");
                let (ours_out, theirs_out) = (walk(&ours), walk(&sim.target()));
                if version == "-v1" && !theirs_out.status.success() {
                    // snmpsim answers an SNMPv1 GetNext that lands on a Counter64 with
                    // genErr; RFC 3584 section 4.2.2.1 says to skip it, which we do.
                    assert!(
                        stderr_text(&theirs_out).contains("genError"),
                        "{what}: {}",
                        stderr_text(&theirs_out)
                    );
                    let printed = text_of(&ours_out, &what);
                    assert!(printed.lines().count() > 200, "{what}");
                    assert!(!printed.contains("Counter64"), "{what}");
                    continue;
                }
                let theirs = text_of(&theirs_out, &what);
                assert!(theirs.lines().count() > 200, "{what}: {theirs}");
                assert_same_text(&text_of(&ours_out, &what), &theirs, &what);
            }
        }
        // A GET of objects present and missing prints the same too.
        let get = |target: &str| {
            text_of(
                &snmpget(&[
                    "-v2c",
                    "-c",
                    community,
                    "-On",
                    target,
                    "1.3.6.1.2.1.1.5.0",
                    "1.3.6.1.2.1.43.5.1.1.17.1",
                    "1.3.6.1.2.1.1.9.0",
                    "1.3.6.1.2.1.43.11.1.1.9.1.99",
                ]),
                "snmpget",
            )
        };
        assert_same_text(&get(&ours), &get(&sim.target()), "snmpget");
    }
}

/// The authoritative engine ID of the agent at `addr`, from its answer to a discovery probe.
fn discover_engine_id(addr: SocketAddr) -> Vec<u8> {
    let crypto = RustCrypto::new();
    let session = Session::new(
        &crypto,
        UsmUser::new(b"").unwrap(),
        SecurityLevel::NoAuthNoPriv,
        AlgorithmPolicy::Any,
    )
    .unwrap();
    let mut probe = Vec::new();
    session.encode_discovery(1, 1, &mut probe);
    let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
    socket
        .set_read_timeout(Some(Duration::from_secs(3)))
        .unwrap();
    socket.send_to(&probe, addr).unwrap();
    let mut buf = [0u8; 2048];
    let (n, _) = socket.recv_from(&mut buf).unwrap();
    match Message::decode(&buf[..n]).unwrap() {
        Message::V3(m) => match m.security_parameters {
            SecurityParameters::Usm(usm) => usm.engine_id.to_vec(),
            other => panic!("{other:?}"),
        },
        other => panic!("not a v3 answer: {other:?}"),
    }
}

#[test]
fn devices_layout_one_port_recording_and_engine_per_device() {
    if !require_tools(&["snmpget"]) {
        return;
    }
    let recordings = load_recordings(&recordings_dir()).unwrap();
    // Six consecutive free ports: try a few bases.
    let (base, sim) = (0..20)
        .find_map(|_| {
            let base = free_udp_port();
            if base > 65_000 {
                return None;
            }
            let sim = std::panic::catch_unwind(|| {
                Simulator::start(&[
                    "--recordings".into(),
                    recordings_dir().display().to_string(),
                    "--listen".into(),
                    "127.0.0.1:0".into(),
                    "--devices".into(),
                    "6".into(),
                    "--base-port".into(),
                    base.to_string(),
                    "--v3-user".into(),
                    "fleet:SHA-256:authpass123:AES:privpass123".into(),
                    "--v3-user".into(),
                    "reader:MD5:authpass456".into(),
                ])
            })
            .ok()?;
            Some((base, sim))
        })
        .expect("six consecutive free ports");
    let mut engine_ids = Vec::new();
    for device in 0..6u16 {
        let target = format!("127.0.0.1:{}", base + device);
        let recording = &recordings[usize::from(device) % recordings.len()];
        let Some(Value::OctetString(descr)) = recording
            .recording
            .get(&"1.3.6.1.2.1.1.1.0".parse().unwrap())
        else {
            panic!("sysDescr")
        };
        let expected = NetSnmpValue::OctetString(descr.to_vec());
        for args in [
            vec!["-v2c", "-c", recording.community.as_str()],
            vec!["-v1", "-c", fleet::PUBLIC],
            vec![
                "-v3",
                "-u",
                "fleet",
                "-l",
                "authPriv",
                "-a",
                "SHA-256",
                "-A",
                "authpass123",
                "-x",
                "AES",
                "-X",
                "privpass123",
            ],
            vec![
                "-v3",
                "-u",
                "reader",
                "-l",
                "authNoPriv",
                "-a",
                "MD5",
                "-A",
                "authpass456",
            ],
        ] {
            let mut all = args.clone();
            all.extend([
                "-On",
                "-Ox",
                "--hexOutputLength=0",
                &target,
                "1.3.6.1.2.1.1.1.0",
            ]);
            let out = snmpget(&all);
            let printed = parse_netsnmp_output(&text_of(&out, &format!("{all:?}")));
            assert_eq!(printed.len(), 1, "{all:?}");
            assert_eq!(printed[0].value(), Some(expected.clone()), "{all:?}");
        }
        // Another recording's community is not this device's.
        let other = &recordings[(usize::from(device) + 1) % recordings.len()].community;
        let out = run_tool(
            "snmpget",
            &[
                "-v2c",
                "-c",
                other,
                "-t",
                "0.3",
                "-r",
                "0",
                &target,
                "1.3.6.1.2.1.1.1.0",
            ],
        );
        assert!(!out.status.success(), "device {device} answered {other}");
        engine_ids.push(discover_engine_id(target.parse().unwrap()));
    }
    for (device, id) in engine_ids.iter().enumerate() {
        assert_eq!(id, &fleet::engine_id(u32::try_from(device).unwrap()));
    }
    drop(sim);
}

#[test]
fn drift_over_the_wire_is_what_drift_predicts() {
    if !require_tools(&["snmpget"]) {
        return;
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let recordings: Vec<_> = load_recordings(&recordings_dir())
        .unwrap()
        .into_iter()
        .map(Arc::new)
        .collect();
    let step = fleet::manual_step();
    let drift = Drift::new(2026);
    let config = FleetConfig {
        recordings: recordings.clone(),
        layout: Layout::Shared("127.0.0.1:0".parse().unwrap()),
        v3_users: Vec::new(),
        drift: Some((drift, Step::Manual(step.clone()))),
    };
    let fleet: Fleet = runtime.block_on(Fleet::start(config)).unwrap();
    let target = fleet.local_addrs()[0].to_string();
    let mfp = recordings
        .iter()
        .position(|r| r.community == "office_colour_mfp")
        .unwrap();
    let rec = &recordings[mfp];
    let life = "1.3.6.1.2.1.43.10.2.1.4.1.1";
    let cyan = "1.3.6.1.2.1.43.11.1.1.9.1.2";
    let read = |oid: &str| -> NetSnmpValue {
        let out = snmpget(&["-v2c", "-c", &rec.community, "-On", &target, oid]);
        parse_netsnmp_output(&text_of(&out, oid))[0]
            .value()
            .unwrap()
    };
    let predicted = |oid: &str, at: u64| -> NetSnmpValue {
        let oid: fleetwire_snmp::Oid<'static> = oid.parse().unwrap();
        let index = rec
            .recording
            .entries()
            .iter()
            .position(|(o, _)| *o == oid)
            .unwrap();
        // In the shared layout, device numbers follow the recordings' order.
        let device = u32::try_from(mfp).unwrap();
        match drift.value(
            &rec.plan,
            device,
            at,
            index,
            &rec.recording.entries()[index].1,
        ) {
            Value::Counter32(v) => NetSnmpValue::Counter32(v),
            Value::Integer(v) => NetSnmpValue::Integer(i64::from(v)),
            other => panic!("{other:?}"),
        }
    };
    assert_eq!(read(life), NetSnmpValue::Counter32(284_517));
    let mut last = 284_517;
    for at in [1, 2, 10, 500] {
        step.store(at, Ordering::Relaxed);
        let now = read(life);
        assert_eq!(now, predicted(life, at), "step {at}");
        let NetSnmpValue::Counter32(v) = now else {
            panic!()
        };
        assert!(v > last, "step {at}: {v} <= {last}");
        last = v;
        assert_eq!(read(cyan), predicted(cyan, at), "step {at}");
    }
    runtime.block_on(fleet.shutdown());
}
