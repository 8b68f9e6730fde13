//! A message's journey: what the sender sealed, what crossed the wire (and what the attacker
//! did to it), what the receiver concluded, and the verdict the sender was told. The screen
//! follows one journey across the Client, Wire and Server columns.
//!
//! Journeys live in a bounded ring: a count limit and a byte budget, with each stored buffer
//! capped, so that a flood of messages cannot grow memory.

use std::collections::{HashMap, VecDeque};

use bytes::Bytes;

use crate::crypto::{Tamper, Verdict};
use crate::net::{Direction, HoldId, PeerId, Reading};

/// Journeys kept on screen; older ones are forgotten.
pub const MAX_JOURNEYS: usize = 500;
/// The most bytes kept of any one buffer (longer ones keep their start, flagged).
pub const MAX_KEPT: usize = 16 * 1024;
/// The total bytes all kept journeys may hold.
pub const MAX_TOTAL_BYTES: usize = 32 * 1024 * 1024;

/// Identifies a journey: the connection, the direction, and the sender's sequence number.
pub type JourneyKey = (PeerId, Direction, u64);

/// Bytes kept for display, and whether they were cut short.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Kept {
    /// The bytes, at most [`MAX_KEPT`].
    pub bytes: Bytes,
    /// The original length.
    pub len: usize,
}

impl Kept {
    /// Keeps `bytes`, copying the first [`MAX_KEPT`] when it is longer (so the rest is freed).
    pub fn new(bytes: &Bytes) -> Kept {
        let kept = if bytes.len() > MAX_KEPT {
            Bytes::copy_from_slice(&bytes[..MAX_KEPT])
        } else {
            bytes.clone()
        };
        Kept {
            bytes: kept,
            len: bytes.len(),
        }
    }

    /// Whether only a prefix was kept.
    pub fn is_cut(&self) -> bool {
        self.len > self.bytes.len()
    }
}

/// What the receiver made of a message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Arrival {
    /// The bytes as they arrived.
    pub wire: Kept,
    /// The verdict.
    pub verdict: Verdict,
    /// The plaintext, when accepted.
    pub plaintext: Option<Kept>,
}

/// One message, followed from end to end.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Journey {
    /// A number unique for this screen, increasing.
    pub id: u64,
    /// The connection (the server's view of the client; 0 where there is only one).
    pub conn: PeerId,
    /// Which way it went.
    pub direction: Option<Direction>,
    /// The sender's sequence number.
    pub seq: u64,
    /// Sent by the attacker (a replay), not by either party.
    pub injected: bool,
    /// The plaintext the sender sealed.
    pub plaintext: Option<Kept>,
    /// The wire bytes the sender sent.
    pub sent: Option<Kept>,
    /// The wire bytes the man in the middle saw.
    pub on_wire: Option<Kept>,
    /// The man in the middle's connection it crossed (where an oracle on it asks).
    pub via: Option<PeerId>,
    /// What the attacker did, and the bytes it sent instead.
    pub tampered: Vec<(Tamper, Kept)>,
    /// What the attacker could read.
    pub eavesdropped: Option<Kept>,
    /// How it read it.
    pub read_by: Option<Reading>,
    /// The earlier message whose gcm/chacha nonce this one repeats.
    pub nonce_reused: Option<u64>,
    /// Set while the attacker holds the message.
    pub held: Option<HoldId>,
    /// What the receiver concluded.
    pub arrival: Option<Arrival>,
    /// The verdict the sender was told.
    pub peer_verdict: Option<Verdict>,
}

impl Journey {
    /// The final verdict, from whichever side knows it.
    pub fn verdict(&self) -> Option<&Verdict> {
        self.arrival
            .as_ref()
            .map(|a| &a.verdict)
            .or(self.peer_verdict.as_ref())
    }

    /// Whether the attacker changed this message's bytes. A replay leaves the message it
    /// follows untouched (it sends an earlier message again), so it does not count.
    pub fn changed(&self) -> bool {
        self.tampered
            .iter()
            .any(|(action, _)| *action != Tamper::Replay)
    }

    /// Whether the attacker dropped this message, so no verdict will ever come.
    pub fn dropped(&self) -> bool {
        self.tampered
            .iter()
            .any(|(action, _)| *action == Tamper::Drop)
    }

    /// The plaintext as the sender meant it, or as the receiver or the attacker read it.
    pub fn best_plaintext(&self) -> Option<&Kept> {
        self.plaintext
            .as_ref()
            .or_else(|| self.arrival.as_ref().and_then(|a| a.plaintext.as_ref()))
            .or(self.eavesdropped.as_ref())
    }

    fn stored_bytes(&self) -> usize {
        let kept = |k: &Option<Kept>| k.as_ref().map_or(0, |k| k.bytes.len());
        kept(&self.plaintext)
            + kept(&self.sent)
            + kept(&self.on_wire)
            + kept(&self.eavesdropped)
            + self
                .tampered
                .iter()
                .map(|(_, k)| k.bytes.len())
                .sum::<usize>()
            + self
                .arrival
                .as_ref()
                .map_or(0, |a| a.wire.bytes.len() + kept(&a.plaintext))
    }
}

/// The bounded ring of journeys.
#[derive(Debug, Default)]
pub struct Journeys {
    ring: VecDeque<Journey>,
    index: HashMap<JourneyKey, u64>,
    next_id: u64,
    total: u64,
}

