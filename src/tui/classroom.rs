//! The classroom's requests, passed from the screen to the network: a student's ANSWER and
//! wire bytes to their client, the instructor's NOTICE to the server.

use super::app::App;
use super::state::Request;
use crate::net::{ClientCommand, ServerCommand, Topology};

/// Which task a classroom request is for.
enum To {
    Client(ClientCommand),
    Server(ServerCommand),
}

/// Carries out an `Answer`, `SendWire` or `Notice` request (the runtime passes no other);
/// says so when nothing runs to take it.
pub(super) async fn handle(request: Request, topology: &Option<Topology>, app: &mut App) {
    let (to, refusal) = match request {
        Request::SendWire(wire) => (
            To::Client(ClientCommand::SendWire(wire)),
            "cannot send: the client is not running",
        ),
        Request::Answer(text) => (
            To::Client(ClientCommand::Answer(text)),
            "cannot answer: the client is not running",
        ),
        Request::Notice(text) => (
            To::Server(ServerCommand::Notice(text)),
            "cannot send the notice: the server is not running",
        ),
        _ => return,
    };
    let taken = match (topology, to) {
        (Some(topology), To::Client(command)) => topology.command_client(command).await,
        (Some(topology), To::Server(command)) => topology.command_server(command).await,
        (None, _) => false,
    };
    if !taken {
        app.show_error(refusal);
    }
}
