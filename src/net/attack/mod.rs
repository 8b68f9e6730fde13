//! The attack pipeline, without sockets: what the man in the middle does with each client
//! message (forward it, hold it, drop it, rewrite it, inject a replay after it), what it reads
//! once it has learnt the key, and which events follow.
//!
//! Both relays ask this module and keep only their transport: `mitm.rs` moves lab frames,
//! `seed/mitm.rs` moves each seed program's bytes. So an attack behaves, and is reported, the
//! same on either wire; adding an attack means one more arm in [`Attack::deliver`].

use std::collections::VecDeque;

use bytes::Bytes;

use super::event::{Direction, Event, Fate, HoldId, Peer, Reading};
use super::keystream::NonceWatch;
use crate::crypto::KeyExchange;
use crate::crypto::tamper::forge;
use crate::crypto::{Anatomy, Cipher, FieldKind, Key, KeySource, Scheme, Tamper, TamperError};
use crate::wire::Frame;

/// The first sequence number of injected messages (replays), far above any a client will
/// reach, so that the server's verdict on a copy is never mistaken for one on the original.
pub const INJECTED_SEQ: u64 = 1 << 63;

/// The first sequence number of the padding oracle's queries from the man in the middle: in
/// the injected range, a quarter of the way up, where no replay's number reaches.
pub const ORACLE_SEQ: u64 = INJECTED_SEQ + (1 << 62);

/// A sequence number as people read it: `7`, `replay 1` for the first injected copy, or
/// `oracle 1` for the padding oracle's first query.
pub fn seq_label(seq: u64) -> String {
    if let Some(n) = seq.checked_sub(ORACLE_SEQ) {
        return format!("oracle {n}");
    }
    match seq.checked_sub(INJECTED_SEQ) {
        Some(n) => format!("replay {}", n + 1),
        None => seq.to_string(),
    }
}

/// Client messages one connection may hold in intercept mode; the relay stops reading there.
pub(crate) const MAX_HELD: usize = 64;
/// Injected messages whose verdict is still awaited. A server that never answers one must
/// not grow this without bound; the oldest is forgotten first.
const MAX_INJECTED: usize = 256;
mod armed;

pub(crate) use armed::Armed;

/// What `forge` seals: a message the client never wrote.
pub const FORGED_TEXT: &str = "forged by the man in the middle";

/// A client message injected after another one (a replay), under its own sequence number.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Injected {
    /// Its sequence number, from [`INJECTED_SEQ`] up.
    pub(crate) seq: u64,
    /// The earlier message's bytes, unchanged.
    pub(crate) wire: Bytes,
}

/// What to send towards the server for one client message.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Delivery {
    /// The client's sequence number of the message.
    pub(crate) seq: u64,
    /// The bytes to forward in its place, or `None` when it was dropped.
    pub(crate) forward: Option<Bytes>,
    /// An earlier message to send after it, if the attack replays one.
    pub(crate) inject: Option<Injected>,
}

/// What happens to a client message as it arrives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Outcome {
    /// Held in intercept mode until [`Attack::release`]: nothing goes upstream yet.
    Held,
    /// Sent on now, as this says.
    Deliver(Delivery),
}

/// A client message held in intercept mode.
struct Held {
    hold: HoldId,
    number: u64,
    seq: u64,
    wire: Bytes,
}

/// One attacker's view of a conversation: the scheme, the key if it crossed in the clear, the
/// `--tamper` plan, the client messages seen so far and those held or injected.
///
/// The lab relay keeps one per connection; the seed relay shares one among its connections,
/// because seeds 000, 003 and 004 open a connection per message.
pub(crate) struct Attack {
    scheme: Option<Scheme>,
    cipher: Option<Cipher>,
    plan: Vec<(u64, Tamper)>,
    messages: u64,
    /// The previous client message as it arrived (what `paste` takes a block from).
    previous: Option<Bytes>,
    /// The last client message that went on to the server, as the client sealed it, with
    /// its sequence number: what `replay` sends again. A dropped or held message is not it.
    forwarded: Option<(u64, Bytes)>,
    held: VecDeque<Held>,
    next_hold: HoldId,
    injected: VecDeque<u64>,
    next_injected: u64,
    nonces: NonceWatch,
}

