//! The man in the middle: a real TCP forwarder that speaks the lab protocol both ways, reads
//! what it can, and tampers with client messages on command.
//!
//! When the server sends its key in the clear (WELCOME under `send`), the forwarder learns it
//! and decrypts everything; otherwise it sees only what the scheme leaves visible. Messages the
//! attacker injects (replays) carry sequence numbers from a private range, and the verdicts on
//! them are reported but not passed to the client, which never sent them.

mod end;
mod oracle;

use end::unreachable_upstream;
use oracle::ArmedOracle;
use oracle::OracleRun;

use std::future::Future;
use std::sync::Arc;

use futures_util::StreamExt;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{mpsc, watch};
use tokio::time::{Instant, timeout};
use tokio_util::codec::Framed;
use tokio_util::sync::CancellationToken;

use super::accept::{Connection, Flow, Service, accept_loop};
use super::attack::{Armed, Attack, Delivery, Injected, Outcome};
use super::config::{Limits, MitmConfig};
use super::event::{Direction, Event, Fate, HoldId, MitmCommand, Peer};
use super::roster::Roster;
use super::session::{Stall, Watch, emit, write_frame};
use crate::crypto::{Key, Scheme, Tamper};
use crate::wire::seed::Protocol;
use crate::wire::{Frame, LabCodec};

/// A command for one relayed connection.
enum RelayCommand {
    Release {
        hold: HoldId,
        tamper: Option<Tamper>,
    },
    /// Run the padding oracle on this client message.
    Oracle {
        seq: u64,
        wire: bytes::Bytes,
        live: crate::net::oracle::LiveAttack,
    },
}

/// Forwards lab clients to `config.upstream` until `shutdown` or [`MitmCommand::Shutdown`].
pub async fn run(
    listener: TcpListener,
    config: MitmConfig,
    commands: mpsc::Receiver<MitmCommand>,
    events: mpsc::Sender<Event>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) {
    if config.protocol == Protocol::Seed {
        let scheme = config.scheme.unwrap_or(Scheme::Fernet);
        return super::seed::mitm::run(listener, config, scheme, commands, events, shutdown).await;
    }
    if let Ok(addr) = listener.local_addr() {
        tracing::info!(%addr, upstream = %config.upstream, "man in the middle listening");
        emit(&events, Event::Listening { addr }).await;
    }
    let (intercept, intercept_rx) = watch::channel(config.intercept);
    let limits = config.limits;
    let service = LabRelay {
        config,
        events: events.clone(),
        armed: Arc::default(),
        oracle_armed: Arc::default(),
        intercept,
        intercept_rx,
    };
    accept_loop(listener, limits, service, commands, events, shutdown).await;
}

/// The lab relay's part in the accept loop: each connection gets its own upstream twin, and
/// the front end arms actions, switches intercept mode and releases held messages.
struct LabRelay {
    config: MitmConfig,
    events: mpsc::Sender<Event>,
    armed: Arc<Armed>,
    /// The padding oracle waits for the next client message.
    oracle_armed: ArmedOracle,
    intercept: watch::Sender<bool>,
    intercept_rx: watch::Receiver<bool>,
}

impl Service for LabRelay {
    type Command = MitmCommand;
    type Order = RelayCommand;

    fn serve(
        &self,
        stream: TcpStream,
        peer: Peer,
        orders: mpsc::Receiver<RelayCommand>,
        stop: CancellationToken,
    ) -> Connection {
        let shared = Shared {
            config: self.config.clone(),
            events: self.events.clone(),
            armed: self.armed.clone(),
            oracle_armed: self.oracle_armed.clone(),
            intercept: self.intercept_rx.clone(),
            stop,
        };
        Box::pin(relay(stream, peer, shared, orders))
    }

