//! Walking a subtree with GETNEXT or GETBULK, sans-IO.
//!
//! [`Walk::next_request`] says what to send; [`Walk::on_response`] takes the answer and
//! returns the varbinds that belong to the subtree. The walk ends when an answer leaves the
//! subtree, at an exception (endOfMibView, noSuchObject, noSuchInstance: returned as
//! [`WalkStep::end`], since net-snmp's tools print it), or at SNMPv1's noSuchName. Agents that
//! loop are stopped: an OID equal to the previous one ([`Error::RepeatedOid`]) or before it
//! ([`Error::NotIncreasing`]) ends the walk with an error, and so does a walk returning more
//! than its limit of varbinds ([`Error::ResultLimit`]).
//!
//! ```
//! use fleetwire_snmp::manager::{Request, Response, Walk, WalkMode};
//! use fleetwire_snmp::{ErrorStatus, Value, VarBind};
//!
//! let mut walk = Walk::new("1.3.6.1.2.1.1".parse()?, WalkMode::GetNext);
//! assert_eq!(walk.next_request(), Some(Request::GetNext(vec!["1.3.6.1.2.1.1".parse()?])));
//! let answer = |oid: &str| Response {
//!     error_status: ErrorStatus::NoError,
//!     error_index: 0,
//!     varbinds: vec![VarBind::new(oid.parse().unwrap(), Value::Integer(1))],
//! };
//! let step = walk.on_response(answer("1.3.6.1.2.1.1.1.0"))?;
//! assert_eq!(step.varbinds.len(), 1);
//! // Leaving the subtree ends the walk.
//! let step = walk.on_response(answer("1.3.6.1.2.1.2.1.0"))?;
//! assert!(step.varbinds.is_empty() && walk.is_done());
//! assert_eq!(walk.next_request(), None);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use alloc::vec::Vec;

use crate::error::OidError;
use crate::oid::Oid;
use crate::pdu::{ErrorStatus, VarBind};

use super::request::Request;
use super::{Error, Response};

/// How a walk asks for the next OIDs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkMode {
    /// GETNEXT, one OID per request (`snmpwalk`).
    GetNext,
    /// GETBULK with non-repeaters 0 (`snmpbulkwalk`).
    GetBulk {
        /// max-repetitions (halved on tooBig).
        max_repetitions: u32,
    },
}

/// The varbinds one answer contributed to a walk.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WalkStep {
    /// Varbinds inside the subtree, in order.
    pub varbinds: Vec<VarBind<'static>>,
    /// The exception varbind (endOfMibView, noSuchObject, noSuchInstance) inside the subtree
    /// that ended the walk, if one did.
    pub end: Option<VarBind<'static>>,
}

/// A walk of one subtree (see the [module docs](self)).
#[derive(Debug, Clone)]
pub struct Walk {
    root: Oid<'static>,
    /// `Some(arc)` for a one-arc subtree (`.1`): BER cannot encode it, so the walk starts at
    /// `arc.0` and the subtree is every OID whose first arc is `arc`.
    first_arc: Option<u32>,
    last: Oid<'static>,
    mode: WalkMode,
    limit: usize,
    count: usize,
    done: bool,
}

impl Walk {
    /// The default result limit: ten million varbinds.
    pub const DEFAULT_LIMIT: usize = 10_000_000;

    /// A walk of the subtree under `root`.
    pub fn new(root: Oid<'static>, mode: WalkMode) -> Self {
        Self {
            last: root.clone(),
            root,
            first_arc: None,
            mode,
            limit: Self::DEFAULT_LIMIT,
            count: 0,
            done: false,
        }
    }

    /// A walk of the subtree given as arcs, which may be a single arc (net-snmp's `.1`: the
    /// walk then starts at `1.0` and covers every OID under `1`).
    pub fn subtree(arcs: &[u32], mode: WalkMode) -> Result<Self, OidError> {
        match arcs {
            [] => Err(OidError::Empty),
            [arc] => {
                let mut walk = Self::new(Oid::from_arcs(&[*arc, 0])?, mode);
                walk.first_arc = Some(*arc);
                Ok(walk)
            }
            _ => Ok(Self::new(Oid::from_arcs(arcs)?, mode)),
        }
    }

    fn in_subtree(&self, oid: &Oid<'_>) -> bool {
        match self.first_arc {
            Some(arc) => oid.arcs().next() == Some(arc),
            None => oid.starts_with(&self.root),
        }
    }

    /// Stops with [`Error::ResultLimit`] after `limit` varbinds.
    #[must_use]
    pub fn with_limit(mut self, limit: usize) -> Self {
        self.limit = limit;
        self
    }

