#!/usr/bin/env python3
"""The Fernet anchor: single-process ops/s of Python `cryptography`'s Fernet.

    py_fernet_ops.py [--size 64] [--runs 5] [--seconds 1.0] [--key KEY] [--json]

Encrypts a fixed SIZE-byte message, and decrypts one fixed token, under a fixed key, in a tight
loop of `Fernet.encrypt` / `Fernet.decrypt` calls (no TTL, so no clock check on decrypt). Each
run lasts about SECONDS of wall clock; encrypt and decrypt runs alternate so that both see the
same background noise; the figure is the median run, in operations per second of wall clock.
The same medians over process CPU time are given too (`*_cpu` in JSON), which move less when
the machine is shared.

JSON (--json), one object:
  {"encrypt_ops":..., "decrypt_ops":..., "encrypt_ops_cpu":..., "decrypt_ops_cpu":...,
   "size":64, "runs":5, "seconds":1.0, "cryptography":"50.0.2", "python":"3.11.7"}

This is the anchor for "cipherlab Fernet >= 6x Python at 64 B".
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import sys
import time

import cryptography
from cryptography.fernet import Fernet

# A fixed key (bytes 0..31), so runs are comparable; any key performs the same.
FIXED_KEY = b"AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8="
BATCH = 200  # calls between clock reads


def measure(fn, arg, seconds: float) -> tuple[float, float]:
    """Calls fn(arg) in batches until `seconds` of wall clock pass; returns (ops/s wall, cpu)."""
    count = 0
    wall0, cpu0 = time.perf_counter(), time.process_time()
    end = wall0 + seconds
    limit = wall0 + seconds * 10 + 5  # backstop: never loop unbounded
    while True:
        for _ in range(BATCH):
            fn(arg)
        count += BATCH
        now = time.perf_counter()
        if now >= end or now >= limit:
            break
    wall = time.perf_counter() - wall0
    cpu = time.process_time() - cpu0
    return count / wall, (count / cpu if cpu > 0 else float("nan"))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="py_fernet_ops.py",
                                     description="Python cryptography Fernet ops/s anchor.")
    parser.add_argument("--size", type=int, default=64, help="plaintext bytes (default 64)")
    parser.add_argument("--runs", type=int, default=5, help="runs of each (default 5)")
    parser.add_argument("--seconds", type=float, default=1.0, help="seconds per run (default 1)")
    parser.add_argument("--key", default=FIXED_KEY.decode(), help="Fernet key (default fixed)")
    parser.add_argument("--json", action="store_true", help="print one JSON object")
    args = parser.parse_args(argv)
    if not 0 <= args.size <= 16 * 1024 * 1024:
        parser.error("--size must be from 0 to 16 MiB")
    if not 1 <= args.runs <= 50:
        parser.error("--runs must be from 1 to 50")
    if not 0.05 <= args.seconds <= 30:
        parser.error("--seconds must be from 0.05 to 30")

    f = Fernet(args.key)
    message = bytes(i % 251 for i in range(args.size))
    token = f.encrypt(message)
    assert f.decrypt(token) == message

    enc, dec, enc_cpu, dec_cpu = [], [], [], []
    measure(f.encrypt, message, min(0.2, args.seconds))  # warm-up
    for _ in range(args.runs):
        w, c = measure(f.encrypt, message, args.seconds)
        enc.append(w)
        enc_cpu.append(c)
        w, c = measure(f.decrypt, token, args.seconds)
        dec.append(w)
        dec_cpu.append(c)

    result = {
        "encrypt_ops": round(statistics.median(enc), 1),
        "decrypt_ops": round(statistics.median(dec), 1),
        "encrypt_ops_cpu": round(statistics.median(enc_cpu), 1),
        "decrypt_ops_cpu": round(statistics.median(dec_cpu), 1),
        "size": args.size,
        "token_bytes": len(token),
        "runs": args.runs,
        "seconds": args.seconds,
        "cryptography": cryptography.__version__,
        "python": platform.python_version(),
    }
    if args.json:
        print(json.dumps(result, separators=(",", ":")))
    else:
        print(f"python cryptography {result['cryptography']} Fernet, {args.size}-byte message "
              f"(token {len(token)} B), median of {args.runs} x {args.seconds:g} s")
        print(f"encrypt  {result['encrypt_ops']:>12,.0f} ops/s   "
              f"(cpu time: {result['encrypt_ops_cpu']:,.0f})")
        print(f"decrypt  {result['decrypt_ops']:>12,.0f} ops/s   "
              f"(cpu time: {result['decrypt_ops_cpu']:,.0f})")
        print("runs     encrypt " + " ".join(f"{x:,.0f}" for x in enc))
        print("         decrypt " + " ".join(f"{x:,.0f}" for x in dec))
    return 0


if __name__ == "__main__":
    sys.exit(main())
