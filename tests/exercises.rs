//! Exercises on real loopback sockets: each shipped exercise solved (or, for the control, not)
//! with cipherlab's own tools, per-student material, progress and the results file, NOTICE to
//! every client, and bad input that gets a specific error while other students keep working.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use bytes::Bytes;
use cipherlab::crypto::{KeyExchange, NoncePolicy, Scheme, Tamper};
use cipherlab::net::exercise::{Class, Exercise, Progress, Results};
use cipherlab::net::{ClientCommand, Event, ServerCommand};
use cipherlab::wire::{Frame, Task};
use common::classroom::{result_of, student, task_of};
use common::*;

/// A server hosting `name`, and its class.
async fn class_server(name: &str, results: Option<&std::path::Path>) -> (TestServer, Arc<Class>) {
    let exercise = Exercise::find(name).unwrap();
    let mut config = server_config(exercise.scheme, KeyExchange::Psk);
    let results = results.map(|path| Results::create(path).unwrap());
    let class = Arc::new(Class::new(exercise, &config.key, NoncePolicy::Random, results).unwrap());
    config.class = Some(Arc::clone(&class));
    (start_server(config).await, class)
}

async fn verdict_of(client: &mut TestClient) -> cipherlab::crypto::Verdict {
    match wait_for(&mut client.events, "a verdict", |e| {
        matches!(e, Event::Verdict { .. })
    })
    .await
    {
        Event::Verdict { verdict, .. } => verdict,
        _ => unreachable!(),
    }
}

async fn send_wire(client: &TestClient, hex_text: &str) {
    let wire = hex::decode(hex_text).unwrap();
    client
        .commands
        .send(ClientCommand::SendWire(Bytes::from(wire)))
        .await
        .unwrap();
}

async fn answer(client: &TestClient, text: &str) {
    client
        .commands
        .send(ClientCommand::Answer(text.to_owned()))
        .await
        .unwrap();
}

fn solved(class: &Class, name: &str) -> bool {
    matches!(class.progress_of(name), Some(Progress::Solved { .. }))
}

#[tokio::test]
async fn rewrite_role_is_solved_through_the_mitm_with_tamper_rewrite() {
    let (server, class) = class_server("rewrite-role", None).await;
    let rewrite = Tamper::Rewrite {
        pos: 9,
        from: "student".into(),
        to: "teacher".into(),
    };
    let mitm = start_mitm(server.addr, vec![(1, rewrite)]).await;
    let mut alice = student(mitm.addr, "alice");
    let task = task_of(&mut alice).await;
    assert_eq!(task.exercise, "rewrite-role");
    send_wire(&alice, &task.material).await;
    let (correct, reason) = result_of(&mut alice).await;
    assert!(correct, "{reason}");
    assert!(verdict_of(&mut alice).await.is_accepted());
    assert!(solved(&class, "alice"));
}

#[tokio::test]
async fn rewrite_role_is_solved_with_send_wire_and_not_by_the_material_as_captured() {
    let (server, class) = class_server("rewrite-role", None).await;
    let mut bob = student(server.addr, "bob");
    let task = task_of(&mut bob).await;
    // The captured message as it is: accepted, but still a student.
    send_wire(&bob, &task.material).await;
    assert!(verdict_of(&mut bob).await.is_accepted());
    assert_eq!(
        class.progress_of("bob"),
        Some(Progress::Working { tries: 1 })
    );
    // The student's own IV flip, made with cipherlab's tamper grammar, sent as wire bytes.
    let rewrite = Tamper::Rewrite {
        pos: 9,
        from: "student".into(),
        to: "teacher".into(),
    };
    let forged = rewrite
        .apply(Scheme::Cbc, &hex::decode(&task.material).unwrap(), None)
        .unwrap();
    send_wire(&bob, &hex::encode(forged)).await;
    assert!(result_of(&mut bob).await.0);
    assert!(
        matches!(
            class.progress_of("bob"),
            Some(Progress::Solved { tries: 2, .. })
        ),
        "{:?}",
        class.progress_of("bob")
    );
}

