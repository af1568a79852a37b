//! Interpreting a [`MibView`]: the snapshot and the details, sans-IO.

use std::collections::BTreeMap;

use super::tables::{self as t, name_of};
use super::view::{MibView, Row, count, text};
use super::{
    Collected, ConsoleLight, Cover, Details, InputTray, LightState, Note, OutputTray, Storage,
};
use crate::mib::{
    AlertGroup, AlertSeverity, Capacity, ConsoleColor, CounterUnit, CoverStatus, DetectedError,
    DeviceStatus, InputType, OutputType, PrinterStatus, SubUnitStatus, SupplyClass, SupplyLevel,
    SupplyType, SupplyUnit,
};
use crate::snapshot::{
    MarkerLife, NamedCounter, Snapshot, SnapshotAlert, SnapshotIpv4, SnapshotSupply,
};
use crate::text::MacAddress;

impl Collected {
    /// Interprets what was read from a device. Tables that are absent leave their part of
    /// the snapshot empty; rows that lack a column the snapshot cannot do without are left
    /// out and noted in [`Collected::notes`].
    pub fn from_view(view: &MibView) -> Self {
        let mut notes = Vec::new();
        let mut snapshot = Snapshot::default();
        let mut details = Details::default();
        read_system(view, &mut snapshot, &mut details);
        let printer = printer_index(view);
        read_host_resources(view, printer, &mut snapshot, &mut details);
        read_general(view, printer, &mut snapshot, &mut details);
        read_network(view, &mut snapshot);
        read_supplies(view, printer, &mut snapshot, &mut details);
        read_markers(view, printer, &mut snapshot, &mut notes);
        read_alerts(view, printer, &mut snapshot, &mut notes);
        read_paper_path(view, printer, &mut details);
        read_console(view, printer, &mut details);
        read_pwg(view, &mut snapshot);
        read_xerox(view, &mut snapshot);
        Self {
            snapshot,
            details,
            notes,
        }
    }
}

fn scalar<'v>(
    view: &'v MibView,
    group: &[u32],
    column: u32,
) -> Option<&'v fleetwire_snmp::Value<'static>> {
    let mut oid = group.to_vec();
    oid.extend([column, 0]);
    view.get(&oid)
}

fn read_system(view: &MibView, s: &mut Snapshot, d: &mut Details) {
    use t::system::*;
    let text_of = |column| scalar(view, t::SYSTEM.oid, column).and_then(text);
    let id = &mut s.identity;
    id.sys_descr = text_of(DESCR);
    id.sys_name = text_of(NAME);
    id.sys_location = text_of(LOCATION);
    id.sys_contact = text_of(CONTACT);
    if let Some(fleetwire_snmp::Value::ObjectIdentifier(oid)) =
        scalar(view, t::SYSTEM.oid, OBJECT_ID)
    {
        let arcs: Vec<u32> = oid.arcs().collect();
        id.vendor = t::vendor(&arcs).map(str::to_owned);
        id.sys_object_id = Some(oid.to_string());
    }
    d.uptime_ticks = match scalar(view, t::SYSTEM.oid, UP_TIME) {
        Some(fleetwire_snmp::Value::TimeTicks(n)) => Some(*n),
        _ => None,
    };
}

/// The `hrDeviceIndex` of the printer: the `hrDevicePrinter` row that also has a
/// `prtGeneralEntry`, else the first `prtGeneralEntry`, else the first `hrDevicePrinter` row,
/// else the first `hrPrinterEntry`, else 1.
fn printer_index(view: &MibView) -> u32 {
    let single = |rows: Vec<Row<'_>>| -> Vec<u32> {
        rows.iter()
            .filter_map(|r| match r.index {
                [i] => Some(*i),
                _ => None,
            })
            .collect()
    };
    let hr_printers = single(
        view.table(t::HR_DEVICE_ENTRY)
            .into_iter()
            .filter(|r| r.oid(t::hr_device::TYPE).as_deref() == Some(t::HR_DEVICE_PRINTER))
            .collect(),
    );
    let general = single(view.table(t::PRT_GENERAL_ENTRY));
    hr_printers
        .iter()
        .find(|i| general.contains(i))
        .or_else(|| general.first())
        .or_else(|| hr_printers.first())
        .copied()
        .or_else(|| single(view.table(t::HR_PRINTER_ENTRY)).first().copied())
        .unwrap_or(1)
}

