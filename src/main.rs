//! The `cipherlab` binary: parse the command line, start logging, run one mode on the screen
//! or headless, and turn the outcome into an exit status (0 ok, 1 rejected or failed, 2 usage).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use std::path::PathBuf;

use cipherlab::cli::{self, BenchCommand, Cli, Command, DemoArgs};
use cipherlab::crypto::KeyExchange;
use cipherlab::crypto::Scheme;
use cipherlab::lesson::Lesson;
use cipherlab::logging::{self, LogRing};
use cipherlab::net::{Mode, Role};
use cipherlab::record::{self, Header, Recorder, Tape};
use cipherlab::tui::{self, Launch, ScreenOptions};
use cipherlab::{bench, headless, net, oneshot};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(Err(e)) = cli.command.as_ref().map(cipherlab::cli::Command::check) {
        e.exit();
    }
    let show_keys = cli.log.log_secrets;
    let command = cli.command.unwrap_or(Command::Demo(DemoArgs {
        scheme: Scheme::Fernet,
        key_exchange: None,
        nonce: None,
        headless: false,
        hide_keys: false,
        messages: Vec::new(),
    }));
    let on_screen = match &command {
        Command::Demo(args) => !args.headless,
        Command::Server(args) => !args.headless,
        Command::Client(args) => !args.headless,
        Command::Mitm(args) => !args.headless,
        Command::Lesson(args) => !args.headless && !args.list,
        Command::Replay(args) => !args.headless,
        Command::Seal(_)
        | Command::Open(_)
        | Command::Keygen(_)
        | Command::Bench(_)
        | Command::Attack(_)
        | Command::Exercise(_) => false,
    };
    let records = match &command {
        Command::Demo(_) | Command::Server(_) | Command::Client(_) | Command::Mitm(_) => true,
        Command::Lesson(_) => on_screen,
        _ => false,
    };
    let record_to = cli.log.record;
    if record_to.is_some() && !records {
        return usage(
            "--record works with demo, server, client and mitm, and with a lesson on the screen",
        );
    }
    // A lesson or a recording is read first, so that a wrong name or path is the error given.
    let reads_first = matches!(command, Command::Lesson(_) | Command::Replay(_));
    if on_screen
        && !reads_first
        && let Err(code) = need_terminal()
    {
        return code;
    }
    let ring = on_screen.then(LogRing::default);
    if let Some(warning) =
        logging::init(cli.log.log_file.as_deref(), cli.log.log_level, ring.clone())
    {
        eprintln!("cipherlab: {warning}");
    }
    let front = Front {
        show_keys,
        record_to,
        ring: ring.unwrap_or_default(),
    };
    run(command, front).unwrap_or_else(|code| code)
}

/// The screen needs a terminal on stdout; without one, say how to get JSON lines instead.
fn need_terminal() -> Result<(), ExitCode> {
    if std::io::stdout().is_terminal() {
        Ok(())
    } else {
        Err(usage(
            "stdout is not a terminal: run in a terminal, or add --headless for JSON lines",
        ))
    }
}

/// What every mode's front end shares: whether keys are shown, where to record, the log ring.
struct Front {
    show_keys: bool,
    record_to: Option<PathBuf>,
    ring: LogRing,
}

impl Front {
    /// Opens the `--record` file, if one was asked for, and writes its header.
    fn recorder(&self, header: Header) -> Result<Option<Recorder>, ExitCode> {
        let Some(path) = &self.record_to else {
            return Ok(None);
        };
        Recorder::create(path, header, self.show_keys)
            .map(Some)
            .map_err(|e| failed(&format!("cannot record to {}: {e}", path.display())))
    }

    /// The headless output, recording with `recorder` if there is one.
    fn output(&self, recorder: Option<Recorder>) -> headless::Output {
        headless::Output {
            show_keys: self.show_keys,
            tape: recorder.map(Tape::new),
        }
    }
}

