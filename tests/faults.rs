//! Faults on real loopback sockets, each while well-behaved clients keep exchanging messages:
//! afterwards every one of their messages must have its verdict, counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use cipherlab::crypto::KeyExchange;
use cipherlab::crypto::Scheme;
use cipherlab::net::{ClientCommand, Event, Limits};
use cipherlab::wire::{Frame, Hello};
use common::process::Proc;
use common::*;
use tokio::io::AsyncWriteExt;
use tokio::task::JoinHandle;

const GOOD_CLIENTS: usize = 4;
const GOOD_MESSAGES: usize = 25;

/// Well-behaved clients, each sending its messages one at a time; each task returns how many
/// accepting verdicts it got.
fn chatter(addr: SocketAddr) -> Vec<JoinHandle<usize>> {
    let (_, hold) = tokio::sync::watch::channel(true);
    chatter_holding(addr, hold)
}

/// Good clients that talk, then keep their connections (and so their slots) until `hold`
/// says `true`.
fn chatter_holding(
    addr: SocketAddr,
    hold: tokio::sync::watch::Receiver<bool>,
) -> Vec<JoinHandle<usize>> {
    (0..GOOD_CLIENTS)
        .map(|i| {
            let mut hold = hold.clone();
            tokio::spawn(async move {
                let mut client = start_client(client_config(addr, None, None));
                let mut verdicts = 0;
                for m in 0..GOOD_MESSAGES {
                    let text = format!("client {i} message {m}");
                    verdicts += client
                        .exchange(&[&text])
                        .await
                        .iter()
                        .filter(|(_, v)| v.is_accepted())
                        .count();
                }
                let _ = hold.wait_for(|released| *released).await;
                drop(client);
                verdicts
            })
        })
        .collect()
}

