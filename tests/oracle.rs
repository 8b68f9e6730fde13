//! Reading without the key (DESIGN §9) on real loopback sockets: the server flags the oracle
//! lab needs (`--verdicts opaque`, `--echo-append`), then each attack against the schemes it
//! breaks and the schemes that stop it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use bytes::Bytes;
use cipherlab::crypto::{Cipher, Key, KeyExchange, Reason, Scheme, Verdict};
use cipherlab::net::exercise::{Class, Exercise};
use cipherlab::net::oracle::{self, Ending, MAX_QUERIES_PER_BYTE, Plan};
use cipherlab::net::{
    AttackKind, AutoReply, ClientCommand, Event, NetError, OracleEvent, ServerConfig, VerdictDetail,
};
use cipherlab::wire::Frame;
use common::classroom::{result_of, student, task_of};
use common::process::{self, Proc};
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

#[test]
fn attacks_refuse_bad_arguments_with_exit_2() {
    let run = |args: &[&str]| {
        let out = std::process::Command::new(process::BIN)
            .args(["attack"])
            .args(args)
            .args(["--log-level", "off"])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (code, err) = run(&["padding-oracle", "--connect", "127.0.0.1:1"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("--message <HEX>"), "{err}");
    let (code, err) = run(&["padding-oracle", "--message", "zz"]);
    assert_eq!(code, Some(2), "{err}");
    assert!(err.contains("not hex"), "{err}");
    let long = "x".repeat(300);
    let (code, err) = run(&["extend", "--message", "00", "--append", &long]);
    assert_eq!(code, Some(2), "{err}");
    let (code, err) = run(&["byte-at-a-time", "--connect", "127.0.0.1:0"]);
    assert_eq!(code, Some(2), "{err}");
}

/// A lab server whose events nobody reads (the attacks ask thousands of questions).
async fn quiet_server(config: ServerConfig) -> (std::net::SocketAddr, Key) {
    let TestServer {
        addr, events, key, ..
    } = start_server(config).await;
    drop(events);
    (addr, key)
}

/// Runs `plan` in this process against `addr`; returns how it ended and every event.
async fn attack(
    addr: std::net::SocketAddr,
    plan: Plan,
    key: Option<&Key>,
) -> (Result<Ending, NetError>, Vec<Event>) {
    attack_as("attacker", addr, plan, key).await
}

/// [`attack`] under the name `name` (an exercise's student).
async fn attack_as(
    name: &str,
    addr: std::net::SocketAddr,
    plan: Plan,
    key: Option<&Key>,
) -> (Result<Ending, NetError>, Vec<Event>) {
    let mut config = client_config(addr, None, key);
    config.name = name.into();
    let (tx, mut rx) = tokio::sync::mpsc::channel(cipherlab::net::EVENT_QUEUE);
    let task = tokio::spawn(oracle::run(config, plan, tx));
    let mut events = vec![];
    let collected = tokio::time::timeout(DEADLINE * 3, async {
        while let Some(event) = rx.recv().await {
            events.push(event);
        }
    })
    .await;
    assert!(collected.is_ok(), "the attack hung; events: {events:?}");
    (task.await.unwrap(), events)
}

fn oracle_events(events: &[Event]) -> Vec<&OracleEvent> {
    events
        .iter()
        .filter_map(|e| match e {
            Event::Oracle(o) => Some(o),
            _ => None,
        })
        .collect()
}

fn random(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    getrandom::getrandom(&mut bytes).unwrap();
    bytes
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn padding_oracle_reads_psk_cbc_messages_from_detailed_and_opaque_verdicts() {
    let mut plaintexts: Vec<Vec<u8>> = [1, 15, 16, 17, 100].map(random).to_vec();
    let mut ends_in_two = random(15);
    ends_in_two[14] = 0x02;
    plaintexts.push(ends_in_two);
    let mut ends_in_two_twos = random(30);
    ends_in_two_twos[28..].copy_from_slice(&[0x02, 0x02]);
    plaintexts.push(ends_in_two_twos);
    plaintexts.push(b"\x02".to_vec());
    // One key and the same captured messages for both servers, so that the query counts
    // compare: hiding the reason saves nothing.
    let key = Key::generate(Scheme::Cbc).unwrap();
    let cipher = Cipher::new(&key);
    let messages: Vec<Vec<u8>> = plaintexts.iter().map(|p| cipher.seal(p).unwrap()).collect();
    let mut counts = Vec::new();
    for detail in [VerdictDetail::Detailed, VerdictDetail::Opaque] {
        let mut config = server_config(Scheme::Cbc, KeyExchange::Psk);
        config.key = key.clone();
        config.verdicts = detail;
        let (addr, _) = quiet_server(config).await;
        let mut these = Vec::new();
        for (plain, message) in plaintexts.iter().zip(&messages) {
            let message = message.clone();
            let plan = Plan::PaddingOracle {
                message: message.clone(),
            };
            // The attacker has no key: under psk nothing but the verdicts helps it.
            let (ending, events) = attack(addr, plan, None).await;
            assert_eq!(
                ending.unwrap(),
                Ending::Recovered,
                "{detail:?} {plain:02x?}"
            );
            let oracle = oracle_events(&events);
            assert!(matches!(
                oracle.first(),
                Some(OracleEvent::Started { attack: AttackKind::PaddingOracle, target_len, .. })
                    if *target_len == message.len() - 16
            ));
            let bytes: Vec<u64> = oracle
                .iter()
                .filter_map(|o| match o {
                    OracleEvent::Byte { queries, .. } => Some(*queries),
                    _ => None,
                })
                .collect();
            assert_eq!(bytes.len(), message.len() - 16, "one oracle-byte per byte");
            assert!(
                bytes.iter().all(|&q| q <= MAX_QUERIES_PER_BYTE),
                "{detail:?}: {bytes:?}"
            );
            let Some(OracleEvent::Done {
                plaintext, queries, ..
            }) = oracle.last()
            else {
                panic!("no oracle-done: {oracle:?}");
            };
            assert_eq!(&plaintext[..], &plain[..], "{detail:?}");
            assert_eq!(*queries, bytes.iter().sum::<u64>());
            these.push(*queries);
        }
        counts.push(these);
    }
    assert_eq!(
        counts[0], counts[1],
        "opaque verdicts take as many queries as detailed"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn padding_oracle_fails_against_fernet_gcm_and_chacha_after_256_queries() {
    for scheme in [Scheme::Fernet, Scheme::Gcm, Scheme::Chacha] {
        for detail in [VerdictDetail::Detailed, VerdictDetail::Opaque] {
            let mut config = server_config(scheme, KeyExchange::Psk);
            config.verdicts = detail;
            let (addr, key) = quiet_server(config).await;
            let message = Cipher::new(&key).seal(&random(40)).unwrap();
            let (ending, events) = attack(addr, Plan::PaddingOracle { message }, None).await;
            assert_eq!(ending.unwrap(), Ending::Failed, "{scheme}");
            let Some(OracleEvent::Failed {
                reason, queries, ..
            }) = oracle_events(&events).last().copied()
            else {
                panic!("{scheme}: no oracle-failed: {events:?}");
            };
            assert!(*queries <= 256, "{scheme}: {queries}");
            let expected = match detail {
                VerdictDetail::Detailed => {
                    "every query rejected: tag mismatch: the verdict carries no padding information"
                }
                VerdictDetail::Opaque => {
                    "every query rejected: the verdict carries no padding information"
                }
            };
            assert_eq!(reason, expected, "{scheme} {detail:?}");
        }
    }
}

/// `cipherlab ARGS`: its exit code and its JSON lines, within the test's deadline.
async fn attack_binary(args: Vec<String>) -> (Option<i32>, Vec<serde_json::Value>) {
    tokio::task::spawn_blocking(move || {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let started = std::time::Instant::now();
        let (code, lines) = Proc::cipherlab(&args, &[("CIPHERLAB_KEY", "")]).finish();
        assert!(started.elapsed() < DEADLINE, "the attack took too long");
        let json = lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect();
        (code, json)
    })
    .await
    .unwrap()
}

fn attack_args(kind: &str, addr: impl std::fmt::Display, extra: &[&str]) -> Vec<String> {
    let mut args = vec![
        "attack".to_owned(),
        kind.to_owned(),
        "--connect".to_owned(),
        addr.to_string(),
        "--headless".to_owned(),
        "--log-level".to_owned(),
        "off".to_owned(),
    ];
    args.extend(extra.iter().map(|s| s.to_string()));
    args
}

fn named<'a>(lines: &'a [serde_json::Value], event: &str) -> Vec<&'a serde_json::Value> {
    lines.iter().filter(|l| l["event"] == event).collect()
}

/// `cipherlab attack padding-oracle` on `text` sealed under a psk `scheme` server.
async fn padding_oracle_binary(
    scheme: Scheme,
    text: &[u8],
) -> (Option<i32>, Vec<serde_json::Value>) {
    let (addr, key) = quiet_server(server_config(scheme, KeyExchange::Psk)).await;
    let message = hex::encode(Cipher::new(&key).seal(text).unwrap());
    attack_binary(attack_args(
        "padding-oracle",
        addr,
        &["--message", &message],
    ))
    .await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attack_padding_oracle_exits_0_with_the_plaintext_and_1_against_an_aead() {
    let (code, lines) = padding_oracle_binary(Scheme::Cbc, b"the eagle lands at noon").await;
    assert_eq!(code, Some(0), "{lines:?}");
    let done = named(&lines, "oracle-done");
    assert_eq!(done[0]["plaintext"], "the eagle lands at noon");
    assert_eq!(done[0]["attack"], "padding-oracle");
    assert!(done[0]["seconds"].as_f64().unwrap() > 0.0);
    assert_eq!(named(&lines, "oracle-started")[0]["target_len"], 32);
    assert_eq!(named(&lines, "oracle-byte").len(), 32);

    let (code, lines) = padding_oracle_binary(Scheme::Gcm, b"the eagle lands at noon").await;
    assert_eq!(code, Some(1), "{lines:?}");
    let failed = named(&lines, "oracle-failed");
    assert_eq!(
        failed[0]["reason"],
        "every query rejected: tag mismatch: the verdict carries no padding information"
    );
    assert!(failed[0]["queries"].as_u64().unwrap() <= 256);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn attacks_on_a_server_that_is_not_a_lab_server_end_with_a_clear_error() {
    // One listener that accepts and says nothing, one that answers like a web server.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_addr = silent.local_addr().unwrap();
    let web = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let web_addr = web.local_addr().unwrap();
    let keep = tokio::spawn(async move {
        let mut held = vec![];
        loop {
            tokio::select! {
                Ok((stream, _)) = silent.accept() => held.push(stream),
                Ok((mut stream, _)) = web.accept() => {
                    use tokio::io::AsyncWriteExt;
                    let _ = stream.write_all(b"HTTP/1.1 400 Bad Request\r\n\r\n").await;
                    held.push(stream);
                }
            }
        }
    });
    let message = hex::encode([7u8; 32]);
    let quick = ["--message", &message, "--handshake-timeout", "1"];
    // Exit 1 and an `error` event naming what went wrong, within the test's deadline.
    let error_from = |addr| async move {
        let (code, lines) = attack_binary(attack_args("padding-oracle", addr, &quick)).await;
        assert_eq!(code, Some(1), "{lines:?}");
        named(&lines, "error")[0]["message"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let error = error_from(silent_addr).await;
    assert!(error.contains("no WELCOME within 1 s"), "{error}");
    assert!(
        error.contains("a cipherlab server on the lab wire?"),
        "{error}"
    );
    let error = error_from(web_addr).await;
    assert!(error.contains("this looks like an HTTP server"), "{error}");

    let (code, lines) =
        attack_binary(attack_args("byte-at-a-time", silent_addr, &quick[2..])).await;
    assert_eq!(code, Some(1), "{lines:?}");
    keep.abort();
}

/// A server of `scheme` that answers each message m with m ‖ `secret`.
async fn echo_append_server(
    scheme: Scheme,
    exchange: KeyExchange,
    secret: &[u8],
) -> (std::net::SocketAddr, Key) {
    let mut config = server_config(scheme, exchange);
    config.auto_reply = Some(AutoReply::Append(secret.to_vec()));
    quiet_server(config).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byte_at_a_time_recovers_a_30_byte_appended_secret_under_ecb() {
    let secret = b"session=7f3a9c21;role=teacher!";
    assert_eq!(secret.len(), 30);
    let (addr, _) = echo_append_server(Scheme::Ecb, KeyExchange::Send, secret).await;
    let (code, lines) = attack_binary(attack_args("byte-at-a-time", addr, &[])).await;
    assert_eq!(code, Some(0), "{lines:?}");
    let started = named(&lines, "oracle-started");
    assert_eq!(started[0]["target_len"], 30);
    assert_eq!(started[0]["block_size"], 16);
    let bytes = named(&lines, "oracle-byte");
    assert_eq!(bytes.len(), 30);
    assert!(bytes.iter().all(|b| b["queries"].as_u64().unwrap() <= 256));
    let done = named(&lines, "oracle-done");
    assert_eq!(done[0]["plaintext"], std::str::from_utf8(secret).unwrap());
    assert!(done[0]["queries"].as_u64().unwrap() <= 30 * 256 + 64);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byte_at_a_time_under_psk_seals_with_the_key_or_sends_raw_bytes_without_it() {
    let secret = b"a psk secret, appended";
    let (addr, key) = echo_append_server(Scheme::Ecb, KeyExchange::Psk, secret).await;
    // With the key its questions are sealed and accepted; without it they are bytes the
    // server cannot open, and echoes as they came, with the secret after them.
    for key in [Some(&key), None] {
        let (ending, events) = attack(addr, Plan::ByteAtATime, key).await;
        assert_eq!(ending.unwrap(), Ending::Recovered, "key: {}", key.is_some());
        assert!(matches!(
            oracle_events(&events).last(),
            Some(OracleEvent::Done { plaintext, .. }) if &plaintext[..] == secret
        ));
    }
    let (code, lines) = attack_binary(attack_args("byte-at-a-time", addr, &[])).await;
    assert_eq!(code, Some(0), "{lines:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn byte_at_a_time_fails_where_the_iv_or_nonce_is_random() {
    for scheme in [Scheme::Cbc, Scheme::Fernet, Scheme::Gcm, Scheme::Chacha] {
        let (addr, _) = echo_append_server(scheme, KeyExchange::Send, b"the secret").await;
        let (ending, events) = attack(addr, Plan::ByteAtATime, None).await;
        assert_eq!(ending.unwrap(), Ending::Failed, "{scheme}");
        let Some(OracleEvent::Failed {
            reason, queries, ..
        }) = oracle_events(&events).last().copied()
        else {
            panic!("{scheme}: no oracle-failed: {events:?}");
        };
        assert_eq!(
            reason, "no repeated blocks: the IV or nonce is random",
            "{scheme}"
        );
        assert!(*queries <= 66, "{scheme}: {queries}");
    }
}

#[tokio::test]
async fn byte_at_a_time_against_a_server_that_does_not_echo_says_so() {
    let (addr, _) = quiet_server(server_config(Scheme::Ecb, KeyExchange::Send)).await;
    let (ending, events) = attack(addr, Plan::ByteAtATime, None).await;
    assert_eq!(ending.unwrap(), Ending::Failed);
    assert!(matches!(
        oracle_events(&events).last(),
        Some(OracleEvent::Failed { reason, .. }) if reason.contains("--echo-append")
    ));
}

/// `cipherlab attack extend` on a message the `scheme` server's 13-byte key tagged.
async fn extend_binary(scheme: Scheme) -> (Option<i32>, Vec<serde_json::Value>) {
    let mut config = server_config(scheme, KeyExchange::Psk);
    config.key = Key::parse(scheme, "text:thirteen-byte").unwrap();
    let (addr, key) = quiet_server(config).await;
    assert_eq!(key.as_bytes().len(), 13);
    let message = hex::encode(Cipher::new(&key).seal(b"amount=10&to=alice").unwrap());
    let extra = ["--message", &message, "--append", "&to=mallory"];
    attack_binary(attack_args("extend", addr, &extra)).await
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn extend_is_accepted_under_prefix_mac_with_the_key_length_and_rejected_under_hmac() {
    let (code, lines) = extend_binary(Scheme::PrefixMac).await;
    assert_eq!(code, Some(0), "{lines:?}");
    let done = named(&lines, "oracle-done");
    assert_eq!(done[0]["attack"], "extend");
    assert_eq!(done[0]["key_len"], 13);
    assert!(done[0]["queries"].as_u64().unwrap() <= 64);
    let forged = done[0]["plaintext_hex"].as_str().unwrap();
    assert!(
        forged.starts_with(&hex::encode("amount=10&to=alice")),
        "{forged}"
    );
    assert!(forged.ends_with(&hex::encode("&to=mallory")), "{forged}");

    let (code, lines) = extend_binary(Scheme::Hmac).await;
    assert_eq!(code, Some(1), "{lines:?}");
    let failed = named(&lines, "oracle-failed");
    assert_eq!(
        failed[0]["reason"],
        "every key length from 1 to 64 rejected: tag mismatch"
    );
    assert_eq!(failed[0]["queries"], 64);
}

#[tokio::test]
async fn extend_against_a_scheme_without_a_tag_to_extend_fails_before_asking() {
    let (addr, key) = quiet_server(server_config(Scheme::Cbc, KeyExchange::Psk)).await;
    let message = Cipher::new(&key).seal(b"amount=10&to=alice").unwrap();
    let plan = Plan::Extend {
        message,
        append: "&to=mallory".into(),
    };
    let (ending, events) = attack(addr, plan, None).await;
    assert_eq!(ending.unwrap(), Ending::Failed);
    assert!(matches!(
        oracle_events(&events).last(),
        Some(OracleEvent::Failed { queries: 0, .. })
    ));
}

/// The README's "Reading without the key" examples, run as the shell would run them (on free
/// ports), with each `# …` line under a command checked against what it printed. Query counts,
/// seconds and ports vary from run to run, so every number compares equal to every other; a
/// claimed line with `…` in it stands for lines left out.
#[test]
fn the_readme_oracle_examples_print_what_they_say() {
    let readme = include_str!("../README.md");
    let start = readme.find("## Reading without the key").unwrap();
    let section = &readme[start..];
    let section = &section[..section[3..].find("\n## ").unwrap() + 3];
    let normal = |line: &str| {
        let mut out = String::new();
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            if c.is_ascii_digit() {
                while chars
                    .peek()
                    .is_some_and(|n| n.is_ascii_digit() || *n == '.')
                {
                    chars.next();
                }
                out.push('N');
            } else {
                out.push(c);
            }
        }
        out
    };
    let bin_dir = std::path::Path::new(process::BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap());
    let mut blocks = 0;
    for block in section.split("```sh\n").skip(1) {
        let block = &block[..block.find("```").unwrap()];
        // The script runs in a session of its own, so that on exit it can stop every server,
        // man in the middle and pipeline it started, and nothing else.
        let mut script = String::from("set -e\ntrap 'trap - TERM; kill 0' EXIT\n");
        let ports: Vec<(String, String)> = (23460..23470)
            .map(|port| {
                let free = std::net::TcpListener::bind("127.0.0.1:0")
                    .unwrap()
                    .local_addr()
                    .unwrap();
                (format!("127.0.0.1:{port}"), free.to_string())
            })
            .collect();
        let on_free_ports = |line: &str| {
            ports
                .iter()
                .fold(line.to_owned(), |line, (from, to)| line.replace(from, to))
        };
        let mut claims = vec![];
        for line in block.lines() {
            let line = on_free_ports(line);
            if let Some(claim) = line.strip_prefix("# ") {
                if !claim.contains('…') {
                    claims.push(normal(claim.trim_start()));
                }
                continue;
            }
            script.push_str(&line);
            script.push('\n');
            if let Some(listen) = line.split("--listen 127.0.0.1:").nth(1) {
                let port = listen.split(' ').next().unwrap();
                script.push_str(&format!(
                    "until (exec 3<>/dev/tcp/127.0.0.1/{port}) 2>/dev/null; do sleep 0.05; done\n"
                ));
            }
        }
        // Bounded, so that an example that never ends fails the test instead of hanging it.
        let scratch = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("timeout")
            .args(["60", "setsid", "bash", "-c", &script])
            .current_dir(scratch.path())
            .env("PATH", &path)
            .env(
                "CIPHERLAB_LOG_FILE",
                std::env::temp_dir().join("cipherlab-readme-oracle.log"),
            )
            .env_remove("CIPHERLAB_KEY")
            .output()
            .unwrap();
        let printed: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .map(|l| normal(l.trim_start()))
            .collect();
        for claim in &claims {
            assert!(
                printed.contains(claim),
                "the README says {claim:?}, but the example printed:\n{}\nstderr: {}",
                printed.join("\n"),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        blocks += 1;
    }
    assert_eq!(blocks, 5, "the section's examples");
}

/// A cbc server under `exchange`, a man in the middle running the padding oracle on client
/// message 2, and a client sending `messages` through it. Returns every verdict the client
/// got and the man in the middle's oracle events.
async fn oracle_from_the_middle(
    exchange: KeyExchange,
    messages: &[&str],
) -> (Vec<(u64, Verdict)>, Vec<OracleEvent>, Vec<Event>) {
    let (addr, key) = quiet_server(server_config(Scheme::Cbc, exchange)).await;
    let mut mitm = start_mitm_with(cipherlab::net::MitmConfig {
        protocol: cipherlab::wire::seed::Protocol::Lab,
        scheme: None,
        upstream: addr.to_string(),
        plan: Vec::new(),
        intercept: false,
        oracle: Some(2),
        known: Vec::new(),
        limits: cipherlab::net::Limits::default(),
    })
    .await;
    let shared = (exchange == KeyExchange::Psk).then_some(&key);
    let mut client = start_client(client_config(mitm.addr, Some(Scheme::Cbc), shared));
    let verdicts = client.exchange(messages).await;
    let mut oracle = vec![];
    let mitm_events = tokio::time::timeout(DEADLINE * 3, async {
        let mut all = vec![];
        while let Some(event) = mitm.events.recv().await {
            if let Event::Oracle(o) = &event {
                oracle.push(o.clone());
                if matches!(o, OracleEvent::Done { .. } | OracleEvent::Failed { .. }) {
                    break;
                }
            }
            all.push(event);
        }
        all
    })
    .await
    .expect("the oracle did not finish");
    // The client's connection is still there and still answered.
    let more = client.exchange(&["still here?"]).await;
    let mut verdicts = verdicts;
    verdicts.extend(more);
    let client_errors: Vec<Event> = drain(&mut client.events)
        .into_iter()
        .filter(|e| matches!(e, Event::Error { .. } | Event::Disconnected { .. }))
        .collect();
    assert!(client_errors.is_empty(), "{client_errors:?}");
    (verdicts, oracle, mitm_events)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mitm_oracle_reads_the_clients_second_message_under_psk_and_x25519() {
    let messages = [
        "good morning",
        "the vault code is 4-8-15-16-23-42",
        "see you at lunch",
        "bring the slides",
        "bye",
    ];
    for exchange in [KeyExchange::Psk, KeyExchange::X25519] {
        let (verdicts, oracle, events) = oracle_from_the_middle(exchange, &messages).await;
        let mut seqs: Vec<u64> = verdicts.iter().map(|(seq, _)| *seq).collect();
        seqs.sort_unstable();
        assert_eq!(
            seqs,
            [1, 2, 3, 4, 5, 6],
            "{exchange:?}: every client message answered"
        );
        assert!(verdicts.iter().all(|(_, v)| *v == Verdict::Unauthenticated));
        assert!(matches!(
            oracle.first(),
            Some(OracleEvent::Started {
                attack: AttackKind::PaddingOracle,
                target_len: 48,
                ..
            })
        ));
        let Some(OracleEvent::Done { plaintext, .. }) = oracle.last() else {
            panic!("{exchange:?}: {oracle:?}");
        };
        assert_eq!(&plaintext[..], messages[1].as_bytes(), "{exchange:?}");
        let bytes = oracle
            .iter()
            .filter(|o| matches!(o, OracleEvent::Byte { queries, .. } if *queries <= 256))
            .count();
        assert_eq!(bytes, 48);
        // The queries and their verdicts are the oracle's: none is reported as the client's.
        assert!(!events.iter().any(|e| matches!(
            e,
            Event::Intercepted { frame: Frame::Verdict { seq, .. }, .. } if *seq >= cipherlab::net::ORACLE_SEQ
        )));
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn mitm_oracle_armed_from_the_front_end_reads_the_next_message() {
    let (addr, key) = quiet_server(server_config(Scheme::Cbc, KeyExchange::Psk)).await;
    let mut mitm = start_mitm(addr, Vec::new()).await;
    let mut client = start_client(client_config(mitm.addr, Some(Scheme::Cbc), Some(&key)));
    client.exchange(&["not this one"]).await;
    mitm.commands
        .send(cipherlab::net::MitmCommand::Oracle {
            live: Default::default(),
        })
        .await
        .unwrap();
    wait_for(&mut mitm.events, "oracle-armed", |e| {
        matches!(e, Event::Oracle(OracleEvent::Armed { .. }))
    })
    .await;
    client.exchange(&["this one"]).await;
    let done = wait_for(&mut mitm.events, "oracle-done", |e| {
        matches!(e, Event::Oracle(OracleEvent::Done { .. }))
    })
    .await;
    assert!(matches!(
        done,
        Event::Oracle(OracleEvent::Done { plaintext, .. }) if &plaintext[..] == b"this one"
    ));
}

#[test]
fn mitm_oracle_is_for_the_lab_wire() {
    let out = std::process::Command::new(process::BIN)
        .args([
            "mitm",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "127.0.0.1:1",
        ])
        .args([
            "--wire",
            "seed",
            "--scheme",
            "cbc",
            "--oracle",
            "1",
            "--headless",
        ])
        .args(["--log-level", "off"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--oracle is for the lab wire"));
}

/// A server hosting the exercise `name`, and its class.
async fn exercise_server(name: &str) -> (std::net::SocketAddr, std::sync::Arc<Class>) {
    let exercise = Exercise::find(name).unwrap();
    let mut config = server_config(exercise.scheme, exercise.key_exchange);
    let class = std::sync::Arc::new(
        Class::new(
            exercise,
            &config.key,
            cipherlab::crypto::NoncePolicy::Random,
            None,
        )
        .unwrap(),
    );
    config.class = Some(std::sync::Arc::clone(&class));
    (quiet_server(config).await.0, class)
}

/// What `student`'s ANSWER gets back: correct or not, and why.
async fn answer(student: &mut TestClient, answer: &[u8]) -> (bool, String) {
    let text = String::from_utf8_lossy(answer).into_owned();
    student
        .commands
        .send(ClientCommand::Answer(text))
        .await
        .unwrap();
    result_of(student).await
}

fn recovered(events: &[Event]) -> Vec<u8> {
    match oracle_events(events).last() {
        Some(OracleEvent::Done { plaintext, .. }) => plaintext.to_vec(),
        other => panic!("not recovered: {other:?}"),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_byte_at_a_time_exercise_falls_to_the_attack_run_under_the_students_name() {
    let (addr, class) = exercise_server("byte-at-a-time").await;
    // No key: psk, and the student never has it.
    let (ending, events) = attack_as("frank", addr, Plan::ByteAtATime, None).await;
    assert_eq!(ending.unwrap(), Ending::Recovered);
    let secret = recovered(&events);
    assert_eq!(secret, class.secret_for("frank").as_bytes());
    let mut frank = student(addr, "frank");
    task_of(&mut frank).await;
    let (correct, why) = answer(&mut frank, &secret).await;
    assert!(correct, "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_padding_oracle_exercise_falls_to_the_attack_on_its_material() {
    let (addr, _class) = exercise_server("padding-oracle").await;
    let mut grace = student(addr, "grace");
    let message = hex::decode(task_of(&mut grace).await.material.trim()).unwrap();
    let (ending, events) = attack_as("grace", addr, Plan::PaddingOracle { message }, None).await;
    assert_eq!(ending.unwrap(), Ending::Recovered);
    // The plaintext holds the secret the task asks for.
    let plaintext: serde_json::Value = serde_json::from_slice(&recovered(&events)).unwrap();
    assert_eq!(plaintext["user"], "grace");
    let secret = plaintext["secret"].as_str().unwrap();
    let (correct, why) = answer(&mut grace, secret.as_bytes()).await;
    assert!(correct, "{why}: {secret}");
}
