//! Signed, size-capped downloads (firmware and other files named by a signed action).
//!
//! A file is trusted through the action that names it: an `upgrade` action's signed `args`
//! carry `{"url": "...", "sha256": "<64 hex>", "size": <bytes>}` ([`SignedFile`]). The
//! download streams to `<dest>.part` next to the destination while hashing, stops as soon as
//! it exceeds the cap or the signed size, and is renamed to `dest` (after `fsync`) only when
//! size and SHA-256 match. Nothing unverified is ever at `dest`.

use std::fs::File;
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use serde::Deserialize;
use sha2::{Digest, Sha256};

use crate::action::VerifiedAction;
use crate::client::Client;
use crate::error::{ActionError, TransportError};

/// A file named by a signed action.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct SignedFile {
    /// Where to fetch it (must pass the client's allowlist).
    pub url: String,
    /// Its SHA-256, 64 hex digits.
    pub sha256: String,
    /// Its exact size in bytes.
    pub size: u64,
}

impl SignedFile {
    /// Reads the file description from a verified action's arguments.
    pub fn from_action(action: &VerifiedAction) -> Result<Self, ActionError> {
        let file: Self =
            serde_json::from_value(action.args.clone()).map_err(|e| ActionError::Malformed {
                reason: format!("action {} arguments: {e}", action.kind),
            })?;
        if file.digest().is_none() {
            return Err(ActionError::Malformed {
                reason: "sha256 is not 64 hex digits".to_owned(),
            });
        }
        Ok(file)
    }

    fn digest(&self) -> Option<[u8; 32]> {
        crate::hex_decode(&self.sha256)?.try_into().ok()
    }
}

/// A download failed; nothing was left at the destination.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DownloadError {
    /// The request, the transfer or the local file failed, or the file was too large.
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// The content is not what the signed action named.
    #[error("download of {url}: {source}")]
    Verify {
        /// The URL.
        url: String,
        /// What did not match.
        #[source]
        source: ActionError,
    },
}

/// Downloads `file` to `dest`, refusing more than `max_bytes`, and verifies it before
/// putting it in place. Returns `dest`.
pub fn download_verified(
    client: &Client,
    file: &SignedFile,
    dest: &Path,
    max_bytes: u64,
) -> Result<PathBuf, DownloadError> {
    let url = file.url.as_str();
    let expected = file.digest().ok_or_else(|| DownloadError::Verify {
        url: url.to_owned(),
        source: ActionError::Malformed {
            reason: "sha256 is not 64 hex digits".to_owned(),
        },
    })?;
    let limit = max_bytes.min(file.size);
    if file.size > max_bytes {
        return Err(TransportError::TooLarge {
            url: url.to_owned(),
            limit: max_bytes,
        }
        .into());
    }
    let resp = client.get_streaming(url)?;
    if !resp.status().is_success() {
        return Err(TransportError::Http {
            url: url.to_owned(),
            reason: format!("download answered HTTP {}", resp.status().as_u16()),
        }
        .into());
    }
    let mut part = dest.as_os_str().to_owned();
    part.push(".part");
    let part = PathBuf::from(part);
    let io = |op: &'static str, path: &Path| {
        let path = path.to_owned();
        move |source| TransportError::Io { op, path, source }
    };
    let result = (|| -> Result<(), DownloadError> {
        let mut out = File::create(&part).map_err(io("creating", &part))?;
        let mut reader = resp.into_body().into_reader();
        let mut hasher = Sha256::new();
        let mut total = 0u64;
        let mut buf = vec![0u8; 64 * 1024];
        loop {
            let n = reader.read(&mut buf).map_err(|e| TransportError::Http {
                url: url.to_owned(),
                reason: e.to_string(),
            })?;
            if n == 0 {
                break;
            }
            total += n as u64;
            if total > limit {
                return Err(TransportError::TooLarge {
                    url: url.to_owned(),
                    limit,
                }
                .into());
            }
            let chunk = buf.get(..n).unwrap_or_default();
            hasher.update(chunk);
            out.write_all(chunk).map_err(io("writing", &part))?;
        }
        let digest: [u8; 32] = hasher.finalize().into();
        if total != file.size || digest != expected {
            return Err(DownloadError::Verify {
                url: url.to_owned(),
                source: ActionError::DigestMismatch,
            });
        }
        out.sync_all().map_err(io("fsync", &part))?;
        Ok(())
    })();
    if let Err(e) = result {
        let _ = std::fs::remove_file(&part);
        return Err(e);
    }
    std::fs::rename(&part, dest).map_err(io("renaming", dest))?;
    if let Some(dir) = dest.parent().filter(|d| !d.as_os_str().is_empty()) {
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io("fsync directory", dir))?;
    }
    Ok(dest.to_owned())
}
