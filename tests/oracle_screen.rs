//! The Oracle tab (DESIGN §9 "What the screen shows"). Snapshots come from the deterministic
//! scenario (fixed key and IV, the real padding oracle run in memory against the real cipher);
//! the rest drive a real loopback demo (server, man in the middle and client on 127.0.0.1
//! port 0): `o` on the client's message reads it through the victim's own connection, the tab
//! shows what was recovered, and a slowed pace really slows the questions.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::{Duration, Instant};

use bytes::Bytes;
use cipherlab::crypto::{KeyExchange, Scheme};
use cipherlab::net::oracle::Outcome;
use cipherlab::net::{DemoOptions, EVENT_QUEUE, Event, Role, Tagged, Topology};
use cipherlab::tui::action::Action;
use cipherlab::tui::scenario::{ORACLE_PLAINTEXT, draw, oracle};
use cipherlab::tui::session::{Handshake, SessionView};
use cipherlab::tui::state::Request;
use cipherlab::tui::{App, Mode, Tab};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
use tokio::sync::mpsc;

fn text(app: &App, width: u16, height: u16) -> String {
    draw(app, width, height).backend().to_string()
}

/// The screen's lines without their borders, joined: wrapped text reads as one.
fn flat(screen: &str) -> String {
    screen
        .lines()
        .map(|l| l.trim_matches(|c| c == '"' || c == '│' || c == ' '))
        .collect::<Vec<_>>()
        .join(" ")
}

fn press(app: &mut App, c: char) {
    let key = KeyEvent::new(KeyCode::Char(c), KeyModifiers::NONE);
    app.on_terminal(&TermEvent::Key(key));
}

#[test]
fn mid_attack_the_tab_shows_the_blocks_the_byte_worked_the_questions_and_the_pace() {
    let app = oracle(Scheme::Cbc, Some(40), 4);
    assert_eq!(app.ui().tab(), Tab::Oracle, "o shows the Oracle tab");
    for (width, height) in [(200, 50), (80, 24)] {
        let terminal = draw(&app, width, height);
        let screen = terminal.backend().to_string();
        for needle in [
            "padding-oracle",
            "client message #1 (64 bytes)",
            "pace: 4 queries/s",
            "working C3, byte",
            "IV ",
            "D(C_i) found",
            "plaintext:",
            "questions, the latest first",
            "✘ bad padding",
            "… asked",
        ] {
            assert!(
                screen.contains(needle),
                "{width}×{height}: {needle:?}\n{screen}"
            );
        }
        // The last block is read from the right: its padding first, then "ap" of "map".
        assert!(screen.contains("ap▫▫▫▫▫"), "{width}×{height}\n{screen}");
        assert!(!screen.contains("bring"), "not read yet\n{screen}");
        insta::assert_snapshot!(
            format!("oracle_mid_attack_{width}x{height}"),
            terminal.backend()
        );
    }
}

#[test]
fn finished_the_tab_shows_the_recovered_plaintext_beside_the_original_length() {
    let app = oracle(Scheme::Cbc, None, 0);
    let snapshot = app.oracle().live().snapshot();
    match &snapshot.outcome {
        Some(Outcome::Recovered { plaintext, .. }) => {
            assert_eq!(&plaintext[..], ORACLE_PLAINTEXT.as_bytes());
        }
        other => panic!("{other:?}"),
    }
    assert!(snapshot.most_per_byte <= 256);
    for (width, height) in [(200, 50), (80, 24)] {
        let terminal = draw(&app, width, height);
        let screen = terminal.backend().to_string();
        let flat = flat(&screen);
        assert!(
            flat.contains("✔ recovered without the key: \"meet at the old mill"),
            "{width}×{height}\n{screen}"
        );
        // 43 bytes of plaintext, from a 64-byte message: IV + 3 blocks.
        assert!(
            flat.contains(
                "43 bytes recovered from a 64-byte message (IV + 3 blocks, 48 bytes of ciphertext)"
            ),
            "{width}×{height}\n{screen}"
        );
        assert!(screen.contains("pace: full speed"), "{screen}");
        insta::assert_snapshot!(
            format!("oracle_recovered_{width}x{height}"),
            terminal.backend()
        );
    }
}

