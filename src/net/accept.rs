//! One accept loop for every listening task: the server and both men in the middle take
//! connections here, up to `--max-clients`, refuse the next one the same way (the service's
//! [`Service::refusal`] bytes and an `error` event, from [`Roster::admit`]), route the front
//! end's commands, and on shutdown stop every connection and wait for them.

use std::future::Future;
use std::pin::Pin;

use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::time::Duration;
use tokio_util::sync::CancellationToken;

use super::config::Limits;
use super::event::{Event, Peer};
use super::roster::Roster;
use super::session::emit;
use crate::wire::Frame;

/// One connection's work, boxed so that each service can return its own `async` block.
pub(crate) type Connection = Pin<Box<dyn Future<Output = ()> + Send + 'static>>;

/// Whether the accept loop goes on after a command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Flow {
    /// Keep accepting.
    Continue,
    /// Shut down: stop every connection and wait for them.
    Stop,
}

/// What a listening task does with each connection and with its front end's commands.
pub(crate) trait Service: Send {
    /// What the front end asks of the task as a whole.
    type Command: Send;
    /// What one connection may be asked, through its bounded queue.
    type Order: Send + 'static;

    /// Runs one admitted connection until it ends or `stop` is cancelled.
    fn serve(
        &self,
        stream: TcpStream,
        peer: Peer,
        orders: mpsc::Receiver<Self::Order>,
        stop: CancellationToken,
    ) -> Connection;

    /// The bytes a connection refused for `reason` (the server is full) gets before it is
    /// closed. The lab wire says it in an ERROR frame; a seed wire must not, since a seed
    /// program would read lab bytes as its key or its reply.
    fn refusal(&self, reason: &str) -> Vec<u8> {
        lab_refusal(reason)
    }

    /// Handles one command from the front end, routing what concerns one connection through
    /// `roster`.
    fn command(
        &mut self,
        command: Self::Command,
        roster: &mut Roster<Self::Order>,
        events: &mpsc::Sender<Event>,
    ) -> impl Future<Output = Flow> + Send;
}

/// Accepts connections on `listener` up to `limits.max_clients` and runs `service` for
/// each, until `shutdown` completes or a command says stop; then stops every connection and
/// waits for them (bounded by the roster's grace period).
pub(crate) async fn accept_loop<S: Service>(
    listener: TcpListener,
    limits: Limits,
    mut service: S,
    mut commands: mpsc::Receiver<S::Command>,
    events: mpsc::Sender<Event>,
    shutdown: impl Future<Output = ()> + Send,
) {
    let stop = CancellationToken::new();
    let mut roster: Roster<S::Order> = Roster::new(limits.max_clients, limits.queue_depth);
    tokio::pin!(shutdown);
    let mut commanded = true;
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    let refuse = |reason: &str| service.refusal(reason);
                    let work = |stream, peer, orders| service.serve(stream, peer, orders, stop.clone());
                    roster.admit(stream, addr, &events, refuse, work).await;
                }
                Err(e) => accept_failed(&e, &events).await,
            },
            () = roster.reap() => {}
            command = commands.recv(), if commanded => match command {
                Some(command) => {
                    if service.command(command, &mut roster, &events).await == Flow::Stop {
                        break;
                    }
                }
                // No front end can command us any more; keep serving until `shutdown`.
                None => commanded = false,
            },
            () = &mut shutdown => break,
        }
    }
    stop.cancel();
    drop(listener);
    roster.drain().await;
}

/// The lab wire's refusal: an ERROR frame with the reason.
pub(crate) fn lab_refusal(reason: &str) -> Vec<u8> {
    Frame::Error {
        reason: reason.to_owned(),
    }
    .to_bytes()
    .to_vec()
}

/// Reports a failed accept (usually out of file descriptors) and backs off instead of spinning.
async fn accept_failed(error: &std::io::Error, events: &mpsc::Sender<Event>) {
    tracing::error!(%error, "accept failed");
    emit(
        events,
        Event::Error {
            peer: None,
            message: format!("accept failed: {error}"),
        },
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
}
