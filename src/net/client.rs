//! The lab client: connects, says HELLO, learns the scheme and key from WELCOME (or uses its
//! pre-shared key), then converses until the front end disconnects or the server leaves.

use futures_util::StreamExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::timeout;
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use super::NetError;
use super::config::{ClientConfig, VerdictDetail};
use super::event::{ClientCommand, Event, Peer};
use super::session::{Session, emit, write_frame};
use crate::crypto::KeyExchange;
use crate::crypto::agreement::Agreement;
use crate::crypto::{Cipher, Key, KeySource, Scheme};
use crate::wire::seed::Protocol;
use crate::wire::{Frame, Hello, LabCodec, Welcome};

/// Connects to a lab server and converses until the end. Every outcome is also reported on
/// `events`; the returned error is for exit codes.
///
/// # Errors
/// [`NetError`] when the connection or handshake fails.
pub async fn run(
    config: ClientConfig,
    commands: mpsc::Receiver<ClientCommand>,
    events: mpsc::Sender<Event>,
) -> Result<(), NetError> {
    let result = if config.protocol == Protocol::Seed {
        super::seed::client::run(config, commands, events.clone()).await
    } else {
        connect_and_converse(config, commands, &events).await
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
}

/// Connects and shakes hands: HELLO out, WELCOME (or the server's ERROR) back, each within
/// its deadline. Shared by the client and the attacks, which need no key to get this far.
///
/// # Errors
/// [`NetError`] when the connection or handshake fails.
pub(crate) async fn shake_hands(config: &ClientConfig) -> Result<Welcomed, NetError> {
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
    let peer = Peer { id: 0, addr };
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
        .map_err(NetError::Handshake)?;
    let welcome = match timeout(limits.handshake_timeout, framed.next()).await {
        Err(_) => {
            return Err(NetError::Handshake(format!(
                "no WELCOME within {} s",
                limits.handshake_timeout.as_secs()
            )));
        }
        Ok(None) => {
            return Err(NetError::Handshake(
                "the server closed the connection before WELCOME".to_owned(),
            ));
        }
        Ok(Some(Err(e))) => return Err(NetError::Handshake(e.to_string())),
        Ok(Some(Ok(Frame::Welcome(welcome)))) => {
            framed.codec_mut().handshake_done(limits.max_frame);
            welcome
        }
        Ok(Some(Ok(Frame::Error { reason }))) => return Err(NetError::Refused(reason)),
        Ok(Some(Ok(other))) => {
            return Err(NetError::Handshake(format!(
                "expected WELCOME, got {}",
                other.kind_name()
            )));
        }
    };
    Ok(Welcomed {
        framed,
        peer,
        welcome,
        agreement,
    })
}

async fn connect_and_converse(
    config: ClientConfig,
    commands: mpsc::Receiver<ClientCommand>,
    events: &mpsc::Sender<Event>,
) -> Result<(), NetError> {
    let limits = config.limits;
    let Welcomed {
        mut framed,
        peer,
        welcome,
        agreement,
    } = shake_hands(&config).await?;
    let (key, source) = match session_key(&config, &welcome, agreement) {
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
    tracing::info!(%peer, scheme = %welcome.scheme, source = source.as_str(), "connected");
    emit(
        events,
        Event::Connected {
            peer,
            name: "server".to_owned(),
            scheme: welcome.scheme,
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
    let session = Session {
        framed,
        peer,
        cipher: Cipher::with_nonces(&key, config.nonce),
        ttl: config.ttl,
        clock: config.clock,
        events: events.clone(),
        limits,
        auto_reply: None,
        verdicts: VerdictDetail::Detailed,
        stop: CancellationToken::new(),
    };
    session.converse(commands).await;
    Ok(())
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
