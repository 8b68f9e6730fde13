//! The student's Exercise pane: the task, the material as hex, what the server said of the
//! answers, the instructor's notices, and the answer prompt on its last row. Only its top
//! border is drawn, so that the hex rows hold nothing but hex: a terminal selection of them
//! copies the material as it is.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::style::{Modifier, Style};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Block, Borders, Widget};

use super::{put, wrap};
use crate::tui::exercise::{ExerciseView, Reply};
use crate::tui::theme::Theme;

/// The prompt before the answer being typed.
const PROMPT: &str = "answer> ";

/// Notices shown at once: the latest ones.
const NOTICES_SHOWN: usize = 2;

/// The student's exercise.
pub(crate) struct ExercisePane<'a> {
    pub view: &'a ExerciseView,
    pub focused: bool,
    /// The first hex row shown, when the material does not fit.
    pub scroll: usize,
    pub theme: &'a Theme,
}

/// The material's hex, cut into rows of `width` digits (no spaces: a selection copies bytes).
fn hex_rows(material: &str, width: usize) -> Vec<String> {
    let chars: Vec<char> = material.chars().collect();
    chars
        .chunks(width.max(2) & !1)
        .map(|row| row.iter().collect())
        .collect()
}

/// The parts of the pane, before they are fitted into its rows.
struct Parts {
    task: Vec<String>,
    material: Option<String>,
    hex: Vec<String>,
    tail: Vec<Line<'static>>,
}

fn reply_line(label: &str, reply: &Reply, theme: &Theme) -> Line<'static> {
    let (mark, style) = if reply.correct {
        ("✔ correct", theme.good().add_modifier(Modifier::BOLD))
    } else {
        ("✘ incorrect", theme.warning())
    };
    Line::from(vec![
        Span::styled(label.to_owned(), theme.dim()),
        Span::styled(mark, style),
        Span::raw(format!(": {}", reply.reason)),
    ])
}

fn parts(view: &ExerciseView, width: usize, theme: &Theme) -> Parts {
    let (task, material, hex) = match view.task() {
        Some(task) => {
            let text = wrap(&task.text, width, usize::MAX);
            if task.material.is_empty() {
                (
                    text,
                    Some("no material: this exercise is played on the wire".into()),
                    vec![],
                )
            } else {
                let bytes = task.material.len() / 2;
                let label =
                    format!("material, {bytes} bytes as hex (select the rows to copy them):");
                (text, Some(label), hex_rows(&task.material, width))
            }
        }
        None => (
            vec!["no exercise: the instructor's notices show here".to_owned()],
            None,
            vec![],
        ),
    };
    let mut tail = Vec::new();
    if view.task().is_some() {
        match (view.solved(), view.last()) {
            (Some(solved), Some(last)) if last != solved => {
                tail.push(reply_line("", solved, theme));
                tail.push(reply_line("latest: ", last, theme));
            }
            (Some(solved), _) => tail.push(reply_line("", solved, theme)),
            (None, Some(last)) => tail.push(reply_line("", last, theme)),
            (None, None) if view.awaiting() == 0 => {
                tail.push(Line::from(Span::styled("no answer yet", theme.dim())));
            }
            (None, None) => {}
        }
        if view.awaiting() > 0 {
            tail.push(Line::from(Span::styled(
                "answer sent: waiting for the RESULT",
                theme.dim(),
            )));
        }
    }
    let notices = view.notices();
    for text in notices
        .iter()
        .skip(notices.len().saturating_sub(NOTICES_SHOWN))
    {
        tail.push(Line::from(vec![
            Span::styled(" NOTICE ", theme.key().add_modifier(Modifier::REVERSED)),
            Span::styled(
                format!(" {text}"),
                Style::new().add_modifier(Modifier::BOLD),
            ),
        ]));
    }
    Parts {
        task,
        material,
        hex,
        tail,
    }
}

/// The rows the pane needs at `width`, its border and answer row included.
pub(crate) fn height(view: &ExerciseView, width: u16, theme: &Theme) -> u16 {
    let p = parts(view, usize::from(width), theme);
    let rows =
        1 + p.task.len() + usize::from(p.material.is_some()) + p.hex.len() + p.tail.len() + 1;
    u16::try_from(rows).unwrap_or(u16::MAX)
}

