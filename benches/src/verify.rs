//! Verification run before any timing.
//!
//! For every (library, scenario, operation):
//! * decode: the collected result must equal the fixture's expected
//!   description, and the timed digest path must return the expected digest;
//! * encode: the bytes must equal the fixture's wire bytes exactly (all
//!   fixtures are DER, which every encoder here produces for these values).
//!
//! Pairs the adapter reports as unsupported, and pairs listed in
//! [`KNOWN_LIMITATIONS`] that fail as expected, are recorded as
//! "unsupported" and never timed. Any other failure is an error (the bench
//! aborts) and so is a known limitation that no longer fails (so the table
//! stays true when a peer is upgraded).

use std::fmt;

use crate::fixtures::{Fixture, ScenarioId};
use crate::{LibraryId, PeerError};

/// Benchmarked operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Op {
    /// Wire bytes to values.
    Decode,
    /// Native message to wire bytes.
    Encode,
}

impl Op {
    /// Both operations.
    pub const ALL: [Op; 2] = [Op::Decode, Op::Encode];

    /// `"decode"` / `"encode"` (criterion group prefix).
    pub fn name(self) -> &'static str {
        match self {
            Op::Decode => "decode",
            Op::Encode => "encode",
        }
    }
}

/// A peer limitation we know of, which is expected to make verification fail.
#[derive(Debug, Clone, Copy)]
pub struct KnownLimitation {
    /// Library.
    pub library: LibraryId,
    /// Scenario.
    pub scenario: ScenarioId,
    /// Operation.
    pub op: Op,
    /// Why.
    pub reason: &'static str,
}

/// Limitations that show up as *wrong output* (rather than an adapter saying
/// "unsupported"). Each entry must actually fail, or verification errors.
pub const KNOWN_LIMITATIONS: &[KnownLimitation] = &[KnownLimitation {
    library: LibraryId::Snmp2,
    scenario: ScenarioId::V2cMixed20,
    op: Op::Encode,
    reason: "snmp2 encodes Counter64 >= 2^63 as a negative INTEGER (casts u64 to i64)",
}];

/// Outcome of verifying one triple.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Status {
    /// Correct; will be timed.
    Verified,
    /// Cannot do it (reason); not timed.
    Unsupported(String),
    /// Adapter not written yet (fleetwire); not timed.
    Pending(String),
}

impl Status {
    /// Whether this triple is benchmarked.
    pub fn is_verified(&self) -> bool {
        matches!(self, Status::Verified)
    }

    /// Short label for tables.
    pub fn label(&self) -> &'static str {
        match self {
            Status::Verified => "ok",
            Status::Unsupported(_) => "unsupported",
            Status::Pending(_) => "pending",
        }
    }
}

/// Verification result of one triple.
#[derive(Debug, Clone)]
pub struct Check {
    /// Library.
    pub library: LibraryId,
    /// Scenario.
    pub scenario: ScenarioId,
    /// Operation.
    pub op: Op,
    /// Outcome.
    pub status: Status,
}

impl fmt::Display for Check {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{} {:<12} {}",
            self.op.name(),
            self.scenario.slug(),
            self.library.name(),
            self.status.label()
        )?;
        match &self.status {
            Status::Unsupported(r) | Status::Pending(r) => write!(f, ": {r}"),
            Status::Verified => Ok(()),
        }
    }
}

/// Checks one decode, without applying [`KNOWN_LIMITATIONS`].
pub fn check_decode(library: LibraryId, fixture: &Fixture) -> Result<(), PeerError> {
    let decoded = library.decode(fixture)?;
    if let Some(diff) = decoded.diff(&fixture.expected) {
        return Err(PeerError::Failed(format!("decoded values differ:\n{diff}")));
    }
    let digest = (library.digest_fn())(fixture)?;
    if digest != fixture.expected_digest {
        return Err(PeerError::Failed(format!(
            "timed path digest {digest:#x} != expected {:#x}",
            fixture.expected_digest
        )));
    }
    Ok(())
}

/// Checks one encode, without applying [`KNOWN_LIMITATIONS`].
pub fn check_encode(library: LibraryId, fixture: &Fixture) -> Result<(), PeerError> {
    let mut enc = library.prepare_encode(fixture)?;
    let bytes = enc.encode_vec()?;
    let len = enc.encode_len()?;
    if bytes != fixture.wire {
        let at = bytes
            .iter()
            .zip(&fixture.wire)
            .position(|(a, b)| a != b)
            .unwrap_or(bytes.len().min(fixture.wire.len()));
        let window = |b: &[u8]| {
            let end = (at + 12).min(b.len());
            b.get(at.saturating_sub(4)..end)
                .map(hex)
                .unwrap_or_default()
        };
        return Err(PeerError::Failed(format!(
            "encoded bytes differ from the fixture: {} vs {} bytes, first difference at offset {at}: got [{}], want [{}]",
            bytes.len(),
            fixture.wire.len(),
            window(&bytes),
            window(&fixture.wire),
        )));
    }
    if len != bytes.len() {
        return Err(PeerError::Failed(format!(
            "encode_len {len} != encoded length {}",
            bytes.len()
        )));
    }
    Ok(())
}

