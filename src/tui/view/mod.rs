//! Drawing: `impl Widget for &App` lays the screen out and draws each pane from state, without
//! changing anything. Each pane has its own small module.

mod clients;
mod compare;
pub mod hex;
mod matrix;
mod narration;
pub(crate) use narration::height as narration_height;
mod panes;
mod picture;
mod popup;
mod wire;

use ratatui::buffer::Buffer;
use ratatui::layout::{Alignment, Rect};
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Paragraph, Widget, Wrap};

use super::action;
use super::app::{App, Popup};
use super::layout::{Areas, MIN_HEIGHT, MIN_WIDTH, Pane};
use super::state::{ConnState, Focus, Tab};
use super::theme::Theme;
use crate::net::{Direction, Role};
use crate::wire::KeyExchange;

/// A pane's border with its title; focused panes are emphasised.
pub(crate) fn pane_block<'a>(
    title: impl Into<Line<'a>>,
    focused: bool,
    theme: &Theme,
) -> Block<'a> {
    Block::bordered()
        .title(title)
        .border_style(theme.border(focused))
        .title_style(theme.border(focused))
}

/// Word-wraps `text` into at most `rows` lines of `width` characters. When it does not fit,
/// the last line ends in `…`, so a projector at a small size never hides text silently.
pub(super) fn wrap(text: &str, width: usize, rows: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let width = width.max(1);
    // A word longer than the line is cut into pieces, so nothing is clipped silently.
    let chars: Vec<Vec<char>> = text
        .split_whitespace()
        .map(|w| w.chars().collect())
        .collect();
    let pieces = chars
        .iter()
        .flat_map(|w| w.chunks(width))
        .map(String::from_iter);
    for word in pieces {
        let word = word.as_str();
        let fits = line.is_empty() || line.chars().count() + 1 + word.chars().count() <= width;
        if !fits {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > rows && rows > 0 {
        lines.truncate(rows);
        if let Some(last) = lines.last_mut() {
            let kept: String = last.chars().take(width.saturating_sub(1)).collect();
            *last = format!("{kept}…");
        }
    }
    lines.truncate(rows);
    lines
}

/// Cuts a line to `width` columns, ending it with `…` when anything was cut, so that nothing
/// is cut off without an indication.
pub(crate) fn fit(line: Line<'static>, width: u16) -> Line<'static> {
    let width = width as usize;
    if line.width() <= width {
        return line;
    }
    let mut used = 0;
    let mut spans = Vec::new();
    for span in line.spans {
        let w = span.width();
        if used + w < width {
            used += w;
            spans.push(span);
            continue;
        }
        let mut text = String::new();
        for c in span.content.chars() {
            if Span::raw(format!("{text}{c}")).width() + used >= width {
                break;
            }
            text.push(c);
        }
        spans.push(Span::styled(text, span.style));
        break;
    }
    spans.push(Span::raw("…"));
    Line::from(spans).style(line.style)
}

/// Draws a line cut to `width` (see [`fit`]).
pub(crate) fn put(buf: &mut Buffer, x: u16, y: u16, line: Line<'static>, width: u16) {
    buf.set_line(x, y, &fit(line, width), width);
}

/// A pane title that fits: the long form when there is room, else the short one.
pub(crate) fn title(long: String, short: &str, width: u16) -> String {
    if long.chars().count() + 2 <= width as usize {
        long
    } else {
        short.to_owned()
    }
}

/// Who sent a message going `direction`.
pub(crate) fn sender_of(direction: Option<Direction>) -> Role {
    match direction {
        Some(Direction::ToClient) => Role::Server,
        _ => Role::Client,
    }
}

/// Bytes as text for the screen: lossy UTF-8 with control characters made visible.
pub(crate) fn readable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect()
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let areas = Areas::compute(self, area);
        if areas.too_small {
            too_small(area, buf, &self.theme);
            return;
        }
        header(self, areas.header, buf);
        status(self, areas.status, buf);
        footer(self, areas.footer, buf);
        for &(pane, rect) in &areas.panes {
            match pane {
                Pane::Column(role) => column_title(self, role, rect, buf),
                Pane::Key(role) => panes::key(self, role, rect, buf),
                Pane::Plaintext(role) => panes::plaintext(self, role, rect, buf),
                Pane::Ciphertext(role) => panes::ciphertext(self, role, rect, buf),
                Pane::Verification(role) => panes::verification(self, role, rect, buf),
                Pane::History => panes::history(self, rect, buf),
                Pane::Log => panes::log(self, rect, buf),
                Pane::Wire => wire::wire(self, rect, buf),
                Pane::Clients => clients::clients(self, rect, buf),
                Pane::Compare => compare::compare(self, rect, buf),
                Pane::Matrix => matrix::matrix(self, rect, buf),
                Pane::Picture => picture::picture(self, rect, buf),
                Pane::Narration => narration::narration(self, rect, buf),
            }
        }
        match &self.popup {
            Some(Popup::Help) => popup::help(self, area, buf),
            Some(Popup::Tamper(form)) => popup::tamper(self, form, area, buf),
            None => {}
        }
    }
}

impl App {
    /// Where the terminal cursor belongs: in the plaintext editor while typing.
    pub fn cursor(&self, area: Rect) -> Option<(u16, u16)> {
        if !self.context().typing || self.popup.is_some() {
            return None;
        }
        let areas = Areas::compute(self, area);
        let role = self.mode.sender()?;
        let rect = areas.get(Pane::Plaintext(role))?;
        let width = rect.width.saturating_sub(4) as usize;
        let scroll = self.input.visual_scroll(width);
        let x = self.input.visual_cursor().max(scroll) - scroll;
        Some((rect.x + 3 + x as u16, rect.y + 1))
    }
}

fn too_small(area: Rect, buf: &mut Buffer, theme: &Theme) {
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

fn header(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let bold = Style::new().add_modifier(Modifier::BOLD);
    let mut spans = vec![
        Span::styled(" cipherlab ", theme.selected().add_modifier(Modifier::BOLD)),
        Span::raw(format!(" {} · ", app.mode.name())),
    ];
    if app.awaiting_handshake {
        // The server decides the scheme and key exchange; they are not known yet.
        spans.push(Span::styled("waiting for the handshake", theme.dim()));
    } else {
        spans.push(Span::styled(app.scheme.name(), bold));
        spans.push(Span::raw(" · "));
        spans.push(match app.exchange {
            KeyExchange::Send => Span::styled("key sent in the clear ⚠", theme.warning()),
            KeyExchange::Psk => Span::styled("pre-shared key", theme.good()),
            KeyExchange::X25519 => Span::styled("key agreed (x25519)", theme.good()),
        });
    }
    spans.push(Span::raw(format!(" · {} ", app.wire_label)));
    if app.frozen {
        spans.push(Span::styled(" FROZEN ", theme.warning()));
    }
    let tabs: Vec<Span> = Tab::ALL
        .iter()
        .flat_map(|tab| {
            let style = if *tab == app.tab {
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

fn state_text(role: Role, state: Option<&ConnState>) -> String {
    let name = match role {
        Role::Client => "client",
        Role::Wire => "wire",
        Role::Server => "server",
    };
    match state {
        None | Some(ConnState::Starting) => format!("{name}: starting"),
        Some(ConnState::Listening(addr)) => format!("{name}: listening on {addr}"),
        Some(ConnState::Connected(addr)) => format!("{name}: connected to {addr}"),
        Some(ConnState::Closed(reason)) => format!("{name}: closed ({reason})"),
    }
}

fn status(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let line = match &app.error {
        Some(error) => Line::from(Span::styled(format!(" ⚠ {error}"), theme.warning())),
        None => {
            let roles: &[Role] = match app.mode {
                super::state::Mode::Demo => &[Role::Client, Role::Wire, Role::Server],
                super::state::Mode::Client => &[Role::Client],
                super::state::Mode::Server => &[Role::Server],
                super::state::Mode::Mitm => &[Role::Wire],
            };
            let mut text: Vec<String> = Vec::new();
            if app.replay.is_some() {
                // A replay's connections are history: say where the playback stands first.
                let (played, total) = app.replay_progress;
                text.push(if played >= total {
                    format!("replay finished: {total} events played (q quits)")
                } else {
                    format!("replay: {played} of {total} events")
                });
            }
            text.extend(roles.iter().map(|r| state_text(*r, app.status.get(r))));
            Line::from(Span::styled(format!(" {}", text.join(" · ")), theme.dim()))
        }
    };
    put(buf, area.x, area.y, line, area.width);
}

fn footer(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let mut spans = vec![Span::raw(" ")];
    let hints: Vec<(&str, &str)> = match &app.popup {
        Some(Popup::Tamper(_)) => vec![
            ("Enter", "apply"),
            ("←→", "byte"),
            ("↑↓", "bit"),
            ("Esc", "cancel"),
        ],
        Some(Popup::Help) => vec![("Esc", "close")],
        None => action::hints(&app.context()),
    };
    for (keys, help) in hints {
        spans.push(Span::styled(keys, theme.key()));
        spans.push(Span::raw(format!(" {help}  ")));
    }
    put(buf, area.x, area.y, Line::from(spans), area.width);
}

fn column_title(app: &App, role: Role, area: Rect, buf: &mut Buffer) {
    let (name, note) = match role {
        Role::Client => ("Client", "sends"),
        Role::Wire => ("Wire", "the man in the middle"),
        Role::Server => ("Server", "receives"),
    };
    let focused = role == Role::Wire && app.focus == Focus::Wire;
    let line = Line::from(vec![
        Span::styled(
            format!(" {name} "),
            app.theme.border(true).add_modifier(Modifier::REVERSED),
        ),
        Span::styled(
            format!(" {note}"),
            if focused {
                app.theme.border(true)
            } else {
                app.theme.dim()
            },
        ),
    ]);
    put(buf, area.x, area.y, line, area.width);
}
