//! Alert sinks: the SMTP sink against Python's smtpd (a real SMTP receiver on loopback) and
//! against scripted receivers for the refusals, malformed replies and timeouts; the log sink;
//! delivery to several sinks; alerts raised from a snapshot.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::io::{BufRead, BufReader, Write};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use base64::Engine as _;
use fleetwire::alert::smtp::{SmtpConfig, SmtpError, SmtpSink};
use fleetwire::alert::{Alert, AlertError, AlertSink, LogSink, Severity, alerts_for, deliver};
use fleetwire::report::Device;
use fleetwire_payload::Timestamp;
use fleetwire_testkit::require_tool;

fn alert(subject: &str, detail: &str) -> Alert {
    Alert {
        severity: Severity::Warning,
        device: "3TB123456".into(),
        subject: subject.into(),
        detail: detail.into(),
        raised: Timestamp::from_unix(1_800_000_000).unwrap(),
    }
}

fn config(port: u16) -> SmtpConfig {
    SmtpConfig {
        host: "127.0.0.1".into(),
        port,
        helo: "agent-1.fleetwire.test".into(),
        from: "fleetwire@agent-1.fleetwire.test".into(),
        to: vec!["ops@example.com".into(), "helpdesk@example.com".into()],
        timeout: Duration::from_secs(5),
        starttls: None,
    }
}

fn free_tcp_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// Python's smtpd DebuggingServer: prints every message it receives.
struct PySmtpd {
    child: Child,
    log: std::path::PathBuf,
    _dir: tempfile::TempDir,
    port: u16,
}

impl PySmtpd {
    fn start() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let log = dir.path().join("smtpd.log");
        let out = std::fs::File::create(&log).unwrap();
        let port = free_tcp_port();
        let child = Command::new("python3")
            .args([
                "-u",
                "-W",
                "ignore",
                "-m",
                "smtpd",
                "-n",
                "-c",
                "DebuggingServer",
            ])
            .arg(format!("127.0.0.1:{port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::from(out.try_clone().unwrap()))
            .stderr(Stdio::from(out))
            .spawn()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "smtpd did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Self {
            child,
            log,
            _dir: dir,
            port,
        }
    }

