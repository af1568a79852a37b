//! The durable spool: payloads wait here, on disk, until the server has acknowledged them.
//!
//! # Layout and guarantees
//!
//! ```text
//! DIR/pending/<seq:016x>-<key:32 hex>-<sha256:64 hex>.fwp   one file per payload, exact bytes
//! DIR/tmp/                                                 writes in progress
//! DIR/dead/<same name> + <same name>.reason                dead letters and the server's reason
//! ```
//!
//! - [`Spool::enqueue`] writes to `tmp/`, `fsync`s the file, renames it into `pending/` and
//!   `fsync`s the directory: once it returns, the payload survives a crash or power loss; if
//!   the process dies before, nothing (or only a `tmp/` leftover, removed by the
//!   next [`Spool::open`]; a write in progress holds a file lock, so a concurrent open
//!   never disturbs it) remains.
//! - The file name carries the sequence number (upload order), the idempotency key and the
//!   SHA-256 of the content. Nothing else is stored, so a file is either complete and named,
//!   or absent. The checksum is verified before every upload; a mismatch dead-letters it.
//! - A payload is deleted only after a 2xx answer ([`Spool::complete`]). A crash between the
//!   server's answer and the deletion uploads it again with the same key, which the server
//!   uses to drop the duplicate.
//! - A byte cap bounds the pending payloads; [`FullPolicy`] says what happens when a new
//!   payload does not fit, and [`SpoolCounters`] counts both outcomes.
//!
//! ```
//! use fleetwire_transport::{Spool, SpoolOptions};
//!
//! let dir = tempfile::tempdir()?;
//! let mut spool = Spool::open(dir.path(), SpoolOptions::default())?;
//! let entry = spool.enqueue(b"<meters/>")?;
//! assert_eq!(spool.status().pending.len(), 1);
//!
//! // After a restart the payload is still there, with the same key.
//! let mut spool = Spool::open(dir.path(), SpoolOptions::default())?;
//! assert_eq!(spool.pending()[0].key, entry.key);
//! assert_eq!(spool.read(&entry)?, b"<meters/>");
//! spool.complete(&entry)?; // after the server said 2xx
//! assert!(spool.pending().is_empty());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

use std::fs::{self, File};
use std::io::Write;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

use crate::error::SpoolError;

const PENDING: &str = "pending";
const TMP: &str = "tmp";
const DEAD: &str = "dead";
const EXT: &str = "fwp";
const REASON_EXT: &str = "reason";

/// What to do when a new payload does not fit under the byte cap.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum FullPolicy {
    /// Refuse the new payload with [`SpoolError::Full`] (counted in
    /// [`SpoolCounters::refused`]).
    #[default]
    RefuseNew,
    /// Delete the oldest pending payloads until it fits (each counted in
    /// [`SpoolCounters::dropped`]).
    DropOldest,
}

/// Spool settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SpoolOptions {
    /// Largest total size of pending payloads, in bytes.
    pub max_bytes: u64,
    /// What happens when a new payload does not fit.
    pub when_full: FullPolicy,
    /// `fsync` files and directories (on by default; turning it off trades durability across
    /// power loss for speed, and is meant for tests only).
    pub fsync: bool,
}

impl Default for SpoolOptions {
    fn default() -> Self {
        Self {
            max_bytes: 256 * 1024 * 1024,
            when_full: FullPolicy::RefuseNew,
            fsync: true,
        }
    }
}

/// One pending payload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// Upload order (smaller first).
    pub seq: u64,
    /// The idempotency key: 32 lower-case hex digits, sent as `Idempotency-Key`.
    pub key: String,
    /// SHA-256 of the payload.
    pub sha256: [u8; 32],
    /// Size in bytes.
    pub size: u64,
    /// The file's name inside `pending/`.
    pub file_name: String,
}

impl Entry {
    fn parse(file_name: &str, size: u64) -> Option<Self> {
        let stem = file_name.strip_suffix(&format!(".{EXT}"))?;
        let mut parts = stem.split('-');
        let (seq, key, sum) = (parts.next()?, parts.next()?, parts.next()?);
        if parts.next().is_some() || seq.len() != 16 || key.len() != 32 || sum.len() != 64 {
            return None;
        }
        if !key
            .bytes()
            .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        {
            return None;
        }
        let seq = u64::from_str_radix(seq, 16).ok()?;
        let sha256: [u8; 32] = crate::hex_decode(sum)?.try_into().ok()?;
        Some(Self {
            seq,
            key: key.to_owned(),
            sha256,
            size,
            file_name: file_name.to_owned(),
        })
    }

