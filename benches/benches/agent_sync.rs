//! The agent's whole sync at fleet scale (issue 8): discovery over a port range, collection,
//! payloads, zip, spool and upload to the embedded remote-services server, for 2,000
//! simulated printers (Xerox Device Agent's documented fleet size) and for 10,000.
//!
//! Everything runs in this process on loopback: the simulated fleet
//! ([`fleetwire::simulate::fleet`], the four fixture recordings cycled, one UDP port per
//! device), the HTTPS server ([`fleetwire::server::RemoteServices`], which validates every
//! document it receives) and the agent ([`fleetwire::agent::Agent`]) with the payload crate's
//! collector. One sync per fleet size; reported: wall time of the sync (and of its discovery
//! and collection part, read from the agent's progress), devices per second, and peak
//! memory: the process's high-water mark (`VmHWM`) and how far it rose above the resident
//! size measured after the fleet and the server started (what the agent and the server's
//! intake added).
//!
//! Run: `cargo bench -p fleetwire-benches --bench agent_sync` (2,000 and 10,000 devices), or
//! `-- --quick` for a smoke run (100 and 400), or `FLEETWIRE_SYNC_DEVICES=500,1000`. The figures
//! also go to `fleetwire-agent-sync.json` under criterion's directory, for `bench-report`.
#![forbid(unsafe_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::net::{IpAddr, Ipv4Addr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetwire::agent::{Agent, AgentConfig, Step};
use fleetwire::server::RemoteServices;
use fleetwire::simulate::fleet::{Fleet, FleetConfig, Layout};
use fleetwire_benches::{AGENT_SYNC_FILE, write_result_file};

fn proc_status_kib(field: &str) -> u64 {
    let text = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    text.lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

async fn fleet(count: u32) -> (Fleet, u16) {
    let recordings = fleetwire::demo::recordings().unwrap();
    for attempt in 0..20u32 {
        let base = 20_000 + ((std::process::id() + attempt * 2_311) % (45_000 - count)) as u16;
        let config = FleetConfig {
            recordings: recordings.clone(),
            layout: Layout::Devices {
                ip: IpAddr::V4(Ipv4Addr::LOCALHOST),
                base_port: base,
                count,
            },
            v3_users: Vec::new(),
            drift: None,
        };
        if let Ok(f) = Fleet::start(config).await {
            return (f, base);
        }
    }
    panic!("no {count} consecutive free UDP ports");
}

async fn one(count: u32) -> serde_json::Value {
    let (fleet, base) = fleet(count).await;
    let server = RemoteServices::start().unwrap();
    let dir = std::env::temp_dir().join(format!(
        "fleetwire-bench-sync-{}-{count}",
        std::process::id()
    ));
    std::fs::create_dir_all(&dir).unwrap();
    server.write_agent_files(&dir, "bench-agent").unwrap();
    let last = u32::from(base) + count - 1;
    let toml = format!(
        r#"
[targets]
ranges = ["127.0.0.1/32:{base}-{last}"]
timeout_ms = 2000
retries = 1
concurrency = 1024
[[credentials]]
version = "2c"
community = "public"
{server}
[agent]
state_dir = "state"
"#,
        server = fleetwire::demo::server_section(&server),
    );
    std::fs::write(dir.join("agent.toml"), toml).unwrap();
    let config = Arc::new(AgentConfig::load(&dir.join("agent.toml")).unwrap());
    let baseline = proc_status_kib("VmRSS:");
    let mut agent = Agent::open(config, fleetwire::agent::snmp_collector())
        .await
        .unwrap();
    let start = Instant::now();
    let mut collected_at = None;
    let mut progress = |s: Step| {
        if s == Step::Packaging && collected_at.is_none() {
            collected_at = Some(start.elapsed());
        }
    };
    let record = agent.sync("bench", &mut progress).await.unwrap();
    let wall = start.elapsed();
    let hwm = proc_status_kib("VmHWM:");
    assert_eq!(record.collected, count as usize, "{record:?}");
    assert_eq!(record.pending, 0, "{record:?}");
    let summary = server.summary();
    assert_eq!(summary.rejected, 0, "{:?}", server.rejected());
    // Device payloads (office + production): one per device (serial numbers repeat, as the
    // fleet cycles through four recordings).
    let devices: usize = ["office", "production"]
        .iter()
        .filter_map(|k| summary.documents.get(*k))
        .sum();
    assert_eq!(devices, count as usize);
    let collect = collected_at.unwrap_or(Duration::ZERO);
    println!(
        "agent_sync/{count}: wall {:.2} s (discovery + collection {:.2} s, payloads + zip + upload {:.2} s), {:.0} devices/s, {devices} device payloads accepted by the server; peak RSS {} MiB ({} MiB above the {} MiB of fleet + server before the sync)",
        wall.as_secs_f64(),
        collect.as_secs_f64(),
        (wall - collect).as_secs_f64(),
        f64::from(count) / wall.as_secs_f64(),
        hwm / 1024,
        hwm.saturating_sub(baseline) / 1024,
        baseline / 1024,
    );
    drop(agent);
    fleet.shutdown().await;
    let _ = std::fs::remove_dir_all(&dir);
    serde_json::json!({
        "devices": count,
        "wall_s": wall.as_secs_f64(),
        "collect_s": collect.as_secs_f64(),
        "devices_per_s": f64::from(count) / wall.as_secs_f64(),
        "peak_rss_kib": hwm,
        "baseline_rss_kib": baseline,
    })
}

fn main() {
    let quick = std::env::args().any(|a| a == "--quick");
    let sizes: Vec<u32> = match std::env::var("FLEETWIRE_SYNC_DEVICES") {
        Ok(v) => v.split(',').filter_map(|s| s.trim().parse().ok()).collect(),
        Err(_) if quick => vec![100, 400],
        Err(_) => vec![2_000, 10_000],
    };
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .unwrap();
    let rows: Vec<serde_json::Value> = sizes
        .into_iter()
        .map(|n| runtime.block_on(one(n)))
        .collect();
    match write_result_file(AGENT_SYNC_FILE, &serde_json::Value::Array(rows)) {
        Ok(path) => println!("wrote {}", path.display()),
        Err(e) => eprintln!("warning: {e}"),
    }
}
