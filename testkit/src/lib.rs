//! # fleetwire-testkit: real SNMP peers on loopback for Fleetwire's tests
//!
//! This crate is a **dev-dependency only** (`publish = false`). Integration tests
//! across the workspace use it to start *real* net-snmp peers with private
//! configurations, to capture the datagrams they exchange, and to ask
//! Wireshark's SNMP dissector (tshark) for a second opinion on bytes we
//! produce. Everything it starts listens on, and talks to, loopback only
//! (`127.0.0.1` and `[::1]`); nothing here ever addresses another host.
//!
//! | piece | what it gives a test |
//! | --- | --- |
//! | [`require_tool`] | skip (locally) or fail (in CI) when a peer binary is missing |
//! | [`free_udp_port`] | a UDP port that is free on `127.0.0.1` and `[::1]` |
//! | [`Snmpd`] | a private net-snmp agent (communities, USM users, engine ID, extra config) |
//! | [`Snmpsimd`] | a private snmpsim serving `.snmprec` recordings (community = file basename) |
//! | [`Snmptrapd`] | a private net-snmp notification receiver whose every notification is one parsed line |
//! | [`run_tool`], [`snmpget`], [`snmpbulkwalk`], [`snmptrap`], ... | net-snmp command-line tools with a timeout and an isolated environment |
//! | [`UdpRelay`] | a recording UDP forwarder between a client and a peer (capture without root) |
//! | [`UdpSink`] | a recording UDP endpoint (for example a trap target) |
//! | [`tshark_dissect`] | Wireshark's verdict on raw SNMP messages, one [`Dissection`] per message |
//! | [`parse_netsnmp_line`], [`parse_netsnmp_output`] | net-snmp's printed varbinds as structured values |
//!
//! ## Skipping versus failing
//!
//! Every test that needs a peer starts with
//!
//! ```no_run
//! if !fleetwire_testkit::require_tool("snmpd") {
//!     return; // printed "SKIPPED: snmpd not installed; run .ci/install-peers"
//! }
//! ```
//!
//! On a developer machine without the tool, the test returns early and says so
//! loudly on stderr. When the environment variable `CI` is set (non-empty), a
//! missing tool is a hard failure instead: CI (`.ci/run`, via
//! `.ci/install-peers`) must install every peer, so a skip there would hide a
//! broken setup.
//!
//! ## A complete example
//!
//! ```no_run
//! use fleetwire_testkit::{Snmpd, UdpRelay, snmpget, require_tool};
//!
//! if !require_tool("snmpd") || !require_tool("snmpget") {
//!     return;
//! }
//! let agent = Snmpd::builder().ro_community("public").start();
//! let relay = UdpRelay::start(agent.addr());
//! let out = snmpget(&["-v2c", "-c", "public", "-On", &relay.target(), "1.3.6.1.2.1.1.1.0"]);
//! assert!(out.status.success());
//! let datagrams = relay.wait_for(2, std::time::Duration::from_secs(5));
//! assert_eq!(datagrams.len(), 2); // the request and the response, as raw bytes
//! ```
//!
//! ## Failure policy
//!
//! This is test support code: when a peer cannot be started, or a deadline
//! passes, the functions panic with a message that says what was expected and
//! includes the tail of the peer's log. Functions that observe something a
//! test may want to assert on (tool output, datagrams, dissections) return it
//! instead of judging it.
#![forbid(unsafe_code)]
#![deny(missing_docs)]

mod fail;
pub mod netsnmp;
mod ports;
mod process;
pub mod relay;
pub mod snmpd;
pub mod snmpsimd;
pub mod snmptrapd;
pub mod tools;
pub mod tshark;
pub mod usm;

pub use netsnmp::{
    NETSNMP_MACHINE_OPTIONS, NetSnmpValue, NetSnmpVarBind, parse_netsnmp_line, parse_netsnmp_output,
};
pub use ports::{free_udp_port, ipv6_loopback_available};
pub use relay::{Datagram, Direction, UdpRelay, UdpSink};
pub use snmpd::{Snmpd, SnmpdBuilder};
pub use snmpsimd::Snmpsimd;
pub use snmptrapd::{Notification, Snmptrapd, SnmptrapdBuilder, V1TrapInfo};
pub use tools::{
    DEFAULT_TOOL_TIMEOUT, find_tool, require_tool, require_tools, run_tool, run_tool_with_timeout,
    snmpbulkwalk, snmpget, snmpgetnext, snmpinform, snmpset, snmptrap, snmpwalk, stderr_text,
    stdout_text,
};
pub use tshark::{
    Dissection, SEVERITY_CHAT, SEVERITY_ERROR, SEVERITY_NOTE, SEVERITY_WARN, tshark_dissect,
    write_pcap,
};
pub use usm::{
    AuthProtocol, PrivProtocol, SecurityLevel, UsmUser, matrix_users, text_engine_id_hex,
};
