//! The bodies of cipherlab's fuzz targets, shared by the targets in `fuzz_targets/`, the seed
//! generator (`examples/make_corpus.rs`) and the main crate's seed replay test
//! (`tests/fuzz_seeds.rs`, which compiles this file as a module).
//!
//! Each `fuzz_*` function takes libFuzzer's raw input and panics when an invariant of the
//! library does not hold. The input layouts are described on each function, and the
//! `*_input` helpers build inputs in those layouts so that seeds and targets always agree.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use bytes::{Bytes, BytesMut};
use std::ops::Range;
use std::sync::OnceLock;
use tokio_util::codec::Decoder;

use cipherlab::crypto::{
    Anatomy, BLOCK, Cipher, Encoding, FieldKind, Key, KeyError, Nonce, OpenOptions, Reason, Scheme,
    TAG, Tamper, TamperError, Verdict,
};
use cipherlab::wire::frame::{self, DEFAULT_MAX_FRAME};
use cipherlab::wire::seed::{
    DecryptMacRequest, DecryptMacResponse, SeedRequestError, TokenSplitter, token_shaped,
};
use cipherlab::wire::{Frame, FrameError, LabCodec};

// ---------------------------------------------------------------------------------------------
// frame_decoder
// ---------------------------------------------------------------------------------------------

/// The small cap the frame decoder target uses besides the default.
pub const SMALL_MAX_FRAME: usize = 4096;

/// Builds a `frame_decoder` input: `mode`, `seed`, then the byte stream.
pub fn frame_input(mode: u8, seed: u8, stream: &[u8]) -> Vec<u8> {
    let mut data = vec![mode, seed];
    data.extend_from_slice(stream);
    data
}

/// The cap a `frame_decoder` mode byte selects (bits 0–1).
fn max_frame_for(mode: u8, seed: u8) -> usize {
    match mode & 0b11 {
        0 | 3 => SMALL_MAX_FRAME,
        1 => DEFAULT_MAX_FRAME,
        // A tiny cap, so that TooLarge is common: 0..=255 (0 refuses every frame).
        _ => usize::from(seed),
    }
}

/// Splits `stream` into chunks whose sizes come from a xorshift generator seeded by the input,
/// so that the fuzzer controls the chunking without disturbing the stream's own bytes.
fn chunks(mode: u8, seed: u8, stream: &[u8]) -> Vec<&[u8]> {
    // Bits 2–4: the largest chunk size.
    let max_chunk = [1usize, 2, 3, 5, 16, 64, 512, usize::MAX][usize::from((mode >> 2) & 0b111)];
    let mut state = u32::from(seed) << 8 | u32::from(mode) | 0x9e37_0000;
    let mut out = Vec::new();
    let mut rest = stream;
    while !rest.is_empty() {
        state ^= state << 13;
        state ^= state >> 17;
        state ^= state << 5;
        let size = if max_chunk == usize::MAX {
            rest.len()
        } else {
            1 + state as usize % max_chunk
        };
        let (head, tail) = rest.split_at(size.min(rest.len()));
        out.push(head);
        rest = tail;
    }
    out
}

/// What decoding produced: a frame, or the error that ended the stream (as text, since
/// `FrameError` has no `PartialEq`).
#[derive(Debug, PartialEq, Eq)]
enum Outcome {
    Frame(Frame),
    Error(String),
}

/// Decodes `pieces` as a `Framed` would: each piece is appended, then frames are taken until
/// the codec wants more; an error ends the stream; at the end `decode_eof` drains the rest.
/// Checks, at every step, that `check` and `decode` agree.
fn decode_stream(max_frame: usize, pieces: &[&[u8]]) -> Vec<Outcome> {
    let mut codec = LabCodec::new(max_frame);
    let mut buf = BytesMut::new();
    let mut out = Vec::new();
    for piece in pieces {
        buf.extend_from_slice(piece);
        loop {
            match step(&mut codec, &mut buf, max_frame, false) {
                Step::Frame(frame) => out.push(Outcome::Frame(frame)),
                Step::NeedMore => break,
                Step::Error(e) => {
                    out.push(Outcome::Error(e));
                    return out;
                }
            }
        }
    }
    loop {
        match step(&mut codec, &mut buf, max_frame, true) {
            Step::Frame(frame) => out.push(Outcome::Frame(frame)),
            Step::NeedMore => {
                assert!(
                    buf.is_empty(),
                    "decode_eof returned Ok(None) with bytes left"
                );
                break;
            }
            Step::Error(e) => {
                out.push(Outcome::Error(e));
                break;
            }
        }
    }
    out
}

enum Step {
    Frame(Frame),
    NeedMore,
    Error(String),
}

/// One call of `decode` (or `decode_eof`), checked against `check` and `Frame::parse`.
fn step(codec: &mut LabCodec, buf: &mut BytesMut, max_frame: usize, eof: bool) -> Step {
    let before = Bytes::copy_from_slice(buf);
    let checked = frame::check(&before, max_frame);
    if let Ok(Some(total)) = checked {
        assert!(
            total <= 4 + max_frame,
            "check reported {total} bytes, more than 4 + max_frame ({max_frame})"
        );
        assert!(
            total <= before.len(),
            "check reported {total} of {} bytes",
            before.len()
        );
        assert!(total >= 5, "check accepted a frame of {total} bytes");
    }
    let result = if eof {
        codec.decode_eof(buf)
    } else {
        codec.decode(buf)
    };
    match (checked, result) {
        (Ok(Some(total)), Ok(Some(frame))) => {
            assert_eq!(
                &buf[..],
                &before[total..],
                "decode consumed other than one frame"
            );
            let reference = Frame::parse(before.slice(4..total));
            // After the handshake a kind this version does not know is passed up, so that the
            // session reports it and keeps the connection; `parse` still names it unknown.
            if let Frame::Unknown { kind } = frame {
                assert!(
                    matches!(&reference, Err(FrameError::UnknownKind(k)) if *k == kind),
                    "decode gave {frame:?}, Frame::parse gave {reference:?}"
                );
                return Step::Frame(frame);
            }
            assert!(
                matches!(&reference, Ok(f) if *f == frame),
                "decode gave {frame:?}, Frame::parse gave {reference:?}"
            );
            round_trip(&frame);
            Step::Frame(frame)
        }
        (Ok(Some(total)), Err(e)) => {
            assert_eq!(
                &buf[..],
                &before[total..],
                "a bad frame was not consumed whole"
            );
            let reference = Frame::parse(before.slice(4..total));
            assert!(
                matches!(&reference, Err(r) if r.to_string() == e.to_string()),
                "decode failed with {e}, Frame::parse gave {reference:?}"
            );
            Step::Error(e.to_string())
        }
        (Ok(None), Ok(None)) => {
            assert_eq!(
                &buf[..],
                &before[..],
                "decode changed the buffer without a frame"
            );
            Step::NeedMore
        }
        (Ok(None), Err(e)) if eof => {
            assert!(
                matches!(e, FrameError::Truncated { have, need }
                    if have == before.len() && need > have),
                "decode_eof on a partial frame gave {e}"
            );
            Step::Error(e.to_string())
        }
        (Err(c), Err(e)) => {
            assert_eq!(c.to_string(), e.to_string(), "check and decode disagree");
            Step::Error(e.to_string())
        }
        (checked, result) => panic!("check gave {checked:?} but decode gave {result:?}"),
    }
}

/// A decoded frame re-encodes to bytes that decode to the same frame, and re-encoding that
/// frame gives the same bytes again.
fn round_trip(frame: &Frame) {
    let bytes = frame.to_bytes();
    assert!(
        bytes.len() >= 5,
        "{frame:?} encoded to {} bytes",
        bytes.len()
    );
    let body = bytes.len() - 4;
    assert_eq!(
        frame::check(&bytes, body).ok(),
        Some(Some(bytes.len())),
        "re-encoded {frame:?} does not check as one whole frame"
    );
    let mut buf = BytesMut::from(&bytes[..]);
    let again = LabCodec::new(body).decode(&mut buf);
    match again {
        Ok(Some(again)) => {
            assert_eq!(&again, frame, "frame changed on re-encode and re-decode");
            assert!(buf.is_empty(), "re-decoding left {} bytes", buf.len());
            assert_eq!(again.to_bytes(), bytes, "encoding is not stable");
        }
        other => panic!("re-encoded {frame:?} ({bytes:?}) did not decode: {other:?}"),
    }
    let mut buf = BytesMut::from(&bytes[..]);
    assert!(
        matches!(LabCodec::new(body).decode_eof(&mut buf), Ok(Some(ref f)) if f == frame),
        "decode_eof disagrees with decode"
    );
}

