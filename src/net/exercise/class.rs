//! A class at work on one exercise: each student's material (made from a per-run random seed
//! and their name, so reconnecting gives the same), their progress across reconnects, and the
//! results file (`--results FILE`), one CSV row per attempt and per solve, flushed as written.

use std::collections::HashMap;
use std::io::{Read, Write};
use std::net::SocketAddr;
use std::path::Path;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use hmac::{Hmac, Mac};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::{Check, Exercise, ExerciseError};
use crate::crypto::{Cipher, Key, Nonce, NoncePolicy, unix_now};
use crate::wire::Task;

/// The length of each student's secret, in characters.
pub const SECRET_LEN: usize = 16;
/// The most students one run keeps progress for; later names are refused.
pub const MAX_STUDENTS: usize = 4096;
/// The most answers one student may give; later ones are `incorrect` without being checked.
pub const MAX_ANSWERS: u32 = 1000;

/// Where a student stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Not solved yet, after this many tries.
    Working {
        /// Answers given and messages sent, every one a try.
        tries: u32,
    },
    /// Solved, after this many tries, this long after first connecting.
    Solved {
        /// Tries, the solving one included.
        tries: u32,
        /// Time from the student's first connection to the solve.
        taken: Duration,
    },
}

impl Progress {
    /// Tries so far.
    pub fn tries(self) -> u32 {
        match self {
            Progress::Working { tries } | Progress::Solved { tries, .. } => tries,
        }
    }
}

struct Student {
    material: String,
    first_seen: Instant,
    /// Every ANSWER and every DATA: what the Clients pane and the results file count.
    tries: u32,
    /// ANSWERs alone, bounded by [`MAX_ANSWERS`]: an attack's thousands of messages are
    /// tries, but must not use up the answers the student still has to give.
    answers: u32,
    solved: Option<Duration>,
}

impl Student {
    fn progress(&self) -> Progress {
        match self.solved {
            Some(taken) => Progress::Solved {
                tries: self.tries,
                taken,
            },
            None => Progress::Working { tries: self.tries },
        }
    }
}

/// The first line of every results file.
const HEADER: &str = "time,student,address,exercise,event,tries,seconds";

/// The results file: `time,student,address,exercise,event,tries,seconds`.
pub struct Results {
    file: std::fs::File,
}

impl Results {
    /// Opens the file to add rows, writing the header when it is new or empty. An existing
    /// results file is kept and added to: a server restarted mid-lab (to change exercise, say)
    /// must not wipe the rows of the run before it. Any other file is refused, not appended to.
    ///
    /// # Errors
    /// [`ExerciseError::Results`] when the file cannot be read or written,
    /// [`ExerciseError::NotResults`] when it holds something else.
    pub fn create(path: &Path) -> Result<Results, ExerciseError> {
        let failed = |source| ExerciseError::Results {
            path: path.display().to_string(),
            source,
        };
        let mut file = std::fs::OpenOptions::new()
            .read(true)
            .append(true)
            .create(true)
            .open(path)
            .map_err(failed)?;
        let mut first = Vec::with_capacity(HEADER.len() + 1);
        (&mut file)
            .take(HEADER.len() as u64 + 1)
            .read_to_end(&mut first)
            .map_err(failed)?;
        if first.is_empty() {
            writeln!(file, "{HEADER}").map_err(failed)?;
        } else if first.strip_suffix(b"\n") != Some(HEADER.as_bytes()) {
            return Err(ExerciseError::NotResults {
                path: path.display().to_string(),
                header: HEADER,
            });
        }
        Ok(Results { file })
    }

    fn row(&mut self, student: &str, addr: SocketAddr, exercise: &str, event: &str, p: Progress) {
        let seconds = match p {
            Progress::Solved { taken, .. } => format!("{:.1}", taken.as_secs_f64()),
            Progress::Working { .. } => String::new(),
        };
        let line = format!(
            "{},{},{addr},{exercise},{event},{},{seconds}\n",
            unix_now(),
            csv_field(student),
            p.tries()
        );
        // A results file that fails mid-run is logged; the class goes on.
        if let Err(e) = self
            .file
            .write_all(line.as_bytes())
            .and_then(|()| self.file.flush())
        {
            tracing::warn!(error = %e, "cannot write a results row");
        }
    }
}

