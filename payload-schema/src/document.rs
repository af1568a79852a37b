//! Reading and writing payload documents: one [`Document`] per XML file, whichever kind it is.

use std::fmt;
use std::io;

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::agent::AgentPayload;
use crate::error::{ReadError, RuleViolation, WriteError};
use crate::office::{OfficeDevicePayload, ProductionDevicePayload};
use crate::package::Manifest;
use crate::records::{
    ActionRequest, ActionResult, Registration, SiteInformation, ThresholdRequest, TransactionBatch,
};

/// Deepest element nesting a reader accepts (ours nest about eight deep).
pub const MAX_DEPTH: usize = 64;

/// Largest document [`Document::from_xml`] reads: 1 GiB, far above a 10,000-device fleet.
pub const MAX_DOCUMENT_SIZE: usize = 1 << 30;

/// The XML declaration every document starts with.
pub(crate) const XML_DECLARATION: &str = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";

/// The payload kinds, each with its root element and XSD.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PayloadKind {
    /// [`OfficeDevicePayload`].
    Office,
    /// [`ProductionDevicePayload`].
    Production,
    /// [`AgentPayload`].
    Agent,
    /// [`SiteInformation`].
    Site,
    /// [`Registration`].
    Registration,
    /// [`ActionRequest`].
    ActionRequest,
    /// [`ActionResult`].
    ActionResult,
    /// [`TransactionBatch`].
    Transactions,
    /// [`ThresholdRequest`].
    Threshold,
    /// [`Manifest`] of a zip package.
    Manifest,
}

impl PayloadKind {
    /// Every kind.
    pub const ALL: [Self; 10] = [
        Self::Office,
        Self::Production,
        Self::Agent,
        Self::Site,
        Self::Registration,
        Self::ActionRequest,
        Self::ActionResult,
        Self::Transactions,
        Self::Threshold,
        Self::Manifest,
    ];

    /// The root element's local name.
    pub const fn root(self) -> &'static str {
        match self {
            Self::Office => "officeDevice",
            Self::Production => "productionDevice",
            Self::Agent => "deviceManagement",
            Self::Site => "siteInformation",
            Self::Registration => "registration",
            Self::ActionRequest => "actionRequest",
            Self::ActionResult => "actionResult",
            Self::Transactions => "transactionBatch",
            Self::Threshold => "thresholdRequest",
            Self::Manifest => "manifest",
        }
    }

    /// The kind whose root element is `root`.
    pub fn from_root(root: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.root() == root)
    }

    /// The short name used on the command line and in file names (`office`, `agent` ...).
    pub const fn name(self) -> &'static str {
        match self {
            Self::Office => "office",
            Self::Production => "production",
            Self::Agent => "agent",
            Self::Site => "site",
            Self::Registration => "registration",
            Self::ActionRequest => "action-request",
            Self::ActionResult => "action-result",
            Self::Transactions => "transactions",
            Self::Threshold => "threshold",
            Self::Manifest => "manifest",
        }
    }

    /// The kind named `name` (see [`Self::name`]).
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.name() == name)
    }
}

impl serde::Serialize for PayloadKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

impl<'de> serde::Deserialize<'de> for PayloadKind {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let name = String::deserialize(d)?;
        Self::from_name(&name).ok_or_else(|| {
            serde::de::Error::custom(crate::ValueError::Enum {
                kind: "PayloadKind",
                value: name.chars().take(64).collect(),
            })
        })
    }
}

#[cfg(feature = "arbitrary")]
impl<'a> arbitrary::Arbitrary<'a> for PayloadKind {
    fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
        u.choose(&Self::ALL).copied()
    }
}

impl fmt::Display for PayloadKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Any payload document.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(missing_docs)] // one variant per PayloadKind, documented there
pub enum Document {
    Office(Box<OfficeDevicePayload>),
    Production(Box<ProductionDevicePayload>),
    Agent(Box<AgentPayload>),
    Site(Box<SiteInformation>),
    Registration(Box<Registration>),
    ActionRequest(Box<ActionRequest>),
    ActionResult(Box<ActionResult>),
    Transactions(Box<TransactionBatch>),
    Threshold(Box<ThresholdRequest>),
    Manifest(Box<Manifest>),
}

