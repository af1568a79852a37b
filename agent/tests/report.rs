//! `fleetwire report`: the fleet audit from snapshot files. Structure of the HTML (well-formed
//! XHTML checked with xmllint, hostile device strings escaped, no external assets), the CSV read
//! back by Python's csv module (an independent RFC 4180 reader), and the page rendered by a real
//! headless Chromium (DOM and screenshot pixels).
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::path::{Path, PathBuf};
use std::time::Duration;

use common::{fleetwire, stderr, stdout};
use fleetwire::report::csv::COLUMNS;
use fleetwire_testkit::{require_tool, run_tool, run_tool_with_timeout};
use serde_json::{Value, json};

const HOSTILE_LOCATION: &str = "<script>alert(\"x\")</script> & Co, \"Floor 3\"\nRoom ]]> '5'";

fn colour_mfp() -> Value {
    json!({
        "identity": {"sys_descr": "Xerox VersaLink C405", "sys_object_id": "1.3.6.1.4.1.253.8.62.1.35.1.1.1",
                     "sys_name": "prn-7", "sys_location": "Building 2", "serial_number": "3TB123456",
                     "vendor": "Xerox", "model": "VersaLink C405"},
        "network": {"mac_addresses": ["9c:93:4e:01:02:03"],
                    "ipv4": [{"address": "10.0.0.7", "netmask": "255.255.255.0"}]},
        "status": {"device_status": "warning", "printer_status": "idle",
                   "detected_errors": ["lowToner"],
                   "alerts": [{"index": 3, "severity": "warning", "group": "markerSupplies",
                               "code": 1104, "description": "Cyan toner low", "time_ticks": 100}]},
        "counters": {"marker_life": [{"marker": 1, "unit": "impressions", "value": 123456}],
                     "pwg": [{"name": "TotalImpressions", "value": 5000}],
                     "vendor": [{"name": "Black Printed Impressions", "unit": "impressions", "value": 80000}]},
        "supplies": [
            {"index": 1, "description": "Cyan Toner", "type": "toner", "class": "supplyThatIsConsumed",
             "unit": "percent", "max_capacity": 100, "level": 4, "level_kind": "actual"},
            {"index": 2, "description": "Magenta Toner", "type": "toner", "class": "supplyThatIsConsumed",
             "unit": "percent", "max_capacity": 100, "level": 60, "level_kind": "actual"},
            {"index": 3, "description": "Yellow Toner", "type": "toner", "class": "supplyThatIsConsumed",
             "unit": "percent", "max_capacity": 100, "level": 75, "level_kind": "actual"},
            {"index": 4, "description": "Black Toner", "type": "toner", "class": "supplyThatIsConsumed",
             "unit": "percent", "max_capacity": 100, "level": 90, "level_kind": "actual"},
            {"index": 5, "description": "Waste Toner Box", "type": "wasteToner", "class": "receptacleThatIsFilled",
             "unit": "other", "max_capacity": -1, "level": null, "level_kind": "some_remaining"}
        ]
    })
}

fn hostile_mono() -> Value {
    json!({
        "identity": {"sys_descr": "Mono \u{1}printer", "sys_location": HOSTILE_LOCATION,
                     "serial_number": "=HYPERLINK(\"http://evil\")", "vendor": "Acme, Inc.",
                     "model": "M-1 \"fast\""},
        "network": {"mac_addresses": ["00:11:22:33:44:55"]},
        "status": {"device_status": "running"},
        "counters": {"marker_life": [{"marker": 1, "unit": "impressions", "value": 18446744073709551615u64}]},
        "supplies": [
            {"index": 1, "description": "Black Toner, \"XL\"", "type": "toner", "class": "supplyThatIsConsumed",
             "unit": "tenThousandthsOfInches", "max_capacity": 20000, "level": 10000, "level_kind": "actual"}
        ]
    })
}

fn unidentified() -> Value {
    json!({})
}

fn snapshots() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (name, v) in [
        ("a-colour.json", colour_mfp()),
        ("b-mono.json", hostile_mono()),
        ("c-nothing.json", unidentified()),
    ] {
        std::fs::write(dir.path().join(name), v.to_string()).unwrap();
    }
    std::fs::write(dir.path().join("README.txt"), "not a snapshot").unwrap();
    dir
}

