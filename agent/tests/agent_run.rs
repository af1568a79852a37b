//! `fleetwire agent run` as a real deployment: the simulated printers (`fleetwire simulate`)
//! and the agent are separate processes; the remote-services server runs in this test
//! process. A normal run (payloads for every device, a signed action run and its result
//! uploaded, `agent status`), a Locked Down run (no action poll, no IP address in any
//! payload), and a restart in the middle of a sync (the agent killed while its package waits
//! in the spool; the next run uploads that very package).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fleetwire::server::RemoteServices;
use fleetwire_payload::PayloadKind;
use fleetwire_testkit::free_udp_port;
use fleetwire_transport::action::ActionKind;

const DEVICES: u16 = 4;
const V3_USER: &str = "fleet:SHA-256:authpass123:AES:privpass123";

fn recordings_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/recordings")
}

/// A child process killed and reaped on drop.
struct Proc(Child);

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// `fleetwire simulate --devices 4` on consecutive free ports; returns the first port.
fn simulators() -> (u16, Proc) {
    for _ in 0..20 {
        let base = free_udp_port();
        if base > 65_000 {
            continue;
        }
        let mut child = Command::new(env!("CARGO_BIN_EXE_fleetwire"))
            .args(["simulate", "--recordings"])
            .arg(recordings_dir())
            .args(["--listen", "127.0.0.1:0", "--devices"])
            .arg(DEVICES.to_string())
            .arg("--base-port")
            .arg(base.to_string())
            .args(["--v3-user", V3_USER])
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        if line.starts_with("serving ") {
            return (base, Proc(child));
        }
        let _ = child.kill();
        let _ = child.wait();
    }
    panic!("no four consecutive free UDP ports");
}

/// The agent's configuration for `base`, with the server's files in `dir`.
fn config(dir: &Path, server: &RemoteServices, base: u16, extra_agent: &str) -> PathBuf {
    server
        .write_agent_files(dir, "agent-1.fleetwire.test")
        .unwrap();
    let last = base + DEVICES - 1;
    let text = format!(
        r#"
[targets]
ranges = ["127.0.0.1/32:{base}-{last}"]
timeout_ms = 300
retries = 1

[[credentials]]
version = "2c"
community = "wrong-community"

[[credentials]]
version = "3"
user = "fleet"
auth = "SHA-256"
auth_password = "authpass123"
privacy = "AES"
privacy_password = "privpass123"

[schedule]
daily_at = "03:00"
shutdown_flush_secs = 5

{server}
[agent]
state_dir = "state"
{extra_agent}

[site]
id = "SITE-1"
company = "Test site"
city = "Loopback"
country = "ZZ"
"#,
        server = fleetwire::demo::server_section(server),
    );
    let path = dir.join("agent.toml");
    std::fs::write(&path, text).unwrap();
    path
}

fn agent(config: &Path) -> Proc {
    Proc(
        Command::new(env!("CARGO_BIN_EXE_fleetwire"))
            .args(["agent", "run", "--config"])
            .arg(config)
            .env("RUST_LOG", "info")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    )
}

/// SIGTERM, then the exit status within `within`.
fn terminate(p: &mut Proc, within: Duration) -> std::process::ExitStatus {
    let pid = p.0.id().to_string();
    Command::new("kill").args(["-TERM", &pid]).status().unwrap();
    let end = Instant::now() + within;
    loop {
        if let Some(status) = p.0.try_wait().unwrap() {
            return status;
        }
        assert!(Instant::now() < end, "the agent did not stop after SIGTERM");
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn device_documents(server: &RemoteServices) -> Vec<fleetwire::server::AcceptedDocument> {
    let mut docs = server.documents_of_kind(PayloadKind::Office);
    docs.extend(server.documents_of_kind(PayloadKind::Production));
    docs
}

/// Every IPv4 address of the recordings' `ipAddrTable` (`ipAdEntAddr`, type 64).
fn recorded_addresses() -> Vec<String> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(recordings_dir()).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for line in text.lines() {
            let mut parts = line.splitn(3, '|');
            let (Some(oid), Some(ty), Some(value)) = (parts.next(), parts.next(), parts.next())
            else {
                continue;
            };
            if oid.starts_with("1.3.6.1.2.1.4.20.1.1.") && ty == "64" {
                out.push(value.to_owned());
            }
        }
    }
    assert!(!out.is_empty(), "the recordings have IP addresses");
    out
}

