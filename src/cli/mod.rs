//! The command line: every mode and flag of the product contract, parsed by clap.

mod attack;
mod bench;
mod keys;
mod setup;
mod values;

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand};

pub use attack::{AttackArgs, AttackCommand, ByteAtATimeArgs, ExtendArgs, PaddingOracleArgs};
pub use bench::{BenchCommand, BenchNetArgs};
pub use keys::{KeyArgs, resolve_key_text};
pub use setup::{
    SetupError, attack_plan, client_config, demo_configs, mitm_config, scheme_options,
    server_config,
};
pub use values::{
    Format, HexMessage, KeyExchangeArg, MAX_MAX_FRAME, MIN_MAX_FRAME, VerdictsArg, WireArg,
};

pub use crate::logging::LogLevel;
use values::{
    parse_known, parse_listen_address, parse_max_frame, parse_peer_address, parse_planned_tamper,
    parse_speed,
};

use crate::crypto::{NoncePolicy, Scheme, Tamper};

/// The default server address (the seeds' port 12345, on loopback).
pub const DEFAULT_ADDR: &str = "127.0.0.1:12345";

/// cipherlab: a terminal lab for symmetric cryptography on the wire.
///
/// After parsing, [`Command::check`] applies the rules that span several flags, which clap's
/// attributes cannot express (one flag's meaning depending on another's value).
#[derive(Debug, Parser)]
#[command(name = "cipherlab", version, about, long_about = None, after_help = after_help())]
pub struct Cli {
    /// The mode to run; with none, the side-by-side demo.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// Logging options, shared by every mode.
    #[command(flatten)]
    pub log: LogArgs,
}

fn after_help() -> String {
    format!(
        "Logs go to {} unless --log-file (or CIPHERLAB_LOG_FILE) says otherwise\n\
         (created 0600, rotated at 10 MiB keeping one .1 file, 20 lines a second per peer).\n\
         Keys for --key and key files: hex:…, base64:…, text:…, or the scheme's natural form\n\
         (hex for ecb/cbc, urlsafe base64 for fernet, plain text for hmac).",
        crate::logging::default_log_path().map_or_else(
            || "nowhere by default ($XDG_STATE_HOME and $HOME are unset)".to_owned(),
            |path| path.display().to_string()
        )
    )
}

/// Logging options.
#[derive(Debug, Args)]
pub struct LogArgs {
    /// Write the log here [default: $XDG_STATE_HOME/cipherlab/cipherlab.log, else
    /// ~/.local/state/cipherlab/cipherlab.log].
    #[arg(long, global = true, env = "CIPHERLAB_LOG_FILE", value_name = "PATH")]
    pub log_file: Option<PathBuf>,
    /// How much to log.
    #[arg(long, global = true, value_enum, default_value_t = LogLevel::Info)]
    pub log_level: LogLevel,
    /// Also write keys to the log and to headless `key` events (they are redacted otherwise).
    #[arg(long, global = true)]
    pub log_secrets: bool,
    /// Record every event to FILE as JSON lines, for `cipherlab replay` (keys redacted unless
    /// --log-secrets).
    #[arg(long, global = true, value_name = "FILE")]
    pub record: Option<PathBuf>,
}

/// The modes.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Client, wire and server side by side on loopback (the default).
    Demo(DemoArgs),
    /// Accept clients and show every message they send, with its verdict.
    Server(ServerArgs),
    /// Connect to a server and send messages.
    Client(ClientArgs),
    /// Sit between a client and a server: forward, read, and tamper with their messages.
    Mitm(MitmArgs),
    /// Seal plaintext from stdin into wire bytes on stdout.
    Seal(SealArgs),
    /// Open wire bytes from stdin: plaintext to stdout, verdict to stderr (exit 0 opened, 1 rejected, 2 usage).
    Open(OpenArgs),
    /// Print a fresh random key for a scheme.
    Keygen(KeygenArgs),
    /// Guided walkthroughs for a live lab: `--list`, or a lesson's name (or a .toml file).
    Lesson(LessonArgs),
    /// Exercises a server hosts for a class (`server --exercise NAME`): `--list` names them.
    Exercise(ExerciseArgs),
    /// Play a session recorded with --record back on the screen, at real or faster speed.
    Replay(ReplayArgs),
    /// Measure: `crypto` times each scheme, `net` loads a real server on loopback.
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Read without the key: attacks that ask a lab server questions and read a message or a
    /// secret from its answers (exit 0 recovered, 1 failed, 2 usage).
    #[command(subcommand)]
    Attack(AttackCommand),
}

