#!/usr/bin/env bash
# Soak: cipherlab bench net with 500 clients x 200 messages for every scheme. Passes when every
# run has zero errors and the server verified every message exactly once (100,000 per scheme).
# Usage: bench/soak.sh [CLIENTS] [MESSAGES]     (defaults 500 200; about 10-20 s in all)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
CLIENTS="${1:-500}"
MESSAGES="${2:-200}"
cargo build --release --quiet
# Wherever cargo puts its builds (CARGO_TARGET_DIR, a config file), not only ./target.
TARGET_DIR="$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json, sys; print(json.load(sys.stdin)["target_directory"])')"
status=0
for scheme in ecb cbc fernet hmac prefix-mac gcm chacha; do
    out="$("$TARGET_DIR/release/cipherlab" bench net --scheme "$scheme" --clients "$CLIENTS" --messages "$MESSAGES" --size 64 --json || true)"
    python3 - "$scheme" "$CLIENTS" "$MESSAGES" "$out" <<'PY' || status=1
import json, sys
scheme, clients, messages, out = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
f = json.loads(out)
want = clients * messages
ok = f["errors"] == 0 and f["verified"] == want
print(f"soak {scheme:<6} {clients} x {messages}: {f['msgs_per_sec']:>9,.0f} msgs/s, p99 {f['p99_ms']:6.2f} ms, "
      f"errors {f['errors']}, verified {f['verified']}/{want}, peak RSS {f['peak_rss_mb']:.1f} MB  {'ok' if ok else 'FAILED'}")
sys.exit(0 if ok else 1)
PY
done
exit $status
