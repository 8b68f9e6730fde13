//! A lesson file's text fields parsed with `FromStr` as it loads.

use serde::Deserialize;

use super::{Expect, Known};
use crate::crypto::{NoncePolicy, Tamper};
use crate::net::{AttackKind, VerdictDetail};

/// A text field parsed with `FromStr` when the lesson is loaded, so that a bad value is
/// reported with its line and nothing re-parses it later.
pub(super) fn parse_field<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: serde::Deserializer<'de>,
    T: std::str::FromStr,
    T::Err: std::fmt::Display,
{
    let text: Option<String> = Option::deserialize(deserializer)?;
    text.map(|t| t.parse().map_err(serde::de::Error::custom))
        .transpose()
}

pub(super) fn parse_tamper<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Tamper>, D::Error> {
    parse_field(d)
}

pub(super) fn parse_expect<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Expect>, D::Error> {
    parse_field(d)
}

pub(super) fn parse_nonce<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<NoncePolicy>, D::Error> {
    parse_field(d)
}

pub(super) fn parse_known<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<Known>, D::Error> {
    parse_field(d)
}

pub(super) fn parse_verdicts<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<VerdictDetail>, D::Error> {
    parse_field(d)
}

pub(super) fn parse_attack<'de, D: serde::Deserializer<'de>>(
    d: D,
) -> Result<Option<AttackKind>, D::Error> {
    parse_field(d)
}
