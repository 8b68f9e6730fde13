//! Criterion benches: every scheme's seal and open at 64 B, 1 KiB and 1 MiB, and the frame
//! codec. `cargo bench --bench crypto`.

use std::hint::black_box;

use bytes::BytesMut;
use cipherlab::crypto::{Cipher, Key, OpenOptions, Scheme};
use cipherlab::wire::{Frame, LabCodec};
use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use tokio_util::codec::{Decoder, Encoder};

const SIZES: [usize; 3] = [64, 1024, 1 << 20];

fn schemes(c: &mut Criterion) {
    for scheme in Scheme::ALL {
        let Ok(key) = Key::generate(scheme) else {
            return;
        };
        let cipher = Cipher::new(&key);
        let options = OpenOptions::now(None);
        let mut group = c.benchmark_group(format!("{scheme}"));
        for size in SIZES {
            let plaintext = vec![0x5a; size];
            let Ok(wire) = cipher.seal(&plaintext) else {
                return;
            };
            group.throughput(Throughput::Bytes(size as u64));
            group.bench_with_input(BenchmarkId::new("seal", size), &plaintext, |b, p| {
                b.iter(|| cipher.seal(black_box(p)))
            });
            group.bench_with_input(BenchmarkId::new("open", size), &wire, |b, w| {
                b.iter(|| cipher.open_with(black_box(w), &options))
            });
        }
        group.finish();
    }
}

fn codec(c: &mut Criterion) {
    let frame = Frame::Data {
        seq: 42,
        sealed: bytes::Bytes::from(vec![7u8; 120]),
    };
    let verdict = Frame::Verdict {
        seq: 42,
        verdict: cipherlab::crypto::Verdict::Authentic,
    };
    let mut group = c.benchmark_group("codec");
    group.bench_function("encode DATA 120 B", |b| {
        let mut buf = BytesMut::with_capacity(256);
        b.iter(|| {
            buf.clear();
            LabCodec::default().encode(black_box(&frame), &mut buf)
        })
    });
    group.bench_function("encode+decode VERDICT", |b| {
        let mut buf = BytesMut::with_capacity(256);
        b.iter(|| {
            LabCodec::default()
                .encode(black_box(&verdict), &mut buf)
                .ok();
            LabCodec::default().decode(&mut buf)
        })
    });
    group.finish();
}

criterion_group!(benches, schemes, codec);
criterion_main!(benches);
