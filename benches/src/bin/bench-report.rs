//! Prints a markdown report of every benchmark suite from criterion's output and the side
//! files the custom benches write (`benches/run-all.sh` runs them all, then this).
//!
//! ```text
//! cargo run -p fleetwire-benches --bin bench-report [-- --dir <criterion dir>] [--baseline <library>]
//! ```
//!
//! First a "Machine" table (CPU, cores, memory, OS and kernel, rustc, load average now, date).
//! Then, from criterion's `**/new/benchmark.json` + `new/estimates.json`:
//!
//! * `decode/*`, `encode/*` (`--bench codec`): each library's median, its ratio to the baseline
//!   library (default `fleetwire`; > 1 means slower), allocations per call when
//!   `--bench allocs` has run, pairs skipped by verification with their reason; the decode
//!   target (fleetwire ≤ 0.5 × async-snmp).
//! * `usm/*` (`--bench usm`): median and throughput, ratio to the baseline library and, for
//!   password-to-key, to `raw-hash`, and the issue's targets (`fleetwire_benches::usm::target`).
//! * `responder/*`, `manager/*`, `payload/*`, `upload/*`: one table per group by the same
//!   routine ([`print_section`]): median, throughput, `× peer` (the function's median divided
//!   by the peer's, > 1 = slower than the peer), and the group's target when the issue sets one.
//!   The payload section adds the package sizes and peak heap (`fleetwire-payload.json`).
//! * Agent sync (`--bench agent_sync`, `fleetwire-agent-sync.json`): devices, wall time,
//!   discovery + collection, devices/s, peak RSS and what the sync added.
//!
//! Ratios compare results of the same group, i.e. of the same run when the suite was run once.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fleetwire_benches::fixtures::ScenarioId;
use fleetwire_benches::{
    AGENT_SYNC_FILE, ALLOCS_FILE, LibraryId, PAYLOAD_FILE, SUPPORT_FILE, criterion_home, usm,
};
use fleetwire_payload::Timestamp;
use serde_json::Value;

/// `writeln!` into a `String` (which cannot fail).
macro_rules! w {
    ($out:expr) => {
        $out.push('\n')
    };
    ($out:expr, $($arg:tt)*) => {{
        let _ = writeln!($out, $($arg)*);
    }};
}

/// The issue's decode target: fleetwire's median ≤ this × async-snmp's.
const DECODE_MAX_VS_ASYNC_SNMP: f64 = 0.5;

#[derive(Debug, Clone)]
struct Estimate {
    median_ns: f64,
    lower_ns: f64,
    upper_ns: f64,
    /// Bytes per iteration, when the benchmark declared a byte throughput.
    bytes: Option<f64>,
    /// Elements (requests, targets) per iteration, when it declared an element throughput.
    elements: Option<f64>,
}

fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}

/// Finds every `<dir>/**/new/benchmark.json`.
fn find_benchmarks(dir: &Path, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.is_dir() {
            continue;
        }
        if path.file_name().is_some_and(|n| n == "new") {
            let bench = path.join("benchmark.json");
            if bench.is_file() {
                out.push(bench);
            }
        } else if path.file_name().is_some_and(|n| n != "report") {
            find_benchmarks(&path, out);
        }
    }
}

fn estimate(new_dir: &Path, throughput: Option<&Value>) -> Result<Estimate, String> {
    let v = read_json(&new_dir.join("estimates.json"))?;
    let median = v.get("median").ok_or("estimates.json without median")?;
    let num = |v: Option<&Value>| v.and_then(Value::as_f64).ok_or("bad estimates.json");
    let ci = median.get("confidence_interval");
    Ok(Estimate {
        median_ns: num(median.get("point_estimate"))?,
        lower_ns: num(ci.and_then(|c| c.get("lower_bound")))?,
        upper_ns: num(ci.and_then(|c| c.get("upper_bound")))?,
        bytes: throughput
            .and_then(|t| t.get("Bytes"))
            .and_then(Value::as_f64),
        elements: throughput
            .and_then(|t| t.get("Elements"))
            .and_then(Value::as_f64),
    })
}

fn fmt_time(ns: f64) -> String {
    if ns >= 1e9 {
        format!("{:.2} s", ns / 1e9)
    } else if ns >= 1e6 {
        format!("{:.2} ms", ns / 1e6)
    } else if ns >= 1e3 {
        format!("{:.2} µs", ns / 1e3)
    } else {
        format!("{ns:.1} ns")
    }
}

struct Args {
    dir: PathBuf,
    baseline: String,
}

