//! A fleet larger than one package holds is uploaded as several packages, each within the
//! limits the server's package reader keeps (found by the 2,000-device sync bench: a single
//! package of 2,002 entries was refused by the intake's 1,000-entry limit).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::BTreeSet;
use std::sync::Arc;

use fleetwire::agent::{Agent, AgentConfig, Step};
use fleetwire::demo;
use fleetwire::server::RemoteServices;
use fleetwire_payload::PayloadKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_over_devices_per_package_goes_as_several_packages() {
    let (fleets, base) = demo::start_fleets(5).await.unwrap();
    let (print_addr, _jobs, _task) = demo::print_listener().await.unwrap();
    let server = RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    server.write_agent_files(dir.path(), "t").unwrap();
    let toml = demo::demo_config_toml(base, 5, print_addr.port(), &server).replace(
        "[agent]\nstate_dir = \"state\"\n",
        "[agent]\nstate_dir = \"state\"\ndevices_per_package = 2\n",
    );
    assert!(toml.contains("devices_per_package = 2"), "{toml}");
    std::fs::write(dir.path().join("agent.toml"), toml).unwrap();
    let config = Arc::new(AgentConfig::load(&dir.path().join("agent.toml")).unwrap());
    let mut agent = Agent::open(config, fleetwire::agent::snmp_collector())
        .await
        .unwrap();
    let mut quiet = |_: Step| {};
    let record = agent.sync("test", &mut quiet).await.unwrap();
    assert_eq!(record.collected, 5, "{record:?}");
    assert_eq!(record.pending, 0, "{record:?}");
    assert_eq!(record.uploaded, 3, "{record:?}");

    assert!(server.rejected().is_empty(), "{:?}", server.rejected());
    let packages = server.accepted();
    assert_eq!(packages.len(), 3);
    let is_device = |k: PayloadKind| matches!(k, PayloadKind::Office | PayloadKind::Production);
    let mut per_package = Vec::new();
    for p in &packages {
        let devices: Vec<_> = p.documents.iter().filter(|d| is_device(d.kind)).collect();
        per_package.push(devices.len());
        // Every package stands on its own: the agent document lists exactly its devices.
        let agents: Vec<_> = p
            .documents
            .iter()
            .filter(|d| d.kind == PayloadKind::Agent)
            .collect();
        assert_eq!(agents.len(), 1, "{:?}", p.documents);
        let listed: BTreeSet<&String> = agents[0].devices.iter().collect();
        let sent: BTreeSet<&String> = devices.iter().flat_map(|d| d.devices.iter()).collect();
        assert_eq!(listed, sent);
    }
    per_package.sort_unstable();
    assert_eq!(per_package, [1, 2, 2]);
    for f in fleets {
        f.shutdown().await;
    }
}
