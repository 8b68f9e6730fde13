//! Students of an exercise, for tests: a keyless client under a name, its TASK and RESULT.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use cipherlab::net::Event;
use cipherlab::wire::Task;

use super::{TestClient, client_config, start_client, wait_for};

/// A student without the key, connected to `addr` under `name`.
pub fn student(addr: std::net::SocketAddr, name: &str) -> TestClient {
    let mut config = client_config(addr, None, None);
    config.name = name.to_owned();
    config.keyless = true;
    config.limits.retry = cipherlab::net::Retry::NEVER;
    start_client(config)
}

/// The TASK the student was given.
pub async fn task_of(client: &mut TestClient) -> Task {
    match wait_for(&mut client.events, "a task", |e| {
        matches!(e, Event::Task { .. })
    })
    .await
    {
        Event::Task { task, .. } => task,
        _ => unreachable!(),
    }
}

/// The next RESULT: correct or not, and why.
pub async fn result_of(client: &mut TestClient) -> (bool, String) {
    match wait_for(&mut client.events, "a result", |e| {
        matches!(e, Event::Result { .. })
    })
    .await
    {
        Event::Result {
            correct, reason, ..
        } => (correct, reason),
        _ => unreachable!(),
    }
}
