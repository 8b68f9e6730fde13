//! The front end of `cipherlab attack`: each event as a JSON line (`--headless`), or as a line
//! of text for a person, and the exit status of DESIGN §9 (0 recovered, 1 failed, 2 usage).

use std::io::Write;
use std::process::ExitCode;

use tokio::sync::mpsc;

use super::{EXIT_FAILED, EXIT_OK, EXIT_USAGE, Output, Printer};
use crate::net::oracle::{self, Ending, Plan};
use crate::net::{self, ClientConfig, Event, NetError, OracleEvent, Role};

/// Runs `plan` against the server of `config`, printing as it goes.
pub async fn attack(config: ClientConfig, plan: Plan, out: Output, json: bool) -> ExitCode {
    let (event_tx, mut events) = mpsc::channel(net::EVENT_QUEUE);
    let task = tokio::spawn(oracle::run(config, plan, event_tx));
    let printer = Printer::new(&out, Role::Client);
    while let Some(event) = events.recv().await {
        let printed = if json {
            printer.print(&event)
        } else {
            say(&event)
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
fn say(event: &Event) -> bool {
    let Some(line) = text(event) else {
        return true;
    };
    let mut out = std::io::stdout().lock();
    writeln!(out, "{line}").and_then(|()| out.flush()).is_ok()
}

fn text(event: &Event) -> Option<String> {
    Some(match event {
        Event::Connected { peer, scheme, .. } => format!("connected to {peer} ({scheme})"),
        Event::Error { message, .. } => format!("error: {message}"),
        Event::Oracle(OracleEvent::Started {
            attack,
            target_len,
            block_size,
        }) => match block_size {
            Some(block) => format!(
                "{}: a {target_len}-byte secret in {block}-byte blocks",
                attack.name()
            ),
            None => format!("{}: {target_len} bytes to read", attack.name()),
        },
        Event::Oracle(OracleEvent::Byte {
            block,
            index,
            value,
            queries,
        }) => format!(
            "  block {block} byte {index:>2}: {value:02x} {} ({})",
            shown(*value),
            count(*queries)
        ),
        Event::Oracle(OracleEvent::Done {
            attack,
            plaintext,
            queries,
            seconds,
            key_len,
        }) => {
            let key = key_len.map_or(String::new(), |k| format!(" with a {k}-byte key"));
            format!(
                "{}: recovered{key} in {}, {seconds:.3} s: {:?}",
                attack.name(),
                count(*queries),
                String::from_utf8_lossy(plaintext)
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
