//! The attacks' one socket: a lab client that shakes hands like any other, then asks its
//! questions as DATA frames, many in flight at once, and hears the server's VERDICTs (and its
//! DATA replies, which it answers as the protocol requires). Every wait has a deadline, so a
//! server that stops answering, or never was a lab server, ends the attack with an error.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpStream;
use tokio::time::timeout;
use tokio_util::codec::Framed;

use super::super::NetError;
use super::super::client::{Welcomed, session_key, shake_hands};
use super::super::config::{ClientConfig, Limits};
use super::super::event::Peer;
use crate::crypto::{Cipher, Key, KeySource, Reason, Scheme, Verdict};
use crate::wire::{Frame, LabCodec, Welcome};

/// How long the server may take to answer a question.
pub(crate) const ANSWER_TIMEOUT: Duration = Duration::from_secs(10);

/// Waits for a write, under the write timeout.
async fn written(
    limits: &Limits,
    write: impl std::future::Future<Output = Result<(), crate::wire::FrameError>>,
) -> Result<(), NetError> {
    match timeout(limits.write_timeout, write).await {
        Ok(Ok(())) => Ok(()),
        Ok(Err(e)) => Err(NetError::Ended(format!("write failed: {e}"))),
        Err(_) => Err(NetError::Ended(format!(
            "the server stopped reading: a question could not be written within {} s",
            limits.write_timeout.as_secs()
        ))),
    }
}

/// What the server said.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Heard {
    /// Its verdict on question `seq`.
    Verdict {
        /// The question's number.
        seq: u64,
        /// What it concluded.
        verdict: Verdict,
    },
    /// A DATA reply of its own (already answered with a VERDICT).
    Reply {
        /// The sealed bytes.
        sealed: Bytes,
    },
}

/// A lab connection used to ask questions.
pub(crate) struct Line {
    framed: Framed<TcpStream, LabCodec>,
    peer: Peer,
    /// The session's cipher, when the handshake gave one (to answer the server's replies).
    cipher: Option<Cipher>,
    limits: Limits,
    /// The session's scheme, from WELCOME.
    scheme: Scheme,
    /// The session key and where it came from, when there is one to use.
    key: Option<(Key, KeySource)>,
    /// Questions written but not yet flushed.
    unflushed: bool,
}

impl Line {
    /// Connects to a lab server and shakes hands. Under `psk` without a key of our own the
    /// line has no key, and needs none to ask a padding oracle.
    ///
    /// # Errors
    /// [`NetError`] when the connection or the handshake fails.
    pub(crate) async fn open(config: &ClientConfig) -> Result<Line, NetError> {
        let Welcomed {
            framed,
            peer,
            welcome,
            agreement,
            ..
        } = shake_hands(config, 1).await?;
        let Welcome { scheme, .. } = welcome;
        let key = match session_key(config, &welcome, agreement) {
            Ok(found) => Some(found),
            Err(NetError::MissingKey { .. }) => None,
            Err(e) => return Err(e),
        };
        Ok(Line {
            framed,
            peer,
            cipher: key.as_ref().map(|(key, _)| Cipher::new(key)),
            limits: config.limits,
            scheme,
            key,
            unflushed: false,
        })
    }

    /// The server.
    pub(crate) fn peer(&self) -> Peer {
        self.peer
    }

    /// The session's scheme.
    pub(crate) fn scheme(&self) -> Scheme {
        self.scheme
    }

    /// The session key, if the handshake gave one (sent in the clear, agreed, or our own
    /// pre-shared key).
    pub(crate) fn key(&self) -> Option<&(Key, KeySource)> {
        self.key.as_ref()
    }

    /// Queues question `seq`; it goes out at the next [`Line::hear`] or [`Line::flush`].
    ///
    /// # Errors
    /// A question too large for a frame, or a failed write.
    pub(crate) async fn ask(&mut self, seq: u64, sealed: Vec<u8>) -> Result<(), NetError> {
        if 1 + 8 + sealed.len() > self.limits.max_frame {
            return Err(NetError::Ended(format!(
                "a {}-byte question is over the {}-byte frame limit (--max-frame)",
                sealed.len(),
                self.limits.max_frame
            )));
        }
        let frame = Frame::Data {
            seq,
            sealed: Bytes::from(sealed),
        };
        written(&self.limits, self.framed.feed(frame)).await?;
        self.unflushed = true;
        Ok(())
    }

    /// Sends every queued question.
    ///
    /// # Errors
    /// A write that fails or does not finish in time.
    pub(crate) async fn flush(&mut self) -> Result<(), NetError> {
        if std::mem::take(&mut self.unflushed) {
            written(&self.limits, SinkExt::<Frame>::flush(&mut self.framed)).await?;
        }
        Ok(())
    }

    /// The next thing the server says, waiting at most `wait`. A DATA reply is answered with
    /// a VERDICT before it is returned.
    ///
    /// # Errors
    /// The server closed, said ERROR or BYE, broke the protocol, or said nothing in time.
    pub(crate) async fn hear_within(&mut self, wait: Duration) -> Result<Heard, NetError> {
        self.flush().await?;
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = match tokio::time::timeout_at(deadline, self.framed.next()).await {
                Err(_) => {
                    return Err(NetError::Ended(format!(
                        "the server did not answer within {} s",
                        wait.as_secs()
                    )));
                }
                Ok(None) => {
                    return Err(NetError::Ended(
                        "the server closed the connection".to_owned(),
                    ));
                }
                Ok(Some(Err(e))) => return Err(NetError::Ended(e.to_string())),
                Ok(Some(Ok(frame))) => frame,
            };
            match frame {
                Frame::Verdict { seq, verdict } => return Ok(Heard::Verdict { seq, verdict }),
                Frame::Data { seq, sealed } => {
                    // Every DATA gets one VERDICT; without the key all we can say is
                    // "rejected".
                    let verdict = match &self.cipher {
                        Some(cipher) => cipher.open(&sealed).verdict,
                        None => Verdict::Rejected(Reason::Withheld),
                    };
                    let answer = Frame::Verdict { seq, verdict };
                    written(&self.limits, self.framed.send(answer)).await?;
                    return Ok(Heard::Reply { sealed });
                }
                Frame::Error { reason } => return Err(NetError::Refused(reason)),
                Frame::Bye { reason } => {
                    return Err(NetError::Ended(match reason {
                        Some(reason) => format!("the server said BYE: {reason}"),
                        None => "the server said BYE".to_owned(),
                    }));
                }
                // An exercise's TASK, RESULT or NOTICE, or a kind from a later version: not
                // the attack's business.
                Frame::Task(_)
                | Frame::Result { .. }
                | Frame::Notice { .. }
                | Frame::Unknown { .. } => {}
                other => {
                    return Err(NetError::Ended(format!(
                        "unexpected {} from the server",
                        other.kind_name()
                    )));
                }
            }
        }
    }

    /// [`Line::hear_within`] the usual deadline.
    ///
    /// # Errors
    /// As [`Line::hear_within`].
    pub(crate) async fn hear(&mut self) -> Result<Heard, NetError> {
        self.hear_within(ANSWER_TIMEOUT).await
    }

    /// Says BYE and closes.
    pub(crate) async fn close(mut self) {
        let bye = Frame::Bye {
            reason: Some("attack over".to_owned()),
        };
        let _ = timeout(self.limits.write_timeout, self.framed.send(bye)).await;
    }
}
