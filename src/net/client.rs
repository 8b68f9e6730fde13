//! The lab client: connects, says HELLO, learns the scheme, the key and the name it is listed
//! under from WELCOME (or uses its pre-shared key), then converses until the front end
//! disconnects. When the server cannot be reached or goes away (it restarted, say), the client
//! tries again with a growing wait, a bounded number of times, reporting each try.

use std::net::SocketAddr;

use bytes::Bytes;
use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::{Duration, Instant, timeout};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use super::NetError;
use super::config::{ClientConfig, VerdictDetail};
use super::event::{ClientCommand, Event, Peer, PeerId};
use super::session::{Parted, Session, emit, write_frame};
use crate::crypto::KeyExchange;
use crate::crypto::agreement::Agreement;
use crate::crypto::{Cipher, Key, KeySource, Scheme};
use crate::wire::seed::Protocol;
use crate::wire::{Frame, FrameError, Hello, LabCodec, Welcome};

/// Connects to a lab server and converses until the end, coming back (up to
/// `limits.retry`) when the server cannot be reached or goes away. Every outcome is also
/// reported on `events`; the returned error is for exit codes.
///
/// # Errors
/// [`NetError`] when the connection or handshake fails for good, or every retry failed.
pub async fn run(
    config: ClientConfig,
    commands: mpsc::Receiver<ClientCommand>,
    events: mpsc::Sender<Event>,
) -> Result<(), NetError> {
    let result = if config.protocol == Protocol::Seed {
        super::seed::client::run(config, commands, events.clone()).await
    } else {
        Lab::new(config, commands, &events).run().await
    };
    if let Err(e) = &result {
        emit(
            &events,
            Event::Error {
                peer: None,
                message: e.to_string(),
            },
        )
        .await;
    }
    result
}

/// A lab client across its connections: the front end's commands, what was asked while no
/// connection was up, and the count of tries.
struct Lab<'a> {
    config: ClientConfig,
    commands: mpsc::Receiver<ClientCommand>,
    events: &'a mpsc::Sender<Event>,
    /// Messages the front end asked for while there was no connection, sent on the next one
    /// (at most `max_in_flight`; more are reported unsent).
    backlog: Vec<Bytes>,
    /// Connections made so far: each one's number is its peer id.
    connections: PeerId,
    /// The server's address as last seen, for reporting messages that could not be sent.
    last_addr: SocketAddr,
}

impl<'a> Lab<'a> {
    fn new(
        config: ClientConfig,
        commands: mpsc::Receiver<ClientCommand>,
        events: &'a mpsc::Sender<Event>,
    ) -> Lab<'a> {
        Lab {
            config,
            commands,
            events,
            backlog: Vec::new(),
            connections: 0,
            last_addr: SocketAddr::from(([0, 0, 0, 0], 0)),
        }
    }

    async fn run(mut self) -> Result<(), NetError> {
        let retry = self.config.limits.retry;
        let mut failures: u32 = 0;
        loop {
            self.connections += 1;
            let failure = match connect(&self.config, self.connections, self.events).await {
                Ok(session) => {
                    self.last_addr = session.peer.addr;
                    let started = Instant::now();
                    let backlog = std::mem::take(&mut self.backlog);
                    match session.converse_after(backlog, &mut self.commands).await {
                        Parted::Ended => return Ok(()),
                        Parted::Lost(_) if retry.attempts == 0 => return Ok(()),
                        Parted::Lost(reason) => {
                            // A connection that lasted starts the count again; one dropped at
                            // once does not, so a server that drops everyone cannot keep its
                            // clients coming back for ever.
                            if started.elapsed() >= retry.cap {
                                failures = 0;
                            }
                            NetError::Lost(reason)
                        }
                    }
                }
                Err(e) if e.may_pass() && retry.attempts > 0 => e,
                Err(e) => return Err(e),
            };
            failures += 1;
            if failures > retry.attempts {
                self.give_up("gave up reconnecting").await;
                return Err(NetError::GaveUp {
                    attempts: retry.attempts,
                    last: Box::new(failure),
                });
            }
            let delay = retry.delay(failures);
            let reason = failure.to_string();
            tracing::info!(addr = %self.config.connect, attempt = failures, delay_ms = delay.as_millis() as u64, %reason, "reconnecting");
            let event = Event::Reconnecting {
                addr: self.config.connect.clone(),
                attempt: failures,
                attempts: retry.attempts,
                delay,
                reason,
            };
            emit(self.events, event).await;
            if !self.wait(delay).await {
                self.give_up("stopped reconnecting").await;
                return Ok(());
            }
        }
    }

    /// Waits `delay` before the next try, keeping what the front end asks to send meanwhile.
    /// Returns false when the front end says stop (or is gone).
    async fn wait(&mut self, delay: Duration) -> bool {
        let pause = tokio::time::sleep(delay);
        tokio::pin!(pause);
        loop {
            tokio::select! {
                () = &mut pause => return true,
                command = self.commands.recv() => match command {
                    Some(ClientCommand::Send(plaintext)) => {
                        if self.backlog.len() < self.config.limits.max_in_flight {
                            self.backlog.push(plaintext);
                        } else {
                            let reason = format!(
                                "not connected, and {} messages already wait for the connection",
                                self.backlog.len()
                            );
                            self.unsent(reason).await;
                        }
                    }
                    Some(ClientCommand::SendWire(_) | ClientCommand::Answer(_)) => {
                        self.unsent("not connected: wire bytes and answers are not kept for the next connection".to_owned()).await;
                    }
                    Some(ClientCommand::Notice(_)) => {}
                    Some(ClientCommand::Disconnect) | None => return false,
                },
            }
        }
    }

    /// Reports every message still waiting for a connection as not sent.
    async fn give_up(&mut self, why: &str) {
        for _ in std::mem::take(&mut self.backlog) {
            self.unsent(format!("not connected ({why})")).await;
        }
    }

    async fn unsent(&self, reason: String) {
        let peer = Peer {
            id: self.connections,
            addr: self.last_addr,
        };
        emit(self.events, Event::Unsent { peer, reason }).await;
    }
}