#[test]
fn against_fernet_the_tab_shows_the_oracle_failed_reason() {
    let app = oracle(Scheme::Fernet, None, 0);
    let screen = text(&app, 120, 36);
    let flat = flat(&screen);
    assert!(
        flat.contains("✘ oracle-failed after 256 queries: every query rejected: tag mismatch"),
        "{screen}"
    );
    let ecb = text(&oracle(Scheme::Ecb, None, 0), 120, 36);
    assert!(
        ecb.contains("oracle-failed after 0 queries: ecb has no IV"),
        "{ecb}"
    );
}

#[test]
fn plus_and_minus_set_the_pace_on_the_oracle_tab_and_the_tab_shows_it() {
    let mut app = oracle(Scheme::Cbc, Some(20), 0);
    assert!(text(&app, 120, 36).contains("pace: full speed"));
    press(&mut app, '-');
    assert_eq!(app.oracle().live().pace(), 10_000);
    for _ in 0..4 {
        press(&mut app, '-');
    }
    assert_eq!(app.oracle().live().pace(), 4);
    assert!(text(&app, 120, 36).contains("pace: 4 queries/s"));
    press(&mut app, '-');
    press(&mut app, '-');
    assert!(text(&app, 80, 24).contains("pace: 1 query/s"));
    press(&mut app, '+');
    assert!(text(&app, 80, 24).contains("pace: 4 queries/s"));
    // The footer and the help say so, on this tab only.
    assert!(text(&app, 120, 36).contains("+ - pace"));
    app.apply(Action::Help);
    let help = text(&app, 120, 40);
    assert!(
        help.contains("The Oracle tab") && help.contains("faster, slower"),
        "{help}"
    );
    app.apply(Action::Back);
    app.apply(Action::NextTab);
    assert_eq!(app.ui().tab(), Tab::Lab, "the Oracle tab is the last");
    press(&mut app, '+');
    assert_eq!(app.oracle().live().pace(), 4, "+ is the Oracle tab's");
}

// ----- a real loopback demo ------------------------------------------------------------------

struct Demo {
    app: App,
    topology: Topology,
    rx: mpsc::Receiver<Tagged>,
}

impl Demo {
    async fn start(scheme: Scheme, exchange: KeyExchange) -> Demo {
        let session = SessionView::new(
            Mode::Demo,
            Handshake::Known { scheme, exchange },
            cipherlab::wire::seed::Protocol::Lab,
        );
        let theme = cipherlab::tui::Theme { mono: true };
        let app = App::new(session, cipherlab::logging::LogRing::default(), theme);
        let (tx, rx) = mpsc::channel(EVENT_QUEUE);
        let topology = Topology::demo_with(0, &DemoOptions::new(scheme, exchange), &tx)
            .await
            .unwrap();
        let mut demo = Demo { app, topology, rx };
        demo.until(|_, event| matches!(event, Some((_, Role::Client, Event::Key { .. }))))
            .await;
        demo
    }

