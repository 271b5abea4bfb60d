//! Helpers for end-to-end tests: find the built binaries, run them, and
//! start a real sync server on a free loopback port (stopped on drop).
//!
//! The binaries must be built first: `cargo build --workspace --bins`
//! (the project's test script does this).

mod backend;
pub mod bench;
pub mod browser;
pub mod bureau;
pub mod disc_page;
pub mod ipp;
pub mod office;
pub mod roadside;
pub use backend::Backend;

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

/// Runs a binary with `input` on its standard input (PINs, passwords).
pub fn run_input(name: &str, args: &[&str], input: &str) -> Output {
    use std::io::Write as _;
    let mut child = Command::new(bin(name))
        .args(args)
        .env_remove("FIELDCASE_DATA_DIR")
        .env_remove("FIELDCASE_SERVER")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot run {name}: {e}"));
    let mut stdin = child.stdin.take().expect("stdin");
    // A program that refuses early may not read it all.
    let _ = stdin.write_all(input.as_bytes());
    drop(stdin);
    child
        .wait_with_output()
        .unwrap_or_else(|e| panic!("{name}: {e}"))
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
        Self::start_with(dir, &[])
    }

    /// Like [`Server::start`] with more arguments (e.g. `--database URL`).
    pub fn start_with(dir: &Path, extra: &[&str]) -> Server {
        let mut child = Command::new(bin("fieldcase-server"))
            .args([
                "--data-dir",
                &dir.to_string_lossy(),
                "--listen",
                "127.0.0.1:0",
            ])
            .args(extra)
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

impl Server {
    /// The server's process id (its memory and open files are in /proc).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A TCP proxy on 127.0.0.1 in front of `upstream` that can cut
/// connections: each new connection asks `cut_after` how many bytes of the
/// client's request stream to forward before closing both directions
/// (`None`: never cut). Counts the bytes it forwarded upstream.
pub struct CutProxy {
    /// Address to give clients, e.g. `http://127.0.0.1:41234`.
    pub url: String,
    forwarded: std::sync::Arc<std::sync::atomic::AtomicU64>,
    cuts: std::sync::Arc<std::sync::atomic::AtomicU64>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl CutProxy {
    /// Starts the proxy. `upstream` is `host:port`.
    pub fn start(
        upstream: &str,
        cut_after: impl FnMut() -> Option<u64> + Send + 'static,
    ) -> CutProxy {
        use std::io::{Read, Write};
        use std::net::{Shutdown, TcpListener, TcpStream};
        use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
        use std::sync::{Arc, Mutex};

        let listener = TcpListener::bind("127.0.0.1:0").expect("bind proxy");
        let url = format!("http://{}", listener.local_addr().expect("proxy address"));
        let forwarded = Arc::new(AtomicU64::new(0));
        let cuts = Arc::new(AtomicU64::new(0));
        let stop = Arc::new(AtomicBool::new(false));
        let cut_after = Arc::new(Mutex::new(cut_after));
        let upstream = upstream.to_owned();
        let (fw, st, ct) = (forwarded.clone(), stop.clone(), cuts.clone());
        std::thread::spawn(move || {
            for client in listener.incoming() {
                if st.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(&upstream) else {
                    continue;
                };
                let limit = cut_after.lock().map(|mut f| f()).unwrap_or(None);
                let fw = fw.clone();
                let ct = ct.clone();
                let (c2, s2) = match (client.try_clone(), server.try_clone()) {
                    (Ok(c), Ok(s)) => (c, s),
                    _ => continue,
                };
                // client → server, cut after `limit` bytes.
                std::thread::spawn(move || {
                    let (mut from, mut to) = (client, server);
                    let mut buf = vec![0u8; 64 * 1024];
                    let mut sent = 0u64;
                    loop {
                        let n = match from.read(&mut buf) {
                            Ok(0) | Err(_) => break,
                            Ok(n) => n,
                        };
                        let n = match limit {
                            Some(l) if sent + n as u64 >= l => (l - sent) as usize,
                            _ => n,
                        };
                        if to.write_all(&buf[..n]).is_err() {
                            break;
                        }
                        sent += n as u64;
                        fw.fetch_add(n as u64, Ordering::SeqCst);
                        if limit.is_some_and(|l| sent >= l) {
                            ct.fetch_add(1, Ordering::SeqCst);
                            break;
                        }
                    }
                    let _ = to.shutdown(Shutdown::Both);
                    let _ = from.shutdown(Shutdown::Both);
                });
                // server → client.
                std::thread::spawn(move || {
                    let (mut from, mut to) = (s2, c2);
                    let _ = std::io::copy(&mut from, &mut to);
                    let _ = to.shutdown(Shutdown::Both);
                    let _ = from.shutdown(Shutdown::Both);
                });
            }
        });
        CutProxy {
            url,
            forwarded,
            cuts,
            stop,
        }
    }

    /// Connections cut so far.
    pub fn cuts(&self) -> u64 {
        self.cuts.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// Bytes forwarded to the upstream so far.
    pub fn forwarded(&self) -> u64 {
        self.forwarded.load(std::sync::atomic::Ordering::SeqCst)
    }
}

impl Drop for CutProxy {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        // Wake the accept loop so it sees the flag.
        let _ = std::net::TcpStream::connect(self.url.trim_start_matches("http://"));
    }
}

/// The server's `host:port` from its URL.
pub fn host_port(url: &str) -> String {
    url.trim_start_matches("http://").to_owned()
}

/// Kills the server's process now (SIGKILL), as a crash would.
impl Server {
    /// Kills the process without a shutdown.
    pub fn kill(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A throw-away PostgreSQL server: `initdb` into a folder, `pg_ctl start`
/// on a free loopback port, stopped (immediately) on drop. Run as the
/// `postgres` user when the tests run as root (PostgreSQL refuses root).
pub struct Postgres {
    /// Connection string for `fieldcase-server --database`.
    pub url: String,
    bin: PathBuf,
    data: PathBuf,
    as_postgres: bool,
}

fn pg_bin_dir() -> PathBuf {
    if let Ok(out) = Command::new("sh")
        .args(["-c", "command -v initdb"])
        .output()
    {
        let p = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        if !p.is_empty() {
            if let Some(dir) = std::fs::canonicalize(&p)
                .ok()
                .and_then(|p| p.parent().map(Path::to_path_buf))
            {
                return dir;
            }
        }
    }
    let mut found: Vec<PathBuf> = std::fs::read_dir("/usr/lib/postgresql")
        .map(|it| {
            it.flatten()
                .map(|e| e.path().join("bin"))
                .filter(|p| p.join("initdb").is_file())
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    found.pop().unwrap_or_else(|| {
        panic!("PostgreSQL is needed for this test (initdb not found); ./scripts/test installs the postgresql package")
    })
}

impl Postgres {
    fn run(&self, tool: &str, args: &[&str]) -> Output {
        let exe = self.bin.join(tool);
        let out = if self.as_postgres {
            Command::new("runuser")
                .args(["-u", "postgres", "--"])
                .arg(&exe)
                .args(args)
                .output()
        } else {
            Command::new(&exe).args(args).output()
        };
        out.unwrap_or_else(|e| panic!("cannot run {}: {e}", exe.display()))
    }

    /// Starts a server with its data under `dir`.
    pub fn start(dir: &Path) -> Postgres {
        let root = Command::new("id")
            .arg("-u")
            .output()
            .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
            .unwrap_or(false);
        std::fs::create_dir_all(dir).expect("postgres folder");
        if root {
            let ok = Command::new("chown")
                .args(["-R", "postgres:", &dir.to_string_lossy()])
                .status()
                .map(|s| s.success())
                .unwrap_or(false);
            assert!(ok, "cannot give {} to the postgres user", dir.display());
            // Let the postgres user reach the folder.
            let mut p = dir.parent();
            while let Some(d) = p {
                let _ = Command::new("chmod")
                    .args(["o+x", &d.to_string_lossy()])
                    .status();
                p = d.parent();
            }
        }
        let mut pg = Postgres {
            url: String::new(),
            bin: pg_bin_dir(),
            data: dir.join("data"),
            as_postgres: root,
        };
        let data = pg.data.to_string_lossy().into_owned();
        let out = pg.run(
            "initdb",
            &[
                "-D",
                &data,
                "-U",
                "fieldcase",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--locale=C",
                "--no-sync",
            ],
        );
        assert!(
            out.status.success(),
            "initdb failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        let opts = format!(
            "-p {port} -c listen_addresses=127.0.0.1 -k {} -c fsync=off",
            dir.display()
        );
        let log = dir.join("postgres.log").to_string_lossy().into_owned();
        let out = pg.run(
            "pg_ctl",
            &[
                "-D", &data, "-o", &opts, "-l", &log, "-w", "-t", "60", "start",
            ],
        );
        assert!(
            out.status.success(),
            "pg_ctl start failed: {}{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(dir.join("postgres.log")).unwrap_or_default()
        );
        pg.url = format!("host=127.0.0.1 port={port} user=fieldcase dbname=postgres");
        pg
    }
}

impl Drop for Postgres {
    fn drop(&mut self) {
        let data = self.data.to_string_lossy().into_owned();
        let _ = self.run("pg_ctl", &["-D", &data, "-m", "immediate", "stop"]);
    }
}

impl Server {
    /// Makes a back-office account with `fieldcase-server user add` (the
    /// password on standard input; an empty display name is the login name).
    pub fn add_staff(&self, name: &str, role: &str, display_name: &str, password: &str) {
        use std::io::Write;
        let mut child = Command::new(bin("fieldcase-server"))
            .args([
                "--data-dir",
                &self.dir.to_string_lossy(),
                "user",
                "add",
                name,
            ])
            .args(["--role", role, "--display-name", display_name])
            .stdin(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("fieldcase-server");
        writeln!(child.stdin.take().expect("stdin"), "{password}").expect("password");
        let out = child.wait_with_output().expect("user add");
        assert!(
            out.status.success(),
            "user add: {}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

/// Logs `name` in to the back office at `base` over HTTP with `curl` (the
/// login form's double-submit token); returns the session's `Cookie:` header.
pub fn office_login(base: &str, name: &str, password: &str) -> String {
    let cookie = |out: &Output, name: &str| {
        let h = String::from_utf8_lossy(&out.stdout).into_owned();
        h.lines()
            .find_map(|l| {
                let l = l
                    .strip_prefix("set-cookie: ")
                    .or(l.strip_prefix("Set-Cookie: "))?;
                let v = l.strip_prefix(&format!("{name}="))?;
                Some(v.split(';').next()?.to_owned())
            })
            .unwrap_or_else(|| panic!("no {name} cookie in {h}"))
    };
    let curl = |args: &[&str]| {
        Command::new("curl")
            .args(["-sS", "-D", "-", "-o", "/dev/null"])
            .args(args)
            .output()
            .expect("curl")
    };
    let form = curl(&[&format!("{base}/office/login")]);
    let token = cookie(&form, "fieldcase_login");
    let answer = curl(&[
        "-H",
        &format!("Cookie: fieldcase_login={token}"),
        "--data-urlencode",
        &format!("csrf={token}"),
        "--data-urlencode",
        &format!("username={name}"),
        "--data-urlencode",
        &format!("password={password}"),
        &format!("{base}/office/login"),
    ]);
    format!(
        "Cookie: fieldcase_session={}",
        cookie(&answer, "fieldcase_session")
    )
}

/// CPU seconds (user + system) process `pid` has used so far, from
/// `/proc/PID/stat` (benchmarks: work per byte, which a shared machine's
/// scheduling does not change as much as wall time).
pub fn cpu_seconds(pid: u32) -> f64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap_or_default();
    // Fields after the command name (which may hold spaces) in parentheses.
    let rest = stat.rsplit_once(')').map_or("", |(_, r)| r);
    let f: Vec<f64> = rest
        .split_whitespace()
        .filter_map(|x| x.parse().ok())
        .collect();
    // utime and stime are fields 14 and 15 of the line: 12th and 13th
    // after the name, the state letter not counted.
    let ticks = f.get(10).copied().unwrap_or(0.0) + f.get(11).copied().unwrap_or(0.0);
    ticks / 100.0
}

/// A throw-away S3-protocol server (`moto_server` from PyPI `moto[server]`)
/// on a free loopback port, killed on drop.
pub struct Moto {
    /// Endpoint URL, e.g. `http://127.0.0.1:41234`.
    pub endpoint: String,
    child: Child,
}

impl Moto {
    /// Starts the server and waits until it answers.
    pub fn start() -> Moto {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .expect("free port");
        // `python3 -m moto.server` works wherever pip put the package, on
        // PATH or not.
        let child = Command::new("python3")
            .args(["-m", "moto.server", "-H", "127.0.0.1", "-p", &port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| {
                panic!("python3 with moto is needed for this test ({e}); ./scripts/test installs it (pip install 'moto[server]')")
            });
        let endpoint = format!("http://127.0.0.1:{port}");
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                started.elapsed() < Duration::from_secs(60),
                "moto_server did not start"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        Moto { endpoint, child }
    }

    /// Its process id (benchmarks read its CPU time).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// Creates a bucket. The server may accept connections a moment
    /// before it answers them (seen on a loaded machine), so this retries
    /// for up to 30 s.
    pub fn create_bucket(&self, name: &str) {
        let started = std::time::Instant::now();
        loop {
            let out = Command::new("curl")
                .args([
                    "-sS",
                    "-f",
                    "-X",
                    "PUT",
                    &format!("{}/{name}", self.endpoint),
                ])
                .output()
                .expect("curl");
            if out.status.success() {
                return;
            }
            assert!(
                started.elapsed() < Duration::from_secs(30),
                "cannot create bucket {name}: {}",
                String::from_utf8_lossy(&out.stderr)
            );
            std::thread::sleep(Duration::from_millis(200));
        }
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Seeds a terminal in `dir` with `cases` demo cases (each with a
/// `video_kib` video) and returns its public key.
pub fn seeded_terminal(dir: &Path, cases: u32, video_kib: u32) -> String {
    let d = dir.to_string_lossy();
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            &d,
            "demo",
            "--cases",
            &cases.to_string(),
            "--video-kib",
            &video_kib.to_string(),
        ],
    );
    run_ok("fieldcase", &["--data-dir", &d, "key", "show"])
        .trim()
        .to_owned()
}

/// Kills a child process when dropped.
pub struct Guard(pub Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Waits until `ready`, polling every 200 ms; panics after `timeout`.
pub fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = std::time::Instant::now();
    while !ready() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

/// A virtual X display (Xvfb, portrait 720×1280), stopped on drop.
pub struct Xvfb {
    _server: Guard,
    /// The display name, e.g. `:93`.
    pub display: String,
}

impl Xvfb {
    /// Starts Xvfb on a free display number and waits for its socket.
    pub fn start() -> Xvfb {
        let n = (90..400)
            .find(|n| {
                !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                    && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
            })
            .expect("a free X display number");
        let display = format!(":{n}");
        let child = Command::new("Xvfb")
            .args([&display, "-screen", "0", "720x1280x24", "-nolisten", "tcp"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("Xvfb is needed (package xvfb); run ./scripts/test, which installs it");
        let server = Guard(child);
        wait_for("Xvfb", Duration::from_secs(20), || {
            Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
        });
        Xvfb {
            _server: server,
            display,
        }
    }

    /// The terminal app's window on this display (software renderer).
    pub fn app(&self, args: &[&str]) -> Guard {
        let child = Command::new(bin("fieldcase"))
            .args(args)
            .env("DISPLAY", &self.display)
            .env("SLINT_BACKEND", "winit-software")
            .env_remove("WAYLAND_DISPLAY")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start fieldcase");
        Guard(child)
    }
}

/// Every evidence file the records of the terminal at `term` name, with its
/// local path, case by case in record order.
pub fn terminal_evidence(term: &Path) -> Vec<(fieldcase_shared::hash::Digest, PathBuf)> {
    let t = fieldcase_app::core::Terminal::open(term).expect("open the terminal");
    let mut out = Vec::new();
    for c in t.store.cases(10_000).expect("cases") {
        for r in t.store.case_records(&c.case_id).expect("records") {
            let header = fieldcase_shared::record::parse_header(&r.envelope.payload)
                .expect("a record the terminal signed");
            for b in header.blobs {
                let path = t
                    .store
                    .blob_path(&b)
                    .expect("evidence kept on the terminal");
                out.push((b, path));
            }
        }
    }
    out
}

/// The largest evidence file of the terminal at `term`: its SHA-256 and size.
pub fn largest_evidence(term: &Path) -> (fieldcase_shared::hash::Digest, u64) {
    terminal_evidence(term)
        .into_iter()
        .map(|(b, p)| (b, std::fs::metadata(p).expect("evidence file").len()))
        .max_by_key(|(_, size)| *size)
        .expect("the terminal holds evidence")
}

/// The device-signature headers (RFC 9421, docs/sync.md) a terminal adds
/// to a request for `url`, signed with `key`; `body` when it has one.
pub fn device_headers(
    key: &fieldcase_shared::keys::DeviceKey,
    method: &str,
    url: &str,
    body: Option<&[u8]>,
) -> Vec<(&'static str, String)> {
    use fieldcase_shared::httpsig;
    let after_host = url.splitn(4, '/').nth(3).unwrap_or("");
    let path_query = format!("/{after_host}");
    let (path, query) = path_query.split_once('?').unwrap_or((&path_query, ""));
    let digest = body.map(fieldcase_shared::hash::sha256);
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    httpsig::sign(
        key,
        method,
        path,
        query,
        digest.as_ref(),
        now,
        &httpsig::new_nonce(),
    )
}

/// The device key of the terminal whose data folder is `dir`.
pub fn terminal_key(dir: &Path) -> fieldcase_shared::keys::DeviceKey {
    fieldcase_shared::keys::DeviceKey::load(&dir.join(fieldcase_app::core::KEY_FILE))
        .expect("the terminal's device key")
}

/// Makes sure a system D-Bus and avahi-daemon run (`ippeveprinter` will
/// not start without DNS-SD). Starts them if they do not; they stay up.
pub fn ensure_avahi() {
    let running = |name: &str| {
        Command::new("pgrep")
            .args(["-x", name])
            .output()
            .is_ok_and(|o| o.status.success())
    };
    if !running("dbus-daemon") {
        let _ = std::fs::create_dir_all("/run/dbus");
        let _ = std::fs::remove_file("/run/dbus/system_bus_socket");
        let _ = std::fs::remove_file("/run/dbus/pid");
        let st = Command::new("dbus-daemon")
            .args(["--system", "--fork"])
            .status()
            .expect("dbus-daemon (package dbus) must be installed");
        assert!(st.success(), "dbus-daemon --system did not start");
    }
    if !running("avahi-daemon") {
        let _ = std::fs::remove_file("/run/avahi-daemon/pid");
        let st = Command::new("avahi-daemon")
            .args(["--no-chroot", "-D"])
            .status()
            .expect("avahi-daemon (package avahi-daemon) must be installed");
        assert!(st.success(), "avahi-daemon did not start");
    }
    wait_for("avahi-daemon", Duration::from_secs(10), || {
        Command::new("avahi-daemon")
            .arg("--check")
            .status()
            .is_ok_and(|s| s.success())
    });
}

/// The statically linked `fieldcase-verify` archive discs carry
/// (docs/disc.md): `$FIELDCASE_STATIC_VERIFY` (`scripts/test` builds it
/// there), else built now as `scripts/test` builds it.
pub fn static_verifier() -> PathBuf {
    if let Some(p) = std::env::var_os("FIELDCASE_STATIC_VERIFY").map(PathBuf::from) {
        assert!(
            p.is_file(),
            "FIELDCASE_STATIC_VERIFY={} is not a file",
            p.display()
        );
        return p;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace")
        .to_owned();
    let status = Command::new(env!("CARGO"))
        .args([
            "build",
            "--release",
            "--quiet",
            "--target",
            "x86_64-unknown-linux-gnu",
            "-p",
            "fieldcase-verify",
        ])
        .env("RUSTFLAGS", "-C target-feature=+crt-static")
        .env("CARGO_TARGET_DIR", root.join("target/static"))
        .current_dir(&root)
        .status()
        .expect("cargo builds the static verifier");
    assert!(status.success(), "the static verifier did not build");
    root.join("target/static/x86_64-unknown-linux-gnu/release/fieldcase-verify")
}

/// A free TCP port on loopback (bound, then released).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

/// The text of a PDF as poppler's `pdftotext` reads it, whitespace
/// (and so line breaks of wrapped lines) removed.
pub fn pdf_text(pdf: &Path) -> String {
    let out = Command::new("pdftotext")
        .arg(pdf)
        .arg("-")
        .output()
        .expect("pdftotext (poppler-utils) runs");
    assert!(
        out.status.success(),
        "pdftotext {}: {}",
        pdf.display(),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout)
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect()
}

/// The case's records from its exported bag (`fieldcase bag export` into
/// `out`): (payload, record digest), in seq order.
pub fn bag_records(
    term: &str,
    case_no: &str,
    out: &Path,
) -> Vec<(fieldcase_shared::record::RecordPayload, String)> {
    run_ok(
        "fieldcase",
        &[
            "--data-dir",
            term,
            "bag",
            "export",
            case_no,
            &out.to_string_lossy(),
        ],
    );
    let mut files: Vec<_> = std::fs::read_dir(out.join("data/records"))
        .expect("the bag's records")
        .map(|e| e.expect("a record file").path())
        .collect();
    files.sort();
    files
        .iter()
        .map(|f| {
            let env = fieldcase_shared::envelope::Envelope::from_json(
                &std::fs::read(f).expect("readable"),
            )
            .expect("an envelope");
            let payload = serde_json::from_slice(&env.payload).expect("a record payload");
            (payload, env.digest().to_hex())
        })
        .collect()
}

/// The QR text of `pdf` (on whichever page it is), its pages rendered
/// by poppler's `pdftoppm` at `dpi` into a folder under `dir` and decoded
/// by `zbarimg`.
pub fn pdf_qr(pdf: &Path, dpi: &str, dir: &Path) -> String {
    let stem = pdf
        .file_stem()
        .expect("a file name")
        .to_string_lossy()
        .into_owned();
    let pages = dir.join(format!("{stem}.pages"));
    std::fs::create_dir_all(&pages).expect("a render folder");
    let ok = |program: &str, args: &[String]| {
        let out = Command::new(program)
            .args(args)
            .output()
            .unwrap_or_else(|e| panic!("{program}: {e}"));
        assert!(
            out.status.success(),
            "{program} {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let s = |p: &Path| p.to_string_lossy().into_owned();
    ok(
        "pdftoppm",
        &[
            "-r".into(),
            dpi.into(),
            "-png".into(),
            s(pdf),
            s(&pages.join("p")),
        ],
    );
    let mut pngs: Vec<String> = std::fs::read_dir(&pages)
        .expect("the rendered pages")
        .filter_map(|e| e.ok().map(|e| s(&e.path())))
        .collect();
    pngs.sort();
    // QR codes only: zbar's other symbologies (EAN, Code 128, DataBar…)
    // now and then see a barcode in a line of printed text.
    let mut args = ["-q", "--raw", "-Sdisable", "-Sqrcode.enable"]
        .map(str::to_owned)
        .to_vec();
    args.extend(pngs);
    let text = ok("zbarimg", &args);
    let _ = std::fs::remove_dir_all(&pages);
    text.trim().to_owned()
}

/// The bodies of every record the server holds from the terminal whose
/// key is `key` (as `fieldcase key show` prints it), in seq order.
pub fn server_bodies(server: &Server, key: &str) -> Vec<fieldcase_shared::record::RecordBody> {
    use fieldcase_sync_server::store::Store;
    let store = fieldcase_sync_server::store::SqliteStore::open(
        &server.dir.join(fieldcase_sync_server::DB_FILE),
    )
    .expect("the server's store");
    let device = key
        .parse::<fieldcase_shared::keys::PublicKey>()
        .expect("a terminal key")
        .device_id();
    store
        .held_records(&device, 1)
        .expect("the held records")
        .iter()
        .map(|h| {
            let env =
                fieldcase_shared::envelope::Envelope::from_json(&h.envelope).expect("an envelope");
            serde_json::from_slice::<fieldcase_shared::record::RecordPayload>(&env.payload)
                .expect("a record payload")
                .body
        })
        .collect()
}
