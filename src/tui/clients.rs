//! The clients a listening screen knows: the server's class list (sorted, with who has not
//! sent anything yet, and the one its operator replies to), and the man in the middle's
//! names for its connections. On the seed wire, where a client connects once per message and
//! gives no name, every connection from one address folds into one row.

use std::cmp::Ordering;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

use crate::crypto::Verdict;
use crate::net::exercise::Progress;
use crate::net::{Peer, PeerId};
use crate::tui::journey::MAX_JOURNEYS;

/// Clients listed by the server view; the oldest disconnected ones are forgotten first.
pub const MAX_CLIENTS_SHOWN: usize = 256;

/// How the client list is ordered (`o` cycles). Connected clients always come before the
/// ones that have gone.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Alphabetically, as a class list is read.
    #[default]
    Name,
    /// The latest to send or receive first.
    Activity,
    /// Rejected first, then unauthenticated, authentic, and who has sent nothing.
    Verdict,
    /// With an exercise running: who solved it first (the quickest first), then who is
    /// working (the most tries first), so that who has not started sinks to the bottom.
    Progress,
}

impl Sort {
    /// The next order in the cycle.
    pub fn next(self) -> Sort {
        match self {
            Sort::Name => Sort::Activity,
            Sort::Activity => Sort::Verdict,
            Sort::Verdict => Sort::Progress,
            Sort::Progress => Sort::Name,
        }
    }

    /// How the pane's title names it.
    pub fn label(self) -> &'static str {
        match self {
            Sort::Name => "by name",
            Sort::Activity => "by last activity",
            Sort::Verdict => "by verdict",
            Sort::Progress => "by progress",
        }
    }
}

/// What one row stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum RowKey {
    /// One lab connection.
    Connection(PeerId),
    /// Every seed-wire connection from one address.
    Address(IpAddr),
}

/// One row of the client list.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ClientRow {
    /// What the row stands for.
    pub key: RowKey,
    /// The connection (the latest one, for a folded seed row).
    pub peer: Peer,
    /// The name it goes by (unique on a lab server), or the seed client's kind.
    pub name: String,
    /// Messages received from it.
    pub messages_in: u64,
    /// Messages sent to it.
    pub messages_out: u64,
    /// The server's verdict on its latest message.
    pub last_verdict: Option<Verdict>,
    /// Whether it is still connected.
    pub connected: bool,
    /// Where the student stands in the exercise, when one is running.
    pub progress: Option<Progress>,
    /// The student whose progress that is: the name the connection asked for, which a second
    /// connection of theirs shares even when it is listed as `alice-2`.
    pub student: Option<String>,
    /// Connections the row stands for: 1 on the lab wire, one per message on most seeds.
    pub connections: u64,
    /// Connections open now (a folded row may have several).
    live: u64,
    /// When it last sent or received, in list events.
    last_active: u64,
}

impl ClientRow {
    /// Whether it has sent nothing yet.
    pub fn silent(&self) -> bool {
        self.messages_in == 0
    }
}

/// The client list.
#[derive(Debug, Default)]
pub struct ClientList {
    /// In order of arrival.
    rows: Vec<ClientRow>,
    sort: Sort,
    selected: Option<RowKey>,
    /// Seed wire: one row per address.
    fold: bool,
    /// Which address each recent seed connection came from, for History's names; as many as
    /// History can show.
    seed_peers: VecDeque<(PeerId, IpAddr)>,
    clock: u64,
}

/// Where a student's progress sorts: solved (the quickest first), then working (the most
/// tries first), then no exercise.
fn progress_rank(progress: Option<&Progress>) -> (u8, u128) {
    match progress {
        Some(Progress::Solved { taken, .. }) => (0, taken.as_millis()),
        Some(Progress::Working { tries }) => (1, u128::from(u32::MAX - tries)),
        None => (2, 0),
    }
}

/// Where a verdict sorts: what needs the instructor's eye first.
fn verdict_rank(verdict: Option<&Verdict>) -> u8 {
    match verdict {
        Some(Verdict::Rejected(_)) => 0,
        Some(Verdict::Unauthenticated) => 1,
        Some(Verdict::Authentic) => 2,
        None => 3,
    }
}

