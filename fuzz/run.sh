#!/usr/bin/env bash
# Fuzz campaigns with cargo-fuzz (libFuzzer).
#
#   fuzz/run.sh TARGET SECONDS      one campaign: fuzz TARGET for SECONDS on a scratch copy of
#                                   corpus/TARGET, then merge what raised coverage back into
#                                   corpus/TARGET (MERGE=0: leave the corpus alone) and print
#                                   the campaign's row for the table in fuzz/README.md
#   fuzz/run.sh --smoke SECONDS     CI: build every target (release with debug assertions, as
#                                   the campaigns) and fuzz each for SECONDS, corpus untouched;
#                                   fails on a crash
#   fuzz/run.sh --list              the targets
#
# Environment:
#   SANITIZER  none (default) or address. Every crate of ours is #![forbid(unsafe_code)], so
#              the campaigns look for panics, overflows (debug assertions are on), hangs and
#              memory blow-ups; ASan adds checks of the dependencies' unsafe code at ~20x
#              fewer executions per second.
#   JOBS       run N libFuzzer processes on a shared corpus (-fork=N); default 1
#   RSS_MB     libFuzzer's memory limit per input process (default 2048)
#   RUNS       stop after this many executions (SECONDS stays the upper bound)
#   MAX_LEN    longest input libFuzzer makes (default: the longest corpus file)
#
# cargo-fuzz needs a nightly rustc (for -Z flags). Campaigns use the nightly toolchain when
# rustup has one; --smoke (CI), and campaigns without a nightly, use the default toolchain
# with RUSTC_BOOTSTRAP=1, so CI fuzzes with the compiler it tests with.
set -euo pipefail

self=$(readlink -f "${BASH_SOURCE[0]}")
cd "$(dirname "$self")"

targets() { sed -n 's/^name = "\(.*\)"$/\1/p' Cargo.toml | grep -v '^fleetwire-fuzz$'; }

if ! cargo fuzz --version >/dev/null 2>&1; then
  echo "fuzz/run.sh: cargo-fuzz is not installed (cargo install cargo-fuzz --locked)" >&2
  exit 2
fi
toolchain=()
if [ "${1:-}" != --smoke ] && command -v rustup >/dev/null 2>&1 &&
  rustup toolchain list | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
fi
sanitizer=${SANITIZER:-none}
rss=${RSS_MB:-2048}

case "${1:-}" in
  --list)
    targets
    exit 0
    ;;
  --smoke)
    secs=${2:?usage: fuzz/run.sh --smoke SECONDS}
    cargo "${toolchain[@]}" fuzz build -O -s "$sanitizer"
    scratch=$(mktemp -d)
    trap 'rm -rf "$scratch"' EXIT
    for t in $(targets); do
      mkdir -p "$scratch/$t" "$scratch/artifacts/$t"
      echo "--- $t: ${secs} s"
      # The committed corpus is read (second directory) but never written.
      cargo "${toolchain[@]}" fuzz run -O -s "$sanitizer" "$t" "$scratch/$t" "corpus/$t" -- \
        -max_total_time="$secs" -rss_limit_mb="$rss" -timeout=30 -print_final_stats=1 \
        -artifact_prefix="$scratch/artifacts/$t/" 2>&1 |
        grep -E '^(stat::number_of_executed_units|stat::average_exec_per_sec|#[0-9]+ +DONE)|panicked|ERROR|SUMMARY|deadly' ||
        {
          echo "fuzz/run.sh: $t failed; artifacts:" >&2
          ls -l "$scratch/artifacts/$t" >&2
          exit 1
        }
      if [ -n "$(ls -A "$scratch/artifacts/$t")" ]; then
        echo "fuzz/run.sh: $t left a crash artifact:" >&2
        ls -l "$scratch/artifacts/$t" >&2
        exit 1
      fi
    done
    exit 0
    ;;
  '' | -*)
    sed -n '2,/^set -euo/p' "$self" | grep '^#' >&2
    exit 2
    ;;
esac

target=$1
secs=${2:?usage: fuzz/run.sh TARGET SECONDS}
if ! targets | grep -qx "$target"; then
  echo "fuzz/run.sh: no target '$target' (fuzz/run.sh --list)" >&2
  exit 2
fi
mkdir -p "corpus/$target" "artifacts/$target"
scratch=$(mktemp -d)
trap 'rm -rf "$scratch"' EXIT
mkdir -p "$scratch/new"
log="$scratch/log"
extra=()
if [ "${JOBS:-1}" -gt 1 ]; then extra+=(-fork="$JOBS" -ignore_crashes=0); fi
if [ -n "${RUNS:-}" ]; then extra+=(-runs="$RUNS"); fi
if [ -n "${MAX_LEN:-}" ]; then extra+=(-max_len="$MAX_LEN"); fi

cargo "${toolchain[@]}" fuzz build -O -s "$sanitizer" "$target"
set +e
cargo "${toolchain[@]}" fuzz run -O -s "$sanitizer" "$target" "$scratch/new" "corpus/$target" -- \
  -max_total_time="$secs" -rss_limit_mb="$rss" -timeout=30 -print_final_stats=1 \
  "${extra[@]}" >"$log" 2>&1
rc=$?
set -e
tail -n 12 "$log"
if [ "$rc" -ne 0 ]; then
  echo "fuzz/run.sh: $target stopped with exit $rc (a crash: see artifacts/$target/ and $log)" >&2
  cp "$log" "artifacts/$target/last-campaign.log"
  exit "$rc"
fi

execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
elapsed=$(sed -n 's/^Done [0-9]* runs in \([0-9]*\) second.*/\1/p' "$log" | tail -n 1)
if [ -z "$execs" ]; then # fork mode prints no stat:: lines: its last status line has the count
  execs=$(grep -oE '^#[0-9]+' "$log" | tail -n 1 | tr -d '#')
  rate=$((execs / secs))
fi
cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+' "$log" | tail -n 1 | sed 's/cov: \([0-9]*\) ft: \([0-9]*\)/\1 \/ \2/')
# The longest input libFuzzer made: MAX_LEN, or what it chose from the corpus (its "lim:").
lim=${MAX_LEN:-$(grep -oE 'lim: [0-9]+' "$log" | tail -n 1 | tr -dc '0-9')}

added=0
if [ "${MERGE:-1}" != 0 ] && [ -d "$scratch/new" ] && [ -n "$(ls -A "$scratch/new")" ]; then
  before=$(ls "corpus/$target" | wc -l)
  cargo "${toolchain[@]}" fuzz run -O -s "$sanitizer" "$target" "corpus/$target" "$scratch/new" -- \
    -merge=1 -rss_limit_mb="$rss" -timeout=30 >"$scratch/merge.log" 2>&1
  added=$(($(ls "corpus/$target" | wc -l) - before))
fi
corpus=$(ls "corpus/$target" | wc -l)
thousands() { echo "$1" | sed ':a;s/\B[0-9]\{3\}\>/,&/;ta'; }
echo
echo "| $(date -u +%Y-%m-%d) | \`$target\` | $(thousands "$execs") | ${elapsed:-$secs} s | $(thousands "$rate") | ${lim:-} | $cov | $corpus (+$added) | none |"
