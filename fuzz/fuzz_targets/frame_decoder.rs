//! Feeds arbitrary bytes through `LabCodec` in input-driven chunks and whole, under a small
//! cap, the default one, or a tiny one. Layout and invariants: `cipherlab_fuzz::fuzz_frame_decoder`.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| cipherlab_fuzz::fuzz_frame_decoder(data));
