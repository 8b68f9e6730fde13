//! The attacker's seat and the receiver's side on the screen, drawn through TestBackend from
//! deterministic sessions: what the tamper form says a replay will send, how an accepted but
//! unauthenticated message is marked, and which plaintext characters changed in transit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipherlab::crypto::{Scheme, Tamper};
use cipherlab::tui::action::Action;
use cipherlab::tui::scenario::{Script, draw};
use cipherlab::tui::{App, Mode, Tab};
use ratatui::crossterm::event::{Event as TermEvent, KeyCode, KeyEvent, KeyModifiers};

fn press(app: &mut App, code: KeyCode) {
    app.on_terminal(&TermEvent::Key(KeyEvent::new(code, KeyModifiers::NONE)));
}

/// Opens the tamper form and types `action` into it.
fn tamper_form(app: &mut App, action: &str) {
    app.apply(Action::TamperMenu);
    for _ in 0..24 {
        press(app, KeyCode::Backspace);
    }
    for c in action.chars() {
        press(app, KeyCode::Char(c));
    }
}

fn demo(scheme: Scheme) -> Script {
    Script::new(
        Mode::Demo,
        scheme,
        cipherlab::crypto::KeyExchange::default_for(scheme),
    )
}

#[test]
fn the_tamper_form_says_replay_sends_the_last_forwarded_message_not_a_dropped_one() {
    let mut app = demo(Scheme::Hmac)
        .message("pay bob 10", None)
        .message("pay eve 99", None)
        .message("never arrives", Some(Tamper::Drop))
        .finish(Tab::Lab);
    tamper_form(&mut app, "replay");
    let terminal = draw(&app, 140, 42);
    let text = terminal.backend().to_string();
    assert!(
        text.contains("ok: replay sends message #2 again, the last one forwarded"),
        "{text}"
    );
    insta::assert_snapshot!("tamper_form_replay", terminal.backend());
}

#[test]
fn the_tamper_form_says_when_there_is_nothing_to_replay() {
    let mut app = demo(Scheme::Hmac)
        .message("never arrives", Some(Tamper::Drop))
        .finish(Tab::Lab);
    tamper_form(&mut app, "replay");
    let text = draw(&app, 140, 42).backend().to_string();
    assert!(
        text.contains("replay: no client message forwarded yet, nothing to send again"),
        "{text}"
    );
}

/// The cells of `terminal` whose symbols spell `text` on one row: the first match.
fn find(terminal: &ratatui::Terminal<ratatui::backend::TestBackend>, text: &str) -> (u16, u16) {
    let buffer = terminal.backend().buffer();
    let area = buffer.area;
    for y in 0..area.height {
        let row: Vec<&str> = (0..area.width).map(|x| buffer[(x, y)].symbol()).collect();
        let chars: Vec<char> = text.chars().collect();
        for x in 0..row.len().saturating_sub(chars.len()) {
            if chars
                .iter()
                .enumerate()
                .all(|(i, c)| row[x + i] == c.to_string())
            {
                return (x as u16, y);
            }
        }
    }
    panic!("{text:?} is not on the screen:\n{}", terminal.backend());
}

#[test]
fn an_accepted_unauthenticated_message_is_marked_as_such_not_ticked() {
    // The third message had bit 0 of its salt flipped: cbc accepts it, changed.
    let app = cipherlab::tui::scenario::demo(Scheme::Cbc);
    let terminal = draw(&app, 140, 42);
    let text = terminal.backend().to_string();
    assert!(text.contains("⚠ unauthenticated"), "{text}");
    assert!(!text.contains("✔ unauthenticated"), "{text}");
    let hmac = draw(&cipherlab::tui::scenario::demo(Scheme::Fernet), 140, 42);
    assert!(
        hmac.backend().to_string().contains("✘ rejected"),
        "a tag that does not check out"
    );
    let (x, y) = find(&terminal, "⚠ unauthenticated");
    let banner = terminal.backend().buffer()[(x, y)].style();
    assert_eq!(
        banner.bg,
        Some(ratatui::style::Color::Yellow),
        "amber, not green"
    );
    // Without colour it must not look like authentic's reversed banner either.
    let mono = cipherlab::tui::scenario::demo(Scheme::Cbc)
        .with_theme(cipherlab::tui::Theme { mono: true });
    let terminal = draw(&mono, 140, 42);
    let (x, y) = find(&terminal, "⚠ unauthenticated");
    let style = terminal.backend().buffer()[(x, y)].style();
    assert!(
        style
            .add_modifier
            .contains(ratatui::style::Modifier::UNDERLINED)
            && !style
                .add_modifier
                .contains(ratatui::style::Modifier::REVERSED),
        "{style:?}"
    );
}

#[test]
fn the_characters_changed_in_transit_are_lit_on_the_receivers_side() {
    let app = cipherlab::tui::scenario::demo(Scheme::Cbc);
    let terminal = draw(&app, 140, 42);
    // The server received "qay bob…" for "pay bob…": only the q changed.
    let (x, y) = find(&terminal, "received: qay bob 10 coins");
    let at = |dx: u16| terminal.backend().buffer()[(x + dx, y)].style();
    let lit = at("received: ".len() as u16);
    assert_eq!(lit.bg, Some(ratatui::style::Color::LightRed), "{lit:?}");
    let unchanged = at("received: q".len() as u16);
    assert_ne!(unchanged.bg, Some(ratatui::style::Color::LightRed));
    // The sender's own text is not compared with anything.
    let (x, y) = find(&terminal, "sent: pay bob 10 coins");
    let sent = terminal.backend().buffer()[(x + "sent: ".len() as u16, y)].style();
    assert_ne!(sent.bg, Some(ratatui::style::Color::LightRed));
}

#[test]
fn the_tamper_form_takes_xor_rewrite_and_extend_and_says_where_one_does_not_fit() {
    let cases = [
        (
            Scheme::PrefixMac,
            "extend:16:&to=mallory",
            "ok: extend:16:&to=mallory",
        ),
        (Scheme::Cbc, "rewrite:4:bob:eve", "ok: rewrite:4:bob:eve"),
        (Scheme::Cbc, "xor:20:0b", "ok: xor:20:0b"),
        (
            Scheme::Ecb,
            "rewrite:4:bob:eve",
            "refused: no XOR path (ECB)",
        ),
        (
            Scheme::Gcm,
            "extend:16:&to=mallory",
            "extend needs a plaintext message",
        ),
    ];
    for (scheme, action, said) in cases {
        let mut app = demo(scheme).message("pay bob 10", None).finish(Tab::Lab);
        tamper_form(&mut app, action);
        let text = draw(&app, 140, 42).backend().to_string();
        assert!(text.contains(said), "{scheme} {action}: {text}");
    }
}

#[test]
fn an_authentic_prefix_mac_message_still_warns_that_its_tag_is_forgeable() {
    let app = demo(Scheme::PrefixMac)
        .message("amount=10&to=alice", None)
        .finish(Tab::Lab);
    let text = draw(&app, 140, 42).backend().to_string();
    assert!(text.contains("✔ authentic"), "{text}");
    assert!(text.contains("forgeable by length extension"), "{text}");
    // And in the theme's warning colour, not the good one: the words' first cell.
    let terminal = draw(&app, 140, 42);
    let (x, y) = find(&terminal, "forgeable by length extension");
    let cell = &terminal.backend().buffer()[(x, y)];
    let warning = cipherlab::tui::Theme { mono: false }.warning();
    assert_eq!(Some(cell.fg), warning.fg, "{cell:?}");
}
