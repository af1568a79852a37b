//! Deterministic drift for simulated printers (`fleetwire simulate --drift SEED`): between
//! polls, page counters rise and supply levels fall.
//!
//! Everything here is a pure function of the seed, the device number and the step (how many
//! drift intervals have passed since the simulator started), so a test can compute exactly
//! what a simulated device answers. At step 0 every value is the recorded one.
//!
//! The model, per device:
//!
//! - The device prints [`Drift::pages`] pages by step `k`: `0` at step 0, then
//!   `k * rate + jitter(k)` with `rate` in `1..=40` pages per step and `0 <= jitter(k) < rate`
//!   (both from the seed and the device), so the count rises strictly with every step.
//! - A share of those pages is colour, in the device's recorded ratio: the PWG system-total
//!   colour impressions (full colour, or highlight colour if full colour is zero) over the total.
//!   A mono device prints no colour; a device whose recorded pages are all colour prints only
//!   colour.
//! - Every new page is a one-sided print job, so these objects rise (see [`DriftPlan::new`]):
//!   `prtMarkerLifeCount` and `prtMarkerPowerOnCount` by all pages; the PWG impression and sheet
//!   counters of the system-totals and print services by all pages (total), mono pages
//!   (monochrome) and colour pages (the colour column); the `xcmHrDevDetail` print meters of
//!   device 1 (`.1.20.1` total, `.1.20.33` colour, `.1.20.34` black), as integer and as text.
//!   Two-sided, blank, copy, scan and fax counters stay as recorded, so the recorded sums
//!   (total = mono + colour + ..., system totals = sum of services, sheets = impressions -
//!   two-sided) still hold.
//! - Every supply with a known level (`prtMarkerSuppliesLevel` >= 0) and a known maximum (> 0)
//!   falls, never below 0: by one per page when its unit is impressions or sheets, otherwise by
//!   `pages * max / life`, with a life of 1,000 to 4,000 pages per full supply (from the seed,
//!   the device and the supply). The special values -1, -2 and -3 never change.
//!
//! Counter32 values wrap at 2^32 as counters do; Integer32 meters stop at 2^31 - 1.

use std::collections::BTreeMap;

use fleetwire_snmp::snmprec::Recording;
use fleetwire_snmp::{Oid, Value};

/// A drift seed: the same seed, device and step always give the same values.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Drift {
    seed: u64,
}

/// Pages a device has printed since the simulator started.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Pages {
    /// All pages.
    pub total: u64,
    /// Of those, colour pages.
    pub colour: u64,
}

impl Pages {
    /// Mono pages: all pages that are not colour.
    pub fn mono(&self) -> u64 {
        self.total - self.colour
    }
}

/// Which pages a counter counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Share {
    All,
    Mono,
    Colour,
}

/// How one recorded object drifts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Role {
    /// A page counter (Counter32 or Integer32) rising by a share of the pages.
    Counter(Share),
    /// A page meter held as decimal text (`xcmHrDevDetailValueString`).
    CounterText(Share),
    /// A supply level falling from its recorded value towards 0.
    SupplyLevel {
        /// `prtMarkerSuppliesMaxCapacity` of the same row (> 0).
        max: i32,
        /// Whether the unit is impressions or sheets (one per page).
        per_page: bool,
        /// The supply's row index (`hrDeviceIndex.prtMarkerSuppliesIndex`), for its life.
        row: (u32, u32),
    },
}

/// Which objects of one recording drift, and how: computed once per recording and shared by
/// every device serving it.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DriftPlan {
    /// Keyed by the index of the entry in [`Recording::entries`].
    roles: BTreeMap<usize, Role>,
    /// Recorded colour impressions over total impressions (PWG system totals), as a fraction
    /// `colour_base / total_base`; `total_base` 0 means no colour.
    colour_base: u64,
    total_base: u64,
}

const PRT_MARKER_LIFE_COUNT: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 4];
const PRT_MARKER_POWER_ON_COUNT: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 10, 2, 1, 5];
const PRT_MARKER_SUPPLIES_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1];
const PWG_IMAGING_COUNTERS: &[u32] = &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1];
const XCM_HR_DEV_DETAIL_ENTRY: &[u32] = &[1, 3, 6, 1, 4, 1, 253, 8, 53, 13, 2, 1];