    fn name(seq: u64, key: &str, sha256: &[u8; 32]) -> String {
        format!("{seq:016x}-{key}-{}.{EXT}", crate::hex_encode(sha256))
    }

    /// The SHA-256 as lower-case hex.
    pub fn sha256_hex(&self) -> String {
        crate::hex_encode(&self.sha256)
    }
}

/// Counters since [`Spool::open`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SpoolCounters {
    /// Payloads enqueued.
    pub enqueued: u64,
    /// Payloads refused because the spool was full ([`FullPolicy::RefuseNew`]).
    pub refused: u64,
    /// Pending payloads deleted to make room ([`FullPolicy::DropOldest`]).
    pub dropped: u64,
    /// Payloads acknowledged by the server and deleted.
    pub completed: u64,
    /// Payloads moved to the dead-letter folder.
    pub dead_lettered: u64,
}

/// A snapshot of the spool, for `fleetwire upload status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SpoolStatus {
    /// Pending payloads, in upload order.
    pub pending: Vec<Entry>,
    /// Their total size.
    pub pending_bytes: u64,
    /// The byte cap.
    pub max_bytes: u64,
    /// Number of dead letters.
    pub dead_letters: usize,
    /// Counters since open.
    pub counters: SpoolCounters,
}

/// A payload in the dead-letter folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeadLetter {
    /// The file (in `dead/`).
    pub path: PathBuf,
    /// Why it was dead-lettered (the server's status and reason).
    pub reason: String,
}

/// Held while a flush runs; see [`Spool::try_lock_flush`].
#[derive(Debug)]
pub struct FlushLock {
    _file: File,
}

/// The durable spool; see the [module documentation](self).
#[derive(Debug)]
pub struct Spool {
    dir: PathBuf,
    options: SpoolOptions,
    pending: Vec<Entry>,
    next_seq: u64,
    counters: SpoolCounters,
}

fn io_err<'a>(op: &'static str, path: &'a Path) -> impl FnOnce(std::io::Error) -> SpoolError + 'a {
    move |source| SpoolError::Io {
        op,
        path: path.to_owned(),
        source,
    }
}

impl Spool {
    /// Opens (creating if needed) the spool in `dir`, removes unfinished writes and scans the
    /// pending payloads. Files in `pending/` that are not spool entries are moved to `dead/`.
    pub fn open(dir: impl AsRef<Path>, options: SpoolOptions) -> Result<Self, SpoolError> {
        let dir = dir.as_ref().to_owned();
        for sub in [PENDING, TMP, DEAD] {
            let p = dir.join(sub);
            fs::create_dir_all(&p).map_err(io_err("creating", &p))?;
        }
        // Unfinished writes of a crashed process are removed. A writer holds an exclusive lock
        // on its temporary file until the rename (see `write_locked`), and the kernel releases
        // it when a process dies, so a file we can lock is a leftover and one we cannot is a
        // write in progress in another process, left alone.
        let tmp = dir.join(TMP);
        for item in fs::read_dir(&tmp).map_err(io_err("listing", &tmp))? {
            let item = item.map_err(io_err("listing", &tmp))?;
            let p = item.path();
            let in_progress = File::open(&p)
                .map(|f| matches!(f.try_lock(), Err(fs::TryLockError::WouldBlock)))
                .unwrap_or(false);
            if !in_progress {
                match fs::remove_file(&p) {
                    Ok(()) => {}
                    // Renamed away by its writer meanwhile.
                    Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
                    Err(e) => return Err(io_err("removing unfinished write", &p)(e)),
                }
            }
        }
        let mut spool = Self {
            dir,
            options,
            pending: Vec::new(),
            next_seq: 0,
            counters: SpoolCounters::default(),
        };
        spool.rescan()?;
        Ok(spool)
    }

    /// Re-reads `pending/` (another process may have enqueued or uploaded meanwhile).
    pub fn rescan(&mut self) -> Result<(), SpoolError> {
        let pending_dir = self.dir.join(PENDING);
        let mut entries = Vec::new();
        for item in fs::read_dir(&pending_dir).map_err(io_err("listing", &pending_dir))? {
            let item = item.map_err(io_err("listing", &pending_dir))?;
            let name = item.file_name().to_string_lossy().into_owned();
            let meta = match item.metadata() {
                Ok(m) => m,
                Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
                Err(e) => return Err(io_err("stat", &item.path())(e)),
            };
            match Entry::parse(&name, meta.len()).filter(|_| meta.is_file()) {
                Some(entry) => entries.push(entry),
                None => {
                    self.move_to_dead(&name, "not a spool entry (unrecognised file name)")?;
                }
            }
        }
        entries.sort_by(|a, b| (a.seq, &a.key).cmp(&(b.seq, &b.key)));
        let max_seq = entries.last().map(|e| e.seq + 1).unwrap_or(0);
        self.next_seq = self.next_seq.max(max_seq);
        self.pending = entries;
        Ok(())
    }