/// Where the terminal cursor goes while the answer is typed: the pane's last row.
pub(crate) fn answer_cursor(view: &ExerciseView, area: Rect) -> Option<(u16, u16)> {
    if !view.answering() || area.height < 2 {
        return None;
    }
    let prompt = PROMPT.len() as u16;
    let width = area.width.saturating_sub(prompt + 1) as usize;
    let input = view.answer();
    let scroll = input.visual_scroll(width);
    let x = input.visual_cursor().max(scroll) - scroll;
    Some((area.x + prompt + x as u16, area.y + area.height - 1))
}

impl Widget for ExercisePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (view, theme) = (self.view, self.theme);
        let state = match (view.task(), view.solved()) {
            (None, _) => String::new(),
            (Some(task), Some(_)) => format!(": {} · ✔ solved", task.exercise),
            (Some(task), None) => format!(": {} · working", task.exercise),
        };
        let block = Block::new()
            .borders(Borders::TOP)
            .title(format!("Exercise{state}"))
            .border_style(theme.border(self.focused))
            .title_style(theme.border(self.focused));
        let inner = block.inner(area);
        block.render(area, buf);
        if inner.height == 0 {
            return;
        }
        let width = usize::from(inner.width);
        let p = parts(view, width, theme);
        // The answer row is the last; the result and notices above it always show; then
        // the material (whole when it fits, scrolled otherwise), and the task gets the rest.
        let rows = usize::from(inner.height) - 1;
        let tail = p.tail.len().min(rows);
        let label = usize::from(p.material.is_some());
        let room = rows - tail;
        let hex_room = room.saturating_sub(label + 1).min(p.hex.len());
        let task_room = room.saturating_sub(label + hex_room).min(p.task.len());
        let task = if task_room < p.task.len() {
            wrap(&p.task.join(" "), width, task_room)
        } else {
            p.task
        };
        let mut lines: Vec<Line<'static>> = task.into_iter().map(Line::from).collect();
        if let Some(label) = p.material {
            lines.push(Line::from(Span::styled(label, theme.dim())));
        }
        if hex_room < p.hex.len() {
            let start = self.scroll.min(p.hex.len() - hex_room);
            let hidden = p.hex.len() - hex_room;
            let shown = hex_room.saturating_sub(1);
            lines.extend(p.hex[start..start + shown].iter().cloned().map(Line::from));
            lines.push(Line::from(Span::styled(
                format!("… {hidden} more hex rows: Tab here, then ↑↓ or \\ to zoom"),
                theme.dim(),
            )));
        } else {
            lines.extend(p.hex.into_iter().map(Line::from));
        }
        lines.truncate(rows - tail);
        lines.extend(p.tail.into_iter().take(tail));
        for (i, line) in lines.into_iter().enumerate() {
            put(buf, inner.x, inner.y + i as u16, line, inner.width);
        }
        let answer_row = inner.y + inner.height - 1;
        let line = if view.answering() {
            let shown = inner.width.saturating_sub(PROMPT.len() as u16 + 1) as usize;
            let scroll = view.answer().visual_scroll(shown);
            let value: String = view.answer().value().chars().skip(scroll).collect();
            Line::from(vec![Span::styled(PROMPT, theme.key()), Span::raw(value)])
        } else if view.task().is_some() {
            let kept = if view.answer().value().is_empty() {
                ""
            } else {
                " (what you typed is kept)"
            };
            Line::from(vec![
                Span::styled("a", theme.key()),
                Span::styled(format!(" answers{kept} · "), theme.dim()),
                Span::styled("w", theme.key()),
                Span::styled(
                    if view.wire_hex() {
                        " seals typed text again (the editor takes hex now)"
                    } else {
                        " types wire bytes in hex, sent as they are"
                    },
                    theme.dim(),
                ),
            ])
        } else {
            Line::default()
        };
        put(buf, inner.x, answer_row, line, inner.width);
    }
}