impl Journeys {
    /// The journey for `key`, created if new (which may forget the oldest).
    pub fn entry(&mut self, key: JourneyKey) -> &mut Journey {
        let id = match self.index.get(&key) {
            Some(&id) if self.position(id).is_some() => id,
            _ => self.create(key),
        };
        let position = self.position(id).unwrap_or(self.ring.len() - 1);
        &mut self.ring[position]
    }

    /// The journey for `key`, if it is still kept.
    pub fn find(&self, key: JourneyKey) -> Option<&Journey> {
        self.ring.get(self.position(*self.index.get(&key)?)?)
    }

    /// The journey for `key`, if it is still kept (never creates one).
    pub fn find_mut(&mut self, key: JourneyKey) -> Option<&mut Journey> {
        let position = self.position(*self.index.get(&key)?)?;
        Some(&mut self.ring[position])
    }

    fn create(&mut self, key: JourneyKey) -> u64 {
        self.next_id += 1;
        self.total += 1;
        let id = self.next_id;
        let (conn, direction, seq) = key;
        self.ring.push_back(Journey {
            id,
            conn,
            direction: Some(direction),
            seq,
            ..Journey::default()
        });
        self.index.insert(key, id);
        // The count is enforced here; the byte budget, which needs a walk over the ring, once
        // per batch of events (see `evict`).
        while self.ring.len() > MAX_JOURNEYS {
            self.forget_oldest();
        }
        id
    }

    fn forget_oldest(&mut self) -> usize {
        let Some(old) = self.ring.pop_front() else {
            return 0;
        };
        if let Some(direction) = old.direction {
            self.index.remove(&(old.conn, direction, old.seq));
        }
        old.stored_bytes()
    }

    /// Forgets the oldest journeys while the kept bytes exceed [`MAX_TOTAL_BYTES`].
    pub fn evict(&mut self) {
        let mut bytes = self.stored_bytes();
        while self.ring.len() > 1 && bytes > MAX_TOTAL_BYTES {
            bytes -= self.forget_oldest();
        }
    }

    fn position(&self, id: u64) -> Option<usize> {
        let first = self.ring.front()?.id;
        let position = usize::try_from(id.checked_sub(first)?).ok()?;
        (position < self.ring.len()).then_some(position)
    }

    /// The journey with this id, if still kept.
    pub fn get(&self, id: u64) -> Option<&Journey> {
        self.position(id).map(|p| &self.ring[p])
    }

    /// The newest journey.
    pub fn latest(&self) -> Option<&Journey> {
        self.ring.back()
    }

    /// Kept journeys, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &Journey> + ExactSizeIterator {
        self.ring.iter()
    }

    /// How many are kept.
    pub fn len(&self) -> usize {
        self.ring.len()
    }

    /// Whether none are kept.
    pub fn is_empty(&self) -> bool {
        self.ring.is_empty()
    }

    /// How many were ever seen, kept or not.
    pub fn total(&self) -> u64 {
        self.total
    }

    /// The id of the journey `steps` away from `id` (negative: older), clamped to the ends.
    pub fn step(&self, id: Option<u64>, steps: isize) -> Option<u64> {
        let last = self.ring.len().checked_sub(1)?;
        let here = id.and_then(|id| self.position(id)).unwrap_or(last);
        let there = here.saturating_add_signed(steps).min(last);
        Some(self.ring[there].id)
    }

    /// The position of a journey among those kept, from 0 (oldest).
    pub fn position_of(&self, id: u64) -> Option<usize> {
        self.position(id)
    }

    /// The stored bytes of all kept journeys (for tests and the memory benchmark).
    pub fn stored_bytes(&self) -> usize {
        self.ring.iter().map(Journey::stored_bytes).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ring_forgets_the_oldest_and_keeps_its_index_in_step() {
        let mut journeys = Journeys::default();
        for seq in 1..=(MAX_JOURNEYS as u64 + 10) {
            journeys.entry((0, Direction::ToServer, seq)).seq = seq;
        }
        assert_eq!(journeys.len(), MAX_JOURNEYS);
        assert_eq!(journeys.total(), MAX_JOURNEYS as u64 + 10);
        assert_eq!(journeys.iter().next().map(|j| j.seq), Some(11));
        // An old key comes back as a new journey rather than a stale index hit.
        let again = journeys.entry((0, Direction::ToServer, 1)).id;
        assert_eq!(journeys.latest().map(|j| j.id), Some(again));
    }

    #[test]
    fn large_buffers_are_cut_and_the_rest_freed() {
        let big = Bytes::from(vec![7u8; MAX_KEPT * 4]);
        let kept = Kept::new(&big);
        assert!(kept.is_cut());
        assert_eq!(kept.bytes.len(), MAX_KEPT);
        assert_eq!(kept.len, MAX_KEPT * 4);
    }

    #[test]
    fn stepping_is_clamped_to_the_ends() {
        let mut journeys = Journeys::default();
        let ids: Vec<u64> = (1..=3)
            .map(|seq| journeys.entry((0, Direction::ToServer, seq)).id)
            .collect();
        assert_eq!(journeys.step(None, -1), Some(ids[1]));
        assert_eq!(journeys.step(Some(ids[0]), -5), Some(ids[0]));
        assert_eq!(journeys.step(Some(ids[0]), 9), Some(ids[2]));
    }
}