fn parse_args() -> Result<Args, String> {
    let mut args = Args {
        dir: criterion_home(),
        baseline: LibraryId::Fleetwire.name().to_owned(),
    };
    let mut it = std::env::args().skip(1);
    while let Some(arg) = it.next() {
        match arg.as_str() {
            "--dir" => args.dir = it.next().ok_or("--dir needs a path")?.into(),
            "--baseline" => args.baseline = it.next().ok_or("--baseline needs a library")?,
            "-h" | "--help" => {
                return Err(
                    "usage: bench-report [--dir <criterion dir>] [--baseline <library>]".into(),
                );
            }
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if LibraryId::from_name(&args.baseline).is_none() {
        return Err(format!("unknown library {:?}", args.baseline));
    }
    Ok(args)
}

type Key = (String, String); // (op, scenario)

/// Every criterion result under `dir`: op (the group name's first part) → groups.
fn load(dir: &Path) -> Result<BTreeMap<String, Groups>, String> {
    let mut files = Vec::new();
    find_benchmarks(dir, &mut files);
    let mut all: BTreeMap<String, Groups> = BTreeMap::new();
    for file in &files {
        let meta = read_json(file)?;
        let Some(group) = meta.get("group_id").and_then(Value::as_str) else {
            continue;
        };
        let Some((op, scenario)) = group.split_once('/') else {
            continue;
        };
        let Some(function) = meta.get("function_id").and_then(Value::as_str) else {
            continue;
        };
        let Some(new_dir) = file.parent() else {
            continue;
        };
        let est = estimate(new_dir, meta.get("throughput"))?;
        all.entry(op.to_owned())
            .or_default()
            .entry((op.to_owned(), scenario.to_owned()))
            .or_default()
            .insert(function.to_owned(), est);
    }
    Ok(all)
}

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let all = load(&args.dir)?;
    if all.is_empty() {
        return Err(format!(
            "no criterion results under {} (run `bash benches/run-all.sh`, or one suite with `cargo bench -p fleetwire-benches --bench codec`, or pass --dir)",
            args.dir.display()
        ));
    }
    let mut out = String::new();
    w!(out, "# Fleetwire benchmark report\n");
    machine(&mut out);
    let none = Groups::new();
    let codec: Groups = ["decode", "encode"]
        .iter()
        .filter_map(|op| all.get(*op))
        .flat_map(|g| g.iter().map(|(k, v)| (k.clone(), v.clone())))
        .collect();
    if codec.is_empty() {
        missing(&mut out, "Codec", "codec");
    } else {
        print_codec(&mut out, &args, &codec);
    }
    match all.get("usm") {
        Some(groups) => print_usm(&mut out, &args, groups),
        None => missing(&mut out, "USM", "usm"),
    }
    for section in &SECTIONS {
        print_section(
            &mut out,
            &args.dir,
            section,
            all.get(section.op).unwrap_or(&none),
        );
    }
    print_agent_sync(&mut out, &args.dir);
    print!("{out}");
    Ok(())
}

/// The heading of a suite without results, saying how to get them.
fn missing(out: &mut String, title: &str, bench: &str) {
    w!(
        out,
        "## {title}\n\n_No results: run `cargo bench -p fleetwire-benches --bench {bench}`._\n"
    );
}

type Groups = BTreeMap<Key, BTreeMap<String, Estimate>>;

/// The codec tables (decode/* and encode/* groups).
fn print_codec(out: &mut String, args: &Args, groups: &Groups) {
    // Optional: verification matrix and allocation counts.
    let mut skipped: BTreeMap<Key, Vec<(String, String, String)>> = BTreeMap::new();
    let mut notes: BTreeMap<String, String> = BTreeMap::new();
    if let Ok(Value::Array(rows)) = read_json(&args.dir.join(SUPPORT_FILE)) {
        for row in rows {
            let s = |k: &str| {
                row.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            if let Some(note) = row.get("note").and_then(Value::as_str) {
                notes.insert(format!("{} {}", s("op"), s("library")), note.to_owned());
            }
            if s("status") != "ok" {
                skipped.entry((s("op"), s("scenario"))).or_default().push((
                    s("library"),
                    s("status"),
                    s("reason"),
                ));
            }
        }
    }
    let mut allocs: BTreeMap<(String, String, String), (f64, f64)> = BTreeMap::new();
    if let Ok(Value::Array(rows)) = read_json(&args.dir.join(ALLOCS_FILE)) {
        for row in rows {
            let s = |k: &str| {
                row.get(k)
                    .and_then(Value::as_str)
                    .unwrap_or_default()
                    .to_owned()
            };
            let n = |k: &str| row.get(k).and_then(Value::as_f64).unwrap_or(f64::NAN);
            allocs.insert(
                (s("op"), s("scenario"), s("library")),
                (n("allocs"), n("bytes")),
            );
        }
    }

    w!(out, "## Codec (`--bench codec`, `--bench allocs`)\n");
    w!(
        out,
        "Median of criterion samples (95% CI in brackets); `× {}` is the library's median divided by {}'s (> 1 = slower).\n",
        args.baseline,
        args.baseline
    );
    for ((op, scenario), libs) in groups {
        let title = ScenarioId::from_slug(scenario).map_or("", |s| s.description());
        w!(out, "### {op}/{scenario}\n");
        if !title.is_empty() {
            w!(out, "{title}\n");
        }
        let base = libs.get(&args.baseline).map(|e| e.median_ns);
        let show_allocs = libs
            .keys()
            .any(|l| allocs.contains_key(&(op.clone(), scenario.clone(), l.clone())));
        if show_allocs {
            w!(
                out,
                "| library | median | × {} | allocs / call | bytes / call |",
                args.baseline
            );
            w!(out, "|---|---:|---:|---:|---:|");
        } else {
            w!(out, "| library | median | × {} |", args.baseline);
            w!(out, "|---|---:|---:|");
        }
        // Known libraries in report order first, then anything else found.
        let mut order: Vec<&String> = LibraryId::ALL
            .iter()
            .filter_map(|l| libs.get_key_value(l.name()).map(|(k, _)| k))
            .collect();
        order.extend(libs.keys().filter(|k| LibraryId::from_name(k).is_none()));
        for lib in order {
            let Some(e) = libs.get(lib) else { continue };
            let ratio = base.map_or_else(|| "–".to_owned(), |b| format!("{:.2}", e.median_ns / b));
            let time = fmt_ci(e);
            let marker = if notes.contains_key(&format!("{op} {lib}")) {
                " ¹"
            } else {
                ""
            };
            if show_allocs {
                let (a, b) = allocs
                    .get(&(op.clone(), scenario.clone(), lib.clone()))
                    .map_or(("–".to_owned(), "–".to_owned()), |(a, b)| {
                        (format!("{a:.1}"), format!("{b:.0}"))
                    });
                w!(out, "| {lib}{marker} | {time} | {ratio} | {a} | {b} |");
            } else {
                w!(out, "| {lib}{marker} | {time} | {ratio} |");
            }
        }
        if base.is_none() {
            w!(
                out,
                "\n_No {} result in this group: ratios unavailable (use `--baseline <library>`)._",
                args.baseline
            );
        }
        if op == "decode" {
            ratio_target(
                out,
                LibraryId::Fleetwire.name(),
                libs,
                LibraryId::AsyncSnmp.name(),
                DECODE_MAX_VS_ASYNC_SNMP,
            );
        }
        if let Some(rows) = skipped.get(&(op.clone(), scenario.clone())) {
            w!(out, "\nNot timed:");
            for (lib, status, reason) in rows {
                w!(out, "- {lib}: {status}: {reason}");
            }
        }
        let group_notes: Vec<&String> = libs
            .keys()
            .filter_map(|l| notes.get(&format!("{op} {l}")))
            .collect();
        for note in group_notes {
            w!(out, "\n¹ {note}");
        }
        w!(out);
    }
}

/// `median [lower – upper]` of the 95% confidence interval.
fn fmt_ci(e: &Estimate) -> String {
    format!(
        "{} [{} – {}]",
        fmt_time(e.median_ns),
        fmt_time(e.lower_ns),
        fmt_time(e.upper_ns)
    )
}

/// Bytes per second, or `unit`s per second for an element throughput; `–` without one.
fn fmt_throughput(e: &Estimate, unit: &str) -> String {
    if let Some(n) = e.elements.filter(|_| e.median_ns > 0.0) {
        return format!("{:.0} {unit}/s", n / (e.median_ns * 1e-9));
    }
    match e.bytes {
        Some(bytes) if e.median_ns > 0.0 => {
            let per_s = bytes / (e.median_ns * 1e-9);
            if per_s >= 1024.0 * 1024.0 * 1024.0 {
                format!("{:.2} GiB/s", per_s / (1024.0 * 1024.0 * 1024.0))
            } else {
                format!("{:.1} MiB/s", per_s / (1024.0 * 1024.0))
            }
        }
        _ => "–".to_owned(),
    }
}

/// The USM tables (usm/* groups from `benches/usm.rs`).
fn print_usm(out: &mut String, args: &Args, groups: &Groups) {
    let raw = usm::RAW_HASH;
    w!(out, "## USM (`--bench usm`)\n");
    w!(
        out,
        "Median of criterion samples (95% CI in brackets); `× {b}` is the function's median divided by {b}'s (> 1 = slower); for password-to-key, `× {raw}` divides by the median of `{raw}`, one hash of the same 1 MiB already in memory (the floor). Ratios are within one group, i.e. from the same run.\n",
        b = args.baseline
    );
    for ((op, scenario), funcs) in groups {
        w!(out, "### {op}/{scenario}\n");
        if let Some(text) = usm::describe(scenario) {
            w!(out, "{text}\n");
        }
        let base = funcs.get(&args.baseline).map(|e| e.median_ns);
        let floor = funcs.get(raw).map(|e| e.median_ns);
        let ratio = |num: f64, den: Option<f64>| {
            den.map_or_else(|| "–".to_owned(), |d| format!("{:.2}", num / d))
        };
        let notes = usm::notes(scenario);
        if floor.is_some() {
            w!(
                out,
                "| function | median | throughput | × {} | × {raw} |",
                args.baseline
            );
            w!(out, "|---|---:|---:|---:|---:|");
        } else {
            w!(
                out,
                "| function | median | throughput | × {} |",
                args.baseline
            );
            w!(out, "|---|---:|---:|---:|");
        }
        // Known libraries in report order, then anything else (the raw hash).
        let mut order: Vec<&String> = LibraryId::ALL
            .iter()
            .filter_map(|l| funcs.get_key_value(l.name()).map(|(k, _)| k))
            .collect();
        order.extend(funcs.keys().filter(|k| LibraryId::from_name(k).is_none()));
        for f in order {
            let Some(e) = funcs.get(f) else { continue };
            let time = fmt_ci(e);
            let marker = if !notes.is_empty() && f == LibraryId::AsyncSnmp.name() {
                " ¹"
            } else {
                ""
            };
            let mut row = format!(
                "| {f}{marker} | {time} | {} | {} |",
                fmt_throughput(e, "elements"),
                ratio(e.median_ns, base)
            );
            if floor.is_some() {
                row.push_str(&format!(" {} |", ratio(e.median_ns, floor)));
            }
            w!(out, "{row}");
        }
        if base.is_none() {
            w!(
                out,
                "\n_No {} result in this group: ratios unavailable (use `--baseline <library>`)._",
                args.baseline
            );
        }
        if let Some(t) = usm::target(scenario) {
            ratio_target(
                out,
                LibraryId::Fleetwire.name(),
                funcs,
                t.versus,
                t.max_ratio,
            );
        }
        for note in notes {
            w!(out, "\n¹ {note}");
        }
        w!(out);
    }
}

/// `Target: OURS ≤ MAX × VERSUS: met/NOT met (...)`, from the two medians of one group.
fn ratio_target(
    out: &mut String,
    ours: &str,
    funcs: &BTreeMap<String, Estimate>,
    versus: &str,
    max: f64,
) {
    match (funcs.get(ours), funcs.get(versus)) {
        (Some(o), Some(v)) => {
            let r = o.median_ns / v.median_ns;
            let verdict = if r <= max { "met" } else { "NOT met" };
            w!(
                out,
                "\nTarget: {ours} ≤ {max:.2} × {versus}: **{verdict}** ({ours} = {r:.2} × {versus}; {versus} = {:.2} × {ours}).",
                v.median_ns / o.median_ns
            );
        }
        _ => w!(
            out,
            "\nTarget: {ours} ≤ {max:.2} × {versus}: not measured in this run."
        ),
    }
}

/// What a group is held to.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Goal {
    /// The function's median ≤ this × the peer's.
    Ratio(f64),
    /// The function's throughput ≥ this % of the peer's (the same bytes per iteration).
    Share(f64),
    /// The function handles `per` elements in less than `seconds`.
    Within { per: f64, seconds: f64 },
}

/// A group's target: which function, held to what.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Target {
    ours: &'static str,
    goal: Goal,
}

