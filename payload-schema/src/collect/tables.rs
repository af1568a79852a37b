//! Every OID and name the collector uses, in one place: the subtrees it walks, the columns it
//! reads from each, the vendor table for `sysObjectID`, and the PWG imaging-counter names.
//!
//! The enumerations with MIB semantics (supply types, statuses ...) are in [`crate::mib`];
//! this module only holds what is specific to reading a device.

/// One subtree the collector walks, named for reports of what was skipped.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Subtree {
    /// The MIB object's name (a table or a group).
    pub name: &'static str,
    /// Its OID.
    pub oid: &'static [u32],
}

/// SNMPv2-MIB `system` (walked first: it tells whether the agent answers at all, and how).
pub const SYSTEM: Subtree = Subtree {
    name: "system",
    oid: &[1, 3, 6, 1, 2, 1, 1],
};

/// The other subtrees, walked concurrently after [`SYSTEM`]. Only the columns and tables the
/// snapshot needs, so a printer's channel and interpreter tables, and a host's process
/// tables, are never walked.
pub const SUBTREES: &[Subtree] = &[
    Subtree {
        name: "ifPhysAddress",
        oid: IF_PHYS_ADDRESS,
    },
    Subtree {
        name: "ipAddrTable",
        oid: IP_ADDR_ENTRY,
    },
    Subtree {
        name: "hrStorage",
        oid: &[1, 3, 6, 1, 2, 1, 25, 2],
    },
    Subtree {
        name: "hrDeviceTable",
        oid: HR_DEVICE_ENTRY,
    },
    Subtree {
        name: "hrPrinterTable",
        oid: HR_PRINTER_ENTRY,
    },
    Subtree {
        name: "prtGeneralTable",
        oid: PRT_GENERAL_ENTRY,
    },
    Subtree {
        name: "prtCoverTable",
        oid: PRT_COVER_ENTRY,
    },
    Subtree {
        name: "prtInputTable",
        oid: PRT_INPUT_ENTRY,
    },
    Subtree {
        name: "prtOutputTable",
        oid: PRT_OUTPUT_ENTRY,
    },
    Subtree {
        name: "prtMarkerTable",
        oid: PRT_MARKER_ENTRY,
    },
    Subtree {
        name: "prtMarkerSuppliesTable",
        oid: PRT_SUPPLIES_ENTRY,
    },
    Subtree {
        name: "prtMarkerColorantTable",
        oid: PRT_COLORANT_ENTRY,
    },
    Subtree {
        name: "prtConsoleDisplayBufferTable",
        oid: PRT_CONSOLE_DISPLAY_ENTRY,
    },
    Subtree {
        name: "prtConsoleLightTable",
        oid: PRT_CONSOLE_LIGHT_ENTRY,
    },
    Subtree {
        name: "prtAlertTable",
        oid: PRT_ALERT_ENTRY,
    },
    Subtree {
        name: "icServiceTable",
        oid: IC_SERVICE_ENTRY,
    },
    Subtree {
        name: "icImageTable",
        oid: PWG_COUNTER_TABLES[0].entry,
    },
    Subtree {
        name: "icImpressionTable",
        oid: PWG_COUNTER_TABLES[1].entry,
    },
    Subtree {
        name: "icTwoSidedTable",
        oid: PWG_COUNTER_TABLES[2].entry,
    },
    Subtree {
        name: "icSheetTable",
        oid: PWG_COUNTER_TABLES[3].entry,
    },
    Subtree {
        name: "xcmHrDevDetailTable",
        oid: XCM_HR_DEV_DETAIL_ENTRY,
    },
];

/// `system` columns (scalars, instance `.0`).
pub mod system {
    /// `sysDescr`.
    pub const DESCR: u32 = 1;
    /// `sysObjectID`.
    pub const OBJECT_ID: u32 = 2;
    /// `sysUpTime`.
    pub const UP_TIME: u32 = 3;
    /// `sysContact`.
    pub const CONTACT: u32 = 4;
    /// `sysName`.
    pub const NAME: u32 = 5;
    /// `sysLocation`.
    pub const LOCATION: u32 = 6;
}

