//! The seed client: talks to the seed programs' servers (or cipherlab's `--wire seed` server)
//! in their own bytes. Seeds 000, 003 and 004 use one connection (or request) per message;
//! seed 001 keeps one connection and waits for a reply token after each message.

use std::net::SocketAddr;

use bytes::Bytes;
use tokio::io::AsyncWriteExt;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio::time::timeout;

use super::http;
use super::io::{TokenReader, read_exactly, read_once, read_to_end, write_all};
use crate::crypto::KeyExchange;
use crate::crypto::{Cipher, Key, KeySource, Nonce, OpenOptions, Reason, Scheme, Verdict};
use crate::net::NetError;
use crate::net::config::ClientConfig;
use crate::net::event::{ClientCommand, Event, Peer};
use crate::net::session::emit;
use crate::wire::seed::{
    CBC_FAILED, CBC_SEED_KEY, DecryptMacRequest, DecryptMacResponse, FERNET_KEY_TEXT, HMAC_FAILED,
    HMAC_VERIFIED,
};

/// Runs a seed client until the front end disconnects.
///
/// # Errors
/// [`NetError`] when the server cannot be reached or its key is unusable.
pub(crate) async fn run(
    config: ClientConfig,
    commands: mpsc::Receiver<ClientCommand>,
    events: mpsc::Sender<Event>,
) -> Result<(), NetError> {
    let scheme = config.scheme.unwrap_or(Scheme::Fernet);
    let mut client = SeedClient {
        config,
        events,
        seq: 0,
    };
    match scheme {
        Scheme::Fernet => client.fernet(commands).await,
        other => client.per_message(other, commands).await,
    }
}

struct SeedClient {
    config: ClientConfig,
    events: mpsc::Sender<Event>,
    seq: u64,
}

impl SeedClient {
    async fn emit(&self, event: Event) {
        emit(&self.events, event).await;
    }

    async fn connect(&self) -> Result<(TcpStream, Peer), NetError> {
        let addr = self.config.connect.clone();
        let stream = match timeout(
            self.config.limits.connect_timeout,
            TcpStream::connect(&addr),
        )
        .await
        {
            Err(_) => return Err(NetError::ConnectTimeout { addr }),
            Ok(Err(source)) => return Err(NetError::Connect { addr, source }),
            Ok(Ok(stream)) => stream,
        };
        let _ = stream.set_nodelay(true);
        let peer_addr: SocketAddr = stream
            .peer_addr()
            .map_err(|source| NetError::Connect { addr, source })?;
        Ok((
            stream,
            Peer {
                id: self.seq,
                addr: peer_addr,
            },
        ))
    }

    fn pre_shared(&self, scheme: Scheme, fallback: Option<&str>) -> Result<Key, NetError> {
        match (&self.config.key, fallback) {
            (Some(given), _) => Key::parse(scheme, &given.text).map_err(|source| NetError::Key {
                origin: given.origin.clone(),
                source,
            }),
            (None, Some(text)) => Key::parse(scheme, text).map_err(|source| NetError::Key {
                origin: "seed 003's key".into(),
                source,
            }),
            (None, None) => Err(NetError::MissingKey { scheme }),
        }
    }

    fn seal(&self, cipher: &Cipher, plaintext: &[u8]) -> Result<Vec<u8>, String> {
        let nonce = Nonce::fresh_at((self.config.clock)()).map_err(|e| e.to_string())?;
        cipher
            .seal_with(plaintext, &nonce)
            .map_err(|e| e.to_string())
    }

    /// Seeds 000, 003 and 004: each message is its own connection or request.
    async fn per_message(
        &mut self,
        scheme: Scheme,
        mut commands: mpsc::Receiver<ClientCommand>,
    ) -> Result<(), NetError> {
        let key = match scheme {
            Scheme::Cbc => Some(self.pre_shared(scheme, Some(CBC_SEED_KEY))?),
            Scheme::Hmac => Some(self.pre_shared(scheme, None)?),
            _ => None,
        };
        if let Some(key) = &key {
            self.emit(Event::Key {
                key: key.clone(),
                source: KeySource::PreShared,
                exchange: KeyExchange::Psk,
            })
            .await;
        }
        while let Some(ClientCommand::Send(plaintext)) = commands.recv().await {
            self.seq += 1;
            let outcome = match (scheme, &key) {
                (Scheme::Ecb, _) => self.ecb(plaintext).await,
                (Scheme::Cbc, Some(key)) => self.cbc(key, plaintext).await,
                (Scheme::Hmac, Some(key)) => self.hmac(key, plaintext).await,
                _ => Ok(()),
            };
            if let Err(reason) = outcome {
                let peer = Peer {
                    id: self.seq,
                    addr: SocketAddr::from(([0, 0, 0, 0], 0)),
                };
                self.emit(Event::Unsent { peer, reason }).await;
            }
        }
        Ok(())
    }

