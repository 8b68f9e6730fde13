//! "Run all": every attack against every scheme on loopback, and the receiver's verdicts are
//! exactly the DESIGN §5 matrix.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::HashMap;

use cipherlab::crypto::{Reason, Scheme, Verdict};
use cipherlab::net::matrix::{Attack, Cell, MESSAGE, run_all};
use tokio::sync::mpsc;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn run_all_fills_every_cell_with_the_predicted_outcome() {
    let (tx, mut rx) = mpsc::channel(64);
    let runner = tokio::spawn(run_all(tx));
    let mut cells: HashMap<(Attack, Scheme), Cell> = HashMap::new();
    while let Some(cell) = rx.recv().await {
        cells.insert((cell.attack, cell.scheme), cell);
    }
    runner.await.unwrap();
    assert_eq!(cells.len(), Attack::ALL.len() * Scheme::ALL.len());
    let cell = |a, s| &cells[&(a, s)].outcome;
    let verdict = |a, s| cell(a, s).verdicts.first().cloned();
    use Attack::*;
    use Scheme::*;

    // nothing
    assert_eq!(verdict(Nothing, Ecb), Some(Verdict::Unauthenticated));
    assert_eq!(verdict(Nothing, Cbc), Some(Verdict::Unauthenticated));
    assert_eq!(verdict(Nothing, Fernet), Some(Verdict::Authentic));
    assert_eq!(verdict(Nothing, Hmac), Some(Verdict::Authentic));
    // flip a bit in a block that is not the last: accepted garbled, or rejected by the tag
    for scheme in [Ecb, Cbc] {
        assert_eq!(
            verdict(FlipBlock, scheme),
            Some(Verdict::Unauthenticated),
            "{scheme}"
        );
        assert_ne!(
            cell(FlipBlock, scheme).plaintext.as_deref(),
            Some(MESSAGE.as_bytes())
        );
        assert_eq!(cell(FlipBlock, scheme).safe, Some(false));
    }
    for scheme in [Fernet, Hmac] {
        assert_eq!(
            verdict(FlipBlock, scheme),
            Some(Verdict::Rejected(Reason::TagMismatch)),
            "{scheme}"
        );
        assert_eq!(cell(FlipBlock, scheme).safe, Some(true));
    }
    // flip in the IV: cbc accepts block 0 changed; fernet rejects; ecb and hmac have none
    assert_eq!(verdict(FlipIv, Cbc), Some(Verdict::Unauthenticated));
    let changed = cell(FlipIv, Cbc).plaintext.clone().unwrap();
    assert_eq!(
        changed[0],
        MESSAGE.as_bytes()[0] ^ 1,
        "the same bit flips in plaintext block 0"
    );
    assert_eq!(changed[1..], MESSAGE.as_bytes()[1..]);
    assert!(matches!(
        verdict(FlipIv, Fernet),
        Some(Verdict::Rejected(_))
    ));
    assert_eq!(cell(FlipIv, Ecb).safe, None);
    assert_eq!(cell(FlipIv, Hmac).safe, None);
    // swap
    assert_eq!(verdict(Swap, Ecb), Some(Verdict::Unauthenticated));
    assert_eq!(
        cell(Swap, Ecb).plaintext.as_deref(),
        Some(&b"PAY BOB 10 COINSFROM: alice     PAY BOB 10 COINSsigned, alice"[..]),
        "ECB delivers the blocks swapped"
    );
    assert_eq!(verdict(Swap, Cbc), Some(Verdict::Unauthenticated));
    assert!(matches!(verdict(Swap, Fernet), Some(Verdict::Rejected(_))));
    assert!(matches!(verdict(Swap, Hmac), Some(Verdict::Rejected(_))));
    // truncate: usually bad padding for ecb/cbc (always, for this message), rejected otherwise
    assert_eq!(
        verdict(Truncate, Ecb),
        Some(Verdict::Rejected(Reason::BadPadding))
    );
    assert_eq!(
        verdict(Truncate, Cbc),
        Some(Verdict::Rejected(Reason::BadPadding))
    );
    assert!(matches!(
        verdict(Truncate, Fernet),
        Some(Verdict::Rejected(_))
    ));
    assert_eq!(
        verdict(Truncate, Hmac),
        Some(Verdict::Rejected(Reason::LengthMismatch))
    );
    // replay: accepted, except fernet once the TTL has passed
    for scheme in [Ecb, Cbc, Hmac] {
        assert!(
            cell(Replay, scheme)
                .verdicts
                .iter()
                .all(Verdict::is_accepted),
            "{scheme}"
        );
    }
    assert_eq!(
        cell(Replay, Fernet).verdicts,
        [Verdict::Authentic, Verdict::Rejected(Reason::TokenExpired)],
        "accepted within the TTL, then rejected"
    );
    // eavesdropping
    for scheme in Scheme::ALL {
        assert_eq!(
            cell(KeyInClear, scheme).plaintext.as_deref(),
            Some(MESSAGE.as_bytes()),
            "{scheme}"
        );
    }
    assert!(
        cell(PreShared, Ecb)
            .summary
            .starts_with("sees equal blocks (1 repeated)"),
        "{}",
        cell(PreShared, Ecb).summary
    );
    assert!(
        cell(PreShared, Cbc)
            .summary
            .starts_with("sees lengths only")
    );
    assert_eq!(
        cell(PreShared, Fernet).summary,
        "sees lengths and the timestamp"
    );
    assert_eq!(
        cell(PreShared, Hmac).plaintext.as_deref(),
        Some(MESSAGE.as_bytes()),
        "hmac was never secret"
    );
    // The cells use the contract's words.
    assert_eq!(cell(PreShared, Hmac).summary, "reads every message");
    assert_eq!(
        cell(KeyInClear, Hmac).summary,
        "the message was never secret"
    );
    assert_eq!(cell(KeyInClear, Ecb).summary, "eavesdropper reads all");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_second_release_rows_and_columns_are_the_design_cells() {
    use cipherlab::net::matrix::SECOND;
    let (tx, mut rx) = mpsc::channel(64);
    let runner = tokio::spawn(run_all(tx));
    let mut cells: HashMap<(Attack, Scheme), Cell> = HashMap::new();
    while let Some(cell) = rx.recv().await {
        cells.insert((cell.attack, cell.scheme), cell);
    }
    runner.await.unwrap();
    let cell = |a, s| &cells[&(a, s)].outcome;
    let verdict = |a, s| cell(a, s).verdicts.first().cloned();
    let summary = |a, s| cell(a, s).summary.as_str();
    use Attack::*;
    use Scheme::*;
    let tag_mismatch = Some(Verdict::Rejected(Reason::TagMismatch));

    for scheme in [PrefixMac, Gcm, Chacha] {
        assert_eq!(
            verdict(Nothing, scheme),
            Some(Verdict::Authentic),
            "{scheme}"
        );
        assert!(
            cell(Replay, scheme)
                .verdicts
                .iter()
                .all(Verdict::is_accepted)
                && !cell(Replay, scheme).verdicts.is_empty(),
            "{scheme}: an AEAD alone does not stop a replay"
        );
        for attack in [FlipBlock, Swap, Truncate] {
            assert!(
                matches!(verdict(attack, scheme), Some(Verdict::Rejected(_))),
                "{attack:?} {scheme}"
            );
        }
    }
    for scheme in [Gcm, Chacha] {
        for attack in [FlipBlock, FlipIv, Swap, Truncate, Rewrite] {
            assert_eq!(verdict(attack, scheme), tag_mismatch, "{attack:?} {scheme}");
        }
        assert_eq!(
            cell(NonceReused, scheme).plaintext.as_deref(),
            Some(SECOND.as_bytes())
        );
        assert_eq!(
            summary(NonceReused, scheme),
            "one known plaintext reads the other"
        );
        assert_eq!(cell(NonceReused, scheme).safe, Some(false));
        assert_eq!(summary(KeyInClear, scheme), "eavesdropper reads all");
        assert!(
            summary(PreShared, scheme).starts_with("sees lengths only"),
            "{scheme}"
        );
        assert_eq!(summary(Extend, scheme), "–");
    }
    // rewrite known plaintext
    assert_eq!(summary(Rewrite, Ecb), "refused: no XOR path (ECB)");
    assert_eq!(summary(Rewrite, Cbc), "accepted with trudy, undetected");
    assert_eq!(verdict(Rewrite, Cbc), Some(Verdict::Unauthenticated));
    for scheme in [Fernet, Hmac, PrefixMac] {
        assert_eq!(verdict(Rewrite, scheme), tag_mismatch, "{scheme}");
    }
    // length extension: forged without the key against prefix-mac, rejected by hmac
    assert_eq!(verdict(Extend, PrefixMac), Some(Verdict::Authentic));
    assert_eq!(
        summary(Extend, PrefixMac),
        "authentic: forged without the key"
    );
    assert_eq!(cell(Extend, PrefixMac).safe, Some(false));
    assert_eq!(verdict(Extend, Hmac), tag_mismatch);
    for scheme in [Ecb, Cbc, Fernet] {
        assert_eq!(summary(Extend, scheme), "–", "{scheme}");
        assert_eq!(summary(NonceReused, scheme), "–", "{scheme}");
    }
    // eavesdropping on the MAC done wrong
    assert_eq!(
        summary(KeyInClear, PrefixMac),
        "the message was never secret"
    );
    assert_eq!(summary(PreShared, PrefixMac), "reads every message");
    assert_eq!(summary(FlipIv, PrefixMac), "prefix-mac has no IV");
}

#[test]
fn the_swap_row_names_the_blocks_it_swaps() {
    for scheme in Scheme::ALL {
        let Some(cipherlab::crypto::Tamper::Swap { i, j }) = Attack::Swap.action(scheme, 16) else {
            panic!("{scheme}: the swap row swaps")
        };
        assert_eq!(Attack::Swap.title(), format!("swap blocks {i} and {j}"));
    }
}