/// One suite's section, tabled by [`print_section`].
struct Section {
    /// The group names' first part (`responder` for `responder/v2c-get-10`).
    op: &'static str,
    title: &'static str,
    /// The `--bench` name.
    bench: &'static str,
    about: &'static str,
    /// What an element throughput counts (`requests`: requests/s).
    unit: &'static str,
    /// Functions in table order; any others follow in name order.
    order: &'static [&'static str],
    /// The peer of a group (by scenario): the `× peer` column.
    peer: fn(&str) -> Option<&'static str>,
    /// The group's target, when the issue sets one.
    target: fn(&str) -> Option<Target>,
    /// Also show each function's throughput as a percentage of the peer's.
    share: bool,
    /// Printed after the groups (figures from a side file).
    extra: Option<fn(&mut String, &Path)>,
}

fn responder_peer(_: &str) -> Option<&'static str> {
    Some("udp-snmpd")
}

fn manager_peer(scenario: &str) -> Option<&'static str> {
    if scenario.starts_with("bulkwalk") {
        Some("snmpbulkwalk")
    } else if scenario.starts_with("fleet-poll") {
        Some("async-snmp")
    } else {
        None
    }
}

fn manager_target(scenario: &str) -> Option<Target> {
    if scenario.starts_with("bulkwalk") {
        Some(Target {
            ours: "fleetwire-cli",
            goal: Goal::Ratio(1.0),
        })
    } else if scenario.starts_with("fleet-poll") {
        Some(Target {
            ours: "fleetwire",
            goal: Goal::Within {
                per: 10_000.0,
                seconds: 10.0,
            },
        })
    } else {
        None
    }
}

