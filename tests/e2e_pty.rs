//! The real binary in a pseudo-terminal, as a person meets it: type a message in the demo,
//! read the verdict off the screen, quit, and find the terminal restored.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write;

use common::pty::Pty;
use portable_pty::CommandBuilder;

#[test]
fn type_a_message_in_the_demo_read_authentic_and_quit() {
    let mut pty = Pty::spawn(&[], 120, 36, &[]);
    pty.wait_for("received-in-clear");
    // Keys are commands until i starts typing; the footer says when they are text.
    pty.send(b"i");
    pty.wait_for("TYPING");
    pty.send(b"hello from the pty");
    pty.wait_for("> hello from the pty");
    pty.send(b"\r");
    let screen = pty.wait_for("authentic");
    assert!(screen.contains("sent: hello from the pty"), "{screen}");
    assert!(screen.contains("received: hello from the pty"), "{screen}");
    assert!(
        screen.contains("eavesdropper reads: hello from the pty"),
        "{screen}"
    );
    // Esc leaves the editor (so q is a command, not a letter), q quits.
    pty.send(b"\x1b");
    pty.wait_for("q quit");
    pty.send(b"q");
    let status = pty.wait_exit();
    assert!(status.success(), "{status:?}");
    assert!(
        !pty.parser.screen().alternate_screen(),
        "the alternate screen was left"
    );
    assert!(
        !pty.parser.screen().hide_cursor(),
        "the cursor is visible again"
    );
}

#[test]
fn scheme_keys_restart_the_demo_and_ctrl_c_always_quits() {
    let mut pty = Pty::spawn(&["demo", "--scheme", "fernet"], 120, 36, &[]);
    pty.wait_for("demo · fernet");
    pty.send(b"\x1b");
    pty.wait_for("q quit");
    pty.send(b"1");
    pty.wait_for("demo · ecb");
    // Wait for the new demo's client to connect, then type (i first: keys are commands).
    pty.wait_for("client: connected");
    pty.send(b"iYELLOW SUBMARINEYELLOW SUBMARINE\r");
    pty.wait_for("unauthenticated");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
}

#[test]
fn the_demos_first_keys_are_commands_before_and_after_a_restart() {
    let mut pty = Pty::spawn(&["demo", "--scheme", "fernet"], 80, 24, &[]);
    let screen = pty.wait_for("client: connected");
    assert!(screen.contains("q quit  ?/F1 help  i type"), "{screen}");
    // A presenter's first ? opens help, and q closes it rather than typing.
    pty.send(b"?");
    pty.wait_for("Help — Esc closes");
    pty.send(b"q");
    pty.wait_for("q quit  ?/F1 help");
    // 1 then 3: two scheme keys, the second after the restart the first caused.
    pty.send(b"1");
    pty.wait_for("demo · ecb");
    pty.send(b"3");
    let screen = pty.wait_for("demo · fernet");
    assert!(
        screen.contains("> press i to type"),
        "nothing was typed:\n{screen}"
    );
    pty.send(b"q");
    assert!(pty.wait_exit().success());
}

#[test]
fn hide_keys_starts_the_projector_with_keys_hidden_and_h_shows_them() {
    let mut pty = Pty::spawn(&["demo", "--hide-keys", "--scheme", "fernet"], 200, 50, &[]);
    let screen = pty.wait_for("client: connected");
    assert_eq!(screen.matches("Key — hidden").count(), 2, "{screen}");
    assert!(
        screen.contains("‹hidden: h shows it› · fingerprint"),
        "{screen}"
    );
    pty.send(b"h");
    let screen = pty.wait_gone("Key — hidden");
    assert!(!screen.contains("‹hidden"), "{screen}");
    pty.send(b"q");
    assert!(pty.wait_exit().success());
}

#[test]
fn a_tiny_terminal_gets_a_clear_message() {
    let mut pty = Pty::spawn(&[], 60, 20, &[]);
    pty.wait_for("terminal too small");
    pty.send(b"q");
    assert!(pty.wait_exit().success());
}

#[test]
fn the_mouse_wheel_and_clicks_are_understood() {
    let mut pty = Pty::spawn(&[], 120, 36, &[]);
    pty.wait_for("received-in-clear");
    pty.send(b"ione\r");
    pty.wait_for("#1");
    pty.send(b"two\r");
    pty.wait_for("#2");
    // A left click on the first History row (SGR mouse, 1-based) selects it.
    let screen = pty.parser.screen().contents();
    let row = screen.lines().position(|l| l.contains("→ #1")).unwrap() + 1;
    pty.send(format!("\x1b[<0;10;{row}M\x1b[<0;10;{row}m").as_bytes());
    let screen = pty.wait_for("sent: one");
    assert!(
        !screen.contains("following"),
        "a click selects and stops following:\n{screen}"
    );
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
}

