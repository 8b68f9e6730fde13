//! The Narration pane: the lesson's current step, what to expect, and how to go on.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::pane_block;
use crate::tui::app::App;

pub(super) fn narration(app: &App, area: Rect, buf: &mut Buffer) {
    let theme = &app.theme;
    let Some(state) = &app.lesson else { return };
    let total = state.lesson.steps.len();
    let title = format!(
        "Narration — {} · step {} of {total}",
        state.lesson.title,
        state.shown + 1
    );
    let block = pane_block(title, true, theme);
    let inner = block.inner(area);
    block.render(area, buf);
    let Some(step) = state.lesson.steps.get(state.shown) else {
        return;
    };
    let lines = vec![Line::from(step.narration.replace('\n', " "))];
    let mut expect = Vec::new();
    if let Some(send) = &step.send {
        expect.push(Span::styled(format!("sends {send:?}"), theme.dim()));
    }
    if let Some(tamper) = &step.tamper {
        expect.push(Span::styled(
            format!(" · attacker: {tamper}"),
            theme.warning(),
        ));
    }
    if let Some(verdict) = &step.expect {
        expect.push(Span::styled(format!(" · expect: {verdict}"), theme.dim()));
    }
    if let Some(verdict) = &step.expect_replay {
        expect.push(Span::styled(format!(" · replay: {verdict}"), theme.dim()));
    }
    let last = state.shown + 1 == total && state.played == total;
    let next = if last {
        "the end: q quits, or keep experimenting"
    } else {
        "→ or Space: next step · ←: back"
    };
    expect.push(Span::styled(format!("   {next}"), theme.key()));
    let height = inner.height as usize;
    let paragraph = Paragraph::new(lines).wrap(Wrap { trim: true });
    let text_rows = height.saturating_sub(1) as u16;
    paragraph.render(
        Rect {
            height: text_rows,
            ..inner
        },
        buf,
    );
    let footer = Line::from(expect);
    super::put(
        buf,
        inner.x,
        inner.y + inner.height.saturating_sub(1),
        footer,
        inner.width,
    );
}
