//! Keys stay out of every output without `--log-secrets`: here, the man in the middle's view of
//! a WELCOME that carries the key in the clear, over real loopback sockets, as its headless
//! output and recordings print it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use cipherlab::crypto::{KeyExchange, Scheme};
use cipherlab::json::{REDACTED, event_json};
use cipherlab::net::Event;
use cipherlab::wire::Frame;
use common::*;

/// The bytes an event line's `wire_hex` decodes to, as text (empty when it has none).
fn wire_text(line: &str) -> String {
    line.split("\"wire_hex\":\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .map(|h| String::from_utf8_lossy(&hex::decode(h).unwrap()).into_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn the_welcome_the_mitm_intercepts_under_send_does_not_print_the_key() {
    let server = start_server(server_config(Scheme::Fernet, KeyExchange::Send)).await;
    let key = server.key.to_text().to_string();
    let mut mitm = start_mitm(server.addr, vec![]).await;
    let mut client = start_client(client_config(mitm.addr, Some(Scheme::Fernet), None));
    client.exchange(&["hello"]).await;
    let welcome = wait_for(&mut mitm.events, "the WELCOME", |e| {
        matches!(
            e,
            Event::Intercepted {
                frame: Frame::Welcome(_),
                ..
            }
        )
    })
    .await;
    let mut seen = vec![welcome];
    seen.extend(drain(&mut mitm.events));

    let hidden: Vec<String> = seen
        .iter()
        .map(|e| event_json(e, false).to_string())
        .collect();
    let bare = key.trim_start_matches("base64:");
    for line in &hidden {
        let decoded = wire_text(line);
        assert!(
            !line.contains(bare) && !decoded.contains(bare),
            "the key leaks in {line} ({decoded})"
        );
    }
    let welcome_line = &hidden[0];
    assert!(
        welcome_line.contains("\"key_redacted\":true"),
        "{welcome_line}"
    );
    let shown = wire_text(welcome_line);
    assert!(shown.contains(REDACTED), "{shown}");

    // With --log-secrets the frame is shown as it crossed, key included.
    let bytes = wire_text(&event_json(&seen[0], true).to_string());
    assert!(bytes.contains(bare), "{bytes}");
}
