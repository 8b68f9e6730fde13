//! A class on real loopback sockets: thirty headless clients on the server's screen, names
//! unique per server, clients that wait for a late server, come back after a restart (under
//! another scheme) and give up when told to, and a status that keeps saying `listening`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::time::Duration;

use bytes::Bytes;
use cipherlab::crypto::{KeyExchange, KeySource, Scheme, Verdict};
use cipherlab::net::{ClientCommand, Event, NetError, Retry, Role, ServerCommand};
use cipherlab::tui::action::Action;
use cipherlab::tui::session::{Handshake, SessionView};
use cipherlab::tui::{App, Mode, scenario};
use common::process::Proc;
use common::*;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// The key every student is given (`--key text:…`), and the server's.
const CLASS_KEY: &str = "text:your_shared_secret_key";

/// A screen in `mode` on `protocol`; hmac with a pre-shared key, unless still `awaiting` the
/// handshake.
fn screen_app(mode: Mode, awaiting: bool, protocol: cipherlab::wire::seed::Protocol) -> App {
    let handshake = if awaiting {
        Handshake::Awaiting {
            assumed: Scheme::Fernet,
        }
    } else {
        Handshake::Known {
            scheme: Scheme::Hmac,
            exchange: KeyExchange::Psk,
        }
    };
    let session = SessionView::new(mode, handshake, protocol);
    let theme = cipherlab::tui::Theme { mono: false };
    let mut app = App::new(session, cipherlab::logging::LogRing::default(), theme);
    app.on_terminal(&ratatui::crossterm::event::Event::Resize(120, 36));
    app
}

/// The server's screen, as `cipherlab server --scheme hmac --key …` opens it.
fn server_screen() -> App {
    screen_app(Mode::Server, false, cipherlab::wire::seed::Protocol::Lab)
}

/// Applies the server's events to its screen until `done` says stop (the event that made it
/// say so is applied too).
async fn pump(
    app: &mut App,
    events: &mut mpsc::Receiver<Event>,
    what: &str,
    done: impl FnMut(&Event) -> bool,
) {
    common::screen::pump(app, Role::Server, events, what, done).await;
}

/// The screen as text, the ephemeral ports masked so that a snapshot holds.
fn screen(app: &App, width: u16, height: u16) -> String {
    let text = common::screen::drawn(app, width, height);
    common::screen::mask(&text, "127.0.0.1:", 'P')
}

