//! `fleetwire decode`: decode SNMP messages from hex, a raw file or a capture, and print them
//! as text or as [JSON](crate::json).
//!
//! [`run`] does the work and writes to the writers it is given, so it can be tested and
//! reused without a process; the binary only maps its result to an exit code.
//! [`run_with_usm`] also verifies and decrypts the SNMPv3 messages of one USM user
//! (`-u -a -A -x -X`, see [`crate::usm`]).

use std::io::{self, Read, Write};
use std::path::{Path, PathBuf};
use std::time::Duration;

use fleetwire_snmp::{
    Anomalies, Anomaly, AnomalyKind, DecodeError, DecodeOptions, Leniency, Message, ScopedPduData,
    SecurityParameters, V3Message,
};
use serde_json::Value as Json;
use thiserror::Error;

use crate::hex::{self, HexError};
use crate::pcap::{CaptureReader, Frame, PcapError, UdpDatagram, udp_datagram};
use crate::usm::{Processed, Security, UsmArgs, UsmDecoder};
use crate::{json, text};

/// Arguments of `fleetwire decode`.
#[derive(Debug, Clone, clap::Args)]
pub struct DecodeArgs {
    /// Where the message(s) come from.
    #[command(flatten)]
    pub input: InputArgs,
    /// Print one JSON object per message and line (format: README, "decode --json format").
    #[arg(long)]
    pub json: bool,
    /// Tolerate known device encoding quirks, and report each one found as an anomaly.
    #[arg(long)]
    pub lenient: bool,
    /// SNMPv3: the USM user whose messages are verified and decrypted.
    #[command(flatten, next_help_heading = "SNMPv3 (net-snmp's options)")]
    pub usm: UsmArgs,
}

/// Exactly one input source.
#[derive(Debug, Clone, clap::Args)]
#[group(required = true, multiple = false)]
pub struct InputArgs {
    /// One message as hex; whitespace, colons and a 0x prefix are allowed.
    #[arg(long, value_name = "HEX")]
    pub hex: Option<String>,
    /// A file holding one raw (binary) message.
    #[arg(long, value_name = "PATH")]
    pub file: Option<PathBuf>,
    /// A pcap or pcapng capture: every UDP datagram in it is decoded.
    #[arg(long, value_name = "PATH")]
    pub pcap: Option<PathBuf>,
}

/// Where [`run`] reads from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// One message as hex text.
    Hex(String),
    /// A file holding one raw message.
    File(PathBuf),
    /// A pcap or pcapng capture file.
    Capture(PathBuf),
}

impl InputArgs {
    /// The selected input (clap guarantees exactly one is set).
    pub fn input(&self) -> Option<Input> {
        if let Some(h) = &self.hex {
            return Some(Input::Hex(h.clone()));
        }
        if let Some(p) = &self.file {
            return Some(Input::File(p.clone()));
        }
        self.pcap.clone().map(Input::Capture)
    }
}

/// Output and decoding options of [`run`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Options {
    /// JSON lines instead of text.
    pub json: bool,
    /// Decode with [`Leniency::all`] and report anomalies.
    pub lenient: bool,
}

impl DecodeArgs {
    /// The output and decoding options.
    pub fn options(&self) -> Options {
        Options {
            json: self.json,
            lenient: self.lenient,
        }
    }
}

