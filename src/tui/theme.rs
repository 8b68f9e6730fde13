//! Colours and emphasis in one place. With `NO_COLOR` set, the mono theme keeps every
//! distinction through modifiers (bold, underline, reverse) instead of colour.

use ratatui::style::{Color, Modifier, Style};

use crate::crypto::{FieldKind, Verdict};

/// The screen's styles.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Theme {
    /// No colour: emphasis by modifiers only.
    pub mono: bool,
}

/// Colours for repeated ECB blocks: each group of equal blocks shares one.
const REPEAT_COLOURS: [Color; 6] = [
    Color::Red,
    Color::Green,
    Color::Blue,
    Color::Magenta,
    Color::Yellow,
    Color::Cyan,
];

impl Theme {
    /// The theme for this environment: mono when `NO_COLOR` is set to anything non-empty.
    pub fn from_env() -> Theme {
        Theme {
            mono: std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty()),
        }
    }

    fn pick(&self, colour: Style, mono: Style) -> Style {
        if self.mono { mono } else { colour }
    }

    /// A pane's border and title.
    pub fn border(&self, focused: bool) -> Style {
        match (focused, self.mono) {
            (true, false) => Style::new().fg(Color::Cyan).add_modifier(Modifier::BOLD),
            (true, true) => Style::new().add_modifier(Modifier::BOLD),
            (false, _) => self.pick(Style::new().fg(Color::DarkGray), Style::new()),
        }
    }

    /// Secondary text.
    pub fn dim(&self) -> Style {
        self.pick(
            Style::new().fg(Color::DarkGray),
            Style::new().add_modifier(Modifier::DIM),
        )
    }

    /// A warning, such as a key sent in the clear.
    pub fn warning(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD | Modifier::UNDERLINED),
        )
    }

    /// Good news, such as a key that never crossed the wire.
    pub fn good(&self) -> Style {
        self.pick(Style::new().fg(Color::Green), Style::new())
    }

    /// The selected row of a list.
    pub fn selected(&self) -> Style {
        Style::new().add_modifier(Modifier::REVERSED)
    }

    /// Key names in the footer and help.
    pub fn key(&self) -> Style {
        self.pick(
            Style::new().fg(Color::Yellow).add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// The mark beside a verdict: ✔ only when a tag proved the message authentic. A message
    /// accepted without one (ecb, cbc) gets ⚠, since it may well be a forgery; ✘ rejected.
    pub fn mark(verdict: &Verdict) -> &'static str {
        match verdict {
            Verdict::Authentic => "✔",
            Verdict::Unauthenticated => "⚠",
            Verdict::Rejected(_) => "✘",
        }
    }

    /// The verdict banner: green authentic, amber accepted-but-unauthenticated, red rejected.
    /// Without colour, authentic and rejected are reversed and unauthenticated is underlined
    /// instead, so that it never passes for authentic.
    pub fn verdict(&self, verdict: &Verdict) -> Style {
        let colour = match verdict {
            Verdict::Authentic => Color::Green,
            Verdict::Unauthenticated => Color::Yellow,
            Verdict::Rejected(_) => Color::Red,
        };
        let mono = match verdict {
            Verdict::Unauthenticated => Modifier::BOLD | Modifier::UNDERLINED,
            _ => Modifier::BOLD | Modifier::REVERSED,
        };
        self.pick(
            Style::new()
                .fg(Color::Black)
                .bg(colour)
                .add_modifier(Modifier::BOLD),
            Style::new().add_modifier(mono),
        )
    }

    /// A verdict as inline text (history, client list).
    pub fn verdict_text(&self, verdict: &Verdict) -> Style {
        let colour = match verdict {
            Verdict::Authentic => Color::Green,
            Verdict::Unauthenticated => Color::Yellow,
            Verdict::Rejected(_) => Color::Red,
        };
        self.pick(
            Style::new().fg(colour),
            Style::new().add_modifier(Modifier::BOLD),
        )
    }

    /// A byte of the hex view, by the anatomy field it belongs to. `group` numbers repeated
    /// ECB blocks so that equal blocks share a colour.
    pub fn field(&self, kind: &FieldKind) -> Style {
        if self.mono {
            return match kind {
                FieldKind::Version | FieldKind::Length { .. } => {
                    Style::new().add_modifier(Modifier::ITALIC)
                }
                FieldKind::Timestamp { .. } => {
                    Style::new().add_modifier(Modifier::ITALIC | Modifier::DIM)
                }
                FieldKind::Iv | FieldKind::Salt | FieldKind::Nonce => {
                    Style::new().add_modifier(Modifier::BOLD)
                }
                FieldKind::Block {
                    repeat_of: Some(_), ..
                } => Style::new().add_modifier(Modifier::REVERSED),
                FieldKind::Block { index, .. } if index % 2 == 1 => {
                    Style::new().add_modifier(Modifier::DIM)
                }
                FieldKind::Block { .. } | FieldKind::Message | FieldKind::Ciphertext => {
                    Style::new()
                }
                FieldKind::Tag => Style::new().add_modifier(Modifier::UNDERLINED),
                FieldKind::Trailing => Style::new().add_modifier(Modifier::CROSSED_OUT),
            };
        }
        match kind {
            FieldKind::Version => Style::new().fg(Color::Magenta),
            FieldKind::Timestamp { .. } => Style::new().fg(Color::LightBlue),
            FieldKind::Iv | FieldKind::Salt | FieldKind::Nonce => Style::new().fg(Color::Yellow),
            FieldKind::Block {
                repeat_of: Some(first),
                ..
            } => Style::new()
                .fg(Color::Black)
                .bg(REPEAT_COLOURS[first % REPEAT_COLOURS.len()]),
            FieldKind::Block { index, .. } if index % 2 == 1 => Style::new().fg(Color::LightCyan),
            FieldKind::Block { .. } | FieldKind::Ciphertext => Style::new().fg(Color::Cyan),
            FieldKind::Tag => Style::new().fg(Color::Green),
            FieldKind::Length { .. } => Style::new().fg(Color::LightMagenta),
            FieldKind::Message => Style::new().fg(Color::White),
            FieldKind::Trailing => Style::new()
                .fg(Color::Red)
                .add_modifier(Modifier::CROSSED_OUT),
        }
    }

    /// Bytes the pending tamper action touches.
    pub fn touched(&self) -> Style {
        self.pick(
            Style::new()
                .fg(Color::Black)
                .bg(Color::LightRed)
                .add_modifier(Modifier::BOLD),
            Style::new().add_modifier(Modifier::REVERSED | Modifier::UNDERLINED),
        )
    }

    /// A matrix cell: detected (green), accepted though tampered (red), or not tried (grey).
    pub fn outcome(&self, detected: Option<bool>) -> Style {
        match (detected, self.mono) {
            (Some(true), false) => Style::new().fg(Color::Green),
            (Some(false), false) => Style::new().fg(Color::Red).add_modifier(Modifier::BOLD),
            (None, false) => Style::new().fg(Color::DarkGray),
            (Some(true), true) => Style::new(),
            (Some(false), true) => Style::new().add_modifier(Modifier::BOLD | Modifier::REVERSED),
            (None, true) => Style::new().add_modifier(Modifier::DIM),
        }
    }
}
