//! An [`AlertSink`] that e-mails alerts through an SMTP relay (RFC 5321), over a plain TCP
//! connection: `EHLO` (falling back to `HELO`), `MAIL FROM`, one `RCPT TO` per recipient,
//! `DATA`, `QUIT`. One connection per alert.
//!
//! Meant for a relay on the site network or on the agent's host that accepts mail from the
//! agent without authentication (there is no `AUTH`). With [`SmtpConfig::starttls`] the session
//! is upgraded to TLS (RFC 3207, rustls with fleetwire-transport's [`TlsOptions`]) before the
//! envelope is sent, and a relay that does not offer `STARTTLS` gets nothing; bytes the relay
//! sent ahead of the TLS handshake are refused (the STARTTLS command-injection attack). Without
//! it the exchange is plain text: use that only for a relay on a trusted network.
//!
//! The message (RFC 5322) is safe to build from device strings: header values lose CR and LF
//! (no header injection), a non-ASCII subject becomes RFC 2047 encoded-words, the body is
//! 7-bit text with CRLF line ends and dot-stuffing, or base64 when it is not plain ASCII or has
//! a line longer than SMTP allows. Replies are read with bounded lines and line counts; every
//! read and write has a timeout.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpStream, ToSocketAddrs};
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use fleetwire_payload::Timestamp;

use fleetwire_transport::tls::TlsOptions;
use rustls::pki_types::ServerName;
use rustls::{ClientConnection, StreamOwned};

use super::{Alert, AlertError, AlertSink};

/// Longest reply line read (RFC 5321 allows 512 octets; some servers send more).
pub const MAX_REPLY_LINE: u64 = 2048;
/// Most lines in one (multi-line) reply.
pub const MAX_REPLY_LINES: usize = 100;
/// Longest subject kept (characters), before encoding.
pub const MAX_SUBJECT_CHARS: usize = 200;

/// Where and how to send.
#[derive(Debug, Clone)]
pub struct SmtpConfig {
    /// The relay's host name or address.
    pub host: String,
    /// Its port (25, or 587 for a submission relay that allows unauthenticated mail).
    pub port: u16,
    /// Our name in `EHLO` and in `Message-ID`.
    pub helo: String,
    /// Envelope and header sender, `local@domain`.
    pub from: String,
    /// Recipients, at least one.
    pub to: Vec<String>,
    /// Time limit for connecting and for each read and write.
    pub timeout: Duration,
    /// `STARTTLS` with these trust settings (the relay's certificate is verified for `host`);
    /// the relay must offer it, or nothing is sent. `None`: plain text (a local relay only).
    pub starttls: Option<TlsOptions>,
}

