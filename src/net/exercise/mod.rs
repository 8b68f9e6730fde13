//! Exercises: a challenge a server hosts (`server --exercise NAME|FILE`), each a TOML file
//! (`assets/exercises/*.toml`, format in `docs/EXERCISES.md`) parsed and checked once, at load,
//! with errors that name the line. [`class`] keeps each student's material and progress.

pub mod class;

use serde::Deserialize;
use toml::Spanned;

use crate::crypto::{KeyExchange, Scheme};
use crate::wire::frame::{MAX_ANSWER_FRAME, MAX_EXERCISE_NAME, MAX_TASK_TEXT};

pub use class::{Class, Desk, Progress, Results, SECRET_LEN, Solve};

/// The shipped exercises, compiled in.
const SHIPPED: [(&str, &str); 5] = [
    (
        "rewrite-role",
        include_str!("../../../assets/exercises/rewrite-role.toml"),
    ),
    (
        "padding-oracle",
        include_str!("../../../assets/exercises/padding-oracle.toml"),
    ),
    (
        "byte-at-a-time",
        include_str!("../../../assets/exercises/byte-at-a-time.toml"),
    ),
    (
        "length-extension",
        include_str!("../../../assets/exercises/length-extension.toml"),
    ),
    (
        "forge-hmac",
        include_str!("../../../assets/exercises/forge-hmac.toml"),
    ),
];

/// The longest plaintext an exercise may seal as material, in bytes (before `{name}` and
/// `{secret}` are filled in).
pub const MAX_SEALED: usize = 1024;

/// Whether an ANSWER of `text` is within the size a server takes ([`MAX_ANSWER_FRAME`]):
/// a longer one is refused by its length and its connection closed, so it is never sent.
pub fn answer_fits(text: &str) -> bool {
    let frame = crate::wire::Frame::Answer {
        text: text.to_owned(),
    };
    // The length prefix is not the body.
    frame.to_bytes().len() - 4 <= MAX_ANSWER_FRAME
}

/// How the server decides that a student has solved the exercise.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Check {
    /// The server accepted a message from the student whose plaintext holds this text.
    AcceptedHolds(String),
    /// The server accepted a message from the student whose plaintext ends with this text.
    AcceptedEndsWith(String),
    /// The student's ANSWER equals their secret.
    AnswerIsSecret,
    /// Never: the control exercise nobody solves.
    Never,
}

impl Check {
    /// Whether the check looks at the student's messages, rather than at their answers.
    pub fn on_messages(&self) -> bool {
        matches!(
            self,
            Check::AcceptedHolds(_) | Check::AcceptedEndsWith(_) | Check::Never
        )
    }
}

/// One exercise, checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Exercise {
    /// The name used on the command line and in TASK frames.
    pub name: String,
    /// A one-line title.
    pub title: String,
    /// What the student is to do.
    pub task: String,
    /// The scheme the server speaks.
    pub scheme: Scheme,
    /// How the server's key is established.
    pub key_exchange: KeyExchange,
    /// The plaintext sealed for each student as their material, with `{name}` and `{secret}`
    /// filled in; `None` when the exercise gives no material.
    pub sealed: Option<String>,
    /// How success is checked.
    pub check: Check,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ExerciseToml {
    name: Spanned<String>,
    title: String,
    task: Spanned<String>,
    scheme: Scheme,
    key_exchange: KeyExchange,
    #[serde(default)]
    sealed: Option<Spanned<String>>,
    check: Spanned<Check>,
}

/// Why an exercise cannot be loaded.
#[derive(Debug, thiserror::Error)]
pub enum ExerciseError {
    /// No shipped exercise has this name, and it is not a `.toml` path.
    #[error(
        "no exercise named {0:?}: `cipherlab exercise --list` shows them (or give a path to a .toml file)"
    )]
    Unknown(String),
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The file is not a valid exercise.
    #[error("exercise {name}: {detail}")]
    Invalid {
        /// The exercise's file or name.
        name: String,
        /// What is wrong, with its line.
        detail: String,
    },
    /// The results file could not be created.
    #[error("cannot write the results to {path}: {source}")]
    Results {
        /// The path.
        path: String,
        /// The cause.
        source: std::io::Error,
    },
    /// The results file holds something other than earlier results.
    #[error(
        "{path} is not a cipherlab results file (its first line is not `{header}`): choose another file, or remove it"
    )]
    NotResults {
        /// The path.
        path: String,
        /// The header a results file starts with.
        header: &'static str,
    },
}

