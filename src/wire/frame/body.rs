//! The JSON bodies of the control frames, and the small checks parsing shares. The structs
//! mirror `docs/PROTOCOL.md` field for field; `Frame` is the typed view built from them.

use std::borrow::Cow;

use base64::Engine as _;
use bytes::{BufMut, BytesMut};
use serde::{Deserialize, Serialize};

use super::VERSION;
use crate::crypto::KeyExchange;
use crate::wire::FrameError;

#[derive(Serialize, Deserialize)]
pub(super) struct TaskJson {
    pub(super) exercise: String,
    pub(super) text: String,
    #[serde(default)]
    pub(super) material: String,
}

#[derive(Serialize, Deserialize)]
pub(super) struct TextJson {
    pub(super) text: String,
}

#[derive(Serialize, Deserialize)]
pub(super) struct ResultJson {
    pub(super) result: String,
    #[serde(default)]
    pub(super) reason: String,
}

#[derive(Serialize, Deserialize)]
pub(super) struct HelloJson {
    pub(super) version: u32,
    #[serde(default)]
    pub(super) scheme: Option<String>,
    #[serde(default)]
    pub(super) name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) x25519: Option<String>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct WelcomeJson {
    pub(super) version: u32,
    pub(super) scheme: String,
    pub(super) key_exchange: KeyExchange,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) x25519: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub(super) name: Option<String>,
}

/// An X25519 public key as base64url text, as HELLO and WELCOME carry it.
pub(super) fn public_key_text(key: &[u8; 32]) -> String {
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(key)
}

pub(super) fn public_key(
    kind: &'static str,
    text: Option<&str>,
) -> Result<Option<[u8; 32]>, FrameError> {
    let Some(text) = text else { return Ok(None) };
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(text)
        .map_err(|_| invalid(kind, "the x25519 public key is not unpadded base64url"))?;
    let key: [u8; 32] = bytes
        .try_into()
        .map_err(|_| invalid(kind, "the x25519 public key is not 32 bytes"))?;
    Ok(Some(key))
}

/// Borrowed where possible; `Cow` so that JSON escapes (`"tag\u0020mismatch"`) still parse.
#[derive(Serialize, Deserialize)]
pub(super) struct VerdictJson<'a> {
    pub(super) seq: u64,
    #[serde(borrow)]
    pub(super) verdict: Cow<'a, str>,
    #[serde(default, borrow, skip_serializing_if = "Option::is_none")]
    pub(super) reason: Option<Cow<'a, str>>,
}

#[derive(Serialize, Deserialize)]
pub(super) struct ReasonJson {
    #[serde(default)]
    pub(super) reason: Option<String>,
}

pub(super) fn cut(text: &str, max: usize) -> String {
    text.chars().filter(|c| !c.is_control()).take(max).collect()
}

pub(super) fn json<'a, T: Deserialize<'a>>(
    kind: &'static str,
    body: &'a [u8],
) -> Result<T, FrameError> {
    serde_json::from_slice(body).map_err(|e| FrameError::BadJson {
        kind,
        detail: e.to_string(),
    })
}

pub(super) fn invalid(kind: &'static str, detail: impl Into<String>) -> FrameError {
    FrameError::Invalid {
        kind,
        detail: detail.into(),
    }
}

pub(super) fn check_version(kind: &'static str, version: u32) -> Result<(), FrameError> {
    if version == VERSION {
        Ok(())
    } else {
        Err(invalid(
            kind,
            format!("protocol version {version}, this side speaks {VERSION}"),
        ))
    }
}

pub(super) fn write_json(out: &mut BytesMut, value: &impl Serialize) {
    // Serialising these plain structs into memory cannot fail.
    let _ = serde_json::to_writer(out.writer(), value);
}
