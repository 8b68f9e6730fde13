#!/usr/bin/env python3
"""Peer for seed 002 (blog post "Data encryption over socket using Python"), client.

Reproduces the snippet (cryptography Fernet): generate its OWN key with
Fernet.generate_key(), connect, send ``Fernet(key).encrypt(data.encode())`` with one
``s.send``, close. The key is never sent, so no server can decrypt the token (the
seed's lesson: an unshared key gives InvalidToken).

Changed from the seed, and nothing else:
- host/port come from --host/--port (the seed used localhost:8080);
- the data comes from --message (default "Hello, World!", as in the seed);
- the socket has a timeout (--timeout), so the program always ends;
- JSON lines on stdout, one object per line (the seed printed nothing):
    {"event":"key","key":K44,"hex":HEX}    (reported locally for the test; never sent)
    {"event":"connected","peer":[host,port]}
    {"event":"sent","plaintext":M,"token":T,"bytes":N}
  then exit 0. On failure: {"event":"error","type":T,"error":MSG} and exit 1.
"""

import argparse
import json
import socket
import sys
import traceback

from cryptography.fernet import Fernet


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=8080)
    ap.add_argument("--message", default="Hello, World!")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds, per socket operation")
    args = ap.parse_args()

    # Generate a unique encryption key
    key = Fernet.generate_key()
    emit({"event": "key", "key": key.decode(), "hex": key.hex()})

    # Create a socket object
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.settimeout(args.timeout)

    # Connect to the server
    s.connect((args.host, args.port))
    emit({"event": "connected", "peer": [args.host, args.port]})

    # Initialize the encryption cipher
    cipher = Fernet(key)

    # Encrypt and send the data
    data = args.message
    encrypted_data = cipher.encrypt(data.encode())
    n = s.send(encrypted_data)
    emit({"event": "sent", "plaintext": data, "token": encrypted_data.decode(), "bytes": n})

    # Close the socket connection
    s.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "type": type(e).__name__, "error": str(e) or repr(e)})
        sys.exit(1)
