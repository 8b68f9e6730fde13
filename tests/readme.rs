//! The README's attack section, executed as doctests are: every worked example's command line
//! runs against a real server, man in the middle and client on loopback, and each `#` line
//! under it (the verdict the server reaches, what the man in the middle reads) must hold, so
//! that a false sentence there fails the build.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;

use cipherlab::lesson::reads_as;
use common::process::{BIN, Proc};
use serde_json::Value;

const README: &str = include_str!("../README.md");

/// What `S`, `M` and `C` stand for; the runner starts the same commands on ports of its own.
const DEFINITIONS: &str = r#"S() { cipherlab server --headless --listen 127.0.0.1:23450 "$@"; }
M() { cipherlab mitm --headless --listen 127.0.0.1:23451 --upstream 127.0.0.1:23450 "$@"; }
C() { cipherlab client --headless --connect 127.0.0.1:23451 "$@"; }"#;

/// The section between its heading and the next one.
fn section(heading: &str) -> &'static str {
    let start = README.find(heading).expect("the README has the section");
    let rest = &README[start + heading.len()..];
    &rest[..rest.find("\n## ").unwrap_or(rest.len())]
}

/// The fenced code blocks of `text`, their lines unindented.
fn code_blocks(text: &str) -> Vec<Vec<String>> {
    let mut blocks = Vec::new();
    let mut open: Option<Vec<String>> = None;
    for line in text.lines() {
        let trimmed = line.trim_start();
        match (&mut open, trimmed.starts_with("```")) {
            (None, true) => open = Some(Vec::new()),
            (Some(_), true) => blocks.extend(open.take()),
            (Some(block), false) => block.push(trimmed.to_owned()),
            (None, false) => {}
        }
    }
    blocks
}

/// A command line split into words as the shell would: quotes group, `$NAME` expands.
fn words(line: &str, vars: &HashMap<String, String>) -> Vec<String> {
    let mut words = Vec::new();
    let mut word: Option<String> = None;
    let mut chars = line.chars().peekable();
    let mut quote = None;
    while let Some(c) = chars.next() {
        match (c, quote) {
            ('"' | '\'', None) => {
                quote = Some(c);
                word.get_or_insert_with(String::new);
            }
            (c, Some(q)) if c == q => quote = None,
            ('$', q) if q != Some('\'') => {
                let mut name = String::new();
                while let Some(&n) = chars.peek().filter(|n| n.is_ascii_alphanumeric()) {
                    name.push(n);
                    chars.next();
                }
                let value = vars
                    .get(&name)
                    .unwrap_or_else(|| panic!("${name} is not set"));
                word.get_or_insert_with(String::new).push_str(value);
            }
            (' ', None) => words.extend(word.take()),
            (c, _) => word.get_or_insert_with(String::new).push(c),
        }
    }
    assert!(quote.is_none(), "unclosed quote in {line}");
    words.extend(word);
    words
}

/// One claim under a command.
#[derive(Debug)]
enum Claim {
    /// The server's verdict on a message, and what it accepted.
    Server {
        seq: u64,
        verdict: String,
        plaintext: Option<String>,
        usually: bool,
    },
    /// The message never reached the server.
    Never { seq: u64 },
    /// The man in the middle read this client message.
    Reads(String),
    /// It read no client message.
    ReadsNothing,
}

fn quoted(text: &str) -> Option<String> {
    let inner = text.strip_suffix('"')?;
    let start = inner.find('"')?;
    Some(inner[start + 1..].to_owned())
}

