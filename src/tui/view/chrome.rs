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
    /// One pane fills the Lab tab.
    pub zoomed: bool,
    pub theme: &'a Theme,
}

/// How much of the header to spell out: the first form that fits the width is drawn, so that
/// at 80 columns the key exchange's warning is whole rather than cut.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Spelling {
    /// Every word, every tab.
    Full,
    /// The key exchange in a few words.
    Short,
    /// And the protocol only when it is not the lab's own, the tabs closer together.
    Shorter,
    /// And only the current tab, with where it stands among the others.
    Shortest,
}

impl Header<'_> {
    fn left(&self, spelling: Spelling) -> Vec<Span<'static>> {
        let theme = self.theme;
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let short = spelling != Spelling::Full;
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
                spans.push(match (exchange, short) {
                    (KeyExchange::Send, false) => {
                        Span::styled("key sent in the clear ⚠", theme.warning())
                    }
                    (KeyExchange::Send, true) => {
                        Span::styled("key in the clear ⚠", theme.warning())
                    }
                    (KeyExchange::Psk, _) => Span::styled("pre-shared key", theme.good()),
                    (KeyExchange::X25519, false) => {
                        Span::styled("key agreed (x25519)", theme.good())
                    }
                    (KeyExchange::X25519, true) => Span::styled("agreed (x25519)", theme.good()),
                });
            }
        }
        let label = self.session.label();
        let default_label = label == crate::wire::seed::Protocol::Lab.label();
        if matches!(spelling, Spelling::Full | Spelling::Short) || !default_label {
            spans.push(Span::raw(format!(" · {label}")));
        }
        spans.push(Span::raw(" "));
        if self.frozen {
            spans.push(Span::styled(" FROZEN ", theme.warning()));
        }
        if self.zoomed {
            spans.push(Span::styled(" ZOOM: \\ or Esc ", theme.warning()));
        }
        spans
    }

    fn tabs(&self, spelling: Spelling) -> Vec<Span<'static>> {
        let theme = self.theme;
        let current = theme.selected().add_modifier(Modifier::BOLD);
        let tabs = Tab::of(self.session.mode());
        if spelling == Spelling::Shortest {
            let at = tabs.iter().position(|t| *t == self.tab).unwrap_or(0) + 1;
            return vec![
                Span::styled(format!(" {} ", self.tab.title()), current),
                Span::styled(format!(" {at}/{} ", tabs.len()), theme.dim()),
            ];
        }
        // Closer together, every tab's name still fits at 80 columns.
        let pad = if spelling == Spelling::Shorter {
            ""
        } else {
            " "
        };
        tabs.iter()
            .flat_map(|tab| {
                let (style, pad) = if *tab == self.tab {
                    (current, " ")
                } else {
                    (theme.dim(), pad)
                };
                [
                    Span::styled(format!("{pad}{}{pad}", tab.title()), style),
                    Span::raw(" "),
                ]
            })
            .collect()
    }
}

impl Widget for Header<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let width = |spans: &[Span]| spans.iter().map(Span::width).sum::<usize>();
        let spellings = [
            Spelling::Full,
            Spelling::Short,
            Spelling::Shorter,
            Spelling::Shortest,
        ];
        let (left, tabs) = spellings
            .iter()
            .map(|&spelling| (self.left(spelling), self.tabs(spelling)))
            .find(|(left, tabs)| width(left) + width(tabs) <= usize::from(area.width))
            .unwrap_or_else(|| (self.left(Spelling::Shortest), self.tabs(Spelling::Shortest)));
        let tabs_width = width(&tabs) as u16;
        put(
            buf,
            area.x,
            area.y,
            Line::from(left),
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
        // A replay's connections are history: where the playback stands comes first, even
        // beside an error the recording holds.
        let replay = match self.session.source() {
            Source::Replay { played, total, .. } if played >= total => {
                Some(format!("replay finished: {total} events played (q quits)"))
            }
            Source::Replay {
                played,
                total,
                paused: true,
                ..
            } => Some(format!("replay paused: {played} of {total} events")),
            Source::Replay { played, total, .. } => {
                Some(format!("replay: {played} of {total} events"))
            }
            Source::Live => None,
        };
        let line = match self.error {
            // A listener's problems are about one connection: it still listens.
            Some(error) if listener => Line::from(vec![
                Span::styled(format!(" {}", self.states()), theme.dim()),
                Span::styled(format!(" · ⚠ {error}"), theme.warning()),
            ]),
            Some(error) => Line::from(vec![
                Span::styled(
                    replay.map(|r| format!(" {r} ·")).unwrap_or_default(),
                    theme.dim(),
                ),
                Span::styled(format!(" ⚠ {error}"), theme.warning()),
            ]),
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
        // The one rule for keys, said where the eye goes: while the editor has them they are
        // text, and the footer begins by saying so.
        if self.popup.is_none() && (self.context.typing || self.context.answering) {
            spans.push(Span::styled(
                "TYPING",
                theme.key().add_modifier(Modifier::REVERSED),
            ));
            spans.push(Span::raw("  "));
        }
        let hints: Vec<(&str, &str)> = match self.popup {
            Some(Popup::Tamper(_)) => vec![
                ("Enter", "apply"),
                ("←→", "byte"),
                ("↑↓", "bit"),
                ("Esc", "cancel"),
            ],
            Some(Popup::Help) => vec![("Esc", "close")],
            Some(Popup::Notice(_)) => vec![("Enter", "send to every client"), ("Esc", "cancel")],
            None => action::hints(&self.context),
        };
        // Whole hints only: one that does not fit is left to the help popup, and `…` says so.
        let room = usize::from(area.width).saturating_sub(1);
        let mut used: usize = spans.iter().map(Span::width).sum();
        for (i, (keys, help)) in hints.into_iter().enumerate() {
            let hint = [
                Span::raw(if i == 0 { "" } else { "  " }),
                Span::styled(keys, theme.key()),
                Span::raw(format!(" {help}")),
            ];
            let width: usize = hint.iter().map(Span::width).sum();
            if used + width > room {
                spans.push(Span::styled(" …", theme.dim()));
                break;
            }
            used += width;
            spans.extend(hint);
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
