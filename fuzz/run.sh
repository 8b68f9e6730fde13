#!/usr/bin/env bash
# Runs every cipherlab fuzz target for SECONDS each (default 60), one after another, and
# prints per target the executions and whether it crashed, then a summary table.
#
#   fuzz/run.sh [SECONDS]          from any directory
#
# Environment:
#   FUZZ_SANITIZER   cargo fuzz's -s: address (default), none (about 2x faster), leak, ...
#   FUZZ_TARGETS     space-separated subset of targets to run (default: all)
#   FUZZ_JOBS        cargo build jobs (default 1: the machine is shared)
#   FUZZ_ARGS        extra libFuzzer flags, e.g. "-max_len=8192" (word-split); a -max_len
#                    here replaces the per-target default below
#
# frame_decoder runs with -max_len=1114112 (1 MiB + 64 KiB) by default: its input is two
# control bytes and then the stream, and a whole frame at the default cap is a 4-byte length
# and 1 MiB of body, which libFuzzer's own default (4096 bytes, or the longest seed) never
# reaches. The other targets keep libFuzzer's default.
#
# Seeds are read from fuzz/seeds/<target>/ (checked in) and copied into a scratch corpus in
# fuzz/target/corpus/<target>/, which grows across runs; nothing outside fuzz/target/ and
# fuzz/artifacts/ (both ignored by git) is written. Crash inputs land in
# fuzz/artifacts/<target>/, logs in fuzz/target/fuzz-logs/<target>.log.
#
# Exit status: 0 when no target crashed, 1 when one did (or timed out / ran out of memory),
# 2 on a usage or build error.
set -uo pipefail

FUZZ_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
ROOT="$(dirname "$FUZZ_DIR")"

SECS="${1:-60}"
if ! [[ "$SECS" =~ ^[0-9]+$ ]] || [ "$SECS" -lt 1 ]; then
    echo "usage: $0 [SECONDS]   (a whole number of seconds per target, default 60)" >&2
    exit 2
fi
SANITIZER="${FUZZ_SANITIZER:-address}"
export CARGO_BUILD_JOBS="${FUZZ_JOBS:-1}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "cargo fuzz is missing: cargo install cargo-fuzz --locked" >&2
    exit 2
fi

if [ -n "${FUZZ_TARGETS:-}" ]; then
    read -r -a TARGETS <<<"$FUZZ_TARGETS"