/// A lab connection whose WELCOME has arrived, before any key is settled.
pub(crate) struct Welcomed {
    /// The connection, its codec now taking frames up to `--max-frame`.
    pub(crate) framed: Framed<TcpStream, LabCodec>,
    /// The server.
    pub(crate) peer: Peer,
    /// What the server said.
    pub(crate) welcome: Welcome,
    /// Our X25519 offer, to finish if the server agrees keys.
    pub(crate) agreement: Agreement,
    /// Frame kinds a newer server sent before its WELCOME that this side does not know:
    /// passed over, to be reported once connected (new kinds never break the handshake).
    pub(crate) unknown: Vec<u8>,
}

/// Unknown frames passed over before WELCOME, at most: a peer sending more is not a newer
/// lab server but something else, and the handshake fails.
const UNKNOWN_BEFORE_WELCOME: usize = 8;

/// Connects and shakes hands as connection number `id`: HELLO out, WELCOME (or the server's
/// ERROR) back, each within its deadline. Shared by the client and the attacks, which need no
/// key to get this far.
///
/// # Errors
/// [`NetError`] when the connection or handshake fails.
pub(crate) async fn shake_hands(config: &ClientConfig, id: PeerId) -> Result<Welcomed, NetError> {
    let limits = config.limits;
    let stream = match timeout(limits.connect_timeout, TcpStream::connect(&config.connect)).await {
        Err(_) => {
            return Err(NetError::ConnectTimeout {
                addr: config.connect.clone(),
            });
        }
        Ok(Err(source)) => {
            return Err(NetError::Connect {
                addr: config.connect.clone(),
                source,
            });
        }
        Ok(Ok(stream)) => stream,
    };
    let _ = stream.set_nodelay(true);
    let addr = stream.peer_addr().map_err(|source| NetError::Connect {
        addr: config.connect.clone(),
        source,
    })?;
    let peer = Peer { id, addr };
    // Until WELCOME, only a handshake-sized frame is accepted from the server.
    let mut framed = Framed::new(stream, LabCodec::for_handshake());

    // Offered every time: the client learns only from WELCOME whether the server agrees keys.
    let agreement = Agreement::new().map_err(|source| NetError::Key {
        origin: "x25519".into(),
        source,
    })?;
    let hello = Frame::Hello(Hello {
        scheme: config.scheme,
        name: config.name.clone(),
        agreement: Some(agreement.public()),
    });
    write_frame(&mut framed, hello, &limits)
        .await
        .map_err(NetError::HandshakeLost)?;
    // One deadline for the whole wait, however many unknown frames come first.
    let deadline = tokio::time::Instant::now() + limits.handshake_timeout;
    let mut unknown = Vec::new();
    let welcome = loop {
        let next = tokio::time::timeout_at(deadline, framed.next()).await;
        if let Ok(Some(Ok(Frame::Unknown { kind }))) = next
            && unknown.len() < UNKNOWN_BEFORE_WELCOME
        {
            unknown.push(kind);
            continue;
        }
        break match next {
            Err(_) => {
                return Err(NetError::Handshake(format!(
                    "no WELCOME within {} s",
                    limits.handshake_timeout.as_secs()
                )));
            }
            Ok(None) => {
                return Err(NetError::HandshakeLost(
                    "the server closed the connection before WELCOME".to_owned(),
                ));
            }
            Ok(Some(Err(e @ (FrameError::Io(_) | FrameError::Truncated { .. })))) => {
                return Err(NetError::HandshakeLost(e.to_string()));
            }
            Ok(Some(Err(e))) => return Err(NetError::Handshake(e.to_string())),
            Ok(Some(Ok(Frame::Welcome(welcome)))) => {
                framed.codec_mut().handshake_done(limits.max_frame);
                welcome
            }
            Ok(Some(Ok(Frame::Error { reason }))) => return Err(NetError::Refused(reason)),
            Ok(Some(Ok(Frame::Unknown { kind }))) => {
                return Err(NetError::Handshake(
                    FrameError::UnknownKind(kind).to_string(),
                ));
            }
            Ok(Some(Ok(other))) => {
                return Err(NetError::Handshake(format!(
                    "expected WELCOME, got {}",
                    other.kind_name()
                )));
            }
        };
    };
    Ok(Welcomed {
        framed,
        peer,
        welcome,
        agreement,
        unknown,
    })
}

