use super::*;
use crate::crypto::Reason;

fn round_trip(frame: Frame) {
    let bytes = frame.to_bytes();
    let total = check(&bytes, DEFAULT_MAX_FRAME).unwrap();
    assert_eq!(total, Some(bytes.len()));
    assert_eq!(Frame::parse(bytes.slice(4..)).unwrap(), frame);
}

#[test]
fn the_largest_welcome_with_a_name_fits_the_handshake_limit() {
    // A 1,024-byte hmac key in the clear, and 64 four-byte characters of name.
    let welcome = Frame::Welcome(Welcome {
        scheme: Scheme::Hmac,
        key_exchange: KeyExchange::Send,
        key: Some(format!("hex:{}", "ab".repeat(1024))),
        agreement: None,
        name: Some("𝄞".repeat(MAX_NAME)),
    });
    let body = welcome.to_bytes().len() - 4;
    assert_eq!(body, 2379);
    assert!(body <= MAX_HANDSHAKE_FRAME);
}

#[test]
fn an_older_welcome_without_a_name_still_parses() {
    let body = br#"W{"version":1,"scheme":"ecb","key_exchange":"psk"}"#;
    let Frame::Welcome(welcome) = Frame::parse(Bytes::from_static(body)).unwrap() else {
        panic!("not a WELCOME");
    };
    assert_eq!(welcome.name, None);
}

#[test]
fn every_kind_round_trips() {
    round_trip(Frame::Hello(Hello {
        scheme: Some(Scheme::Ecb),
        name: "alice".into(),
        agreement: Some([9; 32]),
    }));
    round_trip(Frame::Hello(Hello {
        scheme: None,
        name: String::new(),
        agreement: None,
    }));
    round_trip(Frame::Welcome(Welcome {
        scheme: Scheme::Fernet,
        key_exchange: KeyExchange::Send,
        key: Some("k".into()),
        agreement: None,
        name: Some("alice-2".into()),
    }));
    round_trip(Frame::Welcome(Welcome {
        scheme: Scheme::Hmac,
        key_exchange: KeyExchange::Psk,
        key: None,
        agreement: None,
        name: None,
    }));
    round_trip(Frame::Welcome(Welcome {
        scheme: Scheme::Cbc,
        key_exchange: KeyExchange::X25519,
        key: None,
        agreement: Some([3; 32]),
        name: Some("bob".into()),
    }));
    round_trip(Frame::Data {
        seq: 7,
        sealed: Bytes::from_static(b"\x00\x01wire"),
    });
    round_trip(Frame::Verdict {
        seq: 7,
        verdict: Verdict::Authentic,
    });
    round_trip(Frame::Verdict {
        seq: 8,
        verdict: Verdict::Rejected(Reason::BadPadding),
    });
    round_trip(Frame::Verdict {
        seq: 9,
        verdict: Verdict::Rejected(Reason::Withheld),
    });
    round_trip(Frame::Error {
        reason: "nope".into(),
    });
    round_trip(Frame::Bye { reason: None });
    round_trip(Frame::Task(Task {
        exercise: "rewrite-role".into(),
        text: "Make the server read \"role\":\"teacher\".".into(),
        material: "00ff".into(),
    }));
    round_trip(Frame::Answer {
        text: "secret".into(),
    });
    round_trip(Frame::Result {
        correct: false,
        reason: "not the secret".into(),
    });
    round_trip(Frame::Notice {
        text: "five minutes left".into(),
    });
    round_trip(Frame::Bye {
        reason: Some("server shutting down".into()),
    });
}

#[test]
fn an_oversized_answer_is_refused_from_its_length_before_parsing() {
    let mut body = b"A".to_vec();
    body.extend(std::iter::repeat_n(b'x', MAX_ANSWER_FRAME));
    let err = Frame::parse(Bytes::from(body)).unwrap_err().to_string();
    assert_eq!(
        err,
        "ANSWER frame of 1025 bytes exceeds the maximum of 1024 bytes"
    );
}

#[test]
fn a_result_says_correct_or_incorrect_and_nothing_else() {
    let parse = |b: &'static [u8]| Frame::parse(Bytes::from_static(b));
    assert!(
        parse(br#"R{"result":"maybe"}"#)
            .unwrap_err()
            .to_string()
            .contains("unknown result")
    );
    assert!(parse(br#"T{"exercise":"x","text":"t","material":"zz"}"#).is_err());
}

#[test]
fn json_escapes_in_verdicts_are_understood() {
    let frame = Frame::parse(Bytes::from_static(
        br#"V{"seq":1,"verdict":"rej\u0065cted","reason":"tag\u0020mismatch"}"#,
    ));
    assert_eq!(
        frame.unwrap(),
        Frame::Verdict {
            seq: 1,
            verdict: Verdict::Rejected(Reason::TagMismatch)
        }
    );
}

#[test]
fn control_frames_read_as_text() {
    let bytes = Frame::Verdict {
        seq: 1,
        verdict: Verdict::Rejected(Reason::TagMismatch),
    }
    .to_bytes();
    assert_eq!(
        &bytes[4..],
        br#"V{"seq":1,"verdict":"rejected","reason":"tag mismatch"}"#
    );
}

#[test]
fn oversized_and_empty_lengths_are_refused_from_the_prefix_alone() {
    let err = check(&[0xff, 0xff, 0xff, 0xff], DEFAULT_MAX_FRAME).unwrap_err();
    assert_eq!(
        err.to_string(),
        "frame length 4294967295 exceeds the maximum of 1048576 bytes"
    );
    let err = check(b"GET / HTTP/1.1", DEFAULT_MAX_FRAME).unwrap_err();
    assert!(err.to_string().contains("looks like HTTP"), "{err}");
    assert!(matches!(check(&[0, 0, 0, 0], 10), Err(FrameError::Empty)));
    assert_eq!(
        check(&[0, 0, 0, 5, b'B'], 10).unwrap(),
        None,
        "partial frames wait"
    );
}

#[test]
fn specific_errors_for_bad_bodies() {
    let parse = |b: &'static [u8]| Frame::parse(Bytes::from_static(b)).unwrap_err().to_string();
    assert_eq!(parse(b"Z"), "unknown frame kind 0x5a");
    assert!(parse(b"H{not json").starts_with("invalid JSON in HELLO frame"));
    assert_eq!(
        parse(br#"H{"version":1,"scheme":"rot13"}"#),
        "unknown scheme 'rot13' (expected ecb, cbc, fernet, hmac, prefix-mac, gcm or chacha)"
    );
    assert!(parse(br#"H{"version":9}"#).contains("protocol version 9"));
    assert_eq!(
        parse(b"D\x00\x01"),
        "DATA frame of 3 bytes is too short for its 8-byte sequence number"
    );
    assert!(
        parse(br#"V{"seq":1,"verdict":"rejected","reason":"gremlins"}"#).contains("unknown reason")
    );
    assert!(
        parse(br#"W{"version":1,"scheme":"ecb","key_exchange":"psk","key":"00"}"#)
            .contains("exactly when")
    );
}