fn payload_peer(_: &str) -> Option<&'static str> {
    Some("flate2-raw")
}

fn payload_target(_: &str) -> Option<Target> {
    Some(Target {
        ours: "fleetwire",
        goal: Goal::Share(50.0),
    })
}

fn upload_peer(_: &str) -> Option<&'static str> {
    Some("curl")
}

fn no_target(_: &str) -> Option<Target> {
    None
}

const SECTIONS: [Section; 4] = [
    Section {
        op: "responder",
        title: "Command responder",
        bench: "responder",
        about: "Time per request: `sans-io` is the responder core on the request bytes alone; `udp-fleetwire` our tokio UDP server (one core) and `udp-snmpd` a private net-snmp snmpd answering the same varbinds, both over loopback with 16 requests in flight. `× udp-snmpd` divides by snmpd's median (< 1 = faster than snmpd). No target beyond the comparison.",
        unit: "requests",
        order: &["sans-io", "udp-fleetwire", "udp-snmpd"],
        peer: responder_peer,
        target: no_target,
        share: false,
        extra: None,
    },
    Section {
        op: "manager",
        title: "Manager",
        bench: "manager",
        about: "`bulkwalk-v2c-snmpd`: one process per full v2c bulkwalk (`.1`, -Cr25) of a private snmpd, our `fleetwire bulkwalk` CLI against net-snmp's `snmpbulkwalk` (target ≤ 1.0 × snmpbulkwalk). `fleet-poll-v2c-60`: one GET of 60 varbinds to each of N loopback targets (one iteration polls them all), our client against async-snmp with the same in-flight bound and timeouts (target < 10 s for 10,000 targets). `× peer` divides by the peer's median (< 1 = faster).",
        unit: "targets",
        order: &["fleetwire-cli", "snmpbulkwalk", "fleetwire", "async-snmp"],
        peer: manager_peer,
        target: manager_target,
        share: false,
        extra: None,
    },
    Section {
        op: "payload",
        title: "Payload packaging",
        bench: "payload",
        about: "Build + serialise + SHA-256 + zip of an agent payload (`fleetwire`: streamed, serialising and deflating on two threads; `fleetwire-serial`: the same bytes on one thread) against `flate2-raw`, flate2's raw deflate (level 6) of the same XML already in memory: the floor. Throughput is the XML size for all three. Target: fleetwire ≥ 50% of flate2-raw's throughput.",
        unit: "elements",
        order: &["fleetwire", "fleetwire-serial", "flate2-raw"],
        peer: payload_peer,
        target: payload_target,
        share: true,
        extra: Some(print_payload_memory),
    },
    Section {
        op: "upload",
        title: "Upload",
        bench: "upload",
        about: "The same agent package POSTed over HTTPS with a client certificate to fleetwire-transport's server on loopback (TLS, CA made at start): `fleetwire-cli` is one `fleetwire upload flush` process per upload (spool holding the package, queued untimed; the flush also reads, checks and durably removes the spool entry), `curl` one `curl --cert --key --data-binary` process per upload, `fleetwire-lib` `fleetwire_transport::Client::post` in-process with the connection kept alive, `curl-keepalive` one curl process uploading N times over one connection. The server checked each uploader's bytes (SHA-256) before timing. `× curl` divides by curl's median (< 1 = faster). No target beyond the comparison.",
        unit: "uploads",
        order: &["fleetwire-cli", "curl", "fleetwire-lib", "curl-keepalive"],
        peer: upload_peer,
        target: no_target,
        share: false,
        extra: None,
    },
];

