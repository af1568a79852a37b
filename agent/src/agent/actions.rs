//! Running verified actions against devices.
//!
//! | kind | what runs |
//! |---|---|
//! | `get_status` | a fresh collection over SNMP; the output is the device's status, supplies and meters |
//! | `reboot` | Printer-MIB `prtGeneralReset.1 = powerCycleReset(4)` by SNMP SET |
//! | `print_test_page` | a PJL/text test page sent to the device's raw print port (TCP 9100) |
//! | `upgrade` | the signed image is downloaded and checked (size + SHA-256 named by the signed action), then sent to the raw print port |
//! | `troubleshoot` | reachability: SNMP `sysUpTime` round trip, TCP connect to the print port, status |
//! | `start_managing` | the device is brought into scope (persisted) |
//!
//! The action's signed `args` name the device: `{"device": "<serial number or address>"}`.
//! Kinds disabled in the configuration never get here: the verifier answers them
//! "refused by policy".

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use fleetwire_snmp::{Oid, Value, VarBind};
use fleetwire_transport::Client as HttpClient;
use fleetwire_transport::action::{ActionKind, VerifiedAction};
use fleetwire_transport::download::{SignedFile, download_verified};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::TcpStream;

use super::config::AgentConfig;
use super::discovery::is_oid;
use super::state::KnownDevice;
use super::sync::Agent;

/// The scope reason of a device a `start_managing` action brought in.
pub const MANAGED_REASON: &str = "start_managing action";

/// `prtGeneralReset.1`.
const PRT_GENERAL_RESET_1: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 3, 1];
/// `powerCycleReset(4)`.
const POWER_CYCLE_RESET: i32 = 4;
/// `sysUpTime.0`.
const SYS_UPTIME: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 3, 0];
/// How long a raw print connection may take.
const PRINT_TIMEOUT: Duration = Duration::from_secs(10);

/// How an action ended.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Succeeded.
    pub ok: bool,
    /// One line for the server.
    pub detail: String,
    /// Kind-specific output.
    pub output: serde_json::Value,
    /// `start_managing`: the device to bring into scope.
    pub start_managing: Option<String>,
}

impl Outcome {
    fn ok(detail: impl Into<String>, output: serde_json::Value) -> Self {
        Self {
            ok: true,
            detail: detail.into(),
            output,
            start_managing: None,
        }
    }

    fn failed(detail: impl Into<String>) -> Self {
        Self {
            ok: false,
            detail: detail.into(),
            output: serde_json::Value::Null,
            start_managing: None,
        }
    }
}

/// Runs actions.
#[derive(Debug, Clone)]
pub struct Executor {
    print_port: u16,
    max_firmware_bytes: u64,
    download_dir: std::path::PathBuf,
    http: Option<HttpClient>,
}

/// The test page: PJL job around plain text (every PCL/PostScript printer with PJL prints it;
/// the raw port passes text through on the rest).
pub fn test_page(device: &str, at: i64) -> Vec<u8> {
    let mut job = Vec::new();
    job.extend_from_slice(b"\x1b%-12345X@PJL JOB NAME=\"fleetwire test page\"\r\n");
    job.extend_from_slice(b"@PJL ENTER LANGUAGE=PCL\r\n\x1bE");
    job.extend_from_slice(
        format!(
            "Fleetwire test page\r\nDevice: {device}\r\nRequested at (Unix time): {at}\r\nAgent version: {}\r\n\x0c",
            env!("CARGO_PKG_VERSION")
        )
        .as_bytes(),
    );
    job.extend_from_slice(b"\x1bE\x1b%-12345X@PJL EOJ\r\n\x1b%-12345X");
    job
}

impl Executor {
    /// An executor for `config`; `http` downloads upgrade images.
    pub fn new(config: &AgentConfig, http: Option<HttpClient>) -> Self {
        Self {
            print_port: config.print_port,
            max_firmware_bytes: config.max_firmware_bytes,
            download_dir: config.state_dir.join("downloads"),
            http,
        }
    }