    /// Applies events (and passes the app's requests on, as the runtime does) until `done`
    /// says so; 30 s at most.
    async fn until(&mut self, mut done: impl FnMut(&App, Option<&Tagged>) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            for request in self.app.take_requests() {
                if let Request::Mitm(command) = request {
                    assert!(self.topology.command_mitm(command).await);
                }
            }
            if done(&self.app, None) {
                return;
            }
            assert!(
                Instant::now() < deadline,
                "timed out\n{}",
                text(&self.app, 120, 36)
            );
            match tokio::time::timeout(Duration::from_millis(50), self.rx.recv()).await {
                Ok(Some(tagged)) => {
                    let stop = done(&self.app, Some(&tagged));
                    let (generation, role, event) = tagged;
                    self.app.on_net(generation, role, event);
                    self.app.settle();
                    if stop {
                        return;
                    }
                }
                Ok(None) => panic!("the demo stopped"),
                Err(_) => {}
            }
        }
    }

    /// The client sends `text`; returns once the screen has seen it cross the man in the
    /// middle (the roles' events arrive in no fixed order) and the client has its verdict.
    async fn send(&mut self, text: &'static str) {
        let sent = Bytes::from_static(text.as_bytes());
        assert!(self.topology.send(Role::Client, None, sent.clone()).await);
        self.until(|app, _| {
            app.current().is_some_and(|j| {
                j.plaintext.as_ref().is_some_and(|p| p.bytes == sent)
                    && j.via.is_some()
                    && j.peer_verdict.is_some()
            })
        })
        .await;
    }

    /// Runs until the Oracle tab's attack has ended.
    async fn until_ended(&mut self) {
        self.until(|app, _| app.oracle().live().snapshot().outcome.is_some())
            .await;
    }

    fn outcome(&self) -> Option<Outcome> {
        self.app.oracle().live().snapshot().outcome
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn o_on_the_client_message_reads_it_on_the_oracle_tab_under_psk_and_x25519() {
    for exchange in [KeyExchange::Psk, KeyExchange::X25519] {
        let mut demo = Demo::start(Scheme::Cbc, exchange).await;
        demo.send("the vault code is 4-8-15-16").await;
        press(&mut demo.app, 'o');
        assert_eq!(demo.app.ui().tab(), Tab::Oracle);
        demo.until_ended().await;
        match demo.outcome() {
            Some(Outcome::Recovered { plaintext, .. }) => {
                assert_eq!(
                    &plaintext[..],
                    b"the vault code is 4-8-15-16",
                    "{exchange:?}"
                );
            }
            other => panic!("{exchange:?}: {other:?}"),
        }
        for (width, height) in [(80, 24), (200, 50)] {
            let screen = text(&demo.app, width, height);
            assert!(
                screen.contains("✔ recovered without the key: \"the vault code is 4-8-15-16\""),
                "{exchange:?} {width}×{height}\n{screen}"
            );
        }
        demo.topology.shutdown().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn against_gcm_o_runs_the_attack_and_the_tab_shows_why_it_failed() {
    let mut demo = Demo::start(Scheme::Gcm, KeyExchange::Psk).await;
    demo.send("sealed with a tag").await;
    demo.app.apply(Action::Oracle);
    demo.until_ended().await;
    let snapshot = demo.app.oracle().live().snapshot();
    assert_eq!(snapshot.queries, 256);
    let screen = text(&demo.app, 120, 36);
    let flat = flat(&screen);
    assert!(
        flat.contains("oracle-failed after 256 queries: every query rejected: tag mismatch"),
        "{screen}"
    );
    demo.topology.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn slowed_to_four_a_second_the_questions_come_slowly_and_the_client_still_gets_answers() {
    let mut demo = Demo::start(Scheme::Cbc, KeyExchange::Psk).await;
    demo.send("slow enough for a class to follow").await;
    demo.app.oracle().live().set_pace(4);
    demo.app.apply(Action::Oracle);
    let started = Instant::now();
    demo.until(|_, _| started.elapsed() > Duration::from_millis(1500))
        .await;
    let asked = demo.app.oracle().live().snapshot().queries;
    // 1.5 s at 4 a second: the first at once, then one every quarter second.
    assert!((2..=8).contains(&asked), "{asked} questions in 1.5 s");
    assert!(text(&demo.app, 80, 24).contains("pace: 4 queries/s"));
    // The victim's own messages still get their verdicts while the oracle waits.
    let before = Instant::now();
    demo.send("still talking").await;
    assert!(
        before.elapsed() < Duration::from_millis(900),
        "{:?}",
        before.elapsed()
    );
    // At full speed again it finishes.
    demo.app.oracle().live().set_pace(0);
    demo.until_ended().await;
    match demo.outcome() {
        Some(Outcome::Recovered { plaintext, .. }) => {
            assert_eq!(&plaintext[..], b"slow enough for a class to follow");
        }
        other => panic!("{other:?}"),
    }
    demo.topology.shutdown().await;
}

#[test]
fn o_with_no_client_message_says_what_to_do() {
    let mut app = cipherlab::tui::scenario::Script::new(Mode::Demo, Scheme::Cbc, KeyExchange::Psk)
        .finish(Tab::Lab);
    app.apply(Action::Oracle);
    assert!(app.take_requests().is_empty());
    assert!(
        app.ui()
            .error()
            .is_some_and(|e| e.contains("no client message to read")),
        "{:?}",
        app.ui().error()
    );
}
