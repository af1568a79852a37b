//! The one place where the testkit panics, and small helpers for messages.

use std::fmt::Display;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};

/// Fails the calling test with a message prefixed by `fleetwire-testkit:`.
///
/// Test support code reports a broken setup (a peer that does not start, a
/// deadline that passes) by panicking; this is the single function that does
/// it, so the workspace-wide `clippy::panic` lint is allowed only here.
#[allow(clippy::panic)]
#[track_caller]
pub(crate) fn fatal(msg: impl Display) -> ! {
    panic!("fleetwire-testkit: {msg}")
}

/// The last `lines` lines of a log file (or a note that it cannot be read).
pub(crate) fn log_tail(path: &Path, lines: usize) -> String {
    match std::fs::read(path) {
        Ok(bytes) => tail_of(&String::from_utf8_lossy(&bytes), lines),
        Err(e) => format!("<cannot read {}: {e}>", path.display()),
    }
}

/// The last `lines` lines of `text`.
pub(crate) fn tail_of(text: &str, lines: usize) -> String {
    let all: Vec<&str> = text.lines().collect();
    let start = all.len().saturating_sub(lines);
    all.get(start..).unwrap_or_default().join("\n")
}

/// Locks a mutex, ignoring poisoning (a panicking test thread must not hide
/// the data recorded so far).
pub(crate) fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(PoisonError::into_inner)
}
