//! Known-answer tests: NIST SP 800-38A, RFC 4231, Wycheproof and the Fernet spec, all through
//! cipherlab's public API, read from the copies in `tests/vectors/`.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipherlab::crypto::{Cipher, Key, Nonce, OpenOptions, Reason, Scheme, Verdict};
use serde_json::Value;

fn vectors(name: &str) -> Value {
    let path = format!("{}/tests/vectors/{name}", env!("CARGO_MANIFEST_DIR"));
    serde_json::from_str(&std::fs::read_to_string(&path).expect(&path)).expect(&path)
}

fn hex(value: &Value) -> Vec<u8> {
    hex::decode(value.as_str().unwrap()).unwrap()
}

fn cipher(scheme: Scheme, key: &[u8]) -> Cipher {
    Cipher::new(&Key::from_bytes(scheme, key.to_vec()).unwrap())
}

#[test]
fn sp800_38a_ecb_aes128_both_directions() {
    let cases = vectors("aes128_ecb_sp800_38a.json");
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let ecb = cipher(Scheme::Ecb, &hex(&case["key_hex"]));
        let (pt, ct) = (hex(&case["plaintext_hex"]), hex(&case["ciphertext_hex"]));
        // The vectors carry no padding; cipherlab always pads, so the known blocks come first
        // and one block of PKCS#7 padding (seal of the empty message) follows.
        let padding_block = ecb.seal(b"").unwrap();
        let sealed = ecb.seal(&pt).unwrap();
        assert_eq!(&sealed[..ct.len()], ct, "{name}");
        assert_eq!(&sealed[ct.len()..], padding_block, "{name}");
        let opened = ecb.open(&[ct.clone(), padding_block].concat());
        assert_eq!(opened.verdict, Verdict::Unauthenticated, "{name}");
        assert_eq!(opened.plaintext.unwrap(), pt, "{name}");
    }
}

#[test]
fn sp800_38a_cbc_aes128_both_directions() {
    let cases = vectors("aes128_cbc_sp800_38a.json");
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let cbc = cipher(Scheme::Cbc, &hex(&case["key_hex"]));
        let iv: [u8; 16] = hex(&case["iv_hex"]).try_into().unwrap();
        let (pt, ct) = (hex(&case["plaintext_hex"]), hex(&case["ciphertext_hex"]));
        let sealed = cbc.seal_with(&pt, &Nonce { iv, now: 0 }).unwrap();
        assert_eq!(&sealed[..16], iv, "{name}: the salt is the IV");
        assert_eq!(&sealed[16..16 + ct.len()], ct, "{name}");
        // Decrypt direction: chain one padding block after the known ciphertext.
        let last: [u8; 16] = ct[ct.len() - 16..].try_into().unwrap();
        let padding_block = cbc.seal_with(b"", &Nonce { iv: last, now: 0 }).unwrap()[16..].to_vec();
        let wire = [iv.to_vec(), ct, padding_block].concat();
        let opened = cbc.open(&wire);
        assert_eq!(opened.verdict, Verdict::Unauthenticated, "{name}");
        assert_eq!(opened.plaintext.unwrap(), pt, "{name}");
    }
}

#[test]
fn wycheproof_aes_cbc_pkcs5_all_key_sizes() {
    let file = vectors("wycheproof/aes_cbc_pkcs5_test.json");
    let mut checked = 0;
    for group in file["testGroups"].as_array().unwrap() {
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let cbc = cipher(Scheme::Cbc, &hex(&case["key"]));
            let iv: [u8; 16] = hex(&case["iv"]).try_into().unwrap();
            let (msg, ct) = (hex(&case["msg"]), hex(&case["ct"]));
            let opened = cbc.open(&[iv.to_vec(), ct.clone()].concat());
            match case["result"].as_str().unwrap() {
                "valid" => {
                    assert_eq!(opened.verdict, Verdict::Unauthenticated, "tcId {id}");
                    assert_eq!(opened.plaintext.unwrap(), msg, "tcId {id}");
                    let sealed = cbc.seal_with(&msg, &Nonce { iv, now: 0 }).unwrap();
                    assert_eq!(sealed[16..], ct, "tcId {id}");
                }
                _ => {
                    let reason = opened.verdict.reason();
                    assert!(
                        matches!(
                            reason,
                            Some(Reason::BadPadding | Reason::NotBlockMultiple | Reason::TooShort)
                        ),
                        "tcId {id}: {:?}",
                        opened.verdict
                    );
                    assert_eq!(opened.plaintext, None, "tcId {id}");
                }
            }
            checked += 1;
        }
    }
    assert_eq!(checked, 216);
}

