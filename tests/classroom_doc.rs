//! `docs/CLASSROOM.md`, executed: the instructor's commands as written (the port put in), the
//! SSH login's `ForceCommand` line run by a shell in a pseudo-terminal as sshd would run it, a
//! student solving an exercise with the commands the guide gives, and the results file it shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::process::{BIN, Proc};
use common::pty::Pty;
use portable_pty::CommandBuilder;
use serde_json::Value;

const GUIDE: &str = include_str!("../docs/CLASSROOM.md");

/// The fenced blocks of the guide tagged `tag` (`sh`, `text`, `sshd_config`), as lines.
fn blocks(tag: &str) -> Vec<Vec<&'static str>> {
    let mut found = Vec::new();
    let mut open: Option<(bool, Vec<&str>)> = None;
    for line in GUIDE.lines() {
        match (&mut open, line.trim_start().strip_prefix("```")) {
            (None, Some(info)) => open = Some((info.trim() == tag, Vec::new())),
            (Some(_), Some(_)) => {
                if let Some((true, lines)) = open.take() {
                    found.push(lines);
                }
                open = None;
            }
            (Some((_, lines)), None) => lines.push(line),
            (None, None) => {}
        }
    }
    found
}

/// The one `sh` line of the guide that starts with `prefix`, without its comment.
fn command(prefix: &str) -> &'static str {
    let lines: Vec<&str> = blocks("sh")
        .into_iter()
        .flatten()
        .filter(|l| l.starts_with(prefix))
        .collect();
    assert_eq!(lines.len(), 1, "one command starts with {prefix:?}");
    lines[0].split(" #").next().unwrap().trim()
}

/// The guide's command line as arguments, with the instructor's address replaced by `addr` and
/// `SECRET` by `secret`.
fn args(line: &str, addr: &str, secret: &str) -> Vec<String> {
    line.split_whitespace()
        .skip(1)
        .map(|w| match w {
            "0.0.0.0:7000" | "192.0.2.10:7000" => addr.to_owned(),
            "SECRET" => secret.to_owned(),
            w => w.to_owned(),
        })
        .collect()
}

/// The guide's server for `exercise` on a free loopback port, headless, and its address.
fn instructors_server(exercise: &str, results: &std::path::Path) -> (Proc, String) {
    let line = command("cipherlab server --exercise").replace("padding-oracle", exercise);
    let mut args = args(&line, "127.0.0.1:0", "");
    let at = args.iter().position(|a| a == "--results").unwrap();
    args[at + 1] = results.display().to_string();
    args.extend(["--headless", "--log-level", "off"].map(String::from));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    let mut server = Proc::cipherlab(&args, &[]);
    let port = server.port();
    (server, format!("127.0.0.1:{port}"))
}

