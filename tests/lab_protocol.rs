//! Hostile bytes against a real lab server on loopback: each mistake gets a specific ERROR and
//! a closed connection, and a well-behaved client on the same server keeps getting verdicts.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use bytes::Bytes;
use cipherlab::crypto::KeyExchange;
use cipherlab::crypto::{Cipher, Scheme, Verdict};
use cipherlab::net::{Event, Limits};
use cipherlab::wire::Frame;
use common::*;

/// Starts a fernet server with one good client connected; returns both.
async fn server_with_good_client() -> (TestServer, TestClient) {
    let mut server = start_server(server_config(Scheme::Fernet, KeyExchange::Send)).await;
    let mut client = start_client(client_config(server.addr, Some(Scheme::Fernet), None));
    wait_for(&mut client.events, "connected", |e| {
        matches!(e, Event::Connected { .. })
    })
    .await;
    wait_for(&mut server.events, "server sees client", |e| {
        matches!(e, Event::Connected { .. })
    })
    .await;
    (server, client)
}

/// The good client still gets an `authentic` verdict.
async fn good_client_still_served(client: &mut TestClient) {
    let verdicts = client.exchange(&["still here?"]).await;
    assert_eq!(verdicts[0].1, Verdict::Authentic);
}

/// Sends `bytes` from a fresh raw connection and returns the ERROR reason it got.
async fn error_for(server: &TestServer, bytes: &[u8]) -> String {
    let mut raw = RawPeer::connect(server.addr).await;
    raw.send_raw(bytes).await;
    let frames = raw.read_until_closed().await;
    error_reason(&frames).unwrap_or_else(|| panic!("no ERROR frame, got {frames:?}"))
}

#[tokio::test]
async fn random_bytes_get_an_error_and_others_keep_working() {
    let (server, mut client) = server_with_good_client().await;
    let reason = error_for(&server, b"\x13\x37garbage that is not a frame at all").await;
    assert!(reason.contains("exceeds the maximum"), "{reason}");
    good_client_still_served(&mut client).await;
}

#[tokio::test]
async fn a_four_gigabyte_length_prefix_is_refused_before_allocating() {
    let (server, mut client) = server_with_good_client().await;
    let reason = error_for(&server, &[0xff, 0xff, 0xff, 0xff, b'H']).await;
    // Before HELLO the cap is a handshake's size, not --max-frame's megabyte.
    assert_eq!(
        reason,
        "frame length 4294967295 exceeds the maximum of 4096 bytes before the handshake \
         (HELLO and WELCOME are small)"
    );
    good_client_still_served(&mut client).await;
}

#[tokio::test]
async fn a_frame_cut_off_midway_is_reported_as_truncated() {
    let (mut server, mut client) = server_with_good_client().await;
    let mut raw = RawPeer::connect(server.addr).await;
    let hello = Frame::Hello(cipherlab::wire::Hello {
        scheme: None,
        name: "cut".into(),
        agreement: None,
    })
    .to_bytes();
    raw.send_raw(&hello[..hello.len() - 3]).await;
    raw.stream.shutdown().await.unwrap();
    let event = wait_for(&mut server.events, "truncation error", |e| {
        matches!(e, Event::Error { .. })
    })
    .await;
    let Event::Error { message, .. } = event else {
        unreachable!()
    };
    assert!(
        message.starts_with("connection closed mid-frame"),
        "{message}"
    );
    good_client_still_served(&mut client).await;
}

#[tokio::test]
async fn data_before_hello_is_refused() {
    let (server, mut client) = server_with_good_client().await;
    let data = Frame::Data {
        seq: 1,
        sealed: Bytes::from_static(b"gAAAAA"),
    }
    .to_bytes();
    assert_eq!(error_for(&server, &data).await, "expected HELLO, got DATA");
    good_client_still_served(&mut client).await;
}

