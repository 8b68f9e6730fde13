//! Snapshot tests of the screen: every mode and tab drawn through ratatui's TestBackend from
//! deterministic sessions (real crypto, fixed keys, IVs and clock), plus the help popup, the
//! too-small screen, NO_COLOR and the bounds on state under a flood of messages.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use bytes::Bytes;
use cipherlab::crypto::{Scheme, Verdict};
use cipherlab::net::{Event, Peer, Role};
use cipherlab::tui::action::Action;
use cipherlab::tui::journey::{MAX_JOURNEYS, MAX_TOTAL_BYTES};
use cipherlab::tui::runtime::strip_colours;
use cipherlab::tui::{App, Focus, Mode, scenario};
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use ratatui::style::{Color, Modifier};

/// Connection 1, from 127.0.0.1:`port`.
fn peer_at(port: u16) -> Peer {
    Peer {
        id: 1,
        addr: ([127, 0, 0, 1], port).into(),
    }
}

fn draw(app: &App, width: u16, height: u16) -> Terminal<TestBackend> {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .unwrap();
    terminal
}

/// A screen in `mode` whose handshake settled on `scheme` and `exchange`.
fn known(
    mode: Mode,
    scheme: Scheme,
    exchange: cipherlab::crypto::KeyExchange,
    log: cipherlab::logging::LogRing,
    theme: cipherlab::tui::Theme,
) -> App {
    App::new(session(mode, scheme, exchange), log, theme)
}

fn session(
    mode: Mode,
    scheme: Scheme,
    exchange: cipherlab::crypto::KeyExchange,
) -> cipherlab::tui::session::SessionView {
    use cipherlab::tui::session::{Handshake, SessionView};
    SessionView::new(
        mode,
        Handshake::Known { scheme, exchange },
        cipherlab::wire::seed::Protocol::Lab,
    )
}

/// A client or man in the middle still waiting for the server's handshake.
fn awaiting(mode: Mode, assumed: Scheme) -> App {
    use cipherlab::tui::session::{Handshake, SessionView};
    let session = SessionView::new(
        mode,
        Handshake::Awaiting { assumed },
        cipherlab::wire::seed::Protocol::Lab,
    );
    let theme = cipherlab::tui::Theme { mono: true };
    App::new(session, cipherlab::logging::LogRing::default(), theme)
}

/// Types `text` as a person does: into the tamper form when it is open (after clearing it),
/// else into the editor, pressing `i` first as keys are commands until then.
fn type_text(app: &mut App, text: &str) {
    use ratatui::crossterm::event::KeyCode;
    if app.ui().popup().is_none() && !app.context().typing {
        press(app, KeyCode::Char('i'));
    }
    for _ in 0..24 {
        press(app, KeyCode::Backspace);
    }
    for c in text.chars() {
        press(app, KeyCode::Char(c));
    }
}

/// The text in the open tamper form.
fn form_text(app: &App) -> String {
    match app.ui().popup() {
        Some(cipherlab::tui::ui::Popup::Tamper(form)) => form.input.value().to_owned(),
        _ => panic!("no tamper form"),
    }
}

fn screen_text(terminal: &Terminal<TestBackend>) -> String {
    terminal.backend().to_string()
}

#[test]
fn demo_after_real_messages_for_every_scheme() {
    for scheme in Scheme::ALL {
        let app = scenario::demo(scheme);
        let terminal = draw(&app, 140, 42);
        insta::assert_snapshot!(format!("demo_{scheme}"), terminal.backend());
    }
}

#[test]
fn demo_panes_carry_the_contract_titles_and_verdict_words() {
    let terminal = draw(&scenario::demo(Scheme::Cbc), 140, 42);
    let text = screen_text(&terminal);
    for title in [
        "Key",
        "Plaintext",
        "Ciphertext",
        "Verification",
        "History",
        "Log",
        "Client",
        "Wire",
        "Server",
    ] {
        assert!(text.contains(title), "no {title} pane:\n{text}");
    }
    // The third message had its IV flipped on the wire: cbc accepts it, changed.
    assert!(text.contains("unauthenticated"), "{text}");
    assert!(
        text.contains("qay bob 10 coins"),
        "the flipped bit shows in the received plaintext:\n{text}"
    );
    assert!(text.contains("iv-flip:0:0"), "{text}");
}

#[test]
fn client_server_and_mitm_views() {
    insta::assert_snapshot!(
        "client_fernet",
        draw(&scenario::client(Scheme::Fernet), 120, 36).backend()
    );
    insta::assert_snapshot!(
        "server_hmac",
        draw(&scenario::server(Scheme::Hmac), 120, 36).backend()
    );
    insta::assert_snapshot!(
        "mitm_ecb",
        draw(&scenario::mitm(Scheme::Ecb), 120, 36).backend()
    );
}

#[test]
fn compare_tab_and_sealing_again() {
    let mut app = scenario::compare();
    insta::assert_snapshot!("compare_first_seal", draw(&app, 140, 40).backend());
    app.apply(Action::SealAgain);
    let text = screen_text(&draw(&app, 140, 40));
    assert_eq!(
        text.matches("identical to the last seal").count(),
        3,
        "ecb, hmac and prefix-mac repeat:\n{text}"
    );
    assert_eq!(
        text.matches("changed since the last seal").count(),
        4,
        "cbc, fernet, gcm and chacha change:\n{text}"
    );
}

/// Every cell of the attack matrix, played for real on loopback.
async fn every_cell() -> Vec<cipherlab::net::matrix::Cell> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(cipherlab::net::matrix::run_all(tx));
    let mut cells = vec![];
    while let Some(cell) = rx.recv().await {
        cells.push(cell);
    }
    cells
}

#[tokio::test]
async fn matrix_tab_after_run_all() {
    let cells = every_cell().await;
    let app = scenario::matrix(cells);
    insta::assert_snapshot!("matrix", draw(&app, 140, 24).backend());
}

#[test]
fn help_lists_the_keys_that_apply_here_grouped_with_enters_two_meanings_apart() {
    let mut app = scenario::demo(Scheme::Fernet);
    app.apply(Action::Help);
    let terminal = draw(&app, 120, 40);
    insta::assert_snapshot!("help", terminal.backend());
    let text = screen_text(&terminal);
    for shown in [
        "While typing",
        "Enter     seal and send the text",
        "The man in the middle (Wire)",
        "Enter     forward the held message",
        "The demo",
        "e         exchange: send, psk, x25519",
        "\\         zoom the pane, and back",
        "h         hide or show keys",
    ] {
        assert!(text.contains(shown), "help lacks {shown:?}:\n{text}");
    }
    for absent in ["seal again", "run all attacks", "next step"] {
        assert!(
            !text.contains(absent),
            "{absent:?} does not apply here:\n{text}"
        );
    }
    // On the Compare tab of a client, the keys are the Compare tab's, and nothing of the Wire.
    let mut client = scenario::client(Scheme::Ecb);
    client.apply(Action::NextTab);
    client.apply(Action::Help);
    let text = screen_text(&draw(&client, 120, 40));
    assert!(text.contains("s         seal again"), "{text}");
    for absent in ["intercept", "forward the held", "The demo", "seal and send"] {
        assert!(
            !text.contains(absent),
            "{absent:?} on a client's Compare tab:\n{text}"
        );
    }
    // At 80x24 every group still shows, in two columns.
    let text = screen_text(&draw(&app, 80, 24));
    for heading in [
        "Anywhere",
        "While typing",
        "When not typing",
        "The Lab tab",
        "The demo",
    ] {
        assert!(text.contains(heading), "{heading}:\n{text}");
    }
}

