//! gcm, chacha and prefix-mac against independent implementations, both ways, on the wire
//! bytes of DESIGN §1: Python `cryptography`'s `AESGCM` and `ChaCha20Poly1305` for
//! `nonce ‖ ct ‖ tag`, and `hashlib` for `len ‖ m ‖ SHA-256(key ‖ m)` and its length extension.
//! cipherlab runs as the real binary (`seal`, `open`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;
use std::process::{Command, Stdio};

use common::process::{BIN, python};

/// Runs `program args` with `input` on stdin; returns (exit code, stdout, stderr).
fn pipe(program: &std::path::Path, args: &[&str], input: &[u8]) -> (i32, Vec<u8>, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    child.stdin.take().unwrap().write_all(input).unwrap();
    let out = child.wait_with_output().unwrap();
    (
        out.status.code().unwrap_or(-1),
        out.stdout,
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn cipherlab(args: &[&str], input: &[u8]) -> (i32, Vec<u8>, String) {
    pipe(std::path::Path::new(BIN), args, input)
}

/// Python with `script`, given `argv`, reading stdin; its stdout.
fn py(script: &str, argv: &[&str], input: &[u8]) -> Option<Vec<u8>> {
    let python = python()?;
    let mut args = vec!["-c", script];
    args.extend(argv);
    let (code, out, err) = pipe(&python, &args, input);
    assert_eq!(code, 0, "python failed: {err}");
    Some(out)
}

const AEAD_OPEN: &str = r#"
import sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
kind, key = sys.argv[1], bytes.fromhex(sys.argv[2])
wire = bytes.fromhex(sys.stdin.read().strip())
aead = AESGCM(key) if kind == "gcm" else ChaCha20Poly1305(key)
sys.stdout.buffer.write(aead.decrypt(wire[:12], wire[12:], None))
"#;

const AEAD_SEAL: &str = r#"
import os, sys
from cryptography.hazmat.primitives.ciphers.aead import AESGCM, ChaCha20Poly1305
kind, key = sys.argv[1], bytes.fromhex(sys.argv[2])
aead = AESGCM(key) if kind == "gcm" else ChaCha20Poly1305(key)
nonce = os.urandom(12)
print((nonce + aead.encrypt(nonce, sys.stdin.buffer.read(), None)).hex())
"#;

#[test]
fn gcm_and_chacha_interoperate_with_python_cryptography_both_ways() {
    let message = "nonce ‖ ciphertext ‖ tag, byte for byte".as_bytes();
    for (scheme, keys) in [
        (
            "gcm",
            vec![
                "00112233445566778899aabbccddeeff",
                &"ab".repeat(24),
                &"cd".repeat(32),
            ],
        ),
        ("chacha", vec![&"42".repeat(32)[..]]),
    ] {
        for key in keys {
            let key_arg = format!("hex:{key}");
            let (code, sealed, err) =
                cipherlab(&["seal", "--scheme", scheme, "--key", &key_arg], message);
            assert_eq!(code, 0, "{scheme}: {err}");
            let Some(opened) = py(AEAD_OPEN, &[scheme, key], &sealed) else {
                return;
            };
            assert_eq!(opened, message, "{scheme}: python opens cipherlab's wire");

            let theirs = py(AEAD_SEAL, &[scheme, key], message).unwrap();
            let (code, plaintext, verdict) =
                cipherlab(&["open", "--scheme", scheme, "--key", &key_arg], &theirs);
            assert_eq!(code, 0, "{scheme}: {verdict}");
            assert_eq!(
                plaintext, message,
                "{scheme}: cipherlab opens python's wire"
            );
            assert!(verdict.contains("authentic"), "{verdict}");

            // One flipped ciphertext bit, and cipherlab refuses Python's message.
            let mut bad = hex::decode(String::from_utf8(theirs).unwrap().trim()).unwrap();
            bad[12] ^= 1;
            let (code, _, verdict) = cipherlab(
                &["open", "--scheme", scheme, "--key", &key_arg],
                hex::encode(bad).as_bytes(),
            );
            assert_eq!(code, 1, "{scheme}");
            assert!(verdict.contains("rejected: tag mismatch"), "{verdict}");
        }
    }
}

const PREFIX_MAC: &str = r#"
import hashlib, struct, sys
key, wire = sys.argv[1].encode(), bytes.fromhex(sys.stdin.read().strip())
n = struct.unpack(">I", wire[:4])[0]
m, tag = wire[4:4 + n], wire[4 + n:]
assert len(tag) == 32 and 4 + n + 32 == len(wire)
assert hashlib.sha256(key + m).digest() == tag, "tag is not SHA-256(key || m)"
ours = struct.pack(">I", len(m) + 1) + m + b"!" + hashlib.sha256(key + m + b"!").digest()
print(ours.hex())
"#;

#[test]
fn prefix_mac_is_sha256_of_key_and_message_as_hashlib_computes_it_both_ways() {
    let key = "the prefix key";
    let key_arg = format!("text:{key}");
    let (code, sealed, err) = cipherlab(
        &["seal", "--scheme", "prefix-mac", "--key", &key_arg],
        b"amount=10&to=alice",
    );
    assert_eq!(code, 0, "{err}");
    let Some(theirs) = py(PREFIX_MAC, &[key], &sealed) else {
        return;
    };
    let (code, plaintext, verdict) = cipherlab(
        &["open", "--scheme", "prefix-mac", "--key", &key_arg],
        &theirs,
    );
    assert_eq!(code, 0, "{verdict}");
    assert_eq!(plaintext, b"amount=10&to=alice!");
    assert!(verdict.contains("authentic"), "{verdict}");
}

const EXTENDED_TAG: &str = r#"
import hashlib, sys
key, message = sys.argv[1].encode(), bytes.fromhex(sys.argv[2])
print(hashlib.sha256(key + message).hexdigest())
"#;

#[test]
fn a_length_extended_tag_is_what_hashlib_computes_with_the_key() {
    use cipherlab::crypto::length_extension::extend;
    for key in ["k", "sixteen byte key", &"x".repeat(64), &"y".repeat(100)] {
        let message = b"amount=10&to=alice";
        let tag: [u8; 32] = {
            let hex_tag = py(EXTENDED_TAG, &[key, &hex::encode(message)], b"");
            let Some(hex_tag) = hex_tag else { return };
            hex::decode(String::from_utf8(hex_tag).unwrap().trim())
                .unwrap()
                .try_into()
                .unwrap()
        };
        let forged = extend(message, &tag, key.len(), b"&to=mallory");
        let honest = py(EXTENDED_TAG, &[key, &hex::encode(&forged.message)], b"").unwrap();
        assert_eq!(
            String::from_utf8(honest).unwrap().trim(),
            hex::encode(forged.tag),
            "a {}-byte key",
            key.len()
        );
    }
}
