//! Lessons: step-by-step walkthroughs an instructor can run in front of a class without
//! preparing anything. A lesson is a TOML file (`assets/lessons/*.toml`, documented in
//! `docs/LESSONS.md`); each step can set the scheme and key exchange, arm a tamper action,
//! send a message, wait, show a tab, and say what the receiver and the eavesdropper should
//! conclude. The same steps drive the screen and the headless runner that tests them.

mod fields;
pub mod picture;
pub mod runner;

use serde::Deserialize;

use fields::{parse_attack, parse_expect, parse_known, parse_nonce, parse_tamper, parse_verdicts};

use crate::crypto::KeyExchange;
use crate::crypto::{NoncePolicy, Scheme, Tamper, Verdict};
use crate::net::{AttackKind, DemoOptions, VerdictDetail};

/// The lessons that ship with cipherlab, compiled in so that they work from anywhere.
const SHIPPED: [(&str, &str); 10] = [
    (
        "ecb-patterns",
        include_str!("../../assets/lessons/ecb-patterns.toml"),
    ),
    (
        "key-on-the-wire",
        include_str!("../../assets/lessons/key-on-the-wire.toml"),
    ),
    (
        "cbc-bit-flipping",
        include_str!("../../assets/lessons/cbc-bit-flipping.toml"),
    ),
    (
        "fernet-authenticated",
        include_str!("../../assets/lessons/fernet-authenticated.toml"),
    ),
    (
        "hmac-integrity-not-secrecy",
        include_str!("../../assets/lessons/hmac-integrity-not-secrecy.toml"),
    ),
    (
        "unshared-key",
        include_str!("../../assets/lessons/unshared-key.toml"),
    ),
    (
        "length-extension",
        include_str!("../../assets/lessons/length-extension.toml"),
    ),
    ("aead", include_str!("../../assets/lessons/aead.toml")),
    (
        "padding-oracle",
        include_str!("../../assets/lessons/padding-oracle.toml"),
    ),
    (
        "ecb-byte-at-a-time",
        include_str!("../../assets/lessons/ecb-byte-at-a-time.toml"),
    ),
];

/// Stands for 16 bytes of noise in an expected plaintext (a lesson's `expect_plaintext`, the
/// README's worked examples): a block the attack garbled, whose bytes nobody can predict.
pub const GARBLED: &str = "[garbled block]";

/// Whether `got` reads as `expected`, each [`GARBLED`] in it standing for any 16 bytes and
/// each `…` for any run of bytes (a forged tail a narration cannot spell).
pub fn reads_as(got: &[u8], expected: &str) -> bool {
    /// One piece of an expectation.
    enum Piece<'a> {
        Text(&'a str),
        Garbled,
        Any,
    }
    fn fits(got: &[u8], pieces: &[Piece]) -> bool {
        match pieces.split_first() {
            None => got.is_empty(),
            Some((Piece::Text(text), rest)) => got
                .strip_prefix(text.as_bytes())
                .is_some_and(|after| fits(after, rest)),
            Some((Piece::Garbled, rest)) => {
                got.len() >= crate::crypto::BLOCK && fits(&got[crate::crypto::BLOCK..], rest)
            }
            Some((Piece::Any, rest)) => (0..=got.len()).any(|skip| fits(&got[skip..], rest)),
        }
    }
    let mut pieces = Vec::new();
    for (i, block) in expected.split(GARBLED).enumerate() {
        if i > 0 {
            pieces.push(Piece::Garbled);
        }
        for (j, text) in block.split('…').enumerate() {
            if j > 0 {
                pieces.push(Piece::Any);
            }
            if !text.is_empty() {
                pieces.push(Piece::Text(text));
            }
        }
    }
    fits(got, &pieces)
}

/// The longest pause a step may ask for, in seconds.
pub const MAX_WAIT: f64 = 10.0;

/// A tab a step can bring up.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Show {
    /// The live lab.
    Lab,
    /// One plaintext under all four schemes.
    Compare,
    /// The attack matrix.
    Matrix,
    /// The ECB picture.
    Picture,
}

