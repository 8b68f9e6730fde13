//! The second release's schemes on real loopback sockets, through the headless front ends:
//! the real binary as server, man in the middle and client. Length extension forges a
//! prefix-mac message without the key and fails against hmac; a fixed gcm/chacha nonce lets
//! one known plaintext read the others, while random and counter nonces give nothing away;
//! `rewrite` turns cbc's known plaintext into chosen plaintext and fails against an AEAD; and
//! the combinations that make no sense are usage errors.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::process::Proc;
use serde_json::Value;

/// What the server and the man in the middle printed while a headless client sent `messages`
/// through the man in the middle.
struct Run {
    server: Vec<Value>,
    mitm: Vec<Value>,
    client_exit: Option<i32>,
}

fn json(lines: &[String]) -> Vec<Value> {
    lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

/// Server `server_args`, a man in the middle with `mitm_args`, and a client with
/// `client_args` sending `messages`; stops the server and relay once the client is done.
fn run(server_args: &[&str], mitm_args: &[&str], client_args: &[&str], messages: &[&str]) -> Run {
    let mut args = vec!["server", "--listen", "127.0.0.1:0", "--headless"];
    args.extend(server_args);
    let mut server = Proc::cipherlab(&args, &[]);
    let upstream = format!("127.0.0.1:{}", server.port());
    let mut args = vec![
        "mitm",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        &upstream,
        "--headless",
    ];
    args.extend(mitm_args);
    let mut mitm = Proc::cipherlab(&args, &[]);
    let relay = format!("127.0.0.1:{}", mitm.port());
    let mut args = vec!["client", "--connect", &relay, "--headless"];
    args.extend(client_args);
    for m in messages {
        args.extend(["--message", m]);
    }
    let (client_exit, _) = Proc::cipherlab(&args, &[]).finish();
    // Every verdict has been given once the client is done; the relay has reported it.
    let last = messages.len();
    server.wait_json("the last message", |v| {
        v["event"] == "received" && v["seq"] == last
    });
    mitm.wait_json("the client leaving", |v| v["event"] == "disconnected");
    let server_lines = std::mem::take(&mut server.seen);
    let mitm_lines = std::mem::take(&mut mitm.seen);
    drop((server, mitm));
    Run {
        server: json(&server_lines),
        mitm: json(&mitm_lines),
        client_exit,
    }
}

fn events<'a>(lines: &'a [Value], name: &str) -> Vec<&'a Value> {
    lines.iter().filter(|v| v["event"] == name).collect()
}

fn received(run: &Run, seq: u64) -> &Value {
    run.server
        .iter()
        .find(|v| v["event"] == "received" && v["seq"] == seq)
        .unwrap_or_else(|| panic!("no received seq {seq}: {:?}", run.server))
}

const PREFIX_KEY: &str = "text:sixteen byte key";

#[test]
fn length_extension_forges_a_prefix_mac_message_without_the_key_and_fails_against_hmac() {
    let key_len = "sixteen byte key".len().to_string();
    let tamper = format!("1=extend:{key_len}:&to=mallory");
    let forged = run(
        &["--scheme", "prefix-mac", "--key", PREFIX_KEY],
        &["--tamper", &tamper],
        &["--scheme", "prefix-mac", "--key", PREFIX_KEY],
        &["amount=10&to=alice"],
    );
    let got = received(&forged, 1);
    assert_eq!(got["verdict"], "authentic", "{got}");
    let plaintext = hex::decode(got["plaintext_hex"].as_str().unwrap()).unwrap();
    assert!(plaintext.starts_with(b"amount=10&to=alice\x80"), "{got}");
    assert!(plaintext.ends_with(b"&to=mallory"), "{got}");
    // The man in the middle never held the key: it never reported one.
    assert!(events(&forged.mitm, "key").is_empty());
    assert_eq!(events(&forged.mitm, "tampered").len(), 1);

    let hmac = run(
        &["--scheme", "hmac", "--key", PREFIX_KEY],
        &["--tamper", &tamper],
        &["--scheme", "hmac", "--key", PREFIX_KEY],
        &["amount=10&to=alice"],
    );
    let got = received(&hmac, 1);
    assert_eq!(got["verdict"], "rejected", "{got}");
    assert_eq!(got["reason"], "tag mismatch", "{got}");
    assert_eq!(hmac.client_exit, Some(1));
}

#[test]
fn a_wrong_key_length_guess_is_rejected_even_by_prefix_mac() {
    let forged = run(
        &["--scheme", "prefix-mac", "--key", PREFIX_KEY],
        &["--tamper", "1=extend:15:&to=mallory"],
        &["--scheme", "prefix-mac", "--key", PREFIX_KEY],
        &["amount=10&to=alice"],
    );
    assert_eq!(received(&forged, 1)["reason"], "tag mismatch");
}

/// A pre-shared gcm/chacha key, the client's nonce policy, and the attacker knowing message 1.
fn nonce_run(scheme: &str, policy: &str) -> Run {
    let key = match scheme {
        "gcm" => "000102030405060708090a0b0c0d0e0f",
        _ => "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f",
    };
    run(
        &["--scheme", scheme, "--key", key, "--key-exchange", "psk"],
        &["--known", "1=attack at dawn!"],
        &["--scheme", scheme, "--key", key, "--nonce", policy],
        &["attack at dawn!", "retreat at noon", "hold"],
    )
}

