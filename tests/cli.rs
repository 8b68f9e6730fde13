//! The real binary: one-shot commands and their exit codes, and a headless server and client
//! talking over loopback as separate processes.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_cipherlab");

/// Runs the binary with `stdin`, with logs kept out of the way.
/// The binary with `args`, quiet, with no key from the environment, and its output piped.
fn cipherlab(args: &[&str]) -> Command {
    let mut command = Command::new(BIN);
    command
        .args(args)
        .args(["--log-level", "off"])
        .env_remove("CIPHERLAB_KEY")
        .env_remove("SHARED_SECRET_KEY")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command
}

fn run(args: &[&str], stdin: &[u8]) -> Output {
    let mut child = cipherlab(args).stdin(Stdio::piped()).spawn().unwrap();
    // A child that exits early (usage errors) closes its stdin: that is not a test failure.
    let _ = child.stdin.take().unwrap().write_all(stdin);
    child.wait_with_output().unwrap()
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

#[test]
fn keygen_then_seal_then_open_for_every_scheme() {
    for scheme in cipherlab::crypto::Scheme::ALL {
        let name = scheme.name();
        let key = text(&run(&["keygen", "--scheme", name], b"").stdout)
            .trim()
            .to_owned();
        let sealed = run(
            &["seal", "--scheme", name, "--key", &key],
            b"attack at dawn",
        );
        assert!(sealed.status.success(), "{name}: {}", text(&sealed.stderr));
        let opened = run(&["open", "--scheme", name, "--key", &key], &sealed.stdout);
        assert_eq!(
            opened.status.code(),
            Some(0),
            "{name}: {}",
            text(&opened.stderr)
        );
        assert_eq!(opened.stdout, b"attack at dawn");
        let verdict = if scheme.has_integrity() {
            "authentic\n"
        } else {
            "unauthenticated\n"
        };
        assert_eq!(text(&opened.stderr), verdict, "{name}");
    }
}

#[test]
fn every_format_round_trips_under_every_scheme() {
    for scheme in cipherlab::crypto::Scheme::ALL {
        let name = scheme.name();
        let key = text(&run(&["keygen", "--scheme", name], b"").stdout)
            .trim()
            .to_owned();
        for format in ["hex", "base64", "raw"] {
            let args = ["--scheme", name, "--key", &key, "--format", format];
            let sealed = run(&[&["seal"][..], &args].concat(), b"00:1a:2b:3c:4d:5e");
            assert!(
                sealed.status.success(),
                "{name} {format}: {}",
                text(&sealed.stderr)
            );
            let opened = run(&[&["open"][..], &args].concat(), &sealed.stdout);
            assert_eq!(
                opened.stdout,
                b"00:1a:2b:3c:4d:5e",
                "{name} {format}: {}",
                text(&opened.stderr)
            );
        }
    }
}

#[test]
fn seal_under_a_fixed_nonce_repeats_and_under_random_or_counter_does_not() {
    for scheme in ["gcm", "chacha"] {
        let key = text(&run(&["keygen", "--scheme", scheme], b"").stdout)
            .trim()
            .to_owned();
        let seal = |nonce: &str| {
            let args = ["seal", "--scheme", scheme, "--key", &key, "--nonce", nonce];
            let out = run(&[&args[..], &["--format", "hex"]].concat(), b"same words");
            assert!(
                out.status.success(),
                "{scheme} {nonce}: {}",
                text(&out.stderr)
            );
            text(&out.stdout).trim().to_owned()
        };
        assert_eq!(seal("fixed"), seal("fixed"), "{scheme}");
        assert_ne!(seal("random"), seal("random"), "{scheme}");
        // A counter starts from a fresh random prefix in each process.
        assert_ne!(seal("counter"), seal("counter"), "{scheme}");
    }
}

#[test]
fn open_exits_1_with_the_reason_when_rejected() {
    let key = text(&run(&["keygen", "--scheme", "fernet"], b"").stdout)
        .trim()
        .to_owned();
    let other = text(&run(&["keygen", "--scheme", "fernet"], b"").stdout)
        .trim()
        .to_owned();
    let sealed = run(
        &["seal", "--scheme", "fernet", "--key", &other],
        b"Hello, World!",
    );
    let opened = run(
        &["open", "--scheme", "fernet", "--key", &key],
        &sealed.stdout,
    );
    assert_eq!(opened.status.code(), Some(1));
    assert_eq!(text(&opened.stderr), "rejected: tag mismatch\n");
    assert!(opened.stdout.is_empty());
    let garbage = run(
        &["open", "--scheme", "fernet", "--key", &key],
        b"%%%not a token%%%\n",
    );
    assert_eq!(garbage.status.code(), Some(1));
    assert_eq!(text(&garbage.stderr), "rejected: invalid base64\n");
}

#[test]
fn usage_errors_exit_2_with_a_clear_message() {
    let bad_hex = run(
        &[
            "open",
            "--scheme",
            "ecb",
            "--key",
            "00112233445566778899aabbccddeeff",
        ],
        b"zz",
    );
    assert_eq!(bad_hex.status.code(), Some(2));
    assert!(
        text(&bad_hex.stderr).contains("stdin is not valid hex"),
        "{}",
        text(&bad_hex.stderr)
    );

    let short_key = run(&["seal", "--scheme", "ecb", "--key", "0011"], b"x");
    assert_eq!(short_key.status.code(), Some(2));
    let message = text(&short_key.stderr);
    assert!(
        message.contains("the ecb key is 2 bytes; expected 16, 24 or 32 bytes"),
        "{message}"
    );

    let bad_base64 = run(
        &["seal", "--scheme", "fernet", "--key", "not base64!"],
        b"x",
    );
    assert_eq!(bad_base64.status.code(), Some(2));
    assert!(
        text(&bad_base64.stderr).contains("urlsafe base64"),
        "{}",
        text(&bad_base64.stderr)
    );

    let no_key = run(&["seal", "--scheme", "hmac"], b"x");
    assert_eq!(no_key.status.code(), Some(2));
    assert!(
        text(&no_key.stderr).contains("seal needs a key"),
        "{}",
        text(&no_key.stderr)
    );

    let bad_server_key = run(
        &["server", "--headless", "--scheme", "cbc", "--key", "xyz"],
        b"",
    );
    assert_eq!(bad_server_key.status.code(), Some(2));
    assert!(
        text(&bad_server_key.stderr).contains("not valid hex"),
        "{}",
        text(&bad_server_key.stderr)
    );

    let psk_without_key = run(&["server", "--headless", "--scheme", "hmac"], b"");
    assert_eq!(psk_without_key.status.code(), Some(2));
    assert!(
        text(&psk_without_key.stderr).contains("psk needs a key"),
        "{}",
        text(&psk_without_key.stderr)
    );

    assert_eq!(
        run(&["seal", "--scheme", "rot13", "--key", "k"], b"")
            .status
            .code(),
        Some(2)
    );
}

/// A headless server process, killed if the test fails.
struct ServerProcess {
    child: Child,
    lines: BufReader<ChildStdout>,
    addr: String,
}

impl ServerProcess {
    fn start(args: &[&str], log: &std::path::Path) -> ServerProcess {
        let mut child = Command::new(BIN)
            .args([
                "server",
                "--headless",
                "--listen",
                "127.0.0.1:0",
                "--log-file",
            ])
            .arg(log)
            .args(args)
            .env_remove("CIPHERLAB_KEY")
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap());
        let first = next_json(&mut lines);
        assert_eq!(first["event"], "listening", "{first}");
        let addr = first["addr"].as_str().unwrap().to_owned();
        ServerProcess { child, lines, addr }
    }

    /// Sends SIGTERM and returns the exit status, bounded in time.
    fn stop(mut self) -> Option<i32> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        let deadline = Instant::now() + Duration::from_secs(10);
        while Instant::now() < deadline {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.code();
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        None
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A headless man in the middle on a free port in front of `upstream`, with `extra` arguments:
/// the process, and its first event (`listening`, with the address it took).
fn start_mitm(upstream: &str, extra: &[&str]) -> (Child, Value) {
    let mut mitm = Command::new(BIN)
        .args([
            "mitm",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
        ])
        .arg(upstream)
        .args(extra)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut lines = BufReader::new(mitm.stdout.take().unwrap());
    let listening = next_json(&mut lines);
    // Keep reading, so that the man in the middle never blocks on a full pipe.
    std::thread::spawn(move || std::io::copy(&mut lines, &mut std::io::sink()));
    (mitm, listening)
}

fn next_json(lines: &mut impl BufRead) -> Value {
    let mut line = String::new();
    lines.read_line(&mut line).unwrap();
    serde_json::from_str(&line).unwrap_or_else(|e| panic!("not JSON: {line:?}: {e}"))
}

fn client(addr: &str, args: &[&str], stdin: &[u8]) -> (Option<i32>, Vec<Value>) {
    let mut all = vec!["client", "--headless", "--connect", addr];
    all.extend_from_slice(args);
    let out = run(&all, stdin);
    let events = text(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (out.status.code(), events)
}

fn events_named<'a>(events: &'a [Value], name: &str) -> Vec<&'a Value> {
    events.iter().filter(|e| e["event"] == name).collect()
}

#[test]
fn headless_client_sends_waits_for_verdicts_and_exits_0() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&["--scheme", "fernet"], &dir.path().join("server.log"));
    let (code, events) = client(
        &server.addr,
        &["--message", "hi, how are you ?", "--message", "i am good"],
        b"",
    );
    assert_eq!(code, Some(0), "{events:?}");
    let verdicts = events_named(&events, "verdict");
    assert_eq!(verdicts.len(), 2);
    assert!(verdicts.iter().all(|v| v["verdict"] == "authentic"));
    let key = events_named(&events, "key")[0];
    assert_eq!(key["source"], "received-in-clear");
    assert_eq!(key["key"], cipherlab::json::REDACTED);
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn headless_client_reads_stdin_lines_until_eof() {
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&["--scheme", "cbc"], &dir.path().join("server.log"));
    let (code, events) = client(&server.addr, &[], b"first line\nsecond line\n");
    assert_eq!(code, Some(0), "{events:?}");
    let sent: Vec<&str> = events_named(&events, "sent")
        .iter()
        .map(|e| e["plaintext"].as_str().unwrap())
        .collect();
    assert_eq!(sent, ["first line", "second line"]);
    assert_eq!(events_named(&events, "verdict").len(), 2);
}

