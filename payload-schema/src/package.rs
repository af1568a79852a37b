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

impl Limits {
    /// 1,000 entries, 1 GiB in total, ratio 200 (XML fleet payloads deflate about 10-60x; zip
    /// bombs thousands of times). Writers that want their packages read with the defaults
    /// (the agent, which splits a large fleet into several packages) size them from this.
    pub const DEFAULT: Self = Self {
        max_entries: 1000,
        max_total_size: 1 << 30,
        max_ratio: 200,
    };
}

impl Default for Limits {
    /// [`Limits::DEFAULT`].
    fn default() -> Self {
        Self::DEFAULT
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

    /// Checks `name` and starts its zip entry.
    fn begin(&mut self, name: &str) -> Result<Text, PackageError> {
        check_entry_name(name)?;
        if name == MANIFEST_NAME {
            return Err(PackageError::EntryName(name.to_owned()));
        }
        if self.manifest.entry.iter().any(|e| e.name.as_str() == name) {
            return Err(PackageError::DuplicateEntry(name.to_owned()));
        }
        let text = Text::new(name).map_err(|_| PackageError::EntryName(name.to_owned()))?;
        self.zip.start_file(name, Self::options())?;
        Ok(text)
    }

    /// Starts an entry; write the XML into the returned writer, then call
    /// [`EntryWriter::finish`]. Everything runs on the caller's thread; [`Self::add_document`]
    /// and [`add_agent_stream`] overlap serialization with compression on a second thread.
    pub fn start_entry(
        &mut self,
        name: &str,
        kind: PayloadKind,
    ) -> Result<EntryWriter<'_, W>, PackageError> {
        let text = self.begin(name)?;
        Ok(EntryWriter {
            out: io::BufWriter::with_capacity(64 * 1024, Hashing::new(&mut self.zip)),
            manifest: &mut self.manifest,
            name: text,
            kind,
        })
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

impl<W: Write + Seek + Send> PackageWriter<W> {
    /// Serializes `doc` into a new entry: the caller's thread serializes while a second thread
    /// hashes and deflates, exchanging bounded chunks; the bytes are those of
    /// [`Self::start_entry`].
    pub fn add_document(
        &mut self,
        name: &str,
        doc: &Document,
    ) -> Result<ManifestEntry, PackageError> {
        self.add_pipelined(name, doc.kind(), |out| doc.write_xml(out))
    }

    /// Starts entry `name` and runs `produce` on this thread, writing into bounded chunks that a
    /// second thread hashes and deflates into the zip, in order.
    fn add_pipelined(
        &mut self,
        name: &str,
        kind: PayloadKind,
        produce: impl FnOnce(&mut pipeline::Chunks) -> Result<(), WriteError>,
    ) -> Result<ManifestEntry, PackageError> {
        let text = self.begin(name)?;
        let hashing = pipeline::run(Hashing::new(&mut self.zip), produce).map_err(|source| {
            PackageError::Write {
                entry: name.to_owned(),
                source,
            }
        })?;
        Ok(hashing.record(&mut self.manifest, text, kind))
    }
}

/// Hashes and counts what goes into the zip entry.
struct Hashing<'a, W: Write + Seek> {
    zip: &'a mut ZipWriter<W>,
    hasher: sha2::Sha256,
    size: u64,
}

impl<'a, W: Write + Seek> Hashing<'a, W> {
    fn new(zip: &'a mut ZipWriter<W>) -> Self {
        Self {
            zip,
            hasher: sha2::Sha256::new(),
            size: 0,
        }
    }

