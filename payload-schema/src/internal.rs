//! Sample payloads and fuzzing entry points (not a stable API).
//!
//! The samples feed the tests, the fuzz seed corpora, the benchmark, the example and the CLI
//! tests, so all of them exercise the same documents. `fuzz/fuzz_targets/payload_xml.rs` and
//! `zip_read.rs` call [`fuzz_payload_xml`] and [`fuzz_zip_read`]; `tests/fuzz_corpus.rs` replays
//! the committed corpora through them on stable.

use std::io::Cursor;
use std::net::{IpAddr, Ipv4Addr};

use crate::*;

fn text(s: &str) -> Text {
    Text::sanitize(s).unwrap_or_else(|| Text::literal("x"))
}

/// A fixed instant for samples: 2027-01-15T08:00:00Z.
pub fn sample_time() -> Timestamp {
    Timestamp::from_unix(1_800_000_000).unwrap_or_else(Timestamp::now)
}

/// A realistic office device, number `i` of a fleet (distinct serials, MACs and addresses).
pub fn sample_device(i: u32) -> DeviceRecord {
    let [a, b, c, d] = i.to_be_bytes();
    let at = |s: i64| Timestamp::from_unix(1_790_000_000 + s).unwrap_or_else(sample_time);
    let supplies = [
        ("Black Toner Cartridge", "K", 8_000u32, 1),
        ("Cyan Toner Cartridge", "C", 6_000, 2),
        ("Magenta Toner Cartridge", "M", 6_000, 3),
        ("Yellow Toner Cartridge", "Y", 6_000, 4),
    ];
    let mut consumable: Vec<Consumable> = supplies
        .iter()
        .map(|&(name, colorant, max, index)| Consumable {
            index,
            name: text(name),
            supply_type: SupplyType::Toner,
            class: SupplyClass::Consumed,
            unit: SupplyUnit::Impressions,
            max_capacity: Capacity::Actual(max),
            level: SupplyLevel::Actual((i * 37 + index * 911) % max),
            colorant: Some(text(colorant)),
            manufacturer: Some(text("Xerox")),
            model: Some(text(&format!("106R0{}", 3480 + index))),
            serial_number: None,
            status: Some(text("ok")),
            lifetime_count: Some(u64::from(i) * 13 + u64::from(index)),
        })
        .collect();
    consumable.push(Consumable::new(
        5,
        text("Waste Toner Container"),
        SupplyType::WasteToner,
        SupplyClass::Filled,
        SupplyUnit::Percent,
        Capacity::Other,
        SupplyLevel::SomeRemaining,
    ));
    DeviceRecord {
        identity: Identity {
            manufacturer: Some(text("Xerox")),
            model: Some(text("VersaLink C405")),
            serial_number: Some(text(&format!("3TB{i:06}"))),
            asset_tag: Some(text(&format!("ASSET-{i:05}"))),
            queue_name: Some(text(&format!("\\\\print01\\floor{}-c405", i % 12))),
            description: Some(text(
                "Xerox VersaLink C405; SS 46.41.20, NC 46.41.20, UI 46.41.20",
            )),
            object_id: Some(text("1.3.6.1.4.1.253.8.62.1.35.1.1.1")),
            location: Some(text(&format!(
                "Building 2, floor {}, room {}",
                i % 12,
                i % 40
            ))),
            module: vec![
                Module {
                    name: text("controller"),
                    firmware: Some(text("46.41.20")),
                    serial_number: Some(text(&format!("CTL{i:07}"))),
                    installed: Some(at(0)),
                },
                Module {
                    name: text("engine"),
                    firmware: Some(text("1.12.3")),
                    serial_number: None,
                    installed: None,
                },
            ],
            license: vec![License {
                feature: text("scan-to-cloud"),
                expires: Some(at(31_536_000)),
            }],
        },
        network: Network {
            mac: vec![MacAddress::new([0x9c, 0x93, 0x4e, b, c, d])],
            ipv4: vec![Ipv4Interface {
                address: Ipv4Addr::new(10, a.wrapping_add(b), c, d),
                netmask: Some(Ipv4Addr::new(255, 255, 0, 0)),
            }],
            dns_name: Some(text(&format!("prn-{i:05}.corp.example"))),
            gateway: Some(Ipv4Addr::new(10, 0, 0, 1)),
            ipx_network: None,
            ipx_node: None,
        },
        properties: Properties {
            hardware: vec![
                Property {
                    name: text("memory"),
                    value: text("2048 MiB"),
                },
                Property {
                    name: text("duplex"),
                    value: text("installed"),
                },
            ],
            software: vec![Property {
                name: text("pdl"),
                value: text("PCL6 PostScript3 PDF"),
            }],
            feature: vec![text("scan"), text("fax")],
        },
        status: Status {
            device_status: Some(if i.is_multiple_of(10) {
                DeviceStatus::Warning
            } else {
                DeviceStatus::Running
            }),
            printer_status: Some(PrinterStatus::Idle),
            detected_error: if i.is_multiple_of(10) {
                vec![DetectedError::LowToner]
            } else {
                vec![]
            },
            alert: if i.is_multiple_of(10) {
                vec![Alert {
                    index: 1,
                    severity: AlertSeverity::Warning,
                    group: AlertGroup::MarkerSupplies,
                    code: 1104,
                    description: Some(text("Black toner is low <order now>")),
                    time_ticks: Some(123_456),
                }]
            } else {
                vec![]
            },
            console_message: vec![text("Ready")],
            fault_count: vec![FaultCount {
                code: text("075-100"),
                count: u64::from(i % 7),
            }],
            event: vec![],
            transmission: vec![],
            discovery: Some(Discovery {
                at: at(86_400),
                method: text("snmp-range"),
            }),
            uptime_seconds: Some(u64::from(i) * 3_600),
            trap: vec![],
        },
        counters: Counters {
            meter: vec![
                Meter {
                    category: MeterCategory::MarkerLife,
                    name: text("marker 1"),
                    unit: Some(text("impressions")),
                    value: u64::from(i) * 1_000 + 12_345,
                },
                Meter {
                    category: MeterCategory::Billing,
                    name: text("Total Impressions"),
                    unit: Some(text("impressions")),
                    value: u64::from(i) * 1_000 + 12_345,
                },
                Meter {
                    category: MeterCategory::Billing,
                    name: text("Color Impressions"),
                    unit: Some(text("impressions")),
                    value: u64::from(i) * 400 + 2_345,
                },
                Meter {
                    category: MeterCategory::Copy,
                    name: text("Copies"),
                    unit: None,
                    value: u64::from(i) * 77,
                },
                Meter {
                    category: MeterCategory::Scan,
                    name: text("Scans"),
                    unit: None,
                    value: u64::from(i) * 51,
                },
                Meter {
                    category: MeterCategory::Pwg,
                    name: text("TotalImpressions"),
                    unit: None,
                    value: u64::MAX - u64::from(i),
                },
            ],
        },
        consumable,
        usage: None,
    }
}

