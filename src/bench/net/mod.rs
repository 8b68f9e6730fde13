//! `cipherlab bench net`: a real lab server on 127.0.0.1 and C clients ([`load`]), each
//! sending N messages of B bytes and waiting for each VERDICT. Reports verified messages per
//! second, round-trip percentiles (DATA sent to VERDICT read), errors and peak memory. With
//! `--floor` the server is [`floor`]'s bare echo instead, the same run's yardstick; with
//! `--clients-apart` the clients run in a process of their own.

pub mod floor;
pub mod load;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::Serialize;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

use super::peak_rss_mb;
use crate::crypto::{Key, KeyExchange, KeySource, Scheme};
use crate::net::{self, Event, Limits, ServerConfig, system_clock};
use crate::wire::seed::Protocol;

/// What one run measured.
#[derive(Debug, Clone, Serialize)]
pub struct NetFigures {
    /// The scheme.
    pub scheme: &'static str,
    /// What answered: `cipherlab` (the lab server) or `floor` (the bare echo, no crypto).
    pub server: &'static str,
    /// Whether the clients ran in a process of their own.
    pub clients_apart: bool,
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
    /// The bench process's peak resident memory, in MB (the server, and the clients unless
    /// they ran apart).
    pub peak_rss_mb: f64,
    /// The clients' process's peak resident memory when they ran apart, in MB.
    pub clients_rss_mb: Option<f64>,
    /// Wall time of the sending phase, in seconds.
    pub seconds: f64,
}

/// Open files a run needs: both ends of every connection when they live in this one process,
/// one end when the clients run apart, plus the runtime's own.
fn files_needed(clients: usize, apart: bool) -> u64 {
    (if apart { 1 } else { 2 }) * clients as u64 + 64
}

/// Makes room for `clients` connections: raises the soft open-file limit to the hard one when
/// it is too low, and says what it did; refuses at once, with the figures, when even the
/// hard limit is too low (rather than deadlocking at the limit mid-run).
#[cfg(unix)]
pub fn make_room(clients: usize, apart: bool) -> Result<Option<String>, String> {
    use rustix::process::{Resource, Rlimit, getrlimit, setrlimit};
    let needed = files_needed(clients, apart);
    let limit = getrlimit(Resource::Nofile);
    let soft = limit.current.unwrap_or(u64::MAX);
    if soft >= needed {
        return Ok(None);
    }
    let hard = limit.maximum.unwrap_or(u64::MAX);
    if hard < needed {
        return Err(format!(
            "{clients} clients need about {needed} open files, and this process may have at \
             most {hard} (the hard limit, ulimit -Hn): use fewer clients{}",
            if apart {
                ""
            } else {
                ", or --clients-apart to run them in a process of their own"
            }
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
pub fn make_room(_clients: usize, _apart: bool) -> Result<Option<String>, String> {
    Ok(None)
}

/// What a run puts against what.
#[derive(Debug, Clone, Copy)]
pub struct Plan {
    /// The scheme.
    pub scheme: Scheme,
    /// Concurrent clients.
    pub clients: usize,
    /// Messages per client.
    pub messages: usize,
    /// Plaintext bytes per message.
    pub size: usize,
    /// Serve with the bare echo of [`floor`] instead of the lab server.
    pub floor: bool,
    /// Run the clients in a process of their own.
    pub apart: bool,
}

/// Runs one load test on loopback.
///
/// # Errors
/// When the server cannot bind, no key can be made, or the clients' process fails.
pub async fn run(plan: Plan) -> Result<NetFigures, String> {
    let Plan {
        scheme,
        clients,
        messages,
        size,
        floor,
        apart,
    } = plan;
    let listener = TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    let key = Key::generate(scheme).map_err(|e| e.to_string())?;
    let verified = Arc::new(AtomicU64::new(0));
    let (commands, command_rx) = mpsc::channel(16);
    let (server, drain) = if floor {
        (tokio::spawn(floor::serve(listener, scheme)), None)
    } else {
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
        let (event_tx, mut events) = mpsc::channel(net::EVENT_QUEUE);
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
        let server = tokio::spawn(async move {
            let _ = net::run_server(
                listener,
                config,
                command_rx,
                event_tx,
                std::future::pending(),
            )
            .await;
        });
        (server, Some(drain))
    };
    let load = if apart {
        load::apart(addr, &key, &plan).await?
    } else {
        load::run(addr, &key, &plan).await
    };
    if let Some(drain) = drain {
        let _ = commands.send(net::ServerCommand::Shutdown).await;
        let _ = server.await;
        let _ = drain.await;
    } else {
        server.abort();
    }
    let verified = if floor {
        load.answered
    } else {
        verified.load(Ordering::Relaxed)
    };
    Ok(NetFigures {
        scheme: scheme.name(),
        server: if floor { "floor" } else { "cipherlab" },
        clients_apart: apart,
        clients,
        messages,
        size,
        msgs_per_sec: load.answered as f64 / load.seconds.max(1e-9),
        p50_ms: load.p50_ms,
        p99_ms: load.p99_ms,
        max_ms: load.max_ms,
        errors: load.errors,
        verified,
        peak_rss_mb: peak_rss_mb().unwrap_or(0.0),
        clients_rss_mb: apart.then_some(load.peak_rss_mb),
        seconds: load.seconds,
    })
}

/// The figures as text.
pub fn summary(f: &NetFigures) -> String {
    let apart = match f.clients_rss_mb {
        Some(mb) => format!(" · clients apart, their peak RSS {mb:.1} MB"),
        None => String::new(),
    };
    format!(
        "{} · {} server · {} clients × {} messages of {} B\n{:.0} msgs/s verified · round trip p50 {:.3} ms, p99 {:.3} ms, max {:.3} ms · {} errors · {} verified by the server · peak RSS {:.1} MB{apart} · {:.2} s\n",
        f.scheme,
        f.server,
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