/// What went wrong, and at which step of the exchange.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SmtpError {
    /// The configuration is not usable.
    #[error("SMTP configuration {field}: {reason}")]
    Config {
        /// The field.
        field: &'static str,
        /// Why.
        reason: String,
    },
    /// No connection to the relay.
    #[error("SMTP relay {server}: connecting: {source}")]
    Connect {
        /// `host:port`.
        server: String,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The connection failed or timed out.
    #[error("SMTP relay {server}: {stage}: {source}")]
    Io {
        /// `host:port`.
        server: String,
        /// The step (`greeting`, `EHLO`, `MAIL FROM`, `RCPT TO`, `DATA`, `message`).
        stage: &'static str,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// The relay refused a step.
    #[error("SMTP relay {server} refused {stage}: {code} {text}")]
    Refused {
        /// `host:port`.
        server: String,
        /// The step.
        stage: &'static str,
        /// Its reply code.
        code: u16,
        /// Its reply text (first line, at most 200 characters).
        text: String,
    },
    /// The relay's answer is not an SMTP reply.
    #[error("SMTP relay {server}: {stage}: malformed reply: {reason}")]
    Protocol {
        /// `host:port`.
        server: String,
        /// The step.
        stage: &'static str,
        /// What is wrong.
        reason: String,
    },
}

/// A mailbox for the envelope: printable ASCII, one `@`, no spaces, angle brackets or commas.
fn check_address(field: &'static str, addr: &str) -> Result<(), SmtpError> {
    let ok = addr.len() <= 254
        && addr
            .bytes()
            .all(|b| b.is_ascii_graphic() && !b"<>,;\"\\()[]".contains(&b))
        && addr
            .split_once('@')
            .is_some_and(|(l, d)| !l.is_empty() && !d.is_empty() && !d.contains('@'));
    if ok {
        Ok(())
    } else {
        Err(SmtpError::Config {
            field,
            reason: format!("{addr:?} is not an address of the form local@domain"),
        })
    }
}

impl SmtpConfig {
    /// Checks every field.
    pub fn validate(&self) -> Result<(), SmtpError> {
        let bad = |field, reason: &str| SmtpError::Config {
            field,
            reason: reason.to_owned(),
        };
        if self.host.is_empty() || self.host.contains(|c: char| c.is_whitespace()) {
            return Err(bad("host", "empty or contains spaces"));
        }
        if self.port == 0 {
            return Err(bad("port", "0 is not a port"));
        }
        if self.helo.is_empty() || !self.helo.bytes().all(|b| b.is_ascii_graphic()) {
            return Err(bad("helo", "must be a non-empty ASCII name without spaces"));
        }
        check_address("from", &self.from)?;
        if self.to.is_empty() {
            return Err(bad("to", "no recipient"));
        }
        for to in &self.to {
            check_address("to", to)?;
        }
        if self.timeout.is_zero() {
            return Err(bad("timeout", "must be more than zero"));
        }
        Ok(())
    }

    fn server(&self) -> String {
        format!("{}:{}", self.host, self.port)
    }
}

/// Sends alerts as e-mail.
#[derive(Debug, Clone)]
pub struct SmtpSink {
    config: SmtpConfig,
}

impl SmtpSink {
    /// A sink for a checked configuration.
    pub fn new(config: SmtpConfig) -> Result<Self, SmtpError> {
        config.validate()?;
        Ok(Self { config })
    }

    /// Sends one message for `alert` (the transaction described in the module docs).
    pub fn send_alert(&self, alert: &Alert) -> Result<(), SmtpError> {
        let server = self.config.server();
        let addrs = server
            .to_socket_addrs()
            .map_err(|source| SmtpError::Connect {
                server: server.clone(),
                source,
            })?;
        let mut last = std::io::Error::new(std::io::ErrorKind::NotFound, "no address");
        let mut stream = None;
        for addr in addrs {
            match TcpStream::connect_timeout(&addr, self.config.timeout) {
                Ok(s) => {
                    stream = Some(s);
                    break;
                }
                Err(e) => last = e,
            }
        }
        let stream = stream.ok_or(SmtpError::Connect {
            server: server.clone(),
            source: last,
        })?;
        let io = |stage| {
            let server = server.clone();
            move |source| SmtpError::Io {
                server,
                stage,
                source,
            }
        };
        stream
            .set_read_timeout(Some(self.config.timeout))
            .and_then(|()| stream.set_write_timeout(Some(self.config.timeout)))
            .map_err(io("greeting"))?;
        let message_id = message_id(&self.config.helo);
        let message = format_message(&self.config, alert, &message_id);
        let mut plain = Session::new(stream, server.clone());
        plain.expect("greeting", 2)?;
        let ehlo = plain.hello(&self.config)?;
        let Some(tls) = &self.config.starttls else {
            return plain.mail(&self.config, &message);
        };
        let offered = ehlo.as_ref().is_some_and(|r| {
            r.lines
                .iter()
                .any(|l| l.trim().eq_ignore_ascii_case("STARTTLS"))
        });
        if !offered {
            let _ = plain.command("QUIT", "QUIT");
            return Err(plain.protocol("EHLO", "the relay does not offer STARTTLS"));
        }
        plain.command("STARTTLS", "STARTTLS")?;
        plain.expect("STARTTLS", 2)?;
        if !plain.reader.buffer().is_empty() {
            return Err(plain.protocol("STARTTLS", "data sent ahead of the TLS handshake"));
        }
        let config = tls.build().map_err(|e| SmtpError::Config {
            field: "starttls",
            reason: e.to_string(),
        })?;
        let bad_name = |_| SmtpError::Config {
            field: "host",
            reason: "not a DNS name or IP address for TLS".to_owned(),
        };
        let name = ServerName::try_from(self.config.host.clone()).map_err(bad_name)?;
        let conn = ClientConnection::new(std::sync::Arc::new(config), name).map_err(|e| {
            SmtpError::Config {
                field: "starttls",
                reason: e.to_string(),
            }
        })?;
        let tcp = plain.reader.into_inner();
        let mut secure = Session::new(StreamOwned::new(conn, tcp), server);
        // RFC 3207: forget what was learnt before TLS and say EHLO again.
        secure.hello(&self.config)?;
        secure.mail(&self.config, &message)
    }
}

impl AlertSink for SmtpSink {
    fn name(&self) -> String {
        format!("smtp {}", self.config.server())
    }

    fn send(&mut self, alert: &Alert) -> Result<(), AlertError> {
        Ok(self.send_alert(alert)?)
    }
}

/// One SMTP conversation over a stream (TCP, or TLS after `STARTTLS`).
struct Session<S: Read + Write> {
    reader: BufReader<S>,
    server: String,
}

/// A reply: its code and its lines' text.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Reply {
    code: u16,
    lines: Vec<String>,
}

