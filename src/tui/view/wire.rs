//! The Wire pane: the man in the middle's view. What crossed the wire, what the attacker did
//! to it, what it could read, and the frames going past.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::hex::HexView;
use super::{fit, pane_block, put, readable};
use crate::crypto::{Anatomy, Leak, Scheme, Tamper};
use crate::net::Fate;
use crate::tui::attacker::{Attacker, TamperForm};
use crate::tui::journey::Journey;
use crate::tui::state::KeyDisplay;
use crate::tui::theme::Theme;

/// What an eavesdropper without the key still learns from `bytes`.
fn visible(scheme: Scheme, anatomy: &Anatomy, wire_len: usize) -> String {
    match anatomy.leak(scheme) {
        Leak::EqualBlocks(0) => format!(
            "without the key: {wire_len} bytes, no block repeated in this one; equal blocks would show"
        ),
        Leak::EqualBlocks(n) => format!(
            "without the key: {wire_len} bytes, and {n} repeated block(s) give the pattern away"
        ),
        Leak::Length => format!("without the key: only the length ({wire_len} bytes)"),
        Leak::LengthAndTimestamp(stamp) => {
            format!("without the key: the length ({wire_len} bytes) and the {stamp}")
        }
        Leak::Everything => "the message itself: hmac has no secrecy".to_owned(),
    }
}

/// The attacker's seat.
pub(crate) struct WirePane<'a> {
    pub attacker: &'a Attacker,
    pub journey: Option<&'a Journey>,
    pub scheme: Scheme,
    /// The tamper form, while it is open.
    pub form: Option<&'a TamperForm>,
    pub focused: bool,
    pub scroll: usize,
    /// Hidden on a projector: a key read off the wire is not drawn either.
    pub keys: KeyDisplay,
    pub theme: &'a Theme,
}

impl Widget for WirePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let scheme = self.scheme;
        let attacker = self.attacker;
        let block = pane_block("Wire", self.focused, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let frames_height = (inner.height / 3).clamp(2, 8);
        let [head, middle, reads, frames] = inner.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(3),
            Constraint::Length(frames_height),
        ]));

        let intercept = if attacker.intercept {
            Span::styled(
                format!(
                    "intercept ON: {} held (Enter forward, d drop, t tamper)",
                    attacker.held.len()
                ),
                theme.warning(),
            )
        } else {
            Span::styled("intercept off (x to hold messages)", theme.dim())
        };
        put(buf, head.x, head.y, Line::from(intercept), head.width);

        let journey = self.journey;
        // After a tamper, the bytes that went on are shown, with the attacker's changes lit;
        // while the tamper form is open, the held bytes, with what the action would touch.
        let forwarded = journey.and_then(|j| {
            j.tampered
                .iter()
                .rev()
                .find(|(action, _)| !matches!(action, Tamper::Replay | Tamper::Drop))
                .map(|(_, kept)| kept)
        });
        let original = journey.and_then(|j| j.on_wire.as_ref());
        let form_open = self.form.is_some();
        let shown = if form_open {
            original
        } else {
            forwarded.or(original)
        };
        match shown {
            Some(kept) => {
                let anatomy = Anatomy::dissect(scheme, &kept.bytes);
                let touched = match (self.form, forwarded, original) {
                    (Some(form), _, _) => form.touched(scheme).1,
                    (_, Some(_), Some(original)) => {
                        super::panes::differences(scheme, original, &anatomy)
                    }
                    _ => vec![],
                };
                let scroll = self.scroll;
                HexView {
                    anatomy: &anatomy,
                    theme: *theme,
                    scroll,
                    touched: &touched,
                    full_len: kept.is_cut().then_some(kept.len),
                    compact: inner.width < 48,
                }
                .render(middle, buf);
                let mut lines = Vec::new();
                if let Some(j) = journey {
                    for (action, sent) in &j.tampered {
                        let (mark, what) = match action {
                            Tamper::Replay => {
                                ("⟲", " → sent an earlier message again after it".to_owned())
                            }
                            Tamper::Drop => ("✎", " → never forwarded".to_owned()),
                            _ => ("✎", format!(" → sent as shown, {} bytes", sent.len)),
                        };
                        lines.push(Line::from(vec![
                            Span::styled(format!("{mark} {action}"), theme.warning()),
                            Span::raw(what),
                        ]));
                    }
                    match &j.eavesdropped {
                        Some(text) => lines.push(Line::from(vec![
                            Span::styled("eavesdropper reads: ", theme.warning()),
                            Span::raw(readable(&text.bytes)),
                        ])),
                        None => lines.push(Line::from(Span::styled(
                            visible(scheme, &anatomy, kept.len),
                            theme.good(),
                        ))),
                    }
                }
                Paragraph::new(lines)
                    .wrap(Wrap { trim: true })
                    .render(reads, buf);
            }
            None => {
                let text = if attacker.frames.is_empty() {
                    "nothing on the wire yet"
                } else {
                    "no message selected"
                };
                let mut lines = vec![Line::from(Span::styled(text, theme.dim()))];
                if attacker.key_learned {
                    // Before any message, this is the moment the class should see.
                    lines.push(Line::from(Span::styled(
                        "⚠ key read off the wire: every message will be readable",
                        theme.warning(),
                    )));
                }
                Paragraph::new(lines)
                    .wrap(Wrap { trim: true })
                    .render(middle, buf);
            }
        }

        let shown = frames.height as usize;
        let lines: Vec<Line> = attacker
            .frames
            .iter()
            .skip(attacker.frames.len().saturating_sub(shown))
            .map(|f| {
                // The words of the Wire pane's head and the Verification pane: `held`.
                let kept = match f.fate {
                    Fate::Forwarded => "",
                    Fate::Held(_) => " (held)",
                    Fate::KeptBack => " (not passed on: it answers a replay)",
                };
                let summary = match (&f.redacted, self.keys) {
                    (Some(redacted), KeyDisplay::Hidden) => redacted,
                    _ => &f.summary,
                };
                let line = Line::from(vec![
                    Span::raw(format!("{} ", f.direction.arrow())),
                    Span::styled(format!("{:<7}", f.kind), theme.key()),
                    Span::styled(format!("{:>5} B ", f.len), theme.dim()),
                    Span::raw(format!("{summary}{kept}")),
                ]);
                fit(line, frames.width)
            })
            .collect();
        Paragraph::new(lines).render(frames, buf);
    }
}
