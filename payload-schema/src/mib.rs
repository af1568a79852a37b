//! Values with MIB semantics: the enumerations of HOST-RESOURCES-MIB and Printer-MIB (RFC 3805)
//! by their MIB names, supply levels and capacities with the Printer-MIB special values, and the
//! `hrPrinterDetectedErrorState` bits.
//!
//! Every enumeration keeps values this version does not name (a newer MIB, a vendor's
//! extension) as `Unrecognized`, written as the bare integer; a value that has a name is always
//! the named variant, so each value has exactly one representation.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::ValueError;

/// An enumeration value this crate has no name for. Only [`from_mib`](SupplyType::from_mib)
/// makes one, so it never holds a value that has a name.
#[derive(Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct UnrecognizedCode(i32);

impl UnrecognizedCode {
    /// The integer value.
    pub const fn value(self) -> i32 {
        self.0
    }
}

impl fmt::Debug for UnrecognizedCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Debug::fmt(&self.0, f)
    }
}

macro_rules! mib_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident = $num:literal => $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
        #[serde(try_from = "String")]
        pub enum $name {
            $($(#[$vm])* $var,)+
            /// A value without a name in this version, written as its integer.
            Unrecognized(UnrecognizedCode),
        }

        impl $name {
            /// The value for the MIB integer `v`.
            pub const fn from_mib(v: i32) -> Self {
                match v {
                    $($num => Self::$var,)+
                    other => Self::Unrecognized(UnrecognizedCode(other)),
                }
            }

            /// The MIB integer.
            pub const fn to_mib(self) -> i32 {
                match self {
                    $(Self::$var => $num,)+
                    Self::Unrecognized(c) => c.0,
                }
            }

            /// The MIB's name for the value, if it has one.
            pub const fn name(self) -> Option<&'static str> {
                match self {
                    $(Self::$var => Some($text),)+
                    Self::Unrecognized(_) => None,
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                match self.name() {
                    Some(n) => f.write_str(n),
                    None => write!(f, "{}", self.to_mib()),
                }
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                fmt::Display::fmt(self, f)
            }
        }

        impl FromStr for $name {
            type Err = ValueError;
            fn from_str(s: &str) -> Result<Self, ValueError> {
                match s {
                    $($text => Ok(Self::$var),)+
                    _ => parse_mib_int(s).map(Self::from_mib).ok_or_else(|| ValueError::Enum {
                        kind: stringify!($name),
                        value: s.chars().take(64).collect(),
                    }),
                }
            }
        }

        impl TryFrom<String> for $name {
            type Error = ValueError;
            fn try_from(s: String) -> Result<Self, ValueError> {
                s.parse()
            }
        }

        impl From<$name> for String {
            fn from(v: $name) -> String {
                v.to_string()
            }
        }

        impl Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                match self.name() {
                    Some(n) => s.serialize_str(n),
                    None => s.collect_str(self),
                }
            }
        }

        #[cfg(feature = "arbitrary")]
        impl<'a> arbitrary::Arbitrary<'a> for $name {
            fn arbitrary(u: &mut arbitrary::Unstructured<'a>) -> arbitrary::Result<Self> {
                Ok(if u.ratio(1, 8)? {
                    Self::from_mib(u.arbitrary()?)
                } else {
                    Self::from_mib(u.int_in_range(-1..=40)?)
                })
            }
        }
    };
}

/// Declares a closed enumeration written as one of its names (elements and attributes alike),
/// with `ALL`, `name()`, `Display`, `FromStr` and string serde.
macro_rules! named_enum {
    ($(#[$m:meta])* $name:ident { $($(#[$vm:meta])* $var:ident => $text:literal,)+ }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
        #[serde(try_from = "String", into = "&'static str")]
        #[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
        pub enum $name {
            $($(#[$vm])* $var,)+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [Self] = &[$(Self::$var,)+];

            /// The value's name in payloads.
            pub const fn name(self) -> &'static str {
                match self {
                    $(Self::$var => $text,)+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.name())
            }
        }

        impl std::str::FromStr for $name {
            type Err = $crate::error::ValueError;
            fn from_str(s: &str) -> Result<Self, Self::Err> {
                Self::ALL.iter().copied().find(|v| v.name() == s).ok_or_else(|| {
                    $crate::error::ValueError::Enum {
                        kind: stringify!($name),
                        value: s.chars().take(64).collect(),
                    }
                })
            }
        }

        impl TryFrom<String> for $name {
            type Error = $crate::error::ValueError;
            fn try_from(s: String) -> Result<Self, Self::Error> {
                s.parse()
            }
        }

        impl From<$name> for &'static str {
            fn from(v: $name) -> &'static str {
                v.name()
            }
        }
    };
}
pub(crate) use named_enum;