/// The status line (the screen's last row but one).
fn status_line(text: &str) -> &str {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len() - 2]
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn thirty_headless_clients_are_all_on_the_servers_screen_and_a_mismatch_leaves_it_listening()
{
    let mut config = server_config(Scheme::Hmac, KeyExchange::Psk);
    config.key = scenario::fixed_key(Scheme::Hmac);
    config.key_source = KeySource::PreShared;
    let mut server = start_server(config).await;
    let addr = server.addr.to_string();
    let mut app = server_screen();
    let log = std::env::temp_dir().join("cipherlab-classroom.log");
    let log = log.to_str().unwrap();
    let student = |name: &str| {
        let args = [
            "client",
            "--headless",
            "--connect",
            &addr,
            "--key",
            CLASS_KEY,
            "--name",
            name,
            "--log-file",
            log,
        ];
        Proc::cipherlab_typing(&args, &[])
    };
    let mut class: Vec<Proc> = (1..=30)
        .map(|i| student(&format!("student-{i:02}")))
        .collect();
    let mut connected = 0;
    pump(&mut app, &mut server.events, "30 connections", |e| {
        connected += usize::from(matches!(e, Event::Connected { .. }));
        connected == 30
    })
    .await;
    // Twenty-seven of them say something, one after the other (so that History's order is
    // fixed); the last three stay silent.
    for (i, proc) in class.iter_mut().enumerate().take(27) {
        proc.type_line(&format!("hello from student-{:02}", i + 1));
        pump(&mut app, &mut server.events, "the message", |e| {
            matches!(e, Event::Received { .. })
        })
        .await;
    }
    // A latecomer asks for the wrong scheme: that connection is refused, the class goes on.
    let mismatch = Proc::cipherlab(
        &[
            "client",
            "--headless",
            "--connect",
            &addr,
            "--scheme",
            "ecb",
            "--name",
            "latecomer",
            "--message",
            "hi",
            "--log-file",
            log,
        ],
        &[],
    );
    pump(&mut app, &mut server.events, "the mismatch", |e| {
        matches!(e, Event::Disconnected { .. })
    })
    .await;
    let (code, _) = mismatch.finish();
    assert_eq!(code, Some(1), "a mismatch is not retried");
    // The mismatch is a warning about that connection; the server still listens.
    let before = screen(&app, 200, 50);
    let status = status_line(&before);
    assert!(
        status.contains("server: listening on 127.0.0.1:")
            && status.contains("30 clients")
            && status.contains("scheme mismatch"),
        "{status}"
    );
    // The next action clears the warning, as it clears any stale error.
    app.apply(Action::Home);

    let wide = screen(&app, 200, 50);
    insta::assert_snapshot!("class_of_thirty_200x50", wide);
    for i in 1..=30 {
        assert!(wide.contains(&format!("student-{i:02} ")), "{wide}");
    }
    assert!(wide.contains("30 connected, 3 sent nothing yet"), "{wide}");
    let status = status_line(&wide);
    assert!(
        status.contains("server: listening on 127.0.0.1:") && status.contains("30 clients"),
        "{status}"
    );

    // At 80×24 a dozen rows show; ↓ scrolls through the rest of the class.
    let small = screen(&app, 80, 24);
    insta::assert_snapshot!("class_of_thirty_80x24", small);
    assert!(status_line(&small).contains("listening"), "{small}");
    assert!(!small.contains("student-30"), "not all fit: {small}");
    let mut seen = std::collections::BTreeSet::new();
    for _ in 0..30 {
        let text = screen(&app, 80, 24);
        seen.extend((1..=30).filter(|i| text.contains(&format!("student-{i:02} "))));
        app.apply(Action::Down);
    }
    assert_eq!(seen.len(), 30, "reachable by scrolling: {seen:?}");
    insta::assert_snapshot!("class_of_thirty_80x24_scrolled", screen(&app, 80, 24));

    // o sorts by last activity: the latest to speak first, the silent ones after.
    app.apply(Action::SortClients);
    let text = screen(&app, 200, 50);
    let first = text.lines().nth(3).unwrap();
    assert!(first.contains("student-27"), "{text}");
    drop(class);
}

/// A client named alice, and the name its server's WELCOME gave it.
async fn alice(server: &TestServer) -> (TestClient, Option<String>) {
    let mut config = client_config(server.addr, None, None);
    config.name = "alice".to_owned();
    let mut client = start_client(config);
    let event = wait_for(&mut client.events, "connected", |e| {
        matches!(e, Event::Connected { .. })
    })
    .await;
    let Event::Connected { listed_as, .. } = event else {
        unreachable!()
    };
    (client, listed_as)
}

#[tokio::test]
async fn a_second_alice_is_listed_as_alice_2_on_both_sides_and_alice_comes_back_as_alice() {
    let mut server = start_server(server_config(Scheme::Fernet, KeyExchange::Send)).await;
    let (first, name) = alice(&server).await;
    assert_eq!(name.as_deref(), Some("alice"));
    let (_second, name) = alice(&server).await;
    assert_eq!(name.as_deref(), Some("alice-2"), "the client is told");
    let mut names = vec![];
    while names.len() < 2 {
        if let Event::Connected { name, .. } = wait_for(&mut server.events, "connected", |e| {
            matches!(e, Event::Connected { .. })
        })
        .await
        {
            names.push(name);
        }
    }
    assert_eq!(names, ["alice", "alice-2"], "the server lists both apart");
    // When the first alice leaves, the name is free for the next one.
    first
        .commands
        .send(ClientCommand::Disconnect)
        .await
        .unwrap();
    wait_for(&mut server.events, "alice leaves", |e| {
        matches!(e, Event::Disconnected { .. })
    })
    .await;
    let (_third, name) = alice(&server).await;
    assert_eq!(name.as_deref(), Some("alice"));
}

