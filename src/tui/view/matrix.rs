//! The Matrix tab: DESIGN's attack table, filled from what actually happened on loopback.
//! Green: detected (or nothing leaked); red: accepted though tampered (or read); grey: not
//! tried yet.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Cell, Paragraph, Row, Table, Widget};

use super::pane_block;
use crate::crypto::Scheme;
use crate::net::matrix::Attack;
use crate::tui::board::MatrixBoard;
use crate::tui::theme::Theme;

/// The width of the action column.
const TITLE: u16 = 22;

/// The Matrix tab.
pub(crate) struct MatrixPane<'a> {
    pub board: &'a MatrixBoard,
    pub theme: &'a Theme,
}

impl Widget for MatrixPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let [intro, table] = area.layout(&Layout::vertical([
            Constraint::Length(2),
            Constraint::Fill(1),
        ]));
        let done = self.board.len();
        let total = MatrixBoard::SIZE;
        let state = if self.board.running() && done < total {
            format!("running: {done} of {total} cells")
        } else if done == 0 {
            "not run yet: press r to play every attack against every scheme on loopback".to_owned()
        } else {
            format!(
                "{done} of {total} cells, each from a real server, man in the middle and client"
            )
        };
        let legend = Line::from(vec![
            Span::styled("■ detected / nothing leaked  ", theme.outcome(Some(true))),
            Span::styled(
                "■ accepted though tampered / read  ",
                theme.outcome(Some(false)),
            ),
            Span::styled("■ not tried", theme.outcome(None)),
        ]);
        Paragraph::new(vec![Line::from(state), legend]).render(intro, buf);
        let header = Row::new(
            std::iter::once("action".to_owned())
                .chain(Scheme::ALL.iter().map(|s| s.name().to_owned())),
        )
        .style(theme.dim());
        // Cells wrap onto as many lines as the height allows, and say so with … when cut: the
        // spare lines go round the rows that need them, a line each per round.
        let inner = table.height.saturating_sub(3) as usize;
        let schemes = Scheme::ALL.len() as u16;
        let column = (table.width.saturating_sub(2 + TITLE + schemes) / schemes) as usize;
        let needed: Vec<usize> = Attack::ALL
            .iter()
            .map(|&attack| {
                Scheme::ALL
                    .iter()
                    .filter_map(|&s| self.board.get(attack, s))
                    .map(|cell| super::wrap(&cell.outcome.summary, column, 4).len())
                    .max()
                    .unwrap_or(1)
            })
            .collect();
        let mut spare = inner.saturating_sub(Attack::ALL.len());
        let mut budgets = vec![1; needed.len()];
        for level in 2..=4 {
            for (budget, &need) in budgets.iter_mut().zip(&needed) {
                if need >= level && spare > 0 {
                    *budget = level;
                    spare -= 1;
                }
            }
        }
        let rows = Attack::ALL.iter().zip(budgets).map(|(&attack, budget)| {
            let mut cells = vec![Cell::from(attack.title())];
            let mut height = 1;
            for scheme in Scheme::ALL {
                let cell = match self.board.get(attack, scheme) {
                    Some(cell) => {
                        let lines: Vec<Line> = super::wrap(&cell.outcome.summary, column, budget)
                            .into_iter()
                            .map(|l| Line::from(Span::styled(l, theme.outcome(cell.outcome.safe))))
                            .collect();
                        height = height.max(lines.len());
                        Cell::from(lines)
                    }
                    None => Cell::from(Span::styled("·", theme.outcome(None))),
                };
                cells.push(cell);
            }
            Row::new(cells).height(height as u16)
        });
        let widths = std::iter::once(Constraint::Length(TITLE))
            .chain(Scheme::ALL.iter().map(|_| Constraint::Fill(1)));
        Table::new(rows, widths)
            .header(header)
            .block(pane_block("Matrix", false, theme))
            .column_spacing(1)
            .render(table, buf);
    }
}