/// One section: a table per group (median, throughput, `× peer`, optionally % of the peer's
/// throughput), the group's target, then the section's extra figures.
fn print_section(out: &mut String, dir: &Path, sec: &Section, groups: &Groups) {
    if groups.is_empty() {
        missing(out, sec.title, sec.bench);
        return;
    }
    w!(out, "## {} (`--bench {}`)\n", sec.title, sec.bench);
    w!(
        out,
        "{}\n\nMedian of criterion samples (95% CI in brackets).\n",
        sec.about
    );
    for ((op, scenario), funcs) in groups {
        w!(out, "### {op}/{scenario}\n");
        let peer = (sec.peer)(scenario);
        group_table(out, sec, funcs, peer);
        if let (Some(p), None) = (peer, peer.and_then(|p| funcs.get(p))) {
            w!(
                out,
                "\n_No {p} result in this group (not installed, or not run): no ratios._"
            );
        }
        if let Some(t) = (sec.target)(scenario) {
            print_target(out, sec, &t, funcs, peer);
        }
        w!(out);
    }
    if let Some(extra) = sec.extra {
        extra(out, dir);
    }
}

/// The group → table routine shared by the sections.
fn group_table(
    out: &mut String,
    sec: &Section,
    funcs: &BTreeMap<String, Estimate>,
    peer: Option<&str>,
) {
    let peer_est = peer.and_then(|p| funcs.get(p));
    let peer_name = peer.unwrap_or("peer");
    if sec.share {
        w!(
            out,
            "| function | median | throughput | × {peer_name} | % of {peer_name} throughput |"
        );
        w!(out, "|---|---:|---:|---:|---:|");
    } else {
        w!(out, "| function | median | throughput | × {peer_name} |");
        w!(out, "|---|---:|---:|---:|");
    }
    let mut order: Vec<&str> = sec
        .order
        .iter()
        .copied()
        .filter(|f| funcs.contains_key(*f))
        .collect();
    order.extend(
        funcs
            .keys()
            .map(String::as_str)
            .filter(|f| !sec.order.contains(f)),
    );
    for f in order {
        let Some(e) = funcs.get(f) else { continue };
        let time = fmt_ci(e);
        let ratio = peer_est.map_or_else(
            || "–".to_owned(),
            |p| format!("{:.2}", e.median_ns / p.median_ns),
        );
        let mut row = format!(
            "| {f} | {time} | {} | {ratio} |",
            fmt_throughput(e, sec.unit)
        );
        if sec.share {
            let share = peer_est.map_or_else(
                || "–".to_owned(),
                |p| format!("{:.0}%", p.median_ns / e.median_ns * 100.0),
            );
            row.push_str(&format!(" {share} |"));
        }
        w!(out, "{row}");
    }
}

