//! Through a real tinyproxy (installed by `.ci/install-peers`) on a loopback high port:
//! CONNECT with and without proxy credentials, a wrong proxy password, and `HTTPS_PROXY` /
//! `NO_PROXY` from the environment. Prints `SKIPPED` when tinyproxy is missing (an error under
//! `CI=true`).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::net::{TcpListener, TcpStream};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use fleetwire_transport::tls::{Roots, TlsOptions};
use fleetwire_transport::{Allowlist, Client, ClientOptions, ProxyConfig, TransportError};
use support::{HttpsServer, Pki, Reply, simple_server};
use zeroize::Zeroizing;

fn tinyproxy_binary() -> Option<PathBuf> {
    [
        "/usr/bin/tinyproxy",
        "/usr/sbin/tinyproxy",
        "/usr/local/bin/tinyproxy",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

struct Tinyproxy {
    child: Child,
    port: u16,
    log: PathBuf,
    _dir: tempfile::TempDir,
}

impl Tinyproxy {
    /// Starts tinyproxy with its own config; `None` (after printing SKIPPED) if not installed.
    fn start(basic_auth: Option<(&str, &str)>) -> Option<Self> {
        let Some(bin) = tinyproxy_binary() else {
            if std::env::var("CI").is_ok_and(|v| v == "true") {
                panic!("tinyproxy is not installed (run .ci/install-peers)");
            }
            eprintln!("SKIPPED: tinyproxy not installed (run sudo .ci/install-peers)");
            return None;
        };
        let dir = tempfile::tempdir().unwrap();
        let port = TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let log = dir.path().join("tinyproxy.log");
        let mut conf = format!(
            "Port {port}\nListen 127.0.0.1\nAllow 127.0.0.1\nTimeout 30\nMaxClients 20\n\
             LogFile \"{}\"\nLogLevel Info\nPidFile \"{}\"\n",
            log.display(),
            dir.path().join("tinyproxy.pid").display()
        );
        if let Some((user, pass)) = basic_auth {
            conf.push_str(&format!("BasicAuth {user} {pass}\n"));
        }
        let conf_path = dir.path().join("tinyproxy.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new(bin)
            .arg("-d")
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let started = Instant::now();
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "tinyproxy did not start"
            );
            std::thread::sleep(Duration::from_millis(20));
        }
        Some(Self {
            child,
            port,
            log,
            _dir: dir,
        })
    }

    fn url(&self, creds: Option<(&str, &str)>) -> String {
        match creds {
            Some((u, p)) => format!("http://{u}:{p}@127.0.0.1:{}", self.port),
            None => format!("http://127.0.0.1:{}", self.port),
        }
    }

    fn log(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Tinyproxy {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn options(pki: &Pki, server: &HttpsServer, proxy: ProxyConfig) -> ClientOptions {
    ClientOptions {
        allowlist: Allowlist::new([server.url("/")]).unwrap(),
        timeout: Duration::from_secs(10),
        tls: TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "test CA").unwrap(),
            ..Default::default()
        },
        proxy,
        ..ClientOptions::default()
    }
}

fn connect_line(server: &HttpsServer) -> String {
    format!("CONNECT localhost:{}", server.port())
}

#[test]
fn connect_without_credentials() {
    let Some(proxy) = Tinyproxy::start(None) else {
        return;
    };
    let (pki, server) = simple_server(Arc::new(|_| Reply::ok().with_body("via proxy")));
    let opts = options(
        &pki,
        &server,
        ProxyConfig::Url(Zeroizing::new(proxy.url(None))),
    );
    let client = Client::new(&opts).unwrap();
    let resp = client
        .post(&server.url("/u"), "text/plain", &[], b"x")
        .unwrap();
    assert_eq!(
        (resp.status, resp.body.as_slice()),
        (200, &b"via proxy"[..])
    );
    assert!(
        proxy.log().contains(&connect_line(&server)),
        "{}",
        proxy.log()
    );
    // TLS is end to end: a wrong CA is still refused through the tunnel.
    let other = Pki::new("other").unwrap();
    let opts = options(
        &other,
        &server,
        ProxyConfig::Url(Zeroizing::new(proxy.url(None))),
    );
    let err = Client::new(&opts)
        .unwrap()
        .get(&server.url("/"))
        .unwrap_err();
    assert!(
        matches!(err, TransportError::UnknownIssuer { .. }),
        "{err:?}"
    );
}

#[test]
fn connect_with_credentials_and_wrong_password() {
    let Some(proxy) = Tinyproxy::start(Some(("fleet", "s3cret"))) else {
        return;
    };
    let (pki, server) = simple_server(Arc::new(|_| Reply::ok()));
    let ok = options(
        &pki,
        &server,
        ProxyConfig::Url(Zeroizing::new(proxy.url(Some(("fleet", "s3cret"))))),
    );
    assert_eq!(
        Client::new(&ok)
            .unwrap()
            .get(&server.url("/"))
            .unwrap()
            .status,
        200
    );
    assert!(proxy.log().contains(&connect_line(&server)));

    let wrong = options(
        &pki,
        &server,
        ProxyConfig::Url(Zeroizing::new(proxy.url(Some(("fleet", "nope"))))),
    );
    let err = Client::new(&wrong)
        .unwrap()
        .get(&server.url("/"))
        .unwrap_err();
    assert!(
        matches!(
            err,
            TransportError::ProxyAuthentication {
                status: 401 | 407,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(
        !format!("{err} {err:?}").contains("nope"),
        "password leaked: {err}"
    );

    let none = options(
        &pki,
        &server,
        ProxyConfig::Url(Zeroizing::new(proxy.url(None))),
    );
    let err = Client::new(&none)
        .unwrap()
        .get(&server.url("/"))
        .unwrap_err();
    assert!(
        matches!(err, TransportError::ProxyAuthentication { .. }),
        "{err:?}"
    );
    assert_eq!(server.requests().len(), 1);
}

#[test]
fn unreachable_proxy_is_a_transient_proxy_error() {
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let (pki, server) = simple_server(Arc::new(|_| Reply::ok()));
    let opts = options(
        &pki,
        &server,
        ProxyConfig::Url(Zeroizing::new(format!("http://127.0.0.1:{port}"))),
    );
    let err = Client::new(&opts)
        .unwrap()
        .get(&server.url("/"))
        .unwrap_err();
    assert!(matches!(err, TransportError::Proxy { .. }), "{err:?}");
    assert!(err.is_transient());
    let bad = options(
        &pki,
        &server,
        ProxyConfig::Url(Zeroizing::new("socks5://u:pw@h:1".into())),
    );
    let err = Client::new(&bad).unwrap_err();
    assert!(!err.to_string().contains("pw"), "{err}");
}

/// Child for `https_proxy_and_no_proxy_from_the_environment`: one GET with `FromEnv`.
#[test]
#[ignore = "child process of https_proxy_and_no_proxy_from_the_environment"]
fn env_proxy_child() {
    let Ok(url) = std::env::var("FW_ENV_URL") else {
        return;
    };
    let ca = std::fs::read(std::env::var("FW_ENV_CA").unwrap()).unwrap();
    let opts = ClientOptions {
        allowlist: Allowlist::new([url.as_str()]).unwrap(),
        tls: TlsOptions {
            roots: Roots::from_pem(&ca, "ca").unwrap(),
            ..Default::default()
        },
        proxy: ProxyConfig::FromEnv,
        ..ClientOptions::default()
    };
    let status = Client::new(&opts).unwrap().get(&url).unwrap().status;
    println!("STATUS {status}");
}

#[test]
fn https_proxy_and_no_proxy_from_the_environment() {
    let Some(proxy) = Tinyproxy::start(None) else {
        return;
    };
    let (pki, server) = simple_server(Arc::new(|_| Reply::ok()));
    let dir = tempfile::tempdir().unwrap();
    let ca = dir.path().join("ca.pem");
    std::fs::write(&ca, pki.ca_pem()).unwrap();
    let run = |envs: &[(&str, String)]| {
        let mut cmd = Command::new(std::env::current_exe().unwrap());
        cmd.args(["--exact", "env_proxy_child", "--ignored", "--nocapture"])
            .env("FW_ENV_URL", server.url("/env"))
            .env("FW_ENV_CA", &ca);
        for v in [
            "HTTPS_PROXY",
            "https_proxy",
            "ALL_PROXY",
            "all_proxy",
            "HTTP_PROXY",
            "http_proxy",
            "NO_PROXY",
            "no_proxy",
        ] {
            cmd.env_remove(v);
        }
        for (k, v) in envs {
            cmd.env(k, v);
        }
        let out = cmd.output().unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let out = run(&[("HTTPS_PROXY", proxy.url(None))]);
    assert!(out.contains("STATUS 200"), "{out}");
    let via_proxy = proxy.log().matches(&connect_line(&server)).count();
    assert_eq!(via_proxy, 1);
    let out = run(&[
        ("https_proxy", proxy.url(None)),
        ("NO_PROXY", "example.com,localhost".into()),
    ]);
    assert!(out.contains("STATUS 200"), "{out}");
    assert_eq!(
        proxy.log().matches(&connect_line(&server)).count(),
        1,
        "NO_PROXY ignored"
    );
    // HTTP_PROXY is for plain HTTP, which is never used: it must not route HTTPS.
    let out = run(&[("HTTP_PROXY", "http://127.0.0.1:1".into())]);
    assert!(out.contains("STATUS 200"), "{out}");
    assert_eq!(server.requests().len(), 3);
}