/// IF-MIB `ifPhysAddress` (column 6 of `ifEntry`), indexed by `ifIndex`.
pub const IF_PHYS_ADDRESS: &[u32] = &[1, 3, 6, 1, 2, 1, 2, 2, 1, 6];

/// IP-MIB `ipAddrEntry`, indexed by the address (four arcs).
pub const IP_ADDR_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 4, 20, 1];
/// `ipAddrEntry` columns.
pub mod ip_addr {
    /// `ipAdEntAddr`.
    pub const ADDR: u32 = 1;
    /// `ipAdEntNetMask`.
    pub const NET_MASK: u32 = 3;
}

/// HOST-RESOURCES-MIB `hrMemorySize.0` (KiB).
pub const HR_MEMORY_SIZE: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 2, 2, 0];
/// `hrStorageEntry`, indexed by `hrStorageIndex`.
pub const HR_STORAGE_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 2, 3, 1];
/// `hrStorageEntry` columns.
pub mod hr_storage {
    /// `hrStorageDescr`.
    pub const DESCR: u32 = 3;
    /// `hrStorageAllocationUnits` (bytes).
    pub const ALLOCATION_UNITS: u32 = 4;
    /// `hrStorageSize` (allocation units).
    pub const SIZE: u32 = 5;
    /// `hrStorageUsed` (allocation units).
    pub const USED: u32 = 6;
}

/// `hrDeviceEntry`, indexed by `hrDeviceIndex`.
pub const HR_DEVICE_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 3, 2, 1];
/// `hrDeviceEntry` columns.
pub mod hr_device {
    /// `hrDeviceType`.
    pub const TYPE: u32 = 2;
    /// `hrDeviceDescr`.
    pub const DESCR: u32 = 3;
    /// `hrDeviceStatus`.
    pub const STATUS: u32 = 5;
}
/// `hrDevicePrinter`: the `hrDeviceType` of a printer.
pub const HR_DEVICE_PRINTER: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 3, 1, 5];

/// `hrPrinterEntry`, indexed by `hrDeviceIndex`.
pub const HR_PRINTER_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 25, 3, 5, 1];
/// `hrPrinterEntry` columns.
pub mod hr_printer {
    /// `hrPrinterStatus`.
    pub const STATUS: u32 = 1;
    /// `hrPrinterDetectedErrorState` (bit 0 = most significant bit of the first octet).
    pub const DETECTED_ERROR_STATE: u32 = 2;
}

/// Printer-MIB `prtGeneralEntry`, indexed by `hrDeviceIndex`.
pub const PRT_GENERAL_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 5, 1, 1];
/// `prtGeneralEntry` columns.
pub mod prt_general {
    /// `prtGeneralPrinterName`.
    pub const PRINTER_NAME: u32 = 16;
    /// `prtGeneralSerialNumber`.
    pub const SERIAL_NUMBER: u32 = 17;
    /// `prtAlertCriticalEvents`.
    pub const ALERT_CRITICAL_EVENTS: u32 = 18;
    /// `prtAlertAllEvents`.
    pub const ALERT_ALL_EVENTS: u32 = 19;
}

/// `prtCoverEntry`, indexed by `hrDeviceIndex.prtCoverIndex`.
pub const PRT_COVER_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 6, 1, 1];
/// `prtCoverEntry` columns.
pub mod prt_cover {
    /// `prtCoverDescription`.
    pub const DESCRIPTION: u32 = 2;
    /// `prtCoverStatus`.
    pub const STATUS: u32 = 3;
}

/// `prtInputEntry`, indexed by `hrDeviceIndex.prtInputIndex`.
pub const PRT_INPUT_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 8, 2, 1];
/// `prtInputEntry` columns.
pub mod prt_input {
    /// `prtInputType`.
    pub const TYPE: u32 = 2;
    /// `prtInputCapacityUnit`.
    pub const CAPACITY_UNIT: u32 = 8;
    /// `prtInputMaxCapacity`.
    pub const MAX_CAPACITY: u32 = 9;
    /// `prtInputCurrentLevel`.
    pub const CURRENT_LEVEL: u32 = 10;
    /// `prtInputStatus`.
    pub const STATUS: u32 = 11;
    /// `prtInputMediaName`.
    pub const MEDIA_NAME: u32 = 12;
    /// `prtInputName`.
    pub const NAME: u32 = 13;
    /// `prtInputDescription`.
    pub const DESCRIPTION: u32 = 18;
    /// `prtInputMediaType`.
    pub const MEDIA_TYPE: u32 = 21;
    /// `prtInputMediaColor`.
    pub const MEDIA_COLOR: u32 = 22;
}

