//! Timeliness (RFC 3414 sections 2.2.3 and 3.2 step 7): `snmpEngineBoots`,
//! `snmpEngineTime` and the 150-second window.
//!
//! Time is passed in: every function takes `now`, a [`Duration`] read by the caller from a
//! monotonic clock with any fixed origin. Nothing here reads a clock.

use core::time::Duration;

/// The time window (RFC 3414 section 2.2.3): 150 seconds.
pub const TIME_WINDOW: u32 = 150;

/// The largest `snmpEngineBoots` (and `snmpEngineTime`): 2^31-1. An engine whose boots
/// reaches it is latched and can no longer authenticate (RFC 3414 section 2.2.2).
pub const MAX_ENGINE_VALUE: u32 = 2_147_483_647;

/// An engine's boots and time, as carried in `msgAuthoritativeEngineBoots/Time`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct EngineTime {
    /// `snmpEngineBoots`.
    pub boots: u32,
    /// `snmpEngineTime`, in seconds.
    pub time: u32,
}

fn seconds_since(now: Duration, since: Duration) -> u64 {
    now.saturating_sub(since).as_secs()
}

/// The authoritative engine's own clock: boots, and the instant `snmpEngineTime` was 0.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalClock {
    boots: u32,
    epoch: Duration,
}

impl LocalClock {
    /// A clock with `boots` (the persisted value, already incremented for this boot) whose
    /// time starts at 0 at `now`.
    pub fn new(boots: u32, now: Duration) -> Self {
        Self {
            boots: boots.min(MAX_ENGINE_VALUE),
            epoch: now,
        }
    }

    /// The current boots and time. When time passes 2^31-1 seconds, boots is incremented and
    /// time starts again from 0 (RFC 3414 section 2.2.1).
    pub fn now(&mut self, now: Duration) -> EngineTime {
        let mut secs = seconds_since(now, self.epoch);
        while secs > u64::from(MAX_ENGINE_VALUE) && self.boots < MAX_ENGINE_VALUE {
            self.boots += 1;
            self.epoch = self
                .epoch
                .saturating_add(Duration::from_secs(u64::from(MAX_ENGINE_VALUE) + 1));
            secs = seconds_since(now, self.epoch);
        }
        EngineTime {
            boots: self.boots,
            time: u32::try_from(secs)
                .unwrap_or(MAX_ENGINE_VALUE)
                .min(MAX_ENGINE_VALUE),
        }
    }

    /// Simulates a reboot: boots + 1, time from 0 at `now`.
    pub fn reboot(&mut self, now: Duration) {
        self.boots = self.boots.saturating_add(1).min(MAX_ENGINE_VALUE);
        self.epoch = now;
    }
}

/// RFC 3414 section 3.2 step 7a: whether a message to the authoritative engine is in its time
/// window. Outside when the local boots is latched at 2^31-1, when the boots differ, or when
/// the times differ by more than 150 seconds.
pub fn in_authoritative_window(local: EngineTime, msg: EngineTime) -> bool {
    local.boots != MAX_ENGINE_VALUE
        && msg.boots == local.boots
        && msg.time.abs_diff(local.time) <= TIME_WINDOW
}

/// What a non-authoritative engine knows of a remote authoritative engine's clock (RFC 3414
/// section 2.3): its boots, its time at the last synchronisation, and
/// `latestReceivedEngineTime`. Time never goes backwards: the estimate only grows with
/// `now`, and updates only move forward.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RemoteClock {
    boots: u32,
    time_at_sync: u32,
    synced_at: Duration,
    latest_received: u32,
    /// False while the values come only from an unauthenticated discovery Report.
    authenticated: bool,
}

impl RemoteClock {
    /// A clock from values in an unauthenticated message (a discovery Report): used to build
    /// requests, replaced by the first authenticated values.
    pub fn tentative(msg: EngineTime, now: Duration) -> Self {
        Self {
            boots: msg.boots,
            time_at_sync: msg.time,
            synced_at: now,
            latest_received: msg.time,
            authenticated: false,
        }
    }

