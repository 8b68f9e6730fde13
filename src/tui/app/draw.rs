//! The whole screen from the app's parts: the layout, then each pane as a widget over the
//! part it draws. This is the only drawing code that sees the whole [`App`].

use ratatui::buffer::Buffer;
use ratatui::layout::Rect;
use ratatui::widgets::Widget;

use super::App;
use crate::net::Role;
use crate::tui::layout::{Areas, LayoutInput, Pane};
use crate::tui::state::{Focus, Mode, Zoom};
use crate::tui::ui::Popup;
use crate::tui::view::{self, chrome, history, panes};

impl App {
    /// The layout of the screen on `area`.
    pub(super) fn areas(&self, area: Rect) -> Areas {
        let input = LayoutInput {
            mode: self.session.mode(),
            tab: self.ui.tab(),
            narration: self
                .lesson
                .as_ref()
                .map(|lesson| view::narration_height(lesson, &self.theme, area.width)),
            zoom: (self.ui.zoom() == Zoom::Focused).then_some(self.ui.focus()),
            exercise: (self.session.mode() == crate::tui::state::Mode::Client
                && self.exercise.shown())
            .then(|| view::exercise::height(&self.exercise, area.width, &self.theme)),
        };
        Areas::compute(&input, area)
    }

    /// Where the terminal cursor belongs: in the plaintext editor while typing, in the
    /// answer prompt while answering.
    pub fn cursor(&self, area: Rect) -> Option<(u16, u16)> {
        if let Some(Popup::Notice(input)) = self.ui.popup() {
            return Some(view::NoticePopup::cursor(input, area));
        }
        if self.ui.popup().is_some() {
            return None;
        }
        if self.context().answering {
            let rect = self.areas(area).get(Pane::Exercise)?;
            return view::exercise::answer_cursor(&self.exercise, rect);
        }
        if !self.context().typing {
            return None;
        }
        let role = self.session.mode().sender()?;
        let rect = self.areas(area).get(Pane::Plaintext(role))?;
        let width = rect.width.saturating_sub(4) as usize;
        let scroll = self.editor.visual_scroll(width);
        let x = self.editor.visual_cursor().max(scroll) - scroll;
        Some((rect.x + 3 + x as u16, rect.y + 1))
    }

