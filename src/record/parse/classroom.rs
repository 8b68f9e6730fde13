//! Reading an exercise's events back from a recording: a client's `task`, `result` and
//! `notice`, a server's `progress`.

use serde_json::Value;

use super::{number, peer, text};
use crate::net::Event;

/// An exercise's event: a client's `task`, `result` or `notice`, a server's `progress`.
pub(super) fn classroom(v: &Value) -> Result<Event, String> {
    let peer = peer(v)?;
    Ok(match text(v, "event")? {
        "task" => Event::Task {
            peer,
            task: crate::wire::Task {
                exercise: text(v, "exercise")?.to_owned(),
                text: text(v, "text")?.to_owned(),
                material: text(v, "material")?.to_owned(),
            },
        },
        "result" => Event::Result {
            peer,
            correct: text(v, "result")? == crate::wire::frame::CORRECT,
            reason: text(v, "reason")?.to_owned(),
        },
        "notice" => Event::Notice {
            peer,
            text: text(v, "text")?.to_owned(),
        },
        _ => {
            use crate::net::exercise::Progress;
            let tries = u32::try_from(number(v, "tries")?).map_err(|_| "bad tries")?;
            let progress = match text(v, "state")? {
                "solved" => Progress::Solved {
                    tries,
                    taken: std::time::Duration::from_secs_f64(
                        v["seconds"].as_f64().ok_or("no seconds")?.max(0.0),
                    ),
                },
                _ => Progress::Working { tries },
            };
            Event::Progress {
                peer,
                name: text(v, "name")?.to_owned(),
                exercise: text(v, "exercise")?.to_owned(),
                progress,
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::super::event;
    use crate::net::{Event, Peer};

    #[test]
    fn the_exercise_events_read_back_as_they_were_written() {
        use crate::net::exercise::Progress;
        let peer = Peer {
            id: 3,
            addr: ([127, 0, 0, 1], 50_412).into(),
        };
        let progress = |progress| Event::Progress {
            peer,
            name: "alice".into(),
            exercise: "padding-oracle".into(),
            progress,
        };
        let events = [
            Event::Task {
                peer,
                task: crate::wire::Task {
                    exercise: "padding-oracle".into(),
                    text: "Recover the secret.".into(),
                    material: "00ff".into(),
                },
            },
            Event::Result {
                peer,
                correct: true,
                reason: "that is your secret: solved in 42 s".into(),
            },
            Event::Notice {
                peer,
                text: "five minutes left".into(),
            },
            progress(Progress::Working { tries: 7 }),
            progress(Progress::Solved {
                tries: 8,
                taken: std::time::Duration::from_millis(42_500),
            }),
        ];
        for written in events {
            let json = crate::json::event_json(&written, false);
            match event(&json) {
                // Events have no equality: their lines must be the same.
                Ok(Some(back)) => assert_eq!(crate::json::event_json(&back, false), json),
                other => panic!("{json}: {other:?}"),
            }
        }
    }
}
