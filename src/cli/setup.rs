//! From parsed arguments to the network's configuration: keys resolved and checked, limits
//! and the seed wire's own rules applied. Failures are usage errors (exit 2), except seed 004's
//! missing `SHARED_SECRET_KEY`, which exits 1 as the seed does.

use std::time::Duration;

use super::VerdictsArg;
use super::{
    AttackArgs, AttackCommand, ClientArgs, DemoArgs, MitmArgs, NetArgs, ServerArgs,
    resolve_key_text,
};
use crate::crypto::KeyExchange;
use crate::crypto::{Key, KeySource, NoncePolicy, Scheme};
use crate::net::{
    AutoReply, ClientConfig, KeyText, Limits, MitmConfig, Retry, ServerConfig, VerdictDetail,
    system_clock,
};
use crate::wire::frame::MAX_NAME;
use crate::wire::seed::{CBC_SEED_KEY, Protocol, default_addr, mac_address};

/// Why a mode could not be configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SetupError {
    /// The command line or a key was unusable (exit 2).
    #[error("{0}")]
    Usage(String),
    /// Seed 004's key variable is not set (exit 1, as seed 004 itself).
    #[error(
        "SHARED_SECRET_KEY is not set: seed 004 reads the shared key from it (Key environment variable not set.)"
    )]
    SeedKeyMissing,
}

impl SetupError {
    /// The process exit status.
    pub fn exit_code(&self) -> u8 {
        match self {
            SetupError::Usage(_) => 2,
            SetupError::SeedKeyMissing => 1,
        }
    }
}

impl From<String> for SetupError {
    fn from(message: String) -> SetupError {
        SetupError::Usage(message)
    }
}

/// The rules between a scheme, the wire and `--nonce`: the seed wire speaks only the seeds'
/// schemes, and only the schemes with a nonce take `--nonce`.
///
/// # Errors
/// A usage error that says why.
pub fn scheme_options(
    scheme: Option<Scheme>,
    wire: Protocol,
    nonce: Option<NoncePolicy>,
) -> Result<NoncePolicy, SetupError> {
    if wire == Protocol::Seed
        && let Some(scheme) = scheme
        && scheme.seed_port().is_none()
    {
        return Err(SetupError::Usage(format!(
            "--wire seed speaks the seed programs' schemes (ecb, cbc, fernet, hmac); no seed \
             program speaks {scheme}: use the lab wire"
        )));
    }
    match (nonce, scheme) {
        (None, _) => Ok(NoncePolicy::Random),
        (Some(policy), Some(scheme)) if scheme.takes_nonce() => Ok(policy),
        (Some(_), Some(scheme)) => Err(SetupError::Usage(format!(
            "--nonce is for gcm and chacha, whose sender picks a nonce per message; {scheme} has \
             no nonce"
        ))),
        (Some(_), None) => Err(SetupError::Usage(
            "--nonce needs --scheme gcm or chacha: the nonce policy is the sender's, for a \
             scheme with a nonce"
                .to_owned(),
        )),
    }
}

/// The seed protocols fix how the key travels: 000 and 001 send it, 003 and 004 share it.
fn seed_exchange(scheme: Scheme) -> KeyExchange {
    match scheme {
        Scheme::Ecb | Scheme::Fernet => KeyExchange::Send,
        _ => KeyExchange::Psk,
    }
}

fn address(given: Option<&String>, wire: Protocol, scheme: Option<Scheme>) -> String {
    match (given, wire) {
        (Some(addr), _) => addr.clone(),
        (None, Protocol::Seed) => default_addr(scheme.unwrap_or(Scheme::Fernet)),
        (None, Protocol::Lab) => super::DEFAULT_ADDR.to_owned(),
    }
}

fn limits(net: &NetArgs) -> Limits {
    Limits {
        max_frame: net.max_frame,
        handshake_timeout: Duration::from_secs(net.handshake_timeout),
        idle_timeout: Duration::from_secs(net.idle_timeout),
        ..Limits::default()
    }
}

