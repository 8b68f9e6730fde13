//! The screen's event loop: one `tokio::select!` over terminal input, network events and a
//! render tick. Network events are applied as they come and drawn at most once per tick, so a
//! flood of messages costs one frame, not one frame per message.

use std::io;

use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use ratatui::DefaultTerminal;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{
    DisableBracketedPaste, DisableMouseCapture, EnableBracketedPaste, EnableMouseCapture,
    EventStream,
};
use ratatui::crossterm::execute;
use ratatui::style::Color;
use tokio::sync::mpsc;

use super::app::App;
use super::launch::Launch;
use super::state::Request;
use super::theme::Theme;
use crate::logging::LogRing;
use crate::net::MitmCommand;
use crate::net::matrix::{self, Cell};
use crate::net::{Event, Role, Tagged, Topology};
use crate::record::{Entry, Mark, Player, Recorder};

/// Frames drawn per second at most.
const FPS: f64 = 30.0;
/// Network events applied per batch before the loop looks at the keyboard again.
const BATCH: usize = 4096;
/// Depth of the tagged event queue from the network to the screen.
const QUEUE: usize = 8192;

/// How the screen shows what it shows, whatever it runs.
#[derive(Clone, Copy, Debug, Default)]
pub struct ScreenOptions {
    /// Whether key material starts hidden (`--hide-keys`; `h` toggles it).
    pub keys: super::state::KeyDisplay,
}

impl ScreenOptions {
    /// The options of a screen started with `--hide-keys` or without.
    pub fn hiding_keys(hide: bool) -> ScreenOptions {
        ScreenOptions {
            keys: if hide {
                super::state::KeyDisplay::Hidden
            } else {
                super::state::KeyDisplay::Shown
            },
        }
    }
}

/// Replaces every colour with the terminal default (NO_COLOR), keeping bold, reverse and the
/// other modifiers that carry the emphasis.
pub fn strip_colours(buf: &mut Buffer) {
    for cell in &mut buf.content {
        cell.fg = Color::Reset;
        cell.bg = Color::Reset;
    }
}

/// Opens the screen, runs until the user quits, and restores the terminal on every path out
/// (panics included: ratatui's hook restores raw mode and the alternate screen, ours the mouse).
///
/// # Errors
/// When the terminal cannot be set up or drawn on.
pub async fn run(
    launch: Launch,
    options: ScreenOptions,
    log: LogRing,
    recorder: Option<Recorder>,
) -> io::Result<ExitCode> {
    let theme = Theme::from_env();
    if theme.mono {
        // crossterm's own NO_COLOR handling also resets bold and reverse; we strip colours
        // ourselves instead and keep the modifiers.
        ratatui::crossterm::style::force_color_output(true);
    }
    let intercept = matches!(&launch, Launch::Mitm { config, .. } if config.intercept);
    let mut app = App::new(launch.session(), log, theme)
        .intercepting(intercept)
        .showing_keys(options.keys);
    if let Launch::Replay { recording, .. } = &launch
        && let Some((line, why)) = recording.skipped.first()
    {
        app.show_error(format!(
            "{} line(s) of the recording could not be read; the first, line {line}: {why}",
            recording.skipped.len()
        ));
    }
    if let Launch::Lesson { lesson } = &launch {
        app.begin_lesson(lesson.clone());
    }
    let (tx, rx) = mpsc::channel(QUEUE);
    let (replay_tx, replay_rx) = mpsc::channel(QUEUE);
    let (topology, player) = match launch.start(&tx, replay_tx).await {
        Ok((topology, player)) => (Some(topology), player),
        Err(e) => {
            app.show_error(e);
            (None, None)
        }
    };

    let mut terminal = ratatui::try_init()?;
    // A paste arrives whole (material copied in several rows is one paste, not rows and Enters).
    execute!(io::stdout(), EnableMouseCapture, EnableBracketedPaste)?;
    let previous = std::panic::take_hook();
    std::panic::set_hook(Box::new(move |info| {
        let _ = execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
        previous(info);
    }));
    let mut driver = Driver {
        topology,
        recorder,
        player,
    };
    if intercept {
        // A recording of `mitm --intercept` starts with the switch on, as the screen did.
        driver.mark(&mut app, Mark::Intercept(true));
    }
    let queues = Queues { tx, rx, replay_rx };
    let result = event_loop(&mut terminal, &mut app, driver, queues).await;
    let _ = execute!(io::stdout(), DisableMouseCapture, DisableBracketedPaste);
    ratatui::restore();
    result.map(|()| ExitCode::SUCCESS)
}

