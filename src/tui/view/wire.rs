//! The Wire pane: the man in the middle's view. What crossed the wire, what the attacker did
//! to it, what it could read, and the frames going past.

use ratatui::buffer::Buffer;
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::style::Style;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::hex::{HexView, Legend};
use super::{fit, pane_block, readable, wrap};
use crate::crypto::{AEAD_NONCE, AEAD_TAG, Anatomy, Leak, Scheme, Tamper};
use crate::net::{Fate, Reading};
use crate::tui::attacker::{Attacker, TamperForm};
use crate::tui::journey::{Journey, Kept};
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
        Leak::Everything => format!("the message itself: {scheme} has no secrecy"),
    }
}

/// The attacker's seat.
pub(crate) struct WirePane<'a> {
    pub attacker: &'a Attacker,
    pub journey: Option<&'a Journey>,
    /// The earlier message whose nonce the shown one repeats, if still kept.
    pub earlier: Option<&'a Journey>,
    pub scheme: Scheme,
    /// The tamper form, while it is open.
    pub form: Option<&'a TamperForm>,
    pub focused: bool,
    pub scroll: usize,
    /// Hidden on a projector: a key read off the wire is not drawn either.
    pub keys: KeyDisplay,
    /// The pane heads the demo's middle column, which has no title row of its own.
    pub column: bool,
    pub theme: &'a Theme,
}

/// One thing the Wire pane says about the message: what the attacker did, or what it read.
struct Said {
    lead: String,
    lead_style: Style,
    text: String,
    style: Style,
}

impl Said {
    fn whole(&self) -> String {
        format!("{}{}", self.lead, self.text)
    }

    /// The rows it takes at `width`.
    fn rows(&self, width: usize) -> usize {
        wrap(&self.whole(), width, usize::MAX).len().max(1)
    }

    /// Its lines in at most `rows` rows of `width`, ending in `…` when cut.
    fn lines(&self, width: usize, rows: usize) -> Vec<Line<'static>> {
        let lead = self.lead.trim_end();
        wrap(&self.whole(), width, rows)
            .into_iter()
            .enumerate()
            .map(|(i, row)| match row.strip_prefix(lead) {
                Some(rest) if i == 0 && !lead.is_empty() => Line::from(vec![
                    Span::styled(lead.to_owned(), self.lead_style),
                    Span::styled(rest.to_owned(), self.style),
                ]),
                _ => Line::from(Span::styled(row, self.style)),
            })
            .collect()
    }
}

/// Shares `budget` rows among things that want `wanted` rows each: when there are too few, the
/// first ones give way to one row each before the last (what the eavesdropper reads) does.
fn share(wanted: &[usize], budget: usize) -> Vec<usize> {
    let mut rows = wanted.to_vec();
    let last = rows.len().saturating_sub(1);
    while rows.iter().sum::<usize>() > budget {
        let cut = (0..last)
            .filter(|&i| rows[i] > 1)
            .max_by_key(|&i| rows[i])
            .or((rows.get(last).is_some_and(|&r| r > 1)).then_some(last));
        match cut {
            Some(i) => rows[i] -= 1,
            None => break,
        }
    }
    rows
}

impl WirePane<'_> {
    /// The intercept state and, while it holds messages, how to let them go: in one line when
    /// it fits, else in two, never cut in the middle of a key.
    fn head(&self, width: usize) -> Vec<Line<'static>> {
        let theme = self.theme;
        let attacker = self.attacker;
        let forms: Vec<Vec<String>> = if attacker.intercept && attacker.held.is_empty() {
            vec![
                vec!["intercept ON: the next client message is held".to_owned()],
                vec!["intercept ON: 0 held".to_owned()],
            ]
        } else if attacker.intercept {
            let held = format!("intercept ON: {} held", attacker.held.len());
            vec![
                vec![format!("{held} (Enter forward, d drop, t tamper)")],
                vec![held.clone(), "Enter forward, d drop, t tamper".to_owned()],
                vec![held, "Enter forward, d drop".to_owned()],
            ]
        } else {
            vec![
                vec!["intercept off (x to hold messages)".to_owned()],
                vec!["intercept off (x holds)".to_owned()],
            ]
        };
        let style = if attacker.intercept {
            theme.warning()
        } else {
            theme.dim()
        };
        let fits = |form: &&Vec<String>| form.iter().all(|l| super::columns(l) <= width);
        let form = forms.iter().find(fits).or(forms.last()).cloned();
        form.unwrap_or_default()
            .into_iter()
            .map(|line| fit(Line::from(Span::styled(line, style)), width as u16))
            .collect()
    }

    /// What the attacker did to `journey` and what it could read of `kept`.
    fn said(&self, journey: &Journey, kept: &Kept, anatomy: &Anatomy) -> Vec<Said> {
        let theme = self.theme;
        let mut said = Vec::new();
        for (action, sent) in &journey.tampered {
            let (mark, what) = match action {
                Tamper::Replay => ("⟲", " → sent an earlier message again after it".to_owned()),
                Tamper::Drop => ("✎", " → never forwarded".to_owned()),
                Tamper::Forge if self.attacker.key_learned => (
                    "✎",
                    " → its own text, under the key read off the wire".into(),
                ),
                Tamper::Forge => ("✎", " → its own text, under a key of its own".into()),
                _ => ("✎", format!(" → sent as shown, {} bytes", sent.len)),
            };
            said.push(Said {
                lead: format!("{mark} {action}"),
                lead_style: theme.warning(),
                text: what,
                style: Style::new(),
            });
        }
        if let Some(earlier) = journey.nonce_reused {
            said.push(nonce_reuse(earlier, journey, self.earlier, theme));
        }
        said.push(match &journey.eavesdropped {
            Some(text) => Said {
                lead: match journey.read_by {
                    Some(Reading::KeystreamReuse) => {
                        "eavesdropper reads (keystream reuse, no key): ".to_owned()
                    }
                    _ => "eavesdropper reads: ".to_owned(),
                },
                lead_style: theme.warning(),
                text: readable(&text.bytes),
                style: Style::new(),
            },
            None => Said {
                lead: String::new(),
                lead_style: theme.good(),
                text: visible(self.scheme, anatomy, kept.len),
                style: theme.good(),
            },
        });
        said
    }
}

