//! Where each pane goes, computed from a small input (mode, tab, the narration's rows) and the
//! screen size. Drawing and mouse hit-testing use the same computation, so a click lands on the
//! pane that is drawn there.

use ratatui::layout::{Constraint, Layout, Rect};

use super::clients::ClientList;
use super::state::{Focus, Mode, Tab};
use super::timeline::Timeline;
use crate::net::Role;

/// The smallest screen cipherlab draws on.
pub const MIN_WIDTH: u16 = 80;
/// The smallest screen cipherlab draws on.
pub const MIN_HEIGHT: u16 = 24;

/// A region of the screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pane {
    /// A demo column's title row.
    Column(Role),
    /// The key a role holds.
    Key(Role),
    /// A role's plaintext (with the editor for the sender).
    Plaintext(Role),
    /// A role's view of the message bytes.
    Ciphertext(Role),
    /// A role's verdict.
    Verification(Role),
    /// The attacker's seat.
    Wire,
    /// Messages both ways.
    History,
    /// Recent log lines.
    Log,
    /// The server's clients.
    Clients,
    /// The Compare tab.
    Compare,
    /// The Matrix tab.
    Matrix,
    /// The Picture tab.
    Picture,
    /// The Oracle tab.
    Oracle,
    /// A lesson's narration.
    Narration,
    /// The student's exercise.
    Exercise,
}

impl Pane {
    /// The focus a click on this pane gives.
    pub fn focus(self) -> Option<Focus> {
        match self {
            Pane::Plaintext(_) => Some(Focus::Input),
            Pane::Ciphertext(_) => Some(Focus::Ciphertext),
            Pane::Wire => Some(Focus::Wire),
            Pane::History => Some(Focus::History),
            Pane::Log => Some(Focus::Log),
            Pane::Clients => Some(Focus::Clients),
            Pane::Exercise => Some(Focus::Exercise),
            _ => None,
        }
    }
}

/// What the layout depends on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LayoutInput {
    /// Which program this is.
    pub mode: Mode,
    /// The tab showing.
    pub tab: Tab,
    /// During a lesson, the rows its narration needs at this width (borders included).
    pub narration: Option<u16>,
    /// The pane zoomed to the whole body of the Lab tab, if one is (`\`).
    pub zoom: Option<Focus>,
    /// On a client with an exercise, the rows its pane needs at this width (border included).
    pub exercise: Option<u16>,
}

/// The computed layout.
#[derive(Clone, Debug, Default)]
pub struct Areas {
    /// The title line with the tabs.
    pub header: Rect,
    /// The status line (connection states, the latest error).
    pub status: Rect,
    /// The key hints.
    pub footer: Rect,
    /// Every pane and where it goes.
    pub panes: Vec<(Pane, Rect)>,
    /// The screen is below the minimum size.
    pub too_small: bool,
}

fn rows(area: Rect, constraints: impl IntoIterator<Item = Constraint>) -> Vec<Rect> {
    Layout::vertical(constraints).split(area).to_vec()
}

fn cols(area: Rect, constraints: impl IntoIterator<Item = Constraint>) -> Vec<Rect> {
    Layout::horizontal(constraints).split(area).to_vec()
}

impl Areas {
    /// Lays out the screen described by `input` on `area`.
    pub fn compute(input: &LayoutInput, area: Rect) -> Areas {
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            return Areas {
                too_small: true,
                ..Areas::default()
            };
        }
        let [header, body, status, footer] = area.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ]));
        let mut panes = Vec::new();
        let body = match input.narration {
            Some(needed) => {
                // As many rows as the step needs, within what the columns below can spare.
                let most = if body.height >= 30 { 10 } else { 8 };
                let narration = needed.clamp(5, most);
                let [top, rest] = body.layout(&Layout::vertical([
                    Constraint::Length(narration),
                    Constraint::Fill(1),
                ]));
                panes.push((Pane::Narration, top));
                rest
            }
            None => body,
        };
        match input.tab {
            Tab::Compare => panes.push((Pane::Compare, body)),
            Tab::Matrix => panes.push((Pane::Matrix, body)),
            Tab::Picture => panes.push((Pane::Picture, body)),
            Tab::Oracle => panes.push((Pane::Oracle, body)),
            Tab::Lab => match input.zoom.and_then(|focus| zoomed(input.mode, focus)) {
                Some(pane) => panes.push((pane, body)),
                None => match input.mode {
                    Mode::Demo => demo(body, &mut panes),
                    Mode::Client => match input.exercise {
                        Some(needed) => student(body, needed, &mut panes),
                        None => single(body, Role::Client, &mut panes),
                    },
                    Mode::Server => server(body, &mut panes),
                    Mode::Mitm => mitm(body, &mut panes),
                },
            },
        }
        Areas {
            header,
            status,
            footer,
            panes,
            too_small: false,
        }
    }

    /// Where `pane` is, if shown.
    pub fn get(&self, pane: Pane) -> Option<Rect> {
        self.panes.iter().find(|(p, _)| *p == pane).map(|(_, r)| *r)
    }

    /// The pane under a screen cell.
    pub fn pane_at(&self, x: u16, y: u16) -> Option<Pane> {
        let hit = |r: &Rect| x >= r.x && x < r.x + r.width && y >= r.y && y < r.y + r.height;
        self.panes.iter().find(|(_, r)| hit(r)).map(|(p, _)| *p)
    }

    /// The position (in the order shown) of the client drawn on screen row `y` of the
    /// Clients pane.
    pub fn clients_row(&self, clients: &ClientList, y: u16) -> Option<usize> {
        let area = self.get(Pane::Clients)?;
        let height = clients_height(area);
        let row = y.checked_sub(area.y + 2)? as usize;
        let len = clients.rows().len();
        let at = clients_start(clients.selected(), len, height) + row;
        (row < height && at < len).then_some(at)
    }

    /// The journey drawn on screen row `y` of the History pane.
    pub fn history_row(&self, timeline: &Timeline, y: u16) -> Option<u64> {
        let area = self.get(Pane::History)?;
        let inner_top = area.y + 1;
        let height = area.height.saturating_sub(2) as usize;
        let row = y.checked_sub(inner_top)? as usize;
        if row >= height {
            return None;
        }
        let start = history_start(timeline, height);
        timeline.journeys().iter().nth(start + row).map(|j| j.id)
    }
}

