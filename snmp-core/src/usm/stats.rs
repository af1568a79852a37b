//! The usmStats counters (RFC 3414 section 5, `usmStats` group) and the Report PDUs that
//! carry them.

use core::fmt;

use crate::oid::Oid;

/// One usmStats counter, and the error it reports.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum UsmStat {
    /// usmStatsUnsupportedSecLevels (1.3.6.1.6.3.15.1.1.1.0).
    UnsupportedSecLevels,
    /// usmStatsNotInTimeWindows (1.3.6.1.6.3.15.1.1.2.0).
    NotInTimeWindows,
    /// usmStatsUnknownUserNames (1.3.6.1.6.3.15.1.1.3.0).
    UnknownUserNames,
    /// usmStatsUnknownEngineIDs (1.3.6.1.6.3.15.1.1.4.0).
    UnknownEngineIds,
    /// usmStatsWrongDigests (1.3.6.1.6.3.15.1.1.5.0).
    WrongDigests,
    /// usmStatsDecryptionErrors (1.3.6.1.6.3.15.1.1.6.0).
    DecryptionErrors,
}

/// BER of 1.3.6.1.6.3.15.1.1 (usmStats), the prefix of every counter's instance OID.
const USM_STATS_BER: [u8; 8] = [0x2b, 6, 1, 6, 3, 15, 1, 1];

/// BER of each counter's instance (`usmStats.N.0`).
const INSTANCES: [[u8; 10]; 6] = [
    [0x2b, 6, 1, 6, 3, 15, 1, 1, 1, 0],
    [0x2b, 6, 1, 6, 3, 15, 1, 1, 2, 0],
    [0x2b, 6, 1, 6, 3, 15, 1, 1, 3, 0],
    [0x2b, 6, 1, 6, 3, 15, 1, 1, 4, 0],
    [0x2b, 6, 1, 6, 3, 15, 1, 1, 5, 0],
    [0x2b, 6, 1, 6, 3, 15, 1, 1, 6, 0],
];

impl UsmStat {
    /// Every counter, in OID order.
    pub const ALL: [Self; 6] = [
        Self::UnsupportedSecLevels,
        Self::NotInTimeWindows,
        Self::UnknownUserNames,
        Self::UnknownEngineIds,
        Self::WrongDigests,
        Self::DecryptionErrors,
    ];

    const fn index(self) -> usize {
        self as usize
    }

    /// The MIB name, e.g. `usmStatsUnknownEngineIDs`.
    pub const fn name(self) -> &'static str {
        match self {
            Self::UnsupportedSecLevels => "usmStatsUnsupportedSecLevels",
            Self::NotInTimeWindows => "usmStatsNotInTimeWindows",
            Self::UnknownUserNames => "usmStatsUnknownUserNames",
            Self::UnknownEngineIds => "usmStatsUnknownEngineIDs",
            Self::WrongDigests => "usmStatsWrongDigests",
            Self::DecryptionErrors => "usmStatsDecryptionErrors",
        }
    }

    /// The counter's instance OID (`1.3.6.1.6.3.15.1.1.N.0`), as a Report varbind names it.
    pub fn oid(self) -> Oid<'static> {
        let ber: &'static [u8] = match self {
            Self::UnsupportedSecLevels => &INSTANCES[0],
            Self::NotInTimeWindows => &INSTANCES[1],
            Self::UnknownUserNames => &INSTANCES[2],
            Self::UnknownEngineIds => &INSTANCES[3],
            Self::WrongDigests => &INSTANCES[4],
            Self::DecryptionErrors => &INSTANCES[5],
        };
        Oid::from_validated(ber)
    }

    /// The counter a Report varbind names (with or without the `.0` instance arc).
    pub fn from_oid(oid: &Oid<'_>) -> Option<Self> {
        let ber = oid.as_ber();
        let rest = ber.strip_prefix(&USM_STATS_BER[..])?;
        let n = match rest {
            [n] | [n, 0] => *n,
            _ => return None,
        };
        Self::ALL
            .iter()
            .copied()
            .find(|s| s.index() + 1 == usize::from(n))
    }
}

impl fmt::Display for UsmStat {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The six usmStats counters of an authoritative engine (Counter32: they wrap).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct UsmStats {
    counters: [u32; 6],
}

impl UsmStats {
    /// A counter's value.
    pub fn get(&self, stat: UsmStat) -> u32 {
        self.counters.get(stat.index()).copied().unwrap_or_default()
    }

    /// Increments a counter and returns its new value.
    pub fn increment(&mut self, stat: UsmStat) -> u32 {
        match self.counters.get_mut(stat.index()) {
            Some(c) => {
                *c = c.wrapping_add(1);
                *c
            }
            None => 0,
        }
    }
}
