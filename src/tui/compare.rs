//! The Compare tab: one plaintext sealed under all four schemes, side by side. Sealing again
//! shows which outputs change (cbc, fernet) and which do not (ecb, hmac).

use crate::crypto::{Anatomy, Cipher, Key, Nonce, Scheme, Verdict};

/// The plaintext compared when the editor is empty: two equal blocks, for ECB to give away.
pub const DEFAULT_PLAINTEXT: &str = "YELLOW SUBMARINEYELLOW SUBMARINE";

/// One scheme's column.
#[derive(Clone, Debug)]
pub struct Row {
    /// The scheme.
    pub scheme: Scheme,
    /// The key's description (AES-128, ...).
    pub key: String,
    /// The sealed message.
    pub anatomy: Anatomy,
    /// The wire length (Fernet's base64 text is longer than its bytes).
    pub wire_len: usize,
    /// What the receiver with the right key concludes.
    pub verdict: Verdict,
    /// Whether this output differs from the previous seal of the same plaintext.
    pub changed: Option<bool>,
}

/// The Compare tab's state.
pub struct Compare {
    ciphers: Vec<(Scheme, String, Cipher)>,
    /// Fixed IVs and timestamp (tests, screenshots) instead of fresh ones.
    fixed: bool,
    /// The plaintext last sealed.
    pub plaintext: String,
    /// One result per scheme, in [`Scheme::ALL`] order.
    pub rows: Vec<Row>,
    /// How many times this plaintext has been sealed.
    pub rounds: u32,
    /// The text this screen sent last, for the tab to seal when nothing is being typed.
    sent: Option<String>,
}

impl Compare {
    /// A fresh key per scheme; `fixed` gives deterministic keys (screenshots, tests).
    pub fn new(fixed: bool) -> Compare {
        let ciphers = Scheme::ALL
            .iter()
            .filter_map(|&scheme| {
                let key = if fixed {
                    Key::from_bytes(scheme, vec![0x42; scheme.spec().key.generated]).ok()
                } else {
                    Key::generate(scheme).ok()
                }?;
                Some((scheme, key.describe(), Cipher::new(&key)))
            })
            .collect();
        Compare {
            ciphers,
            fixed,
            plaintext: String::new(),
            rows: Vec::new(),
            rounds: 0,
            sent: None,
        }
    }

    /// Remembers `text`, just sent from the Lab tab: it is what the tab compares next.
    pub fn sent(&mut self, text: &str) {
        self.sent = Some(text.to_owned());
    }

    /// The text last sent from this screen, if any.
    pub fn last_sent(&self) -> Option<&str> {
        self.sent.as_deref()
    }

    /// Seals `plaintext` under every scheme: with fresh IVs and timestamp, or fixed ones when
    /// the tab was made `fixed`. Marks which outputs changed since the last seal of the same
    /// plaintext.
    pub fn seal(&mut self, plaintext: &str) {
        let nonce = self.fixed.then_some(Nonce {
            iv: [7; 16],
            now: 1_700_000_000,
        });
        let same_text = plaintext == self.plaintext;
        self.rounds = if same_text { self.rounds + 1 } else { 1 };
        let previous: Vec<Vec<u8>> = self.rows.iter().map(|r| r.anatomy.bytes.clone()).collect();
        let rows = self
            .ciphers
            .iter()
            .enumerate()
            .filter_map(|(i, (scheme, key, cipher))| {
                let wire = match nonce {
                    Some(n) => cipher.seal_with(
                        plaintext.as_bytes(),
                        &Nonce {
                            iv: [n.iv[0].wrapping_add(self.rounds as u8); 16],
                            now: n.now,
                        },
                    ),
                    None => cipher.seal(plaintext.as_bytes()),
                }
                .ok()?;
                let anatomy = Anatomy::dissect(*scheme, &wire);
                let changed =
                    (same_text && i < previous.len()).then(|| previous[i] != anatomy.bytes);
                Some(Row {
                    scheme: *scheme,
                    key: key.clone(),
                    wire_len: wire.len(),
                    verdict: cipher.open(&wire).verdict,
                    anatomy,
                    changed,
                })
            })
            .collect();
        self.rows = rows;
        self.plaintext = plaintext.to_owned();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sealing_again_changes_the_schemes_with_a_fresh_iv_or_nonce_only() {
        let mut compare = Compare::new(false);
        compare.seal(DEFAULT_PLAINTEXT);
        assert!(compare.rows.iter().all(|r| r.changed.is_none()));
        compare.seal(DEFAULT_PLAINTEXT);
        let changed: Vec<(Scheme, Option<bool>)> =
            compare.rows.iter().map(|r| (r.scheme, r.changed)).collect();
        assert_eq!(
            changed,
            [
                (Scheme::Ecb, Some(false)),
                (Scheme::Cbc, Some(true)),
                (Scheme::Fernet, Some(true)),
                (Scheme::Hmac, Some(false)),
                (Scheme::PrefixMac, Some(false)),
                (Scheme::Gcm, Some(true)),
                (Scheme::Chacha, Some(true)),
            ]
        );
    }
}
