//! `cipherlab bench net`: a real lab server on 127.0.0.1 and C clients in this process, each
//! sending N messages of B bytes and waiting for each VERDICT (one message in flight per
//! client, as a person chatting would). Reports verified messages per second, round-trip
//! percentiles (DATA sent to VERDICT read), errors and peak memory.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use serde::Serialize;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Barrier, mpsc};
use tokio_util::codec::Framed;

use super::peak_rss_mb;
use crate::crypto::KeyExchange;
use crate::crypto::{Cipher, Key, KeySource, Scheme};
use crate::net::{self, Event, Limits, ServerConfig, system_clock};
use crate::wire::seed::Protocol;
use crate::wire::{Frame, Hello, LabCodec};

/// The most a whole run may take; past it the run reports what it has, as errors.
const RUN_LIMIT: Duration = Duration::from_secs(600);

/// What one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct NetFigures {
    /// The scheme.
    pub scheme: &'static str,
    /// Concurrent clients.
    pub clients: usize,
    /// Messages per client.
    pub messages: usize,
    /// Plaintext bytes per message.
    pub size: usize,
    /// Messages the server verified per second of wall time (all clients together).
    pub msgs_per_sec: f64,
    /// Median round trip, DATA sent to VERDICT read, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile round trip.
    pub p99_ms: f64,
    /// Slowest round trip.
    pub max_ms: f64,
    /// Messages that failed: not accepted, not answered, or a client that could not connect.
    pub errors: u64,
    /// Messages the server opened, counted from its events.
    pub verified: u64,
    /// The process's peak resident memory, in MB.
    pub peak_rss_mb: f64,
    /// Wall time of the sending phase, in seconds.
    pub seconds: f64,
}

/// Open files a run needs: both ends of every connection live in this one process, plus the
/// runtime's own.
fn files_needed(clients: usize) -> u64 {
    2 * clients as u64 + 64
}

/// Makes room for `clients` connections: raises the soft open-file limit to the hard one when
/// it is too low, and says what it did; refuses at once, with the figures, when even the
/// hard limit is too low (rather than deadlocking at the limit mid-run).
#[cfg(unix)]
pub fn make_room(clients: usize) -> Result<Option<String>, String> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let needed = files_needed(clients);
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.current.unwrap_or(u64::MAX);
    if soft >= needed {
        return Ok(None);
    }
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if hard < needed {
        return Err(format!(
            "{clients} clients need about {needed} open files, and this process may have at \
             most {hard} (the hard limit, ulimit -Hn): use fewer clients, or run the clients \
             in a process of their own"
        ));
    }
    let raised = Rlimit {
        current: limit.maximum,
        maximum: limit.maximum,
    };
    setrlimit(Resource::Nofile, raised).map_err(|e| format!("raising the open-file limit: {e}"))?;
    Ok(Some(format!(
        "raised the open-file limit from {soft} to the hard limit, {hard}: {clients} clients \
         need about {needed}"
    )))
}

/// Without rlimits there is nothing to raise.
#[cfg(not(unix))]
pub fn make_room(_clients: usize) -> Result<Option<String>, String> {
    Ok(None)
}

/// How long a bench client may take to connect and get WELCOME.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// One client: connect, shake hands, wait for the start, then send and time each message.
async fn client(
    addr: std::net::SocketAddr,
    scheme: Scheme,
    key: Key,
    messages: usize,
    size: usize,
    start: Arc<Barrier>,
) -> (Vec<u32>, u64) {
    let connected = async {
        let stream = TcpStream::connect(addr).await.map_err(|e| e.to_string())?;
        let _ = stream.set_nodelay(true);
        let mut framed = Framed::new(stream, LabCodec::default());
        framed
            .send(Frame::Hello(Hello {
                scheme: Some(scheme),
                name: "bench".into(),
                agreement: None,
            }))
            .await
            .map_err(|e| e.to_string())?;
        match framed.next().await {
            Some(Ok(Frame::Welcome(_))) => Ok(framed),
            other => Err(format!("no WELCOME: {other:?}")),
        }
    };
    // A client that cannot get through (the server full, the system out of files) fails
    // within the deadline instead of holding the start barrier for ever.
    let connection = match tokio::time::timeout(HANDSHAKE, connected).await {
        Ok(connection) => connection,
        Err(_) => Err(format!("no WELCOME within {} s", HANDSHAKE.as_secs())),
    };
    start.wait().await;
    let Ok(mut framed) = connection else {
        return (Vec::new(), messages as u64);
    };
    let cipher = Cipher::new(&key);
    let plaintext = vec![b'x'; size];
    let mut rtts = Vec::with_capacity(messages);
    let mut errors = 0;
    for seq in 1..=messages as u64 {
        let Ok(wire) = cipher.seal(&plaintext) else {
            errors += 1;
            continue;
        };
        let sent = Instant::now();
        if framed
            .send(Frame::Data {
                seq,
                sealed: Bytes::from(wire),
            })
            .await
            .is_err()
        {
            return (rtts, errors + messages as u64 - seq + 1);
        }
        match framed.next().await {
            Some(Ok(Frame::Verdict {
                seq: answered,
                verdict,
            })) if answered == seq => {
                rtts.push(u32::try_from(sent.elapsed().as_micros()).unwrap_or(u32::MAX));
                errors += u64::from(!verdict.is_accepted());
            }
            _ => return (rtts, errors + messages as u64 - seq + 1),
        }
    }
    let _ = framed.send(Frame::Bye { reason: None }).await;
    (rtts, errors)
}

