//! The device-management-application payload (Table 3): the agent itself, its fleet, user-based
//! job tracking and print-control-policy violations.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use crate::device::DeviceRecord;
use crate::error::RuleViolation;
use crate::pii::Pii;
use crate::policy::{BuildPolicy, Consent, SecurityMode, device_rules};
use crate::text::{Namespace, SchemaVersion, Text, Timestamp};

/// Device-management-application payload: the agent's identity and its fleet.
///
/// For large fleets write it with [`crate::AgentPayloadWriter`], one device at a time.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "deviceManagement", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct AgentPayload {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// Corporation Security Mode.
    #[serde(rename = "@securityMode", default)]
    pub security_mode: SecurityMode,
    /// The consent it was built with.
    #[serde(rename = "@consent", default, skip_serializing_if = "Consent::is_none")]
    pub consent: Consent,
    /// When the data was collected.
    pub generated: Timestamp,
    /// Device Management Identity.
    pub agent: AgentIdentity,
    /// The fleet.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub device: Vec<DeviceRecord>,
    /// User-based job tracking (consent `customerJobs`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub job_record: Vec<JobRecord>,
    /// Print-control-policy violations (consent `customerJobs`: they name users).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policy_violation: Vec<PolicyViolation>,
}

impl AgentPayload {
    /// Builds the payload under `policy`: host and device addresses are stripped in Locked
    /// Down mode; job records and policy violations are dropped without `customerJobs`
    /// consent.
    pub fn build(
        generated: Timestamp,
        mut agent: AgentIdentity,
        mut devices: Vec<DeviceRecord>,
        job_records: Vec<JobRecord>,
        violations: Vec<PolicyViolation>,
        policy: &BuildPolicy,
    ) -> Self {
        policy.apply_agent(&mut agent);
        devices.iter_mut().for_each(|d| policy.apply_device(d));
        Self {
            namespace: Namespace,
            schema_version: SchemaVersion::CURRENT,
            security_mode: policy.mode,
            consent: policy.consent,
            generated,
            agent,
            device: devices,
            job_record: policy.gate_jobs(job_records),
            policy_violation: policy.gate_jobs(violations),
        }
    }

    pub(crate) fn rules(&self, out: &mut Vec<RuleViolation>) {
        agent_rules(self.security_mode, &self.agent, out);
        for (i, d) in self.device.iter().enumerate() {
            device_rules(&format!("device[{i}]"), self.security_mode, d, out);
        }
        jobs_rules(
            self.consent,
            !self.job_record.is_empty(),
            !self.policy_violation.is_empty(),
            out,
        );
    }
}

pub(crate) fn agent_rules(mode: SecurityMode, agent: &AgentIdentity, out: &mut Vec<RuleViolation>) {
    if mode == SecurityMode::LockedDown && agent.has_addresses() {
        out.push(RuleViolation::LockedDownAddress {
            path: "agent".into(),
        });
    }
}

pub(crate) fn jobs_rules(
    consent: Consent,
    jobs: bool,
    violations: bool,
    out: &mut Vec<RuleViolation>,
) {
    if !consent.customer_jobs {
        if jobs {
            out.push(RuleViolation::CustomerJobsWithoutConsent {
                path: "jobRecord".into(),
            });
        }
        if violations {
            out.push(RuleViolation::CustomerJobsWithoutConsent {
                path: "policyViolation".into(),
            });
        }
    }
}

impl BuildPolicy {
    /// Strips what the mode forbids from the agent's identity.
    pub fn apply_agent(&self, agent: &mut AgentIdentity) {
        if self.mode == SecurityMode::LockedDown {
            agent.host_name = None;
            agent.host_address.clear();
        }
    }
}

/// Device Management Identity: the host the agent runs on and the agent's own state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct AgentIdentity {
    /// Host DNS name (omitted in Locked Down mode).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub host_name: Option<Text>,
    /// Host IP addresses (omitted in Locked Down mode).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub host_address: Vec<IpAddr>,
    /// Operating system.
    pub os: Text,
    /// CPU model.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cpu: Option<Text>,
    /// RAM in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub memory_mib: Option<u64>,
    /// Free disk in MiB.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub disk_free_mib: Option<u64>,
    /// Agent version.
    pub app_version: Text,
    /// Licence expiry.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence_expires: Option<Timestamp>,
    /// Database sizes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub database: Vec<DatabaseSize>,
    /// Devices in scope.
    pub devices_in_scope: u64,
    /// Devices found but out of scope.
    pub devices_out_of_scope: u64,
    /// Critical services and whether they run.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub critical_service: Vec<Service>,
}

impl AgentIdentity {
    /// Whether the host name or an address is present.
    pub fn has_addresses(&self) -> bool {
        self.host_name.is_some() || !self.host_address.is_empty()
    }
}

/// A database and its size.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct DatabaseSize {
    /// Name.
    pub name: Text,
    /// Bytes.
    pub bytes: u64,
}

/// A service the agent depends on.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Service {
    /// Name.
    pub name: Text,
    /// Whether it runs.
    pub running: bool,
}

/// A user-based job tracking record (PII).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct JobRecord {
    /// When.
    pub at: Timestamp,
    /// User.
    pub user: Pii<Text>,
    /// Device serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_serial: Option<Text>,
    /// Document name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub document: Option<Pii<Text>>,
    /// Impressions.
    pub impressions: u64,
    /// Colour.
    pub color: bool,
}

/// A print-control-policy violation (PII: names the user).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct PolicyViolation {
    /// When.
    pub at: Timestamp,
    /// User.
    pub user: Pii<Text>,
    /// The policy broken.
    pub policy: Text,
    /// Device serial number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_serial: Option<Text>,
    /// What the policy did (`blocked`, `converted to mono` ...).
    pub action: Text,
}
