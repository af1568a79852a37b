//! One adapter module per peer library.
//!
//! Each module exposes
//! * `decode<S: Sink>(&Fixture, &mut S) -> Result<(), PeerError>`: a full
//!   decode with the library's usual entry point, then a walk over the result
//!   reporting every header field, OID arc and value to the sink;
//! * `decode_<peer>(&Fixture) -> Result<Decoded, PeerError>`: the same, collected;
//! * where the library can encode, `prepare_encode(&Fixture)`: builds the
//!   library's native message from [`crate::fixtures::MessageSpec`] (untimed)
//!   and returns a [`crate::PreparedEncode`] whose `encode_len` is the timed part.

pub mod async_snmp;
pub mod rasn;
pub mod snmp2;
pub mod snmp_parser;

use crate::PeerError;

/// Maps any displayable library error to [`PeerError::Failed`].
pub(crate) fn failed<E: std::fmt::Display>(context: &'static str) -> impl Fn(E) -> PeerError {
    move |e| PeerError::Failed(format!("{context}: {e}"))
}
