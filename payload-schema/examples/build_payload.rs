//! Build and zip a payload from a collector snapshot, then read the package back.
//!
//! ```text
//! cargo run -p fleetwire-payload --example build_payload -- out.zip
//! cargo run -p fleetwire-payload --example build_payload -- out.zip --locked-down
//! ```
//!
//! The snapshot is what `fleetwire collect --json` prints for one printer; here it is inline so
//! the example runs without a device.

use std::fs::File;
use std::io::BufWriter;

use fleetwire_payload::{
    BuildPolicy, Consent, Document, Limits, OfficeDevicePayload, PackageReader, PackageWriter,
    SecurityMode, Snapshot, Timestamp,
};

const SNAPSHOT: &str = r#"{
  "identity": {"sys_descr": "Xerox VersaLink C405", "sys_object_id": "1.3.6.1.4.1.253.8.62.1.35.1.1.1",
               "sys_name": "prn-7.corp.example", "sys_location": "Building 2, floor 3",
               "sys_contact": null, "serial_number": "3TB123456", "vendor": "Xerox",
               "model": "VersaLink C405"},
  "network": {"mac_addresses": ["9c:93:4e:01:02:03"],
              "ipv4": [{"address": "10.0.0.7", "netmask": "255.255.255.0"}]},
  "status": {"device_status": "warning", "printer_status": "idle",
             "detected_errors": ["lowToner"], "alerts": []},
  "counters": {"marker_life": [{"marker": 1, "unit": "impressions", "value": 123456}],
               "pwg": [], "vendor": [{"name": "Total Impressions", "unit": "impressions", "value": 123456}]},
  "supplies": [
    {"index": 1, "description": "Black Toner Cartridge", "type": "toner", "class": "supplyThatIsConsumed",
     "unit": "percent", "max_capacity": 100, "level": 8, "level_kind": "actual"},
    {"index": 2, "description": "Waste Toner Container", "type": "wasteToner",
     "class": "receptacleThatIsFilled", "unit": "percent", "max_capacity": -1, "level": null,
     "level_kind": "some_remaining"}
  ]
}"#;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let out = args.first().map_or("payload.zip", String::as_str);
    let mode = if args.iter().any(|a| a == "--locked-down") {
        SecurityMode::LockedDown
    } else {
        SecurityMode::Normal
    };

    // 1. The collector's snapshot becomes a device record, built under the site's policy.
    let snapshot: Snapshot = serde_json::from_str(SNAPSHOT)?;
    let policy = BuildPolicy {
        mode,
        consent: Consent::NONE,
    };
    let payload = OfficeDevicePayload::build(
        Timestamp::now(),
        snapshot.to_device_record(),
        None,
        Vec::new(),
        &policy,
    );
    let doc = Document::Office(Box::new(payload));

    // 2. Serialised straight into a zip entry, with the manifest's SHA-256.
    let mut package = PackageWriter::new(BufWriter::new(File::create(out)?), Timestamp::now());
    let entry = package.add_document("office-3TB123456.xml", &doc)?;
    package.finish()?;
    println!(
        "{out}: {} ({} bytes, sha256 {})",
        entry.name, entry.size, entry.sha256
    );

    // 3. Read back under the default limits (zip bombs refused), verified against the manifest.
    let mut reader = PackageReader::open(File::open(out)?, Limits::default())?;
    let parsed = reader.read_document("office-3TB123456.xml")?;
    assert_eq!(parsed.document, doc);
    let xml = String::from_utf8(reader.read_entry("office-3TB123456.xml")?)?;
    println!("IP address present: {}", xml.contains("10.0.0.7"));
    Ok(())
}