/// The client rows the Clients pane has room for (below its border and column titles).
pub fn clients_height(area: Rect) -> usize {
    area.height.saturating_sub(3) as usize
}

/// The first client row shown, so that the selection is in view in a window of `height` rows.
pub fn clients_start(selected: usize, len: usize, height: usize) -> usize {
    if len <= height {
        return 0;
    }
    selected
        .saturating_sub(height.saturating_sub(1))
        .min(len - height)
}

/// The pane that shows `focus` in `mode`, the one a zoom gives the whole screen: the sender's
/// editor and Ciphertext (the man in the middle's, in the mitm), or the focused list.
fn zoomed(mode: Mode, focus: Focus) -> Option<Pane> {
    let own = mode.sender().unwrap_or(Role::Mitm);
    match focus {
        Focus::Input => mode.sender().map(Pane::Plaintext),
        Focus::Ciphertext => Some(Pane::Ciphertext(own)),
        Focus::Wire if mode.has_wire() => Some(Pane::Wire),
        Focus::Clients if mode == Mode::Server => Some(Pane::Clients),
        Focus::Exercise if mode == Mode::Client => Some(Pane::Exercise),
        Focus::History => Some(Pane::History),
        Focus::Log => Some(Pane::Log),
        Focus::Wire | Focus::Clients | Focus::Exercise => None,
    }
}

/// The first journey the History pane shows, so that the selection (or the latest) is visible.
pub fn history_start(timeline: &Timeline, height: usize) -> usize {
    let len = timeline.journeys().len();
    if len <= height {
        return 0;
    }
    match timeline
        .selected()
        .and_then(|id| timeline.journeys().position_of(id))
    {
        Some(position) => position.saturating_sub(height / 2).min(len - height),
        None => len - height,
    }
}

/// A compact column of the four panes for `role`, sized for the height available.
fn column(area: Rect, role: Role, editor: bool, panes: &mut Vec<(Pane, Rect)>) {
    let roomy = area.height >= 24;
    let key = if area.height >= 30 {
        5
    } else if roomy {
        4
    } else {
        3
    };
    let plaintext = if editor && roomy { 4 } else { 3 };
    let verification = if roomy { 5 } else { 3 };
    stack(area, role, (key, plaintext, verification), panes);
}

/// Key, Plaintext, Ciphertext and Verification one above the other, with these heights for
/// all but the Ciphertext, which takes the rest.
fn stack(
    area: Rect,
    role: Role,
    (key, plaintext, verification): (u16, u16, u16),
    panes: &mut Vec<(Pane, Rect)>,
) {
    let parts = rows(
        area,
        [
            Constraint::Length(key),
            Constraint::Length(plaintext),
            Constraint::Fill(1),
            Constraint::Length(verification),
        ],
    );
    panes.push((Pane::Key(role), parts[0]));
    panes.push((Pane::Plaintext(role), parts[1]));
    panes.push((Pane::Ciphertext(role), parts[2]));
    panes.push((Pane::Verification(role), parts[3]));
}

fn bottom(area: Rect, panes: &mut Vec<(Pane, Rect)>) {
    let parts = cols(
        area,
        [Constraint::Percentage(55), Constraint::Percentage(45)],
    );
    panes.push((Pane::History, parts[0]));
    panes.push((Pane::Log, parts[1]));
}