/// What the eavesdropper should manage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Eavesdropper {
    /// It reads the plaintext.
    Reads,
    /// It reads nothing.
    Blind,
}

/// One step, as written in the lesson file.
#[derive(Clone, Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// What the instructor reads out (shown in the Narration pane).
    pub narration: String,
    /// Start the demo again under this scheme.
    #[serde(default)]
    pub scheme: Option<Scheme>,
    /// ... and this key exchange.
    #[serde(default)]
    pub key_exchange: Option<KeyExchange>,
    /// ... with this Fernet TTL on the server.
    #[serde(default)]
    pub ttl: Option<u64>,
    /// ... with a client that holds a key of its own (seed 002).
    #[serde(default)]
    pub unshared_key: bool,
    /// ... with gcm/chacha nonces picked this way (parsed at load).
    #[serde(default, deserialize_with = "parse_nonce")]
    pub nonce: Option<NoncePolicy>,
    /// ... with the man in the middle knowing that client message N reads TEXT, as `N=TEXT`
    /// (parsed at load).
    #[serde(default, deserialize_with = "parse_known")]
    pub known: Option<Known>,
    /// The man in the middle applies this to the message sent in this step (parsed at load).
    #[serde(default, deserialize_with = "parse_tamper")]
    pub tamper: Option<Tamper>,
    /// Type and send this message from the client.
    #[serde(default)]
    pub send: Option<String>,
    /// Pause this many seconds first (at most [`MAX_WAIT`]).
    #[serde(default)]
    pub wait: Option<f64>,
    /// Bring up a tab.
    #[serde(default)]
    pub show: Option<Show>,
    /// The server's verdict on the message, in the contract's words (parsed at load).
    #[serde(default, deserialize_with = "parse_expect")]
    pub expect: Option<Expect>,
    /// The server's verdict on the replayed message (with `tamper = "replay"`).
    #[serde(default, deserialize_with = "parse_expect")]
    pub expect_replay: Option<Expect>,
    /// The plaintext the server accepted; [`GARBLED`] stands for a block of noise and `…` for
    /// any bytes.
    #[serde(default)]
    pub expect_plaintext: Option<String>,
    /// How many ciphertext blocks of the message repeat an earlier one on the wire (ECB's
    /// leak, which the eavesdropper sees without the key).
    #[serde(default)]
    pub expect_repeated_blocks: Option<usize>,
    /// Whether the eavesdropper reads the message.
    #[serde(default)]
    pub eavesdropper: Option<Eavesdropper>,
    /// Start the demo again with the server's verdicts `detailed` or `opaque` (parsed at
    /// load).
    #[serde(default, deserialize_with = "parse_verdicts")]
    pub verdicts: Option<VerdictDetail>,
    /// Start the demo again with a server that answers each message m with m ‖ this.
    #[serde(default)]
    pub echo_append: Option<String>,
    /// Run an attack of the oracle lab from the attacker's seat, after this step's message:
    /// `padding-oracle` reads that message from the server's verdicts, `byte-at-a-time` the
    /// secret an `echo_append` server appends (parsed at load).
    #[serde(default, deserialize_with = "parse_attack")]
    pub attack: Option<AttackKind>,
    /// How the attack ends.
    #[serde(default)]
    pub expect_attack: Option<AttackExpect>,
}

/// How a lesson step's attack should end.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum AttackExpect {
    /// It reads the plaintext (or the secret): `oracle-done`.
    Recovered,
    /// It cannot: `oracle-failed`.
    Failed,
}

impl AttackExpect {
    /// The word in lesson files.
    pub fn as_str(self) -> &'static str {
        match self {
            AttackExpect::Recovered => "recovered",
            AttackExpect::Failed => "failed",
        }
    }
}

/// A lesson.
#[derive(Clone, Debug, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Lesson {
    /// The name used on the command line.
    pub name: String,
    /// A one-line title.
    pub title: String,
    /// What the class will see, in a sentence or two.
    pub summary: String,
    /// The steps, in order.
    #[serde(rename = "step")]
    pub steps: Vec<Step>,
}

