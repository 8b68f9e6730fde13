//! The screenshots in `screenshots/` are what the program draws today: regenerate them in
//! memory and compare. When this fails, run `cargo run --example screenshots` and commit.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use cipherlab::net::matrix::run_all;
use cipherlab::tui::scenario::{render_svg, screenshots};

#[tokio::test]
async fn screenshots_are_fresh() {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(run_all(tx));
    let mut cells = Vec::new();
    while let Some(cell) = rx.recv().await {
        cells.push(cell);
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    let mut stale = Vec::new();
    for shot in screenshots(cells) {
        let path = dir.join(format!("{}.svg", shot.name));
        let on_disk = std::fs::read_to_string(&path).unwrap_or_default();
        if on_disk != render_svg(&shot.app, shot.size) {
            stale.push(path.display().to_string());
        }
    }
    assert!(
        stale.is_empty(),
        "stale screenshots (run `cargo run --example screenshots`): {stale:?}"
    );
}
