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
    /// Where the legend goes.
    pub legend: Legend,
}

/// Where a hex view's legend goes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Legend {
    /// Below the bytes, taking a third of the rows at most.
    Below,
    /// Not drawn: the pane puts it elsewhere (in its border, see [`HexView::legend_line`]).
    Elsewhere,
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

/// The bytes per row, and whether the ASCII column is drawn. Where only 4 bytes a row would
/// fit beside their ASCII (a demo column at 80×24), 8 without it show a 16-byte block in two
/// rows, so that ECB's equal blocks still stand out; bytes meant to be read (hmac's message)
/// keep their ASCII.
pub fn row_layout(width: u16, offset_digits: usize, readable: bool) -> (usize, bool) {
    let with_ascii = bytes_per_row(width, offset_digits);
    let bare = offset_digits + 1 + (2 * 8 + 8 / 4 - 1);
    if with_ascii < 8 && !readable && bare <= width as usize {
        (8, false)
    } else {
        (with_ascii, true)
    }
}

impl HexView<'_> {
    /// The legend in one line of `width` columns, if it fits in one (for a pane's border).
    pub fn legend_line(&self, width: u16) -> Option<Line<'static>> {
        let mut lines = wrap(self.legend(), width as usize);
        (lines.len() <= 1).then(|| lines.pop().unwrap_or_default())
    }

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

/// Where a hex view's rows go on an area: worked out once, for drawing and for a pane that
/// shows the position in its border.
struct Geometry {
    digits: usize,
    per_row: usize,
    ascii: bool,
    legend: Vec<Line<'static>>,
    hex_rows: usize,
    total_rows: usize,
    scroll: usize,
}

impl Geometry {
    /// ` 4/6 ` when not every row is in view.
    fn more(&self) -> Option<String> {
        (self.total_rows > self.hex_rows && self.hex_rows > 0).then(|| {
            let shown = self.scroll + self.hex_rows.min(self.total_rows);
            format!(" {shown}/{} ", self.total_rows)
        })
    }

    /// The columns a full row of bytes takes.
    fn row_width(&self) -> usize {
        let hex = 2 * self.per_row + self.per_row / 4 - 1;
        self.digits + 1 + hex + if self.ascii { 1 + self.per_row } else { 0 }
    }
}

impl HexView<'_> {
    fn geometry(&self, area: Rect) -> Geometry {
        let bytes = &self.anatomy.bytes;
        let digits = if bytes.len() > 0xffff { 6 } else { 4 };
        let readable = self
            .anatomy
            .fields
            .iter()
            .any(|f| f.kind == FieldKind::Message);
        let (per_row, ascii) = row_layout(area.width, digits, readable);
        let mut legend = match self.legend {
            Legend::Below => wrap(self.legend(), area.width as usize),
            Legend::Elsewhere => Vec::new(),
        };
        // The bytes matter more than the legend: it takes a third of the rows at most.
        let legend_rows = legend
            .len()
            .min((area.height as usize / 3).max(usize::from(!legend.is_empty())))
            .min(area.height.saturating_sub(1) as usize);
        legend.truncate(legend_rows);
        let hex_rows = area.height as usize - legend_rows;
        let total_rows = bytes.len().div_ceil(per_row);
        Geometry {
            digits,
            per_row,
            ascii,
            legend,
            hex_rows,
            total_rows,
            scroll: self.scroll.min(total_rows.saturating_sub(hex_rows)),
        }
    }

    /// Where the rows in view stand (` 4/6 `), when the pane is to say it (a legend drawn
    /// elsewhere leaves no room beside the bytes).
    pub fn position(&self, area: Rect) -> Option<String> {
        self.geometry(area).more()
    }
}

impl Widget for HexView<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        if area.height == 0 || area.width == 0 {
            return;
        }
        let bytes = &self.anatomy.bytes;
        let geometry = self.geometry(area);
        let Geometry {
            digits,
            per_row,
            ascii,
            hex_rows,
            total_rows,
            scroll,
            ..
        } = geometry;
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
            for (i, b) in chunk.iter().enumerate().filter(|_| ascii) {
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
        // The position goes beside the last row, or beside the legend, never over a byte; with
        // the legend elsewhere, the pane says it.
        if let Some(more) = geometry.more().filter(|_| self.legend == Legend::Below) {
            let width = usize::from(area.width);
            let x = area.x + area.width.saturating_sub(more.len() as u16);
            let legend_width = geometry.legend.first().map_or(width, Line::width);
            if geometry.row_width() + more.len() <= width {
                buf.set_string(x, area.y + hex_rows as u16 - 1, more, self.theme.dim());
            } else if legend_width + more.len() <= width {
                buf.set_string(x, area.y + hex_rows as u16, more, self.theme.dim());
            }
        }
        for (i, line) in geometry.legend.iter().enumerate() {
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

    #[test]
    fn a_narrow_view_drops_the_ascii_for_a_block_in_two_rows_unless_it_is_meant_to_be_read() {
        assert_eq!(row_layout(24, 4, false), (8, false));
        assert_eq!(row_layout(24, 4, true), (4, true));
        assert_eq!(
            row_layout(21, 4, false),
            (4, true),
            "too narrow even for that"
        );
        assert_eq!(row_layout(60, 4, false), (16, true));
    }
}
