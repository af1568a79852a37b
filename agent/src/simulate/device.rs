//! One simulated device's MIB: a shared recording, this device's number, and drift.
//!
//! Not a [`MibTree`](fleetwire_snmp::responder::MibTree): a fleet of 10,000 devices shares a
//! handful of recordings, so each device holds an [`Arc`] to its recording (and the recording's
//! [`DriftPlan`](super::drift::DriftPlan)) and computes drifted values when asked, instead of
//! owning a copy of every object.

use std::ops::Bound;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use fleetwire_snmp::responder::MibHandler;
use fleetwire_snmp::{Oid, Value, VarBind};

use super::SimRecording;
use super::drift::Drift;

/// Where a device's drift step comes from.
#[derive(Debug, Clone)]
pub enum Step {
    /// One step per `interval` since `start` ([`Drift::step`]).
    Clock {
        /// When step 0 began.
        start: Instant,
        /// The length of one step.
        interval: Duration,
    },
    /// Set by the owner (tests, and anything that wants to advance the fleet by hand).
    Manual(Arc<AtomicU64>),
}

impl Step {
    /// The current step.
    pub fn now(&self) -> u64 {
        match self {
            Self::Clock { start, interval } => Drift::step(start.elapsed(), *interval),
            Self::Manual(step) => step.load(Ordering::Relaxed),
        }
    }
}

/// A simulated device's MIB handler: serves its recording, with drift if enabled.
///
/// Like snmpsim, a GET of an object the recording lacks answers noSuchInstance.
#[derive(Debug, Clone)]
pub struct DeviceMib {
    recording: Arc<SimRecording>,
    device: u32,
    drift: Option<(Drift, Step)>,
}

impl DeviceMib {
    /// Device number `device` serving `recording`, without drift.
    pub fn new(recording: Arc<SimRecording>, device: u32) -> Self {
        Self {
            recording,
            device,
            drift: None,
        }
    }

    /// Adds drift: values follow [`Drift::value`] at the step `step` says.
    #[must_use]
    pub fn with_drift(mut self, drift: Drift, step: Step) -> Self {
        self.drift = Some((drift, step));
        self
    }

    /// The recording served.
    pub fn recording(&self) -> &Arc<SimRecording> {
        &self.recording
    }

    fn value(&self, index: usize, recorded: &Value<'static>) -> Value<'static> {
        match &self.drift {
            Some((drift, step)) if self.recording.plan.drifts(index) => drift.value(
                &self.recording.plan,
                self.device,
                step.now(),
                index,
                recorded,
            ),
            _ => recorded.clone(),
        }
    }
}

impl MibHandler for DeviceMib {
    fn get<'s>(&'s self, name: &Oid<'_>) -> Value<'s> {
        let entries = self.recording.recording.entries();
        match entries.binary_search_by(|(oid, _)| oid.borrowed().cmp(&name.borrowed())) {
            Ok(i) => entries
                .get(i)
                .map_or(Value::NoSuchInstance, |(_, v)| self.value(i, v)),
            Err(_) => Value::NoSuchInstance,
        }
    }

    fn get_next<'s>(&'s self, from: Bound<&Oid<'_>>) -> Option<VarBind<'s>> {
        let entries = self.recording.recording.entries();
        let i = match from {
            Bound::Unbounded => 0,
            Bound::Included(from) => {
                entries.partition_point(|(oid, _)| oid.borrowed() < from.borrowed())
            }
            Bound::Excluded(from) => {
                entries.partition_point(|(oid, _)| oid.borrowed() <= from.borrowed())
            }
        };
        let (oid, recorded) = entries.get(i)?;
        Some(VarBind::new(oid.borrowed(), self.value(i, recorded)))
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;
    use fleetwire_snmp::snmprec::Recording;

    fn device() -> (DeviceMib, Arc<AtomicU64>) {
        let text = b"1.3.6.1.2.1.1.1.0|4|printer\n\
            1.3.6.1.2.1.43.10.2.1.4.1.1|65|1000\n\
            1.3.6.1.2.1.43.11.1.1.7.1.1|2|7\n\
            1.3.6.1.2.1.43.11.1.1.8.1.1|2|5000\n\
            1.3.6.1.2.1.43.11.1.1.9.1.1|2|4000\n";
        let rec = Arc::new(SimRecording::new(
            "p".into(),
            Recording::parse(text).unwrap(),
        ));
        let step = Arc::new(AtomicU64::new(0));
        let mib = DeviceMib::new(rec, 3).with_drift(Drift::new(5), Step::Manual(step.clone()));
        (mib, step)
    }

    fn oid(s: &str) -> Oid<'static> {
        s.parse().unwrap()
    }

    #[test]
    fn get_and_get_next_walk_the_recording() {
        let (mib, _) = device();
        assert_eq!(
            mib.get(&oid("1.3.6.1.2.1.1.1.0")),
            Value::OctetString(b"printer"[..].into())
        );
        assert_eq!(mib.get(&oid("1.3.6.1.2.1.1.2.0")), Value::NoSuchInstance);
        let mut names = Vec::new();
        let mut from: Option<Oid<'static>> = None;
        loop {
            let next = match &from {
                None => mib.get_next(Bound::Unbounded),
                Some(o) => mib.get_next(Bound::Excluded(o)),
            };
            let Some(vb) = next else { break };
            names.push(vb.name.to_string());
            from = Some(vb.name.into_owned());
        }
        assert_eq!(names.len(), 5);
        assert_eq!(
            mib.get_next(Bound::Included(&oid("1.3.6.1.2.1.1.1.0")))
                .unwrap()
                .name
                .to_string(),
            "1.3.6.1.2.1.1.1.0"
        );
        assert_eq!(
            mib.get_next(Bound::Included(&oid("1.3.6.1.2.1.2")))
                .unwrap()
                .name
                .to_string(),
            "1.3.6.1.2.1.43.10.2.1.4.1.1"
        );
    }

    #[test]
    fn drift_follows_the_step() {
        let (mib, step) = device();
        let life = oid("1.3.6.1.2.1.43.10.2.1.4.1.1");
        let level = oid("1.3.6.1.2.1.43.11.1.1.9.1.1");
        assert_eq!(mib.get(&life), Value::Counter32(1000));
        step.store(3, Ordering::Relaxed);
        let pages = Drift::new(5).pages(&mib.recording().plan, 3, 3).total;
        let pages32 = u32::try_from(pages).unwrap();
        assert_eq!(mib.get(&life), Value::Counter32(1000 + pages32));
        assert_eq!(
            mib.get(&level),
            Value::Integer(4000 - i32::try_from(pages).unwrap())
        );
        assert_eq!(
            mib.get_next(Bound::Excluded(&oid("1.3.6.1.2.1.43.10")))
                .unwrap()
                .value,
            Value::Counter32(1000 + pages32)
        );
    }
}
