//! The man in the middle on the seed wire: relays each seed protocol, learns keys sent in the
//! clear (000, 001), reads what it can, and applies `--tamper` plans and armed actions to the
//! client's messages. Messages are counted across connections, since seeds 000, 003 and 004
//! open one connection per message. (Holding messages for the screen is a lab-wire feature.)

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};

use axum::Router;
use axum::body::Bytes as Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use tokio::io::AsyncWriteExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::http;
use super::io::{TokenReader, read_exactly, read_once, read_to_end, write_all};
use crate::crypto::tamper::forge;
use crate::crypto::{
    Anatomy, Cipher, FieldKind, Key, KeySource, Reason, Scheme, TAG, Tamper, Verdict,
};
use crate::net::config::MitmConfig;
use crate::net::event::{Direction, Event, Fate, MitmCommand, Peer};
use crate::net::session::emit;
use crate::wire::seed::{
    CBC_PATH, DecryptMacRequest, DecryptMacResponse, FERNET_KEY_TEXT, HMAC_FAILED, HMAC_TAG,
    HMAC_VERIFIED,
};
use crate::wire::{Frame, KeyExchange};

/// How long a seed conversation may sit idle at the man in the middle.
const IDLE: std::time::Duration = std::time::Duration::from_secs(300);

/// What every relayed connection shares.
struct Shared {
    config: MitmConfig,
    scheme: Scheme,
    events: mpsc::Sender<Event>,
    armed: Mutex<VecDeque<Tamper>>,
    messages: AtomicU64,
    previous: Mutex<Option<Bytes>>,
    next_peer: AtomicU64,
}

/// What to do with one client message after the attack.
struct Outcome {
    forward: Option<Bytes>,
    replay: Option<Bytes>,
}

impl Shared {
    async fn emit(&self, event: Event) {
        emit(&self.events, event).await;
    }

    fn peer(&self, addr: SocketAddr) -> Peer {
        Peer {
            id: self.next_peer.fetch_add(1, Ordering::Relaxed) + 1,
            addr,
        }
    }

    /// What the attacker reads of a message: everything with the key, hmac's plaintext always.
    fn readable(&self, cipher: Option<&Cipher>, wire: &[u8]) -> Option<Bytes> {
        if let Some(cipher) = cipher {
            return cipher.open(wire).plaintext.map(Bytes::from);
        }
        if self.scheme != Scheme::Hmac {
            return None;
        }
        let anatomy = Anatomy::dissect(Scheme::Hmac, wire);
        let field = anatomy
            .fields
            .iter()
            .find(|f| f.kind == FieldKind::Message)?;
        Some(Bytes::copy_from_slice(&anatomy.bytes[field.range.clone()]))
    }

    /// Reports a client message, reads it, and applies this message's actions.
    async fn attack(&self, peer: Peer, cipher: Option<&Cipher>, original: Bytes) -> Outcome {
        let number = self.messages.fetch_add(1, Ordering::Relaxed) + 1;
        let frame = Frame::Data {
            seq: number,
            wire: original.clone(),
        };
        self.emit(Event::Intercepted {
            peer,
            direction: Direction::ToServer,
            frame,
            fate: Fate::Forwarded,
        })
        .await;
        if let Some(plaintext) = self.readable(cipher, &original) {
            self.emit(Event::Eavesdropped {
                peer,
                direction: Direction::ToServer,
                seq: number,
                plaintext,
            })
            .await;
        }
        let mut actions: Vec<Tamper> = self
            .config
            .plan
            .iter()
            .filter(|(n, _)| *n == number)
            .map(|(_, a)| *a)
            .collect();
        if let Some(armed) = self
            .armed
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .pop_front()
        {
            actions.push(armed);
        }
        let previous = self
            .previous
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .replace(original.clone());
        let mut outcome = Outcome {
            forward: Some(original.clone()),
            replay: None,
        };
        for action in actions {
            let Some(current) = outcome.forward.clone() else {
                break;
            };
            let result = match action {
                Tamper::Drop => {
                    outcome.forward = None;
                    Ok(Bytes::new())
                }
                Tamper::Replay => match &previous {
                    Some(earlier) => {
                        outcome.replay = Some(earlier.clone());
                        Ok(earlier.clone())
                    }
                    None => Err("there is no earlier client message".to_owned()),
                },
                Tamper::Forge => {
                    let plaintext = self
                        .readable(cipher, &original)
                        .unwrap_or_else(|| Bytes::from_static(b"forged by the man in the middle"));
                    forge(self.scheme, &plaintext)
                        .map(Bytes::from)
                        .map_err(|e| e.to_string())
                }
                _ => action
                    .apply(self.scheme, &current, previous.as_deref())
                    .map(Bytes::from)
                    .map_err(|e| e.to_string()),
            };
            match result {
                Ok(wire) => {
                    if action.rewrites() {
                        outcome.forward = Some(wire.clone());
                    }
                    self.emit(Event::Tampered {
                        peer,
                        seq: number,
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
                        peer: Some(peer),
                        message,
                    })
                    .await;
                }
            }
        }
        outcome
    }

