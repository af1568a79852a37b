//! Signed actions run by the agent against simulated printers: a firmware upgrade reaches the
//! raw print port only after its download matched the size and SHA-256 the signed action
//! named; a tampered image never does; a kind switched off in the configuration is answered
//! "refused by policy"; `troubleshoot` and `start_managing` report what they did.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use fleetwire::agent::{Agent, AgentConfig, Step};
use fleetwire::demo;
use fleetwire::server::RemoteServices;
use fleetwire_transport::action::ActionKind;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn upgrade_only_after_the_digest_check_and_disabled_kinds_are_refused() {
    // The demo's configuration switches reboot off.
    let setup = common::demo_agent(2, |toml| toml.replace("upgrade = false\n", "")).await;
    let (base, server, dir, jobs) = (setup.base, &setup.server, &setup.dir, &setup.jobs);
    let config = Arc::clone(&setup.config);
    let device = serde_json::json!(format!("127.0.0.1:{base}"));

    let firmware: Vec<u8> = (0..50_000u32).map(|i| (i % 251) as u8).collect();
    let mut good = server.publish_file("fw-good.bin", firmware.clone());
    good["device"] = device.clone();
    // Signed arguments naming the good image's digest, but the file served has other bytes.
    let mut tampered = server.publish_file("fw-tampered.bin", firmware.clone());
    server.publish_file("fw-tampered.bin", vec![0u8; firmware.len()]);
    tampered["device"] = device.clone();
    server.queue_action(ActionKind::Upgrade, good).unwrap();
    server.queue_action(ActionKind::Upgrade, tampered).unwrap();
    server
        .queue_action(ActionKind::Reboot, serde_json::json!({ "device": device }))
        .unwrap();
    server
        .queue_action(
            ActionKind::Troubleshoot,
            serde_json::json!({ "device": device }),
        )
        .unwrap();
    server
        .queue_action(
            ActionKind::StartManaging,
            serde_json::json!({ "device": device }),
        )
        .unwrap();
    server
        .queue_action(
            ActionKind::GetStatus,
            serde_json::json!({ "device": "no-such-device" }),
        )
        .unwrap();

    let mut agent = Agent::open(config, fleetwire::agent::snmp_collector())
        .await
        .unwrap();
    let mut quiet = |_: Step| {};
    let record = agent.sync("test", &mut quiet).await.unwrap();
    assert_eq!(record.actions, 6, "{record:?}");
    let results = server.action_results();
    assert_eq!(results.len(), 6, "{results:?}");
    let by =
        |kind: ActionKind| -> Vec<_> { results.iter().filter(|r| r.kind == Some(kind)).collect() };

    let upgrades = by(ActionKind::Upgrade);
    let statuses: Vec<&str> = upgrades.iter().map(|r| r.status.as_str()).collect();
    assert_eq!(statuses, ["done", "failed"], "{upgrades:?}");
    assert!(
        upgrades[1].detail.contains("not installed"),
        "{}",
        upgrades[1].detail
    );
    // Exactly the verified image reached the print port (and nothing from the tampered one).
    let got = jobs.jobs();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0], firmware);

    assert_eq!(by(ActionKind::Reboot)[0].status, "refused_by_policy");
    let t = by(ActionKind::Troubleshoot)[0];
    assert_eq!(t.status, "done", "{t:?}");
    assert_eq!(t.output["checks"].as_array().unwrap().len(), 3);
    assert_eq!(by(ActionKind::StartManaging)[0].status, "done");
    let unknown = by(ActionKind::GetStatus)[0];
    assert_eq!(unknown.status, "failed");
    assert!(unknown.detail.contains("not known"), "{}", unknown.detail);
    // Nothing is left in flight, and the replay cache remembers every nonce.
    assert!(agent.state().in_flight.is_empty());
    let cache = std::fs::read_to_string(dir.path().join("state/replay-cache")).unwrap();
    assert_eq!(cache.lines().count(), 6);
    setup.shutdown().await;
}

/// A writable printer: the system group and `prtGeneralReset.1 = notResetting(3)`, served by
/// the command responder with a read-write community.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reboot_sets_prt_general_reset() {
    use fleetwire_snmp::crypto::RustCrypto;
    use fleetwire_snmp::responder::server::ServerHandle;
    use fleetwire_snmp::responder::{MibTree, Responder};
    use fleetwire_snmp::{Oid, Value};

    let reset: Oid<'static> = "1.3.6.1.2.1.43.5.1.1.3.1".parse().unwrap();
    let mut tree: MibTree = [
        (
            "1.3.6.1.2.1.1.1.0".parse().unwrap(),
            Value::OctetString(b"Writable test printer"[..].into()),
        ),
        (
            "1.3.6.1.2.1.1.2.0".parse().unwrap(),
            Value::ObjectIdentifier("1.3.6.1.4.1.32473.9".parse().unwrap()),
        ),
        ("1.3.6.1.2.1.1.3.0".parse().unwrap(), Value::TimeTicks(42)),
        (reset.clone(), Value::Integer(3)),
        (
            "1.3.6.1.2.1.43.5.1.1.17.1".parse().unwrap(),
            Value::OctetString(b"RW0001"[..].into()),
        ),
    ]
    .into_iter()
    .collect();
    tree = tree.writable(true);
    let mut responder = Responder::new(Arc::new(RustCrypto::new()));
    responder
        .mib_mut()
        .register("1.3".parse().unwrap(), tree)
        .unwrap();
    responder
        .allow_community(b"private", "1.3".parse().unwrap(), true)
        .unwrap();
    let printer = ServerHandle::bind(&["127.0.0.1:0".parse().unwrap()], responder)
        .await
        .unwrap();
    let addr = printer.local_addrs()[0];

    let server = RemoteServices::start().unwrap();
    let dir = tempfile::tempdir().unwrap();
    server.write_agent_files(dir.path(), "t").unwrap();
    let toml = format!(
        "[targets]\nhosts = [\"{addr}\"]\ntimeout_ms = 500\n[[credentials]]\nversion = \"2c\"\ncommunity = \"private\"\n{}\n[agent]\nstate_dir = \"state\"\n",
        demo::server_section(&server)
    );
    let config = Arc::new(AgentConfig::parse(&toml, dir.path()).unwrap());
    server
        .queue_action(
            ActionKind::Reboot,
            serde_json::json!({ "device": "RW0001" }),
        )
        .unwrap();
    let mut agent = Agent::open(config, fleetwire::agent::snmp_collector())
        .await
        .unwrap();
    let mut quiet = |_: Step| {};
    let record = agent.sync("test", &mut quiet).await.unwrap();
    assert_eq!(record.collected, 1, "{record:?}");
    let results = server.action_results();
    assert_eq!(results[0].status, "done", "{results:?}");
    let value = printer
        .responder()
        .lock()
        .unwrap()
        .mib()
        .handler::<MibTree>(&"1.3".parse().unwrap())
        .unwrap()
        .value(&reset)
        .cloned();
    assert_eq!(value, Some(Value::Integer(4)), "powerCycleReset");
    printer.shutdown().await;
}
