//! Helpers for end-to-end tests: find the built binaries, run them, and
//! start a real sync server on a free loopback port (stopped on drop).
//!
//! The binaries must be built first: `cargo build --workspace --bins`
//! (the project's test script does this).

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// Path of a workspace binary next to the running test executable.
pub fn bin(name: &str) -> PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> → target/<profile>/<name>
    let dir = exe
        .parent()
        .and_then(Path::parent)
        .expect("target directory");
    let p = dir.join(name);
    assert!(
        p.is_file(),
        "{} is not built; run `cargo build --workspace --bins` before the end-to-end tests",
        p.display()
    );
    p
}

/// Runs a binary with arguments; returns its output (never panics on a
/// non-zero exit: callers assert on it).
pub fn run(name: &str, args: &[&str]) -> Output {
    Command::new(bin(name))
        .args(args)
        .env_remove("FIELDCASE_DATA_DIR")
        .env_remove("FIELDCASE_SERVER")
        .output()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"))
}

/// Runs and requires exit 0; returns stdout.
pub fn run_ok(name: &str, args: &[&str]) -> String {
    let out = run(name, args);
    assert!(
        out.status.success(),
        "{name} {args:?} failed ({}):\nstdout: {}\nstderr: {}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs an external tool; panics with a hint to install it when missing.
pub fn tool(program: &str, args: &[&str], cwd: &Path) -> Output {
    Command::new(program)
        .args(args)
        .current_dir(cwd)
        .output()
        .unwrap_or_else(|e| {
            panic!("{program} is needed by this test ({e}); run ./scripts/test, which installs it")
        })
}

/// A running `fieldcase-server` on 127.0.0.1 with a port the OS picked.
pub struct Server {
    child: Child,
    /// Base URL, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    /// Its data directory.
    pub dir: PathBuf,
}

impl Server {
    /// Starts the server on `dir` and waits until it says where it listens.
    pub fn start(dir: &Path) -> Server {
        let mut child = Command::new(bin("fieldcase-server"))
            .args([
                "--data-dir",
                &dir.to_string_lossy(),
                "--listen",
                "127.0.0.1:0",
            ])
            .env("RUST_LOG", "warn")
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start fieldcase-server");
        let stdout = child.stdout.take().expect("server stdout");
        let (tx, rx) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if let Some(url) = line.strip_prefix("fieldcase-server listening on ") {
                    let _ = tx.send(url.to_owned());
                }
            }
        });
        let url = match rx.recv_timeout(Duration::from_secs(30)) {
            Ok(u) => u,
            Err(_) => {
                let _ = child.kill();
                panic!("fieldcase-server did not report its address within 30 s");
            }
        };
        Server {
            child,
            url,
            dir: dir.to_owned(),
        }
    }

    /// Registers a device key with `fieldcase-server device add`.
    pub fn register(&self, pubkey: &str, name: &str) {
        run_ok(
            "fieldcase-server",
            &[
                "--data-dir",
                &self.dir.to_string_lossy(),
                "device",
                "add",
                pubkey,
                "--name",
                name,
            ],
        );
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
