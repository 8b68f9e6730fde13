//! The History pane (messages both ways, with their verdicts) and the Log pane.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::{columns, cut, fit, pane_block, readable, title};
use crate::logging::LogRing;
use crate::net::Direction;
use crate::tui::clients::ClientList;
use crate::tui::layout::history_start;
use crate::tui::state::{Focus, Mode};
use crate::tui::theme::Theme;
use crate::tui::timeline::Timeline;

/// A connected (or recently gone) client's name, cut to a dozen columns for the History.
fn client_name(clients: &ClientList, conn: crate::net::PeerId) -> String {
    let name = clients
        .name_of(conn)
        .unwrap_or_else(|| format!("client {conn}"));
    if columns(&name) <= 12 {
        return name;
    }
    format!("{}…", cut(&name, 12).0)
}

/// Messages both ways, newest last, with their verdicts.
pub(crate) struct HistoryPane<'a> {
    pub timeline: &'a Timeline,
    pub clients: &'a ClientList,
    pub mode: Mode,
    pub focus: Focus,
    pub theme: &'a Theme,
}

impl Widget for HistoryPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let journeys = self.timeline.journeys();
        let focused = self.focus == Focus::History;
        let heading = format!(
            "History — {} of {}{}",
            journeys.len(),
            journeys.total(),
            if self.timeline.selected().is_none() {
                ", following"
            } else {
                ""
            }
        );
        let block = pane_block(title(heading, "History", area.width), focused, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        if journeys.is_empty() {
            let hint = match (self.mode.sender(), self.focus) {
                (None, _) => "no messages yet: they appear as the clients talk",
                (Some(_), Focus::Input) => "no messages yet: type one and press Enter",
                (Some(_), _) => "no messages yet: press i, type one and press Enter",
            };
            Paragraph::new(Span::styled(hint, theme.dim())).render(inner, buf);
            return;
        }
        let height = inner.height as usize;
        let start = history_start(self.timeline, height);
        let current = self.timeline.current().map(|j| j.id);
        for (row, journey) in journeys.iter().skip(start).take(height).enumerate() {
            let arrow = match (journey.injected, journey.direction) {
                (true, _) => "⟲",
                (_, Some(Direction::ToClient)) => "←",
                _ => "→",
            };
            let seq = if journey.injected {
                "replay".to_owned()
            } else if matches!(self.mode, Mode::Server | Mode::Mitm) {
                // Numbers count per connection, so with a class connected each row says whose
                // message it is (or to whom the operator replied).
                format!(
                    "{} #{}",
                    client_name(self.clients, journey.conn),
                    journey.seq
                )
            } else {
                format!("#{}", journey.seq)
            };
            let mark = if journey.changed() { "✎" } else { " " };
            // Wire bytes a student wrote have no plaintext here: their hex stands for them.
            let text = journey
                .best_plaintext()
                .map(|p| readable(&p.bytes))
                .or_else(|| {
                    journey
                        .sent
                        .as_ref()
                        .map(|w| format!("wire {}", hex::encode(&w.bytes)))
                })
                .unwrap_or_else(|| "·".to_owned());
            let fixed = 2 + columns(&seq) + 2 + 1;
            let room_beside =
                |verdict: &str| (inner.width as usize).saturating_sub(fixed + columns(verdict) + 1);
            let verdict = match journey.verdict() {
                // A narrow pane keeps the message's text: the reason gives way to it, and the
                // Verification pane still has it.
                Some(v) if room_beside(&v.to_string()) < 12.min(columns(&text)) => {
                    Span::styled(v.word().as_str(), theme.verdict_text(v))
                }
                Some(v) => Span::styled(v.to_string(), theme.verdict_text(v)),
                None if journey.dropped() => Span::styled("dropped", theme.warning()),
                None => Span::styled("…", theme.dim()),
            };
            let room = room_beside(&verdict.content);
            // Columns, not chars: an emoji fills two, and the border must stay put. A text
            // cut short says so.
            let (text, used) = if columns(&text) > room && room > 1 {
                let (kept, used) = cut(&text, room - 1);
                (format!("{kept}…"), used + 1)
            } else {
                cut(&text, room)
            };
            let pad = room.saturating_sub(used);
            let line = Line::from(vec![
                Span::raw(format!("{arrow} {seq} {mark}")),
                Span::raw(format!("{text}{} ", " ".repeat(pad))),
                verdict,
            ]);
            let y = inner.y + row as u16;
            buf.set_line(inner.x, y, &line, inner.width);
            if Some(journey.id) == current && self.timeline.selected().is_some() {
                buf.set_style(
                    Rect {
                        y,
                        height: 1,
                        ..inner
                    },
                    theme.selected(),
                );
            }
        }
    }
}

/// Recent log lines.
pub(crate) struct LogPane<'a> {
    pub log: &'a LogRing,
    pub focused: bool,
    pub scroll: usize,
    pub theme: &'a Theme,
}

impl Widget for LogPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let block = pane_block("Log", self.focused, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let back = self.scroll;
        let height = inner.height as usize;
        let lines = self.log.tail(height + back);
        let shown: Vec<Line> = lines
            .iter()
            .take(height)
            .map(|l| {
                fit(
                    Line::from(Span::styled(l.clone(), theme.dim())),
                    inner.width,
                )
            })
            .collect();
        if shown.is_empty() {
            Paragraph::new(Span::styled("nothing logged yet", theme.dim())).render(inner, buf);
        } else {
            Paragraph::new(shown).render(inner, buf);
        }
    }
}
