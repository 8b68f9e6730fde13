//! A server that vanishes behind the man in the middle is a failure the client hears about:
//! the relay sends ERROR (not a polite BYE), and a headless client with input still to send
//! tries again (`--retries`), then exits 1. Real processes on loopback.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::process::{BIN, Proc};

#[test]
fn a_server_crash_behind_the_mitm_makes_the_client_fail_with_lines_unsent() {
    let dir = tempfile::tempdir().unwrap();
    let log = |name: &str| dir.path().join(name).display().to_string();
    let mut server = Proc::cipherlab(
        &[
            "server",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--log-file",
            &log("s.log"),
        ],
        &[],
    );
    let upstream = format!("127.0.0.1:{}", server.port());
    let mut mitm = Proc::cipherlab(
        &[
            "mitm",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &upstream,
            "--log-file",
            &log("m.log"),
        ],
        &[],
    );
    let relay = format!("127.0.0.1:{}", mitm.port());
    let mut client = Command::new(BIN)
        .args([
            "client",
            "--headless",
            "--connect",
            &relay,
            "--retries",
            "1",
            "--log-file",
            &log("c.log"),
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut stdin = client.stdin.take().unwrap();
    let mut lines = BufReader::new(client.stdout.take().unwrap()).lines();
    writeln!(stdin, "first line").unwrap();
    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.unwrap();
        seen.push(line.clone());
        if line.contains("\"event\":\"verdict\"") {
            break;
        }
    }
    // The server dies without a word (SIGKILL), with the client's stdin still open.
    drop(server);
    let deadline = Instant::now() + Duration::from_secs(15);
    let status = loop {
        if let Some(status) = client.try_wait().unwrap() {
            break status;
        }
        assert!(
            Instant::now() < deadline,
            "the client did not exit: {seen:?}"
        );
        std::thread::sleep(Duration::from_millis(20));
    };
    seen.extend(lines.map_while(Result::ok));
    let text = seen.join("\n");
    assert_eq!(status.code(), Some(1), "{text}");
    assert!(
        text.contains("without BYE"),
        "the client is told why: {text}"
    );
    assert!(text.contains("before every message was sent"), "{text}");
    // It tried once more (the relay answers, but cannot reach the server) and gave up.
    assert!(text.contains("\"event\":\"reconnecting\""), "{text}");
    assert!(text.contains("gave up after 1 retry"), "{text}");
    let error = mitm.wait_json("the relay's error", |v| v["event"] == "error");
    assert!(
        error["message"].as_str().unwrap().contains("without BYE"),
        "{error}"
    );
    drop(stdin);
}
