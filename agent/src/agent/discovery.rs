//! Discovery: which addresses of the configured targets are printers, and with which
//! credential.
//!
//! Every address is polled concurrently with [`Client::poll`] (the fleet API): a GET of
//! `sysDescr.0` and `sysObjectID.0` and walks of `prtGeneralTable` and `hrDeviceType`. The
//! credentials are tried in the configured order; an address is tried with the next one only
//! when the previous one got no answer or an SNMPv3 security error, so the first working
//! credential is the one remembered. A device is a printer when the Printer-MIB is present
//! (`prtGeneralTable` has rows) or one of its `hrDeviceType`s is `hrDevicePrinter`. Printers
//! are in scope unless `targets.exclude` lists their address; everything else that answers
//! is out of scope.

use std::collections::HashMap;
use std::net::SocketAddr;

use fleetwire_snmp::client::{Client, PollResult, PollSpec, PollTarget, Progress};
use fleetwire_snmp::{Oid, Value, VarBind};

use super::config::AgentConfig;
use super::state::{KnownDevice, Scope};

/// `sysDescr.0`.
pub const SYS_DESCR: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 1, 0];
/// `sysObjectID.0`.
pub const SYS_OBJECT_ID: &[u32] = &[1, 3, 6, 1, 2, 1, 1, 2, 0];
/// `prtGeneralTable` (RFC 3805).
pub const PRT_GENERAL_TABLE: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 5, 1];
/// `prtGeneralSerialNumber`.
pub const PRT_GENERAL_SERIAL: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 5, 1, 1, 17];
/// `hrDeviceType` (HOST-RESOURCES-MIB).
pub const HR_DEVICE_TYPE: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 3, 2, 1, 2];
/// `hrDevicePrinter`.
pub const HR_DEVICE_PRINTER: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 3, 1, 5];

/// True when `oid` starts with `arcs`.
pub fn has_prefix(oid: &Oid<'_>, arcs: &[u32]) -> bool {
    let mut it = oid.arcs();
    arcs.iter().all(|a| it.next() == Some(*a))
}

/// True when `oid` is exactly `arcs`.
pub fn is_oid(oid: &Oid<'_>, arcs: &[u32]) -> bool {
    oid.len() == arcs.len() && has_prefix(oid, arcs)
}

/// The probe every address gets.
pub fn probe_spec() -> Result<PollSpec, fleetwire_snmp::OidError> {
    Ok(PollSpec::new(
        vec![Oid::from_arcs(SYS_DESCR)?, Oid::from_arcs(SYS_OBJECT_ID)?],
        vec![
            Oid::from_arcs(PRT_GENERAL_TABLE)?,
            Oid::from_arcs(HR_DEVICE_TYPE)?,
        ],
    ))
}

/// What a probe's varbinds say about a device (sans-IO: the varbinds in, the verdict out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Probe {
    /// `sysDescr`.
    pub sys_descr: String,
    /// `prtGeneralSerialNumber` of the first row.
    pub serial: Option<String>,
    /// The Printer-MIB answered.
    pub printer_mib: bool,
    /// An `hrDeviceType` is `hrDevicePrinter`.
    pub hr_printer: bool,
}

impl Probe {
    /// Reads the probe's varbinds.
    pub fn from_varbinds(varbinds: &[VarBind<'_>]) -> Self {
        let mut p = Probe {
            sys_descr: String::new(),
            serial: None,
            printer_mib: false,
            hr_printer: false,
        };
        for vb in varbinds {
            let present = !matches!(
                vb.value,
                Value::NoSuchObject | Value::NoSuchInstance | Value::EndOfMibView
            );
            if !present {
                continue;
            }
            if is_oid(&vb.name, SYS_DESCR) {
                if let Value::OctetString(b) = &vb.value {
                    p.sys_descr = String::from_utf8_lossy(b).trim().to_owned();
                }
            } else if has_prefix(&vb.name, PRT_GENERAL_TABLE) {
                p.printer_mib = true;
                if has_prefix(&vb.name, PRT_GENERAL_SERIAL)
                    && p.serial.is_none()
                    && let Value::OctetString(b) = &vb.value
                {
                    let s = String::from_utf8_lossy(b).trim().to_owned();
                    p.serial = (!s.is_empty()).then_some(s);
                }
            } else if has_prefix(&vb.name, HR_DEVICE_TYPE)
                && let Value::ObjectIdentifier(t) = &vb.value
                && is_oid(t, HR_DEVICE_PRINTER)
            {
                p.hr_printer = true;
            }
        }
        p
    }

    /// True when the device looks like a printer.
    pub fn is_printer(&self) -> bool {
        self.printer_mib || self.hr_printer
    }
}

/// The outcome of a discovery run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Discovered {
    /// Devices that answered, in target order.
    pub devices: Vec<KnownDevice>,
    /// Addresses probed.
    pub probed: usize,
    /// Addresses that answered no credential.
    pub silent: usize,
}

