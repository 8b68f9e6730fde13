//! `hmac`: `len u32 BE ‖ m ‖ HMAC-SHA256(key, m)`, as seed 004 sends it in three writes.
//!
//! Integrity without secrecy: the message crosses the wire in plaintext. The length counts
//! bytes (seed 004 counted characters, which breaks on non-ASCII text).

use hmac::Mac;

use super::{Opened, Reason, SealError, Signer, TAG, Verdict};

/// Bytes of framing around the message: the length field and the tag.
const OVERHEAD: usize = 4 + TAG;

pub(super) fn seal(signer: &Signer, msg: &[u8]) -> Result<Vec<u8>, SealError> {
    let len = u32::try_from(msg.len()).map_err(|_| SealError::TooLong { len: msg.len() })?;
    let mut out = Vec::with_capacity(OVERHEAD + msg.len());
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(msg);
    let tag = signer.clone().chain_update(msg).finalize().into_bytes();
    out.extend_from_slice(&tag);
    Ok(out)
}

pub(super) fn open(signer: &Signer, wire: &[u8]) -> Opened {
    let Some(body_len) = wire.len().checked_sub(OVERHEAD) else {
        return Opened::rejected(Reason::TooShort);
    };
    let claimed = u32::from_be_bytes([wire[0], wire[1], wire[2], wire[3]]);
    if usize::try_from(claimed).ok() != Some(body_len) {
        return Opened::rejected(Reason::LengthMismatch);
    }
    let (msg, tag) = wire[4..].split_at(body_len);
    match signer.clone().chain_update(msg).verify_slice(tag) {
        Ok(()) => Opened::accepted(Verdict::Authentic, msg.to_vec()),
        Err(_) => Opened::rejected(Reason::TagMismatch),
    }
}
