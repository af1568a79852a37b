//! Zip packaging: one or more XML documents plus `manifest.xml` with each entry's size and
//! SHA-256.
//!
//! [`PackageWriter`] streams: a document is serialized straight into the deflate stream of its
//! zip entry (through a SHA-256 hasher), so neither the XML text nor a second copy of the
//! payload is ever held in memory. [`PackageReader`] checks the central directory against
//! [`Limits`] (entry count, total uncompressed size, compression ratio) before inflating
//! anything, never inflates more than an entry declared, and verifies every entry against the
//! manifest.
//!
//! ```
//! use fleetwire_payload::*;
//! use std::io::Cursor;
//! let doc = Document::Registration(Box::new(Registration {
//!     namespace: Namespace,
//!     schema_version: SchemaVersion::CURRENT,
//!     agent_id: "agent-7".parse().unwrap(),
//!     app_version: "0.1.0".parse().unwrap(),
//!     registered: Timestamp::from_unix(1_800_000_000).unwrap(),
//!     location: "Building 2".parse().unwrap(),
//!     contact_email: Pii::new(Email::new("ops@example.com").unwrap()),
//!     site_id: None,
//! }));
//! let mut w = PackageWriter::new(Cursor::new(Vec::new()), Timestamp::from_unix(1_800_000_000).unwrap());
//! w.add_document("registration.xml", &doc).unwrap();
//! let (zip, manifest) = w.finish().unwrap();
//! assert_eq!(manifest.entry.len(), 1);
//!
//! let mut r = PackageReader::open(Cursor::new(zip.into_inner()), Limits::default()).unwrap();
//! let parsed = r.read_document("registration.xml").unwrap();
//! assert_eq!(parsed.document, doc);
//! ```

use std::collections::BTreeSet;
use std::io::{self, Read, Seek, Write};

use serde::{Deserialize, Serialize};
use sha2::Digest as _;
use zip::write::SimpleFileOptions;
use zip::{CompressionMethod, ZipArchive, ZipWriter};

use crate::document::{Document, Parsed, PayloadKind};
use crate::error::{PackageError, RuleViolation, WriteError};
use crate::text::{Namespace, SchemaVersion, Sha256, Text, Timestamp};

/// Name of the manifest entry.
pub const MANIFEST_NAME: &str = "manifest.xml";

/// Longest entry name.
pub const MAX_NAME_LEN: usize = 128;

/// What a reader accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most entries, manifest included.
    pub max_entries: usize,
    /// Most uncompressed bytes over all entries.
    pub max_total_size: u64,
    /// Highest uncompressed/compressed ratio of any entry.
    pub max_ratio: u64,
}

impl Default for Limits {
    /// 1,000 entries, 1 GiB in total, ratio 200 (XML fleet payloads deflate about 10-60x; zip
    /// bombs thousands of times).
    fn default() -> Self {
        Self {
            max_entries: 1000,
            max_total_size: 1 << 30,
            max_ratio: 200,
        }
    }
}

/// `manifest.xml`: each entry's name, kind, size and SHA-256.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename = "manifest", rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Manifest {
    /// `xmlns`.
    #[serde(rename = "@xmlns")]
    pub namespace: Namespace,
    /// `schemaVersion`.
    #[serde(rename = "@schemaVersion")]
    pub schema_version: SchemaVersion,
    /// When the package was written.
    pub created: Timestamp,
    /// The entries, in archive order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub entry: Vec<ManifestEntry>,
}

/// One manifest row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct ManifestEntry {
    /// Entry name in the zip.
    pub name: Text,
    /// Payload kind (its short name).
    pub kind: PayloadKind,
    /// Uncompressed size in bytes.
    pub size: u64,
    /// SHA-256 of the uncompressed bytes.
    pub sha256: Sha256,
}

impl Manifest {
    pub(crate) fn rules(&self, out: &mut Vec<RuleViolation>) {
        let mut seen = BTreeSet::new();
        for e in &self.entry {
            if !seen.insert(e.name.as_str()) {
                out.push(RuleViolation::DuplicateName {
                    path: "manifest/entry".into(),
                    name: e.name.to_string(),
                });
            }
        }
    }
}

