//! The office device payload (Table 1) and the production device payload (Table 2).

use serde::{Deserialize, Serialize};

use crate::device::{CustomerJob, DeviceRecord, Engineering};
use crate::error::{RuleViolation, ValueError};
use crate::policy::{BuildPolicy, Consent, SecurityMode, consent_rules, device_rules};
use crate::text::{Namespace, SchemaVersion, Text, Timestamp};

/// Office device payload: one device's identity, network, properties, status, counters,
/// consumables, detailed usage, and (with consent) engineering/debug and customer-job data.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "officeDevice", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct OfficeDevicePayload {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// The security mode it was built under.
    #[serde(rename = "@securityMode", default)]
    pub security_mode: SecurityMode,
    /// The consent it was built with.
    #[serde(rename = "@consent", default, skip_serializing_if = "Consent::is_none")]
    pub consent: Consent,
    /// When the data was collected.
    pub generated: Timestamp,
    /// The device.
    pub device: DeviceRecord,
    /// Engineering/debug data (consent `engineeringDebug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engineering: Option<Engineering>,
    /// Customer jobs (consent `customerJobs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_job: Vec<CustomerJob>,
}

impl OfficeDevicePayload {
    /// Builds the payload under `policy`: addresses are stripped in Locked Down mode, and
    /// engineering and customer-job data are dropped unless the policy's consent covers them.
    ///
    /// ```
    /// use fleetwire_payload::*;
    /// let mut device = DeviceRecord::default();
    /// device.identity.serial_number = Some("XRX-0001".parse().unwrap());
    /// let jobs = vec![CustomerJob {
    ///     submitted: Timestamp::from_unix(1_800_000_000).unwrap(),
    ///     name: Pii::new("payroll.pdf".parse().unwrap()),
    ///     user: Pii::new("alice".parse().unwrap()),
    ///     email: None,
    ///     impressions: 3,
    ///     color: false,
    /// }];
    /// let at = Timestamp::from_unix(1_800_000_000).unwrap();
    /// let p = OfficeDevicePayload::build(at, device, None, jobs, &BuildPolicy::default());
    /// assert!(p.customer_job.is_empty(), "no consent, no jobs");
    /// let xml = Document::Office(Box::new(p)).to_xml().unwrap();
    /// assert!(xml.starts_with("<?xml"));
    /// ```
    pub fn build(
        generated: Timestamp,
        mut device: DeviceRecord,
        engineering: Option<Engineering>,
        customer_jobs: Vec<CustomerJob>,
        policy: &BuildPolicy,
    ) -> Self {
        policy.apply_device(&mut device);
        Self {
            namespace: Namespace,
            schema_version: SchemaVersion::CURRENT,
            security_mode: policy.mode,
            consent: policy.consent,
            generated,
            device,
            engineering: policy.gate_engineering(engineering),
            customer_job: policy.gate_jobs(customer_jobs),
        }
    }

    pub(crate) fn rules(&self, out: &mut Vec<RuleViolation>) {
        device_rules("device", self.security_mode, &self.device, out);
        consent_rules(
            self.consent,
            self.engineering.as_ref(),
            &self.customer_job,
            out,
        );
    }
}

/// Production device payload: everything of the office payload plus the production data of
/// Table 2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "productionDevice", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ProductionDevicePayload {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// The security mode it was built under.
    #[serde(rename = "@securityMode", default)]
    pub security_mode: SecurityMode,
    /// The consent it was built with.
    #[serde(rename = "@consent", default, skip_serializing_if = "Consent::is_none")]
    pub consent: Consent,
    /// When the data was collected.
    pub generated: Timestamp,
    /// The device.
    pub device: DeviceRecord,
    /// Production data.
    #[serde(default)]
    pub production: ProductionData,
    /// Engineering/debug data (consent `engineeringDebug`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub engineering: Option<Engineering>,
    /// Customer jobs (consent `customerJobs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub customer_job: Vec<CustomerJob>,
}

impl ProductionDevicePayload {
    /// Builds the payload under `policy` (see [`OfficeDevicePayload::build`]).
    pub fn build(
        generated: Timestamp,
        mut device: DeviceRecord,
        production: ProductionData,
        engineering: Option<Engineering>,
        customer_jobs: Vec<CustomerJob>,
        policy: &BuildPolicy,
    ) -> Self {
        policy.apply_device(&mut device);
        Self {
            namespace: Namespace,
            schema_version: SchemaVersion::CURRENT,
            security_mode: policy.mode,
            consent: policy.consent,
            generated,
            device,
            production,
            engineering: policy.gate_engineering(engineering),
            customer_job: policy.gate_jobs(customer_jobs),
        }
    }