#[test]
fn a_small_terminal_says_so() {
    let app = scenario::demo(Scheme::Ecb);
    let terminal = draw(&app, 60, 20);
    insta::assert_snapshot!("too_small", terminal.backend());
    assert!(screen_text(&terminal).contains("terminal too small"));
}

#[test]
fn the_demo_fits_80_by_24() {
    let terminal = draw(&scenario::demo(Scheme::Hmac), 80, 24);
    insta::assert_snapshot!("demo_80x24", terminal.backend());
    let text = screen_text(&terminal);
    assert!(
        text.contains("Verification") && text.contains("History"),
        "{text}"
    );
}

#[test]
fn no_color_strips_colours_but_keeps_emphasis() {
    let app = scenario::demo(Scheme::Fernet);
    let app = app.with_theme(cipherlab::tui::Theme { mono: true });
    let mut terminal = Terminal::new(TestBackend::new(120, 36)).unwrap();
    terminal
        .draw(|frame| {
            frame.render_widget(&app, frame.area());
            strip_colours(frame.buffer_mut());
        })
        .unwrap();
    let buffer = terminal.backend().buffer();
    assert!(
        buffer
            .content
            .iter()
            .all(|c| c.fg == Color::Reset && c.bg == Color::Reset)
    );
    assert!(
        buffer
            .content
            .iter()
            .any(|c| c.modifier.contains(Modifier::REVERSED)),
        "the verdict banner stays emphasised"
    );
}

#[test]
fn selecting_a_message_fills_the_panes() {
    let mut app = scenario::demo(Scheme::Ecb);
    app.focus_on(Focus::History);
    app.apply(Action::Home);
    let text = screen_text(&draw(&app, 140, 42));
    assert!(
        text.contains("sent: hello, lab"),
        "the oldest message fills the Plaintext pane:\n{text}"
    );
}

#[test]
fn ten_thousand_messages_keep_state_bounded() {
    let log = cipherlab::logging::LogRing::default();
    let mut app = known(
        Mode::Server,
        Scheme::Hmac,
        cipherlab::crypto::KeyExchange::Psk,
        log,
        cipherlab::tui::Theme { mono: false },
    );
    let cipher = cipherlab::crypto::Cipher::new(&scenario::fixed_key(Scheme::Hmac));
    let big = vec![b'x'; 60 * 1024];
    for i in 0..10_000u64 {
        let peer = Peer {
            id: i % 300,
            addr: ([127, 0, 0, 1], 40_000 + (i % 300) as u16).into(),
        };
        if i < 300 {
            app.on_net(
                0,
                Role::Server,
                Event::Connected {
                    peer,
                    name: format!("c{i}"),
                    scheme: Scheme::Hmac,
                    listed_as: None,
                },
            );
        }
        let wire = Bytes::from(
            cipher
                .seal(if i % 10 == 0 { &big } else { b"small" })
                .unwrap(),
        );
        let opened = cipher.open(&wire);
        app.on_net(
            0,
            Role::Server,
            Event::Received {
                peer,
                seq: i,
                sealed: wire,
                opened,
            },
        );
        if i % 500 == 0 {
            app.settle();
        }
    }
    app.settle();
    assert!(
        app.timeline().journeys().len() <= MAX_JOURNEYS,
        "{}",
        app.timeline().journeys().len()
    );
    assert_eq!(app.timeline().journeys().total(), 10_000);
    assert!(
        app.timeline().journeys().stored_bytes() <= MAX_TOTAL_BYTES,
        "{}",
        app.timeline().journeys().stored_bytes()
    );
    assert!(app.clients().rows().len() <= cipherlab::tui::clients::MAX_CLIENTS_SHOWN);
    assert!(matches!(
        app.current().and_then(|j| j.verdict()),
        Some(Verdict::Authentic)
    ));
    // And it still draws.
    assert!(screen_text(&draw(&app, 120, 36)).contains("10000"));
}

#[test]
fn wire_keys_ask_the_man_in_the_middle_to_hold_forward_tamper_and_drop() {
    use cipherlab::net::{Direction, MitmCommand};
    use cipherlab::tui::state::Request;
    use cipherlab::wire::Frame;
    let mut app = scenario::demo(Scheme::Cbc);
    app.focus_on(Focus::Wire);
    app.apply(Action::ToggleIntercept);
    assert_eq!(
        app.take_requests(),
        [Request::Mitm(MitmCommand::Intercept(true))]
    );
    let peer = peer_at(50_412);
    for (hold, seq) in [(7, 10), (8, 11), (9, 12)] {
        let frame = Frame::Data {
            seq,
            sealed: Bytes::from(vec![0u8; 48]),
        };
        app.on_net(
            0,
            Role::Mitm,
            Event::Intercepted {
                peer,
                direction: Direction::ToServer,
                frame,
                fate: cipherlab::net::Fate::Held(hold),
            },
        );
    }
    assert!(screen_text(&draw(&app, 140, 42)).contains("intercept ON: 3 held"));
    app.apply(Action::Forward);
    app.apply(Action::DropHeld);
    app.apply(Action::TamperMenu);
    let text = screen_text(&draw(&app, 140, 42));
    assert!(
        text.contains("Tamper — held message #12") && text.contains("ok: flip:16:0"),
        "{text}"
    );
    app.on_terminal(&ratatui::crossterm::event::Event::Key(
        ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Right,
            ratatui::crossterm::event::KeyModifiers::NONE,
        ),
    ));
    app.on_terminal(&ratatui::crossterm::event::Event::Key(
        ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Enter,
            ratatui::crossterm::event::KeyModifiers::NONE,
        ),
    ));
    let flip = "flip:17:0".parse().unwrap();
    assert_eq!(
        app.take_requests(),
        [
            Request::Mitm(MitmCommand::Release {
                peer: 1,
                hold: 7,
                tamper: None
            }),
            Request::Mitm(MitmCommand::Release {
                peer: 1,
                hold: 8,
                tamper: Some(cipherlab::crypto::Tamper::Drop)
            }),
            Request::Mitm(MitmCommand::Release {
                peer: 1,
                hold: 9,
                tamper: Some(flip)
            }),
        ]
    );
}