/// A document read from XML, with the elements and attributes it had that this version does
/// not know (tolerated, as a newer minor schema version may add them).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// The document.
    pub document: Document,
    /// Paths of ignored elements and attributes (`device.consumable.0.newThing`, `@newAttribute`),
    /// in document order.
    pub unknown: Vec<String>,
}

impl Document {
    /// The document's kind.
    pub fn kind(&self) -> PayloadKind {
        match self {
            Self::Office(_) => PayloadKind::Office,
            Self::Production(_) => PayloadKind::Production,
            Self::Agent(_) => PayloadKind::Agent,
            Self::Site(_) => PayloadKind::Site,
            Self::Registration(_) => PayloadKind::Registration,
            Self::ActionRequest(_) => PayloadKind::ActionRequest,
            Self::ActionResult(_) => PayloadKind::ActionResult,
            Self::Transactions(_) => PayloadKind::Transactions,
            Self::Threshold(_) => PayloadKind::Threshold,
            Self::Manifest(_) => PayloadKind::Manifest,
        }
    }

    /// The document's `schemaVersion`.
    pub fn schema_version(&self) -> crate::SchemaVersion {
        match self {
            Self::Office(p) => p.schema_version,
            Self::Production(p) => p.schema_version,
            Self::Agent(p) => p.schema_version,
            Self::Site(p) => p.schema_version,
            Self::Registration(p) => p.schema_version,
            Self::ActionRequest(p) => p.schema_version,
            Self::ActionResult(p) => p.schema_version,
            Self::Transactions(p) => p.schema_version,
            Self::Threshold(p) => p.schema_version,
            Self::Manifest(p) => p.schema_version,
        }
    }

    /// Reads a document of any kind. Refuses DTDs, nesting deeper than [`MAX_DEPTH`], input
    /// over [`MAX_DOCUMENT_SIZE`], wrong namespaces and unknown major versions; tolerates and
    /// reports unknown elements.
    ///
    /// ```
    /// use fleetwire_payload::{Document, PayloadKind};
    /// let xml = r#"<?xml version="1.0" encoding="UTF-8"?>
    /// <registration xmlns="urn:fleetwire:payload:1" schemaVersion="1.1">
    ///   <agentId>agent-7</agentId><appVersion>0.1.0</appVersion>
    ///   <registered>2027-01-15T08:00:00Z</registered><location>Building 2</location>
    ///   <contactEmail>ops@example.com</contactEmail><futureElement>x</futureElement>
    /// </registration>"#;
    /// let parsed = Document::from_xml(xml.as_bytes()).unwrap();
    /// assert_eq!(parsed.document.kind(), PayloadKind::Registration);
    /// assert_eq!(parsed.unknown, ["futureElement"]);
    /// ```
    pub fn from_xml(xml: &[u8]) -> Result<Parsed, ReadError> {
        if xml.len() > MAX_DOCUMENT_SIZE {
            return Err(ReadError::TooLarge {
                len: xml.len(),
                max: MAX_DOCUMENT_SIZE,
            });
        }
        let text = std::str::from_utf8(xml).map_err(|e| ReadError::Utf8 {
            at: e.valid_up_to(),
        })?;
        let kind = prescan(text)?;
        let mut unknown = Vec::new();
        let document = match kind {
            PayloadKind::Office => Self::Office(read(kind, text, &mut unknown)?),
            PayloadKind::Production => Self::Production(read(kind, text, &mut unknown)?),
            PayloadKind::Agent => Self::Agent(read(kind, text, &mut unknown)?),
            PayloadKind::Site => Self::Site(read(kind, text, &mut unknown)?),
            PayloadKind::Registration => Self::Registration(read(kind, text, &mut unknown)?),
            PayloadKind::ActionRequest => Self::ActionRequest(read(kind, text, &mut unknown)?),
            PayloadKind::ActionResult => Self::ActionResult(read(kind, text, &mut unknown)?),
            PayloadKind::Transactions => Self::Transactions(read(kind, text, &mut unknown)?),
            PayloadKind::Threshold => Self::Threshold(read(kind, text, &mut unknown)?),
            PayloadKind::Manifest => Self::Manifest(read(kind, text, &mut unknown)?),
        };
        Ok(Parsed { document, unknown })
    }

