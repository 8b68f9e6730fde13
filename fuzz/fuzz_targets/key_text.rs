//! Parses arbitrary text (lossy UTF-8) as a key of every scheme.
//! Invariants: `cipherlab_fuzz::fuzz_key_text`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cipherlab_fuzz::fuzz_key_text(data));
