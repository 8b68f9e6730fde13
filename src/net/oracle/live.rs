//! The attack as it runs, shared with a screen (the Oracle tab, DESIGN §9): the target's
//! blocks, the byte being worked, the last questions with their verdicts, the intermediate
//! bytes and the plaintext found so far, and the pace the screen asked for.
//!
//! A screen cannot take one event per question at tens of thousands a second, and the attack
//! must not wait for a screen. So the attack writes into this one shared snapshot (a lock held
//! for a few field writes) and bumps its version; the screen copies it when it draws, at its
//! frame rate, and draws only when the version moved. Memory is bounded: the questions are a
//! ring of the last [`RECENT_QUERIES`], the rest grows with the target's length only.
//!
//! The pace goes the other way: the screen sets it (`+`/`-`), and the attack waits between
//! questions to keep to it.

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use bytes::Bytes;

use super::padding::{Block, Found, Query};
use crate::crypto::{BLOCK, Verdict};
use crate::net::event::{AttackKind, OracleEvent};

/// Questions the snapshot keeps, the latest last.
pub const RECENT_QUERIES: usize = 64;

/// The paces `+` and `-` step through, slowest first; 0 is full speed.
pub const PACES: [u32; 7] = [1, 4, 20, 100, 1_000, 10_000, 0];

/// One question as the Oracle tab lists it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Asked {
    /// The question's number, from 1.
    pub id: u64,
    /// The ciphertext block being read, from 0.
    pub block: usize,
    /// The byte of it being worked, 0 to 15.
    pub index: usize,
    /// The byte of `IV'` tried at that position.
    pub guess: u8,
    /// A re-check of a last-byte hit (the `02 02` trap), not a new guess.
    pub recheck: bool,
    /// The server's verdict, once heard: accepted, or rejected with its reason's words.
    pub heard: Option<Heard>,
}

/// A verdict as the Oracle tab shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Heard {
    /// Accepted: the padding was valid.
    Accepted,
    /// Rejected, with the reason's words when the server gave one (`--verdicts opaque` gives
    /// none).
    Rejected(Option<&'static str>),
}

impl Heard {
    fn of(verdict: &Verdict) -> Heard {
        if verdict.is_accepted() {
            Heard::Accepted
        } else {
            Heard::Rejected(verdict.reason().map(|r| r.words()))
        }
    }
}

/// How the attack ended.
#[derive(Clone, Debug, PartialEq)]
pub enum Outcome {
    /// Recovered: the plaintext (padding removed), the secret, or the accepted forgery.
    Recovered {
        /// What was read.
        plaintext: Bytes,
        /// How long it took.
        seconds: f64,
    },
    /// It cannot succeed against this server, and why.
    Failed {
        /// Why, in words (the `oracle-failed` reason).
        reason: String,
    },
}

/// What the Oracle tab draws, copied out of the shared state.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Snapshot {
    /// Which attack, once one started.
    pub attack: Option<AttackKind>,
    /// The target's blocks (padding oracle): the IV, then each ciphertext block.
    pub blocks: Vec<[u8; BLOCK]>,
    /// Bytes to recover.
    pub target_len: usize,
    /// The whole captured message's length, as it crossed the wire.
    pub message_len: usize,
    /// The block and byte being worked.
    pub working: Option<(usize, usize)>,
    /// The last questions, oldest first.
    pub recent: VecDeque<Asked>,
    /// `D(C_i)` found so far, per ciphertext block.
    pub intermediate: Vec<[Option<u8>; BLOCK]>,
    /// The plaintext found so far: per ciphertext block (padding oracle), or per byte of the
    /// secret (byte-at-a-time), as found.
    pub plain: Vec<[Option<u8>; BLOCK]>,
    /// Questions asked in all.
    pub queries: u64,
    /// Questions asked for the byte being worked.
    pub byte_queries: u64,
    /// Bytes recovered.
    pub bytes_read: usize,
    /// The most questions one byte took.
    pub most_per_byte: u64,
    /// How it ended.
    pub outcome: Option<Outcome>,
    /// When it started, for its rate.
    pub started: Option<Instant>,
    /// When it ended, so that the rate stops with it.
    pub ended: Option<Instant>,
}

impl Snapshot {
    /// Questions a second so far (to the end, once it ended).
    pub fn rate(&self, now: Instant) -> Option<f64> {
        let seconds = match &self.outcome {
            Some(Outcome::Recovered { seconds, .. }) => *seconds,
            _ => self
                .ended
                .unwrap_or(now)
                .duration_since(self.started?)
                .as_secs_f64(),
        };
        (seconds > 0.0).then(|| self.queries as f64 / seconds)
    }
}