#[test]
fn headless_client_exits_1_when_the_server_rejects() {
    let dir = tempfile::tempdir().unwrap();
    let server_key = "mlDo4KsvYLbrOrCnKjLVRd48NcJmrrDQzmKamLsW3CQ=";
    let server = ServerProcess::start(
        &[
            "--scheme",
            "fernet",
            "--key-exchange",
            "psk",
            "--key",
            server_key,
        ],
        &dir.path().join("server.log"),
    );
    let wrong = "S0S-wLUvHAhPg0GTQ3ypTDe6eY7tcaZPiIzbmUeFQ3o=";
    let (code, events) = client(
        &server.addr,
        &["--key", wrong, "--message", "Hello, World!"],
        b"",
    );
    assert_eq!(code, Some(1), "{events:?}");
    assert_eq!(
        events_named(&events, "verdict")[0]["reason"],
        "tag mismatch"
    );
}

#[test]
fn the_server_log_records_verdicts_but_never_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let key = "c2VjcmV0LWtleS10aGF0LW11c3Qtbm90LWxlYWs=";
    let server = ServerProcess::start(
        &["--scheme", "hmac", "--key", &format!("base64:{key}")],
        &log,
    );
    let (code, _) = client(
        &server.addr,
        &["--key", &format!("base64:{key}"), "--message", "audit me"],
        b"",
    );
    assert_eq!(code, Some(0));
    assert_eq!(server.stop(), Some(0));
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("verification result"), "{written}");
    assert!(written.contains("verdict=authentic"), "{written}");
    assert!(!written.contains(key), "the key leaked into the log");
    assert!(
        !written.contains("secret-key-that-must-not-leak"),
        "the key leaked into the log"
    );
}

