//! The smaller documents: site information, registration, action requests and results, the
//! mailing-system transaction batch and threshold-triggered requests.

use serde::{Deserialize, Serialize};

use crate::device::DeviceRecord;
use crate::error::RuleViolation;
use crate::mib::SupplyLevel;
use crate::pii::Pii;
use crate::text::{Email, Namespace, SchemaVersion, Sha256, Text, Timestamp};

/// The site information record: who and where the customer is.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "siteInformation", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct SiteInformation {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// Site identifier issued by the server.
    pub site_id: Text,
    /// Company name.
    pub company: Text,
    /// Customer/account number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub customer_number: Option<Text>,
    /// Postal address.
    pub address: Address,
    /// IANA time zone name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<Text>,
    /// Contacts.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub contact: Vec<Contact>,
}

/// A postal address.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Address {
    /// Street lines.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub line: Vec<Text>,
    /// City.
    pub city: Text,
    /// Region / state.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub region: Option<Text>,
    /// Postal code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub postal_code: Option<Text>,
    /// Country.
    pub country: Text,
}

/// A site contact (PII).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Contact {
    /// Role (`key operator`, `IT` ...).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub role: Option<Text>,
    /// Name.
    pub name: Pii<Text>,
    /// E-mail address.
    pub email: Pii<Email>,
    /// Phone.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub phone: Option<Pii<Text>>,
}

/// Registration of an agent with the remote-services server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "registration", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Registration {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// The agent's identifier.
    pub agent_id: Text,
    /// Agent version.
    pub app_version: Text,
    /// When.
    pub registered: Timestamp,
    /// Where the agent is (site / building).
    pub location: Text,
    /// Who to contact.
    pub contact_email: Pii<Email>,
    /// Site identifier, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub site_id: Option<Text>,
}

/// What an action request asks for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Action {
    /// Refresh and report the device's status.
    GetStatus,
    /// Reboot the device (Printer-MIB `prtGeneralReset`).
    Reboot,
    /// Install firmware (only after its digest checks out).
    Upgrade(Upgrade),
    /// Reachability and status checks.
    Troubleshoot,
    /// Print a test page.
    PrintTestPage,
    /// Start managing the device.
    StartManaging,
}

impl Action {
    /// The action's kind.
    pub fn kind(&self) -> ActionKind {
        match self {
            Self::GetStatus => ActionKind::GetStatus,
            Self::Reboot => ActionKind::Reboot,
            Self::Upgrade(_) => ActionKind::Upgrade,
            Self::Troubleshoot => ActionKind::Troubleshoot,
            Self::PrintTestPage => ActionKind::PrintTestPage,
            Self::StartManaging => ActionKind::StartManaging,
        }
    }
}

crate::mib::named_enum! {
    /// The kinds of [`Action`], named the same.
    ActionKind {
        /// `getStatus`
        GetStatus => "getStatus",
        /// `reboot`
        Reboot => "reboot",
        /// `upgrade`
        Upgrade => "upgrade",
        /// `troubleshoot`
        Troubleshoot => "troubleshoot",
        /// `printTestPage`
        PrintTestPage => "printTestPage",
        /// `startManaging`
        StartManaging => "startManaging",
    }
}

/// A firmware upgrade.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Upgrade {
    /// Target firmware version.
    pub version: Text,
    /// Image name or URL.
    pub image: Text,
    /// The image's SHA-256.
    pub sha256: Sha256,
}

/// An action request from the server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "actionRequest", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ActionRequest {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// Request identifier.
    pub id: Text,
    /// The device (serial number).
    pub target: Text,
    /// When it was issued.
    pub issued: Timestamp,
    /// When it expires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<Timestamp>,
    /// What to do.
    #[serde(rename = "$value")]
    pub action: Action,
}

/// The result of an action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "actionResult", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ActionResult {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// The request's identifier.
    pub request_id: Text,
    /// The device (serial number).
    pub target: Text,
    /// What was done.
    pub action: ActionKind,
    /// When it finished.
    pub completed: Timestamp,
    /// How it went.
    #[serde(rename = "$value")]
    pub outcome: Outcome,
}

