//! Where a key comes from: `--key`, `--key-file`, `CIPHERLAB_KEY`, or for hmac seed 004's
//! `SHARED_SECRET_KEY`, in that order.

use std::path::PathBuf;

use clap::Args;
use zeroize::Zeroizing;

use crate::crypto::Scheme;
use crate::net::KeyText;

/// The largest key file read, in bytes.
const MAX_KEY_FILE: u64 = 16 * 1024;

/// Key flags.
#[derive(Debug, Args)]
pub struct KeyArgs {
    /// The key: hex:…, base64:…, text:…, or the scheme's natural form.
    // Hyphen values allowed: one fernet key in 64 starts with '-' in urlsafe base64.
    #[arg(
        long,
        value_name = "K",
        conflicts_with = "key_file",
        hide_env_values = true,
        allow_hyphen_values = true
    )]
    pub key: Option<String>,
    /// Read the key from this file (one line).
    #[arg(long, value_name = "F")]
    pub key_file: Option<PathBuf>,
}

/// Finds the key text the user gave, if any.
///
/// # Errors
/// A message naming the key file that could not be read.
pub fn resolve_key_text(args: &KeyArgs, scheme: Option<Scheme>) -> Result<Option<KeyText>, String> {
    if let Some(text) = &args.key {
        return Ok(Some(KeyText {
            text: Zeroizing::new(text.clone()),
            origin: "--key".to_owned(),
        }));
    }
    if let Some(path) = &args.key_file {
        let origin = format!("--key-file {}", path.display());
        let size = std::fs::metadata(path)
            .map_err(|e| format!("{origin}: {e}"))?
            .len();
        if size > MAX_KEY_FILE {
            return Err(format!(
                "{origin}: {size} bytes is too large for a key file"
            ));
        }
        let raw = Zeroizing::new(std::fs::read(path).map_err(|e| format!("{origin}: {e}"))?);
        let text = std::str::from_utf8(&raw)
            .map_err(|_| format!("{origin}: the file is not UTF-8 text"))?;
        let line = text.strip_suffix('\n').unwrap_or(text);
        let line = line.strip_suffix('\r').unwrap_or(line);
        return Ok(Some(KeyText {
            text: Zeroizing::new(line.to_owned()),
            origin,
        }));
    }
    if let Some(text) = env_text("CIPHERLAB_KEY")? {
        return Ok(Some(KeyText {
            text,
            origin: "CIPHERLAB_KEY".to_owned(),
        }));
    }
    if scheme.is_none_or(|s| s == Scheme::Hmac)
        && let Some(text) = env_text("SHARED_SECRET_KEY")?
    {
        // Seed 004 uses the variable's raw UTF-8 bytes, whatever they look like.
        let text = Zeroizing::new(format!("text:{}", &*text));
        return Ok(Some(KeyText {
            text,
            origin: "SHARED_SECRET_KEY".to_owned(),
        }));
    }
    Ok(None)
}

fn env_text(name: &str) -> Result<Option<Zeroizing<String>>, String> {
    match std::env::var(name) {
        Ok(text) if text.is_empty() => Ok(None),
        Ok(text) => Ok(Some(Zeroizing::new(text))),
        Err(std::env::VarError::NotPresent) => Ok(None),
        Err(std::env::VarError::NotUnicode(_)) => Err(format!("{name} is not valid UTF-8")),
    }
}