struct Inner {
    state: Mutex<Snapshot>,
    version: AtomicU64,
    /// Questions a second, 0 for full speed.
    pace: AtomicU32,
    /// When the next paced question may go.
    next_slot: Mutex<Option<Instant>>,
}

/// The shared handle: the attack writes, the screen reads and sets the pace. Clones share.
#[derive(Clone)]
pub struct LiveAttack {
    inner: Arc<Inner>,
}

impl Default for LiveAttack {
    fn default() -> LiveAttack {
        LiveAttack::paced(0)
    }
}

impl std::fmt::Debug for LiveAttack {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LiveAttack")
            .field("version", &self.version())
            .field("pace", &self.pace())
            .finish_non_exhaustive()
    }
}

/// Two handles are equal when they share one attack (commands compare this way).
impl PartialEq for LiveAttack {
    fn eq(&self, other: &LiveAttack) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl Eq for LiveAttack {}

impl LiveAttack {
    /// A fresh, empty attack at `pace` questions a second (0: full speed).
    pub fn paced(pace: u32) -> LiveAttack {
        LiveAttack {
            inner: Arc::new(Inner {
                state: Mutex::new(Snapshot::default()),
                version: AtomicU64::new(0),
                pace: AtomicU32::new(pace),
                next_slot: Mutex::new(None),
            }),
        }
    }

    /// A copy of what is known now.
    pub fn snapshot(&self) -> Snapshot {
        self.lock().clone()
    }

