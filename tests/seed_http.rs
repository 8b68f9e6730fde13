//! The seed-wire HTTP server (seed 003, cbc) and the seed wire's "server full" refusal, on
//! real loopback sockets: connections are bounded (idle keep-alive sockets count), headers
//! and bodies have deadlines, an oversized `Content-Length` is refused from the header, and a
//! full seed server refuses in the seed's words, never with a lab frame.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use cipherlab::crypto::{Cipher, Key, KeyExchange, Scheme};
use cipherlab::net::{Event, Limits, MitmConfig};
use cipherlab::wire::LabCodec;
use cipherlab::wire::seed::{CBC_SEED_KEY, DecryptMacRequest, HMAC_FAILED, Protocol};
use common::{DEADLINE, TestServer, server_config, start_mitm_with, start_server, wait_for};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Decoder;

/// The plaintext seed 003's client sends: a MAC address.
const MAC: &str = "00:1a:2b:3c:4d:5e";

/// A seed 003 server (cbc, its hard-coded key) under `limits`.
async fn cbc_server(limits: Limits) -> TestServer {
    let mut config = server_config(Scheme::Cbc, KeyExchange::Psk);
    config.protocol = Protocol::Seed;
    config.key = Key::parse(Scheme::Cbc, CBC_SEED_KEY).unwrap();
    config.limits = limits;
    start_server(config).await
}

/// Seed 003's request for [`MAC`], as its client sends it: JSON with base64 salt and ciphertext.
fn seed_request_body() -> Vec<u8> {
    let key = Key::parse(Scheme::Cbc, CBC_SEED_KEY).unwrap();
    let wire = Cipher::new(&key).seal(MAC.as_bytes()).unwrap();
    serde_json::to_vec(&DecryptMacRequest::from_wire(&wire)).unwrap()
}

/// The request line and headers of a `POST /decrypt-mac` whose body is `length` bytes.
fn head(addr: SocketAddr, length: u64) -> String {
    format!(
        "POST /decrypt-mac HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: {length}\r\n\r\n"
    )
}

