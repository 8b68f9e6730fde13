//! Runs every checked-in seed through its target's body, without libFuzzer: a quick check on
//! stable (`cargo test --manifest-path fuzz/Cargo.toml`) that the seeds and targets agree and
//! pass. Extra inputs (say, a crash to reproduce) can be given in `CIPHERLAB_FUZZ_REPLAY` as
//! `target=path` pairs separated by `:`.

use std::fs;
use std::path::Path;

use cipherlab::crypto::Scheme;

fn run(target: &str, data: &[u8]) {
    match target {
        "frame_decoder" => cipherlab_fuzz::fuzz_frame_decoder(data),
        "open_ecb" => cipherlab_fuzz::fuzz_open(Scheme::Ecb, data),
        "open_cbc" => cipherlab_fuzz::fuzz_open(Scheme::Cbc, data),
        "open_fernet" => cipherlab_fuzz::fuzz_open(Scheme::Fernet, data),
        "open_hmac" => cipherlab_fuzz::fuzz_open(Scheme::Hmac, data),
        "key_text" => cipherlab_fuzz::fuzz_key_text(data),
        "tamper_grammar" => cipherlab_fuzz::fuzz_tamper(data),
        "seed_wire" => cipherlab_fuzz::fuzz_seed_wire(data),
        other => panic!("unknown target {other}"),
    }
}

const TARGETS: [&str; 8] = [
    "frame_decoder",
    "open_ecb",
    "open_cbc",
    "open_fernet",
    "open_hmac",
    "key_text",
    "tamper_grammar",
    "seed_wire",
];

#[test]
fn every_seed_passes_its_target() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("seeds");
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
