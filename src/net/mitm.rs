//! The man in the middle: a real TCP forwarder that speaks the lab protocol both ways, reads
//! what it can, and tampers with client messages on command.
//!
//! When the server sends its key in the clear (WELCOME under `send`), the forwarder learns it
//! and decrypts everything; otherwise it sees only what the scheme leaves visible. Messages the
//! attacker injects (replays) carry sequence numbers from a private range, and the verdicts on
//! them are reported but not passed to the client, which never sent them.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::timeout;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use super::config::{Limits, MitmConfig};
use super::event::{Direction, Event, Fate, HoldId, MitmCommand, Peer};
use super::roster::Roster;
use super::server::accept_failed;
use super::session::{emit, write_frame};
use crate::crypto::tamper::forge;
use crate::crypto::{Anatomy, Cipher, FieldKind, Key, Scheme, Tamper};
use crate::wire::seed::WireKind;
use crate::wire::{Frame, LabCodec};

/// Client messages one connection may hold in intercept mode before it stops reading.
const MAX_HELD: usize = 64;
/// Actions armed for "the next message" that may wait at once.
const MAX_ARMED: usize = 16;
/// The first sequence number of injected messages (replays), far above any a client will
/// reach, so that the server's verdict on a copy is never mistaken for one on the original.
pub const INJECTED_SEQ: u64 = 1 << 63;

/// A sequence number as people read it: `7`, or `replay 1` for the first injected copy.
pub fn seq_label(seq: u64) -> String {
    match seq.checked_sub(INJECTED_SEQ) {
        Some(n) => format!("replay {}", n + 1),
        None => seq.to_string(),
    }
}
/// What `forge` sends when the attacker cannot read the original.
const FORGED_TEXT: &[u8] = b"forged by the man in the middle";

/// A command for one relayed connection.
enum RelayCommand {
    Release {
        hold: HoldId,
        tamper: Option<Tamper>,
    },
}

/// Forwards lab clients to `config.upstream` until `shutdown` or [`MitmCommand::Shutdown`].
pub async fn run(
    listener: TcpListener,
    config: MitmConfig,
    mut commands: mpsc::Receiver<MitmCommand>,
    events: mpsc::Sender<Event>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    if config.wire == WireKind::Seed {
        let scheme = config.scheme.unwrap_or(Scheme::Fernet);
        return super::seed::mitm::run(listener, config, scheme, commands, events, shutdown).await;
    }
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, upstream = %config.upstream, "man in the middle listening");
        emit(&events, Event::Listening { addr }).await;
    }
    let armed: Arc<Mutex<VecDeque<Tamper>>> = Arc::default();
    let (intercept_tx, intercept_rx) = watch::channel(config.intercept);
    let stop = CancellationToken::new();
    let mut roster: Roster<RelayCommand> =
        Roster::new(config.limits.max_clients, config.limits.queue_depth);
    tokio::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    let shared = Shared {
                        config: config.clone(),
                        events: events.clone(),
                        armed: armed.clone(),
                        intercept: intercept_rx.clone(),
                        stop: stop.clone(),
                    };
                    roster.admit(stream, addr, &events, move |stream, peer, rx| relay(stream, peer, shared, rx)).await;
                }
                Err(e) => accept_failed(&e, &events).await,
            },
            () = roster.reap() => {}
            command = commands.recv() => match command {
                Some(MitmCommand::Arm(action)) => {
                    let full = {
                        let mut queue = armed.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
                        let full = queue.len() >= MAX_ARMED;
                        if !full {
                            queue.push_back(action);
                        }
                        full
                    };
                    if full {
                        let message = format!("{action} not armed: {MAX_ARMED} actions already wait for a message");
                        emit(&events, Event::Error { peer: None, message }).await;
                    } else {
                        emit(&events, Event::Armed { action }).await;
                    }
                }
                Some(MitmCommand::Intercept(on)) => {
                    let _ = intercept_tx.send(on);
                }
                Some(MitmCommand::Release { peer, hold, tamper }) => {
                    roster.route(peer, RelayCommand::Release { hold, tamper }, &events).await;
                }
                Some(MitmCommand::Shutdown) => break,
                None => std::future::pending::<()>().await,
            },
            () = &mut shutdown => break,
        }
    }
    stop.cancel();
    drop(listener);
    roster.drain().await;
}

/// What every relayed connection shares.
struct Shared {
    config: MitmConfig,
    events: mpsc::Sender<Event>,
    armed: Arc<Mutex<VecDeque<Tamper>>>,
    intercept: watch::Receiver<bool>,
    stop: CancellationToken,
}