    /// Whether an authenticated message has confirmed the values.
    pub fn is_authenticated(&self) -> bool {
        self.authenticated
    }

    /// The remote engine's boots and estimated time at `now`, for outgoing messages.
    pub fn estimate(&self, now: Duration) -> EngineTime {
        let elapsed = u32::try_from(seconds_since(now, self.synced_at)).unwrap_or(MAX_ENGINE_VALUE);
        EngineTime {
            boots: self.boots,
            time: self
                .time_at_sync
                .saturating_add(elapsed)
                .min(MAX_ENGINE_VALUE),
        }
    }

    /// RFC 3414 section 3.2 step 7b for an authenticated message from the remote engine:
    /// first take newer values (higher boots, or the same boots and a later time than
    /// `latestReceivedEngineTime`), then check the window. `Err` carries the local view.
    pub fn update_and_check(&mut self, msg: EngineTime, now: Duration) -> Result<(), EngineTime> {
        let newer = !self.authenticated
            || msg.boots > self.boots
            || (msg.boots == self.boots && msg.time > self.latest_received);
        if newer {
            self.boots = msg.boots;
            self.time_at_sync = msg.time;
            self.synced_at = now;
            self.latest_received = msg.time;
            self.authenticated = true;
        }
        let local = self.estimate(now);
        let stale = local.boots == MAX_ENGINE_VALUE
            || msg.boots < local.boots
            || (msg.boots == local.boots && msg.time.saturating_add(TIME_WINDOW) < local.time);
        if stale { Err(local) } else { Ok(()) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const fn t(boots: u32, time: u32) -> EngineTime {
        EngineTime { boots, time }
    }

    #[test]
    fn authoritative_window() {
        assert!(in_authoritative_window(t(3, 1000), t(3, 1150)));
        assert!(in_authoritative_window(t(3, 1000), t(3, 850)));
        assert!(!in_authoritative_window(t(3, 1000), t(3, 1151)));
        assert!(!in_authoritative_window(t(3, 1000), t(3, 849)));
        assert!(!in_authoritative_window(t(3, 1000), t(2, 1000)));
        assert!(!in_authoritative_window(
            t(MAX_ENGINE_VALUE, 5),
            t(MAX_ENGINE_VALUE, 5)
        ));
    }

    #[test]
    fn local_clock_counts_and_wraps() {
        let mut c = LocalClock::new(7, Duration::from_secs(100));
        assert_eq!(c.now(Duration::from_secs(160)), t(7, 60));
        assert_eq!(
            c.now(Duration::from_secs(50)),
            t(7, 0),
            "a clock read before the epoch is 0"
        );
        let far = Duration::from_secs(100 + u64::from(MAX_ENGINE_VALUE) + 11);
        assert_eq!(c.now(far), t(8, 10));
        c.reboot(far);
        assert_eq!(c.now(far), t(9, 0));
    }

    #[test]
    fn remote_clock_never_goes_backwards() {
        let s = Duration::from_secs;
        let mut c = RemoteClock::tentative(t(0, 0), s(10));
        // First authenticated values replace the tentative ones, even lower ones.
        assert_eq!(c.update_and_check(t(5, 500), s(10)), Ok(()));
        assert_eq!(c.estimate(s(70)), t(5, 560));
        // An older time with the same boots is kept out of the estimate, but accepted within
        // the window.
        assert_eq!(c.update_and_check(t(5, 450), s(70)), Ok(()));
        assert_eq!(c.estimate(s(70)), t(5, 560));
        // Beyond the window: refused.
        assert_eq!(c.update_and_check(t(5, 400), s(70)), Err(t(5, 560)));
        // A reboot (higher boots) is taken.
        assert_eq!(c.update_and_check(t(6, 3), s(80)), Ok(()));
        assert_eq!(c.estimate(s(81)), t(6, 4));
        // Lower boots after that: refused.
        assert_eq!(c.update_and_check(t(5, 10_000), s(81)), Err(t(6, 4)));
        // `now` going backwards does not move the estimate back.
        assert_eq!(c.estimate(s(1)), t(6, 3));
    }
}
