//! The fixture recordings in agent/fixtures/recordings/: each parses strictly, holds every
//! object the collector and the demo rely on, is internally consistent, and is served by a
//! real snmpsim exactly as we parse it.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use fleetwire_snmp::snmprec::Recording;
use fleetwire_snmp::{Oid, Value};
use fleetwire_testkit::{
    NETSNMP_MACHINE_OPTIONS, NetSnmpValue, Snmpsimd, parse_netsnmp_output, require_tools,
    snmpbulkwalk, snmpwalk, stderr_text, stdout_text,
};

const FIXTURES: [&str; 4] = [
    "mailing_system",
    "office_colour_mfp",
    "office_mono_printer",
    "production_colour_press",
];

fn dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("fixtures/recordings")
}

fn fixture_paths() -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(dir())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "snmprec"))
        .collect();
    paths.sort();
    paths
}

fn load(name: &str) -> Recording {
    let path = dir().join(format!("{name}.snmprec"));
    let text = std::fs::read(&path).unwrap();
    Recording::parse(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn oid(text: &str) -> Oid<'static> {
    text.parse().unwrap()
}

/// The entries under `prefix`, keyed by the arcs after it.
fn under(r: &Recording, prefix: &str) -> BTreeMap<Vec<u32>, Value<'static>> {
    let p = oid(prefix);
    let skip = p.len();
    r.entries()
        .iter()
        .filter(|(o, _)| o.starts_with(&p) && o.len() > skip)
        .map(|(o, v)| (o.arcs().skip(skip).collect(), v.clone()))
        .collect()
}

/// A conceptual table: every listed column has a value for exactly the same rows, and there
/// is at least one row. Returns the row indexes.
fn table(r: &Recording, name: &str, entry: &str, columns: &[u32]) -> BTreeSet<Vec<u32>> {
    let mut rows: Option<BTreeSet<Vec<u32>>> = None;
    for col in columns {
        let these: BTreeSet<Vec<u32>> = under(r, &format!("{entry}.{col}")).into_keys().collect();
        match &rows {
            None => rows = Some(these),
            Some(expected) => assert_eq!(
                &these, expected,
                "{name}: column {entry}.{col} has different rows"
            ),
        }
    }
    let rows = rows.unwrap_or_default();
    assert!(!rows.is_empty(), "{name}: table {entry} is empty");
    rows
}

fn integer(r: &Recording, text: &str) -> i32 {
    match r.get(&oid(text)) {
        Some(Value::Integer(v)) => *v,
        other => panic!("{text}: expected an INTEGER, found {other:?}"),
    }
}

fn counter(r: &Recording, text: &str) -> u32 {
    match r.get(&oid(text)) {
        Some(Value::Counter32(v)) => *v,
        other => panic!("{text}: expected a Counter32, found {other:?}"),
    }
}

fn text(r: &Recording, text: &str) -> String {
    match r.get(&oid(text)) {
        Some(Value::OctetString(b)) => String::from_utf8(b.to_vec()).unwrap(),
        other => panic!("{text}: expected an OCTET STRING, found {other:?}"),
    }
}

#[test]
fn the_four_fixtures_are_there() {
    let names: Vec<String> = fixture_paths()
        .iter()
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names, FIXTURES);
}

