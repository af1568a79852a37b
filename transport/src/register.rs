//! One-time device registration: the device sends where it is and whom to contact, and the
//! server answers with the credentials it will use from then on.
//!
//! Request: `POST` JSON `{"device_id": "...", "location": "...", "contact_email": "..."}`.
//! Answer (2xx): JSON `{"username": "...", "password": "..."}` (Basic) or `{"token": "..."}`
//! (bearer). The host persists the credentials (they are secrets: store them with restrictive
//! permissions) and passes them in [`ClientOptions::credentials`](crate::ClientOptions) later.

use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::client::{Client, Credentials};
use crate::error::TransportError;

/// What the device tells the server when it registers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    /// Stable device identifier (serial number or similar).
    pub device_id: String,
    /// Free-text location ("Building 2, floor 3").
    pub location: String,
    /// Contact e-mail address.
    pub contact_email: String,
}

/// Registration failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RegistrationError {
    /// A field is empty or the e-mail address is not `local@domain`.
    #[error("registration field {field}: {reason}")]
    Invalid {
        /// The field.
        field: &'static str,
        /// What is wrong.
        reason: String,
    },
    /// The request failed.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The server refused the registration.
    #[error("registration refused: HTTP {status}: {reason}")]
    Refused {
        /// HTTP status.
        status: u16,
        /// Start of the server's answer.
        reason: String,
    },
    /// The answer is not one of the documented shapes (its content is not shown: it may hold
    /// secrets).
    #[error("registration answer is not {{\"username\",\"password\"}} or {{\"token\"}}")]
    BadAnswer,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Answer {
    username: Option<String>,
    password: Option<Zeroizing<String>>,
    token: Option<Zeroizing<String>>,
}

impl Registration {
    fn validate(&self) -> Result<(), RegistrationError> {
        let invalid = |field, reason: &str| RegistrationError::Invalid {
            field,
            reason: reason.to_owned(),
        };
        if self.device_id.trim().is_empty() {
            return Err(invalid("device_id", "empty"));
        }
        if self.location.trim().is_empty() {
            return Err(invalid("location", "empty"));
        }
        let email = self.contact_email.trim();
        let ok = email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
                && !email.chars().any(|c| c.is_whitespace() || c.is_control())
                && !domain.contains('@')
        });
        if !ok {
            return Err(invalid(
                "contact_email",
                "not an address of the form local@domain",
            ));
        }
        Ok(())
    }
}

/// Registers the device at `url` and returns the credentials the server issued.
pub fn register(
    client: &Client,
    url: &str,
    registration: &Registration,
) -> Result<Credentials, RegistrationError> {
    registration.validate()?;
    let body = serde_json::to_vec(registration).map_err(|_| RegistrationError::BadAnswer)?;
    let resp = client.post(url, "application/json", &[], &body)?;
    if !(200..300).contains(&resp.status) {
        let text = String::from_utf8_lossy(&resp.body);
        return Err(RegistrationError::Refused {
            status: resp.status,
            reason: text.chars().take(200).collect::<String>().trim().to_owned(),
        });
    }
    let body = Zeroizing::new(resp.body);
    let answer: Answer = serde_json::from_slice(&body).map_err(|_| RegistrationError::BadAnswer)?;
    match answer {
        Answer {
            username: Some(user),
            password: Some(password),
            token: None,
        } if !user.is_empty() => Ok(Credentials::Basic { user, password }),
        Answer {
            username: None,
            password: None,
            token: Some(token),
        } if !token.is_empty() => Ok(Credentials::Bearer(token)),
        _ => Err(RegistrationError::BadAnswer),
    }
}