/// Checks an entry name: 1 to [`MAX_NAME_LEN`] of `A-Z a-z 0-9 . _ -`, not starting with a dot.
pub fn check_entry_name(name: &str) -> Result<(), PackageError> {
    let ok = !name.is_empty()
        && name.len() <= MAX_NAME_LEN
        && !name.starts_with('.')
        && name
            .bytes()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, b'.' | b'_' | b'-'));
    if ok {
        Ok(())
    } else {
        Err(PackageError::EntryName(name.chars().take(200).collect()))
    }
}

/// Writes a package. Entries are deflated; timestamps are fixed (1980-01-01), so the same
/// documents give the same bytes.
#[derive(Debug)]
pub struct PackageWriter<W: Write + Seek> {
    zip: ZipWriter<W>,
    manifest: Manifest,
}

impl<W: Write + Seek> PackageWriter<W> {
    /// A package writing into `inner`.
    pub fn new(inner: W, created: Timestamp) -> Self {
        Self {
            zip: ZipWriter::new(inner),
            manifest: Manifest {
                namespace: Namespace,
                schema_version: SchemaVersion::CURRENT,
                created,
                entry: Vec::new(),
            },
        }
    }

    fn options() -> SimpleFileOptions {
        SimpleFileOptions::default()
            .compression_method(CompressionMethod::Deflated)
            .compression_level(Some(6))
    }

    /// Starts an entry; write the XML into the returned writer, then call
    /// [`EntryWriter::finish`].
    pub fn start_entry(
        &mut self,
        name: &str,
        kind: PayloadKind,
    ) -> Result<EntryWriter<'_, W>, PackageError> {
        check_entry_name(name)?;
        if name == MANIFEST_NAME {
            return Err(PackageError::EntryName(name.to_owned()));
        }
        if self.manifest.entry.iter().any(|e| e.name.as_str() == name) {
            return Err(PackageError::DuplicateEntry(name.to_owned()));
        }
        let text = Text::new(name).map_err(|_| PackageError::EntryName(name.to_owned()))?;
        self.zip.start_file(name, Self::options())?;
        Ok(EntryWriter {
            out: io::BufWriter::with_capacity(
                64 * 1024,
                Hashing {
                    zip: &mut self.zip,
                    hasher: sha2::Sha256::new(),
                    size: 0,
                },
            ),
            manifest: &mut self.manifest,
            name: text,
            kind,
        })
    }

    /// Serializes `doc` straight into a new entry.
    pub fn add_document(
        &mut self,
        name: &str,
        doc: &Document,
    ) -> Result<ManifestEntry, PackageError> {
        let mut entry = self.start_entry(name, doc.kind())?;
        doc.write_xml(&mut entry)
            .map_err(|source| PackageError::Write {
                entry: name.to_owned(),
                source,
            })?;
        entry.finish()
    }

    /// Writes `manifest.xml` and the zip's central directory; returns the writer and the
    /// manifest.
    pub fn finish(mut self) -> Result<(W, Manifest), PackageError> {
        let manifest = self.manifest.clone();
        let doc = Document::Manifest(Box::new(manifest));
        self.zip.start_file(MANIFEST_NAME, Self::options())?;
        doc.write_xml(&mut self.zip)
            .map_err(|source| PackageError::Write {
                entry: MANIFEST_NAME.to_owned(),
                source,
            })?;
        let inner = self.zip.finish()?;
        let Document::Manifest(manifest) = doc else {
            return Err(PackageError::MissingManifest);
        };
        Ok((inner, *manifest))
    }
}

/// Hashes and counts what goes into the zip entry.
struct Hashing<'a, W: Write + Seek> {
    zip: &'a mut ZipWriter<W>,
    hasher: sha2::Sha256,
    size: u64,
}

impl<W: Write + Seek> Write for Hashing<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        let n = self.zip.write(buf)?;
        let done = buf.get(..n).unwrap_or(buf);
        self.hasher.update(done);
        self.size += n as u64;
        Ok(n)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.zip.flush()
    }
}

/// An entry being written (see [`PackageWriter::start_entry`]).
pub struct EntryWriter<'a, W: Write + Seek> {
    out: io::BufWriter<Hashing<'a, W>>,
    manifest: &'a mut Manifest,
    name: Text,
    kind: PayloadKind,
}

impl<W: Write + Seek> std::fmt::Debug for EntryWriter<'_, W> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EntryWriter")
            .field("name", &self.name)
            .field("kind", &self.kind)
            .finish()
    }
}