#[test]
fn agent_run_uploads_every_device_and_runs_a_signed_action() {
    let (base, _sims) = simulators();
    let server = RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server, base, "");
    server
        .queue_action(
            ActionKind::GetStatus,
            serde_json::json!({"device": format!("127.0.0.1:{base}")}),
        )
        .unwrap();
    let mut run = agent(&config);
    let (summary, done) = server.wait_for(Duration::from_secs(60), |s| {
        s.results.values().sum::<usize>() >= 1
    });
    assert!(done, "no action result: {summary:?}");
    assert_eq!(summary.results.get("done"), Some(&1), "{summary:?}");
    // One office/production payload per simulated device, every one validated, and the
    // fleet's agent payload with all of them.
    let docs = device_documents(&server);
    let mut devices: Vec<String> = docs.iter().flat_map(|d| d.devices.clone()).collect();
    devices.sort();
    devices.dedup();
    assert_eq!(devices.len(), usize::from(DEVICES), "{devices:?}");
    let agents = server.documents_of_kind(PayloadKind::Agent);
    assert_eq!(agents[0].devices.len(), usize::from(DEVICES));
    assert_eq!(summary.rejected, 0);
    let result = &server.action_results()[0];
    assert_eq!(result.kind, Some(ActionKind::GetStatus));
    assert!(result.issued_here);
    // `agent status` from another process, once the sync has finished.
    let status_text = || {
        let status = Command::new(env!("CARGO_BIN_EXE_fleetwire"))
            .args(["agent", "status", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        assert!(status.status.success());
        String::from_utf8_lossy(&status.stdout).into_owned()
    };
    let end = Instant::now() + Duration::from_secs(30);
    let text = loop {
        let text = status_text();
        if !text.contains("sync in progress") && !text.contains("next scheduled sync: never") {
            break text;
        }
        assert!(Instant::now() < end, "{text}");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(text.contains("last device poll: 20"), "{text}");
    assert!(text.contains("last server contact: 20"), "{text}");
    assert!(
        text.contains(&format!("devices: {DEVICES} in scope")),
        "{text}"
    );
    assert!(text.contains("next scheduled sync: 20"), "{text}");
    // `agent sync-now` asks the running agent, which syncs again and uploads another package.
    let packages = server.summary().packages;
    let now = Command::new(env!("CARGO_BIN_EXE_fleetwire"))
        .args(["agent", "sync-now", "--wait", "60", "--config"])
        .arg(&config)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&now.stdout);
    assert!(
        now.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&now.stderr)
    );
    assert!(
        text.contains("sync requested from the running agent"),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "sync (on-demand) finished: {DEVICES} devices collected"
        )),
        "{text}"
    );
    assert!(server.summary().packages > packages);
    let status = terminate(&mut run, Duration::from_secs(15));
    assert!(status.success(), "{status:?}");
}

#[test]
fn locked_down_never_polls_actions_and_sends_no_ip_address() {
    let (base, _sims) = simulators();
    let server = RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server, base, "security_mode = \"locked-down\"");
    server
        .queue_action(ActionKind::GetStatus, serde_json::json!({"device": "x"}))
        .unwrap();
    let mut run = agent(&config);
    let (summary, done) = server.wait_for(Duration::from_secs(60), |s| {
        s.documents.contains_key("agent")
    });
    assert!(done, "nothing uploaded: {summary:?}");
    let status = terminate(&mut run, Duration::from_secs(15));
    assert!(status.success(), "{status:?}");
    let summary = server.summary();
    assert_eq!(
        summary.actions_pending, 1,
        "the action queue was polled: {summary:?}"
    );
    assert!(summary.results.is_empty());
    let addresses = recorded_addresses();
    let mut checked = 0;
    for package in server.accepted() {
        for doc in &package.documents {
            let xml = doc.document.to_xml().unwrap();
            if matches!(
                doc.kind,
                PayloadKind::Office | PayloadKind::Production | PayloadKind::Agent
            ) {
                assert!(
                    xml.contains("securityMode=\"locked-down\""),
                    "{}",
                    doc.entry
                );
            }
            for a in addresses.iter().map(String::as_str).chain(["127.0.0.1"]) {
                assert!(!xml.contains(a), "{} carries {a}", doc.entry);
            }
            checked += 1;
        }
    }
    assert!(checked > usize::from(DEVICES), "{checked} documents");
}