impl Command {
    /// The rules that span several flags. `--ttl` expires Fernet tokens by the timestamp they
    /// carry; the other schemes carry none, so `--ttl` with one of them would be silently
    /// ignored. (A client without `--scheme` learns its scheme from the server, too late to say.)
    ///
    /// # Errors
    /// A usage error naming the flags that do not go together.
    pub fn check(&self) -> Result<(), clap::Error> {
        let (name, scheme, ttl) = match self {
            Command::Server(args) => ("server", Some(args.scheme), args.ttl),
            Command::Client(args) => ("client", args.scheme, args.ttl),
            Command::Open(args) => ("open", Some(args.scheme), args.ttl),
            _ => return Ok(()),
        };
        match (scheme, ttl) {
            (Some(scheme), Some(_)) if scheme != Scheme::Fernet => Err(usage_error(
                name,
                format!(
                    "the argument '--ttl <SECS>' cannot be used with '--scheme {scheme}': \
                     --ttl expires Fernet tokens by their timestamp, and {scheme} messages carry none"
                ),
            )),
            _ => Ok(()),
        }
    }
}

/// A usage error (exit 2) shown with the usage line of `subcommand`.
fn usage_error(subcommand: &str, message: String) -> clap::Error {
    let mut command = Cli::command();
    // Built first, so that the subcommand's usage line reads `cipherlab server ...`.
    command.build();
    match command.find_subcommand_mut(subcommand) {
        Some(sub) => sub.error(ErrorKind::ArgumentConflict, message),
        None => command.error(ErrorKind::ArgumentConflict, message),
    }
}

/// `cipherlab replay`.
#[derive(Debug, Args)]
pub struct ReplayArgs {
    /// The recording (written by --record).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// How many times faster than real time: 2 plays twice as fast, 0.5 at half speed.
    #[arg(long, default_value_t = 1.0, value_parser = parse_speed)]
    pub speed: f64,
    /// Print the events as JSON lines instead of drawing the screen.
    #[arg(long)]
    pub headless: bool,
    /// On the screen: hide key material, for a pre-shared key the class should not see on the
    /// projector (`h` shows it again).
    #[arg(long)]
    pub hide_keys: bool,
}

/// `cipherlab demo`.
#[derive(Debug, Args)]
pub struct DemoArgs {
    /// The scheme to start with.
    #[arg(long, value_enum, default_value_t = Scheme::Fernet)]
    pub scheme: Scheme,
    /// How the key is established [default: send, or psk for hmac and prefix-mac].
    #[arg(long, value_enum)]
    pub key_exchange: Option<KeyExchangeArg>,
    /// How gcm and chacha pick each message's nonce: random, counter (a random per-connection
    /// prefix and a message counter) or fixed (one nonce for all: a deliberate fault)
    /// [default: random]. Only for gcm and chacha.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub nonce: Option<NoncePolicy>,
    /// Print events as JSON lines instead of drawing the screen.
    #[arg(long)]
    pub headless: bool,
    /// On the screen: hide key material, for a pre-shared key the class should not see on the
    /// projector (`h` shows it again).
    #[arg(long)]
    pub hide_keys: bool,
    /// With --headless: messages to send (default: a short scripted conversation).
    #[arg(long = "message", value_name = "M")]
    pub messages: Vec<String>,
}

