//! Seed 003 over HTTP: `POST /decrypt-mac` served with axum and called with hyper's client.
//! cipherlab parses only the JSON bodies; HTTP itself is left to those crates. The serving is
//! bounded like every other wire: connections, header, body and keep-alive timeouts, and a
//! `Content-Length` refused from the header.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::body::{Body as AxumBody, Bytes as Body};
use axum::extract::{ConnectInfo, DefaultBodyLimit, Request, State};
use axum::http::{StatusCode, header};
use axum::middleware::{self, Next};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Extension, Router};
use bytes::Bytes;
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::server::conn::http1;
use hyper_util::client::legacy::Client;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::service::TowerToHyperService;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};
use tokio::task::JoinSet;
use tokio::time::timeout;
use tokio_util::sync::CancellationToken;

use crate::crypto::{Cipher, OpenOptions};
use crate::net::config::{Limits, ServerConfig};
use crate::net::event::{Event, Peer, ServerCommand};
use crate::net::session::emit;
use crate::wire::seed::{
    CBC_FAILED, CBC_MISSING, CBC_PATH, DecryptMacRequest, DecryptMacResponse, SeedRequestError,
};

struct Api {
    cipher: Cipher,
    config: ServerConfig,
    events: mpsc::Sender<Event>,
    next_id: AtomicU64,
}

/// A JSON response with the seed's status code.
fn reply(response: &DecryptMacResponse) -> Response {
    let status = StatusCode::from_u16(response.status()).unwrap_or(StatusCode::BAD_REQUEST);
    (
        status,
        [(header::CONTENT_TYPE, "application/json")],
        response.body(),
    )
        .into_response()
}

async fn decrypt_mac(
    State(api): State<Arc<Api>>,
    ConnectInfo(addr): ConnectInfo<SocketAddr>,
    body: Body,
) -> Response {
    let peer = Peer {
        id: api.next_id.fetch_add(1, Ordering::Relaxed),
        addr,
    };
    emit(
        &api.events,
        Event::Connected {
            peer,
            name: "seed 003 request".to_owned(),
            scheme: api.config.scheme,
            listed_as: None,
        },
    )
    .await;
    let response = match DecryptMacRequest::parse(&body).and_then(|request| request.to_wire()) {
        Ok(wire) => {
            let options = OpenOptions {
                now: (api.config.clock)(),
                ttl: None,
            };
            let opened = api.cipher.open_with(&wire, &options);
            tracing::info!(%peer, bytes = wire.len(), verdict = %opened.verdict, "verification result");
            let response = match &opened.plaintext {
                Some(plaintext) => {
                    DecryptMacResponse::Success(String::from_utf8_lossy(plaintext).into_owned())
                }
                None => DecryptMacResponse::Error(CBC_FAILED.to_owned()),
            };
            emit(
                &api.events,
                Event::Received {
                    peer,
                    seq: 1,
                    sealed: Bytes::from(wire),
                    opened,
                },
            )
            .await;
            response
        }
        Err(SeedRequestError::Missing) => DecryptMacResponse::Error(CBC_MISSING.to_owned()),
        Err(e) => {
            emit(
                &api.events,
                Event::Error {
                    peer: Some(peer),
                    message: format!("bad request: {e}"),
                },
            )
            .await;
            DecryptMacResponse::Error(CBC_FAILED.to_owned())
        }
    };
    emit(
        &api.events,
        Event::Disconnected {
            peer,
            reason: format!("answered HTTP {}", response.status()),
            unanswered: 0,
        },
    )
    .await;
    reply(&response)
}

/// Serves seed 003's API until `shutdown` or a [`ServerCommand::Shutdown`].
pub(crate) async fn serve(
    listener: TcpListener,
    config: ServerConfig,
    mut commands: mpsc::Receiver<ServerCommand>,
    events: mpsc::Sender<Event>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    let limits = config.limits;
    let max_body = limits.max_frame;
    let api = Arc::new(Api {
        cipher: Cipher::new(&config.key),
        config,
        events: events.clone(),
        next_id: AtomicU64::new(1),
    });
    let app = Router::new()
        .route(CBC_PATH, post(decrypt_mac))
        .layer(DefaultBodyLimit::max(max_body))
        .with_state(api);
    let stopped = async move {
        tokio::select! {
            () = shutdown => {}
            () = async { while let Some(command) = commands.recv().await { if command == ServerCommand::Shutdown { break; } } } => {}
        }
    };
    serve_app(listener, app, &limits, stopped, &events, "server").await;
}