/// The agent identity used by the samples.
pub fn sample_agent(devices: u64) -> AgentIdentity {
    AgentIdentity {
        host_name: Some(text("fleet-agent.corp.example")),
        host_address: vec![
            IpAddr::V4(Ipv4Addr::new(10, 0, 0, 5)),
            "fd00::5".parse().unwrap_or(IpAddr::V4(Ipv4Addr::LOCALHOST)),
        ],
        os: text("Debian GNU/Linux 12"),
        cpu: Some(text("x86_64, 2 cores")),
        memory_mib: Some(4096),
        disk_free_mib: Some(51_200),
        app_version: text(env!("CARGO_PKG_VERSION")),
        licence_expires: Timestamp::from_unix(1_830_000_000),
        database: vec![DatabaseSize {
            name: text("spool"),
            bytes: 1_048_576,
        }],
        devices_in_scope: devices,
        devices_out_of_scope: 3,
        critical_service: vec![Service {
            name: text("snmp-poller"),
            running: true,
        }],
    }
}

fn job(i: u32) -> CustomerJob {
    CustomerJob {
        submitted: sample_time(),
        name: Pii::new(text(&format!("quarterly-report-{i}.pdf"))),
        user: Pii::new(text("alice")),
        email: Email::new("alice@example.com").ok().map(Pii::new),
        impressions: 12,
        color: true,
    }
}

