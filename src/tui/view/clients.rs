//! The server's client list: one compact row per client (name, address, messages in and out,
//! the last verdict), sorted, scrolled to keep the selection in view, with counts in the title
//! and what lies above and below on the bottom border.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::{pane_block, put, title};
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

impl Widget for ClientsPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let list = self.clients.rows();
        let selected = self.clients.selected();
        let (connected, silent) = (self.clients.connected(), self.clients.silent());
        let sort = self.clients.sort().label();
        let long = format!(
            "Clients — {connected} connected, {silent} sent nothing yet · {sort} (o) · ↑↓ picks who Enter replies to"
        );
        let short = format!("Clients — {connected} connected, {silent} silent · {sort}");
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
        let wide = area.width >= name_width + address_width + 5 + 5 + 16 + 4 + 7;
        let addresses = wide || area.width >= name_width.min(12) + address_width + 22 + 4 + 5;
        let rows = shown.iter().enumerate().map(|(i, c)| {
            let verdict = match &c.last_verdict {
                Some(v) => Cell::from(Span::styled(v.to_string(), theme.verdict_text(v))),
                None if wide => Cell::from(Span::styled("nothing sent yet", theme.dim())),
                None => Cell::from(Span::styled("—", theme.dim())),
            };
            let gone = Cell::from(if c.connected { "" } else { "gone" });
            let row = Row::new(if wide {
                vec![
                    Cell::from(c.name.clone()),
                    Cell::from(address(c)),
                    Cell::from(c.messages_in.to_string()),
                    Cell::from(c.messages_out.to_string()),
                    verdict,
                    gone,
                ]
            } else if addresses {
                vec![
                    Cell::from(c.name.clone()),
                    Cell::from(address(c)),
                    verdict,
                    gone,
                ]
            } else {
                vec![Cell::from(c.name.clone()), verdict, gone]
            });
            if start + i == selected {
                row.style(theme.selected())
            } else {
                row
            }
        });
        let (widths, header) = if wide {
            (
                vec![
                    Constraint::Length(name_width),
                    Constraint::Length(address_width),
                    Constraint::Length(5),
                    Constraint::Length(5),
                    Constraint::Fill(1),
                    Constraint::Length(4),
                ],
                vec!["name", "address", "in", "out", "last verdict", ""],
            )
        } else if addresses {
            (
                vec![
                    Constraint::Length(name_width.min(12)),
                    Constraint::Length(address_width),
                    Constraint::Fill(1),
                    Constraint::Length(4),
                ],
                vec!["name", "address", "last verdict", ""],
            )
        } else {
            (
                vec![
                    Constraint::Length(name_width.min(16)),
                    Constraint::Fill(1),
                    Constraint::Length(4),
                ],
                vec!["name", "last verdict", ""],
            )
        };
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.dim()))
            .block(block)
            .render(area, buf);
    }
}
