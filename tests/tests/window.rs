//! The real terminal window, on a real X server (Xvfb): it opens at the
//! handheld's portrait size, stays up, and draws something.
#![allow(clippy::unwrap_used, clippy::expect_used)] // test code: a panic is a failure

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use fieldcase_e2e::{wait_for, Xvfb};

#[test]
fn window_opens_under_xvfb_at_portrait_size_and_draws() {
    let tmp = tempfile::tempdir().expect("tempdir");
    let x = Xvfb::start();
    let display = x.display.clone();
    let mut app = x.app(&["--data-dir", &tmp.path().join("terminal").to_string_lossy()]);

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