/// Canonical decimal integers only (no `+`, no leading zeros), so each value has one spelling.
fn parse_mib_int(s: &str) -> Option<i32> {
    let digits = s.strip_prefix('-').unwrap_or(s);
    let canonical = !digits.is_empty()
        && digits.bytes().all(|c| c.is_ascii_digit())
        && (digits == "0" || !digits.starts_with('0'))
        && s != "-0";
    if canonical { s.parse().ok() } else { None }
}

mib_enum! {
    /// `hrDeviceStatus` (HOST-RESOURCES-MIB).
    DeviceStatus {
        /// unknown(1)
        Unknown = 1 => "unknown",
        /// running(2)
        Running = 2 => "running",
        /// warning(3)
        Warning = 3 => "warning",
        /// testing(4)
        Testing = 4 => "testing",
        /// down(5)
        Down = 5 => "down",
    }
}

mib_enum! {
    /// `hrPrinterStatus` (HOST-RESOURCES-MIB).
    PrinterStatus {
        /// other(1)
        Other = 1 => "other",
        /// unknown(2)
        Unknown = 2 => "unknown",
        /// idle(3)
        Idle = 3 => "idle",
        /// printing(4)
        Printing = 4 => "printing",
        /// warmup(5)
        Warmup = 5 => "warmup",
    }
}

mib_enum! {
    /// `PrtMarkerSuppliesTypeTC` (Printer-MIB v2, RFC 3805 / IANA-PRINTER-MIB).
    SupplyType {
        /// other(1)
        Other = 1 => "other",
        /// unknown(2)
        Unknown = 2 => "unknown",
        /// toner(3)
        Toner = 3 => "toner",
        /// wasteToner(4)
        WasteToner = 4 => "wasteToner",
        /// ink(5)
        Ink = 5 => "ink",
        /// inkCartridge(6)
        InkCartridge = 6 => "inkCartridge",
        /// inkRibbon(7)
        InkRibbon = 7 => "inkRibbon",
        /// wasteInk(8)
        WasteInk = 8 => "wasteInk",
        /// opc(9): photo conductor (drum).
        Opc = 9 => "opc",
        /// developer(10)
        Developer = 10 => "developer",
        /// fuserOil(11)
        FuserOil = 11 => "fuserOil",
        /// solidWax(12)
        SolidWax = 12 => "solidWax",
        /// ribbonWax(13)
        RibbonWax = 13 => "ribbonWax",
        /// wasteWax(14)
        WasteWax = 14 => "wasteWax",
        /// fuser(15)
        Fuser = 15 => "fuser",
        /// coronaWire(16)
        CoronaWire = 16 => "coronaWire",
        /// fuserOilWick(17)
        FuserOilWick = 17 => "fuserOilWick",
        /// cleanerUnit(18)
        CleanerUnit = 18 => "cleanerUnit",
        /// fuserCleaningPad(19)
        FuserCleaningPad = 19 => "fuserCleaningPad",
        /// transferUnit(20)
        TransferUnit = 20 => "transferUnit",
        /// tonerCartridge(21)
        TonerCartridge = 21 => "tonerCartridge",
        /// fuserOiler(22)
        FuserOiler = 22 => "fuserOiler",
        /// water(23)
        Water = 23 => "water",
        /// wasteWater(24)
        WasteWater = 24 => "wasteWater",
        /// glueWaterAdditive(25)
        GlueWaterAdditive = 25 => "glueWaterAdditive",
        /// wastePaper(26)
        WastePaper = 26 => "wastePaper",
        /// bindingSupply(27)
        BindingSupply = 27 => "bindingSupply",
        /// bandingSupply(28)
        BandingSupply = 28 => "bandingSupply",
        /// stitchingWire(29)
        StitchingWire = 29 => "stitchingWire",
        /// shrinkWrap(30)
        ShrinkWrap = 30 => "shrinkWrap",
        /// paperWrap(31)
        PaperWrap = 31 => "paperWrap",
        /// staples(32)
        Staples = 32 => "staples",
        /// inserts(33)
        Inserts = 33 => "inserts",
        /// covers(34)
        Covers = 34 => "covers",
    }
}