    /// Seed 000: read the key the server sends, send one ciphertext, close. No reply.
    async fn ecb(&mut self, plaintext: Bytes) -> Result<(), String> {
        let (mut stream, peer) = self.connect().await.map_err(|e| e.to_string())?;
        let raw = read_once(
            &mut stream,
            64,
            self.config.limits.handshake_timeout,
            "the key",
        )
        .await?;
        let key = Key::from_bytes(Scheme::Ecb, raw.clone())
            .map_err(|_| format!("short or odd key read: the server sent {} bytes where a 16-, 24- or 32-byte AES key belongs", raw.len()))?;
        self.emit(Event::Connected {
            peer,
            name: "seed 000 server".into(),
            scheme: Scheme::Ecb,
            listed_as: None,
        })
        .await;
        self.emit(Event::Key {
            key: key.clone(),
            source: KeySource::ReceivedInClear,
            exchange: KeyExchange::Send,
        })
        .await;
        let wire = self.seal(&Cipher::new(&key), &plaintext)?;
        write_all(&mut stream, &wire, self.config.limits.write_timeout).await?;
        let _ = stream.shutdown().await;
        self.emit(Event::Sent {
            peer,
            seq: self.seq,
            plaintext,
            sealed: Bytes::from(wire),
        })
        .await;
        let reason = "sent; seed 000 does not reply".to_owned();
        self.emit(Event::Disconnected {
            peer,
            reason,
            unanswered: 0,
        })
        .await;
        Ok(())
    }

    /// Seed 003: one HTTP request per message.
    async fn cbc(&mut self, key: &Key, plaintext: Bytes) -> Result<(), String> {
        let wire = self.seal(&Cipher::new(key), &plaintext)?;
        let request = DecryptMacRequest::from_wire(&wire);
        let limits = self.config.limits;
        let peer = Peer {
            id: self.seq,
            addr: self
                .config
                .connect
                .parse()
                .unwrap_or(SocketAddr::from(([127, 0, 0, 1], 5000))),
        };
        self.emit(Event::Sent {
            peer,
            seq: self.seq,
            plaintext: plaintext.clone(),
            sealed: Bytes::from(wire),
        })
        .await;
        let (status, body) = http::post_request(
            &self.config.connect,
            &request,
            limits.handshake_timeout,
            limits.max_frame,
        )
        .await?;
        let verdict = match DecryptMacResponse::parse(status, &body)? {
            DecryptMacResponse::Success(mac) => {
                if mac.as_bytes() != plaintext.as_ref() {
                    let message = format!(
                        "the server decrypted {mac:?}, not what was sent: changed in transit, undetected"
                    );
                    self.emit(Event::Error {
                        peer: Some(peer),
                        message,
                    })
                    .await;
                }
                Verdict::Unauthenticated
            }
            // The API says only "Decryption failed"; for a well-formed request that is the padding.
            DecryptMacResponse::Error(message) if message == CBC_FAILED => {
                Verdict::Rejected(Reason::BadPadding)
            }
            DecryptMacResponse::Error(message) => {
                return Err(format!("the server answered HTTP {status}: {message}"));
            }
        };
        self.emit(Event::Verdict {
            peer,
            seq: self.seq,
            verdict,
        })
        .await;
        Ok(())
    }

