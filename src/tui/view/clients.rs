//! The server's client list: name, address, messages in and out, and the last verdict.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::{pane_block, put};
use crate::tui::clients::ClientList;
use crate::tui::theme::Theme;

/// The server's client list.
pub(crate) struct ClientsPane<'a> {
    pub clients: &'a ClientList,
    pub focused: bool,
    pub theme: &'a Theme,
}

impl Widget for ClientsPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let list = self.clients.rows();
        let selected = self.clients.selected();
        let connected = list.iter().filter(|c| c.connected).count();
        let title = format!("Clients — {connected} connected (↑↓ picks who Enter replies to)");
        let block = pane_block(title, self.focused, theme);
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
        let height = area.height.saturating_sub(3) as usize;
        let start = selected.saturating_sub(height.saturating_sub(1));
        // Addresses are never cut (a cut port is a wrong port): the counts go first when narrow.
        let shown = list.iter().skip(start).take(height);
        let address_width = shown
            .map(|c| c.peer.addr.to_string().len())
            .max()
            .unwrap_or(7) as u16;
        let wide = area.width >= 14 + address_width + 5 + 5 + 16 + 4 + 7;
        let rows = list
            .iter()
            .enumerate()
            .skip(start)
            .take(height)
            .map(|(i, c)| {
                let verdict = c.last_verdict.as_ref().map_or_else(
                    || Cell::from("—"),
                    |v| Cell::from(Span::styled(v.to_string(), theme.verdict_text(v))),
                );
                let gone = Cell::from(if c.connected { "" } else { "gone" });
                let row = Row::new(if wide {
                    vec![
                        Cell::from(c.name.clone()),
                        Cell::from(c.peer.addr.to_string()),
                        Cell::from(c.messages_in.to_string()),
                        Cell::from(c.messages_out.to_string()),
                        verdict,
                        gone,
                    ]
                } else {
                    vec![
                        Cell::from(c.name.clone()),
                        Cell::from(c.peer.addr.to_string()),
                        verdict,
                        gone,
                    ]
                });
                if i == selected {
                    row.style(theme.selected())
                } else {
                    row
                }
            });
        let (widths, header) = if wide {
            (
                vec![
                    Constraint::Length(14),
                    Constraint::Length(address_width),
                    Constraint::Length(5),
                    Constraint::Length(5),
                    Constraint::Fill(1),
                    Constraint::Length(4),
                ],
                vec!["name", "address", "in", "out", "last verdict", ""],
            )
        } else {
            (
                vec![
                    Constraint::Max(10),
                    Constraint::Length(address_width),
                    Constraint::Fill(1),
                    Constraint::Length(4),
                ],
                vec!["name", "address", "last verdict", ""],
            )
        };
        Table::new(rows, widths)
            .header(Row::new(header).style(theme.dim()))
            .block(block)
            .render(area, buf);
    }
}