/// The server's key: the user's if given, otherwise a fresh one (not allowed under psk).
fn server_key(
    key: Option<KeyText>,
    scheme: Scheme,
    exchange: KeyExchange,
) -> Result<(Key, KeySource), String> {
    match key {
        Some(given) => Key::parse(scheme, &given.text)
            .map(|key| (key, KeySource::PreShared))
            .map_err(|e| format!("{}: {e}", given.origin)),
        None if exchange == KeyExchange::Psk => Err(format!(
            "--key-exchange psk needs a key: --key, --key-file or CIPHERLAB_KEY{} (expected {})",
            if scheme == Scheme::Hmac {
                " (or SHARED_SECRET_KEY)"
            } else {
                ""
            },
            crate::crypto::key::expected(scheme)
        )),
        None => Key::generate(scheme)
            .map(|key| (key, KeySource::Generated))
            .map_err(|e| e.to_string()),
    }
}

/// The server's configuration, and the address to listen on.
///
/// # Errors
/// A [`SetupError`] for a missing or unusable key.
pub fn server_config(args: &ServerArgs) -> Result<(ServerConfig, String), SetupError> {
    let exercise = args
        .exercise
        .as_deref()
        .map(crate::net::exercise::Exercise::find)
        .transpose()
        .map_err(|e| e.to_string())?;
    let scheme = exercise.as_ref().map_or(args.scheme, |e| e.scheme);
    let wire = Protocol::from(args.wire);
    if exercise.is_some() && wire == Protocol::Seed {
        return Err(SetupError::Usage(
            "--exercise needs the lab wire: the seed protocols have no TASK or ANSWER".to_owned(),
        ));
    }
    let nonce = scheme_options(Some(scheme), wire, args.nonce)?;
    let chosen = exercise
        .as_ref()
        .map(|e| e.key_exchange)
        .or(args.key_exchange.map(KeyExchange::from));
    let exchange = match wire {
        Protocol::Lab => chosen.unwrap_or(KeyExchange::default_for(scheme)),
        Protocol::Seed => {
            let seed = seed_exchange(scheme);
            if chosen.is_some_and(|c| c != seed) {
                return Err(SetupError::Usage(format!(
                    "--wire seed --scheme {scheme} uses --key-exchange {} (that is how the seed program works)",
                    seed.as_str()
                )));
            }
            seed
        }
    };
    let mut given = resolve_key_text(&args.key, Some(scheme))?;
    if wire == Protocol::Seed && given.is_none() {
        match scheme {
            Scheme::Cbc => {
                given = Some(KeyText {
                    text: CBC_SEED_KEY.to_owned().into(),
                    origin: "seed 003's key".into(),
                })
            }
            Scheme::Hmac => return Err(SetupError::SeedKeyMissing),
            _ => {}
        }
    }
    let (key, key_source) = match (&exercise, given) {
        // The class must not have the key: the server makes its own.
        (Some(_), None) => Key::generate(scheme)
            .map(|key| (key, KeySource::Generated))
            .map_err(|e| e.to_string())?,
        (_, given) => server_key(given, scheme, exchange)?,
    };
    let class = match exercise {
        Some(exercise) => {
            let results = args
                .results
                .as_deref()
                .map(crate::net::exercise::Results::create)
                .transpose()
                .map_err(|e| e.to_string())?;
            let class = crate::net::exercise::Class::new(exercise, &key, nonce, results)
                .map_err(|e| e.to_string())?;
            Some(std::sync::Arc::new(class))
        }
        None => None,
    };
    if wire == Protocol::Seed && args.verdicts == VerdictsArg::Opaque {
        return Err(SetupError::Usage(
            "--verdicts opaque is for the lab wire: each seed program answers in its own words"
                .to_owned(),
        ));
    }
    let auto_reply = match (&args.reply, args.echo, &args.echo_append) {
        (_, _, Some(secret)) => Some(AutoReply::Append(secret.clone().into_bytes())),
        (Some(text), _, None) => Some(AutoReply::Text(text.clone())),
        (None, true, None) => Some(AutoReply::Echo),
        // Seed 001's client waits for a reply to every token: headless, echo unless told.
        (None, false, None)
            if wire == Protocol::Seed && scheme == Scheme::Fernet && args.headless =>
        {
            Some(AutoReply::Echo)
        }
        (None, false, None) => None,
    };
    let config = ServerConfig {
        protocol: wire,
        scheme,
        key,
        key_source,
        key_exchange: exchange,
        ttl: args.ttl,
        auto_reply,
        verdicts: args.verdicts.into(),
        nonce,
        limits: Limits {
            max_clients: args.max_clients as usize,
            ..limits(&args.net)
        },
        clock: system_clock(),
        class,
    };
    Ok((config, address(args.listen.as_ref(), wire, Some(scheme))))
}