#[tokio::test]
async fn the_man_in_the_middle_names_each_client_as_the_server_lists_it() {
    let server = start_server(server_config(Scheme::Ecb, KeyExchange::Send)).await;
    let mut mitm = start_mitm(server.addr, vec![]).await;
    let mut clients = vec![];
    for _ in 0..2 {
        let mut config = client_config(mitm.addr, None, None);
        config.name = "alice".to_owned();
        let mut client = start_client(config);
        // One at a time, so that the first is alice.
        wait_for(&mut client.events, "connected", |e| {
            matches!(e, Event::Connected { .. })
        })
        .await;
        clients.push(client);
    }
    let mut names = vec![];
    while names.len() < 2 {
        if let Event::Connected { name, .. } = wait_for(&mut mitm.events, "connected", |e| {
            matches!(e, Event::Connected { .. })
        })
        .await
        {
            names.push(name);
        }
    }
    assert_eq!(names, ["alice", "alice-2"]);
}

/// A loopback port that was free a moment ago.
async fn free_port() -> std::net::SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    listener.local_addr().unwrap()
}

/// A server on `addr` (free, or freed by a server that has stopped).
async fn serve_on(addr: std::net::SocketAddr, scheme: Scheme) -> TestServer {
    start_server_at(addr, server_config(scheme, KeyExchange::Send)).await
}