    /// The device an action names.
    fn target<'a>(agent: &'a Agent, action: &VerifiedAction) -> Result<&'a KnownDevice, String> {
        let name = action
            .args
            .get("device")
            .and_then(serde_json::Value::as_str)
            .ok_or("the action names no device (args.device)")?;
        agent
            .state()
            .device(name)
            .ok_or_else(|| format!("device {name:?} is not known to this agent"))
    }

    /// Runs `action`.
    pub async fn run(&self, agent: &Agent, action: &VerifiedAction) -> Outcome {
        let device = match Self::target(agent, action) {
            Ok(d) => d,
            Err(e) => return Outcome::failed(e),
        };
        let print_addr = SocketAddr::new(device.addr.ip(), self.print_port);
        match action.kind {
            ActionKind::GetStatus => Self::get_status(agent, device).await,
            ActionKind::Reboot => Self::reboot(agent, device).await,
            ActionKind::PrintTestPage => {
                let job = test_page(&device.id(), super::sync::unix_now());
                match send_raw(print_addr, &job).await {
                    Ok(()) => Outcome::ok(
                        format!("test page sent to {print_addr} ({} bytes)", job.len()),
                        serde_json::json!({"bytes": job.len()}),
                    ),
                    Err(e) => Outcome::failed(format!("print to {print_addr}: {e}")),
                }
            }
            ActionKind::Upgrade => self.upgrade(action, device, print_addr).await,
            ActionKind::Troubleshoot => Self::troubleshoot(agent, device, print_addr).await,
            ActionKind::StartManaging => Outcome {
                start_managing: Some(device.id()),
                ..Outcome::ok(
                    format!("{} is now managed", device.id()),
                    serde_json::Value::Null,
                )
            },
        }
    }

    async fn get_status(agent: &Agent, device: &KnownDevice) -> Outcome {
        let session = match agent.session(device) {
            Ok(s) => s,
            Err(e) => return Outcome::failed(e),
        };
        match agent.collector().collect(&session).await {
            Ok(reading) => {
                let output =
                    serde_json::to_value(&reading.snapshot).unwrap_or(serde_json::Value::Null);
                let field = |k: &str| {
                    output
                        .get("status")
                        .and_then(|s| s.get(k))
                        .and_then(serde_json::Value::as_str)
                        .unwrap_or("unknown")
                        .to_owned()
                };
                let detail = format!(
                    "device {}, printer {}",
                    field("device_status"),
                    field("printer_status")
                );
                Outcome::ok(detail, output)
            }
            Err(e) => Outcome::failed(format!("status refresh: {e}")),
        }
    }

    async fn reboot(agent: &Agent, device: &KnownDevice) -> Outcome {
        let session = match agent.session(device) {
            Ok(s) => s,
            Err(e) => return Outcome::failed(e),
        };
        let Ok(oid) = Oid::from_arcs(PRT_GENERAL_RESET_1) else {
            return Outcome::failed("prtGeneralReset OID");
        };
        let vb = VarBind::new(oid, Value::Integer(POWER_CYCLE_RESET));
        match session.set(&[vb]).await {
            Ok(_) => Outcome::ok(
                "prtGeneralReset.1 set to powerCycleReset(4)",
                serde_json::Value::Null,
            ),
            Err(e) => Outcome::failed(format!("SET prtGeneralReset.1: {e}")),
        }
    }

    async fn upgrade(
        &self,
        action: &VerifiedAction,
        device: &KnownDevice,
        print_addr: SocketAddr,
    ) -> Outcome {
        let Some(http) = self.http.clone() else {
            return Outcome::failed("no server configured to download from");
        };
        // The image is named by the signed action: URL, size and SHA-256.
        let file = match SignedFile::from_action(action) {
            Ok(f) => f,
            Err(e) => return Outcome::failed(e.to_string()),
        };
        if let Err(e) = std::fs::create_dir_all(&self.download_dir) {
            return Outcome::failed(format!("{}: {e}", self.download_dir.display()));
        }
        let dest = self
            .download_dir
            .join(format!("firmware-{}.bin", file.sha256));
        let max = self.max_firmware_bytes;
        let f = file.clone();
        let downloaded =
            tokio::task::spawn_blocking(move || download_verified(&http, &f, &dest, max)).await;
        let path = match downloaded {
            Ok(Ok(p)) => p,
            Ok(Err(e)) => return Outcome::failed(format!("image not installed: {e}")),
            Err(e) => return Outcome::failed(format!("download task: {e}")),
        };
        let image = match tokio::fs::read(&path).await {
            Ok(b) => b,
            Err(e) => return Outcome::failed(format!("{}: {e}", path.display())),
        };
        let _ = tokio::fs::remove_file(&path).await;
        match send_raw(print_addr, &image).await {
            Ok(()) => Outcome::ok(
                format!(
                    "image {} ({} bytes, SHA-256 verified) sent to {} at {print_addr}",
                    file.url,
                    image.len(),
                    device.id()
                ),
                serde_json::json!({"sha256": file.sha256, "bytes": image.len()}),
            ),
            Err(e) => Outcome::failed(format!("sending the image to {print_addr}: {e}")),
        }
    }

    async fn troubleshoot(agent: &Agent, device: &KnownDevice, print_addr: SocketAddr) -> Outcome {
        let mut checks = Vec::new();
        let mut all = true;
        let snmp = match (agent.session(device), Oid::from_arcs(SYS_UPTIME)) {
            (Ok(session), Ok(oid)) => {
                let t = Instant::now();
                match session.get(&[oid]).await {
                    Ok(vbs) => {
                        let up = vbs
                            .iter()
                            .find(|v| is_oid(&v.name, SYS_UPTIME))
                            .and_then(|v| match v.value {
                                Value::TimeTicks(t) => Some(t),
                                _ => None,
                            });
                        (
                            true,
                            format!(
                                "answered in {} ms, sysUpTime {up:?}",
                                t.elapsed().as_millis()
                            ),
                        )
                    }
                    Err(e) => (false, e.to_string()),
                }
            }
            (Err(e), _) => (false, e),
            (_, Err(e)) => (false, e.to_string()),
        };
        all &= snmp.0;
        checks.push(serde_json::json!({"name": "snmp", "passed": snmp.0, "detail": snmp.1}));
        let tcp = match tokio::time::timeout(PRINT_TIMEOUT, TcpStream::connect(print_addr)).await {
            Ok(Ok(_)) => (true, format!("{print_addr} accepts connections")),
            Ok(Err(e)) => (false, format!("{print_addr}: {e}")),
            Err(_) => (false, format!("{print_addr}: timed out")),
        };
        all &= tcp.0;
        checks.push(serde_json::json!({"name": "print-port", "passed": tcp.0, "detail": tcp.1}));
        let status = Self::get_status(agent, device).await;
        all &= status.ok;
        checks.push(
            serde_json::json!({"name": "status", "passed": status.ok, "detail": status.detail}),
        );
        let passed = checks.iter().filter(|c| c["passed"] == true).count();
        Outcome {
            ok: all,
            detail: format!("{passed} of {} checks passed", checks.len()),
            output: serde_json::json!({ "checks": checks }),
            start_managing: None,
        }
    }
}

