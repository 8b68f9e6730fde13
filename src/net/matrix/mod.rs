//! The attack matrix, played for real: every action against every scheme, each on its own
//! loopback server, man in the middle and client. The cells report what the receiver actually
//! concluded and what the eavesdropper actually read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use tokio::sync::mpsc;
use tokio::time::{Duration, timeout};

use super::config::{Clock, Limits, ServerConfig};
use super::event::Event;
use super::{Chain, EVENT_QUEUE, Role, Topology};
use crate::crypto::KeyExchange;
use crate::crypto::{Key, KeySource, Scheme, Tamper, Verdict, unix_now};
use crate::wire::Frame;
use tracing::Instrument;

mod judge;

use judge::judge;

/// The rows of the matrix (DESIGN §5).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Attack {
    /// Nothing done.
    Nothing,
    /// Flip a bit in a ciphertext block that is not the last (in the message, for hmac).
    FlipBlock,
    /// Flip a bit of the IV or salt.
    FlipIv,
    /// Swap blocks 0 and 1 (the row's title says which).
    Swap,
    /// Truncate the last block.
    Truncate,
    /// Replay an earlier message.
    Replay,
    /// Rewrite known plaintext (`rewrite:6:alice:trudy`): the scheme's XOR path, if any.
    Rewrite,
    /// Length extension (`extend:<keylen>:&to=mallory`), for the SHA-256 MACs.
    Extend,
    /// Two messages under one gcm/chacha nonce (`--nonce fixed`), the first one known.
    NonceReused,
    /// Eavesdrop when the key crossed in the clear.
    KeyInClear,
    /// Eavesdrop under a pre-shared key.
    PreShared,
}

impl Attack {
    /// Every row, in order.
    pub const ALL: [Attack; 11] = [
        Attack::Nothing,
        Attack::FlipBlock,
        Attack::FlipIv,
        Attack::Swap,
        Attack::Truncate,
        Attack::Replay,
        Attack::Rewrite,
        Attack::Extend,
        Attack::NonceReused,
        Attack::KeyInClear,
        Attack::PreShared,
    ];

    /// The row's title.
    pub fn title(self) -> &'static str {
        match self {
            Attack::Nothing => "nothing",
            Attack::FlipBlock => "flip bit in block 0",
            Attack::FlipIv => "flip bit in IV/nonce",
            Attack::Swap => "swap blocks 0 and 1",
            Attack::Truncate => "truncate",
            Attack::Replay => "replay",
            Attack::Rewrite => "rewrite known text",
            Attack::Extend => "length extension",
            Attack::NonceReused => "nonce reused",
            Attack::KeyInClear => "key crossed in clear",
            Attack::PreShared => "pre-shared key",
        }
    }

    /// The tamper action this row plays against `scheme` under a key of `key_len` bytes, if
    /// it applies.
    pub fn action(self, scheme: Scheme, key_len: usize) -> Option<Tamper> {
        match self {
            Attack::FlipBlock => Some(Tamper::Flip {
                byte: scheme.first_message_byte(),
                bit: 0,
            }),
            // The salt, IV or nonce is whatever comes before the first message byte.
            Attack::FlipIv if scheme.has_secrecy() && scheme.first_message_byte() > 0 => {
                Some(Tamper::IvFlip { byte: 0, bit: 0 })
            }
            Attack::Rewrite => Some(Tamper::Rewrite {
                pos: 6,
                from: "alice".to_owned(),
                to: "trudy".to_owned(),
            }),
            Attack::Extend if !scheme.has_secrecy() => Some(Tamper::Extend {
                key_len,
                text: EXTENSION.to_owned(),
            }),
            Attack::Swap => Some(Tamper::Swap { i: 0, j: 1 }),
            Attack::Truncate => Some(Tamper::Truncate),
            Attack::Replay => Some(Tamper::Replay),
            _ => None,
        }
    }
}

/// The message every case sends: four blocks, of which the second and third are equal (for
/// ECB to give away) and the first two differ (so that a swap changes something). In CBC a
/// swap of blocks 0 and 1 also disturbs block 2, and the fourth block keeps the padding intact.
pub const MESSAGE: &str = "FROM: alice     PAY BOB 10 COINSPAY BOB 10 COINSsigned, alice";