fn claim(line: &str) -> Claim {
    if let Some(rest) = line.strip_prefix("# server: ") {
        let (seq, rest) = match rest.strip_prefix("replay ") {
            Some(rest) => {
                let (n, rest) = rest.split_once(' ').unwrap();
                ((1u64 << 63) + n.parse::<u64>().unwrap() - 1, rest)
            }
            None => {
                let (n, rest) = rest.split_once(' ').unwrap();
                (n.parse().unwrap(), rest)
            }
        };
        if rest == "never" {
            return Claim::Never { seq };
        }
        let (usually, rest) = match rest.strip_prefix("usually ") {
            Some(rest) => (true, rest),
            None => (false, rest),
        };
        let plaintext = quoted(rest);
        let verdict = match rest.find(" \"") {
            Some(at) => &rest[..at],
            None => rest,
        };
        return Claim::Server {
            seq,
            verdict: verdict.to_owned(),
            plaintext,
            usually,
        };
    }
    if line == "# wire reads nothing" {
        return Claim::ReadsNothing;
    }
    if let Some(rest) = line.strip_prefix("# wire reads: ") {
        return Claim::Reads(quoted(rest).unwrap_or_else(|| panic!("no quoted text in {line}")));
    }
    panic!("a claim the runner does not know: {line}")
}

/// One example: a command line and the claims under it.
#[derive(Debug)]
struct Example {
    line: String,
    server: Vec<String>,
    mitm: Vec<String>,
    client: Vec<String>,
    claims: Vec<Claim>,
}

/// The examples of the section, with `NAME=$(cipherlab ...)` lines run as they come.
fn examples(blocks: &[Vec<String>]) -> Vec<Example> {
    let mut vars = HashMap::new();
    let mut examples: Vec<Example> = Vec::new();
    for line in blocks.iter().flatten() {
        if let Some((name, command)) = line.split_once("=$(cipherlab ") {
            let args = words(command.strip_suffix(')').unwrap(), &vars);
            let output = std::process::Command::new(BIN)
                .args(&args)
                .output()
                .unwrap();
            assert!(output.status.success(), "{line}");
            let value = String::from_utf8(output.stdout).unwrap().trim().to_owned();
            vars.insert(name.to_owned(), value);
        } else if line.starts_with('#') {
            let example = examples.last_mut().expect("a claim under a command");
            example.claims.push(claim(line));
        } else {
            let words = words(line, &vars);
            let mut parts = words.split(|w| w == "&");
            let mut part = |who: &str| {
                let part = parts.next().unwrap_or_else(|| panic!("no {who} in {line}"));
                assert_eq!(part[0], who, "{line}");
                part[1..].to_vec()
            };
            examples.push(Example {
                line: line.clone(),
                server: part("S"),
                mitm: part("M"),
                client: part("C"),
                claims: Vec::new(),
            });
        }
    }
    examples
}

/// The server's verdict on a message, in the contract's words.
fn verdict(received: &Value) -> String {
    match received["reason"].as_str() {
        Some(reason) => format!("{}: {reason}", received["verdict"].as_str().unwrap()),
        None => received["verdict"].as_str().unwrap().to_owned(),
    }
}

fn plaintext(received: &Value) -> Vec<u8> {
    match received["plaintext_hex"].as_str() {
        Some(hex) => hex::decode(hex).unwrap(),
        None => received["plaintext"]
            .as_str()
            .unwrap_or_default()
            .as_bytes()
            .to_vec(),
    }
}

