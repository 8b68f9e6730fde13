//! The attack lab on real loopback sockets: client → man in the middle → server, with the
//! receiver's verdicts exactly what the cryptography predicts (DESIGN §5).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use cipherlab::crypto::KeyExchange;
use cipherlab::crypto::{Reason, Scheme, Tamper, Verdict};
use cipherlab::net::{Event, ServerConfig};
use common::*;

/// A server, a man in the middle with `plan`, and a client connected through it.
struct Lab {
    server: TestServer,
    mitm: TestMitm,
    client: TestClient,
}

async fn lab(
    scheme: Scheme,
    exchange: KeyExchange,
    plan: &[(u64, &str)],
    tweak: impl FnOnce(&mut ServerConfig),
) -> Lab {
    let mut config = server_config(scheme, exchange);
    tweak(&mut config);
    let server = start_server(config).await;
    let plan = plan
        .iter()
        .map(|(n, a)| (*n, a.parse::<Tamper>().unwrap()))
        .collect();
    let mitm = start_mitm(server.addr, plan).await;
    let shared = (exchange == KeyExchange::Psk).then_some(&server.key);
    let client = start_client(client_config(mitm.addr, Some(scheme), shared));
    Lab {
        server,
        mitm,
        client,
    }
}

impl Lab {
    /// Sends `messages`; returns what the server concluded for each DATA it received
    /// (including any the attacker injected), in arrival order.
    async fn run(
        &mut self,
        messages: &[&str],
        expected_at_server: usize,
    ) -> Vec<(u64, Verdict, Option<Vec<u8>>)> {
        self.client.exchange(messages).await;
        self.received(expected_at_server).await
    }

    /// The next `count` messages the server receives, in arrival order.
    async fn received(&mut self, count: usize) -> Vec<(u64, Verdict, Option<Vec<u8>>)> {
        let mut seen = vec![];
        while seen.len() < count {
            if let Event::Received { seq, opened, .. } =
                wait_for(&mut self.server.events, "server receives", |e| {
                    matches!(e, Event::Received { .. })
                })
                .await
            {
                seen.push((seq, opened.verdict, opened.plaintext));
            }
        }
        seen
    }
}

async fn one(scheme: Scheme, message: &str, action: &str) -> (Verdict, Option<Vec<u8>>) {
    let mut lab = lab(scheme, KeyExchange::Send, &[(1, action)], |_| {}).await;
    let mut seen = lab.run(&[message], 1).await;
    let (_, verdict, plaintext) = seen.remove(0);
    (verdict, plaintext)
}

#[tokio::test]
async fn nothing_done_gives_each_schemes_honest_verdict() {
    for (scheme, verdict) in [
        (Scheme::Ecb, Verdict::Unauthenticated),
        (Scheme::Cbc, Verdict::Unauthenticated),
        (Scheme::Fernet, Verdict::Authentic),
        (Scheme::Hmac, Verdict::Authentic),
    ] {
        let mut lab = lab(scheme, KeyExchange::Send, &[], |_| {}).await;
        let seen = lab.run(&["untouched"], 1).await;
        assert_eq!(seen[0].1, verdict, "{scheme}");
        assert_eq!(seen[0].2.as_deref(), Some(&b"untouched"[..]));
    }
}

#[tokio::test]
async fn cbc_iv_flip_turns_hello_into_iello_undetected() {
    let (verdict, plaintext) = one(Scheme::Cbc, "hello world", "iv-flip:0:0").await;
    assert_eq!(verdict, Verdict::Unauthenticated);
    assert_eq!(plaintext.unwrap(), b"iello world");
}

#[tokio::test]
async fn ecb_swap_delivers_the_blocks_swapped() {
    let (verdict, plaintext) =
        one(Scheme::Ecb, "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB", "swap:0:1").await;
    assert_eq!(verdict, Verdict::Unauthenticated);
    assert_eq!(plaintext.unwrap(), b"BBBBBBBBBBBBBBBBAAAAAAAAAAAAAAAA");
}

#[tokio::test]
async fn ecb_flip_in_block_k_garbles_only_block_k() {
    let message = "0123456789abcdefGHIJKLMNOPQRSTUVwxyz0123456789ABCD";
    let (verdict, plaintext) = one(Scheme::Ecb, message, "flip:16:0").await;
    assert_eq!(verdict, Verdict::Unauthenticated);
    let plaintext = plaintext.unwrap();
    assert_ne!(
        plaintext[16..32],
        message.as_bytes()[16..32],
        "block 1 garbled"
    );
    assert_eq!(plaintext[..16], message.as_bytes()[..16]);
    assert_eq!(plaintext[32..], message.as_bytes()[32..]);
}