#[test]
fn the_server_operator_replies_to_the_selected_client() {
    use cipherlab::tui::state::Request;
    let mut app = scenario::server(Scheme::Fernet);
    app.focus_on(Focus::Clients);
    app.apply(Action::Home);
    app.apply(Action::Down);
    app.apply(Action::Edit);
    for c in "see you".chars() {
        let key = ratatui::crossterm::event::KeyEvent::new(
            ratatui::crossterm::event::KeyCode::Char(c),
            ratatui::crossterm::event::KeyModifiers::NONE,
        );
        app.on_terminal(&ratatui::crossterm::event::Event::Key(key));
    }
    app.apply(Action::Send);
    let to = app.clients().rows()[1].peer.id;
    assert_eq!(
        app.take_requests(),
        [Request::Send {
            role: Role::Server,
            to: Some(to),
            plaintext: Bytes::from("see you")
        }]
    );
}

#[test]
fn freezing_keeps_the_selection_while_messages_arrive() {
    let mut app = scenario::client(Scheme::Ecb);
    app.apply(Action::Freeze);
    let frozen_on = app.current().map(|j| j.id);
    let cipher = cipherlab::crypto::Cipher::new(&scenario::fixed_key(Scheme::Ecb));
    let wire = Bytes::from(cipher.seal(b"late news").unwrap());
    let peer = Peer {
        id: 0,
        addr: ([127, 0, 0, 1], 12_345).into(),
    };
    app.on_net(
        0,
        Role::Client,
        Event::Received {
            peer,
            seq: 9,
            sealed: wire.clone(),
            opened: cipher.open(&wire),
        },
    );
    assert_eq!(app.current().map(|j| j.id), frozen_on);
    app.apply(Action::End);
    assert_ne!(
        app.current().map(|j| j.id),
        frozen_on,
        "End follows the latest again"
    );
}

#[test]
fn a_lesson_shows_its_narration() {
    let terminal = draw(&scenario::lesson("ecb-patterns", 3), 140, 46);
    insta::assert_snapshot!("lesson_narration", terminal.backend());
    let text = screen_text(&terminal);
    assert!(
        text.contains("Narration — ECB gives the pattern away · step 4 of 5"),
        "{text}"
    );
    assert!(
        text.contains("attacker: swap:0:1") && text.contains("→ or Space: next step"),
        "{text}"
    );
}

#[test]
fn the_picture_tab_shows_the_padlock_four_ways() {
    let terminal = draw(&scenario::picture(), 140, 30);
    insta::assert_snapshot!("picture", terminal.backend());
    let text = screen_text(&terminal);
    for title in [
        "Plaintext picture",
        "ECB ciphertext",
        "CBC ciphertext",
        "GCM, fixed nonce",
    ] {
        assert!(text.contains(title), "{text}");
    }
}

#[test]
fn lesson_keys_step_forward_and_back() {
    use cipherlab::tui::state::Request;
    let mut app = scenario::lesson("hmac-integrity-not-secrecy", 0);
    app.apply(Action::NextStep);
    let requests = app.take_requests();
    assert!(
        matches!(requests.as_slice(), [Request::Send { plaintext, .. }] if plaintext == "meet at noon by the gate"),
        "{requests:?}"
    );
    app.apply(Action::NextStep);
    let requests = app.take_requests();
    assert!(
        matches!(
            requests.as_slice(),
            [Request::Mitm(cipherlab::net::MitmCommand::Arm(_))]
        ),
        "the tamper is armed, and the message waits: {requests:?}"
    );
    // Only once the man in the middle confirms does the message go.
    let action = "flip:4:0".parse().unwrap();
    app.on_net(app.generation(), Role::Mitm, Event::Armed { action });
    let requests = app.take_requests();
    assert!(
        matches!(requests.as_slice(), [Request::Send { .. }]),
        "{requests:?}"
    );
    app.apply(Action::PrevStep);
    assert!(
        app.take_requests().is_empty(),
        "going back only shows the narration again"
    );
    assert_eq!(app.lesson().unwrap().shown, 1);
}

#[test]
fn a_client_and_a_man_in_the_middle_show_the_session_the_handshake_set() {
    use cipherlab::crypto::KeyExchange;
    use cipherlab::crypto::{Key, KeySource};
    use cipherlab::logging::LogRing;
    use cipherlab::net::Direction;
    use cipherlab::tui::Theme;
    use cipherlab::wire::{Frame, Welcome};
    let peer = peer_at(23_490);
    let theme = Theme::from_env();

    // Started without --scheme, the client learns hmac and psk from the server.
    let mut client = known(
        Mode::Client,
        Scheme::Fernet,
        KeyExchange::Send,
        LogRing::default(),
        theme,
    );
    let connected = Event::Connected {
        peer,
        name: "server".into(),
        scheme: Scheme::Hmac,
        listed_as: None,
    };
    client.on_net(0, Role::Client, connected);
    let key = Key::parse(Scheme::Hmac, "text:k").unwrap();
    client.on_net(
        0,
        Role::Client,
        Event::Key {
            key,
            source: KeySource::PreShared,
            exchange: KeyExchange::Psk,
        },
    );
    let text = screen_text(&draw(&client, 120, 36));
    assert!(text.contains("client · hmac · pre-shared key"), "{text}");
    assert!(!text.contains("in the clear"), "{text}");

    // The man in the middle reads the session off the server's WELCOME, and the verdicts
    // going back fill its History.
    let mut mitm = known(
        Mode::Mitm,
        Scheme::Fernet,
        KeyExchange::Send,
        LogRing::default(),
        theme,
    );
    let welcome = Frame::Welcome(Welcome {
        scheme: Scheme::Cbc,
        key_exchange: KeyExchange::Psk,
        key: None,
        agreement: None,
        name: None,
    });
    let frames = [
        (Direction::ToClient, welcome),
        (
            Direction::ToServer,
            Frame::Data {
                seq: 1,
                sealed: Bytes::from(vec![7u8; 32]),
            },
        ),
        (
            Direction::ToClient,
            Frame::Verdict {
                seq: 1,
                verdict: Verdict::Unauthenticated,
            },
        ),
    ];
    for (direction, frame) in frames {
        let event = Event::Intercepted {
            peer,
            direction,
            frame,
            fate: cipherlab::net::Fate::Forwarded,
        };
        mitm.on_net(0, Role::Mitm, event);
    }
    let text = screen_text(&draw(&mitm, 120, 36));
    assert!(text.contains("mitm · cbc · pre-shared key"), "{text}");
    assert!(
        text.lines()
            .any(|l| l.contains("#1") && l.contains("unauthenticated")),
        "the server's verdict reaches the History row:\n{text}"
    );
}

#[test]
fn the_tamper_form_refuses_an_offset_past_the_held_message() {
    use cipherlab::net::MitmCommand;
    use cipherlab::tui::state::Request;
    use cipherlab::tui::ui::Popup;
    use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};
    let mut app = scenario::demo(Scheme::Ecb);
    hold_one(&mut app);
    app.apply(Action::TamperMenu);
    type_text(&mut app, "flip:99:0");
    assert_eq!(form_text(&app), "flip:99:0");
    let enter = TermEvent::Key(KeyEvent::new(KeyCode::Enter, KeyModifiers::NONE));
    let text = screen_text(&draw(&app, 140, 42));
    assert!(
        text.contains("byte 99") && !text.contains("ok: flip:99:0"),
        "{text}"
    );
    app.on_terminal(&enter);
    assert!(app.take_requests().is_empty(), "nothing is released");
    assert!(
        matches!(app.ui().popup(), Some(Popup::Tamper(_))),
        "the form stays open"
    );
    // In range, the same form releases the message with the action.
    type_text(&mut app, "flip:31:0");
    app.on_terminal(&enter);
    assert_eq!(
        app.take_requests(),
        [Request::Mitm(MitmCommand::Release {
            peer: 1,
            hold: 3,
            tamper: Some("flip:31:0".parse().unwrap())
        })]
    );
}

