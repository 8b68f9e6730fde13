//! `--key-exchange x25519`: an ephemeral X25519 key agreement, with HKDF-SHA256 turning the
//! shared secret into a key for the session's scheme. Only public keys cross the wire, so an
//! eavesdropper learns nothing. (It is unauthenticated: an *active* attacker who answers each
//! side with its own public key could still sit in the middle. cipherlab's man in the middle
//! only watches key agreements; it does not run two.)

use hkdf::Hkdf;
use sha2::Sha256;
use x25519_dalek::{PublicKey, StaticSecret};
use zeroize::Zeroizing;

use super::{Key, KeyError, Scheme};

/// The length of an X25519 public key.
pub const PUBLIC_KEY: usize = 32;

/// One side of an agreement: a fresh secret and its public key.
pub struct Agreement {
    secret: StaticSecret,
    public: [u8; PUBLIC_KEY],
}

impl std::fmt::Debug for Agreement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Agreement")
            .field("public", &hex::encode(self.public))
            .finish_non_exhaustive()
    }
}

/// The key length a scheme needs from the agreement: the length of its generated keys
/// (AES-128 for the AES schemes, as the seeds use; 32 bytes for the others).
fn key_len(scheme: Scheme) -> usize {
    scheme.spec().key.generated
}

impl Agreement {
    /// A fresh ephemeral secret from the operating system.
    ///
    /// # Errors
    /// [`KeyError::Random`] if the operating system cannot supply randomness.
    pub fn new() -> Result<Agreement, KeyError> {
        let mut bytes = Zeroizing::new([0u8; 32]);
        getrandom::getrandom(&mut *bytes).map_err(|e| KeyError::Random(e.to_string()))?;
        let secret = StaticSecret::from(*bytes);
        let public = PublicKey::from(&secret).to_bytes();
        Ok(Agreement { secret, public })
    }

    /// The public key to send.
    pub fn public(&self) -> [u8; PUBLIC_KEY] {
        self.public
    }

    /// Combines our secret with the peer's public key into the session key for `scheme`.
    /// Both sides pass the two public keys in the same order: the client's, then the server's.
    ///
    /// # Errors
    /// [`KeyError::WrongLength`] when the peer's key yields the all-zero secret (a low-order
    /// point, which would make the key predictable).
    pub fn finish(
        self,
        peer: &[u8; PUBLIC_KEY],
        scheme: Scheme,
        client: &[u8; PUBLIC_KEY],
        server: &[u8; PUBLIC_KEY],
    ) -> Result<Key, KeyError> {
        let shared = self.secret.diffie_hellman(&PublicKey::from(*peer));
        if !shared.was_contributory() {
            return Err(KeyError::WrongLength { scheme, got: 0 });
        }
        let salt = [client.as_slice(), server.as_slice()].concat();
        let info = format!("cipherlab x25519 v1 {scheme}");
        let mut okm = Zeroizing::new(vec![0u8; key_len(scheme)]);
        Hkdf::<Sha256>::new(Some(&salt), shared.as_bytes())
            .expand(info.as_bytes(), &mut okm)
            .map_err(|_| KeyError::WrongLength {
                scheme,
                got: okm.len(),
            })?;
        Key::from_bytes(scheme, okm)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_sides_agree_and_an_onlooker_cannot() {
        for scheme in Scheme::ALL {
            let (client, server) = (Agreement::new().unwrap(), Agreement::new().unwrap());
            let (c, s) = (client.public(), server.public());
            let on_client = client.finish(&s, scheme, &c, &s).unwrap();
            let on_server = server.finish(&c, scheme, &c, &s).unwrap();
            assert_eq!(on_client.as_bytes(), on_server.as_bytes(), "{scheme}");
            // A third party with its own secret and both public keys gets something else.
            let eve = Agreement::new()
                .unwrap()
                .finish(&s, scheme, &c, &s)
                .unwrap();
            assert_ne!(eve.as_bytes(), on_client.as_bytes());
        }
    }

    #[test]
    fn a_low_order_public_key_is_refused() {
        let zero = [0u8; PUBLIC_KEY];
        assert!(
            Agreement::new()
                .unwrap()
                .finish(&zero, Scheme::Fernet, &zero, &zero)
                .is_err()
        );
    }
}
