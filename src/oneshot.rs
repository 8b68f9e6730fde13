//! The one-shot commands: `keygen`, `seal` and `open`, over stdin and stdout.
//!
//! Exit statuses follow the contract: 0 opened, 1 rejected, 2 usage (including unusable keys
//! and input that is not in the stated format).

use std::io::{Read, Write};

use base64::Engine as _;

use crate::cli::{Format, KeyArgs, OpenArgs, SealArgs, resolve_key_text};
use crate::crypto::{Cipher, Key, OpenOptions, Scheme};

/// The most stdin `seal` and `open` will read.
pub const MAX_INPUT: u64 = 64 * 1024 * 1024;

/// A one-shot command's failure, with its exit status.
#[derive(Debug, thiserror::Error)]
pub enum OneShotError {
    /// The command line, key or input format was unusable (exit 2).
    #[error("{0}")]
    Usage(String),
    /// The message was rejected (exit 1); the verdict was already printed.
    #[error("rejected")]
    Rejected,
}

impl OneShotError {
    /// The process exit status for this failure.
    pub fn exit_code(&self) -> u8 {
        match self {
            OneShotError::Usage(_) => 2,
            OneShotError::Rejected => 1,
        }
    }
}

fn usage(message: impl Into<String>) -> OneShotError {
    OneShotError::Usage(message.into())
}

/// `cipherlab keygen`: a fresh key in the scheme's natural text form, with a newline.
///
/// # Errors
/// Only if the system's random number generator fails.
pub fn keygen(scheme: Scheme, out: &mut impl Write) -> Result<(), OneShotError> {
    let key = Key::generate(scheme).map_err(|e| usage(e.to_string()))?;
    writeln!(out, "{}", &*key.to_text()).map_err(|e| usage(format!("cannot write stdout: {e}")))
}

fn key_for(args: &KeyArgs, scheme: Scheme, command: &str) -> Result<Key, OneShotError> {
    let text = resolve_key_text(args, Some(scheme))
        .map_err(usage)?
        .ok_or_else(|| {
            usage(format!(
                "{command} needs a key: --key K, --key-file F or CIPHERLAB_KEY (expected {})",
                crate::crypto::key::expected(scheme)
            ))
        })?;
    Key::parse(scheme, &text.text).map_err(|e| usage(format!("{}: {e}", text.origin)))
}

fn read_input(input: &mut impl Read) -> Result<Vec<u8>, OneShotError> {
    let mut buf = Vec::new();
    input
        .take(MAX_INPUT + 1)
        .read_to_end(&mut buf)
        .map_err(|e| usage(format!("cannot read stdin: {e}")))?;
    if buf.len() as u64 > MAX_INPUT {
        return Err(usage(format!(
            "stdin is larger than {} MiB",
            MAX_INPUT / 1024 / 1024
        )));
    }
    Ok(buf)
}

/// `cipherlab seal`: plaintext on stdin, wire bytes on stdout.
///
/// # Errors
/// [`OneShotError::Usage`] for a missing or bad key or unreadable input.
pub fn seal(
    args: &SealArgs,
    input: &mut impl Read,
    out: &mut impl Write,
) -> Result<(), OneShotError> {
    let scheme = args.scheme;
    let nonce =
        crate::cli::scheme_options(Some(scheme), crate::wire::seed::Protocol::Lab, args.nonce)
            .map_err(|e| usage(e.to_string()))?;
    let key = key_for(&args.key, scheme, "seal")?;
    let plaintext = read_input(input)?;
    let wire = Cipher::with_nonces(&key, nonce)
        .seal(&plaintext)
        .map_err(|e| usage(e.to_string()))?;
    let written = match args.format.unwrap_or(Format::default_for(scheme)) {
        Format::Hex => writeln!(out, "{}", hex::encode(&wire)),
        Format::Base64 => writeln!(
            out,
            "{}",
            base64::engine::general_purpose::STANDARD.encode(&wire)
        ),
        Format::Raw => out.write_all(&wire),
    };
    written
        .and_then(|()| out.flush())
        .map_err(|e| usage(format!("cannot write stdout: {e}")))
}

/// `cipherlab open`: wire bytes on stdin; plaintext to stdout and the verdict to stderr.
///
/// # Errors
/// [`OneShotError::Rejected`] when the receiver rejects the message, [`OneShotError::Usage`]
/// for a bad key or input that is not in the stated format.
pub fn open(
    args: &OpenArgs,
    input: &mut impl Read,
    out: &mut impl Write,
    err: &mut impl Write,
) -> Result<(), OneShotError> {
    let scheme = args.scheme;
    let key = key_for(&args.key, scheme, "open")?;
    let raw = read_input(input)?;
    let wire = match args.format.unwrap_or(Format::default_for(scheme)) {
        Format::Hex => hex::decode(raw.trim_ascii())
            .map_err(|e| usage(format!("stdin is not valid hex: {e}")))?,
        Format::Base64 => base64::engine::general_purpose::STANDARD
            .decode(raw.trim_ascii())
            .map_err(|e| usage(format!("stdin is not valid base64: {e}")))?,
        // A Fernet token is text: a trailing newline from `echo` is not part of it.
        Format::Raw if scheme == Scheme::Fernet => raw.trim_ascii().to_vec(),
        Format::Raw => raw,
    };
    let opened = Cipher::new(&key).open_with(&wire, &OpenOptions::now(args.ttl));
    let _ = writeln!(err, "{}", opened.verdict);
    match opened.plaintext {
        Some(plaintext) => out
            .write_all(&plaintext)
            .and_then(|()| out.flush())
            .map_err(|e| usage(format!("cannot write stdout: {e}"))),
        None => Err(OneShotError::Rejected),
    }
}
