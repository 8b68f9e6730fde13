//! Popups: the help list (built from the same key table as the dispatcher, for the screen it
//! opens over) and the tamper form with its byte cursor. Each clears its area and draws a
//! centred box.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::hex::{HexView, Legend};
use super::{fit, pane_block, put};
use crate::crypto::Scheme;
use crate::tui::action::{Binding, Context, help_groups};
use crate::tui::attacker::TamperForm;
use crate::tui::theme::Theme;

fn centred(area: Rect, width: u16, height: u16) -> Rect {
    let width = width.min(area.width);
    let height = height.min(area.height);
    Rect {
        x: area.x + (area.width - width) / 2,
        y: area.y + (area.height - height) / 2,
        width,
        height,
    }
}

/// The key list for the screen in `context`, from the same table as the dispatcher: only the
/// keys that apply here, grouped, so that Enter's two meanings sit under their own headings.
pub(crate) struct HelpPopup<'a> {
    pub context: Context,
    pub theme: &'a Theme,
}

/// A help line: a group's heading, or one binding.
enum HelpLine {
    Heading(&'static str),
    Key(&'static Binding),
}

impl HelpPopup<'_> {
    fn line(&self, line: &HelpLine, width: u16) -> Line<'static> {
        let theme = self.theme;
        match line {
            HelpLine::Heading(heading) => Line::from(Span::styled(
                (*heading).to_owned(),
                theme.border(true).add_modifier(Modifier::BOLD),
            )),
            HelpLine::Key(b) => fit(
                Line::from(vec![
                    Span::styled(format!(" {:<10}", b.label), theme.key()),
                    Span::raw(b.help),
                ]),
                width,
            ),
        }
    }
}

impl Widget for HelpPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let lines: Vec<HelpLine> = help_groups(&self.context)
            .into_iter()
            .flat_map(|(heading, rows)| {
                std::iter::once(HelpLine::Heading(heading))
                    .chain(rows.into_iter().map(HelpLine::Key))
            })
            .collect();
        // One column when it fits; otherwise two, split at the heading that evens them best.
        let room = area.height.saturating_sub(4) as usize;
        let split = if lines.len() > room {
            (1..lines.len())
                .filter(|&i| matches!(lines[i], HelpLine::Heading(_)))
                .min_by_key(|&i| i.max(lines.len() - i))
                .unwrap_or(lines.len())
        } else {
            lines.len()
        };
        let mut lines = lines;
        let second = lines.split_off(split);
        let mut columns = vec![lines];
        if !second.is_empty() {
            columns.push(second);
        }
        let two = columns.len() == 2;
        let height = columns.iter().map(Vec::len).max().unwrap_or(0) as u16;
        let box_area = centred(area, if two { 78 } else { 72 }, height + 4);
        Clear.render(box_area, buf);
        let block = pane_block("Help — Esc closes", true, self.theme);
        let inner = block.inner(box_area);
        block.render(box_area, buf);
        let intro = if self.context.can_edit {
            "Keys are commands: i types, Esc stops. Wheel scrolls, click focuses."
        } else {
            "The mouse wheel scrolls, a click focuses."
        };
        put(
            buf,
            inner.x,
            inner.y,
            Line::from(Span::styled(intro, self.theme.dim())),
            inner.width,
        );
        let width = inner.width / columns.len() as u16;
        let rows = inner.height.saturating_sub(1);
        for (i, column) in columns.iter().enumerate() {
            let x = inner.x + i as u16 * width;
            let cut = column.len() > rows as usize;
            for (row, line) in column.iter().enumerate().take(rows as usize) {
                let last = row + 1 == rows as usize;
                let line = if cut && last {
                    Line::from(Span::styled(
                        "… (a taller window shows the rest)",
                        self.theme.dim(),
                    ))
                } else {
                    self.line(line, width.saturating_sub(1))
                };
                put(
                    buf,
                    x,
                    inner.y + 1 + row as u16,
                    line,
                    width.saturating_sub(1),
                );
            }
        }
    }
}

