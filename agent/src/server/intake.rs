//! Checking an uploaded package, sans-IO: bytes in, the accepted documents
//! ([`check_package`]) or an [`IntakeError`] out.
//!
//! A package is accepted when the zip opens under the payload crate's [`Limits`] (entry count,
//! total size, compression ratio), every entry matches the manifest's size and SHA-256, and every
//! XML entry validates ([`fleetwire_payload::validate()`]: it parses into its type, the namespace
//! and major version are ours, and the build rules hold — Locked Down documents carry no IP
//! address or DNS name, PII only with consent). The XSDs in the payload crate say the same for
//! `xmllint`; the payload crate's tests keep both in agreement, and `tests/server.rs` checks what
//! arrived with `xmllint --schema`.

use std::io::Cursor;

use fleetwire_payload::{DeviceRecord, Document, Limits, PackageReader, PayloadKind, validate};

/// One validated document of an accepted package.
#[derive(Debug, Clone, PartialEq)]
pub struct AcceptedDocument {
    /// The zip entry name.
    pub entry: String,
    /// Its kind.
    pub kind: PayloadKind,
    /// The devices it describes (see [`device_key`]); empty for site information and the like.
    pub devices: Vec<String>,
    /// Elements and attributes this schema version does not know (tolerated).
    pub unknown: Vec<String>,
    /// The document.
    pub document: Document,
    /// The entry's bytes as they arrived, when the server keeps them
    /// ([`super::ServerOptions::keep_xml`]); empty otherwise.
    pub xml: Vec<u8>,
}

/// Why a package was refused (the server answers `422` with this text).
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IntakeError {
    /// The zip, its limits or its manifest.
    #[error("package: {0}")]
    Package(#[from] fleetwire_payload::PackageError),
    /// An entry does not validate.
    #[error("entry {entry}: {source}")]
    Invalid {
        /// The entry.
        entry: String,
        /// Why.
        #[source]
        source: fleetwire_payload::validate::ValidateError,
    },
    /// The package holds no document besides its manifest.
    #[error("package holds no document")]
    Empty,
}

/// Opens, verifies and validates a package; the documents in manifest order, with their bytes
/// when `keep_xml`.
pub fn check_package(zip: &[u8], keep_xml: bool) -> Result<Vec<AcceptedDocument>, IntakeError> {
    let mut reader = PackageReader::open(Cursor::new(zip), Limits::default())?;
    let mut out = Vec::new();
    for entry in reader.entry_names() {
        let bytes = reader.read_entry(&entry)?;
        let report = validate(&bytes).map_err(|source| IntakeError::Invalid {
            entry: entry.clone(),
            source,
        })?;
        out.push(AcceptedDocument {
            devices: devices_of(&report.document),
            kind: report.kind,
            unknown: report.unknown,
            document: report.document,
            entry,
            xml: if keep_xml { bytes } else { Vec::new() },
        });
    }
    if out.is_empty() {
        return Err(IntakeError::Empty);
    }
    Ok(out)
}

/// How the server names a device: its serial number, else its first MAC address, else its
/// model; `unidentified` when the record has none of them.
pub fn device_key(device: &DeviceRecord) -> String {
    if let Some(serial) = &device.identity.serial_number {
        return serial.to_string();
    }
    if let Some(mac) = device.network.mac.first() {
        return mac.to_string();
    }
    match &device.identity.model {
        Some(model) => model.to_string(),
        None => "unidentified".to_owned(),
    }
}

fn devices_of(document: &Document) -> Vec<String> {
    match document {
        Document::Office(p) => vec![device_key(&p.device)],
        Document::Production(p) => vec![device_key(&p.device)],
        Document::Agent(p) => p.device.iter().map(device_key).collect(),
        _ => Vec::new(),
    }
}
