//! The Oracle tab, deterministic: the demo's client message under cbc with a fixed key and IV,
//! `o` pressed on it, and the real padding oracle run in memory against the real cipher (each
//! question answered at once, so the run is the same every time), writing into the tab's live
//! view as the man in the middle's oracle does. Stopped after a number of questions, it is
//! the tab mid-attack.

use super::Script;
use super::script::fixed_key;
use crate::crypto::{Cipher, KeyExchange, Scheme};
use crate::net::AttackKind;
use crate::net::MitmCommand;
use crate::net::oracle::Outcome;
use crate::net::oracle::padding::{Chain, PaddingOracle, Step};
use crate::tui::action::Action;
use crate::tui::app::App;
use crate::tui::state::{Mode, Request, Tab};

/// What the demo's client says in the Oracle screenshots.
pub const ORACLE_PLAINTEXT: &str = "meet at the old mill at nine; bring the map";

/// The demo under `scheme` (pre-shared key: the eavesdropper reads nothing) after one client
/// message, with `o` pressed on it and the oracle `questions` questions in (all of them when
/// `None`), at `pace` questions a second.
pub fn oracle(scheme: Scheme, questions: Option<u64>, pace: u32) -> App {
    let mut app = Script::new(Mode::Demo, scheme, KeyExchange::Psk)
        .message(ORACLE_PLAINTEXT, None)
        .finish(Tab::Lab);
    app.oracle().live().set_pace(pace);
    app.apply(Action::Oracle);
    let started = app.take_requests().into_iter().find_map(|r| match r {
        Request::Mitm(MitmCommand::OracleOn { wire, live, .. }) => Some((wire, live)),
        _ => None,
    });
    let Some((wire, live)) = started else {
        return app;
    };
    let cipher = Cipher::new(&fixed_key(scheme));
    let chain = match Chain::of(scheme, &wire) {
        Ok(chain) => chain,
        Err(reason) => {
            live.started(AttackKind::PaddingOracle, 0);
            live.ended(Outcome::Failed { reason }, 0);
            return app;
        }
    };
    let mut oracle = PaddingOracle::new(chain);
    live.target(wire.len(), oracle.links());
    live.started(AttackKind::PaddingOracle, oracle.target_len());
    live.forget_clock();
    loop {
        match oracle.step() {
            Step::Ask(query) => {
                if questions.is_some_and(|n| oracle.queries() > n) {
                    // The next question goes out, unanswered yet: the tab mid-attack.
                    live.asked(&query);
                    return app;
                }
                live.asked(&query);
                let verdict = cipher.open(&query.sealed).verdict;
                live.heard(query.id, &verdict);
                oracle.answer(query.id, &verdict);
            }
            Step::Read(found) => live.byte(&found),
            Step::Wait => return app,
            Step::End => break,
        }
    }
    let outcome = match oracle.end().cloned() {
        Some(Ok(plaintext)) => Outcome::Recovered {
            plaintext: plaintext.into(),
            // A fixed time, so the screen is the same every time.
            seconds: 0.25,
        },
        Some(Err(reason)) => Outcome::Failed { reason },
        None => Outcome::Failed {
            reason: "the attack stopped".to_owned(),
        },
    };
    live.ended(outcome, oracle.queries());
    app
}
