#!/usr/bin/env python3
"""Peer for seed 003 (Secure API with Payload Encryption Using Salt), server (API).

Reproduces the seed's server.py (Flask + pycryptodome): ``POST /decrypt-mac`` with
JSON ``{"encrypted_mac": b64(ct), "salt": b64(iv)}`` (standard base64); the key is
the hard-coded ``b'mysecretkey12345'`` (AES-128, no derivation); the "salt" is used
directly as the CBC IV; ``unpad(AES-CBC-decrypt(ct), 16).decode('utf-8')``. Replies:
  200 {"status": "success", "mac_address": <plaintext>}
  400 {"status": "error", "message": "Decryption failed"}
  400 {"status": "error", "message": "No encrypted MAC address or salt provided"}
Anything else (no JSON content type, a JSON body that is not an object...) is left to
Flask exactly as in the seed (415/400/500 HTML pages).

Changed from the seed, and nothing else:
- host/port come from --host/--port (the seed used app.run on 127.0.0.1:5000); the
  server is werkzeug's make_server, so port 0 works. It answers "HTTP/1.1" with
  "Connection: close" as app.run's (threaded) server does, but handles one
  connection at a time. app.run(debug=True)'s interactive debugger and reloader
  are not used (an unexpected exception gives Flask's plain 500 page instead of the
  debugger's), but JSON bodies keep debug mode's indented layout
  (app.json.compact = False);
- the key may be replaced with --key-text (UTF-8 text, 16/24/32 bytes);
- it stops by itself after --max-requests requests (0 = no limit) or --timeout seconds;
- logging (werkzeug's request log) goes to <--log-dir>/server.log, never to stdout;
- the seed's prints are replaced by JSON lines on stdout, one object per line:
    {"event":"listening","host":H,"port":N,"log_file":PATH}   (first line, always)
    per request, from the handler (mirrors the seed's prints):
    {"event":"decrypted","encrypted_mac":B64,"salt_hex":HEX,"mac_address":S}
    {"event":"decrypt_error","error":MSG}
    {"event":"missing_field"}
    per request, always (also for 404/415/500):
    {"event":"response","method":M,"path":P,"status":N,"body":OBJ_OR_NULL,"text":RAW}
    at the end:
    {"event":"exit","reason":"max-requests"|"timeout","requests":N}   and exit 0.
  If the server cannot start: {"event":"error","type":T,"error":MSG} and exit 1.
"""

import argparse
import json
import logging
import os
import sys
import tempfile
import time
import traceback
from base64 import b64decode

from Crypto.Cipher import AES
from Crypto.Util.Padding import unpad
from flask import Flask, jsonify, request
from werkzeug.serving import WSGIRequestHandler, make_server


def emit(obj):
    print(json.dumps(obj), flush=True)


app = Flask(__name__)
app.json.compact = False  # the seed ran with debug=True, which indents JSON bodies

# Secret key used for encryption and decryption (same as in client)
SECRET_KEY = b'mysecretkey12345'  # 16 bytes for AES-128


def decrypt_payload(encrypted_payload, salt):
    encrypted_data = b64decode(encrypted_payload)
    salt = b64decode(salt)

    # Initialize AES cipher with the secret key and salt as IV
    cipher = AES.new(SECRET_KEY, AES.MODE_CBC, iv=salt)  # Salt used as IV
    decrypted_data = unpad(cipher.decrypt(encrypted_data), AES.block_size)

    emit({
        "event": "decrypted",
        "encrypted_mac": encrypted_payload,
        "salt_hex": salt.hex(),
        "mac_address": decrypted_data.decode('utf-8'),
    })

    return decrypted_data.decode('utf-8')


@app.route('/decrypt-mac', methods=['POST'])
def handle_decrypted_mac():
    encrypted_mac = request.json.get('encrypted_mac')
    salt = request.json.get('salt')

    if encrypted_mac and salt:
        try:
            decrypted_mac = decrypt_payload(encrypted_mac, salt)
            return jsonify({'status': 'success', 'mac_address': decrypted_mac}), 200
        except Exception as e:
            emit({"event": "decrypt_error", "error": str(e) or repr(e)})
            return jsonify({'status': 'error', 'message': 'Decryption failed'}), 400
    else:
        emit({"event": "missing_field"})
        return jsonify({'status': 'error', 'message': 'No encrypted MAC address or salt provided'}), 400


@app.after_request
def report_response(response):
    body = response.get_json(silent=True) if response.is_json else None
    emit({
        "event": "response",
        "method": request.method,
        "path": request.path,
        "status": response.status_code,
        "body": body,
        "text": response.get_data(as_text=True),
    })
    return response


class CountingMiddleware:
    """Counts requests that reached the WSGI app (all of them, whatever their status)."""

    def __init__(self, wsgi_app):
        self.wsgi_app = wsgi_app
        self.count = 0

    def __call__(self, environ, start_response):
        self.count += 1
        return self.wsgi_app(environ, start_response)


def main():
    global SECRET_KEY
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--port", type=int, default=5000, help="0 = any free port")
    ap.add_argument("--key-text", help="AES key as UTF-8 text; default: mysecretkey12345")
    ap.add_argument("--max-requests", type=int, default=1, help="stop after N requests; 0 = no limit")
    ap.add_argument("--timeout", type=float, default=30.0, help="stop after this many seconds in all")
    ap.add_argument("--log-dir", help="directory for server.log; default: a new temp dir")
    args = ap.parse_args()

    if args.key_text is not None:
        SECRET_KEY = args.key_text.encode('utf-8')

    log_dir = args.log_dir or tempfile.mkdtemp(prefix="cipherlab-seed003-")
    os.makedirs(log_dir, exist_ok=True)
    log_file = os.path.join(log_dir, "server.log")
    logging.basicConfig(filename=log_file, level=logging.INFO,
                        format='%(asctime)s - %(levelname)s - %(message)s')

    deadline = time.monotonic() + args.timeout

    class Handler(WSGIRequestHandler):
        protocol_version = "HTTP/1.1"  # as app.run's threaded server
        timeout = max(0.5, min(args.timeout, 10.0))  # per-connection socket timeout

    counter = CountingMiddleware(app.wsgi_app)
    app.wsgi_app = counter
    srv = make_server(args.host, args.port, app, threaded=False, request_handler=Handler)
    emit({"event": "listening", "host": args.host, "port": srv.server_port, "log_file": log_file})

    reason = "timeout"
    try:
        while True:
            if args.max_requests and counter.count >= args.max_requests:
                reason = "max-requests"
                break
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                break
            srv.timeout = min(remaining, 0.5)
            srv.handle_request()
    finally:
        srv.server_close()
    emit({"event": "exit", "reason": reason, "requests": counter.count})
    return 0


if __name__ == '__main__':
    try:
        sys.exit(main())
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "type": type(e).__name__, "error": str(e) or repr(e)})
        sys.exit(1)
