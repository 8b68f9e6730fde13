//! Drawing: each pane is a widget over the part of the state it draws, in its own small
//! module; `app::draw` puts them on the screen. Nothing here changes state.

pub(crate) mod chrome;
mod clients;
mod compare;
pub(crate) mod exercise;
pub mod hex;
pub(crate) mod history;
mod matrix;
mod narration;
pub mod oracle;
pub(crate) mod panes;
mod picture;
mod popup;
mod verification;
mod wire;

pub(crate) use clients::ClientsPane;
pub(crate) use compare::ComparePane;
pub(crate) use matrix::MatrixPane;
pub(crate) use narration::{NarrationPane, height as narration_height};
pub use oracle::OraclePane;

/// What the Oracle tab says before any attack.
pub(crate) const ORACLE_IDLE: [&str; 3] = [
    "No attack yet. On the Lab tab, send a message, select it in History (or hold one with x), \
     and press o: the padding oracle reads it through the victim's own connection, from the \
     server's verdicts alone.",
    "Under cbc it recovers the plaintext, even under a pre-shared or agreed key; under fernet, \
     gcm and chacha every question is rejected by the tag, and it fails after 256.",
    "+ and - set the pace: full speed, or slow enough to follow one question at a time.",
];
pub(crate) use picture::PicturePane;
pub(crate) use popup::{HelpPopup, NoticePopup, TamperPopup};
pub(crate) use wire::WirePane;

use ratatui::buffer::{Buffer, CellWidth};
use ratatui::text::{Line, Span};
use ratatui::widgets::Block;

use super::theme::Theme;
use crate::net::{Direction, Role};

/// A pane's border with its title; focused panes are emphasised.
pub(crate) fn pane_block<'a>(
    title: impl Into<Line<'a>>,
    focused: bool,
    theme: &Theme,
) -> Block<'a> {
    Block::bordered()
        .title(title)
        .border_style(theme.border(focused))
        .title_style(theme.border(focused))
}

/// Word-wraps `text` into at most `rows` lines of `width` columns. When it does not fit, the
/// last line ends in `…`, so a projector at a small size never hides text silently. A word
/// longer than a whole line is the only thing broken inside, since it fits no other way.
pub(super) fn wrap(text: &str, width: usize, rows: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut line = String::new();
    let width = width.max(1);
    let mut pieces: Vec<String> = Vec::new();
    for word in text.split_whitespace() {
        let mut rest = word;
        while columns(rest) > width {
            let (head, used) = cut(rest, width);
            if used == 0 {
                break;
            }
            rest = &rest[head.len()..];
            pieces.push(head);
        }
        pieces.push(rest.to_owned());
    }
    for word in pieces.iter().filter(|w| !w.is_empty()) {
        let fits = line.is_empty() || columns(&line) + 1 + columns(word) <= width;
        if !fits {
            lines.push(std::mem::take(&mut line));
        }
        if !line.is_empty() {
            line.push(' ');
        }
        line.push_str(word);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    if lines.len() > rows && rows > 0 {
        lines.truncate(rows);
        if let Some(last) = lines.last_mut() {
            let kept = cut(last, width.saturating_sub(1)).0;
            *last = format!("{kept}…");
        }
    }
    lines.truncate(rows);
    lines
}

/// The first of `forms` (longest first) that fits whole in `rows` lines of `width`, wrapped;
/// the last one cut with `…` when none does.
pub(super) fn first_fit(forms: &[&str], width: u16, rows: u16) -> Vec<String> {
    let (width, rows) = (usize::from(width), usize::from(rows.max(1)));
    forms
        .iter()
        .map(|form| wrap(form, width, usize::MAX))
        .find(|lines| lines.len() <= rows)
        .unwrap_or_else(|| wrap(forms.last().copied().unwrap_or_default(), width, rows))
}

/// Cuts a line to `width` columns, ending it with `…` when anything was cut, so that nothing
/// is cut off without an indication.
pub(crate) fn fit(line: Line<'static>, width: u16) -> Line<'static> {
    let width = width as usize;
    if line.width() <= width {
        return line;
    }
    let mut used = 0;
    let mut spans = Vec::new();
    for span in line.spans {
        let w = span.width();
        if used + w < width {
            used += w;
            spans.push(span);
            continue;
        }
        let mut text = String::new();
        for c in span.content.chars() {
            if Span::raw(format!("{text}{c}")).width() + used >= width {
                break;
            }
            text.push(c);
        }
        spans.push(Span::styled(text, span.style));
        break;
    }
    spans.push(Span::raw("…"));
    Line::from(spans).style(line.style)
}

/// The longest start of `text` that fills at most `width` terminal columns, and the columns it
/// fills. Counted as the buffer counts them (graphemes, an emoji or a CJK character filling
/// two), so that what follows lands where it was meant to.
pub(crate) fn cut(text: &str, width: usize) -> (String, usize) {
    let mut used = 0;
    let mut kept = String::new();
    for grapheme in Span::raw(text).styled_graphemes(ratatui::style::Style::new()) {
        let w = usize::from(grapheme.symbol.cell_width());
        if used + w > width {
            break;
        }
        used += w;
        kept.push_str(grapheme.symbol);
    }
    (kept, used)
}

/// The terminal columns `text` fills, as the buffer counts them.
pub(crate) fn columns(text: &str) -> usize {
    Span::raw(text)
        .styled_graphemes(ratatui::style::Style::new())
        .map(|g| usize::from(g.symbol.cell_width()))
        .sum()
}

/// Draws a line cut to `width` (see [`fit`]).
pub(crate) fn put(buf: &mut Buffer, x: u16, y: u16, line: Line<'static>, width: u16) {
    buf.set_line(x, y, &fit(line, width), width);
}

/// A pane title that fits: the long form when there is room, else the short one.
pub(crate) fn title(long: String, short: &str, width: u16) -> String {
    if long.chars().count() + 2 <= width as usize {
        long
    } else {
        short.to_owned()
    }
}

/// Who sent a message going `direction`.
pub(crate) fn sender_of(direction: Option<Direction>) -> Role {
    match direction {
        Some(Direction::ToClient) => Role::Server,
        _ => Role::Client,
    }
}

/// Bytes as text for the screen: lossy UTF-8 with control characters made visible.
pub(crate) fn readable(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes)
        .chars()
        .map(|c| if c.is_control() { '·' } else { c })
        .collect()
}