/// A name as one CSV field: quoted when it holds a comma or quote, and kept from being read
/// as a spreadsheet formula.
fn csv_field(text: &str) -> String {
    let text = if text.starts_with(['=', '+', '-', '@']) {
        format!("'{text}")
    } else {
        text.to_owned()
    };
    if text.contains([',', '"', '\n']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text
    }
}

/// The class: one exercise, every student's material and progress for this run.
pub struct Class {
    exercise: Exercise,
    seed: Zeroizing<[u8; 32]>,
    cipher: Cipher,
    students: Mutex<HashMap<String, Student>>,
    results: Option<Mutex<Results>>,
    /// Each first solve, for the student's other connections (a screen client beside the
    /// script that solved): a bounded ring, so a slow connection misses old news, not memory.
    solves: tokio::sync::broadcast::Sender<Solve>,
}

/// A student's first solve, as their other connections hear of it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Solve {
    /// The name the student asked for (their progress's name).
    pub name: String,
    /// The connection that solved it.
    pub by: SocketAddr,
    /// The RESULT's reason, with the time it took.
    pub reason: String,
}

/// Solves kept for connections that have not yet read them.
const SOLVES_QUEUED: usize = 64;

impl std::fmt::Debug for Class {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Class")
            .field("exercise", &self.exercise.name)
            .finish_non_exhaustive()
    }
}

/// What one try came to.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outcome {
    /// Whether it solved the exercise (now or before).
    pub correct: bool,
    /// The RESULT's reason.
    pub reason: String,
    /// The student's progress after it.
    pub progress: Progress,
}

impl Class {
    /// A class on `exercise`, sealing material under `key`, writing `results` if given.
    ///
    /// # Errors
    /// [`ExerciseError::Invalid`] when the system has no randomness for the seed.
    pub fn new(
        exercise: Exercise,
        key: &Key,
        nonce: NoncePolicy,
        results: Option<Results>,
    ) -> Result<Class, ExerciseError> {
        let mut seed = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(seed.as_mut()).map_err(|e| ExerciseError::Invalid {
            name: exercise.name.clone(),
            detail: format!("no randomness for the material: {e}"),
        })?;
        Ok(Class {
            exercise,
            seed,
            cipher: Cipher::with_nonces(key, nonce),
            students: Mutex::new(HashMap::new()),
            results: results.map(Mutex::new),
            solves: tokio::sync::broadcast::channel(SOLVES_QUEUED).0,
        })
    }

    /// Every first solve from now on, for a connection to pass on to its student.
    pub fn solves(&self) -> tokio::sync::broadcast::Receiver<Solve> {
        self.solves.subscribe()
    }

    /// The exercise.
    pub fn exercise(&self) -> &Exercise {
        &self.exercise
    }

    fn students(&self) -> MutexGuard<'_, HashMap<String, Student>> {
        // A panic elsewhere while holding the lock leaves plain data behind: keep using it.
        self.students
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    /// The student's secret: HMAC-SHA256(seed, name) as letters and digits. The same name
    /// gets the same secret for the whole run; the `--echo-append` server appends this for
    /// `byte-at-a-time`.
    pub fn secret_for(&self, name: &str) -> Zeroizing<String> {
        const ALPHABET: &[u8; 32] = b"abcdefghijkmnpqrstuvwxyz23456789";
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(self.seed.as_ref())
            .unwrap_or_else(|_| unreachable!("HMAC takes a key of any length"));
        mac.update(b"cipherlab exercise secret\0");
        mac.update(name.as_bytes());
        let digest = mac.finalize().into_bytes();
        Zeroizing::new(
            digest
                .iter()
                .take(SECRET_LEN)
                .map(|b| char::from(ALPHABET[usize::from(b & 31)]))
                .collect(),
        )
    }