#[test]
fn a_server_prints_every_event_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = ServerProcess::start(&["--scheme", "ecb"], &dir.path().join("server.log"));
    let (code, _) = client(
        &server.addr,
        &[
            "--name",
            "alice",
            "--message",
            "YELLOW SUBMARINEYELLOW SUBMARINE",
        ],
        b"",
    );
    assert_eq!(code, Some(0));
    let mut names = vec![];
    loop {
        let event = next_json(&mut server.lines);
        names.push(event["event"].as_str().unwrap().to_owned());
        if event["event"] == "connected" {
            assert_eq!(event["name"], "alice");
        }
        if event["event"] == "received" {
            assert_eq!(event["plaintext"], "YELLOW SUBMARINEYELLOW SUBMARINE");
            assert_eq!(event["verdict"], "unauthenticated");
            let wire = event["wire_hex"].as_str().unwrap();
            assert_eq!(wire[..32], wire[32..64], "ECB shows the equal blocks");
        }
        if event["event"] == "disconnected" {
            break;
        }
    }
    assert_eq!(names, ["key", "connected", "received", "disconnected"]);
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn log_secrets_puts_the_key_in_the_log_and_the_key_event() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let key = "text:open-sesame-for-the-log";
    let mut server =
        ServerProcess::start(&["--scheme", "hmac", "--key", key, "--log-secrets"], &log);
    let event = next_json(&mut server.lines);
    assert_eq!(event["event"], "key");
    assert_eq!(event["key"], "open-sesame-for-the-log");
    assert_eq!(server.stop(), Some(0));
    let written = std::fs::read_to_string(&log).unwrap();
    assert!(written.contains("open-sesame-for-the-log"), "{written}");
}