/// The tamper form over the held message, with what the action would touch lit.
pub(crate) struct TamperPopup<'a> {
    pub form: &'a TamperForm,
    pub scheme: Scheme,
    pub theme: &'a Theme,
}

impl Widget for TamperPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (theme, form) = (self.theme, self.form);
        let box_area = centred(area, 72, 18);
        Clear.render(box_area, buf);
        let target = match &form.target {
            Some(held) => format!("Tamper — held message #{}", held.seq),
            None => "Tamper — arms the next client message".to_owned(),
        };
        let block = pane_block(target, true, theme);
        let inner = block.inner(box_area);
        block.render(box_area, buf);
        let [text, status, hex, help] = inner.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(3),
        ]));
        put(
            buf,
            text.x,
            text.y,
            Line::from(vec![
                Span::styled("action> ", theme.key()),
                Span::raw(form.input.value().to_owned()),
            ]),
            text.width,
        );
        let status_line = match (form.check(self.scheme), form.explain()) {
            (Ok(_), Some(Ok(what))) => {
                Line::from(Span::styled(format!("ok: {what}"), theme.good()))
            }
            (Ok(_), Some(Err(e))) | (Err(e), _) => Line::from(Span::styled(e, theme.warning())),
            (Ok(action), None) => Line::from(Span::styled(format!("ok: {action}"), theme.good())),
        };
        put(buf, status.x, status.y, status_line, status.width);
        let (anatomy, touched) = form.touched(self.scheme);
        if let Some(anatomy) = anatomy {
            HexView {
                anatomy: &anatomy,
                theme: *theme,
                scroll: 0,
                touched: &touched,
                full_len: None,
                compact: false,
                legend: Legend::Below,
            }
            .render(hex, buf);
        }
        Paragraph::new(vec![
            Line::from("flip:<byte>:<bit>  iv-flip:<byte>:<bit>  swap:<i>:<j>  paste:<i>"),
            Line::from("truncate  replay  drop  forge   ·  ←→ moves the byte cursor, ↑↓ the bit"),
        ])
        .style(theme.dim())
        .wrap(Wrap { trim: true })
        .render(help, buf);
    }
}

/// The instructor's NOTICE being typed: one line, to every connected client.
pub(crate) struct NoticePopup<'a> {
    pub input: &'a tui_input::Input,
    /// Clients connected now: who will get it.
    pub clients: usize,
    pub theme: &'a Theme,
}

impl NoticePopup<'_> {
    /// Where the cursor goes in a popup drawn on `area`.
    pub(crate) fn cursor(input: &tui_input::Input, area: Rect) -> (u16, u16) {
        let box_area = centred(area, 72, 5);
        let width = box_area.width.saturating_sub(2 + 9) as usize;
        let scroll = input.visual_scroll(width);
        let x = input.visual_cursor().max(scroll) - scroll;
        (box_area.x + 1 + 8 + x as u16, box_area.y + 1)
    }
}

impl Widget for NoticePopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let box_area = centred(area, 72, 5);
        Clear.render(box_area, buf);
        let who = if self.clients == 1 {
            "the 1 client connected".to_owned()
        } else {
            format!("all {} clients connected", self.clients)
        };
        let block = pane_block(format!("Notice — to {who}"), true, theme);
        let inner = block.inner(box_area);
        block.render(box_area, buf);
        let width = inner.width.saturating_sub(9) as usize;
        let scroll = self.input.visual_scroll(width);
        let value: String = self.input.value().chars().skip(scroll).collect();
        let rows = [
            Line::from(vec![
                Span::styled("notice> ", theme.key()),
                Span::raw(value),
            ]),
            Line::default(),
            Line::from(Span::styled(
                "Enter sends it to every client's screen · Esc cancels",
                theme.dim(),
            )),
        ];
        for (i, line) in rows.into_iter().enumerate() {
            put(buf, inner.x, inner.y + i as u16, line, inner.width);
        }
    }
}