#[tokio::test]
async fn cbc_flip_in_block_k_garbles_k_and_flips_the_same_bit_in_k_plus_1() {
    let message = "0123456789abcdefGHIJKLMNOPQRSTUVwxyz0123456789ABCD";
    // Block 0 is wire bytes 16..32 (after the salt); flip bit 1 of its byte 3.
    let (verdict, plaintext) = one(Scheme::Cbc, message, "flip:19:1").await;
    assert_eq!(verdict, Verdict::Unauthenticated);
    let plaintext = plaintext.unwrap();
    let original = message.as_bytes();
    assert_ne!(plaintext[..16], original[..16], "block 0 garbled");
    assert_eq!(
        plaintext[16 + 3],
        original[16 + 3] ^ 0b10,
        "same bit flipped in block 1"
    );
    assert_eq!(
        plaintext[17..],
        original[17..]
            .iter()
            .enumerate()
            .map(|(i, b)| if i == 2 { b ^ 0b10 } else { *b })
            .collect::<Vec<_>>()[..]
    );
}

#[tokio::test]
async fn cbc_swap_of_blocks_0_and_1_is_accepted_garbled_when_the_padding_block_is_untouched() {
    // Four blocks: 0 and 1 swapped, 2 now decrypts against another predecessor, and the
    // last (3, with the padding) still follows the block it was sealed after.
    let message = "0123456789abcdefGHIJKLMNOPQRSTUVwxyz0123456789ABCD";
    let (verdict, plaintext) = one(Scheme::Cbc, message, "swap:0:1").await;
    assert_eq!(verdict, Verdict::Unauthenticated);
    let plaintext = plaintext.unwrap();
    for block in 0..3 {
        let range = block * 16..(block + 1) * 16;
        assert_ne!(
            plaintext[range.clone()],
            message.as_bytes()[range],
            "block {block}"
        );
    }
    assert_eq!(
        plaintext[48..],
        message.as_bytes()[48..],
        "the last block is intact"
    );
}

#[tokio::test]
async fn cbc_swap_of_the_two_blocks_before_the_padding_block_is_rejected_bad_padding() {
    // 32 bytes seal to three blocks, the third all padding. Swapping 0 and 1 makes the padding
    // block decrypt against block 0 instead of block 1: the padding comes out garbled, and is
    // valid only by chance (about 1 time in 256), when the garbled message is accepted.
    let message = "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB";
    let plan: Vec<(u64, &str)> = (1..=4).map(|n| (n, "swap:0:1")).collect();
    let mut lab = lab(Scheme::Cbc, KeyExchange::Send, &plan, |_| {}).await;
    let seen = lab.run(&[message; 4], 4).await;
    for (seq, verdict, plaintext) in &seen {
        match verdict {
            Verdict::Rejected(reason) => assert_eq!(*reason, Reason::BadPadding, "message {seq}"),
            _ => assert_ne!(
                plaintext.as_deref(),
                Some(message.as_bytes()),
                "message {seq}"
            ),
        }
    }
    assert!(
        seen.iter()
            .any(|(_, v, _)| *v == Verdict::Rejected(Reason::BadPadding)),
        "{seen:?}"
    );
}

#[tokio::test]
async fn fernet_and_hmac_reject_every_change() {
    let message = "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCC";
    for (scheme, action, reason) in [
        (Scheme::Fernet, "flip:30:0", Reason::TagMismatch),
        (Scheme::Fernet, "iv-flip:0:0", Reason::TagMismatch),
        (Scheme::Fernet, "swap:0:1", Reason::TagMismatch),
        (Scheme::Fernet, "truncate", Reason::TagMismatch),
        (Scheme::Hmac, "flip:4:0", Reason::TagMismatch),
        (Scheme::Hmac, "swap:0:1", Reason::TagMismatch),
        (Scheme::Hmac, "truncate", Reason::LengthMismatch),
    ] {
        let (verdict, plaintext) = one(scheme, message, action).await;
        assert_eq!(verdict, Verdict::Rejected(reason), "{scheme} {action}");
        assert_eq!(plaintext, None);
    }
}

#[tokio::test]
async fn truncating_ecb_and_cbc_usually_breaks_the_padding() {
    // The last block holds the padding; without it the new last block ends in message bytes.
    for scheme in [Scheme::Ecb, Scheme::Cbc] {
        let (verdict, _) = one(scheme, "sixteen bytes ok", "truncate").await;
        assert_eq!(verdict, Verdict::Rejected(Reason::BadPadding), "{scheme}");
    }
}