#[test]
fn every_fixture_holds_the_required_objects() {
    let mut serials = BTreeSet::new();
    let mut macs = BTreeSet::new();
    let mut special_supply_values = BTreeSet::new();
    let mut special_input_levels = BTreeSet::new();
    for name in FIXTURES {
        let r = load(name);
        // SNMPv2-MIB system group.
        for col in 1..=7 {
            assert!(
                r.get(&oid(&format!("1.3.6.1.2.1.1.{col}.0"))).is_some(),
                "{name}: system.{col}"
            );
        }
        assert!(matches!(
            r.get(&oid("1.3.6.1.2.1.1.2.0")),
            Some(Value::ObjectIdentifier(_))
        ));
        // IF-MIB: every interface row; at least one real MAC, all in the RFC 7042
        // documentation range.
        let ifs = table(
            &r,
            name,
            "1.3.6.1.2.1.2.2.1",
            &[1, 2, 3, 4, 5, 6, 7, 8, 10, 16],
        );
        assert_eq!(
            integer(&r, "1.3.6.1.2.1.2.1.0"),
            i32::try_from(ifs.len()).unwrap()
        );
        for (_, mac) in under(&r, "1.3.6.1.2.1.2.2.1.6") {
            let Value::OctetString(mac) = mac else {
                panic!("{name}: MAC type")
            };
            if !mac.is_empty() {
                assert_eq!(mac.len(), 6, "{name}: MAC length");
                assert_eq!(
                    &mac[..5],
                    &[0x00, 0x00, 0x5e, 0x00, 0x53],
                    "{name}: MAC range"
                );
                assert!(macs.insert(mac.to_vec()), "{name}: MAC reused");
            }
        }
        // IP-MIB ipAddrTable: loopback and documentation addresses only.
        let addrs = table(&r, name, "1.3.6.1.2.1.4.20.1", &[1, 2, 3, 4]);
        for a in &addrs {
            assert!(
                a[0] == 127 || a[..3] == [192, 0, 2],
                "{name}: address {a:?} is not loopback or 192.0.2.0/24"
            );
            let Some(Value::IpAddress(value)) = r.get(&oid(&format!(
                "1.3.6.1.2.1.4.20.1.1.{}.{}.{}.{}",
                a[0], a[1], a[2], a[3]
            ))) else {
                panic!("{name}: ipAdEntAddr type")
            };
            assert_eq!(value.map(u32::from).as_slice(), a.as_slice());
        }
        assert!(
            addrs.iter().any(|a| a[0] == 192),
            "{name}: no 192.0.2.x address"
        );
        // HOST-RESOURCES: memory, storage, devices, the printer row and its error bits.
        assert!(integer(&r, "1.3.6.1.2.1.25.2.2.0") > 0);
        table(&r, name, "1.3.6.1.2.1.25.2.3.1", &[1, 2, 3, 4, 5, 6]);
        let devices = table(&r, name, "1.3.6.1.2.1.25.3.2.1", &[1, 2, 3, 4, 5, 6]);
        assert!(devices.contains(&vec![1]));
        assert_eq!(
            r.get(&oid("1.3.6.1.2.1.25.3.2.1.2.1")),
            Some(&Value::ObjectIdentifier(oid("1.3.6.1.2.1.25.3.1.5"))),
            "{name}: device 1 is not an hrDevicePrinter"
        );
        assert!((1..=5).contains(&integer(&r, "1.3.6.1.2.1.25.3.2.1.5.1")));
        assert!((1..=5).contains(&integer(&r, "1.3.6.1.2.1.25.3.5.1.1.1")));
        match r.get(&oid("1.3.6.1.2.1.25.3.5.1.2.1")) {
            Some(Value::OctetString(bits)) => {
                assert!(!bits.is_empty() && bits.len() <= 2);
                assert!(bits.iter().any(|b| *b != 0), "{name}: no error bit set");
            }
            other => panic!("{name}: hrPrinterDetectedErrorState {other:?}"),
        }
        // Printer-MIB general group: all 19 columns of row 1, an invented unique serial.
        table(
            &r,
            name,
            "1.3.6.1.2.1.43.5.1.1",
            &(1..=19).collect::<Vec<_>>(),
        );
        let serial = text(&r, "1.3.6.1.2.1.43.5.1.1.17.1");
        assert!(serial.starts_with("FW"), "{name}: serial {serial}");
        assert!(serials.insert(serial), "{name}: serial reused");
        // Covers, trays, bins, markers, supplies, colorants, console, lights, alerts.
        table(&r, name, "1.3.6.1.2.1.43.6.1.1", &[2, 3]);
        let inputs = table(
            &r,
            name,
            "1.3.6.1.2.1.43.8.2.1",
            &[2, 3, 4, 5, 8, 9, 10, 11, 12, 13, 18, 21, 22],
        );
        for i in &inputs {
            let level = integer(&r, &format!("1.3.6.1.2.1.43.8.2.1.10.{}.{}", i[0], i[1]));
            if level < 0 {
                special_input_levels.insert(level);
            }
        }
        table(&r, name, "1.3.6.1.2.1.43.9.2.1", &[2, 3, 4, 5, 6, 7, 12]);
        let markers = table(&r, name, "1.3.6.1.2.1.43.10.2.1", &[2, 3, 4, 5, 6, 15]);
        let supplies = table(&r, name, "1.3.6.1.2.1.43.11.1.1", &[2, 3, 4, 5, 6, 7, 8, 9]);
        for s in &supplies {
            let max = integer(&r, &format!("1.3.6.1.2.1.43.11.1.1.8.{}.{}", s[0], s[1]));
            let level = integer(&r, &format!("1.3.6.1.2.1.43.11.1.1.9.{}.{}", s[0], s[1]));
            for v in [max, level] {
                assert!(v >= -3, "{name}: supply {s:?} value {v}");
                if v < 0 {
                    special_supply_values.insert(v);
                }
            }
            if max > 0 {
                assert!(level <= max, "{name}: supply {s:?} above its maximum");
            }
            let class = integer(&r, &format!("1.3.6.1.2.1.43.11.1.1.4.{}.{}", s[0], s[1]));
            assert!(class == 3 || class == 4, "{name}: supply class {class}");
        }
        let colorants = table(&r, name, "1.3.6.1.2.1.43.12.1.1", &[2, 3, 4, 5]);
        for s in &supplies {
            let c = integer(&r, &format!("1.3.6.1.2.1.43.11.1.1.3.{}.{}", s[0], s[1]));
            assert!(
                c == 0 || colorants.contains(&vec![1, u32::try_from(c).unwrap()]),
                "{name}: supply {s:?} names a missing colorant {c}"
            );
        }
        table(&r, name, "1.3.6.1.2.1.43.16.5.1", &[2]);
        table(&r, name, "1.3.6.1.2.1.43.17.6.1", &[2, 3, 4, 5]);
        let alerts = table(&r, name, "1.3.6.1.2.1.43.18.1.1", &[2, 3, 4, 5, 6, 7, 8, 9]);
        assert!(counter(&r, "1.3.6.1.2.1.43.5.1.1.19.1") >= u32::try_from(alerts.len()).unwrap());
        // PWG imaging counters and Xerox-layout billing meters.
        let services = table(&r, name, "1.3.6.1.4.1.2699.1.3.1.3.1.1", &[1, 2, 3, 4, 6]);
        assert!(
            services.contains(&vec![1]),
            "{name}: no systemTotals service"
        );
        assert_eq!(integer(&r, "1.3.6.1.4.1.2699.1.3.1.3.1.1.1.1"), 3);
        table(&r, name, "1.3.6.1.4.1.2699.1.3.1.8.1.1", &[4, 5, 6, 7, 8]);
        table(&r, name, "1.3.6.1.4.1.2699.1.3.1.10.1.1", &[4, 5, 6, 7, 8]);
        let meters = table(&r, name, "1.3.6.1.4.1.253.8.53.13.2.1", &[4, 5, 6, 8, 9]);
        assert!(meters.contains(&vec![1, 20, 1]), "{name}: no total meter");
        // One page count, three ways: the marker's life count, PWG's system total
        // impressions, the vendor total meter.
        assert_eq!(markers.len(), 1);
        let life = counter(&r, "1.3.6.1.2.1.43.10.2.1.4.1.1");
        assert_eq!(
            counter(&r, "1.3.6.1.4.1.2699.1.3.1.8.1.1.4.1.3.3"),
            life,
            "{name}"
        );
        assert_eq!(
            integer(&r, "1.3.6.1.4.1.253.8.53.13.2.1.6.1.20.1"),
            i32::try_from(life).unwrap(),
            "{name}"
        );
        // PWG totals add up.
        for table_ in [8, 10] {
            let col = |c: u32| {
                counter(
                    &r,
                    &format!("1.3.6.1.4.1.2699.1.3.1.{table_}.1.1.{c}.1.3.3"),
                )
            };
            assert_eq!(
                col(4),
                col(5) + col(6) + col(7) + col(8),
                "{name}: PWG table {table_}"
            );
        }
    }
    assert_eq!(special_supply_values, BTreeSet::from([-3, -2, -1]));
    assert_eq!(special_input_levels, BTreeSet::from([-3, -2, -1]));
}