/// `prtOutputEntry`, indexed by `hrDeviceIndex.prtOutputIndex`.
pub const PRT_OUTPUT_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 9, 2, 1];
/// `prtOutputEntry` columns.
pub mod prt_output {
    /// `prtOutputType`.
    pub const TYPE: u32 = 2;
    /// `prtOutputCapacityUnit`.
    pub const CAPACITY_UNIT: u32 = 3;
    /// `prtOutputMaxCapacity`.
    pub const MAX_CAPACITY: u32 = 4;
    /// `prtOutputRemainingCapacity`.
    pub const REMAINING_CAPACITY: u32 = 5;
    /// `prtOutputStatus`.
    pub const STATUS: u32 = 6;
    /// `prtOutputName`.
    pub const NAME: u32 = 7;
    /// `prtOutputDescription`.
    pub const DESCRIPTION: u32 = 12;
}

/// `prtMarkerEntry`, indexed by `hrDeviceIndex.prtMarkerIndex`.
pub const PRT_MARKER_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 10, 2, 1];
/// `prtMarkerEntry` columns.
pub mod prt_marker {
    /// `prtMarkerCounterUnit`.
    pub const COUNTER_UNIT: u32 = 3;
    /// `prtMarkerLifeCount`.
    pub const LIFE_COUNT: u32 = 4;
}

/// `prtMarkerSuppliesEntry`, indexed by `hrDeviceIndex.prtMarkerSuppliesIndex`.
pub const PRT_SUPPLIES_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 11, 1, 1];
/// `prtMarkerSuppliesEntry` columns.
pub mod prt_supplies {
    /// `prtMarkerSuppliesColorantIndex` (0: none).
    pub const COLORANT_INDEX: u32 = 3;
    /// `prtMarkerSuppliesClass`.
    pub const CLASS: u32 = 4;
    /// `prtMarkerSuppliesType`.
    pub const TYPE: u32 = 5;
    /// `prtMarkerSuppliesDescription`.
    pub const DESCRIPTION: u32 = 6;
    /// `prtMarkerSuppliesSupplyUnit`.
    pub const SUPPLY_UNIT: u32 = 7;
    /// `prtMarkerSuppliesMaxCapacity`.
    pub const MAX_CAPACITY: u32 = 8;
    /// `prtMarkerSuppliesLevel`.
    pub const LEVEL: u32 = 9;
}

/// `prtMarkerColorantEntry`, indexed by `hrDeviceIndex.prtMarkerColorantIndex`.
pub const PRT_COLORANT_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 12, 1, 1];
/// `prtMarkerColorantValue`.
pub const PRT_COLORANT_VALUE: u32 = 4;

/// `prtConsoleDisplayBufferEntry`, indexed by `hrDeviceIndex.prtConsoleDisplayBufferIndex`.
pub const PRT_CONSOLE_DISPLAY_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 16, 5, 1];
/// `prtConsoleDisplayBufferText`.
pub const PRT_CONSOLE_DISPLAY_TEXT: u32 = 2;

/// `prtConsoleLightEntry`, indexed by `hrDeviceIndex.prtConsoleLightIndex`.
pub const PRT_CONSOLE_LIGHT_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 17, 6, 1];
/// `prtConsoleLightEntry` columns.
pub mod prt_console_light {
    /// `prtConsoleOnTime` (ms).
    pub const ON_TIME: u32 = 2;
    /// `prtConsoleOffTime` (ms).
    pub const OFF_TIME: u32 = 3;
    /// `prtConsoleColor`.
    pub const COLOR: u32 = 4;
    /// `prtConsoleDescription`.
    pub const DESCRIPTION: u32 = 5;
}