#[test]
fn a_fixed_nonce_and_one_known_plaintext_read_every_other_message_under_a_pre_shared_key() {
    for scheme in ["gcm", "chacha"] {
        let fixed = nonce_run(scheme, "fixed");
        assert_eq!(
            fixed.client_exit,
            Some(0),
            "{scheme}: the tags still verify"
        );
        let reused: Vec<(u64, u64)> = events(&fixed.mitm, "nonce-reused")
            .iter()
            .map(|v| {
                (
                    v["seq"].as_u64().unwrap(),
                    v["earlier_seq"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(reused, [(2, 1), (3, 1)], "{scheme}");
        let read: Vec<(u64, &str, &str)> = events(&fixed.mitm, "eavesdropped")
            .iter()
            .map(|v| {
                (
                    v["seq"].as_u64().unwrap(),
                    v["plaintext"].as_str().unwrap(),
                    v["how"].as_str().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            read,
            [
                (2, "retreat at noon", "keystream reuse"),
                (3, "hold", "keystream reuse")
            ],
            "{scheme}"
        );
    }
}

#[test]
fn random_and_counter_nonces_give_the_man_in_the_middle_nothing() {
    for scheme in ["gcm", "chacha"] {
        for policy in ["random", "counter"] {
            let safe = nonce_run(scheme, policy);
            assert_eq!(safe.client_exit, Some(0));
            assert!(
                events(&safe.mitm, "nonce-reused").is_empty(),
                "{scheme} {policy}"
            );
            assert!(
                events(&safe.mitm, "eavesdropped").is_empty(),
                "{scheme} {policy}"
            );
            // What it does see: three messages, each with its own nonce.
            let nonces: std::collections::HashSet<String> = events(&safe.mitm, "intercepted")
                .iter()
                .filter(|v| v["kind"] == "DATA" && v["direction"] == "client-to-server")
                .map(|v| v["wire_hex"].as_str().unwrap()[..24].to_owned())
                .collect();
            assert_eq!(nonces.len(), 3, "{scheme} {policy}: {nonces:?}");
        }
    }
}

#[test]
fn rewrite_turns_known_cbc_plaintext_into_chosen_plaintext_and_fails_against_an_aead() {
    let message = "role=student;name=ada";
    let cbc = run(
        &["--scheme", "cbc"],
        &["--tamper", "1=rewrite:5:student:teacher"],
        &["--scheme", "cbc"],
        &[message],
    );
    let got = received(&cbc, 1);
    assert_eq!(got["verdict"], "unauthenticated", "{got}");
    assert_eq!(got["plaintext"], "role=teacher;name=ada", "{got}");

    for scheme in ["gcm", "chacha"] {
        let aead = run(
            &["--scheme", scheme],
            &["--tamper", "1=rewrite:5:student:teacher"],
            &["--scheme", scheme],
            &[message],
        );
        let got = received(&aead, 1);
        assert_eq!(got["verdict"], "rejected", "{scheme}: {got}");
        assert_eq!(got["reason"], "tag mismatch", "{scheme}: {got}");
    }
}

#[test]
fn rewrite_in_a_later_cbc_block_garbles_the_block_before_it() {
    // Plaintext block 1 ("role=student;...") is changed through ciphertext block 0.
    let message = "0123456789abcdefrole=student;xyz";
    let cbc = run(
        &["--scheme", "cbc"],
        &["--tamper", "1=rewrite:21:student:teacher"],
        &["--scheme", "cbc"],
        &[message],
    );
    let got = received(&cbc, 1);
    assert_eq!(got["verdict"], "unauthenticated", "{got}");
    let plaintext = match got.get("plaintext_hex") {
        Some(h) => hex::decode(h.as_str().unwrap()).unwrap(),
        None => got["plaintext"].as_str().unwrap().as_bytes().to_vec(),
    };
    assert_ne!(&plaintext[..16], b"0123456789abcdef", "block 0 garbles");
    assert_eq!(&plaintext[16..], b"role=teacher;xyz");
}

#[test]
fn the_combinations_that_make_no_sense_are_usage_errors_that_say_why() {
    for (args, says) in [
        (
            vec!["server", "--wire", "seed", "--scheme", "gcm", "--headless"],
            "no seed program speaks gcm",
        ),
        (
            vec![
                "client",
                "--wire",
                "seed",
                "--scheme",
                "prefix-mac",
                "--headless",
            ],
            "no seed program speaks prefix-mac",
        ),
        (
            vec![
                "server",
                "--scheme",
                "cbc",
                "--nonce",
                "fixed",
                "--headless",
            ],
            "cbc has no nonce",
        ),
        (
            vec!["client", "--nonce", "counter", "--headless"],
            "--nonce needs --scheme gcm or chacha",
        ),
    ] {
        let mut proc = Proc::cipherlab(&args, &[]);
        let (code, _) = {
            let stderr = proc.stderr();
            assert!(stderr.contains(says), "{args:?}: {stderr}");
            proc.finish()
        };
        assert_eq!(code, Some(2), "{args:?}");
    }
}

#[test]
fn rewrite_on_ecb_is_refused_because_ecb_has_no_xor_path() {
    let ecb = run(
        &["--scheme", "ecb"],
        &["--tamper", "1=rewrite:5:student:teacher"],
        &["--scheme", "ecb"],
        &["role=student;name=ada"],
    );
    let refusal = events(&ecb.mitm, "error");
    assert!(
        refusal
            .iter()
            .any(|v| v["message"].as_str().unwrap().contains("no XOR path (ECB)")),
        "{refusal:?}"
    );
    assert_eq!(received(&ecb, 1)["plaintext"], "role=student;name=ada");
}