    async fn command(
        &mut self,
        command: MitmCommand,
        roster: &mut Roster<RelayCommand>,
        events: &mpsc::Sender<Event>,
    ) -> Flow {
        match command {
            MitmCommand::Arm(action) => emit(events, self.armed.arm(action)).await,
            MitmCommand::Oracle { live } => {
                *oracle::lock(&self.oracle_armed) = Some(live);
                emit(events, oracle::armed()).await;
            }
            MitmCommand::Intercept(on) => {
                let _ = self.intercept.send(on);
            }
            MitmCommand::Release { peer, hold, tamper } => {
                let order = RelayCommand::Release { hold, tamper };
                roster.route(peer, order, events).await;
            }
            MitmCommand::OracleOn {
                peer,
                seq,
                wire,
                live,
            } => {
                let order = RelayCommand::Oracle { seq, wire, live };
                roster.route(peer, order, events).await;
            }
            MitmCommand::Shutdown => return Flow::Stop,
        }
        Flow::Continue
    }
}

/// What every relayed connection shares.
struct Shared {
    config: MitmConfig,
    events: mpsc::Sender<Event>,
    armed: Arc<Armed>,
    oracle_armed: ArmedOracle,
    intercept: watch::Receiver<bool>,
    stop: CancellationToken,
}

/// One client connection and its upstream twin.
struct Relay {
    peer: Peer,
    client: Framed<TcpStream, LabCodec>,
    server: Framed<TcpStream, LabCodec>,
    events: mpsc::Sender<Event>,
    limits: Limits,
    armed: Arc<Armed>,
    name: String,
    attack: Attack,
    /// The server's WELCOME has gone past: the handshake deadline no longer applies.
    welcomed: bool,
    /// The server said BYE: its closing the connection afterwards is no failure.
    server_said_bye: bool,
    /// The client message the padding oracle is to read (`--oracle N`).
    oracle_at: Option<u64>,
    /// Armed from the front end for the next client message, on any connection.
    oracle_armed: ArmedOracle,
    /// The padding oracle under way on this connection.
    oracle: Option<OracleRun>,
    /// Oracle query numbers taken by earlier oracles on this connection: a new one numbers on
    /// from there, so the late answers of one it replaced are told apart.
    oracle_base: u64,
    /// The client has left while the oracle still reads: nothing more goes to it.
    client_gone: bool,
}

/// How a relayed connection ended.
enum End {
    Closed(String),
    /// The server vanished: the client gets an ERROR with this reason.
    Lost(String),
    Fault {
        at: Direction,
        reason: String,
    },
}

