//! Running the network tasks for a front end: one role, or the demo's client → man in the
//! middle → server chain on loopback. Every event is tagged with its role and a generation
//! number, so a front end can ignore stragglers from a topology it has replaced.

use bytes::Bytes;
use tokio::net::TcpListener;
use tokio::sync::mpsc;
use tokio::task::JoinHandle;
use tokio::time::{Duration, timeout};
use tracing::Instrument;

use std::net::SocketAddr;

use super::config::{
    AutoReply, ClientConfig, KeyText, Limits, MitmConfig, ServerConfig, VerdictDetail, system_clock,
};
use super::event::{ClientCommand, Event, MitmCommand, PeerId, ServerCommand};
use super::oracle::Plan;
use super::{EVENT_QUEUE, NetError};
use crate::crypto::KeyExchange;
use crate::crypto::{Key, KeySource, NoncePolicy, Scheme, Tamper};
use crate::wire::seed::Protocol;

/// Which part of the lab an event comes from.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// The client.
    Client,
    /// The man in the middle: what is on the wire.
    Mitm,
    /// The server.
    Server,
}

/// An event with its topology generation and role.
pub type Tagged = (u64, Role, Event);

/// How the demo is set up.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DemoOptions {
    /// The scheme.
    pub scheme: Scheme,
    /// How the key is established.
    pub exchange: KeyExchange,
    /// The server's Fernet TTL, if any.
    pub ttl: Option<u64>,
    /// Give the client a pre-shared key the server does not hold (seed 002).
    pub unshared_client_key: bool,
    /// How both ends pick gcm/chacha nonces.
    pub nonce: NoncePolicy,
    /// Plaintexts the man in the middle knows (`--known`).
    pub known: Vec<(u64, String)>,
    /// What the server's verdicts say about a rejection (`--verdicts`).
    pub verdicts: VerdictDetail,
    /// The server answers each message m with m ‖ this (`--echo-append`).
    pub echo_append: Option<String>,
}

impl DemoOptions {
    /// Plain options: no TTL, one shared key.
    pub fn new(scheme: Scheme, exchange: KeyExchange) -> DemoOptions {
        DemoOptions {
            scheme,
            exchange,
            ttl: None,
            unshared_client_key: false,
            nonce: NoncePolicy::Random,
            known: Vec::new(),
            verdicts: VerdictDetail::Detailed,
            echo_append: None,
        }
    }
}

/// What a loopback chain runs: the server as configured, the attacker's plan, and the client.
pub struct Chain {
    /// The server, with its key, exchange, TTL and clock (the client shares the clock).
    pub server: ServerConfig,
    /// Actions for the man in the middle to apply to the N-th client message.
    pub plan: Vec<(u64, Tamper)>,
    /// Plaintexts the man in the middle knows.
    pub known: Vec<(u64, String)>,
    /// The name the client gives in HELLO.
    pub client_name: String,
    /// The client's key, used only under a pre-shared key (`psk`).
    pub client_key: Key,
    /// Where that key came from, for error messages.
    pub origin: &'static str,
}

/// How long shutting a topology down may take before its tasks are abandoned.
const STOP_GRACE: Duration = Duration::from_secs(6);

/// The running tasks of one topology and the handles to command them.
pub struct Topology {
    generation: u64,
    client: Option<mpsc::Sender<ClientCommand>>,
    /// The client's configuration, to start it again after it stopped.
    client_config: Option<ClientConfig>,
    server: Option<mpsc::Sender<ServerCommand>>,
    mitm: Option<mpsc::Sender<MitmCommand>>,
    /// The server's address, on a loopback chain: where an attacker of its own connects.
    server_addr: Option<SocketAddr>,
    tasks: Vec<JoinHandle<()>>,
}

/// Copies one role's events into the shared, tagged stream.
fn forward(
    generation: u64,
    role: Role,
    mut events: mpsc::Receiver<Event>,
    out: mpsc::Sender<Tagged>,
) -> JoinHandle<()> {
    tokio::spawn(async move {
        while let Some(event) = events.recv().await {
            if out.send((generation, role, event)).await.is_err() {
                break;
            }
        }
    })
}

impl Topology {
    fn empty(generation: u64) -> Topology {
        Topology {
            generation,
            client: None,
            client_config: None,
            server: None,
            mitm: None,
            server_addr: None,
            tasks: Vec::new(),
        }
    }

    /// Starts an attack of the oracle lab against this chain's server, from a connection of
    /// its own (the attacker's seat: its events are tagged [`Role::Mitm`]). Returns false when
    /// there is no server to attack. Every question, and how it stands, is shown on `live`.
    pub fn attack(
        &mut self,
        plan: Plan,
        live: super::oracle::LiveAttack,
        out: &mpsc::Sender<Tagged>,
    ) -> bool {
        let Some(addr) = self.server_addr else {
            return false;
        };
        let config = ClientConfig {
            protocol: Protocol::Lab,
            connect: addr.to_string(),
            scheme: None,
            name: "attacker".to_owned(),
            key: None,
            keyless: false,
            ttl: None,
            nonce: NoncePolicy::Random,
            limits: Limits::default(),
            clock: system_clock(),
        };
        let (event_tx, events) = mpsc::channel(EVENT_QUEUE);
        self.tasks.push(tokio::spawn(
            async move {
                let _ = super::oracle::run_live(config, plan, event_tx, live).await;
            }
            .in_current_span(),
        ));
        self.tasks
            .push(forward(self.generation, Role::Mitm, events, out.clone()));
        true
    }