impl Attack {
    /// An attacker that knows `scheme` already (the seed wire) or will learn it (lab WELCOME),
    /// and applies `plan` to the N-th client message (1-based).
    pub(crate) fn new(scheme: Option<Scheme>, plan: Vec<(u64, Tamper)>) -> Attack {
        Attack {
            scheme,
            cipher: None,
            plan,
            messages: 0,
            previous: None,
            forwarded: None,
            held: VecDeque::new(),
            next_hold: 1,
            injected: VecDeque::new(),
            next_injected: INJECTED_SEQ,
            nonces: NonceWatch::default(),
        }
    }

    /// The attacker knows that client message N reads TEXT, for each `(N, TEXT)` (`--known`).
    pub(crate) fn knowing(mut self, known: Vec<(u64, String)>) -> Attack {
        self.nonces = NonceWatch::new(known);
        self
    }

    /// The session's scheme, once known.
    pub(crate) fn scheme(&self) -> Option<Scheme> {
        self.scheme
    }

    /// The session's scheme, as the server announced it.
    pub(crate) fn set_scheme(&mut self, scheme: Scheme) {
        self.scheme = Some(scheme);
    }

    /// Takes a key read off the wire: from now on every message is read with it. Returns the
    /// `key` event that reports the leak.
    pub(crate) fn learn(&mut self, key: Key, exchange: KeyExchange) -> Event {
        tracing::warn!(scheme = %key.scheme(), "key read off the wire");
        self.cipher = Some(Cipher::new(&key));
        Event::Key {
            key,
            source: KeySource::ReceivedInClear,
            exchange,
        }
    }

    /// How many client messages have arrived: the number of the latest one.
    pub(crate) fn messages(&self) -> u64 {
        self.messages
    }

    /// Whether another message may be held; a relay at the limit stops reading its client.
    pub(crate) fn may_hold(&self) -> bool {
        self.held.len() < MAX_HELD
    }

    /// Messages held and never released.
    pub(crate) fn held(&self) -> usize {
        self.held.len()
    }

    /// What the attacker can read of a message, and how: everything with the key, and the
    /// MACs' plaintext always, since they never encrypted it.
    fn reading(&self, wire: &[u8]) -> Option<(Bytes, Reading)> {
        if let Some(cipher) = &self.cipher {
            return cipher
                .open(wire)
                .plaintext
                .map(|p| (Bytes::from(p), Reading::Key));
        }
        let scheme = self.scheme.filter(|s| !s.has_secrecy())?;
        let anatomy = Anatomy::dissect(scheme, wire);
        let field = anatomy
            .fields
            .iter()
            .find(|f| f.kind == FieldKind::Message)?;
        Some((
            Bytes::copy_from_slice(&anatomy.bytes[field.range.clone()]),
            Reading::Plaintext,
        ))
    }

    /// The `eavesdropped` event for a message, when the attacker can read it.
    pub(crate) fn eavesdrop(
        &self,
        peer: Peer,
        direction: Direction,
        seq: u64,
        wire: &[u8],
    ) -> Option<Event> {
        let (plaintext, how) = self.reading(wire)?;
        Some(Event::Eavesdropped {
            peer,
            direction,
            seq,
            plaintext,
            how,
        })
    }

    /// The fate of the server's answer to message `seq`: kept back when the attacker injected
    /// that message (the client never sent it), forwarded otherwise.
    pub(crate) fn answer(&mut self, seq: u64) -> Fate {
        match self.injected.iter().position(|&s| s == seq) {
            Some(index) => {
                self.injected.remove(index);
                Fate::KeptBack
            }
            None => Fate::Forwarded,
        }
    }

    /// A client message arrives: it is read, then held when `intercepting` and no action
    /// waits for it, else attacked and delivered. `seq` is the client's sequence number. `armed`
    /// is the action armed for the next message, if any. Returns what to do and the events to
    /// report.
    pub(crate) fn arrive(
        &mut self,
        peer: Peer,
        seq: u64,
        wire: Bytes,
        armed: Option<Tamper>,
        intercepting: bool,
    ) -> (Outcome, Vec<Event>) {
        let (number, actions, mut events) = self.take_in(peer, seq, &wire, armed);
        let frame = Frame::Data {
            seq,
            sealed: wire.clone(),
        };
        if intercepting && actions.is_empty() {
            let hold = self.next_hold;
            self.next_hold += 1;
            events.push(intercepted(peer, frame, Fate::Held(hold)));
            self.held.push_back(Held {
                hold,
                number,
                seq,
                wire,
            });
            return (Outcome::Held, events);
        }
        events.push(intercepted(peer, frame, Fate::Forwarded));
        let delivery = self.deliver(peer, number, seq, wire, &actions, &mut events);
        (Outcome::Deliver(delivery), events)
    }

