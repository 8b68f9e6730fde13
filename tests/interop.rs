//! The lab's Python programs (reproduced in `tests/peers/` with the seeds' own libraries and
//! socket calls) against cipherlab's `--wire seed`, in both directions, plus bad input on the
//! seed wire. Needs the venv `tests/run.sh` makes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::process::{Proc, peer, python};

const SECRET: &str = "your_shared_secret_key";

fn seed_server(scheme: &str, extra: &[&str], env: &[(&str, &str)]) -> (Proc, String) {
    let mut args = vec![
        "server",
        "--headless",
        "--wire",
        "seed",
        "--scheme",
        scheme,
        "--listen",
        "127.0.0.1:0",
    ];
    args.extend_from_slice(extra);
    let mut server = Proc::cipherlab(&args, env);
    let port = server.port().to_string();
    (server, port)
}

fn seed_client(
    scheme: &str,
    port: &str,
    extra: &[&str],
    env: &[(&str, &str)],
) -> (Option<i32>, Vec<serde_json::Value>) {
    let addr = format!("127.0.0.1:{port}");
    let mut args = vec![
        "client",
        "--headless",
        "--wire",
        "seed",
        "--scheme",
        scheme,
        "--connect",
        &addr,
    ];
    args.extend_from_slice(extra);
    let (code, lines) = Proc::cipherlab(&args, env).finish();
    (
        code,
        lines
            .iter()
            .filter_map(|l| serde_json::from_str(l).ok())
            .collect(),
    )
}

/// Seed 004's server (the Python reproduction) under the shared secret, logging into `dir`,
/// and its port.
fn python_seed_004_server(py: &std::path::Path, dir: &str) -> (Proc, String) {
    let mut server = Proc::spawn(
        py,
        &[&peer("seed004_server.py"), "--port", "0", "--log-dir", dir],
        &[("SHARED_SECRET_KEY", SECRET)],
    );
    let port = server.port().to_string();
    (server, port)
}

fn named<'a>(events: &'a [serde_json::Value], name: &str) -> Vec<&'a serde_json::Value> {
    events.iter().filter(|e| e["event"] == name).collect()
}

#[test]
fn seed_000_ecb_both_ways() {
    let Some(py) = python() else { return };
    let (mut server, port) = seed_server("ecb", &[], &[]);
    let (code, _) = Proc::spawn(
        &py,
        &[
            &peer("seed000_client.py"),
            "--port",
            &port,
            "--message",
            "YELLOW SUBMARINEYELLOW SUBMARINE",
        ],
        &[],
    )
    .finish();
    assert_eq!(code, Some(0));
    let received = server.event("received");
    assert_eq!(received["plaintext"], "YELLOW SUBMARINEYELLOW SUBMARINE");
    assert_eq!(received["verdict"], "unauthenticated");

    let mut py_server = Proc::spawn(&py, &[&peer("seed000_server.py"), "--port", "0"], &[]);
    let port = py_server.port().to_string();
    let (code, events) = seed_client("ecb", &port, &["--message", "attack at dawn"], &[]);
    assert_eq!(code, Some(0), "{events:?}");
    assert_eq!(named(&events, "key")[0]["source"], "received-in-clear");
    assert_eq!(py_server.event("received")["plaintext"], "attack at dawn");
}

