//! Popups: the help list (built from the same key table as the dispatcher) and the tamper
//! form with its byte cursor. Each clears its area and draws a centred box.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Clear, Paragraph, Widget, Wrap};

use super::hex::HexView;
use super::{fit, pane_block, put};
use crate::crypto::Scheme;
use crate::tui::action::{Binding, Scope, listed};
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

fn scope_note(scope: Scope) -> &'static str {
    match scope {
        Scope::Always => "anywhere",
        Scope::Browsing => "",
        Scope::Typing => "while typing",
        Scope::SchemeChoice => "demo, Lab tab",
        Scope::Compare => "Compare tab",
        Scope::Matrix => "Matrix tab",
        Scope::Wire => "Wire (demo, mitm)",
        Scope::CanEdit => "",
        Scope::Lesson => "during a lesson",
        Scope::Replay => "during a replay",
        Scope::Roster => "server's client list",
        Scope::Retrying => "client, reconnecting",
        Scope::Offline => "client, disconnected",
    }
}

/// The key list, from the same table as the dispatcher.
pub(crate) struct HelpPopup<'a> {
    pub theme: &'a Theme,
}

impl Widget for HelpPopup<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let bindings: Vec<_> = listed().collect();
        // One column with where each key applies when it fits; two columns without that otherwise.
        let one_column = bindings.len() as u16 + 4 <= area.height;
        let rows = if one_column {
            bindings.len()
        } else {
            bindings.len().div_ceil(2)
        };
        let box_area = centred(area, if one_column { 64 } else { 78 }, rows as u16 + 4);
        Clear.render(box_area, buf);
        let block = pane_block("Help — Esc closes", true, theme);
        let inner = block.inner(box_area);
        block.render(box_area, buf);
        put(
            buf,
            inner.x,
            inner.y,
            Line::from("Keys (the mouse wheel scrolls, a click focuses):"),
            inner.width,
        );
        let entry = |b: &Binding, width: usize| {
            let mut spans = vec![
                Span::styled(format!("{:<12}", b.label), theme.key()),
                Span::raw(format!("{:<24}", b.help)),
            ];
            if one_column {
                spans.push(Span::styled(scope_note(b.scope), theme.dim()));
            }
            fit(Line::from(spans), width as u16)
        };
        let half = inner.width / 2;
        for (i, binding) in bindings.iter().enumerate() {
            let (column, row) = if one_column || i < rows {
                (0, i)
            } else {
                (1, i - rows)
            };
            let y = inner.y + 2 + row as u16;
            if y >= inner.y + inner.height {
                break;
            }
            let (x, width) = if one_column {
                (inner.x, inner.width)
            } else {
                (inner.x + column * half, half)
            };
            buf.set_line(x, y, &entry(binding, width as usize), width);
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