#[test]
fn a_restart_in_the_middle_of_a_sync_loses_nothing() {
    let (base, _sims) = simulators();
    let server = RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server, base, "");
    // Every upload is answered 503 for now: the package waits in the spool.
    server.answer_busy(1_000, 1);
    let mut first = agent(&config);
    let pending = dir.path().join("state/spool/pending");
    let end = Instant::now() + Duration::from_secs(60);
    let spooled = loop {
        let files: Vec<String> = std::fs::read_dir(&pending)
            .map(|d| {
                d.filter_map(|e| e.ok())
                    .map(|e| e.file_name().to_string_lossy().into_owned())
                    .filter(|n| n.ends_with(".fwp"))
                    .collect()
            })
            .unwrap_or_default();
        if !files.is_empty() {
            break files;
        }
        assert!(Instant::now() < end, "nothing was spooled");
        std::thread::sleep(Duration::from_millis(50));
    };
    // Killed without warning while the uploader waits for the server.
    first.0.kill().unwrap();
    first.0.wait().unwrap();
    assert!(server.accepted().is_empty());
    server.answer_busy(0, 0);
    let mut second = agent(&config);
    let (summary, done) = server.wait_for(Duration::from_secs(60), |s| s.packages >= 2);
    assert!(done, "{summary:?}");
    let status = terminate(&mut second, Duration::from_secs(15));
    assert!(status.success(), "{status:?}");
    // The package spooled by the killed run is among the accepted ones.
    let keys: Vec<String> = server
        .accepted()
        .iter()
        .map(|p| p.idempotency_key.clone())
        .collect();
    for name in &spooled {
        let key = name.split('-').nth(1).unwrap();
        assert!(keys.iter().any(|k| k == key), "{key} not in {keys:?}");
    }
    let mut devices: Vec<String> = device_documents(&server)
        .iter()
        .flat_map(|d| d.devices.clone())
        .collect();
    devices.sort();
    devices.dedup();
    assert_eq!(devices.len(), usize::from(DEVICES));
}

#[test]
fn sigterm_flushes_what_the_sync_left_in_the_spool() {
    let (base, _sims) = simulators();
    let server = RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let config = config(dir.path(), &server, base, "");
    // The sync's uploader tries 8 times (honouring Retry-After) and leaves the package
    // pending; the server is back by the time the agent is told to stop.
    server.answer_busy(8, 1);
    let mut run = agent(&config);
    let end = Instant::now() + Duration::from_secs(90);
    loop {
        let out = Command::new(env!("CARGO_BIN_EXE_fleetwire"))
            .args(["agent", "status", "--json", "--config"])
            .arg(&config)
            .output()
            .unwrap();
        let status: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
        if status["last_sync"]["pending"] == 1 && status["sync_in_progress"].is_null() {
            assert_eq!(status["pending_packages"], 1, "{status}");
            break;
        }
        assert!(Instant::now() < end, "{status}");
        std::thread::sleep(Duration::from_millis(200));
    }
    assert!(server.accepted().is_empty());
    let status = terminate(&mut run, Duration::from_secs(15));
    assert!(status.success(), "{status:?}");
    assert_eq!(
        server.accepted().len(),
        1,
        "the shutdown flush uploaded the package"
    );
    assert!(
        std::fs::read_dir(dir.path().join("state/spool/pending"))
            .unwrap()
            .filter_map(Result::ok)
            .all(|e| !e.file_name().to_string_lossy().ends_with(".fwp")),
        "the spool is empty"
    );
}
