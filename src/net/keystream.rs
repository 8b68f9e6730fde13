//! What a man in the middle learns when gcm or chacha repeats a nonce: the same nonce under
//! the same key gives the same keystream, so `c1 ⊕ c2 = p1 ⊕ p2`, and one known plaintext
//! reads every other message under that nonce. No key needed, and the tags still verify.
//!
//! Pure and bounded: it remembers at most [`MAX_WATCHED`] messages per connection.

use std::collections::HashMap;

use bytes::Bytes;

use super::event::{Direction, Event, Peer, Reading};
use crate::crypto::{AEAD_NONCE, AEAD_TAG, Scheme};

/// The most messages remembered per connection; later ones are still checked against them.
pub const MAX_WATCHED: usize = 4096;

/// One client message under a nonce.
struct Seen {
    seq: u64,
    ciphertext: Bytes,
}

/// The nonces seen on one connection, and the keystreams known plaintexts gave away.
#[derive(Default)]
pub(crate) struct NonceWatch {
    known: Vec<(u64, String)>,
    seen: HashMap<[u8; AEAD_NONCE], Vec<Seen>>,
    keystreams: HashMap<[u8; AEAD_NONCE], Vec<u8>>,
    watched: usize,
}

impl NonceWatch {
    /// A watch that knows client message N reads TEXT, for each `(N, TEXT)`.
    pub(crate) fn new(known: Vec<(u64, String)>) -> NonceWatch {
        NonceWatch {
            known,
            ..NonceWatch::default()
        }
    }

    /// Client message `number` (1-based), sent as `seq`, arrives. `readable` says whether the
    /// attacker reads it anyway (it holds the key), so that nothing is reported twice.
    /// Returns `nonce-reused`, and `eavesdropped` for every message a keystream now reads.
    pub(crate) fn observe(
        &mut self,
        peer: Peer,
        scheme: Scheme,
        number: u64,
        seq: u64,
        wire: &[u8],
        readable: bool,
    ) -> Vec<Event> {
        let mut events = Vec::new();
        if !scheme.takes_nonce() || wire.len() < AEAD_NONCE + AEAD_TAG {
            return events;
        }
        let (nonce, rest) = wire.split_at(AEAD_NONCE);
        let Ok(nonce) = <[u8; AEAD_NONCE]>::try_from(nonce) else {
            return events;
        };
        let ciphertext = Bytes::copy_from_slice(&rest[..rest.len() - AEAD_TAG]);
        let earlier = self.seen.get(&nonce).and_then(|list| list.first());
        if let Some(first) = earlier {
            tracing::warn!(%peer, seq, earlier = first.seq, "nonce reused");
            events.push(Event::NonceReused {
                peer,
                seq,
                earlier_seq: first.seq,
            });
        }
        let known = self
            .known
            .iter()
            .find(|(n, _)| *n == number)
            .map(|(_, text)| text.as_bytes());
        if let Some(known) = known {
            let keystream: Vec<u8> = ciphertext.iter().zip(known).map(|(c, p)| c ^ p).collect();
            let entry = self.keystreams.entry(nonce).or_default();
            if keystream.len() > entry.len() {
                *entry = keystream;
            }
            if !readable {
                let keystream = &self.keystreams[&nonce];
                for other in self.seen.get(&nonce).into_iter().flatten() {
                    events.push(read(peer, other.seq, &other.ciphertext, keystream));
                }
            }
        } else if let Some(keystream) = self.keystreams.get(&nonce)
            && !readable
        {
            events.push(read(peer, seq, &ciphertext, keystream));
        }
        if self.watched < MAX_WATCHED {
            self.watched += 1;
            self.seen
                .entry(nonce)
                .or_default()
                .push(Seen { seq, ciphertext });
        }
        events
    }
}

/// The plaintext a keystream reads off a ciphertext, as far as the keystream reaches.
fn read(peer: Peer, seq: u64, ciphertext: &[u8], keystream: &[u8]) -> Event {
    let plaintext: Vec<u8> = ciphertext
        .iter()
        .zip(keystream)
        .map(|(c, k)| c ^ k)
        .collect();
    Event::Eavesdropped {
        peer,
        direction: Direction::ToServer,
        seq,
        plaintext: Bytes::from(plaintext),
        how: Reading::KeystreamReuse,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::{Cipher, Key, NoncePolicy};

    fn peer() -> Peer {
        Peer {
            id: 1,
            addr: "127.0.0.1:9".parse().unwrap(),
        }
    }

    fn run(policy: NoncePolicy, scheme: Scheme) -> Vec<Event> {
        let cipher = Cipher::with_nonces(&Key::generate(scheme).unwrap(), policy);
        let mut watch = NonceWatch::new(vec![(1, "attack at dawn!!".to_owned())]);
        let texts = ["attack at dawn!!", "retreat at noon", "hold"];
        let mut events = Vec::new();
        for (n, text) in (1..).zip(texts) {
            let wire = cipher.seal(text.as_bytes()).unwrap();
            events.extend(watch.observe(peer(), scheme, n, n, &wire, false));
        }
        events
    }

    #[test]
    fn a_fixed_nonce_and_one_known_plaintext_read_the_others() {
        for scheme in [Scheme::Gcm, Scheme::Chacha] {
            let events = run(NoncePolicy::Fixed, scheme);
            let reused: Vec<_> = events
                .iter()
                .filter_map(|e| match e {
                    Event::NonceReused {
                        seq, earlier_seq, ..
                    } => Some((*seq, *earlier_seq)),
                    _ => None,
                })
                .collect();
            assert_eq!(reused, [(2, 1), (3, 1)], "{scheme}");
            let read: Vec<_> = events
                .iter()
                .filter_map(|e| match e {
                    Event::Eavesdropped {
                        seq,
                        plaintext,
                        how,
                        ..
                    } => {
                        assert_eq!(*how, Reading::KeystreamReuse);
                        Some((*seq, plaintext.clone()))
                    }
                    _ => None,
                })
                .collect();
            assert_eq!(
                read,
                [
                    (2, Bytes::from_static(b"retreat at noon")),
                    (3, Bytes::from_static(b"hold"))
                ],
                "{scheme}"
            );
        }
    }

    #[test]
    fn random_and_counter_nonces_give_nothing_away() {
        for policy in [NoncePolicy::Random, NoncePolicy::Counter] {
            assert!(run(policy, Scheme::Gcm).is_empty(), "{policy}");
        }
    }
}
