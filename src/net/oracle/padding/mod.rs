//! The padding oracle (Vaudenay 2002), without sockets: which question to ask next, and what
//! each verdict teaches, until every ciphertext block of a captured message is read.
//!
//! CBC decrypts a block as `P_i = D(C_i) ⊕ C_{i-1}` and then checks PKCS#7 padding. Sent
//! `IV' ‖ C_i`, the receiver computes `D(C_i) ⊕ IV'`, and its verdict says whether that ends in
//! valid padding. Vary the last byte of `IV'` until it does: then `D(C_i)` ends in `0x01 ⊕` that
//! byte. With the last byte fixed to read `0x02`, vary the one before it; and so on, at most 256
//! questions per byte, from the last byte of the last block to the first byte of the first.
//! `P_i` is then `D(C_i) ⊕ C_{i-1}` with the real previous block, which the attacker has.
//!
//! Only acceptance is used, so a server that hides its reasons (`--verdicts opaque`) is as good
//! an oracle. The one trap is the last byte: `IV'` starts as the real previous block, so the
//! block may already end in `02 02` (or `03 03 03`) with a guess other than the one that makes
//! `01`. A hit there is re-checked with the byte before it changed: a real `01` survives that,
//! a `02 02` does not. Against an authenticated scheme every question is rejected by the tag
//! before the padding is looked at, and the attack says so after the first byte's 256.

use std::collections::{BTreeMap, HashMap};

mod search;

use search::{Probe, Search};

use crate::crypto::{Anatomy, BLOCK, Encoding, FieldKind, Scheme, Verdict};

/// One cipher block.
pub(crate) type Block = [u8; BLOCK];

/// The questions one byte may take, the contract's bound.
pub const MAX_QUERIES_PER_BYTE: u64 = 256;
/// A captured message cut into the chain the attack works on: `links[0]` plays the IV and
/// each later link is a ciphertext block; `head` and `tail` are kept as they are (fernet's
/// version and timestamp and its tag, an AEAD's nonce and tag).
#[derive(Clone, Debug)]
pub(crate) struct Chain {
    head: Vec<u8>,
    links: Vec<Block>,
    tail: Vec<u8>,
    encoding: Encoding,
    /// Ciphertext bytes there are to read.
    len: usize,
}

impl Chain {
    /// Cuts `wire`, a message of `scheme`, into its chain.
    ///
    /// # Errors
    /// Why this scheme or these bytes cannot be attacked this way, in words for the
    /// `oracle-failed` event.
    pub(crate) fn of(scheme: Scheme, wire: &[u8]) -> Result<Chain, String> {
        if !scheme.has_secrecy() {
            return Err(format!(
                "{scheme} does not encrypt: the message is there to read as it is"
            ));
        }
        if scheme.is_deterministic() {
            return Err(format!(
                "{scheme} has no IV: each block's padding is checked on its own, so changing \
                 the block before it tells nothing (ecb falls to byte-at-a-time instead)"
            ));
        }
        let anatomy = Anatomy::dissect(scheme, wire);
        if anatomy.fields.iter().any(|f| f.kind == FieldKind::Trailing) {
            return Err(format!(
                "the {}-byte message is not a whole {scheme} message",
                wire.len()
            ));
        }
        let iv = anatomy
            .fields
            .iter()
            .find(|f| matches!(f.kind, FieldKind::Iv | FieldKind::Salt));
        let stream = anatomy
            .fields
            .iter()
            .find(|f| f.kind == FieldKind::Ciphertext);
        let (region, len) = match (iv, stream) {
            (Some(iv), _) => {
                let end = anatomy
                    .blocks()
                    .last()
                    .map_or(iv.range.end, |b| b.range.end);
                (iv.range.start..end, end - iv.range.end)
            }
            // A stream cipher has no blocks: its ciphertext is cut into blocks from the right,
            // so the questions have the shape they have against cbc, and the tag judges them.
            (None, Some(ct)) => (ct.range.clone(), ct.range.len()),
            (None, None) => return Err(format!("{scheme} has no IV and no ciphertext")),
        };
        let bytes = &anatomy.bytes[region.clone()];
        let width = bytes.len().div_ceil(BLOCK).max(2) * BLOCK;
        let mut padded = vec![0; width - bytes.len()];
        padded.extend_from_slice(bytes);
        let links: Vec<Block> = padded
            .chunks_exact(BLOCK)
            .filter_map(|c| Block::try_from(c).ok())
            .collect();
        if len == 0 {
            return Err(format!(
                "the {scheme} message has no ciphertext block to read"
            ));
        }
        Ok(Chain {
            head: anatomy.bytes[..region.start].to_vec(),
            links,
            tail: anatomy.bytes[region.end..].to_vec(),
            encoding: anatomy.encoding,
            len,
        })
    }