    /// The messages printed so far (waits for `count`).
    fn messages(&self, count: usize) -> Vec<String> {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let text = std::fs::read_to_string(&self.log).unwrap_or_default();
            let msgs: Vec<String> = text
                .split("---------- MESSAGE FOLLOWS ----------")
                .skip(1)
                .filter_map(|m| m.split("------------ END MESSAGE ------------").next())
                .map(|m| m.replace("b'", "").trim().to_owned())
                .collect();
            if msgs.len() >= count && text.matches("END MESSAGE").count() >= count {
                return msgs;
            }
            assert!(Instant::now() < deadline, "smtpd log:\n{text}");
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for PySmtpd {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn smtp_sink_delivers_to_pythons_smtpd() {
    if !require_tool("python3") {
        return;
    }
    let smtpd = PySmtpd::start();
    let mut sink = SmtpSink::new(config(smtpd.port)).unwrap();
    assert_eq!(sink.name(), format!("smtp 127.0.0.1:{}", smtpd.port));
    // A subject with a header-injection attempt; a body line that needs dot-stuffing.
    let a = alert(
        "Cyan Toner low (4%)\r\nBcc: attacker@evil.example",
        "Replace it soon.\n.hidden line\n..two dots",
    );
    sink.send(&a).unwrap();
    let msgs = smtpd.messages(1);
    let m = &msgs[0];
    let lines: Vec<&str> = m.lines().map(|l| l.trim_end_matches('\'')).collect();
    let header = |name: &str| {
        lines
            .iter()
            .find_map(|l| l.strip_prefix(&format!("{name}: ")))
            .unwrap_or_else(|| panic!("no {name} in\n{m}"))
    };
    assert_eq!(
        header("Subject"),
        "[fleetwire] WARNING: Cyan Toner low (4%)  Bcc: attacker@evil.example"
    );
    assert!(!lines.iter().any(|l| l.starts_with("Bcc:")), "{m}");
    assert_eq!(header("To"), "<ops@example.com>, <helpdesk@example.com>");
    assert_eq!(header("Date"), "Fri, 15 Jan 2027 08:00:00 +0000");
    assert_eq!(header("X-Fleetwire-Device"), "3TB123456");
    assert_eq!(header("Content-Transfer-Encoding"), "7bit");
    // smtpd removes the dot-stuffing: the lines arrive as written.
    assert!(lines.contains(&".hidden line"), "{m}");
    assert!(lines.contains(&"..two dots"), "{m}");
    assert!(lines.contains(&"Device: 3TB123456"), "{m}");

    // Non-ASCII: encoded-word subject and a base64 body.
    sink.send(&alert("Tóner cián bajo", "Cambiar pronto — planta 2."))
        .unwrap();
    let msgs = smtpd.messages(2);
    let m = &msgs[1];
    let subject = m
        .lines()
        .find_map(|l| l.trim_end_matches('\'').strip_prefix("Subject: "))
        .unwrap();
    assert!(subject.starts_with("=?UTF-8?B?"), "{subject}");
    let decoded: String = subject
        .split_whitespace()
        .map(|w| {
            let b64 = w.trim_start_matches("=?UTF-8?B?").trim_end_matches("?=");
            String::from_utf8(
                base64::engine::general_purpose::STANDARD
                    .decode(b64)
                    .unwrap(),
            )
            .unwrap()
        })
        .collect();
    assert_eq!(decoded, "[fleetwire] WARNING: Tóner cián bajo");
    assert!(m.contains("Content-Transfer-Encoding: base64"), "{m}");
}

trait Rw: std::io::Read + Write + Send {}
impl<T: std::io::Read + Write + Send> Rw for T {}

/// A receiver that plays `script`: for each step, the prefix the client's line must start with
/// (empty for the greeting) and the reply to send. Records every line received. The reply
/// `<stall>` sleeps 3 s and hangs up; `<starttls>` answers 220 and continues over TLS with
/// `tls`.
struct Scripted {
    port: u16,
    lines: Arc<Mutex<Vec<String>>>,
    handle: Option<JoinHandle<()>>,
}

impl Scripted {
    fn start(script: Vec<(&'static str, &'static str)>) -> Self {
        Self::start_tls(script, None)
    }

    fn start_tls(
        script: Vec<(&'static str, &'static str)>,
        tls: Option<Arc<rustls::ServerConfig>>,
    ) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let lines = Arc::new(Mutex::new(Vec::new()));
        let rec = lines.clone();
        let handle = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            stream
                .set_read_timeout(Some(Duration::from_secs(10)))
                .unwrap();
            let mut io: BufReader<Box<dyn Rw>> = BufReader::new(Box::new(stream));
            let mut in_data = false;
            for (expect, reply) in script {
                if !expect.is_empty() {
                    loop {
                        let mut line = String::new();
                        if io.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        let line = line.trim_end_matches("\r\n").to_owned();
                        rec.lock().unwrap().push(line.clone());
                        if in_data && line != "." {
                            continue;
                        }
                        assert!(line.starts_with(expect), "expected {expect}, got {line}");
                        break;
                    }
                }
                match reply {
                    "<stall>" => {
                        std::thread::sleep(Duration::from_secs(3));
                        return;
                    }
                    "<starttls>" => {
                        io.get_mut().write_all(b"220 2.0.0 ready\r\n").unwrap();
                        let conn = rustls::ServerConnection::new(tls.clone().unwrap()).unwrap();
                        let plain = io.into_inner();
                        io = BufReader::new(Box::new(rustls::StreamOwned::new(conn, plain)));
                    }
                    _ => {
                        io.get_mut().write_all(reply.as_bytes()).unwrap();
                        io.get_mut().flush().unwrap();
                    }
                }
                in_data = reply.starts_with("354");
            }
        });
        Self {
            port,
            lines,
            handle: Some(handle),
        }
    }

    fn lines(&mut self) -> Vec<String> {
        if let Some(h) = self.handle.take() {
            h.join().unwrap();
        }
        self.lines.lock().unwrap().clone()
    }
}