    /// Reports the verdict a reply implies, on its way back (or kept back, for a replay).
    async fn verdict(&self, peer: Peer, verdict: Verdict, forwarded: bool) {
        let fate = if forwarded {
            Fate::Forwarded
        } else {
            Fate::KeptBack
        };
        let seq = self.messages.load(Ordering::Relaxed);
        let frame = Frame::Verdict { seq, verdict };
        self.emit(Event::Intercepted {
            peer,
            direction: Direction::ToClient,
            frame,
            fate,
        })
        .await;
    }

    async fn learned(&self, key: &Key) {
        tracing::warn!("key read off the wire");
        self.emit(Event::Key {
            key: key.clone(),
            source: KeySource::ReceivedInClear,
            exchange: KeyExchange::Send,
        })
        .await;
    }
}

/// Relays seed clients to `config.upstream` until `shutdown` or [`MitmCommand::Shutdown`].
pub(crate) async fn run(
    listener: TcpListener,
    config: MitmConfig,
    scheme: Scheme,
    mut commands: mpsc::Receiver<MitmCommand>,
    events: mpsc::Sender<Event>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    if let Ok(addr) = listener.local_addr() {
        emit(&events, Event::Listening { addr }).await;
    }
    let shared = Arc::new(Shared {
        config,
        scheme,
        events,
        armed: Mutex::default(),
        messages: AtomicU64::new(0),
        previous: Mutex::default(),
        next_peer: AtomicU64::new(0),
    });
    let commanded = {
        let shared = shared.clone();
        async move {
            while let Some(command) = commands.recv().await {
                match command {
                    MitmCommand::Shutdown => return,
                    MitmCommand::Arm(action) => {
                        shared
                            .armed
                            .lock()
                            .unwrap_or_else(PoisonError::into_inner)
                            .push_back(action);
                        shared.emit(Event::Armed { action }).await;
                    }
                    MitmCommand::Intercept(_) | MitmCommand::Release { .. } => {
                        let message = super::NO_HOLD_ON_SEED_WIRE.to_owned();
                        shared
                            .emit(Event::Error {
                                peer: None,
                                message,
                            })
                            .await;
                    }
                }
            }
            std::future::pending::<()>().await;
        }
    };
    let stopped = async move {
        tokio::select! {
            () = shutdown => {}
            () = commanded => {}
        }
    };
    if scheme == Scheme::Cbc {
        let max = shared.config.limits.max_frame;
        let app = Router::new()
            .route(CBC_PATH, post(proxy))
            .layer(DefaultBodyLimit::max(max))
            .with_state(shared.clone());
        let served = axum::serve(
            listener,
            app.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .with_graceful_shutdown(stopped)
        .await;
        if let Err(e) = served {
            shared
                .emit(Event::Error {
                    peer: None,
                    message: format!("the HTTP relay failed: {e}"),
                })
                .await;
        }
        return;
    }
    let permits = Arc::new(tokio::sync::Semaphore::new(
        shared.config.limits.max_clients,
    ));
    let mut tasks = tokio::task::JoinSet::new();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((client, addr)) = accepted else { continue };
                let Ok(permit) = permits.clone().try_acquire_owned() else { continue };
                let shared = shared.clone();
                tasks.spawn(async move {
                    let peer = shared.peer(addr);
                    let result = relay(&shared, client, peer).await;
                    let reason = result.unwrap_or_else(|e| e);
                    shared.emit(Event::Disconnected { peer, reason, unanswered: 0 }).await;
                    drop(permit);
                });
            }
            Some(_) = tasks.join_next(), if !tasks.is_empty() => {}
            () = &mut stopped => break,
        }
    }
    tasks.abort_all();
}

async fn upstream(shared: &Shared) -> Result<TcpStream, String> {
    let target = &shared.config.upstream;
    match timeout(
        shared.config.limits.connect_timeout,
        TcpStream::connect(target),
    )
    .await
    {
        Ok(Ok(stream)) => Ok(stream),
        Ok(Err(e)) => Err(format!("cannot reach the server at {target}: {e}")),
        Err(_) => Err(format!("cannot reach the server at {target}: timed out")),
    }
}

