//! The Picture tab: the padlock, and the padlock under ECB, CBC and AES-GCM, side by side, two
//! pixels to a character cell with half blocks. ECB keeps the drawing; CBC and GCM do not.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::{Color, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::pane_block;
use crate::lesson::picture::{Picture, padlock_four_ways};
use crate::tui::theme::Theme;

/// The drawing's palette: background, body, shade, shackle, keyhole, shine.
const PALETTE: [Color; 6] = [
    Color::Indexed(236),
    Color::Indexed(178),
    Color::Indexed(136),
    Color::Indexed(250),
    Color::Indexed(16),
    Color::Indexed(231),
];
/// Shades for NO_COLOR, darkest first.
const SHADES: [&str; 5] = [" ", "░", "▒", "▓", "█"];

/// The colour of one pixel: palette entries for the drawing, the colour cube for ciphertext.
fn colour(value: u8, drawing: bool) -> Color {
    if drawing {
        PALETTE[usize::from(value) % PALETTE.len()]
    } else {
        Color::Indexed(16 + value % 216)
    }
}

/// Draws `picture` scaled (nearest neighbour) into `area`.
fn draw(picture: &Picture, drawing: bool, mono: bool, area: Rect, buf: &mut Buffer) {
    if area.width == 0 || area.height == 0 {
        return;
    }
    // Two pixel rows per cell row; keep the aspect ratio.
    let scale = (f64::from(area.width) / picture.width as f64)
        .min(f64::from(area.height) * 2.0 / picture.height as f64);
    let (cols, rows) = (
        ((picture.width as f64 * scale) as u16).max(1),
        ((picture.height as f64 * scale / 2.0) as u16).max(1),
    );
    let x0 = area.x + (area.width - cols.min(area.width)) / 2;
    let pixel = |px: u16, py: u16| -> u8 {
        let sx = (usize::from(px) * picture.width / usize::from(cols)).min(picture.width - 1);
        let sy =
            (usize::from(py) * picture.height / (usize::from(rows) * 2)).min(picture.height - 1);
        picture.pixels[sy * picture.width + sx]
    };
    for row in 0..rows.min(area.height) {
        for col in 0..cols.min(area.width) {
            let (top, bottom) = (pixel(col, row * 2), pixel(col, row * 2 + 1));
            let Some(cell) = buf.cell_mut((x0 + col, area.y + row)) else {
                continue;
            };
            if mono {
                let shade = |v: u8| usize::from(if drawing { v.min(4) } else { v / 52 });
                cell.set_symbol(SHADES[(shade(top) + shade(bottom)) / 2]);
            } else {
                cell.set_symbol("▀");
                cell.set_style(
                    Style::new()
                        .fg(colour(top, drawing))
                        .bg(colour(bottom, drawing)),
                );
            }
        }
    }
}

/// The Picture tab.
pub(crate) struct PicturePane<'a> {
    pub theme: &'a Theme,
}

impl Widget for PicturePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let [intro, row] = area.layout(&Layout::vertical([
            Constraint::Length(3),
            Constraint::Fill(1),
        ]));
        let text = Line::from(vec![
            Span::raw(
                "The padlock's pixels, one byte each, taken 4×4 at a time (16 bytes: one AES block) and encrypted under AES-128 with one key. ",
            ),
            Span::styled(
                "ECB: equal 16-byte blocks stay equal, so the drawing shows through. ",
                theme.warning(),
            ),
            Span::styled(
                "CBC: each block is mixed with the one before, so nothing repeats. ",
                theme.good(),
            ),
            Span::styled("GCM: noise, even under a fixed nonce.", theme.good()),
        ]);
        Paragraph::new(text)
            .wrap(Wrap { trim: true })
            .render(intro, buf);
        let Some(pictures) = padlock_four_ways() else {
            return;
        };
        let columns = Layout::horizontal([Constraint::Ratio(1, 4); 4]).split(row);
        let titles = [
            "Plaintext picture",
            "ECB ciphertext",
            "CBC ciphertext",
            "GCM, fixed nonce",
        ];
        for (i, ((picture, title), cell)) in
            pictures.iter().zip(titles).zip(columns.iter()).enumerate()
        {
            let block = pane_block(title, false, theme);
            let inner = block.inner(*cell);
            block.render(*cell, buf);
            draw(picture, i == 0, theme.mono, inner, buf);
        }
    }
}
