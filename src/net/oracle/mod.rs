//! Reading without the key (DESIGN §9): attacks that ask a live lab server questions and read
//! a message, or a secret, from its answers alone.
//!
//! Each attack's logic is pure and lives in its own file ([`padding`] for the padding oracle,
//! [`byte_at_a_time`] for ECB byte-at-a-time; length extension is
//! [`crate::crypto::length_extension`], tried here for every key length). `line.rs` is the one
//! socket they share: a lab client that shakes hands, pipelines DATA questions and hears the
//! VERDICT answers, each wait under a deadline. Progress is reported as
//! [`Event::Oracle`](super::Event::Oracle) on the same event stream as everything else.

pub(crate) mod byte_at_a_time;
mod line;
pub mod live;
pub(crate) mod padding;

use std::time::{Duration, Instant};

use bytes::Bytes;
use tokio::sync::mpsc;

use self::line::{Heard, Line};
pub use self::live::{LiveAttack, Outcome};
use super::NetError;
use super::config::ClientConfig;
use super::event::{AttackKind, Event, OracleEvent};
use super::session::emit;
use crate::crypto::{Anatomy, Cipher, FieldKind, Tamper};

pub use padding::MAX_QUERIES_PER_BYTE;

/// The key lengths `extend` tries.
pub const EXTEND_KEY_LENGTHS: std::ops::RangeInclusive<usize> = 1..=64;
/// How long a server that echoes may take to send its reply after its verdict.
const REPLY_TIMEOUT: Duration = Duration::from_secs(3);

/// Which attack to run, with what it needs.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Plan {
    /// Read a captured message (`salt ‖ CT` under cbc) from the server's verdicts.
    PaddingOracle {
        /// The captured message's wire bytes.
        message: Vec<u8>,
    },
    /// Read the secret an `--echo-append` server appends, from its replies' ciphertext.
    ByteAtATime,
    /// Forge `message ‖ pad ‖ append` under prefix-mac without the key.
    Extend {
        /// The captured message's wire bytes (`len ‖ m ‖ tag`).
        message: Vec<u8>,
        /// The text to append.
        append: String,
    },
}

impl Plan {
    /// The attack's kind.
    pub fn kind(&self) -> AttackKind {
        match self {
            Plan::PaddingOracle { .. } => AttackKind::PaddingOracle,
            Plan::ByteAtATime => AttackKind::ByteAtATime,
            Plan::Extend { .. } => AttackKind::Extend,
        }
    }
}

/// What came back for a byte-at-a-time question.
enum Reply {
    /// A reply to a question the server accepted (opened).
    Opened(Bytes),
    /// A reply to a question it could not open: it echoed the bytes as they came.
    Echoed(Bytes),
    /// No reply.
    None,
}

/// How an attack ended, for the exit status.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ending {
    /// The plaintext, secret or forgery was recovered (exit 0).
    Recovered,
    /// The attack cannot work against this server (exit 1); `oracle-failed` says why.
    Failed,
}

/// Connects to the lab server of `client` as an ordinary client and runs `plan` against it.
/// Everything is reported on `events`: `connected`, the `oracle-*` events, and `error`.
///
/// # Errors
/// [`NetError`] when the connection fails or the server stops answering (also reported as an
/// `error` event).
pub async fn run(
    client: ClientConfig,
    plan: Plan,
    events: mpsc::Sender<Event>,
) -> Result<Ending, NetError> {
    run_live(client, plan, events, LiveAttack::default()).await
}

/// [`run`], showing every question on `live` and keeping to the pace it holds (the Oracle
/// view of a screen).
///
/// # Errors
/// As [`run`].
pub async fn run_live(
    client: ClientConfig,
    plan: Plan,
    events: mpsc::Sender<Event>,
    live: LiveAttack,
) -> Result<Ending, NetError> {
    let result = attack(&client, &plan, &events, live).await;
    if let Err(e) = &result {
        let message = match e {
            NetError::Handshake(_) => format!(
                "{e} (is {} a cipherlab server on the lab wire?)",
                client.connect
            ),
            _ => e.to_string(),
        };
        emit(
            &events,
            Event::Error {
                peer: None,
                message,
            },
        )
        .await;
    }
    result
}

async fn attack(
    client: &ClientConfig,
    plan: &Plan,
    events: &mpsc::Sender<Event>,
    live: LiveAttack,
) -> Result<Ending, NetError> {
    let mut line = Line::open(client).await?;
    let scheme = line.scheme();
    emit(
        events,
        Event::Connected {
            peer: line.peer(),
            name: "server".to_owned(),
            scheme,
            listed_as: None,
        },
    )
    .await;
    let run = Run::new(plan.kind(), events, live);
    let ending = match plan {
        Plan::PaddingOracle { message } => run.padding_oracle(&mut line, message).await,
        Plan::ByteAtATime => run.byte_at_a_time(&mut line).await,
        Plan::Extend { message, append } => run.extend(&mut line, message, append).await,
    };
    line.close().await;
    ending
}

