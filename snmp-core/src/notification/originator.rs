//! What a notification originator (RFC 3413 section 3.2) puts on the wire.
//!
//! Every SNMPv2 notification (SNMPv2-Trap-PDU and InformRequest-PDU, in v2c or v3) starts
//! with `sysUpTime.0` (TimeTicks) and `snmpTrapOID.0` (OBJECT IDENTIFIER), in that order
//! (RFC 3416 sections 4.2.6 and 4.2.7); [`notification_varbinds`] builds that list and the
//! PDU builders use it. The SNMPv1 Trap-PDU carries the same information in its own header
//! fields ([`v1_trap_pdu`]).
//!
//! Wrapping the PDU is the caller's choice: [`Message::V1`](crate::Message::V1) /
//! [`Message::V2c`](crate::Message::V2c) with a community; an SNMPv3 Trap with
//! [`LocalEngine::encode_notification`](crate::usm::LocalEngine::encode_notification) (our
//! engine ID, boots and time); an Inform, a confirmed request, as the manager's
//! [`Request::Inform`] ([`inform_request`]), which for SNMPv3 discovers the receiver's engine
//! first.
//!
//! ```
//! use fleetwire_snmp::notification::{originator, NotificationBody};
//! use fleetwire_snmp::{Pdu, Value};
//!
//! let body = NotificationBody::new(100, "1.3.6.1.6.3.1.1.5.1".parse()?, vec![]);
//! let pdu = originator::inform_pdu(7, &body);
//! let Pdu::InformRequest(p) = &pdu else { unreachable!() };
//! let names: Vec<String> = p.varbinds.iter().map(|vb| vb.name.to_string()).collect();
//! assert_eq!(names, ["1.3.6.1.2.1.1.3.0", "1.3.6.1.6.3.1.1.4.1.0"]);
//! assert_eq!(p.varbinds.iter().next().unwrap().value, Value::TimeTicks(100));
//! # Ok::<(), fleetwire_snmp::OidError>(())
//! ```

use alloc::vec::Vec;

use super::{NotificationBody, V1Trap, snmp_trap_oid_0, sys_uptime_0};
use crate::manager::Request;
use crate::oid::Oid;
use crate::pdu::{GenericPdu, Pdu, TrapPdu, VarBind, VarBindList};
use crate::value::Value;

/// The varbind list of an SNMPv2 notification: `sysUpTime.0 = uptime`,
/// `snmpTrapOID.0 = trap_oid`, then `rest`.
pub fn notification_varbinds<'a>(
    uptime: u32,
    trap_oid: Oid<'a>,
    rest: impl IntoIterator<Item = VarBind<'a>>,
) -> VarBindList<'a> {
    let head = [
        VarBind::new(sys_uptime_0(), Value::TimeTicks(uptime)),
        VarBind::new(snmp_trap_oid_0(), Value::ObjectIdentifier(trap_oid)),
    ];
    head.into_iter().chain(rest).collect()
}

fn body_varbinds(body: &NotificationBody) -> VarBindList<'_> {
    notification_varbinds(
        body.uptime,
        body.trap_oid.borrowed(),
        body.varbinds.iter().map(VarBind::borrowed),
    )
}

/// An SNMPv2-Trap-PDU for `body`, with `sysUpTime.0` and `snmpTrapOID.0` first.
pub fn trap_pdu(request_id: i32, body: &NotificationBody) -> Pdu<'_> {
    Pdu::SnmpV2Trap(GenericPdu::new(request_id, body_varbinds(body)))
}

/// An InformRequest-PDU for `body`, with `sysUpTime.0` and `snmpTrapOID.0` first.
pub fn inform_pdu(request_id: i32, body: &NotificationBody) -> Pdu<'_> {
    Pdu::InformRequest(GenericPdu::new(request_id, body_varbinds(body)))
}

/// The Inform for `body` as a manager request (sent with retries, acknowledgement matching,
/// and SNMPv3 discovery by the manager's [`Exchange`](crate::manager::Exchange)).
pub fn inform_request(body: &NotificationBody) -> Request {
    Request::Inform(body_varbinds(body).to_vec())
}

/// An SNMPv1 Trap-PDU: the header fields of `trap`, `time_stamp` (the sender's sysUpTime)
/// and the varbinds.
pub fn v1_trap_pdu<'a>(
    trap: &'a V1Trap,
    time_stamp: u32,
    varbinds: impl IntoIterator<Item = VarBind<'a>>,
) -> Pdu<'a> {
    Pdu::Trap(TrapPdu {
        enterprise: trap.enterprise.borrowed(),
        agent_addr: trap.agent_addr,
        generic_trap: trap.generic_trap,
        specific_trap: trap.specific_trap,
        time_stamp,
        varbinds: varbinds.into_iter().collect::<Vec<_>>().into(),
    })
}