/// `cipherlab server`.
#[derive(Debug, Args)]
pub struct ServerArgs {
    /// Address to listen on; port 0 picks a free port (the `listening` event reports it)
    /// [default: 127.0.0.1:12345; with --wire seed, the seed's port: 12345 for ecb/hmac, 5000
    /// for fernet/cbc].
    #[arg(long, value_name = "ADDR", value_parser = parse_listen_address)]
    pub listen: Option<String>,
    /// The protocol: cipherlab's framed lab protocol, or the seed program's own bytes.
    #[arg(long, value_enum, default_value_t = WireArg::Lab)]
    pub wire: WireArg,
    /// The scheme clients must use.
    #[arg(long, value_enum, default_value_t = Scheme::Fernet)]
    pub scheme: Scheme,
    /// The key, and where it comes from.
    #[command(flatten)]
    pub key: KeyArgs,
    /// How clients get the key [default: send, or psk for hmac and prefix-mac]. `send` puts it on the wire in the clear.
    #[arg(long, value_enum)]
    pub key_exchange: Option<KeyExchangeArg>,
    /// How gcm and chacha pick each message's nonce: random, counter (a random per-connection
    /// prefix and a message counter) or fixed (one nonce for all: a deliberate fault)
    /// [default: random]. Only for gcm and chacha.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub nonce: Option<NoncePolicy>,
    /// Print events as JSON lines instead of drawing the screen.
    #[arg(long)]
    pub headless: bool,
    /// On the screen: hide key material, for a pre-shared key the class should not see on the
    /// projector (`h` shows it again). A server with --exercise always starts so.
    #[arg(long)]
    pub hide_keys: bool,
    /// Reject Fernet tokens older than this many seconds (fernet only).
    #[arg(long, value_name = "SECS")]
    pub ttl: Option<u64>,
    /// Reply to every accepted message with this text.
    #[arg(long, value_name = "TEXT", conflicts_with = "echo")]
    pub reply: Option<String>,
    /// Reply to every accepted message with its own plaintext.
    #[arg(long)]
    pub echo: bool,
    /// Reply to every accepted message m with m ‖ TEXT, sealed: a service that appends a
    /// secret to what it echoes (a message it cannot open is echoed as the bytes that arrived,
    /// so anyone may feed it). Under ecb `cipherlab attack byte-at-a-time` reads TEXT from the
    /// replies' ciphertext alone.
    #[arg(long, value_name = "TEXT", conflicts_with_all = ["echo", "reply"])]
    pub echo_append: Option<String>,
    /// What a VERDICT says about a rejection: detailed (`rejected: bad padding`) or opaque
    /// (just `rejected`; this server's own screen and log still show why). Opaque hides the
    /// reason, not the acceptance: under cbc it is still a padding oracle.
    #[arg(long, value_enum, value_name = "DETAIL", default_value_t = VerdictsArg::Detailed)]
    pub verdicts: VerdictsArg,
    /// Host an exercise: a shipped one's name (`cipherlab exercise --list`) or a .toml file.
    /// Its scheme and key exchange replace --scheme and --key-exchange; under psk without a
    /// key, the server makes one that students never see.
    #[arg(long, value_name = "NAME|FILE")]
    pub exercise: Option<String>,
    /// With --exercise: write one CSV row per attempt and per solve to FILE, as they happen
    /// (time,student,address,exercise,event,tries,seconds); an existing results file is added to,
    /// so a restarted server keeps the earlier rows.
    #[arg(long, value_name = "FILE", requires = "exercise")]
    pub results: Option<PathBuf>,
    /// Most clients served at once; the next gets an ERROR.
    #[arg(long, value_name = "N", default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..=65_536))]
    pub max_clients: u32,
    /// Network limits.
    #[command(flatten)]
    pub net: NetArgs,
}

