//! The connections a listening task is responsible for: a bounded number of them, each with a
//! bounded command queue, reaped as they finish. Shared by the server and the man in the middle.

use std::collections::HashMap;
use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpStream;
use tokio::sync::{Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::{Duration, timeout};
use tracing::Instrument;

use super::event::{Event, Peer, PeerId};
use super::session::emit;

/// How long shutdown waits for connections to finish before abandoning them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Live connections and their command queues.
pub(crate) struct Roster<C> {
    permits: Arc<Semaphore>,
    max: usize,
    queue_depth: usize,
    senders: HashMap<PeerId, mpsc::Sender<C>>,
    tasks: JoinSet<PeerId>,
    next_id: PeerId,
}

/// How a refusal says the limit is reached: `full: 8 clients connected (--max-clients)`.
pub(crate) fn full(max: usize) -> String {
    let clients = if max == 1 { "client" } else { "clients" };
    format!("full: {max} {clients} connected (--max-clients)")
}

impl<C: Send + 'static> Roster<C> {
    pub(crate) fn new(max: usize, queue_depth: usize) -> Roster<C> {
        Roster {
            permits: Arc::new(Semaphore::new(max)),
            max,
            queue_depth,
            senders: HashMap::new(),
            tasks: JoinSet::new(),
            next_id: 1,
        }
    }

    /// Takes on a new connection and runs `serve` for it, or, when the roster is full, writes
    /// it the bytes `refusal` makes of the reason (none at all when empty) and closes it.
    pub(crate) async fn admit<R, F, Fut>(
        &mut self,
        stream: TcpStream,
        addr: SocketAddr,
        events: &mpsc::Sender<Event>,
        refusal: R,
        serve: F,
    ) where
        R: FnOnce(&str) -> Vec<u8>,
        F: FnOnce(TcpStream, Peer, mpsc::Receiver<C>) -> Fut,
        Fut: Future<Output = ()> + Send + 'static,
    {
        let peer = Peer {
            id: self.next_id,
            addr,
        };
        self.next_id += 1;
        let Ok(permit) = self.permits.clone().try_acquire_owned() else {
            let reason = format!("server {}", full(self.max));
            // Small enough for an empty socket buffer; a peer that cannot take it loses nothing
            // it was promised.
            let bytes = refusal(&reason);
            if !bytes.is_empty() {
                let _ = stream.try_write(&bytes);
            }
            tracing::warn!(%peer, "refused: full");
            emit(
                events,
                Event::Error {
                    peer: Some(peer),
                    message: format!("refused {peer}: {reason}"),
                },
            )
            .await;
            return;
        };
        let (tx, rx) = mpsc::channel(self.queue_depth);
        self.senders.insert(peer.id, tx);
        let work = serve(stream, peer, rx);
        // In the caller's span, so that a connection's logs belong to whatever started it.
        self.tasks.spawn(
            async move {
                work.await;
                drop(permit);
                peer.id
            }
            .in_current_span(),
        );
    }

    /// Waits for one connection to finish and forgets it; never completes when there are none.
    pub(crate) async fn reap(&mut self) {
        match self.tasks.join_next().await {
            Some(Ok(id)) => {
                self.senders.remove(&id);
            }
            Some(Err(_)) => {}
            None => std::future::pending().await,
        }
    }

    /// Passes a command to one connection without ever blocking the caller's loop.
    pub(crate) async fn route(&self, to: PeerId, command: C, events: &mpsc::Sender<Event>) {
        let message = match self.senders.get(&to).map(|tx| tx.try_send(command)) {
            Some(Ok(())) => return,
            Some(Err(mpsc::error::TrySendError::Full(_))) => {
                format!("connection {to} is busy: its queue is full, command dropped")
            }
            Some(Err(mpsc::error::TrySendError::Closed(_))) | None => format!("no connection {to}"),
        };
        emit(
            events,
            Event::Error {
                peer: None,
                message,
            },
        )
        .await;
    }

    /// The live connections' numbers.
    pub(crate) fn ids(&self) -> Vec<PeerId> {
        self.senders.keys().copied().collect()
    }

    /// Waits for every connection to finish (after the caller has told them to), abandoning
    /// stragglers after a grace period.
    pub(crate) async fn drain(mut self) {
        tracing::info!(connections = self.tasks.len(), "shutting down");
        // The command queues stay open until the connections finish: a closed queue would read
        // as "the front end is gone" and race the shutdown's own goodbye.
        if timeout(SHUTDOWN_GRACE, async {
            while self.tasks.join_next().await.is_some() {}
        })
        .await
        .is_err()
        {
            tracing::warn!(
                remaining = self.tasks.len(),
                "connections did not finish in time; aborting them"
            );
            self.tasks.abort_all();
        }
    }
}