    /// Ciphertext bytes to read.
    pub(crate) fn target_len(&self) -> usize {
        self.len
    }

    /// The question `iv ‖ block`, framed as the scheme's message.
    fn query(&self, iv: &Block, block: &Block) -> Vec<u8> {
        let bytes = [&self.head[..], iv, block, &self.tail].concat();
        self.encoding.to_wire(&bytes)
    }
}

/// A byte read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Found {
    /// The ciphertext block it is in, from 0.
    pub(crate) block: usize,
    /// Its position in the block, 0 to 15.
    pub(crate) index: usize,
    /// The plaintext byte (padding included).
    pub(crate) value: u8,
    /// The questions it took.
    pub(crate) queries: u64,
}

/// What the attack wants next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Send this question.
    Ask(Query),
    /// A byte has been read.
    Read(Found),
    /// Wait for an answer to a question in flight.
    Wait,
    /// Over: see [`PaddingOracle::end`].
    End,
}

/// One question to send: its number (the DATA sequence number) and the message bytes, with
/// what it asks, for a screen to show.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Query {
    /// The question's number, from 1.
    pub(crate) id: u64,
    /// The message to send.
    pub(crate) sealed: Vec<u8>,
    /// The ciphertext block being read, from 0.
    pub(crate) block: usize,
    /// The byte of it being worked.
    pub(crate) index: usize,
    /// The byte of `IV'` tried there.
    pub(crate) guess: u8,
    /// A re-check of a last-byte hit rather than a new guess.
    pub(crate) recheck: bool,
}

/// The whole attack on one captured message.
pub(crate) struct PaddingOracle {
    chain: Chain,
    /// The link being read: the last first, down to 1.
    link: usize,
    /// `D(C_link)` as far as it is known.
    intermediate: Block,
    /// The plaintext read so far, from the right.
    plain: Vec<u8>,
    search: Search,
    pending: HashMap<u64, Probe>,
    next_id: u64,
    queries: u64,
    /// Whether any question has been accepted: the server is an oracle.
    proven: bool,
    /// Last-byte hits whose re-check proved them false (`02 02`).
    false_positives: u64,
    /// Rejections by their reason's words (`None` for a withheld reason).
    rejections: BTreeMap<Option<&'static str>, u64>,
    end: Option<Result<Vec<u8>, String>>,
}

impl PaddingOracle {
    /// The attack on `chain`, from its last byte.
    pub(crate) fn new(chain: Chain) -> PaddingOracle {
        let link = chain.links.len() - 1;
        let search = Search::new(BLOCK - 1, &[0; BLOCK], &chain.links[link - 1], &pad_hints());
        PaddingOracle {
            chain,
            link,
            intermediate: [0; BLOCK],
            plain: Vec::new(),
            search,
            pending: HashMap::new(),
            next_id: 1,
            queries: 0,
            proven: false,
            false_positives: 0,
            rejections: BTreeMap::new(),
            end: None,
        }
    }

    /// Ciphertext bytes to read.
    pub(crate) fn target_len(&self) -> usize {
        self.chain.target_len()
    }

    /// The chain being read: the IV, then each ciphertext block (for a screen to show).
    pub(crate) fn links(&self) -> &[Block] {
        &self.chain.links
    }

    /// Questions asked so far.
    pub(crate) fn queries(&self) -> u64 {
        self.queries
    }

    /// How it ended: the plaintext (padding removed), or why it failed.
    pub(crate) fn end(&self) -> Option<&Result<Vec<u8>, String>> {
        self.end.as_ref()
    }

    /// What to do next: ask a question, report a byte read, wait for answers, or stop.
    pub(crate) fn step(&mut self) -> Step {
        loop {
            if self.end.is_some() {
                return Step::End;
            }
            if let Some(found) = self.settle() {
                return Step::Read(found);
            }
            if self.end.is_some() {
                return Step::End;
            }
            if let Some((probe, iv)) = self.search.next(self.pending.len(), self.proven) {
                let id = self.next_id;
                self.next_id += 1;
                self.queries += 1;
                self.pending.insert(id, probe);
                let sealed = self.chain.query(&iv, &self.chain.links[self.link]);
                let (guess, recheck) = match probe {
                    Probe::Guess(guess) => (guess, false),
                    Probe::Recheck(hit) => (hit, true),
                };
                return Step::Ask(Query {
                    id,
                    sealed,
                    block: self.link - 1,
                    index: self.search.pos,
                    guess,
                    recheck,
                });
            }
            if self.search.found.is_some() && self.pending.is_empty() {
                continue; // inferred: settle it
            }
            if self.pending.is_empty() {
                // Nothing in flight, nothing left to ask, nothing found.
                self.end = Some(Err(self.failure()));
                return Step::End;
            }
            return Step::Wait;
        }
    }

