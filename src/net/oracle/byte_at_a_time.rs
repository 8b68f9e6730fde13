//! ECB byte-at-a-time, without sockets: against a service that seals `m ‖ secret` for any `m`
//! the attacker chooses, which question to ask next and what each reply's ciphertext teaches.
//!
//! ECB seals equal 16-byte blocks to equal ciphertext. Send `A…A` one byte short of a block:
//! the reply's first block then seals `A…A ‖ secret[0]`. Send, in the same message, a
//! dictionary block `A…A ‖ g` for every byte `g`: the one whose ciphertext equals the target
//! block is `secret[0]`. Shift by one and repeat with the bytes known so far as the context.
//! Only the reply's *ciphertext* is compared; nothing is decrypted.
//!
//! First the attack measures: the reply grows by one block when `m` is long enough to push the
//! padding over, which gives the block size and the secret's length; then two equal blocks of
//! `A` must seal to equal ciphertext, or the scheme is not ECB (a random IV or nonce makes
//! every block different) and the attack says so.

use super::padding::Found;

/// The longest prefix tried while measuring: a block size up to this many bytes is found.
const MAX_MEASURE: usize = 64;
/// The frame every lab server accepts (`--max-frame` is never smaller): questions and their
/// replies are kept within it, whatever the server's own limit.
const FRAME: usize = crate::wire::frame::MAX_HANDSHAKE_FRAME;
/// DATA's own bytes in a frame (kind and sequence number) and one block of padding.
const OVERHEAD: usize = 1 + 8 + 16;
/// Plaintext bytes in the order to try: English text first, then the rest.
const TEXT_ORDER: &[u8] = b" etaoinsrhldcumfpgwybvkxjqzETAOINSRHLDCUMFPGWYBVKXJQZ0123456789.,'\"-:;!?()/&=_{}[]@#%+*<>|~^$`\\\n\r\t";
/// The filler bytes of chosen prefixes, in the order tried: a keyless question the server
/// happens to open as ciphertext is asked again with the next.
const FILLS: &[u8] = b"ABCDEFGH";

/// Where the attack is.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Phase {
    /// Sending `A` × i, i = 0, 1, …, until the reply grows.
    Measure { lengths: Vec<usize> },
    /// Sending two blocks of `A`, to see whether they seal alike.
    CheckEcb,
    /// Reading secret byte `known.len()`, trying candidates from `tried` on.
    Read { tried: usize },
}

/// What the attack wants next.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Step {
    /// Seal and send this plaintext, then answer with the reply's wire bytes.
    Ask(Vec<u8>),
    /// The measurements are in: the secret's length and the block size.
    Measured {
        /// The secret's length.
        secret_len: usize,
        /// The block size.
        block: usize,
    },
    /// A byte of the secret.
    Read(Found),
    /// Over: see [`ByteAtATime::end`].
    End,
}

/// The whole attack.
pub(crate) struct ByteAtATime {
    phase: Phase,
    block: usize,
    secret_len: usize,
    known: Vec<u8>,
    order: Vec<u8>,
    queries: u64,
    byte_queries: u64,
    /// A question sent and not yet answered.
    asked: Option<Vec<u8>>,
    /// Which of [`FILLS`] the prefixes are made of.
    fill: usize,
    /// Announcements waiting to be reported.
    news: Vec<Step>,
    end: Option<Result<Vec<u8>, String>>,
}

impl Default for ByteAtATime {
    fn default() -> Self {
        ByteAtATime::new()
    }
}

impl ByteAtATime {
    /// A fresh attack.
    pub(crate) fn new() -> ByteAtATime {
        let mut seen = [false; 256];
        let mut order: Vec<u8> = Vec::with_capacity(256);
        for &b in TEXT_ORDER.iter().chain(&(0..=255).collect::<Vec<u8>>()) {
            if !std::mem::replace(&mut seen[b as usize], true) {
                order.push(b);
            }
        }
        ByteAtATime {
            phase: Phase::Measure {
                lengths: Vec::new(),
            },
            block: 0,
            secret_len: 0,
            known: Vec::new(),
            order,
            queries: 0,
            byte_queries: 0,
            asked: None,
            fill: 0,
            news: Vec::new(),
            end: None,
        }
    }