impl<W: Write + Seek> EntryWriter<'_, W> {
    /// Completes the entry and records it in the manifest.
    pub fn finish(self) -> Result<ManifestEntry, PackageError> {
        let hashing = self
            .out
            .into_inner()
            .map_err(|e| PackageError::Io(e.into_error()))?;
        let entry = ManifestEntry {
            name: self.name,
            kind: self.kind,
            size: hashing.size,
            sha256: Sha256::new(hashing.hasher.finalize().into()),
        };
        self.manifest.entry.push(entry.clone());
        Ok(entry)
    }
}

impl<W: Write + Seek> Write for EntryWriter<'_, W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.out.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        self.out.flush()
    }
}

/// A package opened for reading: the central directory checked against the limits, the
/// manifest read and matched against the entries.
#[derive(Debug)]
pub struct PackageReader<R: Read + Seek> {
    archive: ZipArchive<R>,
    manifest: Manifest,
    limits: Limits,
}

/// What [`PackageReader::verify`] found for one entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntryInfo {
    /// The manifest row (name, kind, size, digest) — verified.
    pub entry: ManifestEntry,
    /// Compressed size in the archive.
    pub compressed_size: u64,
}

impl<R: Read + Seek> PackageReader<R> {
    /// Opens a package, enforcing `limits` on the central directory before inflating anything.
    pub fn open(reader: R, limits: Limits) -> Result<Self, PackageError> {
        let mut archive = ZipArchive::new(reader)?;
        if archive.len() > limits.max_entries {
            return Err(PackageError::TooManyEntries {
                count: archive.len(),
                max: limits.max_entries,
            });
        }
        let mut names = BTreeSet::new();
        let mut total: u64 = 0;
        for i in 0..archive.len() {
            let file = archive.by_index_raw(i)?;
            let name = file.name()?.into_owned();
            check_entry_name(&name)?;
            if !names.insert(name.clone()) {
                return Err(PackageError::DuplicateEntry(name));
            }
            if file.encrypted() {
                return Err(PackageError::Unsupported {
                    entry: name,
                    what: "encryption".into(),
                });
            }
            if !matches!(
                file.compression(),
                CompressionMethod::Deflated | CompressionMethod::Stored
            ) {
                return Err(PackageError::Unsupported {
                    entry: name,
                    what: format!("compression method {:?}", file.compression()),
                });
            }
            let ratio = file.size().div_ceil(file.compressed_size().max(1));
            if ratio > limits.max_ratio {
                return Err(PackageError::CompressionRatio {
                    entry: name,
                    ratio,
                    max: limits.max_ratio,
                });
            }
            total = total.saturating_add(file.size());
            if total > limits.max_total_size {
                return Err(PackageError::TooLarge {
                    entry: name,
                    max: limits.max_total_size,
                });
            }
        }
        if !names.contains(MANIFEST_NAME) {
            return Err(PackageError::MissingManifest);
        }
        let bytes = inflate(&mut archive, MANIFEST_NAME)?;
        let parsed = Document::from_xml(&bytes).map_err(PackageError::Manifest)?;
        let Document::Manifest(manifest) = parsed.document else {
            return Err(PackageError::Manifest(crate::ReadError::UnknownRoot {
                found: parsed.document.kind().root().to_owned(),
            }));
        };
        let listed: BTreeSet<&str> = manifest.entry.iter().map(|e| e.name.as_str()).collect();
        if listed.len() != manifest.entry.len() {
            return Err(PackageError::Manifest(crate::ReadError::Schema {
                kind: "manifest",
                message: "an entry is listed twice".into(),
            }));
        }
        if let Some(missing) = listed.iter().find(|n| !names.contains(**n)) {
            return Err(PackageError::MissingEntry((*missing).to_owned()));
        }
        if let Some(extra) = names
            .iter()
            .find(|n| *n != MANIFEST_NAME && !listed.contains(n.as_str()))
        {
            return Err(PackageError::UnlistedEntry(extra.clone()));
        }
        Ok(Self {
            archive,
            manifest: *manifest,
            limits,
        })
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The listed entries' names, in manifest order.
    pub fn entry_names(&self) -> Vec<String> {
        self.manifest
            .entry
            .iter()
            .map(|e| e.name.to_string())
            .collect()
    }

    /// The limits in force.
    pub fn limits(&self) -> Limits {
        self.limits
    }

    /// The bytes of a listed entry, checked against the manifest's size and SHA-256.
    pub fn read_entry(&mut self, name: &str) -> Result<Vec<u8>, PackageError> {
        let Some(entry) = self
            .manifest
            .entry
            .iter()
            .find(|e| e.name.as_str() == name)
            .cloned()
        else {
            return Err(PackageError::MissingEntry(name.to_owned()));
        };
        let bytes = inflate(&mut self.archive, name)?;
        if bytes.len() as u64 != entry.size {
            return Err(PackageError::ManifestSize {
                entry: name.to_owned(),
                expected: entry.size,
                actual: bytes.len() as u64,
            });
        }
        let actual = Sha256::digest(&bytes);
        if actual != entry.sha256 {
            return Err(PackageError::Digest {
                entry: name.to_owned(),
                expected: entry.sha256,
                actual,
            });
        }
        Ok(bytes)
    }

    /// Reads and parses a listed entry.
    pub fn read_document(&mut self, name: &str) -> Result<Parsed, PackageError> {
        let bytes = self.read_entry(name)?;
        Document::from_xml(&bytes).map_err(|e| PackageError::Entry {
            entry: name.to_owned(),
            source: e,
        })
    }

    /// Verifies every entry (size and digest) without keeping the bytes; returns them in
    /// manifest order with their compressed sizes.
    pub fn verify(&mut self) -> Result<Vec<EntryInfo>, PackageError> {
        let entries = self.manifest.entry.clone();
        let mut out = Vec::with_capacity(entries.len());
        for entry in entries {
            let name = entry.name.as_str();
            let file = self.archive.by_name(name)?;
            let compressed_size = file.compressed_size();
            let declared = file.size();
            let mut hashing = HashSink {
                hasher: sha2::Sha256::new(),
                size: 0,
            };
            io::copy(&mut file.take(declared.saturating_add(1)), &mut hashing).map_err(
                |source| PackageError::Inflate {
                    entry: name.to_owned(),
                    source,
                },
            )?;
            if hashing.size > declared {
                return Err(PackageError::SizeMismatch {
                    entry: name.to_owned(),
                    declared,
                });
            }
            if hashing.size != entry.size {
                return Err(PackageError::ManifestSize {
                    entry: name.to_owned(),
                    expected: entry.size,
                    actual: hashing.size,
                });
            }
            let actual = Sha256::new(hashing.hasher.finalize().into());
            if actual != entry.sha256 {
                return Err(PackageError::Digest {
                    entry: name.to_owned(),
                    expected: entry.sha256,
                    actual,
                });
            }
            out.push(EntryInfo {
                entry,
                compressed_size,
            });
        }
        Ok(out)
    }
}

/// Inflates one entry, never past its declared size (the central directory passed the limits,
/// so the declared size is bounded by `max_total_size`).
fn inflate<R: Read + Seek>(
    archive: &mut ZipArchive<R>,
    name: &str,
) -> Result<Vec<u8>, PackageError> {
    let file = archive.by_name(name)?;
    let declared = file.size();
    let mut out = Vec::with_capacity(usize::try_from(declared.min(1 << 24)).unwrap_or(0));
    file.take(declared.saturating_add(1))
        .read_to_end(&mut out)
        .map_err(|source| PackageError::Inflate {
            entry: name.to_owned(),
            source,
        })?;
    if out.len() as u64 > declared {
        return Err(PackageError::SizeMismatch {
            entry: name.to_owned(),
            declared,
        });
    }
    Ok(out)
}

struct HashSink {
    hasher: sha2::Sha256,
    size: u64,
}

impl Write for HashSink {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.hasher.update(buf);
        self.size += buf.len() as u64;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// Writes an agent payload streamed from `devices` into a new package entry (see
/// [`crate::AgentPayloadWriter`]).
pub fn add_agent_stream<W: Write + Seek>(
    package: &mut PackageWriter<W>,
    name: &str,
    generated: Timestamp,
    agent: crate::AgentIdentity,
    devices: impl IntoIterator<Item = impl std::borrow::Borrow<crate::DeviceRecord>>,
    policy: &crate::BuildPolicy,
) -> Result<ManifestEntry, PackageError> {
    let wrap = |source: WriteError| PackageError::Write {
        entry: name.to_owned(),
        source,
    };
    let entry = package.start_entry(name, PayloadKind::Agent)?;
    let mut w = crate::AgentPayloadWriter::start(entry, generated, agent, policy).map_err(wrap)?;
    for d in devices {
        w.push_device(d).map_err(wrap)?;
    }
    w.finish(Vec::new(), Vec::new()).map_err(wrap)?.finish()
}
