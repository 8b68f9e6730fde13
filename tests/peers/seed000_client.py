#!/usr/bin/env python3
"""Peer for seed 000 (AES-Symmetric-Cipher-Simulation), client side.

Reproduces the seed's "Client Program" (pycryptodome, AES-ECB): connect, read the
key with one ``client.recv(1024)``, send ``AES-ECB(pad(message, 16))`` in a single
``client.send``, close. It never reads a reply.

Changed from the seed, and nothing else:
- host/port come from --host/--port (the seed connected to 192.168.179.1:12345);
- the message comes from --message instead of input() (UTF-8 encoded, as .encode());
- the socket has a timeout (--timeout), so the program always ends;
- the seed's prints are replaced by JSON lines on stdout, one object per line:
    {"event":"connected","peer":[host,port]}
    {"event":"key","hex":K}                        (exactly what recv(1024) returned)
    {"event":"sent","plaintext":M,"ciphertext_hex":C,"bytes":N}   (N = send's return value)
  then exit 0. On failure (refused, timeout, key of a bad length...):
    {"event":"error","type":T,"error":MSG}  and exit 1.
"""

import argparse
import json
import socket
import sys
import traceback

from Crypto.Cipher import AES
from Crypto.Util.Padding import pad


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=12345)
    ap.add_argument("--message", default="Hello from the seed 000 client")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds, per socket operation")
    args = ap.parse_args()

    client = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client.settimeout(args.timeout)
    client.connect((args.host, args.port))
    emit({"event": "connected", "peer": [args.host, args.port]})

    # Receive AES key from server
    key = client.recv(1024)
    emit({"event": "key", "hex": key.hex()})

    message = args.message.encode()

    cipher = AES.new(key, AES.MODE_ECB)
    encrypted_msg = cipher.encrypt(pad(message, 16))

    n = client.send(encrypted_msg)
    emit({"event": "sent", "plaintext": args.message, "ciphertext_hex": encrypted_msg.hex(), "bytes": n})

    client.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "type": type(e).__name__, "error": str(e) or repr(e)})
        sys.exit(1)