fn run(line: &str, addr: &str, secret: &str) -> Vec<Value> {
    let out = std::process::Command::new(BIN)
        .args(args(line, addr, secret))
        .args(["--log-level", "off"])
        .output()
        .unwrap();
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

#[test]
fn the_exercise_list_is_the_one_the_guide_prints() {
    let out = std::process::Command::new(BIN)
        .args(["exercise", "--list"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let printed: Vec<String> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(str::to_owned)
        .collect();
    let guide = blocks("text")
        .into_iter()
        .find(|b| b.iter().any(|l| l.starts_with("rewrite-role")))
        .expect("the guide shows the list");
    assert_eq!(printed, guide);
}

#[test]
fn the_documented_force_command_starts_a_students_client_under_their_login_name() {
    let dir = tempfile::tempdir().unwrap();
    let (mut server, addr) = instructors_server("padding-oracle", &dir.path().join("r.csv"));
    let block = blocks("sshd_config")
        .pop()
        .expect("the guide has the sshd block");
    assert!(block[0].starts_with("Match Group "), "{block:?}");
    let force = block
        .iter()
        .find_map(|l| l.trim().strip_prefix("ForceCommand "))
        .expect("a ForceCommand line");
    // sshd runs ForceCommand as `$SHELL -c LINE` with USER set to the login; the test puts in
    // the binary it built and the server's real port.
    let line = force
        .replace("/usr/local/bin/cipherlab", BIN)
        .replace("127.0.0.1:7000", &addr);
    let mut cmd = CommandBuilder::new("/bin/sh");
    cmd.args(["-c", &line]);
    let mut pty = Pty::spawn_command(cmd, 120, 36, &[("USER", "student07")]);
    let joined = server.wait_json("student07's connection", |v| {
        v["event"] == "connected" && v["name"] == "student07"
    });
    assert_eq!(joined["scheme"], "cbc");
    // No key and none needed: the student's screen says whose key it holds.
    let screen = pty.wait_for("⚠ not the server's key");
    assert!(screen.contains("generated"), "{screen}");
    // And the exercise's task reached the student's screen, with their material.
    pty.wait_for("Exercise: padding-oracle");
    pty.wait_for("material, 80 bytes as hex");
    pty.send(b"q");
    assert!(
        pty.wait_exit().success(),
        "quitting the client ends the login"
    );
}

#[test]
fn an_exercise_server_on_the_screen_starts_with_its_key_hidden() {
    let mut pty = Pty::spawn(
        &[
            "server",
            "--exercise",
            "padding-oracle",
            "--listen",
            "127.0.0.1:0",
        ],
        120,
        36,
        &[],
    );
    let screen = pty.wait_for("listening on");
    assert!(screen.contains("hidden"), "{screen}");
    pty.send(b"h");
    pty.wait_gone("hidden");
    pty.send(b"q");
    assert!(pty.wait_exit().success());
}

#[test]
fn a_student_solves_with_the_guides_commands_and_the_results_file_reads_as_shown() {
    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("results.csv");
    let (_server, addr) = instructors_server("byte-at-a-time", &results);
    let attack = run(command("cipherlab attack byte-at-a-time"), &addr, "");
    let done = attack
        .iter()
        .find(|e| e["event"] == "oracle-done")
        .unwrap_or_else(|| panic!("{attack:?}"));
    let secret = done["plaintext"].as_str().unwrap();
    let answer = command("cipherlab client --connect 192.0.2.10:7000 --name alice --headless");
    let alice = run(answer, &addr, secret);
    let result = alice.iter().find(|e| e["event"] == "result").unwrap();
    assert_eq!(result["result"], "correct", "{alice:?}");
    // Alice's secret is incorrect for bob, with the reason the guide quotes.
    let bob = run(&answer.replace("alice", "bob"), &addr, secret);
    let result = bob.iter().find(|e| e["event"] == "result").unwrap();
    assert_eq!(result["result"], "incorrect");
    let reason = result["reason"].as_str().unwrap();
    assert!(GUIDE.contains(&format!("`{reason}`")), "{reason}");

    let csv = std::fs::read_to_string(&results).unwrap();
    let shown = blocks("text")
        .into_iter()
        .find(|b| b[0].starts_with("time,"))
        .expect("the guide shows a results file");
    assert_eq!(csv.lines().next(), Some(shown[0]));
    // (student, event, tries) of each row; the guide cuts the middle with "…".
    let row = |line: &str| {
        let f: Vec<&str> = line.split(',').collect();
        assert_eq!(f.len(), 7, "{line}");
        (
            f[1].to_owned(),
            f[4].to_owned(),
            f[5].parse::<u64>().unwrap(),
        )
    };
    let got: Vec<_> = csv.lines().skip(1).map(row).collect();
    // Every question of the attack was a try of alice's, and her answer the one after them.
    let queries = done["queries"].as_u64().unwrap();
    let mut want: Vec<_> = (1..=queries + 1)
        .map(|n| ("alice".to_owned(), "attempt".to_owned(), n))
        .collect();
    want.push(("alice".into(), "solve".into(), queries + 1));
    want.push(("bob".into(), "attempt".into(), 1));
    assert_eq!(got, want, "{csv}");
    let (head, tail) = shown[1..].split_at(shown[1..].iter().position(|l| *l == "…").unwrap());
    let tail = &tail[1..];
    assert_eq!(
        head.iter().map(|l| row(l)).collect::<Vec<_>>(),
        got[..head.len()]
    );
    let shown_tail: Vec<_> = tail.iter().map(|l| row(l)).collect();
    assert_eq!(
        shown_tail.iter().map(|r| (&r.0, &r.1)).collect::<Vec<_>>(),
        got[got.len() - tail.len()..]
            .iter()
            .map(|r| (&r.0, &r.1))
            .collect::<Vec<_>>()
    );
    // The sentence under the rows counts the questions the rows show.
    let questions = shown_tail[0].2 - 1;
    assert!(GUIDE.contains(&format!("first {questions} tries")));
    assert!(GUIDE.contains(&format!("`\"queries\":{questions}`")));
}