fn print_target(
    out: &mut String,
    sec: &Section,
    t: &Target,
    funcs: &BTreeMap<String, Estimate>,
    peer: Option<&str>,
) {
    let ours = t.ours;
    let peer_name = peer.unwrap_or("peer");
    match t.goal {
        Goal::Ratio(max) => ratio_target(out, ours, funcs, peer_name, max),
        Goal::Share(min) => match (funcs.get(ours), peer.and_then(|p| funcs.get(p))) {
            (Some(o), Some(p)) => {
                let share = p.median_ns / o.median_ns * 100.0;
                let verdict = if share >= min { "met" } else { "NOT met" };
                w!(
                    out,
                    "\nTarget: {ours} ≥ {min:.0}% of {peer_name}'s throughput: **{verdict}** ({ours} = {share:.0}% of {peer_name}; {ours} = {:.2} × {peer_name} in time).",
                    o.median_ns / p.median_ns
                );
            }
            _ => w!(
                out,
                "\nTarget: {ours} ≥ {min:.0}% of {peer_name}'s throughput: not measured in this run."
            ),
        },
        Goal::Within { per, seconds } => {
            let unit = sec.unit;
            match funcs.get(ours).and_then(|o| Some((o, o.elements?))) {
                Some((o, n)) if n > 0.0 => {
                    let took = o.median_ns * 1e-9 * per / n;
                    let verdict = if took < seconds { "met" } else { "NOT met" };
                    w!(
                        out,
                        "\nTarget: {ours} < {seconds:.0} s for {per:.0} {unit}: **{verdict}** ({took:.2} s per {per:.0}, {:.0} {unit}/s; measured with {n:.0}).",
                        per / took
                    );
                }
                _ => w!(
                    out,
                    "\nTarget: {ours} < {seconds:.0} s for {per:.0} {unit}: not measured in this run."
                ),
            }
        }
    }
}

fn num(row: &Value, key: &str) -> f64 {
    row.get(key).and_then(Value::as_f64).unwrap_or(f64::NAN)
}

/// The payload suite's sizes and peak heap (`fleetwire-payload.json`).
fn print_payload_memory(out: &mut String, dir: &Path) {
    let Ok(v) = read_json(&dir.join(PAYLOAD_FILE)) else {
        return;
    };
    let mb = |k: &str| num(&v, k) / 1e6;
    w!(
        out,
        "Package of {} devices: XML {:.1} MB, zip {:.2} MB; peak heap during one package write {:.2} MB ({:.2} × the XML; the caller's device records not counted), on one thread {:.2} MB.\n",
        num(&v, "devices"),
        mb("xml_bytes"),
        mb("zip_bytes"),
        mb("peak_heap_bytes"),
        num(&v, "peak_heap_bytes") / num(&v, "xml_bytes"),
        mb("peak_heap_serial_bytes"),
    );
}

