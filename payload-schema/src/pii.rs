//! Marking personal data in the types.

use std::fmt;

use serde::{Deserialize, Serialize};

/// A value that may identify a person (user name, e-mail address, job name, free-form debug
/// text). It is written to XML like the bare value, but `Debug` never shows it, and reading it
/// takes an explicit [`Pii::expose`], so logs and error messages cannot leak it by accident.
///
/// Payload fields of this type are only filled when the payload's consent flags allow it (see
/// [`crate::Consent`]); [`crate::Document::check_rules`] refuses a document that carries them
/// without consent.
///
/// ```
/// use fleetwire_payload::{Pii, Text};
/// let user = Pii::new(Text::new("alice").unwrap());
/// assert_eq!(format!("{user:?}"), "Pii(<redacted>)");
/// assert_eq!(user.expose().as_str(), "alice");
/// ```
#[derive(Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(transparent)]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub struct Pii<T>(T);

impl<T> Pii<T> {
    /// Marks `value` as personal data.
    pub const fn new(value: T) -> Self {
        Self(value)
    }

    /// The value, for code that has a reason to look at it.
    pub const fn expose(&self) -> &T {
        &self.0
    }

    /// Unwraps the value.
    pub fn into_inner(self) -> T {
        self.0
    }
}

impl<T> fmt::Debug for Pii<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Pii(<redacted>)")
    }
}
