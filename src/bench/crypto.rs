//! `cipherlab bench crypto`: seal and open throughput per scheme, MB/s at 1 MiB and operations
//! per second at 64 bytes; the median of several short rounds.

use std::time::{Duration, Instant};

use serde::Serialize;

use super::median;
use crate::crypto::{Cipher, Key, OpenOptions, Scheme};

/// Rounds per figure; the median is reported.
const ROUNDS: usize = 5;
/// How long one round runs.
const ROUND: Duration = Duration::from_millis(300);

/// One scheme's figures.
#[derive(Debug, Clone, Serialize)]
pub struct SchemeFigures {
    /// The scheme.
    pub scheme: &'static str,
    /// Sealing 1 MiB messages into one reused buffer (`seal_into`, as `openssl speed` reuses
    /// its buffer), in MB/s (10^6 bytes).
    pub seal_mb_per_sec: f64,
    /// Opening 1 MiB messages into one reused buffer (`open_into`), in MB/s.
    pub open_mb_per_sec: f64,
    /// Sealing 1 MiB messages, each into a new buffer (`seal`), in MB/s.
    pub seal_fresh_mb_per_sec: f64,
    /// Opening 1 MiB messages, each into a new buffer (`open`), in MB/s.
    pub open_fresh_mb_per_sec: f64,
    /// Sealing 64-byte messages, per second.
    pub seal_64b_ops_per_sec: f64,
    /// Opening 64-byte messages, per second.
    pub open_64b_ops_per_sec: f64,
}

/// Runs `op` repeatedly for about `ROUND` and returns operations per second.
fn rate(mut op: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut count = 0u64;
    while start.elapsed() < ROUND {
        for _ in 0..16 {
            op();
        }
        count += 16;
    }
    count as f64 / start.elapsed().as_secs_f64()
}

fn figures(scheme: Scheme) -> Option<SchemeFigures> {
    let cipher = Cipher::new(&Key::generate(scheme).ok()?);
    let big = vec![0x5au8; 1 << 20];
    let small = [0x5au8; 64];
    let big_wire = cipher.seal(&big).ok()?;
    let small_wire = cipher.seal(&small).ok()?;
    let options = OpenOptions::now(None);
    let mb = |ops: f64| ops * big.len() as f64 / 1e6;
    let round = |op: &mut dyn FnMut()| median((0..ROUNDS).map(|_| rate(&mut *op)).collect());
    let mut reused = Vec::new();
    Some(SchemeFigures {
        scheme: scheme.name(),
        seal_mb_per_sec: mb(round(&mut || {
            let _ = std::hint::black_box(cipher.seal_into(&big, &mut reused));
        })),
        open_mb_per_sec: mb(round(&mut || {
            std::hint::black_box(cipher.open_into(&big_wire, &options, &mut reused));
        })),
        seal_fresh_mb_per_sec: mb(round(&mut || drop(std::hint::black_box(cipher.seal(&big))))),
        open_fresh_mb_per_sec: mb(round(&mut || {
            drop(std::hint::black_box(cipher.open_with(&big_wire, &options)))
        })),
        seal_64b_ops_per_sec: round(&mut || drop(std::hint::black_box(cipher.seal(&small)))),
        open_64b_ops_per_sec: round(&mut || {
            drop(std::hint::black_box(
                cipher.open_with(&small_wire, &options),
            ))
        }),
    })
}

/// The AES primitive alone, measured the way `openssl speed` measures it: one 1 MiB buffer
/// encrypted (or decrypted) in place again and again, with no allocation, padding or copy.
/// Set beside a scheme's figure, it shows what a fresh output buffer per message costs.
#[derive(Debug, Clone, Serialize)]
pub struct PrimitiveFigures {
    /// AES-128-ECB encryption in place, MB/s.
    pub aes128_ecb_encrypt_mb_per_sec: f64,
    /// AES-128-CBC decryption in place, MB/s.
    pub aes128_cbc_decrypt_mb_per_sec: f64,
}

/// Measures the AES primitive in place.
pub fn primitives() -> PrimitiveFigures {
    use aes::Aes128;
    use aes::cipher::block_padding::NoPadding;
    use aes::cipher::{BlockDecryptMut, BlockEncryptMut, KeyInit, KeyIvInit};

    let key = [0x42u8; 16];
    let iv = [0x24u8; 16];
    let mut buf = vec![0x5au8; 1 << 20];
    let len = buf.len();
    let mb = |ops: f64| ops * len as f64 / 1e6;
    let mut round = |op: &mut dyn FnMut(&mut [u8])| {
        median((0..ROUNDS).map(|_| rate(|| op(&mut buf))).collect())
    };
    let ecb = round(&mut |b| {
        let _ = ecb::Encryptor::<Aes128>::new(&key.into()).encrypt_padded_mut::<NoPadding>(b, len);
    });
    let cbc = round(&mut |b| {
        let _ = cbc::Decryptor::<Aes128>::new(&key.into(), &iv.into())
            .decrypt_padded_mut::<NoPadding>(b);
    });
    PrimitiveFigures {
        aes128_ecb_encrypt_mb_per_sec: mb(ecb),
        aes128_cbc_decrypt_mb_per_sec: mb(cbc),
    }
}

/// The primitive figures as two lines.
pub fn primitive_table(p: &PrimitiveFigures) -> String {
    format!(
        "AES-128 alone, in place on one 1 MiB buffer (as openssl speed measures it):\n  \
         ECB encrypt {:>8.0} MB/s\n  CBC decrypt {:>8.0} MB/s\n",
        p.aes128_ecb_encrypt_mb_per_sec, p.aes128_cbc_decrypt_mb_per_sec
    )
}

/// Measures every scheme.
pub fn run() -> Vec<SchemeFigures> {
    Scheme::ALL.into_iter().filter_map(figures).collect()
}

/// The figures as a table.
pub fn table(figures: &[SchemeFigures]) -> String {
    let mut out = format!(
        "{:<10} {:>11} {:>11} {:>13} {:>13} {:>13} {:>13}\n",
        "scheme",
        "seal MB/s",
        "open MB/s",
        "seal new buf",
        "open new buf",
        "seal 64B op/s",
        "open 64B op/s"
    );
    for f in figures {
        out.push_str(&format!(
            "{:<10} {:>11.0} {:>11.0} {:>13.0} {:>13.0} {:>13.0} {:>13.0}\n",
            f.scheme,
            f.seal_mb_per_sec,
            f.open_mb_per_sec,
            f.seal_fresh_mb_per_sec,
            f.open_fresh_mb_per_sec,
            f.seal_64b_ops_per_sec,
            f.open_64b_ops_per_sec
        ));
    }
    out.push_str(
        "(MB/s: 1 MiB messages, 10^6 bytes per MB; seal and open write over one reused buffer, \
         as openssl speed does,\n new buf: a new buffer per message; medians of 5 rounds of 0.3 s)\n",
    );
    out
}
