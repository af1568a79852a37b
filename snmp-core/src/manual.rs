//! The manual: how the codec behaves and why.
//!
//! - [`strictness`]: what the decoder rejects by default, with the RFC rule behind each check.
//! - [`leniency`]: each opt-in leniency option, the real devices that need it, and what the
//!   decoder reports when it is used.
//! - [`zero_copy`]: the borrowing model and its costs.
//! - [`usm`]: SNMPv3 security: keys, the AES-192/256 naming trap, discovery and time, the
//!   FIPS policy and backend.

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

pub mod usm {
    //! # SNMPv3 User-based Security Model
    //!
    //! [`crate::usm`] is sans-IO: it turns bytes and a caller-supplied `now` into bytes and
    //! typed results, and never opens a socket or reads a clock. Crypto goes through a
    //! [`CryptoProvider`](crate::crypto::CryptoProvider); the codec modules never call it.
    //!
    //! ## Keys
    //! Password-to-key (RFC 3414 A.2) hashes the password repeated to 1 MiB; it is fed to the
    //! hash in 16 KiB chunks so it runs at the hash's full speed. Passwords shorter than 8
    //! characters are refused ([`UsmError::PasswordTooShort`](crate::usm::UsmError::PasswordTooShort)).
    //! The result (Ku) is localized per engine (`Kul = H(Ku || engineID || Ku)`).
    //! [`KeyCache`](crate::usm::KeyCache) keeps localized keys keyed by (digest of the master
    //! keys, engine ID), so a manager derives once per engine, never per message. Every key is
    //! a [`SecretKey`](crate::usm::SecretKey): zeroized on drop, compared in constant time,
    //! and printed by `Debug` only as its length.
    //!
    //! ## The AES-192/256 naming trap
    //! A localized key is as long as the authentication digest: 16 bytes for MD5, 20 for
    //! SHA-1, 28 for SHA-224. AES-192 needs 24 bytes and AES-256 needs 32, so the key must be
    //! stretched, and two incompatible stretchings are deployed under the same name:
    //!
    //! | Ours | net-snmp | Others | Stretching |
    //! |---|---|---|---|
    //! | `Aes192Blumenthal`, `Aes256Blumenthal` | `AES-192`, `AES-256` | gosnmp `AES192`/`AES256`, pysnmp `usmAesBlumenthalCfb*` | draft-blumenthal-aes-usm: append `H(key so far)` |
    //! | `Aes192Reeder`, `Aes256Reeder` | `AES-192-C`, `AES-256-C` | Cisco, gosnmp `AES192C`/`AES256C`, pysnmp `usmAesCfb*`, Wireshark `AES192`/`AES256` | draft-reeder-snmpv3-usm-3desede: append password-to-key + localization of the previous block |
    //!
    //! They give the same key only when the digest is at least as long as the AES key
    //! (SHA-224 and up for AES-192; SHA-256 and up for AES-256). With MD5 or SHA-1 a wrong
    //! choice makes every message undecryptable: net-snmp agents then drop the request
    //! silently (a timeout), ours answer with a decryptionError Report.
    //! [`PrivProtocol::from_name`](crate::usm::PrivProtocol::from_name) accepts net-snmp's
    //! names and refuses the ambiguous `AES192`/`AES256`.
    //!
    //! ## Authentication over the wire bytes
    //! Incoming messages are verified over the exact bytes received: the position of
    //! `msgAuthenticationParameters` is taken from the decoded (borrowed) message, and the HMAC
    //! is fed the bytes before it, zeros, and the bytes after it. Nothing is re-encoded, so a
    //! peer's non-canonical (but accepted) encoding still verifies. The MAC comparison is
    //! constant-time.
    //!
    //! ## Discovery and time
    //! A [`Session`](crate::usm::Session) (the non-authoritative side) sends the discovery
    //! probe, takes the engine ID and boots/time from the unknownEngineID Report (also from an
    //! unknownUserName Report that carries them, as some devices send), and treats those
    //! values as tentative until an authenticated message confirms them. A notInTimeWindow
    //! Report (authenticated) resynchronises the clock: after an agent reboot (boots
    //! increased) the session takes the new values and asks the caller to resend. Time never
    //! goes backwards: the session keeps `latestReceivedEngineTime` and only moves forward.
    //!
    //! A [`LocalEngine`](crate::usm::LocalEngine) (the authoritative side) checks in RFC 3414
    //! order (engine ID, user, level, digest, 150-second window, decryption), counts failures
    //! in [`UsmStats`](crate::usm::UsmStats), and answers with a Report that carries the
    //! request's msgID and request-id (0 only when the request could not be read, e.g.
    //! encrypted with an unknown key), never a made-up one.
    //!
    //! ## FIPS
    //! Two independent switches:
    //! - The *policy*, [`AlgorithmPolicy::Fips`](crate::usm::AlgorithmPolicy::Fips), chosen
    //!   at run time with any backend: configuring a user with HMAC-MD5-96, CBC-DES or 3DES
    //!   fails with [`UsmError::RefusedByPolicy`](crate::usm::UsmError::RefusedByPolicy)
    //!   ("HMAC-MD5-96 is not allowed by the FIPS 140-3 policy").
    //! - The *backend*: feature `fips` adds `crypto::AwsLcFips`, the aws-lc-rs FIPS 140-3
    //!   module (build needs `cmake` and `golang-go`). It has no MD5, DES or 3DES at all, so
    //!   those fail there with [`CryptoError::Unsupported`](crate::crypto::CryptoError::Unsupported)
    //!   even without the policy. For a FIPS deployment use both.
    //!
    //! ## `no_std`
    //! The USM core and the RustCrypto backend are `no_std` + `alloc`. Without `std` the
    //! provider has no entropy for the salt counter's start: build it with
    //! [`RustCrypto::with_salt_seed`](crate::crypto::RustCrypto::with_salt_seed).
}