async fn relay(
    stream: TcpStream,
    peer: Peer,
    shared: Shared,
    mut commands: mpsc::Receiver<RelayCommand>,
) {
    let Shared {
        config,
        events,
        armed,
        oracle_armed,
        mut intercept,
        stop,
    } = shared;
    let limits = config.limits;
    let _ = stream.set_nodelay(true);
    // Both sides are held to handshake-sized frames until the server's WELCOME goes past.
    let mut client = Framed::new(stream, LabCodec::for_handshake());
    let upstream = match timeout(limits.connect_timeout, TcpStream::connect(&config.upstream)).await
    {
        Ok(Ok(upstream)) => upstream,
        Ok(Err(e)) => {
            return unreachable_upstream(
                &mut client,
                peer,
                &config.upstream,
                &e.to_string(),
                &events,
                &limits,
            )
            .await;
        }
        Err(_) => {
            return unreachable_upstream(
                &mut client,
                peer,
                &config.upstream,
                "timed out",
                &events,
                &limits,
            )
            .await;
        }
    };
    let _ = upstream.set_nodelay(true);
    let mut relay = Relay {
        peer,
        client,
        server: Framed::new(upstream, LabCodec::for_handshake()),
        events,
        limits,
        armed,
        name: String::new(),
        attack: Attack::new(None, config.plan).knowing(config.known),
        welcomed: false,
        server_said_bye: false,
        oracle_at: config.oracle,
        oracle_armed,
        oracle: None,
        oracle_base: 0,
        client_gone: false,
    };
    // Both sides are watched: a client or a server that dribbles a frame, or a connection
    // with no traffic for --idle-timeout, closes; so does an upstream that never says WELCOME.
    let mut watchdog = tokio::time::interval(std::time::Duration::from_secs(1));
    watchdog.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (mut from_client, mut from_server) = (Watch::new(), Watch::new());
    let started = tokio::time::Instant::now();
    let (mut orders_open, mut intercept_open) = (true, true);
    let end = loop {
        let may_hold = relay.attack.may_hold();
        let slot = relay.oracle_slot();
        let step = tokio::select! {
            _ = watchdog.tick() => relay.check(&mut from_client, &mut from_server, started),
            frame = relay.client.next(), if may_hold && !relay.client_gone => match frame {
                Some(Ok(frame)) => {
                    from_client.activity();
                    let intercepting = *intercept.borrow();
                    relay.on_client_frame(frame, intercepting).await
                }
                Some(Err(e)) => Err(End::Fault { at: Direction::ToServer, reason: e.to_string() }),
                // The padding oracle keeps the victim's session open to finish reading.
                None if relay.oracle.is_some() => {
                    relay.client_gone = true;
                    Ok(())
                }
                None => Err(End::Closed("the client closed the connection".to_owned())),
            },
            frame = relay.server.next() => match frame {
                Some(Ok(frame)) => {
                    from_server.activity();
                    relay.on_server_frame(frame).await
                }
                Some(Err(e)) => Err(End::Fault { at: Direction::ToClient, reason: e.to_string() }),
                // A server that leaves says BYE first; one that just vanishes has failed, and
                // the client is told so rather than bidden a polite goodbye.
                None if relay.server_said_bye => {
                    Err(End::Closed("the server closed the connection".to_owned()))
                }
                None => Err(End::Lost(
                    "the server closed the connection without BYE (it may have stopped or crashed)"
                        .to_owned(),
                )),
            },
            // Without a front end there are no more orders: the branch is switched off rather
            // than answering `None` in a tight loop.
            command = commands.recv(), if orders_open => match command {
                Some(RelayCommand::Release { hold, tamper }) => relay.release(hold, tamper).await,
                Some(RelayCommand::Oracle { seq, wire, live }) => {
                    relay.start_oracle(seq, &wire, live).await
                }
                None => {
                    orders_open = false;
                    Ok(())
                }
            },
            changed = intercept.changed(), if intercept_open => {
                intercept_open = changed.is_ok();
                let released = changed.is_ok() && !*intercept.borrow();
                if released { relay.release_all().await } else { Ok(()) }
            },
            // A slowed oracle's next question, in its slot.
            () = tokio::time::sleep_until(slot.unwrap_or_else(Instant::now)), if slot.is_some() => {
                relay.pump_oracle().await
            }
            () = stop.cancelled() => Err(End::Closed("man in the middle shutting down".to_owned())),
        };
        if let Err(end) = step {
            break end;
        }
        if relay.client_gone && relay.oracle.is_none() {
            break End::Closed("the client closed the connection".to_owned());
        }
    };
    relay.finish(end).await;
}

impl Relay {
    async fn emit(&self, event: Event) {
        emit(&self.events, event).await;
    }

    async fn send_upstream(&mut self, frame: Frame) -> Result<(), End> {
        write_frame(&mut self.server, frame, &self.limits)
            .await
            .map_err(End::Closed)
    }

    async fn send_downstream(&mut self, frame: Frame) -> Result<(), End> {
        if self.client_gone {
            return Ok(());
        }
        write_frame(&mut self.client, frame, &self.limits)
            .await
            .map_err(End::Closed)
    }

    async fn intercepted(&self, direction: Direction, frame: &Frame, fate: Fate) {
        let event = Event::Intercepted {
            peer: self.peer,
            direction,
            frame: frame.clone(),
            fate,
        };
        self.emit(event).await;
    }