impl ClientList {
    /// A list for a listener on the seed wire (`fold`), whose connections fold by address,
    /// or on the lab wire.
    pub fn new(fold: bool) -> ClientList {
        ClientList {
            fold,
            ..ClientList::default()
        }
    }

    fn key_of(&self, peer: Peer) -> RowKey {
        if self.fold {
            RowKey::Address(peer.addr.ip())
        } else {
            RowKey::Connection(peer.id)
        }
    }

    fn position(&self, key: RowKey) -> Option<usize> {
        self.rows.iter().position(|row| row.key == key)
    }

    /// The rows in the order shown. Under an exercise a student's connections that have gone
    /// (an attack's, a script's answer) fold into their row: a student still connected shows
    /// only the rows that are, and one who has left shows their latest connection alone, so
    /// that a class of 30 stays 30 rows.
    pub fn rows(&self) -> Vec<&ClientRow> {
        let mut shown: HashMap<&str, (bool, u64)> = HashMap::new();
        for row in &self.rows {
            if let Some(student) = row.student.as_deref() {
                let best = shown.entry(student).or_insert((false, 0));
                *best = (*best).max((row.connected, row.last_active));
            }
        }
        let mut rows: Vec<&ClientRow> =
            self.rows
                .iter()
                .filter(|row| {
                    row.connected
                        || row.student.as_deref().is_none_or(|student| {
                            shown.get(student) == Some(&(false, row.last_active))
                        })
                })
                .collect();
        // Stable: equal rows keep their order of arrival.
        rows.sort_by(|a, b| self.compare(a, b));
        rows
    }

    fn compare(&self, a: &ClientRow, b: &ClientRow) -> Ordering {
        // Case-insensitive, without allocating: this runs on every frame drawn.
        let by_name = || {
            let (x, y) = (a.name.chars(), b.name.chars());
            x.flat_map(char::to_lowercase)
                .cmp(y.flat_map(char::to_lowercase))
        };
        b.connected.cmp(&a.connected).then_with(|| match self.sort {
            Sort::Name => by_name(),
            Sort::Activity => b.last_active.cmp(&a.last_active),
            Sort::Verdict => verdict_rank(a.last_verdict.as_ref())
                .cmp(&verdict_rank(b.last_verdict.as_ref()))
                .then_with(by_name),
            Sort::Progress => progress_rank(a.progress.as_ref())
                .cmp(&progress_rank(b.progress.as_ref()))
                .then_with(by_name),
        })
    }

    /// The order shown.
    pub fn sort(&self) -> Sort {
        self.sort
    }

    /// Shows the list in the next order; the selection stays on the same client. Progress
    /// is in the cycle only while an exercise is running.
    pub fn cycle_sort(&mut self) {
        self.sort = self.sort.next();
        if self.sort == Sort::Progress && !self.exercise() {
            self.sort = self.sort.next();
        }
    }

    /// Whether any student has exercise progress: an exercise is running.
    pub fn exercise(&self) -> bool {
        self.rows.iter().any(|row| row.progress.is_some())
    }

    /// Records `student`'s progress on the row of `peer` and on every other row of theirs: a
    /// student's progress is kept by name for the run, so the row of an earlier connection
    /// (an attack run beside the client, a reconnect) must not go on saying `working` once
    /// they have solved it.
    pub fn set_progress(&mut self, peer: Peer, student: &str, progress: Progress) {
        if let Some(row) = self.find(peer) {
            row.student = Some(student.to_owned());
        }
        for row in &mut self.rows {
            if row.student.as_deref() == Some(student) {
                row.progress = Some(progress);
            }
        }
    }

    /// The row of `peer`'s connection, as it is (a progress report is no activity of its own).
    pub fn find(&mut self, peer: Peer) -> Option<&mut ClientRow> {
        let at = self.position(self.key_of(peer))?;
        Some(&mut self.rows[at])
    }

    /// The position, in the order shown, of the row the operator replies to.
    pub fn selected(&self) -> usize {
        let rows = self.rows();
        self.selected
            .and_then(|key| rows.iter().position(|row| row.key == key))
            .unwrap_or(0)
    }