    /// This topology's generation.
    pub fn generation(&self) -> u64 {
        self.generation
    }

    /// Adds a server on `listener`.
    pub fn with_server(
        mut self,
        listener: TcpListener,
        config: ServerConfig,
        out: &mpsc::Sender<Tagged>,
    ) -> Topology {
        let (tx, rx) = mpsc::channel(config.limits.queue_depth);
        let (event_tx, events) = mpsc::channel(EVENT_QUEUE);
        self.tasks.push(tokio::spawn(
            super::run_server(listener, config, rx, event_tx, std::future::pending())
                .in_current_span(),
        ));
        self.tasks
            .push(forward(self.generation, Role::Server, events, out.clone()));
        self.server = Some(tx);
        self
    }

    /// Adds a man in the middle on `listener`.
    pub fn with_mitm(
        mut self,
        listener: TcpListener,
        config: MitmConfig,
        out: &mpsc::Sender<Tagged>,
    ) -> Topology {
        let (tx, rx) = mpsc::channel(config.limits.queue_depth);
        let (event_tx, events) = mpsc::channel(EVENT_QUEUE);
        self.tasks.push(tokio::spawn(
            super::run_mitm(listener, config, rx, event_tx, std::future::pending())
                .in_current_span(),
        ));
        self.tasks
            .push(forward(self.generation, Role::Mitm, events, out.clone()));
        self.mitm = Some(tx);
        self
    }

    /// Adds a client. Its failures arrive as `error` events.
    pub fn with_client(mut self, config: ClientConfig, out: &mpsc::Sender<Tagged>) -> Topology {
        self.start_client(config, out);
        self
    }

    fn start_client(&mut self, config: ClientConfig, out: &mpsc::Sender<Tagged>) {
        self.client_config = Some(config.clone());
        let (tx, rx) = mpsc::channel(config.limits.queue_depth);
        let (event_tx, events) = mpsc::channel(EVENT_QUEUE);
        self.tasks.push(tokio::spawn(
            async move {
                let _ = super::run_client(config, rx, event_tx).await;
            }
            .in_current_span(),
        ));
        self.tasks
            .push(forward(self.generation, Role::Client, events, out.clone()));
        self.client = Some(tx);
    }

    /// Starts the client again, as configured, after it stopped (it gave up reconnecting, or
    /// was told to stop); one still running is told to stop first. Returns false when this
    /// topology has no client.
    pub async fn restart_client(&mut self, out: &mpsc::Sender<Tagged>) -> bool {
        let Some(config) = self.client_config.clone() else {
            return false;
        };
        self.stop_client().await;
        // Finished tasks need not be kept for shutdown.
        self.tasks.retain(|task| !task.is_finished());
        self.start_client(config, out);
        true
    }

    /// Tells the client to stop: to say BYE, or to stop trying to reconnect.
    pub async fn stop_client(&self) {
        if let Some(client) = &self.client {
            let _ = client.send(ClientCommand::Disconnect).await;
        }
    }

    /// A topology with nothing running yet.
    pub fn new(generation: u64) -> Topology {
        Topology::empty(generation)
    }

    /// The demo: a server, a man in the middle and a client, all on 127.0.0.1 ephemeral ports,
    /// with a fresh key for `scheme`.
    ///
    /// # Errors
    /// When a loopback port cannot be bound or no key can be generated.
    pub async fn demo(
        generation: u64,
        scheme: Scheme,
        exchange: KeyExchange,
        out: &mpsc::Sender<Tagged>,
    ) -> Result<Topology, NetError> {
        Topology::demo_with(generation, &DemoOptions::new(scheme, exchange), out).await
    }

    /// The demo with lesson options: a TTL, or a client with a key of its own.
    ///
    /// # Errors
    /// When a loopback port cannot be bound or no key can be generated.
    pub async fn demo_with(
        generation: u64,
        options: &DemoOptions,
        out: &mpsc::Sender<Tagged>,
    ) -> Result<Topology, NetError> {
        let scheme = options.scheme;
        let fresh = || {
            Key::generate(scheme).map_err(|source| NetError::Key {
                origin: "demo".into(),
                source,
            })
        };
        let key = fresh()?;
        // Seed 002's lesson: the client holds a key the server never saw.
        let client_key = if options.unshared_client_key {
            fresh()?
        } else {
            key.clone()
        };
        let chain = Chain {
            server: ServerConfig {
                protocol: Protocol::Lab,
                scheme,
                key,
                key_source: KeySource::Generated,
                key_exchange: options.exchange,
                ttl: options.ttl,
                auto_reply: options
                    .echo_append
                    .as_ref()
                    .map(|text| AutoReply::Append(text.clone().into_bytes())),
                verdicts: options.verdicts,
                nonce: options.nonce,
                limits: Limits::default(),
                clock: system_clock(),
                class: None,
            },
            plan: Vec::new(),
            known: options.known.clone(),
            client_name: "student".to_owned(),
            client_key,
            origin: "demo",
        };
        Topology::loopback(generation, chain, out).await
    }

