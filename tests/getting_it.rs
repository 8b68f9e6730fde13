//! The README's "Getting it" is true of this checkout: it names the Rust that `Cargo.toml`
//! requires and both ways to install the `cipherlab` command, says that every example assumes
//! it, and the scripts behind "the two commands" run from a fresh clone.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path)).unwrap()
}

/// The text with every run of whitespace one space, so that line breaks do not matter.
fn flat(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[test]
fn the_readme_says_how_to_install_cipherlab_and_which_rust_it_needs() {
    let readme = flat(&read("README.md"));
    let manifest = read("Cargo.toml");
    let field = |name: &str| {
        manifest
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} = ")))
            .map(|value| value.trim_matches('"').to_owned())
            .unwrap_or_else(|| panic!("Cargo.toml has no {name}"))
    };
    let (rust, edition) = (field("rust-version"), field("edition"));
    assert!(
        readme.contains(&format!(
            "needs **Rust {rust} or newer** (edition {edition};"
        )),
        "the README names Rust {rust} and edition {edition}"
    );
    // Edition 2024 itself needs Rust 1.85: the stated minimum cannot be below it.
    let minor: u32 = rust.split('.').nth(1).unwrap().parse().unwrap();
    assert!(
        edition != "2024" || minor >= 85,
        "{rust} cannot build edition 2024"
    );
    for command in ["cargo install --locked --path .", "cargo install --path ."] {
        assert!(readme.contains(command), "the README lacks `{command}`");
    }
    assert!(
        readme.contains("Every example below assumes the `cipherlab` command is installed."),
        "the README says what the examples assume"
    );
    assert!(
        readme.contains("cargo run --release -- server"),
        "and how to do without"
    );
}

#[test]
fn the_two_commands_run_from_a_fresh_clone() {
    use std::os::unix::fs::PermissionsExt;
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    // A clone keeps git's executable bit; run.sh calls the soak script.
    for script in ["tests/run.sh", "bench/soak.sh"] {
        let mode = std::fs::metadata(root.join(script))
            .unwrap()
            .permissions()
            .mode();
        assert!(mode & 0o111 != 0, "{script} is not executable");
    }
    let readme = read("README.md");
    assert!(readme.contains("cargo run --release          # opens the demo"));
    assert!(readme.contains("tests/run.sh                 # every test"));
    // The soak finds the release build wherever cargo puts it (CARGO_TARGET_DIR included).
    let soak = read("bench/soak.sh");
    assert!(
        soak.contains("target_directory") && !soak.contains("target/release/cipherlab"),
        "bench/soak.sh assumes ./target"
    );
}