    /// The rules this document breaks (empty when it keeps them all): Locked Down addresses,
    /// consent for engineering and customer-job data, unique table indexes, ordered sequences
    /// and intervals.
    pub fn check_rules(&self) -> Vec<RuleViolation> {
        let mut out = Vec::new();
        match self {
            Self::Office(p) => p.rules(&mut out),
            Self::Production(p) => p.rules(&mut out),
            Self::Agent(p) => p.rules(&mut out),
            Self::ActionRequest(p) => p.rules(&mut out),
            Self::ActionResult(p) => {
                if let crate::records::Outcome::Succeeded(s) = &p.outcome
                    && let Some(d) = &s.device
                {
                    crate::policy::device_rules(
                        "succeeded/device",
                        crate::SecurityMode::Normal,
                        d,
                        &mut out,
                    );
                }
            }
            Self::Transactions(p) => p.rules(&mut out),
            Self::Manifest(m) => m.rules(&mut out),
            Self::Site(_) | Self::Registration(_) | Self::Threshold(_) => {}
        }
        out
    }

    /// Writes the document as UTF-8 XML (declaration first), after checking its rules: a
    /// document that breaks one is not written at all.
    pub fn write_xml<W: io::Write>(&self, out: W) -> Result<(), WriteError> {
        let violations = self.check_rules();
        if !violations.is_empty() {
            return Err(WriteError::Rules(violations));
        }
        let mut out = FmtIo::new(out);
        out.write_raw(XML_DECLARATION)?;
        match self {
            Self::Office(p) => out.serialize(p.as_ref(), None),
            Self::Production(p) => out.serialize(p.as_ref(), None),
            Self::Agent(p) => out.serialize(p.as_ref(), None),
            Self::Site(p) => out.serialize(p.as_ref(), None),
            Self::Registration(p) => out.serialize(p.as_ref(), None),
            Self::ActionRequest(p) => out.serialize(p.as_ref(), None),
            Self::ActionResult(p) => out.serialize(p.as_ref(), None),
            Self::Transactions(p) => out.serialize(p.as_ref(), None),
            Self::Threshold(p) => out.serialize(p.as_ref(), None),
            Self::Manifest(p) => out.serialize(p.as_ref(), None),
        }?;
        out.write_raw("\n")?;
        out.into_inner().map(drop)
    }

    /// The document as an XML string (see [`Self::write_xml`]).
    pub fn to_xml(&self) -> Result<String, WriteError> {
        let mut buf = Vec::new();
        self.write_xml(&mut buf)?;
        // The serializer writes UTF-8 only.
        String::from_utf8(buf).map_err(|e| WriteError::Xml(e.to_string()))
    }
}

/// Checks well-formedness, refuses DTDs and deep nesting, and returns the root's kind.
fn prescan(text: &str) -> Result<PayloadKind, ReadError> {
    use quick_xml::events::Event;
    let mut reader = quick_xml::Reader::from_str(text);
    reader.config_mut().check_end_names = true;
    let mut depth = 0usize;
    let mut root: Option<String> = None;
    let mut seen_root_end = false;
    loop {
        let at = reader.buffer_position();
        let event = reader.read_event().map_err(|e| ReadError::Xml {
            at,
            message: e.to_string(),
        })?;
        let xml_err = |message: &str| ReadError::Xml {
            at,
            message: message.to_owned(),
        };
        let (start, empty) = match &event {
            Event::Start(e) => (Some(e), false),
            Event::Empty(e) => (Some(e), true),
            _ => (None, false),
        };
        if let Some(e) = start {
            if seen_root_end {
                return Err(xml_err("content after the root element"));
            }
            if root.is_none() {
                root = Some(e.local_name().as_ref().to_owned());
            }
            if depth + 1 > MAX_DEPTH {
                return Err(ReadError::TooDeep { at, max: MAX_DEPTH });
            }
            if empty {
                seen_root_end |= depth == 0;
            } else {
                depth += 1;
            }
            continue;
        }
        match event {
            Event::End(_) => {
                depth = depth.saturating_sub(1);
                seen_root_end |= depth == 0;
            }
            Event::DocType(_) => return Err(xml_err("DTDs are not allowed")),
            Event::Text(t) if depth == 0 && !t.chars().all(|c| c.is_ascii_whitespace()) => {
                return Err(xml_err("text outside the root element"));
            }
            Event::Eof => break,
            _ => {}
        }
    }
    let root = root.ok_or(ReadError::Xml {
        at: 0,
        message: "no root element".into(),
    })?;
    PayloadKind::from_root(&root).ok_or(ReadError::UnknownRoot {
        found: root.chars().take(100).collect(),
    })
}

