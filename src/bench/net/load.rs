//! The load: C clients, each sending N messages of B bytes and waiting for each VERDICT (one
//! message in flight per client, as a person chatting would), timed from the moment all of
//! them have shaken hands. It runs in the bench's own process, or in a child process of its
//! own (`--clients-apart`), as a classroom's clients are, so that 10,000 connections need
//! 10,000 open files per process rather than 20,000.

use std::sync::Arc;
use std::time::{Duration, Instant};

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use serde::{Deserialize, Serialize};
use tokio::net::TcpStream;
use tokio::sync::Barrier;
use tokio_util::codec::Framed;

use super::Plan;
use crate::crypto::{Cipher, Key, Scheme};
use crate::wire::{Frame, Hello, LabCodec};

/// The most a whole run may take; past it the run reports what it has, as errors.
pub const RUN_LIMIT: Duration = Duration::from_secs(600);

/// How long a bench client may take to connect and get WELCOME.
const HANDSHAKE: Duration = Duration::from_secs(10);

/// The environment variable that hands the key to a load process (never a command line,
/// which any user of the machine can read).
pub const KEY_VAR: &str = "CIPHERLAB_BENCH_KEY";

/// What the clients measured.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Load {
    /// Messages answered, with their verdicts.
    pub answered: u64,
    /// Messages that failed: not accepted, not answered, or a client that could not connect.
    pub errors: u64,
    /// Wall time of the sending phase, in seconds.
    pub seconds: f64,
    /// Round trips, DATA sent to VERDICT read, in milliseconds.
    pub p50_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Slowest.
    pub max_ms: f64,
    /// Peak resident memory of the process that ran the clients, in MB (0 when unknown).
    pub peak_rss_mb: f64,
}

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

/// Runs the plan's clients against `addr` in this process.
pub async fn run(addr: std::net::SocketAddr, key: &Key, plan: &Plan) -> Load {
    let Plan {
        scheme,
        clients,
        messages,
        size,
        ..
    } = *plan;
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
    rtts.sort_unstable();
    Load {
        answered: rtts.len() as u64,
        errors,
        seconds,
        p50_ms: percentile(&rtts, 50.0),
        p99_ms: percentile(&rtts, 99.0),
        max_ms: percentile(&rtts, 100.0),
        peak_rss_mb: super::super::peak_rss_mb().unwrap_or(0.0),
    }
}

/// Runs the clients in a child process (this binary's hidden `bench net --load-only ADDR`),
/// handing it the key through [`KEY_VAR`], and reads its one JSON line.
///
/// # Errors
/// When the child cannot start, fails, or prints no figures.
pub async fn apart(addr: std::net::SocketAddr, key: &Key, plan: &Plan) -> Result<Load, String> {
    let exe = std::env::current_exe().map_err(|e| format!("finding this program: {e}"))?;
    let child = tokio::process::Command::new(exe)
        .args(["bench", "net", "--scheme", plan.scheme.name()])
        .args(["--clients", &plan.clients.to_string()])
        .args(["--messages", &plan.messages.to_string()])
        .args(["--size", &plan.size.to_string()])
        .args(["--load-only", &addr.to_string()])
        .env(KEY_VAR, hex::encode(key.as_bytes()))
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("starting the load process: {e}"))?;
    let out = tokio::time::timeout(RUN_LIMIT + HANDSHAKE, child.wait_with_output())
        .await
        .map_err(|_| "the load process did not finish in time".to_owned())?
        .map_err(|e| format!("the load process: {e}"))?;
    let text = String::from_utf8_lossy(&out.stdout);
    let line = text.lines().last().unwrap_or_default();
    serde_json::from_str(line)
        .map_err(|e| format!("the load process ({}) printed no figures: {e}", out.status))
}

/// The key a load process was handed.
///
/// # Errors
/// When the variable is missing or not a key of `scheme`.
pub fn key_from_env(scheme: Scheme) -> Result<Key, String> {
    let text = std::env::var(KEY_VAR)
        .map_err(|_| format!("--load-only needs the key in {KEY_VAR} (bench net sets it)"))?;
    let bytes = hex::decode(text.trim()).map_err(|e| format!("{KEY_VAR}: {e}"))?;
    Key::from_bytes(scheme, bytes).map_err(|e| format!("{KEY_VAR}: {e}"))
}