impl<S: Read + Write> Session<S> {
    fn new(stream: S, server: String) -> Self {
        Self {
            reader: BufReader::new(stream),
            server,
        }
    }

    fn protocol(&self, stage: &'static str, reason: impl Into<String>) -> SmtpError {
        SmtpError::Protocol {
            server: self.server.clone(),
            stage,
            reason: reason.into(),
        }
    }

    fn io(&self, stage: &'static str, source: std::io::Error) -> SmtpError {
        SmtpError::Io {
            server: self.server.clone(),
            stage,
            source,
        }
    }

    /// Reads one possibly multi-line reply (`250-...` continues, `250 ...` ends).
    fn reply(&mut self, stage: &'static str) -> Result<Reply, SmtpError> {
        let mut lines = Vec::new();
        let mut code = None;
        loop {
            let mut raw = Vec::new();
            let n = (&mut self.reader)
                .take(MAX_REPLY_LINE)
                .read_until(b'\n', &mut raw)
                .map_err(|e| self.io(stage, e))?;
            if n == 0 {
                return Err(self.io(
                    stage,
                    std::io::Error::new(
                        std::io::ErrorKind::UnexpectedEof,
                        "the relay closed the connection",
                    ),
                ));
            }
            if raw.last() != Some(&b'\n') {
                return Err(self.protocol(stage, "reply line too long"));
            }
            let text = String::from_utf8_lossy(&raw);
            let line = text.trim_end_matches(['\r', '\n']);
            let (digits, rest) = (line.get(..3), line.get(3..).unwrap_or_default());
            let this: u16 = match digits.map(|d| (d, d.parse::<u16>())) {
                Some((d, Ok(c)))
                    if d.bytes().all(|b| b.is_ascii_digit()) && (200..600).contains(&c) =>
                {
                    c
                }
                _ => return Err(self.protocol(stage, format!("{:?}", truncate(line, 80)))),
            };
            if code.is_some_and(|c| c != this) {
                return Err(self.protocol(stage, "reply codes differ within one reply"));
            }
            code = Some(this);
            let more = rest.starts_with('-');
            if !(more || rest.is_empty() || rest.starts_with(' ')) {
                return Err(self.protocol(stage, format!("{:?}", truncate(line, 80))));
            }
            lines.push(rest.get(1..).unwrap_or_default().to_owned());
            if !more {
                break;
            }
            if lines.len() >= MAX_REPLY_LINES {
                return Err(self.protocol(stage, "too many reply lines"));
            }
        }
        Ok(Reply {
            code: code.unwrap_or_default(),
            lines,
        })
    }

    /// Expects a reply in `ok` (by first digit: 2 or 3).
    fn expect(&mut self, stage: &'static str, first_digit: u16) -> Result<Reply, SmtpError> {
        let reply = self.reply(stage)?;
        if reply.code / 100 != first_digit {
            return Err(SmtpError::Refused {
                server: self.server.clone(),
                stage,
                code: reply.code,
                text: truncate(reply.lines.first().map_or("", String::as_str), 200),
            });
        }
        Ok(reply)
    }