#[test]
fn a_lesson_at_80_by_24_still_shows_the_ciphertext() {
    let app = scenario::lesson("ecb-patterns", 3);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(text.contains("Narration"), "{text}");
    assert_eq!(
        text.matches("Ciphertext").count(),
        2,
        "the client's and the server's Ciphertext panes:\n{text}"
    );
}

/// Holds one 32-byte client message (seq 5, hold 3) in the man in the middle's seat.
fn hold_one(app: &mut App) {
    use cipherlab::net::Direction;
    use cipherlab::wire::Frame;
    let peer = peer_at(50_412);
    let frame = Frame::Data {
        seq: 5,
        sealed: Bytes::from(vec![0u8; 32]),
    };
    let held = Event::Intercepted {
        peer,
        direction: Direction::ToServer,
        frame,
        fate: cipherlab::net::Fate::Held(3),
    };
    app.on_net(0, Role::Mitm, held);
}

fn press(app: &mut App, code: ratatui::crossterm::event::KeyCode) {
    use ratatui::crossterm::event::{Event as TermEvent, KeyEvent, KeyModifiers};
    app.on_terminal(&TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

#[test]
fn switching_intercept_off_releases_what_was_held() {
    use cipherlab::net::MitmCommand;
    use cipherlab::tui::state::Request;
    let mut app = scenario::demo(Scheme::Ecb);
    app.apply(Action::ToggleIntercept);
    hold_one(&mut app);
    app.apply(Action::ToggleIntercept);
    assert_eq!(
        app.take_requests(),
        [
            Request::Mitm(MitmCommand::Intercept(true)),
            Request::Mitm(MitmCommand::Intercept(false))
        ]
    );
    // The tamper form now arms the next message instead of naming the released one.
    app.apply(Action::TamperMenu);
    let text = screen_text(&draw(&app, 140, 42));
    assert!(
        text.contains("Tamper — arms the next client message") && !text.contains("held by"),
        "{text}"
    );
}

#[test]
fn the_tamper_form_refuses_a_paste_of_a_missing_block() {
    let mut app = scenario::demo(Scheme::Ecb);
    hold_one(&mut app);
    app.apply(Action::TamperMenu);
    type_text(&mut app, "paste:5");
    assert_eq!(form_text(&app), "paste:5");
    let text = screen_text(&draw(&app, 140, 42));
    assert!(
        text.contains("block 5") && !text.contains("ok: paste:5"),
        "{text}"
    );
    press(&mut app, ratatui::crossterm::event::KeyCode::Enter);
    assert!(app.take_requests().is_empty(), "nothing is released");
}

#[test]
fn the_byte_cursor_stops_at_the_last_byte_of_the_held_message() {
    let mut app = scenario::demo(Scheme::Ecb);
    hold_one(&mut app);
    app.apply(Action::TamperMenu);
    for _ in 0..40 {
        press(&mut app, ratatui::crossterm::event::KeyCode::Right);
    }
    assert_eq!(form_text(&app), "flip:31:0");
}

#[test]
fn a_long_verdict_wraps_inside_the_verification_pane() {
    use cipherlab::crypto::KeyExchange;
    use cipherlab::tui::scenario::Script;
    use cipherlab::tui::state::Tab;
    let app = Script::new(Mode::Demo, Scheme::Hmac, KeyExchange::Psk)
        .message(
            "integrity, not secrecy",
            Some(cipherlab::crypto::Tamper::Truncate),
        )
        .finish(Tab::Lab);
    for (width, height) in [(120, 36), (80, 24)] {
        let text = screen_text(&draw(&app, width, height));
        let rows: Vec<&str> = text.lines().collect();
        let at = rows
            .iter()
            .position(|r| r.contains("✘ rejected: length"))
            .unwrap_or_else(|| panic!("no verdict at {width}x{height}:\n{text}"));
        // The Client column's right border is intact on the verdict's row, and the reason's
        // last words follow on the next row rather than running under the border.
        let row = rows[at].trim_matches('"');
        let column = rows[at - 1]
            .trim_matches('"')
            .chars()
            .position(|c| c == '┐')
            .map_or(0, |p| p + 1);
        let client_column: String = row.chars().take(column).collect();
        assert!(
            client_column.trim_end().ends_with('│'),
            "{width}x{height}:\n{text}"
        );
        let below: String = rows[at + 1]
            .trim_matches('"')
            .chars()
            .take(column)
            .collect();
        if height >= 36 {
            assert!(below.contains(" message "), "{width}x{height}:\n{text}");
        } else {
            // One row only: the reason ends in … and the border below is untouched.
            assert!(row.contains('…'), "{width}x{height}:\n{text}");
            assert!(
                below.trim_end().chars().all(|c| "└─┘".contains(c)),
                "{width}x{height}:\n{text}"
            );
        }
    }
}

#[test]
fn a_client_keeps_its_text_when_the_server_has_gone() {
    let mut app = scenario::client(Scheme::Ecb);
    let peer = peer_at(12_345);
    let gone = Event::Disconnected {
        peer,
        reason: "peer said BYE: server shutting down".to_owned(),
        unanswered: 0,
    };
    app.on_net(0, Role::Client, gone);
    type_text(&mut app, "after the server left");
    app.apply(Action::Send);
    assert!(app.take_requests().is_empty(), "nothing is sent");
    assert_eq!(app.typed(), "after the server left");
    let text = screen_text(&draw(&app, 120, 36));
    assert!(text.contains("not connected"), "{text}");
}

#[test]
fn a_replayed_attack_says_the_key_was_redacted_not_that_it_stayed_off_the_wire() {
    use cipherlab::crypto::KeyExchange;
    let theme = cipherlab::tui::theme::Theme { mono: true };
    let log = cipherlab::logging::LogRing::default();
    let replay = session(Mode::Mitm, Scheme::Ecb, KeyExchange::Send).replaying(true, 0);
    let app = App::new(replay, log.clone(), theme);
    let text = screen_text(&draw(&app, 120, 36));
    assert!(
        text.contains("redacted in the recording") && !text.contains("never crossed"),
        "{text}"
    );
    // Under a pre-shared key the attacker really had no key, redacted or not.
    let replay = session(Mode::Mitm, Scheme::Ecb, KeyExchange::Psk).replaying(true, 0);
    let app = App::new(replay, log, theme);
    let text = screen_text(&draw(&app, 120, 36));
    assert!(text.contains("no key: it never crossed the wire"), "{text}");
}

#[test]
fn a_man_in_the_middle_does_not_guess_the_scheme_before_the_handshake() {
    let mut app = awaiting(Mode::Mitm, Scheme::Fernet);
    let text = screen_text(&draw(&app, 120, 36));
    assert!(
        text.contains("mitm · waiting for the handshake")
            && !text.contains("fernet")
            && !text.contains("never crossed"),
        "{text}"
    );
    let peer = peer_at(50_412);
    let connected = Event::Connected {
        peer,
        name: "alice".to_owned(),
        scheme: Scheme::Hmac,
        listed_as: None,
    };
    app.on_net(0, Role::Mitm, connected);
    let text = screen_text(&draw(&app, 120, 36));
    assert!(text.contains("mitm · hmac"), "{text}");
}

#[test]
fn a_refused_client_says_no_handshake_happened() {
    let mut app = awaiting(Mode::Client, Scheme::Ecb);
    let peer = peer_at(12_345);
    let refused = Event::Disconnected {
        peer,
        reason: "the server refused the connection: scheme mismatch".to_owned(),
        unanswered: 0,
    };
    app.on_net(0, Role::Client, refused);
    let text = screen_text(&draw(&app, 120, 36));
    assert!(
        text.contains("closed before the handshake") && !text.contains("key sent in the clear"),
        "{text}"
    );
}

#[test]
fn the_wire_column_says_when_the_attacker_has_read_the_key() {
    use cipherlab::crypto::KeyExchange;
    use cipherlab::crypto::KeySource;
    let theme = cipherlab::tui::theme::Theme { mono: true };
    let log = cipherlab::logging::LogRing::default();
    let mut app = known(Mode::Demo, Scheme::Fernet, KeyExchange::Send, log, theme);
    let quiet = screen_text(&draw(&app, 120, 36));
    assert!(!quiet.contains("key read off the wire"), "{quiet}");
    let read = Event::Key {
        key: scenario::fixed_key(Scheme::Fernet),
        source: KeySource::ReceivedInClear,
        exchange: KeyExchange::Send,
    };
    app.on_net(0, Role::Mitm, read);
    let text = screen_text(&draw(&app, 120, 36));
    assert!(text.contains("key read off the wire"), "{text}");
}

#[test]
fn a_long_narration_is_whole_at_80_by_24() {
    let app = scenario::lesson("key-on-the-wire", 4);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        text.contains("need authentication too.)") && text.contains("→ or Space: next step"),
        "{text}"
    );
    assert!(text.contains("┌Ciphertext"), "{text}");
}

#[test]
fn an_injected_replay_is_not_shown_as_the_clients_own() {
    use cipherlab::crypto::{Cipher, OpenOptions, Tamper};
    use cipherlab::net::INJECTED_SEQ;
    let mut app = scenario::demo(Scheme::Fernet);
    let peer = peer_at(50_412);
    let earlier = Bytes::from_static(b"an earlier token, sent again");
    let replayed = Event::Tampered {
        peer,
        seq: 2,
        action: Tamper::Replay,
        sealed: earlier.clone(),
    };
    app.on_net(0, Role::Mitm, replayed);
    let opened = Cipher::new(&scenario::fixed_key(Scheme::Fernet)).open_with(
        &earlier,
        &OpenOptions {
            now: 1_700_000_000,
            ttl: None,
        },
    );
    let arrived = Event::Received {
        peer,
        seq: INJECTED_SEQ,
        sealed: earlier,
        opened,
    };
    app.on_net(0, Role::Server, arrived);
    app.settle();
    let text = screen_text(&draw(&app, 140, 42));
    // The Client column does not claim the replay's verdict, and #2, which the attacker
    // forwarded untouched before replaying, is not marked as changed.
    assert!(text.contains("not sent from here"), "{text}");
    assert!(text.contains("⟲ replay"), "{text}");
    let row_two = text
        .lines()
        .find(|l| l.contains("→ #2"))
        .unwrap_or_default();
    assert!(!row_two.contains('✎'), "{text}");
}

#[test]
fn a_dropped_message_says_so_instead_of_waiting_for_ever() {
    use cipherlab::crypto::Tamper;
    let mut app = scenario::demo(Scheme::Cbc);
    let peer = peer_at(50_412);
    let client = peer_at(12_345);
    let sent = Event::Sent {
        peer: client,
        seq: 4,
        plaintext: Bytes::from_static(b"drop me"),
        sealed: Bytes::from(vec![7u8; 32]),
    };
    app.on_net(0, Role::Client, sent);
    let dropped = Event::Tampered {
        peer,
        seq: 4,
        action: Tamper::Drop,
        sealed: Bytes::new(),
    };
    app.on_net(0, Role::Mitm, dropped);
    let text = screen_text(&draw(&app, 140, 42));
    let row = text
        .lines()
        .find(|l| l.contains("→ #4"))
        .unwrap_or_default();
    assert!(row.contains("dropped"), "{text}");
    assert!(text.contains("dropped by the man in the middle"), "{text}");
}

#[test]
fn a_replay_says_where_the_playback_stands() {
    let replay = session(
        Mode::Server,
        Scheme::Ecb,
        cipherlab::crypto::KeyExchange::Psk,
    )
    .replaying(false, 10);
    let theme = cipherlab::tui::Theme { mono: true };
    let mut app = App::new(replay, cipherlab::logging::LogRing::default(), theme);
    for _ in 0..3 {
        app.played_one();
    }
    let text = screen_text(&draw(&app, 120, 36));
    assert!(text.contains("replay: 3 of 10 events"), "{text}");
    for _ in 3..10 {
        app.played_one();
    }
    let text = screen_text(&draw(&app, 120, 36));
    assert!(text.contains("replay finished: 10 events played"), "{text}");
}

#[test]
fn going_back_in_a_lesson_shows_that_steps_message_again() {
    let mut app = scenario::lesson("hmac-integrity-not-secrecy", 0);
    let server = peer_at(12_345);
    let sent = |app: &mut App, seq: u64, text: &'static str| {
        let event = Event::Sent {
            peer: server,
            seq,
            plaintext: Bytes::from_static(text.as_bytes()),
            sealed: Bytes::from_static(text.as_bytes()),
        };
        app.on_net(app.generation(), Role::Client, event);
    };
    app.apply(Action::NextStep);
    sent(&mut app, 10, "meet at noon by the gate");
    app.apply(Action::NextStep);
    let action = "flip:4:0".parse().unwrap();
    app.on_net(app.generation(), Role::Mitm, Event::Armed { action });
    sent(&mut app, 11, "the step's second message");
    let plaintext = |app: &App| {
        app.current()
            .and_then(|j| j.plaintext.clone())
            .unwrap()
            .bytes
    };
    assert_eq!(plaintext(&app), "the step's second message");
    app.apply(Action::PrevStep);
    assert_eq!(plaintext(&app), "meet at noon by the gate");
    // Forward again to the newest step: the panes follow the newest message.
    app.apply(Action::NextStep);
    assert_eq!(app.timeline().selected(), None);
    assert_eq!(plaintext(&app), "the step's second message");
}

