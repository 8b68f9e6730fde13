//! The server's client list: one compact row per client (name, address, messages in and out,
//! the last verdict, and with an exercise running each student's progress), sorted, scrolled
//! to keep the selection in view, with counts in the title and what lies above and below on
//! the bottom border.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::{pane_block, put, title};
use crate::net::exercise::Progress;
use crate::tui::clients::{ClientList, ClientRow, RowKey};
use crate::tui::layout::{clients_height, clients_start};
use crate::tui::theme::Theme;

/// The server's client list.
pub(crate) struct ClientsPane<'a> {
    pub clients: &'a ClientList,
    pub focused: bool,
    pub theme: &'a Theme,
}

/// The address column: the socket address, or for a folded seed row its IP and how many
/// connections came from it.
fn address(row: &ClientRow) -> String {
    match row.key {
        RowKey::Connection(_) => row.peer.addr.to_string(),
        RowKey::Address(ip) => format!("{ip} ×{}", row.connections),
    }
}

/// The widest progress column, in cells: `✔ solved 12:05 · 100 tries`.
const PROGRESS_WIDTH: u16 = 26;

/// Time taken as a clock: `0:42`, `12:05`, `1:02:05`.
fn clock(taken: std::time::Duration) -> String {
    let s = taken.as_secs();
    if s >= 3600 {
        format!("{}:{:02}:{:02}", s / 3600, s / 60 % 60, s % 60)
    } else {
        format!("{}:{:02}", s / 60, s % 60)
    }
}

/// A student's progress in the DESIGN's words: `working · 3 tries`, `✔ solved 2:05 · 4
/// tries`; a solve too long for `width` keeps its time and drops the tries.
fn progress_cell<'a>(progress: Option<Progress>, width: u16, theme: &Theme) -> Cell<'a> {
    let tries = |n: u32| {
        if n == 1 {
            "1 try".to_owned()
        } else {
            format!("{n} tries")
        }
    };
    match progress {
        None => Cell::from(Span::styled("—", theme.dim())),
        Some(Progress::Working { tries: n }) => Cell::from(format!("working · {}", tries(n))),
        Some(Progress::Solved { tries: n, taken }) => {
            let long = format!("✔ solved {} · {}", clock(taken), tries(n));
            let text = if long.chars().count() <= usize::from(width) {
                long
            } else {
                format!("✔ solved {}", clock(taken))
            };
            Cell::from(Span::styled(
                text,
                theme.good().add_modifier(ratatui::style::Modifier::BOLD),
            ))
        }
    }
}