    /// The TASK for `name`, making their material the first time the name is seen.
    ///
    /// # Errors
    /// Why the student cannot be given a task (the class is full, or the seal failed).
    pub fn task_for(&self, name: &str) -> Result<Task, String> {
        let mut students = self.students();
        if !students.contains_key(name) {
            if students.len() >= MAX_STUDENTS {
                return Err(format!(
                    "the class is full: {MAX_STUDENTS} students already have material"
                ));
            }
            let secret = self.secret_for(name);
            let material = match &self.exercise.sealed {
                Some(template) => {
                    let plaintext = template
                        .replace("{name}", name)
                        .replace("{secret}", &secret);
                    let sealed = Nonce::fresh_at(unix_now())
                        .and_then(|nonce| self.cipher.seal_with(plaintext.as_bytes(), &nonce))
                        .map_err(|e| format!("cannot seal the material: {e}"))?;
                    hex::encode(sealed)
                }
                None => String::new(),
            };
            let student = Student {
                material,
                first_seen: Instant::now(),
                tries: 0,
                answers: 0,
                solved: None,
            };
            students.insert(name.to_owned(), student);
        }
        let material = students
            .get(name)
            .map(|s| s.material.clone())
            .unwrap_or_default();
        Ok(Task {
            exercise: self.exercise.name.clone(),
            text: self.exercise.task.trim().to_owned(),
            material,
        })
    }

    /// Where `name` stands, if they have been given the task.
    pub fn progress_of(&self, name: &str) -> Option<Progress> {
        self.students().get(name).map(Student::progress)
    }

    /// Everyone's progress, by name.
    pub fn progress(&self) -> Vec<(String, Progress)> {
        let mut all: Vec<_> = self
            .students()
            .iter()
            .map(|(name, s)| (name.clone(), s.progress()))
            .collect();
        all.sort_by(|a, b| a.0.cmp(&b.0));
        all
    }

    /// A message from `name` (`accepted` holds its plaintext when the server accepted it).
    /// Every message is a try, rejected or not, whatever the exercise checks: an exercise
    /// solved by an answer counts the messages that found it (an attack's queries) too.
    /// `None` when `name` was never given the task.
    pub fn on_message(
        &self,
        name: &str,
        addr: SocketAddr,
        accepted: Option<&[u8]>,
    ) -> Option<Outcome> {
        let solves = accepted.is_some_and(|plaintext| match &self.exercise.check {
            Check::AcceptedHolds(text) => contains(plaintext, text.as_bytes()),
            Check::AcceptedEndsWith(text) => plaintext.ends_with(text.as_bytes()),
            Check::AnswerIsSecret | Check::Never => false,
        });
        let reason = if solves {
            "the server accepted your message: solved"
        } else {
            "not solved yet"
        };
        self.attempt(name, addr, solves, reason, false)
    }

    /// An ANSWER from `name`.
    pub fn on_answer(&self, name: &str, addr: SocketAddr, answer: &str) -> Outcome {
        let over = self
            .students()
            .get(name)
            .is_some_and(|s| s.answers >= MAX_ANSWERS);
        if over {
            let progress = self
                .progress_of(name)
                .unwrap_or(Progress::Working { tries: MAX_ANSWERS });
            return Outcome {
                correct: matches!(progress, Progress::Solved { .. }),
                reason: format!("no more answers are checked after {MAX_ANSWERS}"),
                progress,
            };
        }
        let (correct, reason) = match self.exercise.check {
            Check::AnswerIsSecret => {
                let secret = self.secret_for(name);
                if answer.trim().as_bytes() == secret.as_bytes() {
                    (true, "that is your secret: solved")
                } else {
                    (false, "that is not your secret")
                }
            }
            Check::AcceptedHolds(_) | Check::AcceptedEndsWith(_) | Check::Never => (
                false,
                "this exercise is solved by a message the server accepts, not an answer",
            ),
        };
        self.attempt(name, addr, correct, reason, true)
            .unwrap_or(Outcome {
                correct,
                reason: reason.to_owned(),
                progress: Progress::Working { tries: 0 },
            })
    }

