//! The journeys on screen and which one the panes follow: the latest, one the user picked, or
//! one frozen in place while live updates go on underneath.

use super::journey::{Journey, Journeys};

/// Which journey the panes show.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Follow {
    /// The newest, as it arrives.
    #[default]
    Latest,
    /// One the user picked (History, a click, a lesson's step).
    Pinned(u64),
    /// Live updates paused on this one (`f`); the header says FROZEN.
    Frozen(u64),
}

/// The journeys and the one followed.
#[derive(Debug, Default)]
pub struct Timeline {
    journeys: Journeys,
    follow: Follow,
}

impl Timeline {
    /// The journeys kept.
    pub fn journeys(&self) -> &Journeys {
        &self.journeys
    }

    /// The journeys, to record events in.
    pub fn journeys_mut(&mut self) -> &mut Journeys {
        &mut self.journeys
    }

    /// What the panes follow.
    pub fn follow(&self) -> Follow {
        self.follow
    }

    /// The journey picked or frozen, if any (`None` follows the latest).
    pub fn selected(&self) -> Option<u64> {
        match self.follow {
            Follow::Latest => None,
            Follow::Pinned(id) | Follow::Frozen(id) => Some(id),
        }
    }

    /// The journey the panes show.
    pub fn current(&self) -> Option<&Journey> {
        match self.selected() {
            Some(id) => self.journeys.get(id),
            None => self.journeys.latest(),
        }
    }

    /// Follows the newest journey again.
    pub fn follow_latest(&mut self) {
        self.follow = Follow::Latest;
    }

    /// Shows `id`, or the newest when `None`; a freeze stays a freeze.
    pub fn pin(&mut self, id: Option<u64>) {
        self.follow = match (id, self.follow) {
            (None, _) => Follow::Latest,
            (Some(id), Follow::Frozen(_)) => Follow::Frozen(id),
            (Some(id), _) => Follow::Pinned(id),
        };
    }

    /// Moves the selection `delta` journeys (negative: older).
    pub fn step(&mut self, delta: isize) {
        let next = self.journeys.step(self.selected(), delta);
        self.pin(next);
    }

    /// Freezes on what is shown, or lets live updates in again (the selection stays put).
    /// With nothing to show there is nothing to freeze.
    pub fn toggle_freeze(&mut self) {
        self.follow = match self.follow {
            Follow::Frozen(id) => Follow::Pinned(id),
            Follow::Pinned(id) => Follow::Frozen(id),
            Follow::Latest => match self.journeys.latest() {
                Some(latest) => Follow::Frozen(latest.id),
                None => Follow::Latest,
            },
        };
    }

    /// Enforces the memory budget.
    pub fn evict(&mut self) {
        self.journeys.evict();
    }

    /// Forgets everything (a restart).
    pub fn clear(&mut self) {
        *self = Timeline::default();
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::net::Direction;

    fn three() -> (Timeline, Vec<u64>) {
        let mut timeline = Timeline::default();
        let ids = (1..=3)
            .map(|seq| {
                timeline
                    .journeys_mut()
                    .entry((0, Direction::ToServer, seq))
                    .id
            })
            .collect();
        (timeline, ids)
    }

    #[test]
    fn freezing_keeps_the_journey_shown_while_new_ones_arrive() {
        let (mut timeline, ids) = three();
        timeline.toggle_freeze();
        assert_eq!(timeline.follow(), Follow::Frozen(ids[2]));
        timeline.journeys_mut().entry((0, Direction::ToServer, 4));
        assert_eq!(timeline.current().map(|j| j.id), Some(ids[2]));
        timeline.step(-1);
        assert_eq!(
            timeline.follow(),
            Follow::Frozen(ids[1]),
            "stepping stays frozen"
        );
        timeline.toggle_freeze();
        assert_eq!(timeline.follow(), Follow::Pinned(ids[1]));
    }

    #[test]
    fn nothing_to_freeze_before_any_message() {
        let mut timeline = Timeline::default();
        timeline.toggle_freeze();
        assert_eq!(timeline.follow(), Follow::Latest);
    }
}