async fn all_answered(chatter: Vec<JoinHandle<usize>>) {
    for task in chatter {
        assert_eq!(
            task.await.unwrap(),
            GOOD_MESSAGES,
            "a well-behaved client lost a verdict"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_killed_mid_frame() {
    let mut server = start_server(server_config(Scheme::Fernet, KeyExchange::Send)).await;
    let good = chatter(server.addr);
    for _ in 0..5 {
        let mut raw = RawPeer::connect(server.addr).await;
        raw.hello(None).await;
        let frame = Frame::Data {
            seq: 1,
            sealed: Bytes::from(vec![b'g'; 500]),
        }
        .to_bytes();
        raw.send_raw(&frame[..200]).await;
        drop(raw);
    }
    let error = wait_for(
        &mut server.events,
        "mid-frame error",
        |e| matches!(e, Event::Error { message, .. } if message.contains("mid-frame")),
    )
    .await;
    assert!(matches!(error, Event::Error { .. }));
    all_answered(good).await;
}

#[tokio::test(start_paused = true)]
async fn a_client_that_never_says_hello_is_closed_by_the_handshake_timeout() {
    // Shorter than the test's own 10 s read deadline, which paused time would otherwise race.
    let mut config = server_config(Scheme::Cbc, KeyExchange::Send);
    config.limits = Limits {
        handshake_timeout: Duration::from_secs(3),
        ..Limits::default()
    };
    let server = start_server(config).await;
    let good = chatter(server.addr);
    let mut silent = RawPeer::connect(server.addr).await;
    let reason = error_reason(&silent.read_until_closed().await).unwrap();
    assert!(reason.starts_with("no HELLO within 3 s"), "{reason}");
    all_answered(good).await;
}

/// Sends the first 20 bytes of a DATA frame one a second, as a slowloris does.
async fn dribble(slow: &mut RawPeer) {
    let frame = Frame::Data {
        seq: 1,
        sealed: Bytes::from(vec![1u8; 100]),
    }
    .to_bytes();
    for byte in frame.iter().take(20) {
        if slow.stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    }
}

#[tokio::test(start_paused = true)]
async fn a_slowloris_sending_a_byte_a_second_is_cut_off() {
    let mut config = server_config(Scheme::Hmac, KeyExchange::Send);
    config.limits = Limits {
        frame_timeout: Duration::from_secs(5),
        ..Limits::default()
    };
    let server = start_server(config).await;
    let good = chatter(server.addr);
    let mut slow = RawPeer::connect(server.addr).await;
    slow.send(&Frame::Hello(Hello {
        scheme: None,
        name: "slowloris".into(),
        agreement: None,
    }))
    .await;
    assert!(matches!(slow.read_frame().await, Some(Frame::Welcome(_))));
    dribble(&mut slow).await;
    let reason = error_reason(&slow.read_until_closed().await).unwrap();
    assert!(reason.contains("sending too slowly"), "{reason}");
    all_answered(good).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_connection_over_max_clients_is_refused_while_the_others_talk() {
    let mut config = server_config(Scheme::Ecb, KeyExchange::Send);
    config.limits = Limits {
        max_clients: GOOD_CLIENTS,
        ..Limits::default()
    };
    let server = start_server(config).await;
    // The good clients keep their slots until the extra one has been turned away: a client
    // that finished early would free a slot, and the extra one would be let in.
    let (release, hold) = tokio::sync::watch::channel(false);
    let good = chatter_holding(server.addr, hold);
    // Wait until the good clients hold every slot.
    let mut server_events = server.events;
    for _ in 0..GOOD_CLIENTS {
        wait_for(&mut server_events, "a good client", |e| {
            matches!(e, Event::Connected { .. })
        })
        .await;
    }
    let mut extra = RawPeer::connect(server.addr).await;
    let frames = extra.read_until_closed().await;
    assert_eq!(
        error_reason(&frames).as_deref(),
        Some("server full: 4 clients connected (--max-clients)")
    );
    release.send_replace(true);
    all_answered(good).await;
}

#[tokio::test(start_paused = true)]
async fn a_peer_that_never_reads_is_closed_without_growing_memory() {
    // The server echoes every message, so a peer that never reads fills the socket buffers
    // and the server's writes stall; it must give up rather than buffer without end.
    let mut config = server_config(Scheme::Hmac, KeyExchange::Send);
    config.auto_reply = Some(cipherlab::net::AutoReply::Echo);
    // Replies never get a verdict from this peer; let them pile up rather than pause.
    config.limits = Limits {
        write_timeout: Duration::from_secs(3),
        max_in_flight: 1_000_000,
        ..Limits::default()
    };
    let server = start_server(config).await;
    let mut events = server.events;
    let watcher = tokio::spawn(async move {
        let mut received = 0u64;
        while let Some(event) = events.recv().await {
            match event {
                Event::Received { .. } => received += 1,
                Event::Disconnected { reason, .. } if reason.contains("stopped reading") => {
                    return (reason, received);
                }
                _ => {}
            }
        }
        (String::new(), received)
    });
    let good = chatter(server.addr);
    let mut hog = RawPeer::connect(server.addr).await;
    let Frame::Welcome(welcome) = hog.hello(Some(Scheme::Hmac)).await else {
        panic!("no WELCOME")
    };
    let key = cipherlab::crypto::Key::parse(Scheme::Hmac, welcome.key.as_deref().unwrap()).unwrap();
    let wire = Bytes::from(
        cipherlab::crypto::Cipher::new(&key)
            .seal(&[b'x'; 4000])
            .unwrap(),
    );
    // Send until our own side blocks: the server stopped reading once its replies could not
    // be written.
    let mut sent = 0u64;
    loop {
        let frame = Frame::Data {
            seq: sent + 1,
            sealed: wire.clone(),
        }
        .to_bytes();
        match tokio::time::timeout(Duration::from_secs(2), hog.stream.write_all(&frame)).await {
            Ok(Ok(())) => sent += 1,
            _ => break,
        }
        assert!(
            sent < 100_000,
            "the server kept reading from a peer that never reads"
        );
    }
    let (reason, received) = tokio::time::timeout(Duration::from_secs(60), watcher)
        .await
        .unwrap()
        .unwrap();
    assert!(
        reason.contains("stopped reading") && reason.contains("within 3 s"),
        "{reason:?}"
    );
    // What the server took in is bounded by the socket buffers, not by how long the peer tries.
    assert!(received <= sent, "{received} > {sent}");
    assert!(
        sent < 10_000,
        "{sent} messages of 4 KB went in before the server stopped reading"
    );
    eprintln!("the server read {received} of {sent} messages before giving up on the peer");
    all_answered(good).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_man_in_the_middle_whose_upstream_drops_tells_the_client() {
    // A server process killed outright: aborting an in-process server lets its sessions say BYE
    // as their command channels close, which is a polite end, not the crash this is about.
    let mut server = Proc::cipherlab(
        &[
            "server",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--scheme",
            "fernet",
            "--log-level",
            "off",
        ],
        &[],
    );
    let addr: SocketAddr = ([127, 0, 0, 1], server.port()).into();
    let mitm = start_mitm(addr, vec![]).await;
    let mut client = start_client(client_config(mitm.addr, None, None));
    client.exchange(&["before the drop"]).await;
    server.kill();
    let event = wait_for(&mut client.events, "disconnect", |e| {
        matches!(e, Event::Disconnected { .. })
    })
    .await;
    let Event::Disconnected { reason, .. } = event else {
        unreachable!()
    };
    assert!(
        reason.contains("server closed") || reason.contains("closed by peer"),
        "{reason}"
    );
    let _ = client.commands.send(ClientCommand::Disconnect).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_server_process_shuts_down_cleanly_under_fifty_clients() {
    let mut server = Proc::cipherlab(
        &[
            "server",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--scheme",
            "cbc",
            "--log-level",
            "off",
        ],
        &[],
    );
    let port = server.port();
    let addr: SocketAddr = ([127, 0, 0, 1], port).into();
    let mut clients: Vec<TestClient> = (0..50)
        .map(|_| start_client(client_config(addr, None, None)))
        .collect();
    for client in &mut clients {
        client.exchange(&["mid-conversation"]).await;
        // Keep a message in flight when the server goes.
        client
            .commands
            .send(ClientCommand::Send(Bytes::from_static(b"in flight")))
            .await
            .unwrap();
    }
    let started = std::time::Instant::now();
    let code = tokio::task::spawn_blocking(move || server.stop())
        .await
        .unwrap();
    assert_eq!(code, Some(0));
    assert!(
        started.elapsed() < Duration::from_secs(10),
        "took {:?}",
        started.elapsed()
    );
    for client in &mut clients {
        let event = wait_for(&mut client.events, "bye", |e| {
            matches!(e, Event::Disconnected { .. })
        })
        .await;
        let Event::Disconnected { reason, .. } = event else {
            unreachable!()
        };
        assert!(
            reason == "peer said BYE: server shutting down" || reason.contains("closed"),
            "{reason}"
        );
    }
}

#[tokio::test]
async fn a_frame_larger_than_a_handshake_is_refused_before_hello_whatever_max_frame_says() {
    // The default --max-frame is 1 MiB; before HELLO only a handshake-sized frame is taken, so
    // an unauthenticated peer can make the server reserve a few KiB, not a megabyte.
    let server = start_server(server_config(Scheme::Cbc, KeyExchange::Send)).await;
    let good = chatter(server.addr);
    let mut big = RawPeer::connect(server.addr).await;
    let claimed = cipherlab::wire::frame::MAX_HANDSHAKE_FRAME as u32 + 1;
    big.send_raw(&claimed.to_be_bytes()).await;
    big.send_raw(&[1]).await;
    let reason = error_reason(&big.read_until_closed().await).unwrap();
    assert!(
        reason.contains(&format!(
            "frame length {claimed} exceeds the maximum of 4096 bytes"
        )) && reason.contains("before the handshake"),
        "{reason}"
    );
    // After the handshake the full --max-frame applies: a 64 KiB message goes through.
    let mut client = start_client(client_config(server.addr, Some(Scheme::Cbc), None));
    let large = "x".repeat(64 * 1024);
    let verdicts = client.exchange(&[large.as_str()]).await;
    assert_eq!(verdicts.len(), 1);
    assert!(verdicts[0].1.is_accepted(), "{verdicts:?}");
    all_answered(good).await;
}

#[tokio::test]
async fn the_man_in_the_middle_also_refuses_a_large_frame_before_the_handshake() {
    let server = start_server(server_config(Scheme::Cbc, KeyExchange::Send)).await;
    let mut mitm = start_mitm(server.addr, vec![]).await;
    let mut big = RawPeer::connect(mitm.addr).await;
    let claimed = cipherlab::wire::frame::MAX_HANDSHAKE_FRAME as u32 + 1;
    big.send_raw(&claimed.to_be_bytes()).await;
    big.send_raw(&[1]).await;
    let frames = big.read_until_closed().await;
    let reason = error_reason(&frames).unwrap_or_default();
    assert!(reason.contains("before the handshake"), "{frames:?}");
    let refused = wait_for(&mut mitm.events, "the refusal", |e| {
        matches!(e, Event::Error { message, .. } | Event::Disconnected { reason: message, .. }
            if message.contains("before the handshake"))
    })
    .await;
    assert!(format!("{refused:?}").contains("4096"), "{refused:?}");
}

/// The reason in the first BYE among `frames`.
fn bye_reason(frames: &[Frame]) -> Option<String> {
    frames.iter().find_map(|f| match f {
        Frame::Bye { reason } => reason.clone(),
        _ => None,
    })
}

#[tokio::test(start_paused = true)]
async fn peers_that_say_hello_and_go_quiet_free_their_slots_after_the_idle_timeout() {
    let mut config = server_config(Scheme::Cbc, KeyExchange::Send);
    config.limits = Limits {
        max_clients: 2,
        idle_timeout: Duration::from_secs(30),
        ..Limits::default()
    };
    let server = start_server(config).await;
    let mut quiet = Vec::new();
    for _ in 0..2 {
        let mut peer = RawPeer::connect(server.addr).await;
        assert!(matches!(peer.hello(None).await, Frame::Welcome(_)));
        quiet.push(peer);
    }
    // The class is locked out while the two sit there...
    let mut student = RawPeer::connect(server.addr).await;
    let refused = error_reason(&student.read_until_closed().await).unwrap();
    assert!(refused.contains("server full"), "{refused}");
    // ...until the idle timeout closes them, politely, saying why.
    tokio::time::sleep(Duration::from_secs(31)).await;
    for peer in &mut quiet {
        let reason = bye_reason(&peer.read_until_closed().await).unwrap();
        assert!(
            reason.contains("idle for 30 s (--idle-timeout)"),
            "{reason}"
        );
    }
    let mut student = RawPeer::connect(server.addr).await;
    assert!(matches!(student.hello(None).await, Frame::Welcome(_)));
}

#[tokio::test(start_paused = true)]
async fn a_relay_whose_upstream_never_answers_is_closed_by_the_handshake_deadline() {
    // An upstream that accepts and then says nothing at all.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let upstream = silent.local_addr().unwrap();
    let held = tokio::spawn(async move {
        let mut kept = Vec::new();
        while let Ok((stream, _)) = silent.accept().await {
            kept.push(stream);
        }
    });
    let mitm = start_mitm(upstream, vec![]).await;
    let mut client = RawPeer::connect(mitm.addr).await;
    client
        .send(&Frame::Hello(Hello {
            scheme: None,
            name: "student".into(),
            agreement: None,
        }))
        .await;
    tokio::time::sleep(Duration::from_secs(11)).await;
    let reason = bye_reason(&client.read_until_closed().await).unwrap();
    assert!(reason.contains("sent no WELCOME within 10 s"), "{reason}");
    held.abort();
}

#[tokio::test(start_paused = true)]
async fn a_slowloris_through_the_man_in_the_middle_is_cut_off() {
    let mut config = server_config(Scheme::Hmac, KeyExchange::Send);
    config.limits = Limits {
        frame_timeout: Duration::from_secs(5),
        ..Limits::default()
    };
    let server = start_server(config).await;
    let mitm = cipherlab::net::MitmConfig {
        protocol: cipherlab::wire::seed::Protocol::Lab,
        scheme: None,
        upstream: server.addr.to_string(),
        plan: vec![],
        intercept: false,
        oracle: None,
        known: Vec::new(),
        limits: Limits {
            frame_timeout: Duration::from_secs(5),
            ..Limits::default()
        },
    };
    let mitm = start_mitm_with(mitm).await;
    let mut slow = RawPeer::connect(mitm.addr).await;
    assert!(matches!(slow.hello(None).await, Frame::Welcome(_)));
    dribble(&mut slow).await;
    let reason = error_reason(&slow.read_until_closed().await).unwrap();
    assert!(reason.contains("sending too slowly"), "{reason}");
}

#[tokio::test(start_paused = true)]
async fn a_seed_hmac_peer_sending_a_byte_every_8_s_is_cut_off_by_the_whole_message_deadline() {
    use tokio::io::AsyncReadExt;
    let mut config = server_config(Scheme::Hmac, KeyExchange::Psk);
    config.protocol = cipherlab::wire::seed::Protocol::Seed;
    let server = start_server(config).await;
    let mut slow = tokio::net::TcpStream::connect(server.addr).await.unwrap();
    slow.write_all(&5u32.to_be_bytes()).await.unwrap();
    let started = tokio::time::Instant::now();
    // Each byte comes within the 10 s a read may take, but the message never would.
    let mut reply = Vec::new();
    for _ in 0..37 {
        tokio::time::sleep(Duration::from_secs(8)).await;
        if slow.write_all(b"x").await.is_err() {
            break;
        }
        let mut chunk = [0u8; 256];
        if let Ok(Ok(n)) =
            tokio::time::timeout(Duration::from_millis(10), slow.read(&mut chunk)).await
        {
            reply.extend_from_slice(&chunk[..n]);
            if n == 0 || !reply.is_empty() {
                break;
            }
        }
    }
    let elapsed = started.elapsed();
    assert_eq!(
        String::from_utf8_lossy(&reply),
        cipherlab::wire::seed::HMAC_FAILED,
        "the seed's own failure reply"
    );
    assert!(elapsed <= Duration::from_secs(20), "held for {elapsed:?}");
}
