//! The Oracle tab (DESIGN §9 "What the screen shows"): the target's blocks, the block and byte
//! being worked, each question's guess and verdict as they stream, the intermediate bytes
//! `D(C_i)` found so far, the plaintext growing from the right, the query counts and, once it
//! ends, what was recovered beside the original's length. The screen of `cipherlab attack`
//! draws the same widget.
//!
//! At 80 columns the table (C_i | D(C_i)) sits above the questions; from about 140 columns
//! the plaintext gets a column of its own and the questions move to the right.

use std::time::Instant;

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;

use super::{pane_block, put};
use crate::crypto::BLOCK;
use crate::net::AttackKind;
use crate::net::oracle::live::{Asked, Heard, Outcome, Snapshot};
use crate::tui::theme::Theme;

/// Columns the table takes without its plaintext column.
const TABLE: u16 = 4 + 2 * 32 + 3;
/// Columns the plaintext column adds.
const PLAIN_COLUMN: u16 = BLOCK as u16 + 2;
/// Columns the questions need beside the table, when they go on the right.
const QUESTIONS_BESIDE: u16 = 44;
/// A byte not found yet.
const UNKNOWN: char = '·';
/// A byte found that does not print (padding, say).
const UNPRINTABLE: char = '▫';

/// The Oracle view over one attack's snapshot.
pub struct OraclePane<'a> {
    /// What the attack knows now.
    pub snapshot: &'a Snapshot,
    /// Questions a second, 0 for full speed.
    pub pace: u32,
    /// What is being read, in words ("client message #2, through the victim's connection").
    pub aim: Option<&'a str>,
    /// What to say before any attack started.
    pub idle: &'a [&'a str],
    /// Whether the pane has the keys.
    pub focused: bool,
    /// The colours.
    pub theme: &'a Theme,
}

/// The pace as the tab shows it.
pub fn pace_words(pace: u32) -> String {
    match pace {
        0 => "full speed".to_owned(),
        1 => "1 query/s".to_owned(),
        n => format!("{} queries/s", thousands(u64::from(n))),
    }
}

/// `12345` as `12,345`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn char_of(byte: Option<u8>) -> char {
    match byte {
        None => UNKNOWN,
        Some(b) if b.is_ascii_graphic() || b == b' ' => b as char,
        Some(_) => UNPRINTABLE,
    }
}