fn draw(terminal: &mut DefaultTerminal, app: &App) -> io::Result<()> {
    terminal.draw(|frame| {
        let area = frame.area();
        frame.render_widget(app, area);
        if let Some(cursor) = app.cursor(area) {
            frame.set_cursor_position(cursor);
        }
        if app.theme().mono {
            strip_colours(frame.buffer_mut());
        }
    })?;
    Ok(())
}

/// What the event loop drives besides the screen.
struct Driver {
    topology: Option<Topology>,
    recorder: Option<Recorder>,
    /// Events come from a recording, played by this: there is nothing to send to.
    player: Option<Player>,
}

/// The queues into the event loop: the network's events (and the sender that the topologies
/// it starts report on), and a replay's entries.
struct Queues {
    tx: mpsc::Sender<Tagged>,
    rx: mpsc::Receiver<Tagged>,
    replay_rx: mpsc::Receiver<Entry>,
}

/// What a request does to the session that a recording must keep, so that a replay does it.
fn mark_of(request: &Request) -> Option<Mark> {
    match request {
        Request::Restart { options, .. } => Some(Mark::Restart {
            scheme: options.scheme,
            exchange: options.exchange,
            nonce: options.nonce,
        }),
        Request::Mitm(MitmCommand::Intercept(on)) => Some(Mark::Intercept(*on)),
        _ => None,
    }
}

impl Driver {
    /// Records one event of the current generation; a write error is shown once and ends the
    /// recording.
    fn record(&mut self, app: &mut App, generation: u64, role: Role, event: &Event) {
        if generation != app.generation() {
            return;
        }
        if let Some(recorder) = &mut self.recorder
            && let Err(e) = recorder.write(Some(role), event)
        {
            app.show_error(format!("recording stopped: {e}"));
            self.recorder = None;
        }
    }

    /// Records what the screen did to the session; a write error is shown once and ends the
    /// recording.
    fn mark(&mut self, app: &mut App, mark: Mark) {
        if let Some(recorder) = &mut self.recorder
            && let Err(e) = recorder.mark(mark)
        {
            app.show_error(format!("recording stopped: {e}"));
            self.recorder = None;
        }
    }

    /// Applies one event from the network.
    fn apply(&mut self, app: &mut App, (generation, role, event): Tagged) {
        self.record(app, generation, role, &event);
        app.on_net(generation, role, event);
    }
}

