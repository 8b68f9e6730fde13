#!/usr/bin/env bash
# bench/openssl.sh - the raw-crypto anchor: `openssl speed` for the primitives cipherlab uses.
#
# Usage:
#   bench/openssl.sh [--seconds N] [--sizes "64 16384"] [--elapsed] [--json]
#
#   --seconds N   seconds per measurement (default 3; 1..60). Total run time is about
#                 8 measurements x N seconds (24 s at the default).
#   --sizes LIST  buffer sizes in bytes, space separated (default "64 16384").
#   --elapsed     divide by wall-clock time instead of CPU user time (openssl's -elapsed).
#                 The default (CPU time) is steadier on a shared, noisy machine.
#   --json        print one JSON object instead of lines (format below).
#
# Each measurement is one `openssl speed -mr -seconds N -bytes SIZE ...` run; the figure is
# parsed from the machine-readable `+F:` line, which openssl gives in bytes per second, and
# printed in MB/s with MB = 10^6 bytes.
#
# Text output, one line per measurement: `openssl <alg> <op> <bytes> <MB/s>`
#   openssl aes-128-ecb encrypt <bytes> <MB/s>   openssl speed -evp aes-128-ecb
#   openssl aes-128-cbc encrypt <bytes> <MB/s>   openssl speed -evp aes-128-cbc
#   openssl aes-128-cbc decrypt <bytes> <MB/s>   openssl speed -decrypt -evp aes-128-cbc
#   openssl hmac-sha256 mac     <bytes> <MB/s>   openssl speed -hmac sha256
# for each size in --sizes (64 and 16384 by default), in that order. Each buffer is one
# EVP update (or one whole HMAC init/update/final) on a context that is set up once, so these
# are the primitives' ceilings, with no per-message allocation or framing.
#
# JSON output (--json):
#   {"tool":"openssl","version":"OpenSSL 3.0.x ...","seconds":3,"timing":"cpu"|"elapsed",
#    "results":[{"alg":"aes-128-ecb","op":"encrypt","bytes":16384,"mb_per_s":8455.80}, ...]}
#
# Exit status: 0 when every measurement produced a figure, 1 otherwise, 2 on a usage error.
# Run the anchor under the same conditions as what it is compared with (e.g. both under
# `nice -n 19`, same session); the figures move with the machine's load.
set -euo pipefail

seconds=3
sizes="64 16384"
elapsed=""
json=0

usage() {  # usage [exit status]: the help on stdout for --help, on stderr otherwise
    if [[ "${1:-2}" == 0 ]]; then
        sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//'
    else
        sed -n '4,12p' "$0" | sed 's/^# \{0,1\}//' >&2
    fi
    exit "${1:-2}"
}

while [[ $# -gt 0 ]]; do
    case "$1" in
        --seconds) [[ $# -ge 2 ]] || usage; seconds="$2"; shift 2 ;;
        --sizes) [[ $# -ge 2 ]] || usage; sizes="$2"; shift 2 ;;
        --elapsed) elapsed="-elapsed"; shift ;;
        --json) json=1; shift ;;
        -h|--help) usage 0 ;;
        *) echo "openssl.sh: unknown argument '$1'" >&2; usage ;;
    esac
done

if ! [[ "$seconds" =~ ^[0-9]+$ ]] || (( seconds < 1 || seconds > 60 )); then
    echo "openssl.sh: --seconds must be an integer from 1 to 60" >&2
    exit 2
fi
for size in $sizes; do
    if ! [[ "$size" =~ ^[0-9]+$ ]] || (( size < 16 || size > 1048576 )); then
        echo "openssl.sh: each size must be an integer from 16 to 1048576" >&2
        exit 2
    fi
done
command -v openssl >/dev/null || { echo "openssl.sh: openssl not found" >&2; exit 1; }

version="$(openssl version)"
# The measurements: label alg, label op, then the openssl speed arguments.
measurements=(
    "aes-128-ecb|encrypt|-evp aes-128-ecb"
    "aes-128-cbc|encrypt|-evp aes-128-cbc"
    "aes-128-cbc|decrypt|-decrypt -evp aes-128-cbc"
    "hmac-sha256|mac|-hmac sha256"
)

status=0
results=()   # "alg op bytes mbps"
for m in "${measurements[@]}"; do
    IFS='|' read -r alg op args <<<"$m"
    for size in $sizes; do
        errfile="$(mktemp)"
        # openssl bounds the run itself (-seconds); `timeout` is a backstop.
        # shellcheck disable=SC2086 # $args and $elapsed are deliberately split
        if ! out="$(timeout $((seconds + 30)) openssl speed -mr $elapsed -seconds "$seconds" \
                    -bytes "$size" $args 2>"$errfile")"; then
            echo "openssl.sh: 'openssl speed $args -bytes $size' failed:" >&2
            cat "$errfile" >&2
            rm -f "$errfile"
            status=1
            continue
        fi
        rm -f "$errfile"
        # +F:<n>:<name>:<bytes per second>  (one value per size; we ask for one size)
        mbps="$(awk -F: '/^\+F:/ { printf "%.2f", $4 / 1e6; found = 1 } END { if (!found) exit 1 }' <<<"$out")" || {
            echo "openssl.sh: no +F line from 'openssl speed $args -bytes $size'" >&2
            status=1
            continue
        }
        results+=("$alg $op $size $mbps")
        if (( json == 0 )); then
            echo "openssl $alg $op $size $mbps"
        fi
    done
done

if (( json == 1 )); then
    timing="cpu"
    [[ -n "$elapsed" ]] && timing="elapsed"
    printf '{"tool":"openssl","version":"%s","seconds":%d,"timing":"%s","results":[' \
        "${version//\"/}" "$seconds" "$timing"
    sep=""
    for r in "${results[@]}"; do
        read -r alg op size mbps <<<"$r"
        printf '%s{"alg":"%s","op":"%s","bytes":%d,"mb_per_s":%s}' "$sep" "$alg" "$op" "$size" "$mbps"
        sep=","
    done
    printf ']}\n'
fi
exit "$status"
