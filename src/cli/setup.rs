//! From parsed arguments to the network's configuration: keys resolved and checked, limits
//! applied. Failures here are usage errors (exit 2).

use std::time::Duration;

use super::{ClientArgs, DemoArgs, MitmArgs, NetArgs, ServerArgs, resolve_key_text};
use crate::crypto::{Key, KeySource, Scheme};
use crate::net::{
    AutoReply, ClientConfig, KeyText, Limits, MitmConfig, ServerConfig, system_clock,
};
use crate::wire::KeyExchange;

fn limits(net: &NetArgs) -> Limits {
    Limits {
        max_frame: net.max_frame,
        handshake_timeout: Duration::from_secs(net.handshake_timeout),
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

/// The server's configuration.
///
/// # Errors
/// A usage message for a missing or unusable key.
pub fn server_config(args: &ServerArgs) -> Result<ServerConfig, String> {
    let scheme = Scheme::from(args.scheme);
    let exchange = args
        .key_exchange
        .map_or(KeyExchange::default_for(scheme), KeyExchange::from);
    let (key, key_source) =
        server_key(resolve_key_text(&args.key, Some(scheme))?, scheme, exchange)?;
    let auto_reply = match (&args.reply, args.echo) {
        (Some(text), _) => Some(AutoReply::Text(text.clone())),
        (None, true) => Some(AutoReply::Echo),
        (None, false) => None,
    };
    Ok(ServerConfig {
        scheme,
        key,
        key_source,
        key_exchange: exchange,
        ttl: args.ttl,
        auto_reply,
        limits: Limits {
            max_clients: args.max_clients as usize,
            ..limits(&args.net)
        },
        clock: system_clock(),
    })
}

/// The client's configuration. A key given with an explicit scheme is checked now, so that a
/// bad key is a usage error before anything connects.
///
/// # Errors
/// A usage message for an unusable key.
pub fn client_config(args: &ClientArgs) -> Result<ClientConfig, String> {
    let scheme = args.scheme.map(Scheme::from);
    let key = resolve_key_text(&args.key, scheme)?;
    if let (Some(scheme), Some(given)) = (scheme, &key) {
        Key::parse(scheme, &given.text).map_err(|e| format!("{}: {e}", given.origin))?;
    }
    let name = args
        .name
        .clone()
        .or_else(|| std::env::var("USER").ok())
        .unwrap_or_else(|| "client".to_owned());
    Ok(ClientConfig {
        connect: args.connect.clone(),
        scheme,
        name,
        key,
        ttl: args.ttl,
        limits: limits(&args.net),
        clock: system_clock(),
    })
}

/// The demo's server and client: one fresh key, sent in the clear or shared in-process.
///
/// # Errors
/// Only if the system's random number generator fails.
pub fn demo_configs(args: &DemoArgs) -> Result<(ServerConfig, ClientConfig), String> {
    let scheme = Scheme::from(args.scheme);
    let exchange = args
        .key_exchange
        .map_or(KeyExchange::default_for(scheme), KeyExchange::from);
    let key = Key::generate(scheme).map_err(|e| e.to_string())?;
    let shared = (exchange == KeyExchange::Psk).then(|| KeyText {
        text: zeroize::Zeroizing::new(format!("hex:{}", hex::encode(key.as_bytes()))),
        origin: "demo".to_owned(),
    });
    let server = ServerConfig {
        scheme,
        key,
        key_source: KeySource::Generated,
        key_exchange: exchange,
        ttl: None,
        auto_reply: None,
        limits: Limits::default(),
        clock: system_clock(),
    };
    let client = ClientConfig {
        connect: String::new(),
        scheme: Some(scheme),
        name: "demo-client".to_owned(),
        key: shared,
        ttl: None,
        limits: Limits::default(),
        clock: system_clock(),
    };
    Ok((server, client))
}

/// The man in the middle's configuration.
pub fn mitm_config(args: &MitmArgs) -> MitmConfig {
    MitmConfig {
        upstream: args.upstream.clone(),
        plan: args.tamper.clone(),
        intercept: args.intercept,
        limits: limits(&args.net),
    }
}
