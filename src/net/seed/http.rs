//! Seed 003 over HTTP: `POST /decrypt-mac` served with axum and called with hyper's client.
//! cipherlab parses only the JSON bodies; HTTP itself is left to those crates.

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes as Body;
use axum::extract::{ConnectInfo, DefaultBodyLimit, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::rt::TokioExecutor;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::time::timeout;

use crate::crypto::{Cipher, OpenOptions};
use crate::net::config::ServerConfig;
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
    let max_body = config.limits.max_frame;
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
    serve_app(listener, app, stopped, &events, "server").await;
}

/// Serves `app` on `listener` until `stopped`, with each request's peer address; a failure is
/// reported as the HTTP `role` (server or relay) failing. Shared by seed 003's server and
/// the man in the middle that relays it.
pub(crate) async fn serve_app(
    listener: TcpListener,
    app: Router,
    stopped: impl Future<Output = ()> + Send + 'static,
    events: &mpsc::Sender<Event>,
    role: &str,
) {
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stopped)
    .await;
    if let Err(e) = served {
        let message = format!("the HTTP {role} failed: {e}");
        emit(
            events,
            Event::Error {
                peer: None,
                message,
            },
        )
        .await;
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
