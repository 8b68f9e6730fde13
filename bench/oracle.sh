#!/usr/bin/env bash
# The oracle lab's benchmark (DESIGN §7): each attack of `cipherlab attack` against a headless
# lab server on loopback, with its queries, seconds and queries per second.
# - padding-oracle on a 64-byte message under a pre-shared cbc key (text, then random bytes),
#   with --verdicts detailed and opaque;
# - byte-at-a-time on a 30-byte secret appended by an ecb server;
# - extend against prefix-mac with a 16-byte key.
# Usage: bench/oracle.sh [RUNS]     (default 3 runs of each; prints one line per run)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
RUNS="${1:-3}"
BIN="${CARGO_TARGET_DIR:-target}/release/cipherlab"
cargo build --release --quiet
PORT=23470
pids=()
cleanup() { for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done; }
trap cleanup EXIT

serve() {  # serve PORT ARGS...: a headless server in the background, its events discarded
    local port="$1"; shift
    "$BIN" server --headless --log-level off --listen "127.0.0.1:$port" "$@" >/dev/null 2>&1 &
    pids+=("$!")
    for _ in $(seq 50); do
        (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null && return 0
        sleep 0.1
    done
    echo "server on $port did not start" >&2
    exit 1
}

report() {  # report LABEL, the attack's JSON lines on stdin
    python3 -c '
import json, sys
label = sys.argv[1]
for line in sys.stdin:
    e = json.loads(line)
    if e["event"] == "oracle-done":
        q, s = e["queries"], e["seconds"]
        print(f"{label:<44} {q:>6} queries {s:7.3f} s {q / s:>9,.0f} queries/s")
    elif e["event"] in ("oracle-failed", "error"):
        why = e.get("reason") or e.get("message")
        print(f"{label:<44} FAILED: {why}")
' "$1"
}

KEY="$("$BIN" keygen --scheme cbc)"
TEXT="Meet me at the north gate at 6; bring the ledger and the seal.!!"   # 64 bytes
RANDOM_HEX="$(head -c 64 /dev/urandom | od -An -tx1 | tr -d ' \n')"
for verdicts in detailed opaque; do
    PORT=$((PORT + 1))
    serve "$PORT" --scheme cbc --key-exchange psk --key "$KEY" --verdicts "$verdicts"
    for run in $(seq "$RUNS"); do
        M="$(printf '%s' "$TEXT" | "$BIN" seal --scheme cbc --key "$KEY")"
        "$BIN" attack padding-oracle --headless --log-level off --connect "127.0.0.1:$PORT" --message "$M" \
            | report "padding-oracle 64 B text, --verdicts $verdicts"
        M="$(printf '%s' "$RANDOM_HEX" | xxd -r -p | "$BIN" seal --scheme cbc --key "$KEY")"
        "$BIN" attack padding-oracle --headless --log-level off --connect "127.0.0.1:$PORT" --message "$M" \
            | report "padding-oracle 64 B random, --verdicts $verdicts"
    done
done
PORT=$((PORT + 1))
serve "$PORT" --scheme ecb --echo-append 'session=7f3a9c21;role=teacher!'
for run in $(seq "$RUNS"); do
    "$BIN" attack byte-at-a-time --headless --log-level off --connect "127.0.0.1:$PORT" \
        | report "byte-at-a-time 30 B secret (ecb)"
done
PORT=$((PORT + 1))
serve "$PORT" --scheme prefix-mac --key "text:sixteen byte key"
M="$(printf 'amount=10&to=alice' | "$BIN" seal --scheme prefix-mac --key "text:sixteen byte key")"
for run in $(seq "$RUNS"); do
    "$BIN" attack extend --headless --log-level off --connect "127.0.0.1:$PORT" --message "$M" --append "&to=mallory" \
        | report "extend, key lengths 1-64 (prefix-mac)"
done