    /// The spool directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Pending payloads in upload order (as of the last scan or change by this handle).
    pub fn pending(&self) -> &[Entry] {
        &self.pending
    }

    /// Total size of the pending payloads.
    pub fn pending_bytes(&self) -> u64 {
        self.pending.iter().map(|e| e.size).sum()
    }

    /// Counters since open.
    pub fn counters(&self) -> SpoolCounters {
        self.counters
    }

    /// A snapshot for display.
    pub fn status(&self) -> SpoolStatus {
        SpoolStatus {
            pending: self.pending.clone(),
            pending_bytes: self.pending_bytes(),
            max_bytes: self.options.max_bytes,
            dead_letters: self.dead_letters().map(|d| d.len()).unwrap_or(0),
            counters: self.counters,
        }
    }

    /// Enqueues a copy of the file at `path`.
    pub fn enqueue_file(&mut self, path: impl AsRef<Path>) -> Result<Entry, SpoolError> {
        let path = path.as_ref();
        let bytes = fs::read(path).map_err(io_err("reading", path))?;
        self.enqueue(&bytes)
    }

    /// Durably stores `payload` (see the [module documentation](self)) and returns its entry.
    pub fn enqueue(&mut self, payload: &[u8]) -> Result<Entry, SpoolError> {
        let size = payload.len() as u64;
        let cap = self.options.max_bytes;
        if size > cap {
            self.counters.refused += 1;
            return Err(SpoolError::TooLarge { size, cap });
        }
        if self.pending_bytes() + size > cap {
            match self.options.when_full {
                FullPolicy::RefuseNew => {
                    self.counters.refused += 1;
                    return Err(SpoolError::Full {
                        dir: self.dir.clone(),
                        needed: size,
                        used: self.pending_bytes(),
                        cap,
                    });
                }
                FullPolicy::DropOldest => {
                    while self.pending_bytes() + size > cap {
                        let Some(oldest) = self.pending.first().cloned() else {
                            break;
                        };
                        self.remove_pending(&oldest)?;
                        self.counters.dropped += 1;
                    }
                }
            }
        }
        let key = new_key()?;
        let sha256: [u8; 32] = Sha256::digest(payload).into();
        let seq = self.next_seq;
        let name = Entry::name(seq, &key, &sha256);
        let tmp = self.dir.join(TMP).join(format!("{key}.part"));
        let dest = self.dir.join(PENDING).join(&name);
        self.write_locked(&tmp, &dest, payload)?;
        self.sync_dir(PENDING)?;
        self.next_seq = seq + 1;
        let entry = Entry {
            seq,
            key,
            sha256,
            size,
            file_name: name,
        };
        self.pending.push(entry.clone());
        self.counters.enqueued += 1;
        Ok(entry)
    }

    /// Reads a pending payload and checks its SHA-256.
    ///
    /// A missing file (uploaded by another process meanwhile) is an I/O error of kind
    /// `NotFound`; a checksum mismatch is an `InvalidData` I/O error.
    pub fn read(&self, entry: &Entry) -> Result<Vec<u8>, SpoolError> {
        let path = self.dir.join(PENDING).join(&entry.file_name);
        let bytes = fs::read(&path).map_err(io_err("reading", &path))?;
        let sum: [u8; 32] = Sha256::digest(&bytes).into();
        if sum != entry.sha256 {
            return Err(SpoolError::Io {
                op: "verifying checksum of",
                path,
                source: std::io::Error::new(
                    std::io::ErrorKind::InvalidData,
                    "content does not match the SHA-256 in its name",
                ),
            });
        }
        Ok(bytes)
    }

    /// Deletes a payload the server acknowledged (2xx).
    pub fn complete(&mut self, entry: &Entry) -> Result<(), SpoolError> {
        self.remove_pending(entry)?;
        self.counters.completed += 1;
        Ok(())
    }

