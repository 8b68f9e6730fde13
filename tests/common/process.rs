//! Child processes for tests: cipherlab itself and the Python seed peers, with their stdout read
//! as JSON lines on a thread, deadlines on every wait, and a kill on drop.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{BufRead, BufReader};
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::Value;

/// The cipherlab binary.
pub const BIN: &str = env!("CARGO_BIN_EXE_cipherlab");

/// The Python with the pinned peers' packages: `$CIPHERLAB_PYTHON`, or the venv `tests/run.sh`
/// makes. Interop tests fail (not skip) without it unless `CIPHERLAB_SKIP_INTEROP=1`.
pub fn python() -> Option<PathBuf> {
    if std::env::var_os("CIPHERLAB_SKIP_INTEROP").is_some_and(|v| v == "1") {
        return None;
    }
    let path = std::env::var_os("CIPHERLAB_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(concat!(
                env!("CARGO_MANIFEST_DIR"),
                "/target/py-venv/bin/python"
            ))
        });
    assert!(
        path.exists(),
        "no Python for the interop peers at {}: run tests/run.sh (it makes the venv), or set CIPHERLAB_SKIP_INTEROP=1 to skip",
        path.display()
    );
    Some(path)
}

/// A peer script's path.
pub fn peer(name: &str) -> String {
    format!("{}/tests/peers/{name}", env!("CARGO_MANIFEST_DIR"))
}

/// A running child whose stdout lines arrive on a channel.
pub struct Proc {
    child: Child,
    lines: mpsc::Receiver<String>,
    pub seen: Vec<String>,
}

impl Proc {
    pub fn spawn(
        program: impl AsRef<std::ffi::OsStr>,
        args: &[&str],
        env: &[(&str, &str)],
    ) -> Proc {
        Proc::spawn_with(program, args, env, Stdio::null())
    }

    /// cipherlab with `args`, its stdin a pipe that [`Proc::type_line`] writes to.
    pub fn cipherlab_typing(args: &[&str], env: &[(&str, &str)]) -> Proc {
        Proc::spawn_with(BIN, args, env, Stdio::piped())
    }

    /// Writes one line to the child's stdin (a [`Proc::cipherlab_typing`] child).
    pub fn type_line(&mut self, line: &str) {
        use std::io::Write;
        let stdin = self.child.stdin.as_mut().expect("stdin is piped");
        writeln!(stdin, "{line}").unwrap();
        stdin.flush().unwrap();
    }

    fn spawn_with(
        program: impl AsRef<std::ffi::OsStr>,
        args: &[&str],
        env: &[(&str, &str)],
        stdin: Stdio,
    ) -> Proc {
        let mut command = Command::new(program);
        command
            .args(args)
            .stdin(stdin)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        command.env(
            "CIPHERLAB_LOG_FILE",
            std::env::temp_dir().join("cipherlab-interop.log"),
        );
        for (k, v) in env {
            if v.is_empty() {
                command.env_remove(k);
            } else {
                command.env(k, v);
            }
        }
        let mut child = command.spawn().unwrap();
        let stdout = child.stdout.take().unwrap();
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if tx.send(line).is_err() {
                    break;
                }
            }
        });
        Proc {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// cipherlab with `args` (logging kept out of the way).
    pub fn cipherlab(args: &[&str], env: &[(&str, &str)]) -> Proc {
        Proc::spawn(BIN, args, env)
    }

    /// `cipherlab ROLE --headless --listen 127.0.0.1:0 EXTRA…` (a server, or a man in the
    /// middle with `--upstream` among `extra`), once it listens, and its address.
    pub fn listening(role: &str, extra: &[&str]) -> (Proc, String) {
        let args = [role, "--headless", "--listen", "127.0.0.1:0"];
        let mut proc = Proc::cipherlab(&[&args[..], extra].concat(), &[]);
        let addr = format!("127.0.0.1:{}", proc.port());
        (proc, addr)
    }

    /// The first JSON line (from now on) for which `pred` holds.
    pub fn wait_json(&mut self, what: &str, pred: impl Fn(&Value) -> bool) -> Value {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            assert!(
                !left.is_zero(),
                "timed out waiting for {what}; saw:\n{}",
                self.seen.join("\n")
            );
            match self
                .lines
                .recv_timeout(left.min(Duration::from_millis(200)))
            {
                Ok(line) => {
                    self.seen.push(line.clone());
                    if let Ok(value) = serde_json::from_str::<Value>(&line)
                        && pred(&value)
                    {
                        return value;
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {}
                Err(mpsc::RecvTimeoutError::Disconnected) => {
                    panic!(
                        "the process ended before {what}; saw:\n{}",
                        self.seen.join("\n")
                    )
                }
            }
        }
    }

    /// The `event` JSON line named `name`.
    pub fn event(&mut self, name: &str) -> Value {
        self.wait_json(name, |v| v["event"] == name)
    }

    /// The port a server announced (cipherlab's `listening {addr}` or a peer's `{port}`).
    pub fn port(&mut self) -> u16 {
        let listening = self.event("listening");
        match listening.get("port") {
            Some(port) => port.as_u64().unwrap() as u16,
            None => listening["addr"]
                .as_str()
                .unwrap()
                .rsplit(':')
                .next()
                .unwrap()
                .parse()
                .unwrap(),
        }
    }

    /// Waits for the process to exit; returns its code and every stdout line.
    pub fn finish(mut self) -> (Option<i32>, Vec<String>) {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            while let Ok(line) = self.lines.try_recv() {
                self.seen.push(line);
            }
            if let Some(status) = self.child.try_wait().unwrap() {
                std::thread::sleep(Duration::from_millis(50));
                while let Ok(line) = self.lines.try_recv() {
                    self.seen.push(line);
                }
                return (status.code(), std::mem::take(&mut self.seen));
            }
            assert!(
                Instant::now() < deadline,
                "the process did not exit; saw:\n{}",
                self.seen.join("\n")
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Stops a server with SIGTERM and returns its exit code.
    pub fn stop(self) -> Option<i32> {
        Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        self.finish().0
    }

    /// Kills the process with SIGKILL, as a crash would: no BYE, the kernel closes its sockets.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Waits for the process to exit and returns everything it wrote to stderr.
    pub fn stderr_after_exit(&mut self) -> String {
        self.stderr()
    }

    /// Everything it wrote to stderr so far (after it exited).
    pub fn stderr(&mut self) -> String {
        let mut text = String::new();
        if let Some(mut err) = self.child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut err, &mut text);
        }
        text
    }
}

impl Drop for Proc {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
