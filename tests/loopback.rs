//! Server and clients on real loopback sockets: every scheme under both key exchanges, several
//! clients at once, replies from the server, wrong keys, TTL expiry and graceful shutdown.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use bytes::Bytes;
use cipherlab::crypto::KeyExchange;
use cipherlab::crypto::{Key, KeySource, Reason, Scheme, Verdict};
use cipherlab::net::{ClientCommand, Event, ServerCommand};
use common::*;

fn expected_verdict(scheme: Scheme) -> Verdict {
    if scheme.has_integrity() {
        Verdict::Authentic
    } else {
        Verdict::Unauthenticated
    }
}

#[tokio::test]
async fn every_scheme_and_key_exchange_with_three_clients_at_once() {
    for scheme in Scheme::ALL {
        for exchange in [KeyExchange::Send, KeyExchange::Psk] {
            let mut server = start_server(server_config(scheme, exchange)).await;
            let shared = (exchange == KeyExchange::Psk).then_some(&server.key);
            let mut clients: Vec<TestClient> = (0..3)
                .map(|_| start_client(client_config(server.addr, None, shared)))
                .collect();
            let mut runs = vec![];
            for (i, mut client) in clients.drain(..).enumerate() {
                runs.push(tokio::spawn(async move {
                    let key = wait_for(&mut client.events, "key", |e| {
                        matches!(e, Event::Key { .. })
                    })
                    .await;
                    let messages = [
                        format!("client {i} says hi"),
                        format!("client {i}: YELLOW SUBMARINEYELLOW SUBMARINE"),
                    ];
                    let refs: Vec<&str> = messages.iter().map(String::as_str).collect();
                    (key, client.exchange(&refs).await)
                }));
            }
            let mut received = 0;
            for run in runs {
                let (key, verdicts) = run.await.unwrap();
                let Event::Key { source, key, .. } = key else {
                    unreachable!()
                };
                let expected_source = if exchange == KeyExchange::Send {
                    KeySource::ReceivedInClear
                } else {
                    KeySource::PreShared
                };
                assert_eq!(source, expected_source, "{scheme}/{exchange:?}");
                assert_eq!(
                    key.fingerprint(),
                    server.key.fingerprint(),
                    "{scheme}/{exchange:?}: same key"
                );
                assert!(
                    verdicts.iter().all(|(_, v)| *v == expected_verdict(scheme)),
                    "{scheme}: {verdicts:?}"
                );
                assert_eq!(verdicts.len(), 2);
            }
            while received < 6 {
                if let Event::Received { opened, .. } =
                    wait_for(&mut server.events, "received", |e| {
                        matches!(e, Event::Received { .. })
                    })
                    .await
                {
                    let text = String::from_utf8(opened.plaintext.unwrap()).unwrap();
                    assert!(text.starts_with("client "), "{text}");
                    received += 1;
                }
            }
        }
    }
}

#[tokio::test]
async fn the_server_replies_to_one_client_and_it_opens_the_reply() {
    let mut server = start_server(server_config(Scheme::Fernet, KeyExchange::Send)).await;
    let mut client = start_client(client_config(server.addr, None, None));
    let connected = wait_for(&mut server.events, "connected", |e| {
        matches!(e, Event::Connected { .. })
    })
    .await;
    let Event::Connected { peer, .. } = connected else {
        unreachable!()
    };
    server
        .commands
        .send(ServerCommand::Send {
            to: peer.id,
            plaintext: Bytes::from("i am good"),
        })
        .await
        .unwrap();
    let event = wait_for(&mut client.events, "reply", |e| {
        matches!(e, Event::Received { .. })
    })
    .await;
    let Event::Received { opened, .. } = event else {
        unreachable!()
    };
    assert_eq!(opened.verdict, Verdict::Authentic);
    assert_eq!(opened.plaintext.as_deref(), Some(&b"i am good"[..]));
    let event = wait_for(&mut server.events, "client's verdict", |e| {
        matches!(e, Event::Verdict { .. })
    })
    .await;
    assert!(
        matches!(
            event,
            Event::Verdict {
                seq: 1,
                verdict: Verdict::Authentic,
                ..
            }
        ),
        "{event:?}"
    );
}

#[tokio::test]
async fn a_client_with_the_wrong_pre_shared_key_is_rejected_message_by_message() {
    let server = start_server(server_config(Scheme::Fernet, KeyExchange::Psk)).await;
    let wrong = Key::generate(Scheme::Fernet).unwrap();
    let mut client = start_client(client_config(
        server.addr,
        Some(Scheme::Fernet),
        Some(&wrong),
    ));
    let verdicts = client.exchange(&["Hello, World!"]).await;
    assert_eq!(verdicts[0].1, Verdict::Rejected(Reason::TagMismatch));
}

#[tokio::test]
async fn a_client_without_a_key_for_a_psk_server_says_so() {
    let server = start_server(server_config(Scheme::Hmac, KeyExchange::Psk)).await;
    let client = start_client(client_config(server.addr, None, None));
    let err = client.task.await.unwrap().unwrap_err();
    assert!(err.to_string().contains("SHARED_SECRET_KEY"), "{err}");
}

#[tokio::test]
async fn fernet_ttl_expires_old_tokens_by_the_servers_clock() {
    let now = Arc::new(AtomicU64::new(cipherlab::crypto::unix_now()));
    let mut config = server_config(Scheme::Fernet, KeyExchange::Send);
    config.ttl = Some(1);
    let clock = now.clone();
    config.clock = Arc::new(move || clock.load(Ordering::SeqCst));
    let server = start_server(config).await;
    let mut client = start_client(client_config(server.addr, None, None));
    assert_eq!(client.exchange(&["fresh"]).await[0].1, Verdict::Authentic);
    now.fetch_add(120, Ordering::SeqCst);
    assert_eq!(
        client.exchange(&["stale"]).await[0].1,
        Verdict::Rejected(Reason::TokenExpired)
    );
}

#[tokio::test]
async fn shutdown_says_bye_to_every_client_and_returns() {
    let server = start_server(server_config(Scheme::Cbc, KeyExchange::Send)).await;
    let mut clients: Vec<TestClient> = (0..5)
        .map(|_| start_client(client_config(server.addr, None, None)))
        .collect();
    for client in &mut clients {
        client.exchange(&["before shutdown"]).await;
    }
    server.commands.send(ServerCommand::Shutdown).await.unwrap();
    tokio::time::timeout(DEADLINE, server.task)
        .await
        .expect("server stops")
        .unwrap();
    for client in &mut clients {
        let event = wait_for(&mut client.events, "bye", |e| {
            matches!(e, Event::Disconnected { .. })
        })
        .await;
        let Event::Disconnected {
            reason, unanswered, ..
        } = event
        else {
            unreachable!()
        };
        assert_eq!(reason, "peer said BYE: server shutting down");
        assert_eq!(unanswered, 0);
    }
}

#[tokio::test]
async fn a_client_that_disconnects_says_bye() {
    let mut server = start_server(server_config(Scheme::Ecb, KeyExchange::Send)).await;
    let mut client = start_client(client_config(server.addr, None, None));
    client.exchange(&["one"]).await;
    client
        .commands
        .send(ClientCommand::Disconnect)
        .await
        .unwrap();
    let event = wait_for(&mut server.events, "disconnect", |e| {
        matches!(e, Event::Disconnected { .. })
    })
    .await;
    let Event::Disconnected { reason, .. } = event else {
        unreachable!()
    };
    assert_eq!(reason, "peer said BYE: goodbye");
    assert!(client.task.await.unwrap().is_ok());
}
