//! What a manager needs to know about a target: how to secure requests and how long to wait.

use alloc::boxed::Box;
use alloc::vec::Vec;
use core::time::Duration;

use crate::message::Version;
use crate::usm::{SecurityLevel, UsmUser};

/// How requests to a target are secured: a community (SNMPv1, SNMPv2c) or a USM user
/// (SNMPv3).
#[derive(Debug, Clone)]
pub enum Security {
    /// SNMPv1 with a community string.
    V1 {
        /// The community.
        community: Vec<u8>,
    },
    /// SNMPv2c with a community string.
    V2c {
        /// The community.
        community: Vec<u8>,
    },
    /// SNMPv3 with the User-based Security Model (boxed: a user holds its keys inline).
    V3(Box<UsmSecurity>),
}

impl Security {
    /// SNMPv1 with `community`.
    pub fn v1(community: impl AsRef<[u8]>) -> Self {
        Self::V1 {
            community: community.as_ref().to_vec(),
        }
    }

    /// SNMPv2c with `community`.
    pub fn v2c(community: impl AsRef<[u8]>) -> Self {
        Self::V2c {
            community: community.as_ref().to_vec(),
        }
    }

    /// SNMPv3 as `user` at `level` (see [`UsmSecurity`] for the optional parts).
    pub fn v3(user: UsmUser, level: SecurityLevel) -> Self {
        Self::V3(Box::new(UsmSecurity::new(user, level)))
    }

    /// The message version.
    pub fn version(&self) -> Version {
        match self {
            Self::V1 { .. } => Version::V1,
            Self::V2c { .. } => Version::V2c,
            Self::V3(_) => Version::V3,
        }
    }
}

/// SNMPv3 USM settings for one target.
#[derive(Debug, Clone)]
pub struct UsmSecurity {
    /// The user, with master keys (localized to the agent's engine after discovery, through a
    /// key cache, so each (password, engine) pair is derived once).
    pub user: UsmUser,
    /// The level requests are sent at.
    pub level: SecurityLevel,
    /// The agent's engine ID when known in advance (net-snmp's `-e`): discovery is skipped,
    /// time synchronisation still happens.
    pub engine_id: Option<Vec<u8>>,
    /// contextEngineID (net-snmp's `-E`); the agent's engine ID when `None`.
    pub context_engine_id: Option<Vec<u8>>,
    /// contextName (net-snmp's `-n`); empty by default.
    pub context_name: Vec<u8>,
}

impl UsmSecurity {
    /// `user` at `level`, with discovery, the agent's engine as context and the default
    /// context.
    pub fn new(user: UsmUser, level: SecurityLevel) -> Self {
        Self {
            user,
            level,
            engine_id: None,
            context_engine_id: None,
            context_name: Vec::new(),
        }
    }
}

/// How long to wait for a response and how often to send a request again. A retry sends the
/// same request with the same request-id (and, for SNMPv3, the same msgID), so a late
/// response to any attempt completes the request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// How long to wait after each transmission.
    pub timeout: Duration,
    /// How many times to send again after the first transmission.
    pub retries: u32,
}

impl RetryPolicy {
    /// net-snmp's defaults: 1 second, 5 retries.
    pub const NET_SNMP: Self = Self {
        timeout: Duration::from_secs(1),
        retries: 5,
    };

    /// `timeout` per attempt, `retries` attempts after the first.
    pub fn new(timeout: Duration, retries: u32) -> Self {
        Self { timeout, retries }
    }

    /// How many transmissions in all.
    pub fn attempts(&self) -> u32 {
        self.retries.saturating_add(1)
    }
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self::NET_SNMP
    }
}