#[tokio::test]
async fn length_extension_is_solved_through_the_mitm_with_tamper_extend() {
    let (server, class) = class_server("length-extension", None).await;
    let key_len = server.key.as_bytes().len();
    let extend = Tamper::Extend {
        key_len,
        text: "&to=mallory".into(),
    };
    let mitm = start_mitm(server.addr, vec![(1, extend)]).await;
    let mut carol = student(mitm.addr, "carol");
    let task = task_of(&mut carol).await;
    send_wire(&carol, &task.material).await;
    let (correct, reason) = result_of(&mut carol).await;
    assert!(correct, "{reason}");
    assert!(solved(&class, "carol"));
}

#[tokio::test]
async fn forge_hmac_is_never_solved_by_extend_or_rewrite() {
    let (server, class) = class_server("forge-hmac", None).await;
    let key_len = server.key.as_bytes().len();
    for (name, tamper) in [
        (
            "dave",
            Tamper::Extend {
                key_len,
                text: "&to=mallory".into(),
            },
        ),
        (
            "erin",
            Tamper::Rewrite {
                pos: 35,
                from: "alice".into(),
                to: "malry".into(),
            },
        ),
    ] {
        let mitm = start_mitm(server.addr, vec![(1, tamper)]).await;
        let mut client = student(mitm.addr, name);
        let task = task_of(&mut client).await;
        send_wire(&client, &task.material).await;
        let _ = verdict_of(&mut client).await;
        answer(&client, "&to=mallory").await;
        assert!(!result_of(&mut client).await.0);
        assert!(
            !solved(&class, name),
            "{name}: {:?}",
            class.progress_of(name)
        );
    }
}

#[tokio::test]
async fn material_differs_between_students_and_survives_a_reconnect() {
    let (server, _class) = class_server("padding-oracle", None).await;
    let mut alice = student(server.addr, "alice");
    let mut bob = student(server.addr, "bob");
    let (first, theirs) = (task_of(&mut alice).await, task_of(&mut bob).await);
    assert_ne!(first.material, theirs.material);
    alice
        .commands
        .send(ClientCommand::Disconnect)
        .await
        .unwrap();
    let _ = alice.task.await;
    let mut again = student(server.addr, "alice");
    assert_eq!(task_of(&mut again).await, first);
}

/// Drops a student's connection and waits for its task to end.
async fn leave(client: TestClient) {
    client
        .commands
        .send(ClientCommand::Disconnect)
        .await
        .unwrap();
    let _ = client.task.await;
}

#[tokio::test]
async fn a_students_tries_and_solve_survive_a_reconnect() {
    let (server, class) = class_server("padding-oracle", None).await;
    let mut bob = student(server.addr, "bob");
    task_of(&mut bob).await;
    answer(&bob, "not it").await;
    assert!(!result_of(&mut bob).await.0);
    leave(bob).await;
    let mut bob = student(server.addr, "bob");
    task_of(&mut bob).await;
    answer(&bob, "still not it").await;
    assert!(!result_of(&mut bob).await.0);
    assert_eq!(
        class.progress_of("bob"),
        Some(Progress::Working { tries: 2 })
    );
    answer(&bob, &class.secret_for("bob")).await;
    assert!(result_of(&mut bob).await.0);
    leave(bob).await;
    let mut bob = student(server.addr, "bob");
    task_of(&mut bob).await;
    assert!(
        matches!(
            class.progress_of("bob"),
            Some(Progress::Solved { tries: 3, .. })
        ),
        "{:?}",
        class.progress_of("bob")
    );
}

#[tokio::test]
async fn a_solve_on_one_connection_is_told_to_the_students_other_connections_only() {
    let (server, class) = class_server("padding-oracle", None).await;
    let mut screen = student(server.addr, "alice");
    let mut script = student(server.addr, "alice");
    let mut bob = student(server.addr, "bob");
    for client in [&mut screen, &mut script, &mut bob] {
        task_of(client).await;
    }
    answer(&script, &class.secret_for("alice")).await;
    let (correct, reason) = result_of(&mut script).await;
    assert!(correct, "{reason}");
    assert!(!reason.contains("another connection"), "{reason}");
    let (correct, reason) = result_of(&mut screen).await;
    assert!(correct, "{reason}");
    assert!(
        reason.ends_with("(on another connection of yours)"),
        "{reason}"
    );
    // Bob hears nothing of alice's solve: his next RESULT is his own answer's.
    answer(&bob, "a guess").await;
    let (correct, reason) = result_of(&mut bob).await;
    assert!(!correct);
    assert_eq!(reason, "that is not your secret");
}