/// What the length-extension row appends.
pub const EXTENSION: &str = "&to=mallory";

/// What the nonce-reuse row's second message says: the attacker knows only the first.
pub const SECOND: &str = "PAY EVE 99 COINS";

/// What happened in one cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// The receiver's verdicts on the attacked message, in order (two for a replay: the
    /// message within the TTL, then after it, for fernet).
    pub verdicts: Vec<Verdict>,
    /// What the receiver accepted, or what the eavesdropper read.
    pub plaintext: Option<Bytes>,
    /// A short description of the outcome.
    pub summary: String,
    /// Whether the defender came out safe: the change was detected, or nothing leaked.
    /// `None` when the row does not apply to the scheme.
    pub safe: Option<bool>,
}

/// One filled cell.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Cell {
    /// The row.
    pub attack: Attack,
    /// The column.
    pub scheme: Scheme,
    /// What happened.
    pub outcome: Outcome,
}

/// How long one case may take.
const CASE_LIMIT: Duration = Duration::from_secs(10);

/// The tracing span every matrix session runs in.
pub const MATRIX_SPAN: &str = "matrix";

/// Plays every row against every scheme, sending each cell to `out` as it completes.
pub async fn run_all(out: mpsc::Sender<Cell>) {
    for attack in Attack::ALL {
        for scheme in Scheme::ALL {
            // The span keeps these rehearsal sessions out of the screen's Log pane.
            let case = play(attack, scheme).instrument(tracing::info_span!(MATRIX_SPAN));
            let outcome = match timeout(CASE_LIMIT, case).await {
                Ok(Ok(outcome)) => outcome,
                Ok(Err(e)) => Outcome {
                    verdicts: vec![],
                    plaintext: None,
                    summary: format!("failed: {e}"),
                    safe: None,
                },
                Err(_) => Outcome {
                    verdicts: vec![],
                    plaintext: None,
                    summary: "timed out".to_owned(),
                    safe: None,
                },
            };
            if out
                .send(Cell {
                    attack,
                    scheme,
                    outcome,
                })
                .await
                .is_err()
            {
                return;
            }
        }
    }
}

/// What one case observed.
#[derive(Default)]
struct Observed {
    /// (seq, verdict, plaintext) for each message the server received.
    received: Vec<(u64, Verdict, Option<Bytes>)>,
    /// Plaintexts the man in the middle read from the client.
    eavesdropped: Vec<Bytes>,
    /// Client messages as the man in the middle saw them.
    on_wire: Vec<Bytes>,
    /// What the man in the middle refused to do, and why.
    refused: Vec<String>,
}

/// Plays one cell on loopback.
async fn play(attack: Attack, scheme: Scheme) -> Result<Outcome, String> {
    let key = Key::generate(scheme).map_err(|e| e.to_string())?;
    let action = attack.action(scheme, key.as_bytes().len());
    let reuse = attack == Attack::NonceReused;
    let inapplicable = match attack {
        Attack::FlipIv if action.is_none() => Some(format!("{scheme} has no IV")),
        Attack::Extend if action.is_none() => Some("–".to_owned()),
        Attack::NonceReused if !scheme.takes_nonce() => Some("–".to_owned()),
        _ => None,
    };
    if let Some(summary) = inapplicable {
        return Ok(Outcome {
            verdicts: vec![],
            plaintext: None,
            summary,
            safe: None,
        });
    }
    let exchange = if matches!(attack, Attack::PreShared | Attack::NonceReused) {
        KeyExchange::Psk
    } else {
        KeyExchange::Send
    };
    let now = Arc::new(AtomicU64::new(unix_now()));
    let clock: Clock = {
        let now = now.clone();
        Arc::new(move || now.load(Ordering::SeqCst))
    };
    let replay = attack == Attack::Replay;
    // A replay needs an earlier message: the plan replays message 1 after messages 2 and 3;
    // the shared clock moves past fernet's TTL before message 3.
    let plan: Vec<(u64, Tamper)> = match action {
        Some(Tamper::Replay) => vec![(2, Tamper::Replay), (3, Tamper::Replay)],
        Some(action) => vec![(1, action)],
        None => vec![],
    };
    let (tx, mut rx) = mpsc::channel(EVENT_QUEUE);
    let topology = start(key, exchange, (plan, reuse), clock, &tx).await?;
    let messages = if replay {
        3
    } else if reuse {
        2
    } else {
        1
    };
    let mut seen = Vec::new();
    for n in 1..=messages {
        if replay && n == 3 {
            now.fetch_add(120, Ordering::SeqCst);
        }
        let text = if reuse && n == 2 { SECOND } else { MESSAGE };
        topology
            .send(Role::Client, None, Bytes::from_static(text.as_bytes()))
            .await;
        // One message at a time, so that each replay follows the message it belongs to.
        let wanted = if replay && n > 1 { 2 } else { 1 };
        seen.extend(collect(&mut rx, wanted).await?);
    }
    while let Ok(event) = rx.try_recv() {
        seen.push(event);
    }
    let observed = observe(seen);
    topology.shutdown().await;
    Ok(judge(attack, scheme, observed))
}

