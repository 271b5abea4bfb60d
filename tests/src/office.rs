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

/// A disc built at the real bureau and extracted (`osirrox`).
pub struct BureauDisc {
    /// The image.
    pub iso: std::path::PathBuf,
    /// The extracted disc.
    pub dir: std::path::PathBuf,
    /// The agency key (`ed25519:<hex>`).
    pub agency: String,
    /// The fingerprint the archivist's case page gives for the label.
    pub label: String,
}

/// A seeded terminal case (a video of `video_kib`) synced to a real
/// server started with `config` (TOML), reviewed, archived on a CD by the
/// archivist, downloaded to `tmp/disc.iso` and extracted to `tmp/clean`.
pub fn bureau_disc(tmp: &Path, config: &str, video_kib: u32) -> BureauDisc {
    bureau_disc_on(tmp, config, video_kib, "cd")
}

/// [`bureau_disc`] on `medium` (`cd`, `dvd`, …).
pub fn bureau_disc_on(tmp: &Path, config: &str, video_kib: u32, medium: &str) -> BureauDisc {
    use crate::{office_login, run_ok, seeded_terminal, tool, Server};
    const PW: &str = "a long password 1";
    let s = |p: &Path| p.to_string_lossy().into_owned();
    let file = tmp.join("server.toml");
    std::fs::write(&file, config).expect("the server configuration");
    let server = Server::start_with(&tmp.join("server"), &["--config", &s(&file)]);
    let term = tmp.join("term");
    let key = seeded_terminal(&term, 1, video_kib);
    server.register(&key, "执法终端 01");
    run_ok(
        "fieldcase",
        &["--data-dir", &s(&term), "sync", "--server", &server.url],
    );
    server.add_staff("shen", "reviewer", "审核员甲", PW);
    server.add_staff("dang", "archivist", "档案员丙", PW);
    let base = server.url.clone();
    let reviewer = office_login(&base, "shen", PW);
    let archivist = office_login(&base, "dang", PW);
    let inbox = curl(&["-H", &reviewer, &format!("{base}/office/cases")]);
    let case = link_after(&inbox, "/office/cases/")
        .trim_start_matches("/office/cases/")
        .to_owned();
    let iso = tmp.join("disc.iso");
    archive_disc_on(&base, &reviewer, &archivist, &case, medium, &iso);
    let agency = get_info(&base)["server_key"]
        .as_str()
        .expect("the server key")
        .to_owned();
    let page = curl(&["-H", &archivist, &format!("{base}/office/cases/{case}")]);
    let label = page
        .split("id=\"fingerprint\">")
        .nth(1)
        .and_then(|r| r.split('<').next())
        .expect("the fingerprint for the label on the archivist's page")
        .to_owned();
    let dir = tmp.join("clean");
    let o = tool(
        "osirrox",
        &["-indev", &s(&iso), "-extract", "/", &s(&dir)],
        tmp,
    );
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    BureauDisc {
        iso,
        dir,
        agency,
        label,
    }
}