#[tokio::test]
async fn one_students_secret_is_incorrect_for_another() {
    let (server, class) = class_server("padding-oracle", None).await;
    let mut alice = student(server.addr, "alice");
    let mut bob = student(server.addr, "bob");
    task_of(&mut alice).await;
    task_of(&mut bob).await;
    let alices = class.secret_for("alice");
    answer(&bob, &alices).await;
    let (correct, reason) = result_of(&mut bob).await;
    assert!(!correct);
    assert_eq!(reason, "that is not your secret");
    answer(&alice, &alices).await;
    assert!(result_of(&mut alice).await.0);
}

#[tokio::test]
async fn byte_at_a_time_is_checked_against_the_students_own_secret() {
    let (server, class) = class_server("byte-at-a-time", None).await;
    let mut frank = student(server.addr, "frank");
    assert_eq!(task_of(&mut frank).await.material, "");
    answer(&frank, "not it").await;
    assert!(!result_of(&mut frank).await.0);
    answer(&frank, &class.secret_for("frank")).await;
    assert!(result_of(&mut frank).await.0);
    assert!(matches!(
        class.progress_of("frank"),
        Some(Progress::Solved { tries: 2, .. })
    ));
}

#[tokio::test]
async fn the_results_file_has_one_solve_row_per_solver_with_the_right_name() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.csv");
    let (server, class) = class_server("padding-oracle", Some(&path)).await;
    let mut clients = Vec::new();
    for i in 0..8 {
        let name = format!("student{i}");
        let mut client = student(server.addr, &name);
        task_of(&mut client).await;
        clients.push((name, client));
    }
    for (i, (name, client)) in clients.iter_mut().enumerate() {
        answer(client, "a guess").await;
        assert!(!result_of(client).await.0);
        if i % 2 == 0 {
            answer(client, &class.secret_for(name)).await;
            assert!(result_of(client).await.0);
        }
    }
    let csv = std::fs::read_to_string(&path).unwrap();
    let mut lines = csv.lines();
    assert_eq!(
        lines.next(),
        Some("time,student,address,exercise,event,tries,seconds")
    );
    let rows: Vec<Vec<&str>> = lines.map(|l| l.split(',').collect()).collect();
    let solves: Vec<&str> = rows
        .iter()
        .filter(|r| r[4] == "solve")
        .map(|r| r[1])
        .collect();
    assert_eq!(solves, ["student0", "student2", "student4", "student6"]);
    assert!(
        rows.iter()
            .filter(|r| r[4] == "solve")
            .all(|r| r[5] == "2" && r[3] == "padding-oracle")
    );
    assert_eq!(rows.iter().filter(|r| r[4] == "attempt").count(), 12);
}

#[tokio::test]
async fn a_restarted_server_adds_to_its_results_file_and_keeps_the_earlier_rows() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.csv");
    for name in ["before", "after"] {
        let (server, class) = class_server("byte-at-a-time", Some(&path)).await;
        let mut client = student(server.addr, name);
        task_of(&mut client).await;
        answer(&client, &class.secret_for(name)).await;
        assert!(result_of(&mut client).await.0);
        server.task.abort();
    }
    let csv = std::fs::read_to_string(&path).unwrap();
    let header = "time,student,address,exercise,event,tries,seconds";
    assert_eq!(csv.lines().filter(|l| *l == header).count(), 1, "{csv}");
    assert!(csv.starts_with(header), "{csv}");
    let solvers: Vec<&str> = csv
        .lines()
        .filter(|l| l.contains(",solve,"))
        .map(|l| l.split(',').nth(1).unwrap())
        .collect();
    assert_eq!(solvers, ["before", "after"], "{csv}");
}

