//! The `cipherlab` binary: parse the command line, start logging, run one mode on the screen
//! or headless, and turn the outcome into an exit status (0 ok, 1 rejected or failed, 2 usage).

use std::io::IsTerminal;
use std::process::ExitCode;

use clap::Parser;

use cipherlab::cli::{self, BenchCommand, Cli, Command, DemoArgs, SchemeArg};
use cipherlab::lesson::Lesson;
use cipherlab::logging::{self, LogRing};
use cipherlab::tui::{self, Launch};
use cipherlab::wire::KeyExchange;
use cipherlab::{bench, headless, net, oneshot};

fn main() -> ExitCode {
    let cli = Cli::parse();
    let show_keys = cli.log.log_secrets;
    let command = cli.command.unwrap_or(Command::Demo(DemoArgs {
        scheme: SchemeArg::Fernet,
        key_exchange: None,
        headless: false,
        messages: Vec::new(),
    }));
    let on_screen = match &command {
        Command::Demo(args) => !args.headless,
        Command::Server(args) => !args.headless,
        Command::Client(args) => !args.headless,
        Command::Mitm(args) => !args.headless,
        Command::Lesson(args) => !args.headless && !args.list,
        Command::Seal(_) | Command::Open(_) | Command::Keygen(_) | Command::Bench(_) => false,
    };
    if on_screen && !std::io::stdout().is_terminal() {
        return usage(
            "stdout is not a terminal: run in a terminal, or add --headless for JSON lines",
        );
    }
    let ring = on_screen.then(LogRing::default);
    if let Some(warning) =
        logging::init(cli.log.log_file.as_deref(), cli.log.log_level, ring.clone())
    {
        eprintln!("cipherlab: {warning}");
    }
    let ring = ring.unwrap_or_default();
    match command {
        Command::Keygen(args) => {
            finish(oneshot::keygen(args.scheme.into(), &mut std::io::stdout()))
        }
        Command::Lesson(args) => lesson(&args, ring),
        Command::Bench(BenchCommand::Crypto { json }) => {
            let figures = bench::crypto::run();
            if json {
                println!("{}", serde_json::json!({ "crypto": figures }));
            } else {
                print!("{}", bench::crypto::table(&figures));
            }
            ExitCode::SUCCESS
        }
        Command::Bench(BenchCommand::Net(args)) => runtime(async move {
            match bench::net::run(args.scheme.into(), args.clients, args.messages, args.size).await
            {
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
        Command::Server(args) => {
            let (config, listen) = match cli::server_config(&args) {
                Ok(configured) => configured,
                Err(e) => return setup_failed(&e),
            };
            runtime(async move {
                let listener = match net::server::bind(&listen).await {
                    Ok(listener) => listener,
                    Err(e) => return failed(&e.to_string()),
                };
                if args.headless {
                    headless::server(listener, config, show_keys).await
                } else {
                    screen(tui::run(Launch::Server { listener, config }, ring).await)
                }
            })
        }
        Command::Mitm(args) => {
            let config = match cli::mitm_config(&args) {
                Ok(config) => config,
                Err(e) => return setup_failed(&e),
            };
            runtime(async move {
                let listener = match net::server::bind(&args.listen).await {
                    Ok(listener) => listener,
                    Err(e) => return failed(&e.to_string()),
                };
                if args.headless {
                    headless::mitm(listener, config, show_keys).await
                } else {
                    screen(tui::run(Launch::Mitm { listener, config }, ring).await)
                }
            })
        }
        Command::Client(args) => {
            let (config, messages) = match cli::client_config(&args) {
                Ok(configured) => configured,
                Err(e) => return setup_failed(&e),
            };
            if args.headless {
                runtime(headless::client(config, messages, show_keys))
            } else {
                runtime(async move { screen(tui::run(Launch::Client { config }, ring).await) })
            }
        }
        Command::Demo(args) => {
            if args.headless {
                let (server, client) = match cli::demo_configs(&args) {
                    Ok(configs) => configs,
                    Err(message) => return usage(&message),
                };
                runtime(headless::demo(server, client, args.messages, show_keys))
            } else {
                let scheme = args.scheme.into();
                let exchange = args
                    .key_exchange
                    .map_or(KeyExchange::default_for(scheme), KeyExchange::from);
                runtime(
                    async move { screen(tui::run(Launch::Demo { scheme, exchange }, ring).await) },
                )
            }
        }
    }
}

/// `cipherlab lesson`: the list, a lesson played headless, or a lesson on the screen.
fn lesson(args: &cli::LessonArgs, ring: LogRing) -> ExitCode {
    if args.list {
        for lesson in Lesson::shipped() {
            println!("{:<28} {}", lesson.name, lesson.title);
        }
        return ExitCode::SUCCESS;
    }
    let lesson = match Lesson::find(args.name.as_deref().unwrap_or_default()) {
        Ok(lesson) => lesson,
        Err(e) => return usage(&e.to_string()),
    };
    if !args.headless {
        return runtime(async move { screen(tui::run(Launch::Lesson { lesson }, ring).await) });
    }
    runtime(async move {
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
    })
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
