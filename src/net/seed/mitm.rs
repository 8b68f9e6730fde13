//! The man in the middle on the seed wire: relays each seed protocol's bytes. What to do with
//! each client message is decided by the attack pipeline (`net/attack.rs`), as on the lab
//! wire; this file only moves the bytes. Messages are counted across connections, since seeds
//! 000, 003 and 004 open one connection per message. (Holding messages for the screen is a
//! lab-wire feature.)

use std::collections::VecDeque;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

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
use tokio_util::sync::CancellationToken;

use super::http;
use super::io::{TokenReader, read_exactly, read_once, read_to_end, write_all};
use crate::crypto::KeyExchange;
use crate::crypto::{Cipher, Key, Reason, Scheme, TAG, Verdict};
use crate::net::accept::{Connection, Flow, Service, accept_loop};
use crate::net::attack::{Armed, Attack, Delivery};
use crate::net::config::MitmConfig;
use crate::net::event::{Direction, Event, Fate, MitmCommand, Peer};
use crate::net::roster::Roster;
use crate::net::session::emit;
use crate::wire::Frame;
use crate::wire::seed::{
    CBC_PATH, DecryptMacRequest, DecryptMacResponse, FERNET_KEY_TEXT, HMAC_FAILED, HMAC_TAG,
    HMAC_VERIFIED,
};

/// How long a seed conversation may sit idle at the man in the middle.
const IDLE: std::time::Duration = std::time::Duration::from_secs(300);
/// Seed 001 tokens sent upstream and not yet answered, remembered to tell which message a
/// reply answers; a server that answers none must not grow this without bound.
const MAX_UNANSWERED: usize = 256;

/// What every relayed connection shares: one attacker for all of them.
struct Shared {
    config: MitmConfig,
    scheme: Scheme,
    events: mpsc::Sender<Event>,
    armed: Armed,
    attack: Mutex<Attack>,
    next_request: AtomicU64,
}

impl Shared {
    async fn emit(&self, event: Event) {
        emit(&self.events, event).await;
    }

    async fn report(&self, events: impl IntoIterator<Item = Event>) {
        for event in events {
            self.emit(event).await;
        }
    }

    fn attack(&self) -> MutexGuard<'_, Attack> {
        self.attack.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// A client message arrives: the pipeline says what to send on, and reports it.
    async fn take_in(&self, peer: Peer, wire: Bytes) -> Delivery {
        let armed = self.armed.take();
        let (delivery, events) = self.attack().pass(peer, wire, armed);
        self.report(events).await;
        delivery
    }

    /// Reports the verdict a reply implies for message `seq`, on its way back, or kept back
    /// when the attacker injected that message.
    async fn answered(&self, peer: Peer, seq: u64, verdict: Verdict) -> Fate {
        let fate = self.attack().answer(seq);
        let frame = Frame::Verdict { seq, verdict };
        self.emit(Event::Intercepted {
            peer,
            direction: Direction::ToClient,
            frame,
            fate,
        })
        .await;
        fate
    }

    async fn learned(&self, key: Key) {
        let event = self.attack().learn(key, KeyExchange::Send);
        self.emit(event).await;
    }