#[tokio::test]
async fn replay_is_accepted_by_ecb_cbc_and_hmac() {
    for scheme in [Scheme::Ecb, Scheme::Cbc, Scheme::Hmac] {
        let mut lab = lab(scheme, KeyExchange::Send, &[(2, "replay")], |_| {}).await;
        let seen = lab.run(&["pay bob 10", "hello again"], 3).await;
        let replayed = seen
            .iter()
            .find(|(seq, ..)| *seq >= 1 << 63)
            .expect("the replay reached the server");
        assert!(replayed.1.is_accepted(), "{scheme}: {:?}", replayed.1);
        assert_eq!(replayed.2.as_deref(), Some(&b"pay bob 10"[..]), "{scheme}");
    }
}

#[tokio::test]
async fn fernet_replay_is_accepted_within_ttl_then_rejected_as_expired() {
    // One controllable clock for both ends: the client stamps tokens with it, the server
    // judges them by it. Nothing sleeps.
    let now = Arc::new(AtomicU64::new(cipherlab::crypto::unix_now()));
    let clock: cipherlab::net::Clock = {
        let now = now.clone();
        Arc::new(move || now.load(Ordering::SeqCst))
    };
    let server_clock = clock.clone();
    let mut lab = lab(
        Scheme::Fernet,
        KeyExchange::Send,
        &[(2, "replay"), (3, "replay")],
        move |config| {
            config.ttl = Some(1);
            config.clock = server_clock;
        },
    )
    .await;
    let mut config = client_config(lab.mitm.addr, Some(Scheme::Fernet), None);
    config.clock = clock;
    lab.client = start_client(config);

    let seen = lab.run(&["pay bob 10", "within the ttl"], 3).await;
    let replayed = seen.iter().find(|(seq, ..)| *seq >= 1 << 63).unwrap();
    assert_eq!(
        replayed.1,
        Verdict::Authentic,
        "a replay within the TTL is accepted"
    );
    assert_eq!(replayed.2.as_deref(), Some(&b"pay bob 10"[..]));

    now.fetch_add(5, Ordering::SeqCst);
    let seen = lab.run(&["five seconds later"], 2).await;
    let fresh = seen.iter().find(|(seq, ..)| *seq < 1 << 63).unwrap();
    assert_eq!(fresh.1, Verdict::Authentic, "a fresh token is fine");
    let replayed = seen.iter().find(|(seq, ..)| *seq >= 1 << 63).unwrap();
    assert_eq!(
        replayed.1,
        Verdict::Rejected(Reason::TokenExpired),
        "the old token has expired"
    );
}

#[tokio::test]
async fn drop_means_the_message_never_gets_a_verdict() {
    let mut lab = lab(Scheme::Fernet, KeyExchange::Send, &[(1, "drop")], |_| {}).await;
    for message in ["dropped", "delivered"] {
        lab.client
            .commands
            .send(cipherlab::net::ClientCommand::Send(message.into()))
            .await
            .unwrap();
    }
    let verdict = wait_for(&mut lab.client.events, "a verdict", |e| {
        matches!(e, Event::Verdict { .. })
    })
    .await;
    assert!(
        matches!(
            verdict,
            Event::Verdict {
                seq: 2,
                verdict: Verdict::Authentic,
                ..
            }
        ),
        "{verdict:?}"
    );
    // Only the second message was judged; the first is still awaiting when we leave.
    lab.client
        .commands
        .send(cipherlab::net::ClientCommand::Disconnect)
        .await
        .unwrap();
    let event = wait_for(&mut lab.client.events, "disconnect", |e| {
        matches!(e, Event::Disconnected { .. })
    })
    .await;
    let Event::Disconnected { unanswered, .. } = event else {
        unreachable!()
    };
    assert_eq!(
        unanswered, 1,
        "the dropped message is counted as unanswered"
    );
}

#[tokio::test]
async fn under_send_the_eavesdropper_reads_every_plaintext() {
    for scheme in Scheme::ALL {
        let mut lab = lab(scheme, KeyExchange::Send, &[], |_| {}).await;
        lab.run(&["secret one", "secret two"], 2).await;
        let read: Vec<String> = eavesdropped(&mut lab.mitm).await;
        assert_eq!(read, ["secret one", "secret two"], "{scheme}");
    }
}

