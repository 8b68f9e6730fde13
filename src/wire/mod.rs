//! The lab wire protocol: frames and their codec, pure and independent of any socket.
//!
//! A frame is a `u32` big-endian length and a body of at most `--max-frame` bytes; the body's
//! first byte names the kind (HELLO, WELCOME, DATA, VERDICT, ERROR, BYE; TASK, ANSWER, RESULT and NOTICE for exercises). `docs/PROTOCOL.md`
//! walks through an annotated exchange.

mod codec;
mod error;
pub mod frame;
pub mod seed;

pub use codec::LabCodec;
pub use error::FrameError;
pub use frame::{Frame, Hello, Task, Welcome};
