//! The values flags take: addresses, speeds, frame sizes, planned tampers, and the
//! command line's names for schemes, protocols, key exchanges and formats. Each is checked
//! when the command line is read, so a typo is a usage error now, not a failure later.

use clap::ValueEnum;

use crate::crypto::{KeyExchange, NoncePolicy, Scheme, Tamper};
use crate::wire::seed::Protocol;

/// The port of `HOST:PORT` (a name, an IPv4 address, or `[IPv6]`), or `None` when `text` is not
/// one. Addresses are checked when the command line is read so that a typo is a usage error now
/// rather than a failed connection later.
pub(super) fn address_port(text: &str) -> Option<u16> {
    let (host, port) = text.rsplit_once(':')?;
    let host_ok = if let Some(inner) = host.strip_prefix('[') {
        inner
            .strip_suffix(']')
            .is_some_and(|ip| ip.parse::<std::net::Ipv6Addr>().is_ok())
    } else {
        !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '_')
    };
    if !host_ok {
        return None;
    }
    port.parse().ok()
}

/// An address to listen on; port 0 asks the system for a free port.
pub(super) fn parse_listen_address(text: &str) -> Result<String, String> {
    match address_port(text) {
        Some(_) => Ok(text.to_owned()),
        None => Err(format!(
            "{text:?} is not HOST:PORT: expected an address such as 127.0.0.1:12345 (port 0 picks a free port)"
        )),
    }
}

/// An address to connect to. Port 0 means "any free port" only when listening: nothing can be
/// reached there, so it is refused now instead of failing to connect later.
pub(super) fn parse_peer_address(text: &str) -> Result<String, String> {
    match address_port(text) {
        Some(0) => Err(format!(
            "{text:?}: port 0 is only for listening (it picks a free port); \
             give the port the server listens on"
        )),
        Some(_) => Ok(text.to_owned()),
        None => Err(format!(
            "{text:?} is not HOST:PORT: expected an address such as 127.0.0.1:12345"
        )),
    }
}

pub(super) fn parse_speed(text: &str) -> Result<f64, String> {
    let (min, max) = (crate::record::MIN_SPEED, crate::record::MAX_SPEED);
    match text.parse::<f64>() {
        Ok(speed) if (min..=max).contains(&speed) => Ok(speed),
        _ => Err(format!(
            "expected a number from {min} to {max}, such as 1, 2 or 0.5"
        )),
    }
}

pub(super) fn parse_planned_tamper(text: &str) -> Result<(u64, Tamper), String> {
    let (n, action) = numbered(text, "N=ACTION")?;
    Ok((
        n,
        action
            .parse()
            .map_err(|e: crate::crypto::TamperError| e.to_string())?,
    ))
}

/// `--known N=TEXT`: what the attacker knows client message N says.
pub(super) fn parse_known(text: &str) -> Result<(u64, String), String> {
    let (n, known) = numbered(text, "N=TEXT")?;
    if known.is_empty() {
        return Err("the known plaintext is empty".to_owned());
    }
    if known.len() > crate::crypto::tamper::MAX_TAMPER_BYTES {
        return Err(format!(
            "the known plaintext is {} bytes; at most {}",
            known.len(),
            crate::crypto::tamper::MAX_TAMPER_BYTES
        ));
    }
    Ok((n, known.to_owned()))
}

/// A captured message's wire bytes, given on the command line as hex.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct HexMessage(pub Vec<u8>);

/// A captured message as hex (spaces and a `0x` allowed), at most a frame's worth.
pub(super) fn parse_hex_message(text: &str) -> Result<HexMessage, String> {
    let digits: String = text
        .trim()
        .trim_start_matches("0x")
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    let bytes = hex::decode(&digits).map_err(|e| format!("not hex: {e}"))?;
    if bytes.is_empty() {
        return Err("the message is empty".to_owned());
    }
    if bytes.len() > MAX_MAX_FRAME {
        return Err(format!("{} bytes is more than a frame holds", bytes.len()));
    }
    Ok(HexMessage(bytes))
}

/// `--append TEXT` for length extension: within the tamper grammar's bound.
pub(super) fn parse_append(text: &str) -> Result<String, String> {
    let max = crate::crypto::tamper::MAX_TAMPER_BYTES;
    if text.len() > max {
        return Err(format!("{} bytes; at most {max}", text.len()));
    }
    Ok(text.to_owned())
}

