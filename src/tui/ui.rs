//! The screen's own state, apart from what it shows: the tab, the focused pane, a popup,
//! scroll offsets, the size last drawn, the latest error, and whether to quit.

use std::collections::HashMap;

use super::attacker::TamperForm;
use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use super::state::{Focus, KeyDisplay, Mode, Tab, Zoom};

/// A popup over the screen. While one is open it takes every key.
pub enum Popup {
    /// The key list.
    Help,
    /// The tamper form.
    Tamper(TamperForm),
    /// The instructor's NOTICE to every client, being typed (`n`).
    Notice(tui_input::Input),
}

/// The UI's own state.
pub struct UiState {
    tab: Tab,
    focus: Focus,
    popup: Option<Popup>,
    scroll: HashMap<Focus, usize>,
    size: (u16, u16),
    error: Option<String>,
    keys: KeyDisplay,
    zoom: Zoom,
    first_scheme: usize,
    quit: bool,
}

impl UiState {
    /// The state a screen in `mode` starts in: the Lab tab, the mode's first pane focused.
    pub fn new(mode: Mode) -> UiState {
        UiState {
            tab: Tab::Lab,
            focus: Focus::start(mode),
            popup: None,
            scroll: HashMap::new(),
            size: (0, 0),
            error: None,
            keys: KeyDisplay::Shown,
            zoom: Zoom::Tiled,
            first_scheme: 0,
            quit: false,
        }
    }

    /// The tab showing.
    pub fn tab(&self) -> Tab {
        self.tab
    }

    /// Shows `tab`.
    pub fn show_tab(&mut self, tab: Tab) {
        self.tab = tab;
    }

    /// Moves `step` tabs along the tabs of `mode`, wrapping.
    pub fn switch_tab(&mut self, mode: Mode, step: isize) -> Tab {
        let tabs = Tab::of(mode);
        let here = tabs.iter().position(|t| *t == self.tab).unwrap_or(0);
        let len = tabs.len() as isize;
        self.tab = tabs[(here as isize + step).rem_euclid(len) as usize];
        self.tab
    }

    /// The pane receiving keys.
    pub fn focus(&self) -> Focus {
        self.focus
    }

    /// Gives `focus` the keys.
    pub fn set_focus(&mut self, focus: Focus) {
        self.focus = focus;
    }

    /// Moves the focus `step` panes along `cycle` (the mode's, less the panes not shown).
    pub fn cycle_focus(&mut self, cycle: &[Focus], step: isize) {
        if cycle.is_empty() {
            return;
        }
        let here = cycle.iter().position(|f| *f == self.focus).unwrap_or(0);
        let next = (here as isize + step).rem_euclid(cycle.len() as isize) as usize;
        self.focus = cycle[next];
    }

    /// The popup, if one is open.
    pub fn popup(&self) -> Option<&Popup> {
        self.popup.as_ref()
    }

    /// The popup, to type into.
    pub fn popup_mut(&mut self) -> Option<&mut Popup> {
        self.popup.as_mut()
    }

    /// Opens `popup` over the screen.
    pub fn open(&mut self, popup: Popup) {
        self.popup = Some(popup);
    }

    /// Closes the popup; whether one was open.
    pub fn close_popup(&mut self) -> bool {
        self.popup.take().is_some()
    }

    /// The scroll offset of `pane`, in lines.
    pub fn scroll(&self, pane: Focus) -> usize {
        self.scroll.get(&pane).copied().unwrap_or(0)
    }

    /// Scrolls `pane` by `delta` lines.
    pub fn scroll_by(&mut self, pane: Focus, delta: isize) {
        let offset = self.scroll.entry(pane).or_insert(0);
        *offset = offset.saturating_add_signed(delta);
    }

    /// Back to the top of every pane.
    pub fn reset_scroll(&mut self) {
        self.scroll.clear();
    }

    /// The screen size last drawn.
    pub fn size(&self) -> (u16, u16) {
        self.size
    }

    /// The terminal is now `width` × `height`.
    pub fn resize(&mut self, width: u16, height: u16) {
        self.size = (width, height);
    }

    /// Whether the screen is below the size cipherlab draws on (only `q` and Ctrl-C work).
    pub fn too_small(&self) -> bool {
        self.size.0 < MIN_WIDTH || self.size.1 < MIN_HEIGHT
    }

    /// The latest error, shown in the status line.
    pub fn error(&self) -> Option<&str> {
        self.error.as_deref()
    }

    /// Shows `message` in the status line until the next action clears it.
    pub fn show_error(&mut self, message: impl Into<String>) {
        self.error = Some(message.into());
    }

    /// Clears the status line's error.
    pub fn clear_error(&mut self) {
        self.error = None;
    }

    /// Whether key material is drawn.
    pub fn keys(&self) -> KeyDisplay {
        self.keys
    }

    /// Draws key material, or hides it.
    pub fn show_keys(&mut self, keys: KeyDisplay) {
        self.keys = keys;
    }

    /// How the Lab tab lays out its panes.
    pub fn zoom(&self) -> Zoom {
        self.zoom
    }

    /// Zooms the focused pane, or tiles the panes again.
    pub fn set_zoom(&mut self, zoom: Zoom) {
        self.zoom = zoom;
    }

    /// The first scheme column the Matrix tab shows, when they do not all fit.
    pub fn first_scheme(&self) -> usize {
        self.first_scheme
    }

    /// Moves the Matrix tab's scheme columns `step` along (the view clamps it).
    pub fn shift_schemes(&mut self, step: isize, schemes: usize) {
        let last = schemes.saturating_sub(1);
        self.first_scheme = self.first_scheme.saturating_add_signed(step).min(last);
    }

    /// The user asked to leave.
    pub fn quit(&mut self) {
        self.quit = true;
    }

    /// Whether the user asked to leave.
    pub fn wants_quit(&self) -> bool {
        self.quit
    }
}