/// One sample of every payload kind (the manifest included), built with full consent in
/// Normal mode, so every element appears somewhere.
pub fn sample_documents() -> Vec<Document> {
    let policy = BuildPolicy {
        mode: SecurityMode::Normal,
        consent: Consent::ALL,
    };
    let at = sample_time();
    let mut office_device = sample_device(10);
    office_device.usage = Some(Usage {
        hfsi: vec![Hfsi {
            name: text("fuser"),
            count: 98_000,
            threshold: Some(100_000),
        }],
        nvm: vec![Nvm {
            location: text("700-123"),
            value: text("1"),
        }],
        part_replacement: vec![PartReplacement {
            part: text("drum K"),
            at,
            impressions: Some(50_000),
        }],
        fault_resolution: vec![FaultResolution {
            code: text("075-100"),
            resolved: at,
            action: Some(text("cleared jam")),
        }],
    });
    office_device.status.event = vec![Event {
        at,
        code: text("power-on"),
        description: None,
    }];
    office_device.status.transmission = vec![Transmission {
        at,
        kind: text("office"),
        accepted: true,
    }];
    office_device.status.trap = vec![TrapRecord {
        at,
        trap_oid: text("1.3.6.1.2.1.43.18.2.0.1"),
        summary: Some(text("alert 1 added")),
    }];
    let engineering = Some(Engineering {
        entry: vec![DebugEntry {
            name: text("last-job-owner"),
            value: Pii::new(text("alice")),
        }],
    });
    let office = OfficeDevicePayload::build(
        at,
        office_device.clone(),
        engineering.clone(),
        vec![job(1)],
        &policy,
    );
    let production = ProductionDevicePayload::build(
        at,
        sample_device(11),
        ProductionData {
            fault: FaultHistory::newest(
                (0..45)
                    .map(|n| Fault {
                        at,
                        code: text(&format!("0{n}-100")),
                        description: None,
                        impressions: Some(n),
                    })
                    .collect(),
            ),
            jam: vec![Jam {
                location: text("tray 3 feed"),
                count: 4,
            }],
            cru_replacement: vec![CruReplacement {
                cru: text("drum C"),
                at,
                impressions: Some(80_000),
            }],
            cru_failure: vec![CruFailure {
                cru: text("fuser"),
                at,
                code: text("010-397"),
            }],
            distribution: vec![Distribution {
                kind: DistributionKind::RunLength,
                bucket: vec![
                    Bucket {
                        label: text("1"),
                        count: 500,
                    },
                    Bucket {
                        label: text("2-10"),
                        count: 120,
                    },
                ],
            }],
            coverage: vec![Coverage {
                colorant: text("cyan"),
                marked_pixels: 9_876_543_210,
                average_coverage: PartsPerMillion(52_000),
            }],
            power_state: vec![PowerState {
                state: text("sleep"),
                seconds: 86_000,
            }],
        },
        engineering,
        vec![job(2)],
        &policy,
    );
    let agent = AgentPayload::build(
        at,
        sample_agent(3),
        (0..3).map(sample_device).collect(),
        vec![JobRecord {
            at,
            user: Pii::new(text("bob")),
            device_serial: Some(text("3TB000001")),
            document: Some(Pii::new(text("invoice.docx"))),
            impressions: 2,
            color: false,
        }],
        vec![PolicyViolation {
            at,
            user: Pii::new(text("bob")),
            policy: text("no colour for drafts"),
            device_serial: None,
            action: text("converted to mono"),
        }],
        &policy,
    );
    let site = SiteInformation {
        namespace: Namespace,
        schema_version: SchemaVersion::CURRENT,
        site_id: text("SITE-0042"),
        company: text("Example & Sons Ltd"),
        customer_number: Some(text("C-100200")),
        address: Address {
            line: vec![text("1 Main Street")],
            city: text("Rochester"),
            region: Some(text("NY")),
            postal_code: Some(text("14604")),
            country: text("US"),
        },
        time_zone: Some(text("America/New_York")),
        contact: vec![Contact {
            role: Some(text("key operator")),
            name: Pii::new(text("Carol Key")),
            email: Pii::new(Email::literal("carol@example.com")),
            phone: Some(Pii::new(text("+1 585 555 0100"))),
        }],
    };
    let registration = Registration {
        namespace: Namespace,
        schema_version: SchemaVersion::CURRENT,
        agent_id: text("agent-7"),
        app_version: text("0.1.0"),
        registered: at,
        location: text("Building 2"),
        contact_email: Pii::new(Email::literal("ops@example.com")),
        site_id: Some(text("SITE-0042")),
    };
    let request = |id: &str, action: Action| ActionRequest {
        namespace: Namespace,
        schema_version: SchemaVersion::CURRENT,
        id: text(id),
        target: text("3TB000010"),
        issued: at,
        expires: Timestamp::from_unix(1_800_003_600),
        action,
    };
    let result = |id: &str, action: ActionKind, outcome: Outcome| ActionResult {
        namespace: Namespace,
        schema_version: SchemaVersion::CURRENT,
        request_id: text(id),
        target: text("3TB000010"),
        action,
        completed: at,
        outcome,
    };
    let mut docs = vec![
        Document::Office(Box::new(office)),
        Document::Production(Box::new(production)),
        Document::Agent(Box::new(agent)),
        Document::Site(Box::new(site)),
        Document::Registration(Box::new(registration)),
    ];
    for (n, action) in [
        Action::GetStatus,
        Action::Reboot,
        Action::Upgrade(Upgrade {
            version: text("46.42.0"),
            image: text("c405-46.42.0.dlm"),
            sha256: Sha256::digest(b"firmware"),
        }),
        Action::Troubleshoot,
        Action::PrintTestPage,
        Action::StartManaging,
    ]
    .into_iter()
    .enumerate()
    {
        docs.push(Document::ActionRequest(Box::new(request(
            &format!("req-{n}"),
            action,
        ))));
    }
    docs.push(Document::ActionResult(Box::new(result(
        "req-0",
        ActionKind::GetStatus,
        Outcome::Succeeded(Succeeded {
            message: None,
            check: vec![],
            device: Some(Box::new(sample_device(10))),
        }),
    ))));
    docs.push(Document::ActionResult(Box::new(result(
        "req-3",
        ActionKind::Troubleshoot,
        Outcome::Succeeded(Succeeded {
            message: Some(text("reachable")),
            check: vec![Check {
                name: text("snmp"),
                passed: true,
                detail: Some(text("v2c")),
            }],
            device: None,
        }),
    ))));
    docs.push(Document::ActionResult(Box::new(result(
        "req-2",
        ActionKind::Upgrade,
        Outcome::Refused(Failure {
            reason: text("signature check failed"),
        }),
    ))));
    docs.push(Document::ActionResult(Box::new(result(
        "req-1",
        ActionKind::Reboot,
        Outcome::Failed(Failure {
            reason: text("prtGeneralReset: noAccess"),
        }),
    ))));
    docs.push(Document::Transactions(Box::new(TransactionBatch {
        namespace: Namespace,
        schema_version: SchemaVersion::CURRENT,
        meter_serial: text("PB-0012345"),
        batch_id: text("B-2027-015"),
        opened: at,
        closed: Timestamp::from_unix(1_800_086_400).unwrap_or(at),
        currency: text("USD"),
        ascending_register: 1_234_567,
        descending_register: 98_765,
        record: (1..=3)
            .map(|n| TransactionRecord {
                sequence: 1000 + n,
                at,
                postage: 73,
                mail_class: text("first-class"),
                weight_mg: Some(28_000),
                account: if n == 2 {
                    Some(text("marketing"))
                } else {
                    None
                },
            })
            .collect(),
    })));
    for (n, trigger) in [
        Trigger::Refill(Refill {
            supply_index: 1,
            supply: text("Black Toner Cartridge"),
            level: SupplyLevel::Actual(400),
            threshold_percent: 10,
        }),
        Trigger::Audit(Audit {
            meter: text("Total Impressions"),
            value: 1_000_123,
            threshold: 1_000_000,
        }),
    ]
    .into_iter()
    .enumerate()
    {
        docs.push(Document::Threshold(Box::new(ThresholdRequest {
            namespace: Namespace,
            schema_version: SchemaVersion::CURRENT,
            id: text(&format!("thr-{n}")),
            target: text("3TB000010"),
            triggered: at,
            trigger,
        })));
    }
    docs.push(Document::Manifest(Box::new(Manifest {
        namespace: Namespace,
        schema_version: SchemaVersion::CURRENT,
        created: at,
        entry: vec![ManifestEntry {
            name: text("office-3TB000010.xml"),
            kind: PayloadKind::Office,
            size: 4_096,
            sha256: Sha256::digest(b"x"),
        }],
    })));
    docs
}