fn percentile(sorted: &[u32], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    f64::from(sorted[rank.min(sorted.len() - 1)]) / 1000.0
}

/// Runs one load test on loopback.
///
/// # Errors
/// When the server cannot bind or no key can be made.
pub async fn run(
    scheme: Scheme,
    clients: usize,
    messages: usize,
    size: usize,
) -> Result<NetFigures, String> {
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let key = Key::generate(scheme).map_err(|e| e.to_string())?;
    let config = ServerConfig {
        protocol: Protocol::Lab,
        scheme,
        key: key.clone(),
        key_source: KeySource::Generated,
        key_exchange: KeyExchange::Psk,
        ttl: None,
        auto_reply: None,
        verdicts: crate::net::VerdictDetail::Detailed,
        nonce: crate::crypto::NoncePolicy::Random,
        limits: Limits {
            max_clients: clients.max(1),
            max_frame: (size * 2 + 1024).max(Limits::default().max_frame),
            ..Limits::default()
        },
        clock: system_clock(),
        class: None,
    };
    let (commands, command_rx) = mpsc::channel(16);
    let (event_tx, mut events) = mpsc::channel(net::EVENT_QUEUE);
    let verified = Arc::new(AtomicU64::new(0));
    let counter = verified.clone();
    let drain = tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if let Event::Received { opened, .. } = event
                && opened.verdict.is_accepted()
            {
                counter.fetch_add(1, Ordering::Relaxed);
            }
        }
    });
    let server = tokio::spawn(net::run_server(
        listener,
        config,
        command_rx,
        event_tx,
        std::future::pending(),
    ));

    let start = Arc::new(Barrier::new(clients + 1));
    let tasks: Vec<_> = (0..clients)
        .map(|_| {
            tokio::spawn(client(
                addr,
                scheme,
                key.clone(),
                messages,
                size,
                start.clone(),
            ))
        })
        .collect();
    start.wait().await;
    let began = Instant::now();
    let mut rtts = Vec::with_capacity(clients * messages);
    let mut errors = 0u64;
    let gathered = tokio::time::timeout(RUN_LIMIT, async {
        for task in tasks {
            match task.await {
                Ok((mut r, e)) => {
                    rtts.append(&mut r);
                    errors += e;
                }
                Err(_) => errors += messages as u64,
            }
        }
    })
    .await;
    let seconds = began.elapsed().as_secs_f64();
    if gathered.is_err() {
        errors += (clients * messages).saturating_sub(rtts.len()) as u64;
    }
    let _ = commands.send(net::ServerCommand::Shutdown).await;
    let _ = server.await;
    let _ = drain.await;
    rtts.sort_unstable();
    Ok(NetFigures {
        scheme: scheme.name(),
        clients,
        messages,
        size,
        msgs_per_sec: rtts.len() as f64 / seconds.max(1e-9),
        p50_ms: percentile(&rtts, 50.0),
        p99_ms: percentile(&rtts, 99.0),
        max_ms: percentile(&rtts, 100.0),
        errors,
        verified: verified.load(Ordering::Relaxed),
        peak_rss_mb: peak_rss_mb().unwrap_or(0.0),
        seconds,
    })
}

/// The figures as text.
pub fn summary(f: &NetFigures) -> String {
    format!(
        "{} · {} clients × {} messages of {} B\n{:.0} msgs/s verified · round trip p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms · {} errors · {} verified by the server · peak RSS {:.1} MB · {:.2} s\n",
        f.scheme,
        f.clients,
        f.messages,
        f.size,
        f.msgs_per_sec,
        f.p50_ms,
        f.p99_ms,
        f.max_ms,
        f.errors,
        f.verified,
        f.peak_rss_mb,
        f.seconds
    )
}
