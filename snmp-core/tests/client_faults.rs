//! The async manager under faults, on loopback: a silent agent (timeout after the retries,
//! every retry the same request-id), a dropped first response (the retry completes the
//! request), an answer from another address (dropped unless lenient), an agent that reboots
//! mid-session (SNMPv3 boots bump: the session resynchronises), tooBig answers (GET batches
//! split, GETBULK max-repetitions halved), and agents whose walks loop.
#![cfg(feature = "tokio")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::indexing_slicing,
    clippy::panic
)]

use std::net::{SocketAddr, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread;
use std::time::{Duration, Instant};

use fleetwire_snmp::client::{Client, PollSpec, PollTarget};
use fleetwire_snmp::crypto::RustCrypto;
use fleetwire_snmp::manager::{self, Security};
use fleetwire_snmp::usm::{AuthProtocol, LocalEngine, PrivProtocol, SecurityLevel, UsmUser};
use fleetwire_snmp::{
    CommunityMessage, ErrorStatus, GenericPdu, Message, Oid, Pdu, Value, VarBind,
};
use fleetwire_testkit as tk;

static CRYPTO: RustCrypto = RustCrypto::new();

fn oid(s: &str) -> Oid<'static> {
    s.parse().unwrap()
}

async fn client(timeout_ms: u64, retries: u32) -> Client {
    Client::builder()
        .timeout(Duration::from_millis(timeout_ms))
        .retries(retries)
        .build()
        .await
        .unwrap()
}

/// A v2c agent on loopback: `answer` turns each request PDU into the response PDU (or
/// `None`: stay silent). Answers go out from `reply_from` when given (another address).
struct FakeAgent {
    addr: SocketAddr,
    requests: Arc<Mutex<Vec<Vec<u8>>>>,
    stop: Arc<AtomicBool>,
}

impl FakeAgent {
    fn start(
        reply_from: Option<UdpSocket>,
        answer: impl Fn(&Pdu<'_>) -> Option<Pdu<'static>> + Send + 'static,
    ) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let requests: Arc<Mutex<Vec<Vec<u8>>>> = Arc::default();
        let stop = Arc::new(AtomicBool::new(false));
        let (log, halt) = (Arc::clone(&requests), Arc::clone(&stop));
        thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            while !halt.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                log.lock().unwrap().push(buf[..n].to_vec());
                let Ok(Message::V2c(req)) = Message::decode(&buf[..n]) else {
                    continue;
                };
                let Some(pdu) = answer(&req.pdu) else {
                    continue;
                };
                let msg = Message::V2c(CommunityMessage {
                    community: req.community.clone(),
                    pdu,
                });
                let out = reply_from.as_ref().unwrap_or(&socket);
                let _ = out.send_to(&msg.to_vec(), from);
            }
        });
        Self {
            addr,
            requests,
            stop,
        }
    }

    fn requests(&self) -> Vec<Vec<u8>> {
        self.requests.lock().unwrap().clone()
    }
}

impl Drop for FakeAgent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A Response echoing the request's varbinds with `value`.
fn echo(pdu: &Pdu<'_>, value: Value<'static>) -> Pdu<'static> {
    let g = pdu.generic().unwrap();
    let vbs: Vec<VarBind<'static>> = g
        .varbinds
        .iter()
        .map(|vb| VarBind::new(vb.name.into_owned(), value.clone()))
        .collect();
    Pdu::Response(GenericPdu::new(g.request_id, vbs))
}

fn request_id(pdu: &Pdu<'_>) -> i32 {
    match pdu {
        Pdu::GetBulkRequest(b) => b.request_id,
        other => other.generic().unwrap().request_id,
    }
}

#[tokio::test]
async fn silent_agent_times_out_after_retries_with_one_request_id() {
    let sink = tk::UdpSink::start();
    let client = client(100, 2).await;
    let session = client
        .session(sink.addr(), Security::v2c("public"))
        .unwrap();
    let started = Instant::now();
    let e = session.get(&[oid("1.3.6.1.2.1.1.1.0")]).await.unwrap_err();
    assert_eq!(e.snmp(), Some(&manager::Error::Timeout { attempts: 3 }));
    assert!(started.elapsed() >= Duration::from_millis(300));
    let seen = sink.wait_for(3, Duration::from_secs(1));
    assert_eq!(seen.len(), 3);
    assert!(
        seen.iter().all(|d| d.bytes == seen[0].bytes),
        "a retry keeps the request-id"
    );

    // SNMPv3: the discovery probe is retried the same way.
    let user = UsmUser::new(b"nobody").unwrap();
    let session = client
        .session(sink.addr(), Security::v3(user, SecurityLevel::NoAuthNoPriv))
        .unwrap();
    let e = session.get(&[oid("1.3.6.1.2.1.1.1.0")]).await.unwrap_err();
    assert_eq!(e.snmp(), Some(&manager::Error::Timeout { attempts: 3 }));
}