/// A package of the sample documents (the zip-reading fuzz seed).
pub fn sample_package() -> Result<Vec<u8>, PackageError> {
    let mut w = PackageWriter::new(Cursor::new(Vec::new()), sample_time());
    for (i, doc) in sample_documents()
        .iter()
        .enumerate()
        .filter(|(_, d)| d.kind() != PayloadKind::Manifest)
    {
        w.add_document(&format!("{}-{i:02}.xml", doc.kind().name()), doc)?;
    }
    Ok(w.finish()?.0.into_inner())
}

/// Fuzz entry: parse `data` as any payload; whatever parses and keeps the rules must write and
/// read back to the same document (panics otherwise: that is the fuzzer's oracle).
#[allow(clippy::panic)] // the fuzzer's oracle
pub fn fuzz_payload_xml(data: &[u8]) {
    let Ok(parsed) = Document::from_xml(data) else {
        return;
    };
    let _ = crate::validate(data);
    if !parsed.document.check_rules().is_empty() {
        return;
    }
    let xml = match parsed.document.to_xml() {
        Ok(xml) => xml,
        // A document that parsed and keeps the rules must serialize.
        Err(e) => panic!("parsed document does not serialize: {e}"),
    };
    let again = Document::from_xml(xml.as_bytes()).map(|p| p.document);
    assert!(
        again.as_ref().ok() == Some(&parsed.document),
        "round trip differs: {again:?}"
    );
}