#[test]
fn the_help_popup_takes_every_key_until_it_closes() {
    use ratatui::crossterm::event::KeyCode;
    let mut app = scenario::demo(Scheme::Fernet);
    press(&mut app, KeyCode::Char('i'));
    assert!(app.context().typing, "i starts typing");
    press(&mut app, KeyCode::F(1));
    assert!(app.ui().popup().is_some(), "F1 opens help while typing");
    let focus = app.ui().focus();
    press(&mut app, KeyCode::Char('a'));
    press(&mut app, KeyCode::Tab);
    press(&mut app, KeyCode::Enter);
    assert_eq!(
        app.typed(),
        "",
        "nothing reached the editor behind the popup"
    );
    assert_eq!(
        app.ui().focus(),
        focus,
        "Tab did not move the focus under it"
    );
    assert!(app.take_requests().is_empty());
    assert!(!app.wants_quit());
    press(&mut app, KeyCode::Esc);
    assert!(app.ui().popup().is_none(), "Esc closes it");
    press(&mut app, KeyCode::Char('a'));
    assert_eq!(app.typed(), "a", "typing works again once it is closed");
}

#[test]
fn the_footer_keeps_a_help_hint_while_typing() {
    let mut app = scenario::demo(Scheme::Fernet);
    app.apply(Action::Edit);
    assert!(app.context().typing);
    let text = screen_text(&draw(&app, 140, 42));
    let footer = text.lines().last().unwrap_or_default();
    assert!(footer.contains("F1 help"), "{footer}");
}