/// `cipherlab client`.
#[derive(Debug, Args)]
pub struct ClientArgs {
    /// The server's address [default: 127.0.0.1:12345; with --wire seed, the seed's port].
    #[arg(long, value_name = "ADDR", value_parser = parse_peer_address)]
    pub connect: Option<String>,
    /// The protocol: cipherlab's framed lab protocol, or the seed program's own bytes.
    #[arg(long, value_enum, default_value_t = WireArg::Lab)]
    pub wire: WireArg,
    /// Also send this machine's MAC address (what seed 003's client meant to send).
    #[arg(long)]
    pub mac: bool,
    /// The scheme to ask for [default: whatever the server speaks].
    #[arg(long, value_enum)]
    pub scheme: Option<Scheme>,
    /// The pre-shared key, used when the server says psk.
    #[command(flatten)]
    pub key: KeyArgs,
    /// How gcm and chacha pick each message's nonce: random, counter (a random per-connection
    /// prefix and a message counter) or fixed (one nonce for all: a deliberate fault)
    /// [default: random]. Only with --scheme gcm or chacha.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub nonce: Option<NoncePolicy>,
    /// The name shown on the server's client list [default: $USER].
    #[arg(long, value_name = "N")]
    pub name: Option<String>,
    /// Print events as JSON lines instead of drawing the screen.
    #[arg(long)]
    pub headless: bool,
    /// On the screen: hide key material, for a pre-shared key the class should not see on the
    /// projector (`h` shows it again).
    #[arg(long)]
    pub hide_keys: bool,
    /// Send this message (repeatable); headless, it then waits for every verdict and exits
    /// 0 only if the server accepted them all. Without it, each stdin line is sent.
    #[arg(long = "message", value_name = "M")]
    pub messages: Vec<String>,
    /// Send these bytes, given as hex, as a DATA frame's message without sealing them
    /// (repeatable, lab wire): bytes a student made. Without a key under psk, the client
    /// connects with a random key of its own.
    #[arg(long = "send-wire", value_name = "HEX", value_parser = parse_wire_hex)]
    pub send_wire: Vec<Vec<u8>>,
    /// Answer the server's exercise with TEXT (repeatable, lab wire); each gets a `result`.
    #[arg(long = "answer", value_name = "TEXT")]
    pub answers: Vec<String>,
    /// Reject Fernet tokens older than this many seconds (fernet only).
    #[arg(long, value_name = "SECS")]
    pub ttl: Option<u64>,
    /// Tries to reach the server again when it cannot be reached or goes away, waiting 0.5 s,
    /// then twice as long each time up to 10 s; 0 never retries (lab wire) [default: 12, about
    /// a minute and a half; headless 5, about 15 s].
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u32).range(0..=crate::net::Retry::MAX_ATTEMPTS as i64))]
    pub retries: Option<u32>,
    /// Network limits.
    #[command(flatten)]
    pub net: NetArgs,
}

/// `cipherlab mitm`.
#[derive(Debug, Args)]
pub struct MitmArgs {
    /// Address the clients connect to (port 0 picks a free port).
    #[arg(long, value_name = "ADDR", value_parser = parse_listen_address)]
    pub listen: String,
    /// The real server's address.
    #[arg(long, value_name = "ADDR", value_parser = parse_peer_address)]
    pub upstream: String,
    /// The protocol relayed: cipherlab's lab protocol, or the seed program's own bytes.
    #[arg(long, value_enum, default_value_t = WireArg::Lab)]
    pub wire: WireArg,
    /// The scheme relayed, needed with --wire seed (the lab protocol announces it).
    #[arg(long, value_enum)]
    pub scheme: Option<Scheme>,
    /// Print events as JSON lines instead of drawing the screen.
    #[arg(long)]
    pub headless: bool,
    /// On the screen: hide key material, for a pre-shared key the class should not see on the
    /// projector (`h` shows it again).
    #[arg(long)]
    pub hide_keys: bool,
    /// Apply ACTION to each client's N-th message (1-based); repeatable. ACTION is one of
    /// flip:<byte>:<bit>, iv-flip:<byte>:<bit>, swap:<i>:<j>, paste:<i>, truncate, replay, drop,
    /// forge, xor:<byte>:<hex>, rewrite:<pos>:<from>:<to>, extend:<keylen>:<text>.
    #[arg(long = "tamper", value_name = "N=ACTION", value_parser = parse_planned_tamper)]
    pub tamper: Vec<(u64, Tamper)>,
    /// The attacker knows that each client's N-th message (1-based) reads TEXT; repeatable.
    /// Under a repeated gcm/chacha nonce it then reads every other message under that nonce.
    #[arg(long = "known", value_name = "N=TEXT", value_parser = parse_known)]
    pub known: Vec<(u64, String)>,
    /// Hold every client message until released from the screen.
    #[arg(long)]
    pub intercept: bool,
    /// Run the padding oracle on each client's N-th message (1-based): its queries go into
    /// that client's own connection, numbered from 2^63 + 2^62, and the server's verdicts on
    /// them are kept from the client. Works under x25519 too: key agreement stops the
    /// eavesdropper, not the oracle.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    pub oracle: Option<u64>,
    /// Network limits.
    #[command(flatten)]
    pub net: NetArgs,
}