/// `prtAlertEntry`, indexed by `hrDeviceIndex.prtAlertIndex`.
pub const PRT_ALERT_ENTRY: &[u32] = &[1, 3, 6, 1, 2, 1, 43, 18, 1, 1];
/// `prtAlertEntry` columns.
pub mod prt_alert {
    /// `prtAlertSeverityLevel`.
    pub const SEVERITY_LEVEL: u32 = 2;
    /// `prtAlertGroup`.
    pub const GROUP: u32 = 4;
    /// `prtAlertCode`.
    pub const CODE: u32 = 7;
    /// `prtAlertDescription`.
    pub const DESCRIPTION: u32 = 8;
    /// `prtAlertTime`.
    pub const TIME: u32 = 9;
}

/// PWG-IMAGING-COUNTER-MIB (PWG 5106.1) `icServiceEntry`, indexed by `icServiceKey`.
pub const IC_SERVICE_ENTRY: &[u32] = &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 3, 1, 1];
/// `icServiceEntry` columns.
pub mod ic_service {
    /// `icServiceType`.
    pub const TYPE: u32 = 1;
    /// `icServiceIndex` (the instance of that service type).
    pub const INDEX: u32 = 2;
}

/// One PWG counter table: rows indexed by `icServiceKey.icCounterWorkType.icCounterPersistence`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PwgCounterTable {
    /// The entry OID.
    pub entry: &'static [u32],
    /// What its counters count.
    pub unit: &'static str,
    /// Column number and object name of each counter.
    pub columns: &'static [(u32, &'static str)],
}

/// The PWG counter tables the collector reads (images, impressions, two-sided impressions,
/// sheets).
pub const PWG_COUNTER_TABLES: [PwgCounterTable; 4] = [
    PwgCounterTable {
        entry: &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 7, 1, 1],
        unit: "images",
        columns: &[
            (4, "icImageTotalImages"),
            (5, "icImageMonochromeImages"),
            (6, "icImageFullColorImages"),
        ],
    },
    PwgCounterTable {
        entry: &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 8, 1, 1],
        unit: "impressions",
        columns: &[
            (4, "icImpressionTotalImps"),
            (5, "icImpressionMonochromeImps"),
            (6, "icImpressionBlankImps"),
            (7, "icImpressionFullColorImps"),
            (8, "icImpressionHighlightColorImps"),
        ],
    },
    PwgCounterTable {
        entry: &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 9, 1, 1],
        unit: "impressions",
        columns: &[
            (4, "icTwoSidedTotalImps"),
            (5, "icTwoSidedMonochromeImps"),
            (6, "icTwoSidedBlankImps"),
            (7, "icTwoSidedFullColorImps"),
            (8, "icTwoSidedHighlightColorImps"),
        ],
    },
    PwgCounterTable {
        entry: &[1, 3, 6, 1, 4, 1, 2699, 1, 3, 1, 10, 1, 1],
        unit: "sheets",
        columns: &[
            (4, "icSheetTotalSheets"),
            (5, "icSheetMonochromeSheets"),
            (6, "icSheetBlankSheets"),
            (7, "icSheetFullColorSheets"),
            (8, "icSheetHighlightColorSheets"),
        ],
    },
];

/// `IcServiceTypeTC` names.
pub const PWG_SERVICE_TYPES: &[(u32, &str)] = &[
    (1, "other"),
    (2, "unknown"),
    (3, "systemTotals"),
    (4, "copy"),
    (5, "emailIn"),
    (6, "emailOut"),
    (7, "faxIn"),
    (8, "faxOut"),
    (9, "networkFaxIn"),
    (10, "networkFaxOut"),
    (11, "print"),
    (12, "scan"),
    (13, "transform"),
];

/// `IcWorkTypeTC` names.
pub const PWG_WORK_TYPES: &[(u32, &str)] = &[
    (1, "other"),
    (2, "unknown"),
    (3, "workTotals"),
    (4, "datastream"),
    (5, "auxiliary"),
    (6, "waste"),
    (7, "maintenance"),
];

