//! Helpers shared by the integration tests that talk to net-snmp.
#![allow(dead_code, clippy::unwrap_used)]

use fleetwire_snmp::crypto::CryptoProvider;
use fleetwire_snmp::usm::{AuthProtocol, PrivProtocol, SecurityLevel, UsmUser};
use fleetwire_testkit as tk;

/// Our protocol for a testkit (net-snmp-named) one.
pub(crate) fn ours_auth(a: tk::AuthProtocol) -> AuthProtocol {
    AuthProtocol::from_name(a.net_snmp()).unwrap()
}

/// Our protocol for a testkit (net-snmp-named) one.
pub(crate) fn ours_priv(p: tk::PrivProtocol) -> PrivProtocol {
    PrivProtocol::from_name(p.net_snmp()).unwrap()
}

/// Our user with the same name, protocols and passphrases as a testkit user.
pub(crate) fn our_user(crypto: &dyn CryptoProvider, theirs: &tk::UsmUser) -> UsmUser {
    let mut ours = UsmUser::new(theirs.name.as_bytes()).unwrap();
    if let Some((a, pass)) = &theirs.auth {
        ours = ours
            .with_auth_password(crypto, ours_auth(*a), pass.as_bytes())
            .unwrap();
    }
    if let Some((p, pass)) = &theirs.privacy {
        ours = ours
            .with_priv_password(crypto, ours_priv(*p), pass.as_bytes())
            .unwrap();
    }
    ours
}

/// Our security level for a testkit one.
pub(crate) fn our_level(u: &tk::UsmUser) -> SecurityLevel {
    match u.level() {
        tk::SecurityLevel::NoAuthNoPriv => SecurityLevel::NoAuthNoPriv,
        tk::SecurityLevel::AuthNoPriv => SecurityLevel::AuthNoPriv,
        tk::SecurityLevel::AuthPriv => SecurityLevel::AuthPriv,
    }
}
