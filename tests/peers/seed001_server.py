#!/usr/bin/env python3
"""Peer for seed 001 (Fernet client/server lab, cryptography), server side.

Reproduces the lab's server: it sends the raw 44-byte base64url Fernet key, unframed,
with one ``conn.send(key)``; then, until the client closes: ``data =
conn.recv(1024).decode()``, an empty read ends the loop, ``decrypt(data.encode())``,
and it answers with one ``conn.send(cipher_suite.encrypt(reply.encode()))``.
There is no length prefix: one recv(1024) is taken as one whole token (the seed's
quirk, kept on purpose).

Changed from the seed, and nothing else:
- host/port come from --host/--port (the seed used localhost:5000; port 0 = any);
- the reply comes from --reply instead of input() (default: "echo: " + received);
- --key may fix the Fernet key (44-char base64url text) instead of generate_key();
- every socket has a timeout (--timeout), so the program always ends;
- the seed's prints are replaced by JSON lines on stdout, one object per line:
    {"event":"listening","host":H,"port":N}          (first line, always)
    {"event":"key","key":K44,"hex":HEX}                (the key that will be sent)
    {"event":"connected","peer":[ip,port]}
    {"event":"sent_key","bytes":N}
    per message:
    {"event":"received","token":T,"plaintext":S}
    {"event":"reply","plaintext":S,"token":T,"bytes":N}
    {"event":"closed"}                                 (empty read: client closed)
  then exit 0. Where the seed would crash (InvalidToken, timeout...):
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
    ap.add_argument("--port", type=int, default=5000, help="0 = any free port")
    ap.add_argument("--reply", help='reply text for every message; default: "echo: " + received')
    ap.add_argument("--key", help="fixed Fernet key (44-char base64url); default: Fernet.generate_key()")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds, per socket operation")
    args = ap.parse_args()

    key = args.key.encode() if args.key else Fernet.generate_key()
    cipher_suite = Fernet(key)

    server_socket = socket.socket()
    server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server_socket.settimeout(args.timeout)
    server_socket.bind((args.host, args.port))
    server_socket.listen(1)
    emit({"event": "listening", "host": args.host, "port": server_socket.getsockname()[1]})
    emit({"event": "key", "key": key.decode(), "hex": key.hex()})

    conn, address = server_socket.accept()
    conn.settimeout(args.timeout)
    emit({"event": "connected", "peer": list(address[:2])})

    # Send the encryption key to the client
    n = conn.send(key)
    emit({"event": "sent_key", "bytes": n})

    while True:
        data = conn.recv(1024).decode()
        if not data:
            emit({"event": "closed"})
            break
        encoded_data = data.encode()
        decrypted_bytes = cipher_suite.decrypt(encoded_data)
        decrypted_message = decrypted_bytes.decode()
        emit({"event": "received", "token": data, "plaintext": decrypted_message})

        message = args.reply if args.reply is not None else "echo: " + decrypted_message
        encrypted_message = cipher_suite.encrypt(message.encode())
        n = conn.send(encrypted_message)
        emit({"event": "reply", "plaintext": message, "token": encrypted_message.decode(), "bytes": n})

    conn.close()
    server_socket.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # the seed would die with a traceback here
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "type": type(e).__name__, "error": str(e) or repr(e)})
        sys.exit(1)