/// The agent sync table (`fleetwire-agent-sync.json`, `benches/agent_sync.rs`).
fn print_agent_sync(out: &mut String, dir: &Path) {
    let Ok(Value::Array(rows)) = read_json(&dir.join(AGENT_SYNC_FILE)) else {
        missing(out, "Agent sync", "agent_sync");
        return;
    };
    w!(out, "## Agent sync (`--bench agent_sync`)\n");
    w!(
        out,
        "One whole sync in one process: the simulated fleet (fixture recordings, one UDP port per device), the embedded HTTPS server validating every document, and the agent (discovery over the port range, collection, payloads, zip, spool, upload). Peak RSS is the process's `VmHWM`; added is how far it rose above the resident size once the fleet and server had started. No peer, no target.\n"
    );
    w!(
        out,
        "| devices | wall | discovery + collection | payloads + zip + upload | devices/s | peak RSS | RSS added |"
    );
    w!(out, "|---:|---:|---:|---:|---:|---:|---:|");
    for row in &rows {
        let (wall, collect) = (num(row, "wall_s"), num(row, "collect_s"));
        let peak = num(row, "peak_rss_kib");
        w!(
            out,
            "| {:.0} | {:.2} s | {:.2} s | {:.2} s | {:.0} | {:.0} MiB | {:.0} MiB |",
            num(row, "devices"),
            wall,
            collect,
            wall - collect,
            num(row, "devices_per_s"),
            peak / 1024.0,
            (peak - num(row, "baseline_rss_kib")).max(0.0) / 1024.0,
        );
    }
    w!(out);
}

/// `value` of the first `key<spaces/tabs>:value` (cpuinfo, meminfo) or `key=value` line.
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    text.lines().find_map(|line| {
        let rest = line.strip_prefix(key)?;
        let rest = rest.trim_start_matches([' ', '\t']);
        let value = rest.strip_prefix(':').or_else(|| rest.strip_prefix('='))?;
        Some(value.trim().trim_matches('"'))
    })
}