    /// A client message arrives on a wire with no sequence numbers and no holding (the seed
    /// wire): the attacker's own count numbers it, and it is attacked and delivered at once.
    pub(crate) fn pass(
        &mut self,
        peer: Peer,
        wire: Bytes,
        armed: Option<Tamper>,
    ) -> (Delivery, Vec<Event>) {
        let seq = self.messages + 1;
        let (number, actions, mut events) = self.take_in(peer, seq, &wire, armed);
        let frame = Frame::Data {
            seq,
            sealed: wire.clone(),
        };
        events.push(intercepted(peer, frame, Fate::Forwarded));
        let delivery = self.deliver(peer, number, seq, wire, &actions, &mut events);
        (delivery, events)
    }

    /// Counts a client message, reads it, and gathers the actions that wait for it: the
    /// plan's for its number, then the armed one.
    fn take_in(
        &mut self,
        peer: Peer,
        seq: u64,
        wire: &[u8],
        armed: Option<Tamper>,
    ) -> (u64, Vec<Tamper>, Vec<Event>) {
        self.messages += 1;
        let number = self.messages;
        let mut events: Vec<Event> = self
            .eavesdrop(peer, Direction::ToServer, seq, wire)
            .into_iter()
            .collect();
        if let Some(scheme) = self.scheme {
            let readable = !events.is_empty();
            events.extend(
                self.nonces
                    .observe(peer, scheme, number, seq, wire, readable),
            );
        }
        let mut actions: Vec<Tamper> = self
            .plan
            .iter()
            .filter(|(n, _)| *n == number)
            .map(|(_, a)| a.clone())
            .collect();
        actions.extend(armed);
        (number, actions, events)
    }

    /// Lets held message `hold` go, after `tamper` if given. `None` when it is no longer held
    /// (the events then say so).
    pub(crate) fn release(
        &mut self,
        peer: Peer,
        hold: HoldId,
        tamper: Option<Tamper>,
    ) -> (Option<Delivery>, Vec<Event>) {
        let mut events = Vec::new();
        let Some(held) = self
            .held
            .iter()
            .position(|h| h.hold == hold)
            .and_then(|index| self.held.remove(index))
        else {
            let message = "that message is no longer held: it was released or dropped".to_owned();
            events.push(Event::Error {
                peer: Some(peer),
                message,
            });
            return (None, events);
        };
        let actions: Vec<Tamper> = tamper.into_iter().collect();
        let delivery = self.deliver(
            peer,
            held.number,
            held.seq,
            held.wire,
            &actions,
            &mut events,
        );
        (Some(delivery), events)
    }

    /// Lets every held message go untouched, oldest first (intercept switched off).
    pub(crate) fn release_all(&mut self, peer: Peer) -> (Vec<Delivery>, Vec<Event>) {
        let mut events = Vec::new();
        let mut deliveries = Vec::new();
        while let Some(held) = self.held.pop_front() {
            let delivery = self.deliver(peer, held.number, held.seq, held.wire, &[], &mut events);
            deliveries.push(delivery);
        }
        (deliveries, events)
    }