/// A client message held in intercept mode.
struct Held {
    hold: HoldId,
    number: u64,
    seq: u64,
    wire: Bytes,
}

/// One client connection and its upstream twin.
struct Relay {
    peer: Peer,
    client: Framed<TcpStream, LabCodec>,
    server: Framed<TcpStream, LabCodec>,
    events: mpsc::Sender<Event>,
    limits: Limits,
    plan: Vec<(u64, Tamper)>,
    armed: Arc<Mutex<VecDeque<Tamper>>>,
    name: String,
    scheme: Option<Scheme>,
    cipher: Option<Cipher>,
    messages: u64,
    previous: Option<Bytes>,
    held: VecDeque<Held>,
    next_hold: HoldId,
    injected: HashSet<u64>,
    next_injected: u64,
}

/// How a relayed connection ended.
enum End {
    Closed(String),
    Fault { at: Direction, reason: String },
}

async fn relay(
    stream: TcpStream,
    peer: Peer,
    shared: Shared,
    mut commands: mpsc::Receiver<RelayCommand>,
) {
    let Shared {
        config,
        events,
        armed,
        mut intercept,
        stop,
    } = shared;
    let limits = config.limits;
    let _ = stream.set_nodelay(true);
    let mut client = Framed::new(stream, LabCodec::new(limits.max_frame));
    let upstream = match timeout(limits.connect_timeout, TcpStream::connect(&config.upstream)).await
    {
        Ok(Ok(upstream)) => upstream,
        Ok(Err(e)) => {
            return unreachable_upstream(
                &mut client,
                peer,
                &config.upstream,
                &e.to_string(),
                &events,
                &limits,
            )
            .await;
        }
        Err(_) => {
            return unreachable_upstream(
                &mut client,
                peer,
                &config.upstream,
                "timed out",
                &events,
                &limits,
            )
            .await;
        }
    };
    let _ = upstream.set_nodelay(true);
    let mut relay = Relay {
        peer,
        client,
        server: Framed::new(upstream, LabCodec::new(limits.max_frame)),
        events,
        limits,
        plan: config.plan,
        armed,
        name: String::new(),
        scheme: None,
        cipher: None,
        messages: 0,
        previous: None,
        held: VecDeque::new(),
        next_hold: 1,
        injected: HashSet::new(),
        next_injected: INJECTED_SEQ,
    };
    let end = loop {
        let may_hold = relay.held.len() < MAX_HELD;
        let step = tokio::select! {
            frame = relay.client.next(), if may_hold => match frame {
                Some(Ok(frame)) => {
                    let intercepting = *intercept.borrow();
                    relay.on_client_frame(frame, intercepting).await
                }
                Some(Err(e)) => Err(End::Fault { at: Direction::ToServer, reason: e.to_string() }),
                None => Err(End::Closed("the client closed the connection".to_owned())),
            },
            frame = relay.server.next() => match frame {
                Some(Ok(frame)) => relay.on_server_frame(frame).await,
                Some(Err(e)) => Err(End::Fault { at: Direction::ToClient, reason: e.to_string() }),
                None => Err(End::Closed("the server closed the connection".to_owned())),
            },
            command = commands.recv() => match command {
                Some(RelayCommand::Release { hold, tamper }) => relay.release(hold, tamper).await,
                None => Ok(()),
            },
            changed = intercept.changed() => {
                let released = changed.is_ok() && !*intercept.borrow();
                if released { relay.release_all().await } else { Ok(()) }
            },
            () = stop.cancelled() => Err(End::Closed("man in the middle shutting down".to_owned())),
        };
        if let Err(end) = step {
            break end;
        }
    };
    relay.finish(end).await;
}

async fn unreachable_upstream(
    client: &mut Framed<TcpStream, LabCodec>,
    peer: Peer,
    upstream: &str,
    cause: &str,
    events: &mpsc::Sender<Event>,
    limits: &Limits,
) {
    let reason = format!("the man in the middle cannot reach the server at {upstream}: {cause}");
    tracing::warn!(%peer, %reason, "upstream unreachable");
    emit(
        events,
        Event::Error {
            peer: Some(peer),
            message: reason.clone(),
        },
    )
    .await;
    let _ = write_frame(
        client,
        Frame::Error {
            reason: reason.clone(),
        },
        limits,
    )
    .await;
    emit(
        events,
        Event::Disconnected {
            peer,
            reason,
            unanswered: 0,
        },
    )
    .await;
}

