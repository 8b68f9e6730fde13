//! The Oracle tab and the attack screen in the real binary, in a pseudo-terminal: the demo
//! under cbc, a message typed and sent, `o` on it, and the recovered plaintext read off the
//! screen; `+`/`-` slowing the attack, shown on the tab; and `cipherlab attack padding-oracle`
//! without `--headless` against a real server, quit with `q`, the terminal restored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::{Duration, Instant};

use cipherlab::crypto::{Cipher, Key, Scheme};
use common::process::Proc;
use common::pty::Pty;

/// The demo, switched to cbc with `2`, after the client has connected.
fn demo_under_cbc() -> Pty {
    let mut pty = Pty::spawn(&[], 120, 36, &[]);
    pty.wait_for("client: connected");
    pty.send(b"2");
    pty.wait_for("demo · cbc");
    pty.wait_for("client: connected");
    pty
}

/// Types `text` (i first: keys are commands), sends it, waits for its verdict, and goes back
/// to commands.
fn send(pty: &mut Pty, text: &str) {
    pty.send(b"i");
    pty.wait_for("TYPING");
    pty.send(text.as_bytes());
    pty.send(b"\r");
    pty.wait_for("unauthenticated");
    pty.send(b"\x1b");
    pty.wait_for("q quit");
}

#[test]
fn o_in_the_demo_reads_the_client_message_on_the_oracle_tab() {
    let mut pty = demo_under_cbc();
    send(&mut pty, "launch at dawn, tell no one");
    // The footer offers o where the man in the middle sits.
    assert!(pty.parser.screen().contents().contains("o oracle"));
    pty.send(b"o");
    let screen = pty.wait_for("✔ recovered without the key");
    assert!(
        screen.contains("✔ recovered without the key: \"launch at dawn, tell no one\""),
        "{screen}"
    );
    assert!(
        screen.contains("27 bytes recovered from a 48-byte message"),
        "{screen}"
    );
    pty.send(b"q");
    assert!(pty.wait_exit().success());
    assert!(!pty.parser.screen().alternate_screen());
}

/// The number after `queries ` on the screen.
fn queries(screen: &str) -> u64 {
    let at = screen.find("queries ").expect("a query count") + "queries ".len();
    screen[at..]
        .chars()
        .take_while(|c| c.is_ascii_digit() || *c == ',')
        .filter(char::is_ascii_digit)
        .collect::<String>()
        .parse()
        .unwrap()
}

#[test]
fn minus_slows_the_oracle_to_a_few_queries_a_second_and_plus_lets_it_finish() {
    let mut pty = demo_under_cbc();
    send(&mut pty, "slow for the class");
    // On the Oracle tab (`[` wraps to it), - five times: 10,000, 1,000, 100, 20, 4 a second.
    pty.send(b"[");
    pty.wait_for("pace: full speed");
    for _ in 0..5 {
        pty.send(b"-");
    }
    pty.wait_for("pace: 4 queries/s");
    pty.send(b"]");
    pty.wait_for("o oracle");
    pty.send(b"o");
    pty.wait_for("working C");
    let started = Instant::now();
    std::thread::sleep(Duration::from_millis(1500));
    let screen = pty.wait_for("pace: 4 queries/s");
    let asked = queries(&screen);
    let seconds = started.elapsed().as_secs_f64() + 0.5;
    assert!(
        asked >= 1 && asked as f64 <= 4.0 * seconds + 2.0,
        "{asked} queries in about {seconds:.1} s at 4 a second\n{screen}"
    );
    // Back to full speed: the rest goes at once.
    for _ in 0..5 {
        pty.send(b"+");
    }
    let screen = pty.wait_for("✔ recovered without the key");
    assert!(screen.contains("\"slow for the class\""), "{screen}");
    assert!(screen.contains("pace: full speed"), "{screen}");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
}

#[test]
fn the_attack_screen_shows_the_oracle_view_and_q_restores_the_terminal() {
    let key = Key::generate(Scheme::Cbc).unwrap();
    let key_text = format!("hex:{}", hex::encode(key.as_bytes()));
    let mut server = Proc::cipherlab(
        &[
            "server",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--scheme",
            "cbc",
            "--key-exchange",
            "psk",
            "--key",
            &key_text,
        ],
        &[],
    );
    let addr = format!("127.0.0.1:{}", server.port());
    let message = hex::encode(Cipher::new(&key).seal(b"read on a real screen").unwrap());
    let mut pty = Pty::spawn(
        &[
            "attack",
            "padding-oracle",
            "--connect",
            &addr,
            "--message",
            &message,
        ],
        80,
        24,
        &[],
    );
    let screen = pty.wait_for("✔ recovered without the key");
    assert!(screen.contains("\"read on a real screen\""), "{screen}");
    assert!(screen.contains("q quit  + - pace"), "{screen}");
    pty.send(b"q");
    let status = pty.wait_exit();
    assert!(status.success(), "recovered: exit 0, {status:?}");
    assert!(!pty.parser.screen().alternate_screen());
    assert!(!pty.parser.screen().hide_cursor());
    server.kill();
}

