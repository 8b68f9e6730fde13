//! One attack pipeline for both wires: the same `--tamper` plan gives the same events at the
//! man in the middle whether it relays the lab protocol or a seed program's bytes (apart from
//! the handshake frames only the lab wire has), and the seed relay refuses a connection beyond
//! `--max-clients` exactly as the server does. Real loopback sockets, in this process.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::net::SocketAddr;

use cipherlab::crypto::KeyExchange;
use cipherlab::crypto::{Scheme, Tamper};
use cipherlab::net::{self, Direction, Event, Fate, Limits, MitmConfig, seq_label};
use cipherlab::wire::Frame;
use cipherlab::wire::seed::Protocol;
use common::*;
use tokio::io::AsyncReadExt;

/// A man in the middle on `wire`, forwarding to `upstream` with `plan`.
async fn start_relay(
    wire: Protocol,
    scheme: Scheme,
    upstream: SocketAddr,
    plan: &[(u64, &str)],
    limits: Limits,
) -> TestMitm {
    start_mitm_with(MitmConfig {
        protocol: wire,
        upstream: upstream.to_string(),
        scheme: (wire == Protocol::Seed).then_some(scheme),
        plan: plan
            .iter()
            .map(|(n, a)| (*n, a.parse::<Tamper>().unwrap()))
            .collect(),
        intercept: false,
        oracle: None,
        known: Vec::new(),
        limits,
    })
    .await
}

/// What the attacker did and saw about client messages, one line an event: what it read, the
/// message passing, what it did to it, and the verdict coming back with its fate. Handshake
/// frames, connections and keys are left out: they are what the two wires do differently.
fn step(event: &Event) -> Option<String> {
    let fate = |fate: &Fate| match fate {
        Fate::Forwarded => "forwarded",
        Fate::Held(_) => "held",
        Fate::KeptBack => "kept back",
    };
    match event {
        Event::Eavesdropped {
            direction: Direction::ToServer,
            seq,
            plaintext,
            ..
        } => Some(format!(
            "read {seq}: {}",
            String::from_utf8_lossy(plaintext)
        )),
        Event::Intercepted {
            frame: Frame::Data { seq, .. },
            direction: Direction::ToServer,
            fate: f,
            ..
        } => Some(format!("message {seq} {}", fate(f))),
        Event::Intercepted {
            frame: Frame::Verdict { seq, verdict },
            fate: f,
            ..
        } => Some(format!(
            "verdict on {}: {verdict}, {}",
            seq_label(*seq),
            fate(f)
        )),
        Event::Tampered { seq, action, .. } => Some(format!("{action} on {seq}")),
        Event::Error { message, .. } => Some(format!("error: {message}")),
        _ => None,
    }
}

/// Sends `messages` one at a time through a man in the middle on `wire` with `plan`, and
/// returns the attacker's steps for each message; `expected[i]` says how many steps message
/// `i` leads to (the test's expectation, so that nothing is waited for by the clock).
async fn attacked(
    wire: Protocol,
    scheme: Scheme,
    plan: &[(u64, &str)],
    messages: &[&str],
    expected: &[usize],
) -> Vec<Vec<String>> {
    let mut config = server_config(scheme, KeyExchange::Psk);
    config.protocol = wire;
    let server = start_server(config).await;
    let mut mitm = start_relay(wire, scheme, server.addr, plan, Limits::default()).await;
    let mut client_config = client_config(mitm.addr, Some(scheme), Some(&server.key));
    client_config.protocol = wire;
    let client = start_client(client_config);
    let mut seen = vec![];
    for (message, &count) in messages.iter().zip(expected) {
        client
            .commands
            .send(net::ClientCommand::Send(message.to_string().into()))
            .await
            .unwrap();
        let mut steps = vec![];
        while steps.len() < count {
            let event = wait_for(&mut mitm.events, "the attacker's next step", |e| {
                step(e).is_some()
            })
            .await;
            steps.extend(step(&event));
        }
        seen.push(steps);
    }
    seen
}

/// Runs the same attack through both wires and checks that both give `expected`.
async fn same_on_both_wires(
    scheme: Scheme,
    plan: &[(u64, &str)],
    messages: &[&str],
    expected: &[&[&str]],
) {
    let counts: Vec<usize> = expected.iter().map(|steps| steps.len()).collect();
    for wire in [Protocol::Lab, Protocol::Seed] {
        let seen = attacked(wire, scheme, plan, messages, &counts).await;
        assert_eq!(seen, expected, "{scheme} on the {}", wire.label());
    }
}

