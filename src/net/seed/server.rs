//! The seed server for ecb (000), fernet (001) and hmac (004): one connection at a time per
//! task, as many tasks as `--max-clients` allows.

use std::time::Duration;

use bytes::Bytes;
use tokio::net::TcpStream;
use tokio::sync::mpsc;
use tokio_util::sync::CancellationToken;

use super::io::{TokenReader, close_gently, early_bytes, read_exactly, read_to_end, write_all};
use crate::crypto::{Cipher, Nonce, OpenOptions, Scheme, Verdict};
use crate::net::config::ServerConfig;
use crate::net::event::{ClientCommand, Event, Peer};
use crate::net::session::emit;
use crate::wire::seed::{HMAC_FAILED, HMAC_TAG, HMAC_VERIFIED, hmac_length};

/// How long the server listens for a client that talks before reading the key (seed 002).
const EARLY_GRACE: Duration = Duration::from_millis(60);

/// How long a seed client may keep a conversation idle.
const IDLE: Duration = Duration::from_secs(300);

/// Serves one seed client.
pub(crate) async fn serve(
    mut stream: TcpStream,
    peer: Peer,
    config: ServerConfig,
    events: mpsc::Sender<Event>,
    commands: mpsc::Receiver<ClientCommand>,
    stop: CancellationToken,
) {
    let _ = stream.set_nodelay(true);
    let name = format!("seed {} client", config.scheme);
    emit(
        &events,
        Event::Connected {
            peer,
            name,
            scheme: config.scheme,
            listed_as: None,
        },
    )
    .await;
    let cipher = Cipher::new(&config.key);
    let result = tokio::select! {
        result = async {
            match config.scheme {
                Scheme::Ecb => ecb(&mut stream, peer, &config, &cipher, &events).await,
                Scheme::Fernet => fernet(&mut stream, peer, &config, &cipher, &events, commands).await,
                Scheme::Hmac => hmac(&mut stream, peer, &config, &cipher, &events).await,
                Scheme::Cbc => Err("seed 003 is served over HTTP".to_owned()),
                other => Err(format!("no seed program speaks {other}")),
            }
        } => result,
        () = stop.cancelled() => Ok("server shutting down".to_owned()),
    };
    let reason = match result {
        Ok(reason) => reason,
        Err(reason) => {
            tracing::warn!(%peer, %reason, "seed client failed");
            emit(
                &events,
                Event::Error {
                    peer: Some(peer),
                    message: reason.clone(),
                },
            )
            .await;
            reason
        }
    };
    close_gently(&mut stream).await;
    emit(
        &events,
        Event::Disconnected {
            peer,
            reason,
            unanswered: 0,
        },
    )
    .await;
}

/// What a seed client refused for a full server (`--max-clients`) is sent before the close:
/// the seed's own words for a failure, never a lab frame, which seeds 000 and 001 would take
/// for their key and seed 004 for its reply. Seed 004 has a failure reply, so it gets that;
/// seeds 000 and 001 have none, so the close alone says it. (Seed 003 is refused by the HTTP
/// server, `http.rs`.)
pub(crate) fn refusal(scheme: Scheme) -> Vec<u8> {
    match scheme {
        Scheme::Hmac => HMAC_FAILED.as_bytes().to_vec(),
        _ => Vec::new(),
    }
}

fn options(config: &ServerConfig) -> OpenOptions {
    OpenOptions {
        now: (config.clock)(),
        ttl: config.ttl,
    }
}

/// Seed 000: send the raw key, read one ciphertext until the client closes; no reply.
async fn ecb(
    stream: &mut TcpStream,
    peer: Peer,
    config: &ServerConfig,
    cipher: &Cipher,
    events: &mpsc::Sender<Event>,
) -> Result<String, String> {
    let limits = &config.limits;
    write_all(stream, config.key.as_bytes(), limits.write_timeout).await?;
    let wire = read_to_end(
        stream,
        limits.max_frame,
        limits.handshake_timeout,
        "the ciphertext",
    )
    .await?;
    if wire.is_empty() {
        return Ok("the client closed without sending a message".to_owned());
    }
    let opened = cipher.open_with(&wire, &options(config));
    tracing::info!(%peer, bytes = wire.len(), verdict = %opened.verdict, "verification result");
    emit(
        events,
        Event::Received {
            peer,
            seq: 1,
            sealed: Bytes::from(wire),
            opened,
        },
    )
    .await;
    Ok("one message, as seed 000".to_owned())
}

