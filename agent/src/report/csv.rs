//! The audit as CSV (RFC 4180: CRLF line ends, fields quoted when they hold a comma, a quote,
//! CR or LF, quotes doubled), with a header row of [`COLUMNS`].
//!
//! Every row has every column. The `record` column says what the row is:
//! - `device`: one per device; identity, network and status columns filled, the others empty.
//! - `supply`: one per supply row of the device (`prtMarkerSuppliesTable`); `device` plus the
//!   `supply_*` columns.
//! - `meter`: one per counter; `device` plus the `meter_*` columns. `meter_source` is
//!   `marker_life` (`prtMarkerLifeCount`, name `marker N`), `pwg` (PWG imaging counters) or
//!   `vendor` (vendor billing meters).
//!
//! Rows come device by device (in report order): the device row, its supplies, its meters.
//! Device strings come from the network; a text field that would start a spreadsheet formula
//! (`=`, `+`, `-`, `@`, tab, CR) is written with a leading `'` so that opening the file in a
//! spreadsheet does not evaluate it. The column names and their order are stable: new columns
//! are only ever added at the end.

use std::io::{self, Write};

use super::{Device, is_low};

/// The columns, in order.
pub const COLUMNS: [&str; 27] = [
    "record",
    "device",
    "source_file",
    "vendor",
    "model",
    "serial_number",
    "sys_name",
    "sys_location",
    "sys_object_id",
    "mac_addresses",
    "ipv4_addresses",
    "device_status",
    "printer_status",
    "detected_errors",
    "alerts",
    "supply_index",
    "supply_description",
    "supply_type",
    "supply_class",
    "supply_unit",
    "supply_max_capacity",
    "supply_level",
    "supply_percent",
    "supply_low",
    "meter_source",
    "meter_name",
    "meter_value",
];

/// Index of a column in [`COLUMNS`].
fn col(name: &str) -> Option<usize> {
    COLUMNS.iter().position(|c| *c == name)
}

/// One row being filled.
struct Row([String; COLUMNS.len()]);

impl Row {
    fn new(record: &str, device: &Device) -> Self {
        let mut row = Self(Default::default());
        row.set("record", record);
        row.set("device", &device.key);
        row
    }

    fn set(&mut self, column: &str, value: &str) {
        if let Some(cell) = col(column).and_then(|i| self.0.get_mut(i)) {
            value.clone_into(cell);
        }
    }

    fn write(&self, out: &mut dyn Write) -> io::Result<()> {
        write_record(out, self.0.iter().map(String::as_str))
    }
}

/// Neutralises spreadsheet formulas (see the module documentation).
fn text(value: &str) -> String {
    if value.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{value}")
    } else {
        value.to_owned()
    }
}

fn opt(value: &Option<String>) -> String {
    value.as_deref().map(text).unwrap_or_default()
}

/// Writes one RFC 4180 record.
pub fn write_record<'a>(
    out: &mut dyn Write,
    fields: impl IntoIterator<Item = &'a str>,
) -> io::Result<()> {
    for (i, field) in fields.into_iter().enumerate() {
        if i > 0 {
            out.write_all(b",")?;
        }
        if field.contains([',', '"', '\r', '\n']) {
            out.write_all(b"\"")?;
            out.write_all(field.replace('"', "\"\"").as_bytes())?;
            out.write_all(b"\"")?;
        } else {
            out.write_all(field.as_bytes())?;
        }
    }
    out.write_all(b"\r\n")
}

/// Writes the header and every device's rows.
pub fn write_csv(devices: &[Device], out: &mut dyn Write) -> io::Result<()> {
    write_record(out, COLUMNS)?;
    for device in devices {
        let s = &device.snapshot;
        let mut row = Row::new("device", device);
        row.set("source_file", &text(&device.source));
        row.set("vendor", &opt(&s.identity.vendor));
        row.set("model", &opt(&s.identity.model));
        row.set("serial_number", &opt(&s.identity.serial_number));
        row.set("sys_name", &opt(&s.identity.sys_name));
        row.set("sys_location", &opt(&s.identity.sys_location));
        row.set("sys_object_id", &opt(&s.identity.sys_object_id));
        row.set("mac_addresses", &device.mac_addresses().join(" "));
        row.set("ipv4_addresses", &device.ipv4_addresses().join(" "));
        let name = |v: Option<String>| v.unwrap_or_default();
        row.set(
            "device_status",
            &name(s.status.device_status.map(|v| v.to_string())),
        );
        row.set(
            "printer_status",
            &name(s.status.printer_status.map(|v| v.to_string())),
        );
        row.set("detected_errors", &device.detected_errors().join(" "));
        let alerts: Vec<String> = s
            .status
            .alerts
            .iter()
            .map(|a| {
                let what = a.description.as_deref().unwrap_or_default();
                format!("{} {} {}: {what}", a.severity, a.group, a.code)
            })
            .collect();
        row.set("alerts", &text(&alerts.join("; ")));
        row.write(out)?;

        for supply in &s.supplies {
            let mut row = Row::new("supply", device);
            row.set("supply_index", &supply.index.to_string());
            row.set("supply_description", &text(&supply.description));
            row.set("supply_type", &supply.supply_type.to_string());
            row.set("supply_class", &supply.class.to_string());
            row.set("supply_unit", &supply.unit.to_string());
            row.set("supply_max_capacity", &supply.max_capacity.to_string());
            row.set("supply_level", &supply.level.to_string());
            let pct = supply.level.percent_of(supply.max_capacity);
            row.set(
                "supply_percent",
                &pct.map(|p| p.to_string()).unwrap_or_default(),
            );
            row.set("supply_low", if is_low(supply) { "true" } else { "false" });
            row.write(out)?;
        }

        for meter in device.meters() {
            let mut row = Row::new("meter", device);
            row.set("meter_source", meter.source);
            row.set("meter_name", &text(&meter.name));
            row.set("meter_value", &meter.value.to_string());
            row.write(out)?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_column_is_found() {
        for (i, name) in COLUMNS.iter().enumerate() {
            assert_eq!(col(name), Some(i));
        }
        assert_eq!(col("no such column"), None);
    }
}
