//! Every shipped lesson plays through headless on loopback, and each step's expectations hold:
//! `cipherlab lesson NAME --headless` exits 0. A lesson whose expectation is wrong exits 1.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::process::Proc;

fn play(name: &str) -> (Option<i32>, Vec<serde_json::Value>) {
    let mut lesson = Proc::cipherlab(&["lesson", name, "--headless", "--log-level", "off"], &[]);
    let (code, lines) = {
        let stderr = lesson.stderr_after_exit();
        let (code, lines) = lesson.finish();
        if code != Some(0) {
            eprintln!("{name} stderr: {stderr}");
        }
        (code, lines)
    };
    (
        code,
        lines
            .iter()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect(),
    )
}

/// Step `step`'s check of `what`, as the headless lesson reported it.
fn check<'a>(events: &'a [serde_json::Value], step: usize, what: &str) -> &'a serde_json::Value {
    let report = events.iter().find(|e| e["step"] == step).unwrap();
    report["checks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["what"] == what)
        .unwrap_or_else(|| panic!("step {step} checks no {what}: {report}"))
}

#[test]
fn every_shipped_lesson_plays_through_with_its_expected_verdicts() {
    let (code, lines) = Proc::cipherlab(&["lesson", "--list"], &[]).finish();
    assert_eq!(code, Some(0));
    let names: Vec<String> = lines
        .iter()
        .map(|l| l.split_whitespace().next().unwrap().to_owned())
        .collect();
    assert_eq!(
        names,
        [
            "ecb-patterns",
            "key-on-the-wire",
            "cbc-bit-flipping",
            "fernet-authenticated",
            "hmac-integrity-not-secrecy",
            "unshared-key",
            "length-extension",
            "aead",
            "padding-oracle",
            "ecb-byte-at-a-time"
        ]
    );
    for name in names {
        let (code, events) = play(&name);
        let steps: Vec<&serde_json::Value> = events
            .iter()
            .filter(|e| e["event"] == "lesson-step")
            .collect();
        let failed: Vec<&&serde_json::Value> = steps.iter().filter(|s| s["ok"] != true).collect();
        assert!(failed.is_empty(), "{name}: {failed:#?}");
        assert_eq!(code, Some(0), "{name}");
        let checks: usize = steps
            .iter()
            .map(|s| s["checks"].as_array().unwrap().len())
            .sum();
        assert!(checks >= 3, "{name} checks too little ({checks})");
        // Every promise a step makes is one of the checks that ran for it.
        let lesson = cipherlab::lesson::Lesson::find(&name).unwrap();
        for (step, report) in lesson.steps.iter().zip(&steps) {
            let ran: Vec<&str> = report["checks"]
                .as_array()
                .unwrap()
                .iter()
                .map(|c| c["what"].as_str().unwrap())
                .collect();
            let promised = [
                ("verdict", step.expect.is_some()),
                ("replay verdict", step.expect_replay.is_some()),
                ("plaintext", step.expect_plaintext.is_some()),
                ("eavesdropper", step.eavesdropper.is_some()),
                ("repeated blocks", step.expect_repeated_blocks.is_some()),
                ("attack", step.expect_attack.is_some()),
            ];
            for (what, made) in promised {
                assert_eq!(
                    ran.contains(&what),
                    made,
                    "{name} step {}: {what}",
                    report["step"]
                );
            }
            assert_eq!(
                step.send.is_some(),
                ran.contains(&"verdict"),
                "{name} step {}: a message sent, a verdict checked",
                report["step"]
            );
        }
        let done = events.last().unwrap();
        assert_eq!(done["event"], "lesson-done");
        assert_eq!(done["passed"], done["steps"]);
    }
}

#[test]
fn the_lessons_assert_what_the_cryptography_predicts() {
    let (_, events) = play("cbc-bit-flipping");
    let plaintext = check(&events, 3, "plaintext");
    assert_eq!(
        plaintext["observed"], "10:1a:2b:3c:4d:5e",
        "seed 003's MAC address, changed undetected"
    );
    let (_, events) = play("key-on-the-wire");
    let observed: Vec<&str> = events
        .iter()
        .flat_map(|e| e["checks"].as_array().into_iter().flatten())
        .filter(|c| c["what"] == "eavesdropper")
        .map(|c| c["observed"].as_str().unwrap())
        .collect();
    assert_eq!(
        observed,
        ["reads", "blind", "blind"],
        "send, then psk, then x25519"
    );
}

