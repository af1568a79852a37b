//! The `fleetwire upload` tests' HTTPS endpoint: fleetwire-transport's server half (the same
//! server the embedded remote-services server runs on) answering every request alike.
#![allow(dead_code, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub(crate) use fleetwire_transport::server::HttpsServer;
pub(crate) use fleetwire_transport::server::pki::{Leaf, Pki};
use fleetwire_transport::server::{Reply, ServerSpec};
use rustls::pki_types::CertificateDer;

/// Writes `text` to `dir/name` and returns the path.
pub(crate) fn write_pem(dir: &Path, name: &str, text: &str) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// A server with certificate `leaf` answering every request with `status` and `body`;
/// `client_ca`: when set, a client certificate issued by it is required.
pub(crate) fn upload_server(
    leaf: &Leaf,
    client_ca: Option<CertificateDer<'static>>,
    status: u16,
    body: &'static str,
) -> HttpsServer {
    let mut spec = ServerSpec::new(leaf);
    spec.client_ca = client_ca;
    HttpsServer::start(
        spec,
        Arc::new(move |_| Reply::status(status).with_body(body)),
    )
    .unwrap()
}
