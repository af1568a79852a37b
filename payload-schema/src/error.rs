//! Error types: one per layer (values, XML documents, rules, packages).

use thiserror::Error;

/// A scalar value that breaks its type's invariant.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum ValueError {
    /// Text must not be empty (leave the optional element out instead).
    #[error("empty text")]
    EmptyText,
    /// Text longer than [`crate::text::MAX_TEXT_LEN`].
    #[error("text of {len} bytes is longer than the limit")]
    TextTooLong {
        /// Its length in bytes.
        len: usize,
    },
    /// A character XML cannot carry (or a carriage return, which XML normalises away).
    #[error("character U+{code:04X} at byte {at} is not allowed in payload text")]
    TextChar {
        /// Byte offset.
        at: usize,
        /// The character's code point.
        code: u32,
    },
    /// Leading or trailing whitespace (XML readers trim it).
    #[error("text has leading or trailing whitespace")]
    TextWhitespace,
    /// Not an e-mail address.
    #[error("not an e-mail address")]
    Email,
    /// Not a MAC-48 address.
    #[error("not a MAC address (six hex pairs separated by ':')")]
    Mac,
    /// Not a `YYYY-MM-DDThh:mm:ssZ` instant in years 1..=9999.
    #[error("not a UTC timestamp of the form YYYY-MM-DDThh:mm:ssZ")]
    Timestamp,
    /// Not 64 lower-case hex digits.
    #[error("not a SHA-256 digest (64 lower-case hex digits)")]
    Digest,
    /// A schema version this crate cannot read.
    #[error("unsupported schemaVersion {0:?} (this reader knows 1.x)")]
    SchemaVersion(String),
    /// A namespace other than [`crate::NAMESPACE`].
    #[error("wrong namespace {0:?}")]
    Namespace(String),
    /// A value of a MIB-derived enumeration that is neither a known name nor an integer.
    #[error("{value:?} is not a {kind} (a name or an integer)")]
    Enum {
        /// The enumeration.
        kind: &'static str,
        /// The offending text (truncated).
        value: String,
    },
    /// A supply level that is neither a non-negative number nor a special value.
    #[error("{0:?} is not a supply level (a number, other, unknown or some-remaining)")]
    Level(String),
    /// A list longer than its type allows.
    #[error("{len} items where at most {max} are allowed")]
    TooMany {
        /// Items given.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// The snapshot's `level` and `level_kind` disagree.
    #[error("level_kind {kind:?} with level {level:?}")]
    LevelKind {
        /// The kind given.
        kind: String,
        /// The level given.
        level: Option<u32>,
    },
}

/// A rule a payload breaks (checked before every write and by [`crate::validate()`]).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[non_exhaustive]
pub enum RuleViolation {
    /// Locked Down mode and an IP address or DNS name of the host or a device is present.
    #[error("{path}: locked-down payloads must not carry IP addresses or DNS names")]
    LockedDownAddress {
        /// Where in the document.
        path: String,
    },
    /// Engineering/debug data without the engineering consent flag.
    #[error("{path}: engineering/debug data needs the engineeringDebug consent flag")]
    EngineeringWithoutConsent {
        /// Where in the document.
        path: String,
    },
    /// Customer-job data without the customer-jobs consent flag.
    #[error("{path}: customer-job data needs the customerJobs consent flag")]
    CustomerJobsWithoutConsent {
        /// Where in the document.
        path: String,
    },
    /// Two rows with the same index where indexes identify rows.
    #[error("{path}: index {index} appears more than once")]
    DuplicateIndex {
        /// Which table.
        path: String,
        /// The repeated index.
        index: u32,
    },
    /// Sequence numbers that do not increase.
    #[error("{path}: sequence {sequence} does not follow {previous}")]
    SequenceOrder {
        /// Which batch.
        path: String,
        /// The earlier number.
        previous: u64,
        /// The number that should be larger.
        sequence: u64,
    },
    /// Two rows with the same name where names identify rows.
    #[error("{path}: {name:?} appears more than once")]
    DuplicateName {
        /// Which table.
        path: String,
        /// The repeated name.
        name: String,
    },
    /// An interval that ends before it starts.
    #[error("{path}: ends before it starts")]
    TimeOrder {
        /// Which interval.
        path: String,
    },
}

/// Why an XML document could not be read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum ReadError {
    /// Larger than the reader's limit.
    #[error("document of {len} bytes exceeds the {max}-byte limit")]
    TooLarge {
        /// Its size.
        len: usize,
        /// The limit.
        max: usize,
    },
    /// Not UTF-8.
    #[error("document is not UTF-8 (at byte {at})")]
    Utf8 {
        /// First bad byte.
        at: usize,
    },
    /// Not well-formed XML (or a construct we refuse, such as a DTD).
    #[error("malformed XML at byte {at}: {message}")]
    Xml {
        /// Byte position.
        at: u64,
        /// The parser's message.
        message: String,
    },
    /// Elements nested deeper than [`crate::document::MAX_DEPTH`].
    #[error("elements nested deeper than {max} at byte {at}")]
    TooDeep {
        /// Byte position.
        at: u64,
        /// The limit.
        max: usize,
    },
    /// The root element is not one of ours.
    #[error("root element {found:?} is not a Fleetwire payload")]
    UnknownRoot {
        /// The root's name.
        found: String,
    },
    /// The document does not match its type (a missing element, a bad value ...).
    #[error("{kind}: {message}")]
    Schema {
        /// The payload kind being read.
        kind: &'static str,
        /// What the deserializer found.
        message: String,
    },
}