/// Why a lesson could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum LessonError {
    /// No shipped lesson has that name, and it is not a readable file.
    #[error(
        "no lesson named {0:?}: `cipherlab lesson --list` shows them (or give a path to a .toml file)"
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
    /// The TOML is malformed or a field is wrong.
    #[error("lesson {name}: {detail}")]
    Invalid {
        /// The lesson's name or path.
        name: String,
        /// What is wrong.
        detail: String,
    },
}

/// What a step expects of the server: a verdict, or that the message never arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Expect {
    /// This verdict, in the contract's words.
    Verdict(Verdict),
    /// The man in the middle dropped it: no verdict at all.
    Dropped,
}

impl Expect {
    /// Whether `observed` (no verdict: nothing arrived) meets the expectation.
    pub fn met_by(&self, observed: Option<&Verdict>) -> bool {
        match (self, observed) {
            (Expect::Verdict(expected), Some(verdict)) => expected == verdict,
            (Expect::Dropped, None) => true,
            _ => false,
        }
    }
}

impl std::str::FromStr for Expect {
    type Err = String;

    fn from_str(words: &str) -> Result<Expect, String> {
        let verdict = match words {
            "dropped" => return Ok(Expect::Dropped),
            "authentic" => Some(Verdict::Authentic),
            "unauthenticated" => Some(Verdict::Unauthenticated),
            _ => words
                .strip_prefix("rejected: ")
                .and_then(crate::crypto::Reason::from_words)
                .map(Verdict::Rejected),
        };
        verdict.map(Expect::Verdict).ok_or_else(|| {
            format!(
                "{words:?} is not a verdict (authentic, unauthenticated, rejected: <reason>, or dropped)"
            )
        })
    }
}

impl std::fmt::Display for Expect {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Expect::Verdict(verdict) => verdict.fmt(f),
            Expect::Dropped => f.write_str("dropped"),
        }
    }
}

/// What the man in the middle knows: client message `.0` (1-based) reads `.1`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Known(pub u64, pub String);

impl std::str::FromStr for Known {
    type Err = String;

    fn from_str(text: &str) -> Result<Known, String> {
        let (n, plaintext) = text
            .split_once('=')
            .ok_or_else(|| format!("known must be N=TEXT, got {text:?}"))?;
        match n.parse::<u64>() {
            Ok(n) if n > 0 && !plaintext.is_empty() => Ok(Known(n, plaintext.to_owned())),
            _ => Err(format!(
                "known must be N=TEXT with N a message number from 1, got {text:?}"
            )),
        }
    }
}

impl Step {
    /// Whether the step starts the demo again.
    pub fn restarts(&self) -> bool {
        self.scheme.is_some()
            || self.key_exchange.is_some()
            || self.ttl.is_some()
            || self.unshared_key
            || self.nonce.is_some()
            || self.known.is_some()
            || self.verdicts.is_some()
            || self.echo_append.is_some()
    }

    /// The demo this step starts from `previous`: a new scheme resets what belongs to the old
    /// one (its exchange, TTL and nonce policy); anything the step names is set.
    pub fn options(&self, previous: &DemoOptions) -> DemoOptions {
        let mut options = previous.clone();
        if let Some(scheme) = self.scheme {
            options = DemoOptions::new(scheme, KeyExchange::default_for(scheme));
        }
        if let Some(exchange) = self.key_exchange {
            options.exchange = exchange;
        }
        if self.ttl.is_some() {
            options.ttl = self.ttl;
        }
        if let Some(nonce) = self.nonce {
            options.nonce = nonce;
        }
        options.known = self
            .known
            .iter()
            .map(|Known(n, text)| (*n, text.clone()))
            .collect();
        options.unshared_client_key = self.unshared_key;
        if let Some(verdicts) = self.verdicts {
            options.verdicts = verdicts;
        }
        if self.echo_append.is_some() {
            options.echo_append.clone_from(&self.echo_append);
        }
        options
    }
}

