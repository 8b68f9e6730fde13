//! The student's side of an exercise on the client's screen: the TASK and its material, the
//! answer being typed, the RESULTs that came back, the instructor's NOTICEs, and whether the
//! editor sends typed text sealed or as wire bytes written in hex.

use std::collections::VecDeque;

use bytes::Bytes;
use tui_input::Input;

use crate::wire::Task;

/// NOTICEs kept for the Exercise pane; older ones are forgotten first.
pub const MAX_NOTICES: usize = 8;

/// What the server said of an answer (or of a message, when it solved the exercise).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reply {
    /// `correct` or not.
    pub correct: bool,
    /// The server's reason (`that is your secret: solved in 42 s`).
    pub reason: String,
}

/// The student's exercise, as the screen shows it.
#[derive(Debug, Default)]
pub struct ExerciseView {
    task: Option<Task>,
    /// The latest RESULT.
    last: Option<Reply>,
    /// The RESULT that solved it: kept when a later try is `incorrect`.
    solved: Option<Reply>,
    /// ANSWERs sent whose RESULT has not come yet.
    awaiting: u32,
    notices: VecDeque<String>,
    /// The answer prompt, open or not (`a` opens it).
    answer: Input,
    answering: bool,
    /// The editor's text is wire bytes in hex, sent as they are (`w`).
    wire_hex: bool,
}

