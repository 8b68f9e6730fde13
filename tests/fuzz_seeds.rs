//! Runs every checked-in fuzz seed through its target's body, without libFuzzer: a quick check
//! on stable, in the main suite, that the seeds and targets agree and pass. The bodies are the
//! fuzz crate's own `fuzz/src/lib.rs`, compiled here as a module, so that the suite builds no
//! second copy of the crate and its dependencies. Extra inputs (say, a crash to reproduce) can
//! be given in `CIPHERLAB_FUZZ_REPLAY` as `target=path` pairs separated by `:`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

// Each fuzz target and the seed generator use a part of it; this test uses the rest.
#[allow(dead_code)]
#[path = "../fuzz/src/lib.rs"]
mod cipherlab_fuzz;

use std::fs;
use std::path::Path;

use cipherlab::crypto::{Key, KeyError, Scheme};

fn run(target: &str, data: &[u8]) {
    match target {
        "frame_decoder" => cipherlab_fuzz::fuzz_frame_decoder(data),
        "open_ecb" => cipherlab_fuzz::fuzz_open(Scheme::Ecb, data),
        "open_cbc" => cipherlab_fuzz::fuzz_open(Scheme::Cbc, data),
        "open_fernet" => cipherlab_fuzz::fuzz_open(Scheme::Fernet, data),
        "open_hmac" => cipherlab_fuzz::fuzz_open(Scheme::Hmac, data),
        "open_prefix_mac" => cipherlab_fuzz::fuzz_open(Scheme::PrefixMac, data),
        "open_gcm" => cipherlab_fuzz::fuzz_open(Scheme::Gcm, data),
        "open_chacha" => cipherlab_fuzz::fuzz_open(Scheme::Chacha, data),
        "key_text" => cipherlab_fuzz::fuzz_key_text(data),
        "tamper_grammar" => cipherlab_fuzz::fuzz_tamper(data),
        "seed_wire" => cipherlab_fuzz::fuzz_seed_wire(data),
        other => panic!("unknown target {other}"),
    }
}

const TARGETS: [&str; 11] = [
    "frame_decoder",
    "open_ecb",
    "open_cbc",
    "open_fernet",
    "open_hmac",
    "open_prefix_mac",
    "open_gcm",
    "open_chacha",
    "key_text",
    "tamper_grammar",
    "seed_wire",
];

#[test]
fn every_seed_passes_its_target() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/seeds");
    for target in TARGETS {
        let dir = seeds.join(target);
        let mut count = 0;
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.expect("a directory entry").path();
            let data = fs::read(&path).expect("a readable seed");
            run(target, &data);
            count += 1;
        }
        assert!(count >= 5, "{target} has only {count} seeds");
    }
}

#[test]
fn replay_given_inputs() {
    let Ok(list) = std::env::var("CIPHERLAB_FUZZ_REPLAY") else {
        return;
    };
    for pair in list.split(':').filter(|p| !p.is_empty()) {
        let (target, path) = pair.split_once('=').expect("target=path");
        let data = fs::read(path).expect("a readable input");
        run(target, &data);
    }
}

#[test]
fn short_and_empty_inputs_are_harmless() {
    for target in TARGETS {
        for len in 0..20 {
            run(target, &vec![0u8; len]);
            run(target, &vec![0xffu8; len]);
        }
    }
}

/// The twin `key_text` compares errors against must be read exactly as the key text is: a
/// few thousand texts from the characters the parsers care about, with and without prefixes,
/// of the lengths where keys and errors change (the target panics if an error differs).
#[test]
fn same_shape_twins_read_like_their_key_texts() {
    const PIECES: [&str; 24] = [
        "0",
        "9",
        "a",
        "f",
        "A",
        "F",
        "g",
        "z",
        "G",
        "Z",
        "w",
        "=",
        "+",
        "/",
        "-",
        "_",
        " ",
        "\t",
        "!",
        ":",
        "\u{e9}",
        "\u{2615}",
        "\u{a0}",
        "\u{1f512}",
    ];
    const PREFIXES: [&str; 5] = ["", "hex:", "base64:", "text:", "gdw:"];
    let mut state = 0x2545_f491_4f6c_dd1du64;
    let mut next = move |n: usize| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % n as u64) as usize
    };
    for _ in 0..20_000 {
        let mut text = PREFIXES[next(PREFIXES.len())].to_owned();
        let len = [1, 2, 3, 15, 16, 22, 23, 24, 31, 32, 43, 44, 48, 64][next(14)];
        // Mostly one class, so that whole keys of each form come up, with a few odd ones.
        let main = next(PIECES.len());
        for _ in 0..len {
            let piece = if next(8) == 0 {
                next(PIECES.len())
            } else {
                main
            };
            text.push_str(PIECES[piece]);
        }
        let twin = cipherlab_fuzz::same_shape(&text);
        assert_eq!(twin.len(), text.len(), "{text:?} -> {twin:?}");
        cipherlab_fuzz::fuzz_key_text(text.as_bytes());
    }
}

/// The property itself: an error that quotes the key text, or only a piece of it, is caught;
/// the real error for a key text that is a piece of the fixed wording is not.
#[test]
fn an_error_quoting_the_key_is_caught_and_the_fixed_wording_is_not() {
    let wording = "hex:d 16, 24 or 32 bytes (AES-128/1";
    let real = Key::parse(Scheme::Ecb, wording).expect_err("refused");
    assert!(real.to_string().contains(&wording[4..]), "{real}");
    cipherlab_fuzz::check_key_error(Scheme::Ecb, wording, &real);

    for (text, detail) in [
        ("hex:0011zz", "got 0011zz"),
        ("hex:0011zz", "character 5 ('z') is not a hex digit"),
        (wording, "got d 16, 24 or 32 bytes (AES-128/1"),
    ] {
        let leaky = KeyError::BadHex {
            scheme: Scheme::Ecb,
            detail: detail.to_owned(),
        };
        let caught =
            std::panic::catch_unwind(|| cipherlab_fuzz::check_key_error(Scheme::Ecb, text, &leaky));
        assert!(caught.is_err(), "{leaky} passed for {text:?}");
    }
}