#[tokio::test]
async fn under_psk_only_the_macs_plaintext_is_read() {
    for scheme in Scheme::ALL {
        let mut lab = lab(scheme, KeyExchange::Psk, &[], |_| {}).await;
        lab.run(&["secret one", "secret two"], 2).await;
        let read = eavesdropped(&mut lab.mitm).await;
        if !scheme.has_secrecy() {
            assert_eq!(
                read,
                ["secret one", "secret two"],
                "{scheme} has no secrecy"
            );
        } else {
            assert!(read.is_empty(), "{scheme} leaked {read:?}");
        }
    }
}

/// Plaintexts the man in the middle read from the client, up to the verdict on message 2
/// (which passes back through it only after both messages did).
async fn eavesdropped(mitm: &mut TestMitm) -> Vec<String> {
    let mut read = vec![];
    loop {
        match wait_for(&mut mitm.events, "mitm events", |_| true).await {
            Event::Eavesdropped {
                direction: cipherlab::net::Direction::ToServer,
                plaintext,
                ..
            } => {
                read.push(String::from_utf8(plaintext.to_vec()).unwrap());
            }
            Event::Intercepted {
                frame: cipherlab::wire::Frame::Verdict { seq: 2, .. },
                ..
            } => return read,
            _ => {}
        }
    }
}

#[tokio::test]
async fn intercept_holds_messages_until_released_edited_or_dropped() {
    let mut lab = lab(Scheme::Cbc, KeyExchange::Send, &[], |_| {}).await;
    lab.mitm
        .commands
        .send(cipherlab::net::MitmCommand::Intercept(true))
        .await
        .unwrap();
    for message in ["first", "second", "third"] {
        lab.client
            .commands
            .send(cipherlab::net::ClientCommand::Send(message.into()))
            .await
            .unwrap();
    }
    let mut held = vec![];
    while held.len() < 3 {
        if let Event::Intercepted {
            peer,
            fate: cipherlab::net::Fate::Held(hold),
            ..
        } = wait_for(&mut lab.mitm.events, "a held message", |e| {
            matches!(
                e,
                Event::Intercepted {
                    fate: cipherlab::net::Fate::Held(_),
                    ..
                }
            )
        })
        .await
        {
            held.push((peer.id, hold));
        }
    }
    // Nothing reaches the server while the messages are held.
    assert!(
        drain(&mut lab.server.events)
            .iter()
            .all(|e| !matches!(e, Event::Received { .. }))
    );
    let release =
        |(peer, hold): (u64, u64), tamper: Option<&str>| cipherlab::net::MitmCommand::Release {
            peer,
            hold,
            tamper: tamper.map(|t| t.parse().unwrap()),
        };
    lab.mitm
        .commands
        .send(release(held[0], None))
        .await
        .unwrap();
    lab.mitm
        .commands
        .send(release(held[1], Some("iv-flip:0:1")))
        .await
        .unwrap();
    lab.mitm
        .commands
        .send(release(held[2], Some("drop")))
        .await
        .unwrap();
    let mut arrived = vec![];
    while arrived.len() < 2 {
        if let Event::Received { opened, .. } =
            wait_for(&mut lab.server.events, "released messages", |e| {
                matches!(e, Event::Received { .. })
            })
            .await
        {
            arrived.push(String::from_utf8(opened.plaintext.unwrap()).unwrap());
        }
    }
    assert_eq!(
        arrived,
        ["first", "qecond"],
        "released as is, then with bit 1 of the IV flipped ('s' ^ 2)"
    );
}

#[tokio::test]
async fn under_x25519_both_ends_agree_and_the_eavesdropper_reads_nothing() {
    for scheme in Scheme::ALL {
        let mut lab = lab(scheme, KeyExchange::X25519, &[], |_| {}).await;
        let mut keys = vec![];
        for events in [&mut lab.client.events, &mut lab.server.events] {
            if let Event::Key { key, source, .. } = wait_for(events, "agreed key", |e| {
                matches!(
                    e,
                    Event::Key {
                        source: cipherlab::crypto::KeySource::Agreed,
                        ..
                    }
                )
            })
            .await
            {
                assert_eq!(source, cipherlab::crypto::KeySource::Agreed);
                keys.push(key.fingerprint());
            }
        }
        assert_eq!(
            keys[0], keys[1],
            "{scheme}: client and server agreed on one key"
        );
        let verdicts = lab.client.exchange(&["secret one", "secret two"]).await;
        let expected = if scheme.has_integrity() {
            Verdict::Authentic
        } else {
            Verdict::Unauthenticated
        };
        assert!(
            verdicts.iter().all(|(_, v)| *v == expected),
            "{scheme}: {verdicts:?}"
        );
        let read = eavesdropped(&mut lab.mitm).await;
        if !scheme.has_secrecy() {
            assert_eq!(
                read,
                ["secret one", "secret two"],
                "{scheme} has no secrecy, whatever the key exchange"
            );
        } else {
            assert!(read.is_empty(), "{scheme}: the eavesdropper read {read:?}");
        }
        // Nor did it learn a key: only public keys crossed.
        assert!(
            drain(&mut lab.mitm.events)
                .iter()
                .all(|e| !matches!(e, Event::Key { .. }))
        );
    }
}