    pub(crate) fn rules(&self, out: &mut Vec<RuleViolation>) {
        device_rules("device", self.security_mode, &self.device, out);
        consent_rules(
            self.consent,
            self.engineering.as_ref(),
            &self.customer_job,
            out,
        );
    }
}

/// Table 2's production data.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ProductionData {
    /// The last (at most 40) faults, newest first.
    #[serde(default, skip_serializing_if = "FaultHistory::is_empty")]
    pub fault: FaultHistory,
    /// Jam counts by location.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub jam: Vec<Jam>,
    /// Customer-replaceable-unit replacements.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cru_replacement: Vec<CruReplacement>,
    /// CRU failures.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub cru_failure: Vec<CruFailure>,
    /// Run-length, tray, media and document-length distributions.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub distribution: Vec<Distribution>,
    /// Marked pixels and average area coverage per colour.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub coverage: Vec<Coverage>,
    /// Time spent in each power state.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub power_state: Vec<PowerState>,
}

/// A fault of the fault history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Fault {
    /// When.
    pub at: Timestamp,
    /// Fault code.
    pub code: Text,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<Text>,
    /// Total impressions when it happened.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impressions: Option<u64>,
}

/// At most [`FaultHistory::MAX`] faults: a longer history cannot be built or read.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Fault>", into = "Vec<Fault>")]
pub struct FaultHistory(Vec<Fault>);

impl FaultHistory {
    /// The most faults a payload carries.
    pub const MAX: usize = 40;

    /// Keeps the first [`Self::MAX`] of `faults` (pass them newest first).
    pub fn newest(mut faults: Vec<Fault>) -> Self {
        faults.truncate(Self::MAX);
        Self(faults)
    }

    /// The faults.
    pub fn faults(&self) -> &[Fault] {
        &self.0
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl TryFrom<Vec<Fault>> for FaultHistory {
    type Error = ValueError;
    fn try_from(v: Vec<Fault>) -> Result<Self, ValueError> {
        if v.len() > Self::MAX {
            Err(ValueError::TooMany {
                len: v.len(),
                max: Self::MAX,
            })
        } else {
            Ok(Self(v))
        }
    }
}

impl From<FaultHistory> for Vec<Fault> {
    fn from(h: FaultHistory) -> Self {
        h.0
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for FaultHistory {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self::newest(u.arbitrary()?))
    }
}

/// Jams at one location.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Jam {
    /// Paper-path location.
    pub location: Text,
    /// Jams.
    pub count: u64,
}

/// A CRU replacement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CruReplacement {
    /// Which unit.
    pub cru: Text,
    /// When.
    pub at: Timestamp,
    /// Impressions the old unit made.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub impressions: Option<u64>,
}

/// A CRU failure.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct CruFailure {
    /// Which unit.
    pub cru: Text,
    /// When.
    pub at: Timestamp,
    /// Failure code.
    pub code: Text,
}

/// A histogram.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Distribution {
    /// What is distributed.
    pub kind: DistributionKind,
    /// Buckets in order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub bucket: Vec<Bucket>,
}

crate::mib::named_enum! {
    /// The distributions of Table 2.
    DistributionKind {
        /// Job run lengths.
        RunLength => "runLength",
        /// Input trays used.
        Tray => "tray",
        /// Media types.
        Media => "media",
        /// Document lengths.
        DocumentLength => "documentLength",
    }
}

/// One histogram bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Bucket {
    /// Label (`1`, `2-10`, `tray 3`, `A4 plain` ...).
    pub label: Text,
    /// Count.
    pub count: u64,
}

/// Marking per colorant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Coverage {
    /// Colorant name.
    pub colorant: Text,
    /// Marked pixels.
    pub marked_pixels: u64,
    /// Average area coverage.
    pub average_coverage: PartsPerMillion,
}

/// A fraction in parts per million, 0 to 1,000,000.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u32", into = "u32")]
pub struct PartsPerMillion(pub(crate) u32);

impl PartsPerMillion {
    /// `ppm` if it is at most 1,000,000.
    pub fn new(ppm: u32) -> Option<Self> {
        (ppm <= 1_000_000).then_some(Self(ppm))
    }

    /// The value.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl TryFrom<u32> for PartsPerMillion {
    type Error = ValueError;
    fn try_from(v: u32) -> Result<Self, ValueError> {
        Self::new(v).ok_or(ValueError::TooMany {
            len: v as usize,
            max: 1_000_000,
        })
    }
}

impl From<PartsPerMillion> for u32 {
    fn from(p: PartsPerMillion) -> u32 {
        p.0
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for PartsPerMillion {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        Ok(Self(u.int_in_range(0..=1_000_000)?))
    }
}

/// Time in one power state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PowerState {
    /// State name (`on`, `standby`, `sleep`, `off` ...).
    pub state: Text,
    /// Seconds spent in it.
    pub seconds: u64,
}
