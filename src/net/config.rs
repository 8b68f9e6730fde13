//! The limits and settings the network tasks run under. Everything is bounded.

use std::sync::Arc;
use std::time::Duration;

use crate::crypto::KeyExchange;
use crate::crypto::{Key, KeySource, NoncePolicy, Scheme, Tamper, Verdict, unix_now};
use crate::wire::frame::DEFAULT_MAX_FRAME;
use crate::wire::seed::Protocol;

/// The receiver's clock, in seconds since 1970. Tests substitute their own to expire tokens
/// without sleeping.
pub type Clock = Arc<dyn Fn() -> u64 + Send + Sync>;

/// The system clock.
pub fn system_clock() -> Clock {
    Arc::new(unix_now)
}

/// The default `--idle-timeout`: generous enough for a class that pauses to listen.
pub const DEFAULT_IDLE_TIMEOUT: Duration = Duration::from_secs(600);

/// Bounds on every resource a connection can consume.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// The largest frame body accepted or sent (`--max-frame`).
    pub max_frame: usize,
    /// Connections served at once (`--max-clients`); the next one is refused in its protocol's
    /// own way (an ERROR frame on the lab protocol, the seed's failure or a close on the seed).
    pub max_clients: usize,
    /// How long a new connection may take to say HELLO (and a client to get WELCOME).
    pub handshake_timeout: Duration,
    /// How long one frame may take to write before the peer is deemed not to be reading.
    pub write_timeout: Duration,
    /// How long a frame may take to arrive once its first byte has (slow senders are cut off).
    pub frame_timeout: Duration,
    /// How long a client may take to connect.
    pub connect_timeout: Duration,
    /// How long a connection may carry nothing at all before it is closed (`--idle-timeout`):
    /// a peer that says HELLO and then goes quiet cannot hold its slot for good.
    pub idle_timeout: Duration,
    /// Messages sent and still awaiting a verdict, per connection; sending pauses at this.
    pub max_in_flight: usize,
    /// Depth of each bounded command queue.
    pub queue_depth: usize,
    /// How a lab client comes back to a server it cannot reach or has lost.
    pub retry: Retry,
}

/// How a lab client retries a server it cannot reach, or has lost (the server restarted,
/// crashed, or the network dropped): `attempts` tries, waiting `first`, then twice as long
/// each time, never more than `cap`. The count starts again once a connection has lasted
/// `cap`, so a server that drops every client at once cannot keep them retrying for ever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Retry {
    /// Tries before giving up (`--retries`); 0 never retries.
    pub attempts: u32,
    /// The first wait.
    pub first: Duration,
    /// The longest wait.
    pub cap: Duration,
}

impl Retry {
    /// The most `--retries` may ask for: with the default waits, about an hour.
    pub const MAX_ATTEMPTS: u32 = 360;

    /// Never retry: the first failure is the last.
    pub const NEVER: Retry = Retry {
        attempts: 0,
        first: Duration::from_millis(500),
        cap: Duration::from_secs(10),
    };

    /// The screen's default: about a minute and a half of tries, long enough for an
    /// instructor to restart the server under another scheme.
    pub const SCREEN: Retry = Retry {
        attempts: 12,
        ..Retry::NEVER
    };

    /// A headless client's default: about 15 s, for a script whose server starts a moment
    /// after its clients or restarts under them.
    pub const HEADLESS: Retry = Retry {
        attempts: 5,
        ..Retry::NEVER
    };

    /// The same waits, `attempts` tries.
    pub fn with_attempts(self, attempts: u32) -> Retry {
        Retry { attempts, ..self }
    }

    /// The wait before try `attempt` (from 1).
    pub fn delay(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(16);
        self.first.saturating_mul(1 << doublings).min(self.cap)
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_frame: DEFAULT_MAX_FRAME,
            max_clients: 256,
            handshake_timeout: Duration::from_secs(10),
            write_timeout: Duration::from_secs(10),
            frame_timeout: Duration::from_secs(30),
            connect_timeout: Duration::from_secs(5),
            idle_timeout: DEFAULT_IDLE_TIMEOUT,
            max_in_flight: 256,
            queue_depth: 256,
            retry: Retry::SCREEN,
        }
    }
}

/// How a server answers messages on its own, without an operator.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AutoReply {
    /// Send each accepted plaintext back.
    Echo,
    /// Send this text after each accepted message.
    Text(String),
    /// Send each accepted plaintext back with these bytes appended (`--echo-append`): a
    /// service that appends a secret to what it echoes. A message it cannot open is echoed as
    /// the bytes that arrived, so that anyone can feed it, with the key or without. Under ecb
    /// the reply's ciphertext blocks give the secret away, one byte at a time.
    Append(Vec<u8>),
}