/// Our value as net-snmp prints it (with `-Ox`: every OCTET STRING as hex).
fn as_netsnmp(v: &Value<'_>) -> NetSnmpValue {
    match v {
        Value::Integer(i) => NetSnmpValue::Integer(i64::from(*i)),
        Value::OctetString(b) => NetSnmpValue::OctetString(b.to_vec()),
        Value::Null => NetSnmpValue::Null,
        Value::ObjectIdentifier(o) => NetSnmpValue::Oid(o.to_string()),
        Value::IpAddress(a) => NetSnmpValue::IpAddress((*a).into()),
        Value::Counter32(c) => NetSnmpValue::Counter32(*c),
        Value::Gauge32(g) => NetSnmpValue::Gauge32(*g),
        Value::TimeTicks(t) => NetSnmpValue::TimeTicks(*t),
        Value::Counter64(c) => NetSnmpValue::Counter64(*c),
        Value::Opaque(b) => NetSnmpValue::Opaque(b.to_vec()),
        other => panic!("fixtures use no {}", other.type_name()),
    }
}

fn walk_values(out: &std::process::Output, what: &str) -> Vec<(String, NetSnmpValue)> {
    assert!(out.status.success(), "{what}: {}", stderr_text(out));
    let mut varbinds: Vec<(String, NetSnmpValue)> = parse_netsnmp_output(&stdout_text(out))
        .into_iter()
        .map(|vb| {
            let value = vb.value().unwrap_or_else(|| panic!("{what}: {vb:?}"));
            (vb.oid, value)
        })
        .collect();
    // A walk of .1 that runs to the end prints the last OID again with endOfMibView (a bulk
    // walk once per endOfMibView in the last response).
    while varbinds
        .last()
        .is_some_and(|(_, v)| *v == NetSnmpValue::EndOfMibView)
    {
        varbinds.pop();
    }
    varbinds
}

