//! The lab frame codec for `tokio_util::codec::Framed`: check, then parse; partial input is a
//! normal state, and a stream that ends mid-frame is reported as truncated.

use bytes::{Buf, BytesMut};
use tokio_util::codec::{Decoder, Encoder};

use super::FrameError;
use super::frame::{self, Frame};

/// Encodes and decodes lab frames, refusing bodies over `max_frame` bytes.
#[derive(Clone, Copy, Debug)]
pub struct LabCodec {
    max_frame: usize,
    handshaking: bool,
}

impl LabCodec {
    /// A codec with the given cap on frame bodies.
    pub fn new(max_frame: usize) -> LabCodec {
        LabCodec {
            max_frame,
            handshaking: false,
        }
    }

    /// A codec for a connection whose handshake is not done: frames are capped at
    /// [`MAX_HANDSHAKE_FRAME`](frame::MAX_HANDSHAKE_FRAME), so that a peer who never completes
    /// the handshake can make the receiver reserve only a few KiB, whatever `--max-frame` says.
    pub fn for_handshake() -> LabCodec {
        LabCodec {
            max_frame: frame::MAX_HANDSHAKE_FRAME,
            handshaking: true,
        }
    }

    /// The handshake is done: frames up to `max_frame` bytes from now on.
    pub fn handshake_done(&mut self, max_frame: usize) {
        self.max_frame = max_frame;
        self.handshaking = false;
    }
}

impl Default for LabCodec {
    fn default() -> Self {
        LabCodec::new(frame::DEFAULT_MAX_FRAME)
    }
}

impl Decoder for LabCodec {
    type Item = Frame;
    type Error = FrameError;

    fn decode(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        let checked = frame::check(src, self.max_frame).map_err(|e| match e {
            FrameError::TooLarge { len, max, hint: "" } if self.handshaking => {
                FrameError::TooLarge {
                    len,
                    max,
                    hint: " before the handshake (HELLO and WELCOME are small)",
                }
            }
            other => other,
        });
        match checked? {
            Some(total) => {
                let mut whole = src.split_to(total);
                whole.advance(4);
                // A kind this side does not know (a newer peer's) is a frame like any other:
                // the session reports it and carries on, so new kinds never break a connection.
                match Frame::parse(whole.freeze()) {
                    Err(FrameError::UnknownKind(kind)) => Ok(Some(Frame::Unknown { kind })),
                    parsed => parsed.map(Some),
                }
            }
            None => {
                // The length is known to be within the cap, so reserving for it is bounded.
                if let Some(prefix) = src.first_chunk::<4>() {
                    let total = 4 + u32::from_be_bytes(*prefix) as usize;
                    src.reserve(total.saturating_sub(src.len()));
                }
                Ok(None)
            }
        }
    }

    fn decode_eof(&mut self, src: &mut BytesMut) -> Result<Option<Frame>, FrameError> {
        match self.decode(src)? {
            Some(frame) => Ok(Some(frame)),
            None if src.is_empty() => Ok(None),
            None => {
                let need = src
                    .first_chunk::<4>()
                    .map_or(4, |p| 4 + u32::from_be_bytes(*p) as usize);
                Err(FrameError::Truncated {
                    have: src.len(),
                    need,
                })
            }
        }
    }
}

impl Encoder<Frame> for LabCodec {
    type Error = FrameError;

    fn encode(&mut self, frame: Frame, dst: &mut BytesMut) -> Result<(), FrameError> {
        frame.encode(dst);
        Ok(())
    }
}

impl Encoder<&Frame> for LabCodec {
    type Error = FrameError;

    fn encode(&mut self, frame: &Frame, dst: &mut BytesMut) -> Result<(), FrameError> {
        frame.encode(dst);
        Ok(())
    }
}
