//! The lab server: accepts clients up to a limit, shakes hands, and runs one session per
//! client until told to shut down, when it says BYE to everyone and waits for them.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{Duration, timeout};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use super::config::ServerConfig;
use super::event::{ClientCommand, Event, Peer, PeerId, ServerCommand};
use super::session::{Session, emit, write_frame};
use crate::crypto::Cipher;
use crate::wire::{Frame, KeyExchange, LabCodec, Welcome};

/// How long shutdown waits for sessions to say BYE before abandoning them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Serves lab clients on `listener` until `shutdown` completes or a
/// [`ServerCommand::Shutdown`] arrives. Reports everything on `events`.
pub async fn run(
    listener: TcpListener,
    config: ServerConfig,
    mut commands: mpsc::Receiver<ServerCommand>,
    events: mpsc::Sender<Event>,
    shutdown: impl Future<Output = ()>,
) {
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, scheme = %config.scheme, "listening");
        emit(&events, Event::Listening { addr }).await;
    }
    emit(
        &events,
        Event::Key {
            key: config.key.clone(),
            source: config.key_source,
            exchange: config.key_exchange,
        },
    )
    .await;

    let permits = std::sync::Arc::new(Semaphore::new(config.limits.max_clients));
    let stop = CancellationToken::new();
    let mut clients: HashMap<PeerId, mpsc::Sender<ClientCommand>> = HashMap::new();
    let mut tasks: JoinSet<PeerId> = JoinSet::new();
    let mut next_id: PeerId = 1;
    tokio::pin!(shutdown);

    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    let peer = Peer { id: next_id, addr };
                    next_id += 1;
                    let Ok(permit) = permits.clone().try_acquire_owned() else {
                        refuse(stream, peer, config.limits.max_clients, &events).await;
                        continue;
                    };
                    let (tx, rx) = mpsc::channel(config.limits.queue_depth);
                    clients.insert(peer.id, tx);
                    let (config, events, stop) = (config.clone(), events.clone(), stop.clone());
                    tasks.spawn(async move {
                        serve(stream, peer, config, events, rx, stop).await;
                        drop(permit);
                        peer.id
                    });
                }
                Err(e) => {
                    // Usually out of file descriptors: report it and back off instead of spinning.
                    tracing::error!(error = %e, "accept failed");
                    emit(&events, Event::Error { peer: None, message: format!("accept failed: {e}") }).await;
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
            Some(done) = tasks.join_next(), if !tasks.is_empty() => {
                if let Ok(id) = done {
                    clients.remove(&id);
                }
            }
            command = commands.recv() => match command {
                Some(ServerCommand::Send { to, plaintext }) => route(&clients, to, ClientCommand::Send(plaintext), &events).await,
                Some(ServerCommand::Broadcast(plaintext)) => {
                    let ids: Vec<PeerId> = clients.keys().copied().collect();
                    for id in ids {
                        route(&clients, id, ClientCommand::Send(Bytes::clone(&plaintext)), &events).await;
                    }
                }
                Some(ServerCommand::Kick(id)) => route(&clients, id, ClientCommand::Disconnect, &events).await,
                Some(ServerCommand::Shutdown) => break,
                // No front end can command us any more; keep serving until `shutdown`.
                None => std::future::pending::<()>().await,
            },
            () = &mut shutdown => break,
        }
    }

    tracing::info!(clients = tasks.len(), "shutting down");
    stop.cancel();
    drop(listener);
    if timeout(SHUTDOWN_GRACE, async {
        while tasks.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        tracing::warn!(
            remaining = tasks.len(),
            "sessions did not finish in time; aborting them"
        );
        tasks.abort_all();
    }
}

/// Passes a command to one client's session without ever blocking the accept loop.
async fn route(
    clients: &HashMap<PeerId, mpsc::Sender<ClientCommand>>,
    to: PeerId,
    command: ClientCommand,
    events: &mpsc::Sender<Event>,
) {
    let message = match clients.get(&to).map(|tx| tx.try_send(command)) {
        Some(Ok(())) => return,
        Some(Err(mpsc::error::TrySendError::Full(_))) => {
            format!("client {to} is busy: its queue is full, message dropped")
        }
        Some(Err(mpsc::error::TrySendError::Closed(_))) | None => {
            format!("no connected client {to}")
        }
    };
    emit(
        events,
        Event::Error {
            peer: None,
            message,
        },
    )
    .await;
}

/// Tells a connection over the limit why it is refused, without waiting on it.
async fn refuse(stream: TcpStream, peer: Peer, max_clients: usize, events: &mpsc::Sender<Event>) {
    let reason = format!("server full: {max_clients} clients connected (--max-clients)");
    // The frame is small enough for an empty socket buffer; a peer that cannot take it
    // loses nothing it was promised.
    let _ = stream.try_write(
        &Frame::Error {
            reason: reason.clone(),
        }
        .to_bytes(),
    );
    tracing::warn!(%peer, "refused: server full");
    emit(
        events,
        Event::Error {
            peer: Some(peer),
            message: format!("refused {peer}: {reason}"),
        },
    )
    .await;
}

/// Runs one client from HELLO to goodbye.
async fn serve(
    stream: TcpStream,
    peer: Peer,
    config: ServerConfig,
    events: mpsc::Sender<Event>,
    commands: mpsc::Receiver<ClientCommand>,
    stop: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let mut framed = Framed::new(stream, LabCodec::new(config.limits.max_frame));
    let name = match handshake(&mut framed, peer, &config).await {
        Ok(name) => name,
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
    tracing::info!(%peer, %name, "connected");
    emit(
        &events,
        Event::Connected {
            peer,
            name,
            scheme: config.scheme,
        },
    )
    .await;
    let session = Session {
        framed,
        peer,
        cipher: Cipher::new(&config.key),
        ttl: config.ttl,
        clock: config.clock,
        events,
        limits: config.limits,
        auto_reply: config.auto_reply,
    };
    session.converse(commands, stop).await;
}

/// Waits for HELLO, checks it, and answers WELCOME. Returns the client's display name.
async fn handshake(
    framed: &mut Framed<TcpStream, LabCodec>,
    peer: Peer,
    config: &ServerConfig,
) -> Result<String, String> {
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
        Ok(Some(Ok(other))) => return Err(format!("expected HELLO, got {}", other.kind_name())),
    };
    if let Some(asked) = hello.scheme
        && asked != config.scheme
    {
        return Err(format!(
            "scheme mismatch: this server speaks {}, the client asked for {asked}",
            config.scheme
        ));
    }
    let key = match config.key_exchange {
        KeyExchange::Send => Some(config.key.to_text().to_string()),
        KeyExchange::Psk => None,
    };
    let welcome = Frame::Welcome(Welcome {
        scheme: config.scheme,
        key_exchange: config.key_exchange,
        key,
    });
    write_frame(framed, welcome, &config.limits).await?;
    Ok(if hello.name.is_empty() {
        format!("client-{}", peer.id)
    } else {
        hello.name
    })
}

/// Binds a listener, reporting the address in the error.
///
/// # Errors
/// The bind failure, with the address.
pub async fn bind(addr: &str) -> Result<TcpListener, super::NetError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| super::NetError::Bind {
            addr: addr.to_owned(),
            source,
        })
}

/// The address a listener is bound to, for callers that asked for port 0.
pub fn local_addr(listener: &TcpListener) -> Option<SocketAddr> {
    listener.local_addr().ok()
}