fn report(dir: &Path, format: &str, out: &Path) {
    let out = fleetwire(&[
        "report",
        "--format",
        format,
        "--from",
        dir.to_str().unwrap(),
        "-o",
        out.to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert!(stdout(&out).is_empty());
}

fn html_report() -> (tempfile::TempDir, PathBuf, String) {
    let dir = snapshots();
    let path = dir.path().join("audit.html");
    report(dir.path(), "html", &path);
    let text = std::fs::read_to_string(&path).unwrap();
    (dir, path, text)
}

fn xpath(path: &Path, expr: &str) -> String {
    let out = run_tool(
        "xmllint",
        &["--noout", "--xpath", expr, path.to_str().unwrap()],
    );
    assert!(
        out.status.success(),
        "{expr}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap().trim().to_owned()
}

#[test]
fn html_is_well_formed_self_contained_and_escapes_device_strings() {
    let (_dir, path, text) = html_report();
    // No script, no external asset of any kind.
    for banned in [
        "<script",
        "<link",
        "<img",
        "src=",
        "url(",
        "href=\"http",
        "@import",
    ] {
        assert!(!text.contains(banned), "{banned} in the report");
    }
    // The hostile location is text, not markup.
    assert!(text.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"));
    assert!(
        text.contains("Mono \u{fffd}printer"),
        "control character replaced"
    );

    if !require_tool("xmllint") {
        return;
    }
    let out = run_tool("xmllint", &["--noout", path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let count = |e: &str| xpath(&path, &format!("count(//*[local-name()='{e}'])"));
    assert_eq!(count("section"), "3");
    // Each device with supplies has a supply chart, each with meters a meter chart.
    assert_eq!(
        xpath(&path, "count(//*[local-name()='svg'][@class='supplies'])"),
        "2"
    );
    assert_eq!(
        xpath(&path, "count(//*[local-name()='svg'][@class='meters'])"),
        "2"
    );
    // One bar per supply with a level (the waste box: "some remaining", a faint stub).
    assert_eq!(
        xpath(&path, "count(//*[local-name()='rect'][@class='level'])"),
        "6"
    );
    assert_eq!(xpath(&path, "string(//*[@id='device-count'])"), "3");
    // Cyan at 4% is the one low supply.
    assert_eq!(xpath(&path, "string(//*[@id='low-count'])"), "1");
    assert_eq!(
        xpath(&path, "count(//*[local-name()='g'][@class='supply low'])"),
        "1"
    );
    // The cyan bar is 4% of the track, the magenta 60%.
    let width = |d: &str| {
        xpath(
            &path,
            &format!(
                "string(//*[local-name()='g'][starts-with(*[local-name()='title'],'{d}')]/*[@class='level']/@width)"
            ),
        )
    };
    assert_eq!(width("Cyan"), (240 * 4 / 100).to_string());
    assert_eq!(width("Magenta"), (240 * 60 / 100).to_string());
    // Devices by key: serial number, then the file name when the snapshot names nothing.
    let heading = |i: usize| {
        xpath(
            &path,
            &format!("normalize-space(//*[@id='device-{i}']/*[local-name()='h2']/text())"),
        )
    };
    assert_eq!(heading(0), "3TB123456");
    assert_eq!(heading(1), "=HYPERLINK(\"http://evil\")");
    assert_eq!(heading(2), "c-nothing");
    // The hostile location reads back exactly (modulo XML's newline handling).
    let loc = xpath(
        &path,
        "string(//*[@id='device-1']//*[local-name()='th'][.='Location']/following-sibling::*[1])",
    );
    assert_eq!(loc, HOSTILE_LOCATION);
    // The largest meter value is printed in full.
    assert!(text.contains("18 446 744 073 709 551 615"));
}

/// RFC 4180 records read back by Python's csv module.
fn python_csv(path: &Path) -> Vec<Vec<String>> {
    let script = "import csv, json, sys\n\
                  with open(sys.argv[1], newline='') as f:\n\
                  \x20   rows = list(csv.reader(f, strict=True))\n\
                  print(json.dumps(rows))";
    let out = run_tool("python3", &["-c", script, path.to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

#[test]
fn csv_rows_per_device_supply_and_meter_read_back() {
    let dir = snapshots();
    let path = dir.path().join("audit.csv");
    report(dir.path(), "csv", &path);
    let bytes = std::fs::read(&path).unwrap();
    let text = String::from_utf8(bytes).unwrap();
    assert!(text.ends_with("\r\n"));
    assert!(
        !text.replace("\r\n", "").contains("\r"),
        "only CRLF ends records"
    );
    assert_eq!(text.lines().next().unwrap(), COLUMNS.join(","));

    if !require_tool("python3") {
        return;
    }
    let rows = python_csv(&path);
    assert_eq!(rows[0], COLUMNS);
    assert!(rows.iter().all(|r| r.len() == COLUMNS.len()));
    let col = |name: &str| COLUMNS.iter().position(|c| *c == name).unwrap();
    let records: Vec<(&str, &str)> = rows[1..]
        .iter()
        .map(|r| (r[col("record")].as_str(), r[col("device")].as_str()))
        .collect();
    let count = |kind: &str| records.iter().filter(|(k, _)| *k == kind).count();
    assert_eq!(count("device"), 3);
    assert_eq!(count("supply"), 6);
    assert_eq!(count("meter"), 4);
    // Device by device: the device row first, then its supplies and meters.
    assert_eq!(records[0], ("device", "3TB123456"));
    assert_eq!(records[1], ("supply", "3TB123456"));
    let find = |kind: &str, device: &str, column: &str, value: &str| {
        rows.iter()
            .find(|r| {
                r[col("record")] == kind && r[col("device")] == device && r[col(column)] == value
            })
            .unwrap_or_else(|| panic!("no {kind} row of {device} with {column}={value}"))
            .clone()
    };
    let cyan = find("supply", "3TB123456", "supply_description", "Cyan Toner");
    assert_eq!(cyan[col("supply_level")], "4");
    assert_eq!(cyan[col("supply_percent")], "4");
    assert_eq!(cyan[col("supply_low")], "true");
    assert_eq!(cyan[col("supply_type")], "toner");
    let waste = find("supply", "3TB123456", "supply_index", "5");
    assert_eq!(waste[col("supply_level")], "some-remaining");
    assert_eq!(waste[col("supply_max_capacity")], "other");
    assert_eq!(waste[col("supply_percent")], "");
    let colour = find("device", "3TB123456", "record", "device");
    assert_eq!(colour[col("ipv4_addresses")], "10.0.0.7");
    assert_eq!(colour[col("detected_errors")], "lowToner");
    assert_eq!(
        colour[col("alerts")],
        "warning markerSupplies 1104: Cyan toner low"
    );
    assert_eq!(colour[col("supply_index")], "");

    // Hostile strings survive the round trip; the formula is neutralised with a quote.
    let key = "=HYPERLINK(\"http://evil\")";
    let mono = find("device", key, "record", "device");
    assert_eq!(mono[col("sys_location")], HOSTILE_LOCATION);
    assert_eq!(mono[col("serial_number")], format!("'{key}"));
    assert_eq!(mono[col("vendor")], "Acme, Inc.");
    assert_eq!(mono[col("model")], "M-1 \"fast\"");
    let toner = find("supply", key, "supply_index", "1");
    assert_eq!(toner[col("supply_description")], "Black Toner, \"XL\"");
    assert_eq!(toner[col("supply_percent")], "50");
    let meter = find("meter", key, "meter_source", "marker_life");
    assert_eq!(meter[col("meter_name")], "marker 1 (impressions)");
    assert_eq!(meter[col("meter_value")], u64::MAX.to_string());
    find(
        "meter",
        "3TB123456",
        "meter_name",
        "Black Printed Impressions (impressions)",
    );
    find("device", "c-nothing", "source_file", "c-nothing.json");
}

#[test]
fn standard_output_and_errors_naming_the_file() {
    let dir = snapshots();
    let out = fleetwire(&[
        "report",
        "--format",
        "csv",
        "--from",
        dir.path().to_str().unwrap(),
    ]);
    assert!(out.status.success(), "{}", stderr(&out));
    assert_eq!(stdout(&out).matches("\r\ndevice,").count(), 3);

    std::fs::write(dir.path().join("d-broken.json"), "{\"supplies\": [{}]}").unwrap();
    let out = fleetwire(&[
        "report",
        "--format",
        "html",
        "--from",
        dir.path().to_str().unwrap(),
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(stderr(&out).contains("d-broken.json"), "{}", stderr(&out));

    let out = fleetwire(&[
        "report",
        "--format",
        "html",
        "--from",
        "/nonexistent/snapshots",
    ]);
    assert_eq!(out.status.code(), Some(2));
    assert!(
        stderr(&out).contains("/nonexistent/snapshots"),
        "{}",
        stderr(&out)
    );
}

/// Decodes an 8-bit RGB/RGBA non-interlaced PNG (what Chromium writes): (width, height,
/// pixels as RGB triples).
fn decode_png(data: &[u8]) -> (usize, usize, Vec<[u8; 3]>) {
    use std::io::Read as _;
    assert_eq!(&data[..8], b"\x89PNG\r\n\x1a\n");
    let (mut pos, mut idat, mut header) = (8, Vec::new(), None);
    while pos + 8 <= data.len() {
        let n = u32::from_be_bytes(data[pos..pos + 4].try_into().unwrap()) as usize;
        let kind = &data[pos + 4..pos + 8];
        let body = &data[pos + 8..pos + 8 + n];
        pos += 12 + n;
        match kind {
            b"IHDR" => {
                let w = u32::from_be_bytes(body[0..4].try_into().unwrap()) as usize;
                let h = u32::from_be_bytes(body[4..8].try_into().unwrap()) as usize;
                assert_eq!((body[8], body[12]), (8, 0), "8-bit, not interlaced");
                let bpp = match body[9] {
                    2 => 3,
                    6 => 4,
                    t => panic!("colour type {t}"),
                };
                header = Some((w, h, bpp));
            }
            b"IDAT" => idat.extend_from_slice(body),
            _ => {}
        }
    }
    let (w, h, bpp) = header.unwrap();
    let mut raw = Vec::new();
    flate2::read::ZlibDecoder::new(&idat[..])
        .read_to_end(&mut raw)
        .unwrap();
    let stride = w * bpp;
    let mut prev = vec![0u8; stride];
    let mut pixels = Vec::with_capacity(w * h);
    for y in 0..h {
        let start = y * (stride + 1);
        let filter = raw[start];
        let mut line = raw[start + 1..start + 1 + stride].to_vec();
        for x in 0..stride {
            let a = if x >= bpp { line[x - bpp] } else { 0 };
            let (b, c) = (prev[x], if x >= bpp { prev[x - bpp] } else { 0 });
            line[x] = line[x].wrapping_add(match filter {
                0 => 0,
                1 => a,
                2 => b,
                3 => ((u16::from(a) + u16::from(b)) / 2) as u8,
                4 => {
                    let p = i16::from(a) + i16::from(b) - i16::from(c);
                    let (pa, pb, pc) = (
                        (p - i16::from(a)).abs(),
                        (p - i16::from(b)).abs(),
                        (p - i16::from(c)).abs(),
                    );
                    if pa <= pb && pa <= pc {
                        a
                    } else if pb <= pc {
                        b
                    } else {
                        c
                    }
                }
                f => panic!("filter {f}"),
            });
        }
        pixels.extend(line.chunks(bpp).map(|p| [p[0], p[1], p[2]]));
        prev = line;
    }
    (w, h, pixels)
}

/// Pixels within a small distance of `rgb`.
fn count_colour(pixels: &[[u8; 3]], rgb: u32) -> usize {
    let t = rgb.to_be_bytes();
    pixels
        .iter()
        .filter(|p| (0..3).all(|k| p[k].abs_diff(t[k + 1]) <= 12))
        .count()
}

#[test]
fn headless_chromium_renders_the_bars() {
    if !require_tool("chromium-headless-shell") {
        return;
    }
    let (dir, path, _) = html_report();
    let url = format!("file://{}", path.display());
    let profile = dir.path().join("profile");
    let base = [
        "--headless".to_owned(),
        "--no-sandbox".to_owned(),
        "--disable-gpu".to_owned(),
        "--no-first-run".to_owned(),
        format!("--user-data-dir={}", profile.display()),
    ];
    // The DOM as Chromium's HTML parser built it: SVG stayed SVG, escaped text stayed text.
    let mut args = base.to_vec();
    args.extend(["--dump-dom".to_owned(), url.clone()]);
    let out = run_tool_with_timeout("chromium-headless-shell", &args, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let dom = String::from_utf8_lossy(&out.stdout);
    assert_eq!(dom.matches("<svg").count(), 4, "{dom}");
    assert_eq!(dom.matches("<script").count(), 0);
    assert!(dom.contains("&lt;script&gt;alert"));

    // A screenshot: the cyan bar (4%, drawn in the low colour), and the magenta and yellow bars
    // are on the page in their colours, in proportion to their levels.
    let png = dir.path().join("shot.png");
    let mut args = base.to_vec();
    args.extend([
        format!("--screenshot={}", png.display()),
        "--window-size=1000,2600".to_owned(),
        "--hide-scrollbars".to_owned(),
        url,
    ]);
    let out = run_tool_with_timeout("chromium-headless-shell", &args, Duration::from_secs(60));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (width, _, pixels) = decode_png(&std::fs::read(&png).unwrap());
    assert_eq!(width, 1000);
    let counts: Vec<usize> = [0xb00020, 0xd0208f, 0xe8c800]
        .iter()
        .map(|c| count_colour(&pixels, *c))
        .collect();
    let (low, magenta, yellow) = (counts[0], counts[1], counts[2]);
    // Bars are 16px high: magenta 144px wide, yellow 180px, the low cyan bar 9px (plus the
    // red "LOW" labels and summary text in the same colour).
    assert!((144 * 14..=144 * 17).contains(&magenta), "{counts:?}");
    assert!((180 * 14..=180 * 17).contains(&yellow), "{counts:?}");
    assert!(low >= 9 * 14, "{counts:?}");
}