    /// Counts one try (an ANSWER when `answer`), records it, and the solve if it is the
    /// first.
    fn attempt(
        &self,
        name: &str,
        addr: SocketAddr,
        solves: bool,
        reason: &str,
        answer: bool,
    ) -> Option<Outcome> {
        let mut students = self.students();
        let student = students.get_mut(name)?;
        student.tries = student.tries.saturating_add(1);
        if answer {
            student.answers = student.answers.saturating_add(1);
        }
        let first_solve = solves && student.solved.is_none();
        if first_solve {
            student.solved = Some(student.first_seen.elapsed());
        }
        let progress = student.progress();
        drop(students);
        // A solve says how long it took, as the instructor's screen does.
        let reason = match progress {
            Progress::Solved { taken, .. } if solves => {
                format!("{reason} in {}", taken_words(taken))
            }
            _ => reason.to_owned(),
        };
        if let Some(results) = &self.results {
            let mut results = results
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let exercise = &self.exercise.name;
            results.row(
                name,
                addr,
                exercise,
                "attempt",
                Progress::Working {
                    tries: progress.tries(),
                },
            );
            if first_solve {
                results.row(name, addr, exercise, "solve", progress);
            }
        }
        if first_solve {
            // No connection listening is no error: the solver hears its own RESULT.
            let _ = self.solves.send(Solve {
                name: name.to_owned(),
                by: addr,
                reason: reason.clone(),
            });
        }
        Some(Outcome {
            correct: solves,
            reason,
            progress,
        })
    }
}

/// Time taken in words: `42 s`, `2 min 05 s`, `1 h 02 min`.
pub fn taken_words(taken: Duration) -> String {
    let s = taken.as_secs();
    match s {
        0..60 => format!("{s} s"),
        60..3600 => format!("{} min {:02} s", s / 60, s % 60),
        _ => format!("{} h {:02} min", s / 3600, s / 60 % 60),
    }
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.is_empty() || haystack.windows(needle.len()).any(|w| w == needle)
}

/// One student's seat in the class, held by their connection.
#[derive(Clone, Debug)]
pub struct Desk {
    /// The class.
    pub class: Arc<Class>,
    /// The name the student is listed under.
    pub name: String,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::Scheme;

    fn class(name: &str) -> Class {
        let exercise = Exercise::find(name).unwrap();
        let key = Key::generate(exercise.scheme).unwrap();
        Class::new(exercise, &key, NoncePolicy::Random, None).unwrap()
    }

    #[test]
    fn material_is_per_student_and_kept_for_the_run() {
        let class = class("padding-oracle");
        let alice = class.task_for("alice").unwrap();
        let bob = class.task_for("bob").unwrap();
        assert_ne!(alice.material, bob.material);
        assert_eq!(class.task_for("alice").unwrap(), alice);
        assert_ne!(*class.secret_for("alice"), *class.secret_for("bob"));
        assert_eq!(class.secret_for("alice").len(), SECRET_LEN);
    }

    #[test]
    fn one_students_secret_is_incorrect_for_another() {
        let class = class("padding-oracle");
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        class.task_for("alice").unwrap();
        class.task_for("bob").unwrap();
        let alices = class.secret_for("alice");
        assert!(!class.on_answer("bob", addr, &alices).correct);
        let outcome = class.on_answer("alice", addr, &alices);
        assert!(outcome.correct);
        assert!(matches!(
            outcome.progress,
            Progress::Solved { tries: 1, .. }
        ));
        let _ = Scheme::Cbc;
    }

    #[test]
    fn messages_and_answers_are_all_tries_but_only_answers_use_up_the_answers() {
        let class = class("padding-oracle");
        let addr: SocketAddr = "127.0.0.1:1".parse().unwrap();
        class.task_for("grace").unwrap();
        // An attack's queries: tries, none of them a solve.
        for _ in 0..MAX_ANSWERS + 5 {
            let outcome = class.on_message("grace", addr, Some(b"whatever")).unwrap();
            assert!(!outcome.correct);
        }
        assert_eq!(
            class.progress_of("grace"),
            Some(Progress::Working {
                tries: MAX_ANSWERS + 5
            })
        );
        let outcome = class.on_answer("grace", addr, &class.secret_for("grace"));
        assert!(outcome.correct, "{}", outcome.reason);
        assert_eq!(outcome.progress.tries(), MAX_ANSWERS + 6);
        assert!(class.on_message("nobody", addr, None).is_none());
    }

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(csv_field("alice"), "alice");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("=cmd()"), "'=cmd()");
    }
}