    /// Applies `actions` to client message `number` in order. A failed action is reported and
    /// the message goes on as it was; a drop ends the list; a replay injects the last client
    /// message forwarded before this one.
    fn deliver(
        &mut self,
        peer: Peer,
        number: u64,
        seq: u64,
        original: Bytes,
        actions: &[Tamper],
        events: &mut Vec<Event>,
    ) -> Delivery {
        let mut forward = Some(original.clone());
        let mut replay = false;
        for action in actions {
            let Some(current) = forward.clone() else {
                break;
            };
            let result = match action {
                Tamper::Drop => {
                    forward = None;
                    Ok(Bytes::new())
                }
                // After the message itself, so that the copy follows what it copies.
                Tamper::Replay => {
                    replay = true;
                    continue;
                }
                // With the key read off the wire the forgery is sealed under it, and the
                // receiver cannot tell; without it, under a key of the attacker's own.
                Tamper::Forge => match &self.cipher {
                    Some(cipher) => cipher
                        .seal(FORGED_TEXT.as_bytes())
                        .map(Bytes::from)
                        .map_err(|e| TamperError::Grammar(format!("cannot forge: {e}"))),
                    None => forge(
                        self.scheme.unwrap_or(Scheme::Fernet),
                        FORGED_TEXT.as_bytes(),
                    )
                    .map(Bytes::from),
                },
                _ => match self.scheme {
                    Some(scheme) => action
                        .apply(scheme, &current, self.previous.as_deref())
                        .map(Bytes::from),
                    None => Err(TamperError::Grammar("no WELCOME seen yet".to_owned())),
                },
            };
            match result {
                Ok(wire) => {
                    if action.rewrites() {
                        forward = Some(wire.clone());
                    }
                    tracing::info!(%peer, seq, %action, "tampered");
                    events.push(Event::Tampered {
                        peer,
                        seq,
                        action: action.clone(),
                        sealed: wire,
                    });
                }
                Err(e) => events.push(Event::Error {
                    peer: Some(peer),
                    message: format!(
                        "cannot apply {action} to client message {number}: {e}; forwarded unchanged"
                    ),
                }),
            }
        }
        let inject = if replay {
            self.inject(peer, number, seq, events)
        } else {
            None
        };
        if forward.is_some() {
            self.forwarded = Some((seq, original.clone()));
        }
        self.previous = Some(original);
        Delivery {
            seq,
            forward,
            inject,
        }
    }

    /// Numbers a copy of the last client message forwarded for injection, and reports it.
    fn inject(
        &mut self,
        peer: Peer,
        number: u64,
        seq: u64,
        events: &mut Vec<Event>,
    ) -> Option<Injected> {
        let Some((replayed, earlier)) = self.forwarded.clone() else {
            events.push(Event::Error {
                peer: Some(peer),
                message: format!(
                    "cannot replay at client message {number}: no earlier client message was forwarded"
                ),
            });
            return None;
        };
        tracing::info!(%peer, seq, replayed, "replaying the last client message forwarded");
        let injected = self.next_injected;
        self.next_injected += 1;
        if self.injected.len() >= MAX_INJECTED {
            self.injected.pop_front();
        }
        self.injected.push_back(injected);
        events.push(Event::Tampered {
            peer,
            seq,
            action: Tamper::Replay,
            sealed: earlier.clone(),
        });
        Some(Injected {
            seq: injected,
            wire: earlier,
        })
    }
}

