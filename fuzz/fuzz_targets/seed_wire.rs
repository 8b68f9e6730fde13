//! Drives the seed wire's pure parts: the Fernet `TokenSplitter` over arbitrary and real joined
//! tokens, `token_shaped`, and seed 003's request and response bodies. Layout and invariants:
//! `cipherlab_fuzz::fuzz_seed_wire`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cipherlab_fuzz::fuzz_seed_wire(data));