#[tokio::test]
async fn invalid_json_in_a_control_frame_is_named() {
    let (server, mut client) = server_with_good_client().await;
    let body = b"H{\"version\":1,";
    let frame = [&(body.len() as u32).to_be_bytes()[..], body].concat();
    let reason = error_for(&server, &frame).await;
    assert!(
        reason.starts_with("invalid JSON in HELLO frame"),
        "{reason}"
    );
    good_client_still_served(&mut client).await;
}

#[tokio::test]
async fn an_unknown_frame_kind_is_named() {
    let (server, mut client) = server_with_good_client().await;
    assert_eq!(
        error_for(&server, b"\x00\x00\x00\x02Zz").await,
        "unknown frame kind 0x5a"
    );
    good_client_still_served(&mut client).await;
}

#[tokio::test]
async fn hello_with_an_unknown_scheme_is_named() {
    let (server, mut client) = server_with_good_client().await;
    let body = br#"H{"version":1,"scheme":"rot13","name":"eve"}"#;
    let frame = [&(body.len() as u32).to_be_bytes()[..], body].concat();
    assert_eq!(
        error_for(&server, &frame).await,
        "unknown scheme 'rot13' (expected ecb, cbc, fernet, hmac, prefix-mac, gcm or chacha)"
    );
    good_client_still_served(&mut client).await;
}

#[tokio::test]
async fn hello_with_the_wrong_scheme_is_a_mismatch() {
    let (server, mut client) = server_with_good_client().await;
    let hello = Frame::Hello(cipherlab::wire::Hello {
        scheme: Some(Scheme::Ecb),
        name: "eve".into(),
        agreement: None,
    })
    .to_bytes();
    assert_eq!(
        error_for(&server, &hello).await,
        "scheme mismatch: this server speaks fernet, the client asked for ecb"
    );
    good_client_still_served(&mut client).await;
}

#[tokio::test]
async fn an_unknown_kind_after_the_handshake_is_reported_and_the_connection_kept() {
    let (mut server, mut client) = server_with_good_client().await;
    let mut raw = RawPeer::connect(server.addr).await;
    assert!(matches!(raw.hello(None).await, Frame::Welcome(_)));
    // A newer peer's frame kind: an error event, and the conversation goes on.
    raw.send_raw(b"\x00\x00\x00\x03Qxx").await;
    let reported = wait_for(&mut server.events, "the unknown kind reported", |e| {
        matches!(e, Event::Error { message, .. } if message.contains("unknown frame kind 0x51"))
    })
    .await;
    assert!(matches!(reported, Event::Error { peer: Some(_), .. }));
    raw.send(&Frame::Data {
        seq: 1,
        sealed: Bytes::from_static(b"not a token"),
    })
    .await;
    assert!(
        matches!(raw.read_frame().await, Some(Frame::Verdict { seq: 1, .. })),
        "the connection survived the unknown kind"
    );
    good_client_still_served(&mut client).await;
}

#[tokio::test]
async fn every_data_frame_gets_exactly_one_verdict_even_garbage() {
    let server = start_server(server_config(Scheme::Hmac, KeyExchange::Psk)).await;
    let mut raw = RawPeer::connect(server.addr).await;
    raw.hello(Some(Scheme::Hmac)).await;
    let good = Cipher::new(&server.key).seal(b"signed").unwrap();
    for (seq, wire) in [(1, good.clone()), (2, b"short".to_vec()), (3, good)] {
        raw.send(&Frame::Data {
            seq,
            sealed: Bytes::from(wire),
        })
        .await;
    }
    let mut verdicts = vec![];
    for _ in 0..3 {
        match raw.read_frame().await {
            Some(Frame::Verdict { seq, verdict }) => verdicts.push((seq, verdict.to_string())),
            other => panic!("expected VERDICT, got {other:?}"),
        }
    }
    assert_eq!(
        verdicts,
        [
            (1, "authentic".to_owned()),
            (2, "rejected: too short".to_owned()),
            (3, "authentic".to_owned())
        ]
    );
}

