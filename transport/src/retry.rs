//! Retry decisions, sans-IO: the caller supplies the outcome, the attempt number, the current
//! time and a random number, and gets back what to do. Nothing here sleeps or reads a clock.
//!
//! - 2xx: done, delete the payload.
//! - 4xx except 408 and 429: permanent; the payload goes to the dead-letter folder with the
//!   server's status and reason.
//! - 429 and 503 with `Retry-After` (seconds or an HTTP date): wait that long (at most
//!   [`RetryPolicy::max_retry_after`]).
//! - Anything else (408, 429/503 without `Retry-After`, other 5xx, 1xx/3xx, transient transport
//!   errors): exponential backoff with full jitter, `uniform(0, min(cap, base * 2^attempt))`.
//!
//! ```
//! use std::time::Duration;
//! use fleetwire_transport::retry::{Decision, Outcome, RetryPolicy};
//!
//! let policy = RetryPolicy::default();
//! let d = policy.decide(0, &Outcome::Status { status: 503, retry_after: Some("7"), body: b"" }, 0, 0);
//! assert_eq!(d, Decision::Retry { after: Duration::from_secs(7) });
//! let d = policy.decide(0, &Outcome::Status { status: 422, retry_after: None, body: b"bad schema" }, 0, 0);
//! assert!(matches!(d, Decision::DeadLetter { .. }));
//! ```

use std::time::Duration;

/// Backoff parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Backoff for the first retry (before jitter).
    pub base: Duration,
    /// Largest backoff (before jitter).
    pub cap: Duration,
    /// Largest `Retry-After` honoured; longer values are clamped to this.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            base: Duration::from_secs(1),
            cap: Duration::from_secs(15 * 60),
            max_retry_after: Duration::from_secs(6 * 3600),
        }
    }
}

/// What happened to one upload attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome<'a> {
    /// The server answered.
    Status {
        /// HTTP status.
        status: u16,
        /// The `Retry-After` header, if any.
        retry_after: Option<&'a str>,
        /// The response body (its start becomes the dead-letter reason).
        body: &'a [u8],
    },
    /// The request failed before an answer and may work later (connection refused, timeout).
    TransientError,
}

/// What to do next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Accepted: delete the payload.
    Done,
    /// Refused for good: move the payload to the dead-letter folder with this reason.
    DeadLetter {
        /// The server's status and reason.
        reason: String,
    },
    /// Try again after this delay.
    Retry {
        /// How long to wait.
        after: Duration,
    },
}

/// Longest part of a response body kept in a dead-letter reason.
const REASON_BODY_LIMIT: usize = 512;

impl RetryPolicy {
    /// Full-jitter backoff before retry number `attempt + 1`: uniform in
    /// `[0, min(cap, base * 2^attempt)]`, drawn from `random`.
    pub fn backoff(&self, attempt: u32, random: u64) -> Duration {
        let ceiling = self
            .base
            .checked_mul(1u32.checked_shl(attempt.min(31)).unwrap_or(u32::MAX))
            .unwrap_or(self.cap)
            .min(self.cap);
        let nanos = ceiling.as_nanos().min(u128::from(u64::MAX)) as u64;
        match nanos.checked_add(1) {
            Some(m) => Duration::from_nanos(random % m),
            None => Duration::from_nanos(random),
        }
    }

    /// Decides what to do after attempt number `attempt` (0 for the first try) ended with
    /// `outcome`. `now_unix` (seconds) resolves HTTP-date `Retry-After` values; `random` feeds
    /// the jitter.
    pub fn decide(
        &self,
        attempt: u32,
        outcome: &Outcome<'_>,
        now_unix: i64,
        random: u64,
    ) -> Decision {
        match *outcome {
            Outcome::Status { status, .. } if (200..300).contains(&status) => Decision::Done,
            Outcome::Status { status, body, .. }
                if (400..500).contains(&status) && status != 408 && status != 429 =>
            {
                let text = String::from_utf8_lossy(body);
                let mut reason: String = text.chars().take(REASON_BODY_LIMIT).collect();
                reason = reason.trim().to_owned();
                Decision::DeadLetter {
                    reason: if reason.is_empty() {
                        format!("HTTP {status}")
                    } else {
                        format!("HTTP {status}: {reason}")
                    },
                }
            }
            Outcome::Status {
                status: 429 | 503,
                retry_after: Some(value),
                ..
            } => match parse_retry_after(value, now_unix) {
                Some(after) => Decision::Retry {
                    after: after.min(self.max_retry_after),
                },
                None => Decision::Retry {
                    after: self.backoff(attempt, random),
                },
            },
            _ => Decision::Retry {
                after: self.backoff(attempt, random),
            },
        }
    }
}

/// Parses a `Retry-After` value: delta-seconds, or an IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`) relative to `now_unix`. A date in the past is zero.
pub fn parse_retry_after(value: &str, now_unix: i64) -> Option<Duration> {
    let v = value.trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        return v.parse::<u64>().ok().map(Duration::from_secs);
    }
    let when = parse_imf_fixdate(v)?;
    Some(Duration::from_secs(
        u64::try_from(when - now_unix).unwrap_or(0),
    ))
}