/// The rows of a Printer-MIB table that belong to the printer (`hrDeviceIndex.N`).
fn printer_rows<'v>(view: &'v MibView, entry: &[u32], printer: u32) -> Vec<(u32, Row<'v>)> {
    view.table(entry)
        .into_iter()
        .filter_map(|r| match r.index {
            [dev, n] if *dev == printer => Some((*n, r)),
            _ => None,
        })
        .collect()
}

fn single_row<'v>(view: &'v MibView, entry: &[u32], index: u32) -> Option<Row<'v>> {
    view.table(entry).into_iter().find(|r| r.index == [index])
}

fn read_host_resources(view: &MibView, printer: u32, s: &mut Snapshot, d: &mut Details) {
    if let Some(row) = single_row(view, t::HR_DEVICE_ENTRY, printer) {
        s.status.device_status = row.int(t::hr_device::STATUS).map(DeviceStatus::from_mib);
        s.identity.model = row
            .text(t::hr_device::DESCR)
            .map(|m| strip_vendor(&m, s.identity.vendor.as_deref()));
    }
    if let Some(row) = single_row(view, t::HR_PRINTER_ENTRY, printer) {
        s.status.printer_status = row.int(t::hr_printer::STATUS).map(PrinterStatus::from_mib);
        s.status.detected_errors = row
            .bytes(t::hr_printer::DETECTED_ERROR_STATE)
            .map(DetectedError::from_bits)
            .unwrap_or_default();
    }
    d.memory_kib = view.get(t::HR_MEMORY_SIZE).and_then(count);
    use t::hr_storage::*;
    d.storage = view
        .table(t::HR_STORAGE_ENTRY)
        .iter()
        .filter_map(|r| {
            let units = r.count(ALLOCATION_UNITS)?;
            Some(Storage {
                index: r.last_index()?,
                description: r.text(DESCR).unwrap_or_default(),
                size_bytes: r.count(SIZE)?.saturating_mul(units),
                used_bytes: r.count(USED).map(|u| u.saturating_mul(units)),
            })
        })
        .collect();
}

/// The model without the vendor's name in front (`Xerox AltaLink C8190` → `AltaLink C8190`).
fn strip_vendor(model: &str, vendor: Option<&str>) -> String {
    let stripped = vendor.and_then(|v| {
        let head = model.get(..v.len())?;
        let rest = model.get(v.len()..)?;
        (head.eq_ignore_ascii_case(v) && rest.starts_with(' ')).then(|| rest.trim_start())
    });
    stripped
        .filter(|r| !r.is_empty())
        .unwrap_or(model)
        .to_owned()
}

fn read_general(view: &MibView, printer: u32, s: &mut Snapshot, d: &mut Details) {
    use t::prt_general::*;
    if let Some(row) = single_row(view, t::PRT_GENERAL_ENTRY, printer) {
        s.identity.serial_number = row.text(SERIAL_NUMBER);
        d.printer_name = row.text(PRINTER_NAME);
        d.alert_critical_events = row.count(ALERT_CRITICAL_EVENTS);
        d.alert_all_events = row.count(ALERT_ALL_EVENTS);
    }
}

fn read_network(view: &MibView, s: &mut Snapshot) {
    let mut macs: Vec<MacAddress> = Vec::new();
    for (_, value) in view.under(t::IF_PHYS_ADDRESS) {
        if let fleetwire_snmp::Value::OctetString(b) = value
            && let Some(mac) = MacAddress::from_octets(b)
            && mac.octets() != [0; 6]
            && !macs.contains(&mac)
        {
            macs.push(mac);
        }
    }
    s.network.mac_addresses = macs;
    use t::ip_addr::*;
    s.network.ipv4 = view
        .table(t::IP_ADDR_ENTRY)
        .iter()
        .filter_map(|r| {
            let from_index = match r.index {
                [a, b, c, d] => Some(std::net::Ipv4Addr::new(
                    u8::try_from(*a).ok()?,
                    u8::try_from(*b).ok()?,
                    u8::try_from(*c).ok()?,
                    u8::try_from(*d).ok()?,
                )),
                _ => None,
            };
            Some(SnapshotIpv4 {
                address: r.ip(ADDR).or(from_index)?,
                netmask: r.ip(NET_MASK),
            })
        })
        .collect();
}

