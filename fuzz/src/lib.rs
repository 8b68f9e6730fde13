//! The bodies of cipherlab's fuzz targets, shared by the targets in `fuzz_targets/`, the seed
//! generator (`examples/make_corpus.rs`) and the seed replay test (`tests/replay_seeds.rs`).
//!
//! Each `fuzz_*` function takes libFuzzer's raw input and panics when an invariant of the
//! library does not hold. The input layouts are described on each function, and the
//! `*_input` helpers build inputs in those layouts so that seeds and targets always agree.

use base64::Engine as _;
use base64::engine::DecodePaddingMode;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig};
use bytes::{Bytes, BytesMut};
use std::sync::OnceLock;
use tokio_util::codec::Decoder;

use cipherlab::crypto::{
    Anatomy, BLOCK, Cipher, Encoding, FieldKind, Key, KeyError, Nonce, OpenOptions, Scheme, TAG,
    Verdict,
};
use cipherlab::wire::frame::{self, DEFAULT_MAX_FRAME};
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
        Scheme::Hmac => &[
            // Seed 004's key.
            "your_shared_secret_key",
            "k",
            // Longer than SHA-256's 64-byte block, so HMAC hashes it first.
            "hex:00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\
             00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\
             ffeeddccbbaa99887766554433221100",
        ],
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

/// An accepted message must be exactly what sealing its plaintext gives: for ecb and hmac
/// with no nonce at all, for cbc with the message's salt, for fernet with its IV and time.
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
        Scheme::Ecb | Scheme::Hmac => {
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
                assert_eq!(scheme, Scheme::Hmac);
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
            FieldKind::Message | FieldKind::Trailing => {}
        }
        let _ = (field.kind.label(), field.kind.legend());
    }
    if !bytes.is_empty() {
        assert_eq!(anatomy.field_at(bytes.len()), None, "field_at past the end");
    }
    if let Some(tag) = anatomy.tag() {
        assert!(tag.len() <= TAG);
    }

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
                    Scheme::Ecb | Scheme::Cbc => matches!(len, 16 | 24 | 32),
                    Scheme::Fernet => len == 32,
                    Scheme::Hmac => (1..=cipherlab::crypto::key::MAX_HMAC_KEY).contains(&len),
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
fn check_key_error(scheme: Scheme, text: &str, error: &KeyError) {
    let message = error.to_string();
    assert!(!message.is_empty());
    // The secret part: what follows a prefix, trimmed. Only long enough texts are looked for,
    // and not ones that are part of the fixed wording itself.
    let secret = ["hex:", "base64:", "text:"]
        .iter()
        .find_map(|p| text.strip_prefix(p))
        .unwrap_or(text)
        .trim();
    if secret.chars().count() >= 12
        && message.contains(secret)
        && !cipherlab::crypto::key::expected(scheme).contains(secret)
    {
        panic!("{scheme}: the error {message:?} repeats the key text");
    }
    if let KeyError::WrongLength { got, .. } = error {
        assert!(message.contains(&got.to_string()), "{message}");
    }
}