/// Reads one HTTP response (status and body, by its `Content-Length`) within `limit`.
async fn read_response(stream: &mut TcpStream, limit: Duration) -> (u16, String) {
    timeout(limit, async {
        let mut buf = Vec::new();
        loop {
            if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
                let text = String::from_utf8_lossy(&buf[..end]).into_owned();
                let status: u16 = text.split(' ').nth(1).unwrap().parse().unwrap();
                let length: usize = text
                    .lines()
                    .find_map(|line| {
                        let (name, value) = line.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if buf.len() >= end + 4 + length {
                    let body = String::from_utf8_lossy(&buf[end + 4..end + 4 + length]);
                    return (status, body.into_owned());
                }
            }
            let mut chunk = [0u8; 4096];
            let n = stream.read(&mut chunk).await.unwrap();
            assert!(n > 0, "closed before a whole response: {buf:?}");
            buf.extend_from_slice(&chunk[..n]);
        }
    })
    .await
    .expect("no response in time")
}

/// Whether the server closes `stream` within `limit` (end of stream or a reset), without
/// sending anything first.
async fn closed_within(stream: &mut TcpStream, limit: Duration) -> Option<Vec<u8>> {
    let mut got = Vec::new();
    timeout(limit, async {
        let mut chunk = [0u8; 1024];
        loop {
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
    })
    .await
    .ok()
    .map(|()| got)
}

#[tokio::test]
async fn idle_keep_alive_sockets_beyond_max_clients_are_refused_and_an_admitted_one_is_answered() {
    let limits = Limits {
        max_clients: 2,
        ..Limits::default()
    };
    let server = cbc_server(limits).await;
    // Two admitted connections: one that stays idle, one that will ask.
    let _idle = TcpStream::connect(server.addr).await.unwrap();
    let mut asker = TcpStream::connect(server.addr).await.unwrap();
    // Give the accept loop the two before the crowd arrives.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut crowd = Vec::new();
    for _ in 0..20 {
        crowd.push(TcpStream::connect(server.addr).await.unwrap());
    }
    for (i, extra) in crowd.iter_mut().enumerate() {
        let sent = closed_within(extra, Duration::from_secs(2))
            .await
            .unwrap_or_else(|| panic!("idle socket {i} beyond --max-clients 2 was held open"));
        assert!(
            sent.is_empty(),
            "a refused socket is closed unread: {sent:?}"
        );
    }
    let body = seed_request_body();
    asker
        .write_all(head(server.addr, body.len() as u64).as_bytes())
        .await
        .unwrap();
    asker.write_all(&body).await.unwrap();
    let (status, answer) = read_response(&mut asker, DEADLINE).await;
    assert_eq!(status, 200, "{answer}");
    assert!(answer.contains(MAC), "{answer}");
}

#[tokio::test]
async fn headers_that_never_finish_and_an_idle_keep_alive_socket_are_closed_after_the_header_timeout()
 {
    let limits = Limits {
        handshake_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = cbc_server(limits).await;
    let started = Instant::now();
    let mut dribbler = TcpStream::connect(server.addr).await.unwrap();
    dribbler
        .write_all(b"POST /decrypt-mac HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut quiet = TcpStream::connect(server.addr).await.unwrap();
    assert!(
        closed_within(&mut dribbler, Duration::from_secs(3))
            .await
            .is_some(),
        "unfinished headers kept the connection open"
    );
    assert!(
        closed_within(&mut quiet, Duration::from_secs(3))
            .await
            .is_some(),
        "an idle keep-alive connection was kept open"
    );
    assert!(
        started.elapsed() >= Duration::from_millis(250),
        "closed before the header timeout: {:?}",
        started.elapsed()
    );
}

#[tokio::test]
async fn a_huge_content_length_is_refused_from_the_header_before_any_body_is_sent() {
    let server = cbc_server(Limits::default()).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    // Only the headers: a response can come only from the header itself.
    stream
        .write_all(head(server.addr, 1_000_000_000_000).as_bytes())
        .await
        .unwrap();
    let started = Instant::now();
    let (status, body) = read_response(&mut stream, Duration::from_secs(2)).await;
    println!("413 after {:?}", started.elapsed());
    assert_eq!(status, 413, "{body}");
    let json: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(json["status"], "error", "seed 003's error shape: {body}");
    assert!(json["message"].as_str().unwrap().contains("1000000000000"));
    assert!(
        closed_within(&mut stream, Duration::from_secs(2))
            .await
            .is_some(),
        "the connection is closed after the refusal"
    );
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_refused_after_the_body_timeout() {
    let limits = Limits {
        frame_timeout: Duration::from_millis(300),
        ..Limits::default()
    };
    let server = cbc_server(limits).await;
    let mut stream = TcpStream::connect(server.addr).await.unwrap();
    stream
        .write_all(head(server.addr, 100).as_bytes())
        .await
        .unwrap();
    stream.write_all(b"{\"salt\":").await.unwrap();
    let (status, body) = read_response(&mut stream, Duration::from_secs(3)).await;
    assert_eq!(status, 408, "{body}");
    assert!(body.contains("\"status\":\"error\""), "{body}");
}

#[tokio::test]
async fn the_cbc_relay_bounds_its_connections_as_the_server_does() {
    let upstream = cbc_server(Limits::default()).await;
    let limits = Limits {
        max_clients: 1,
        ..Limits::default()
    };
    let relay = start_mitm_with(MitmConfig {
        protocol: Protocol::Seed,
        scheme: Some(Scheme::Cbc),
        upstream: upstream.addr.to_string(),
        plan: vec![],
        intercept: false,
        oracle: None,
        known: Vec::new(),
        limits,
    })
    .await;
    let mut admitted = TcpStream::connect(relay.addr).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let mut extra = TcpStream::connect(relay.addr).await.unwrap();
    assert!(
        closed_within(&mut extra, Duration::from_secs(2))
            .await
            .is_some(),
        "the relay held a socket beyond --max-clients 1"
    );
    admitted
        .write_all(head(relay.addr, 1_000_000_000_000).as_bytes())
        .await
        .unwrap();
    let (status, _) = read_response(&mut admitted, Duration::from_secs(2)).await;
    assert_eq!(
        status, 413,
        "the relay refuses a huge Content-Length from the header"
    );
}

/// Fills a seed server for `scheme` (one client) and returns what the next connection reads.
async fn refused_bytes(scheme: Scheme) -> Vec<u8> {
    let mut config = server_config(scheme, KeyExchange::Psk);
    config.protocol = Protocol::Seed;
    config.limits = Limits {
        max_clients: 1,
        ..Limits::default()
    };
    let mut server = start_server(config).await;
    let _first = TcpStream::connect(server.addr).await.unwrap();
    wait_for(&mut server.events, "the first connection", |e| {
        matches!(e, Event::Connected { .. })
    })
    .await;
    let mut second = TcpStream::connect(server.addr).await.unwrap();
    closed_within(&mut second, DEADLINE)
        .await
        .expect("the refused connection is closed")
}

#[tokio::test]
async fn a_full_seed_server_refuses_in_the_seeds_words_not_with_a_lab_frame() {
    let hmac = refused_bytes(Scheme::Hmac).await;
    assert_eq!(
        hmac,
        HMAC_FAILED.as_bytes(),
        "seed 004's failure reply, as its client reads it"
    );
    let mut buf = bytes::BytesMut::from(&hmac[..]);
    assert!(
        !matches!(LabCodec::default().decode(&mut buf), Ok(Some(_))),
        "not a lab frame"
    );
    for scheme in [Scheme::Ecb, Scheme::Fernet] {
        let bytes = refused_bytes(scheme).await;
        assert!(
            bytes.is_empty(),
            "{scheme}: the seed reads the first bytes as its key, so a refusal sends none: {bytes:?}"
        );
    }
}