    fn command(&mut self, stage: &'static str, line: &str) -> Result<(), SmtpError> {
        let w = self.reader.get_mut();
        w.write_all(line.as_bytes())
            .and_then(|()| w.write_all(b"\r\n"))
            .and_then(|()| w.flush())
            .map_err(|e| self.io(stage, e))
    }

    /// `EHLO`, or `HELO` when the relay does not know `EHLO`; the `EHLO` reply when it worked.
    fn hello(&mut self, config: &SmtpConfig) -> Result<Option<Reply>, SmtpError> {
        self.command("EHLO", &format!("EHLO {}", config.helo))?;
        let ehlo = self.reply("EHLO")?;
        if ehlo.code / 100 == 2 {
            return Ok(Some(ehlo));
        }
        // An RFC 821 server: HELO.
        self.command("HELO", &format!("HELO {}", config.helo))?;
        self.expect("HELO", 2)?;
        Ok(None)
    }

    /// The mail transaction after the greeting and `EHLO`, then `QUIT`.
    fn mail(&mut self, config: &SmtpConfig, message: &str) -> Result<(), SmtpError> {
        self.command("MAIL FROM", &format!("MAIL FROM:<{}>", config.from))?;
        self.expect("MAIL FROM", 2)?;
        for to in &config.to {
            self.command("RCPT TO", &format!("RCPT TO:<{to}>"))?;
            if let Err(e) = self.expect("RCPT TO", 2) {
                let _ = self.command("RSET", "RSET");
                let _ = self.command("QUIT", "QUIT");
                return Err(e);
            }
        }
        self.command("DATA", "DATA")?;
        self.expect("DATA", 3)?;
        let w = self.reader.get_mut();
        w.write_all(message.as_bytes())
            .and_then(|()| w.write_all(b".\r\n"))
            .and_then(|()| w.flush())
            .map_err(|e| self.io("message", e))?;
        self.expect("message", 2)?;
        // The message is accepted; a failing QUIT changes nothing.
        if self.command("QUIT", "QUIT").is_ok() {
            let _ = self.reply("QUIT");
        }
        Ok(())
    }
}

fn truncate(s: &str, max: usize) -> String {
    s.chars().take(max).collect()
}

fn message_id(helo: &str) -> String {
    let mut bytes = [0u8; 12];
    let unique = match getrandom::fill(&mut bytes) {
        Ok(()) => crate::hex::encode(&bytes),
        Err(_) => format!("{}.{}", Timestamp::now().unix(), std::process::id()),
    };
    format!("<{unique}@{helo}>")
}

/// A header value on one line: CR, LF and other controls become spaces.
fn header_text(s: &str) -> String {
    s.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect::<String>()
        .trim()
        .to_owned()
}