impl Relay {
    async fn emit(&self, event: Event) {
        emit(&self.events, event).await;
    }

    async fn send_upstream(&mut self, frame: Frame) -> Result<(), End> {
        write_frame(&mut self.server, frame, &self.limits)
            .await
            .map_err(End::Closed)
    }

    async fn send_downstream(&mut self, frame: Frame) -> Result<(), End> {
        write_frame(&mut self.client, frame, &self.limits)
            .await
            .map_err(End::Closed)
    }

    async fn intercepted(&self, direction: Direction, frame: &Frame, fate: Fate) {
        let event = Event::Intercepted {
            peer: self.peer,
            direction,
            frame: frame.clone(),
            fate,
        };
        self.emit(event).await;
    }

    async fn on_client_frame(&mut self, frame: Frame, intercepting: bool) -> Result<(), End> {
        let Frame::Data { seq, wire } = frame else {
            if let Frame::Hello(hello) = &frame {
                self.name = hello.name.clone();
            }
            self.intercepted(Direction::ToServer, &frame, Fate::Forwarded)
                .await;
            return self.send_upstream(frame).await;
        };
        self.messages += 1;
        let number = self.messages;
        self.eavesdrop(Direction::ToServer, seq, &wire).await;
        let mut actions: Vec<Tamper> = self
            .plan
            .iter()
            .filter(|(n, _)| *n == number)
            .map(|(_, a)| *a)
            .collect();
        if let Some(armed) = self
            .armed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .pop_front()
        {
            actions.push(armed);
        }
        let frame = Frame::Data { seq, wire };
        if intercepting && actions.is_empty() {
            let hold = self.next_hold;
            self.next_hold += 1;
            self.intercepted(Direction::ToServer, &frame, Fate::Held(hold))
                .await;
            let Frame::Data { seq, wire } = frame else {
                return Ok(());
            };
            self.held.push_back(Held {
                hold,
                number,
                seq,
                wire,
            });
            return Ok(());
        }
        self.intercepted(Direction::ToServer, &frame, Fate::Forwarded)
            .await;
        let Frame::Data { seq, wire } = frame else {
            return Ok(());
        };
        self.deliver(number, seq, wire, &actions).await
    }

    async fn on_server_frame(&mut self, frame: Frame) -> Result<(), End> {
        match &frame {
            Frame::Welcome(welcome) => {
                self.scheme = Some(welcome.scheme);
                if let Some(text) = &welcome.key
                    && let Ok(key) = Key::parse(welcome.scheme, text)
                {
                    tracing::warn!(peer = %self.peer, "key read off the wire");
                    self.cipher = Some(Cipher::new(&key));
                    let exchange = welcome.key_exchange;
                    self.emit(Event::Key {
                        key,
                        source: crate::crypto::KeySource::ReceivedInClear,
                        exchange,
                    })
                    .await;
                }
                let (peer, name, scheme) = (self.peer, self.name.clone(), welcome.scheme);
                self.emit(Event::Connected { peer, name, scheme }).await;
            }
            Frame::Verdict { seq, .. } if self.injected.remove(seq) => {
                self.intercepted(Direction::ToClient, &frame, Fate::KeptBack)
                    .await;
                return Ok(());
            }
            Frame::Data { seq, wire } => self.eavesdrop(Direction::ToClient, *seq, wire).await,
            _ => {}
        }
        self.intercepted(Direction::ToClient, &frame, Fate::Forwarded)
            .await;
        self.send_downstream(frame).await
    }

    /// Reports the plaintext of a message when the attacker can read it.
    async fn eavesdrop(&self, direction: Direction, seq: u64, wire: &Bytes) {
        if let Some(plaintext) = self.readable(wire) {
            self.emit(Event::Eavesdropped {
                peer: self.peer,
                direction,
                seq,
                plaintext,
            })
            .await;
        }
    }

    /// What the attacker can read of a message: everything with the key, or hmac's plaintext.
    fn readable(&self, wire: &[u8]) -> Option<Bytes> {
        if let Some(cipher) = &self.cipher {
            return cipher.open(wire).plaintext.map(Bytes::from);
        }
        if self.scheme == Some(Scheme::Hmac) {
            let anatomy = Anatomy::dissect(Scheme::Hmac, wire);
            let message = anatomy
                .fields
                .iter()
                .find(|f| f.kind == FieldKind::Message)?;
            return Some(Bytes::copy_from_slice(
                &anatomy.bytes[message.range.clone()],
            ));
        }
        None
    }