#[test]
fn the_first_keys_are_commands_and_stay_commands_after_a_restart() {
    use cipherlab::tui::state::Request;
    use ratatui::crossterm::event::KeyCode;
    let restarts = |app: &mut App| {
        app.take_requests()
            .into_iter()
            .filter_map(|r| match r {
                Request::Restart { options, .. } => Some(options.scheme),
                _ => None,
            })
            .collect::<Vec<_>>()
    };
    for mode in [Mode::Demo, Mode::Client] {
        let app = match mode {
            Mode::Demo => scenario::demo(Scheme::Fernet),
            _ => scenario::client(Scheme::Fernet),
        };
        assert!(
            !app.context().typing,
            "{mode:?} starts with keys as commands"
        );
        let footer = screen_text(&draw(&app, 80, 24));
        let footer = footer.lines().last().unwrap_or_default();
        assert!(
            footer.contains("q quit") && footer.contains("?/F1 help") && footer.contains("i type"),
            "{mode:?}: {footer}"
        );
    }
    let mut app = scenario::demo(Scheme::Fernet);
    press(&mut app, KeyCode::Char('?'));
    assert!(app.ui().popup().is_some(), "the first ? opens help");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('1'));
    press(&mut app, KeyCode::Char('3'));
    assert_eq!(
        restarts(&mut app),
        [Scheme::Ecb, Scheme::Fernet],
        "1 then 3: both are scheme keys, before and after the restart"
    );
    assert_eq!(app.typed(), "");
    // Typing is chosen, and the footer says it is on.
    press(&mut app, KeyCode::Char('i'));
    press(&mut app, KeyCode::Char('q'));
    assert_eq!(app.typed(), "q");
    assert!(!app.wants_quit());
    let text = screen_text(&draw(&app, 80, 24));
    let footer = text.lines().last().unwrap_or_default();
    assert!(
        footer.contains("TYPING") && footer.contains("Esc commands"),
        "{footer}"
    );
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char('q'));
    assert!(app.wants_quit());
}

#[test]
fn a_scheme_key_keeps_the_key_exchange_and_e_cycles_it() {
    use cipherlab::crypto::KeyExchange;
    use cipherlab::tui::state::Request;
    let mut app = scenario::demo(Scheme::Fernet);
    let restart = |app: &mut App, action: Action| {
        app.apply(action);
        app.take_requests()
            .into_iter()
            .find_map(|r| match r {
                Request::Restart { options, .. } => Some((options.scheme, options.exchange)),
                _ => None,
            })
            .unwrap()
    };
    assert_eq!(
        restart(&mut app, Action::CycleExchange),
        (Scheme::Fernet, KeyExchange::Psk)
    );
    assert_eq!(
        restart(&mut app, Action::CycleExchange),
        (Scheme::Fernet, KeyExchange::X25519)
    );
    assert_eq!(
        restart(&mut app, Action::PickScheme(Scheme::Ecb)),
        (Scheme::Ecb, KeyExchange::X25519),
        "x25519 stays x25519 under another scheme"
    );
    assert!(
        screen_text(&draw(&app, 120, 36)).contains("demo · ecb · key agreed (x25519)"),
        "the header says so at once"
    );
    assert_eq!(
        restart(&mut app, Action::CycleExchange),
        (Scheme::Ecb, KeyExchange::Send)
    );
    // The e key is the screen's way to choose it, in the demo only.
    use ratatui::crossterm::event::KeyCode;
    press(&mut app, KeyCode::Char('e'));
    assert!(matches!(
        app.take_requests().as_slice(),
        [Request::Restart { options, .. }] if options.exchange == KeyExchange::Psk
    ));
    let mut client = scenario::client(Scheme::Fernet);
    press(&mut client, KeyCode::Char('e'));
    assert!(client.take_requests().is_empty(), "a client cannot choose");
}

// ----- The screen as a presenter meets it (issue 13) ------------------------------------------

/// The columns of row `y`'s cells whose symbol is `symbol`.
fn columns_of(terminal: &Terminal<TestBackend>, y: u16, symbol: &str) -> Vec<u16> {
    let buffer = terminal.backend().buffer();
    (0..buffer.area.width)
        .filter(|&x| buffer[(x, y)].symbol() == symbol)
        .collect()
}

#[test]
fn a_stale_error_clears_once_a_later_action_succeeds() {
    let mut app = scenario::demo(Scheme::Cbc);
    app.focus_on(Focus::Wire);
    app.apply(Action::Forward);
    assert!(
        screen_text(&draw(&app, 140, 42)).contains("no message is held"),
        "forwarding with nothing held says why"
    );
    app.apply(Action::ToggleIntercept);
    assert_eq!(app.ui().error(), None);
    assert!(!screen_text(&draw(&app, 140, 42)).contains("no message is held"));
    // A tamper form that refused an action, then took a good one, leaves no refusal behind.
    hold_one(&mut app);
    app.apply(Action::TamperMenu);
    type_text(&mut app, "paste:5");
    press(&mut app, ratatui::crossterm::event::KeyCode::Enter);
    assert!(app.ui().error().is_some(), "paste:5 is refused");
    type_text(&mut app, "flip:16:0");
    press(&mut app, ratatui::crossterm::event::KeyCode::Enter);
    assert!(app.ui().popup().is_none());
    assert_eq!(app.ui().error(), None);
}

