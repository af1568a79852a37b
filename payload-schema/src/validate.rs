//! Structural validation we do ourselves, without an XSD engine: the document parses into its
//! type (every value checked), its namespace and major version are ours, and it keeps the build
//! rules. The XSDs in `xsd/` say the same for tools (`xmllint --schema`); the tests check both
//! agree on every payload they build.

use thiserror::Error;

use crate::document::{Document, PayloadKind};
use crate::error::{ReadError, RuleViolation};
use crate::text::SchemaVersion;

/// What [`validate`] found in a valid document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ValidationReport {
    /// Its kind.
    pub kind: PayloadKind,
    /// Its `schemaVersion`.
    pub schema_version: SchemaVersion,
    /// Elements and attributes this version does not know (tolerated: a newer minor version).
    pub unknown: Vec<String>,
    /// The document.
    pub document: Document,
}

/// Why a document is not valid.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ValidateError {
    /// It does not read as a payload.
    #[error(transparent)]
    Read(#[from] ReadError),
    /// It reads but breaks build rules.
    #[error("{} rule violation(s): {}", .0.len(), .0.iter().map(ToString::to_string).collect::<Vec<_>>().join("; "))]
    Rules(Vec<RuleViolation>),
}

/// Validates one XML document.
///
/// ```
/// use fleetwire_payload::validate::{validate, ValidateError};
/// let locked_down_with_ip = r#"<officeDevice xmlns="urn:fleetwire:payload:1" schemaVersion="1.0"
///   securityMode="locked-down"><generated>2027-01-15T08:00:00Z</generated>
///   <device><identity/><network><ipv4><address>10.1.2.3</address></ipv4></network></device>
/// </officeDevice>"#;
/// assert!(matches!(validate(locked_down_with_ip.as_bytes()), Err(ValidateError::Rules(_))));
/// ```
pub fn validate(xml: &[u8]) -> Result<ValidationReport, ValidateError> {
    let parsed = Document::from_xml(xml)?;
    let violations = parsed.document.check_rules();
    if !violations.is_empty() {
        return Err(ValidateError::Rules(violations));
    }
    Ok(ValidationReport {
        kind: parsed.document.kind(),
        schema_version: parsed.document.schema_version(),
        unknown: parsed.unknown,
        document: parsed.document,
    })
}
