#!/usr/bin/env python3
"""Peer for seed 003 (Secure API with Payload Encryption Using Salt), client.

Reproduces the seed's client.py (requests + pycryptodome): the key is the hard-coded
``b'mysecretkey12345'`` (AES-128, no derivation); ``salt = os.urandom(16)`` is used
directly as the CBC IV; the ciphertext is ``AES-CBC(pad(mac.encode('utf-8'), 16))``;
it does ``requests.post(url, json={"encrypted_mac": b64(ct), "salt": b64(salt)})``
(standard base64, as text) and shows the JSON answer.

Changed from the seed, and nothing else:
- the URL comes from --url (the seed posted to http://127.0.0.1:5000/decrypt-mac);
- the plaintext comes from --message instead of the seed's MAC-address helper (whose
  shifts were wrong anyway); default: the seed README's example 00:1a:2b:3c:4d:5e;
- --key-text may replace the key, --salt-hex may fix the salt (reproducible tests);
- the request has a timeout (--timeout); proxy variables from the environment are
  ignored (trust_env = False) so that 127.0.0.1 is always reached directly;
- the seed's prints are replaced by JSON lines on stdout, one object per line:
    {"event":"sent","url":U,"mac":M,"salt_hex":HEX,"ciphertext_hex":HEX,
     "payload":{"encrypted_mac":B64,"salt":B64}}
    {"event":"response","status":N,"body":OBJ_OR_NULL,"text":RAW}
  then exit 0 whatever the HTTP status. If no response came (refused, timeout...):
    {"event":"error","type":T,"error":MSG}  and exit 1.
"""

import argparse
import json
import os
import sys
import traceback
from base64 import b64encode

import requests
from Crypto.Cipher import AES
from Crypto.Util.Padding import pad


def emit(obj):
    print(json.dumps(obj), flush=True)


SECRET_KEY = b'mysecretkey12345'  # 16 bytes for AES-128


def encrypt_payload(mac, key, salt):
    cipher = AES.new(key, AES.MODE_CBC, iv=salt)  # Salt used as IV
    return cipher.encrypt(pad(mac.encode('utf-8'), AES.block_size))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", default="http://127.0.0.1:5000/decrypt-mac")
    ap.add_argument("--message", default="00:1a:2b:3c:4d:5e", help="the 'MAC address' to send")
    ap.add_argument("--key-text", help="AES key as UTF-8 text; default: mysecretkey12345")
    ap.add_argument("--salt-hex", help="fixed 16-byte salt/IV (hex); default: os.urandom(16)")
    ap.add_argument("--timeout", type=float, default=10.0, help="seconds")
    args = ap.parse_args()

    key = args.key_text.encode('utf-8') if args.key_text is not None else SECRET_KEY
    salt = bytes.fromhex(args.salt_hex) if args.salt_hex else os.urandom(16)

    encrypted_mac = encrypt_payload(args.message, key, salt)
    payload = {
        'encrypted_mac': b64encode(encrypted_mac).decode('utf-8'),
        'salt': b64encode(salt).decode('utf-8'),
    }
    emit({"event": "sent", "url": args.url, "mac": args.message, "salt_hex": salt.hex(),
          "ciphertext_hex": encrypted_mac.hex(), "payload": payload})

    session = requests.Session()
    session.trust_env = False
    response = session.post(args.url, json=payload, timeout=args.timeout)
    try:
        body = response.json()
    except ValueError:
        body = None
    emit({"event": "response", "status": response.status_code, "body": body, "text": response.text})
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except Exception as e:
        traceback.print_exc(file=sys.stderr)
        emit({"event": "error", "type": type(e).__name__, "error": str(e) or repr(e)})
        sys.exit(1)