/// Text from the server, made safe to draw: a control character could move the cursor or
/// recolour the terminal, so each becomes a space.
fn printable(text: &str) -> String {
    text.chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

impl ExerciseView {
    /// Whether the Exercise pane is shown: once a task or a notice has come.
    pub fn shown(&self) -> bool {
        self.task.is_some() || !self.notices.is_empty()
    }

    /// The task, if the server set one.
    pub fn task(&self) -> Option<&Task> {
        self.task.as_ref()
    }

    /// The server set the task (again, after a reconnect: the same task and material, and
    /// what the student achieved stays).
    pub fn on_task(&mut self, task: &Task) {
        let task = Task {
            exercise: printable(&task.exercise),
            text: printable(&task.text),
            material: printable(&task.material),
        };
        if self.task.as_ref().map(|t| &t.exercise) != Some(&task.exercise) {
            self.last = None;
            self.solved = None;
        }
        self.task = Some(task);
        // A RESULT lost with the old connection will never come.
        self.awaiting = 0;
    }

    /// A RESULT came.
    pub fn on_result(&mut self, correct: bool, reason: &str) {
        let reply = Reply {
            correct,
            reason: printable(reason),
        };
        if correct && self.solved.is_none() {
            self.solved = Some(reply.clone());
        }
        self.last = Some(reply);
        self.awaiting = self.awaiting.saturating_sub(1);
    }

    /// A NOTICE came from the instructor.
    pub fn on_notice(&mut self, text: &str) {
        if self.notices.len() >= MAX_NOTICES {
            self.notices.pop_front();
        }
        self.notices.push_back(printable(text));
    }

    /// The notices, oldest first.
    pub fn notices(&self) -> &VecDeque<String> {
        &self.notices
    }

    /// The latest RESULT.
    pub fn last(&self) -> Option<&Reply> {
        self.last.as_ref()
    }

    /// The RESULT that solved the exercise, if one did.
    pub fn solved(&self) -> Option<&Reply> {
        self.solved.as_ref()
    }

    /// Answers sent and not answered yet.
    pub fn awaiting(&self) -> u32 {
        self.awaiting
    }

    /// Whether the answer prompt has the keys.
    pub fn answering(&self) -> bool {
        self.answering
    }

    /// The answer being typed.
    pub fn answer(&self) -> &Input {
        &self.answer
    }

    /// The answer prompt, to type into.
    pub fn answer_mut(&mut self) -> &mut Input {
        &mut self.answer
    }

    /// Opens the answer prompt (what was typed before is still there).
    pub fn start_answer(&mut self) {
        self.answering = true;
    }

    /// Closes the answer prompt, keeping what was typed for the next `a`.
    pub fn pause_answer(&mut self) {
        self.answering = false;
    }

    /// Esc: closes the prompt and forgets the answer.
    pub fn cancel_answer(&mut self) {
        self.answering = false;
        self.answer.reset();
    }

    /// Enter: the answer to send, trimmed; the prompt closes. `None` when nothing was typed.
    pub fn take_answer(&mut self) -> Option<String> {
        let text = self.answer.value().trim().to_owned();
        if text.is_empty() {
            return None;
        }
        self.answer.reset();
        self.answering = false;
        self.awaiting = self.awaiting.saturating_add(1);
        Some(text)
    }

    /// Whether the editor sends wire bytes written in hex.
    pub fn wire_hex(&self) -> bool {
        self.wire_hex
    }

    /// `w`: the editor's text is sealed, or sent as wire bytes written in hex.
    pub fn toggle_wire_hex(&mut self) {
        self.wire_hex = !self.wire_hex;
    }
}

/// Wire bytes typed (or pasted) as hex. Spaces and line breaks are ignored, so material copied
/// off the screen in several lines goes back as it came.
///
/// # Errors
/// What is wrong, saying where: a character that is not a hex digit, or an odd count.
pub fn parse_wire_hex(text: &str) -> Result<Bytes, String> {
    let mut digits = String::with_capacity(text.len());
    for (at, c) in text.chars().enumerate() {
        if c.is_whitespace() {
            continue;
        }
        if !c.is_ascii_hexdigit() {
            return Err(format!(
                "not hex: {c:?} at character {}; wire bytes are hex digits 0-9 a-f",
                at + 1
            ));
        }
        digits.push(c);
    }
    if digits.is_empty() {
        return Err("no hex digits to send".to_owned());
    }
    if digits.len() % 2 == 1 {
        return Err(format!(
            "{} hex digits: a byte is two, so one is missing or extra",
            digits.len()
        ));
    }
    hex::decode(&digits)
        .map(Bytes::from)
        .map_err(|e| format!("not hex: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn task(exercise: &str) -> Task {
        Task {
            exercise: exercise.to_owned(),
            text: "do it\u{1b}[2J now".to_owned(),
            material: "00ff".to_owned(),
        }
    }

    #[test]
    fn wire_hex_ignores_line_breaks_and_says_what_is_wrong() {
        assert_eq!(&parse_wire_hex("00 ff\n10").unwrap()[..], &[0, 255, 16]);
        let err = parse_wire_hex("00fg").unwrap_err();
        assert!(err.contains("'g' at character 4"), "{err}");
        let err = parse_wire_hex("abc").unwrap_err();
        assert!(err.contains("3 hex digits"), "{err}");
        assert!(parse_wire_hex("  ").is_err());
    }

    #[test]
    fn a_solve_is_kept_after_a_later_wrong_answer_and_a_reconnect() {
        let mut view = ExerciseView::default();
        assert!(!view.shown());
        view.on_task(&task("padding-oracle"));
        assert_eq!(
            view.task().unwrap().text,
            "do it [2J now",
            "no escape reaches the terminal"
        );
        view.start_answer();
        view.answer_mut()
            .handle(tui_input::InputRequest::InsertChar('x'));
        assert_eq!(view.take_answer().as_deref(), Some("x"));
        assert!(!view.answering());
        assert_eq!(view.awaiting(), 1);
        view.on_result(true, "solved");
        view.on_result(false, "that is not your secret");
        assert_eq!(view.solved().unwrap().reason, "solved");
        assert!(!view.last().unwrap().correct);
        view.on_task(&task("padding-oracle"));
        assert!(
            view.solved().is_some(),
            "the same exercise after a reconnect"
        );
        view.on_task(&task("rewrite-role"));
        assert!(view.solved().is_none(), "another exercise starts afresh");
    }

    #[test]
    fn notices_are_bounded() {
        let mut view = ExerciseView::default();
        for i in 0..20 {
            view.on_notice(&format!("notice {i}"));
        }
        assert!(view.shown());
        assert_eq!(view.notices().len(), MAX_NOTICES);
        assert_eq!(view.notices().back().map(String::as_str), Some("notice 19"));
    }
}