/// How long shutdown waits for HTTP connections to finish before abandoning them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The bounds one HTTP connection is served under, taken from [`Limits`].
#[derive(Clone, Copy, Debug)]
struct Bounds {
    /// The largest request body (`--max-frame`); a `Content-Length` over it is refused from
    /// the header.
    max_body: usize,
    /// How long a request's headers may take to arrive. hyper starts this clock whenever the
    /// connection waits for a request, so it also ends an idle keep-alive connection.
    header_timeout: Duration,
    /// How long a request's whole body may take to arrive once its headers have.
    body_timeout: Duration,
}

impl Bounds {
    fn new(limits: &Limits) -> Bounds {
        Bounds {
            max_body: limits.max_frame,
            // An idle keep-alive connection is one waiting for headers, so the idle limit
            // bounds this clock too when it is the shorter.
            header_timeout: limits.handshake_timeout.min(limits.idle_timeout),
            body_timeout: limits.frame_timeout,
        }
    }
}

/// A refusal in seed 003's error shape, `{"status":"error","message":…}`, with `status`; the
/// connection is closed after it, since the rest of the request is never read.
fn refuse(status: StatusCode, message: String) -> Response {
    (
        status,
        [
            (header::CONTENT_TYPE, "application/json"),
            (header::CONNECTION, "close"),
        ],
        DecryptMacResponse::Error(message).body(),
    )
        .into_response()
}

/// Runs before every route: refuses a `Content-Length` over the limit from the header alone,
/// then reads the body within the size limit and the body timeout, so that a handler only
/// ever sees a whole, bounded body.
async fn guard(State(bounds): State<Bounds>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let claimed = parts
        .headers
        .get(header::CONTENT_LENGTH)
        .and_then(|value| value.to_str().ok())
        .and_then(|text| text.trim().parse::<u64>().ok());
    if let Some(claimed) = claimed
        && claimed > bounds.max_body as u64
    {
        let message = format!(
            "the request body claims {claimed} bytes, over the {}-byte limit",
            bounds.max_body
        );
        return refuse(StatusCode::PAYLOAD_TOO_LARGE, message);
    }
    let limited = Limited::new(body, bounds.max_body);
    let bytes = match timeout(bounds.body_timeout, limited.collect()).await {
        Ok(Ok(collected)) => collected.to_bytes(),
        Ok(Err(e)) if e.is::<LengthLimitError>() => {
            let message = format!(
                "the request body is over the {}-byte limit",
                bounds.max_body
            );
            return refuse(StatusCode::PAYLOAD_TOO_LARGE, message);
        }
        Ok(Err(e)) => {
            return refuse(StatusCode::BAD_REQUEST, format!("reading the body: {e}"));
        }
        Err(_) => {
            let message = format!(
                "the request body did not arrive within {} s",
                bounds.body_timeout.as_secs_f64()
            );
            return refuse(StatusCode::REQUEST_TIMEOUT, message);
        }
    };
    next.run(Request::from_parts(parts, AxumBody::from(bytes)))
        .await
}

