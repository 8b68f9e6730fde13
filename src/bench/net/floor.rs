//! The floor: a bare tokio server that answers the same frames with no crypto, no events and
//! no per-connection bookkeeping. Each HELLO gets a WELCOME and each DATA an `authentic`
//! VERDICT without being opened. What the lab server does beyond this (opening, verdicts,
//! events to the front end, limits) is what `bench net` measures against it.

use futures_util::{SinkExt, StreamExt};
use tokio::net::TcpListener;
use tokio_util::codec::Framed;

use crate::crypto::{KeyExchange, Scheme, Verdict};
use crate::wire::{Frame, LabCodec, Welcome};

/// Serves on `listener` until the task is dropped.
pub async fn serve(listener: TcpListener, scheme: Scheme) {
    while let Ok((stream, _)) = listener.accept().await {
        let _ = stream.set_nodelay(true);
        tokio::spawn(async move {
            let mut framed = Framed::new(stream, LabCodec::default());
            while let Some(Ok(frame)) = framed.next().await {
                let answer = match frame {
                    Frame::Hello(_) => Frame::Welcome(Welcome {
                        scheme,
                        key_exchange: KeyExchange::Psk,
                        key: None,
                        agreement: None,
                        name: None,
                    }),
                    Frame::Data { seq, .. } => Frame::Verdict {
                        seq,
                        verdict: Verdict::Authentic,
                    },
                    _ => return,
                };
                if framed.send(answer).await.is_err() {
                    return;
                }
            }
        });
    }
}