/// PWG icServiceType values that drift.
const IC_SERVICE_SYSTEM_TOTALS: i32 = 3;
const IC_SERVICE_PRINT: i32 = 11;

/// PrtMarkerSuppliesSupplyUnitTC impressions(7) and sheets(8).
const UNIT_IMPRESSIONS: i32 = 7;
const UNIT_SHEETS: i32 = 8;

fn suffix<'a>(arcs: &'a [u32], prefix: &[u32]) -> Option<&'a [u32]> {
    arcs.strip_prefix(prefix)
}

fn integer_at(recording: &Recording, arcs: &[u32]) -> Option<i32> {
    let oid = Oid::from_arcs(arcs).ok()?;
    match recording.get(&oid)? {
        Value::Integer(v) => Some(*v),
        _ => None,
    }
}

fn count(value: &Value<'_>) -> Option<u64> {
    match value {
        Value::Counter32(v) | Value::Gauge32(v) => Some(u64::from(*v)),
        Value::Counter64(v) => Some(*v),
        Value::Integer(v) => u64::try_from(*v).ok(),
        _ => None,
    }
}

impl DriftPlan {
    /// Finds the objects of `recording` that drift (see the [module docs](self)).
    pub fn new(recording: &Recording) -> Self {
        let entries = recording.entries();
        // PWG services that drift: system totals and print.
        let mut pwg_keys = Vec::new();
        let mut service_type = PWG_IMAGING_COUNTERS.to_vec();
        service_type.extend([3, 1, 1, 1]);
        for (oid, value) in entries {
            let arcs: Vec<u32> = oid.arcs().collect();
            if let (Some([key]), Value::Integer(t)) = (suffix(&arcs, &service_type), value)
                && (*t == IC_SERVICE_SYSTEM_TOTALS || *t == IC_SERVICE_PRINT)
            {
                pwg_keys.push(*key);
            }
        }
        // The colour column and ratio, from the system totals' impressions.
        let system_key = entries.iter().find_map(|(oid, value)| {
            let arcs: Vec<u32> = oid.arcs().collect();
            match (suffix(&arcs, &service_type), value) {
                (Some([key]), Value::Integer(IC_SERVICE_SYSTEM_TOTALS)) => Some(*key),
                _ => None,
            }
        });
        let impressions = |column: u32| -> u64 {
            let Some(key) = system_key else { return 0 };
            let mut arcs = PWG_IMAGING_COUNTERS.to_vec();
            arcs.extend([8, 1, 1, column, key, 3, 3]);
            Oid::from_arcs(&arcs)
                .ok()
                .and_then(|oid| recording.get(&oid).and_then(count))
                .unwrap_or(0)
        };
        let total_base = impressions(4);
        let (colour_column, colour_base) = match (impressions(7), impressions(8)) {
            (0, 0) => (None, 0),
            (0, highlight) => (Some(8), highlight),
            (full, _) => (Some(7), full),
        };
        let mut roles = BTreeMap::new();
        for (index, (oid, value)) in entries.iter().enumerate() {
            let arcs: Vec<u32> = oid.arcs().collect();
            let role = if suffix(&arcs, PRT_MARKER_LIFE_COUNT).is_some()
                || suffix(&arcs, PRT_MARKER_POWER_ON_COUNT).is_some()
            {
                Some(Role::Counter(Share::All))
            } else if let Some([8 | 10, 1, 1, column, key, _, _]) =
                suffix(&arcs, PWG_IMAGING_COUNTERS)
            {
                let share = match *column {
                    4 => Some(Share::All),
                    5 => Some(Share::Mono),
                    c if Some(c) == colour_column => Some(Share::Colour),
                    _ => None,
                };
                share.filter(|_| pwg_keys.contains(key)).map(Role::Counter)
            } else if let Some([column @ (6 | 8), 1, 20, index]) =
                suffix(&arcs, XCM_HR_DEV_DETAIL_ENTRY)
            {
                let share = match *index {
                    1 => Some(Share::All),
                    33 => Some(Share::Colour),
                    34 => Some(Share::Mono),
                    _ => None,
                };
                share.map(|s| {
                    if *column == 6 {
                        Role::Counter(s)
                    } else {
                        Role::CounterText(s)
                    }
                })
            } else if let Some([9, device, supply]) = suffix(&arcs, PRT_MARKER_SUPPLIES_ENTRY) {
                let column = |c: u32| {
                    let mut a = PRT_MARKER_SUPPLIES_ENTRY.to_vec();
                    a.extend([c, *device, *supply]);
                    integer_at(recording, &a)
                };
                match (value, column(8), column(7)) {
                    (Value::Integer(level), Some(max), unit) if *level >= 0 && max > 0 => {
                        Some(Role::SupplyLevel {
                            max,
                            per_page: matches!(unit, Some(UNIT_IMPRESSIONS | UNIT_SHEETS)),
                            row: (*device, *supply),
                        })
                    }
                    _ => None,
                }
            } else {
                None
            };
            if let Some(role) = role {
                roles.insert(index, role);
            }
        }
        Self {
            roles,
            colour_base,
            total_base,
        }
    }