#[test]
fn multi_line_replies_and_helo_fallback() {
    let mut server = Scripted::start(vec![
        (
            "",
            "220-relay.test ESMTP\r\n220-second line\r\n220 ready\r\n",
        ),
        (
            "EHLO agent-1.fleetwire.test",
            "502 5.5.1 EHLO not implemented\r\n",
        ),
        ("HELO agent-1.fleetwire.test", "250 relay.test\r\n"),
        ("MAIL FROM:<fleetwire@agent-1.fleetwire.test>", "250 ok\r\n"),
        ("RCPT TO:<ops@example.com>", "250 ok\r\n"),
        ("RCPT TO:<helpdesk@example.com>", "251 will forward\r\n"),
        ("DATA", "354 go ahead\r\n"),
        (".", "250-queued\r\n250 as 12345\r\n"),
        ("QUIT", "221 bye\r\n"),
    ]);
    SmtpSink::new(config(server.port))
        .unwrap()
        .send_alert(&alert("Drum low", "Order a drum.\n.starts with a dot"))
        .unwrap();
    let lines = server.lines();
    // Dot-stuffed on the wire.
    assert!(
        lines.contains(&"..starts with a dot".to_owned()),
        "{lines:?}"
    );
    assert!(lines.iter().all(|l| !l.contains('\r')));
    assert_eq!(lines.last().unwrap(), "QUIT");
}

/// Sends one alert to `server` and returns the error.
fn send_err(server: &mut Scripted) -> SmtpError {
    let err = SmtpSink::new(config(server.port))
        .unwrap()
        .send_alert(&alert("x", "y"))
        .unwrap_err();
    server.lines();
    err
}

#[test]
fn refusals_name_the_step_and_code() {
    let mut server = Scripted::start(vec![
        ("", "220 relay.test ESMTP\r\n"),
        ("EHLO", "250-relay.test\r\n250 8BITMIME\r\n"),
        ("MAIL FROM", "250 ok\r\n"),
        ("RCPT TO:<ops@example.com>", "550 5.1.1 no such user\r\n"),
        ("RSET", "250 ok\r\n"),
    ]);
    let err = send_err(&mut server);
    assert!(
        matches!(&err, SmtpError::Refused { stage: "RCPT TO", code: 550, text, .. } if text.contains("no such user")),
        "{err}"
    );
    assert!(!server.lines.lock().unwrap().iter().any(|l| l == "DATA"));

    let err = send_err(&mut Scripted::start(vec![("", "421 4.3.2 try later\r\n")]));
    let stage_code = match &err {
        SmtpError::Refused { stage, code, .. } => (*stage, *code),
        _ => panic!("{err}"),
    };
    assert_eq!(stage_code, ("greeting", 421));
}

#[test]
fn malformed_replies_timeouts_and_closed_ports_are_errors() {
    let protocol_stage = |err: SmtpError| match err {
        SmtpError::Protocol { stage, .. } => stage,
        other => panic!("{other}"),
    };
    let garbage = vec![("", "HTTP/1.1 400 Bad Request\r\n")];
    assert_eq!(
        protocol_stage(send_err(&mut Scripted::start(garbage))),
        "greeting"
    );
    let mixed = vec![("", "220 ok\r\n"), ("EHLO", "250-one\r\n251 two\r\n")];
    assert_eq!(
        protocol_stage(send_err(&mut Scripted::start(mixed))),
        "EHLO"
    );

    let mut stall = Scripted::start(vec![("", "220 ok\r\n"), ("EHLO", "<stall>")]);
    let mut cfg = config(stall.port);
    cfg.timeout = Duration::from_millis(300);
    let started = Instant::now();
    let err = SmtpSink::new(cfg)
        .unwrap()
        .send_alert(&alert("x", "y"))
        .unwrap_err();
    // The read timeout ended it, well before the receiver's 3 s stall would have.
    assert!(started.elapsed() < Duration::from_secs(2));
    match &err {
        SmtpError::Io { stage, source, .. } => {
            assert_eq!(*stage, "EHLO");
            assert!(
                matches!(
                    source.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ),
                "{source:?}"
            );
        }
        other => panic!("{other}"),
    }
    stall.lines();

    let err = SmtpSink::new(config(free_tcp_port()))
        .unwrap()
        .send_alert(&alert("x", "y"))
        .unwrap_err();
    assert!(matches!(err, SmtpError::Connect { .. }), "{err}");
}