/// The line (from 1) that byte offset `at` of `text` falls on.
fn line_of(text: &str, at: usize) -> usize {
    text.get(..at)
        .map_or(1, |before| before.matches('\n').count() + 1)
}

impl Exercise {
    /// Parses and checks an exercise file.
    ///
    /// # Errors
    /// [`ExerciseError::Invalid`] naming the line and what is wrong there.
    pub fn parse(name: &str, text: &str) -> Result<Exercise, ExerciseError> {
        let invalid = |detail: String| ExerciseError::Invalid {
            name: name.to_owned(),
            detail,
        };
        let at = |span: std::ops::Range<usize>, detail: &str| {
            invalid(format!("line {}: {detail}", line_of(text, span.start)))
        };
        let raw: ExerciseToml = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        let good_name = |n: &str| {
            !n.is_empty()
                && n.chars().count() <= MAX_EXERCISE_NAME
                && n.chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        };
        if !good_name(raw.name.get_ref()) {
            return Err(at(
                raw.name.span(),
                "name must be 1 to 64 lowercase letters, digits and dashes",
            ));
        }
        if raw.task.get_ref().trim().is_empty() || raw.task.get_ref().len() > MAX_TASK_TEXT {
            return Err(at(
                raw.task.span(),
                "task must say what to do, in at most 4096 bytes",
            ));
        }
        if let Some(sealed) = &raw.sealed
            && (sealed.get_ref().is_empty() || sealed.get_ref().len() > MAX_SEALED)
        {
            return Err(at(
                sealed.span(),
                "sealed must be a plaintext of 1 to 1024 bytes",
            ));
        }
        if raw.key_exchange == KeyExchange::Send {
            return Err(invalid(
                "key_exchange \"send\" gives every student the key: use psk or x25519".into(),
            ));
        }
        let check = raw.check.get_ref().clone();
        let sealed = raw.sealed.map(Spanned::into_inner);
        let holds_secret = sealed.as_deref().is_some_and(|s| s.contains("{secret}"));
        // With no secret in the material, only an ECB echo that appends it can give it away.
        if check == Check::AnswerIsSecret && !holds_secret && raw.scheme != Scheme::Ecb {
            return Err(at(
                raw.check.span(),
                "answer-is-secret needs a sealed plaintext holding {secret} (or scheme ecb, whose echo appends it)",
            ));
        }
        if check.on_messages() && check != Check::Never && sealed.is_none() {
            return Err(at(
                raw.check.span(),
                "a check on messages needs material to start from (sealed)",
            ));
        }
        Ok(Exercise {
            name: raw.name.into_inner(),
            title: raw.title,
            task: raw.task.into_inner(),
            scheme: raw.scheme,
            key_exchange: raw.key_exchange,
            sealed,
            check,
        })
    }

    /// Every shipped exercise.
    pub fn shipped() -> Vec<Exercise> {
        SHIPPED
            .iter()
            .filter_map(|(name, text)| Exercise::parse(name, text).ok())
            .collect()
    }

    /// A shipped exercise by name, or an exercise file by path.
    ///
    /// # Errors
    /// [`ExerciseError`].
    pub fn find(name: &str) -> Result<Exercise, ExerciseError> {
        if let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name) {
            return Exercise::parse(name, text);
        }
        if name.ends_with(".toml") {
            let text = std::fs::read_to_string(name).map_err(|source| ExerciseError::Read {
                path: name.to_owned(),
                source,
            })?;
            return Exercise::parse(name, &text);
        }
        Err(ExerciseError::Unknown(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_exercise_parses() {
        for (name, text) in SHIPPED {
            let exercise = Exercise::parse(name, text).unwrap();
            assert_eq!(exercise.name, name);
        }
    }

    #[test]
    fn an_answer_fits_up_to_the_frame_limit() {
        assert!(answer_fits(&"k".repeat(1000)));
        assert!(!answer_fits(&"k".repeat(1013)));
        // Quotes take two bytes in the JSON.
        assert!(!answer_fits(&"\"".repeat(600)));
    }

    #[test]
    fn errors_name_the_line() {
        let text = "name = \"x\"\ntitle = \"t\"\ntask = \"do it\"\nscheme = \"cbc\"\nkey_exchange = \"psk\"\ncheck = \"answer-is-secret\"\n";
        let err = Exercise::parse("x.toml", text).unwrap_err().to_string();
        assert!(err.contains("line 6") && err.contains("{secret}"), "{err}");
        let err = Exercise::parse("x.toml", "name = \"x\"\ncolour = 3\n")
            .unwrap_err()
            .to_string();
        assert!(err.contains("line 2"), "{err}");
    }
}
