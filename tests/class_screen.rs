//! The classroom on the screen: the student's Exercise pane (at 80×24, its hex copyable, `a`
//! to answer, `w` to send wire bytes typed in hex), and the instructor's Clients pane showing
//! thirty real loopback students `working`, with their tries, or `✔ solved`, and `n` sending
//! a NOTICE that every student's screen shows.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;

use cipherlab::crypto::{KeyExchange, NoncePolicy, Scheme};
use cipherlab::net::exercise::{Class, Exercise, Results};
use cipherlab::net::{Event, Role, ServerCommand};
use cipherlab::tui::action::Action;
use cipherlab::tui::session::{Handshake, SessionView};
use cipherlab::tui::state::Request;
use cipherlab::tui::{App, Mode, scenario};
use common::classroom::student;
use common::process::Proc;
use common::screen::{drawn, mask, pump};
use common::*;
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};

fn press(app: &mut App, code: KeyCode) {
    app.on_terminal(&TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

fn type_text(app: &mut App, text: &str) {
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// The screen as text, ephemeral ports and solve times masked so that a snapshot holds.
fn screen(app: &App, width: u16, height: u16) -> String {
    let text = drawn(app, width, height);
    mask(&mask(&text, "127.0.0.1:", '#'), "solved ", '#')
}

/// A screen in `mode` under `scheme` (psk), its handshake done.
fn screen_app(mode: Mode, scheme: Scheme) -> App {
    let session = SessionView::new(
        mode,
        Handshake::Known {
            scheme,
            exchange: KeyExchange::Psk,
        },
        cipherlab::wire::seed::Protocol::Lab,
    );
    let theme = cipherlab::tui::Theme { mono: true };
    let mut app = App::new(session, cipherlab::logging::LogRing::default(), theme);
    app.on_terminal(&TermEvent::Resize(120, 36));
    app
}

/// A server hosting `name`, and its class, writing its results to `results` if given.
async fn class_server(name: &str, results: Option<&std::path::Path>) -> (TestServer, Arc<Class>) {
    let exercise = Exercise::find(name).unwrap();
    let mut config = server_config(exercise.scheme, exercise.key_exchange);
    // A fixed key: the instructor's Key pane is in the snapshots.
    config.key = scenario::fixed_key(exercise.scheme);
    let results = results.map(|path| Results::create(path).unwrap());
    let class = Arc::new(Class::new(exercise, &config.key, NoncePolicy::Random, results).unwrap());
    config.class = Some(Arc::clone(&class));
    (start_server(config).await, class)
}

#[test]
fn the_students_exercise_pane_fits_80x24_and_its_hex_rows_copy_the_material() {
    let app = scenario::student();
    let text = screen(&app, 80, 24);
    insta::assert_snapshot!("student_exercise_80x24", text);
    let material = app.exercise().task().unwrap().material.clone();
    assert!(
        text.contains("Exercise: padding-oracle · working"),
        "{text}"
    );
    assert!(
        text.contains("✘ incorrect: that is not your secret"),
        "{text}"
    );
    assert!(text.contains("NOTICE  ten minutes left"), "{text}");
    // A terminal selection of the hex rows holds nothing but the material: no border, no
    // offsets, no spaces inside.
    let rows: Vec<&str> = text
        .lines()
        .map(|l| l.trim_matches('"').trim_end())
        .filter(|l| l.len() >= 16 && l.chars().all(|c| c.is_ascii_hexdigit()))
        .collect();
    assert_eq!(rows.concat(), material, "{text}");
}

#[test]
fn a_taller_student_screen_brings_back_the_key_verification_and_log() {
    let mut app = scenario::student();
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, "k3x9");
    let text = screen(&app, 120, 36);
    insta::assert_snapshot!("student_exercise_answering_120x36", text);
    for pane in [
        "Key",
        "Verification",
        "Exercise",
        "Plaintext",
        "Ciphertext",
        "History",
        "Log",
    ] {
        assert!(text.contains(pane), "no {pane} pane:\n{text}");
    }
    assert!(text.contains("answer> k3x9"), "{text}");
}

#[test]
fn a_opens_the_answer_prompt_enter_sends_the_answer_and_esc_cancels_it() {
    let mut app = scenario::student();
    // Keys are commands: `a` opens the prompt, and then keys are text.
    press(&mut app, KeyCode::Char('a'));
    assert!(app.context().answering);
    type_text(&mut app, "q?i");
    let text = screen(&app, 80, 24);
    assert!(text.contains("answer> q?i"), "{text}");
    assert!(
        text.contains("TYPING") && text.contains("Enter send answer"),
        "{text}"
    );
    assert!(!app.wants_quit(), "q was typed, not obeyed");
    press(&mut app, KeyCode::Esc);
    assert!(!app.context().answering);
    assert!(app.exercise().answer().value().is_empty(), "Esc cancels");
    assert!(app.take_requests().is_empty());
    // A paste too long to be an answer stays in the prompt, unsent.
    press(&mut app, KeyCode::Char('a'));
    app.on_terminal(&TermEvent::Paste("x".repeat(2000)));
    press(&mut app, KeyCode::Enter);
    assert!(app.take_requests().is_empty());
    let text = screen(&app, 120, 36);
    assert!(text.contains("over the 1024-byte ANSWER limit"), "{text}");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('a'));
    type_text(&mut app, " k3x9q2m7c4v8b6n5 ");
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.take_requests(),
        vec![Request::Answer("k3x9q2m7c4v8b6n5".to_owned())]
    );
    let text = screen(&app, 80, 24);
    assert!(
        text.contains("answer sent: waiting for the RESULT"),
        "{text}"
    );
}

