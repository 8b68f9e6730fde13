//! Session recordings through the real binary: `--record FILE` in each headless mode, then
//! `cipherlab replay FILE --headless`, which must give back the same events in the same order.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use serde_json::Value;

use common::process::{BIN, Proc};

/// A fresh path for a recording, unique to the test.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("cipherlab-record-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    let _ = std::fs::remove_file(&path);
    path
}

/// Runs the binary to completion: exit code, stdout lines, stderr.
fn run(args: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let output = Command::new(BIN)
        .args(args)
        .args(["--log-level", "off"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    (
        output.status.code(),
        stdout.lines().map(str::to_owned).collect(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

/// Records a headless demo with `extra` arguments into a scratch file; returns the file and
/// what the demo printed.
fn record_demo(file: &str, extra: &[&str]) -> (PathBuf, Vec<String>) {
    let path = scratch(file);
    let mut args = vec!["demo", "--headless"];
    args.extend_from_slice(extra);
    args.extend(["--record", path.to_str().unwrap()]);
    let (code, printed, stderr) = run(&args);
    assert_eq!(code, Some(0), "{stderr}");
    (path, printed)
}

/// The parts of an event that a replay must reproduce: everything but where it was printed
/// from (`role`) and when (`t_ms`).
fn essence(line: &str) -> Value {
    let mut value: Value = serde_json::from_str(line).unwrap();
    let fields = value.as_object_mut().unwrap();
    for transient in ["role", "t_ms"] {
        fields.remove(transient);
    }
    value
}

fn file_lines(path: &Path) -> Vec<String> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .map(str::to_owned)
        .collect()
}

fn replay(path: &Path, extra: &[&str]) -> (Option<i32>, Vec<String>, String) {
    let mut args = vec![
        "replay",
        path.to_str().unwrap(),
        "--headless",
        "--speed",
        "1000",
    ];
    args.extend_from_slice(extra);
    run(&args)
}

fn named(lines: &[String], name: &str) -> Vec<Value> {
    lines
        .iter()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|v| v["event"] == name)
        .collect()
}

#[test]
fn the_headless_demo_names_each_lines_role_as_recordings_do() {
    let (code, printed, stderr) = run(&["demo", "--headless", "--message", "hi"]);
    assert_eq!(code, Some(0), "{stderr}");
    let mut roles = std::collections::BTreeSet::new();
    for line in &printed {
        let value: Value = serde_json::from_str(line).unwrap();
        assert!(value.get("side").is_none(), "no `side` field: {line}");
        roles.insert(value["role"].as_str().unwrap_or_default().to_owned());
    }
    assert_eq!(
        roles.into_iter().collect::<Vec<_>>(),
        ["client", "server"],
        "{printed:?}"
    );
}

#[test]
fn a_recorded_demo_replays_event_for_event() {
    let (path, printed) = record_demo("demo.jsonl", &["--scheme", "ecb", "--log-secrets"]);

    let recorded = file_lines(&path);
    let header: Value = serde_json::from_str(&recorded[0]).unwrap();
    assert_eq!(header["recording"], 1);
    assert_eq!(header["mode"], "demo");
    assert_eq!(header["scheme"], "ecb");
    assert_eq!(header["key_exchange"], "send");
    // The file holds what stdout showed, each line with its time and role.
    assert_eq!(recorded.len() - 1, printed.len());
    let mut last = 0;
    for (line, shown) in recorded[1..].iter().zip(&printed) {
        let value: Value = serde_json::from_str(line).unwrap();
        let shown: Value = serde_json::from_str(shown).unwrap();
        assert_eq!(value["role"], shown["role"], "{line}");
        let t = value["t_ms"].as_u64().unwrap();
        assert!(t >= last, "time goes backwards at {line}");
        last = t;
    }

    // The keys were recorded, but a replay shows them only if asked to as well.
    let (_, hidden, _) = replay(&path, &[]);
    assert!(
        named(&hidden, "key")
            .iter()
            .all(|k| k["key"] == cipherlab::json::REDACTED)
    );
    let (code, replayed, stderr) = replay(&path, &["--log-secrets"]);
    assert_eq!(code, Some(0), "{stderr}");
    let original: Vec<Value> = printed.iter().map(|l| essence(l)).collect();
    let again: Vec<Value> = replayed.iter().map(|l| essence(l)).collect();
    assert_eq!(again, original);
    // Each replayed line says whose event it was.
    for (line, shown) in replayed.iter().zip(&printed) {
        let line: Value = serde_json::from_str(line).unwrap();
        let shown: Value = serde_json::from_str(shown).unwrap();
        assert_eq!(line["role"], shown["role"]);
    }
    assert_eq!(named(&replayed, "verdict").len(), 3);
    assert_eq!(named(&replayed, "key").len(), 2);
}

#[test]
fn redacted_keys_stay_out_of_recordings_and_replays() {
    let (path, _) = record_demo("redacted.jsonl", &["--message", "hi"]);
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("\"event\":\"key\""));
    assert!(text.contains(cipherlab::json::REDACTED));

    let (code, replayed, stderr) = replay(&path, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    // There is no key to replay, and nothing else is lost.
    assert!(named(&replayed, "key").is_empty());
    assert_eq!(named(&replayed, "sent").len(), 1);
    assert_eq!(named(&replayed, "verdict")[0]["verdict"], "authentic");
}

#[test]
fn a_recorded_mitm_replays_its_attack() {
    let mut server = Proc::cipherlab(
        &[
            "server",
            "--headless",
            "--scheme",
            "cbc",
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    let upstream = format!("127.0.0.1:{}", server.port());
    let path = scratch("mitm.jsonl");
    let mut mitm = Proc::cipherlab(
        &[
            "mitm",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &upstream,
            "--tamper",
            "1=iv-flip:0:0",
            "--record",
            path.to_str().unwrap(),
        ],
        &[],
    );
    let port = mitm.port().to_string();
    let (code, _, stderr) = run(&[
        "client",
        "--headless",
        "--connect",
        &format!("127.0.0.1:{port}"),
        "--message",
        "pay bob 10 coins, from alice",
    ]);
    // CBC has no integrity: the flipped message is still accepted.
    assert_eq!(code, Some(0), "{stderr}");
    mitm.wait_json("the verdict forwarded", |v| {
        v["event"] == "intercepted" && v["kind"] == "VERDICT"
    });
    assert_eq!(mitm.stop(), Some(0));
    assert_eq!(server.stop(), Some(0));

    let header: Value = serde_json::from_str(&file_lines(&path)[0]).unwrap();
    assert_eq!(header["mode"], "mitm");
    let (code, replayed, stderr) = replay(&path, &[]);
    assert_eq!(code, Some(0), "{stderr}");
    let tampered = named(&replayed, "tampered");
    assert_eq!(tampered.len(), 1);
    assert_eq!(tampered[0]["seq"], 1);
    assert_eq!(tampered[0]["action"], "iv-flip:0:0");
    let eavesdropped = named(&replayed, "eavesdropped");
    assert_eq!(
        eavesdropped[0]["plaintext"], "pay bob 10 coins, from alice",
        "the key crossed the wire, so the wire read the message"
    );
    assert!(replayed.iter().all(|l| l.contains("\"role\":\"wire\"")));
    let recorded: Vec<Value> = file_lines(&path)[1..]
        .iter()
        .map(|l| essence(l))
        .filter(|v| v["event"] != "key")
        .collect();
    let again: Vec<Value> = replayed.iter().map(|l| essence(l)).collect();
    assert_eq!(again, recorded);
}

#[test]
fn a_damaged_line_is_reported_and_the_rest_still_replays() {
    let (path, _) = record_demo("damaged.jsonl", &["--message", "one", "--message", "two"]);
    let mut lines = file_lines(&path);
    lines.insert(3, "{\"event\":\"sent\",\"seq\":\"not a number\"".to_owned());
    lines.insert(4, "{\"event\":\"teleported\"}".to_owned());
    std::fs::write(&path, lines.join("\n")).unwrap();

    let (code, replayed, stderr) = replay(&path, &[]);
    assert_eq!(code, Some(1), "a damaged recording is not a clean replay");
    assert!(
        stderr.contains("line 4 of the recording skipped"),
        "{stderr}"
    );
    assert!(
        stderr.contains("line 5 of the recording skipped"),
        "{stderr}"
    );
    assert!(stderr.contains("unknown event \"teleported\""), "{stderr}");
    assert_eq!(named(&replayed, "verdict").len(), 2);
}

#[test]
fn a_line_that_is_not_utf8_is_a_damaged_line_and_the_rest_still_replays() {
    let (path, printed) = record_demo("not-utf8.jsonl", &["--message", "one", "--message", "two"]);
    let mut bytes = std::fs::read(&path).unwrap();
    let lines = bytes.iter().filter(|&&b| b == b'\n').count();
    bytes.extend_from_slice(b"\xff\xfe garbage\n");
    std::fs::write(&path, bytes).unwrap();

    let (code, replayed, stderr) = replay(&path, &[]);
    assert_eq!(code, Some(1), "a damaged recording is not a clean replay");
    let damaged = lines + 1;
    assert!(
        stderr.contains(&format!(
            "line {damaged} of the recording skipped: not UTF-8 text"
        )),
        "{stderr}"
    );
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    // Everything before the damaged line plays (the keys were redacted when recorded).
    let original: Vec<Value> = printed
        .iter()
        .map(|l| essence(l))
        .filter(|v| v["event"] != "key")
        .collect();
    let again: Vec<Value> = replayed.iter().map(|l| essence(l)).collect();
    assert_eq!(again, original);
    assert_eq!(named(&replayed, "verdict").len(), 2);
}

#[test]
fn replay_refuses_what_is_not_a_recording() {
    let path = scratch("not-a-recording.txt");
    std::fs::write(&path, "hello\n").unwrap();
    let (code, _, stderr) = replay(&path, &[]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("not a cipherlab recording"), "{stderr}");

    let missing = scratch("missing.jsonl");
    let (code, _, stderr) = replay(&missing, &[]);
    assert_eq!(code, Some(1));
    assert!(stderr.contains("cannot read"), "{stderr}");

    let (code, _, stderr) = run(&["replay", path.to_str().unwrap(), "--speed", "0"]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("expected a number from"), "{stderr}");
}

#[test]
fn record_is_refused_where_there_is_nothing_to_record() {
    let path = scratch("keygen.jsonl");
    let (code, _, stderr) = run(&[
        "keygen",
        "--scheme",
        "ecb",
        "--record",
        path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--record works with"), "{stderr}");
    assert!(!path.exists());

    let (code, _, stderr) = run(&["demo", "--headless", "--record", "/nonexistent-dir/x.jsonl"]);
    assert_eq!(code, Some(1));
    assert!(
        stderr.contains("cannot record to /nonexistent-dir/x.jsonl"),
        "{stderr}"
    );
}

#[test]
fn the_screens_marks_replay_where_they_were_recorded() {
    let path = scratch("marks.jsonl");
    let lines = [
        r#"{"recording":1,"mode":"demo","scheme":"fernet","key_exchange":"send"}"#,
        r#"{"event":"listening","addr":"127.0.0.1:9","t_ms":1,"role":"server"}"#,
        r#"{"mark":"restart","scheme":"cbc","key_exchange":"psk","t_ms":2}"#,
        r#"{"event":"listening","addr":"127.0.0.1:10","t_ms":3,"role":"server"}"#,
        r#"{"mark":"intercept","on":true,"t_ms":4}"#,
        r#"{"mark":"teleport","t_ms":5}"#,
        r#"{"mark":"restart","scheme":"gcm","key_exchange":"psk","nonce":"fixed","t_ms":6}"#,
    ];
    std::fs::write(&path, lines.join("\n")).unwrap();
    let recording = cipherlab::record::load(&path).unwrap();
    let marks: Vec<_> = recording
        .events
        .iter()
        .filter_map(|(_, e)| match e {
            cipherlab::record::Entry::Mark(mark) => Some(*mark),
            cipherlab::record::Entry::Event(..) => None,
        })
        .collect();
    use cipherlab::record::Mark;
    assert_eq!(
        marks,
        [
            // A recording made before restarts kept their nonce policy reads as random.
            Mark::Restart {
                scheme: cipherlab::crypto::Scheme::Cbc,
                exchange: cipherlab::crypto::KeyExchange::Psk,
                nonce: cipherlab::crypto::NoncePolicy::Random,
            },
            Mark::Intercept(true),
            Mark::Restart {
                scheme: cipherlab::crypto::Scheme::Gcm,
                exchange: cipherlab::crypto::KeyExchange::Psk,
                nonce: cipherlab::crypto::NoncePolicy::Fixed,
            },
        ]
    );
    assert_eq!(
        recording.skipped,
        [(6, "unknown mark \"teleport\"".to_owned())]
    );
    let (code, replayed, _) = replay(&path, &[]);
    assert_eq!(code, Some(1), "the unknown mark is a damaged line");
    let printed: Vec<Value> = replayed.iter().map(|l| essence(l)).collect();
    assert_eq!(printed[1]["mark"], "restart");
    assert_eq!(printed[1]["scheme"], "cbc");
    assert_eq!(
        printed[3],
        serde_json::json!({"mark": "intercept", "on": true})
    );
}

#[test]
fn a_recording_keeps_the_nonce_policy_and_its_replay_marks_a_fixed_nonce() {
    let (path, _) = record_demo(
        "fixed-nonce.jsonl",
        &[
            "--scheme",
            "gcm",
            "--nonce",
            "fixed",
            "--message",
            "one",
            "--message",
            "two",
        ],
    );
    let header: Value = serde_json::from_str(&file_lines(&path)[0]).unwrap();
    assert_eq!(header["nonce"], "fixed", "{header}");
    let recording = cipherlab::record::load(&path).unwrap();
    assert_eq!(recording.nonce, cipherlab::crypto::NoncePolicy::Fixed);
    // On the screen the replay's Key pane marks the fault, as the live demo's did.
    let mut pty = common::pty::Pty::spawn(&["replay", path.to_str().unwrap()], 120, 36, &[]);
    let screen = pty.wait_for("✘ nonce fixed");
    assert!(screen.contains("replay"), "{screen}");
    pty.send(b"q");
    assert!(pty.wait_exit().success());
}
