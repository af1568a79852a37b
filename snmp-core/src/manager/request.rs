//! The requests a manager sends, and how a tooBig answer is recovered from.

use alloc::vec::Vec;

use crate::oid::Oid;
use crate::pdu::{BulkPdu, GenericPdu, Pdu, PduType, VarBind};

use super::Error;

/// One request to a target.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Request {
    /// GetRequest for these OIDs.
    Get(Vec<Oid<'static>>),
    /// GetNextRequest for these OIDs.
    GetNext(Vec<Oid<'static>>),
    /// GetBulkRequest (SNMPv2c and SNMPv3).
    GetBulk {
        /// `non-repeaters`: how many of the first OIDs get one successor each.
        non_repeaters: u32,
        /// `max-repetitions`: how many successors each remaining OID gets.
        max_repetitions: u32,
        /// The OIDs.
        oids: Vec<Oid<'static>>,
    },
    /// SetRequest with these varbinds.
    Set(Vec<VarBind<'static>>),
    /// InformRequest (SNMPv2c and SNMPv3) with these varbinds: `sysUpTime.0` and
    /// `snmpTrapOID.0` first (see [`crate::notification::originator::inform_request`]). The
    /// receiver of an Inform is authoritative, so SNMPv3 discovers it like an agent.
    Inform(Vec<VarBind<'static>>),
}

impl Request {
    /// The PDU type sent.
    pub fn pdu_type(&self) -> PduType {
        match self {
            Self::Get(_) => PduType::GetRequest,
            Self::GetNext(_) => PduType::GetNextRequest,
            Self::GetBulk { .. } => PduType::GetBulkRequest,
            Self::Set(_) => PduType::SetRequest,
            Self::Inform(_) => PduType::InformRequest,
        }
    }

    /// The OIDs of the request's varbinds, in order.
    pub fn oids(&self) -> Vec<Oid<'static>> {
        match self {
            Self::Get(oids) | Self::GetNext(oids) | Self::GetBulk { oids, .. } => oids.clone(),
            Self::Set(vbs) | Self::Inform(vbs) => vbs.iter().map(|vb| vb.name.clone()).collect(),
        }
    }

    /// The PDU with `request_id` (values NULL except for SET), borrowing the request's OIDs.
    pub fn to_pdu(&self, request_id: i32) -> Pdu<'_> {
        fn nulls<'a>(oids: &'a [Oid<'static>]) -> Vec<VarBind<'a>> {
            oids.iter().map(|o| VarBind::null(o.borrowed())).collect()
        }
        match self {
            Self::Get(oids) => Pdu::GetRequest(GenericPdu::new(request_id, nulls(oids))),
            Self::GetNext(oids) => Pdu::GetNextRequest(GenericPdu::new(request_id, nulls(oids))),
            Self::GetBulk {
                non_repeaters,
                max_repetitions,
                oids,
            } => Pdu::GetBulkRequest(BulkPdu {
                request_id,
                non_repeaters: *non_repeaters,
                max_repetitions: *max_repetitions,
                varbinds: nulls(oids).into(),
            }),
            Self::Set(vbs) => Pdu::SetRequest(GenericPdu::new(
                request_id,
                vbs.iter().map(VarBind::borrowed).collect::<Vec<_>>(),
            )),
            Self::Inform(vbs) => Pdu::InformRequest(GenericPdu::new(
                request_id,
                vbs.iter().map(VarBind::borrowed).collect::<Vec<_>>(),
            )),
        }
    }

    /// The smaller requests to send instead after a tooBig answer: a GET or GETNEXT of
    /// several OIDs splits into two halves (whose answers, concatenated, answer the
    /// original); a GETBULK keeps its OIDs with max-repetitions halved. A SET (which must
    /// stay atomic), an Inform (one notification), a single-OID GET and a GETBULK at
    /// max-repetitions 1 cannot shrink: [`Error::TooBig`].
    pub fn split_for_too_big(&self) -> Result<Vec<Request>, Error> {
        match self {
            Self::Get(oids) | Self::GetNext(oids) if oids.len() > 1 => {
                let (a, b) = oids.split_at(oids.len() / 2);
                let make = |part: &[Oid<'static>]| match self {
                    Self::Get(_) => Self::Get(part.to_vec()),
                    _ => Self::GetNext(part.to_vec()),
                };
                Ok(alloc::vec![make(a), make(b)])
            }
            Self::GetBulk {
                non_repeaters,
                max_repetitions,
                oids,
            } if *max_repetitions > 1 => Ok(alloc::vec![Self::GetBulk {
                non_repeaters: *non_repeaters,
                max_repetitions: max_repetitions / 2,
                oids: oids.clone(),
            }]),
            _ => Err(Error::TooBig),
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn oids(n: u32) -> Vec<Oid<'static>> {
        (1..=n)
            .map(|i| Oid::from_arcs(&[1, 3, 6, i]).unwrap())
            .collect()
    }

    #[test]
    fn too_big_splits_gets_and_halves_bulk() {
        let parts = Request::Get(oids(5)).split_for_too_big().unwrap();
        assert_eq!(
            parts,
            [Request::Get(oids(2)), Request::Get(oids(5)[2..].to_vec())]
        );
        assert_eq!(
            Request::Get(oids(1)).split_for_too_big(),
            Err(Error::TooBig)
        );
        let bulk = Request::GetBulk {
            non_repeaters: 0,
            max_repetitions: 25,
            oids: oids(1),
        };
        match &bulk.split_for_too_big().unwrap()[..] {
            [
                Request::GetBulk {
                    max_repetitions, ..
                },
            ] => assert_eq!(*max_repetitions, 12),
            other => panic!("{other:?}"),
        }
        let set = Request::Set(vec![VarBind::null(oids(1)[0].clone())]);
        assert_eq!(set.split_for_too_big(), Err(Error::TooBig));
    }
}
