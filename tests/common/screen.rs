//! Screens fed from real loopback sessions, for tests: a role's events applied to an app
//! until the one awaited.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use cipherlab::net::{Event, Role};
use cipherlab::tui::App;
use tokio::sync::mpsc;

use super::DEADLINE;

/// Applies `role`'s events to `app` until `done` says stop (that event applied too).
pub async fn pump(
    app: &mut App,
    role: Role,
    events: &mut mpsc::Receiver<Event>,
    what: &str,
    mut done: impl FnMut(&Event) -> bool,
) {
    let pumped = tokio::time::timeout(DEADLINE * 3, async {
        while let Some(event) = events.recv().await {
            let stop = done(&event);
            app.on_net(0, role, event);
            if stop {
                return true;
            }
        }
        false
    })
    .await;
    assert!(pumped == Ok(true), "no {what}");
    app.settle();
}

/// `app` drawn on a `width`×`height` test terminal, as text.
pub fn drawn(app: &App, width: u16, height: u16) -> String {
    let backend = ratatui::backend::TestBackend::new(width, height);
    let mut terminal = ratatui::Terminal::new(backend).unwrap();
    terminal
        .draw(|frame| frame.render_widget(app, frame.area()))
        .unwrap();
    terminal.backend().to_string()
}

/// `text` with the digits after each `marker` (a port, a solve's time) made `with`, colons
/// kept, so that a snapshot holds whatever the run's ports and times.
pub fn mask(text: &str, marker: &str, with: char) -> String {
    let mut masked = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(marker) {
        let (before, after) = rest.split_at(at + marker.len());
        masked.push_str(before);
        let run = after
            .chars()
            .take_while(|c| c.is_ascii_digit() || *c == ':')
            .count();
        masked.extend(
            after[..run]
                .chars()
                .map(|c| if c == ':' { ':' } else { with }),
        );
        rest = &after[run..];
    }
    masked.push_str(rest);
    masked
}