/// Connects, says HELLO and reads WELCOME: a session ready to converse, as connection
/// number `id`.
async fn connect(
    config: &ClientConfig,
    id: PeerId,
    events: &mpsc::Sender<Event>,
) -> Result<Session, NetError> {
    let limits = config.limits;
    let Welcomed {
        mut framed,
        peer,
        welcome,
        agreement,
        unknown,
    } = shake_hands(config, id).await?;
    let (key, source) = match session_key(config, &welcome, agreement) {
        Ok(found) => found,
        Err(e) => {
            let _ = write_frame(
                &mut framed,
                Frame::Error {
                    reason: "client has no usable key".to_owned(),
                },
                &limits,
            )
            .await;
            return Err(e);
        }
    };
    let listed_as = welcome.name.clone();
    tracing::info!(%peer, scheme = %welcome.scheme, source = source.as_str(), listed_as = listed_as.as_deref().unwrap_or(&config.name), "connected");
    emit(
        events,
        Event::Connected {
            peer,
            name: "server".to_owned(),
            scheme: welcome.scheme,
            listed_as,
        },
    )
    .await;
    emit(
        events,
        Event::Key {
            key: key.clone(),
            source,
            exchange: welcome.key_exchange,
        },
    )
    .await;
    for kind in unknown {
        let message = format!(
            "{} before WELCOME (sent by a newer server?): ignored",
            FrameError::UnknownKind(kind)
        );
        tracing::warn!(%peer, %message, "unknown frame");
        emit(
            events,
            Event::Error {
                peer: Some(peer),
                message,
            },
        )
        .await;
    }
    Ok(Session {
        framed,
        peer,
        cipher: Cipher::with_nonces(&key, config.nonce),
        ttl: config.ttl,
        clock: config.clock.clone(),
        events: events.clone(),
        limits,
        auto_reply: None,
        verdicts: VerdictDetail::Detailed,
        stop: CancellationToken::new(),
        seat: super::session::Seat::Client,
    })
}

/// The session key: read off WELCOME when the server sends it, agreed with X25519, or our own.
pub(crate) fn session_key(
    config: &ClientConfig,
    welcome: &Welcome,
    agreement: Agreement,
) -> Result<(Key, KeySource), NetError> {
    let scheme: Scheme = welcome.scheme;
    match (welcome.key_exchange, &welcome.key, &config.key) {
        (KeyExchange::Send, Some(text), _) => Key::parse(scheme, text)
            .map(|key| (key, KeySource::ReceivedInClear))
            .map_err(|e| NetError::Handshake(format!("the server sent an unusable key: {e}"))),
        (KeyExchange::Send, None, _) => Err(NetError::Handshake(
            "WELCOME says send but carries no key".to_owned(),
        )),
        (KeyExchange::Psk, _, Some(given)) => Key::parse(scheme, &given.text)
            .map(|key| (key, KeySource::PreShared))
            .map_err(|source| NetError::Key {
                origin: given.origin.clone(),
                source,
            }),
        (KeyExchange::Psk, _, None) if config.keyless => Key::generate(scheme)
            .map(|key| (key, KeySource::Generated))
            .map_err(|e| NetError::Handshake(e.to_string())),
        (KeyExchange::Psk, _, None) => Err(NetError::MissingKey { scheme }),
        (KeyExchange::X25519, _, _) => {
            let server = welcome.agreement.ok_or_else(|| {
                NetError::Handshake("WELCOME says x25519 but carries no public key".to_owned())
            })?;
            let client = agreement.public();
            agreement
                .finish(&server, scheme, &client, &server)
                .map(|key| (key, KeySource::Agreed))
                .map_err(|_| {
                    NetError::Handshake("the server's x25519 public key is not usable".to_owned())
                })
        }
    }
}
