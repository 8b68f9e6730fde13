//! The lab server: accepts clients up to a limit, shakes hands, and runs one session per
//! client until told to shut down, when it says BYE to everyone and waits for them.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use super::accept::{Connection, Flow, Service, accept_loop, lab_refusal};
use super::config::{AutoReply, ServerConfig};
use super::event::{ClientCommand, Event, Peer, ServerCommand};
use super::exercise::Desk;
use super::names::{Claim, Names};
use super::roster::Roster;
use super::seed;
use super::session::{Seat, Session, emit, write_frame};
use crate::crypto::KeyExchange;
use crate::crypto::agreement::Agreement;
use crate::crypto::{Cipher, Key, KeySource, Scheme};
use crate::wire::seed::Protocol;
use crate::wire::{Frame, LabCodec, Welcome};

/// Serves clients on `listener` until `shutdown` completes or a [`ServerCommand::Shutdown`]
/// arrives, speaking the lab protocol or, with `--wire seed`, the scheme's seed program's bytes.
/// Reports everything on `events`.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    commands: mpsc::Receiver<ServerCommand>,
    events: mpsc::Sender<Event>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, scheme = %config.scheme, wire = config.protocol.label(), "listening");
        emit(&events, Event::Listening { addr }).await;
    }
    // Under x25519 each connection agrees its own key, reported as it is agreed.
    if config.key_exchange != KeyExchange::X25519 {
        let key = Event::Key {
            key: config.key.clone(),
            source: config.key_source,
            exchange: config.key_exchange,
        };
        emit(&events, key).await;
    }
    let (limits, wire) = (config.limits, config.protocol);
    match (wire, config.scheme) {
        (Protocol::Seed, Scheme::Cbc) => {
            seed::http::serve(listener, config, commands, events, shutdown).await
        }
        (Protocol::Seed, _) => {
            let service = Server {
                config,
                events: events.clone(),
                serve: seed::server::serve,
            };
            accept_loop(listener, limits, service, commands, events, shutdown).await
        }
        (Protocol::Lab, _) => {
            // Names are unique among the clients connected at once (`alice`, `alice-2`).
            let names = Arc::new(Names::default());
            let service = Server {
                config,
                events: events.clone(),
                serve: move |stream, peer, config, events, orders, stop| {
                    serve(
                        stream,
                        peer,
                        config,
                        events,
                        orders,
                        stop,
                        Arc::clone(&names),
                    )
                },
            };
            accept_loop(listener, limits, service, commands, events, shutdown).await
        }
    }
}

/// A server's part in the accept loop: each connection runs `serve` (the lab protocol or a
/// seed's), and the front end's commands go to one client or to all.
struct Server<F> {
    config: ServerConfig,
    events: mpsc::Sender<Event>,
    serve: F,
}

impl<F, Fut> Service for Server<F>
where
    F: Fn(
            TcpStream,
            Peer,
            ServerConfig,
            mpsc::Sender<Event>,
            mpsc::Receiver<ClientCommand>,
            CancellationToken,
        ) -> Fut
        + Send,
    Fut: Future<Output = ()> + Send + 'static,
{
    type Command = ServerCommand;
    type Order = ClientCommand;

    fn serve(
        &self,
        stream: TcpStream,
        peer: Peer,
        orders: mpsc::Receiver<ClientCommand>,
        stop: CancellationToken,
    ) -> Connection {
        let (config, events) = (self.config.clone(), self.events.clone());
        Box::pin((self.serve)(stream, peer, config, events, orders, stop))
    }

    fn refusal(&self, reason: &str) -> Vec<u8> {
        match self.config.protocol {
            Protocol::Lab => lab_refusal(reason),
            Protocol::Seed => seed::server::refusal(self.config.scheme),
        }
    }

    async fn command(
        &mut self,
        command: ServerCommand,
        roster: &mut Roster<ClientCommand>,
        events: &mpsc::Sender<Event>,
    ) -> Flow {
        match command {
            ServerCommand::Send { to, plaintext } => {
                roster
                    .route(to, ClientCommand::Send(plaintext), events)
                    .await
            }
            ServerCommand::Broadcast(plaintext) => {
                for id in roster.ids() {
                    let command = ClientCommand::Send(Bytes::clone(&plaintext));
                    roster.route(id, command, events).await;
                }
            }
            ServerCommand::Kick(id) => roster.route(id, ClientCommand::Disconnect, events).await,
            ServerCommand::Notice(text) => {
                let text: String = text
                    .chars()
                    .filter(|c| !c.is_control())
                    .take(crate::wire::frame::MAX_NOTICE)
                    .collect();
                for id in roster.ids() {
                    roster
                        .route(id, ClientCommand::Notice(text.clone()), events)
                        .await;
                }
            }
            ServerCommand::Shutdown => return Flow::Stop,
        }
        Flow::Continue
    }
}