async fn relay(shared: &Shared, mut client: TcpStream, peer: Peer) -> Result<String, String> {
    shared
        .emit(Event::Connected {
            peer,
            name: format!("seed {} client", shared.scheme),
            scheme: shared.scheme,
        })
        .await;
    let limits = shared.config.limits;
    match shared.scheme {
        Scheme::Ecb => {
            let mut server = upstream(shared).await?;
            let key_bytes = read_once(&mut server, 64, limits.handshake_timeout, "the key").await?;
            write_all(&mut client, &key_bytes, limits.write_timeout).await?;
            let cipher = Key::from_bytes(Scheme::Ecb, key_bytes)
                .ok()
                .map(|key| (Cipher::new(&key), key));
            if let Some((_, key)) = &cipher {
                shared.learned(key).await;
            }
            let wire = read_to_end(
                &mut client,
                limits.max_frame,
                limits.handshake_timeout,
                "the ciphertext",
            )
            .await?;
            let outcome = shared
                .attack(peer, cipher.as_ref().map(|(c, _)| c), Bytes::from(wire))
                .await;
            if let Some(wire) = outcome.forward {
                write_all(&mut server, &wire, limits.write_timeout).await?;
                let _ = server.shutdown().await;
            }
            if let Some(earlier) = outcome.replay {
                let mut again = upstream(shared).await?;
                read_once(&mut again, 64, limits.handshake_timeout, "the key").await?;
                write_all(&mut again, &earlier, limits.write_timeout).await?;
                let _ = again.shutdown().await;
            }
            Ok("relayed one seed 000 message".to_owned())
        }
        Scheme::Hmac => {
            let header =
                read_exactly(&mut client, 4, limits.handshake_timeout, "the length").await?;
            let claimed = u32::from_be_bytes([header[0], header[1], header[2], header[3]]) as usize;
            if claimed > limits.max_frame {
                return Err(format!(
                    "the length field claims {claimed} bytes, over the limit"
                ));
            }
            let body = read_exactly(
                &mut client,
                claimed + HMAC_TAG,
                limits.handshake_timeout,
                "the message and tag",
            )
            .await?;
            let outcome = shared
                .attack(peer, None, Bytes::from([header, body].concat()))
                .await;
            match outcome.forward {
                Some(wire) => {
                    let reply = hmac_exchange(shared, &wire).await?;
                    shared.verdict(peer, hmac_verdict(&reply), true).await;
                    write_all(&mut client, &reply, limits.write_timeout).await?;
                }
                None => return Ok("dropped: the client gets no reply".to_owned()),
            }
            if let Some(earlier) = outcome.replay {
                let reply = hmac_exchange(shared, &earlier).await?;
                shared.verdict(peer, hmac_verdict(&reply), false).await;
            }
            Ok("relayed one seed 004 message".to_owned())
        }
        Scheme::Fernet => fernet(shared, client, peer).await,
        Scheme::Cbc => Err("seed 003 is relayed over HTTP".to_owned()),
    }
}

/// Sends one seed 004 message upstream in its three writes and returns the reply.
async fn hmac_exchange(shared: &Shared, wire: &[u8]) -> Result<Vec<u8>, String> {
    let limits = shared.config.limits;
    let mut server = upstream(shared).await?;
    if wire.len() >= 4 + TAG {
        let (header, rest) = wire.split_at(4);
        let (message, tag) = rest.split_at(rest.len() - TAG);
        for part in [header, message, tag] {
            write_all(&mut server, part, limits.write_timeout).await?;
        }
    } else {
        write_all(&mut server, wire, limits.write_timeout).await?;
    }
    read_to_end(&mut server, 4096, limits.handshake_timeout, "the reply").await
}

fn hmac_verdict(reply: &[u8]) -> Verdict {
    match String::from_utf8_lossy(reply).trim() {
        HMAC_VERIFIED => Verdict::Authentic,
        HMAC_FAILED => Verdict::Rejected(Reason::TagMismatch),
        _ => Verdict::Rejected(Reason::TooShort),
    }
}