    /// The finished entry's manifest row, appended to `manifest`.
    fn record(self, manifest: &mut Manifest, name: Text, kind: PayloadKind) -> ManifestEntry {
        let entry = ManifestEntry {
            name,
            kind,
            size: self.size,
            sha256: Sha256::new(self.hasher.finalize().into()),
        };
        manifest.entry.push(entry.clone());
        entry
    }
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
        Ok(hashing.record(self.manifest, self.name, self.kind))
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
/// [`crate::AgentPayloadWriter`]). The devices are serialized on the caller's thread while a
/// second thread hashes and deflates them (see [`PackageWriter::add_document`]); the bytes are
/// those of [`crate::AgentPayloadWriter`] over [`PackageWriter::start_entry`].
pub fn add_agent_stream<W: Write + Seek + Send>(
    package: &mut PackageWriter<W>,
    name: &str,
    generated: Timestamp,
    agent: crate::AgentIdentity,
    devices: impl IntoIterator<Item = impl std::borrow::Borrow<crate::DeviceRecord>>,
    policy: &crate::BuildPolicy,
) -> Result<ManifestEntry, PackageError> {
    package.add_pipelined(name, PayloadKind::Agent, |out| {
        let mut w = crate::AgentPayloadWriter::start(out, generated, agent, policy)?;
        for d in devices {
            w.push_device(d)?;
        }
        w.finish(Vec::new(), Vec::new()).map(drop)
    })
}

/// Serialization and compression on two threads, joined by a bounded channel of chunks.
///
/// The producer (the caller's thread) fills [`CHUNK`]-byte buffers; at most [`IN_FLIGHT`]
/// full ones wait in the channel while the compressor thread feeds another to the SHA-256
/// hasher and the zip entry's deflate stream. Emptied buffers go back to the producer, so the
/// memory held is a handful of chunks whatever the payload's size. The compressor writes the
/// chunks in order into the same deflate stream, so the bytes are those of a single thread.
pub(crate) mod pipeline {
    use std::io::{self, Write};
    use std::sync::mpsc::{Receiver, SyncSender, sync_channel};
    use std::thread;

    use crate::error::WriteError;

    /// Bytes per chunk.
    pub(crate) const CHUNK: usize = 64 * 1024;

    /// Full chunks waiting for the compressor.
    pub(crate) const IN_FLIGHT: usize = 2;

    /// The producer's end: an [`io::Write`] that ships full chunks to the compressor.
    pub(crate) struct Chunks {
        buf: Vec<u8>,
        full: SyncSender<Vec<u8>>,
        empty: Receiver<Vec<u8>>,
    }

    impl Chunks {
        /// Ships the current chunk and takes an emptied one (or a new one).
        fn ship(&mut self) -> io::Result<()> {
            let next = self
                .empty
                .try_recv()
                .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
            let full = std::mem::replace(&mut self.buf, next);
            self.full
                .send(full)
                .map_err(|_| io::Error::new(io::ErrorKind::BrokenPipe, "compressor stopped"))
        }
    }

    impl Write for Chunks {
        fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
            let room = CHUNK.saturating_sub(self.buf.len());
            let take = buf.get(..room).unwrap_or(buf);
            self.buf.extend_from_slice(take);
            if self.buf.len() >= CHUNK {
                self.ship()?;
            }
            Ok(take.len())
        }

        fn flush(&mut self) -> io::Result<()> {
            Ok(())
        }
    }

    /// Runs `produce` on this thread and a compressor thread writing every chunk into `sink`;
    /// returns `sink` once all of it is written. A failed sink stops the producer (its next
    /// chunk has nowhere to go) and its error is the one returned.
    pub(crate) fn run<S: Write + Send>(
        sink: S,
        produce: impl FnOnce(&mut Chunks) -> Result<(), WriteError>,
    ) -> Result<S, WriteError> {
        let (full_tx, full_rx) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        let (empty_tx, empty_rx) = sync_channel::<Vec<u8>>(IN_FLIGHT);
        thread::scope(|scope| {
            let compressor = thread::Builder::new()
                .name("fleetwire-deflate".into())
                .spawn_scoped(scope, move || -> io::Result<S> {
                    let mut sink = sink;
                    for mut chunk in full_rx {
                        sink.write_all(&chunk)?;
                        chunk.clear();
                        // Full means the producer has spares: let this one go.
                        let _ = empty_tx.try_send(chunk);
                    }
                    Ok(sink)
                })
                .map_err(WriteError::Io)?;
            let mut chunks = Chunks {
                buf: Vec::with_capacity(CHUNK),
                full: full_tx,
                empty: empty_rx,
            };
            let produced = produce(&mut chunks).and_then(|()| {
                if chunks.buf.is_empty() {
                    Ok(())
                } else {
                    chunks.ship().map_err(WriteError::Io)
                }
            });
            // Closing the channel ends the compressor's loop.
            drop(chunks);
            let compressed = compressor
                .join()
                .map_err(|_| io::Error::other("compressor thread panicked"));
            match (produced, compressed) {
                (_, Ok(Err(e)) | Err(e)) => Err(WriteError::Io(e)),
                (Err(e), Ok(Ok(_))) => Err(e),
                (Ok(()), Ok(Ok(sink))) => Ok(sink),
            }
        })
    }
}