/// `Sun, 06 Nov 1994 08:49:37 GMT` → Unix seconds.
fn parse_imf_fixdate(s: &str) -> Option<i64> {
    let (_, rest) = s.split_once(", ")?;
    let mut it = rest.split(' ');
    let day: u32 = it.next()?.parse().ok()?;
    let month = match it.next()? {
        "Jan" => 1,
        "Feb" => 2,
        "Mar" => 3,
        "Apr" => 4,
        "May" => 5,
        "Jun" => 6,
        "Jul" => 7,
        "Aug" => 8,
        "Sep" => 9,
        "Oct" => 10,
        "Nov" => 11,
        "Dec" => 12,
        _ => return None,
    };
    let year: i64 = it.next()?.parse().ok()?;
    let mut hms = it.next()?.split(':');
    let h: i64 = hms.next()?.parse().ok()?;
    let m: i64 = hms.next()?.parse().ok()?;
    let sec: i64 = hms.next()?.parse().ok()?;
    if it.next()? != "GMT"
        || it.next().is_some()
        || !(1..=31).contains(&day)
        || h > 23
        || m > 59
        || sec > 60
    {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86_400 + h * 3600 + m * 60 + sec)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
pub(crate) fn days_from_civil(y: i64, m: u32, d: u32) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(m);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(d) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    fn status(status: u16, retry_after: Option<&str>) -> Outcome<'_> {
        Outcome::Status {
            status,
            retry_after,
            body: b"",
        }
    }

    #[test]
    fn classification() {
        let p = RetryPolicy::default();
        assert_eq!(p.decide(0, &status(200, None), 0, 0), Decision::Done);
        assert_eq!(p.decide(0, &status(204, None), 0, 0), Decision::Done);
        for s in [400, 401, 403, 404, 409, 413, 422, 499] {
            assert!(
                matches!(
                    p.decide(0, &status(s, None), 0, 0),
                    Decision::DeadLetter { .. }
                ),
                "{s}"
            );
        }
        for s in [408, 429, 500, 502, 503, 504, 301, 100] {
            assert!(
                matches!(p.decide(0, &status(s, None), 0, 0), Decision::Retry { .. }),
                "{s}"
            );
        }
        assert!(matches!(
            p.decide(0, &Outcome::TransientError, 0, 0),
            Decision::Retry { .. }
        ));
        let d = p.decide(
            0,
            &Outcome::Status {
                status: 422,
                retry_after: None,
                body: b" missing <serial> \n",
            },
            0,
            0,
        );
        assert_eq!(
            d,
            Decision::DeadLetter {
                reason: "HTTP 422: missing <serial>".into()
            }
        );
    }

    #[test]
    fn retry_after() {
        let p = RetryPolicy::default();
        let now = 784_111_777; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(
            parse_imf_fixdate("Sun, 06 Nov 1994 08:49:37 GMT"),
            Some(now)
        );
        assert_eq!(
            p.decide(3, &status(429, Some("120")), now, u64::MAX),
            Decision::Retry {
                after: Duration::from_secs(120)
            }
        );
        assert_eq!(
            p.decide(
                0,
                &status(503, Some("Sun, 06 Nov 1994 08:50:37 GMT")),
                now,
                0
            ),
            Decision::Retry {
                after: Duration::from_secs(60)
            }
        );
        assert_eq!(
            p.decide(
                0,
                &status(503, Some("Sun, 06 Nov 1994 08:00:00 GMT")),
                now,
                0
            ),
            Decision::Retry {
                after: Duration::ZERO
            }
        );
        assert_eq!(
            p.decide(0, &status(503, Some("99999999")), now, 0),
            Decision::Retry {
                after: p.max_retry_after
            }
        );
        // Garbage falls back to backoff; 500 ignores Retry-After.
        let Decision::Retry { after } = p.decide(0, &status(503, Some("soon")), now, u64::MAX)
        else {
            unreachable!()
        };
        assert!(after <= p.base);
        let Decision::Retry { after } = p.decide(0, &status(500, Some("600")), now, 0) else {
            unreachable!()
        };
        assert_eq!(after, Duration::ZERO);
        for bad in [
            "",
            "-1",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "1.5",
        ] {
            assert_eq!(parse_retry_after(bad, now), None, "{bad:?}");
        }
    }

    #[test]
    fn backoff_is_bounded_full_jitter() {
        let p = RetryPolicy {
            base: Duration::from_millis(100),
            cap: Duration::from_secs(10),
            ..RetryPolicy::default()
        };
        assert_eq!(p.backoff(0, 0), Duration::ZERO);
        assert_eq!(p.backoff(0, 100_000_000), Duration::from_millis(100));
        assert_eq!(p.backoff(3, 800_000_000), Duration::from_millis(800));
        assert_eq!(p.backoff(3, 800_000_001), Duration::ZERO);
        for attempt in [10, 31, 32, 1000, u32::MAX] {
            for r in [0, 1, 12_345_678_901, u64::MAX] {
                assert!(p.backoff(attempt, r) <= p.cap);
            }
        }
        // Spread: many draws cover the range instead of clustering.
        let mut x = 0x2545_f491_4f6c_dd1du64;
        let draws: Vec<Duration> = (0..1000)
            .map(|_| {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                p.backoff(20, x)
            })
            .collect();
        assert!(draws.iter().any(|d| *d < Duration::from_secs(1)));
        assert!(draws.iter().any(|d| *d > Duration::from_secs(9)));
    }

    #[test]
    fn civil_days() {
        assert_eq!(days_from_civil(1970, 1, 1), 0);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
        assert_eq!(days_from_civil(1969, 12, 31), -1);
    }
}
