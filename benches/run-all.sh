#!/usr/bin/env bash
# Runs every benchmark suite of fleetwire-benches, then writes the markdown report.
#
#   bash benches/run-all.sh [--quick] [REPORT.md]
#
# --quick passes `--quick` to every criterion suite and to agent_sync (a smoke run: minutes,
# not the quarter of an hour of a full run). The report goes to REPORT.md (default
# benches/REPORT.md). Suites that need net-snmp (responder, manager) or curl (upload) skip
# those peers with a message when they are not installed (`sudo .ci/install-peers`).
set -euo pipefail

cd "$(dirname "$0")/.."
quick=()
report=benches/REPORT.md
for arg in "$@"; do
    case "$arg" in
        --quick) quick=(--quick) ;;
        -h | --help)
            sed -n '2,9p' "$0"
            exit 0
            ;;
        -*)
            echo "run-all.sh: unknown option $arg" >&2
            exit 2
            ;;
        *) report=$arg ;;
    esac
done

# snmpd and the net-snmp tools are found by fleetwire-testkit (`find_tool`: $PATH, then
# /usr/local/sbin, /usr/sbin, /sbin), so snmpd in /usr/sbin is found without changing PATH.

# The CLI suites (manager, upload) time the release `fleetwire` binary: build it from this tree.
cargo build --release -p fleetwire --bin fleetwire

for suite in codec allocs usm responder manager payload upload; do
    echo "== cargo bench --bench $suite ${quick[*]}" >&2
    cargo bench -p fleetwire-benches --bench "$suite" -- "${quick[@]}"
done
echo "== cargo bench --bench agent_sync ${quick[*]}" >&2
cargo bench -p fleetwire-benches --bench agent_sync -- "${quick[@]}"

# `cargo bench` built bench-report next to the benches (same features: `cargo run` would
# rebuild the dependencies without the dev-dependencies' features).
mkdir -p "$(dirname "$report")"
"${CARGO_TARGET_DIR:-target}/release/bench-report" > "$report"
echo "wrote $report" >&2