    /// Seed 004: length, message and tag in three writes; the reply is text.
    async fn hmac(&mut self, key: &Key, plaintext: Bytes) -> Result<(), String> {
        let wire = self.seal(&Cipher::new(key), &plaintext)?;
        let (mut stream, peer) = self.connect().await.map_err(|e| e.to_string())?;
        self.emit(Event::Connected {
            peer,
            name: "seed 004 server".into(),
            scheme: Scheme::Hmac,
            listed_as: None,
        })
        .await;
        let limit = self.config.limits.write_timeout;
        let (header, rest) = wire.split_at(4);
        let (message, tag) = rest.split_at(rest.len() - crate::crypto::TAG);
        for part in [header, message, tag] {
            write_all(&mut stream, part, limit).await?;
        }
        self.emit(Event::Sent {
            peer,
            seq: self.seq,
            plaintext,
            sealed: Bytes::from(wire.clone()),
        })
        .await;
        let reply = read_to_end(
            &mut stream,
            4096,
            self.config.limits.handshake_timeout,
            "the reply",
        )
        .await?;
        let verdict = match String::from_utf8_lossy(&reply).trim() {
            HMAC_VERIFIED => Verdict::Authentic,
            HMAC_FAILED => Verdict::Rejected(Reason::TagMismatch),
            other => {
                return Err(format!(
                    "the server replied {other:?}, which is not one of seed 004's answers"
                ));
            }
        };
        self.emit(Event::Verdict {
            peer,
            seq: self.seq,
            verdict,
        })
        .await;
        self.emit(Event::Disconnected {
            peer,
            reason: "one message per connection, as seed 004".into(),
            unanswered: 0,
        })
        .await;
        Ok(())
    }

    /// Seed 001: read the 44-byte key, then send each token and wait for the reply token.
    async fn fernet(
        &mut self,
        mut commands: mpsc::Receiver<ClientCommand>,
    ) -> Result<(), NetError> {
        let (mut stream, peer) = self.connect().await?;
        let limits = self.config.limits;
        let text = read_exactly(
            &mut stream,
            FERNET_KEY_TEXT,
            limits.handshake_timeout,
            "the Fernet key",
        )
        .await
        .map_err(NetError::Handshake)?;
        let key = Key::parse(Scheme::Fernet, &String::from_utf8_lossy(&text))
            .map_err(|e| NetError::Handshake(format!("the server sent an unusable key: {e}")))?;
        let cipher = Cipher::new(&key);
        self.emit(Event::Connected {
            peer,
            name: "seed 001 server".into(),
            scheme: Scheme::Fernet,
            listed_as: None,
        })
        .await;
        self.emit(Event::Key {
            key,
            source: KeySource::ReceivedInClear,
            exchange: KeyExchange::Send,
        })
        .await;
        let mut reader = TokenReader::default();
        let mut unanswered = 0;
        let reason = loop {
            let Some(ClientCommand::Send(plaintext)) = commands.recv().await else {
                break "goodbye".to_owned();
            };
            self.seq += 1;
            let wire = match self.seal(&cipher, &plaintext) {
                Ok(wire) => wire,
                Err(reason) => break reason,
            };
            if let Err(reason) = write_all(&mut stream, &wire, limits.write_timeout).await {
                break reason;
            }
            self.emit(Event::Sent {
                peer,
                seq: self.seq,
                plaintext,
                sealed: Bytes::from(wire),
            })
            .await;
            match reader
                .next(
                    &mut stream,
                    &cipher,
                    limits.max_frame,
                    limits.handshake_timeout * 3,
                )
                .await
            {
                Ok(Some(token)) => {
                    let opened = cipher.open_with(
                        &token,
                        &OpenOptions {
                            now: (self.config.clock)(),
                            ttl: self.config.ttl,
                        },
                    );
                    // Seed 001's server answers only what it could decrypt: a reply is its verdict.
                    self.emit(Event::Verdict {
                        peer,
                        seq: self.seq,
                        verdict: Verdict::Authentic,
                    })
                    .await;
                    self.emit(Event::Received {
                        peer,
                        seq: self.seq,
                        sealed: Bytes::from(token),
                        opened,
                    })
                    .await;
                }
                Ok(None) => {
                    unanswered = 1;
                    break "the server closed without replying: it could not open the token"
                        .to_owned();
                }
                Err(reason) => {
                    unanswered = 1;
                    break reason;
                }
            }
        };
        self.emit(Event::Disconnected {
            peer,
            reason,
            unanswered,
        })
        .await;
        Ok(())
    }
}