    /// Bumped by every change: a screen redraws when it moved.
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::Acquire)
    }

    /// Questions a second, 0 for full speed.
    pub fn pace(&self) -> u32 {
        self.inner.pace.load(Ordering::Relaxed)
    }

    /// Sets the pace (0: full speed).
    pub fn set_pace(&self, pace: u32) {
        self.inner.pace.store(pace, Ordering::Relaxed);
        self.inner.version.fetch_add(1, Ordering::AcqRel);
    }

    /// One step faster (`+`) or slower (`-`) along [`PACES`]; the pace now.
    pub fn step_pace(&self, faster: bool) -> u32 {
        let at = PACES
            .iter()
            .position(|&p| p == self.pace())
            .unwrap_or(PACES.len() - 1);
        let next = if faster {
            (at + 1).min(PACES.len() - 1)
        } else {
            at.saturating_sub(1)
        };
        self.set_pace(PACES[next]);
        PACES[next]
    }

    /// How long to wait before the next question may go, at the pace set now, and books its
    /// slot; zero at full speed. A slowed attack asks one question per slot.
    pub fn wait_for_slot(&self) -> Duration {
        let pace = self.pace();
        let mut next = self
            .inner
            .next_slot
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if pace == 0 {
            *next = None;
            return Duration::ZERO;
        }
        let now = Instant::now();
        let slot = next.filter(|&at| at > now).unwrap_or(now);
        *next = Some(slot + Duration::from_secs_f64(1.0 / f64::from(pace)));
        slot - now
    }

    fn lock(&self) -> MutexGuard<'_, Snapshot> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    fn change(&self, f: impl FnOnce(&mut Snapshot)) {
        f(&mut self.lock());
        self.inner.version.fetch_add(1, Ordering::AcqRel);
    }

    /// Forgets when the attack started, so that no rate is shown: a deterministic screen.
    #[cfg(feature = "test-support")]
    pub(crate) fn forget_clock(&self) {
        self.change(|s| s.started = None);
    }

    /// Forgets the last attack (a new one is about to start).
    pub fn clear(&self) {
        self.change(|s| *s = Snapshot::default());
    }

    /// A padding oracle on a message of `message_len` bytes starts, its chain `links` (the
    /// IV, then each ciphertext block).
    pub(crate) fn target(&self, message_len: usize, links: &[Block]) {
        self.change(|s| {
            *s = Snapshot {
                blocks: links.to_vec(),
                message_len,
                intermediate: vec![[None; BLOCK]; links.len().saturating_sub(1)],
                plain: vec![[None; BLOCK]; links.len().saturating_sub(1)],
                started: Some(Instant::now()),
                ..Snapshot::default()
            };
        });
    }

    /// The attack has its target: `target_len` bytes to read.
    pub(crate) fn started(&self, attack: AttackKind, target_len: usize) {
        self.change(|s| {
            s.attack = Some(attack);
            s.target_len = target_len;
            s.started.get_or_insert_with(Instant::now);
        });
    }

    /// Question `query` goes to the server.
    pub(crate) fn asked(&self, query: &Query) {
        self.change(|s| {
            if s.working != Some((query.block, query.index)) {
                s.working = Some((query.block, query.index));
                s.byte_queries = 0;
            }
            s.queries += 1;
            s.byte_queries += 1;
            if s.recent.len() == RECENT_QUERIES {
                s.recent.pop_front();
            }
            s.recent.push_back(Asked {
                id: query.id,
                block: query.block,
                index: query.index,
                guess: query.guess,
                recheck: query.recheck,
                heard: None,
            });
        });
    }

    /// Some other attack's question (byte-at-a-time, extend): counted, not listed.
    pub(crate) fn counted(&self) {
        self.change(|s| s.queries += 1);
    }

    /// The server's verdict on question `id`.
    pub(crate) fn heard(&self, id: u64, verdict: &Verdict) {
        let heard = Heard::of(verdict);
        self.change(|s| {
            if let Some(asked) = s.recent.iter_mut().rev().find(|a| a.id == id) {
                asked.heard = Some(heard);
            }
        });
    }

    /// A byte recovered.
    pub(crate) fn byte(&self, found: &Found) {
        self.change(|s| {
            s.bytes_read += 1;
            s.most_per_byte = s.most_per_byte.max(found.queries);
            let (block, index) = match s.attack {
                // Byte-at-a-time counts its secret's bytes in order.
                Some(AttackKind::ByteAtATime) => (found.index / BLOCK, found.index % BLOCK),
                _ => (found.block, found.index),
            };
            while s.plain.len() <= block {
                s.plain.push([None; BLOCK]);
            }
            s.plain[block][index] = Some(found.value);
            if let (Some(previous), Some(row)) =
                (s.blocks.get(block), s.intermediate.get_mut(block))
            {
                row[index] = Some(found.value ^ previous[index]);
            }
        });
    }

    /// What an `oracle-*` event says of the attack: its start and its end. (Its bytes and
    /// questions the attack writes here itself, with more than the events carry.)
    pub(crate) fn record(&self, event: &OracleEvent) {
        match event {
            OracleEvent::Started {
                attack, target_len, ..
            } => self.started(*attack, *target_len),
            OracleEvent::Done {
                plaintext,
                queries,
                seconds,
                ..
            } => {
                let outcome = Outcome::Recovered {
                    plaintext: plaintext.clone(),
                    seconds: *seconds,
                };
                self.ended(outcome, *queries);
            }
            OracleEvent::Failed {
                reason, queries, ..
            } => {
                let outcome = Outcome::Failed {
                    reason: reason.clone(),
                };
                self.ended(outcome, *queries);
            }
            OracleEvent::Armed { .. } | OracleEvent::Byte { .. } => {}
        }
    }

    /// An `oracle-*` event of a recording, replayed: the start, each byte as it was read and
    /// the questions it took, and the end. A recording keeps no question, so none is listed.
    pub fn replayed(&self, event: &OracleEvent) {
        match *event {
            OracleEvent::Started { .. } => {
                self.clear();
                self.record(event);
            }
            OracleEvent::Byte {
                block,
                index,
                value,
                queries,
            } => {
                self.change(|s| s.queries += queries);
                self.byte(&Found {
                    block,
                    index,
                    value,
                    queries,
                });
            }
            _ => self.record(event),
        }
    }

    /// How it ended.
    pub(crate) fn ended(&self, outcome: Outcome, queries: u64) {
        self.change(|s| {
            s.queries = s.queries.max(queries);
            s.working = None;
            s.outcome = Some(outcome);
            s.ended = Some(Instant::now());
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pace_steps_from_full_speed_down_to_one_a_second_and_back() {
        let live = LiveAttack::default();
        assert_eq!(live.pace(), 0);
        assert_eq!(live.wait_for_slot(), Duration::ZERO);
        let slower: Vec<u32> = (0..8).map(|_| live.step_pace(false)).collect();
        assert_eq!(slower, [10_000, 1_000, 100, 20, 4, 1, 1, 1]);
        assert_eq!(live.step_pace(true), 4);
        // At 4 a second the second question waits a quarter of a second for its slot.
        assert_eq!(live.wait_for_slot(), Duration::ZERO);
        let wait = live.wait_for_slot();
        assert!(wait > Duration::from_millis(200), "{wait:?}");
    }

    #[test]
    fn the_questions_kept_are_a_bounded_ring() {
        let live = LiveAttack::default();
        for id in 1..=1000 {
            let query = Query {
                id,
                sealed: Vec::new(),
                block: 0,
                index: 15,
                guess: id as u8,
                recheck: false,
            };
            live.asked(&query);
        }
        let snapshot = live.snapshot();
        assert_eq!(snapshot.recent.len(), RECENT_QUERIES);
        assert_eq!(snapshot.queries, 1000);
        assert_eq!(snapshot.recent.back().map(|a| a.id), Some(1000));
    }
}
