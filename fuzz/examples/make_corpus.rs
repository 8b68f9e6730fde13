//! Writes the checked-in seed corpus: real inputs made with the library, in each target's
//! input layout.
//!
//! ```text
//! cargo run --manifest-path fuzz/Cargo.toml --example make_corpus [-- OUT_DIR]
//! ```
//!
//! `OUT_DIR` defaults to `fuzz/seeds`; each target gets `OUT_DIR/<target>/`. The output is
//! deterministic (fixed IVs and times), so rerunning it changes nothing.

use std::fs;
use std::path::{Path, PathBuf};

use cipherlab::crypto::{Cipher, Nonce, OpenOptions, Reason, Scheme, Verdict};
use cipherlab::wire::{Frame, Hello, KeyExchange, Welcome};
use cipherlab_fuzz::{ciphers, frame_input, key_texts, open_input};

/// The Fernet spec's example time, 1985-10-26T01:20:00-07:00.
const SPEC_TIME: u64 = 499_162_800;

fn write(dir: &Path, name: &str, data: &[u8]) -> std::io::Result<()> {
    fs::create_dir_all(dir)?;
    fs::write(dir.join(name), data)
}

fn nonce(n: u8) -> Nonce {
    let mut iv = [0u8; 16];
    for (i, b) in iv.iter_mut().enumerate() {
        *b = n.wrapping_mul(16).wrapping_add(i as u8);
    }
    Nonce { iv, now: SPEC_TIME }
}

fn seal(cipher: &Cipher, msg: &[u8], n: u8) -> Vec<u8> {
    match cipher.seal_with(msg, &nonce(n)) {
        Ok(wire) => wire,
        Err(e) => panic!("sealing a seed failed: {e}"),
    }
}

const MESSAGES: [&[u8]; 5] = [
    b"",
    b"hi",
    b"YELLOW SUBMARINE",
    b"attack at dawn! attack at dawn! attack at dawn! attack at dawn! ",
    "caf\u{e9} \u{2615} 3 bytes".as_bytes(),
];

fn open_seeds(out: &Path, scheme: Scheme) -> std::io::Result<()> {
    let dir = out.join(format!("open_{scheme}"));
    let later = OpenOptions {
        now: SPEC_TIME + 5,
        ttl: None,
    };
    for (k, cipher) in ciphers(scheme).iter().enumerate() {
        for (m, msg) in MESSAGES.iter().enumerate() {
            let wire = seal(cipher, msg, m as u8);
            write(&dir, &format!("k{k}_m{m}"), &open_input(k, later, &wire))?;
        }
    }
    let cipher = &ciphers(scheme)[0];
    let wire = seal(cipher, b"tamper with me, please", 9);
    let mut flipped = wire.clone();
    let last = flipped.len() - 1;
    flipped[last] ^= 1;
    write(&dir, "tampered_last", &open_input(0, later, &flipped))?;
    let mut flipped = wire.clone();
    flipped[0] ^= 0x20;
    write(&dir, "tampered_first", &open_input(0, later, &flipped))?;
    write(&dir, "cut", &open_input(0, later, &wire[..wire.len() - 3]))?;
    let mut longer = wire.clone();
    longer.extend_from_slice(b"0123456789abcdef");
    write(&dir, "extended", &open_input(0, later, &longer))?;
    // Opened under the wrong key.
    if ciphers(scheme).len() > 1 {
        write(&dir, "wrong_key", &open_input(1, later, &wire))?;
    }
    if scheme == Scheme::Fernet {
        let ttl = |now, ttl| OpenOptions { now, ttl };
        write(
            &dir,
            "ttl_ok",
            &open_input(0, ttl(SPEC_TIME + 30, Some(60)), &wire),
        )?;
        write(
            &dir,
            "ttl_expired",
            &open_input(0, ttl(SPEC_TIME + 61, Some(60)), &wire),
        )?;
        write(
            &dir,
            "future",
            &open_input(0, ttl(SPEC_TIME - 61, None), &wire),
        )?;
        write(
            &dir,
            "ttl_max",
            &open_input(0, ttl(u64::MAX, Some(u64::MAX)), &wire),
        )?;
        let unpadded: Vec<u8> = wire.iter().copied().filter(|&b| b != b'=').collect();
        write(&dir, "unpadded", &open_input(0, later, &unpadded))?;
        write(
            &dir,
            "not_base64",
            &open_input(0, later, b"gAAAAA*not-base64*"),
        )?;
        write(
            &dir,
            "bad_version",
            &open_input(0, later, b"gQAAAAAdwJ6wAAECAwQFBgcICQoLDA0ODw=="),
        )?;
    }
    if scheme == Scheme::Hmac {
        // A length field that disagrees with the message.
        let mut bad = wire.clone();
        bad[3] ^= 1;
        write(&dir, "length_mismatch", &open_input(0, later, &bad))?;
    }
    write(&dir, "empty", &open_input(0, later, b""))?;
    Ok(())
}

