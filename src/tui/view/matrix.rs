//! The Matrix tab: DESIGN's attack table, filled from what actually happened on loopback.
//! Green: detected (or nothing leaked); red: accepted though tampered (or read); grey: not
//! tried yet.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Borders, Cell, Paragraph, Row, Table, Widget};

use super::pane_block;
use crate::crypto::Scheme;
use crate::net::matrix::Attack;
use crate::tui::board::MatrixBoard;
use crate::tui::theme::Theme;

/// The width of the action column, when there is room for it.
const TITLE: u16 = 22;

/// The Matrix tab.
pub(crate) struct MatrixPane<'a> {
    pub board: &'a MatrixBoard,
    /// The first scheme column shown, when they do not all fit (← →).
    pub first_scheme: usize,
    pub theme: &'a Theme,
}

/// The narrowest width at which `text` wraps into `rows` lines, words whole.
fn narrowest(text: &str, rows: usize, widest: usize) -> usize {
    let longest = text
        .split_whitespace()
        .map(super::columns)
        .max()
        .unwrap_or(1);
    (longest..widest)
        .find(|&w| super::wrap(text, w, usize::MAX).len() <= rows)
        .unwrap_or(widest)
}

impl MatrixPane<'_> {
    /// The scheme columns' least width: the longest word of any cell, so that no word is cut.
    fn column_floor(&self) -> usize {
        Attack::ALL
            .iter()
            .flat_map(|&a| Scheme::ALL.iter().map(move |&s| (a, s)))
            .filter_map(|(a, s)| self.board.get(a, s))
            .flat_map(|cell| {
                cell.outcome
                    .summary
                    .split_whitespace()
                    .map(super::columns)
                    .collect::<Vec<_>>()
            })
            .chain(Scheme::ALL.iter().map(|s| s.name().len()))
            .max()
            .unwrap_or(8)
    }
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
        // Cells wrap onto as many lines as the height allows, whole words only, and say so
        // with … when cut.
        let inner = table.height.saturating_sub(3) as usize;
        let budget = (inner / Attack::ALL.len()).max(1);
        let floor = self.column_floor();
        let all = Scheme::ALL.len();
        let narrowest_title = Attack::ALL
            .iter()
            .map(|a| narrowest(a.title(), budget, usize::from(TITLE)))
            .max()
            .unwrap_or(usize::from(TITLE));
        // Side borders go before a scheme column does.
        let sides = narrowest_title + all * (floor + 1) + 2 <= usize::from(table.width);
        let width = usize::from(table.width).saturating_sub(if sides { 2 } else { 0 });
        let fits = |title: usize, n: usize| title + n * (floor + 1) <= width;
        // The action column narrows (its titles wrapping) before a scheme column is hidden;
        // the schemes that still do not fit are reached with ← →.
        let title = if fits(usize::from(TITLE), all) {
            usize::from(TITLE)
        } else {
            narrowest_title
        };
        let shown = (1..=all).rev().find(|&n| fits(title, n)).unwrap_or(1);
        let first = self.first_scheme.min(all - shown);
        let schemes = &Scheme::ALL[first..first + shown];
        let heading = if shown < all {
            format!(
                "Matrix — schemes {}–{} of {all}, ← → for the others",
                first + 1,
                first + shown
            )
        } else {
            "Matrix".to_owned()
        };
        Paragraph::new(vec![Line::from(state), legend]).render(intro, buf);
        let header = Row::new(
            std::iter::once("action".to_owned()).chain(schemes.iter().map(|s| s.name().to_owned())),
        )
        .style(theme.dim());
        let column = (width.saturating_sub(title) / shown)
            .saturating_sub(1)
            .max(1);
        // The spare lines go round the rows whose words need them, a line each per round.
        let needed: Vec<usize> = Attack::ALL
            .iter()
            .map(|&attack| {
                schemes
                    .iter()
                    .filter_map(|&s| self.board.get(attack, s))
                    .map(|cell| super::wrap(&cell.outcome.summary, column, 4).len())
                    .chain(std::iter::once(super::wrap(attack.title(), title, 4).len()))
                    .max()
                    .unwrap_or(1)
            })
            .collect();
        let mut spare = inner.saturating_sub(Attack::ALL.len() * budget);
        let mut budgets = vec![budget; needed.len()];
        for level in budget + 1..=4 {
            for (row, &need) in budgets.iter_mut().zip(&needed) {
                if need >= level && spare > 0 {
                    *row = level;
                    spare -= 1;
                }
            }
        }
        let rows = Attack::ALL.iter().zip(budgets).map(|(&attack, budget)| {
            let title_lines: Vec<Line> = super::wrap(attack.title(), title, budget)
                .into_iter()
                .map(Line::from)
                .collect();
            let mut height = title_lines.len();
            let mut cells = vec![Cell::from(title_lines)];
            for &scheme in schemes {
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
        let widths = std::iter::once(Constraint::Length(title as u16))
            .chain(schemes.iter().map(|_| Constraint::Fill(1)));
        let mut block = pane_block(heading, false, theme);
        if !sides {
            block = block.borders(Borders::TOP | Borders::BOTTOM);
        }
        Table::new(rows, widths)
            .header(header)
            .block(block)
            .column_spacing(1)
            .render(table, buf);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::matrix::{Cell as Played, Outcome};

    /// A board whose every cell says `summary`.
    fn board(summary: &str) -> MatrixBoard {
        let mut board = MatrixBoard::default();
        for attack in Attack::ALL {
            for scheme in Scheme::ALL {
                board.record(Played {
                    attack,
                    scheme,
                    outcome: Outcome {
                        verdicts: vec![],
                        plaintext: None,
                        summary: summary.to_owned(),
                        safe: Some(true),
                    },
                });
            }
        }
        board
    }

    fn drawn(board: &MatrixBoard, first_scheme: usize, width: u16) -> String {
        let area = Rect::new(0, 0, width, 24);
        let mut buf = Buffer::empty(area);
        let theme = Theme { mono: true };
        MatrixPane {
            board,
            first_scheme,
            theme: &theme,
        }
        .render(area, &mut buf);
        (0..24)
            .map(|y| (0..width).map(|x| buf[(x, y)].symbol()).collect::<String>())
            .collect::<Vec<_>>()
            .join("\n")
    }

    #[test]
    fn schemes_that_do_not_fit_with_whole_words_are_paged_with_the_arrows() {
        let wide = "an-unbreakably-long-word";
        let board = board(&format!("{wide} then short"));
        let text = drawn(&board, 0, 80);
        assert!(
            text.contains("schemes 1–2 of 7, ← → for the others"),
            "{text}"
        );
        assert!(text.contains(wide) && !text.contains("fernet"), "{text}");
        let text = drawn(&board, 2, 80);
        assert!(text.contains("schemes 3–4 of 7"), "{text}");
        assert!(
            text.contains("fernet") && text.contains("hmac") && !text.contains(" ecb "),
            "{text}"
        );
        // Past the end, the last page.
        assert!(drawn(&board, 9, 80).contains("schemes 6–7 of 7"));
        // When every scheme fits, none is hidden.
        let text = drawn(&board_of_short(), 0, 160);
        assert!(!text.contains("← →") && text.contains("chacha"), "{text}");
    }

    fn board_of_short() -> MatrixBoard {
        board("rejected: tag mismatch")
    }
}