/// Why `fleetwire decode` could not decode its input at all.
#[derive(Debug, Error)]
#[non_exhaustive]
pub enum DecodeCommandError {
    /// The `--hex` argument is not hex.
    #[error(transparent)]
    Hex(#[from] HexError),
    /// The input file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: io::Error,
    },
    /// The single message (`--hex`, `--file`) is not a valid SNMP message.
    #[error(transparent)]
    Snmp(#[from] DecodeError),
    /// The capture file's header is malformed (errors later in the file are reported per
    /// frame instead).
    #[error("{}: {source}", path.display())]
    Capture {
        /// The capture file.
        path: PathBuf,
        /// What was wrong, and where.
        #[source]
        source: PcapError,
    },
    /// Writing the output failed.
    #[error("cannot write output: {0}")]
    Output(#[source] io::Error),
}

/// What [`run`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Summary {
    /// Frames read from a capture (0 for `--hex` and `--file`).
    pub frames: u64,
    /// Messages decoded and printed.
    pub decoded: u64,
    /// Failures reported on the error writer: undecodable datagrams, malformed frames, a
    /// capture that is damaged after its header, and ([`run_with_usm`]) messages of the USM
    /// user that fail verification or decryption.
    pub failed: u64,
    /// Messages of the USM user whose digest was verified ([`run_with_usm`]).
    pub verified: u64,
    /// Messages of the USM user that were decrypted ([`run_with_usm`]).
    pub decrypted: u64,
}

impl Summary {
    /// True when nothing failed (the process exits 0).
    pub fn success(&self) -> bool {
        self.failed == 0
    }
}

/// Decodes one message with the options `fleetwire decode` uses: strict, or with every
/// leniency option when `lenient`.
pub fn decode_message(
    bytes: &[u8],
    lenient: bool,
) -> Result<(Message<'_>, Anomalies), DecodeError> {
    Message::decode_with(bytes, &decode_options(lenient))
}

fn decode_options(lenient: bool) -> DecodeOptions {
    if lenient {
        DecodeOptions::default().with_leniency(Leniency::all())
    } else {
        DecodeOptions::default()
    }
}

/// Where a message came from in a capture.
#[derive(Debug, Clone, Copy)]
struct Origin<'a> {
    frame: &'a Frame<'a>,
    datagram: &'a UdpDatagram<'a>,
}

