//! Properties of the seven schemes over random messages and keys, and agreement with the
//! independent `fernet` crate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipherlab::crypto::{Anatomy, Cipher, Encoding, Key, OpenOptions, Reason, Scheme, Verdict};
use proptest::prelude::*;

fn scheme() -> impl Strategy<Value = Scheme> {
    prop::sample::select(Scheme::ALL.to_vec())
}

/// A random key of a valid size for the scheme: all three AES sizes for ecb, cbc and gcm.
fn key_for(scheme: Scheme) -> impl Strategy<Value = Key> {
    let lens: Vec<usize> = match scheme {
        Scheme::Ecb | Scheme::Cbc | Scheme::Gcm => vec![16, 24, 32],
        Scheme::Fernet | Scheme::Chacha => vec![32],
        Scheme::Hmac | Scheme::PrefixMac => vec![1, 16, 32, 64, 65, 200],
    };
    prop::sample::select(lens)
        .prop_flat_map(|len| prop::collection::vec(any::<u8>(), len))
        .prop_map(move |bytes| Key::from_bytes(scheme, bytes).unwrap())
}

fn scheme_and_key() -> impl Strategy<Value = (Scheme, Key)> {
    scheme().prop_flat_map(|s| (Just(s), key_for(s)))
}

fn assert_covers(anatomy: &Anatomy) {
    let mut pos = 0;
    for field in &anatomy.fields {
        assert_eq!(
            field.range.start, pos,
            "gap or overlap at {pos}: {:?}",
            anatomy.fields
        );
        assert!(field.range.end > field.range.start, "empty field {field:?}");
        pos = field.range.end;
    }
    assert_eq!(pos, anatomy.bytes.len(), "fields stop short");
}

proptest! {
    #[test]
    fn open_of_seal_gives_back_the_message((scheme, key) in scheme_and_key(), msg in prop::collection::vec(any::<u8>(), 0..600)) {
        let cipher = Cipher::new(&key);
        let wire = cipher.seal(&msg).unwrap();
        let opened = cipher.open(&wire);
        let expected = if scheme.has_integrity() { Verdict::Authentic } else { Verdict::Unauthenticated };
        prop_assert_eq!(opened.verdict, expected);
        prop_assert_eq!(opened.plaintext.unwrap(), msg);
    }

    /// One buffer reused over messages and garbage of any sizes says and holds exactly what a
    /// new buffer each time would: nothing of an earlier, longer message stays behind.
    #[test]
    fn a_reused_buffer_seals_and_opens_as_a_new_one_does(
        (scheme, key) in scheme_and_key(),
        inputs in prop::collection::vec((prop::collection::vec(any::<u8>(), 0..300), any::<bool>()), 1..8),
    ) {
        let cipher = Cipher::new(&key);
        let options = OpenOptions::now(None);
        let mut sealed = vec![0xEE; 700];
        let mut opened = vec![0xEE; 700];
        for (msg, garbage) in inputs {
            cipher.seal_into(&msg, &mut sealed).unwrap();
            if scheme.is_deterministic() {
                prop_assert_eq!(&sealed, &cipher.seal(&msg).unwrap());
            }
            let wire = if garbage { msg.clone() } else { sealed.clone() };
            let expected = cipher.open_with(&wire, &options);
            let verdict = cipher.open_into(&wire, &options, &mut opened);
            prop_assert_eq!(&verdict, &expected.verdict);
            prop_assert_eq!(&opened, &expected.plaintext.unwrap_or_default());
            if !garbage {
                prop_assert_eq!(&opened, &msg);
            }
        }
    }

    #[test]
    fn anatomy_covers_every_sealed_byte((scheme, key) in scheme_and_key(), msg in prop::collection::vec(any::<u8>(), 0..300)) {
        let wire = Cipher::new(&key).seal(&msg).unwrap();
        let anatomy = Anatomy::dissect(scheme, &wire);
        assert_covers(&anatomy);
        prop_assert_eq!(anatomy.encoding == Encoding::Base64Url, scheme == Scheme::Fernet);
        prop_assert_eq!(anatomy.to_wire(), wire);
        prop_assert!(anatomy.fields.iter().all(|f| f.kind.legend() != "unparsed"));
    }

    #[test]
    fn anatomy_covers_garbage_too(scheme in scheme(), wire in prop::collection::vec(any::<u8>(), 0..200)) {
        assert_covers(&Anatomy::dissect(scheme, &wire));
    }

    #[test]
    fn open_survives_garbage_and_only_unauthenticated_schemes_can_be_fooled((scheme, key) in scheme_and_key(), wire in prop::collection::vec(any::<u8>(), 0..200)) {
        let opened = Cipher::new(&key).open_with(&wire, &OpenOptions { now: u64::MAX, ttl: Some(u64::MAX) });
        if scheme.has_integrity() {
            prop_assert!(!opened.verdict.is_accepted(), "{:?}", opened.verdict);
        }
        prop_assert_eq!(opened.plaintext.is_some(), opened.verdict.is_accepted());
    }

    #[test]
    fn any_bit_flip_is_caught_by_fernet_and_hmac(
        (scheme, key) in prop::sample::select(vec![Scheme::Fernet, Scheme::Hmac]).prop_flat_map(|s| (Just(s), key_for(s))),
        msg in prop::collection::vec(any::<u8>(), 1..100),
        at in any::<prop::sample::Index>(),
        bit in 0u8..8,
    ) {
        let cipher = Cipher::new(&key);
        let wire = cipher.seal(&msg).unwrap();
        let mut anatomy = Anatomy::dissect(scheme, &wire);
        let i = at.index(anatomy.bytes.len());
        anatomy.bytes[i] ^= 1 << bit;
        let opened = cipher.open(&anatomy.to_wire());
        prop_assert!(!opened.verdict.is_accepted(), "flip at {} accepted", i);
    }

    #[test]
    fn fernet_tokens_agree_with_the_fernet_crate(msg in prop::collection::vec(any::<u8>(), 0..300)) {
        let text = fernet::Fernet::generate_key();
        let theirs = fernet::Fernet::new(&text).unwrap();
        let ours = Cipher::new(&Key::parse(Scheme::Fernet, &text).unwrap());
        let token = String::from_utf8(ours.seal(&msg).unwrap()).unwrap();
        prop_assert_eq!(theirs.decrypt(&token).unwrap(), msg.clone());
        let token = theirs.encrypt(&msg);
        let opened = ours.open(token.as_bytes());
        prop_assert_eq!(opened.verdict, Verdict::Authentic);
        prop_assert_eq!(opened.plaintext.unwrap(), msg);
    }
}