    /// Moves a payload to `dead/` with the reason (for example the server's 4xx answer).
    pub fn dead_letter(&mut self, entry: &Entry, reason: &str) -> Result<(), SpoolError> {
        self.move_to_dead(&entry.file_name, reason)?;
        self.pending.retain(|e| e.file_name != entry.file_name);
        self.counters.dead_lettered += 1;
        Ok(())
    }

    /// The dead letters and their reasons.
    pub fn dead_letters(&self) -> Result<Vec<DeadLetter>, SpoolError> {
        let dead = self.dir.join(DEAD);
        let mut out = Vec::new();
        for item in fs::read_dir(&dead).map_err(io_err("listing", &dead))? {
            let item = item.map_err(io_err("listing", &dead))?;
            let path = item.path();
            if path.extension().is_some_and(|e| e == REASON_EXT) {
                continue;
            }
            let reason = fs::read_to_string(reason_path(&path))
                .unwrap_or_else(|_| "unknown (no reason recorded)".to_owned());
            out.push(DeadLetter { path, reason });
        }
        out.sort_by(|a, b| a.path.cmp(&b.path));
        Ok(out)
    }

    /// Takes the spool's flush lock (an OS file lock on `DIR/flush.lock`, released when the
    /// guard is dropped or the process dies). `None` when another flush holds it: two
    /// flushers would only upload duplicates (with the same keys), so one waits its turn.
    pub fn try_lock_flush(&self) -> Result<Option<FlushLock>, SpoolError> {
        let path = self.dir.join("flush.lock");
        let file = fs::OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_err("opening", &path))?;
        match file.try_lock() {
            Ok(()) => Ok(Some(FlushLock { _file: file })),
            Err(fs::TryLockError::WouldBlock) => Ok(None),
            Err(fs::TryLockError::Error(e)) => Err(io_err("locking", &path)(e)),
        }
    }

    fn remove_pending(&mut self, entry: &Entry) -> Result<(), SpoolError> {
        let path = self.dir.join(PENDING).join(&entry.file_name);
        match fs::remove_file(&path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(io_err("removing", &path)(e)),
        }
        self.sync_dir(PENDING)?;
        self.pending.retain(|e| e.file_name != entry.file_name);
        Ok(())
    }

    /// Writes `data` to the new file `tmp` under an exclusive lock (so a concurrent
    /// [`Spool::open`] leaves it alone), fsyncs it if configured, and renames it to `dest`
    /// before the lock is released.
    fn write_locked(&self, tmp: &Path, dest: &Path, data: &[u8]) -> Result<(), SpoolError> {
        let mut f = File::create_new(tmp).map_err(io_err("creating", tmp))?;
        f.lock().map_err(io_err("locking", tmp))?;
        f.write_all(data).map_err(io_err("writing", tmp))?;
        if self.options.fsync {
            f.sync_all().map_err(io_err("fsync", tmp))?;
        }
        fs::rename(tmp, dest).map_err(io_err("renaming into place", dest))
    }

    fn move_to_dead(&self, file_name: &str, reason: &str) -> Result<(), SpoolError> {
        let from = self.dir.join(PENDING).join(file_name);
        let to = self.dir.join(DEAD).join(file_name);
        // Reason first (atomically), then the payload: a crash in between leaves a reason
        // without a payload in dead/ and the payload still pending, which is harmless.
        let reason_tmp = self.dir.join(TMP).join(format!("{file_name}.{REASON_EXT}"));
        let reason_dest = reason_path(&to);
        self.write_locked(&reason_tmp, &reason_dest, reason.as_bytes())?;
        fs::rename(&from, &to).map_err(io_err("moving to dead letters", &from))?;
        self.sync_dir(DEAD)?;
        self.sync_dir(PENDING)
    }

    fn sync_dir(&self, sub: &str) -> Result<(), SpoolError> {
        if !self.options.fsync {
            return Ok(());
        }
        let p = self.dir.join(sub);
        File::open(&p)
            .and_then(|d| d.sync_all())
            .map_err(io_err("fsync directory", &p))
    }
}

fn reason_path(payload: &Path) -> PathBuf {
    let mut s = payload.as_os_str().to_owned();
    s.push(format!(".{REASON_EXT}"));
    PathBuf::from(s)
}