/// Fuzz entry: open `data` as a package under the default limits and verify every entry;
/// must never panic, and never inflate past the limits.
pub fn fuzz_zip_read(data: &[u8]) {
    let Ok(mut reader) = PackageReader::open(Cursor::new(data), Limits::default()) else {
        return;
    };
    let _ = reader.verify();
    let names = reader.entry_names();
    for name in names {
        let _ = reader.read_document(&name);
    }
}

/// Seeds for the `payload_xml` fuzz target: every sample document, plus variants that reach
/// the tolerant and the refusing paths (unknown elements, a newer minor version, a wrong
/// namespace, a DTD, deep nesting, broken values).
pub fn xml_seeds() -> Result<Vec<Vec<u8>>, WriteError> {
    let mut seeds = Vec::new();
    let docs = sample_documents();
    for doc in &docs {
        seeds.push(doc.to_xml()?.into_bytes());
    }
    if let Some(office) = docs.first() {
        let xml = office.to_xml()?;
        let variants = [
            xml.replacen("<consumable>", "<consumable><chip>v2</chip>", 1),
            xml.replace("schemaVersion=\"1.0\"", "schemaVersion=\"1.9\""),
            xml.replace("schemaVersion=\"1.0\"", "schemaVersion=\"2.0\""),
            xml.replace(crate::NAMESPACE, "urn:other"),
            xml.replace("<level>some-remaining</level>", "<level>-3</level>"),
            xml.replace("<mac>", "<mac>zz"),
            xml.replace("2027-01-15T08:00:00Z", "2027-02-30T08:00:00Z"),
            xml.replacen("<device>", "<!DOCTYPE x><device>", 1),
            format!("{}{}", "<a>".repeat(70), "</a>".repeat(70)),
        ];
        seeds.extend(variants.into_iter().map(String::into_bytes));
    }
    Ok(seeds)
}

/// Seeds for the `zip_read` fuzz target: the sample package, a one-entry package, a zip bomb,
/// a package without a manifest, and a truncated package.
pub fn zip_seeds() -> Result<Vec<Vec<u8>>, PackageError> {
    use std::io::Write as _;
    let full = sample_package()?;
    let docs = sample_documents();
    let mut small = PackageWriter::new(Cursor::new(Vec::new()), sample_time());
    if let Some(doc) = docs.iter().find(|d| d.kind() == PayloadKind::Registration) {
        small.add_document("registration.xml", doc)?;
    }
    let small = small.finish()?.0.into_inner();
    let raw = |entries: &[(&str, &[u8])]| -> Result<Vec<u8>, PackageError> {
        let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default()
            .compression_method(zip::CompressionMethod::Deflated);
        for (name, data) in entries {
            z.start_file(*name, options)?;
            z.write_all(data)?;
        }
        Ok(z.finish()?.into_inner())
    };
    let bomb = raw(&[
        ("bomb.xml", &vec![0u8; 4 << 20]),
        ("manifest.xml", b"<manifest/>"),
    ])?;
    let no_manifest = raw(&[("a.xml", b"<a/>")])?;
    let truncated = full.get(..full.len() / 2).unwrap_or_default().to_vec();
    Ok(vec![full, small, bomb, no_manifest, truncated])
}