    /// The server's verdict on question `id` (unknown numbers are ignored).
    pub(crate) fn answer(&mut self, id: u64, verdict: &Verdict) {
        let Some(probe) = self.pending.remove(&id) else {
            return;
        };
        let accepted = verdict.is_accepted();
        if accepted {
            self.proven = true;
        } else {
            let words = verdict.reason().map(|r| r.words());
            *self.rejections.entry(words).or_default() += 1;
        }
        if matches!(probe, Probe::Recheck(_)) && !accepted {
            self.false_positives += 1;
        }
        self.search.answer(probe, accepted);
    }

    /// Last-byte hits that their re-check proved false: a block that already ended `02 02`.
    #[cfg(test)]
    pub(crate) fn false_positives(&self) -> u64 {
        self.false_positives
    }

    /// Moves on once the byte being worked is known and its questions are all answered, and
    /// reports it.
    fn settle(&mut self) -> Option<Found> {
        if self.search.hits.len() > 2 {
            self.end = Some(Err(format!(
                "the server accepted {} different guesses for one byte: its verdicts do not \
                 depend on the padding",
                self.search.hits.len()
            )));
            return None;
        }
        let guess = self.search.found?;
        if !self.pending.is_empty() {
            // This byte's other questions are still to come back; they change nothing.
            return None;
        }
        let pos = self.search.pos;
        let previous = self.chain.links[self.link - 1];
        self.intermediate[pos] = guess ^ self.search.pad;
        let value = self.intermediate[pos] ^ previous[pos];
        self.plain.push(value);
        let found = Found {
            block: self.link - 1,
            index: pos,
            value,
            queries: self.search.queries,
        };
        if pos > 0 {
            let hints = self.hints(pos - 1);
            self.search = Search::new(pos - 1, &self.intermediate, &previous, &hints);
        } else if self.link > 1 {
            self.link -= 1;
            self.intermediate = [0; BLOCK];
            let previous = self.chain.links[self.link - 1];
            self.search = Search::new(BLOCK - 1, &self.intermediate, &previous, &[]);
        } else {
            let mut plain: Vec<u8> = self.plain.iter().rev().copied().collect();
            // A stream cipher's chain was padded with zeros on the left to whole blocks.
            let extra = (self.chain.links.len() - 1) * BLOCK - self.chain.len;
            plain.drain(..extra.min(plain.len()));
            self.end = Some(Ok(unpad(plain)));
        }
        Some(found)
    }

    /// What the plaintext so far suggests for position `pos` of the block being read: in the
    /// last block, the padding value once the last byte has given it away.
    fn hints(&self, pos: usize) -> Vec<u8> {
        let last_block = self.link == self.chain.links.len() - 1;
        match self.plain.first() {
            Some(&pad) if last_block && (1..=BLOCK as u8).contains(&pad) => {
                if BLOCK - pos <= pad as usize {
                    vec![pad]
                } else {
                    Vec::new()
                }
            }
            _ => Vec::new(),
        }
    }

    fn failure(&self) -> String {
        let reasons: Vec<&str> = self
            .rejections
            .keys()
            .map(|r| r.unwrap_or("no reason given"))
            .collect();
        match reasons.as_slice() {
            [] => "no question was answered".to_owned(),
            ["no reason given"] => {
                "every query rejected: the verdict carries no padding information".to_owned()
            }
            [reason] => format!(
                "every query rejected: {reason}: the verdict carries no padding information"
            ),
            many => format!(
                "every query rejected ({}): the verdict carries no padding information",
                many.join(", ")
            ),
        }
    }
}

/// The likely values of a last block's last byte: PKCS#7 padding.
fn pad_hints() -> Vec<u8> {
    (1..=BLOCK as u8).collect()
}

/// The plaintext without its PKCS#7 padding (kept whole if the padding is not valid).
fn unpad(mut plain: Vec<u8>) -> Vec<u8> {
    if let Some(&pad) = plain.last() {
        let n = pad as usize;
        if (1..=BLOCK).contains(&n)
            && n <= plain.len()
            && plain[plain.len() - n..].iter().all(|&b| b == pad)
        {
            plain.truncate(plain.len() - n);
        }
    }
    plain
}

