#!/usr/bin/env bash
# cipherlab's test command: Python peers venv, then fmt, clippy and the test suite.
# Usage: tests/run.sh [extra args for `cargo test --all-targets`]
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

VENV=target/py-venv
REQS=tests/peers/requirements.txt
STAMP="$VENV/.requirements.sha256"

echo "==> [1/5] Python peers: venv $VENV from $REQS"
if [ -d "$VENV" ] && ! "$VENV/bin/python" -c 'import sys' >/dev/null 2>&1; then
    echo "    venv is broken, recreating it"
    rm -rf "$VENV"
fi
if [ ! -x "$VENV/bin/python" ]; then
    mkdir -p target
    python3 -m venv "$VENV"
fi
want="$(sha256sum "$REQS" | cut -d' ' -f1)"
have="$(cat "$STAMP" 2>/dev/null || true)"
if [ "$want" != "$have" ]; then
    echo "    installing $REQS"
    PIP_NO_INPUT=1 "$VENV/bin/python" -m pip install --disable-pip-version-check -q -r "$REQS"
    echo "$want" > "$STAMP"
else
    echo "    up to date"
fi
CIPHERLAB_PYTHON="$(pwd)/$VENV/bin/python"
export CIPHERLAB_PYTHON
echo "    CIPHERLAB_PYTHON=$CIPHERLAB_PYTHON"

echo "==> [2/5] cargo fmt --check"
cargo fmt --check

echo "==> [3/5] cargo clippy --all-targets -- -D warnings"
cargo clippy --all-targets -- -D warnings

# tests/fuzz_seeds.rs replays the fuzz seeds through every fuzz target's body (no fuzzing;
# fuzz/run.sh does that), so the fuzz crate and its libFuzzer are not built here.
echo "==> [4/5] cargo test --all-targets $*"
cargo test --all-targets "$@"

echo "==> [5/5] soak: bench net, 500 clients x 200 messages, every scheme"
bench/soak.sh