/// An unstructured header value: ASCII as is, otherwise RFC 2047 `B` encoded-words (each at
/// most 75 characters), folded onto continuation lines.
fn encode_header(value: &str) -> String {
    if value.bytes().all(|b| (0x20..0x7f).contains(&b)) && value.len() <= 900 {
        return value.to_owned();
    }
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in value.chars() {
        if chunk.len() + c.len_utf8() > 45 {
            words.push(format!("=?UTF-8?B?{}?=", B64.encode(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() {
        words.push(format!("=?UTF-8?B?{}?=", B64.encode(chunk.as_bytes())));
    }
    words.join("\r\n ")
}

/// RFC 5322 date: `Fri, 15 Jan 2027 08:00:00 +0000`.
pub fn rfc5322_date(t: Timestamp) -> String {
    // Timestamp's display is `YYYY-MM-DDTHH:MM:SSZ`.
    let iso = t.to_string();
    let part = |r: std::ops::Range<usize>| iso.get(r).unwrap_or_default();
    let month = match part(5..7) {
        "01" => "Jan",
        "02" => "Feb",
        "03" => "Mar",
        "04" => "Apr",
        "05" => "May",
        "06" => "Jun",
        "07" => "Jul",
        "08" => "Aug",
        "09" => "Sep",
        "10" => "Oct",
        "11" => "Nov",
        _ => "Dec",
    };
    // 1970-01-01 was a Thursday.
    let weekday = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"]
        .get(t.unix().div_euclid(86_400).rem_euclid(7) as usize)
        .copied()
        .unwrap_or("Thu");
    format!(
        "{weekday}, {} {month} {} {} +0000",
        part(8..10),
        part(0..4),
        part(11..19)
    )
}

/// The whole message as sent after `DATA` (without the final `.` line): headers, a blank
/// line, the body; CRLF line ends, dot-stuffed.
pub fn format_message(config: &SmtpConfig, alert: &Alert, message_id: &str) -> String {
    let subject = truncate(
        &header_text(&format!(
            "[fleetwire] {}: {}",
            alert.severity.as_str().to_uppercase(),
            alert.subject
        )),
        MAX_SUBJECT_CHARS,
    );
    let body_text = format!(
        "{}\n\nDevice: {}\nSeverity: {}\nRaised: {}\n\n-- \nFleetwire agent {}\n",
        alert.detail, alert.device, alert.severity, alert.raised, config.helo
    );
    let plain = body_text.is_ascii() && body_text.lines().all(|l| l.len() <= 998);
    let mut m = String::new();
    let mut header = |name: &str, value: &str| {
        m.push_str(name);
        m.push_str(": ");
        m.push_str(value);
        m.push_str("\r\n");
    };
    header("Date", &rfc5322_date(alert.raised));
    header("From", &format!("Fleetwire agent <{}>", config.from));
    let to: Vec<String> = config.to.iter().map(|t| format!("<{t}>")).collect();
    header("To", &to.join(", "));
    header("Subject", &encode_header(&subject));
    header("Message-ID", message_id);
    header("MIME-Version", "1.0");
    header("Content-Type", "text/plain; charset=utf-8");
    header(
        "Content-Transfer-Encoding",
        if plain { "7bit" } else { "base64" },
    );
    header("X-Fleetwire-Severity", alert.severity.as_str());
    header(
        "X-Fleetwire-Device",
        &encode_header(&truncate(&header_text(&alert.device), 200)),
    );
    m.push_str("\r\n");
    if plain {
        for line in body_text.lines() {
            // A lone CR inside a line would end it for some servers.
            let line = line.replace('\r', " ");
            if line.starts_with('.') {
                m.push('.');
            }
            m.push_str(&line);
            m.push_str("\r\n");
        }
    } else {
        let encoded = B64.encode(body_text.as_bytes());
        for chunk in encoded.as_bytes().chunks(76) {
            m.push_str(&String::from_utf8_lossy(chunk));
            m.push_str("\r\n");
        }
    }
    m
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_are_rfc5322() {
        let t = |s| Timestamp::from_unix(s).unwrap_or_else(Timestamp::now);
        assert_eq!(rfc5322_date(t(0)), "Thu, 01 Jan 1970 00:00:00 +0000");
        assert_eq!(
            rfc5322_date(t(1_800_000_000)),
            "Fri, 15 Jan 2027 08:00:00 +0000"
        );
        assert_eq!(
            rfc5322_date(t(951_782_400)),
            "Tue, 29 Feb 2000 00:00:00 +0000"
        );
    }

    #[test]
    fn non_ascii_subjects_become_encoded_words() {
        let enc = encode_header("Tóner cián bajo en la impresora del pasillo número 3, planta 2");
        for word in enc.split("\r\n ") {
            assert!(
                word.starts_with("=?UTF-8?B?") && word.ends_with("?="),
                "{word}"
            );
            assert!(word.len() <= 75, "{word}");
        }
        assert_eq!(encode_header("plain"), "plain");
    }

    #[test]
    fn addresses_are_checked() {
        assert!(check_address("to", "ops@example.com").is_ok());
        for bad in [
            "",
            "ops",
            "@x",
            "a@",
            "a b@x",
            "a@b@c",
            "<a@b>",
            "a@b\r\nRCPT TO:<c@d>",
        ] {
            assert!(check_address("to", bad).is_err(), "{bad:?}");
        }
    }
}
