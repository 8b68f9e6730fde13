//! The panes of a role's column: Key, Plaintext, Ciphertext and Verification.

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::text::{Line, Span};
use ratatui::widgets::{Paragraph, Widget, Wrap};

use super::hex::{HexView, Legend};
use super::{fit, pane_block, readable, sender_of, title};
use crate::crypto::Anatomy;
use crate::crypto::{KeyExchange, KeySource, NoncePolicy, Scheme};
use crate::net::Role;
use crate::tui::journey::{Journey, Kept};
use crate::tui::session::{Handshake, SessionView};
use crate::tui::state::{ConnState, KeyDisplay};
use crate::tui::theme::Theme;

pub(crate) use super::verification::VerificationPane;

/// Whether `role` sent the journey's message (otherwise it received it).
pub(super) fn is_sender(role: Role, journey: &Journey) -> bool {
    sender_of(journey.direction) == role
}

/// The key a role holds, where it came from, and whether it crossed the wire.
pub(crate) struct KeyPane<'a> {
    pub session: &'a SessionView,
    pub role: Role,
    /// Hidden on a projector: the pane says so, and shows only the fingerprint.
    pub keys: KeyDisplay,
    /// The demo column this pane heads, when the column has no title row of its own.
    pub column: Option<Role>,
    pub theme: &'a Theme,
}

impl Widget for KeyPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (theme, role, session) = (self.theme, self.role, self.session);
        let awaiting = matches!(session.handshake(), Handshake::Awaiting { .. });
        let sent_in_clear = session.exchange() == Some(KeyExchange::Send);
        let hidden = self.keys == KeyDisplay::Hidden;
        let name = match self.column {
            Some(Role::Client) => "Client · Key",
            Some(Role::Server) => "Server · Key",
            Some(Role::Mitm) | None => "Key",
        };
        let title = if hidden {
            format!("{name} — hidden")
        } else {
            name.to_owned()
        };
        let block = pane_block(title, false, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let mut lines = Vec::new();
        match session.key(role) {
            Some(view) => {
                // The key itself first: showing it is the lesson, unless the class must not.
                lines.push(if hidden {
                    // The fingerprint first: enough to check two sides hold the same key. In a
                    // narrow pane the title alone says it is hidden.
                    let fingerprint = format!("fingerprint {}", view.key.fingerprint());
                    if inner.width < 40 {
                        Line::from(Span::raw(fingerprint))
                    } else {
                        Line::from(vec![
                            Span::styled(HIDDEN_KEY, theme.dim()),
                            Span::raw(format!(" · {fingerprint}")),
                        ])
                    }
                } else {
                    Line::from(Span::styled(view.key.to_text().to_string(), theme.key()))
                });
                let how = if role == Role::Mitm {
                    Span::styled("read off the wire: the attacker has it ⚠", theme.warning())
                } else if role == Role::Client
                    && view.exchange == KeyExchange::Psk
                    && view.source == KeySource::Generated
                {
                    // A student at an exercise: the server's key is not theirs to have, and
                    // what this client seals the server will reject.
                    Span::styled("⚠ not the server's key", theme.warning())
                } else if view.exchange == KeyExchange::Send {
                    Span::styled("⚠ crossed the wire in the clear", theme.warning())
                } else {
                    Span::styled("never on the wire", theme.good())
                };
                lines.push(Line::from(vec![
                    Span::raw(format!("{} · ", view.source.as_str())),
                    how,
                ]));
                // The nonce policy before the fingerprint, so that a narrow pane keeps the fault.
                let mut about = vec![Span::styled(view.key.describe(), theme.dim())];
                if session.scheme().takes_nonce() && role != Role::Mitm {
                    about.push(nonce_words(session.nonce(), theme));
                }
                about.push(Span::styled(
                    format!(" · fingerprint {}", view.key.fingerprint()),
                    theme.dim(),
                ));
                lines.push(Line::from(about));
            }
            None if awaiting => {
                let closed = matches!(session.status(role), Some(ConnState::Closed(_)));
                let text = if closed {
                    "no key: the connection closed before the handshake"
                } else {
                    "waiting for the handshake…"
                };
                lines.push(Line::from(Span::styled(text, theme.dim())));
            }
            // A replay whose keys were redacted cannot show the key the attacker read, but it did
            // cross the wire: say so rather than "never crossed".
            None if role == Role::Mitm && !(session.keys_redacted() && sent_in_clear) => {
                lines.push(Line::from(Span::styled(
                    "no key: it never crossed the wire",
                    theme.good(),
                )));
                lines.push(Line::from(Span::styled(
                    "the attacker sees only what the scheme leaves visible",
                    theme.dim(),
                )));
            }
            None if session.keys_redacted() => {
                lines.push(Line::from(Span::styled(
                    "redacted in the recording: record with --log-secrets to replay keys",
                    theme.dim(),
                )));
                // The key is gone from the recording, but a fixed nonce is still the fault.
                if session.scheme().takes_nonce() && role != Role::Mitm {
                    lines.push(Line::from(nonce_words(session.nonce(), theme)));
                }
            }
            None => lines.push(Line::from(Span::styled(
                "waiting for the handshake…",
                theme.dim(),
            ))),
        }
        if inner.height as usize > lines.len() {
            Paragraph::new(lines)
                .wrap(Wrap { trim: false })
                .render(inner, buf);
        } else {
            let lines: Vec<Line> = lines.into_iter().map(|l| fit(l, inner.width)).collect();
            Paragraph::new(lines).render(inner, buf);
        }
    }
}