#[test]
fn an_emoji_in_a_message_keeps_the_history_border_and_verdict_in_place() {
    use cipherlab::crypto::KeyExchange;
    use cipherlab::tui::scenario::Script;
    use cipherlab::tui::state::Tab;
    let app = Script::new(Mode::Client, Scheme::Hmac, KeyExchange::Psk)
        .message("thumbs 👍👍 up ❤️ 漢字 and a long tail of words", None)
        .message("plain", None)
        .finish(Tab::Lab);
    for (width, height) in [(80, 24), (120, 36)] {
        let terminal = draw(&app, width, height);
        let text = screen_text(&terminal);
        let rows: Vec<&str> = text.lines().collect();
        let top = rows.iter().position(|r| r.contains("┌History")).unwrap() as u16;
        let right = *columns_of(&terminal, top, "┐").last().unwrap();
        for y in [top + 1, top + 2] {
            assert!(
                columns_of(&terminal, y, "│").contains(&right),
                "{width}x{height}: the border moved on row {y}:\n{text}"
            );
            assert!(
                rows[y as usize].contains("authentic │"),
                "{width}x{height}: the verdict is whole on row {y}:\n{text}"
            );
        }
    }
}

#[test]
fn the_frames_list_says_held_as_everything_else_does() {
    let mut app = scenario::demo(Scheme::Ecb);
    app.apply(Action::ToggleIntercept);
    hold_one(&mut app);
    let text = screen_text(&draw(&app, 140, 42));
    assert!(text.contains("seq 5, 32 bytes (held)"), "{text}");
    assert!(!text.contains("kept back"), "{text}");
}

#[test]
fn backslash_zooms_the_focused_pane_to_the_whole_screen_and_back() {
    use ratatui::crossterm::event::KeyCode;
    let mut app = scenario::demo(Scheme::Ecb);
    app.focus_on(Focus::Wire);
    press(&mut app, KeyCode::Char('\\'));
    let terminal = draw(&app, 80, 24);
    insta::assert_snapshot!("zoomed_wire_80x24", terminal.backend());
    let text = screen_text(&terminal);
    let rows: Vec<&str> = text.lines().collect();
    assert!(
        rows[1].starts_with("\"┌Wire"),
        "the Wire pane fills the body:\n{text}"
    );
    assert!(
        !text.contains("Key─") && !text.contains("┌History"),
        "{text}"
    );
    assert!(text.contains("ZOOM"), "the header says so:\n{text}");
    // The zoom follows the focus, and Esc (or \\ again) puts every pane back.
    press(&mut app, KeyCode::BackTab);
    let text = screen_text(&draw(&app, 200, 50));
    assert!(
        text.lines().nth(1).unwrap().starts_with("\"┌Ciphertext"),
        "{text}"
    );
    press(&mut app, KeyCode::Esc);
    let text = screen_text(&draw(&app, 80, 24));
    assert!(
        text.contains("Key─") && text.contains("┌Wire") && !text.contains("ZOOM"),
        "{text}"
    );
    press(&mut app, KeyCode::Char('\\'));
    press(&mut app, KeyCode::Char('\\'));
    assert!(screen_text(&draw(&app, 80, 24)).contains("Key─"));
}

#[test]
fn hidden_keys_appear_nowhere_on_screen_and_the_key_panes_say_so() {
    use cipherlab::crypto::KeyExchange;
    use cipherlab::tui::scenario::Script;
    use cipherlab::tui::state::{KeyDisplay, Tab};
    // Fernet with the key sent in the clear: the key is in both Key panes and in the WELCOME
    // frame the Wire pane lists; an hmac text key with a quote in it, as JSON escapes it.
    for scheme in [Scheme::Fernet, Scheme::Hmac] {
        for mode in [Mode::Demo, Mode::Mitm] {
            let app = Script::new(mode, scheme, KeyExchange::Send)
                .message("hello, lab", None)
                .finish(Tab::Lab);
            let key = scenario::fixed_key(scheme).to_text().to_string();
            let shown = screen_text(&draw(&app, 200, 50));
            assert!(
                shown.contains(&key),
                "{scheme} {mode:?}: shown at first:\n{shown}"
            );
            let app = app.showing_keys(KeyDisplay::Hidden);
            let text = screen_text(&draw(&app, 200, 50));
            assert!(
                !text.contains(&key),
                "{scheme} {mode:?}: the key is hidden:\n{text}"
            );
            assert!(
                text.contains("Key — hidden") && text.contains("‹hidden: h shows it›"),
                "{scheme} {mode:?}: the Key pane says so:\n{text}"
            );
            // The mitm's Wire pane is wide enough to show the WELCOME's JSON whole.
            assert!(
                mode == Mode::Demo || text.contains("\"key\":\"‹hidden›\""),
                "{scheme} {mode:?}: the WELCOME line hides it:\n{text}"
            );
            assert!(
                text.contains(&scenario::fixed_key(scheme).fingerprint()),
                "the fingerprint still shows, to compare keys:\n{text}"
            );
        }
    }
    // h shows it again, and hides it once more.
    let mut app = scenario::demo(Scheme::Ecb).showing_keys(KeyDisplay::Hidden);
    let key = scenario::fixed_key(Scheme::Ecb).to_text().to_string();
    app.apply(Action::HideKeys);
    assert!(screen_text(&draw(&app, 140, 42)).contains(&key));
    press(&mut app, ratatui::crossterm::event::KeyCode::Char('h'));
    let terminal = draw(&app, 80, 24);
    insta::assert_snapshot!("hidden_keys_80x24", terminal.backend());
    assert!(!screen_text(&terminal).contains(&key[..12]));
}

#[test]
fn compare_seals_the_text_just_sent_or_being_typed() {
    use ratatui::crossterm::event::KeyCode;
    let mut app = scenario::client(Scheme::Cbc);
    let compared = |app: &App| {
        let text = screen_text(&draw(app, 120, 36));
        text.lines()
            .find(|l| l.contains("Plaintext: "))
            .unwrap_or_default()
            .to_owned()
    };
    press(&mut app, KeyCode::Char(']'));
    assert!(
        compared(&app).contains("Plaintext: see you in class "),
        "nothing typed or sent yet: the message on screen"
    );
    press(&mut app, KeyCode::Char('['));
    type_text(&mut app, "pay bob 10");
    press(&mut app, KeyCode::Enter);
    assert_eq!(app.typed(), "", "sent");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(']'));
    assert!(
        compared(&app).contains("Plaintext: pay bob 10 "),
        "{}",
        compared(&app)
    );
    press(&mut app, KeyCode::Char('['));
    type_text(&mut app, "still typing");
    press(&mut app, KeyCode::Esc);
    press(&mut app, KeyCode::Char(']'));
    assert!(
        compared(&app).contains("Plaintext: still typing   (sealed 1 time"),
        "{}",
        compared(&app)
    );
    // The same text again is not a new text: s seals it again and counts.
    press(&mut app, KeyCode::Char('s'));
    press(&mut app, KeyCode::Char('['));
    press(&mut app, KeyCode::Char(']'));
    assert!(
        compared(&app).contains("(sealed 2 times"),
        "{}",
        compared(&app)
    );
}

// ----- 80×24, the projector's size in many rooms ------------------------------------------

