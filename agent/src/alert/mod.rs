//! Alerts: what the agent tells people when a device needs attention, and where it goes.
//!
//! An [`Alert`] is raised for a device (a supply running low, a detected error; see
//! [`alerts_for`]) and handed to every configured [`AlertSink`]: [`LogSink`] writes one line per
//! alert, [`smtp::SmtpSink`] sends an e-mail through an SMTP relay. Sinks are independent: one
//! failing does not stop the others ([`deliver`]).
//!
//! ```
//! use fleetwire::alert::{Alert, AlertSink, LogSink, Severity};
//! use fleetwire_payload::Timestamp;
//!
//! let mut sink = LogSink::new(Vec::new());
//! let alert = Alert {
//!     severity: Severity::Warning,
//!     device: "3TB123456".into(),
//!     subject: "Cyan Toner low (4%)".into(),
//!     detail: "Replace soon.".into(),
//!     raised: Timestamp::from_unix(1_800_000_000).unwrap(),
//! };
//! sink.send(&alert)?;
//! assert_eq!(
//!     String::from_utf8(sink.into_inner())?,
//!     "2027-01-15T08:00:00Z warning device=\"3TB123456\" subject=\"Cyan Toner low (4%)\" detail=\"Replace soon.\"\n"
//! );
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod smtp;

use std::fmt;
use std::io::Write;

use fleetwire_payload::Timestamp;

use crate::report::{Device, low_word};

/// How urgent an alert is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    /// Worth knowing.
    Info,
    /// Needs attention soon (a supply running low).
    Warning,
    /// Needs attention now (the device reports an error).
    Critical,
}

impl Severity {
    /// `info`, `warning` or `critical`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One alert about one device.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Alert {
    /// How urgent.
    pub severity: Severity,
    /// The device's name (its serial number, see [`crate::server::device_key`]).
    pub device: String,
    /// One line (device strings may be in it: sinks clean it for their medium).
    pub subject: String,
    /// More text.
    pub detail: String,
    /// When it was raised.
    pub raised: Timestamp,
}

/// A sink could not deliver an alert.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AlertError {
    /// Writing the log failed.
    #[error("alert log: {0}")]
    Log(#[source] std::io::Error),
    /// The SMTP exchange failed.
    #[error(transparent)]
    Smtp(#[from] smtp::SmtpError),
}

/// Somewhere alerts go.
pub trait AlertSink: Send {
    /// A short name for logs and errors (`log`, `smtp relay.example.com:25`).
    fn name(&self) -> String;

    /// Delivers one alert.
    fn send(&mut self, alert: &Alert) -> Result<(), AlertError>;
}

/// Writes one line per alert: `TIME SEVERITY device="..." subject="..." detail="..."`, the
/// values quoted with `"` and `\` escaped and control characters as `\n`, `\r`, `\t` or
/// `\u{..}`, so a device string can neither forge a line nor hide in the log.
#[derive(Debug)]
pub struct LogSink<W: Write + Send> {
    out: W,
}

impl<W: Write + Send> LogSink<W> {
    /// A sink writing to `out` (a file, `stderr`, a buffer).
    pub fn new(out: W) -> Self {
        Self { out }
    }

    /// The writer back.
    pub fn into_inner(self) -> W {
        self.out
    }
}

fn quoted(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.extend(c.escape_default()),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

impl<W: Write + Send> AlertSink for LogSink<W> {
    fn name(&self) -> String {
        "log".to_owned()
    }

    fn send(&mut self, alert: &Alert) -> Result<(), AlertError> {
        writeln!(
            self.out,
            "{} {} device={} subject={} detail={}",
            alert.raised,
            alert.severity,
            quoted(&alert.device),
            quoted(&alert.subject),
            quoted(&alert.detail)
        )
        .and_then(|()| self.out.flush())
        .map_err(AlertError::Log)
    }
}

/// Sends `alert` to every sink; returns the failures by sink name (an empty list: all
/// delivered).
pub fn deliver(sinks: &mut [Box<dyn AlertSink>], alert: &Alert) -> Vec<(String, AlertError)> {
    sinks
        .iter_mut()
        .filter_map(|sink| sink.send(alert).err().map(|e| (sink.name(), e)))
        .collect()
}

/// The alerts a device's snapshot calls for: one `warning` per low supply
/// ([`crate::report::low_word`]: `low`, or `nearly full` for a waste receptacle) and one `critical` when the printer reports detected errors.
pub fn alerts_for(device: &Device, raised: Timestamp) -> Vec<Alert> {
    let s = &device.snapshot;
    let model = s.identity.model.as_deref().unwrap_or("printer");
    let location = s
        .identity
        .sys_location
        .as_deref()
        .filter(|l| !l.trim().is_empty())
        .map(|l| format!(" at {l}"))
        .unwrap_or_default();
    let mut out: Vec<Alert> = s
        .supplies
        .iter()
        .filter_map(|supply| low_word(supply).map(|word| (supply, word)))
        .map(|(supply, word)| {
            let level = supply
                .level
                .percent_of(supply.max_capacity)
                .map(|p| format!("{p}%"))
                .unwrap_or_else(|| supply.level.to_string());
            Alert {
                severity: Severity::Warning,
                device: device.key.clone(),
                subject: format!(
                    "{} {word} ({level}) on {model} {}",
                    supply.description, device.key
                ),
                detail: format!(
                    "{} (supply {}, {}) of {model} {}{location} is at {level}.",
                    supply.description, supply.index, supply.supply_type, device.key
                ),
                raised,
            }
        })
        .collect();
    let errors = device.detected_errors();
    if !errors.is_empty() {
        out.push(Alert {
            severity: Severity::Critical,
            device: device.key.clone(),
            subject: format!("{model} {} reports {}", device.key, errors.join(", ")),
            detail: format!(
                "{model} {}{location}: hrPrinterDetectedErrorState {}.",
                device.key,
                errors.join(", ")
            ),
            raised,
        });
    }
    out
}