/// How an action went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Outcome {
    /// It worked.
    Succeeded(Succeeded),
    /// It was tried and failed.
    Failed(Failure),
    /// It was not tried (disabled, signature or policy check failed, expired).
    Refused(Failure),
}

/// Details of a successful action.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Succeeded {
    /// A message.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message: Option<Text>,
    /// Checks run (troubleshoot).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub check: Vec<Check>,
    /// The device's fresh record (get status, start managing).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device: Option<Box<DeviceRecord>>,
}

/// Why an action failed or was refused.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Failure {
    /// The reason.
    pub reason: Text,
}

/// One troubleshooting check.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Check {
    /// What was checked.
    pub name: Text,
    /// Whether it passed.
    pub passed: bool,
    /// Details.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<Text>,
}

impl ActionRequest {
    pub(crate) fn rules(&self, out: &mut Vec<RuleViolation>) {
        if self.expires.is_some_and(|e| e < self.issued) {
            out.push(RuleViolation::TimeOrder {
                path: "actionRequest/expires".into(),
            });
        }
    }
}

/// A batch of mailing-system (postage meter) transaction records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "transactionBatch", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TransactionBatch {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// Meter serial number.
    pub meter_serial: Text,
    /// Batch identifier.
    pub batch_id: Text,
    /// First transaction's time window start.
    pub opened: Timestamp,
    /// Window end.
    pub closed: Timestamp,
    /// ISO 4217 currency of the amounts.
    pub currency: Text,
    /// Ascending register (postage used, minor units) at close.
    pub ascending_register: u64,
    /// Descending register (funds left, minor units) at close.
    pub descending_register: u64,
    /// The transactions, in increasing sequence order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub record: Vec<TransactionRecord>,
}

/// One postage transaction.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct TransactionRecord {
    /// Meter sequence number.
    pub sequence: u64,
    /// When.
    pub at: Timestamp,
    /// Postage in minor units.
    pub postage: u64,
    /// Mail class.
    pub mail_class: Text,
    /// Weight in milligrams.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub weight_mg: Option<u64>,
    /// Cost account.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub account: Option<Text>,
}

impl TransactionBatch {
    pub(crate) fn rules(&self, out: &mut Vec<RuleViolation>) {
        if self.closed < self.opened {
            out.push(RuleViolation::TimeOrder {
                path: "transactionBatch".into(),
            });
        }
        let seqs: Vec<u64> = self.record.iter().map(|r| r.sequence).collect();
        if let Some(w) = seqs.windows(2).find(|w| w.first() >= w.get(1))
            && let (Some(&previous), Some(&sequence)) = (w.first(), w.get(1))
        {
            out.push(RuleViolation::SequenceOrder {
                path: "transactionBatch/record".into(),
                previous,
                sequence,
            });
        }
    }
}

/// A request the agent raises when a threshold is crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "thresholdRequest", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ThresholdRequest {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// Request identifier.
    pub id: Text,
    /// The device (serial number).
    pub target: Text,
    /// When the threshold was crossed.
    pub triggered: Timestamp,
    /// Which threshold.
    #[serde(rename = "$value")]
    pub trigger: Trigger,
}

/// The threshold crossed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Trigger {
    /// A supply fell below its refill threshold.
    Refill(Refill),
    /// A meter passed its audit threshold.
    Audit(Audit),
}

/// Refill request details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Refill {
    /// `prtMarkerSuppliesIndex`.
    pub supply_index: u32,
    /// Supply description.
    pub supply: Text,
    /// Its level.
    pub level: SupplyLevel,
    /// The threshold, in percent of capacity.
    pub threshold_percent: u8,
}

/// Audit request details.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Audit {
    /// Meter name.
    pub meter: Text,
    /// Its reading.
    pub value: u64,
    /// The threshold it passed.
    pub threshold: u64,
}
