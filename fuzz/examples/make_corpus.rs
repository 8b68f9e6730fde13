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

use cipherlab::crypto::KeyExchange;
use cipherlab::crypto::{Anatomy, Cipher, Nonce, OpenOptions, Reason, Scheme, Tamper, Verdict};
use cipherlab::wire::seed::{CBC_FAILED, DecryptMacRequest, DecryptMacResponse};
use cipherlab::wire::{Frame, Hello, Welcome};
use cipherlab_fuzz::{
    Carrier, PREDICATE_WHOLE, SEED_REQUEST, SEED_SEALED, SEED_SPLIT, carrier, ciphers, frame_input,
    key_len, key_texts, open_input, response_input, seed_wire_input, tamper_input,
};

/// The schemes of the first release, whose seeds keep their names (and numbers) as they were;
/// the later schemes' seeds come after them.
const FIRST_RELEASE: usize = 4;

/// A scheme's name as a target name: `open_prefix_mac`.
fn target_name(scheme: Scheme) -> String {
    scheme.name().replace('-', "_")
}

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
    let dir = out.join(format!("open_{}", target_name(scheme)));
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
    if carrier(scheme) == Carrier::Plaintext {
        // A length field that disagrees with the message.
        let mut bad = wire.clone();
        bad[3] ^= 1;
        write(&dir, "length_mismatch", &open_input(0, later, &bad))?;
        // Only the length field, and one byte short of an empty message's length and tag.
        write(&dir, "length_only", &open_input(0, later, &wire[..4]))?;
        let empty = seal(cipher, b"", 1);
        write(&dir, "too_short", &open_input(0, later, &empty[..35]))?;
    }
    if scheme == Scheme::PrefixMac {
        // A length extension for key 0's length: authentic without the key, and what sealing
        // the extended message gives. For key 1's length it is refused.
        for (name, key_len) in [
            ("extended_forgery", key_len(scheme, 0)),
            ("extended_wrong_length", 1),
        ] {
            let action = Tamper::Extend {
                key_len,
                text: "&to=mallory".into(),
            };
            match action.apply(scheme, &wire, None) {
                Ok(forged) => write(&dir, name, &open_input(0, later, &forged))?,
                Err(e) => panic!("extending a prefix-mac seed failed: {e}"),
            }
        }
    }
    if carrier(scheme) == Carrier::Stream {
        // A sealed empty message is the nonce and the tag; one byte less is too short; the
        // nonce alone; and the ciphertext's first byte flipped.
        let empty = seal(cipher, b"", 1);
        write(&dir, "nonce_and_tag", &open_input(0, later, &empty))?;
        write(&dir, "too_short", &open_input(0, later, &empty[..27]))?;
        write(&dir, "nonce_only", &open_input(0, later, &empty[..12]))?;
        let mut flipped = wire.clone();
        flipped[12] ^= 0x01;
        write(&dir, "tampered_ciphertext", &open_input(0, later, &flipped))?;
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
            agreement: None,
        }),
        Frame::Hello(Hello {
            scheme: None,
            name: String::new(),
            agreement: None,
        }),
        Frame::Welcome(Welcome {
            scheme: Scheme::Fernet,
            key_exchange: KeyExchange::Send,
            key: Some(key_texts(Scheme::Fernet)[0].into()),
            agreement: None,
            name: None,
        }),
        Frame::Welcome(Welcome {
            scheme: Scheme::Hmac,
            key_exchange: KeyExchange::Psk,
            key: None,
            agreement: None,
            name: None,
        }),
    ];
    for (i, scheme) in Scheme::ALL[..FIRST_RELEASE].iter().copied().enumerate() {
        frames.push(Frame::Data {
            seq: i as u64 + 1,
            sealed: seal(&ciphers(scheme)[0], b"attack at dawn", i as u8).into(),
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
    // The X25519 key exchange: public keys on the wire (last, so earlier seed names stay put).
    frames.push(Frame::Hello(Hello {
        scheme: Some(Scheme::Hmac),
        name: "carol".into(),
        agreement: Some([9; 32]),
    }));
    frames.push(Frame::Welcome(Welcome {
        scheme: Scheme::Hmac,
        key_exchange: KeyExchange::X25519,
        key: None,
        agreement: Some([0x42; 32]),
        name: None,
    }));
    // The later schemes: their messages, and their names in HELLO and WELCOME.
    for (i, scheme) in Scheme::ALL.into_iter().enumerate().skip(FIRST_RELEASE) {
        frames.push(Frame::Data {
            seq: i as u64 + 1,
            sealed: seal(&ciphers(scheme)[0], b"attack at dawn", i as u8).into(),
        });
    }
    frames.push(Frame::Hello(Hello {
        scheme: Some(Scheme::PrefixMac),
        name: "dave".into(),
        agreement: None,
    }));
    frames.push(Frame::Welcome(Welcome {
        scheme: Scheme::Chacha,
        key_exchange: KeyExchange::Send,
        key: Some(key_texts(Scheme::Chacha)[0].into()),
        agreement: None,
        name: Some("dave-2".into()),
    }));
    // The classroom's frames (issue 16): a task with its material, an answer, a result and a
    // notice.
    frames.push(Frame::Task(cipherlab::wire::Task {
        exercise: "padding-oracle".into(),
        text: "decrypt the captured secret".into(),
        material: "00112233445566778899aabbccddeeff".into(),
    }));
    frames.push(Frame::Answer {
        text: "the secret".into(),
    });
    frames.push(Frame::Result {
        correct: false,
        reason: "not the secret".into(),
    });
    frames.push(Frame::Notice {
        text: "ten minutes left".into(),
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
    for scheme in &Scheme::ALL[..FIRST_RELEASE] {
        texts.extend(key_texts(*scheme).iter().map(|t| t.to_string()));
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
    // The later schemes' keys (prefix-mac's are hmac's), and keys that only they take.
    for scheme in [Scheme::Gcm, Scheme::Chacha] {
        texts.extend(key_texts(scheme).iter().map(|t| t.to_string()));
    }
    texts.extend(
        [
            "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e",
            "text:0123456789abcdef0123456789abcdef0",
            "base64:gIGCg4SFhoeIiYqLjI2Oj5CRkpOUlZaXmJmam5ydnp8",
        ]
        .iter()
        .map(|t| t.to_string()),
    );
    for (i, text) in texts.iter().enumerate() {
        write(&dir, &format!("{i:02}"), text.as_bytes())?;
    }
    // Invalid UTF-8, read lossily.
    write(&dir, "invalid_utf8", b"text:\xff\xfe key")?;
    // A key text that is a piece of the error's own wording ("expecte|d 16, 24 or 32 bytes
    // (AES-128/1|92/256)"): it once read as the error repeating the key.
    write(
        &dir,
        "fixed_wording",
        b"hex:d 16, 24 or 32 bytes (AES-128/1",
    )?;
    Ok(())
}

/// Numbers at the top of `usize`: the largest offsets whose one-past-the-end still fits.
const MAX_OFFSET: usize = usize::MAX - 1;

fn tamper_seeds(out: &Path) -> std::io::Result<()> {
    let dir = out.join("tamper_grammar");
    // The grammar alone (no message bytes).
    let texts = [
        "flip:17:3",
        "iv-flip:0:0",
        "swap:0:1",
        "paste:2",
        "truncate",
        "replay",
        "drop",
        "forge",
        "flip:+3:1",
        "swap:007:01",
        "flip:0:8",
        "flip:0:255",
        "flip:0:256",
        "flip:18446744073709551616:0",
        "paste:18446744073709551615",
        "swap:18446744073709551615:0",
        "flip",
        "flip:1",
        "flip:a:1",
        "flip:1:1:1",
        "swap:1",
        "drop:1",
        "truncate:",
        " truncate",
        "FLIP:1:1",
        "nuke",
        "",
        "flip:\u{661}:0",
        "paste:0123456789012345678901234567890123456789012345678901234567890123456789",
    ];
    let mut texts: Vec<String> = texts.iter().map(|t| t.to_string()).collect();
    // The second release's actions: their grammar, with `:` in the texts, and their sizes.
    texts.extend(
        [
            "xor:0:ff",
            "xor:+3:00AB",
            "xor:1:abc",
            "xor:1:",
            "xor:1:zz",
            "xor::ff",
            "xor:1",
            "xor",
            "XOR:0:ff",
            "rewrite:5:student:teacher",
            "rewrite:0:a:b:c",
            "rewrite:0:ab:c:",
            "rewrite:0:a::",
            "rewrite:0:::",
            "rewrite:0::",
            "rewrite:0:ab",
            "rewrite:x:a:b",
            "rewrite:0:\u{e9}:ab",
            "rewrite:0:attack:assault",
            "rewrite",
            "extend:16:&to=mallory",
            "extend:0:",
            "extend:16:a:b:c",
            "extend:1024:x",
            "extend:1025:x",
            "extend:16",
            "extend:x:y",
            "extend",
        ]
        .iter()
        .map(|t| t.to_string()),
    );
    texts.extend([
        format!("xor:0:{}", "ab".repeat(256)),
        format!("xor:0:{}", "ab".repeat(257)),
        format!("rewrite:0:{}:{}", "a".repeat(256), "b".repeat(256)),
        format!("rewrite:0:{}:{}", "a".repeat(257), "b".repeat(257)),
        format!("rewrite:0:{}:{}", "a".repeat(300), "b".repeat(299)),
        format!("extend:16:{}", "x".repeat(257)),
        format!("extend:{}:x", usize::MAX),
    ]);
    for (i, text) in texts.iter().enumerate() {
        write(
            &dir,
            &format!("text_{i:02}"),
            &tamper_input(text, None, b""),
        )?;
    }
    write(&dir, "text_invalid_utf8", b"\0flip:\xff:0\n")?;

    for scheme in Scheme::ALL {
        let cipher = &ciphers(scheme)[0];
        let wire = seal(
            cipher,
            b"attack at dawn! attack at dawn! attack at dawn!",
            3,
        );
        let previous = seal(cipher, b"ADMIN=1;........", 4);
        let len = Anatomy::dissect(scheme, &wire).bytes.len();
        let iv_max = if scheme == Scheme::Fernet {
            // The IV starts at byte 9.
            MAX_OFFSET - 9
        } else {
            MAX_OFFSET
        };
        let actions = [
            "flip:0:0".to_owned(),
            format!("flip:{}:7", len - 1),
            format!("flip:{len}:0"),
            format!("flip:{MAX_OFFSET}:7"),
            "iv-flip:0:0".to_owned(),
            "iv-flip:15:7".to_owned(),
            "iv-flip:16:0".to_owned(),
            format!("iv-flip:{iv_max}:1"),
            "swap:0:1".to_owned(),
            "swap:1:1".to_owned(),
            "swap:2:0".to_owned(),
            "swap:0:9".to_owned(),
            "paste:1".to_owned(),
            "paste:9".to_owned(),
            "truncate".to_owned(),
            "replay".to_owned(),
            "drop".to_owned(),
            "forge".to_owned(),
        ];
        // The second release's actions (after the first's, so their names stay put). The
        // plaintext is 47 bytes: "attack at dawn! " twice, then "attack at dawn!".
        let first = scheme.first_message_byte();
        let key0 = key_len(scheme, 0);
        let actions: Vec<String> = actions
            .into_iter()
            .chain([
                "xor:0:ff".to_owned(),
                format!("xor:{first}:0102030405"),
                format!("xor:{}:00ff", len - 1),
                format!("xor:{len}:01"),
                format!("xor:{}:0102", usize::MAX),
                "rewrite:0:attack:defend".to_owned(),
                "rewrite:10:dawn!:du:sk".to_owned(),
                "rewrite:26:dawn!:noon!".to_owned(),
                "rewrite:12:wn! attack:wn? ATTACK".to_owned(),
                "rewrite:46:!:?".to_owned(),
                "rewrite:0:wrong!:right!".to_owned(),
                "rewrite:47:xy:zw".to_owned(),
                format!("rewrite:{}:a:b", usize::MAX),
                format!("extend:{key0}:&to=mallory"),
                format!("extend:{key0}:&to=mallory:admin=1"),
                "extend:1:&to=mallory".to_owned(),
                format!("extend:{key0}:"),
            ])
            .collect();
        for (i, action) in actions.iter().enumerate() {
            let prev = action.starts_with("paste").then_some(&previous[..]);
            write(
                &dir,
                &format!("{scheme}_{i:02}"),
                &tamper_input(action, prev, &wire),
            )?;
        }
        // No previous message, a previous one too short for a block, a short message.
        write(
            &dir,
            &format!("{scheme}_paste_alone"),
            &tamper_input("paste:0", None, &wire),
        )?;
        write(
            &dir,
            &format!("{scheme}_paste_short"),
            &tamper_input("paste:0", Some(b"short"), &wire),
        )?;
        let short = seal(cipher, b"", 5);
        write(
            &dir,
            &format!("{scheme}_truncate_short"),
            &tamper_input("truncate", None, &short),
        )?;
        write(
            &dir,
            &format!("{scheme}_swap_short"),
            &tamper_input("swap:0:0", None, &short),
        )?;
        // An empty message (hmac and prefix-mac: no message field), and a few bytes of one.
        for (name, action) in [
            ("empty_xor", "xor:0:01".to_owned()),
            ("empty_rewrite", "rewrite:0:a:b".to_owned()),
            ("empty_extend", format!("extend:{key0}:&to=mallory")),
        ] {
            write(
                &dir,
                &format!("{scheme}_{name}"),
                &tamper_input(&action, None, &short),
            )?;
        }
        for (name, action) in [
            ("tiny_truncate", "truncate"),
            ("tiny_rewrite", "rewrite:0:a:b"),
            ("tiny_iv_flip", "iv-flip:2:0"),
            ("tiny_xor", "xor:1:0102"),
        ] {
            write(
                &dir,
                &format!("{scheme}_{name}"),
                &tamper_input(action, None, &wire[..3]),
            )?;
        }
    }
    // Fernet text that is not base64url, and unpadded.
    write(
        &dir,
        "fernet_not_base64",
        &tamper_input("flip:3:0", None, b"gAAAAA*not-base64*"),
    )?;
    let token = seal(&ciphers(Scheme::Fernet)[0], b"hi", 6);
    let unpadded: Vec<u8> = token.iter().copied().filter(|&b| b != b'=').collect();
    write(
        &dir,
        "fernet_unpadded",
        &tamper_input("flip:30:0", None, &unpadded),
    )?;
    write(&dir, "truncate_empty", &tamper_input("truncate", None, b""))?;
    Ok(())
}

fn seed_wire_seeds(out: &Path) -> std::io::Result<()> {
    let dir = out.join("seed_wire");
    let fernet = &ciphers(Scheme::Fernet)[0];
    let tokens: Vec<Vec<u8>> = MESSAGES
        .iter()
        .enumerate()
        .map(|(i, m)| seal(fernet, m, i as u8))
        .collect();
    let joined = tokens.concat();
    let split = |chunk: u8, predicate: u8| SEED_SPLIT | chunk << 2 | predicate << 5;
    // Real joined tokens, under every chunking and predicate.
    for chunk in 0..8 {
        for predicate in 0..4 {
            write(
                &dir,
                &format!("split_c{chunk}_p{predicate}"),
                &seed_wire_input(split(chunk, predicate), chunk * 4 + predicate, &joined),
            )?;
        }
    }
    let whole = |chunk| split(chunk, PREDICATE_WHOLE);
    let other_key = ciphers(Scheme::Fernet)[1].seal_with(b"other key", &nonce(1));
    let other_key = other_key.unwrap_or_default();
    let unpadded: Vec<u8> = joined.iter().copied().filter(|&b| b != b'=').collect();
    let mut with_garbage = joined.clone();
    with_garbage.extend_from_slice(b"not a token");
    let mut garbage_first = b"junk".to_vec();
    garbage_first.extend_from_slice(&joined);
    let streams: [(&str, Vec<u8>); 9] = [
        ("one_token", tokens[2].clone()),
        ("other_key", [&tokens[0][..], &other_key[..]].concat()),
        ("unpadded", unpadded),
        ("trailing_garbage", with_garbage),
        ("leading_garbage", garbage_first),
        ("cut", joined[..joined.len() - 7].to_vec()),
        ("prefixes", b"gAAAAA".repeat(24)),
        ("garbage", b"not a token at all".to_vec()),
        ("empty", vec![]),
    ];
    for (name, stream) in &streams {
        write(
            &dir,
            &format!("split_{name}"),
            &seed_wire_input(whole(4), 9, stream),
        )?;
    }

    // Lines sealed and joined by the target itself.
    let lines: [&[u8]; 6] = [
        b"",
        b"hello",
        b"a\nbb\nccc\n",
        b"gAAAAA inside gAAAAAgAAAAA\nYELLOW SUBMARINE YELLOW SUBMARINE",
        b"0\n1\n2\n3\n4\n5\n6\n7\n8\n9\na\nb\nc\nd\ne\nf\ng",
        &[b'x'; 300],
    ];
    for (i, text) in lines.iter().enumerate() {
        let chunk = (i as u8 * 3) % 8;
        write(
            &dir,
            &format!("sealed_{i}"),
            &seed_wire_input(SEED_SEALED | chunk << 2, i as u8, text),
        )?;
    }

    // Seed 003 request bodies.
    let request = |wire: &[u8]| {
        let r = DecryptMacRequest::from_wire(wire);
        format!(
            r#"{{"encrypted_mac":"{}","salt":"{}"}}"#,
            r.encrypted_mac.unwrap_or_default(),
            r.salt.unwrap_or_default()
        )
    };
    let wire: Vec<u8> = (0u8..48).collect();
    let mut bodies: Vec<Vec<u8>> = [0, 5, 16, 17, 48]
        .iter()
        .map(|&n| request(&wire[..n]).into_bytes())
        .collect();
    bodies.extend(
        [
            &br#"{"salt":"AAAA"}"#[..],
            br#"{"salt":"AAAA","encrypted_mac":"%%"}"#,
            br#"{"salt":"%%","encrypted_mac":"AAAA"}"#,
            br#"{"salt":"","encrypted_mac":"AAAA"}"#,
            br#"{"salt":" ","encrypted_mac":"AAAA"}"#,
            br#"{"salt":" AAAAAAAAAAAAAAAAAAAAAA== ","encrypted_mac":"AAAA"}"#,
            br#"{"salt":null,"encrypted_mac":null}"#,
            br#"{"salt":"\u0041AAA","encrypted_mac":"AAAA","extra":[1,2]}"#,
            br#"{"salt":"AAAA","salt":"BBBB"}"#,
            b"{\n  \"salt\": \"AAECAwQFBgcICQoLDA0ODw==\",\n  \"encrypted_mac\": \"EBESExQVFhcYGRobHB0eHw==\"\n}\n",
            b"{}",
            b"[]",
            b"null",
            b"not json",
            b"",
        ]
        .iter()
        .map(|b| b.to_vec()),
    );
    bodies.push(wire.clone());
    for (i, body) in bodies.iter().enumerate() {
        write(
            &dir,
            &format!("request_{i:02}"),
            &seed_wire_input(SEED_REQUEST, 0, body),
        )?;
    }

    // Seed 003 responses.
    let success = DecryptMacResponse::Success("00:1a:2b:3c:4d:5e".into()).body();
    let failed = DecryptMacResponse::Error(CBC_FAILED.into()).body();
    let responses: [(u16, &[u8]); 14] = [
        (200, success.as_bytes()),
        (400, success.as_bytes()),
        (400, failed.as_bytes()),
        (500, failed.as_bytes()),
        (200, failed.as_bytes()),
        (
            400,
            b"{\n  \"message\": \"Decryption failed\",\n  \"status\": \"error\"\n}\n",
        ),
        (200, br#"{"status":"success"}"#),
        (400, br#"{"status":"error"}"#),
        (400, br#"{"status":"weird","message":"x"}"#),
        (
            200,
            br#"{"status":"success","mac_address":"\ud83d\ude00","message":null}"#,
        ),
        (400, br#"{"status":"error","message":"\ud800"}"#),
        (
            400,
            "{\"status\":\"error\",\"message\":\"caf\u{e9} \u{2615}\"}".as_bytes(),
        ),
        (502, b"<html>Bad Gateway</html>"),
        (0, b""),
    ];
    for (i, (status, body)) in responses.iter().enumerate() {
        write(
            &dir,
            &format!("response_{i:02}"),
            &response_input(*status, body),
        )?;
    }
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
    tamper_seeds(&out)?;
    seed_wire_seeds(&out)?;
    println!("seeds written to {}", out.display());
    Ok(())
}
