//! Client names, unique per server: while one `alice` is connected, the next is listed (and
//! told, in its WELCOME) as `alice-2`, then `alice-3`. A name is free again when its
//! connection ends, so a student who reconnects after a restart gets their own name back.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use crate::wire::frame::MAX_NAME;

/// The names in use on one server. At most one per live connection, so bounded by
/// `--max-clients`.
#[derive(Debug, Default)]
pub(crate) struct Names {
    taken: Mutex<HashSet<String>>,
}

/// A name held for one connection; dropping it frees the name.
#[derive(Debug)]
pub(crate) struct Claim {
    names: Arc<Names>,
    name: String,
    asked: String,
}

impl Claim {
    /// The name the connection goes by.
    pub(crate) fn name(&self) -> &str {
        &self.name
    }

    /// The name the HELLO asked for (within [`MAX_NAME`]), suffix or not: whose exercise
    /// material this is, so that a student's attack run beside their client (listed as
    /// `alice-2`) meets alice's material.
    pub(crate) fn asked(&self) -> &str {
        &self.asked
    }
}

impl Drop for Claim {
    fn drop(&mut self) {
        self.names.lock().remove(&self.name);
    }
}

impl Names {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashSet<String>> {
        // A panic elsewhere cannot leave the set half-changed: insert and remove are whole.
        self.taken.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims `wanted`, or the first of `wanted-2`, `wanted-3`, ... that is free, cut so that
    /// the whole name stays within [`MAX_NAME`] characters.
    pub(crate) fn claim(self: &Arc<Self>, wanted: &str) -> Claim {
        let mut taken = self.lock();
        // One more candidate than names taken: one of them is free.
        let name = (1..=taken.len() + 1)
            .map(|n| with_suffix(wanted, n))
            .find(|name| !taken.contains(name))
            .unwrap_or_else(|| with_suffix(wanted, taken.len() + 2));
        taken.insert(name.clone());
        Claim {
            names: Arc::clone(self),
            name,
            asked: with_suffix(wanted, 1),
        }
    }
}

/// `wanted` for the first, `wanted-n` after, within [`MAX_NAME`] characters.
fn with_suffix(wanted: &str, n: usize) -> String {
    if n == 1 {
        return wanted.chars().take(MAX_NAME).collect();
    }
    let suffix = format!("-{n}");
    let base: String = wanted.chars().take(MAX_NAME - suffix.len()).collect();
    format!("{base}{suffix}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_second_alice_is_alice_2_until_the_first_leaves() {
        let names = Arc::new(Names::default());
        let first = names.claim("alice");
        let second = names.claim("alice");
        let third = names.claim("alice");
        assert_eq!(
            [first.name(), second.name(), third.name()],
            ["alice", "alice-2", "alice-3"]
        );
        drop(first);
        assert_eq!(names.claim("alice").name(), "alice");
        assert_eq!(names.claim("bob").name(), "bob");
    }

    #[test]
    fn a_suffixed_name_stays_within_the_name_limit() {
        let names = Arc::new(Names::default());
        let long = "é".repeat(MAX_NAME);
        let _first = names.claim(&long);
        let second = names.claim(&long);
        assert_eq!(second.name().chars().count(), MAX_NAME);
        assert!(second.name().ends_with("-2"), "{}", second.name());
    }
}
