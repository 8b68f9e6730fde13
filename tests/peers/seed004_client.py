#!/usr/bin/env python3
"""Peer for seed 004 (HMAC on a client-server model, hmac + hashlib), client side.

Reproduces the seed's client.py: the key is ``os.getenv('SHARED_SECRET_KEY').encode()``
(raw UTF-8, never on the wire); if the variable is unset it logs an error, prints
"Key environment variable not set." and exits with status 1. Otherwise it connects
and makes exactly three sends, in this order:
  1. ``len(message).to_bytes(4, 'big')``  -- counts CHARACTERS, not bytes (seed quirk:
     a non-ASCII message breaks the framing; kept on purpose)
  2. ``message.encode()``                 -- UTF-8
  3. ``hmac.new(key, message.encode(), hashlib.sha256).digest()``  -- 32 raw bytes
then one ``recv(1024).decode()`` for the server's verdict, and closes.

Changed from the seed, and nothing else:
- host/port come from --host/--port (the seed used localhost:12345);
- the message comes from --message instead of input();
- the socket has a timeout (--timeout), so the program always ends;
- the log (format '%(asctime)s - %(levelname)s - %(message)s', as in the seed) goes to
  <--log-dir>/client.log (default: a new temp dir), never to stdout;
- the console prints are replaced by JSON lines on stdout, one object per line:
    {"event":"connected","peer":[host,port]}
    {"event":"sent","message":S,"length_prefix":L,"message_hex":HEX,"tag_hex":HEX,"bytes":[n1,n2,n3]}
    {"event":"reply","text":S}       (what recv(1024) returned, decoded; "" if the server closed)
  then exit 0. On failure: {"event":"error","type":T,"error":MSG} and exit 1.
- Key unset: stdout is exactly the one plain line "Key environment variable not set."
  (as in the seed, not JSON) and the exit status is 1.
"""

import argparse
import hashlib
import hmac
import json
import logging
import os
import socket
import sys
import tempfile
import traceback


def emit(obj):
    print(json.dumps(obj), flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=12345)
    ap.add_argument("--message", default="Hello from the seed 004 client")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds, per socket operation")
    ap.add_argument("--log-dir", help="directory for client.log; default: a new temp dir")
    args = ap.parse_args()

    log_dir = args.log_dir or tempfile.mkdtemp(prefix="cipherlab-seed004-")
    os.makedirs(log_dir, exist_ok=True)
    logging.basicConfig(filename=os.path.join(log_dir, "client.log"), level=logging.INFO,
                        format='%(asctime)s - %(levelname)s - %(message)s')

    shared_secret_key = os.getenv('SHARED_SECRET_KEY')
    if shared_secret_key is None:
        logging.error("SHARED_SECRET_KEY environment variable not set.")
        print("Key environment variable not set.", flush=True)
        return 1
    shared_secret_key = shared_secret_key.encode()

    client_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    client_socket.settimeout(args.timeout)
    client_socket.connect((args.host, args.port))
    emit({"event": "connected", "peer": [args.host, args.port]})

    message = args.message
    hmac_signature = hmac.new(shared_secret_key, message.encode(), hashlib.sha256).digest()

    n1 = client_socket.send(len(message).to_bytes(4, 'big'))
    n2 = client_socket.send(message.encode())
    n3 = client_socket.send(hmac_signature)

    logging.info(f"Sending message with HMAC: [{message} | {hmac_signature.hex()}]")
    emit({"event": "sent", "message": message, "length_prefix": len(message),
          "message_hex": message.encode().hex(), "tag_hex": hmac_signature.hex(),
          "bytes": [n1, n2, n3]})

    response = client_socket.recv(1024).decode()
    logging.info("Server response: " + response)
    emit({"event": "reply", "text": response})

    client_socket.close()
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "type": type(e).__name__, "error": str(e) or repr(e)})
        sys.exit(1)
