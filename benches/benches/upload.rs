//! Upload suite ("curl for uploads"): the same payload package POSTed over HTTPS with a client
//! certificate to fleetwire-transport's own server, by our CLI and by curl, in the same run.
//!
//! The server is `fleetwire_transport::server::HttpsServer` on 127.0.0.1 with a CA made at
//! start (`server::pki`), a client certificate from that CA required, TLS 1.2/1.3. It answers
//! `POST /upload` the way the embedded remote-services server does for the transport protocol
//! (`Idempotency-Key` required, `X-Fleetwire-Sha256` checked against the body), but does not
//! unzip and validate the package: what is timed is the upload, not the server's intake. It
//! records the SHA-256 of every body it receives.
//!
//! Payloads: agent packages (zip) of sample devices built with fleetwire-payload, the smallest
//! of at least 64 KiB and of at least 1 MiB. Groups `upload/64KiB` and `upload/1MiB`,
//! throughput in bytes of the zip, functions:
//!
//! * `fleetwire-cli`: one `fleetwire upload flush --spool DIR --url URL --ca CA --client-cert
//!   CERT --client-key KEY` process per upload, the spool holding the one package (queued
//!   before the clock starts, in this process). Includes what a flush does besides the POST:
//!   opening the spool, reading and checking the entry, removing it durably.
//! * `curl`: one `curl --cacert CA --cert CERT --key KEY --data-binary @FILE` process per
//!   upload with the same headers (and `Expect:` off: our server does not send
//!   `100 Continue`, which would make curl wait a second before large bodies).
//! * `fleetwire-lib`: `fleetwire_transport::Client::post` of the same bytes in this process,
//!   connection kept alive between uploads (the agent's path).
//! * `curl-keepalive`: one curl process uploading N times (`--next`) over one connection: the
//!   process-free figure to set `fleetwire-lib` against.
//!
//! Before timing, one upload by each is checked: the server received exactly the package's
//! bytes (SHA-256), with the client certificate; the CLI left its spool empty; curl's N
//! uploads shared one connection. Without curl (`/usr/bin/curl`), its functions are skipped with
//! a message.
//!
//! Run: `cargo bench -p fleetwire-benches --bench upload` (builds the release `fleetwire`
//! binary if missing), or `-- --quick` for a smoke run.
#![forbid(unsafe_code)]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing,
    missing_docs
)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use criterion::{Criterion, Throughput};
use fleetwire_benches::package::agent_package_of_size;
use fleetwire_benches::process::{fleetwire_binary, run_timed};
use fleetwire_payload::Sha256;
use fleetwire_testkit as tk;
use fleetwire_transport::server::pki::Pki;
use fleetwire_transport::server::{HttpsServer, Reply, Request, ServerSpec};
use fleetwire_transport::tls::{ClientIdentity, Roots, TlsOptions};
use fleetwire_transport::{Allowlist, Client, ClientOptions, Spool, SpoolOptions};

const CONTENT_TYPE: &str = "application/octet-stream";

/// What the server saw of one upload.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Received {
    sha256: String,
    len: usize,
    client_cert: bool,
    connection_id: u64,
}

type Log = Arc<Mutex<Vec<Received>>>;

fn handle(log: &Log, req: &Request) -> Reply {
    if (req.method.as_str(), req.route()) != ("POST", "/upload") {
        return Reply::status(404);
    }
    let Some(key) = req.header("idempotency-key").filter(|k| !k.is_empty()) else {
        return Reply::status(400).with_body("missing Idempotency-Key");
    };
    let sha = Sha256::digest(&req.body).to_string();
    if req
        .header("x-fleetwire-sha256")
        .is_some_and(|claimed| !claimed.eq_ignore_ascii_case(&sha))
    {
        return Reply::status(400).with_body("X-Fleetwire-Sha256 does not match the body");
    }
    log.lock().unwrap().push(Received {
        sha256: sha,
        len: req.body.len(),
        client_cert: req.client_cert,
        connection_id: req.connection_id,
    });
    Reply::json(&serde_json::json!({ "accepted": key }))
}

/// The server, and the CA and client credentials as files for the processes.
struct Setup {
    server: HttpsServer,
    log: Log,
    url: String,
    dir: PathBuf,
    ca: PathBuf,
    cert: PathBuf,
    key: PathBuf,
    options: ClientOptions,
}

fn write_private(path: &Path, bytes: &[u8]) {
    use std::io::Write as _;
    use std::os::unix::fs::OpenOptionsExt as _;
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(0o600)
        .open(path)
        .unwrap();
    f.write_all(bytes).unwrap();
}