    /// Applies `actions` to client message `number` and forwards what is left of it.
    async fn deliver(
        &mut self,
        number: u64,
        seq: u64,
        original: Bytes,
        actions: &[Tamper],
    ) -> Result<(), End> {
        let mut out = Some(original.clone());
        let mut replay = false;
        for &action in actions {
            let Some(current) = out.clone() else { break };
            let result = match action {
                Tamper::Drop => {
                    out = None;
                    Ok(Bytes::new())
                }
                Tamper::Replay => {
                    replay = true;
                    continue;
                }
                Tamper::Forge => {
                    let plaintext = self
                        .readable(&original)
                        .unwrap_or_else(|| Bytes::from_static(FORGED_TEXT));
                    forge(self.scheme.unwrap_or(Scheme::Fernet), &plaintext).map(Bytes::from)
                }
                _ => match self.scheme {
                    Some(scheme) => action
                        .apply(scheme, &current, self.previous.as_deref())
                        .map(Bytes::from),
                    None => Err(crate::crypto::TamperError::Grammar(
                        "no WELCOME seen yet".to_owned(),
                    )),
                },
            };
            match result {
                Ok(wire) => {
                    if action != Tamper::Drop {
                        out = Some(wire.clone());
                    }
                    tracing::info!(peer = %self.peer, seq, %action, "tampered");
                    self.emit(Event::Tampered {
                        peer: self.peer,
                        seq,
                        action,
                        wire,
                    })
                    .await;
                }
                Err(e) => {
                    let message = format!(
                        "cannot apply {action} to client message {number}: {e}; forwarded unchanged"
                    );
                    self.emit(Event::Error {
                        peer: Some(self.peer),
                        message,
                    })
                    .await;
                }
            }
        }
        if let Some(wire) = out {
            self.send_upstream(Frame::Data { seq, wire }).await?;
        }
        if replay {
            match self.previous.clone() {
                Some(earlier) => {
                    let injected = self.next_injected;
                    self.next_injected += 1;
                    self.injected.insert(injected);
                    self.send_upstream(Frame::Data {
                        seq: injected,
                        wire: earlier.clone(),
                    })
                    .await?;
                    self.emit(Event::Tampered {
                        peer: self.peer,
                        seq,
                        action: Tamper::Replay,
                        wire: earlier,
                    })
                    .await;
                }
                None => {
                    let message = format!(
                        "cannot replay at client message {number}: there is no earlier client message"
                    );
                    self.emit(Event::Error {
                        peer: Some(self.peer),
                        message,
                    })
                    .await;
                }
            }
        }
        self.previous = Some(original);
        Ok(())
    }

    async fn release(&mut self, hold: HoldId, tamper: Option<Tamper>) -> Result<(), End> {
        let Some(index) = self.held.iter().position(|h| h.hold == hold) else {
            let message = "that message is no longer held: it was released or dropped".to_owned();
            self.emit(Event::Error {
                peer: Some(self.peer),
                message,
            })
            .await;
            return Ok(());
        };
        let Some(held) = self.held.remove(index) else {
            return Ok(());
        };
        let actions: Vec<Tamper> = tamper.into_iter().collect();
        self.deliver(held.number, held.seq, held.wire, &actions)
            .await
    }

    async fn release_all(&mut self) -> Result<(), End> {
        while let Some(held) = self.held.pop_front() {
            self.deliver(held.number, held.seq, held.wire, &[]).await?;
        }
        Ok(())
    }

    async fn finish(mut self, end: End) {
        let reason = match end {
            End::Closed(reason) => {
                let bye = || Frame::Bye {
                    reason: Some(reason.clone()),
                };
                let _ = write_frame(&mut self.client, bye(), &self.limits).await;
                let _ = write_frame(&mut self.server, bye(), &self.limits).await;
                reason
            }
            End::Fault { at, reason } => {
                let culprit = if at == Direction::ToServer {
                    &mut self.client
                } else {
                    &mut self.server
                };
                let _ = write_frame(
                    culprit,
                    Frame::Error {
                        reason: reason.clone(),
                    },
                    &self.limits,
                )
                .await;
                let side = if at == Direction::ToServer {
                    "client"
                } else {
                    "server"
                };
                let message = format!("the {side} sent a bad frame: {reason}");
                self.emit(Event::Error {
                    peer: Some(self.peer),
                    message: message.clone(),
                })
                .await;
                message
            }
        };
        let unanswered = self.held.len();
        tracing::info!(peer = %self.peer, %reason, "relay closed");
        self.emit(Event::Disconnected {
            peer: self.peer,
            reason,
            unanswered,
        })
        .await;
    }
}
