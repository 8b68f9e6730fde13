//! The shipped exercises met as a student meets them: the real binary's server, and the
//! commands a student types (`client --send-wire`, `attack extend` on their own material,
//! `client --answer`), each over a loopback socket.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::process::Proc;
use serde_json::Value;

/// `cipherlab server --exercise NAME --headless` on a free port, and its address.
fn exercise_server(exercise: &str) -> (Proc, String) {
    let mut server = Proc::cipherlab(
        &[
            "server",
            "--headless",
            "--exercise",
            exercise,
            "--listen",
            "127.0.0.1:0",
            "--log-level",
            "off",
        ],
        &[],
    );
    let addr = format!("127.0.0.1:{}", server.port());
    (server, addr)
}

/// Runs `cipherlab ARGS` to its end; its exit code and JSON lines.
fn run(args: &[&str]) -> (Option<i32>, Vec<Value>) {
    let out = std::process::Command::new(common::process::BIN)
        .args(args)
        .args(["--log-level", "off"])
        .output()
        .unwrap();
    let lines = String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| serde_json::from_str(l).ok())
        .collect();
    (out.status.code(), lines)
}

fn find<'a>(lines: &'a [Value], event: &str) -> &'a Value {
    lines
        .iter()
        .find(|v| v["event"] == event)
        .unwrap_or_else(|| panic!("no {event} in {lines:?}"))
}

/// What `cipherlab client --headless --name NAME FLAG VALUE` prints, to its end.
fn client(addr: &str, name: &str, flag: &str, value: &str) -> Vec<Value> {
    let args = ["client", "--headless", "--connect", addr, "--name", name];
    run(&[&args[..], &[flag, value]].concat()).1
}

/// The material a headless client named `name` is given (it answers `?` to have something
/// to wait for, a wrong answer that costs one try).
fn material_of(addr: &str, name: &str) -> Vec<u8> {
    let lines = client(addr, name, "--answer", "?");
    hex::decode(find(&lines, "task")["material"].as_str().unwrap()).unwrap()
}

/// The server's progress line for `name` whose state is `state`.
fn progress(server: &mut Proc, name: &str, state: &str) -> Value {
    server.wait_json(&format!("{name} {state}"), |v| {
        v["event"] == "progress" && v["name"] == name && v["state"] == state
    })
}

fn extend(addr: &str, name: &str, material: &[u8]) -> (Option<i32>, Vec<Value>) {
    run(&[
        "attack",
        "extend",
        "--connect",
        addr,
        "--name",
        name,
        "--message",
        &hex::encode(material),
        "--append",
        "&to=mallory",
        "--headless",
    ])
}

#[test]
fn length_extension_falls_to_attack_extend_on_the_students_own_material() {
    let (mut server, addr) = exercise_server("length-extension");
    let material = material_of(&addr, "carol");
    let (code, lines) = extend(&addr, "carol", &material);
    assert_eq!(code, Some(0), "{lines:?}");
    let done = find(&lines, "oracle-done");
    assert!(done["key_len"].as_u64().is_some(), "{done}");
    assert!(
        done["plaintext"].as_str().unwrap().ends_with("&to=mallory"),
        "{done}"
    );
    progress(&mut server, "carol", "solved");
}

#[test]
fn forge_hmac_does_not_fall_to_attack_extend() {
    let (mut server, addr) = exercise_server("forge-hmac");
    let material = material_of(&addr, "dave");
    let (code, lines) = extend(&addr, "dave", &material);
    assert_eq!(code, Some(1), "{lines:?}");
    find(&lines, "oracle-failed");
    // Every key length was a try, and none was a solve.
    let lines = client(&addr, "dave", "--answer", "?");
    assert_eq!(find(&lines, "result")["result"], "incorrect");
    let working = server.wait_json("dave after the attack", |v| {
        v["event"] == "progress" && v["name"] == "dave" && v["tries"].as_u64() > Some(64)
    });
    assert_eq!(working["state"], "working", "{working}");
}

#[test]
fn rewrite_role_falls_to_a_forged_message_sent_with_client_send_wire() {
    let (mut server, addr) = exercise_server("rewrite-role");
    let mut forged = material_of(&addr, "bob");
    // The plaintext begins {"role":"student"; the salt is CBC's IV, so flipping its bytes
    // 9..16 flips the same bytes of the first plaintext block.
    for (i, (s, t)) in b"student".iter().zip(b"teacher").enumerate() {
        forged[9 + i] ^= s ^ t;
    }
    let lines = client(&addr, "bob", "--send-wire", &hex::encode(&forged));
    assert_eq!(find(&lines, "result")["result"], "correct", "{lines:?}");
    progress(&mut server, "bob", "solved");
    // The material as it was captured, sent by another student, solves nothing.
    let material = material_of(&addr, "eve");
    let lines = client(&addr, "eve", "--send-wire", &hex::encode(material));
    assert!(
        !lines.iter().any(|v| v["event"] == "result"),
        "only a solve is told: {lines:?}"
    );
    let eve = server.wait_json("eve's progress", |v| {
        v["event"] == "progress" && v["name"] == "eve" && v["tries"] == 2
    });
    assert_eq!(eve["state"], "working", "{eve}");
}
