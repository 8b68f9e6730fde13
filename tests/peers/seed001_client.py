#!/usr/bin/env python3
"""Peer for seed 001 (Fernet client/server lab, cryptography), client side.

Reproduces the lab's client: connect, read the key with one ``recv(1024)`` (the raw
44-byte base64url Fernet key), then for each message send one Fernet token with one
``send``, read the reply token with one ``recv(1024).decode()``, decrypt it; finally
close. No framing: one recv(1024) is taken as one whole token (the seed's quirk,
kept on purpose).

Changed from the seed, and nothing else:
- host/port come from --host/--port (the seed used localhost:5000);
- the messages come from --message (repeatable, in order) instead of input();
- the socket has a timeout (--timeout), so the program always ends;
- the seed's prints are replaced by JSON lines on stdout, one object per line:
    {"event":"connected","peer":[host,port]}
    {"event":"key","key":K,"hex":HEX}            (exactly what recv(1024) returned)
    per message:
    {"event":"sent","plaintext":M,"token":T,"bytes":N}
    {"event":"reply","token":T,"plaintext":S}
    {"event":"closed"}     (only if the server closed instead of replying; stops the loop)
  then exit 0. On failure (InvalidToken, refused, timeout...):
    {"event":"error","type":T,"error":MSG}  and exit 1.
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
    ap.add_argument("--port", type=int, default=5000)
    ap.add_argument("--message", action="append",
                    help='message to send (repeatable); default: one "hi, how are you ?"')
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds, per socket operation")
    args = ap.parse_args()
    messages = args.message if args.message else ["hi, how are you ?"]

    client_socket = socket.socket()
    client_socket.settimeout(args.timeout)
    client_socket.connect((args.host, args.port))
    emit({"event": "connected", "peer": [args.host, args.port]})

    key = client_socket.recv(1024)
    emit({"event": "key", "key": key.decode(errors="replace"), "hex": key.hex()})
    cipher_suite = Fernet(key)

    for message in messages:
        encrypted_message = cipher_suite.encrypt(message.encode())
        n = client_socket.send(encrypted_message)
        emit({"event": "sent", "plaintext": message, "token": encrypted_message.decode(), "bytes": n})

        data = client_socket.recv(1024).decode()
        if not data:
            emit({"event": "closed"})
            break
        decrypted_message = cipher_suite.decrypt(data.encode()).decode()
        emit({"event": "reply", "token": data, "plaintext": decrypted_message})

    client_socket.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "type": type(e).__name__, "error": str(e) or repr(e)})
        sys.exit(1)
