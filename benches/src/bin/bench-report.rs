//! Prints markdown tables from criterion's output of the `codec` and `usm` benches.
//!
//! ```text
//! cargo bench -p fleetwire-benches --bench codec      # (and optionally --bench allocs)
//! cargo bench -p fleetwire-benches --bench usm
//! cargo run -p fleetwire-benches --bin bench-report [-- --dir <criterion dir>] [--baseline <library>]
//! ```
//!
//! For every `decode/<scenario>` and `encode/<scenario>` group found under the
//! criterion directory (`**/new/benchmark.json` + `new/estimates.json`) it
//! prints each library's median time, its ratio to the baseline library's
//! median (default `fleetwire`; > 1 means slower than the baseline), the
//! throughput, and, if `benches/allocs.rs` has been run, allocations per call.
//! Pairs skipped by verification are listed with their reason.
//!
//! Then, for every `usm/<scenario>` group (`benches/usm.rs`), a second section: each
//! function's median and throughput, its ratio to the baseline library, for
//! password-to-key also its ratio to `raw-hash` (the raw hash of the same 1 MiB), and
//! whether the issue's target is met (`fleetwire_benches::usm::target`). Ratios compare
//! results of the same group, i.e. of the same run when the suite was run once.
#![forbid(unsafe_code)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use fleetwire_benches::fixtures::ScenarioId;
use fleetwire_benches::{ALLOCS_FILE, LibraryId, SUPPORT_FILE, criterion_home, usm};
use serde_json::Value;

