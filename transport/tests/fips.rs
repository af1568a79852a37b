//! Feature `fips`: the aws-lc-rs FIPS provider is used and reported, and still talks TLS to a
//! (non-FIPS, ring) server. Without the feature, `fips()` is false.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use fleetwire_transport::tls::{Roots, TlsOptions, crypto_provider};
use fleetwire_transport::{Allowlist, Client, ClientOptions};
use support::{Reply, simple_server};

#[test]
fn fips_mode_is_reported_and_works() {
    let (pki, server) = simple_server(Arc::new(|_| Reply::ok()));
    let client = Client::new(&ClientOptions {
        allowlist: Allowlist::new([server.url("/")]).unwrap(),
        tls: TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "ca").unwrap(),
            ..Default::default()
        },
        ..ClientOptions::default()
    })
    .unwrap();
    assert_eq!(client.fips(), cfg!(feature = "fips"));
    assert_eq!(crypto_provider().fips(), cfg!(feature = "fips"));
    assert_eq!(
        client
            .post(&server.url("/"), "text/plain", &[], b"x")
            .unwrap()
            .status,
        200
    );
}
