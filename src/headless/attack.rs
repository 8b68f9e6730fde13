//! The front end of `cipherlab attack`: each event as a JSON line (`--headless`), or as a line
//! of text for a person, and the exit status of DESIGN §9 (0 recovered, 1 failed, 2 usage).

use std::io::Write;
use std::process::ExitCode;

use tokio::sync::mpsc;

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, Output, Printer};
use crate::net::oracle::{self, Ending, Plan};
use crate::net::{self, AttackKind, ClientConfig, Event, NetError, OracleEvent, Role};

/// Runs `plan` against the server of `config`, printing as it goes.
pub async fn attack(config: ClientConfig, plan: Plan, out: Output, json: bool) -> ExitCode {
    let (event_tx, mut events) = mpsc::channel(net::EVENT_QUEUE);
    let task = tokio::spawn(oracle::run(config, plan, event_tx));
    let printer = Printer::new(&out, Role::Client);
    let mut attack = None;
    while let Some(event) = events.recv().await {
        if let Event::Oracle(OracleEvent::Started { attack: kind, .. }) = &event {
            attack = Some(*kind);
        }
        let printed = if json {
            printer.print(&event)
        } else {
            say(&event, attack)
        };
        if !printed {
            break;
        }
    }
    ExitCode::from(match task.await {
        Ok(Ok(Ending::Recovered)) => EXIT_OK,
        Ok(Err(NetError::MissingKey { .. } | NetError::Key { .. })) => EXIT_USAGE,
        _ => EXIT_FAILED,
    })
}

/// One event as a line of text; `false` when stdout is gone.
fn say(event: &Event, attack: Option<AttackKind>) -> bool {
    let Some(line) = text(event, attack) else {
        return true;
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
}

/// One event as text; `attack` is the attack under way, once `oracle-started` said.
fn text(event: &Event, attack: Option<AttackKind>) -> Option<String> {
    Some(match event {
        Event::Connected { peer, scheme, .. } => format!("connected to {peer} ({scheme})"),
        Event::Error { message, .. } => format!("error: {message}"),
        Event::Oracle(OracleEvent::Started {
            attack,
            target_len,
            block_size,
        }) => match block_size {
            Some(block) => format!(
                "{}: a secret of {target_len} bytes, in {block}-byte blocks",
                attack.name()
            ),
            None if *attack == AttackKind::Extend => format!(
                "extend: a message of {target_len} bytes, key lengths {} to {} to try",
                oracle::EXTEND_KEY_LENGTHS.start(),
                oracle::EXTEND_KEY_LENGTHS.end()
            ),
            None => format!(
                "{}: {target_len} bytes of ciphertext to read",
                attack.name()
            ),
        },
        Event::Oracle(OracleEvent::Byte {
            block,
            index,
            value,
            queries,
        }) => {
            let place = match attack {
                Some(AttackKind::ByteAtATime) => format!("secret byte {index:>3}"),
                _ => format!("block {block} byte {index:>2}"),
            };
            format!(
                "  {place}: {value:02x} {} ({})",
                shown(*value),
                count(*queries)
            )
        }
        Event::Oracle(OracleEvent::Done {
            attack,
            plaintext,
            queries,
            seconds,
            key_len,
        }) => {
            let key = key_len.map_or(String::new(), |k| format!(" with a {k}-byte key"));
            format!(
                "{}: recovered{key} in {}, {seconds:.3} s: \"{}\"",
                attack.name(),
                count(*queries),
                plaintext.escape_ascii()
            )
        }
        Event::Oracle(OracleEvent::Failed {
            attack,
            reason,
            queries,
        }) => format!(
            "{}: failed after {queries} queries: {reason}",
            attack.name()
        ),
        _ => return None,
    })
}

/// `1 query`, `7 queries`.
fn count(queries: u64) -> String {
    match queries {
        1 => "1 query".to_owned(),
        n => format!("{n} queries"),
    }
}

/// A byte as a character when it prints as one.
fn shown(value: u8) -> String {
    if value.is_ascii_graphic() || value == b' ' {
        format!("{:?}", value as char)
    } else {
        "·".to_owned()
    }
}