/// A fresh random idempotency key (128 bits, hex).
fn new_key() -> Result<String, SpoolError> {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).map_err(|e| SpoolError::Io {
        op: "getting random bytes for",
        path: PathBuf::from("idempotency key"),
        source: std::io::Error::other(e.to_string()),
    })?;
    Ok(crate::hex_encode(&bytes))
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing)]
    use super::*;

    fn opts(max: u64, when_full: FullPolicy) -> SpoolOptions {
        SpoolOptions {
            max_bytes: max,
            when_full,
            fsync: true,
        }
    }

    #[test]
    fn order_persistence_and_keys() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        let a = s.enqueue(b"a").unwrap();
        let b = s.enqueue(b"bb").unwrap();
        assert_ne!(a.key, b.key);
        assert!(a.seq < b.seq);
        let mut s2 = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        assert_eq!(s2.pending(), &[a.clone(), b.clone()]);
        assert_eq!(s2.pending_bytes(), 3);
        let c = s2.enqueue(b"c").unwrap();
        assert!(c.seq > b.seq);
        s2.complete(&a).unwrap();
        assert_eq!(s2.read(&b).unwrap(), b"bb");
        assert_eq!(s2.counters().completed, 1);
        let s3 = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        assert_eq!(s3.pending().len(), 2);
    }

    #[test]
    fn leftovers_and_strangers() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        s.enqueue(b"x").unwrap();
        // A crashed write (no lock held) is removed; a write in progress (locked by its
        // writer, here another open file description) is not.
        fs::write(d.path().join("tmp/abc.part"), b"half").unwrap();
        fs::write(d.path().join("tmp/busy.part"), b"writing").unwrap();
        let writer = File::open(d.path().join("tmp/busy.part")).unwrap();
        writer.lock().unwrap();
        fs::write(d.path().join("pending/stray.txt"), b"?").unwrap();
        let s = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        assert_eq!(s.pending().len(), 1);
        let left: Vec<_> = fs::read_dir(d.path().join("tmp"))
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["busy.part"]);
        drop(writer);
        let _ = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        assert_eq!(fs::read_dir(d.path().join("tmp")).unwrap().count(), 0);
        let dead = s.dead_letters().unwrap();
        assert_eq!(dead.len(), 1);
        assert!(dead[0].reason.contains("unrecognised"));
    }

    #[test]
    fn corrupt_content_is_detected() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        let e = s.enqueue(b"original").unwrap();
        fs::write(d.path().join("pending").join(&e.file_name), b"tampered").unwrap();
        let err = s.read(&e).unwrap_err();
        assert!(err.to_string().contains("checksum"), "{err}");
    }

    #[test]
    fn cap_refuse_new() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), opts(10, FullPolicy::RefuseNew)).unwrap();
        s.enqueue(&[1; 6]).unwrap();
        assert!(matches!(s.enqueue(&[2; 6]), Err(SpoolError::Full { .. })));
        assert!(matches!(
            s.enqueue(&[2; 11]),
            Err(SpoolError::TooLarge { .. })
        ));
        s.enqueue(&[3; 4]).unwrap();
        assert_eq!(s.counters().refused, 2);
        assert_eq!(s.pending_bytes(), 10);
    }

    #[test]
    fn cap_drop_oldest() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), opts(10, FullPolicy::DropOldest)).unwrap();
        let a = s.enqueue(&[1; 4]).unwrap();
        let b = s.enqueue(&[2; 4]).unwrap();
        let c = s.enqueue(&[3; 4]).unwrap();
        assert_eq!(s.counters().dropped, 1);
        assert_eq!(s.pending(), &[b.clone(), c.clone()]);
        assert!(s.read(&a).is_err());
        let e = s.enqueue(&[4; 10]).unwrap();
        assert_eq!(s.counters().dropped, 3);
        assert_eq!(s.pending(), &[e]);
    }

    #[test]
    fn flush_lock_is_exclusive() {
        let d = tempfile::tempdir().unwrap();
        let a = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        let b = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        let guard = a.try_lock_flush().unwrap();
        assert!(guard.is_some());
        assert!(b.try_lock_flush().unwrap().is_none());
        drop(guard);
        assert!(b.try_lock_flush().unwrap().is_some());
    }

    #[test]
    fn dead_letter_keeps_reason() {
        let d = tempfile::tempdir().unwrap();
        let mut s = Spool::open(d.path(), SpoolOptions::default()).unwrap();
        let e = s.enqueue(b"bad").unwrap();
        s.dead_letter(&e, "HTTP 422: schema violation").unwrap();
        assert!(s.pending().is_empty());
        let dead = s.dead_letters().unwrap();
        assert_eq!(dead.len(), 1);
        assert_eq!(dead[0].reason, "HTTP 422: schema violation");
        assert_eq!(fs::read(&dead[0].path).unwrap(), b"bad");
        assert_eq!(s.status().dead_letters, 1);
    }
}
