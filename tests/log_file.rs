//! The log file's bounds, on real files in a temporary directory: where the default log goes,
//! its modes, the refusal of a symbolic link, rotation under a flood from several threads, and
//! the per-peer line rate.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::collections::BTreeSet;
use std::ffi::OsStr;
use std::fs;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use cipherlab::logging::{FileLog, Limits, LogEnv, LogFileError, LogPlace, log_path_in};
use tracing::Dispatch;
use tracing_subscriber::layer::SubscriberExt;

fn dispatch(log: FileLog) -> Dispatch {
    Dispatch::new(tracing_subscriber::registry().with(log))
}

fn mode(path: &Path) -> u32 {
    fs::symlink_metadata(path).unwrap().permissions().mode() & 0o777
}

fn lines(path: &Path) -> Vec<String> {
    fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(str::to_owned)
        .collect()
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn env<'a>(xdg: Option<&'a str>, home: Option<&'a str>, uid: Option<u32>) -> LogEnv<'a> {
    LogEnv {
        xdg_state_home: xdg.map(OsStr::new),
        home: home.map(OsStr::new),
        temp_dir: Path::new("/tmp"),
        uid,
    }
}

fn place(file: &str, shared_parent: bool) -> Option<LogPlace> {
    Some(LogPlace {
        file: PathBuf::from(file),
        shared_parent,
    })
}

#[test]
fn the_default_log_is_in_xdg_state_home_then_home_then_a_per_user_temp_directory() {
    let home = Some("/home/ada");
    assert_eq!(
        log_path_in(&env(Some("/state"), home, Some(1000))),
        place("/state/cipherlab/cipherlab.log", false)
    );
    assert_eq!(
        log_path_in(&env(None, home, Some(1000))),
        place("/home/ada/.local/state/cipherlab/cipherlab.log", false)
    );
    // The XDG rules: an empty or relative $XDG_STATE_HOME is ignored.
    for ignored in ["", "state", "./state"] {
        assert_eq!(
            log_path_in(&env(Some(ignored), home, Some(1000))),
            place("/home/ada/.local/state/cipherlab/cipherlab.log", false),
            "{ignored:?}"
        );
    }
    // No usable home either: the temp folder, but in a directory named for the user.
    for no_home in [None, Some(""), Some("relative")] {
        assert_eq!(
            log_path_in(&env(None, no_home, Some(1000))),
            place("/tmp/cipherlab-1000/cipherlab.log", true),
            "{no_home:?}"
        );
    }
    assert_eq!(log_path_in(&env(None, None, None)), None);
}

#[test]
fn a_new_log_is_0600_in_a_0700_state_directory() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state");
    let state_text = state.to_str().unwrap();
    let log = FileLog::open_default(&env(Some(state_text), None, None), Limits::default()).unwrap();
    tracing::dispatcher::with_default(&dispatch(log), || tracing::info!("message sent"));
    let file = state.join("cipherlab/cipherlab.log");
    assert_eq!(mode(&state.join("cipherlab")), 0o700);
    assert_eq!(mode(&file), 0o600);
    assert!(
        lines(&file)[0].ends_with("INFO message sent"),
        "{:?}",
        lines(&file)
    );

    // A given path is created 0600 too, whatever the umask would allow.
    let given = dir.path().join("given.log");
    FileLog::open(&given, Limits::default()).unwrap();
    assert_eq!(mode(&given), 0o600);
}