fn setup() -> Setup {
    let pki = Pki::new("fleetwire upload bench CA").unwrap();
    let leaf = pki.server().unwrap();
    let client = pki.client("bench-agent.fleetwire.test").unwrap();
    let mut spec = ServerSpec::new(&leaf);
    spec.client_ca = Some(pki.ca_der());
    // Every body would be kept otherwise: thousands of MiB-sized uploads.
    spec.record_requests = false;
    let log: Log = Arc::default();
    let server = {
        let log = log.clone();
        HttpsServer::start(spec, Arc::new(move |req| handle(&log, req))).unwrap()
    };
    // By address (the certificate names 127.0.0.1 too): no resolver in the way of either client.
    let url = format!("https://127.0.0.1:{}/upload", server.port());
    let dir = std::env::temp_dir().join(format!("fleetwire-bench-upload-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let (ca, cert, key) = (
        dir.join("ca.pem"),
        dir.join("client.pem"),
        dir.join("client-key.pem"),
    );
    std::fs::write(&ca, pki.ca_pem()).unwrap();
    std::fs::write(&cert, &client.cert_pem).unwrap();
    write_private(&key, client.key_pem.as_bytes());
    let options = ClientOptions {
        tls: TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "bench CA").unwrap(),
            identity: Some(
                ClientIdentity::from_pem(client.cert_pem.as_bytes(), client.key_pem.as_bytes())
                    .unwrap(),
            ),
            ..TlsOptions::default()
        },
        allowlist: Allowlist::new([url.as_str()]).unwrap(),
        ..ClientOptions::default()
    };
    Setup {
        server,
        log,
        url,
        dir,
        ca,
        cert,
        key,
        options,
    }
}

/// One payload size: the package, its file, its digest and a spool for the CLI.
struct Payload {
    name: &'static str,
    bytes: Vec<u8>,
    file: PathBuf,
    sha256: String,
    spool: PathBuf,
}

impl Setup {
    fn payload(&self, name: &'static str, min_bytes: usize) -> Payload {
        let (bytes, devices) = agent_package_of_size(min_bytes).unwrap();
        eprintln!(
            "upload/{name}: agent package of {devices} sample devices, {} bytes",
            bytes.len()
        );
        let file = self.dir.join(format!("payload-{name}.zip"));
        std::fs::write(&file, &bytes).unwrap();
        Payload {
            name,
            sha256: Sha256::digest(&bytes).to_string(),
            spool: self.dir.join(format!("spool-{name}")),
            bytes,
            file,
        }
    }

    /// `fleetwire upload flush` of a spool holding `p` (queued untimed); the flush's time.
    fn cli_upload(&self, bin: &Path, p: &Payload) -> Duration {
        Spool::open(&p.spool, SpoolOptions::default())
            .unwrap()
            .enqueue(&p.bytes)
            .unwrap();
        run_timed(
            Command::new(bin)
                .args(["upload", "flush", "--spool"])
                .arg(&p.spool)
                .args(["--url", &self.url, "--ca"])
                .arg(&self.ca)
                .arg("--client-cert")
                .arg(&self.cert)
                .arg("--client-key")
                .arg(&self.key),
        )
        .unwrap()
    }

    /// curl's options for one upload of `p` with key `key`: (long option, value).
    fn curl_options(&self, p: &Payload, key: &str) -> Vec<(&'static str, Option<String>)> {
        let path = |p: &Path| Some(p.display().to_string());
        vec![
            ("silent", None),
            ("show-error", None),
            ("fail", None),
            ("output", Some("/dev/null".into())),
            ("cacert", path(&self.ca)),
            ("cert", path(&self.cert)),
            ("key", path(&self.key)),
            ("header", Some(format!("Content-Type: {CONTENT_TYPE}"))),
            ("header", Some(format!("Idempotency-Key: {key}"))),
            ("header", Some(format!("X-Fleetwire-Sha256: {}", p.sha256))),
            ("header", Some("Expect:".into())),
            ("data-binary", Some(format!("@{}", p.file.display()))),
            ("url", Some(self.url.clone())),
        ]
    }

    /// One curl process uploading `p` once, options on the command line; timed.
    fn curl_upload(&self, curl: &Path, p: &Payload) -> Duration {
        let mut cmd = Command::new(curl);
        for (option, value) in self.curl_options(p, "curl") {
            cmd.arg(format!("--{option}"));
            cmd.args(value);
        }
        run_timed(&mut cmd).unwrap()
    }

