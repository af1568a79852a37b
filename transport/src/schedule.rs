//! The sync scheduler and the disablement thresholds, sans-IO.
//!
//! Nothing here reads a clock or sleeps: the host passes the current [`LocalTime`] in, calls
//! [`Scheduler::poll`] whenever [`Scheduler::next_wakeup`] says so (or on any event), and
//! runs a sync (an [`Uploader`](crate::Uploader) flush) when `poll` returns a [`SyncReason`].
//!
//! - **Daily**: once a day at a local time of day. The slot fires when `poll` runs within
//!   [`ScheduleConfig::slot_grace`] after it. A slot the host slept or was switched off
//!   through is missed: the next sync waits for the next day's slot, unless
//!   [`ScheduleConfig::catch_up`] asks for one catch-up sync at once.
//! - **Idle**: after records were added ([`Scheduler::record_activity`]), a sync once nothing
//!   new happened for [`ScheduleConfig::idle_after`] (10 minutes by default), as mail
//!   systems batch outgoing mail.
//! - **On demand**: [`Scheduler::request_sync`].
//! - **Shutdown**: [`Scheduler::shutdown`] gives the [`FlushOptions`] for a last flush bounded
//!   by a deadline.
//! - **Disablement**: no successful contact for [`ScheduleConfig::warn_after`] → [`Health::Warning`];
//!   for [`ScheduleConfig::disable_after`] → [`Health::Disabled`], with the reason. A disabled
//!   scheduler starts no daily, idle or catch-up sync; an on-demand sync still runs and a
//!   success re-enables it.
//!
//! ```
//! use std::time::Duration;
//! use fleetwire_transport::schedule::{LocalTime, ScheduleConfig, Scheduler, SyncReason, TimeOfDay};
//!
//! let config = ScheduleConfig { daily_at: Some(TimeOfDay::new(2, 30)?), ..ScheduleConfig::default() };
//! // 2026-01-01 01:00 local (UTC+1): the 02:30 slot is 90 minutes away.
//! let now = LocalTime::new(1_767_225_600, 3600);
//! let mut s = Scheduler::new(config, now, Some(now.unix));
//! assert_eq!(s.next_wakeup(now), Some(now.unix + 90 * 60));
//! assert_eq!(s.poll(now.plus_secs(90 * 60)), Some(SyncReason::Daily));
//! # Ok::<(), String>(())
//! ```

use std::time::{Duration, Instant};

use crate::upload::FlushOptions;

const DAY: i64 = 86_400;

/// An instant as the host sees it: Unix seconds (UTC) and the local UTC offset in effect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LocalTime {
    /// Seconds since 1970-01-01T00:00:00Z.
    pub unix: i64,
    /// Local offset from UTC in seconds (east positive), as in effect at `unix`.
    pub utc_offset_secs: i32,
}

impl LocalTime {
    /// An instant with its local offset.
    pub fn new(unix: i64, utc_offset_secs: i32) -> Self {
        Self {
            unix,
            utc_offset_secs,
        }
    }

    /// The same offset, `secs` later.
    pub fn plus_secs(self, secs: i64) -> Self {
        Self {
            unix: self.unix + secs,
            ..self
        }
    }

    fn local_secs(self) -> i64 {
        self.unix + i64::from(self.utc_offset_secs)
    }
}

/// A local time of day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct TimeOfDay {
    secs: u32,
}

impl TimeOfDay {
    /// `hour:minute` (0–23, 0–59).
    pub fn new(hour: u32, minute: u32) -> Result<Self, String> {
        if hour > 23 || minute > 59 {
            return Err(format!("{hour}:{minute:02} is not a time of day"));
        }
        Ok(Self {
            secs: hour * 3600 + minute * 60,
        })
    }

    /// Parses `HH:MM`.
    pub fn parse(s: &str) -> Result<Self, String> {
        let (h, m) = s
            .split_once(':')
            .ok_or_else(|| format!("{s:?} is not HH:MM"))?;
        let h = h.parse().map_err(|_| format!("{s:?} is not HH:MM"))?;
        let m = m.parse().map_err(|_| format!("{s:?} is not HH:MM"))?;
        Self::new(h, m)
    }

    /// Seconds since local midnight.
    pub fn secs(self) -> u32 {
        self.secs
    }
}

/// Scheduler settings.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ScheduleConfig {
    /// Daily sync time (local); `None` for no daily sync.
    pub daily_at: Option<TimeOfDay>,
    /// How late after its slot a daily sync may still start; later, the slot counts as missed.
    pub slot_grace: Duration,
    /// Run one catch-up sync at start (or after a missed slot) when the last successful
    /// contact is older than the most recent slot.
    pub catch_up: bool,
    /// Idle trigger: sync pending records after this long without new activity.
    pub idle_after: Duration,
    /// No successful contact for this long → [`Health::Warning`].
    pub warn_after: Duration,
    /// No successful contact for this long → [`Health::Disabled`].
    pub disable_after: Duration,
}