#[tokio::test]
async fn dropped_first_response_is_recovered_by_the_retry() {
    if !tk::require_tool("snmpd") {
        return;
    }
    let user = tk::UsmUser::new("relay-user")
        .auth(tk::AuthProtocol::Sha256, "fleetwire-auth")
        .privacy(tk::PrivProtocol::Aes128, "fleetwire-priv");
    let agent = tk::Snmpd::builder()
        .ro_community("public")
        .user(user.clone())
        .ro_user(&user.name, user.level())
        .ipv6(false)
        .start();
    let relay = tk::UdpRelay::start(agent.addr());
    let client = client(300, 3).await;

    relay.drop_next_responses(1);
    let session = client
        .session(relay.addr(), Security::v2c("public"))
        .unwrap();
    let got = session.get(&[oid("1.3.6.1.2.1.1.5.0")]).await.unwrap();
    assert_eq!(got.len(), 1);
    let requests = relay.requests();
    assert_eq!(requests.len(), 2, "the request was sent twice");
    assert_eq!(requests[0], requests[1], "with the same request-id");

    // SNMPv3: drop the answer to the first real request (after discovery).
    relay.clear();
    let ours = UsmUser::new(b"relay-user")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha256, b"fleetwire-auth")
        .unwrap()
        .with_priv_password(&CRYPTO, PrivProtocol::Aes128, b"fleetwire-priv")
        .unwrap();
    let session = client
        .session(relay.addr(), Security::v3(ours, SecurityLevel::AuthPriv))
        .unwrap();
    session.get(&[oid("1.3.6.1.2.1.1.5.0")]).await.unwrap();
    relay.clear();
    relay.drop_next_responses(1);
    let got = session.get(&[oid("1.3.6.1.2.1.1.5.0")]).await.unwrap();
    assert!(matches!(got[0].value, Value::OctetString(_)));
    let requests = relay.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(
        requests[0], requests[1],
        "a v3 retry resends the same message"
    );
}

#[tokio::test]
async fn answer_from_another_address_is_dropped_unless_lenient() {
    let other = UdpSocket::bind("127.0.0.2:0")
        .or_else(|_| UdpSocket::bind("127.0.0.1:0"))
        .unwrap();
    let agent = FakeAgent::start(Some(other), |pdu| {
        Some(echo(pdu, Value::OctetString(b"multihomed"[..].into())))
    });
    let client = client(100, 1).await;
    let strict = client.session(agent.addr, Security::v2c("public")).unwrap();
    let e = strict.get(&[oid("1.3.6.1.2.1.1.5.0")]).await.unwrap_err();
    assert_eq!(e.snmp(), Some(&manager::Error::Timeout { attempts: 2 }));
    assert_eq!(client.stats().wrong_source, 2);

    let lenient = strict.with_lenient_source(true);
    let got = lenient.get(&[oid("1.3.6.1.2.1.1.5.0")]).await.unwrap();
    assert_eq!(got[0].value, Value::OctetString(b"multihomed"[..].into()));
}

/// A v3 agent made of our own authoritative engine, which reboots on request.
struct V3Agent {
    addr: SocketAddr,
    reboot: Arc<AtomicBool>,
    stop: Arc<AtomicBool>,
}

impl V3Agent {
    fn start(user: &UsmUser) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(50)))
            .unwrap();
        let addr = socket.local_addr().unwrap();
        let epoch = Instant::now();
        let mut engine =
            LocalEngine::new(&CRYPTO, b"\x80\x00\x1f\x88\x04reboot", 7, Duration::ZERO).unwrap();
        engine.add_user(&CRYPTO, user).unwrap();
        let reboot = Arc::new(AtomicBool::new(false));
        let stop = Arc::new(AtomicBool::new(false));
        let (flag, halt) = (Arc::clone(&reboot), Arc::clone(&stop));
        thread::spawn(move || {
            let mut buf = vec![0u8; 65536];
            let mut scratch = Vec::new();
            while !halt.load(Ordering::Relaxed) {
                let Ok((n, from)) = socket.recv_from(&mut buf) else {
                    continue;
                };
                let now = epoch.elapsed();
                if flag.swap(false, Ordering::Relaxed) {
                    engine.reboot(now);
                }
                let mut out = Vec::new();
                match engine.receive(&CRYPTO, now, &buf[..n], &mut scratch) {
                    Ok((ctx, incoming)) => {
                        let answer = echo(&incoming.scoped_pdu.pdu, Value::Integer(7));
                        engine
                            .encode_response(&CRYPTO, now, &ctx, &answer, &mut out)
                            .unwrap();
                    }
                    Err(rejection) => {
                        if !engine
                            .encode_report(&CRYPTO, now, &rejection, &mut out)
                            .unwrap()
                        {
                            continue;
                        }
                    }
                }
                let _ = socket.send_to(&out, from);
            }
        });
        Self { addr, reboot, stop }
    }
}