mib_enum! {
    /// `prtMarkerSuppliesClass` (Printer-MIB).
    SupplyClass {
        /// other(1)
        Other = 1 => "other",
        /// supplyThatIsConsumed(3)
        Consumed = 3 => "supplyThatIsConsumed",
        /// receptacleThatIsFilled(4)
        Filled = 4 => "receptacleThatIsFilled",
    }
}

mib_enum! {
    /// `PrtMarkerSuppliesSupplyUnitTC` (Printer-MIB).
    SupplyUnit {
        /// other(1)
        Other = 1 => "other",
        /// unknown(2)
        Unknown = 2 => "unknown",
        /// tenThousandthsOfInches(3)
        TenThousandthsOfInches = 3 => "tenThousandthsOfInches",
        /// micrometers(4)
        Micrometers = 4 => "micrometers",
        /// impressions(7)
        Impressions = 7 => "impressions",
        /// sheets(8)
        Sheets = 8 => "sheets",
        /// hours(11)
        Hours = 11 => "hours",
        /// thousandthsOfOunces(12)
        ThousandthsOfOunces = 12 => "thousandthsOfOunces",
        /// tenthsOfGrams(13)
        TenthsOfGrams = 13 => "tenthsOfGrams",
        /// hundrethsOfFluidOunces(14) (the MIB's spelling)
        HundrethsOfFluidOunces = 14 => "hundrethsOfFluidOunces",
        /// tenthsOfMilliliters(15)
        TenthsOfMilliliters = 15 => "tenthsOfMilliliters",
        /// feet(16)
        Feet = 16 => "feet",
        /// meters(17)
        Meters = 17 => "meters",
        /// items(18)
        Items = 18 => "items",
        /// percent(19)
        Percent = 19 => "percent",
    }
}

mib_enum! {
    /// `PrtMarkerCounterUnitTC` (Printer-MIB `prtMarkerCounterUnit`).
    CounterUnit {
        /// tenThousandthsOfInches(3)
        TenThousandthsOfInches = 3 => "tenThousandthsOfInches",
        /// micrometers(4)
        Micrometers = 4 => "micrometers",
        /// characters(5)
        Characters = 5 => "characters",
        /// lines(6)
        Lines = 6 => "lines",
        /// impressions(7)
        Impressions = 7 => "impressions",
        /// sheets(8)
        Sheets = 8 => "sheets",
        /// dotRow(9)
        DotRow = 9 => "dotRow",
        /// hours(11)
        Hours = 11 => "hours",
        /// feet(16)
        Feet = 16 => "feet",
        /// meters(17)
        Meters = 17 => "meters",
    }
}

mib_enum! {
    /// `PrtAlertSeverityLevelTC` (Printer-MIB).
    AlertSeverity {
        /// other(1)
        Other = 1 => "other",
        /// critical(3)
        Critical = 3 => "critical",
        /// warning(4)
        Warning = 4 => "warning",
        /// warningBinaryChangeEvent(5)
        WarningBinaryChangeEvent = 5 => "warningBinaryChangeEvent",
    }
}

