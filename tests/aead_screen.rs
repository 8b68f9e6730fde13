//! What the screen shows of an AEAD under a repeated nonce, from a real loopback demo (server,
//! man in the middle and client on 127.0.0.1): the Key pane marks `--nonce fixed` in the
//! warning colour, and the Wire pane says the nonce repeated, shows the XOR of the two
//! ciphertexts and what one known plaintext reads. Under `random`, nothing of the kind.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use bytes::Bytes;
use cipherlab::crypto::{KeyExchange, NoncePolicy, Scheme};
use cipherlab::net::{DemoOptions, EVENT_QUEUE, Event, Role, Topology};
use cipherlab::tui::session::{Handshake, SessionView};
use cipherlab::tui::{App, Mode};
use cipherlab::wire::Frame;
use ratatui::Terminal;
use ratatui::backend::TestBackend;
use tokio::sync::mpsc;

fn text(app: &App, width: u16, height: u16) -> String {
    let mut terminal = Terminal::new(TestBackend::new(width, height)).unwrap();
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .unwrap();
    let buffer = terminal.backend().buffer();
    (0..height)
        .map(|y| {
            (0..width)
                .map(|x| buffer[(x, y)].symbol())
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A demo of `scheme` under a pre-shared key, the client sealing by `nonce`, the man in the
/// middle knowing message 1; two messages sent, every event fed to a demo screen.
async fn demo(scheme: Scheme, nonce: NoncePolicy) -> App {
    let options = DemoOptions {
        nonce,
        known: vec![(1, "good morning class, today:".to_owned())],
        ..DemoOptions::new(scheme, KeyExchange::Psk)
    };
    let session = SessionView::new(
        Mode::Demo,
        Handshake::Known {
            scheme,
            exchange: KeyExchange::Psk,
        },
        cipherlab::wire::seed::Protocol::Lab,
    )
    .with_nonce(nonce);
    let theme = cipherlab::tui::Theme { mono: true };
    let mut app = App::new(session, cipherlab::logging::LogRing::default(), theme);
    let (tx, mut rx) = mpsc::channel(EVENT_QUEUE);
    let topology = Topology::demo_with(0, &options, &tx).await.unwrap();
    let mut verdicts = 0;
    let mut sent = false;
    let pumped = tokio::time::timeout(Duration::from_secs(20), async {
        while let Some((generation, role, event)) = rx.recv().await {
            let key = role == Role::Client && matches!(event, Event::Key { .. });
            let verdict = (role == Role::Mitm
                && matches!(
                    event,
                    Event::Intercepted {
                        frame: Frame::Verdict { .. },
                        ..
                    }
                ))
                || (role == Role::Server && matches!(event, Event::Received { .. }));
            app.on_net(generation, role, event);
            if key && !sent {
                sent = true;
                for text in ["good morning class, today:", "the exam moved to friday"] {
                    topology
                        .send(Role::Client, None, Bytes::from_static(text.as_bytes()))
                        .await;
                }
            }
            verdicts += usize::from(verdict);
            // Both messages judged by the server and their verdicts past the man in the middle.
            if verdicts == 4 {
                return;
            }
        }
    })
    .await;
    assert!(pumped.is_ok(), "the demo did not judge both messages");
    topology.shutdown().await;
    app.settle();
    app
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_fixed_nonce_is_marked_and_the_wire_shows_the_xor_and_what_the_keystream_reads() {
    for scheme in [Scheme::Gcm, Scheme::Chacha] {
        let app = demo(scheme, NoncePolicy::Fixed).await;
        let screen = text(&app, 200, 50);
        assert!(
            screen.contains("· ✘ nonce fixed"),
            "{scheme}: the Key pane names the fault\n{screen}"
        );
        assert!(
            screen.contains("✘ nonce reused (as message 1): c ⊕ c' = p ⊕ p' = "),
            "{scheme}: the Wire pane names the repeat and its XOR\n{screen}"
        );
        // The Wire pane wraps its lines: read them as one text.
        let wire: String = screen
            .lines()
            .filter_map(|l| l.split('│').nth(3))
            .map(str::trim_end)
            .collect::<Vec<_>>()
            .join(" ");
        assert!(
            wire.contains("eavesdropper reads (keystream reuse, no key): the exam moved to friday"),
            "{scheme}: and reads the second message\n{wire}"
        );
        // The XOR shown is the XOR of the two plaintexts' first 16 bytes.
        let xor: Vec<u8> = b"good morning cla"
            .iter()
            .zip(b"the exam moved t")
            .map(|(a, b)| a ^ b)
            .collect();
        assert!(screen.contains(&hex::encode(xor)), "{scheme}\n{screen}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_random_nonce_shows_no_repeat_and_reads_nothing() {
    let app = demo(Scheme::Gcm, NoncePolicy::Random).await;
    let screen = text(&app, 200, 50);
    assert!(screen.contains("nonce random"), "{screen}");
    assert!(!screen.contains("nonce reused"), "{screen}");
    assert!(!screen.contains("eavesdropper reads"), "{screen}");
    assert!(
        screen.contains("without the key: only the length"),
        "{screen}"
    );
}
