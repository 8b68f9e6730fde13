//! The screen's frame: the header with the tabs, the status line, the footer's key hints, the
//! demo's column titles, and the notice shown when the terminal is too small.

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::put;
use crate::crypto::KeyExchange;
use crate::net::Role;
use crate::tui::action::{self, Context};
use crate::tui::layout::{MIN_HEIGHT, MIN_WIDTH};
use crate::tui::session::{Handshake, SessionView, Source};
use crate::tui::state::{ConnState, Mode, Tab};
use crate::tui::theme::Theme;
use crate::tui::ui::Popup;

/// Shown instead of the screen below [`MIN_WIDTH`] × [`MIN_HEIGHT`].
pub(crate) struct TooSmall<'a> {
    pub theme: &'a Theme,
}

impl Widget for TooSmall<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let text = vec![
            Line::from(Span::styled("terminal too small", theme.warning())),
            Line::from(format!(
                "{}×{} here; cipherlab needs at least {MIN_WIDTH}×{MIN_HEIGHT}",
                area.width, area.height
            )),
            Line::from(Span::styled(
                "enlarge the window, or press q to quit",
                theme.dim(),
            )),
        ];
        let top = area.y + area.height.saturating_sub(3) / 2;
        Paragraph::new(text)
            .alignment(Alignment::Center)
            .wrap(Wrap { trim: true })
            .render(
                Rect {
                    y: top,
                    height: area.height.min(3),
                    ..area
                },
                buf,
            );
    }
}

/// The title line: mode, scheme, key exchange, protocol, and the tabs.
pub(crate) struct Header<'a> {
    pub session: &'a SessionView,
    pub tab: Tab,
    pub frozen: bool,
    pub theme: &'a Theme,
}

impl Widget for Header<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut spans = vec![
            Span::styled(" cipherlab ", theme.selected().add_modifier(Modifier::BOLD)),
            Span::raw(format!(" {} · ", self.session.mode().name())),
        ];
        match self.session.handshake() {
            // The server decides the scheme and key exchange; they are not known yet.
            Handshake::Awaiting { .. } => {
                spans.push(Span::styled("waiting for the handshake", theme.dim()));
            }
            Handshake::Known { scheme, exchange } => {
                spans.push(Span::styled(scheme.name(), bold));
                spans.push(Span::raw(" · "));
                spans.push(match exchange {
                    KeyExchange::Send => Span::styled("key sent in the clear ⚠", theme.warning()),
                    KeyExchange::Psk => Span::styled("pre-shared key", theme.good()),
                    KeyExchange::X25519 => Span::styled("key agreed (x25519)", theme.good()),
                });
            }
        }
        spans.push(Span::raw(format!(" · {} ", self.session.label())));
        if self.frozen {
            spans.push(Span::styled(" FROZEN ", theme.warning()));
        }
        let tabs: Vec<Span> = Tab::ALL
            .iter()
            .flat_map(|tab| {
                let style = if *tab == self.tab {
                    theme.selected().add_modifier(Modifier::BOLD)
                } else {
                    theme.dim()
                };
                [
                    Span::styled(format!(" {} ", tab.title()), style),
                    Span::raw(" "),
                ]
            })
            .collect();
        let tabs_width: u16 = tabs.iter().map(|s| s.width() as u16).sum();
        put(
            buf,
            area.x,
            area.y,
            Line::from(spans),
            area.width.saturating_sub(tabs_width),
        );
        let x = area.x + area.width.saturating_sub(tabs_width);
        put(buf, x, area.y, Line::from(tabs), tabs_width);
    }
}

fn state_text(role: Role, state: Option<&ConnState>) -> String {
    let name = match role {
        Role::Client => "client",
        Role::Mitm => "wire",
        Role::Server => "server",
    };
    match state {
        None | Some(ConnState::Starting) => format!("{name}: starting"),
        Some(ConnState::Listening(addr)) => format!("{name}: listening on {addr}"),
        Some(ConnState::Connected(addr)) => format!("{name}: connected to {addr}"),
        Some(ConnState::Reconnecting {
            attempt,
            attempts,
            delay,
            reason,
        }) => format!(
            "{name}: reconnecting, try {attempt} of {attempts} in {} ({reason})",
            seconds(*delay)
        ),
        Some(ConnState::Closed(reason)) => format!("{name}: closed ({reason})"),
    }
}