#[test]
fn bench_net_reports_its_figures_as_one_json_object() {
    let out = run(
        &[
            "bench",
            "net",
            "--scheme",
            "hmac",
            "--clients",
            "4",
            "--messages",
            "25",
            "--size",
            "64",
            "--json",
        ],
        b"",
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let figures: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    for key in [
        "msgs_per_sec",
        "p50_ms",
        "p99_ms",
        "max_ms",
        "errors",
        "peak_rss_mb",
    ] {
        assert!(figures[key].is_number(), "{key} missing from {figures}");
    }
    assert_eq!(figures["errors"], 0);
    assert!(figures["p50_ms"].as_f64().unwrap() <= figures["p99_ms"].as_f64().unwrap());
    assert!(figures["p99_ms"].as_f64().unwrap() <= figures["max_ms"].as_f64().unwrap());
}

#[test]
fn bench_net_measures_the_floor_and_clients_in_a_process_of_their_own() {
    let bench = |extra: &str| {
        let out = run(
            &[
                "bench",
                "net",
                "--scheme",
                "fernet",
                "--clients",
                "6",
                "--messages",
                "20",
                extra,
                "--json",
            ],
            b"",
        );
        assert!(out.status.success(), "{}", text(&out.stderr));
        serde_json::from_str::<Value>(text(&out.stdout).trim()).unwrap()
    };
    let floor = bench("--floor");
    assert_eq!(floor["server"], "floor");
    assert_eq!(floor["errors"], 0);
    assert_eq!(floor["verified"], 120);
    let apart = bench("--clients-apart");
    assert_eq!(apart["server"], "cipherlab");
    assert_eq!(apart["clients_apart"], true);
    assert_eq!(apart["errors"], 0);
    // The lab server opened every message the other process sent.
    assert_eq!(apart["verified"], 120);
    assert!(apart["clients_rss_mb"].as_f64().unwrap() > 0.0, "{apart}");
    // The load process on its own refuses to run without the key the bench hands it.
    let out = run(&["bench", "net", "--load-only", "127.0.0.1:9"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(text(&out.stderr).contains("CIPHERLAB_BENCH_KEY"));
}

#[test]
fn a_key_that_starts_with_a_hyphen_is_a_key_not_a_flag() {
    // urlsafe base64 of 32 bytes of 0xf8: one generated fernet key in 64 starts with '-'.
    let key = "-Pj4-Pj4-Pj4-Pj4-Pj4-Pj4-Pj4-Pj4-Pj4-Pj4-Pg=";
    let sealed = run(&["seal", "--scheme", "fernet", "--key", key], b"hi");
    assert!(sealed.status.success(), "{}", text(&sealed.stderr));
    let opened = run(
        &["open", "--scheme", "fernet", "--key", key],
        &sealed.stdout,
    );
    assert_eq!(text(&opened.stdout), "hi");
    let sealed = run(&["seal", "--scheme", "hmac", "--key", "-s3cret"], b"hi");
    assert!(sealed.status.success(), "{}", text(&sealed.stderr));
}

#[test]
fn a_malformed_address_is_a_usage_error_before_anything_starts() {
    for args in [
        &[
            "mitm",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "nope",
        ][..],
        &["server", "--headless", "--listen", "127.0.0.1:99999"],
        &[
            "client",
            "--headless",
            "--connect",
            ":80",
            "--message",
            "hi",
        ],
    ] {
        let out = run(args, b"");
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(text(&out.stderr).contains("is not HOST:PORT"), "{args:?}");
    }
}

/// Runs the binary expecting a usage error: asserts that it exits 2 within a deadline (a
/// command wrongly accepted would run on, a server forever) and returns its stderr.
fn usage_error(args: &[&str]) -> String {
    let mut child = cipherlab(args).stdin(Stdio::null()).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(20);
    while child.try_wait().unwrap().is_none() {
        if Instant::now() > deadline {
            let _ = child.kill();
            let out = child.wait_with_output().unwrap();
            panic!(
                "{args:?} was accepted and kept running; stdout: {}",
                text(&out.stdout)
            );
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{args:?}: {}",
        text(&out.stderr)
    );
    text(&out.stderr)
}

#[test]
fn a_max_frame_below_the_minimum_is_a_usage_error_naming_the_range() {
    use cipherlab::cli::{MAX_MAX_FRAME, MIN_MAX_FRAME};
    let range = format!("from {MIN_MAX_FRAME} to {MAX_MAX_FRAME}");
    let below = (MIN_MAX_FRAME - 1).to_string();
    for args in [
        // Addresses that bind nothing fixed and reach nothing, should a value be accepted.
        &[
            "server",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--max-frame",
            &below,
        ][..],
        &[
            "server",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--max-frame",
            "64",
        ],
        &[
            "client",
            "--headless",
            "--connect",
            "127.0.0.1:9",
            "--max-frame",
            "200",
            "--message",
            "hi",
        ],
        &[
            "mitm",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "127.0.0.1:9",
            "--max-frame",
            &below,
        ],
    ] {
        let message = usage_error(args);
        assert!(message.contains("--max-frame"), "{args:?}: {message}");
        assert!(message.contains(&range), "{args:?}: {message}");
    }
    let help = text(&run(&["server", "--help"], b"").stdout);
    assert!(help.contains(&range), "{help}");
}

/// 64 characters of 4 bytes each: the longest name a HELLO carries.
fn longest_name() -> String {
    "\u{1F512}".repeat(cipherlab::wire::frame::MAX_NAME)
}

#[test]
fn a_server_at_the_smallest_max_frame_serves_the_largest_handshake_in_every_scheme() {
    let smallest = cipherlab::cli::MIN_MAX_FRAME.to_string();
    // The largest WELCOME: the longest hmac key, not text, sent in the clear as hex:…
    let hmac_key = format!("hex:{}", "ff".repeat(cipherlab::crypto::key::MAX_HMAC_KEY));
    let dir = tempfile::tempdir().unwrap();
    for scheme in ["ecb", "cbc", "fernet", "hmac"] {
        let mut args = vec!["--scheme", scheme, "--max-frame", &smallest];
        if scheme == "hmac" {
            args.extend(["--key-exchange", "send", "--key", &hmac_key]);
        }
        let mut server = ServerProcess::start(&args, &dir.path().join(format!("{scheme}.log")));
        let name = longest_name();
        let (code, events) = client(
            &server.addr,
            &[
                "--max-frame",
                &smallest,
                "--name",
                &name,
                "--message",
                "a short message at the smallest frame size",
            ],
            b"",
        );
        assert_eq!(code, Some(0), "{scheme}: {events:?}");
        assert_eq!(events_named(&events, "verdict").len(), 1, "{scheme}");
        let connected = loop {
            let event = next_json(&mut server.lines);
            if event["event"] == "connected" {
                break event;
            }
        };
        assert_eq!(connected["name"], name.as_str(), "{scheme}");
        assert_eq!(server.stop(), Some(0), "{scheme}");
    }
}

#[test]
fn a_client_sends_no_more_name_than_the_server_keeps() {
    let dir = tempfile::tempdir().unwrap();
    let smallest = cipherlab::cli::MIN_MAX_FRAME.to_string();
    let mut server = ServerProcess::start(
        &["--scheme", "cbc", "--max-frame", &smallest],
        &dir.path().join("server.log"),
    );
    // 8 KiB of name, control characters among it: sent whole, the HELLO would be refused.
    let long = format!("\u{7}{}", "\u{1F512}".repeat(2048));
    let (code, events) = client(&server.addr, &["--name", &long, "--message", "hi"], b"");
    assert_eq!(code, Some(0), "{events:?}");
    let connected = loop {
        let event = next_json(&mut server.lines);
        if event["event"] == "connected" {
            break event;
        }
    };
    assert_eq!(connected["name"], longest_name().as_str());
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn ttl_with_a_scheme_other_than_fernet_is_a_usage_error() {
    for args in [
        &[
            "server",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--scheme",
            "hmac",
            "--key",
            "text:k",
            "--ttl",
            "60",
        ][..],
        &[
            "server",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--scheme",
            "ecb",
            "--ttl",
            "60",
        ],
        &[
            "client",
            "--headless",
            "--connect",
            "127.0.0.1:9",
            "--scheme",
            "cbc",
            "--ttl",
            "60",
            "--message",
            "hi",
        ],
        &[
            "open",
            "--scheme",
            "cbc",
            "--key",
            "text:mysecretkey12345",
            "--ttl",
            "60",
        ],
    ] {
        let message = usage_error(args);
        assert!(
            message.contains("'--ttl <SECS>' cannot be used with '--scheme "),
            "{args:?}: {message}"
        );
        assert!(message.contains("expires Fernet tokens"), "{message}");
    }

    // With fernet, or a client that takes the server's scheme, --ttl stands.
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(
        &["--scheme", "fernet", "--ttl", "60"],
        &dir.path().join("server.log"),
    );
    let (code, events) = client(&server.addr, &["--ttl", "60", "--message", "hi"], b"");
    assert_eq!(code, Some(0), "{events:?}");
    assert_eq!(server.stop(), Some(0));
    let key = text(&run(&["keygen", "--scheme", "fernet"], b"").stdout)
        .trim()
        .to_owned();
    let sealed = run(&["seal", "--scheme", "fernet", "--key", &key], b"hi");
    let opened = run(
        &["open", "--scheme", "fernet", "--key", &key, "--ttl", "60"],
        &sealed.stdout,
    );
    assert_eq!(opened.status.code(), Some(0), "{}", text(&opened.stderr));
}

#[test]
fn port_0_is_for_listening_only() {
    for args in [
        &[
            "mitm",
            "--headless",
            "--listen",
            "127.0.0.1:0",
            "--upstream",
            "127.0.0.1:0",
        ][..],
        &[
            "client",
            "--headless",
            "--connect",
            "127.0.0.1:0",
            "--message",
            "hi",
        ],
        &[
            "client",
            "--headless",
            "--connect",
            "[::1]:0",
            "--message",
            "hi",
        ],
    ] {
        let message = usage_error(args);
        assert!(
            message.contains("port 0 is only for listening"),
            "{args:?}: {message}"
        );
    }

    // Listening on port 0 still picks a free port, and a man in the middle there relays.
    let dir = tempfile::tempdir().unwrap();
    let server = ServerProcess::start(&["--scheme", "ecb"], &dir.path().join("server.log"));
    let log = dir.path().join("mitm.log");
    let (mut mitm, listening) = start_mitm(&server.addr, &["--log-file", log.to_str().unwrap()]);
    let _ = mitm.kill();
    let _ = mitm.wait();
    assert_eq!(listening["event"], "listening", "{listening}");
    assert_ne!(listening["addr"], "127.0.0.1:0");
    assert_eq!(server.stop(), Some(0));
}

#[test]
fn a_wrong_lesson_or_recording_is_named_before_the_missing_terminal() {
    // stdout is a pipe here: the screen could not open, but the real mistake is reported.
    let lesson = run(&["lesson", "no-such-lesson"], b"");
    assert_eq!(lesson.status.code(), Some(2));
    assert!(text(&lesson.stderr).contains("no lesson named \"no-such-lesson\""));
    let replay = run(&["replay", "/no/such/recording.jsonl"], b"");
    assert_eq!(replay.status.code(), Some(1));
    assert!(text(&replay.stderr).contains("cannot read /no/such/recording.jsonl"));
    let demo = run(&["lesson", "ecb-patterns"], b"");
    assert_eq!(demo.status.code(), Some(2));
    assert!(text(&demo.stderr).contains("stdout is not a terminal"));
}

#[test]
fn the_idle_timeout_is_shown_in_help_and_checked() {
    let help = text(&run(&["server", "--help"], b"").stdout);
    assert!(
        help.contains("--idle-timeout <SECS>") && help.contains("[default: 600]"),
        "{help}"
    );
    let mitm = text(&run(&["mitm", "--help"], b"").stdout);
    assert!(mitm.contains("--idle-timeout"), "{mitm}");
    let out = run(&["server", "--idle-timeout", "0"], b"");
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--idle-timeout"),
        "{}",
        text(&out.stderr)
    );
}

#[test]
fn bench_net_raises_a_low_open_file_limit_and_says_so() {
    // 200 clients in one process need both ends of every connection: under a soft limit of
    // 256 the run used to deadlock; it now raises the limit to what it needs and says so.
    let script = format!(
        "ulimit -Sn 256 && exec {BIN} bench net --scheme fernet --clients 200 --messages 2 \
         --size 64 --json --log-file /dev/null"
    );
    let out = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(0), "{stderr}");
    assert!(
        stderr.contains("raised the open-file limit from 256"),
        "{stderr}"
    );
    let figures: Value = serde_json::from_str(text(&out.stdout).trim()).unwrap();
    assert_eq!(figures["errors"], 0);
    assert_eq!(figures["verified"], 400);
}

#[test]
fn bench_net_refuses_at_once_when_even_the_hard_open_file_limit_is_too_low() {
    let script = format!(
        "ulimit -Sn 100 && ulimit -Hn 200 && exec {BIN} bench net --scheme fernet --clients 200 \
         --messages 2 --size 64 --log-file /dev/null"
    );
    let started = Instant::now();
    let out = Command::new("sh")
        .args(["-c", &script])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let stderr = text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("200 clients need about 464 open files")
            && stderr.contains("at most 200 (the hard limit"),
        "{stderr}"
    );
    assert!(started.elapsed() < Duration::from_secs(5), "it stalled");
}

#[test]
fn a_headless_server_or_mitm_on_a_port_in_use_prints_a_json_error_event() {
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    for args in [
        &["server", "--headless", "--listen", &addr][..],
        &[
            "mitm",
            "--headless",
            "--listen",
            &addr,
            "--upstream",
            "127.0.0.1:9",
        ],
    ] {
        let output = run(args, b"");
        assert_eq!(output.status.code(), Some(1), "{args:?}");
        let stdout = text(&output.stdout);
        let events: Vec<Value> = stdout
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert!(
            events.iter().any(|e| e["event"] == "error"
                && e["message"]
                    .as_str()
                    .is_some_and(|m| m.contains(&format!("cannot listen on {addr}")))),
            "{args:?}: {stdout}"
        );
        assert!(
            text(&output.stderr).contains("cannot listen on"),
            "{args:?}"
        );
    }
    drop(taken);
}

#[test]
fn the_log_names_an_injected_copy_replay_n_not_its_raw_sequence_number() {
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("server.log");
    let server = ServerProcess::start(&["--scheme", "cbc"], &log);
    let (mut mitm, listening) = start_mitm(
        &server.addr,
        &["--tamper", "2=replay", "--log-level", "off"],
    );
    let addr = listening["addr"].as_str().unwrap().to_owned();
    let client = run(
        &[
            "client",
            "--headless",
            "--connect",
            &addr,
            "--message",
            "pay bob 10",
            "--message",
            "hi",
        ],
        b"",
    );
    assert_eq!(client.status.code(), Some(0), "{}", text(&client.stderr));
    let deadline = Instant::now() + Duration::from_secs(10);
    let results = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let results: Vec<String> = text
            .lines()
            .filter(|l| l.contains("verification result"))
            .map(str::to_owned)
            .collect();
        if results.len() >= 3 || Instant::now() > deadline {
            break results;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let _ = mitm.kill();
    let _ = mitm.wait();
    assert_eq!(server.stop(), Some(0));
    assert!(
        results.iter().any(|l| l.contains("seq=replay 1")),
        "{results:#?}"
    );
    assert!(
        results.iter().all(|l| !l.contains("9223372036854775808")),
        "{results:#?}"
    );
}
