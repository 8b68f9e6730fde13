//! Where the log goes (the user's state directory, per XDG) and how it is opened: a
//! private directory, a `0600` file, and never through a symbolic link.

use super::*;

/// What the default log path depends on, passed in so that choosing it needs no process
/// environment (see [`log_path_in`]).
#[derive(Clone, Copy, Debug)]
pub struct LogEnv<'a> {
    /// `$XDG_STATE_HOME`.
    pub xdg_state_home: Option<&'a OsStr>,
    /// `$HOME`.
    pub home: Option<&'a OsStr>,
    /// The system's temporary directory.
    pub temp_dir: &'a Path,
    /// The user's uid, when known: it names the temp-folder fallback.
    pub uid: Option<u32>,
}

/// Where the log goes by default, and whether that place is shared with other users.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LogPlace {
    /// The log file.
    pub file: PathBuf,
    /// True for the temp-folder fallback, whose directory must then be checked to be this
    /// user's own before use (anyone can create names there).
    pub shared_parent: bool,
}

/// The default log per the XDG base directory rules: `$XDG_STATE_HOME/cipherlab/cipherlab.log`,
/// else `$HOME/.local/state/cipherlab/cipherlab.log`; a variable counts only when it is an
/// absolute path (the rules say to ignore a relative one). When neither is, a per-user
/// directory in the temp folder, `cipherlab-<uid>/cipherlab.log`; with no uid either, `None`.
pub fn log_path_in(env: &LogEnv<'_>) -> Option<LogPlace> {
    pub(super) fn absolute(v: Option<&OsStr>) -> Option<&Path> {
        v.map(Path::new).filter(|p| p.is_absolute())
    }
    if let Some(state) = absolute(env.xdg_state_home) {
        return Some(LogPlace {
            file: state.join("cipherlab").join(FILE_NAME),
            shared_parent: false,
        });
    }
    if let Some(home) = absolute(env.home) {
        return Some(LogPlace {
            file: home.join(".local/state/cipherlab").join(FILE_NAME),
            shared_parent: false,
        });
    }
    env.uid.map(|uid| LogPlace {
        file: env
            .temp_dir
            .join(format!("cipherlab-{uid}"))
            .join(FILE_NAME),
        shared_parent: true,
    })
}

/// The default log for this process's environment (see [`log_path_in`]).
pub fn default_log_path() -> Option<PathBuf> {
    with_process_env(|env| log_path_in(env).map(|place| place.file))
}

pub(super) fn with_process_env<T>(f: impl FnOnce(&LogEnv<'_>) -> T) -> T {
    let xdg = std::env::var_os("XDG_STATE_HOME");
    let home = std::env::var_os("HOME");
    let temp = std::env::temp_dir();
    f(&LogEnv {
        xdg_state_home: xdg.as_deref(),
        home: home.as_deref(),
        temp_dir: &temp,
        uid: current_uid(),
    })
}

/// The process's uid without `unsafe` or a new dependency: the owner of `/proc/self` (Linux).
/// Elsewhere `None`, which only matters when neither `$XDG_STATE_HOME` nor `$HOME` is set.
pub(super) fn current_uid() -> Option<u32> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        std::fs::metadata("/proc/self").ok().map(|m| m.uid())
    }
    #[cfg(not(unix))]
    None
}

/// Creates `dir` (and missing parents) with mode `0700`. With `owner`, `dir` is in a folder
/// anyone can write, so it must also turn out to be a directory (not a link) owned by that uid
/// with no group or other access.
pub(super) fn create_private_dir(dir: &Path, owner: Option<u32>) -> Result<(), LogFileError> {
    let mut builder = std::fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
    builder.create(dir).map_err(|source| LogFileError::Dir {
        path: dir.to_path_buf(),
        source,
    })?;
    #[cfg(unix)]
    if let Some(uid) = owner {
        use std::os::unix::fs::MetadataExt;
        let private = std::fs::symlink_metadata(dir)
            .is_ok_and(|m| m.file_type().is_dir() && m.uid() == uid && m.mode() & 0o077 == 0);
        if !private {
            return Err(LogFileError::NotPrivate {
                path: dir.to_path_buf(),
            });
        }
    }
    #[cfg(not(unix))]
    let _ = owner;
    Ok(())
}

/// Opens `path` for appending, creating it `0600`, with `O_NOFOLLOW`: the kernel refuses a
/// symbolic link as the last component, so none planted at the path can redirect the log.
pub(super) fn open_no_follow(path: &Path) -> Result<File, LogFileError> {
    let mut options = OpenOptions::new();
    options.create(true).append(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(0o600).custom_flags(libc::O_NOFOLLOW);
    }
    options.open(path).map_err(|source| {
        // The error for a link is ELOOP on Linux and macOS but EMLINK on FreeBSD; asking the
        // file system is clearer than either.
        let is_link = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        if is_link {
            LogFileError::Symlink {
                path: path.to_path_buf(),
            }
        } else {
            LogFileError::Open {
                path: path.to_path_buf(),
                source,
            }
        }
    })
}