/// Seed 001: send the raw 44-byte key, then answer each token with a token until the client
/// closes. A token that does not open ends the conversation, as it ends seed 001's server.
async fn fernet(
    stream: &mut TcpStream,
    peer: Peer,
    config: &ServerConfig,
    cipher: &Cipher,
    events: &mpsc::Sender<Event>,
    mut commands: mpsc::Receiver<ClientCommand>,
) -> Result<String, String> {
    let limits = &config.limits;
    let mut reader = TokenReader::default();
    reader.prefill(&early_bytes(stream, EARLY_GRACE, limits.max_frame).await);
    // A client that already left cannot take the key; its token is still read below.
    let _ = write_all(
        stream,
        config.key.to_text().as_bytes(),
        limits.write_timeout,
    )
    .await;
    let (mut received, mut replied) = (0u64, 0u64);
    loop {
        let token = tokio::select! {
            token = reader.next(stream, cipher, limits.max_frame, IDLE) => token?,
            command = commands.recv() => match command {
                Some(ClientCommand::Send(plaintext)) => {
                    replied += 1;
                    reply(stream, peer, config, cipher, events, replied, plaintext).await?;
                    continue;
                }
                // The seed protocols have no frames for wire bytes, answers or notices.
                Some(ClientCommand::SendWire(_) | ClientCommand::Answer(_) | ClientCommand::Notice(_)) => continue,
                Some(ClientCommand::Disconnect) | None => return Ok("closed by the server's operator".to_owned()),
            },
        };
        let Some(token) = token else {
            return Ok("the client closed the connection".to_owned());
        };
        received += 1;
        let opened = cipher.open_with(&token, &options(config));
        let verdict = opened.verdict.clone();
        tracing::info!(%peer, seq = received, verdict = %verdict, "verification result");
        let answer = match (&config.auto_reply, &opened.plaintext) {
            (Some(reply), Some(text)) => Some(Bytes::from(reply.to(text))),
            _ => None,
        };
        emit(
            events,
            Event::Received {
                peer,
                seq: received,
                sealed: Bytes::from(token),
                opened,
            },
        )
        .await;
        if !verdict.is_accepted() {
            return Ok(format!(
                "the token was {verdict}; seed 001's server stops here too"
            ));
        }
        if let Some(answer) = answer {
            replied += 1;
            reply(stream, peer, config, cipher, events, replied, answer).await?;
        }
    }
}

async fn reply(
    stream: &mut TcpStream,
    peer: Peer,
    config: &ServerConfig,
    cipher: &Cipher,
    events: &mpsc::Sender<Event>,
    seq: u64,
    plaintext: Bytes,
) -> Result<(), String> {
    let nonce = Nonce::fresh_at((config.clock)()).map_err(|e| e.to_string())?;
    let token = cipher
        .seal_with(&plaintext, &nonce)
        .map_err(|e| e.to_string())?;
    write_all(stream, &token, config.limits.write_timeout).await?;
    tracing::info!(%peer, seq, bytes = token.len(), "message sent");
    emit(
        events,
        Event::Sent {
            peer,
            seq,
            plaintext,
            sealed: Bytes::from(token),
        },
    )
    .await;
    Ok(())
}

/// Seed 004: a 4-byte length, the message, a 32-byte tag; reply in words and close.
async fn hmac(
    stream: &mut TcpStream,
    peer: Peer,
    config: &ServerConfig,
    cipher: &Cipher,
    events: &mpsc::Sender<Event>,
) -> Result<String, String> {
    let limits = &config.limits;
    let wait = limits.handshake_timeout;
    let header = read_exactly(stream, 4, wait, "the length").await?;
    let claimed = hmac_length([header[0], header[1], header[2], header[3]]) as usize;
    if claimed > limits.max_frame {
        // Refused before allocating; the seed has a reply for a message that does not verify.
        write_all(stream, HMAC_FAILED.as_bytes(), limits.write_timeout).await?;
        return Err(format!(
            "the length field claims {claimed} bytes, over the {}-byte limit",
            limits.max_frame
        ));
    }
    let body = match read_exactly(stream, claimed + HMAC_TAG, wait, "the message and tag").await {
        Ok(body) => body,
        Err(reason) => {
            write_all(stream, HMAC_FAILED.as_bytes(), limits.write_timeout).await?;
            return Err(format!("{reason} (the length field claimed {claimed})"));
        }
    };
    let wire = [header, body].concat();
    let opened = cipher.open_with(&wire, &options(config));
    let words = if opened.verdict == Verdict::Authentic {
        HMAC_VERIFIED
    } else {
        HMAC_FAILED
    };
    tracing::info!(%peer, bytes = wire.len(), verdict = %opened.verdict, "verification result");
    emit(
        events,
        Event::Received {
            peer,
            seq: 1,
            sealed: Bytes::from(wire),
            opened,
        },
    )
    .await;
    write_all(stream, words.as_bytes(), limits.write_timeout).await?;
    Ok("one message, as seed 004".to_owned())
}