    /// Questions asked so far.
    pub(crate) fn queries(&self) -> u64 {
        self.queries
    }

    /// How it ended: the secret, or why it failed.
    pub(crate) fn end(&self) -> Option<&Result<Vec<u8>, String>> {
        self.end.as_ref()
    }

    /// What to do next. One question is in flight at a time: each depends on the last.
    pub(crate) fn step(&mut self) -> Step {
        if !self.news.is_empty() {
            return self.news.remove(0);
        }
        if self.end.is_some() || self.asked.is_some() {
            return Step::End;
        }
        let question = match &self.phase {
            Phase::Measure { lengths } => vec![FILLS[self.fill]; lengths.len()],
            Phase::CheckEcb => vec![FILLS[self.fill]; 3 * self.block],
            Phase::Read { tried } => self.dictionary(*tried),
        };
        if question.is_empty() && !matches!(self.phase, Phase::Measure { .. }) {
            self.end = Some(Err(format!(
                "a {}-byte secret leaves no room for a dictionary block in a {FRAME}-byte frame",
                self.secret_len
            )));
            return Step::End;
        }
        self.queries += 1;
        self.byte_queries += 1;
        self.asked = Some(question.clone());
        Step::Ask(question)
    }

    /// The reply to the last question: its sealed bytes, or `None` when the server sent
    /// none (it rejected the question, or it does not echo).
    pub(crate) fn answer(&mut self, reply: Option<&[u8]>) {
        if self.asked.take().is_none() {
            return;
        }
        let Some(reply) = reply else {
            self.end = Some(Err(
                "the server sent no reply: byte-at-a-time needs a server that echoes with a \
                 secret appended (server --echo-append TEXT)"
                    .to_owned(),
            ));
            return;
        };
        match &mut self.phase {
            Phase::Measure { lengths } => {
                lengths.push(reply.len());
                let first = lengths[0];
                let i = lengths.len() - 1;
                if reply.len() > first {
                    self.block = reply.len() - first;
                    // The reply grew when i + secret filled the last block: the padding went
                    // from 1 byte to a block of its own.
                    self.secret_len = first.saturating_sub(i);
                    self.phase = Phase::CheckEcb;
                } else if i >= MAX_MEASURE {
                    self.end = Some(Err(format!(
                        "no block structure: the reply did not grow over {MAX_MEASURE} bytes of input"
                    )));
                }
            }
            Phase::CheckEcb => {
                let block = self.block.max(8);
                let chunks: Vec<&[u8]> = reply.chunks(block).collect();
                if self.block < 8 || chunks.len() < 2 || chunks[0] != chunks[1] {
                    self.end = Some(Err(
                        "no repeated blocks: the IV or nonce is random".to_owned()
                    ));
                    return;
                }
                self.news.push(Step::Measured {
                    secret_len: self.secret_len,
                    block: self.block,
                });
                self.start_byte();
            }
            Phase::Read { tried } => {
                let tried = *tried;
                let candidates = self.batch(tried);
                let target = candidates + self.known.len() / self.block;
                let chunk = |i: usize| reply.get(i * self.block..(i + 1) * self.block);
                let matched =
                    (0..candidates).find(|&j| chunk(j).is_some() && chunk(j) == chunk(target));
                match matched {
                    Some(j) => {
                        let value = self.order[tried + j];
                        let index = self.known.len();
                        self.known.push(value);
                        self.news.push(Step::Read(Found {
                            block: index / self.block,
                            index,
                            value,
                            queries: self.byte_queries,
                        }));
                        self.start_byte();
                    }
                    None if tried + candidates >= self.order.len() => {
                        self.end = Some(Err(format!(
                            "no dictionary block matched secret byte {}: the replies are not \
                             ecb of the message and the secret",
                            self.known.len()
                        )));
                    }
                    None => {
                        self.phase = Phase::Read {
                            tried: tried + candidates,
                        }
                    }
                }
            }
        }
    }