fn read_supplies(view: &MibView, printer: u32, s: &mut Snapshot, d: &mut Details) {
    let colorants: BTreeMap<u32, String> = printer_rows(view, t::PRT_COLORANT_ENTRY, printer)
        .into_iter()
        .filter_map(|(i, r)| Some((i, r.text(t::PRT_COLORANT_VALUE)?)))
        .collect();
    use t::prt_supplies::*;
    for (index, r) in printer_rows(view, t::PRT_SUPPLIES_ENTRY, printer) {
        // A missing column is the MIB's "unknown" for that column.
        s.supplies.push(SnapshotSupply {
            index,
            description: r.text(DESCRIPTION).unwrap_or_default(),
            supply_type: SupplyType::from_mib(r.int(TYPE).unwrap_or(2)),
            class: SupplyClass::from_mib(r.int(CLASS).unwrap_or(1)),
            unit: SupplyUnit::from_mib(r.int(SUPPLY_UNIT).unwrap_or(2)),
            max_capacity: r
                .int(MAX_CAPACITY)
                .and_then(Capacity::from_mib)
                .unwrap_or(Capacity::Unknown),
            level: r
                .int(LEVEL)
                .and_then(SupplyLevel::from_mib)
                .unwrap_or(SupplyLevel::Unknown),
        });
        let colorant = r
            .count(COLORANT_INDEX)
            .and_then(|c| u32::try_from(c).ok())
            .and_then(|c| colorants.get(&c));
        if let Some(c) = colorant {
            d.supply_colorants.push((index, c.clone()));
        }
    }
}

fn read_markers(view: &MibView, printer: u32, s: &mut Snapshot, notes: &mut Vec<Note>) {
    use t::prt_marker::*;
    for (marker, r) in printer_rows(view, t::PRT_MARKER_ENTRY, printer) {
        let Some(value) = r.count(LIFE_COUNT) else {
            continue;
        };
        match r.int(COUNTER_UNIT) {
            Some(unit) => s.counters.marker_life.push(MarkerLife {
                marker,
                unit: CounterUnit::from_mib(unit),
                value,
            }),
            None => notes.push(Note {
                table: "prtMarkerTable",
                reason: format!("marker {marker} has a life count but no counter unit"),
            }),
        }
    }
}

fn read_alerts(view: &MibView, printer: u32, s: &mut Snapshot, notes: &mut Vec<Note>) {
    use t::prt_alert::*;
    for (index, r) in printer_rows(view, t::PRT_ALERT_ENTRY, printer) {
        let (Some(severity), Some(group), Some(code)) =
            (r.int(SEVERITY_LEVEL), r.int(GROUP), r.int(CODE))
        else {
            notes.push(Note {
                table: "prtAlertTable",
                reason: format!("alert {index} lacks its severity, group or code"),
            });
            continue;
        };
        s.status.alerts.push(SnapshotAlert {
            index,
            severity: AlertSeverity::from_mib(severity),
            group: AlertGroup::from_mib(group),
            code,
            description: r.text(DESCRIPTION),
            time_ticks: r.count(TIME).and_then(|n| u32::try_from(n).ok()),
        });
    }
}

fn read_paper_path(view: &MibView, printer: u32, d: &mut Details) {
    use t::{prt_cover, prt_input, prt_output};
    d.covers = printer_rows(view, t::PRT_COVER_ENTRY, printer)
        .into_iter()
        .map(|(index, r)| Cover {
            index,
            description: r.text(prt_cover::DESCRIPTION),
            status: r.int(prt_cover::STATUS).map(CoverStatus::from_mib),
        })
        .collect();
    d.inputs = printer_rows(view, t::PRT_INPUT_ENTRY, printer)
        .into_iter()
        .map(|(index, r)| InputTray {
            index,
            name: r.text(prt_input::NAME),
            description: r.text(prt_input::DESCRIPTION),
            input_type: r.int(prt_input::TYPE).map(InputType::from_mib),
            unit: r.int(prt_input::CAPACITY_UNIT).map(SupplyUnit::from_mib),
            max_capacity: r.int(prt_input::MAX_CAPACITY).and_then(Capacity::from_mib),
            level: r
                .int(prt_input::CURRENT_LEVEL)
                .and_then(SupplyLevel::from_mib),
            status: r.int(prt_input::STATUS).map(SubUnitStatus),
            media_name: r.text(prt_input::MEDIA_NAME),
            media_type: r.text(prt_input::MEDIA_TYPE),
            media_color: r.text(prt_input::MEDIA_COLOR),
        })
        .collect();
    d.outputs = printer_rows(view, t::PRT_OUTPUT_ENTRY, printer)
        .into_iter()
        .map(|(index, r)| OutputTray {
            index,
            name: r.text(prt_output::NAME),
            description: r.text(prt_output::DESCRIPTION),
            output_type: r.int(prt_output::TYPE).map(OutputType::from_mib),
            unit: r.int(prt_output::CAPACITY_UNIT).map(SupplyUnit::from_mib),
            max_capacity: r.int(prt_output::MAX_CAPACITY).and_then(Capacity::from_mib),
            remaining: r
                .int(prt_output::REMAINING_CAPACITY)
                .and_then(SupplyLevel::from_mib),
            status: r.int(prt_output::STATUS).map(SubUnitStatus),
        })
        .collect();
}