/// Runs one command; `Err` carries the exit status of a failure reported already.
fn run(command: Command, front: Front) -> Result<ExitCode, ExitCode> {
    let ring = front.ring.clone();
    Ok(match command {
        Command::Keygen(args) => finish(oneshot::keygen(args.scheme, &mut std::io::stdout())),
        Command::Seal(args) => finish(oneshot::seal(
            &args,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout(),
        )),
        Command::Open(args) => finish(oneshot::open(
            &args,
            &mut std::io::stdin().lock(),
            &mut std::io::stdout(),
            &mut std::io::stderr(),
        )),
        Command::Bench(command) => bench(command),
        Command::Attack(command) => {
            let (config, plan, json) = cli::attack_plan(&command).map_err(|e| setup_failed(&e))?;
            // In a terminal the attack gets the Oracle view; piped, it prints lines of text.
            if !json && std::io::stdout().is_terminal() {
                runtime(async move { screen(tui::attack_screen::run(config, plan).await) })
            } else {
                runtime(headless::attack(config, plan, front.output(None), json))
            }
        }
        Command::Lesson(args) => lesson(&args, &front)?,
        Command::Exercise(_) => {
            for exercise in cipherlab::net::exercise::Exercise::shipped() {
                println!(
                    "{:<20} {:<11} {}",
                    exercise.name,
                    exercise.scheme.name(),
                    exercise.title
                );
            }
            ExitCode::SUCCESS
        }
        Command::Replay(args) => {
            let recording = record::load(&args.file).map_err(|e| failed(&e))?;
            let speed = args.speed;
            if !args.headless {
                need_terminal()?;
            }
            if args.headless {
                let out = front.output(None);
                runtime(async move { headless::replay(recording, speed, &out).await })
            } else {
                let launch = Launch::Replay { recording, speed };
                let options = ScreenOptions::hiding_keys(args.hide_keys);
                runtime(async move { screen(tui::run(launch, options, ring, None).await) })
            }
        }
        Command::Server(args) => {
            let (config, listen) = cli::server_config(&args).map_err(|e| setup_failed(&e))?;
            let recorder = front.recorder(Header {
                mode: Mode::Server,
                scheme: Some(config.scheme),
                exchange: Some(config.key_exchange),
                nonce: Some(config.nonce),
            })?;
            runtime(async move {
                let listener = match net::server::bind(&listen).await {
                    Ok(listener) => listener,
                    Err(e) if args.headless => {
                        headless::Printer::new(&front.output(recorder), Role::Server).failure(&e);
                        return failed(&e.to_string());
                    }
                    Err(e) => return failed(&e.to_string()),
                };
                if args.headless {
                    headless::server(listener, config, front.output(recorder)).await
                } else {
                    // An exercise's key is the one thing its students must not have, and its
                    // server is the screen an instructor projects.
                    let options =
                        ScreenOptions::hiding_keys(args.hide_keys || config.class.is_some());
                    let launch = Launch::Server { listener, config };
                    screen(tui::run(launch, options, ring, recorder).await)
                }
            })
        }
        Command::Mitm(args) => {
            let config = cli::mitm_config(&args).map_err(|e| setup_failed(&e))?;
            let recorder = front.recorder(Header {
                mode: Mode::Mitm,
                scheme: config.scheme,
                exchange: None,
                nonce: None,
            })?;
            runtime(async move {
                let listener = match net::server::bind(&args.listen).await {
                    Ok(listener) => listener,
                    Err(e) if args.headless => {
                        headless::Printer::new(&front.output(recorder), Role::Mitm).failure(&e);
                        return failed(&e.to_string());
                    }
                    Err(e) => return failed(&e.to_string()),
                };
                if args.headless {
                    headless::mitm(listener, config, front.output(recorder)).await
                } else {
                    let options = ScreenOptions::hiding_keys(args.hide_keys);
                    let launch = Launch::Mitm { listener, config };
                    screen(tui::run(launch, options, ring, recorder).await)
                }
            })
        }
        Command::Client(args) => {
            let (config, messages) = cli::client_config(&args).map_err(|e| setup_failed(&e))?;
            let recorder = front.recorder(Header {
                mode: Mode::Client,
                scheme: config.scheme,
                exchange: None,
                nonce: Some(config.nonce),
            })?;
            if args.headless {
                let student = headless::Student {
                    wires: args.send_wire.iter().cloned().map(Into::into).collect(),
                    answers: args.answers.clone(),
                };
                runtime(headless::student(
                    config,
                    messages,
                    student,
                    front.output(recorder),
                ))
            } else {
                let launch = Launch::Client { config };
                let options = ScreenOptions::hiding_keys(args.hide_keys);
                runtime(async move { screen(tui::run(launch, options, ring, recorder).await) })
            }
        }
        Command::Demo(args) if args.headless => {
            let (server, client) = cli::demo_configs(&args).map_err(|e| usage(&e))?;
            let recorder = front.recorder(Header {
                mode: Mode::Demo,
                scheme: Some(server.scheme),
                exchange: Some(server.key_exchange),
                nonce: Some(server.nonce),
            })?;
            let out = front.output(recorder);
            runtime(headless::demo(server, client, args.messages, out))
        }
        Command::Demo(args) => {
            let scheme = args.scheme;
            let exchange = args
                .key_exchange
                .map_or(KeyExchange::default_for(scheme), KeyExchange::from);
            let nonce = cli::scheme_options(
                Some(scheme),
                cipherlab::wire::seed::Protocol::Lab,
                args.nonce,
            )
            .map_err(|e| usage(&e.to_string()))?;
            let recorder = front.recorder(Header {
                mode: Mode::Demo,
                scheme: Some(scheme),
                exchange: Some(exchange),
                nonce: Some(nonce),
            })?;
            let launch = Launch::Demo {
                scheme,
                exchange,
                nonce,
            };
            let options = ScreenOptions::hiding_keys(args.hide_keys);
            runtime(async move { screen(tui::run(launch, options, ring, recorder).await) })
        }
    })
}

