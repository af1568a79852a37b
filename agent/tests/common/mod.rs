//! Shared helpers for the integration tests: running the binary, and a small pcapng / classic
//! pcap writer for fixtures the library's writer does not produce (other byte orders, link
//! types, block types).
#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::{Command, Output};

use fleetwire::pcap::udp_packet;
use serde_json::Value;

/// Runs the built `fleetwire` binary.
pub(crate) fn fleetwire(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetwire"))
        .args(args)
        .output()
        .expect("run fleetwire")
}

pub(crate) fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("UTF-8 stdout")
}

pub(crate) fn stderr(out: &Output) -> String {
    String::from_utf8(out.stderr.clone()).expect("UTF-8 stderr")
}

/// Every stdout line parsed as one JSON value (the `--json` contract: one object per line).
pub(crate) fn json_lines(out: &Output) -> Vec<Value> {
    stdout(out)
        .lines()
        .map(|l| {
            let v: Value = serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}"));
            assert!(v.is_object(), "not an object: {l}");
            v
        })
        .collect()
}

/// A unique path in Cargo's per-target temp dir.
pub(crate) fn temp_path(name: &str) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR"));
    dir.join(format!("fleetwire-{}-{name}", std::process::id()))
}

pub(crate) fn write_temp(name: &str, bytes: &[u8]) -> PathBuf {
    let path = temp_path(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

pub(crate) fn addr(s: &str) -> SocketAddr {
    s.parse().unwrap()
}

/// A raw IP + UDP packet from the library's builder.
pub(crate) fn ip_udp(src: &str, dst: &str, payload: &[u8]) -> Vec<u8> {
    udp_packet(addr(src), addr(dst), payload).unwrap()
}

fn ethertype_of(ip: &[u8]) -> [u8; 2] {
    if ip[0] >> 4 == 6 {
        [0x86, 0xdd]
    } else {
        [0x08, 0x00]
    }
}

/// An Ethernet frame with the given number of 802.1Q tags.
pub(crate) fn ethernet(ip: &[u8], vlan_tags: usize) -> Vec<u8> {
    let mut f = vec![0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2];
    for i in 0..vlan_tags {
        f.extend_from_slice(if i == 0 && vlan_tags == 2 {
            &[0x88, 0xa8]
        } else {
            &[0x81, 0x00]
        });
        f.extend_from_slice(&[0x00, 0x0a]);
    }
    f.extend_from_slice(&ethertype_of(ip));
    f.extend_from_slice(ip);
    f
}

/// A BSD loopback frame, family in the given byte order.
pub(crate) fn null_loopback(ip: &[u8], big_endian: bool) -> Vec<u8> {
    let family: u32 = if ip[0] >> 4 == 6 { 30 } else { 2 };
    let mut f = if big_endian {
        family.to_be_bytes()
    } else {
        family.to_le_bytes()
    }
    .to_vec();
    f.extend_from_slice(ip);
    f
}

/// A Linux cooked v1 frame.
pub(crate) fn sll(ip: &[u8]) -> Vec<u8> {
    let mut f = vec![0, 0, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0];
    f.extend_from_slice(&ethertype_of(ip));
    f.extend_from_slice(ip);
    f
}

/// A Linux cooked v2 frame.
pub(crate) fn sll2(ip: &[u8]) -> Vec<u8> {
    let mut f = ethertype_of(ip).to_vec();
    f.extend_from_slice(&[0, 0, 0, 0, 0, 1, 0x03, 0x04, 0, 6, 0, 0, 0, 0, 0, 0, 0, 0]);
    f.extend_from_slice(ip);
    f
}

/// A pcapng writer: sections in either byte order, interfaces, EPB/SPB/PB and other blocks.
pub(crate) struct PcapNg {
    big: bool,
    buf: Vec<u8>,
}

impl PcapNg {
    pub(crate) fn new(big: bool) -> Self {
        let mut w = Self {
            big,
            buf: Vec::new(),
        };
        w.section(big);
        w
    }

    fn u16(&self, v: u16) -> [u8; 2] {
        if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    fn u32(&self, v: u32) -> [u8; 4] {
        if self.big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    }

    pub(crate) fn block(&mut self, block_type: u32, body: &[u8]) {
        let padded = body.len().next_multiple_of(4);
        let total = u32::try_from(12 + padded).unwrap();
        let (t, len) = (self.u32(block_type), self.u32(total));
        self.buf.extend_from_slice(&t);
        self.buf.extend_from_slice(&len);
        self.buf.extend_from_slice(body);
        self.buf.resize(self.buf.len() + padded - body.len(), 0);
        self.buf.extend_from_slice(&len);
    }

    /// Starts a new section (possibly in the other byte order).
    pub(crate) fn section(&mut self, big: bool) {
        self.big = big;
        let mut body = self.u32(0x1a2b_3c4d).to_vec();
        body.extend_from_slice(&self.u16(1));
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&[0xff; 8]); // section length: unspecified
        // An shb_userappl option, to exercise option skipping in a SHB.
        body.extend_from_slice(&self.u16(4));
        body.extend_from_slice(&self.u16(9));
        body.extend_from_slice(b"fleetwire\0\0\0");
        body.extend_from_slice(&[0, 0, 0, 0]);
        self.block(0x0a0d_0d0a, &body);
    }

    pub(crate) fn interface(&mut self, link_type: u16, snaplen: u32, tsresol: Option<u8>) {
        let mut body = self.u16(link_type).to_vec();
        body.extend_from_slice(&[0, 0]);
        body.extend_from_slice(&self.u32(snaplen));
        // if_name, then if_tsresol, then opt_endofopt.
        body.extend_from_slice(&self.u16(2));
        body.extend_from_slice(&self.u16(2));
        body.extend_from_slice(b"lo\0\0");
        if let Some(r) = tsresol {
            body.extend_from_slice(&self.u16(9));
            body.extend_from_slice(&self.u16(1));
            body.extend_from_slice(&[r, 0, 0, 0]);
        }
        body.extend_from_slice(&[0, 0, 0, 0]);
        self.block(1, &body);
    }

    pub(crate) fn epb(&mut self, interface: u32, timestamp: u64, data: &[u8]) {
        let mut body = self.u32(interface).to_vec();
        body.extend_from_slice(&self.u32((timestamp >> 32) as u32));
        body.extend_from_slice(&self.u32(timestamp as u32));
        body.extend_from_slice(&self.u32(data.len() as u32));
        body.extend_from_slice(&self.u32(data.len() as u32));
        body.extend_from_slice(data);
        body.resize(body.len().next_multiple_of(4), 0);
        // An opt_comment on the packet, then the end of options.
        body.extend_from_slice(&self.u16(1));
        body.extend_from_slice(&self.u16(3));
        body.extend_from_slice(b"hi!\0");
        body.extend_from_slice(&[0, 0, 0, 0]);
        self.block(6, &body);
    }

    pub(crate) fn spb(&mut self, data: &[u8]) {
        let mut body = self.u32(data.len() as u32).to_vec();
        body.extend_from_slice(data);
        self.block(3, &body);
    }

    /// The obsolete Packet Block.
    pub(crate) fn pb(&mut self, interface: u16, timestamp: u64, data: &[u8]) {
        let mut body = self.u16(interface).to_vec();
        body.extend_from_slice(&self.u16(0));
        body.extend_from_slice(&self.u32((timestamp >> 32) as u32));
        body.extend_from_slice(&self.u32(timestamp as u32));
        body.extend_from_slice(&self.u32(data.len() as u32));
        body.extend_from_slice(&self.u32(data.len() as u32));
        body.extend_from_slice(data);
        self.block(2, &body);
    }

    pub(crate) fn finish(self) -> Vec<u8> {
        self.buf
    }
}

/// A classic pcap file in either byte order and timestamp resolution, for any link type.
pub(crate) fn classic_pcap(
    big: bool,
    nanosecond: bool,
    link_type: u32,
    frames: &[(u32, u32, &[u8])],
) -> Vec<u8> {
    let u16b = |v: u16| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32b = |v: u32| {
        if big {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let magic: u32 = if nanosecond { 0xa1b2_3c4d } else { 0xa1b2_c3d4 };
    let mut f = u32b(magic).to_vec();
    f.extend_from_slice(&u16b(2));
    f.extend_from_slice(&u16b(4));
    f.extend_from_slice(&[0; 8]);
    f.extend_from_slice(&u32b(65_535));
    f.extend_from_slice(&u32b(link_type));
    for (secs, frac, data) in frames {
        f.extend_from_slice(&u32b(*secs));
        f.extend_from_slice(&u32b(*frac));
        f.extend_from_slice(&u32b(data.len() as u32));
        f.extend_from_slice(&u32b(data.len() as u32 + 4));
        f.extend_from_slice(data);
    }
    f
}

/// The demo's pieces for an agent test in one process (see [`demo_agent`]).
pub(crate) struct DemoAgent {
    /// The simulated printers.
    pub(crate) fleets: Vec<fleetwire::simulate::fleet::Fleet>,
    /// The first printer's UDP port (the others follow).
    pub(crate) base: u16,
    /// What reached the raw print listener.
    pub(crate) jobs: fleetwire::demo::PrintJobs,
    /// The embedded remote-services server.
    pub(crate) server: fleetwire::server::RemoteServices,
    /// The agent's directory (configuration, files, state).
    pub(crate) dir: tempfile::TempDir,
    /// The loaded configuration.
    pub(crate) config: std::sync::Arc<fleetwire::agent::AgentConfig>,
    _print: tokio::task::JoinHandle<()>,
}

/// `devices` simulated printers, a raw print listener, the embedded server with the agent's
/// files in a new directory, and the demo's agent configuration for them, changed by `edit`.
pub(crate) async fn demo_agent(devices: u32, edit: impl FnOnce(String) -> String) -> DemoAgent {
    let (fleets, base) = fleetwire::demo::start_fleets(devices).await.unwrap();
    let (print_addr, jobs, print) = fleetwire::demo::print_listener().await.unwrap();
    let server = fleetwire::server::RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    server.write_agent_files(dir.path(), "t").unwrap();
    let toml = edit(fleetwire::demo::demo_config_toml(
        base,
        devices,
        print_addr.port(),
        &server,
    ));
    let path = dir.path().join("agent.toml");
    std::fs::write(&path, toml).unwrap();
    let config = std::sync::Arc::new(fleetwire::agent::AgentConfig::load(&path).unwrap());
    DemoAgent {
        fleets,
        base,
        jobs,
        server,
        dir,
        config,
        _print: print,
    }
}

impl DemoAgent {
    /// Stops the simulated printers.
    pub(crate) async fn shutdown(self) {
        for f in self.fleets {
            f.shutdown().await;
        }
    }
}
