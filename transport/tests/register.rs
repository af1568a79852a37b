//! One-time registration against the real HTTPS test server.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod support;

use std::sync::Arc;

use fleetwire_transport::register::{Registration, RegistrationError, register};
use fleetwire_transport::tls::{Roots, TlsOptions};
use fleetwire_transport::{Allowlist, Client, ClientOptions, Credentials};
use support::{Reply, simple_server};

fn reg() -> Registration {
    Registration {
        device_id: "SN-1234".into(),
        location: "Building 2, floor 3".into(),
        contact_email: "it@example.com".into(),
    }
}

#[test]
fn registration_obtains_credentials() {
    let (pki, server) = simple_server(Arc::new(|req| match req.path.as_str() {
        "/basic" => Reply::ok().with_body(r#"{"username":"dev-1","password":"pw-xyz"}"#),
        "/token" => Reply::ok().with_body(r#"{"token":"tok-abc"}"#),
        "/refuse" => Reply::status(409).with_body("device already registered"),
        _ => Reply::ok().with_body(r#"{"username":"dev-1"}"#),
    }));
    let client = Client::new(&ClientOptions {
        allowlist: Allowlist::new([server.url("/")]).unwrap(),
        tls: TlsOptions {
            roots: Roots::from_pem(pki.ca_pem().as_bytes(), "ca").unwrap(),
            ..Default::default()
        },
        ..ClientOptions::default()
    })
    .unwrap();
    let Credentials::Basic { user, password } =
        register(&client, &server.url("/basic"), &reg()).unwrap()
    else {
        panic!()
    };
    assert_eq!((user.as_str(), password.as_str()), ("dev-1", "pw-xyz"));
    let Credentials::Bearer(token) = register(&client, &server.url("/token"), &reg()).unwrap()
    else {
        panic!()
    };
    assert_eq!(token.as_str(), "tok-abc");
    let err = register(&client, &server.url("/refuse"), &reg()).unwrap_err();
    assert!(
        matches!(err, RegistrationError::Refused { status: 409, ref reason } if reason == "device already registered")
    );
    let err = register(&client, &server.url("/partial"), &reg()).unwrap_err();
    assert!(matches!(err, RegistrationError::BadAnswer));

    let sent: serde_json::Value = serde_json::from_slice(&server.requests()[0].body).unwrap();
    assert_eq!(sent["location"], "Building 2, floor 3");
    assert_eq!(sent["contact_email"], "it@example.com");
    assert_eq!(sent["device_id"], "SN-1234");

    let n = server.requests().len();
    for bad in [
        "",
        "no-at-sign",
        "@example.com",
        "a@b",
        "a@.com",
        "a b@example.com",
    ] {
        let r = Registration {
            contact_email: bad.into(),
            ..reg()
        };
        let err = register(&client, &server.url("/basic"), &r).unwrap_err();
        assert!(
            matches!(
                err,
                RegistrationError::Invalid {
                    field: "contact_email",
                    ..
                }
            ),
            "{bad}"
        );
    }
    let r = Registration {
        location: " ".into(),
        ..reg()
    };
    assert!(matches!(
        register(&client, &server.url("/basic"), &r),
        Err(RegistrationError::Invalid {
            field: "location",
            ..
        })
    ));
    assert_eq!(
        server.requests().len(),
        n,
        "invalid registrations must not be sent"
    );
}