/// True when trying the next credential makes sense: no answer (a wrong community is
/// silently dropped), or SNMPv3 security refused this user.
fn try_next(result: &PollResult) -> bool {
    use fleetwire_snmp::manager::Error as E;
    match &result.result {
        Ok(_) => false,
        Err(e) => matches!(
            e.snmp(),
            Some(E::Timeout { .. } | E::Usm(_) | E::ResyncLoop(_)) | None
        ),
    }
}

/// Probes every configured target with each credential in order; `on_progress` is called
/// as each address finishes with each credential.
pub async fn discover(
    client: &Client,
    config: &AgentConfig,
    now: i64,
    mut on_progress: impl FnMut(&Progress),
) -> Discovered {
    let spec = match probe_spec() {
        Ok(s) => s,
        Err(e) => {
            tracing::error!(error = %e, "discovery OIDs");
            return Discovered::default();
        }
    };
    let mut remaining: Vec<SocketAddr> = config.targets.addrs.clone();
    let mut found: HashMap<SocketAddr, (usize, Result<Probe, String>)> = HashMap::new();
    for (ci, cred) in config.credentials.iter().enumerate() {
        if remaining.is_empty() {
            break;
        }
        let targets = remaining
            .iter()
            .map(|&addr| PollTarget {
                addr,
                security: cred.security.clone(),
            })
            .collect();
        let results = client.poll(targets, &spec, |p, _| on_progress(p)).await;
        let mut next = Vec::new();
        for r in results {
            match &r.result {
                Ok(vbs) => {
                    found.insert(r.addr, (ci, Ok(Probe::from_varbinds(vbs))));
                }
                Err(e) if try_next(&r) => {
                    tracing::debug!(addr = %r.addr, credential = %cred.label, error = %e, "no answer");
                    next.push(r.addr);
                }
                Err(e) => {
                    // It answered this credential, with an error: remembered, out of scope.
                    found.insert(r.addr, (ci, Err(format!("probe failed: {e}"))));
                }
            }
        }
        remaining = next;
    }
    let mut devices = Vec::new();
    for addr in &config.targets.addrs {
        let Some((credential, probe)) = found.remove(addr) else {
            continue;
        };
        let (probe, failure) = match probe {
            Ok(p) => (p, None),
            Err(why) => (Probe::from_varbinds(&[]), Some(why)),
        };
        let (scope, reason) = if let Some(why) = failure {
            (Scope::OutOfScope, why)
        } else if config.targets.exclude.contains(&addr.ip()) {
            (Scope::OutOfScope, "excluded by targets.exclude".to_owned())
        } else if probe.printer_mib {
            (Scope::InScope, "Printer-MIB present".to_owned())
        } else if probe.hr_printer {
            (Scope::InScope, "hrDeviceType is hrDevicePrinter".to_owned())
        } else {
            (Scope::OutOfScope, "not a printer".to_owned())
        };
        tracing::info!(%addr, credential = %config.credentials.get(credential).map_or("?", |c| c.label.as_str()), ?scope, %reason, "discovered");
        devices.push(KnownDevice {
            addr: *addr,
            credential,
            scope,
            reason,
            sys_descr: probe.sys_descr,
            serial: probe.serial,
            last_seen: now,
        });
    }
    let probed = config.targets.addrs.len();
    Discovered {
        silent: probed - devices.len(),
        devices,
        probed,
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn vb(name: &str, value: Value<'static>) -> VarBind<'static> {
        VarBind::new(name.parse().unwrap(), value)
    }

    fn dotted(arcs: &[u32]) -> String {
        arcs.iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(".")
    }

    #[test]
    fn printer_mib_or_hr_device_printer_make_a_printer() {
        let printer = Probe::from_varbinds(&[
            vb(
                &dotted(SYS_DESCR),
                Value::OctetString(b"Xerox VersaLink"[..].into()),
            ),
            vb(
                "1.3.6.1.2.1.43.5.1.1.17.1",
                Value::OctetString(b"SN1 "[..].into()),
            ),
        ]);
        assert!(printer.is_printer());
        assert_eq!(printer.serial.as_deref(), Some("SN1"));
        assert_eq!(printer.sys_descr, "Xerox VersaLink");
        let hr = Probe::from_varbinds(&[vb(
            "1.3.6.1.2.1.25.3.2.1.2.1",
            Value::ObjectIdentifier(dotted(HR_DEVICE_PRINTER).parse().unwrap()),
        )]);
        assert!(hr.is_printer() && !hr.printer_mib);
        let router = Probe::from_varbinds(&[
            vb(&dotted(SYS_DESCR), Value::OctetString(b"router"[..].into())),
            vb(
                "1.3.6.1.2.1.25.3.2.1.2.1",
                Value::ObjectIdentifier("1.3.6.1.2.1.25.3.1.4".parse().unwrap()),
            ),
            vb("1.3.6.1.2.1.43.5.1.1.17.1", Value::NoSuchObject),
        ]);
        assert!(!router.is_printer());
    }

    #[test]
    fn the_probe_spec_builds() {
        let spec = probe_spec().unwrap();
        assert_eq!(spec.oids.len(), 2);
        assert_eq!(spec.subtrees[0].to_string(), dotted(PRT_GENERAL_TABLE));
    }
}