#[test]
fn seed_001_fernet_both_ways_with_replies() {
    let Some(py) = python() else { return };
    let (mut server, port) = seed_server("fernet", &["--reply", "i am good"], &[]);
    let (code, lines) = Proc::spawn(
        &py,
        &[
            &peer("seed001_client.py"),
            "--port",
            &port,
            "--message",
            "hi, how are you ?",
            "--message",
            "bye",
        ],
        &[],
    )
    .finish();
    assert_eq!(code, Some(0), "{lines:?}");
    let replies: Vec<_> = lines
        .iter()
        .filter(|l| l.contains(r#""event": "reply""#))
        .collect();
    assert_eq!(replies.len(), 2);
    assert!(
        replies.iter().all(|r| r.contains("i am good")),
        "{replies:?}"
    );
    assert_eq!(server.event("received")["plaintext"], "hi, how are you ?");
    assert_eq!(server.event("received")["plaintext"], "bye");

    let mut py_server = Proc::spawn(
        &py,
        &[
            &peer("seed001_server.py"),
            "--port",
            "0",
            "--reply",
            "i am good",
        ],
        &[],
    );
    let port = py_server.port().to_string();
    let (code, events) = seed_client(
        "fernet",
        &port,
        &["--message", "hi, how are you ?", "--message", "second"],
        &[],
    );
    assert_eq!(code, Some(0), "{events:?}");
    let received = named(&events, "received");
    assert_eq!(received.len(), 2);
    assert!(
        received
            .iter()
            .all(|r| r["plaintext"] == "i am good" && r["verdict"] == "authentic")
    );
    assert_eq!(
        py_server.event("received")["plaintext"],
        "hi, how are you ?"
    );
}

#[test]
fn seed_002_unshared_key_is_rejected_as_tag_mismatch_and_the_server_carries_on() {
    let Some(py) = python() else { return };
    let (mut server, port) = seed_server("fernet", &[], &[]);
    let (code, _) = Proc::spawn(&py, &[&peer("seed002_client.py"), "--port", &port], &[]).finish();
    assert_eq!(code, Some(0));
    let received = server.event("received");
    assert_eq!(received["verdict"], "rejected");
    assert_eq!(received["reason"], "tag mismatch");
    // The next student is served as usual.
    let (code, _) = Proc::spawn(
        &py,
        &[
            &peer("seed001_client.py"),
            "--port",
            &port,
            "--message",
            "still here",
        ],
        &[],
    )
    .finish();
    assert_eq!(code, Some(0));
    assert_eq!(server.event("received")["plaintext"], "still here");
}

#[test]
fn seed_003_cbc_http_api_both_ways() {
    let Some(py) = python() else { return };
    let (mut server, port) = seed_server("cbc", &[], &[]);
    let url = format!("http://127.0.0.1:{port}/decrypt-mac");
    let (code, lines) =
        Proc::spawn(&py, &[&peer("seed003_client.py"), "--url", &url], &[]).finish();
    assert_eq!(code, Some(0));
    let response: serde_json::Value =
        serde_json::from_str(lines.iter().find(|l| l.contains(r#""response""#)).unwrap()).unwrap();
    assert_eq!(response["status"], 200);
    assert_eq!(response["body"]["mac_address"], "00:1a:2b:3c:4d:5e");
    assert_eq!(server.event("received")["verdict"], "unauthenticated");
    // A wrong key: the seed's own 400.
    let (_, lines) = Proc::spawn(
        &py,
        &[
            &peer("seed003_client.py"),
            "--url",
            &url,
            "--key-text",
            "0123456789abcdef",
        ],
        &[],
    )
    .finish();
    let response: serde_json::Value =
        serde_json::from_str(lines.iter().find(|l| l.contains(r#""response""#)).unwrap()).unwrap();
    assert_eq!(response["status"], 400);
    assert_eq!(response["body"]["message"], "Decryption failed");

    let mut py_server = Proc::spawn(
        &py,
        &[
            &peer("seed003_server.py"),
            "--port",
            "0",
            "--max-requests",
            "2",
        ],
        &[],
    );
    let port = py_server.port().to_string();
    let (code, events) = seed_client("cbc", &port, &["--message", "00:1a:2b:3c:4d:5e"], &[]);
    assert_eq!(code, Some(0), "{events:?}");
    assert_eq!(named(&events, "verdict")[0]["verdict"], "unauthenticated");
    assert_eq!(
        py_server.event("decrypted")["mac_address"],
        "00:1a:2b:3c:4d:5e"
    );
    let (code, events) = seed_client(
        "cbc",
        &port,
        &["--key", "text:0123456789abcdef", "--message", "wrong key"],
        &[],
    );
    assert_eq!(code, Some(1));
    assert_eq!(named(&events, "verdict")[0]["reason"], "bad padding");
}

#[test]
fn seed_004_hmac_both_ways_and_the_missing_key() {
    let Some(py) = python() else { return };
    let key = [("SHARED_SECRET_KEY", SECRET)];
    let (mut server, port) = seed_server("hmac", &[], &key);
    let log_dir = tempfile::tempdir().unwrap();
    let dir = log_dir.path().to_str().unwrap();
    let (_, lines) = Proc::spawn(
        &py,
        &[
            &peer("seed004_client.py"),
            "--port",
            &port,
            "--message",
            "integrity, not secrecy",
            "--log-dir",
            dir,
        ],
        &key,
    )
    .finish();
    assert!(
        lines
            .iter()
            .any(|l| l
                .contains("Message verified successfully. Integrity and authenticity confirmed.")),
        "{lines:?}"
    );
    assert_eq!(server.event("received")["verdict"], "authentic");
    let wrong = [("SHARED_SECRET_KEY", "not the key")];
    let (_, lines) = Proc::spawn(
        &py,
        &[
            &peer("seed004_client.py"),
            "--port",
            &port,
            "--log-dir",
            dir,
        ],
        &wrong,
    )
    .finish();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Message verification failed.")),
        "{lines:?}"
    );
    assert_eq!(server.event("received")["reason"], "tag mismatch");

    let (mut py_server, port) = python_seed_004_server(&py, dir);
    let (code, events) = seed_client("hmac", &port, &["--message", "hello hmac"], &key);
    assert_eq!(code, Some(0), "{events:?}");
    assert_eq!(named(&events, "verdict")[0]["verdict"], "authentic");
    assert_eq!(py_server.event("received")["verified"], true);

    let mut missing = Proc::cipherlab(
        &["server", "--headless", "--wire", "seed", "--scheme", "hmac"],
        &[("SHARED_SECRET_KEY", "")],
    );
    let (code, _) = {
        let stderr = missing.stderr();
        assert!(stderr.contains("SHARED_SECRET_KEY is not set"), "{stderr}");
        missing.finish()
    };
    assert_eq!(code, Some(1), "exit 1, as seed 004 does");
}

#[test]
fn non_ascii_messages_from_cipherlab_verify_against_a_seed_004_server_and_the_seeds_own_client_fails()
 {
    let Some(py) = python() else { return };
    let key = [("SHARED_SECRET_KEY", SECRET)];
    let text = "café ☕ über";
    let log_dir = tempfile::tempdir().unwrap();
    let dir = log_dir.path().to_str().unwrap();
    // cipherlab's length counts bytes, which is what the seed's server reads.
    let (mut py_server, port) = python_seed_004_server(&py, dir);
    let (code, events) = seed_client("hmac", &port, &["--message", text], &key);
    assert_eq!(code, Some(0), "{events:?}");
    assert_eq!(named(&events, "verdict")[0]["verdict"], "authentic");
    let received = py_server.event("received");
    assert_eq!(received["length"], text.len(), "{received}");
    assert_eq!(
        (received["message"].as_str(), received["verified"].as_bool()),
        (Some(text), Some(true))
    );

    // The seed's own client counts characters: the message is cut short, whoever listens.
    let (mut server, port) = seed_server("hmac", &[], &key);
    let (_, lines) = Proc::spawn(
        &py,
        &[
            &peer("seed004_client.py"),
            "--port",
            &port,
            "--message",
            text,
            "--log-dir",
            dir,
        ],
        &key,
    )
    .finish();
    let sent: serde_json::Value = lines
        .iter()
        .filter_map(|l| serde_json::from_str(l).ok())
        .find(|v: &serde_json::Value| v["event"] == "sent")
        .unwrap();
    assert_eq!(sent["length_prefix"], text.chars().count(), "{sent}");
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Message verification failed.")),
        "{lines:?}"
    );
    assert_eq!(server.event("received")["reason"], "tag mismatch");
}

#[test]
fn a_seed_man_in_the_middle_reads_seed_001_and_breaks_seed_004() {
    let Some(py) = python() else { return };
    // 001: the key crosses in the clear, so the relay reads both directions.
    let mut py_server = Proc::spawn(
        &py,
        &[
            &peer("seed001_server.py"),
            "--port",
            "0",
            "--reply",
            "i am good",
        ],
        &[],
    );
    let upstream = format!("127.0.0.1:{}", py_server.port());
    let mut mitm = Proc::cipherlab(
        &[
            "mitm",
            "--headless",
            "--wire",
            "seed",
            "--scheme",
            "fernet",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &upstream,
        ],
        &[],
    );
    let port = mitm.port().to_string();
    let (code, _) = Proc::spawn(
        &py,
        &[
            &peer("seed001_client.py"),
            "--port",
            &port,
            "--message",
            "hi, how are you ?",
        ],
        &[],
    )
    .finish();
    assert_eq!(code, Some(0));
    assert_eq!(
        mitm.wait_json("request read", |v| v["event"] == "eavesdropped"
            && v["direction"] == "client-to-server")["plaintext"],
        "hi, how are you ?"
    );
    assert_eq!(
        mitm.wait_json("reply read", |v| v["event"] == "eavesdropped"
            && v["direction"] == "server-to-client")["plaintext"],
        "i am good"
    );
    drop(py_server);

    // 004: the plaintext is on the wire; a flipped bit is caught by the real seed server.
    let key = [("SHARED_SECRET_KEY", SECRET)];
    let log_dir = tempfile::tempdir().unwrap();
    let dir = log_dir.path().to_str().unwrap();
    let (mut py_server, port) = python_seed_004_server(&py, dir);
    let upstream = format!("127.0.0.1:{port}");
    let mut mitm = Proc::cipherlab(
        &[
            "mitm",
            "--headless",
            "--wire",
            "seed",
            "--scheme",
            "hmac",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            &upstream,
            "--tamper",
            "1=flip:4:0",
        ],
        &[],
    );
    let port = mitm.port().to_string();
    let (_, lines) = Proc::spawn(
        &py,
        &[
            &peer("seed004_client.py"),
            "--port",
            &port,
            "--message",
            "pay bob 10",
            "--log-dir",
            dir,
        ],
        &key,
    )
    .finish();
    assert!(
        lines
            .iter()
            .any(|l| l.contains("Message verification failed.")),
        "{lines:?}"
    );
    assert_eq!(mitm.event("eavesdropped")["plaintext"], "pay bob 10");
    assert_eq!(py_server.event("received")["message"], "qay bob 10");
}

#[test]
fn bad_input_on_the_seed_wire_gets_the_seeds_answer_or_a_clean_close() {
    use std::io::{Read, Write};
    use std::net::TcpStream;
    let _ = python();
    // Garbage instead of a Fernet token: the connection closes, the server carries on.
    let (mut server, port) = seed_server("fernet", &[], &[]);
    let mut garbage = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let mut key = [0u8; 44];
    garbage.read_exact(&mut key).unwrap();
    garbage.write_all(b"this is not a fernet token\n").unwrap();
    let mut rest = Vec::new();
    garbage
        .set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    garbage.read_to_end(&mut rest).unwrap();
    assert!(rest.is_empty(), "no reply to garbage, just a close");
    assert_eq!(server.event("received")["reason"], "invalid base64");

    // A length prefix far beyond the data: seed 004's failure reply, and nothing allocated.
    let (mut hmac, port) = seed_server("hmac", &[], &[("SHARED_SECRET_KEY", SECRET)]);
    let mut liar = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    liar.write_all(&[0x7f, 0xff, 0xff, 0xff, b'h', b'i'])
        .unwrap();
    let mut reply = String::new();
    liar.set_read_timeout(Some(std::time::Duration::from_secs(5)))
        .unwrap();
    liar.read_to_string(&mut reply).unwrap();
    assert_eq!(reply, "Message verification failed.");
    assert!(
        hmac.event("error")["message"]
            .as_str()
            .unwrap()
            .contains("over the")
    );

    // A missing JSON field: seed 003's own 400.
    let (_cbc, port) = seed_server("cbc", &[], &[]);
    let mut http = TcpStream::connect(format!("127.0.0.1:{port}")).unwrap();
    let body = r#"{"salt":"AAAAAAAAAAAAAAAAAAAAAA=="}"#;
    write!(http, "POST /decrypt-mac HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}", body.len()).unwrap();
    let mut response = String::new();
    http.read_to_string(&mut response).unwrap();
    assert!(response.starts_with("HTTP/1.1 400"), "{response}");
    assert!(
        response.contains(r#""message":"No encrypted MAC address or salt provided""#),
        "{response}"
    );

    // A short key read: the client names what it got.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    let stingy = std::thread::spawn(move || {
        let (mut conn, _) = listener.accept().unwrap();
        conn.write_all(b"short").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(300));
    });
    let (code, events) = seed_client("ecb", &port, &["--message", "x"], &[]);
    stingy.join().unwrap();
    assert_eq!(code, Some(1));
    let error = named(&events, "error")[0]["message"]
        .as_str()
        .unwrap()
        .to_owned();
    assert!(
        error.contains("5 bytes where a 16-, 24- or 32-byte AES key belongs"),
        "{error}"
    );
}
