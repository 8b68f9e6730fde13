//! A lesson on the screen: where it stands. How a step becomes requests to the demo (restart,
//! arm the attacker, send) and a change of tab is in `app::lesson`.

use super::state::Request;
use crate::lesson::Lesson;
use crate::net::DemoOptions;

/// Where a lesson stands.
pub struct LessonState {
    /// The lesson.
    pub lesson: Lesson,
    /// The step whose narration is shown.
    pub shown: usize,
    /// How many steps have been carried out.
    pub played: usize,
    /// The demo's options as the steps have set them.
    pub options: DemoOptions,
    /// A step's message, held back until the man in the middle confirms its action is armed
    /// (otherwise the message could overtake the command and pass untouched).
    pub pending_send: Option<Request>,
    /// The message each step sent, as a History entry, so that going back shows it again.
    pub step_messages: Vec<Option<u64>>,
    /// The step whose message is on its way (it gets its entry when the client reports it sent).
    pub sending: Option<usize>,
}

impl LessonState {
    /// `lesson` before its first step, on a demo started with `options`.
    pub fn new(lesson: Lesson, options: DemoOptions) -> LessonState {
        let steps = lesson.steps.len();
        LessonState {
            lesson,
            shown: 0,
            played: 0,
            options,
            pending_send: None,
            step_messages: vec![None; steps],
            sending: None,
        }
    }
}