/// This end's nonce policy, after the key's description: the fault in the warning colour.
fn nonce_words(nonce: NoncePolicy, theme: &Theme) -> Span<'static> {
    match nonce {
        // Short, so that it survives a narrow pane; the Wire pane says what it costs.
        NoncePolicy::Fixed => Span::styled(" · ✘ nonce fixed", theme.warning()),
        other => Span::styled(format!(" · nonce {other}"), theme.dim()),
    }
}

/// What stands where a hidden key would be drawn.
pub(crate) const HIDDEN_KEY: &str = "‹hidden: h shows it›";

/// A role's plaintext, with the editor for the sender.
pub(crate) struct PlaintextPane<'a> {
    pub role: Role,
    /// The editor, when this role sends.
    pub editor: Option<&'a tui_input::Input>,
    /// The editor has the focus.
    pub focused: bool,
    /// The editor takes wire bytes in hex, sent as they are (`w`, a student's client).
    pub wire_hex: bool,
    pub journey: Option<&'a Journey>,
    pub theme: &'a Theme,
}

impl Widget for PlaintextPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (theme, role) = (self.theme, self.role);
        let editor = self.editor.is_some();
        let focused = editor && self.focused;
        // The title says what the keys do now: the editor sends only while it has them.
        let title = match (editor, focused, self.wire_hex) {
            (true, true, false) => "Plaintext — Enter sends",
            (true, false, false) => "Plaintext — i to type",
            (true, true, true) => "Plaintext — wire bytes in hex: Enter sends them as they are",
            (true, false, true) => "Plaintext — wire bytes in hex · i to type",
            (false, _, _) => "Plaintext",
        };
        let block = pane_block(title, focused, theme);
        let inner = block.inner(area);
        block.render(area, buf);
        let mut lines = Vec::new();
        if let Some(input) = self.editor {
            let width = inner.width.saturating_sub(2) as usize;
            let scroll = input.visual_scroll(width);
            let value: String = input.value().chars().skip(scroll).collect();
            let prompt = if focused { theme.key() } else { theme.dim() };
            let text = if value.is_empty() && !focused {
                let what = if self.wire_hex {
                    "press i to type wire bytes in hex"
                } else {
                    "press i to type a message"
                };
                Span::styled(what, theme.dim())
            } else {
                Span::raw(value)
            };
            lines.push(Line::from(vec![Span::styled("> ", prompt), text]));
        }
        if let Some(journey) = self.journey {
            let sender = is_sender(role, journey);
            let shown = if sender {
                journey.plaintext.as_ref()
            } else {
                journey.arrival.as_ref().and_then(|a| a.plaintext.as_ref())
            };
            let label = if sender { "sent" } else { "received" };
            let line = match (shown, journey.arrival.as_ref()) {
                // The receiver's text against what was sealed: what changed in transit lights up.
                (Some(text), _) if !sender && journey.plaintext.is_some() => {
                    let sent = journey.plaintext.as_ref().map_or(&[][..], |p| &p.bytes);
                    let mut spans = vec![Span::styled(format!("{label}: "), theme.dim())];
                    spans.extend(changes_lit(&text.bytes, sent, theme));
                    Line::from(spans)
                }
                (Some(text), _) => Line::from(vec![
                    Span::styled(format!("{label}: "), theme.dim()),
                    Span::raw(readable(&text.bytes)),
                ]),
                (None, Some(arrival)) if !sender => Line::from(Span::styled(
                    format!("nothing delivered ({})", arrival.verdict),
                    theme.verdict_text(&arrival.verdict),
                )),
                _ if sender && journey.injected => {
                    Line::from(Span::styled("not sent from here: a replay", theme.dim()))
                }
                _ if sender && journey.sent.is_some() && journey.plaintext.is_none() => {
                    Line::from(Span::styled(
                        "sent as wire bytes typed in hex: no plaintext here",
                        theme.dim(),
                    ))
                }
                _ => Line::from(Span::styled("not received yet", theme.dim())),
            };
            lines.push(line);
        } else if !editor {
            lines.push(Line::from(Span::styled("no message yet", theme.dim())));
        }
        let lines: Vec<Line> = lines.into_iter().map(|l| fit(l, inner.width)).collect();
        Paragraph::new(lines).render(inner, buf);
    }
}