#[test]
fn rfc4231_hmac_sha256_cases_1_to_7() {
    let cases = vectors("hmac_sha256_rfc4231.json");
    for case in cases.as_array().unwrap() {
        let name = case["name"].as_str().unwrap();
        let hmac = cipher(Scheme::Hmac, &hex(&case["key_hex"]));
        let (data, mac) = (hex(&case["data_hex"]), hex(&case["mac_hex"]));
        let sealed = hmac.seal(&data).unwrap();
        assert_eq!(sealed[..4], (data.len() as u32).to_be_bytes(), "{name}");
        assert_eq!(
            sealed[4..4 + data.len()],
            data,
            "{name}: the message is plaintext"
        );
        // Case 5 publishes only the first 128 bits of the tag.
        assert_eq!(
            sealed[4 + data.len()..4 + data.len() + mac.len()],
            mac,
            "{name}"
        );
        let opened = hmac.open(&sealed);
        assert_eq!(opened.verdict, Verdict::Authentic, "{name}");
        assert_eq!(opened.plaintext.unwrap(), data, "{name}");
    }
}

#[test]
fn wycheproof_hmac_sha256_full_length_tags() {
    let file = vectors("wycheproof/hmac_sha256_test.json");
    let mut checked = 0;
    for group in file["testGroups"].as_array().unwrap() {
        // cipherlab's wire carries full 256-bit tags; truncated-tag groups do not apply.
        if group["tagSize"].as_u64() != Some(256) {
            continue;
        }
        for case in group["tests"].as_array().unwrap() {
            let id = case["tcId"].as_u64().unwrap();
            let hmac = cipher(Scheme::Hmac, &hex(&case["key"]));
            let (msg, tag) = (hex(&case["msg"]), hex(&case["tag"]));
            let wire = [(msg.len() as u32).to_be_bytes().to_vec(), msg.clone(), tag].concat();
            let opened = hmac.open(&wire);
            if case["result"] == "valid" {
                assert_eq!(opened.verdict, Verdict::Authentic, "tcId {id}");
                assert_eq!(opened.plaintext.unwrap(), msg);
            } else {
                assert_eq!(
                    opened.verdict,
                    Verdict::Rejected(Reason::TagMismatch),
                    "tcId {id}"
                );
            }
            checked += 1;
        }
    }
    assert!(checked >= 50, "only {checked} full-length cases");
}

/// Seconds since 1970 for the spec's RFC 3339 times, such as `1985-10-26T01:20:00-07:00`.
fn rfc3339(text: &str) -> u64 {
    let n = |r: std::ops::Range<usize>| text[r].parse::<i64>().unwrap();
    let (y, m, d) = (n(0..4), n(5..7), n(8..10));
    let (y, m) = if m <= 2 { (y - 1, m + 9) } else { (y, m - 3) };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * m + 2) / 5 + d - 1;
    let days = era * 146_097 + yoe * 365 + yoe / 4 - yoe / 100 + doy - 719_468;
    let offset = (n(20..22) * 3600 + n(23..25) * 60) * if &text[19..20] == "-" { -1 } else { 1 };
    (days * 86_400 + n(11..13) * 3600 + n(14..16) * 60 + n(17..19) - offset) as u64
}

fn fernet_cipher(case: &Value) -> Cipher {
    Cipher::new(&Key::parse(Scheme::Fernet, case["secret"].as_str().unwrap()).unwrap())
}

#[test]
fn fernet_spec_generate() {
    for case in vectors("fernet/generate.json").as_array().unwrap() {
        let iv: Vec<u8> = case["iv"]
            .as_array()
            .unwrap()
            .iter()
            .map(|b| b.as_u64().unwrap() as u8)
            .collect();
        let nonce = Nonce {
            iv: iv.try_into().unwrap(),
            now: rfc3339(case["now"].as_str().unwrap()),
        };
        let token = fernet_cipher(case)
            .seal_with(case["src"].as_str().unwrap().as_bytes(), &nonce)
            .unwrap();
        assert_eq!(
            String::from_utf8(token).unwrap(),
            case["token"].as_str().unwrap()
        );
    }
}

#[test]
fn fernet_spec_verify() {
    for case in vectors("fernet/verify.json").as_array().unwrap() {
        let options = OpenOptions {
            now: rfc3339(case["now"].as_str().unwrap()),
            ttl: case["ttl_sec"].as_u64(),
        };
        let opened =
            fernet_cipher(case).open_with(case["token"].as_str().unwrap().as_bytes(), &options);
        assert_eq!(opened.verdict, Verdict::Authentic);
        assert_eq!(
            opened.plaintext.unwrap(),
            case["src"].as_str().unwrap().as_bytes()
        );
    }
}