fn frame_seeds(out: &Path) -> std::io::Result<()> {
    let dir = out.join("frame_decoder");
    let mut frames = vec![
        Frame::Hello(Hello {
            scheme: Some(Scheme::Cbc),
            name: "alice".into(),
        }),
        Frame::Hello(Hello {
            scheme: None,
            name: String::new(),
        }),
        Frame::Welcome(Welcome {
            scheme: Scheme::Fernet,
            key_exchange: KeyExchange::Send,
            key: Some(key_texts(Scheme::Fernet)[0].into()),
        }),
        Frame::Welcome(Welcome {
            scheme: Scheme::Hmac,
            key_exchange: KeyExchange::Psk,
            key: None,
        }),
    ];
    for (i, scheme) in Scheme::ALL.into_iter().enumerate() {
        frames.push(Frame::Data {
            seq: i as u64 + 1,
            wire: seal(&ciphers(scheme)[0], b"attack at dawn", i as u8).into(),
        });
    }
    frames.push(Frame::Verdict {
        seq: 1,
        verdict: Verdict::Authentic,
    });
    frames.push(Frame::Verdict {
        seq: 2,
        verdict: Verdict::Unauthenticated,
    });
    for (i, reason) in Reason::ALL.into_iter().enumerate() {
        frames.push(Frame::Verdict {
            seq: 3 + i as u64,
            verdict: Verdict::Rejected(reason),
        });
    }
    frames.push(Frame::Error {
        reason: "unexpected HELLO".into(),
    });
    frames.push(Frame::Bye { reason: None });
    frames.push(Frame::Bye {
        reason: Some("server shutting down".into()),
    });

    let mut session = Vec::new();
    for (i, frame) in frames.iter().enumerate() {
        let bytes = frame.to_bytes();
        // Alternate the caps and chunk sizes (mode bits 0–1 and 2–4).
        let mode = (i as u8 % 2) | ((i as u8 % 8) << 2);
        let name = format!("{:02}_{}", i, frame.kind_name().to_lowercase());
        write(&dir, &name, &frame_input(mode, i as u8, &bytes))?;
        session.extend_from_slice(&bytes);
    }
    write(
        &dir,
        "session_small_cap",
        &frame_input(0b0_0100, 7, &session),
    )?;
    write(
        &dir,
        "session_default_cap",
        &frame_input(0b1_0001, 42, &session),
    )?;
    write(
        &dir,
        "session_tiny_cap",
        &frame_input(0b0_1010, 40, &session),
    )?;
    write(
        &dir,
        "session_truncated",
        &frame_input(0b0_1100, 3, &session[..session.len() - 5]),
    )?;
    // Lengths and bodies that are refused.
    write(
        &dir,
        "too_large",
        &frame_input(0, 0, &[0xff, 0xff, 0xff, 0xff, b'D']),
    )?;
    write(&dir, "empty_length", &frame_input(1, 0, &[0, 0, 0, 0]))?;
    write(
        &dir,
        "http",
        &frame_input(1, 0, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n"),
    )?;
    write(
        &dir,
        "fernet_token",
        &frame_input(1, 0, b"gAAAAABk-seed-001-token=="),
    )?;
    write(
        &dir,
        "bad_json",
        &frame_input(0, 0, b"\0\0\0\x0aH{not json"),
    )?;
    write(&dir, "unknown_kind", &frame_input(0, 0, b"\0\0\0\x01Z"))?;
    write(&dir, "short_data", &frame_input(0, 0, b"\0\0\0\x03D\0\x01"))?;
    let hello = br#"H{"version":1,"scheme":"ECB","name":"bob\u0007\u00e9","extra":true}"#;
    let mut odd = (hello.len() as u32).to_be_bytes().to_vec();
    odd.extend_from_slice(hello);
    write(&dir, "hello_noncanonical", &frame_input(0, 0, &odd))?;
    Ok(())
}

fn key_seeds(out: &Path) -> std::io::Result<()> {
    let dir = out.join("key_text");
    let mut texts: Vec<String> = Vec::new();
    for scheme in Scheme::ALL {
        texts.extend(key_texts(scheme).iter().map(|t| t.to_string()));
    }
    texts.extend(
        [
            "hex:00000000000000000000000000000000",
            "hex: 000102030405060708090a0b0c0d0e0f ",
            "text:mysecretkey12345",
            "base64:K34VFiiu0qar9xWICc9PPA==",
            "base64:_-8",
            "base64:AAECAwQFBgcICQoLDA0ODw",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
            "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8",
            "000102030405060708090a0b0c0d0e0f1011121314151617",
            "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
            "00112233",
            "zz11secretsecretsecretsecretsecret",
            "not*base64",
            "",
            "hex:",
            "text:",
            "hex:0",
            "caf\u{e9} \u{2615} key",
            "tab\there",
        ]
        .iter()
        .map(|t| t.to_string()),
    );
    for (i, text) in texts.iter().enumerate() {
        write(&dir, &format!("{i:02}"), text.as_bytes())?;
    }
    // Invalid UTF-8, read lossily.
    write(&dir, "invalid_utf8", b"text:\xff\xfe key")?;
    Ok(())
}

fn main() -> std::io::Result<()> {
    let out = std::env::args_os()
        .nth(1)
        .map(PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds"));
    for scheme in Scheme::ALL {
        open_seeds(&out, scheme)?;
    }
    frame_seeds(&out)?;
    key_seeds(&out)?;
    println!("seeds written to {}", out.display());
    Ok(())
}