#[test]
fn a_results_path_that_holds_another_file_is_refused_and_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("notes.txt");
    std::fs::write(&path, "my lecture notes\n").unwrap();
    let out = std::process::Command::new(common::process::BIN)
        .args(["server", "--headless", "--exercise", "padding-oracle"])
        .args(["--listen", "127.0.0.1:0", "--results"])
        .arg(&path)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{out:?}");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("is not a cipherlab results file"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_to_string(&path).unwrap(),
        "my lecture notes\n"
    );
}

#[tokio::test]
async fn a_notice_reaches_every_connected_client() {
    let (server, _class) = class_server("rewrite-role", None).await;
    let mut clients = Vec::new();
    for name in ["a", "b", "c"] {
        let mut client = student(server.addr, name);
        task_of(&mut client).await;
        clients.push(client);
    }
    server
        .commands
        .send(ServerCommand::Notice("five minutes left".into()))
        .await
        .unwrap();
    for client in &mut clients {
        let notice = wait_for(&mut client.events, "the notice", |e| {
            matches!(e, Event::Notice { .. })
        })
        .await;
        assert!(matches!(notice, Event::Notice { text, .. } if text == "five minutes left"));
    }
}

/// A raw student, past the handshake and the task, on a psk server.
async fn raw_student(addr: std::net::SocketAddr) -> RawPeer {
    let mut raw = RawPeer::connect(addr).await;
    assert!(matches!(raw.hello(None).await, Frame::Welcome(_)));
    raw
}

#[tokio::test]
async fn an_oversized_answer_is_refused_by_name_and_others_keep_working() {
    let (server, class) = class_server("padding-oracle", None).await;
    let mut good = student(server.addr, "good");
    task_of(&mut good).await;
    let mut raw = raw_student(server.addr).await;
    assert!(matches!(raw.read_frame().await, Some(Frame::Task(_))));
    raw.send(&Frame::Answer {
        text: "x".repeat(5000),
    })
    .await;
    let frames = raw.read_until_closed().await;
    assert_eq!(
        error_reason(&frames).as_deref(),
        Some("ANSWER frame of 5012 bytes exceeds the maximum of 1024 bytes")
    );
    answer(&good, &class.secret_for("good")).await;
    assert!(result_of(&mut good).await.0);
}

/// The refusal comes from the frame's first five bytes: a peer that announces a megabyte of
/// answer and sends none of it is answered at once, not waited for.
#[tokio::test]
async fn an_oversized_answer_is_refused_from_its_header_before_its_body_arrives() {
    let (server, _class) = class_server("padding-oracle", None).await;
    let mut raw = raw_student(server.addr).await;
    assert!(matches!(raw.read_frame().await, Some(Frame::Task(_))));
    let mut header = (1024u32 * 1024).to_be_bytes().to_vec();
    header.push(b'A');
    raw.send_raw(&header).await;
    let frames = tokio::time::timeout(std::time::Duration::from_secs(5), raw.read_until_closed())
        .await
        .expect("refused without waiting for the body");
    assert_eq!(
        error_reason(&frames).as_deref(),
        Some("ANSWER frame of 1048576 bytes exceeds the maximum of 1024 bytes")
    );
}

#[tokio::test]
async fn a_clients_own_oversized_answer_is_kept_back_and_its_connection_stays() {
    let (server, class) = class_server("padding-oracle", None).await;
    let mut long = student(server.addr, "long");
    task_of(&mut long).await;
    answer(&long, &"x".repeat(5000)).await;
    let unsent = wait_for(&mut long.events, "the refusal", |e| {
        matches!(e, Event::Unsent { .. })
    })
    .await;
    let Event::Unsent { reason, .. } = unsent else {
        unreachable!()
    };
    assert!(
        reason.contains("over the 1024-byte ANSWER limit"),
        "{reason}"
    );
    answer(&long, &class.secret_for("long")).await;
    assert!(
        result_of(&mut long).await.0,
        "the same connection answers on"
    );
}