/// `cipherlab bench crypto` and `cipherlab bench net`.
fn bench(command: BenchCommand) -> ExitCode {
    match command {
        BenchCommand::Crypto { json } => {
            let figures = bench::crypto::run();
            let primitives = bench::crypto::primitives();
            if json {
                println!(
                    "{}",
                    serde_json::json!({ "crypto": figures, "primitives": primitives })
                );
            } else {
                print!("{}", bench::crypto::table(&figures));
                print!("{}", bench::crypto::primitive_table(&primitives));
            }
            ExitCode::SUCCESS
        }
        BenchCommand::Net(args) => runtime(async move {
            match bench::net::make_room(
                args.clients,
                args.clients_apart || args.load_only.is_some(),
            ) {
                Ok(Some(note)) => eprintln!("cipherlab: {note}"),
                Ok(None) => {}
                Err(e) => return failed(&e),
            }
            let plan = bench::net::Plan {
                scheme: args.scheme,
                clients: args.clients,
                messages: args.messages,
                size: args.size,
                floor: args.floor,
                apart: args.clients_apart,
            };
            if let Some(addr) = args.load_only {
                let key = match bench::net::load::key_from_env(args.scheme) {
                    Ok(key) => key,
                    Err(e) => return usage(&e),
                };
                let load = bench::net::load::run(addr, &key, &plan).await;
                println!("{}", serde_json::to_string(&load).unwrap_or_default());
                return ExitCode::SUCCESS;
            }
            match bench::net::run(plan).await {
                Ok(figures) => {
                    if args.json {
                        println!("{}", serde_json::to_string(&figures).unwrap_or_default());
                    } else {
                        print!("{}", bench::net::summary(&figures));
                    }
                    ExitCode::from(if figures.errors == 0 { 0 } else { 1 })
                }
                Err(e) => failed(&e),
            }
        }),
    }
}

/// `cipherlab lesson`: the list, a lesson played headless, or a lesson on the screen.
fn lesson(args: &cli::LessonArgs, front: &Front) -> Result<ExitCode, ExitCode> {
    if args.list {
        for lesson in Lesson::shipped() {
            println!("{:<28} {}", lesson.name, lesson.title);
        }
        return Ok(ExitCode::SUCCESS);
    }
    let lesson = Lesson::find(args.name.as_deref().unwrap_or_default())
        .map_err(|e| usage(&e.to_string()))?;
    if !args.headless {
        need_terminal()?;
        let first = lesson.steps.first();
        let recorder = front.recorder(Header {
            mode: Mode::Demo,
            scheme: Some(first.and_then(|s| s.scheme).unwrap_or(Scheme::Fernet)),
            exchange: first.and_then(|s| s.key_exchange),
            nonce: first.and_then(|s| s.nonce),
        })?;
        let (launch, ring) = (Launch::Lesson { lesson }, front.ring.clone());
        let options = ScreenOptions::hiding_keys(args.hide_keys);
        return Ok(runtime(async move {
            screen(tui::run(launch, options, ring, recorder).await)
        }));
    }
    Ok(runtime(async move {
        let name = lesson.name.clone();
        let played = cipherlab::lesson::runner::run(&lesson, |report| {
            let mut line = serde_json::json!({ "event": "lesson-step", "lesson": name });
            if let (serde_json::Value::Object(line), Ok(serde_json::Value::Object(fields))) =
                (&mut line, serde_json::to_value(report))
            {
                line.extend(fields);
            }
            println!("{line}");
        })
        .await;
        match played {
            Ok(reports) => {
                let passed = reports.iter().filter(|r| r.ok).count();
                let ok = passed == reports.len();
                println!(
                    "{}",
                    serde_json::json!({ "event": "lesson-done", "lesson": lesson.name, "steps": reports.len(), "passed": passed, "ok": ok })
                );
                ExitCode::from(if ok { 0 } else { 1 })
            }
            Err(e) => failed(&format!("lesson {}: {e}", lesson.name)),
        }
    }))
}

fn screen(result: std::io::Result<ExitCode>) -> ExitCode {
    result.unwrap_or_else(|e| failed(&format!("the terminal failed: {e}")))
}

fn setup_failed(error: &cli::SetupError) -> ExitCode {
    eprintln!("cipherlab: {error}");
    ExitCode::from(error.exit_code())
}

fn usage(message: &str) -> ExitCode {
    eprintln!("cipherlab: {message}");
    ExitCode::from(headless::EXIT_USAGE)
}

fn failed(message: &str) -> ExitCode {
    eprintln!("cipherlab: {message}");
    ExitCode::from(headless::EXIT_FAILED)
}

fn finish(result: Result<(), oneshot::OneShotError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(oneshot::OneShotError::Usage(message)) => usage(&message),
        Err(e) => ExitCode::from(e.exit_code()),
    }
}

/// Runs `work` on a fresh runtime. Tasks still blocked when it finishes (a printer writing to
/// a stdout nobody reads) get a moment, then the process exits without them.
fn runtime(work: impl std::future::Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            let code = runtime.block_on(work);
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            code
        }
        Err(e) => failed(&format!("cannot start the async runtime: {e}")),
    }
}
