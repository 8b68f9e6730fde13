#!/usr/bin/env python3
"""Peer for seed 004 (HMAC on a client-server model, hmac + hashlib), server side.

Reproduces the seed's server.py: the key is ``os.getenv('SHARED_SECRET_KEY').encode()``
(raw UTF-8, never on the wire); if the variable is unset it logs an error, prints
"Key environment variable not set." and exits with status 1. Otherwise it accepts in
a loop, one message per connection: ``recv(4)`` big-endian length, ``recv(length)``
message, ``recv(32)`` tag, ``hmac.compare_digest`` against HMAC-SHA256(key, message),
then one ``send`` of the plain UTF-8 verdict and close:
  "Message verified successfully. Integrity and authenticity confirmed."
  "Message verification failed."
Neither recv is looped (the seed's quirk: a split message is not reassembled).

Changed from the seed, and nothing else:
- host/port come from --host/--port (the seed used localhost:12345; port 0 = any);
- it stops after --max-connections connections (0 = no limit);
- every socket has a timeout (--timeout), so the program always ends;
- the log (format '%(asctime)s - %(levelname)s - %(message)s', as in the seed) goes to
  <--log-dir>/server.log (default: a new temp dir), never to stdout;
- the console prints are replaced by JSON lines on stdout, one object per line:
    {"event":"listening","host":H,"port":N,"log_file":PATH}    (first line)
    per connection:
    {"event":"connected","peer":[ip,port]}
    {"event":"received","length":L,"message":S,"message_hex":HEX,"tag_hex":HEX,"verified":B}
    {"event":"reply","text":S,"bytes":N}
    {"event":"exit","connections":N}   and exit 0 once --max-connections are served.
  Where the seed would crash (e.g. a message cut inside a UTF-8 sequence, a peer that
  reset, or here a timeout): {"event":"error","type":T,"error":MSG} and exit 1.
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
    ap.add_argument("--port", type=int, default=12345, help="0 = any free port")
    ap.add_argument("--max-connections", type=int, default=1, help="stop after N connections; 0 = no limit")
    ap.add_argument("--timeout", type=float, default=30.0, help="seconds, per socket operation")
    ap.add_argument("--log-dir", help="directory for server.log; default: a new temp dir")
    args = ap.parse_args()

    log_dir = args.log_dir or tempfile.mkdtemp(prefix="cipherlab-seed004-")
    os.makedirs(log_dir, exist_ok=True)
    log_file = os.path.join(log_dir, "server.log")
    logging.basicConfig(filename=log_file, level=logging.INFO,
                        format='%(asctime)s - %(levelname)s - %(message)s')

    shared_secret_key = os.getenv('SHARED_SECRET_KEY')
    if shared_secret_key is None:
        logging.error("SHARED_SECRET_KEY environment variable not set.")
        print("Key environment variable not set.", flush=True)
        return 1
    shared_secret_key = shared_secret_key.encode()

    def verify_hmac(received_message, received_hmac):
        calculated_hmac = hmac.new(shared_secret_key, received_message, hashlib.sha256).digest()
        return hmac.compare_digest(calculated_hmac, received_hmac)

    server_socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    server_socket.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    server_socket.settimeout(args.timeout)
    server_socket.bind((args.host, args.port))
    server_socket.listen(1)
    logging.info("Server started and awaiting messages...")
    emit({"event": "listening", "host": args.host, "port": server_socket.getsockname()[1],
          "log_file": log_file})

    served = 0
    while args.max_connections == 0 or served < args.max_connections:
        client_socket, client_address = server_socket.accept()
        client_socket.settimeout(args.timeout)
        served += 1
        logging.info(f"Connection from {client_address}")
        emit({"event": "connected", "peer": list(client_address[:2])})
        try:
            message_length = int.from_bytes(client_socket.recv(4), 'big')
            received_message = client_socket.recv(message_length)
            received_hmac = client_socket.recv(32)

            logging.info(f"Message received with HMAC: [{received_message.decode()} | {received_hmac.hex()}]")

            verified = verify_hmac(received_message, received_hmac)
            emit({"event": "received", "length": message_length, "message": received_message.decode(),
                  "message_hex": received_message.hex(), "tag_hex": received_hmac.hex(),
                  "verified": verified})
            if verified:
                response = "Message verified successfully. Integrity and authenticity confirmed."
                logging.info(response)
            else:
                response = "Message verification failed."
                logging.error(response)

            n = client_socket.send(response.encode())
            emit({"event": "reply", "text": response, "bytes": n})
        finally:
            client_socket.close()

    server_socket.close()
    emit({"event": "exit", "connections": served})
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:  # the seed would die with a traceback here
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "type": type(e).__name__, "error": str(e) or repr(e)})
        sys.exit(1)
