//! Writing a device-management payload one device at a time, so a fleet of thousands is never
//! held as one document (nor as one XML string) in memory.

use std::io;

use crate::agent::{AgentIdentity, JobRecord, PolicyViolation, agent_rules, jobs_rules};
use crate::device::DeviceRecord;
use crate::document::{FmtIo, XML_DECLARATION};
use crate::error::WriteError;
use crate::policy::{BuildPolicy, device_rules};
use crate::text::{SchemaVersion, Timestamp};

/// Streams an [`crate::AgentPayload`]: the output is byte for byte what
/// [`crate::Document::write_xml`] writes for the same payload, built under the same policy.
///
/// ```
/// use fleetwire_payload::*;
/// let agent = AgentIdentity {
///     host_name: Some("agent-host".parse().unwrap()),
///     host_address: vec![],
///     os: "Linux".parse().unwrap(),
///     cpu: None, memory_mib: None, disk_free_mib: None,
///     app_version: "0.1.0".parse().unwrap(),
///     licence_expires: None, database: vec![],
///     devices_in_scope: 2, devices_out_of_scope: 0, critical_service: vec![],
/// };
/// let at = Timestamp::from_unix(1_800_000_000).unwrap();
/// let policy = BuildPolicy { mode: SecurityMode::LockedDown, consent: Consent::NONE };
/// let mut w = AgentPayloadWriter::start(Vec::new(), at, agent, &policy).unwrap();
/// for _ in 0..2 {
///     w.push_device(DeviceRecord::default()).unwrap();
/// }
/// let xml = String::from_utf8(w.finish(vec![], vec![]).unwrap()).unwrap();
/// assert!(!xml.contains("agent-host"), "locked down");
/// assert_eq!(xml.matches("<device>").count(), 2);
/// ```
#[derive(Debug)]
pub struct AgentPayloadWriter<W: io::Write> {
    out: FmtIo<W>,
    policy: BuildPolicy,
    devices: u64,
}

impl<W: io::Write> std::fmt::Debug for FmtIo<W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("FmtIo")
    }
}

impl<W: io::Write> AgentPayloadWriter<W> {
    /// Writes the document's start and the agent's identity (stripped under `policy`).
    pub fn start(
        out: W,
        generated: Timestamp,
        mut agent: AgentIdentity,
        policy: &BuildPolicy,
    ) -> Result<Self, WriteError> {
        policy.apply_agent(&mut agent);
        let mut violations = Vec::new();
        agent_rules(policy.mode, &agent, &mut violations);
        if !violations.is_empty() {
            return Err(WriteError::Rules(violations));
        }
        let mut out = FmtIo::new(out);
        let mode = match policy.mode {
            crate::SecurityMode::Normal => "normal",
            crate::SecurityMode::LockedDown => "locked-down",
        };
        out.write_raw(XML_DECLARATION)?;
        out.write_raw(&format!(
            "<deviceManagement xmlns=\"{}\" schemaVersion=\"{}\" securityMode=\"{mode}\"",
            crate::NAMESPACE,
            SchemaVersion::CURRENT,
        ))?;
        if !policy.consent.is_none() {
            out.write_raw(&format!(" consent=\"{}\"", policy.consent))?;
        }
        out.write_raw(&format!("><generated>{generated}</generated>"))?;
        out.serialize(&agent, Some("agent"))?;
        Ok(Self {
            out,
            policy: *policy,
            devices: 0,
        })
    }

    /// Writes one device (stripped under the policy; owned or borrowed: a borrowed record is
    /// copied only when Locked Down mode has addresses to strip from it).
    pub fn push_device(
        &mut self,
        device: impl std::borrow::Borrow<DeviceRecord>,
    ) -> Result<(), WriteError> {
        let device = device.borrow();
        // Copy only when the policy has something to strip.
        let stripped;
        let device = if self.policy.mode == crate::SecurityMode::LockedDown
            && device.network.has_addresses()
        {
            let mut copy = device.clone();
            self.policy.apply_device(&mut copy);
            stripped = copy;
            &stripped
        } else {
            device
        };
        let mut violations = Vec::new();
        device_rules(
            &format!("device[{}]", self.devices),
            self.policy.mode,
            device,
            &mut violations,
        );
        if !violations.is_empty() {
            return Err(WriteError::Rules(violations));
        }
        self.out.serialize(device, Some("device"))?;
        self.devices += 1;
        Ok(())
    }

    /// Devices written so far.
    pub fn devices(&self) -> u64 {
        self.devices
    }

    /// Writes the job records and policy violations (dropped without `customerJobs` consent),
    /// closes the document and returns the writer.
    pub fn finish(
        mut self,
        job_records: Vec<JobRecord>,
        violations: Vec<PolicyViolation>,
    ) -> Result<W, WriteError> {
        let jobs = self.policy.gate_jobs(job_records);
        let violations = self.policy.gate_jobs(violations);
        let mut broken = Vec::new();
        jobs_rules(
            self.policy.consent,
            !jobs.is_empty(),
            !violations.is_empty(),
            &mut broken,
        );
        if !broken.is_empty() {
            return Err(WriteError::Rules(broken));
        }
        for j in &jobs {
            self.out.serialize(j, Some("jobRecord"))?;
        }
        for v in &violations {
            self.out.serialize(v, Some("policyViolation"))?;
        }
        self.out.write_raw("</deviceManagement>\n")?;
        self.out.into_inner()
    }
}