    /// Clients connected now.
    pub fn connected(&self) -> usize {
        self.rows.iter().filter(|row| row.connected).count()
    }

    /// Students who have solved the exercise (connected now or not: a solve is for the run).
    /// A student counts once however many rows (connections) they have.
    pub fn solved(&self) -> usize {
        let students: std::collections::HashSet<&str> = self
            .rows
            .iter()
            .filter(|row| matches!(row.progress, Some(Progress::Solved { .. })))
            .map(|row| row.student.as_deref().unwrap_or(&row.name))
            .collect();
        students.len()
    }

    /// Connected clients that have not sent anything yet.
    pub fn silent(&self) -> usize {
        self.rows
            .iter()
            .filter(|row| row.connected && row.silent())
            .count()
    }

    /// A client connected. Past [`MAX_CLIENTS_SHOWN`] a gone one makes room, and when none
    /// has gone the newcomer is not listed. On the seed wire a connection from an address
    /// already listed joins its row.
    pub fn add(&mut self, peer: Peer, name: String) {
        let key = self.key_of(peer);
        self.clock += 1;
        if self.fold {
            if self.seed_peers.len() >= MAX_JOURNEYS {
                self.seed_peers.pop_front();
            }
            self.seed_peers.push_back((peer.id, peer.addr.ip()));
        }
        if let Some(at) = self.position(key) {
            let row = &mut self.rows[at];
            row.peer = peer;
            row.live += 1;
            row.connections += 1;
            row.connected = true;
            row.last_active = self.clock;
            return;
        }
        if self.rows.len() >= MAX_CLIENTS_SHOWN
            && let Some(gone) = self.rows.iter().position(|c| !c.connected)
        {
            let forgotten = self.rows.remove(gone).key;
            if self.selected == Some(forgotten) {
                self.selected = None;
            }
        }
        if self.rows.len() < MAX_CLIENTS_SHOWN {
            self.rows.push(ClientRow {
                key,
                peer,
                name,
                messages_in: 0,
                messages_out: 0,
                last_verdict: None,
                connected: true,
                progress: None,
                student: None,
                connections: 1,
                live: 1,
                last_active: self.clock,
            });
            self.selected.get_or_insert(key);
        }
    }

    /// A connection ended.
    pub fn gone(&mut self, peer: Peer) {
        let key = self.key_of(peer);
        if let Some(at) = self.position(key) {
            let row = &mut self.rows[at];
            row.live = row.live.saturating_sub(1);
            row.connected = row.live > 0;
        }
    }

    /// The row of `peer`'s connection, marked active now (a message went either way).
    pub fn active(&mut self, peer: Peer) -> Option<&mut ClientRow> {
        let at = self.position(self.key_of(peer))?;
        self.clock += 1;
        let row = &mut self.rows[at];
        row.last_active = self.clock;
        Some(row)
    }

    /// The name History gives connection `id`: the client's name, or for a folded seed
    /// row the address its connections come from.
    pub fn name_of(&self, id: PeerId) -> Option<String> {
        if self.fold {
            let ip = self
                .seed_peers
                .iter()
                .rev()
                .find(|(peer, _)| *peer == id)?
                .1;
            return Some(ip.to_string());
        }
        let at = self.position(RowKey::Connection(id))?;
        Some(self.rows[at].name.clone())
    }

    /// Moves the selection `delta` rows in the order shown, clamped to the list.
    pub fn step(&mut self, delta: isize) {
        let rows = self.rows();
        let Some(last) = rows.len().checked_sub(1) else {
            return;
        };
        let here = self.selected();
        let there = here.saturating_add_signed(delta).min(last);
        self.selected = Some(rows[there].key);
    }

    /// Selects the row at `position` in the order shown (a click).
    pub fn select_at(&mut self, position: usize) {
        if let Some(row) = self.rows().get(position) {
            self.selected = Some(row.key);
        }
    }