/// The `intercepted` event for a client message.
fn intercepted(peer: Peer, frame: Frame, fate: Fate) -> Event {
    Event::Intercepted {
        peer,
        direction: Direction::ToServer,
        frame,
        fate,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn peer() -> Peer {
        Peer {
            id: 1,
            addr: "127.0.0.1:9".parse().unwrap(),
        }
    }

    fn names(events: &[Event]) -> Vec<&'static str> {
        events.iter().map(Event::name).collect()
    }

    fn sealed(key: &Key, text: &str) -> Bytes {
        Bytes::from(Cipher::new(key).seal(text.as_bytes()).unwrap())
    }

    fn delivery(outcome: Outcome) -> Delivery {
        match outcome {
            Outcome::Deliver(delivery) => delivery,
            Outcome::Held => panic!("held, not delivered"),
        }
    }

    #[test]
    fn an_untouched_message_is_forwarded_as_it_came() {
        let mut attack = Attack::new(Some(Scheme::Ecb), vec![]);
        let (outcome, events) = attack.arrive(peer(), 4, Bytes::from_static(b"x"), None, false);
        assert_eq!(
            delivery(outcome),
            Delivery {
                seq: 4,
                forward: Some(Bytes::from_static(b"x")),
                inject: None
            }
        );
        assert_eq!(
            names(&events),
            ["intercepted"],
            "ecb without the key reads nothing"
        );
    }

    #[test]
    fn with_the_key_learnt_the_attacker_reads_before_it_reports_the_frame() {
        let key = Key::generate(Scheme::Fernet).unwrap();
        let mut attack = Attack::new(None, vec![]);
        attack.set_scheme(Scheme::Fernet);
        assert_eq!(attack.learn(key.clone(), KeyExchange::Send).name(), "key");
        let (_, events) = attack.arrive(peer(), 1, sealed(&key, "pay bob"), None, false);
        assert_eq!(names(&events), ["eavesdropped", "intercepted"]);
        let Event::Eavesdropped { plaintext, .. } = &events[0] else {
            unreachable!()
        };
        assert_eq!(&plaintext[..], b"pay bob");
    }

    #[test]
    fn hmac_is_read_without_any_key() {
        let key = Key::generate(Scheme::Hmac).unwrap();
        let attack = Attack::new(Some(Scheme::Hmac), vec![]);
        assert_eq!(
            attack
                .reading(&sealed(&key, "never secret"))
                .map(|(p, _)| p)
                .as_deref(),
            Some(&b"never secret"[..])
        );
    }

    #[test]
    fn replay_injects_the_previous_message_numbered_apart_and_its_answer_is_kept_back() {
        let mut attack = Attack::new(Some(Scheme::Ecb), vec![(2, Tamper::Replay)]);
        let first = Bytes::from_static(b"first");
        attack.pass(peer(), first.clone(), None);
        let (delivery, events) = attack.pass(peer(), Bytes::from_static(b"second"), None);
        assert_eq!(delivery.forward.as_deref(), Some(&b"second"[..]));
        let injected = delivery.inject.unwrap();
        assert_eq!(injected.wire, first);
        assert_eq!(seq_label(injected.seq), "replay 1");
        assert_eq!(names(&events), ["intercepted", "tampered"]);
        assert_eq!(attack.answer(2), Fate::Forwarded);
        assert_eq!(attack.answer(injected.seq), Fate::KeptBack);
        assert_eq!(
            attack.answer(injected.seq),
            Fate::Forwarded,
            "each injected answer is kept back once"
        );
    }

    #[test]
    fn replay_of_the_first_message_is_an_error_and_the_message_goes_on() {
        let mut attack = Attack::new(Some(Scheme::Ecb), vec![(1, Tamper::Replay)]);
        let (delivery, events) = attack.pass(peer(), Bytes::from_static(b"only"), None);
        assert_eq!(delivery.forward.as_deref(), Some(&b"only"[..]));
        assert_eq!(delivery.inject, None);
        assert_eq!(names(&events), ["intercepted", "error"]);
    }

    #[test]
    fn drop_forwards_nothing_and_stops_later_actions() {
        let mut attack = Attack::new(Some(Scheme::Ecb), vec![(1, Tamper::Drop)]);
        let truncate = Some(Tamper::Truncate);
        let (delivery, events) = attack.pass(peer(), Bytes::from(vec![0u8; 32]), truncate);
        assert_eq!(delivery.forward, None);
        assert_eq!(names(&events), ["intercepted", "tampered"]);
        let Event::Tampered {
            action,
            sealed: wire,
            ..
        } = &events[1]
        else {
            unreachable!()
        };
        assert_eq!((action, wire.is_empty()), (&Tamper::Drop, true));
    }

    #[test]
    fn a_flip_rewrites_the_forwarded_bytes() {
        let flip = Tamper::Flip { byte: 4, bit: 0 };
        let key = Key::generate(Scheme::Hmac).unwrap();
        let mut attack = Attack::new(Some(Scheme::Hmac), vec![(1, flip)]);
        let (delivery, events) = attack.pass(peer(), sealed(&key, "pay bob"), None);
        let forwarded = delivery.forward.unwrap();
        assert_eq!(&forwarded[4..11], b"qay bob");
        assert_eq!(names(&events), ["eavesdropped", "intercepted", "tampered"]);
    }

    #[test]
    fn an_action_that_does_not_fit_is_reported_and_the_message_forwarded_unchanged() {
        let mut attack = Attack::new(None, vec![(1, Tamper::Truncate)]);
        let (outcome, events) = attack.arrive(peer(), 1, Bytes::from_static(b"x"), None, false);
        assert_eq!(delivery(outcome).forward.as_deref(), Some(&b"x"[..]));
        let Event::Error { message, .. } = &events[1] else {
            panic!("{events:?}")
        };
        assert!(message.contains("no WELCOME seen yet"), "{message}");
    }

    #[test]
    fn forge_without_the_key_seals_its_own_text_under_a_key_of_its_own() {
        let mut attack = Attack::new(Some(Scheme::Hmac), vec![(1, Tamper::Forge)]);
        let key = Key::generate(Scheme::Hmac).unwrap();
        let original = sealed(&key, "real");
        let (delivery, _) = attack.pass(peer(), original, None);
        let forged = delivery.forward.unwrap();
        assert_eq!(
            attack.reading(&forged).map(|(p, _)| p).as_deref(),
            Some(FORGED_TEXT.as_bytes())
        );
        assert!(!Cipher::new(&key).open(&forged).verdict.is_accepted());
    }

    #[test]
    fn forge_with_the_key_read_off_the_wire_is_sealed_under_it() {
        let key = Key::generate(Scheme::Fernet).unwrap();
        let mut attack = Attack::new(Some(Scheme::Fernet), vec![(1, Tamper::Forge)]);
        attack.learn(key.clone(), KeyExchange::Send);
        let (delivery, _) = attack.pass(peer(), sealed(&key, "pay bob 10"), None);
        let opened = Cipher::new(&key).open(&delivery.forward.unwrap());
        assert!(opened.verdict.is_accepted(), "{:?}", opened.verdict);
        assert_eq!(opened.plaintext.as_deref(), Some(FORGED_TEXT.as_bytes()));
    }

    #[test]
    fn replay_skips_a_dropped_message_and_sends_the_last_one_forwarded() {
        let plan = vec![(2, Tamper::Drop), (3, Tamper::Replay)];
        let mut attack = Attack::new(Some(Scheme::Ecb), plan);
        for text in ["first", "dropped"] {
            attack.pass(peer(), Bytes::from(text), None);
        }
        let (delivery, _) = attack.pass(peer(), Bytes::from_static(b"third"), None);
        assert_eq!(delivery.inject.unwrap().wire, Bytes::from_static(b"first"));
    }

    #[test]
    fn intercept_holds_a_message_until_released_and_an_armed_one_is_not_held() {
        let mut attack = Attack::new(Some(Scheme::Ecb), vec![]);
        let (outcome, events) = attack.arrive(peer(), 1, Bytes::from_static(b"a"), None, true);
        assert_eq!(outcome, Outcome::Held);
        assert!(matches!(
            events[..],
            [Event::Intercepted {
                fate: Fate::Held(1),
                ..
            }]
        ));
        let (outcome, _) = attack.arrive(
            peer(),
            2,
            Bytes::from_static(b"b"),
            Some(Tamper::Drop),
            true,
        );
        assert_eq!(
            delivery(outcome).forward,
            None,
            "an armed action decides at once"
        );
        assert_eq!(attack.held(), 1);
        let (released, events) = attack.release(peer(), 1, None);
        assert_eq!(released.unwrap().forward.as_deref(), Some(&b"a"[..]));
        assert!(events.is_empty());
        let (again, events) = attack.release(peer(), 1, None);
        assert_eq!((again, names(&events)), (None, vec!["error"]));
    }

    #[test]
    fn switching_intercept_off_releases_everything_in_order() {
        let mut attack = Attack::new(Some(Scheme::Ecb), vec![]);
        for (seq, text) in [(1, "a"), (2, "b")] {
            attack.arrive(peer(), seq, Bytes::from(text), None, true);
        }
        let (deliveries, _) = attack.release_all(peer());
        let seqs: Vec<u64> = deliveries.iter().map(|d| d.seq).collect();
        assert_eq!(seqs, [1, 2]);
        assert_eq!(attack.held(), 0);
    }

    #[test]
    fn arming_is_bounded() {
        let armed = Armed::default();
        for _ in 0..armed::MAX_ARMED {
            assert_eq!(armed.arm(Tamper::Drop).name(), "armed");
        }
        assert_eq!(armed.arm(Tamper::Drop).name(), "error");
        assert_eq!(armed.take(), Some(Tamper::Drop));
    }
}
