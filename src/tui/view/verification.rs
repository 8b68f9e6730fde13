//! The Verification pane: a role's verdict, large, and the check that decided it, in the
//! words of the scheme's own tag.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::Modifier;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::pane_block;
use super::panes::is_sender;
use crate::crypto::{Scheme, Verdict};
use crate::net::Role;
use crate::tui::journey::Journey;
use crate::tui::theme::Theme;

/// Draws a verdict large: a banner as tall as the area allows, then which check decided it.
pub(super) fn banner(
    theme: &Theme,
    (scheme, verdict): (Scheme, &Verdict),
    note: &str,
    area: Rect,
    buf: &mut Buffer,
) {
    let style = theme.verdict(verdict);
    let tall = area.height >= 4;
    let text = verdict.to_string();
    let mark = Theme::mark(verdict);
    let word = format!("{mark} {text}");
    // A long reason wraps within the banner (ending in … if even that is too little), so it
    // never runs over the pane's border; in a short pane it takes a second row from "decided
    // by", because the reason is what the class reads.
    let rows = if tall { 3 } else { 2.min(area.height.max(1)) };
    let lines = super::wrap(&word, usize::from(area.width), usize::from(rows));
    let banner_rows = if tall { 3 } else { lines.len() as u16 }.min(area.height);
    for row in 0..banner_rows {
        buf.set_style(
            Rect {
                y: area.y + row,
                height: 1,
                ..area
            },
            style,
        );
    }
    let top = if tall && lines.len() == 1 { 1 } else { 0 };
    for (row, line) in (top..).zip(&lines) {
        let x = area.x + area.width.saturating_sub(line.chars().count() as u16) / 2;
        let y = area.y + row;
        buf.set_stringn(
            x,
            y,
            line,
            usize::from(area.width),
            style.add_modifier(Modifier::BOLD),
        );
    }
    // A tag anyone can extend proves nothing: say so in the warning colour, even (above all)
    // when it checked out.
    let forgeable = matches!(scheme.integrity(), crate::crypto::Integrity::Forgeable(_))
        && verdict.decided_by() == crate::crypto::Check::Tag;
    let check = verdict.decided_by_in(scheme);
    let mut below = vec![Line::from(vec![
        Span::styled("decided by ", theme.dim()),
        if forgeable {
            Span::styled(format!("⚠ {check}"), theme.warning())
        } else {
            Span::raw(check)
        },
    ])];
    if !note.is_empty() {
        below.push(Line::from(Span::styled(note.to_owned(), theme.dim())));
    }
    let rest = Rect {
        y: area.y + banner_rows,
        height: area.height.saturating_sub(banner_rows),
        ..area
    };
    Paragraph::new(below)
        .wrap(Wrap { trim: true })
        .render(rest, buf);
}

/// A role's verdict, large, and which check decided it.
pub(crate) struct VerificationPane<'a> {
    pub journey: Option<&'a Journey>,
    pub scheme: Scheme,
    pub role: Role,
    pub theme: &'a Theme,
}

impl Widget for VerificationPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (theme, role) = (self.theme, self.role);
        let block = pane_block("Verification", false, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let Some(journey) = self.journey else {
            Paragraph::new(Span::styled("no message yet", theme.dim())).render(inner, buf);
            return;
        };
        // What stands instead of a verdict, in the longest words that fit the pane (a demo
        // column at 80×24 has one row), ending in `…` if even the shortest does not.
        let say = |forms: &[&str], buf: &mut Buffer| {
            let lines: Vec<Line> = super::first_fit(forms, inner.width, inner.height)
                .into_iter()
                .map(|l| Line::from(Span::styled(l, theme.dim())))
                .collect();
            Paragraph::new(lines).render(inner, buf);
        };
        if journey.injected && is_sender(role, journey) {
            say(
                &[
                    "not sent from here: the man in the middle injected this copy, and the \
                     verdict went back to it",
                    "not sent from here: the attacker injected it",
                    "injected by the attacker",
                ],
                buf,
            );
            return;
        }
        let (verdict, note) = if is_sender(role, journey) {
            let peer = if role == Role::Client {
                "the server"
            } else {
                "the client"
            };
            (
                journey.peer_verdict.as_ref(),
                format!("as reported by {peer}"),
            )
        } else {
            (journey.arrival.as_ref().map(|a| &a.verdict), String::new())
        };
        match verdict {
            Some(verdict) => banner(theme, (self.scheme, verdict), &note, inner, buf),
            None => {
                let forms: &[&str] = if journey.held.is_some() {
                    &["held by the man in the middle…", "held by the attacker…"]
                } else if journey.dropped() {
                    &[
                        "dropped by the man in the middle: it never arrived",
                        "dropped by the attacker: never arrived",
                        "dropped by the attacker",
                    ]
                } else {
                    &["awaiting a verdict…"]
                };
                say(forms, buf);
            }
        }
    }
}