/// Serves `app` on `listener` until `stopped`, under `limits`: at most `max_clients`
/// connections at once (an idle keep-alive socket holds its place; one over the limit is
/// closed at once), a header timeout that also ends idle keep-alive connections, a body
/// timeout, and a `Content-Length` over `max_frame` refused from the header. Each request
/// carries its peer address. A failure is reported as the HTTP `role` (server or relay)
/// failing. Shared by seed 003's server and the man in the middle that relays it.
pub(crate) async fn serve_app(
    listener: TcpListener,
    app: Router,
    limits: &Limits,
    stopped: impl Future<Output = ()> + Send + 'static,
    events: &mpsc::Sender<Event>,
    role: &str,
) {
    let bounds = Bounds::new(limits);
    let app = app.layer(middleware::from_fn_with_state(bounds, guard));
    let permits = Arc::new(Semaphore::new(limits.max_clients));
    let stop = CancellationToken::new();
    let mut connections = JoinSet::new();
    tokio::pin!(stopped);
    loop {
        tokio::select! {
            () = &mut stopped => break,
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
            accepted = listener.accept() => match accepted {
                Ok((stream, addr)) => {
                    // The permit is taken before hyper reads a byte, so that idle sockets count.
                    let Ok(permit) = permits.clone().try_acquire_owned() else {
                        drop(stream);
                        full(addr, limits.max_clients, events, role).await;
                        continue;
                    };
                    let service = TowerToHyperService::new(app.clone().layer(Extension(ConnectInfo(addr))));
                    connections.spawn(connection(stream, service, bounds, stop.clone(), permit));
                }
                Err(e) => {
                    let message = format!("the HTTP {role} failed to accept: {e}");
                    tracing::error!(error = %e, "accept failed");
                    emit(events, Event::Error { peer: None, message }).await;
                    // Usually out of file descriptors: back off instead of spinning.
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            },
        }
    }
    stop.cancel();
    drop(listener);
    if timeout(SHUTDOWN_GRACE, async {
        while connections.join_next().await.is_some() {}
    })
    .await
    .is_err()
    {
        connections.abort_all();
    }
}

/// Reports a connection closed unread because `max` are already served.
async fn full(addr: SocketAddr, max: usize, events: &mpsc::Sender<Event>, role: &str) {
    let message = format!(
        "refused {addr}: HTTP {role} {}",
        crate::net::roster::full(max)
    );
    tracing::warn!(%addr, "refused: full");
    emit(
        events,
        Event::Error {
            peer: None,
            message,
        },
    )
    .await;
}

/// Serves one HTTP/1 connection with hyper under `bounds` until it ends or `stop`, holding
/// `_permit` (its place under `--max-clients`) until then.
async fn connection<S>(
    stream: TcpStream,
    service: S,
    bounds: Bounds,
    stop: CancellationToken,
    _permit: OwnedSemaphorePermit,
) where
    S: hyper::service::HttpService<hyper::body::Incoming> + Send,
    S::Future: Send + 'static,
    S::ResBody: Send + 'static,
    <S::ResBody as hyper::body::Body>::Data: Send,
    <S::ResBody as hyper::body::Body>::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
    S::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let _ = stream.set_nodelay(true);
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(bounds.header_timeout)
        .keep_alive(true);
    let served = builder.serve_connection(TokioIo::new(stream), service);
    tokio::pin!(served);
    let result = tokio::select! {
        result = served.as_mut() => result,
        () = stop.cancelled() => {
            served.as_mut().graceful_shutdown();
            match timeout(SHUTDOWN_GRACE, served.as_mut()).await {
                Ok(result) => result,
                Err(_) => return,
            }
        }
    };
    if let Err(e) = result {
        // A timeout or a malformed request: hyper has closed the connection, which is the
        // answer; the lab only notes it.
        tracing::debug!(error = %e, "HTTP connection ended");
    }
}

/// Posts one seed 003 request to `http://{authority}/decrypt-mac`; returns the status and body.
///
/// # Errors
/// When the server cannot be reached or does not answer in time.
pub(crate) async fn post_request(
    authority: &str,
    request: &DecryptMacRequest,
    limit: Duration,
    max_body: usize,
) -> Result<(u16, Bytes), String> {
    let client = Client::builder(TokioExecutor::new()).build_http::<Full<Bytes>>();
    let body = serde_json::to_vec(request).map_err(|e| e.to_string())?;
    let http = hyper::Request::post(format!("http://{authority}{CBC_PATH}"))
        .header(header::CONTENT_TYPE, "application/json")
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| format!("bad address {authority}: {e}"))?;
    let call = async {
        let response = client
            .request(http)
            .await
            .map_err(|e| format!("cannot reach http://{authority}{CBC_PATH}: {e}"))?;
        let status = response.status().as_u16();
        let limited = http_body_util::Limited::new(response.into_body(), max_body);
        let body = limited
            .collect()
            .await
            .map_err(|e| format!("reading the response: {e}"))?
            .to_bytes();
        Ok::<_, String>((status, body))
    };
    timeout(limit, call)
        .await
        .map_err(|_| format!("http://{authority}{CBC_PATH} did not answer in time"))?
}