#[tokio::test]
async fn hmac_replay_gives_the_same_events_on_the_lab_and_the_seed_wire() {
    same_on_both_wires(
        Scheme::Hmac,
        &[(2, "replay")],
        &["pay bob 10", "hello again"],
        &[
            &[
                "read 1: pay bob 10",
                "message 1 forwarded",
                "verdict on 1: authentic, forwarded",
            ],
            &[
                "read 2: hello again",
                "message 2 forwarded",
                "replay on 2",
                "verdict on 2: authentic, forwarded",
                "verdict on replay 1: authentic, kept back",
            ],
        ],
    )
    .await;
}

#[tokio::test]
async fn hmac_flip_gives_the_same_rejection_on_both_wires() {
    same_on_both_wires(
        Scheme::Hmac,
        &[(1, "flip:4:0")],
        &["pay bob 10"],
        &[&[
            "read 1: pay bob 10",
            "message 1 forwarded",
            "flip:4:0 on 1",
            "verdict on 1: rejected: tag mismatch, forwarded",
        ]],
    )
    .await;
}

#[tokio::test]
async fn hmac_drop_gives_no_verdict_on_either_wire_and_the_next_message_goes_through() {
    same_on_both_wires(
        Scheme::Hmac,
        &[(1, "drop")],
        &["dropped", "delivered"],
        &[
            &["read 1: dropped", "message 1 forwarded", "drop on 1"],
            &[
                "read 2: delivered",
                "message 2 forwarded",
                "verdict on 2: authentic, forwarded",
            ],
        ],
    )
    .await;
}

#[tokio::test]
async fn cbc_replay_is_numbered_and_kept_back_alike_over_frames_and_over_http() {
    // Under a pre-shared key neither relay can read cbc: only the passing and the verdicts.
    same_on_both_wires(
        Scheme::Cbc,
        &[(2, "replay")],
        &["pay bob 10", "hello again"],
        &[
            &[
                "message 1 forwarded",
                "verdict on 1: unauthenticated, forwarded",
            ],
            &[
                "message 2 forwarded",
                "replay on 2",
                "verdict on 2: unauthenticated, forwarded",
                "verdict on replay 1: unauthenticated, kept back",
            ],
        ],
    )
    .await;
}

#[tokio::test]
async fn replaying_the_first_message_is_the_same_error_on_both_wires() {
    same_on_both_wires(
        Scheme::Hmac,
        &[(1, "replay")],
        &["first"],
        &[&[
            "read 1: first",
            "message 1 forwarded",
            "error: cannot replay at client message 1: no earlier client message was forwarded",
            "verdict on 1: authentic, forwarded",
        ]],
    )
    .await;
}

/// Fills a listener with one silent connection, then connects again: returns the `error`
/// event and the ERROR frame's reason the second connection gets.
async fn refusal(
    addr: SocketAddr,
    events: &mut tokio::sync::mpsc::Receiver<Event>,
) -> (String, Vec<u8>) {
    let _first = RawPeer::connect(addr).await;
    wait_for(events, "the first connection", |e| {
        matches!(e, Event::Connected { .. })
    })
    .await;
    let mut second = RawPeer::connect(addr).await;
    // The seed wire refuses in the seed's words, so read raw bytes, not lab frames.
    let mut sent = Vec::new();
    tokio::time::timeout(common::DEADLINE, second.stream.read_to_end(&mut sent))
        .await
        .expect("the refused connection is closed")
        .unwrap();
    let Event::Error { message, .. } =
        wait_for(events, "the refusal", |e| matches!(e, Event::Error { .. })).await
    else {
        unreachable!()
    };
    // The address differs between the two listeners; what follows it must not.
    let message = message
        .split_once(": ")
        .map(|(_, rest)| rest.to_owned())
        .unwrap();
    (message, sent)
}

#[tokio::test]
async fn the_seed_relay_refuses_a_connection_beyond_its_limit_as_the_seed_server_does() {
    let limits = Limits {
        max_clients: 1,
        ..Limits::default()
    };
    let mut config = server_config(Scheme::Hmac, KeyExchange::Psk);
    config.protocol = Protocol::Seed;
    config.limits = limits;
    let mut server = start_server(config).await;
    let by_server = refusal(server.addr, &mut server.events).await;

    let upstream = start_server({
        let mut config = server_config(Scheme::Hmac, KeyExchange::Psk);
        config.protocol = Protocol::Seed;
        config
    })
    .await;
    let mut relay = start_relay(Protocol::Seed, Scheme::Hmac, upstream.addr, &[], limits).await;
    let by_relay = refusal(relay.addr, &mut relay.events).await;

    assert_eq!(
        by_server.0, "server full: 1 client connected (--max-clients)",
        "the server's refusal"
    );
    assert_eq!(
        by_server.1,
        cipherlab::wire::seed::HMAC_FAILED.as_bytes(),
        "seed 004's own failure reply, not a lab ERROR frame"
    );
    assert_eq!(by_relay, by_server, "the relay refuses as the server does");
}