/// Limits shared by the networked modes.
#[derive(Debug, Args)]
pub struct NetArgs {
    /// Largest frame body accepted or sent, in bytes, from 4096 to 67108864 (64 MiB).
    #[arg(long, value_name = "BYTES", default_value_t = crate::wire::frame::DEFAULT_MAX_FRAME,
          value_parser = parse_max_frame)]
    pub max_frame: usize,
    /// Seconds a peer has to complete the handshake.
    #[arg(long, value_name = "SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=3600))]
    pub handshake_timeout: u64,
    /// Seconds a connection may carry nothing before it is closed, freeing its slot
    /// (the man in the middle watches both of its sides).
    #[arg(long, value_name = "SECS", default_value_t = 600, value_parser = clap::value_parser!(u64).range(1..=86_400))]
    pub idle_timeout: u64,
}

/// `cipherlab seal`.
#[derive(Debug, Args)]
pub struct SealArgs {
    /// The scheme.
    #[arg(long, value_enum)]
    pub scheme: Scheme,
    /// The key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Output encoding [default: raw for fernet, whose token is already text; hex otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// How gcm and chacha pick each message's nonce: random, counter (a random per-connection
    /// prefix and a message counter) or fixed (one nonce for all: a deliberate fault)
    /// [default: random]. Only for gcm and chacha.
    #[arg(long, value_enum, value_name = "POLICY")]
    pub nonce: Option<NoncePolicy>,
}

/// `cipherlab open`.
#[derive(Debug, Args)]
pub struct OpenArgs {
    /// The scheme.
    #[arg(long, value_enum)]
    pub scheme: Scheme,
    /// The key.
    #[command(flatten)]
    pub key: KeyArgs,
    /// Input encoding [default: raw for fernet, hex otherwise].
    #[arg(long, value_enum)]
    pub format: Option<Format>,
    /// Reject Fernet tokens older than this many seconds (fernet only).
    #[arg(long, value_name = "SECS")]
    pub ttl: Option<u64>,
}

/// `cipherlab lesson`.
#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("which").required(true).args(["list", "name"])))]
pub struct LessonArgs {
    /// List the lessons that ship with cipherlab.
    #[arg(long)]
    pub list: bool,
    /// The lesson to run: a shipped lesson's name, or a path to a lesson .toml file.
    pub name: Option<String>,
    /// Play every step on loopback, check what each should show, print JSON lines, and exit 0
    /// only if every expectation held.
    #[arg(long)]
    pub headless: bool,
    /// On the screen: hide key material, for a pre-shared key the class should not see on the
    /// projector (`h` shows it again).
    #[arg(long)]
    pub hide_keys: bool,
}

/// `cipherlab exercise`.
#[derive(Debug, Args)]
pub struct ExerciseArgs {
    /// List the exercises that ship with cipherlab.
    #[arg(long, required = true)]
    pub list: bool,
}

/// Hex wire bytes for `--send-wire`: at most 1 MiB, spaces allowed.
fn parse_wire_hex(text: &str) -> Result<Vec<u8>, String> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    if compact.len() > 2 * crate::wire::frame::DEFAULT_MAX_FRAME {
        return Err("more than 1 MiB of wire bytes".to_owned());
    }
    hex::decode(&compact).map_err(|e| format!("not hex: {e}"))
}

/// `cipherlab keygen`.
#[derive(Debug, Args)]
pub struct KeygenArgs {
    /// The scheme.
    #[arg(long, value_enum, default_value_t = Scheme::Fernet)]
    pub scheme: Scheme,
}
