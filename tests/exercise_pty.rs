//! A student's client in a pseudo-terminal, against a real `server --exercise`: the task and
//! material show, the material copied off the screen goes to `cipherlab attack` under the
//! student's name, and the answers typed after `a` get their RESULT on screen.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::process::Proc;
use common::pty::Pty;

/// The material's hex rows, as a terminal selection of them copies them.
fn material_on(screen: &str) -> String {
    screen
        .lines()
        .skip_while(|l| !l.starts_with("material, "))
        .skip(1)
        .map(str::trim_end)
        .take_while(|l| l.len() >= 2 && l.chars().all(|c| c.is_ascii_hexdigit()))
        .collect()
}

#[test]
fn a_student_reads_the_task_answers_after_a_and_sees_the_result() {
    let mut server = Proc::cipherlab(
        &[
            "server",
            "--headless",
            "--exercise",
            "padding-oracle",
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    let addr = format!("127.0.0.1:{}", server.port());
    let mut pty = Pty::spawn(
        &["client", "--connect", &addr, "--name", "alice"],
        80,
        24,
        &[],
    );
    let screen = pty.wait_for("Exercise: padding-oracle · working");
    assert!(screen.contains("Recover it without the key"), "{screen}");
    let material = material_on(&screen);
    assert!(material.len() >= 96, "the material's hex:\n{screen}");
    // The student's own tool on the material copied off the screen, under their name.
    let mut attack = Proc::cipherlab(
        &[
            "attack",
            "padding-oracle",
            "--connect",
            &addr,
            "--name",
            "alice",
            "--message",
            &material,
            "--headless",
        ],
        &[],
    );
    let done = attack.event("oracle-done");
    let plaintext: serde_json::Value =
        serde_json::from_str(done["plaintext"].as_str().unwrap()).unwrap();
    assert_eq!(plaintext["user"], "alice");
    let secret = plaintext["secret"].as_str().unwrap().to_owned();
    // Keys are commands: `a` opens the prompt; a wrong answer, then the secret.
    pty.send(b"a");
    pty.wait_for("answer>");
    pty.send(b"not my secret\r");
    let screen = pty.wait_for("✘ incorrect: that is not your secret");
    assert!(
        screen.contains("Exercise: padding-oracle · working"),
        "{screen}"
    );
    pty.send(b"a");
    pty.wait_for("answer>");
    pty.send(format!("{secret}\r").as_bytes());
    let screen = pty.wait_for("✔ correct: that is your secret: solved in");
    assert!(
        screen.contains("Exercise: padding-oracle · ✔ solved"),
        "{screen}"
    );
    // The server counted the attack's queries and both answers as alice's tries.
    let solved = server.wait_json("alice's solve", |v| {
        v["event"] == "progress" && v["name"] == "alice" && v["state"] == "solved"
    });
    assert!(solved["tries"].as_u64().unwrap() > 100, "{solved}");
    // `w`, then the material pasted back as the terminal copied it, in two rows (a bracketed
    // paste, its line break an Enter): the bytes go as they are, and the server opens what it
    // sealed.
    pty.send(b"w");
    pty.wait_for("wire bytes in hex · i to type");
    let (first, second) = material.split_at(material.len() / 2);
    pty.send(b"i");
    pty.wait_for("TYPING");
    assert!(pty.parser.screen().bracketed_paste(), "pastes arrive whole");
    pty.send(format!("\x1b[200~{first}\r\n{second}\x1b[201~").as_bytes());
    pty.send(b"\r");
    let received = server.wait_json("the wire bytes", |v| v["event"] == "received");
    assert_eq!(received["wire_hex"], material.as_str(), "{received}");
    assert!(
        received["plaintext"].as_str().unwrap().contains("alice"),
        "{received}"
    );
    pty.wait_for("unauthenticated");
    // Esc alone (an Esc followed at once by q reads as Alt-q), then q quits.
    pty.send(b"\x1b");
    pty.wait_for("q quit");
    pty.send(b"q");
    assert!(pty.wait_exit().success());
    assert!(
        !pty.parser.screen().alternate_screen(),
        "the terminal is restored"
    );
}

#[test]
fn the_instructor_presses_n_and_every_client_hears_the_notice() {
    let mut pty = Pty::spawn(
        &[
            "server",
            "--exercise",
            "rewrite-role",
            "--listen",
            "127.0.0.1:0",
        ],
        120,
        36,
        &[],
    );
    let addr = format!("127.0.0.1:{}", pty.listening_port());
    let mut class: Vec<Proc> = ["alice", "bob", "carol"]
        .iter()
        .map(|name| {
            // A headless student is let on without the key when it has an answer to give.
            let args = [
                "client",
                "--headless",
                "--connect",
                &addr,
                "--name",
                name,
                "--answer",
                "a guess",
            ];
            Proc::cipherlab_typing(&args, &[])
        })
        .collect();
    for student in &mut class {
        student.event("task");
    }
    pty.wait_for("3 clients");
    pty.send(b"n");
    pty.wait_for("Notice — to all 3 clients connected");
    pty.send(b"pens down in five minutes\r");
    pty.wait_for("notice sent to 3 clients: pens down in five minutes");
    for student in &mut class {
        let notice = student.event("notice");
        assert_eq!(notice["text"], "pens down in five minutes", "{notice}");
    }
    pty.send(b"q");
    assert!(pty.wait_exit().success());
}