/// A wait as the status line says it: `0.5 s`, `4 s`.
fn seconds(delay: std::time::Duration) -> String {
    if delay.subsec_millis() == 0 {
        format!("{} s", delay.as_secs())
    } else {
        format!("{:.1} s", delay.as_secs_f64())
    }
}

/// The status line: each role's connection (and a replay's progress), or the latest error.
/// A listener (the server view, the mitm view) keeps saying that it listens, and how many
/// clients it has, with a problem of one connection after it as a warning about that one.
pub(crate) struct StatusLine<'a> {
    pub session: &'a SessionView,
    pub error: Option<&'a str>,
    /// Clients connected to the listener.
    pub connected: usize,
    pub theme: &'a Theme,
}

impl StatusLine<'_> {
    /// Where the playback stands, then each role's connection.
    fn states(&self) -> String {
        let roles: &[Role] = match self.session.mode() {
            Mode::Demo => &[Role::Client, Role::Mitm, Role::Server],
            Mode::Client => &[Role::Client],
            Mode::Server => &[Role::Server],
            Mode::Mitm => &[Role::Mitm],
        };
        let mut text: Vec<String> = Vec::new();
        if let Source::Replay {
            played,
            total,
            paused,
            ..
        } = self.session.source()
        {
            // A replay's connections are history: say where the playback stands first.
            text.push(if played >= total {
                format!("replay finished: {total} events played (q quits)")
            } else if paused {
                format!("replay paused: {played} of {total} events")
            } else {
                format!("replay: {played} of {total} events")
            });
        }
        for role in roles {
            let status = self.session.status(*role);
            let mut state = state_text(*role, status);
            if self.session.listens(*role) && matches!(status, Some(ConnState::Listening(_))) {
                let clients = if self.connected == 1 {
                    "client"
                } else {
                    "clients"
                };
                state.push_str(&format!(" · {} {clients}", self.connected));
            }
            // The name the server gave (another alice may have come first).
            if let (Role::Client, Some(ConnState::Connected(_)), Some(name)) =
                (role, status, self.session.listed_as())
            {
                state.push_str(&format!(" as {name}"));
            }
            text.push(state);
        }
        text.join(" · ")
    }
}

impl Widget for StatusLine<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let listener = self.session.listens(Role::Server) || self.session.listens(Role::Mitm);
        let line = match self.error {
            // A listener's problems are about one connection: it still listens.
            Some(error) if listener => Line::from(vec![
                Span::styled(format!(" {}", self.states()), theme.dim()),
                Span::styled(format!(" · ⚠ {error}"), theme.warning()),
            ]),
            Some(error) => Line::from(Span::styled(format!(" ⚠ {error}"), theme.warning())),
            None => Line::from(Span::styled(format!(" {}", self.states()), theme.dim())),
        };
        put(buf, area.x, area.y, line, area.width);
    }
}

/// The key hints, from the same table as the dispatcher.
pub(crate) struct Footer<'a> {
    pub popup: Option<&'a Popup>,
    pub context: Context,
    pub theme: &'a Theme,
}

impl Widget for Footer<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let mut spans = vec![Span::raw(" ")];
        let hints: Vec<(&str, &str)> = match self.popup {
            Some(Popup::Tamper(_)) => vec![
                ("Enter", "apply"),
                ("←→", "byte"),
                ("↑↓", "bit"),
                ("Esc", "cancel"),
            ],
            Some(Popup::Help) => vec![("Esc", "close")],
            None => action::hints(&self.context),
        };
        for (keys, help) in hints {
            spans.push(Span::styled(keys, theme.key()));
            spans.push(Span::raw(format!(" {help}  ")));
        }
        put(buf, area.x, area.y, Line::from(spans), area.width);
    }
}

/// A demo column's title row.
pub(crate) struct ColumnTitle<'a> {
    pub role: Role,
    /// The Wire pane has the focus.
    pub focused: bool,
    pub theme: &'a Theme,
}

impl Widget for ColumnTitle<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (name, note) = match self.role {
            Role::Client => ("Client", "sends"),
            Role::Mitm => ("Wire", "the man in the middle"),
            Role::Server => ("Server", "receives"),
        };
        let focused = self.role == Role::Mitm && self.focused;
        let line = Line::from(vec![
            Span::styled(
                format!(" {name} "),
                self.theme.border(true).add_modifier(Modifier::REVERSED),
            ),
            Span::styled(
                format!(" {note}"),
                if focused {
                    self.theme.border(true)
                } else {
                    self.theme.dim()
                },
            ),
        ]);
        put(buf, area.x, area.y, line, area.width);
    }
}
