//! A fleet larger than one package holds is uploaded as several packages, each within the
//! limits the server's package reader keeps (found by the 2,000-device sync bench: a single
//! package of 2,002 entries was refused by the intake's 1,000-entry limit).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::collections::BTreeSet;
use std::sync::Arc;

use fleetwire::agent::{Agent, Step};
use fleetwire_payload::PayloadKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fleet_over_devices_per_package_goes_as_several_packages() {
    let setup = common::demo_agent(5, |toml| {
        toml.replace(
            "[agent]\nstate_dir = \"state\"\n",
            "[agent]\nstate_dir = \"state\"\ndevices_per_package = 2\n",
        )
    })
    .await;
    assert_eq!(setup.config.devices_per_package, 2);
    let server = &setup.server;
    let mut agent = Agent::open(
        Arc::clone(&setup.config),
        fleetwire::agent::snmp_collector(),
    )
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
    setup.shutdown().await;
}