#[test]
fn w_sends_hex_typed_in_the_editor_as_wire_bytes_and_bad_hex_is_refused_by_name() {
    let mut app = scenario::student();
    press(&mut app, KeyCode::Char('w'));
    press(&mut app, KeyCode::Char('i'));
    type_text(&mut app, "00 fz");
    let text = screen(&app, 80, 24);
    assert!(
        text.contains("Enter send wire bytes"),
        "the footer says what Enter does:\n{text}"
    );
    assert!(!text.contains("seal and send"), "{text}");
    press(&mut app, KeyCode::Enter);
    let text = screen(&app, 80, 24);
    assert!(
        text.contains("not hex: 'z' at character 5"),
        "a clear error:\n{text}"
    );
    assert!(text.contains("> 00 fz"), "the text stays:\n{text}");
    assert!(text.contains("wire bytes in hex"), "{text}");
    assert!(app.take_requests().is_empty());
    press(&mut app, KeyCode::Backspace);
    type_text(&mut app, "f\n");
    press(&mut app, KeyCode::Enter);
    match app.take_requests().as_slice() {
        [Request::SendWire(wire)] => assert_eq!(&wire[..], &[0x00, 0xff]),
        other => panic!("{other:?}"),
    }
    // What the client reports of those bytes: History lists them by their hex, with the
    // server's verdict, and the Plaintext pane says there is no plaintext to show.
    let peer = cipherlab::net::Peer {
        id: 0,
        addr: ([127, 0, 0, 1], 12_345).into(),
    };
    let sealed = bytes::Bytes::from_static(&[0x00, 0xff]);
    app.on_net(
        0,
        Role::Client,
        Event::SentWire {
            peer,
            seq: 1,
            sealed,
        },
    );
    let verdict = cipherlab::crypto::Verdict::Unauthenticated;
    app.on_net(
        0,
        Role::Client,
        Event::Verdict {
            peer,
            seq: 1,
            verdict,
        },
    );
    let text = screen(&app, 80, 24);
    assert!(text.contains("#1  wire 00ff"), "{text}");
    // At 80×24 the Plaintext pane has the editor's row only; taller, the message's too.
    let roomy = screen(&app, 120, 36);
    assert!(
        roomy.contains("sent as wire bytes typed in hex: no plaintext here"),
        "{roomy}"
    );
    assert!(text.contains("unauthenticated"), "{text}");
    // Back to sealed text: Enter seals again.
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('w'));
    press(&mut app, KeyCode::Char('i'));
    type_text(&mut app, "hello");
    press(&mut app, KeyCode::Enter);
    assert!(matches!(
        app.take_requests().as_slice(),
        [Request::Send { .. }]
    ));
}

