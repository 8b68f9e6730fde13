//! docs/PROTOCOL.md's annotated exchange is real: every hex block decodes with the codec and
//! re-encodes to the same bytes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::BytesMut;
use cipherlab::crypto::{Cipher, Key, Scheme};
use cipherlab::wire::{Frame, LabCodec};
use tokio_util::codec::Decoder;

fn hex_blocks(doc: &str) -> Vec<Vec<u8>> {
    doc.split("```hex\n")
        .skip(1)
        .map(|block| {
            let block = &block[..block.find("```").unwrap()];
            block
                .lines()
                .flat_map(|line| {
                    let hex = line.split("  ").nth(1).unwrap_or("");
                    hex.split_whitespace()
                        .map(|b| u8::from_str_radix(b, 16).unwrap())
                        .collect::<Vec<_>>()
                })
                .collect()
        })
        .collect()
}

#[test]
fn the_documented_exchange_decodes_and_re_encodes_exactly() {
    let doc =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/PROTOCOL.md")).unwrap();
    let blocks = hex_blocks(&doc);
    assert_eq!(blocks.len(), 9);
    let mut frames = vec![];
    for bytes in &blocks {
        let mut buf = BytesMut::from(&bytes[..]);
        let frame = LabCodec::default()
            .decode(&mut buf)
            .unwrap()
            .expect("a whole frame");
        assert!(buf.is_empty(), "trailing bytes after {frame:?}");
        assert_eq!(
            &frame.to_bytes()[..],
            &bytes[..],
            "{frame:?} re-encodes differently"
        );
        frames.push(frame);
    }
    let kinds: Vec<_> = frames.iter().map(Frame::kind_name).collect();
    assert_eq!(
        kinds,
        [
            "HELLO", "WELCOME", "DATA", "VERDICT", "BYE", "TASK", "ANSWER", "RESULT", "NOTICE"
        ]
    );
    // The DATA frame really is "hello, lab" under the WELCOME's key.
    let (Frame::Welcome(welcome), Frame::Data { sealed: wire, .. }) = (&frames[1], &frames[2])
    else {
        unreachable!()
    };
    let key = Key::parse(Scheme::Ecb, welcome.key.as_deref().unwrap()).unwrap();
    assert_eq!(
        Cipher::new(&key).open(wire).plaintext.as_deref(),
        Some(&b"hello, lab"[..])
    );
}
