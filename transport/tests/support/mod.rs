//! The tests' and benches' view of the crate's own server half (feature `server`): one place
//! for the imports and the one-line setup most tests share.
#![allow(dead_code, unused_imports, unreachable_pub, clippy::unwrap_used)]

pub use fleetwire_transport::server::pki::{Leaf, Pki};
pub use fleetwire_transport::server::{
    Handler, HttpsServer, Reply, Request, ServerSpec, TLS12_ONLY, TLS13_ONLY,
};

/// A server for `localhost`/`127.0.0.1` signed by a fresh CA, answering with `handler`.
pub fn simple_server(handler: Handler) -> (Pki, HttpsServer) {
    let pki = Pki::new("fleetwire test CA").unwrap();
    let leaf = pki.server().unwrap();
    let server = HttpsServer::start(ServerSpec::new(&leaf), handler).unwrap();
    (pki, server)
}