fn hex(b: &[u8]) -> String {
    b.iter()
        .map(|x| format!("{x:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// Verifies one triple and applies [`KNOWN_LIMITATIONS`].
pub fn verify_one(library: LibraryId, fixture: &Fixture, op: Op) -> Result<Check, String> {
    let raw = match op {
        Op::Decode => check_decode(library, fixture),
        Op::Encode => check_encode(library, fixture),
    };
    let known = KNOWN_LIMITATIONS
        .iter()
        .find(|k| k.library == library && k.scenario == fixture.id && k.op == op);
    let status = match (raw, known) {
        (Ok(()), None) => Status::Verified,
        (Ok(()), Some(k)) => {
            return Err(format!(
                "{}/{} {}: listed in KNOWN_LIMITATIONS ({}) but now verifies; remove the entry",
                op.name(),
                fixture.id.slug(),
                library.name(),
                k.reason
            ));
        }
        (Err(PeerError::Unsupported(r)), _) => Status::Unsupported(r),
        (Err(PeerError::Pending(r)), _) => Status::Pending(r),
        (Err(PeerError::Failed(e)), Some(k)) => {
            Status::Unsupported(format!("{} (observed: {})", k.reason, first_line(&e)))
        }
        (Err(PeerError::Failed(e)), None) => {
            return Err(format!(
                "{}/{} {}: verification FAILED: {e}",
                op.name(),
                fixture.id.slug(),
                library.name()
            ));
        }
    };
    Ok(Check {
        library,
        scenario: fixture.id,
        op,
        status,
    })
}

fn first_line(s: &str) -> &str {
    s.lines().next().unwrap_or_default()
}

/// Verifies every (library, scenario, operation). On error, returns every
/// unexpected failure.
pub fn verify_all(fixtures: &[Fixture]) -> Result<Vec<Check>, String> {
    let mut checks = Vec::new();
    let mut errors = Vec::new();
    for op in Op::ALL {
        for fixture in fixtures {
            for library in LibraryId::ALL {
                match verify_one(library, fixture, op) {
                    Ok(c) => checks.push(c),
                    Err(e) => errors.push(e),
                }
            }
        }
    }
    if errors.is_empty() {
        Ok(checks)
    } else {
        Err(errors.join("\n"))
    }
}

/// The verification matrix as JSON (read by `bench-report`).
pub fn to_json(checks: &[Check]) -> serde_json::Value {
    let rows: Vec<serde_json::Value> = checks
        .iter()
        .map(|c| {
            let reason = match &c.status {
                Status::Verified => None,
                Status::Unsupported(r) | Status::Pending(r) => Some(r.clone()),
            };
            serde_json::json!({
                "library": c.library.name(),
                "scenario": c.scenario.slug(),
                "op": c.op.name(),
                "status": c.status.label(),
                "reason": reason,
                "note": c.library.note(c.op),
            })
        })
        .collect();
    serde_json::Value::Array(rows)
}

#[cfg(test)]
mod tests {
    #![allow(
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::indexing_slicing,
        clippy::panic
    )]
    use super::*;

    #[test]
    fn every_peer_verifies_or_is_known_unsupported() {
        let fixtures = Fixture::all().unwrap();
        let checks = verify_all(&fixtures).unwrap_or_else(|e| panic!("{e}"));
        for c in &checks {
            println!("{c}");
        }
        assert_eq!(checks.len(), 2 * fixtures.len() * LibraryId::ALL.len());
    }

    /// zeroDotZero (`0.0`, encoded as the single content octet 0x00) is a
    /// common SNMP value. asn1-rs, which snmp-parser and snmp2 use for OIDs,
    /// iterates it as the single arc `0`; that is why no fixture contains it
    /// (it would make both peers unsupported for a whole scenario). If this
    /// test starts failing, asn1-rs was fixed and a fixture may use `0.0`.
    #[test]
    fn asn1_rs_based_peers_read_zero_dot_zero_as_zero() {
        use crate::normalized::NormalizedValue;
        let mut spec = Fixture::build(ScenarioId::V2cGet1).unwrap().spec;
        spec.varbinds = vec![(
            "1.3.6.1.2.1.1.2.0".to_owned(),
            NormalizedValue::Oid("0.0".to_owned()),
        )];
        let fixture = Fixture::from_spec(ScenarioId::V2cGet1, spec).unwrap();
        for library in LibraryId::ALL {
            let got = match library.decode(&fixture) {
                Ok(d) => d.varbinds[0].1.clone(),
                Err(PeerError::Pending(_)) => continue,
                Err(e) => panic!("{}: {e}", library.name()),
            };
            let want = match library {
                LibraryId::SnmpParser | LibraryId::Snmp2 => "0",
                _ => "0.0",
            };
            assert_eq!(
                got,
                NormalizedValue::Oid(want.to_owned()),
                "{}",
                library.name()
            );
        }
    }
}
