#!/usr/bin/env python3
"""Peer for seed 000 (AES-Symmetric-Cipher-Simulation), server side.

Reproduces the seed's "Server Program" (pycryptodome, AES-128-ECB): on accept it
sends the raw 16-byte key with one ``conn.send(key)``, reads the ciphertext with one
``conn.recv(1024)``, does ``unpad(AES-ECB-decrypt(ct), 16)`` and reports the
plaintext. One message, then exit. No reply is sent.

Changed from the seed, and nothing else:
- host/port come from --host/--port (default 127.0.0.1 instead of the seed's 0.0.0.0;
  port 0 picks a free port);
- --key-hex may fix the key instead of get_random_bytes(16) (for reproducible tests);
- every socket has a timeout (--timeout), so the program always ends;
- the seed's prints are replaced by JSON lines on stdout, one object per line:
    {"event":"listening","host":H,"port":N}            (first line, always)
    {"event":"key","hex":K}                              (the key that will be sent)
    {"event":"connected","peer":[ip,port]}
    {"event":"sent_key","bytes":N}                       (return value of conn.send)
    {"event":"received","ciphertext_hex":C,"plaintext_hex":P,"plaintext":S}
  then exit 0. Where the seed would crash (bad padding, bad UTF-8, timeout...):
    {"event":"error","type":T,"error":MSG}  and exit 1.
"""

import argparse
import json
import socket
import sys
import traceback

from Crypto.Cipher import AES
from Crypto.Random import get_random_bytes
from Crypto.Util.Padding import unpad


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=12345, help="0 = any free port")
    ap.add_argument("--key-hex", help="fixed AES key (hex); default: 16 random bytes")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds, per socket operation")
    args = ap.parse_args()

    # Generate AES key (16 bytes)
    secret_key = bytes.fromhex(args.key_hex) if args.key_hex else get_random_bytes(16)

    server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server.settimeout(args.timeout)
    server.bind((args.host, args.port))
    server.listen(1)
    emit({"event": "listening", "host": args.host, "port": server.getsockname()[1]})
    emit({"event": "key", "hex": secret_key.hex()})

    conn, addr = server.accept()
    conn.settimeout(args.timeout)
    emit({"event": "connected", "peer": list(addr[:2])})

    # Send AES key to client
    n = conn.send(secret_key)
    emit({"event": "sent_key", "bytes": n})

    # Receive encrypted message
    encrypted_msg = conn.recv(1024)

    cipher = AES.new(secret_key, AES.MODE_ECB)
    decrypted_msg = unpad(cipher.decrypt(encrypted_msg), 16)

    emit({
        "event": "received",
        "ciphertext_hex": encrypted_msg.hex(),
        "plaintext_hex": decrypted_msg.hex(),
        "plaintext": decrypted_msg.decode(),
    })

    conn.close()
    server.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # the seed would die with a traceback here
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "type": type(e).__name__, "error": str(e) or repr(e)})
        sys.exit(1)