/// Seed 001: relay the key (reading it), then tokens both ways; the reply to a replayed token
/// is kept back from the client, which never sent it.
async fn fernet(shared: &Shared, mut client: TcpStream, peer: Peer) -> Result<String, String> {
    let limits = shared.config.limits;
    let mut server = upstream(shared).await?;
    let text = read_exactly(
        &mut server,
        FERNET_KEY_TEXT,
        limits.handshake_timeout,
        "the Fernet key",
    )
    .await?;
    write_all(&mut client, &text, limits.write_timeout).await?;
    let key = Key::parse(Scheme::Fernet, &String::from_utf8_lossy(&text))
        .map_err(|e| format!("unusable key from the server: {e}"))?;
    shared.learned(&key).await;
    let cipher = Cipher::new(&key);
    let (mut from_client, mut from_server) = (TokenReader::default(), TokenReader::default());
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let mut swallow = 0usize;
    loop {
        tokio::select! {
            token = from_client.next(&mut client_read, &cipher, limits.max_frame, IDLE) => {
                let Some(token) = token? else { return Ok("the client closed".to_owned()) };
                let outcome = shared.attack(peer, Some(&cipher), Bytes::from(token)).await;
                if let Some(wire) = outcome.forward {
                    write_all(&mut server_write, &wire, limits.write_timeout).await?;
                }
                if let Some(earlier) = outcome.replay {
                    write_all(&mut server_write, &earlier, limits.write_timeout).await?;
                    swallow += 1;
                }
            }
            token = from_server.next(&mut server_read, &cipher, limits.max_frame, IDLE) => {
                let Some(token) = token? else { return Ok("the server closed".to_owned()) };
                let seq = shared.messages.load(Ordering::Relaxed);
                if let Some(plaintext) = cipher.open(&token).plaintext {
                    shared.emit(Event::Eavesdropped { peer, direction: Direction::ToClient, seq, plaintext: Bytes::from(plaintext) }).await;
                }
                let forwarded = swallow == 0;
                let fate = if forwarded { Fate::Forwarded } else { Fate::KeptBack };
                let frame = Frame::Data { seq, wire: Bytes::from(token.clone()) };
                shared.emit(Event::Intercepted { peer, direction: Direction::ToClient, frame, fate }).await;
                if forwarded {
                    write_all(&mut client_write, &token, limits.write_timeout).await?;
                } else {
                    swallow -= 1;
                }
            }
        }
    }
}

/// Seed 003: relays each request, tampering with the salt and ciphertext it carries.
async fn proxy(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    body: Body,
) -> Response {
    let peer = shared.peer(addr);
    let limits = shared.config.limits;
    let json = |status: StatusCode, body: String| {
        (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
    };
    let Ok(wire) = DecryptMacRequest::parse(&body).and_then(|r| r.to_wire()) else {
        // Not something the attacker can read: pass it on as it came.
        let request = DecryptMacRequest::parse(&body).unwrap_or_default();
        return match http::post_request(
            &shared.config.upstream,
            &request,
            limits.handshake_timeout,
            limits.max_frame,
        )
        .await
        {
            Ok((status, body)) => json(
                StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                String::from_utf8_lossy(&body).into_owned(),
            ),
            Err(e) => json(StatusCode::BAD_GATEWAY, DecryptMacResponse::Error(e).body()),
        };
    };
    let outcome = shared.attack(peer, None, Bytes::from(wire)).await;
    let response = match outcome.forward {
        Some(wire) => {
            let request = DecryptMacRequest::from_wire(&wire);
            match http::post_request(
                &shared.config.upstream,
                &request,
                limits.handshake_timeout,
                limits.max_frame,
            )
            .await
            {
                Ok((status, body)) => {
                    if let Ok(reply) = DecryptMacResponse::parse(status, &body) {
                        shared.verdict(peer, cbc_verdict(&reply), true).await;
                    }
                    json(
                        StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY),
                        String::from_utf8_lossy(&body).into_owned(),
                    )
                }
                Err(e) => json(StatusCode::BAD_GATEWAY, DecryptMacResponse::Error(e).body()),
            }
        }
        None => json(
            StatusCode::BAD_GATEWAY,
            DecryptMacResponse::Error("dropped by the man in the middle".into()).body(),
        ),
    };
    if let Some(earlier) = outcome.replay {
        let request = DecryptMacRequest::from_wire(&earlier);
        if let Ok((status, body)) = http::post_request(
            &shared.config.upstream,
            &request,
            limits.handshake_timeout,
            limits.max_frame,
        )
        .await
            && let Ok(reply) = DecryptMacResponse::parse(status, &body)
        {
            shared.verdict(peer, cbc_verdict(&reply), false).await;
        }
    }
    shared
        .emit(Event::Disconnected {
            peer,
            reason: "relayed one seed 003 request".into(),
            unanswered: 0,
        })
        .await;
    response
}

fn cbc_verdict(reply: &DecryptMacResponse) -> Verdict {
    match reply {
        DecryptMacResponse::Success(_) => Verdict::Unauthenticated,
        DecryptMacResponse::Error(_) => Verdict::Rejected(Reason::BadPadding),
    }
}
