//! Renders the README's screenshots into `screenshots/` from real application state:
//! `cargo run --example screenshots`. `tests/screenshots.rs` fails when they are stale.

use cipherlab::net::matrix::run_all;
use cipherlab::tui::scenario::{render_svg, screenshots};

#[tokio::main(flavor = "current_thread")]
async fn main() -> std::io::Result<()> {
    let (tx, mut rx) = tokio::sync::mpsc::channel(64);
    tokio::spawn(run_all(tx));
    let mut cells = Vec::new();
    while let Some(cell) = rx.recv().await {
        cells.push(cell);
    }
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("screenshots");
    std::fs::create_dir_all(&dir)?;
    for shot in screenshots(cells) {
        let path = dir.join(format!("{}.svg", shot.name));
        std::fs::write(&path, render_svg(&shot.app, shot.size))?;
        println!("wrote {}", path.display());
    }
    Ok(())
}
