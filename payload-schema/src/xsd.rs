//! The XSDs shipped with the crate (`xsd/` in the package): `common.xsd` with the shared
//! types, and one schema per [`PayloadKind`] that includes it.
//!
//! ```
//! use fleetwire_payload::{PayloadKind, xsd};
//! assert_eq!(xsd::file_name(PayloadKind::Office), "office.xsd");
//! assert!(xsd::schema(PayloadKind::Office).contains("officeDevice"));
//! ```

use std::io;
use std::path::{Path, PathBuf};

use crate::document::PayloadKind;

/// The shared types, included by every kind's schema.
pub const COMMON: &str = include_str!("../xsd/common.xsd");

/// The XSD file name of `kind` (`office.xsd` ...).
pub const fn file_name(kind: PayloadKind) -> &'static str {
    match kind {
        PayloadKind::Office => "office.xsd",
        PayloadKind::Production => "production.xsd",
        PayloadKind::Agent => "agent.xsd",
        PayloadKind::Site => "site.xsd",
        PayloadKind::Registration => "registration.xsd",
        PayloadKind::ActionRequest => "action-request.xsd",
        PayloadKind::ActionResult => "action-result.xsd",
        PayloadKind::Transactions => "transactions.xsd",
        PayloadKind::Threshold => "threshold.xsd",
        PayloadKind::Manifest => "manifest.xsd",
    }
}

/// The XSD text of `kind`.
pub const fn schema(kind: PayloadKind) -> &'static str {
    match kind {
        PayloadKind::Office => include_str!("../xsd/office.xsd"),
        PayloadKind::Production => include_str!("../xsd/production.xsd"),
        PayloadKind::Agent => include_str!("../xsd/agent.xsd"),
        PayloadKind::Site => include_str!("../xsd/site.xsd"),
        PayloadKind::Registration => include_str!("../xsd/registration.xsd"),
        PayloadKind::ActionRequest => include_str!("../xsd/action-request.xsd"),
        PayloadKind::ActionResult => include_str!("../xsd/action-result.xsd"),
        PayloadKind::Transactions => include_str!("../xsd/transactions.xsd"),
        PayloadKind::Threshold => include_str!("../xsd/threshold.xsd"),
        PayloadKind::Manifest => include_str!("../xsd/manifest.xsd"),
    }
}

/// Writes `common.xsd` and every kind's schema into `dir` (for `xmllint --schema`); returns
/// the path of `kind`'s schema.
pub fn write_all(dir: &Path, kind: PayloadKind) -> io::Result<PathBuf> {
    std::fs::write(dir.join("common.xsd"), COMMON)?;
    for k in PayloadKind::ALL {
        std::fs::write(dir.join(file_name(k)), schema(k))?;
    }
    Ok(dir.join(file_name(kind)))
}