#[tokio::test]
async fn one_client_over_max_clients_gets_server_full() {
    let mut config = server_config(Scheme::Ecb, KeyExchange::Send);
    config.limits = Limits {
        max_clients: 2,
        ..Limits::default()
    };
    let server = start_server(config).await;
    let mut first = RawPeer::connect(server.addr).await;
    let mut second = RawPeer::connect(server.addr).await;
    first.hello(None).await;
    second.hello(None).await;
    let mut third = RawPeer::connect(server.addr).await;
    let frames = third.read_until_closed().await;
    assert_eq!(
        error_reason(&frames).as_deref(),
        Some("server full: 2 clients connected (--max-clients)")
    );
    drop(first);
    // A slot frees up once the first client is gone.
    let mut later = None;
    for _ in 0..50 {
        let mut again = RawPeer::connect(server.addr).await;
        again
            .send(&Frame::Hello(cipherlab::wire::Hello {
                scheme: None,
                name: "late".into(),
                agreement: None,
            }))
            .await;
        if let Some(Frame::Welcome(_)) = again.read_frame().await {
            later = Some(again);
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(later.is_some(), "the freed slot was never reused");
}

#[tokio::test(start_paused = true)]
async fn a_silent_connection_is_closed_by_the_handshake_timeout() {
    let mut config = server_config(Scheme::Fernet, KeyExchange::Send);
    config.limits.handshake_timeout = Duration::from_secs(3);
    let server = start_server(config).await;
    let mut client = start_client(client_config(server.addr, None, None));
    let mut silent = RawPeer::connect(server.addr).await;
    // Time is paused: the runtime jumps ahead to the timeout as soon as every task is idle.
    let frames = silent.read_until_closed().await;
    let reason = error_reason(&frames).unwrap();
    assert!(reason.starts_with("no HELLO within 3 s"), "{reason}");
    good_client_still_served(&mut client).await;
}

use tokio::io::AsyncWriteExt as _;

#[tokio::test]
async fn a_server_for_one_client_says_so_in_the_singular() {
    let mut config = server_config(Scheme::Ecb, KeyExchange::Send);
    config.limits = Limits {
        max_clients: 1,
        ..Limits::default()
    };
    let server = start_server(config).await;
    let mut first = RawPeer::connect(server.addr).await;
    first.hello(None).await;
    let mut second = RawPeer::connect(server.addr).await;
    let frames = second.read_until_closed().await;
    assert_eq!(
        error_reason(&frames).as_deref(),
        Some("server full: 1 client connected (--max-clients)")
    );
}

#[tokio::test]
async fn an_unknown_kind_before_welcome_is_reported_and_the_handshake_goes_on() {
    use futures_util::{SinkExt, StreamExt};
    use tokio::io::AsyncWriteExt;
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    // A newer server: a frame of a kind this client does not know, then its WELCOME.
    let server = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.unwrap();
        let mut framed =
            tokio_util::codec::Framed::new(stream, cipherlab::wire::LabCodec::for_handshake());
        assert!(matches!(framed.next().await, Some(Ok(Frame::Hello(_)))));
        framed
            .get_mut()
            .write_all(b"\x00\x00\x00\x03Qxx")
            .await
            .unwrap();
        let welcome = Frame::Welcome(cipherlab::wire::Welcome {
            scheme: Scheme::Hmac,
            key_exchange: KeyExchange::Psk,
            key: None,
            agreement: None,
            name: None,
        });
        framed.send(welcome).await.unwrap();
        // Held open until the client has connected.
        let _ = framed.next().await;
    });
    let key = cipherlab::crypto::Key::generate(Scheme::Hmac).unwrap();
    let mut client = start_client(client_config(addr, Some(Scheme::Hmac), Some(&key)));
    wait_for(&mut client.events, "connected", |e| {
        matches!(e, Event::Connected { .. })
    })
    .await;
    wait_for(&mut client.events, "the unknown kind reported", |e| {
        matches!(e, Event::Error { message, .. }
            if message.contains("unknown frame kind 0x51") && message.contains("before WELCOME"))
    })
    .await;
    client
        .commands
        .send(cipherlab::net::ClientCommand::Disconnect)
        .await
        .unwrap();
    let _ = client.task.await;
    let _ = server.await;
}
