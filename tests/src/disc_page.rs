//! Driving a disc's `index.html` in a real browser: pick the disc folder,
//! type the fingerprint from the label, press the button, read the
//! verdict; and the same disc through `fieldcase-verify --json`, so a test
//! can compare the two.

use std::collections::BTreeSet;
use std::path::Path;
use std::time::{Duration, Instant};

use fantoccini::{Client, Locator};

use crate::run;

/// A verdict: valid or not, and each problem as (path, category).
#[derive(Debug, Clone, PartialEq)]
pub struct Verdict {
    /// Nothing is wrong.
    pub valid: bool,
    /// Each problem listed, as (path, category).
    pub problems: BTreeSet<(String, String)>,
    /// Seconds the check took, as the checker measured it.
    pub seconds: f64,
}

impl Verdict {
    fn from_json(v: &serde_json::Value, valid: bool, seconds: f64) -> Self {
        let problems = v["problems"]
            .as_array()
            .map(|ps| {
                ps.iter()
                    .map(|p| {
                        (
                            p["path"].as_str().unwrap_or_default().to_owned(),
                            p["category"].as_str().unwrap_or_default().to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        Verdict {
            valid,
            problems,
            seconds,
        }
    }

    /// The categories found.
    pub fn categories(&self) -> BTreeSet<&str> {
        self.problems.iter().map(|(_, c)| c.as_str()).collect()
    }
}

/// `fieldcase-verify DIR <trust…> --json`, timed from outside.
pub fn verify_cli(dir: &Path, trust: &[&str]) -> Verdict {
    let mut args = vec![dir.to_str().expect("a UTF-8 path"), "--json"];
    args.extend_from_slice(trust);
    let started = Instant::now();
    let out = run("fieldcase-verify", &args);
    let seconds = started.elapsed().as_secs_f64();
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
        panic!(
            "fieldcase-verify --json printed no JSON ({e}): {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        )
    });
    assert!(
        matches!(out.status.code(), Some(0 | 1)),
        "fieldcase-verify could not verify: {v}"
    );
    Verdict::from_json(&v["report"], out.status.code() == Some(0), seconds)
}

/// Opens `dir/index.html` from disk, picks `dir` as the disc folder,
/// types `pin` and waits (up to `timeout`) for the page's verdict. Returns
/// it with the page's whole result object.
pub async fn verify_page(
    c: &Client,
    dir: &Path,
    pin: &str,
    timeout: Duration,
) -> (Verdict, serde_json::Value) {
    let url = format!("file://{}", dir.join("index.html").display());
    c.goto(&url).await.expect("the disc's index.html opens");
    c.find(Locator::Id("fc-disc"))
        .await
        .expect("the folder picker")
        .send_keys(dir.to_str().expect("a UTF-8 path"))
        .await
        .expect("the folder picked");
    c.find(Locator::Id("fc-pin"))
        .await
        .expect("the fingerprint field")
        .send_keys(pin)
        .await
        .expect("the fingerprint typed");
    c.find(Locator::Id("fc-run"))
        .await
        .expect("the button")
        .click()
        .await
        .expect("the button pressed");
    let started = Instant::now();
    loop {
        let r = c
            .execute(
                "return document.getElementById('fc-verify').dataset.result || null;",
                vec![],
            )
            .await
            .expect("the page answers");
        if let Some(s) = r.as_str() {
            let v: serde_json::Value = serde_json::from_str(s).expect("the page's result is JSON");
            let valid = v["valid"].as_bool().unwrap_or(false);
            let seconds = v["seconds"].as_f64().unwrap_or(0.0);
            return (Verdict::from_json(&v, valid, seconds), v);
        }
        assert!(
            started.elapsed() < timeout,
            "the page gave no verdict within {timeout:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// What the page shows as its verdict.
pub async fn verdict_text(c: &Client) -> String {
    c.find(Locator::Id("fc-verdict"))
        .await
        .expect("the verdict")
        .text()
        .await
        .expect("its text")
}