/// `got` as readable text, the characters whose bytes differ from `sent` lit as the hex
/// view lights changed bytes.
fn changes_lit(got: &[u8], sent: &[u8], theme: &Theme) -> Vec<Span<'static>> {
    let mut spans: Vec<(bool, String)> = Vec::new();
    let mut at = 0;
    let mut push = |c: char, len: usize, at: usize| {
        let changed = sent.get(at..at + len) != got.get(at..at + len);
        let c = if c.is_control() { '·' } else { c };
        match spans.last_mut() {
            Some((lit, text)) if *lit == changed => text.push(c),
            _ => spans.push((changed, c.to_string())),
        }
    };
    for chunk in got.utf8_chunks() {
        for c in chunk.valid().chars() {
            push(c, c.len_utf8(), at);
            at += c.len_utf8();
        }
        for _ in chunk.invalid() {
            push(char::REPLACEMENT_CHARACTER, 1, at);
            at += 1;
        }
    }
    spans
        .into_iter()
        .map(|(lit, text)| {
            if lit {
                Span::styled(text, theme.touched())
            } else {
                Span::raw(text)
            }
        })
        .collect()
}

/// The bytes `role` saw of the current journey, and their length when cut.
fn bytes_for(role: Role, journey: &Journey) -> Option<&Kept> {
    match role {
        Role::Mitm => journey.on_wire.as_ref(),
        _ if is_sender(role, journey) => journey.sent.as_ref(),
        _ => journey.arrival.as_ref().map(|a| &a.wire),
    }
}

/// A role's view of the message bytes, in hex with the anatomy coloured.
pub(crate) struct CiphertextPane<'a> {
    pub role: Role,
    pub journey: Option<&'a Journey>,
    pub scheme: Scheme,
    pub focused: bool,
    pub scroll: usize,
    pub theme: &'a Theme,
}

impl Widget for CiphertextPane<'_> {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let (theme, role, journey, focused) = (self.theme, self.role, self.journey, self.focused);
        let kept = journey.and_then(|j| bytes_for(role, j));
        let decoded = if self.scheme == Scheme::Fernet {
            ", token decoded"
        } else {
            ""
        };
        let heading = match (kept, journey.map(|j| is_sender(role, j))) {
            (Some(k), Some(true)) if role != Role::Mitm => {
                format!("Ciphertext — {} bytes sent{decoded}", k.len)
            }
            (Some(k), Some(false)) if role != Role::Mitm => {
                format!("Ciphertext — {} bytes received{decoded}", k.len)
            }
            (Some(k), _) => format!("Ciphertext — {} bytes on the wire{decoded}", k.len),
            _ => "Ciphertext".to_owned(),
        };
        let mut block = pane_block(title(heading, "Ciphertext", area.width), focused, theme);
        let inner = block.inner(area);
        let Some(kept) = kept else {
            block.render(area, buf);
            let text = match journey {
                Some(j) if j.injected && is_sender(role, j) => {
                    "not sent from here: a replay the man in the middle injected"
                }
                _ => "no message yet",
            };
            Paragraph::new(Span::styled(text, theme.dim()))
                .wrap(Wrap { trim: true })
                .render(inner, buf);
            return;
        };
        let anatomy = Anatomy::dissect(self.scheme, &kept.bytes);
        let scroll = self.scroll;
        // What the receiver got, against what the sender sent: the attacker's changes light up.
        let changed = match (journey, role) {
            (Some(j), Role::Client | Role::Server) if !is_sender(role, j) => j
                .sent
                .as_ref()
                .map(|sent| differences(self.scheme, sent, &anatomy))
                .unwrap_or_default(),
            _ => Vec::new(),
        };
        let mut hex = HexView {
            anatomy: &anatomy,
            theme: *theme,
            scroll,
            touched: &changed,
            full_len: kept.is_cut().then_some(kept.len),
            compact: inner.width < 48,
            legend: Legend::Below,
        };
        // In a short pane (a demo column at 80×24) every row goes to the bytes, and the legend
        // to the bottom border, so that ECB's two equal blocks are both in view.
        if inner.height < 6
            && let Some(legend) = hex.legend_line(inner.width)
        {
            hex.legend = Legend::Elsewhere;
            let more = hex.position(inner);
            let room = more.as_ref().map_or(0, |m| m.len() + 1);
            if legend.width() + room <= usize::from(inner.width) {
                block = block.title_bottom(legend);
                if let Some(more) = more {
                    block = block.title_bottom(Line::from(more).right_aligned());
                }
            } else {
                hex.legend = Legend::Below;
            }
        }
        block.render(area, buf);
        hex.render(inner, buf);
    }
}

/// The byte ranges of `received` that differ from what was `sent` (decoded, for Fernet).
pub(super) fn differences(
    scheme: Scheme,
    sent: &Kept,
    received: &Anatomy,
) -> Vec<std::ops::Range<usize>> {
    let sent = Anatomy::dissect(scheme, &sent.bytes).bytes;
    let got = &received.bytes;
    let mut ranges: Vec<std::ops::Range<usize>> = Vec::new();
    for i in (0..got.len()).filter(|&i| sent.get(i) != Some(&got[i])) {
        match ranges.last_mut() {
            Some(last) if last.end == i => last.end = i + 1,
            _ => ranges.push(i..i + 1),
        }
    }
    ranges
}