#[test]
fn fernet_spec_invalid_each_with_its_reason() {
    let expected = [
        ("incorrect mac", Reason::TagMismatch),
        ("too short", Reason::TooShort),
        ("invalid base64", Reason::InvalidBase64),
        (
            "payload size not multiple of block size",
            Reason::NotBlockMultiple,
        ),
        ("payload padding error", Reason::BadPadding),
        (
            "far-future TS (unacceptable clock skew)",
            Reason::FutureTimestamp,
        ),
        ("expired TTL", Reason::TokenExpired),
        ("incorrect IV (causes padding error)", Reason::BadPadding),
    ];
    let cases = vectors("fernet/invalid.json");
    let cases = cases.as_array().unwrap();
    assert_eq!(cases.len(), expected.len());
    for (case, (desc, reason)) in cases.iter().zip(expected) {
        assert_eq!(case["desc"], desc);
        let options = OpenOptions {
            now: rfc3339(case["now"].as_str().unwrap()),
            ttl: case["ttl_sec"].as_u64(),
        };
        let opened =
            fernet_cipher(case).open_with(case["token"].as_str().unwrap().as_bytes(), &options);
        assert_eq!(opened.verdict, Verdict::Rejected(reason), "{desc}");
        assert_eq!(opened.plaintext, None, "{desc}");
    }
}

/// Every Wycheproof case of `file` with a 96-bit nonce, a 128-bit tag and no associated data,
/// opened as cipherlab's wire `nonce ‖ ct ‖ tag`; the valid ones are also sealed back.
fn wycheproof_aead(file: &str, scheme: Scheme) -> usize {
    let file = vectors(file);
    let mut checked = 0;
    for group in file["testGroups"].as_array().unwrap() {
        if group["ivSize"].as_u64() != Some(96) || group["tagSize"].as_u64() != Some(128) {
            continue;
        }
        for case in group["tests"].as_array().unwrap() {
            if case["aad"] != "" {
                continue;
            }
            let id = case["tcId"].as_u64().unwrap();
            let key = hex(&case["key"]);
            let Ok(key) = Key::from_bytes(scheme, key.clone()) else {
                panic!("tcId {id}: a {}-byte key refused", key.len());
            };
            let aead = Cipher::new(&key);
            let (iv, msg, ct, tag) = (
                hex(&case["iv"]),
                hex(&case["msg"]),
                hex(&case["ct"]),
                hex(&case["tag"]),
            );
            let wire = [iv.clone(), ct.clone(), tag.clone()].concat();
            let opened = aead.open(&wire);
            if case["result"] == "valid" {
                assert_eq!(opened.verdict, Verdict::Authentic, "tcId {id}");
                assert_eq!(opened.plaintext.unwrap(), msg, "tcId {id}");
                let mut nonce = Nonce {
                    iv: [0; 16],
                    now: 0,
                };
                nonce.iv[..12].copy_from_slice(&iv);
                assert_eq!(aead.seal_with(&msg, &nonce).unwrap(), wire, "tcId {id}");
                // The file's invalid ChaCha20-Poly1305 cases all carry associated data, so each
                // valid case also stands for its forgeries: any one bit flipped is rejected.
                for at in [0, iv.len(), wire.len() - 1] {
                    let mut forged = wire.clone();
                    forged[at] ^= 0x01;
                    let verdict = aead.open(&forged).verdict;
                    assert_eq!(
                        verdict,
                        Verdict::Rejected(Reason::TagMismatch),
                        "tcId {id} @{at}"
                    );
                }
            } else {
                assert_eq!(
                    opened.verdict,
                    Verdict::Rejected(Reason::TagMismatch),
                    "tcId {id}"
                );
            }
            checked += 1;
        }
    }
    checked
}

#[test]
fn wycheproof_aes_gcm_96_bit_nonces_128_bit_tags_no_aad() {
    let checked = wycheproof_aead("wycheproof/aes_gcm_test.json", Scheme::Gcm);
    assert_eq!(checked, 145, "every applicable case");
}

#[test]
fn wycheproof_chacha20_poly1305_96_bit_nonces_no_aad() {
    let checked = wycheproof_aead("wycheproof/chacha20_poly1305_test.json", Scheme::Chacha);
    assert_eq!(checked, 45, "every applicable case");
}

#[test]
fn short_aead_messages_are_too_short_not_a_tag_mismatch() {
    for scheme in [Scheme::Gcm, Scheme::Chacha] {
        let aead = Cipher::new(&Key::generate(scheme).unwrap());
        assert_eq!(
            aead.open(&[0; 27]).verdict,
            Verdict::Rejected(Reason::TooShort),
            "{scheme}"
        );
        let empty = aead.seal(b"").unwrap();
        assert_eq!(empty.len(), 28, "{scheme}: nonce and tag only");
        assert_eq!(aead.open(&empty).verdict, Verdict::Authentic, "{scheme}");
    }
}