#[test]
fn a_panic_in_the_screen_still_restores_the_terminal() {
    // Run inside a shell so that `stty` can report the terminal's modes after cipherlab dies.
    let mut cmd = CommandBuilder::new("sh");
    let script = format!(
        "{} ; echo EXIT=$?; stty -a | tr ' ' '\\n' | grep -x -e icanon -e -icanon -e echo -e -echo | tr '\\n' ' '; echo; echo DONE",
        env!("CARGO_BIN_EXE_cipherlab")
    );
    cmd.args(["-c", &script]);
    let mut pty = Pty::spawn_command(
        cmd,
        120,
        36,
        &[("CIPHERLAB_TEST_PANIC", "1"), ("RUST_BACKTRACE", "0")],
    );
    pty.wait_for("DONE");
    pty.wait_exit();
    let parser = &pty.parser;
    let screen = parser.screen().contents();
    assert!(
        screen.contains("forced by CIPHERLAB_TEST_PANIC"),
        "the panic message is shown:\n{screen}"
    );
    assert!(screen.contains("EXIT=101"), "{screen}");
    assert!(
        screen.contains("icanon") && !screen.contains("-icanon"),
        "raw mode was left:\n{screen}"
    );
    assert!(
        screen.contains("echo") && !screen.contains("-echo"),
        "echo is back:\n{screen}"
    );
    assert!(
        !parser.screen().alternate_screen(),
        "the alternate screen was left"
    );
    assert!(!parser.screen().hide_cursor(), "the cursor is visible");
}

#[test]
fn a_recorded_screen_session_replays_on_the_screen() {
    let path = std::env::temp_dir().join(format!("cipherlab-e2e-{}.jsonl", std::process::id()));
    let path = path.to_str().unwrap();
    let mut pty = Pty::spawn(
        &["--record", path, "demo", "--scheme", "hmac"],
        120,
        36,
        &[],
    );
    pty.wait_for("pre-shared");
    pty.send(b"irecorded for the class\r");
    pty.wait_for("authentic");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());

    let mut pty = Pty::spawn(&["replay", path, "--speed", "5"], 120, 36, &[]);
    let screen = pty.wait_for("received: recorded for the class");
    assert!(screen.contains("demo · hmac"), "{screen}");
    assert!(screen.contains("replay"), "{screen}");
    assert!(screen.contains("authentic"), "{screen}");
    assert!(
        screen.contains("redacted in the recording"),
        "the Key pane says why it is empty:\n{screen}"
    );
    // The status line says when the whole recording has played.
    pty.wait_for("replay finished:");
    // Nothing can be sent from a replay, and it says so.
    pty.send(b"ihi\r");
    pty.wait_for("this is a replay of a recording");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_lesson_steps_forward_and_back_with_the_arrows() {
    let mut pty = Pty::spawn(&["lesson", "key-on-the-wire"], 120, 36, &[]);
    pty.wait_for("step 1 of 6");
    pty.wait_for("→ Space next step");
    // → carries out step 2: the client sends, the eavesdropper reads it, the server accepts.
    pty.send(b"\x1b[C");
    let screen = pty.wait_for("received: meet me by the library");
    assert!(screen.contains("step 2 of 6"), "{screen}");
    assert!(screen.contains("authentic"), "{screen}");
    // ← shows step 1's narration again; Space comes back to step 2 without sending twice.
    pty.send(b"\x1b[D");
    pty.wait_for("step 1 of 6");
    pty.send(b" ");
    let screen = pty.wait_for("step 2 of 6");
    assert!(screen.contains("History — 1 of 1"), "{screen}");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
}