/// The client's configuration and the messages it is to send. A key given with an explicit
/// scheme is checked now, so that a bad key is a usage error before anything connects.
///
/// # Errors
/// A [`SetupError`] for an unusable key, a missing seed 004 key, or no MAC address.
pub fn client_config(args: &ClientArgs) -> Result<(ClientConfig, Vec<String>), SetupError> {
    let wire = Protocol::from(args.wire);
    let mut scheme = args.scheme;
    if wire == Protocol::Seed {
        // The seed protocols do not announce their scheme: fernet unless told.
        scheme = Some(scheme.unwrap_or(Scheme::Fernet));
    }
    let nonce = scheme_options(scheme, wire, args.nonce)?;
    let key = resolve_key_text(&args.key, scheme)?;
    if let (Some(scheme), Some(given)) = (scheme, &key) {
        Key::parse(scheme, &given.text).map_err(|e| format!("{}: {e}", given.origin))?;
    }
    if wire == Protocol::Seed && scheme == Some(Scheme::Hmac) && key.is_none() {
        return Err(SetupError::SeedKeyMissing);
    }
    if wire == Protocol::Seed && !(args.send_wire.is_empty() && args.answers.is_empty()) {
        return Err(SetupError::Usage(
            "--send-wire and --answer need the lab wire".to_owned(),
        ));
    }
    let mut messages = args.messages.clone();
    if args.mac {
        messages.push(mac_address().ok_or_else(|| {
            "--mac: no network interface with a MAC address was found".to_owned()
        })?);
    }
    // The server keeps at most MAX_NAME characters, control characters dropped
    // (docs/PROTOCOL.md); sending no more keeps HELLO within the smallest --max-frame.
    let name = args
        .name
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "client".to_owned())
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let config = ClientConfig {
        protocol: wire,
        connect: address(args.connect.as_ref(), wire, scheme),
        scheme,
        name,
        // A student on the screen joins an exercise without the key, as `--send-wire` and
        // `--answer` do headless: the Exercise pane is played without it.
        keyless: key.is_none()
            && (!args.headless || !args.send_wire.is_empty() || !args.answers.is_empty()),
        key,
        ttl: args.ttl,
        nonce,
        limits: Limits {
            retry: client_retry(args),
            ..limits(&args.net)
        },
        clock: system_clock(),
    };
    Ok((config, messages))
}

/// How a client retries: `--retries`, or a minute and a half on the screen (a class whose
/// server restarts) and 15 s headless (a script should not hang long on a dead server).
fn client_retry(args: &ClientArgs) -> Retry {
    let default = if args.headless {
        Retry::HEADLESS
    } else {
        Retry::SCREEN
    };
    args.retries.map_or(default, |n| default.with_attempts(n))
}