/// Quick retries for tests: 50 ms, then 100, 200, 200...
fn quick(attempts: u32) -> Retry {
    Retry {
        attempts,
        first: Duration::from_millis(50),
        cap: Duration::from_millis(200),
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_clients_reconnect_after_their_server_restarts_and_their_next_messages_get_verdicts() {
    let addr = free_port().await;
    let mut server = serve_on(addr, Scheme::Fernet).await;
    let mut class: Vec<TestClient> = (0..10)
        .map(|i| {
            let mut config = client_config(addr, None, None);
            config.name = format!("student-{i}");
            config.limits.retry = quick(40);
            start_client(config)
        })
        .collect();
    for client in &mut class {
        let verdicts = client.exchange(&["before the restart"]).await;
        assert_eq!(verdicts[0].1, Verdict::Authentic);
    }
    // The instructor restarts the server, under another scheme.
    server.commands.send(ServerCommand::Shutdown).await.unwrap();
    tokio::time::timeout(DEADLINE, &mut server.task)
        .await
        .expect("the server stops")
        .unwrap();
    let mut restarted = serve_on(addr, Scheme::Cbc).await;
    for client in &mut class {
        let event = wait_for(&mut client.events, "the new connection", |e| {
            matches!(e, Event::Connected { .. })
        })
        .await;
        assert!(
            matches!(
                event,
                Event::Connected {
                    scheme: Scheme::Cbc,
                    ..
                }
            ),
            "{event:?}"
        );
        let verdicts = client.exchange(&["after the restart"]).await;
        assert_eq!(verdicts, [(1, Verdict::Unauthenticated)]);
    }
    let mut received = 0;
    while received < 10 {
        if let Event::Received { opened, .. } = wait_for(&mut restarted.events, "received", |e| {
            matches!(e, Event::Received { .. })
        })
        .await
        {
            assert_eq!(opened.plaintext.as_deref(), Some(&b"after the restart"[..]));
            received += 1;
        }
    }
}

#[tokio::test]
async fn a_client_started_before_its_server_connects_once_it_is_up() {
    let addr = free_port().await;
    let mut config = client_config(addr, None, None);
    config.limits.retry = quick(40);
    let mut client = start_client(config);
    let event = wait_for(&mut client.events, "a retry", |e| {
        matches!(e, Event::Reconnecting { .. })
    })
    .await;
    let Event::Reconnecting {
        attempt, reason, ..
    } = event
    else {
        unreachable!()
    };
    assert_eq!(attempt, 1);
    assert!(reason.contains("cannot connect"), "{reason}");
    let _server = serve_on(addr, Scheme::Hmac).await;
    let verdicts = client.exchange(&["made it"]).await;
    assert_eq!(verdicts[0].1, Verdict::Authentic);
}

#[tokio::test]
async fn a_client_gives_up_after_its_retries_with_a_clear_error() {
    let addr = free_port().await;
    let mut config = client_config(addr, None, None);
    config.limits.retry = quick(2);
    let mut client = start_client(config);
    let mut delays = vec![];
    while delays.len() < 2 {
        if let Event::Reconnecting {
            attempt,
            attempts,
            delay,
            ..
        } = wait_for(&mut client.events, "a retry", |e| {
            matches!(e, Event::Reconnecting { .. })
        })
        .await
        {
            assert_eq!(attempts, 2);
            delays.push((attempt, delay));
        }
    }
    assert_eq!(
        delays,
        [
            (1, Duration::from_millis(50)),
            (2, Duration::from_millis(100))
        ]
    );
    let err = client.task.await.unwrap().unwrap_err();
    assert!(matches!(err, NetError::GaveUp { attempts: 2, .. }), "{err}");
    assert!(
        err.to_string().starts_with(&format!(
            "gave up after 2 retries: cannot connect to {addr}"
        )),
        "{err}"
    );
}

#[tokio::test]
async fn a_scheme_mismatch_is_refused_once_and_not_retried() {
    let server = start_server(server_config(Scheme::Hmac, KeyExchange::Psk)).await;
    let mut config = client_config(server.addr, Some(Scheme::Ecb), None);
    config.limits.retry = quick(5);
    let mut client = start_client(config);
    let err = tokio::time::timeout(DEADLINE, &mut client.task)
        .await
        .unwrap()
        .unwrap()
        .unwrap_err();
    assert!(err.to_string().contains("scheme mismatch"), "{err}");
    let events = drain(&mut client.events);
    assert!(
        !events
            .iter()
            .any(|e| matches!(e, Event::Reconnecting { .. })),
        "{events:?}"
    );
}

#[tokio::test]
async fn a_client_told_to_stop_while_waiting_to_reconnect_stops() {
    let addr = free_port().await;
    let mut config = client_config(addr, None, None);
    config.limits.retry = Retry {
        attempts: 5,
        first: Duration::from_secs(30),
        cap: Duration::from_secs(30),
    };
    let mut client = start_client(config);
    wait_for(&mut client.events, "a retry", |e| {
        matches!(e, Event::Reconnecting { .. })
    })
    .await;
    // A message asked for meanwhile is kept, then reported unsent when the client stops.
    client
        .commands
        .send(ClientCommand::Send(Bytes::from("typed too early")))
        .await
        .unwrap();
    client
        .commands
        .send(ClientCommand::Disconnect)
        .await
        .unwrap();
    let result = tokio::time::timeout(DEADLINE, &mut client.task)
        .await
        .expect("it stops at once, not after 30 s")
        .unwrap();
    assert!(result.is_ok(), "{result:?}");
    let unsent = wait_for(&mut client.events, "unsent", |e| {
        matches!(e, Event::Unsent { .. })
    })
    .await;
    assert!(
        format!("{unsent:?}").contains("stopped reconnecting"),
        "{unsent:?}"
    );
}

#[test]
fn a_headless_client_with_messages_waits_for_a_late_server_and_exits_0() {
    let runtime = tokio::runtime::Runtime::new().unwrap();
    let addr = runtime.block_on(free_port());
    let mut client = Proc::cipherlab(
        &[
            "client",
            "--headless",
            "--connect",
            &addr.to_string(),
            "--message",
            "are you there?",
        ],
        &[],
    );
    let retry = client.event("reconnecting");
    assert_eq!(retry["attempt"], 1);
    assert_eq!(retry["attempts"], 5, "headless: about 15 s of tries");
    assert_eq!(retry["delay_ms"], 500);
    let _server = runtime.block_on(serve_on(addr, Scheme::Fernet));
    let verdict = client.event("verdict");
    assert_eq!(verdict["verdict"], "authentic");
    let (code, _) = client.finish();
    assert_eq!(code, Some(0));
}

// ----- the screen, fed the events a class produces ----------------------------------------

/// Connection `id` from 127.0.0.1:`port`.
fn peer(id: u64, port: u16) -> cipherlab::net::Peer {
    cipherlab::net::Peer {
        id,
        addr: ([127, 0, 0, 1], port).into(),
    }
}

fn connected(peer: cipherlab::net::Peer, name: &str) -> Event {
    Event::Connected {
        peer,
        name: name.to_owned(),
        scheme: Scheme::Hmac,
        listed_as: None,
    }
}

/// A message from `peer` that the server judged `verdict`.
fn received(peer: cipherlab::net::Peer, seq: u64, verdict: Verdict) -> Event {
    let plaintext = verdict.is_accepted().then(|| b"hi".to_vec());
    Event::Received {
        peer,
        seq,
        sealed: Bytes::from_static(b"\x00\x00\x00\x02hi"),
        opened: cipherlab::crypto::Opened { verdict, plaintext },
    }
}

fn key(app: &mut App, code: ratatui::crossterm::event::KeyCode, ctrl: bool) {
    use ratatui::crossterm::event::{Event as TermEvent, KeyEvent, KeyModifiers};
    let modifiers = if ctrl {
        KeyModifiers::CONTROL
    } else {
        KeyModifiers::NONE
    };
    app.on_terminal(&TermEvent::Key(KeyEvent::new(code, modifiers)));
}

/// The names in the Clients pane, top to bottom.
fn roster(text: &str) -> Vec<String> {
    text.lines()
        .skip(3)
        .filter_map(|line| line.strip_prefix("\"│"))
        .map_while(|line| {
            let name = line.split_whitespace().next()?;
            (!name.starts_with('│')).then(|| name.to_owned())
        })
        .collect()
}

#[test]
fn o_sorts_the_client_list_by_name_last_activity_and_verdict() {
    use cipherlab::crypto::Reason;
    use ratatui::crossterm::event::KeyCode;
    let mut app = server_screen();
    for (id, name) in [(1, "carol"), (2, "alice"), (3, "dave"), (4, "bob")] {
        app.on_net(
            0,
            Role::Server,
            connected(peer(id, 50_000 + id as u16), name),
        );
    }
    let bad = Verdict::Rejected(Reason::TagMismatch);
    app.on_net(0, Role::Server, received(peer(2, 50_002), 1, bad));
    app.on_net(
        0,
        Role::Server,
        received(peer(1, 50_001), 1, Verdict::Authentic),
    );
    let text = screen(&app, 120, 36);
    assert_eq!(roster(&text), ["alice", "bob", "carol", "dave"], "{text}");
    assert!(text.contains("4 connected, 2 silent · by name"), "{text}");
    assert!(
        text.lines().last().unwrap().contains("o sort clients"),
        "{text}"
    );
    key(&mut app, KeyCode::Char('o'), false);
    let text = screen(&app, 120, 36);
    assert_eq!(roster(&text), ["carol", "alice", "bob", "dave"], "{text}");
    assert!(text.contains("by last activity"), "{text}");
    key(&mut app, KeyCode::Char('o'), false);
    let text = screen(&app, 120, 36);
    assert_eq!(roster(&text), ["alice", "carol", "bob", "dave"], "{text}");
    assert!(text.contains("by verdict"), "{text}");
}

#[test]
fn seed_wire_connections_fold_into_one_row_per_address() {
    let mut app = screen_app(Mode::Server, false, cipherlab::wire::seed::Protocol::Seed);
    // Seed 004: one connection per message, no name; twenty from one machine, one from another.
    let from = |id: u64, ip: [u8; 4]| cipherlab::net::Peer {
        id,
        addr: (ip, 40_000 + id as u16).into(),
    };
    for id in 1..=21 {
        let p = from(
            id,
            if id == 21 {
                [10, 0, 0, 7]
            } else {
                [127, 0, 0, 1]
            },
        );
        app.on_net(0, Role::Server, connected(p, "seed hmac client"));
        app.on_net(0, Role::Server, received(p, 1, Verdict::Authentic));
        let gone = Event::Disconnected {
            peer: p,
            reason: "one message, as seed 004".into(),
            unanswered: 0,
        };
        app.on_net(0, Role::Server, gone);
    }
    let text = screen(&app, 120, 36);
    assert_eq!(text.matches("seed hmac client").count(), 2, "{text}");
    assert!(
        text.contains("127.0.0.1 ×20") && text.contains("10.0.0.7 ×1"),
        "{text}"
    );
    assert_eq!(text.matches("gone").count(), 2, "{text}");
}

/// A man in the middle's screen after two clients named alice connected through it.
fn mitm_with_two_alices() -> App {
    use cipherlab::net::{Direction, Fate};
    let mut app = screen_app(Mode::Mitm, false, cipherlab::wire::seed::Protocol::Lab);
    let listening = Event::Listening {
        addr: ([127, 0, 0, 1], 40_001).into(),
    };
    app.on_net(0, Role::Mitm, listening);
    for (id, name) in [(1, "alice"), (2, "alice-2")] {
        let p = peer(id, 50_000 + id as u16);
        app.on_net(0, Role::Mitm, connected(p, name));
        let data = Event::Intercepted {
            peer: p,
            direction: Direction::ToServer,
            frame: cipherlab::wire::Frame::Data {
                seq: 1,
                sealed: Bytes::from(format!("\x00\x00\x00\x07{name}")),
            },
            fate: Fate::Forwarded,
        };
        app.on_net(0, Role::Mitm, data);
    }
    app
}

#[test]
fn the_man_in_the_middles_history_names_its_clients() {
    let text = screen(&mitm_with_two_alices(), 120, 36);
    assert!(text.contains("→ alice #1"), "{text}");
    assert!(text.contains("→ alice-2 #1"), "{text}");
}

#[test]
fn a_client_leaving_the_man_in_the_middle_leaves_it_listening() {
    let mut app = mitm_with_two_alices();
    let gone = Event::Disconnected {
        peer: peer(1, 50_001),
        reason: "the client closed the connection".into(),
        unanswered: 0,
    };
    app.on_net(0, Role::Mitm, gone);
    let text = screen(&app, 120, 36);
    let status = status_line(&text);
    assert!(
        status.contains("wire: listening on 127.0.0.1:") && status.contains("1 client"),
        "{status}"
    );
    assert!(!status.contains("closed"), "{status}");
}

/// A client's screen before its server has answered.
fn client_screen() -> App {
    screen_app(Mode::Client, true, cipherlab::wire::seed::Protocol::Lab)
}

/// Types `text` and presses Enter as a person does: `i` first, since keys are commands until
/// then.
fn type_and_enter(app: &mut App, text: &str) {
    use ratatui::crossterm::event::KeyCode;
    if !app.context().typing {
        key(app, KeyCode::Char('i'), false);
    }
    for c in text.chars() {
        key(app, KeyCode::Char(c), false);
    }
    key(app, KeyCode::Enter, false);
}

#[test]
fn a_reconnecting_client_keeps_its_text_as_not_sent_and_ctrl_r_stops_then_reconnects() {
    use cipherlab::tui::state::Request;
    use ratatui::crossterm::event::KeyCode;
    let mut app = client_screen();
    let retry = Event::Reconnecting {
        addr: "127.0.0.1:12345".into(),
        attempt: 2,
        attempts: 12,
        delay: Duration::from_secs(1),
        reason: "cannot connect to 127.0.0.1:12345: Connection refused (os error 111)".into(),
    };
    app.on_net(0, Role::Client, retry);
    let text = screen(&app, 120, 36);
    assert!(
        status_line(&text).contains("client: reconnecting, try 2 of 12 in 1 s (cannot connect"),
        "{text}"
    );
    assert!(
        text.lines()
            .last()
            .unwrap()
            .contains("Ctrl-R stop reconnecting"),
        "{text}"
    );
    type_and_enter(&mut app, "typed while it was down");
    assert!(app.take_requests().is_empty(), "nothing is sent");
    assert_eq!(app.typed(), "typed while it was down", "the text stays");
    let text = screen(&app, 120, 36);
    assert!(
        status_line(&text)
            .contains("not connected (reconnecting, try 2 of 12): the message was not sent"),
        "{text}"
    );
    key(&mut app, KeyCode::Char('r'), true);
    assert_eq!(app.take_requests(), [Request::StopReconnecting]);
    let text = screen(&app, 120, 36);
    assert!(
        status_line(&text).contains("client: closed (stopped reconnecting"),
        "{text}"
    );
    assert!(
        text.lines().last().unwrap().contains("Ctrl-R reconnect"),
        "{text}"
    );
    key(&mut app, KeyCode::Char('r'), true);
    assert_eq!(app.take_requests(), [Request::Reconnect]);
    assert_eq!(app.typed(), "typed while it was down");
}

#[test]
fn after_a_refused_connect_the_typed_text_stays() {
    let mut app = client_screen();
    // Before the handshake, nothing can be sent either.
    type_and_enter(&mut app, "too early");
    assert!(app.take_requests().is_empty());
    assert_eq!(app.typed(), "too early");
    let gave_up = Event::Error {
        peer: None,
        message: "gave up after 12 retries: cannot connect to 127.0.0.1:12345: Connection refused"
            .into(),
    };
    app.on_net(0, Role::Client, gave_up);
    type_and_enter(&mut app, "!");
    assert!(app.take_requests().is_empty(), "nothing is sent");
    assert_eq!(app.typed(), "too early!", "the text stays");
    let text = screen(&app, 120, 36);
    assert!(
        status_line(&text).contains("not connected (gave up after 12 retries"),
        "{text}"
    );
}

#[test]
fn a_client_listed_under_another_name_says_so() {
    let mut app = client_screen();
    let welcome = Event::Connected {
        peer: peer(1, 12_345),
        name: "server".into(),
        scheme: Scheme::Hmac,
        listed_as: Some("alice-2".into()),
    };
    app.on_net(0, Role::Client, welcome);
    let text = screen(&app, 120, 36);
    assert!(
        status_line(&text).contains("client: connected to 127.0.0.1:PPPPP as alice-2"),
        "{text}"
    );
}

#[test]
fn a_reconnected_client_keeps_each_connections_messages_apart() {
    let mut app = client_screen();
    let server = peer(1, 12_345);
    for (connection, text) in [(1, "before the restart"), (2, "after the restart")] {
        let welcome = Event::Connected {
            peer: cipherlab::net::Peer {
                id: connection,
                ..server
            },
            name: "server".into(),
            scheme: Scheme::Hmac,
            listed_as: None,
        };
        app.on_net(0, Role::Client, welcome);
        let sent = Event::Sent {
            peer: server,
            seq: 1,
            plaintext: Bytes::from(text),
            sealed: Bytes::from_static(b"\x00\x00\x00\x01x"),
        };
        app.on_net(0, Role::Client, sent);
        let gone = Event::Disconnected {
            peer: server,
            reason: "peer said BYE: server shutting down".into(),
            unanswered: 1,
        };
        app.on_net(0, Role::Client, gone);
    }
    let text = screen(&app, 120, 36);
    assert!(text.contains("History — 2 of 2"), "{text}");
    assert!(
        text.contains("before the restart") && text.contains("after the restart"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_headless_client_sends_again_what_a_crashed_server_left_without_a_verdict() {
    use cipherlab::wire::{Frame, LabCodec, Welcome};
    use futures_util::{SinkExt, StreamExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let client = Proc::cipherlab(
        &[
            "client",
            "--headless",
            "--connect",
            &addr.to_string(),
            "--key",
            CLASS_KEY,
            "--message",
            "do not lose me",
        ],
        &[],
    );
    // A server that takes the message and crashes before its verdict.
    let (stream, _) = listener.accept().await.unwrap();
    let mut doomed = tokio_util::codec::Framed::new(stream, LabCodec::default());
    let hello = doomed.next().await.unwrap().unwrap();
    assert!(matches!(hello, Frame::Hello(_)), "{hello:?}");
    let welcome = Welcome {
        scheme: Scheme::Hmac,
        key_exchange: KeyExchange::Psk,
        key: None,
        agreement: None,
        name: Some("tester".into()),
    };
    doomed.send(Frame::Welcome(welcome)).await.unwrap();
    let data = doomed.next().await.unwrap().unwrap();
    assert!(matches!(data, Frame::Data { seq: 1, .. }), "{data:?}");
    drop((doomed, listener));
    // The server comes back; the message is sent again and judged.
    let mut config = server_config(Scheme::Hmac, KeyExchange::Psk);
    config.key = scenario::fixed_key(Scheme::Hmac);
    let mut server = start_server_at(addr, config).await;
    let event = wait_for(&mut server.events, "the message again", |e| {
        matches!(e, Event::Received { .. })
    })
    .await;
    let Event::Received { opened, .. } = event else {
        unreachable!()
    };
    assert_eq!(opened.plaintext.as_deref(), Some(&b"do not lose me"[..]));
    let (code, lines) = tokio::task::spawn_blocking(move || client.finish())
        .await
        .unwrap();
    let text = lines.join("\n");
    assert_eq!(code, Some(0), "{text}");
    assert!(text.contains("\"event\":\"reconnecting\""), "{text}");
    assert_eq!(text.matches("\"event\":\"sent\"").count(), 2, "{text}");
    assert_eq!(text.matches("\"event\":\"verdict\"").count(), 1, "{text}");
}

#[test]
fn a_click_on_a_client_picks_whom_the_operator_replies_to() {
    use cipherlab::tui::state::Request;
    use ratatui::crossterm::event::{Event as TermEvent, MouseButton, MouseEvent, MouseEventKind};
    let mut app = server_screen();
    for (id, name) in [(1, "dave"), (2, "alice"), (3, "carol"), (4, "bob")] {
        app.on_net(
            0,
            Role::Server,
            connected(peer(id, 50_000 + id as u16), name),
        );
    }
    // Row 0 of the header, then the pane's border and its column titles: carol is on row 5.
    let text = screen(&app, 120, 36);
    assert!(text.lines().nth(5).unwrap().contains("carol"), "{text}");
    let click = |kind| {
        TermEvent::Mouse(MouseEvent {
            kind,
            column: 4,
            row: 5,
            modifiers: ratatui::crossterm::event::KeyModifiers::NONE,
        })
    };
    app.on_terminal(&click(MouseEventKind::Down(MouseButton::Left)));
    app.on_terminal(&click(MouseEventKind::Up(MouseButton::Left)));
    app.apply(Action::Edit);
    type_and_enter(&mut app, "see you");
    assert_eq!(
        app.take_requests(),
        [Request::Send {
            role: Role::Server,
            to: Some(3),
            plaintext: Bytes::from("see you"),
        }]
    );
}