    /// How many recorded objects drift.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    /// True when nothing in the recording drifts.
    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    /// Whether the entry at `index` of the recording drifts.
    pub fn drifts(&self, index: usize) -> bool {
        self.roles.contains_key(&index)
    }
}

/// splitmix64: a small, well-mixed, platform-independent hash step.
fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

impl Drift {
    /// Drift from this seed.
    pub fn new(seed: u64) -> Self {
        Self { seed }
    }

    /// The seed.
    pub fn seed(&self) -> u64 {
        self.seed
    }

    fn hash(&self, parts: &[u64]) -> u64 {
        parts
            .iter()
            .fold(mix(self.seed), |acc, &part| mix(acc ^ part))
    }

    /// The step reached after `elapsed` with one step per `interval` (0 for a zero interval).
    pub fn step(elapsed: std::time::Duration, interval: std::time::Duration) -> u64 {
        if interval.is_zero() {
            return 0;
        }
        u64::try_from(elapsed.as_nanos() / interval.as_nanos()).unwrap_or(u64::MAX)
    }

    /// Pages `device` has printed by `step`, split by the plan's colour ratio.
    pub fn pages(&self, plan: &DriftPlan, device: u32, step: u64) -> Pages {
        if step == 0 {
            return Pages::default();
        }
        let rate = 1 + self.hash(&[1, u64::from(device)]) % 40;
        let jitter = self.hash(&[2, u64::from(device), step]) % rate;
        let total = step.saturating_mul(rate).saturating_add(jitter);
        let colour = if plan.total_base == 0 {
            0
        } else {
            let c = u128::from(total) * u128::from(plan.colour_base.min(plan.total_base))
                / u128::from(plan.total_base);
            u64::try_from(c).unwrap_or(total)
        };
        Pages { total, colour }
    }

    /// The value `device` serves at `step` for the recording's entry at `index` (`recorded` is
    /// that entry's value). Entries the plan does not list are returned unchanged.
    pub fn value(
        &self,
        plan: &DriftPlan,
        device: u32,
        step: u64,
        index: usize,
        recorded: &Value<'static>,
    ) -> Value<'static> {
        let Some(role) = plan.roles.get(&index) else {
            return recorded.clone();
        };
        if step == 0 {
            return recorded.clone();
        }
        let pages = self.pages(plan, device, step);
        let added = |share: Share| match share {
            Share::All => pages.total,
            Share::Mono => pages.mono(),
            Share::Colour => pages.colour,
        };
        match (*role, recorded) {
            (Role::Counter(share), Value::Counter32(v)) => {
                // Counter32 wraps at 2^32 (RFC 2578 section 7.1.6).
                let wrapped = (u64::from(*v) + added(share)) % (1 << 32);
                Value::Counter32(u32::try_from(wrapped).unwrap_or(u32::MAX))
            }
            (Role::Counter(share), Value::Counter64(v)) => {
                Value::Counter64(v.wrapping_add(added(share)))
            }
            (Role::Counter(share), Value::Integer(v)) => Value::Integer(saturating_i32(
                i64::from(*v).saturating_add(i64::try_from(added(share)).unwrap_or(i64::MAX)),
            )),
            (Role::CounterText(share), Value::OctetString(text)) => {
                match std::str::from_utf8(text)
                    .ok()
                    .and_then(|t| t.parse::<i32>().ok())
                {
                    Some(v) => Value::OctetString(
                        saturating_i32(
                            i64::from(v)
                                .saturating_add(i64::try_from(added(share)).unwrap_or(i64::MAX)),
                        )
                        .to_string()
                        .into_bytes()
                        .into(),
                    ),
                    None => recorded.clone(),
                }
            }
            (Role::SupplyLevel { max, per_page, row }, Value::Integer(level)) => {
                let fall = if per_page {
                    pages.total
                } else {
                    let life = 1_000
                        + self.hash(&[3, u64::from(device), u64::from(row.0), u64::from(row.1)])
                            % 3_001;
                    let max = u64::try_from(max).unwrap_or(0);
                    u64::try_from(u128::from(pages.total) * u128::from(max) / u128::from(life))
                        .unwrap_or(u64::MAX)
                };
                let level = i64::from(*level)
                    .saturating_sub(i64::try_from(fall).unwrap_or(i64::MAX))
                    .max(0);
                Value::Integer(saturating_i32(level))
            }
            _ => recorded.clone(),
        }
    }
}

