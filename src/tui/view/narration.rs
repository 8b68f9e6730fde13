//! The Narration pane: the lesson's current step, what to expect, and how to go on.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::pane_block;
use crate::tui::lesson::LessonState;
use crate::tui::theme::Theme;

/// A lesson's narration: the step shown, what it sends and expects, and how to go on.
pub(crate) struct NarrationPane<'a> {
    pub lesson: &'a LessonState,
    pub theme: &'a Theme,
}

impl Widget for NarrationPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let state = self.lesson;
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
        let expect = footer(
            theme,
            step,
            state.shown + 1 == total && state.played == total,
        );
        // The footer (what the step sends, what to expect, how to go on) wraps onto a second row
        // when it must; the narration has the rows above it, ending in … if they are too few.
        let footer_rows =
            footer_rows(&expect, inner.width).min(inner.height.saturating_sub(1).max(1));
        let text_rows = inner.height.saturating_sub(footer_rows) as usize;
        let lines: Vec<Line> = super::wrap(&step.narration, inner.width as usize, text_rows)
            .into_iter()
            .map(Line::from)
            .collect();
        Paragraph::new(lines).render(
            Rect {
                height: text_rows as u16,
                ..inner
            },
            buf,
        );
        Paragraph::new(expect).wrap(Wrap { trim: true }).render(
            Rect {
                y: inner.y + text_rows as u16,
                height: footer_rows,
                ..inner
            },
            buf,
        );
    }
}

/// The rows the Narration pane needs at `width` (borders included) to show the current step
/// whole: the layout gives it that many, within what the screen can spare.
pub(crate) fn height(state: &LessonState, theme: &Theme, width: u16) -> u16 {
    let Some(step) = state.lesson.steps.get(state.shown) else {
        return 3;
    };
    let inner = width.saturating_sub(2);
    let total = state.lesson.steps.len();
    let expect = footer(
        theme,
        step,
        state.shown + 1 == total && state.played == total,
    );
    let text = super::wrap(&step.narration, usize::from(inner), usize::MAX).len() as u16;
    text + footer_rows(&expect, inner) + 2
}

fn footer_rows(line: &Line, width: u16) -> u16 {
    if line.width() > usize::from(width) {
        2
    } else {
        1
    }
}

fn footer<'a>(theme: &Theme, step: &'a crate::lesson::Step, last: bool) -> Line<'a> {
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
    let next = if last {
        "the end: q quits, or keep experimenting"
    } else {
        "→ or Space: next step · ←: back"
    };
    expect.push(Span::styled(format!("   {next}"), theme.key()));
    Line::from(expect)
}

#[cfg(test)]
mod tests {
    use super::super::wrap;

    #[test]
    fn narration_wraps_at_words_and_marks_what_does_not_fit() {
        assert_eq!(wrap("one two three", 7, 3), ["one two", "three"]);
        assert_eq!(wrap("one two three four", 7, 1), ["one tw…"]);
        assert_eq!(wrap("a\nb", 10, 2), ["a b"]);
        assert!(wrap("anything", 10, 0).is_empty());
        assert_eq!(wrap("unauthenticated", 6, 3), ["unauth", "entica", "ted"]);
    }
}
