//! How a relayed connection ends: the watchdog's verdict on a stalled side, and what each
//! ending says to the client and the server (BYE, ERROR, or ERROR for a server that vanished).

use super::*;

pub(super) async fn unreachable_upstream(
    client: &mut Framed<TcpStream, LabCodec>,
    peer: Peer,
    upstream: &str,
    cause: &str,
    events: &mpsc::Sender<Event>,
    limits: &Limits,
) {
    let reason = format!("the man in the middle cannot reach the server at {upstream}: {cause}");
    tracing::warn!(%peer, %reason, "upstream unreachable");
    emit(
        events,
        Event::Error {
            peer: Some(peer),
            message: reason.clone(),
        },
    )
    .await;
    let _ = write_frame(
        client,
        Frame::Error {
            reason: reason.clone(),
        },
        limits,
    )
    .await;
    emit(
        events,
        Event::Disconnected {
            peer,
            reason,
            unanswered: 0,
        },
    )
    .await;
}

impl Relay {
    /// On a tick: a stalled side ends the relay.
    pub(super) fn check(
        &mut self,
        client: &mut Watch,
        server: &mut Watch,
        started: Instant,
    ) -> Result<(), End> {
        if !self.welcomed && started.elapsed() >= self.limits.handshake_timeout {
            return Err(End::Closed(format!(
                "the server at the other end sent no WELCOME within {} s",
                self.limits.handshake_timeout.as_secs()
            )));
        }
        let sides = [
            (
                Direction::ToServer,
                client,
                self.client.read_buffer().is_empty(),
            ),
            (
                Direction::ToClient,
                server,
                self.server.read_buffer().is_empty(),
            ),
        ];
        for (at, watch, empty) in sides {
            match watch.check(!empty, &self.limits) {
                Some(Stall::SlowFrame(reason)) => return Err(End::Fault { at, reason }),
                Some(Stall::Idle(reason)) => return Err(End::Closed(reason)),
                None => {}
            }
        }
        Ok(())
    }

    pub(super) async fn finish(mut self, end: End) {
        let reason = match end {
            End::Closed(reason) => {
                let bye = || Frame::Bye {
                    reason: Some(reason.clone()),
                };
                let _ = write_frame(&mut self.client, bye(), &self.limits).await;
                let _ = write_frame(&mut self.server, bye(), &self.limits).await;
                reason
            }
            End::Lost(reason) => {
                let error = Frame::Error {
                    reason: reason.clone(),
                };
                let _ = write_frame(&mut self.client, error, &self.limits).await;
                self.emit(Event::Error {
                    peer: Some(self.peer),
                    message: reason.clone(),
                })
                .await;
                reason
            }
            End::Fault { at, reason } => {
                let culprit = if at == Direction::ToServer {
                    &mut self.client
                } else {
                    &mut self.server
                };
                let _ = write_frame(
                    culprit,
                    Frame::Error {
                        reason: reason.clone(),
                    },
                    &self.limits,
                )
                .await;
                let side = if at == Direction::ToServer {
                    "client"
                } else {
                    "server"
                };
                let message = format!("the {side} sent a bad frame: {reason}");
                self.emit(Event::Error {
                    peer: Some(self.peer),
                    message: message.clone(),
                })
                .await;
                message
            }
        };
        let unanswered = self.attack.held();
        tracing::info!(peer = %self.peer, %reason, "relay closed");
        self.emit(Event::Disconnected {
            peer: self.peer,
            reason,
            unanswered,
        })
        .await;
    }
}
