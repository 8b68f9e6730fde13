//! The attacker's seat: intercept mode, held messages, recent frames, and the tamper form with
//! its byte cursor.

use std::collections::VecDeque;

use bytes::Bytes;
use tui_input::Input;

use crate::crypto::{Anatomy, Scheme, Tamper};
use crate::net::{Direction, Fate, HoldId, PeerId};

/// Recent frames listed in the Wire pane.
pub const MAX_FRAMES: usize = 200;

/// One frame as the Wire pane lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FrameLine {
    /// Which way it went.
    pub direction: Direction,
    /// HELLO, DATA, ...
    pub kind: &'static str,
    /// The frame's length on the wire, prefix included.
    pub len: usize,
    /// A short readable summary (the JSON of control frames, the seq of DATA).
    pub summary: String,
    /// The summary with the key hidden, when it holds one (a WELCOME that sends the key).
    pub redacted: Option<String>,
    /// Whether it was passed on, held, or kept back.
    pub fate: Fate,
}

/// A client message the attacker holds.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HeldMessage {
    /// The connection.
    pub peer: PeerId,
    /// The hold number.
    pub hold: HoldId,
    /// The client's sequence number.
    pub seq: u64,
    /// The message bytes.
    pub wire: Bytes,
}

/// The tamper form: an action typed in the grammar, with a byte cursor.
pub struct TamperForm {
    /// The action text, such as `flip:16:0`.
    pub input: Input,
    /// The held message it will apply to; `None` arms it for the next message.
    pub target: Option<HeldMessage>,
    /// The sequence number of the message a `replay` would send again: the last client
    /// message forwarded to the server (`None` when none has been).
    pub replays: Option<u64>,
}

impl TamperForm {
    /// A form prefilled with a bit flip in the first ciphertext byte.
    pub fn new(target: Option<HeldMessage>, scheme: Scheme) -> TamperForm {
        let first = scheme.first_message_byte();
        TamperForm {
            input: Input::new(format!("flip:{first}:0")),
            target,
            replays: None,
        }
    }

    /// The same form, knowing which message a `replay` would send again.
    pub fn replaying(mut self, seq: Option<u64>) -> TamperForm {
        self.replays = seq;
        self
    }

    /// What the action does, in words, when the grammar alone does not say: which message a
    /// `replay` sends again.
    pub fn explain(&self) -> Option<Result<String, String>> {
        if self.action() != Ok(Tamper::Replay) {
            return None;
        }
        Some(match self.replays {
            Some(seq) => Ok(format!(
                "replay sends message #{} again, the last one forwarded",
                crate::net::seq_label(seq)
            )),
            None => {
                Err("replay: no client message forwarded yet, nothing to send again".to_owned())
            }
        })
    }

    /// The action as typed, or why it does not parse.
    pub fn action(&self) -> Result<Tamper, String> {
        self.input
            .value()
            .parse::<Tamper>()
            .map_err(|e| e.to_string())
    }

    /// The action, checked against the held message when there is one: an offset or block
    /// past its end is refused here, while the form is still open, not after release.
    pub fn check(&self, scheme: Scheme) -> Result<Tamper, String> {
        let action = self.action()?;
        action.fits_scheme(scheme).map_err(|e| e.to_string())?;
        if let Some(target) = &self.target {
            fits(&action, scheme, &target.wire)?;
        }
        Ok(action)
    }

    /// Moves the byte cursor (flip, iv-flip) or block index (swap, paste) by `delta`. With a
    /// held message the cursor stops at its last byte or block rather than running past it.
    pub fn nudge_byte(&mut self, delta: isize, scheme: Scheme) {
        let next = match self.action() {
            Ok(Tamper::Flip { byte, bit }) => Tamper::Flip {
                byte: byte.saturating_add_signed(delta),
                bit,
            },
            Ok(Tamper::IvFlip { byte, bit }) => Tamper::IvFlip {
                byte: byte.saturating_add_signed(delta).min(15),
                bit,
            },
            Ok(Tamper::Swap { i, j }) => Tamper::Swap {
                i,
                j: j.saturating_add_signed(delta),
            },
            Ok(Tamper::Paste { i }) => Tamper::Paste {
                i: i.saturating_add_signed(delta),
            },
            _ => return,
        };
        if let Some(target) = &self.target
            && fits(&next, scheme, &target.wire).is_err()
            && self.check(scheme).is_ok()
        {
            return;
        }
        self.input = Input::new(next.to_string());
    }

    /// Moves the bit of a flip by `delta`, within 0..=7.
    pub fn nudge_bit(&mut self, delta: isize) {
        let next = match self.action() {
            Ok(Tamper::Flip { byte, bit }) => Tamper::Flip {
                byte,
                bit: (bit as isize + delta).clamp(0, 7) as u8,
            },
            Ok(Tamper::IvFlip { byte, bit }) => Tamper::IvFlip {
                byte,
                bit: (bit as isize + delta).clamp(0, 7) as u8,
            },
            _ => return,
        };
        self.input = Input::new(next.to_string());
    }

    /// The byte ranges of the target the action would touch (for the byte cursor).
    pub fn touched(&self, scheme: Scheme) -> (Option<Anatomy>, Vec<std::ops::Range<usize>>) {
        let Some(target) = &self.target else {
            return (None, vec![]);
        };
        let anatomy = Anatomy::dissect(scheme, &target.wire);
        let touched = self
            .action()
            .map(|a| a.touches(scheme, &anatomy))
            .unwrap_or_default();
        (Some(anatomy), touched)
    }
}

/// Whether `action` can be applied to `wire`. A paste takes block 0 of the previous client
/// message, which only the man in the middle knows, so the held message itself stands in for
/// it here: what is checked is that block i exists.
fn fits(action: &Tamper, scheme: Scheme, wire: &[u8]) -> Result<(), String> {
    if !action.rewrites() || *action == Tamper::Forge {
        return Ok(());
    }
    action
        .apply(scheme, wire, Some(wire))
        .map(drop)
        .map_err(|e| e.to_string())
}

/// Everything the attacker's seat shows.
#[derive(Default)]
pub struct Attacker {
    /// Holding client messages.
    pub intercept: bool,
    /// Messages held, oldest first.
    pub held: VecDeque<HeldMessage>,
    /// Recent frames, oldest first.
    pub frames: VecDeque<FrameLine>,
    /// Whether the key crossed the wire and the attacker read it.
    pub key_learned: bool,
}

impl Attacker {
    /// Records a frame, forgetting the oldest beyond [`MAX_FRAMES`].
    pub fn record(&mut self, line: FrameLine) {
        if self.frames.len() == MAX_FRAMES {
            self.frames.pop_front();
        }
        self.frames.push_back(line);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_byte_cursor_moves_the_flip_and_keeps_bits_in_range() {
        let mut form = TamperForm::new(None, Scheme::Cbc);
        assert_eq!(form.action(), Ok(Tamper::Flip { byte: 16, bit: 0 }));
        form.nudge_byte(3, Scheme::Cbc);
        form.nudge_bit(-1);
        form.nudge_bit(9);
        assert_eq!(form.action(), Ok(Tamper::Flip { byte: 19, bit: 7 }));
    }
}
