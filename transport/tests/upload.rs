//! Spool + uploader against the real HTTPS test server: idempotency keys, dead letters,
//! Retry-After, backoff, and errors that stop a flush.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use fleetwire_transport::retry::RetryPolicy;
use fleetwire_transport::tls::{Roots, TlsOptions};
use fleetwire_transport::{
    Allowlist, Client, ClientOptions, FlushOptions, Spool, SpoolError, SpoolOptions,
    TransportError, Uploader,
};
use support::{HttpsServer, Pki, Reply, simple_server};

fn uploader(pki: &Pki, url: &str) -> Uploader {
    let options = ClientOptions {
        allowlist: Allowlist::new([url]).unwrap(),
        timeout: Duration::from_secs(10),
        tls: TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "test CA").unwrap(),
            ..Default::default()
        },
        ..ClientOptions::default()
    };
    Uploader::new(Client::new(&options).unwrap(), url)
}

fn flush(
    up: &Uploader,
    spool: &mut Spool,
    sleeps: &mut Vec<Duration>,
) -> Result<fleetwire_transport::FlushReport, SpoolError> {
    up.flush_with(spool, &FlushOptions::default(), &mut |_| {}, &mut |d| {
        sleeps.push(d)
    })
}

#[test]
fn uploads_in_order_with_idempotency_keys_and_deletes_after_2xx() {
    let (pki, server) = simple_server(Arc::new(|_| Reply::status(201)));
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    let entries: Vec<_> = (0..5)
        .map(|i| spool.enqueue(format!("payload {i}").as_bytes()).unwrap())
        .collect();
    let up = uploader(&pki, &server.url("/upload"));
    let mut progress = Vec::new();
    let report = up
        .flush_with(
            &mut spool,
            &FlushOptions::default(),
            &mut |p| progress.push(p),
            &mut |_| panic!("no sleep"),
        )
        .unwrap();
    assert_eq!(report.uploaded, 5);
    assert_eq!(report.remaining, 0);
    assert_eq!(progress.last().unwrap().done, 5);
    assert!(
        Spool::open(dir.path(), SpoolOptions::default())
            .unwrap()
            .pending()
            .is_empty()
    );
    let reqs = server.requests();
    assert_eq!(reqs.len(), 5);
    for (i, (req, entry)) in reqs.iter().zip(&entries).enumerate() {
        assert_eq!(req.body, format!("payload {i}").as_bytes());
        assert_eq!(req.header("idempotency-key"), Some(entry.key.as_str()));
        assert_eq!(
            req.header("x-fleetwire-sha256"),
            Some(entry.sha256_hex().as_str())
        );
        assert_eq!(req.path, "/upload");
    }
    // One TLS connection for all of them (keep-alive).
    assert!(
        reqs.iter()
            .all(|r| r.connection_id == reqs[0].connection_id)
    );
}

#[test]
fn permanent_4xx_dead_letters_with_reason_and_408_429_retry() {
    let (pki, server) = simple_server(Arc::new(|req| {
        if req.body.starts_with(b"bad") {
            Reply::status(422).with_body("missing element <serial>")
        } else {
            Reply::ok()
        }
    }));
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    spool.enqueue(b"good 1").unwrap();
    spool.enqueue(b"bad 2").unwrap();
    spool.enqueue(b"good 3").unwrap();
    let mut sleeps = vec![];
    let report = flush(&uploader(&pki, &server.url("/u")), &mut spool, &mut sleeps).unwrap();
    assert_eq!(
        (report.uploaded, report.dead_lettered, report.remaining),
        (2, 1, 0)
    );
    let dead = spool.dead_letters().unwrap();
    assert_eq!(dead.len(), 1);
    assert_eq!(dead[0].reason, "HTTP 422: missing element <serial>");
    assert_eq!(std::fs::read(&dead[0].path).unwrap(), b"bad 2");
    assert!(sleeps.is_empty());

    for status in [408u16, 429] {
        let n = Arc::new(AtomicU32::new(0));
        let n2 = n.clone();
        let (pki, server) = simple_server(Arc::new(move |_| {
            if n2.fetch_add(1, Ordering::SeqCst) < 2 {
                Reply::status(status)
            } else {
                Reply::ok()
            }
        }));
        let dir = tempfile::tempdir().unwrap();
        let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
        spool.enqueue(b"x").unwrap();
        let mut sleeps = vec![];
        let report = flush(&uploader(&pki, &server.url("/u")), &mut spool, &mut sleeps).unwrap();
        assert_eq!(
            (report.uploaded, report.dead_lettered, report.retries),
            (1, 0, 2),
            "{status}"
        );
        assert_eq!(sleeps.len(), 2);
    }
}

#[test]
fn retry_after_is_honoured_and_the_key_is_stable() {
    let n = Arc::new(AtomicU32::new(0));
    let n2 = n.clone();
    let (pki, server) = simple_server(Arc::new(move |_| match n2.fetch_add(1, Ordering::SeqCst) {
        0 => Reply::status(503).with_header("Retry-After", "7"),
        1 => Reply::status(429).with_header("Retry-After", "3"),
        _ => Reply::ok(),
    }));
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    let entry = spool.enqueue(b"meters").unwrap();
    let mut sleeps = vec![];
    let report = flush(&uploader(&pki, &server.url("/u")), &mut spool, &mut sleeps).unwrap();
    assert_eq!(report.uploaded, 1);
    assert_eq!(sleeps, vec![Duration::from_secs(7), Duration::from_secs(3)]);
    let reqs = server.requests();
    assert_eq!(reqs.len(), 3);
    assert!(
        reqs.iter()
            .all(|r| r.header("idempotency-key") == Some(entry.key.as_str()))
    );
}