impl Default for ScheduleConfig {
    fn default() -> Self {
        Self {
            daily_at: None,
            slot_grace: Duration::from_secs(15 * 60),
            catch_up: false,
            idle_after: Duration::from_secs(10 * 60),
            warn_after: Duration::from_secs(7 * 86_400),
            disable_after: Duration::from_secs(30 * 86_400),
        }
    }
}

/// Why a sync is due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncReason {
    /// The daily slot.
    Daily,
    /// A catch-up for a missed slot (only with [`ScheduleConfig::catch_up`]).
    CatchUp,
    /// Records are pending and nothing new happened for the idle time.
    Idle,
    /// The host asked for it.
    OnDemand,
}

/// Whether the device is still considered connected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Health {
    /// Contact succeeded recently enough.
    Ok,
    /// No successful contact for longer than the warning threshold.
    Warning {
        /// Why, for the host application to show.
        reason: String,
    },
    /// No successful contact for longer than the disable threshold: scheduled syncs stop.
    Disabled {
        /// Why, for the host application to show.
        reason: String,
    },
}

/// The scheduler state; see the [module documentation](self).
#[derive(Debug, Clone)]
pub struct Scheduler {
    config: ScheduleConfig,
    next_slot: Option<i64>,
    catch_up_due: bool,
    last_activity: Option<i64>,
    on_demand: bool,
    last_success: Option<i64>,
    started: i64,
}

fn secs(d: Duration) -> i64 {
    i64::try_from(d.as_secs()).unwrap_or(i64::MAX)
}

impl Scheduler {
    /// A scheduler starting at `now`. `last_success` is the host's persisted time (Unix
    /// seconds) of the last successful contact, if any.
    pub fn new(config: ScheduleConfig, now: LocalTime, last_success: Option<i64>) -> Self {
        let mut s = Self {
            config,
            next_slot: None,
            catch_up_due: false,
            last_activity: None,
            on_demand: false,
            last_success,
            started: now.unix,
        };
        if let Some(prev) = s.slot_at_or_before(now) {
            s.catch_up_due = config.catch_up && last_success.is_none_or(|t| t < prev);
        }
        s.next_slot = s.slot_after(now);
        s
    }

    /// The configuration.
    pub fn config(&self) -> &ScheduleConfig {
        &self.config
    }

    /// The most recent slot at or before `now` (Unix seconds).
    fn slot_at_or_before(&self, now: LocalTime) -> Option<i64> {
        let tod = i64::from(self.config.daily_at?.secs());
        let local = now.local_secs();
        let day_start = local.div_euclid(DAY) * DAY;
        let mut slot_local = day_start + tod;
        if slot_local > local {
            slot_local -= DAY;
        }
        Some(slot_local - i64::from(now.utc_offset_secs))
    }

    /// The first slot strictly after `now` (Unix seconds).
    fn slot_after(&self, now: LocalTime) -> Option<i64> {
        self.slot_at_or_before(now).map(|s| s + DAY)
    }

    /// New records were queued (or other activity happened): restarts the idle timer.
    pub fn record_activity(&mut self, now: LocalTime) {
        self.last_activity = Some(now.unix);
    }

    /// Asks for a sync at the next [`Scheduler::poll`].
    pub fn request_sync(&mut self) {
        self.on_demand = true;
    }

    /// Returns the sync that is due at `now`, if any, and marks it started. Call again after
    /// the sync to see whether another one is due.
    pub fn poll(&mut self, now: LocalTime) -> Option<SyncReason> {
        if self.on_demand {
            self.on_demand = false;
            return Some(SyncReason::OnDemand);
        }
        let disabled = matches!(self.health(now), Health::Disabled { .. });
        let mut reason = None;
        if let Some(slot) = self.next_slot
            && now.unix >= slot
        {
            if now.unix - slot <= secs(self.config.slot_grace) {
                reason = Some(SyncReason::Daily);
            } else if self.config.catch_up && self.last_success.is_none_or(|t| t < slot) {
                self.catch_up_due = true;
            }
            self.next_slot = self.slot_after(now);
        }
        if reason.is_none() && self.catch_up_due {
            reason = Some(SyncReason::CatchUp);
        }
        if reason.is_some() {
            self.catch_up_due = false;
        } else if let Some(at) = self.last_activity
            && now.unix - at >= secs(self.config.idle_after)
        {
            reason = Some(SyncReason::Idle);
        }
        if reason.is_some() {
            // Any sync uploads the pending records too.
            self.last_activity = None;
        }
        if disabled { None } else { reason }
    }