impl Lab {
    /// Sends `messages` without waiting for verdicts (a dropped one never gets one); returns
    /// the first `expected_at_server` messages the server received, in arrival order.
    async fn send_blind(
        &mut self,
        messages: &[&str],
        expected_at_server: usize,
    ) -> Vec<(u64, Verdict, Option<Vec<u8>>)> {
        for message in messages {
            self.client
                .commands
                .send(cipherlab::net::ClientCommand::Send(
                    message.to_string().into(),
                ))
                .await
                .unwrap();
        }
        self.received(expected_at_server).await
    }
}

#[tokio::test]
async fn replay_sends_the_last_forwarded_message_not_the_dropped_one() {
    let plan = [(2, "drop"), (3, "replay")];
    let mut lab = lab(Scheme::Hmac, KeyExchange::Psk, &plan, |_| {}).await;
    let seen = lab
        .send_blind(&["pay bob 10", "dropped on the way", "hi"], 3)
        .await;
    let plaintexts: Vec<(u64, &[u8])> = seen
        .iter()
        .map(|(seq, _, p)| (*seq, p.as_deref().unwrap()))
        .collect();
    assert_eq!(
        plaintexts,
        [
            (1, &b"pay bob 10"[..]),
            (3, &b"hi"[..]),
            (1 << 63, &b"pay bob 10"[..])
        ],
        "the server never saw message 2, so the replay is message 1 again"
    );
}

#[tokio::test]
async fn forge_with_the_key_read_off_the_wire_is_accepted() {
    for scheme in Scheme::ALL {
        let (verdict, plaintext) = one(scheme, "pay bob 10", "forge").await;
        assert!(verdict.is_accepted(), "{scheme}: {verdict:?}");
        assert_eq!(
            plaintext.as_deref(),
            Some(cipherlab::net::FORGED_TEXT.as_bytes()),
            "{scheme}: the server reads what the attacker wrote"
        );
    }
}

#[tokio::test]
async fn forge_without_the_key_is_rejected() {
    for exchange in [KeyExchange::Psk, KeyExchange::X25519] {
        for scheme in Scheme::ALL {
            let mut lab = lab(scheme, exchange, &[(1, "forge")], |_| {}).await;
            let seen = lab.run(&["pay bob 10"], 1).await;
            let (_, verdict, plaintext) = &seen[0];
            assert_ne!(
                plaintext.as_deref(),
                Some(cipherlab::net::FORGED_TEXT.as_bytes()),
                "{scheme} {exchange:?}: a key of the attacker's own does not fit"
            );
            if scheme.has_integrity() {
                assert_eq!(
                    *verdict,
                    Verdict::Rejected(Reason::TagMismatch),
                    "{scheme} {exchange:?}"
                );
            }
        }
    }
}

#[tokio::test]
async fn xor_into_the_cbc_salt_rewrites_the_same_plaintext_byte_and_an_aead_rejects_it() {
    // Byte 8 of "pay bob 10" is '1'; under cbc the salt is the IV, so its byte 8 lies over it.
    let delta = format!("{:02x}", b'1' ^ b'9');
    let (verdict, plaintext) = one(Scheme::Cbc, "pay bob 10", &format!("xor:8:{delta}")).await;
    assert_eq!(verdict, Verdict::Unauthenticated);
    assert_eq!(plaintext.as_deref(), Some(&b"pay bob 90"[..]));
    // Under gcm and chacha the same change to the ciphertext (after the 12-byte nonce) is
    // caught by the tag.
    for scheme in [Scheme::Gcm, Scheme::Chacha] {
        let (verdict, plaintext) = one(scheme, "pay bob 10", &format!("xor:20:{delta}")).await;
        assert_eq!(verdict, Verdict::Rejected(Reason::TagMismatch), "{scheme}");
        assert_eq!(plaintext, None, "{scheme}");
    }
}