/// Why a document could not be written.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum WriteError {
    /// The payload breaks a rule; nothing was written.
    #[error("payload breaks {} rule(s); first: {}", .0.len(), .0.first().map_or(String::new(), ToString::to_string))]
    Rules(Vec<RuleViolation>),
    /// The XML serializer failed.
    #[error("XML serializer: {0}")]
    Xml(String),
    /// The underlying writer failed.
    #[error("writing payload: {0}")]
    Io(#[from] std::io::Error),
}

/// Why a zip package could not be written or read.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum PackageError {
    /// More entries than [`crate::package::Limits::max_entries`].
    #[error("archive has {count} entries; the limit is {max}")]
    TooManyEntries {
        /// Entries in the central directory.
        count: usize,
        /// The limit.
        max: usize,
    },
    /// The entries would expand to more than [`crate::package::Limits::max_total_size`].
    #[error("entry {entry:?} takes the uncompressed total past the {max}-byte limit")]
    TooLarge {
        /// The entry that crossed the limit.
        entry: String,
        /// The limit.
        max: u64,
    },
    /// An entry expands more than [`crate::package::Limits::max_ratio`] times (a zip bomb).
    #[error("entry {entry:?} expands {ratio}x (limit {max}x): refused as a zip bomb")]
    CompressionRatio {
        /// The entry.
        entry: String,
        /// Its declared (or actual) expansion ratio, rounded up.
        ratio: u64,
        /// The limit.
        max: u64,
    },
    /// An entry holds more bytes than its header declared.
    #[error("entry {entry:?} is larger than its declared size of {declared} bytes")]
    SizeMismatch {
        /// The entry.
        entry: String,
        /// Its declared size.
        declared: u64,
    },
    /// An entry could not be inflated (corrupt data, a CRC mismatch, more data than declared).
    #[error("entry {entry:?}: inflating failed: {source}")]
    Inflate {
        /// The entry.
        entry: String,
        /// The decoder's error.
        #[source]
        source: std::io::Error,
    },
    /// A name that is not a plain relative file name (absolute, `..`, a directory, odd characters).
    #[error("entry name {0:?} is not allowed")]
    EntryName(String),
    /// Two entries with the same name.
    #[error("entry {0:?} appears twice")]
    DuplicateEntry(String),
    /// Encrypted entries or a compression method other than stored/deflate.
    #[error("entry {entry:?} uses an unsupported feature: {what}")]
    Unsupported {
        /// The entry.
        entry: String,
        /// What it uses.
        what: String,
    },
    /// No `manifest.xml`.
    #[error("archive has no manifest.xml")]
    MissingManifest,
    /// The manifest lists an entry the archive lacks.
    #[error("manifest lists {0:?}, which the archive does not contain")]
    MissingEntry(String),
    /// The archive holds an entry the manifest does not list.
    #[error("entry {0:?} is not listed in the manifest")]
    UnlistedEntry(String),
    /// An entry's SHA-256 differs from the manifest's.
    #[error("entry {entry:?}: SHA-256 {actual} does not match the manifest's {expected}")]
    Digest {
        /// The entry.
        entry: String,
        /// From the manifest.
        expected: crate::Sha256,
        /// Computed.
        actual: crate::Sha256,
    },
    /// An entry's size differs from the manifest's.
    #[error("entry {entry:?}: {actual} bytes, the manifest says {expected}")]
    ManifestSize {
        /// The entry.
        entry: String,
        /// From the manifest.
        expected: u64,
        /// Read.
        actual: u64,
    },
    /// A listed entry does not parse as a payload.
    #[error("entry {entry:?}: {source}")]
    Entry {
        /// The entry.
        entry: String,
        /// Why.
        #[source]
        source: ReadError,
    },
    /// The manifest does not parse.
    #[error("manifest.xml: {0}")]
    Manifest(#[source] ReadError),
    /// A payload could not be written into the archive.
    #[error("entry {entry:?}: {source}")]
    Write {
        /// The entry.
        entry: String,
        /// Why.
        #[source]
        source: WriteError,
    },
    /// The zip structure is broken.
    #[error("zip: {0}")]
    Zip(#[from] zip::result::ZipError),
    /// Reading or writing the underlying file failed.
    #[error("I/O: {0}")]
    Io(#[from] std::io::Error),
}
