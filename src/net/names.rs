//! Client names, unique per server: while one `alice` is connected, the next is listed (and
//! told, in its WELCOME) as `alice-2`, then `alice-3`. A name is free again when its
//! connection ends, so a student who reconnects after a restart gets their own name back.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, PoisonError};

use crate::wire::frame::MAX_NAME;

/// The names in use on one server. At most one per live connection, so bounded by
/// `--max-clients`.
#[derive(Debug, Default)]
pub(crate) struct Names {
    inner: Mutex<Taken>,
}

#[derive(Debug, Default)]
struct Taken {
    /// Every name held: the one source of truth for uniqueness.
    names: HashSet<String>,
    /// Per name asked for, while any connection holds it or one of its suffixes: the lowest
    /// suffix that may be free (every one below it is held) and how many are held. Without
    /// it the thousandth `bench` would try `bench`, `bench-2`, … one by one, and a load test
    /// of 10,000 same-named clients would spend seconds here under the lock.
    bases: HashMap<String, Base>,
}

#[derive(Debug)]
struct Base {
    lowest_maybe_free: usize,
    held: usize,
}

/// A name held for one connection; dropping it frees the name.
#[derive(Debug)]
pub(crate) struct Claim {
    names: Arc<Names>,
    name: String,
    wanted: String,
    suffix: usize,
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
        let mut taken = self.names.lock();
        taken.names.remove(&self.name);
        if let Some(base) = taken.bases.get_mut(&self.wanted) {
            base.held -= 1;
            base.lowest_maybe_free = base.lowest_maybe_free.min(self.suffix);
            if base.held == 0 {
                taken.bases.remove(&self.wanted);
            }
        }
    }
}

impl Names {
    fn lock(&self) -> std::sync::MutexGuard<'_, Taken> {
        // A panic elsewhere cannot leave the sets half-changed: each change is whole.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Claims `wanted`, or the first of `wanted-2`, `wanted-3`, ... that is free, cut so that
    /// the whole name stays within [`MAX_NAME`] characters.
    pub(crate) fn claim(self: &Arc<Self>, wanted: &str) -> Claim {
        let mut taken = self.lock();
        let Taken { names, bases } = &mut *taken;
        let base = bases.entry(wanted.to_owned()).or_insert(Base {
            lowest_maybe_free: 1,
            held: 0,
        });
        // Every suffix below the hint is held; of the names.len() + 1 from it, one is free.
        let suffix = (base.lowest_maybe_free..)
            .take(names.len() + 1)
            .find(|&n| !names.contains(&with_suffix(wanted, n)))
            .unwrap_or(base.lowest_maybe_free + names.len() + 1);
        let name = with_suffix(wanted, suffix);
        base.lowest_maybe_free = suffix + 1;
        base.held += 1;
        names.insert(name.clone());
        Claim {
            names: Arc::clone(self),
            name,
            wanted: wanted.to_owned(),
            suffix,
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
    fn a_freed_suffix_is_handed_out_again_lowest_first() {
        let names = Arc::new(Names::default());
        let held: Vec<Claim> = (0..5).map(|_| names.claim("bench")).collect();
        let mut held: Vec<Option<Claim>> = held.into_iter().map(Some).collect();
        held[3] = None; // bench-4
        held[1] = None; // bench-2
        let again: Vec<Claim> = (0..3).map(|_| names.claim("bench")).collect();
        let again: Vec<&str> = again.iter().map(Claim::name).collect();
        assert_eq!(again, ["bench-2", "bench-4", "bench-6"]);
        // A name taken literally is skipped, not duplicated.
        let _literal = names.claim("bench-7");
        assert_eq!(names.claim("bench").name(), "bench-8");
    }

    #[test]
    fn ten_thousand_of_one_name_are_all_distinct() {
        let names = Arc::new(Names::default());
        let held: Vec<Claim> = (0..10_000).map(|_| names.claim("bench")).collect();
        let distinct: HashSet<&str> = held.iter().map(Claim::name).collect();
        assert_eq!(distinct.len(), 10_000);
        drop(held);
        assert!(
            names.lock().bases.is_empty(),
            "nothing is kept for names no one holds"
        );
        assert_eq!(names.claim("bench").name(), "bench");
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