impl Lesson {
    /// Parses and checks a lesson file.
    ///
    /// # Errors
    /// [`LessonError::Invalid`] naming the step and field.
    pub fn parse(name: &str, text: &str) -> Result<Lesson, LessonError> {
        let invalid = |detail: String| LessonError::Invalid {
            name: name.to_owned(),
            detail,
        };
        let lesson: Lesson = toml::from_str(text).map_err(|e| invalid(e.to_string()))?;
        if lesson.steps.is_empty() {
            return Err(invalid("a lesson needs at least one [[step]]".into()));
        }
        if lesson.steps[0].scheme.is_none() {
            return Err(invalid("the first step must set the scheme".into()));
        }
        for (i, step) in lesson.steps.iter().enumerate() {
            let at = |e: String| invalid(format!("step {}: {e}", i + 1));
            if step.wait.is_some_and(|w| !(0.0..=MAX_WAIT).contains(&w)) {
                return Err(at(format!("wait must be between 0 and {MAX_WAIT} seconds")));
            }
            if let (Some(_), Some(scheme)) = (step.nonce, step.scheme)
                && !scheme.takes_nonce()
            {
                return Err(at(format!(
                    "nonce is for gcm and chacha; {scheme} has no nonce"
                )));
            }
            if step.send.is_none()
                && (step.expect.is_some()
                    || step.tamper.is_some()
                    || step.eavesdropper.is_some()
                    || step.expect_repeated_blocks.is_some())
            {
                return Err(at(
                    "expect, tamper, eavesdropper and expect_repeated_blocks need a message to send"
                        .into(),
                ));
            }
            match (step.attack, step.expect_attack) {
                (Some(AttackKind::Extend), _) => {
                    return Err(at(
                        "extend is played with tamper = \"extend:<keylen>:<text>\"".into(),
                    ));
                }
                (Some(AttackKind::PaddingOracle), _) if step.send.is_none() => {
                    return Err(at(
                        "attack = \"padding-oracle\" reads the step's message: give send".into(),
                    ));
                }
                (Some(_), None) => {
                    return Err(at(
                        "a step with an attack must say how it ends (expect_attack)".into(),
                    ));
                }
                (None, Some(_)) => return Err(at("expect_attack needs an attack".into())),
                _ => {}
            }
            // What the class is told to watch for is checked when the lesson runs headless.
            if step.send.is_some() && step.expect.is_none() {
                return Err(at(
                    "a step that sends a message must say what the server will conclude (expect)"
                        .into(),
                ));
            }
        }
        Ok(lesson)
    }

    /// The scheme and key exchange the lesson opens with: its first step's (the first step
    /// must set the scheme, which [`Lesson::parse`] checks).
    pub fn opening(&self) -> (Scheme, KeyExchange) {
        let first = self.steps.first();
        let scheme = first.and_then(|s| s.scheme).unwrap_or(Scheme::Fernet);
        let exchange = first
            .and_then(|s| s.key_exchange)
            .unwrap_or(KeyExchange::default_for(scheme));
        (scheme, exchange)
    }

    /// Every shipped lesson.
    pub fn shipped() -> Vec<Lesson> {
        SHIPPED
            .iter()
            .filter_map(|(name, text)| Lesson::parse(name, text).ok())
            .collect()
    }

