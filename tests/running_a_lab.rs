//! The README's "Running a lab" commands, executed as written (the instructor's address and a
//! free port put in): the exercise list, the instructor's server, a student's screen client,
//! the student's own attack on their material, and the headless answer that solves it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::process::{BIN, Proc};
use common::pty::Pty;
use serde_json::Value;

const README: &str = include_str!("../README.md");

/// The `sh` lines of the README's "Running a lab" block, without their comments.
fn lab_commands() -> Vec<&'static str> {
    let section = README
        .split("\n## Running a lab\n")
        .nth(1)
        .expect("the README has a Running a lab section");
    let block = section
        .split("```sh\n")
        .nth(1)
        .and_then(|b| b.split("```").next())
        .expect("a sh block");
    block
        .lines()
        .map(|l| l.split(" #").next().unwrap().trim())
        .filter(|l| !l.is_empty())
        .collect()
}

/// The one command starting with `prefix`, its arguments after `cipherlab`, with the
/// instructor's address replaced by `addr` and the placeholders by their values.
fn args(prefix: &str, addr: &str, values: &[(&str, &str)]) -> Vec<String> {
    let lines: Vec<&str> = lab_commands()
        .into_iter()
        .filter(|l| l.starts_with(prefix))
        .collect();
    assert_eq!(lines.len(), 1, "one line starts with {prefix:?}");
    lines[0]
        .split_whitespace()
        .skip(1)
        .map(|w| match w {
            "0.0.0.0:12345" | "192.0.2.10:12345" => addr.to_owned(),
            w => values
                .iter()
                .find(|(k, _)| *k == w)
                .map_or_else(|| w.to_owned(), |(_, v)| (*v).to_owned()),
        })
        .collect()
}

fn json_lines(out: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect()
}

fn find<'a>(lines: &'a [Value], event: &str) -> &'a Value {
    lines
        .iter()
        .find(|v| v["event"] == event)
        .unwrap_or_else(|| panic!("no {event}: {lines:?}"))
}

#[test]
fn the_readme_lab_commands_run_as_written_and_the_student_solves() {
    assert_eq!(lab_commands().len(), 5, "{:?}", lab_commands());
    let list = std::process::Command::new(BIN)
        .args(args("cipherlab exercise", "", &[]))
        .output()
        .unwrap();
    assert!(list.status.success());
    assert!(String::from_utf8_lossy(&list.stdout).contains("padding-oracle"));

    let dir = tempfile::tempdir().unwrap();
    let results = dir.path().join("monday.csv");
    let mut server_args = args(
        "cipherlab server",
        "127.0.0.1:0",
        &[("monday.csv", results.to_str().unwrap())],
    );
    server_args.extend(["--headless".into(), "--log-level".into(), "off".into()]);
    let server_args: Vec<&str> = server_args.iter().map(String::as_str).collect();
    let mut server = Proc::cipherlab(&server_args, &[]);
    let addr = format!("127.0.0.1:{}", server.port());

    // Alice's screen client shows her task.
    let screen_args = args("cipherlab client --connect", &addr, &[]);
    let screen_args: Vec<&str> = screen_args.iter().map(String::as_str).collect();
    let mut pty = Pty::spawn(&screen_args, 120, 36, &[]);
    pty.wait_for("Exercise: padding-oracle");
    server.wait_json("alice's connection", |v| {
        v["event"] == "connected" && v["name"] == "alice"
    });

    // Her material, as the headless client prints it (a first wrong answer, to have one).
    let material = {
        let probe = args(
            "cipherlab client --headless",
            &addr,
            &[("SECRET", "not-yet")],
        );
        let out = std::process::Command::new(BIN)
            .args(&probe)
            .output()
            .unwrap();
        find(&json_lines(&out), "task")["material"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut attack = args("cipherlab attack", &addr, &[("HEX", &material)]);
    attack.push("--headless".into());
    let out = std::process::Command::new(BIN)
        .args(&attack)
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = json_lines(&out);
    let recovered = find(&lines, "oracle-done")["plaintext"]
        .as_str()
        .unwrap()
        .to_owned();
    // The recovered plaintext is the record the server sealed for alice, her secret in it.
    let record: Value = serde_json::from_str(&recovered).unwrap();
    assert_eq!(record["user"], "alice", "{recovered}");
    let secret = record["secret"].as_str().unwrap().to_owned();
    let answer = args("cipherlab client --headless", &addr, &[("SECRET", &secret)]);
    let out = std::process::Command::new(BIN)
        .args(&answer)
        .output()
        .unwrap();
    let result = find(&json_lines(&out), "result").clone();
    assert_eq!(
        result["result"], "correct",
        "{recovered:?} → {secret:?}: {result}"
    );
    pty.wait_for("✔ correct");
    pty.send(b"q");
    assert!(pty.wait_exit().success());
    let csv = std::fs::read_to_string(&results).unwrap();
    assert!(
        csv.lines()
            .any(|l| l.contains(",alice,") && l.contains(",solve,")),
        "{csv}"
    );
}