/// Runs one client from HELLO to goodbye.
async fn serve(
    stream: TcpStream,
    peer: Peer,
    config: ServerConfig,
    events: mpsc::Sender<Event>,
    mut commands: mpsc::Receiver<ClientCommand>,
    stop: CancellationToken,
    names: Arc<Names>,
) {
    let _ = stream.set_nodelay(true);
    let mut framed = Framed::new(stream, LabCodec::for_handshake());
    // The name is held until the conversation ends, then free for the next one to ask.
    let (claim, agreed) = match handshake(&mut framed, peer, &config, &names).await {
        Ok(shook) => {
            framed.codec_mut().handshake_done(config.limits.max_frame);
            shook
        }
        Err(reason) => {
            tracing::warn!(%peer, %reason, "handshake failed");
            emit(
                &events,
                Event::Error {
                    peer: Some(peer),
                    message: reason.clone(),
                },
            )
            .await;
            let _ = write_frame(
                &mut framed,
                Frame::Error {
                    reason: reason.clone(),
                },
                &config.limits,
            )
            .await;
            emit(
                &events,
                Event::Disconnected {
                    peer,
                    reason,
                    unanswered: 0,
                },
            )
            .await;
            return;
        }
    };
    let name = claim.name().to_owned();
    tracing::info!(%peer, %name, "connected");
    emit(
        &events,
        Event::Connected {
            peer,
            name: name.clone(),
            scheme: config.scheme,
            listed_as: None,
        },
    )
    .await;
    // With an exercise, the student's task and own material follow WELCOME: theirs by the
    // name they asked for, even when another of their connections holds it.
    let name = claim.asked().to_owned();
    let mut desk = None;
    if let Some(class) = &config.class {
        match class.task_for(&name) {
            Ok(task) => {
                if let Err(reason) =
                    write_frame(&mut framed, Frame::Task(task), &config.limits).await
                {
                    tracing::warn!(%peer, %reason, "cannot send the task");
                }
                if let Some(progress) = class.progress_of(&name) {
                    let exercise = class.exercise().name.clone();
                    let event = Event::Progress {
                        peer,
                        name: name.clone(),
                        exercise,
                        progress,
                    };
                    emit(&events, event).await;
                }
                desk = Some(Desk {
                    class: Arc::clone(class),
                    name,
                });
            }
            Err(message) => {
                emit(
                    &events,
                    Event::Error {
                        peer: Some(peer),
                        message,
                    },
                )
                .await
            }
        }
    }
    let cipher = match &agreed {
        Some(key) => {
            let event = Event::Key {
                key: key.clone(),
                source: KeySource::Agreed,
                exchange: KeyExchange::X25519,
            };
            emit(&events, event).await;
            Cipher::with_nonces(key, config.nonce)
        }
        None => Cipher::with_nonces(&config.key, config.nonce),
    };
    // An ecb exercise whose secret is in no material is an echo that appends this student's
    // secret (`byte-at-a-time`).
    let auto_reply = match &desk {
        Some(desk) if appends_the_secret(desk.class.exercise()) => Some(AutoReply::Append(
            desk.class.secret_for(&desk.name).as_bytes().to_vec(),
        )),
        _ => config.auto_reply,
    };
    let session = Session {
        framed,
        peer,
        cipher,
        ttl: config.ttl,
        clock: config.clock,
        events,
        limits: config.limits,
        auto_reply,
        verdicts: config.verdicts,
        stop,
        seat: Seat::Server(desk),
    };
    session.converse(&mut commands).await;
    drop(claim);
}

/// Whether `exercise` is an ecb echo that appends each student's secret to what it echoes:
/// its secret is to be answered and no material carries it.
fn appends_the_secret(exercise: &super::exercise::Exercise) -> bool {
    exercise.scheme == Scheme::Ecb
        && exercise.check == super::exercise::Check::AnswerIsSecret
        && exercise.sealed.is_none()
}