#[test]
fn fernet_rejects_a_token_under_another_key_as_tag_mismatch() {
    // Seed 002's client encrypts under a key it never shares.
    let sender = Cipher::new(&Key::generate(Scheme::Fernet).unwrap());
    let receiver = Cipher::new(&Key::generate(Scheme::Fernet).unwrap());
    let token = sender.seal(b"Hello, World!").unwrap();
    assert_eq!(
        receiver.open(&token).verdict,
        Verdict::Rejected(Reason::TagMismatch)
    );
}

#[test]
fn fernet_extreme_timestamps_are_rejected_without_overflow() {
    let key = Key::generate(Scheme::Fernet).unwrap();
    let cipher = Cipher::new(&key);
    let nonce = cipherlab::crypto::Nonce {
        iv: [0; 16],
        now: u64::MAX,
    };
    let token = cipher.seal_with(b"from the end of time", &nonce).unwrap();
    let opened = cipher.open_with(
        &token,
        &OpenOptions {
            now: 1_000,
            ttl: Some(u64::MAX),
        },
    );
    assert_eq!(opened.verdict, Verdict::Rejected(Reason::FutureTimestamp));
    let opened = cipher.open_with(
        &token,
        &OpenOptions {
            now: u64::MAX,
            ttl: Some(u64::MAX),
        },
    );
    assert_eq!(opened.verdict, Verdict::Authentic);
}

#[test]
fn fernet_ttl_expires_tokens_and_skew_allows_sixty_seconds() {
    let cipher = Cipher::new(&Key::generate(Scheme::Fernet).unwrap());
    let token = cipher
        .seal_with(
            b"tick",
            &cipherlab::crypto::Nonce {
                iv: [3; 16],
                now: 1_000,
            },
        )
        .unwrap();
    let at = |now, ttl| cipher.open_with(&token, &OpenOptions { now, ttl }).verdict;
    assert_eq!(at(1_010, Some(10)), Verdict::Authentic);
    assert_eq!(at(1_011, Some(10)), Verdict::Rejected(Reason::TokenExpired));
    assert_eq!(at(1_000_000, None), Verdict::Authentic, "no TTL, no expiry");
    assert_eq!(at(940, None), Verdict::Authentic, "60 s of skew is allowed");
    assert_eq!(at(939, None), Verdict::Rejected(Reason::FutureTimestamp));
}

#[test]
fn hmac_truncation_and_bad_length_fields_have_their_own_reasons() {
    let cipher = Cipher::new(&Key::parse(Scheme::Hmac, "SHARED_SECRET").unwrap());
    let wire = cipher.seal(b"pay 10 to bob").unwrap();
    let open = |w: &[u8]| cipher.open(w).verdict;
    assert_eq!(
        open(&wire[..wire.len() - 1]),
        Verdict::Rejected(Reason::LengthMismatch)
    );
    assert_eq!(open(&wire[..20]), Verdict::Rejected(Reason::TooShort));
    let mut lying = wire.clone();
    lying[3] = 200;
    assert_eq!(open(&lying), Verdict::Rejected(Reason::LengthMismatch));
    let mut forged = wire.clone();
    forged[4 + 4] ^= 0x01;
    assert_eq!(open(&forged), Verdict::Rejected(Reason::TagMismatch));
}

#[test]
fn ecb_shows_equal_blocks_and_cbc_does_not() {
    let msg = b"YELLOW SUBMARINEYELLOW SUBMARINE";
    for (scheme, repeats) in [(Scheme::Ecb, 1), (Scheme::Cbc, 0)] {
        let wire = Cipher::new(&Key::generate(scheme).unwrap())
            .seal(msg)
            .unwrap();
        let anatomy = Anatomy::dissect(scheme, &wire);
        let found = anatomy
            .fields
            .iter()
            .filter(|f| f.kind.legend() == "repeated block")
            .count();
        assert_eq!(found, repeats, "{scheme}");
    }
}

#[test]
fn deterministic_schemes_repeat_and_randomised_ones_do_not() {
    for scheme in Scheme::ALL {
        let cipher = Cipher::new(&Key::generate(scheme).unwrap());
        let (a, b) = (
            cipher.seal(b"same input").unwrap(),
            cipher.seal(b"same input").unwrap(),
        );
        assert_eq!(a == b, scheme.is_deterministic(), "{scheme}");
    }
}
