//! The server's client list: name, address, messages in and out, and the last verdict.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Row, Table, Widget};

use super::{pane_block, put};
use crate::tui::app::App;
use crate::tui::state::Focus;

pub(super) fn clients(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let connected = app.clients.iter().filter(|c| c.connected).count();
    let title = format!("Clients — {connected} connected (↑↓ picks who Enter replies to)");
    let block = pane_block(title, app.focus == Focus::Clients, theme);
    if app.clients.is_empty() {
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
    let start = app.selected_client.saturating_sub(height.saturating_sub(1));
    let rows = app
        .clients
        .iter()
        .enumerate()
        .skip(start)
        .take(height)
        .map(|(i, c)| {
            let verdict = c.last_verdict.as_ref().map_or_else(
                || Cell::from("—"),
                |v| Cell::from(Span::styled(v.to_string(), theme.verdict_text(v))),
            );
            let row = Row::new(vec![
                Cell::from(c.name.clone()),
                Cell::from(c.peer.addr.to_string()),
                Cell::from(c.messages_in.to_string()),
                Cell::from(c.messages_out.to_string()),
                verdict,
                Cell::from(if c.connected { "" } else { "gone" }),
            ]);
            if i == app.selected_client {
                row.style(theme.selected())
            } else {
                row
            }
        });
    let widths = [
        Constraint::Length(14),
        Constraint::Length(21),
        Constraint::Length(5),
        Constraint::Length(5),
        Constraint::Fill(1),
        Constraint::Length(4),
    ];
    Table::new(rows, widths)
        .header(Row::new(["name", "address", "in", "out", "last verdict", ""]).style(theme.dim()))
        .block(block)
        .render(area, buf);
}
