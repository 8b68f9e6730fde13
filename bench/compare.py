#!/usr/bin/env python3
"""Runs cipherlab and its anchors alternately and prints medians and same-run ratios.

Each round runs, back to back: openssl speed (wall clock), cipherlab bench crypto, Python
cryptography's Fernet at 64 B, the Python asyncio lab server under the Python load client,
cipherlab bench net, the same load against the bare echo (--floor), and 1,000 clients. After
the rounds, one run of 10,000 clients in a process of their own. Ratios compare figures from
the same round; the table shows the median of each figure and of each per-round ratio.
Everything runs on 127.0.0.1 and stops by itself.
"""

import argparse
import json
import os
import platform
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))


def run_json(cmd, timeout=600):
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, timeout=timeout).stdout
    return json.loads(out.strip().splitlines()[-1])


def openssl():
    data = run_json([os.path.join(HERE, "openssl.sh"), "--seconds", "2", "--sizes", "16384 1048576", "--elapsed", "--json"])
    return {(r["alg"], r["op"], r["bytes"]): r["mb_per_s"] for r in data["results"]}


def python_net(py, clients, messages):
    key = subprocess.run([py, "-c", "from cryptography.fernet import Fernet;print(Fernet.generate_key().decode())"],
                         check=True, capture_output=True, text=True).stdout.strip()
    server = subprocess.Popen([py, os.path.join(HERE, "py_fernet_echo.py"), "server", "--listen", "127.0.0.1:0", "--key", key],
                              stdout=subprocess.PIPE, text=True)
    try:
        addr = json.loads(server.stdout.readline())["addr"]
        return run_json([py, os.path.join(HERE, "py_fernet_echo.py"), "load", "--connect", addr, "--key", key,
                         "--clients", str(clients), "--messages", str(messages), "--size", "64", "--json"], timeout=300)
    finally:
        server.terminate()
        server.wait(timeout=10)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--cipherlab", default="target/release/cipherlab")
    ap.add_argument("--clients", type=int, default=100)
    ap.add_argument("--py-messages", type=int, default=200, help="per client, for the slower Python baseline")
    ap.add_argument("--messages", type=int, default=1000, help="per client, for cipherlab")
    args = ap.parse_args()
    py = sys.executable
    rounds = []
    for r in range(args.rounds):
        print(f"round {r + 1} of {args.rounds}…", file=sys.stderr, flush=True)
        o = openssl()
        crypto = run_json([args.cipherlab, "bench", "crypto", "--json"])
        c = {f["scheme"]: f for f in crypto["crypto"]}
        prim = crypto["primitives"]
        p = run_json([py, os.path.join(HERE, "py_fernet_ops.py"), "--runs", "3", "--json"])
        pn = python_net(py, args.clients, args.py_messages)
        cn = run_json([args.cipherlab, "bench", "net", "--scheme", "fernet", "--clients", str(args.clients),
                       "--messages", str(args.messages), "--size", "64", "--json"])
        floor = run_json([args.cipherlab, "bench", "net", "--scheme", "fernet", "--clients", str(args.clients),
                          "--messages", str(args.messages), "--size", "64", "--floor", "--json"])
        big = run_json([args.cipherlab, "bench", "net", "--scheme", "fernet", "--clients", "1000",
                        "--messages", "50", "--size", "64", "--json"])
        rounds.append({
            "ecb_seal": (c["ecb"]["seal_mb_per_sec"], o[("aes-128-ecb", "encrypt", 16384)]),
            "ecb_seal_1m": (c["ecb"]["seal_mb_per_sec"], o[("aes-128-ecb", "encrypt", 1048576)]),
            "cbc_open": (c["cbc"]["open_mb_per_sec"], o[("aes-128-cbc", "decrypt", 16384)]),
            "cbc_open_1m": (c["cbc"]["open_mb_per_sec"], o[("aes-128-cbc", "decrypt", 1048576)]),
            "ecb_seal_new": (c["ecb"]["seal_fresh_mb_per_sec"], o[("aes-128-ecb", "encrypt", 16384)]),
            "cbc_open_new": (c["cbc"]["open_fresh_mb_per_sec"], o[("aes-128-cbc", "decrypt", 16384)]),
            "ecb_prim": (prim["aes128_ecb_encrypt_mb_per_sec"], o[("aes-128-ecb", "encrypt", 16384)]),
            "cbc_prim": (prim["aes128_cbc_decrypt_mb_per_sec"], o[("aes-128-cbc", "decrypt", 16384)]),
            "hmac_seal": (c["hmac"]["seal_mb_per_sec"], o[("hmac-sha256", "mac", 16384)]),
            "hmac_open": (c["hmac"]["open_mb_per_sec"], o[("hmac-sha256", "mac", 16384)]),
            "fernet_seal_64": (c["fernet"]["seal_64b_ops_per_sec"], p["encrypt_ops"]),
            "fernet_open_64": (c["fernet"]["open_64b_ops_per_sec"], p["decrypt_ops"]),
            "net": (cn["msgs_per_sec"], pn["msgs_per_sec"]),
            "net_floor": (cn["msgs_per_sec"], floor["msgs_per_sec"]),
            "net_p99": cn["p99_ms"], "net_rss": cn["peak_rss_mb"], "net_errors": cn["errors"],
            "py_p99": pn["p99_ms"],
            "big": big,
        })
    med = lambda xs: statistics.median(xs)
    rows = [
        ("ECB seal, 1 MiB, into a reused buffer", "ecb_seal", "openssl aes-128-ecb, 16 KiB", "MB/s", "≥ 0.95"),
        ("ECB seal, 1 MiB, into a reused buffer", "ecb_seal_1m", "openssl aes-128-ecb, 1 MiB", "MB/s", ""),
        ("ECB seal, 1 MiB, a new buffer each", "ecb_seal_new", "openssl aes-128-ecb, 16 KiB", "MB/s", ""),
        ("CBC open (decrypt), 1 MiB, into a reused buffer", "cbc_open", "openssl -decrypt aes-128-cbc, 16 KiB", "MB/s", "≥ 0.92"),
        ("CBC open (decrypt), 1 MiB, into a reused buffer", "cbc_open_1m", "openssl -decrypt aes-128-cbc, 1 MiB", "MB/s", ""),
        ("CBC open (decrypt), 1 MiB, a new buffer each", "cbc_open_new", "openssl -decrypt aes-128-cbc, 16 KiB", "MB/s", ""),
        ("AES-128-ECB encrypt in place (the primitive alone)", "ecb_prim", "openssl aes-128-ecb, 16 KiB", "MB/s", ""),
        ("AES-128-CBC decrypt in place (the primitive alone)", "cbc_prim", "openssl -decrypt aes-128-cbc, 16 KiB", "MB/s", ""),
        ("HMAC seal, 1 MiB", "hmac_seal", "openssl -hmac sha256, 16 KiB", "MB/s", "≥ 0.95"),
        ("HMAC open, 1 MiB", "hmac_open", "openssl -hmac sha256, 16 KiB", "MB/s", "≥ 0.95"),
        ("Fernet seal, 64 B", "fernet_seal_64", "Python cryptography encrypt", "ops/s", "≥ 6"),
        ("Fernet open, 64 B", "fernet_open_64", "Python cryptography decrypt", "ops/s", "≥ 6"),
        (f"bench net fernet 64 B, {args.clients} clients", "net", "Python asyncio server + load client", "msgs/s", "≥ 10"),
        (f"bench net fernet 64 B, {args.clients} clients", "net_floor", "bare tokio echo of the same frames, no crypto (--floor)", "msgs/s", "≥ 0.80"),
    ]
    print(f"\nMachine: {platform.machine()}, {os.cpu_count()} cores, {platform.platform()}; {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}")
    print(f"Command: bench/compare.sh {args.rounds}   (medians of {args.rounds} rounds; ratios taken within each round)\n")
    print("| figure | cipherlab | anchor | anchor figure | ratio (median) | target |")
    print("|---|---:|---|---:|---:|---|")
    summary = {}
    for title, key, anchor, unit, target in rows:
        ours = med([r[key][0] for r in rounds])
        theirs = med([r[key][1] for r in rounds])
        ratio = med([r[key][0] / r[key][1] for r in rounds])
        summary[key] = {"cipherlab": ours, "anchor": theirs, "ratio": ratio}
        print(f"| {title} | {ours:,.0f} {unit} | {anchor} | {theirs:,.0f} | {ratio:.2f}× | {target} |")
    p99 = med([r["net_p99"] for r in rounds])
    rss = med([r["net_rss"] for r in rounds])
    errors = sum(r["net_errors"] for r in rounds)
    big = rounds[len(rounds) // 2]["big"]
    print(f"\nbench net, fernet, 64 B, {args.clients} clients: p99 {p99:.2f} ms (target < 5), peak RSS {rss:.1f} MB (target < 100), {errors} errors;"
          f" Python baseline p99 {med([r['py_p99'] for r in rounds]):.2f} ms.")
    print(f"1,000 clients × 50 messages: {big['msgs_per_sec']:,.0f} msgs/s, p99 {big['p99_ms']:.1f} ms (target < 20), {big['errors']} errors, peak RSS {big['peak_rss_mb']:.1f} MB.")
    # Once, after the rounds: 10,000 connections, the clients in a process of their own (one
    # process holding both ends would need 20,000 open files, this machine's hard limit).
    huge = run_json([args.cipherlab, "bench", "net", "--scheme", "fernet", "--clients", "10000",
                     "--messages", "10", "--size", "64", "--clients-apart", "--json"], timeout=900)
    print(f"10,000 clients × 10 messages (clients apart): {huge['msgs_per_sec']:,.0f} msgs/s, p99 {huge['p99_ms']:.1f} ms, {huge['errors']} errors,"
          f" peak RSS {huge['peak_rss_mb']:.1f} MB server, {huge['clients_rss_mb']:.1f} MB clients.")
    os.makedirs("target/bench", exist_ok=True)
    with open("target/bench/compare.json", "w") as f:
        json.dump({"rounds": rounds, "summary": summary, "ten_thousand": huge}, f, indent=1)


if __name__ == "__main__":
    main()
