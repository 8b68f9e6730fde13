//! The classroom's deterministic screens: a student's client during `padding-oracle`, and the
//! instructor's server mid-exercise. The events are those a real class produces (TASK,
//! RESULT, NOTICE, progress), with the material sealed under the fixed key and fixed times.

use std::time::Duration;

use super::Script;
use crate::crypto::{KeyExchange, Scheme};
use crate::net::exercise::{Exercise, Progress};
use crate::net::{Event, Peer, Role};
use crate::tui::app::App;
use crate::tui::state::{Mode, Tab};
use crate::wire::Task;

/// The exercise both screens show.
const EXERCISE: &str = "padding-oracle";

fn server_peer() -> Peer {
    Peer {
        id: 0,
        addr: ([127, 0, 0, 1], 12_345).into(),
    }
}

/// alice's client during `padding-oracle`: her task and material (her secret sealed under
/// the fixed key), one wrong answer, and the instructor's notice.
pub fn student() -> App {
    let exercise = Exercise::find(EXERCISE).ok();
    let text = exercise
        .map(|e| e.task.trim().to_owned())
        .unwrap_or_default();
    let mut script = Script::new(Mode::Client, Scheme::Cbc, KeyExchange::Psk);
    let sealed = script.seal(r#"{"user":"alice","secret":"k3x9q2m7c4v8b6n5"}"#);
    let task = Task {
        exercise: EXERCISE.to_owned(),
        text,
        material: hex::encode(&sealed),
    };
    let peer = server_peer();
    script
        .event(Role::Client, Event::Task { peer, task })
        .event(
            Role::Client,
            Event::Result {
                peer,
                correct: false,
                reason: "that is not your secret".to_owned(),
            },
        )
        .event(
            Role::Client,
            Event::Notice {
                peer,
                text: "ten minutes left: answer with the secret alone".to_owned(),
            },
        )
        .finish(Tab::Lab)
}

/// The instructor's server mid-exercise: thirteen students, four solved (with their times), the
/// others working (an attack's queries counted as tries) or not started.
pub fn class() -> App {
    let solved = |secs: u64, tries: u32| Progress::Solved {
        tries,
        taken: Duration::from_secs(secs),
    };
    let working = |tries: u32| Progress::Working { tries };
    let students = [
        ("alice", 50_420, solved(251, 1_304)),
        ("bob", 50_533, working(2_210)),
        ("carol", 50_640, solved(188, 1_187)),
        ("dave", 50_587, working(3)),
        ("erin", 50_622, solved(412, 2_950)),
        ("frank", 50_631, working(0)),
        ("grace", 50_655, working(861)),
        ("heidi", 50_671, solved(530, 1_422)),
        ("ivan", 50_702, working(0)),
        ("judy", 50_719, working(1_045)),
        ("mallory", 50_733, working(17)),
        ("oscar", 50_748, working(1)),
    ];
    // The script's own first client, `student` (connection 1), is working too.
    let first = Event::Progress {
        peer: Peer {
            id: 1,
            addr: ([127, 0, 0, 1], 50_412).into(),
        },
        name: "student".to_owned(),
        exercise: EXERCISE.to_owned(),
        progress: working(96),
    };
    let mut script =
        Script::new(Mode::Server, Scheme::Cbc, KeyExchange::Psk).event(Role::Server, first);
    for (name, port, progress) in students {
        let peer = Peer {
            id: u64::from(port),
            addr: ([127, 0, 0, 1], port).into(),
        };
        script = if progress.tries() == 0 {
            script.silent_client(name, port)
        } else {
            script.another_client(name, port, "a question for the oracle")
        };
        script = script.event(
            Role::Server,
            Event::Progress {
                peer,
                name: name.to_owned(),
                exercise: EXERCISE.to_owned(),
                progress,
            },
        );
    }
    let mut app = script.finish(Tab::Lab);
    // Sorted by progress: who solved first at the top, who has not started at the bottom.
    for _ in 0..3 {
        app.apply(crate::tui::action::Action::SortClients);
    }
    app
}