/// `IcPersistenceTC` names.
pub const PWG_PERSISTENCE: &[(u32, &str)] = &[
    (1, "other"),
    (2, "unknown"),
    (3, "lifetime"),
    (4, "powerOn"),
    (5, "reset"),
];

/// XEROX-HOST-RESOURCES-EXT-MIB `xcmHrDevDetailEntry`, indexed by
/// `hrDeviceIndex.xcmHrDevDetailType.xcmHrDevDetailIndex`.
pub const XCM_HR_DEV_DETAIL_ENTRY: &[u32] = &[1, 3, 6, 1, 4, 1, 253, 8, 53, 13, 2, 1];
/// `xcmHrDevDetailEntry` columns.
pub mod xcm_hr_dev_detail {
    /// `xcmHrDevDetailUnit`.
    pub const UNIT: u32 = 5;
    /// `xcmHrDevDetailValueInteger`.
    pub const VALUE_INTEGER: u32 = 6;
    /// `xcmHrDevDetailValueString`.
    pub const VALUE_STRING: u32 = 8;
    /// `xcmHrDevDetailDescription`.
    pub const DESCRIPTION: u32 = 9;
}
/// `xcmHrDevDetailType` of the lifetime usage (billing) meters: deviceLifetimeUsage(20).
pub const XCM_DEVICE_LIFETIME_USAGE: u32 = 20;

/// Vendors by `sysObjectID` prefix (IANA private enterprise numbers, and product subtrees
/// where one enterprise number covers several brands). The longest matching prefix wins.
pub const VENDORS: &[(&[u32], &str)] = &[
    (&[1, 3, 6, 1, 4, 1, 11], "HP"),
    (&[1, 3, 6, 1, 4, 1, 236], "Samsung"),
    (&[1, 3, 6, 1, 4, 1, 253], "Xerox"),
    (&[1, 3, 6, 1, 4, 1, 297], "Fuji Xerox"),
    (&[1, 3, 6, 1, 4, 1, 297, 1, 11, 93, 2], "FUJIFILM"),
    (&[1, 3, 6, 1, 4, 1, 367], "Ricoh"),
    (&[1, 3, 6, 1, 4, 1, 641], "Lexmark"),
    (&[1, 3, 6, 1, 4, 1, 674], "Dell"),
    (&[1, 3, 6, 1, 4, 1, 1129], "Toshiba"),
    (&[1, 3, 6, 1, 4, 1, 1248], "Epson"),
    (&[1, 3, 6, 1, 4, 1, 1347], "Kyocera"),
    (&[1, 3, 6, 1, 4, 1, 1602], "Canon"),
    (&[1, 3, 6, 1, 4, 1, 2001], "OKI"),
    (&[1, 3, 6, 1, 4, 1, 2385], "Sharp"),
    (&[1, 3, 6, 1, 4, 1, 2435], "Brother"),
    (&[1, 3, 6, 1, 4, 1, 18334], "Konica Minolta"),
];

/// The vendor whose `sysObjectID` prefix is the longest match for `object_id`.
///
/// ```
/// use fleetwire_payload::collect::tables::vendor;
/// assert_eq!(vendor(&[1, 3, 6, 1, 4, 1, 253, 8, 62, 1, 26, 9, 1]), Some("Xerox"));
/// assert_eq!(vendor(&[1, 3, 6, 1, 4, 1, 297, 1, 11, 93, 2, 1]), Some("FUJIFILM"));
/// assert_eq!(vendor(&[1, 3, 6, 1, 4, 1, 297, 1, 11, 93, 1, 1]), Some("Fuji Xerox"));
/// assert_eq!(vendor(&[1, 3, 6, 1, 4, 1, 2530]), None);
/// ```
pub fn vendor(object_id: &[u32]) -> Option<&'static str> {
    VENDORS
        .iter()
        .filter(|(prefix, _)| object_id.starts_with(prefix))
        .max_by_key(|(prefix, _)| prefix.len())
        .map(|(_, name)| *name)
}

/// The name of `value` in a `(value, name)` table.
pub fn name_of(table: &[(u32, &'static str)], value: u32) -> Option<&'static str> {
    table.iter().find(|(v, _)| *v == value).map(|(_, n)| *n)
}