/// The case's loopback chain. With `reuse`, both ends use one fixed nonce and the man in the
/// middle knows the first message.
async fn start(
    key: Key,
    exchange: KeyExchange,
    (plan, reuse): (Vec<(u64, Tamper)>, bool),
    clock: Clock,
    tx: &mpsc::Sender<super::Tagged>,
) -> Result<Topology, String> {
    let scheme = key.scheme();
    let chain = Chain {
        server: ServerConfig {
            protocol: crate::wire::seed::Protocol::Lab,
            scheme,
            key: key.clone(),
            key_source: KeySource::Generated,
            key_exchange: exchange,
            ttl: (scheme == Scheme::Fernet).then_some(60),
            auto_reply: None,
            verdicts: crate::net::VerdictDetail::Detailed,
            nonce: if reuse {
                crate::crypto::NoncePolicy::Fixed
            } else {
                crate::crypto::NoncePolicy::Random
            },
            limits: Limits::default(),
            clock,
            class: None,
        },
        plan,
        known: if reuse {
            vec![(1, MESSAGE.to_owned())]
        } else {
            Vec::new()
        },
        client_name: "matrix".into(),
        client_key: key,
        origin: "matrix",
    };
    Topology::loopback(0, chain, tx)
        .await
        .map_err(|e| e.to_string())
}

/// Reads events until the server has received `count` more messages and the man in the
/// middle has passed back every verdict on them. Each role's events arrive in order, but the
/// roles' streams interleave freely: waiting for the verdicts at the man in the middle makes
/// sure its earlier events (what it read, what it changed) have arrived too.
async fn collect(
    rx: &mut mpsc::Receiver<super::Tagged>,
    count: usize,
) -> Result<Vec<super::Tagged>, String> {
    let (mut received, mut judged) = (0, 0);
    let mut events = Vec::new();
    while received < count || judged < count {
        let (generation, role, event) = rx.recv().await.ok_or("the lab stopped early")?;
        match (&role, &event) {
            (Role::Server, Event::Received { .. }) => received += 1,
            (
                Role::Mitm,
                Event::Intercepted {
                    frame: Frame::Verdict { .. },
                    ..
                },
            ) => judged += 1,
            (Role::Client, Event::Error { message, .. }) => return Err(message.clone()),
            _ => {}
        }
        events.push((generation, role, event));
    }
    Ok(events)
}

/// Sorts a case's events into what the server concluded and what the attacker saw.
fn observe(events: Vec<super::Tagged>) -> Observed {
    let mut observed = Observed::default();
    for (_, role, event) in events {
        match (role, event) {
            (Role::Server, Event::Received { seq, opened, .. }) => {
                observed
                    .received
                    .push((seq, opened.verdict, opened.plaintext.map(Bytes::from)));
            }
            (
                Role::Mitm,
                Event::Eavesdropped {
                    direction: super::Direction::ToServer,
                    plaintext,
                    ..
                },
            ) => {
                observed.eavesdropped.push(plaintext);
            }
            (
                Role::Mitm,
                Event::Intercepted {
                    frame: Frame::Data { sealed: wire, .. },
                    direction: super::Direction::ToServer,
                    ..
                },
            ) => {
                observed.on_wire.push(wire);
            }
            (Role::Mitm, Event::Error { message, .. }) => observed.refused.push(message),
            _ => {}
        }
    }
    observed
}