mib_enum! {
    /// `PrtAlertGroupTC` (Printer-MIB): which table the alert is about.
    AlertGroup {
        /// other(1)
        Other = 1 => "other",
        /// hostResourcesMIBStorageTable(3)
        StorageTable = 3 => "hostResourcesMIBStorageTable",
        /// hostResourcesMIBDeviceTable(4)
        DeviceTable = 4 => "hostResourcesMIBDeviceTable",
        /// generalPrinter(5)
        GeneralPrinter = 5 => "generalPrinter",
        /// cover(6)
        Cover = 6 => "cover",
        /// localization(7)
        Localization = 7 => "localization",
        /// input(8)
        Input = 8 => "input",
        /// output(9)
        Output = 9 => "output",
        /// marker(10)
        Marker = 10 => "marker",
        /// markerSupplies(11)
        MarkerSupplies = 11 => "markerSupplies",
        /// markerColorant(12)
        MarkerColorant = 12 => "markerColorant",
        /// mediaPath(13)
        MediaPath = 13 => "mediaPath",
        /// channel(14)
        Channel = 14 => "channel",
        /// interpreter(15)
        Interpreter = 15 => "interpreter",
        /// consoleDisplayBuffer(16)
        ConsoleDisplayBuffer = 16 => "consoleDisplayBuffer",
        /// consoleLights(17)
        ConsoleLights = 17 => "consoleLights",
        /// alert(18)
        Alert = 18 => "alert",
        /// finDevice(30)
        FinDevice = 30 => "finDevice",
        /// finSupply(31)
        FinSupply = 31 => "finSupply",
        /// finSupplyMediaInput(32)
        FinSupplyMediaInput = 32 => "finSupplyMediaInput",
        /// finAttribute(33)
        FinAttribute = 33 => "finAttribute",
    }
}

mib_enum! {
    /// `PrtCoverStatusTC` (Printer-MIB `prtCoverStatus`).
    CoverStatus {
        /// other(1)
        Other = 1 => "other",
        /// coverOpen(3)
        CoverOpen = 3 => "coverOpen",
        /// coverClosed(4)
        CoverClosed = 4 => "coverClosed",
        /// interlockOpen(5)
        InterlockOpen = 5 => "interlockOpen",
        /// interlockClosed(6)
        InterlockClosed = 6 => "interlockClosed",
    }
}

mib_enum! {
    /// `PrtInputTypeTC` (Printer-MIB `prtInputType`).
    InputType {
        /// other(1)
        Other = 1 => "other",
        /// unknown(2)
        Unknown = 2 => "unknown",
        /// sheetFeedAutoRemovableTray(3)
        SheetFeedAutoRemovableTray = 3 => "sheetFeedAutoRemovableTray",
        /// sheetFeedAutoNonRemovableTray(4)
        SheetFeedAutoNonRemovableTray = 4 => "sheetFeedAutoNonRemovableTray",
        /// sheetFeedManual(5)
        SheetFeedManual = 5 => "sheetFeedManual",
        /// continuousRoll(6)
        ContinuousRoll = 6 => "continuousRoll",
        /// continuousFanFold(7)
        ContinuousFanFold = 7 => "continuousFanFold",
    }
}

mib_enum! {
    /// `PrtOutputTypeTC` (Printer-MIB `prtOutputType`).
    OutputType {
        /// other(1)
        Other = 1 => "other",
        /// unknown(2)
        Unknown = 2 => "unknown",
        /// removableBin(3)
        RemovableBin = 3 => "removableBin",
        /// unRemovableBin(4)
        UnRemovableBin = 4 => "unRemovableBin",
        /// continuousRollDevice(5)
        ContinuousRollDevice = 5 => "continuousRollDevice",
        /// mailBox(6)
        MailBox = 6 => "mailBox",
        /// continuousFanFold(7)
        ContinuousFanFold = 7 => "continuousFanFold",
    }
}

mib_enum! {
    /// `PrtConsoleColorTC` (Printer-MIB `prtConsoleColor`).
    ConsoleColor {
        /// other(1)
        Other = 1 => "other",
        /// unknown(2)
        Unknown = 2 => "unknown",
        /// white(3)
        White = 3 => "white",
        /// red(4)
        Red = 4 => "red",
        /// green(5)
        Green = 5 => "green",
        /// blue(6)
        Blue = 6 => "blue",
        /// cyan(7)
        Cyan = 7 => "cyan",
        /// magenta(8)
        Magenta = 8 => "magenta",
        /// yellow(9)
        Yellow = 9 => "yellow",
        /// orange(10)
        Orange = 10 => "orange",
    }
}