/// The checks of a lesson's steps, as (step, what, observed).
fn observed(name: &str) -> Vec<(u64, String, String)> {
    let (_, events) = play(name);
    events
        .iter()
        .flat_map(|e| {
            let step = e["step"].as_u64().unwrap_or(0);
            e["checks"].as_array().into_iter().flatten().map(move |c| {
                (
                    step,
                    c["what"].as_str().unwrap().to_owned(),
                    c["observed"].as_str().unwrap().to_owned(),
                )
            })
        })
        .collect()
}

#[test]
fn length_extension_is_accepted_by_prefix_mac_and_rejected_by_hmac() {
    let checks = observed("length-extension");
    let at = |step: u64, what: &str| {
        checks
            .iter()
            .find(|(s, w, _)| *s == step && w == what)
            .map(|(_, _, o)| o.as_str())
    };
    assert_eq!(at(4, "verdict"), Some("authentic"), "the forgery");
    let forged = at(4, "plaintext").unwrap();
    assert!(
        forged.starts_with("amount=10&to=alice") && forged.ends_with("&to=mallory"),
        "{forged}"
    );
    assert_eq!(
        at(5, "verdict"),
        Some("rejected: tag mismatch"),
        "a wrong key length"
    );
    assert_eq!(
        at(6, "verdict"),
        Some("rejected: tag mismatch"),
        "the same under hmac"
    );
}

#[test]
fn aead_rejects_every_tamper_accepts_a_replay_and_leaks_under_a_fixed_nonce() {
    let checks = observed("aead");
    let verdicts: Vec<&str> = checks
        .iter()
        .filter(|(_, w, _)| w == "verdict" || w == "replay verdict")
        .map(|(_, _, o)| o.as_str())
        .collect();
    assert_eq!(
        verdicts,
        [
            "authentic",
            "rejected: tag mismatch",
            "rejected: tag mismatch",
            "authentic",
            "authentic",
            "rejected: tag mismatch",
            "authentic",
            "authentic",
            "authentic",
            "authentic"
        ]
    );
    let eavesdropper: Vec<(u64, &str)> = checks
        .iter()
        .filter(|(_, w, _)| w == "eavesdropper")
        .map(|(s, _, o)| (*s, o.as_str()))
        .collect();
    assert_eq!(
        eavesdropper,
        [(2, "blind"), (7, "blind"), (8, "reads"), (10, "reads")],
        "blind with a random nonce; reads once the nonce repeats"
    );
}

#[test]
fn a_lesson_whose_expectation_is_wrong_fails() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("wrong.toml");
    std::fs::write(
        &path,
        "name = 'wrong'\ntitle = 'A wrong belief'\nsummary = 'ECB does not check integrity.'\n\
         [[step]]\nnarration = 'Surely a swap is caught?'\nscheme = 'ecb'\ntamper = 'swap:0:1'\n\
         send = 'AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBB'\nexpect = 'rejected: tag mismatch'\n",
    )
    .unwrap();
    let (code, events) = play(path.to_str().unwrap());
    assert_eq!(code, Some(1));
    let check = &events[0]["checks"][0];
    assert_eq!(check["expected"], "rejected: tag mismatch");
    assert_eq!(check["observed"], "unauthenticated");
    let (code, _) = Proc::cipherlab(&["lesson", "no-such-lesson", "--headless"], &[]).finish();
    assert_eq!(code, Some(2));
}

/// A record read by position: 16-byte fields, dots for padding.
fn fields(record: &str) -> Vec<&str> {
    record
        .as_bytes()
        .chunks(16)
        .map(|field| std::str::from_utf8(field).unwrap().trim_end_matches('.'))
        .collect()
}

#[test]
fn ecb_patterns_swaps_who_pays_whom() {
    let lesson = cipherlab::lesson::Lesson::find("ecb-patterns").unwrap();
    let (number, step) = lesson
        .steps
        .iter()
        .enumerate()
        .rfind(|(_, s)| s.tamper == Some("swap:0:1".parse().unwrap()))
        .unwrap();
    let sent = fields(step.send.as_deref().unwrap());
    assert_eq!(
        sent,
        ["mallory", "alice", "10 coins"],
        "payer, payee, amount"
    );
    let (_, events) = play("ecb-patterns");
    let accepted = check(&events, number + 1, "plaintext");
    assert_eq!(accepted["ok"], true, "{accepted}");
    let accepted = fields(accepted["observed"].as_str().unwrap());
    assert_eq!(
        accepted,
        ["alice", "mallory", "10 coins"],
        "the server reads that alice pays mallory"
    );
}

#[test]
fn cbc_bit_flipping_garbles_the_flipped_block_and_flips_the_next() {
    let (_, events) = play("cbc-bit-flipping");
    let plaintext = check(&events, 5, "plaintext");
    assert_eq!(plaintext["expected"], "[garbled block]d");
    assert_eq!(plaintext["ok"], true, "{plaintext}");
}