    /// The subtree's root (`N.0` for a one-arc subtree `N`).
    pub fn root(&self) -> &Oid<'static> {
        &self.root
    }

    /// The mode (a GETBULK walk's max-repetitions after any tooBig halving).
    pub fn mode(&self) -> WalkMode {
        self.mode
    }

    /// Whether the walk is over.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// How many varbinds the walk returned so far.
    pub fn count(&self) -> usize {
        self.count
    }

    /// The request to send next, or `None` when the walk is over.
    pub fn next_request(&self) -> Option<Request> {
        if self.done {
            return None;
        }
        let oids = alloc::vec![self.last.clone()];
        Some(match self.mode {
            WalkMode::GetNext => Request::GetNext(oids),
            WalkMode::GetBulk { max_repetitions } => Request::GetBulk {
                non_repeaters: 0,
                max_repetitions,
                oids,
            },
        })
    }

    /// The agent answered tooBig: a GETBULK walk halves max-repetitions; a GETNEXT walk
    /// cannot shrink ([`Error::TooBig`]).
    pub fn on_too_big(&mut self) -> Result<(), Error> {
        match &mut self.mode {
            WalkMode::GetBulk { max_repetitions } if *max_repetitions > 1 => {
                *max_repetitions /= 2;
                Ok(())
            }
            _ => Err(Error::TooBig),
        }
    }

    /// Takes the answer to [`next_request`](Self::next_request).
    pub fn on_response(&mut self, response: Response) -> Result<WalkStep, Error> {
        let mut step = WalkStep::default();
        match response.error_status {
            ErrorStatus::NoError => {}
            // SNMPv1's end of the MIB view.
            ErrorStatus::NoSuchName => {
                self.done = true;
                return Ok(step);
            }
            ErrorStatus::TooBig => {
                self.on_too_big()?;
                return Ok(step);
            }
            status => {
                self.done = true;
                let oid = Some(self.last.clone());
                return Err(Error::ErrorStatus {
                    status,
                    index: response.error_index,
                    oid,
                });
            }
        }
        if response.varbinds.is_empty() {
            self.done = true;
        }
        for vb in response.varbinds {
            if !self.in_subtree(&vb.name) {
                self.done = true;
                break;
            }
            if vb.value.is_exception() {
                self.done = true;
                step.end = Some(vb);
                break;
            }
            match vb.name.cmp(&self.last) {
                core::cmp::Ordering::Greater => {}
                core::cmp::Ordering::Equal => {
                    self.done = true;
                    return Err(Error::RepeatedOid(vb.name));
                }
                core::cmp::Ordering::Less => {
                    self.done = true;
                    return Err(Error::NotIncreasing {
                        previous: self.last.clone(),
                        next: vb.name,
                    });
                }
            }
            if self.count >= self.limit {
                self.done = true;
                return Err(Error::ResultLimit(self.limit));
            }
            self.count += 1;
            self.last = vb.name.clone();
            step.varbinds.push(vb);
        }
        Ok(step)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;
    use crate::value::Value;

    fn answer(oids: &[&str], value: Value<'static>) -> Response {
        Response {
            error_status: ErrorStatus::NoError,
            error_index: 0,
            varbinds: oids
                .iter()
                .map(|o| VarBind::new(o.parse().unwrap(), value.clone()))
                .collect(),
        }
    }

    #[test]
    fn bulk_walk_to_end_of_mib() {
        let mut walk = Walk::new(
            "1.3".parse().unwrap(),
            WalkMode::GetBulk { max_repetitions: 3 },
        );
        let step = walk
            .on_response(answer(&["1.3.1", "1.3.2", "1.3.3"], Value::Integer(1)))
            .unwrap();
        assert_eq!(step.varbinds.len(), 3);
        assert_eq!(
            walk.next_request(),
            Some(Request::GetBulk {
                non_repeaters: 0,
                max_repetitions: 3,
                oids: vec!["1.3.3".parse().unwrap()]
            })
        );
        let mut last = answer(&["1.3.4"], Value::Integer(1));
        last.varbinds
            .push(VarBind::new("1.3.4".parse().unwrap(), Value::EndOfMibView));
        let step = walk.on_response(last).unwrap();
        assert_eq!(step.varbinds.len(), 1);
        assert_eq!(step.end.unwrap().value, Value::EndOfMibView);
        assert!(walk.is_done());
        assert_eq!(walk.count(), 4);
    }

    #[test]
    fn one_arc_subtree() {
        let mut walk = Walk::subtree(&[1], WalkMode::GetNext).unwrap();
        assert_eq!(walk.root(), &"1.0".parse::<Oid<'_>>().unwrap());
        let step = walk
            .on_response(answer(&["1.3.6.1.2.1.1.1.0"], Value::Null))
            .unwrap();
        assert_eq!(step.varbinds.len(), 1);
        walk.on_response(answer(&["2.1"], Value::Null)).unwrap();
        assert!(walk.is_done());
        assert!(Walk::subtree(&[], WalkMode::GetNext).is_err());
    }

    #[test]
    fn safeguards() {
        let mut walk = Walk::new("1.3".parse().unwrap(), WalkMode::GetNext);
        walk.on_response(answer(&["1.3.5"], Value::Null)).unwrap();
        assert_eq!(
            walk.on_response(answer(&["1.3.5"], Value::Null)),
            Err(Error::RepeatedOid("1.3.5".parse().unwrap()))
        );
        let mut walk = Walk::new("1.3".parse().unwrap(), WalkMode::GetNext);
        walk.on_response(answer(&["1.3.5"], Value::Null)).unwrap();
        assert!(matches!(
            walk.on_response(answer(&["1.3.4.9"], Value::Null)),
            Err(Error::NotIncreasing { .. })
        ));
        let mut walk = Walk::new(
            "1.3".parse().unwrap(),
            WalkMode::GetBulk { max_repetitions: 8 },
        )
        .with_limit(2);
        assert_eq!(
            walk.on_response(answer(&["1.3.1", "1.3.2", "1.3.3"], Value::Null)),
            Err(Error::ResultLimit(2))
        );
        let mut walk = Walk::new(
            "1.3".parse().unwrap(),
            WalkMode::GetBulk { max_repetitions: 8 },
        );
        let mut too_big = answer(&[], Value::Null);
        too_big.error_status = ErrorStatus::TooBig;
        walk.on_response(too_big).unwrap();
        assert_eq!(walk.mode(), WalkMode::GetBulk { max_repetitions: 4 });
        let mut v1_end = answer(&["1.3"], Value::Null);
        v1_end.error_status = ErrorStatus::NoSuchName;
        assert_eq!(walk.on_response(v1_end), Ok(WalkStep::default()));
        assert!(walk.is_done());
    }
}
