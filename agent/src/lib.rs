//! # fleetwire
//!
//! The Fleetwire command-line tool (`fleetwire`) and the library behind it.
//!
//! | Module | What |
//! |---|---|
//! | [`agent`] | `fleetwire agent run / sync-now / status`: the reference agent (discovery, collection, payloads, upload, signed actions) |
//! | [`demo`] | `fleetwire demo`: simulated printers, the embedded server and the agent, end to end on loopback |
//! | [`alert`] | alerts about devices and where they go: the [`alert::AlertSink`] trait, a log sink and an SMTP sink |
//! | [`decode`] | `fleetwire decode`: SNMP messages from hex, a raw file or a pcap/pcapng capture, printed as text or JSON |
//! | [`usm`] | `fleetwire decode -u -a -A -x -X`: verifying and decrypting the SNMPv3 messages of one USM user |
//! | [`json`] | the public `decode --json` format: one [`fleetwire_snmp::Message`] as a JSON object |
//! | [`text`] | the human-readable rendering |
//! | [`pcap`] | capture reader (pcap + pcapng, link layer to UDP) and a pcap writer |
//! | [`hex`] | lenient hex parsing and lowercase hex output |
//! | [`notify`] | `fleetwire trap / inform / listen`: SNMP notifications with net-snmp's conventions |
//! | [`upload`] | `fleetwire upload enqueue / flush / status`: a durable spool uploaded over HTTPS with [`fleetwire_transport`] |
//! | [`query`] | `fleetwire get / getnext / getbulk / set / walk / bulkwalk`: net-snmp's manager commands |
//! | [`snmp_args`] | net-snmp's command-line conventions for the SNMP commands: `-v -c -u -l -a -A -x -X -e -E -n -r -t`, `HOST[:PORT]`, `-Cn/-Cr`, `OID TYPE VALUE` |
//! | [`varbind_fmt`] | varbinds printed as net-snmp's `-On` text or one JSON object per line |
//! | [`report`] | `fleetwire report --format html\|csv`: the fleet audit from collector snapshots |
//! | [`simulate`] | `fleetwire simulate`: simulated printers serving `.snmprec` recordings, with deterministic drift |
//! | [`collect`] | `fleetwire collect`: one printer read with [`fleetwire_payload::collect`], printed as a summary, the snapshot JSON or payload XML |
//! | [`payload`] | `fleetwire payload build / inspect / validate`: payload packages with [`fleetwire_payload`] |
//! | [`server`] | the embedded remote-services server (HTTPS, client certificates, payload intake, signed actions) of `fleetwire demo` and the tests |
//! | [`sample`] | the deterministic printer conversation behind `examples/data/printer-session.pcap` |
//!
//! ```
//! use fleetwire::decode::{Input, Options, run};
//!
//! let mut out = Vec::new();
//! let mut err = Vec::new();
//! let hex = "30 1c 02 01 01 04 01 70 a0 14 02 01 01 02 01 00 02 01 00 \
//!            30 09 30 07 06 03 2b 06 01 05 00".to_owned();
//! let opts = Options { json: true, lenient: false };
//! let summary = run(&Input::Hex(hex), opts, &mut out, &mut err)?;
//! assert!(summary.success());
//! let line: serde_json::Value = serde_json::from_slice(&out)?;
//! assert_eq!(line["pdu"]["type"], "GetRequest");
//! assert_eq!(line["pdu"]["varbinds"][0]["oid"], "1.3.6.1");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## Features
//!
//! The crate has no optional features: the command line needs all of it (it enables
//! `fleetwire-snmp`'s `tokio` feature).
#![forbid(unsafe_code)]
#![deny(missing_docs)]

pub mod agent;
pub mod alert;
pub mod collect;
pub mod decode;
pub mod demo;
pub mod hex;
#[doc(hidden)]
pub mod internal;
pub mod json;
pub mod notify;
pub mod payload;
pub mod pcap;
pub mod query;
pub mod report;
pub mod sample;
pub mod server;
pub mod simulate;
pub mod snmp_args;
pub mod text;
pub mod upload;
pub mod usm;
pub mod varbind_fmt;

/// The README's example, compiled and run as a doctest.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
struct ReadmeDoctest;
