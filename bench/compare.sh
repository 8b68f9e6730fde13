#!/usr/bin/env bash
# Runs cipherlab's benchmarks and their anchors alternately, ROUNDS times, in one go, and prints
# a table of medians and ratios (and writes target/bench/compare.json).
# Usage: bench/compare.sh [ROUNDS]    (default 3; about 2 minutes a round on 2 cores)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROUNDS="${1:-3}"
PY="${CIPHERLAB_PYTHON:-target/py-venv/bin/python}"
if [ ! -x "$PY" ]; then
    echo "bench/compare.sh: no Python with cryptography at $PY; run tests/run.sh once (it makes the venv)" >&2
    exit 2
fi
cargo build --release --quiet
exec "$PY" bench/compare.py --rounds "$ROUNDS" --cipherlab target/release/cipherlab
