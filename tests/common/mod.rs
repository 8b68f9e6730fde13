//! Shared test scaffolding: real servers on 127.0.0.1 port 0, raw frame I/O, and event
//! collection with deadlines so that no test can hang.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod classroom;
pub mod process;
pub mod pty;
pub mod screen;

use std::net::SocketAddr;
use std::time::Duration;

use bytes::{Bytes, BytesMut};
use cipherlab::crypto::KeyExchange;
use cipherlab::crypto::{Key, KeySource, Scheme};
use cipherlab::net::{
    self, ClientCommand, ClientConfig, Event, KeyText, Limits, ServerCommand, ServerConfig,
    system_clock,
};
use cipherlab::wire::{Frame, Hello, LabCodec};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::timeout;
use tokio_util::codec::Decoder;

/// How long any single wait in a test may take before the test fails.
pub const DEADLINE: Duration = Duration::from_secs(10);

/// A server running in this process on an ephemeral loopback port.
pub struct TestServer {
    pub addr: SocketAddr,
    pub events: mpsc::Receiver<Event>,
    pub commands: mpsc::Sender<ServerCommand>,
    pub task: JoinHandle<()>,
    pub key: Key,
}

pub fn server_config(scheme: Scheme, exchange: KeyExchange) -> ServerConfig {
    ServerConfig {
        protocol: cipherlab::wire::seed::Protocol::Lab,
        scheme,
        key: Key::generate(scheme).unwrap(),
        key_source: KeySource::Generated,
        key_exchange: exchange,
        ttl: None,
        auto_reply: None,
        verdicts: cipherlab::net::VerdictDetail::Detailed,
        nonce: cipherlab::crypto::NoncePolicy::Random,
        limits: Limits::default(),
        clock: system_clock(),
        class: None,
    }
}

pub async fn start_server(config: ServerConfig) -> TestServer {
    start_server_at("127.0.0.1:0".parse().unwrap(), config).await
}

/// A server on `addr`: port 0 for any, or a port freed by a server that has stopped.
pub async fn start_server_at(addr: SocketAddr, config: ServerConfig) -> TestServer {
    let listener = TcpListener::bind(addr).await.unwrap();
    let addr = listener.local_addr().unwrap();
    let key = config.key.clone();
    let (commands, command_rx) = mpsc::channel(64);
    let (event_tx, events) = mpsc::channel(net::EVENT_QUEUE);
    let task = tokio::spawn(net::run_server(
        listener,
        config,
        command_rx,
        event_tx,
        std::future::pending(),
    ));
    TestServer {
        addr,
        events,
        commands,
        task,
        key,
    }
}

/// Waits for the first event matching `pred`, failing the test at the deadline.
pub async fn wait_for(
    events: &mut mpsc::Receiver<Event>,
    what: &str,
    pred: impl Fn(&Event) -> bool,
) -> Event {
    let found = timeout(DEADLINE, async {
        while let Some(event) = events.recv().await {
            if pred(&event) {
                return Some(event);
            }
        }
        None
    })
    .await;
    match found {
        Ok(Some(event)) => event,
        Ok(None) => panic!("event stream ended before {what}"),
        Err(_) => panic!("timed out waiting for {what}"),
    }
}

/// A client in this process, driven by commands.
pub struct TestClient {
    pub events: mpsc::Receiver<Event>,
    pub commands: mpsc::Sender<ClientCommand>,
    pub task: JoinHandle<Result<(), net::NetError>>,
}

pub fn client_config(addr: SocketAddr, scheme: Option<Scheme>, key: Option<&Key>) -> ClientConfig {
    ClientConfig {
        protocol: cipherlab::wire::seed::Protocol::Lab,
        connect: addr.to_string(),
        scheme,
        name: "tester".to_owned(),
        key: key.map(|k| KeyText {
            text: format!("hex:{}", hex::encode(k.as_bytes())).into(),
            origin: "test".into(),
        }),
        keyless: false,
        ttl: None,
        nonce: cipherlab::crypto::NoncePolicy::Random,
        limits: Limits::default(),
        clock: system_clock(),
    }
}

pub fn start_client(config: ClientConfig) -> TestClient {
    let (commands, command_rx) = mpsc::channel(64);
    let (event_tx, events) = mpsc::channel(net::EVENT_QUEUE);
    let task = tokio::spawn(net::run_client(config, command_rx, event_tx));
    TestClient {
        events,
        commands,
        task,
    }
}