/// A Printer-MIB sub-unit status (`PrtSubUnitStatusTC`: `prtInputStatus`, `prtOutputStatus`,
/// `prtMarkerStatus` ...): availability in bits 0-2, then the non-critical alert, critical
/// alert, off-line and transitioning flags.
///
/// ```
/// use fleetwire_payload::mib::SubUnitStatus;
/// assert_eq!(SubUnitStatus(0).to_string(), "availableIdle");
/// assert_eq!(SubUnitStatus(9).to_string(), "unavailableOnRequest nonCriticalAlert");
/// assert_eq!(SubUnitStatus(3 | 16 | 32).to_string(), "unavailableBroken criticalAlert offLine");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct SubUnitStatus(pub i32);

impl SubUnitStatus {
    /// Availability names by the value of bits 0-2 (7 is not assigned).
    const AVAILABILITY: [&'static str; 8] = [
        "availableIdle",
        "unavailableOnRequest",
        "availableStandby",
        "unavailableBroken",
        "availableActive",
        "unknown",
        "availableBusy",
        "7",
    ];
    /// The flag bits and their names.
    const FLAGS: [(i32, &'static str); 4] = [
        (8, "nonCriticalAlert"),
        (16, "criticalAlert"),
        (32, "offLine"),
        (64, "transitioning"),
    ];
}

impl fmt::Display for SubUnitStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let availability = usize::try_from(self.0 & 7)
            .ok()
            .and_then(|i| Self::AVAILABILITY.get(i))
            .copied()
            .unwrap_or("unknown");
        f.write_str(availability)?;
        for (bit, name) in Self::FLAGS {
            if self.0 & bit != 0 {
                write!(f, " {name}")?;
            }
        }
        Ok(())
    }
}

/// A supply's level (`prtMarkerSuppliesLevel`), keeping the Printer-MIB special values apart
/// from measurements, as the PWG Semantic Model does for counter bases.
///
/// Written as the number, `other`, `unknown` or `some-remaining`.
///
/// ```
/// use fleetwire_payload::SupplyLevel;
/// assert_eq!(SupplyLevel::from_mib(42), Some(SupplyLevel::Actual(42)));
/// assert_eq!(SupplyLevel::from_mib(-3), Some(SupplyLevel::SomeRemaining));
/// assert_eq!(SupplyLevel::from_mib(-4), None);
/// assert_eq!(SupplyLevel::Unknown.to_string(), "unknown");
/// assert_eq!(SupplyLevel::SomeRemaining.kind(), "some_remaining");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum SupplyLevel {
    /// A measured level in the supply's unit.
    Actual(u32),
    /// -1: "other" — the device does not restrict or measure this supply.
    Other,
    /// -2: unknown.
    Unknown,
    /// -3: at least one unit remains (the device cannot say how much).
    SomeRemaining,
}

impl SupplyLevel {
    /// From the MIB integer: `None` for negative values other than -1, -2, -3.
    pub fn from_mib(v: i32) -> Option<Self> {
        match v {
            -1 => Some(Self::Other),
            -2 => Some(Self::Unknown),
            -3 => Some(Self::SomeRemaining),
            n => u32::try_from(n).ok().map(Self::Actual),
        }
    }

    /// The MIB integer (`Actual` values above `i32::MAX` saturate).
    pub fn to_mib(self) -> i32 {
        match self {
            Self::Actual(n) => i32::try_from(n).unwrap_or(i32::MAX),
            Self::Other => -1,
            Self::Unknown => -2,
            Self::SomeRemaining => -3,
        }
    }