    /// A shipped lesson by name, or a lesson file by path.
    ///
    /// # Errors
    /// [`LessonError`].
    pub fn find(name: &str) -> Result<Lesson, LessonError> {
        if let Some((_, text)) = SHIPPED.iter().find(|(n, _)| *n == name) {
            return Lesson::parse(name, text);
        }
        if name.ends_with(".toml") {
            let text = std::fs::read_to_string(name).map_err(|source| LessonError::Read {
                path: name.to_owned(),
                source,
            })?;
            return Lesson::parse(name, &text);
        }
        Err(LessonError::Unknown(name.to_owned()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shipped_lesson_parses() {
        assert_eq!(Lesson::shipped().len(), SHIPPED.len());
        for (name, text) in SHIPPED {
            let lesson = Lesson::parse(name, text).unwrap();
            assert_eq!(lesson.name, name);
        }
    }

    #[test]
    fn a_step_with_an_attack_says_how_it_ends_and_the_padding_oracle_needs_a_message() {
        let lesson = |step: &str| {
            let text = format!(
                "name = \"x\"\ntitle = \"x\"\nsummary = \"x\"\n[[step]]\nnarration = \"x\"\nscheme = \"cbc\"\n{step}"
            );
            Lesson::parse("x", &text)
                .map(|_| ())
                .map_err(|e| e.to_string())
        };
        let no_end = lesson("attack = \"byte-at-a-time\"").unwrap_err();
        assert!(no_end.contains("expect_attack"), "{no_end}");
        let no_message = lesson("attack = \"padding-oracle\"\nexpect_attack = \"recovered\"");
        assert!(no_message.unwrap_err().contains("give send"));
        let unknown = lesson("attack = \"rowhammer\"\nexpect_attack = \"failed\"");
        assert!(unknown.unwrap_err().contains("unknown attack"));
        assert!(lesson("verdicts = \"opaque\"\necho_append = \"s\"").is_ok());
        assert!(lesson("attack = \"byte-at-a-time\"\nexpect_attack = \"failed\"").is_ok());
    }

    #[test]
    fn an_ellipsis_in_an_expected_plaintext_stands_for_any_bytes() {
        assert!(reads_as(b"abc", "abc"));
        assert!(!reads_as(b"abcd", "abc"));
        assert!(reads_as(
            b"amount=10\x80\0\0&to=mallory",
            "amount=10…&to=mallory"
        ));
        assert!(!reads_as(b"amount=10&to=alice", "amount=10…&to=mallory"));
        assert!(reads_as(b"a--b--c", "a…b…c"));
        assert!(!reads_as(b"a--c", "a…b…c"));
        assert_eq!("2=hello".parse::<Known>(), Ok(Known(2, "hello".into())));
        assert!("0=hello".parse::<Known>().is_err());
        assert!("hello".parse::<Known>().is_err());
        assert!(reads_as(
            b"0123456789abcdefxyz-tail",
            "[garbled block]xyz…tail"
        ));
    }

    #[test]
    fn a_garbled_block_stands_for_any_sixteen_bytes() {
        assert!(reads_as(b"0123456789abcdefd", "[garbled block]d"));
        assert!(reads_as(b"ab", "ab"));
        assert!(!reads_as(b"0123456789abcdefe", "[garbled block]d"));
        assert!(!reads_as(b"d", "[garbled block]d"));
        assert!(!reads_as(b"0123456789abcdefdd", "[garbled block]d"));
    }

    #[test]
    fn a_step_that_sends_without_promising_a_verdict_is_refused() {
        let text =
            "name='x'\ntitle='x'\nsummary='x'\n[[step]]\nnarration='n'\nscheme='ecb'\nsend='m'\n";
        let err = Lesson::parse("x", text).unwrap_err().to_string();
        assert!(
            err.contains("step 1: a step that sends a message must say"),
            "{err}"
        );
    }

    #[test]
    fn mistakes_in_a_lesson_are_named() {
        let bad = "name='x'\ntitle='x'\nsummary='x'\n[[step]]\nnarration='n'\nscheme='ecb'\nsend='m'\nexpect='fine'\n";
        let err = Lesson::parse("x", bad).unwrap_err().to_string();
        assert!(
            err.contains("line 8") && err.contains("\"fine\" is not a verdict"),
            "{err}"
        );
        let bad = "name='x'\ntitle='x'\nsummary='x'\n[[step]]\nnarration='n'\nscheme='ecb'\nsend='m'\ntamper='nuke'\n";
        assert!(
            Lesson::parse("x", bad)
                .unwrap_err()
                .to_string()
                .contains("bad tamper action")
        );
    }
}