/// How a refusal for asking the wrong scheme begins; a client does not retry it.
pub(crate) const SCHEME_MISMATCH: &str = "scheme mismatch";

/// Waits for HELLO, checks it, and answers WELCOME with the name the client is listed under
/// (the one it asked for, unless another client has it). Returns that name, held.
async fn handshake(
    framed: &mut Framed<TcpStream, LabCodec>,
    peer: Peer,
    config: &ServerConfig,
    names: &Arc<Names>,
) -> Result<(Claim, Option<Key>), String> {
    let limit = config.limits.handshake_timeout;
    let hello = match timeout(limit, framed.next()).await {
        Err(_) => {
            return Err(format!(
                "no HELLO within {} s (a seed program? they need the server run with --wire seed)",
                limit.as_secs()
            ));
        }
        Ok(None) => return Err("connection closed before HELLO".to_owned()),
        Ok(Some(Err(e))) => return Err(e.to_string()),
        Ok(Some(Ok(Frame::Hello(hello)))) => hello,
        Ok(Some(Ok(Frame::Unknown { kind }))) => {
            return Err(crate::wire::FrameError::UnknownKind(kind).to_string());
        }
        Ok(Some(Ok(other))) => return Err(format!("expected HELLO, got {}", other.kind_name())),
    };
    if let Some(asked) = hello.scheme
        && asked != config.scheme
    {
        return Err(format!(
            "{SCHEME_MISMATCH}: this server speaks {}, the client asked for {asked}",
            config.scheme
        ));
    }
    let (key, agreement, agreed) = match config.key_exchange {
        KeyExchange::Send => (Some(config.key.to_text().to_string()), None, None),
        KeyExchange::Psk => (None, None, None),
        KeyExchange::X25519 => {
            let client = hello.agreement.ok_or(
                "this server agrees keys with x25519, and the client offered no public key",
            )?;
            let ours = Agreement::new().map_err(|e| e.to_string())?;
            let public = ours.public();
            let key = ours
                .finish(&client, config.scheme, &client, &public)
                .map_err(|_| "the client's x25519 public key is not usable".to_owned())?;
            (None, Some(public), Some(key))
        }
    };
    let wanted = if hello.name.is_empty() {
        format!("client-{}", peer.id)
    } else {
        hello.name
    };
    let claim = names.claim(&wanted);
    if claim.name() != wanted {
        tracing::info!(%peer, %wanted, listed_as = claim.name(), "name in use: suffixed");
    }
    let welcome = Frame::Welcome(Welcome {
        scheme: config.scheme,
        key_exchange: config.key_exchange,
        key,
        agreement,
        name: Some(claim.name().to_owned()),
    });
    write_frame(framed, welcome, &config.limits).await?;
    Ok((claim, agreed))
}

/// Binds a listener, reporting the address in the error.
///
/// # Errors
/// The bind failure, with the address.
pub async fn bind(addr: &str) -> Result<TcpListener, super::NetError> {
    let failed = |source| super::NetError::Bind {
        addr: addr.to_owned(),
        source,
    };
    let mut last = None;
    for resolved in tokio::net::lookup_host(addr).await.map_err(failed)? {
        match listen(resolved) {
            Ok(listener) => return Ok(listener),
            Err(e) => last = Some(e),
        }
    }
    Err(failed(last.unwrap_or_else(|| {
        std::io::Error::new(std::io::ErrorKind::InvalidInput, "no address to listen on")
    })))
}

/// Connections the kernel queues before they are accepted. tokio's default is 1024; a class
/// reconnecting at once after a restart, or a load test's thousands, arrive faster than the
/// accept loop takes them, and a full queue drops SYNs that are only retried a second or
/// more later. The kernel caps it at `net.core.somaxconn`.
const BACKLOG: u32 = 4096;

/// Listens on one address with [`BACKLOG`], reusing the address as `TcpListener::bind` does.
pub fn listen(addr: SocketAddr) -> std::io::Result<TcpListener> {
    let socket = if addr.is_ipv4() {
        tokio::net::TcpSocket::new_v4()?
    } else {
        tokio::net::TcpSocket::new_v6()?
    };
    #[cfg(unix)]
    socket.set_reuseaddr(true)?;
    socket.bind(addr)?;
    socket.listen(BACKLOG)
}

/// The address a listener is bound to, for callers that asked for port 0.
pub fn local_addr(listener: &TcpListener) -> Option<SocketAddr> {
    listener.local_addr().ok()
}
