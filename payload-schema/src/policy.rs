//! The build-time rules: security mode and consent.
//!
//! A [`BuildPolicy`] is applied when a payload is built (addresses stripped in Locked Down mode,
//! consent-gated data dropped without consent) and recorded in the payload's `securityMode` and
//! `consent` attributes; [`crate::Document::check_rules`] checks the recorded policy against the
//! content before every write and in [`crate::validate()`], so a payload that breaks a rule is
//! never written.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::device::{CustomerJob, DeviceRecord, Engineering};
use crate::error::{RuleViolation, ValueError};

crate::mib::named_enum! {
    /// The Corporation Security Mode of the device-management application.
    SecurityMode {
        /// Everything the payload kind carries.
        Normal => "normal",
        /// No IP address or DNS name of the host or of any device leaves the site.
        LockedDown => "locked-down",
    }
}

#[allow(clippy::derivable_impls)] // the enum comes from `named_enum!`
impl Default for SecurityMode {
    fn default() -> Self {
        Self::Normal
    }
}

/// Explicit consent to send data that may identify people. Written as the `consent` attribute:
/// a space-separated list of `engineeringDebug` and `customerJobs` (absent when empty).
///
/// ```
/// use fleetwire_payload::Consent;
/// let c: Consent = "customerJobs".parse().unwrap();
/// assert!(c.customer_jobs && !c.engineering_debug);
/// assert_eq!(Consent::ALL.to_string(), "engineeringDebug customerJobs");
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Consent {
    /// Engineering/debug data may be included.
    pub engineering_debug: bool,
    /// Customer-job data (user names, e-mail addresses, job names) may be included.
    pub customer_jobs: bool,
}

impl Consent {
    /// No consent (the default).
    pub const NONE: Self = Self {
        engineering_debug: false,
        customer_jobs: false,
    };
    /// Both flags.
    pub const ALL: Self = Self {
        engineering_debug: true,
        customer_jobs: true,
    };

    /// Whether no flag is set (the attribute is then left out).
    pub fn is_none(&self) -> bool {
        *self == Self::NONE
    }
}

impl fmt::Display for Consent {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.engineering_debug, self.customer_jobs) {
            (true, true) => f.write_str("engineeringDebug customerJobs"),
            (true, false) => f.write_str("engineeringDebug"),
            (false, true) => f.write_str("customerJobs"),
            (false, false) => Ok(()),
        }
    }
}

impl FromStr for Consent {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        let mut c = Self::NONE;
        for token in s.split_ascii_whitespace() {
            match token {
                "engineeringDebug" => c.engineering_debug = true,
                "customerJobs" => c.customer_jobs = true,
                other => {
                    return Err(ValueError::Enum {
                        kind: "Consent",
                        value: other.chars().take(64).collect(),
                    });
                }
            }
        }
        Ok(c)
    }
}

impl TryFrom<String> for Consent {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        s.parse()
    }
}

impl From<Consent> for String {
    fn from(c: Consent) -> String {
        c.to_string()
    }
}

/// How a payload is built: the security mode and the consent flags.
///
/// ```
/// use fleetwire_payload::{BuildPolicy, Consent, SecurityMode};
/// let policy = BuildPolicy { mode: SecurityMode::LockedDown, consent: Consent::NONE };
/// let mut device = fleetwire_payload::DeviceRecord::default();
/// device.network.dns_name = Some("printer-3.corp.example".parse().unwrap());
/// policy.apply_device(&mut device);
/// assert!(device.network.dns_name.is_none());
/// ```
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct BuildPolicy {
    /// Security mode.
    pub mode: SecurityMode,
    /// Consent flags.
    pub consent: Consent,
}

impl BuildPolicy {
    /// Strips what the mode forbids from one device record.
    pub fn apply_device(&self, device: &mut DeviceRecord) {
        if self.mode == SecurityMode::LockedDown {
            device.network.strip_addresses();
        }
    }

    /// Engineering data if consent allows it.
    pub fn gate_engineering(&self, data: Option<Engineering>) -> Option<Engineering> {
        data.filter(|_| self.consent.engineering_debug)
    }

    /// Customer-job data (of any kind) if consent allows it, else nothing.
    pub fn gate_jobs<T>(&self, jobs: Vec<T>) -> Vec<T> {
        if self.consent.customer_jobs {
            jobs
        } else {
            Vec::new()
        }
    }
}

/// Collects the rule violations of the parts every device payload shares.
pub(crate) fn device_rules(
    path: &str,
    mode: SecurityMode,
    device: &DeviceRecord,
    out: &mut Vec<RuleViolation>,
) {
    if mode == SecurityMode::LockedDown && device.network.has_addresses() {
        out.push(RuleViolation::LockedDownAddress {
            path: format!("{path}/network"),
        });
    }
    unique(
        &format!("{path}/consumable"),
        device.consumable.iter().map(|c| c.index),
        out,
    );
    unique(
        &format!("{path}/status/alert"),
        device.status.alert.iter().map(|a| a.index),
        out,
    );
}

/// Collects the consent violations of engineering and customer-job data.
pub(crate) fn consent_rules(
    consent: Consent,
    engineering: Option<&Engineering>,
    jobs: &[CustomerJob],
    out: &mut Vec<RuleViolation>,
) {
    if engineering.is_some() && !consent.engineering_debug {
        out.push(RuleViolation::EngineeringWithoutConsent {
            path: "engineering".into(),
        });
    }
    if !jobs.is_empty() && !consent.customer_jobs {
        out.push(RuleViolation::CustomerJobsWithoutConsent {
            path: "customerJob".into(),
        });
    }
}

/// Reports the first repeated index of a table.
pub(crate) fn unique(path: &str, indexes: impl Iterator<Item = u32>, out: &mut Vec<RuleViolation>) {
    let mut seen: Vec<u32> = indexes.collect();
    seen.sort_unstable();
    if let Some(w) = seen.windows(2).find(|w| w.first() == w.get(1)) {
        out.push(RuleViolation::DuplicateIndex {
            path: path.to_owned(),
            index: w.first().copied().unwrap_or_default(),
        });
    }
}

impl Serialize for Consent {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}