/// Equal lists, or a failure naming the first difference (not two 300-line dumps).
fn assert_same(got: &[(String, NetSnmpValue)], expected: &[(String, NetSnmpValue)], what: &str) {
    let first = got.iter().zip(expected).position(|(g, e)| g != e);
    if let Some(i) = first {
        panic!(
            "{what}: entry {i} differs: got {:?}, expected {:?}",
            got[i], expected[i]
        );
    }
    assert_eq!(got.len(), expected.len(), "{what}: lengths differ");
}

#[test]
fn snmpsimd_serves_every_fixture_as_we_parse_it() {
    if !require_tools(&["snmpsimd", "snmpget", "snmpwalk", "snmpbulkwalk"]) {
        return;
    }
    let sim = Snmpsimd::start(&fixture_paths());
    for name in FIXTURES {
        let expected: Vec<(String, NetSnmpValue)> = load(name)
            .entries()
            .iter()
            .map(|(o, v)| (o.to_string(), as_netsnmp(v)))
            .collect();
        let mut args: Vec<String> = ["-v2c", "-c", name].map(String::from).to_vec();
        args.extend(NETSNMP_MACHINE_OPTIONS.iter().map(|s| (*s).to_owned()));
        args.extend([sim.target(), ".1".to_owned()]);
        let walked = walk_values(&snmpwalk(&args), &format!("snmpwalk {name}"));
        assert_same(&walked, &expected, &format!("snmpwalk of {name}"));
        args.splice(3..3, ["-Cr25".to_owned()]);
        let bulk = walk_values(&snmpbulkwalk(&args), &format!("snmpbulkwalk {name}"));
        assert_same(&bulk, &expected, &format!("snmpbulkwalk of {name}"));
    }
}