/// The answers each student gives: the first ten solve on their second try, the next ten
/// answer once wrongly, five three times, and five do nothing.
fn answers_of(i: usize, secret: &str) -> Vec<String> {
    match i {
        1..=10 => vec!["a guess".into(), secret.to_owned()],
        11..=20 => vec!["not it".into()],
        21..=25 => vec!["one".into(), "two".into(), "three".into()],
        _ => vec![],
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_students_show_working_tries_and_solved_on_the_instructors_clients_pane() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("results.csv");
    let (mut server, class) = class_server("padding-oracle", Some(&csv)).await;
    let addr = server.addr.to_string();
    let mut app = screen_app(Mode::Server, Scheme::Cbc);
    let log = std::env::temp_dir().join("cipherlab-class-screen.log");
    let log = log.to_str().unwrap().to_owned();
    let mut tries = 0;
    let mut students = Vec::new();
    for i in 1..=30 {
        let name = format!("student-{i:02}");
        let answers = answers_of(i, &class.secret_for(&name));
        tries += answers.len();
        let mut args = vec![
            "client".to_owned(),
            "--headless".into(),
            "--connect".into(),
            addr.clone(),
            "--name".into(),
            name,
            "--log-file".into(),
            log.clone(),
        ];
        // Without an answer to give, a headless client needs the key to be let on at all.
        if answers.is_empty() {
            let key = format!("hex:{}", hex::encode(server.key.as_bytes()));
            args.extend(["--key".to_owned(), key]);
        }
        for answer in answers {
            args.extend(["--answer".to_owned(), answer]);
        }
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        // Their stdin stays open: they stay connected after their answers.
        students.push(Proc::cipherlab_typing(&args, &[]));
    }
    // Each student's progress is reported on connecting, then once a try.
    let mut reports = 0;
    pump(
        &mut app,
        Role::Server,
        &mut server.events,
        "every try",
        |e| {
            reports += usize::from(matches!(e, Event::Progress { .. }));
            reports == 30 + tries
        },
    )
    .await;
    let wide = screen(&app, 200, 50);
    assert!(wide.contains("30 connected"), "{wide}");
    assert!(wide.contains("10 ✔ solved"), "{wide}");
    for i in 1..=30 {
        let row = wide
            .lines()
            .find(|l| l.contains(&format!("student-{i:02} ")))
            .unwrap_or_else(|| panic!("student-{i:02} is listed:\n{wide}"));
        let state = match i {
            1..=10 => "✔ solved #:## · 2 tries",
            11..=20 => "working · 1 try",
            21..=25 => "working · 3 tries",
            _ => "working · 0 tries",
        };
        assert!(row.contains(state), "student-{i:02}: {state}:\n{row}");
    }
    insta::assert_snapshot!("class_exercise_200x50", wide);
    // The results file: one solve row for each of the ten solvers, by name, on their second
    // try, and an attempt row for every try of the class.
    let csv = std::fs::read_to_string(&csv).unwrap();
    let rows: Vec<Vec<&str>> = csv
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    let mut solvers: Vec<(&str, &str)> = rows
        .iter()
        .filter(|r| r[4] == "solve")
        .map(|r| (r[1], r[5]))
        .collect();
    solvers.sort_unstable();
    let want: Vec<String> = (1..=10).map(|i| format!("student-{i:02}")).collect();
    assert_eq!(
        solvers,
        want.iter().map(|n| (n.as_str(), "2")).collect::<Vec<_>>(),
        "{csv}"
    );
    assert_eq!(
        rows.iter().filter(|r| r[4] == "attempt").count(),
        tries,
        "{csv}"
    );
    let small = screen(&app, 80, 24);
    insta::assert_snapshot!("class_exercise_80x24", small);
    assert!(
        small.contains("student-01 ✔ solved #:## · 2 tries"),
        "{small}"
    );
    // Sorted by progress (o cycles name, activity, verdict, progress): the solvers first
    // (the quickest first, so their order is the run's own), who has not started last.
    for _ in 0..3 {
        app.apply(Action::SortClients);
    }
    let wide = screen(&app, 200, 50);
    assert!(wide.contains("· by progress (o)"), "{wide}");
    let rows: Vec<&str> = wide.lines().filter(|l| l.contains("student-")).collect();
    assert!(rows[..10].iter().all(|r| r.contains("✔ solved")), "{wide}");
    assert!(rows[10..15].iter().all(|r| r.contains("3 tries")), "{wide}");
    assert!(rows[15..25].iter().all(|r| r.contains("1 try")), "{wide}");
    assert!(rows[25..].iter().all(|r| r.contains("0 tries")), "{wide}");
    drop(students);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn n_sends_a_notice_that_every_students_screen_shows() {
    let (mut server, _class) = class_server("rewrite-role", None).await;
    let mut instructor = screen_app(Mode::Server, Scheme::Cbc);
    let mut class = Vec::new();
    for name in ["alice", "bob", "carol", "dave", "erin"] {
        let mut client = student(server.addr, name);
        let mut app = screen_app(Mode::Client, Scheme::Cbc);
        pump(
            &mut app,
            Role::Client,
            &mut client.events,
            "the task",
            |e| matches!(e, Event::Task { .. }),
        )
        .await;
        class.push((name, client, app));
    }
    let mut connected = 0;
    pump(
        &mut instructor,
        Role::Server,
        &mut server.events,
        "five students",
        |e| {
            connected += usize::from(matches!(e, Event::Connected { .. }));
            connected == 5
        },
    )
    .await;
    press(&mut instructor, KeyCode::Char('?'));
    let text = screen(&instructor, 120, 36);
    assert!(
        text.contains("notice to every client"),
        "the help lists n:\n{text}"
    );
    press(&mut instructor, KeyCode::Esc);
    // `n`, the line, Enter: the screen asks for a NOTICE, which the runtime passes on.
    press(&mut instructor, KeyCode::Char('n'));
    let text = screen(&instructor, 120, 36);
    assert!(
        text.contains("Notice — to all 5 clients connected"),
        "{text}"
    );
    type_text(&mut instructor, "five minutes left");
    press(&mut instructor, KeyCode::Enter);
    let text = screen(&instructor, 120, 36);
    assert!(
        text.contains("notice sent to 5 clients: five minutes left"),
        "{text}"
    );
    let requests = instructor.take_requests();
    let [Request::Notice(line)] = requests.as_slice() else {
        panic!("{requests:?}");
    };
    server
        .commands
        .send(ServerCommand::Notice(line.clone()))
        .await
        .unwrap();
    for (name, client, app) in &mut class {
        pump(app, Role::Client, &mut client.events, "the notice", |e| {
            matches!(e, Event::Notice { .. })
        })
        .await;
        // Another key clears the status line; the Exercise pane keeps the notice.
        app.apply(Action::Home);
        let text = screen(app, 80, 24);
        assert!(
            text.contains("NOTICE  five minutes left"),
            "{name}'s screen:\n{text}"
        );
        assert!(text.contains("Exercise: rewrite-role · working"), "{text}");
    }
}

#[test]
fn the_instructors_screen_mid_exercise_as_the_readme_shows_it() {
    let app = scenario::class();
    let text = screen(&app, 120, 36);
    insta::assert_snapshot!("class_exercise_readme_120x36", text);
    assert!(text.contains("4 ✔ solved · by progress"), "{text}");
    let first = text.lines().nth(3).unwrap();
    assert!(
        first.contains("carol") && first.contains("✔ solved #:## · 1187 tries"),
        "the quickest solver first:\n{text}"
    );
    assert!(text.contains("working · 0 tries"), "{text}");
}