/// `frame_decoder`: byte 0 is the mode (bits 0–1 pick the cap: 4096, the default 1 MiB, or
/// byte 1 itself; bits 2–4 the largest chunk), byte 1 seeds the chunk sizes, the rest is the
/// stream. The stream is decoded in chunks and whole, and both must give the same frames.
pub fn fuzz_frame_decoder(data: &[u8]) {
    let [mode, seed, stream @ ..] = data else {
        return;
    };
    let max_frame = max_frame_for(*mode, *seed);
    let chunked = decode_stream(max_frame, &chunks(*mode, *seed, stream));
    let whole = decode_stream(max_frame, &[stream]);
    assert_eq!(chunked, whole, "chunking changed what was decoded");
    // The default cap must decode whatever the small one did, up to the first error.
    if max_frame < DEFAULT_MAX_FRAME {
        let default = decode_stream(DEFAULT_MAX_FRAME, &[stream]);
        for (small, big) in whole.iter().zip(&default) {
            match small {
                Outcome::Frame(_) => assert_eq!(small, big, "a bigger cap changed a frame"),
                Outcome::Error(_) => break,
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The wire formats, restated from the schemes' docs
// ---------------------------------------------------------------------------------------------

/// The nonce that starts a gcm or chacha message.
pub const AEAD_NONCE_LEN: usize = 12;
/// The tag that ends a gcm or chacha message.
pub const AEAD_TAG_LEN: usize = 16;
/// The big-endian `u32` length field that starts an hmac or prefix-mac message.
pub const LENGTH_FIELD: usize = 4;

/// How a scheme's message carries the plaintext.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Carrier {
    /// ecb: 16-byte blocks, each decrypted on its own.
    Codebook,
    /// cbc and fernet: 16-byte blocks chained from an IV (cbc's salt, fernet's IV).
    Chained,
    /// hmac and prefix-mac: `len u32 BE ‖ m ‖ tag 32`, the plaintext itself on the wire.
    Plaintext,
    /// gcm and chacha: `nonce 12 ‖ ct ‖ tag 16`, a stream ciphertext as long as the plaintext.
    Stream,
}

/// How `scheme` carries the plaintext.
pub fn carrier(scheme: Scheme) -> Carrier {
    match scheme {
        Scheme::Ecb => Carrier::Codebook,
        Scheme::Cbc | Scheme::Fernet => Carrier::Chained,
        Scheme::Hmac | Scheme::PrefixMac => Carrier::Plaintext,
        Scheme::Gcm | Scheme::Chacha => Carrier::Stream,
    }
}

/// For the schemes whose message travels as one run: the header's length (the length field or
/// the nonce) and the tag's.
fn frame_of(scheme: Scheme) -> Option<(usize, usize)> {
    match carrier(scheme) {
        Carrier::Plaintext => Some((LENGTH_FIELD, TAG)),
        Carrier::Stream => Some((AEAD_NONCE_LEN, AEAD_TAG_LEN)),
        Carrier::Codebook | Carrier::Chained => None,
    }
}

/// The run (`m` or `ct`) of a message of `len` bytes between its header and its tag, possibly
/// empty; `None` when the message cannot hold both, or the scheme has blocks instead.
fn run_of(scheme: Scheme, len: usize) -> Option<Range<usize>> {
    let (head, tail) = frame_of(scheme)?;
    (len >= head + tail).then(|| head..len - tail)
}

/// The fields a message of hmac, prefix-mac, gcm or chacha dissects into: the header (as much
/// of it as there is; a MAC message shorter than its length field is one unparsed field), the
/// run when it is not empty, then whatever follows up to a whole tag.
fn run_fields(scheme: Scheme, bytes: &[u8]) -> Option<Vec<(Range<usize>, FieldKind)>> {
    let (head, tail) = frame_of(scheme)?;
    let n = bytes.len();
    let mut out = Vec::new();
    if carrier(scheme) == Carrier::Plaintext {
        if n < LENGTH_FIELD {
            if n > 0 {
                out.push((0..n, FieldKind::Trailing));
            }
            return Some(out);
        }
        let value = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        out.push((0..LENGTH_FIELD, FieldKind::Length { value }));
    } else if n > 0 {
        out.push((0..n.min(head), FieldKind::Nonce));
    }
    let body = n.saturating_sub(head + tail);
    if body > 0 {
        let kind = if carrier(scheme) == Carrier::Plaintext {
            FieldKind::Message
        } else {
            FieldKind::Ciphertext
        };
        out.push((head..head + body, kind));
    }
    if n > head + body {
        out.push((head + body..n, FieldKind::Tag));
    }
    Some(out)
}

/// Why hmac, prefix-mac, gcm and chacha must reject `wire` if they do: too short for header and
/// tag; for the MACs, a length field that is not the message's length; otherwise the tag.
/// `None` for the other schemes.
fn run_rejection(scheme: Scheme, wire: &[u8]) -> Option<Reason> {
    let run = match run_of(scheme, wire.len()) {
        Some(run) => run,
        None => return frame_of(scheme).map(|_| Reason::TooShort),
    };
    if carrier(scheme) == Carrier::Plaintext {
        let claimed = u32::from_be_bytes([wire[0], wire[1], wire[2], wire[3]]);
        if u64::from(claimed) != run.len() as u64 {
            return Some(Reason::LengthMismatch);
        }
    }
    Some(Reason::TagMismatch)
}

// ---------------------------------------------------------------------------------------------
// open_<scheme>
// ---------------------------------------------------------------------------------------------

/// The fixed keys of each scheme, by index (`flags >> 1`, modulo the count).
pub fn key_texts(scheme: Scheme) -> &'static [&'static str] {
    match scheme {
        Scheme::Ecb | Scheme::Cbc => &[
            // SP 800-38A's AES-128 key.
            "2b7e151628aed2a6abf7158809cf4f3c",
            // Seed 003's key.
            "text:mysecretkey12345",
            "hex:000102030405060708090a0b0c0d0e0f1011121314151617",
            "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ],
        Scheme::Fernet => &[
            // The Fernet spec's test key.
            "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=",
            "hex:000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
        ],
        Scheme::Hmac | Scheme::PrefixMac => &[
            // Seed 004's key.
            "your_shared_secret_key",
            "k",
            // Longer than SHA-256's 64-byte block, so HMAC hashes it first (and prefix-mac's
            // `key ‖ m` spans two blocks before the message starts).
            "hex:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\
             00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\
             ffeeddccbbaa99887766554433221100",
        ],
        Scheme::Gcm => &[
            // The GCM specification's test cases 1 and 3, and 9 (AES-192).
            "00000000000000000000000000000000",
            "feffe9928665731c6d6a8f9467308308",
            "hex:feffe9928665731c6d6a8f9467308308feffe9928665731c",
            "base64:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        ],
        Scheme::Chacha => &[
            // RFC 8439 §2.8.2's key.
            "808182838485868788898a8b8c8d8e8f909192939495969798999a9b9c9d9e9f",
            "text:0123456789abcdef0123456789abcdef",
        ],
    }
}

/// The length in bytes of fixed key `index` of `scheme` (see [`key_texts`]).
pub fn key_len(scheme: Scheme, index: usize) -> usize {
    let texts = key_texts(scheme);
    match Key::parse(scheme, texts[index % texts.len()]) {
        Ok(key) => key.as_bytes().len(),
        Err(e) => panic!("fixed {scheme} key {index} does not parse: {e}"),
    }
}

fn scheme_index(scheme: Scheme) -> usize {
    Scheme::ALL
        .iter()
        .position(|s| *s == scheme)
        .unwrap_or_default()
}

/// The expanded ciphers of [`key_texts`], made once per process.
pub fn ciphers(scheme: Scheme) -> &'static [Cipher] {
    static CIPHERS: OnceLock<Vec<Vec<Cipher>>> = OnceLock::new();
    let all = CIPHERS.get_or_init(|| {
        Scheme::ALL
            .iter()
            .map(|&scheme| {
                key_texts(scheme)
                    .iter()
                    .map(|text| match Key::parse(scheme, text) {
                        Ok(key) => Cipher::new(&key),
                        Err(e) => panic!("fixed {scheme} key {text:?} does not parse: {e}"),
                    })
                    .collect()
            })
            .collect()
    });
    &all[scheme_index(scheme)]
}

/// Length of the `open_*` header: flags, `now` and `ttl`.
pub const OPEN_HEADER: usize = 17;

/// An `open_*` input, split.
#[derive(Clone, Copy, Debug)]
pub struct OpenInput<'a> {
    /// Which fixed key.
    pub key_index: usize,
    /// The receiver's clock and TTL.
    pub options: OpenOptions,
    /// The message bytes.
    pub wire: &'a [u8],
}

impl<'a> OpenInput<'a> {
    /// Splits `data`: byte 0 is flags (bit 0: a TTL is set; bits 1–7: the key index), bytes
    /// 1–8 `now` and 9–16 `ttl` (big-endian), and the rest the wire bytes. A shorter input is
    /// read as if zero-padded, with empty wire bytes.
    pub fn split(data: &'a [u8]) -> OpenInput<'a> {
        let mut header = [0u8; OPEN_HEADER];
        let n = data.len().min(OPEN_HEADER);
        header[..n].copy_from_slice(&data[..n]);
        let u64_at = |i: usize| {
            let mut b = [0u8; 8];
            b.copy_from_slice(&header[i..i + 8]);
            u64::from_be_bytes(b)
        };
        OpenInput {
            key_index: usize::from(header[0] >> 1),
            options: OpenOptions {
                now: u64_at(1),
                ttl: (header[0] & 1 == 1).then(|| u64_at(9)),
            },
            wire: &data[n..],
        }
    }
}

/// Builds an `open_*` input.
pub fn open_input(key_index: usize, options: OpenOptions, wire: &[u8]) -> Vec<u8> {
    let key_bits = u8::try_from(key_index).unwrap_or(0) & 0x7f;
    let mut data = vec![key_bits << 1 | u8::from(options.ttl.is_some())];
    data.extend_from_slice(&options.now.to_be_bytes());
    data.extend_from_slice(&options.ttl.unwrap_or(0).to_be_bytes());
    data.extend_from_slice(wire);
    data
}

/// The base64url decoding Fernet tokens use (padding optional), independent of cipherlab's.
const TOKEN_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

/// Decodes a Fernet token's text.
pub fn decode_token(wire: &[u8]) -> Option<Vec<u8>> {
    TOKEN_BASE64.decode(wire).ok()
}

/// `open_<scheme>`: see [`OpenInput::split`] for the layout. Opening never panics, the
/// plaintext is there exactly when the verdict accepts, an accepted message is exactly what
/// sealing its plaintext gives (so random bytes are never `authentic`), the anatomy covers the
/// bytes, and sealing the wire bytes as a message opens back to them.
pub fn fuzz_open(scheme: Scheme, data: &[u8]) {
    let input = OpenInput::split(data);
    let keys = ciphers(scheme);
    let cipher = &keys[input.key_index % keys.len()];
    let wire = input.wire;
    let options = input.options;

    let opened = cipher.open_with(wire, &options);
    assert_eq!(
        opened.plaintext.is_some(),
        opened.verdict.is_accepted(),
        "{scheme}: plaintext present = {} but verdict {}",
        opened.plaintext.is_some(),
        opened.verdict
    );
    match (&opened.verdict, scheme.has_integrity()) {
        (Verdict::Authentic, false) => panic!("{scheme} called a message authentic"),
        (Verdict::Unauthenticated, true) => panic!("{scheme} accepted without its tag"),
        _ => {}
    }
    if let Some(plaintext) = &opened.plaintext {
        accepted_means_sealed(scheme, cipher, wire, plaintext, &options);
    }
    // hmac, prefix-mac, gcm and chacha say why: too short for header and tag, a length field
    // that disagrees (the MACs), else the tag.
    if let Some(want) = run_rejection(scheme, wire) {
        match &opened.verdict {
            Verdict::Rejected(reason) => assert_eq!(*reason, want, "{scheme}: rejected as"),
            _ => assert_eq!(
                want,
                Reason::TagMismatch,
                "{scheme}: accepted a message that is not framed"
            ),
        }
    }
    check_anatomy(scheme, wire);

    // Seal the wire bytes as a message, with the header's clock and a salt/IV taken from the
    // input, then open it: it must come back whole, by a verdict of the right kind.
    let message = &wire[..wire.len().min(1024)];
    let mut iv = [0u8; BLOCK];
    for (i, b) in wire.iter().rev().take(BLOCK).enumerate() {
        iv[i] = *b;
    }
    let nonce = Nonce {
        iv,
        now: options.now,
    };
    let sealed = match cipher.seal_with(message, &nonce) {
        Ok(sealed) => sealed,
        Err(e) => panic!("{scheme}: sealing {} bytes failed: {e}", message.len()),
    };
    let back = cipher.open_with(&sealed, &options);
    let want = if scheme.has_integrity() {
        Verdict::Authentic
    } else {
        Verdict::Unauthenticated
    };
    assert_eq!(
        back.verdict, want,
        "{scheme}: a freshly sealed message was refused"
    );
    assert_eq!(
        back.plaintext.as_deref(),
        Some(message),
        "{scheme}: round trip"
    );
    let anatomy = check_anatomy(scheme, &sealed);
    assert!(
        !anatomy.fields.iter().any(|f| f.kind == FieldKind::Trailing),
        "{scheme}: a sealed message has unparsed bytes"
    );
}

/// An accepted message must be exactly what sealing its plaintext gives: for ecb, hmac and
/// prefix-mac with no nonce at all, for cbc with the message's salt, for fernet with its IV and
/// time, for gcm and chacha with the message's nonce.
fn accepted_means_sealed(
    scheme: Scheme,
    cipher: &Cipher,
    wire: &[u8],
    plaintext: &[u8],
    options: &OpenOptions,
) {
    let seal = |nonce: Nonce| match cipher.seal_with(plaintext, &nonce) {
        Ok(sealed) => sealed,
        Err(e) => panic!("{scheme}: resealing an accepted plaintext failed: {e}"),
    };
    match scheme {
        Scheme::Ecb | Scheme::Hmac | Scheme::PrefixMac => {
            let again = seal(Nonce {
                iv: [0; BLOCK],
                now: 0,
            });
            assert_eq!(
                again, wire,
                "{scheme} accepted bytes that sealing does not give"
            );
        }
        Scheme::Cbc => {
            let mut iv = [0u8; BLOCK];
            iv.copy_from_slice(&wire[..BLOCK]);
            let again = seal(Nonce { iv, now: 0 });
            assert_eq!(again, wire, "cbc accepted bytes that sealing does not give");
        }
        Scheme::Gcm | Scheme::Chacha => {
            assert_eq!(
                wire.len(),
                AEAD_NONCE_LEN + plaintext.len() + AEAD_TAG_LEN,
                "{scheme}: the plaintext is not as long as the ciphertext"
            );
            let mut iv = [0u8; BLOCK];
            iv[..AEAD_NONCE_LEN].copy_from_slice(&wire[..AEAD_NONCE_LEN]);
            let again = seal(Nonce { iv, now: 0 });
            assert_eq!(
                again, wire,
                "{scheme} accepted bytes that sealing does not give"
            );
        }
        Scheme::Fernet => {
            let Some(token) = decode_token(wire) else {
                panic!("fernet accepted a token that is not base64url");
            };
            assert!(
                token.len() >= 1 + 8 + BLOCK + BLOCK + TAG,
                "short token accepted"
            );
            let mut stamp = [0u8; 8];
            stamp.copy_from_slice(&token[1..9]);
            let timestamp = u64::from_be_bytes(stamp);
            assert!(
                timestamp <= options.now.saturating_add(60),
                "fernet accepted a token from {timestamp} at {}",
                options.now
            );
            if let Some(ttl) = options.ttl {
                assert!(
                    timestamp.saturating_add(ttl) >= options.now,
                    "fernet accepted an expired token"
                );
            }
            let mut iv = [0u8; BLOCK];
            iv.copy_from_slice(&token[9..25]);
            let again = seal(Nonce { iv, now: timestamp });
            assert_eq!(
                decode_token(&again).as_deref(),
                Some(&token[..]),
                "fernet accepted a token that sealing does not give"
            );
        }
    }
}

/// Dissects `wire` and checks the anatomy's promises; returns it.
pub fn check_anatomy(scheme: Scheme, wire: &[u8]) -> Anatomy {
    let anatomy = Anatomy::dissect(scheme, wire);
    let bytes = &anatomy.bytes;
    match anatomy.encoding {
        Encoding::Raw => assert_eq!(&bytes[..], wire, "{scheme}: raw anatomy of other bytes"),
        Encoding::Base64Url => {
            assert_eq!(scheme, Scheme::Fernet, "{scheme}: base64url anatomy");
            assert_eq!(
                decode_token(wire).as_deref(),
                Some(&bytes[..]),
                "fernet: anatomy bytes are not the token's decoding"
            );
            assert_eq!(
                decode_token(&anatomy.to_wire()).as_deref(),
                Some(&bytes[..]),
                "fernet: to_wire does not decode to the bytes"
            );
        }
    }
    if anatomy.encoding == Encoding::Raw {
        assert_eq!(anatomy.to_wire(), wire, "{scheme}: to_wire of raw bytes");
    }

    // Contiguous, in order, and covering the bytes exactly.
    let mut pos = 0;
    for field in &anatomy.fields {
        assert_eq!(
            field.range.start, pos,
            "{scheme}: fields not contiguous: {:?}",
            anatomy.fields
        );
        assert!(
            field.range.end >= field.range.start,
            "{scheme}: backwards field"
        );
        pos = field.range.end;
    }
    assert_eq!(
        pos,
        bytes.len(),
        "{scheme}: fields cover {pos} of {} bytes: {:?}",
        bytes.len(),
        anatomy.fields
    );

    // hmac, prefix-mac, gcm and chacha: exactly the fields their format has.
    if let Some(want) = run_fields(scheme, bytes) {
        let got: Vec<(Range<usize>, FieldKind)> = anatomy
            .fields
            .iter()
            .map(|f| (f.range.clone(), f.kind))
            .collect();
        assert_eq!(got, want, "{scheme}: the fields of {} bytes", bytes.len());
    }

    // What each field claims about its bytes.
    let mut next_block = 0;
    for field in &anatomy.fields {
        let these = &bytes[field.range.clone()];
        if !field.range.is_empty() {
            assert_eq!(anatomy.field_at(field.range.start), Some(field), "field_at");
            assert_eq!(
                anatomy.field_at(field.range.end - 1),
                Some(field),
                "field_at"
            );
        }
        match field.kind {
            FieldKind::Block { index, repeat_of } => {
                assert_eq!(
                    these.len(),
                    BLOCK,
                    "{scheme}: block of {} bytes",
                    these.len()
                );
                assert_eq!(index, next_block, "{scheme}: block numbering");
                next_block += 1;
                if let Some(first) = repeat_of {
                    assert!(first < index, "{scheme}: block {index} repeats {first}");
                    let earlier = anatomy.blocks().nth(first).map(|f| &bytes[f.range.clone()]);
                    assert_eq!(
                        earlier,
                        Some(these),
                        "{scheme}: repeat_of a different block"
                    );
                }
            }
            FieldKind::Length { value } => {
                assert_eq!(
                    carrier(scheme),
                    Carrier::Plaintext,
                    "{scheme}: a length field"
                );
                assert_eq!(these.len(), 4);
                assert_eq!(
                    u32::from_be_bytes([these[0], these[1], these[2], these[3]]),
                    value
                );
            }
            FieldKind::Timestamp { secs } => {
                assert_eq!(scheme, Scheme::Fernet);
                assert_eq!(these.len(), 8);
                let mut b = [0u8; 8];
                b.copy_from_slice(these);
                assert_eq!(u64::from_be_bytes(b), secs);
                let _ = field.kind.label();
            }
            FieldKind::Tag => assert!(these.len() <= TAG, "{scheme}: tag of {}", these.len()),
            FieldKind::Iv | FieldKind::Salt => assert!(these.len() <= BLOCK),
            FieldKind::Version => assert_eq!(these.len(), 1),
            FieldKind::Nonce => {
                assert_eq!(carrier(scheme), Carrier::Stream, "{scheme}: a nonce");
                assert!(
                    these.len() <= AEAD_NONCE_LEN,
                    "{scheme}: nonce of {}",
                    these.len()
                );
            }
            FieldKind::Ciphertext => {
                assert_eq!(
                    carrier(scheme),
                    Carrier::Stream,
                    "{scheme}: a stream ciphertext"
                );
            }
            FieldKind::Message => {
                assert_eq!(carrier(scheme), Carrier::Plaintext, "{scheme}: a message");
            }
            FieldKind::Trailing => {}
        }
        let _ = (field.kind.label(), field.kind.legend());
    }
    if !bytes.is_empty() {
        assert_eq!(anatomy.field_at(bytes.len()), None, "field_at past the end");
    }
    if let Some(tag) = anatomy.tag() {
        assert!(tag.len() <= TAG);
    }
    let _ = anatomy.leak(scheme);

    // ECB marks every repeated block, pointing at its first copy.
    if scheme == Scheme::Ecb {
        let blocks: Vec<_> = anatomy.blocks().collect();
        for (i, field) in blocks.iter().enumerate() {
            let these = &bytes[field.range.clone()];
            let first = blocks
                .iter()
                .position(|f| &bytes[f.range.clone()] == these)
                .filter(|&j| j < i);
            assert!(
                matches!(field.kind, FieldKind::Block { repeat_of, .. } if repeat_of == first),
                "ecb: block {i} should repeat {first:?}: {:?}",
                field.kind
            );
        }
    }
    anatomy
}

// ---------------------------------------------------------------------------------------------
// key_text
// ---------------------------------------------------------------------------------------------

/// `key_text`: the input, as lossy UTF-8, is parsed as a key of every scheme. Parsing never
/// panics; a key reads back from its own text form to the same bytes; an error never repeats
/// the key text; and a parsed key seals and opens.
pub fn fuzz_key_text(data: &[u8]) {
    let text = String::from_utf8_lossy(data);
    for scheme in Scheme::ALL {
        match Key::parse(scheme, &text) {
            Ok(key) => {
                assert_eq!(key.scheme(), scheme);
                let len = key.as_bytes().len();
                let ok_len = match scheme {
                    Scheme::Ecb | Scheme::Cbc | Scheme::Gcm => matches!(len, 16 | 24 | 32),
                    Scheme::Fernet | Scheme::Chacha => len == 32,
                    Scheme::Hmac | Scheme::PrefixMac => {
                        (1..=cipherlab::crypto::key::MAX_HMAC_KEY).contains(&len)
                    }
                };
                assert!(ok_len, "{scheme}: a key of {len} bytes was accepted");
                let form = key.to_text();
                match Key::parse(scheme, &form) {
                    Ok(again) => {
                        assert_eq!(
                            again.as_bytes(),
                            key.as_bytes(),
                            "{scheme}: {text:?} -> to_text {:?} reads back differently",
                            &*form
                        );
                        assert_eq!(again.fingerprint(), key.fingerprint());
                    }
                    Err(e) => panic!(
                        "{scheme}: {text:?} parsed, but its text form {:?} does not: {e}",
                        &*form
                    ),
                }
                match Key::from_bytes(scheme, key.as_bytes().to_vec()) {
                    Ok(again) => assert_eq!(again.as_bytes(), key.as_bytes()),
                    Err(e) => panic!("{scheme}: from_bytes refuses parsed key bytes: {e}"),
                }
                let debug = format!("{key:?}");
                assert!(debug.contains("redacted"), "{scheme}: Debug shows {debug}");
                let _ = key.describe();
                // The key works.
                let cipher = Cipher::new(&key);
                let nonce = Nonce {
                    iv: [7; BLOCK],
                    now: 1_000_000,
                };
                let msg = b"attack at dawn";
                let sealed = match cipher.seal_with(msg, &nonce) {
                    Ok(sealed) => sealed,
                    Err(e) => panic!("{scheme}: sealing failed: {e}"),
                };
                let opened = cipher.open_with(
                    &sealed,
                    &OpenOptions {
                        now: 1_000_000,
                        ttl: None,
                    },
                );
                assert_eq!(opened.plaintext.as_deref(), Some(&msg[..]), "{scheme}");
            }
            Err(e) => check_key_error(scheme, &text, &e),
        }
    }
}

/// A key error names the form and the length, and never repeats the key text.
///
/// "Repeats" is judged against a twin: a key text of the same shape ([`same_shape`]) that
/// differs at every character a parser does not care about. Both errors must read the same,
/// so the message depends on the key's shape (its form, length and where it goes wrong) and
/// on nothing else. Looking for the key text in the message would not do: a key text can be
/// a piece of the fixed wording (`hex:d 16, 24 or 32 bytes (AES-128/1` is in "expecte*d 16, 24
/// or 32 bytes (AES-128/1*92/256)"), and no list of fragments stays in step with the wording.
pub fn check_key_error(scheme: Scheme, text: &str, error: &KeyError) {
    let message = error.to_string();
    assert!(!message.is_empty());
    if let KeyError::WrongLength { got, .. } = error {
        assert!(message.contains(&got.to_string()), "{message}");
    }
    let twin = same_shape(text);
    match Key::parse(scheme, &twin) {
        Ok(_) => panic!("{scheme}: {text:?} is refused but {twin:?}, of the same shape, parses"),
        Err(other) => assert_eq!(
            message,
            other.to_string(),
            "{scheme}: the errors for {text:?} and for {twin:?}, a key of the same shape, \
             differ: the message depends on the key's characters"
        ),
    }
    // Characters the twin keeps (whitespace, `=`, `+`, `/`, `-`, `_`, and a last base64
    // symbol) cannot differ, so a key made only of them is looked for directly. The fixed
    // wording has no run of 12 of them, so this finds only a real repeat.
    let secret = secret_part(text).trim();
    if secret.chars().count() >= 12 && secret == secret_part(&twin).trim() {
        assert!(
            !message.contains(secret),
            "{scheme}: the error {message:?} repeats the key text"
        );
    }
}

/// The key text's prefixes, which the parsers read as the form.
const KEY_PREFIXES: [&str; 3] = ["hex:", "base64:", "text:"];

/// What follows the form prefix, if any.
fn secret_part(text: &str) -> &str {
    KEY_PREFIXES
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .unwrap_or(text)
}

/// A key text that every scheme's parser reads exactly as it reads `text` (same prefix, same
/// byte length, each character a hex digit, a base64 symbol, whitespace or neither where
/// `text` has one, the same stray bits in the last base64 symbol), but with as many
/// characters as possible changed: each is moved along its class by a shift. A prefix the
/// shift would create (`gdw:` becoming `hex:`) is avoided by trying the next shift.
pub fn same_shape(text: &str) -> String {
    let had_prefix = KEY_PREFIXES.iter().any(|p| text.starts_with(p));
    let (prefix, rest) = text.split_at(text.len() - secret_part(text).len());
    let last_symbol = rest
        .char_indices()
        .rev()
        .find(|(_, c)| base64_value(*c).is_some());
    for shift in 1..=4 {
        let mut twin = String::with_capacity(text.len());
        twin.push_str(prefix);
        for (i, c) in rest.char_indices() {
            let moved = if last_symbol.is_some_and(|(at, _)| at == i) {
                same_stray_bits(c, shift)
            } else {
                shifted(c, shift)
            };
            twin.push(moved);
        }
        debug_assert_eq!(twin.len(), text.len());
        if had_prefix || !KEY_PREFIXES.iter().any(|p| twin.starts_with(p)) {
            return twin;
        }
    }
    text.to_owned()
}

/// A character's value in base64 (either alphabet), if it is a symbol.
fn base64_value(c: char) -> Option<u8> {
    Some(match c {
        'A'..='Z' => c as u8 - b'A',
        'a'..='z' => c as u8 - b'a' + 26,
        '0'..='9' => c as u8 - b'0' + 52,
        '+' | '-' => 62,
        '/' | '_' => 63,
        _ => return None,
    })
}

/// Punctuation that is neither a hex digit, nor a base64 symbol, nor padding, nor whitespace.
const PUNCT: &str = "!\"#$%&'()*,.:;<>?@[\\]^`{|}~";

/// ASCII control characters that `str::trim` keeps.
const CONTROLS: &[u8] = &[
    0, 1, 2, 3, 4, 5, 6, 7, 8, 14, 15, 16, 17, 18, 19, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 30,
    31, 127,
];

/// `c` moved `shift` places along its class (kept when the class has no other member).
fn shifted(c: char, shift: u32) -> char {
    let along = |class: &[u8]| {
        let at = class.iter().position(|&b| b == c as u8).unwrap_or(0);
        char::from(class[(at + shift as usize) % class.len()])
    };
    match c {
        // Whitespace is trimmed, `=` is padding, `+ / - _` choose and belong to an alphabet.
        _ if c.is_whitespace() => c,
        '=' | '+' | '/' | '-' | '_' => c,
        '0'..='9' => along(b"0123456789"),
        'a'..='f' => along(b"abcdef"),
        'A'..='F' => along(b"ABCDEF"),
        'g'..='z' => along(b"ghijklmnopqrstuvwxyz"),
        'G'..='Z' => along(b"GHIJKLMNOPQRSTUVWXYZ"),
        _ if PUNCT.contains(c) => along(PUNCT.as_bytes()),
        _ if c.is_ascii() => along(CONTROLS),
        // Beyond ASCII: no parser reads it but as bytes, so only the UTF-8 length counts.
        _ => {
            let (lo, hi) = match c.len_utf8() {
                2 => (0x80, 0x7ff),
                3 => (0x800, 0xffff),
                _ => (0x1_0000, 0x10_ffff),
            };
            let mut code = c as u32;
            let mut steps = shift;
            loop {
                code = if code >= hi { lo } else { code + 1 };
                if let Some(next) = char::from_u32(code)
                    && !next.is_whitespace()
                {
                    steps -= 1;
                    if steps == 0 {
                        return next;
                    }
                }
            }
        }
    }
}

/// For the last base64 symbol, whose low bits a decoder checks ("stray bits"): another
/// character of its class with the same value mod 16, or `c` itself when there is none.
fn same_stray_bits(c: char, shift: u32) -> char {
    let Some(value) = base64_value(c) else {
        return c;
    };
    let mut candidates: Vec<char> = (0..5 * 4)
        .scan(c, |at, _| {
            *at = shifted(*at, 1);
            Some(*at)
        })
        .filter(|&d| d != c && base64_value(d).is_some_and(|v| v % 16 == value % 16))
        .collect();
    candidates.dedup();
    candidates
        .get((shift as usize - 1) % candidates.len().max(1))
        .copied()
        .unwrap_or(c)
}

// ---------------------------------------------------------------------------------------------
// tamper_grammar
// ---------------------------------------------------------------------------------------------

/// A `tamper_grammar` input, split.
#[derive(Clone, Copy, Debug)]
pub struct TamperInput<'a> {
    /// The action's text (read as lossy UTF-8).
    pub text: &'a [u8],
    /// The previous client message, for `paste`.
    pub previous: Option<&'a [u8]>,
    /// The message the action is applied to.
    pub wire: &'a [u8],
}

impl<'a> TamperInput<'a> {
    /// Splits `data`: byte 0 is flags (bit 0: there is a previous message), then the action
    /// text up to the first `\n`, then the previous message's length (`u16` big-endian), that
    /// many bytes of previous message, and the rest is the wire bytes. Missing parts are empty.
    pub fn split(data: &'a [u8]) -> TamperInput<'a> {
        let Some((&flags, rest)) = data.split_first() else {
            return TamperInput {
                text: &[],
                previous: None,
                wire: &[],
            };
        };
        let (text, after) = match rest.iter().position(|&b| b == b'\n') {
            Some(i) => (&rest[..i], &rest[i + 1..]),
            None => (rest, &[][..]),
        };
        let (prev_len, after) = match after {
            [hi, lo, tail @ ..] => (usize::from(u16::from_be_bytes([*hi, *lo])), tail),
            _ => (0, &[][..]),
        };
        let (previous, wire) = after.split_at(prev_len.min(after.len()));
        TamperInput {
            text,
            previous: (flags & 1 == 1).then_some(previous),
            wire,
        }
    }
}

/// Builds a `tamper_grammar` input (a previous message is cut to 65535 bytes).
pub fn tamper_input(action: &str, previous: Option<&[u8]>, wire: &[u8]) -> Vec<u8> {
    let mut data = vec![u8::from(previous.is_some())];
    data.extend_from_slice(action.as_bytes());
    data.push(b'\n');
    let previous = previous.unwrap_or(&[]);
    let n = u16::try_from(previous.len()).unwrap_or(u16::MAX);
    data.extend_from_slice(&n.to_be_bytes());
    data.extend_from_slice(&previous[..usize::from(n)]);
    data.extend_from_slice(wire);
    data
}

/// `tamper_grammar`: see [`TamperInput::split`] for the layout. Parsing any text never panics;
/// its errors are the grammar's (quoting at most 64 characters of the text), a bit of 8 or
/// more, or for `xor`, `rewrite` and `extend` exactly what [`model_text_action`] restates from
/// the grammar and its size rules; a parsed action prints to text that parses back to it.
/// Then, for every scheme, `touches` and `apply` on the wire bytes never panic and do exactly
/// what the module says ([`check_tamper`]).
pub fn fuzz_tamper(data: &[u8]) {
    let input = TamperInput::split(data);
    let text = String::from_utf8_lossy(input.text);
    let parsed = text.parse::<Tamper>();
    let quotes_the_text = |quoted: &str| {
        let want: String = text.chars().take(64).collect();
        assert_eq!(quoted, want, "the grammar error quotes other text");
    };
    let model = model_text_action(&text);
    if let Some(model) = &model {
        match (model, &parsed) {
            (TextAction::Parsed(want), Ok(got)) => assert_eq!(got, want, "{text:?} parsed"),
            (TextAction::Grammar, Err(TamperError::Grammar(quoted))) => quotes_the_text(quoted),
            (TextAction::Bytes(names), Err(TamperError::Bytes(message))) => {
                for name in names {
                    assert!(
                        message.contains(name.as_str()),
                        "{text:?}: the error {message:?} does not say {name:?}"
                    );
                }
            }
            (model, parsed) => {
                panic!("{text:?} parsed as {parsed:?}, but the grammar says {model:?}")
            }
        }
    }
    let action = match parsed {
        Ok(action) => action,
        Err(TamperError::Grammar(quoted)) => {
            quotes_the_text(&quoted);
            return;
        }
        Err(TamperError::BitOutOfRange(bit)) => {
            assert!(bit >= 8, "bit {bit} refused as out of range");
            return;
        }
        // Checked against the model above.
        Err(TamperError::Bytes(_)) if model.is_some() => return,
        Err(e) => panic!("parsing {text:?} gave {e:?}, not a grammar error"),
    };
    let printed = action.to_string();
    match printed.parse::<Tamper>() {
        Ok(again) => assert_eq!(again, action, "{text:?} printed as {printed:?} reads back"),
        Err(e) => panic!("{text:?} parsed to {action:?}, but its text {printed:?} does not: {e}"),
    }
    assert_eq!(
        printed.parse::<Tamper>().map(|a| a.to_string()).as_deref(),
        Ok(printed.as_str()),
        "printing is not stable"
    );
    assert_eq!(
        action.rewrites(),
        !matches!(action, Tamper::Replay | Tamper::Drop)
    );
    for scheme in Scheme::ALL {
        check_tamper(&action, scheme, input.wire, input.previous);
    }
}

/// The most bytes `xor`, `rewrite` and `extend` take (the module's size rule).
const TAMPER_BYTES: usize = 256;
/// The longest key `extend` may guess: the longest MAC key.
const LONGEST_MAC_KEY: usize = 1024;

/// What parsing the text of an `xor`, `rewrite` or `extend` action must give.
#[derive(Debug)]
enum TextAction {
    /// This action.
    Parsed(Tamper),
    /// The grammar error.
    Grammar,
    /// A `TamperError::Bytes` whose message names each of these (the sizes at fault).
    Bytes(Vec<String>),
}

/// The grammar of the actions whose last argument is text, restated from the grammar error's
/// forms `xor:<byte>:<hex>`, `rewrite:<pos>:<from>:<to>` and `extend:<keylen>:<text>`: numbers
/// are `usize`; the hex is a non-empty, even run of hex digits of either case; `<from>` ends at
/// the next `:`, while `<to>` and `<text>` run to the end of the text, so they may hold `:`.
/// Then the size rules, in this order: at most 256 bytes XORed; `<from>` and `<to>` of the
/// same length in bytes, not empty, at most 256 bytes; an extension of at most 256 bytes for a
/// key of at most 1024 bytes. `None` for the other actions' texts.
fn model_text_action(text: &str) -> Option<TextAction> {
    let number = |s: &str| s.parse::<usize>().ok();
    let bytes = |sizes: &[usize]| TextAction::Bytes(sizes.iter().map(usize::to_string).collect());
    if let Some(rest) = text.strip_prefix("xor:") {
        let parsed = rest
            .split_once(':')
            .and_then(|(byte, hex)| Some((number(byte)?, decode_hex(hex)?)));
        return Some(match parsed {
            None => TextAction::Grammar,
            Some((_, xored)) if xored.len() > TAMPER_BYTES => bytes(&[xored.len(), TAMPER_BYTES]),
            Some((byte, xored)) => TextAction::Parsed(Tamper::Xor { byte, bytes: xored }),
        });
    }
    if let Some(rest) = text.strip_prefix("rewrite:") {
        let mut parts = rest.splitn(3, ':');
        let parsed = (|| Some((number(parts.next()?)?, parts.next()?, parts.next()?)))();
        return Some(match parsed {
            None => TextAction::Grammar,
            Some((_, from, to)) if from.len() != to.len() => bytes(&[from.len(), to.len()]),
            Some((_, "", _)) => bytes(&[]),
            Some((_, from, _)) if from.len() > TAMPER_BYTES => bytes(&[from.len(), TAMPER_BYTES]),
            Some((pos, from, to)) => TextAction::Parsed(Tamper::Rewrite {
                pos,
                from: from.to_owned(),
                to: to.to_owned(),
            }),
        });
    }
    if let Some(rest) = text.strip_prefix("extend:") {
        let parsed = rest
            .split_once(':')
            .and_then(|(key_len, more)| Some((number(key_len)?, more)));
        return Some(match parsed {
            None => TextAction::Grammar,
            Some((_, more)) if more.len() > TAMPER_BYTES => bytes(&[more.len(), TAMPER_BYTES]),
            Some((key_len, _)) if key_len > LONGEST_MAC_KEY => bytes(&[key_len, LONGEST_MAC_KEY]),
            Some((key_len, more)) => TextAction::Parsed(Tamper::Extend {
                key_len,
                text: more.to_owned(),
            }),
        });
    }
    None
}

/// Hex digits of either case, two to a byte; `None` for anything else or an empty text.
fn decode_hex(text: &str) -> Option<Vec<u8>> {
    let digit = |d: u8| char::from(d).to_digit(16).map(|v| v as u8);
    let digits = text.as_bytes();
    if digits.is_empty() || digits.len() % 2 == 1 {
        return None;
    }
    digits
        .chunks(2)
        .map(|pair| Some(digit(pair[0])? << 4 | digit(pair[1])?))
        .collect()
}

/// The 16-byte blocks a tamper action moves, as the module describes them: whole ciphertext
/// blocks (ecb, cbc, fernet), or whole 16-byte runs of the plaintext (hmac, prefix-mac) or of
/// the stream ciphertext (gcm, chacha), read off the wire format.
fn tamper_blocks(scheme: Scheme, anatomy: &Anatomy) -> Vec<Range<usize>> {
    match carrier(scheme) {
        Carrier::Plaintext | Carrier::Stream => run_of(scheme, anatomy.bytes.len())
            .map(|run| {
                (0..run.len() / BLOCK)
                    .map(|k| run.start + k * BLOCK..run.start + (k + 1) * BLOCK)
                    .collect()
            })
            .unwrap_or_default(),
        Carrier::Codebook | Carrier::Chained => anatomy
            .blocks()
            .filter(|f| f.range.len() == BLOCK)
            .map(|f| f.range.clone())
            .collect(),
    }
}

/// What `iv-flip` flips: cbc's whole 16-byte salt, fernet's whole 16-byte IV (after the
/// version and timestamp of a base64url token), or as much of the 12-byte nonce of gcm and
/// chacha as the message has. ecb and the MACs have none.
fn tamper_iv(scheme: Scheme, anatomy: &Anatomy) -> Option<Range<usize>> {
    let n = anatomy.bytes.len();
    match scheme {
        Scheme::Cbc => (n >= BLOCK).then_some(0..BLOCK),
        Scheme::Fernet => {
            (anatomy.encoding == Encoding::Base64Url && n >= 1 + 8 + BLOCK).then_some(9..9 + BLOCK)
        }
        Scheme::Gcm | Scheme::Chacha => (n > 0).then(|| 0..n.min(AEAD_NONCE_LEN)),
        Scheme::Ecb | Scheme::Hmac | Scheme::PrefixMac => None,
    }
}

/// What `truncate` cuts: the last byte of a plaintext message (hmac, prefix-mac), else the
/// last 16 bytes.
fn truncate_cut(scheme: Scheme) -> usize {
    if carrier(scheme) == Carrier::Plaintext {
        1
    } else {
        BLOCK
    }
}

/// For each of `len` plaintext bytes from `pos`, the decoded byte whose XOR lands on it, as the
/// module describes the XOR path: the byte itself in a run (the MACs' plaintext, the AEADs'
/// stream ciphertext); under cbc and fernet the byte at the same offset of the IV (plaintext
/// block 0) or of the ciphertext block before; none under ecb. Plaintext past the run, or past
/// the whole blocks, is out of range (a message too short for any is 0 bytes of plaintext).
fn rewrite_path(
    scheme: Scheme,
    anatomy: &Anatomy,
    pos: usize,
    len: usize,
) -> Result<Vec<usize>, TamperError> {
    let fits = |available: usize| pos.checked_add(len).is_some_and(|end| end <= available);
    let past = |available: usize| TamperError::ByteOutOfRange {
        byte: pos.saturating_add(len.saturating_sub(1)),
        len: available,
        what: "plaintext",
    };
    match carrier(scheme) {
        Carrier::Codebook => Err(TamperError::NoXorPath("ECB")),
        Carrier::Plaintext | Carrier::Stream => {
            let run = run_of(scheme, anatomy.bytes.len()).unwrap_or(0..0);
            if !fits(run.len()) {
                return Err(past(run.len()));
            }
            Ok((run.start + pos..run.start + pos + len).collect())
        }
        Carrier::Chained => {
            let blocks = tamper_blocks(scheme, anatomy);
            if !fits(blocks.len() * BLOCK) {
                return Err(past(blocks.len() * BLOCK));
            }
            let Some(iv) = tamper_iv(scheme, anatomy) else {
                // No IV, so no blocks, so only an empty rewrite fits.
                return Ok(vec![]);
            };
            Ok((pos..pos + len)
                .map(|q| {
                    let before = if q < BLOCK {
                        iv.start
                    } else {
                        blocks[q / BLOCK - 1].start
                    };
                    before + q % BLOCK
                })
                .collect())
        }
    }
}

/// SHA-256's padding of an input of `len` bytes: `0x80`, zeros up to 8 bytes short of a
/// multiple of 64, then the input's length in bits as a big-endian `u64`.
fn sha256_glue(len: usize) -> Vec<u8> {
    let mut pad = vec![0x80u8];
    while (len + pad.len()) % 64 != 56 {
        pad.push(0);
    }
    pad.extend_from_slice(&(len as u64).wrapping_mul(8).to_be_bytes());
    pad
}

/// What `extend` must give: only a `len ‖ m ‖ tag 32` message (hmac, prefix-mac; `m` may be
/// empty) extends, to `len' ‖ m ‖ glue ‖ text ‖ tag'`, where `glue` is SHA-256's padding of
/// `key ‖ m` for a key of `key_len` bytes and `len'` counts `m ‖ glue ‖ text`. The new tag is
/// checked by [`check_meaning`] where a fixed key signed the message.
fn extend_model(
    scheme: Scheme,
    bytes: &[u8],
    key_len: usize,
    text: &str,
) -> Result<Want, TamperError> {
    let run = match (carrier(scheme), run_of(scheme, bytes.len())) {
        (Carrier::Plaintext, Some(run)) => run,
        _ => return Err(TamperError::NoExtend(scheme)),
    };
    let message = &bytes[run];
    let mut forged = message.to_vec();
    forged.extend_from_slice(&sha256_glue(key_len + message.len()));
    forged.extend_from_slice(text.as_bytes());
    let Ok(count) = u32::try_from(forged.len()) else {
        panic!("a forged message of {} bytes", forged.len());
    };
    let mut out = count.to_be_bytes().to_vec();
    out.extend_from_slice(&forged);
    Ok(Want::Extended(out))
}

/// A list of one range.
fn one(range: Range<usize>) -> Vec<Range<usize>> {
    std::iter::once(range).collect()
}

fn block_or(blocks: &[Range<usize>], index: usize) -> Result<Range<usize>, TamperError> {
    blocks
        .get(index)
        .cloned()
        .ok_or(TamperError::BlockOutOfRange {
            index,
            count: blocks.len(),
        })
}

/// What `apply` must give when it succeeds: the new decoded bytes, or for `extend` the forged
/// message's bytes up to its new 32-byte tag.
enum Want {
    Bytes(Vec<u8>),
    Extended(Vec<u8>),
}

/// One action on one scheme's reading of `wire`, against an independent model of the module's
/// documented behaviour: flip, iv-flip, swap, paste, xor and rewrite change exactly the
/// documented decoded bytes (and keep the length), truncate cuts the documented tail, extend
/// appends the glue and the text under a new tag, an action that does not fit is refused with
/// the specific error, `touches` reports exactly the documented ranges (none past the end when
/// `apply` succeeds), and the result means to a receiver what [`check_meaning`] says.
fn check_tamper(action: &Tamper, scheme: Scheme, wire: &[u8], previous: Option<&[u8]>) {
    let anatomy = Anatomy::dissect(scheme, wire);
    let bytes = &anatomy.bytes;
    let len = bytes.len();
    // Both calls come first, so that a panic in either is the library's.
    let touched = action.touches(scheme, &anatomy);
    let applied = action.apply(scheme, wire, previous);
    let ctx = format!(
        "{scheme} {action} on {len} bytes ({} wire bytes, previous {:?})",
        wire.len(),
        previous.map(<[u8]>::len)
    );
    for range in &touched {
        assert!(range.start <= range.end, "{ctx}: backwards range {range:?}");
    }

    let blocks = tamper_blocks(scheme, &anatomy);
    let xored = |at: &[usize], delta: &mut dyn Iterator<Item = u8>| {
        let mut out = bytes.clone();
        for (&i, d) in at.iter().zip(delta) {
            out[i] ^= d;
        }
        Want::Bytes(out)
    };
    // What apply must give, and what touches must report.
    let (want, want_touched): (Result<Want, TamperError>, Vec<Range<usize>>) = match action {
        &Tamper::Flip { byte, bit } => {
            // Past the end, touches reports nothing (apply refuses the action).
            if byte < len {
                (
                    Ok(xored(&[byte], &mut std::iter::once(1 << bit))),
                    one(byte..byte + 1),
                )
            } else {
                let error = TamperError::ByteOutOfRange {
                    byte,
                    len,
                    what: "message",
                };
                (Err(error), vec![])
            }
        }
        &Tamper::IvFlip { byte, bit } => match tamper_iv(scheme, &anatomy) {
            None => (Err(TamperError::NoIv(scheme)), vec![]),
            // Past the IV, touches reports nothing (apply refuses the action).
            Some(iv) if byte < iv.len() => {
                let at = iv.start + byte;
                (
                    Ok(xored(&[at], &mut std::iter::once(1 << bit))),
                    one(at..at + 1),
                )
            }
            Some(iv) => {
                let error = TamperError::ByteOutOfRange {
                    byte,
                    len: iv.len(),
                    what: "IV",
                };
                (Err(error), vec![])
            }
        },
        &Tamper::Swap { i, j } => {
            let want_touched = [i, j]
                .iter()
                .filter_map(|&k| blocks.get(k).cloned())
                .collect();
            let want = block_or(&blocks, i).and_then(|a| {
                let b = block_or(&blocks, j)?;
                let mut out = bytes.clone();
                let saved = bytes[a.clone()].to_vec();
                out[a].copy_from_slice(&bytes[b.clone()]);
                out[b].copy_from_slice(&saved);
                Ok(Want::Bytes(out))
            });
            (want, want_touched)
        }
        &Tamper::Paste { i } => {
            let want_touched = blocks.get(i).cloned().into_iter().collect();
            let want = match previous {
                None => Err(TamperError::NoPrevious),
                Some(previous) => {
                    let earlier = Anatomy::dissect(scheme, previous);
                    block_or(&tamper_blocks(scheme, &earlier), 0).and_then(|source| {
                        let target = block_or(&blocks, i)?;
                        let mut out = bytes.clone();
                        out[target].copy_from_slice(&earlier.bytes[source]);
                        Ok(Want::Bytes(out))
                    })
                }
            };
            (want, want_touched)
        }
        Tamper::Truncate => {
            let cut = truncate_cut(scheme);
            let want = if len > cut {
                Ok(Want::Bytes(bytes[..len - cut].to_vec()))
            } else {
                Err(TamperError::TooShort)
            };
            (want, one(len.saturating_sub(cut)..len))
        }
        Tamper::Xor { byte, bytes: more } => {
            let byte = *byte;
            let end = byte.checked_add(more.len());
            // The XORed bytes that lie inside the message, even when apply refuses the rest.
            let want_touched = if byte < len && !more.is_empty() {
                one(byte..end.map_or(len, |end| end.min(len)))
            } else {
                vec![]
            };
            let want = match end {
                Some(end) if end <= len => {
                    let at: Vec<usize> = (byte..end).collect();
                    Ok(xored(&at, &mut more.iter().copied()))
                }
                _ => Err(TamperError::ByteOutOfRange {
                    byte: byte.saturating_add(more.len().saturating_sub(1)),
                    len,
                    what: "message",
                }),
            };
            (want, want_touched)
        }
        Tamper::Rewrite { pos, from, to } => {
            let path = rewrite_path(scheme, &anatomy, *pos, from.len());
            let want_touched = match &path {
                Ok(path) => path.iter().map(|&i| i..i + 1).collect(),
                Err(_) => vec![],
            };
            let want = path.map(|at| {
                let mut delta = from.bytes().zip(to.bytes()).map(|(a, b)| a ^ b);
                xored(&at, &mut delta)
            });
            (want, want_touched)
        }
        Tamper::Extend { key_len, text } => (extend_model(scheme, bytes, *key_len, text), vec![]),
        Tamper::Replay | Tamper::Drop => {
            assert!(touched.is_empty(), "{ctx}: touches {touched:?}");
            assert_eq!(
                applied.as_deref(),
                Ok(wire),
                "{ctx}: a forwarding decision changed the bytes"
            );
            return;
        }
        Tamper::Forge => {
            assert!(touched.is_empty(), "{ctx}: touches {touched:?}");
            assert!(
                matches!(applied, Err(TamperError::Grammar(_))),
                "{ctx}: apply gave {applied:?}"
            );
            return;
        }
    };
    assert_eq!(touched, want_touched, "{ctx}: touches");

    let want = match (want, applied) {
        (Err(want), applied) => {
            assert_eq!(applied, Err(want), "{ctx}: apply");
            return;
        }
        (Ok(_), Err(e)) => panic!("{ctx}: apply refused with {e:?}"),
        (Ok(want), Ok(out)) => (want, out),
    };
    let (want, out) = want;
    for range in &touched {
        assert!(
            range.end <= len,
            "{ctx}: apply succeeded, but touches {range:?} is past the end"
        );
    }
    // The new wire bytes, decoded as the old ones were.
    let decoded = match anatomy.encoding {
        Encoding::Raw => out.clone(),
        Encoding::Base64Url => match decode_token(&out) {
            Some(decoded) => decoded,
            None => panic!("{ctx}: the result is not base64url"),
        },
    };
    if !matches!(action, Tamper::Truncate | Tamper::Extend { .. }) {
        assert_eq!(
            decoded.len(),
            len,
            "{ctx}: a length-preserving action changed the decoded length"
        );
        if anatomy.encoding == Encoding::Raw {
            assert_eq!(out.len(), wire.len(), "{ctx}: wire length changed");
        }
    }
    match want {
        Want::Bytes(want) => assert_eq!(decoded, want, "{ctx}: apply gave other bytes"),
        Want::Extended(head) => {
            assert_eq!(
                decoded.len(),
                head.len() + TAG,
                "{ctx}: the forged message is not its head and a 32-byte tag"
            );
            assert_eq!(
                decoded[..head.len()],
                head[..],
                "{ctx}: the forged message is not len ‖ m ‖ glue ‖ text"
            );
        }
    }
    // The result dissects to the bytes it was made from: base64url re-encoded by apply
    // decodes again, and raw bytes stay raw. (Not for fernet text that was not base64url:
    // rewriting it raw may well make it decode, say "AwJ6…" cut to "Aw".)
    if anatomy.encoding == Encoding::Base64Url || scheme != Scheme::Fernet {
        let again = Anatomy::dissect(scheme, &out);
        assert_eq!(
            again.bytes, decoded,
            "{ctx}: the result dissects to other bytes"
        );
    }
    check_meaning(action, scheme, wire, bytes, &out, &decoded, &ctx);
}

/// What the tampered message means to a receiver holding one of the fixed keys that the
/// original opened under. An authentic message that the action changed is never accepted
/// again (an unchanged one still opens to the same plaintext), except that a prefix-mac
/// length extension for the key's own length is authentic, with `m ‖ glue ‖ text` as its
/// plaintext: the lesson of each tag, and of the one that is forgeable. And under cbc, where
/// the plaintext at `pos` reads `from`, `rewrite` makes it read `to` and still opens: only the
/// blocks before the rewritten ones garble (never block 0, whose XOR path is the salt), and
/// every other byte stays.
fn check_meaning(
    action: &Tamper,
    scheme: Scheme,
    wire: &[u8],
    original: &[u8],
    out: &[u8],
    decoded: &[u8],
    ctx: &str,
) {
    let options = OpenOptions {
        now: u64::MAX,
        ttl: None,
    };
    for (k, cipher) in ciphers(scheme).iter().enumerate() {
        let before = cipher.open_with(wire, &options);
        let Some(plain) = before.plaintext else {
            continue;
        };
        let after = cipher.open_with(out, &options);
        if before.verdict == Verdict::Authentic {
            let forged = matches!(action, Tamper::Extend { key_len: guess, .. }
                if scheme == Scheme::PrefixMac && *guess == key_len(scheme, k));
            if forged {
                assert_eq!(
                    after.verdict,
                    Verdict::Authentic,
                    "{ctx}: a length extension for key {k}'s length is not authentic"
                );
                assert_eq!(
                    after.plaintext.as_deref(),
                    Some(&decoded[LENGTH_FIELD..decoded.len() - TAG]),
                    "{ctx}: the forged message opens to other plaintext"
                );
            } else if decoded == original {
                assert_eq!(
                    after.plaintext.as_deref(),
                    Some(&plain[..]),
                    "{ctx}: unchanged, but key {k} opens it otherwise: {}",
                    after.verdict
                );
            } else {
                assert!(
                    !after.verdict.is_accepted(),
                    "{ctx}: changed, and key {k} still accepts it as {}",
                    after.verdict
                );
            }
        }
        let Tamper::Rewrite { pos, from, to } = action else {
            continue;
        };
        let (pos, n) = (*pos, from.len());
        let known = pos
            .checked_add(n)
            .and_then(|end| plain.get(pos..end))
            .is_some_and(|there| there == from.as_bytes());
        if scheme != Scheme::Cbc || !known {
            continue;
        }
        let Some(now) = after.plaintext else {
            panic!(
                "{ctx}: rewriting known plaintext under key {k} was refused: {}",
                after.verdict
            );
        };
        assert_eq!(
            now.len(),
            plain.len(),
            "{ctx}: the plaintext's length changed"
        );
        let garbled: Vec<usize> = (pos..pos + n)
            .filter(|&q| q >= BLOCK)
            .map(|q| q / BLOCK - 1)
            .collect();
        for (i, (was, is)) in plain.iter().zip(&now).enumerate() {
            if garbled.contains(&(i / BLOCK)) {
                continue;
            }
            let want = if (pos..pos + n).contains(&i) {
                to.as_bytes()[i - pos]
            } else {
                *was
            };
            assert_eq!(*is, want, "{ctx}: plaintext byte {i} under key {k}");
        }
    }
}

// ---------------------------------------------------------------------------------------------
// seed_wire
// ---------------------------------------------------------------------------------------------

/// `seed_wire` mode bits 0–1: which seed-wire API an input drives.
pub const SEED_SPLIT: u8 = 0;
/// Mode: real tokens sealed from the input's lines, joined, then split.
pub const SEED_SEALED: u8 = 1;
/// Mode: a seed 003 request body.
pub const SEED_REQUEST: u8 = 2;
/// Mode: a seed 003 response status and body.
pub const SEED_RESPONSE: u8 = 3;

/// `seed_wire` predicate (mode bits 5–6) that the net code uses: the token is not refused
/// for a bad tag, shortness, base64 or block length under fernet key 0.
pub const PREDICATE_WHOLE: u8 = 2;

/// Builds a `seed_wire` input: `mode`, `seed`, then the rest.
pub fn seed_wire_input(mode: u8, seed: u8, rest: &[u8]) -> Vec<u8> {
    let mut data = vec![mode, seed];
    data.extend_from_slice(rest);
    data
}

/// Builds a `seed_wire` [`SEED_RESPONSE`] input: the status big-endian, then the body.
pub fn response_input(status: u16, body: &[u8]) -> Vec<u8> {
    let [hi, lo] = status.to_be_bytes();
    let mut data = vec![SEED_RESPONSE, hi, lo];
    data.extend_from_slice(body);
    data
}

/// An independent reading of "the shape of a whole Fernet token": padded base64url text
/// starting `gAAAAA` that decodes to 57 + 16k bytes, k ≥ 1.
fn shaped(text: &[u8]) -> bool {
    text.starts_with(b"gAAAAA")
        && text.len().is_multiple_of(4)
        && decode_token(text).is_some_and(|d| d.len() >= 57 + BLOCK && (d.len() - 57) % BLOCK == 0)
}

/// What the net code (`net::seed::io`) asks of a token at the end of the buffer.
fn whole_under_key0(token: &[u8]) -> bool {
    !matches!(
        ciphers(Scheme::Fernet)[0].open(token).verdict,
        Verdict::Rejected(
            Reason::TagMismatch
                | Reason::TooShort
                | Reason::InvalidBase64
                | Reason::NotBlockMultiple
        )
    )
}

fn fnv1a(seed: u8, bytes: &[u8]) -> u64 {
    let mut h = 0xcbf2_9ce4_8422_2325u64 ^ u64::from(seed);
    for &b in bytes {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    h
}

/// The `complete` predicate the mode selects (bits 5–6).
fn predicate(mode: u8, seed: u8) -> impl Fn(&[u8]) -> bool {
    move |token: &[u8]| match (mode >> 5) & 0b11 {
        0 => true,
        1 => false,
        PREDICATE_WHOLE => whole_under_key0(token),
        _ => fnv1a(seed, token) & 1 == 1,
    }
}

/// Pushes `pieces` into a splitter, taking tokens after each, then flushes. Checks that every
/// token is whole-shaped, that `pending` counts what is left, that taking again right away
/// takes nothing, and that the tokens and the flushed rest are exactly the bytes pushed.
/// Returns the tokens and the rest.
fn split_tokens(
    pieces: &[&[u8]],
    complete: &impl Fn(&[u8]) -> bool,
) -> (Vec<Vec<u8>>, Option<Vec<u8>>) {
    let mut splitter = TokenSplitter::default();
    let mut pushed = Vec::new();
    let mut got: Vec<Vec<u8>> = Vec::new();
    let mut taken = 0;
    for piece in pieces {
        splitter.push(piece);
        pushed.extend_from_slice(piece);
        for token in splitter.tokens(complete) {
            assert!(!token.is_empty(), "an empty token");
            assert!(
                token_shaped(&token),
                "a token that is not token-shaped: {:?}",
                String::from_utf8_lossy(&token)
            );
            taken += token.len();
            got.push(token);
        }
        assert_eq!(
            splitter.pending(),
            pushed.len() - taken,
            "pending disagrees with what was pushed and taken"
        );
    }
    assert!(
        splitter.tokens(complete).is_empty(),
        "taking tokens again right away found more"
    );
    let pending = splitter.pending();
    let rest = splitter.flush();
    assert_eq!(
        rest.as_ref().map_or(0, Vec::len),
        pending,
        "flush returned other than what was pending"
    );
    assert!(
        rest.as_ref().is_none_or(|r| !r.is_empty()),
        "flushed nothing as Some"
    );
    assert_eq!(splitter.pending(), 0, "bytes left after a flush");
    assert_eq!(splitter.flush(), None, "a second flush returned bytes");
    let mut all = got.concat();
    all.extend_from_slice(rest.as_deref().unwrap_or(&[]));
    assert!(
        all == pushed,
        "the tokens and the rest are not the bytes pushed"
    );
    (got, rest)
}

/// `seed_wire`: byte 0 is the mode, whose bits 0–1 pick the API:
///
/// - [`SEED_SPLIT`]: byte 1 seeds the chunking (mode bits 2–4 the largest chunk, as in
///   `frame_decoder`) and the predicate (mode bits 5–6: always, never, the net code's
///   "whole under fernet key 0", or a hash of the token); the rest is pushed into a
///   `TokenSplitter` in chunks. Nothing is lost or duplicated, every token is token-shaped,
///   and `token_shaped` agrees with an independent reading.
/// - [`SEED_SEALED`]: the rest, split at `\n` (at most 16 lines of 512 bytes), is sealed line by
///   line under fernet key 0, joined with no delimiter and pushed in chunks: the splitter must
///   give back exactly the tokens. (It finds boundaries heuristically, so a token whose text
///   held `gAAAAA` at just the wrong place would split; AES and HMAC output make that a
///   2^-36 event the fuzzer cannot steer.)
/// - [`SEED_REQUEST`]: byte 1 is ignored and the rest is a seed 003 request body: parsing never
///   panics, `to_wire` gives the decoded salt and ciphertext or the specific error, and
///   `from_wire` of the wire bytes (and of the rest itself) round-trips through `to_wire`
///   (for more than 16 bytes; 16 or fewer leave an empty field, which is `Missing`) and
///   through the JSON text.
/// - [`SEED_RESPONSE`]: bytes 1–2 are the HTTP status (big-endian), the rest the body: parsing
///   never panics, `Success` needs status 200, and a parsed response's `body()` parses back to
///   it with its `status()`; any text survives both variants' bodies.
pub fn fuzz_seed_wire(data: &[u8]) {
    let [mode, seed, rest @ ..] = data else {
        return;
    };
    let (mode, seed) = (*mode, *seed);
    match mode & 0b11 {
        SEED_SPLIT => {
            assert_eq!(
                token_shaped(rest),
                shaped(rest),
                "token_shaped disagrees on {:?}",
                String::from_utf8_lossy(rest)
            );
            let complete = predicate(mode, seed);
            // In chunks and all at once. The two may cut differently (a predicate can accept
            // a token-shaped prefix that more bytes would have extended), so each run is only
            // held to the invariants in split_tokens.
            split_tokens(&chunks(mode, seed, rest), &complete);
            split_tokens(&[rest], &complete);
        }
        SEED_SEALED => {
            let cipher = &ciphers(Scheme::Fernet)[0];
            let made: Vec<Vec<u8>> = rest
                .split(|&b| b == b'\n')
                .take(16)
                .enumerate()
                .map(|(i, line)| {
                    let line = &line[..line.len().min(512)];
                    let mut iv = [0u8; BLOCK];
                    for (k, b) in iv.iter_mut().enumerate() {
                        *b = seed.wrapping_mul(31).wrapping_add((i * BLOCK + k) as u8);
                    }
                    let nonce = Nonce {
                        iv,
                        now: 1_700_000_000 + i as u64,
                    };
                    match cipher.seal_with(line, &nonce) {
                        Ok(token) => token,
                        Err(e) => panic!("sealing a line failed: {e}"),
                    }
                })
                .collect();
            let joined = made.concat();
            for token in &made {
                assert!(token_shaped(token), "a sealed token is not token-shaped");
                assert!(whole_under_key0(token), "a sealed token is not whole");
            }
            let (got, rest) = split_tokens(&chunks(mode, seed, &joined), &whole_under_key0);
            assert_eq!(
                got.len(),
                made.len(),
                "{} tokens joined, {} split (rest {:?})",
                made.len(),
                got.len(),
                rest.as_ref().map(Vec::len)
            );
            assert!(got == made, "the split tokens are not the sealed ones");
            assert_eq!(rest, None);
        }
        SEED_REQUEST => {
            check_request(rest);
            check_from_wire(rest);
        }
        _ => {
            let status = u16::from_be_bytes([seed, rest.first().copied().unwrap_or(0)]);
            let body = rest.get(1..).unwrap_or(&[]);
            check_response(status, body);
        }
    }
}

fn check_request(body: &[u8]) {
    let request = match DecryptMacRequest::parse(body) {
        Ok(request) => request,
        Err(e) => {
            assert!(
                matches!(e, SeedRequestError::NotJson(_)),
                "parse gave {e:?}"
            );
            return;
        }
    };
    let wire = request.to_wire();
    let want = match (&request.encrypted_mac, &request.salt) {
        (Some(mac), Some(salt)) if !mac.is_empty() && !salt.is_empty() => {
            match (
                base64::engine::general_purpose::STANDARD.decode(salt.trim()),
                base64::engine::general_purpose::STANDARD.decode(mac.trim()),
            ) {
                (Err(_), _) => Err(SeedRequestError::BadBase64("salt")),
                (Ok(_), Err(_)) => Err(SeedRequestError::BadBase64("encrypted_mac")),
                (Ok(mut salt), Ok(ciphertext)) => {
                    salt.extend_from_slice(&ciphertext);
                    Ok(salt)
                }
            }
        }
        _ => Err(SeedRequestError::Missing),
    };
    assert_eq!(wire, want, "to_wire of {request:?}");
    if let Ok(wire) = &wire {
        check_from_wire(wire);
    }
}

/// `from_wire` splits off a 16-byte salt; `to_wire` gives the bytes back unless a field came
/// out empty, and the request survives its JSON text.
fn check_from_wire(wire: &[u8]) {
    let request = DecryptMacRequest::from_wire(wire);
    let back = request.to_wire();
    if wire.len() > BLOCK {
        assert_eq!(back.as_deref(), Ok(wire), "from_wire then to_wire");
    } else {
        assert_eq!(
            back,
            Err(SeedRequestError::Missing),
            "from_wire of {} bytes then to_wire",
            wire.len()
        );
    }
    let (Some(mac), Some(salt)) = (&request.encrypted_mac, &request.salt) else {
        panic!("from_wire left a field out: {request:?}");
    };
    // Standard base64 needs no JSON escaping.
    let json = format!(r#"{{"encrypted_mac":"{mac}","salt":"{salt}"}}"#);
    assert_eq!(
        DecryptMacRequest::parse(json.as_bytes()),
        Ok(request),
        "the request does not survive {json}"
    );
}

fn check_response(status: u16, body: &[u8]) {
    match DecryptMacResponse::parse(status, body) {
        Ok(response) => {
            if matches!(response, DecryptMacResponse::Success(_)) {
                assert_eq!(status, 200, "success parsed from HTTP {status}");
            }
            let text = response.body();
            assert_eq!(
                DecryptMacResponse::parse(response.status(), text.as_bytes()),
                Ok(response.clone()),
                "{response:?} does not read back from its body {text}"
            );
        }
        Err(e) => assert!(!e.is_empty()),
    }
    let text = String::from_utf8_lossy(body).into_owned();
    for response in [
        DecryptMacResponse::Success(text.clone()),
        DecryptMacResponse::Error(text),
    ] {
        let body = response.body();
        assert_eq!(
            DecryptMacResponse::parse(response.status(), body.as_bytes()),
            Ok(response.clone()),
            "{response:?} does not read back from its body {body}"
        );
    }
}