#[test]
fn quitting_a_recorded_server_records_the_goodbyes() {
    use std::process::{Command, Stdio};
    let path = std::env::temp_dir().join(format!("cipherlab-e2e-q-{}.jsonl", std::process::id()));
    let path = path.to_str().unwrap();
    let args = ["--record", path, "server", "--scheme", "ecb"];
    let mut pty = Pty::spawn(
        &[&args[..], &["--listen", "127.0.0.1:0"]].concat(),
        120,
        36,
        &[],
    );
    let port = pty.listening_port().to_string();
    let mut client = Command::new(env!("CARGO_BIN_EXE_cipherlab"))
        .args([
            "client",
            "--headless",
            "--connect",
            &format!("127.0.0.1:{port}"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    client
        .stdin
        .as_mut()
        .unwrap()
        .write_all(b"still here\n")
        .unwrap();
    pty.wait_for("received: still here");
    pty.send(b"q");
    assert!(pty.wait_exit().success());
    let _ = client.kill();
    let _ = client.wait();
    let recording = std::fs::read_to_string(path).unwrap();
    assert!(
        recording
            .lines()
            .any(|l| l.contains("\"event\":\"disconnected\"")),
        "{recording}"
    );
    let _ = std::fs::remove_file(path);
}

/// The number of events a replay's status line says have played.
fn played(screen: &str) -> usize {
    let after = screen.split("replay paused: ").nth(1).unwrap_or_default();
    after
        .split(' ')
        .next()
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no paused replay on screen:\n{screen}"))
}

#[test]
fn a_recorded_scheme_switch_and_intercept_replay_as_they_happened_and_a_replay_pauses_and_steps() {
    let path = std::env::temp_dir().join(format!("cipherlab-e2e-s-{}.jsonl", std::process::id()));
    let path = path.to_str().unwrap();
    let mut pty = Pty::spawn(
        &["--record", path, "demo", "--scheme", "fernet"],
        140,
        42,
        &[],
    );
    pty.wait_for("received-in-clear");
    pty.send(b"ifirst under fernet\r");
    pty.wait_for("authentic");
    pty.send(b"\x1b");
    pty.wait_for("q quit");
    pty.send(b"2");
    pty.wait_for("demo · cbc");
    pty.wait_for("client: connected");
    pty.send(b"ithen under cbc\r");
    pty.wait_for("received: then under cbc");
    pty.send(b"\x1b");
    pty.wait_for("q quit");
    pty.send(b"x");
    pty.wait_for("intercept ON");
    pty.send(b"iheld on the wire\r");
    pty.wait_for("intercept ON: 1 held");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
    let recording = std::fs::read_to_string(path).unwrap();
    assert!(
        recording.contains(r#"{"mark":"restart","scheme":"cbc","key_exchange":"send""#),
        "{recording}"
    );
    assert!(recording.contains(r#"{"mark":"intercept","on":true"#));

    // Paused at once, a replay moves one event per `.`: step to the held message.
    let mut pty = Pty::spawn(&["replay", path, "--speed", "0.01"], 140, 42, &[]);
    pty.wait_for("Space pause/resume");
    pty.send(b" ");
    let mut screen = pty.wait_for("replay paused:");
    while !screen.contains("intercept ON: 1 held") {
        let before = played(&screen);
        pty.send(b".");
        screen = pty.wait_for(&format!("replay paused: {} of", before + 1));
    }
    assert!(
        screen.contains("demo · cbc"),
        "the header follows the switch:\n{screen}"
    );
    assert!(
        !screen.contains("first under fernet"),
        "the fernet session's History went with it:\n{screen}"
    );
    assert!(screen.contains("then under cbc"), "{screen}");
    assert!(
        screen.contains("held by the man in the mi"),
        "the Wire pane and Verification agree:\n{screen}"
    );
    // Space goes on playing.
    pty.send(b" ");
    pty.wait_for("replay: ");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());

    let mut pty = Pty::spawn(&["replay", path, "--speed", "5"], 140, 42, &[]);
    let screen = pty.wait_for("replay finished:");
    assert!(screen.contains("demo · cbc"), "{screen}");
    assert!(
        !screen.contains("held by the man in the mi"),
        "the connection closed: nothing is held any more:\n{screen}"
    );
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_client_started_before_its_server_connects_keeps_unsent_text_and_survives_a_restart() {
    use common::process::Proc;
    let addr = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .to_string();
    let mut pty = Pty::spawn(
        &["client", "--connect", &addr, "--name", "alice"],
        120,
        36,
        &[],
    );
    pty.wait_for("client: reconnecting, try 1 of 12");
    pty.wait_for("Ctrl-R stop reconnecting");
    // Enter while there is no server: the text stays, and the screen says it was not sent.
    pty.send(b"ihello before the server\r");
    let screen = pty.wait_for("the message was not sent");
    assert!(screen.contains("> hello before the server"), "{screen}");
    let server = |addr: &str| {
        Proc::cipherlab(
            &["server", "--headless", "--scheme", "ecb", "--listen", addr],
            &[],
        )
    };
    let first = server(&addr);
    pty.wait_for(&format!("connected to {addr} as alice"));
    // The same text, sent now.
    pty.send(b"\r");
    let screen = pty.wait_for("unauthenticated");
    assert!(screen.contains("sent: hello before the server"), "{screen}");
    // The instructor restarts the server (under another scheme): the client comes back.
    assert_eq!(first.stop(), Some(0));
    pty.wait_for("client: reconnecting");
    let _second = Proc::cipherlab(
        &[
            "server",
            "--headless",
            "--scheme",
            "fernet",
            "--listen",
            &addr,
        ],
        &[],
    );
    pty.wait_for("client · fernet");
    pty.wait_for(&format!("connected to {addr} as alice"));
    pty.send(b"after the restart\r");
    let screen = pty.wait_for("✔ authentic");
    assert!(screen.contains("History — 2 of 2"), "{screen}");
    pty.send(b"\x03");
    assert!(pty.wait_exit().success());
}