impl OraclePane<'_> {
    fn head(&self, width: u16) -> Vec<Line<'static>> {
        let theme = self.theme;
        let s = self.snapshot;
        let name = s.attack.map_or("padding-oracle", |a| a.name());
        let what = match self.aim {
            Some(aim) => format!("{name} · {aim}"),
            None => name.to_owned(),
        };
        let pace = Span::styled(
            format!("pace: {}", pace_words(self.pace)),
            if self.pace == 0 {
                theme.dim()
            } else {
                theme.warning()
            },
        );
        let bold = Style::new().add_modifier(Modifier::BOLD);
        let mut lines: Vec<Vec<Span<'static>>> = super::wrap(&what, usize::from(width), 2)
            .into_iter()
            .map(|l| vec![Span::styled(l, bold)])
            .collect();
        // The pace goes after what is read when it fits there, else on a line of its own.
        let last: usize = lines.last().map_or(0, |l| l.iter().map(Span::width).sum());
        match lines.last_mut() {
            Some(line) if last + 3 + pace.width() <= usize::from(width) => {
                line.push(Span::raw(" · "));
                line.push(pace);
            }
            _ => lines.push(vec![pace]),
        }
        lines.into_iter().map(Line::from).collect()
    }

    fn progress(&self, width: u16) -> Vec<Line<'static>> {
        let theme = self.theme;
        let s = self.snapshot;
        let now = Instant::now();
        let rate = s
            .rate(now)
            .map(|r| format!(" · {} queries/s", thousands(r as u64)))
            .unwrap_or_default();
        match &s.outcome {
            None => {
                let at = match s.working {
                    Some((block, index)) => format!("working C{}, byte {index}", block + 1),
                    None => "starting".to_owned(),
                };
                let text = format!(
                    "{at} · queries {} (this byte {}, the most for one byte {}){rate}",
                    thousands(s.queries),
                    s.byte_queries,
                    s.most_per_byte
                );
                super::wrap(&text, usize::from(width), 2)
                    .into_iter()
                    .map(Line::from)
                    .collect()
            }
            Some(Outcome::Recovered { plaintext, seconds }) => {
                let text = format!(
                    "✔ recovered without the key: \"{}\"",
                    plaintext.escape_ascii()
                );
                let blocks = s.blocks.len().saturating_sub(1);
                let shape = if blocks > 0 {
                    format!(
                        " (IV + {blocks} block{}, {} bytes of ciphertext)",
                        if blocks == 1 { "" } else { "s" },
                        s.target_len
                    )
                } else {
                    String::new()
                };
                // A replay knows the ciphertext's length only, and byte-at-a-time a secret's.
                let from = match (s.message_len, s.attack) {
                    (0, Some(AttackKind::PaddingOracle)) => {
                        format!("from {} bytes of ciphertext", s.target_len)
                    }
                    (0, _) => format!("of a {}-byte secret", s.target_len),
                    (len, _) => format!("from a {len}-byte message{shape}"),
                };
                let counts = format!(
                    "{} bytes recovered {from} · {} queries, at most {} for one byte · \
                     {seconds:.3} s",
                    plaintext.len(),
                    thousands(s.queries),
                    s.most_per_byte
                );
                let mut lines: Vec<Line> = super::wrap(&text, usize::from(width), 3)
                    .into_iter()
                    .map(|l| Line::styled(l, theme.good().add_modifier(Modifier::BOLD)))
                    .collect();
                lines.extend(
                    super::wrap(&counts, usize::from(width), 2)
                        .into_iter()
                        .map(Line::from),
                );
                lines
            }
            Some(Outcome::Failed { reason }) => {
                let text = format!(
                    "✘ oracle-failed after {} queries: {reason}",
                    thousands(s.queries)
                );
                super::wrap(&text, usize::from(width), 3)
                    .into_iter()
                    .map(|l| Line::styled(l, theme.warning()))
                    .collect()
            }
        }
    }

    /// The table: the IV and each ciphertext block, with `D(C_i)` and (wide) `P_i` found so
    /// far; at most `rows` rows, the worked block among them.
    fn table(&self, rows: usize, plain_column: bool) -> Vec<Line<'static>> {
        let theme = self.theme;
        let s = self.snapshot;
        if s.blocks.is_empty() || rows < 2 {
            return Vec::new();
        }
        let mut header = format!("{:<5}{:<34}{:<34}", "", "C_i (the target)", "D(C_i) found");
        if plain_column {
            header.push_str("P_i");
        }
        let mut lines = vec![Line::styled(header, theme.dim())];
        let working = s.working.map(|(block, _)| block + 1);
        let shown = rows - 1;
        // Link 0 is the IV; the window slides to keep the worked block in sight.
        let focus = working.unwrap_or(s.blocks.len() - 1);
        let first = focus
            .saturating_sub(shown.saturating_sub(1))
            .min(s.blocks.len().saturating_sub(shown));
        for link in (first..s.blocks.len()).take(shown) {
            let mark = if Some(link) == working { "▸" } else { " " };
            let label = if link == 0 {
                "IV".to_owned()
            } else {
                format!("C{link}")
            };
            let mut spans = vec![
                Span::styled(format!("{mark}{label:<4}"), Style::new()),
                Span::styled(hex::encode(s.blocks[link]), theme.dim()),
                Span::raw("  "),
            ];
            if link > 0 {
                let row = &s.intermediate[link - 1];
                for (i, byte) in row.iter().enumerate() {
                    let worked = s.working == Some((link - 1, i));
                    let span = match byte {
                        Some(b) => Span::styled(format!("{b:02x}"), theme.good()),
                        None if worked => Span::styled("▒▒", theme.warning()),
                        None => Span::styled("··", theme.dim()),
                    };
                    spans.push(span);
                }
                if plain_column {
                    let text: String = s.plain[link - 1].iter().map(|b| char_of(*b)).collect();
                    spans.push(Span::raw("  "));
                    spans.push(Span::styled(text, theme.good()));
                }
            }
            lines.push(Line::from(spans));
        }
        lines
    }

    /// The plaintext found so far, the whole message, unknown bytes as `·`; at most `rows`
    /// rows, the frontier where it grows among them.
    fn plaintext(&self, width: u16, rows: usize) -> Vec<Line<'static>> {
        let s = self.snapshot;
        let bytes: Vec<Option<u8>> = s.plain.iter().flatten().copied().collect();
        if bytes.is_empty() || rows == 0 {
            return Vec::new();
        }
        let label = "plaintext: ";
        let per_row = usize::from(width).saturating_sub(label.len()).max(8);
        let chunks: Vec<&[Option<u8>]> = bytes.chunks(per_row).collect();
        let frontier = bytes.iter().rposition(Option::is_none).unwrap_or(0) / per_row;
        let first = frontier.min(chunks.len().saturating_sub(rows));
        chunks
            .iter()
            .enumerate()
            .skip(first)
            .take(rows)
            .map(|(i, chunk)| {
                let lead = if i == first { label } else { "" };
                let mut spans = vec![Span::styled(
                    format!("{lead:<width$}", width = label.len()),
                    self.theme.dim(),
                )];
                spans.extend(chunk.iter().map(|b| match b {
                    None => Span::styled(UNKNOWN.to_string(), self.theme.dim()),
                    Some(_) => Span::styled(
                        char_of(*b).to_string(),
                        self.theme.good().add_modifier(Modifier::BOLD),
                    ),
                }));
                Line::from(spans)
            })
            .collect()
    }

    fn question(&self, asked: &Asked) -> Line<'static> {
        let theme = self.theme;
        let what = if asked.recheck { "re-check" } else { "guess" };
        let mut spans = vec![
            Span::styled(format!("{:>7} ", thousands(asked.id)), theme.dim()),
            Span::raw(format!(
                "C{}[{:>2}] {what} IV'={:02x}  ",
                asked.block + 1,
                asked.index,
                asked.guess
            )),
        ];
        spans.push(match asked.heard {
            None => Span::styled("… asked", theme.dim()),
            Some(Heard::Accepted) => {
                Span::styled("✔ valid padding", theme.good().add_modifier(Modifier::BOLD))
            }
            Some(Heard::Rejected(Some(reason))) => Span::styled(format!("✘ {reason}"), theme.dim()),
            Some(Heard::Rejected(None)) => Span::styled("✘ rejected", theme.dim()),
        });
        Line::from(spans)
    }

    fn questions(&self, rows: usize) -> Vec<Line<'static>> {
        let s = self.snapshot;
        if s.recent.is_empty() || rows < 2 {
            return Vec::new();
        }
        let mut lines = vec![Line::styled(
            "questions, the latest first",
            self.theme.dim(),
        )];
        lines.extend(
            s.recent
                .iter()
                .rev()
                .take(rows - 1)
                .map(|a| self.question(a)),
        );
        lines
    }
}

