//! The audit as one self-contained page: XHTML in its polyglot form (well-formed XML that
//! browsers read as HTML), inline CSS, inline SVG for supply levels and meters, no script, no
//! image, font or style sheet from anywhere else.
//!
//! Every string from a device goes through [`escape`]: markup characters become entities and
//! characters XML 1.0 does not allow become U+FFFD, so a hostile `sysLocation` stays text.

use std::io::{self, Write};

use fleetwire_payload::snapshot::SnapshotSupply;
use fleetwire_payload::{SupplyClass, SupplyLevel};

use super::{Device, MeterRow, is_low, low_word};

/// Escapes text for XHTML content and attribute values.
pub fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            '\t' | '\n' | '\r' => out.push(c),
            c if (c as u32) < 0x20
                || matches!(c, '\u{7f}'..='\u{9f}' | '\u{fffe}' | '\u{ffff}') =>
            {
                out.push('\u{fffd}');
            }
            c => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,sans-serif;margin:2em;color:#1d2730;background:#fff}\
h1{font-size:1.6em}h2{font-size:1.25em;margin:0 0 .4em}h3{font-size:1em;margin:1em 0 .3em}\
table{border-collapse:collapse;margin:.5em 0}td,th{border:1px solid #c9d1d9;padding:.25em .6em;text-align:left;vertical-align:top}\
th{background:#eef2f5}section.device{border:1px solid #c9d1d9;border-radius:6px;padding:1em;margin:1em 0}\
.low{color:#b00020;font-weight:bold}.ok{color:#1a7f37}.muted{color:#6b7b8c}\
svg text{font-family:system-ui,sans-serif;font-size:12px;fill:#1d2730}";

/// The fill colour of a supply bar, from its description.
fn supply_colour(description: &str) -> &'static str {
    let d = description.to_ascii_lowercase();
    if d.contains("cyan") {
        "#00a0e0"
    } else if d.contains("magenta") {
        "#d0208f"
    } else if d.contains("yellow") {
        "#e8c800"
    } else if d.contains("black") {
        "#222222"
    } else {
        "#6b7b8c"
    }
}

/// What a supply level says, for people.
fn level_text(s: &SnapshotSupply) -> String {
    match (s.level, s.level.percent_of(s.max_capacity)) {
        (_, Some(p)) => format!("{p}%"),
        (SupplyLevel::Actual(n), None) => format!("{n} {}", s.unit),
        (SupplyLevel::SomeRemaining, _) => "some remaining".to_owned(),
        (SupplyLevel::Unknown, _) => "unknown".to_owned(),
        (SupplyLevel::Other, _) => "other".to_owned(),
    }
}

const BAR_X: u32 = 230;
const BAR_W: u32 = 240;
const ROW_H: u32 = 22;

/// An `<svg>` start tag of `width` × `height` user units, labelled "`what` of DEVICE".
fn svg_open(
    out: &mut dyn Write,
    class: &str,
    width: u32,
    height: u32,
    what: &str,
    device: &Device,
) -> io::Result<()> {
    writeln!(
        out,
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"{class}\" width=\"{width}\" height=\"{height}\" \
         viewBox=\"0 0 {width} {height}\" role=\"img\" aria-label=\"{what} of {}\">",
        escape(&device.key)
    )
}

fn supplies_svg(device: &Device, out: &mut dyn Write) -> io::Result<()> {
    let supplies = &device.snapshot.supplies;
    let height = ROW_H * supplies.len() as u32 + 4;
    svg_open(
        out,
        "supplies",
        BAR_X + BAR_W + 130,
        height,
        "supply levels",
        device,
    )?;
    for (i, s) in supplies.iter().enumerate() {
        let y = ROW_H * i as u32 + 2;
        let pct = s.level.percent_of(s.max_capacity);
        let low = is_low(s);
        let label = level_text(s);
        writeln!(
            out,
            "<g class=\"supply{}\"><title>{}: {}</title>",
            if low { " low" } else { "" },
            escape(&s.description),
            escape(&label)
        )?;
        writeln!(
            out,
            "<text x=\"0\" y=\"{}\">{}</text>",
            y + 14,
            escape(&truncate(&s.description, 34))
        )?;
        writeln!(
            out,
            "<rect x=\"{BAR_X}\" y=\"{y}\" width=\"{BAR_W}\" height=\"16\" rx=\"3\" fill=\"#eef2f5\" stroke=\"#c9d1d9\"/>"
        )?;
        let fill_w = match (pct, s.level) {
            (Some(p), _) => BAR_W * u32::from(p) / 100,
            // Printer-MIB "at least some remaining": a short hatched stub.
            (None, SupplyLevel::SomeRemaining) => BAR_W / 10,
            _ => 0,
        };
        if fill_w > 0 {
            writeln!(
                out,
                "<rect class=\"level\" x=\"{BAR_X}\" y=\"{y}\" width=\"{fill_w}\" height=\"16\" rx=\"3\" fill=\"{}\"{}/>",
                if low && s.class != SupplyClass::Filled {
                    "#b00020"
                } else {
                    supply_colour(&s.description)
                },
                if pct.is_none() {
                    " fill-opacity=\"0.4\""
                } else {
                    ""
                }
            )?;
        }
        writeln!(
            out,
            "<text x=\"{}\" y=\"{}\"{}>{}{}</text></g>",
            BAR_X + BAR_W + 8,
            y + 14,
            if low { " fill=\"#b00020\"" } else { "" },
            escape(&label),
            low_word(s)
                .map(|w| format!(" {}", w.to_uppercase()))
                .unwrap_or_default()
        )?;
    }
    writeln!(out, "</svg>")
}

fn truncate(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut t: String = s.chars().take(max.saturating_sub(1)).collect();
        t.push('…');
        t
    }
}

fn meters_svg(device: &Device, meters: &[MeterRow], out: &mut dyn Write) -> io::Result<()> {
    let max = meters.iter().map(|m| m.value).max().unwrap_or(0).max(1);
    let height = ROW_H * meters.len() as u32 + 4;
    svg_open(out, "meters", BAR_X + BAR_W + 190, height, "meters", device)?;
    for (
        i,
        MeterRow {
            name: label, value, ..
        },
    ) in meters.iter().enumerate()
    {
        let y = ROW_H * i as u32 + 2;
        // Linear scale against the device's largest meter; a non-zero meter is at least 1px.
        let w = ((u128::from(*value) * u128::from(BAR_W)) / u128::from(max)) as u32;
        let w = if *value > 0 { w.max(1) } else { 0 };
        writeln!(
            out,
            "<g class=\"meter\"><title>{}: {value}</title><text x=\"0\" y=\"{}\">{}</text>\
             <rect x=\"{BAR_X}\" y=\"{y}\" width=\"{w}\" height=\"16\" fill=\"#3b6ea5\"/>\
             <text x=\"{}\" y=\"{}\">{}</text></g>",
            escape(label),
            y + 14,
            escape(&truncate(label, 34)),
            BAR_X + w + 8,
            y + 14,
            group_digits(*value)
        )?;
    }
    writeln!(out, "</svg>")
}

/// `1234567` → `1 234 567` (thin spaces would not survive every font; a plain space does).
fn group_digits(v: u64) -> String {
    let digits = v.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

fn cell(v: &Option<String>) -> String {
    v.as_deref().map(escape).unwrap_or_default()
}

fn device_section(index: usize, device: &Device, out: &mut dyn Write) -> io::Result<()> {
    let s = &device.snapshot;
    let id = &s.identity;
    writeln!(out, "<section class=\"device\" id=\"device-{index}\">")?;
    writeln!(
        out,
        "<h2>{} <span class=\"muted\">{} {}</span></h2>",
        escape(&device.key),
        cell(&id.vendor),
        cell(&id.model)
    )?;
    writeln!(out, "<table class=\"identity\">")?;
    // sysContact is left out, as in the payloads: it often names a person.
    let rows: [(&str, String); 8] = [
        ("Serial number", cell(&id.serial_number)),
        ("Name", cell(&id.sys_name)),
        ("Location", cell(&id.sys_location)),
        ("Description", cell(&id.sys_descr)),
        ("Object ID", cell(&id.sys_object_id)),
        ("MAC", escape(&device.mac_addresses().join(", "))),
        ("IPv4", escape(&device.ipv4_addresses().join(", "))),
        ("Snapshot file", escape(&device.source)),
    ];
    for (k, v) in rows {
        writeln!(out, "<tr><th>{k}</th><td>{v}</td></tr>")?;
    }
    writeln!(out, "</table>")?;

    writeln!(out, "<h3>Status</h3>")?;
    let name = |v: Option<String>| v.map(|v| escape(&v)).unwrap_or_else(|| "—".to_owned());
    let errors = device.detected_errors();
    writeln!(
        out,
        "<p class=\"status\">Device: <b>{}</b>, printer: <b>{}</b>{}</p>",
        name(s.status.device_status.map(|v| v.to_string())),
        name(s.status.printer_status.map(|v| v.to_string())),
        if errors.is_empty() {
            String::new()
        } else {
            format!(
                ", detected errors: <span class=\"low\">{}</span>",
                escape(&errors.join(", "))
            )
        }
    )?;
    if !s.status.alerts.is_empty() {
        writeln!(
            out,
            "<table class=\"alerts\"><tr><th>Severity</th><th>Group</th><th>Code</th><th>Description</th></tr>"
        )?;
        for a in &s.status.alerts {
            writeln!(
                out,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                escape(&a.severity.to_string()),
                escape(&a.group.to_string()),
                a.code,
                cell(&a.description)
            )?;
        }
        writeln!(out, "</table>")?;
    }

    writeln!(out, "<h3>Supplies</h3>")?;
    if s.supplies.is_empty() {
        writeln!(out, "<p class=\"muted\">No supply table.</p>")?;
    } else {
        supplies_svg(device, out)?;
    }
    writeln!(out, "<h3>Meters</h3>")?;
    let meters = device.meters();
    if meters.is_empty() {
        writeln!(out, "<p class=\"muted\">No meters.</p>")?;
    } else {
        meters_svg(device, &meters, out)?;
    }
    writeln!(out, "</section>")
}

/// Writes the page.
pub fn write_html(devices: &[Device], out: &mut dyn Write) -> io::Result<()> {
    let low: usize = devices.iter().map(|d| d.low_supplies().count()).sum();
    let supplies: usize = devices.iter().map(|d| d.snapshot.supplies.len()).sum();
    writeln!(out, "<!DOCTYPE html>")?;
    writeln!(
        out,
        "<html xmlns=\"http://www.w3.org/1999/xhtml\" lang=\"en\" xml:lang=\"en\">"
    )?;
    writeln!(
        out,
        "<head><meta charset=\"utf-8\"/><meta name=\"viewport\" content=\"width=device-width\"/>\
         <title>Fleetwire fleet audit</title><style>{STYLE}</style></head>"
    )?;
    writeln!(out, "<body>\n<h1>Fleet audit</h1>")?;
    writeln!(
        out,
        "<p class=\"summary\"><span id=\"device-count\">{}</span> devices, {supplies} supplies, \
         <span id=\"low-count\" class=\"{}\">{low}</span> low.</p>",
        devices.len(),
        if low > 0 { "low" } else { "ok" }
    )?;
    writeln!(
        out,
        "<table class=\"fleet\"><tr><th>Device</th><th>Vendor</th><th>Model</th><th>Location</th>\
         <th>Status</th><th>Low supplies</th></tr>"
    )?;
    for (i, d) in devices.iter().enumerate() {
        let id = &d.snapshot.identity;
        let low: Vec<String> = d.low_supplies().map(|s| escape(&s.description)).collect();
        writeln!(
            out,
            "<tr><td><a href=\"#device-{i}\">{}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td class=\"low\">{}</td></tr>",
            escape(&d.key),
            cell(&id.vendor),
            cell(&id.model),
            cell(&id.sys_location),
            d.snapshot
                .status
                .device_status
                .map(|s| escape(&s.to_string()))
                .unwrap_or_default(),
            low.join(", ")
        )?;
    }
    writeln!(out, "</table>")?;
    for (i, d) in devices.iter().enumerate() {
        device_section(i, d, out)?;
    }
    writeln!(out, "</body>\n</html>")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_markup_and_characters_xml_forbids() {
        assert_eq!(
            escape("<a href=\"x\">&'</a>\u{1}\u{7}ok\u{fffe}"),
            "&lt;a href=&quot;x&quot;&gt;&amp;&#39;&lt;/a&gt;\u{fffd}\u{fffd}ok\u{fffd}"
        );
        assert_eq!(escape("Büro 2\tA"), "Büro 2\tA");
    }

    #[test]
    fn digits_are_grouped() {
        assert_eq!(group_digits(0), "0");
        assert_eq!(group_digits(999), "999");
        assert_eq!(group_digits(1_234_567), "1 234 567");
        assert_eq!(group_digits(u64::MAX), "18 446 744 073 709 551 615");
    }
}
