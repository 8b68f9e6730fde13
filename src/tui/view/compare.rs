//! The Compare tab: the same plaintext under every scheme, each with its anatomy, and whether
//! sealing again changed it.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget};

use super::hex::{HexView, Legend};
use super::{pane_block, put, title};
use crate::tui::compare::Compare;
use crate::tui::theme::Theme;

/// The Compare tab.
pub(crate) struct ComparePane<'a> {
    pub compare: &'a Compare,
    pub theme: &'a Theme,
}

impl Widget for ComparePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let compare = self.compare;
        let [intro, grid] = area.layout(&Layout::vertical([
            Constraint::Length(2),
            Constraint::Fill(1),
        ]));
        let intro_lines = vec![
            Line::from(vec![
                Span::styled("Plaintext: ", theme.dim()),
                Span::raw(compare.plaintext.clone()),
                Span::styled(
                    format!(
                        "   (sealed {} {}; s seals again)",
                        compare.rounds,
                        if compare.rounds == 1 { "time" } else { "times" }
                    ),
                    theme.dim(),
                ),
            ]),
            Line::from(Span::styled(
                "It seals what you type on the Lab tab, or last sent there. Same input, same output? Watch which columns change.",
                theme.dim(),
            )),
        ];
        Paragraph::new(intro_lines).render(intro, buf);
        for (row, cell) in compare.rows.iter().zip(cells(grid, compare.rows.len())) {
            let same = if row.scheme.is_deterministic() {
                "same input → same output"
            } else if row.scheme.takes_nonce() {
                "random nonce → new output"
            } else {
                "random IV → new output"
            };
            let long = format!("{} · {} · {same}", row.scheme, row.key);
            let short = format!(
                "{} · {}",
                row.scheme,
                if row.scheme.is_deterministic() {
                    "same output"
                } else {
                    "new output"
                }
            );
            let block = pane_block(title(long, &short, cell.width), false, theme);
            let inner = block.inner(cell);
            block.render(cell, buf);
            let [status, change, hex] = inner.layout(&Layout::vertical([
                Constraint::Length(1),
                Constraint::Length(1),
                Constraint::Fill(1),
            ]));
            let changed = match row.changed {
                None => Span::styled("first seal", theme.dim()),
                Some(true) => Span::styled("changed since the last seal", theme.good()),
                Some(false) => Span::styled("identical to the last seal", theme.warning()),
            };
            let line = Line::from(vec![
                Span::styled(row.verdict.to_string(), theme.verdict_text(&row.verdict)),
                Span::raw(format!(" · {} bytes", row.wire_len)),
            ]);
            put(buf, status.x, status.y, line, status.width);
            put(buf, change.x, change.y, Line::from(changed), change.width);
            HexView {
                anatomy: &row.anatomy,
                theme: *theme,
                scroll: 0,
                touched: &[],
                full_len: None,
                compact: false,
                legend: Legend::Below,
            }
            .render(hex, buf);
        }
    }
}

/// A grid of `count` cells: as many columns of at least 40 characters as fit (at most 4), and
/// as many rows as that needs.
fn cells(grid: Rect, count: usize) -> Vec<Rect> {
    let columns = usize::from(grid.width / 40).clamp(1, 4);
    let rows = count.div_ceil(columns).max(1);
    let row_areas = Layout::vertical(vec![Constraint::Ratio(1, rows as u32); rows]).split(grid);
    row_areas
        .iter()
        .flat_map(|&row| {
            Layout::horizontal(vec![Constraint::Ratio(1, columns as u32); columns])
                .split(row)
                .to_vec()
        })
        .take(count)
        .collect()
}