#[cfg(test)]
mod tests {
    use std::collections::VecDeque;

    use super::*;
    use crate::crypto::{Cipher, Key};

    /// Runs the attack against `cipher` in memory, answering questions `lag` at a time late
    /// (as a pipelined socket would). Returns the outcome and the most any byte took (all the
    /// questions, when it failed).
    fn attack(cipher: &Cipher, wire: &[u8], lag: usize) -> (Result<Vec<u8>, String>, u64) {
        let chain = Chain::of(cipher.scheme(), wire).unwrap();
        let mut oracle = PaddingOracle::new(chain);
        let mut in_flight: VecDeque<Query> = VecDeque::new();
        let mut most = 0;
        loop {
            match oracle.step() {
                Step::Ask(query) => {
                    in_flight.push_back(query);
                    if in_flight.len() > lag {
                        let q = in_flight.pop_front().unwrap();
                        oracle.answer(q.id, &cipher.open(&q.sealed).verdict);
                    }
                }
                Step::Read(found) => most = most.max(found.queries),
                Step::Wait => {
                    let q = in_flight
                        .pop_front()
                        .expect("waiting with nothing in flight");
                    oracle.answer(q.id, &cipher.open(&q.sealed).verdict);
                }
                Step::End => break,
            }
        }
        let end = oracle.end().cloned().unwrap();
        if end.is_err() {
            most = oracle.queries();
        }
        (end, most)
    }

    #[test]
    fn recovers_every_length_and_the_02_endings_within_256_queries_a_byte() {
        let key = Key::generate(Scheme::Cbc).unwrap();
        let cipher = Cipher::new(&key);
        let mut plaintexts: Vec<Vec<u8>> = (0..=40)
            .map(|n| (0..n).map(|i| (i * 37 + n) as u8).collect())
            .collect();
        plaintexts.push(b"fourteen bytes\x02".to_vec());
        plaintexts.push(b"ends in two twos\x02\x02".to_vec());
        plaintexts.push(b"0123456789abcd\x02".to_vec());
        plaintexts.push(vec![0x02; 31]);
        for plain in plaintexts {
            for lag in [0, 5, 300] {
                let wire = cipher.seal(&plain).unwrap();
                let (got, most) = attack(&cipher, &wire, lag);
                assert_eq!(got.as_deref(), Ok(&plain[..]), "{plain:02x?} lag {lag}");
                assert!(most <= MAX_QUERIES_PER_BYTE, "{most} queries for one byte");
            }
        }
    }

    #[test]
    fn a_block_already_ending_02_02_is_a_false_hit_that_its_recheck_rules_out() {
        let cipher = Cipher::new(&Key::generate(Scheme::Cbc).unwrap());
        // 14 bytes: the block ends in the padding 02 02, so the unchanged IV byte is a hit too.
        let wire = cipher.seal(b"fourteen bytes").unwrap();
        let mut oracle = PaddingOracle::new(Chain::of(Scheme::Cbc, &wire).unwrap());
        loop {
            match oracle.step() {
                Step::Ask(q) => oracle.answer(q.id, &cipher.open(&q.sealed).verdict),
                Step::Read(found) => {
                    assert_eq!((found.block, found.index, found.value), (0, 15, 2));
                    break;
                }
                Step::Wait | Step::End => panic!("stalled"),
            }
        }
        assert_eq!(oracle.false_positives(), 1);
    }

    #[test]
    fn authenticated_schemes_fail_after_the_first_bytes_256_queries() {
        for scheme in [Scheme::Fernet, Scheme::Gcm, Scheme::Chacha] {
            let cipher = Cipher::new(&Key::generate(scheme).unwrap());
            let wire = cipher.seal(b"attack at dawn, bring snacks").unwrap();
            let (got, queries) = attack(&cipher, &wire, 20);
            assert_eq!(queries, 256, "{scheme}");
            assert_eq!(
                got.unwrap_err(),
                "every query rejected: tag mismatch: the verdict carries no padding information",
                "{scheme}"
            );
        }
    }

    #[test]
    fn ecb_and_the_schemes_without_secrecy_are_refused_before_any_query() {
        for scheme in [Scheme::Ecb, Scheme::Hmac, Scheme::PrefixMac] {
            let cipher = Cipher::new(&Key::generate(scheme).unwrap());
            let wire = cipher.seal(b"sixteen bytes!!!").unwrap();
            assert!(Chain::of(scheme, &wire).is_err(), "{scheme}");
        }
        let err = Chain::of(Scheme::Cbc, &[0; 20]).unwrap_err();
        assert!(err.contains("not a whole cbc message"), "{err}");
    }
}