impl AutoReply {
    /// The reply to an accepted message whose plaintext is `plaintext`.
    pub fn to(&self, plaintext: &[u8]) -> Vec<u8> {
        match self {
            AutoReply::Echo => plaintext.to_vec(),
            AutoReply::Text(text) => text.as_bytes().to_vec(),
            AutoReply::Append(secret) => [plaintext, secret].concat(),
        }
    }
}

/// How much a server's VERDICT frames say about a rejection (`--verdicts`).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum VerdictDetail {
    /// The reason goes with every rejection: `rejected: bad padding`.
    #[default]
    Detailed,
    /// Every rejection reads just `rejected`; the server's own screen and log still know why.
    /// Acceptance still shows, so under cbc it is still a padding oracle (DESIGN §9).
    Opaque,
}

impl VerdictDetail {
    /// The word on the command line and in lesson files.
    pub fn as_str(self) -> &'static str {
        match self {
            VerdictDetail::Detailed => "detailed",
            VerdictDetail::Opaque => "opaque",
        }
    }

    /// The verdict as this server reports it to the sender.
    pub fn report(self, verdict: &Verdict) -> Verdict {
        match self {
            VerdictDetail::Detailed => verdict.clone(),
            VerdictDetail::Opaque => verdict.opaque(),
        }
    }
}

impl std::str::FromStr for VerdictDetail {
    type Err = String;

    fn from_str(text: &str) -> Result<VerdictDetail, String> {
        [VerdictDetail::Detailed, VerdictDetail::Opaque]
            .into_iter()
            .find(|d| d.as_str() == text)
            .ok_or_else(|| format!("verdicts must be detailed or opaque, got {text:?}"))
    }
}

/// Everything a server needs.
#[derive(Clone)]
pub struct ServerConfig {
    /// The lab protocol, or the seed program's own bytes.
    pub protocol: Protocol,
    /// The scheme it speaks.
    pub scheme: Scheme,
    /// Its key.
    pub key: Key,
    /// Where the key came from (generated or pre-shared).
    pub key_source: KeySource,
    /// Whether the key is sent to clients in the clear.
    pub key_exchange: KeyExchange,
    /// Reject Fernet tokens older than this many seconds.
    pub ttl: Option<u64>,
    /// An automatic reply to each accepted message, if any.
    pub auto_reply: Option<AutoReply>,
    /// Whether its VERDICT frames give the reason for a rejection.
    pub verdicts: VerdictDetail,
    /// How its replies pick their nonces (gcm, chacha).
    pub nonce: NoncePolicy,
    /// Resource limits.
    pub limits: Limits,
    /// The clock used to judge Fernet timestamps.
    pub clock: Clock,
    /// The exercise hosted (`--exercise`), with the class's material and progress.
    pub class: Option<Arc<super::exercise::Class>>,
}

/// A client's key, before the session's scheme is known.
#[derive(Clone)]
pub struct KeyText {
    /// The text, in one of the lab's key forms.
    pub text: zeroize::Zeroizing<String>,
    /// Where it came from, for error messages (`--key`, `CIPHERLAB_KEY`...).
    pub origin: String,
}

/// Everything a client needs.
#[derive(Clone)]
pub struct ClientConfig {
    /// The lab protocol, or the seed program's own bytes.
    pub protocol: Protocol,
    /// The server's address, as `host:port`.
    pub connect: String,
    /// The scheme to ask for, or `None` to take the server's.
    pub scheme: Option<Scheme>,
    /// The name shown on the server's client list.
    pub name: String,
    /// The pre-shared key, used when the server says `psk`.
    pub key: Option<KeyText>,
    /// A student without the server's key (`--send-wire`, `--answer`): under psk with no key,
    /// connect anyway with a random key of its own, whose messages the server will reject.
    pub keyless: bool,
    /// Reject Fernet tokens older than this many seconds.
    pub ttl: Option<u64>,
    /// How its messages pick their nonces (gcm, chacha).
    pub nonce: NoncePolicy,
    /// Resource limits.
    pub limits: Limits,
    /// The clock used to judge Fernet timestamps.
    pub clock: Clock,
}

/// Everything the man in the middle needs.
#[derive(Clone)]
pub struct MitmConfig {
    /// The lab protocol, or the seed program's own bytes.
    pub protocol: Protocol,
    /// The real server, as `host:port`.
    pub upstream: String,
    /// The scheme relayed: on the seed wire it cannot be read from a WELCOME.
    pub scheme: Option<Scheme>,
    /// Actions to apply to each connection's N-th client message (1-based), in order.
    pub plan: Vec<(u64, Tamper)>,
    /// Plaintexts the attacker knows: client message N (1-based) reads TEXT. Under a repeated
    /// nonce, one known plaintext reads every other message under that nonce.
    pub known: Vec<(u64, String)>,
    /// Start holding client messages until the front end releases them.
    pub intercept: bool,
    /// Run the padding oracle on each connection's N-th client message (1-based), its
    /// queries injected into that connection (`--oracle N`).
    pub oracle: Option<u64>,
    /// Resource limits.
    pub limits: Limits,
}