/// The demo's server and client: one fresh key, sent in the clear or shared in-process.
///
/// # Errors
/// Only if the system's random number generator fails.
pub fn demo_configs(args: &DemoArgs) -> Result<(ServerConfig, ClientConfig), String> {
    let scheme = args.scheme;
    let exchange = args
        .key_exchange
        .map_or(KeyExchange::default_for(scheme), KeyExchange::from);
    let nonce =
        scheme_options(Some(scheme), Protocol::Lab, args.nonce).map_err(|e| e.to_string())?;
    let key = Key::generate(scheme).map_err(|e| e.to_string())?;
    let shared = (exchange == KeyExchange::Psk).then(|| KeyText {
        text: zeroize::Zeroizing::new(format!("hex:{}", hex::encode(key.as_bytes()))),
        origin: "demo".to_owned(),
    });
    let server = ServerConfig {
        protocol: crate::wire::seed::Protocol::Lab,
        scheme,
        key,
        key_source: KeySource::Generated,
        key_exchange: exchange,
        ttl: None,
        auto_reply: None,
        verdicts: VerdictDetail::Detailed,
        nonce,
        limits: Limits::default(),
        clock: system_clock(),
        class: None,
    };
    let client = ClientConfig {
        protocol: crate::wire::seed::Protocol::Lab,
        connect: String::new(),
        scheme: Some(scheme),
        name: "demo-client".to_owned(),
        key: shared,
        keyless: false,
        ttl: None,
        nonce,
        limits: Limits::default(),
        clock: system_clock(),
    };
    Ok((server, client))
}

/// An attack's client configuration and its plan. Only byte-at-a-time takes a key (to seal
/// its chosen prefixes under psk); the padding oracle and extend need none.
///
/// # Errors
/// A usage error for a key file that cannot be read.
pub fn attack_plan(
    command: &AttackCommand,
) -> Result<(ClientConfig, crate::net::oracle::Plan, bool), SetupError> {
    use crate::net::oracle::Plan;
    let (args, plan, key): (&AttackArgs, Plan, Option<KeyText>) = match command {
        AttackCommand::PaddingOracle(a) => (
            &a.attack,
            Plan::PaddingOracle {
                message: a.message.0.clone(),
            },
            None,
        ),
        AttackCommand::ByteAtATime(a) => (
            &a.attack,
            Plan::ByteAtATime,
            resolve_key_text(&a.key, None)?,
        ),
        AttackCommand::Extend(a) => (
            &a.attack,
            Plan::Extend {
                message: a.message.0.clone(),
                append: a.append.clone(),
            },
            None,
        ),
    };
    let name = args
        .name
        .chars()
        .filter(|c| !c.is_control())
        .take(MAX_NAME)
        .collect();
    let config = ClientConfig {
        protocol: Protocol::Lab,
        connect: args.connect.clone(),
        scheme: None,
        name,
        key,
        keyless: false,
        ttl: None,
        nonce: NoncePolicy::Random,
        limits: limits(&args.net),
        clock: system_clock(),
    };
    Ok((config, plan, args.headless))
}

/// The man in the middle's configuration.
///
/// # Errors
/// A usage message when `--wire seed` comes without `--scheme`.
pub fn mitm_config(args: &MitmArgs) -> Result<MitmConfig, SetupError> {
    let wire = Protocol::from(args.wire);
    if wire == Protocol::Seed && args.scheme.is_none() {
        return Err(SetupError::Usage(
            "--wire seed needs --scheme: the seed protocols do not announce it".to_owned(),
        ));
    }
    scheme_options(args.scheme, wire, None)?;
    if wire == Protocol::Seed && args.oracle.is_some() {
        return Err(SetupError::Usage(
            "--oracle is for the lab wire: its queries need a connection that answers each one \
             with a verdict"
                .to_owned(),
        ));
    }
    Ok(MitmConfig {
        protocol: wire,
        scheme: args.scheme,
        upstream: args.upstream.clone(),
        plan: args.tamper.clone(),
        intercept: args.intercept,
        oracle: args.oracle,
        known: args.known.clone(),
        limits: limits(&args.net),
    })
}
