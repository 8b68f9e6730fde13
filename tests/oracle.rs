//! Reading without the key (DESIGN §9) on real loopback sockets: the server flags the oracle
//! lab needs (`--verdicts opaque`, `--echo-append`), then each attack against the schemes it
//! breaks and the schemes that stop it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use cipherlab::crypto::{Cipher, KeyExchange, Reason, Scheme, Verdict};
use cipherlab::net::{AutoReply, ClientCommand, Event, VerdictDetail};
use cipherlab::wire::Frame;
use common::process;
use common::*;

#[tokio::test]
async fn opaque_verdicts_say_rejected_without_the_reason_the_server_still_knows() {
    let mut config = server_config(Scheme::Cbc, KeyExchange::Psk);
    config.verdicts = VerdictDetail::Opaque;
    let mut server = start_server(config).await;
    let cipher = Cipher::new(&server.key);
    let mut peer = RawPeer::connect(server.addr).await;
    peer.hello(Some(Scheme::Cbc)).await;
    let good = cipher.seal(b"pay bob 10").unwrap();
    let mut bad = good.clone();
    *bad.last_mut().unwrap() ^= 0x01;
    for (seq, sealed) in [(1, good), (2, bad)] {
        peer.send(&Frame::Data {
            seq,
            sealed: Bytes::from(sealed),
        })
        .await;
    }
    assert_eq!(
        peer.read_frame().await,
        Some(Frame::Verdict {
            seq: 1,
            verdict: Verdict::Unauthenticated
        })
    );
    let Some(Frame::Verdict { seq: 2, verdict }) = peer.read_frame().await else {
        panic!("no VERDICT for the tampered message");
    };
    assert_eq!(verdict.to_string(), "rejected");
    assert_eq!(verdict.reason(), None);
    let Event::Received { opened, .. } = wait_for(&mut server.events, "the rejection", |e| {
        matches!(e, Event::Received { seq: 2, .. })
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(opened.verdict, Verdict::Rejected(Reason::BadPadding));
}

#[tokio::test]
async fn opaque_verdict_frames_carry_no_reason_field() {
    let frame = Frame::Verdict {
        seq: 4,
        verdict: VerdictDetail::Opaque.report(&Verdict::Rejected(Reason::TagMismatch)),
    };
    assert_eq!(
        &frame.to_bytes()[4..],
        br#"V{"seq":4,"verdict":"rejected"}"#
    );
}

#[tokio::test]
async fn echo_append_replies_with_the_message_and_the_secret_sealed() {
    let mut config = server_config(Scheme::Ecb, KeyExchange::Send);
    config.auto_reply = Some(AutoReply::Append(b"SECRET=hunter2".to_vec()));
    let server = start_server(config).await;
    let mut client = start_client(client_config(server.addr, Some(Scheme::Ecb), None));
    wait_for(&mut client.events, "connected", |e| {
        matches!(e, Event::Connected { .. })
    })
    .await;
    client
        .commands
        .send(ClientCommand::Send(Bytes::from_static(b"hello ")))
        .await
        .unwrap();
    let Event::Received { opened, sealed, .. } = wait_for(&mut client.events, "the reply", |e| {
        matches!(e, Event::Received { .. })
    })
    .await
    else {
        unreachable!()
    };
    assert_eq!(
        opened.plaintext.as_deref(),
        Some(&b"hello SECRET=hunter2"[..])
    );
    assert_eq!(sealed.len(), 32, "20 bytes pad to two ecb blocks");
}

#[test]
fn opaque_verdicts_and_echo_append_are_checked_on_the_command_line() {
    let run = |args: &[&str]| {
        std::process::Command::new(process::BIN)
            .args(args)
            .args(["--log-level", "off", "--headless"])
            .env_remove("CIPHERLAB_KEY")
            .output()
            .unwrap()
    };
    let seed = run(&[
        "server",
        "--wire",
        "seed",
        "--scheme",
        "cbc",
        "--verdicts",
        "opaque",
    ]);
    assert_eq!(seed.status.code(), Some(2));
    assert!(
        String::from_utf8_lossy(&seed.stderr).contains("--verdicts opaque is for the lab wire")
    );
    let both = run(&["server", "--echo", "--echo-append", "x"]);
    assert_eq!(both.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&both.stderr).contains("cannot be used with"));
}