#[derive(Debug)]
struct Estimate {
    median_ns: f64,
    lower_ns: f64,
    upper_ns: f64,
    /// Bytes per iteration, when the benchmark declared a byte throughput.
    bytes: Option<f64>,
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

fn estimate(new_dir: &Path, bytes: Option<f64>) -> Result<Estimate, String> {
    let v = read_json(&new_dir.join("estimates.json"))?;
    let median = v.get("median").ok_or("estimates.json without median")?;
    let num = |v: Option<&Value>| v.and_then(Value::as_f64).ok_or("bad estimates.json");
    let ci = median.get("confidence_interval");
    Ok(Estimate {
        median_ns: num(median.get("point_estimate"))?,
        lower_ns: num(ci.and_then(|c| c.get("lower_bound")))?,
        upper_ns: num(ci.and_then(|c| c.get("upper_bound")))?,
        bytes,
    })
}

fn fmt_time(ns: f64) -> String {
    if ns >= 1e6 {
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

fn run() -> Result<(), String> {
    let args = parse_args()?;
    let mut files = Vec::new();
    find_benchmarks(&args.dir, &mut files);

    // (op, scenario) -> library -> estimate; codec groups and usm groups apart.
    let mut groups: Groups = BTreeMap::new();
    let mut usm: Groups = BTreeMap::new();
    for file in &files {
        let meta = read_json(file)?;
        let Some(group) = meta.get("group_id").and_then(Value::as_str) else {
            continue;
        };
        let Some((op, scenario)) = group.split_once('/') else {
            continue;
        };
        if op != "decode" && op != "encode" && op != "usm" {
            continue;
        }
        let Some(function) = meta.get("function_id").and_then(Value::as_str) else {
            continue;
        };
        let Some(new_dir) = file.parent() else {
            continue;
        };
        let bytes = meta
            .get("throughput")
            .and_then(|t| t.get("Bytes"))
            .and_then(Value::as_f64);
        let est = estimate(new_dir, bytes)?;
        let target = if op == "usm" { &mut usm } else { &mut groups };
        target
            .entry((op.to_owned(), scenario.to_owned()))
            .or_default()
            .insert(function.to_owned(), est);
    }
    if groups.is_empty() && usm.is_empty() {
        return Err(format!(
            "no decode/*, encode/* or usm/* results under {} (run `cargo bench -p fleetwire-benches --bench codec` or `--bench usm` first, or pass --dir)",
            args.dir.display()
        ));
    }
    if !groups.is_empty() {
        print_codec(&args, &groups);
    }
    if !usm.is_empty() {
        print_usm(&args, &usm);
    }
    Ok(())
}

type Groups = BTreeMap<Key, BTreeMap<String, Estimate>>;

/// The codec tables (decode/* and encode/* groups).
fn print_codec(args: &Args, groups: &Groups) {
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

    println!("# Fleetwire codec benchmarks\n");
    println!(
        "Median of criterion samples (95% CI in brackets); `× {}` is the library's median divided by {}'s (> 1 = slower).\n",
        args.baseline, args.baseline
    );
    for ((op, scenario), libs) in groups {
        let title = ScenarioId::from_slug(scenario).map_or("", |s| s.description());
        println!("## {op}/{scenario}\n");
        if !title.is_empty() {
            println!("{title}\n");
        }
        let base = libs.get(&args.baseline).map(|e| e.median_ns);
        let show_allocs = libs
            .keys()
            .any(|l| allocs.contains_key(&(op.clone(), scenario.clone(), l.clone())));
        if show_allocs {
            println!(
                "| library | median | × {} | allocs / call | bytes / call |",
                args.baseline
            );
            println!("|---|---:|---:|---:|---:|");
        } else {
            println!("| library | median | × {} |", args.baseline);
            println!("|---|---:|---:|");
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
            let time = format!(
                "{} [{} – {}]",
                fmt_time(e.median_ns),
                fmt_time(e.lower_ns),
                fmt_time(e.upper_ns)
            );
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
                println!("| {lib}{marker} | {time} | {ratio} | {a} | {b} |");
            } else {
                println!("| {lib}{marker} | {time} | {ratio} |");
            }
        }
        if base.is_none() {
            println!(
                "\n_No {} result in this group: ratios unavailable (use `--baseline <library>`)._",
                args.baseline
            );
        }
        if let Some(rows) = skipped.get(&(op.clone(), scenario.clone())) {
            println!("\nNot timed:");
            for (lib, status, reason) in rows {
                println!("- {lib}: {status}: {reason}");
            }
        }
        let group_notes: Vec<&String> = libs
            .keys()
            .filter_map(|l| notes.get(&format!("{op} {l}")))
            .collect();
        for note in group_notes {
            println!("\n¹ {note}");
        }
        println!();
    }
}

fn fmt_throughput(e: &Estimate) -> String {
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
fn print_usm(args: &Args, groups: &Groups) {
    let raw = usm::RAW_HASH;
    println!("# Fleetwire USM benchmarks\n");
    println!(
        "Median of criterion samples (95% CI in brackets); `× {b}` is the function's median divided by {b}'s (> 1 = slower); for password-to-key, `× {raw}` divides by the median of `{raw}`, one hash of the same 1 MiB already in memory (the floor). Ratios are within one group, i.e. from the same run.\n",
        b = args.baseline
    );
    for ((op, scenario), funcs) in groups {
        println!("## {op}/{scenario}\n");
        if let Some(text) = usm::describe(scenario) {
            println!("{text}\n");
        }
        let base = funcs.get(&args.baseline).map(|e| e.median_ns);
        let floor = funcs.get(raw).map(|e| e.median_ns);
        let ratio = |num: f64, den: Option<f64>| {
            den.map_or_else(|| "–".to_owned(), |d| format!("{:.2}", num / d))
        };
        let notes = usm::notes(scenario);
        if floor.is_some() {
            println!(
                "| function | median | throughput | × {} | × {raw} |",
                args.baseline
            );
            println!("|---|---:|---:|---:|---:|");
        } else {
            println!("| function | median | throughput | × {} |", args.baseline);
            println!("|---|---:|---:|---:|");
        }
        // Known libraries in report order, then anything else (the raw hash).
        let mut order: Vec<&String> = LibraryId::ALL
            .iter()
            .filter_map(|l| funcs.get_key_value(l.name()).map(|(k, _)| k))
            .collect();
        order.extend(funcs.keys().filter(|k| LibraryId::from_name(k).is_none()));
        for f in order {
            let Some(e) = funcs.get(f) else { continue };
            let time = format!(
                "{} [{} – {}]",
                fmt_time(e.median_ns),
                fmt_time(e.lower_ns),
                fmt_time(e.upper_ns)
            );
            let marker = if !notes.is_empty() && f == LibraryId::AsyncSnmp.name() {
                " ¹"
            } else {
                ""
            };
            let mut row = format!(
                "| {f}{marker} | {time} | {} | {} |",
                fmt_throughput(e),
                ratio(e.median_ns, base)
            );
            if floor.is_some() {
                row.push_str(&format!(" {} |", ratio(e.median_ns, floor)));
            }
            println!("{row}");
        }
        if base.is_none() {
            println!(
                "\n_No {} result in this group: ratios unavailable (use `--baseline <library>`)._",
                args.baseline
            );
        }
        let fleetwire = LibraryId::Fleetwire.name();
        if let Some(t) = usm::target(scenario) {
            match (funcs.get(fleetwire), funcs.get(t.versus)) {
                (Some(ours), Some(other)) => {
                    let r = ours.median_ns / other.median_ns;
                    let verdict = if r <= t.max_ratio { "met" } else { "NOT met" };
                    println!(
                        "\nTarget: {fleetwire} ≤ {:.2} × {}: **{verdict}** ({fleetwire} = {r:.2} × {}; {} = {:.2} × {fleetwire}).",
                        t.max_ratio,
                        t.versus,
                        t.versus,
                        t.versus,
                        other.median_ns / ours.median_ns
                    );
                }
                _ => println!(
                    "\nTarget: {fleetwire} ≤ {:.2} × {}: not measured in this run.",
                    t.max_ratio, t.versus
                ),
            }
        }
        for note in notes {
            println!("\n¹ {note}");
        }
        println!();
    }
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
