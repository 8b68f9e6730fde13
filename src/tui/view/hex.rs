//! The hex view: offset | hex | ASCII, every byte coloured by the anatomy field it belongs to,
//! with a legend. Equal ECB blocks share a colour; bytes a pending tamper action would touch
//! are highlighted.

use std::ops::Range;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use crate::crypto::{Anatomy, FieldKind};
use crate::tui::theme::Theme;

/// A hex dump of a dissected message.
pub struct HexView<'a> {
    /// The message.
    pub anatomy: &'a Anatomy,
    /// Styles.
    pub theme: Theme,
    /// Rows scrolled past.
    pub scroll: usize,
    /// Byte ranges to highlight.
    pub touched: &'a [Range<usize>],
    /// The full length when only a prefix was kept.
    pub full_len: Option<usize>,
    /// Short legend labels, for narrow panes.
    pub compact: bool,
}

/// A legend label in a few letters.
fn short(name: &str) -> &str {
    match name {
        "version" => "ver",
        "timestamp" => "time",
        "ciphertext" => "ct",
        "repeated block" => "repeat",
        "length" => "len",
        "message" => "msg",
        other => other,
    }
}

/// The bytes per row that fit `width` columns: 32, 16, 8 or 4.
pub fn bytes_per_row(width: u16, offset_digits: usize) -> usize {
    [32, 16, 8, 4]
        .into_iter()
        .find(|&n| offset_digits + 1 + (2 * n + n / 4 - 1) + 1 + n <= width as usize)
        .unwrap_or(4)
}

impl HexView<'_> {
    fn style_at(&self, offset: usize, kinds: &[(Range<usize>, FieldKind)]) -> Style {
        if self.touched.iter().any(|r| r.contains(&offset)) {
            return self.theme.touched();
        }
        let index = kinds.partition_point(|(r, _)| r.end <= offset);
        kinds
            .get(index)
            .filter(|(r, _)| r.contains(&offset))
            .map_or(Style::new(), |(_, k)| self.theme.field(k))
    }

    /// The legend's items: each field category once, in order, with the timestamp's date.
    fn legend(&self) -> Vec<Vec<Span<'static>>> {
        let mut seen: Vec<&str> = Vec::new();
        let mut items = Vec::new();
        for field in &self.anatomy.fields {
            let name = field.kind.legend();
            if seen.contains(&name) {
                continue;
            }
            seen.push(name);
            let text = match field.kind {
                FieldKind::Timestamp { .. } if !self.compact => field.kind.label(),
                _ if self.compact => short(name).to_owned(),
                _ => name.to_owned(),
            };
            items.push(vec![
                Span::styled("■", self.theme.field(&field.kind)),
                Span::raw(format!("{text} ")),
            ]);
        }
        if !self.touched.is_empty() {
            items.push(vec![
                Span::styled("■", self.theme.touched()),
                Span::raw("changed "),
            ]);
        }
        if let Some(len) = self.full_len {
            items.push(vec![Span::styled(
                format!("(first {} of {len} bytes)", self.anatomy.bytes.len()),
                self.theme.dim(),
            )]);
        }
        items
    }
}

/// Wraps legend items into lines of at most `width` columns, never splitting an item.
fn wrap(items: Vec<Vec<Span<'static>>>, width: usize) -> Vec<Line<'static>> {
    let mut lines = vec![];
    let mut line: Vec<Span> = vec![];
    let mut used = 0;
    for item in items {
        let w: usize = item.iter().map(Span::width).sum();
        if used + w > width && !line.is_empty() {
            lines.push(Line::from(std::mem::take(&mut line)));
            used = 0;
        }
        used += w;
        line.extend(item);
    }
    if !line.is_empty() {
        lines.push(Line::from(line));
    }
    lines
}

impl Widget for HexView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let bytes = &self.anatomy.bytes;
        let digits = if bytes.len() > 0xffff { 6 } else { 4 };
        let per_row = bytes_per_row(area.width, digits);
        let mut legend = wrap(self.legend(), area.width as usize);
        // The bytes matter more than the legend: it takes a third of the rows at most.
        let legend_rows = legend
            .len()
            .min((area.height as usize / 3).max(1))
            .min(area.height.saturating_sub(1) as usize);
        legend.truncate(legend_rows);
        let hex_rows = area.height as usize - legend_rows;
        let total_rows = bytes.len().div_ceil(per_row);
        let scroll = self.scroll.min(total_rows.saturating_sub(hex_rows));
        let kinds: Vec<(Range<usize>, FieldKind)> = self
            .anatomy
            .fields
            .iter()
            .map(|f| (f.range.clone(), f.kind))
            .collect();
        for row in 0..hex_rows.min(total_rows - scroll.min(total_rows)) {
            let start = (scroll + row) * per_row;
            let chunk = &bytes[start..(start + per_row).min(bytes.len())];
            let mut spans = vec![Span::styled(
                format!("{start:0digits$x} "),
                self.theme.dim(),
            )];
            for (i, b) in chunk.iter().enumerate() {
                if i > 0 && i % 4 == 0 {
                    spans.push(Span::raw(" "));
                }
                spans.push(Span::styled(
                    format!("{b:02x}"),
                    self.style_at(start + i, &kinds),
                ));
            }
            let hex_width = 2 * per_row + per_row / 4 - 1;
            let drawn = 2 * chunk.len() + chunk.len().saturating_sub(1) / 4;
            spans.push(Span::raw(" ".repeat(hex_width - drawn + 1)));
            for (i, b) in chunk.iter().enumerate() {
                let c = if b.is_ascii_graphic() || *b == b' ' {
                    *b as char
                } else {
                    '.'
                };
                spans.push(Span::styled(
                    c.to_string(),
                    self.style_at(start + i, &kinds),
                ));
            }
            buf.set_line(area.x, area.y + row as u16, &Line::from(spans), area.width);
        }
        if total_rows > hex_rows && hex_rows > 0 {
            let more = format!(" {}/{} ", scroll + hex_rows.min(total_rows), total_rows);
            let x = area.x + area.width.saturating_sub(more.len() as u16);
            buf.set_string(x, area.y + hex_rows as u16 - 1, more, self.theme.dim());
        }
        for (i, line) in legend.iter().enumerate() {
            buf.set_line(area.x, area.y + (hex_rows + i) as u16, line, area.width);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_fit_the_width() {
        assert_eq!(bytes_per_row(22, 4), 4);
        assert_eq!(bytes_per_row(40, 4), 8);
        assert_eq!(bytes_per_row(60, 4), 16);
        assert_eq!(bytes_per_row(120, 4), 32);
    }
}
