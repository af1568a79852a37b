//! The manual: how the codec behaves and why.
//!
//! - [`strictness`]: what the decoder rejects by default, with the RFC rule behind each check.
//! - [`leniency`]: each opt-in leniency option, the real devices that need it, and what the
//!   decoder reports when it is used.
//! - [`zero_copy`]: the borrowing model and its costs.

pub mod strictness {
    //! # What strict decoding rejects
    //!
    //! [`Message::decode`](crate::Message::decode) applies these rules; each failure is a
    //! [`DecodeError`](crate::DecodeError) with the field and byte offset.
    //!
    //! | Rule | Source | Error |
    //! |---|---|---|
    //! | Definite lengths only | RFC 3417 section 8 | `IndefiniteLength` |
    //! | At most 4 length octets (extra leading zero octets are allowed, as RFC 3417 permits) | RFC 3417 section 8 | `LengthTooLong` |
    //! | Minimal INTEGER encodings | X.690 8.3.2 | `NonMinimalInteger` |
    //! | Integer32 range; unsigned types not negative; Counter64 within 64 bits | RFC 2578 | `IntegerOutOfRange`, `NegativeUnsigned` |
    //! | Exact element lengths: nothing runs past its parent, nothing is left inside it | X.690 | `Truncated`, `TrailingBytes` |
    //! | Nothing after the message | RFC 3417 | `TrailingBytes` |
    //! | OID: 2..=128 arcs, arcs <= 2^32-1, minimal sub-identifiers | RFC 2578 3.5, X.690 8.19 | `Oid(..)` |
    //! | NULL and exceptions have empty contents; IpAddress is 4 bytes | RFC 2578, RFC 3416 | `InvalidLength` |
    //! | PDU types and value types allowed by the version (no GetBulk or Counter64 in v1, no Trap-PDU in v2c/v3) | RFC 3584 section 2 | `PduNotAllowed`, `ValueNotInV1` |
    //! | error-status 0..=18, error-index/non-repeaters/max-repetitions 0..2^31-1 | RFC 3416 section 3 | `OutOfRange` |
    //! | v3: msgMaxSize >= 484; msgFlags one octet, no privacy without authentication, no reserved bits; msgData plaintext exactly when privFlag is clear | RFC 3412 section 6 and 7.2 | `OutOfRange`, `InvalidMsgFlags`, `UnexpectedTag` |
    //! | USM: engine IDs empty or 5..=32 bytes; user names at most 32 bytes | RFC 3411, RFC 3414 | `InvalidLength` |
    //! | [`Limits`](crate::Limits): message size, varbind count, OID arcs | ours | `LimitExceeded` |
    //!
    //! The encoder always produces the canonical form: minimal lengths and integers.
}

pub mod leniency {
    //! # Leniency options
    //!
    //! Each [`Leniency`](crate::Leniency) field tolerates one deviation that real agents are
    //! known to send. All are off by default. When one lets a deviation through, the decode
    //! still succeeds, and [`Message::decode_with`](crate::Message::decode_with) returns an
    //! [`Anomalies`](crate::Anomalies) record counting each kind with the offset of its first
    //! occurrence, so a manager can log the device as non-conforming. Re-encoding a leniently
    //! decoded message produces the canonical form.
    //!
    //! | Option | What it accepts | Read as | Seen on |
    //! |---|---|---|---|
    //! | `zero_length_oid` | an OBJECT IDENTIFIER varbind value with no contents (e.g. `ifSpecific`) | `0.0`, like net-snmp | reported against gosnmp (PR 583), pysnmp (159), SharpSnmpLib (316, a Canon printer) |
    //! | `zero_length_integer` | an INTEGER or unsigned value with no contents | `0` | an HPE PDU (snmp_exporter 541, gosnmp 241) |
    //! | `unsigned_missing_leading_zero` | Counter32, Gauge32, TimeTicks, UInteger32 or Counter64 whose top bit is set without the leading 0x00 (so it is negative in BER) | the bytes as unsigned, like net-snmp | mini-snmpd (8), pysnmp (190), puresnmp (76) |
    //! | `octet_string_overrun` | an OCTET STRING whose length runs exactly one byte past the end of its enclosing element | the bytes that are there | MikroTik (gosnmp PR 599, snmp_exporter 1312) |
    //! | `non_minimal_integer` | INTEGERs with redundant leading 0x00 or 0xff octets, if the value still fits its type | the value | request-ids padded with 0xff (SharpSnmpLib 700) |
    //! | `trailing_bytes` | bytes after the end of the outer Message SEQUENCE | ignored | trap senders that pad datagrams (gosnmp marshal tests) |
    //!
    //! [`Leniency::all`](crate::Leniency::all) turns everything on, which suits capture
    //! analysis (`fleetwire decode` uses it only when asked with `--lenient`).
}

pub mod zero_copy {
    //! # Zero-copy decoding
    //!
    //! A decoded [`Message<'a>`](crate::Message) borrows from the input: community, strings,
    //! OIDs (kept in BER form, see [`Oid`](crate::Oid)) and the varbind list, which is
    //! validated completely during decode and then walked lazily by
    //! [`VarBindList::iter`](crate::VarBindList::iter). Walking re-parses the validated bytes,
    //! so iterating twice costs twice; collect into a `Vec` if you need random access.
    //! Decoding performs no heap allocation at all (the benchmarks count it).
    //!
    //! Every borrowed type has `into_owned()`, giving the same type with a `'static` lifetime,
    //! and every type can be built by hand from owned parts (`Cow::Owned`, `Vec<VarBind>`)
    //! and encoded.
}
