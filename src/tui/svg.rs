//! Screenshots: a drawn ratatui buffer as an SVG image, cell by cell, with the xterm palette.
//! Used by `cargo run --example screenshots`, whose output the README shows.

use std::fmt::Write as _;

use ratatui::buffer::Buffer;
use ratatui::style::{Color, Modifier};

const CELL_W: u32 = 9;
const CELL_H: u32 = 18;
const BACKGROUND: (u8, u8, u8) = (0x1d, 0x1f, 0x21);
const FOREGROUND: (u8, u8, u8) = (0xc5, 0xc8, 0xc6);

fn rgb(colour: Color, default: (u8, u8, u8)) -> (u8, u8, u8) {
    const NAMED: [(u8, u8, u8); 16] = [
        (0x00, 0x00, 0x00),
        (0xcc, 0x33, 0x33),
        (0x4e, 0x9a, 0x06),
        (0xc4, 0xa0, 0x00),
        (0x34, 0x65, 0xa4),
        (0x75, 0x50, 0x7b),
        (0x06, 0x98, 0x9a),
        (0xd3, 0xd7, 0xcf),
        (0x55, 0x57, 0x53),
        (0xef, 0x29, 0x29),
        (0x8a, 0xe2, 0x34),
        (0xfc, 0xe9, 0x4f),
        (0x72, 0x9f, 0xcf),
        (0xad, 0x7f, 0xa8),
        (0x34, 0xe2, 0xe2),
        (0xee, 0xee, 0xec),
    ];
    match colour {
        Color::Reset => default,
        Color::Black => NAMED[0],
        Color::Red => NAMED[1],
        Color::Green => NAMED[2],
        Color::Yellow => NAMED[3],
        Color::Blue => NAMED[4],
        Color::Magenta => NAMED[5],
        Color::Cyan => NAMED[6],
        Color::Gray => NAMED[7],
        Color::DarkGray => NAMED[8],
        Color::LightRed => NAMED[9],
        Color::LightGreen => NAMED[10],
        Color::LightYellow => NAMED[11],
        Color::LightBlue => NAMED[12],
        Color::LightMagenta => NAMED[13],
        Color::LightCyan => NAMED[14],
        Color::White => NAMED[15],
        Color::Rgb(r, g, b) => (r, g, b),
        Color::Indexed(i) if i < 16 => NAMED[i as usize],
        Color::Indexed(i) if i >= 232 => {
            let level = 8 + 10 * (i - 232);
            (level, level, level)
        }
        Color::Indexed(i) => {
            let i = i - 16;
            let level = |n: u8| if n == 0 { 0 } else { 55 + 40 * n };
            (level(i / 36), level(i / 6 % 6), level(i % 6))
        }
    }
}

fn hex((r, g, b): (u8, u8, u8)) -> String {
    format!("#{r:02x}{g:02x}{b:02x}")
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// How one cell looks: colours after `REVERSED`, and the modifiers that change the text.
#[derive(Clone, Copy, PartialEq, Eq)]
struct Look {
    fg: (u8, u8, u8),
    bg: (u8, u8, u8),
    bold: bool,
    italic: bool,
    underline: bool,
    dim: bool,
}

fn look(cell: &ratatui::buffer::Cell) -> Look {
    let mut fg = rgb(cell.fg, FOREGROUND);
    let mut bg = rgb(cell.bg, BACKGROUND);
    if cell.modifier.contains(Modifier::REVERSED) {
        std::mem::swap(&mut fg, &mut bg);
    }
    Look {
        fg,
        bg,
        bold: cell.modifier.contains(Modifier::BOLD),
        italic: cell.modifier.contains(Modifier::ITALIC),
        underline: cell.modifier.contains(Modifier::UNDERLINED),
        dim: cell.modifier.contains(Modifier::DIM),
    }
}

/// Renders `buf` as a standalone SVG document. Runs of cells that look alike become one
/// `<text>` stretched to the exact grid width, so columns stay aligned in any font.
pub fn buffer_to_svg(buf: &Buffer) -> String {
    let area = buf.area;
    let (width, height) = (
        u32::from(area.width) * CELL_W,
        u32::from(area.height) * CELL_H,
    );
    let mut svg = String::new();
    let _ = writeln!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="DejaVu Sans Mono, Menlo, Consolas, monospace" font-size="15">"#
    );
    let _ = writeln!(
        svg,
        r#"<rect width="100%" height="100%" fill="{}"/>"#,
        hex(BACKGROUND)
    );
    for y in 0..area.height {
        let cells: Vec<(Look, &str)> = (0..area.width)
            .filter_map(|x| buf.cell((area.x + x, area.y + y)))
            .map(|cell| (look(cell), cell.symbol()))
            .collect();
        let py = u32::from(y) * CELL_H;
        let mut x = 0;
        while x < cells.len() {
            let (first, _) = cells[x];
            let run = cells[x..].iter().take_while(|(l, _)| *l == first).count();
            let px = x as u32 * CELL_W;
            if first.bg != BACKGROUND {
                let _ = writeln!(
                    svg,
                    r#"<rect x="{px}" y="{py}" width="{}" height="{CELL_H}" fill="{}"/>"#,
                    run as u32 * CELL_W,
                    hex(first.bg)
                );
            }
            let text: String = cells[x..x + run]
                .iter()
                .map(|(_, s)| if s.is_empty() { " " } else { s })
                .collect();
            let trimmed = text.trim_end();
            if !trimmed.trim_start().is_empty() {
                let cols = trimmed.chars().count() as u32;
                let mut attrs = String::new();
                for (on, attr) in [
                    (first.bold, r#" font-weight="bold""#),
                    (first.italic, r#" font-style="italic""#),
                    (first.underline, r#" text-decoration="underline""#),
                    (first.dim, r#" opacity="0.6""#),
                ] {
                    if on {
                        attrs.push_str(attr);
                    }
                }
                let _ = writeln!(
                    svg,
                    r#"<text x="{px}" y="{}" fill="{}" textLength="{}" lengthAdjust="spacingAndGlyphs"{attrs} xml:space="preserve">{}</text>"#,
                    py + CELL_H - 5,
                    hex(first.fg),
                    cols * CELL_W,
                    escape(trimmed)
                );
            }
            x += run;
        }
    }
    svg.push_str("</svg>\n");
    svg
}
