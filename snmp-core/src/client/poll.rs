//! Polling a fleet: many targets, the same OIDs and subtrees, concurrently.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::manager::Security;
use crate::message::Version;
use crate::oid::Oid;
use crate::pdu::VarBind;

use super::{Client, Error};

/// One target of a poll.
#[derive(Debug, Clone)]
pub struct PollTarget {
    /// The agent's address.
    pub addr: SocketAddr,
    /// How to secure the requests.
    pub security: Security,
}

/// What to collect from every target: scalar OIDs (one GET, split on tooBig) and subtrees
/// (a GETBULK walk each; GETNEXT over SNMPv1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PollSpec {
    /// OIDs fetched with GET.
    pub oids: Vec<Oid<'static>>,
    /// Subtrees walked.
    pub subtrees: Vec<Oid<'static>>,
    /// max-repetitions of the GETBULK walks.
    pub max_repetitions: u32,
}

impl PollSpec {
    /// GET `oids` and walk `subtrees`, 25 repetitions per GETBULK.
    pub fn new(oids: Vec<Oid<'static>>, subtrees: Vec<Oid<'static>>) -> Self {
        Self {
            oids,
            subtrees,
            max_repetitions: 25,
        }
    }
}

/// What one target returned.
#[derive(Debug)]
pub struct PollResult {
    /// The target's position in the list given to [`Client::poll`].
    pub index: usize,
    /// The target's address.
    pub addr: SocketAddr,
    /// The GET varbinds followed by each subtree's, or the first error.
    pub result: Result<Vec<VarBind<'static>>, Error>,
}

/// How far a poll has come.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Progress {
    /// Targets finished (successfully or not).
    pub done: usize,
    /// Targets that failed.
    pub failed: usize,
    /// Targets in the poll.
    pub total: usize,
}

impl Client {
    /// Polls every target for `spec` concurrently (the client's in-flight bound applies) and
    /// calls `on_progress` as each target finishes. Returns one result per target, in the
    /// order of `targets`.
    pub async fn poll(
        &self,
        targets: Vec<PollTarget>,
        spec: &PollSpec,
        mut on_progress: impl FnMut(&Progress, &PollResult),
    ) -> Vec<PollResult> {
        let total = targets.len();
        let mut progress = Progress {
            total,
            ..Progress::default()
        };
        let mut tasks = JoinSet::new();
        let spec = Arc::new(spec.clone());
        for (index, target) in targets.into_iter().enumerate() {
            let client = self.clone();
            let spec = Arc::clone(&spec);
            tasks.spawn(async move {
                let addr = target.addr;
                let result = poll_one(&client, target, &spec).await;
                PollResult {
                    index,
                    addr,
                    result,
                }
            });
        }
        let mut results: Vec<Option<PollResult>> = (0..total).map(|_| None).collect();
        while let Some(joined) = tasks.join_next().await {
            // The tasks do not panic (no panicking code paths); a cancelled task cannot occur
            // since the set is never aborted. Either way the slot stays empty.
            let Ok(result) = joined else { continue };
            progress.done += 1;
            if result.result.is_err() {
                progress.failed += 1;
            }
            on_progress(&progress, &result);
            if let Some(slot) = results.get_mut(result.index) {
                *slot = Some(result);
            }
        }
        results.into_iter().flatten().collect()
    }
}

async fn poll_one(
    client: &Client,
    target: PollTarget,
    spec: &PollSpec,
) -> Result<Vec<VarBind<'static>>, Error> {
    let v1 = target.security.version() == Version::V1;
    let session = client.session(target.addr, target.security)?;
    let mut out = Vec::new();
    if !spec.oids.is_empty() {
        out.extend(session.get(&spec.oids).await?);
    }
    for root in &spec.subtrees {
        let varbinds = if v1 {
            session.walk(root.clone()).await?
        } else {
            session
                .bulk_walk(root.clone(), spec.max_repetitions)
                .await?
        };
        out.extend(varbinds);
    }
    Ok(out)
}