/// One attack under way: what it reports, and since when. The man in the middle's oracle
/// reports through one too. Its `oracle-*` events go on the event stream; `live` gets those
/// and every question besides, for a screen.
pub(crate) struct Run<'a> {
    kind: AttackKind,
    events: &'a mpsc::Sender<Event>,
    started: Instant,
    live: LiveAttack,
}

impl<'a> Run<'a> {
    /// An attack of `kind` starting now, reporting on `events` and `live`.
    pub(crate) fn new(
        kind: AttackKind,
        events: &'a mpsc::Sender<Event>,
        live: LiveAttack,
    ) -> Run<'a> {
        Run::resumed(kind, events, live, Instant::now())
    }

    /// An attack of `kind` that started at `started`, reporting on `events` and `live`.
    pub(crate) fn resumed(
        kind: AttackKind,
        events: &'a mpsc::Sender<Event>,
        live: LiveAttack,
        started: Instant,
    ) -> Run<'a> {
        Run {
            kind,
            events,
            started,
            live,
        }
    }

    async fn report(&self, event: OracleEvent) {
        self.live.record(&event);
        emit(self.events, Event::Oracle(event)).await;
    }

    pub(crate) async fn started(&self, target_len: usize, block_size: Option<usize>) {
        tracing::info!(
            attack = self.kind.name(),
            target_len,
            "oracle attack started"
        );
        let event = OracleEvent::Started {
            attack: self.kind,
            target_len,
            block_size,
        };
        self.report(event).await;
    }

    pub(crate) async fn done(
        &self,
        plaintext: Vec<u8>,
        queries: u64,
        key_len: Option<usize>,
    ) -> Ending {
        let event = OracleEvent::Done {
            attack: self.kind,
            plaintext: Bytes::from(plaintext),
            queries,
            seconds: self.started.elapsed().as_secs_f64(),
            key_len,
        };
        self.report(event).await;
        Ending::Recovered
    }

    pub(crate) async fn failed(&self, reason: String, queries: u64) -> Ending {
        tracing::info!(attack = self.kind.name(), %reason, queries, "oracle attack failed");
        let event = OracleEvent::Failed {
            attack: self.kind,
            reason,
            queries,
        };
        self.report(event).await;
        Ending::Failed
    }

    /// Reports how a byte-by-byte attack ended.
    pub(crate) async fn finish(
        &self,
        end: Option<Result<Vec<u8>, String>>,
        queries: u64,
    ) -> Ending {
        match end {
            Some(Ok(plaintext)) => self.done(plaintext, queries, None).await,
            Some(Err(reason)) => self.failed(reason, queries).await,
            None => self.failed("the attack stopped".to_owned(), queries).await,
        }
    }

    pub(crate) async fn byte(&self, found: padding::Found) {
        self.live.byte(&found);
        let event = OracleEvent::Byte {
            block: found.block,
            index: found.index,
            value: found.value,
            queries: found.queries,
        };
        self.report(event).await;
    }

    /// The padding oracle: questions pipelined, up to a byte's worth in flight.
    async fn padding_oracle(&self, line: &mut Line, message: &[u8]) -> Result<Ending, NetError> {
        let chain = match padding::Chain::of(line.scheme(), message) {
            Ok(chain) => chain,
            Err(reason) => return Ok(self.failed(reason, 0).await),
        };
        let mut oracle = padding::PaddingOracle::new(chain);
        self.live.target(message.len(), oracle.links());
        self.started(oracle.target_len(), None).await;
        loop {
            match oracle.step() {
                padding::Step::Ask(query) => {
                    let wait = self.live.wait_for_slot();
                    if !wait.is_zero() {
                        // Slowed for a class: what was asked goes now, this one in its slot.
                        line.flush().await?;
                        tokio::time::sleep(wait).await;
                    }
                    self.live.asked(&query);
                    line.ask(query.id, query.sealed).await?;
                    if self.live.pace() != 0 {
                        line.flush().await?;
                    }
                }
                padding::Step::Read(found) => self.byte(found).await,
                padding::Step::Wait => {
                    if let Heard::Verdict { seq, verdict } = line.hear().await? {
                        self.live.heard(seq, &verdict);
                        oracle.answer(seq, &verdict);
                    }
                }
                padding::Step::End => break,
            }
        }
        Ok(self.finish(oracle.end().cloned(), oracle.queries()).await)
    }

    /// ECB byte-at-a-time: one question at a time, each reply's ciphertext compared block by
    /// block (never opened for the attack). With a session key the questions are sealed under
    /// it; without one (psk) they go as raw bytes, which the server cannot open and so echoes
    /// as they came.
    async fn byte_at_a_time(&self, line: &mut Line) -> Result<Ending, NetError> {
        let cipher = line.key().map(|(key, _)| Cipher::new(key));
        let mut attack = byte_at_a_time::ByteAtATime::new();
        let mut seq = 0;
        loop {
            match attack.step() {
                byte_at_a_time::Step::Ask(plaintext) => {
                    seq += 1;
                    tokio::time::sleep(self.live.wait_for_slot()).await;
                    self.live.counted();
                    let question = match &cipher {
                        Some(cipher) => cipher.seal(&plaintext).map_err(|e| {
                            NetError::Ended(format!("could not seal a question: {e}"))
                        })?,
                        None => plaintext,
                    };
                    line.ask(seq, question).await?;
                    match self.reply_to(line, seq).await? {
                        Reply::Echoed(reply) if cipher.is_none() => attack.answer(Some(&reply)),
                        Reply::Opened(_) if cipher.is_none() => attack.opened(),
                        Reply::Echoed(reply) | Reply::Opened(reply) => {
                            attack.answer(Some(&reply));
                        }
                        Reply::None => attack.answer(None),
                    }
                }
                byte_at_a_time::Step::Measured { secret_len, block } => {
                    self.started(secret_len, Some(block)).await;
                }
                byte_at_a_time::Step::Read(found) => self.byte(found).await,
                byte_at_a_time::Step::End => break,
            }
        }
        Ok(self.finish(attack.end().cloned(), attack.queries()).await)
    }

    /// The server's DATA reply to question `seq`, and whether the server opened the question
    /// (accepted it) or not.
    async fn reply_to(&self, line: &mut Line, seq: u64) -> Result<Reply, NetError> {
        let accepted = loop {
            if let Heard::Verdict { seq: s, verdict } = line.hear().await?
                && s == seq
            {
                break verdict.is_accepted();
            }
        };
        match line.hear_within(REPLY_TIMEOUT).await {
            Ok(Heard::Reply { sealed }) if accepted => Ok(Reply::Opened(sealed)),
            Ok(Heard::Reply { sealed }) => Ok(Reply::Echoed(sealed)),
            Ok(Heard::Verdict { .. }) | Err(NetError::Ended(_)) => Ok(Reply::None),
            Err(e) => Err(e),
        }
    }

    /// Length extension: one forgery per key length, all in flight at once.
    async fn extend(
        &self,
        line: &mut Line,
        message: &[u8],
        append: &str,
    ) -> Result<Ending, NetError> {
        let scheme = line.scheme();
        let target_len = Anatomy::dissect(scheme, message)
            .fields
            .iter()
            .find(|f| f.kind == FieldKind::Message)
            .map_or(message.len(), |f| f.range.len());
        self.started(target_len, None).await;
        let mut forgeries = Vec::new();
        for key_len in EXTEND_KEY_LENGTHS {
            let action = Tamper::Extend {
                key_len,
                text: append.to_owned(),
            };
            match action.apply(scheme, message, None) {
                Ok(forged) => forgeries.push((key_len, forged)),
                Err(e) => return Ok(self.failed(e.to_string(), 0).await),
            }
        }
        for (key_len, forged) in &forgeries {
            tokio::time::sleep(self.live.wait_for_slot()).await;
            self.live.counted();
            line.ask(*key_len as u64, forged.clone()).await?;
            if self.live.pace() != 0 {
                line.flush().await?;
            }
        }
        let mut accepted = Vec::new();
        let mut reasons = std::collections::BTreeSet::new();
        let mut answered = 0;
        while answered < forgeries.len() {
            if let Heard::Verdict { seq, verdict } = line.hear().await? {
                answered += 1;
                match verdict.reason() {
                    _ if verdict.is_accepted() => accepted.push(seq as usize),
                    Some(reason) => {
                        reasons.insert(reason.words());
                    }
                    None => {
                        reasons.insert("no reason given");
                    }
                }
            }
        }
        let queries = forgeries.len() as u64;
        accepted.sort_unstable();
        match accepted.first() {
            Some(&key_len) => {
                let forged = &forgeries[key_len - 1].1;
                let text = Anatomy::dissect(scheme, forged)
                    .fields
                    .iter()
                    .find(|f| f.kind == FieldKind::Message)
                    .map(|f| forged[f.range.clone()].to_vec())
                    .unwrap_or_else(|| forged.clone());
                Ok(self.done(text, queries, Some(key_len)).await)
            }
            None => {
                let reasons: Vec<&str> = reasons.into_iter().collect();
                let reason = format!(
                    "every key length from {} to {} rejected: {}",
                    EXTEND_KEY_LENGTHS.start(),
                    EXTEND_KEY_LENGTHS.end(),
                    reasons.join(", ")
                );
                Ok(self.failed(reason, queries).await)
            }
        }
    }
}