async fn event_loop(
    terminal: &mut DefaultTerminal,
    app: &mut App,
    mut driver: Driver,
    queues: Queues,
) -> io::Result<()> {
    let Queues {
        tx,
        mut rx,
        mut replay_rx,
    } = queues;
    let size = terminal.size()?;
    app.on_terminal(&ratatui::crossterm::event::Event::Resize(
        size.width,
        size.height,
    ));
    let mut keyboard = EventStream::new();
    let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / FPS));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    let (cells_tx, mut cells) = mpsc::channel::<Cell>(64);
    let (later_tx, mut later) = mpsc::channel::<Request>(16);
    let mut dirty = true;
    let mut oracle_drawn = app.oracle().live().version();
    draw(terminal, app)?;
    // Test scaffolding only: prove that a panic anywhere in the screen still restores the
    // terminal. The shipped binary is built without the feature.
    #[cfg(feature = "test-support")]
    if std::env::var_os("CIPHERLAB_TEST_PANIC").is_some() {
        panic!("forced by CIPHERLAB_TEST_PANIC for the terminal-safety test");
    }
    loop {
        tokio::select! {
            input = keyboard.next() => match input {
                Some(Ok(event)) => {
                    app.on_terminal(&event);
                    draw(terminal, app)?;
                    dirty = false;
                }
                Some(Err(e)) => return Err(e),
                None => break,
            },
            Some(tagged) = rx.recv() => {
                driver.apply(app, tagged);
                for _ in 0..BATCH {
                    match rx.try_recv() {
                        Ok(tagged) => driver.apply(app, tagged),
                        Err(_) => break,
                    }
                }
                app.settle();
                dirty = true;
            },
            Some(entry) = replay_rx.recv() => {
                app.on_entry(entry);
                for _ in 0..BATCH {
                    match replay_rx.try_recv() {
                        Ok(entry) => app.on_entry(entry),
                        Err(_) => break,
                    }
                }
                app.settle();
                dirty = true;
            },
            Some(cell) = cells.recv() => {
                app.on_matrix(cell);
                dirty = true;
            },
            Some(request) = later.recv() => app.request(request),
            _ = tick.tick() => {
                // The Oracle tab's attack writes its questions into a shared view rather than
                // sending an event each: it is drawn when that moved, at most once a tick.
                let oracle = app.oracle().live().version();
                if dirty || oracle != oracle_drawn {
                    draw(terminal, app)?;
                    dirty = false;
                    oracle_drawn = oracle;
                }
            },
        }
        for request in app.take_requests() {
            if let Request::Later(pause, request) = request {
                let later_tx = later_tx.clone();
                tokio::spawn(async move {
                    tokio::time::sleep(pause).await;
                    let _ = later_tx.send(*request).await;
                });
                continue;
            }
            if let Some(player) = &driver.player {
                match request {
                    Request::Playback(control) => player.control(control),
                    Request::RunMatrix => handle(request, &mut None, &tx, &cells_tx, app).await,
                    _ => app.show_error(super::app::REPLAY_REFUSAL),
                }
                continue;
            }
            if let Some(mark) = mark_of(&request) {
                driver.mark(app, mark);
            }
            handle(request, &mut driver.topology, &tx, &cells_tx, app).await;
        }
        if app.wants_quit() {
            break;
        }
    }
    if let Some(topology) = driver.topology.take() {
        topology.shutdown().await;
    }
    // What the shutdown itself reported (BYE sent, clients gone) still belongs in a recording.
    while let Ok((generation, role, event)) = rx.try_recv() {
        driver.record(app, generation, role, &event);
    }
    Ok(())
}

async fn handle(
    request: Request,
    topology: &mut Option<Topology>,
    tx: &mpsc::Sender<Tagged>,
    cells: &mpsc::Sender<Cell>,
    app: &mut App,
) {
    match request {
        Request::Send {
            role,
            to,
            plaintext,
        } => {
            let sent = match topology {
                Some(topology) => topology.send(role, to, plaintext).await,
                None => false,
            };
            if !sent {
                app.show_error(format!(
                    "cannot send: the {} is not running",
                    if role == Role::Server {
                        "server"
                    } else {
                        "client"
                    }
                ));
            }
        }
        Request::Restart {
            options,
            generation,
        } => {
            if let Some(old) = topology.take() {
                tokio::spawn(old.shutdown());
            }
            match Topology::demo_with(generation, &options, tx).await {
                Ok(started) => *topology = Some(started),
                Err(e) => app.show_error(e.to_string()),
            }
        }
        Request::Mitm(command) => {
            let delivered = match topology {
                Some(topology) => topology.command_mitm(command).await,
                None => false,
            };
            if !delivered {
                app.show_error("no man in the middle is running");
            }
        }
        Request::RunMatrix => {
            tokio::spawn(matrix::run_all(cells.clone()));
        }
        Request::Attack(plan, live) => {
            if !topology.as_mut().is_some_and(|t| t.attack(plan, live, tx)) {
                app.show_error("no server to attack");
            }
        }
        Request::StopReconnecting => {
            if let Some(topology) = topology {
                topology.stop_client().await;
            }
        }
        Request::Reconnect => {
            let restarted = match topology {
                Some(topology) => topology.restart_client(tx).await,
                None => false,
            };
            if !restarted {
                app.show_error("no client to reconnect");
            }
        }
        Request::SendWire(_) | Request::Answer(_) | Request::Notice(_) => {
            super::classroom::handle(request, topology, app).await;
        }
        // Taken apart by the event loop before it gets here.
        Request::Later(_, request) => Box::pin(handle(*request, topology, tx, cells, app)).await,
        // Only a replay has a player to ask; live, there is nothing to pause.
        Request::Playback(_) => {}
    }
}