else
    TARGETS=()
    for f in "$FUZZ_DIR"/fuzz_targets/*.rs; do
        TARGETS+=("$(basename "$f" .rs)")
    done
fi

LOGS="$FUZZ_DIR/target/fuzz-logs"
mkdir -p "$LOGS"
cd "$ROOT" || exit 2

echo "==> building ${#TARGETS[@]} targets (sanitizer: $SANITIZER, jobs: $CARGO_BUILD_JOBS)"
for t in "${TARGETS[@]}"; do
    # A cold build of all targets takes a few minutes on 2 cores; bound it anyway.
    if ! timeout 3600 nice -n 19 cargo fuzz build -s "$SANITIZER" "$t" >"$LOGS/build.log" 2>&1; then
        tail -30 "$LOGS/build.log" >&2
        echo "build of $t failed (log: $LOGS/build.log)" >&2
        exit 2
    fi
done

# The -max_len a target gets unless FUZZ_ARGS gives one (empty: libFuzzer's default).
max_len_for() {
    case "$1" in
        frame_decoder) echo $((1048576 + 65536)) ;;
        *) echo "" ;;
    esac
}

declare -A RUNS RESULT RATE CORPUS
failed=0
for t in "${TARGETS[@]}"; do
    corpus="$FUZZ_DIR/target/corpus/$t"
    mkdir -p "$corpus"
    if [ -d "$FUZZ_DIR/seeds/$t" ]; then
        cp -n "$FUZZ_DIR/seeds/$t"/* "$corpus"/ 2>/dev/null || true
    fi
    log="$LOGS/$t.log"
    len_args=()
    max_len="$(max_len_for "$t")"
    if [ -n "$max_len" ] && [[ " ${FUZZ_ARGS:-} " != *" -max_len="* ]]; then
        len_args=(-max_len="$max_len")
        echo "==> $t: ${SECS}s (corpus $corpus, max_len $max_len)"
    else
        echo "==> $t: ${SECS}s (corpus $corpus)"
    fi
    # libFuzzer stops itself after max_total_time; the outer timeout is a backstop for a hang.
    timeout -k 30 $((SECS + 300)) nice -n 19 \
        cargo fuzz run -s "$SANITIZER" "$t" "$corpus" -- \
        -max_total_time="$SECS" -rss_limit_mb=2048 -timeout=30 -print_final_stats=1 \
        ${len_args[@]+"${len_args[@]}"} ${FUZZ_ARGS:-} >"$log" 2>&1
    rc=$?

    # "Done N runs in S second(s)", else "#N DONE", else the final stats, else the last status.
    runs="$(sed -n 's/^Done \([0-9][0-9]*\) runs.*/\1/p' "$log" | tail -1)"
    [ -n "$runs" ] || runs="$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]]*DONE.*/\1/p' "$log" | tail -1)"
    [ -n "$runs" ] || runs="$(sed -n 's/^stat::number_of_executed_units: *\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)"
    [ -n "$runs" ] || runs="$(sed -n 's/^#\([0-9][0-9]*\)[[:space:]].*/\1/p' "$log" | tail -1)"
    [ -n "$runs" ] || runs="?"
    rate="$(sed -n 's/^stat::average_exec_per_sec: *\([0-9][0-9]*\).*/\1/p' "$log" | tail -1)"
    [ -n "$rate" ] || rate="$(grep -o 'exec/s: [0-9]*' "$log" | tail -1 | grep -o '[0-9]*')"

    if [ "$rc" -eq 0 ] && ! grep -qE '^==[0-9]+== ?ERROR|SUMMARY: libFuzzer|panicked at' "$log"; then
        result="ok"
    else
        failed=1
        if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
            result="HUNG (killed)"
        elif grep -q 'ERROR: libFuzzer: timeout' "$log"; then
            result="TIMEOUT"
        elif grep -q 'ERROR: libFuzzer: out-of-memory' "$log"; then
            result="OOM"
        elif grep -qE 'deadly signal|panicked at|ERROR: AddressSanitizer|ERROR: LeakSanitizer' "$log"; then
            result="CRASH"
        else
            result="FAILED (rc $rc)"
        fi
    fi
    RUNS[$t]="$runs"
    RESULT[$t]="$result"
    RATE[$t]="${rate:-?}"
    CORPUS[$t]="$(find "$corpus" -type f | wc -l)"
    echo "    $t: $result, $runs executions (${RATE[$t]}/s), corpus ${CORPUS[$t]} inputs"
    if [ "$result" != "ok" ]; then
        grep -m1 -A2 'panicked at' "$log" | sed 's/^/    | /'
        grep -E 'Test unit written to|^artifact_prefix' "$log" | sed 's/^/    | /'
        echo "    | log: $log"
    fi
done

echo
echo "Summary (${SECS}s per target, sanitizer $SANITIZER):"
printf '%-16s %-14s %12s %10s %8s\n' target result executions exec/s corpus
for t in "${TARGETS[@]}"; do
    printf '%-16s %-14s %12s %10s %8s\n' "$t" "${RESULT[$t]}" "${RUNS[$t]}" "${RATE[$t]}" "${CORPUS[$t]}"
done
if [ "$failed" -ne 0 ]; then
    echo "FAILED: at least one target crashed (inputs under $FUZZ_DIR/artifacts/)"
    exit 1
fi
echo "all ${#TARGETS[@]} targets ran clean"