#[test]
fn server_errors_back_off_and_stop_after_max_attempts_keeping_the_payload() {
    let (pki, server) = simple_server(Arc::new(|_| Reply::status(500)));
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    spool.enqueue(b"x").unwrap();
    let policy = RetryPolicy {
        base: Duration::from_millis(100),
        cap: Duration::from_millis(400),
        ..RetryPolicy::default()
    };
    let up = uploader(&pki, &server.url("/u")).with_policy(policy);
    let mut sleeps = vec![];
    let options = FlushOptions {
        max_attempts: 6,
        ..FlushOptions::default()
    };
    let report = up
        .flush_with(&mut spool, &options, &mut |_| {}, &mut |d| sleeps.push(d))
        .unwrap();
    assert_eq!(
        (report.uploaded, report.remaining, report.retries),
        (0, 1, 5)
    );
    assert!(report.stopped.is_some());
    assert_eq!(sleeps.len(), 5);
    assert!(sleeps.iter().all(|d| *d <= Duration::from_millis(400)));
    assert_eq!(server.requests().len(), 6);
    // A deadline that the next wait would pass stops the flush at once.
    let options = FlushOptions {
        deadline: Some(std::time::Instant::now()),
        max_attempts: 100,
    };
    let report = up
        .flush_with(&mut spool, &options, &mut |_| {}, &mut |_| panic!("slept"))
        .unwrap();
    assert_eq!(report.stopped.as_deref(), Some("deadline reached"));
    assert_eq!(report.remaining, 1);
}

#[test]
fn unreachable_server_is_transient_and_bad_certificate_stops_the_flush() {
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let pki = Pki::new("ca").unwrap();
    let url = format!("https://127.0.0.1:{port}/u");
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    spool.enqueue(b"x").unwrap();
    let mut sleeps = vec![];
    let options = FlushOptions {
        max_attempts: 3,
        ..FlushOptions::default()
    };
    let report = uploader(&pki, &url)
        .flush_with(&mut spool, &options, &mut |_| {}, &mut |d| sleeps.push(d))
        .unwrap();
    assert_eq!((report.uploaded, report.remaining, sleeps.len()), (0, 1, 2));

    let (_pki, server) = simple_server(Arc::new(|_| Reply::ok()));
    let other = Pki::new("not the server's CA").unwrap();
    let err = flush(
        &uploader(&other, &server.url("/u")),
        &mut spool,
        &mut sleeps,
    )
    .unwrap_err();
    assert!(
        matches!(
            err,
            SpoolError::Transport {
                source: TransportError::UnknownIssuer { .. },
                ..
            }
        ),
        "{err:?}"
    );
    assert_eq!(spool.pending().len(), 1);
    assert!(server.requests().is_empty());
    drop::<HttpsServer>(server);
}

#[test]
fn corrupted_payload_is_dead_lettered_not_uploaded() {
    let (pki, server) = simple_server(Arc::new(|_| Reply::ok()));
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    let e = spool.enqueue(b"original").unwrap();
    std::fs::write(dir.path().join("pending").join(&e.file_name), b"bit rot").unwrap();
    let report = flush(&uploader(&pki, &server.url("/u")), &mut spool, &mut vec![]).unwrap();
    assert_eq!((report.uploaded, report.dead_lettered), (0, 1));
    assert!(server.requests().is_empty());
    assert!(spool.dead_letters().unwrap()[0].reason.contains("checksum"));
}

#[test]
fn a_shutdown_deadline_bounds_a_hanging_request() {
    // The server takes 3 s to answer; the shutdown flush has 500 ms.
    let (pki, server) = simple_server(Arc::new(|_| {
        std::thread::sleep(Duration::from_secs(3));
        Reply::ok()
    }));
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    spool.enqueue(b"last words").unwrap();
    let now = std::time::Instant::now();
    let mut sched = fleetwire_transport::schedule::Scheduler::new(
        Default::default(),
        fleetwire_transport::schedule::LocalTime::new(0, 0),
        None,
    );
    let options = sched.shutdown(now + Duration::from_millis(500));
    let report = uploader(&pki, &server.url("/u"))
        .flush_with(&mut spool, &options, &mut |_| {}, &mut std::thread::sleep)
        .unwrap();
    let took = now.elapsed();
    assert!(took < Duration::from_millis(1500), "took {took:?}");
    assert_eq!(report.remaining, 1);
    assert_eq!(report.stopped.as_deref(), Some("deadline reached"));
}

#[test]
fn a_second_concurrent_flush_steps_aside() {
    let (pki, server) = simple_server(Arc::new(|_| Reply::ok()));
    let dir = tempfile::tempdir().unwrap();
    let mut spool = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    spool.enqueue(b"x").unwrap();
    let other = Spool::open(dir.path(), SpoolOptions::default()).unwrap();
    let guard = other.try_lock_flush().unwrap().unwrap();
    let report = flush(&uploader(&pki, &server.url("/u")), &mut spool, &mut vec![]).unwrap();
    assert_eq!((report.uploaded, report.remaining), (0, 1));
    assert!(report.stopped.unwrap().contains("another flush"));
    drop(guard);
    let report = flush(&uploader(&pki, &server.url("/u")), &mut spool, &mut vec![]).unwrap();
    assert_eq!((report.uploaded, report.remaining), (1, 0));
}