    /// One curl process uploading `p` `n` times over one connection (a config file, written
    /// untimed, with `next` between the uploads); timed.
    fn curl_uploads(&self, curl: &Path, p: &Payload, n: u64) -> Duration {
        let mut config = String::new();
        for i in 0..n {
            if i > 0 {
                config.push_str("next\n");
            }
            for (option, value) in self.curl_options(p, &format!("curl-{i}")) {
                match value {
                    Some(v) => config.push_str(&format!("{option} = \"{v}\"\n")),
                    None => config.push_str(&format!("{option}\n")),
                }
            }
        }
        let file = self.dir.join(format!("curl-{}.conf", p.name));
        std::fs::write(&file, config).unwrap();
        run_timed(Command::new(curl).arg("--config").arg(&file)).unwrap()
    }

    fn lib_upload(&self, client: &Client, p: &Payload) {
        let headers = [
            ("Idempotency-Key", "fleetwire-lib"),
            ("X-Fleetwire-Sha256", p.sha256.as_str()),
        ];
        let resp = client
            .post(&self.url, CONTENT_TYPE, &headers, &p.bytes)
            .unwrap();
        assert_eq!(
            resp.status,
            200,
            "{:?}",
            String::from_utf8_lossy(&resp.body)
        );
    }

    /// Runs `upload`, then checks that the server received `p` exactly `n` times, with the
    /// client certificate; returns what it received.
    fn check(&self, who: &str, p: &Payload, n: usize, upload: impl FnOnce()) -> Vec<Received> {
        self.log.lock().unwrap().clear();
        upload();
        let got = std::mem::take(&mut *self.log.lock().unwrap());
        assert_eq!(got.len(), n, "{who}: {n} uploads expected, got {got:?}");
        for r in &got {
            assert_eq!(
                (r.sha256.as_str(), r.len, r.client_cert),
                (p.sha256.as_str(), p.bytes.len(), true),
                "{who}: the server received other bytes (or no client certificate)"
            );
        }
        got
    }
}

fn main() {
    let mut c = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(5))
        .sample_size(10)
        .configure_from_args();
    let s = setup();
    let bin = fleetwire_binary().unwrap();
    let curl = if tk::require_tool("curl") {
        tk::find_tool("curl")
    } else {
        None
    };
    if curl.is_none() {
        eprintln!("upload: curl not found: the curl and curl-keepalive functions are skipped");
    }
    let client = Client::new(&s.options).unwrap();
    for (name, size) in [("64KiB", 64 * 1024), ("1MiB", 1024 * 1024)] {
        let p = s.payload(name, size);

        // Verify every uploader before timing.
        s.check("fleetwire-cli", &p, 1, || {
            s.cli_upload(&bin, &p);
        });
        let left = Spool::open(&p.spool, SpoolOptions::default()).unwrap();
        assert!(
            left.pending().is_empty(),
            "the CLI left {:?}",
            left.pending()
        );
        s.check("fleetwire-lib", &p, 2, || {
            s.lib_upload(&client, &p);
            s.lib_upload(&client, &p);
        });
        if let Some(curl) = &curl {
            s.check("curl", &p, 1, || {
                s.curl_upload(curl, &p);
            });
            let got = s.check("curl-keepalive", &p, 3, || {
                s.curl_uploads(curl, &p, 3);
            });
            assert!(
                got.iter().all(|r| r.connection_id == got[0].connection_id),
                "curl did not reuse its connection: {got:?}"
            );
        }

        let mut g = c.benchmark_group(format!("upload/{}", p.name));
        g.throughput(Throughput::Bytes(p.bytes.len() as u64));
        g.bench_function("fleetwire-cli", |b| {
            b.iter_custom(|iters| (0..iters).map(|_| s.cli_upload(&bin, &p)).sum());
        });
        if let Some(curl) = &curl {
            g.bench_function("curl", |b| {
                b.iter_custom(|iters| (0..iters).map(|_| s.curl_upload(curl, &p)).sum());
            });
        }
        g.bench_function("fleetwire-lib", |b| {
            b.iter_custom(|iters| {
                let started = Instant::now();
                for _ in 0..iters {
                    s.lib_upload(&client, &p);
                }
                started.elapsed()
            });
        });
        if let Some(curl) = &curl {
            g.bench_function("curl-keepalive", |b| {
                b.iter_custom(|iters| s.curl_uploads(curl, &p, iters));
            });
        }
        g.finish();
        s.log.lock().unwrap().clear();
    }
    drop(s.server);
    let _ = std::fs::remove_dir_all(&s.dir);
    c.final_summary();
}