    /// The lab's loopback chain, which the demo, the Matrix and lessons all run on: the server
    /// on 127.0.0.1:0, a man in the middle on another ephemeral port forwarding to it, and a
    /// client connected through the man in the middle, on the server's clock.
    ///
    /// # Errors
    /// When a loopback port cannot be bound.
    pub async fn loopback(
        generation: u64,
        chain: Chain,
        out: &mpsc::Sender<Tagged>,
    ) -> Result<Topology, NetError> {
        let bind = |what: &'static str| async move {
            let addr = format!("127.0.0.1:0 ({what})");
            let listener =
                TcpListener::bind("127.0.0.1:0")
                    .await
                    .map_err(|source| NetError::Bind {
                        addr: addr.clone(),
                        source,
                    })?;
            let local = listener
                .local_addr()
                .map_err(|source| NetError::Bind { addr, source })?;
            Ok::<_, NetError>((listener, local))
        };
        let (server_listener, server_addr) = bind("server").await?;
        let (mitm_listener, mitm_addr) = bind("man in the middle").await?;
        let Chain {
            server,
            plan,
            known,
            client_name,
            client_key,
            origin,
        } = chain;
        let shared = (server.key_exchange == KeyExchange::Psk).then(|| KeyText {
            text: format!("hex:{}", hex::encode(client_key.as_bytes())).into(),
            origin: origin.to_owned(),
        });
        let mitm = MitmConfig {
            protocol: Protocol::Lab,
            scheme: None,
            upstream: server_addr.to_string(),
            plan,
            intercept: false,
            oracle: None,
            known,
            limits: Limits::default(),
        };
        let client = ClientConfig {
            protocol: Protocol::Lab,
            connect: mitm_addr.to_string(),
            scheme: Some(server.scheme),
            name: client_name,
            key: shared,
            keyless: false,
            ttl: None,
            nonce: server.nonce,
            limits: Limits::default(),
            clock: server.clock.clone(),
        };
        let mut topology = Topology::empty(generation);
        topology.server_addr = Some(server_addr);
        Ok(topology
            .with_server(server_listener, server, out)
            .with_mitm(mitm_listener, mitm, out)
            .with_client(client, out))
    }

    /// Sends a plaintext from the client, or from the server to client `to`.
    /// Returns false when no such role is running.
    pub async fn send(&self, role: Role, to: Option<PeerId>, plaintext: Bytes) -> bool {
        match (role, to) {
            (Role::Client, _) => match &self.client {
                Some(tx) => tx.send(ClientCommand::Send(plaintext)).await.is_ok(),
                None => false,
            },
            (Role::Server, Some(to)) => match &self.server {
                Some(tx) => tx.send(ServerCommand::Send { to, plaintext }).await.is_ok(),
                None => false,
            },
            _ => false,
        }
    }

    /// Passes a command to the client (an ANSWER, wire bytes). Returns false when there is
    /// none.
    pub async fn command_client(&self, command: ClientCommand) -> bool {
        match &self.client {
            Some(tx) => tx.send(command).await.is_ok(),
            None => false,
        }
    }

    /// Passes a command to the server (a NOTICE). Returns false when there is none.
    pub async fn command_server(&self, command: ServerCommand) -> bool {
        match &self.server {
            Some(tx) => tx.send(command).await.is_ok(),
            None => false,
        }
    }

    /// Passes a command to the man in the middle. Returns false when there is none.
    pub async fn command_mitm(&self, command: MitmCommand) -> bool {
        match &self.mitm {
            Some(tx) => tx.send(command).await.is_ok(),
            None => false,
        }
    }

    /// Stops every task: the client says BYE, the others shut down; bounded in time.
    pub async fn shutdown(self) {
        if let Some(client) = &self.client {
            let _ = client.send(ClientCommand::Disconnect).await;
        }
        if let Some(mitm) = &self.mitm {
            let _ = mitm.send(MitmCommand::Shutdown).await;
        }
        if let Some(server) = &self.server {
            let _ = server.send(ServerCommand::Shutdown).await;
        }
        let Topology {
            client,
            server,
            mitm,
            tasks,
            ..
        } = self;
        drop((client, server, mitm));
        let joined = timeout(STOP_GRACE, async {
            for task in &mut tasks.into_iter().collect::<Vec<_>>() {
                let _ = task.await;
            }
        });
        let _ = joined.await;
    }
}
