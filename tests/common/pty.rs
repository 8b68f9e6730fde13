//! The real binary in a pseudo-terminal, read through a vt100 parser: what a person sees, with
//! deadlines on every wait and a kill on drop.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::io::{Read, Write};
use std::num::NonZeroU16;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use portable_pty::{CommandBuilder, PtySize, native_pty_system};

pub struct Pty {
    pub parser: vt100::Parser,
    output: mpsc::Receiver<Vec<u8>>,
    writer: Box<dyn Write + Send>,
    child: Box<dyn portable_pty::Child + Send + Sync>,
    _master: Box<dyn portable_pty::MasterPty + Send>,
}

impl Pty {
    /// cipherlab with `args` in a `cols`×`rows` terminal, `env` added to its environment.
    pub fn spawn(args: &[&str], cols: u16, rows: u16, env: &[(&str, &str)]) -> Pty {
        let mut cmd = CommandBuilder::new(env!("CARGO_BIN_EXE_cipherlab"));
        cmd.args(args);
        Pty::spawn_command(cmd, cols, rows, env)
    }

    /// Any command (a shell running a documented command line, say) in a `cols`×`rows` terminal.
    pub fn spawn_command(
        mut cmd: CommandBuilder,
        cols: u16,
        rows: u16,
        env: &[(&str, &str)],
    ) -> Pty {
        let pair = native_pty_system()
            .openpty(PtySize {
                rows,
                cols,
                pixel_width: 0,
                pixel_height: 0,
            })
            .unwrap();
        cmd.cwd(env!("CARGO_MANIFEST_DIR"));
        cmd.env("TERM", "xterm-256color");
        cmd.env_remove("NO_COLOR");
        let log = std::env::temp_dir().join(format!("cipherlab-e2e-{}.log", std::process::id()));
        cmd.env("CIPHERLAB_LOG_FILE", log);
        for (k, v) in env {
            cmd.env(k, v);
        }
        let child = pair.slave.spawn_command(cmd).unwrap();
        // Without this the reader never sees the end of output when the child exits.
        drop(pair.slave);
        let mut reader = pair.master.try_clone_reader().unwrap();
        let writer = pair.master.take_writer().unwrap();
        let (tx, output) = mpsc::channel();
        std::thread::spawn(move || {
            let mut buf = [0u8; 8192];
            while let Ok(n) = reader.read(&mut buf) {
                if n == 0 || tx.send(buf[..n].to_vec()).is_err() {
                    break;
                }
            }
        });
        let parser = vt100::Parser::new(
            NonZeroU16::new(rows).unwrap(),
            NonZeroU16::new(cols).unwrap(),
            0,
        );
        Pty {
            parser,
            output,
            writer,
            child,
            _master: pair.master,
        }
    }

    pub fn pump(&mut self, wait: Duration) {
        if let Ok(bytes) = self.output.recv_timeout(wait) {
            self.parser.process(&bytes);
            while let Ok(more) = self.output.try_recv() {
                self.parser.process(&more);
            }
        }
    }

    /// Waits until `needle` is on screen and the frame carrying it has been drawn completely
    /// (no more output for a moment), then returns the screen.
    pub fn wait_for(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if self.parser.screen().contents().contains(needle) {
                while let Ok(bytes) = self.output.recv_timeout(Duration::from_millis(150)) {
                    self.parser.process(&bytes);
                }
                return self.parser.screen().contents();
            }
            let screen = self.parser.screen().contents();
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?}; screen:\n{screen}"
            );
            self.pump(Duration::from_millis(50));
        }
    }

    /// Waits until `needle` is no longer on screen, then returns the screen.
    pub fn wait_gone(&mut self, needle: &str) -> String {
        let deadline = Instant::now() + Duration::from_secs(20);
        while self.parser.screen().contents().contains(needle) {
            let screen = self.parser.screen().contents();
            assert!(
                Instant::now() < deadline,
                "timed out waiting for {needle:?} to go; screen:\n{screen}"
            );
            self.pump(Duration::from_millis(50));
        }
        self.parser.screen().contents()
    }

    /// The port a server on the screen listens on, read off its status line.
    pub fn listening_port(&mut self) -> u16 {
        let screen = self.wait_for("listening on 127.0.0.1:");
        let port: String = screen
            .split("listening on 127.0.0.1:")
            .nth(1)
            .unwrap()
            .chars()
            .take_while(char::is_ascii_digit)
            .collect();
        port.parse().unwrap()
    }

    pub fn send(&mut self, bytes: &[u8]) {
        self.writer.write_all(bytes).unwrap();
        self.writer.flush().unwrap();
    }

    pub fn wait_exit(&mut self) -> portable_pty::ExitStatus {
        let deadline = Instant::now() + Duration::from_secs(15);
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                self.pump(Duration::from_millis(100));
                return status;
            }
            assert!(Instant::now() < deadline, "cipherlab did not exit");
            self.pump(Duration::from_millis(20));
        }
    }
}

impl Drop for Pty {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