/// Runs `fleetwire decode`: reads `input`, prints each decoded message to `out`, reports
/// per-datagram failures on `err` (`error: ...` lines), and returns what happened. An input
/// that cannot be decoded at all (bad hex, unreadable file, a single malformed message, a
/// malformed capture header) is an `Err` instead, and nothing is printed for it.
pub fn run(
    input: &Input,
    opts: Options,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Summary, DecodeCommandError> {
    run_inner(input, opts, None, out, err)
}

/// [`run`] for `fleetwire decode -u ...`: the SNMPv3 USM messages of `usm`'s user are also
/// verified and decrypted, and printed with their scoped PDU and a `security` report; those
/// of other users are printed as [`run`] prints them, with a `security` report saying so.
/// A message of the user that fails verification or decryption is printed as [`run`] prints
/// it and reported on `err` (`error: ...`), and counts as failed. When no message of the
/// user was seen at all, a `note:` says so on `err`.
pub fn run_with_usm(
    input: &Input,
    opts: Options,
    usm: &mut UsmDecoder,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Summary, DecodeCommandError> {
    let summary = run_inner(input, opts, Some(&mut *usm), out, err)?;
    if usm.messages_for_user() == 0 {
        writeln!(
            err,
            "note: no SNMPv3 message of user {} in the input: nothing was verified or decrypted",
            text::octets_to_text(usm.user().name())
        )
        .map_err(DecodeCommandError::Output)?;
    }
    Ok(summary)
}

fn run_inner(
    input: &Input,
    opts: Options,
    usm: Option<&mut UsmDecoder>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Summary, DecodeCommandError> {
    match input {
        Input::Hex(text) => {
            let bytes = hex::parse(text)?;
            single(&bytes, opts, usm, out, err)
        }
        Input::File(path) => {
            let bytes = read_message_file(path)?;
            single(&bytes, opts, usm, out, err)
        }
        Input::Capture(path) => {
            let bytes = std::fs::read(path).map_err(|source| DecodeCommandError::Read {
                path: path.clone(),
                source,
            })?;
            capture(path, &bytes, opts, usm, out, err)
        }
    }
}

/// Reads at most one byte more than the largest message the decoder accepts, so a huge file
/// is refused by the size limit without being read into memory.
fn read_message_file(path: &Path) -> Result<Vec<u8>, DecodeCommandError> {
    let read_error = |source| DecodeCommandError::Read {
        path: path.to_owned(),
        source,
    };
    let limit = DecodeOptions::default().limits.max_message_size;
    let file = std::fs::File::open(path).map_err(read_error)?;
    let mut bytes = Vec::new();
    file.take(u64::try_from(limit).unwrap_or(u64::MAX).saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_error)?;
    Ok(bytes)
}

fn single(
    bytes: &[u8],
    opts: Options,
    usm: Option<&mut UsmDecoder>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Summary, DecodeCommandError> {
    let (msg, anomalies) = decode_message(bytes, opts.lenient)?;
    let mut summary = Summary::default();
    show(
        bytes,
        &msg,
        &anomalies,
        None,
        opts,
        usm,
        &mut summary,
        out,
        err,
    )
    .map_err(DecodeCommandError::Output)?;
    Ok(summary)
}

fn capture(
    path: &Path,
    bytes: &[u8],
    opts: Options,
    mut usm: Option<&mut UsmDecoder>,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> Result<Summary, DecodeCommandError> {
    let reader = CaptureReader::new(bytes).map_err(|source| DecodeCommandError::Capture {
        path: path.to_owned(),
        source,
    })?;
    let mut summary = Summary::default();
    let mut datagrams = 0u64;
    let output = DecodeCommandError::Output;
    for frame in reader {
        let frame = match frame {
            Ok(frame) => frame,
            Err(e) => {
                summary.failed += 1;
                writeln!(err, "error: {}: {e}", path.display()).map_err(output)?;
                break;
            }
        };
        summary.frames += 1;
        let datagram = match udp_datagram(frame.link_type, frame.data) {
            Ok(Some(d)) => d,
            Ok(None) => continue,
            Err(e) => {
                summary.failed += 1;
                let at = frame
                    .offset
                    .saturating_add(u64::try_from(e.offset).unwrap_or(0));
                writeln!(err, "error: frame {}: {e} (file byte {at})", frame.number)
                    .map_err(output)?;
                continue;
            }
        };
        datagrams += 1;
        match decode_message(datagram.payload, opts.lenient) {
            Ok((msg, anomalies)) => {
                if summary.decoded > 0 && !opts.json {
                    writeln!(out).map_err(output)?;
                }
                let origin = Origin {
                    frame: &frame,
                    datagram: &datagram,
                };
                show(
                    datagram.payload,
                    &msg,
                    &anomalies,
                    Some(origin),
                    opts,
                    usm.as_deref_mut(),
                    &mut summary,
                    out,
                    err,
                )
                .map_err(output)?;
            }
            Err(e) => {
                summary.failed += 1;
                let at = frame
                    .offset
                    .saturating_add(u64::try_from(datagram.payload_offset).unwrap_or(0))
                    .saturating_add(u64::try_from(e.offset).unwrap_or(0));
                writeln!(
                    err,
                    "error: frame {} ({} -> {}): {e} of the UDP payload (file byte {at})",
                    frame.number, datagram.src, datagram.dst
                )
                .map_err(output)?;
            }
        }
    }
    if datagrams == 0 {
        writeln!(
            err,
            "note: no UDP datagrams found in {} frames of {}",
            summary.frames,
            path.display()
        )
        .map_err(output)?;
    }
    Ok(summary)
}

/// Prints one decoded message (`bytes` decoded as `msg`), verifying and decrypting it first
/// when `usm` is given and it is a message of the USM user, and counts it in `summary`.
#[allow(clippy::too_many_arguments)]
fn show(
    bytes: &[u8],
    msg: &Message<'_>,
    anomalies: &Anomalies,
    origin: Option<Origin<'_>>,
    opts: Options,
    usm: Option<&mut UsmDecoder>,
    summary: &mut Summary,
    out: &mut dyn Write,
    err: &mut dyn Write,
) -> io::Result<()> {
    summary.decoded += 1;
    let all: Vec<Anomaly> = anomalies.iter().collect();
    let mut shown = Shown {
        msg,
        anomalies: &all,
        origin,
        security: None,
        encrypted_pdu_len: None,
    };
    let Some(usm) = usm else {
        return print_message(&shown, opts, out);
    };
    // Bytes a lenient decode tolerated after the message were not signed by its sender: the
    // digest covers the message alone.
    let trailing = anomalies
        .iter()
        .find(|a| a.kind == AnomalyKind::TrailingBytes);
    let signed = trailing
        .and_then(|a| bytes.get(..a.first_offset))
        .unwrap_or(bytes);
    let mut scratch = Vec::new();
    match usm.process(msg, signed, &decode_options(opts.lenient), &mut scratch) {
        Processed::NotUsm => print_message(&shown, opts, out),
        Processed::OtherUser(security) => {
            shown.security = Some(&security);
            print_message(&shown, opts, out)
        }
        Processed::Opened { incoming, security } => {
            summary.verified += u64::from(security.verified);
            summary.decrypted += u64::from(security.decrypted);
            let encrypted_pdu_len = match msg {
                Message::V3(V3Message {
                    data: ScopedPduData::Encrypted(ct),
                    ..
                }) => Some(ct.len()),
                _ => None,
            };
            let incoming = *incoming;
            // The deviations in the message (offsets in the message) and in the decrypted
            // scoped PDU (offsets in the plaintext), and the trailing bytes left out above.
            let anomalies: Vec<Anomaly> = incoming.anomalies.iter().chain(trailing).collect();
            let plain = Message::V3(V3Message {
                header: incoming.header,
                security_parameters: SecurityParameters::Usm(incoming.security),
                data: ScopedPduData::Plaintext(incoming.scoped_pdu),
            });
            print_message(
                &Shown {
                    msg: &plain,
                    anomalies: &anomalies,
                    origin,
                    security: Some(&security),
                    encrypted_pdu_len,
                },
                opts,
                out,
            )
        }
        Processed::Failed(security) => {
            summary.failed += 1;
            summary.verified += u64::from(security.verified);
            shown.security = Some(&security);
            print_message(&shown, opts, out)?;
            let what = security.error.as_deref().unwrap_or("USM processing failed");
            match origin {
                Some(o) => writeln!(
                    err,
                    "error: frame {} ({} -> {}): {what}",
                    o.frame.number, o.datagram.src, o.datagram.dst
                ),
                None => writeln!(err, "error: {what}"),
            }
        }
    }
}

/// One message as printed, with what `fleetwire decode` adds to it.
#[derive(Debug, Clone, Copy)]
struct Shown<'m, 'a> {
    msg: &'m Message<'a>,
    anomalies: &'m [Anomaly],
    origin: Option<Origin<'m>>,
    /// The USM outcome (`-u`).
    security: Option<&'m Security>,
    /// `encrypted_pdu_len` of a message printed decrypted.
    encrypted_pdu_len: Option<usize>,
}

fn print_message(shown: &Shown<'_, '_>, opts: Options, out: &mut dyn Write) -> io::Result<()> {
    let Shown {
        msg,
        anomalies,
        origin,
        security,
        encrypted_pdu_len,
    } = *shown;
    if opts.json {
        let mut value = json::message_to_json(msg);
        if let Json::Object(obj) = &mut value {
            if let Some(len) = encrypted_pdu_len {
                obj.insert("encrypted_pdu_len".into(), Json::from(len));
            }
            if let Some(s) = security {
                obj.insert("security".into(), json::security_to_json(s));
            }
            if let Some(o) = origin {
                obj.insert("frame".into(), Json::from(o.frame.number));
                obj.insert("src".into(), Json::from(o.datagram.src.to_string()));
                obj.insert("dst".into(), Json::from(o.datagram.dst.to_string()));
            }
            if opts.lenient {
                obj.insert(
                    "anomalies".into(),
                    json::anomaly_list_to_json(anomalies.iter().copied()),
                );
            }
        }
        return writeln!(out, "{value}");
    }
    if let Some(o) = origin {
        let time = o
            .frame
            .timestamp
            .map(|t| format!("  {}", utc(t)))
            .unwrap_or_default();
        writeln!(
            out,
            "frame {}{time}  {} -> {}  ({} bytes)",
            o.frame.number,
            o.datagram.src,
            o.datagram.dst,
            o.datagram.payload.len()
        )?;
    }
    out.write_all(text::message_to_text_with_security(msg, security).as_bytes())?;
    out.write_all(text::anomaly_list_to_text(anomalies.iter().copied()).as_bytes())
}

/// A time since the epoch as `YYYY-MM-DDTHH:MM:SS.ffffffZ` (UTC).
fn utc(t: Duration) -> String {
    let secs = t.as_secs();
    let days = i64::try_from(secs / 86_400).unwrap_or(i64::MAX / 2);
    let rem = secs % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{:06}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60,
        t.subsec_micros()
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    /// clap's own consistency checks: no two options share a short or long name (`-a -A -x -X
    /// -u` next to `-h`), and every `requires` names an existing argument.
    #[test]
    fn arguments_are_consistent() {
        use clap::Args;
        DecodeArgs::augment_args(clap::Command::new("decode")).debug_assert();
    }

    #[test]
    fn utc_dates() {
        assert_eq!(utc(Duration::ZERO), "1970-01-01T00:00:00.000000Z");
        assert_eq!(
            utc(Duration::from_micros(1_717_236_000_123_456)),
            "2024-06-01T10:00:00.123456Z"
        );
        assert_eq!(
            utc(Duration::from_secs(951_782_400)),
            "2000-02-29T00:00:00.000000Z"
        );
        assert_eq!(
            utc(Duration::from_secs(u64::from(u32::MAX))),
            "2106-02-07T06:28:15.000000Z"
        );
    }
}