/// The demo's second message (two equal ECB blocks) selected, as a presenter shows it.
fn ecb_blocks() -> App {
    let mut app = scenario::demo(Scheme::Ecb);
    let second = app
        .timeline()
        .journeys()
        .iter()
        .nth(1)
        .map(|j| j.id)
        .unwrap();
    app.select_journey(second);
    app
}

/// Row `y` of the screen, from column `from`, `len` columns long.
fn cells(terminal: &Terminal<TestBackend>, y: u16, from: u16, len: u16) -> String {
    let buffer = terminal.backend().buffer();
    (from..from + len)
        .map(|x| buffer[(x, y)].symbol())
        .collect()
}

#[test]
fn at_80x24_ecbs_equal_blocks_are_both_in_view_on_the_lab_tab() {
    let terminal = draw(&ecb_blocks(), 80, 24);
    insta::assert_snapshot!("demo_ecb_blocks_80x24", terminal.backend());
    let text = screen_text(&terminal);
    let rows: Vec<&str> = text.lines().collect();
    let top = rows.iter().position(|r| r.contains("┌Ciphertext")).unwrap() as u16;
    // The client's Ciphertext pane: block 0 in its first two rows, block 1 in the next two.
    let row = |i: u16| cells(&terminal, top + 1 + i, 1, 22);
    assert!(
        row(0).starts_with("0000 ") && row(3).starts_with("0018 "),
        "{text}"
    );
    assert_eq!(row(0)[5..], row(2)[5..], "block 1 repeats block 0:\n{text}");
    assert_eq!(row(1)[5..], row(3)[5..], "{text}");
    assert!(
        rows[top as usize + 5].contains("■repeat"),
        "the legend, in the border:\n{text}"
    );
}

#[test]
fn at_80x24_the_header_warning_and_the_eavesdropper_line_stay_whole_after_a_tamper() {
    let terminal = draw(&scenario::demo(Scheme::Ecb), 80, 24);
    insta::assert_snapshot!("demo_ecb_tampered_80x24", terminal.backend());
    let text = screen_text(&terminal);
    assert!(
        text.lines().next().unwrap().contains("key in the clear ⚠"),
        "{text}"
    );
    let wire: String = (0..24)
        .map(|y| cells(&terminal, y, 28, 24).trim_end().to_owned())
        .collect::<Vec<_>>()
        .join(" ");
    assert!(wire.contains("✎ swap:0:1"), "{text}");
    assert!(
        wire.contains("eavesdropper reads: pay bob 10 coinspay eve 99 coins"),
        "the whole plaintext the attacker read:\n{text}"
    );
}

#[test]
fn at_80x24_a_held_message_says_how_to_let_it_go_and_cuts_nothing_silently() {
    let mut app = scenario::demo(Scheme::Cbc);
    app.apply(Action::ToggleIntercept);
    // Fixed bytes, so that the snapshot does not change with a random IV.
    let wire = Bytes::from((0u8..32).collect::<Vec<u8>>());
    app.on_net(
        0,
        Role::Client,
        Event::Sent {
            peer: peer_at(12_345),
            seq: 4,
            plaintext: Bytes::from_static(b"hold me"),
            sealed: wire.clone(),
        },
    );
    app.on_net(
        0,
        Role::Mitm,
        Event::Intercepted {
            peer: peer_at(50_412),
            direction: cipherlab::net::Direction::ToServer,
            frame: cipherlab::wire::Frame::Data {
                seq: 4,
                sealed: wire,
            },
            fate: cipherlab::net::Fate::Held(1),
        },
    );
    let terminal = draw(&app, 80, 24);
    insta::assert_snapshot!("demo_held_80x24", terminal.backend());
    let text = screen_text(&terminal);
    assert!(
        text.contains("intercept ON: 1 held") && text.contains("Enter forward, d drop"),
        "{text}"
    );
    assert!(text.contains("held by the attacker…"), "{text}");
    assert!(!text.contains("the mi "), "{text}");
    let footer = text.lines().last().unwrap();
    assert!(footer.contains("Enter forward held"), "{footer}");
}

#[test]
fn at_80x24_a_clients_history_keeps_the_message_text_after_a_tamper() {
    use cipherlab::crypto::{KeyExchange, Tamper};
    use cipherlab::tui::scenario::Script;
    use cipherlab::tui::state::Tab;
    let app = Script::new(Mode::Client, Scheme::Fernet, KeyExchange::Send)
        .message("hi, how are you ?", None)
        .message("pay bob 10 coins", Some(Tamper::Flip { byte: 30, bit: 0 }))
        .finish(Tab::Lab);
    let terminal = draw(&app, 80, 24);
    insta::assert_snapshot!("client_tampered_80x24", terminal.backend());
    let text = screen_text(&terminal);
    let row = text
        .lines()
        .find(|l| l.contains("→ #2"))
        .unwrap_or_default();
    assert!(
        row.contains("pay bob 10 coins") && row.contains("rejected"),
        "{text}"
    );
}

#[tokio::test]
async fn at_80x24_matrix_cells_keep_their_words_whole() {
    let cells = every_cell().await;
    // The words of every cell and every row title (a narrowed title column wraps too).
    let words: std::collections::BTreeSet<String> = cells
        .iter()
        .map(|c| c.outcome.summary.clone())
        .chain(
            cipherlab::net::matrix::Attack::ALL
                .iter()
                .map(|a| a.title().to_owned()),
        )
        .flat_map(|text| {
            text.split_whitespace()
                .map(str::to_owned)
                .collect::<Vec<_>>()
        })
        .collect();
    let terminal = draw(&scenario::matrix(cells), 80, 24);
    insta::assert_snapshot!("matrix_80x24", terminal.backend());
    let text = screen_text(&terminal);
    // The scheme columns start where the header row names the first scheme.
    let header = text
        .lines()
        .find(|l| l.contains("action"))
        .unwrap_or_default();
    let start = header.trim_matches('"').find("ecb").unwrap_or(12);
    for line in text.lines().skip(5).take(16) {
        let cells: String = line.trim_matches('"').chars().skip(start).collect();
        for word in cells.split_whitespace() {
            let word = word.trim_end_matches('…');
            assert!(
                words.iter().any(|w| w == word) || word.is_empty(),
                "{word:?} is not a whole word of any cell:\n{text}"
            );
        }
    }
}

#[test]
fn a_replay_keeps_its_progress_in_view_beside_an_error_the_recording_holds() {
    let replay = session(
        Mode::Demo,
        Scheme::Hmac,
        cipherlab::crypto::KeyExchange::Psk,
    )
    .replaying(false, 2);
    let theme = cipherlab::tui::Theme { mono: true };
    let mut app = App::new(replay, cipherlab::logging::LogRing::default(), theme);
    let error = Event::Error {
        peer: None,
        message: "the server closed the connection without BYE".to_owned(),
    };
    app.on_net(0, Role::Mitm, error);
    app.played_one();
    app.played_one();
    let text = screen_text(&draw(&app, 120, 36));
    let status = text.lines().nth(34).unwrap_or_default();
    assert!(
        status.contains("replay finished: 2 events played")
            && status.contains("⚠ the server closed the connection without BYE"),
        "{status}"
    );
}