fn read<T: DeserializeOwned>(
    kind: PayloadKind,
    text: &str,
    unknown: &mut Vec<String>,
) -> Result<Box<T>, ReadError> {
    let mut de = quick_xml::de::Deserializer::from_str(text);
    serde_ignored::deserialize(&mut de, |path| unknown.push(path.to_string()))
        .map(Box::new)
        .map_err(|e| ReadError::Schema {
            kind: kind.name(),
            message: e.to_string(),
        })
}

/// Buffered `fmt::Write` over an `io::Write` that keeps the I/O error (quick-xml's serializer
/// writes to `fmt::Write`, in many small pieces, and `fmt::Error` can only say that something
/// failed). Call [`FmtIo::into_inner`] to flush.
pub(crate) struct FmtIo<W> {
    inner: W,
    buf: String,
    error: Option<io::Error>,
}

/// Bytes buffered before they go to the inner writer.
const FMT_IO_BUFFER: usize = 32 * 1024;

impl<W: io::Write> FmtIo<W> {
    pub(crate) fn new(inner: W) -> Self {
        Self {
            inner,
            buf: String::with_capacity(FMT_IO_BUFFER),
            error: None,
        }
    }

    fn flush_buf(&mut self) -> io::Result<()> {
        let result = self.inner.write_all(self.buf.as_bytes());
        self.buf.clear();
        result
    }

    pub(crate) fn write_raw(&mut self, s: &str) -> Result<(), WriteError> {
        fmt::Write::write_str(self, s).map_err(|_| self.take_error())
    }

    fn take_error(&mut self) -> WriteError {
        self.error
            .take()
            .map_or_else(|| WriteError::Xml("formatter error".into()), WriteError::Io)
    }

    /// Serializes `value` as an element named `root` (or its serde name).
    pub(crate) fn serialize<T: Serialize + ?Sized>(
        &mut self,
        value: &T,
        root: Option<&str>,
    ) -> Result<(), WriteError> {
        let result = quick_xml::se::Serializer::with_root(&mut *self, root)
            .and_then(|ser| value.serialize(ser).map(|_| ()));
        match (result, self.error.take()) {
            (_, Some(io)) => Err(WriteError::Io(io)),
            (Err(e), None) => Err(WriteError::Xml(e.to_string())),
            (Ok(()), None) => Ok(()),
        }
    }

    /// Flushes the buffer and returns the writer.
    pub(crate) fn into_inner(mut self) -> Result<W, WriteError> {
        self.flush_buf()?;
        Ok(self.inner)
    }
}

impl<W: io::Write> fmt::Write for FmtIo<W> {
    fn write_str(&mut self, s: &str) -> fmt::Result {
        if self.buf.len() + s.len() > FMT_IO_BUFFER
            && let Err(e) = self.flush_buf()
        {
            self.error = Some(e);
            return Err(fmt::Error);
        }
        if s.len() >= FMT_IO_BUFFER {
            self.inner.write_all(s.as_bytes()).map_err(|e| {
                self.error = Some(e);
                fmt::Error
            })
        } else {
            self.buf.push_str(s);
            Ok(())
        }
    }
}
