//! The back office driven over HTTP with `curl`, as a browser's forms
//! would: pages, form posts with the session's token, the archive disc.

use std::path::Path;
use std::process::Command;

/// A GET or POST with `curl`; panics with the body when it fails.
pub fn curl(args: &[&str]) -> String {
    let out = Command::new("curl")
        .args(["-sS", "--fail-with-body"])
        .args(args)
        .output()
        .expect("curl");
    let body = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(out.status.success(), "curl {args:?}: {body}");
    body
}

/// The CSRF token of the first form of a page.
pub fn csrf(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    page[at..].split('"').next().expect("a token").to_owned()
}

/// Posts a form of the case page as the staff member of `cookie`.
pub fn post(base: &str, cookie: &str, case: &str, action: &str, form: &[(&str, &str)]) {
    let page = curl(&["-H", cookie, &format!("{base}/office/cases/{case}")]);
    let mut args = vec![
        "-H".to_owned(),
        cookie.to_owned(),
        "-o".into(),
        "/dev/null".into(),
        "--data-urlencode".into(),
        format!("csrf={}", csrf(&page)),
    ];
    for (k, v) in form {
        args.push("--data-urlencode".into());
        args.push(format!("{k}={v}"));
    }
    args.push(format!("{base}/office/cases/{case}/{action}"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    curl(&args);
}

/// The link (`href`/`src` value) around the first `marker` in a page.
pub fn link_after<'a>(page: &'a str, marker: &str) -> &'a str {
    let at = page
        .find(marker)
        .unwrap_or_else(|| panic!("{marker} in {page}"));
    let start = page[..at].rfind('"').expect("a quoted link") + 1;
    let end = at + page[at..].find('"').expect("a quoted link");
    &page[start..end]
}

/// The server's `/v1/info`.
pub fn get_info(base: &str) -> serde_json::Value {
    serde_json::from_str(&curl(&[&format!("{base}/v1/info")])).expect("info JSON")
}

/// Passes the review of `case` as the reviewer, builds its CD as the
/// archivist and downloads the image to `out`.
pub fn archive_disc(base: &str, reviewer: &str, archivist: &str, case: &str, out: &Path) {
    archive_disc_on(base, reviewer, archivist, case, "cd", out);
}

/// [`archive_disc`] on `medium` (`cd`, `dvd`, …).
pub fn archive_disc_on(
    base: &str,
    reviewer: &str,
    archivist: &str,
    case: &str,
    medium: &str,
    out: &Path,
) {
    post(base, reviewer, case, "review", &[("step", "start")]);
    post(base, reviewer, case, "review", &[("step", "approve")]);
    post(base, archivist, case, "discs", &[("medium", medium)]);
    let page = curl(&["-H", archivist, &format!("{base}/office/cases/{case}")]);
    let url = link_after(&page, "/discs/").to_owned();
    curl(&[
        "-H",
        archivist,
        "-o",
        &out.to_string_lossy(),
        &format!("{base}{url}"),
    ]);
}
