//! Criterion benches for the screen: one full 200×60 frame (the demo, the Oracle tab), and the work of one second at
//! 20,000 messages per second (apply the events, then draw the 20 frames a second that the
//! render tick allows). `cargo bench --bench screen`.

use std::hint::black_box;

use bytes::Bytes;
use cipherlab::crypto::{Cipher, Scheme};
use cipherlab::net::{Direction, Event, Peer, Role};
use cipherlab::tui::scenario;
use cipherlab::wire::Frame;
use criterion::{Criterion, criterion_group, criterion_main};
use ratatui::Terminal;
use ratatui::backend::TestBackend;

/// Draws `app` as one full 200×60 frame, as `name`.
fn frame(c: &mut Criterion, name: &str, app: &cipherlab::tui::App) {
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|_| unreachable!());
    c.bench_function(name, |b| {
        b.iter(|| {
            terminal
                .draw(|frame| frame.render_widget(black_box(app), frame.area()))
                .map(|_| ())
        })
    });
}

fn draw(c: &mut Criterion) {
    frame(c, "draw demo 200x60", &scenario::demo(Scheme::Fernet));
}

/// The Oracle tab mid-attack: the live view copied and drawn, as each tick does while the
/// attack runs.
fn draw_oracle(c: &mut Criterion) {
    let app = scenario::oracle(Scheme::Cbc, Some(40), 0);
    frame(c, "draw oracle tab 200x60", &app);
}

/// One second of a busy demo: 20,000 messages through client, wire and server, coalesced into
/// 20 draws. Under a second of work means the screen keeps up.
fn flood(c: &mut Criterion) {
    let cipher = Cipher::new(&scenario::fixed_key(Scheme::Fernet));
    let peer = Peer {
        id: 1,
        addr: ([127, 0, 0, 1], 50_000).into(),
    };
    let messages: Vec<(Bytes, Bytes)> = (0..20_000u32)
        .map(|i| {
            let plaintext = Bytes::from(format!("message {i}"));
            let wire = Bytes::from(cipher.seal(&plaintext).unwrap_or_default());
            (plaintext, wire)
        })
        .collect();
    let mut app = scenario::demo(Scheme::Fernet);
    let mut terminal = Terminal::new(TestBackend::new(200, 60)).unwrap_or_else(|_| unreachable!());
    let mut seq = 0u64;
    let mut group = c.benchmark_group("flood");
    group.sample_size(10);
    group.bench_function("one second at 20k msgs/s (events + 20 frames)", |b| {
        b.iter(|| {
            for (i, (plaintext, wire)) in messages.iter().enumerate() {
                seq += 1;
                app.on_net(
                    0,
                    Role::Client,
                    Event::Sent {
                        peer,
                        seq,
                        plaintext: plaintext.clone(),
                        sealed: wire.clone(),
                    },
                );
                let frame = Frame::Data {
                    seq,
                    sealed: wire.clone(),
                };
                app.on_net(
                    0,
                    Role::Mitm,
                    Event::Intercepted {
                        peer,
                        direction: Direction::ToServer,
                        frame,
                        fate: cipherlab::net::Fate::Forwarded,
                    },
                );
                let opened = cipher.open(wire);
                app.on_net(
                    0,
                    Role::Server,
                    Event::Received {
                        peer,
                        seq,
                        sealed: wire.clone(),
                        opened,
                    },
                );
                if i % 1000 == 999 {
                    app.settle();
                    let _ = terminal.draw(|frame| frame.render_widget(&app, frame.area()));
                }
            }
        })
    });
    group.finish();
    eprintln!(
        "after the flood: {} journeys kept, {} bytes",
        app.timeline().journeys().len(),
        app.timeline().journeys().stored_bytes()
    );
}

criterion_group!(benches, draw, draw_oracle, flood);
criterion_main!(benches);