/// Runs one example on loopback and checks its claims.
fn run(example: &Example) -> Result<(), String> {
    let mut args = vec!["server", "--headless", "--listen", "127.0.0.1:0"];
    args.extend(example.server.iter().map(String::as_str));
    let mut server = Proc::cipherlab(&args, &[]);
    let upstream = format!("127.0.0.1:{}", server.port());
    let mut args = vec![
        "mitm",
        "--headless",
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        &upstream,
    ];
    args.extend(example.mitm.iter().map(String::as_str));
    let mut mitm = Proc::cipherlab(&args, &[]);
    let relay = format!("127.0.0.1:{}", mitm.port());
    let mut args = vec!["client", "--headless", "--connect", &relay];
    args.extend(example.client.iter().map(String::as_str));
    // The client is not waited for: after a drop it waits for a verdict that never comes.
    let _client = Proc::cipherlab(&args, &[]);
    let messages = example.client.iter().filter(|a| *a == "--message").count() as u64;

    let arriving: Vec<u64> = example
        .claims
        .iter()
        .filter_map(|c| match c {
            Claim::Server { seq, .. } => Some(*seq),
            _ => None,
        })
        .collect();
    let mut received: HashMap<u64, Value> = HashMap::new();
    while !arriving.iter().all(|seq| received.contains_key(seq)) {
        let event = server.event("received");
        received.insert(event["seq"].as_u64().unwrap(), event);
    }
    let verdict_on_last = mitm.wait_json("the verdict on the last message", |v| {
        v["event"] == "intercepted" && v["kind"] == "VERDICT" && v["seq"] == messages
    });
    drop(verdict_on_last);
    let read: Vec<String> = mitm
        .seen
        .iter()
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(|v| v["event"] == "eavesdropped" && v["direction"] == "client-to-server")
        .map(|v| v["plaintext"].as_str().unwrap().to_owned())
        .collect();

    for claim in &example.claims {
        match claim {
            Claim::Server {
                seq,
                verdict: expected,
                plaintext: text,
                ..
            } => {
                let got = received
                    .get(seq)
                    .ok_or_else(|| format!("message {seq} never arrived; got {received:?}"))?;
                if verdict(got) != *expected {
                    return Err(format!("message {seq}: {} ≠ {expected}", verdict(got)));
                }
                if let Some(text) = text
                    && !reads_as(&plaintext(got), text)
                {
                    return Err(format!("message {seq} reads {got}, not {text:?}"));
                }
            }
            Claim::Never { seq } => {
                if received.contains_key(seq) {
                    return Err(format!("message {seq} arrived: {}", received[seq]));
                }
            }
            Claim::Reads(text) => {
                if !read.contains(text) {
                    return Err(format!("the wire read {read:?}, not {text:?}"));
                }
            }
            Claim::ReadsNothing => {
                if !read.is_empty() {
                    return Err(format!("the wire read {read:?}"));
                }
            }
        }
    }
    Ok(())
}

#[test]
fn every_worked_example_in_the_readme_attack_section_does_what_it_says() {
    let blocks = code_blocks(section("## Attacking each scheme"));
    assert_eq!(
        blocks[0].join("\n"),
        DEFINITIONS,
        "the runner starts what S, M and C stand for"
    );
    let examples = examples(&blocks[1..]);
    assert!(examples.len() >= 15, "{} examples", examples.len());
    let mut failures = Vec::new();
    for example in &examples {
        assert!(
            !example.claims.is_empty(),
            "{}: claims nothing",
            example.line
        );
        // A claim that holds only usually (1 in 256 goes the other way) gets three tries.
        let usually = example
            .claims
            .iter()
            .any(|c| matches!(c, Claim::Server { usually: true, .. }));
        let tries = if usually { 3 } else { 1 };
        let outcome = (0..tries)
            .map(|_| run(example))
            .find(Result::is_ok)
            .unwrap_or_else(|| run(example));
        if let Err(why) = outcome {
            failures.push(format!("{}\n    {why}", example.line));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_readme_runner_refuses_a_wrong_claim() {
    let blocks = vec![vec![
        "S --scheme ecb & M --tamper 1=swap:0:1 & C --message AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB"
            .to_owned(),
        "# server: 1 rejected: tag mismatch".to_owned(),
    ]];
    let examples = examples(&blocks);
    assert!(
        run(&examples[0]).unwrap_err().contains("unauthenticated"),
        "ECB has no tag to mismatch"
    );
}

#[test]
fn the_readme_attack_table_states_the_condition_of_each_swap_cell() {
    // DESIGN §5's words: a swap is accepted only while the padding block still follows the
    // block it was sealed after.
    let row = section("## Attacking each scheme")
        .lines()
        .find(|l| l.starts_with("| swap"))
        .expect("a swap row");
    assert_eq!(
        row,
        "| swap blocks i and j | blocks swapped, accepted (unless one of them is the last, which \
         holds the padding) | blocks i and j garbled and so are the blocks after each (they now \
         decrypt against another predecessor): accepted only when none of those is the last \
         block, else usually rejected: bad padding | rejected | rejected |"
    );
}