fn read_console(view: &MibView, printer: u32, d: &mut Details) {
    d.console = printer_rows(view, t::PRT_CONSOLE_DISPLAY_ENTRY, printer)
        .into_iter()
        .filter_map(|(_, r)| r.text(t::PRT_CONSOLE_DISPLAY_TEXT))
        .collect();
    use t::prt_console_light::*;
    d.lights = printer_rows(view, t::PRT_CONSOLE_LIGHT_ENTRY, printer)
        .into_iter()
        .map(|(index, r)| ConsoleLight {
            index,
            description: r.text(DESCRIPTION),
            color: r.int(COLOR).map(ConsoleColor::from_mib),
            state: match (r.int(ON_TIME), r.int(OFF_TIME)) {
                (Some(on), Some(off)) if on > 0 && off > 0 => Some(LightState::Blinking),
                (Some(on), _) if on > 0 => Some(LightState::On),
                (Some(_), _) => Some(LightState::Off),
                (None, _) => None,
            },
        })
        .collect();
}

fn read_pwg(view: &MibView, s: &mut Snapshot) {
    // icServiceKey → service name (`print`, `print2` for a second print service ...).
    let services: BTreeMap<u32, String> = view
        .table(t::IC_SERVICE_ENTRY)
        .iter()
        .filter_map(|r| {
            let key = r.last_index()?;
            let ty = r
                .int(t::ic_service::TYPE)
                .and_then(|v| u32::try_from(v).ok())?;
            let name = name_of(t::PWG_SERVICE_TYPES, ty)
                .map_or_else(|| format!("service{ty}"), str::to_owned);
            Some(match r.int(t::ic_service::INDEX) {
                Some(n) if n > 1 => (key, format!("{name}{n}")),
                _ => (key, name),
            })
        })
        .collect();
    for table in &t::PWG_COUNTER_TABLES {
        for r in view.table(table.entry) {
            let [key, work, persistence] = *r.index else {
                continue;
            };
            let service = services
                .get(&key)
                .cloned()
                .unwrap_or_else(|| format!("key{key}"));
            let work =
                name_of(t::PWG_WORK_TYPES, work).map_or_else(|| work.to_string(), str::to_owned);
            let persistence = name_of(t::PWG_PERSISTENCE, persistence)
                .map_or_else(|| persistence.to_string(), str::to_owned);
            for (column, object) in table.columns {
                if let Some(value) = r.count(*column) {
                    s.counters.pwg.push(NamedCounter {
                        name: format!("{service}.{object}.{work}.{persistence}"),
                        unit: Some(table.unit.to_owned()),
                        value,
                    });
                }
            }
        }
    }
}

fn read_xerox(view: &MibView, s: &mut Snapshot) {
    use t::xcm_hr_dev_detail::*;
    for r in view.table(t::XCM_HR_DEV_DETAIL_ENTRY) {
        let [device, ty, index] = *r.index else {
            continue;
        };
        if ty != t::XCM_DEVICE_LIFETIME_USAGE {
            continue;
        }
        // The string column carries values beyond INTEGER's range exactly.
        let value = r
            .text(VALUE_STRING)
            .and_then(|v| v.trim().parse::<u64>().ok())
            .or_else(|| r.count(VALUE_INTEGER));
        let Some(value) = value else {
            continue;
        };
        s.counters.vendor.push(NamedCounter {
            name: r
                .text(DESCRIPTION)
                .filter(|n| !n.is_empty())
                .unwrap_or_else(|| format!("xcmHrDevDetail.{device}.{ty}.{index}")),
            unit: r.int(UNIT).map(|u| SupplyUnit::from_mib(u).to_string()),
            value,
        });
    }
}
