//! Opens arbitrary bytes as a chacha message under fixed keys, with an arbitrary clock and TTL.
//! Layout and invariants: `cipherlab_fuzz::fuzz_open`.
#![no_main]

use cipherlab::crypto::Scheme;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cipherlab_fuzz::fuzz_open(Scheme::Chacha, data));