impl Widget for WirePane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = self.theme;
        let scheme = self.scheme;
        let attacker = self.attacker;
        let title = if self.column {
            super::title(
                "Wire · the man in the middle".to_owned(),
                &super::title("Wire · man in the middle".to_owned(), "Wire", area.width),
                area.width,
            )
        } else {
            "Wire".to_owned()
        };
        let block = pane_block(title, self.focused, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let width = usize::from(inner.width);

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
        let anatomy = shown.map(|kept| Anatomy::dissect(scheme, &kept.bytes));
        let said = match (journey, shown, &anatomy) {
            (Some(j), Some(kept), Some(anatomy)) => self.said(j, kept, anatomy),
            _ => Vec::new(),
        };

        // Rows, in the order they matter: the intercept state, what the attacker read (the
        // lesson), the bytes (a block's worth at least), then the frames going past.
        let head = self.head(width);
        let height = usize::from(inner.height);
        let wanted: Vec<usize> = said.iter().map(|s| s.rows(width)).collect();
        let spare = height.saturating_sub(head.len() + 2 + 3);
        let rows = share(&wanted, spare.max(said.len().min(1)));
        let said_rows: usize = rows.iter().sum();
        let frames_height = (inner.height / 3)
            .clamp(2, 8)
            .min(
                inner
                    .height
                    .saturating_sub((head.len() + said_rows + 5) as u16),
            )
            .max(2);
        let [head_area, middle, reads, frames] = inner.layout(&Layout::vertical([
            Constraint::Length(head.len() as u16),
            Constraint::Fill(1),
            Constraint::Length(said_rows as u16),
            Constraint::Length(frames_height),
        ]));
        Paragraph::new(head).render(head_area, buf);

        match (shown, &anatomy) {
            (Some(kept), Some(anatomy)) => {
                let touched = match (self.form, forwarded, original) {
                    (Some(form), _, _) => form.touched(scheme).1,
                    (_, Some(_), Some(original)) => {
                        super::panes::differences(scheme, original, anatomy)
                    }
                    _ => vec![],
                };
                let scroll = self.scroll;
                HexView {
                    anatomy,
                    theme: *theme,
                    scroll,
                    touched: &touched,
                    full_len: kept.is_cut().then_some(kept.len),
                    compact: inner.width < 48,
                    legend: Legend::Below,
                }
                .render(middle, buf);
                let lines: Vec<Line> = said
                    .iter()
                    .zip(rows)
                    .flat_map(|(said, rows)| said.lines(width, rows))
                    .collect();
                Paragraph::new(lines).render(reads, buf);
            }
            _ => {
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

/// The repeated nonce, in the warning colour, with the XOR of the two ciphertexts: under one
/// nonce the keystreams cancel, so it is the XOR of the two plaintexts.
fn nonce_reuse(earlier_seq: u64, now: &Journey, earlier: Option<&Journey>, theme: &Theme) -> Said {
    let body = |j: &Journey| {
        j.on_wire.as_ref().map(|kept| {
            let end = kept.bytes.len().saturating_sub(AEAD_TAG);
            kept.bytes.get(AEAD_NONCE..end).unwrap_or_default().to_vec()
        })
    };
    let text = match (body(now), earlier.and_then(body)) {
        (Some(a), Some(b)) => {
            let xor: Vec<u8> = a.iter().zip(&b).map(|(x, y)| x ^ y).take(16).collect();
            format!(
                ": c ⊕ c' = p ⊕ p' = {}{}",
                hex::encode(&xor),
                if a.len().min(b.len()) > 16 { "…" } else { "" }
            )
        }
        _ => String::new(),
    };
    Said {
        lead: format!("✘ nonce reused (as message {earlier_seq})"),
        lead_style: theme.warning(),
        text,
        style: Style::new(),
    }
}