/// The machine the report was made on (and presumably the run): CPU, cores, memory, OS,
/// kernel, rustc, the load average now, the date.
fn machine(out: &mut String) {
    let read = |p: &str| std::fs::read_to_string(p).unwrap_or_default();
    let cpuinfo = read("/proc/cpuinfo");
    let cpu = field(&cpuinfo, "model name").unwrap_or("unknown");
    let logical = cpuinfo
        .lines()
        .filter(|l| field(l, "processor").is_some())
        .count();
    let usable = std::thread::available_parallelism().map_or(0, |n| n.get());
    let meminfo = read("/proc/meminfo");
    let mem_gib = field(&meminfo, "MemTotal")
        .and_then(|v| v.trim_end_matches("kB").trim().parse::<f64>().ok())
        .map_or_else(
            || "unknown".to_owned(),
            |kib| format!("{:.1} GiB", kib / 1024.0 / 1024.0),
        );
    let os_release = read("/etc/os-release");
    let os = field(&os_release, "PRETTY_NAME").unwrap_or("unknown");
    let kernel = read("/proc/sys/kernel/osrelease");
    let rustc = std::process::Command::new(std::env::var_os("RUSTC").unwrap_or("rustc".into()))
        .arg("--version")
        .output()
        .ok()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_owned())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown".to_owned());
    let loadavg = read("/proc/loadavg");
    let load: Vec<&str> = loadavg.split_whitespace().take(3).collect();
    w!(out, "## Machine\n");
    w!(out, "| | |\n|---|---|");
    w!(out, "| CPU | {cpu} |");
    w!(
        out,
        "| cores | {logical} logical, {usable} usable by this process |"
    );
    w!(out, "| memory | {mem_gib} |");
    w!(out, "| OS, kernel | {os}, Linux {} |", kernel.trim());
    w!(out, "| rustc | {rustc} |");
    w!(
        out,
        "| load average (1, 5, 15 min) when the report was written | {} |",
        load.join(", ")
    );
    w!(out, "| date (UTC) | {} |\n", Timestamp::now());
    w!(
        out,
        "Absolute times depend on the machine and its load; compare the ratios, which are within one group, i.e. one run.\n"
    );
}

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("bench-report: {e}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;

    /// A fake criterion directory: `group/function/new/{benchmark,estimates}.json`.
    fn fake(dir: &Path, group: &str, function: &str, median_ns: f64, throughput: Value) {
        let new = dir.join(group.replace('/', "_")).join(function).join("new");
        std::fs::create_dir_all(&new).unwrap();
        let meta = serde_json::json!({
            "group_id": group, "function_id": function, "throughput": throughput,
        });
        std::fs::write(new.join("benchmark.json"), meta.to_string()).unwrap();
        let est = serde_json::json!({ "median": {
            "point_estimate": median_ns,
            "confidence_interval": { "lower_bound": median_ns * 0.9, "upper_bound": median_ns * 1.1 },
        }});
        std::fs::write(new.join("estimates.json"), est.to_string()).unwrap();
    }

    fn temp_dir(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!(
            "fleetwire-bench-report-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    fn render(dir: &Path, op: &str) -> String {
        let all = load(dir).unwrap();
        let sec = SECTIONS.iter().find(|s| s.op == op).unwrap();
        let mut out = String::new();
        print_section(&mut out, dir, sec, &all[op]);
        out
    }

    #[test]
    fn sections_table_every_group_with_ratios_and_targets() {
        let dir = temp_dir("sections");
        let bytes = serde_json::json!({ "Bytes": 1_000_000 });
        fake(&dir, "payload/agent-2000", "fleetwire", 4e6, bytes.clone());
        fake(
            &dir,
            "payload/agent-2000",
            "fleetwire-serial",
            8e6,
            bytes.clone(),
        );
        fake(&dir, "payload/agent-2000", "flate2-raw", 3e6, bytes);
        let targets = serde_json::json!({ "Elements": 10_000 });
        fake(
            &dir,
            "manager/fleet-poll-v2c-60",
            "fleetwire",
            1.5e9,
            targets.clone(),
        );
        fake(
            &dir,
            "manager/fleet-poll-v2c-60",
            "async-snmp",
            2.5e9,
            targets,
        );
        fake(
            &dir,
            "manager/bulkwalk-v2c-snmpd",
            "fleetwire-cli",
            3e8,
            Value::Null,
        );
        fake(
            &dir,
            "manager/bulkwalk-v2c-snmpd",
            "snmpbulkwalk",
            2e8,
            Value::Null,
        );
        fake(&dir, "upload/64KiB", "fleetwire-lib", 1e6, Value::Null);

        let payload = render(&dir, "payload");
        assert!(payload.contains("### payload/agent-2000"), "{payload}");
        assert!(
            payload
                .contains("| fleetwire | 4.00 ms [3.60 ms – 4.40 ms] | 238.4 MiB/s | 1.33 | 75% |"),
            "{payload}"
        );
        assert!(
            payload.contains("**met** (fleetwire = 75% of flate2-raw"),
            "{payload}"
        );
        // Table order is the section's, not alphabetical.
        let (a, b) = (
            payload.find("| fleetwire-serial").unwrap(),
            payload.find("| flate2-raw").unwrap(),
        );
        assert!(a < b, "{payload}");

        let manager = render(&dir, "manager");
        assert!(
            manager.contains("| fleetwire | 1.50 s [1.35 s – 1.65 s] | 6667 targets/s | 0.60 |"),
            "{manager}"
        );
        assert!(
            manager.contains("< 10 s for 10000 targets: **met** (1.50 s per 10000"),
            "{manager}"
        );
        assert!(manager.contains("fleetwire-cli ≤ 1.00 × snmpbulkwalk: **NOT met** (fleetwire-cli = 1.50 × snmpbulkwalk"), "{manager}");

        let upload = render(&dir, "upload");
        assert!(
            upload.contains("| fleetwire-lib | 1.00 ms [900.00 µs – 1.10 ms] | – | – |"),
            "{upload}"
        );
        assert!(upload.contains("_No curl result in this group"), "{upload}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn side_files_become_tables_and_absent_suites_say_how_to_run_them() {
        let dir = temp_dir("side");
        std::fs::create_dir_all(&dir).unwrap();
        let rows = serde_json::json!([{ "devices": 100, "wall_s": 1.5, "collect_s": 1.0,
            "devices_per_s": 66.7, "peak_rss_kib": 30720, "baseline_rss_kib": 10240 }]);
        std::fs::write(dir.join(AGENT_SYNC_FILE), rows.to_string()).unwrap();
        let mut out = String::new();
        print_agent_sync(&mut out, &dir);
        assert!(
            out.contains("| 100 | 1.50 s | 1.00 s | 0.50 s | 67 | 30 MiB | 20 MiB |"),
            "{out}"
        );

        let mut out = String::new();
        print_section(&mut out, &dir, &SECTIONS[0], &Groups::new());
        assert!(
            out.contains("_No results: run `cargo bench -p fleetwire-benches --bench responder`._"),
            "{out}"
        );
        let mut out = String::new();
        print_agent_sync(&mut out, &dir.join("absent"));
        assert!(out.contains("--bench agent_sync"), "{out}");
        let _ = std::fs::remove_dir_all(&dir);
    }

    #[test]
    fn machine_fields() {
        assert_eq!(
            field("model name\t: AMD EPYC 7B13\nflags : x", "model name"),
            Some("AMD EPYC 7B13")
        );
        assert_eq!(
            field("MemTotal:       24576000 kB", "MemTotal"),
            Some("24576000 kB")
        );
        assert_eq!(
            field("NAME=x\nPRETTY_NAME=\"Debian GNU/Linux 12\"", "PRETTY_NAME"),
            Some("Debian GNU/Linux 12")
        );
        assert_eq!(field("processors: 2", "processor"), None);
    }
}
