//! Parses arbitrary text as a tamper action, prints it back, then applies it (and asks what it
//! touches) on arbitrary wire bytes under every scheme. Layout and invariants:
//! `cipherlab_fuzz::fuzz_tamper`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cipherlab_fuzz::fuzz_tamper(data));