#[test]
fn a_symlink_at_the_log_path_is_refused_and_its_target_left_alone() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("precious.txt");
    fs::write(&target, "do not append here\n").unwrap();
    let link = dir.path().join("cipherlab.log");
    std::os::unix::fs::symlink(&target, &link).unwrap();
    let err = FileLog::open(&link, Limits::default())
        .err()
        .expect("refused");
    assert!(matches!(err, LogFileError::Symlink { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains(link.to_str().unwrap()), "{message}");
    assert!(message.contains("--log-file"), "{message}");
    assert_eq!(fs::read_to_string(&target).unwrap(), "do not append here\n");

    // A dangling link would otherwise create its target.
    let dangling = dir.path().join("dangling.log");
    std::os::unix::fs::symlink(dir.path().join("created-elsewhere"), &dangling).unwrap();
    assert!(matches!(
        FileLog::open(&dangling, Limits::default()),
        Err(LogFileError::Symlink { .. })
    ));
    assert!(!dir.path().join("created-elsewhere").exists());
}

#[test]
fn the_temp_fallback_directory_must_be_the_users_own_and_private() {
    let dir = tempfile::tempdir().unwrap();
    let uid = fs::metadata(dir.path()).unwrap().uid();
    let temp_env = LogEnv {
        xdg_state_home: None,
        home: None,
        temp_dir: dir.path(),
        uid: Some(uid),
    };
    // Someone made the directory first and left it open.
    let planted = dir.path().join(format!("cipherlab-{uid}"));
    fs::create_dir(&planted).unwrap();
    fs::set_permissions(&planted, fs::Permissions::from_mode(0o777)).unwrap();
    let err = FileLog::open_default(&temp_env, Limits::default())
        .err()
        .expect("refused");
    assert!(matches!(err, LogFileError::NotPrivate { .. }), "{err}");
    assert!(!planted.join("cipherlab.log").exists());

    fs::remove_dir(&planted).unwrap();
    FileLog::open_default(&temp_env, Limits::default()).unwrap();
    assert_eq!(mode(&planted), 0o700);
    assert_eq!(mode(&planted.join("cipherlab.log")), 0o600);
}

/// Floods `log` from `threads` threads, `per_thread` lines each, with no `peer` field (the
/// lab's own actions are not rate-limited). Returns the bytes of the lines sent.
fn flood(log: FileLog, threads: usize, per_thread: usize) -> usize {
    let dispatch = dispatch(log);
    let handles: Vec<_> = (0..threads)
        .map(|t| {
            let dispatch = dispatch.clone();
            std::thread::spawn(move || {
                tracing::dispatcher::with_default(&dispatch, || {
                    for n in 0..per_thread {
                        tracing::info!(thread = t, n, "message sent");
                    }
                })
            })
        })
        .collect();
    for handle in handles {
        handle.join().unwrap();
    }
    // "2025-01-31T12:00:00.123Z  INFO message sent thread=1 n=123\n"
    (0..threads)
        .map(|t| {
            (0..per_thread)
                .map(|n| 55 + t.to_string().len() + n.to_string().len())
                .sum::<usize>()
        })
        .sum()
}

/// Parses one flood line, panicking if it is not whole.
fn parse_flood_line(line: &str) -> (usize, usize) {
    let rest = line
        .split_once("  INFO message sent thread=")
        .unwrap_or_else(|| panic!("a broken line: {line:?}"))
        .1;
    let (t, n) = rest
        .split_once(" n=")
        .unwrap_or_else(|| panic!("a broken line: {line:?}"));
    (t.parse().unwrap(), n.parse().unwrap())
}

#[test]
fn rotation_keeps_exactly_one_old_file_and_bounds_the_bytes_on_disk() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cipherlab.log");
    let limits = Limits {
        max_bytes: 64 * 1024,
        ..Limits::default()
    };
    let sent = flood(FileLog::open(&path, limits).unwrap(), 4, 25_000);
    assert_eq!(names(dir.path()), ["cipherlab.log", "cipherlab.log.1"]);
    let on_disk: u64 = ["cipherlab.log", "cipherlab.log.1"]
        .iter()
        .map(|name| {
            let len = fs::metadata(dir.path().join(name)).unwrap().len();
            assert!(len <= limits.max_bytes, "{name} is {len} bytes");
            len
        })
        .sum();
    eprintln!("flood of {sent} bytes; on disk {on_disk} bytes (cap 2 x 65536)");
    assert!(sent as u64 > 20 * limits.max_bytes);
    assert!(on_disk <= 2 * limits.max_bytes);
    // The old file is a full one: rotation happens at the cap, not early.
    let old = fs::metadata(dir.path().join("cipherlab.log.1"))
        .unwrap()
        .len();
    assert!(old > limits.max_bytes - 100, "{old}");
    assert_eq!(mode(&dir.path().join("cipherlab.log.1")), 0o600);
    for line in lines(&path)
        .iter()
        .chain(&lines(&dir.path().join("cipherlab.log.1")))
    {
        parse_flood_line(line);
    }
}