    /// The front end's commands; holding is refused, since a seed program would time out.
    async fn command(&self, command: MitmCommand) -> Flow {
        match command {
            MitmCommand::Shutdown => return Flow::Stop,
            MitmCommand::Arm(action) => self.emit(self.armed.arm(action)).await,
            MitmCommand::Oracle { .. } | MitmCommand::OracleOn { .. } => {
                let message = "the padding oracle runs on the lab wire: its queries need a \
                               connection that answers each one with a verdict"
                    .to_owned();
                self.emit(Event::Error {
                    peer: None,
                    message,
                })
                .await;
            }
            MitmCommand::Intercept(_) | MitmCommand::Release { .. } => {
                let message = super::NO_HOLD_ON_SEED_WIRE.to_owned();
                self.emit(Event::Error {
                    peer: None,
                    message,
                })
                .await;
            }
        }
        Flow::Continue
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
    let limits = config.limits;
    let attack = Mutex::new(Attack::new(Some(scheme), config.plan.clone()));
    let shared = Arc::new(Shared {
        config,
        scheme,
        events: events.clone(),
        armed: Armed::default(),
        attack,
        next_request: AtomicU64::new(0),
    });
    if scheme != Scheme::Cbc {
        let service = SeedRelay { shared };
        return accept_loop(listener, limits, service, commands, events, shutdown).await;
    }
    // Seed 003 is HTTP, served as the seed server serves it, under the same bounds.
    let commanded = {
        let shared = shared.clone();
        async move {
            while let Some(command) = commands.recv().await {
                if shared.command(command).await == Flow::Stop {
                    return;
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
    let app = Router::new()
        .route(CBC_PATH, post(proxy))
        .layer(DefaultBodyLimit::max(limits.max_frame))
        .with_state(shared.clone());
    http::serve_app(listener, app, &limits, stopped, &events, "relay").await;
}

/// The seed relay's part in the accept loop, for seeds 000, 001 and 004.
struct SeedRelay {
    shared: Arc<Shared>,
}

impl Service for SeedRelay {
    type Command = MitmCommand;
    /// A seed connection takes no orders of its own: nothing is ever held.
    type Order = ();

    /// Refused as the seed server refuses: in the seed's words, never a lab frame.
    fn refusal(&self, _reason: &str) -> Vec<u8> {
        super::server::refusal(self.shared.scheme)
    }

    fn serve(
        &self,
        client: TcpStream,
        peer: Peer,
        _orders: mpsc::Receiver<()>,
        stop: CancellationToken,
    ) -> Connection {
        let shared = self.shared.clone();
        Box::pin(async move {
            let result = tokio::select! {
                result = relay(&shared, client, peer) => result,
                () = stop.cancelled() => Ok("man in the middle shutting down".to_owned()),
            };
            let reason = result.unwrap_or_else(|e| e);
            shared
                .emit(Event::Disconnected {
                    peer,
                    reason,
                    unanswered: 0,
                })
                .await;
        })
    }

    async fn command(
        &mut self,
        command: MitmCommand,
        _roster: &mut Roster<()>,
        _events: &mpsc::Sender<Event>,
    ) -> Flow {
        self.shared.command(command).await
    }
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
            listed_as: None,
        })
        .await;
    let limits = shared.config.limits;
    match shared.scheme {
        Scheme::Ecb => {
            let mut server = upstream(shared).await?;
            let key_bytes = read_once(&mut server, 64, limits.handshake_timeout, "the key").await?;
            write_all(&mut client, &key_bytes, limits.write_timeout).await?;
            if let Ok(key) = Key::from_bytes(Scheme::Ecb, key_bytes) {
                shared.learned(key).await;
            }
            let wire = read_to_end(
                &mut client,
                limits.max_frame,
                limits.handshake_timeout,
                "the ciphertext",
            )
            .await?;
            let delivery = shared.take_in(peer, Bytes::from(wire)).await;
            if let Some(wire) = delivery.forward {
                write_all(&mut server, &wire, limits.write_timeout).await?;
                let _ = server.shutdown().await;
            }
            // Seed 000 takes one message per connection: the copy needs its own.
            if let Some(injected) = delivery.inject {
                let mut again = upstream(shared).await?;
                read_once(&mut again, 64, limits.handshake_timeout, "the key").await?;
                write_all(&mut again, &injected.wire, limits.write_timeout).await?;
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
            let wire = Bytes::from([header, body].concat());
            let delivery = shared.take_in(peer, wire).await;
            let dropped = delivery.forward.is_none();
            if let Some(wire) = delivery.forward {
                let reply = hmac_exchange(shared, &wire).await?;
                shared
                    .answered(peer, delivery.seq, hmac_verdict(&reply))
                    .await;
                write_all(&mut client, &reply, limits.write_timeout).await?;
            }
            if let Some(injected) = delivery.inject {
                let reply = hmac_exchange(shared, &injected.wire).await?;
                shared
                    .answered(peer, injected.seq, hmac_verdict(&reply))
                    .await;
            }
            Ok(if dropped {
                "dropped: the client gets no reply".to_owned()
            } else {
                "relayed one seed 004 message".to_owned()
            })
        }
        Scheme::Fernet => fernet(shared, client, peer).await,
        Scheme::Cbc => Err("seed 003 is relayed over HTTP".to_owned()),
        other => Err(format!("no seed program speaks {other}")),
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

/// Seed 001: relay the key (reading it), then tokens both ways. Seed 001 has no sequence
/// numbers: as its server does, every token is taken to get one reply, in order, so the reply
/// to a replayed token is known, and kept back from the client, which never sent it.
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
    // The transport needs the key too: it tells where one token ends and the next begins.
    let cipher = Cipher::new(&key);
    shared.learned(key).await;
    let (mut from_client, mut from_server) = (TokenReader::default(), TokenReader::default());
    let (mut client_read, mut client_write) = client.split();
    let (mut server_read, mut server_write) = server.split();
    let mut unanswered: VecDeque<u64> = VecDeque::new();
    let sent = |unanswered: &mut VecDeque<u64>, seq: u64| {
        if unanswered.len() >= MAX_UNANSWERED {
            unanswered.pop_front();
        }
        unanswered.push_back(seq);
    };
    loop {
        tokio::select! {
            token = from_client.next(&mut client_read, &cipher, limits.max_frame, IDLE) => {
                let Some(token) = token? else { return Ok("the client closed".to_owned()) };
                let delivery = shared.take_in(peer, Bytes::from(token)).await;
                if let Some(wire) = delivery.forward {
                    write_all(&mut server_write, &wire, limits.write_timeout).await?;
                    sent(&mut unanswered, delivery.seq);
                }
                if let Some(injected) = delivery.inject {
                    write_all(&mut server_write, &injected.wire, limits.write_timeout).await?;
                    sent(&mut unanswered, injected.seq);
                }
            }
            token = from_server.next(&mut server_read, &cipher, limits.max_frame, IDLE) => {
                let Some(token) = token? else { return Ok("the server closed".to_owned()) };
                let token = Bytes::from(token);
                let (read, fate, seq) = {
                    let mut attack = shared.attack();
                    let seq = unanswered.pop_front().unwrap_or_else(|| attack.messages());
                    let read = attack.eavesdrop(peer, Direction::ToClient, seq, &token);
                    (read, attack.answer(seq), seq)
                };
                shared.report(read).await;
                let frame = Frame::Data { seq, sealed: token.clone() };
                shared.emit(Event::Intercepted { peer, direction: Direction::ToClient, frame, fate }).await;
                if fate == Fate::Forwarded {
                    write_all(&mut client_write, &token, limits.write_timeout).await?;
                }
            }
        }
    }
}

/// Posts one seed 003 request upstream.
async fn post_upstream(
    shared: &Shared,
    request: &DecryptMacRequest,
) -> Result<(u16, Bytes), String> {
    let limits = shared.config.limits;
    let upstream = &shared.config.upstream;
    http::post_request(
        upstream,
        request,
        limits.handshake_timeout,
        limits.max_frame,
    )
    .await
}

/// A JSON response with `status`, as the seed's API gives it.
fn json(status: u16, body: String) -> Response {
    let status = StatusCode::from_u16(status).unwrap_or(StatusCode::BAD_GATEWAY);
    (status, [(header::CONTENT_TYPE, "application/json")], body).into_response()
}

/// A 502 with the seed's error body.
fn bad_gateway(message: String) -> Response {
    json(502, DecryptMacResponse::Error(message).body())
}

/// Seed 003: relays each request, tampering with the salt and ciphertext it carries.
async fn proxy(
    State(shared): State<Arc<Shared>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    body: Body,
) -> Response {
    let id = shared.next_request.fetch_add(1, Ordering::Relaxed) + 1;
    let peer = Peer { id, addr };
    let Ok(wire) = DecryptMacRequest::parse(&body).and_then(|r| r.to_wire()) else {
        // Not something the attacker can read: pass it on as it came.
        let request = DecryptMacRequest::parse(&body).unwrap_or_default();
        return match post_upstream(&shared, &request).await {
            Ok((status, body)) => json(status, String::from_utf8_lossy(&body).into_owned()),
            Err(e) => bad_gateway(e),
        };
    };
    let delivery = shared.take_in(peer, Bytes::from(wire)).await;
    let response = match delivery.forward {
        Some(wire) => match post_upstream(&shared, &DecryptMacRequest::from_wire(&wire)).await {
            Ok((status, body)) => {
                if let Ok(reply) = DecryptMacResponse::parse(status, &body) {
                    shared
                        .answered(peer, delivery.seq, cbc_verdict(&reply))
                        .await;
                }
                json(status, String::from_utf8_lossy(&body).into_owned())
            }
            Err(e) => bad_gateway(e),
        },
        None => bad_gateway("dropped by the man in the middle".into()),
    };
    if let Some(injected) = delivery.inject {
        let request = DecryptMacRequest::from_wire(&injected.wire);
        if let Ok((status, body)) = post_upstream(&shared, &request).await
            && let Ok(reply) = DecryptMacResponse::parse(status, &body)
        {
            shared
                .answered(peer, injected.seq, cbc_verdict(&reply))
                .await;
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