#[test]
fn the_padding_oracle_lessons_attack_is_watched_on_the_oracle_tab() {
    let mut pty = Pty::spawn(&["lesson", "padding-oracle"], 120, 36, &[]);
    pty.wait_for("step 1 of 6");
    pty.send(b"\x1b[C");
    pty.wait_for("step 2 of 6");
    pty.wait_for("unauthenticated");
    // Step 3 arms the oracle for its message and opens the Oracle tab, where the attack is
    // read as it runs, to the plaintext.
    pty.send(b"\x1b[C");
    let screen = pty.wait_for("✔ recovered without the key");
    assert!(screen.contains("step 3 of 6"), "{screen}");
    assert!(
        screen.contains("✔ recovered without the key: \"exam answers: B, D, A, C, C, A\""),
        "{screen}"
    );
    // Steps 4 and 5 (opaque verdicts, then x25519) read it again; step 6, under fernet, fails
    // and the tab says so. Each step's attack starts the tab afresh.
    for step in 4..=5 {
        pty.send(b"\x1b[C");
        pty.wait_for(&format!("step {step} of 6"));
        pty.wait_for("✔ recovered without the key");
    }
    pty.send(b"\x1b[C");
    let screen = pty.wait_for("✘ oracle-failed after 256 queries");
    assert!(screen.contains("step 6 of 6"), "{screen}");
    assert!(!screen.contains("✔ recovered"), "{screen}");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
}

#[test]
fn the_byte_at_a_time_lessons_attack_is_watched_on_the_oracle_tab() {
    let mut pty = Pty::spawn(&["lesson", "ecb-byte-at-a-time"], 120, 36, &[]);
    pty.wait_for("step 1 of 4");
    for step in 2..=3 {
        pty.send(b"\x1b[C");
        pty.wait_for(&format!("step {step} of 4"));
    }
    let screen = pty.wait_for("✔ recovered without the key");
    assert!(
        screen.contains("✔ recovered without the key: \"session=7f3a9c21;role=teacher\""),
        "{screen}"
    );
    assert!(
        screen.contains("29 bytes recovered of a 29-byte secret"),
        "{screen}"
    );
    pty.send(b"\x1b[C");
    let screen = pty.wait_for("✘ oracle-failed");
    assert!(screen.contains("step 4 of 4"), "{screen}");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
}

#[test]
fn a_recorded_oracle_replays_on_the_oracle_tab() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("oracle.jsonl");
    let path = path.to_str().unwrap();
    let (server, upstream) =
        Proc::listening("server", &["--scheme", "cbc", "--key-exchange", "x25519"]);
    let (mut mitm, mitm_addr) = Proc::listening(
        "mitm",
        &["--upstream", &upstream, "--oracle", "1", "--record", path],
    );
    let client = std::process::Command::new(common::process::BIN)
        .args(["client", "--headless", "--connect", &mitm_addr])
        .args(["--message", "the vault code is 4-8-15-16-23-42"])
        .output()
        .unwrap();
    assert!(client.status.success());
    mitm.event("oracle-done");
    assert_eq!(mitm.stop(), Some(0));
    assert_eq!(server.stop(), Some(0));
    // The replay draws the Oracle tab from the recorded oracle-* events.
    let mut pty = Pty::spawn(&["replay", path], 120, 36, &[]);
    pty.wait_for("replay");
    for _ in 0..4 {
        pty.send(b"]");
    }
    let screen = pty.wait_for("✔ recovered without the key");
    assert!(
        screen.contains("✔ recovered without the key: \"the vault code is 4-8-15-16-23-42\""),
        "{screen}"
    );
    assert!(screen.contains("a recorded attack, replayed"), "{screen}");
    // A recording keeps the ciphertext's length, not the message's: the tab says which.
    assert!(
        screen.contains("33 bytes recovered from 48 bytes of ciphertext"),
        "{screen}"
    );
    pty.send(b"q");
    assert!(pty.wait_exit().success());
}

#[test]
fn o_in_the_man_in_the_middles_own_screen_reads_a_students_message() {
    let (_server, upstream) =
        Proc::listening("server", &["--scheme", "cbc", "--key-exchange", "x25519"]);
    let mut pty = Pty::spawn(
        &["mitm", "--listen", "127.0.0.1:0", "--upstream", &upstream],
        120,
        36,
        &[],
    );
    let port = pty.listening_port().to_string();
    let addr = format!("127.0.0.1:{port}");
    // The student stays connected: the questions go through their connection.
    let mut student = Proc::cipherlab_typing(&["client", "--headless", "--connect", &addr], &[]);
    student.type_line("meet at the north gate at nine");
    student.event("verdict");
    pty.wait_for("#1");
    pty.send(b"o");
    let screen = pty.wait_for("✔ recovered without the key");
    assert!(
        screen.contains("✔ recovered without the key: \"meet at the north gate at nine\""),
        "{screen}"
    );
    pty.send(b"q");
    assert!(pty.wait_exit().success());
}