#[test]
fn configurations_are_checked() {
    let mut c = config(25);
    c.to = vec!["ops@example.com>\r\nRCPT TO:<evil@example.com".into()];
    assert!(matches!(
        SmtpSink::new(c),
        Err(SmtpError::Config { field: "to", .. })
    ));
    let mut c = config(25);
    c.to.clear();
    assert!(matches!(
        SmtpSink::new(c),
        Err(SmtpError::Config { field: "to", .. })
    ));
    let mut c = config(25);
    c.helo = "two words".into();
    assert!(matches!(
        SmtpSink::new(c),
        Err(SmtpError::Config { field: "helo", .. })
    ));
}

struct Failing;

impl AlertSink for Failing {
    fn name(&self) -> String {
        "failing".into()
    }
    fn send(&mut self, _: &Alert) -> Result<(), AlertError> {
        Err(AlertError::Log(std::io::Error::other("disk full")))
    }
}

#[derive(Clone, Default)]
struct Shared(Arc<Mutex<Vec<u8>>>);

impl Write for Shared {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().write(buf)
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[test]
fn every_sink_gets_the_alert_and_log_lines_cannot_be_forged() {
    let log = Shared::default();
    let mut sinks: Vec<Box<dyn AlertSink>> =
        vec![Box::new(Failing), Box::new(LogSink::new(log.clone()))];
    let failures = deliver(
        &mut sinks,
        &alert(
            "low\n2027-01-15T08:00:00Z critical device=\"forged\"",
            "a \"quoted\" \\ detail",
        ),
    );
    assert_eq!(failures.len(), 1);
    assert_eq!(failures[0].0, "failing");
    let text = String::from_utf8(log.0.lock().unwrap().clone()).unwrap();
    assert_eq!(text.lines().count(), 1, "{text}");
    assert_eq!(
        text,
        "2027-01-15T08:00:00Z warning device=\"3TB123456\" \
         subject=\"low\\n2027-01-15T08:00:00Z critical device=\\\"forged\\\"\" \
         detail=\"a \\\"quoted\\\" \\\\ detail\"\n"
    );
}

#[test]
fn alerts_from_a_snapshot() {
    let snapshot = serde_json::from_value(serde_json::json!({
        "identity": {"serial_number": "3TB123456", "model": "VersaLink C405",
                     "sys_location": "Building 2"},
        "status": {"detected_errors": ["lowToner", "doorOpen"]},
        "supplies": [
            {"index": 1, "description": "Cyan Toner", "type": "toner", "class": "supplyThatIsConsumed",
             "unit": "percent", "max_capacity": 100, "level": 4, "level_kind": "actual"},
            {"index": 2, "description": "Black Toner", "type": "toner", "class": "supplyThatIsConsumed",
             "unit": "percent", "max_capacity": 100, "level": 50, "level_kind": "actual"},
            {"index": 3, "description": "Waste Toner", "type": "wasteToner", "class": "receptacleThatIsFilled",
             "unit": "percent", "max_capacity": 100, "level": 95, "level_kind": "actual"}
        ]
    }))
    .unwrap();
    let device = Device::new("prn.json", snapshot);
    let at = Timestamp::from_unix(1_800_000_000).unwrap();
    let alerts = alerts_for(&device, at);
    let subjects: Vec<(Severity, &str)> = alerts
        .iter()
        .map(|a| (a.severity, a.subject.as_str()))
        .collect();
    assert_eq!(
        subjects,
        [
            (
                Severity::Warning,
                "Cyan Toner low (4%) on VersaLink C405 3TB123456"
            ),
            (
                Severity::Warning,
                "Waste Toner nearly full (95%) on VersaLink C405 3TB123456"
            ),
            (
                Severity::Critical,
                "VersaLink C405 3TB123456 reports lowToner, doorOpen"
            ),
        ]
    );
    assert_eq!(
        alerts[0].detail,
        "Cyan Toner (supply 1, toner) of VersaLink C405 3TB123456 at Building 2 is at 4%."
    );
}

/// A TLS server configuration for `localhost` from a fresh CA, and client options trusting it.
fn tls_pair(
    ca: &str,
) -> (
    Arc<rustls::ServerConfig>,
    fleetwire_transport::tls::TlsOptions,
) {
    let pki = fleetwire_transport::server::pki::Pki::new(ca).unwrap();
    let leaf = pki.server().unwrap();
    let server = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(vec![leaf.cert_der.clone()], leaf.key())
    .unwrap();
    let client = fleetwire_transport::tls::TlsOptions {
        roots: fleetwire_transport::tls::Roots::from_pem(pki.ca_pem().as_bytes(), "relay CA")
            .unwrap(),
        ..Default::default()
    };
    (Arc::new(server), client)
}

/// Sends one alert with STARTTLS required, to `localhost` (the name in the relay's certificate).
fn send_starttls(port: u16, tls: &fleetwire_transport::tls::TlsOptions) -> Result<(), SmtpError> {
    let mut cfg = config(port);
    cfg.host = "localhost".into();
    cfg.starttls = Some(tls.clone());
    SmtpSink::new(cfg)
        .unwrap()
        .send_alert(&alert("Drum low", "Order a drum."))
}

#[test]
fn starttls_upgrades_before_the_envelope() {
    let (server_tls, client_tls) = tls_pair("relay CA");
    let mut server = Scripted::start_tls(
        vec![
            ("", "220 relay.test ESMTP\r\n"),
            ("EHLO", "250-relay.test\r\n250-8BITMIME\r\n250 STARTTLS\r\n"),
            ("STARTTLS", "<starttls>"),
            ("EHLO agent-1.fleetwire.test", "250 relay.test\r\n"),
            ("MAIL FROM", "250 ok\r\n"),
            ("RCPT TO:<ops@example.com>", "250 ok\r\n"),
            ("RCPT TO:<helpdesk@example.com>", "250 ok\r\n"),
            ("DATA", "354 go ahead\r\n"),
            (".", "250 queued\r\n"),
            ("QUIT", "221 bye\r\n"),
        ],
        Some(server_tls),
    );
    send_starttls(server.port, &client_tls).unwrap();
    let lines = server.lines();
    assert_eq!(lines.iter().filter(|l| l.starts_with("EHLO")).count(), 2);
    assert!(lines.iter().any(|l| l == "Device: 3TB123456"), "{lines:?}");

    // A relay that does not offer STARTTLS gets nothing.
    let mut plain = Scripted::start(vec![
        ("", "220 relay.test ESMTP\r\n"),
        ("EHLO", "250-relay.test\r\n250 8BITMIME\r\n"),
        ("QUIT", "221 bye\r\n"),
    ]);
    let err = send_starttls(plain.port, &client_tls).unwrap_err();
    assert!(err.to_string().contains("does not offer STARTTLS"), "{err}");
    assert!(!plain.lines().iter().any(|l| l.starts_with("MAIL")));

    // Bytes pipelined after the 220 to STARTTLS would be read as if they came over TLS
    // (command injection, CVE-2011-0411 style): refused.
    let mut injecting = Scripted::start(vec![
        ("", "220 relay.test ESMTP\r\n"),
        ("EHLO", "250-relay.test\r\n250 STARTTLS\r\n"),
        (
            "STARTTLS",
            "220 ready\r\n250-relay.test\r\n250 AUTH PLAIN\r\n",
        ),
    ]);
    let err = send_starttls(injecting.port, &client_tls).unwrap_err();
    assert!(
        matches!(
            err,
            SmtpError::Protocol {
                stage: "STARTTLS",
                ..
            }
        ),
        "{err}"
    );
    injecting.lines();

    // A relay whose certificate is not from the trusted CA: refused in the handshake.
    let (other_tls, _) = tls_pair("some other CA");
    let mut stranger = Scripted::start_tls(
        vec![
            ("", "220 relay.test ESMTP\r\n"),
            ("EHLO", "250-relay.test\r\n250 STARTTLS\r\n"),
            ("STARTTLS", "<starttls>"),
            ("EHLO", "250 relay.test\r\n"),
        ],
        Some(other_tls),
    );
    let err = send_starttls(stranger.port, &client_tls).unwrap_err();
    assert!(matches!(err, SmtpError::Io { stage: "EHLO", .. }), "{err}");
    assert!(err.to_string().contains("UnknownIssuer"), "{err}");
    assert!(!stranger.lines().iter().any(|l| l.starts_with("MAIL")));
}
