//! The screen of `cipherlab attack` without `--headless`: the attack runs as it does headless,
//! and the Oracle view (the widget of the Oracle tab) shows it live until `q`. The exit status
//! is the headless one (0 recovered, 1 failed), and the terminal is restored on every way out.

use std::io;
use std::process::ExitCode;
use std::time::Duration;

use futures_util::StreamExt;
use ratatui::buffer::Buffer;
use ratatui::crossterm::event::{Event as TermEvent, EventStream, KeyEventKind};
use ratatui::layout::{Constraint, Layout, Rect};
use ratatui::text::{Line, Span};
use ratatui::widgets::Widget;
use tokio::sync::mpsc;

use super::action::{self, Action, Context};
use super::layout::{MIN_HEIGHT, MIN_WIDTH};
use super::theme::Theme;
use super::view::chrome::TooSmall;
use super::view::{OraclePane, put};
use crate::net::oracle::{self, Ending, LiveAttack, Plan};
use crate::net::{self, ClientConfig, Event, NetError};

/// Frames a second at most.
const FPS: f64 = 30.0;

/// What the screen shows besides the attack's live view.
struct AttackScreen {
    live: LiveAttack,
    aim: String,
    /// The connection, once made: the server and its scheme.
    connected: Option<String>,
    /// The latest error.
    error: Option<String>,
    theme: Theme,
    quit: bool,
}

/// What `plan` reads, in words, for the head of the view.
fn aim(plan: &Plan, server: &str) -> String {
    match plan {
        Plan::PaddingOracle { message } => {
            format!("a captured {}-byte message, asking {server}", message.len())
        }
        Plan::ByteAtATime => format!("the secret {server} appends to its echoes"),
        Plan::Extend { message, append } => format!(
            "appending {:?} to a {}-byte message, asking {server}",
            append,
            message.len()
        ),
    }
}

/// The keys that apply here: those of the Oracle tab, and quitting.
fn context() -> Context {
    Context {
        typing: false,
        popup: false,
        lab: false,
        scheme_choice: false,
        compare: false,
        matrix: false,
        oracle: true,
        wire: false,
        held: false,
        can_edit: false,
        lesson: false,
        replay: false,
        roster: false,
        retrying: false,
        offline: false,
        exercise: false,
        answering: false,
        wire_hex: false,
    }
}

impl AttackScreen {
    fn on_event(&mut self, event: &Event) {
        match event {
            Event::Connected { peer, scheme, .. } => {
                self.connected = Some(format!("connected to {peer} ({scheme})"));
            }
            Event::Error { message, .. } => self.error = Some(message.clone()),
            _ => {}
        }
    }

    fn on_terminal(&mut self, event: &TermEvent) {
        let TermEvent::Key(key) = event else {
            return;
        };
        if key.kind != KeyEventKind::Press {
            return;
        }
        match action::lookup(key, &context()) {
            Some(Action::Quit | Action::ForceQuit) => self.quit = true,
            Some(Action::Faster) => {
                self.live.step_pace(true);
            }
            Some(Action::Slower) => {
                self.live.step_pace(false);
            }
            _ => {}
        }
    }
}

impl Widget for &AttackScreen {
    fn render(self, area: Rect, buf: &mut Buffer) {
        let theme = &self.theme;
        if area.width < MIN_WIDTH || area.height < MIN_HEIGHT {
            TooSmall { theme }.render(area, buf);
            return;
        }
        let [head, body, status, footer] = area.layout(&Layout::vertical([
            Constraint::Length(1),
            Constraint::Fill(1),
            Constraint::Length(1),
            Constraint::Length(1),
        ]));
        let title = Line::from(vec![
            Span::styled(" cipherlab attack ", theme.selected()),
            Span::raw(" reading without the key"),
        ]);
        put(buf, head.x, head.y, title, head.width);
        OraclePane {
            snapshot: &self.live.snapshot(),
            pace: self.live.pace(),
            aim: Some(&self.aim),
            idle: &["connecting…"],
            focused: true,
            theme,
        }
        .render(body, buf);
        let line = match (&self.error, &self.connected) {
            (Some(error), _) => Line::styled(format!("error: {error}"), theme.warning()),
            (None, Some(connected)) => Line::styled(connected.clone(), theme.dim()),
            (None, None) => Line::styled("connecting…", theme.dim()),
        };
        put(buf, status.x, status.y, line, status.width);
        let mut keys = Vec::new();
        for (label, words) in [("q", "quit"), ("+ -", "pace")] {
            keys.push(Span::styled(label, theme.key()));
            keys.push(Span::raw(format!(" {words}  ")));
        }
        put(buf, footer.x, footer.y, Line::from(keys), footer.width);
    }
}

/// Runs `plan` against the server of `config` on the screen, until `q`. The exit status is the
/// attack's, as headless: 0 when it recovered what it went for, 1 otherwise.
///
/// # Errors
/// When the terminal cannot be set up or drawn on.
pub async fn run(config: ClientConfig, plan: Plan) -> io::Result<ExitCode> {
    let live = LiveAttack::default();
    let mut screen = AttackScreen {
        live: live.clone(),
        aim: aim(&plan, &config.connect),
        connected: None,
        error: None,
        theme: Theme::from_env(),
        quit: false,
    };
    let (event_tx, mut events) = mpsc::channel(net::EVENT_QUEUE);
    let mut task = tokio::spawn(oracle::run_live(config, plan, event_tx, live));
    if screen.theme.mono {
        // As the main screen does: colours stripped by us, bold and reverse kept.
        ratatui::crossterm::style::force_color_output(true);
    }
    let mut terminal = ratatui::try_init()?;
    let result = async {
        let mut keyboard = EventStream::new();
        let mut tick = tokio::time::interval(Duration::from_secs_f64(1.0 / FPS));
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
        let mut ending = None;
        let mut drawn = None;
        let mut events_open = true;
        while !screen.quit {
            tokio::select! {
                input = keyboard.next() => match input {
                    Some(Ok(event)) => {
                        screen.on_terminal(&event);
                        drawn = None;
                    }
                    Some(Err(e)) => return Err(e),
                    None => break,
                },
                event = events.recv(), if events_open => match event {
                    Some(event) => {
                        screen.on_event(&event);
                        drawn = None;
                    }
                    None => events_open = false,
                },
                joined = &mut task, if ending.is_none() => {
                    ending = Some(joined.unwrap_or(Err(NetError::Ended("the attack stopped".to_owned()))));
                }
                _ = tick.tick() => {
                    let version = screen.live.version();
                    if drawn != Some(version) {
                        let draw = |frame: &mut ratatui::Frame| {
                            frame.render_widget(&screen, frame.area());
                            if screen.theme.mono {
                                super::runtime::strip_colours(frame.buffer_mut());
                            }
                        };
                        terminal.draw(draw)?;
                        drawn = Some(version);
                    }
                }
            }
        }
        Ok(ending)
    }
    .await;
    ratatui::restore();
    let ending = result?;
    if ending.is_none() {
        // Quit before it ended: the attack stops with the screen.
        task.abort();
    }
    Ok(ExitCode::from(match ending {
        Some(Ok(Ending::Recovered)) => 0,
        Some(Err(NetError::MissingKey { .. } | NetError::Key { .. })) => 2,
        Some(Ok(Ending::Failed) | Err(_)) | None => 1,
    }))
}
