//! The `cipherlab` binary: parse the command line, start logging, run one mode, and turn the
//! outcome into an exit status (0 ok, 1 rejected or failed, 2 usage).

use std::process::ExitCode;

use clap::Parser;

use cipherlab::cli::{self, Cli, Command, DemoArgs, SchemeArg};
use cipherlab::{headless, logging, net, oneshot};

fn main() -> ExitCode {
    let cli = Cli::parse();
    if let Some(warning) = logging::init(cli.log.log_file.as_deref(), cli.log.log_level) {
        eprintln!("cipherlab: {warning}");
    }
    let show_keys = cli.log.log_secrets;
    let command = cli.command.unwrap_or(Command::Demo(DemoArgs {
        scheme: SchemeArg::Fernet,
        key_exchange: None,
        headless: false,
        messages: Vec::new(),
    }));
    match command {
        Command::Keygen(args) => {
            finish(oneshot::keygen(args.scheme.into(), &mut std::io::stdout()))
        }
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
            let config = match cli::server_config(&args) {
                Ok(config) => config,
                Err(message) => return usage(&message),
            };
            screen_pending(args.headless);
            runtime(async move {
                match net::server::bind(&args.listen).await {
                    Ok(listener) => headless::server(listener, config, show_keys).await,
                    Err(e) => {
                        eprintln!("cipherlab: {e}");
                        ExitCode::from(headless::EXIT_FAILED)
                    }
                }
            })
        }
        Command::Mitm(args) => {
            let config = cli::mitm_config(&args);
            screen_pending(args.headless);
            runtime(async move {
                match net::server::bind(&args.listen).await {
                    Ok(listener) => headless::mitm(listener, config, show_keys).await,
                    Err(e) => {
                        eprintln!("cipherlab: {e}");
                        ExitCode::from(headless::EXIT_FAILED)
                    }
                }
            })
        }
        Command::Client(args) => {
            let config = match cli::client_config(&args) {
                Ok(config) => config,
                Err(message) => return usage(&message),
            };
            screen_pending(args.headless);
            runtime(headless::client(config, args.messages, show_keys))
        }
        Command::Demo(args) => {
            let (server, client) = match cli::demo_configs(&args) {
                Ok(configs) => configs,
                Err(message) => return usage(&message),
            };
            screen_pending(args.headless);
            runtime(headless::demo(server, client, args.messages, show_keys))
        }
    }
}

/// Until the screen lands, every networked mode prints JSON lines.
fn screen_pending(headless: bool) {
    if !headless {
        eprintln!("cipherlab: the terminal screen is not built yet; showing headless JSON events");
    }
}

fn usage(message: &str) -> ExitCode {
    eprintln!("cipherlab: {message}");
    ExitCode::from(headless::EXIT_USAGE)
}

fn finish(result: Result<(), oneshot::OneShotError>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(oneshot::OneShotError::Usage(message)) => usage(&message),
        Err(e) => ExitCode::from(e.exit_code()),
    }
}

fn runtime(work: impl std::future::Future<Output = ExitCode>) -> ExitCode {
    match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => {
            let code = runtime.block_on(work);
            // A printer still blocked on a stdout nobody reads must not keep the process alive.
            runtime.shutdown_timeout(std::time::Duration::from_secs(1));
            code
        }
        Err(e) => {
            eprintln!("cipherlab: cannot start the async runtime: {e}");
            ExitCode::from(headless::EXIT_FAILED)
        }
    }
}