/// `N=...` with N a message number from 1.
fn numbered<'a>(text: &'a str, form: &str) -> Result<(u64, &'a str), String> {
    let (n, rest) = text
        .split_once('=')
        .ok_or_else(|| format!("expected {form}, got {text:?}"))?;
    let n: u64 = n
        .parse()
        .map_err(|_| format!("{n:?} is not a message number (1, 2, ...)"))?;
    if n == 0 {
        return Err("messages are numbered from 1".to_owned());
    }
    Ok((n, rest))
}

/// The smallest `--max-frame`. It must hold every frame of a handshake, whatever the flags,
/// and then a message of useful size (frame sizes from docs/PROTOCOL.md and `wire::frame`):
/// - the largest HELLO is 353 bytes: the client offers an X25519 key (43 characters) and sends
///   at most [`MAX_NAME`](crate::wire::frame::MAX_NAME) characters of name, each at most 4
///   bytes of UTF-8 (control characters, the only ones JSON would escape, are dropped);
/// - the largest WELCOME is 2379 bytes: a 1024-byte hmac key sent in the clear as `hex:` and
///   2048 hex digits, and the name the client is listed under (as long as a HELLO's);
/// - a VERDICT is under 100 bytes.
///
/// 4096 is the next power of two, and leaves room for a DATA frame carrying up to 2991 bytes
/// of plaintext in every scheme (fernet, the largest: 9 + base64 of 57 + 16·187 bytes).
pub const MIN_MAX_FRAME: usize = crate::wire::frame::MAX_HANDSHAKE_FRAME;
/// The largest `--max-frame` (64 MiB), the most a receiver reserves for one frame.
pub const MAX_MAX_FRAME: usize = 64 * 1024 * 1024;

pub(super) fn parse_max_frame(text: &str) -> Result<usize, String> {
    match text.parse::<usize>() {
        Ok(bytes) if (MIN_MAX_FRAME..=MAX_MAX_FRAME).contains(&bytes) => Ok(bytes),
        _ => Err(format!(
            "expected a number of bytes from {MIN_MAX_FRAME} to {MAX_MAX_FRAME} (64 MiB); \
             a smaller frame could not carry the handshake"
        )),
    }
}

/// How wire bytes are written to stdout or read from stdin.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    /// Lowercase hex.
    Hex,
    /// Standard base64.
    Base64,
    /// The bytes themselves.
    Raw,
}

/// Schemes on the command line are [`Scheme`] itself, in [`Scheme::ALL`]'s order, so a new
/// scheme needs no line here.
impl ValueEnum for Scheme {
    fn value_variants<'a>() -> &'a [Self] {
        &Scheme::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()).help(self.title()))
    }
}

impl ValueEnum for NoncePolicy {
    fn value_variants<'a>() -> &'a [Self] {
        &NoncePolicy::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.as_str()).help(self.describe()))
    }
}

/// A wire protocol on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum WireArg {
    /// cipherlab's framed protocol (docs/PROTOCOL.md).
    Lab,
    /// The seed program's own bytes for the scheme (seeds/PROTOCOLS.md).
    Seed,
}

impl From<WireArg> for Protocol {
    fn from(arg: WireArg) -> Protocol {
        match arg {
            WireArg::Lab => Protocol::Lab,
            WireArg::Seed => Protocol::Seed,
        }
    }
}

/// How much a server's verdicts say (`--verdicts`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum VerdictsArg {
    /// Every rejection with its reason: `rejected: bad padding`.
    Detailed,
    /// Every rejection reads just `rejected` (acceptance still shows: still an oracle).
    Opaque,
}

impl From<VerdictsArg> for crate::net::VerdictDetail {
    fn from(arg: VerdictsArg) -> crate::net::VerdictDetail {
        match arg {
            VerdictsArg::Detailed => crate::net::VerdictDetail::Detailed,
            VerdictsArg::Opaque => crate::net::VerdictDetail::Opaque,
        }
    }
}

/// A key exchange on the command line.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum KeyExchangeArg {
    /// The server sends its key in the clear (seeds 000 and 001).
    Send,
    /// Both sides already hold the key.
    Psk,
    /// An ephemeral X25519 agreement: only public keys cross the wire.
    X25519,
}

impl From<KeyExchangeArg> for KeyExchange {
    fn from(arg: KeyExchangeArg) -> KeyExchange {
        match arg {
            KeyExchangeArg::Send => KeyExchange::Send,
            KeyExchangeArg::Psk => KeyExchange::Psk,
            KeyExchangeArg::X25519 => KeyExchange::X25519,
        }
    }
}

impl Format {
    /// The default for a scheme: Fernet tokens are text already.
    pub fn default_for(scheme: Scheme) -> Format {
        if scheme == Scheme::Fernet {
            Format::Raw
        } else {
            Format::Hex
        }
    }
}