    /// When [`Scheduler::poll`] should be called next (Unix seconds), absent other events.
    /// `None` when nothing is scheduled.
    pub fn next_wakeup(&self, now: LocalTime) -> Option<i64> {
        if self.on_demand || self.catch_up_due {
            return Some(now.unix);
        }
        let idle = self
            .last_activity
            .map(|at| at.saturating_add(secs(self.config.idle_after)));
        match (self.next_slot, idle) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Reports the end of a sync. A success resets the disablement clock.
    pub fn sync_finished(&mut self, now: LocalTime, success: bool) {
        if success {
            self.last_success = Some(now.unix);
        }
    }

    /// Time (Unix seconds) of the last successful contact, to persist across restarts.
    pub fn last_success(&self) -> Option<i64> {
        self.last_success
    }

    /// Whether the device is considered connected (see the [module documentation](self)).
    pub fn health(&self, now: LocalTime) -> Health {
        let since = self.last_success.unwrap_or(self.started);
        let silent = now.unix.saturating_sub(since);
        let what = match self.last_success {
            Some(_) => "since the last successful contact with the server",
            None => "without any successful contact with the server",
        };
        if silent >= secs(self.config.disable_after) {
            Health::Disabled {
                reason: format!(
                    "disabled: {} days {what} (limit {} days)",
                    silent / DAY,
                    secs(self.config.disable_after) / DAY
                ),
            }
        } else if silent >= secs(self.config.warn_after) {
            Health::Warning {
                reason: format!(
                    "{} days {what}; uploads stop after {} days",
                    silent / DAY,
                    secs(self.config.disable_after) / DAY
                ),
            }
        } else {
            Health::Ok
        }
    }

    /// The [`FlushOptions`] of the shutdown flush: pending payloads are uploaded until
    /// `deadline`, and no retry wait may pass it.
    pub fn shutdown(&mut self, deadline: Instant) -> FlushOptions {
        self.on_demand = false;
        self.last_activity = None;
        FlushOptions {
            deadline: Some(deadline),
            max_attempts: u32::MAX,
        }
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    // 2026-03-10T00:00:00Z
    const MIDNIGHT_UTC: i64 = 1_773_100_800;
    const H: i64 = 3600;

    fn at(hour_utc: i64, offset: i32) -> LocalTime {
        LocalTime::new(MIDNIGHT_UTC + hour_utc * H, offset)
    }

    fn daily(h: u32, m: u32) -> ScheduleConfig {
        ScheduleConfig {
            daily_at: Some(TimeOfDay::new(h, m).unwrap()),
            ..ScheduleConfig::default()
        }
    }

    #[test]
    fn midnight_constant() {
        assert_eq!(
            crate::retry::days_from_civil(2026, 3, 10) * DAY,
            MIDNIGHT_UTC
        );
    }

    #[test]
    fn daily_slot_in_local_time() {
        // 03:00 local at UTC+2 is 01:00 UTC.
        let now = at(0, 2 * 3600);
        let mut s = Scheduler::new(daily(3, 0), now, Some(now.unix));
        assert_eq!(s.next_wakeup(now), Some(MIDNIGHT_UTC + H));
        assert_eq!(s.poll(now), None);
        assert_eq!(s.poll(at(1, 7200).plus_secs(-1)), None);
        assert_eq!(s.poll(at(1, 7200)), Some(SyncReason::Daily));
        assert_eq!(s.poll(at(1, 7200)), None);
        assert_eq!(s.next_wakeup(at(1, 7200)), Some(MIDNIGHT_UTC + 25 * H));
        // A negative offset: 23:30 local at UTC-5 is 04:30 UTC the next day.
        let now = at(0, -5 * 3600);
        let s = Scheduler::new(daily(23, 30), now, Some(now.unix));
        assert_eq!(s.next_wakeup(now), Some(MIDNIGHT_UTC + 4 * H + 1800));
    }

    #[test]
    fn slot_missed_while_off_waits_for_next_slot() {
        let cfg = daily(2, 0);
        // Started at 09:00, the 02:00 slot passed while off: nothing now, next at 02:00 tomorrow.
        let now = at(9, 0);
        let mut s = Scheduler::new(cfg, now, Some(now.unix - 30 * H));
        assert_eq!(s.poll(now), None);
        assert_eq!(s.next_wakeup(now), Some(MIDNIGHT_UTC + 26 * H));
        // The host slept through the next slot too (poll 3 h late): missed, no sync.
        assert_eq!(s.poll(at(29, 0)), None);
        assert_eq!(s.next_wakeup(at(29, 0)), Some(MIDNIGHT_UTC + 50 * H));
        // Within the grace it still runs.
        assert_eq!(s.poll(at(50, 0).plus_secs(600)), Some(SyncReason::Daily));
    }

    #[test]
    fn catch_up_at_start_and_after_missed_slot() {
        let cfg = ScheduleConfig {
            catch_up: true,
            ..daily(2, 0)
        };
        let now = at(9, 0);
        let mut s = Scheduler::new(cfg, now, Some(now.unix - 30 * H));
        assert_eq!(s.next_wakeup(now), Some(now.unix));
        assert_eq!(s.poll(now), Some(SyncReason::CatchUp));
        assert_eq!(s.poll(now), None);
        s.sync_finished(now, true);
        // Last success after the most recent slot: no catch-up at start.
        let s2 = Scheduler::new(cfg, now, Some(at(3, 0).unix));
        assert_eq!(s2.next_wakeup(now), Some(MIDNIGHT_UTC + 26 * H));
        // Slept through tomorrow's slot: a catch-up instead of the daily sync.
        assert_eq!(s.poll(at(29, 0)), Some(SyncReason::CatchUp));
        assert_eq!(s.poll(at(29, 0)), None);
    }

    #[test]
    fn idle_trigger() {
        let now = at(0, 0);
        let mut s = Scheduler::new(ScheduleConfig::default(), now, Some(now.unix));
        assert_eq!(s.next_wakeup(now), None);
        s.record_activity(now);
        s.record_activity(now.plus_secs(300)); // more records: the idle timer restarts
        assert_eq!(s.next_wakeup(now), Some(now.unix + 900));
        assert_eq!(s.poll(now.plus_secs(899)), None);
        assert_eq!(s.poll(now.plus_secs(900)), Some(SyncReason::Idle));
        assert_eq!(s.poll(now.plus_secs(2000)), None);
        assert_eq!(s.next_wakeup(now), None);
    }

    #[test]
    fn on_demand_and_shutdown() {
        let now = at(0, 0);
        let mut s = Scheduler::new(ScheduleConfig::default(), now, None);
        s.request_sync();
        assert_eq!(s.next_wakeup(now), Some(now.unix));
        assert_eq!(s.poll(now), Some(SyncReason::OnDemand));
        assert_eq!(s.poll(now), None);
        s.record_activity(now);
        let deadline = Instant::now() + Duration::from_secs(5);
        let opts = s.shutdown(deadline);
        assert_eq!(opts.deadline, Some(deadline));
        assert_eq!(s.next_wakeup(now), None);
    }

    #[test]
    fn disablement_thresholds() {
        let cfg = ScheduleConfig {
            warn_after: Duration::from_secs(3 * 86_400),
            disable_after: Duration::from_secs(10 * 86_400),
            ..daily(2, 0)
        };
        let start = at(0, 0);
        let mut s = Scheduler::new(cfg, start, Some(start.unix));
        assert_eq!(s.health(start.plus_secs(3 * DAY - 1)), Health::Ok);
        let Health::Warning { reason } = s.health(start.plus_secs(3 * DAY)) else {
            unreachable!()
        };
        assert!(
            reason.contains("3 days since the last successful contact"),
            "{reason}"
        );
        let later = start.plus_secs(10 * DAY + 2 * H);
        let Health::Disabled { reason } = s.health(later) else {
            unreachable!()
        };
        assert!(reason.contains("10 days"), "{reason}");
        // Disabled: the daily slot and the idle trigger do not fire...
        s.record_activity(later.plus_secs(-3600));
        assert_eq!(s.poll(later), None);
        // ...an on-demand sync still runs, and its success re-enables.
        s.request_sync();
        assert_eq!(s.poll(later), Some(SyncReason::OnDemand));
        s.sync_finished(later, true);
        assert_eq!(s.health(later), Health::Ok);
        assert_eq!(s.last_success(), Some(later.unix));
        // Never any contact: counted from the start.
        let s = Scheduler::new(cfg, start, None);
        assert!(
            matches!(s.health(start.plus_secs(11 * DAY)), Health::Disabled { reason } if reason.contains("without any"))
        );
    }

    #[test]
    fn time_of_day_parsing() {
        assert_eq!(TimeOfDay::parse("02:30").unwrap().secs(), 9000);
        for bad in ["24:00", "2", "12:60", "a:b"] {
            assert!(TimeOfDay::parse(bad).is_err(), "{bad}");
        }
    }
}
