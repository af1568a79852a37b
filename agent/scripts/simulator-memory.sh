#!/bin/sh
# Resident memory of `fleetwire simulate` per device.
#
# Starts the simulator twice on loopback, with SMALL and with DEVICES devices (consecutive
# ports from BASE_PORT), waits until the last device answers an snmpget, reads VmRSS from
# /proc/PID/status, and prints the difference per device (so the runtime, the recordings and
# the binary itself are not counted). Run from the repository root after
# `cargo build --release -p fleetwire`. No timing is measured or asserted.
#
#   DEVICES=10000 BASE_PORT=30000 agent/scripts/simulator-memory.sh
#   V3=1 agent/scripts/simulator-memory.sh      # every device also gets one SNMPv3 user
set -eu

BIN=${FLEETWIRE:-target/release/fleetwire}
RECORDINGS=${RECORDINGS:-agent/fixtures/recordings}
DEVICES=${DEVICES:-10000}
SMALL=${SMALL:-100}
BASE_PORT=${BASE_PORT:-30000}
V3=${V3:-0}

[ -x "$BIN" ] || { echo "no $BIN: cargo build --release -p fleetwire (or set FLEETWIRE)" >&2; exit 2; }
command -v snmpget >/dev/null || { echo "snmpget is needed (apt-get install snmp)" >&2; exit 2; }
# One socket per device.
ulimit -n $((DEVICES + 1024))

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status"; }

# measure N: prints "RSS_KiB" of a simulator serving N devices once the last one answers.
measure() {
    n=$1
    set -- --recordings "$RECORDINGS" --listen 127.0.0.1:0 --devices "$n" --base-port "$BASE_PORT"
    if [ "$V3" = 1 ]; then
        set -- "$@" --v3-user fleet:SHA-256:authpass123:AES:privpass123
    fi
    "$BIN" simulate "$@" >"$TMP/out" 2>"$TMP/err" &
    pid=$!
    last=$((BASE_PORT + n - 1))
    tries=0
    until snmpget -v2c -c public -t 0.5 -r 0 -On "127.0.0.1:$last" 1.3.6.1.2.1.1.5.0 >/dev/null 2>&1; do
        tries=$((tries + 1))
        if ! kill -0 "$pid" 2>/dev/null || [ "$tries" -gt 600 ]; then
            echo "simulator with $n devices did not come up:" >&2
            cat "$TMP/err" >&2
            kill "$pid" 2>/dev/null || true
            exit 1
        fi
        sleep 0.2
    done
    # Touch a few devices of every recording so lazily allocated state exists too.
    for port in "$BASE_PORT" $((BASE_PORT + 1)) $((BASE_PORT + 2)) $((BASE_PORT + 3)) "$last"; do
        snmpget -v2c -c public -t 1 -r 1 -On "127.0.0.1:$port" 1.3.6.1.2.1.43.10.2.1.4.1.1 >/dev/null
    done
    rss=$(rss_kib "$pid")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    echo "$rss"
}

small=$(measure "$SMALL")
big=$(measure "$DEVICES")
echo "binary: $BIN; v3 user per device: $V3"
echo "RSS with $SMALL devices: $small KiB"
echo "RSS with $DEVICES devices: $big KiB"
awk -v s="$small" -v b="$big" -v n="$DEVICES" -v m="$SMALL" \
    'BEGIN { printf "per device: %.1f KiB\n", (b - s) / (n - m) }'