fn demo(body: Rect, panes: &mut Vec<(Pane, Rect)>) {
    // Under a lesson's narration on a small screen, the three columns (and their Ciphertext
    // panes, the point of the lesson) need every row: History and Log give way.
    let history = if body.height < 20 {
        0
    } else {
        (body.height / 4).max(6)
    };
    let [top, rest] = body.layout(&Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(history),
    ]));
    let columns = cols(
        top,
        [
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
            Constraint::Ratio(1, 3),
        ],
    );
    // On a short screen (80×24) the column names go into the panes' own titles, and their row
    // to the Ciphertext panes.
    let titled = top.height >= 20;
    for (role, area) in [
        (Role::Client, columns[0]),
        (Role::Mitm, columns[1]),
        (Role::Server, columns[2]),
    ] {
        let [title, inner] = area.layout(&Layout::vertical([
            Constraint::Length(u16::from(titled)),
            Constraint::Fill(1),
        ]));
        if titled {
            panes.push((Pane::Column(role), title));
        }
        if role == Role::Mitm {
            panes.push((Pane::Wire, inner));
        } else {
            column(inner, role, role == Role::Client, panes);
        }
    }
    if history > 0 {
        bottom(rest, panes);
    }
}

fn single(body: Rect, role: Role, panes: &mut Vec<(Pane, Rect)>) {
    // At 80×24 the Log gives rows to the Ciphertext, and History gets the width its rows need
    // to keep a message's text beside its verdict.
    let log = if body.height >= 28 { 7 } else { 4 };
    let (hex, history) = if body.width >= 100 {
        (60, 40)
    } else {
        (55, 45)
    };
    let parts = rows(
        body,
        [
            Constraint::Length(5),
            Constraint::Length(4),
            Constraint::Fill(1),
            Constraint::Length(log),
        ],
    );
    let top = cols(
        parts[0],
        [Constraint::Percentage(50), Constraint::Percentage(50)],
    );
    panes.push((Pane::Key(role), top[0]));
    panes.push((Pane::Verification(role), top[1]));
    panes.push((Pane::Plaintext(role), parts[1]));
    let middle = cols(
        parts[2],
        [Constraint::Percentage(hex), Constraint::Percentage(history)],
    );
    panes.push((Pane::Ciphertext(role), middle[0]));
    panes.push((Pane::History, middle[1]));
    panes.push((Pane::Log, parts[3]));
}

/// A student's client with an exercise: the Exercise pane across the top, as tall as its
/// text needs within what the others can spare, then the editor, then Ciphertext beside
/// History. At 80×24 the Key, Verification and Log panes give way (History shows each
/// message's verdict, and `\` zooms any pane); from 36 rows they come back.
fn student(body: Rect, needed: u16, panes: &mut Vec<(Pane, Rect)>) {
    let roomy = body.height >= 33;
    let (top, log) = if roomy { (5, 4) } else { (0, 0) };
    let plaintext = if roomy { 4 } else { 3 };
    // The Ciphertext and History keep rows for one message's two hex rows and a few verdicts.
    let spare = body.height.saturating_sub(top + log + plaintext + 6);
    let exercise = needed.clamp(6.min(spare), spare.max(1));
    let parts = rows(
        body,
        [
            Constraint::Length(top),
            Constraint::Length(exercise),
            Constraint::Length(plaintext),
            Constraint::Fill(1),
            Constraint::Length(log),
        ],
    );
    if roomy {
        let key = cols(
            parts[0],
            [Constraint::Percentage(50), Constraint::Percentage(50)],
        );
        panes.push((Pane::Key(Role::Client), key[0]));
        panes.push((Pane::Verification(Role::Client), key[1]));
    }
    panes.push((Pane::Exercise, parts[1]));
    panes.push((Pane::Plaintext(Role::Client), parts[2]));
    let middle = cols(
        parts[3],
        [Constraint::Percentage(55), Constraint::Percentage(45)],
    );
    panes.push((Pane::Ciphertext(Role::Client), middle[0]));
    panes.push((Pane::History, middle[1]));
    if roomy {
        panes.push((Pane::Log, parts[4]));
    }
}

/// The server: the class list down the left, as tall as the screen allows (at 200×50 it
/// shows 33 clients, at 80×24 twelve), the selected message's panes on the right, History
/// and Log below.
fn server(body: Rect, panes: &mut Vec<(Pane, Rect)>) {
    let history = (body.height / 4).max(6);
    let [top, rest] = body.layout(&Layout::vertical([
        Constraint::Fill(1),
        Constraint::Length(history),
    ]));
    let [clients, message] = top.layout(&Layout::horizontal([
        Constraint::Percentage(55),
        Constraint::Percentage(45),
    ]));
    panes.push((Pane::Clients, clients));
    // The key's three lines, the editor and the verdict with its reason keep their rows when
    // there is room; the hex view takes the rest.
    let heights = if message.height >= 22 {
        (5, 4, 5)
    } else {
        (3, 3, 3)
    };
    stack(message, Role::Server, heights, panes);
    bottom(rest, panes);
}

fn mitm(body: Rect, panes: &mut Vec<(Pane, Rect)>) {
    let parts = rows(body, [Constraint::Fill(1), Constraint::Length(8)]);
    let top = cols(
        parts[0],
        [Constraint::Percentage(55), Constraint::Percentage(45)],
    );
    panes.push((Pane::Wire, top[0]));
    let right = rows(top[1], [Constraint::Length(4), Constraint::Fill(1)]);
    panes.push((Pane::Key(Role::Mitm), right[0]));
    panes.push((Pane::Ciphertext(Role::Mitm), right[1]));
    bottom(parts[1], panes);
}