    /// The server opened the last question as a ciphertext (a keyless question of whole
    /// blocks that happened to end in valid padding), so its reply echoes a decryption, not
    /// the question: ask again with another filler and the candidates turned by one.
    pub(crate) fn opened(&mut self) {
        if self.asked.take().is_none() {
            return;
        }
        self.fill += 1;
        if self.fill >= FILLS.len() {
            self.end = Some(Err(format!(
                "the server opened {} questions in a row as ciphertext: it does not echo them",
                FILLS.len()
            )));
            return;
        }
        if let Phase::Read { tried } = self.phase {
            self.order[tried..].rotate_left(1);
        }
    }

    /// Begins the next byte, or ends with the secret.
    fn start_byte(&mut self) {
        self.byte_queries = 0;
        if self.known.len() >= self.secret_len {
            self.news.push(Step::End);
            self.end = Some(Ok(self.known.clone()));
        } else {
            self.phase = Phase::Read { tried: 0 };
        }
    }

    /// Filler so that the next secret byte ends a block: `bs - 1 - k mod bs` bytes.
    fn filler(&self) -> usize {
        self.block - 1 - self.known.len() % self.block
    }

    /// Candidates that fit one question from `tried` on, within [`FRAME`].
    fn batch(&self, tried: usize) -> usize {
        let room = FRAME.saturating_sub(OVERHEAD + self.secret_len + self.filler() + self.block);
        (room / self.block).min(self.order.len() - tried)
    }

    /// The question for candidates from `tried` on: one dictionary block per candidate (the
    /// 15 bytes before the secret byte, then the candidate), then the filler.
    fn dictionary(&self, tried: usize) -> Vec<u8> {
        let filler = self.filler();
        let fill = FILLS[self.fill];
        let mut stream = vec![fill; filler];
        stream.extend_from_slice(&self.known);
        let context = &stream[stream.len() + 1 - self.block..];
        let mut question = Vec::new();
        for &candidate in &self.order[tried..tried + self.batch(tried)] {
            question.extend_from_slice(context);
            question.push(candidate);
        }
        question.extend(std::iter::repeat_n(fill, filler));
        question
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Cipher, Key, Scheme};

    fn attack(cipher: &Cipher, secret: &[u8]) -> (Result<Vec<u8>, String>, u64, Vec<Step>) {
        let mut attack = ByteAtATime::new();
        let mut news = vec![];
        loop {
            match attack.step() {
                Step::Ask(m) => {
                    let sealed = cipher.seal(&[&m[..], secret].concat()).unwrap();
                    attack.answer(Some(&sealed));
                }
                Step::End => break,
                other => news.push(other),
            }
        }
        (attack.end().cloned().unwrap(), attack.queries(), news)
    }

    #[test]
    fn ecb_gives_up_the_appended_secret_a_question_a_byte() {
        let cipher = Cipher::new(&Key::generate(Scheme::Ecb).unwrap());
        for len in [0, 1, 15, 16, 17, 30, 100] {
            let secret: Vec<u8> = (0..len).map(|i| (i * 53 + 7) as u8).collect();
            let (got, queries, news) = attack(&cipher, &secret);
            assert_eq!(got.as_deref(), Ok(&secret[..]), "{len}");
            assert!(news.contains(&Step::Measured {
                secret_len: len,
                block: 16
            }));
            assert!(
                queries <= 18 + len as u64,
                "{queries} queries for {len} bytes"
            );
        }
    }

    #[test]
    fn a_random_iv_or_nonce_leaves_no_repeated_blocks() {
        for scheme in [Scheme::Cbc, Scheme::Fernet, Scheme::Gcm, Scheme::Chacha] {
            let cipher = Cipher::new(&Key::generate(scheme).unwrap());
            let (got, queries, _) = attack(&cipher, b"the secret token");
            assert_eq!(
                got.unwrap_err(),
                "no repeated blocks: the IV or nonce is random",
                "{scheme}"
            );
            assert!(queries <= MAX_MEASURE as u64 + 2, "{scheme}: {queries}");
        }
    }
}