    /// The connected client the operator replies to, if the selection is one.
    pub fn reply_to(&self) -> Option<PeerId> {
        self.rows()
            .get(self.selected())
            .filter(|c| c.connected)
            .map(|c| c.peer.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Reason;

    fn peer(id: PeerId, port: u16) -> Peer {
        Peer {
            id,
            addr: ([127, 0, 0, 1], port).into(),
        }
    }

    fn names(list: &ClientList) -> Vec<&str> {
        list.rows().iter().map(|row| row.name.as_str()).collect()
    }

    #[test]
    fn sorting_cycles_by_name_activity_and_verdict_and_the_selection_follows_its_client() {
        let mut list = ClientList::new(false);
        for (id, name) in [(1, "carol"), (2, "alice"), (3, "bob"), (4, "dave")] {
            list.add(peer(id, 5000 + id as u16), name.to_owned());
        }
        assert_eq!(names(&list), ["alice", "bob", "carol", "dave"]);
        assert_eq!(
            list.rows()[list.selected()].name,
            "carol",
            "the first to come"
        );
        for (at, verdict) in [
            (peer(2, 5002), Verdict::Rejected(Reason::TagMismatch)),
            (peer(1, 5001), Verdict::Authentic),
        ] {
            let row = list.active(at).unwrap();
            row.messages_in += 1;
            row.last_verdict = Some(verdict);
        }
        list.cycle_sort();
        assert_eq!(names(&list), ["carol", "alice", "dave", "bob"]);
        list.cycle_sort();
        assert_eq!(names(&list), ["alice", "carol", "bob", "dave"]);
        assert_eq!(list.rows()[list.selected()].name, "carol");
        assert_eq!(list.silent(), 2);
        list.gone(peer(2, 5002));
        assert_eq!(names(&list).last(), Some(&"alice"), "gone ones sink");
        list.cycle_sort();
        assert_eq!(list.sort(), Sort::Name);
    }

    #[test]
    fn a_students_earlier_connections_show_their_progress_as_it_is_now() {
        let mut list = ClientList::new(false);
        // alice's client, her attack beside it (listed alice-2), and bob.
        list.add(peer(1, 5001), "alice".to_owned());
        list.add(peer(2, 5002), "alice-2".to_owned());
        list.add(peer(3, 5003), "bob".to_owned());
        list.set_progress(peer(1, 5001), "alice", Progress::Working { tries: 0 });
        list.set_progress(peer(2, 5002), "alice", Progress::Working { tries: 34 });
        list.set_progress(peer(3, 5003), "bob", Progress::Working { tries: 1 });
        list.gone(peer(2, 5002));
        let solved = Progress::Solved {
            tries: 35,
            taken: std::time::Duration::from_secs(70),
        };
        list.set_progress(peer(1, 5001), "alice", solved);
        let progress = |list: &ClientList, name: &str| {
            list.rows()
                .iter()
                .find(|row| row.name == name)
                .and_then(|row| row.progress)
        };
        assert_eq!(progress(&list, "alice"), Some(solved));
        assert_eq!(progress(&list, "bob"), Some(Progress::Working { tries: 1 }));
        assert_eq!(list.solved(), 1, "one student, however many rows");
        // The attack's gone connection folds into alice's row while she is connected; once
        // she has left too, her latest connection stands for her, with her progress.
        assert_eq!(progress(&list, "alice-2"), None, "folded into alice's row");
        list.gone(peer(1, 5001));
        list.add(peer(4, 5004), "alice".to_owned());
        list.set_progress(peer(4, 5004), "alice", solved);
        list.gone(peer(4, 5004));
        let names: Vec<&str> = list.rows().iter().map(|r| r.name.as_str()).collect();
        assert_eq!(names, ["bob", "alice"], "one row for alice, her latest");
        assert_eq!(list.rows()[1].peer.id, 4);
        assert_eq!(progress(&list, "alice"), Some(solved));
    }

    #[test]
    fn seed_connections_from_one_address_fold_into_one_row() {
        let mut list = ClientList::new(true);
        for id in 1..=40 {
            let p = peer(id, 40_000 + id as u16);
            list.add(p, "seed hmac client".to_owned());
            list.active(p).unwrap().messages_in += 1;
            list.gone(p);
        }
        let rows = list.rows();
        assert_eq!(rows.len(), 1);
        assert_eq!((rows[0].connections, rows[0].messages_in), (40, 40));
        assert!(!rows[0].connected);
        assert_eq!(list.name_of(40).as_deref(), Some("127.0.0.1"));
    }
}