impl Widget for ClientsPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let list = self.clients.rows();
        let selected = self.clients.selected();
        let (connected, silent) = (self.clients.connected(), self.clients.silent());
        let sort = self.clients.sort().label();
        let (long, short) = if self.clients.exercise() {
            let solved = self.clients.solved();
            (
                format!(
                    "Clients — {connected} connected, {silent} sent nothing yet, {solved} ✔ solved · {sort} (o) · n notice"
                ),
                title(
                    format!("Clients — {connected} connected, {solved} ✔ solved · {sort}"),
                    &format!("Clients {connected} · {solved} ✔ solved · {sort}"),
                    area.width,
                ),
            )
        } else {
            (
                format!(
                    "Clients — {connected} connected, {silent} sent nothing yet · {sort} (o) · ↑↓ picks who Enter replies to"
                ),
                format!("Clients — {connected} connected, {silent} silent · {sort}"),
            )
        };
        let block = pane_block(title(long, &short, area.width), self.focused, theme);
        if list.is_empty() {
            let inner = block.inner(area);
            block.render(area, buf);
            put(
                buf,
                inner.x,
                inner.y,
                Line::from(Span::styled("no clients yet", theme.dim())),
                inner.width,
            );
            return;
        }
        let height = clients_height(area);
        let start = clients_start(selected, list.len(), height);
        let shown = &list[start..list.len().min(start + height)];
        let below = list.len() - start - shown.len();
        let block = if start > 0 || below > 0 {
            let more = format!(" {}–{} of {} ", start + 1, start + shown.len(), list.len());
            block.title_bottom(Line::from(Span::styled(more, theme.dim())).right_aligned())
        } else {
            block
        };
        // Addresses are never cut (a cut port is a wrong port): the counts go first when
        // narrow, then the address, so that a verdict (`rejected: tag mismatch`) stays whole.
        let address_width = shown
            .iter()
            .map(|c| address(c).chars().count())
            .max()
            .unwrap_or(7) as u16;
        // Names as long as the longest shown, within reason (a name is at most 64).
        let longest = shown.iter().map(|c| c.name.chars().count()).max();
        let name_width = longest.unwrap_or(4).clamp(4, 20) as u16;
        // With an exercise running, progress is what the instructor reads: it has a column
        // when wide, and takes the verdict's place when not.
        let exercise = self.clients.exercise();
        let progress_width = if exercise { PROGRESS_WIDTH + 1 } else { 0 };
        let wide = area.width >= name_width + address_width + 5 + 5 + 16 + 4 + 7 + progress_width;
        let addresses = wide || area.width >= name_width.min(12) + address_width + 22 + 4 + 5;
        // What is left for the verdict or progress column in the narrower forms.
        let fill = |used: u16| area.width.saturating_sub(2 + used);
        let rows = shown.iter().enumerate().map(|(i, c)| {
            let verdict = match &c.last_verdict {
                Some(v) => Cell::from(Span::styled(v.to_string(), theme.verdict_text(v))),
                None if wide => Cell::from(Span::styled("nothing sent yet", theme.dim())),
                None => Cell::from(Span::styled("—", theme.dim())),
            };
            let gone = Cell::from(if c.connected { "" } else { "gone" });
            let row = Row::new(if wide {
                let mut cells = vec![
                    Cell::from(c.name.clone()),
                    Cell::from(address(c)),
                    Cell::from(c.messages_in.to_string()),
                    Cell::from(c.messages_out.to_string()),
                ];
                if exercise {
                    cells.push(progress_cell(c.progress, PROGRESS_WIDTH, theme));
                }
                cells.extend([verdict, gone]);
                cells
            } else if addresses {
                let last = if exercise {
                    let width = fill(name_width.min(12) + address_width + 4 + 3);
                    progress_cell(c.progress, width, theme)
                } else {
                    verdict
                };
                vec![
                    Cell::from(c.name.clone()),
                    Cell::from(address(c)),
                    last,
                    gone,
                ]
            } else {
                let last = if exercise {
                    progress_cell(c.progress, fill(name_width.min(16) + 4 + 2), theme)
                } else {
                    verdict
                };
                vec![Cell::from(c.name.clone()), last, gone]
            });
            if start + i == selected {
                row.style(theme.selected())
            } else {
                row
            }
        });
        let last = if exercise { "exercise" } else { "last verdict" };
        let (widths, header) = if wide {
            let mut widths = vec![
                Constraint::Length(name_width),
                Constraint::Length(address_width),
                Constraint::Length(5),
                Constraint::Length(5),
            ];
            let mut header = vec!["name", "address", "in", "out"];
            if exercise {
                widths.push(Constraint::Length(PROGRESS_WIDTH));
                header.push("exercise");
            }
            widths.extend([Constraint::Fill(1), Constraint::Length(4)]);
            header.extend(["last verdict", ""]);
            (widths, header)
        } else if addresses {
            (
                vec![
                    Constraint::Length(name_width.min(12)),
                    Constraint::Length(address_width),
                    Constraint::Fill(1),
                    Constraint::Length(4),
                ],
                vec!["name", "address", last, ""],
            )
        } else {
            (
                vec![
                    Constraint::Length(name_width.min(16)),
                    Constraint::Fill(1),
                    Constraint::Length(4),
                ],
                vec!["name", last, ""],
            )
        };
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.dim()))
            .block(block)
            .render(area, buf);
    }
}