impl Widget for OraclePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let block = pane_block(" Oracle ", self.focused, self.theme);
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.width == 0 || inner.height == 0 {
            return;
        }
        let width = inner.width;
        let mut lines = self.head(width);
        if self.snapshot.attack.is_none() && self.snapshot.outcome.is_none() {
            for text in self.idle {
                lines.extend(
                    super::wrap(text, usize::from(width), 4)
                        .into_iter()
                        .map(|l| Line::styled(l, self.theme.dim())),
                );
            }
            for (i, line) in lines
                .into_iter()
                .take(usize::from(inner.height))
                .enumerate()
            {
                put(buf, inner.x, inner.y + i as u16, line, width);
            }
            return;
        }
        lines.extend(self.progress(width));
        let beside = width >= TABLE + PLAIN_COLUMN + QUESTIONS_BESIDE;
        let plain_column = width >= TABLE + PLAIN_COLUMN;
        let height = usize::from(inner.height);
        let left = if beside { TABLE + PLAIN_COLUMN } else { width };
        // What stays for the table, the plaintext and the questions.
        let rest = height.saturating_sub(lines.len() + 1);
        let table_rows = if beside {
            rest.saturating_sub(4)
        } else {
            (self.snapshot.blocks.len() + 1)
                .min(rest / 2)
                .max(rest.min(3))
        };
        lines.push(Line::raw(""));
        let top = lines.len();
        lines.extend(self.table(table_rows, plain_column));
        let plain_rows = if beside { 3 } else { 2 };
        let plain = self.plaintext(left, plain_rows.min(height.saturating_sub(lines.len())));
        lines.extend(plain);
        for (i, line) in lines.iter().take(height).enumerate() {
            // What is read and how it goes span the pane; the table keeps to its column.
            let room = if i < top { width } else { left };
            put(buf, inner.x, inner.y + i as u16, line.clone(), room);
        }
        if beside {
            let x = inner.x + left + 2;
            let room = width.saturating_sub(left + 2);
            let rows = height.saturating_sub(top);
            for (i, line) in self.questions(rows).into_iter().enumerate() {
                put(buf, x, inner.y + (top + i) as u16, line, room);
            }
        } else {
            let used = lines.len().min(height);
            let rows = height.saturating_sub(used + 1);
            for (i, line) in self.questions(rows).into_iter().enumerate() {
                put(buf, inner.x, inner.y + (used + 1 + i) as u16, line, width);
            }
        }
    }
}