impl TestClient {
    /// Sends `messages` and returns the verdicts the server gave, in order of arrival.
    pub async fn exchange(&mut self, messages: &[&str]) -> Vec<(u64, cipherlab::crypto::Verdict)> {
        for m in messages {
            self.commands
                .send(ClientCommand::Send(Bytes::from(m.to_string())))
                .await
                .unwrap();
        }
        let mut verdicts = vec![];
        while verdicts.len() < messages.len() {
            if let Event::Verdict { seq, verdict, .. } =
                wait_for(&mut self.events, "a verdict", |e| {
                    matches!(e, Event::Verdict { .. })
                })
                .await
            {
                verdicts.push((seq, verdict));
            }
        }
        verdicts
    }
}

/// A raw TCP peer that speaks frames by hand.
pub struct RawPeer {
    pub stream: TcpStream,
    buf: BytesMut,
}

impl RawPeer {
    pub async fn connect(addr: SocketAddr) -> RawPeer {
        RawPeer {
            stream: TcpStream::connect(addr).await.unwrap(),
            buf: BytesMut::new(),
        }
    }

    pub async fn send_raw(&mut self, bytes: &[u8]) {
        self.stream.write_all(bytes).await.unwrap();
    }

    pub async fn send(&mut self, frame: &Frame) {
        self.send_raw(&frame.to_bytes()).await;
    }

    pub async fn hello(&mut self, scheme: Option<Scheme>) -> Frame {
        self.send(&Frame::Hello(Hello {
            scheme,
            name: "raw".into(),
            agreement: None,
        }))
        .await;
        self.read_frame().await.expect("WELCOME")
    }

    /// The next frame, or `None` when the server closed the connection.
    pub async fn read_frame(&mut self) -> Option<Frame> {
        let mut codec = LabCodec::default();
        timeout(DEADLINE, async {
            loop {
                if let Some(frame) = codec.decode(&mut self.buf).unwrap() {
                    return Some(frame);
                }
                if self.stream.read_buf(&mut self.buf).await.unwrap_or(0) == 0 {
                    return None;
                }
            }
        })
        .await
        .expect("timed out reading a frame")
    }

    /// Reads frames until the server closes; returns them all.
    pub async fn read_until_closed(&mut self) -> Vec<Frame> {
        let mut frames = vec![];
        while let Some(frame) = self.read_frame().await {
            frames.push(frame);
        }
        frames
    }
}

/// The ERROR reason in `frames`, if any.
pub fn error_reason(frames: &[Frame]) -> Option<String> {
    frames.iter().find_map(|f| match f {
        Frame::Error { reason } => Some(reason.clone()),
        _ => None,
    })
}

/// A man in the middle running in this process, forwarding to `upstream`.
pub struct TestMitm {
    pub addr: SocketAddr,
    pub events: mpsc::Receiver<Event>,
    pub commands: mpsc::Sender<cipherlab::net::MitmCommand>,
    pub task: JoinHandle<()>,
}

pub async fn start_mitm(
    upstream: SocketAddr,
    plan: Vec<(u64, cipherlab::crypto::Tamper)>,
) -> TestMitm {
    start_mitm_with(cipherlab::net::MitmConfig {
        protocol: cipherlab::wire::seed::Protocol::Lab,
        scheme: None,
        upstream: upstream.to_string(),
        plan,
        intercept: false,
        oracle: None,
        known: Vec::new(),
        limits: Limits::default(),
    })
    .await
}

/// A man in the middle with any configuration (the seed wire, other limits).
pub async fn start_mitm_with(config: cipherlab::net::MitmConfig) -> TestMitm {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (commands, command_rx) = mpsc::channel(64);
    let (event_tx, events) = mpsc::channel(net::EVENT_QUEUE);
    let task = tokio::spawn(net::run_mitm(
        listener,
        config,
        command_rx,
        event_tx,
        std::future::pending(),
    ));
    TestMitm {
        addr,
        events,
        commands,
        task,
    }
}

/// Drains events that are already queued, without waiting.
pub fn drain(events: &mut mpsc::Receiver<Event>) -> Vec<Event> {
    let mut out = vec![];
    while let Ok(event) = events.try_recv() {
        out.push(event);
    }
    out
}
