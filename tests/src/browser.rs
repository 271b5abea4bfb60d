//! A real browser for the back-office tests: Debian `chromium` through
//! `chromedriver`, or `firefox-esr` through `geckodriver`, over WebDriver
//! (fantoccini), headless at 1366×900 with Chinese first; and the few
//! moves every office test makes (log in and out, click by id, wait for a
//! URL, save a checked screenshot).

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

use crate::{wait_for, Guard};

/// The browsers the back office must work in.
#[derive(Debug, Clone, Copy)]
pub enum Engine {
    /// Debian `chromium` through `chromedriver`.
    Chromium,
    /// Debian `firefox-esr` through `geckodriver` (`cargo install
    /// geckodriver`, which `scripts/test` does: Debian does not package it).
    Firefox,
}

impl Engine {
    /// Its name (screenshot folders, messages).
    pub fn name(self) -> &'static str {
        match self {
            Engine::Chromium => "chromium",
            Engine::Firefox => "firefox",
        }
    }
}

/// Starts the engine's WebDriver server on `port`.
pub fn driver(engine: Engine, port: u16) -> Guard {
    let (program, args, hint) = match engine {
        Engine::Chromium => (
            "chromedriver",
            vec![format!("--port={port}")],
            "package chromium-driver",
        ),
        Engine::Firefox => (
            "geckodriver",
            vec![
                "--host".into(),
                "127.0.0.1".into(),
                "--port".into(),
                port.to_string(),
            ],
            "cargo install geckodriver",
        ),
    };
    let child = Command::new(program)
        .args(&args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap_or_else(|e| {
            panic!("{program} is needed ({hint}); run ./scripts/test, which installs it: {e}")
        });
    let guard = Guard(child);
    wait_for(program, Duration::from_secs(30), || {
        std::net::TcpStream::connect(("127.0.0.1", port)).is_ok()
    });
    guard
}

/// A headless session of `engine`, 1366×900, Chinese first.
pub async fn browser(engine: Engine, port: u16, profile: &Path) -> Client {
    let mut caps = serde_json::Map::new();
    match engine {
        Engine::Chromium => caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/chromium",
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-quic", "--no-first-run", "--disable-background-networking",
                    "--disable-component-update", "--disable-sync", "--window-size=1366,900",
                    "--lang=zh-CN", format!("--user-data-dir={}", profile.display()),
                ]
            }),
        ),
        Engine::Firefox => caps.insert(
            "moz:firefoxOptions".into(),
            serde_json::json!({
                "binary": "/usr/bin/firefox-esr",
                "args": ["-headless", "--width=1366", "--height=900"],
                "prefs": {
                    "intl.accept_languages": "zh-CN",
                    "browser.shell.checkDefaultBrowser": false,
                    "app.update.enabled": false,
                    "datareporting.policy.dataSubmissionEnabled": false
                }
            }),
        ),
    };
    let c = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
        .capabilities(caps)
        .connect(&format!("http://127.0.0.1:{port}"))
        .await
        .unwrap_or_else(|e| panic!("a {} session through its driver: {e}", engine.name()));
    c.set_window_size(1366, 900).await.expect("window size");
    c
}

/// Saves the page as `dir/name.png`, after checking it is a real
/// rendering (a large image of many colours).
pub async fn shot(c: &Client, dir: &Path, name: &str) {
    let png = c.screenshot().await.expect("a screenshot");
    let img = image::load_from_memory(&png).expect("a PNG");
    assert!(
        img.width() >= 1000 && img.height() >= 600,
        "{name}: {}x{}",
        img.width(),
        img.height()
    );
    let rgb = img.to_rgb8();
    let colours: std::collections::HashSet<_> = rgb.pixels().step_by(7).map(|p| p.0).collect();
    assert!(
        colours.len() > 20,
        "{name}: only {} colours — nothing rendered?",
        colours.len()
    );
    std::fs::write(dir.join(format!("{name}.png")), png).expect("write the screenshot");
}

/// Waits until the browser's URL contains `part`.
pub async fn wait_for_url(c: &Client, part: &str) {
    for _ in 0..100 {
        if c.current_url()
            .await
            .is_ok_and(|u| u.as_str().contains(part))
        {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("the browser never reached a URL with {part:?}");
}

/// Clicks the element `#id`.
pub async fn click(c: &Client, id: &str) {
    c.find(Locator::Id(id))
        .await
        .unwrap_or_else(|_| panic!("no #{id} on the page"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("#{id}: {e}"));
}

/// Marks the page the browser shows, so that [`wait_for_new_page`] can
/// tell it from the one a click or a key then loads.
pub async fn mark_page(c: &Client) {
    c.execute("window.fieldcaseOldPage = true;", vec![])
        .await
        .expect("mark the page");
}

/// Waits until the page marked by [`mark_page`] is replaced and the new one
/// has finished loading: an element looked up right after a click may
/// otherwise be found on the old page.
pub async fn wait_for_new_page(c: &Client) {
    for _ in 0..300 {
        let loaded = c
            .execute(
                "return window.fieldcaseOldPage === undefined
                        && document.readyState === 'complete';",
                vec![],
            )
            .await;
        if loaded.is_ok_and(|v| v.as_bool() == Some(true)) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("no new page within 30 s");
}

/// Clicks `#id`, which sends a form or follows a link, and waits for the
/// page it loads.
pub async fn click_and_load(c: &Client, id: &str) {
    mark_page(c).await;
    click(c, id).await;
    wait_for_new_page(c).await;
}

/// Asserts that the page needs no sideways scrolling at the browser's
/// width: nothing runs off the right edge.
pub async fn assert_fits(c: &Client, what: &str) {
    let v = c
        .execute(
            "return [document.documentElement.scrollWidth, window.innerWidth];",
            vec![],
        )
        .await
        .expect("the page's widths");
    let w: Vec<u64> = v
        .as_array()
        .expect("two widths")
        .iter()
        .map(|x| x.as_u64().unwrap_or(0))
        .collect();
    assert!(
        w[0] <= w[1],
        "{what}: {} px wide in a {} px window",
        w[0],
        w[1]
    );
}

/// Logs `name` in through the login form.
pub async fn login(c: &Client, base: &str, name: &str, password: &str) {
    c.goto(&format!("{base}/office/"))
        .await
        .expect("the office");
    for (id, text) in [("username", name), ("password", password)] {
        c.find(Locator::Id(id))
            .await
            .expect("the login form")
            .send_keys(text)
            .await
            .expect("typing");
    }
    click(c, "login").await;
}

/// Logs out with the header's form on `page`; waits for the login form.
pub async fn log_out_from(c: &Client, page: &str) {
    c.goto(page).await.expect("a page");
    c.find(Locator::Css("form[action='/office/logout'] button"))
        .await
        .expect("the logout button")
        .click()
        .await
        .expect("logging out");
    c.wait()
        .for_element(Locator::Id("username"))
        .await
        .expect("the login form");
}