    /// The `level_kind` of the collector's JSON: `actual`, `other`, `unknown` or
    /// `some_remaining`.
    pub const fn kind(self) -> &'static str {
        match self {
            Self::Actual(_) => "actual",
            Self::Other => "other",
            Self::Unknown => "unknown",
            Self::SomeRemaining => "some_remaining",
        }
    }

    /// The measured value, if there is one.
    pub const fn actual(self) -> Option<u32> {
        match self {
            Self::Actual(n) => Some(n),
            _ => None,
        }
    }

    /// The level as a percentage of `max`, when both are measurements.
    pub fn percent_of(self, max: Capacity) -> Option<u8> {
        match (self, max) {
            (Self::Actual(level), Capacity::Actual(max)) if max > 0 => {
                let pct = u64::from(level.min(max)) * 100 / u64::from(max);
                u8::try_from(pct).ok()
            }
            _ => None,
        }
    }

    /// From the collector JSON's `level_kind` and `level`.
    pub fn from_kind(kind: &str, level: Option<u32>) -> Result<Self, ValueError> {
        match (kind, level) {
            ("actual", Some(n)) => Ok(Self::Actual(n)),
            ("other", None) => Ok(Self::Other),
            ("unknown", None) => Ok(Self::Unknown),
            ("some_remaining", None) => Ok(Self::SomeRemaining),
            _ => Err(ValueError::LevelKind {
                kind: kind.chars().take(32).collect(),
                level,
            }),
        }
    }
}

impl fmt::Display for SupplyLevel {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Actual(n) => write!(f, "{n}"),
            Self::Other => f.write_str("other"),
            Self::Unknown => f.write_str("unknown"),
            Self::SomeRemaining => f.write_str("some-remaining"),
        }
    }
}

impl FromStr for SupplyLevel {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match s {
            "other" => Ok(Self::Other),
            "unknown" => Ok(Self::Unknown),
            "some-remaining" => Ok(Self::SomeRemaining),
            _ => parse_mib_int(s)
                .and_then(|n| u32::try_from(n).ok())
                .or_else(|| {
                    // Above i32::MAX: still canonical digits.
                    (!s.starts_with('0') && s.bytes().all(|c| c.is_ascii_digit()))
                        .then(|| s.parse().ok())
                        .flatten()
                })
                .map(Self::Actual)
                .ok_or_else(|| ValueError::Level(s.chars().take(32).collect())),
        }
    }
}

impl TryFrom<String> for SupplyLevel {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        s.parse()
    }
}

impl From<SupplyLevel> for String {
    fn from(l: SupplyLevel) -> String {
        l.to_string()
    }
}

/// A supply's maximum capacity (`prtMarkerSuppliesMaxCapacity`): a measurement, or the MIB's
/// -1 (other: no restriction) or -2 (unknown). Written as the number, `other` or `unknown`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Deserialize)]
#[serde(try_from = "String")]
#[cfg_attr(feature = "arbitrary", derive(arbitrary::Arbitrary))]
pub enum Capacity {
    /// The capacity in the supply's unit.
    Actual(u32),
    /// -1: other / no restriction.
    Other,
    /// -2: unknown.
    Unknown,
}

impl Capacity {
    /// From the MIB integer: `None` for negative values other than -1 and -2.
    pub fn from_mib(v: i32) -> Option<Self> {
        match v {
            -1 => Some(Self::Other),
            -2 => Some(Self::Unknown),
            n => u32::try_from(n).ok().map(Self::Actual),
        }
    }
}

impl fmt::Display for Capacity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Actual(n) => write!(f, "{n}"),
            Self::Other => f.write_str("other"),
            Self::Unknown => f.write_str("unknown"),
        }
    }
}

impl FromStr for Capacity {
    type Err = ValueError;
    fn from_str(s: &str) -> Result<Self, ValueError> {
        match s.parse::<SupplyLevel>()? {
            SupplyLevel::Actual(n) => Ok(Self::Actual(n)),
            SupplyLevel::Other => Ok(Self::Other),
            SupplyLevel::Unknown => Ok(Self::Unknown),
            SupplyLevel::SomeRemaining => Err(ValueError::Level(s.to_owned())),
        }
    }
}

impl TryFrom<String> for Capacity {
    type Error = ValueError;
    fn try_from(s: String) -> Result<Self, ValueError> {
        s.parse()
    }
}

impl From<Capacity> for String {
    fn from(c: Capacity) -> String {
        c.to_string()
    }
}