fn saturating_i32(v: i64) -> i32 {
    i32::try_from(v).unwrap_or(if v < 0 { i32::MIN } else { i32::MAX })
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
    use super::*;

    fn fixture(name: &str) -> Recording {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("fixtures/recordings")
            .join(format!("{name}.snmprec"));
        Recording::parse(&std::fs::read(path).unwrap()).unwrap()
    }

    /// The value served for `oid` (dotted text) at `step`.
    fn served(
        r: &Recording,
        plan: &DriftPlan,
        drift: Drift,
        step: u64,
        oid: &str,
    ) -> Value<'static> {
        let oid: Oid<'static> = oid.parse().unwrap();
        let index = r.entries().iter().position(|(o, _)| *o == oid).unwrap();
        drift.value(plan, 7, step, index, &r.entries()[index].1)
    }

    fn int(v: &Value<'_>) -> i64 {
        match v {
            Value::Integer(i) => i64::from(*i),
            Value::Counter32(c) => i64::from(*c),
            Value::OctetString(t) => std::str::from_utf8(t).unwrap().parse().unwrap(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn step_zero_is_the_recording() {
        for name in ["office_colour_mfp", "production_colour_press"] {
            let r = fixture(name);
            let plan = DriftPlan::new(&r);
            assert!(!plan.is_empty());
            for (i, (_, v)) in r.entries().iter().enumerate() {
                assert_eq!(&Drift::new(42).value(&plan, 3, 0, i, v), v);
            }
        }
    }

    #[test]
    fn pages_rise_strictly_and_are_reproducible() {
        let r = fixture("office_colour_mfp");
        let plan = DriftPlan::new(&r);
        let d = Drift::new(9);
        let mut last = d.pages(&plan, 1, 0);
        assert_eq!(last, Pages::default());
        for step in 1..200 {
            let p = d.pages(&plan, 1, step);
            assert!(p.total > last.total && p.colour >= last.colour && p.mono() >= last.mono());
            assert_eq!(p, Drift::new(9).pages(&plan, 1, step));
            // The recorded colour ratio (102970 of 284517).
            assert_eq!(p.colour, p.total * 102_970 / 284_517);
            last = p;
        }
        // Other seeds and devices print at other rates.
        let others: std::collections::BTreeSet<u64> = (0..20)
            .map(|device| d.pages(&plan, device, 100).total)
            .collect();
        assert!(others.len() > 10);
        assert_ne!(Drift::new(10).pages(&plan, 1, 100), d.pages(&plan, 1, 100));
    }

    #[test]
    fn counters_rise_consistently_and_supplies_fall() {
        let r = fixture("office_colour_mfp");
        let plan = DriftPlan::new(&r);
        let d = Drift::new(2026);
        let step = 25;
        let pages = Drift::new(2026).pages(&plan, 7, step);
        let at = |oid: &str| int(&served(&r, &plan, d, step, oid));
        let rec = |oid: &str| int(&served(&r, &plan, d, 0, oid));
        let total = i64::try_from(pages.total).unwrap();
        let colour = i64::try_from(pages.colour).unwrap();
        let pwg = "1.3.6.1.4.1.2699.1.3.1";
        for oid in [
            "1.3.6.1.2.1.43.10.2.1.4.1.1",
            "1.3.6.1.2.1.43.10.2.1.5.1.1",
            &format!("{pwg}.8.1.1.4.1.3.3"),
            &format!("{pwg}.8.1.1.4.2.3.3"),
            &format!("{pwg}.10.1.1.4.1.3.3"),
            "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1",
            "1.3.6.1.4.1.253.8.53.13.2.1.8.1.20.1",
        ] {
            assert_eq!(at(oid), rec(oid) + total, "{oid}");
        }
        for oid in [
            &format!("{pwg}.8.1.1.7.1.3.3"),
            "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.33",
        ] {
            assert_eq!(at(oid), rec(oid) + colour, "{oid}");
        }
        assert_eq!(
            at(&format!("{pwg}.8.1.1.5.1.3.3")),
            rec(&format!("{pwg}.8.1.1.5.1.3.3")) + total - colour
        );
        // Copy, two-sided and the copier's meters stay; the sums still hold.
        for oid in [
            &format!("{pwg}.8.1.1.4.3.3.3"),
            &format!("{pwg}.9.1.1.4.1.3.3"),
            "1.3.6.1.4.1.253.8.53.13.2.1.6.11.20.3",
        ] {
            assert_eq!(at(oid), rec(oid), "{oid}");
        }
        let col = |c: u32| at(&format!("{pwg}.8.1.1.{c}.1.3.3"));
        assert_eq!(col(4), col(5) + col(6) + col(7) + col(8));
        assert_eq!(
            at(&format!("{pwg}.8.1.1.4.1.3.3")),
            at(&format!("{pwg}.8.1.1.4.2.3.3")) + at(&format!("{pwg}.8.1.1.4.3.3.3"))
        );
        assert_eq!(
            at(&format!("{pwg}.10.1.1.4.1.3.3")),
            at(&format!("{pwg}.8.1.1.4.1.3.3")) - at(&format!("{pwg}.9.1.1.4.1.3.3"))
        );
        // Supplies: the drum (impressions) falls one per page; toner in percent falls by
        // pages * 100 / life; special values stay.
        let supplies = "1.3.6.1.2.1.43.11.1.1.9.1";
        assert_eq!(
            at(&format!("{supplies}.5")),
            rec(&format!("{supplies}.5")) - total
        );
        for s in 1..=4 {
            let oid = format!("{supplies}.{s}");
            assert!((0..=rec(&oid)).contains(&at(&oid)), "{oid}");
            // 4,000 steps are at least 4,000 pages: more than a full supply's life.
            assert_eq!(int(&served(&r, &plan, d, 4_000, &oid)), 0, "{oid}");
        }
        for s in [6, 7] {
            let oid = format!("{supplies}.{s}");
            assert_eq!(at(&oid), rec(&oid), "{oid}");
        }
        // Far in the future, levels stop at 0 and Integer32 meters at 2^31-1.
        let far = |oid: &str| int(&served(&r, &plan, d, u64::MAX / 2, oid));
        assert_eq!(far(&format!("{supplies}.2")), 0);
        assert_eq!(
            far("1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1"),
            i64::from(i32::MAX)
        );
    }

    #[test]
    fn mono_and_highlight_devices() {
        let mono = fixture("office_mono_printer");
        let plan = DriftPlan::new(&mono);
        let p = Drift::new(1).pages(&plan, 0, 10);
        assert_eq!(p.colour, 0);
        let mail = fixture("mailing_system");
        let plan = DriftPlan::new(&mail);
        let p = Drift::new(1).pages(&plan, 0, 10);
        assert_eq!(p.colour, p.total);
        // The mailing system's highlight column rises; its full-colour column stays 0.
        let d = Drift::new(1);
        let pwg = "1.3.6.1.4.1.2699.1.3.1.8.1.1";
        assert!(int(&served(&mail, &plan, d, 10, &format!("{pwg}.8.1.3.3"))) > 512_044);
        assert_eq!(
            int(&served(&mail, &plan, d, 10, &format!("{pwg}.7.1.3.3"))),
            0
        );
    }

    #[test]
    fn steps_from_time() {
        use std::time::Duration;
        let s = Duration::from_secs;
        assert_eq!(Drift::step(s(0), s(60)), 0);
        assert_eq!(Drift::step(s(59), s(60)), 0);
        assert_eq!(Drift::step(s(60), s(60)), 1);
        assert_eq!(Drift::step(s(3600), s(60)), 60);
        assert_eq!(Drift::step(s(5), Duration::ZERO), 0);
    }
}