    /// Draws `pane` on `area`; `named` says whether the demo's columns have a title row, or
    /// their first pane must name them.
    fn pane(&self, pane: Pane, area: Rect, named: bool, buf: &mut Buffer) {
        let theme = &self.theme;
        let focus = self.ui.focus();
        let mode = self.session.mode();
        let journey = self.timeline.current();
        let scheme = self.session.scheme();
        match pane {
            Pane::Column(role) => chrome::ColumnTitle {
                role,
                focused: focus == Focus::Wire,
                theme,
            }
            .render(area, buf),
            Pane::Key(role) => panes::KeyPane {
                session: &self.session,
                role,
                keys: self.ui.keys(),
                column: (mode == Mode::Demo && !named).then_some(role),
                theme,
            }
            .render(area, buf),
            Pane::Plaintext(role) => panes::PlaintextPane {
                role,
                editor: (mode.sender() == Some(role)).then_some(&self.editor),
                focused: focus == Focus::Input,
                wire_hex: self.exercise.wire_hex(),
                journey,
                theme,
            }
            .render(area, buf),
            Pane::Ciphertext(role) => panes::CiphertextPane {
                role,
                journey,
                scheme,
                focused: focus == Focus::Ciphertext
                    && (role == crate::net::Role::Client
                        || mode.sender() == Some(role)
                        || role == crate::net::Role::Mitm),
                scroll: self.ui.scroll(Focus::Ciphertext),
                theme,
            }
            .render(area, buf),
            Pane::Verification(role) => panes::VerificationPane {
                journey,
                scheme,
                role,
                theme,
            }
            .render(area, buf),
            Pane::History => history::HistoryPane {
                timeline: &self.timeline,
                clients: &self.clients,
                mode,
                focus,
                theme,
            }
            .render(area, buf),
            Pane::Log => history::LogPane {
                log: &self.log,
                focused: focus == Focus::Log,
                scroll: self.ui.scroll(Focus::Log),
                theme,
            }
            .render(area, buf),
            Pane::Wire => view::WirePane {
                attacker: &self.attacker,
                journey,
                earlier: journey.and_then(|j| {
                    let seq = j.nonce_reused?;
                    self.timeline
                        .journeys()
                        .find((j.conn, crate::net::Direction::ToServer, seq))
                }),
                scheme,
                form: match self.ui.popup() {
                    Some(Popup::Tamper(form)) => Some(form),
                    _ => None,
                },
                focused: focus == Focus::Wire,
                scroll: self.ui.scroll(Focus::Wire),
                keys: self.ui.keys(),
                column: mode == Mode::Demo && !named,
                theme,
            }
            .render(area, buf),
            Pane::Clients => view::ClientsPane {
                clients: &self.clients,
                focused: focus == Focus::Clients,
                theme,
            }
            .render(area, buf),
            Pane::Compare => view::ComparePane {
                compare: &self.tabs.compare,
                theme,
            }
            .render(area, buf),
            Pane::Matrix => view::MatrixPane {
                board: &self.tabs.matrix,
                first_scheme: self.ui.first_scheme(),
                theme,
            }
            .render(area, buf),
            Pane::Picture => view::PicturePane { theme }.render(area, buf),
            Pane::Oracle => view::OraclePane {
                snapshot: &self.tabs.oracle.live().snapshot(),
                pace: self.tabs.oracle.live().pace(),
                aim: self.tabs.oracle.aim(),
                idle: &view::ORACLE_IDLE,
                focused: false,
                theme,
            }
            .render(area, buf),
            Pane::Exercise => view::exercise::ExercisePane {
                view: &self.exercise,
                focused: focus == Focus::Exercise,
                scroll: self.ui.scroll(Focus::Exercise),
                theme,
            }
            .render(area, buf),
            Pane::Narration => {
                if let Some(lesson) = &self.lesson {
                    view::NarrationPane { lesson, theme }.render(area, buf);
                }
            }
        }
    }
}

impl Widget for &App {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let areas = self.areas(area);
        if areas.too_small {
            chrome::TooSmall { theme: &self.theme }.render(area, buf);
            return;
        }
        chrome::Header {
            session: &self.session,
            tab: self.ui.tab(),
            frozen: matches!(
                self.timeline.follow(),
                crate::tui::timeline::Follow::Frozen(_)
            ),
            zoomed: self.ui.zoom() == Zoom::Focused && self.ui.tab() == crate::tui::state::Tab::Lab,
            theme: &self.theme,
        }
        .render(areas.header, buf);
        chrome::StatusLine {
            session: &self.session,
            error: self.ui.error(),
            connected: self.clients.connected(),
            theme: &self.theme,
        }
        .render(areas.status, buf);
        chrome::Footer {
            popup: self.ui.popup(),
            context: self.context(),
            theme: &self.theme,
        }
        .render(areas.footer, buf);
        let named = areas.get(Pane::Column(Role::Client)).is_some();
        for &(pane, rect) in &areas.panes {
            self.pane(pane, rect, named, buf);
        }
        match self.ui.popup() {
            Some(Popup::Help) => view::HelpPopup {
                context: self.context(),
                theme: &self.theme,
            }
            .render(area, buf),
            Some(Popup::Tamper(form)) => view::TamperPopup {
                form,
                scheme: self.session.scheme(),
                theme: &self.theme,
            }
            .render(area, buf),
            Some(Popup::Notice(input)) => view::NoticePopup {
                input,
                clients: self.clients.connected(),
                theme: &self.theme,
            }
            .render(area, buf),
            None => {}
        }
    }
}