named_enum! {
    /// One bit of `hrPrinterDetectedErrorState` (HOST-RESOURCES-MIB; bit 0 is the most
    /// significant bit of the first octet), by its MIB name.
    DetectedError {
        /// `lowPaper`
        LowPaper => "lowPaper",
        /// `noPaper`
        NoPaper => "noPaper",
        /// `lowToner`
        LowToner => "lowToner",
        /// `noToner`
        NoToner => "noToner",
        /// `doorOpen`
        DoorOpen => "doorOpen",
        /// `jammed`
        Jammed => "jammed",
        /// `offline`
        Offline => "offline",
        /// `serviceRequested`
        ServiceRequested => "serviceRequested",
        /// `inputTrayMissing`
        InputTrayMissing => "inputTrayMissing",
        /// `outputTrayMissing`
        OutputTrayMissing => "outputTrayMissing",
        /// `markerSupplyMissing`
        MarkerSupplyMissing => "markerSupplyMissing",
        /// `outputNearFull`
        OutputNearFull => "outputNearFull",
        /// `outputFull`
        OutputFull => "outputFull",
        /// `inputTrayEmpty`
        InputTrayEmpty => "inputTrayEmpty",
        /// `overduePreventMaint`
        OverduePreventMaint => "overduePreventMaint",
    }
}

impl DetectedError {
    /// The names set in an `hrPrinterDetectedErrorState` value, in bit order; bits beyond the
    /// fifteen the MIB defines are ignored, as are missing octets (many devices send one).
    ///
    /// ```
    /// use fleetwire_payload::DetectedError;
    /// // 0x42: noPaper (bit 1) and offline (bit 6).
    /// assert_eq!(
    ///     DetectedError::from_bits(&[0x42]),
    ///     vec![DetectedError::NoPaper, DetectedError::Offline]
    /// );
    /// assert_eq!(DetectedError::OverduePreventMaint.name(), "overduePreventMaint");
    /// ```
    pub fn from_bits(octets: &[u8]) -> Vec<Self> {
        Self::ALL
            .iter()
            .enumerate()
            .filter(|(bit, _)| {
                octets
                    .get(bit / 8)
                    .is_some_and(|o| o & (0x80 >> (bit % 8)) != 0)
            })
            .map(|(_, e)| *e)
            .collect()
    }
}

impl Serialize for SupplyLevel {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl Serialize for Capacity {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn enums_have_one_spelling_per_value() {
        assert_eq!("toner".parse::<SupplyType>().unwrap(), SupplyType::Toner);
        assert_eq!("3".parse::<SupplyType>().unwrap(), SupplyType::Toner);
        assert_eq!(SupplyType::from_mib(99).to_string(), "99");
        assert_eq!(
            "99".parse::<SupplyType>().unwrap(),
            SupplyType::from_mib(99)
        );
        for bad in ["03", "+3", "-0", "", "Toner"] {
            assert!(bad.parse::<SupplyType>().is_err(), "{bad}");
        }
        assert_eq!(SupplyClass::from_mib(3).to_string(), "supplyThatIsConsumed");
    }

    #[test]
    fn levels() {
        for l in [
            SupplyLevel::Actual(0),
            SupplyLevel::Actual(u32::MAX),
            SupplyLevel::Other,
        ] {
            assert_eq!(l.to_string().parse::<SupplyLevel>().unwrap(), l);
        }
        assert!("-3".parse::<SupplyLevel>().is_err());
        assert_eq!(
            SupplyLevel::Actual(25).percent_of(Capacity::Actual(50)),
            Some(50)
        );
        assert_eq!(SupplyLevel::Actual(25).percent_of(Capacity::Unknown), None);
        assert!("some-remaining".parse::<Capacity>().is_err());
        assert!(SupplyLevel::from_kind("actual", None).is_err());
        assert!(SupplyLevel::from_kind("unknown", Some(3)).is_err());
    }

    #[test]
    fn detected_error_bits() {
        assert_eq!(
            DetectedError::from_bits(&[0x80, 0x02]),
            vec![DetectedError::LowPaper, DetectedError::OverduePreventMaint]
        );
        assert_eq!(DetectedError::from_bits(&[0x00, 0x01]), vec![]);
        assert_eq!(DetectedError::from_bits(&[]), vec![]);
        assert_eq!(DetectedError::from_bits(&[0xff, 0xfe]).len(), 15);
    }
}