#[test]
fn rotation_loses_and_interleaves_no_line_across_threads() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cipherlab.log");
    // About 4 x 2000 x 53 = 424 KB: exactly one rotation, so nothing is old enough to go.
    let limits = Limits {
        max_bytes: 256 * 1024,
        ..Limits::default()
    };
    let sent = flood(FileLog::open(&path, limits).unwrap(), 4, 2000);
    assert!(sent as u64 > limits.max_bytes && (sent as u64) < 2 * limits.max_bytes);
    let mut all = lines(&dir.path().join("cipherlab.log.1"));
    assert!(!all.is_empty(), "no rotation happened");
    all.extend(lines(&path));
    let mut seen = BTreeSet::new();
    let mut next = [0usize; 4];
    for line in &all {
        let (t, n) = parse_flood_line(line);
        // Each thread's lines come in the order it sent them, across the two files.
        assert_eq!(n, next[t], "thread {t} out of order at {line:?}");
        next[t] += 1;
        seen.insert((t, n));
    }
    assert_eq!(seen.len(), 8000, "lines were lost or duplicated");
}

#[test]
fn a_flooding_peer_is_held_to_its_rate_while_another_peer_gets_through() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("cipherlab.log");
    let limits = Limits::default();
    let dispatch = dispatch(FileLog::open(&path, limits).unwrap());
    let (flooder, quiet) = ("127.0.0.1:5555", "127.0.0.1:6666");
    let started = Instant::now();
    let flood_lines = 100_000;
    tracing::dispatcher::with_default(&dispatch, || {
        for seq in 0..flood_lines {
            tracing::info!(peer = %flooder, seq, verdict = "tag mismatch", "verification result");
            if seq % 10_000 == 0 {
                tracing::info!(peer = %quiet, seq, verdict = "authentic", "verification result");
            }
        }
    });
    let elapsed = started.elapsed();
    // A second later, the flooder's next line brings the summary of what was held back.
    std::thread::sleep(Duration::from_millis(1100));
    tracing::dispatcher::with_default(&dispatch, || {
        tracing::info!(peer = %flooder, seq = flood_lines, "verification result");
    });

    let written = lines(&path);
    let from = |peer: &str| {
        written
            .iter()
            .filter(|l| l.contains(&format!("verification result peer={peer} ")))
            .count()
    };
    let windows = elapsed.as_secs() as usize + 2;
    let logged = from(flooder);
    eprintln!(
        "{} flood lines in {elapsed:?}: {logged} logged, {} bytes on disk",
        flood_lines + 1,
        fs::metadata(&path).unwrap().len()
    );
    assert!(
        logged <= windows * limits.peer_lines_per_second as usize,
        "{logged}"
    );
    assert_eq!(from(quiet), 10, "the other peer was held back too");
    // Every flood line is either in the log or counted in a summary.
    let suppressed: usize = written
        .iter()
        .filter_map(|l| {
            l.split_once("INFO … ")?
                .1
                .split_once(" similar lines from ")
        })
        .map(|(n, rest)| {
            assert!(rest.starts_with(flooder), "{rest}");
            n.parse::<usize>().unwrap()
        })
        .sum();
    assert_eq!(logged + suppressed, flood_lines + 1, "{written:#?}");
}

#[test]
fn the_help_names_the_xdg_log_path() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_cipherlab"))
        .arg("--help")
        .env("XDG_STATE_HOME", dir.path())
        .output()
        .unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    let want = dir.path().join("cipherlab/cipherlab.log");
    assert!(
        help.contains(&format!("Logs go to {}", want.display())),
        "{help}"
    );
}
