//! The real terminal window, on a real X server (Xvfb): it opens at the
//! handheld's portrait size, stays up, and draws something.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fieldcase_e2e::bin;

/// Kills the child process when dropped.
struct Guard(Child);

impl Drop for Guard {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_display() -> u32 {
    (90..400)
        .find(|n| {
            !Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
                && !Path::new(&format!("/tmp/.X{n}-lock")).exists()
        })
        .expect("a free X display number")
}

fn wait_for(what: &str, timeout: Duration, mut ready: impl FnMut() -> bool) {
    let start = Instant::now();
    while !ready() {
        assert!(start.elapsed() < timeout, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(200));
    }
}

#[test]
fn window_opens_under_xvfb_at_portrait_size_and_draws() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let n = free_display();
    let display = format!(":{n}");
    let xvfb = Command::new("Xvfb")
        .args([
            display.as_str(),
            "-screen",
            "0",
            "720x1280x24",
            "-nolisten",
            "tcp",
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("Xvfb is needed (package xvfb); run ./scripts/test, which installs it");
    let _xvfb = Guard(xvfb);
    wait_for("Xvfb", Duration::from_secs(20), || {
        Path::new(&format!("/tmp/.X11-unix/X{n}")).exists()
    });

    let app = Command::new(bin("fieldcase"))
        .args(["--data-dir", &tmp.path().join("terminal").to_string_lossy()])
        .env("DISPLAY", &display)
        .env("SLINT_BACKEND", "winit-software")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("start fieldcase");
    let mut app = Guard(app);

    let mut tree = String::new();
    wait_for("the fieldcase window", Duration::from_secs(60), || {
        if let Ok(Some(status)) = app.0.try_wait() {
            panic!("fieldcase exited early with {status}");
        }
        let out = Command::new("xwininfo")
            .args(["-display", &display, "-root", "-tree"])
            .output()
            .expect("xwininfo is needed (package x11-utils)");
        tree = String::from_utf8_lossy(&out.stdout).into_owned();
        tree.contains("fieldcase")
    });
    let line = tree
        .lines()
        .find(|l| l.contains("fieldcase"))
        .unwrap_or_default()
        .to_owned();
    assert!(line.contains("360x720"), "window geometry: {line}");

    // Let it draw, then look at the screen.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        app.0.try_wait().ok().flatten().is_none(),
        "the window must stay up"
    );
    let shot = tmp.path().join("screen.png");
    let out = Command::new("import")
        .args([
            "-display",
            &display,
            "-window",
            "root",
            &shot.to_string_lossy(),
        ])
        .output()
        .expect("import is needed (package imagemagick)");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = Command::new("convert")
        .args([&shot.to_string_lossy(), "-format", "%k", "info:"])
        .output()
        .expect("convert (imagemagick)");
    let colours: u32 = String::from_utf8_lossy(&out.stdout)
        .trim()
        .parse()
        .expect("colour count");
    // A blank or failed window has one or two colours; text, inputs and the
    // blue button give many (anti-aliasing).
    assert!(colours > 20, "screen has only {colours} colours");
    if let Ok(dir) = std::env::var("FIELDCASE_SCREENSHOT_DIR") {
        let _ = std::fs::copy(&shot, Path::new(&dir).join("window-sign-in.png"));
    }
}