impl Drop for V3Agent {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

#[tokio::test]
async fn agent_reboot_mid_session_resynchronises() {
    let user = UsmUser::new(b"rebooter")
        .unwrap()
        .with_auth_password(&CRYPTO, AuthProtocol::Sha512, b"fleetwire-auth")
        .unwrap()
        .with_priv_password(&CRYPTO, PrivProtocol::Aes256Blumenthal, b"fleetwire-priv")
        .unwrap();
    let agent = V3Agent::start(&user);
    let client = client(500, 2).await;
    let session = client
        .session(agent.addr, Security::v3(user, SecurityLevel::AuthPriv))
        .unwrap();
    let got = session.get(&[oid("1.3.6.1.2.1.1.3.0")]).await.unwrap();
    assert_eq!(got[0].value, Value::Integer(7));
    let engine = session.engine_id().unwrap();
    assert_eq!(session.engine_time().unwrap().boots, 7);

    agent.reboot.store(true, Ordering::Relaxed);
    // The next request carries the old boots: notInTimeWindow, resynchronise, resend.
    let got = session.get(&[oid("1.3.6.1.2.1.1.3.0")]).await.unwrap();
    assert_eq!(got[0].value, Value::Integer(7));
    assert_eq!(
        session.engine_id().unwrap(),
        engine,
        "same engine, no new discovery"
    );
    // And the session keeps working at the new boots.
    session.get(&[oid("1.3.6.1.2.1.1.3.0")]).await.unwrap();
}

#[tokio::test]
async fn too_big_splits_gets_and_halves_bulk_repetitions() {
    // An agent whose answers fit 2 varbinds (GET) or 3 repetitions (GETBULK).
    let agent = FakeAgent::start(None, |pdu| match pdu {
        Pdu::GetRequest(g) if g.varbinds.len() > 2 => Some(Pdu::Response(GenericPdu {
            error_status: ErrorStatus::TooBig,
            ..GenericPdu::new(g.request_id, Vec::new())
        })),
        Pdu::GetRequest(_) => Some(echo(pdu, Value::Integer(1))),
        Pdu::GetBulkRequest(b) if b.max_repetitions > 3 => Some(Pdu::Response(GenericPdu {
            error_status: ErrorStatus::TooBig,
            ..GenericPdu::new(b.request_id, Vec::new())
        })),
        Pdu::GetBulkRequest(b) => {
            // A table of ten rows under 1.3.6.1.4.1.99.1, then the end of the MIB.
            let start = b.varbinds.iter().next().unwrap().name.into_owned();
            let next_row = start.arcs().nth(7).map_or(1, |r| r + 1);
            let vbs: Vec<VarBind<'static>> = (next_row..next_row + b.max_repetitions)
                .map(|r| {
                    let name = Oid::from_arcs(&[1, 3, 6, 1, 4, 1, 99, r.min(11)]).unwrap();
                    let value = if r > 10 {
                        Value::EndOfMibView
                    } else {
                        Value::Integer(r as i32)
                    };
                    VarBind::new(name, value)
                })
                .collect();
            Some(Pdu::Response(GenericPdu::new(b.request_id, vbs)))
        }
        _ => None,
    });
    let client = client(300, 1).await;
    let session = client.session(agent.addr, Security::v2c("public")).unwrap();
    let wanted: Vec<Oid<'static>> = (1..=5)
        .map(|i| Oid::from_arcs(&[1, 3, 6, 1, 2, 1, 1, i, 0]).unwrap())
        .collect();
    let got = session.get(&wanted).await.unwrap();
    let names: Vec<Oid<'static>> = got.iter().map(|vb| vb.name.clone()).collect();
    assert_eq!(names, wanted, "split batches answer in order");
    let walked = session.bulk_walk(oid("1.3.6.1.4.1.99"), 16).await.unwrap();
    assert_eq!(walked.len(), 10);
    let requests = agent.requests();
    let max_reps: Vec<u32> = requests
        .iter()
        .filter_map(|r| match Message::decode(r).unwrap() {
            Message::V2c(m) => match m.pdu {
                Pdu::GetBulkRequest(b) => Some(b.max_repetitions),
                _ => None,
            },
            _ => None,
        })
        .collect();
    assert_eq!(&max_reps[..3], [16, 8, 4]);
    assert!(max_reps[3..].iter().all(|&r| r == 2), "{max_reps:?}");
    assert!(requests.iter().all(|r| {
        let Message::V2c(m) = Message::decode(r).unwrap() else {
            return false;
        };
        request_id(&m.pdu) > 0
    }));
}

#[tokio::test]
async fn looping_walks_end_with_typed_errors() {
    // Answers every GETNEXT with the same OID.
    let agent = FakeAgent::start(None, |pdu| {
        let g = pdu.generic()?;
        Some(Pdu::Response(GenericPdu::new(
            g.request_id,
            vec![VarBind::new(oid("1.3.6.1.2.1.1.5.0"), Value::Integer(1))],
        )))
    });
    let client = client(300, 1).await;
    let session = client.session(agent.addr, Security::v2c("public")).unwrap();
    let e = session.walk(oid("1.3.6.1.2.1.1")).await.unwrap_err();
    assert_eq!(
        e.snmp(),
        Some(&manager::Error::RepeatedOid(oid("1.3.6.1.2.1.1.5.0")))
    );

    // Answers with an OID before the one asked.
    let agent = FakeAgent::start(None, |pdu| {
        let g = pdu.generic()?;
        let asked = g.varbinds.iter().next()?.name.into_owned();
        let answer = if asked == oid("1.3.6.1.2.1.1") {
            oid("1.3.6.1.2.1.1.9.0")
        } else {
            oid("1.3.6.1.2.1.1.2.0")
        };
        Some(Pdu::Response(GenericPdu::new(
            g.request_id,
            vec![VarBind::new(answer, Value::Integer(1))],
        )))
    });
    let session = client.session(agent.addr, Security::v2c("public")).unwrap();
    let e = session.walk(oid("1.3.6.1.2.1.1")).await.unwrap_err();
    assert!(
        matches!(e.snmp(), Some(manager::Error::NotIncreasing { .. })),
        "{e}"
    );

    // An endless but increasing table: the result limit stops it.
    let agent = FakeAgent::start(None, |pdu| {
        let g = pdu.generic()?;
        let asked = g.varbinds.iter().next()?.name.into_owned();
        Some(Pdu::Response(GenericPdu::new(
            g.request_id,
            vec![VarBind::new(asked.child(1).unwrap(), Value::Integer(1))],
        )))
    });
    let session = client
        .session(agent.addr, Security::v2c("public"))
        .unwrap()
        .with_walk_limit(50);
    let e = session.walk(oid("1.3.6.1.2.1.1")).await.unwrap_err();
    assert_eq!(e.snmp(), Some(&manager::Error::ResultLimit(50)));
}

#[tokio::test]
async fn poll_reports_progress_and_per_target_results() {
    let agents: Vec<FakeAgent> = (0..20)
        .map(|_| FakeAgent::start(None, |pdu| Some(echo(pdu, Value::Counter32(5)))))
        .collect();
    let sink = tk::UdpSink::start();
    let client = client(100, 0).await;
    let mut targets: Vec<PollTarget> = agents
        .iter()
        .map(|a| PollTarget {
            addr: a.addr,
            security: Security::v2c("public"),
        })
        .collect();
    targets.push(PollTarget {
        addr: sink.addr(),
        security: Security::v2c("public"),
    });
    let spec = PollSpec::new(
        vec![oid("1.3.6.1.2.1.1.3.0"), oid("1.3.6.1.2.1.1.5.0")],
        vec![],
    );
    let mut seen = Vec::new();
    let results = client
        .poll(targets, &spec, |progress, _| seen.push(*progress))
        .await;
    assert_eq!(results.len(), 21);
    assert!(
        results[..20]
            .iter()
            .all(|r| r.result.as_ref().unwrap().len() == 2)
    );
    assert!(results[20].result.is_err());
    assert_eq!(seen.len(), 21);
    let last = seen.last().unwrap();
    assert_eq!((last.done, last.failed, last.total), (21, 1, 21));
    assert!(seen.windows(2).all(|w| w[0].done < w[1].done));
}