    async fn on_client_frame(&mut self, frame: Frame, intercepting: bool) -> Result<(), End> {
        let Frame::Data { seq, sealed: wire } = frame else {
            if let Frame::Hello(hello) = &frame {
                self.name = hello.name.clone();
            }
            if matches!(frame, Frame::Bye { .. }) && self.oracle.is_some() {
                // The server would close the session the oracle is asking through: the relay
                // says BYE itself once the oracle has finished.
                self.intercepted(Direction::ToServer, &frame, Fate::KeptBack)
                    .await;
                return Ok(());
            }
            self.intercepted(Direction::ToServer, &frame, Fate::Forwarded)
                .await;
            return self.send_upstream(frame).await;
        };
        let armed = self.armed.take();
        let (outcome, events) =
            self.attack
                .arrive(self.peer, seq, wire.clone(), armed, intercepting);
        self.report(events).await;
        match outcome {
            Outcome::Held => {}
            Outcome::Deliver(delivery) => self.deliver(delivery).await?,
        }
        // The oracle reads the message as the client sealed it, after it has gone on.
        if let Some(live) = self.oracle_due(self.attack.messages()) {
            self.start_oracle(seq, &wire, live).await?;
        }
        Ok(())
    }

    async fn on_server_frame(&mut self, frame: Frame) -> Result<(), End> {
        let mut fate = Fate::Forwarded;
        match &frame {
            Frame::Welcome(welcome) => {
                let max_frame = self.limits.max_frame;
                self.welcomed = true;
                self.client.codec_mut().handshake_done(max_frame);
                self.server.codec_mut().handshake_done(max_frame);
                self.attack.set_scheme(welcome.scheme);
                if let Some(text) = &welcome.key
                    && let Ok(key) = Key::parse(welcome.scheme, text)
                {
                    let event = self.attack.learn(key, welcome.key_exchange);
                    self.emit(event).await;
                }
                // The server's name for the client (unique there) over the one it asked for.
                let name = welcome.name.clone().unwrap_or_else(|| self.name.clone());
                let (peer, scheme) = (self.peer, welcome.scheme);
                let listed_as = None;
                self.emit(Event::Connected {
                    peer,
                    name,
                    scheme,
                    listed_as,
                })
                .await;
            }
            Frame::Verdict { seq, verdict } => {
                if self.oracle_verdict(*seq, verdict).await? {
                    return Ok(());
                }
                fate = self.attack.answer(*seq);
            }
            Frame::Bye { .. } => self.server_said_bye = true,
            Frame::Data { seq, sealed: wire } => {
                let read = self
                    .attack
                    .eavesdrop(self.peer, Direction::ToClient, *seq, wire);
                self.report(read).await;
            }
            _ => {}
        }
        self.intercepted(Direction::ToClient, &frame, fate).await;
        if fate == Fate::Forwarded {
            self.send_downstream(frame).await?;
        }
        Ok(())
    }

    async fn report(&self, events: impl IntoIterator<Item = Event>) {
        for event in events {
            self.emit(event).await;
        }
    }

    /// Sends upstream what the attack left of a client message, then any injected replay.
    async fn deliver(&mut self, delivery: Delivery) -> Result<(), End> {
        if let Some(wire) = delivery.forward {
            let seq = delivery.seq;
            self.send_upstream(Frame::Data { seq, sealed: wire })
                .await?;
        }
        if let Some(Injected { seq, wire }) = delivery.inject {
            self.send_upstream(Frame::Data { seq, sealed: wire })
                .await?;
        }
        Ok(())
    }

    async fn release(&mut self, hold: HoldId, tamper: Option<Tamper>) -> Result<(), End> {
        let (delivery, events) = self.attack.release(self.peer, hold, tamper);
        self.report(events).await;
        match delivery {
            Some(delivery) => self.deliver(delivery).await,
            None => Ok(()),
        }
    }

    async fn release_all(&mut self) -> Result<(), End> {
        let (deliveries, events) = self.attack.release_all(self.peer);
        self.report(events).await;
        for delivery in deliveries {
            self.deliver(delivery).await?;
        }
        Ok(())
    }
}