/// Sends `bytes` to a raw print port (TCP), closes the write side and waits for the printer
/// to close (bounded).
pub async fn send_raw(addr: SocketAddr, bytes: &[u8]) -> std::io::Result<()> {
    let timeout = |what: &str| std::io::Error::new(std::io::ErrorKind::TimedOut, what.to_owned());
    let mut stream = tokio::time::timeout(PRINT_TIMEOUT, TcpStream::connect(addr))
        .await
        .map_err(|_| timeout("connect timed out"))??;
    tokio::time::timeout(PRINT_TIMEOUT, async {
        stream.write_all(bytes).await?;
        stream.shutdown().await?;
        // Printers answer PJL status on the same connection, or nothing; read until close.
        let mut sink = [0u8; 512];
        while stream.read(&mut sink).await? > 0 {}
        Ok::<(), std::io::Error>(())
    })
    .await
    .map_err(|_| timeout("print job timed out"))?
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[tokio::test]
    async fn raw_print_delivers_the_whole_job() {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let server = tokio::spawn(async move {
            let (mut s, _) = listener.accept().await.unwrap();
            let mut got = Vec::new();
            s.read_to_end(&mut got).await.unwrap();
            got
        });
        let job = test_page("SN1", 1_800_000_000);
        send_raw(addr, &job).await.unwrap();
        let got = server.await.unwrap();
        assert_eq!(got, job);
        assert!(String::from_utf8_lossy(&got).contains("Device: SN1"));
    }
}