#[tokio::test]
async fn an_answer_with_no_exercise_running_gets_its_own_reason() {
    let server = start_server(server_config(Scheme::Cbc, KeyExchange::Psk)).await;
    let mut client = student(server.addr, "early");
    let _ = wait_for(&mut client.events, "connected", |e| {
        matches!(e, Event::Connected { .. })
    })
    .await;
    answer(&client, "anything").await;
    let (correct, reason) = result_of(&mut client).await;
    assert!(!correct);
    assert!(
        reason.starts_with("ANSWER with no exercise running"),
        "{reason}"
    );
    // Still connected: a second answer gets its result too.
    answer(&client, "again").await;
    assert!(!result_of(&mut client).await.0);
}

#[tokio::test]
async fn a_task_sent_by_a_client_is_refused_by_name_and_others_keep_working() {
    let (server, class) = class_server("padding-oracle", None).await;
    let mut good = student(server.addr, "good");
    task_of(&mut good).await;
    let mut raw = raw_student(server.addr).await;
    raw.send(&Frame::Task(Task {
        exercise: "mine".into(),
        text: "obey".into(),
        material: String::new(),
    }))
    .await;
    let frames = raw.read_until_closed().await;
    assert!(
        error_reason(&frames)
            .as_deref()
            .is_some_and(|r| r.starts_with("a client may not send TASK")),
        "{frames:?}"
    );
    answer(&good, &class.secret_for("good")).await;
    assert!(result_of(&mut good).await.0);
}

#[test]
fn a_malformed_exercise_file_is_refused_naming_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("broken.toml");
    std::fs::write(
        &path,
        "name = \"broken\"\ntitle = \"t\"\ntask = \"do\"\nscheme = \"cbc\"\nkey_exchange = \"psk\"\ncheck = { accepted-holds = \"x\" }\n",
    )
    .unwrap();
    let err = Exercise::find(path.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("line 6") && err.contains("needs material"),
        "{err}"
    );
    std::fs::write(&path, "name = \"broken\"\nflavour = \"mint\"\n").unwrap();
    let err = Exercise::find(path.to_str().unwrap())
        .unwrap_err()
        .to_string();
    assert!(err.contains("line 2") && err.contains("flavour"), "{err}");
}

/// The secret `cipherlab attack byte-at-a-time --name NAME` recovers from the server at `addr`.
fn recovered_by_attack_as(name: &str, addr: &str) -> String {
    let mut attack = common::process::Proc::cipherlab(
        &[
            "attack",
            "byte-at-a-time",
            "--connect",
            addr,
            "--name",
            name,
            "--headless",
        ],
        &[],
    );
    let done = attack.event("oracle-done");
    done["plaintext"].as_str().unwrap().to_owned()
}

/// What `client --headless --name NAME --answer ANSWER` hears back.
fn result_for(name: &str, addr: &str, answer: &str) -> serde_json::Value {
    let mut client = common::process::Proc::cipherlab(
        &[
            "client",
            "--headless",
            "--connect",
            addr,
            "--name",
            name,
            "--answer",
            answer,
        ],
        &[],
    );
    client.event("result")
}

#[test]
fn an_attack_run_with_name_meets_that_students_secret_and_their_answer_solves_it() {
    let mut server = common::process::Proc::cipherlab(
        &[
            "server",
            "--headless",
            "--exercise",
            "byte-at-a-time",
            "--listen",
            "127.0.0.1:0",
        ],
        &[],
    );
    let addr = format!("127.0.0.1:{}", server.port());
    let bobs = recovered_by_attack_as("bob", &addr);
    let alices = recovered_by_attack_as("alice", &addr);
    assert_eq!(bobs.len(), cipherlab::net::exercise::SECRET_LEN, "{bobs}");
    assert_ne!(bobs, alices, "each student meets their own secret");
    let result = result_for("bob", &addr, &bobs);
    assert_eq!(result["result"], "correct", "{result}");
    let result = result_for("alice", &addr, &bobs);
    assert_eq!(result["result"], "incorrect", "{result}");
    let solved = server.wait_json("bob's solve", |v| {
        v["event"] == "progress" && v["name"] == "bob" && v["state"] == "solved"
    });
    // The attack's questions were bob's tries too.
    assert!(solved["tries"].as_u64().unwrap() > 16, "{solved}");
}
